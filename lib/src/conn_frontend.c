/*
 * conn_frontend.c
 *    The frontend connection state machine (conn.h): startup, SSLRequest,
 *    authentication, simple and extended query, COPY, cancel, terminate.
 *
 * It does no I/O: bytes come in through pgwire_conn_feed() and go out
 * through pgwire_conn_output(), so the same code serves a blocking tool,
 * an event loop or a test that replays a capture.  The order of checks
 * follows libpq's fe-connect.c / fe-auth.c where the protocol leaves a
 * choice (SASL mechanism selection, channel binding rules, refusing bytes
 * that arrive after 'S' but before the TLS handshake: CVE-2021-23222).
 */
#include <string.h>

#include "internal.h"
#include "pgwire/conn.h"
#include "pgwire/encode.h"
#include "pgwire/frame.h"

#define PROTOCOL_3_0 196608

typedef enum auth_wait
{
	WAIT_NONE = 0,
	WAIT_CLEARTEXT,
	WAIT_MD5,
	WAIT_SASL
} auth_wait;

struct pgwire_conn
{
	const pgwire_allocator *alloc;
	pgwire_conn_state state;
	pgwire_buf	strings;		/* copies of the option strings */
	size_t		user_off, db_off, app_off;
	int			has_db, has_app;
	size_t		nextra;
	size_t		extra_off[64];
	char	   *password;
	pgwire_cbind_mode cbind_mode;

	pgwire_reader *rd;
	pgwire_buf	out;
	pgwire_msg	msg;			/* the message behind the last event */
	uint64_t	out_offset;		/* stream offset of the next byte we queue */

	int			ssl_requested;
	int			ssl_answer_pending; /* no byte received since SSLRequest */
	int			waiting_tls;	/* 'S' seen, handshake not done */
	int			tls_active;
	uint8_t		cbind[PGWIRE_CBIND_MAX];
	size_t		cbind_len;

	auth_wait	waiting;		/* request parked until a password comes */
	uint8_t		md5_salt[4];
	int			sasl_plus_offered;
	int			sasl_scram_offered;
	int			scram_active;
	pgwire_scram_client scram;
	const char *mechanism;
	const char *method;			/* pgwire_conn_auth_method() */
	pgwire_msg_kind auth_response;	/* what our 'p' messages are */

	int32_t		pid;
	uint8_t		key[256];
	size_t		key_len;
	int			have_key;

	pgwire_conn_trace_fn trace;
	void	   *trace_arg;
};

static const char *
str_at(const pgwire_conn *c, size_t off)
{
	return (const char *) c->strings.data + off;
}

static size_t
keep_string(pgwire_conn *c, const char *s)
{
	size_t		off = c->strings.len;

	pgwire_buf_append(&c->strings, s, strlen(s) + 1);
	return off;
}

static char *
dup_string(const pgwire_allocator *a, const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *p = a->malloc(n, a->user_data);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* Hand a message we just queued (out[start..]) to the trace callback. */
static void
trace_out(pgwire_conn *c, size_t start)
{
	pgwire_msg	m;
	pgwire_context ctx = {c->auth_response, 0};

	if (c->trace &&
		pgwire_decode_bytes(c->out.data + start, c->out.len - start, PGWIRE_FRONTEND,
							&ctx, &m, NULL) == PGWIRE_OK)
		c->trace(c->trace_arg, &m);
}

static int
finish(pgwire_conn *c, pgwire_writer *w, pgwire_error *err)
{
	size_t		start = w->start;
	int			rc = pgwire_msg_end(w);

	if (rc != PGWIRE_OK)
	{
		/* msg_end removed the message; clear the sticky status, keep the rest. */
		c->out.status = PGWIRE_OK;
		return pgwire_error_set(err, rc, 0, "could not encode the message: %s",
								pgwire_strerror(rc));
	}
	trace_out(c, start);
	return PGWIRE_OK;
}

static int
queue_startup(pgwire_conn *c)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &c->out, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, PROTOCOL_3_0);
	pgwire_put_cstring(&w, "user");
	pgwire_put_cstring(&w, str_at(c, c->user_off));
	if (c->has_db)
	{
		pgwire_put_cstring(&w, "database");
		pgwire_put_cstring(&w, str_at(c, c->db_off));
	}
	if (c->has_app)
	{
		pgwire_put_cstring(&w, "application_name");
		pgwire_put_cstring(&w, str_at(c, c->app_off));
	}
	for (size_t i = 0; i < c->nextra; i++)
		pgwire_put_cstring(&w, str_at(c, c->extra_off[i]));
	pgwire_put_byte1(&w, 0);
	return finish(c, &w, NULL);
}

