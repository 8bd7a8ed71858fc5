/*
 * pgwire_ext.c
 *    The pgwire extension: libpgwire's codec as SQL functions over bytea,
 *    to the wire protocol what contrib/pageinspect is to heap pages.
 *
 * This is the only file of the project that includes postgres.h.  It turns
 * SQL arguments into library calls, library results into jsonb, text and
 * tuples, and library status codes into one ereport each:
 *
 *   malformed or incomplete bytes   22P03 invalid_binary_representation
 *   bad arguments, bad JSON         22023 invalid_parameter_value
 *   messages over a wire limit      54000 program_limit_exceeded
 *   allocation failure              53200 out_of_memory
 *
 * The functions work on their arguments alone, except that
 * pgwire_row_description looks up type sizes and pgwire_logical_changes
 * reads a logical replication slot through SPI
 * (pg_logical_slot_peek_binary_changes, never the consuming variant).
 *
 * The library allocates through a pgwire_allocator that wraps
 * palloc_extended(..., MCXT_ALLOC_NO_OOM), so it keeps its NULL-on-out-of-
 * memory contract and never longjmps; everything it allocates lives in the
 * calling memory context and goes away with it, even after an ERROR.
 *
 * Source-compatible with PostgreSQL 13 to 18 (PG_VERSION_NUM guards).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "pgwire/pgwire.h"

PG_MODULE_MAGIC;

/* ---- Allocator -------------------------------------------------------- */

/*
 * PostgreSQL 15 has no portable repalloc that returns NULL on failure, so
 * each block carries its size in a MAXALIGNed header and realloc is
 * allocate + copy + free.
 */
#define PGW_HDR MAXALIGN(sizeof(Size))

static void *
pgw_malloc(size_t size, void *user_data)
{
	char	   *p;

	(void) user_data;
	if (size > MaxAllocHugeSize - PGW_HDR)
		return NULL;
	p = palloc_extended(size + PGW_HDR, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (p == NULL)
		return NULL;
	*(Size *) p = size;
	return p + PGW_HDR;
}

static void
pgw_free(void *ptr, void *user_data)
{
	(void) user_data;
	if (ptr != NULL)
		pfree((char *) ptr - PGW_HDR);
}

static void *
pgw_realloc(void *ptr, size_t size, void *user_data)
{
	void	   *p;
	Size		old;

	if (ptr == NULL)
		return pgw_malloc(size, user_data);
	old = *(Size *) ((char *) ptr - PGW_HDR);
	p = pgw_malloc(size, user_data);
	if (p == NULL)
		return NULL;			/* the old block stays valid, as realloc's */
	memcpy(p, ptr, Min(old, size));
	pgw_free(ptr, user_data);
	return p;
}

static const pgwire_allocator pgw_allocator = {
	NULL, pgw_malloc, pgw_realloc, pgw_free
};

/* ---- Status to ereport ------------------------------------------------ */

static void
pgw_oom(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory"),
			 errdetail("The protocol codec could not allocate memory.")));
}

/*
 * The library's detail ("the 5 bytes end ...", no period) for use after a
 * colon: a capital that only starts the sentence ("Message 0: ...") is
 * lowered, an acronym ("SSLRequest ...") is kept.
 */
static char *
pgw_detail(const pgwire_error *err, int rc)
{
	char	   *s;

	s = pstrdup(err && err->detail[0] ? err->detail : pgwire_strerror(rc));
	if (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z')
		s[0] += 'a' - 'A';
	return s;
}

/* The same as a sentence of its own. */
static char *
pgw_sentence(const pgwire_error *err, int rc)
{
	char	   *s = pgw_detail(err, rc);

	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] += 'A' - 'a';
	return s;
}

/*
 * Report a failed decode, or a failed encode of JSON input (encoding).
 * where names what the offset counts in ("the JSON text", "the backend
 * stream"); NULL for the bytea argument.  Never returns.
 */
static void
pgw_report_in(int rc, const pgwire_error *err, bool encoding, const char *where)
{
	int			code = ERRCODE_INVALID_BINARY_REPRESENTATION;
	const char *msg;
	unsigned long long offset = err ? (unsigned long long) err->offset : 0;

	if (rc == PGWIRE_ERR_NOMEM)
		pgw_oom();
	if (encoding)
	{
		if (rc == PGWIRE_ERR_RANGE || rc == PGWIRE_ERR_LENGTH)
		{
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			msg = "protocol message does not fit its wire format";
		}
		else
		{
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			msg = "invalid message description";
		}
		where = "the JSON text";
	}
	else if (rc == PGWIRE_INCOMPLETE)
		msg = "incomplete protocol message";
	else if (rc == PGWIRE_ERR_EXTRA_DATA)
		msg = "trailing bytes after protocol message";
	else if (rc == PGWIRE_ERR_ENCRYPTED)
		msg = "encrypted protocol stream";
	else if (rc == PGWIRE_ERR_ARGUMENT)
	{
		code = ERRCODE_INVALID_PARAMETER_VALUE;
		msg = "invalid argument";
	}
	else
		msg = "invalid protocol message";

	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", msg),
			 errdetail("At byte offset %llu%s: %s.", offset,
					   where ? psprintf(" of %s", where) : "", pgw_detail(err, rc))));
}

static void
pgw_report(int rc, const pgwire_error *err, bool encoding)
{
	pgw_report_in(rc, err, encoding, NULL);
}

