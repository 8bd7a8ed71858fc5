/*
 * saslprep.c
 *    SASLprep (RFC 4013) of SCRAM passwords, with PostgreSQL's fallbacks.
 *
 * The tables (mapping, NFKC, prohibited, unassigned and bidi classes) are
 * GNU libidn's stringprep "SASLprep" profile rather than a copy of
 * PostgreSQL's src/common/saslprep.c tables; the policy around them is
 * PostgreSQL's (pg_saslprep and its callers in scram-common.c /
 * fe-auth-scram.c): ASCII passes unchanged, and a password that is not
 * UTF-8 or that SASLprep rejects is used as raw bytes rather than refused,
 * so that such passwords keep working.
 *
 */
#include <stdlib.h>
#include <string.h>

#include <idn-free.h>
#include <stringprep.h>

#include "pgwire/auth.h"

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s & 0x80)
			return 0;
	return 1;
}

int
pgwire_saslprep(const char *in, pgwire_buf *out, int *used_raw)
{
	char	   *prepped = NULL;
	const char *use = in;
	int			raw = 1;

	if (in == NULL || out == NULL)
		return PGWIRE_ERR_ARGUMENT;
	/* stringprep_profile checks UTF-8 validity itself and fails otherwise. */
	if (!is_ascii(in) &&
		stringprep_profile(in, &prepped, "SASLprep", STRINGPREP_NO_UNASSIGNED) == STRINGPREP_OK)
	{
		use = prepped;
		raw = 0;
	}
	else if (is_ascii(in))
		raw = 0;
	if (used_raw)
		*used_raw = raw;
	pgwire_buf_append(out, use, strlen(use));
	pgwire_buf_append(out, "", 1);
	if (out->status == PGWIRE_OK)
		out->len--;				/* keep the NUL, do not count it */
	if (prepped)
		idn_free(prepped);
	return out->status;
}
