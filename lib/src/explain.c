/*
 * explain.c
 *    The byte map ("explain"): every field of a decoded message with its
 *    stream offset, size, path, raw bytes and a value for people, in wire
 *    order, the way Wireshark's packet details pane lays out a packet.
 *
 * Rows come from pgwire_walk(), so they follow the catalogue layout and
 * together cover every byte of the frame exactly once: type byte, length
 * word, then each field; a group contributes a row for its count word
 * (or, for a zero-terminated list, for the terminating byte).  Paths and
 * values are formatted into two pgwire_bufs reused for every row, so a
 * message costs at most two allocations however many rows it has.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "pgwire/render.h"
#include "internal.h"
#include "wire.h"

/* Longest field content quoted in a value before it is elided with "…". */
#define VALUE_MAX 200
/* Raw bytes shown in hex by pgwire_explain_write before "…". */
#define HEX_MAX 32
#define MAX_DEPTH 8

typedef struct explain_level
{
	const pgwire_field *group;
	size_t		saved;			/* path length before the group's name */
	size_t		group_len;		/* path length of "group" */
} explain_level;

typedef struct explain_state
{
	const pgwire_msg *m;
	pgwire_explain_fn fn;
	void	   *arg;
	pgwire_buf	path;
	pgwire_buf	value;
	explain_level levels[MAX_DEPTH];
	int			nlevels;
	uint8_t		error_code;
} explain_state;

/* ---- meanings of codes ---------------------------------------------------- */

static const char *
auth_code_name(int64_t code)
{
	switch (code)
	{
		case 0:
			return "Ok";
		case 2:
			return "KerberosV5";
		case 3:
			return "CleartextPassword";
		case 5:
			return "MD5Password";
		case 7:
			return "GSS";
		case 8:
			return "GSSContinue";
		case 9:
			return "SSPI";
		case 10:
			return "SASL";
		case 11:
			return "SASLContinue";
		case 12:
			return "SASLFinal";
		default:
			return NULL;
	}
}

/* Error and Notice field codes (docs: "Error and Notice Message Fields"). */
static const char *
error_field_name(uint8_t code)
{
	switch (code)
	{
		case 'S':
			return "Severity";
		case 'V':
			return "Severity, not localized";
		case 'C':
			return "SQLSTATE";
		case 'M':
			return "Message";
		case 'D':
			return "Detail";
		case 'H':
			return "Hint";
		case 'P':
			return "Position";
		case 'p':
			return "Internal position";
		case 'q':
			return "Internal query";
		case 'W':
			return "Where";
		case 's':
			return "Schema name";
		case 't':
			return "Table name";
		case 'c':
			return "Column name";
		case 'd':
			return "Data type name";
		case 'n':
			return "Constraint name";
		case 'F':
			return "File";
		case 'L':
			return "Line";
		case 'R':
			return "Routine";
		default:
			return NULL;
	}
}

/* Names of common built-in types (pg_type.dat), for type OIDs. */
static const char *
type_name(int64_t oid)
{
	static const struct
	{
		uint32_t	oid;
		const char *name;
	}			types[] = {
		{16, "bool"}, {17, "bytea"}, {18, "char"}, {19, "name"}, {20, "int8"},
		{21, "int2"}, {23, "int4"}, {25, "text"}, {26, "oid"}, {114, "json"},
		{600, "point"}, {700, "float4"}, {701, "float8"}, {1007, "int4[]"},
		{1009, "text[]"}, {1042, "bpchar"}, {1043, "varchar"}, {1082, "date"},
		{1083, "time"}, {1114, "timestamp"}, {1184, "timestamptz"},
		{1186, "interval"}, {1700, "numeric"}, {2249, "record"}, {2950, "uuid"},
		{3802, "jsonb"},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].oid == oid)
			return types[i].name;
	return NULL;
}

/* What a Byte1 field's value means, by message and field. */
static const char *
byte1_meaning(explain_state *st, const pgwire_field *f, uint8_t c)
{
	pgwire_msg_kind k = st->m->kind;

	if (strcmp(f->name, "target") == 0)
		return c == 'S' ? "statement" : c == 'P' ? "portal" : NULL;
	if (k == PGWIRE_MSG_READY_FOR_QUERY)
		return c == 'I' ? "idle" : c == 'T' ? "in transaction" :
			c == 'E' ? "failed transaction" : NULL;
	if (k == PGWIRE_MSG_ERROR_RESPONSE || k == PGWIRE_MSG_NOTICE_RESPONSE)
		return error_field_name(c);
	if (k == PGWIRE_MSG_SSL_RESPONSE || k == PGWIRE_MSG_GSSENC_RESPONSE)
		return c == 'S' ? "SSL accepted" : c == 'G' ? "GSSAPI accepted" :
			c == 'N' ? "refused" : NULL;
	return NULL;
}

