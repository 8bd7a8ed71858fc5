/*
 * pgwire/render.h
 *    Rendering decoded messages for people and tools: lossless JSON,
 *    libpq PQtrace lines, and the annotated byte map ("explain").
 *
 * All writers append to a pgwire_buf and return its status.
 */
#ifndef PGWIRE_RENDER_H
#define PGWIRE_RENDER_H

#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/message.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- JSON ------------------------------------------------------------- */

/*
 * One message as one JSON object (no trailing newline), appended to out:
 * {"direction", "type", "message", "length", ["offset"], ["inferred"],
 * then the catalogue layout's fields in wire order}.  Text that is not
 * strict UTF-8 or holds a NUL becomes {"hex":"..."}, so the object is
 * always valid jsonb.  When the session tracker decoded what a message's
 * trailing bytes carry (m->inner: a replication connection's CopyData
 * payload, an XLogData's pgoutput message; session.h), that message is
 * written in place of the bytes as a nested object of the same shape,
 * recursively.  A pgoutput Insert, Update or Delete whose m->relation the
 * tracker set (its relation cache) ends with the readable keys
 * "relation" ("schema.table"), "column_types" ({"column": type OID}),
 * "old" and "new" (tuples by column name).  Lossless: pgwire_json_encode() of the object gives
 * back m->frame.raw exactly.  m must come from a decoder (pgwire_decode(),
 * pgwire_decode_replication(), pgwire_decode_pgoutput()): the walk reads
 * the frame.  No allocation besides growing out.
 * Returns PGWIRE_OK, PGWIRE_ERR_ARGUMENT (NULL, invalid kind or no frame;
 * out untouched), or out's sticky status (PGWIRE_ERR_NOMEM ...).
 * Schema: README.md, "JSON schema".
 */
PGWIRE_EXPORT int pgwire_json_write(const pgwire_msg *m, pgwire_buf *out, unsigned flags);

/* Add "offset": the message's stream offset (after "length"). */
#define PGWIRE_JSON_OFFSET 0x01

/*
 * Bytes that are not a message (an encrypted tail, a malformed frame, an
 * incomplete end) as one JSON object
 *   {"direction":..., ["offset":N,] "raw":{"hex":...},
 *    "error":{"status":"PGWIRE_ERR_...","detail":"...","offset":N}}
 * that pgwire_json_encode() turns back into the same bytes ("error" is
 * left out when err is NULL; offset is the stream offset of data[0], shown
 * with PGWIRE_JSON_OFFSET).  Returns PGWIRE_OK, PGWIRE_ERR_ARGUMENT (bad
 * direction, NULL data with len > 0) or out's sticky status.
 */
PGWIRE_EXPORT int pgwire_json_write_raw(pgwire_direction dir, uint64_t offset,
										const uint8_t *data, size_t len,
										const pgwire_error *err, pgwire_buf *out,
										unsigned flags);

/*
 * JSON in, bytes out: json[0..len) is one message object or an array of
 * them, in the schema pgwire_json_write() / pgwire_json_write_raw()
 * produce; the wire bytes of all of them are appended to out.  Derived
 * keys ("length", "type", fixed codes such as Authentication "code", a
 * count kept apart from its array such as Truncate's "relation_count")
 * may be omitted and are checked when present; "offset", "inferred", a raw
 * object's "error" and a change's "relation", "column_types", "old" and
 * "new" are checked for their form only; "direction" is required for CopyData,
 * CopyDone and Unknown; every other layout field is required; unknown and
 * duplicate keys are errors.  Parsed with jansson.
 *
 * Errors (err->detail names the message, counted from 0, and the key path,
 * e.g. 'message 2: "parameters"[1]: expected string, null or {"hex":...}'):
 *   PGWIRE_ERR_JSON          not JSON (err->offset: byte position in the
 *                            text, from jansson), or not the schema
 *                            (err->offset 0)
 *   PGWIRE_ERR_EMBEDDED_NUL  a String holding a NUL byte
 *   PGWIRE_ERR_RANGE         a number outside its wire type, more than
 *                            65535 elements for an Int16 count
 *   PGWIRE_ERR_LENGTH        a message over its length limit (server
 *                            defaults, frame.h)
 *   PGWIRE_ERR_NOMEM         out of memory
 *   PGWIRE_ERR_ARGUMENT      NULL json (with len > 0) or out
 * On any error out is left exactly as it was (length and status); if out
 * already holds a sticky failure, that status is returned.
 * Schema: README.md, "JSON schema".
 */
PGWIRE_EXPORT int pgwire_json_encode(const char *json, size_t len, pgwire_buf *out,
									 pgwire_error *err);

/* ---- PQtrace ---------------------------------------------------------- */

/* PQsetTraceFlags values, same bits as libpq's. */
#define PGWIRE_TRACE_SUPPRESS_TIMESTAMPS (1 << 0)
#define PGWIRE_TRACE_REGRESS_MODE (1 << 1)

