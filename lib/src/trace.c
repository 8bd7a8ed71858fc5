/*
 * trace.c
 *    One decoded message as the line(s) libpq's PQtrace prints for it
 *    (src/interfaces/libpq/fe-trace.c).
 *
 * The body is printed by walking the message's catalogue layout
 * (pgwire_walk) and printing each field the way fe-trace.c prints its wire
 * type: Byte1 as " %c" or " \xHH", Int16 as the unsigned value, Int32
 * signed, Strings raw in double quotes, Byten in single quotes with
 * non-printable bytes as \xHH.  The few places where fe-trace.c is not a
 * plain wire-order dump are special-cased below, each with the reason.
 *
 * Which libpq: identical to libpq 15 for every message it traces
 * correctly; where libpq 15 is wrong (StartupMessage printed as "Unknown
 * message", Authentication requests printed by code, frontend CopyData with
 * no body, bytes >= 0x80 printed sign-extended as \xffffffHH) and for what
 * libpq only prints since PostgreSQL 18 (SSLRequest, SSLResponse,
 * GSSENCResponse, authentication exchanges, backend CopyData), the format
 * of PostgreSQL 18's fe-trace.c is used.  Like fe-trace.c we add a
 * "mismatched message length" line when the printed fields did not
 * account for the whole body, which happens for exactly the messages
 * fe-trace.c does not print completely (AuthenticationMD5Password's salt,
 * a protocol 3.2 BackendKeyData's long key, unidentified messages).
 *
 * "Printable" is ASCII 0x20..0x7e: what isprint() means in the C locale
 * libpq runs in unless its caller changed the locale.
 */
#include <string.h>
#include <time.h>

#include "pgwire/render.h"
#include "pgwire/replication.h"
#include "internal.h"
#include "wire.h"

typedef struct trace_state
{
	pgwire_buf *out;
	const pgwire_msg *m;
	int			regress;
	size_t		consumed;		/* body bytes fe-trace.c's cursor moved over */
	uint8_t		error_code;		/* code of the Error/Notice field being
								 * printed */
} trace_state;

