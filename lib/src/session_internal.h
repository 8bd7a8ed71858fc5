/*
 * session_internal.h
 *    What conversation.c needs from session.c beyond the public API: the
 *    readers' positions, for peeking at the next type byte of a saved
 *    stream and for handing out a stream's incomplete tail, and which
 *    Authentication requests the frontend answers.  Not exported.
 */
#ifndef PGWIRE_SESSION_INTERNAL_H
#define PGWIRE_SESSION_INTERNAL_H

#include "pgwire/session.h"

/* Stream offset of the next byte of dir not yet returned. */
uint64_t	pgwire_session_offset(const pgwire_session *s, pgwire_direction dir);

/* Framing phase of dir's reader. */
pgwire_phase pgwire_session_phase(const pgwire_session *s, pgwire_direction dir);

/* 1 once dir's reader has met a framing error (sticky). */
int			pgwire_session_failed(const pgwire_session *s, pgwire_direction dir);

/* Bytes of dir fed but not yet returned. */
size_t		pgwire_session_pending(const pgwire_session *s, pgwire_direction dir);

/*
 * Hand out every pending byte of dir as a raw chunk in msg->frame (kind
 * PGWIRE_MSG_INVALID) and mark it consumed; returns the byte count.
 */
size_t		pgwire_session_take_pending(pgwire_session *s, pgwire_direction dir,
										pgwire_msg *msg);

/*
 * The 'p' message an Authentication request asks for ("Start-up"), or
 * PGWIRE_MSG_INVALID when the frontend sends none (AuthenticationOk,
 * SASLFinal, KerberosV5, unknown codes; any other kind).
 */
pgwire_msg_kind pgwire_session_auth_reply(pgwire_msg_kind request);

#endif							/* PGWIRE_SESSION_INTERNAL_H */
