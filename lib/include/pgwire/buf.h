/*
 * pgwire/buf.h
 *    Allocator hooks and the growable byte buffer used by everything that
 *    produces output (encoder, JSON, trace text, byte maps, reader storage).
 *
 * Following nghttp2, every object that grows takes an allocator; NULL means
 * libc.  Allocation failure is reported as PGWIRE_ERR_NOMEM, never by
 * longjmp or abort, so the PostgreSQL extension can wrap
 * palloc_extended(..., MCXT_ALLOC_NO_OOM).
 */
#ifndef PGWIRE_BUF_H
#define PGWIRE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pgwire_allocator
{
	void	   *user_data;
	void	   *(*malloc) (size_t size, void *user_data);
	void	   *(*realloc) (void *ptr, size_t size, void *user_data);
	void		(*free) (void *ptr, void *user_data);
} pgwire_allocator;

/* The libc allocator; what a NULL allocator argument stands for. */
PGWIRE_EXPORT const pgwire_allocator *pgwire_default_allocator(void);

/*
 * A growable byte buffer.  status is sticky: once an append fails (no
 * memory, or an encoder check such as an embedded NUL), later appends do
 * nothing and the first failure is kept, so a sequence of appends can be
 * checked once at the end.
 */
typedef struct pgwire_buf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	int			status;
	const pgwire_allocator *alloc;
} pgwire_buf;

/* Initialise an empty buffer; alloc may be NULL (libc). */
PGWIRE_EXPORT void pgwire_buf_init(pgwire_buf *b, const pgwire_allocator *alloc);

/* Release the storage; the buffer is empty and reusable afterwards. */
PGWIRE_EXPORT void pgwire_buf_free(pgwire_buf *b);

/* Forget the contents and the sticky status, keep the storage. */
PGWIRE_EXPORT void pgwire_buf_reset(pgwire_buf *b);

/* Make room for n more bytes.  PGWIRE_OK, or PGWIRE_ERR_NOMEM/_RANGE. */
PGWIRE_EXPORT int pgwire_buf_reserve(pgwire_buf *b, size_t n);

/* Append bytes / a C string / printf output; return the sticky status. */
PGWIRE_EXPORT int pgwire_buf_append(pgwire_buf *b, const void *data, size_t n);
PGWIRE_EXPORT int pgwire_buf_puts(pgwire_buf *b, const char *s);
PGWIRE_EXPORT int pgwire_buf_printf(pgwire_buf *b, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/* Record a failure in the buffer's sticky status (first failure wins). */
PGWIRE_EXPORT int pgwire_buf_fail(pgwire_buf *b, int status);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_BUF_H */