/* What an integer field's value means. */
static const char *
int_meaning(explain_state *st, const pgwire_field *f, int64_t v, int depth)
{
	pgwire_msg_kind k = st->m->kind;

	if (strcmp(f->name, "format") == 0 || strcmp(f->name, "result_format") == 0)
		return v == 0 ? "text" : v == 1 ? "binary" : NULL;
	if (strcmp(f->name, "type_oid") == 0)
		return type_name(v);
	if (depth == 0 && strcmp(f->name, "code") == 0)
	{
		if (pgwire_msgdef_get(k)->type == 'R')
			return auth_code_name(v);
		if (k == PGWIRE_MSG_SSL_REQUEST)
			return "SSLRequest code 1234/5679";
		if (k == PGWIRE_MSG_GSSENC_REQUEST)
			return "GSSENCRequest code 1234/5680";
		if (k == PGWIRE_MSG_CANCEL_REQUEST)
			return "CancelRequest code 1234/5678";
	}
	return NULL;
}

/* ---- value formatting ---------------------------------------------------- */

/* A double-quoted string: \" \\ \n \r \t, other non-printables \xHH. */
static void
put_quoted(pgwire_buf *b, const uint8_t *p, size_t n)
{
	size_t		shown = n > VALUE_MAX ? VALUE_MAX : n;

	pgwire_buf_puts(b, "\"");
	for (size_t i = 0; i < shown; i++)
	{
		uint8_t		c = p[i];

		if (c == '"' || c == '\\')
			pgwire_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			pgwire_buf_puts(b, "\\n");
		else if (c == '\r')
			pgwire_buf_puts(b, "\\r");
		else if (c == '\t')
			pgwire_buf_puts(b, "\\t");
		else if (c >= 0x20 && c < 0x7f)
			pgwire_buf_append(b, &c, 1);
		else
			pgwire_buf_printf(b, "\\x%02x", c);
	}
	pgwire_buf_puts(b, "\"");
	if (shown < n)
		pgwire_buf_printf(b, "\xe2\x80\xa6 (%zu bytes)", n);
}

static void
put_char(pgwire_buf *b, uint8_t c)
{
	if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
		pgwire_buf_printf(b, "'%c'", c);
	else
		pgwire_buf_printf(b, "'\\x%02x'", c);
}

