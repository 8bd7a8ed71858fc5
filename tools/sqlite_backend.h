/*
 * tools/sqlite_backend.h
 *    The application behind `pgwire serve`: an embedded SQLite database
 *    that answers libpgwire's backend callbacks (server.h) the way a
 *    PostgreSQL 15 server would answer the same protocol messages.
 *
 * One SQLite connection per client session, on one database file in WAL
 * mode (readers never wait; writers wait for each other with a busy
 * timeout; BEGIN is deferred, so a transaction that read and then loses
 * the race to write fails with 40001, as under SERIALIZABLE).  ":memory:"
 * is served from a temporary file removed at exit, so that every session
 * sees the same data.
 */
#ifndef PGWIRE_TOOLS_SQLITE_BACKEND_H
#define PGWIRE_TOOLS_SQLITE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/server.h"

typedef struct sqlb_session sqlb_session;

/*
 * Open the database at path (":memory:": a temporary file), switching it
 * to WAL mode.  0, or -1 with the reason in errbuf.
 */
int			sqlb_init(const char *path, char *errbuf, size_t errlen);

/* Remove the temporary file of ":memory:". */
void		sqlb_shutdown(void);

/*
 * A session for one client: its own SQLite connection, registered under
 * process_id/secret_key for CancelRequest.  NULL with the reason in
 * errbuf.
 */
sqlb_session *sqlb_session_open(int32_t process_id, int32_t secret_key,
								char *errbuf, size_t errlen);

/* Roll back what is uncommitted, close, unregister. */
void		sqlb_session_close(sqlb_session *s);

/* A setting for SHOW and current_setting() (e.g. a startup parameter). */
void		sqlb_session_setting(sqlb_session *s, const char *name, const char *value);

/* A setting's value: the session's, else the server default; NULL if none. */
const char *sqlb_session_get(sqlb_session *s, const char *name);

/*
 * CancelRequest: interrupt the statement the session with this
 * process_id runs, if the key matches.  1 if a session was signalled.
 */
int			sqlb_cancel(int32_t process_id, int32_t secret_key);

/*
 * The server shuts down: interrupt every session's statement and run no
 * more; an interrupted statement queues no error (the caller sends FATAL
 * 57P01 instead).
 */
void		sqlb_terminate_all(void);

/*
 * Of the len bytes of output queued, how many to send before that FATAL:
 * those queued before a statement was interrupted, else all of them.
 */
size_t		sqlb_session_output_kept(sqlb_session *s, size_t len);

/* The callbacks (startup is NULL: authentication is serve.c's). */
extern const pgwire_backend_app sqlb_app;

/* ParameterStatus name,value pairs sent after AuthenticationOk
 * (application_name and session_authorization are sent separately, with
 * the client's values). */
extern const char *const sqlb_parameters[];

#endif							/* PGWIRE_TOOLS_SQLITE_BACKEND_H */
