/*
 * test/unit/test_session.c
 *    Unit tests of the session tracker (pgwire_session) and of the
 *    two-stream conversation (pgwire_conversation), session.h.
 *
 * Conversations are written with the writer API (encode.h) from the
 * message layouts and flows of the PostgreSQL docs ("Message Formats",
 * "Message Flow"): SSL/GSS negotiation, cleartext/MD5/SCRAM/GSS logins,
 * NegotiateProtocolVersion, simple and extended queries, COPY in, out and
 * both, errors, broken framing and streams cut short.  For every
 * conversation the test checks the reconstructed order (as a line of
 * "F:Name"/"B:Name" items), that no 'p' message had to be guessed, and
 * that the raw bytes of all items, per direction, are the input exactly:
 * in order, contiguous, nothing lost and nothing twice.  Sessions fed in
 * wire order are checked one byte at a time as well.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/pgwire.h"
#include "pgwire/encode.h"
#include "tap.h"

/* ---- writing streams ---------------------------------------------------- */

static pgwire_buf FE;			/* frontend stream under construction */
static pgwire_buf BE;			/* backend stream under construction */
static pgwire_writer W;

static void
must(int rc, const char *what)
{
	if (rc != PGWIRE_OK)
	{
		printf("not ok - writing %s failed: %s\n", what, pgwire_status_name(rc));
		exit(1);
	}
}

/* Start a message of dir into its stream, FE or BE. */
static void
begin(pgwire_direction dir, uint8_t type)
{
	int			fe = dir == PGWIRE_FRONTEND;

	must(pgwire_msg_begin(&W, fe ? &FE : &BE, type, dir, NULL),
		 fe ? "frontend message" : "backend message");
}

#define fbegin(type) begin(PGWIRE_FRONTEND, (type))
#define bbegin(type) begin(PGWIRE_BACKEND, (type))

static void
end(void)
{
	must(pgwire_msg_end(&W), "message end");
}

/*
 * A typed message whose body is one String (Query, PasswordMessage,
 * CommandComplete ...), or is empty (Sync, Flush, Terminate, CopyDone,
 * ParseComplete ...).
 */
static void
string_msg(pgwire_direction dir, uint8_t type, const char *s)
{
	begin(dir, type);
	pgwire_put_cstring(&W, s);
	end();
}

static void
empty_msg(pgwire_direction dir, uint8_t type)
{
	begin(dir, type);
	end();
}

/* A typed message whose body is the bytes p[0..len). */
static void
bytes_msg(pgwire_direction dir, uint8_t type, const void *p, size_t len)
{
	begin(dir, type);
	pgwire_put_bytes(&W, p, len);
	end();
}

#define f_string(type, s) string_msg(PGWIRE_FRONTEND, (type), (s))
#define b_string(type, s) string_msg(PGWIRE_BACKEND, (type), (s))
#define f_empty(type) empty_msg(PGWIRE_FRONTEND, (type))
#define b_empty(type) empty_msg(PGWIRE_BACKEND, (type))
#define f_bytes(type, p, len) bytes_msg(PGWIRE_FRONTEND, (type), (p), (len))
#define b_bytes(type, p, len) bytes_msg(PGWIRE_BACKEND, (type), (p), (len))

static void
reset(void)
{
	pgwire_buf_reset(&FE);
	pgwire_buf_reset(&BE);
}

/* Frontend, untyped: StartupMessage with NULL-terminated name/value pairs. */
static void
f_startup_v(uint32_t version, const char *const *kv)
{
	fbegin(0);
	pgwire_put_int32(&W, (int32_t) version);
	for (; kv[0]; kv += 2)
	{
		pgwire_put_cstring(&W, kv[0]);
		pgwire_put_cstring(&W, kv[1]);
	}
	pgwire_put_byte1(&W, 0);
	end();
}

static void
f_startup(void)
{
	static const char *const kv[] = {"user", "alice", "database", "db", NULL};

	f_startup_v(0x00030000, kv);
}

/* SSLRequest 80877103, GSSENCRequest 80877104 ("Message Formats"). */
static void
f_request(int32_t code)
{
	fbegin(0);
	pgwire_put_int32(&W, code);
	end();
}

static void
f_cancel(int32_t pid, int32_t key)
{
	fbegin(0);
	pgwire_put_int32(&W, 80877102);
	pgwire_put_int32(&W, pid);
	pgwire_put_int32(&W, key);
	end();
}

/* A typed message whose body is text without a terminating NUL. */
static void
f_text(uint8_t type, const char *s)
{
	f_bytes(type, s, strlen(s));
}

static void
f_sasl_initial(const char *mech, const char *data)
{
	fbegin('p');
	pgwire_put_cstring(&W, mech);
	pgwire_put_value(&W, data, strlen(data));
	end();
}

static void
f_parse(const char *stmt, const char *query)
{
	fbegin('P');
	pgwire_put_cstring(&W, stmt);
	pgwire_put_cstring(&W, query);
	pgwire_put_int16(&W, 0);
	end();
}

static void
f_bind(void)
{
	fbegin('B');
	pgwire_put_cstring(&W, "");
	pgwire_put_cstring(&W, "");
	pgwire_put_int16(&W, 0);
	pgwire_put_int16(&W, 0);
	pgwire_put_int16(&W, 0);
	end();
}

static void
f_describe_portal(void)
{
	fbegin('D');
	pgwire_put_byte1(&W, 'P');
	pgwire_put_cstring(&W, "");
	end();
}

static void
f_execute(int32_t max_rows)
{
	fbegin('E');
	pgwire_put_cstring(&W, "");
	pgwire_put_int32(&W, max_rows);
	end();
}

static void
raw(pgwire_buf *b, const void *p, size_t len)
{
	must(pgwire_buf_append(b, p, len), "raw bytes");
}

/* Backend: the one-byte answer to SSLRequest/GSSENCRequest. */
static void
b_byte(uint8_t c)
{
	raw(&BE, &c, 1);
}

static void
b_auth(int32_t code, const void *data, size_t len)
{
	bbegin('R');
	pgwire_put_int32(&W, code);
	if (len)
		pgwire_put_bytes(&W, data, len);
	end();
}

static void
b_auth_text(int32_t code, const char *s)
{
	b_auth(code, s, strlen(s));
}

static void
b_auth_sasl(const char *mech)
{
	bbegin('R');
	pgwire_put_int32(&W, 10);
	pgwire_put_cstring(&W, mech);
	pgwire_put_byte1(&W, 0);
	end();
}

static void
b_rfq(uint8_t status)
{
	bbegin('Z');
	pgwire_put_byte1(&W, status);
	end();
}

/* What a server sends between AuthenticationOk and the first Z. */
static void
b_ready_after_ok(void)
{
	b_auth(0, NULL, 0);
	bbegin('S');
	pgwire_put_cstring(&W, "server_version");
	pgwire_put_cstring(&W, "15.0");
	end();
	bbegin('K');
	pgwire_put_int32(&W, 4242);
	pgwire_put_int32(&W, 0x1234567);
	end();
	b_rfq('I');
}

static void
b_error(const char *severity, const char *code, const char *message)
{
	bbegin('E');
	pgwire_put_byte1(&W, 'S');
	pgwire_put_cstring(&W, severity);
	pgwire_put_byte1(&W, 'V');
	pgwire_put_cstring(&W, severity);
	pgwire_put_byte1(&W, 'C');
	pgwire_put_cstring(&W, code);
	pgwire_put_byte1(&W, 'M');
	pgwire_put_cstring(&W, message);
	pgwire_put_byte1(&W, 0);
	end();
}

/* RowDescription of one int4 column. */
static void
b_rowdesc(const char *name)
{
	bbegin('T');
	pgwire_put_int16(&W, 1);
	pgwire_put_cstring(&W, name);
	pgwire_put_int32(&W, 0);
	pgwire_put_int16(&W, 0);
	pgwire_put_int32(&W, 23);
	pgwire_put_int16(&W, 4);
	pgwire_put_int32(&W, -1);
	pgwire_put_int16(&W, 0);
	end();
}

static void
b_datarow(const void *v, size_t len)
{
	bbegin('D');
	pgwire_put_int16(&W, 1);
	pgwire_put_value(&W, v, len);
	end();
}

/* CopyInResponse 'G', CopyOutResponse 'H', CopyBothResponse 'W'. */
static void
b_copy_response(uint8_t type, int ncols)
{
	bbegin(type);
	pgwire_put_byte1(&W, 0);
	pgwire_put_int16(&W, (int16_t) ncols);
	for (int i = 0; i < ncols; i++)
		pgwire_put_int16(&W, 0);
	end();
}

/* CopyData holding a Standby status update: write, flush, apply, time, reply. */
static void
f_status_update(int64_t write_lsn)
{
	fbegin('d');
	pgwire_put_byte1(&W, 'r');
	pgwire_put_int64(&W, write_lsn);
	pgwire_put_int64(&W, write_lsn);
	pgwire_put_int64(&W, 0);
	pgwire_put_int64(&W, 0);
	pgwire_put_byte1(&W, 0);
	end();
}

/* CopyData holding XLogData: start, end of WAL, time, then len WAL bytes. */
static void
b_xlogdata(int64_t start, size_t len)
{
	bbegin('d');
	pgwire_put_byte1(&W, 'w');
	pgwire_put_int64(&W, start);
	pgwire_put_int64(&W, start + (int64_t) len);
	pgwire_put_int64(&W, 0);
	for (size_t i = 0; i < len; i++)
		pgwire_put_byte1(&W, (uint8_t) i);
	end();
}

/* ---- running a conversation --------------------------------------------- */

/*
 * Decode FE/BE as a conversation.  *seq gets one item per line element:
 * "F:Name" / "B:Name" for messages ('?' appended when the kind was
 * inferred), "F!STATUS" for an error with its bytes, "F~N" for an
 * incomplete tail of N bytes, "F#N" for N encrypted bytes.  Checks that
 * both streams come out byte for byte, in order, and that the end is
 * PGWIRE_DONE.  Returns the final state through *st.
 */
