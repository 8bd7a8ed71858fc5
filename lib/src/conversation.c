/*
 * conversation.c
 *    Two separately saved streams of one connection (what a capture tool
 *    or relay writes: everything the client sent, everything the server
 *    sent) turned back into one sequence of messages in a plausible wire
 *    order, so that they decode with the context a live session tracker
 *    would have had.
 *
 * Timing is lost in such captures, so the order is rebuilt from the
 * protocol's turn-taking (PostgreSQL docs, "Message Flow"): the frontend
 * speaks first; a request that the server must answer hands the turn to
 * the backend, and the backend's answer (an Authentication request that
 * needs a reply, ReadyForQuery, CopyInResponse ...) hands it back.  Bytes
 * of one direction are never reordered or dropped: every input byte comes
 * out exactly once, as part of a message, of a raw chunk with an error, or
 * of an incomplete tail.
 *
 * The streams are fed to a pgwire_session a chunk at a time (and a growing
 * one when a message is larger than a chunk), so memory stays near the
 * largest message rather than a copy of the whole capture.  Once a
 * direction is encrypted or its framing is lost, the rest of it is one
 * raw chunk pointing into the caller's buffer, so the items do not depend
 * on the chunk size.
 */
#include <string.h>

#include "internal.h"
#include "pgwire/session.h"
#include "session_internal.h"
#include "wire.h"

/* Bytes fed to a reader at a time; more when one message needs more. */
#define CONV_CHUNK 65536

/* take(): the direction has nothing left (internal, never returned) */
#define TAKE_EXHAUSTED 100

struct pgwire_conversation
{
	pgwire_session *session;
	const uint8_t *in[2];		/* the saved streams, by pgwire_direction */
	size_t		len[2];
	size_t		fed[2];			/* bytes of in[] given to the session */
	uint8_t		exhausted[2];	/* nothing more will come from that side */
	pgwire_direction turn;		/* whose message comes next */
	uint32_t	outstanding;	/* Query/Sync/FunctionCall not yet answered
								 * by ReadyForQuery */
	uint32_t	executes;		/* Execute messages whose completion
								 * (CommandComplete, EmptyQueryResponse,
								 * PortalSuspended) has not come yet */
	uint8_t		ready_seen;		/* the first ReadyForQuery went by */
	uint8_t		copy_done[2];	/* CopyDone sent in copy-both, per side */
	uint64_t	wal_end;		/* copy-both: end of the WAL the backend's
								 * XLogData messages have carried so far */
	const pgwire_allocator *alloc;
};

