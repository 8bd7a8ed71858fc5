/*
 * test/clients/trace_stream.c
 *    Print one saved direction of a connection (a relay.py capture file) as
 *    libpgwire's PQtrace lines, or as byte maps, for suite 25-pqtrace.
 *
 *    trace_stream frontend|backend FILE [regress|explain]
 *
 * Frames with pgwire_reader, decodes with pgwire_decode (unknown type
 * bytes allowed) and prints pgwire_trace_write() output with
 * PGWIRE_TRACE_SUPPRESS_TIMESTAMPS (plus REGRESS_MODE with "regress"), or
 * pgwire_explain_write() output with "explain".  Exits 1 on any framing or
 * decode error (reported on stderr with its offset).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/frame.h"
#include "pgwire/message.h"
#include "pgwire/render.h"

static int
slurp(const char *path, pgwire_buf *b)
{
	FILE	   *f = fopen(path, "rb");
	char		chunk[65536];
	size_t		n;

	if (f == NULL)
	{
		perror(path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		pgwire_buf_append(b, chunk, n);
	fclose(f);
	return b->status;
}

int
main(int argc, char **argv)
{
	pgwire_direction dir;
	pgwire_buf	in,
				out;
	pgwire_reader *r;
	pgwire_context ctx = {PGWIRE_MSG_INVALID, PGWIRE_DECODE_UNKNOWN};
	unsigned	flags = PGWIRE_TRACE_SUPPRESS_TIMESTAMPS;
	int			explain = 0;
	int			rc;

	if (argc < 3 || (strcmp(argv[1], "frontend") != 0 && strcmp(argv[1], "backend") != 0))
	{
		fprintf(stderr, "usage: trace_stream frontend|backend FILE [regress|explain]\n");
		return 2;
	}
	dir = strcmp(argv[1], "frontend") == 0 ? PGWIRE_FRONTEND : PGWIRE_BACKEND;
	if (argc > 3 && strcmp(argv[3], "regress") == 0)
		flags |= PGWIRE_TRACE_REGRESS_MODE;
	if (argc > 3 && strcmp(argv[3], "explain") == 0)
		explain = 1;
	pgwire_buf_init(&in, NULL);
	pgwire_buf_init(&out, NULL);
	if (slurp(argv[2], &in) != 0)
		return 2;
	r = pgwire_reader_create(dir, NULL, NULL);
	if (r == NULL || pgwire_reader_feed(r, in.data, in.len) != PGWIRE_OK)
		return 2;
	for (;;)
	{
		pgwire_frame fr;
		pgwire_msg	m;
		pgwire_error err;

		rc = pgwire_reader_next(r, &fr, &err);
		if (rc == PGWIRE_INCOMPLETE && pgwire_reader_pending(r) == 0)
		{
			rc = 0;
			break;
		}
		if (rc != PGWIRE_OK)
		{
			fprintf(stderr, "trace_stream: %s at offset %zu: %s\n",
					pgwire_status_name(rc), err.offset, err.detail);
			rc = 1;
			break;
		}
		if ((rc = pgwire_decode(&fr, &ctx, &m, &err)) != PGWIRE_OK)
		{
			fprintf(stderr, "trace_stream: %s at offset %zu: %s\n",
					pgwire_status_name(rc), err.offset, err.detail);
			rc = 1;
			break;
		}
		pgwire_buf_reset(&out);
		if (explain)
		{
			printf("%s\n", pgwire_msg_name(m.kind));
			rc = pgwire_explain_write(&m, &out);
		}
		else
			rc = pgwire_trace_write(&m, &out, flags, 0);
		if (rc != PGWIRE_OK)
		{
			fprintf(stderr, "trace_stream: render: %s\n", pgwire_status_name(rc));
			rc = 1;
			break;
		}
		fwrite(out.data, 1, out.len, stdout);
	}
	pgwire_reader_free(r);
	pgwire_buf_free(&in);
	pgwire_buf_free(&out);
	return rc;
}
