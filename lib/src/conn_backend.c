/*
 * conn_backend.c
 *    The backend connection state machine (server.h): startup, SSL
 *    negotiation, authentication, simple and extended query, COPY FROM
 *    STDIN, cancel, terminate; query execution is the application's.
 *
 * It does no I/O, like conn_frontend.c.  The order of the checks and the
 * error texts follow PostgreSQL's backend (postmaster.c
 * ProcessStartupPacket, auth.c, postgres.c PostgresMain and
 * exec_*_message) where the protocol leaves a choice: after an error in
 * an extended-query batch every message but Sync and Terminate is
 * discarded; bytes received after SSLRequest but before the TLS handshake
 * are refused (CVE-2021-23222); a client's protocol violation is FATAL.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "internal.h"
#include "pgwire/auth.h"
#include "pgwire/encode.h"
#include "pgwire/server.h"

#define PROTOCOL_3_0 196608
#define SSL_REQUEST_CODE 80877103
#define GSSENC_REQUEST_CODE 80877104
#define CANCEL_REQUEST_CODE 80877102

typedef enum backend_state
{
	ST_STARTUP = 0,				/* an untyped packet is expected */
	ST_TLS_WAIT,				/* 'S' queued, handshake pending */
	ST_AUTH,					/* an Authentication request is answered */
	ST_READY,					/* typed messages */
	ST_COPY_IN,					/* CopyData/CopyDone/CopyFail */
	ST_DEAD						/* EV_CLOSE returned */
} backend_state;

typedef enum auth_step
{
	AUTH_NONE = 0,
	AUTH_CLEARTEXT,
	AUTH_MD5,
	AUTH_SASL_FIRST,
	AUTH_SASL_FINAL
} auth_step;

/* A named (or unnamed: "") statement or portal and the app's handle. */
typedef struct entry
{
	struct entry *next;
	void	   *handle;
	char		name[];
} entry;

struct pgwire_backend
{
	pgwire_backend_options opts;
	const pgwire_backend_app *app;
	const pgwire_allocator *alloc;
	pgwire_limits limits;
	pgwire_buf	in;				/* bytes received, from in_pos on unread */
	size_t		in_pos;
	uint64_t	in_base;		/* stream offset of in.data[0] */
	pgwire_buf	out;
	backend_state state;
	int			skipping;		/* discard until Sync */
	int			failed;			/* pgwire_backend_error() was called */
	int			copy_from_simple;	/* COPY started by a Query message */

	char		user[256];
	char		mechanism[32];
	auth_step	auth;
	pgwire_auth_method method;
	char	   *secret;
	uint8_t		md5_salt[4];
	pgwire_scram_server scram;
	int			scram_live;
	uint8_t		cbind[PGWIRE_CBIND_MAX];
	size_t		cbind_len;
	int			tls_done;		/* TLS is up: a second SSLRequest gets 'N' */

	entry	   *statements;
	entry	   *portals;
	pgwire_writer row;			/* DataRow being written */
};

/* ---- small helpers ------------------------------------------------------ */

static void *
b_alloc(pgwire_backend *b, size_t n)
{
	return b->alloc->malloc(n, b->alloc->user_data);
}

static void
b_free(pgwire_backend *b, void *p)
{
	if (p)
		b->alloc->free(p, b->alloc->user_data);
}

/* Copy a slice into a NUL-terminated string (caller frees). */
static char *
slice_dup(pgwire_backend *b, pgwire_slice s)
{
	char	   *p = b_alloc(b, s.len + 1);

	if (p)
	{
		memcpy(p, s.ptr, s.len);
		p[s.len] = '\0';
	}
	return p;
}

/* Close a message; on failure drop it and clear the sticky status so the
 * messages after it can still be written. */
static int
end_msg(pgwire_backend *b, pgwire_writer *w)
{
	int			rc = pgwire_msg_end(w);

	if (rc != PGWIRE_OK)
		b->out.status = PGWIRE_OK;
	return rc;
}

static int
put_empty(pgwire_backend *b, uint8_t type)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &b->out, type, PGWIRE_BACKEND, NULL);
	return end_msg(b, &w);
}

static int
put_auth(pgwire_backend *b, int32_t code, const void *data, size_t len)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &b->out, 'R', PGWIRE_BACKEND, NULL);
	pgwire_put_int32(&w, code);
	if (len)
		pgwire_put_bytes(&w, data, len);
	return end_msg(b, &w);
}

static int
put_ready(pgwire_backend *b, char status)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &b->out, 'Z', PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, (uint8_t) status);
	return end_msg(b, &w);
}

static int
put_response(pgwire_backend *b, uint8_t type, const char *severity,
			 const char *sqlstate, const char *message, const char *detail,
			 const char *hint)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &b->out, type, PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 'S');
	pgwire_put_cstring(&w, severity);
	pgwire_put_byte1(&w, 'V');
	pgwire_put_cstring(&w, severity);
	pgwire_put_byte1(&w, 'C');
	pgwire_put_cstring(&w, sqlstate);
	pgwire_put_byte1(&w, 'M');
	pgwire_put_cstring(&w, message);
	if (detail)
	{
		pgwire_put_byte1(&w, 'D');
		pgwire_put_cstring(&w, detail);
	}
	if (hint)
	{
		pgwire_put_byte1(&w, 'H');
		pgwire_put_cstring(&w, hint);
	}
	pgwire_put_byte1(&w, 0);
	if (type == 'E' && b->state >= ST_READY && b->app->error_sent)
		b->app->error_sent(b->opts.app_arg, b);
	return end_msg(b, &w);
}

/* Queue a FATAL error and end the connection. */
static int
fatal(pgwire_backend *b, pgwire_backend_event *ev, pgwire_error *err,
	  const char *sqlstate, const char *message, const char *detail)
{
	put_response(b, 'E', "FATAL", sqlstate, message, detail, NULL);
	b->state = ST_DEAD;
	ev->kind = PGWIRE_BACKEND_EV_CLOSE;
	pgwire_error_set(err, PGWIRE_ERR_PROTOCOL, (size_t) (b->in_base + b->in_pos),
					 "%s%s%s", message, detail ? ": " : "", detail ? detail : "");
	return PGWIRE_OK;
}