pgwire_conversation *
pgwire_conversation_create(const uint8_t *frontend, size_t frontend_len,
						   const uint8_t *backend, size_t backend_len,
						   const pgwire_limits *lim, const pgwire_allocator *alloc)
{
	pgwire_conversation *c;

	if ((frontend == NULL && frontend_len > 0) || (backend == NULL && backend_len > 0))
		return NULL;
	c = pgwire_alloc_object(&alloc, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->alloc = alloc;
	c->in[PGWIRE_FRONTEND] = frontend;
	c->len[PGWIRE_FRONTEND] = frontend_len;
	c->in[PGWIRE_BACKEND] = backend;
	c->len[PGWIRE_BACKEND] = backend_len;
	c->turn = PGWIRE_FRONTEND;
	c->session = pgwire_session_create(lim, alloc);
	if (c->session == NULL)
	{
		alloc->free(c, alloc->user_data);
		return NULL;
	}
	return c;
}

void
pgwire_conversation_free(pgwire_conversation *c)
{
	if (c == NULL)
		return;
	pgwire_session_free(c->session);
	c->alloc->free(c, c->alloc->user_data);
}

const pgwire_session_state *
pgwire_conversation_state(const pgwire_conversation *c)
{
	return pgwire_session_state_get(c->session);
}

static pgwire_direction
other(pgwire_direction d)
{
	return d == PGWIRE_FRONTEND ? PGWIRE_BACKEND : PGWIRE_FRONTEND;
}

/*
 * Give the session the next chunk of direction d: at least CONV_CHUNK, and
 * at least as much as is already pending so that a large message is
 * completed in O(its size) copying.  0 when nothing was left to feed.
 */
static int
feed_more(pgwire_conversation *c, pgwire_direction d, int *rc)
{
	size_t		left = c->len[d] - c->fed[d];
	size_t		n = pgwire_session_pending(c->session, d);

	*rc = PGWIRE_OK;
	if (left == 0)
		return 0;
	if (n < CONV_CHUNK)
		n = CONV_CHUNK;
	if (n > left)
		n = left;
	*rc = pgwire_session_feed(c->session, d, c->in[d] + c->fed[d], n);
	if (*rc == PGWIRE_OK)
		c->fed[d] += n;
	return 1;
}

/*
 * Direction d will hold no more messages (encryption began, or its
 * framing broke): its item is everything from here to the end of the
 * saved stream, one chunk pointing into the caller's buffer, whatever
 * part of it had been fed so far.
 */
static int
take_rest(pgwire_conversation *c, pgwire_direction d, int rc, pgwire_msg *msg,
		  pgwire_error *err)
{
	size_t		off = (size_t) msg->frame.offset;

	msg->frame.raw = c->in[d] + off;
	msg->frame.raw_len = c->len[d] - off;
	c->fed[d] = c->len[d];
	c->exhausted[d] = 1;
	if (rc == PGWIRE_ERR_ENCRYPTED)
		return pgwire_error_set(err, rc, off,
								"the last %zu bytes are %s data, not protocol messages",
								msg->frame.raw_len,
								pgwire_conversation_state(c)->encrypted == 'G'
								? "GSSAPI-encrypted" : "TLS");
	return rc;
}

/*
 * Next item of direction d: a message, a raw chunk with its error, the
 * incomplete tail (PGWIRE_INCOMPLETE, once), or TAKE_EXHAUSTED.
 */
static int
take(pgwire_conversation *c, pgwire_direction d, pgwire_msg *msg, pgwire_error *err)
{
	int			rc;
	int			frc;

	for (;;)
	{
		rc = pgwire_session_next(c->session, d, msg, err);
		if (rc == PGWIRE_ERR_ENCRYPTED || (rc < 0 && pgwire_session_failed(c->session, d)))
			return take_rest(c, d, rc, msg, err);
		if (rc != PGWIRE_INCOMPLETE)
			return rc;
		if (feed_more(c, d, &frc))
		{
			if (frc != PGWIRE_OK)
			{
				msg->frame.direction = d;
				msg->frame.offset = c->fed[d];
				return pgwire_error_set(err, frc, c->fed[d],
										"could not buffer the %s stream",
										d == PGWIRE_FRONTEND ? "frontend" : "backend");
			}
			continue;
		}
		c->exhausted[d] = 1;
		if (pgwire_session_take_pending(c->session, d, msg) > 0)
			return pgwire_error_set(err, PGWIRE_INCOMPLETE, msg->frame.offset,
									"the %s stream ends inside a message; %zu bytes left over",
									d == PGWIRE_FRONTEND ? "frontend" : "backend",
									msg->frame.raw_len);
		return TAKE_EXHAUSTED;
	}
}

/* The next unread byte of d when d is framing typed messages, else -1. */
static int
peek_type(const pgwire_conversation *c, pgwire_direction d)
{
	uint64_t	off = pgwire_session_offset(c->session, d);

	if (pgwire_session_phase(c->session, d) != PGWIRE_PHASE_TYPED ||
		pgwire_session_failed(c->session, d) || off >= c->len[d])
		return -1;
	return c->in[d][off];
}

/*
 * Whether the backend's next message answers a request the frontend has
 * not sent yet: a ReadyForQuery no Sync/Query/FunctionCall asked for, or,
 * with no Query running, a completion no Execute asked for ("Extended
 * Query": each Execute ends with exactly one of CommandComplete,
 * EmptyQueryResponse, ErrorResponse or PortalSuspended).  Happens after a
 * Flush, which brings answers before the Sync.
 */
static int
backend_runs_ahead(const pgwire_conversation *c)
{
	int			t = peek_type(c, PGWIRE_BACKEND);

	if (!c->ready_seen || c->outstanding > 0)
		return 0;
	return t == 'Z' ||
		(c->executes == 0 && (t == 'C' || t == 'I' || t == 's'));
}

/*
 * Streaming replication inside copy-both ("Streaming Replication
 * Protocol"): the frontend's Standby status update (CopyData 'r', then
 * Int64 write position) reports WAL it has received, so it cannot come
 * before the XLogData (CopyData 'w', Int64 start, Int64 end, Int64 time,
 * then the WAL bytes) that carried WAL up to that position.
 */
static int
peek_copy_lsn(const pgwire_conversation *c, pgwire_direction d, uint8_t kind,
			  uint64_t *lsn)
{
	const uint8_t *p;
	uint64_t	off = pgwire_session_offset(c->session, d);

	if (peek_type(c, d) != 'd' || off + 14 > c->len[d])
		return 0;
	p = c->in[d] + off;
	if (pgwire_get_u32(p + 1) < 4 + 9 || p[5] != kind)
		return 0;
	*lsn = pgwire_get_u64(p + 6);
	return 1;
}

/*
 * The status update waits when it reports WAL beyond what the backend has
 * sent and the backend's next message is the XLogData that carries it (a
 * client reports its start position before any WAL arrives).
 */
static int
frontend_waits_for_wal(const pgwire_conversation *c)
{
	uint64_t	reported;
	uint64_t	start;

	if (!peek_copy_lsn(c, PGWIRE_FRONTEND, 'r', &reported) || reported <= c->wal_end ||
		!peek_copy_lsn(c, PGWIRE_BACKEND, 'w', &start))
		return 0;
	/* a logical client reports the start of the last XLogData it got */
	if (pgwire_conversation_state(c)->streaming == 'L')
		return start <= reported;
	return start < reported;
}

/*
 * A client ends copy-both with CopyDone when it has what it wanted (the
 * end position of pg_receivewal or a logical replication client), and the
 * backend then sends what was under way and its own CopyDone: so the
 * frontend's CopyDone waits while the backend still has CopyData to send.
 * (When the server ends first, at the end of a timeline, this puts the
 * frontend's CopyDone one message early.)
 */
static int
frontend_done_early(const pgwire_conversation *c)
{
	return peek_type(c, PGWIRE_FRONTEND) == 'c' && !c->copy_done[PGWIRE_BACKEND] &&
		peek_type(c, PGWIRE_BACKEND) == 'd';
}

/*
 * Note how far the backend's XLogData (above) has carried the WAL.  In a
 * logical stream the data is a decoded change, not WAL bytes, and a
 * client such as pg_recvlogical reports as written the start position of
 * the last XLogData it received: that is the position to note.
 */
static void
note_wal(pgwire_conversation *c, const pgwire_msg *m)
{
	const uint8_t *p = m->u.copy_data.data.ptr;
	size_t		len = m->u.copy_data.data.len;
	uint64_t	end;

	if (len < 25 || p[0] != 'w')
		return;
	end = pgwire_get_u64(p + 1);
	if (pgwire_conversation_state(c)->streaming != 'L')
		end += len - 25;
	if (end > c->wal_end)
		c->wal_end = end;
}

/*
 * Whose item comes next, or -1 when both sides are used up.  Two looks
 * ahead keep the order plausible where the turn rules alone cannot know:
 * a backend running ahead of the frontend (above) waits for the
 * frontend's next request, in copy-both a standby status update waits for
 * the WAL it reports and the frontend's CopyDone for the end of the
 * backend's data, and during authentication a frontend whose next message is not
 * a 'p' is waiting for the backend (an Authentication request that turned
 * out to need no reply).
 */
static int
choose(const pgwire_conversation *c)
{
	pgwire_direction d = c->turn;

	if (c->exhausted[d])
		d = other(d);
	if (c->exhausted[d])
		return -1;
	if (c->exhausted[other(d)])
		return d;
	if (d == PGWIRE_BACKEND && backend_runs_ahead(c))
		return PGWIRE_FRONTEND;
	if (d == PGWIRE_FRONTEND && pgwire_conversation_state(c)->copy_mode == 'W' &&
		(frontend_waits_for_wal(c) || frontend_done_early(c)))
		return PGWIRE_BACKEND;
	if (d == PGWIRE_FRONTEND && !c->ready_seen)
	{
		int			t = peek_type(c, PGWIRE_FRONTEND);

		if (t >= 0 && t != 'p')
			return PGWIRE_BACKEND;
	}
	return d;
}

/*
 * In copy-both mode, whether side d may still send CopyData: "whichever
 * sends CopyDone first stops sending" (COPY Operations), so once d has
 * sent CopyDone the turn stays with the other side until the copy ends.
 */
static int
copy_both_open(const pgwire_conversation *c, pgwire_direction d)
{
	return pgwire_conversation_state(c)->copy_mode == 'W' && !c->copy_done[d];
}

/* Whose turn after the frontend sent a message of kind k. */
static pgwire_direction
after_frontend(pgwire_conversation *c, pgwire_msg_kind k)
{
	switch (k)
	{
		case PGWIRE_MSG_EXECUTE:
			c->executes++;
			return PGWIRE_FRONTEND;
		case PGWIRE_MSG_QUERY:
		case PGWIRE_MSG_SYNC:
		case PGWIRE_MSG_FUNCTION_CALL:
			/* each is answered by exactly one ReadyForQuery */
			c->outstanding++;
			return PGWIRE_BACKEND;
		case PGWIRE_MSG_SSL_REQUEST:
		case PGWIRE_MSG_GSSENC_REQUEST:
		case PGWIRE_MSG_STARTUP_MESSAGE:
		case PGWIRE_MSG_CANCEL_REQUEST:
		case PGWIRE_MSG_PASSWORD_MESSAGE:
		case PGWIRE_MSG_SASL_INITIAL_RESPONSE:
		case PGWIRE_MSG_SASL_RESPONSE:
		case PGWIRE_MSG_GSS_RESPONSE:
		case PGWIRE_MSG_AUTHENTICATION_RESPONSE:
		case PGWIRE_MSG_COPY_DONE:
			c->copy_done[PGWIRE_FRONTEND] = 1;
			return PGWIRE_BACKEND;
		case PGWIRE_MSG_FLUSH:
		case PGWIRE_MSG_COPY_FAIL:
		case PGWIRE_MSG_TERMINATE:
			return PGWIRE_BACKEND;
		case PGWIRE_MSG_COPY_DATA:
			/* copy both: data interleave until a side sends CopyDone */
			if (copy_both_open(c, PGWIRE_BACKEND))
				return PGWIRE_BACKEND;
			return PGWIRE_FRONTEND;
		default:
			return PGWIRE_FRONTEND;
	}
}

/* Whose turn after the backend sent a message of kind k. */
static pgwire_direction
after_backend(pgwire_conversation *c, pgwire_msg_kind k)
{
	if (pgwire_session_auth_reply(k) != PGWIRE_MSG_INVALID)
		return PGWIRE_FRONTEND;
	switch (k)
	{
		case PGWIRE_MSG_COPY_BOTH_RESPONSE:
			c->copy_done[0] = c->copy_done[1] = 0;
			return PGWIRE_FRONTEND;
		case PGWIRE_MSG_SSL_RESPONSE:
		case PGWIRE_MSG_GSSENC_RESPONSE:
		case PGWIRE_MSG_COPY_IN_RESPONSE:
			return PGWIRE_FRONTEND;
		case PGWIRE_MSG_READY_FOR_QUERY:
			c->ready_seen = 1;
			if (c->outstanding > 0)
				c->outstanding--;
			/* a Sync ends every Execute before it, run or skipped */
			c->executes = 0;
			return PGWIRE_FRONTEND;
		case PGWIRE_MSG_COMMAND_COMPLETE:
		case PGWIRE_MSG_EMPTY_QUERY_RESPONSE:
		case PGWIRE_MSG_PORTAL_SUSPENDED:
			if (c->executes > 0)
				c->executes--;
			return PGWIRE_BACKEND;
		case PGWIRE_MSG_ERROR_RESPONSE:
			/* during start-up an error ends the connection attempt */
			return c->ready_seen ? PGWIRE_BACKEND : PGWIRE_FRONTEND;
		case PGWIRE_MSG_COPY_DONE:
			c->copy_done[PGWIRE_BACKEND] = 1;
			/* FALLTHROUGH */
		case PGWIRE_MSG_COPY_DATA:
			if (copy_both_open(c, PGWIRE_FRONTEND))
				return PGWIRE_FRONTEND;
			return PGWIRE_BACKEND;
		default:
			return PGWIRE_BACKEND;
	}
}

/*
 * Set the turn after item rc/msg of direction d.  A message that did not
 * decode still steers by its type byte; raw chunks (encrypted bytes, a
 * stream lost to a framing error) and tails hand the turn over.
 */
static void
advance_turn(pgwire_conversation *c, pgwire_direction d, int rc, const pgwire_msg *msg)
{
	pgwire_msg_kind k = msg->kind;

	if (rc == PGWIRE_INCOMPLETE || rc == PGWIRE_ERR_ENCRYPTED ||
		(rc < 0 && pgwire_session_failed(c->session, d)))
	{
		c->turn = other(d);
		return;
	}
	if (rc != PGWIRE_OK)
	{
		if (msg->frame.kind != PGWIRE_FRAME_TYPED)
			return;
		k = pgwire_kind_for_type(d, msg->frame.type);
	}
	if (d == PGWIRE_BACKEND && k == PGWIRE_MSG_COPY_DATA &&
		pgwire_conversation_state(c)->copy_mode == 'W')
		note_wal(c, msg);
	c->turn = d == PGWIRE_FRONTEND ? after_frontend(c, k) : after_backend(c, k);
}

int
pgwire_conversation_next(pgwire_conversation *c, pgwire_msg *msg, pgwire_error *err)
{
	int			d;
	int			rc;

	if (c == NULL || msg == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"NULL conversation or message");
	/* each pass either returns or marks one more side exhausted */
	for (;;)
	{
		d = choose(c);
		if (d < 0)
		{
			memset(msg, 0, sizeof(*msg));
			return PGWIRE_DONE;
		}
		rc = take(c, (pgwire_direction) d, msg, err);
		if (rc == TAKE_EXHAUSTED)
			continue;
		advance_turn(c, (pgwire_direction) d, rc, msg);
		return rc;
	}
}