/* A bad argument: 22023 with msg and, unless NULL, detail.  Never returns. */
static void
pgw_invalid(const char *msg, const char *detail)
{
	if (detail == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", msg)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 errdetail("%s", detail)));
}

/* The error for data that ends inside a message starting at offset. */
static int
pgw_incomplete(pgwire_error *err, uint64 offset, size_t have)
{
	return pgwire_error_set(err, PGWIRE_INCOMPLETE, offset,
							"the data ends inside a message that starts here (%zu bytes of it)",
							have);
}

/* ---- Arguments -------------------------------------------------------- */

static pgwire_direction
pgw_direction(text *t)
{
	char	   *s = text_to_cstring(t);

	if (strcmp(s, "frontend") == 0)
		return PGWIRE_FRONTEND;
	if (strcmp(s, "backend") == 0)
		return PGWIRE_BACKEND;
	pgw_invalid(psprintf("invalid direction \"%s\"", s),
				"The direction must be \"frontend\" or \"backend\".");
	return PGWIRE_BACKEND;		/* keep the compiler quiet */
}

static const char *
pgw_direction_name(pgwire_direction dir)
{
	return dir == PGWIRE_FRONTEND ? "frontend" : "backend";
}

/* ---- Results ---------------------------------------------------------- */

static bytea *
pgw_bytea(const void *data, size_t len)
{
	bytea	   *result = (bytea *) palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	if (len > 0)
		memcpy(VARDATA(result), data, len);
	return result;
}

static bytea *
pgw_buf_to_bytea(const pgwire_buf *b)
{
	return pgw_bytea(b->data, b->len);
}

/* Text from library output, checked against the database encoding. */
static text *
pgw_text(const char *s, size_t len)
{
	pg_verifymbstr(s, (int) len, false);
	return cstring_to_text_with_len(s, (int) len);
}

/* A decoded message as jsonb, through the library's lossless JSON. */
static Datum
pgw_message_jsonb(const pgwire_msg *m)
{
	pgwire_buf	b;
	int			rc;

	pgwire_buf_init(&b, &pgw_allocator);
	rc = pgwire_json_write(m, &b, 0);
	if (rc == PGWIRE_OK)
		rc = pgwire_buf_append(&b, "", 1);
	if (rc != PGWIRE_OK)
		pgw_report(rc, NULL, false);
	return DirectFunctionCall1(jsonb_in, CStringGetDatum((char *) b.data));
}

static Datum
pgw_type_datum(const pgwire_frame *f, bool *isnull)
{
	char		c[2];

	*isnull = f->kind == PGWIRE_FRAME_UNTYPED;
	if (*isnull)
		return (Datum) 0;
	c[0] = (char) f->type;
	c[1] = '\0';
	/* a type byte outside ASCII is not text in every encoding */
	if (f->type < 0x20 || f->type > 0x7e)
		return CStringGetTextDatum(psprintf("\\x%02x", f->type));
	return CStringGetTextDatum(c);
}

/*
 * Start a materialized set-returning function (pageinspect style).  On 16+
 * this is InitMaterializedSRF, on 15 the same function under its first
 * name, on 13 and 14 the code those functions replaced.
 */
static ReturnSetInfo *
pgw_init_srf(FunctionCallInfo fcinfo, bool scalar)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

#if PG_VERSION_NUM >= 160000
	InitMaterializedSRF(fcinfo, scalar ? MAT_SRF_USE_EXPECTED_DESC : 0);
#elif PG_VERSION_NUM >= 150000
	SetSingleFuncCall(fcinfo, scalar ? SRF_SINGLE_USE_EXPECTED : 0);
#else
	{
		TupleDesc	tupdesc;
		MemoryContext old;

		if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
			!(rsinfo->allowedModes & SFRM_Materialize) ||
			(scalar && rsinfo->expectedDesc == NULL))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("materialize mode required, but it is not allowed in this context")));
		old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
		if (scalar)
			tupdesc = CreateTupleDescCopy(rsinfo->expectedDesc);
		else if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		rsinfo->returnMode = SFRM_Materialize;
		rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
		rsinfo->setDesc = tupdesc;
		MemoryContextSwitchTo(old);
	}
#endif
	return rsinfo;
}

/* ---- Framing ---------------------------------------------------------- */

/*
 * The phase to start a stream in.  The library's defaults expect whole
 * connections (a frontend stream opening with a startup packet, a backend
 * stream with R/E/v or an SSL answer); SQL users also pass slices cut from
 * the middle of a session or built with the constructors, so:
 *   frontend: a first byte other than 0 is a typed message (no startup
 *     packet is that long), except 0x16, a TLS handshake record (direct
 *     SSL), which the reader recognises in the startup phase;
 *   backend: a first 'S'/'N'/'G' followed by a 0 byte is a typed message
 *     (ParameterStatus, NoticeResponse, CopyInResponse: the high byte of
 *     its length word), since after a one-byte SSL/GSS answer comes a
 *     type byte, and no type byte is 0; a lone 'S'/'N'/'G' is the answer
 *     (the whole input cannot be the start of a longer message, though a
 *     stream reader must wait for more bytes to tell).
 */
static pgwire_phase
pgw_start_phase(const uint8 *data, size_t len, pgwire_direction dir)
{
	if (len == 0)
		return PGWIRE_PHASE_AUTO;
	if (dir == PGWIRE_FRONTEND)
		return data[0] != 0 && data[0] != 0x16 ? PGWIRE_PHASE_TYPED : PGWIRE_PHASE_STARTUP;
	if (len >= 2 && data[1] == 0)
		return PGWIRE_PHASE_TYPED;
	if (len == 1 && (data[0] == 'S' || data[0] == 'N'))
		return PGWIRE_PHASE_SSL_ANSWER;
	if (len == 1 && data[0] == 'G')
		return PGWIRE_PHASE_GSS_ANSWER;
	return PGWIRE_PHASE_AUTO;
}

/*
 * A one-byte answer found without seeing the request is marked as the
 * library marks it in PGWIRE_PHASE_AUTO: inferred, and 'N' (which refuses
 * either request) answering no request in particular.
 */
static void
pgw_mark_answer(pgwire_frame *f, pgwire_phase start)
{
	if (f->kind == PGWIRE_FRAME_BYTE &&
		(start == PGWIRE_PHASE_SSL_ANSWER || start == PGWIRE_PHASE_GSS_ANSWER))
	{
		f->inferred = 1;
		if (f->type == 'N')
			f->request = 0;
	}
}

/* Exactly one message in data[0..len); ERROR otherwise. */
static void
pgw_decode_one(const uint8 *data, size_t len, pgwire_direction dir, pgwire_msg *out)
{
	pgwire_phase start = pgw_start_phase(data, len, dir);
	pgwire_frame f;
	pgwire_error err;
	int			rc;

	memset(&err, 0, sizeof(err));
	rc = pgwire_frame_parse(data, len, dir, start, NULL, 0, &f, &err);
	pgw_mark_answer(&f, start);
	if (rc == PGWIRE_INCOMPLETE)
		pgwire_error_set(&err, rc, len, "the data ends inside a message");
	else if (rc == PGWIRE_OK && f.raw_len != len)
		rc = pgwire_error_set(&err, PGWIRE_ERR_EXTRA_DATA, f.raw_len,
							  "the message ends here, %zu bytes before the end of the data",
							  len - f.raw_len);
	else if (rc == PGWIRE_OK)
		rc = pgwire_decode(&f, NULL, out, &err);
	if (rc != PGWIRE_OK)
		pgw_report(rc, &err, false);
}

typedef void (*pgw_message_fn) (const pgwire_msg *m, int seq, void *arg);

/*
 * Where messages come from: the next one (PGWIRE_OK), the end
 * (PGWIRE_DONE), or a failure with err set; *where then names what the
 * error's offset counts in (left NULL: the bytea argument).
 */
typedef int (*pgw_next_fn) (void *source, pgwire_msg *m, pgwire_error *err,
							const char **where);

/*
 * Call fn for every message of source, in order, numbered from 1.  A
 * message that fails raises an ERROR (after the rows already produced,
 * which the ERROR discards).
 */
