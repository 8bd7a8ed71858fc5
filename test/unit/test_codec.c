/*
 * test/unit/test_codec.c
 *    Unit tests of framing, decoding and encoding for every message kind
 *    of the catalogue.
 *
 * Samples are written with the writer API (encode.h) from the layouts the
 * PostgreSQL docs give ("Message Formats"), independently of the
 * catalogue; the expected names are the docs' spellings.  For each sample:
 * decode gives the right kind and name, pgwire_encode gives back the same
 * bytes, every proper prefix is PGWIRE_INCOMPLETE, a body cut short (with
 * a matching length word) fails with PGWIRE_ERR_TRUNCATED at the offset of
 * the field that was cut, extra bytes inside the length fail with
 * PGWIRE_ERR_TRAILING where they start, and every prefix decoded right
 * before a PROT_NONE page never reads past its end (picohttpparser's
 * guard-page test).  Then limits, unknown types, bad values, seeded
 * garbage and the encoder's refusals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pgwire/pgwire.h"
#include "pgwire/encode.h"
#include "pgwire/replication.h"
#include "internal.h"			/* pgwire_decode_generic, pgwire_fast_paths_check */
#include "tap.h"

/* ---- samples ------------------------------------------------------------ */

typedef struct sample
{
	pgwire_msg_kind kind;
	const char *name;			/* docs spelling */
	const char *label;
	pgwire_direction dir;
	pgwire_phase phase;			/* how to frame it */
	pgwire_context ctx;			/* context the decoder needs ('p', unknown) */
	uint8_t    *bytes;
	size_t		len;
	int			payload;		/* 1 replication CopyData payload, 2 pgoutput */
	int			proto;			/* pgoutput protocol version */
	pgwire_pgoutput_state st;	/* pgoutput: inside a streamed block */
	long		ok_cut;			/* a shorter body that is another valid form */
} sample;

#define MAX_SAMPLES 160
static sample samples[MAX_SAMPLES];
static int	nsamples;

static pgwire_buf sbuf;
static pgwire_writer sw;
static sample *cur;

/* Start a sample: kind, docs name, label; type 0 = untyped packet. */
static void
begin(pgwire_msg_kind kind, const char *name, const char *label,
	  pgwire_direction dir, uint8_t type)
{
	if (nsamples >= MAX_SAMPLES)
		abort();
	cur = &samples[nsamples];
	memset(cur, 0, sizeof(*cur));
	cur->kind = kind;
	cur->name = name;
	cur->label = label;
	cur->dir = dir;
	cur->phase = dir == PGWIRE_BACKEND ? PGWIRE_PHASE_TYPED : PGWIRE_PHASE_AUTO;
	cur->ok_cut = -1;
	pgwire_buf_init(&sbuf, NULL);
	pgwire_msg_begin(&sw, &sbuf, type, dir, NULL);
}

static void
end(void)
{
	int			rc = pgwire_msg_end(&sw);

	if (rc != PGWIRE_OK)
	{
		ok(0, "build sample %s (%s): %s", cur->name, cur->label, pgwire_status_name(rc));
		pgwire_buf_free(&sbuf);
		return;
	}
	cur->bytes = sbuf.data;
	cur->len = sbuf.len;
	nsamples++;
}

/*
 * A CopyData payload (replication) or a pgoutput message: a type byte and
 * fields, no length word.  Written as a typed message whose length word is
 * then cut out.
 */
static void
begin_payload(pgwire_msg_kind kind, const char *name, const char *label,
			  pgwire_direction dir, uint8_t type, int payload)
{
	begin(kind, name, label, dir, type);
	cur->payload = payload;
	cur->proto = 4;
}

static void
end_payload(void)
{
	if (pgwire_msg_end(&sw) != PGWIRE_OK)
	{
		ok(0, "build sample %s", cur->name);
		return;
	}
	memmove(sbuf.data + 1, sbuf.data + 5, sbuf.len - 5);
	cur->bytes = sbuf.data;
	cur->len = sbuf.len - 4;
	nsamples++;
}

/* A single-byte answer to SSLRequest/GSSENCRequest. */
static void
answer(pgwire_msg_kind kind, const char *name, const char *label, uint8_t byte,
	   pgwire_phase phase)
{
	cur = &samples[nsamples];
	memset(cur, 0, sizeof(*cur));
	cur->kind = kind;
	cur->name = name;
	cur->label = label;
	cur->dir = PGWIRE_BACKEND;
	cur->phase = phase;
	cur->bytes = malloc(1);
	cur->bytes[0] = byte;
	cur->len = 1;
	nsamples++;
}

#define P16(v) pgwire_put_int16(&sw, (int16_t) (v))
#define P32(v) pgwire_put_int32(&sw, (int32_t) (v))
#define PS(s) pgwire_put_cstring(&sw, (s))
#define PB(p, n) pgwire_put_bytes(&sw, (p), (n))
#define PV(p, n) pgwire_put_value(&sw, (p), (n))
#define P8(v) pgwire_put_byte1(&sw, (uint8_t) (v))
#define P64(v) pgwire_put_int64(&sw, (int64_t) (v))

static const uint8_t binval[] = {0x00, 0x01, 0x00, 0xff, 0x00, 0x00, 0x7f, 0x80};

static void
frontend_samples(void)
{
	const pgwire_direction F = PGWIRE_FRONTEND;
	char		name[32],
				val[32];
	uint8_t		key[256];

	for (int i = 0; i < 256; i++)
		key[i] = (uint8_t) (i * 7 + 1);

	begin(PGWIRE_MSG_STARTUP_MESSAGE, "StartupMessage", "3.0 user+database", F, 0);
	P32(3 << 16);
	PS("user");
	PS("postgres");
	PS("database");
	PS("postgres");
	P8(0);
	end();
	begin(PGWIRE_MSG_STARTUP_MESSAGE, "StartupMessage", "3.2 many parameters", F, 0);
	P32(3 << 16 | 2);
	for (int i = 0; i < 60; i++)
	{
		snprintf(name, sizeof(name), i % 2 ? "_pq_.opt%d" : "guc_%d", i);
		snprintf(val, sizeof(val), i % 3 ? "value %d" : "", i);
		PS(name);
		PS(val);
	}
	P8(0);
	end();
	begin(PGWIRE_MSG_STARTUP_MESSAGE, "StartupMessage", "no parameters", F, 0);
	P32(3 << 16);
	P8(0);
	end();
	begin(PGWIRE_MSG_SSL_REQUEST, "SSLRequest", "", F, 0);
	P32(80877103);
	end();
	begin(PGWIRE_MSG_GSSENC_REQUEST, "GSSENCRequest", "", F, 0);
	P32(80877104);
	end();
	begin(PGWIRE_MSG_CANCEL_REQUEST, "CancelRequest", "3.0 4-byte key", F, 0);
	P32(80877102);
	P32(4242);
	PB(key, 4);
	end();
	begin(PGWIRE_MSG_CANCEL_REQUEST, "CancelRequest", "3.2 32-byte key", F, 0);
	P32(80877102);
	P32(-7);
	PB(key, 32);
	end();
	begin(PGWIRE_MSG_CANCEL_REQUEST, "CancelRequest", "3.2 256-byte key", F, 0);
	P32(80877102);
	P32(1);
	PB(key, 256);
	end();

	begin(PGWIRE_MSG_BIND, "Bind", "empty groups", F, 'B');
	PS("");
	PS("");
	P16(0);
	P16(0);
	P16(0);
	end();
	begin(PGWIRE_MSG_BIND, "Bind", "NULL, text, binary with NULs", F, 'B');
	PS("portal1");
	PS("stmt1");
	P16(3);
	P16(0);
	P16(1);
	P16(1);
	P16(4);
	PV(NULL, 0);
	PV("hello", 5);
	PV(binval, sizeof(binval));
	PV("", 0);
	P16(2);
	P16(1);
	P16(0);
	end();
	begin(PGWIRE_MSG_CLOSE, "Close", "statement", F, 'C');
	P8('S');
	PS("stmt1");
	end();
	begin(PGWIRE_MSG_CLOSE, "Close", "unnamed portal", F, 'C');
	P8('P');
	PS("");
	end();
	begin(PGWIRE_MSG_COPY_FAIL, "CopyFail", "", F, 'f');
	PS("COPY aborted by client");
	end();
	begin(PGWIRE_MSG_DESCRIBE, "Describe", "portal", F, 'D');
	P8('P');
	PS("p");
	end();
	begin(PGWIRE_MSG_EXECUTE, "Execute", "", F, 'E');
	PS("portal1");
	P32(100);
	end();
	begin(PGWIRE_MSG_FLUSH, "Flush", "", F, 'H');
	end();
	begin(PGWIRE_MSG_FUNCTION_CALL, "FunctionCall", "", F, 'F');
	P32(1598);
	P16(1);
	P16(1);
	P16(2);
	PV(binval, sizeof(binval));
	PV(NULL, 0);
	P16(1);
	end();
	begin(PGWIRE_MSG_GSS_RESPONSE, "GSSResponse", "", F, 'p');
	PB(binval, sizeof(binval));
	end();
	samples[nsamples - 1].ctx.auth_response = PGWIRE_MSG_GSS_RESPONSE;
	begin(PGWIRE_MSG_PARSE, "Parse", "with parameter types", F, 'P');
	PS("stmt1");
	PS("SELECT $1::int, $2");
	P16(2);
	P32(23);
	P32(0);
	end();
	begin(PGWIRE_MSG_PARSE, "Parse", "no parameter types", F, 'P');
	PS("");
	PS("SELECT 1");
	P16(0);
	end();
	begin(PGWIRE_MSG_PASSWORD_MESSAGE, "PasswordMessage", "", F, 'p');
	PS("md5a3556571e93b0d20722ba62be61e8c2d");
	end();
	samples[nsamples - 1].ctx.auth_response = PGWIRE_MSG_PASSWORD_MESSAGE;
	begin(PGWIRE_MSG_QUERY, "Query", "", F, 'Q');
	PS("SELECT 1; SELECT 'x'");
	end();
	begin(PGWIRE_MSG_SASL_INITIAL_RESPONSE, "SASLInitialResponse", "with data", F, 'p');
	PS("SCRAM-SHA-256");
	PV("n,,n=,r=rOprNGfwEbeRWgbNEkqO", 28);
	end();
	samples[nsamples - 1].ctx.auth_response = PGWIRE_MSG_SASL_INITIAL_RESPONSE;
	begin(PGWIRE_MSG_SASL_INITIAL_RESPONSE, "SASLInitialResponse", "no data (-1)", F, 'p');
	PS("SCRAM-SHA-256");
	PV(NULL, 0);
	end();
	samples[nsamples - 1].ctx.auth_response = PGWIRE_MSG_SASL_INITIAL_RESPONSE;
	begin(PGWIRE_MSG_SASL_RESPONSE, "SASLResponse", "", F, 'p');
	PB("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", 76);
	end();
	samples[nsamples - 1].ctx.auth_response = PGWIRE_MSG_SASL_RESPONSE;
	begin(PGWIRE_MSG_SYNC, "Sync", "", F, 'S');
	end();
	begin(PGWIRE_MSG_TERMINATE, "Terminate", "", F, 'X');
	end();
	begin(PGWIRE_MSG_COPY_DATA, "CopyData", "frontend, binary", F, 'd');
	PB(binval, sizeof(binval));
	end();
	begin(PGWIRE_MSG_COPY_DATA, "CopyData", "frontend, empty", F, 'd');
	end();
	begin(PGWIRE_MSG_COPY_DONE, "CopyDone", "frontend", F, 'c');
	end();
	/* a 'p' with no Authentication request seen whose bytes fit no form */
	begin(PGWIRE_MSG_AUTHENTICATION_RESPONSE, "AuthenticationResponse", "", F, 'p');
	PB("\x01\x02\x03", 3);
	end();
	begin(PGWIRE_MSG_UNKNOWN, "Unknown", "frontend type 'Z'", F, 'Z');
	PB("abc", 3);
	end();
	samples[nsamples - 1].ctx.flags = PGWIRE_DECODE_UNKNOWN;
	begin(PGWIRE_MSG_UNKNOWN, "Unknown", "untyped protocol 2.0 packet", F, 0);
	P32(2 << 16);
	PB("user\0x\0\0", 8);
	end();
	samples[nsamples - 1].ctx.flags = PGWIRE_DECODE_UNKNOWN;
}