static void
run_conversation(const char *label, const pgwire_buf *fe, const pgwire_buf *be,
				 char *seq, size_t seqcap, pgwire_session_state *st)
{
	pgwire_conversation *c;
	pgwire_msg	m;
	pgwire_error err;
	uint64_t	next[2] = {0, 0};
	const pgwire_buf *in[2] = {fe, be};
	int			order_ok = 1;
	int			rc = PGWIRE_OK;
	int			items = 0;
	size_t		pos = 0;

	seq[0] = '\0';
	c = pgwire_conversation_create(fe->data, fe->len, be->data, be->len, NULL, NULL);
	if (!ok(c != NULL, "%s: conversation created", label))
		return;
	while (items++ < 100000)
	{
		char		item[96];
		int			d;

		memset(&err, 0, sizeof(err));
		rc = pgwire_conversation_next(c, &m, &err);
		if (rc == PGWIRE_DONE)
			break;
		d = m.frame.direction;
		if (m.frame.offset != next[d] || m.frame.raw_len == 0 ||
			m.frame.offset + m.frame.raw_len > in[d]->len ||
			memcmp(m.frame.raw, in[d]->data + m.frame.offset, m.frame.raw_len) != 0)
		{
			diag("%s: item %d (%s) at offset %llu len %zu, expected offset %llu",
				 label, items, pgwire_status_name(rc),
				 (unsigned long long) m.frame.offset, m.frame.raw_len,
				 (unsigned long long) next[d]);
			order_ok = 0;
		}
		next[d] = m.frame.offset + m.frame.raw_len;
		if (rc == PGWIRE_OK)
			snprintf(item, sizeof(item), "%c:%s%s", d ? 'B' : 'F',
					 pgwire_msg_name(m.kind), m.inferred ? "?" : "");
		else if (rc == PGWIRE_INCOMPLETE)
			snprintf(item, sizeof(item), "%c~%zu", d ? 'B' : 'F', m.frame.raw_len);
		else if (rc == PGWIRE_ERR_ENCRYPTED)
			snprintf(item, sizeof(item), "%c#%zu", d ? 'B' : 'F', m.frame.raw_len);
		else
			snprintf(item, sizeof(item), "%c!%s", d ? 'B' : 'F',
					 pgwire_status_name(rc) + strlen("PGWIRE_ERR_"));
		if (rc != PGWIRE_OK && err.status != rc)
		{
			diag("%s: item %s: err.status %d", label, item, err.status);
			order_ok = 0;
		}
		pos += (size_t) snprintf(seq + pos, pos < seqcap ? seqcap - pos : 0,
								 "%s%s", pos ? " " : "", item);
		if (pos >= seqcap)
			pos = seqcap - 1;
	}
	ok(rc == PGWIRE_DONE, "%s: ends with PGWIRE_DONE", label);
	ok(pgwire_conversation_next(c, &m, &err) == PGWIRE_DONE,
	   "%s: PGWIRE_DONE again after the end", label);
	ok(order_ok && next[0] == fe->len && next[1] == be->len,
	   "%s: every byte of both streams once, in order (%zu + %zu)",
	   label, fe->len, be->len);
	if (st)
		*st = *pgwire_conversation_state(c);
	pgwire_conversation_free(c);
}

/* Run the current FE/BE and compare the sequence with want. */
static void
expect_conversation(const char *label, const char *want, pgwire_session_state *st)
{
	char		seq[4096];

	run_conversation(label, &FE, &BE, seq, sizeof(seq), st);
	if (!ok(strcmp(seq, want) == 0, "%s: order and names", label))
	{
		diag("got:  %s", seq);
		diag("want: %s", want);
	}
}

/* ---- conversations ------------------------------------------------------ */

static void
test_ssl_refused(void)
{
	pgwire_session_state st;

	reset();
	f_request(80877103);
	f_startup();
	f_string('Q', "SELECT 1");
	f_empty('X');
	b_byte('N');
	b_ready_after_ok();
	b_rowdesc("?column?");
	b_datarow("1", 1);
	b_string('C', "SELECT 1");
	b_rfq('I');
	expect_conversation("SSLRequest refused",
						"F:SSLRequest B:SSLResponse F:StartupMessage B:AuthenticationOk "
						"B:ParameterStatus B:BackendKeyData B:ReadyForQuery F:Query "
						"B:RowDescription B:DataRow B:CommandComplete B:ReadyForQuery "
						"F:Terminate", &st);
	ok_int(st.encrypted, 0, "SSLRequest refused: not encrypted");
	ok_int(st.requested_version, 0x00030000, "SSLRequest refused: requested 3.0");
	ok_int(st.protocol_version, 0x00030000, "SSLRequest refused: protocol 3.0");
	ok_int(st.authenticated, 1, "SSLRequest refused: authenticated");
	ok_int(st.transaction_status, 'I', "SSLRequest refused: idle");
	ok_int(st.replication, 0, "SSLRequest refused: no replication");
}

static void
test_gss_then_ssl(void)
{
	pgwire_session_state st;
	uint8_t		hello[50];
	uint8_t		server[40];

	/* TLS records start 0x16 0x03 (handshake, TLS 1.x); the rest is opaque */
	memset(hello, 0xab, sizeof(hello));
	hello[0] = 0x16, hello[1] = 0x03, hello[2] = 0x01;
	memset(server, 0xcd, sizeof(server));
	server[0] = 0x16, server[1] = 0x03, server[2] = 0x03;

	reset();
	f_request(80877104);
	f_request(80877103);
	raw(&FE, hello, sizeof(hello));
	b_byte('N');
	b_byte('S');
	raw(&BE, server, sizeof(server));
	expect_conversation("GSSENC refused then SSL accepted",
						"F:GSSENCRequest B:GSSENCResponse F:SSLRequest B:SSLResponse "
						"F#50 B#40", &st);
	ok_int(st.encrypted, 'S', "GSSENC refused then SSL accepted: encrypted 'S'");

	reset();
	f_request(80877104);
	raw(&FE, server, 7);
	b_byte('G');
	raw(&BE, hello, 9);
	expect_conversation("GSSENC accepted", "F:GSSENCRequest B:GSSENCResponse F#7 B#9", &st);
	ok_int(st.encrypted, 'G', "GSSENC accepted: encrypted 'G'");

	/* PostgreSQL 17 direct SSL: the client starts TLS without asking */
	reset();
	raw(&FE, hello, sizeof(hello));
	raw(&BE, server, sizeof(server));
	expect_conversation("direct SSL", "F#50 B#40", &st);
	ok_int(st.encrypted, 'S', "direct SSL: encrypted 'S'");
}

static void
test_md5(void)
{
	pgwire_session_state st;

	reset();
	f_startup();
	/* "md5" + 32 hex digits ("Start-up"); the value itself is not checked */
	f_string('p', "md5a3556571e93b0d20722ba62be61e8c2d");
	f_string('Q', "SELECT 1");
	f_empty('X');
	b_auth(5, "\x01\x02\x03\x04", 4);
	b_ready_after_ok();
	b_string('C', "SELECT 1");
	b_rfq('I');
	expect_conversation("md5 login",
						"F:StartupMessage B:AuthenticationMD5Password F:PasswordMessage "
						"B:AuthenticationOk B:ParameterStatus B:BackendKeyData "
						"B:ReadyForQuery F:Query B:CommandComplete B:ReadyForQuery "
						"F:Terminate", &st);
	ok_int(st.auth_response, PGWIRE_MSG_INVALID, "md5 login: no 'p' expected after login");

	/* a cleartext password that looks like a SCRAM client-final-message */
	reset();
	f_startup();
	f_string('p', "c=biws,r=x,p=y");
	b_auth(3, NULL, 0);
	b_error("FATAL", "28P01", "password authentication failed for user \"alice\"");
	expect_conversation("cleartext login refused",
						"F:StartupMessage B:AuthenticationCleartextPassword "
						"F:PasswordMessage B:ErrorResponse", &st);
	ok_int(st.authenticated, 0, "cleartext login refused: not authenticated");
}

