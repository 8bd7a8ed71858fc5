/*
 * decode.c
 *    From a frame to a decoded message: decide which message the frame is
 *    (by direction, type byte, startup code, Authentication code and, for
 *    'p', the context), then validate and store its fields by the
 *    catalogue layout.
 *
 * Source: PostgreSQL docs, "Message Formats"; which 'p' follows which
 * Authentication request: "Message Flow", "Start-up".
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "wire.h"

#define CANCEL_REQUEST_CODE 80877102
#define NEGOTIATE_SSL_CODE 80877103
#define NEGOTIATE_GSS_CODE 80877104

static pgwire_msg_kind
untyped_kind(uint32_t code)
{
	switch (code)
	{
		case CANCEL_REQUEST_CODE:
			return PGWIRE_MSG_CANCEL_REQUEST;
		case NEGOTIATE_SSL_CODE:
			return PGWIRE_MSG_SSL_REQUEST;
		case NEGOTIATE_GSS_CODE:
			return PGWIRE_MSG_GSSENC_REQUEST;
		default:
			/* protocol 3.x, any minor (3.0, 3.2, and newer ones to negotiate) */
			return code >> 16 == 3 ? PGWIRE_MSG_STARTUP_MESSAGE : PGWIRE_MSG_INVALID;
	}
}

/*
 * Which 'p' message this is, when no Authentication request was seen: the
 * shape of the bytes decides, and the message is marked inferred.
 */
static pgwire_msg_kind
infer_auth_response(const uint8_t *body, size_t len)
{
	const uint8_t *nul = len ? memchr(body, 0, len) : NULL;

	if (nul != NULL)
	{
		size_t		slen = (size_t) (nul - body);

		/* SASLInitialResponse: mechanism, Int32 n, exactly n bytes (or -1) */
		if (slen > 0 && len - slen - 1 >= 4)
		{
			int32_t		n = (int32_t) pgwire_get_u32(nul + 1);
			size_t		rest = len - slen - 5;

			if ((n == -1 && rest == 0) || (n >= 0 && (size_t) n == rest))
				return PGWIRE_MSG_SASL_INITIAL_RESPONSE;
		}
		/* PasswordMessage: one String filling the whole body */
		if (slen + 1 == len)
			return PGWIRE_MSG_PASSWORD_MESSAGE;
	}
	/* a SCRAM client-final-message starts with the channel binding */
	if (len >= 2 && body[0] == 'c' && body[1] == '=')
		return PGWIRE_MSG_SASL_RESPONSE;
	return PGWIRE_MSG_AUTHENTICATION_RESPONSE;
}

static int
identify(const pgwire_frame *f, const pgwire_context *ctx, pgwire_msg *out,
		 pgwire_error *err)
{
	pgwire_msg_kind kind = PGWIRE_MSG_INVALID;
	int			allow_unknown = ctx && (ctx->flags & PGWIRE_DECODE_UNKNOWN);

	switch (f->kind)
	{
		case PGWIRE_FRAME_BYTE:
			kind = (f->request == 'G' || f->type == 'G') ? PGWIRE_MSG_GSSENC_RESPONSE
				: PGWIRE_MSG_SSL_RESPONSE;
			if (f->request == 0 && f->type == 'N')
				out->inferred = 1;
			break;
		case PGWIRE_FRAME_UNTYPED:
			if (f->body_len < 4)
				return pgwire_error_set(err, PGWIRE_ERR_TRUNCATED, f->offset + 4,
										"startup packet has no request code");
			kind = untyped_kind(pgwire_get_u32(f->body));
			if (kind == PGWIRE_MSG_INVALID)
			{
				uint32_t	code = pgwire_get_u32(f->body);

				if (!allow_unknown)
					return pgwire_error_set(err, PGWIRE_ERR_UNKNOWN_TYPE, f->offset + 4,
											"startup packet code %u (%u.%u) is neither protocol 3.x nor a known request",
											code, code >> 16, code & 0xffff);
				kind = PGWIRE_MSG_UNKNOWN;
			}
			break;
		case PGWIRE_FRAME_TYPED:
			kind = pgwire_kind_for_type(f->direction, f->type);
			if (kind == PGWIRE_MSG_INVALID)
			{
				if (!allow_unknown)
					return pgwire_error_set(err, PGWIRE_ERR_UNKNOWN_TYPE, f->offset,
											"type byte 0x%02x ('%c') names no %s message",
											f->type, (f->type >= 0x20 && f->type < 0x7f) ? f->type : '?',
											f->direction == PGWIRE_FRONTEND ? "frontend" : "backend");
				kind = PGWIRE_MSG_UNKNOWN;
			}
			else if (kind == PGWIRE_MSG_AUTHENTICATION_UNKNOWN)
			{
				if (f->body_len < 4)
					return pgwire_error_set(err, PGWIRE_ERR_TRUNCATED, f->offset + 5,
											"Authentication message has no Int32 code");
				kind = pgwire_kind_for_auth_code((int32_t) pgwire_get_u32(f->body));
			}
			else if (kind == PGWIRE_MSG_AUTHENTICATION_RESPONSE)
			{
				if (ctx && ctx->auth_response != PGWIRE_MSG_INVALID)
					kind = ctx->auth_response;
				else
				{
					kind = infer_auth_response(f->body, f->body_len);
					out->inferred = 1;
				}
			}
			break;
	}
	out->kind = kind;
	return PGWIRE_OK;
}

