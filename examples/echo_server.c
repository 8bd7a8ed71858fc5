/*
 * examples/echo_server.c
 *    A complete PostgreSQL server on libpgwire's backend state machine
 *    (pgwire/server.h): answers every simple query with its own text as
 *    one row of one text column "echo".  Listens on 127.0.0.1:25387, one
 *    connection at a time, trust authentication.  tools/serve.c is the
 *    full example (extended protocol, passwords, TLS, many connections).
 *
 *    cc echo_server.c $(pkg-config --cflags --libs pgwire) -o echo_server
 *    psql "host=127.0.0.1 port=25387 user=me" -c "hello, wire"
 */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>
#include <pgwire/server.h>

static int
echo(void *arg, pgwire_backend *b, const char *sql)
{
	pgwire_column col = {{(const uint8_t *) "echo", 4}, 0, 0, 25, -1, -1, 0};

	(void) arg;
	pgwire_backend_row_description(b, 1, &col);
	pgwire_backend_row_begin(b, 1);
	pgwire_backend_row_value(b, sql, strlen(sql));
	pgwire_backend_row_end(b);
	return pgwire_backend_command_complete(b, "SELECT 1");
}

int
main(void)
{
	pgwire_backend_app app = {.query = echo};
	pgwire_backend_options opts = {.app = &app, .process_id = 1, .secret_key = 42};
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(25387)};
	int			one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0), fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bind(lfd, (struct sockaddr *) &sa, sizeof(sa));
	listen(lfd, 8);
	while ((fd = accept(lfd, NULL, NULL)) >= 0)
	{
		pgwire_backend *b = pgwire_backend_create(&opts, NULL);
		pgwire_backend_event ev;
		uint8_t		buf[8192];
		ssize_t		n;
		int			done = 0;

		while (!done && (n = read(fd, buf, sizeof(buf))) > 0)
		{
			const uint8_t *out;
			size_t		len;

			pgwire_backend_feed(b, buf, (size_t) n);
			while (pgwire_backend_next(b, &ev, NULL) == PGWIRE_OK)
				done |= ev.kind == PGWIRE_BACKEND_EV_CLOSE || ev.kind == PGWIRE_BACKEND_EV_CANCEL;
			out = pgwire_backend_output(b, &len);
			if (write(fd, out, len) != (ssize_t) len)
				break;
			pgwire_backend_consume(b, len);
		}
		pgwire_backend_free(b);
		close(fd);
	}
	return 0;
}
