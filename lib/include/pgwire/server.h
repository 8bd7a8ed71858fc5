/*
 * pgwire/server.h
 *    The backend connection state machine: the server side of one
 *    PostgreSQL protocol 3.0 connection, I/O-agnostic (bytes in, bytes
 *    out), with the query execution left to an application through
 *    callbacks, so the library stays database-agnostic.
 *
 * The machine does what the protocol prescribes (docs: "Message Flow"):
 *   - startup: SSLRequest answered 'S' when the caller says TLS is
 *     available, else 'N'; GSSENCRequest answered 'N'; CancelRequest
 *     reported as an event (the connection then closes, no answer);
 *     a major version other than 3 is refused with FATAL 0A000; a 3.x
 *     minor version above 0 or "_pq_." options get NegotiateProtocolVersion
 *     (3.0, the options named);
 *   - authentication per user, chosen by the application's startup
 *     callback: trust, cleartext password, md5, SCRAM-SHA-256 and, when
 *     the caller gave TLS channel binding data, SCRAM-SHA-256-PLUS;
 *     a wrong password or no stored secret is FATAL 28P01, the method
 *     PGWIRE_AUTH_REJECT FATAL 28000;
 *   - AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery;
 *   - simple query (the application runs the whole string);
 *   - extended query: Parse, Bind, Describe, Execute (row limit ->
 *     PortalSuspended), Close, Sync, Flush, named and unnamed statements
 *     and portals; after an error every message up to Sync is discarded;
 *   - COPY FROM STDIN (CopyData/CopyDone/CopyFail routed to the
 *     application) and COPY TO STDOUT (the application writes it);
 *   - Terminate; bad input (unknown type byte, over-limit length, a
 *     malformed message, a message not allowed in the current state) gets
 *     FATAL 08P01 and the connection is closed.
 *
 * Usage: pgwire_backend_create(); then, whenever bytes arrive,
 * pgwire_backend_feed() and call pgwire_backend_next() until it returns
 * PGWIRE_INCOMPLETE, writing pgwire_backend_output() to the peer (and
 * pgwire_backend_consume()) after each call.  Output written after every
 * batch of input is all Flush and Sync need.
 */
#ifndef PGWIRE_SERVER_H
#define PGWIRE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/frame.h"
#include "pgwire/message.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pgwire_backend pgwire_backend;

/* Authentication methods, as pg_hba.conf names them. */
typedef enum pgwire_auth_method
{
	PGWIRE_AUTH_TRUST = 0,
	PGWIRE_AUTH_PASSWORD,		/* AuthenticationCleartextPassword */
	PGWIRE_AUTH_MD5,			/* AuthenticationMD5Password */
	PGWIRE_AUTH_SCRAM,			/* AuthenticationSASL, SCRAM-SHA-256[-PLUS] */
	PGWIRE_AUTH_REJECT			/* FATAL 28000 without asking */
} pgwire_auth_method;

/*
 * What the startup callback answers for a user.  secret is the stored
 * password: plain text, an "md5..." hash (35 characters, as pg_authid
 * holds it) or a "SCRAM-SHA-256$..." verifier.  As in PostgreSQL, md5 with
 * a SCRAM secret uses SCRAM instead, and SCRAM with an md5 secret cannot
 * succeed (28P01).  secret is copied before the callback returns.
 */
typedef struct pgwire_auth_config
{
	pgwire_auth_method method;
	const char *secret;			/* NULL: no password stored (fails) */
} pgwire_auth_config;

/* Values of a Bind, as the application sees them. */
typedef struct pgwire_bind_params
{
	uint32_t	nparams;
	const pgwire_value *values; /* nparams; len -1 is NULL */
	const int16_t *formats;		/* nparams: 0 text, 1 binary (expanded) */
	uint32_t	nresult_formats;	/* 0: all text, 1: one for all, else per column */
	const int16_t *result_formats;	/* as sent: PostgreSQL refuses a code other
									 * than 0 or 1 only when rows are sent */
	const char *statement;		/* the prepared statement's name ("" unnamed),
								 * for the application's error messages */
} pgwire_bind_params;

