/*
 * fuzz/fuzz_json.c
 *    libFuzzer target for the JSON face.  First input byte, bit 0:
 *      0  the rest is JSON text for pgwire_json_encode(): any result is
 *         fine as long as it is a documented status and nothing crashes;
 *      1  the rest is a byte stream (bit 1: 0 frontend, 1 backend) read
 *         with pgwire_reader; every decoded message is written with
 *         pgwire_json_write() and pgwire_json_encode() of that JSON must
 *         give back exactly the frame's bytes (README "JSON schema": the
 *         JSON is lossless); the undecodable rest goes through
 *         pgwire_json_write_raw() and must round-trip too.
 */
#include "common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
json_roundtrip(const char *what, const pgwire_buf *json, const uint8_t *raw, size_t raw_len)
{
	pgwire_buf	back;
	pgwire_error err;
	int			rc;

	pgwire_buf_init(&back, NULL);
	rc = pgwire_json_encode((const char *) json->data, json->len, &back, &err);
	if (rc != PGWIRE_OK || back.len != raw_len || memcmp(back.data, raw, raw_len) != 0)
	{
		fprintf(stderr, "pgwire fuzz: JSON of %s does not encode back (%s: %s)\n%.*s\n",
				what, pgwire_status_name(rc), rc ? err.detail : "", (int) json->len,
				(const char *) json->data);
		abort();
	}
	pgwire_buf_free(&back);
}

static void
json_msg(const pgwire_msg *m)
{
	pgwire_buf	json;

	pgwire_buf_init(&json, NULL);
	if (pgwire_json_write(m, &json, PGWIRE_JSON_OFFSET) != PGWIRE_OK)
		abort();
	json_roundtrip(pgwire_msg_name(m->kind), &json, m->frame.raw, m->frame.raw_len);
	pgwire_buf_free(&json);
}

static void
stream_mode(pgwire_direction dir, const uint8_t *data, size_t size)
{
	pgwire_reader *r = pgwire_reader_create(dir, NULL, NULL);
	pgwire_frame f;
	pgwire_error err;
	int			rc;

	if (r == NULL)
		return;
	pgwire_reader_feed(r, data, size);
	while ((rc = pgwire_reader_next(r, &f, &err)) == PGWIRE_OK)
	{
		pgwire_msg	m;

		if (pgwire_decode(&f, NULL, &m, &err) == PGWIRE_OK)
			json_msg(&m);
		else
		{
			pgwire_buf	json;

			/* a well-framed message that does not decode: raw + error */
			pgwire_buf_init(&json, NULL);
			pgwire_json_write_raw(dir, f.offset, f.raw, f.raw_len, &err, &json, 0);
			json_roundtrip("an undecodable frame", &json, f.raw, f.raw_len);
			pgwire_buf_free(&json);
		}
	}
	if (pgwire_reader_pending(r) > 0)
	{
		const uint8_t *raw;
		uint64_t	off;
		size_t		n = pgwire_reader_take_raw(r, &raw, &off);
		pgwire_buf	json;

		pgwire_buf_init(&json, NULL);
		pgwire_json_write_raw(dir, off, raw, n, rc < 0 ? &err : NULL, &json, PGWIRE_JSON_OFFSET);
		json_roundtrip("the raw rest", &json, raw, n);
		pgwire_buf_free(&json);
	}
	pgwire_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		stream_mode((data[0] & 2) ? PGWIRE_BACKEND : PGWIRE_FRONTEND, data + 1, size - 1);
	else
	{
		pgwire_buf	out;
		pgwire_error err;
		int			rc;

		pgwire_buf_init(&out, NULL);
		rc = pgwire_json_encode((const char *) data + 1, size - 1, &out, &err);
		if (!(rc == PGWIRE_OK || rc == PGWIRE_ERR_JSON || rc == PGWIRE_ERR_EMBEDDED_NUL ||
			  rc == PGWIRE_ERR_RANGE || rc == PGWIRE_ERR_LENGTH || rc == PGWIRE_ERR_NOMEM))
		{
			fprintf(stderr, "pgwire fuzz: pgwire_json_encode returned %s\n",
					pgwire_status_name(rc));
			abort();
		}
		pgwire_buf_free(&out);
	}
	return 0;
}
