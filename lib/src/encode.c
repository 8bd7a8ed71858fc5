/*
 * encode.c
 *    The message writer (pqformat.c style) and pgwire_encode(), which
 *    writes a decoded message back by its catalogue layout.
 *
 * The length word is filled in at the end, after checking that the body
 * fits: lengths are computed in size_t and compared with the limit before
 * narrowing, so no body can wrap the Int32 (the CVE-2024-27304 class).
 */
#include <string.h>

#include "pgwire/encode.h"
#include "internal.h"
#include "wire.h"

static int
begin(pgwire_writer *w, pgwire_buf *buf, uint8_t type, int typed, pgwire_direction dir,
	  const pgwire_limits *lim)
{
	static const uint8_t zero[4] = {0, 0, 0, 0};

	if (lim == NULL)
		lim = pgwire_default_limits();
	w->buf = buf;
	w->start = buf->len;
	w->type = type;
	w->typed = (uint8_t) typed;
	w->limit = typed ? pgwire_type_limit(lim, dir, type) : lim->startup_max;
	if (typed)
		pgwire_buf_append(buf, &type, 1);
	return pgwire_buf_append(buf, zero, 4);
}

int
pgwire_msg_begin(pgwire_writer *w, pgwire_buf *buf, uint8_t type, pgwire_direction dir,
				 const pgwire_limits *lim)
{
	return begin(w, buf, type, type != 0, dir, lim);
}

int
pgwire_msg_begin_typed(pgwire_writer *w, pgwire_buf *buf, uint8_t type,
					   pgwire_direction dir, const pgwire_limits *lim)
{
	return begin(w, buf, type, 1, dir, lim);
}

void
pgwire_put_byte1(pgwire_writer *w, uint8_t v)
{
	pgwire_buf_append(w->buf, &v, 1);
}

void
pgwire_put_int16(pgwire_writer *w, int16_t v)
{
	uint8_t		b[2];

	pgwire_set_u16(b, (uint16_t) v);
	pgwire_buf_append(w->buf, b, 2);
}

void
pgwire_put_int32(pgwire_writer *w, int32_t v)
{
	uint8_t		b[4];

	pgwire_set_u32(b, (uint32_t) v);
	pgwire_buf_append(w->buf, b, 4);
}

void
pgwire_put_int64(pgwire_writer *w, int64_t v)
{
	uint8_t		b[8];

	pgwire_set_u64(b, (uint64_t) v);
	pgwire_buf_append(w->buf, b, 8);
}

void
pgwire_put_count16(pgwire_writer *w, size_t n)
{
	/* the server reads Int16 counts unsigned: 65535 is the most it takes */
	if (n > 0xFFFF)
	{
		pgwire_buf_fail(w->buf, PGWIRE_ERR_RANGE);
		return;
	}
	pgwire_put_int16(w, (int16_t) (uint16_t) n);
}

void
pgwire_put_string(pgwire_writer *w, const void *s, size_t len)
{
	static const uint8_t nul = 0;

	if (len > 0 && memchr(s, 0, len) != NULL)
	{
		pgwire_buf_fail(w->buf, PGWIRE_ERR_EMBEDDED_NUL);
		return;
	}
	pgwire_buf_append(w->buf, s, len);
	pgwire_buf_append(w->buf, &nul, 1);
}

void
pgwire_put_cstring(pgwire_writer *w, const char *s)
{
	pgwire_put_string(w, s, strlen(s));
}

void
pgwire_put_bytes(pgwire_writer *w, const void *p, size_t len)
{
	pgwire_buf_append(w->buf, p, len);
}

void
pgwire_put_value(pgwire_writer *w, const void *p, size_t len)
{
	if (p == NULL)
	{
		pgwire_put_int32(w, -1);
		return;
	}
	if (len > INT32_MAX)
	{
		pgwire_buf_fail(w->buf, PGWIRE_ERR_RANGE);
		return;
	}
	pgwire_put_int32(w, (int32_t) len);
	pgwire_buf_append(w->buf, p, len);
}