static void
backend_samples(void)
{
	const pgwire_direction B = PGWIRE_BACKEND;
	uint8_t		key[32];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t) (255 - i * 3);

	begin(PGWIRE_MSG_COPY_DATA, "CopyData", "backend", B, 'd');
	PB("1\tone\n", 6);
	end();
	begin(PGWIRE_MSG_COPY_DONE, "CopyDone", "backend", B, 'c');
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_OK, "AuthenticationOk", "", B, 'R');
	P32(0);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5, "AuthenticationKerberosV5", "", B, 'R');
	P32(2);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD, "AuthenticationCleartextPassword", "",
		  B, 'R');
	P32(3);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD, "AuthenticationMD5Password", "", B, 'R');
	P32(5);
	PB("\x00\x9a\x00\x01", 4);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_GSS, "AuthenticationGSS", "", B, 'R');
	P32(7);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE, "AuthenticationGSSContinue", "", B, 'R');
	P32(8);
	PB(binval, sizeof(binval));
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_SSPI, "AuthenticationSSPI", "", B, 'R');
	P32(9);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_SASL, "AuthenticationSASL", "two mechanisms", B, 'R');
	P32(10);
	PS("SCRAM-SHA-256-PLUS");
	PS("SCRAM-SHA-256");
	P8(0);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_SASL, "AuthenticationSASL", "empty list", B, 'R');
	P32(10);
	P8(0);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE, "AuthenticationSASLContinue", "", B, 'R');
	P32(11);
	PB("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", 84);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_SASL_FINAL, "AuthenticationSASLFinal", "", B, 'R');
	P32(12);
	PB("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", 46);
	end();
	begin(PGWIRE_MSG_AUTHENTICATION_UNKNOWN, "AuthenticationUnknown", "code 6", B, 'R');
	P32(6);
	PB("xy", 2);
	end();
	begin(PGWIRE_MSG_BACKEND_KEY_DATA, "BackendKeyData", "3.0 4-byte key", B, 'K');
	P32(12345);
	PB(key, 4);
	end();
	begin(PGWIRE_MSG_BACKEND_KEY_DATA, "BackendKeyData", "3.2 32-byte key", B, 'K');
	P32(12345);
	PB(key, 32);
	end();
	begin(PGWIRE_MSG_BIND_COMPLETE, "BindComplete", "", B, '2');
	end();
	begin(PGWIRE_MSG_CLOSE_COMPLETE, "CloseComplete", "", B, '3');
	end();
	begin(PGWIRE_MSG_COMMAND_COMPLETE, "CommandComplete", "", B, 'C');
	PS("SELECT 1");
	end();
	begin(PGWIRE_MSG_COPY_IN_RESPONSE, "CopyInResponse", "text, 3 columns", B, 'G');
	P8(0);
	P16(3);
	P16(0);
	P16(0);
	P16(0);
	end();
	begin(PGWIRE_MSG_COPY_OUT_RESPONSE, "CopyOutResponse", "binary, 2 columns", B, 'H');
	P8(1);
	P16(2);
	P16(1);
	P16(1);
	end();
	begin(PGWIRE_MSG_COPY_BOTH_RESPONSE, "CopyBothResponse", "no columns", B, 'W');
	P8(0);
	P16(0);
	end();
	begin(PGWIRE_MSG_DATA_ROW, "DataRow", "no columns", B, 'D');
	P16(0);
	end();
	begin(PGWIRE_MSG_DATA_ROW, "DataRow", "NULL, empty, text, binary", B, 'D');
	P16(4);
	PV(NULL, 0);
	PV("", 0);
	PV("42", 2);
	PV(binval, sizeof(binval));
	end();
	begin(PGWIRE_MSG_EMPTY_QUERY_RESPONSE, "EmptyQueryResponse", "", B, 'I');
	end();
	begin(PGWIRE_MSG_ERROR_RESPONSE, "ErrorResponse", "", B, 'E');
	P8('S');
	PS("ERROR");
	P8('V');
	PS("ERROR");
	P8('C');
	PS("42P01");
	P8('M');
	PS("relation \"nope\" does not exist");
	P8('P');
	PS("15");
	P8('F');
	PS("parse_relation.c");
	P8('L');
	PS("1392");
	P8('R');
	PS("parserOpenTable");
	P8(0);
	end();
	begin(PGWIRE_MSG_ERROR_RESPONSE, "ErrorResponse", "no fields", B, 'E');
	P8(0);
	end();
	begin(PGWIRE_MSG_NOTICE_RESPONSE, "NoticeResponse", "", B, 'N');
	P8('S');
	PS("NOTICE");
	P8('C');
	PS("00000");
	P8('M');
	PS("table \"t\" does not exist, skipping");
	P8(0);
	end();
	begin(PGWIRE_MSG_FUNCTION_CALL_RESPONSE, "FunctionCallResponse", "value", B, 'V');
	PV(binval, sizeof(binval));
	end();
	begin(PGWIRE_MSG_FUNCTION_CALL_RESPONSE, "FunctionCallResponse", "NULL", B, 'V');
	PV(NULL, 0);
	end();
	begin(PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION, "NegotiateProtocolVersion", "with options",
		  B, 'v');
	P32(3 << 16);
	P32(2);
	PS("_pq_.foo");
	PS("_pq_.bar");
	end();
	begin(PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION, "NegotiateProtocolVersion", "no options",
		  B, 'v');
	P32(3 << 16 | 1);
	P32(0);
	end();
	begin(PGWIRE_MSG_NO_DATA, "NoData", "", B, 'n');
	end();
	begin(PGWIRE_MSG_NOTIFICATION_RESPONSE, "NotificationResponse", "", B, 'A');
	P32(4711);
	PS("chan");
	PS("");
	end();
	begin(PGWIRE_MSG_PARAMETER_DESCRIPTION, "ParameterDescription", "3 types", B, 't');
	P16(3);
	P32(23);
	P32(25);
	P32(-1);
	end();
	begin(PGWIRE_MSG_PARAMETER_DESCRIPTION, "ParameterDescription", "none", B, 't');
	P16(0);
	end();
	begin(PGWIRE_MSG_PARAMETER_STATUS, "ParameterStatus", "", B, 'S');
	PS("server_version");
	PS("15.8");
	end();
	begin(PGWIRE_MSG_PARSE_COMPLETE, "ParseComplete", "", B, '1');
	end();
	begin(PGWIRE_MSG_PORTAL_SUSPENDED, "PortalSuspended", "", B, 's');
	end();
	begin(PGWIRE_MSG_READY_FOR_QUERY, "ReadyForQuery", "idle", B, 'Z');
	P8('I');
	end();
	begin(PGWIRE_MSG_READY_FOR_QUERY, "ReadyForQuery", "failed transaction", B, 'Z');
	P8('E');
	end();
	begin(PGWIRE_MSG_ROW_DESCRIPTION, "RowDescription", "two fields", B, 'T');
	P16(2);
	PS("id");
	P32(16384);
	P16(1);
	P32(23);
	P16(4);
	P32(-1);
	P16(0);
	PS("?column?");
	P32(0);
	P16(0);
	P32(1043);
	P16(-1);
	P32(14);
	P16(1);
	end();
	begin(PGWIRE_MSG_ROW_DESCRIPTION, "RowDescription", "no fields", B, 'T');
	P16(0);
	end();
	begin(PGWIRE_MSG_UNKNOWN, "Unknown", "backend type 'x'", B, 'x');
	end();
	samples[nsamples - 1].ctx.flags = PGWIRE_DECODE_UNKNOWN;
	answer(PGWIRE_MSG_SSL_RESPONSE, "SSLResponse", "'S'", 'S', PGWIRE_PHASE_SSL_ANSWER);
	answer(PGWIRE_MSG_SSL_RESPONSE, "SSLResponse", "'N'", 'N', PGWIRE_PHASE_SSL_ANSWER);
	answer(PGWIRE_MSG_GSSENC_RESPONSE, "GSSENCResponse", "'G'", 'G', PGWIRE_PHASE_GSS_ANSWER);
	answer(PGWIRE_MSG_GSSENC_RESPONSE, "GSSENCResponse", "'N'", 'N', PGWIRE_PHASE_GSS_ANSWER);
}

