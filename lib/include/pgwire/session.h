/*
 * pgwire/session.h
 *    The session tracker: both directions of one connection, decoded with
 *    the context that only the pair of them supplies.
 *
 * Context a single direction cannot know (after Wireshark's per-
 * conversation state in its pgsql dissector):
 *   - which 'p' message a frontend sends (PasswordMessage, SASLInitial-
 *     Response, SASLResponse, GSSResponse), from the last Authentication
 *     request;
 *   - that the backend's next byte is a one-byte answer to SSLRequest or
 *     GSSENCRequest, and that an 'S'/'G' answer turns both directions into
 *     encrypted bytes;
 *   - the negotiated protocol version (StartupMessage, then
 *     NegotiateProtocolVersion), COPY modes (CopyIn/Out/BothResponse until
 *     CopyDone/CopyFail/ErrorResponse), a replication connection
 *     (startup parameter "replication");
 *   - on a replication connection, what its CopyData carry: the replication
 *     messages of START_REPLICATION or BASE_BACKUP, and, in a logical stream
 *     started with pgoutput's options, pgoutput messages inside XLogData
 *     (decoded into msg->inner, see pgwire_session_next()).
 *
 * pgwire_session is fed in wire order (a proxy sees that order).
 * pgwire_conversation reconstructs a plausible order from two separately
 * saved streams, following the protocol's turn-taking, so that saved
 * captures decode with the same context.
 *
 * Source: PostgreSQL docs, "Message Flow" (Start-up, Simple Query,
 * Extended Query, COPY Operations, SSL/GSSAPI Session Encryption).
 */
#ifndef PGWIRE_SESSION_H
#define PGWIRE_SESSION_H

#include "pgwire/buf.h"
#include "pgwire/frame.h"
#include "pgwire/message.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pgwire_session_state
{
	uint32_t	requested_version;	/* from StartupMessage; 0 before it */
	uint32_t	protocol_version;	/* in effect: requested, or lowered by
									 * NegotiateProtocolVersion */
	uint8_t		encrypted;		/* 0, 'S' (TLS) or 'G' (GSSAPI) */
	uint8_t		copy_mode;		/* 0, 'G' copy in, 'H' copy out, 'W' copy both */
	uint8_t		replication;	/* 0 none, 1 physical ("true"), 2 logical ("database") */
	uint8_t		authenticated;	/* AuthenticationOk seen */
	uint8_t		transaction_status; /* last ReadyForQuery status, 0 before */
	uint8_t		cancel;			/* the connection carried a CancelRequest */
	pgwire_msg_kind auth_response;	/* what the next 'p' is; INVALID: unknown */

	/*
	 * What the last Query of a replication connection started: 'P' for
	 * START_REPLICATION [SLOT s] [PHYSICAL] X/X, 'L' for START_REPLICATION
	 * SLOT s LOGICAL X/X [(options)], 0 for anything else (set when the
	 * Query is read).  pgoutput_version is the options' proto_version
	 * (1..4) when they also name publication_names, the two options
	 * pgoutput requires: that is how a pgoutput stream is recognised,
	 * since the slot's plugin is not in the command; 0 otherwise
	 * (test_decoding and other plugins: XLogData data stays bytes).
	 */
	uint8_t		streaming;
	int			pgoutput_version;
} pgwire_session_state;

typedef struct pgwire_session pgwire_session;

/* NULL on out-of-memory.  lim and alloc may be NULL (defaults). */
PGWIRE_EXPORT pgwire_session *pgwire_session_create(const pgwire_limits *lim,
													const pgwire_allocator *alloc);
PGWIRE_EXPORT void pgwire_session_free(pgwire_session *s);

/* Bytes that crossed the wire in direction dir (copied). */
PGWIRE_EXPORT int pgwire_session_feed(pgwire_session *s, pgwire_direction dir,
									  const void *data, size_t len);

