/*
 * bench/decode_bench.c
 *    How fast libpgwire frames and decodes real-shaped traffic, compared
 *    with the least any decoder must do.
 *
 * Two streams are built in memory with the writer API:
 *   result   RowDescription (8 text columns), 1,000,000 DataRows of 8 text
 *            values of realistic sizes, CommandComplete "SELECT 1000000",
 *            ReadyForQuery (backend);
 *   extended 200,000 extended-query cycles: Parse/Bind/Describe/Execute/
 *            Sync (frontend) and ParseComplete/BindComplete/
 *            RowDescription/DataRow/CommandComplete/ReadyForQuery
 *            (backend).
 * Each is measured these ways, best of 5 runs in the same process:
 *   baseline  a hand-written loop that walks message lengths and, for
 *             DataRows, the column lengths (no checks beyond bounds), over
 *             the whole buffer in one pass (no chunks: that favours it);
 *   libpgwire pgwire_reader fed 64 KiB chunks with
 *             pgwire_reader_feed_borrowed() (no copy), pgwire_decode() of
 *             every frame, and every field visited: DataRow values with
 *             pgwire_next_value(), RowDescription columns with
 *             pgwire_next_column(), Bind parameters and formats, Parse
 *             types, each String/slice's pointer and length, each scalar.
 * Prints MB/s, messages/s and the ratio libpgwire/baseline; for
 * comparison also: the baseline with the prefetch the reader does (2 KiB
 * ahead), the copying reader (pgwire_reader_feed), and
 * pgwire_frame_parse() straight over the buffer (no reader) + decode +
 * every field.
 *
 *   make -C bench && bench/decode_bench [ROWS [result|frontend|backend]]
 *
 * Figures on the development machine (2 shared cores, load average ~3
 * from other work, so the baseline itself varies by 20-30% between runs;
 * GCC 12 -O2, lib at commit 429a324), MB/s, one whole run:
 *   stream            baseline  libpgwire  ratio | prefetching   ratio
 *                                                | baseline      to it
 *   result            5524      6753       1.22  | 11417         0.59
 *   extended frontend 5251      2075       0.40  | 14111         0.15
 *   extended backend  5529      2954       0.53  | 10714         0.28
 * (40.6 M, 69.9 M and 44.8 M msg/s; the copying reader 4440, 1811 and
 * 2258 MB/s).  Before this work (commit 07f9f47): 2018, 534 and 230 MB/s,
 * ratios 0.34, 0.05, 0.04.
 *
 * The goal 0.8 is met for the result stream only, and only because the
 * plain baseline waits on memory (its loads form one dependent chain)
 * while the reader prefetches: against the same loop with the same
 * prefetch the library is at 0.5-0.6.  That is about the floor of the API:
 * a DataRow is walked twice, once by pgwire_decode() to validate it and
 * once by pgwire_next_value() to hand out the values, each pass the same
 * chain of dependent loads as the whole baseline.
 *
 * The extended streams stay under 0.8: their messages are small (30 and
 * 66 bytes on average), so the baseline costs 2-12 ns per message (with
 * and without prefetch), while the library makes per message a reader
 * call, a decode call (clearing the 184-byte pgwire_msg, copying the
 * frame, identifying the kind, checking every field: NUL searches of the
 * Strings, the groups) and the field visits, 14 ns (frontend) and 22 ns
 * (backend) in all; no single cost dominates any more (perf).
 * Reaching 0.8 there would need a batched API, not a faster decoder.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgwire/pgwire.h"
#include "pgwire/encode.h"

#define CHUNK 65536
#define RUNS 5

/* Defeats dead-code elimination: every visited field is folded in. */
static volatile uint64_t sink;

