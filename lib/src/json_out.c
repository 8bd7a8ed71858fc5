/*
 * json_out.c
 *    The lossless JSON renderer: one decoded message as one JSON object,
 *    driven by the catalogue layout through pgwire_walk().
 *
 * Lossless means pgwire_json_encode() (json_in.c) gives back the exact
 * bytes, so nothing may be normalised away: text that is not strict UTF-8,
 * or that holds a NUL (PostgreSQL's jsonb cannot store \u0000), is written
 * as {"hex":...} instead of being repaired; groups keep wire order.
 *
 * This runs in the tracing proxy for every message, so it appends straight
 * into the pgwire_buf: no allocation per field, no printf for numbers,
 * strings are escaped in runs and hex is written in place.
 *
 * Schema: README.md, section "JSON schema".
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pgwire/render.h"
#include "pgwire/replication.h"
#include "internal.h"

/* Deepest nesting of groups inside group elements that we render. */
#define JSON_MAX_DEPTH 8

/* Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch). */

typedef struct json_out
{
	pgwire_buf *b;
	const pgwire_msg *m;		/* the message being written */
	unsigned	flags;			/* PGWIRE_JSON_* */
	int			nest;			/* how deep inside outer messages m is */
	/* per depth: does an element at this depth render as a bare value? */
	uint8_t		bare[JSON_MAX_DEPTH + 1];
	/* per depth: no key written yet in the current element object */
	uint8_t		first[JSON_MAX_DEPTH + 1];
} json_out;

static const char hexdigits[] = "0123456789abcdef";

/* Append; the common case (room left, no failure) stays inline. */
static inline void
put(pgwire_buf *b, const char *s, size_t n)
{
	if (b->status == PGWIRE_OK && b->cap - b->len >= n && n > 0)
	{
		memcpy(b->data + b->len, s, n);
		b->len += n;
	}
	else
		pgwire_buf_append(b, s, n);
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static void
put_uint(pgwire_buf *b, uint64_t v)
{
	char		tmp[24];
	char	   *p = tmp + sizeof(tmp);

	do
	{
		*--p = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, p, (size_t) (tmp + sizeof(tmp) - p));
}

static void
put_int(pgwire_buf *b, int64_t v)
{
	if (v < 0)
	{
		PUTS(b, "-");
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		put_uint(b, (uint64_t) 0 - (uint64_t) v);
	}
	else
		put_uint(b, (uint64_t) v);
}

static void
put_upper_hex(pgwire_buf *b, uint32_t v)
{
	static const char up[] = "0123456789ABCDEF";
	char		tmp[8];
	int			n = 0;

	do
	{
		tmp[7 - n++] = up[v & 0xf];
		v >>= 4;
	} while (v);
	put(b, tmp + 8 - n, (size_t) n);
}

/* {"hex":"..."}: lowercase, written in place (internal.h). */
void
pgwire_json_put_hex(pgwire_buf *b, const uint8_t *p, size_t n)
{
	PUTS(b, "{\"hex\":\"");
	if (n > (SIZE_MAX - 2) / 2)
	{
		pgwire_buf_fail(b, PGWIRE_ERR_RANGE);
		return;
	}
	if (pgwire_buf_reserve(b, 2 * n + 2) != PGWIRE_OK)
		return;
	{
		char	   *d = (char *) b->data + b->len;

		for (size_t i = 0; i < n; i++)
		{
			d[2 * i] = hexdigits[p[i] >> 4];
			d[2 * i + 1] = hexdigits[p[i] & 0xf];
		}
		b->len += 2 * n;
	}
	PUTS(b, "\"}");
}

/* The JSON escape of a byte below 0x20, '"' or '\\'. */
static void
put_escape(pgwire_buf *b, uint8_t c)
{
	char		e[6] = {'\\', 'u', '0', '0', 0, 0};

	switch (c)
	{
		case '"':
			PUTS(b, "\\\"");
			return;
		case '\\':
			PUTS(b, "\\\\");
			return;
		case '\b':
			PUTS(b, "\\b");
			return;
		case '\f':
			PUTS(b, "\\f");
			return;
		case '\n':
			PUTS(b, "\\n");
			return;
		case '\r':
			PUTS(b, "\\r");
			return;
		case '\t':
			PUTS(b, "\\t");
			return;
	}
	e[4] = hexdigits[c >> 4];
	e[5] = hexdigits[c & 0xf];
	put(b, e, 6);
}

/*
 * Bytes that go into a JSON string as they are: 0x20..0x7f except '"' and
 * '\\' (DEL needs no escape in JSON).
 */
static const uint8_t plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xf0 */
};

