/*
 * test/clients/serve_libpq.c
 *    A libpq program against `pgwire serve` (suite 65-serve): prepared
 *    statements, Describe, binary results, pipeline mode with an error in
 *    the middle, and a CancelRequest ending pg_sleep().  Prints one
 *    "ok - ..." / "not ok - ..." line per check; exit 1 if any failed.
 *
 *   serve_libpq CONNINFO
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

static int	failed;

static void
check(int cond, const char *what, const char *extra)
{
	printf("%s - libpq: %s%s%s\n", cond ? "ok" : "not ok", what,
		   extra && !cond ? ": " : "", extra && !cond ? extra : "");
	if (!cond)
		failed++;
}

static uint64_t
be64(const char *p)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | (uint8_t) p[i];
	return v;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
prepared(PGconn *c)
{
	PGresult   *r;
	Oid			types[2] = {20, 25};
	const char *vals[2];
	char		num[16];
	int			i,
				ok = 1;

	PQclear(PQexec(c, "DROP TABLE IF EXISTS lq"));
	r = PQexec(c, "CREATE TABLE lq(id int8 primary key, name text, x float8, b bytea)");
	check(PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "CREATE TABLE"),
		  "CREATE TABLE tag", PQresultErrorMessage(r));
	PQclear(r);
	r = PQprepare(c, "ins", "INSERT INTO lq(id, name, x) VALUES ($1, $2, $1 * 0.5)", 2, types);
	check(PQresultStatus(r) == PGRES_COMMAND_OK, "PQprepare", PQresultErrorMessage(r));
	PQclear(r);
	for (i = 1; i <= 5; i++)
	{
		snprintf(num, sizeof(num), "%d", i);
		vals[0] = num;
		vals[1] = i == 3 ? NULL : "row";
		r = PQexecPrepared(c, "ins", 2, vals, NULL, NULL, 0);
		ok &= PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "INSERT 0 1");
		PQclear(r);
	}
	check(ok, "PQexecPrepared x5, tag INSERT 0 1", NULL);

	r = PQdescribePrepared(c, "ins");
	check(PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 2 &&
		  PQparamtype(r, 0) == 20 && PQparamtype(r, 1) == 25 && PQnfields(r) == 0,
		  "PQdescribePrepared: 2 params int8, text; no columns", PQresultErrorMessage(r));
	PQclear(r);

	r = PQprepare(c, "sel", "SELECT id, name, x FROM lq WHERE id >= $1 ORDER BY id", 1, NULL);
	PQclear(r);
	r = PQdescribePrepared(c, "sel");
	check(PQresultStatus(r) == PGRES_COMMAND_OK && PQnfields(r) == 3 &&
		  PQftype(r, 0) == 20 && PQftype(r, 1) == 25 && PQftype(r, 2) == 701 &&
		  !strcmp(PQfname(r, 1), "name"),
		  "PQdescribePrepared: columns id int8, name text, x float8", PQresultErrorMessage(r));
	PQclear(r);

	/* binary results */
	vals[0] = "2";
	r = PQexecPrepared(c, "sel", 1, vals, NULL, NULL, 1);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 4)
	{
		uint64_t	u = be64(PQgetvalue(r, 0, 2));
		double		d;

		memcpy(&d, &u, 8);
		check(PQfformat(r, 0) == 1 && PQgetlength(r, 0, 0) == 8 &&
			  be64(PQgetvalue(r, 0, 0)) == 2 && d == 1.0 &&
			  PQgetisnull(r, 1, 1) && !strcmp(PQcmdStatus(r), "SELECT 4"),
			  "binary results: int8 2, float8 1.0, NULL, SELECT 4", NULL);
	}
	else
		check(0, "binary results", PQresultErrorMessage(r));
	PQclear(r);

	/* a binary parameter */
	{
		char		be[8] = {0, 0, 0, 0, 0, 0, 0, 4};
		const char *bv[1] = {be};
		int			len[1] = {8},
					fmt[1] = {1};
		Oid			t8[1] = {20};

		r = PQexecParams(c, "SELECT name FROM lq WHERE id = $1", 1, t8, bv, len, fmt, 0);
		check(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
			  !strcmp(PQgetvalue(r, 0, 0), "row"), "binary int8 parameter",
			  PQresultErrorMessage(r));
		PQclear(r);
	}
	r = PQexecParams(c, "SELECT * FROM nosuch WHERE a = $1", 1, NULL, vals, NULL, NULL, 0);
	check(PQresultStatus(r) == PGRES_FATAL_ERROR &&
		  !strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42P01"),
		  "extended query error: 42P01", PQresultErrorMessage(r));
	PQclear(r);
	r = PQexec(c, "SELECT 1");
	check(PQresultStatus(r) == PGRES_TUPLES_OK, "connection usable after the error", NULL);
	PQclear(r);
}

