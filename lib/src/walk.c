/*
 * walk.c
 *    The layout interpreter: reads a message body field by field following
 *    its catalogue layout.  With no visitor it validates and stores the
 *    fields into the decoded message (pgwire_decode); with a visitor it
 *    reports every field with its byte offset (pgwire_walk, the renderers).
 *
 * Every read is preceded by a check against the end of the message, so a
 * length word can never make us read outside the frame.
 */
#include <string.h>

#include "internal.h"
#include "wire.h"

#define OFF(w, p) ((w)->base + (uint64_t) ((p) - (w)->raw))

static int
truncated(pgwire_walker *w, const pgwire_field *f, const uint8_t *p,
		  const uint8_t *end, size_t need)
{
	return pgwire_error_set(w->err, PGWIRE_ERR_TRUNCATED, OFF(w, p),
							"field \"%s\" of %s needs %zu bytes but only %zu remain",
							f->name, w->msgname, need, (size_t) (end - p));
}

/* Fixed byte size of a scalar wire type; 0 for variable ones. */
static size_t
scalar_size(uint8_t type)
{
	switch (type)
	{
		case PGWIRE_T_BYTE1:
		case PGWIRE_T_INT8:
			return 1;
		case PGWIRE_T_INT16:
			return 2;
		case PGWIRE_T_INT32:
		case PGWIRE_T_OID:
		case PGWIRE_T_VERSION:
			return 4;
		case PGWIRE_T_INT64:
		case PGWIRE_T_LSN:
		case PGWIRE_T_TIMESTAMP:
			return 8;
		default:
			return 0;
	}
}

static void
store_scalar(uint8_t *dst, uint8_t type, int64_t v)
{
	switch (type)
	{
		case PGWIRE_T_BYTE1:
		case PGWIRE_T_INT8:
			*dst = (uint8_t) v;
			break;
		case PGWIRE_T_INT16:
			*(int16_t *) dst = (int16_t) v;
			break;
		case PGWIRE_T_INT32:
			*(int32_t *) dst = (int32_t) v;
			break;
		case PGWIRE_T_OID:
		case PGWIRE_T_VERSION:
			*(uint32_t *) dst = (uint32_t) v;
			break;
		default:
			*(int64_t *) dst = v;
			break;
	}
}

static int64_t
read_scalar(const uint8_t *p, uint8_t type)
{
	switch (type)
	{
		case PGWIRE_T_BYTE1:
			return p[0];
		case PGWIRE_T_INT8:
			return (int8_t) p[0];
		case PGWIRE_T_INT16:
			return (int16_t) pgwire_get_u16(p);
		case PGWIRE_T_INT32:
			return (int32_t) pgwire_get_u32(p);
		case PGWIRE_T_OID:
		case PGWIRE_T_VERSION:
			return pgwire_get_u32(p);
		default:
			return (int64_t) pgwire_get_u64(p);
	}
}

/*
 * Validation-only fast path for the groups that dominate real traffic
 * (DataRow values, Bind parameters): no visitor, no element storage.
 */
static int
skip_values(pgwire_walker *w, const pgwire_field *f, const uint8_t **pp,
			const uint8_t *end, uint32_t count)
{
	const uint8_t *p = *pp;

	for (uint32_t i = 0; i < count; i++)
	{
		int32_t		n;

		if (end - p < 4)
			return truncated(w, f->elem->fields, p, end, 4);
		n = (int32_t) pgwire_get_u32(p);
		p += 4;
		if (n < 0)
		{
			if (n != -1)
				return pgwire_error_set(w->err, PGWIRE_ERR_BAD_VALUE, OFF(w, p - 4),
										"value length %d in %s is below -1", n, w->msgname);
			continue;
		}
		if ((size_t) (end - p) < (size_t) n)
			return truncated(w, f->elem->fields, p, end, (size_t) n);
		p += n;
	}
	*pp = p;
	return 0;
}

/*
 * Report one event to the visitor.  Every member is set here, one by one:
 * clearing the 88-byte struct with memset compiled to "rep stos" and cost
 * about half of the walk.  Only called when there is a visitor.
 */