static void
pgw_each(pgw_next_fn next, void *source, pgw_message_fn fn, void *arg)
{
	MemoryContext per_message;
	MemoryContext old;
	pgwire_msg	m;
	pgwire_error err;
	int			rc;

	per_message = AllocSetContextCreate(CurrentMemoryContext, "pgwire message",
										ALLOCSET_DEFAULT_SIZES);
	for (int seq = 1;; seq++)
	{
		const char *where = NULL;

		memset(&err, 0, sizeof(err));
		rc = next(source, &m, &err, &where);
		if (rc == PGWIRE_DONE)
			break;
		if (rc != PGWIRE_OK)
			pgw_report_in(rc, &err, false, where);
		/* what one message's rows need is freed before the next */
		old = MemoryContextSwitchTo(per_message);
		fn(&m, seq, arg);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_message);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(per_message);
}

/* One direction's bytes, through a reader. */
typedef struct pgw_stream
{
	pgwire_reader *reader;
	pgwire_phase start;
} pgw_stream;

static int
pgw_stream_next(void *source, pgwire_msg *m, pgwire_error *err, const char **where)
{
	pgw_stream *s = (pgw_stream *) source;
	pgwire_frame f;
	int			rc = pgwire_reader_next(s->reader, &f, err);

	(void) where;				/* offsets count in the bytea argument */
	if (rc == PGWIRE_INCOMPLETE)
	{
		size_t		pending = pgwire_reader_pending(s->reader);

		if (pending == 0)
			return PGWIRE_DONE;
		return pgw_incomplete(err, pgwire_reader_offset(s->reader), pending);
	}
	if (rc != PGWIRE_OK)
		return rc;
	pgw_mark_answer(&f, s->start);
	return pgwire_decode(&f, NULL, m, err);
}

/*
 * Call fn for every message of a stream, in order.  A malformed message,
 * an incomplete tail or encrypted bytes raise an ERROR.
 */
static void
pgw_each_message(const uint8 *data, size_t len, pgwire_direction dir,
				 pgw_message_fn fn, void *arg)
{
	pgw_stream	s;
	int			rc;

	s.reader = pgwire_reader_create(dir, NULL, &pgw_allocator);
	if (s.reader == NULL)
		pgw_oom();
	s.start = pgw_start_phase(data, len, dir);
	pgwire_reader_set_phase(s.reader, s.start);
	rc = pgwire_reader_feed(s.reader, data, len);
	if (rc != PGWIRE_OK)
		pgw_report(rc, NULL, false);
	pgw_each(pgw_stream_next, &s, fn, arg);
	pgwire_reader_free(s.reader);
}

/*
 * The columns that describe a message, from values[0]: byte offset, type,
 * message name, length (NULL for a one-byte answer), the message as jsonb.
 */
static void
pgw_message_columns(const pgwire_msg *m, Datum *values, bool *nulls)
{
	values[0] = Int64GetDatum((int64) m->frame.offset);
	values[1] = pgw_type_datum(&m->frame, &nulls[1]);
	values[2] = CStringGetTextDatum(pgwire_msg_name(m->kind));
	values[3] = Int32GetDatum((int32) m->frame.length);
	nulls[3] = m->frame.kind == PGWIRE_FRAME_BYTE;
	values[4] = pgw_message_jsonb(m);
}

/* ---- pgwire_decode ---------------------------------------------------- */

PG_FUNCTION_INFO_V1(pgwire_decode_sql);

Datum
pgwire_decode_sql(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	pgwire_direction dir = pgw_direction(PG_GETARG_TEXT_PP(1));
	pgwire_msg	m;

	pgw_decode_one((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), dir, &m);
	PG_RETURN_DATUM(pgw_message_jsonb(&m));
}

/* ---- pgwire_messages -------------------------------------------------- */

typedef struct pgw_rows
{
	ReturnSetInfo *rsinfo;
	bool		regress;		/* pgwire_trace */
} pgw_rows;

/*
 * The body of the set-returning functions over (data bytea, direction
 * text): fn makes the rows of each message.  scalar: the result is one
 * column, not a row type.
 */
static Datum
pgw_messages_srf(FunctionCallInfo fcinfo, pgw_message_fn fn, bool regress, bool scalar)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	pgwire_direction dir = pgw_direction(PG_GETARG_TEXT_PP(1));
	pgw_rows	rows;

	rows.rsinfo = pgw_init_srf(fcinfo, scalar);
	rows.regress = regress;
	pgw_each_message((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data),
					 dir, fn, &rows);
	return (Datum) 0;
}

