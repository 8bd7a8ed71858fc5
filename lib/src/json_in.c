/*
 * json_in.c
 *    The JSON-driven encoder: JSON objects in the schema json_out.c writes
 *    (README.md, "JSON schema") back to wire bytes.
 *
 * Parsing is jansson's; the bytes are written by walking the catalogue
 * layout of the named message with the pgwire_writer API, so this file
 * knows no message by heart.  It is strict on purpose: every key must be
 * known, every layout field given, and every value of the right type and
 * range, because a key that were silently dropped would make the encoded
 * bytes differ from what the user meant.  Derived keys ("length", fixed
 * codes such as Authentication "code", "type") may be left out and are
 * checked when given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pgwire/encode.h"
#include "pgwire/render.h"
#include "pgwire/replication.h"
#include "wire.h"
#include "internal.h"


/* State of one pgwire_json_encode() call. */
typedef struct json_in
{
	pgwire_buf *out;
	pgwire_error *err;
	size_t		index;			/* which message of the input, from 0 */
	char		path[128];		/* key path of the value being read */
	size_t		plen;
	int			nest;			/* messages nested in Byten fields, now */
} json_in;

/* CopyData > XLogData > pgoutput message: the deepest nesting we write */
#define JSON_MAX_NEST 4

/* Bytes given as a JSON string or as {"hex":...}, checked, not yet written. */
typedef struct json_bytes
{
	const char *ptr;
	size_t		len;			/* decoded length */
	uint8_t		hex;			/* ptr holds 2 * len hex digits */
	uint8_t		has_nul;
} json_bytes;

static const char *const header_keys[] = {
	"direction", "type", "message", "length", "offset", "inferred", NULL
};

/*
 * A pgoutput Insert, Update or Delete may also carry the keys json_out.c
 * adds from the session's relation cache (internal.h, pgwire_change_json):
 * derived from an earlier Relation message, so read for their form only.
 */
static const char *const change_keys[] = {
	"direction", "type", "message", "length", "offset", "inferred",
	"relation", "column_types", "old", "new", NULL
};

static const char *const raw_keys[] = {"direction", "offset", "raw", "error", NULL};
static const char *const timestamp_keys[] = {"iso", "us", NULL};
static const char *const tuple_column_keys[] = {"kind", "value", NULL};
static const pgwire_layout no_fields = {NULL, 0};

static int	check_keys(json_in *j, json_t *obj, const pgwire_layout *lay,
					   const char *const *extra);

/*
 * Record an error as "message N: <path>: <what>" and return status.
 */
static int
fail(json_in *j, int status, const char *fmt,...)
{
	char		what[PGWIRE_DETAIL_MAX];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (j->plen > 0)
		return pgwire_error_set(j->err, status, 0, "message %zu: %s: %s", j->index,
								j->path, what);
	return pgwire_error_set(j->err, status, 0, "message %zu: %s", j->index, what);
}

/* Extend the key path; returns the mark to restore with path_pop(). */
static size_t
path_push_key(json_in *j, const char *key)
{
	size_t		mark = j->plen;
	int			n = snprintf(j->path + mark, sizeof(j->path) - mark, "%s\"%s\"",
							 mark > 0 ? "." : "", key);

	j->plen = n < 0 ? mark : mark + (size_t) n;
	if (j->plen >= sizeof(j->path))
		j->plen = sizeof(j->path) - 1;
	return mark;
}

static size_t
path_push_index(json_in *j, size_t i)
{
	size_t		mark = j->plen;
	int			n = snprintf(j->path + mark, sizeof(j->path) - mark, "[%zu]", i);

	j->plen = n < 0 ? mark : mark + (size_t) n;
	if (j->plen >= sizeof(j->path))
		j->plen = sizeof(j->path) - 1;
	return mark;
}

static void
path_pop(json_in *j, size_t mark)
{
	j->plen = mark;
	j->path[mark] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* v is a JSON string equal to s (a NUL inside v never matches). */
static int
str_eq(json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) &&
		strcmp(json_string_value(v), s) == 0;
}

/*
 * Read bytes from a JSON string or {"hex":"..."} into *out (nothing is
 * written yet).  expected: what the error text says was expected.
 */
