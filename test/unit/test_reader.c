/*
 * test/unit/test_reader.c
 *    Unit tests of the incremental reader (pgwire_reader, frame.h).
 *
 * A frontend stream (SSLRequest, StartupMessage, then typed messages) and
 * a backend stream ('N' answering SSLRequest, then typed messages) are fed
 * in chunks of every size from 1 byte to the whole stream; each chunking
 * must give the same frames, at the same stream offsets, as framing the
 * whole buffer message by message with pgwire_frame_parse().  Then sticky
 * errors, pgwire_reader_take_raw(), the switch to TLS, and offsets across
 * the reader's buffer compaction.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/pgwire.h"
#include "pgwire/encode.h"
#include "tap.h"

typedef struct expect_frame
{
	uint64_t	offset;
	size_t		raw_len;
	pgwire_frame_kind kind;
	uint8_t		type;
	pgwire_msg_kind msg;
} expect_frame;

/* ---- streams ------------------------------------------------------------ */

static void
frontend_stream(pgwire_buf *b)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, b, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 80877103);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 3 << 16);
	pgwire_put_cstring(&w, "user");
	pgwire_put_cstring(&w, "postgres");
	pgwire_put_cstring(&w, "database");
	pgwire_put_cstring(&w, "postgres");
	pgwire_put_cstring(&w, "application_name");
	pgwire_put_cstring(&w, "test_reader");
	pgwire_put_byte1(&w, 0);
	pgwire_msg_end(&w);
	for (int i = 0; i < 6; i++)
	{
		char		q[64];

		pgwire_msg_begin(&w, b, 'Q', PGWIRE_FRONTEND, NULL);
		snprintf(q, sizeof(q), "SELECT %d, repeat('x', %d)", i, i * 11);
		pgwire_put_cstring(&w, q);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, b, 'P', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "");
		pgwire_put_cstring(&w, "SELECT $1::int");
		pgwire_put_count16(&w, 1);
		pgwire_put_int32(&w, 23);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, b, 'B', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "");
		pgwire_put_cstring(&w, "");
		pgwire_put_count16(&w, 0);
		pgwire_put_count16(&w, 2);
		pgwire_put_value(&w, "42", 2);
		pgwire_put_value(&w, NULL, 0);
		pgwire_put_count16(&w, 0);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, b, 'D', PGWIRE_FRONTEND, NULL);
		pgwire_put_byte1(&w, 'P');
		pgwire_put_cstring(&w, "");
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, b, 'E', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "");
		pgwire_put_int32(&w, 0);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, b, 'S', PGWIRE_FRONTEND, NULL);
		pgwire_msg_end(&w);
	}
	pgwire_msg_begin(&w, b, 'X', PGWIRE_FRONTEND, NULL);
	pgwire_msg_end(&w);
}

static void
backend_stream(pgwire_buf *b)
{
	pgwire_writer w;
	static const uint8_t n = 'N';

	pgwire_buf_append(b, &n, 1);
	pgwire_msg_begin(&w, b, 'R', PGWIRE_BACKEND, NULL);
	pgwire_put_int32(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'S', PGWIRE_BACKEND, NULL);
	pgwire_put_cstring(&w, "server_version");
	pgwire_put_cstring(&w, "15.8");
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'K', PGWIRE_BACKEND, NULL);
	pgwire_put_int32(&w, 4242);
	pgwire_put_bytes(&w, "\x01\x02\x03\x04", 4);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'Z', PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 'I');
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'T', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 1);
	pgwire_put_cstring(&w, "x");
	pgwire_put_int32(&w, 0);
	pgwire_put_int16(&w, 0);
	pgwire_put_int32(&w, 25);
	pgwire_put_int16(&w, -1);
	pgwire_put_int32(&w, -1);
	pgwire_put_int16(&w, 0);
	pgwire_msg_end(&w);
	for (int i = 0; i < 20; i++)
	{
		char		v[40];

		pgwire_msg_begin(&w, b, 'D', PGWIRE_BACKEND, NULL);
		pgwire_put_count16(&w, 1);
		snprintf(v, sizeof(v), "row %d %.*s", i, i, "abcdefghijklmnopqrstuvwxyz");
		pgwire_put_value(&w, i % 5 ? v : NULL, strlen(v));
		pgwire_msg_end(&w);
	}
	pgwire_msg_begin(&w, b, 'N', PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 'S');
	pgwire_put_cstring(&w, "NOTICE");
	pgwire_put_byte1(&w, 0);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'C', PGWIRE_BACKEND, NULL);
	pgwire_put_cstring(&w, "SELECT 20");
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'Z', PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 'I');
	pgwire_msg_end(&w);
}

