/*
 * auth_scram.c
 *    SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) for the
 *    client and the server, as PostgreSQL implements them
 *    (fe-auth-scram.c, auth-scram.c), plus the stored verifier format.
 *
 * PostgreSQL specifics followed here: the SCRAM user name is sent empty and
 * ignored by the server (the startup packet names the role); authzid is
 * refused; the only channel binding type is tls-server-end-point; a client
 * that says "y" (supports channel binding) while the server offered -PLUS
 * is refused as a downgrade attempt; attributes come in a fixed order.
 * All primitives come from libcrypto.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/rand.h>

#include "pgwire/auth.h"

#define CBIND_TYPE "tls-server-end-point"

enum
{
	ST_INIT = 0,
	ST_FIRST_SENT,
	ST_FINAL_SENT,
	ST_DONE,
	ST_FAILED = -1
};

/* ---- small helpers ------------------------------------------------------ */

/* A cursor over one SCRAM message (not NUL-terminated on the wire). */
typedef struct cursor
{
	const char *start;
	const char *p;
	const char *end;
} cursor;

typedef struct span
{
	const char *ptr;
	size_t		len;
} span;

static cursor
cursor_of(const uint8_t *data, size_t len)
{
	cursor		c = {(const char *) data, (const char *) data, (const char *) data + len};

	return c;
}

static int
fail(pgwire_error *err, const cursor *c, const char *what)
{
	return pgwire_error_set(err, PGWIRE_ERR_AUTH, c ? (size_t) (c->p - c->start) : 0,
							"%s", what);
}

static int
no_memory(pgwire_error *err)
{
	return pgwire_error_set(err, PGWIRE_ERR_NOMEM, 0, "out of memory");
}

/*
 * Enter a step that reads the peer's message: the exchange must be in
 * state expect, and any failure from here on leaves it failed, so that a
 * broken exchange cannot be continued.
 */
static int
enter_step(int *state, int expect, pgwire_error *err)
{
	if (*state != expect)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "SCRAM exchange out of sequence");
	*state = ST_FAILED;
	return PGWIRE_OK;
}

/* SCRAM messages are text: one holding a NUL byte is refused unparsed. */
static int
refuse_nul(const cursor *c, const char *message, pgwire_error *err)
{
	if (memchr(c->start, '\0', (size_t) (c->end - c->start)) != NULL)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "%s contains a NUL byte", message);
	return PGWIRE_OK;
}

/*
 * Read "<attr>=<value>" up to the next ',' or the end; consume the comma.
 * attr 0 accepts any attribute letter and returns it in *got.
 */
static int
read_attr(cursor *c, char attr, char *got, span *val)
{
	const char *q;

	if (c->end - c->p < 2 || c->p[1] != '=')
		return -1;
	if (attr ? c->p[0] != attr : !((c->p[0] >= 'a' && c->p[0] <= 'z') ||
								   (c->p[0] >= 'A' && c->p[0] <= 'Z')))
		return -1;
	if (got)
		*got = c->p[0];
	q = c->p + 2;
	val->ptr = q;
	while (q < c->end && *q != ',')
		q++;
	val->len = (size_t) (q - val->ptr);
	c->p = q < c->end ? q + 1 : q;
	return 0;
}

static int
b64_encode(pgwire_buf *out, const uint8_t *data, size_t len)
{
	size_t		need = 4 * ((len + 2) / 3) + 1;
	int			rc = pgwire_buf_reserve(out, need);
	int			n;

	if (rc != PGWIRE_OK)
		return rc;
	n = EVP_EncodeBlock(out->data + out->len, data, (int) len);
	out->len += (size_t) n;
	return out->status;
}

/* Strict base64 decode; -1 if not valid base64 or over cap bytes. */
static int
b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t		tmp[256];
	size_t		pad = 0;
	int			n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof(tmp))
		return -1;
	for (size_t i = 0; i < len; i++)
	{
		char		ch = s[i];

		if (ch == '=')
		{
			if (i < len - 2)
				return -1;
			pad++;
		}
		else if (pad || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
						  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return -1;
	}
	n = EVP_DecodeBlock(tmp, (const unsigned char *) s, (int) len);
	if (n < 0 || (size_t) n < pad || (size_t) n - pad > cap)
		return -1;
	memcpy(out, tmp, (size_t) n - pad);
	*outlen = (size_t) n - pad;
	return 0;
}

static int
hmac256(const uint8_t *key, size_t klen, const void *data, size_t dlen,
		uint8_t out[PGWIRE_SCRAM_KEY_LEN])
{
	unsigned int olen = 0;

	return HMAC(EVP_sha256(), key, (int) klen, data, dlen, out, &olen) != NULL &&
		olen == PGWIRE_SCRAM_KEY_LEN ? 0 : -1;
}

