/*
 * test/clients/serve_machine_check.c
 *    In-process checks of libpgwire's backend state machine (server.h),
 *    run by suite 65-serve (built with ASan and UBSan when lib/build-san
 *    exists):
 *      - a session fed whole, byte by byte and in random chunks gives the
 *        same output bytes (the machine is truly incremental);
 *      - the output is a valid backend stream: every message decodes with
 *        libpgwire's own reader and decoder;
 *      - every single-byte corruption and every truncation of the input
 *        ends in output that still decodes, never a crash.
 *    One "ok - ..." / "not ok - ..." line per check; exit 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/encode.h"
#include "pgwire/message.h"
#include "pgwire/server.h"

static int	failed;

static void
check(int cond, const char *what)
{
	printf("%s - backend machine: %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		failed++;
}

static pgwire_column col = {{(const uint8_t *) "x", 1}, 0, 0, 25, -1, -1, 0};

static int
a_query(void *arg, pgwire_backend *b, const char *sql)
{
	(void) arg;
	if (strncmp(sql, "COPY", 4) == 0)
		return pgwire_backend_copy_in(b, 1);
	if (strncmp(sql, "ERR", 3) == 0)
		return pgwire_backend_error(b, "42601", "syntax error", NULL, NULL);
	pgwire_backend_row_description(b, 1, &col);
	pgwire_backend_row_begin(b, 1);
	pgwire_backend_row_value(b, sql, strlen(sql));
	pgwire_backend_row_end(b);
	return pgwire_backend_command_complete(b, "SELECT 1");
}

static int
a_parse(void *arg, pgwire_backend *b, const char *sql, uint32_t n, const uint32_t *t, void **st)
{
	(void) arg;
	(void) n;
	(void) t;
	if (strncmp(sql, "ERR", 3) == 0)
		return pgwire_backend_error(b, "42601", "syntax error", NULL, NULL), -1;
	*st = &col;
	return 0;
}

static int
a_describe(void *arg, pgwire_backend *b, void *h)
{
	uint32_t	t = 25;

	(void) arg;
	(void) h;
	pgwire_backend_parameter_description(b, 1, &t);
	return pgwire_backend_row_description(b, 1, &col);
}

static int
a_bind(void *arg, pgwire_backend *b, void *st, const pgwire_bind_params *p, void **portal)
{
	(void) arg;
	(void) b;
	(void) p;
	*portal = st;
	return 0;
}

static int
a_describe_portal(void *arg, pgwire_backend *b, void *h)
{
	(void) arg;
	(void) h;
	return pgwire_backend_row_description(b, 1, &col);
}

static int
a_execute(void *arg, pgwire_backend *b, void *portal, int32_t max_rows)
{
	int			i;

	(void) arg;
	(void) portal;
	for (i = 0; i < 3; i++)
	{
		if (max_rows > 0 && i == max_rows)
			return PGWIRE_EXEC_SUSPENDED;
		pgwire_backend_row_begin(b, 1);
		pgwire_backend_row_value(b, "r", 1);
		pgwire_backend_row_end(b);
	}
	pgwire_backend_command_complete(b, "SELECT 3");
	return PGWIRE_EXEC_DONE;
}

static int
a_copy_data(void *arg, pgwire_backend *b, const uint8_t *d, size_t n)
{
	(void) arg;
	(void) b;
	(void) d;
	(void) n;
	return 0;
}

static int
a_copy_done(void *arg, pgwire_backend *b)
{
	(void) arg;
	return pgwire_backend_command_complete(b, "COPY 1");
}

static int
a_startup(void *arg, pgwire_backend *b, const char *user, const char *db,
		  const char *const *params, size_t n, pgwire_auth_config *auth)
{
	(void) arg;
	(void) b;
	(void) db;
	(void) params;
	(void) n;
	auth->method = strcmp(user, "pw") == 0 ? PGWIRE_AUTH_PASSWORD : PGWIRE_AUTH_TRUST;
	auth->secret = "secret";
	return 0;
}

static const pgwire_backend_app app = {
	.startup = a_startup,
	.query = a_query,
	.parse = a_parse,
	.describe_statement = a_describe,
	.bind = a_bind,
	.describe_portal = a_describe_portal,
	.execute = a_execute,
	.copy_data = a_copy_data,
	.copy_done = a_copy_done,
};

/* The frontend side of a session, built with the encoder. */
static void
build_session(pgwire_buf *in, const char *user)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, in, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 80877103);	/* SSLRequest: answered N */
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 196608);
	pgwire_put_cstring(&w, "user");
	pgwire_put_cstring(&w, user);
	pgwire_put_cstring(&w, "application_name");
	pgwire_put_cstring(&w, "check");
	pgwire_put_byte1(&w, 0);
	pgwire_msg_end(&w);
	if (strcmp(user, "pw") == 0)
	{
		pgwire_msg_begin(&w, in, 'p', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "secret");
		pgwire_msg_end(&w);
	}
	pgwire_msg_begin(&w, in, 'Q', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "SELECT 'hello'");
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'Q', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "COPY t FROM STDIN");
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'd', PGWIRE_FRONTEND, NULL);
	pgwire_put_bytes(&w, "1\n", 2);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'c', PGWIRE_FRONTEND, NULL);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'P', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "s");
	pgwire_put_cstring(&w, "SELECT $1");
	pgwire_put_int16(&w, 1);
	pgwire_put_int32(&w, 25);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'D', PGWIRE_FRONTEND, NULL);
	pgwire_put_byte1(&w, 'S');
	pgwire_put_cstring(&w, "s");
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'B', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "p");
	pgwire_put_cstring(&w, "s");
	pgwire_put_int16(&w, 1);
	pgwire_put_int16(&w, 0);
	pgwire_put_int16(&w, 1);
	pgwire_put_value(&w, "v", 1);
	pgwire_put_int16(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'E', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "p");
	pgwire_put_int32(&w, 2);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'E', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "p");
	pgwire_put_int32(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'P', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_cstring(&w, "ERR");
	pgwire_put_int16(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'E', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_int32(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'S', PGWIRE_FRONTEND, NULL);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, in, 'X', PGWIRE_FRONTEND, NULL);
	pgwire_msg_end(&w);
}