/* ---- statements and portals --------------------------------------------- */

static entry **
find_entry(entry **list, const char *name)
{
	for (; *list; list = &(*list)->next)
		if (strcmp((*list)->name, name) == 0)
			return list;
	return NULL;
}

/* Unlink the entry *at points to and release its handle. */
static void
drop_entry(pgwire_backend *b, entry **at, int portal)
{
	entry	   *e = *at;

	*at = e->next;
	if (portal && b->app->close_portal)
		b->app->close_portal(b->opts.app_arg, e->handle);
	else if (!portal && b->app->close_statement)
		b->app->close_statement(b->opts.app_arg, e->handle);
	b_free(b, e);
}

static void
drop_all(pgwire_backend *b, entry **list, int portal)
{
	while (*list)
		drop_entry(b, list, portal);
}

static int
add_entry(pgwire_backend *b, entry **list, const char *name, void *handle)
{
	size_t		n = strlen(name) + 1;
	entry	   *e = b_alloc(b, sizeof(entry) + n);

	if (!e)
		return PGWIRE_ERR_NOMEM;
	memcpy(e->name, name, n);
	e->handle = handle;
	e->next = *list;
	*list = e;
	return PGWIRE_OK;
}

/* ---- creation ----------------------------------------------------------- */

pgwire_backend *
pgwire_backend_create(const pgwire_backend_options *opts, const pgwire_allocator *alloc)
{
	pgwire_backend *b;

	if (!opts || !opts->app)
		return NULL;
	b = pgwire_alloc_object(&alloc, sizeof(*b));
	if (!b)
		return NULL;
	b->opts = *opts;
	b->app = opts->app;
	b->alloc = alloc;
	b->limits = opts->limits ? *opts->limits : *pgwire_default_limits();
	pgwire_buf_init(&b->in, alloc);
	pgwire_buf_init(&b->out, alloc);
	return b;
}

void
pgwire_backend_free(pgwire_backend *b)
{
	if (!b)
		return;
	drop_all(b, &b->portals, 1);
	drop_all(b, &b->statements, 0);
	if (b->scram_live)
		pgwire_scram_server_free(&b->scram);
	b_free(b, b->secret);
	pgwire_buf_free(&b->in);
	pgwire_buf_free(&b->out);
	b->alloc->free(b, b->alloc->user_data);
}

int
pgwire_backend_feed(pgwire_backend *b, const void *data, size_t len)
{
	return pgwire_buf_append(&b->in, data, len);
}

const uint8_t *
pgwire_backend_output(const pgwire_backend *b, size_t *len)
{
	*len = b->out.len;
	return b->out.data;
}

void
pgwire_backend_consume(pgwire_backend *b, size_t n)
{
	pgwire_buf_drop(&b->out, n);
}

size_t
pgwire_backend_pending(const pgwire_backend *b)
{
	return b->in.len - b->in_pos;
}

const char *
pgwire_backend_user(const pgwire_backend *b)
{
	return b->user;
}

pgwire_auth_method
pgwire_backend_auth_method(const pgwire_backend *b)
{
	return b->method;
}

const char *
pgwire_backend_mechanism(const pgwire_backend *b)
{
	return b->mechanism[0] ? b->mechanism : NULL;
}

int
pgwire_backend_tls_done(pgwire_backend *b, const uint8_t *cbind, size_t cbind_len)
{
	if (b->state != ST_TLS_WAIT || cbind_len > sizeof(b->cbind))
		return PGWIRE_ERR_STATE;
	if (cbind && cbind_len)
		memcpy(b->cbind, cbind, cbind_len);
	b->cbind_len = cbind ? cbind_len : 0;
	b->tls_done = 1;
	b->state = ST_STARTUP;
	return PGWIRE_OK;
}

/* ---- startup and authentication ---------------------------------------- */

static void
send_auth_ok(pgwire_backend *b, pgwire_backend_event *ev)
{
	pgwire_writer w;
	const char *const *p;

	put_auth(b, 0, NULL, 0);
	for (p = b->opts.parameters; p && p[0] && p[1]; p += 2)
		pgwire_backend_parameter_status(b, p[0], p[1]);
	if (b->app->ready)
		b->app->ready(b->opts.app_arg, b);
	pgwire_msg_begin(&w, &b->out, 'K', PGWIRE_BACKEND, NULL);
	pgwire_put_int32(&w, b->opts.process_id);
	pgwire_put_int32(&w, b->opts.secret_key);
	end_msg(b, &w);
	put_ready(b, 'I');
	b->state = ST_READY;
	b->auth = AUTH_NONE;
	ev->kind = PGWIRE_BACKEND_EV_AUTHENTICATED;
}

static int
auth_failed(pgwire_backend *b, pgwire_backend_event *ev, pgwire_error *err,
			const char *why)
{
	char		msg[320];

	snprintf(msg, sizeof(msg), "password authentication failed for user \"%s\"", b->user);
	put_response(b, 'E', "FATAL", "28P01", msg, NULL, NULL);
	b->state = ST_DEAD;
	ev->kind = PGWIRE_BACKEND_EV_CLOSE;
	pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "%s: %s", msg, why);
	return PGWIRE_OK;
}

/*
 * A failed SCRAM step: what PostgreSQL answers the same message with
 * (auth.h, fail_*), or 28P01 when only the proof was wrong.
 */
static int
scram_failed(pgwire_backend *b, pgwire_backend_event *ev, pgwire_error *err,
			 const pgwire_error *why)
{
	if (b->scram.fail_sqlstate == NULL)
		return auth_failed(b, ev, err, why->detail);
	return fatal(b, ev, err, b->scram.fail_sqlstate, b->scram.fail_message,
				 b->scram.fail_detail[0] ? b->scram.fail_detail : NULL);
}

