/*
 * fuzz/common.h
 *    Checks shared by the libFuzzer targets: every decoded message must
 *    encode back to exactly its wire bytes, and walking, iterating and
 *    rendering it must stay inside it.  A violated property calls abort(),
 *    which libFuzzer reports as a crash with the input saved.
 */
#ifndef PGWIRE_FUZZ_COMMON_H
#define PGWIRE_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/pgwire.h"
#include "pgwire/encode.h"
#include "pgwire/render.h"
#include "pgwire/replication.h"

static void
fuzz_fail(const char *what, const pgwire_msg *m)
{
	fprintf(stderr, "pgwire fuzz: %s (%s, %zu bytes at offset %llu)\n", what,
			pgwire_msg_name(m->kind), m->frame.raw_len,
			(unsigned long long) m->frame.offset);
	abort();
}

static int
fuzz_touch(void *arg, const pgwire_visit *v)
{
	size_t	   *sum = arg;

	for (size_t i = 0; i < v->len; i++)
		*sum += v->raw[i];
	for (size_t i = 0; i < v->dlen; i++)
		*sum += v->data[i];
	return 0;
}

/* Every element of every group through the public iterators. */
static size_t
fuzz_iterate(const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_value v;
	pgwire_column c;
	pgwire_error_field ef;
	pgwire_parameter p;
	pgwire_slice s;
	size_t		sum = 0;

	switch (m->kind)
	{
		case PGWIRE_MSG_DATA_ROW:
			pgwire_iter_init(&it, &m->u.data_row.values);
			while (pgwire_next_value(&it, &v))
				sum += v.len > 0 ? v.ptr[0] + v.ptr[v.len - 1] : 0;
			break;
		case PGWIRE_MSG_BIND:
			pgwire_iter_init(&it, &m->u.bind.parameters);
			while (pgwire_next_value(&it, &v))
				sum += v.len > 0 ? v.ptr[v.len - 1] : 0;
			for (uint32_t i = 0; i < m->u.bind.parameter_formats.count; i++)
				sum += (size_t) pgwire_group_int16(&m->u.bind.parameter_formats, i);
			break;
		case PGWIRE_MSG_ROW_DESCRIPTION:
			pgwire_iter_init(&it, &m->u.row_description.fields);
			while (pgwire_next_column(&it, &c))
				sum += c.name.len + c.type_oid;
			break;
		case PGWIRE_MSG_ERROR_RESPONSE:
		case PGWIRE_MSG_NOTICE_RESPONSE:
			pgwire_iter_init(&it, &m->u.error_response.fields);
			while (pgwire_next_error_field(&it, &ef))
				sum += ef.code + ef.value.len;
			if (pgwire_error_field_get(m, 'M', &s))
				sum += s.len;
			break;
		case PGWIRE_MSG_STARTUP_MESSAGE:
			pgwire_iter_init(&it, &m->u.startup_message.parameters);
			while (pgwire_next_parameter(&it, &p))
				sum += p.name.len + p.value.len;
			break;
		case PGWIRE_MSG_PARSE:
			for (uint32_t i = 0; i < m->u.parse.parameter_types.count; i++)
				sum += pgwire_group_oid(&m->u.parse.parameter_types, i);
			break;
		case PGWIRE_MSG_AUTHENTICATION_SASL:
			pgwire_iter_init(&it, &m->u.authentication_sasl.mechanisms);
			while (pgwire_next_string(&it, &s))
				sum += s.len;
			break;
		default:
			break;
	}
	return sum;
}

/* encode(decode(frame)) == frame, walk and iterators stay inside. */
static void
fuzz_check_msg(const pgwire_msg *m)
{
	pgwire_buf	out;
	pgwire_error err;
	size_t		sum = 0;
	int			rc;

	pgwire_buf_init(&out, NULL);
	rc = pgwire_is_payload_kind(m->kind) ? pgwire_encode_payload(m, &out, &err)
		: pgwire_encode(m, &out, NULL, &err);
	if (rc != PGWIRE_OK)
		fuzz_fail("encode of a decoded message failed", m);
	if (out.len != m->frame.raw_len || memcmp(out.data, m->frame.raw, out.len) != 0)
		fuzz_fail("encode(decode(frame)) differs from frame", m);
	pgwire_buf_free(&out);
	if (pgwire_walk(m, fuzz_touch, &sum) != 0)
		fuzz_fail("walk of a decoded message failed", m);
	sum += fuzz_iterate(m);
	/* keep sum alive */
	if (sum == (size_t) -1)
		abort();
}