static int
queue_ssl_request(pgwire_conn *c)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &c->out, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 80877103);
	return finish(c, &w, NULL);
}

pgwire_conn *
pgwire_conn_create(const pgwire_conn_options *opts, const pgwire_allocator *alloc)
{
	pgwire_conn *c;

	if (opts == NULL || opts->user == NULL)
		return NULL;
	c = pgwire_alloc_object(&alloc, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->alloc = alloc;
	pgwire_buf_init(&c->strings, alloc);
	pgwire_buf_init(&c->out, alloc);
	c->rd = pgwire_reader_create(PGWIRE_BACKEND, NULL, alloc);
	c->user_off = keep_string(c, opts->user);
	if ((c->has_db = opts->database != NULL))
		c->db_off = keep_string(c, opts->database);
	if ((c->has_app = opts->application_name != NULL))
		c->app_off = keep_string(c, opts->application_name);
	for (const char *const *e = opts->extra; e && e[0] && e[1] && c->nextra + 2 <= 64; e += 2)
	{
		c->extra_off[c->nextra++] = keep_string(c, e[0]);
		c->extra_off[c->nextra++] = keep_string(c, e[1]);
	}
	if (opts->password)
		c->password = dup_string(alloc, opts->password);
	c->cbind_mode = opts->channel_binding;
	c->ssl_requested = opts->ssl_request;
	if (c->rd == NULL || c->strings.status != PGWIRE_OK ||
		(opts->password && c->password == NULL))
	{
		pgwire_conn_free(c);
		return NULL;
	}
	pgwire_reader_set_phase(c->rd, c->ssl_requested ? PGWIRE_PHASE_SSL_ANSWER : PGWIRE_PHASE_TYPED);
	c->ssl_answer_pending = c->ssl_requested;
	if ((c->ssl_requested ? queue_ssl_request(c) : queue_startup(c)) != PGWIRE_OK)
	{
		pgwire_conn_free(c);
		return NULL;
	}
	return c;
}

void
pgwire_conn_free(pgwire_conn *c)
{
	if (c == NULL)
		return;
	if (c->scram_active)
		pgwire_scram_client_free(&c->scram);
	if (c->password)
	{
		memset(c->password, 0, strlen(c->password));
		c->alloc->free(c->password, c->alloc->user_data);
	}
	pgwire_reader_free(c->rd);
	pgwire_buf_free(&c->strings);
	pgwire_buf_free(&c->out);
	c->alloc->free(c, c->alloc->user_data);
}

void
pgwire_conn_set_trace(pgwire_conn *c, pgwire_conn_trace_fn fn, void *arg)
{
	c->trace = fn;
	c->trace_arg = arg;
	/* The first message was queued at create time: show it now. */
	if (fn && c->out.len > 0)
		trace_out(c, 0);
}

pgwire_conn_state
pgwire_conn_get_state(const pgwire_conn *c)
{
	return c->state;
}

const uint8_t *
pgwire_conn_output(const pgwire_conn *c, size_t *len)
{
	*len = c->out.len;
	return c->out.data;
}

void
pgwire_conn_consume(pgwire_conn *c, size_t n)
{
	pgwire_buf_drop(&c->out, n);
}

int
pgwire_conn_feed(pgwire_conn *c, const void *data, size_t len)
{
	/*
	 * A server that cannot even answer SSLRequest (out of processes, say)
	 * sends an ErrorResponse in its place, as libpq knows: frame it as one.
	 */
	if (c->ssl_answer_pending && len > 0)
	{
		c->ssl_answer_pending = 0;
		if (((const uint8_t *) data)[0] == 'E')
			pgwire_reader_set_phase(c->rd, PGWIRE_PHASE_TYPED);
	}
	return pgwire_reader_feed(c->rd, data, len);
}

const char *
pgwire_conn_sasl_mechanism(const pgwire_conn *c)
{
	return c->mechanism;
}

const char *
pgwire_conn_auth_method(const pgwire_conn *c)
{
	return c->mechanism ? c->mechanism : c->method;
}

int32_t
pgwire_conn_backend_pid(const pgwire_conn *c)
{
	return c->pid;
}

int
pgwire_conn_tls_done(pgwire_conn *c, const uint8_t *cbind, size_t cbind_len)
{
	if (!c->waiting_tls || cbind_len > PGWIRE_CBIND_MAX)
		return PGWIRE_ERR_STATE;
	c->waiting_tls = 0;
	c->tls_active = 1;
	if (cbind && cbind_len)
	{
		memcpy(c->cbind, cbind, cbind_len);
		c->cbind_len = cbind_len;
	}
	return queue_startup(c);
}

int
pgwire_conn_set_password(pgwire_conn *c, const char *password)
{
	if (password == NULL)
		return PGWIRE_ERR_ARGUMENT;
	if (c->password)
		c->alloc->free(c->password, c->alloc->user_data);
	c->password = dup_string(c->alloc, password);
	return c->password ? PGWIRE_OK : PGWIRE_ERR_NOMEM;
}

/* ---- authentication ------------------------------------------------------- */

static int
conn_fail(pgwire_conn *c, pgwire_error *err, int status, const char *detail)
{
	c->state = PGWIRE_CONN_FAILED;
	return pgwire_error_set(err, status, 0, "%s", detail);
}

static int
send_password_message(pgwire_conn *c, const char *pw, pgwire_error *err)
{
	pgwire_writer w;

	c->auth_response = PGWIRE_MSG_PASSWORD_MESSAGE;
	pgwire_msg_begin(&w, &c->out, 'p', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, pw);
	return finish(c, &w, err);
}

static int
answer_md5(pgwire_conn *c, pgwire_error *err)
{
	char		resp[PGWIRE_MD5_PASSWD_LEN];
	int			rc = pgwire_md5_response(str_at(c, c->user_off), c->password,
										 c->md5_salt, resp, err);

	if (rc != PGWIRE_OK)
		return conn_fail(c, err, rc, err ? err->detail : "MD5 failed");
	return send_password_message(c, resp, err);
}

static int
start_sasl(pgwire_conn *c, pgwire_error *err)
{
	pgwire_cbind cb;
	pgwire_buf	first;
	pgwire_writer w;
	int			rc;

	if (c->tls_active && c->cbind_len > 0 && c->cbind_mode != PGWIRE_CBIND_MODE_DISABLE &&
		c->sasl_plus_offered)
	{
		c->mechanism = PGWIRE_SCRAM_SHA_256_PLUS;
		cb = PGWIRE_CBIND_USED;
	}
	else if (c->sasl_scram_offered)
	{
		c->mechanism = PGWIRE_SCRAM_SHA_256;
		/* "y": we could bind but the server did not offer it (RFC 5802). */
		cb = c->tls_active && c->cbind_len > 0 &&
			c->cbind_mode != PGWIRE_CBIND_MODE_DISABLE ?
			PGWIRE_CBIND_SUPPORTED : PGWIRE_CBIND_NONE;
	}
	else
		return conn_fail(c, err, PGWIRE_ERR_AUTH,
						 "none of the server's SASL authentication mechanisms are supported");
	if (c->cbind_mode == PGWIRE_CBIND_MODE_REQUIRE && cb != PGWIRE_CBIND_USED)
		return conn_fail(c, err, PGWIRE_ERR_AUTH,
						 "channel binding is required, but server did not offer an authentication method that supports channel binding");
	rc = pgwire_scram_client_init(&c->scram, c->password, cb, c->cbind, c->cbind_len,
								  c->alloc, err);
	c->scram_active = 1;
	if (rc != PGWIRE_OK)
		return conn_fail(c, err, rc, err ? err->detail : "SCRAM failed");
	pgwire_buf_init(&first, c->alloc);
	rc = pgwire_scram_client_first(&c->scram, NULL, &first, err);
	if (rc == PGWIRE_OK)
	{
		c->auth_response = PGWIRE_MSG_SASL_INITIAL_RESPONSE;
		pgwire_msg_begin(&w, &c->out, 'p', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, c->mechanism);
		pgwire_put_value(&w, first.data ? first.data : (const uint8_t *) "", first.len);
		rc = finish(c, &w, err);
	}
	pgwire_buf_free(&first);
	if (rc != PGWIRE_OK)
		c->state = PGWIRE_CONN_FAILED;
	return rc;
}

static int
answer_parked(pgwire_conn *c, pgwire_error *err)
{
	auth_wait	w = c->waiting;

	c->waiting = WAIT_NONE;
	if (w == WAIT_CLEARTEXT)
		return send_password_message(c, c->password, err);
	if (w == WAIT_MD5)
		return answer_md5(c, err);
	return start_sasl(c, err);
}

/*
 * An authentication request: answer it now, or park it until a password
 * is supplied (*parked set).
 */
static int
handle_auth(pgwire_conn *c, const pgwire_msg *m, int *parked, pgwire_error *err)
{
	pgwire_iter it;
	pgwire_slice mech;
	pgwire_error e2;
	pgwire_slice data;
	int			rc;

	*parked = 0;
	switch (m->kind)
	{
		case PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD:
		case PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD:
			if (c->cbind_mode == PGWIRE_CBIND_MODE_REQUIRE)
				return conn_fail(c, err, PGWIRE_ERR_AUTH,
								 "channel binding required but not supported by server's authentication request");
			if (m->kind == PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD)
			{
				memcpy(c->md5_salt, m->u.authentication_md5_password.salt.ptr, 4);
				c->waiting = WAIT_MD5;
				c->method = "md5";
			}
			else
			{
				c->waiting = WAIT_CLEARTEXT;
				c->method = "password";
			}
			break;
		case PGWIRE_MSG_AUTHENTICATION_SASL:
			if (c->scram_active)
				return conn_fail(c, err, PGWIRE_ERR_PROTOCOL, "duplicate SASL authentication request");
			pgwire_iter_init(&it, &m->u.authentication_sasl.mechanisms);
			while (pgwire_next_string(&it, &mech))
			{
				if (mech.len == 18 && memcmp(mech.ptr, PGWIRE_SCRAM_SHA_256_PLUS, 18) == 0)
					c->sasl_plus_offered = 1;
				else if (mech.len == 13 && memcmp(mech.ptr, PGWIRE_SCRAM_SHA_256, 13) == 0)
					c->sasl_scram_offered = 1;
			}
			c->waiting = WAIT_SASL;
			break;
		case PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE:
		case PGWIRE_MSG_AUTHENTICATION_SASL_FINAL:
			if (!c->scram_active)
				return conn_fail(c, err, PGWIRE_ERR_PROTOCOL, "SASL message without a SASL exchange");
			data = m->u.authentication_continue.data;
			if (m->kind == PGWIRE_MSG_AUTHENTICATION_SASL_FINAL)
			{
				rc = pgwire_scram_client_verify(&c->scram, data.ptr, data.len, &e2);
				if (rc != PGWIRE_OK)
					return conn_fail(c, err, rc, e2.detail);
				return PGWIRE_OK;
			}
			else
			{
				pgwire_buf	resp;
				pgwire_writer w;

				pgwire_buf_init(&resp, c->alloc);
				rc = pgwire_scram_client_final(&c->scram, data.ptr, data.len, &resp, &e2);
				if (rc == PGWIRE_OK)
				{
					c->auth_response = PGWIRE_MSG_SASL_RESPONSE;
					pgwire_msg_begin(&w, &c->out, 'p', PGWIRE_FRONTEND, NULL);
					pgwire_put_bytes(&w, resp.data, resp.len);
					rc = finish(c, &w, &e2);
				}
				pgwire_buf_free(&resp);
				if (rc != PGWIRE_OK)
					return conn_fail(c, err, rc, e2.detail);
				return PGWIRE_OK;
			}
		case PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5:
			return conn_fail(c, err, PGWIRE_ERR_AUTH, "Kerberos 5 authentication not supported");
		case PGWIRE_MSG_AUTHENTICATION_GSS:
		case PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE:
			return conn_fail(c, err, PGWIRE_ERR_AUTH, "GSSAPI authentication not supported");
		case PGWIRE_MSG_AUTHENTICATION_SSPI:
			return conn_fail(c, err, PGWIRE_ERR_AUTH, "SSPI authentication not supported");
		default:
			c->state = PGWIRE_CONN_FAILED;
			return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0,
									"authentication method requested by server (code %d) is not supported",
									(int) m->u.authentication.code);
	}
	if (c->password == NULL)
	{
		*parked = 1;
		return PGWIRE_OK;
	}
	return answer_parked(c, err);
}

