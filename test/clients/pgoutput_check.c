/*
 * pgoutput_check.c
 *    Decode a series of pgoutput messages with libpgwire, check each one,
 *    and print the changes they carry in a normal form that the suite
 *    70-replication compares with test_decoding's report of the same
 *    transactions.
 *
 *   pgoutput_check PROTO_VERSION FILE
 *
 * FILE holds one message per line, in hex (psql's encode(data, 'hex') of
 * pg_logical_slot_peek_binary_changes rows).  Every message must decode,
 * re-encode byte for byte (pgwire_encode_payload), walk to its end and
 * render as JSON; any failure is reported on stderr and the exit status
 * is 1.  stdout gets one line per message ("kind NAME", with
 * " (streamed)" when it carries a streamed-block xid and
 * " (subtransaction)" for the Stream Abort of a subtransaction; Origin
 * with its name and LSN) and the
 * normal form:
 *   BEGIN xid | COMMIT | BEGIN PREPARE xid | PREPARE 'gid' |
 *   COMMIT PREPARED 'gid' | ROLLBACK PREPARED 'gid' |
 *   MESSAGE transactional prefix content |
 *   table ns.rel: INSERT|UPDATE|DELETE: [old: col:val ...] [new: col:val ...] |
 *   TRUNCATE ns.a,ns.b flags
 * Streamed changes are held and printed, inside BEGIN xid / COMMIT, at
 * Stream Commit (or dropped at the Stream Abort of their transaction or
 * subtransaction), which is where test_decoding, not streaming, reports
 * them.  Old tuples omit NULL columns (test_decoding skips them);
 * 'u' prints as unchanged-toast-datum; binary int2/int4/int8 values are
 * converted to decimal and text/varchar/name passed through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/encode.h"
#include "pgwire/render.h"
#include "pgwire/replication.h"

static int	failures;
static pgwire_buf held;			/* streamed changes of the open transaction */

static void
fail(int line, const char *what, const pgwire_error *err)
{
	fprintf(stderr, "line %d: %s%s%s\n", line, what, err ? ": " : "", err ? err->detail : "");
	failures++;
}

static size_t
unhex(const char *hex, size_t n, uint8_t *out)
{
	size_t		k = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
	{
		unsigned	v;

		if (sscanf(hex + i, "%2x", &v) != 1)
			break;
		out[k++] = (uint8_t) v;
	}
	return k;
}

static int
count_visit(void *arg, const pgwire_visit *v)
{
	(*(int *) arg)++;
	(void) v;
	return 0;
}

/* One column value in test_decoding's spirit: text as is, binary converted. */
static void
put_value(pgwire_buf *out, const pgwire_relcache_column *c, const pgwire_tuple_column *tc)
{
	const uint8_t *p = tc->value.ptr;
	int32_t		n = tc->value.len;

	if (tc->kind == 'n')
		pgwire_buf_puts(out, "null");
	else if (tc->kind == 'u')
		pgwire_buf_puts(out, "unchanged-toast-datum");
	else if (tc->kind == 't' || (c && (c->type_oid == 25 || c->type_oid == 1043 ||
									   c->type_oid == 19)))
		pgwire_buf_append(out, p, (size_t) n);
	else if (c && c->type_oid == 23 && n == 4)
		pgwire_buf_printf(out, "%d", (int32_t) ((uint32_t) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]));
	else if (c && c->type_oid == 21 && n == 2)
		pgwire_buf_printf(out, "%d", (int16_t) (p[0] << 8 | p[1]));
	else if (c && c->type_oid == 20 && n == 8)
	{
		uint64_t	v = 0;

		for (int i = 0; i < 8; i++)
			v = v << 8 | p[i];
		pgwire_buf_printf(out, "%lld", (long long) (int64_t) v);
	}
	else
	{
		pgwire_buf_puts(out, "\\x");
		for (int32_t i = 0; i < n; i++)
			pgwire_buf_printf(out, "%02x", p[i]);
	}
}

static void
put_tuple(pgwire_buf *out, const char *label, const pgwire_relcache_rel *rel,
		  const pgwire_group *g, int skip_nulls)
{
	pgwire_iter it;
	pgwire_tuple_column tc;
	uint32_t	i = 0;

	pgwire_buf_printf(out, " %s", label);
	pgwire_iter_init(&it, g);
	for (; pgwire_next_tuple_column(&it, &tc); i++)
	{
		const pgwire_relcache_column *c = rel && i < rel->ncolumns ? &rel->columns[i] : NULL;

		if (skip_nulls && tc.kind == 'n')
			continue;
		pgwire_buf_printf(out, " %s:", c ? c->name : "?");
		put_value(out, c, &tc);
	}
}