/*
 * Bytes as a JSON string if they are strict UTF-8 without NUL, else as
 * {"hex":...} (internal.h).  Written optimistically in one pass; on the
 * first bad byte the partial string is cut off and the hex form written
 * instead.
 */
void
pgwire_json_put_text(pgwire_buf *b, const uint8_t *s, size_t n)
{
	size_t		start = b->len;
	size_t		run = 0;
	size_t		i = 0;

	PUTS(b, "\"");
	while (i < n)
	{
		uint8_t		c;

		/* the common case: a run of printable ASCII copied as is */
		while (i < n && plain[s[i]])
			i++;
		if (i >= n)
			break;
		c = s[i];
		if (c >= 0x80)
		{
			size_t		k = pgwire_utf8_seq(s + i, n - i);

			if (k == 0)
				goto hex;
			i += k;
		}
		else if (c == 0)
			goto hex;
		else
		{
			put(b, (const char *) s + run, i - run);
			put_escape(b, c);
			run = ++i;
		}
	}
	put(b, (const char *) s + run, i - run);
	PUTS(b, "\"");
	return;

hex:
	if (b->status == PGWIRE_OK)
		b->len = start;
	pgwire_json_put_hex(b, s, n);
}

/* Byte1: a one-character string if printable ASCII, else {"hex":"xx"}. */
static void
put_byte1(pgwire_buf *b, uint8_t c)
{
	if (c >= 0x20 && c <= 0x7e)
	{
		PUTS(b, "\"");
		if (c == '"' || c == '\\')
			put_escape(b, c);
		else
			put(b, (const char *) &c, 1);
		PUTS(b, "\"");
	}
	else
		pgwire_json_put_hex(b, &c, 1);
}

/*
 * TIMESTAMP: {"iso":"2000-01-01T00:00:00.000000Z","us":N}, or {"us":N}
 * when the instant has no four-digit year (or gmtime cannot show it, as
 * for PostgreSQL's infinity values).
 */
static void
put_timestamp(pgwire_buf *b, int64_t us)
{
	struct tm	tm;
	int			micros;
	char		iso[40];

	PUTS(b, "{");
	if (pgwire_timestamp_tm(us, &tm, &micros))
	{
		int			n = snprintf(iso, sizeof(iso),
								 "\"iso\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\",",
								 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
								 tm.tm_hour, tm.tm_min, tm.tm_sec, micros);

		put(b, iso, (size_t) n);
	}
	PUTS(b, "\"us\":");
	put_int(b, us);
	PUTS(b, "}");
}

/* pgoutput TupleData column: {"kind":"t","value":...} ('n'/'u': no value). */
static void
put_tuple_column(pgwire_buf *b, const pgwire_visit *v)
{
	PUTS(b, "{\"kind\":");
	put_byte1(b, (uint8_t) v->ival);
	if (v->ival == 't' || v->ival == 'b')
	{
		PUTS(b, ",\"value\":");
		pgwire_json_put_text(b, v->data, v->dlen);
	}
	PUTS(b, "}");
}

/* One scalar, String, Byten or Int32-prefixed value. */
static void
put_value(pgwire_buf *b, const pgwire_visit *v)
{
	switch (v->field->type)
	{
		case PGWIRE_T_BYTE1:
			put_byte1(b, (uint8_t) v->ival);
			break;
		case PGWIRE_T_INT8:
		case PGWIRE_T_INT16:
		case PGWIRE_T_INT32:
		case PGWIRE_T_OID:
		case PGWIRE_T_INT64:
			put_int(b, v->ival);
			break;
		case PGWIRE_T_VERSION:
			PUTS(b, "\"");
			put_uint(b, ((uint64_t) v->ival >> 16) & 0xffff);
			PUTS(b, ".");
			put_uint(b, (uint64_t) v->ival & 0xffff);
			PUTS(b, "\"");
			break;
		case PGWIRE_T_STRING:
		case PGWIRE_T_BYTES:
			pgwire_json_put_text(b, v->data, v->dlen);
			break;
		case PGWIRE_T_VALUE:
			if (v->is_null)
				PUTS(b, "null");
			else
				pgwire_json_put_text(b, v->data, v->dlen);
			break;
		case PGWIRE_T_LSN:
			PUTS(b, "\"");
			put_upper_hex(b, (uint32_t) ((uint64_t) v->ival >> 32));
			PUTS(b, "/");
			put_upper_hex(b, (uint32_t) v->ival);
			PUTS(b, "\"");
			break;
		case PGWIRE_T_TIMESTAMP:
			put_timestamp(b, v->ival);
			break;
		case PGWIRE_T_TUPLE_COLUMN:
			put_tuple_column(b, v);
			break;
	}
}