static int
is_scram_secret(const char *s)
{
	return s && strncmp(s, "SCRAM-SHA-256$", 14) == 0;
}

static int
is_md5_secret(const char *s)
{
	return s && strlen(s) == 35 && strncmp(s, "md5", 3) == 0;
}

/* Start SCRAM: AuthenticationSASL with the mechanisms we offer. */
static int
start_scram(pgwire_backend *b, pgwire_backend_event *ev, pgwire_error *err)
{
	pgwire_scram_verifier v;
	pgwire_buf	mechs;
	pgwire_error local;

	if (is_scram_secret(b->secret))
	{
		if (pgwire_scram_verifier_parse(b->secret, &v, &local) != PGWIRE_OK)
			return auth_failed(b, ev, err, local.detail);
	}
	else
	{
		uint8_t		salt[PGWIRE_SCRAM_SALT_LEN];

		/* plain text stored: a verifier is made per exchange, as a
		 * PostgreSQL server does for a password stored that way */
		if (!b->secret || is_md5_secret(b->secret) ||
			RAND_bytes(salt, sizeof(salt)) != 1 ||
			pgwire_scram_verifier_make(b->secret, salt, sizeof(salt),
									   PGWIRE_SCRAM_ITERATIONS, &v, &local) != PGWIRE_OK)
			return auth_failed(b, ev, err, "no SCRAM secret for the user");
	}
	if (pgwire_scram_server_init(&b->scram, &v, b->cbind_len ? b->cbind : NULL,
								 b->cbind_len, b->alloc, &local) != PGWIRE_OK)
		return auth_failed(b, ev, err, local.detail);
	b->scram_live = 1;
	pgwire_buf_init(&mechs, b->alloc);
	if (b->cbind_len)
		pgwire_buf_append(&mechs, PGWIRE_SCRAM_SHA_256_PLUS, sizeof(PGWIRE_SCRAM_SHA_256_PLUS));
	pgwire_buf_append(&mechs, PGWIRE_SCRAM_SHA_256, sizeof(PGWIRE_SCRAM_SHA_256));
	pgwire_buf_append(&mechs, "", 1);
	put_auth(b, 10, mechs.data, mechs.len);
	pgwire_buf_free(&mechs);
	b->auth = AUTH_SASL_FIRST;
	return PGWIRE_OK;
}

static int
start_auth(pgwire_backend *b, const pgwire_auth_config *cfg,
		   pgwire_backend_event *ev, pgwire_error *err)
{
	char		msg[320];

	if (cfg->secret)
	{
		size_t		n = strlen(cfg->secret) + 1;

		b->secret = b_alloc(b, n);
		if (!b->secret)
			return PGWIRE_ERR_NOMEM;
		memcpy(b->secret, cfg->secret, n);
	}
	b->state = ST_AUTH;
	b->method = cfg->method;
	switch (cfg->method)
	{
		case PGWIRE_AUTH_TRUST:
			send_auth_ok(b, ev);
			return PGWIRE_OK;
		case PGWIRE_AUTH_PASSWORD:
			b->auth = AUTH_CLEARTEXT;
			return put_auth(b, 3, NULL, 0);
		case PGWIRE_AUTH_MD5:
			if (!is_scram_secret(b->secret))
			{
				if (RAND_bytes(b->md5_salt, 4) != 1)
					return auth_failed(b, ev, err, "no random salt");
				b->auth = AUTH_MD5;
				return put_auth(b, 5, b->md5_salt, 4);
			}
			/* as in PostgreSQL, md5 with a SCRAM secret is SCRAM */
			/* FALLTHROUGH */
		case PGWIRE_AUTH_SCRAM:
			return start_scram(b, ev, err);
		case PGWIRE_AUTH_REJECT:
		default:
			break;
	}
	snprintf(msg, sizeof(msg), "no pg_hba.conf entry for user \"%s\"", b->user);
	return fatal(b, ev, err, "28000", msg, NULL);
}

/* Cleartext check against any kind of stored secret. */
static int
check_cleartext(pgwire_backend *b, const char *password)
{
	pgwire_error local;

	if (!b->secret)
		return 0;
	if (is_md5_secret(b->secret))
	{
		char		hash[PGWIRE_MD5_PASSWD_LEN];

		return pgwire_md5_encrypt(password, b->user, hash, &local) == PGWIRE_OK &&
			strcmp(hash, b->secret) == 0;
	}
	if (is_scram_secret(b->secret))
	{
		pgwire_scram_verifier stored,
					made;

		return pgwire_scram_verifier_parse(b->secret, &stored, &local) == PGWIRE_OK &&
			pgwire_scram_verifier_make(password, stored.salt, stored.salt_len,
									   stored.iterations, &made, &local) == PGWIRE_OK &&
			memcmp(made.stored_key, stored.stored_key, PGWIRE_SCRAM_KEY_LEN) == 0;
	}
	return strcmp(password, b->secret) == 0;
}