/* Return values of the execute callback. */
#define PGWIRE_EXEC_DONE 0		/* CommandComplete was sent */
#define PGWIRE_EXEC_SUSPENDED 1 /* row limit reached: PortalSuspended follows */
#define PGWIRE_EXEC_ERROR (-1)	/* pgwire_backend_error() was called */

/*
 * The application.  Every callback gets the arg given here and the
 * backend, through which it writes its messages (pgwire_backend_row_*,
 * _command_complete, _error ...).  A callback that fails calls
 * pgwire_backend_error() and returns -1 (PGWIRE_EXEC_ERROR); in extended
 * query mode the machine then discards messages until Sync.  NULL
 * callbacks mean "not supported" (an 0A000 error).  Strings are
 * NUL-terminated and live until the callback returns.
 */
typedef struct pgwire_backend_app
{
	/* A StartupMessage arrived: choose the authentication for user.
	 * params: name/value pairs, nparams of them.  Return 0. */
	int			(*startup) (void *arg, pgwire_backend *b, const char *user,
							const char *database, const char *const *params,
							size_t nparams, pgwire_auth_config *auth);
	/* Authentication succeeded; send extra ParameterStatus if wanted. */
	void		(*ready) (void *arg, pgwire_backend *b);
	/* Query message: run every statement in sql; write RowDescription,
	 * DataRow, CommandComplete or EmptyQueryResponse, or an error. */
	int			(*query) (void *arg, pgwire_backend *b, const char *sql);
	/* Parse: prepare sql with ntypes declared parameter type OIDs (0:
	 * unspecified).  Store the statement handle in *stmt. */
	int			(*parse) (void *arg, pgwire_backend *b, const char *sql,
						  uint32_t ntypes, const uint32_t *types, void **stmt);
	/* Describe of a statement: write ParameterDescription, then
	 * RowDescription (all formats text) or NoData. */
	int			(*describe_statement) (void *arg, pgwire_backend *b, void *stmt);
	/* Bind: make a portal from stmt and params; store it in *portal. */
	int			(*bind) (void *arg, pgwire_backend *b, void *stmt,
						 const pgwire_bind_params *params, void **portal);
	/* Describe of a portal: write RowDescription or NoData. */
	int			(*describe_portal) (void *arg, pgwire_backend *b, void *portal);
	/* Execute: write at most max_rows DataRows (0: no limit), then
	 * CommandComplete (PGWIRE_EXEC_DONE) or nothing (_SUSPENDED). */
	int			(*execute) (void *arg, pgwire_backend *b, void *portal, int32_t max_rows);
	/* Release handles (Close, replacement of an unnamed one, end). */
	void		(*close_statement) (void *arg, void *stmt);
	void		(*close_portal) (void *arg, void *portal);
	/* COPY FROM STDIN after pgwire_backend_copy_in(): each CopyData,
	 * then CopyDone (write CommandComplete) or CopyFail (msg). */
	int			(*copy_data) (void *arg, pgwire_backend *b, const uint8_t *data, size_t len);
	int			(*copy_done) (void *arg, pgwire_backend *b);
	void		(*copy_fail) (void *arg, pgwire_backend *b, const char *msg);
	/* Sync arrived: the end of an extended-query batch.  Return the
	 * transaction status for ReadyForQuery ('I', 'T', 'E'). */
	char		(*transaction_status) (void *arg);
	/* Describe of a portal name not made by Bind: a cursor the
	 * application made itself (SQL DECLARE, which PostgreSQL makes a
	 * portal).  Write RowDescription or NoData and return 0, or return 1
	 * if there is no such cursor (the machine then reports 34000). */
	int			(*describe_cursor) (void *arg, pgwire_backend *b, const char *name);
	/* Optional: an ErrorResponse was queued after authentication, by a
	 * callback (pgwire_backend_error) or by the machine itself (unknown
	 * statement or portal, malformed Bind ...).  PostgreSQL aborts the
	 * open transaction on any ERROR; this is where the application
	 * learns of the ones it did not write. */
	void		(*error_sent) (void *arg, pgwire_backend *b);
} pgwire_backend_app;