static void
test_scram(void)
{
	pgwire_session_state st;

	reset();
	f_startup();
	f_sasl_initial("SCRAM-SHA-256", "n,,n=,r=rOprNGfwEbeRWgbNEkqO");
	f_text('p', "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		   "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
	f_string('Q', "SELECT 1");
	f_empty('X');
	b_auth_sasl("SCRAM-SHA-256");
	b_auth_text(11, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
				"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
	b_auth_text(12, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	b_ready_after_ok();
	b_string('C', "SELECT 1");
	b_rfq('I');
	expect_conversation("SCRAM login",
						"F:StartupMessage B:AuthenticationSASL F:SASLInitialResponse "
						"B:AuthenticationSASLContinue F:SASLResponse "
						"B:AuthenticationSASLFinal B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:CommandComplete "
						"B:ReadyForQuery F:Terminate", &st);

	/* GSSAPI: tokens are opaque bytes only the request can name */
	reset();
	f_startup();
	f_bytes('p', "\x60\x82\x02\x00tok1", 8);
	f_bytes('p', "\x00\x00tok2", 6);
	f_empty('X');
	b_auth(7, NULL, 0);
	b_auth(8, "\x6f\x81token", 7);
	b_auth(8, "\x6f\x81last", 6);
	b_ready_after_ok();
	expect_conversation("GSSAPI login",
						"F:StartupMessage B:AuthenticationGSS F:GSSResponse "
						"B:AuthenticationGSSContinue F:GSSResponse "
						"B:AuthenticationGSSContinue B:AuthenticationOk "
						"B:ParameterStatus B:BackendKeyData B:ReadyForQuery F:Terminate", &st);
}

static void
test_negotiate(void)
{
	static const char *const kv[] = {"user", "alice", "_pq_.compression", "on", NULL};
	pgwire_session_state st;

	reset();
	f_startup_v(0x00030002, kv);
	f_empty('X');
	bbegin('v');
	pgwire_put_int32(&W, 0x00030000);
	pgwire_put_int32(&W, 1);
	pgwire_put_cstring(&W, "_pq_.compression");
	end();
	b_ready_after_ok();
	expect_conversation("NegotiateProtocolVersion",
						"F:StartupMessage B:NegotiateProtocolVersion B:AuthenticationOk "
						"B:ParameterStatus B:BackendKeyData B:ReadyForQuery F:Terminate", &st);
	ok_int(st.requested_version, 0x00030002, "NegotiateProtocolVersion: requested 3.2");
	ok_int(st.protocol_version, 0x00030000, "NegotiateProtocolVersion: lowered to 3.0");
}

static void
test_copy(void)
{
	static const char *const kv[] = {"user", "rep", "replication", "true", NULL};
	pgwire_session_state st;

	reset();
	f_startup();
	f_string('Q', "COPY t FROM STDIN");
	f_bytes('d', "1\n", 2);
	f_bytes('d', "2\n", 2);
	f_empty('c');
	f_string('Q', "COPY t FROM STDIN");
	f_bytes('d', "3\n", 2);
	f_string('f', "aborted by user");
	f_string('Q', "COPY t TO STDOUT");
	f_empty('X');
	b_ready_after_ok();
	b_copy_response('G', 1);
	b_string('C', "COPY 2");
	b_rfq('I');
	b_copy_response('G', 1);
	b_error("ERROR", "57014", "COPY from stdin failed: aborted by user");
	b_rfq('I');
	b_copy_response('H', 1);
	b_bytes('d', "1\n", 2);
	b_bytes('d', "2\n", 2);
	b_empty('c');
	b_string('C', "COPY 2");
	b_rfq('I');
	expect_conversation("COPY in and out",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:CopyInResponse "
						"F:CopyData F:CopyData F:CopyDone B:CommandComplete "
						"B:ReadyForQuery F:Query B:CopyInResponse F:CopyData F:CopyFail "
						"B:ErrorResponse B:ReadyForQuery F:Query B:CopyOutResponse "
						"B:CopyData B:CopyData B:CopyDone B:CommandComplete "
						"B:ReadyForQuery F:Terminate", &st);
	ok_int(st.copy_mode, 0, "COPY in and out: copy mode over");

	/* physical replication: CopyBoth, both sides send data, then CopyDone */
	reset();
	f_startup_v(0x00030000, kv);
	f_string('Q', "START_REPLICATION 0/1000000");
	f_bytes('d', "r-status", 8);
	f_empty('c');
	b_ready_after_ok();
	b_copy_response('W', 0);
	b_bytes('d', "w-data-1", 8);
	b_bytes('d', "k-keepal", 8);
	b_empty('c');
	b_string('C', "START_STREAMING");
	b_rfq('I');
	expect_conversation("COPY both",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:CopyBothResponse "
						"F:CopyData B:CopyData B:CopyData F:CopyDone B:CopyDone "
						"B:CommandComplete B:ReadyForQuery", &st);
	ok_int(st.replication, 1, "COPY both: replication=true is physical");
	ok_int(st.copy_mode, 0, "COPY both: copy mode over");

	/*
	 * Streaming replication payloads ("Streaming Replication Protocol"):
	 * a standby status update waits for the XLogData carrying the WAL it
	 * reports; the client's CopyDone for the end of the server's data.
	 */
	reset();
	f_startup_v(0x00030000, kv);
	f_string('Q', "START_REPLICATION 0/1000000");
	f_status_update(0x1000000);
	f_status_update(0x1000020);
	f_empty('c');
	b_ready_after_ok();
	b_copy_response('W', 0);
	b_xlogdata(0x1000000, 16);
	b_xlogdata(0x1000010, 16);
	bbegin('d');
	pgwire_put_byte1(&W, 'k');
	pgwire_put_int64(&W, 0x1000020);
	pgwire_put_int64(&W, 0);
	pgwire_put_byte1(&W, 0);
	end();
	b_empty('c');
	b_string('C', "START_STREAMING");
	b_rfq('I');
	expect_conversation("streaming replication",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:CopyBothResponse "
						"F:CopyData B:CopyData B:CopyData F:CopyData B:CopyData "
						"F:CopyDone B:CopyDone B:CommandComplete B:ReadyForQuery", &st);
}

static void
test_extended(void)
{
	pgwire_session_state st;

	/* two pipelined batches: everything sent before any answer is read */
	reset();
	f_startup();
	f_parse("", "SELECT 1");
	f_bind();
	f_describe_portal();
	f_execute(0);
	f_empty('S');
	f_parse("", "SELEC 1");
	f_bind();
	f_execute(0);
	f_empty('S');
	f_string('Q', "BEGIN");
	f_empty('X');
	b_ready_after_ok();
	b_empty('1');
	b_empty('2');
	b_rowdesc("?column?");
	b_datarow("1", 1);
	b_string('C', "SELECT 1");
	b_rfq('I');
	b_error("ERROR", "42601", "syntax error at or near \"SELEC\"");
	b_rfq('I');
	b_string('C', "BEGIN");
	b_rfq('T');
	expect_conversation("pipelined extended queries",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Parse F:Bind F:Describe "
						"F:Execute F:Sync B:ParseComplete B:BindComplete "
						"B:RowDescription B:DataRow B:CommandComplete B:ReadyForQuery "
						"F:Parse F:Bind F:Execute F:Sync B:ErrorResponse "
						"B:ReadyForQuery F:Query B:CommandComplete B:ReadyForQuery "
						"F:Terminate", &st);
	ok_int(st.transaction_status, 'T', "pipelined extended queries: in a transaction");

	/* Flush brings answers before the Sync: the ReadyForQuery waits for it */
	reset();
	f_startup();
	f_parse("", "SELECT 1");
	f_bind();
	f_execute(1);
	f_empty('H');
	f_execute(1);
	f_empty('S');
	b_ready_after_ok();
	b_empty('1');
	b_empty('2');
	b_datarow("1", 1);
	b_empty('s');
	b_string('C', "SELECT 0");
	b_rfq('I');
	expect_conversation("Flush then Sync",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Parse F:Bind F:Execute "
						"F:Flush B:ParseComplete B:BindComplete B:DataRow "
						"B:PortalSuspended F:Execute F:Sync B:CommandComplete "
						"B:ReadyForQuery", &st);
}

static void
test_errors(void)
{
	pgwire_session_state st;
	static const uint8_t bad_query[] = {'Q', 0, 0, 0, 7, 'a', 'b', 'c'};
	static const uint8_t bad_length[] = {'T', 0, 0, 0, 2, 'x', 'y', 'Z', 0, 0, 0, 5, 'I'};

	/* a Query without its NUL: reported, and the stream goes on */
	reset();
	f_startup();
	raw(&FE, bad_query, sizeof(bad_query));
	f_string('Q', "SELECT 1");
	f_empty('X');
	b_ready_after_ok();
	b_error("ERROR", "08P01", "invalid string in message");
	b_rfq('I');
	b_string('C', "SELECT 1");
	b_rfq('I');
	expect_conversation("undecodable Query",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F!TRUNCATED B:ErrorResponse "
						"B:ReadyForQuery F:Query B:CommandComplete B:ReadyForQuery "
						"F:Terminate", &st);

	/* a length word below 4: the rest of that stream comes out raw */
	reset();
	f_startup();
	f_string('Q', "SELECT 1");
	f_empty('X');
	b_ready_after_ok();
	raw(&BE, bad_length, sizeof(bad_length));
	expect_conversation("backend length word 2",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B!LENGTH F:Terminate", &st);

	/* an unknown backend type byte is a decode error, not a framing one */
	reset();
	f_startup();
	f_string('Q', "SELECT 1");
	b_ready_after_ok();
	b_bytes('j', "??", 2);
	b_string('C', "SELECT 1");
	b_rfq('I');
	expect_conversation("unknown backend type",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B!UNKNOWN_TYPE "
						"B:CommandComplete B:ReadyForQuery", &st);

	/* an answer byte that is neither S nor N after SSLRequest */
	reset();
	f_request(80877103);
	f_startup();
	b_byte('X');
	b_auth(0, NULL, 0);
	expect_conversation("bad SSL answer",
						"F:SSLRequest B!UNKNOWN_TYPE F:StartupMessage", &st);
}

static void
test_truncated(void)
{
	pgwire_session_state st;
	pgwire_buf	fe;
	pgwire_buf	be;
	char		seq[4096];

	reset();
	f_startup();
	f_string('Q', "SELECT 1");
	f_empty('X');
	b_ready_after_ok();
	b_rowdesc("?column?");
	b_datarow("1", 1);
	b_string('C', "SELECT 1");
	b_rfq('I');

	/* the frontend stream cut 5 bytes into the Query */
	fe = FE;
	fe.len -= 5 + 5 + 4;		/* Terminate, and all but 5 bytes of Q */
	run_conversation("frontend cut inside Query", &fe, &BE, seq, sizeof(seq), &st);
	if (!ok(strcmp(seq, "F:StartupMessage B:AuthenticationOk B:ParameterStatus "
				   "B:BackendKeyData B:ReadyForQuery F~5 B:RowDescription B:DataRow "
				   "B:CommandComplete B:ReadyForQuery") == 0,
			"frontend cut inside Query: order and names"))
		diag("got: %s", seq);

	/* the backend stream cut inside the DataRow */
	be = BE;
	be.len -= 6 + 14 + 8;		/* Z, C, and 8 of the 12 bytes of D */
	run_conversation("backend cut inside DataRow", &FE, &be, seq, sizeof(seq), &st);
	if (!ok(strcmp(seq, "F:StartupMessage B:AuthenticationOk B:ParameterStatus "
				   "B:BackendKeyData B:ReadyForQuery F:Query B:RowDescription B~4 "
				   "F:Terminate") == 0,
			"backend cut inside DataRow: order and names"))
		diag("got: %s", seq);

	/* both empty; only one side */
	fe.len = 0;
	be.len = 0;
	run_conversation("two empty streams", &fe, &be, seq, sizeof(seq), NULL);
	ok(seq[0] == '\0', "two empty streams: nothing");
	run_conversation("backend only", &fe, &BE, seq, sizeof(seq), NULL);
	ok(strncmp(seq, "B:AuthenticationOk", 18) == 0, "backend only: decodes");
	fe = FE;
	fe.len = 3;
	run_conversation("three bytes", &fe, &be, seq, sizeof(seq), NULL);
	ok(strcmp(seq, "F~3") == 0, "three bytes: one incomplete tail");
}

static void
test_cancel(void)
{
	pgwire_session_state st;

	reset();
	f_cancel(4242, 0x1234567);
	expect_conversation("CancelRequest", "F:CancelRequest", &st);
	ok_int(st.cancel, 1, "CancelRequest: cancel noted");
}

static void
test_large(void)
{
	size_t		n = 300000;
	uint8_t    *big = malloc(n);

	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t) (i * 7);
	reset();
	f_startup();
	f_string('Q', "SELECT big");
	b_ready_after_ok();
	b_rowdesc("big");
	b_datarow(big, n);
	b_datarow(big, n / 3);
	b_string('C', "SELECT 2");
	b_rfq('I');
	f_bytes('d', big, 100);		/* not expected there, but still bytes */
	expect_conversation("messages larger than a chunk",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:RowDescription "
						"B:DataRow B:DataRow B:CommandComplete B:ReadyForQuery "
						"F:CopyData", NULL);

	/* encrypted streams and a lost stream longer than a chunk: one item */
	big[0] = 0x16;
	reset();
	f_request(80877103);
	raw(&FE, big, n);
	b_byte('S');
	raw(&BE, big, n / 2);
	expect_conversation("TLS longer than a chunk", "F:SSLRequest B:SSLResponse F#300000 B#150000",
						NULL);
	reset();
	f_startup();
	b_ready_after_ok();
	raw(&BE, "D\x00\x00\x00\x03", 5);
	raw(&BE, big, n / 3);
	expect_conversation("framing lost before a long tail",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery B!LENGTH", NULL);
	free(big);
}

/* ---- the session fed in wire order -------------------------------------- */

typedef struct step
{
	pgwire_direction dir;
	const uint8_t *p;
	size_t		len;
} step;

static int
state_eq(const pgwire_session_state *a, const pgwire_session_state *b)
{
	return a->requested_version == b->requested_version &&
		a->protocol_version == b->protocol_version &&
		a->encrypted == b->encrypted && a->copy_mode == b->copy_mode &&
		a->replication == b->replication && a->authenticated == b->authenticated &&
		a->transaction_status == b->transaction_status && a->cancel == b->cancel &&
		a->auth_response == b->auth_response;
}

/*
 * Cut FE and BE into single messages using the conversation (already
 * checked above), then replay them in that order into a fresh session one
 * byte at a time: each message must be INCOMPLETE until its last byte and
 * then come out with the same name.
 */
static void
replay_bytewise(const char *label)
{
	pgwire_conversation *c;
	pgwire_session *s;
	pgwire_msg	m;
	pgwire_msg	m2;
	pgwire_error err;
	int			good = 1;
	int			count = 0;

	c = pgwire_conversation_create(FE.data, FE.len, BE.data, BE.len, NULL, NULL);
	s = pgwire_session_create(NULL, NULL);
	while (pgwire_conversation_next(c, &m, &err) == PGWIRE_OK)
	{
		pgwire_direction d = m.frame.direction;

		for (size_t i = 0; i < m.frame.raw_len && good; i++)
		{
			int			rc;

			pgwire_session_feed(s, d, m.frame.raw + i, 1);
			rc = pgwire_session_next(s, d, &m2, &err);
			if (i + 1 < m.frame.raw_len ? rc != PGWIRE_INCOMPLETE
				: (rc != PGWIRE_OK || m2.kind != m.kind || m2.inferred != m.inferred))
			{
				diag("%s: %s byte %zu: %s", label, pgwire_msg_name(m.kind), i,
					 pgwire_status_name(rc));
				good = 0;
			}
		}
		count++;
	}
	ok(good && count > 0, "%s: byte-at-a-time session agrees (%d messages)", label, count);
	ok(state_eq(pgwire_session_state_get(s), pgwire_conversation_state(c)),
	   "%s: same final state", label);
	pgwire_session_free(s);
	pgwire_conversation_free(c);
}

static void
test_session_bytewise(void)
{
	reset();
	f_request(80877103);
	f_startup();
	f_sasl_initial("SCRAM-SHA-256", "n,,n=,r=abc");
	f_text('p', "c=biws,r=abcdef,p=xyz=");
	f_string('Q', "COPY t FROM STDIN");
	f_bytes('d', "1\n", 2);
	f_empty('c');
	f_empty('X');
	b_byte('N');
	b_auth_sasl("SCRAM-SHA-256");
	b_auth_text(11, "r=abcdef,s=c2FsdA==,i=4096");
	b_auth_text(12, "v=c2lnbmF0dXJl");
	b_ready_after_ok();
	b_copy_response('G', 1);
	b_string('C', "COPY 1");
	b_rfq('I');
	replay_bytewise("SSL refused, SCRAM, COPY");
}

static int
next_expect(pgwire_session *s, pgwire_direction d, pgwire_msg *m, pgwire_error *err)
{
	memset(err, 0, sizeof(*err));
	return pgwire_session_next(s, d, m, err);
}

static void
test_session_states(void)
{
	static const struct
	{
		const char *value;
		int			want;
	}			repl[] = {
		{"true", 1}, {"on", 1}, {"yes", 1}, {"1", 1}, {"TRUE", 1}, {"t", 1},
		{"database", 2}, {"false", 0}, {"off", 0}, {"no", 0}, {"0", 0},
		{"o", 0}, {"Database", 0}, {"truex", 0}, {"", 0},
	};
	pgwire_session *s;
	pgwire_msg	m;
	pgwire_error err;
	int			rc;

	for (size_t i = 0; i < sizeof(repl) / sizeof(repl[0]); i++)
	{
		const char *kv[] = {"user", "rep", "replication", repl[i].value, NULL};

		reset();
		f_startup_v(0x00030000, kv);
		s = pgwire_session_create(NULL, NULL);
		pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
		rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
		ok(rc == PGWIRE_OK && pgwire_session_state_get(s)->replication == repl[i].want,
		   "replication=\"%s\" gives %d", repl[i].value, repl[i].want);
		pgwire_session_free(s);
	}

	/* encrypted: every pending byte once, then INCOMPLETE until more */
	reset();
	f_request(80877103);
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_SSL_REQUEST, "session: SSLRequest");
	pgwire_session_feed(s, PGWIRE_BACKEND, "S\x16\x03\x03", 4);
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_SSL_RESPONSE && !m.inferred &&
	   m.u.encryption_response.response == 'S', "session: 'S' answers SSLRequest");
	ok_int(pgwire_session_state_get(s)->encrypted, 'S', "session: encrypted after 'S'");
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 3 && m.frame.offset == 1 &&
	   m.kind == PGWIRE_MSG_INVALID && err.status == PGWIRE_ERR_ENCRYPTED,
	   "session: the 3 TLS bytes after 'S' come out encrypted");
	ok_int(next_expect(s, PGWIRE_BACKEND, &m, &err), PGWIRE_INCOMPLETE,
		   "session: then INCOMPLETE");
	ok_int(next_expect(s, PGWIRE_FRONTEND, &m, &err), PGWIRE_INCOMPLETE,
		   "session: frontend INCOMPLETE before its TLS bytes");
	pgwire_session_feed(s, PGWIRE_FRONTEND, "\x16\x03\x01\x00", 4);
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 4 && m.frame.offset == 8,
	   "session: frontend TLS bytes come out encrypted at offset 8");
	pgwire_session_feed(s, PGWIRE_FRONTEND, "\x17\x03", 2);
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 2 && m.frame.offset == 12,
	   "session: later TLS bytes come out again");
	pgwire_session_free(s);

	/* TLS bytes read before the 'S' that allowed them: the answer still decodes */
	reset();
	f_request(80877103);
	raw(&FE, "\x16\x03\x01\x00\x05", 5);
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	pgwire_session_feed(s, PGWIRE_BACKEND, "S\x16\x03\x03", 4);
	next_expect(s, PGWIRE_FRONTEND, &m, &err);
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 5 &&
	   pgwire_session_state_get(s)->encrypted == 'S',
	   "session: frontend TLS before the answer is read: encrypted 'S'");
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_SSL_RESPONSE,
	   "session: the backend's 'S' is still read as SSLResponse");
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 3 && m.frame.offset == 1,
	   "session: then the backend's TLS bytes");
	pgwire_session_free(s);

	/* direct SSL (PostgreSQL 17): no request, the backend is TLS too */
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, "\x16\x03\x01", 3);
	pgwire_session_feed(s, PGWIRE_BACKEND, "\x16\x03\x03\x00", 4);
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 3, "session: direct SSL frontend");
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_ENCRYPTED && m.frame.raw_len == 4 && m.frame.offset == 0,
	   "session: direct SSL backend, from its first byte");
	pgwire_session_free(s);

	/* framing errors are sticky and hand out what is pending */
	reset();
	f_startup();
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	next_expect(s, PGWIRE_FRONTEND, &m, &err);
	pgwire_session_feed(s, PGWIRE_BACKEND, "Z\x00\x00\x00\x01Ixyz", 9);
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_LENGTH && m.frame.raw_len == 9 && m.frame.offset == 0 &&
	   err.offset == 1, "session: length 1 fails at offset 1 with all 9 bytes");
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_LENGTH && m.frame.raw_len == 0, "session: sticky, nothing pending");
	pgwire_session_feed(s, PGWIRE_BACKEND, "Z\x00\x00\x00\x05I", 6);
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_LENGTH && m.frame.raw_len == 6 && m.frame.offset == 9,
	   "session: sticky, later bytes handed out too");
	pgwire_session_free(s);

	/* decode errors are not sticky; 'p' context is used once */
	reset();
	f_startup();
	f_string('p', "secret");
	f_string('p', "again");
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	next_expect(s, PGWIRE_FRONTEND, &m, &err);
	pgwire_session_feed(s, PGWIRE_BACKEND, "R\x00\x00\x00\x09\x00\x00\x00\x03!", 10);
	pgwire_session_feed(s, PGWIRE_BACKEND, "R\x00\x00\x00\x08\x00\x00\x00\x03", 9);
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_ERR_TRAILING && m.kind == PGWIRE_MSG_INVALID &&
	   m.frame.raw_len == 10 && m.frame.type == 'R',
	   "session: R(3) with a trailing byte is a decode error with its frame");
	rc = next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD,
	   "session: the next frame decodes");
	ok_int(pgwire_session_state_get(s)->auth_response, PGWIRE_MSG_PASSWORD_MESSAGE,
		   "session: R(3) asks for a PasswordMessage");
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_PASSWORD_MESSAGE && !m.inferred,
	   "session: 'p' is a PasswordMessage, not inferred");
	rc = next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_PASSWORD_MESSAGE && m.inferred,
	   "session: a second 'p' without a request is only inferred");
	pgwire_session_free(s);

	/* COPY modes, step by step */
	reset();
	b_ready_after_ok();
	b_copy_response('H', 0);
	b_empty('c');
	b_copy_response('W', 0);
	b_empty('c');
	b_copy_response('G', 0);
	b_error("ERROR", "22P02", "bad input");
	f_startup();
	f_empty('c');
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	pgwire_session_feed(s, PGWIRE_BACKEND, BE.data, BE.len);
	next_expect(s, PGWIRE_FRONTEND, &m, &err);
	for (int i = 0; i < 4; i++)
		next_expect(s, PGWIRE_BACKEND, &m, &err);
	next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 'H', "session: CopyOutResponse");
	next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 0, "session: backend CopyDone ends copy out");
	next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 'W', "session: CopyBothResponse");
	next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 'W',
		   "session: copy both goes on after the backend's CopyDone");
	next_expect(s, PGWIRE_FRONTEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 0,
		   "session: copy both ends after the frontend's CopyDone too");
	next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 'G', "session: CopyInResponse");
	next_expect(s, PGWIRE_BACKEND, &m, &err);
	ok_int(pgwire_session_state_get(s)->copy_mode, 0, "session: ErrorResponse ends copy in");
	pgwire_session_free(s);

	/* bad arguments */
	s = pgwire_session_create(NULL, NULL);
	ok_int(pgwire_session_feed(s, (pgwire_direction) 7, "x", 1), PGWIRE_ERR_ARGUMENT,
		   "session: feed with a bad direction");
	ok_int(pgwire_session_next(s, (pgwire_direction) 7, &m, &err), PGWIRE_ERR_ARGUMENT,
		   "session: next with a bad direction");
	pgwire_session_free(s);
	ok(pgwire_conversation_create(NULL, 3, NULL, 0, NULL, NULL) == NULL,
	   "conversation: NULL buffer with a length is refused");
}