static void
put_change(pgwire_buf *out, const pgwire_msg *m, const pgwire_relcache *rc)
{
	const pgwire_relcache_rel *rel = pgwire_relcache_get(rc, m->u.lr_change.relation_oid);
	const char *op = m->kind == PGWIRE_MSG_LR_INSERT ? "INSERT"
		: m->kind == PGWIRE_MSG_LR_UPDATE ? "UPDATE" : "DELETE";

	pgwire_buf_printf(out, "table %s.%s: %s:", rel ? rel->namespace_name : "?",
					  rel ? rel->relation_name : "?", op);
	if (m->kind == PGWIRE_MSG_LR_DELETE ||
		(m->kind == PGWIRE_MSG_LR_UPDATE && (m->present & 0x4)))
		put_tuple(out, "old:", rel, &m->u.lr_change.old_tuple, 1);
	if (m->kind != PGWIRE_MSG_LR_DELETE)
		put_tuple(out, "new:", rel, &m->u.lr_change.new_tuple, 0);
	pgwire_buf_puts(out, "\n");
}

/* The normal form of one message, appended to out. */
static void
normal_form(pgwire_buf *out, const pgwire_msg *m, const pgwire_relcache *rc)
{
	switch (m->kind)
	{
		case PGWIRE_MSG_LR_BEGIN:
			pgwire_buf_printf(out, "BEGIN %u\n", m->u.lr_begin.xid);
			break;
		case PGWIRE_MSG_LR_COMMIT:
			pgwire_buf_puts(out, "COMMIT\n");
			break;
		case PGWIRE_MSG_LR_BEGIN_PREPARE:
			pgwire_buf_printf(out, "BEGIN %u\n", m->u.lr_begin_prepare.xid);
			break;
		case PGWIRE_MSG_LR_PREPARE:
		case PGWIRE_MSG_LR_STREAM_PREPARE:
			pgwire_buf_printf(out, "PREPARE TRANSACTION '%.*s'\n",
							  (int) m->u.lr_prepare.gid.len, m->u.lr_prepare.gid.ptr);
			break;
		case PGWIRE_MSG_LR_COMMIT_PREPARED:
			pgwire_buf_printf(out, "COMMIT PREPARED '%.*s'\n",
							  (int) m->u.lr_commit_prepared.gid.len,
							  m->u.lr_commit_prepared.gid.ptr);
			break;
		case PGWIRE_MSG_LR_ROLLBACK_PREPARED:
			pgwire_buf_printf(out, "ROLLBACK PREPARED '%.*s'\n",
							  (int) m->u.lr_rollback_prepared.gid.len,
							  m->u.lr_rollback_prepared.gid.ptr);
			break;
		case PGWIRE_MSG_LR_MESSAGE:
			pgwire_buf_printf(out, "message: transactional: %d prefix: %.*s, sz: %d content:",
							  m->u.lr_message.flags & 1, (int) m->u.lr_message.prefix.len,
							  m->u.lr_message.prefix.ptr, m->u.lr_message.content.len);
			pgwire_buf_append(out, m->u.lr_message.content.ptr,
							  (size_t) m->u.lr_message.content.len);
			pgwire_buf_puts(out, "\n");
			break;
		case PGWIRE_MSG_LR_INSERT:
		case PGWIRE_MSG_LR_UPDATE:
		case PGWIRE_MSG_LR_DELETE:
			put_change(out, m, rc);
			break;
		case PGWIRE_MSG_LR_TRUNCATE:
			pgwire_buf_puts(out, "TRUNCATE");
			for (int32_t i = 0; i < m->u.lr_truncate.relation_count; i++)
			{
				const pgwire_relcache_rel *rel =
					pgwire_relcache_get(rc, pgwire_truncate_relation_oid(m, (uint32_t) i));

				pgwire_buf_printf(out, "%s%s.%s", i ? "," : " ", rel ? rel->namespace_name : "?",
								  rel ? rel->relation_name : "?");
			}
			pgwire_buf_printf(out, " %d\n", m->u.lr_truncate.options);
			break;
		default:
			break;
	}
}

/*
 * Streaming: hold changes until Stream Commit, drop them at Stream Abort.
 * Inside a streamed block each change carries the xid of the
 * (sub)transaction that made it, so held lines are kept as "xid<TAB>line"
 * and the Stream Abort of a subtransaction drops only that subxid's lines.
 */
static void
held_flush(pgwire_buf *out, uint32_t drop_xid, int emit)
{
	pgwire_buf	keep;
	size_t		i = 0;

	pgwire_buf_init(&keep, NULL);
	while (i < held.len)
	{
		const uint8_t *nl = memchr(held.data + i, '\n', held.len - i);
		size_t		end = (size_t) (nl - held.data) + 1;
		char	   *tab;
		unsigned long xid = strtoul((const char *) held.data + i, &tab, 10);

		if (emit)
			pgwire_buf_append(out, tab + 1, end - (size_t) ((uint8_t *) tab + 1 - held.data));
		else if (xid != drop_xid)
			pgwire_buf_append(&keep, held.data + i, end - i);
		i = end;
	}
	pgwire_buf_reset(&held);
	pgwire_buf_append(&held, keep.data, keep.len);
	pgwire_buf_free(&keep);
}