typedef struct pgwire_backend_options
{
	const pgwire_backend_app *app;
	void	   *app_arg;
	int			tls_available;	/* answer SSLRequest 'S' */
	int32_t		process_id;		/* BackendKeyData */
	int32_t		secret_key;
	const pgwire_limits *limits;	/* NULL: the server's defaults */
	/* ParameterStatus sent after AuthenticationOk: name,value pairs,
	 * NULL-terminated; NULL: none. */
	const char *const *parameters;
	/*
	 * Optional: called with the output whenever more than
	 * PGWIRE_BACKEND_FLUSH_AT bytes are queued in the middle of a result
	 * (DataRow, CopyData), so a large result streams instead of growing
	 * the buffer.  Return the number of bytes written (all of them), or
	 * -1 on failure (the rest stays queued).  NULL: output only grows
	 * until the caller takes it.
	 */
	long		(*write_out) (void *io_arg, const uint8_t *data, size_t len);
	void	   *io_arg;
} pgwire_backend_options;

#define PGWIRE_BACKEND_FLUSH_AT 65536

typedef enum pgwire_backend_event_kind
{
	PGWIRE_BACKEND_EV_NONE = 0,
	/* 'S' was queued: write it, do the TLS handshake, then call
	 * pgwire_backend_tls_done(); further bytes are the decrypted ones. */
	PGWIRE_BACKEND_EV_TLS_START,
	/* A CancelRequest: process_id and secret_key are set.  Close. */
	PGWIRE_BACKEND_EV_CANCEL,
	/* AuthenticationOk and ReadyForQuery were queued. */
	PGWIRE_BACKEND_EV_AUTHENTICATED,
	/* Terminate arrived, or a FATAL error was queued: write the output,
	 * then close the connection. */
	PGWIRE_BACKEND_EV_CLOSE
} pgwire_backend_event_kind;

typedef struct pgwire_backend_event
{
	pgwire_backend_event_kind kind;
	int32_t		process_id;		/* EV_CANCEL */
	int32_t		secret_key;		/* EV_CANCEL */
} pgwire_backend_event;

/* NULL on out-of-memory or a NULL opts/app.  alloc NULL: libc. */
PGWIRE_EXPORT pgwire_backend *pgwire_backend_create(const pgwire_backend_options *opts,
													const pgwire_allocator *alloc);

/* Releases statements and portals through the close callbacks. */
PGWIRE_EXPORT void pgwire_backend_free(pgwire_backend *b);

/* Bytes from the client (decrypted).  PGWIRE_OK or PGWIRE_ERR_NOMEM. */
PGWIRE_EXPORT int pgwire_backend_feed(pgwire_backend *b, const void *data, size_t len);

/*
 * Process input.  Returns PGWIRE_OK with *ev set when an event the caller
 * must act on happened (EV_NONE: a message was handled, call again),
 * PGWIRE_INCOMPLETE when all whole messages are consumed, or a negative
 * status once the connection is dead (after EV_CLOSE: PGWIRE_ERR_STATE).
 * Protocol violations do not return an error: they queue ErrorResponse
 * (08P01, with err's detail as DETAIL) and return EV_CLOSE; err (may be
 * NULL) then holds the reason, for logging.
 */
PGWIRE_EXPORT int pgwire_backend_next(pgwire_backend *b, pgwire_backend_event *ev,
									  pgwire_error *err);

/* Bytes to send; consume what was written. */
PGWIRE_EXPORT const uint8_t *pgwire_backend_output(const pgwire_backend *b, size_t *len);
PGWIRE_EXPORT void pgwire_backend_consume(pgwire_backend *b, size_t n);