/*
 * Decode FE/BE quietly; 1 when every byte came out once, in order, and
 * the conversation ended with PGWIRE_DONE; 2 when it could not be created
 * with the given allocator or stopped at PGWIRE_ERR_NOMEM; else 0.
 */
static int
conversation_accounts(const uint8_t *fe, size_t felen, const uint8_t *be, size_t belen,
					  const pgwire_allocator *alloc)
{
	pgwire_conversation *c;
	pgwire_msg	m;
	pgwire_error err;
	uint64_t	next[2] = {0, 0};
	const uint8_t *in[2] = {fe, be};
	size_t		len[2] = {felen, belen};
	int			good = 1;
	int			rc = PGWIRE_OK;

	c = pgwire_conversation_create(fe, felen, be, belen, NULL, alloc);
	if (c == NULL)
		return alloc ? 2 : 0;
	for (int i = 0; i < 100000; i++)
	{
		int			d;

		rc = pgwire_conversation_next(c, &m, &err);
		if (rc == PGWIRE_DONE || rc == PGWIRE_ERR_NOMEM)
			break;
		d = m.frame.direction;
		if (m.frame.offset != next[d] || m.frame.raw_len == 0 ||
			m.frame.offset + m.frame.raw_len > len[d] ||
			memcmp(m.frame.raw, in[d] + m.frame.offset, m.frame.raw_len) != 0)
			good = 0;
		next[d] = m.frame.offset + m.frame.raw_len;
	}
	pgwire_conversation_free(c);
	if (rc == PGWIRE_ERR_NOMEM)
		return 2;
	return good && rc == PGWIRE_DONE && next[0] == felen && next[1] == belen;
}