/* Replication CopyData payloads and pgoutput messages (docs layouts). */
static void
payload_samples(void)
{
	const pgwire_direction B = PGWIRE_BACKEND;
	const pgwire_direction F = PGWIRE_FRONTEND;

	begin_payload(PGWIRE_MSG_XLOG_DATA, "XLogData", "", B, 'w', 1);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	PB(binval, sizeof(binval));
	end_payload();
	begin_payload(PGWIRE_MSG_PRIMARY_KEEPALIVE, "PrimaryKeepalive", "", B, 'k', 1);
	P64(0x16B3780);
	P64(785000000000001LL);
	P8(1);
	end_payload();
	begin_payload(PGWIRE_MSG_STANDBY_STATUS_UPDATE, "StandbyStatusUpdate", "", F, 'r', 1);
	P64(0x16B3780);
	P64(0x16B3700);
	P64(0);
	P64(785000000000002LL);
	P8(0);
	end_payload();
	begin_payload(PGWIRE_MSG_HOT_STANDBY_FEEDBACK, "HotStandbyFeedback", "", F, 'h', 1);
	P64(785000000000003LL);
	P32(735);
	P32(0);
	P32(0);
	P32(0);
	end_payload();
	begin_payload(PGWIRE_MSG_NEW_ARCHIVE, "NewArchive", "", B, 'n', 1);
	PS("base.tar");
	PS("");
	end_payload();
	begin_payload(PGWIRE_MSG_MANIFEST, "Manifest", "", B, 'm', 1);
	end_payload();
	begin_payload(PGWIRE_MSG_ARCHIVE_DATA, "ArchiveOrManifestData", "", B, 'd', 1);
	PB(binval, sizeof(binval));
	end_payload();
	begin_payload(PGWIRE_MSG_PROGRESS_REPORT, "ProgressReport", "", B, 'p', 1);
	P64(123456789);
	end_payload();

	begin_payload(PGWIRE_MSG_LR_BEGIN, "Begin", "", B, 'B', 2);
	P64(0x16B3748);
	P64(785000000000000LL);
	P32(735);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_MESSAGE, "Message", "", B, 'M', 2);
	P8(1);
	P64(0x16B3748);
	PS("my_prefix");
	PV(binval, sizeof(binval));
	end_payload();
	begin_payload(PGWIRE_MSG_LR_MESSAGE, "Message", "in a streamed block", B, 'M', 2);
	P32(736);
	P8(0);
	P64(0x16B3748);
	PS("");
	PV("", 0);
	end_payload();
	samples[nsamples - 1].st.in_stream = 1;
	samples[nsamples - 1].st.stream_xid = 736;
	begin_payload(PGWIRE_MSG_LR_COMMIT, "Commit", "", B, 'C', 2);
	P8(0);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_ORIGIN, "Origin", "", B, 'O', 2);
	P64(0x16B3748);
	PS("node_a");
	end_payload();
	begin_payload(PGWIRE_MSG_LR_RELATION, "Relation", "", B, 'R', 2);
	P32(16384);
	PS("public");
	PS("t");
	P8('d');
	P16(2);
	P8(1);
	PS("id");
	P32(23);
	P32(-1);
	P8(0);
	PS("name");
	P32(1043);
	P32(54);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_TYPE, "Type", "", B, 'Y', 2);
	P32(16390);
	PS("public");
	PS("mood");
	end_payload();
	begin_payload(PGWIRE_MSG_LR_INSERT, "Insert", "", B, 'I', 2);
	P32(16384);
	P8('N');
	P16(4);
	P8('t');
	PV("1", 1);
	P8('n');
	P8('u');
	P8('b');
	PV(binval, sizeof(binval));
	end_payload();
	begin_payload(PGWIRE_MSG_LR_INSERT, "Insert", "in a streamed block", B, 'I', 2);
	P32(736);
	P32(16384);
	P8('N');
	P16(1);
	P8('t');
	PV("2", 1);
	end_payload();
	samples[nsamples - 1].st.in_stream = 1;
	samples[nsamples - 1].st.stream_xid = 736;
	begin_payload(PGWIRE_MSG_LR_UPDATE, "Update", "new tuple only", B, 'U', 2);
	P32(16384);
	P8('N');
	P16(1);
	P8('t');
	PV("x", 1);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_UPDATE, "Update", "old key and new tuple", B, 'U', 2);
	P32(16384);
	P8('K');
	P16(2);
	P8('t');
	PV("1", 1);
	P8('n');
	P8('N');
	P16(2);
	P8('t');
	PV("9", 1);
	P8('u');
	end_payload();
	begin_payload(PGWIRE_MSG_LR_DELETE, "Delete", "", B, 'D', 2);
	P32(16384);
	P8('O');
	P16(1);
	P8('t');
	PV("1", 1);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_TRUNCATE, "Truncate", "", B, 'T', 2);
	P32(2);
	P8(1);
	P32(16384);
	P32(16390);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_STREAM_START, "StreamStart", "", B, 'S', 2);
	P32(736);
	P8(1);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_STREAM_STOP, "StreamStop", "", B, 'E', 2);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_STREAM_COMMIT, "StreamCommit", "", B, 'c', 2);
	P32(736);
	P8(0);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_STREAM_ABORT, "StreamAbort", "", B, 'A', 2);
	P32(736);
	P32(737);
	end_payload();
	begin_payload(PGWIRE_MSG_LR_STREAM_ABORT, "StreamAbort", "parallel apply", B, 'A', 2);
	P32(736);
	P32(736);
	P64(0x16B3748);
	P64(785000000000000LL);
	end_payload();
	samples[nsamples - 1].ok_cut = 8;
	begin_payload(PGWIRE_MSG_LR_BEGIN_PREPARE, "BeginPrepare", "", B, 'b', 2);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	P32(735);
	PS("gid1");
	end_payload();
	begin_payload(PGWIRE_MSG_LR_PREPARE, "Prepare", "", B, 'P', 2);
	P8(0);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	P32(735);
	PS("gid1");
	end_payload();
	begin_payload(PGWIRE_MSG_LR_COMMIT_PREPARED, "CommitPrepared", "", B, 'K', 2);
	P8(0);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	P32(735);
	PS("gid1");
	end_payload();
	begin_payload(PGWIRE_MSG_LR_ROLLBACK_PREPARED, "RollbackPrepared", "", B, 'r', 2);
	P8(0);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	P64(785000000000001LL);
	P32(735);
	PS("gid1");
	end_payload();
	begin_payload(PGWIRE_MSG_LR_STREAM_PREPARE, "StreamPrepare", "", B, 'p', 2);
	P8(0);
	P64(0x16B3748);
	P64(0x16B3780);
	P64(785000000000000LL);
	P32(736);
	PS("gid2");
	end_payload();
}

static const char *
desc(const sample *s)
{
	static char d[160];

	snprintf(d, sizeof(d), "%s %s%s%s", s->dir == PGWIRE_FRONTEND ? "F" : "B", s->name,
			 s->label[0] ? " " : "", s->label);
	return d;
}

/* ---- helpers ------------------------------------------------------------ */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

/* Frame (with the sample's phase) and decode buf; status of the first failure. */
static int
decode_as(const sample *s, const uint8_t *buf, size_t len, pgwire_msg *m, pgwire_error *err)
{
	pgwire_frame f;
	int			rc;

	if (s->payload == 1)
		return pgwire_decode_replication_bytes(buf, len, s->dir, 0, m, err);
	if (s->payload == 2)
		return pgwire_decode_pgoutput(buf, len, s->proto, &s->st, m, err);
	rc = pgwire_frame_parse(buf, len, s->dir, s->phase, NULL, 0, &f, err);
	if (rc != PGWIRE_OK)
		return rc;
	if (f.raw_len != len)
		return pgwire_error_set(err, PGWIRE_ERR_EXTRA_DATA, f.raw_len, "frame is shorter");
	return pgwire_decode(&f, &s->ctx, m, err);
}

/* Header bytes before the body: type byte and length word. */
static size_t
header_len(const sample *s)
{
	if (s->payload)
		return 1;
	if (s->len == 1)
		return 0;
	return s->bytes[0] == 0 ? 4 : 5;
}

/*
 * pgwire_decode_bytes takes the buffer as the whole message: one backend
 * 'S'/'N'/'G' byte is an SSL/GSS answer (marked inferred), longer buffers
 * follow PGWIRE_PHASE_AUTO (check_backend_auto()).  Payloads have no
 * framing.
 */
static int
decode_bytes_applies(const sample *s)
{
	return !s->payload;
}

/* A one-byte prefix that pgwire_decode_bytes rightly takes for an answer. */
static int
lone_answer_prefix(const sample *s, size_t n)
{
	return n == 1 && s->dir == PGWIRE_BACKEND &&
		(s->bytes[0] == 'S' || s->bytes[0] == 'N' || s->bytes[0] == 'G');
}

/* ---- per-sample checks -------------------------------------------------- */

static void
check_roundtrip(const sample *s)
{
	pgwire_msg	m;
	pgwire_error err;
	pgwire_buf	out;
	int			rc;

	rc = decode_as(s, s->bytes, s->len, &m, &err);
	ok_int(rc, PGWIRE_OK, "%s: decodes", desc(s));
	if (rc != PGWIRE_OK)
	{
		diag("%s at %zu: %s", pgwire_status_name(rc), err.offset, err.detail);
		return;
	}
	ok(m.kind == s->kind && strcmp(pgwire_msg_name(m.kind), s->name) == 0,
	   "%s: kind %d name \"%s\"", desc(s), (int) m.kind, pgwire_msg_name(m.kind));
	pgwire_buf_init(&out, NULL);
	rc = s->payload ? pgwire_encode_payload(&m, &out, &err) : pgwire_encode(&m, &out, NULL, &err);
	ok(rc == PGWIRE_OK && out.len == s->len && memcmp(out.data, s->bytes, s->len) == 0,
	   "%s: encode(decode(b)) == b (%zu bytes)", desc(s), s->len);
	pgwire_buf_free(&out);

	if (decode_bytes_applies(s) && s->ctx.flags == 0)
	{
		/* a lone 'N' refuses either request; which one is not known */
		pgwire_msg_kind want = s->len == 1 && s->bytes[0] == 'N' ? PGWIRE_MSG_SSL_RESPONSE
			: s->kind;

		rc = pgwire_decode_bytes(s->bytes, s->len, s->dir, &s->ctx, &m, &err);
		ok(rc == PGWIRE_OK && m.kind == want && (s->len > 1 || m.inferred),
		   "%s: pgwire_decode_bytes", desc(s));
	}
	/* 'p' forms that the bytes identify are inferred the same without context */
	if (s->ctx.auth_response != PGWIRE_MSG_INVALID &&
		s->ctx.auth_response != PGWIRE_MSG_GSS_RESPONSE)
	{
		rc = pgwire_decode_bytes(s->bytes, s->len, s->dir, NULL, &m, &err);
		ok(rc == PGWIRE_OK && m.kind == s->kind && m.inferred,
		   "%s: inferred without context", desc(s));
	}
}

static void
check_prefixes(const sample *s)
{
	int			bad_frame = 0,
				bad_bytes = 0;
	pgwire_frame f;
	pgwire_msg	m;
	pgwire_error err;

	for (size_t n = 0; n < s->len; n++)
	{
		if (pgwire_frame_parse(s->bytes, n, s->dir, s->phase, NULL, 0, &f, &err)
			!= PGWIRE_INCOMPLETE)
			bad_frame++;
		if (decode_bytes_applies(s) && !lone_answer_prefix(s, n) &&
			pgwire_decode_bytes(s->bytes, n, s->dir, &s->ctx, &m, &err) != PGWIRE_INCOMPLETE)
			bad_bytes++;
	}
	ok(bad_frame == 0 && bad_bytes == 0,
	   "%s: all %zu proper prefixes incomplete (%d frame, %d decode_bytes wrong)",
	   desc(s), s->len, bad_frame, bad_bytes);
}

/* ---- where a cut body must fail ----------------------------------------- */

/*
 * The wire pieces of a message in order, from pgwire_walk: scalar fields,
 * Strings, values, group count words, list terminators; groups of a single
 * scalar (format codes, OIDs) are checked as one array by the decoder, so
 * they are one piece here.
 */
typedef struct piece
{
	uint64_t	off;
	size_t		len;
	uint8_t		type;
	uint8_t		rest;			/* Byten taking the rest of the message */
} piece;

typedef struct pieces
{
	piece		p[2048];
	int			n;
	int			skip_depth;		/* inside a scalar array: skip events */
} pieces;

