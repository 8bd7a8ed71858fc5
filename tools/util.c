/*
 * tools/util.c
 *    Helpers shared by the pgwire subcommands (see util.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
tool_read_all(const char *path, uint8_t **data, size_t *len)
{
	FILE	   *f;
	uint8_t    *buf = NULL;
	size_t		n = 0,
				cap = 0;
	int			stdin_input = (path == NULL || strcmp(path, "-") == 0);

	f = stdin_input ? stdin : fopen(path, "rb");
	if (f == NULL)
	{
		tool_err("could not open \"%s\": %s", path, strerror(errno));
		return -1;
	}
	for (;;)
	{
		size_t		got;

		if (cap - n < 65536)
		{
			size_t		ncap = cap ? cap * 2 : 262144;
			uint8_t    *nbuf = realloc(buf, ncap);

			if (nbuf == NULL)
			{
				tool_err("out of memory reading \"%s\"", stdin_input ? "-" : path);
				free(buf);
				if (!stdin_input)
					fclose(f);
				return -1;
			}
			buf = nbuf;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
	{
		tool_err("could not read \"%s\": %s", stdin_input ? "-" : path, strerror(errno));
		free(buf);
		if (!stdin_input)
			fclose(f);
		return -1;
	}
	if (!stdin_input)
		fclose(f);
	*data = buf;
	*len = n;
	return 0;
}

int
tool_parse_direction(const char *s)
{
	if (strcmp(s, "frontend") == 0 || strcmp(s, "F") == 0)
		return PGWIRE_FRONTEND;
	if (strcmp(s, "backend") == 0 || strcmp(s, "B") == 0)
		return PGWIRE_BACKEND;
	return -1;
}

const char *
tool_direction_name(pgwire_direction dir)
{
	return dir == PGWIRE_FRONTEND ? "frontend" : "backend";
}

void
tool_err(const char *fmt,...)
{
	va_list		ap;

	fputs("pgwire: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
