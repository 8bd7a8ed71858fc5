/*
 * pgwire/replication.h
 *    Messages carried inside CopyData on replication connections, pgoutput
 *    logical-replication messages, and a relation cache that turns pgoutput
 *    tuples into named columns.
 *
 * Two layers, both driven by the message catalogue (message.h), so that
 * pgwire_walk(), the JSON/trace/byte-map renderers and the iterators work
 * on the results unchanged:
 *
 *   CopyData payload  --pgwire_decode_replication-->  XLogData,
 *       PrimaryKeepalive, StandbyStatusUpdate, HotStandbyFeedback (the
 *       START_REPLICATION sub-protocol) or NewArchive, Manifest,
 *       ArchiveOrManifestData, ProgressReport (BASE_BACKUP)
 *   XLogData.data of a logical walsender, or one bytea row of
 *   pg_logical_slot_peek_binary_changes()  --pgwire_decode_pgoutput-->
 *       Begin, Message, Commit, Origin, Relation, Type, Insert, Update,
 *       Delete, Truncate, StreamStart, StreamStop, StreamCommit,
 *       StreamAbort, BeginPrepare, Prepare, CommitPrepared,
 *       RollbackPrepared, StreamPrepare
 *
 * Catalogue names are the docs' headings without spaces: "Primary
 * keepalive message" is PrimaryKeepalive, "Standby status update"
 * StandbyStatusUpdate, "Hot standby feedback message" HotStandbyFeedback,
 * "Stream Start" StreamStart, "Begin Prepare" BeginPrepare, and so on; the
 * BASE_BACKUP CopyData kinds are NewArchive ('n'), Manifest ('m'),
 * ArchiveOrManifestData ('d') and ProgressReport ('p').
 *
 * These messages have a type byte but no length word.  A decoded one has
 * frame.kind PGWIRE_FRAME_BYTE, frame.raw/raw_len the whole message (type
 * byte included), frame.type the type byte and frame.body/body_len the
 * bytes after it; the walker therefore visits the fields after the type
 * byte, at their true offsets.  Encode them with pgwire_encode_payload(),
 * not pgwire_encode() (which would add a length word).
 *
 * Decoding never allocates; the relation cache and the tuple renderer take
 * a pgwire_allocator.
 *
 * Sources: PostgreSQL docs, "Streaming Replication Protocol", "Logical
 * Streaming Replication Protocol", "Logical Replication Message Formats";
 * src/backend/replication/logical/proto.c, walsender.c.
 */
#ifndef PGWIRE_REPLICATION_H
#define PGWIRE_REPLICATION_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/frame.h"
#include "pgwire/message.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Replication CopyData payloads ------------------------------------ */

/*
 * Decode the payload of a CopyData (copy_data->kind PGWIRE_MSG_COPY_DATA,
 * as pgwire_decode() gives it) sent on a replication connection.  The
 * direction of the CopyData selects the set: backend 'w', 'k', 'n', 'm',
 * 'd', 'p'; frontend 'r', 'h'.  out->frame covers the payload, with stream
 * offsets continuing those of the CopyData.
 *
 * Errors (err->offset is a stream offset):
 *   PGWIRE_ERR_ARGUMENT      NULL arguments, or copy_data is no CopyData
 *   PGWIRE_ERR_TRUNCATED     empty payload, or a field runs past its end
 *   PGWIRE_ERR_UNKNOWN_TYPE  the first byte names no replication message
 *                            in that direction (e.g. ordinary COPY data)
 *   PGWIRE_ERR_TRAILING      bytes after the last field
 */
PGWIRE_EXPORT int pgwire_decode_replication(const pgwire_msg *copy_data, pgwire_msg *out,
											pgwire_error *err);

/*
 * The same for a bare payload data[0..len) sent in direction dir, whose
 * first byte has stream offset base_offset.  Errors as above.
 */
PGWIRE_EXPORT int pgwire_decode_replication_bytes(const uint8_t *data, size_t len,
												  pgwire_direction dir, uint64_t base_offset,
												  pgwire_msg *out, pgwire_error *err);

/* ---- pgoutput ---------------------------------------------------------- */

/*
 * What the pgoutput decoder must know from earlier messages of the same
 * stream: whether we are between Stream Start and Stream Stop (where
 * Message, Relation, Type, Insert, Update, Delete and Truncate carry the
 * transaction's xid first).  Zero-initialise; pgwire_pgoutput_track()
 * keeps it up to date.
 */