static void
pgw_message_row(const pgwire_msg *m, int seq, void *arg)
{
	pgw_rows   *rows = (pgw_rows *) arg;
	Datum		values[6];
	bool		nulls[6] = {0};

	values[0] = Int32GetDatum(seq);
	pgw_message_columns(m, values + 1, nulls + 1);
	tuplestore_putvalues(rows->rsinfo->setResult, rows->rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(pgwire_messages_sql);

Datum
pgwire_messages_sql(PG_FUNCTION_ARGS)
{
	return pgw_messages_srf(fcinfo, pgw_message_row, false, false);
}

/* ---- pgwire_conversation ---------------------------------------------- */

static int
pgw_conversation_next(void *source, pgwire_msg *m, pgwire_error *err, const char **where)
{
	int			rc;

	memset(m, 0, sizeof(*m));
	rc = pgwire_conversation_next((pgwire_conversation *) source, m, err);
	if (rc == PGWIRE_INCOMPLETE)
		rc = pgw_incomplete(err, m->frame.offset, m->frame.raw_len);
	*where = m->frame.direction == PGWIRE_FRONTEND ? "the frontend stream"
		: "the backend stream";
	return rc;
}

static void
pgw_conversation_row(const pgwire_msg *m, int seq, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[7];
	bool		nulls[7] = {0};

	values[0] = Int32GetDatum(seq);
	values[1] = CStringGetTextDatum(pgw_direction_name(m->frame.direction));
	pgw_message_columns(m, values + 2, nulls + 2);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(pgwire_conversation_sql);

Datum
pgwire_conversation_sql(PG_FUNCTION_ARGS)
{
	bytea	   *fe = PG_GETARG_BYTEA_PP(0);
	bytea	   *be = PG_GETARG_BYTEA_PP(1);
	ReturnSetInfo *rsinfo = pgw_init_srf(fcinfo, false);
	pgwire_conversation *c;

	c = pgwire_conversation_create((const uint8 *) VARDATA_ANY(fe), VARSIZE_ANY_EXHDR(fe),
								   (const uint8 *) VARDATA_ANY(be), VARSIZE_ANY_EXHDR(be),
								   NULL, &pgw_allocator);
	if (c == NULL)
		pgw_oom();
	pgw_each(pgw_conversation_next, c, pgw_conversation_row, rsinfo);
	pgwire_conversation_free(c);
	return (Datum) 0;
}

/* ---- pgwire_encode ---------------------------------------------------- */

PG_FUNCTION_INFO_V1(pgwire_encode_sql);

Datum
pgwire_encode_sql(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *json;
	pgwire_buf	b;
	pgwire_error err;
	int			rc;

	json = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	pgwire_buf_init(&b, &pgw_allocator);
	memset(&err, 0, sizeof(err));
	rc = pgwire_json_encode(json, strlen(json), &b, &err);
	if (rc != PGWIRE_OK)
		pgw_report(rc, &err, true);
	PG_RETURN_BYTEA_P(pgw_buf_to_bytea(&b));
}

/* ---- pgwire_trace ----------------------------------------------------- */

static void
pgw_trace_row(const pgwire_msg *m, int seq, void *arg)
{
	pgw_rows   *rows = (pgw_rows *) arg;
	pgwire_buf	b;
	unsigned	flags = PGWIRE_TRACE_SUPPRESS_TIMESTAMPS;
	Datum		value;
	bool		isnull = false;
	int			rc;

	(void) seq;
	if (rows->regress)
		flags |= PGWIRE_TRACE_REGRESS_MODE;
	pgwire_buf_init(&b, &pgw_allocator);
	rc = pgwire_trace_write(m, &b, flags, 0);
	if (rc != PGWIRE_OK)
		pgw_report(rc, NULL, false);
	/* one row per message: drop the final newline libpq writes */
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--;
	value = PointerGetDatum(pgw_text((const char *) b.data, b.len));
	tuplestore_putvalues(rows->rsinfo->setResult, rows->rsinfo->setDesc, &value, &isnull);
	pgwire_buf_free(&b);
}

PG_FUNCTION_INFO_V1(pgwire_trace_sql);

Datum
pgwire_trace_sql(PG_FUNCTION_ARGS)
{
	return pgw_messages_srf(fcinfo, pgw_trace_row, PG_GETARG_BOOL(2), true);
}

/* ---- pgwire_explain --------------------------------------------------- */

/*
 * The byte map callback runs inside the library, so it must not ereport:
 * it only copies each row into memory taken with the NO_OOM allocator and
 * reports failure by its return value.  The rows become tuples afterwards.
 */
typedef struct pgw_map_row
{
	uint64		offset;
	size_t		length;
	char	   *path;
	char	   *value;
	uint8	   *raw;
} pgw_map_row;

typedef struct pgw_map
{
	pgw_map_row *rows;
	size_t		n;
	size_t		cap;
} pgw_map;

static char *
pgw_copy(const void *p, size_t len)
{
	char	   *s = pgw_malloc(len + 1, NULL);

	if (s != NULL)
	{
		if (len > 0)
			memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static int
pgw_map_collect(void *arg, const pgwire_explain_row *row)
{
	pgw_map    *map = (pgw_map *) arg;
	pgw_map_row *r;

	if (map->n == map->cap)
	{
		size_t		cap = map->cap ? map->cap * 2 : 32;
		void	   *p = pgw_realloc(map->rows, cap * sizeof(pgw_map_row), NULL);

		if (p == NULL)
			return PGWIRE_ERR_NOMEM;
		map->rows = p;
		map->cap = cap;
	}
	r = &map->rows[map->n];
	r->offset = row->offset;
	r->length = row->length;
	r->path = pgw_copy(row->path ? row->path : "", row->path ? strlen(row->path) : 0);
	r->value = pgw_copy(row->value ? row->value : "", row->value ? strlen(row->value) : 0);
	r->raw = (uint8 *) pgw_copy(row->raw, row->raw ? row->length : 0);
	if (r->path == NULL || r->value == NULL || r->raw == NULL)
		return PGWIRE_ERR_NOMEM;
	map->n++;
	return 0;
}

static void
pgw_explain_rows(const pgwire_msg *m, int seq, void *arg)
{
	pgw_rows   *rows = (pgw_rows *) arg;
	pgw_map		map = {0};
	int			rc;

	rc = pgwire_explain(m, pgw_map_collect, &map);
	if (rc != 0)
		pgw_report(rc == PGWIRE_ERR_NOMEM ? rc : PGWIRE_ERR_NOMEM, NULL, false);
	for (size_t i = 0; i < map.n; i++)
	{
		pgw_map_row *r = &map.rows[i];
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = Int32GetDatum(seq);
		values[1] = Int64GetDatum((int64) r->offset);
		values[2] = Int32GetDatum((int32) r->length);
		values[3] = PointerGetDatum(pgw_text(r->path, strlen(r->path)));
		values[4] = PointerGetDatum(pgw_bytea(r->raw, r->length));
		values[5] = PointerGetDatum(pgw_text(r->value, strlen(r->value)));
		tuplestore_putvalues(rows->rsinfo->setResult, rows->rsinfo->setDesc, values, nulls);
	}
}

PG_FUNCTION_INFO_V1(pgwire_explain_sql);

Datum
pgwire_explain_sql(PG_FUNCTION_ARGS)
{
	return pgw_messages_srf(fcinfo, pgw_explain_rows, false, false);
}

/* ---- Constructors ----------------------------------------------------- */

/*
 * Constructors write messages with the pgwire_writer API (encode.h), as a
 * server or libpq would, so they do not depend on the JSON schema.  Each
 * returns the message's bytes.
 */
typedef struct pgw_msg
{
	pgwire_buf	buf;
	pgwire_writer w;
} pgw_msg;

static pgwire_writer *
pgw_begin(pgw_msg *pm, uint8 type, pgwire_direction dir)
{
	pgwire_buf_init(&pm->buf, &pgw_allocator);
	pgwire_msg_begin(&pm->w, &pm->buf, type, dir, NULL);
	return &pm->w;
}

static bytea *
pgw_end(pgw_msg *pm)
{
	pgwire_error err;
	int			rc = pgwire_msg_end(&pm->w);

	if (rc == PGWIRE_ERR_NOMEM)
		pgw_oom();
	if (rc != PGWIRE_OK)
	{
		pgwire_error_set(&err, rc, 0, "%s", pgwire_strerror(rc));
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("protocol message does not fit its wire format"),
				 errdetail("%s: a count, length or message size is over its limit.",
						   pgw_sentence(&err, rc))));
	}
	return pgw_buf_to_bytea(&pm->buf);
}

static void
pgw_put_text(pgwire_writer *w, text *t)
{
	pgwire_put_string(w, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* A one-dimensional array's elements; multi-dimensional arrays are refused. */
static int
pgw_array(ArrayType *a, Oid elemtype, Datum **elems, bool **nulls, bool nulls_ok,
		  const char *argname)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, elems, nulls, &n);
	if (!nulls_ok)
		for (int i = 0; i < n; i++)
			if ((*nulls)[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain nulls", argname)));
	return n;
}

/* A text[] argument of name/value pairs: its elements, an even number. */
static int
pgw_pairs(ArrayType *a, Datum **elems, const char *argname)
{
	bool	   *nulls;
	int			n = pgw_array(a, TEXTOID, elems, &nulls, false, argname);

	if (n % 2 != 0)
		pgw_invalid(psprintf("%s must hold name/value pairs", argname),
					psprintf("The array has an odd number of elements (%d).", n));
	return n;
}

/* Int32 length and bytes per element; NULL elements are SQL NULL (-1). */
static void
pgw_put_values(pgwire_writer *w, ArrayType *a, const char *argname)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n = pgw_array(a, TEXTOID, &elems, &nulls, true, argname);

	pgwire_put_count16(w, (size_t) n);
	for (int i = 0; i < n; i++)
	{
		text	   *t = nulls[i] ? NULL : DatumGetTextPP(elems[i]);

		if (t == NULL)
			pgwire_put_value(w, NULL, 0);
		else
			pgwire_put_value(w, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
}

/* A one-byte code argument: one of the characters in allowed. */
static char
pgw_char_arg(char c, const char *allowed, const char *argname, const char *detail)
{
	if (c == '\0' || strchr(allowed, c) == NULL)
		pgw_invalid(psprintf("invalid %s \"%c\"", argname, c ? c : ' '), detail);
	return c;
}

/* Messages of one String: Query, CommandComplete. */
static Datum
pgw_one_string(uint8 type, pgwire_direction dir, text *t)
{
	pgw_msg		pm;
	pgwire_writer *w = pgw_begin(&pm, type, dir);

	pgw_put_text(w, t);
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_query_sql);

Datum
pgwire_query_sql(PG_FUNCTION_ARGS)
{
	return pgw_one_string('Q', PGWIRE_FRONTEND, PG_GETARG_TEXT_PP(0));
}

PG_FUNCTION_INFO_V1(pgwire_parse_sql);

Datum
pgwire_parse_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	pgwire_writer *w = pgw_begin(&pm, 'P', PGWIRE_FRONTEND);
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	pgw_put_text(w, PG_GETARG_TEXT_PP(0));
	pgw_put_text(w, PG_GETARG_TEXT_PP(1));
	n = pgw_array(PG_GETARG_ARRAYTYPE_P(2), OIDOID, &elems, &nulls, false,
				  "parameter_types");
	pgwire_put_count16(w, (size_t) n);
	for (int i = 0; i < n; i++)
		pgwire_put_int32(w, (int32) DatumGetObjectId(elems[i]));
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_bind_sql);

Datum
pgwire_bind_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	pgwire_writer *w = pgw_begin(&pm, 'B', PGWIRE_FRONTEND);
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	pgw_put_text(w, PG_GETARG_TEXT_PP(0));
	pgw_put_text(w, PG_GETARG_TEXT_PP(1));
	/* no parameter format codes: every parameter is in text format */
	pgwire_put_count16(w, 0);
	pgw_put_values(w, PG_GETARG_ARRAYTYPE_P(2), "parameters");
	n = pgw_array(PG_GETARG_ARRAYTYPE_P(3), INT4OID, &elems, &nulls, false,
				  "result_formats");
	pgwire_put_count16(w, (size_t) n);
	for (int i = 0; i < n; i++)
	{
		int32		f = DatumGetInt32(elems[i]);

		if (f != 0 && f != 1)
			pgw_invalid(psprintf("invalid result format %d", f),
						"A format code must be 0 (text) or 1 (binary).");
		pgwire_put_int16(w, (int16) f);
	}
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_describe_sql);

Datum
pgwire_describe_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	char		target = pgw_char_arg(PG_GETARG_CHAR(0), "SP", "target",
								"The target must be 'S' (a prepared statement) or 'P' (a portal).");
	pgwire_writer *w = pgw_begin(&pm, 'D', PGWIRE_FRONTEND);

	pgwire_put_byte1(w, (uint8) target);
	pgw_put_text(w, PG_GETARG_TEXT_PP(1));
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_execute_sql);

Datum
pgwire_execute_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	pgwire_writer *w = pgw_begin(&pm, 'E', PGWIRE_FRONTEND);

	pgw_put_text(w, PG_GETARG_TEXT_PP(0));
	pgwire_put_int32(w, PG_GETARG_INT32(1));
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

/* Messages without a body: Sync, Flush, Terminate. */
static Datum
pgw_empty(uint8 type, pgwire_direction dir)
{
	pgw_msg		pm;

	pgw_begin(&pm, type, dir);
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_sync_sql);

Datum
pgwire_sync_sql(PG_FUNCTION_ARGS)
{
	return pgw_empty('S', PGWIRE_FRONTEND);
}

PG_FUNCTION_INFO_V1(pgwire_flush_sql);

Datum
pgwire_flush_sql(PG_FUNCTION_ARGS)
{
	return pgw_empty('H', PGWIRE_FRONTEND);
}

PG_FUNCTION_INFO_V1(pgwire_terminate_sql);

Datum
pgwire_terminate_sql(PG_FUNCTION_ARGS)
{
	return pgw_empty('X', PGWIRE_FRONTEND);
}

/* "3.0" -> 3 << 16 | 0 */
static int32
pgw_version(text *t)
{
	char	   *s = text_to_cstring(t);
	unsigned	major,
				minor;
	char		extra;

	if (sscanf(s, "%u.%u%c", &major, &minor, &extra) != 2 ||
		major > 65535 || minor > 65535)
		pgw_invalid(psprintf("invalid protocol version \"%s\"", s),
					"A protocol version is written major.minor, as in \"3.0\".");
	return (int32) ((major << 16) | minor);
}

PG_FUNCTION_INFO_V1(pgwire_startup_message_sql);

Datum
pgwire_startup_message_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	pgwire_writer *w;
	Datum	   *elems;
	int32		version = pgw_version(PG_GETARG_TEXT_PP(1));
	int			n = pgw_pairs(PG_GETARG_ARRAYTYPE_P(0), &elems, "parameters");

	w = pgw_begin(&pm, 0, PGWIRE_FRONTEND);
	pgwire_put_int32(w, version);
	for (int i = 0; i < n; i++)
		pgw_put_text(w, DatumGetTextPP(elems[i]));
	pgwire_put_byte1(w, 0);
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_row_description_sql);

Datum
pgwire_row_description_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	pgwire_writer *w;
	Datum	   *names;
	Datum	   *types;
	bool	   *nulls;
	int			n,
				ntypes;

	n = pgw_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, &names, &nulls, false, "names");
	ntypes = pgw_array(PG_GETARG_ARRAYTYPE_P(1), OIDOID, &types, &nulls, false, "type_oids");
	if (n != ntypes)
		pgw_invalid("names and type_oids must have the same length",
					psprintf("There are %d names and %d type OIDs.", n, ntypes));
	w = pgw_begin(&pm, 'T', PGWIRE_BACKEND);
	pgwire_put_count16(w, (size_t) n);
	for (int i = 0; i < n; i++)
	{
		Oid			type = DatumGetObjectId(types[i]);

		pgw_put_text(w, DatumGetTextPP(names[i]));
		pgwire_put_int32(w, 0);	/* not a table column */
		pgwire_put_int16(w, 0);
		pgwire_put_int32(w, (int32) type);
		/* what the server sends: pg_type.typlen, typmod -1, text format */
		pgwire_put_int16(w, get_typlen(type));
		pgwire_put_int32(w, -1);
		pgwire_put_int16(w, 0);
	}
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_data_row_sql);

