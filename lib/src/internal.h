/*
 * internal.h
 *    Declarations shared by libpgwire's source files, not exported.
 */
#ifndef PGWIRE_INTERNAL_H
#define PGWIRE_INTERNAL_H

#include "pgwire/message.h"

#include <time.h>

/*
 * timestamp.c: a PostgreSQL timestamp (microseconds since 2000-01-01 UTC)
 * as UTC calendar fields and microseconds; 0 when it has no four-digit
 * year (PostgreSQL's infinity values, garbage).
 */
int			pgwire_timestamp_tm(int64_t us, struct tm *tm, int *micros);

/* catalog.c */
pgwire_msg_kind pgwire_kind_for_type(pgwire_direction dir, uint8_t type);
pgwire_msg_kind pgwire_kind_for_auth_code(int32_t code);

/* walk.c: the layout interpreter */
typedef struct pgwire_walker
{
	const uint8_t *raw;			/* first byte of the frame */
	uint64_t	base;			/* stream offset of raw[0] */
	pgwire_visit_fn fn;			/* NULL: validate (and store) only */
	void	   *arg;
	const uint8_t *stored;		/* decoded union, for LIST counts when visiting */
	const char *msgname;		/* for error details */
	uint32_t	present;		/* optional top-level fields present */
	pgwire_error *err;
} pgwire_walker;

/*
 * Interpret layout over *pp..end, advancing *pp.  store, when not NULL,
 * receives the fields at their offsets.
 */
int			pgwire_walk_fields(pgwire_walker *w, const pgwire_layout *lay,
							   const uint8_t **pp, const uint8_t *end,
							   uint8_t *store, int depth, uint32_t index);

/*
 * Next element of a validated group, decoded with lay into out (iter.c);
 * 1 when one was produced, 0 at the end.
 */
int			pgwire_iter_next_elem(pgwire_iter *it, const pgwire_layout *lay,
								  void *out);

#endif							/* PGWIRE_INTERNAL_H */
