/*
 * test_auth.c
 *    Unit tests for pgwire/auth.h: RFC 7677's SCRAM-SHA-256 exchange
 *    reproduced byte for byte from both sides, MD5 hashes as a real
 *    PostgreSQL 15 stores them, SASLprep cases from RFC 4013, verifier
 *    round trips, and refusals (wrong proof, nonce mismatch, downgrade).
 *
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exits 1 on failure.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>

#include "pgwire/auth.h"
#include "pgwire/conn.h"

static int failures;

static void
check(int cond, const char *name)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	if (!cond)
		failures++;
}

static int
buf_is(const pgwire_buf *b, const char *s)
{
	return b->status == PGWIRE_OK && b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

/* RFC 7677 section 3. */
#define RFC_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_C1 "n,,n=user,r=" RFC_CNONCE
#define RFC_S1 "r=" RFC_CNONCE RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_C2 "c=biws,r=" RFC_CNONCE RFC_SNONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_S2 "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void
test_rfc7677_client(void)
{
	pgwire_scram_client c;
	pgwire_buf	out;
	pgwire_error err;

	pgwire_buf_init(&out, NULL);
	check(pgwire_scram_client_init(&c, "pencil", PGWIRE_CBIND_NONE, NULL, 0, NULL, &err) == 0,
		  "scram client init");
	check(pgwire_scram_client_set_nonce(&c, RFC_CNONCE) == 0, "scram client set nonce");
	check(pgwire_scram_client_first(&c, "user", &out, &err) == 0 && buf_is(&out, RFC_C1),
		  "RFC 7677 client-first-message");
	pgwire_buf_reset(&out);
	check(pgwire_scram_client_final(&c, (const uint8_t *) RFC_S1, strlen(RFC_S1), &out, &err) == 0 &&
		  buf_is(&out, RFC_C2), "RFC 7677 client-final-message (proof)");
	check(!pgwire_scram_client_done(&c), "not done before server-final");
	check(pgwire_scram_client_verify(&c, (const uint8_t *) RFC_S2, strlen(RFC_S2), &err) == 0 &&
		  pgwire_scram_client_done(&c), "RFC 7677 server-final-message verifies");
	pgwire_scram_client_free(&c);

	/* A server signature that is one character off must be refused. */
	pgwire_scram_client_init(&c, "pencil", PGWIRE_CBIND_NONE, NULL, 0, NULL, &err);
	pgwire_scram_client_set_nonce(&c, RFC_CNONCE);
	pgwire_buf_reset(&out);
	pgwire_scram_client_first(&c, "user", &out, &err);
	pgwire_buf_reset(&out);
	pgwire_scram_client_final(&c, (const uint8_t *) RFC_S1, strlen(RFC_S1), &out, &err);
	{
		const char *bad = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl96G4=";

		check(pgwire_scram_client_verify(&c, (const uint8_t *) bad, strlen(bad), &err) ==
			  PGWIRE_ERR_AUTH, "wrong server signature refused");
	}
	pgwire_scram_client_free(&c);

	/* A server nonce that does not extend ours is refused. */
	pgwire_scram_client_init(&c, "pencil", PGWIRE_CBIND_NONE, NULL, 0, NULL, &err);
	pgwire_scram_client_set_nonce(&c, RFC_CNONCE);
	pgwire_buf_reset(&out);
	pgwire_scram_client_first(&c, NULL, &out, &err);
	check(buf_is(&out, "n,,n=,r=" RFC_CNONCE), "empty user name as libpq sends it");
	{
		const char *s1 = "r=XXXX" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

		pgwire_buf_reset(&out);
		check(pgwire_scram_client_final(&c, (const uint8_t *) s1, strlen(s1), &out, &err) ==
			  PGWIRE_ERR_AUTH && strstr(err.detail, "nonce") != NULL, "nonce mismatch refused");
	}
	pgwire_scram_client_free(&c);
	pgwire_buf_free(&out);
}