static int
sha256(const uint8_t *data, size_t len, uint8_t out[PGWIRE_SCRAM_KEY_LEN])
{
	unsigned int olen = 0;

	return EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) == 1 &&
		olen == PGWIRE_SCRAM_KEY_LEN ? 0 : -1;
}

static int
salted_password(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
				int iterations, uint8_t out[PGWIRE_SCRAM_KEY_LEN])
{
	return PKCS5_PBKDF2_HMAC(pw, (int) pwlen, salt, (int) saltlen, iterations,
							 EVP_sha256(), PGWIRE_SCRAM_KEY_LEN, out) == 1 ? 0 : -1;
}

/* A printable nonce: 18 random bytes in base64, as PostgreSQL makes it. */
static int
make_nonce(char out[64])
{
	uint8_t		raw[PGWIRE_SCRAM_NONCE_LEN];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *) out, raw, sizeof(raw));
	return 0;
}

/* RFC 5802: a nonce is printable ASCII other than ','. */
static int
printable_nonce(const char *n, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (n[i] < 0x21 || n[i] > 0x7e || n[i] == ',')
			return 0;
	return 1;
}

/* A nonce we keep in a 64-byte field. */
static int
valid_nonce(const char *n, size_t len)
{
	return len < 64 && printable_nonce(n, len);
}

/* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
static int
auth_message(pgwire_buf *am, const pgwire_buf *cfb, const pgwire_buf *sf,
			 const char *cfn, size_t cfnlen)
{
	pgwire_buf_append(am, cfb->data, cfb->len);
	pgwire_buf_append(am, ",", 1);
	pgwire_buf_append(am, sf->data, sf->len);
	pgwire_buf_append(am, ",", 1);
	return pgwire_buf_append(am, cfn, cfnlen);
}

static void
cbind_header(pgwire_buf *out, pgwire_cbind cb)
{
	pgwire_buf_puts(out, cb == PGWIRE_CBIND_USED ? "p=" CBIND_TYPE ",," :
					cb == PGWIRE_CBIND_SUPPORTED ? "y,," : "n,,");
}

/* ---- client ------------------------------------------------------------- */

int
pgwire_scram_client_init(pgwire_scram_client *c, const char *password, pgwire_cbind cbind,
						 const uint8_t *cbind_data, size_t cbind_len,
						 const pgwire_allocator *alloc, pgwire_error *err)
{
	memset(c, 0, sizeof(*c));
	c->alloc = alloc;
	pgwire_buf_init(&c->password, alloc);
	pgwire_buf_init(&c->client_first_bare, alloc);
	pgwire_buf_init(&c->server_first, alloc);
	pgwire_buf_init(&c->client_final_noproof, alloc);
	if (password == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "password must not be NULL");
	if (cbind == PGWIRE_CBIND_USED &&
		(cbind_data == NULL || cbind_len == 0 || cbind_len > PGWIRE_CBIND_MAX))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"channel binding needs 1 to %d bytes of certificate hash",
								PGWIRE_CBIND_MAX);
	c->cbind = cbind;
	if (cbind == PGWIRE_CBIND_USED)
	{
		memcpy(c->cbind_data, cbind_data, cbind_len);
		c->cbind_len = cbind_len;
	}
	if (pgwire_saslprep(password, &c->password, NULL) != PGWIRE_OK)
		return no_memory(err);
	return PGWIRE_OK;
}

int
pgwire_scram_client_set_nonce(pgwire_scram_client *c, const char *nonce)
{
	if (c->state != ST_INIT || nonce == NULL || !valid_nonce(nonce, strlen(nonce)))
		return PGWIRE_ERR_ARGUMENT;
	strcpy(c->client_nonce, nonce);
	return PGWIRE_OK;
}

int
pgwire_scram_client_first(pgwire_scram_client *c, const char *user, pgwire_buf *out,
						  pgwire_error *err)
{
	if (c->state != ST_INIT)
		return pgwire_error_set(err, PGWIRE_ERR_STATE, 0, "SCRAM exchange out of sequence");
	if (c->client_nonce[0] == '\0' && make_nonce(c->client_nonce) != 0)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "could not generate a nonce");
	/* RFC 5802 escapes ',' and '=' in the user name as =2C and =3D. */
	pgwire_buf_puts(&c->client_first_bare, "n=");
	for (const char *u = user ? user : ""; *u; u++)
	{
		if (*u == ',')
			pgwire_buf_puts(&c->client_first_bare, "=2C");
		else if (*u == '=')
			pgwire_buf_puts(&c->client_first_bare, "=3D");
		else
			pgwire_buf_append(&c->client_first_bare, u, 1);
	}
	pgwire_buf_puts(&c->client_first_bare, ",r=");
	pgwire_buf_puts(&c->client_first_bare, c->client_nonce);
	cbind_header(out, c->cbind);
	pgwire_buf_append(out, c->client_first_bare.data, c->client_first_bare.len);
	if (c->client_first_bare.status || out->status)
		return no_memory(err);
	c->state = ST_FIRST_SENT;
	return PGWIRE_OK;
}

