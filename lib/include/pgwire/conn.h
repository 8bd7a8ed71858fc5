/*
 * pgwire/conn.h
 *    An I/O-agnostic frontend (client) connection state machine.
 *
 * The caller owns the socket (and TLS): it feeds bytes received from the
 * server with pgwire_conn_feed(), sends whatever pgwire_conn_output()
 * holds, and takes events out with pgwire_conn_next().  The machine drives
 * startup (optional SSLRequest: the caller does the TLS handshake when told
 * by PGWIRE_CONN_EV_TLS_START), authentication (cleartext, MD5,
 * SCRAM-SHA-256, SCRAM-SHA-256-PLUS), simple and extended query, COPY in
 * and out, CancelRequest bytes and Terminate, built on the reader, decoder
 * and writer (frame.h, message.h, encode.h).
 *
 * Source: PostgreSQL docs, "Frontend/Backend Protocol": "Start-up",
 * "SSL Session Encryption", "SASL Authentication", "Simple Query",
 * "Extended Query", "COPY Operations", "Canceling Requests in Progress",
 * "Termination".
 */
#ifndef PGWIRE_CONN_H
#define PGWIRE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/auth.h"
#include "pgwire/buf.h"
#include "pgwire/message.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pgwire_conn pgwire_conn;

/* channel_binding, as libpq's connection option of that name. */
typedef enum pgwire_cbind_mode
{
	PGWIRE_CBIND_MODE_PREFER = 0,	/* use -PLUS when TLS is up and it is offered */
	PGWIRE_CBIND_MODE_DISABLE,
	PGWIRE_CBIND_MODE_REQUIRE		/* fail unless SCRAM-SHA-256-PLUS is used */
} pgwire_cbind_mode;

typedef struct pgwire_conn_options
{
	const char *user;			/* required */
	const char *database;		/* NULL: server uses the user name */
	const char *password;		/* NULL: PGWIRE_CONN_EV_PASSWORD_NEEDED if asked */
	const char *application_name;	/* NULL: not sent */
	const char *const *extra;	/* more name,value pairs, NULL-terminated;
								 * at most 32 pairs are sent */
	int			ssl_request;	/* send SSLRequest first */
	pgwire_cbind_mode channel_binding;
} pgwire_conn_options;

typedef enum pgwire_conn_event_kind
{
	PGWIRE_CONN_EV_NONE = 0,
	/* Server accepted SSLRequest: do the TLS handshake, then call
	 * pgwire_conn_tls_done(); all further bytes go through TLS. */
	PGWIRE_CONN_EV_TLS_START,
	/* Server refused SSLRequest ('N'); startup continues in plain text. */
	PGWIRE_CONN_EV_TLS_REFUSED,
	/* An Authentication request was answered (msg is the request). */
	PGWIRE_CONN_EV_AUTH_REQUEST,
	/* The server wants a password and none was given: call
	 * pgwire_conn_set_password(), then pgwire_conn_next() again. */
	PGWIRE_CONN_EV_PASSWORD_NEEDED,
	PGWIRE_CONN_EV_AUTH_OK,		/* AuthenticationOk */
	PGWIRE_CONN_EV_PARAMETER_STATUS,
	PGWIRE_CONN_EV_BACKEND_KEY_DATA,
	PGWIRE_CONN_EV_NEGOTIATE_VERSION,
	PGWIRE_CONN_EV_READY_FOR_QUERY,
	PGWIRE_CONN_EV_ROW_DESCRIPTION,
	PGWIRE_CONN_EV_DATA_ROW,
	PGWIRE_CONN_EV_COMMAND_COMPLETE,
	PGWIRE_CONN_EV_EMPTY_QUERY,
	PGWIRE_CONN_EV_ERROR,		/* ErrorResponse */
	PGWIRE_CONN_EV_NOTICE,		/* NoticeResponse */
	PGWIRE_CONN_EV_NOTIFICATION,
	PGWIRE_CONN_EV_COPY_IN,		/* CopyInResponse: send CopyData/CopyDone/Fail */
	PGWIRE_CONN_EV_COPY_OUT,	/* CopyOutResponse */
	PGWIRE_CONN_EV_COPY_DATA,
	PGWIRE_CONN_EV_COPY_DONE,
	PGWIRE_CONN_EV_PARSE_COMPLETE,
	PGWIRE_CONN_EV_BIND_COMPLETE,
	PGWIRE_CONN_EV_NO_DATA,
	PGWIRE_CONN_EV_PARAMETER_DESCRIPTION,
	PGWIRE_CONN_EV_PORTAL_SUSPENDED,
	PGWIRE_CONN_EV_CLOSE_COMPLETE,
	PGWIRE_CONN_EV_OTHER		/* any other backend message */
} pgwire_conn_event_kind;

/*
 * One event.  msg is the decoded backend message behind it (NULL for
 * PASSWORD_NEEDED); it points into the connection's buffers and is valid
 * until the next pgwire_conn_feed() or pgwire_conn_next() call.
 */
typedef struct pgwire_conn_event
{
	pgwire_conn_event_kind kind;
	const pgwire_msg *msg;
} pgwire_conn_event;

/* Where the connection is. */
typedef enum pgwire_conn_state
{
	PGWIRE_CONN_STARTUP = 0,	/* SSL answer, authentication, parameters */
	PGWIRE_CONN_READY,			/* ReadyForQuery seen, nothing in flight */
	PGWIRE_CONN_BUSY,			/* a query is in flight */
	PGWIRE_CONN_COPY_IN,
	PGWIRE_CONN_COPY_OUT,
	PGWIRE_CONN_CLOSED,			/* Terminate sent or fatal error */
	PGWIRE_CONN_FAILED			/* a protocol or authentication failure */
} pgwire_conn_state;

