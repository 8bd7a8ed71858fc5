/*
 * test/unit/test_explain.c
 *    The byte map: pgwire_explain() rows and pgwire_explain_write() text.
 *
 * Messages are the ones libpq 15.20 and PostgreSQL 15.20 exchanged in
 * suite 25-pqtrace (the Bind with binary and NULL parameters, the
 * RowDescription of "SELECT 1 AS a, NULL::text AS b, 'x\ty'::text AS c",
 * the division-by-zero ErrorResponse), rebuilt from the field values
 * libpq traced.  Meanings of codes come from the protocol docs.
 */
#include <string.h>

#include "pgwire/message.h"
#include "pgwire/render.h"
#include "pgwire/replication.h"
#include "tap.h"

#define MAX_ROWS 64

typedef struct row_copy
{
	uint64_t	offset;
	size_t		length;
	char		path[64];
	char		value[128];
} row_copy;

typedef struct rows
{
	row_copy	r[MAX_ROWS];
	int			n;
	int			stop_after;		/* return 99 after this many rows; 0 never */
} rows;

static int
collect(void *arg, const pgwire_explain_row *row)
{
	rows	   *rs = arg;
	row_copy   *c;

	if (rs->n == MAX_ROWS)
		return 98;
	c = &rs->r[rs->n++];
	c->offset = row->offset;
	c->length = row->length;
	snprintf(c->path, sizeof(c->path), "%s", row->path);
	snprintf(c->value, sizeof(c->value), "%s", row->value);
	return rs->stop_after && rs->n == rs->stop_after ? 99 : 0;
}

static pgwire_buf msg;

static void
put(const void *p, size_t n)
{
	pgwire_buf_append(&msg, p, n);
}

#define PUT(lit) put(lit, sizeof(lit) - 1)

static int
decode(pgwire_direction dir, pgwire_msg *m)
{
	pgwire_error err;
	int			rc = pgwire_decode_bytes(msg.data, msg.len, dir, NULL, m, &err);

	if (rc != PGWIRE_OK)
		diag("decode: %s: %s", pgwire_status_name(rc), err.detail);
	return rc;
}

/* Rows are in wire order and cover every byte of the frame once. */
static void
check_tiling(const rows *rs, const pgwire_msg *m, const char *what)
{
	uint64_t	at = m->frame.offset;
	int			good = 1;

	for (int i = 0; i < rs->n; i++)
	{
		if (rs->r[i].offset != at)
			good = 0;
		at += rs->r[i].length;
	}
	ok(good && at == m->frame.offset + m->frame.raw_len, "%s: rows cover the frame in order", what);
}

/* The row with this path has this offset, length and value. */
static void
check_row(const rows *rs, const char *path, uint64_t offset, size_t length,
		  const char *value)
{
	for (int i = 0; i < rs->n; i++)
	{
		if (strcmp(rs->r[i].path, path) != 0)
			continue;
		if (!ok(rs->r[i].offset == offset && rs->r[i].length == length &&
				strcmp(rs->r[i].value, value) == 0, "row %s = %s", path, value))
			diag("got offset %llu length %zu value %s", (unsigned long long) rs->r[i].offset,
				 rs->r[i].length, rs->r[i].value);
		return;
	}
	ok(0, "row %s present", path);
}

static void
test_bind(void)
{
	pgwire_msg	m;
	rows		rs = {0};

	/* F 39 Bind "" "" 3 1 0 1 3 4 '\x00\x00\x00*' -1 3 '\x00\xfeA' 1 1 */
	pgwire_buf_reset(&msg);
	PUT("B\0\0\0\x27" "\0" "\0" "\0\x03\0\x01\0\0\0\x01" "\0\x03"
		"\0\0\0\x04\0\0\0*" "\xff\xff\xff\xff" "\0\0\0\x03\0\xfe" "A" "\0\x01\0\x01");
	if (decode(PGWIRE_FRONTEND, &m) != PGWIRE_OK)
	{
		ok(0, "Bind decodes");
		return;
	}
	ok_int(pgwire_explain(&m, collect, &rs), 0, "explain Bind");
	check_tiling(&rs, &m, "Bind");
	check_row(&rs, "type", 0, 1, "'B' (Bind)");
	check_row(&rs, "length", 1, 4, "39");
	check_row(&rs, "portal", 5, 1, "\"\"");
	check_row(&rs, "statement", 6, 1, "\"\"");
	check_row(&rs, "parameter_formats", 7, 2, "3 elements");
	check_row(&rs, "parameter_formats[0]", 9, 2, "1 (binary)");
	check_row(&rs, "parameter_formats[1]", 11, 2, "0 (text)");
	check_row(&rs, "parameters", 15, 2, "3 elements");
	check_row(&rs, "parameters[0]", 17, 8, "\"\\x00\\x00\\x00*\"");
	check_row(&rs, "parameters[1]", 25, 4, "NULL");
	check_row(&rs, "parameters[2]", 29, 7, "\"\\x00\\xfeA\"");
	check_row(&rs, "result_formats", 36, 2, "1 element");
	check_row(&rs, "result_formats[0]", 38, 2, "1 (binary)");

	memset(&rs, 0, sizeof(rs));
	rs.stop_after = 3;
	ok_int(pgwire_explain(&m, collect, &rs), 99, "the callback's non-zero result stops the walk");
	ok_int(rs.n, 3, "no row after the callback stopped");
}