static int
is_print(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * The printers below append digits themselves rather than through
 * pgwire_buf_printf: a proxy traces every message that passes, and
 * vsnprintf (run twice by pgwire_buf_printf) was most of the cost of a
 * line.  The text is what the printf formats in the comments give.
 */

/* lead (if not NUL) and v in decimal: printf " %d", " %u", " %lld". */
static void
put_decimal(pgwire_buf *out, char lead, int64_t v)
{
	char		tmp[24];
	char	   *p = tmp + sizeof(tmp);
	uint64_t	u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;

	do
	{
		*--p = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	if (lead != '\0')
		*--p = lead;
	pgwire_buf_append(out, p, (size_t) (tmp + sizeof(tmp) - p));
}

/* printf "\\x%02x" */
static void
put_hex_escape(pgwire_buf *out, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";
	char		s[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

	pgwire_buf_append(out, s, sizeof(s));
}

/* fe-trace.c pqTraceOutputByte1 */
static void
put_byte1(pgwire_buf *out, uint8_t c)
{
	if (is_print(c))
	{
		char		s[2] = {' ', (char) c};

		pgwire_buf_append(out, s, sizeof(s));
	}
	else
	{
		pgwire_buf_append(out, " ", 1);
		put_hex_escape(out, c);
	}
}

/* fe-trace.c pqTraceOutputNchar */
static void
put_nchar(pgwire_buf *out, const uint8_t *p, size_t n, int suppress)
{
	size_t		next = 0;

	if (suppress)
	{
		pgwire_buf_append(out, " 'BBBB'", 7);
		return;
	}
	pgwire_buf_append(out, " '", 2);
	for (size_t i = 0; i < n; i++)
	{
		if (is_print(p[i]))
			continue;
		pgwire_buf_append(out, p + next, i - next);
		put_hex_escape(out, p[i]);
		next = i + 1;
	}
	pgwire_buf_append(out, p + next, n - next);
	pgwire_buf_append(out, "'", 1);
}

/* fe-trace.c pqTraceOutputString */
static void
put_string(pgwire_buf *out, const uint8_t *p, size_t n, int suppress)
{
	if (suppress)
	{
		pgwire_buf_puts(out, " \"SSSS\"");
		return;
	}
	pgwire_buf_append(out, " \"", 2);
	pgwire_buf_append(out, p, n);
	pgwire_buf_append(out, "\"", 1);
}

/* fe-trace.c pqTraceOutputInt32 */
static void
put_int32(pgwire_buf *out, int32_t v, int suppress)
{
	if (suppress)
		pgwire_buf_append(out, " NNNN", 5);
	else
		put_decimal(out, ' ', v);
}

static int
field_suppressed(const trace_state *st, const pgwire_field *f)
{
	return st->regress && f != NULL && (f->flags & PGWIRE_F_REGRESS);
}

static int
is_auth_request(pgwire_msg_kind k)
{
	return k >= PGWIRE_MSG_AUTHENTICATION_OK && k <= PGWIRE_MSG_AUTHENTICATION_SASL_FINAL;
}

/* A scalar, String or Byten field. */
static void
trace_field(trace_state *st, const pgwire_visit *v)
{
	pgwire_buf *out = st->out;
	const pgwire_field *f = v->field;
	pgwire_msg_kind k = st->m->kind;
	int			suppress = field_suppressed(st, f);

	/* Authentication requests: the code is in the name (fe-trace.c reads it
	 * silently); MD5's salt is never printed. */
	if (is_auth_request(k) && v->depth == 0 && strcmp(f->name, "code") == 0)
	{
		st->consumed += v->len;
		return;
	}
	if (k == PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD)
		return;

	/* The untyped packets' code: two Int16, as in "1234 5679". */
	if (k == PGWIRE_MSG_STARTUP_MESSAGE || k == PGWIRE_MSG_SSL_REQUEST ||
		k == PGWIRE_MSG_GSSENC_REQUEST || k == PGWIRE_MSG_CANCEL_REQUEST)
	{
		if (v->depth == 0 && v->len == 4 &&
			(f->type == PGWIRE_T_VERSION || f->type == PGWIRE_T_INT32) &&
			strcmp(f->name, "process_id") != 0)
		{
			pgwire_buf_printf(out, " %u %u", pgwire_get_u16(v->raw),
							  pgwire_get_u16(v->raw + 2));
			st->consumed += 4;
			return;
		}
	}

	/* BackendKeyData and CancelRequest keys: fe-trace.c prints an Int32,
	 * the first four bytes of a protocol 3.2 key. */
	if ((k == PGWIRE_MSG_BACKEND_KEY_DATA || k == PGWIRE_MSG_CANCEL_REQUEST) &&
		f->type == PGWIRE_T_BYTES)
	{
		if (v->dlen >= 4)
		{
			put_int32(out, (int32_t) pgwire_get_u32(v->data), suppress);
			st->consumed += 4;
		}
		return;
	}

	switch (f->type)
	{
		case PGWIRE_T_BYTE1:
		case PGWIRE_T_INT8:
			put_byte1(out, v->raw[0]);
			if (k == PGWIRE_MSG_ERROR_RESPONSE || k == PGWIRE_MSG_NOTICE_RESPONSE)
				st->error_code = v->raw[0];
			break;
		case PGWIRE_T_INT16:
			put_decimal(out, ' ', pgwire_get_u16(v->raw));
			break;
		case PGWIRE_T_INT32:
		case PGWIRE_T_OID:
		case PGWIRE_T_VERSION:
			put_int32(out, (int32_t) pgwire_get_u32(v->raw), suppress);
			break;
		case PGWIRE_T_STRING:
			put_string(out, v->data, v->dlen,
					   st->regress && v->depth > 0 &&
					   (k == PGWIRE_MSG_ERROR_RESPONSE || k == PGWIRE_MSG_NOTICE_RESPONSE) &&
					   (st->error_code == 'F' || st->error_code == 'L' ||
						st->error_code == 'R'));
			break;
		case PGWIRE_T_LSN:
			/* replication payloads only: libpq has no format; PostgreSQL's %X/%X */
			pgwire_buf_printf(out, " %X/%X", (unsigned) ((uint64_t) v->ival >> 32),
							  (unsigned) v->ival);
			break;
		case PGWIRE_T_INT64:
		case PGWIRE_T_TIMESTAMP:
			/* replication payloads only (libpq has no Int64 printer) */
			put_decimal(out, ' ', v->ival);
			break;
		case PGWIRE_T_TUPLE_COLUMN:
			put_byte1(out, (uint8_t) v->ival);
			if (v->data != NULL)
			{
				put_int32(out, (int32_t) v->dlen, 0);
				put_nchar(out, v->data, v->dlen, suppress);
			}
			break;
		case PGWIRE_T_VALUE:
			/* the length is never suppressed, only the bytes */
			put_int32(out, (int32_t) v->ival, 0);
			if (!v->is_null)
				put_nchar(out, v->data, v->dlen, suppress);
			break;
		default:				/* Byten and anything libpq has no type for */
			put_nchar(out, v->raw, v->len, suppress);
			break;
	}
	st->consumed += v->len;
}

static int
trace_visit(void *arg, const pgwire_visit *v)
{
	trace_state *st = arg;
	pgwire_msg_kind k = st->m->kind;

	switch (v->event)
	{
		case PGWIRE_EV_TYPE:
		case PGWIRE_EV_LENGTH:
		case PGWIRE_EV_ELEM_BEGIN:
		case PGWIRE_EV_ELEM_END:
			break;
		case PGWIRE_EV_FIELD:
			trace_field(st, v);
			break;
		case PGWIRE_EV_GROUP_BEGIN:
			if (v->field->type == PGWIRE_T_GROUP16)
				put_decimal(st->out, ' ', (unsigned) v->count);
			else if (v->field->type == PGWIRE_T_GROUP32)
				put_int32(st->out, (int32_t) v->count, 0);
			st->consumed += v->len;
			break;
		case PGWIRE_EV_GROUP_END:
			/* A list's zero byte: the Error/Notice terminator is a Byte1,
			 * AuthenticationSASL's an empty String; StartupMessage's is
			 * not printed. */
			if (k == PGWIRE_MSG_ERROR_RESPONSE || k == PGWIRE_MSG_NOTICE_RESPONSE)
				put_byte1(st->out, 0);
			else if (k == PGWIRE_MSG_AUTHENTICATION_SASL)
				pgwire_buf_puts(st->out, " \"\"");
			st->consumed += v->len;
			break;
	}
	return 0;
}

/*
 * The date and time part of the last timestamp printed by this thread:
 * converting a second to local time (localtime_r, strftime) costs more than
 * the rest of a line, and a busy connection prints many lines a second.
 */
static _Thread_local struct
{
	int			valid;
	int64_t		sec;
	char		text[64];		/* "%Y-%m-%d %H:%M:%S." */
	size_t		len;
}			ts_cache;

/* Local time "%Y-%m-%d %H:%M:%S.%06u" and a tab (pqTraceFormatTimestamp). */
static void
put_timestamp(pgwire_buf *out, int64_t timestamp_us)
{
	int64_t		sec = timestamp_us / 1000000;
	int64_t		usec = timestamp_us % 1000000;
	char		frac[8];

	if (usec < 0)
	{
		usec += 1000000;
		sec--;
	}
	if (!ts_cache.valid || ts_cache.sec != sec)
	{
		time_t		t = (time_t) sec;
		struct tm	tm;

		if (localtime_r(&t, &tm) == NULL ||
			strftime(ts_cache.text, sizeof(ts_cache.text) - 1, "%Y-%m-%d %H:%M:%S", &tm) == 0)
			strcpy(ts_cache.text, "0000-00-00 00:00:00");
		ts_cache.len = strlen(ts_cache.text);
		ts_cache.text[ts_cache.len++] = '.';
		ts_cache.sec = sec;
		ts_cache.valid = 1;
	}
	pgwire_buf_append(out, ts_cache.text, ts_cache.len);
	for (int i = 5; i >= 0; i--)
	{
		frac[i] = (char) ('0' + usec % 10);
		usec /= 10;
	}
	frac[6] = '\t';
	pgwire_buf_append(out, frac, 7);
}

/*
 * The name fe-trace.c prints, and whether a tab follows it (every message
 * with a body printer gets one even when it prints no field).
 */
static const char *
trace_name(const pgwire_msg *m, int *tab, char *tmp, size_t tmplen)
{
	*tab = 0;
	switch (m->kind)
	{
		case PGWIRE_MSG_PARSE_COMPLETE:
		case PGWIRE_MSG_BIND_COMPLETE:
		case PGWIRE_MSG_CLOSE_COMPLETE:
		case PGWIRE_MSG_COPY_DONE:
		case PGWIRE_MSG_FLUSH:
		case PGWIRE_MSG_EMPTY_QUERY_RESPONSE:
		case PGWIRE_MSG_NO_DATA:
		case PGWIRE_MSG_PORTAL_SUSPENDED:
		case PGWIRE_MSG_SYNC:
		case PGWIRE_MSG_TERMINATE:
		case PGWIRE_MSG_AUTHENTICATION_OK:
		case PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD:
		case PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD:
		case PGWIRE_MSG_AUTHENTICATION_GSS:
		case PGWIRE_MSG_AUTHENTICATION_SSPI:
			return pgwire_msg_name(m->kind);
		case PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5:
		case PGWIRE_MSG_AUTHENTICATION_UNKNOWN:
			/* fe-trace.c has no case for code 2 either */
			snprintf(tmp, tmplen, "Unknown authentication message %d",
					 m->frame.body_len >= 4 ? (int32_t) pgwire_get_u32(m->frame.body) : 0);
			return tmp;
		case PGWIRE_MSG_AUTHENTICATION_RESPONSE:
			return "UnknownAuthenticationResponse";
		case PGWIRE_MSG_UNKNOWN:
			if (m->frame.kind == PGWIRE_FRAME_UNTYPED)
				return "Unknown message";
			snprintf(tmp, tmplen, "Unknown message: %02x", m->frame.type);
			return tmp;
		default:
			*tab = 1;
			return pgwire_msg_name(m->kind);
	}
}

/*
 * A message libpq prints as CopyData: CopyData itself, and the replication
 * messages a session decodes out of CopyData (libpq sees only CopyData).
 */
static int
trace_as_copy_data(const pgwire_msg *m)
{
	return m->frame.kind == PGWIRE_FRAME_TYPED && m->frame.type == 'd' &&
		m->kind != PGWIRE_MSG_UNKNOWN;
}

static int	trace_message(const pgwire_msg *m, pgwire_buf *out, unsigned flags,
						  int64_t timestamp_us, int nest);

/* CopyData > XLogData > pgoutput: deepest nesting; bounds a hand-made cycle */
#define TRACE_MAX_NEST 4

/*
 * The message the session tracker decoded out of m's last Byten field
 * (message.h, inner): printed on its own line(s) after m's, in the style
 * of the payload lines below.  libpq never prints these; its CopyData
 * line above stays exactly as libpq prints it.
 */
static int
trace_inner(const pgwire_msg *m, pgwire_buf *out, unsigned flags, int64_t timestamp_us,
			int nest)
{
	if (m->inner == NULL || !pgwire_is_payload_kind(m->inner->kind) || out->status != PGWIRE_OK)
		return out->status;
	return trace_message(m->inner, out, flags, timestamp_us, nest + 1);
}

int
pgwire_trace_write(const pgwire_msg *m, pgwire_buf *out, unsigned flags,
				   int64_t timestamp_us)
{
	return trace_message(m, out, flags, timestamp_us, 0);
}

static int
trace_message(const pgwire_msg *m, pgwire_buf *out, unsigned flags, int64_t timestamp_us,
			  int nest)
{
	const pgwire_frame *f;
	trace_state st;
	char		tmp[64];
	const char *name;
	int			tab;
	int			rc = 0;

	if (m == NULL || out == NULL || pgwire_msgdef_get(m->kind) == NULL ||
		m->frame.raw == NULL || nest > TRACE_MAX_NEST)
		return PGWIRE_ERR_ARGUMENT;	/* out's contents and status untouched */
	f = &m->frame;
	memset(&st, 0, sizeof(st));
	st.out = out;
	st.m = m;
	st.regress = (flags & PGWIRE_TRACE_REGRESS_MODE) != 0;

	if (!(flags & PGWIRE_TRACE_SUPPRESS_TIMESTAMPS))
		put_timestamp(out, timestamp_us);

	/* SSLResponse/GSSENCResponse: fe-trace.c pqTraceOutputCharResponse */
	if (m->kind == PGWIRE_MSG_SSL_RESPONSE || m->kind == PGWIRE_MSG_GSSENC_RESPONSE)
	{
		pgwire_buf_printf(out, "B\t1\t%s\t %c\n", pgwire_msg_name(m->kind), f->type);
		return out->status;
	}

	/*
	 * A replication or pgoutput payload (replication.h): libpq only ever
	 * sees the CopyData around it, so there is no libpq format.  We print
	 * it in the same style: its size (it has no length word), its name,
	 * its fields as fe-trace.c prints their wire types, Int64s in decimal.
	 */
	if (f->kind == PGWIRE_FRAME_BYTE)
	{
		pgwire_buf_printf(out, "%c\t%zu\t%s\t", f->direction == PGWIRE_FRONTEND ? 'F' : 'B',
						  f->raw_len, pgwire_msg_name(m->kind));
		rc = pgwire_walk(m, trace_visit, &st);
		pgwire_buf_puts(out, "\n");
		if (rc != 0)
			return pgwire_buf_fail(out, rc);
		return trace_inner(m, out, flags, timestamp_us, nest);
	}

	if (st.regress && f->direction == PGWIRE_BACKEND &&
		(m->kind == PGWIRE_MSG_ERROR_RESPONSE || m->kind == PGWIRE_MSG_NOTICE_RESPONSE))
		pgwire_buf_puts(out, "B\tNN\t");
	else
	{
		/* printf "%c\t%d\t" */
		pgwire_buf_append(out, f->direction == PGWIRE_FRONTEND ? "F\t" : "B\t", 2);
		put_decimal(out, '\0', (int32_t) f->length);
		pgwire_buf_append(out, "\t", 1);
	}

	if (trace_as_copy_data(m))
	{
		pgwire_buf_append(out, "CopyData\t", 9);
		put_nchar(out, f->body, f->body_len, st.regress);
		st.consumed = f->body_len;
	}
	else
	{
		name = trace_name(m, &tab, tmp, sizeof(tmp));
		pgwire_buf_puts(out, name);
		if (tab)
			pgwire_buf_puts(out, "\t");
		if (m->kind != PGWIRE_MSG_UNKNOWN && m->kind != PGWIRE_MSG_AUTHENTICATION_RESPONSE &&
			m->kind != PGWIRE_MSG_AUTHENTICATION_UNKNOWN &&
			m->kind != PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5)
			rc = pgwire_walk(m, trace_visit, &st);
		else if (f->body_len >= 4 && m->kind != PGWIRE_MSG_UNKNOWN &&
				 m->kind != PGWIRE_MSG_AUTHENTICATION_RESPONSE)
			st.consumed = 4;	/* the authentication code */
	}
	pgwire_buf_puts(out, "\n");
	if (rc != 0)
		return pgwire_buf_fail(out, rc);

	/* fe-trace.c checks its cursor against the length of typed messages */
	if (f->kind == PGWIRE_FRAME_TYPED && 4 + st.consumed != f->length)
		pgwire_buf_printf(out, "mismatched message length: consumed %d, expected %d\n",
						  (int) (4 + st.consumed), (int32_t) f->length);
	return trace_inner(m, out, flags, timestamp_us, nest);
}