static int
handle_password(pgwire_backend *b, const pgwire_msg *m, pgwire_backend_event *ev,
				pgwire_error *err)
{
	pgwire_buf	out;
	pgwire_error local;
	char	   *s;
	int			rc,
				ok;

	switch (b->auth)
	{
		case AUTH_CLEARTEXT:
		case AUTH_MD5:
			s = slice_dup(b, m->u.password_message.password);
			if (!s)
				return PGWIRE_ERR_NOMEM;
			if (b->auth == AUTH_CLEARTEXT)
				ok = check_cleartext(b, s);
			else
			{
				char		expect[PGWIRE_MD5_PASSWD_LEN];

				ok = b->secret &&
					pgwire_md5_response(b->user, b->secret, b->md5_salt, expect,
										&local) == PGWIRE_OK &&
					strcmp(expect, s) == 0;
			}
			b_free(b, s);
			if (!ok)
				return auth_failed(b, ev, err, "password does not match");
			send_auth_ok(b, ev);
			return PGWIRE_OK;
		case AUTH_SASL_FIRST:
			s = slice_dup(b, m->u.sasl_initial_response.mechanism);
			if (!s)
				return PGWIRE_ERR_NOMEM;
			snprintf(b->mechanism, sizeof(b->mechanism), "%s", s);
			pgwire_buf_init(&out, b->alloc);
			rc = pgwire_scram_server_first(&b->scram, s,
										   m->u.sasl_initial_response.data.ptr,
										   m->u.sasl_initial_response.data.len < 0 ? 0 :
										   (size_t) m->u.sasl_initial_response.data.len,
										   &out, &local);
			b_free(b, s);
			if (rc == PGWIRE_OK)
				put_auth(b, 11, out.data, out.len);
			pgwire_buf_free(&out);
			if (rc != PGWIRE_OK)
				return scram_failed(b, ev, err, &local);
			b->auth = AUTH_SASL_FINAL;
			return PGWIRE_OK;
		case AUTH_SASL_FINAL:
			pgwire_buf_init(&out, b->alloc);
			rc = pgwire_scram_server_final(&b->scram, m->u.sasl_response.data.ptr,
										   m->u.sasl_response.data.len, &out, &local);
			if (rc == PGWIRE_OK)
				put_auth(b, 12, out.data, out.len);
			pgwire_buf_free(&out);
			if (rc != PGWIRE_OK)
				return scram_failed(b, ev, err, &local);
			send_auth_ok(b, ev);
			return PGWIRE_OK;
		default:
			return fatal(b, ev, err, "08P01", "unexpected password message", NULL);
	}
}

static int
has_protocol_options(const char *const *params, size_t np)
{
	size_t		i;

	for (i = 0; i < np; i += 2)
		if (strncmp(params[i], "_pq_.", 5) == 0)
			return 1;
	return 0;
}

/* StartupMessage: user, database, parameters; then authentication. */
static int
handle_startup(pgwire_backend *b, const pgwire_msg *m, pgwire_backend_event *ev,
			   pgwire_error *err)
{
	pgwire_iter it;
	pgwire_parameter p;
	const char *params[1024];
	char		store[PGWIRE_STARTUP_MAX];
	size_t		used = 0,
				np = 0;
	const char *user = NULL,
			   *database = NULL;
	uint32_t	version = m->u.startup_message.protocol_version;
	pgwire_auth_config cfg = {PGWIRE_AUTH_TRUST, NULL};
	char		msg[160];

	if (version >> 16 != 3)
	{
		snprintf(msg, sizeof(msg),
				 "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
				 version >> 16, version & 0xFFFF);
		return fatal(b, ev, err, "0A000", msg, NULL);
	}
	/* parameters copied NUL-terminated; the startup packet is <= 10000 */
	pgwire_iter_init(&it, &m->u.startup_message.parameters);
	while (pgwire_next_parameter(&it, &p))
	{
		if (used + p.name.len + p.value.len + 2 > sizeof(store) || np + 2 > 1024)
			return fatal(b, ev, err, "08P01", "invalid startup packet layout",
						 "too many parameters");
		params[np++] = store + used;
		memcpy(store + used, p.name.ptr, p.name.len);
		used += p.name.len;
		store[used++] = '\0';
		params[np++] = store + used;
		memcpy(store + used, p.value.ptr, p.value.len);
		used += p.value.len;
		store[used++] = '\0';
		if (strcmp(params[np - 2], "user") == 0)
			user = params[np - 1];
		else if (strcmp(params[np - 2], "database") == 0)
			database = params[np - 1];
	}
	if (!user || !*user)
		return fatal(b, ev, err, "28000",
					 "no PostgreSQL user name specified in startup packet", NULL);
	snprintf(b->user, sizeof(b->user), "%s", user);
	if (!database || !*database)
		database = user;
	if ((version & 0xFFFF) != 0 || has_protocol_options(params, np))
	{
		pgwire_writer w;
		size_t		i,
					n = 0;

		/*
		 * A newer minor version or "_pq_." options we do not know: we
		 * speak 3.0 and name the options (docs: NegotiateProtocolVersion,
		 * as ProcessStartupPacket sends it).
		 */
		for (i = 0; i < np; i += 2)
			n += strncmp(params[i], "_pq_.", 5) == 0;
		pgwire_msg_begin(&w, &b->out, 'v', PGWIRE_BACKEND, NULL);
		pgwire_put_int32(&w, PROTOCOL_3_0);
		pgwire_put_int32(&w, (int32_t) n);
		for (i = 0; i < np; i += 2)
			if (strncmp(params[i], "_pq_.", 5) == 0)
				pgwire_put_cstring(&w, params[i]);
		end_msg(b, &w);
	}
	if (b->app->startup &&
		b->app->startup(b->opts.app_arg, b, b->user, database, params, np / 2, &cfg) != 0)
		cfg.method = PGWIRE_AUTH_REJECT;
	if (b->failed)
	{
		b->state = ST_DEAD;
		ev->kind = PGWIRE_BACKEND_EV_CLOSE;
		return PGWIRE_OK;
	}
	return start_auth(b, &cfg, ev, err);
}