int
pgwire_msg_end(pgwire_writer *w)
{
	pgwire_buf *b = w->buf;
	size_t		hdr = w->typed ? 1 : 0;
	size_t		length;

	if (b->status == PGWIRE_OK)
	{
		length = b->len - w->start - hdr;
		if (length < (w->typed ? 4u : PGWIRE_STARTUP_MIN) || length > w->limit)
			pgwire_buf_fail(b, PGWIRE_ERR_LENGTH);
		else
			pgwire_set_u32(b->data + w->start + hdr, (uint32_t) length);
	}
	if (b->status != PGWIRE_OK && b->len > w->start)
		b->len = w->start;		/* no half-written message stays behind */
	return b->status;
}

/*
 * Check that a group's raw bytes hold exactly count elements (LIST and
 * GROUP_COUNTED: until the end, count being set from them; the count field
 * of GROUP_COUNTED is the message check's to compare), so that a group assembled by hand
 * cannot produce a malformed message.
 */
static int
check_group(const pgwire_field *f, const pgwire_group *g, pgwire_error *err)
{
	pgwire_walker w;
	const uint8_t *p = g->ptr;
	const uint8_t *end = g->ptr ? g->ptr + g->len : g->ptr;
	uint32_t	n = 0;
	int			to_end = f->type == PGWIRE_T_LIST || f->type == PGWIRE_T_GROUP_COUNTED;

	if (g->len > 0 && g->ptr == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "group \"%s\" has no bytes", f->name);
	memset(&w, 0, sizeof(w));
	w.raw = g->ptr;
	w.msgname = f->name;
	w.err = err;
	while (p < end && (to_end || n < g->count))
	{
		if (f->type == PGWIRE_T_LIST && *p == 0)
			return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE, (size_t) (p - g->ptr),
									"list \"%s\" contains a zero byte where an element starts",
									f->name);
		if (pgwire_walk_fields(&w, f->elem, &p, end, NULL, 1, n) != 0)
			return err ? err->status : PGWIRE_ERR_BAD_VALUE;
		n++;
	}
	if (p != end || (!to_end && n != g->count))
		return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE, (size_t) (p - g->ptr),
								"group \"%s\" holds %u elements in %zu bytes, count says %u",
								f->name, n, g->len, g->count);
	return PGWIRE_OK;
}

