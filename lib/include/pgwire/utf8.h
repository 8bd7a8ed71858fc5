/*
 * pgwire/utf8.h
 *    Strict UTF-8, as PostgreSQL checks text in a UTF8 database.
 *
 * The protocol carries text in the session's client_encoding; a server
 * whose encoding is UTF8 (as every one this library's tools run) refuses a
 * Query or Parse whose text is not valid UTF-8 with SQLSTATE 22021
 * "invalid byte sequence for encoding "UTF8": 0xc3 0x28".  The JSON
 * renderer uses the same rule to decide between a string and {"hex":...}.
 *
 * Source: RFC 3629; PostgreSQL's pg_utf8_islegal() and
 * report_invalid_encoding() (src/common/wchar.c, src/backend/utils/mb).
 */
#ifndef PGWIRE_UTF8_H
#define PGWIRE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bytes of s[0..len) that are valid UTF-8 from the start: len when all
 * are.  Valid means RFC 3629: no overlong forms, no surrogates (U+D800 ..
 * U+DFFF), nothing above U+10FFFF, no sequence cut short.  NUL bytes count
 * as invalid (PostgreSQL text cannot hold them).
 */
PGWIRE_EXPORT size_t pgwire_utf8_valid_prefix(const void *s, size_t len);

/*
 * PostgreSQL's words for the invalid sequence at bad[0..avail) (from
 * pgwire_utf8_valid_prefix()): up to the length its first byte announces,
 * at most 8 bytes, as "0x%02x" separated by spaces, e.g. "0xc3 0x28".
 * Writes a NUL-terminated string of at most 40 bytes to out (size >= 40).
 */
PGWIRE_EXPORT void pgwire_utf8_describe(const void *bad, size_t avail, char out[40]);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_UTF8_H */