static int
get_bytes(json_in *j, json_t *v, const char *expected, json_bytes *out)
{
	json_t	   *h;

	memset(out, 0, sizeof(*out));
	if (json_is_string(v))
	{
		out->ptr = json_string_value(v);
		out->len = json_string_length(v);
		out->has_nul = out->len > 0 && memchr(out->ptr, 0, out->len) != NULL;
		return PGWIRE_OK;
	}
	if (!json_is_object(v) || json_object_size(v) != 1 ||
		!json_is_string(h = json_object_get(v, "hex")))
		return fail(j, PGWIRE_ERR_JSON, "expected %s", expected);
	out->ptr = json_string_value(h);
	out->len = json_string_length(h);
	out->hex = 1;
	if (out->len % 2 != 0)
		return fail(j, PGWIRE_ERR_JSON, "\"hex\" has an odd number of digits");
	for (size_t i = 0; i < out->len; i += 2)
	{
		int			hi = hexval(out->ptr[i]),
					lo = hexval(out->ptr[i + 1]);

		if (hi < 0 || lo < 0)
			return fail(j, PGWIRE_ERR_JSON, "\"hex\" has a non-hex character at %zu", i);
		if (hi == 0 && lo == 0)
			out->has_nul = 1;
	}
	out->len /= 2;
	return PGWIRE_OK;
}

/* Append the bytes; hex is decoded straight into the buffer. */
static void
put_json_bytes(pgwire_writer *w, const json_bytes *src)
{
	pgwire_buf *b = w->buf;

	if (!src->hex)
	{
		pgwire_put_bytes(w, src->ptr, src->len);
		return;
	}
	if (pgwire_buf_reserve(b, src->len) != PGWIRE_OK)
		return;
	for (size_t i = 0; i < src->len; i++)
		b->data[b->len + i] = (uint8_t) (hexval(src->ptr[2 * i]) << 4 |
										 hexval(src->ptr[2 * i + 1]));
	b->len += src->len;
}

static int
get_int(json_in *j, json_t *v, int64_t min, int64_t max, const char *what, int64_t *out)
{
	json_int_t	x;

	if (!json_is_integer(v))
		return fail(j, PGWIRE_ERR_JSON, "expected an integer (%s)", what);
	x = json_integer_value(v);
	if (x < min || x > max)
		return fail(j, PGWIRE_ERR_RANGE, "%lld is out of range for %s", (long long) x, what);
	*out = x;
	return PGWIRE_OK;
}

/* Byte1: a one-byte string or {"hex":"xx"}. */
static int
get_byte1(json_in *j, json_t *v, uint8_t *out)
{
	json_bytes b;
	int			rc;

	if ((rc = get_bytes(j, v, "a one-character string or {\"hex\":...}", &b)) != PGWIRE_OK)
		return rc;
	if (b.len != 1)
		return fail(j, PGWIRE_ERR_JSON, "expected exactly one byte, got %zu", b.len);
	*out = b.hex ? (uint8_t) (hexval(b.ptr[0]) << 4 | hexval(b.ptr[1])) : (uint8_t) b.ptr[0];
	return PGWIRE_OK;
}

/* Parse an unsigned number in the given base, whole string; -1 if bad. */
static int64_t
parse_uint(const char *s, size_t len, int base, int maxdigits)
{
	int64_t		v = 0;

	if (len == 0 || len > (size_t) maxdigits)
		return -1;
	for (size_t i = 0; i < len; i++)
	{
		int			d = base == 16 ? hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

		if (d < 0)
			return -1;
		v = v * base + d;
	}
	return v;
}

/*
 * "A.B" (VERSION, each part decimal up to 65535) or "X/Y" (LSN, each part
 * up to 8 hex digits): the two halves of a number written as text.
 */
static int
get_pair(json_in *j, json_t *v, char sep, int base, int maxdigits, int64_t maxpart,
		 const char *what, int64_t *hi, int64_t *lo)
{
	const char *s;
	const char *at;
	size_t		len;

	if (!json_is_string(v))
		return fail(j, PGWIRE_ERR_JSON, "expected a string like %s", what);
	s = json_string_value(v);
	len = json_string_length(v);
	at = memchr(s, sep, len);
	if (at == NULL ||
		(*hi = parse_uint(s, (size_t) (at - s), base, maxdigits)) < 0 || *hi > maxpart ||
		(*lo = parse_uint(at + 1, len - (size_t) (at - s) - 1, base, maxdigits)) < 0 ||
		*lo > maxpart)
		return fail(j, PGWIRE_ERR_JSON, "expected a string like %s", what);
	return PGWIRE_OK;
}

/* The "iso" text json_out.c writes for a TIMESTAMP; 0 if it writes none. */
static int
iso_timestamp(int64_t us, char *buf, size_t size)
{
	struct tm	tm;
	int			micros;

	if (!pgwire_timestamp_tm(us, &tm, &micros))
		return 0;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
	return 1;
}

/* TIMESTAMP: {"us":N} with an optional "iso" that must agree with it. */
static int
get_timestamp(json_in *j, json_t *v, int64_t *out)
{
	json_t	   *us;
	json_t	   *iso;
	char		want[64];
	int			rc;

	if (!json_is_object(v) || !json_is_integer(us = json_object_get(v, "us")))
		return fail(j, PGWIRE_ERR_JSON, "expected {\"iso\":...,\"us\":<integer>}");
	if ((rc = check_keys(j, v, &no_fields, timestamp_keys)) != PGWIRE_OK)
		return rc;
	*out = json_integer_value(us);
	iso = json_object_get(v, "iso");
	if (iso != NULL &&
		(!iso_timestamp(*out, want, sizeof(want)) || !str_eq(iso, want)))
		return fail(j, PGWIRE_ERR_JSON, "\"iso\" does not match \"us\" %lld", (long long) *out);
	return PGWIRE_OK;
}

