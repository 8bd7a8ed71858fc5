/*
 * tools/util.h
 *    Small helpers shared by the pgwire subcommands: whole-file input,
 *    direction names, and error output to stderr.
 */
#ifndef PGWIRE_TOOLS_UTIL_H
#define PGWIRE_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/pgwire.h"

/* Exit statuses of every subcommand. */
#define EXIT_INPUT_ERROR 1
#define EXIT_USAGE 2

/*
 * Read all of path ("-" or NULL: standard input) into a malloc'd buffer.
 * Returns 0 and sets *data and *len (data may be NULL when len is 0), or -1
 * after printing the reason to stderr.
 */
int			tool_read_all(const char *path, uint8_t **data, size_t *len);

/* "frontend"/"backend" to a direction; -1 if neither. */
int			tool_parse_direction(const char *s);

/* "frontend" or "backend". */
const char *tool_direction_name(pgwire_direction dir);

/* Print "pgwire: " and the printf message and a newline to stderr. */
void		tool_err(const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 1, 2)))
#endif
			;

#endif							/* PGWIRE_TOOLS_UTIL_H */
