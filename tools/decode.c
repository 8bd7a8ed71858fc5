/*
 * tools/decode.c
 *    pgwire decode: a saved byte stream (or two, one per direction) in,
 *    one line per message out: JSON Lines, libpq PQtrace lines, or byte
 *    maps.
 *
 * One direction is decoded with a pgwire_session fed only that direction,
 * so messages whose kind depends on the other side are decoded as far as
 * one side allows and marked inferred.  --conversation decodes both saved
 * directions of a connection with pgwire_conversation, which rebuilds the
 * context from the protocol's turn-taking.
 *
 * Bytes that are not a message (a malformed frame, an encrypted tail, an
 * incomplete end) become raw records, so that the JSON output still encodes
 * back to the input byte for byte; malformed bytes make the exit status 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "util.h"

/* Feed the session this much at a time so its buffer stays small. */
#define FEED_CHUNK (1024 * 1024)
/* Write the rendered text out when it grows past this. */
#define FLUSH_AT (64 * 1024)

typedef struct decode_out
{
	out_opts	opts;
	pgwire_buf	text;
	FILE	   *f;
	int			failed;			/* an output error occurred */
} decode_out;

static void
decode_usage(FILE *f)
{
	fprintf(f,
			"Usage: pgwire decode [OPTION...] [FILE|-]\n"
			"       pgwire decode --conversation CLIENT_FILE SERVER_FILE [OPTION...]\n"
			"\n"
			"Decode a saved protocol byte stream, one message per line.\n"
			"\n"
			"  -d, --direction frontend|backend  who sent FILE (default: backend if\n"
			"                       FILE ends in .backend, else frontend)\n"
			"  -c, --conversation   FILE pair: frontend then backend stream of one\n"
			"                       connection (pgwire proxy --save writes them)\n"
			"  -f, --format json|trace|explain   JSON Lines (default), libpq PQtrace\n"
			"                       lines, or annotated byte maps\n"
			"  -r, --regress        trace: PQtrace regress mode (hide OIDs etc.)\n"
			"  -O, --offsets        show each message's offset in its stream\n"
			"\n"
			"Bytes that are not a message are printed as raw records with the\n"
			"error; exit status 1 if there were any (encrypted bytes excepted).\n");
}

static int
flush_text(decode_out *d, int force)
{
	if (d->text.status != PGWIRE_OK)
	{
		tool_err("formatting failed: %s", pgwire_strerror(d->text.status));
		d->failed = 1;
		pgwire_buf_reset(&d->text);
		return -1;
	}
	if (d->text.len > 0 && (force || d->text.len >= FLUSH_AT))
	{
		if (fwrite(d->text.data, 1, d->text.len, d->f) != d->text.len)
			d->failed = 1;
		pgwire_buf_reset(&d->text);
	}
	return 0;
}

/*
 * Did the session hand back one well-framed message whose body failed to
 * decode (decoding goes on after it), rather than a sticky framing error
 * with every pending byte?
 */
static int
is_frame_error(int rc, const pgwire_msg *m)
{
	const pgwire_frame *fr = &m->frame;

	if (rc == PGWIRE_ERR_LENGTH || rc == PGWIRE_ERR_STATE ||
		rc == PGWIRE_ERR_NOMEM || rc == PGWIRE_ERR_ARGUMENT || fr->raw_len == 0)
		return 0;
	switch (fr->kind)
	{
		case PGWIRE_FRAME_TYPED:
			return fr->raw_len >= 5 && fr->raw_len == (size_t) fr->length + 1;
		case PGWIRE_FRAME_UNTYPED:
			return fr->raw_len == fr->length;
		case PGWIRE_FRAME_BYTE:
			return fr->raw_len == 1;
	}
	return 0;
}

/*
 * A backend stream that is a single 'S', 'N' or 'G' byte: the answer to
 * SSLRequest or GSSENCRequest and nothing after it (the client gave up,
 * e.g. sslmode=require refused).  The session cannot tell it from the
 * first byte of a message until the stream ends, which only the caller
 * knows.  Returns 1 if it was printed as such.
 */
static int
decode_lone_answer(decode_out *d, pgwire_direction dir, const uint8_t *data)
{
	pgwire_frame fr;
	pgwire_msg	m;
	pgwire_phase phase = data[0] == 'G' ? PGWIRE_PHASE_GSS_ANSWER : PGWIRE_PHASE_SSL_ANSWER;

	if (dir != PGWIRE_BACKEND || (data[0] != 'S' && data[0] != 'N' && data[0] != 'G'))
		return 0;
	if (pgwire_frame_parse(data, 1, dir, phase, NULL, 0, &fr, NULL) != PGWIRE_OK)
		return 0;
	fr.inferred = 1;
	if (pgwire_decode(&fr, NULL, &m, NULL) != PGWIRE_OK)
		return 0;
	m.inferred = 1;
	out_message(&d->opts, &m, 0, &d->text);
	return 1;
}