/* pgoutput TupleData column: {"kind":"n"|"u"} or {"kind":"t"|"b","value":...}. */
static int
put_tuple_column(json_in *j, pgwire_writer *w, json_t *v)
{
	json_t	   *value;
	json_bytes	b;
	uint8_t		kind;
	size_t		mark;
	int			rc;

	if (!json_is_object(v) || json_object_get(v, "kind") == NULL)
		return fail(j, PGWIRE_ERR_JSON, "expected {\"kind\":...,\"value\":...}");
	if ((rc = check_keys(j, v, &no_fields, tuple_column_keys)) != PGWIRE_OK)
		return rc;
	mark = path_push_key(j, "kind");
	rc = get_byte1(j, json_object_get(v, "kind"), &kind);
	if (rc == PGWIRE_OK && kind != 'n' && kind != 'u' && kind != 't' && kind != 'b')
		rc = fail(j, PGWIRE_ERR_JSON, "expected \"n\", \"u\", \"t\" or \"b\"");
	path_pop(j, mark);
	if (rc != PGWIRE_OK)
		return rc;
	value = json_object_get(v, "value");
	if ((kind == 't' || kind == 'b') != (value != NULL))
		return fail(j, PGWIRE_ERR_JSON, "kind \"%c\" %s \"value\"", kind,
					value ? "takes no" : "needs a");
	pgwire_put_byte1(w, kind);
	if (value == NULL)
		return PGWIRE_OK;
	mark = path_push_key(j, "value");
	rc = get_bytes(j, value, "string or {\"hex\":...}", &b);
	if (rc == PGWIRE_OK && b.len > INT32_MAX)
		rc = fail(j, PGWIRE_ERR_RANGE, "value does not fit an Int32 length");
	path_pop(j, mark);
	if (rc != PGWIRE_OK)
		return rc;
	pgwire_put_int32(w, (int32_t) b.len);
	put_json_bytes(w, &b);
	return PGWIRE_OK;
}

static int	put_field(json_in *j, pgwire_writer *w, const pgwire_field *f, json_t *v);

/* A fixed field the user left out: its catalogue value. */
static void
put_fixed(pgwire_writer *w, const pgwire_field *f)
{
	switch (f->type)
	{
		case PGWIRE_T_BYTE1:
		case PGWIRE_T_INT8:
			pgwire_put_byte1(w, (uint8_t) f->fixed);
			break;
		case PGWIRE_T_INT16:
			pgwire_put_int16(w, (int16_t) f->fixed);
			break;
		case PGWIRE_T_INT64:
			pgwire_put_int64(w, f->fixed);
			break;
		default:
			pgwire_put_int32(w, (int32_t) f->fixed);
			break;
	}
}

/* A fixed field given: it must hold the catalogue value. */
static int
check_fixed(json_in *j, const pgwire_field *f, int64_t v)
{
	if (!(f->flags & PGWIRE_F_FIXED) || v == f->fixed)
		return PGWIRE_OK;
	if (f->type == PGWIRE_T_BYTE1)
		return fail(j, PGWIRE_ERR_JSON, "is 0x%02x, but this message has \"%c\"",
					(unsigned) v, (int) f->fixed);
	return fail(j, PGWIRE_ERR_JSON, "is %lld, but this message has %lld",
				(long long) v, (long long) f->fixed);
}

/* Check that every key of obj is a layout field or one of extra[]. */
static int
check_keys(json_in *j, json_t *obj, const pgwire_layout *lay, const char *const *extra)
{
	const char *key;
	size_t		keylen;
	json_t	   *val;

	json_object_keylen_foreach(obj, key, keylen, val)
	{
		int			known = 0;

		/*
		 * "query\u0000x" must not pass for "query".  jansson 2.14 already
		 * refuses such keys while parsing; this holds if that changes.
		 */
		if (strlen(key) != keylen)
			return fail(j, PGWIRE_ERR_JSON, "a key holds a NUL byte");
		for (unsigned i = 0; i < lay->nfields && !known; i++)
			known = strcmp(key, lay->fields[i].name) == 0;
		for (const char *const *e = extra; e && *e && !known; e++)
			known = strcmp(key, *e) == 0;
		if (!known)
			return fail(j, PGWIRE_ERR_JSON, "unknown key \"%s\"", key);
	}
	return PGWIRE_OK;
}

