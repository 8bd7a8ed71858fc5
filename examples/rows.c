/*
 * examples/rows.c
 *    A complete libpgwire program: read a saved backend stream (for
 *    example conn-1.backend written by `pgwire proxy --save`), print each
 *    message's name and the values of every DataRow.
 *
 *    cc rows.c $(pkg-config --cflags --libs pgwire) -o rows
 *    ./rows conn-1.backend
 */
#include <stdio.h>

#include <pgwire/pgwire.h>

static void
print_row(const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_value v;

	pgwire_iter_init(&it, &m->u.data_row.values);
	while (pgwire_next_value(&it, &v))
	{
		if (v.len < 0)
			printf(" NULL");
		else
			printf(" '%.*s'", (int) v.len, (const char *) v.ptr);
	}
}

int
main(int argc, char **argv)
{
	pgwire_reader *r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	FILE	   *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
	char		chunk[65536];
	size_t		n;
	int			rc = 0;

	if (r == NULL || f == NULL)
		return 2;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
	{
		pgwire_frame frame;
		pgwire_msg	msg;
		pgwire_error err;

		pgwire_reader_feed(r, chunk, n);
		while ((rc = pgwire_reader_next(r, &frame, &err)) == PGWIRE_OK)
		{
			if ((rc = pgwire_decode(&frame, NULL, &msg, &err)) != PGWIRE_OK)
				break;
			printf("%s", pgwire_msg_name(msg.kind));
			if (msg.kind == PGWIRE_MSG_DATA_ROW)
				print_row(&msg);
			printf("\n");
		}
		if (rc == PGWIRE_INCOMPLETE)
			rc = 0;
		else if (rc < 0)
			fprintf(stderr, "%s at byte %zu: %s\n", pgwire_status_name(rc), err.offset,
					err.detail);
	}
	if (rc == 0 && pgwire_reader_pending(r) > 0)
	{
		fprintf(stderr, "stream ends inside a message\n");
		rc = 1;
	}
	pgwire_reader_free(r);
	return rc == 0 ? 0 : 1;
}
