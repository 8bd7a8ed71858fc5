/*
 * test/clients/libpq_session.c
 *    A real libpq client session with PQtrace on, for checking our trace
 *    renderer against libpq's own output (suite 25-pqtrace).
 *
 *    libpq_session CONNINFO TRACEFILE [regress]
 *
 * Connects with CONNINFO, traces to TRACEFILE with
 * PQTRACE_SUPPRESS_TIMESTAMPS (plus PQTRACE_REGRESS_MODE with "regress"),
 * and exercises as many message types as libpq sends or receives: simple
 * queries of many types, an error, a notice, an empty query, prepared
 * statements with describe, binary parameters and results, a portal,
 * pipeline mode, a function call, COPY out and in, LISTEN/NOTIFY.  Exits
 * non-zero if anything did not go as a server would make it go.
 *
 * Build: cc -I$(pg_config --includedir) libpq_session.c -lpq
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <libpq-fe.h>

static PGconn *conn;
static int	failures;

static void
fail(const char *what)
{
	fprintf(stderr, "libpq_session: %s: %s", what, PQerrorMessage(conn));
	failures++;
}

/* Run a result-returning call and check its status. */
static void
expect(PGresult *res, ExecStatusType want, const char *what)
{
	if (res == NULL || PQresultStatus(res) != want)
		fail(what);
	PQclear(res);
}

/* Notices are traced; keep them off stderr. */
static void
quiet(void *arg, const char *message)
{
	(void) arg;
	(void) message;
}

static void
simple_queries(void)
{
	expect(PQexec(conn, "SELECT 1 AS a, NULL::text AS b, 'x\ty'::text AS c"),
		   PGRES_TUPLES_OK, "select 1");
	expect(PQexec(conn, "SELECT 42::int8, -1.5::numeric, true, 'caf\xc3\xa9'::text, "
				  "'\\x00ff7f80'::bytea, ARRAY[1,2,NULL], '{\"k\": [1, 2]}'::jsonb, "
				  "'2024-02-29 12:34:56.789+00'::timestamptz, 'quote\"d'::text, "
				  "point(1,2), interval '1 day'"),
		   PGRES_TUPLES_OK, "select types");
	expect(PQexec(conn, "SELECT g, repeat('x', g) FROM generate_series(1, 3) g"),
		   PGRES_TUPLES_OK, "generate_series");
	expect(PQexec(conn, "SELECT 1/0"), PGRES_FATAL_ERROR, "division by zero");
	expect(PQexec(conn, "DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$"),
		   PGRES_COMMAND_OK, "notice");
	expect(PQexec(conn, ""), PGRES_EMPTY_QUERY, "empty query");
	expect(PQexec(conn, "SET application_name = 'libpq_session'"),
		   PGRES_COMMAND_OK, "set (ParameterStatus)");
	expect(PQexec(conn, "CREATE TEMP TABLE t (a int, b text); INSERT INTO t VALUES (1, 'one')"),
		   PGRES_COMMAND_OK, "two statements");
}

static void
prepared_statements(void)
{
	const char *values[2] = {"41", "text param"};
	Oid			types[2] = {23, 25};
	const char *bvalues[3];
	int			blens[3];
	int			bformats[3] = {1, 0, 1};
	unsigned char int4be[4] = {0, 0, 0, 42};
	unsigned char bytes[3] = {0x00, 0xfe, 'A'};

	expect(PQprepare(conn, "s1", "SELECT $1::int4 + 1 AS n, $2::text AS t", 2, types),
		   PGRES_COMMAND_OK, "prepare");
	expect(PQdescribePrepared(conn, "s1"), PGRES_COMMAND_OK, "describe prepared");
	expect(PQexecPrepared(conn, "s1", 2, values, NULL, NULL, 0),
		   PGRES_TUPLES_OK, "exec prepared");
	values[1] = NULL;
	expect(PQexecPrepared(conn, "s1", 2, values, NULL, NULL, 1),
		   PGRES_TUPLES_OK, "exec prepared, NULL param, binary result");

	/* binary parameters and binary results, unnamed statement */
	bvalues[0] = (const char *) int4be;
	blens[0] = 4;
	bvalues[1] = NULL;
	blens[1] = 0;
	bvalues[2] = (const char *) bytes;
	blens[2] = 3;
	expect(PQexecParams(conn, "SELECT $1::int4 * 2, $2::text IS NULL, $3::bytea, 3.25::float8",
						3, NULL, bvalues, blens, bformats, 1),
		   PGRES_TUPLES_OK, "binary params and results");
	expect(PQexecParams(conn, "SELECT $1 || 'x'", 1, NULL, values, NULL, NULL, 0),
		   PGRES_TUPLES_OK, "untyped param");

	/* a portal to describe */
	expect(PQexec(conn, "BEGIN"), PGRES_COMMAND_OK, "begin");
	expect(PQexec(conn, "DECLARE c1 CURSOR FOR SELECT relname, relpages FROM pg_class LIMIT 2"),
		   PGRES_COMMAND_OK, "declare");
	expect(PQdescribePortal(conn, "c1"), PGRES_COMMAND_OK, "describe portal");
	expect(PQexec(conn, "FETCH 1 FROM c1"), PGRES_TUPLES_OK, "fetch");
	expect(PQexec(conn, "COMMIT"), PGRES_COMMAND_OK, "commit");
	expect(PQexec(conn, "DEALLOCATE s1"), PGRES_COMMAND_OK, "deallocate");
}