/*
 * The array of the GROUP_COUNTED group that field f counts (pgoutput
 * Truncate's relation_count), or NULL when f counts none or the array is
 * not given.
 */
static json_t *
counted_array(const pgwire_layout *lay, const pgwire_field *f, json_t *obj,
			  const char **name)
{
	for (unsigned i = 0; i < lay->nfields; i++)
	{
		const pgwire_field *g = &lay->fields[i];

		if (g->type == PGWIRE_T_GROUP_COUNTED && g->size == f->offset && g != f)
		{
			json_t	   *a = json_object_get(obj, g->name);

			*name = g->name;
			return json_is_array(a) ? a : NULL;
		}
	}
	return NULL;
}

/*
 * A count of a later group (relation_count): derived from the array when
 * absent, and when given it must equal the array's length, so that the
 * JSON cannot describe a message the decoder would refuse.  *done is set
 * when the field was written here.
 */
static int
put_group_count(json_in *j, pgwire_writer *w, const pgwire_layout *lay,
				const pgwire_field *f, json_t *obj, json_t *v, int *done)
{
	const char *gname = NULL;
	json_t	   *a = counted_array(lay, f, obj, &gname);

	*done = 0;
	if (a == NULL)
		return PGWIRE_OK;
	if (v == NULL)
	{
		if (json_array_size(a) > INT32_MAX)
			return fail(j, PGWIRE_ERR_RANGE, "%zu elements do not fit an Int32 count",
						json_array_size(a));
		pgwire_put_int32(w, (int32_t) json_array_size(a));
		*done = 1;
	}
	else if (!json_is_integer(v) || json_integer_value(v) != (json_int_t) json_array_size(a))
		return fail(j, PGWIRE_ERR_JSON, "\"%s\" must be the number of elements of \"%s\" (%zu)",
					f->name, gname, json_array_size(a));
	return PGWIRE_OK;
}

/*
 * Write the fields of a layout from the object's keys, in wire order.
 * top: the message's own layout, where PGWIRE_F_OPTIONAL applies.
 */
static int
put_fields(json_in *j, pgwire_writer *w, const pgwire_layout *lay, json_t *obj, int top)
{
	for (unsigned i = 0; i < lay->nfields; i++)
	{
		const pgwire_field *f = &lay->fields[i];
		json_t	   *v = json_object_get(obj, f->name);
		size_t		mark;
		int			rc;
		int			done;

		if ((rc = put_group_count(j, w, lay, f, obj, v, &done)) != PGWIRE_OK)
			return rc;
		if (done)
			continue;
		if (v == NULL)
		{
			if (top && (f->flags & PGWIRE_F_OPTIONAL))
				continue;
			if (f->flags & PGWIRE_F_FIXED)
			{
				put_fixed(w, f);
				continue;
			}
			return fail(j, PGWIRE_ERR_JSON, "missing key \"%s\"", f->name);
		}
		mark = path_push_key(j, f->name);
		rc = put_field(j, w, f, v);
		path_pop(j, mark);
		if (rc != PGWIRE_OK)
			return rc;
		if (w->buf->status != PGWIRE_OK)
			return pgwire_error_set(j->err, w->buf->status, 0, "message %zu: %s",
									j->index, pgwire_strerror(w->buf->status));
	}
	return PGWIRE_OK;
}

/* One group element: a bare value for one-field layouts, else an object. */
static int
put_element(json_in *j, pgwire_writer *w, const pgwire_layout *elem, json_t *e)
{
	int			rc;

	if (elem->nfields == 1)
		return put_field(j, w, &elem->fields[0], e);
	if (!json_is_object(e))
		return fail(j, PGWIRE_ERR_JSON, "expected an object");
	if ((rc = check_keys(j, e, elem, NULL)) != PGWIRE_OK)
		return rc;
	return put_fields(j, w, elem, e, 0);
}

/*
 * GROUP16 / GROUP32 / LIST / GROUP_REST from a JSON array; the count is its
 * length (GROUP_COUNTED writes none: its count is a field of its own, which
 * the message's check compares).
 */
static int
put_group(json_in *j, pgwire_writer *w, const pgwire_field *f, json_t *v)
{
	size_t		n;

	if (!json_is_array(v))
		return fail(j, PGWIRE_ERR_JSON, "expected an array");
	n = json_array_size(v);
	if (f->type == PGWIRE_T_GROUP16)
	{
		if (n > 0xFFFF)
			return fail(j, PGWIRE_ERR_RANGE, "%zu elements do not fit an Int16 count", n);
		pgwire_put_count16(w, n);
	}
	else if (f->type == PGWIRE_T_GROUP32)
	{
		if (n > INT32_MAX)
			return fail(j, PGWIRE_ERR_RANGE, "%zu elements do not fit an Int32 count", n);
		pgwire_put_int32(w, (int32_t) n);
	}
	for (size_t i = 0; i < n; i++)
	{
		size_t		at = w->buf->len;
		size_t		mark = path_push_index(j, i);
		int			rc = put_element(j, w, f->elem, json_array_get(v, i));

		/* a list element starting with a zero byte would read as the end */
		if (rc == PGWIRE_OK && f->type == PGWIRE_T_LIST && w->buf->status == PGWIRE_OK &&
			w->buf->len > at && w->buf->data[at] == 0)
			rc = fail(j, PGWIRE_ERR_JSON,
					  "element starts with a zero byte, which would end the list");
		path_pop(j, mark);
		if (rc != PGWIRE_OK)
			return rc;
	}
	if (f->type == PGWIRE_T_LIST)
		pgwire_put_byte1(w, 0);
	return PGWIRE_OK;
}