/* A valid conversation with most kinds of context in it. */
static void
build_rich(void)
{
	reset();
	f_request(80877103);
	f_startup();
	f_sasl_initial("SCRAM-SHA-256", "n,,n=,r=abc");
	f_text('p', "c=biws,r=abcdef,p=xyz=");
	f_parse("", "SELECT 1");
	f_bind();
	f_describe_portal();
	f_execute(0);
	f_empty('S');
	f_string('Q', "COPY t FROM STDIN");
	f_bytes('d', "1\n", 2);
	f_empty('c');
	f_string('Q', "COPY t TO STDOUT");
	f_empty('X');
	b_byte('N');
	b_auth_sasl("SCRAM-SHA-256");
	b_auth_text(11, "r=abcdef,s=c2FsdA==,i=4096");
	b_auth_text(12, "v=c2lnbmF0dXJl");
	b_ready_after_ok();
	b_empty('1');
	b_empty('2');
	b_rowdesc("?column?");
	b_datarow("1", 1);
	b_string('C', "SELECT 1");
	b_rfq('I');
	b_copy_response('G', 1);
	b_string('C', "COPY 1");
	b_rfq('I');
	b_copy_response('H', 1);
	b_bytes('d', "1\n", 2);
	b_empty('c');
	b_string('C', "COPY 1");
	b_rfq('I');
}

/*
 * Seeded mutations of a valid conversation (bytes overwritten, streams
 * cut, bytes dropped): whatever the damage, every byte must come out
 * exactly once and the end must be reached; ASan/UBSan watch the reads.
 */
static void
test_mutations(void)
{
	uint32_t	seed = 12345;
	int			good = 0;
	int			runs = 3000;
	uint8_t    *fe;
	uint8_t    *be;

	build_rich();
	fe = malloc(FE.len);
	be = malloc(BE.len);
	for (int i = 0; i < runs; i++)
	{
		size_t		felen = FE.len;
		size_t		belen = BE.len;
		int			flips = 1 + i % 4;

		memcpy(fe, FE.data, FE.len);
		memcpy(be, BE.data, BE.len);
		for (int k = 0; k < flips; k++)
		{
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) & 1)
				fe[(seed >> 8) % felen] = (uint8_t) (seed >> 3);
			else
				be[(seed >> 8) % belen] = (uint8_t) (seed >> 3);
		}
		seed = seed * 1103515245u + 12345u;
		if (i % 3 == 1)
			felen = (seed >> 8) % (felen + 1);
		if (i % 3 == 2)
			belen = (seed >> 8) % (belen + 1);
		good += conversation_accounts(fe, felen, be, belen, NULL) == 1;
	}
	ok_int(good, runs, "mutated conversations: every byte once, in order, to the end (%d runs)",
		   runs);
	free(fe);
	free(be);
}

/* An allocator that fails after a budget of allocations. */
static int	alloc_budget;

static void *
budget_malloc(size_t n, void *ud)
{
	(void) ud;
	if (alloc_budget-- <= 0)
		return NULL;
	return malloc(n);
}

static void *
budget_realloc(void *p, size_t n, void *ud)
{
	(void) ud;
	if (alloc_budget-- <= 0)
		return NULL;
	return realloc(p, n);
}

static void
budget_free(void *p, void *ud)
{
	(void) ud;
	free(p);
}

static void
test_out_of_memory(void)
{
	pgwire_allocator a = {NULL, budget_malloc, budget_realloc, budget_free};
	int			nomem = 0;
	int			done = 0;
	int			crashed = 0;

	build_rich();
	for (int budget = 0; budget < 12; budget++)
	{
		int			r;

		alloc_budget = budget;
		r = conversation_accounts(FE.data, FE.len, BE.data, BE.len, &a);
		if (r == 2)
			nomem++;
		else if (r == 1)
			done++;
		else
			crashed++;
	}
	ok(nomem > 0 && done > 0 && crashed == 0,
	   "allocation failures: NULL or PGWIRE_ERR_NOMEM, never a wrong result (%d failed, %d done)",
	   nomem, done);
}


/* ---- replication payloads (msg->inner) ---------------------------------- */

/*
 * The streams below follow "Streaming Replication Protocol" and "Logical
 * Replication Message Formats"; the LSNs, xid and times are those a
 * PostgreSQL 15 walsender sent to pg_recvlogical -P pgoutput through
 * pgwire proxy (test/suites/75-replication-proxy makes the same capture).
 */
#define T_LSN_START 0x153B140
#define T_LSN_COMMIT 0x153B328
#define T_LSN_END 0x153B358
#define T_TIME 848640925966802LL