/* Frame the whole buffer message by message; the phase as the docs' flow. */
static int
whole_buffer(const pgwire_buf *b, pgwire_direction dir, expect_frame *out, int max)
{
	size_t		pos = 0;
	int			n = 0;

	while (pos < b->len && n < max)
	{
		pgwire_frame f;
		pgwire_msg	m;
		pgwire_error err;
		pgwire_phase ph;

		if (dir == PGWIRE_FRONTEND)
			ph = n < 2 ? PGWIRE_PHASE_STARTUP : PGWIRE_PHASE_TYPED;
		else
			ph = n == 0 ? PGWIRE_PHASE_SSL_ANSWER : PGWIRE_PHASE_TYPED;
		if (pgwire_frame_parse(b->data + pos, b->len - pos, dir, ph, NULL, pos, &f, &err)
			!= PGWIRE_OK)
			return -1;
		out[n].offset = f.offset;
		out[n].raw_len = f.raw_len;
		out[n].kind = f.kind;
		out[n].type = f.type;
		out[n].msg = pgwire_decode(&f, NULL, &m, &err) == PGWIRE_OK ? m.kind : PGWIRE_MSG_INVALID;
		pos += f.raw_len;
		n++;
	}
	return n;
}

/* Feed in chunks of size chunk; 0 if the frames match exp exactly. */
static int
chunked(const pgwire_buf *b, pgwire_direction dir, size_t chunk, const expect_frame *exp,
		int nexp, char *why, size_t whylen)
{
	pgwire_reader *r = pgwire_reader_create(dir, NULL, NULL);
	int			n = 0;
	int			rc;

	for (size_t pos = 0; pos < b->len; pos += chunk)
	{
		size_t		len = b->len - pos < chunk ? b->len - pos : chunk;
		pgwire_frame f;
		pgwire_msg	m;
		pgwire_error err;

		if (pgwire_reader_feed(r, b->data + pos, len) != PGWIRE_OK)
		{
			snprintf(why, whylen, "feed failed");
			goto fail;
		}
		while ((rc = pgwire_reader_next(r, &f, &err)) == PGWIRE_OK)
		{
			if (n >= nexp || f.offset != exp[n].offset || f.raw_len != exp[n].raw_len ||
				f.kind != exp[n].kind || f.type != exp[n].type ||
				memcmp(f.raw, b->data + exp[n].offset, f.raw_len) != 0 ||
				(pgwire_decode(&f, NULL, &m, &err) == PGWIRE_OK ? m.kind : PGWIRE_MSG_INVALID)
				!= exp[n].msg)
			{
				snprintf(why, whylen, "frame %d at offset %llu differs", n,
						 (unsigned long long) f.offset);
				goto fail;
			}
			if (pgwire_reader_offset(r) != f.offset + f.raw_len)
			{
				snprintf(why, whylen, "reader offset %llu after frame %d",
						 (unsigned long long) pgwire_reader_offset(r), n);
				goto fail;
			}
			n++;
		}
		if (rc != PGWIRE_INCOMPLETE)
		{
			snprintf(why, whylen, "next returned %s at %zu: %s", pgwire_status_name(rc),
					 err.offset, err.detail);
			goto fail;
		}
	}
	if (n != nexp || pgwire_reader_pending(r) != 0)
	{
		snprintf(why, whylen, "%d frames of %d, %zu bytes pending", n, nexp,
				 pgwire_reader_pending(r));
		goto fail;
	}
	pgwire_reader_free(r);
	return 0;
fail:
	pgwire_reader_free(r);
	return 1;
}