static int
collect(void *arg, const pgwire_visit *v)
{
	pieces	   *ps = arg;
	piece	   *pc;

	if (v->event == PGWIRE_EV_TYPE || v->event == PGWIRE_EV_LENGTH ||
		v->event == PGWIRE_EV_ELEM_BEGIN || v->event == PGWIRE_EV_ELEM_END)
		return 0;
	if (ps->skip_depth >= 0)
	{
		if (v->event == PGWIRE_EV_GROUP_END && v->depth == ps->skip_depth)
			ps->skip_depth = -1;
		return 0;
	}
	if (ps->n >= 2047)
		return 1;
	pc = &ps->p[ps->n];
	memset(pc, 0, sizeof(*pc));
	pc->off = v->offset;
	pc->len = v->len;
	if (v->event == PGWIRE_EV_GROUP_BEGIN)
	{
		const pgwire_field *ef = v->field->elem->fields;

		if (v->len)
			ps->n++;
		if (v->field->elem->nfields == 1 && ef->type != PGWIRE_T_STRING &&
			ef->type != PGWIRE_T_VALUE && ef->type != PGWIRE_T_BYTES &&
			ef->type != PGWIRE_T_TUPLE_COLUMN &&
			v->field->type != PGWIRE_T_LIST)
		{
			/* the array of scalars: one piece up to the group's end */
			pc = &ps->p[ps->n++];
			memset(pc, 0, sizeof(*pc));
			pc->off = v->offset + v->len;
			pc->len = (size_t) -1;	/* filled at GROUP_END */
			ps->skip_depth = v->depth;
			pc->type = 0xff;
		}
		return 0;
	}
	if (v->event == PGWIRE_EV_GROUP_END)
	{
		if (v->len)
			ps->n++;
		return 0;
	}
	pc->type = v->field->type;
	pc->rest = v->field->type == PGWIRE_T_BYTES && v->field->size == 0;
	ps->n++;
	return 0;
}

/*
 * Expected outcome of decoding the message cut to end offset e: -1 if it
 * still decodes (the cut fell into a rest-of-message Byten or after the
 * last piece), else the offset PGWIRE_ERR_TRUNCATED must report.
 */
static int64_t
expected_cut(const pieces *ps, uint64_t e)
{
	for (int i = 0; i < ps->n; i++)
	{
		const piece *pc = &ps->p[i];

		if (pc->rest)
			return -1;
		if (pc->off + pc->len <= e && pc->len != (size_t) -1)
			continue;
		if (pc->len == (size_t) -1)
		{
			/* array end = next piece's start, or the message end */
			uint64_t	aend = i + 1 < ps->n ? ps->p[i + 1].off : (uint64_t) -1;

			if (aend <= e)
				continue;
			return (int64_t) pc->off;
		}
		if (pc->type == PGWIRE_T_VALUE && e >= pc->off + 4)
			return (int64_t) (pc->off + 4);
		/* TupleData column: kind byte, then for 't'/'b' Int32 n, Byten */
		if (pc->type == PGWIRE_T_TUPLE_COLUMN && pc->len > 1 && e >= pc->off + 1)
			return (int64_t) (e >= pc->off + 5 ? pc->off + 5 : pc->off + 1);
		return (int64_t) pc->off;
	}
	return -1;
}

static void
check_cuts(const sample *s)
{
	pieces	   *ps = calloc(1, sizeof(pieces));
	pgwire_msg	m;
	pgwire_error err;
	size_t		hdr = header_len(s);
	size_t		body = s->len - hdr;
	uint8_t    *buf = malloc(s->len + 8);
	int			bad = 0,
				tested = 0;

	ps->skip_depth = -1;
	if (decode_as(s, s->bytes, s->len, &m, &err) != PGWIRE_OK ||
		pgwire_walk(&m, collect, ps) != 0)
	{
		ok(0, "%s: walk for cut test", desc(s));
		goto out;
	}
	/* untyped packets need at least the length word and the code */
	for (size_t k = hdr == 4 ? 4 : 0; k < body; k++)
	{
		int64_t		want = expected_cut(ps, hdr + k);
		int			rc;

		memcpy(buf, s->bytes, hdr + k);
		if (!s->payload)
			put32(buf + (hdr == 5 ? 1 : 0), (uint32_t) (k + 4));
		rc = decode_as(s, buf, hdr + k, &m, &err);
		tested++;
		if ((long) k == s->ok_cut)
			want = -1;
		else if (s->ok_cut >= 0 && (long) k > s->ok_cut)
			want = -2;			/* the shorter form, then trailing bytes */
		if (want == -2 ? (rc != PGWIRE_ERR_TRAILING || err.offset != hdr + (size_t) s->ok_cut)
			: want < 0 ? rc != PGWIRE_OK
			: (rc != PGWIRE_ERR_TRUNCATED || err.offset != (size_t) want))
		{
			if (bad++ < 3)
				diag("%s cut to %zu body bytes: %s at %zu (want %s at %lld): %s", desc(s), k,
					 pgwire_status_name(rc), rc < 0 ? err.offset : 0,
					 want < 0 ? "OK" : "TRUNCATED", (long long) want,
					 rc < 0 ? err.detail : "");
		}
	}
	ok(bad == 0, "%s: %d shortened bodies fail at the cut field", desc(s), tested);
out:
	free(buf);
	free(ps);
}

static void
check_trailing(const sample *s)
{
	pieces	   *ps = calloc(1, sizeof(pieces));
	pgwire_msg	m;
	pgwire_error err;
	size_t		hdr = header_len(s);
	uint8_t    *buf = malloc(s->len + 3);
	int			rc;
	int			rest;

	ps->skip_depth = -1;
	if (decode_as(s, s->bytes, s->len, &m, &err) != PGWIRE_OK ||
		pgwire_walk(&m, collect, ps) != 0)
	{
		ok(0, "%s: walk for trailing test", desc(s));
		goto out;
	}
	rest = ps->n > 0 && ps->p[ps->n - 1].rest;
	memcpy(buf, s->bytes, s->len);
	memcpy(buf + s->len, "\x01\x02\x03", 3);
	if (!s->payload)
		put32(buf + (hdr == 5 ? 1 : 0), (uint32_t) (s->len - hdr + 4 + 3));
	rc = decode_as(s, buf, s->len + 3, &m, &err);
	if (s->ok_cut >= 0)
		ok(rc == PGWIRE_ERR_TRAILING && err.offset == hdr + (size_t) s->ok_cut,
		   "%s: 3 extra bytes: the shorter form, TRAILING after it", desc(s));
	else if (rest)
		ok(rc == PGWIRE_OK, "%s: 3 more bytes go into the last Byten", desc(s));
	else
	{
		ok(rc == PGWIRE_ERR_TRAILING && err.offset == s->len,
		   "%s: 3 extra bytes inside the length: TRAILING at %zu", desc(s), s->len);
		if (rc != PGWIRE_ERR_TRAILING || err.offset != s->len)
			diag("got %s at %zu: %s", pgwire_status_name(rc), rc < 0 ? err.offset : 0,
				 rc < 0 ? err.detail : "");
	}
out:
	free(buf);
	free(ps);
}

/* picohttpparser's trick: the input ends right where a PROT_NONE page starts. */
static uint8_t *guard_base;
static size_t page;

static void
guard_setup(void)
{
	page = (size_t) sysconf(_SC_PAGESIZE);
	guard_base = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED || mprotect(guard_base + page, page, PROT_NONE) != 0)
	{
		ok(0, "mmap guard page");
		exit(1);
	}
}

static int
visit_all(void *arg, const pgwire_visit *v)
{
	size_t	   *sum = arg;

	for (size_t i = 0; i < v->len; i++)
		*sum += v->raw[i];
	for (size_t i = 0; i < v->dlen; i++)
		*sum += v->data[i];
	return 0;
}

/* Touch every element of every group with the iterators. */
static size_t
iterate_groups(const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_value v;
	pgwire_column c;
	pgwire_error_field ef;
	pgwire_parameter p;
	pgwire_slice s;
	size_t		sum = 0;

	switch (m->kind)
	{
		case PGWIRE_MSG_DATA_ROW:
			pgwire_iter_init(&it, &m->u.data_row.values);
			while (pgwire_next_value(&it, &v))
				for (int32_t i = 0; i < v.len; i++)
					sum += v.ptr[i];
			break;
		case PGWIRE_MSG_BIND:
			pgwire_iter_init(&it, &m->u.bind.parameters);
			while (pgwire_next_value(&it, &v))
				for (int32_t i = 0; i < v.len; i++)
					sum += v.ptr[i];
			break;
		case PGWIRE_MSG_ROW_DESCRIPTION:
			pgwire_iter_init(&it, &m->u.row_description.fields);
			while (pgwire_next_column(&it, &c))
				sum += c.name.len + c.type_oid;
			break;
		case PGWIRE_MSG_ERROR_RESPONSE:
		case PGWIRE_MSG_NOTICE_RESPONSE:
			pgwire_iter_init(&it, &m->u.error_response.fields);
			while (pgwire_next_error_field(&it, &ef))
				sum += ef.code + ef.value.len;
			break;
		case PGWIRE_MSG_STARTUP_MESSAGE:
			pgwire_iter_init(&it, &m->u.startup_message.parameters);
			while (pgwire_next_parameter(&it, &p))
				sum += p.name.len + p.value.len;
			break;
		case PGWIRE_MSG_AUTHENTICATION_SASL:
			pgwire_iter_init(&it, &m->u.authentication_sasl.mechanisms);
			while (pgwire_next_string(&it, &s))
				sum += s.len;
			break;
		case PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION:
			pgwire_iter_init(&it, &m->u.negotiate_protocol_version.unrecognized_options);
			while (pgwire_next_string(&it, &s))
				sum += s.len;
			break;
		default:
			break;
	}
	return sum;
}

static void
check_guard(const sample *s)
{
	uint8_t    *at;
	pgwire_frame f;
	pgwire_msg	m;
	pgwire_error err;
	size_t		sum = 0;
	int			full_ok = 0;

	if (s->len > page)
	{
		ok(0, "%s: fits a page", desc(s));
		return;
	}
	for (size_t n = 0; n <= s->len; n++)
	{
		at = guard_base + page - n;
		memcpy(at, s->bytes, n);
		(void) pgwire_frame_parse(at, n, s->dir, s->phase, NULL, 0, &f, &err);
		(void) pgwire_decode_bytes(at, n, s->dir, &s->ctx, &m, &err);
		if (n == s->len && decode_as(s, at, n, &m, &err) == PGWIRE_OK)
		{
			full_ok = 1;
			pgwire_walk(&m, visit_all, &sum);
			sum += iterate_groups(&m);
		}
	}
	/* cut bodies too, each ending at the guard page */
	if (header_len(s) > 0)
	{
		size_t		hdr = header_len(s);

		for (size_t k = 0; hdr + k < s->len; k++)
		{
			at = guard_base + page - (hdr + k);
			memcpy(at, s->bytes, hdr + k);
			if (!s->payload)
				put32(at + (hdr == 5 ? 1 : 0), (uint32_t) (k + 4));
			if (decode_as(s, at, hdr + k, &m, &err) == PGWIRE_OK)
			{
				pgwire_walk(&m, visit_all, &sum);
				sum += iterate_groups(&m);
			}
		}
	}
	ok(full_ok, "%s: every prefix and cut before a guard page (checksum %zu)", desc(s), sum);
}

/* ---- whole-catalogue and targeted checks -------------------------------- */

static void
check_catalogue_coverage(void)
{
	int			missing = 0;

	for (int k = PGWIRE_MSG_INVALID + 1; k < PGWIRE_MSG__COUNT; k++)
	{
		const pgwire_msgdef *d = pgwire_msgdef_get((pgwire_msg_kind) k);
		int			found = 0;

		if (d == NULL || d->name == NULL)
		{
			ok(0, "catalogue entry for kind %d", k);
			continue;
		}
		for (int i = 0; i < nsamples; i++)
			if (samples[i].kind == (pgwire_msg_kind) k)
				found = 1;
		if (!found)
		{
			missing++;
			ok(0, "kind %d %s has a sample", k, d->name);
		}
	}
	ok(missing == 0, "every one of the %d catalogue kinds has a sample (%d samples)",
	   PGWIRE_MSG__COUNT - 1, nsamples);
}

