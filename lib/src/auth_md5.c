/*
 * auth_md5.c
 *    The MD5 password hash PostgreSQL stores and the answer to
 *    AuthenticationMD5Password.
 *
 * Formula from the docs ("Password Authentication"):
 *    concat('md5', md5(concat(md5(concat(password, username)), random-salt)))
 * MD5 itself comes from libcrypto's EVP interface.
 */
#include <string.h>

#include <openssl/evp.h>

#include "pgwire/auth.h"

/* md5hex of the concatenation of two byte strings; out gets 33 bytes. */
static int
md5_hex2(const void *a, size_t alen, const void *b, size_t blen, char out[33],
		 pgwire_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int			ok;

	ok = ctx != NULL &&
		EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
		EVP_DigestUpdate(ctx, a, alen) == 1 &&
		EVP_DigestUpdate(ctx, b, blen) == 1 &&
		EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return pgwire_error_set(err, PGWIRE_ERR_AUTH, 0,
								"MD5 digest failed in libcrypto");
	for (unsigned int i = 0; i < 16; i++)
	{
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return PGWIRE_OK;
}

int
pgwire_md5_encrypt(const char *password, const char *user,
				   char out[PGWIRE_MD5_PASSWD_LEN], pgwire_error *err)
{
	int			rc;

	if (password == NULL || user == NULL || out == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"password, user and output must not be NULL");
	memcpy(out, "md5", 3);
	rc = md5_hex2(password, strlen(password), user, strlen(user), out + 3, err);
	return rc;
}

int
pgwire_md5_response(const char *user, const char *password, const uint8_t salt[4],
					char out[PGWIRE_MD5_PASSWD_LEN], pgwire_error *err)
{
	char		inner[PGWIRE_MD5_PASSWD_LEN];
	int			rc;

	if (password == NULL || user == NULL || salt == NULL || out == NULL)
		return pgwire_error_set(err, PGWIRE_ERR_ARGUMENT, 0,
								"user, password, salt and output must not be NULL");
	/* A stored hash can stand in for the password, as libpq allows. */
	if (strlen(password) == 35 && strncmp(password, "md5", 3) == 0)
		memcpy(inner, password, PGWIRE_MD5_PASSWD_LEN);
	else if ((rc = pgwire_md5_encrypt(password, user, inner, err)) != PGWIRE_OK)
		return rc;
	memcpy(out, "md5", 3);
	return md5_hex2(inner + 3, 32, salt, 4, out + 3, err);
}