static double
now(void)
{
	struct timespec ts;

	/*
	 * CPU time of this process, not wall time: on a shared machine the
	 * time spent descheduled would otherwise decide the ratio.
	 */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* ---- building the streams ------------------------------------------------ */

static void
row_description(pgwire_buf *b)
{
	static const char *names[8] = {"id", "name", "email", "created_at", "amount", "active",
	"note", "uuid"};
	static const uint32_t types[8] = {23, 25, 1043, 1184, 1700, 16, 25, 2950};
	pgwire_writer w;

	pgwire_msg_begin(&w, b, 'T', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 8);
	for (int i = 0; i < 8; i++)
	{
		pgwire_put_cstring(&w, names[i]);
		pgwire_put_int32(&w, 16384);
		pgwire_put_int16(&w, (int16_t) (i + 1));
		pgwire_put_int32(&w, (int32_t) types[i]);
		pgwire_put_int16(&w, -1);
		pgwire_put_int32(&w, -1);
		pgwire_put_int16(&w, 0);
	}
	pgwire_msg_end(&w);
}

/* One row of plausible text values: int, name, email, timestamptz, numeric, bool, note, uuid. */
static void
data_row(pgwire_buf *b, uint32_t i)
{
	static const char *first[] = {"Ann", "Bob", "Carmen", "Dmitri", "Eve", "Fatima", "Gao",
	"Hiroshi"};
	static const char *notes[] = {"", "ok", "call back next week", "paid in full, thanks",
	"address changed; see ticket 4411 for the details of the move"};
	char		v[8][96];
	int			n[8];
	pgwire_writer w;

	n[0] = snprintf(v[0], 96, "%u", i + 1);
	n[1] = snprintf(v[1], 96, "%s %c.", first[i % 8], 'A' + (int) (i % 26));
	n[2] = snprintf(v[2], 96, "%s.%u@example.com", first[(i / 8) % 8], i % 9973);
	n[3] = snprintf(v[3], 96, "2024-%02u-%02u %02u:%02u:%02u.%06u+00", 1 + i % 12, 1 + i % 28,
					i % 24, i % 60, (i / 7) % 60, (i * 7919) % 1000000);
	n[4] = snprintf(v[4], 96, "%u.%02u", (i * 37) % 100000, i % 100);
	n[5] = snprintf(v[5], 96, "%c", i % 3 ? 't' : 'f');
	n[6] = snprintf(v[6], 96, "%s", notes[i % 5]);
	n[7] = snprintf(v[7], 96, "%08x-%04x-4%03x-a%03x-%012x", i * 2654435761u, i % 65536,
					i % 4096, (i / 3) % 4096, i * 40503u);
	pgwire_msg_begin(&w, b, 'D', PGWIRE_BACKEND, NULL);
	pgwire_put_count16(&w, 8);
	for (int c = 0; c < 8; c++)
	{
		if (c == 6 && i % 11 == 0)
			pgwire_put_value(&w, NULL, 0);	/* some NULL notes */
		else
			pgwire_put_value(&w, v[c], (size_t) n[c]);
	}
	pgwire_msg_end(&w);
}

static void
command_complete(pgwire_buf *b, const char *tag)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, b, 'C', PGWIRE_BACKEND, NULL);
	pgwire_put_cstring(&w, tag);
	pgwire_msg_end(&w);
	pgwire_msg_begin(&w, b, 'Z', PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 'I');
	pgwire_msg_end(&w);
}

static void
result_stream(pgwire_buf *b, uint32_t rows)
{
	char		tag[32];

	row_description(b);
	for (uint32_t i = 0; i < rows; i++)
		data_row(b, i);
	snprintf(tag, sizeof(tag), "SELECT %u", rows);
	command_complete(b, tag);
}