/*
 * Create a connection and queue its first bytes (SSLRequest or
 * StartupMessage).  Strings in opts are copied.  alloc may be NULL.
 * Returns NULL on out of memory or missing user.
 */
PGWIRE_EXPORT pgwire_conn *pgwire_conn_create(const pgwire_conn_options *opts,
											  const pgwire_allocator *alloc);
PGWIRE_EXPORT void pgwire_conn_free(pgwire_conn *c);

PGWIRE_EXPORT pgwire_conn_state pgwire_conn_get_state(const pgwire_conn *c);

/*
 * Bytes to send to the server: *len bytes at the returned pointer (valid
 * until the next call that queues output).  After sending n of them call
 * pgwire_conn_consume(c, n).
 */
PGWIRE_EXPORT const uint8_t *pgwire_conn_output(const pgwire_conn *c, size_t *len);
PGWIRE_EXPORT void pgwire_conn_consume(pgwire_conn *c, size_t n);

/* Bytes received from the server (after TLS decryption).  PGWIRE_OK or
 * PGWIRE_ERR_NOMEM. */
PGWIRE_EXPORT int pgwire_conn_feed(pgwire_conn *c, const void *data, size_t len);

/*
 * Take the next event.  PGWIRE_OK (ev filled), PGWIRE_INCOMPLETE (feed
 * more bytes), or an error, after which the connection is FAILED:
 *   framing/decoding errors of the reader and decoder;
 *   PGWIRE_ERR_PROTOCOL  a message the state does not allow (e.g. bytes
 *                        after 'S' before the TLS handshake, DataRow
 *                        before any query, AuthenticationOk before the
 *                        SCRAM exchange finished);
 *   PGWIRE_ERR_AUTH      the server asked for an unsupported method
 *                        (detail names it), the SCRAM exchange failed,
 *                        or channel_binding=require could not be met;
 *   PGWIRE_ERR_NOMEM.
 * ErrorResponse is an event, not an error; during startup it also moves
 * the connection to CLOSED (the server hangs up).
 */
PGWIRE_EXPORT int pgwire_conn_next(pgwire_conn *c, pgwire_conn_event *ev,
								   pgwire_error *err);

/*
 * The TLS handshake after EV_TLS_START finished.  cbind/cbind_len: the
 * tls-server-end-point hash of the server certificate
 * (pgwire_cbind_hash()), or NULL/0 when unknown (then -PLUS is not used).
 * Queues StartupMessage.  PGWIRE_ERR_STATE if not expected.
 */
PGWIRE_EXPORT int pgwire_conn_tls_done(pgwire_conn *c, const uint8_t *cbind, size_t cbind_len);

/* Supply the password after EV_PASSWORD_NEEDED (or before). */
PGWIRE_EXPORT int pgwire_conn_set_password(pgwire_conn *c, const char *password);

/* The SASL mechanism used ("SCRAM-SHA-256-PLUS"...), or NULL. */
PGWIRE_EXPORT const char *pgwire_conn_sasl_mechanism(const pgwire_conn *c);

/*
 * The password method the server asked for: "password" (cleartext),
 * "md5", the SASL mechanism name, or NULL when none was asked (trust).
 */
PGWIRE_EXPORT const char *pgwire_conn_auth_method(const pgwire_conn *c);

/* BackendKeyData values (0/empty before it arrives). */
PGWIRE_EXPORT int32_t pgwire_conn_backend_pid(const pgwire_conn *c);

/*
 * Queue a Query (simple query protocol).  PGWIRE_ERR_STATE unless READY;
 * encoder errors (PGWIRE_ERR_EMBEDDED_NUL ...).
 */
PGWIRE_EXPORT int pgwire_conn_query(pgwire_conn *c, const char *sql, pgwire_error *err);

/*
 * Queue Parse (unnamed statement, parameter types from types[] or all
 * unspecified when NULL), Bind (values[i] NULL is SQL NULL; lengths[i] the
 * byte count (lengths NULL or lengths[i] < 0: strlen, for text); formats[i] 0 text, 1
 * binary, formats NULL: all text), Describe portal, Execute (all rows) and
 * Sync.  result_format 0 text, 1 binary.  Errors as pgwire_conn_query().
 */
PGWIRE_EXPORT int pgwire_conn_query_params(pgwire_conn *c, const char *sql, int nparams,
										   const uint32_t *types,
										   const char *const *values, const int *lengths,
										   const int *formats, int result_format,
										   pgwire_error *err);

/* COPY FROM STDIN: data, then done or fail.  PGWIRE_ERR_STATE unless COPY_IN. */
PGWIRE_EXPORT int pgwire_conn_copy_data(pgwire_conn *c, const void *data, size_t len,
										pgwire_error *err);
PGWIRE_EXPORT int pgwire_conn_copy_done(pgwire_conn *c, pgwire_error *err);
PGWIRE_EXPORT int pgwire_conn_copy_fail(pgwire_conn *c, const char *message,
										pgwire_error *err);

/* Queue Terminate; the connection becomes CLOSED. */
PGWIRE_EXPORT int pgwire_conn_terminate(pgwire_conn *c);

/*
 * Append a CancelRequest for this connection's BackendKeyData to out (to
 * be sent on a new connection).  PGWIRE_ERR_STATE before BackendKeyData.
 */
PGWIRE_EXPORT int pgwire_conn_cancel_request(const pgwire_conn *c, pgwire_buf *out);

/* The decoded message a reader frame yields: for --trace style printing of
 * what was received.  Set a callback that sees every message both ways. */
typedef void (*pgwire_conn_trace_fn) (void *arg, const pgwire_msg *m);
PGWIRE_EXPORT void pgwire_conn_set_trace(pgwire_conn *c, pgwire_conn_trace_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_CONN_H */