/* Feed in chunks (chunk 0: random 1..16), collect all output. */
static int
run(const uint8_t *in, size_t len, size_t chunk, pgwire_buf *out, unsigned *seed)
{
	pgwire_backend_options opts = {.app = &app, .process_id = 7, .secret_key = 9};
	pgwire_backend *b = pgwire_backend_create(&opts, NULL);
	pgwire_backend_event ev;
	size_t		pos = 0,
				n;
	int			rc = PGWIRE_INCOMPLETE,
				closed = 0;
	const uint8_t *o;

	while (pos < len && !closed)
	{
		size_t		step = chunk ? chunk : 1 + (size_t) (rand_r(seed) % 16);

		if (step > len - pos)
			step = len - pos;
		pgwire_backend_feed(b, in + pos, step);
		pos += step;
		while ((rc = pgwire_backend_next(b, &ev, NULL)) == PGWIRE_OK)
			if (ev.kind == PGWIRE_BACKEND_EV_CLOSE || ev.kind == PGWIRE_BACKEND_EV_CANCEL)
			{
				closed = 1;
				break;
			}
		o = pgwire_backend_output(b, &n);
		pgwire_buf_append(out, o, n);
		pgwire_backend_consume(b, n);
		if (!closed && rc != PGWIRE_INCOMPLETE)
			break;
	}
	pgwire_backend_free(b);
	return closed;
}

