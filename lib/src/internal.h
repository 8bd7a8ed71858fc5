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

/*
 * json_out.c: the JSON writers of byte strings, shared with relcache.c's
 * tuple objects.  put_text: a string when strict UTF-8 without NUL, else
 * {"hex":...}, the lossless rule of the JSON schema; put_hex: always
 * {"hex":...}; put_lossy: always a string, U+FFFD for each byte that is
 * not part of strict UTF-8 (for keys and our own error details).
 */
extern void pgwire_json_put_text(pgwire_buf *b, const uint8_t *s, size_t n);
extern void pgwire_json_put_hex(pgwire_buf *b, const uint8_t *s, size_t n);
extern void pgwire_json_put_lossy(pgwire_buf *b, const uint8_t *s, size_t n);

/*
 * pgoutput.c: PGWIRE_OK when the encoded pgoutput message p[0..n) decodes
 * under protocol 4 (inside a streamed block when present has bit 0, the
 * xid), else the decoder's status and detail.  Both encoders (replication.c
 * from a pgwire_msg, json_in.c from JSON) refuse what it refuses.
 */
extern int	pgwire_pgoutput_verify(const uint8_t *p, size_t n, uint32_t present,
								   pgwire_error *err);

/*
 * json_out.c: whether visit v of m is the trailing Byten that holds
 * m->inner, the message the session tracker decoded from it (message.h);
 * the JSON writer and the byte map show that message in its place.
 */
extern int	pgwire_carries_inner(const pgwire_msg *m, const pgwire_visit *v);

/* pgoutput Insert, Update, Delete: the kinds msg->relation is for */
static inline int
pgwire_is_lr_change(pgwire_msg_kind kind)
{
	return kind == PGWIRE_MSG_LR_INSERT || kind == PGWIRE_MSG_LR_UPDATE ||
		kind == PGWIRE_MSG_LR_DELETE;
}

/*
 * relcache.c: pgwire_tuple_json() with key_only (only the replica
 * identity's columns, for an old tuple sent as 'K'); and the readable
 * additions to a decoded Insert, Update or Delete m (m->relation set) that
 * json_out.c writes after its fields:
 *   ,"relation":"ns.name","column_types":{"col":OID,...},
 *   "old":{...} (Delete; Update with an old tuple), "new":{...} (Insert,
 *   Update)
 * Both return out's status.
 */
extern int	pgwire_tuple_json_cols(const struct pgwire_relcache_rel *rel, const pgwire_group *tuple,
								   int key_only, pgwire_buf *out);
extern int	pgwire_change_json(const pgwire_msg *m, pgwire_buf *out);

/*
 * Length of the strict UTF-8 sequence at s (a byte >= 0x80), or 0: the
 * rule of utf8.h.  Inline, since json_out.c runs it on every non-ASCII
 * byte of text it writes.
 */
static inline size_t
pgwire_utf8_seq(const uint8_t *s, size_t avail)
{
	uint8_t		c = s[0];
	size_t		n;
	uint8_t		lo = 0x80,
				hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
	{
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;			/* overlong */
		else if (c == 0xed)
			hi = 0x9f;			/* surrogates */
	}
	else if (c >= 0xf0 && c <= 0xf4)
	{
		n = 4;
		if (c == 0xf0)
			lo = 0x90;			/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;			/* above U+10FFFF */
	}
	else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}


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

/*
 * decode.c: pgwire_decode() without the fast paths of the hot messages,
 * only the catalogue-driven walk; for the unit tests, which check that
 * both agree on every input (status, detail, offset and the decoded
 * message).
 */
int			pgwire_decode_generic(const pgwire_frame *frame, const pgwire_context *ctx,
								  pgwire_msg *out, pgwire_error *err);

/*
 * decode.c: NULL when the catalogue still has the layouts that the fast
 * paths of decode.c and pgwire_next_column() read by hand, else which
 * assumption no longer holds.  Checked by the unit tests, so a change to
 * catalog.c cannot leave a fast path silently decoding the old layout.
 */
const char *pgwire_fast_paths_check(void);

/*
 * A RowDescription column after its name: table OID, attnum, type OID,
 * type size, type modifier, format (4+2+4+2+4+2 bytes; the catalogue's
 * column layout, as pgwire_fast_paths_check() verifies).
 */
#define PGWIRE_COLUMN_FIXED_BYTES 18

/*
 * First NUL byte in p[0..n), or NULL.  Names and tags are short: the first
 * 32 bytes are searched here, 8 at a time where the byte order allows,
 * which beats the call into memchr; longer strings (query text) go on with
 * memchr.
 */
static inline const uint8_t *
pgwire_find_nul(const uint8_t *p, size_t n)
{
	size_t		i = 0;
	size_t		head = n < 32 ? n : 32;

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= head; i += 8)
	{
		uint64_t	w;
		uint64_t	zero;

		memcpy(&w, p + i, 8);
		/* the lowest 0x80 bit set marks the first zero byte */
		zero = (w - 0x0101010101010101u) & ~w & 0x8080808080808080u;
		if (zero)
			return p + i + (size_t) (__builtin_ctzll(zero) >> 3);
	}
#endif
	for (; i < head; i++)
	{
		if (p[i] == 0)
			return p + i;
	}
	return n > 32 ? memchr(p + 32, 0, n - 32) : NULL;
}

#endif							/* PGWIRE_INTERNAL_H */