static void
test_row_description(void)
{
	pgwire_msg	m;
	rows		rs = {0};

	/* B 66 RowDescription 3 "a" 0 0 23 4 -1 0 "b" 0 0 25 65535 -1 0 "c" ... */
	pgwire_buf_reset(&msg);
	PUT("T\0\0\0\x42\0\x03"
		"a\0" "\0\0\0\0" "\0\0" "\0\0\0\x17" "\0\x04" "\xff\xff\xff\xff" "\0\0"
		"b\0" "\0\0\0\0" "\0\0" "\0\0\0\x19" "\xff\xff" "\xff\xff\xff\xff" "\0\0"
		"c\0" "\0\0\0\0" "\0\0" "\0\0\0\x19" "\xff\xff" "\xff\xff\xff\xff" "\0\0");
	if (decode(PGWIRE_BACKEND, &m) != PGWIRE_OK)
	{
		ok(0, "RowDescription decodes");
		return;
	}
	ok_int(pgwire_explain(&m, collect, &rs), 0, "explain RowDescription");
	check_tiling(&rs, &m, "RowDescription");
	ok_int(rs.n, 3 + 3 * 7, "one row per header word, count and column field");
	check_row(&rs, "fields", 5, 2, "3 elements");
	check_row(&rs, "fields[0].name", 7, 2, "\"a\"");
	check_row(&rs, "fields[0].table_oid", 9, 4, "0");
	check_row(&rs, "fields[0].type_oid", 15, 4, "23 (int4)");
	check_row(&rs, "fields[1].type_oid", 35, 4, "25 (text)");
	check_row(&rs, "fields[1].type_size", 39, 2, "-1");
	check_row(&rs, "fields[2].type_modifier", 61, 4, "-1");
	check_row(&rs, "fields[2].format", 65, 2, "0 (text)");
}

static void
test_error_response(void)
{
	pgwire_msg	m;
	rows		rs = {0};

	pgwire_buf_reset(&msg);
	PUT("E\0\0\0\x41" "SERROR\0" "VERROR\0" "C22012\0" "Mdivision by zero\0"
		"Fint.c\0" "L869\0" "Rint4div\0" "\0");
	if (decode(PGWIRE_BACKEND, &m) != PGWIRE_OK)
	{
		ok(0, "ErrorResponse decodes");
		return;
	}
	ok_int(pgwire_explain(&m, collect, &rs), 0, "explain ErrorResponse");
	check_tiling(&rs, &m, "ErrorResponse");
	check_row(&rs, "fields[0].code", 5, 1, "'S' (Severity)");
	check_row(&rs, "fields[2].code", 19, 1, "'C' (SQLSTATE)");
	check_row(&rs, "fields[2].value", 20, 6, "\"22012\"");
	check_row(&rs, "fields[3].value", 27, 17, "\"division by zero\"");
	check_row(&rs, "fields[6].code", 56, 1, "'R' (Routine)");
	check_row(&rs, "fields", 65, 1, "end of list (7 elements)");
}

static void
test_meanings(void)
{
	pgwire_msg	m;
	rows		rs = {0};

	pgwire_buf_reset(&msg);
	PUT("R\0\0\0\x0c\0\0\0\x05\x01\x02\x03\x04");
	if (decode(PGWIRE_BACKEND, &m) == PGWIRE_OK && pgwire_explain(&m, collect, &rs) == 0)
	{
		check_row(&rs, "code", 5, 4, "5 (MD5Password)");
		check_row(&rs, "salt", 9, 4, "\"\\x01\\x02\\x03\\x04\"");
	}
	else
		ok(0, "AuthenticationMD5Password explains");

	memset(&rs, 0, sizeof(rs));
	pgwire_buf_reset(&msg);
	PUT("D\0\0\0\x08P" "c1\0");
	if (decode(PGWIRE_FRONTEND, &m) == PGWIRE_OK && pgwire_explain(&m, collect, &rs) == 0)
		check_row(&rs, "target", 5, 1, "'P' (portal)");
	else
		ok(0, "Describe explains");

	memset(&rs, 0, sizeof(rs));
	pgwire_buf_reset(&msg);
	PUT("\0\0\0\x29\0\x03\0\0" "user\0postgres\0database\0postgres\0\0");
	if (decode(PGWIRE_FRONTEND, &m) == PGWIRE_OK && pgwire_explain(&m, collect, &rs) == 0)
	{
		check_tiling(&rs, &m, "StartupMessage");
		check_row(&rs, "protocol_version", 4, 4, "3.0");
		check_row(&rs, "parameters[1].value", 31, 9, "\"postgres\"");
		check_row(&rs, "parameters", 40, 1, "end of list (2 elements)");
	}
	else
		ok(0, "StartupMessage explains");
}