static int
frame_status(const uint8_t *buf, size_t len, pgwire_direction dir, pgwire_phase ph,
			 const pgwire_limits *lim, pgwire_error *err)
{
	pgwire_frame f;

	return pgwire_frame_parse(buf, len, dir, ph, lim, 0, &f, err);
}

static void
check_lengths(void)
{
	uint8_t		b[16];
	pgwire_error err;
	int			rc;
	pgwire_limits lim = *pgwire_default_limits();

	ok(lim.startup_min == 8 && lim.startup_max == 10004 && lim.small_max == 10000 &&
	   lim.large_max == 0x3FFFFFFE, "default limits 8..10004, 10000, 0x3FFFFFFE");

	/* small frontend types: PQ_SMALL_MESSAGE_LIMIT */
	const char *small = "CDEHSXcf";

	for (const char *t = small; *t; t++)
	{
		b[0] = (uint8_t) *t;
		put32(b + 1, 10001);
		rc = frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, NULL, &err);
		ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1,
		   "F '%c' length 10001: LENGTH at offset 1", *t);
		put32(b + 1, 10000);
		ok_int(frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, NULL, &err),
			   PGWIRE_INCOMPLETE, "F '%c' length 10000: incomplete", *t);
	}
	b[0] = 'Q';
	put32(b + 1, 10001);
	ok_int(frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, NULL, &err),
		   PGWIRE_INCOMPLETE, "F 'Q' length 10001 is allowed (large type)");
	put32(b + 1, 0x3FFFFFFF);
	rc = frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, NULL, &err);
	ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "F 'Q' length 0x3FFFFFFF: LENGTH");
	/* backend: every type over large_max */
	b[0] = 'D';
	put32(b + 1, 0x3FFFFFFF);
	rc = frame_status(b, 5, PGWIRE_BACKEND, PGWIRE_PHASE_TYPED, NULL, &err);
	ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "B 'D' length 0x3FFFFFFF: LENGTH at 1");
	put32(b + 1, 0x3FFFFFFE);
	ok_int(frame_status(b, 5, PGWIRE_BACKEND, PGWIRE_PHASE_TYPED, NULL, &err),
		   PGWIRE_INCOMPLETE, "B 'D' length 0x3FFFFFFE: incomplete");
	put32(b + 1, 0xFFFFFFFF);
	rc = frame_status(b, 5, PGWIRE_BACKEND, PGWIRE_PHASE_TYPED, NULL, &err);
	ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "B 'D' length 0xFFFFFFFF (-1): LENGTH");
	b[0] = 'C';
	put32(b + 1, 10001);
	ok_int(frame_status(b, 5, PGWIRE_BACKEND, PGWIRE_PHASE_TYPED, NULL, &err),
		   PGWIRE_INCOMPLETE, "B 'C' length 10001: incomplete (small limit is frontend only)");
	for (uint32_t l = 0; l < 4; l++)
	{
		b[0] = 'Z';
		put32(b + 1, l);
		rc = frame_status(b, 5, PGWIRE_BACKEND, PGWIRE_PHASE_TYPED, NULL, &err);
		ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "B 'Z' length %u < 4: LENGTH at 1", l);
		b[0] = 'Q';
		rc = frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_AUTO, NULL, &err);
		ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "F 'Q' length %u < 4: LENGTH at 1", l);
	}
	/* untyped packets: 8..10004 */
	{
		uint32_t	badlen[] = {0, 4, 7, 10005, 0x00FFFFFF};

		for (size_t i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++)
		{
			put32(b, badlen[i]);
			rc = frame_status(b, 8, PGWIRE_FRONTEND, PGWIRE_PHASE_STARTUP, NULL, &err);
			ok(rc == PGWIRE_ERR_LENGTH && err.offset == 0,
			   "startup length %u: LENGTH at 0", badlen[i]);
		}
		put32(b, 10004);
		ok_int(frame_status(b, 8, PGWIRE_FRONTEND, PGWIRE_PHASE_STARTUP, NULL, &err),
			   PGWIRE_INCOMPLETE, "startup length 10004: incomplete");
		put32(b, 10005);
		rc = pgwire_decode_bytes(b, 8, PGWIRE_FRONTEND, NULL, NULL, &err);
		ok(rc == PGWIRE_ERR_LENGTH || rc == PGWIRE_ERR_ARGUMENT,
		   "decode_bytes startup 10005: an error");
	}
	/* configured limits */
	lim.small_max = 100;
	lim.large_max = 1000;
	lim.startup_max = 50;
	b[0] = 'S';
	put32(b + 1, 101);
	rc = frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, &lim, &err);
	ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1, "small_max 100: F 'S' 101 is LENGTH");
	b[0] = 'Q';
	put32(b + 1, 1001);
	rc = frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, &lim, &err);
	ok(rc == PGWIRE_ERR_LENGTH, "large_max 1000: F 'Q' 1001 is LENGTH");
	put32(b + 1, 1000);
	ok_int(frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, &lim, &err),
		   PGWIRE_INCOMPLETE, "large_max 1000: F 'Q' 1000 incomplete");
	put32(b, 51);
	rc = frame_status(b, 8, PGWIRE_FRONTEND, PGWIRE_PHASE_STARTUP, &lim, &err);
	ok(rc == PGWIRE_ERR_LENGTH, "startup_max 50: 51 is LENGTH");
	ok(pgwire_type_limit(&lim, PGWIRE_FRONTEND, 'X') == 100 &&
	   pgwire_type_limit(&lim, PGWIRE_FRONTEND, 'B') == 1000 &&
	   pgwire_type_limit(&lim, PGWIRE_BACKEND, 'X') == 1000, "pgwire_type_limit");
	/* base offset is added */
	b[0] = 'Q';
	put32(b + 1, 2);
	{
		pgwire_frame f;

		rc = pgwire_frame_parse(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_TYPED, NULL, 1000, &f, &err);
		ok(rc == PGWIRE_ERR_LENGTH && err.offset == 1001, "error offset includes base_offset");
	}
	ok_int(frame_status(b, 5, PGWIRE_FRONTEND, PGWIRE_PHASE_ENCRYPTED, NULL, &err),
		   PGWIRE_ERR_ENCRYPTED, "encrypted phase: ENCRYPTED");
	b[0] = 'X';
	rc = frame_status(b, 1, PGWIRE_BACKEND, PGWIRE_PHASE_SSL_ANSWER, NULL, &err);
	ok(rc == PGWIRE_ERR_UNKNOWN_TYPE && err.offset == 0, "SSL answer 'X': UNKNOWN_TYPE");
	b[0] = 'G';
	ok_int(frame_status(b, 1, PGWIRE_BACKEND, PGWIRE_PHASE_SSL_ANSWER, NULL, &err),
		   PGWIRE_ERR_UNKNOWN_TYPE, "SSL answer 'G': UNKNOWN_TYPE");
	/* docs: a pre-12 server answers GSSENCRequest with an ErrorResponse */
	b[0] = 'E';
	ok_int(frame_status(b, 1, PGWIRE_BACKEND, PGWIRE_PHASE_GSS_ANSWER, NULL, &err),
		   PGWIRE_INCOMPLETE, "GSS answer phase: 'E' starts an ErrorResponse (incomplete)");
	{
		static const uint8_t e[] = {'E', 0, 0, 0, 12, 'S', 'F', 'A', 'T', 'A', 'L', 0, 0};
		pgwire_frame f;

		rc = pgwire_frame_parse(e, sizeof(e), PGWIRE_BACKEND, PGWIRE_PHASE_GSS_ANSWER, NULL, 0,
								&f, &err);
		ok(rc == PGWIRE_OK && f.kind == PGWIRE_FRAME_TYPED && f.raw_len == sizeof(e),
		   "GSS answer phase: a whole ErrorResponse is a typed frame");
	}
}

static void
check_unknown_types(void)
{
	static const char *known_f = "BCfDEHFPQSXdcp";
	static const char *known_b = "RK23CdcGHWDIEVvnNAtS1sZT";
	int			bad = 0,
				bad_flag = 0;

	for (int d = 0; d < 2; d++)
	{
		const char *known = d == 0 ? known_f : known_b;

		for (int t = 1; t < 256; t++)
		{
			uint8_t		b[5] = {(uint8_t) t, 0, 0, 0, 4};
			pgwire_frame f;
			pgwire_msg	m;
			pgwire_error err;
			pgwire_context ctx = {PGWIRE_MSG_INVALID, PGWIRE_DECODE_UNKNOWN};
			int			rc;

			if (strchr(known, t))
				continue;
			pgwire_frame_parse(b, 5, (pgwire_direction) d, PGWIRE_PHASE_TYPED, NULL, 0, &f, &err);
			rc = pgwire_decode(&f, NULL, &m, &err);
			if (rc != PGWIRE_ERR_UNKNOWN_TYPE || err.offset != 0)
				bad++;
			rc = pgwire_decode(&f, &ctx, &m, &err);
			if (rc != PGWIRE_OK || m.kind != PGWIRE_MSG_UNKNOWN || m.u.unknown.type != t)
				bad_flag++;
		}
	}
	ok(bad == 0, "every type byte the docs do not list: UNKNOWN_TYPE at offset 0 (%d wrong)", bad);
	ok(bad_flag == 0, "with PGWIRE_DECODE_UNKNOWN: kind Unknown with the type byte (%d wrong)",
	   bad_flag);
	{
		uint8_t		b[8];
		pgwire_msg	m;
		pgwire_error err;
		int			rc;

		put32(b, 8);
		put32(b + 4, 1234 << 16 | 5681);
		rc = pgwire_decode_bytes(b, 8, PGWIRE_FRONTEND, NULL, &m, &err);
		ok(rc == PGWIRE_ERR_UNKNOWN_TYPE && err.offset == 4,
		   "untyped code 1234.5681: UNKNOWN_TYPE at offset 4");
		put32(b + 4, 2 << 16);
		rc = pgwire_decode_bytes(b, 8, PGWIRE_FRONTEND, NULL, &m, &err);
		ok(rc == PGWIRE_ERR_UNKNOWN_TYPE && err.offset == 4, "protocol 2.0 startup: UNKNOWN_TYPE");
	}
}

/*
 * Fixed codes (Authentication codes, request codes) also select the kind,
 * so a different code gives another kind or an error, never the same kind
 * with a wrong code.
 */
static void
check_fixed_codes(void)
{
	int			bad = 0,
				tested = 0;

	for (int i = 0; i < nsamples; i++)
	{
		const sample *s = &samples[i];
		const pgwire_msgdef *d = pgwire_msgdef_get(s->kind);
		size_t		hdr = header_len(s);
		uint64_t	off = hdr;

		if (s->len == 1 || d->layout.nfields == 0 ||
			!(d->layout.fields[0].flags & PGWIRE_F_FIXED))
			continue;
		for (uint32_t delta = 1; delta < 40; delta += 3)
		{
			uint8_t    *b = malloc(s->len);
			pgwire_msg	m;
			pgwire_error err;
			uint32_t	code = ((uint32_t) s->bytes[off] << 24 | (uint32_t) s->bytes[off + 1] << 16 |
								(uint32_t) s->bytes[off + 2] << 8 | s->bytes[off + 3]);
			int			rc;

			memcpy(b, s->bytes, s->len);
			put32(b + off, code + delta);
			rc = decode_as(s, b, s->len, &m, &err);
			tested++;
			if (rc == PGWIRE_OK && m.kind == s->kind)
				bad++;
			else if (rc != PGWIRE_OK && rc != PGWIRE_ERR_UNKNOWN_TYPE &&
					 rc != PGWIRE_ERR_BAD_VALUE && rc != PGWIRE_ERR_TRUNCATED &&
					 rc != PGWIRE_ERR_TRAILING)
				bad++;
			free(b);
		}
	}
	ok(bad == 0 && tested > 0, "%d changed fixed codes never decode as the same kind", tested);
}