Datum
pgwire_data_row_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	pgwire_writer *w = pgw_begin(&pm, 'D', PGWIRE_BACKEND);

	pgw_put_values(w, PG_GETARG_ARRAYTYPE_P(0), "values");
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_command_complete_sql);

Datum
pgwire_command_complete_sql(PG_FUNCTION_ARGS)
{
	return pgw_one_string('C', PGWIRE_BACKEND, PG_GETARG_TEXT_PP(0));
}

/*
 * ErrorResponse as the server sends it: S and V severity, C, M, then the
 * optional D and H.  Not STRICT because of the optional fields; NULL in a
 * required argument gives NULL, as STRICT would.
 */
PG_FUNCTION_INFO_V1(pgwire_error_response_sql);

Datum
pgwire_error_response_sql(PG_FUNCTION_ARGS)
{
	static const char codes[] = "SVCMDH";
	static const int args[] = {0, 0, 1, 2, 3, 4};
	pgw_msg		pm;
	pgwire_writer *w;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	w = pgw_begin(&pm, 'E', PGWIRE_BACKEND);
	for (int i = 0; i < 6; i++)
	{
		if (PG_NARGS() <= args[i] || PG_ARGISNULL(args[i]))
			continue;
		pgwire_put_byte1(w, (uint8) codes[i]);
		pgw_put_text(w, PG_GETARG_TEXT_PP(args[i]));
	}
	pgwire_put_byte1(w, 0);
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

PG_FUNCTION_INFO_V1(pgwire_ready_for_query_sql);

Datum
pgwire_ready_for_query_sql(PG_FUNCTION_ARGS)
{
	pgw_msg		pm;
	char		status = pgw_char_arg(PG_GETARG_CHAR(0), "ITE", "status",
								"The status must be 'I' (idle), 'T' (in a transaction block) or 'E' (in a failed transaction block).");
	pgwire_writer *w = pgw_begin(&pm, 'Z', PGWIRE_BACKEND);

	pgwire_put_byte1(w, (uint8) status);
	PG_RETURN_BYTEA_P(pgw_end(&pm));
}

/* ---- pgoutput --------------------------------------------------------- */

/*
 * pgoutput protocol versions the library decodes: 1 (PostgreSQL 10), 2
 * (14, streaming), 3 (15, two-phase), 4 (16, parallel apply).
 */
static int
pgw_proto_version(int32 v)
{
	if (v < 1 || v > 4)
		pgw_invalid(psprintf("invalid pgoutput protocol version %d", v),
					"pgoutput protocol versions are 1 to 4.");
	return (int) v;
}

/*
 * Decode the pgoutput message in data into *m, or raise the ERROR.  at:
 * the LSN of the slot's row it came from, for the error detail (NULL: the
 * bytea argument).
 */
static void
pgw_decode_change(bytea *data, int proto, pgwire_pgoutput_state *st, pgwire_msg *m,
				  const uint64 *at)
{
	pgwire_error err;
	int			rc;

	memset(&err, 0, sizeof(err));
	rc = pgwire_decode_pgoutput((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data),
								proto, st, m, &err);
	if (rc != PGWIRE_OK)
		pgw_report_in(rc, &err, false,
					  at ? psprintf("the change at LSN %X/%X", (uint32) (*at >> 32),
									(uint32) *at) : NULL);
}

/*
 * One pgoutput message on its own.  Between Stream Start and Stream Stop
 * (protocol 2 and later) the messages that carry changes start with the
 * streamed transaction's xid; a single row cannot say whether it came from
 * such a block, so the caller says so with in_stream.  Decoding a streamed
 * change with in_stream false reads the xid as the next field and fails or
 * gives nonsense, as the same bytes would in any decoder without context.
 */
static void
pgw_decode_pgoutput_args(FunctionCallInfo fcinfo, pgwire_msg *m)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	int			proto = pgw_proto_version(PG_GETARG_INT32(1));
	pgwire_pgoutput_state st = {0};

	if (PG_GETARG_BOOL(2))
	{
		if (proto < 2)
			pgw_invalid("in_stream requires pgoutput protocol version 2 or later",
						"Streamed transactions were added in protocol version 2.");
		st.in_stream = 1;
	}
	pgw_decode_change(data, proto, &st, m, NULL);
}

