/*
 * buf.c
 *    The default allocator and the growable byte buffer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/buf.h"

static void *
libc_malloc(size_t size, void *user_data)
{
	(void) user_data;
	return malloc(size);
}

static void *
libc_realloc(void *ptr, size_t size, void *user_data)
{
	(void) user_data;
	return realloc(ptr, size);
}

static void
libc_free(void *ptr, void *user_data)
{
	(void) user_data;
	free(ptr);
}

static const pgwire_allocator libc_allocator = {
	NULL, libc_malloc, libc_realloc, libc_free
};

const pgwire_allocator *
pgwire_default_allocator(void)
{
	return &libc_allocator;
}

void
pgwire_buf_init(pgwire_buf *b, const pgwire_allocator *alloc)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->status = PGWIRE_OK;
	b->alloc = alloc ? alloc : &libc_allocator;
}

void
pgwire_buf_free(pgwire_buf *b)
{
	if (b->data != NULL)
		b->alloc->free(b->data, b->alloc->user_data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->status = PGWIRE_OK;
}

void
pgwire_buf_reset(pgwire_buf *b)
{
	b->len = 0;
	b->status = PGWIRE_OK;
}

int
pgwire_buf_fail(pgwire_buf *b, int status)
{
	if (b->status == PGWIRE_OK)
		b->status = status;
	return b->status;
}

int
pgwire_buf_reserve(pgwire_buf *b, size_t n)
{
	size_t		need;
	size_t		newcap;
	uint8_t    *p;

	if (b->status != PGWIRE_OK)
		return b->status;
	/* Overflow-checked: len + n must not wrap. */
	if (n > SIZE_MAX - b->len)
		return pgwire_buf_fail(b, PGWIRE_ERR_RANGE);
	need = b->len + n;
	if (need <= b->cap)
		return PGWIRE_OK;
	newcap = b->cap ? b->cap : 256;
	while (newcap < need)
		newcap = newcap > SIZE_MAX / 2 ? need : newcap * 2;
	p = b->data ? b->alloc->realloc(b->data, newcap, b->alloc->user_data)
		: b->alloc->malloc(newcap, b->alloc->user_data);
	if (p == NULL)
		return pgwire_buf_fail(b, PGWIRE_ERR_NOMEM);
	b->data = p;
	b->cap = newcap;
	return PGWIRE_OK;
}

int
pgwire_buf_append(pgwire_buf *b, const void *data, size_t n)
{
	if (pgwire_buf_reserve(b, n) != PGWIRE_OK)
		return b->status;
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	return PGWIRE_OK;
}

int
pgwire_buf_puts(pgwire_buf *b, const char *s)
{
	return pgwire_buf_append(b, s, strlen(s));
}

int
pgwire_buf_printf(pgwire_buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;
	size_t		room;

	if (b->status != PGWIRE_OK)
		return b->status;
	/* first into the spare room: most lines fit, and then one pass does */
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(room ? (char *) b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return pgwire_buf_fail(b, PGWIRE_ERR_ARGUMENT);
	if ((size_t) n >= room)
	{
		/* one more for vsnprintf's NUL, which len does not count */
		if (pgwire_buf_reserve(b, (size_t) n + 1) != PGWIRE_OK)
			return b->status;
		va_start(ap, fmt);
		vsnprintf((char *) b->data + b->len, (size_t) n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t) n;
	return PGWIRE_OK;
}
