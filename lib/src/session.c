/*
 * session.c
 *    The session tracker: two incremental readers, one per direction, and
 *    the connection state that only the pair of them reveals (which 'p'
 *    message comes next, SSL/GSS answers and encryption, protocol version,
 *    COPY mode, replication, transaction status).
 *
 * The rules follow the PostgreSQL docs, "Message Flow": Start-up, COPY
 * Operations, SSL and GSSAPI Session Encryption, Canceling Requests.
 * Wireshark's pgsql dissector keeps the same per-conversation state.
 *
 * On a replication connection the tracker also reads the replication
 * commands ("Streaming Replication Protocol": START_REPLICATION, and
 * BASE_BACKUP) to know what the CopyData that follow carry, and decodes
 * each payload into a slot of its own (msg->inner), and a pgoutput
 * message inside an XLogData into a second one.  A payload that does not
 * decode is simply left as bytes: the CopyData itself is never in error.
 */
#include <string.h>

#include "internal.h"
#include "pgwire/replication.h"
#include "pgwire/session.h"
#include "session_internal.h"

struct pgwire_session
{
	pgwire_reader *reader[2];	/* indexed by pgwire_direction */
	pgwire_session_state state;
	uint8_t		copy_done[2];	/* CopyDone seen per direction (copy both) */
	uint8_t		failed[2];		/* the direction's reader hit a framing error */
	uint8_t		base_backup;	/* the last Query was BASE_BACKUP */
	int			server_major;	/* from ParameterStatus server_version; 0 unknown */
	pgwire_pgoutput_state pgoutput; /* streamed-block state of pgoutput */
	pgwire_msg	payload[2];		/* per direction: a CopyData's payload */
	pgwire_msg	lr[2];			/* per direction: an XLogData's pgoutput */
	pgwire_relcache *relcache;	/* pgoutput's Relation messages; made at the first */
	size_t		relation_bytes; /* bytes of the Relation messages it holds */
	const pgwire_allocator *alloc;
};

static void note_replication_command(pgwire_session *s, const pgwire_msg *m);

pgwire_session *
pgwire_session_create(const pgwire_limits *lim, const pgwire_allocator *alloc)
{
	pgwire_session *s = pgwire_alloc_object(&alloc, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->alloc = alloc;
	s->reader[PGWIRE_FRONTEND] = pgwire_reader_create(PGWIRE_FRONTEND, lim, alloc);
	s->reader[PGWIRE_BACKEND] = pgwire_reader_create(PGWIRE_BACKEND, lim, alloc);
	if (s->reader[PGWIRE_FRONTEND] == NULL || s->reader[PGWIRE_BACKEND] == NULL)
	{
		pgwire_session_free(s);
		return NULL;
	}
	s->state.auth_response = PGWIRE_MSG_INVALID;
	return s;
}

void
pgwire_session_free(pgwire_session *s)
{
	if (s == NULL)
		return;
	pgwire_reader_free(s->reader[PGWIRE_FRONTEND]);
	pgwire_reader_free(s->reader[PGWIRE_BACKEND]);
	pgwire_relcache_free(s->relcache);
	s->alloc->free(s, s->alloc->user_data);
}

static int
valid_dir(pgwire_direction dir)
{
	return dir == PGWIRE_FRONTEND || dir == PGWIRE_BACKEND;
}

int
pgwire_session_feed(pgwire_session *s, pgwire_direction dir, const void *data,
					size_t len)
{
	if (s == NULL || !valid_dir(dir))
		return PGWIRE_ERR_ARGUMENT;
	return pgwire_reader_feed(s->reader[dir], data, len);
}

const pgwire_session_state *
pgwire_session_state_get(const pgwire_session *s)
{
	return &s->state;
}

/* ---- State updates ---------------------------------------------------- */

/* v[0..len) is a case-insensitive abbreviation of w that parse_bool takes */
static int
bool_word(const uint8_t *v, size_t len, const char *w)
{
	/* "o" alone is ambiguous between on and off */
	size_t		need = w[0] == 'o' ? 2 : 1;
	size_t		k;

	if (len < need || len > strlen(w))
		return 0;
	for (k = 0; k < len; k++)
	{
		uint8_t		c = v[k];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (uint8_t) w[k])
			return 0;
	}
	return 1;
}

