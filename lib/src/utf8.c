/*
 * utf8.c
 *    Strict UTF-8 validation (pgwire/utf8.h), shared by the JSON renderer
 *    (a string or {"hex":...}) and servers that check query text.
 *
 * The rules are RFC 3629's, which are PostgreSQL's pg_utf8_islegal(): a
 * lead byte C2..F4, continuation bytes 80..BF, with the second byte
 * narrowed after E0 (no overlong), ED (no surrogates), F0 (no overlong)
 * and F4 (nothing above U+10FFFF).  One sequence is checked by
 * pgwire_utf8_seq() (internal.h), inline for json_out.c's hot loop.
 */
#include <stdio.h>

#include "pgwire/utf8.h"
#include "internal.h"

size_t
pgwire_utf8_valid_prefix(const void *s, size_t len)
{
	const uint8_t *p = s;
	size_t		i = 0;

	while (i < len)
	{
		size_t		k;

		if (p[i] != 0 && p[i] < 0x80)
			i++;
		else if (p[i] != 0 && (k = pgwire_utf8_seq(p + i, len - i)) != 0)
			i += k;
		else
			break;
	}
	return i;
}

/*
 * The length a first byte announces, as PostgreSQL's pg_utf_mblen(): what
 * report_invalid_encoding() shows of the bad sequence.
 */
static size_t
announced_len(uint8_t c)
{
	if ((c & 0x80) == 0)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

void
pgwire_utf8_describe(const void *bad, size_t avail, char out[40])
{
	const uint8_t *p = bad;
	size_t		n = avail == 0 ? 0 : announced_len(p[0]);
	size_t		at = 0;

	if (n > avail)
		n = avail;
	if (n > 8)
		n = 8;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t) snprintf(out + at, 40 - at, i ? " 0x%02x" : "0x%02x", p[i]);
}