static void
check_bad_values(void)
{
	pgwire_buf	b;
	pgwire_writer w;
	pgwire_msg	m;
	pgwire_error err;
	int			rc;

	/* DataRow: value length -2 at body offset 2+4+1 */
	pgwire_buf_init(&b, NULL);
	pgwire_msg_begin(&w, &b, 'D', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 2);
	pgwire_put_value(&w, "x", 1);
	pgwire_put_int32(&w, -2);
	pgwire_msg_end(&w);
	rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 12,
	   "DataRow value length -2: BAD_VALUE at offset 12 (got %s at %zu)",
	   pgwire_status_name(rc), err.offset);
	pgwire_buf_reset(&b);
	pgwire_msg_begin(&w, &b, 'D', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 1);
	pgwire_put_int32(&w, INT32_MIN);
	pgwire_msg_end(&w);
	rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 7, "DataRow value length INT32_MIN: BAD_VALUE at 7");

	/* Bind parameter -2 */
	pgwire_buf_reset(&b);
	pgwire_msg_begin(&w, &b, 'B', PGWIRE_FRONTEND, NULL);
	pgwire_put_cstring(&w, "");
	pgwire_put_cstring(&w, "");
	pgwire_put_count16(&w, 0);
	pgwire_put_count16(&w, 1);
	pgwire_put_int32(&w, -2);
	pgwire_put_count16(&w, 0);
	pgwire_msg_end(&w);
	rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_FRONTEND, NULL, &m, &err);
	ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 11, "Bind parameter length -2: BAD_VALUE at 11");

	/* FunctionCallResponse result -2 */
	pgwire_buf_reset(&b);
	pgwire_msg_begin(&w, &b, 'V', PGWIRE_BACKEND, NULL);
	pgwire_put_int32(&w, -2);
	pgwire_msg_end(&w);
	rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 5, "FunctionCallResponse length -2: BAD_VALUE at 5");

	/* SASLInitialResponse data length -2 (context given) */
	{
		pgwire_context ctx = {PGWIRE_MSG_SASL_INITIAL_RESPONSE, 0};

		pgwire_buf_reset(&b);
		pgwire_msg_begin(&w, &b, 'p', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "SCRAM-SHA-256");
		pgwire_put_int32(&w, -2);
		pgwire_msg_end(&w);
		rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_FRONTEND, &ctx, &m, &err);
		ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 19,
		   "SASLInitialResponse length -2: BAD_VALUE at 19");
	}

	/* NegotiateProtocolVersion option count -1 */
	pgwire_buf_reset(&b);
	pgwire_msg_begin(&w, &b, 'v', PGWIRE_BACKEND, NULL);
	pgwire_put_int32(&w, 3 << 16);
	pgwire_put_int32(&w, -1);
	pgwire_msg_end(&w);
	rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 9,
	   "NegotiateProtocolVersion count -1: BAD_VALUE at 9");
	pgwire_buf_free(&b);

	/* pgoutput: the fixed 'N' of Insert, a column kind, negative lengths */
	{
		static const uint8_t ins_x[] = {'I', 0, 0, 0x40, 0, 'X', 0, 1, 'n'};
		static const uint8_t ins_col[] = {'I', 0, 0, 0x40, 0, 'N', 0, 2, 'n', 'z'};
		static const uint8_t trunc_neg[] = {'T', 0xff, 0xff, 0xff, 0xff, 0};
		static const uint8_t msg_neg[] = {'M', 1, 0, 0, 0, 0, 0, 0, 0, 1, 'p', 0,
		0xff, 0xff, 0xff, 0xfe};

		rc = pgwire_decode_pgoutput(ins_x, sizeof(ins_x), 1, NULL, &m, &err);
		ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 5,
		   "pgoutput Insert with tuple kind 'X' (fixed 'N'): BAD_VALUE at 5 (got %s at %zu)",
		   pgwire_status_name(rc), err.offset);
		rc = pgwire_decode_pgoutput(ins_col, sizeof(ins_col), 1, NULL, &m, &err);
		ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 9,
		   "pgoutput column kind 'z': BAD_VALUE at 9 (got %s at %zu)",
		   pgwire_status_name(rc), err.offset);
		rc = pgwire_decode_pgoutput(trunc_neg, sizeof(trunc_neg), 1, NULL, &m, &err);
		ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 1,
		   "pgoutput Truncate count -1: BAD_VALUE at 1 (got %s at %zu)",
		   pgwire_status_name(rc), err.offset);
		rc = pgwire_decode_pgoutput(msg_neg, sizeof(msg_neg), 1, NULL, &m, &err);
		ok(rc == PGWIRE_ERR_BAD_VALUE && err.offset == 12,
		   "pgoutput Message content length -2: BAD_VALUE at 12 (got %s at %zu)",
		   pgwire_status_name(rc), err.offset);
	}
}

/* Documented results of each entry point, for the garbage test. */
static int
frame_status_ok(int rc)
{
	return rc == PGWIRE_OK || rc == PGWIRE_INCOMPLETE || rc == PGWIRE_ERR_LENGTH ||
		rc == PGWIRE_ERR_UNKNOWN_TYPE;
}

static int
decode_status_ok(int rc)
{
	return rc == PGWIRE_OK || rc == PGWIRE_ERR_UNKNOWN_TYPE || rc == PGWIRE_ERR_TRUNCATED ||
		rc == PGWIRE_ERR_TRAILING || rc == PGWIRE_ERR_BAD_VALUE;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t
rng(void)
{
	/* xorshift64*: seeded, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t) ((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static int
payload_roundtrip(const pgwire_msg *m, const uint8_t *buf, size_t len, int *decoded)
{
	pgwire_buf	out;
	pgwire_error err;
	size_t		sum = 0;
	int			bad = 0;

	(*decoded)++;
	pgwire_buf_init(&out, NULL);
	if (pgwire_encode_payload(m, &out, &err) != PGWIRE_OK || out.len != len ||
		memcmp(out.data, buf, len) != 0)
	{
		bad = 1;
		diag("payload round trip of %s (%zu bytes) gives %zu bytes", pgwire_msg_name(m->kind),
			 len, out.len);
	}
	pgwire_buf_free(&out);
	pgwire_walk(m, visit_all, &sum);
	return bad;
}

/* Decode buf every way; 0 if every status was documented and OK ones round-trip. */
static int
garbage_one(const uint8_t *buf, size_t len, int *decoded)
{
	static const pgwire_phase phases[] = {
		PGWIRE_PHASE_AUTO, PGWIRE_PHASE_STARTUP, PGWIRE_PHASE_SSL_ANSWER,
		PGWIRE_PHASE_GSS_ANSWER, PGWIRE_PHASE_TYPED
	};
	int			bad = 0;

	for (int d = 0; d < 2; d++)
		for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++)
		{
			pgwire_frame f;
			pgwire_msg	m;
			pgwire_error err;
			pgwire_context ctx = {PGWIRE_MSG_INVALID, PGWIRE_DECODE_UNKNOWN};
			int			rc = pgwire_frame_parse(buf, len, (pgwire_direction) d, phases[p],
												NULL, 0, &f, &err);

			if (!frame_status_ok(rc))
			{
				if (bad++ < 3)
					diag("frame_parse: %s", pgwire_status_name(rc));
			}
			if (rc != PGWIRE_OK)
				continue;
			for (int c = 0; c < 2; c++)
			{
				rc = pgwire_decode(&f, c ? &ctx : NULL, &m, &err);
				if (!decode_status_ok(rc))
				{
					if (bad++ < 3)
						diag("decode: %s", pgwire_status_name(rc));
				}
				/* typed frames of type 0: see check_unknown_type_zero() */
				if (rc == PGWIRE_OK && !(f.kind == PGWIRE_FRAME_TYPED && f.type == 0))
				{
					pgwire_buf	out;
					size_t		sum = 0;

					(*decoded)++;
					pgwire_buf_init(&out, NULL);
					if (pgwire_encode(&m, &out, NULL, &err) != PGWIRE_OK ||
						out.len != f.raw_len || memcmp(out.data, f.raw, f.raw_len) != 0)
					{
						if (bad++ < 3)
							diag("round trip of %s (%zu bytes, type 0x%02x) gives %zu bytes",
								 pgwire_msg_name(m.kind), f.raw_len, f.type, out.len);
					}
					pgwire_buf_free(&out);
					pgwire_walk(&m, visit_all, &sum);
					(void) iterate_groups(&m);
				}
			}
		}
	/* as a replication payload and as a pgoutput message */
	for (int d = 0; d < 2; d++)
	{
		pgwire_msg	m;
		pgwire_error err;
		int			rc = pgwire_decode_replication_bytes(buf, len, (pgwire_direction) d, 0,
														 &m, &err);

		if (rc != PGWIRE_OK && rc != PGWIRE_ERR_TRUNCATED && rc != PGWIRE_ERR_UNKNOWN_TYPE &&
			rc != PGWIRE_ERR_TRAILING && rc != PGWIRE_ERR_BAD_VALUE)
		{
			if (bad++ < 3)
				diag("decode_replication: %s", pgwire_status_name(rc));
		}
		if (rc == PGWIRE_OK)
			bad += payload_roundtrip(&m, buf, len, decoded);
	}
	for (int proto = 1; proto <= 4; proto++)
		for (int in = 0; in < 2; in++)
		{
			pgwire_pgoutput_state st = {(uint8_t) in, 736};
			pgwire_msg	m;
			pgwire_error err;
			int			rc = pgwire_decode_pgoutput(buf, len, proto, &st, &m, &err);

			if (rc != PGWIRE_OK && rc != PGWIRE_ERR_TRUNCATED && rc != PGWIRE_ERR_UNKNOWN_TYPE &&
				rc != PGWIRE_ERR_TRAILING && rc != PGWIRE_ERR_BAD_VALUE)
			{
				if (bad++ < 3)
					diag("decode_pgoutput: %s", pgwire_status_name(rc));
			}
			if (rc == PGWIRE_OK)
				bad += payload_roundtrip(&m, buf, len, decoded);
		}
	return bad;
}

static void
check_garbage(void)
{
	uint8_t		buf[600];
	int			bad = 0,
				decoded = 0;

	for (int iter = 0; iter < 20000; iter++)
	{
		size_t		len = rng() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t) rng();
		/* mostly plausible headers, so that decoding is reached */
		if (len >= 5 && iter % 2)
		{
			buf[0] = "BCfDEHFPQSXdcpRK23GWIVvnNAtS1sZT"[rng() % 32];
			put32(buf + 1, (uint32_t) (len - 1));
		}
		else if (len >= 8 && iter % 5 == 0)
		{
			static const uint32_t codes[] = {3 << 16, 3 << 16 | 2, 80877102, 80877103, 80877104};

			put32(buf, (uint32_t) len);
			put32(buf + 4, codes[rng() % 5]);
		}
		bad += garbage_one(buf, len, &decoded);
	}
	ok(bad == 0, "20000 seeded random inputs: documented statuses, decodable ones round-trip "
	   "(%d decoded, %d wrong)", decoded, bad);

	/* mutations of every sample: flip, set and drop bytes */
	bad = 0;
	decoded = 0;
	for (int i = 0; i < nsamples; i++)
	{
		const sample *s = &samples[i];

		for (int iter = 0; iter < 300; iter++)
		{
			uint8_t    *b = malloc(s->len);
			size_t		len = s->len;
			int			nmut = 1 + rng() % 3;

			memcpy(b, s->bytes, len);
			for (int k = 0; k < nmut; k++)
			{
				size_t		at = rng() % len;

				switch (rng() % 3)
				{
					case 0:
						b[at] ^= (uint8_t) (1u << (rng() % 8));
						break;
					case 1:
						b[at] = (uint8_t) "\x00\xff\x7f\x80\x01"[rng() % 5];
						break;
					default:
						if (len > 1)
						{
							memmove(b + at, b + at + 1, len - at - 1);
							len--;
						}
						break;
				}
			}
			bad += garbage_one(b, len, &decoded);
			free(b);
		}
	}
	ok(bad == 0, "%d mutated samples: documented statuses, decodable ones round-trip "
	   "(%d decoded, %d wrong)", nsamples * 300, decoded, bad);
}