/*
 * The backend's "replication" startup parameter, read as the server reads
 * it (ProcessStartupPacket, in postmaster.c up to PostgreSQL 16 and
 * backend_startup.c since 17): "database" exactly means a logical walsender,
 * otherwise parse_bool() rules (case-insensitive, unique prefixes of
 * true/false/yes/no, "on"/"off" from two letters, "1"/"0").  A value the
 * server would reject leaves 0: that connection never gets started.
 */
static uint8_t
replication_mode(const uint8_t *v, size_t len)
{
	if (len == 8 && memcmp(v, "database", 8) == 0)
		return 2;
	if (bool_word(v, len, "true") || bool_word(v, len, "yes") ||
		bool_word(v, len, "on") || bool_word(v, len, "1"))
		return 1;
	return 0;
}

static void
note_startup(pgwire_session *s, const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_parameter p;

	s->state.requested_version = m->u.startup_message.protocol_version;
	s->state.protocol_version = m->u.startup_message.protocol_version;
	pgwire_iter_init(&it, &m->u.startup_message.parameters);
	while (pgwire_next_parameter(&it, &p))
	{
		if (p.name.len == 11 && memcmp(p.name.ptr, "replication", 11) == 0)
			s->state.replication = replication_mode(p.value.ptr, p.value.len);
	}
	/* the backend's first byte is now a typed message, never an answer */
	if (pgwire_reader_phase(s->reader[PGWIRE_BACKEND]) == PGWIRE_PHASE_AUTO)
		pgwire_reader_set_phase(s->reader[PGWIRE_BACKEND], PGWIRE_PHASE_TYPED);
}

static void
expect_answer(pgwire_session *s, pgwire_phase phase)
{
	if (pgwire_reader_phase(s->reader[PGWIRE_BACKEND]) != PGWIRE_PHASE_ENCRYPTED)
		pgwire_reader_set_phase(s->reader[PGWIRE_BACKEND], phase);
}

/* CopyDone from dir: copy in/out ends; copy both ends once both sent one. */
static void
note_copy_done(pgwire_session *s, pgwire_direction dir)
{
	s->copy_done[dir] = 1;
	if ((s->state.copy_mode == 'G' && dir == PGWIRE_FRONTEND) ||
		(s->state.copy_mode == 'H' && dir == PGWIRE_BACKEND) ||
		(s->state.copy_mode == 'W' && s->copy_done[0] && s->copy_done[1]))
		s->state.copy_mode = 0;
}

static void
start_copy(pgwire_session *s, uint8_t mode)
{
	s->state.copy_mode = mode;
	s->copy_done[0] = s->copy_done[1] = 0;
}

static void
note_frontend(pgwire_session *s, const pgwire_msg *m)
{
	switch (m->kind)
	{
		case PGWIRE_MSG_SSL_REQUEST:
			expect_answer(s, PGWIRE_PHASE_SSL_ANSWER);
			break;
		case PGWIRE_MSG_GSSENC_REQUEST:
			expect_answer(s, PGWIRE_PHASE_GSS_ANSWER);
			break;
		case PGWIRE_MSG_STARTUP_MESSAGE:
			note_startup(s, m);
			break;
		case PGWIRE_MSG_CANCEL_REQUEST:
			s->state.cancel = 1;
			break;
		case PGWIRE_MSG_PASSWORD_MESSAGE:
		case PGWIRE_MSG_SASL_INITIAL_RESPONSE:
		case PGWIRE_MSG_SASL_RESPONSE:
		case PGWIRE_MSG_GSS_RESPONSE:
		case PGWIRE_MSG_AUTHENTICATION_RESPONSE:
			/* each 'p' answers exactly one Authentication request */
			s->state.auth_response = PGWIRE_MSG_INVALID;
			break;
		case PGWIRE_MSG_COPY_DONE:
			note_copy_done(s, PGWIRE_FRONTEND);
			break;
		case PGWIRE_MSG_COPY_FAIL:
			if (s->state.copy_mode == 'G' || s->state.copy_mode == 'W')
				s->state.copy_mode = 0;
			break;
		case PGWIRE_MSG_QUERY:
			if (s->state.replication)
				note_replication_command(s, m);
			break;
		default:
			break;
	}
}