/* ---- fast paths ------------------------------------------------------- */

/*
 * The messages that make up nearly all traffic (a result set's DataRows,
 * the extended-query cycle) are read here directly instead of through the
 * layout interpreter.  A fast path only ever accepts: it returns 1 when
 * the body is valid by the message's layout and the fields are stored
 * exactly as the walk stores them, 0 otherwise, and then the generic walk
 * runs and reports the error as it always has (status, detail, offset).
 *
 * The layouts read here are the catalogue's (catalog.c, the single source
 * of truth); pgwire_fast_paths_check() below verifies each assumption
 * against it and the unit tests decode valid and damaged messages both
 * ways and require identical results.
 */

#define UOFF(member) (offsetof(pgwire_msg, u.member) - offsetof(pgwire_msg, u))

static inline void
set_slice(pgwire_slice *s, const uint8_t *ptr, size_t len)
{
	s->ptr = ptr;
	s->len = len;
}

static inline void
set_group(pgwire_group *g, uint32_t count, const uint8_t *ptr, size_t len)
{
	g->count = count;
	g->ptr = ptr;
	g->len = len;
}

/* A String at *pp before end: store it, advance past its NUL. */
static inline int
fast_string(const uint8_t **pp, const uint8_t *end, pgwire_slice *out)
{
	const uint8_t *p = *pp;
	const uint8_t *nul = pgwire_find_nul(p, (size_t) (end - p));

	if (nul == NULL)
		return 0;
	set_slice(out, p, (size_t) (nul - p));
	*pp = nul + 1;
	return 1;
}

/* Int16 count then count elements of size bytes each. */
static inline int
fast_fixed_group(const uint8_t **pp, const uint8_t *end, size_t size, pgwire_group *out)
{
	const uint8_t *p = *pp;
	uint32_t	count;
	size_t		len;

	if (end - p < 2)
		return 0;
	count = pgwire_get_u16(p);
	len = (size_t) count * size;
	if ((size_t) (end - p - 2) < len)
		return 0;
	set_group(out, count, p + 2, len);
	*pp = p + 2 + len;
	return 1;
}

/* A group's Int16 count at *p: read it, advance past it. */
static inline int
fast_count16(const uint8_t **p, const uint8_t *end, uint32_t *count)
{
	if (end - *p < 2)
		return 0;
	*count = pgwire_get_u16(*p);
	*p += 2;
	return 1;
}

/* Int16 count then count values (Int32 length, -1 NULL, then the bytes). */
static inline int
fast_value_group(const uint8_t **pp, const uint8_t *end, pgwire_group *out)
{
	const uint8_t *p = *pp;
	const uint8_t *start;
	uint32_t	count;

	if (!fast_count16(&p, end, &count))
		return 0;
	start = p;
	for (uint32_t i = 0; i < count; i++)
	{
		int32_t		n;

		if (end - p < 4)
			return 0;
		n = (int32_t) pgwire_get_u32(p);
		p += 4;
		if (n > 0)
		{
			if (end - p < n)
				return 0;
			p += n;
		}
		else if (n < -1)
			return 0;
	}
	set_group(out, count, start, (size_t) (p - start));
	*pp = p;
	return 1;
}

/* RowDescription: Int16 count, then per column a String and 18 bytes. */
static inline int
fast_column_group(const uint8_t **pp, const uint8_t *end, pgwire_group *out)
{
	const uint8_t *p = *pp;
	const uint8_t *start;
	uint32_t	count;

	if (!fast_count16(&p, end, &count))
		return 0;
	start = p;
	for (uint32_t i = 0; i < count; i++)
	{
		const uint8_t *nul = pgwire_find_nul(p, (size_t) (end - p));

		if (nul == NULL || end - nul - 1 < PGWIRE_COLUMN_FIXED_BYTES)
			return 0;
		p = nul + 1 + PGWIRE_COLUMN_FIXED_BYTES;
	}
	set_group(out, count, start, (size_t) (p - start));
	*pp = p;
	return 1;
}