static void
extended_streams(pgwire_buf *fe, pgwire_buf *be, uint32_t cycles)
{
	pgwire_writer w;
	char		arg[16];

	for (uint32_t i = 0; i < cycles; i++)
	{
		pgwire_msg_begin(&w, fe, 'P', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "");
		pgwire_put_cstring(&w, "SELECT id, name, email, created_at, amount, active, note, uuid "
						   "FROM customers WHERE id = $1");
		pgwire_put_count16(&w, 1);
		pgwire_put_int32(&w, 23);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, fe, 'B', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "");
		pgwire_put_cstring(&w, "");
		pgwire_put_count16(&w, 0);
		pgwire_put_count16(&w, 1);
		snprintf(arg, sizeof(arg), "%u", i + 1);
		pgwire_put_value(&w, arg, strlen(arg));
		pgwire_put_count16(&w, 0);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, fe, 'D', PGWIRE_FRONTEND, NULL);
		pgwire_put_byte1(&w, 'P');
		pgwire_put_cstring(&w, "");
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, fe, 'E', PGWIRE_FRONTEND, NULL);
		pgwire_put_cstring(&w, "");
		pgwire_put_int32(&w, 0);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, fe, 'S', PGWIRE_FRONTEND, NULL);
		pgwire_msg_end(&w);

		pgwire_msg_begin(&w, be, '1', PGWIRE_BACKEND, NULL);
		pgwire_msg_end(&w);
		pgwire_msg_begin(&w, be, '2', PGWIRE_BACKEND, NULL);
		pgwire_msg_end(&w);
		row_description(be);
		data_row(be, i);
		command_complete(be, "SELECT 1");
	}
}

/* ---- (a) baseline ---------------------------------------------------------- */

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/*
 * Walk lengths; DataRow column lengths too.  Returns the message count.
 * With prefetch, it asks for the bytes 2 KiB ahead of each message as
 * the reader does (lib/src/reader.c, prefetch_ahead()).
 */
static inline uint64_t
walk_lengths(const uint8_t *p, size_t len, int backend, int prefetch)
{
	const uint8_t *end = p + len;
	uint64_t	msgs = 0,
				acc = 0;

	while (end - p >= 5)
	{
		uint32_t	l = be32(p + 1);
		const uint8_t *body = p + 5;
		const uint8_t *bend = p + 1 + l;

		if (l < 4 || (size_t) (end - p) - 1 < l)
			break;
		if (prefetch)
		{
			for (size_t i = 2048; i < 2048 + (size_t) l + 1 && i < (size_t) (end - p); i += 64)
				__builtin_prefetch(p + i);
		}
		if (backend && p[0] == 'D' && bend - body >= 2)
		{
			uint16_t	n = (uint16_t) (body[0] << 8 | body[1]);
			const uint8_t *q = body + 2;

			for (uint16_t i = 0; i < n && bend - q >= 4; i++)
			{
				int32_t		vl = (int32_t) be32(q);

				q += 4;
				if (vl > 0)
				{
					if (bend - q < vl)
						break;
					acc += (uintptr_t) q + (uint32_t) vl;
					q += vl;
				}
			}
		}
		acc += p[0];
		p = bend;
		msgs++;
	}
	sink += acc;
	return msgs;
}

static uint64_t
baseline(const uint8_t *p, size_t len, int backend)
{
	return walk_lengths(p, len, backend, 0);
}

static uint64_t
baseline_prefetch(const uint8_t *p, size_t len, int backend)
{
	return walk_lengths(p, len, backend, 1);
}

/* ---- (b) libpgwire --------------------------------------------------------- */

static inline uint64_t
slice(pgwire_slice s)
{
	return (uintptr_t) s.ptr + s.len;
}