/* The 'p' message an Authentication request asks for (session_internal.h). */
pgwire_msg_kind
pgwire_session_auth_reply(pgwire_msg_kind request)
{
	switch (request)
	{
		case PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD:
		case PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD:
			return PGWIRE_MSG_PASSWORD_MESSAGE;
		case PGWIRE_MSG_AUTHENTICATION_GSS:
		case PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE:
		case PGWIRE_MSG_AUTHENTICATION_SSPI:
			return PGWIRE_MSG_GSS_RESPONSE;
		case PGWIRE_MSG_AUTHENTICATION_SASL:
			return PGWIRE_MSG_SASL_INITIAL_RESPONSE;
		case PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE:
			return PGWIRE_MSG_SASL_RESPONSE;
		default:
			return PGWIRE_MSG_INVALID;
	}
}

/*
 * ParameterStatus "server_version" ("15.18 (Debian 15.18-0+deb12u1)",
 * "9.6.24"): its major version, which decides the format of BASE_BACKUP.
 */
static void
note_server_version(pgwire_session *s, const pgwire_msg *m)
{
	const pgwire_slice *name = &m->u.parameter_status.name;
	const pgwire_slice *value = &m->u.parameter_status.value;
	int			major = 0;

	if (name->len != 14 || memcmp(name->ptr, "server_version", 14) != 0)
		return;
	for (size_t i = 0; i < value->len && value->ptr[i] >= '0' && value->ptr[i] <= '9' &&
		 major < 100000; i++)
		major = major * 10 + (value->ptr[i] - '0');
	s->server_major = major;
}

static void
note_backend(pgwire_session *s, const pgwire_msg *m)
{
	if (pgwire_is_auth_request(m->kind))
	{
		s->state.auth_response = pgwire_session_auth_reply(m->kind);
		return;
	}
	switch (m->kind)
	{
		case PGWIRE_MSG_SSL_RESPONSE:
		case PGWIRE_MSG_GSSENC_RESPONSE:
			/* the reader itself switched the backend to encrypted */
			if (m->frame.type == 'S' || m->frame.type == 'G')
			{
				s->state.encrypted = m->frame.type;
				pgwire_reader_set_phase(s->reader[PGWIRE_FRONTEND],
										PGWIRE_PHASE_ENCRYPTED);
			}
			break;
		case PGWIRE_MSG_PARAMETER_STATUS:
			note_server_version(s, m);
			break;
		case PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION:
			s->state.protocol_version = m->u.negotiate_protocol_version.newest_minor_version;
			break;
		case PGWIRE_MSG_AUTHENTICATION_OK:
			s->state.authenticated = 1;
			s->state.auth_response = PGWIRE_MSG_INVALID;
			break;
		case PGWIRE_MSG_READY_FOR_QUERY:
			s->state.transaction_status = m->u.ready_for_query.status;
			/* COPY always ends before the command's ReadyForQuery */
			s->state.copy_mode = 0;
			break;
		case PGWIRE_MSG_COPY_IN_RESPONSE:
			start_copy(s, 'G');
			break;
		case PGWIRE_MSG_COPY_OUT_RESPONSE:
			start_copy(s, 'H');
			break;
		case PGWIRE_MSG_COPY_BOTH_RESPONSE:
			start_copy(s, 'W');
			break;
		case PGWIRE_MSG_COPY_DONE:
			note_copy_done(s, PGWIRE_BACKEND);
			break;
		case PGWIRE_MSG_ERROR_RESPONSE:
			/* an error ends any COPY and any authentication exchange */
			s->state.copy_mode = 0;
			s->state.auth_response = PGWIRE_MSG_INVALID;
			break;
		default:
			break;
	}
}