static int
handle_auth_ok(pgwire_conn *c, pgwire_error *err)
{
	/* A server that skips the SCRAM proof has not proven it knows the password. */
	if (c->scram_active && !pgwire_scram_client_done(&c->scram))
		return conn_fail(c, err, PGWIRE_ERR_AUTH, "server sent AuthenticationOk before the SASL exchange completed");
	if (c->cbind_mode == PGWIRE_CBIND_MODE_REQUIRE &&
		(c->mechanism == NULL || strcmp(c->mechanism, PGWIRE_SCRAM_SHA_256_PLUS) != 0))
		return conn_fail(c, err, PGWIRE_ERR_AUTH,
						 "channel binding required, but server authenticated client without channel binding");
	if (c->waiting != WAIT_NONE)
		return conn_fail(c, err, PGWIRE_ERR_PROTOCOL, "AuthenticationOk while a request is unanswered");
	return PGWIRE_OK;
}

/* ---- the event loop ----------------------------------------------------- */

static int
ssl_answer(pgwire_conn *c, const pgwire_frame *f, pgwire_conn_event *ev, pgwire_error *err)
{
	pgwire_reader_set_phase(c->rd, PGWIRE_PHASE_TYPED);
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.kind = PGWIRE_MSG_SSL_RESPONSE;
	c->msg.frame = *f;
	c->msg.u.encryption_response.response = f->type;
	if (c->trace)
		c->trace(c->trace_arg, &c->msg);
	ev->msg = &c->msg;
	if (f->type == 'S')
	{
		/* Anything already buffered was not protected by TLS: refuse it. */
		if (pgwire_reader_pending(c->rd) > 0)
			return conn_fail(c, err, PGWIRE_ERR_PROTOCOL,
							 "received unencrypted data after SSL response");
		c->waiting_tls = 1;
		ev->kind = PGWIRE_CONN_EV_TLS_START;
		return PGWIRE_OK;
	}
	ev->kind = PGWIRE_CONN_EV_TLS_REFUSED;
	return queue_startup(c);
}

