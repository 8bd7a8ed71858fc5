/*
 * pgwire/encode.h
 *    Encoding messages: a low-level message writer in the style of
 *    PostgreSQL's pqformat.c, and pgwire_encode() for a whole pgwire_msg.
 *
 * The writer appends to a pgwire_buf and keeps its checks sticky in the
 * buffer's status, so a message is written with a run of put calls and
 * checked once by pgwire_msg_end().  Encoders refuse what the server would
 * refuse: embedded NULs in Strings (PGWIRE_ERR_EMBEDDED_NUL), counts that do
 * not fit their Int16 (PGWIRE_ERR_RANGE), and messages over the limit
 * (PGWIRE_ERR_LENGTH).  Length arithmetic is overflow-checked: a body can
 * never wrap the Int32 length word.
 *
 * Source: PostgreSQL docs, "Frontend/Backend Protocol", "Message Formats".
 */
#ifndef PGWIRE_ENCODE_H
#define PGWIRE_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/frame.h"
#include "pgwire/message.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An open message.  start is where the message begins in the buffer.
 */
typedef struct pgwire_writer
{
	pgwire_buf *buf;
	size_t		start;
	uint8_t		type;
	uint8_t		typed;			/* 0: untyped startup-phase packet */
	uint32_t	limit;			/* largest allowed length word */
} pgwire_writer;

/*
 * Begin a message of the given type byte (0 for an untyped packet:
 * StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) from the given
 * direction; the limit comes from lim (NULL: server defaults).  Writes the
 * type byte and a placeholder length word.
 */
PGWIRE_EXPORT int pgwire_msg_begin(pgwire_writer *w, pgwire_buf *buf, uint8_t type,
								   pgwire_direction dir, const pgwire_limits *lim);

/*
 * Like pgwire_msg_begin(), but always writes a type byte, even 0x00 (a
 * typed frame a backend may send, decoded as PGWIRE_MSG_UNKNOWN).
 */
PGWIRE_EXPORT int pgwire_msg_begin_typed(pgwire_writer *w, pgwire_buf *buf, uint8_t type,
										 pgwire_direction dir, const pgwire_limits *lim);

PGWIRE_EXPORT void pgwire_put_byte1(pgwire_writer *w, uint8_t v);
PGWIRE_EXPORT void pgwire_put_int16(pgwire_writer *w, int16_t v);
PGWIRE_EXPORT void pgwire_put_int32(pgwire_writer *w, int32_t v);
PGWIRE_EXPORT void pgwire_put_int64(pgwire_writer *w, int64_t v);

/* A count for an Int16 count field; PGWIRE_ERR_RANGE above 65535. */
PGWIRE_EXPORT void pgwire_put_count16(pgwire_writer *w, size_t n);

/* A String from len bytes; PGWIRE_ERR_EMBEDDED_NUL if they contain NUL. */
PGWIRE_EXPORT void pgwire_put_string(pgwire_writer *w, const void *s, size_t len);

/* A String from a C string. */
PGWIRE_EXPORT void pgwire_put_cstring(pgwire_writer *w, const char *s);

/* Byten: raw bytes. */
PGWIRE_EXPORT void pgwire_put_bytes(pgwire_writer *w, const void *p, size_t len);

/*
 * Int32 length and bytes; p NULL writes -1 (SQL NULL).
 * PGWIRE_ERR_RANGE if len exceeds INT32_MAX.
 */
PGWIRE_EXPORT void pgwire_put_value(pgwire_writer *w, const void *p, size_t len);

/*
 * Close the message: write the length word, check it against the minimum
 * (8 for untyped packets, 4 otherwise) and the limit.  Returns the buffer's
 * status: PGWIRE_OK, PGWIRE_ERR_NOMEM, PGWIRE_ERR_EMBEDDED_NUL,
 * PGWIRE_ERR_RANGE or PGWIRE_ERR_LENGTH.  On error the partial message is
 * removed from the buffer.
 */
PGWIRE_EXPORT int pgwire_msg_end(pgwire_writer *w);

/*
 * Encode a message from its decoded form (the kind and the union fields;
 * frame is ignored), appending to out.  pgwire_encode(pgwire_decode(b))
 * reproduces b exactly.  Errors as pgwire_msg_end(), plus
 * PGWIRE_ERR_ARGUMENT for an invalid kind.
 */
PGWIRE_EXPORT int pgwire_encode(const pgwire_msg *m, pgwire_buf *out,
								const pgwire_limits *lim, pgwire_error *err);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_ENCODE_H */