static int
fast_decode(pgwire_msg_kind kind, const uint8_t *p, size_t n, pgwire_msg *out)
{
	const uint8_t *end = p + n;

	switch (kind)
	{
		case PGWIRE_MSG_DATA_ROW:
			return fast_value_group(&p, end, &out->u.data_row.values) && p == end;
		case PGWIRE_MSG_ROW_DESCRIPTION:
			return fast_column_group(&p, end, &out->u.row_description.fields) && p == end;
		case PGWIRE_MSG_COMMAND_COMPLETE:
			return fast_string(&p, end, &out->u.command_complete.tag) && p == end;
		case PGWIRE_MSG_READY_FOR_QUERY:
			if (n != 1)
				return 0;
			out->u.ready_for_query.status = p[0];
			return 1;
		case PGWIRE_MSG_PARSE:
			return fast_string(&p, end, &out->u.parse.statement) &&
				fast_string(&p, end, &out->u.parse.query) &&
				fast_fixed_group(&p, end, 4, &out->u.parse.parameter_types) && p == end;
		case PGWIRE_MSG_BIND:
			return fast_string(&p, end, &out->u.bind.portal) &&
				fast_string(&p, end, &out->u.bind.statement) &&
				fast_fixed_group(&p, end, 2, &out->u.bind.parameter_formats) &&
				fast_value_group(&p, end, &out->u.bind.parameters) &&
				fast_fixed_group(&p, end, 2, &out->u.bind.result_formats) && p == end;
		case PGWIRE_MSG_DESCRIBE:
			if (n < 1)
				return 0;
			out->u.describe.target = *p++;
			return fast_string(&p, end, &out->u.describe.name) && p == end;
		case PGWIRE_MSG_EXECUTE:
			if (!fast_string(&p, end, &out->u.execute.portal) || end - p != 4)
				return 0;
			out->u.execute.max_rows = (int32_t) pgwire_get_u32(p);
			return 1;
		default:
			return 0;
	}
}

/* One field a fast path assumes: wire type, where it is stored, element. */
typedef struct fast_field
{
	uint8_t		type;
	size_t		offset;
	const struct fast_field *elem;	/* groups: the one-field element */
} fast_field;

#define FAST_MAX_FIELDS 7

typedef struct fast_shape
{
	pgwire_msg_kind kind;		/* 0: an element layout, checked via its group */
	unsigned	nfields;
	fast_field	fields[FAST_MAX_FIELDS];
} fast_shape;

static const fast_field value_elem = {PGWIRE_T_VALUE, 0, NULL};
static const fast_field int16_elem = {PGWIRE_T_INT16, 0, NULL};
static const fast_field oid_elem = {PGWIRE_T_OID, 0, NULL};

/* The element of RowDescription's group, as pgwire_next_column() reads it. */
static const fast_shape column_shape = {0, 7, {
		{PGWIRE_T_STRING, offsetof(pgwire_column, name), NULL},
		{PGWIRE_T_OID, offsetof(pgwire_column, table_oid), NULL},
		{PGWIRE_T_INT16, offsetof(pgwire_column, column_attnum), NULL},
		{PGWIRE_T_OID, offsetof(pgwire_column, type_oid), NULL},
		{PGWIRE_T_INT16, offsetof(pgwire_column, type_size), NULL},
		{PGWIRE_T_INT32, offsetof(pgwire_column, type_modifier), NULL},
		{PGWIRE_T_INT16, offsetof(pgwire_column, format), NULL}}
};

