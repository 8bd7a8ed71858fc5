/*
 * pgoutput.c
 *    Decoding pgoutput logical-replication messages (protocol versions 1
 *    to 4): pick the message by its type byte and the protocol version,
 *    decide which context-dependent fields are on the wire, then let the
 *    catalogue layout do the rest.
 *
 * Context-dependent fields (PGWIRE_F_OPTIONAL in catalog.c):
 *  - the xid that Message, Relation, Type, Insert, Update, Delete and
 *    Truncate carry first inside a streamed block (proto >= 2; proto.c
 *    writes it when the xid passed is valid, which pgoutput does only
 *    while streaming);
 *  - Update's old tuple, sent with 'K' (key changed) or 'O' (REPLICA
 *    IDENTITY FULL) before the 'N' new tuple;
 *  - Stream Abort's abort LSN and time, sent only with proto 4 and
 *    streaming = parallel, which the subscriber's option, not the bytes,
 *    decides; the message size tells them apart (8 or 24 bytes).
 *
 * Source: PostgreSQL docs, "Logical Replication Message Formats";
 * src/backend/replication/logical/proto.c, pgoutput/pgoutput.c.
 */
#include <string.h>

#include "pgwire/replication.h"
#include "internal.h"
#include "wire.h"

/* replication.c */
int			pgwire_payload_decode(pgwire_msg_kind kind, const uint8_t *data, size_t len,
								  pgwire_direction dir, uint64_t base, uint32_t present,
								  pgwire_msg *out, pgwire_error *err);

#define BIT(i) (1u << (i))

/*
 * Message kind and the first protocol version in which a server sends it.
 *
 * The two-phase messages belong to protocol 3 in the docs, but PostgreSQL
 * 15 sends Begin Prepare, Prepare, Commit Prepared and Rollback Prepared
 * from a slot created with two-phase decoding whatever version the client
 * asked for (pgoutput_startup checks the version only when the two_phase
 * option is given; seen with pg_logical_slot_peek_binary_changes at
 * proto_version 1, sql/replication.sql).  Their layouts do not depend on
 * the version, so they are decoded under any version rather than refused.
 * Stream Prepare needs a streamed block, so protocol 2.
 */
static pgwire_msg_kind
pgoutput_kind(uint8_t type, int *min_version)
{
	*min_version = 1;
	switch (type)
	{
		case 'B':
			return PGWIRE_MSG_LR_BEGIN;
		case 'M':
			return PGWIRE_MSG_LR_MESSAGE;
		case 'C':
			return PGWIRE_MSG_LR_COMMIT;
		case 'O':
			return PGWIRE_MSG_LR_ORIGIN;
		case 'R':
			return PGWIRE_MSG_LR_RELATION;
		case 'Y':
			return PGWIRE_MSG_LR_TYPE;
		case 'I':
			return PGWIRE_MSG_LR_INSERT;
		case 'U':
			return PGWIRE_MSG_LR_UPDATE;
		case 'D':
			return PGWIRE_MSG_LR_DELETE;
		case 'T':
			return PGWIRE_MSG_LR_TRUNCATE;
		case 'b':
			return PGWIRE_MSG_LR_BEGIN_PREPARE;
		case 'P':
			return PGWIRE_MSG_LR_PREPARE;
		case 'K':
			return PGWIRE_MSG_LR_COMMIT_PREPARED;
		case 'r':
			return PGWIRE_MSG_LR_ROLLBACK_PREPARED;
	}
	*min_version = 2;
	switch (type)
	{
		case 'S':
			return PGWIRE_MSG_LR_STREAM_START;
		case 'E':
			return PGWIRE_MSG_LR_STREAM_STOP;
		case 'c':
			return PGWIRE_MSG_LR_STREAM_COMMIT;
		case 'A':
			return PGWIRE_MSG_LR_STREAM_ABORT;
		case 'p':
			return PGWIRE_MSG_LR_STREAM_PREPARE;
	}
	return PGWIRE_MSG_INVALID;
}

