/*
 * relcache.c
 *    The pgoutput relation cache: the latest Relation message per relation
 *    OID, copied out of the message bytes, and the rendering of a tuple as
 *    a JSON object keyed by column name.
 *
 * pgoutput sends a Relation message before the first change of a relation
 * in a session and again after its schema changes; Insert, Update and
 * Delete carry only the OID, so a consumer must remember the Relation to
 * name the columns (docs, "Logical Streaming Replication Protocol").
 * Relations are few; a linear array is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pgwire/replication.h"

struct pgwire_relcache
{
	const pgwire_allocator *alloc;
	pgwire_relcache_rel *rels;
	size_t		nrels;
	size_t		cap;
};

static void *
rc_alloc(const pgwire_relcache *rc, size_t n)
{
	return rc->alloc->malloc(n ? n : 1, rc->alloc->user_data);
}

static void
rc_free(const pgwire_relcache *rc, void *p)
{
	if (p)
		rc->alloc->free(p, rc->alloc->user_data);
}

static char *
rc_strdup(const pgwire_relcache *rc, const pgwire_slice *s)
{
	char	   *p = rc_alloc(rc, s->len + 1);

	if (p)
	{
		if (s->len)
			memcpy(p, s->ptr, s->len);
		p[s->len] = '\0';
	}
	return p;
}

static void
rel_clear(const pgwire_relcache *rc, pgwire_relcache_rel *rel)
{
	if (rel->columns)
		for (uint16_t i = 0; i < rel->ncolumns; i++)
			rc_free(rc, rel->columns[i].name);
	rc_free(rc, rel->columns);
	rc_free(rc, rel->namespace_name);
	rc_free(rc, rel->relation_name);
	memset(rel, 0, sizeof(*rel));
}

pgwire_relcache *
pgwire_relcache_create(const pgwire_allocator *alloc)
{
	pgwire_relcache *rc = pgwire_alloc_object(&alloc, sizeof(*rc));

	if (rc == NULL)
		return NULL;
	rc->alloc = alloc;
	return rc;
}

void
pgwire_relcache_free(pgwire_relcache *rc)
{
	if (rc == NULL)
		return;
	for (size_t i = 0; i < rc->nrels; i++)
		rel_clear(rc, &rc->rels[i]);
	rc_free(rc, rc->rels);
	rc->alloc->free(rc, rc->alloc->user_data);
}

/* Copy a decoded Relation into *rel; on failure nothing stays allocated. */
static int
rel_copy(const pgwire_relcache *rc, const pgwire_msg *m, pgwire_relcache_rel *rel)
{
	pgwire_iter it;
	pgwire_lr_column col;
	uint16_t	n = 0;

	memset(rel, 0, sizeof(*rel));
	rel->oid = m->u.lr_relation.relation_oid;
	rel->replica_identity = m->u.lr_relation.replica_identity;
	rel->namespace_name = rc_strdup(rc, &m->u.lr_relation.namespace_name);
	rel->relation_name = rc_strdup(rc, &m->u.lr_relation.relation_name);
	rel->columns = rc_alloc(rc, sizeof(pgwire_relcache_column) * m->u.lr_relation.columns.count);
	if (!rel->namespace_name || !rel->relation_name || !rel->columns)
	{
		rel_clear(rc, rel);
		return PGWIRE_ERR_NOMEM;
	}
	pgwire_iter_init(&it, &m->u.lr_relation.columns);
	while (pgwire_next_lr_column(&it, &col))
	{
		pgwire_relcache_column *c = &rel->columns[n];

		c->name = rc_strdup(rc, &col.name);
		c->type_oid = col.type_oid;
		c->type_modifier = col.type_modifier;
		c->flags = col.flags;
		rel->ncolumns = ++n;
		if (c->name == NULL)
		{
			rel_clear(rc, rel);
			return PGWIRE_ERR_NOMEM;
		}
	}
	return PGWIRE_OK;
}

/* qsort order of JSON keys, kept NUL-terminated in one buffer */
static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * Whether rel's column names stay distinct as the JSON keys
 * pgwire_change_json writes (pgwire_json_put_lossy: a byte that is not
 * UTF-8 becomes U+FFFD, so "caf\xe9" and "caf\xe8" meet).  A Relation with
 * two equal names is legal bytes; its changes then get no keyed objects,
 * which a JSON reader would refuse as duplicate keys.  Sorted, so a
 * Relation of 1664 columns costs n log n, not n squared.
 */
