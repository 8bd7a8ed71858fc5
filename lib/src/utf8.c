/*
 * utf8.c
 *    Strict UTF-8 validation (pgwire/utf8.h), shared by the JSON renderer
 *    (a string or {"hex":...}) and servers that check query text.
 *
 * The rules are RFC 3629's, which are PostgreSQL's pg_utf8_islegal(): a
 * lead byte C2..F4, continuation bytes 80..BF, with the second byte
 * narrowed after E0 (no overlong), ED (no surrogates), F0 (no overlong)
 * and F4 (nothing above U+10FFFF).
 */
#include <stdio.h>

#include "pgwire/utf8.h"
#include "internal.h"

/* Length of the strict UTF-8 sequence at s (a byte >= 0x80), or 0. */
size_t
pgwire_utf8_seq(const uint8_t *s, size_t avail)
{
	uint8_t		c = s[0];
	size_t		n;
	uint8_t		lo = 0x80,
				hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
	{
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;			/* overlong */
		else if (c == 0xed)
			hi = 0x9f;			/* surrogates */
	}
	else if (c >= 0xf0 && c <= 0xf4)
	{
		n = 4;
		if (c == 0xf0)
			lo = 0x90;			/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;			/* above U+10FFFF */
	}
	else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

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
