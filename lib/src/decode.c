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

int
pgwire_decode(const pgwire_frame *f, const pgwire_context *ctx, pgwire_msg *out,
			  pgwire_error *err)
{
	const pgwire_msgdef *def;
	pgwire_walker w;
	const uint8_t *p;
	const uint8_t *end;
	int			rc;

	if (f == NULL || out == NULL || f->raw == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "NULL frame or output");
	memset(out, 0, sizeof(*out));
	out->frame = *f;
	out->inferred = f->inferred;
	if ((rc = identify(f, ctx, out, err)) != PGWIRE_OK)
		return rc;
	def = pgwire_msgdef_get(out->kind);

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