static int	encode_message(json_in *j, json_t *obj);
static int	get_msgdef(json_in *j, json_t *obj, const pgwire_msgdef **def);

/*
 * A message object where a rest-of-message Byten is due: json_out.c
 * writes a CopyData's replication payload, and an XLogData's pgoutput
 * message, that way when the session tracker decoded them.  The payload
 * (type byte and fields, no length word) is the field's bytes; it is
 * written in place, so the outer length word counts it.
 */
static int
put_inner(json_in *j, pgwire_writer *w, json_t *v)
{
	const pgwire_msgdef *def;
	pgwire_buf *saved = j->out;
	int			rc;

	if ((rc = get_msgdef(j, v, &def)) != PGWIRE_OK)
		return rc;
	if (!pgwire_is_payload_kind(def->kind))
		return fail(j, PGWIRE_ERR_JSON,
					"%s cannot be nested: only replication and pgoutput messages can",
					def->name);
	if (j->nest >= JSON_MAX_NEST)
		return fail(j, PGWIRE_ERR_JSON, "messages nested too deeply");
	j->nest++;
	j->out = w->buf;
	rc = encode_message(j, v);
	j->out = saved;
	j->nest--;
	return rc;
}

static int
put_text_field(json_in *j, pgwire_writer *w, const pgwire_field *f, json_t *v)
{
	json_bytes	b;
	int			rc;

	if (f->type == PGWIRE_T_BYTES && f->size == 0 && json_is_object(v) &&
		json_object_get(v, "message") != NULL)
		return put_inner(j, w, v);

	if (f->type == PGWIRE_T_VALUE && json_is_null(v))
	{
		pgwire_put_int32(w, -1);
		return PGWIRE_OK;
	}
	rc = get_bytes(j, v, f->type == PGWIRE_T_VALUE ? "string, null or {\"hex\":...}"
				   : "string or {\"hex\":...}", &b);
	if (rc != PGWIRE_OK)
		return rc;
	switch (f->type)
	{
		case PGWIRE_T_STRING:
			if (b.has_nul)
				return fail(j, PGWIRE_ERR_EMBEDDED_NUL, "a String cannot hold a NUL byte");
			put_json_bytes(w, &b);
			pgwire_put_byte1(w, 0);
			break;
		case PGWIRE_T_BYTES:
			if (f->size && b.len != f->size)
				return fail(j, PGWIRE_ERR_JSON, "expected %u bytes, got %zu", f->size, b.len);
			put_json_bytes(w, &b);
			break;
		default:				/* PGWIRE_T_VALUE */
			if (b.len > INT32_MAX)
				return fail(j, PGWIRE_ERR_RANGE, "value does not fit an Int32 length");
			pgwire_put_int32(w, (int32_t) b.len);
			put_json_bytes(w, &b);
			break;
	}
	return PGWIRE_OK;
}