/*
 * One message as libpq's PQtrace prints it (src/interfaces/libpq/
 * fe-trace.c), appended to out: "[timestamp TAB]F|B TAB length TAB Name"
 * then the fields, each with a leading space, and a newline; plus a
 * "mismatched message length: consumed X, expected Y" line wherever
 * fe-trace.c prints one (it does not print AuthenticationMD5Password's
 * salt, reads only four bytes of a protocol 3.2 BackendKeyData key, and
 * prints no body for an unidentified message).
 *
 * Identical to libpq 15's PQtrace for every message libpq 15 traces
 * correctly (checked line by line against libpq 15 by suite 25-pqtrace).
 * What libpq 15 mis-traces or does not trace (StartupMessage, SSLRequest,
 * SSLResponse, the authentication exchange, CopyData) is printed as
 * PostgreSQL 18's fe-trace.c prints it.  README.md, "PQtrace", lists the
 * differences.
 *
 * flags: PGWIRE_TRACE_SUPPRESS_TIMESTAMPS omits the timestamp;
 * PGWIRE_TRACE_REGRESS_MODE prints NNNN for OIDs, process IDs and keys,
 * "SSSS" for error/notice fields F, L and R, NN for the length of a
 * backend ErrorResponse/NoticeResponse and 'BBBB' for CopyData and
 * authentication payloads, as libpq does.
 * timestamp_us: microseconds since the Unix epoch, printed in local time
 * as "%Y-%m-%d %H:%M:%S.%06u" (ignored with SUPPRESS_TIMESTAMPS).
 * m must come from pgwire_decode() (or a session), with its frame.
 * Replication and pgoutput payloads (replication.h), for which libpq has
 * no format since it only sees the CopyData around them, are printed in
 * the same style with their size in place of the length word and Int64
 * fields in decimal: "B	18	PrimaryKeepalive	 23803720 0 \x01".  When
 * the session tracker decoded what m carries (m->inner, session.h), each
 * nested message follows m's line on a line of its own, in that style, so
 * one call may append several lines.
 *
 * Returns out's status: PGWIRE_OK, PGWIRE_ERR_NOMEM, PGWIRE_ERR_ARGUMENT
 * (NULL or undecoded message), or the sticky error out already held.
 */
PGWIRE_EXPORT int pgwire_trace_write(const pgwire_msg *m, pgwire_buf *out, unsigned flags,
									 int64_t timestamp_us);

/* ---- Byte map ("explain") ---------------------------------------------- */

/*
 * One row of the byte map: a field, where it sits and what it holds.
 *
 * path names the field by its catalogue name: "type" and "length" for the
 * header, then e.g. "portal", "parameters" (a group's count word, or the
 * terminating zero byte of a zero-terminated list such as ErrorResponse's
 * "fields"), "parameters[0]" (an element of a one-field group),
 * "fields[2].type_oid" (a field of an element).
 *
 * value is for people: Strings and bytes in double quotes with \" \\ \n
 * \r \t and \xHH escapes (elided after 200 bytes), numbers in decimal,
 * Byte1 as 'S', protocol versions as 3.0, LSNs as X/X, timestamps as ISO
 * 8601 UTC, NULL values as NULL, groups as "3 elements", and known codes
 * with their meaning: "5 (MD5Password)", "'I' (idle)", "'C' (SQLSTATE)",
 * "1 (binary)", "'S' (statement)", "23 (int4)".
 */
typedef struct pgwire_explain_row
{
	uint64_t	offset;			/* stream offset of the field */
	size_t		length;			/* bytes */
	const char *path;			/* "type", "length", "fields[2].type_oid" */
	const uint8_t *raw;			/* the field's bytes */
	const char *value;			/* human-readable value (NUL-terminated) */
	int			depth;			/* 0 at top level, 1 inside a group ... */
} pgwire_explain_row;

typedef int (*pgwire_explain_fn) (void *arg, const pgwire_explain_row *row);

/*
 * Call fn once per field of m (from pgwire_decode()), in wire order; the
 * rows cover every byte of m->frame exactly once.  When the session
 * tracker decoded what m carries (m->inner: a CopyData's replication
 * message, an XLogData's pgoutput message), that message's rows stand in
 * place of the bytes that hold it, under the field's path ("data.type",
 * "data.data.relation_oid") and one level deeper.  path and value live
 * until fn returns.  Allocates two buffers per call (and per carried
 * message), none per row.
 * Returns 0, fn's non-zero result (which stops the walk), PGWIRE_ERR_NOMEM
 * or PGWIRE_ERR_ARGUMENT (NULL or undecoded message).
 */
PGWIRE_EXPORT int pgwire_explain(const pgwire_msg *m, pgwire_explain_fn fn, void *arg);

/*
 * The byte map as text appended to out, one row per line with aligned
 * columns separated by two spaces: offset, length, path, the raw bytes in
 * hex (the first 32, then "…"), value.  Example (README.md, "PQtrace"):
 *     5  1  status  49        'I' (idle)
 * Returns out's status, or pgwire_explain()'s error.
 */
PGWIRE_EXPORT int pgwire_explain_write(const pgwire_msg *m, pgwire_buf *out);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_RENDER_H */