/* Replication payloads inside CopyData, pgoutput inside XLogData. */
static void
fuzz_check_payloads(const pgwire_msg *m)
{
	pgwire_msg	r,
				lr;
	pgwire_error err;

	if (m->kind != PGWIRE_MSG_COPY_DATA)
		return;
	if (pgwire_decode_replication(m, &r, &err) != PGWIRE_OK)
		return;
	fuzz_check_msg(&r);
	if (r.kind != PGWIRE_MSG_XLOG_DATA)
		return;
	for (int proto = 1; proto <= 4; proto++)
	{
		pgwire_pgoutput_state st = {(uint8_t) (proto & 1), 1};

		if (pgwire_decode_pgoutput(r.u.xlog_data.data.ptr, r.u.xlog_data.data.len, proto,
								   &st, &lr, &err) == PGWIRE_OK)
			fuzz_check_msg(&lr);
	}
}

/* Decode a frame with and without PGWIRE_DECODE_UNKNOWN; check what decodes. */
static void
fuzz_frame(const pgwire_frame *f)
{
	pgwire_context ctx = {PGWIRE_MSG_INVALID, PGWIRE_DECODE_UNKNOWN};
	pgwire_msg	m;
	pgwire_error err;
	int			rc;

	rc = pgwire_decode(f, NULL, &m, &err);
	if (rc == PGWIRE_OK)
	{
		fuzz_check_msg(&m);
		fuzz_check_payloads(&m);
	}
	else if (rc > 0)
		abort();				/* decode never returns INCOMPLETE/DONE */
	if (pgwire_decode(f, &ctx, &m, &err) == PGWIRE_OK)
		fuzz_check_msg(&m);
}

/*
 * Feed data to a reader in chunks chosen by seed (0: all at once) and
 * check every frame; stop at the first error, taking the raw rest.
 * borrowed: feed with pgwire_reader_feed_borrowed(), each chunk in a
 * buffer of its own that is freed right after the next feed (the API's
 * promise), so ASan catches a frame that still points into it.
 */
static uint64_t
fuzz_reader(pgwire_direction dir, uint8_t seed, const uint8_t *data, size_t len, int borrowed)
{
	uint64_t	digest = 0;
	uint8_t    *held = NULL;

	pgwire_reader *r = pgwire_reader_create(dir, NULL, NULL);
	uint32_t	state = seed;
	size_t		pos = 0;
	uint64_t	expect_offset = 0;

	if (r == NULL)
		return 0;
	while (pos < len)
	{
		size_t		chunk = len - pos;
		pgwire_frame f;
		pgwire_error err;
		int			rc;

		if (seed)
		{
			state = state * 1103515245u + 12345u;
			chunk = 1 + (state >> 16) % (seed % 64 + 1);
			if (chunk > len - pos)
				chunk = len - pos;
		}
		if (borrowed)
		{
			uint8_t    *cur = malloc(chunk);

			if (cur == NULL)
				abort();
			memcpy(cur, data + pos, chunk);
			if (pgwire_reader_feed_borrowed(r, cur, chunk) != PGWIRE_OK)
				abort();
			free(held);
			held = cur;
		}
		else if (pgwire_reader_feed(r, data + pos, chunk) != PGWIRE_OK)
			abort();
		pos += chunk;
		while ((rc = pgwire_reader_next(r, &f, &err)) == PGWIRE_OK)
		{
			if (f.offset != expect_offset || f.raw_len == 0)
				abort();		/* frames must tile the stream */
			expect_offset += f.raw_len;
			digest = digest * 1000003u + f.raw_len * 31u + f.kind;
			if (seed)
				fuzz_frame(&f);
		}
		if (rc < 0)
		{
			const uint8_t *raw;
			uint64_t	off;

			(void) pgwire_reader_take_raw(r, &raw, &off);
			if (off != expect_offset || err.offset < off)
				abort();
			digest = digest * 1000003u + (uint64_t) (-rc) * 7u + err.offset;
			break;
		}
	}
	/* whatever is left (an incomplete tail, or nothing) can be taken */
	{
		const uint8_t *raw;
		uint64_t	off;
		size_t		pending = pgwire_reader_pending(r);

		if (pgwire_reader_take_raw(r, &raw, &off) != pending || pgwire_reader_pending(r) != 0)
			abort();
	}
	pgwire_reader_free(r);
	free(held);
	return digest;
}

/*
 * The whole property: chunked feeding (checking every frame), copied or
 * borrowed, gives the same frames and the same error as feeding
 * everything at once.
 */
static void
fuzz_reader_both(pgwire_direction dir, uint8_t seed, const uint8_t *data, size_t len)
{
	uint64_t	a = fuzz_reader(dir, seed ? seed : 1, data, len, 0);
	uint64_t	b = fuzz_reader(dir, 0, data, len, 0);
	uint64_t	c = fuzz_reader(dir, seed ? seed : 1, data, len, 1);

	if (a != b || c != b)
	{
		fprintf(stderr, "pgwire fuzz: chunk seed %u gives other frames than one feed (%s)\n",
				seed, a != b ? "copied" : "borrowed");
		abort();
	}
}

#endif							/* PGWIRE_FUZZ_COMMON_H */