/* ---- Replication commands ------------------------------------------- */

/*
 * A token of a replication command, as the walsender's lexer
 * (repl_scanner.l) splits it: a word (keyword, unquoted identifier or
 * LSN; compared case-insensitively, as unquoted identifiers are folded to
 * lower case), a "quoted identifier" (compared exactly), a 'string
 * literal' ('' inside is one quote), or one punctuation character.
 */
typedef struct repl_token
{
	char		kind;			/* 'w' word, 'i' quoted identifier, 's'
								 * string, else the character; 0 at end */
	const uint8_t *ptr;			/* contents, quotes excluded */
	size_t		len;
} repl_token;

typedef struct repl_lexer
{
	const uint8_t *p;
	const uint8_t *end;
} repl_lexer;

static int
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
is_word(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '/' || c == '.' || c == '$' || c >= 0x80;
}

/* A quoted token ending in q; doubled q stands for one.  0 if unclosed. */
static int
lex_quoted(repl_lexer *lx, uint8_t q, repl_token *t)
{
	const uint8_t *p = lx->p + 1;

	t->ptr = p;
	while (p < lx->end)
	{
		if (*p == q && p + 1 < lx->end && p[1] == q)
			p += 2;
		else if (*p == q)
		{
			t->len = (size_t) (p - t->ptr);
			lx->p = p + 1;
			return 1;
		}
		else
			p++;
	}
	return 0;
}

/* The next token; kind 0 at the end or on an unclosed quote. */
static void
lex_next(repl_lexer *lx, repl_token *t)
{
	memset(t, 0, sizeof(*t));
	while (lx->p < lx->end && is_space(*lx->p))
		lx->p++;
	if (lx->p >= lx->end)
		return;
	if (*lx->p == '\'' || *lx->p == '"')
	{
		char		kind = *lx->p == '\'' ? 's' : 'i';

		if (lex_quoted(lx, *lx->p, t))
			t->kind = kind;
		return;
	}
	if (is_word(*lx->p))
	{
		t->kind = 'w';
		t->ptr = lx->p;
		while (lx->p < lx->end && is_word(*lx->p))
			lx->p++;
		t->len = (size_t) (lx->p - t->ptr);
		return;
	}
	t->kind = (char) *lx->p++;
}

/* t is the word w (lower case), in any case */
static int
is_keyword(const repl_token *t, const char *w)
{
	return t->kind == 'w' && bool_word(t->ptr, t->len, w) && t->len == strlen(w);
}

/* t names the option w: an unquoted word in any case, or "w" exactly */
static int
is_option(const repl_token *t, const char *w)
{
	if (t->kind == 'i')
		return t->len == strlen(w) && memcmp(t->ptr, w, t->len) == 0;
	return is_keyword(t, w);
}

/*
 * pgoutput's protocol version from the option value: a decimal number
 * 1..4 ("1" and " 1" alike, as strtol reads it in pgoutput.c); 0 if it
 * is not one pgwire decodes.
 */
static int
proto_version_value(const repl_token *v)
{
	size_t		k = 0;
	int			n = 0;

	if (v->kind != 's')
		return 0;
	while (k < v->len && is_space(v->ptr[k]))
		k++;
	if (k == v->len)
		return 0;
	for (; k < v->len; k++)
	{
		if (v->ptr[k] < '0' || v->ptr[k] > '9' || n > 1000)
			return 0;
		n = n * 10 + (v->ptr[k] - '0');
	}
	return n >= 1 && n <= 4 ? n : 0;
}

