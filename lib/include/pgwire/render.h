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
 * One message as one JSON object (no trailing newline).  Lossless: the
 * object fed to pgwire_json_encode() gives back msg->frame.raw exactly.
 * Schema: README.md, "JSON schema".
 */
PGWIRE_EXPORT int pgwire_json_write(const pgwire_msg *m, pgwire_buf *out, unsigned flags);

/* Add "offset": the message's stream offset. */
#define PGWIRE_JSON_OFFSET 0x01

/*
 * Bytes that are not a message (an encrypted tail, a malformed frame, an
 * incomplete end) as one JSON object {"direction":..., "raw": ...,
 * "error": {...}} that pgwire_json_encode() turns back into the same
 * bytes.  err may be NULL.
 */
PGWIRE_EXPORT int pgwire_json_write_raw(pgwire_direction dir, uint64_t offset,
										const uint8_t *data, size_t len,
										const pgwire_error *err, pgwire_buf *out,
										unsigned flags);

/*
 * JSON in, bytes out: json[0..len) is one message object or an array of
 * them (the schema pgwire_json_write() produces; "length" and fixed codes
 * may be omitted and are checked when present).  Appends the wire bytes to
 * out.  Errors: PGWIRE_ERR_JSON (syntax or schema; err->offset is the byte
 * offset in the JSON text and detail names the key), PGWIRE_ERR_EMBEDDED_NUL,
 * PGWIRE_ERR_RANGE, PGWIRE_ERR_LENGTH, PGWIRE_ERR_NOMEM.
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
 * rows cover every byte of m->frame exactly once.  path and value live
 * until fn returns.  Allocates two buffers per call, none per row.
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