int
pgwire_scram_client_final(pgwire_scram_client *c, const uint8_t *data, size_t len,
						  pgwire_buf *out, pgwire_error *err)
{
	cursor		cur = cursor_of(data, len);
	span		nonce, salt, iter;
	uint8_t		saltbin[256];
	size_t		saltlen;
	long		iterations;
	char	   *endp;
	char		itbuf[16];
	uint8_t		client_key[32], stored_key[32], client_sig[32], proof[32];
	pgwire_buf	cf, am;
	size_t		nclen = strlen(c->client_nonce);
	int			rc;

	if ((rc = enter_step(&c->state, ST_FIRST_SENT, err)) != PGWIRE_OK ||
		(rc = refuse_nul(&cur, "server-first-message", err)) != PGWIRE_OK)
		return rc;
	if (read_attr(&cur, 'r', NULL, &nonce) != 0)
		return fail(err, &cur, "malformed SCRAM message (attribute \"r\" expected)");
	if (nonce.len <= nclen || memcmp(nonce.ptr, c->client_nonce, nclen) != 0 ||
		!printable_nonce(nonce.ptr, nonce.len))
		return fail(err, &cur, "invalid SCRAM response (nonce mismatch)");
	if (read_attr(&cur, 's', NULL, &salt) != 0)
		return fail(err, &cur, "malformed SCRAM message (attribute \"s\" expected)");
	if (b64_decode(salt.ptr, salt.len, saltbin, sizeof(saltbin), &saltlen) != 0 || saltlen == 0)
		return fail(err, &cur, "malformed SCRAM message (invalid salt)");
	if (read_attr(&cur, 'i', NULL, &iter) != 0 || iter.len == 0 || iter.len >= sizeof(itbuf))
		return fail(err, &cur, "malformed SCRAM message (attribute \"i\" expected)");
	memcpy(itbuf, iter.ptr, iter.len);
	itbuf[iter.len] = '\0';
	iterations = strtol(itbuf, &endp, 10);
	if (*endp != '\0' || iterations < 1 || iterations > 0x7fffffff)
		return fail(err, &cur, "malformed SCRAM message (invalid iteration count)");
	if (cur.p != cur.end || (len > 0 && data[len - 1] == ','))
		return fail(err, &cur, "malformed SCRAM message (garbage at end of server-first-message)");

	pgwire_buf_append(&c->server_first, data, len);
	/* client-final-message-without-proof: c=base64(gs2 header [|| cbind data]),r=nonce */
	pgwire_buf_init(&cf, c->alloc);
	cbind_header(&cf, c->cbind);
	pgwire_buf_append(&cf, c->cbind_data, c->cbind_len);
	pgwire_buf_puts(&c->client_final_noproof, "c=");
	if (cf.status == PGWIRE_OK)
		b64_encode(&c->client_final_noproof, cf.data, cf.len);
	pgwire_buf_free(&cf);
	pgwire_buf_puts(&c->client_final_noproof, ",r=");
	pgwire_buf_append(&c->client_final_noproof, nonce.ptr, nonce.len);
	if (c->client_final_noproof.status || c->server_first.status)
		return no_memory(err);

	if (salted_password((const char *) c->password.data, c->password.len, saltbin, saltlen,
						(int) iterations, c->salted_password) != 0 ||
		hmac256(c->salted_password, 32, "Client Key", 10, client_key) != 0 ||
		sha256(client_key, 32, stored_key) != 0)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "SCRAM key derivation failed in libcrypto");

	pgwire_buf_init(&am, c->alloc);
	auth_message(&am, &c->client_first_bare, &c->server_first,
				 (const char *) c->client_final_noproof.data, c->client_final_noproof.len);
	if (am.status)
		rc = no_memory(err);
	else if (hmac256(stored_key, 32, am.data, am.len, client_sig) != 0)
		rc = pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "HMAC failed in libcrypto");
	pgwire_buf_free(&am);
	if (rc != PGWIRE_OK)
		return rc;
	for (int i = 0; i < 32; i++)
		proof[i] = client_key[i] ^ client_sig[i];
	pgwire_buf_append(out, c->client_final_noproof.data, c->client_final_noproof.len);
	pgwire_buf_puts(out, ",p=");
	if (b64_encode(out, proof, 32) != PGWIRE_OK)
		return no_memory(err);
	OPENSSL_cleanse(client_key, sizeof(client_key));
	c->state = ST_FINAL_SENT;
	return PGWIRE_OK;
}