static int
in_query(const pgwire_conn *c)
{
	return c->state == PGWIRE_CONN_BUSY || c->state == PGWIRE_CONN_COPY_IN ||
		c->state == PGWIRE_CONN_COPY_OUT;
}

static int
dispatch(pgwire_conn *c, const pgwire_msg *m, pgwire_conn_event *ev, pgwire_error *err)
{
	int			parked,
				rc;
	int			startup = c->state == PGWIRE_CONN_STARTUP;

	ev->msg = m;
	if (startup && pgwire_is_auth_request(m->kind))
	{
		if ((rc = handle_auth(c, m, &parked, err)) != PGWIRE_OK)
			return rc;
		ev->kind = parked ? PGWIRE_CONN_EV_PASSWORD_NEEDED : PGWIRE_CONN_EV_AUTH_REQUEST;
		return PGWIRE_OK;
	}
	switch (m->kind)
	{
		case PGWIRE_MSG_AUTHENTICATION_OK:
			if (!startup)
				break;
			if ((rc = handle_auth_ok(c, err)) != PGWIRE_OK)
				return rc;
			ev->kind = PGWIRE_CONN_EV_AUTH_OK;
			return PGWIRE_OK;
		case PGWIRE_MSG_PARAMETER_STATUS:
			ev->kind = PGWIRE_CONN_EV_PARAMETER_STATUS;
			return PGWIRE_OK;
		case PGWIRE_MSG_BACKEND_KEY_DATA:
			c->pid = m->u.backend_key_data.process_id;
			c->key_len = m->u.backend_key_data.secret_key.len;
			if (c->key_len > sizeof(c->key))
				c->key_len = sizeof(c->key);
			memcpy(c->key, m->u.backend_key_data.secret_key.ptr, c->key_len);
			c->have_key = 1;
			ev->kind = PGWIRE_CONN_EV_BACKEND_KEY_DATA;
			return PGWIRE_OK;
		case PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION:
			ev->kind = PGWIRE_CONN_EV_NEGOTIATE_VERSION;
			return PGWIRE_OK;
		case PGWIRE_MSG_READY_FOR_QUERY:
			c->state = PGWIRE_CONN_READY;
			ev->kind = PGWIRE_CONN_EV_READY_FOR_QUERY;
			return PGWIRE_OK;
		case PGWIRE_MSG_ERROR_RESPONSE:
			/* During startup an error is fatal: the server closes. */
			if (startup)
				c->state = PGWIRE_CONN_CLOSED;
			else if (c->state == PGWIRE_CONN_COPY_IN || c->state == PGWIRE_CONN_COPY_OUT)
				c->state = PGWIRE_CONN_BUSY;
			ev->kind = PGWIRE_CONN_EV_ERROR;
			return PGWIRE_OK;
		case PGWIRE_MSG_NOTICE_RESPONSE:
			ev->kind = PGWIRE_CONN_EV_NOTICE;
			return PGWIRE_OK;
		case PGWIRE_MSG_NOTIFICATION_RESPONSE:
			ev->kind = PGWIRE_CONN_EV_NOTIFICATION;
			return PGWIRE_OK;
		default:
			break;
	}
	if (!in_query(c))
		return conn_fail(c, err, PGWIRE_ERR_PROTOCOL, startup ?
						 "unexpected message from server during startup" :
						 "unexpected message from server while no query is in progress");
	switch (m->kind)
	{
		case PGWIRE_MSG_ROW_DESCRIPTION:
			ev->kind = PGWIRE_CONN_EV_ROW_DESCRIPTION;
			break;
		case PGWIRE_MSG_DATA_ROW:
			ev->kind = PGWIRE_CONN_EV_DATA_ROW;
			break;
		case PGWIRE_MSG_COMMAND_COMPLETE:
			ev->kind = PGWIRE_CONN_EV_COMMAND_COMPLETE;
			break;
		case PGWIRE_MSG_EMPTY_QUERY_RESPONSE:
			ev->kind = PGWIRE_CONN_EV_EMPTY_QUERY;
			break;
		case PGWIRE_MSG_COPY_IN_RESPONSE:
			c->state = PGWIRE_CONN_COPY_IN;
			ev->kind = PGWIRE_CONN_EV_COPY_IN;
			break;
		case PGWIRE_MSG_COPY_OUT_RESPONSE:
			c->state = PGWIRE_CONN_COPY_OUT;
			ev->kind = PGWIRE_CONN_EV_COPY_OUT;
			break;
		case PGWIRE_MSG_COPY_DATA:
			if (c->state != PGWIRE_CONN_COPY_OUT)
				return conn_fail(c, err, PGWIRE_ERR_PROTOCOL, "CopyData outside COPY OUT");
			ev->kind = PGWIRE_CONN_EV_COPY_DATA;
			break;
		case PGWIRE_MSG_COPY_DONE:
			if (c->state != PGWIRE_CONN_COPY_OUT)
				return conn_fail(c, err, PGWIRE_ERR_PROTOCOL, "CopyDone outside COPY OUT");
			c->state = PGWIRE_CONN_BUSY;
			ev->kind = PGWIRE_CONN_EV_COPY_DONE;
			break;
		case PGWIRE_MSG_PARSE_COMPLETE:
			ev->kind = PGWIRE_CONN_EV_PARSE_COMPLETE;
			break;
		case PGWIRE_MSG_BIND_COMPLETE:
			ev->kind = PGWIRE_CONN_EV_BIND_COMPLETE;
			break;
		case PGWIRE_MSG_NO_DATA:
			ev->kind = PGWIRE_CONN_EV_NO_DATA;
			break;
		case PGWIRE_MSG_PARAMETER_DESCRIPTION:
			ev->kind = PGWIRE_CONN_EV_PARAMETER_DESCRIPTION;
			break;
		case PGWIRE_MSG_PORTAL_SUSPENDED:
			ev->kind = PGWIRE_CONN_EV_PORTAL_SUSPENDED;
			break;
		case PGWIRE_MSG_CLOSE_COMPLETE:
			ev->kind = PGWIRE_CONN_EV_CLOSE_COMPLETE;
			break;
		default:
			ev->kind = PGWIRE_CONN_EV_OTHER;
			break;
	}
	return PGWIRE_OK;
}