static void
check_chunking(pgwire_direction dir)
{
	pgwire_buf	b;
	expect_frame exp[256];
	int			nexp;
	int			bad = 0;
	char		why[400] = "";
	const char *name = dir == PGWIRE_FRONTEND ? "frontend" : "backend";

	pgwire_buf_init(&b, NULL);
	if (dir == PGWIRE_FRONTEND)
		frontend_stream(&b);
	else
		backend_stream(&b);
	nexp = whole_buffer(&b, dir, exp, 256);
	ok(nexp > 20 && b.status == PGWIRE_OK, "%s stream: %d messages in %zu bytes framed whole",
	   name, nexp, b.len);
	if (dir == PGWIRE_FRONTEND)
		ok(exp[0].msg == PGWIRE_MSG_SSL_REQUEST && exp[1].msg == PGWIRE_MSG_STARTUP_MESSAGE &&
		   exp[2].msg == PGWIRE_MSG_QUERY, "frontend: SSLRequest, StartupMessage, Query");
	else
		ok(exp[0].kind == PGWIRE_FRAME_BYTE && exp[0].type == 'N' &&
		   exp[1].msg == PGWIRE_MSG_AUTHENTICATION_OK && exp[2].msg == PGWIRE_MSG_PARAMETER_STATUS,
		   "backend: 'N' answer, AuthenticationOk, ParameterStatus");
	for (size_t chunk = 1; chunk <= b.len; chunk++)
	{
		if (chunked(&b, dir, chunk, exp, nexp, why, sizeof(why)))
		{
			if (bad++ < 3)
				diag("%s chunk %zu: %s", name, chunk, why);
		}
	}
	ok(bad == 0, "%s: every chunk size 1..%zu gives the same frames and offsets (%d wrong)",
	   name, b.len, bad);

	/* the first backend frame is inferred, not known */
	if (dir == PGWIRE_BACKEND)
	{
		pgwire_reader *r = pgwire_reader_create(dir, NULL, NULL);
		pgwire_frame f;
		pgwire_error err;

		pgwire_reader_feed(r, b.data, b.len);
		ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.kind == PGWIRE_FRAME_BYTE &&
		   f.inferred == 1 && f.request == 0 && f.offset == 0,
		   "backend 'N' at offset 0: a BYTE frame, inferred, request unknown");
		ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.type == 'R' && f.offset == 1 &&
		   !f.inferred, "then AuthenticationOk at offset 1");
		ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.type == 'S' &&
		   f.kind == PGWIRE_FRAME_TYPED, "then 'S' is a typed ParameterStatus, not an answer");
		pgwire_reader_free(r);
	}
	pgwire_buf_free(&b);
}