static int
handle_untyped(pgwire_backend *b, const pgwire_msg *m, pgwire_backend_event *ev,
			   pgwire_error *err)
{
	switch (m->kind)
	{
		case PGWIRE_MSG_SSL_REQUEST:
			if (b->opts.tls_available && !b->tls_done)
			{
				/* bytes already here would bypass TLS (CVE-2021-23222) */
				if (pgwire_backend_pending(b) > 0)
					return fatal(b, ev, err, "08P01",
								 "received unencrypted data after SSL request",
								 "This could be either a client-software bug or evidence of an attempted man-in-the-middle attack.");
				pgwire_buf_append(&b->out, "S", 1);
				b->state = ST_TLS_WAIT;
				ev->kind = PGWIRE_BACKEND_EV_TLS_START;
				return PGWIRE_OK;
			}
			return pgwire_buf_append(&b->out, "N", 1);
		case PGWIRE_MSG_GSSENC_REQUEST:
			return pgwire_buf_append(&b->out, "N", 1);
		case PGWIRE_MSG_CANCEL_REQUEST:
			{
				const uint8_t *k = m->u.cancel_request.secret_key.ptr;

				ev->kind = PGWIRE_BACKEND_EV_CANCEL;
				ev->process_id = m->u.cancel_request.process_id;
				ev->secret_key = m->u.cancel_request.secret_key.len == 4 ?
					(int32_t) (((uint32_t) k[0] << 24) | ((uint32_t) k[1] << 16) |
							   ((uint32_t) k[2] << 8) | k[3]) : 0;
				b->state = ST_DEAD;
				return PGWIRE_OK;
			}
		case PGWIRE_MSG_STARTUP_MESSAGE:
			return handle_startup(b, m, ev, err);
		default:
			return fatal(b, ev, err, "08P01", "invalid startup packet layout", NULL);
	}
}

/* ---- queries ------------------------------------------------------------- */

static char
txn_status(pgwire_backend *b)
{
	return b->app->transaction_status ? b->app->transaction_status(b->opts.app_arg) : 'I';
}

static int
not_supported(pgwire_backend *b, const char *what)
{
	char		msg[128];

	snprintf(msg, sizeof(msg), "%s is not supported by this server", what);
	return pgwire_backend_error(b, "0A000", msg, NULL, NULL);
}

static int
handle_query(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *sql = slice_dup(b, m->u.query.query);
	entry	  **e;

	if (!sql)
		return PGWIRE_ERR_NOMEM;
	/* a simple Query destroys the unnamed portal (exec_simple_query) */
	if ((e = find_entry(&b->portals, "")) != NULL)
		drop_entry(b, e, 1);
	b->failed = 0;
	if (b->app->query)
		b->app->query(b->opts.app_arg, b, sql);
	else
		not_supported(b, "the simple query protocol");
	b_free(b, sql);
	if (b->state == ST_COPY_IN)
		b->copy_from_simple = 1;
	else
		put_ready(b, txn_status(b));
	return PGWIRE_OK;
}

static int
handle_parse(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *name = slice_dup(b, m->u.parse.statement);
	char	   *sql = slice_dup(b, m->u.parse.query);
	uint32_t	n = m->u.parse.parameter_types.count,
				i;
	uint32_t   *types = b_alloc(b, (n ? n : 1) * sizeof(uint32_t));
	entry	  **e;
	void	   *stmt = NULL;
	int			rc = PGWIRE_OK;

	if (!name || !sql || !types)
		rc = PGWIRE_ERR_NOMEM;
	else if (*name && find_entry(&b->statements, name))
	{
		char		msg[300];

		snprintf(msg, sizeof(msg), "prepared statement \"%s\" already exists", name);
		pgwire_backend_error(b, "42P05", msg, NULL, NULL);
	}
	else if (!b->app->parse)
		not_supported(b, "the extended query protocol");
	else
	{
		for (i = 0; i < n; i++)
			types[i] = pgwire_group_oid(&m->u.parse.parameter_types, i);
		if (!*name && (e = find_entry(&b->statements, "")) != NULL)
			drop_entry(b, e, 0);
		if (b->app->parse(b->opts.app_arg, b, sql, n, types, &stmt) == 0 && !b->failed)
		{
			rc = add_entry(b, &b->statements, name, stmt);
			if (rc == PGWIRE_OK)
				put_empty(b, '1');
		}
	}
	b_free(b, name);
	b_free(b, sql);
	b_free(b, types);
	return rc;
}

static int
bind_params(pgwire_backend *b, const pgwire_msg *m, pgwire_bind_params *bp,
			pgwire_value *values, int16_t *formats, int16_t *rformats)
{
	const pgwire_group *pf = &m->u.bind.parameter_formats;
	const pgwire_group *rf = &m->u.bind.result_formats;
	pgwire_iter it;
	uint32_t	i,
				n = m->u.bind.parameters.count;
	char		msg[128];

	if (pf->count > 1 && pf->count != n)
	{
		snprintf(msg, sizeof(msg), "bind message has %u parameter formats but %u parameters",
				 pf->count, n);
		return pgwire_backend_error(b, "08P01", msg, NULL, NULL);
	}
	pgwire_iter_init(&it, &m->u.bind.parameters);
	for (i = 0; i < n && pgwire_next_value(&it, &values[i]); i++)
	{
		formats[i] = pf->count == 0 ? 0 : pgwire_group_int16(pf, pf->count == 1 ? 0 : i);
		if (formats[i] != 0 && formats[i] != 1)
		{
			snprintf(msg, sizeof(msg), "unsupported format code: %d", formats[i]);
			return pgwire_backend_error(b, "22023", msg, NULL, NULL);
		}
	}
	for (i = 0; i < rf->count; i++)
		rformats[i] = pgwire_group_int16(rf, i);
	bp->nparams = n;
	bp->values = values;
	bp->formats = formats;
	bp->nresult_formats = rf->count;
	bp->result_formats = rformats;
	return PGWIRE_OK;
}