PG_FUNCTION_INFO_V1(pgwire_decode_pgoutput_sql);

Datum
pgwire_decode_pgoutput_sql(PG_FUNCTION_ARGS)
{
	pgwire_msg	m;

	pgw_decode_pgoutput_args(fcinfo, &m);
	PG_RETURN_DATUM(pgw_message_jsonb(&m));
}

/*
 * The byte map of one pgoutput message, as pgwire_explain's rows (seq 1,
 * offsets from the message's type byte).
 */
PG_FUNCTION_INFO_V1(pgwire_explain_pgoutput_sql);

Datum
pgwire_explain_pgoutput_sql(PG_FUNCTION_ARGS)
{
	pgwire_msg	m;
	pgw_rows	rows;

	pgw_decode_pgoutput_args(fcinfo, &m);
	rows.rsinfo = pgw_init_srf(fcinfo, false);
	rows.regress = false;
	pgw_explain_rows(&m, 1, &rows);
	return (Datum) 0;
}

/* ---- pgwire_logical_changes ------------------------------------------- */

/*
 * Text pgoutput sent (names, text values) in the database's encoding:
 * pgoutput converted it to the client encoding, as for any result, so it
 * converts back.  Text never holds a NUL byte.
 */
static char *
pgw_from_client(const char *bytes, size_t len)
{
	char	   *t = pnstrdup(bytes, len);

	return pg_client_to_server(t, (int) strlen(t));
}