static int
put_field(json_in *j, pgwire_writer *w, const pgwire_field *f, json_t *v)
{
	int64_t		x = 0,
				y = 0;
	uint8_t		c;
	int			rc = PGWIRE_OK;

	switch (f->type)
	{
		case PGWIRE_T_BYTE1:
			if ((rc = get_byte1(j, v, &c)) == PGWIRE_OK &&
				(rc = check_fixed(j, f, c)) == PGWIRE_OK)
				pgwire_put_byte1(w, c);
			break;
		case PGWIRE_T_INT8:
			if ((rc = get_int(j, v, INT8_MIN, INT8_MAX, "Int8", &x)) == PGWIRE_OK &&
				(rc = check_fixed(j, f, x)) == PGWIRE_OK)
				pgwire_put_byte1(w, (uint8_t) (int8_t) x);
			break;
		case PGWIRE_T_INT16:
			if ((rc = get_int(j, v, INT16_MIN, INT16_MAX, "Int16", &x)) == PGWIRE_OK &&
				(rc = check_fixed(j, f, x)) == PGWIRE_OK)
				pgwire_put_int16(w, (int16_t) x);
			break;
		case PGWIRE_T_INT32:
			if ((rc = get_int(j, v, INT32_MIN, INT32_MAX, "Int32", &x)) == PGWIRE_OK &&
				(rc = check_fixed(j, f, x)) == PGWIRE_OK)
				pgwire_put_int32(w, (int32_t) x);
			break;
		case PGWIRE_T_OID:
			if ((rc = get_int(j, v, 0, UINT32_MAX, "an OID", &x)) == PGWIRE_OK)
				pgwire_put_int32(w, (int32_t) (uint32_t) x);
			break;
		case PGWIRE_T_INT64:
			if ((rc = get_int(j, v, INT64_MIN, INT64_MAX, "Int64", &x)) == PGWIRE_OK)
				pgwire_put_int64(w, x);
			break;
		case PGWIRE_T_VERSION:
			if ((rc = get_pair(j, v, '.', 10, 5, 0xFFFF, "\"3.0\"", &x, &y)) == PGWIRE_OK)
				pgwire_put_int32(w, (int32_t) (uint32_t) (x << 16 | y));
			break;
		case PGWIRE_T_LSN:
			if ((rc = get_pair(j, v, '/', 16, 8, UINT32_MAX, "\"16/B374D848\"", &x, &y)) == PGWIRE_OK)
				pgwire_put_int64(w, (int64_t) ((uint64_t) x << 32 | (uint64_t) y));
			break;
		case PGWIRE_T_TIMESTAMP:
			if ((rc = get_timestamp(j, v, &x)) == PGWIRE_OK)
				pgwire_put_int64(w, x);
			break;
		case PGWIRE_T_STRING:
		case PGWIRE_T_BYTES:
		case PGWIRE_T_VALUE:
			rc = put_text_field(j, w, f, v);
			break;
		case PGWIRE_T_TUPLE_COLUMN:
			rc = put_tuple_column(j, w, v);
			break;
		case PGWIRE_T_GROUP16:
		case PGWIRE_T_GROUP32:
		case PGWIRE_T_LIST:
		case PGWIRE_T_GROUP_COUNTED:
			rc = put_group(j, w, f, v);
			break;
		default:
			rc = fail(j, PGWIRE_ERR_ARGUMENT, "field has unknown wire type %d", f->type);
			break;
	}
	return rc;
}

/* "direction": absent (-1), or the direction it names. */
static int
get_direction(json_in *j, json_t *obj, int *dir)
{
	json_t	   *v = json_object_get(obj, "direction");
	size_t		mark;
	int			rc = PGWIRE_OK;

	*dir = -1;
	if (v == NULL)
		return PGWIRE_OK;
	mark = path_push_key(j, "direction");
	if (str_eq(v, "frontend"))
		*dir = PGWIRE_FRONTEND;
	else if (str_eq(v, "backend"))
		*dir = PGWIRE_BACKEND;
	else
		rc = fail(j, PGWIRE_ERR_JSON, "expected \"frontend\" or \"backend\"");
	path_pop(j, mark);
	return rc;
}

/* Check the keys json_out.c derives from the stream: "offset", "inferred". */
static int
check_derived(json_in *j, json_t *obj)
{
	json_t	   *v;

	if ((v = json_object_get(obj, "offset")) != NULL &&
		(!json_is_integer(v) || json_integer_value(v) < 0))
		return fail(j, PGWIRE_ERR_JSON, "\"offset\": expected a non-negative integer");
	if ((v = json_object_get(obj, "inferred")) != NULL && !json_is_boolean(v))
		return fail(j, PGWIRE_ERR_JSON, "\"inferred\": expected true or false");
	return PGWIRE_OK;
}


/* The form of change_keys' additions; their content is not encoded. */
static int
check_change_keys(json_in *j, json_t *obj)
{
	static const char *const objects[] = {"column_types", "old", "new"};
	json_t	   *v;

	if ((v = json_object_get(obj, "relation")) != NULL && !json_is_string(v))
		return fail(j, PGWIRE_ERR_JSON, "\"relation\": expected a string");
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if ((v = json_object_get(obj, objects[i])) != NULL && !json_is_object(v))
			return fail(j, PGWIRE_ERR_JSON, "\"%s\": expected an object", objects[i]);
	return PGWIRE_OK;
}

/* {"direction":..., "raw":{"hex":...}, "error":...}: the bytes as they were. */
static int
encode_raw(json_in *j, json_t *obj)
{
	pgwire_writer w;
	json_bytes	b;
	size_t		mark;
	int			dir;
	int			rc;

	if ((rc = check_keys(j, obj, &no_fields, raw_keys)) != PGWIRE_OK ||
		(rc = get_direction(j, obj, &dir)) != PGWIRE_OK ||
		(rc = check_derived(j, obj)) != PGWIRE_OK)
		return rc;
	mark = path_push_key(j, "raw");
	rc = get_bytes(j, json_object_get(obj, "raw"), "{\"hex\":...}", &b);
	path_pop(j, mark);
	if (rc != PGWIRE_OK)
		return rc;
	memset(&w, 0, sizeof(w));
	w.buf = j->out;
	put_json_bytes(&w, &b);
	if (j->out->status != PGWIRE_OK)
		return fail(j, j->out->status, "%s", pgwire_strerror(j->out->status));
	return PGWIRE_OK;
}