/*
 * The key of a field about to be written: always at the top level, and
 * inside group elements that render as objects.  depth is the field's.
 */
static void
put_key(json_out *j, const pgwire_visit *v)
{
	pgwire_buf *b = j->b;

	if (v->depth > 0 && j->bare[v->depth])
		return;
	if (v->depth == 0 || !j->first[v->depth])
		PUTS(b, ",");
	j->first[v->depth] = 0;
	PUTS(b, "\"");
	/* catalogue names are plain snake_case: nothing to escape */
	pgwire_buf_puts(b, v->field->name);
	PUTS(b, "\":");
}

/*
 * v is the last Byten field of m and the session tracker decoded what it
 * carries (a CopyData's replication payload, an XLogData's pgoutput
 * message): that message is written in its place, as a nested object
 * with its own "type" and "message" (and "direction", as every payload
 * has), so a reader sees the XLogData rather than its bytes.  json_in.c
 * encodes such an object back to exactly those bytes.
 */
int
pgwire_carries_inner(const pgwire_msg *m, const pgwire_visit *v)
{
	const pgwire_msgdef *def;

	if (m->inner == NULL || v->depth != 0 || v->field->type != PGWIRE_T_BYTES ||
		!pgwire_is_payload_kind(m->inner->kind))
		return 0;
	def = pgwire_msgdef_get(m->kind);
	return def != NULL && def->layout.nfields > 0 &&
		v->field == &def->layout.fields[def->layout.nfields - 1];
}

static int	write_message(const pgwire_msg *m, pgwire_buf *out, unsigned flags, int nest);


static int
visit(void *arg, const pgwire_visit *v)
{
	json_out   *j = arg;
	pgwire_buf *b = j->b;

	switch (v->event)
	{
		case PGWIRE_EV_TYPE:
		case PGWIRE_EV_LENGTH:
			break;				/* the header is written from the frame */
		case PGWIRE_EV_FIELD:
			put_key(j, v);
			if (pgwire_carries_inner(j->m, v))
				return write_message(j->m->inner, b, j->flags, j->nest + 1);
			put_value(b, v);
			break;
		case PGWIRE_EV_GROUP_BEGIN:
			if (v->depth >= JSON_MAX_DEPTH)
				return PGWIRE_ERR_ARGUMENT;
			put_key(j, v);
			PUTS(b, "[");
			j->bare[v->depth + 1] = v->field->elem->nfields == 1;
			break;
		case PGWIRE_EV_ELEM_BEGIN:
			if (v->index > 0)
				PUTS(b, ",");
			j->first[v->depth + 1] = 1;
			if (!j->bare[v->depth + 1])
				PUTS(b, "{");
			break;
		case PGWIRE_EV_ELEM_END:
			if (!j->bare[v->depth + 1])
				PUTS(b, "}");
			break;
		case PGWIRE_EV_GROUP_END:
			PUTS(b, "]");
			break;
	}
	return b->status;
}

static void
put_direction(pgwire_buf *b, pgwire_direction dir)
{
	if (dir == PGWIRE_FRONTEND)
		PUTS(b, "{\"direction\":\"frontend\"");
	else
		PUTS(b, "{\"direction\":\"backend\"");
}