static int
keys_distinct(const pgwire_relcache *rc, const pgwire_relcache_rel *rel)
{
	pgwire_buf	keys;
	size_t	   *at = rc_alloc(rc, (rel->ncolumns + 1) * sizeof(size_t));
	const char **k = rc_alloc(rc, (rel->ncolumns + 1) * sizeof(char *));
	int			distinct = at != NULL && k != NULL;

	pgwire_buf_init(&keys, rc->alloc);
	for (uint16_t i = 0; distinct && i < rel->ncolumns; i++)
	{
		at[i] = keys.len;
		pgwire_json_put_lossy(&keys, (const uint8_t *) rel->columns[i].name,
							  strlen(rel->columns[i].name));
		pgwire_buf_append(&keys, "", 1);
	}
	distinct = distinct && keys.status == PGWIRE_OK;
	for (uint16_t i = 0; distinct && i < rel->ncolumns; i++)
		k[i] = (const char *) keys.data + at[i];
	if (distinct && rel->ncolumns > 1)
	{
		qsort(k, rel->ncolumns, sizeof(char *), key_cmp);
		for (uint16_t i = 1; distinct && i < rel->ncolumns; i++)
			distinct = strcmp(k[i - 1], k[i]) != 0;
	}
	pgwire_buf_free(&keys);
	rc_free(rc, at);
	rc_free(rc, (void *) k);
	return distinct;
}

void
pgwire_relcache_forget(pgwire_relcache *rc, uint32_t oid)
{
	for (size_t i = 0; rc != NULL && i < rc->nrels; i++)
		if (rc->rels[i].oid == oid)
		{
			rel_clear(rc, &rc->rels[i]);
			rc->rels[i] = rc->rels[--rc->nrels];
			return;
		}
}

int
pgwire_relcache_add(pgwire_relcache *rc, const pgwire_msg *relation)
{
	pgwire_relcache_rel rel;
	size_t		i;
	int			st;

	if (rc == NULL || relation == NULL || relation->kind != PGWIRE_MSG_LR_RELATION)
		return PGWIRE_ERR_ARGUMENT;
	for (i = 0; i < rc->nrels; i++)
		if (rc->rels[i].oid == relation->u.lr_relation.relation_oid)
			break;
	if (i == rc->nrels && rc->nrels == rc->cap)
	{
		size_t		ncap = rc->cap ? rc->cap * 2 : 8;
		void	   *p = rc->alloc->realloc(rc->rels, ncap * sizeof(*rc->rels),
										   rc->alloc->user_data);

		if (p == NULL)
			return PGWIRE_ERR_NOMEM;
		rc->rels = p;
		rc->cap = ncap;
	}
	if ((st = rel_copy(rc, relation, &rel)) != PGWIRE_OK)
		return st;
	rel.message_bytes = relation->frame.raw_len;
	rel.distinct_keys = (uint8_t) keys_distinct(rc, &rel);
	if (i == rc->nrels)
		rc->nrels++;
	else
		rel_clear(rc, &rc->rels[i]);
	rc->rels[i] = rel;
	return PGWIRE_OK;
}

const pgwire_relcache_rel *
pgwire_relcache_get(const pgwire_relcache *rc, uint32_t oid)
{
	if (rc == NULL)
		return NULL;
	for (size_t i = 0; i < rc->nrels; i++)
		if (rc->rels[i].oid == oid)
			return &rc->rels[i];
	return NULL;
}

size_t
pgwire_relcache_size(const pgwire_relcache *rc)
{
	return rc ? rc->nrels : 0;
}

int
pgwire_tuple_json(const pgwire_relcache_rel *rel, const pgwire_group *tuple, pgwire_buf *out)
{
	return pgwire_tuple_json_cols(rel, tuple, 0, out);
}

/*
 * pgwire_tuple_json, with key_only (internal.h): only the columns of the
 * replica identity key, for an old tuple sent as 'K', where pgoutput
 * sends the other columns as 'n' although they were left out, not null.
 */