/*
 * The type byte: required for Unknown (null = untyped packet), else
 * checked against the catalogue when given.  *typed_zero is set for an
 * Unknown typed frame whose type byte is 0x00 (a backend can send one).
 */
static int
get_type(json_in *j, json_t *obj, const pgwire_msgdef *def, uint8_t *type,
		 int *typed_zero)
{
	json_t	   *v = json_object_get(obj, "type");
	size_t		mark;
	int			rc = PGWIRE_OK;

	*type = def->type;
	*typed_zero = 0;
	if (v == NULL)
		return def->kind == PGWIRE_MSG_UNKNOWN ?
			fail(j, PGWIRE_ERR_JSON, "missing key \"type\" (null for an untyped packet)") :
			PGWIRE_OK;
	mark = path_push_key(j, "type");
	if (json_is_null(v))
		*type = 0;
	else if ((rc = get_byte1(j, v, type)) == PGWIRE_OK && *type == 0)
		*typed_zero = 1;		/* {"hex":"00"}: a typed frame, not null */
	if (rc == PGWIRE_OK && def->kind != PGWIRE_MSG_UNKNOWN &&
		(*type != def->type || (def->frame_kind == PGWIRE_FRAME_BYTE && !json_is_null(v))))
	{
		if (def->type)
			rc = fail(j, PGWIRE_ERR_JSON, "%s has type \"%c\"", def->name, def->type);
		else
			rc = fail(j, PGWIRE_ERR_JSON, "%s has no type byte: expected null", def->name);
	}
	path_pop(j, mark);
	return rc;
}

static int
get_msgdef(json_in *j, json_t *obj, const pgwire_msgdef **def)
{
	json_t	   *v = json_object_get(obj, "message");

	if (v == NULL)
		return fail(j, PGWIRE_ERR_JSON, "missing key \"message\" (or \"raw\")");
	if (!json_is_string(v))
		return fail(j, PGWIRE_ERR_JSON, "\"message\": expected a message name");
	*def = pgwire_msgdef_by_name(json_string_value(v));
	if (*def == NULL || !str_eq(v, (*def)->name))
		return fail(j, PGWIRE_ERR_JSON, "\"message\": unknown message \"%s\"",
					json_string_value(v));
	return PGWIRE_OK;
}

/* "length", when given, must be the length word we wrote. */
static int
check_length(json_in *j, json_t *obj, const pgwire_writer *w)
{
	json_t	   *v = json_object_get(obj, "length");
	uint32_t	length;

	if (v == NULL)
		return PGWIRE_OK;
	length = pgwire_get_u32(w->buf->data + w->start + (w->typed ? 1 : 0));
	if (!json_is_integer(v) || json_integer_value(v) != (json_int_t) length)
		return fail(j, PGWIRE_ERR_JSON, "\"length\": the encoded message has length %u",
					length);
	return PGWIRE_OK;
}

/*
 * A pgoutput message written from obj at j->out->data[start..] must decode
 * (pgwire_pgoutput_verify): what the fields cannot say alone, such as an
 * Update's old tuple kind without an old tuple, is refused here with the
 * decoder's reason.
 */
static int
verify_pgoutput(json_in *j, json_t *obj, const pgwire_msgdef *def, size_t start)
{
	pgwire_error e;
	uint32_t	present = 0;

	for (unsigned i = 0; i < def->layout.nfields; i++)
		if ((def->layout.fields[i].flags & PGWIRE_F_OPTIONAL) &&
			json_object_get(obj, def->layout.fields[i].name) != NULL)
			present |= 1u << i;

	if (j->out->status != PGWIRE_OK)
		return pgwire_error_set(j->err, j->out->status, 0, "message %zu: %s", j->index,
								pgwire_strerror(j->out->status));
	if (pgwire_pgoutput_verify(j->out->data + start, j->out->len - start, present,
							   &e) == PGWIRE_OK)
		return PGWIRE_OK;
	return fail(j, PGWIRE_ERR_JSON, "%s would not decode: %s", def->name, e.detail);
}