static int
handle_bind(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *portal = slice_dup(b, m->u.bind.portal);
	char	   *stmt = slice_dup(b, m->u.bind.statement);
	uint32_t	n = m->u.bind.parameters.count + 1;
	uint32_t	nr = m->u.bind.result_formats.count + 1;
	pgwire_value *values = b_alloc(b, n * sizeof(pgwire_value));
	int16_t    *formats = b_alloc(b, n * sizeof(int16_t));
	int16_t    *rformats = b_alloc(b, nr * sizeof(int16_t));
	pgwire_bind_params bp;
	entry	  **s,
			  **e;
	void	   *handle = NULL;
	char		msg[300];
	int			rc = PGWIRE_OK;

	if (!portal || !stmt || !values || !formats || !rformats)
		rc = PGWIRE_ERR_NOMEM;
	else if ((s = find_entry(&b->statements, stmt)) == NULL)
	{
		snprintf(msg, sizeof(msg), "prepared statement \"%s\" does not exist", stmt);
		pgwire_backend_error(b, "26000", msg, NULL, NULL);
	}
	else if (*portal && find_entry(&b->portals, portal))
	{
		snprintf(msg, sizeof(msg), "portal \"%s\" already exists", portal);
		pgwire_backend_error(b, "42P03", msg, NULL, NULL);
	}
	else if (!b->app->bind || !b->app->execute)
		not_supported(b, "the extended query protocol");
	else if (bind_params(b, m, &bp, values, formats, rformats) == PGWIRE_OK && !b->failed)
	{
		bp.statement = stmt;
		if (!*portal && (e = find_entry(&b->portals, "")) != NULL)
			drop_entry(b, e, 1);
		if (b->app->bind(b->opts.app_arg, b, (*s)->handle, &bp, &handle) == 0 && !b->failed)
		{
			rc = add_entry(b, &b->portals, portal, handle);
			if (rc == PGWIRE_OK)
				put_empty(b, '2');
		}
	}
	b_free(b, portal);
	b_free(b, stmt);
	b_free(b, values);
	b_free(b, formats);
	b_free(b, rformats);
	return rc;
}

/*
 * Describe and Close name a statement ('S') or a portal ('P'); any other
 * byte is an ERROR (not FATAL) in PostgreSQL's postgres.c: "invalid
 * DESCRIBE message subtype 88", SQLSTATE 08P01, then the skip to Sync.
 */
static int
bad_target(pgwire_backend *b, const char *what, uint8_t target)
{
	char		msg[64];

	if (target == 'S' || target == 'P')
		return 0;
	snprintf(msg, sizeof(msg), "invalid %s message subtype %d", what, target);
	pgwire_backend_error(b, "08P01", msg, NULL, NULL);
	return 1;
}

static int
handle_describe(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *name;
	int			portal = m->u.describe.target == 'P';
	entry	  **e;
	char		msg[300];

	if (bad_target(b, "DESCRIBE", m->u.describe.target))
		return PGWIRE_OK;
	if ((name = slice_dup(b, m->u.describe.name)) == NULL)
		return PGWIRE_ERR_NOMEM;
	e = find_entry(portal ? &b->portals : &b->statements, name);
	if (!e && portal && b->app->describe_cursor &&
		b->app->describe_cursor(b->opts.app_arg, b, name) == 0)
		;						/* the application's own cursor */
	else if (!e)
	{
		snprintf(msg, sizeof(msg), portal ? "portal \"%s\" does not exist" :
				 "prepared statement \"%s\" does not exist", name);
		pgwire_backend_error(b, portal ? "34000" : "26000", msg, NULL, NULL);
	}
	else if (portal && b->app->describe_portal)
		b->app->describe_portal(b->opts.app_arg, b, (*e)->handle);
	else if (!portal && b->app->describe_statement)
		b->app->describe_statement(b->opts.app_arg, b, (*e)->handle);
	else
		not_supported(b, "Describe");
	b_free(b, name);
	return PGWIRE_OK;
}

static int
handle_execute(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *name = slice_dup(b, m->u.execute.portal);
	entry	  **e;
	char		msg[300];
	int			rc;

	if (!name)
		return PGWIRE_ERR_NOMEM;
	e = find_entry(&b->portals, name);
	if (!e)
	{
		snprintf(msg, sizeof(msg), "portal \"%s\" does not exist", name);
		pgwire_backend_error(b, "34000", msg, NULL, NULL);
	}
	else
	{
		rc = b->app->execute(b->opts.app_arg, b, (*e)->handle,
							 m->u.execute.max_rows < 0 ? 0 : m->u.execute.max_rows);
		if (rc == PGWIRE_EXEC_SUSPENDED && !b->failed)
			put_empty(b, 's');
	}
	b_free(b, name);
	return PGWIRE_OK;
}

static int
handle_close(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *name;
	int			portal = m->u.close.target == 'P';
	entry	  **list = portal ? &b->portals : &b->statements;
	entry	  **e;

	if (bad_target(b, "CLOSE", m->u.close.target))
		return PGWIRE_OK;
	if ((name = slice_dup(b, m->u.close.name)) == NULL)
		return PGWIRE_ERR_NOMEM;
	/* closing what does not exist is not an error (docs: Close) */
	if ((e = find_entry(list, name)) != NULL)
		drop_entry(b, e, portal);
	b_free(b, name);
	return put_empty(b, '3');
}

static int
handle_sync(pgwire_backend *b)
{
	char		status = txn_status(b);

	b->skipping = 0;
	/* portals live until the end of their transaction */
	if (status == 'I')
		drop_all(b, &b->portals, 1);
	return put_ready(b, status);
}

/* CopyData/CopyDone/CopyFail during COPY FROM STDIN; anything else ends it. */
static int
handle_copy(pgwire_backend *b, const pgwire_msg *m)
{
	char	   *s;
	char		msg[300];

	switch (m->kind)
	{
		case PGWIRE_MSG_COPY_DATA:
			if (!b->failed && b->app->copy_data)
				b->app->copy_data(b->opts.app_arg, b, m->u.copy_data.data.ptr,
								  m->u.copy_data.data.len);
			return PGWIRE_OK;
		case PGWIRE_MSG_FLUSH:
		case PGWIRE_MSG_SYNC:
			/* ignored during COPY (docs: COPY Operations) */
			return PGWIRE_OK;
		case PGWIRE_MSG_COPY_DONE:
			if (!b->failed && b->app->copy_done)
				b->app->copy_done(b->opts.app_arg, b);
			break;
		case PGWIRE_MSG_COPY_FAIL:
			s = slice_dup(b, m->u.copy_fail.error_message);
			if (!s)
				return PGWIRE_ERR_NOMEM;
			if (b->app->copy_fail)
				b->app->copy_fail(b->opts.app_arg, b, s);
			snprintf(msg, sizeof(msg), "COPY from stdin failed: %s", s);
			b_free(b, s);
			if (!b->failed)
				pgwire_backend_error(b, "57014", msg, NULL, NULL);
			break;
		default:
			snprintf(msg, sizeof(msg), "unexpected message type 0x%02X during COPY from stdin",
					 m->frame.type);
			if (b->app->copy_fail)
				b->app->copy_fail(b->opts.app_arg, b, msg);
			pgwire_backend_error(b, "08P01", msg, NULL, NULL);
			break;
	}
	b->state = ST_READY;
	if (b->copy_from_simple)
		put_ready(b, txn_status(b));
	else if (b->failed)
		b->skipping = 1;
	b->copy_from_simple = 0;
	return PGWIRE_OK;
}