/* Backend CopyData holding a Primary keepalive message. */
static void
b_keepalive(int64_t wal_end, uint8_t reply)
{
	bbegin('d');
	pgwire_put_byte1(&W, 'k');
	pgwire_put_int64(&W, wal_end);
	pgwire_put_int64(&W, T_TIME);
	pgwire_put_byte1(&W, reply);
	end();
}

/* Backend CopyData holding XLogData whose data is data[0..len). */
static void
b_xlog_with(int64_t start, const void *data, size_t len)
{
	bbegin('d');
	pgwire_put_byte1(&W, 'w');
	pgwire_put_int64(&W, start);
	pgwire_put_int64(&W, start);
	pgwire_put_int64(&W, T_TIME);
	pgwire_put_bytes(&W, data, len);
	end();
}

/* pgoutput messages (protocol 1), written into a scratch buffer. */
static pgwire_buf LR;

/* Append v big-endian in n bytes (network order, "Message Data Types"). */
static void
lr_int(uint64_t v, int n)
{
	uint8_t		b[8];

	for (int i = 0; i < n; i++)
		b[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
	raw(&LR, b, (size_t) n);
}

#define lr_int8(v) lr_int((uint64_t) (v), 8)
#define lr_int4(v) lr_int((uint64_t) (v), 4)
#define lr_int2(v) lr_int((uint64_t) (v), 2)

static void
lr_begin(void)
{
	pgwire_buf_reset(&LR);
	pgwire_buf_append(&LR, "B", 1);
	lr_int8(T_LSN_COMMIT);
	lr_int8(848640925906096LL);
	lr_int4(725);
}

/* A message's type byte and relation OID, in a fresh LR. */
static void
lr_start(char type, uint32_t relation_oid)
{
	pgwire_buf_reset(&LR);
	pgwire_buf_append(&LR, &type, 1);
	lr_int4(relation_oid);
}

/*
 * A Relation of oid: namespace and name, replica identity 'd', two
 * columns (name, type OID; the first one the key when key_first).
 */
static void
lr_relation_of(uint32_t oid, const char *nspname, const char *relname, int key_first,
			   const char *col1, uint32_t type1, const char *col2, uint32_t type2)
{
	lr_start('R', oid);
	pgwire_buf_append(&LR, nspname, strlen(nspname) + 1);
	pgwire_buf_append(&LR, relname, strlen(relname) + 1);
	pgwire_buf_append(&LR, "d", 1);
	lr_int2(2);
	pgwire_buf_append(&LR, key_first ? "\1" : "\0", 1);
	pgwire_buf_append(&LR, col1, strlen(col1) + 1);
	lr_int4(type1);
	lr_int4(0xffffffff);
	pgwire_buf_append(&LR, "\0", 1);
	pgwire_buf_append(&LR, col2, strlen(col2) + 1);
	lr_int4(type2);
	lr_int4(0xffffffff);
}

static void
lr_relation(void)
{
	lr_relation_of(16384, "public", "t", 1, "id", 23, "name", 25);
}

/* TupleData of kind ('N', 'K', 'O'): ncols columns, text a and b, or 'n' for NULL. */
static void
lr_tuple(char kind, int ncols, const char *a, const char *b)
{
	const char *v[2] = {a, b};

	pgwire_buf_append(&LR, &kind, 1);
	lr_int2(ncols);
	for (int i = 0; i < ncols && i < 2; i++)
	{
		if (v[i] == NULL)
		{
			pgwire_buf_append(&LR, "n", 1);
			continue;
		}
		pgwire_buf_append(&LR, "t", 1);
		lr_int4(strlen(v[i]));
		pgwire_buf_append(&LR, v[i], strlen(v[i]));
	}
}

static void
lr_insert(void)
{
	lr_start('I', 16384);
	lr_tuple('N', 2, "1", "a");
}

static void
lr_commit(void)
{
	pgwire_buf_reset(&LR);
	pgwire_buf_append(&LR, "C\0", 2);
	lr_int8(T_LSN_COMMIT);
	lr_int8(T_LSN_END);
	lr_int8(848640925906096LL);
}

/* Standby status update with a reply-requested flag of 0. */
static void
f_standby(int64_t lsn)
{
	fbegin('d');
	pgwire_put_byte1(&W, 'r');
	pgwire_put_int64(&W, lsn);
	pgwire_put_int64(&W, lsn);
	pgwire_put_int64(&W, 0);
	pgwire_put_int64(&W, T_TIME);
	pgwire_put_byte1(&W, 0);
	end();
}

/* Login and START_REPLICATION ...; the server's CopyBothResponse. */
static void
start_streaming(const char *replication, const char *command)
{
	const char *kv[] = {"user", "rep", "database", "db", "replication", replication, NULL};

	reset();
	f_startup_v(0x00030000, kv);
	f_string('Q', command);
	b_ready_after_ok();
	b_copy_response('W', 0);
}

/* Both sides end the copy; the walsender's completion. */
static void
end_streaming(void)
{
	f_empty('c');
	f_empty('X');
	b_empty('c');
	b_string('C', "START_REPLICATION");
	b_rfq('I');
}

/*
 * Decode FE/BE as a conversation; *seq gets the CopyData items as
 * "B:CopyData>XLogData>Begin" (one '>' per inner level), other messages
 * as in run_conversation.  For every message: the JSON, encoded back,
 * must be its bytes exactly (*json_same counts the failures), and the
 * JSON of the first message whose innermost kind is want_json_of is kept
 * in json (when json is not NULL).
 */
static void
run_payloads(const char *label, char *seq, size_t seqcap, int *roundtrip_bad,
			 pgwire_msg_kind want_json_of, char *json, size_t jsoncap,
			 pgwire_session_state *st)
{
	pgwire_conversation *c;
	pgwire_msg	m;
	pgwire_error err;
	pgwire_buf	j;
	pgwire_buf	back;
	size_t		pos = 0;
	int			rc;
	int			errors = 0;

	seq[0] = '\0';
	*roundtrip_bad = 0;
	if (json)
		json[0] = '\0';
	pgwire_buf_init(&j, NULL);
	pgwire_buf_init(&back, NULL);
	c = pgwire_conversation_create(FE.data, FE.len, BE.data, BE.len, NULL, NULL);
	while ((rc = pgwire_conversation_next(c, &m, &err)) != PGWIRE_DONE)
	{
		const pgwire_msg *in;

		if (rc != PGWIRE_OK)
		{
			errors++;
			continue;
		}
		pos += (size_t) snprintf(seq + pos, pos < seqcap ? seqcap - pos : 0, "%s%c:%s",
								 pos ? " " : "", m.frame.direction ? 'B' : 'F',
								 pgwire_msg_name(m.kind));
		for (in = m.inner; in != NULL; in = in->inner)
			pos += (size_t) snprintf(seq + pos, pos < seqcap ? seqcap - pos : 0, ">%s",
									 pgwire_msg_name(in->kind));
		if (pos >= seqcap)
			pos = seqcap - 1;
		pgwire_buf_reset(&j);
		pgwire_buf_reset(&back);
		if (pgwire_json_write(&m, &j, 0) != PGWIRE_OK ||
			pgwire_json_encode((const char *) j.data, j.len, &back, &err) != PGWIRE_OK ||
			back.len != m.frame.raw_len ||
			memcmp(back.data, m.frame.raw, back.len) != 0)
		{
			diag("%s: JSON round trip of %s failed: %.*s", label,
				 pgwire_msg_name(m.kind), (int) j.len, (const char *) j.data);
			(*roundtrip_bad)++;
		}
		for (in = &m; in->inner != NULL; in = in->inner)
			;
		if (json && in->kind == want_json_of && json[0] == '\0')
			snprintf(json, jsoncap, "%.*s", (int) j.len, (const char *) j.data);
	}
	ok_int(errors, 0, "%s: every message decodes", label);
	if (st)
		*st = *pgwire_conversation_state(c);
	pgwire_conversation_free(c);
	pgwire_buf_free(&j);
	pgwire_buf_free(&back);
}

static void
expect_payloads(const char *label, const char *want, pgwire_session_state *st)
{
	char		seq[4096];
	int			bad;

	run_payloads(label, seq, sizeof(seq), &bad, PGWIRE_MSG_INVALID, NULL, 0, st);
	if (!ok(strcmp(seq, want) == 0, "%s: payloads decoded", label))
	{
		diag("got:  %s", seq);
		diag("want: %s", want);
	}
	ok_int(bad, 0, "%s: JSON with nested payloads encodes back byte for byte", label);
}

#define REPL_LOGIN "F:StartupMessage B:AuthenticationOk B:ParameterStatus " \
	"B:BackendKeyData B:ReadyForQuery F:Query B:CopyBothResponse "
#define REPL_END "F:CopyDone B:CopyDone B:CommandComplete B:ReadyForQuery F:Terminate"

static void
test_pgoutput_stream(void)
{
	pgwire_session_state st;
	char		seq[4096];
	char		json[2048];
	int			bad;
	pgwire_buf	tr;
	pgwire_session *s;
	pgwire_msg	m;
	pgwire_error err;
	int			rc;

	/* the command exactly as pg_recvlogical 15 sends it */
	start_streaming("database", "START_REPLICATION SLOT \"s\" LOGICAL 0/0 "
					"(\"proto_version\" '1', \"publication_names\" 'p')");
	f_standby(0);				/* pg_recvlogical reports at once */
	b_keepalive(T_LSN_START, 0);
	lr_begin();
	b_xlog_with(T_LSN_START, LR.data, LR.len);
	lr_relation();
	b_xlog_with(0, LR.data, LR.len);
	lr_insert();
	b_xlog_with(T_LSN_START, LR.data, LR.len);
	lr_commit();
	b_xlog_with(T_LSN_END, LR.data, LR.len);
	f_standby(T_LSN_END);
	end_streaming();
	expect_payloads("pgoutput stream",
					REPL_LOGIN "F:CopyData>StandbyStatusUpdate B:CopyData>PrimaryKeepalive "
					"B:CopyData>XLogData>Begin "
					"B:CopyData>XLogData>Relation B:CopyData>XLogData>Insert "
					"B:CopyData>XLogData>Commit F:CopyData>StandbyStatusUpdate B:CopyDone "
					"F:CopyDone B:CommandComplete B:ReadyForQuery F:Terminate", &st);
	ok(st.streaming == 'L' && st.pgoutput_version == 1,
	   "pgoutput stream: state says logical, pgoutput version 1 (%d, %d)",
	   st.streaming, st.pgoutput_version);

	run_payloads("pgoutput JSON", seq, sizeof(seq), &bad, PGWIRE_MSG_LR_INSERT, json,
				 sizeof(json), NULL);
	ok(strstr(json, "{\"direction\":\"backend\",\"type\":\"d\",\"message\":\"CopyData\","
			  "\"length\":49,\"data\":{\"direction\":\"backend\",\"type\":\"w\","
			  "\"message\":\"XLogData\",\"wal_start\":\"0/153B140\","
			  "\"wal_end\":\"0/153B140\",") == json &&
	   strstr(json, "\"data\":{\"direction\":\"backend\",\"type\":\"I\",\"message\":\"Insert\","
			  "\"relation_oid\":16384,\"new_tuple_kind\":\"N\",\"new_tuple\":"
			  "[{\"kind\":\"t\",\"value\":\"1\"},{\"kind\":\"t\",\"value\":\"a\"}],"
			  "\"relation\":\"public.t\",\"column_types\":{\"id\":23,\"name\":25},"
			  "\"new\":{\"id\":\"1\",\"name\":\"a\"}}}}") != NULL,
	   "pgoutput JSON: CopyData > XLogData > Insert nested, with the Relation's names and types");
	diag("%s", json);

	/* a nested object that is not a payload is refused */
	{
		static const char bad_json[] =
			"{\"direction\":\"backend\",\"message\":\"CopyData\",\"data\":"
			"{\"message\":\"ReadyForQuery\",\"status\":\"I\"}}";
		pgwire_buf	out;

		pgwire_buf_init(&out, NULL);
		rc = pgwire_json_encode(bad_json, sizeof(bad_json) - 1, &out, &err);
		ok(rc == PGWIRE_ERR_JSON && out.len == 0,
		   "JSON: a protocol message nested in CopyData is refused (%s)", err.detail);
		pgwire_buf_free(&out);
	}

	/* trace: the CopyData line as libpq prints it, then one line per level */
	pgwire_buf_init(&tr, NULL);
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	pgwire_session_feed(s, PGWIRE_BACKEND, BE.data, BE.len);
	for (int i = 0; i < 3; i++)
		pgwire_session_next(s, PGWIRE_FRONTEND, &m, &err);	/* through Query */
	do
		rc = pgwire_session_next(s, PGWIRE_BACKEND, &m, &err);
	while (rc == PGWIRE_OK && !(m.inner && m.inner->inner &&
								m.inner->inner->kind == PGWIRE_MSG_LR_INSERT));
	ok(rc == PGWIRE_OK && pgwire_trace_write(&m, &tr, PGWIRE_TRACE_SUPPRESS_TIMESTAMPS, 0) ==
	   PGWIRE_OK, "trace of the Insert's CopyData written");
	pgwire_buf_append(&tr, "", 1);
	ok(strncmp((const char *) tr.data, "B\t49\tCopyData\t 'w\\x00", 21) == 0 &&
	   strstr((const char *) tr.data, "'\nB\t45\tXLogData\t 0/153B140 0/153B140 848640925966802 'I") != NULL &&
	   strstr((const char *) tr.data, "'\nB\t20\tInsert\t 16384 N 2 t 1 '1' t 1 'a'\n") != NULL,
	   "trace: CopyData, XLogData and Insert lines");
	diag("%s", (const char *) tr.data);
	pgwire_buf_free(&tr);
	pgwire_session_free(s);
}

static void
test_physical_and_test_decoding(void)
{
	pgwire_session_state st;
	char		seq[4096];
	char		json[2048];
	int			bad;
	static const char td_begin[] = "BEGIN 725";

	/* physical: XLogData data is WAL, never pgoutput */
	start_streaming("true", "START_REPLICATION SLOT s PHYSICAL 0/1000000 TIMELINE 1");
	b_xlog_with(0x1000000, "\x99\xd1\x05\x00", 4);
	b_keepalive(0x1000004, 1);
	f_standby(0x1000004);
	fbegin('d');					/* Hot standby feedback */
	pgwire_put_byte1(&W, 'h');
	pgwire_put_int64(&W, T_TIME);
	pgwire_put_int32(&W, 730);
	pgwire_put_int32(&W, 0);
	pgwire_put_int32(&W, 0);
	pgwire_put_int32(&W, 0);
	end();
	end_streaming();
	expect_payloads("physical stream",
					REPL_LOGIN "B:CopyData>XLogData F:CopyData>StandbyStatusUpdate "
					"B:CopyData>PrimaryKeepalive F:CopyData>HotStandbyFeedback B:CopyDone "
					"F:CopyDone B:CommandComplete B:ReadyForQuery F:Terminate",
					&st);
	ok(st.streaming == 'P' && st.pgoutput_version == 0,
	   "physical stream: state says physical (%d, %d)", st.streaming, st.pgoutput_version);

	/* START_REPLICATION without SLOT or PHYSICAL is physical too */
	start_streaming("1", "start_replication 0/1000000");
	b_xlog_with(0x1000000, "\x99\xd1\x05\x00", 4);
	end_streaming();
	expect_payloads("physical, short form",
					REPL_LOGIN "B:CopyData>XLogData " REPL_END, &st);

	/* test_decoding: the text stays bytes, shown as a JSON string */
	start_streaming("database", "START_REPLICATION SLOT \"td\" LOGICAL 0/0 "
					"(\"include-xids\" '1')");
	b_xlog_with(T_LSN_START, td_begin, sizeof(td_begin) - 1);
	end_streaming();
	run_payloads("test_decoding", seq, sizeof(seq), &bad, PGWIRE_MSG_XLOG_DATA, json,
				 sizeof(json), &st);
	ok(strcmp(seq, REPL_LOGIN "B:CopyData>XLogData " REPL_END) == 0,
	   "test_decoding: XLogData, its data not decoded further");
	ok(strstr(json, ",\"data\":\"BEGIN 725\"}}") != NULL,
	   "test_decoding: the data is a JSON string");
	ok(st.streaming == 'L' && st.pgoutput_version == 0,
	   "test_decoding: logical, not pgoutput (%d, %d)", st.streaming, st.pgoutput_version);
	ok_int(bad, 0, "test_decoding: JSON encodes back byte for byte");
}

/* The pgoutput version the tracker reads from a START_REPLICATION command. */
static int
version_of(const char *command)
{
	pgwire_session_state st;
	pgwire_session *s;
	pgwire_msg	m;
	pgwire_error err;
	const char *kv[] = {"user", "rep", "replication", "database", NULL};

	reset();
	f_startup_v(0x00030000, kv);
	f_string('Q', command);
	s = pgwire_session_create(NULL, NULL);
	pgwire_session_feed(s, PGWIRE_FRONTEND, FE.data, FE.len);
	pgwire_session_next(s, PGWIRE_FRONTEND, &m, &err);
	pgwire_session_next(s, PGWIRE_FRONTEND, &m, &err);
	st = *pgwire_session_state_get(s);
	pgwire_session_free(s);
	return st.streaming == 'L' ? st.pgoutput_version : -1;
}

static void
test_start_replication_options(void)
{
	static const struct
	{
		const char *command;
		int			want;		/* -1: not logical */
	}			cases[] = {
		/* pgoutput's options by name: unquoted words fold to lower case */
		{"START_REPLICATION SLOT s LOGICAL 0/0 (proto_version '2', publication_names 'a,b')", 2},
		{"start_replication slot s logical 1/AB (PROTO_VERSION '4', Publication_Names 'p')", 4},
		{"START_REPLICATION SLOT \"My Slot\" LOGICAL 0/0 (\"proto_version\" '3', "
		"\"publication_names\" '\"p\"', \"binary\" 'true', \"messages\" 'true')", 3},
		{"  START_REPLICATION SLOT s LOGICAL 0/0 (\"publication_names\" 'it''s', "
		"\"proto_version\" '1', streaming)", 1},
		/* quoted names are compared exactly, as pgoutput does */
		{"START_REPLICATION SLOT s LOGICAL 0/0 (\"PROTO_VERSION\" '1', publication_names 'p')", 0},
		/* missing either option, or a version we do not decode: not pgoutput */
		{"START_REPLICATION SLOT s LOGICAL 0/0 (proto_version '1')", 0},
		{"START_REPLICATION SLOT s LOGICAL 0/0 (publication_names 'p')", 0},
		{"START_REPLICATION SLOT s LOGICAL 0/0 (proto_version '5', publication_names 'p')", 0},
		{"START_REPLICATION SLOT s LOGICAL 0/0 (proto_version 'x', publication_names 'p')", 0},
		{"START_REPLICATION SLOT s LOGICAL 0/0", 0},
		{"START_REPLICATION SLOT s LOGICAL 0/0 (proto_version '1', publication_names 'p'", 0},
		{"START_REPLICATION SLOT s LOGICAL 0/0 (proto_version '1, publication_names 'p')", 0},
		{"START_REPLICATION SLOT s PHYSICAL 0/0", -1},
		{"IDENTIFY_SYSTEM", -1},
		{"", -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok_int(version_of(cases[i].command), cases[i].want, "START_REPLICATION options: %s",
			   cases[i].command);
}

static void
test_bad_payloads(void)
{
	pgwire_session_state st;
	static const uint8_t unknown_lr[] = {'Z', 0, 0};

	/* payloads that do not decode stay CopyData bytes; nothing fails */
	start_streaming("database", "START_REPLICATION SLOT s LOGICAL 0/0 "
					"(proto_version '1', publication_names 'p')");
	b_bytes('d', "w\0\0", 3);	/* XLogData cut short */
	b_bytes('d', "z-what", 6);	/* no such payload */
	bbegin('d');				/* no payload at all */
	end();
	b_xlog_with(T_LSN_START, unknown_lr, sizeof(unknown_lr));	/* no such pgoutput */
	lr_begin();
	b_xlog_with(T_LSN_START, LR.data, LR.len - 1);	/* Begin cut short */
	f_bytes('d', "w-from-client", 13);	/* 'w' is the server's */
	end_streaming();
	expect_payloads("bad payloads",
					REPL_LOGIN "F:CopyData B:CopyData B:CopyData B:CopyData "
					"B:CopyData>XLogData B:CopyData>XLogData " REPL_END, &st);

	/* COPY on a replication connection without BASE_BACKUP: plain COPY data */
	{
		const char *kv[] = {"user", "rep", "database", "db", "replication", "database", NULL};

		reset();
		f_startup_v(0x00030000, kv);
		f_string('Q', "COPY t TO STDOUT");
		f_empty('X');
		b_ready_after_ok();
		b_copy_response('H', 1);
		b_bytes('d', "p-ish data\n", 11);
		b_empty('c');
		b_string('C', "COPY 1");
		b_rfq('I');
		expect_payloads("COPY TO STDOUT on a replication connection",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:CopyOutResponse "
						"B:CopyData B:CopyDone B:CommandComplete B:ReadyForQuery F:Terminate",
						NULL);
	}

	/* not a replication connection: copy-both data are bytes */
	{
		reset();
		f_startup();
		f_string('Q', "START_REPLICATION 0/0");
		f_empty('c');
		b_ready_after_ok();
		b_copy_response('W', 0);
		b_keepalive(T_LSN_START, 0);
		b_empty('c');
		b_rfq('I');
		expect_payloads("no replication parameter",
						"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
						"B:BackendKeyData B:ReadyForQuery F:Query B:CopyBothResponse "
						"B:CopyData F:CopyDone B:CopyDone B:ReadyForQuery", NULL);
	}
}

/* BASE_BACKUP (PostgreSQL 15): typed CopyData messages in copy-out. */
static void
test_base_backup(void)
{
	const char *kv[] = {"user", "rep", "replication", "true", NULL};

	reset();
	f_startup_v(0x00030000, kv);
	f_string('Q', "BASE_BACKUP ( LABEL 'x', PROGRESS )");
	f_empty('X');
	b_ready_after_ok();
	b_copy_response('H', 0);
	bbegin('d');
	pgwire_put_byte1(&W, 'n');
	pgwire_put_cstring(&W, "base.tar");
	pgwire_put_cstring(&W, "");
	end();
	b_bytes('d', "dtar bytes", 10);
	bbegin('d');
	pgwire_put_byte1(&W, 'p');
	pgwire_put_int64(&W, 8192);
	end();
	b_bytes('d', "m", 1);
	b_bytes('d', "d{\"PostgreSQL-Backup-Manifest-Version\": 1}", 42);
	b_empty('c');
	b_string('C', "BASE_BACKUP");
	b_rfq('I');
	expect_payloads("BASE_BACKUP",
					"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
					"B:BackendKeyData B:ReadyForQuery F:Query B:CopyOutResponse "
					"B:CopyData>NewArchive B:CopyData>ArchiveOrManifestData "
					"B:CopyData>ProgressReport B:CopyData>Manifest "
					"B:CopyData>ArchiveOrManifestData B:CopyDone B:CommandComplete "
					"B:ReadyForQuery F:Terminate", NULL);
}

/*
 * Before PostgreSQL 15, BASE_BACKUP's copy-out was raw tar data: a chunk
 * that starts with 'd', 'n', 'm' or 'p' is no typed message there.  The
 * server's version comes from ParameterStatus server_version.
 */
static void
test_base_backup_before_15(void)
{
	const char *kv[] = {"user", "rep", "replication", "true", NULL};

	reset();
	f_startup_v(0x00030000, kv);
	f_string('Q', "BASE_BACKUP LABEL 'x'");
	f_empty('X');
	b_auth(0, NULL, 0);
	bbegin('S');
	pgwire_put_cstring(&W, "server_version");
	pgwire_put_cstring(&W, "14.10 (Debian 14.10-1.pgdg120+1)");
	end();
	b_rfq('I');
	b_copy_response('H', 0);
	b_bytes('d', "data_directory/", 15);
	b_bytes('d', "pg_wal/", 7);
	b_empty('c');
	b_string('C', "BASE_BACKUP");
	b_rfq('I');
	expect_payloads("BASE_BACKUP of PostgreSQL 14",
					"F:StartupMessage B:AuthenticationOk B:ParameterStatus "
					"B:ReadyForQuery F:Query B:CopyOutResponse B:CopyData B:CopyData "
					"B:CopyDone B:CommandComplete B:ReadyForQuery F:Terminate", NULL);
}

/*
 * A walsender's keepalive that the saved streams put after both CopyDones
 * (the client's CopyDone crossed it): still the stream's, until the next
 * command.
 */
static void
test_keepalive_after_copy_done(void)
{
	start_streaming("true", "START_REPLICATION 0/1000000 TIMELINE 1");
	f_empty('c');
	f_empty('X');
	b_empty('c');
	b_keepalive(T_LSN_END, 0);
	b_string('C', "START_REPLICATION");
	b_rfq('I');
	expect_payloads("keepalive after CopyDone",
					REPL_LOGIN "F:CopyDone B:CopyDone B:CopyData>PrimaryKeepalive "
					"B:CommandComplete B:ReadyForQuery F:Terminate", NULL);
}

/*
 * The relation cache of the session: a Relation "My Schema"."t""x" (a
 * name that must be quoted) with key column id, then an Update whose old
 * tuple is the key ('K': the other column is sent as 'n' but was left
 * out, so "old" has the key only), and a Delete of a relation no
 * Relation described (no names: the keys stay absent).
 */
static void
test_relation_cache(void)
{
	char		seq[4096];
	char		json[2048];
	int			bad;
	static const char want_update[] =
		"\"relation\":\"\\\"My Schema\\\".\\\"t\\\"\\\"x\\\"\",\"column_types\":{\"id\":23,\"v\":25},"
		"\"old\":{\"id\":\"2\"},\"new\":{\"id\":\"10\",\"v\":\"b\"}}";

	start_streaming("database", "START_REPLICATION SLOT s LOGICAL 0/0 "
					"(proto_version '1', publication_names 'p')");
	lr_relation_of(16385, "My Schema", "t\"x", 1, "id", 23, "v", 25);
	b_xlog_with(0, LR.data, LR.len);
	lr_start('U', 16385);
	lr_tuple('K', 2, "2", NULL);
	lr_tuple('N', 2, "10", "b");
	b_xlog_with(T_LSN_START, LR.data, LR.len);
	lr_start('D', 99999);
	lr_tuple('K', 1, "7", NULL);
	b_xlog_with(T_LSN_START, LR.data, LR.len);
	/* LATIN1 names "caf\xe9" and "caf\xe8": both "caf\ufffd" as JSON keys */
	lr_relation_of(16386, "public", "dup", 0, "caf\xe9", 25, "caf\xe8", 25);
	b_xlog_with(0, LR.data, LR.len);
	lr_start('I', 16386);
	lr_tuple('N', 2, "x", "y");
	b_xlog_with(T_LSN_START, LR.data, LR.len);
	end_streaming();
	run_payloads("relation cache", seq, sizeof(seq), &bad, PGWIRE_MSG_LR_UPDATE, json,
				 sizeof(json), NULL);
	ok_int(bad, 0, "relation cache: the JSON with the relation's keys encodes back");
	if (!ok(strstr(json, want_update) != NULL,
			"relation cache: Update by column name, old tuple 'K' with the key only, "
			"quoted names"))
		diag("got: %s", json);
	run_payloads("relation cache", seq, sizeof(seq), &bad, PGWIRE_MSG_LR_INSERT, json,
				 sizeof(json), NULL);
	if (!ok(bad == 0 && strstr(json, "\"relation\":\"public.dup\"") != NULL &&
			strstr(json, "\"new\"") == NULL && strstr(json, "\"column_types\"") == NULL,
			"relation cache: names equal as JSON keys: no keyed objects, still lossless"))
		diag("got: %s", json);
	run_payloads("relation cache", seq, sizeof(seq), &bad, PGWIRE_MSG_LR_DELETE, json,
				 sizeof(json), NULL);
	if (!ok(strstr(json, "\"message\":\"Delete\"") != NULL && strstr(json, "\"old\"") == NULL &&
			strstr(json, "\"relation\"") == NULL,
			"relation cache: a Delete of an unknown relation has no names"))
		diag("got: %s", json);
}

int
main(void)
{
	pgwire_buf_init(&FE, NULL);
	pgwire_buf_init(&BE, NULL);

	test_ssl_refused();
	test_gss_then_ssl();
	test_md5();
	test_scram();
	test_negotiate();
	test_copy();
	test_extended();
	test_errors();
	test_truncated();
	test_cancel();
	test_large();
	test_session_bytewise();
	test_session_states();
	test_mutations();
	test_out_of_memory();
	pgwire_buf_init(&LR, NULL);
	test_pgoutput_stream();
	test_physical_and_test_decoding();
	test_start_replication_options();
	test_bad_payloads();
	test_base_backup();
	test_base_backup_before_15();
	test_keepalive_after_copy_done();
	test_relation_cache();
	pgwire_buf_free(&LR);

	pgwire_buf_free(&FE);
	pgwire_buf_free(&BE);
	return done_testing();
}