static int
emit_event(pgwire_walker *w, pgwire_event event, const pgwire_field *f, int depth,
		   uint32_t index, uint32_t count, const uint8_t *at, const uint8_t *raw,
		   size_t len, int64_t ival, const uint8_t *data, size_t dlen, uint8_t is_null)
{
	pgwire_visit v;

	v.event = event;
	v.field = f;
	v.depth = depth;
	v.index = index;
	v.count = count;
	v.offset = OFF(w, at);
	v.len = len;
	v.raw = raw;
	v.ival = ival;
	v.data = data;
	v.dlen = dlen;
	v.is_null = is_null;
	return w->fn(w->arg, &v);
}

/*
 * Group and element events; nothing to do when only validating.  The
 * members are what they always were: element events keep raw and len of
 * the count word and the GROUP_BEGIN count in count and ival, ELEM_END the
 * element's first offset; GROUP_END keeps ival and the last element index.
 */
static int
emit_group(pgwire_walker *w, pgwire_event event, const pgwire_field *f, int depth,
		   uint32_t index, uint32_t count, const uint8_t *at, const uint8_t *raw,
		   size_t len, int64_t ival)
{
	if (w->fn == NULL)
		return 0;
	return emit_event(w, event, f, depth, index, count, at, raw, len, ival, NULL, 0, 0);
}

/*
 * Element index of group f at *pp: its ELEM_BEGIN and ELEM_END events
 * around its fields.  gstart/countlen: the group's count word, which the
 * element events carry as the group's position.
 */
static int
walk_elem(pgwire_walker *w, const pgwire_field *f, const uint8_t **pp, const uint8_t *end,
		  int depth, uint32_t index, uint32_t begin_count, const uint8_t *gstart,
		  size_t countlen)
{
	const uint8_t *elem = *pp;
	int			rc;

	if ((rc = emit_group(w, PGWIRE_EV_ELEM_BEGIN, f, depth, index, begin_count, elem,
						 gstart, countlen, begin_count)) != 0)
		return rc;
	if ((rc = pgwire_walk_fields(w, f->elem, pp, end, NULL, depth + 1, index)) != 0)
		return rc;
	return emit_group(w, PGWIRE_EV_ELEM_END, f, depth, index, begin_count, elem,
					  gstart, countlen, begin_count);
}

static int
walk_group(pgwire_walker *w, const pgwire_field *f, const uint8_t **pp,
		   const uint8_t *end, uint8_t *store, int depth)
{
	const uint8_t *p = *pp;
	const uint8_t *start;
	uint32_t	count = 0;
	uint32_t	begin_count;
	size_t		countlen = f->type == PGWIRE_T_GROUP16 ? 2 : f->type == PGWIRE_T_GROUP32 ? 4 : 0;
	int			rc;

	if ((size_t) (end - p) < countlen)
		return truncated(w, f, p, end, countlen);
	if (f->type == PGWIRE_T_GROUP16)
		count = pgwire_get_u16(p);
	else if (f->type == PGWIRE_T_GROUP32)
	{
		int32_t		c = (int32_t) pgwire_get_u32(p);

		if (c < 0)
			return pgwire_error_set(w->err, PGWIRE_ERR_BAD_VALUE, OFF(w, p),
									"count %d of \"%s\" in %s is negative", c, f->name,
									w->msgname);
		count = (uint32_t) c;
	}
	else if (f->type == PGWIRE_T_GROUP_COUNTED && (store || w->stored))
	{
		int32_t		c;

		/* the count field came earlier in this layout and is stored */
		memcpy(&c, (store ? store : w->stored) + f->size, sizeof(c));
		count = c < 0 ? 0 : (uint32_t) c;
	}
	else if (w->stored)
		count = ((const pgwire_group *) (w->stored + f->offset))->count;

	/* element events carry the GROUP_BEGIN count, as they always have */
	begin_count = count;
	if ((rc = emit_group(w, PGWIRE_EV_GROUP_BEGIN, f, depth, 0, count, p, p, countlen,
						 count)) != 0)
		return rc;
	p += countlen;
	start = p;

	if (f->type == PGWIRE_T_LIST ||
		(f->type == PGWIRE_T_GROUP_COUNTED && store == NULL && w->stored == NULL))
	{
		/*
		 * A list runs to its zero byte; a counted group checked on its own
		 * (encoder, iterator), whose count field is not at hand, to its end.
		 */
		int			list = f->type == PGWIRE_T_LIST;

		count = 0;
		while (p < end && !(list && *p == 0))
		{
			if ((rc = walk_elem(w, f, &p, end, depth, count, begin_count, *pp, countlen)) != 0)
				return rc;
			count++;
		}
		if (list && p >= end)
			return pgwire_error_set(w->err, PGWIRE_ERR_TRUNCATED, OFF(w, p),
									"list \"%s\" of %s has no terminating zero byte",
									f->name, w->msgname);
	}
	else if (w->fn == NULL && f->elem->nfields == 1 && f->elem->fields[0].type == PGWIRE_T_VALUE)
	{
		if ((rc = skip_values(w, f, &p, end, count)) != 0)
			return rc;
	}
	else if (w->fn == NULL && f->elem->nfields == 1 && scalar_size(f->elem->fields[0].type))
	{
		size_t		need = (size_t) count * scalar_size(f->elem->fields[0].type);

		if ((size_t) (end - p) < need)
			return truncated(w, f, p, end, need);
		p += need;
	}
	else
	{
		for (uint32_t i = 0; i < count; i++)
			if ((rc = walk_elem(w, f, &p, end, depth, i, begin_count, *pp, countlen)) != 0)
				return rc;
	}

	if (store)
	{
		pgwire_group *g = (pgwire_group *) (store + f->offset);

		g->count = count;
		g->ptr = start;
		g->len = (size_t) (p - start);
	}
	rc = emit_group(w, PGWIRE_EV_GROUP_END, f, depth, count ? count - 1 : 0, count, p, p,
					f->type == PGWIRE_T_LIST ? 1 : 0, begin_count);
	if (f->type == PGWIRE_T_LIST)
		p++;					/* the terminating zero byte */
	if (rc != 0)
		return rc;
	*pp = p;
	return 0;
}