static int
encode_message(json_in *j, json_t *obj)
{
	const pgwire_msgdef *def = NULL;
	pgwire_writer w;
	uint8_t		type;
	int			typed_zero;
	int			dir;
	int			rc;

	if (!json_is_object(obj))
		return fail(j, PGWIRE_ERR_JSON, "expected a message object");
	if (json_object_get(obj, "raw") != NULL)
		return encode_raw(j, obj);
	if ((rc = get_msgdef(j, obj, &def)) != PGWIRE_OK ||
		(rc = check_keys(j, obj, &def->layout,
						 pgwire_is_lr_change(def->kind) ? change_keys : header_keys)) != PGWIRE_OK ||
		(rc = check_change_keys(j, obj)) != PGWIRE_OK ||
		(rc = get_direction(j, obj, &dir)) != PGWIRE_OK ||
		(rc = check_derived(j, obj)) != PGWIRE_OK ||
		(rc = get_type(j, obj, def, &type, &typed_zero)) != PGWIRE_OK)
		return rc;

	/* CopyData, CopyDone and Unknown exist both ways; limits differ */
	if (dir < 0 && def->directions == (PGWIRE_DIR_BIT(PGWIRE_FRONTEND) |
									   PGWIRE_DIR_BIT(PGWIRE_BACKEND)))
		return fail(j, PGWIRE_ERR_JSON, "missing key \"direction\" (%s goes both ways)",
					def->name);
	if (dir >= 0 && !(def->directions & PGWIRE_DIR_BIT(dir)))
		return fail(j, PGWIRE_ERR_JSON, "\"direction\": %s is a %s message", def->name,
					dir == PGWIRE_FRONTEND ? "backend" : "frontend");
	if (dir < 0)
		dir = (def->directions & PGWIRE_DIR_BIT(PGWIRE_FRONTEND)) ? PGWIRE_FRONTEND
			: PGWIRE_BACKEND;

	if (pgwire_is_payload_kind(def->kind))
	{
		/* replication / pgoutput: the type byte and the fields, no length */
		if (json_object_get(obj, "length") != NULL)
			return fail(j, PGWIRE_ERR_JSON, "\"length\": %s has no length word", def->name);
		size_t		start = j->out->len;

		memset(&w, 0, sizeof(w));
		w.buf = j->out;
		pgwire_put_byte1(&w, def->type);
		if ((rc = put_fields(j, &w, &def->layout, obj, 1)) != PGWIRE_OK)
			return rc;
		return pgwire_is_payload_kind(def->kind) == 1 ? verify_pgoutput(j, obj, def, start)
			: PGWIRE_OK;
	}
	if (def->frame_kind == PGWIRE_FRAME_BYTE)
	{
		/* SSLResponse, GSSENCResponse: the one byte, nothing around it */
		if (json_object_get(obj, "length") != NULL)
			return fail(j, PGWIRE_ERR_JSON, "\"length\": %s has no length word", def->name);
		memset(&w, 0, sizeof(w));
		w.buf = j->out;
		return put_fields(j, &w, &def->layout, obj, 1);
	}
	/* {"hex":"00"} is a typed frame with type byte 0x00 (Unknown), not null */
	if (typed_zero)
		pgwire_msg_begin_typed(&w, j->out, type, (pgwire_direction) dir, NULL);
	else
		pgwire_msg_begin(&w, j->out, type, (pgwire_direction) dir, NULL);
	if ((rc = put_fields(j, &w, &def->layout, obj, 1)) != PGWIRE_OK)
		return rc;
	if ((rc = pgwire_msg_end(&w)) != PGWIRE_OK)
		return rc == PGWIRE_ERR_LENGTH
			? fail(j, rc, "%s would have a length outside %u..%u", def->name,
				   w.typed ? 4u : PGWIRE_STARTUP_MIN, w.limit)
			: fail(j, rc, "%s", pgwire_strerror(rc));
	return check_length(j, obj, &w);
}

int
pgwire_json_encode(const char *json, size_t len, pgwire_buf *out, pgwire_error *err)
{
	json_error_t jerr;
	json_t	   *root;
	json_in		j;
	size_t		start;
	int			rc = PGWIRE_OK;

	if ((json == NULL && len > 0) || out == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "NULL JSON text or output");
	if (out->status != PGWIRE_OK)
		return pgwire_error_set(err, out->status, 0, "the output buffer has failed before");
	/* NULs are let through so that a String holding one gets its own error */
	root = json_loadb(json ? json : "", len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_JSON, (size_t) jerr.position,
								"invalid JSON at line %d, column %d: %s",
								jerr.line, jerr.column, jerr.text);
	memset(&j, 0, sizeof(j));
	j.out = out;
	j.err = err;
	start = out->len;
	if (json_is_array(root))
	{
		for (j.index = 0; j.index < json_array_size(root) && rc == PGWIRE_OK; j.index++)
			rc = encode_message(&j, json_array_get(root, j.index));
	}
	else
		rc = encode_message(&j, root);
	json_decref(root);
	if (rc != PGWIRE_OK)
	{
		/* leave out as it was: no partial message, no sticky failure */
		out->len = start;
		out->status = PGWIRE_OK;
	}
	return rc;
}