int
pgwire_conn_next(pgwire_conn *c, pgwire_conn_event *ev, pgwire_error *err)
{
	pgwire_frame f;
	int			rc;

	ev->kind = PGWIRE_CONN_EV_NONE;
	ev->msg = NULL;
	if (c->state == PGWIRE_CONN_FAILED)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "connection has failed");
	if (c->waiting != WAIT_NONE)
	{
		if (c->password == NULL)
			return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "a password is needed");
		if ((rc = answer_parked(c, err)) != PGWIRE_OK)
			return rc;
		ev->kind = PGWIRE_CONN_EV_AUTH_REQUEST;
		return PGWIRE_OK;
	}
	if (c->waiting_tls)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "waiting for the TLS handshake");
	rc = pgwire_reader_next(c->rd, &f, err);
	if (rc == PGWIRE_INCOMPLETE)
		return rc;
	if (rc != PGWIRE_OK)
	{
		c->state = PGWIRE_CONN_FAILED;
		return rc;
	}
	if (f.kind == PGWIRE_FRAME_BYTE)
		return ssl_answer(c, &f, ev, err);
	if ((rc = pgwire_decode(&f, NULL, &c->msg, err)) != PGWIRE_OK)
	{
		c->state = PGWIRE_CONN_FAILED;
		return rc;
	}
	if (c->trace)
		c->trace(c->trace_arg, &c->msg);
	return dispatch(c, &c->msg, ev, err);
}