int
pgwire_scram_client_verify(pgwire_scram_client *c, const uint8_t *data, size_t len,
						   pgwire_error *err)
{
	cursor		cur = cursor_of(data, len);
	span		v;
	char		attr;
	uint8_t		server_key[32], expect[32], got[64];
	size_t		gotlen;
	pgwire_buf	am;
	int			bad,
				rc;

	if ((rc = enter_step(&c->state, ST_FINAL_SENT, err)) != PGWIRE_OK)
		return rc;
	if (memchr(data, '\0', len) != NULL || read_attr(&cur, 0, &attr, &v) != 0 ||
		(attr != 'v' && attr != 'e'))
		return fail(err, &cur, "malformed SCRAM message (attribute \"v\" expected)");
	if (attr == 'e')
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "server reported SCRAM error: %.*s",
								(int) (v.len > 100 ? 100 : v.len), v.ptr);
	if (b64_decode(v.ptr, v.len, got, sizeof(got), &gotlen) != 0 || gotlen != 32)
		return fail(err, &cur, "malformed SCRAM message (invalid server signature)");
	if (cur.p != cur.end)
		return fail(err, &cur, "malformed SCRAM message (garbage at end of server-final-message)");
	pgwire_buf_init(&am, c->alloc);
	auth_message(&am, &c->client_first_bare, &c->server_first,
				 (const char *) c->client_final_noproof.data, c->client_final_noproof.len);
	bad = am.status != PGWIRE_OK ||
		hmac256(c->salted_password, 32, "Server Key", 10, server_key) != 0 ||
		hmac256(server_key, 32, am.data, am.len, expect) != 0;
	pgwire_buf_free(&am);
	if (bad)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "could not compute the server signature");
	if (CRYPTO_memcmp(expect, got, 32) != 0)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "incorrect server signature");
	c->state = ST_DONE;
	return PGWIRE_OK;
}

int
pgwire_scram_client_done(const pgwire_scram_client *c)
{
	return c->state == ST_DONE;
}

void
pgwire_scram_client_free(pgwire_scram_client *c)
{
	if (c->password.data)
		OPENSSL_cleanse(c->password.data, c->password.len);
	OPENSSL_cleanse(c->salted_password, sizeof(c->salted_password));
	pgwire_buf_free(&c->password);
	pgwire_buf_free(&c->client_first_bare);
	pgwire_buf_free(&c->server_first);
	pgwire_buf_free(&c->client_final_noproof);
}

/* ---- verifiers ---------------------------------------------------------- */

int
pgwire_scram_verifier_make(const char *password, const uint8_t *salt, size_t salt_len,
						   int iterations, pgwire_scram_verifier *v, pgwire_error *err)
{
	pgwire_buf	pw;
	uint8_t		sp[32], ck[32];
	int			bad;

	if (password == NULL || v == NULL || salt_len > sizeof(v->salt) ||
		(salt != NULL && salt_len == 0))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "bad password or salt");
	memset(v, 0, sizeof(*v));
	v->iterations = iterations > 0 ? iterations : PGWIRE_SCRAM_ITERATIONS;
	if (salt)
	{
		memcpy(v->salt, salt, salt_len);
		v->salt_len = salt_len;
	}
	else
	{
		v->salt_len = PGWIRE_SCRAM_SALT_LEN;
		if (RAND_bytes(v->salt, PGWIRE_SCRAM_SALT_LEN) != 1)
			return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "could not generate a salt");
	}
	pgwire_buf_init(&pw, NULL);
	if (pgwire_saslprep(password, &pw, NULL) != PGWIRE_OK)
	{
		pgwire_buf_free(&pw);
		return no_memory(err);
	}
	bad = salted_password((const char *) pw.data, pw.len, v->salt, v->salt_len,
						  v->iterations, sp) != 0 ||
		hmac256(sp, 32, "Client Key", 10, ck) != 0 ||
		sha256(ck, 32, v->stored_key) != 0 ||
		hmac256(sp, 32, "Server Key", 10, v->server_key) != 0;
	OPENSSL_cleanse(pw.data, pw.len);
	pgwire_buf_free(&pw);
	OPENSSL_cleanse(sp, sizeof(sp));
	if (bad)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "SCRAM key derivation failed in libcrypto");
	return PGWIRE_OK;
}