int
pgwire_tuple_json_cols(const pgwire_relcache_rel *rel, const pgwire_group *tuple, int key_only,
					   pgwire_buf *out)
{
	pgwire_iter it;
	pgwire_tuple_column col;
	uint32_t	n = 0;

	pgwire_buf_append(out, "{", 1);
	pgwire_iter_init(&it, tuple);
	for (uint32_t i = 0; pgwire_next_tuple_column(&it, &col); i++)
	{
		if (key_only && rel && i < rel->ncolumns && !(rel->columns[i].flags & 1))
			continue;
		if (n++ > 0)
			pgwire_buf_append(out, ",", 1);
		if (rel && i < rel->ncolumns)
			/* a key must be a string: bytes not UTF-8 become U+FFFD */
			pgwire_json_put_lossy(out, (const uint8_t *) rel->columns[i].name,
								  strlen(rel->columns[i].name));
		else
			pgwire_buf_printf(out, "\"%u\"", i + 1);
		pgwire_buf_append(out, ":", 1);
		switch (col.kind)
		{
			case 'n':
				pgwire_buf_puts(out, "null");
				break;
			case 'u':
				pgwire_buf_puts(out, "{\"unchanged\":true}");
				break;
			case 't':
				/* text in an encoding other than UTF-8 keeps its bytes */
				pgwire_json_put_text(out, col.value.ptr, (size_t) col.value.len);
				break;
			default:
				pgwire_json_put_hex(out, col.value.ptr, (size_t) col.value.len);
				break;
		}
	}
	return pgwire_buf_append(out, "}", 1);
}

/*
 * A name as an SQL identifier: quoted unless it is plainly lower case, the
 * rule of PostgreSQL's quote_identifier() but for its keyword list, which
 * the library does not have (a table named "user" is written user).
 */
static void
put_identifier(pgwire_buf *out, const char *name)
{
	int			plain = (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';

	for (const char *c = name; plain && *c; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '$';
	if (plain)
	{
		pgwire_buf_puts(out, name);
		return;
	}
	pgwire_buf_append(out, "\"", 1);
	for (const char *c = name; *c; c++)
	{
		if (*c == '"')
			pgwire_buf_append(out, "\"", 1);	/* doubled, as in SQL */
		pgwire_buf_append(out, c, 1);
	}
	pgwire_buf_append(out, "\"", 1);
}

/*
 * ,"relation":"ns.name","column_types":{...},"old":{...},"new":{...} for a
 * decoded Insert, Update or Delete of relation m->relation (internal.h).
 */
int
pgwire_change_json(const pgwire_msg *m, pgwire_buf *out)
{
	const pgwire_relcache_rel *rel = m->relation;
	pgwire_buf	name;
	int			has_old = m->kind == PGWIRE_MSG_LR_DELETE ||
		(m->kind == PGWIRE_MSG_LR_UPDATE && (m->present & (1u << 3)));

	/* the qualified name is built apart, then written as one JSON string */
	pgwire_buf_init(&name, NULL);
	/* pgoutput sends "" as the namespace of pg_catalog */
	put_identifier(&name, rel->namespace_name[0] ? rel->namespace_name : "pg_catalog");
	pgwire_buf_append(&name, ".", 1);
	put_identifier(&name, rel->relation_name);
	pgwire_buf_puts(out, ",\"relation\":");
	if (name.status == PGWIRE_OK)
		pgwire_json_put_lossy(out, name.data, name.len);
	else
		pgwire_buf_fail(out, name.status);
	pgwire_buf_free(&name);
	/*
	 * Objects keyed by column name only when the keys are distinct and the
	 * Relation describes the tuples (as many columns): else a JSON reader
	 * would see duplicate keys, and the object would not be lossless.
	 */
	if (!rel->distinct_keys || m->u.lr_change.new_tuple.count > rel->ncolumns ||
		(has_old && m->u.lr_change.old_tuple.count > rel->ncolumns))
		return out->status;
	pgwire_buf_puts(out, ",\"column_types\":{");
	for (uint16_t i = 0; i < rel->ncolumns; i++)
	{
		if (i > 0)
			pgwire_buf_append(out, ",", 1);
		pgwire_json_put_lossy(out, (const uint8_t *) rel->columns[i].name,
							  strlen(rel->columns[i].name));
		pgwire_buf_printf(out, ":%u", rel->columns[i].type_oid);
	}
	pgwire_buf_append(out, "}", 1);
	if (has_old)
	{
		pgwire_buf_puts(out, ",\"old\":");
		pgwire_tuple_json_cols(rel, &m->u.lr_change.old_tuple,
							   m->u.lr_change.old_tuple_kind == 'K', out);
	}
	if (m->kind != PGWIRE_MSG_LR_DELETE)
	{
		pgwire_buf_puts(out, ",\"new\":");
		pgwire_tuple_json_cols(rel, &m->u.lr_change.new_tuple, 0, out);
	}
	return out->status;
}