/* Collect every result of the pipeline up to the sync. */
static void
pipeline(void)
{
	const char *v1[1] = {"7"};
	int			syncs = 0;

	if (!PQenterPipelineMode(conn))
		fail("enter pipeline");
	if (!PQsendQueryParams(conn, "SELECT $1::int4 * 6", 1, NULL, v1, NULL, NULL, 0) ||
		!PQsendPrepare(conn, "p2", "SELECT $1::text || '!'", 1, NULL) ||
		!PQsendQueryPrepared(conn, "p2", 1, v1, NULL, NULL, 0) ||
		!PQsendQueryParams(conn, "INSERT INTO t VALUES (2, 'two')", 0, NULL, NULL, NULL, NULL, 0) ||
		!PQpipelineSync(conn))
		fail("send pipeline");
	if (!PQsendQueryParams(conn, "SELECT 1/0", 0, NULL, NULL, NULL, NULL, 0) ||
		!PQsendQueryParams(conn, "SELECT 'skipped'", 0, NULL, NULL, NULL, NULL, 0) ||
		!PQpipelineSync(conn))
		fail("send pipeline 2");
	while (syncs < 2)
	{
		PGresult   *res = PQgetResult(conn);

		if (res == NULL)
			continue;			/* end of one query's results */
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC)
			syncs++;
		PQclear(res);
	}
	if (!PQexitPipelineMode(conn))
		fail("exit pipeline");
}

static void
function_call(void)
{
	PQArgBlock	args[2];
	int			result = 0;
	int			rlen = 0;
	PGresult   *res;

	/* int4pl is OID 177 (pg_proc.dat) */
	args[0].len = 4;
	args[0].isint = 1;
	args[0].u.integer = 40;
	args[1].len = 4;
	args[1].isint = 1;
	args[1].u.integer = 2;
	res = PQfn(conn, 177, &result, &rlen, 1, args, 2);
	if (PQresultStatus(res) != PGRES_COMMAND_OK || result != 42)
		fail("PQfn int4pl");
	PQclear(res);
}

static void
copy(void)
{
	PGresult   *res;
	char	   *buf;
	int			n;

	res = PQexec(conn, "COPY (SELECT g, 'row ' || g FROM generate_series(1, 3) g) TO STDOUT");
	if (PQresultStatus(res) != PGRES_COPY_OUT)
		fail("copy out");
	PQclear(res);
	while ((n = PQgetCopyData(conn, &buf, 0)) > 0)
		PQfreemem(buf);
	expect(PQgetResult(conn), PGRES_COMMAND_OK, "copy out end");
	(void) PQgetResult(conn);

	res = PQexec(conn, "COPY t FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN)
		fail("copy in");
	PQclear(res);
	if (PQputCopyData(conn, "3\tthree\n", 8) != 1 ||
		PQputCopyData(conn, "4\t\\N\n", 5) != 1 ||
		PQputCopyEnd(conn, NULL) != 1)
		fail("copy in data");
	expect(PQgetResult(conn), PGRES_COMMAND_OK, "copy in end");
	(void) PQgetResult(conn);

	/* a failed COPY: CopyFail */
	res = PQexec(conn, "COPY t FROM STDIN");
	PQclear(res);
	if (PQputCopyEnd(conn, "client gave up") != 1)
		fail("copy fail");
	expect(PQgetResult(conn), PGRES_FATAL_ERROR, "copy fail result");
	(void) PQgetResult(conn);
}

static void
notify(void)
{
	PGnotify   *n;
	char		channel[32];
	char		sql[64];

	/*
	 * A channel of this session's own: with a shared name, a later session's
	 * NOTIFY can reach this backend after libpq has stopped reading, and the
	 * saved stream would hold a message libpq never traced.
	 */
	snprintf(channel, sizeof(channel), "ch%d", PQbackendPID(conn));
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	expect(PQexec(conn, sql), PGRES_COMMAND_OK, "listen");
	snprintf(sql, sizeof(sql), "NOTIFY %s, 'payload'", channel);
	expect(PQexec(conn, sql), PGRES_COMMAND_OK, "notify");
	PQconsumeInput(conn);
	n = PQnotifies(conn);
	if (n == NULL || strcmp(n->relname, channel) != 0 || strcmp(n->extra, "payload") != 0)
		fail("notification");
	if (n)
		PQfreemem(n);
}

int
main(int argc, char **argv)
{
	FILE	   *trace;
	int			flags = PQTRACE_SUPPRESS_TIMESTAMPS;

	if (argc < 3)
	{
		fprintf(stderr, "usage: libpq_session CONNINFO TRACEFILE [regress]\n");
		return 2;
	}
	if (argc > 3 && strcmp(argv[3], "regress") == 0)
		flags |= PQTRACE_REGRESS_MODE;
	trace = fopen(argv[2], "w");
	if (trace == NULL)
	{
		perror(argv[2]);
		return 2;
	}
	conn = PQconnectStart(argv[1]);
	if (conn == NULL)
		return 2;
	/* trace from the start, so the startup phase is traced too */
	PQtrace(conn, trace);
	PQsetTraceFlags(conn, flags);
	for (;;)
	{
		PostgresPollingStatusType st = PQconnectPoll(conn);

		if (st == PGRES_POLLING_OK || st == PGRES_POLLING_FAILED)
			break;
		/* a blocking wait is fine for a test: poll the socket */
		{
			fd_set		fds;
			int			sock = PQsocket(conn);

			FD_ZERO(&fds);
			FD_SET(sock, &fds);
			if (st == PGRES_POLLING_READING)
				select(sock + 1, &fds, NULL, NULL, NULL);
			else
				select(sock + 1, NULL, &fds, NULL, NULL);
		}
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fail("connect");
		return 1;
	}
	PQsetNoticeProcessor(conn, quiet, NULL);
	simple_queries();
	prepared_statements();
	pipeline();
	function_call();
	copy();
	notify();
	PQfinish(conn);
	fclose(trace);
	return failures ? 1 : 0;
}