int
pgwire_scram_verifier_parse(const char *text, pgwire_scram_verifier *v, pgwire_error *err)
{
	const char *p, *colon, *dollar;
	char	   *endp;
	long		it;
	size_t		n;

	if (text == NULL || v == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "NULL verifier");
	memset(v, 0, sizeof(*v));
	if (strncmp(text, "SCRAM-SHA-256$", 14) != 0)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "verifier does not start with SCRAM-SHA-256$");
	p = text + 14;
	it = strtol(p, &endp, 10);
	if (endp == p || *endp != ':' || it < 1 || it > 0x7fffffff)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, (size_t) (p - text), "invalid iteration count in verifier");
	v->iterations = (int) it;
	p = endp + 1;
	dollar = strchr(p, '$');
	if (dollar == NULL ||
		b64_decode(p, (size_t) (dollar - p), v->salt, sizeof(v->salt), &v->salt_len) != 0 ||
		v->salt_len == 0)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, (size_t) (p - text), "invalid salt in verifier");
	p = dollar + 1;
	colon = strchr(p, ':');
	if (colon == NULL ||
		b64_decode(p, (size_t) (colon - p), v->stored_key, 32, &n) != 0 || n != 32)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, (size_t) (p - text), "invalid StoredKey in verifier");
	p = colon + 1;
	if (b64_decode(p, strlen(p), v->server_key, 32, &n) != 0 || n != 32)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, (size_t) (p - text), "invalid ServerKey in verifier");
	return PGWIRE_OK;
}

int
pgwire_scram_verifier_format(const pgwire_scram_verifier *v, pgwire_buf *out)
{
	pgwire_buf_printf(out, "SCRAM-SHA-256$%d:", v->iterations);
	b64_encode(out, v->salt, v->salt_len);
	pgwire_buf_puts(out, "$");
	b64_encode(out, v->stored_key, 32);
	pgwire_buf_puts(out, ":");
	b64_encode(out, v->server_key, 32);
	pgwire_buf_append(out, "", 1);
	if (out->status == PGWIRE_OK)
		out->len--;
	return out->status;
}

/* ---- server ------------------------------------------------------------- */

int
pgwire_scram_server_init(pgwire_scram_server *s, const pgwire_scram_verifier *v,
						 const uint8_t *cbind_data, size_t cbind_len,
						 const pgwire_allocator *alloc, pgwire_error *err)
{
	memset(s, 0, sizeof(*s));
	s->alloc = alloc;
	pgwire_buf_init(&s->client_first_bare, alloc);
	pgwire_buf_init(&s->server_first, alloc);
	pgwire_buf_init(&s->gs2_header, alloc);
	pgwire_buf_init(&s->nonce, alloc);
	if (v == NULL || cbind_len > PGWIRE_CBIND_MAX || (cbind_len && cbind_data == NULL))
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0, "bad verifier or channel binding data");
	s->verifier = *v;
	if (cbind_len)
		memcpy(s->cbind_data, cbind_data, cbind_len);
	s->cbind_len = cbind_len;
	return PGWIRE_OK;
}

int
pgwire_scram_server_set_nonce(pgwire_scram_server *s, const char *nonce)
{
	if (s->state != ST_INIT || nonce == NULL || !valid_nonce(nonce, strlen(nonce)))
		return PGWIRE_ERR_ARGUMENT;
	strcpy(s->server_nonce, nonce);
	return PGWIRE_OK;
}

/* ---- server: failures as PostgreSQL reports them ------------------------- */

/*
 * Record a failed server step: PostgreSQL's SQLSTATE, message and detail
 * in s (auth.h, fail_*) and the two joined in err.  sqlstate NULL: a wrong
 * proof, which the caller reports as 28P01.
 */
static int
server_fail(pgwire_scram_server *s, pgwire_error *err, const char *sqlstate,
			const char *message, const char *detail)
{
	s->fail_sqlstate = sqlstate;
	s->fail_message = message;
	snprintf(s->fail_detail, sizeof(s->fail_detail), "%s", detail ? detail : "");
	return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "%s%s%s", message,
							detail ? ": " : "", detail ? detail : "");
}

/* "malformed SCRAM message" (08P01) with a detail formatted from fmt. */
static int
malformed(pgwire_scram_server *s, pgwire_error *err, const char *fmt, const char *arg)
{
	char		detail[160];

	snprintf(detail, sizeof(detail), fmt, arg);
	return server_fail(s, err, "08P01", "malformed SCRAM message", detail);
}

/*
 * A character quoted as PostgreSQL's sanitize_char() does: 'x' when
 * printable, else 0x%02x; the end of the message reads as NUL there.
 */
static const char *
shown_char(const cursor *c, const char *at, char buf[8])
{
	unsigned char ch = at < c->end ? (unsigned char) *at : 0;

	if (ch >= 0x21 && ch <= 0x7e)
		snprintf(buf, 8, "'%c'", ch);
	else
		snprintf(buf, 8, "0x%02x", ch);
	return buf;
}