/*
 * After EV_TLS_START: the handshake is done.  cbind: tls-server-end-point
 * data of our certificate (pgwire_cbind_hash()), enabling
 * SCRAM-SHA-256-PLUS; NULL/0 offers only SCRAM-SHA-256.  PGWIRE_OK or
 * PGWIRE_ERR_STATE (no TLS start pending).
 */
PGWIRE_EXPORT int pgwire_backend_tls_done(pgwire_backend *b, const uint8_t *cbind,
										  size_t cbind_len);

/* The client disconnected in the middle of a message (bytes pending). */
PGWIRE_EXPORT size_t pgwire_backend_pending(const pgwire_backend *b);

/* User name from the StartupMessage ("" before), and the SASL mechanism
 * used (NULL if none). */
PGWIRE_EXPORT const char *pgwire_backend_user(const pgwire_backend *b);
PGWIRE_EXPORT const char *pgwire_backend_mechanism(const pgwire_backend *b);

/* The method the startup callback chose (PGWIRE_AUTH_TRUST before). */
PGWIRE_EXPORT pgwire_auth_method pgwire_backend_auth_method(const pgwire_backend *b);

/* ---- Writing results (from the callbacks) ----------------------------- */

/*
 * Each appends one message to the output.  They return the output
 * buffer's status: PGWIRE_OK, PGWIRE_ERR_NOMEM, PGWIRE_ERR_EMBEDDED_NUL
 * (a name or tag containing NUL), PGWIRE_ERR_RANGE (over 65535 columns);
 * a message that fails is not written and later ones still can be.
 */

/* RowDescription: n columns (table_oid and column_attnum may be 0). */
PGWIRE_EXPORT int pgwire_backend_row_description(pgwire_backend *b, size_t n,
												 const pgwire_column *cols);

/* DataRow, in three steps: begin, one value per column (ptr NULL: SQL
 * NULL), end. */
PGWIRE_EXPORT void pgwire_backend_row_begin(pgwire_backend *b, size_t ncols);
PGWIRE_EXPORT void pgwire_backend_row_value(pgwire_backend *b, const void *ptr, size_t len);
PGWIRE_EXPORT int pgwire_backend_row_end(pgwire_backend *b);

PGWIRE_EXPORT int pgwire_backend_command_complete(pgwire_backend *b, const char *tag);
PGWIRE_EXPORT int pgwire_backend_empty_query(pgwire_backend *b);
PGWIRE_EXPORT int pgwire_backend_no_data(pgwire_backend *b);
PGWIRE_EXPORT int pgwire_backend_parameter_description(pgwire_backend *b, size_t n,
													   const uint32_t *types);
PGWIRE_EXPORT int pgwire_backend_parameter_status(pgwire_backend *b, const char *name,
												  const char *value);

/*
 * ErrorResponse (notice 0: severity ERROR) or NoticeResponse (notice 1:
 * severity NOTICE) with SQLSTATE, message and optional detail/hint
 * (NULL: none).  An error marks the current extended-query batch failed.
 */
PGWIRE_EXPORT int pgwire_backend_error(pgwire_backend *b, const char *sqlstate,
									   const char *message, const char *detail,
									   const char *hint);
PGWIRE_EXPORT int pgwire_backend_notice(pgwire_backend *b, const char *message);

/* CopyInResponse (then CopyData goes to the copy_* callbacks) and
 * CopyOutResponse, text format, ncols columns; CopyData; CopyDone. */
PGWIRE_EXPORT int pgwire_backend_copy_in(pgwire_backend *b, size_t ncols);
PGWIRE_EXPORT int pgwire_backend_copy_out(pgwire_backend *b, size_t ncols);
PGWIRE_EXPORT int pgwire_backend_copy_data(pgwire_backend *b, const void *data, size_t len);
PGWIRE_EXPORT int pgwire_backend_copy_done(pgwire_backend *b);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_SERVER_H */
