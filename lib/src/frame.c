/*
 * frame.c
 *    Framing: find where one message ends, checking its length word
 *    against the limits before anything trusts it.
 *
 * Source: PostgreSQL docs, "Messaging Overview"; pq_getmessage (pqcomm.c),
 * SocketBackend (postgres.c), ProcessStartupPacket (backend_startup.c).
 */
#include <string.h>

#include "pgwire/frame.h"
#include "wire.h"

static const pgwire_limits default_limits = {
	PGWIRE_STARTUP_MIN, PGWIRE_STARTUP_MAX, PGWIRE_SMALL_MAX, PGWIRE_LARGE_MAX
};

const pgwire_limits *
pgwire_default_limits(void)
{
	return &default_limits;
}

uint32_t
pgwire_type_limit(const pgwire_limits *lim, pgwire_direction dir, uint8_t type)
{
	if (lim == NULL)
		lim = &default_limits;
	if (dir == PGWIRE_FRONTEND)
	{
		/* the types SocketBackend reads with PQ_SMALL_MESSAGE_LIMIT */
		switch (type)
		{
			case 'C':
			case 'D':
			case 'E':
			case 'H':
			case 'S':
			case 'X':
			case 'c':
			case 'f':
				return lim->small_max;
			default:
				break;
		}
	}
	return lim->large_max;
}

/* Printable rendering of a byte for error details: 'x' or \xHH. */
static const char *
show_byte(uint8_t c, char *out)
{
	if (c >= 0x20 && c < 0x7f && c != '\'')
		snprintf(out, 8, "'%c'", c);
	else
		snprintf(out, 8, "\\x%02x", c);
	return out;
}

static int
parse_untyped(const uint8_t *buf, size_t len, pgwire_direction dir,
			  const pgwire_limits *lim, uint64_t base, pgwire_frame *out,
			  pgwire_error *err)
{
	uint32_t	length;

	if (len < 4)
		return PGWIRE_INCOMPLETE;
	length = pgwire_get_u32(buf);
	if (length < lim->startup_min || length > lim->startup_max)
		return pgwire_error_set(err, PGWIRE_ERR_LENGTH, base,
								"startup packet length %u is outside %u..%u",
								length, lim->startup_min, lim->startup_max);
	if (len < length)
		return PGWIRE_INCOMPLETE;
	out->kind = PGWIRE_FRAME_UNTYPED;
	out->direction = dir;
	out->type = 0;
	out->length = length;
	out->raw = buf;
	out->raw_len = length;
	out->body = buf + 4;
	out->body_len = length - 4;
	return PGWIRE_OK;
}

static int
parse_typed(const uint8_t *buf, size_t len, pgwire_direction dir,
			const pgwire_limits *lim, uint64_t base, pgwire_frame *out,
			pgwire_error *err)
{
	uint32_t	length;
	uint32_t	limit;
	char		shown[8];

	if (len < 5)
		return PGWIRE_INCOMPLETE;
	length = pgwire_get_u32(buf + 1);
	limit = pgwire_type_limit(lim, dir, buf[0]);
	if (length < 4 || length > limit)
		return pgwire_error_set(err, PGWIRE_ERR_LENGTH, base + 1,
								"length %u of message type %s is outside 4..%u",
								length, show_byte(buf[0], shown), limit);
	/* length <= 0x3FFFFFFE so 1 + length cannot wrap a size_t */
	if (len - 1 < length)
		return PGWIRE_INCOMPLETE;
	out->kind = PGWIRE_FRAME_TYPED;
	out->direction = dir;
	out->type = buf[0];
	out->length = length;
	out->raw = buf;
	out->raw_len = (size_t) length + 1;
	out->body = buf + 5;
	out->body_len = length - 4;
	return PGWIRE_OK;
}

static int parse_typed(const uint8_t *buf, size_t len, pgwire_direction dir,
						const pgwire_limits *lim, uint64_t base, pgwire_frame *out,
						pgwire_error *err);

