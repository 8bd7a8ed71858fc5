/*
 * tools/fatal.h
 *    The FATAL ErrorResponse that a pgwire subcommand sends a client by
 *    itself just before closing the connection: the proxy when its
 *    upstream server is unreachable, the server when it has too many
 *    clients.
 */
#ifndef PGWIRE_TOOLS_FATAL_H
#define PGWIRE_TOOLS_FATAL_H

#include "pgwire/pgwire.h"

/*
 * Append to b an ErrorResponse as PostgreSQL sends a FATAL error: fields S
 * and V "FATAL", C sqlstate, M message.  Returns PGWIRE_OK or the error
 * that left b without a complete message.
 */
int			tool_fatal_response(pgwire_buf *b, const char *sqlstate, const char *message);

#endif							/* PGWIRE_TOOLS_FATAL_H */
