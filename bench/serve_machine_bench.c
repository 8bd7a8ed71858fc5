/*
 * bench/serve_machine_bench.c
 *    The per-message cost of libpgwire's backend state machine (server.h),
 *    in-process, without sockets or a database: a trivial application
 *    answers every query with one row.  Measures a simple Query round
 *    (Query in; RowDescription, DataRow, CommandComplete, ReadyForQuery
 *    out) and an extended round (Bind, Execute, Sync on a named statement;
 *    BindComplete, DataRow, CommandComplete, ReadyForQuery out).
 *
 *   serve_machine_bench [ROUNDS]      (default 1,000,000)
 *
 * Built and run by bench/serve_bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgwire/encode.h"
#include "pgwire/server.h"

static pgwire_column col = {{(const uint8_t *) "x", 1}, 0, 0, 20, 8, -1, 0};

static int
q_query(void *arg, pgwire_backend *b, const char *sql)
{
	(void) arg;
	(void) sql;
	pgwire_backend_row_description(b, 1, &col);
	pgwire_backend_row_begin(b, 1);
	pgwire_backend_row_value(b, "1", 1);
	pgwire_backend_row_end(b);
	return pgwire_backend_command_complete(b, "SELECT 1");
}

static int
q_parse(void *arg, pgwire_backend *b, const char *sql, uint32_t n, const uint32_t *t, void **st)
{
	(void) arg;
	(void) b;
	(void) sql;
	(void) n;
	(void) t;
	*st = &col;
	return 0;
}

static int
q_bind(void *arg, pgwire_backend *b, void *st, const pgwire_bind_params *p, void **portal)
{
	(void) arg;
	(void) b;
	(void) p;
	*portal = st;
	return 0;
}

static int
q_execute(void *arg, pgwire_backend *b, void *portal, int32_t max_rows)
{
	(void) arg;
	(void) portal;
	(void) max_rows;
	pgwire_backend_row_begin(b, 1);
	pgwire_backend_row_value(b, "1", 1);
	pgwire_backend_row_end(b);
	pgwire_backend_command_complete(b, "SELECT 1");
	return PGWIRE_EXEC_DONE;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Feed the same batch of messages rounds times; ns per round. */
static double
run(pgwire_backend *b, const pgwire_buf *batch, long rounds, size_t *out_bytes)
{
	pgwire_backend_event ev;
	double		t0 = now();
	long		i;
	size_t		len;

	*out_bytes = 0;
	for (i = 0; i < rounds; i++)
	{
		pgwire_backend_feed(b, batch->data, batch->len);
		while (pgwire_backend_next(b, &ev, NULL) == PGWIRE_OK)
			;
		pgwire_backend_output(b, &len);
		*out_bytes += len;
		pgwire_backend_consume(b, len);
	}
	return (now() - t0) * 1e9 / (double) rounds;
}

int
main(int argc, char **argv)
{
	long		rounds = argc > 1 ? atol(argv[1]) : 1000000;
	pgwire_backend_app app = {0};
	pgwire_backend_options opts = {0};
	pgwire_backend *b;
	pgwire_backend_event ev;
	pgwire_buf	in,
				q,
				x;
	pgwire_writer w;
	size_t		len,
				bytes;
	double		ns;

	app.query = q_query;
	app.parse = q_parse;
	app.bind = q_bind;
	app.execute = q_execute;
	opts.app = &app;
	b = pgwire_backend_create(&opts, NULL);
	pgwire_buf_init(&in, NULL);
	pgwire_buf_init(&q, NULL);
	pgwire_buf_init(&x, NULL);

	/* startup (trust) and a named statement */
	pgwire_msg_begin(&w, &in, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 196608);
	pgwire_put_cstring(&w, "user");
	pgwire_put_cstring(&w, "bench");
	pgwire_put_byte1(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, &in, 'P', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "s1");
	pgwire_put_cstring(&w, "SELECT $1");
	pgwire_put_int16(&w, 0);
	pgwire_msg_end(&w);
	pgwire_backend_feed(b, in.data, in.len);
	while (pgwire_backend_next(b, &ev, NULL) == PGWIRE_OK)
		;
	pgwire_backend_output(b, &len);
	pgwire_backend_consume(b, len);

	pgwire_msg_begin(&w, &q, 'Q', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "SELECT 1");
	pgwire_msg_end(&w);

	pgwire_msg_begin(&w, &x, 'B', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_cstring(&w, "s1");
	pgwire_put_int16(&w, 0);
	pgwire_put_int16(&w, 1);
	pgwire_put_value(&w, "42", 2);
	pgwire_put_int16(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, &x, 'E', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_int32(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, &x, 'S', PGWIRE_FRONTEND, NULL);
	pgwire_msg_end(&w);

	ns = run(b, &q, rounds, &bytes);
	printf("simple query round (Query -> T D C Z):        %8.1f ns  (%zu bytes out per round)\n",
		   ns, bytes / (size_t) rounds);
	ns = run(b, &x, rounds, &bytes);
	printf("extended round (Bind Execute Sync -> 2 D C Z): %8.1f ns  (%zu bytes out per round)\n",
		   ns, bytes / (size_t) rounds);
	pgwire_backend_free(b);
	pgwire_buf_free(&in);
	pgwire_buf_free(&q);
	pgwire_buf_free(&x);
	return 0;
}