/*
 * Where the messages come from: one direction's bytes fed to a session a
 * chunk at a time, or a conversation of both saved directions.
 */
typedef struct decode_src
{
	pgwire_session *session;	/* one direction, or NULL */
	pgwire_direction dir;
	const uint8_t *data;
	size_t		len;
	size_t		fed;			/* bytes given to the session */
	size_t		consumed;		/* bytes printed as messages or records */
	pgwire_conversation *conv;	/* both directions, or NULL */
	int			stalled;		/* conversation errors in a row that consumed nothing */
	int			errors;			/* malformed input seen; -1: out of memory */
} decode_src;

/*
 * A session result other than a message: feed more, or print what cannot
 * be decoded.  Returns 1 when the stream is done.
 */
static int
session_other(decode_out *d, decode_src *src, int rc, pgwire_msg *m, pgwire_error *err)
{
	const uint8_t *rest = src->data + src->consumed;
	size_t		rest_len = src->len - src->consumed;

	if (rc == PGWIRE_INCOMPLETE)
	{
		if (src->fed < src->len)
		{
			size_t		n = src->len - src->fed < FEED_CHUNK ? src->len - src->fed : FEED_CHUNK;

			if (pgwire_session_feed(src->session, src->dir, src->data + src->fed, n) != PGWIRE_OK)
			{
				tool_err("out of memory");
				src->errors = -1;
				return 1;
			}
			src->fed += n;
			return 0;
		}
		if (src->consumed == 0 && src->len == 1 && decode_lone_answer(d, src->dir, src->data))
			return 1;
		if (rest_len > 0)
		{
			pgwire_error_set(err, PGWIRE_ERR_TRUNCATED, src->consumed,
							 "the stream ends inside a message (%zu bytes left over)", rest_len);
			out_raw(&d->opts, src->dir, src->consumed, rest, rest_len, err, &d->text);
			src->errors++;
		}
		return 1;
	}
	if (rc == PGWIRE_ERR_ENCRYPTED)
	{
		/* all the rest is TLS/GSSAPI: one record, not an error */
		out_raw(&d->opts, src->dir, src->consumed, rest, rest_len, err, &d->text);
		return 1;
	}
	src->errors++;
	if (is_frame_error(rc, m))
	{
		out_raw(&d->opts, src->dir, src->consumed, m->frame.raw, m->frame.raw_len, err,
				&d->text);
		src->consumed += m->frame.raw_len;
		return 0;
	}
	/* framing lost: everything from here on is one raw record */
	if (err->status == PGWIRE_OK)
		pgwire_error_set(err, rc, src->consumed, "%s", pgwire_strerror(rc));
	out_raw(&d->opts, src->dir, src->consumed, rest, rest_len, err, &d->text);
	return 1;
}

/*
 * A conversation result other than a message: print the bytes it could
 * not decode.  Returns 1 when the conversation is done.
 */
static int
conversation_other(decode_out *d, decode_src *src, int rc, pgwire_msg *m, pgwire_error *err)
{
	if (rc == PGWIRE_DONE)
		return 1;
	if (m->frame.raw_len > 0)
	{
		if (rc == PGWIRE_INCOMPLETE && err->status == PGWIRE_OK)
			pgwire_error_set(err, PGWIRE_ERR_TRUNCATED, m->frame.offset,
							 "the %s stream ends inside a message",
							 tool_direction_name(m->frame.direction));
		out_raw(&d->opts, m->frame.direction, m->frame.offset, m->frame.raw,
				m->frame.raw_len, err, &d->text);
		if (rc != PGWIRE_ERR_ENCRYPTED)
			src->errors++;
		src->stalled = 0;
		return 0;
	}
	/* an error that consumed nothing: report once, then give up */
	tool_err("%s: %s", pgwire_status_name(rc),
			 err->detail[0] ? err->detail : pgwire_strerror(rc));
	src->errors++;
	return ++src->stalled > 1 || rc == PGWIRE_INCOMPLETE;
}

/* Print every message and record of src; the exit status. */
static int
decode_src_run(decode_out *d, decode_src *src)
{
	for (;;)
	{
		pgwire_msg	m;
		pgwire_error err;
		int			rc;

		memset(&m, 0, sizeof(m));
		memset(&err, 0, sizeof(err));
		rc = src->conv ? pgwire_conversation_next(src->conv, &m, &err)
			: pgwire_session_next(src->session, src->dir, &m, &err);
		if (rc == PGWIRE_OK)
		{
			out_message(&d->opts, &m, 0, &d->text);
			src->consumed += m.frame.raw_len;
			src->stalled = 0;
		}
		else if (src->conv ? conversation_other(d, src, rc, &m, &err)
				 : session_other(d, src, rc, &m, &err))
			break;
		flush_text(d, 0);
	}
	flush_text(d, 1);
	if (src->errors < 0)
		return EXIT_USAGE;
	return src->errors > 0 ? EXIT_INPUT_ERROR : 0;
}