static int
parse_answer(const uint8_t *buf, size_t len, pgwire_direction dir, uint8_t request,
			 const pgwire_limits *lim, uint64_t base, pgwire_frame *out, pgwire_error *err)
{
	char		shown[8];

	if (len < 1)
		return PGWIRE_INCOMPLETE;
	/*
	 * Servers older than 12 do not know GSSENCRequest and answer with a
	 * whole ErrorResponse ("unsupported frontend protocol"): a typed message.
	 */
	if (buf[0] == 'E')
		return parse_typed(buf, len, dir, lim, base, out, err);
	if (!(buf[0] == 'N' || (request == 'S' && buf[0] == 'S') ||
		  (request == 'G' && buf[0] == 'G')))
		return pgwire_error_set(err, PGWIRE_ERR_UNKNOWN_TYPE, base,
								"byte %s is not an answer to %s",
								show_byte(buf[0], shown),
								request == 'S' ? "SSLRequest" : "GSSENCRequest");
	out->kind = PGWIRE_FRAME_BYTE;
	out->direction = dir;
	out->type = buf[0];
	out->request = request;
	out->length = 0;
	out->raw = buf;
	out->raw_len = 1;
	out->body = buf;
	out->body_len = 1;
	return PGWIRE_OK;
}

int
pgwire_frame_parse(const uint8_t *buf, size_t len, pgwire_direction dir,
				   pgwire_phase phase, const pgwire_limits *lim,
				   uint64_t base_offset, pgwire_frame *out, pgwire_error *err)
{
	int			rc;

	if (out == NULL || (buf == NULL && len > 0) ||
		(dir != PGWIRE_FRONTEND && dir != PGWIRE_BACKEND))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, base_offset,
								"NULL buffer or invalid direction");
	if (lim == NULL)
		lim = &default_limits;
	memset(out, 0, sizeof(*out));
	out->offset = base_offset;

	switch (phase)
	{
		case PGWIRE_PHASE_ENCRYPTED:
			return pgwire_error_set(err, PGWIRE_ERR_ENCRYPTED, base_offset,
									"the connection switched to encryption; the bytes are not protocol messages");
		case PGWIRE_PHASE_STARTUP:
			return parse_untyped(buf, len, dir, lim, base_offset, out, err);
		case PGWIRE_PHASE_SSL_ANSWER:
			return parse_answer(buf, len, dir, 'S', lim, base_offset, out, err);
		case PGWIRE_PHASE_GSS_ANSWER:
			return parse_answer(buf, len, dir, 'G', lim, base_offset, out, err);
		case PGWIRE_PHASE_TYPED:
			return parse_typed(buf, len, dir, lim, base_offset, out, err);
		case PGWIRE_PHASE_AUTO:
			break;
	}

	if (len < 1)
		return PGWIRE_INCOMPLETE;
	if (dir == PGWIRE_FRONTEND)
	{
		/* no typed message has type byte 0; a length word < 16 MiB starts 0 */
		if (buf[0] == 0)
			return parse_untyped(buf, len, dir, lim, base_offset, out, err);
		return parse_typed(buf, len, dir, lim, base_offset, out, err);
	}
	if (base_offset == 0)
	{
		int			answer = pgwire_backend_starts_with_answer(buf, len);

		if (answer < 0)
			return PGWIRE_INCOMPLETE;
		if (answer)
		{
			rc = parse_answer(buf, len, dir, buf[0] == 'G' ? 'G' : 'S', lim, base_offset, out, err);
			out->inferred = 1;
			if (buf[0] == 'N')
				out->request = 0;	/* refuses either request */
			return rc;
		}
	}
	return parse_typed(buf, len, dir, lim, base_offset, out, err);
}

int
pgwire_backend_starts_with_answer(const uint8_t *buf, size_t len)
{
	uint32_t	length;

	if (len < 1 || (buf[0] != 'S' && buf[0] != 'N' && buf[0] != 'G'))
		return 0;
	if (len < 5)
		return -1;
	/* TLS after 'S', or the high byte of 'R'/'E'/'v' after 'N' */
	length = pgwire_get_u32(buf + 1);
	return buf[1] == 0x16 || length < 4 || length > 0x01000000;
}