static void
check_sticky(void)
{
	pgwire_reader *r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	pgwire_frame f;
	pgwire_error err,
				err2;
	static const uint8_t good[] = {'Z', 0, 0, 0, 5, 'I'};
	static const uint8_t bad[] = {'D', 0x7f, 0xff, 0xff, 0xff, 0, 0};
	const uint8_t *raw;
	uint64_t	off;
	size_t		n;
	int			rc;

	pgwire_reader_feed(r, good, sizeof(good));
	pgwire_reader_feed(r, bad, sizeof(bad));
	ok_int(pgwire_reader_next(r, &f, &err), PGWIRE_OK, "sticky: first ReadyForQuery");
	rc = pgwire_reader_next(r, &f, &err);
	ok(rc == PGWIRE_ERR_LENGTH && err.offset == 7,
	   "length 0x7fffffff: LENGTH at stream offset 7 (the length word)");
	pgwire_reader_feed(r, good, sizeof(good));
	rc = pgwire_reader_next(r, &f, &err2);
	ok(rc == PGWIRE_ERR_LENGTH && err2.offset == 7 && strcmp(err.detail, err2.detail) == 0,
	   "error is sticky after more bytes are fed");
	n = pgwire_reader_take_raw(r, &raw, &off);
	ok(n == sizeof(bad) + sizeof(good) && off == 6 && memcmp(raw, bad, sizeof(bad)) == 0,
	   "take_raw hands out every pending byte from offset 6 (%zu bytes)", n);
	ok(pgwire_reader_pending(r) == 0 && pgwire_reader_offset(r) == 19,
	   "nothing pending after take_raw; offset 19");
	ok_int(pgwire_reader_next(r, &f, &err), PGWIRE_ERR_LENGTH, "still sticky after take_raw");
	pgwire_reader_free(r);

	/* a bad startup length in the frontend */
	r = pgwire_reader_create(PGWIRE_FRONTEND, NULL, NULL);
	{
		static const uint8_t s[] = {0, 0, 0x27, 0x15, 0, 3, 0, 0};	/* 10005 */

		pgwire_reader_feed(r, s, sizeof(s));
		rc = pgwire_reader_next(r, &f, &err);
		ok(rc == PGWIRE_ERR_LENGTH && err.offset == 0, "frontend startup length 10005: LENGTH at 0");
	}
	pgwire_reader_free(r);

	/* custom limits */
	{
		pgwire_limits lim = *pgwire_default_limits();
		static const uint8_t q[] = {'Q', 0, 0, 0, 101};

		lim.large_max = 100;
		r = pgwire_reader_create(PGWIRE_BACKEND, &lim, NULL);
		pgwire_reader_feed(r, q, sizeof(q));
		rc = pgwire_reader_next(r, &f, &err);
		ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "reader with large_max 100: 101 is LENGTH");
		pgwire_reader_free(r);
	}
}

static void
check_encryption(void)
{
	pgwire_reader *r;
	pgwire_frame f;
	pgwire_error err;
	const uint8_t *raw;
	uint64_t	off;
	size_t		n;
	static const uint8_t ssl[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5};
	int			rc;

	/* SSLRequest, then a TLS ClientHello */
	r = pgwire_reader_create(PGWIRE_FRONTEND, NULL, NULL);
	pgwire_reader_feed(r, ssl, sizeof(ssl));
	pgwire_reader_feed(r, tls, sizeof(tls));
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.kind == PGWIRE_FRAME_UNTYPED,
	   "SSLRequest framed");
	ok_int(pgwire_reader_phase(r), PGWIRE_PHASE_STARTUP, "after SSLRequest: still startup phase");
	rc = pgwire_reader_next(r, &f, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && err.offset == 8, "TLS 0x16 after SSLRequest: ENCRYPTED at 8");
	ok_int(pgwire_reader_phase(r), PGWIRE_PHASE_ENCRYPTED, "phase is encrypted");
	n = pgwire_reader_take_raw(r, &raw, &off);
	ok(n == sizeof(tls) && off == 8 && memcmp(raw, tls, n) == 0, "take_raw: the TLS bytes at 8");
	pgwire_reader_feed(r, tls, 3);
	ok_int(pgwire_reader_next(r, &f, &err), PGWIRE_ERR_ENCRYPTED, "later bytes: ENCRYPTED");
	n = pgwire_reader_take_raw(r, &raw, &off);
	ok(n == 3 && off == 18, "take_raw again: 3 bytes at offset 18");
	pgwire_reader_free(r);

	/* direct SSL (PostgreSQL 17 sslnegotiation=direct): TLS first */
	r = pgwire_reader_create(PGWIRE_FRONTEND, NULL, NULL);
	pgwire_reader_feed(r, tls, sizeof(tls));
	rc = pgwire_reader_next(r, &f, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && err.offset == 0, "direct TLS: ENCRYPTED at 0");
	pgwire_reader_free(r);

	/* backend 'S' answer: encrypted afterwards */
	r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	pgwire_reader_feed(r, "S", 1);
	pgwire_reader_feed(r, tls, sizeof(tls));
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.kind == PGWIRE_FRAME_BYTE &&
	   f.type == 'S' && f.request == 'S', "backend 'S' answer");
	rc = pgwire_reader_next(r, &f, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && err.offset == 1, "after 'S': ENCRYPTED at 1");
	pgwire_reader_free(r);

	/* set_phase by the caller (the session tracker's job) */
	r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	pgwire_reader_set_phase(r, PGWIRE_PHASE_GSS_ANSWER);
	pgwire_reader_feed(r, "N", 1);
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.request == 'G' && !f.inferred,
	   "set_phase GSS_ANSWER: 'N' answers GSSENCRequest, not inferred");
	ok_int(pgwire_reader_phase(r), PGWIRE_PHASE_TYPED, "then typed");
	pgwire_reader_free(r);
}