static int
put_field(pgwire_writer *w, const pgwire_field *f, const uint8_t *src, pgwire_error *err)
{
	const void *at = src + f->offset;

	switch (f->type)
	{
		case PGWIRE_T_BYTE1:
		case PGWIRE_T_INT8:
			pgwire_put_byte1(w, *(const uint8_t *) at);
			break;
		case PGWIRE_T_INT16:
			pgwire_put_int16(w, *(const int16_t *) at);
			break;
		case PGWIRE_T_INT32:
			pgwire_put_int32(w, (f->flags & PGWIRE_F_FIXED) ? (int32_t) f->fixed
							 : *(const int32_t *) at);
			break;
		case PGWIRE_T_OID:
		case PGWIRE_T_VERSION:
			pgwire_put_int32(w, (int32_t) *(const uint32_t *) at);
			break;
		case PGWIRE_T_INT64:
		case PGWIRE_T_LSN:
		case PGWIRE_T_TIMESTAMP:
			pgwire_put_int64(w, *(const int64_t *) at);
			break;
		case PGWIRE_T_STRING:
			{
				const pgwire_slice *s = at;

				pgwire_put_string(w, s->ptr, s->len);
				break;
			}
		case PGWIRE_T_BYTES:
			{
				const pgwire_slice *s = at;

				if (f->size && s->len != f->size)
					return pgwire_error_set(err, PGWIRE_ERR_RANGE, 0,
											"field \"%s\" must be %u bytes, not %zu",
											f->name, f->size, s->len);
				pgwire_put_bytes(w, s->ptr, s->len);
				break;
			}
		case PGWIRE_T_VALUE:
			{
				const pgwire_value *v = at;

				if (v->len < -1)
					return pgwire_error_set(err, PGWIRE_ERR_RANGE, 0,
											"value length %d of \"%s\" is below -1",
											v->len, f->name);
				pgwire_put_value(w, v->len < 0 ? NULL : (v->ptr ? v->ptr : (const uint8_t *) ""),
								 v->len < 0 ? 0 : (size_t) v->len);
				break;
			}
		case PGWIRE_T_TUPLE_COLUMN:
			{
				const pgwire_tuple_column *tc = at;

				pgwire_put_byte1(w, tc->kind);
				if (tc->kind == 't' || tc->kind == 'b')
				{
					if (tc->value.len < 0)
						return pgwire_error_set(err, PGWIRE_ERR_RANGE, 0,
												"column \"%s\" of kind '%c' needs a value",
												f->name, tc->kind);
					pgwire_put_value(w, tc->value.ptr ? tc->value.ptr : (const uint8_t *) "",
									 (size_t) tc->value.len);
				}
				else if (tc->kind != 'n' && tc->kind != 'u')
					return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE, 0,
											"column kind 0x%02x is none of 'n', 'u', 't', 'b'",
											tc->kind);
				break;
			}
		case PGWIRE_T_GROUP16:
		case PGWIRE_T_GROUP32:
		case PGWIRE_T_LIST:
		case PGWIRE_T_GROUP_COUNTED:
			{
				const pgwire_group *g = at;
				int			rc = check_group(f, g, err);

				if (rc != PGWIRE_OK)
					return rc;
				if (f->type == PGWIRE_T_GROUP16)
					pgwire_put_count16(w, g->count);
				else if (f->type == PGWIRE_T_GROUP32)
				{
					if (g->count > INT32_MAX)
						return pgwire_error_set(err, PGWIRE_ERR_RANGE, 0,
												"count of \"%s\" exceeds Int32", f->name);
					pgwire_put_int32(w, (int32_t) g->count);
				}
				pgwire_put_bytes(w, g->ptr, g->len);
				if (f->type == PGWIRE_T_LIST)
					pgwire_put_byte1(w, 0);
				break;
			}
	}
	return PGWIRE_OK;
}

int
pgwire_encode(const pgwire_msg *m, pgwire_buf *out, const pgwire_limits *lim,
			  pgwire_error *err)
{
	const pgwire_msgdef *def;
	pgwire_writer w;
	uint8_t		type;
	pgwire_direction dir;
	size_t		start = out->len;
	int			rc;

	if (m == NULL || (def = pgwire_msgdef_get(m->kind)) == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "invalid message kind");
	if (def->frame_kind == PGWIRE_FRAME_BYTE)
		return pgwire_buf_append(out, &m->u.encryption_response.response, 1);

	type = m->kind == PGWIRE_MSG_UNKNOWN ? m->u.unknown.type : def->type;
	dir = (def->directions & PGWIRE_DIR_BIT(PGWIRE_FRONTEND)) ? PGWIRE_FRONTEND : PGWIRE_BACKEND;
	if (m->kind == PGWIRE_MSG_UNKNOWN || m->kind == PGWIRE_MSG_COPY_DATA ||
		m->kind == PGWIRE_MSG_COPY_DONE)
		dir = m->frame.direction;
	if (m->kind == PGWIRE_MSG_UNKNOWN && !m->u.unknown.untyped)
		pgwire_msg_begin_typed(&w, out, type, dir, lim);
	else
		pgwire_msg_begin(&w, out, type, dir, lim);
	for (unsigned i = 0; i < def->layout.nfields; i++)
	{
		if ((def->layout.fields[i].flags & PGWIRE_F_OPTIONAL) && !(m->present & (1u << i)))
			continue;
		rc = put_field(&w, &def->layout.fields[i], (const uint8_t *) &m->u, err);
		if (rc != PGWIRE_OK)
		{
			out->len = start;
			return rc;
		}
	}
	rc = pgwire_msg_end(&w);
	if (rc != PGWIRE_OK)
	{
		/* the failure stays sticky in out; say which */
		return pgwire_error_set(err, rc, 0, "cannot encode %s: %s", def->name,
								pgwire_strerror(rc));
	}
	return PGWIRE_OK;
}