/* Every message of a backend stream decodes; the 'N' SSL answer first. */
static int
valid_output(const pgwire_buf *out, int *errors)
{
	pgwire_reader *r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	pgwire_frame f;
	pgwire_msg	m;
	int			rc,
				n = 0;

	*errors = 0;
	pgwire_reader_feed(r, out->data, out->len);
	while ((rc = pgwire_reader_next(r, &f, NULL)) == PGWIRE_OK)
	{
		if (pgwire_decode(&f, NULL, &m, NULL) != PGWIRE_OK)
			break;
		if (m.kind == PGWIRE_MSG_ERROR_RESPONSE)
			(*errors)++;
		n++;
	}
	if (rc != PGWIRE_INCOMPLETE || pgwire_reader_pending(r) != 0)
		n = -1;
	pgwire_reader_free(r);
	return n;
}

int
main(void)
{
	pgwire_buf	in,
				whole,
				bytewise,
				chunks,
				out;
	unsigned	seed = 1;
	int			errors,
				n,
				i,
				all_valid = 1,
				prefix_ok = 1;
	size_t		pos;
	const char *users[] = {"trust", "pw"};

	for (i = 0; i < 2; i++)
	{
		char		what[160];

		pgwire_buf_init(&in, NULL);
		pgwire_buf_init(&whole, NULL);
		pgwire_buf_init(&bytewise, NULL);
		pgwire_buf_init(&chunks, NULL);
		build_session(&in, users[i]);
		run(in.data, in.len, in.len, &whole, &seed);
		run(in.data, in.len, 1, &bytewise, &seed);
		run(in.data, in.len, 0, &chunks, &seed);
		snprintf(what, sizeof(what), "%s session: whole, byte-by-byte and random chunks give identical output (%zu bytes)",
				 users[i], whole.len);
		check(whole.len > 0 && whole.len == bytewise.len && whole.len == chunks.len &&
			  memcmp(whole.data, bytewise.data, whole.len) == 0 &&
			  memcmp(whole.data, chunks.data, whole.len) == 0, what);
		/* skip the one-byte 'N' SSL answer, then decode everything */
		{
			pgwire_buf	tail;

			pgwire_buf_init(&tail, NULL);
			pgwire_buf_append(&tail, whole.data + 1, whole.len - 1);
			n = valid_output(&tail, &errors);
			snprintf(what, sizeof(what), "%s session: 'N' then %d backend messages that all decode, one ErrorResponse",
					 users[i], n);
			check(whole.data[0] == 'N' && n > 20 && errors == 1, what);
			pgwire_buf_free(&tail);
		}
		pgwire_buf_free(&whole);
		pgwire_buf_free(&bytewise);
		pgwire_buf_free(&chunks);
		if (i == 0)
		{
			/* corruption of every byte (after the SSL request) and truncation */
			for (pos = 8; pos < in.len; pos++)
			{
				uint8_t		saved = in.data[pos];
				in.data[pos] ^= (uint8_t) (0x55 + pos);
				pgwire_buf_init(&out, NULL);
				run(in.data, in.len, 0, &out, &seed);
				if (out.len > 1)
				{
					pgwire_buf	tail;

					pgwire_buf_init(&tail, NULL);
					pgwire_buf_append(&tail, out.data + 1, out.len - 1);
					if (valid_output(&tail, &errors) < 0)
						all_valid = 0;
					pgwire_buf_free(&tail);
				}
				pgwire_buf_free(&out);
				in.data[pos] = saved;

				pgwire_buf_init(&out, NULL);
				run(in.data, pos, 0, &out, &seed);
				if (out.len > 1)
				{
					pgwire_buf	tail;

					pgwire_buf_init(&tail, NULL);
					pgwire_buf_append(&tail, out.data + 1, out.len - 1);
					if (valid_output(&tail, &errors) < 0)
						prefix_ok = 0;
					pgwire_buf_free(&tail);
				}
				pgwire_buf_free(&out);
			}
			check(all_valid, "every single-byte corruption: no crash, output still decodes");
			check(prefix_ok, "every truncation: no crash, output still decodes");
		}
		pgwire_buf_free(&in);
	}
	return failed ? 1 : 0;
}