typedef struct pgwire_pgoutput_state
{
	uint8_t		in_stream;		/* inside a streamed block */
	uint32_t	stream_xid;		/* xid of the open streamed block */
} pgwire_pgoutput_state;

/*
 * Decode one pgoutput message data[0..len) (one XLogData.data, or one row
 * of pg_logical_slot_*_binary_changes) of protocol version proto_version
 * (1..4).  st may be NULL (no streamed block open).  out->frame.raw is
 * data, with stream offset 0; set out->frame.offset afterwards to place
 * the message in a larger stream.  Presence bits (out->present) are set
 * for the xid inside streamed blocks, for the old tuple of Update, and for
 * the parallel-apply fields of Stream Abort (protocol 4 only, decided by
 * the message size: 8 or 24 bytes after the type byte).
 *
 * Which messages a version has: 1 all but the streaming ones, 2 adds
 * Stream Start/Stop/Commit/Abort and Stream Prepare, 4 the Stream Abort
 * fields.  Begin Prepare, Prepare, Commit Prepared and Rollback Prepared,
 * protocol 3 in the docs, are accepted under every version because
 * PostgreSQL 15 sends them from a two-phase slot whatever version was
 * asked for.
 *
 * Errors (err->offset counts from data[0]):
 *   PGWIRE_ERR_ARGUMENT      NULL arguments or proto_version outside 1..4
 *   PGWIRE_ERR_TRUNCATED     empty, or a field runs past the end
 *   PGWIRE_ERR_UNKNOWN_TYPE  the first byte names no pgoutput message, or
 *                            a streaming message under protocol 1
 *   PGWIRE_ERR_BAD_VALUE     a tuple kind other than 'N'/'K'/'O' where one
 *                            is due, a column kind none of n/u/t/b, a
 *                            negative Message length or Truncate count
 *   PGWIRE_ERR_TRAILING      bytes after the last field
 */
PGWIRE_EXPORT int pgwire_decode_pgoutput(const uint8_t *data, size_t len, int proto_version,
										 const pgwire_pgoutput_state *st, pgwire_msg *out,
										 pgwire_error *err);

/*
 * Decode the data of a decoded XLogData (from a logical walsender) as one
 * pgoutput message, with stream offsets continuing those of the XLogData
 * (so byte maps and errors point into the connection's byte stream), and
 * on success update *st with pgwire_pgoutput_track().  st must not be
 * NULL.  Errors: PGWIRE_ERR_ARGUMENT if xlog_data is no XLogData, else as
 * pgwire_decode_pgoutput() with err->offset a stream offset.
 */
PGWIRE_EXPORT int pgwire_decode_xlog_pgoutput(const pgwire_msg *xlog_data, int proto_version,
											  pgwire_pgoutput_state *st, pgwire_msg *out,
											  pgwire_error *err);

/*
 * Update *st after decoding m: Stream Start opens a streamed block,
 * Stream Stop closes it.  Other messages leave it unchanged.
 */
PGWIRE_EXPORT void pgwire_pgoutput_track(pgwire_pgoutput_state *st, const pgwire_msg *m);

/* 1 if kind is a pgoutput message, 2 if a replication payload, else 0. */
PGWIRE_EXPORT int pgwire_is_payload_kind(pgwire_msg_kind kind);

/*
 * Write a decoded (or hand-built) replication or pgoutput message back:
 * the type byte and the fields, no length word, appended to out.
 * pgwire_encode_payload(decode(b)) reproduces b exactly.  Optional fields
 * are written when their present bit is set.
 *
 * Errors: PGWIRE_ERR_ARGUMENT (not such a message kind), and those of
 * pgwire_encode(): PGWIRE_ERR_EMBEDDED_NUL, PGWIRE_ERR_RANGE,
 * PGWIRE_ERR_BAD_VALUE (bad tuple column kind), PGWIRE_ERR_LENGTH,
 * PGWIRE_ERR_NOMEM.  On error no partial message stays in out (a failed
 * append leaves out's sticky status set, as pgwire_encode() does).
 */
PGWIRE_EXPORT int pgwire_encode_payload(const pgwire_msg *m, pgwire_buf *out,
										pgwire_error *err);