static void
stream_step(const pgwire_msg *m, const pgwire_relcache *rc, pgwire_buf *out,
			const pgwire_pgoutput_state *st)
{
	switch (m->kind)
	{
		case PGWIRE_MSG_LR_STREAM_START:
			break;
		case PGWIRE_MSG_LR_STREAM_COMMIT:
			pgwire_buf_printf(out, "BEGIN %u\n", m->u.lr_stream_commit.xid);
			held_flush(out, 0, 1);
			pgwire_buf_puts(out, "COMMIT\n");
			break;
		case PGWIRE_MSG_LR_STREAM_ABORT:
			if (m->u.lr_stream_abort.xid == m->u.lr_stream_abort.subxid)
				pgwire_buf_reset(&held);
			else
				held_flush(out, m->u.lr_stream_abort.subxid, 0);
			break;
		case PGWIRE_MSG_LR_STREAM_PREPARE:
			pgwire_buf_printf(out, "BEGIN %u\n", m->u.lr_prepare.xid);
			held_flush(out, 0, 1);
			normal_form(out, m, rc);
			break;
		default:
			if (st->in_stream)
			{
				pgwire_buf	line;

				/* the [xid] is the first member of each of these structs */
				pgwire_buf_init(&line, NULL);
				normal_form(&line, m, rc);
				if (line.len > 0)
				{
					pgwire_buf_printf(&held, "%u\t", m->u.lr_change.xid);
					pgwire_buf_append(&held, line.data, line.len);
				}
				pgwire_buf_free(&line);
			}
			else
				normal_form(out, m, rc);
			break;
	}
}

static void
check_one(int line, const uint8_t *b, size_t n, int proto, pgwire_pgoutput_state *st,
		  pgwire_relcache *rc, pgwire_buf *out)
{
	pgwire_msg	m;
	pgwire_error err;
	pgwire_buf	tmp;
	int			visits = 0;

	if (pgwire_decode_pgoutput(b, n, proto, st, &m, &err) != PGWIRE_OK)
	{
		fail(line, "decode", &err);
		return;
	}
	pgwire_buf_init(&tmp, NULL);
	if (pgwire_encode_payload(&m, &tmp, &err) != PGWIRE_OK)
		fail(line, "encode", &err);
	else if (tmp.len != n || memcmp(tmp.data, b, n) != 0)
		fail(line, "re-encoded bytes differ", NULL);
	pgwire_buf_reset(&tmp);
	if (pgwire_walk(&m, count_visit, &visits) != 0)
		fail(line, "walk", NULL);
	if (pgwire_json_write(&m, &tmp, 0) != PGWIRE_OK)
		fail(line, "JSON", NULL);
	pgwire_buf_free(&tmp);
	if (m.kind == PGWIRE_MSG_LR_RELATION && pgwire_relcache_add(rc, &m) != PGWIRE_OK)
		fail(line, "relcache", NULL);
	if (m.kind == PGWIRE_MSG_LR_ORIGIN)
		pgwire_buf_printf(out, "kind Origin (%.*s at %X/%X)\n", (int) m.u.lr_origin.name.len,
						  (const char *) m.u.lr_origin.name.ptr,
						  (unsigned) (m.u.lr_origin.commit_lsn >> 32),
						  (unsigned) m.u.lr_origin.commit_lsn);
	else						/* bit 0: the streamed-block xid, where a kind has one */
		pgwire_buf_printf(out, "kind %s%s\n", pgwire_msg_name(m.kind),
						  m.kind == PGWIRE_MSG_LR_STREAM_ABORT
						  ? (m.u.lr_stream_abort.xid != m.u.lr_stream_abort.subxid
							 ? " (subtransaction)" : "")
						  : (m.present & 1) ? " (streamed)" : "");
	stream_step(&m, rc, out, st);
	pgwire_pgoutput_track(st, &m);
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	int			lineno = 0;
	int			proto;
	pgwire_pgoutput_state st = {0, 0};
	pgwire_relcache *rc = pgwire_relcache_create(NULL);
	pgwire_buf	out;

	if (argc != 3 || (proto = atoi(argv[1])) < 1 || (f = fopen(argv[2], "r")) == NULL)
	{
		fprintf(stderr, "usage: pgoutput_check PROTO_VERSION FILE\n");
		return 2;
	}
	pgwire_buf_init(&out, NULL);
	pgwire_buf_init(&held, NULL);
	while ((len = getline(&line, &cap, f)) > 0)
	{
		uint8_t    *b = malloc((size_t) len / 2 + 1);
		size_t		n;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		n = unhex(line, (size_t) len, b);
		check_one(lineno, b, n, proto, &st, rc, &out);
		free(b);
	}
	fwrite(out.data, 1, out.len, stdout);
	free(line);
	fclose(f);
	pgwire_buf_free(&out);
	pgwire_buf_free(&held);
	pgwire_relcache_free(rc);
	if (lineno == 0)
		fprintf(stderr, "no messages\n");
	return failures || lineno == 0 ? 1 : 0;
}
