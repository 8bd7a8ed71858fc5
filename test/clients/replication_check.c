/*
 * replication_check.c
 *    Check libpgwire's replication decoders on traffic a real client and a
 *    real server exchanged (saved by test/lib/relay.py): pg_receivewal,
 *    pg_recvlogical, pg_basebackup.
 *
 *   replication_check MODE FRONTEND_FILE BACKEND_FILE [PROTO_VERSION]
 *
 * MODE is physical, logical or backup.  Both byte streams are framed and
 * decoded; every CopyData payload is decoded with
 * pgwire_decode_replication() and must re-encode byte for byte; in
 * logical mode the data of every XLogData is decoded as pgoutput of
 * PROTO_VERSION (Stream Start/Stop tracked) and must re-encode too, and
 * each Insert is printed through the relation cache as
 *   insert ns.rel {"col":"value",...}
 * In physical mode consecutive XLogData must continue each other
 * (wal_start = previous wal_start + previous data length).  stdout gets
 * "kind NAME" per replication or pgoutput message; errors go to stderr
 * and make the exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/encode.h"
#include "pgwire/frame.h"
#include "pgwire/message.h"
#include "pgwire/render.h"
#include "pgwire/replication.h"

static int	failures;
static int	logical;
static int	physical;
static int	proto = 1;
static pgwire_pgoutput_state pst;
static pgwire_relcache *relcache;
static int64_t next_wal = -1;

static void
fail(const char *what, uint64_t offset, const pgwire_error *err)
{
	fprintf(stderr, "offset %llu: %s%s%s\n", (unsigned long long) offset, what,
			err ? ": " : "", err ? err->detail : "");
	failures++;
}

static int
same_bytes(const pgwire_msg *m)
{
	pgwire_buf	b;
	pgwire_error err;
	int			same;

	pgwire_buf_init(&b, NULL);
	same = pgwire_encode_payload(m, &b, &err) == PGWIRE_OK && b.len == m->frame.raw_len &&
		memcmp(b.data, m->frame.raw, b.len) == 0;
	if (pgwire_json_write(m, &b, 0) != PGWIRE_OK)
		same = 0;
	pgwire_buf_free(&b);
	return same;
}

static void
check_pgoutput(const pgwire_msg *x)
{
	pgwire_msg	m;
	pgwire_error err;

	if (pgwire_decode_xlog_pgoutput(x, proto, &pst, &m, &err) != PGWIRE_OK)
	{
		fail("pgoutput decode", err.offset, &err);
		return;
	}
	if (m.frame.offset != x->frame.offset + 25)
		fail("pgoutput offset", m.frame.offset, NULL);
	if (!same_bytes(&m))
		fail("pgoutput re-encode", m.frame.offset, NULL);
	printf("kind %s\n", pgwire_msg_name(m.kind));
	if (m.kind == PGWIRE_MSG_LR_RELATION && pgwire_relcache_add(relcache, &m) != PGWIRE_OK)
		fail("relcache", m.frame.offset, NULL);
	if (m.kind == PGWIRE_MSG_LR_INSERT)
	{
		const pgwire_relcache_rel *rel = pgwire_relcache_get(relcache, m.u.lr_change.relation_oid);
		pgwire_buf	b;

		pgwire_buf_init(&b, NULL);
		pgwire_tuple_json(rel, &m.u.lr_change.new_tuple, &b);
		printf("insert %s.%s %.*s\n", rel ? rel->namespace_name : "?",
			   rel ? rel->relation_name : "?", (int) b.len, (const char *) b.data);
		pgwire_buf_free(&b);
	}
}

static void
check_copy_data(const pgwire_msg *cd)
{
	pgwire_msg	m;
	pgwire_error err;

	if (pgwire_decode_replication(cd, &m, &err) != PGWIRE_OK)
	{
		fail("replication decode", cd->frame.offset, &err);
		return;
	}
	if (!same_bytes(&m))
		fail("replication re-encode", m.frame.offset, NULL);
	printf("kind %s\n", pgwire_msg_name(m.kind));
	if (m.kind != PGWIRE_MSG_XLOG_DATA)
		return;
	if (logical)
		check_pgoutput(&m);
	if (physical)
	{
		if (next_wal >= 0 && m.u.xlog_data.wal_start != next_wal)
			fail("XLogData does not continue the previous one", m.frame.offset, NULL);
		next_wal = m.u.xlog_data.wal_start + (int64_t) m.u.xlog_data.data.len;
	}
}

static void
check_stream(const char *path, pgwire_direction dir)
{
	FILE	   *f = fopen(path, "rb");
	pgwire_reader *r = pgwire_reader_create(dir, NULL, NULL);
	uint8_t		chunk[65536];
	size_t		n;
	int			in_copy = 0;

	if (f == NULL || r == NULL)
	{
		fail(path, 0, NULL);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
	{
		pgwire_frame fr;
		pgwire_error err;
		int			rc;

		pgwire_reader_feed(r, chunk, n);
		while ((rc = pgwire_reader_next(r, &fr, &err)) == PGWIRE_OK)
		{
			pgwire_msg	m;

			if (pgwire_decode(&fr, NULL, &m, &err) != PGWIRE_OK)
			{
				fail("decode", fr.offset, &err);
				continue;
			}
			/* backend CopyData is replication traffic once copy mode began */
			if (m.kind == PGWIRE_MSG_COPY_BOTH_RESPONSE || m.kind == PGWIRE_MSG_COPY_OUT_RESPONSE)
				in_copy = 1;
			if (m.kind == PGWIRE_MSG_COPY_DATA && (dir == PGWIRE_FRONTEND || in_copy))
				check_copy_data(&m);
		}
		if (rc != PGWIRE_INCOMPLETE)
		{
			fail("framing", pgwire_reader_offset(r), &err);
			break;
		}
	}
	if (pgwire_reader_pending(r) != 0)
		fail("bytes left over", pgwire_reader_offset(r), NULL);
	pgwire_reader_free(r);
	fclose(f);
}

int
main(int argc, char **argv)
{
	if (argc < 4)
	{
		fprintf(stderr, "usage: replication_check physical|logical|backup FRONTEND BACKEND [PROTO]\n");
		return 2;
	}
	logical = strcmp(argv[1], "logical") == 0;
	physical = strcmp(argv[1], "physical") == 0;
	if (argc > 4)
		proto = atoi(argv[4]);
	relcache = pgwire_relcache_create(NULL);
	check_stream(argv[2], PGWIRE_FRONTEND);
	check_stream(argv[3], PGWIRE_BACKEND);
	pgwire_relcache_free(relcache);
	fflush(stdout);
	return failures ? 1 : 0;
}
