/*
 * internal.h
 *    Declarations shared by libpgwire's source files, not exported.
 */
#ifndef PGWIRE_INTERNAL_H
#define PGWIRE_INTERNAL_H

#include "pgwire/message.h"

#include <string.h>
#include <time.h>

/*
 * The opening of every *_create: a zeroed object of size bytes from
 * *alloc, NULL standing for the default allocator.  *alloc is set to the
 * allocator used, which the object keeps to free itself.  NULL when out of
 * memory.
 */
static inline void *
pgwire_alloc_object(const pgwire_allocator **alloc, size_t size)
{
	void	   *p;

	if (*alloc == NULL)
		*alloc = pgwire_default_allocator();
	p = (*alloc)->malloc(size, (*alloc)->user_data);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* Drop the first n bytes of b (all of them if n >= b->len), e.g. sent output. */
static inline void
pgwire_buf_drop(pgwire_buf *b, size_t n)
{
	if (n >= b->len)
	{
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/*
 * An Authentication request: an 'R' message that asks the client for a
 * response, which is every Authentication message but AuthenticationOk.
 */
static inline int
pgwire_is_auth_request(pgwire_msg_kind kind)
{
	switch (kind)
	{
		case PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5:
		case PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD:
		case PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD:
		case PGWIRE_MSG_AUTHENTICATION_GSS:
		case PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE:
		case PGWIRE_MSG_AUTHENTICATION_SSPI:
		case PGWIRE_MSG_AUTHENTICATION_SASL:
		case PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE:
		case PGWIRE_MSG_AUTHENTICATION_SASL_FINAL:
		case PGWIRE_MSG_AUTHENTICATION_UNKNOWN:
			return 1;
		default:
			return 0;
	}
}

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
