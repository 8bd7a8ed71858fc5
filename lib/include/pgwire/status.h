/*
 * pgwire/status.h
 *    Status codes and the error record every libpgwire call reports through.
 *
 * The library never prints, exits or aborts on bad input (PostgreSQL's
 * src/common rule).  Each call returns PGWIRE_OK (0), PGWIRE_INCOMPLETE (a
 * positive "need more bytes" result) or one of the negative codes below, and
 * when the caller passes a pgwire_error it also gets a one-sentence detail and
 * the byte offset at which the input went wrong.
 */
#ifndef PGWIRE_STATUS_H
#define PGWIRE_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(PGWIRE_STATIC)
#define PGWIRE_EXPORT __attribute__((visibility("default")))
#else
#define PGWIRE_EXPORT
#endif

typedef enum pgwire_status
{
	PGWIRE_OK = 0,
	/* Not an error: the bytes so far are a valid prefix; feed more. */
	PGWIRE_INCOMPLETE = 1,
	/* Not an error: an iterator has no more messages. */
	PGWIRE_DONE = 2,

	/* An allocator returned NULL. */
	PGWIRE_ERR_NOMEM = -1,
	/* A length word is below its minimum or above the configured limit. */
	PGWIRE_ERR_LENGTH = -2,
	/* A field runs past the end of its message. */
	PGWIRE_ERR_TRUNCATED = -3,
	/* Bytes remain in a message after its last field. */
	PGWIRE_ERR_TRAILING = -4,
	/* The type byte (or startup code) names no message in this direction. */
	PGWIRE_ERR_UNKNOWN_TYPE = -5,
	/* A field holds a value the protocol does not allow (e.g. a fixed code). */
	PGWIRE_ERR_BAD_VALUE = -6,
	/* The stream switched to TLS or GSSAPI encryption: no more messages. */
	PGWIRE_ERR_ENCRYPTED = -7,
	/* Encoder: a String contains a NUL byte. */
	PGWIRE_ERR_EMBEDDED_NUL = -8,
	/* Encoder: a count or length does not fit its wire field. */
	PGWIRE_ERR_RANGE = -9,
	/* JSON input is not valid JSON or does not follow the message schema. */
	PGWIRE_ERR_JSON = -10,
	/* A caller-supplied argument is invalid (NULL, bad direction ...). */
	PGWIRE_ERR_ARGUMENT = -11,
	/* The object is in a sticky error state from an earlier call. */
	PGWIRE_ERR_STATE = -12,
	/* Trailing bytes after the one message a single-message call expects. */
	PGWIRE_ERR_EXTRA_DATA = -13,
	/* A cryptographic primitive failed or an authentication proof is wrong. */
	PGWIRE_ERR_AUTH = -14,
	/* A message arrived that the connection state does not allow. */
	PGWIRE_ERR_PROTOCOL = -15
} pgwire_status;

#define PGWIRE_DETAIL_MAX 192

/*
 * Where and why a call failed.  offset is counted in bytes from the first
 * byte of the input stream (for a reader: from the first byte ever fed).
 */
typedef struct pgwire_error
{
	int			status;
	size_t		offset;
	char		detail[PGWIRE_DETAIL_MAX];
} pgwire_error;

/* Static symbolic name of a status, e.g. "PGWIRE_ERR_TRUNCATED". */
PGWIRE_EXPORT const char *pgwire_status_name(int status);

/* Static one-line description of a status, e.g. "message truncated". */
PGWIRE_EXPORT const char *pgwire_strerror(int status);

/*
 * Fill *err (when not NULL) and return status: the one way library code
 * records a failure.  detail is a printf format.
 */
PGWIRE_EXPORT int pgwire_error_set(pgwire_error *err, int status, size_t offset,
								   const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 4, 5)))
#endif
			;

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_STATUS_H */
