/*
 * replication.c
 *    Messages inside CopyData on replication connections (XLogData,
 *    Primary keepalive, Standby status update, Hot standby feedback, the
 *    BASE_BACKUP archive messages), and what they share with pgoutput.c:
 *    decoding a length-less payload by its catalogue layout, writing one
 *    back, and the iterators over Relation columns and TupleData.
 *
 * Source: PostgreSQL docs, "Streaming Replication Protocol"
 * (START_REPLICATION, BASE_BACKUP); walsender.c ProcessStandbyMessage.
 */
#include <string.h>

#include "pgwire/encode.h"
#include "pgwire/replication.h"
#include "internal.h"
#include "wire.h"

/* also used by pgoutput.c */
int			pgwire_payload_decode(pgwire_msg_kind kind, const uint8_t *data, size_t len,
								  pgwire_direction dir, uint64_t base, uint32_t present,
								  pgwire_msg *out, pgwire_error *err);

/*
 * Decode data[0..len) (type byte first) as kind, with the optional fields
 * of present.  The frame is a PGWIRE_FRAME_BYTE frame whose body is the
 * bytes after the type byte: the walker then starts at the first field.
 */
int
pgwire_payload_decode(pgwire_msg_kind kind, const uint8_t *data, size_t len,
					  pgwire_direction dir, uint64_t base, uint32_t present,
					  pgwire_msg *out, pgwire_error *err)
{
	const pgwire_msgdef *def = pgwire_msgdef_get(kind);
	pgwire_walker w;
	const uint8_t *p;
	const uint8_t *end;
	int			rc;

	memset(out, 0, sizeof(*out));
	out->frame.kind = PGWIRE_FRAME_BYTE;
	out->frame.direction = dir;
	out->frame.type = data[0];
	out->frame.raw = data;
	out->frame.raw_len = len;
	out->frame.body = data + 1;
	out->frame.body_len = len - 1;
	out->frame.offset = base;
	out->present = present;

	memset(&w, 0, sizeof(w));
	w.raw = data;
	w.base = base;
	w.msgname = def->name;
	w.present = present;
	w.err = err;
	p = data + 1;
	end = data + len;
	rc = pgwire_walk_fields(&w, &def->layout, &p, end, (uint8_t *) &out->u, 0, 0);
	if (rc == 0 && p != end)
		rc = pgwire_error_set(err, PGWIRE_ERR_TRAILING, base + (uint64_t) (p - data),
							  "%zu bytes follow the last field of %s",
							  (size_t) (end - p), def->name);
	if (rc != 0)
	{
		out->kind = PGWIRE_MSG_INVALID;
		return rc;
	}
	out->kind = kind;
	return PGWIRE_OK;
}

static pgwire_msg_kind
replication_kind(pgwire_direction dir, uint8_t type)
{
	if (dir == PGWIRE_FRONTEND)
	{
		switch (type)
		{
			case 'r':
				return PGWIRE_MSG_STANDBY_STATUS_UPDATE;
			case 'h':
				return PGWIRE_MSG_HOT_STANDBY_FEEDBACK;
		}
		return PGWIRE_MSG_INVALID;
	}
	switch (type)
	{
		case 'w':
			return PGWIRE_MSG_XLOG_DATA;
		case 'k':
			return PGWIRE_MSG_PRIMARY_KEEPALIVE;
		case 'n':
			return PGWIRE_MSG_NEW_ARCHIVE;
		case 'm':
			return PGWIRE_MSG_MANIFEST;
		case 'd':
			return PGWIRE_MSG_ARCHIVE_DATA;
		case 'p':
			return PGWIRE_MSG_PROGRESS_REPORT;
	}
	return PGWIRE_MSG_INVALID;
}

int
pgwire_decode_replication_bytes(const uint8_t *data, size_t len, pgwire_direction dir,
								uint64_t base_offset, pgwire_msg *out, pgwire_error *err)
{
	pgwire_msg_kind kind;

	if (data == NULL || out == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, base_offset, "NULL payload or output");
	if (len == 0)
		return pgwire_error_set(err, PGWIRE_ERR_TRUNCATED, base_offset,
								"replication message is empty: no type byte");
	kind = replication_kind(dir, data[0]);
	if (kind == PGWIRE_MSG_INVALID)
		return pgwire_error_set(err, PGWIRE_ERR_UNKNOWN_TYPE, base_offset,
								"byte 0x%02x ('%c') names no %s replication message",
								data[0], (data[0] >= 0x20 && data[0] < 0x7f) ? data[0] : '?',
								dir == PGWIRE_FRONTEND ? "frontend" : "backend");
	return pgwire_payload_decode(kind, data, len, dir, base_offset, 0, out, err);
}

int
pgwire_decode_replication(const pgwire_msg *copy_data, pgwire_msg *out, pgwire_error *err)
{
	const pgwire_slice *d;

	if (copy_data == NULL || out == NULL || copy_data->kind != PGWIRE_MSG_COPY_DATA)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "not a decoded CopyData");
	d = &copy_data->u.copy_data.data;
	/* the payload starts after the type byte and the length word */
	return pgwire_decode_replication_bytes(d->ptr, d->len, copy_data->frame.direction,
										   copy_data->frame.offset + 5, out, err);
}

int
pgwire_is_payload_kind(pgwire_msg_kind kind)
{
	if (kind >= PGWIRE_MSG_LR_BEGIN && kind <= PGWIRE_MSG_LR_STREAM_PREPARE)
		return 1;
	if (kind >= PGWIRE_MSG_XLOG_DATA && kind <= PGWIRE_MSG_PROGRESS_REPORT)
		return 2;
	return 0;
}

/*
 * The catalogue encoder writes a protocol message: type byte, length word,
 * fields.  A payload has no length word, so it is cut out afterwards; all
 * field checks stay those of pgwire_encode().
 */
int
pgwire_encode_payload(const pgwire_msg *m, pgwire_buf *out, pgwire_error *err)
{
	size_t		start = out->len;
	int			rc;

	if (m == NULL || !pgwire_is_payload_kind(m->kind))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"not a replication or pgoutput message");
	rc = pgwire_encode(m, out, NULL, err);
	if (rc != PGWIRE_OK)
	{
		if (out->len > start && out->status == PGWIRE_OK)
			out->len = start;
		return rc;
	}
	memmove(out->data + start + 1, out->data + start + 5, out->len - start - 5);
	out->len -= 4;
	if (pgwire_is_payload_kind(m->kind) == 1 &&
		(rc = pgwire_pgoutput_verify(out->data + start, out->len - start, m->present,
									 err)) != PGWIRE_OK)
	{
		out->len = start;
		return rc;
	}
	return PGWIRE_OK;
}

int
pgwire_next_lr_column(pgwire_iter *it, pgwire_lr_column *out)
{
	const pgwire_msgdef *d = pgwire_msgdef_get(PGWIRE_MSG_LR_RELATION);

	return pgwire_iter_next_elem(it, d->layout.fields[5].elem, out);
}

int
pgwire_next_tuple_column(pgwire_iter *it, pgwire_tuple_column *out)
{
	const pgwire_msgdef *d = pgwire_msgdef_get(PGWIRE_MSG_LR_INSERT);

	return pgwire_iter_next_elem(it, d->layout.fields[3].elem, out);
}

uint32_t
pgwire_truncate_relation_oid(const pgwire_msg *m, uint32_t i)
{
	return pgwire_get_u32(m->u.lr_truncate.relation_oids.ptr + (size_t) i * 4);
}