/* A relation as SQL names it, e.g. public.t or "My Schema"."T". */
static const char *
pgw_relation_name(const pgwire_relcache_rel *rel)
{
	/* pgoutput sends "" for pg_catalog */
	const char *nspname = rel->namespace_name[0] ? rel->namespace_name : "pg_catalog";

	return quote_qualified_identifier(pgw_from_client(nspname, strlen(nspname)),
									  pgw_from_client(rel->relation_name,
													  strlen(rel->relation_name)));
}

/* {"hex":"..."}, as the library writes bytes */
static void
pgw_json_hex(StringInfo s, const uint8 *p, size_t len)
{
	appendStringInfoString(s, "{\"hex\":\"");
	for (size_t i = 0; i < len; i++)
		appendStringInfo(s, "%02x", p[i]);
	appendStringInfoString(s, "\"}");
}

/*
 * ,"key":<tuple as a JSON object>.  The object pgwire_tuple_json writes
 * (keys the column names, "1", "2" ... by position past rel's columns or
 * without rel; null, {"unchanged":true}, binary values as {"hex":...}),
 * but with names and text values converted to the database's encoding:
 * the library, which knows no encodings, shows text that is not UTF-8 as
 * hex.  key_only, for an old tuple sent as 'K': pgoutput sends the other
 * columns as 'n', but they are not null, they were left out, so only the
 * columns of the replica identity key are written.
 */
static void
pgw_json_key_tuple(StringInfo s, const char *key, const pgwire_relcache_rel *rel,
				   const pgwire_group *tuple, bool key_only)
{
	pgwire_iter it;
	pgwire_tuple_column col;
	const char *sep = "";

	appendStringInfo(s, ",\"%s\":{", key);
	pgwire_iter_init(&it, tuple);
	for (uint32 i = 0; pgwire_next_tuple_column(&it, &col); i++)
	{
		const pgwire_relcache_column *c = rel && i < rel->ncolumns ? &rel->columns[i] : NULL;

		if (key_only && c != NULL && !(c->flags & 1))
			continue;
		appendStringInfoString(s, sep);
		sep = ",";
		if (c != NULL)
			escape_json(s, pgw_from_client(c->name, strlen(c->name)));
		else
			appendStringInfo(s, "\"%u\"", i + 1);
		appendStringInfoChar(s, ':');
		if (col.kind == 'n')
			appendStringInfoString(s, "null");
		else if (col.kind == 'u')
			appendStringInfoString(s, "{\"unchanged\":true}");
		else if (col.kind == 't')
			escape_json(s, pgw_from_client((const char *) col.value.ptr, col.value.len));
		else
			pgw_json_hex(s, col.value.ptr, col.value.len);
	}
	appendStringInfoChar(s, '}');
}

/* ,"column_types":{"column":type OID, ...}, as the Relation message gave them */
static void
pgw_json_column_types(StringInfo s, const pgwire_relcache_rel *rel)
{
	appendStringInfoString(s, ",\"column_types\":{");
	for (uint16 i = 0; i < rel->ncolumns; i++)
	{
		if (i > 0)
			appendStringInfoChar(s, ',');
		escape_json(s, pgw_from_client(rel->columns[i].name, strlen(rel->columns[i].name)));
		appendStringInfo(s, ":%u", rel->columns[i].type_oid);
	}
	appendStringInfoChar(s, '}');
}

/*
 * The readable additions to a change message, each written ",key:value":
 *   Insert, Update, Delete: "relation" (its SQL name), "column_types"
 *     (each column's type OID, by name), "new" and/or "old"
 *     (the tuples as {"column": value} objects, see pgw_json_key_tuple;
 *     an old tuple sent as key ('K') with the key columns only);
 *   Truncate: "relations" (the SQL names, in wire order).
 * Nothing is added for a relation no Relation message described, except
 * tuple objects keyed by column position.
 */
static void
pgw_change_extras(StringInfo s, const pgwire_msg *m, const pgwire_relcache *rc)
{
	const pgwire_relcache_rel *rel;

	switch (m->kind)
	{
		case PGWIRE_MSG_LR_INSERT:
		case PGWIRE_MSG_LR_UPDATE:
		case PGWIRE_MSG_LR_DELETE:
			rel = pgwire_relcache_get(rc, m->u.lr_change.relation_oid);
			if (rel != NULL)
			{
				appendStringInfoString(s, ",\"relation\":");
				escape_json(s, pgw_relation_name(rel));
				pgw_json_column_types(s, rel);
			}
			/* present bit 2: Update's optional old tuple kind and tuple */
			if (m->kind == PGWIRE_MSG_LR_DELETE ||
				(m->kind == PGWIRE_MSG_LR_UPDATE && (m->present & (1u << 2))))
				pgw_json_key_tuple(s, "old", rel, &m->u.lr_change.old_tuple,
								   m->u.lr_change.old_tuple_kind == 'K');
			if (m->kind != PGWIRE_MSG_LR_DELETE)
				pgw_json_key_tuple(s, "new", rel, &m->u.lr_change.new_tuple, false);
			break;
		case PGWIRE_MSG_LR_TRUNCATE:
			appendStringInfoString(s, ",\"relations\":[");
			for (int32 i = 0; i < m->u.lr_truncate.relation_count; i++)
			{
				uint32		oid = pgwire_truncate_relation_oid(m, (uint32) i);

				rel = pgwire_relcache_get(rc, oid);
				if (i > 0)
					appendStringInfoChar(s, ',');
				if (rel != NULL)
					escape_json(s, pgw_relation_name(rel));
				else
					appendStringInfoString(s, "null");
			}
			appendStringInfoChar(s, ']');
			break;
		default:
			break;
	}
}

/*
 * The message's lossless JSON with the readable additions, as jsonb.
 * pgoutput writes names and text values through the same calls as a
 * DataRow (pq_sendstring, pq_sendcountedtext), which convert them to the
 * client encoding, but Message content as raw bytes.  The lossless part
 * shows the bytes as sent, as every function here does; the readable
 * additions, names and values only, are converted to the database's
 * encoding (pgw_from_client), which always has them since the server
 * converted them from it.
 */
static Datum
pgw_change_jsonb(const pgwire_msg *m, const pgwire_relcache *rc)
{
	pgwire_buf	b;
	StringInfoData s;

	pgwire_buf_init(&b, &pgw_allocator);
	if (pgwire_json_write(m, &b, 0) != PGWIRE_OK)
		pgw_oom();
	initStringInfo(&s);
	/* the writer's object ends with '}': reopen it */
	Assert(b.len > 0 && b.data[b.len - 1] == '}');
	appendBinaryStringInfo(&s, (const char *) b.data, (int) b.len - 1);
	pgwire_buf_free(&b);
	pgw_change_extras(&s, m, rc);
	appendStringInfoChar(&s, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data));
}