static void
put_header(pgwire_buf *b, const pgwire_msg *m, unsigned flags)
{
	const pgwire_frame *f = &m->frame;

	put_direction(b, f->direction);
	PUTS(b, ",\"type\":");
	/* replication and pgoutput payloads: a type byte, no length word */
	if (f->kind == PGWIRE_FRAME_TYPED || pgwire_is_payload_kind(m->kind))
		put_byte1(b, f->type);
	else
		PUTS(b, "null");
	PUTS(b, ",\"message\":\"");
	pgwire_buf_puts(b, pgwire_msg_name(m->kind));
	PUTS(b, "\"");
	if (f->kind != PGWIRE_FRAME_BYTE)
	{
		PUTS(b, ",\"length\":");
		put_uint(b, f->length);
	}
	if (flags & PGWIRE_JSON_OFFSET)
	{
		PUTS(b, ",\"offset\":");
		put_uint(b, f->offset);
	}
	if (m->inferred)
		PUTS(b, ",\"inferred\":true");
}

/*
 * CopyData > XLogData > pgoutput message is as deep as the tracker nests;
 * the limit only keeps a hand-made cycle of inner pointers finite.
 */
#define JSON_MAX_NEST 4

static int
write_message(const pgwire_msg *m, pgwire_buf *out, unsigned flags, int nest)
{
	json_out	j;
	size_t		start;
	int			rc;

	if (m == NULL || out == NULL || m->frame.raw == NULL ||
		pgwire_msgdef_get(m->kind) == NULL || nest > JSON_MAX_NEST)
		return PGWIRE_ERR_ARGUMENT;
	if (out->status != PGWIRE_OK)
		return out->status;
	start = out->len;
	memset(&j, 0, sizeof(j));
	j.b = out;
	j.m = m;
	j.flags = flags;
	j.nest = nest;
	put_header(out, m, flags);
	rc = pgwire_walk(m, visit, &j);
	if (rc == PGWIRE_OK && m->relation != NULL && pgwire_is_lr_change(m->kind))
		rc = pgwire_change_json(m, out);
	PUTS(out, "}");
	if (rc == PGWIRE_OK)
		rc = out->status;
	if (rc != PGWIRE_OK && out->status == PGWIRE_OK)
		out->len = start;
	return rc;
}

int
pgwire_json_write(const pgwire_msg *m, pgwire_buf *out, unsigned flags)
{
	return write_message(m, out, flags, 0);
}

/*
 * Bytes as a JSON string that is always valid: anything that is not strict
 * UTF-8 becomes U+FFFD (internal.h).  For text that must be a string, such
 * as our own error details, which may quote bytes.
 */
void
pgwire_json_put_lossy(pgwire_buf *b, const uint8_t *p, size_t n)
{
	size_t		i = 0;

	PUTS(b, "\"");
	while (i < n)
	{
		uint8_t		c = p[i];
		size_t		k;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			put(b, (const char *) p + i++, 1);
		else if (c < 0x80)
			put_escape(b, p[i++]);
		else if ((k = pgwire_utf8_seq(p + i, n - i)) != 0)
		{
			put(b, (const char *) p + i, k);
			i += k;
		}
		else
		{
			PUTS(b, "\\ufffd");
			i++;
		}
	}
	PUTS(b, "\"");
}

int
pgwire_json_write_raw(pgwire_direction dir, uint64_t offset, const uint8_t *data,
					  size_t len, const pgwire_error *err, pgwire_buf *out,
					  unsigned flags)
{
	if (out == NULL || (data == NULL && len > 0) ||
		(dir != PGWIRE_FRONTEND && dir != PGWIRE_BACKEND))
		return PGWIRE_ERR_ARGUMENT;
	if (out->status != PGWIRE_OK)
		return out->status;
	put_direction(out, dir);
	if (flags & PGWIRE_JSON_OFFSET)
	{
		PUTS(out, ",\"offset\":");
		put_uint(out, offset);
	}
	PUTS(out, ",\"raw\":");
	pgwire_json_put_hex(out, data, len);
	if (err != NULL)
	{
		PUTS(out, ",\"error\":{\"status\":\"");
		pgwire_buf_puts(out, pgwire_status_name(err->status));
		PUTS(out, "\",\"detail\":");
		pgwire_json_put_lossy(out, (const uint8_t *) err->detail,
							  strnlen(err->detail, PGWIRE_DETAIL_MAX));
		PUTS(out, ",\"offset\":");
		put_uint(out, err->offset);
		PUTS(out, "}");
	}
	PUTS(out, "}");
	return out->status;
}
