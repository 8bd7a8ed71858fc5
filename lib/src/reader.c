/*
 * reader.c
 *    The incremental frame reader (after hiredis read.c): bytes are fed in
 *    any chunking and complete frames are taken out; errors are sticky.
 *
 * The buffer is compacted lazily, on the next feed, so frames handed out
 * by pgwire_reader_next() stay valid until then.
 *
 * pgwire_reader_feed_borrowed() avoids the copy: the caller's chunk is
 * kept as a second window ("ext") that frames are read from directly once
 * the internal buffer is drained.  Only the bytes that complete a frame
 * begun in an earlier chunk are copied in, and what is left of the chunk
 * when the next feed comes (a frame that continues in the next chunk).
 */
#include <string.h>

#include "pgwire/frame.h"
#include "wire.h"




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
	uint32_t	small_limit;	/* a length no type's limit is below */
	const uint8_t *ext;			/* borrowed chunk, read after buf; or NULL */
	size_t		ext_len;
	size_t		ext_pos;		/* first unread byte of ext */
	uint64_t	ext_base;		/* stream offset of ext[0] */
};

/* The bytes pgwire_reader_next() reads next. */
typedef struct window
{
	const uint8_t *p;
	size_t		len;
	uint64_t	off;			/* stream offset of p[0] */
} window;

/* The internal buffer while it holds bytes, then the borrowed chunk. */
static inline void
cur_window(const pgwire_reader *r, window *w)
{
	if (r->start < r->end || r->ext == NULL)
	{
		w->p = r->buf ? r->buf + r->start : NULL;	/* never fed: no buffer */
		w->len = r->end - r->start;
		w->off = r->base + r->start;
	}
	else
	{
		w->p = r->ext + r->ext_pos;
		w->len = r->ext_len - r->ext_pos;
		w->off = r->ext_base + r->ext_pos;
	}
}

/* Mark n bytes of the current window consumed. */
static inline void
consume(pgwire_reader *r, size_t n)
{
	if (r->start < r->end || r->ext == NULL)
		r->start += n;
	else
		r->ext_pos += n;
}

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
	r->small_limit = r->limits.small_max < r->limits.large_max ? r->limits.small_max
		: r->limits.large_max;
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

/*
 * Compact the internal buffer and take in what is left of a borrowed
 * chunk: the start of every feed.  Earlier frames are invalidated here.
 */
static int
settle(pgwire_reader *r)
{
	size_t		pending = r->end - r->start;
	const uint8_t *tail = r->ext ? r->ext + r->ext_pos : NULL;
	size_t		rest = r->ext ? r->ext_len - r->ext_pos : 0;

	if (r->start > 0)
	{
		memmove(r->buf, r->buf + r->start, pending);
		r->base += r->start;
		r->start = 0;
		r->end = pending;
	}
	if (r->ext == NULL)
		return PGWIRE_OK;
	/* with bytes in buf, nothing of ext was read: ext follows buf */
	if (pending == 0)
		r->base = r->ext_base + r->ext_pos;
	r->ext = NULL;
	if (rest == 0)
		return PGWIRE_OK;
	if (pending + rest > r->cap && reader_grow(r, pending + rest) != PGWIRE_OK)
		return PGWIRE_ERR_NOMEM;
	memcpy(r->buf + r->end, tail, rest);
	r->end += rest;
	return PGWIRE_OK;
}

/* Copy data[0..len) after the pending bytes. */
static int
append(pgwire_reader *r, const uint8_t *data, size_t len)
{
	if (len > SIZE_MAX - r->end)
		return PGWIRE_ERR_RANGE;
	if (r->end + len > r->cap && reader_grow(r, r->end + len) != PGWIRE_OK)
		return PGWIRE_ERR_NOMEM;
	memcpy(r->buf + r->end, data, len);
	r->end += len;
	return PGWIRE_OK;
}

/*
 * What both feeds do first: check the arguments and drop what was
 * consumed (earlier frames are invalidated here).  1 when there are bytes
 * to take, else 0 with *rc the result.
 */
static int
feed_begin(pgwire_reader *r, const void *data, size_t len, int *rc)
{
	*rc = PGWIRE_OK;
	if (r == NULL || (data == NULL && len > 0))
		*rc = PGWIRE_ERR_ARGUMENT;
	else if (len > 0)
		*rc = settle(r);
	return *rc == PGWIRE_OK && len > 0;
}

