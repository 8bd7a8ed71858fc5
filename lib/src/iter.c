/*
 * iter.c
 *    Iterators over the repeated groups of a decoded message.  The group
 *    was validated by pgwire_decode(), so these cannot fail; they still
 *    stop at the group's end rather than trust the count alone.
 */
#include <string.h>

#include "internal.h"
#include "wire.h"

/* The out-of-line forms of the inline definitions in message.h. */
void
(pgwire_iter_init) (pgwire_iter *it, const pgwire_group *g)
{
	pgwire_iter_init_inline(it, g);
}

int
(pgwire_next_value) (pgwire_iter *it, pgwire_value *out)
{
	return pgwire_next_value_inline(it, out);
}

/*
 * Decode one element of a validated group into *out with its layout; shared
 * with the replication iterators (replication.c).
 */
int
pgwire_iter_next_elem(pgwire_iter *it, const pgwire_layout *lay, void *out)
{
	pgwire_walker w;

	if (it->remaining == 0 || it->pos >= it->end)
		return 0;
	memset(&w, 0, sizeof(w));
	w.raw = it->pos;
	w.msgname = "group element";
	if (pgwire_walk_fields(&w, lay, &it->pos, it->end, out, 1, 0) != 0)
	{
		it->remaining = 0;
		return 0;
	}
	it->remaining--;
	return 1;
}

/*
 * Read directly (message.h): the name, then the 18 fixed bytes of the
 * catalogue's column layout, as pgwire_fast_paths_check() verifies; the
 * unit tests compare it with pgwire_iter_next_elem() over that layout.
 */
int
(pgwire_next_column) (pgwire_iter *it, pgwire_column *out)
{
	return pgwire_next_column_inline(it, out);
}

int
pgwire_next_error_field(pgwire_iter *it, pgwire_error_field *out)
{
	const pgwire_layout *lay =
		pgwire_msgdef_get(PGWIRE_MSG_ERROR_RESPONSE)->layout.fields[0].elem;

	return pgwire_iter_next_elem(it, lay, out);
}

int
pgwire_next_parameter(pgwire_iter *it, pgwire_parameter *out)
{
	const pgwire_layout *lay =
		pgwire_msgdef_get(PGWIRE_MSG_STARTUP_MESSAGE)->layout.fields[1].elem;

	return pgwire_iter_next_elem(it, lay, out);
}

int
pgwire_next_string(pgwire_iter *it, pgwire_slice *out)
{
	const uint8_t *nul;

	if (it->remaining == 0 || it->pos >= it->end)
		return 0;
	nul = memchr(it->pos, 0, (size_t) (it->end - it->pos));
	if (nul == NULL)
		return 0;
	out->ptr = it->pos;
	out->len = (size_t) (nul - it->pos);
	it->pos = nul + 1;
	it->remaining--;
	return 1;
}

int16_t
pgwire_group_int16(const pgwire_group *g, uint32_t i)
{
	return (int16_t) pgwire_get_u16(g->ptr + (size_t) i * 2);
}

uint32_t
pgwire_group_oid(const pgwire_group *g, uint32_t i)
{
	return pgwire_get_u32(g->ptr + (size_t) i * 4);
}

int
pgwire_error_field_get(const pgwire_msg *m, uint8_t code, pgwire_slice *out)
{
	pgwire_iter it;
	pgwire_error_field f;

	if (m->kind != PGWIRE_MSG_ERROR_RESPONSE && m->kind != PGWIRE_MSG_NOTICE_RESPONSE)
		return 0;
	pgwire_iter_init(&it, &m->u.error_response.fields);
	while (pgwire_next_error_field(&it, &f))
	{
		if (f.code == code)
		{
			*out = f.value;
			return 1;
		}
	}
	return 0;
}