static const fast_shape fast_shapes[] = {
	{PGWIRE_MSG_DATA_ROW, 1, {
			{PGWIRE_T_GROUP16, UOFF(data_row.values), &value_elem}}},
	{PGWIRE_MSG_ROW_DESCRIPTION, 1, {
			{PGWIRE_T_GROUP16, UOFF(row_description.fields), NULL}}},
	{PGWIRE_MSG_COMMAND_COMPLETE, 1, {
			{PGWIRE_T_STRING, UOFF(command_complete.tag), NULL}}},
	{PGWIRE_MSG_READY_FOR_QUERY, 1, {
			{PGWIRE_T_BYTE1, UOFF(ready_for_query.status), NULL}}},
	{PGWIRE_MSG_PARSE, 3, {
			{PGWIRE_T_STRING, UOFF(parse.statement), NULL},
			{PGWIRE_T_STRING, UOFF(parse.query), NULL},
			{PGWIRE_T_GROUP16, UOFF(parse.parameter_types), &oid_elem}}},
	{PGWIRE_MSG_BIND, 5, {
			{PGWIRE_T_STRING, UOFF(bind.portal), NULL},
			{PGWIRE_T_STRING, UOFF(bind.statement), NULL},
			{PGWIRE_T_GROUP16, UOFF(bind.parameter_formats), &int16_elem},
			{PGWIRE_T_GROUP16, UOFF(bind.parameters), &value_elem},
			{PGWIRE_T_GROUP16, UOFF(bind.result_formats), &int16_elem}}},
	{PGWIRE_MSG_DESCRIBE, 2, {
			{PGWIRE_T_BYTE1, UOFF(describe.target), NULL},
			{PGWIRE_T_STRING, UOFF(describe.name), NULL}}},
	{PGWIRE_MSG_EXECUTE, 2, {
			{PGWIRE_T_STRING, UOFF(execute.portal), NULL},
			{PGWIRE_T_INT32, UOFF(execute.max_rows), NULL}}},
};

/*
 * Whether the catalogue layout lay is exactly shape's fields: same count,
 * wire types, storage offsets, no flags that change decoding (fixed
 * values, optional fields), no fixed-size Byten.
 */
static const char *
check_layout(const char *name, const pgwire_layout *lay, unsigned nfields,
			 const fast_field *fields)
{
	static char why[160];

	if (lay->nfields != nfields)
	{
		snprintf(why, sizeof(why), "%s: %u fields in the catalogue, fast path reads %u",
				 name, lay->nfields, nfields);
		return why;
	}
	for (unsigned i = 0; i < nfields; i++)
	{
		const pgwire_field *cf = &lay->fields[i];
		const fast_field *ff = &fields[i];

		if (cf->type != ff->type || cf->offset != ff->offset || cf->size != 0 ||
			(cf->flags & (PGWIRE_F_FIXED | PGWIRE_F_OPTIONAL)) != 0)
		{
			snprintf(why, sizeof(why), "%s: field %u (\"%s\") differs from the fast path",
					 name, i, cf->name);
			return why;
		}
		if (ff->elem && (cf->elem == NULL || check_layout(name, cf->elem, 1, ff->elem)))
		{
			snprintf(why, sizeof(why), "%s: element of \"%s\" differs from the fast path",
					 name, cf->name);
			return why;
		}
	}
	return NULL;
}

const char *
pgwire_fast_paths_check(void)
{
	const pgwire_msgdef *rd = pgwire_msgdef_get(PGWIRE_MSG_ROW_DESCRIPTION);
	const char *why;

	for (size_t i = 0; i < sizeof(fast_shapes) / sizeof(fast_shapes[0]); i++)
	{
		const pgwire_msgdef *def = pgwire_msgdef_get(fast_shapes[i].kind);

		if (def->frame_kind != PGWIRE_FRAME_TYPED)
			return "a fast-path message is not a typed message";
		if ((why = check_layout(def->name, &def->layout, fast_shapes[i].nfields,
								fast_shapes[i].fields)) != NULL)
			return why;
	}
	/* RowDescription's column: a String then 18 fixed bytes */
	if (rd->layout.fields[0].elem == NULL ||
		(why = check_layout("RowDescription column", rd->layout.fields[0].elem,
							column_shape.nfields, column_shape.fields)) != NULL)
		return why ? why : "RowDescription has no column element";
	return NULL;
}

/* ---- decoding ---------------------------------------------------------- */

/*
 * out->frame = *f, member by member, the compiler kept from merging them:
 * the frame was just filled member by member (pgwire_reader_next()), and
 * a load that spans several earlier stores cannot take its bytes from the
 * store buffer; a struct copy's 16-byte loads stalled on that for a third
 * of the decoding time of small messages.
 */
#if defined(__GNUC__) || defined(__clang__)
#define NO_MERGE() __asm__ volatile("" ::: "memory")
#else
#define NO_MERGE() ((void) 0)
#endif

static inline void
copy_frame(pgwire_frame *dst, const pgwire_frame *f)
{
	dst->kind = f->kind;
	NO_MERGE();
	dst->direction = f->direction;
	NO_MERGE();
	dst->type = f->type;
	NO_MERGE();
	dst->inferred = f->inferred;
	NO_MERGE();
	dst->request = f->request;
	NO_MERGE();
	dst->length = f->length;
	NO_MERGE();
	dst->raw = f->raw;
	NO_MERGE();
	dst->raw_len = f->raw_len;
	NO_MERGE();
	dst->body = f->body;
	NO_MERGE();
	dst->body_len = f->body_len;
	NO_MERGE();
	dst->offset = f->offset;
}