int
pgwire_reader_feed(pgwire_reader *r, const void *data, size_t len)
{
	int			rc;

	if (!feed_begin(r, data, len, &rc))
		return rc;
	return append(r, data, len);
}

/*
 * How many bytes, appended to the pending ones, complete the typed frame
 * they end inside: 0 when they end on a frame boundary; SIZE_MAX when that
 * cannot be told (a length word the reader would reject: copy everything
 * and let pgwire_reader_next() report it).  At most 5 when the length word
 * itself is incomplete, and then asked again.
 */
static size_t
bytes_to_complete(const pgwire_reader *r)
{
	const uint8_t *p;
	size_t		avail = r->end - r->start;

	if (avail == 0)
		return 0;
	p = r->buf + r->start;
	while (avail > 0)
	{
		uint32_t	length;

		if (avail < 5)
			return 5 - avail;
		length = pgwire_get_u32(p + 1);
		if (length < 4 ||
			(length > r->small_limit && length > pgwire_type_limit(&r->limits, r->dir, p[0])))
			return SIZE_MAX;
		if (avail - 1 < length)
			return length - (avail - 1);
		p += (size_t) length + 1;
		avail -= (size_t) length + 1;
	}
	return 0;
}

int
pgwire_reader_feed_borrowed(pgwire_reader *r, const void *data, size_t len)
{
	const uint8_t *d = data;
	int			rc;

	if (!feed_begin(r, data, len, &rc))
		return rc;
	/* framing outside the typed phase is left to the copying path */
	if (r->phase != PGWIRE_PHASE_TYPED || r->error.status != PGWIRE_OK)
		return append(r, d, len);
	/* finish the frame the pending bytes began: those bytes are copied */
	while (len > 0)
	{
		size_t		need = bytes_to_complete(r);

		if (need == 0)
			break;
		if (need >= len)
			return append(r, d, len);
		if ((rc = append(r, d, need)) != PGWIRE_OK)
			return rc;
		d += need;
		len -= need;
	}
	/*
	 * Room for ext after the pending bytes, reserved now: should the caller
	 * change the phase so that they no longer end on a frame boundary,
	 * next() moves ext in without moving the buffer and so without
	 * invalidating frames it already handed out.
	 */
	if (r->end > r->start && r->end + len > r->cap && reader_grow(r, r->end + len) != PGWIRE_OK)
		return PGWIRE_ERR_NOMEM;
	r->ext = d;
	r->ext_len = len;
	r->ext_pos = 0;
	r->ext_base = r->base + r->end;
	return PGWIRE_OK;
}