/*
 * Next message of direction dir, decoded with the session's context; the
 * state is updated from it.  Returns:
 *   PGWIRE_OK           *msg filled;
 *   PGWIRE_INCOMPLETE   feed more bytes of that direction;
 *   PGWIRE_ERR_ENCRYPTED  that direction is encrypted from here on:
 *                       msg->frame.raw/raw_len hold every pending byte
 *                       (consumed), msg->kind is PGWIRE_MSG_INVALID;
 *   a decode error      the frame was well-framed but its body is not a
 *                       valid message: msg->frame holds it (consumed),
 *                       msg->kind is PGWIRE_MSG_INVALID; the next call
 *                       goes on with the next frame;
 *   a framing error     (PGWIRE_ERR_LENGTH ...) sticky for that direction:
 *                       msg->frame.raw/raw_len hold every pending byte
 *                       (consumed; later calls hand out later bytes);
 *   PGWIRE_ERR_ARGUMENT NULL s or msg, or an invalid dir.
 * On PGWIRE_INCOMPLETE *msg is zeroed.  msg points into the session's
 * buffer for dir, valid until the next feed of dir or the free.
 * A frontend stream that begins (in the startup phase) with a TLS record,
 * byte 0x16 (PostgreSQL 17's direct SSL, or TLS after an 'S' not yet
 * read), is encrypted from there: state.encrypted becomes 'S', and so
 * does the backend unless it still owes the answer to an SSLRequest.
 * Apart from that, the state changes only on messages that decode.
 *
 * Replication payloads: on a replication connection, a CopyData of
 * START_REPLICATION's stream (in copy-both mode, or after it until the
 * next command: a walsender's late keepalive) or in the copy-out of
 * BASE_BACKUP (PostgreSQL 15 and later, from ParameterStatus
 * server_version; before 15 that copy-out was raw tar data, left as it
 * is; an unknown version counts as 15) is decoded further with
 * pgwire_decode_replication(), into a message owned
 * by the session that msg->inner points to (XLogData, PrimaryKeepalive,
 * StandbyStatusUpdate, HotStandbyFeedback; NewArchive, Manifest,
 * ArchiveOrManifestData, ProgressReport).  In a logical stream with
 * pgoutput (state.pgoutput_version != 0) an XLogData's data is decoded
 * with pgwire_decode_xlog_pgoutput() into a second such message, at
 * msg->inner->inner.  A payload that does not decode leaves the pointer
 * NULL and is no error (the CopyData is still the CopyData).  Both are
 * valid until the next pgwire_session_next() for dir.  Source: PostgreSQL
 * docs, "Streaming Replication Protocol", "Logical Streaming Replication
 * Protocol".
 */
PGWIRE_EXPORT int pgwire_session_next(pgwire_session *s, pgwire_direction dir,
									  pgwire_msg *msg, pgwire_error *err);

PGWIRE_EXPORT const pgwire_session_state *pgwire_session_state_get(const pgwire_session *s);

/*
 * Both directions of one connection saved as two streams.  The buffers
 * must outlive the conversation: they are given to an internal session a
 * chunk at a time (so memory stays near the largest message, not a copy
 * of the capture), and some items point into them.  NULL on out-of-memory
 * or a NULL buffer with a non-zero length.
 */
typedef struct pgwire_conversation pgwire_conversation;

PGWIRE_EXPORT pgwire_conversation *pgwire_conversation_create(const uint8_t *frontend,
															  size_t frontend_len,
															  const uint8_t *backend,
															  size_t backend_len,
															  const pgwire_limits *lim,
															  const pgwire_allocator *alloc);
PGWIRE_EXPORT void pgwire_conversation_free(pgwire_conversation *c);

/*
 * Next message in conversation order; msg->frame.direction tells whose.
 * Same results as pgwire_session_next(), plus PGWIRE_DONE when both
 * streams are used up.  A stream that ends inside a message yields its
 * remaining bytes with PGWIRE_INCOMPLETE (msg->frame.raw/raw_len) once.
 * Once a direction is encrypted (PGWIRE_ERR_ENCRYPTED) or has lost its
 * framing, its item is the whole rest of that stream, once.  Every byte
 * of both inputs comes out exactly once, in order within its direction.
 * PGWIRE_ERR_NOMEM if the internal session could not grow.  msg is valid
 * until the next call.
 *
 * The order between directions is rebuilt from the turn-taking of
 * "Message Flow": the frontend starts; SSLRequest/GSSENCRequest get the
 * backend's one byte; StartupMessage and each 'p' get backend messages
 * up to an Authentication request that needs a reply, ReadyForQuery or
 * ErrorResponse; Query, Sync, Flush, FunctionCall, CopyDone, CopyFail and
 * Terminate get backend messages up to ReadyForQuery, CopyInResponse
 * (then the frontend's copy data) or, in copy-both, the next CopyData
 * (the sides alternate until each has sent CopyDone; a Standby status
 * update waits for the XLogData carrying the WAL it reports -- in a
 * logical stream, for the XLogData starting at the position it reports,
 * as pg_recvlogical reports the start of the last one it got -- and the
 * frontend's CopyDone for the end of the backend's CopyData).  A backend
 * ReadyForQuery that no Sync/Query/FunctionCall asked for yet, or a
 * completion no Execute asked for, waits for the frontend's next
 * messages (Flush); when one side is used up the other goes on.
 */
PGWIRE_EXPORT int pgwire_conversation_next(pgwire_conversation *c, pgwire_msg *msg,
										   pgwire_error *err);

PGWIRE_EXPORT const pgwire_session_state *pgwire_conversation_state(const pgwire_conversation *c);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_SESSION_H */
