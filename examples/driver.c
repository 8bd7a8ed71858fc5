/*
 * examples/driver.c
 *    A complete PostgreSQL client on libpgwire's frontend state machine
 *    (pgwire/conn.h): connect over TCP, log in (trust, password, md5 or
 *    SCRAM-SHA-256), run one query with the simple query protocol and
 *    print the rows tab-separated, then Terminate.  No TLS: see
 *    tools/connect.c for sslmode and the rest of a real driver.
 *
 *    cc driver.c $(pkg-config --cflags --libs pgwire) -o driver
 *    PGPASSWORD=secret PGDATABASE=postgres ./driver 127.0.0.1 5432 alice "SELECT 1"
 *
 * Exit status 0 on success, 1 when the server reported an error (printed
 * to stderr as "SEVERITY:  message"), 2 on a connection or protocol failure.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pgwire/pgwire.h>

/* Send everything the machine has queued. */
static int
flush_output(int fd, pgwire_conn *c)
{
	size_t		len;
	const uint8_t *out = pgwire_conn_output(c, &len);

	while (len > 0)
	{
		ssize_t		n = write(fd, out, len);

		if (n <= 0)
			return -1;
		pgwire_conn_consume(c, (size_t) n);
		out = pgwire_conn_output(c, &len);
	}
	return 0;
}

/* One DataRow: values separated by tabs, NULL as an empty field. */
static void
print_row(const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_value v;
	const char *sep = "";

	pgwire_iter_init(&it, &m->u.data_row.values);
	while (pgwire_next_value(&it, &v))
	{
		if (v.len < 0)
			printf("%s", sep);	/* NULL */
		else
			printf("%s%.*s", sep, (int) v.len, (const char *) v.ptr);
		sep = "\t";
	}
	printf("\n");
}

/* An ErrorResponse's severity and message fields. */
static void
print_error(const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_error_field f;
	pgwire_slice severity = {(const uint8_t *) "", 0},
				message = {(const uint8_t *) "", 0};

	pgwire_iter_init(&it, &m->u.error_response.fields);
	while (pgwire_next_error_field(&it, &f))
	{
		if (f.code == 'S')
			severity = f.value;
		else if (f.code == 'M')
			message = f.value;
	}
	fprintf(stderr, "%.*s:  %.*s\n", (int) severity.len, (const char *) severity.ptr,
			(int) message.len, (const char *) message.ptr);
}

int
main(int argc, char **argv)
{
	pgwire_conn_options opts = {0};
	pgwire_conn *c;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int			fd, rc = 2, sent = 0;

	if (argc != 5)
	{
		fprintf(stderr, "usage: %s HOST PORT USER SQL\n", argv[0]);
		return 2;
	}
	opts.user = argv[3];
	opts.database = getenv("PGDATABASE");	/* NULL: the user name */
	opts.password = getenv("PGPASSWORD");
	sa.sin_port = htons((uint16_t) atoi(argv[2]));
	if ((c = pgwire_conn_create(&opts, NULL)) == NULL ||
		inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
		(fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0)
		return 2;

	for (;;)
	{
		pgwire_conn_event ev;
		pgwire_error err;
		uint8_t		buf[8192];
		ssize_t		n;
		int			st;

		if (flush_output(fd, c) != 0)
			break;
		st = pgwire_conn_next(c, &ev, &err);
		if (st == PGWIRE_INCOMPLETE)
		{
			if ((n = read(fd, buf, sizeof(buf))) <= 0 ||
				pgwire_conn_feed(c, buf, (size_t) n) != PGWIRE_OK)
				break;			/* the server hung up */
			continue;
		}
		if (st != PGWIRE_OK)
		{
			fprintf(stderr, "%s: %s\n", pgwire_status_name(st), err.detail);
			break;
		}
		if (ev.kind == PGWIRE_CONN_EV_DATA_ROW)
			print_row(ev.msg);
		else if (ev.kind == PGWIRE_CONN_EV_ERROR)
		{
			print_error(ev.msg);
			rc = 1;
		}
		else if (ev.kind == PGWIRE_CONN_EV_PASSWORD_NEEDED)
		{
			fprintf(stderr, "the server asks for a password: set PGPASSWORD\n");
			break;
		}
		else if (ev.kind == PGWIRE_CONN_EV_READY_FOR_QUERY)
		{
			if (sent)
			{
				rc = rc == 1 ? 1 : 0;
				pgwire_conn_terminate(c);
				flush_output(fd, c);
				break;
			}
			if (pgwire_conn_query(c, argv[4], &err) != PGWIRE_OK)
				break;
			sent = 1;
		}
		if (pgwire_conn_get_state(c) == PGWIRE_CONN_CLOSED)
			break;				/* an error during startup: the server hangs up */
	}
	close(fd);
	pgwire_conn_free(c);
	return rc;
}