/* Visit every field of a decoded message. */
static uint64_t
visit(const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_value v;
	pgwire_column c;
	uint64_t	acc = m->kind;

	switch (m->kind)
	{
		case PGWIRE_MSG_DATA_ROW:
			pgwire_iter_init(&it, &m->u.data_row.values);
			while (pgwire_next_value(&it, &v))
				acc += (uintptr_t) v.ptr + (uint32_t) v.len;
			break;
		case PGWIRE_MSG_ROW_DESCRIPTION:
			pgwire_iter_init(&it, &m->u.row_description.fields);
			while (pgwire_next_column(&it, &c))
				acc += slice(c.name) + c.table_oid + (uint16_t) c.column_attnum + c.type_oid +
					(uint16_t) c.type_size + (uint32_t) c.type_modifier + (uint16_t) c.format;
			break;
		case PGWIRE_MSG_COMMAND_COMPLETE:
			acc += slice(m->u.command_complete.tag);
			break;
		case PGWIRE_MSG_READY_FOR_QUERY:
			acc += m->u.ready_for_query.status;
			break;
		case PGWIRE_MSG_PARSE:
			acc += slice(m->u.parse.statement) + slice(m->u.parse.query);
			for (uint32_t i = 0; i < m->u.parse.parameter_types.count; i++)
				acc += pgwire_group_oid(&m->u.parse.parameter_types, i);
			break;
		case PGWIRE_MSG_BIND:
			acc += slice(m->u.bind.portal) + slice(m->u.bind.statement);
			for (uint32_t i = 0; i < m->u.bind.parameter_formats.count; i++)
				acc += (uint16_t) pgwire_group_int16(&m->u.bind.parameter_formats, i);
			pgwire_iter_init(&it, &m->u.bind.parameters);
			while (pgwire_next_value(&it, &v))
				acc += (uintptr_t) v.ptr + (uint32_t) v.len;
			for (uint32_t i = 0; i < m->u.bind.result_formats.count; i++)
				acc += (uint16_t) pgwire_group_int16(&m->u.bind.result_formats, i);
			break;
		case PGWIRE_MSG_DESCRIBE:
			acc += m->u.describe.target + slice(m->u.describe.name);
			break;
		case PGWIRE_MSG_EXECUTE:
			acc += slice(m->u.execute.portal) + (uint32_t) m->u.execute.max_rows;
			break;
		default:
			break;
	}
	return acc;
}

static uint64_t
libpgwire(const uint8_t *p, size_t len, pgwire_direction dir, int borrowed)
{
	pgwire_reader *r = pgwire_reader_create(dir, NULL, NULL);
	uint64_t	msgs = 0,
				acc = 0;

	/* the streams start after the startup phase */
	pgwire_reader_set_phase(r, PGWIRE_PHASE_TYPED);
	for (size_t pos = 0; pos < len; pos += CHUNK)
	{
		pgwire_frame f;
		pgwire_msg	m;
		pgwire_error err;
		int			rc;

		size_t		n = len - pos < CHUNK ? len - pos : CHUNK;

		if ((borrowed ? pgwire_reader_feed_borrowed(r, p + pos, n)
			 : pgwire_reader_feed(r, p + pos, n)) != PGWIRE_OK)
		{
			fprintf(stderr, "feed failed\n");
			exit(1);
		}
		while ((rc = pgwire_reader_next(r, &f, &err)) == PGWIRE_OK)
		{
			if (pgwire_decode(&f, NULL, &m, &err) != PGWIRE_OK)
			{
				fprintf(stderr, "decode failed at %zu: %s\n", err.offset, err.detail);
				exit(1);
			}
			acc += visit(&m);
			msgs++;
		}
		if (rc != PGWIRE_INCOMPLETE)
		{
			fprintf(stderr, "reader failed at %zu: %s\n", err.offset, err.detail);
			exit(1);
		}
	}
	pgwire_reader_free(r);
	sink += acc;
	return msgs;
}

/*
 * (c) for comparison: the same decoding with pgwire_frame_parse() straight
 * over the caller's buffer, no reader and so no copy.
 */
static uint64_t
zero_copy(const uint8_t *p, size_t len, pgwire_direction dir)
{
	uint64_t	msgs = 0,
				acc = 0;
	size_t		pos = 0;

	while (pos < len)
	{
		pgwire_frame f;
		pgwire_msg	m;
		pgwire_error err;

		if (pgwire_frame_parse(p + pos, len - pos, dir, PGWIRE_PHASE_TYPED, NULL, pos, &f, &err)
			!= PGWIRE_OK || pgwire_decode(&f, NULL, &m, &err) != PGWIRE_OK)
		{
			fprintf(stderr, "zero-copy decode failed at %zu\n", pos);
			exit(1);
		}
		acc += visit(&m);
		pos += f.raw_len;
		msgs++;
	}
	sink += acc;
	return msgs;
}

/* ---- measuring ------------------------------------------------------------- */

typedef struct result
{
	double		secs;
	uint64_t	msgs;
} result;