static int
handle_typed(pgwire_backend *b, const pgwire_msg *m, pgwire_backend_event *ev,
			 pgwire_error *err)
{
	int			rc = PGWIRE_OK;
	char		msg[64];

	if (m->kind == PGWIRE_MSG_TERMINATE)
	{
		b->state = ST_DEAD;
		ev->kind = PGWIRE_BACKEND_EV_CLOSE;
		return PGWIRE_OK;
	}
	if (b->state == ST_COPY_IN)
		return handle_copy(b, m);
	if (m->kind == PGWIRE_MSG_SYNC)
		return handle_sync(b);
	if (b->skipping)
		return PGWIRE_OK;
	b->failed = 0;
	switch (m->kind)
	{
		case PGWIRE_MSG_QUERY:
			return handle_query(b, m);
		case PGWIRE_MSG_PARSE:
			rc = handle_parse(b, m);
			break;
		case PGWIRE_MSG_BIND:
			rc = handle_bind(b, m);
			break;
		case PGWIRE_MSG_DESCRIBE:
			rc = handle_describe(b, m);
			break;
		case PGWIRE_MSG_EXECUTE:
			rc = handle_execute(b, m);
			break;
		case PGWIRE_MSG_CLOSE:
			rc = handle_close(b, m);
			break;
		case PGWIRE_MSG_FLUSH:
			return PGWIRE_OK;	/* output is written after every batch */
		case PGWIRE_MSG_FUNCTION_CALL:
			not_supported(b, "the function call protocol");
			break;
		case PGWIRE_MSG_COPY_DATA:
		case PGWIRE_MSG_COPY_DONE:
		case PGWIRE_MSG_COPY_FAIL:
			/* docs: ignored outside COPY, as the server does */
			return PGWIRE_OK;
		default:
			snprintf(msg, sizeof(msg), "invalid frontend message type %d", m->frame.type);
			return fatal(b, ev, err, "08P01", msg, NULL);
	}
	/* an error in an extended-query message: discard until Sync */
	if (b->failed && b->state != ST_COPY_IN)
		b->skipping = 1;
	return rc;
}

/* ---- the main entry point ----------------------------------------------- */

/* Type bytes a frontend may send (docs: Message Formats). */
static int
frontend_type(uint8_t t)
{
	return t != 0 && strchr("BCDEFHPQSXcdfp", t) != NULL;
}

/* Drop consumed input, so the buffer holds only the unread bytes. */
static void
compact_input(pgwire_backend *b)
{
	if (b->in_pos == 0)
		return;
	pgwire_buf_drop(&b->in, b->in_pos);
	b->in_base += b->in_pos;
	b->in_pos = 0;
}

/* A startup packet that did not decode: an old protocol version gets
 * PostgreSQL's own answer (ProcessStartupPacket), else 08P01. */
static int
bad_startup(pgwire_backend *b, const pgwire_frame *f, pgwire_backend_event *ev,
			pgwire_error *err, const char *detail)
{
	char		msg[160];

	if (f->body_len >= 4)
	{
		uint32_t	v = ((uint32_t) f->body[0] << 24) | ((uint32_t) f->body[1] << 16) |
			((uint32_t) f->body[2] << 8) | f->body[3];

		if (v >> 16 != 3 && v >> 16 != 1234)
		{
			snprintf(msg, sizeof(msg),
					 "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
					 v >> 16, v & 0xFFFF);
			return fatal(b, ev, err, "0A000", msg, NULL);
		}
	}
	return fatal(b, ev, err, "08P01", "invalid startup packet layout", detail);
}

int
pgwire_backend_next(pgwire_backend *b, pgwire_backend_event *ev, pgwire_error *err)
{
	pgwire_frame f;
	pgwire_msg	m;
	pgwire_context ctx = {PGWIRE_MSG_INVALID, 0};
	pgwire_error local;
	const uint8_t *head = b->in.data + b->in_pos;
	size_t		avail = b->in.len - b->in_pos;
	int			startup = b->state == ST_STARTUP;
	int			rc;
	char		msg[64];

	ev->kind = PGWIRE_BACKEND_EV_NONE;
	if (b->state == ST_DEAD)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "the connection is closed");
	if (b->state == ST_TLS_WAIT)
		return PGWIRE_INCOMPLETE;
	if (avail == 0)
	{
		compact_input(b);
		return PGWIRE_INCOMPLETE;
	}
	/* a bad type byte is refused at once, not after its "length" arrived */
	if (!startup && !frontend_type(head[0]))
	{
		snprintf(msg, sizeof(msg), "invalid frontend message type %d", head[0]);
		return fatal(b, ev, err, "08P01", msg, NULL);
	}
	rc = pgwire_frame_parse(head, avail, PGWIRE_FRONTEND,
							startup ? PGWIRE_PHASE_STARTUP : PGWIRE_PHASE_TYPED,
							&b->limits, b->in_base + b->in_pos, &f, &local);
	if (rc == PGWIRE_INCOMPLETE)
	{
		compact_input(b);
		return rc;
	}
	if (rc != PGWIRE_OK)
		return fatal(b, ev, err, "08P01", startup ? "invalid length of startup packet" :
					 "invalid message length", local.detail);
	b->in_pos += f.raw_len;
	if (b->state == ST_AUTH)
	{
		ctx.auth_response = b->auth == AUTH_SASL_FIRST ? PGWIRE_MSG_SASL_INITIAL_RESPONSE :
			b->auth == AUTH_SASL_FINAL ? PGWIRE_MSG_SASL_RESPONSE :
			PGWIRE_MSG_PASSWORD_MESSAGE;
	}
	rc = pgwire_decode(&f, &ctx, &m, &local);
	if (rc != PGWIRE_OK)
	{
		if (startup)
			return bad_startup(b, &f, ev, err, local.detail);
		snprintf(msg, sizeof(msg), "invalid message format (type %d)", f.type);
		return fatal(b, ev, err, "08P01", msg, local.detail);
	}
	if (startup)
		rc = handle_untyped(b, &m, ev, err);
	else if (b->state == ST_AUTH)
	{
		if (f.type != 'p')
		{
			snprintf(msg, sizeof(msg), "expected password response, got message type %d",
					 f.type);
			return fatal(b, ev, err, "08P01", msg, NULL);
		}
		rc = handle_password(b, &m, ev, err);
	}
	else
		rc = handle_typed(b, &m, ev, err);
	if (rc == PGWIRE_ERR_NOMEM)
		return pgwire_error_set(err, rc, 0, "out of memory");
	return PGWIRE_OK;
}