/* Frames stay valid until the next feed, and offsets survive compaction. */
static void
check_offsets(void)
{
	pgwire_reader *r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	pgwire_buf	b;
	pgwire_writer w;
	pgwire_frame f;
	pgwire_error err;
	uint64_t	expect = 0;
	int			bad = 0,
				frames = 0;
	char	   *big = malloc(70000);

	memset(big, 'v', 70000);
	pgwire_buf_init(&b, NULL);
	for (int i = 0; i < 50; i++)
	{
		pgwire_buf_reset(&b);
		pgwire_msg_begin(&w, &b, 'd', PGWIRE_BACKEND, NULL);
		pgwire_put_bytes(&w, big, (size_t) (i * 1399) % 70000);
		pgwire_msg_end(&w);
		/* feed in two uneven pieces, taking frames in between */
		pgwire_reader_feed(r, b.data, b.len / 3);
		while (pgwire_reader_next(r, &f, &err) == PGWIRE_OK)
			frames++;
		pgwire_reader_feed(r, b.data + b.len / 3, b.len - b.len / 3);
		if (pgwire_reader_next(r, &f, &err) != PGWIRE_OK || f.offset != expect ||
			f.raw_len != b.len || memcmp(f.raw, b.data, b.len) != 0)
			bad++;
		frames++;
		expect += b.len;
	}
	ok(bad == 0 && frames == 50 && pgwire_reader_offset(r) == expect,
	   "50 CopyData up to 70 KB fed in pieces: stream offsets continue (%llu bytes)",
	   (unsigned long long) expect);
	pgwire_buf_free(&b);
	pgwire_reader_free(r);
	free(big);

	/* NULL and empty arguments */
	r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	ok_int(pgwire_reader_feed(r, NULL, 5), PGWIRE_ERR_ARGUMENT, "feed(NULL, 5): ARGUMENT");
	ok_int(pgwire_reader_feed(r, NULL, 0), PGWIRE_OK, "feed(NULL, 0): OK");
	ok_int(pgwire_reader_next(r, &f, &err), PGWIRE_INCOMPLETE, "empty reader: INCOMPLETE");
	ok_int(pgwire_reader_next(r, NULL, &err), PGWIRE_ERR_ARGUMENT, "next(NULL frame): ARGUMENT");
	pgwire_reader_free(r);
}

/* An allocator that fails after a number of allocations. */
static int	alloc_budget;

static void *
fail_malloc(size_t n, void *ud)
{
	(void) ud;
	return alloc_budget-- > 0 ? malloc(n) : NULL;
}