static void
test_rfc7677_server(void)
{
	static const uint8_t salt[] = {0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
	0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81};
	pgwire_scram_verifier v, v2;
	pgwire_scram_server s;
	pgwire_buf	out, text;
	pgwire_error err;

	pgwire_buf_init(&out, NULL);
	pgwire_buf_init(&text, NULL);
	check(pgwire_scram_verifier_make("pencil", salt, sizeof(salt), 4096, &v, &err) == 0,
		  "verifier from password");
	pgwire_scram_verifier_format(&v, &text);
	check(pgwire_scram_verifier_parse((const char *) text.data, &v2, &err) == 0 &&
		  memcmp(&v, &v2, sizeof(v)) == 0, "verifier text round trip");
	check(strncmp((const char *) text.data, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", 44) == 0,
		  "verifier text format");

	pgwire_scram_server_init(&s, &v, NULL, 0, NULL, &err);
	pgwire_scram_server_set_nonce(&s, RFC_SNONCE);
	check(pgwire_scram_server_first(&s, "SCRAM-SHA-256", (const uint8_t *) RFC_C1,
									strlen(RFC_C1), &out, &err) == 0 && buf_is(&out, RFC_S1),
		  "RFC 7677 server-first-message");
	pgwire_buf_reset(&out);
	check(pgwire_scram_server_final(&s, (const uint8_t *) RFC_C2, strlen(RFC_C2), &out, &err) == 0 &&
		  buf_is(&out, RFC_S2), "RFC 7677 server-final-message");
	pgwire_scram_server_free(&s);

	/* Same exchange with a corrupted proof. */
	pgwire_scram_server_init(&s, &v, NULL, 0, NULL, &err);
	pgwire_scram_server_set_nonce(&s, RFC_SNONCE);
	pgwire_buf_reset(&out);
	pgwire_scram_server_first(&s, "SCRAM-SHA-256", (const uint8_t *) RFC_C1, strlen(RFC_C1), &out, &err);
	{
		char		bad[] = RFC_C2;

		bad[strlen(bad) - 3] ^= 1;
		pgwire_buf_reset(&out);
		check(pgwire_scram_server_final(&s, (const uint8_t *) bad, strlen(bad), &out, &err) ==
			  PGWIRE_ERR_AUTH, "wrong proof refused");
	}
	pgwire_scram_server_free(&s);

	/* "y" while -PLUS is on offer is a downgrade. */
	{
		uint8_t		cb[32] = {1};
		const char *c1 = "y,,n=,r=abc";

		pgwire_scram_server_init(&s, &v, cb, sizeof(cb), NULL, &err);
		pgwire_buf_reset(&out);
		check(pgwire_scram_server_first(&s, "SCRAM-SHA-256", (const uint8_t *) c1, strlen(c1),
										&out, &err) == PGWIRE_ERR_AUTH,
			  "channel binding downgrade refused");
		pgwire_scram_server_free(&s);
	}
	/* Malformed verifier. */
	check(pgwire_scram_verifier_parse("SCRAM-SHA-256$4096:abc$x:y", &v2, &err) == PGWIRE_ERR_AUTH,
		  "malformed verifier refused");
	pgwire_buf_free(&out);
	pgwire_buf_free(&text);
}

/* Client and server from this library talk -PLUS to each other. */
static void
test_plus_roundtrip(void)
{
	uint8_t		cb[32];
	pgwire_scram_verifier v;
	pgwire_scram_client c;
	pgwire_scram_server s;
	pgwire_buf	a, b;
	pgwire_error err;
	int			ok;

	for (int i = 0; i < 32; i++)
		cb[i] = (uint8_t) i;
	pgwire_buf_init(&a, NULL);
	pgwire_buf_init(&b, NULL);
	pgwire_scram_verifier_make("s3cret \xc2\xa0x", NULL, 0, 0, &v, &err);
	pgwire_scram_client_init(&c, "s3cret \xc2\xa0x", PGWIRE_CBIND_USED, cb, 32, NULL, &err);
	pgwire_scram_server_init(&s, &v, cb, 32, NULL, &err);
	ok = pgwire_scram_client_first(&c, NULL, &a, &err) == 0 &&
		strncmp((char *) a.data, "p=tls-server-end-point,,n=,r=", 29) == 0 &&
		pgwire_scram_server_first(&s, "SCRAM-SHA-256-PLUS", a.data, a.len, &b, &err) == 0;
	pgwire_buf_reset(&a);
	ok = ok && pgwire_scram_client_final(&c, b.data, b.len, &a, &err) == 0;
	pgwire_buf_reset(&b);
	ok = ok && pgwire_scram_server_final(&s, a.data, a.len, &b, &err) == 0 &&
		pgwire_scram_client_verify(&c, b.data, b.len, &err) == 0;
	check(ok, "SCRAM-SHA-256-PLUS client and server agree");
	pgwire_scram_client_free(&c);
	pgwire_scram_server_free(&s);

	/* Different binding data on the two ends: refused. */
	pgwire_buf_reset(&a);
	pgwire_buf_reset(&b);
	pgwire_scram_client_init(&c, "pw", PGWIRE_CBIND_USED, cb, 32, NULL, &err);
	pgwire_scram_verifier_make("pw", NULL, 0, 0, &v, &err);
	cb[0] ^= 1;
	pgwire_scram_server_init(&s, &v, cb, 32, NULL, &err);
	pgwire_scram_client_first(&c, NULL, &a, &err);
	pgwire_scram_server_first(&s, "SCRAM-SHA-256-PLUS", a.data, a.len, &b, &err);
	pgwire_buf_reset(&a);
	pgwire_scram_client_final(&c, b.data, b.len, &a, &err);
	pgwire_buf_reset(&b);
	check(pgwire_scram_server_final(&s, a.data, a.len, &b, &err) == PGWIRE_ERR_AUTH,
		  "channel binding data mismatch refused");
	pgwire_scram_client_free(&c);
	pgwire_scram_server_free(&s);
	pgwire_buf_free(&a);
	pgwire_buf_free(&b);
}

static void
test_md5(void)
{
	char		out[PGWIRE_MD5_PASSWD_LEN];
	static const uint8_t salt[4] = {0x01, 0x02, 0x03, 0x04};
	char		expect[PGWIRE_MD5_PASSWD_LEN];
	pgwire_error err;

	/*
	 * From a real PostgreSQL 15: SET password_encryption = md5; CREATE ROLE
	 * md5user PASSWORD 'md5pass'; SELECT rolpassword FROM pg_authid.
	 */
	check(pgwire_md5_encrypt("md5pass", "md5user", out, &err) == 0 &&
		  strcmp(out, "md57541d4e65fae11bd07f18dc6fe2b02bc") == 0,
		  "MD5 hash as pg_authid stores it");
	/* The salted answer is md5 over the stored hash's hex and the salt. */
	check(pgwire_md5_response("md5user", "md5pass", salt, out, &err) == 0, "MD5 response");
	check(pgwire_md5_response("md5user", "md57541d4e65fae11bd07f18dc6fe2b02bc", salt, expect, &err) == 0 &&
		  strcmp(out, expect) == 0, "MD5 response from a stored hash");
	check(strlen(out) == 35 && strncmp(out, "md5", 3) == 0, "MD5 response shape");
	check(pgwire_md5_encrypt(NULL, "u", out, &err) == PGWIRE_ERR_ARGUMENT, "MD5 NULL argument");
}

static void
saslprep_case(const char *in, const char *expect, int expect_raw, const char *name)
{
	pgwire_buf	out;
	int			raw = -1;

	pgwire_buf_init(&out, NULL);
	check(pgwire_saslprep(in, &out, &raw) == 0 && buf_is(&out, expect) && raw == expect_raw, name);
	pgwire_buf_free(&out);
}

static void
test_saslprep(void)
{
	/* RFC 4013 section 3 examples. */
	saslprep_case("I\xc2\xadX", "IX", 0, "SASLprep: SOFT HYPHEN mapped to nothing");
	saslprep_case("user", "user", 0, "SASLprep: ASCII unchanged");
	saslprep_case("USER", "USER", 0, "SASLprep: case preserved");
	saslprep_case("\xc2\xaa", "a", 0, "SASLprep: U+00AA NFKC to 'a'");
	saslprep_case("\xe2\x85\xa8", "IX", 0, "SASLprep: U+2168 NFKC to 'IX'");
	/* Prohibited / bidi failures: PostgreSQL falls back to the raw bytes. */
	saslprep_case("a\xc2\x80", "a\xc2\x80", 1, "SASLprep: prohibited control character: raw");
	saslprep_case("\xd8\xa7" "1", "\xd8\xa7" "1", 1, "SASLprep: bidi violation: raw");
	saslprep_case("\x07", "\x07", 0, "SASLprep: ASCII control passes as PostgreSQL does");
	saslprep_case("\xff\xfe", "\xff\xfe", 1, "SASLprep: invalid UTF-8: raw");
	saslprep_case("a\xc2\xa0" "b", "a b", 0, "SASLprep: NO-BREAK SPACE mapped to SPACE");
}

static void
test_cbind(void)
{
	uint8_t		h[PGWIRE_CBIND_MAX];
	size_t		n = 0;
	pgwire_error err;

	check(pgwire_cbind_hash((const uint8_t *) "x", 1, NID_sha1, h, &n, &err) == 0 && n == 32,
		  "tls-server-end-point: SHA-1 upgraded to SHA-256");
	check(pgwire_cbind_hash((const uint8_t *) "x", 1, NID_sha384, h, &n, &err) == 0 && n == 48,
		  "tls-server-end-point: SHA-384 kept");
	check(pgwire_cbind_hash((const uint8_t *) "x", 1, NID_undef, h, &n, &err) == PGWIRE_ERR_AUTH,
		  "tls-server-end-point: unknown digest refused");
}

/* Server bytes per the docs' "Message Formats". */
static const uint8_t auth_ok[] = {'R', 0, 0, 0, 8, 0, 0, 0, 0};
static const uint8_t auth_md5[] = {'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4};
static const uint8_t auth_sasl[] = {'R', 0, 0, 0, 23, 0, 0, 0, 10,
'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5', '6', 0, 0};
static const uint8_t rfq[] = {'Z', 0, 0, 0, 5, 'I'};
static const uint8_t data_row[] = {'D', 0, 0, 0, 6, 0, 0};

static int
drain(pgwire_conn *c, pgwire_conn_event *ev, pgwire_error *err)
{
	int			rc;

	while ((rc = pgwire_conn_next(c, ev, err)) == PGWIRE_OK)
		;
	return rc;
}

static void
test_conn(void)
{
	pgwire_conn_options o = {0};
	pgwire_conn *c;
	pgwire_conn_event ev;
	pgwire_error err;
	const uint8_t *out;
	size_t		n;

	o.user = "u";
	o.ssl_request = 1;
	c = pgwire_conn_create(&o, NULL);
	out = pgwire_conn_output(c, &n);
	check(n == 8 && out[4] == 0x04 && out[5] == 0xd2 && out[6] == 0x16 && out[7] == 0x2f,
		  "conn: SSLRequest first (80877103)");
	pgwire_conn_consume(c, n);
	/* CVE-2021-23222: bytes after 'S' arrived before the TLS handshake. */
	pgwire_conn_feed(c, "SR\0\0\0\x08\0\0\0\0", 10);
	check(pgwire_conn_next(c, &ev, &err) == PGWIRE_ERR_PROTOCOL &&
		  pgwire_conn_get_state(c) == PGWIRE_CONN_FAILED, "conn: plaintext after 'S' refused");
	pgwire_conn_free(c);

	/* An ErrorResponse in place of the SSL answer is reported as such. */
	{
		static const uint8_t too_many[] = {'E', 0, 0, 0, 19, 'S', 'F', 'A', 'T', 'A', 'L', 0,
		'C', '5', '3', '3', '0', '0', 0, 0};

		c = pgwire_conn_create(&o, NULL);
		pgwire_conn_feed(c, too_many, sizeof(too_many) - 4);
		pgwire_conn_feed(c, too_many + sizeof(too_many) - 4, 4);
		check(pgwire_conn_next(c, &ev, &err) == 0 && ev.kind == PGWIRE_CONN_EV_ERROR &&
			  pgwire_conn_get_state(c) == PGWIRE_CONN_CLOSED, "conn: ErrorResponse instead of SSL answer");
		pgwire_conn_free(c);
	}

	/* No password given: the request is parked until one is supplied. */
	o.ssl_request = 0;
	c = pgwire_conn_create(&o, NULL);
	pgwire_conn_output(c, &n);
	pgwire_conn_consume(c, n);
	pgwire_conn_feed(c, auth_md5, sizeof(auth_md5));
	check(pgwire_conn_next(c, &ev, &err) == 0 && ev.kind == PGWIRE_CONN_EV_PASSWORD_NEEDED,
		  "conn: password needed event");
	pgwire_conn_output(c, &n);
	check(n == 0, "conn: nothing sent before the password");
	pgwire_conn_set_password(c, "pw");
	check(pgwire_conn_next(c, &ev, &err) == 0 && ev.kind == PGWIRE_CONN_EV_AUTH_REQUEST,
		  "conn: parked MD5 request answered");
	out = pgwire_conn_output(c, &n);
	check(n == 41 && out[0] == 'p' && memcmp(out + 5, "md5", 3) == 0 && out[40] == 0,
		  "conn: PasswordMessage with md5 hash");
	pgwire_conn_free(c);

	/* AuthenticationOk in the middle of SCRAM: the server proved nothing. */
	o.password = "pw";
	c = pgwire_conn_create(&o, NULL);
	pgwire_conn_feed(c, auth_sasl, sizeof(auth_sasl));
	pgwire_conn_feed(c, auth_ok, sizeof(auth_ok));
	check(drain(c, &ev, &err) == PGWIRE_ERR_AUTH, "conn: AuthenticationOk before SCRAM end refused");
	check(strcmp(pgwire_conn_sasl_mechanism(c), "SCRAM-SHA-256") == 0, "conn: SCRAM-SHA-256 chosen");
	pgwire_conn_free(c);

	/* channel_binding=require without TLS cannot be met. */
	o.channel_binding = PGWIRE_CBIND_MODE_REQUIRE;
	c = pgwire_conn_create(&o, NULL);
	pgwire_conn_feed(c, auth_sasl, sizeof(auth_sasl));
	check(drain(c, &ev, &err) == PGWIRE_ERR_AUTH, "conn: channel_binding=require without -PLUS refused");
	pgwire_conn_free(c);

	/* A DataRow with no query in flight is a protocol violation. */
	o.channel_binding = PGWIRE_CBIND_MODE_PREFER;
	c = pgwire_conn_create(&o, NULL);
	pgwire_conn_feed(c, auth_ok, sizeof(auth_ok));
	pgwire_conn_feed(c, rfq, sizeof(rfq));
	pgwire_conn_feed(c, data_row, sizeof(data_row));
	check(pgwire_conn_next(c, &ev, &err) == 0 && ev.kind == PGWIRE_CONN_EV_AUTH_OK &&
		  pgwire_conn_next(c, &ev, &err) == 0 && ev.kind == PGWIRE_CONN_EV_READY_FOR_QUERY &&
		  pgwire_conn_get_state(c) == PGWIRE_CONN_READY, "conn: trust startup reaches READY");
	check(pgwire_conn_next(c, &ev, &err) == PGWIRE_ERR_PROTOCOL, "conn: DataRow outside a query refused");
	pgwire_conn_free(c);

	/* CancelRequest carries BackendKeyData's process ID and key. */
	{
		static const uint8_t bkd[] = {'K', 0, 0, 0, 12, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef};
		static const uint8_t cancel[] = {0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e,
		0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef};
		pgwire_buf	cb;

		pgwire_buf_init(&cb, NULL);
		c = pgwire_conn_create(&o, NULL);
		check(pgwire_conn_cancel_request(c, &cb) == PGWIRE_ERR_STATE, "conn: no CancelRequest before BackendKeyData");
		pgwire_conn_feed(c, auth_ok, sizeof(auth_ok));
		pgwire_conn_feed(c, bkd, sizeof(bkd));
		drain(c, &ev, &err);
		check(pgwire_conn_backend_pid(c) == 12345 && pgwire_conn_cancel_request(c, &cb) == 0 &&
			  cb.len == sizeof(cancel) && memcmp(cb.data, cancel, sizeof(cancel)) == 0,
			  "conn: CancelRequest bytes (80877102, pid, key)");
		pgwire_buf_free(&cb);
		pgwire_conn_free(c);
	}

	/* The extended-query sequence, in order. */
	c = pgwire_conn_create(&o, NULL);
	pgwire_conn_feed(c, auth_ok, sizeof(auth_ok));
	pgwire_conn_feed(c, rfq, sizeof(rfq));
	drain(c, &ev, &err);
	pgwire_conn_output(c, &n);
	pgwire_conn_consume(c, n);
	{
		const char *vals[] = {"1", NULL};

		check(pgwire_conn_query_params(c, "select $1, $2", 2, NULL, vals, NULL, NULL, 0, &err) == 0,
			  "conn: query_params queued");
		out = pgwire_conn_output(c, &n);
		check(n > 0 && out[0] == 'P' && out[n - 5] == 'S', "conn: Parse first, Sync last");
		check(pgwire_conn_query(c, "select 1", &err) == PGWIRE_ERR_STATE, "conn: no second query while busy");
	}
	pgwire_conn_free(c);
}

int
main(void)
{
	test_rfc7677_client();
	test_rfc7677_server();
	test_plus_roundtrip();
	test_md5();
	test_saslprep();
	test_cbind();
	test_conn();
	return failures ? 1 : 0;
}