static int
decode_one(decode_out *d, pgwire_direction dir, const uint8_t *data, size_t len)
{
	decode_src	src = {0};
	int			rc;

	src.session = pgwire_session_create(NULL, NULL);
	if (src.session == NULL)
	{
		tool_err("out of memory");
		return EXIT_USAGE;
	}
	src.dir = dir;
	src.data = data;
	src.len = len;
	rc = decode_src_run(d, &src);
	pgwire_session_free(src.session);
	return rc;
}

static int
decode_conversation(decode_out *d, const uint8_t *fe, size_t fe_len,
					const uint8_t *be, size_t be_len)
{
	decode_src	src = {0};
	int			rc;

	src.conv = pgwire_conversation_create(fe, fe_len, be, be_len, NULL, NULL);
	if (src.conv == NULL)
	{
		tool_err("out of memory");
		return EXIT_USAGE;
	}
	rc = decode_src_run(d, &src);
	pgwire_conversation_free(src.conv);
	return rc;
}

/*
 * Without --direction: a file named like pgwire proxy --save's
 * (*.frontend, *.backend) says whose it is; anything else is frontend.
 */
static int
direction_from_name(const char *path)
{
	size_t		n = path ? strlen(path) : 0;

	if (n >= 8 && strcmp(path + n - 8, ".backend") == 0)
		return PGWIRE_BACKEND;
	return PGWIRE_FRONTEND;
}

int
cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"direction", required_argument, NULL, 'd'},
		{"conversation", no_argument, NULL, 'c'},
		{"format", required_argument, NULL, 'f'},
		{"regress", no_argument, NULL, 'r'},
		{"offsets", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	decode_out	d;
	int			dir = -1;
	int			conversation = 0;
	int			opt,
				rc;

	memset(&d, 0, sizeof(d));
	d.opts.format = OUT_JSON;
	d.f = stdout;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:cf:rOh", longopts, NULL)) != -1)
	{
		switch (opt)
		{
			case 'd':
				if ((dir = tool_parse_direction(optarg)) < 0)
				{
					tool_err("--direction must be frontend or backend, not \"%s\"", optarg);
					return EXIT_USAGE;
				}
				break;
			case 'c':
				conversation = 1;
				break;
			case 'f':
				if ((rc = out_parse_format(optarg)) < 0)
				{
					tool_err("--format must be json, trace or explain, not \"%s\"", optarg);
					return EXIT_USAGE;
				}
				d.opts.format = (out_format) rc;
				break;
			case 'r':
				d.opts.regress = 1;
				break;
			case 'O':
				d.opts.offsets = 1;
				break;
			case 'h':
				decode_usage(stdout);
				return 0;
			default:
				decode_usage(stderr);
				return EXIT_USAGE;
		}
	}
	pgwire_buf_init(&d.text, NULL);
	if (conversation)
	{
		uint8_t    *fe = NULL,
				   *be = NULL;
		size_t		fe_len,
					be_len;

		if (argc - optind != 2)
		{
			tool_err("--conversation needs two files: CLIENT_FILE SERVER_FILE");
			return EXIT_USAGE;
		}
		if (tool_read_all(argv[optind], &fe, &fe_len) < 0)
			return EXIT_USAGE;
		if (tool_read_all(argv[optind + 1], &be, &be_len) < 0)
		{
			free(fe);
			return EXIT_USAGE;
		}
		rc = decode_conversation(&d, fe, fe_len, be, be_len);
		free(fe);
		free(be);
	}
	else
	{
		uint8_t    *data = NULL;
		size_t		len;

		if (argc - optind > 1)
		{
			tool_err("decode takes one file (or --conversation CLIENT_FILE SERVER_FILE)");
			return EXIT_USAGE;
		}
		if (dir < 0)
			dir = direction_from_name(optind < argc ? argv[optind] : NULL);
		if (tool_read_all(optind < argc ? argv[optind] : NULL, &data, &len) < 0)
			return EXIT_USAGE;
		rc = decode_one(&d, (pgwire_direction) dir, data, len);
		free(data);
	}
	pgwire_buf_free(&d.text);
	if (fflush(stdout) != 0 || d.failed)
	{
		tool_err("could not write the output");
		return EXIT_USAGE;
	}
	return rc;
}
