/*
 * pgwire/pgwire.h
 *    libpgwire: a PostgreSQL frontend/backend protocol codec (protocol 3.0
 *    and 3.2).  Include this one header to get the whole public API.
 */
#ifndef PGWIRE_PGWIRE_H
#define PGWIRE_PGWIRE_H

#define PGWIRE_VERSION_MAJOR 0
#define PGWIRE_VERSION_MINOR 1
#define PGWIRE_VERSION_PATCH 0
#define PGWIRE_VERSION_STRING "0.1.0"

#include "pgwire/status.h"
#include "pgwire/buf.h"
#include "pgwire/frame.h"
#include "pgwire/message.h"
#include "pgwire/encode.h"
#include "pgwire/session.h"
#include "pgwire/render.h"
#include "pgwire/utf8.h"
#include "pgwire/replication.h"
#include "pgwire/auth.h"
#include "pgwire/conn.h"
#include "pgwire/server.h"

#endif							/* PGWIRE_PGWIRE_H */
