/*
 * pgwire/auth.h
 *    Password authentication helpers: the MD5 password hash, SASLprep,
 *    and SCRAM-SHA-256 / SCRAM-SHA-256-PLUS for both the client and the
 *    server side, as PostgreSQL speaks them.
 *
 * All cryptography comes from OpenSSL libcrypto (EVP digests, HMAC,
 * PKCS5_PBKDF2_HMAC, RAND_bytes).  Failures are PGWIRE_ERR_AUTH with a
 * detail sentence (a wrong proof, a malformed SCRAM message, a nonce that
 * does not extend ours, a crypto call failing), PGWIRE_ERR_ARGUMENT for
 * bad arguments and PGWIRE_ERR_NOMEM when an allocator fails.
 *
 * Sources: PostgreSQL docs "Frontend/Backend Protocol" sections "Password
 * Authentication" (MD5 formula) and "SASL Authentication" (SCRAM as
 * PostgreSQL uses it: the user name in client-first-message is ignored and
 * sent empty, channel binding type tls-server-end-point); RFC 5802, RFC
 * 7677 (SCRAM-SHA-256, its test vector), RFC 5929 section 4.1
 * (tls-server-end-point), RFC 4013 (SASLprep); the verifier format
 * "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" stored in
 * pg_authid.rolpassword.
 */
#ifndef PGWIRE_AUTH_H
#define PGWIRE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- MD5 --------------------------------------------------------------- */

/* "md5" + 32 hex digits + NUL */
#define PGWIRE_MD5_PASSWD_LEN 36

/*
 * The hash PostgreSQL stores for password_encryption = md5 (pg_authid):
 * "md5" || md5hex(password || user).  out receives a NUL-terminated string
 * of 35 characters.  PGWIRE_OK, PGWIRE_ERR_ARGUMENT (NULL input),
 * PGWIRE_ERR_AUTH (libcrypto failed).
 */
PGWIRE_EXPORT int pgwire_md5_encrypt(const char *password, const char *user,
									 char out[PGWIRE_MD5_PASSWD_LEN], pgwire_error *err);

/*
 * The PasswordMessage answer to AuthenticationMD5Password:
 * "md5" || md5hex(md5hex(password || user) || salt), where salt is the 4
 * bytes of the request.  If password already is an "md5..." hash of 35
 * characters it is used as the inner hash (what libpq does for stored
 * hashes).  Errors as pgwire_md5_encrypt().
 */
PGWIRE_EXPORT int pgwire_md5_response(const char *user, const char *password,
									  const uint8_t salt[4],
									  char out[PGWIRE_MD5_PASSWD_LEN], pgwire_error *err);

/* ---- SASLprep ---------------------------------------------------------- */

/*
 * SASLprep (RFC 4013) the way PostgreSQL applies it to SCRAM passwords
 * (src/common/saslprep.c): a pure ASCII string is used as is; otherwise
 * the string is mapped (non-ASCII spaces to SPACE, "commonly mapped to
 * nothing" characters removed), NFKC-normalised and checked for
 * prohibited, unassigned and bidirectional violations.  When the string is
 * not valid UTF-8 or fails a check, PostgreSQL uses the raw bytes; so does
 * this function, and *used_raw (when not NULL) tells which happened.
 * The tables are GNU libidn's stringprep "SASLprep" profile (Unicode 3.2,
 * as RFC 4013 specifies; libpgwire links libidn).  Appends the result
 * (NUL-terminated, the NUL not counted in out->len) to out.  PGWIRE_OK or
 * PGWIRE_ERR_NOMEM.
 */
PGWIRE_EXPORT int pgwire_saslprep(const char *in, pgwire_buf *out, int *used_raw);

/* ---- SCRAM-SHA-256 ------------------------------------------------------ */

#define PGWIRE_SCRAM_KEY_LEN 32		/* SHA-256 output */
#define PGWIRE_SCRAM_NONCE_LEN 18	/* raw random bytes; sent base64 (24) */
#define PGWIRE_SCRAM_SALT_LEN 16	/* PostgreSQL's default salt length */
#define PGWIRE_SCRAM_ITERATIONS 4096	/* PostgreSQL's default */
#define PGWIRE_CBIND_MAX 64			/* largest tls-server-end-point hash */

#define PGWIRE_SCRAM_SHA_256 "SCRAM-SHA-256"
#define PGWIRE_SCRAM_SHA_256_PLUS "SCRAM-SHA-256-PLUS"

/* Channel binding choice in the GS2 header (RFC 5802 section 7). */
typedef enum pgwire_cbind
{
	PGWIRE_CBIND_NONE = 0,		/* "n": client does not support it */
	PGWIRE_CBIND_SUPPORTED,		/* "y": client supports, server did not offer */
	PGWIRE_CBIND_USED			/* "p=tls-server-end-point": -PLUS */
} pgwire_cbind;