static result
best_of(int how, const pgwire_buf *b, pgwire_direction dir)
{
	result		best = {1e30, 0};

	for (int run = 0; run < RUNS; run++)
	{
		double		t0 = now();
		uint64_t	n = how == 1 ? libpgwire(b->data, b->len, dir, 1)
			: how == 2 ? zero_copy(b->data, b->len, dir)
			: how == 3 ? libpgwire(b->data, b->len, dir, 0)
			: how == 4 ? baseline_prefetch(b->data, b->len, dir == PGWIRE_BACKEND)
			: baseline(b->data, b->len, dir == PGWIRE_BACKEND);
		double		t = now() - t0;

		if (t < best.secs)
			best.secs = t;
		best.msgs = n;
	}
	return best;
}

static double
measure(const char *name, const pgwire_buf *b, pgwire_direction dir)
{
	result		base = best_of(0, b, dir);
	result		lib = best_of(1, b, dir);
	result		zc = best_of(2, b, dir);
	result		cp = best_of(3, b, dir);
	result		bpf = best_of(4, b, dir);
	double		mb = (double) b->len / 1e6;

	if (base.msgs != lib.msgs || zc.msgs != lib.msgs || cp.msgs != lib.msgs ||
		bpf.msgs != lib.msgs)
	{
		fprintf(stderr, "%s: baseline saw %llu messages, libpgwire %llu\n", name,
				(unsigned long long) base.msgs, (unsigned long long) lib.msgs);
		exit(1);
	}
	printf("%-18s %8.1f MB %9llu msgs | baseline %8.1f MB/s %6.2f M msg/s | "
		   "libpgwire %8.1f MB/s %6.2f M msg/s | ratio %.2f\n",
		   name, mb, (unsigned long long) lib.msgs,
		   mb / base.secs, (double) base.msgs / base.secs / 1e6,
		   mb / lib.secs, (double) lib.msgs / lib.secs / 1e6, base.secs / lib.secs);
	printf("%-18s %41s | (baseline with the reader's prefetch     %8.1f MB/s; libpgwire / it %.2f)\n",
		   "", "", mb / bpf.secs, bpf.secs / lib.secs);
	printf("%-18s %41s | (copying reader: pgwire_reader_feed      %8.1f MB/s, ratio %.2f)\n",
		   "", "", mb / cp.secs, base.secs / cp.secs);
	printf("%-18s %41s | (no reader: pgwire_frame_parse over the buffer %8.1f MB/s, ratio %.2f)\n",
		   "", "", mb / zc.secs, base.secs / zc.secs);
	return base.secs / lib.secs;
}

int
main(int argc, char **argv)
{
	uint32_t	rows = argc > 1 ? (uint32_t) strtoul(argv[1], NULL, 10) : 1000000;
	uint32_t	cycles = rows / 5;
	const char *only = argc > 2 ? argv[2] : "";	/* result, frontend, backend */
	pgwire_buf	result,
				fe,
				be;
	double		worst = 1e9,
				r;

	pgwire_buf_init(&result, NULL);
	pgwire_buf_init(&fe, NULL);
	pgwire_buf_init(&be, NULL);
	result_stream(&result, rows);
	extended_streams(&fe, &be, cycles);
	if (result.status != PGWIRE_OK || fe.status != PGWIRE_OK || be.status != PGWIRE_OK)
	{
		fprintf(stderr, "building the streams failed\n");
		return 1;
	}
	printf("best of %d runs (process CPU time); libpgwire = reader (64 KiB chunks, "
		   "pgwire_reader_feed_borrowed) + decode + every field\n", RUNS);
	if (!*only || strcmp(only, "result") == 0)
	{
		r = measure("result (backend)", &result, PGWIRE_BACKEND);
		worst = r < worst ? r : worst;
	}
	if (!*only || strcmp(only, "frontend") == 0)
	{
		r = measure("extended frontend", &fe, PGWIRE_FRONTEND);
		worst = r < worst ? r : worst;
	}
	if (!*only || strcmp(only, "backend") == 0)
	{
		r = measure("extended backend", &be, PGWIRE_BACKEND);
		worst = r < worst ? r : worst;
	}
	printf("lowest ratio %.2f (goal >= 0.80)\n", worst);
	pgwire_buf_free(&result);
	pgwire_buf_free(&fe);
	pgwire_buf_free(&be);
	return 0;
}
