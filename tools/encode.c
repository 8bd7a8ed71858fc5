/*
 * tools/encode.c
 *    pgwire encode: JSON Lines in (each line one message object, a raw
 *    record, or an array of them, the schema pgwire decode writes), wire
 *    bytes out.  encode(decode(bytes)) == bytes.
 *
 * Conversation JSON (from decode --conversation or the proxy) mixes both
 * directions; --direction picks one, since a byte stream holds one
 * direction.  The "conn" key the proxy puts first on each line is skipped.
 * jansson only reads the directions; the bytes come from
 * pgwire_json_encode(), so one JSON reader defines the schema.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

typedef struct encode_state
{
	int			want_dir;		/* -1: every line, else that direction */
	int			seen_dir;		/* -1 none yet; first direction seen */
	pgwire_buf	out;
	FILE	   *f;
} encode_state;

static void
encode_usage(FILE *f)
{
	fprintf(f,
			"Usage: pgwire encode [OPTION...] [FILE|-]\n"
			"\n"
			"Turn JSON Lines (the output of pgwire decode --format json) back into\n"
			"wire bytes.\n"
			"\n"
			"  -o, --output FILE    write the bytes to FILE (default standard output)\n"
			"  -d, --direction frontend|backend  encode only that direction's lines\n"
			"                       (needed when the input holds both)\n");
}

/* The direction of a message object, or -1 if it names none. */
static int
object_direction(json_t *o)
{
	json_t	   *d = json_object_get(o, "direction");

	if (!json_is_string(d))
		return -1;
	return tool_parse_direction(json_string_value(d));
}

/* Skip a leading "conn":N, key (the proxy's): returns the object text. */
static char *
strip_conn(char *line, size_t *len)
{
	char	   *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "{\"conn\":", 8) != 0)
		return line;
	p += 8;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != ',')
		return line;
	*p = '{';
	*len -= (size_t) (p - line);
	return p;
}

/*
 * Encode one line.  Returns 0, 1 when the line was skipped, or -1 after
 * printing the error.
 */
static int
encode_line(encode_state *st, char *line, size_t len, long lineno)
{
	json_error_t jerr;
	json_t	   *j;
	pgwire_error err;
	int			rc;
	char	   *dumped = NULL;

	line = strip_conn(line, &len);
	j = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (j != NULL && json_is_object(j) && json_object_get(j, "event") != NULL)
	{
		/* a proxy event line (open, close, encrypted ...): no bytes */
		json_decref(j);
		return 1;
	}
	if (j != NULL && json_is_object(j))
	{
		int			d = object_direction(j);

		if (st->want_dir >= 0 && d >= 0 && d != st->want_dir)
		{
			json_decref(j);
			return 1;
		}
		if (st->want_dir < 0 && d >= 0)
		{
			if (st->seen_dir >= 0 && d != st->seen_dir)
			{
				tool_err("line %ld: the input holds both directions; choose one with --direction",
						 lineno);
				json_decref(j);
				return -1;
			}
			st->seen_dir = d;
		}
	}
	else if (j != NULL && json_is_array(j) && st->want_dir >= 0)
	{
		/* keep only the wanted direction's elements */
		json_t	   *keep = json_array();
		size_t		i;
		json_t	   *e;

		json_array_foreach(j, i, e)
		{
			if (object_direction(e) != 1 - st->want_dir)
				json_array_append(keep, e);
		}
		if (json_array_size(keep) != json_array_size(j))
		{
			if (json_array_size(keep) == 0)
			{
				json_decref(keep);
				json_decref(j);
				return 1;
			}
			dumped = json_dumps(keep, JSON_COMPACT | JSON_ENCODE_ANY);
		}
		json_decref(keep);
	}
	json_decref(j);

	memset(&err, 0, sizeof(err));
	rc = pgwire_json_encode(dumped ? dumped : line, dumped ? strlen(dumped) : len,
							&st->out, &err);
	free(dumped);
	if (rc != PGWIRE_OK)
	{
		tool_err("line %ld, character %zu: %s: %s", lineno, err.offset + 1,
				 pgwire_status_name(rc), err.detail[0] ? err.detail : pgwire_strerror(rc));
		return -1;
	}
	return 0;
}

int
cmd_encode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"direction", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	encode_state st;
	const char *outpath = NULL;
	FILE	   *in;
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		n;
	long		lineno = 0;
	int			opt,
				status = 0;

	memset(&st, 0, sizeof(st));
	st.want_dir = -1;
	st.seen_dir = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:d:h", longopts, NULL)) != -1)
	{
		switch (opt)
		{
			case 'o':
				outpath = optarg;
				break;
			case 'd':
				if ((st.want_dir = tool_parse_direction(optarg)) < 0)
				{
					tool_err("--direction must be frontend or backend, not \"%s\"", optarg);
					return EXIT_USAGE;
				}
				break;
			case 'h':
				encode_usage(stdout);
				return 0;
			default:
				encode_usage(stderr);
				return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
	{
		encode_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0)
	{
		if ((in = fopen(argv[optind], "r")) == NULL)
		{
			tool_err("could not open \"%s\": %m", argv[optind]);
			return EXIT_USAGE;
		}
	}
	else
		in = stdin;
	st.f = stdout;
	if (outpath != NULL && strcmp(outpath, "-") != 0 &&
		(st.f = fopen(outpath, "wb")) == NULL)
	{
		tool_err("could not create \"%s\": %m", outpath);
		return EXIT_USAGE;
	}
	pgwire_buf_init(&st.out, NULL);
	while ((n = getline(&line, &cap, in)) >= 0)
	{
		size_t		len = (size_t) n;
		size_t		i;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (i == len)
			continue;
		if (encode_line(&st, line, len, lineno) < 0)
		{
			status = EXIT_INPUT_ERROR;
			break;
		}
		if (st.out.len >= 65536)
		{
			if (fwrite(st.out.data, 1, st.out.len, st.f) != st.out.len)
				status = EXIT_USAGE;
			pgwire_buf_reset(&st.out);
		}
	}
	if (st.out.len > 0 && fwrite(st.out.data, 1, st.out.len, st.f) != st.out.len)
		status = EXIT_USAGE;
	if (fflush(st.f) != 0 || (st.f != stdout && fclose(st.f) != 0))
	{
		tool_err("could not write the output: %m");
		status = EXIT_USAGE;
	}
	if (in != stdin)
		fclose(in);
	free(line);
	pgwire_buf_free(&st.out);
	return status;
}