static int
walk_field(pgwire_walker *w, const pgwire_field *f, const uint8_t **pp,
		   const uint8_t *end, uint8_t *store, int depth, uint32_t index)
{
	const uint8_t *p = *pp;
	size_t		avail = (size_t) (end - p);
	size_t		size = scalar_size(f->type);
	size_t		len;
	int64_t		ival = 0;
	const uint8_t *data = NULL;
	size_t		dlen = 0;
	uint8_t		is_null = 0;

	if (f->type == PGWIRE_T_GROUP16 || f->type == PGWIRE_T_GROUP32 || f->type == PGWIRE_T_LIST ||
		f->type == PGWIRE_T_GROUP_COUNTED)
		return walk_group(w, f, pp, end, store, depth);

	if (size)
	{
		if (avail < size)
			return truncated(w, f, p, end, size);
		ival = read_scalar(p, f->type);
		len = size;
		if ((f->flags & PGWIRE_F_FIXED) && ival != f->fixed)
			return pgwire_error_set(w->err, PGWIRE_ERR_BAD_VALUE, OFF(w, p),
									"field \"%s\" of %s is %lld, expected %lld", f->name,
									w->msgname, (long long) ival, (long long) f->fixed);
		if (store)
			store_scalar(store + f->offset, f->type, ival);
	}
	else if (f->type == PGWIRE_T_STRING)
	{
		const uint8_t *nul = avail ? memchr(p, 0, avail) : NULL;

		if (nul == NULL)
			return pgwire_error_set(w->err, PGWIRE_ERR_TRUNCATED, OFF(w, p),
									"String field \"%s\" of %s has no terminating NUL",
									f->name, w->msgname);
		data = p;
		dlen = (size_t) (nul - p);
		len = dlen + 1;
	}
	else if (f->type == PGWIRE_T_BYTES)
	{
		size_t		n = f->size ? f->size : avail;

		if (avail < n)
			return truncated(w, f, p, end, n);
		data = p;
		dlen = n;
		len = n;
	}
	else if (f->type == PGWIRE_T_TUPLE_COLUMN)
	{
		if (avail < 1)
			return truncated(w, f, p, end, 1);
		ival = p[0];
		len = 1;
		if (p[0] == 't' || p[0] == 'b')
		{
			int32_t		n;

			if (avail < 5)
				return truncated(w, f, p + 1, end, 4);
			n = (int32_t) pgwire_get_u32(p + 1);
			if (n < 0)
				return pgwire_error_set(w->err, PGWIRE_ERR_BAD_VALUE, OFF(w, p + 1),
										"length %d of column \"%s\" in %s is negative", n,
										f->name, w->msgname);
			if (avail - 5 < (size_t) n)
				return truncated(w, f, p + 5, end, (size_t) n);
			data = p + 5;
			dlen = (size_t) n;
			len = 5 + (size_t) n;
		}
		else if (p[0] == 'n')
			is_null = 1;
		else if (p[0] != 'u')
			return pgwire_error_set(w->err, PGWIRE_ERR_BAD_VALUE, OFF(w, p),
									"column kind 0x%02x in %s is none of 'n', 'u', 't', 'b'",
									p[0], w->msgname);
		if (store)
		{
			pgwire_tuple_column *tc = (pgwire_tuple_column *) (store + f->offset);

			tc->kind = p[0];
			tc->value.ptr = data;
			tc->value.len = data ? (int32_t) dlen : -1;
		}
	}
	else						/* PGWIRE_T_VALUE */
	{
		int32_t		n;

		if (avail < 4)
			return truncated(w, f, p, end, 4);
		n = (int32_t) pgwire_get_u32(p);
		ival = n;
		if (n < -1)
			return pgwire_error_set(w->err, PGWIRE_ERR_BAD_VALUE, OFF(w, p),
									"length %d of \"%s\" in %s is below -1", n, f->name,
									w->msgname);
		if (n == -1)
		{
			is_null = 1;
			len = 4;
		}
		else
		{
			if (avail - 4 < (size_t) n)
				return truncated(w, f, p + 4, end, (size_t) n);
			data = p + 4;
			dlen = (size_t) n;
			len = 4 + (size_t) n;
		}
		if (store)
		{
			pgwire_value *val = (pgwire_value *) (store + f->offset);

			val->ptr = data;
			val->len = n;
		}
	}
	if (store && (f->type == PGWIRE_T_STRING || f->type == PGWIRE_T_BYTES))
	{
		pgwire_slice *s = (pgwire_slice *) (store + f->offset);

		s->ptr = data;
		s->len = dlen;
	}
	*pp = p + len;
	if (w->fn == NULL)
		return 0;
	return emit_event(w, PGWIRE_EV_FIELD, f, depth, index, 0, p, p, len, ival, data, dlen,
					  is_null);
}

