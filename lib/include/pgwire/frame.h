/*
 * pgwire/frame.h
 *    Splitting a byte stream into protocol frames.
 *
 * A frame is one message as it sits on the wire, not yet decoded: the type
 * byte (none for the untyped startup-phase packets), the Int32 length word
 * and the body, all as views into the caller's (or the reader's) buffer.
 * Framing knows only lengths and limits; pgwire_decode() (message.h) gives
 * the fields.
 *
 * Source: PostgreSQL docs, "Frontend/Backend Protocol", sections
 * "Messaging Overview" and "Message Formats"; limits from the server
 * (pqcomm.c pq_getmessage, postgres.c SocketBackend, backend_startup.c).
 */
#ifndef PGWIRE_FRAME_H
#define PGWIRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Who sent the bytes. */
typedef enum pgwire_direction
{
	PGWIRE_FRONTEND = 0,		/* client to server ("F" in PQtrace) */
	PGWIRE_BACKEND = 1			/* server to client ("B" in PQtrace) */
} pgwire_direction;

/*
 * What the next bytes of a stream are expected to be.
 *
 * PGWIRE_PHASE_AUTO: frontend: an untyped packet if the first byte is 0x00
 * (no typed message has type 0), else a typed message; backend: a typed
 * message, except at the start of a stream (offset 0), where an 'S', 'N'
 * or 'G' is taken as the one-byte answer to SSLRequest/GSSENCRequest when
 * the four bytes after it cannot be the length word of a first message:
 * below 4, above 16 MiB, or a TLS handshake record (0x16) following.  (A
 * real backend stream begins with 'R', 'E', 'v' or such an answer; 'R',
 * 'E' and 'v' as the high byte of a length are above 16 MiB.)  Such a
 * frame is marked inferred.
 */
typedef enum pgwire_phase
{
	PGWIRE_PHASE_AUTO = 0,
	PGWIRE_PHASE_STARTUP,		/* frontend: untyped packet expected */
	PGWIRE_PHASE_SSL_ANSWER,	/* backend: one byte answering SSLRequest */
	PGWIRE_PHASE_GSS_ANSWER,	/* backend: one byte answering GSSENCRequest */
	PGWIRE_PHASE_TYPED,			/* typed messages only */
	PGWIRE_PHASE_ENCRYPTED		/* TLS/GSS bytes: nothing to frame */
} pgwire_phase;

typedef enum pgwire_frame_kind
{
	PGWIRE_FRAME_TYPED = 0,		/* Byte1 type, Int32 length, body */
	PGWIRE_FRAME_UNTYPED,		/* Int32 length, Int32 code, body */
	PGWIRE_FRAME_BYTE			/* one byte: 'S'/'N'/'G' answer */
} pgwire_frame_kind;

/*
 * One frame.  All pointers point into the buffer the frame was parsed
 * from and are valid as long as that buffer is.
 *
 * raw/raw_len: the whole frame (type byte, length word, body).
 * length: the length word as sent (counts itself, not the type byte);
 *         0 for PGWIRE_FRAME_BYTE.
 * body/body_len: the bytes after the length word (for untyped packets this
 *         includes the Int32 code).
 * offset: stream offset of raw[0].
 * inferred: the frame kind was guessed without the other direction's
 *         context (see PGWIRE_PHASE_AUTO).
 */
typedef struct pgwire_frame
{
	pgwire_frame_kind kind;
	pgwire_direction direction;
	uint8_t		type;			/* type byte; 0 if untyped; the byte itself for BYTE */
	uint8_t		inferred;
	uint8_t		request;		/* BYTE frames: 'S' SSLRequest, 'G' GSSENCRequest,
								 * 0 not known */
	uint32_t	length;
	const uint8_t *raw;
	size_t		raw_len;
	const uint8_t *body;
	size_t		body_len;
	uint64_t	offset;
} pgwire_frame;

/*
 * Length limits, as length-word values (the word counts itself).  Defaults
 * are the server's: startup packets 8..10004 (MAX_STARTUP_PACKET_LENGTH
 * 10000 plus the word), small frontend types (Close, Describe, Execute,
 * Flush, Sync, Terminate, CopyDone, CopyFail) at most 10000
 * (PQ_SMALL_MESSAGE_LIMIT), everything else at most 0x3FFFFFFE
 * (PQ_LARGE_MESSAGE_LIMIT = MaxAllocSize - 1).  Backend messages use
 * large_max.
 */
typedef struct pgwire_limits
{
	uint32_t	startup_min;
	uint32_t	startup_max;
	uint32_t	small_max;
	uint32_t	large_max;
} pgwire_limits;

#define PGWIRE_STARTUP_MIN 8u
#define PGWIRE_STARTUP_MAX 10004u
#define PGWIRE_SMALL_MAX 10000u
#define PGWIRE_LARGE_MAX 0x3FFFFFFEu

/* The server's limits (the values above). */
PGWIRE_EXPORT const pgwire_limits *pgwire_default_limits(void);