static void *
fail_realloc(void *p, size_t n, void *ud)
{
	(void) ud;
	return alloc_budget-- > 0 ? realloc(p, n) : NULL;
}

static void
fail_free(void *p, void *ud)
{
	(void) ud;
	free(p);
}

static void
check_nomem(void)
{
	pgwire_allocator a = {NULL, fail_malloc, fail_realloc, fail_free};
	pgwire_reader *r;
	static uint8_t data[10000];

	alloc_budget = 0;
	ok(pgwire_reader_create(PGWIRE_BACKEND, NULL, &a) == NULL, "create with no memory: NULL");
	alloc_budget = 1;
	r = pgwire_reader_create(PGWIRE_BACKEND, NULL, &a);
	ok(r != NULL, "create with one allocation");
	ok_int(pgwire_reader_feed(r, data, sizeof(data)), PGWIRE_ERR_NOMEM, "feed with no memory: NOMEM");
	alloc_budget = 10;
	ok_int(pgwire_reader_feed(r, "Z\0\0\0\5I", 6), PGWIRE_OK, "feed works again when memory returns");
	pgwire_reader_free(r);
}

/*
 * Finding (fuzz_conversation): pgwire_reader_take_raw() on a reader that
 * was never fed computes r->buf + r->start with r->buf NULL, undefined
 * behaviour that UBSan reports (reader.c, "*data = r->buf + r->start").
 * Reached through pgwire_conversation with an empty stream.  clang's
 * UBSan catches it ("applying zero offset to null pointer"); GCC's does
 * not, so under the default cc build this check passes.  Run last: when
 * caught it aborts this binary.
 */
static void
check_take_raw_unfed(void)
{
	pgwire_reader *r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	const uint8_t *raw = (const uint8_t *) "x";
	uint64_t	off = 99;
	size_t		n;

	n = pgwire_reader_take_raw(r, &raw, &off);
	ok(n == 0 && off == 0, "take_raw on a reader never fed: 0 bytes at offset 0");
	pgwire_reader_free(r);
}

/*
 * pgwire_reader_feed_borrowed() against pgwire_reader_feed(): two readers
 * take the same stream (the two streams above, each also with one byte
 * damaged) in the same random chunks, with the same random actions between
 * feeds (draining all or only some frames, a phase change, take_raw), and
 * must give the same results: return codes, frames (kind, type, length,
 * offset, bytes), errors (status, offset, detail), pending bytes and
 * offsets.  Each borrowed chunk is a fresh allocation freed right after the
 * next feed, so ASan catches a frame or a buffer still pointing into it.
 */
static uint32_t rng_state = 12345;