/* ---- queries ------------------------------------------------------------ */

int
pgwire_conn_query(pgwire_conn *c, const char *sql, pgwire_error *err)
{
	pgwire_writer w;
	int			rc;

	if (c->state != PGWIRE_CONN_READY)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "connection is not ready for a query");
	pgwire_msg_begin(&w, &c->out, 'Q', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, sql);
	if ((rc = finish(c, &w, err)) == PGWIRE_OK)
		c->state = PGWIRE_CONN_BUSY;
	return rc;
}

static int	queue_extended(pgwire_conn *c, const char *sql, int nparams,
						   const uint32_t *types, const char *const *values,
						   const int *lengths, const int *formats, int result_format,
						   pgwire_error *err);

int
pgwire_conn_query_params(pgwire_conn *c, const char *sql, int nparams, const uint32_t *types,
						 const char *const *values, const int *lengths, const int *formats,
						 int result_format, pgwire_error *err)
{
	size_t		start = c->out.len;
	int			rc;

	if (c->state != PGWIRE_CONN_READY)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "connection is not ready for a query");
	if (nparams < 0 || nparams > 65535 || (nparams > 0 && values == NULL))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "bad parameter count or values");
	rc = queue_extended(c, sql, nparams, types, values, lengths, formats, result_format, err);
	if (rc == PGWIRE_OK)
		c->state = PGWIRE_CONN_BUSY;
	else
		c->out.len = start;		/* all five messages or none */
	return rc;
}

