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
 * One message as libpq's PQtrace prints it (fe-trace.c), including the
 * final newline and any "mismatched message length" line.  timestamp_us is
 * microseconds since the Unix epoch, printed in local time unless
 * PGWIRE_TRACE_SUPPRESS_TIMESTAMPS.
 */
PGWIRE_EXPORT int pgwire_trace_write(const pgwire_msg *m, pgwire_buf *out, unsigned flags,
									 int64_t timestamp_us);

/* ---- Byte map ("explain") ---------------------------------------------- */

/* One row of the byte map: a field, where it sits and what it holds. */
typedef struct pgwire_explain_row
{
	uint64_t	offset;			/* stream offset of the field */
	size_t		length;			/* bytes */
	const char *path;			/* "type", "length", "parameters[0].value" */
	const uint8_t *raw;			/* the field's bytes */
	const char *value;			/* human-readable value (NUL-terminated) */
	int			depth;
} pgwire_explain_row;

typedef int (*pgwire_explain_fn) (void *arg, const pgwire_explain_row *row);

/*
 * Call fn once per field of m, in wire order.  The row's strings live
 * until fn returns.  Returns 0, fn's non-zero result, or PGWIRE_ERR_NOMEM.
 */
PGWIRE_EXPORT int pgwire_explain(const pgwire_msg *m, pgwire_explain_fn fn, void *arg);

/* The byte map as text: one row per line, "offset length path hex value". */
PGWIRE_EXPORT int pgwire_explain_write(const pgwire_msg *m, pgwire_buf *out);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_RENDER_H */