/*
 * The options list of START_REPLICATION ... LOGICAL: ( name ['value']
 * [, ...] ).  pgoutput requires proto_version and publication_names
 * (pgoutput.c, parse_output_parameters); no other plugin pgwire knows
 * takes both, so their presence is what marks a pgoutput stream.
 * Returns the protocol version, or 0 if the stream is not pgoutput.
 */
static int
pgoutput_options(repl_lexer *lx)
{
	repl_token	t;
	repl_token	name;
	int			version = 0;
	int			publications = 0;

	lex_next(lx, &t);
	if (t.kind != '(')
		return 0;
	for (;;)
	{
		lex_next(lx, &name);
		if (name.kind != 'w' && name.kind != 'i')
			return 0;
		lex_next(lx, &t);
		if (t.kind == 's')
		{
			if (is_option(&name, "proto_version"))
				version = proto_version_value(&t);
			else if (is_option(&name, "publication_names"))
				publications = 1;
			lex_next(lx, &t);
		}
		if (t.kind == ')')
			break;
		if (t.kind != ',')
			return 0;
	}
	return publications ? version : 0;
}

/*
 * START_REPLICATION [SLOT name] [PHYSICAL] X/X [TIMELINE n], or
 * START_REPLICATION SLOT name LOGICAL X/X [(options)] (docs, "Streaming
 * Replication Protocol"): sets state.streaming and pgoutput_version.
 */
static void
note_start_replication(pgwire_session *s, repl_lexer *lx)
{
	repl_token	t;

	lex_next(lx, &t);
	if (is_keyword(&t, "slot"))
	{
		lex_next(lx, &t);		/* the slot name */
		lex_next(lx, &t);
	}
	memset(&s->pgoutput, 0, sizeof(s->pgoutput));
	s->state.pgoutput_version = 0;
	if (is_keyword(&t, "logical"))
	{
		s->state.streaming = 'L';
		lex_next(lx, &t);		/* the start LSN */
		s->state.pgoutput_version = pgoutput_options(lx);
	}
	else
		s->state.streaming = 'P';
}

/* A frontend Query on a replication connection: which command is it? */
static void
note_replication_command(pgwire_session *s, const pgwire_msg *m)
{
	repl_lexer	lx;
	repl_token	t;

	lx.p = m->u.query.query.ptr;
	lx.end = lx.p + m->u.query.query.len;
	lex_next(&lx, &t);
	s->base_backup = is_keyword(&t, "base_backup");
	if (is_keyword(&t, "start_replication"))
		note_start_replication(s, &lx);
	else
	{
		s->state.streaming = 0;
		s->state.pgoutput_version = 0;
	}
}

/* ---- Replication payloads ---------------------------------------------- */

/*
 * Whether a CopyData now carries a replication payload.  Copy-both on a
 * replication connection is START_REPLICATION's stream, and so is a
 * CopyData after both CopyDones until the next command: a walsender can
 * still send a keepalive then, and in saved streams put back in order
 * (conversation.c) the client's CopyDone may come first.  The copy-out of
 * BASE_BACKUP carries typed messages from PostgreSQL 15 on; before, it was
 * raw tar data, which must not be read as messages (an unknown server
 * version counts as 15 or later).
 */
static int
carries_payload(const pgwire_session *s)
{
	if (s->state.replication == 0)
		return 0;
	return s->state.copy_mode == 'W' || s->state.streaming != 0 ||
		(s->state.copy_mode == 'H' && s->base_backup &&
		 (s->server_major == 0 || s->server_major >= 15));
}

/*
 * Most relations, and most bytes of Relation messages, the session
 * remembers.  Beyond either, changes of a relation not yet seen are shown
 * without column names: a stream's memory stays bounded whatever the
 * server sends (a Relation message can be as long as a CopyData).
 */
