/*
 * fuzz/fuzz_pgoutput.c
 *    libFuzzer target for the payloads carried inside CopyData: pgoutput
 *    logical-replication messages and the streaming/BASE_BACKUP
 *    replication messages.  First input byte: bits 0-1 the protocol
 *    version - 1 (pgoutput 1..4), bit 2 replication payloads instead of
 *    pgoutput, bit 3 backend (else frontend) for those.  The rest is a
 *    sequence of messages, each an Int16 length then that many bytes, so
 *    that state carries from one to the next (streamed blocks tracked with
 *    pgwire_pgoutput_track, Relations kept in a pgwire_relcache and used to
 *    render later tuples).  Every decoded message must encode back to its
 *    bytes with pgwire_encode_payload() and through its JSON.
 */
#include "common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
json_back(const pgwire_msg *m)
{
	pgwire_buf	json,
				back;
	pgwire_error err;
	int			rc;

	pgwire_buf_init(&json, NULL);
	pgwire_buf_init(&back, NULL);
	if (pgwire_json_write(m, &json, 0) != PGWIRE_OK)
		fuzz_fail("json_write of a payload failed", m);
	rc = pgwire_json_encode((const char *) json.data, json.len, &back, &err);
	if (rc != PGWIRE_OK || back.len != m->frame.raw_len ||
		memcmp(back.data, m->frame.raw, back.len) != 0)
	{
		fprintf(stderr, "%.*s\n%s: %s\n", (int) json.len, (const char *) json.data,
				pgwire_status_name(rc), rc ? err.detail : "");
		fuzz_fail("JSON of a payload does not encode back", m);
	}
	pgwire_buf_free(&json);
	pgwire_buf_free(&back);
}

static void
tuples(const pgwire_relcache *rc, const pgwire_msg *m)
{
	const pgwire_relcache_rel *rel;
	pgwire_buf	out;

	if (m->kind != PGWIRE_MSG_LR_INSERT && m->kind != PGWIRE_MSG_LR_UPDATE &&
		m->kind != PGWIRE_MSG_LR_DELETE)
		return;
	rel = pgwire_relcache_get(rc, m->u.lr_change.relation_oid);
	pgwire_buf_init(&out, NULL);
	if (m->kind != PGWIRE_MSG_LR_INSERT)
		(void) pgwire_tuple_json(rel, &m->u.lr_change.old_tuple, &out);
	if (m->kind != PGWIRE_MSG_LR_DELETE)
		(void) pgwire_tuple_json(rel, &m->u.lr_change.new_tuple, &out);
	if (out.status != PGWIRE_OK)
		abort();
	pgwire_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			proto;
	int			replication;
	pgwire_direction dir;
	pgwire_pgoutput_state st = {0, 0};
	pgwire_relcache *rc;
	size_t		pos = 1;

	if (size < 1)
		return 0;
	proto = 1 + (data[0] & 3);
	replication = (data[0] & 4) != 0;
	dir = (data[0] & 8) ? PGWIRE_BACKEND : PGWIRE_FRONTEND;
	rc = pgwire_relcache_create(NULL);
	if (rc == NULL)
		return 0;
	while (size - pos >= 2)
	{
		size_t		len = (size_t) data[pos] << 8 | data[pos + 1];
		pgwire_msg	m;
		pgwire_error err;
		int			r;

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (replication)
			r = pgwire_decode_replication_bytes(data + pos, len, dir, pos, &m, &err);
		else
			r = pgwire_decode_pgoutput(data + pos, len, proto, &st, &m, &err);
		pos += len;
		if (r > 0)
			abort();			/* never INCOMPLETE: no framing here */
		if (r != PGWIRE_OK)
			continue;
		fuzz_check_msg(&m);
		json_back(&m);
		if (replication)
			continue;
		pgwire_pgoutput_track(&st, &m);
		if (m.kind == PGWIRE_MSG_LR_RELATION && pgwire_relcache_add(rc, &m) != PGWIRE_OK)
			abort();
		tuples(rc, &m);
	}
	pgwire_relcache_free(rc);
	return 0;
}