/*
 * Client side of one SCRAM exchange.  Fields are private; the struct is
 * public so it can live on the stack.  Sequence:
 *   pgwire_scram_client_init()
 *   pgwire_scram_client_first()   -> SASLInitialResponse data
 *   pgwire_scram_client_final()   <- AuthenticationSASLContinue data
 *                                 -> SASLResponse data
 *   pgwire_scram_client_verify()  <- AuthenticationSASLFinal data
 *   pgwire_scram_client_free()
 */
typedef struct pgwire_scram_client
{
	int			state;
	pgwire_cbind cbind;
	uint8_t		cbind_data[PGWIRE_CBIND_MAX];
	size_t		cbind_len;
	char		client_nonce[64];
	pgwire_buf	password;		/* SASLprep'd */
	pgwire_buf	client_first_bare;
	pgwire_buf	server_first;
	pgwire_buf	client_final_noproof;
	uint8_t		salted_password[PGWIRE_SCRAM_KEY_LEN];
	const pgwire_allocator *alloc;
} pgwire_scram_client;

/*
 * Prepare an exchange.  password is SASLprep'd here.  cbind selects the
 * GS2 flag; for PGWIRE_CBIND_USED cbind_data holds the tls-server-end-point
 * hash of the server certificate (1..PGWIRE_CBIND_MAX bytes), otherwise it
 * may be NULL.  alloc may be NULL.  PGWIRE_OK, PGWIRE_ERR_ARGUMENT,
 * PGWIRE_ERR_NOMEM.  The client must be freed even after an error.
 */
PGWIRE_EXPORT int pgwire_scram_client_init(pgwire_scram_client *c, const char *password,
										   pgwire_cbind cbind, const uint8_t *cbind_data,
										   size_t cbind_len, const pgwire_allocator *alloc,
										   pgwire_error *err);

/*
 * Use this client nonce (printable ASCII, no ',') instead of 18 random
 * bytes in base64; for tests (RFC 7677's vector).  Before _first().
 */
PGWIRE_EXPORT int pgwire_scram_client_set_nonce(pgwire_scram_client *c, const char *nonce);

/*
 * Append client-first-message to out: gs2-header then "n=<user>,r=<nonce>".
 * PostgreSQL ignores the SCRAM user name, so user NULL gives "n=" (what
 * libpq sends).  PGWIRE_OK, PGWIRE_ERR_STATE (out of sequence),
 * PGWIRE_ERR_AUTH (RAND_bytes failed), PGWIRE_ERR_NOMEM.
 */
PGWIRE_EXPORT int pgwire_scram_client_first(pgwire_scram_client *c, const char *user,
											pgwire_buf *out, pgwire_error *err);

/*
 * Read server-first-message "r=<nonce>,s=<salt>,i=<iterations>" (len
 * bytes, not NUL-terminated) and append client-final-message
 * "c=<cbind>,r=<nonce>,p=<proof>" to out.  PGWIRE_ERR_AUTH when the
 * message is malformed, the nonce does not start with ours, the salt is
 * not base64 or the iteration count is not a positive integer (err->offset
 * is the offset in data); PGWIRE_ERR_STATE, PGWIRE_ERR_NOMEM.
 */
PGWIRE_EXPORT int pgwire_scram_client_final(pgwire_scram_client *c, const uint8_t *data,
											size_t len, pgwire_buf *out, pgwire_error *err);

/*
 * Check server-final-message "v=<ServerSignature>" (or "e=<error>").
 * PGWIRE_OK when the server proved it knows the password; PGWIRE_ERR_AUTH
 * when the signature differs, the server sent e=..., or the message is
 * malformed; PGWIRE_ERR_STATE out of sequence.
 */
PGWIRE_EXPORT int pgwire_scram_client_verify(pgwire_scram_client *c, const uint8_t *data,
											 size_t len, pgwire_error *err);

/* 1 when _verify() succeeded. */
PGWIRE_EXPORT int pgwire_scram_client_done(const pgwire_scram_client *c);

PGWIRE_EXPORT void pgwire_scram_client_free(pgwire_scram_client *c);

/*
 * A stored verifier, as in pg_authid.rolpassword:
 * "SCRAM-SHA-256$<iterations>:<salt base64>$<StoredKey base64>:<ServerKey base64>".
 */
typedef struct pgwire_scram_verifier
{
	int			iterations;
	uint8_t		salt[64];
	size_t		salt_len;
	uint8_t		stored_key[PGWIRE_SCRAM_KEY_LEN];
	uint8_t		server_key[PGWIRE_SCRAM_KEY_LEN];
} pgwire_scram_verifier;

/*
 * Build a verifier from a password (SASLprep'd here).  salt NULL: 16 random
 * bytes; iterations <= 0: 4096.  PGWIRE_OK, PGWIRE_ERR_ARGUMENT
 * (salt_len over 64), PGWIRE_ERR_AUTH (libcrypto), PGWIRE_ERR_NOMEM.
 */
PGWIRE_EXPORT int pgwire_scram_verifier_make(const char *password, const uint8_t *salt,
											 size_t salt_len, int iterations,
											 pgwire_scram_verifier *v, pgwire_error *err);