#define SESSION_MAX_RELATIONS 10000
#define SESSION_MAX_RELATION_BYTES (64 * 1024 * 1024)

/*
 * Take a Relation message into the cache, within the bounds.  One that is
 * not taken (bounds, out of memory) also drops what the cache had for that
 * OID: its changes are then shown without names rather than with the
 * columns of an older Relation.
 */
static void
remember_relation(pgwire_session *s, const pgwire_msg *lr)
{
	uint32_t	oid = lr->u.lr_relation.relation_oid;
	const pgwire_relcache_rel *old;
	size_t		old_bytes;

	if (s->relcache == NULL && (s->relcache = pgwire_relcache_create(s->alloc)) == NULL)
		return;
	old = pgwire_relcache_get(s->relcache, oid);
	old_bytes = old ? old->message_bytes : 0;
	if ((old != NULL || pgwire_relcache_size(s->relcache) < SESSION_MAX_RELATIONS) &&
		lr->frame.raw_len <= SESSION_MAX_RELATION_BYTES - (s->relation_bytes - old_bytes) &&
		pgwire_relcache_add(s->relcache, lr) == PGWIRE_OK)
		s->relation_bytes += lr->frame.raw_len - old_bytes;
	else if (old != NULL)
	{
		pgwire_relcache_forget(s->relcache, oid);
		s->relation_bytes -= old_bytes;
	}
}

/*
 * pgoutput's relation cache: remember a Relation message, and point an
 * Insert, Update or Delete at its relation (msg->relation).  Out of memory
 * only loses the names.
 */
static void
note_relation(pgwire_session *s, pgwire_msg *lr)
{
	switch (lr->kind)
	{
		case PGWIRE_MSG_LR_RELATION:
			remember_relation(s, lr);
			break;
		case PGWIRE_MSG_LR_INSERT:
		case PGWIRE_MSG_LR_UPDATE:
		case PGWIRE_MSG_LR_DELETE:
			lr->relation = pgwire_relcache_get(s->relcache, lr->u.lr_change.relation_oid);
			break;
		default:
			break;
	}
}

/*
 * Decode the payload of CopyData m into the direction's slot and hang it
 * on m->inner; likewise an XLogData's pgoutput message.  Failures leave
 * the pointer NULL: the bytes stay shown as bytes.
 */
static void
decode_payload(pgwire_session *s, pgwire_direction dir, pgwire_msg *m)
{
	pgwire_msg *p = &s->payload[dir];
	pgwire_msg *lr = &s->lr[dir];

	if (!carries_payload(s) ||
		pgwire_decode_replication(m, p, NULL) != PGWIRE_OK)
		return;
	m->inner = p;
	if (p->kind == PGWIRE_MSG_XLOG_DATA && s->state.streaming == 'L' &&
		s->state.pgoutput_version != 0 &&
		pgwire_decode_xlog_pgoutput(p, s->state.pgoutput_version, &s->pgoutput, lr,
									NULL) == PGWIRE_OK)
	{
		p->inner = lr;
		note_relation(s, lr);
	}
}

/* ---- Taking messages -------------------------------------------------- */

/* A raw chunk in msg->frame: bytes that are not (or not known) messages. */
static void
raw_chunk(pgwire_msg *msg, pgwire_direction dir, const uint8_t *data, size_t len,
		  uint64_t offset)
{
	memset(msg, 0, sizeof(*msg));
	msg->kind = PGWIRE_MSG_INVALID;
	msg->frame.direction = dir;
	msg->frame.raw = data;
	msg->frame.raw_len = len;
	msg->frame.offset = offset;
}