static void
check_encoder_refusals(void)
{
	pgwire_buf	b;
	pgwire_writer w;
	pgwire_msg	m;
	pgwire_error err;
	uint8_t    *big;
	size_t		before;
	int			rc;

	pgwire_buf_init(&b, NULL);
	pgwire_buf_append(&b, "prefix", 6);
	before = b.len;

	pgwire_msg_begin(&w, &b, 'Q', PGWIRE_FRONTEND, NULL);
	pgwire_put_string(&w, "SELECT\0 1", 9);
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_ERR_EMBEDDED_NUL && b.len == before && memcmp(b.data, "prefix", 6) == 0,
	   "String with embedded NUL: EMBEDDED_NUL, buffer as before");
	pgwire_buf_free(&b);

	pgwire_buf_init(&b, NULL);
	pgwire_buf_append(&b, "prefix", 6);
	pgwire_msg_begin(&w, &b, 'D', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 65536);
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_ERR_RANGE && b.len == before, "Int16 count 65536: RANGE, buffer as before");
	pgwire_buf_free(&b);

	pgwire_buf_init(&b, NULL);
	pgwire_msg_begin(&w, &b, 'D', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 65535);
	for (int i = 0; i < 65535; i++)
		pgwire_put_value(&w, NULL, 0);
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_OK, "Int16 count 65535 is accepted");
	rc = pgwire_decode_bytes(b.data, b.len, PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_OK && m.u.data_row.values.count == 65535,
	   "DataRow with 65535 NULLs decodes with count 65535");
	pgwire_buf_free(&b);

	/* small frontend type over 10000: 'C' Close with a long name */
	big = malloc(20000);
	memset(big, 'n', 20000);
	pgwire_buf_init(&b, NULL);
	pgwire_buf_append(&b, "prefix", 6);
	pgwire_msg_begin(&w, &b, 'C', PGWIRE_FRONTEND, NULL);
	pgwire_put_byte1(&w, 'S');
	pgwire_put_string(&w, big, 9994);	/* length 4+1+9994+1 = 10000 */
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_OK && b.len == 6 + 10001, "Close of length 10000 is accepted");
	before = b.len;
	pgwire_msg_begin(&w, &b, 'C', PGWIRE_FRONTEND, NULL);
	pgwire_put_byte1(&w, 'S');
	pgwire_put_string(&w, big, 9995);
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_ERR_LENGTH && b.len == before && memcmp(b.data, "prefix", 6) == 0,
	   "Close of length 10001: LENGTH, buffer as before");
	pgwire_buf_free(&b);

	/* startup packet over 10004 */
	pgwire_buf_init(&b, NULL);
	pgwire_msg_begin(&w, &b, 0, PGWIRE_FRONTEND, NULL);
	pgwire_put_int32(&w, 3 << 16);
	pgwire_put_cstring(&w, "options");
	pgwire_put_string(&w, big, 10000);
	pgwire_put_byte1(&w, 0);
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_ERR_LENGTH && b.len == 0, "StartupMessage over 10004 bytes: LENGTH, buffer empty");
	pgwire_buf_free(&b);

	/* untyped below 8 */
	pgwire_buf_init(&b, NULL);
	pgwire_msg_begin(&w, &b, 0, PGWIRE_FRONTEND, NULL);
	rc = pgwire_msg_end(&w);
	ok(rc == PGWIRE_ERR_LENGTH && b.len == 0, "untyped packet of 4 bytes: LENGTH");
	pgwire_buf_free(&b);

	/* configured limit on a backend message */
	{
		pgwire_limits lim = *pgwire_default_limits();

		lim.large_max = 100;
		pgwire_buf_init(&b, NULL);
		pgwire_msg_begin(&w, &b, 'd', PGWIRE_BACKEND, &lim);
		pgwire_put_bytes(&w, big, 97);
		rc = pgwire_msg_end(&w);
		ok(rc == PGWIRE_ERR_LENGTH && b.len == 0, "large_max 100: CopyData of length 101 is LENGTH");
		pgwire_buf_free(&b);
	}

	/* pgwire_encode of a hand-built message with a NUL inside a String */
	memset(&m, 0, sizeof(m));
	m.kind = PGWIRE_MSG_QUERY;
	m.u.query.query.ptr = (const uint8_t *) "a\0b";
	m.u.query.query.len = 3;
	pgwire_buf_init(&b, NULL);
	pgwire_buf_append(&b, "xy", 2);
	rc = pgwire_encode(&m, &b, NULL, &err);
	ok(rc == PGWIRE_ERR_EMBEDDED_NUL && b.len == 2 && memcmp(b.data, "xy", 2) == 0,
	   "pgwire_encode Query with NUL: EMBEDDED_NUL, buffer as before");
	pgwire_buf_free(&b);

	/* a group whose bytes disagree with its count */
	memset(&m, 0, sizeof(m));
	m.kind = PGWIRE_MSG_DATA_ROW;
	m.u.data_row.values.count = 2;
	m.u.data_row.values.ptr = (const uint8_t *) "\xff\xff\xff\xff";
	m.u.data_row.values.len = 4;
	pgwire_buf_init(&b, NULL);
	rc = pgwire_encode(&m, &b, NULL, &err);
	ok(rc < 0 && b.len == 0, "pgwire_encode DataRow count 2 with one value: %s, nothing written",
	   pgwire_status_name(rc));
	pgwire_buf_free(&b);

	m.kind = PGWIRE_MSG__COUNT;
	pgwire_buf_init(&b, NULL);
	ok_int(pgwire_encode(&m, &b, NULL, &err), PGWIRE_ERR_ARGUMENT, "pgwire_encode invalid kind");
	pgwire_buf_free(&b);
	free(big);
}

/*
 * PGWIRE_PHASE_AUTO at the start of a backend stream: 'S', 'N' or 'G' is a
 * one-byte SSL/GSS answer when the next four bytes cannot be a length word
 * (below 4, above 16 MiB, or a TLS record 0x16 follows), else a typed
 * message (frame.h).  A real stream begins with 'R', 'E' or 'v' (or the
 * answer), whose byte as a length's high byte is far above 16 MiB.
 */
static void
check_backend_auto(void)
{
	static const uint8_t n_then_r[] = {'N', 'R', 0, 0, 0, 8, 0, 0, 0, 0};
	static const uint8_t s_then_tls[] = {'S', 0x16, 0x03, 0x01, 0x02, 0x00};
	static const uint8_t g_then_r[] = {'G', 'R', 0, 0, 0, 8, 0, 0, 0, 0};
	static const uint8_t param_status[] = {'S', 0, 0, 0, 8, 'a', 0, 'b', 0};
	pgwire_frame f;
	pgwire_msg	m;
	pgwire_error err;
	int			rc;

	for (size_t n = 0; n < 5; n++)
		ok_int(pgwire_frame_parse(n_then_r, n, PGWIRE_BACKEND, PGWIRE_PHASE_AUTO, NULL, 0, &f,
								  &err), PGWIRE_INCOMPLETE, "AUTO backend 'N'... with %zu bytes: incomplete", n);
	rc = pgwire_frame_parse(n_then_r, sizeof(n_then_r), PGWIRE_BACKEND, PGWIRE_PHASE_AUTO, NULL,
							0, &f, &err);
	ok(rc == PGWIRE_OK && f.kind == PGWIRE_FRAME_BYTE && f.raw_len == 1 && f.inferred &&
	   f.request == 0, "'N' then 'R': a one-byte answer, inferred, request unknown");
	ok(pgwire_decode(&f, NULL, &m, &err) == PGWIRE_OK && m.kind == PGWIRE_MSG_SSL_RESPONSE &&
	   m.inferred, "decodes as SSLResponse, inferred");
	rc = pgwire_frame_parse(s_then_tls, sizeof(s_then_tls), PGWIRE_BACKEND, PGWIRE_PHASE_AUTO,
							NULL, 0, &f, &err);
	ok(rc == PGWIRE_OK && f.kind == PGWIRE_FRAME_BYTE && f.request == 'S',
	   "'S' then a TLS record: SSL answer 'S'");
	rc = pgwire_frame_parse(g_then_r, sizeof(g_then_r), PGWIRE_BACKEND, PGWIRE_PHASE_AUTO, NULL,
							0, &f, &err);
	ok(rc == PGWIRE_OK && f.kind == PGWIRE_FRAME_BYTE && pgwire_decode(&f, NULL, &m, &err) == 0 &&
	   m.kind == PGWIRE_MSG_GSSENC_RESPONSE, "'G' then 'R': GSSENCResponse");
	rc = pgwire_decode_bytes(n_then_r, 1, PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_SSL_RESPONSE && m.inferred,
	   "pgwire_decode_bytes of the one byte 'N': SSLResponse, inferred");
	rc = pgwire_decode_bytes(param_status, sizeof(param_status), PGWIRE_BACKEND, NULL, &m, &err);
	ok(rc == PGWIRE_OK && m.kind == PGWIRE_MSG_PARAMETER_STATUS,
	   "'S' with a plausible length word: ParameterStatus");
	rc = pgwire_frame_parse(n_then_r, sizeof(n_then_r), PGWIRE_BACKEND, PGWIRE_PHASE_AUTO, NULL,
							7, &f, &err);
	ok(rc == PGWIRE_ERR_LENGTH && err.offset == 8,
	   "'N' not at stream offset 0 is always typed (here LENGTH at 8)");
}

/*
 * Finding: a typed frame whose type byte is 0x00 (PGWIRE_PHASE_TYPED)
 * decodes with PGWIRE_DECODE_UNKNOWN as Unknown with u.unknown.type 0,
 * which pgwire_encode() takes for an untyped packet: the round trip loses
 * the type byte (or fails with LENGTH).
 */