/* ---- writing results ---------------------------------------------------- */

int
pgwire_backend_row_description(pgwire_backend *b, size_t n, const pgwire_column *cols)
{
	pgwire_writer w;
	size_t		i;

	pgwire_msg_begin(&w, &b->out, 'T', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, n);
	for (i = 0; i < n; i++)
	{
		pgwire_put_string(&w, cols[i].name.ptr, cols[i].name.len);
		pgwire_put_int32(&w, (int32_t) cols[i].table_oid);
		pgwire_put_int16(&w, cols[i].column_attnum);
		pgwire_put_int32(&w, (int32_t) cols[i].type_oid);
		pgwire_put_int16(&w, cols[i].type_size);
		pgwire_put_int32(&w, cols[i].type_modifier);
		pgwire_put_int16(&w, cols[i].format);
	}
	return end_msg(b, &w);
}

void
pgwire_backend_row_begin(pgwire_backend *b, size_t ncols)
{
	pgwire_msg_begin(&b->row, &b->out, 'D', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&b->row, ncols);
}

void
pgwire_backend_row_value(pgwire_backend *b, const void *ptr, size_t len)
{
	pgwire_put_value(&b->row, ptr, len);
}

/* Hand queued output to write_out in the middle of a large result. */
static void
maybe_flush(pgwire_backend *b)
{
	long		n;

	if (!b->opts.write_out || b->out.len < PGWIRE_BACKEND_FLUSH_AT)
		return;
	n = b->opts.write_out(b->opts.io_arg, b->out.data, b->out.len);
	if (n > 0)
		pgwire_backend_consume(b, (size_t) n);
}

int
pgwire_backend_row_end(pgwire_backend *b)
{
	int			rc = end_msg(b, &b->row);

	maybe_flush(b);
	return rc;
}

int
pgwire_backend_command_complete(pgwire_backend *b, const char *tag)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &b->out, 'C', PGWIRE_BACKEND, NULL);
	pgwire_put_cstring(&w, tag);
	return end_msg(b, &w);
}

int
pgwire_backend_empty_query(pgwire_backend *b)
{
	return put_empty(b, 'I');
}

int
pgwire_backend_no_data(pgwire_backend *b)
{
	return put_empty(b, 'n');
}

int
pgwire_backend_parameter_description(pgwire_backend *b, size_t n, const uint32_t *types)
{
	pgwire_writer w;
	size_t		i;

	pgwire_msg_begin(&w, &b->out, 't', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, n);
	for (i = 0; i < n; i++)
		pgwire_put_int32(&w, (int32_t) types[i]);
	return end_msg(b, &w);
}

int
pgwire_backend_parameter_status(pgwire_backend *b, const char *name, const char *value)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, &b->out, 'S', PGWIRE_BACKEND, NULL);
	pgwire_put_cstring(&w, name);
	pgwire_put_cstring(&w, value);
	return end_msg(b, &w);
}

int
pgwire_backend_error(pgwire_backend *b, const char *sqlstate, const char *message,
					 const char *detail, const char *hint)
{
	b->failed = 1;
	return put_response(b, 'E', "ERROR", sqlstate, message, detail, hint);
}

int
pgwire_backend_notice(pgwire_backend *b, const char *message)
{
	return put_response(b, 'N', "NOTICE", "00000", message, NULL, NULL);
}

static int
copy_response(pgwire_backend *b, uint8_t type, size_t ncols)
{
	pgwire_writer w;
	size_t		i;

	pgwire_msg_begin(&w, &b->out, type, PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 0);
	pgwire_put_count16(&w, ncols);
	for (i = 0; i < ncols; i++)
		pgwire_put_int16(&w, 0);
	return end_msg(b, &w);
}

int
pgwire_backend_copy_in(pgwire_backend *b, size_t ncols)
{
	int			rc = copy_response(b, 'G', ncols);

	if (rc == PGWIRE_OK)
	{
		b->state = ST_COPY_IN;
		b->copy_from_simple = 0;
	}
	return rc;
}

int
pgwire_backend_copy_out(pgwire_backend *b, size_t ncols)
{
	return copy_response(b, 'H', ncols);
}

int
pgwire_backend_copy_data(pgwire_backend *b, const void *data, size_t len)
{
	pgwire_writer w;

	int			rc;

	pgwire_msg_begin(&w, &b->out, 'd', PGWIRE_BACKEND, NULL);
	pgwire_put_bytes(&w, data, len);
	rc = end_msg(b, &w);
	maybe_flush(b);
	return rc;
}

int
pgwire_backend_copy_done(pgwire_backend *b)
{
	return put_empty(b, 'c');
}