/* Iterators over Relation columns and TupleData (from a decoded message). */
PGWIRE_EXPORT int pgwire_next_lr_column(pgwire_iter *it, pgwire_lr_column *out);
PGWIRE_EXPORT int pgwire_next_tuple_column(pgwire_iter *it, pgwire_tuple_column *out);

/* Relation OID i (i < relation_count) of a decoded Truncate. */
PGWIRE_EXPORT uint32_t pgwire_truncate_relation_oid(const pgwire_msg *m, uint32_t i);

/* ---- Relation cache ---------------------------------------------------- */

/*
 * Remembers the latest Relation message per relation OID (namespace, name,
 * replica identity, columns with name, type OID, flags), copied, so that
 * Insert/Update/Delete tuples can be shown with column names after the
 * Relation bytes are gone.  A later Relation for the same OID replaces
 * the entry (pgoutput re-sends it after schema changes).
 */
typedef struct pgwire_relcache pgwire_relcache;

/* One cached column. */
typedef struct pgwire_relcache_column
{
	char	   *name;
	uint32_t	type_oid;
	int32_t		type_modifier;
	uint8_t		flags;			/* 1: part of the key */
} pgwire_relcache_column;

/* One cached relation; valid until the entry is replaced or freed. */
typedef struct pgwire_relcache_rel
{
	uint32_t	oid;
	char	   *namespace_name;
	char	   *relation_name;
	uint8_t		replica_identity;
	uint16_t	ncolumns;
	pgwire_relcache_column *columns;
	size_t		message_bytes;	/* length of the Relation message it came from */
	uint8_t		distinct_keys;	/* the column names are distinct as JSON keys
								 * (after U+FFFD for bytes that are not UTF-8) */
} pgwire_relcache_rel;

/* NULL on out-of-memory; alloc may be NULL (libc). */
PGWIRE_EXPORT pgwire_relcache *pgwire_relcache_create(const pgwire_allocator *alloc);
PGWIRE_EXPORT void pgwire_relcache_free(pgwire_relcache *rc);

/*
 * Remember a decoded Relation message (other kinds: PGWIRE_ERR_ARGUMENT).
 * PGWIRE_OK or PGWIRE_ERR_NOMEM (the cache is unchanged then).
 */
PGWIRE_EXPORT int pgwire_relcache_add(pgwire_relcache *rc, const pgwire_msg *relation);

/* The relation with this OID, or NULL if no Relation was seen for it. */
PGWIRE_EXPORT const pgwire_relcache_rel *pgwire_relcache_get(const pgwire_relcache *rc,
															 uint32_t oid);

/* How many relations the cache holds (0 for NULL). */
PGWIRE_EXPORT size_t pgwire_relcache_size(const pgwire_relcache *rc);

/*
 * Drop the relation with this OID, if cached (its changes are then shown
 * without names, rather than with those of an outdated Relation).
 */
PGWIRE_EXPORT void pgwire_relcache_forget(pgwire_relcache *rc, uint32_t oid);

/*
 * Append TupleData tuple (a pgwire_group of TupleData columns from a
 * decoded Insert/Update/Delete) as a JSON object to out:
 *   {"id":"1","name":"x","big":{"unchanged":true},"pic":{"hex":"0a0b"},"n":null}
 * Keys are the column names from rel (NULL rel, or more columns than rel
 * has: "1", "2" ... by position).  Values: 'n' null, 'u'
 * {"unchanged":true}, 'b' {"hex":"..."}, and 't' as the JSON schema
 * writes text (README, "JSON schema"): a JSON string if the bytes are
 * strict UTF-8 without NUL, else {"hex":"..."} of the bytes as sent.
 * pgoutput sends text in the session's client_encoding; with one other
 * than UTF-8, text outside ASCII is hex, not each byte read as a
 * character, unless its bytes happen to form valid UTF-8.  A caller that
 * knows the encoding converts each value itself (pgwire_next_tuple_column),
 * as the extension's pgwire_logical_changes does.  A column name that is
 * not UTF-8, which as a key must stay a string, has each bad byte as
 * U+FFFD.
 * Returns the buffer's status (PGWIRE_OK or PGWIRE_ERR_NOMEM).
 */
PGWIRE_EXPORT int pgwire_tuple_json(const pgwire_relcache_rel *rel, const pgwire_group *tuple,
									pgwire_buf *out);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_REPLICATION_H */