/* Int64 microseconds since 2000-01-01 00:00 UTC as ISO 8601 UTC. */
static void
put_timestamp(pgwire_buf *b, int64_t us)
{
	struct tm	tm;
	int			micros;

	if (!pgwire_timestamp_tm(us, &tm, &micros))
	{
		pgwire_buf_printf(b, "%" PRId64 " us", us);
		return;
	}
	pgwire_buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year + 1900,
					  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

static void
put_meaning(pgwire_buf *b, const char *meaning)
{
	if (meaning)
		pgwire_buf_printf(b, " (%s)", meaning);
}

static void
format_field(explain_state *st, const pgwire_visit *v)
{
	pgwire_buf *b = &st->value;
	const pgwire_field *f = v->field;

	switch (f->type)
	{
		case PGWIRE_T_BYTE1:
			put_char(b, (uint8_t) v->ival);
			put_meaning(b, byte1_meaning(st, f, (uint8_t) v->ival));
			break;
		case PGWIRE_T_INT8:
		case PGWIRE_T_INT16:
		case PGWIRE_T_INT32:
		case PGWIRE_T_OID:
		case PGWIRE_T_INT64:
			pgwire_buf_printf(b, "%" PRId64, v->ival);
			put_meaning(b, int_meaning(st, f, v->ival, v->depth));
			break;
		case PGWIRE_T_VERSION:
			pgwire_buf_printf(b, "%u.%u", (unsigned) ((uint64_t) v->ival >> 16),
							  (unsigned) (v->ival & 0xffff));
			break;
		case PGWIRE_T_LSN:
			pgwire_buf_printf(b, "%X/%X", (unsigned) ((uint64_t) v->ival >> 32),
							  (unsigned) (uint32_t) v->ival);
			break;
		case PGWIRE_T_TIMESTAMP:
			put_timestamp(b, v->ival);
			break;
		case PGWIRE_T_TUPLE_COLUMN:
			if (v->ival == 'n')
				pgwire_buf_puts(b, "NULL");
			else if (v->ival == 'u')
				pgwire_buf_puts(b, "unchanged TOAST value");
			else
			{
				pgwire_buf_puts(b, v->ival == 'b' ? "binary " : "text ");
				put_quoted(b, v->data, v->dlen);
			}
			break;
		case PGWIRE_T_VALUE:
			if (v->is_null)
				pgwire_buf_puts(b, "NULL");
			else
				put_quoted(b, v->data, v->dlen);
			break;
		default:				/* String, Byten */
			put_quoted(b, v->data, v->dlen);
			break;
	}
}

/* ---- paths ---------------------------------------------------------------- */

static void
path_truncate(pgwire_buf *p, size_t len)
{
	p->len = len;
	if (p->data)
		p->data[len] = '\0';
}

/* Append ".name" (or "name" at the start) and NUL-terminate. */
static void
path_push_name(pgwire_buf *p, const char *name)
{
	if (p->len > 0)
		pgwire_buf_puts(p, ".");
	pgwire_buf_puts(p, name);
	pgwire_buf_append(p, "", 1);
	p->len--;
}

static int
emit(explain_state *st, const pgwire_visit *v, const char *path, int depth)
{
	pgwire_explain_row row;

	pgwire_buf_append(&st->value, "", 1);
	if (st->path.status != PGWIRE_OK || st->value.status != PGWIRE_OK)
		return PGWIRE_ERR_NOMEM;
	row.offset = v->offset;
	row.length = v->len;
	row.path = path;
	row.raw = v->raw;
	row.value = (const char *) st->value.data;
	row.depth = depth;
	return st->fn(st->arg, &row);
}

/*
 * Rows of a carried message (m->inner: a CopyData's replication payload,
 * an XLogData's pgoutput message) in place of the bytes that hold it,
 * under the field's path ("data.type", "data.wal_start", "data.data.new_tuple"
 * ...) and one level deeper; its rows cover those bytes as the outer
 * field's row would have.
 */
typedef struct explain_nested
{
	explain_state *outer;		/* its path holds the outer field's */
	int			depth;
} explain_nested;

static int
nested_row(void *arg, const pgwire_explain_row *row)
{
	explain_nested *n = arg;
	pgwire_buf *path = &n->outer->path;
	size_t		before = path->len;
	pgwire_explain_row r = *row;
	int			rc;

	/* outer->path holds prefix while the nested walk runs; extend it */
	path_push_name(path, row->path);
	if (path->status != PGWIRE_OK)
		return PGWIRE_ERR_NOMEM;
	r.path = (const char *) path->data;
	r.depth = row->depth + n->depth;
	rc = n->outer->fn(n->outer->arg, &r);
	path_truncate(path, before);
	return rc;
}

static int
explain_inner(explain_state *st, const pgwire_visit *v)
{
	explain_nested n;

	n.outer = st;
	n.depth = v->depth + 1;
	return pgwire_explain(st->m->inner, nested_row, &n);
}

static int
explain_visit(void *arg, const pgwire_visit *v)
{
	explain_state *st = arg;
	explain_level *lv = st->nlevels > 0 ? &st->levels[st->nlevels - 1] : NULL;
	size_t		before = st->path.len;
	int			rc = 0;

	pgwire_buf_reset(&st->value);
	switch (v->event)
	{
		case PGWIRE_EV_TYPE:
			put_char(&st->value, (uint8_t) v->ival);
			put_meaning(&st->value, pgwire_msg_name(st->m->kind));
			return emit(st, v, "type", 0);
		case PGWIRE_EV_LENGTH:
			pgwire_buf_printf(&st->value, "%" PRId64, v->ival);
			return emit(st, v, "length", 0);
		case PGWIRE_EV_FIELD:
			/* a one-field element is named by its index alone */
			if (lv == NULL || v->depth == 0 || lv->group->elem->nfields != 1)
				path_push_name(&st->path, v->field->name);
			if (pgwire_carries_inner(st->m, v))
				rc = explain_inner(st, v);
			else
			{
				format_field(st, v);
				rc = emit(st, v, (const char *) st->path.data, v->depth);
			}
			path_truncate(&st->path, before);
			return rc;
		case PGWIRE_EV_GROUP_BEGIN:
			if (st->nlevels == MAX_DEPTH)
				return PGWIRE_ERR_ARGUMENT;
			lv = &st->levels[st->nlevels++];
			lv->group = v->field;
			lv->saved = before;
			path_push_name(&st->path, v->field->name);
			lv->group_len = st->path.len;
			if (v->field->type == PGWIRE_T_LIST || v->field->type == PGWIRE_T_GROUP_COUNTED)
				return 0;		/* no count word (a list's end byte gets a row) */
			pgwire_buf_printf(&st->value, "%u element%s", (unsigned) v->count,
							  v->count == 1 ? "" : "s");
			return emit(st, v, (const char *) st->path.data, v->depth);
		case PGWIRE_EV_ELEM_BEGIN:
			if (lv == NULL)
				return 0;
			path_truncate(&st->path, lv->group_len);
			pgwire_buf_printf(&st->path, "[%u]", (unsigned) v->index);
			pgwire_buf_append(&st->path, "", 1);
			st->path.len--;
			return 0;
		case PGWIRE_EV_ELEM_END:
			return 0;
		case PGWIRE_EV_GROUP_END:
			if (lv == NULL)
				return 0;
			path_truncate(&st->path, lv->group_len);
			if (v->field->type == PGWIRE_T_LIST)
			{
				pgwire_buf_printf(&st->value, "end of list (%u element%s)",
								  (unsigned) v->count, v->count == 1 ? "" : "s");
				rc = emit(st, v, (const char *) st->path.data, v->depth);
			}
			path_truncate(&st->path, lv->saved);
			st->nlevels--;
			return rc;
	}
	return 0;
}

int
pgwire_explain(const pgwire_msg *m, pgwire_explain_fn fn, void *arg)
{
	explain_state st;
	int			rc;

	if (m == NULL || fn == NULL)
		return PGWIRE_ERR_ARGUMENT;
	memset(&st, 0, sizeof(st));
	st.m = m;
	st.fn = fn;
	st.arg = arg;
	pgwire_buf_init(&st.path, NULL);
	pgwire_buf_init(&st.value, NULL);
	/* start with an empty NUL-terminated path */
	pgwire_buf_append(&st.path, "", 1);
	st.path.len = 0;
	rc = 0;

	/*
	 * Replication and pgoutput payloads (replication.h) have a type byte
	 * the walker does not visit (no length word follows it): give it its
	 * row so the rows still cover every byte.
	 */
	if (m->frame.kind == PGWIRE_FRAME_BYTE && m->frame.raw != NULL &&
		m->frame.body > m->frame.raw)
	{
		pgwire_visit v;

		memset(&v, 0, sizeof(v));
		v.event = PGWIRE_EV_TYPE;
		v.offset = m->frame.offset;
		v.len = 1;
		v.raw = m->frame.raw;
		v.ival = m->frame.raw[0];
		rc = explain_visit(&st, &v);
	}
	if (rc == 0)
		rc = pgwire_walk(m, explain_visit, &st);
	pgwire_buf_free(&st.path);
	pgwire_buf_free(&st.value);
	return rc;
}

/* ---- text form ------------------------------------------------------------ */

typedef struct explain_widths
{
	int			offset;
	int			length;
	int			path;
	int			hex;
} explain_widths;

typedef struct explain_text
{
	pgwire_buf *out;
	explain_widths w;
	int			measuring;
} explain_text;

static int
digits(uint64_t v)
{
	int			n = 1;

	while (v >= 10)
	{
		v /= 10;
		n++;
	}
	return n;
}

static int
explain_text_row(void *arg, const pgwire_explain_row *row)
{
	explain_text *t = arg;
	size_t		shown = row->length > HEX_MAX ? HEX_MAX : row->length;
	int			hexw = (int) shown * 2 + (row->length > HEX_MAX ? 1 : 0);
	int			pathw = (int) strlen(row->path);

	if (t->measuring)
	{
		if (digits(row->offset) > t->w.offset)
			t->w.offset = digits(row->offset);
		if (digits(row->length) > t->w.length)
			t->w.length = digits(row->length);
		if (pathw > t->w.path)
			t->w.path = pathw;
		if (hexw > t->w.hex)
			t->w.hex = hexw;
		return 0;
	}
	pgwire_buf_printf(t->out, "%*" PRIu64 "  %*zu  %-*s  ", t->w.offset, row->offset,
					  t->w.length, row->length, t->w.path, row->path);
	for (size_t i = 0; i < shown; i++)
		pgwire_buf_printf(t->out, "%02x", row->raw[i]);
	if (row->length > HEX_MAX)
		pgwire_buf_puts(t->out, "\xe2\x80\xa6");
	pgwire_buf_printf(t->out, "%*s  %s\n", t->w.hex - hexw, "", row->value);
	return t->out->status;
}

int
pgwire_explain_write(const pgwire_msg *m, pgwire_buf *out)
{
	explain_text t;
	int			rc;

	if (out == NULL)
		return PGWIRE_ERR_ARGUMENT;
	memset(&t, 0, sizeof(t));
	t.out = out;
	t.measuring = 1;
	if ((rc = pgwire_explain(m, explain_text_row, &t)) != 0)
		return pgwire_buf_fail(out, rc);
	t.measuring = 0;
	if ((rc = pgwire_explain(m, explain_text_row, &t)) != 0)
		return pgwire_buf_fail(out, rc);
	return out->status;
}