size_t
pgwire_session_take_pending(pgwire_session *s, pgwire_direction dir, pgwire_msg *msg)
{
	const uint8_t *data;
	uint64_t	offset;
	size_t		n;

	/* a reader never fed has no buffer: no view to make of it */
	if (pgwire_reader_pending(s->reader[dir]) == 0)
	{
		raw_chunk(msg, dir, NULL, 0, pgwire_reader_offset(s->reader[dir]));
		return 0;
	}
	n = pgwire_reader_take_raw(s->reader[dir], &data, &offset);
	raw_chunk(msg, dir, data, n, offset);
	return n;
}

uint64_t
pgwire_session_offset(const pgwire_session *s, pgwire_direction dir)
{
	return pgwire_reader_offset(s->reader[dir]);
}

pgwire_phase
pgwire_session_phase(const pgwire_session *s, pgwire_direction dir)
{
	return pgwire_reader_phase(s->reader[dir]);
}

int
pgwire_session_failed(const pgwire_session *s, pgwire_direction dir)
{
	return s->failed[dir];
}

size_t
pgwire_session_pending(const pgwire_session *s, pgwire_direction dir)
{
	return pgwire_reader_pending(s->reader[dir]);
}

/*
 * dir is encrypted: hand out what is pending, or INCOMPLETE when nothing
 * is.  A frontend reader that met a TLS record by itself (direct SSL, or
 * TLS right after an 'S' the tracker has not read yet) makes the state
 * and the backend follow.
 */
static int
take_encrypted(pgwire_session *s, pgwire_direction dir, pgwire_msg *msg,
			   pgwire_error *err)
{
	pgwire_reader *be = s->reader[PGWIRE_BACKEND];

	if (s->state.encrypted == 0)
	{
		s->state.encrypted = 'S';
		/* without a pending SSLRequest the server answers in TLS at once */
		if (dir == PGWIRE_FRONTEND &&
			(pgwire_reader_phase(be) == PGWIRE_PHASE_AUTO ||
			 pgwire_reader_phase(be) == PGWIRE_PHASE_TYPED))
			pgwire_reader_set_phase(be, PGWIRE_PHASE_ENCRYPTED);
	}
	if (pgwire_session_take_pending(s, dir, msg) == 0)
		return PGWIRE_INCOMPLETE;
	return pgwire_error_set(err, PGWIRE_ERR_ENCRYPTED, msg->frame.offset,
							"%zu bytes of %s data follow; they are not protocol messages",
							msg->frame.raw_len,
							s->state.encrypted == 'G' ? "GSSAPI-encrypted" : "TLS");
}

int
pgwire_session_next(pgwire_session *s, pgwire_direction dir, pgwire_msg *msg,
					pgwire_error *err)
{
	pgwire_frame frame;
	pgwire_context ctx;
	pgwire_error local;
	int			rc;

	if (s == NULL || msg == NULL || !valid_dir(dir))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"NULL session or message, or invalid direction");
	memset(msg, 0, sizeof(*msg));
	rc = pgwire_reader_next(s->reader[dir], &frame, &local);
	if (rc == PGWIRE_INCOMPLETE)
		return rc;
	if (rc == PGWIRE_ERR_ENCRYPTED)
		return take_encrypted(s, dir, msg, err);
	if (rc != PGWIRE_OK)
	{
		/* sticky framing error: pass the bytes on so none is lost */
		s->failed[dir] = 1;
		pgwire_session_take_pending(s, dir, msg);
		if (err)
			*err = local;
		return rc;
	}

	ctx.auth_response = s->state.auth_response;
	ctx.flags = 0;
	rc = pgwire_decode(&frame, &ctx, msg, err);
	if (rc != PGWIRE_OK)
	{
		/* well-framed but undecodable: report it and go on with the next */
		msg->kind = PGWIRE_MSG_INVALID;
		msg->frame = frame;
		return rc;
	}
	if (msg->kind == PGWIRE_MSG_COPY_DATA)
		decode_payload(s, dir, msg);
	if (dir == PGWIRE_FRONTEND)
		note_frontend(s, msg);
	else
		note_backend(s, msg);
	return PGWIRE_OK;
}