static void
check_unknown_type_zero(void)
{
	static const uint8_t b[] = {0x00, 0x00, 0x00, 0x00, 0x07, 'a', 'b', 'c'};
	pgwire_context ctx = {PGWIRE_MSG_INVALID, PGWIRE_DECODE_UNKNOWN};
	pgwire_frame f;
	pgwire_msg	m;
	pgwire_error err;
	pgwire_buf	out;
	int			rc;

	rc = pgwire_frame_parse(b, sizeof(b), PGWIRE_BACKEND, PGWIRE_PHASE_TYPED, NULL, 0, &f, &err);
	if (rc == PGWIRE_OK)
		rc = pgwire_decode(&f, &ctx, &m, &err);
	if (rc != PGWIRE_OK)
	{
		ok(rc == PGWIRE_ERR_UNKNOWN_TYPE, "typed frame of type 0x00: refused or round-trips");
		return;
	}
	pgwire_buf_init(&out, NULL);
	rc = pgwire_encode(&m, &out, NULL, &err);
	ok(rc == PGWIRE_OK && out.len == sizeof(b) && memcmp(out.data, b, sizeof(b)) == 0,
	   "typed frame of type 0x00 decoded as Unknown round-trips (got %s, %zu bytes)",
	   pgwire_status_name(rc), out.len);
	pgwire_buf_free(&out);
}

/* Which pgoutput messages and fields each protocol version has. */
static void
check_pgoutput_versions(void)
{
	int			bad = 0;

	for (int i = 0; i < nsamples; i++)
	{
		const sample *s = &samples[i];
		pgwire_msg	m;
		pgwire_error err;
		int			min = 1;
		int			rc;

		if (s->payload != 2)
			continue;
		/*
		 * streaming needs protocol 2; the two-phase messages outside a
		 * stream are taken under any version (pgoutput.c, pgoutput_kind)
		 */
		if (strchr("SEcAp", s->bytes[0]))
			min = 2;
		for (int v = 1; v < min; v++)
		{
			rc = pgwire_decode_pgoutput(s->bytes, s->len, v, &s->st, &m, &err);
			if (rc != PGWIRE_ERR_UNKNOWN_TYPE)
			{
				bad++;
				diag("%s with proto_version %d: %s", s->name, v, pgwire_status_name(rc));
			}
		}
	}
	ok(bad == 0, "pgoutput streaming messages (v2) are unknown to protocol 1");
	{
		/* Begin Prepare, as PostgreSQL 15 sends it from a two-phase slot at v1 */
		static const uint8_t bp[] = {'b', 0, 0, 0, 0, 1, 0x56, 0xde, 0x30, 0, 0, 0, 0, 1,
			0x56, 0xde, 0x60, 0, 3, 3, 0xd5, 0xad, 0x28, 0x4d, 0xa5, 0, 0, 2, 0xd7, 'g', 0};
		/* Stream Abort with the protocol 4 fields (abort LSN and time) */
		static const uint8_t sa[] = {'A', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5,
			0, 0, 0, 0, 0, 0, 0, 5};
		pgwire_msg	m;
		pgwire_error err;

		ok_int(pgwire_decode_pgoutput(bp, sizeof(bp), 1, NULL, &m, &err), PGWIRE_OK,
			   "Begin Prepare decodes under protocol 1 (PostgreSQL 15 sends it there)");
		ok_int(pgwire_decode_pgoutput(sa, sizeof(sa), 4, NULL, &m, &err), PGWIRE_OK,
			   "24-byte Stream Abort decodes under protocol 4");
		ok(m.present == ((1u << 2) | (1u << 3)), "with abort_lsn and abort_time present");
		for (int v = 2; v <= 3; v++)
			ok_int(pgwire_decode_pgoutput(sa, sizeof(sa), v, NULL, &m, &err), PGWIRE_ERR_TRAILING,
				   "24-byte Stream Abort under protocol %d: 16 trailing bytes", v);
	}
}

/*
 * ---- fast paths -----------------------------------------------------------
 *
 * pgwire_decode() reads the hot messages (DataRow, RowDescription,
 * CommandComplete, ReadyForQuery, Parse, Bind, Describe, Execute, empty
 * bodies) by hand; pgwire_decode_generic() only by the catalogue layout.
 * Both must give the same result for every sample, every cut, every byte
 * of the body replaced by a few telling values, and a trailing byte:
 * status, error offset and detail, and the whole decoded message.
 */

/* Frame as the sample says, then decode both ways; 0 if they agree. */
static int
fast_generic_agree(const sample *s, const uint8_t *buf, size_t len)
{
	pgwire_frame f;
	pgwire_msg	m1,
				m2;
	pgwire_error e1,
				e2;
	int			r1,
				r2;

	if (pgwire_frame_parse(buf, len, s->dir, s->phase, NULL, 0, &f, &e1) != PGWIRE_OK ||
		f.raw_len != len)
		return 0;				/* not a frame: nothing to decode */
	memset(&m1, 0xa5, sizeof(m1));
	memset(&m2, 0x5a, sizeof(m2));
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	r1 = pgwire_decode(&f, &s->ctx, &m1, &e1);
	r2 = pgwire_decode_generic(&f, &s->ctx, &m2, &e2);
	if (r1 != r2)
		return 1;
	if (r1 != PGWIRE_OK)
		return e1.status != e2.status || e1.offset != e2.offset ||
			strcmp(e1.detail, e2.detail) != 0;
	return memcmp(&m1, &m2, sizeof(m1)) != 0;
}

static void
check_fast_paths(void)
{
	static const uint8_t vals[] = {0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 'A', 'P'};
	const char *why = pgwire_fast_paths_check();
	int			bad = 0,
				tested = 0;

	ok(why == NULL, "the fast paths read the catalogue's layouts%s%s", why ? ": " : "",
	   why ? why : "");
	for (int i = 0; i < nsamples; i++)
	{
		const sample *s = &samples[i];
		size_t		hdr = header_len(s);
		uint8_t    *buf;

		if (s->payload || hdr != 5)
			continue;
		buf = malloc(s->len + 1);
		tested++;
		bad += fast_generic_agree(s, s->bytes, s->len);
		/* every cut, length word adjusted */
		for (size_t k = 0; k < s->len - hdr; k++)
		{
			memcpy(buf, s->bytes, hdr + k);
			put32(buf + 1, (uint32_t) (k + 4));
			tested++;
			bad += fast_generic_agree(s, buf, hdr + k);
		}
		/* every body byte replaced */
		for (size_t k = hdr; k < s->len; k++)
		{
			for (size_t v = 0; v < sizeof(vals); v++)
			{
				memcpy(buf, s->bytes, s->len);
				buf[k] = vals[v];
				tested++;
				bad += fast_generic_agree(s, buf, s->len);
			}
		}
		/* one byte more */
		memcpy(buf, s->bytes, s->len);
		buf[s->len] = 0;
		put32(buf + 1, (uint32_t) s->len);	/* the word counts itself, not the type */
		tested++;
		bad += fast_generic_agree(s, buf, s->len + 1);
		if (bad && bad < 4)
			diag("fast and generic decode differ for %s", desc(s));
		free(buf);
	}
	ok(bad == 0 && tested > 5000,
	   "pgwire_decode and the catalogue-only decode agree on %d inputs (%d differ)", tested,
	   bad);
}

/*
 * pgwire_next_column() reads the 18 bytes by hand; the generic element
 * iterator reads the catalogue's column layout.  Same columns for valid
 * groups and the same stop for damaged ones; the inline (macro) and the
 * exported forms of the iterators agree.
 */
static void
check_column_iterator(void)
{
	const pgwire_layout *lay =
		pgwire_msgdef_get(PGWIRE_MSG_ROW_DESCRIPTION)->layout.fields[0].elem;
	int			bad = 0,
				tested = 0;

	for (int i = 0; i < nsamples; i++)
	{
		const sample *s = &samples[i];
		pgwire_msg	m;
		pgwire_error err;

		if (s->kind != PGWIRE_MSG_ROW_DESCRIPTION ||
			decode_as(s, s->bytes, s->len, &m, &err) != PGWIRE_OK)
			continue;
		/* the group as decoded, then every shorter length and count */
		for (size_t len = m.u.row_description.fields.len + 1; len-- > 0;)
		{
			for (uint32_t count = 0; count <= m.u.row_description.fields.count + 1; count++)
			{
				pgwire_group g = m.u.row_description.fields;
				pgwire_iter a,
							b,
							c;
				pgwire_column ca,
							cb,
							cc;
				int			ra,
							rb,
							rc;

				g.len = len;
				g.count = count;
				pgwire_iter_init(&a, &g);
				(pgwire_iter_init) (&b, &g);
				(pgwire_iter_init) (&c, &g);
				tested++;
				do
				{
					memset(&ca, 0, sizeof(ca));
					memset(&cb, 0, sizeof(cb));
					memset(&cc, 0, sizeof(cc));
					ra = pgwire_next_column(&a, &ca);
					rb = pgwire_iter_next_elem(&b, lay, &cb);
					rc = (pgwire_next_column) (&c, &cc);
					/* at a damaged element both stop; what *out holds then is unspecified */
					if (ra != rb || ra != rc ||
						(ra && (memcmp(&ca, &cb, sizeof(ca)) != 0 ||
								memcmp(&ca, &cc, sizeof(ca)) != 0 || a.pos != b.pos ||
								a.remaining != b.remaining)) ||
						(!ra && (pgwire_next_column(&a, &ca) || pgwire_iter_next_elem(&b, lay, &cb))))
					{
						bad++;
						break;
					}
				} while (ra);
			}
		}
	}
	ok(bad == 0 && tested > 100,
	   "pgwire_next_column agrees with the catalogue's column layout (%d groups, %d differ)",
	   tested, bad);

	/* values: the inline and the exported iterator */
	bad = 0;
	for (int i = 0; i < nsamples; i++)
	{
		const sample *s = &samples[i];
		pgwire_msg	m;
		pgwire_error err;
		pgwire_iter a,
					b;
		pgwire_value va,
					vb;
		int			ra,
					rb;

		if (s->kind != PGWIRE_MSG_DATA_ROW || decode_as(s, s->bytes, s->len, &m, &err) != PGWIRE_OK)
			continue;
		pgwire_iter_init(&a, &m.u.data_row.values);
		(pgwire_iter_init) (&b, &m.u.data_row.values);
		do
		{
			ra = pgwire_next_value(&a, &va);
			rb = (pgwire_next_value) (&b, &vb);
			if (ra != rb || (ra && (va.ptr != vb.ptr || va.len != vb.len)))
				bad++;
		} while (ra && rb);
	}
	ok(bad == 0, "pgwire_next_value: the inline and the exported form agree");
}

int
main(void)
{
	frontend_samples();
	backend_samples();
	payload_samples();
	guard_setup();
	check_catalogue_coverage();
	for (int i = 0; i < nsamples; i++)
	{
		check_roundtrip(&samples[i]);
		if (!samples[i].payload)
			check_prefixes(&samples[i]);
		if (samples[i].len > 1)
		{
			check_cuts(&samples[i]);
			check_trailing(&samples[i]);
		}
		check_guard(&samples[i]);
	}
	check_lengths();
	check_unknown_types();
	check_fixed_codes();
	check_bad_values();
	check_encoder_refusals();
	check_garbage();
	check_pgoutput_versions();
	check_backend_auto();
	check_unknown_type_zero();
	check_fast_paths();
	check_column_iterator();
	for (int i = 0; i < nsamples; i++)
		free(samples[i].bytes);
	munmap(guard_base, 2 * page);
	return done_testing();
}