static void
pipeline(PGconn *c)
{
	PGresult   *r;
	const char *v[1] = {"7"};
	int			step = 0,
				ok = 1;
	ExecStatusType want[] = {PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_FATAL_ERROR,
	PGRES_PIPELINE_ABORTED, PGRES_PIPELINE_SYNC, PGRES_TUPLES_OK, PGRES_PIPELINE_SYNC};

	check(PQenterPipelineMode(c) == 1, "enter pipeline mode", NULL);
	PQsendQueryParams(c, "INSERT INTO lq(id, name) VALUES ($1, 'p')", 1, NULL, v, NULL, NULL, 0);
	PQsendQueryParams(c, "SELECT count(*) FROM lq", 0, NULL, NULL, NULL, NULL, 0);
	PQsendQueryParams(c, "SELECT 1/0 FROM nosuch", 0, NULL, NULL, NULL, NULL, 0);
	PQsendQueryParams(c, "SELECT 2", 0, NULL, NULL, NULL, NULL, 0);
	PQpipelineSync(c);
	PQsendQueryParams(c, "SELECT name FROM lq WHERE id = $1", 1, NULL, v, NULL, NULL, 0);
	PQpipelineSync(c);
	while (step < 7)
	{
		r = PQgetResult(c);
		if (r == NULL)
			continue;			/* end of one query's results */
		if (PQresultStatus(r) != want[step])
		{
			printf("# step %d: %s %s\n", step, PQresStatus(PQresultStatus(r)),
				   PQresultErrorMessage(r));
			ok = 0;
		}
		if (step == 1 && (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), "6")))
			ok = 0;
		/* the INSERT went with its failed batch, as on PostgreSQL */
		if (step == 5 && PQntuples(r) != 0)
			ok = 0;
		PQclear(r);
		step++;
		if (!ok)
			break;
	}
	check(ok, "pipeline: insert, count 6, error, aborted until sync, the insert discarded with its batch, then recovery", NULL);
	check(PQexitPipelineMode(c) == 1, "exit pipeline mode", PQerrorMessage(c));
}

static void
cancel(PGconn *c)
{
	PGcancel   *cn = PQgetCancel(c);
	char		err[256];
	double		t0 = now_s();
	PGresult   *r,
			   *last = NULL;

	check(PQsendQuery(c, "SELECT pg_sleep(20)") == 1, "send pg_sleep(20)", PQerrorMessage(c));
	usleep(300 * 1000);
	check(PQcancel(cn, err, sizeof(err)) == 1, "PQcancel", err);
	while ((r = PQgetResult(c)) != NULL)
	{
		PQclear(last);
		last = r;
	}
	check(last && PQresultStatus(last) == PGRES_FATAL_ERROR &&
		  !strcmp(PQresultErrorField(last, PG_DIAG_SQLSTATE), "57014") &&
		  now_s() - t0 < 10,
		  "cancel: 57014 canceling statement due to user request, well before 20 s",
		  last ? PQresultErrorMessage(last) : "no result");
	PQclear(last);
	PQfreeCancel(cn);
	r = PQexec(c, "SELECT 'alive'");
	check(PQresultStatus(r) == PGRES_TUPLES_OK, "connection usable after cancel", NULL);
	PQclear(r);
}

int
main(int argc, char **argv)
{
	PGconn	   *c;

	if (argc < 2)
	{
		fprintf(stderr, "usage: serve_libpq CONNINFO\n");
		return 2;
	}
	c = PQconnectdb(argv[1]);
	check(PQstatus(c) == CONNECTION_OK, "connect", PQerrorMessage(c));
	if (PQstatus(c) != CONNECTION_OK)
		return 1;
	check(PQserverVersion(c) == 150000 &&
		  !strcmp(PQparameterStatus(c, "client_encoding"), "UTF8") &&
		  !strcmp(PQparameterStatus(c, "integer_datetimes"), "on"),
		  "ParameterStatus: server_version 15.0, client_encoding UTF8, integer_datetimes on", NULL);
	check(PQbackendPID(c) != 0, "BackendKeyData", NULL);
	prepared(c);
	pipeline(c);
	cancel(c);
	PQfinish(c);
	return failed ? 1 : 0;
}