/* Move what is left of ext into buf (room reserved by the borrowed feed). */
static void
absorb_ext(pgwire_reader *r)
{
	size_t		rest = r->ext_len - r->ext_pos;

	memcpy(r->buf + r->end, r->ext + r->ext_pos, rest);
	r->end += rest;
	r->ext = NULL;
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

#ifndef READER_PREFETCH_DISTANCE
#define READER_PREFETCH_DISTANCE 2048
#endif

/*
 * Ask the CPU for the window's bytes READER_PREFETCH_DISTANCE ahead, as
 * many as the frame being handed out has: frames are read front to back,
 * and decoding one (DataRow lengths, String NULs) is a chain of dependent
 * loads that stalls on every cache miss.  A large chunk handed in by
 * pgwire_reader_feed_borrowed() is often not in cache; without this a
 * result set decoded straight from it ran at half the speed of one that
 * was copied first (the copy brings it in).  Lines within the window only.
 */
static inline void
prefetch_ahead(const window *w, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
	for (size_t i = READER_PREFETCH_DISTANCE; i < READER_PREFETCH_DISTANCE + n && i < w->len;
		 i += 64)
		__builtin_prefetch(w->p + i);
#else
	(void) w;
	(void) n;
#endif
}

/*
 * The common case in the typed phase, without the call into
 * pgwire_frame_parse(): a whole typed frame with an acceptable length is
 * in the window.  Fills *out exactly as parse_typed() (frame.c) does and
 * returns 1; anything else (too short, a length to reject) returns 0 and
 * the general path frames it or reports the error.  Typed frames do not
 * change the phase (advance_phase()).
 */
static inline int
next_typed(pgwire_reader *r, pgwire_frame *out)
{
	static const pgwire_frame zero_frame;
	pgwire_frame f;
	window		w;
	uint32_t	length;

	cur_window(r, &w);
	if (w.len < 5)
		return 0;
	length = pgwire_get_u32(w.p + 1);
	if (length < 4 || w.len - 1 < length ||
		(length > r->small_limit && length > pgwire_type_limit(&r->limits, r->dir, w.p[0])))
		return 0;
	prefetch_ahead(&w, (size_t) length + 1);
	/* as parse_typed(): zeroed, then the members */
	f = zero_frame;
	f.kind = PGWIRE_FRAME_TYPED;
	f.direction = r->dir;
	f.type = w.p[0];
	f.length = length;
	f.raw = w.p;
	f.raw_len = (size_t) length + 1;
	f.body = w.p + 5;
	f.body_len = length - 4;
	f.offset = w.off;
	*out = f;
	consume(r, (size_t) length + 1);
	return 1;
}

/* pgwire_reader_next() over the current window, all phases. */
static int
next_frame(pgwire_reader *r, pgwire_frame *out, pgwire_error *err)
{
	pgwire_error local;
	pgwire_phase phase;
	window		w;
	uint8_t		first;
	int			inferred = 0;
	int			rc;

	cur_window(r, &w);
	if (r->phase == PGWIRE_PHASE_ENCRYPTED)
		return pgwire_error_set(err, PGWIRE_ERR_ENCRYPTED, w.off,
								"the connection switched to encryption; the bytes are not protocol messages");
	if (w.len == 0)
		return PGWIRE_INCOMPLETE;

	phase = r->phase;
	first = w.p[0];
	if (phase == PGWIRE_PHASE_AUTO && r->dir == PGWIRE_BACKEND)
	{
		/* before the first typed message: the PGWIRE_PHASE_AUTO rule */
		int			answer = pgwire_backend_starts_with_answer(w.p, w.len);

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
		return pgwire_error_set(err, PGWIRE_ERR_ENCRYPTED, w.off,
								"a TLS handshake starts here; the bytes are not protocol messages");
	}

	rc = pgwire_frame_parse(w.p, w.len, r->dir, phase, &r->limits, w.off, out, &local);
	if (rc == PGWIRE_OK)
	{
		if (inferred)
		{
			out->inferred = 1;
			/* 'N' refuses either request; which one is not known here */
			if (out->type == 'N')
				out->request = 0;
		}
		consume(r, out->raw_len);
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

int
pgwire_reader_next(pgwire_reader *r, pgwire_frame *out, pgwire_error *err)
{
	int			rc;

	if (r == NULL || out == NULL)
		return PGWIRE_ERR_ARGUMENT;
	if (r->error.status != PGWIRE_OK)
	{
		if (err)
			*err = r->error;
		return r->error.status;
	}
	if (r->phase == PGWIRE_PHASE_TYPED && next_typed(r, out))
		return PGWIRE_OK;
	rc = next_frame(r, out, err);
	/*
	 * The buffered bytes end inside a frame that continues in the borrowed
	 * chunk (possible only after a phase change by the caller): join them.
	 */
	if (rc == PGWIRE_INCOMPLETE && r->ext && r->start < r->end)
	{
		absorb_ext(r);
		rc = next_frame(r, out, err);
	}
	return rc;
}

size_t
pgwire_reader_pending(const pgwire_reader *r)
{
	return r->end - r->start + (r->ext ? r->ext_len - r->ext_pos : 0);
}

size_t
pgwire_reader_take_raw(pgwire_reader *r, const uint8_t **data, uint64_t *offset)
{
	window		w;

	/* one view: the borrowed rest joins the buffered bytes, if any */
	if (r->ext && r->start < r->end)
		absorb_ext(r);
	if (r->buf == NULL && r->ext == NULL)
	{
		/* never fed: no buffer to point into */
		*data = (const uint8_t *) "";
		if (offset)
			*offset = r->base + r->start;
		return 0;
	}
	cur_window(r, &w);
	*data = w.p;
	if (offset)
		*offset = w.off;
	consume(r, w.len);
	return w.len;
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
	window		w;

	cur_window(r, &w);
	return w.off;
}