int
pgwire_walk_fields(pgwire_walker *w, const pgwire_layout *lay, const uint8_t **pp,
				   const uint8_t *end, uint8_t *store, int depth, uint32_t index)
{
	for (unsigned i = 0; i < lay->nfields; i++)
	{
		int			rc;

		if ((lay->fields[i].flags & PGWIRE_F_OPTIONAL) && depth == 0 &&
			!(w->present & (1u << i)))
			continue;
		rc = walk_field(w, &lay->fields[i], pp, end, store, depth, index);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
pgwire_walk(const pgwire_msg *m, pgwire_visit_fn fn, void *arg)
{
	const pgwire_msgdef *def = pgwire_msgdef_get(m->kind);
	const pgwire_frame *f = &m->frame;
	pgwire_walker w;
	pgwire_visit v;
	const uint8_t *p;
	int			rc;

	if (def == NULL || f->raw == NULL || fn == NULL)
		return PGWIRE_ERR_ARGUMENT;
	memset(&v, 0, sizeof(v));
	v.offset = f->offset;
	v.raw = f->raw;
	if (f->kind == PGWIRE_FRAME_TYPED)
	{
		v.event = PGWIRE_EV_TYPE;
		v.len = 1;
		v.ival = f->type;
		if ((rc = fn(arg, &v)) != 0)
			return rc;
		v.offset++;
		v.raw++;
	}
	if (f->kind != PGWIRE_FRAME_BYTE)
	{
		v.event = PGWIRE_EV_LENGTH;
		v.len = 4;
		v.ival = f->length;
		if ((rc = fn(arg, &v)) != 0)
			return rc;
	}
	w.raw = f->raw;
	w.base = f->offset;
	w.fn = fn;
	w.arg = arg;
	w.stored = (const uint8_t *) &m->u;
	w.msgname = def->name;
	w.present = m->present;
	w.err = NULL;
	p = f->body;
	return pgwire_walk_fields(&w, &def->layout, &p, f->body + f->body_len, NULL, 0, 0);
}