static uint32_t
rng(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static int
same_result(int rc1, const pgwire_frame *f1, const pgwire_error *e1,
			int rc2, const pgwire_frame *f2, const pgwire_error *e2)
{
	if (rc1 != rc2)
		return 0;
	if (rc1 == PGWIRE_OK)
		return f1->kind == f2->kind && f1->direction == f2->direction &&
			f1->type == f2->type && f1->inferred == f2->inferred &&
			f1->request == f2->request && f1->length == f2->length &&
			f1->raw_len == f2->raw_len && f1->offset == f2->offset &&
			f1->body_len == f2->body_len && f1->body - f1->raw == f2->body - f2->raw &&
			memcmp(f1->raw, f2->raw, f1->raw_len) == 0;
	if (rc1 < 0)
		return e1->status == e2->status && e1->offset == e2->offset &&
			strcmp(e1->detail, e2->detail) == 0;
	return 1;
}

/* One random run; 0 if both readers agreed throughout, else 1 and why. */
static int
borrowed_run(const uint8_t *data, size_t len, pgwire_direction dir, char *why, size_t whylen)
{
	pgwire_reader *a = pgwire_reader_create(dir, NULL, NULL);
	pgwire_reader *b = pgwire_reader_create(dir, NULL, NULL);
	uint8_t    *prev = NULL;
	int			bad = 0;
	int			step = 0;

	for (size_t pos = 0; pos < len && !bad; step++)
	{
		size_t		n = 1 + rng(rng(4) == 0 ? 300 : 40);
		uint8_t    *chunk;
		int			fa,
					fb;

		if (n > len - pos)
			n = len - pos;
		chunk = malloc(n);
		memcpy(chunk, data + pos, n);
		pos += n;
		if (rng(12) == 0)
		{
			pgwire_phase ph = (pgwire_phase) rng(PGWIRE_PHASE_ENCRYPTED + 1);

			pgwire_reader_set_phase(a, ph);
			pgwire_reader_set_phase(b, ph);
		}
		fa = pgwire_reader_feed(a, chunk, n);
		fb = pgwire_reader_feed_borrowed(b, chunk, n);
		free(prev);				/* b may no longer point into it */
		prev = chunk;
		if (fa != fb)
		{
			snprintf(why, whylen, "step %d: feed %d, borrowed feed %d", step, fa, fb);
			bad = 1;
			break;
		}
		/* drain all, or only some, of the frames */
		for (int k = rng(3) == 0 ? (int) rng(3) : 1000; k > 0; k--)
		{
			pgwire_frame f1,
						f2;
			pgwire_error e1,
						e2;
			int			r1 = pgwire_reader_next(a, &f1, &e1);
			int			r2 = pgwire_reader_next(b, &f2, &e2);

			if (!same_result(r1, &f1, &e1, r2, &f2, &e2))
			{
				snprintf(why, whylen, "step %d: next gives %d and %d (offsets %llu, %llu)",
						 step, r1, r2, (unsigned long long) f1.offset,
						 (unsigned long long) f2.offset);
				bad = 1;
				break;
			}
			if (r1 != PGWIRE_OK)
				break;
		}
		if (!bad && rng(15) == 0)
		{
			const uint8_t *d1,
					   *d2;
			uint64_t	o1,
						o2;
			size_t		n1 = pgwire_reader_take_raw(a, &d1, &o1);
			size_t		n2 = pgwire_reader_take_raw(b, &d2, &o2);

			if (n1 != n2 || o1 != o2 || memcmp(d1, d2, n1) != 0)
			{
				snprintf(why, whylen, "step %d: take_raw %zu@%llu and %zu@%llu", step, n1,
						 (unsigned long long) o1, n2, (unsigned long long) o2);
				bad = 1;
			}
		}
		if (!bad && (pgwire_reader_pending(a) != pgwire_reader_pending(b) ||
					 pgwire_reader_offset(a) != pgwire_reader_offset(b) ||
					 pgwire_reader_phase(a) != pgwire_reader_phase(b)))
		{
			snprintf(why, whylen, "step %d: pending %zu/%zu, offset %llu/%llu", step,
					 pgwire_reader_pending(a), pgwire_reader_pending(b),
					 (unsigned long long) pgwire_reader_offset(a),
					 (unsigned long long) pgwire_reader_offset(b));
			bad = 1;
		}
	}
	pgwire_reader_free(a);
	pgwire_reader_free(b);
	free(prev);
	return bad;
}

static void
check_borrowed(void)
{
	for (int dir = PGWIRE_FRONTEND; dir <= PGWIRE_BACKEND; dir++)
	{
		pgwire_buf	b;
		const char *name = dir == PGWIRE_FRONTEND ? "frontend" : "backend";
		int			bad = 0;
		int			runs = 0;
		char		why[300] = "";

		pgwire_buf_init(&b, NULL);
		if (dir == PGWIRE_FRONTEND)
			frontend_stream(&b);
		else
			backend_stream(&b);
		for (int run = 0; run < 1500; run++, runs++)
		{
			uint8_t    *copy = malloc(b.len);

			memcpy(copy, b.data, b.len);
			/* two of three runs with one damaged byte */
			if (run % 3)
				copy[rng((uint32_t) b.len)] = (uint8_t) rng(256);
			if (borrowed_run(copy, b.len, (pgwire_direction) dir, why, sizeof(why)))
			{
				if (bad++ < 3)
					diag("%s run %d: %s", name, run, why);
			}
			free(copy);
		}
		ok(bad == 0, "%s: pgwire_reader_feed_borrowed gives what pgwire_reader_feed gives "
		   "(%d random chunkings, phase changes, damaged bytes; %d differ)", name, runs, bad);
		pgwire_buf_free(&b);
	}
}

/*
 * The borrowed window in the typed phase: a whole frame is handed out as a
 * view of the caller's chunk; a frame split over chunks is completed by
 * copying only its own missing bytes; take_raw joins the buffered and
 * borrowed bytes into one view.
 */
static void
check_borrowed_views(void)
{
	pgwire_reader *r = pgwire_reader_create(PGWIRE_BACKEND, NULL, NULL);
	static const uint8_t z[] = {'Z', 0, 0, 0, 5, 'I'};
	uint8_t		two[12];
	uint8_t		head[3];
	uint8_t		split[8];
	pgwire_frame f;
	pgwire_error err;
	const uint8_t *raw;
	uint64_t	off;

	pgwire_reader_set_phase(r, PGWIRE_PHASE_TYPED);
	memcpy(two, z, 6);
	memcpy(two + 6, z, 6);
	pgwire_reader_feed_borrowed(r, two, 12);
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.raw == two && f.offset == 0 &&
	   pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.raw == two + 6 && f.offset == 6,
	   "borrowed: whole frames are views of the caller's chunk");
	/* 3 bytes of a frame, then the rest and another frame */
	memcpy(head, z, 3);
	pgwire_reader_feed_borrowed(r, head, 3);
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_INCOMPLETE && pgwire_reader_pending(r) == 3,
	   "borrowed: a partial frame is pending");
	memcpy(split, z + 3, 3);
	memcpy(split + 3, z, 5);
	pgwire_reader_feed_borrowed(r, split, 8);
	ok(pgwire_reader_pending(r) == 11 && pgwire_reader_offset(r) == 12,
	   "borrowed: 11 bytes pending from offset 12");
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_OK && f.offset == 12 && f.raw_len == 6 &&
	   memcmp(f.raw, z, 6) == 0 && !(f.raw >= split && f.raw < split + 8),
	   "borrowed: the split frame is completed in the reader's buffer");
	ok(pgwire_reader_next(r, &f, &err) == PGWIRE_INCOMPLETE && pgwire_reader_offset(r) == 18 &&
	   pgwire_reader_pending(r) == 5, "borrowed: 5 bytes of the next frame wait");
	ok(pgwire_reader_take_raw(r, &raw, &off) == 5 && off == 18 && raw == split + 3,
	   "borrowed: take_raw hands out the rest of the chunk itself");
	/* buffered bytes and a borrowed rest: take_raw joins them */
	memcpy(split, z + 3, 3);
	memcpy(split + 3, z, 5);
	pgwire_reader_feed_borrowed(r, z, 3);
	pgwire_reader_feed_borrowed(r, split, 8);	/* 3 bytes copied, 5 borrowed */
	ok(pgwire_reader_pending(r) == 11 && pgwire_reader_take_raw(r, &raw, &off) == 11 &&
	   off == 23 && memcmp(raw, z, 6) == 0 && memcmp(raw + 6, z, 5) == 0,
	   "borrowed: take_raw joins buffered and borrowed bytes in one view");
	pgwire_reader_free(r);
}

int
main(void)
{
	check_chunking(PGWIRE_FRONTEND);
	check_chunking(PGWIRE_BACKEND);
	check_sticky();
	check_encryption();
	check_offsets();
	check_nomem();
	check_borrowed();
	check_borrowed_views();
	check_take_raw_unfed();
	return done_testing();
}