static void
test_text(void)
{
	pgwire_msg	m;
	pgwire_buf	out;
	static const char want[] =
		"0  1  type    5a        'Z' (ReadyForQuery)\n"
		"1  4  length  00000005  5\n"
		"5  1  status  49        'I' (idle)\n";

	pgwire_buf_init(&out, NULL);
	pgwire_buf_reset(&msg);
	PUT("Z\0\0\0\x05I");
	if (decode(PGWIRE_BACKEND, &m) == PGWIRE_OK)
	{
		ok_int(pgwire_explain_write(&m, &out), PGWIRE_OK, "explain_write ReadyForQuery");
		ok(out.len == sizeof(want) - 1 && memcmp(out.data, want, out.len) == 0,
		   "aligned columns: offset, length, path, hex, value");
	}

	/* 40 bytes of CopyData: hex elided after 32 bytes */
	pgwire_buf_reset(&out);
	pgwire_buf_reset(&msg);
	PUT("d\0\0\0\x2c" "0123456789012345678901234567890123456789");
	if (decode(PGWIRE_BACKEND, &m) == PGWIRE_OK)
	{
		pgwire_buf_append(&out, "", 1);
		out.len = 0;
		ok_int(pgwire_explain_write(&m, &out), PGWIRE_OK, "explain_write CopyData");
		pgwire_buf_append(&out, "", 1);
		ok(strstr((char *) out.data,
				  "5  40  data    "
				  "3031323334353637383930313233343536373839303132333435363738393031\xe2\x80\xa6"
				  "  \"0123456789012345678901234567890123456789\"\n") != NULL,
		   "raw bytes after the 32nd elided with an ellipsis");
	}
	pgwire_buf_free(&out);
}

/* A replication payload: the type byte has a row too. */
static void
test_payload(void)
{
	static const uint8_t keepalive[] = {'k', 0, 0, 0, 0, 0x01, 0x6b, 0x37, 0x48,
	0, 0, 0, 0, 0, 0, 0, 0, 1};
	pgwire_msg	m;
	pgwire_error err;
	rows		rs = {0};

	if (pgwire_decode_replication_bytes(keepalive, sizeof(keepalive), PGWIRE_BACKEND, 100,
										&m, &err) != PGWIRE_OK ||
		pgwire_explain(&m, collect, &rs) != 0)
	{
		ok(0, "PrimaryKeepalive explains");
		return;
	}
	check_tiling(&rs, &m, "PrimaryKeepalive");
	check_row(&rs, "type", 100, 1, "'k' (PrimaryKeepalive)");
	check_row(&rs, "wal_end", 101, 8, "0/16B3748");
	check_row(&rs, "send_time", 109, 8, "2000-01-01 00:00:00.000000+00");
}

/*
 * A CopyData whose XLogData holds a pgoutput Insert, linked as the session
 * tracker links them (msg->inner): the byte map shows the carried
 * messages' fields in place of the bytes, still covering every byte once.
 */
static void
test_nested(void)
{
	pgwire_msg	copy,
				xlog,
				insert;
	pgwire_pgoutput_state st = {0};
	pgwire_error err;
	rows		rs = {0};

	pgwire_buf_reset(&msg);
	/* 'd', length 4 + 25 + 14; 'w' with start, end, time; 'I' of OID 16384 */
	PUT("d\0\0\0\x2b" "w\0\0\0\0\x01\x53\xb1\x40\0\0\0\0\x01\x53\xb1\x40"
		"\0\x03\x03\xd5\x9c\xef\x21\xd2" "I\0\0\x40\0N\0\x01t\0\0\0\x01" "7");
	if (decode(PGWIRE_BACKEND, &copy) != PGWIRE_OK ||
		pgwire_decode_replication(&copy, &xlog, &err) != PGWIRE_OK ||
		pgwire_decode_xlog_pgoutput(&xlog, 1, &st, &insert, &err) != PGWIRE_OK)
	{
		ok(0, "CopyData > XLogData > Insert decodes");
		return;
	}
	copy.inner = &xlog;
	xlog.inner = &insert;
	if (!ok(pgwire_explain(&copy, collect, &rs) == 0, "CopyData > XLogData > Insert explains"))
		return;
	check_tiling(&rs, &copy, "CopyData > XLogData > Insert");
	check_row(&rs, "data.type", 5, 1, "'w' (XLogData)");
	check_row(&rs, "data.wal_start", 6, 8, "0/153B140");
	check_row(&rs, "data.data.type", 30, 1, "'I' (Insert)");
	check_row(&rs, "data.data.relation_oid", 31, 4, "16384");
	check_row(&rs, "data.data.new_tuple[0]", 38, 6, "text \"7\"");
}

int
main(void)
{
	pgwire_buf_init(&msg, NULL);
	test_bind();
	test_row_description();
	test_error_response();
	test_meanings();
	test_text();
	test_payload();
	test_nested();
	pgwire_buf_free(&msg);
	return done_testing();
}