/*
 * Whether buf[0..len), at the start of a backend stream, begins with a
 * one-byte SSL/GSS answer (the PGWIRE_PHASE_AUTO rule above): 1 yes, 0 no
 * (a typed message), -1 cannot tell yet (fewer than 5 bytes).
 */
PGWIRE_EXPORT int pgwire_backend_starts_with_answer(const uint8_t *buf, size_t len);

/* The limit a typed message of this type and direction is held to. */
PGWIRE_EXPORT uint32_t pgwire_type_limit(const pgwire_limits *lim,
										 pgwire_direction dir, uint8_t type);

/*
 * Parse one frame from buf[0..len).  Never allocates, never reads past len.
 *
 * Returns PGWIRE_OK (out filled; out->raw_len bytes consumed),
 * PGWIRE_INCOMPLETE (buf is a proper prefix of a valid frame), or
 *   PGWIRE_ERR_LENGTH      length word below the minimum or over the limit
 *                          (err->offset: the length word),
 *   PGWIRE_ERR_UNKNOWN_TYPE  an SSL/GSS answer byte other than S/N/G/E,
 *   PGWIRE_ERR_ENCRYPTED   phase is PGWIRE_PHASE_ENCRYPTED,
 *   PGWIRE_ERR_ARGUMENT    NULL pointers.
 * base_offset is added to every reported offset (stream position of buf[0]).
 * lim may be NULL (defaults).
 */
PGWIRE_EXPORT int pgwire_frame_parse(const uint8_t *buf, size_t len,
									 pgwire_direction dir, pgwire_phase phase,
									 const pgwire_limits *lim, uint64_t base_offset,
									 pgwire_frame *out, pgwire_error *err);

/*
 * Incremental reader (after hiredis read.c): feed bytes in any chunking,
 * take complete frames out.  Frames returned by pgwire_reader_next() point
 * into the reader's buffer and stay valid until the next feed or free.
 * Errors are sticky: after a failure next() keeps returning it.
 *
 * The reader follows the phase by itself where one direction shows it: a
 * frontend reader expects untyped packets until a StartupMessage, and stops
 * at CancelRequest.  Changes that only the other direction reveals
 * (encryption starting after an 'S' answer, the backend answering an
 * SSLRequest) are set by the caller or by the session tracker through
 * pgwire_reader_set_phase().
 */
typedef struct pgwire_reader pgwire_reader;

/* NULL on out-of-memory.  lim and alloc may be NULL (defaults). */
PGWIRE_EXPORT pgwire_reader *pgwire_reader_create(pgwire_direction dir,
												  const pgwire_limits *lim,
												  const pgwire_allocator *alloc);
PGWIRE_EXPORT void pgwire_reader_free(pgwire_reader *r);

/* Append bytes (copied).  PGWIRE_OK or PGWIRE_ERR_NOMEM. */
PGWIRE_EXPORT int pgwire_reader_feed(pgwire_reader *r, const void *data, size_t len);

/*
 * Append bytes without copying them where possible: frames that lie whole
 * inside data are handed out as views of data itself; only the bytes that
 * complete a frame begun in an earlier feed are copied, and, at the next
 * feed, whatever of data was not yet taken.  The caller must keep data
 * alive and unchanged until the next feed (of either kind) or
 * pgwire_reader_free(); frames stay valid until the next feed, as with
 * pgwire_reader_feed().  Outside the typed phase, or after an error, it
 * copies like pgwire_reader_feed().  Frames, offsets and errors are the
 * same as with pgwire_reader_feed() for any chunking.  For throughput:
 * the copy is about a tenth of the cost of framing and decoding a result
 * set.  PGWIRE_OK or PGWIRE_ERR_NOMEM.
 */
PGWIRE_EXPORT int pgwire_reader_feed_borrowed(pgwire_reader *r, const void *data,
											  size_t len);

/*
 * Take the next frame.  PGWIRE_OK, PGWIRE_INCOMPLETE (feed more), or the
 * sticky error of pgwire_frame_parse().  In the encrypted phase it returns
 * PGWIRE_ERR_ENCRYPTED; pgwire_reader_take_raw() then hands out the
 * undecodable bytes.
 */
PGWIRE_EXPORT int pgwire_reader_next(pgwire_reader *r, pgwire_frame *out,
									 pgwire_error *err);

/* Bytes fed but not yet returned as frames. */
PGWIRE_EXPORT size_t pgwire_reader_pending(const pgwire_reader *r);

/*
 * Return every pending byte as one view and mark it consumed (for the
 * encrypted phase or after an error, so nothing the peer sent is lost).
 * *offset gets the stream offset of the first byte.
 */
PGWIRE_EXPORT size_t pgwire_reader_take_raw(pgwire_reader *r, const uint8_t **data,
											uint64_t *offset);

PGWIRE_EXPORT pgwire_phase pgwire_reader_phase(const pgwire_reader *r);
PGWIRE_EXPORT void pgwire_reader_set_phase(pgwire_reader *r, pgwire_phase phase);

/* Stream offset of the next unread byte. */
PGWIRE_EXPORT uint64_t pgwire_reader_offset(const pgwire_reader *r);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_FRAME_H */