/*
 * The options of pg_logical_slot_peek_binary_changes as a text[] of
 * name/value pairs: ours, then the caller's extra pairs unchanged.
 * publication_names is a list of identifiers (pgoutput splits it with
 * SplitIdentifierString), so each name is quoted as one.
 */
static Datum
pgw_peek_options(int proto, ArrayType *pubs, bool binary, bool messages,
				 ArrayType *extra)
{
	Datum	   *names;
	Datum	   *pairs;
	bool	   *nulls;
	int			npubs = pgw_array(pubs, TEXTOID, &names, &nulls, false, "publications");
	int			nextra;
	StringInfoData list;
	Datum	   *opts;
	int			n = 0;

	if (npubs == 0)
		pgw_invalid("publications must name at least one publication", NULL);
	nextra = pgw_pairs(extra, &pairs, "options");
	initStringInfo(&list);
	for (int i = 0; i < npubs; i++)
	{
		if (i > 0)
			appendStringInfoChar(&list, ',');
		appendStringInfoString(&list, quote_identifier(TextDatumGetCString(names[i])));
	}
	opts = palloc(sizeof(Datum) * (8 + nextra));
	opts[n++] = CStringGetTextDatum("proto_version");
	opts[n++] = CStringGetTextDatum(psprintf("%d", proto));
	opts[n++] = CStringGetTextDatum("publication_names");
	opts[n++] = CStringGetTextDatum(list.data);
	/* only when asked for: PostgreSQL 13's pgoutput has neither option */
	if (binary)
	{
		opts[n++] = CStringGetTextDatum("binary");
		opts[n++] = CStringGetTextDatum("true");
	}
	if (messages)
	{
		opts[n++] = CStringGetTextDatum("messages");
		opts[n++] = CStringGetTextDatum("true");
	}
	for (int i = 0; i < nextra; i++)
		opts[n++] = pairs[i];
	return PointerGetDatum(construct_array(opts, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* What one pass over the slot's changes keeps from row to row. */
typedef struct pgw_changes
{
	ReturnSetInfo *rsinfo;
	int			proto;
	pgwire_pgoutput_state st;
	pgwire_relcache *relcache;
	MemoryContext per_row;
} pgw_changes;

/*
 * Decode one row of pg_logical_slot_peek_binary_changes into a result row.
 * Everything the row needs lives in the per-row context, except the
 * relation cache, which outlives the row and is filled in the caller's.
 */
static void
pgw_change_row(pgw_changes *c, Datum lsn, Datum xid, Datum datum)
{
	pgwire_msg	m;
	Datum		values[3];
	bool		nulls[3] = {0};
	MemoryContext old = MemoryContextSwitchTo(c->per_row);
	uint64		at = DatumGetUInt64(lsn);

	pgw_decode_change(DatumGetByteaPP(datum), c->proto, &c->st, &m, &at);
	pgwire_pgoutput_track(&c->st, &m);
	if (m.kind == PGWIRE_MSG_LR_RELATION)
	{
		MemoryContextSwitchTo(old);
		if (pgwire_relcache_add(c->relcache, &m) != PGWIRE_OK)
			pgw_oom();
		MemoryContextSwitchTo(c->per_row);
	}
	values[0] = lsn;
	values[1] = xid;
	values[2] = pgw_change_jsonb(&m, c->relcache);
	tuplestore_putvalues(c->rsinfo->setResult, c->rsinfo->setDesc, values, nulls);
	MemoryContextSwitchTo(old);
	MemoryContextReset(c->per_row);
}

/*
 * Run pg_logical_slot_peek_binary_changes(slot, NULL, upto_nchanges,
 * VARIADIC options) with args and nulls in that order of parameters and
 * decode its rows in order, fetched through a cursor so that only a batch
 * of them is held at a time.
 */
static void
pgw_read_changes(pgw_changes *c, Datum *args, const char *nulls)
{
	Oid			argtypes[3] = {NAMEOID, TEXTARRAYOID, INT4OID};
	SPIPlanPtr	plan;
	Portal		portal;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* in SPI's procedure context from here on; SPI_finish frees it */
	c->relcache = pgwire_relcache_create(&pgw_allocator);
	if (c->relcache == NULL)
		pgw_oom();
	c->per_row = AllocSetContextCreate(CurrentMemoryContext, "pgwire change",
									   ALLOCSET_DEFAULT_SIZES);
	plan = SPI_prepare("SELECT lsn, xid, data FROM pg_catalog.pg_logical_slot_peek_binary_changes("
					   "$1, NULL, $3, VARIADIC $2)", 3, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, args, nulls, false);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull[3];
			Datum		lsn = SPI_getbinval(tup, desc, 1, &isnull[0]);
			Datum		xid = SPI_getbinval(tup, desc, 2, &isnull[1]);
			Datum		data = SPI_getbinval(tup, desc, 3, &isnull[2]);

			if (isnull[0] || isnull[1] || isnull[2])
				elog(ERROR, "pg_logical_slot_peek_binary_changes returned a NULL");
			pgw_change_row(c, lsn, xid, data);
			CHECK_FOR_INTERRUPTS();
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

/*
 * Peek at a logical slot through pgoutput and decode every change in
 * order, with a relation cache (tuples by column name) and the streamed-
 * block state carried from row to row.  Peeking never moves the slot:
 * consuming stays the caller's explicit choice
 * (pg_logical_slot_get_binary_changes).  upto_nchanges > 0 stops, as the
 * server's upto_nchanges does, after the transaction during which that
 * many rows were reached; each call decodes from the slot's start again,
 * so the server re-sends the Relation messages the cache needs.
 */
PG_FUNCTION_INFO_V1(pgwire_logical_changes_sql);

Datum
pgwire_logical_changes_sql(PG_FUNCTION_ARGS)
{
	int32		upto_nchanges = PG_GETARG_INT32(6);
	pgw_changes c;
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};

	memset(&c, 0, sizeof(c));
	c.proto = pgw_proto_version(PG_GETARG_INT32(2));
	if (upto_nchanges < 0)
		pgw_invalid("upto_nchanges must not be negative", "0 reads every pending change.");
	args[0] = NameGetDatum(PG_GETARG_NAME(0));
	args[1] = pgw_peek_options(c.proto, PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_BOOL(3),
							   PG_GETARG_BOOL(4), PG_GETARG_ARRAYTYPE_P(5));
	/* 0: no limit, which the server spells NULL */
	args[2] = Int32GetDatum(upto_nchanges);
	if (upto_nchanges == 0)
		nulls[2] = 'n';
	c.rsinfo = pgw_init_srf(fcinfo, false);
	pgw_read_changes(&c, args, nulls);
	return (Datum) 0;
}