/* read_attr for attribute attr, failing as PostgreSQL's read_attr_value. */
static int
server_attr(pgwire_scram_server *s, cursor *c, char attr, span *val, pgwire_error *err)
{
	char		buf[8],
				detail[96];

	if (c->p >= c->end || *c->p != attr)
	{
		snprintf(detail, sizeof(detail), "Expected attribute \"%c\" but found \"%s\".", attr,
				 shown_char(c, c->p, buf));
		return server_fail(s, err, "08P01", "malformed SCRAM message", detail);
	}
	if (read_attr(c, attr, NULL, val) != 0)
	{
		snprintf(detail, sizeof(detail), "Expected character \"=\" for attribute \"%c\".", attr);
		return server_fail(s, err, "08P01", "malformed SCRAM message", detail);
	}
	return PGWIRE_OK;
}

/* Any attribute (an extension, or the proof), as read_any_attr. */
static int
server_any_attr(pgwire_scram_server *s, cursor *c, char *got, span *val, pgwire_error *err)
{
	char		buf[8],
				detail[96];

	if (c->p >= c->end)
		return server_fail(s, err, "08P01", "malformed SCRAM message",
						   "Attribute expected, but found end of string.");
	if (!((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
		return malformed(s, err, "Attribute expected, but found invalid character \"%s\".",
						 shown_char(c, c->p, buf));
	if (read_attr(c, 0, got, val) != 0)
	{
		snprintf(detail, sizeof(detail), "Expected character \"=\" for attribute \"%c\".", *c->p);
		return server_fail(s, err, "08P01", "malformed SCRAM message", detail);
	}
	return PGWIRE_OK;
}

/*
 * PostgreSQL's scram_exchange() checks before parsing: the message is not
 * empty and holds no NUL byte (its length must be its strlen()).
 */
static int
server_check_text(pgwire_scram_server *s, const cursor *c, pgwire_error *err)
{
	if (c->end == c->start)
		return server_fail(s, err, "08P01", "malformed SCRAM message", "The message is empty.");
	if (memchr(c->start, '\0', (size_t) (c->end - c->start)) != NULL)
		return server_fail(s, err, "08P01", "malformed SCRAM message",
						   "Message length does not match input length.");
	return PGWIRE_OK;
}

/* ---- server: the exchange ------------------------------------------------- */

static int	server_read_authzid(pgwire_scram_server *s, cursor *cur, pgwire_error *err);

/* The GS2 header: channel binding flag, then the (refused) authzid. */
static int
server_read_gs2(pgwire_scram_server *s, cursor *cur, int plus, pgwire_error *err)
{
	char		buf[8];
	span		v;
	int			rc;

	switch (*cur->p)
	{
		case 'p':
			if (!plus)
				return server_fail(s, err, "08P01", "malformed SCRAM message",
								   "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.");
			if ((rc = server_attr(s, cur, 'p', &v, err)) != PGWIRE_OK)
				return rc;
			if (v.len != strlen(CBIND_TYPE) || memcmp(v.ptr, CBIND_TYPE, v.len) != 0)
			{
				snprintf(s->fail_quoted, sizeof(s->fail_quoted),
						 "unsupported SCRAM channel-binding type \"%.*s\"",
						 (int) (v.len > 40 ? 40 : v.len), v.ptr);
				return server_fail(s, err, "08P01", s->fail_quoted, NULL);
			}
			s->cbind = PGWIRE_CBIND_USED;
			/* read_attr took the comma after the type, as read_attr_value does */
			return server_read_authzid(s, cur, err);
		case 'y':
		case 'n':
			if (plus)
				return server_fail(s, err, "08P01", "malformed SCRAM message",
								   "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.");
			/* "y" with -PLUS on offer means someone stripped it: refuse. */
			if (*cur->p == 'y' && s->cbind_len > 0)
				return server_fail(s, err, "28000", "SCRAM channel binding negotiation error",
								   "The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.");
			s->cbind = *cur->p == 'y' ? PGWIRE_CBIND_SUPPORTED : PGWIRE_CBIND_NONE;
			cur->p++;
			break;
		default:
			return malformed(s, err, "Unexpected channel-binding flag \"%s\".",
							 shown_char(cur, cur->p, buf));
	}
	if (cur->p >= cur->end || *cur->p != ',')
		return malformed(s, err, "Comma expected, but found character \"%s\".",
						 shown_char(cur, cur->p, buf));
	cur->p++;
	return server_read_authzid(s, cur, err);
}

/* After the channel-binding flag: the authzid, which PostgreSQL refuses. */
static int
server_read_authzid(pgwire_scram_server *s, cursor *cur, pgwire_error *err)
{
	char		buf[8];

	if (cur->p < cur->end && *cur->p == 'a')
		return server_fail(s, err, "0A000",
						   "client uses authorization identity, but it is not supported", NULL);
	if (cur->p >= cur->end || *cur->p != ',')
		return malformed(s, err, "Unexpected attribute \"%s\" in client-first-message.",
						 shown_char(cur, cur->p, buf));
	cur->p++;
	pgwire_buf_append(&s->gs2_header, cur->start, (size_t) (cur->p - cur->start));
	return PGWIRE_OK;
}

/* client-first-message-bare: [reserved-mext ","] username "," nonce ["," extensions] */
static int
server_read_bare(pgwire_scram_server *s, cursor *cur, span *nonce, pgwire_error *err)
{
	span		user,
				ext;
	char		attr;
	int			rc;

	if (cur->p < cur->end && *cur->p == 'm')
		return server_fail(s, err, "0A000", "client requires an unsupported SCRAM extension",
						   NULL);
	if ((rc = server_attr(s, cur, 'n', &user, err)) != PGWIRE_OK ||
		(rc = server_attr(s, cur, 'r', nonce, err)) != PGWIRE_OK)
		return rc;
	/* PostgreSQL's is_scram_printable(): an empty nonce passes */
	if (nonce->len > 0 && !printable_nonce(nonce->ptr, nonce->len))
		return server_fail(s, err, "08P01", "non-printable characters in SCRAM nonce", NULL);
	/* Extensions after the nonce are ignored, as PostgreSQL does. */
	while (cur->p < cur->end)
		if ((rc = server_any_attr(s, cur, &attr, &ext, err)) != PGWIRE_OK)
			return rc;
	return PGWIRE_OK;
}

int
pgwire_scram_server_first(pgwire_scram_server *s, const char *mechanism, const uint8_t *data,
						  size_t len, pgwire_buf *out, pgwire_error *err)
{
	cursor		cur = cursor_of(data, len);
	span		nonce;
	const char *bare;
	int			plus, rc;

	if ((rc = enter_step(&s->state, ST_INIT, err)) != PGWIRE_OK)
		return rc;
	if (mechanism != NULL && strcmp(mechanism, PGWIRE_SCRAM_SHA_256_PLUS) == 0 && s->cbind_len > 0)
		plus = 1;
	else if (mechanism != NULL && strcmp(mechanism, PGWIRE_SCRAM_SHA_256) == 0)
		plus = 0;
	else
		return server_fail(s, err, "08P01",
						   "client selected an invalid SASL authentication mechanism", NULL);
	if ((rc = server_check_text(s, &cur, err)) != PGWIRE_OK ||
		(rc = server_read_gs2(s, &cur, plus, err)) != PGWIRE_OK)
		return rc;
	bare = cur.p;
	if ((rc = server_read_bare(s, &cur, &nonce, err)) != PGWIRE_OK)
		return rc;
	pgwire_buf_append(&s->client_first_bare, bare, (size_t) (cur.end - bare));

	if (s->server_nonce[0] == '\0' && make_nonce(s->server_nonce) != 0)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "could not generate a nonce");
	pgwire_buf_append(&s->nonce, nonce.ptr, nonce.len);
	pgwire_buf_puts(&s->nonce, s->server_nonce);
	pgwire_buf_puts(&s->server_first, "r=");
	pgwire_buf_append(&s->server_first, s->nonce.data, s->nonce.len);
	pgwire_buf_puts(&s->server_first, ",s=");
	b64_encode(&s->server_first, s->verifier.salt, s->verifier.salt_len);
	pgwire_buf_printf(&s->server_first, ",i=%d", s->verifier.iterations);
	pgwire_buf_append(out, s->server_first.data, s->server_first.len);
	if (s->server_first.status || s->nonce.status || s->client_first_bare.status ||
		s->gs2_header.status || out->status)
		return no_memory(err);
	s->state = ST_FIRST_SENT;
	return PGWIRE_OK;
}

/*
 * channel-binding "," nonce ["," extensions] "," proof: check c= against
 * our GS2 header (and the binding data for "p") and the nonce; *proof
 * gets the decoded ClientProof, *without_proof where ",p=" starts.
 */
static int
server_read_final(pgwire_scram_server *s, cursor *cur, uint8_t proof[32],
				  const char **without_proof, pgwire_error *err)
{
	span		cb,
				nonce,
				val;
	char		attr;
	uint8_t		cbbin[256],
				buf[64];
	size_t		cblen,
				prooflen;
	int			rc;

	if ((rc = server_attr(s, cur, 'c', &cb, err)) != PGWIRE_OK)
		return rc;
	if (b64_decode(cb.ptr, cb.len, cbbin, sizeof(cbbin), &cblen) != 0 ||
		cblen != s->gs2_header.len + (s->cbind == PGWIRE_CBIND_USED ? s->cbind_len : 0) ||
		memcmp(cbbin, s->gs2_header.data, s->gs2_header.len) != 0 ||
		(s->cbind == PGWIRE_CBIND_USED &&
		 CRYPTO_memcmp(cbbin + s->gs2_header.len, s->cbind_data, s->cbind_len) != 0))
		return s->cbind == PGWIRE_CBIND_USED
			? server_fail(s, err, "28000", "SCRAM channel binding check failed", NULL)
			: server_fail(s, err, "08P01",
						  "unexpected SCRAM channel-binding attribute in client-final-message",
						  NULL);
	if ((rc = server_attr(s, cur, 'r', &nonce, err)) != PGWIRE_OK)
		return rc;
	do
	{
		*without_proof = cur->p;
		if ((rc = server_any_attr(s, cur, &attr, &val, err)) != PGWIRE_OK)
			return rc;
	} while (attr != 'p');
	if (b64_decode(val.ptr, val.len, buf, sizeof(buf), &prooflen) != 0 || prooflen != 32)
		return malformed(s, err, "%s", "Malformed proof in client-final-message.");
	/* a ',' right after the proof is taken, as read_any_attr leaves it */
	if (cur->p != cur->end)
		return malformed(s, err, "%s", "Garbage found at the end of client-final-message.");
	/* checked after the parse, as PostgreSQL's verify_final_nonce */
	if (nonce.len != s->nonce.len || memcmp(nonce.ptr, s->nonce.data, nonce.len) != 0)
		return server_fail(s, err, "08P01", "invalid SCRAM response", "Nonce does not match.");
	memcpy(proof, buf, 32);
	return PGWIRE_OK;
}

int
pgwire_scram_server_final(pgwire_scram_server *s, const uint8_t *data, size_t len,
						  pgwire_buf *out, pgwire_error *err)
{
	cursor		cur = cursor_of(data, len);
	const char *proof_start = cur.start;
	uint8_t		proof[32], sig[32], key[32], stored[32], ssig[32];
	pgwire_buf	am;
	int			bad,
				rc;

	if ((rc = enter_step(&s->state, ST_FIRST_SENT, err)) != PGWIRE_OK ||
		(rc = server_check_text(s, &cur, err)) != PGWIRE_OK ||
		(rc = server_read_final(s, &cur, proof, &proof_start, err)) != PGWIRE_OK)
		return rc;

	pgwire_buf_init(&am, s->alloc);
	auth_message(&am, &s->client_first_bare, &s->server_first,
				 (const char *) data, (size_t) (proof_start - 1 - (const char *) data));
	bad = am.status != PGWIRE_OK ||
		hmac256(s->verifier.stored_key, 32, am.data, am.len, sig) != 0;
	if (!bad)
	{
		for (int i = 0; i < 32; i++)
			key[i] = proof[i] ^ sig[i];
		bad = sha256(key, 32, stored) != 0 ||
			hmac256(s->verifier.server_key, 32, am.data, am.len, ssig) != 0;
	}
	pgwire_buf_free(&am);
	if (bad)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "could not compute the SCRAM proof");
	if (CRYPTO_memcmp(stored, s->verifier.stored_key, 32) != 0)
		return server_fail(s, err, NULL, "SCRAM proof does not match the password", NULL);
	pgwire_buf_puts(out, "v=");
	if (b64_encode(out, ssig, 32) != PGWIRE_OK)
		return no_memory(err);
	s->state = ST_DONE;
	return PGWIRE_OK;
}

void
pgwire_scram_server_free(pgwire_scram_server *s)
{
	pgwire_buf_free(&s->client_first_bare);
	pgwire_buf_free(&s->server_first);
	pgwire_buf_free(&s->gs2_header);
	pgwire_buf_free(&s->nonce);
}

/* ---- channel binding ----------------------------------------------------- */

int
pgwire_cbind_hash(const uint8_t *der, size_t der_len, int sig_digest_nid, uint8_t *out,
				  size_t *out_len, pgwire_error *err)
{
	const EVP_MD *md;
	unsigned int n = 0;

	/* RFC 5929 4.1: MD5 and SHA-1 are upgraded to SHA-256. */
	if (sig_digest_nid == NID_md5 || sig_digest_nid == NID_sha1)
		sig_digest_nid = NID_sha256;
	md = EVP_get_digestbynid(sig_digest_nid);
	if (md == NULL || EVP_MD_size(md) > PGWIRE_CBIND_MAX)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0,
								"could not determine the server certificate hash algorithm");
	if (EVP_Digest(der, der_len, out, &n, md, NULL) != 1)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0, "could not hash the server certificate");
	*out_len = n;
	return PGWIRE_OK;
}
