/*
 * reader.c
 *    The incremental frame reader (after hiredis read.c): bytes are fed in
 *    any chunking and complete frames are taken out; errors are sticky.
 *
 * The buffer is compacted lazily, on the next feed, so frames handed out
 * by pgwire_reader_next() stay valid until then.
 */
#include <string.h>

#include "pgwire/frame.h"

struct pgwire_reader
{
	pgwire_direction dir;
	pgwire_phase phase;
	pgwire_limits limits;
	const pgwire_allocator *alloc;
	uint8_t    *buf;
	size_t		cap;
	size_t		start;			/* first unread byte */
	size_t		end;			/* one past the last fed byte */
	uint64_t	base;			/* stream offset of buf[0] */
	pgwire_error error;			/* sticky; status 0 when none */
};

pgwire_reader *
pgwire_reader_create(pgwire_direction dir, const pgwire_limits *lim,
					 const pgwire_allocator *alloc)
{
	pgwire_reader *r;

	if (alloc == NULL)
		alloc = pgwire_default_allocator();
	r = alloc->malloc(sizeof(*r), alloc->user_data);
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->dir = dir;
	r->phase = dir == PGWIRE_FRONTEND ? PGWIRE_PHASE_STARTUP : PGWIRE_PHASE_AUTO;
	r->limits = lim ? *lim : *pgwire_default_limits();
	r->alloc = alloc;
	return r;
}

void
pgwire_reader_free(pgwire_reader *r)
{
	if (r == NULL)
		return;
	if (r->buf)
		r->alloc->free(r->buf, r->alloc->user_data);
	r->alloc->free(r, r->alloc->user_data);
}

static int
reader_grow(pgwire_reader *r, size_t need)
{
	size_t		newcap = r->cap ? r->cap : 4096;
	uint8_t    *p;

	while (newcap < need)
	{
		if (newcap > SIZE_MAX / 2)
		{
			newcap = need;
			break;
		}
		newcap *= 2;
	}
	p = r->buf ? r->alloc->realloc(r->buf, newcap, r->alloc->user_data)
		: r->alloc->malloc(newcap, r->alloc->user_data);
	if (p == NULL)
		return PGWIRE_ERR_NOMEM;
	r->buf = p;
	r->cap = newcap;
	return PGWIRE_OK;
}

int
pgwire_reader_feed(pgwire_reader *r, const void *data, size_t len)
{
	size_t		pending;

	if (r == NULL || (data == NULL && len > 0))
		return PGWIRE_ERR_ARGUMENT;
	if (len == 0)
		return PGWIRE_OK;
	/* drop what was consumed; earlier frames are invalidated here */
	pending = r->end - r->start;
	if (r->start > 0)
	{
		memmove(r->buf, r->buf + r->start, pending);
		r->base += r->start;
		r->start = 0;
		r->end = pending;
	}
	if (len > SIZE_MAX - pending)
		return PGWIRE_ERR_RANGE;
	if (pending + len > r->cap && reader_grow(r, pending + len) != PGWIRE_OK)
		return PGWIRE_ERR_NOMEM;
	memcpy(r->buf + r->end, data, len);
	r->end += len;
	return PGWIRE_OK;
}

/* Phase changes that the frame itself shows. */
static void
advance_phase(pgwire_reader *r, const pgwire_frame *f)
{
	if (f->kind == PGWIRE_FRAME_UNTYPED && f->body_len >= 4)
	{
		uint32_t	code = ((uint32_t) f->body[0] << 24) | ((uint32_t) f->body[1] << 16) |
			((uint32_t) f->body[2] << 8) | f->body[3];

		/* after SSL/GSS requests another untyped packet (or TLS) follows */
		if (code >> 16 != 1234)
			r->phase = PGWIRE_PHASE_TYPED;
	}
	else if (f->kind == PGWIRE_FRAME_BYTE)
	{
		if (f->type == 'S' || f->type == 'G')
			r->phase = PGWIRE_PHASE_ENCRYPTED;
		else if (r->phase != PGWIRE_PHASE_AUTO)
			r->phase = PGWIRE_PHASE_TYPED;
	}
	else if (r->dir == PGWIRE_BACKEND)
		r->phase = PGWIRE_PHASE_TYPED;	/* incl. an ErrorResponse as the answer */
}

int
pgwire_reader_next(pgwire_reader *r, pgwire_frame *out, pgwire_error *err)
{
	pgwire_error local;
	pgwire_phase phase;
	uint8_t		first;
	int			inferred = 0;
	int			rc;

	if (r == NULL || out == NULL)
		return PGWIRE_ERR_ARGUMENT;
	if (r->error.status != PGWIRE_OK)
	{
		if (err)
			*err = r->error;
		return r->error.status;
	}
	if (r->phase == PGWIRE_PHASE_ENCRYPTED)
		return pgwire_error_set(err, PGWIRE_ERR_ENCRYPTED, r->base + r->start,
								"the connection switched to encryption; the bytes are not protocol messages");
	if (r->start == r->end)
		return PGWIRE_INCOMPLETE;

	phase = r->phase;
	first = r->buf[r->start];
	if (phase == PGWIRE_PHASE_AUTO && r->dir == PGWIRE_BACKEND)
	{
		/* before the first typed message: the PGWIRE_PHASE_AUTO rule */
		int			answer = pgwire_backend_starts_with_answer(r->buf + r->start,
															   r->end - r->start);

		if (answer < 0)
			return PGWIRE_INCOMPLETE;
		if (answer)
		{
			phase = first == 'G' ? PGWIRE_PHASE_GSS_ANSWER : PGWIRE_PHASE_SSL_ANSWER;
			inferred = 1;
		}
		else
			phase = PGWIRE_PHASE_TYPED;
	}
	else if (phase == PGWIRE_PHASE_STARTUP && first == 0x16)
	{
		/* a TLS handshake record: direct SSL, or TLS after an 'S' answer */
		r->phase = PGWIRE_PHASE_ENCRYPTED;
		return pgwire_error_set(err, PGWIRE_ERR_ENCRYPTED, r->base + r->start,
								"a TLS handshake starts here; the bytes are not protocol messages");
	}

	rc = pgwire_frame_parse(r->buf + r->start, r->end - r->start, r->dir,
							phase, &r->limits, r->base + r->start, out, &local);
	if (rc == PGWIRE_OK)
	{
		if (inferred)
		{
			out->inferred = 1;
			/* 'N' refuses either request; which one is not known here */
			if (out->type == 'N')
				out->request = 0;
		}
		r->start += out->raw_len;
		advance_phase(r, out);
	}
	else if (rc < 0)
	{
		r->error = local;
		if (err)
			*err = local;
	}
	return rc;
}

size_t
pgwire_reader_pending(const pgwire_reader *r)
{
	return r->end - r->start;
}

size_t
pgwire_reader_take_raw(pgwire_reader *r, const uint8_t **data, uint64_t *offset)
{
	size_t		n = r->end - r->start;

	/* never fed: no buffer to point into */
	*data = r->buf ? r->buf + r->start : (const uint8_t *) "";
	if (offset)
		*offset = r->base + r->start;
	r->start = r->end;
	return n;
}

pgwire_phase
pgwire_reader_phase(const pgwire_reader *r)
{
	return r->phase;
}

void
pgwire_reader_set_phase(pgwire_reader *r, pgwire_phase phase)
{
	r->phase = phase;
}

uint64_t
pgwire_reader_offset(const pgwire_reader *r)
{
	return r->base + r->start;
}