/* Messages whose first field is the optional streamed-block xid. */
static int
has_stream_xid(pgwire_msg_kind kind)
{
	switch (kind)
	{
		case PGWIRE_MSG_LR_MESSAGE:
		case PGWIRE_MSG_LR_RELATION:
		case PGWIRE_MSG_LR_TYPE:
		case PGWIRE_MSG_LR_INSERT:
		case PGWIRE_MSG_LR_UPDATE:
		case PGWIRE_MSG_LR_DELETE:
		case PGWIRE_MSG_LR_TRUNCATE:
			return 1;
		default:
			return 0;
	}
}

/*
 * Presence bits that the bytes decide: Update's old tuple (the byte after
 * the relation OID is 'K' or 'O' rather than 'N') and Stream Abort's
 * parallel fields, which only protocol 4 has (below it, a 24-byte Stream
 * Abort is an 8-byte one with 16 bytes too many).  A message too short to
 * tell is left to the walker, which reports it truncated.
 */
static uint32_t
shape_bits(pgwire_msg_kind kind, const uint8_t *body, size_t blen, uint32_t present,
		   int proto_version)
{
	size_t		at = (present & BIT(0)) ? 8 : 4;	/* [xid] relation OID */

	if (kind == PGWIRE_MSG_LR_UPDATE && blen > at && (body[at] == 'K' || body[at] == 'O'))
		return BIT(2) | BIT(3);
	if (kind == PGWIRE_MSG_LR_STREAM_ABORT && blen == 24 && proto_version >= 4)
		return BIT(2) | BIT(3);
	return 0;
}

/* Field values the layouts cannot express, checked after the walk. */
static int
check_values(const pgwire_msg *m, pgwire_error *err)
{
	switch (m->kind)
	{
		case PGWIRE_MSG_LR_UPDATE:
		case PGWIRE_MSG_LR_DELETE:
			if ((m->kind == PGWIRE_MSG_LR_DELETE || (m->present & BIT(2))) &&
				m->u.lr_change.old_tuple_kind != 'K' && m->u.lr_change.old_tuple_kind != 'O')
				return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE,
										((m->present & BIT(0)) ? 9 : 5),
										"old tuple kind 0x%02x of %s is neither 'K' nor 'O'",
										m->u.lr_change.old_tuple_kind,
										pgwire_msg_name(m->kind));
			break;
		case PGWIRE_MSG_LR_MESSAGE:
			if (m->u.lr_message.content.len < 0)
				return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE,
										(size_t) (m->frame.raw_len - 4),
										"content length of Message is negative");
			break;
		case PGWIRE_MSG_LR_TRUNCATE:
			/* the walk read relation_count OIDs, taking a negative one as 0 */
			if (m->u.lr_truncate.relation_count < 0)
				return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE, (m->present & BIT(0)) ? 5 : 1,
										"relation count %d of Truncate is negative",
										m->u.lr_truncate.relation_count);
			break;
		default:
			break;
	}
	return PGWIRE_OK;
}

int
pgwire_decode_pgoutput(const uint8_t *data, size_t len, int proto_version,
					   const pgwire_pgoutput_state *st, pgwire_msg *out, pgwire_error *err)
{
	pgwire_msg_kind kind;
	int			min_version;
	uint32_t	present = 0;
	int			rc;

	if (data == NULL || out == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "NULL message or output");
	if (proto_version < 1 || proto_version > 4)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"pgoutput protocol version %d is not 1 to 4", proto_version);
	if (len == 0)
		return pgwire_error_set(err, PGWIRE_ERR_TRUNCATED, 0,
								"pgoutput message is empty: no type byte");
	kind = pgoutput_kind(data[0], &min_version);
	if (kind == PGWIRE_MSG_INVALID || min_version > proto_version)
		return pgwire_error_set(err, PGWIRE_ERR_UNKNOWN_TYPE, 0,
								kind == PGWIRE_MSG_INVALID
								? "byte 0x%02x ('%c') names no pgoutput message"
								: "byte 0x%02x ('%c') names a message newer than this protocol version",
								data[0], (data[0] >= 0x20 && data[0] < 0x7f) ? data[0] : '?');
	if (st && st->in_stream && proto_version >= 2 && has_stream_xid(kind))
		present |= BIT(0);
	present |= shape_bits(kind, data + 1, len - 1, present, proto_version);
	rc = pgwire_payload_decode(kind, data, len, PGWIRE_BACKEND, 0, present, out, err);
	if (rc == PGWIRE_OK && (rc = check_values(out, err)) != PGWIRE_OK)
		out->kind = PGWIRE_MSG_INVALID;
	return rc;
}