/* Parse the text form.  PGWIRE_ERR_AUTH (with detail) if malformed. */
PGWIRE_EXPORT int pgwire_scram_verifier_parse(const char *text, pgwire_scram_verifier *v,
											  pgwire_error *err);

/* Append the text form (NUL-terminated) to out; the buffer's status. */
PGWIRE_EXPORT int pgwire_scram_verifier_format(const pgwire_scram_verifier *v,
											   pgwire_buf *out);

/*
 * Server side of one SCRAM exchange.  Sequence:
 *   pgwire_scram_server_init()      verifier, and channel binding data
 *   pgwire_scram_server_first()     <- SASLInitialResponse (mechanism, data)
 *                                   -> AuthenticationSASLContinue data
 *   pgwire_scram_server_final()     <- SASLResponse data
 *                                   -> AuthenticationSASLFinal data
 *   pgwire_scram_server_free()
 */
typedef struct pgwire_scram_server
{
	int			state;
	pgwire_scram_verifier verifier;
	uint8_t		cbind_data[PGWIRE_CBIND_MAX];
	size_t		cbind_len;		/* 0: no TLS, -PLUS not offered */
	pgwire_cbind cbind;			/* what the client chose */
	char		server_nonce[64];
	pgwire_buf	client_first_bare;
	pgwire_buf	server_first;
	pgwire_buf	gs2_header;
	pgwire_buf	nonce;			/* client nonce || server nonce */
	const pgwire_allocator *alloc;

	/*
	 * After a failed step: what PostgreSQL's server reports for the same
	 * client message (src/backend/libpq/auth-scram.c), for the FATAL
	 * ErrorResponse.  fail_sqlstate is NULL when the proof is merely wrong:
	 * then the answer is 28P01 "password authentication failed for user".
	 * Else e.g. "08P01", "malformed SCRAM message", "Expected attribute
	 * \"r\" but found \"'x'\"." (fail_detail "" when there is none).
	 */
	const char *fail_sqlstate;
	const char *fail_message;	/* static, or fail_quoted */
	char		fail_detail[160];
	char		fail_quoted[96];	/* a message that quotes the client's bytes */
} pgwire_scram_server;

/*
 * Prepare an exchange against a verifier.  cbind_data/cbind_len: the
 * tls-server-end-point hash of our certificate when the connection uses
 * TLS (then -PLUS may be offered), else NULL/0.  PGWIRE_OK or
 * PGWIRE_ERR_ARGUMENT.
 */
PGWIRE_EXPORT int pgwire_scram_server_init(pgwire_scram_server *s,
										   const pgwire_scram_verifier *v,
										   const uint8_t *cbind_data, size_t cbind_len,
										   const pgwire_allocator *alloc, pgwire_error *err);

/* Use this server nonce (printable, no ',') instead of a random one (tests). */
PGWIRE_EXPORT int pgwire_scram_server_set_nonce(pgwire_scram_server *s, const char *nonce);

/*
 * Read client-first-message for mechanism ("SCRAM-SHA-256" or
 * "SCRAM-SHA-256-PLUS") and append server-first-message to out.
 * PGWIRE_ERR_AUTH when the mechanism is unknown, the GS2 header is
 * malformed or does not match the mechanism ("y" while we offered -PLUS
 * is a downgrade and refused, as in PostgreSQL), or an extension is used;
 * s->fail_sqlstate, fail_message and fail_detail then say it as
 * PostgreSQL does (08P01 or 0A000).
 */
PGWIRE_EXPORT int pgwire_scram_server_first(pgwire_scram_server *s, const char *mechanism,
											const uint8_t *data, size_t len,
											pgwire_buf *out, pgwire_error *err);

/*
 * Read client-final-message, check the channel binding, the nonce and the
 * proof, and append server-final-message "v=..." to out.  PGWIRE_ERR_AUTH
 * (detail says which) when anything does not match.  A wrong proof leaves
 * s->fail_sqlstate NULL: the caller fails authentication as PostgreSQL
 * does, 28P01 password authentication failed; a malformed message, a
 * nonce or channel binding that does not match sets the fail_ fields to
 * PostgreSQL's 08P01 answer.
 */
PGWIRE_EXPORT int pgwire_scram_server_final(pgwire_scram_server *s, const uint8_t *data,
											size_t len, pgwire_buf *out, pgwire_error *err);

PGWIRE_EXPORT void pgwire_scram_server_free(pgwire_scram_server *s);

/*
 * tls-server-end-point channel binding data (RFC 5929 4.1) for a DER
 * certificate, given the digest its signature algorithm uses (an OpenSSL
 * digest NID, e.g. NID_sha384): MD5 and SHA-1 are replaced by SHA-256.
 * Writes the hash to out (PGWIRE_CBIND_MAX bytes room), *out_len its
 * length.  PGWIRE_ERR_AUTH when the digest is unknown.
 */
PGWIRE_EXPORT int pgwire_cbind_hash(const uint8_t *der, size_t der_len, int sig_digest_nid,
									uint8_t *out, size_t *out_len, pgwire_error *err);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_AUTH_H */
