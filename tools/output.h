/*
 * tools/output.h
 *    Formatting decoded messages and undecodable bytes for the decode and
 *    proxy commands, in one of three formats: JSON Lines (lossless, what
 *    pgwire encode reads back), libpq PQtrace lines, and byte maps.
 */
#ifndef PGWIRE_TOOLS_OUTPUT_H
#define PGWIRE_TOOLS_OUTPUT_H

#include <stdint.h>

#include "pgwire/pgwire.h"

typedef enum out_format
{
	OUT_JSON,
	OUT_TRACE,
	OUT_EXPLAIN
} out_format;

typedef struct out_opts
{
	out_format	format;
	unsigned	regress:1;		/* trace: PQtrace regress mode */
	unsigned	offsets:1;		/* show each message's stream offset */
	unsigned	timestamps:1;	/* trace: print timestamps */
} out_opts;

/* "json", "trace", "explain"; -1 for anything else. */
int			out_parse_format(const char *s);

/*
 * Append one message, newline-terminated, to out.  timestamp_us is used by
 * the trace format when o->timestamps.  Returns out's status.
 */
int			out_message(const out_opts *o, const pgwire_msg *m, int64_t timestamp_us,
						pgwire_buf *out);

/*
 * Append bytes that are not a message (malformed frame, encrypted tail,
 * incomplete end) as one record: in JSON a raw record that pgwire encode
 * turns back into the same bytes.  err may be NULL.
 */
int			out_raw(const out_opts *o, pgwire_direction dir, uint64_t offset,
					const uint8_t *data, size_t len, const pgwire_error *err,
					pgwire_buf *out);

#endif							/* PGWIRE_TOOLS_OUTPUT_H */