static int
decode(const pgwire_frame *f, const pgwire_context *ctx, pgwire_msg *out,
	   pgwire_error *err, int fast)
{
	/* copying a zeroed message compiles to vector stores, memset to "rep stos" */
	static const pgwire_msg zero_msg;
	const pgwire_msgdef *def;
	pgwire_walker w;
	const uint8_t *p;
	const uint8_t *end;
	int			rc;

	if (f == NULL || out == NULL || f->raw == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "NULL frame or output");
	*out = zero_msg;
	copy_frame(&out->frame, f);
	out->inferred = f->inferred;
	if ((rc = identify(f, ctx, out, err)) != PGWIRE_OK)
		return rc;
	if (fast && fast_decode(out->kind, f->body, f->body_len, out))
		return PGWIRE_OK;
	def = pgwire_msgdef_get(out->kind);
	/* no fields (Sync, ParseComplete, ...): the layout says an empty body */
	if (fast && def->layout.nfields == 0 && f->body_len == 0 &&
		out->kind != PGWIRE_MSG_UNKNOWN)
		return PGWIRE_OK;

	w.raw = f->raw;
	w.base = f->offset;
	w.fn = NULL;
	w.arg = NULL;
	w.stored = NULL;
	w.msgname = def->name;
	w.present = out->present;
	w.err = err;
	p = f->body;
	end = f->body + f->body_len;
	rc = pgwire_walk_fields(&w, &def->layout, &p, end, (uint8_t *) &out->u, 0, 0);
	if (rc != 0)
	{
		out->kind = PGWIRE_MSG_INVALID;
		return rc;
	}
	if (p != end)
	{
		out->kind = PGWIRE_MSG_INVALID;
		return pgwire_error_set(err, PGWIRE_ERR_TRAILING, w.base + (uint64_t) (p - f->raw),
								"%zu byte%s follow%s the last field of %s",
								(size_t) (end - p), end - p == 1 ? "" : "s",
								end - p == 1 ? "s" : "", def->name);
	}
	if (out->kind == PGWIRE_MSG_UNKNOWN)
	{
		out->u.unknown.type = f->type;
		out->u.unknown.untyped = f->kind == PGWIRE_FRAME_UNTYPED;
	}
	return PGWIRE_OK;
}

int
pgwire_decode(const pgwire_frame *f, const pgwire_context *ctx, pgwire_msg *out,
			  pgwire_error *err)
{
	return decode(f, ctx, out, err, 1);
}

int
pgwire_decode_generic(const pgwire_frame *f, const pgwire_context *ctx, pgwire_msg *out,
					  pgwire_error *err)
{
	return decode(f, ctx, out, err, 0);
}

int
pgwire_decode_bytes(const uint8_t *buf, size_t len, pgwire_direction dir,
					const pgwire_context *ctx, pgwire_msg *out, pgwire_error *err)
{
	pgwire_frame f;
	int			rc;

	/* a whole buffer of one S/N/G byte can only be an SSL/GSS answer */
	if (dir == PGWIRE_BACKEND && len == 1 && (buf[0] == 'S' || buf[0] == 'N' || buf[0] == 'G'))
		rc = pgwire_frame_parse(buf, len, dir, buf[0] == 'G' ? PGWIRE_PHASE_GSS_ANSWER
								: PGWIRE_PHASE_SSL_ANSWER, NULL, 0, &f, err);
	else
		rc = pgwire_frame_parse(buf, len, dir, PGWIRE_PHASE_AUTO, NULL, 0, &f, err);
	if (rc == PGWIRE_OK && f.kind == PGWIRE_FRAME_BYTE && len == 1)
	{
		f.inferred = 1;
		if (buf[0] == 'N')
			f.request = 0;
	}
	if (rc == PGWIRE_INCOMPLETE)
		return pgwire_error_set(err, PGWIRE_INCOMPLETE, len,
								"the %zu bytes end inside a message", len);
	if (rc != PGWIRE_OK)
		return rc;
	if (f.raw_len != len)
		return pgwire_error_set(err, PGWIRE_ERR_EXTRA_DATA, f.raw_len,
								"%zu byte%s follow%s the message", len - f.raw_len,
								len - f.raw_len == 1 ? "" : "s", len - f.raw_len == 1 ? "s" : "");
	return pgwire_decode(&f, ctx, out, err);
}