/*
 * Whether an encoded pgoutput message p[0..n) decodes (internal.h).  The
 * catalogue encoder writes each field it is given, but some rules span
 * fields: Update's old tuple and its kind come together, and the kind is
 * 'K' or 'O'; Delete's is 'K' or 'O'; Message content is not NULL; Stream
 * Abort has both parallel-apply fields or neither.  Rather than restate
 * them, the bytes are decoded with the same rules as anything received
 * (after a check of the two pairs of optional fields, for a clearer error):
 * under protocol 4, which has every field, and inside a streamed block
 * when the message carries the streamed-block xid (present bit 0).
 */
int
pgwire_pgoutput_verify(const uint8_t *p, size_t n, uint32_t present, pgwire_error *err)
{
	pgwire_pgoutput_state st = {0};
	pgwire_msg	m;
	pgwire_msg_kind kind;
	int			min_version;

	kind = n > 0 ? pgoutput_kind(p[0], &min_version) : PGWIRE_MSG_INVALID;
	if ((kind == PGWIRE_MSG_LR_UPDATE || kind == PGWIRE_MSG_LR_STREAM_ABORT) &&
		!(present & BIT(2)) != !(present & BIT(3)))
	{
		const pgwire_layout *lay = &pgwire_msgdef_get(kind)->layout;
		int			have = (present & BIT(2)) ? 2 : 3;

		return pgwire_error_set(err, PGWIRE_ERR_BAD_VALUE, 0, "%s has \"%s\" but not \"%s\"",
								pgwire_msg_name(kind), lay->fields[have].name,
								lay->fields[5 - have].name);
	}
	st.in_stream = has_stream_xid(kind) && (present & BIT(0));
	return pgwire_decode_pgoutput(p, n, 4, &st, &m, err);
}

int
pgwire_decode_xlog_pgoutput(const pgwire_msg *xlog_data, int proto_version,
							pgwire_pgoutput_state *st, pgwire_msg *out, pgwire_error *err)
{
	const pgwire_slice *d;
	uint64_t	base;
	int			rc;

	if (xlog_data == NULL || st == NULL || xlog_data->kind != PGWIRE_MSG_XLOG_DATA)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "not a decoded XLogData");
	d = &xlog_data->u.xlog_data.data;
	/* the data follows the type byte and three Int64 fields */
	base = xlog_data->frame.offset + 25;
	rc = pgwire_decode_pgoutput(d->ptr, d->len, proto_version, st, out, err);
	if (rc != PGWIRE_OK)
	{
		if (err != NULL)
			err->offset += base;
		return rc;
	}
	out->frame.offset = base;
	pgwire_pgoutput_track(st, out);
	return PGWIRE_OK;
}

void
pgwire_pgoutput_track(pgwire_pgoutput_state *st, const pgwire_msg *m)
{
	if (m->kind == PGWIRE_MSG_LR_STREAM_START)
	{
		st->in_stream = 1;
		st->stream_xid = m->u.lr_stream_start.xid;
	}
	else if (m->kind == PGWIRE_MSG_LR_STREAM_STOP)
	{
		st->in_stream = 0;
		st->stream_xid = 0;
	}
}