static int
queue_extended(pgwire_conn *c, const char *sql, int nparams, const uint32_t *types,
			   const char *const *values, const int *lengths, const int *formats,
			   int result_format, pgwire_error *err)
{
	pgwire_writer w;
	int			rc;

	pgwire_msg_begin(&w, &c->out, 'P', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_cstring(&w, sql);
	pgwire_put_count16(&w, types ? (size_t) nparams : 0);
	for (int i = 0; types && i < nparams; i++)
		pgwire_put_int32(&w, (int32_t) types[i]);
	if ((rc = finish(c, &w, err)) != PGWIRE_OK)
		return rc;

	pgwire_msg_begin(&w, &c->out, 'B', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_cstring(&w, "");
	pgwire_put_count16(&w, formats ? (size_t) nparams : 0);
	for (int i = 0; formats && i < nparams; i++)
		pgwire_put_int16(&w, (int16_t) formats[i]);
	pgwire_put_count16(&w, (size_t) nparams);
	for (int i = 0; i < nparams; i++)
	{
		size_t		n = 0;

		if (values[i])
			n = lengths && lengths[i] >= 0 ? (size_t) lengths[i] : strlen(values[i]);
		pgwire_put_value(&w, values[i], n);
	}
	pgwire_put_int16(&w, 1);
	pgwire_put_int16(&w, (int16_t) result_format);
	if ((rc = finish(c, &w, err)) != PGWIRE_OK)
		return rc;

	pgwire_msg_begin(&w, &c->out, 'D', PGWIRE_FRONTEND, NULL);
	pgwire_put_byte1(&w, 'P');
	pgwire_put_cstring(&w, "");
	if ((rc = finish(c, &w, err)) != PGWIRE_OK)
		return rc;
	pgwire_msg_begin(&w, &c->out, 'E', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_int32(&w, 0);
	if ((rc = finish(c, &w, err)) != PGWIRE_OK)
		return rc;
	pgwire_msg_begin(&w, &c->out, 'S', PGWIRE_FRONTEND, NULL);
	return finish(c, &w, err);
}

int
pgwire_conn_copy_data(pgwire_conn *c, const void *data, size_t len, pgwire_error *err)
{
	pgwire_writer w;

	if (c->state != PGWIRE_CONN_COPY_IN)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "not in COPY IN");
	pgwire_msg_begin(&w, &c->out, 'd', PGWIRE_FRONTEND, NULL);
	pgwire_put_bytes(&w, data, len);
	return finish(c, &w, err);
}

int
pgwire_conn_copy_done(pgwire_conn *c, pgwire_error *err)
{
	pgwire_writer w;
	int			rc;

	if (c->state != PGWIRE_CONN_COPY_IN)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "not in COPY IN");
	pgwire_msg_begin(&w, &c->out, 'c', PGWIRE_FRONTEND, NULL);
	if ((rc = finish(c, &w, err)) == PGWIRE_OK)
		c->state = PGWIRE_CONN_BUSY;
	return rc;
}

int
pgwire_conn_copy_fail(pgwire_conn *c, const char *message, pgwire_error *err)
{
	pgwire_writer w;
	int			rc;

	if (c->state != PGWIRE_CONN_COPY_IN)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "not in COPY IN");
	pgwire_msg_begin(&w, &c->out, 'f', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, message ? message : "");
	if ((rc = finish(c, &w, err)) == PGWIRE_OK)
		c->state = PGWIRE_CONN_BUSY;
	return rc;
}

int
pgwire_conn_terminate(pgwire_conn *c)
{
	pgwire_writer w;
	int			rc;

	pgwire_msg_begin(&w, &c->out, 'X', PGWIRE_FRONTEND, NULL);
	rc = finish(c, &w, NULL);
	c->state = PGWIRE_CONN_CLOSED;
	return rc;
}

int
pgwire_conn_cancel_request(const pgwire_conn *c, pgwire_buf *out)
{
	pgwire_writer w;

	if (!c->have_key)
		return PGWIRE_ERR_STATE;
	pgwire_msg_begin(&w, out, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 80877102);
	pgwire_put_int32(&w, c->pid);
	pgwire_put_bytes(&w, c->key, c->key_len);
	return pgwire_msg_end(&w);
}
