/*
 * tools/sqlite_backend.c
 *    The SQLite application behind `pgwire serve` (see sqlite_backend.h):
 *    libpgwire's backend callbacks answered from an embedded SQLite
 *    database, as a PostgreSQL 15 server would answer them.
 *
 * What PostgreSQL clients expect and SQLite does not do by itself is done
 * here: $1 parameters (rewritten to SQLite's ?1), "::type" casts (dropped),
 * PostgreSQL type OIDs and text/binary output per type, CommandComplete
 * tags, transaction status with PostgreSQL's aborted-transaction rule
 * (25P02 until ROLLBACK), SQLSTATEs for SQLite's errors, and the commands
 * and functions drivers send at startup (SET, SHOW, version(),
 * current_setting(), ...), COPY FROM STDIN and COPY TO STDOUT in text and
 * CSV format, and cancellation through sqlite3_interrupt().
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqlite_backend.h"
#include "pgwire/utf8.h"

/* ---- types ------------------------------------------------------------ */

#define BOOLOID 16
#define BYTEAOID 17
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define TEXTOID 25
#define OIDOID 26
#define FLOAT4OID 700
#define FLOAT8OID 701
#define VARCHAROID 1043
#define NUMERICOID 1700
#define DATEOID 1082
#define TIMESTAMPOID 1114
#define TIMESTAMPTZOID 1184
#define UUIDOID 2950

#define SERVER_VERSION "15.0 (pgwire)"

const char *const sqlb_parameters[] = {
	"client_encoding", "UTF8",
	"DateStyle", "ISO, MDY",
	"integer_datetimes", "on",
	"IntervalStyle", "postgres",
	"is_superuser", "on",
	"server_encoding", "UTF8",
	"server_version", SERVER_VERSION,
	"standard_conforming_strings", "on",
	"TimeZone", "UTC",
	NULL, NULL
};

/* Settings SHOW knows besides the reported ones. */
static const char *const extra_settings[] = {
	"application_name", "",
	"session_authorization", "",	/* the user: sqlb_session_setting() */
	"server_version_num", "150000",
	"transaction_isolation", "serializable",
	"default_transaction_isolation", "serializable",
	"transaction_read_only", "off",
	"max_identifier_length", "63",
	"search_path", "\"$user\", public",
	"extra_float_digits", "1",
	"lc_collate", "C",
	"lc_ctype", "C",
	"statement_timeout", "0",
	"lock_timeout", "0",
	"max_connections", "100",
	"block_size", "8192",
	NULL, NULL
};

typedef enum cmd_kind
{
	K_EMPTY = 0,
	K_SQL,						/* passed to SQLite */
	K_BEGIN,
	K_COMMIT,
	K_ROLLBACK,
	K_SET,
	K_SHOW,
	K_COPY,
	K_NOOP,						/* answered with its tag only */
	K_DECLARE,					/* DECLARE name CURSOR FOR query */
	K_FETCH,					/* FETCH / MOVE */
	K_CLOSE						/* CLOSE name | ALL */
} cmd_kind;

typedef struct setting
{
	struct setting *next;
	char	   *name;
	char	   *value;
	int			report;			/* changed: ParameterStatus before ReadyForQuery */
} setting;

/* A prepared statement (Parse), shared by its portals. */
typedef struct sq_stmt
{
	int			refs;
	cmd_kind	kind;
	char		tag[80];		/* command word(s) for CommandComplete */
	char	   *sql;			/* rewritten text */
	sqlite3_stmt *st;			/* K_SQL; NULL for the others */
	int			st_busy;		/* a portal uses st */
	int			nparams;
	uint32_t   *types;			/* nparams */
} sq_stmt;

/* A portal (Bind), or the statement being run by a simple Query. */
typedef struct sq_portal
{
	sq_stmt    *stmt;
	sqlite3_stmt *st;
	int			own_st;			/* st prepared for this portal */
	int			ncols;
	uint32_t   *types;			/* ncols, once decided */
	int16_t    *formats;		/* ncols */
	int16_t		fetch_format;	/* K_FETCH: the result format asked for */
	int			nvalues;		/* K_DECLARE: the Bind values, for the query */
	pgwire_value *values;
	int16_t    *value_formats;
	int			have_row;		/* a row was stepped but not sent */
	int			started;
	int			done;
	int64_t		rows;
} sq_portal;

struct sqlb_session
{
	sqlite3    *db;
	int32_t		pid;
	int32_t		key;
	int			aborted;		/* error inside BEGIN: 25P02 until ROLLBACK */
	int			ext_txn;		/* the implicit transaction of extended-protocol
								 * messages, open until Sync */
	pgwire_backend *b;			/* the connection, for an error at Sync */
	volatile int cancel;		/* CancelRequest arrived */
	volatile int terminate;		/* the server shuts down: no more statements */
	size_t		term_out;		/* queued output when a statement was cut short
								 * by terminate (+1; 0: none) */
	setting    *settings;
	/* COPY FROM STDIN in progress */
	sqlite3_stmt *copy_st;
	int			copy_ncols;
	int			copy_csv;
	int64_t		copy_rows;
	char	   *copy_buf;
	size_t		copy_len;
	struct cursor *cursors;		/* DECLAREd, until the transaction ends */
	struct sqlb_session *next_reg;
};

typedef struct cursor
{
	struct cursor *next;
	char		name[64];
	sq_portal  *portal;
} cursor;

static void close_all_cursors(sqlb_session *s);

static char db_path[4096];
static int	db_is_temp;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlb_session *registry;

/* ---- small string helpers ------------------------------------------------ */

/* Skip blanks and comments. */
static const char *
skip_space(const char *p)
{
	for (;;)
	{
		while (*p && isspace((unsigned char) *p))
			p++;
		if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			const char *e = strstr(p + 2, "*/");

			p = e ? e + 2 : p + strlen(p);
		}
		else
			return p;
	}
}

/* Copy the next word (letters, digits, _) upper-cased; return after it. */
static const char *
next_word(const char *p, char *out, size_t outlen)
{
	size_t		n = 0;

	p = skip_space(p);
	while (*p && (isalnum((unsigned char) *p) || *p == '_'))
	{
		if (n + 1 < outlen)
			out[n++] = (char) toupper((unsigned char) *p);
		p++;
	}
	out[n] = '\0';
	return p;
}

/* End of the statement starting at p: the ';' outside quotes, or NUL. */
static const char *
statement_end(const char *p)
{
	while (*p && *p != ';')
	{
		if (*p == '\'' || *p == '"')
		{
			char		q = *p++;

			while (*p && !(*p == q && p[1] != q))
				p += (*p == q) ? 2 : 1;
			if (*p)
				p++;
		}
		else
			p++;
	}
	return p;
}

/* current_user, session_user, current_role: called without parentheses. */
static int
user_keyword(const char *p, size_t w)
{
	return (w == 12 && (strncasecmp(p, "current_user", 12) == 0 ||
						strncasecmp(p, "session_user", 12) == 0 ||
						strncasecmp(p, "current_role", 12) == 0));
}

/*
 * PostgreSQL spellings SQLite does not take, rewritten outside quotes and
 * comments: $N -> ?N, "::type" casts dropped, serial -> integer.
 */
static char *
rewrite_sql(const char *in)
{
	size_t		n = strlen(in);
	char	   *out = malloc(n * 2 + 1);
	size_t		o = 0;
	const char *p = in;

	if (!out)
		return NULL;
	while (*p)
	{
		if (*p == '\'' || *p == '"')
		{
			char		q = *p;

			out[o++] = *p++;
			while (*p)
			{
				if (*p == q && p[1] == q)
				{
					out[o++] = *p++;
					out[o++] = *p++;
				}
				else if (*p == q)
					break;
				else
					out[o++] = *p++;
			}
			if (*p)
				out[o++] = *p++;
		}
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				out[o++] = *p++;
		}
		else if (p[0] == '$' && isdigit((unsigned char) p[1]))
		{
			out[o++] = '?';
			p++;
		}
		else if (p[0] == ':' && p[1] == ':')
		{
			p += 2;
			while (*p == ' ')
				p++;
			while (isalnum((unsigned char) *p) || *p == '_' || *p == '.' ||
				   (*p == ' ' && strncasecmp(p, " precision", 10) == 0))
				p += (*p == ' ') ? 10 : 1;
			if (*p == '(')
			{
				while (*p && *p != ')')
					p++;
				if (*p)
					p++;
			}
			if (p[0] == '[' && p[1] == ']')
				p += 2;
		}
		else if ((isalpha((unsigned char) *p) || *p == '_') &&
				 (p == in || !(isalnum((unsigned char) p[-1]) || p[-1] == '_')))
		{
			size_t		w = 0;

			while (isalnum((unsigned char) p[w]) || p[w] == '_')
				w++;
			if ((w == 6 && strncasecmp(p, "serial", 6) == 0) ||
				(w == 9 && strncasecmp(p, "bigserial", 9) == 0))
			{
				memcpy(out + o, "integer", 7);
				o += 7;
			}
			else
			{
				memcpy(out + o, p, w);
				o += w;
				/* SQL's niladic user functions are SQLite functions here */
				if (user_keyword(p, w) && *skip_space(p + w) != '(')
				{
					memcpy(out + o, "()", 2);
					o += 2;
				}
			}
			p += w;
		}
		else
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/*
 * What kind of command text is, and the tag word(s) PostgreSQL uses for it
 * (docs: CommandComplete).
 */
static cmd_kind
classify(const char *sql, char *tag, size_t taglen)
{
	char		w1[32],
				w2[32],
				w3[32];
	const char *p = skip_space(sql);

	while (*p == '(')
		p = skip_space(p + 1);
	if (!*p || *p == ';')
	{
		tag[0] = '\0';
		return K_EMPTY;
	}
	p = next_word(p, w1, sizeof(w1));
	p = next_word(p, w2, sizeof(w2));
	next_word(p, w3, sizeof(w3));
	snprintf(tag, taglen, "%s", w1);
	if (!strcmp(w1, "SELECT") || !strcmp(w1, "VALUES") || !strcmp(w1, "WITH") ||
		!strcmp(w1, "TABLE"))
	{
		snprintf(tag, taglen, "SELECT");
		return K_SQL;
	}
	if (!strcmp(w1, "BEGIN") || !strcmp(w1, "START"))
	{
		snprintf(tag, taglen, !strcmp(w1, "START") ? "START TRANSACTION" : "BEGIN");
		return K_BEGIN;
	}
	if (!strcmp(w1, "COMMIT") || !strcmp(w1, "END"))
	{
		snprintf(tag, taglen, "COMMIT");
		return K_COMMIT;
	}
	if (!strcmp(w1, "ROLLBACK") || !strcmp(w1, "ABORT"))
	{
		snprintf(tag, taglen, "ROLLBACK");
		return !strcmp(w2, "TO") ? K_SQL : K_ROLLBACK;
	}
	if (!strcmp(w1, "DECLARE"))
	{
		snprintf(tag, taglen, "DECLARE CURSOR");
		return K_DECLARE;
	}
	if (!strcmp(w1, "FETCH") || !strcmp(w1, "MOVE"))
		return K_FETCH;
	if (!strcmp(w1, "CLOSE"))
	{
		snprintf(tag, taglen, "CLOSE CURSOR");
		return K_CLOSE;
	}
	if (!strcmp(w1, "SET") || !strcmp(w1, "SHOW") || !strcmp(w1, "COPY"))
		return !strcmp(w1, "SET") ? K_SET : !strcmp(w1, "SHOW") ? K_SHOW : K_COPY;
	if (!strcmp(w1, "RESET") || !strcmp(w1, "DISCARD") || !strcmp(w1, "DEALLOCATE") ||
		!strcmp(w1, "LISTEN") || !strcmp(w1, "UNLISTEN") || !strcmp(w1, "NOTIFY") ||
		!strcmp(w1, "CHECKPOINT") || !strcmp(w1, "LOCK"))
	{
		if (!strcmp(w1, "DISCARD") || !strcmp(w1, "DEALLOCATE"))
			snprintf(tag, taglen, "%s%s", w1, !strcmp(w2, "ALL") ? " ALL" : "");
		if (!strcmp(w1, "LOCK"))
			snprintf(tag, taglen, "LOCK TABLE");
		return K_NOOP;
	}
	if (!strcmp(w1, "CREATE") || !strcmp(w1, "DROP") || !strcmp(w1, "ALTER"))
	{
		const char *obj = w2;

		if (!strcmp(w2, "UNIQUE") || !strcmp(w2, "TEMP") || !strcmp(w2, "TEMPORARY") ||
			!strcmp(w2, "VIRTUAL"))
			obj = w3;
		snprintf(tag, taglen, "%s %s", w1, obj);
		return K_SQL;
	}
	if (!strcmp(w1, "TRUNCATE"))
	{
		snprintf(tag, taglen, "TRUNCATE TABLE");
		return K_SQL;
	}
	return K_SQL;
}

/* ---- errors ----------------------------------------------------------- */

/* After an error inside an explicit transaction PostgreSQL aborts it. */
static void
mark_failed(sqlb_session *s)
{
	if (!sqlite3_get_autocommit(s->db))
		s->aborted = 1;
}

static void
session_error(sqlb_session *s, pgwire_backend *b, const char *code, const char *msg,
			  const char *detail)
{
	pgwire_backend_error(b, code, msg, detail, NULL);
	mark_failed(s);
}

/*
 * PostgreSQL's text for a constraint SQLite reports as "UNIQUE constraint
 * failed: t.a, t.b" or "NOT NULL constraint failed: t.c", with the names
 * PostgreSQL gives constraints by default (t_pkey, t_a_b_key).
 */
static void
constraint_message(const char *m, int ext, char *msg, size_t len)
{
	const char *p = strstr(m, "failed: ");
	char		table[128] = "",
				name[256] = "";
	size_t		n = 0;

	if (!p)
		return;
	p += 8;
	while (*p && n + 1 < sizeof(name))
	{
		const char *dot = strchr(p, '.');
		const char *end = strchr(p, ',');

		if (!dot || (end && end < dot))
			break;
		if (!table[0])
			snprintf(table, sizeof(table), "%.*s", (int) (dot - p), p);
		if (!end)
			end = p + strlen(p);
		n += (size_t) snprintf(name + n, sizeof(name) - n, "%s%.*s", n ? "_" : "",
							   (int) (end - dot - 1), dot + 1);
		p = *end ? end + 2 : end;
	}
	if (!table[0])
		return;
	if (ext == SQLITE_CONSTRAINT_NOTNULL)
		snprintf(msg, len, "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
				 name, table);
	else if (ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		snprintf(msg, len, "duplicate key value violates unique constraint \"%s_pkey\"", table);
	else if (ext == SQLITE_CONSTRAINT_UNIQUE)
		snprintf(msg, len, "duplicate key value violates unique constraint \"%s_%s_key\"",
				 table, name);
}

/*
 * A statement cut short by sqlb_terminate_all(): PostgreSQL's answer is the
 * FATAL that serve.c sends, not an error of the statement, so nothing is
 * queued; what was queued before stays, as PostgreSQL sends what its
 * output buffer held before the FATAL.
 */
static int
terminated(sqlb_session *s, pgwire_backend *b)
{
	size_t		len;

	if (!s->terminate)
		return 0;
	if (!s->term_out)
	{
		pgwire_backend_output(b, &len);
		s->term_out = len + 1;
	}
	return 1;
}

/* The SQLite error of the last call on s->db as an ErrorResponse. */
static void
sqlite_error(sqlb_session *s, pgwire_backend *b, int rc)
{
	const char *m = sqlite3_errmsg(s->db);
	int			ext = sqlite3_extended_errcode(s->db);
	const char *code = "XX000";
	char		msg[512];
	const char *q;

	snprintf(msg, sizeof(msg), "%s", m);
	switch (rc & 0xff)
	{
		case SQLITE_ERROR:
			code = "42601";
			if (!strncmp(m, "no such table: ", 15))
			{
				code = "42P01";
				snprintf(msg, sizeof(msg), "relation \"%s\" does not exist", m + 15);
			}
			else if (!strncmp(m, "no such column: ", 16))
			{
				code = "42703";
				snprintf(msg, sizeof(msg), "column \"%s\" does not exist", m + 16);
			}
			else if (!strncmp(m, "no such function: ", 18))
			{
				code = "42883";
				snprintf(msg, sizeof(msg), "function %s does not exist", m + 18);
			}
			else if (strstr(m, "already exists"))
				code = "42P07";
			else if (!strncmp(m, "near \"", 6) && (q = strstr(m + 6, "\": syntax error")))
				snprintf(msg, sizeof(msg), "syntax error at or near \"%.*s\"",
						 (int) (q - (m + 6)), m + 6);
			else if (!strcmp(m, "incomplete input"))
				snprintf(msg, sizeof(msg), "syntax error at end of input");
			else if (strstr(m, "syntax error") == NULL)
				code = "42000";
			break;
		case SQLITE_CONSTRAINT:
			code = ext == SQLITE_CONSTRAINT_NOTNULL ? "23502" :
				ext == SQLITE_CONSTRAINT_FOREIGNKEY ? "23503" :
				ext == SQLITE_CONSTRAINT_CHECK ? "23514" :
				(ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) ?
				"23505" : "23000";
			constraint_message(m, ext, msg, sizeof(msg));
			break;
		case SQLITE_INTERRUPT:
			if (terminated(s, b))
				return;
			code = "57014";
			snprintf(msg, sizeof(msg), "canceling statement due to user request");
			break;
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			code = "40001";
			/* a write on a snapshot another transaction has moved past */
			if (ext == SQLITE_BUSY_SNAPSHOT)
				snprintf(msg, sizeof(msg), "could not serialize access due to concurrent update");
			else
				snprintf(msg, sizeof(msg), "could not serialize access: database is locked");
			break;
		case SQLITE_READONLY:
			code = "25006";
			break;
		case SQLITE_TOOBIG:
			code = "54000";
			break;
		case SQLITE_MISMATCH:
			code = "42804";
			break;
		case SQLITE_RANGE:
			code = "08P01";
			break;
		case SQLITE_NOMEM:
			code = "53200";
			break;
		case SQLITE_FULL:
			code = "53100";
			break;
		case SQLITE_IOERR:
			code = "58030";
			break;
		case SQLITE_CORRUPT:
		case SQLITE_NOTADB:
			code = "XX001";
			break;
		default:
			break;
	}
	session_error(s, b, code, msg, strcmp(msg, m) ? m : NULL);
}

/* ---- settings --------------------------------------------------------- */

static const char *
lookup_in(const char *const *list, const char *name)
{
	for (; list[0]; list += 2)
		if (strcasecmp(list[0], name) == 0)
			return list[1];
	return NULL;
}

static const char *
get_setting(sqlb_session *s, const char *name)
{
	setting    *e;
	const char *v;

	for (e = s->settings; e; e = e->next)
		if (strcasecmp(e->name, name) == 0)
			return e->value;
	if ((v = lookup_in(sqlb_parameters, name)) != NULL)
		return v;
	return lookup_in(extra_settings, name);
}

static setting *
put_setting(sqlb_session *s, const char *name, const char *value)
{
	setting    *e;

	for (e = s->settings; e; e = e->next)
		if (strcasecmp(e->name, name) == 0)
			break;
	if (!e)
	{
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->name = strdup(name);
		e->next = s->settings;
		s->settings = e;
	}
	free(e->value);
	e->value = strdup(value);
	return e;
}

/*
 * GUC_REPORT parameters changed by SET are reported when the server is
 * ready again (PostgreSQL's ReportChangedGUCOptions), just before
 * ReadyForQuery.
 */
static void
report_changed(sqlb_session *s)
{
	setting    *e;

	for (e = s->settings; e; e = e->next)
		if (e->report)
		{
			e->report = 0;
			if (s->b)
				pgwire_backend_parameter_status(s->b, e->name, e->value ? e->value : "");
		}
}

void
sqlb_session_setting(sqlb_session *s, const char *name, const char *value)
{
	put_setting(s, name, value);
}

const char *
sqlb_session_get(sqlb_session *s, const char *name)
{
	return get_setting(s, name);
}

/* ---- SQL functions PostgreSQL clients call --------------------------------- */

static void
fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void) argc;
	(void) argv;
	sqlite3_result_text(ctx, "PostgreSQL " SERVER_VERSION " on SQLite", -1, SQLITE_STATIC);
}

static void
fn_current_setting(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlb_session *s = sqlite3_user_data(ctx);
	const char *name = (const char *) sqlite3_value_text(argv[0]);
	const char *v = name ? get_setting(s, name) : NULL;

	(void) argc;
	if (v)
		sqlite3_result_text(ctx, v, -1, SQLITE_TRANSIENT);
	else if (argc > 1)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_error(ctx, "unrecognized configuration parameter", -1);
}

static void
fn_text_const(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void) argc;
	(void) argv;
	sqlite3_result_text(ctx, (const char *) sqlite3_user_data(ctx), -1, SQLITE_STATIC);
}

/* current_user, session_user, current_role: the user who logged in. */
static void
fn_user(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlb_session *s = sqlite3_user_data(ctx);

	(void) argc;
	(void) argv;
	sqlite3_result_text(ctx, get_setting(s, "session_authorization"), -1, SQLITE_TRANSIENT);
}

static void
fn_backend_pid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlb_session *s = sqlite3_user_data(ctx);

	(void) argc;
	(void) argv;
	sqlite3_result_int64(ctx, s->pid);
}

/* pg_sleep(seconds): sleeps in small steps so a cancel ends it. */
static void
fn_pg_sleep(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlb_session *s = sqlite3_user_data(ctx);
	double		secs = sqlite3_value_double(argv[0]);
	struct timespec step = {0, 10 * 1000 * 1000};

	(void) argc;
	for (; secs > 0; secs -= 0.01)
	{
		if (s->cancel || s->terminate)
		{
			sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
			return;
		}
		nanosleep(&step, NULL);
	}
	sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
}

static void
fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char		buf[64];
	struct timespec ts;
	struct tm	tm;

	(void) argc;
	(void) argv;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%06ld+00",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void
add_functions(sqlb_session *s)
{
	sqlite3_create_function_v2(s->db, "version", 0, SQLITE_UTF8, NULL, fn_version, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "current_setting", 1, SQLITE_UTF8, s, fn_current_setting, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "current_setting", 2, SQLITE_UTF8, s, fn_current_setting, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "current_database", 0, SQLITE_UTF8, "main", fn_text_const, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "current_schema", 0, SQLITE_UTF8, "public", fn_text_const, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "current_user", 0, SQLITE_UTF8, s, fn_user, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "session_user", 0, SQLITE_UTF8, s, fn_user, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "current_role", 0, SQLITE_UTF8, s, fn_user, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "pg_backend_pid", 0, SQLITE_UTF8, s, fn_backend_pid, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "pg_sleep", 1, SQLITE_UTF8, s, fn_pg_sleep, NULL, NULL, NULL);
	sqlite3_create_function_v2(s->db, "now", 0, SQLITE_UTF8, NULL, fn_now, NULL, NULL, NULL);
}

/*
 * A small pg_catalog, attached to every session as an in-memory schema,
 * for the catalog lookups drivers make (a type's name by OID, the
 * namespaces, settings): the rows are PostgreSQL 15's for these types.
 */
static const char catalog_sql[] =
	"ATTACH DATABASE ':memory:' AS pg_catalog;"
	"CREATE TABLE pg_catalog.pg_namespace(oid INTEGER PRIMARY KEY, nspname TEXT);"
	"INSERT INTO pg_catalog.pg_namespace VALUES (11, 'pg_catalog'), (2200, 'public');"
	"CREATE TABLE pg_catalog.pg_type(oid INTEGER PRIMARY KEY, typname TEXT, typnamespace INTEGER,"
	" typlen INTEGER, typbyval BOOLEAN, typtype TEXT, typcategory TEXT, typdelim TEXT,"
	" typrelid INTEGER, typelem INTEGER, typarray INTEGER, typbasetype INTEGER);"
	"INSERT INTO pg_catalog.pg_type VALUES"
	" (16, 'bool', 11, 1, 1, 'b', 'B', ',', 0, 0, 1000, 0),"
	" (17, 'bytea', 11, -1, 0, 'b', 'U', ',', 0, 0, 1001, 0),"
	" (19, 'name', 11, 64, 0, 'b', 'S', ',', 0, 18, 1003, 0),"
	" (20, 'int8', 11, 8, 1, 'b', 'N', ',', 0, 0, 1016, 0),"
	" (21, 'int2', 11, 2, 1, 'b', 'N', ',', 0, 0, 1005, 0),"
	" (23, 'int4', 11, 4, 1, 'b', 'N', ',', 0, 0, 1007, 0),"
	" (25, 'text', 11, -1, 0, 'b', 'S', ',', 0, 0, 1009, 0),"
	" (26, 'oid', 11, 4, 1, 'b', 'N', ',', 0, 0, 1028, 0),"
	" (700, 'float4', 11, 4, 1, 'b', 'N', ',', 0, 0, 1021, 0),"
	" (701, 'float8', 11, 8, 1, 'b', 'N', ',', 0, 0, 1022, 0),"
	" (1043, 'varchar', 11, -1, 0, 'b', 'S', ',', 0, 0, 1015, 0),"
	" (1700, 'numeric', 11, -1, 0, 'b', 'N', ',', 0, 0, 1231, 0);"
	"CREATE TABLE pg_catalog.pg_database(oid INTEGER PRIMARY KEY, datname TEXT, encoding INTEGER);"
	"INSERT INTO pg_catalog.pg_database VALUES (5, 'postgres', 6);";

/* ---- init and sessions ------------------------------------------------- */

static int
exec_simple(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	char	   *e = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
	{
		snprintf(errbuf, errlen, "%s: %s", sql, e ? e : "error");
		sqlite3_free(e);
		return -1;
	}
	return 0;
}

int
sqlb_init(const char *path, char *errbuf, size_t errlen)
{
	sqlite3    *db = NULL;
	int			rc;

	if (strcmp(path, ":memory:") == 0)
	{
		const char *tmp = getenv("TMPDIR");

		snprintf(db_path, sizeof(db_path), "%s/pgwire-serve-%ld.db",
				 tmp && *tmp ? tmp : "/tmp", (long) getpid());
		unlink(db_path);
		db_is_temp = 1;
	}
	else
		snprintf(db_path, sizeof(db_path), "%s", path);
	rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
						 SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK)
	{
		snprintf(errbuf, errlen, "cannot open %s: %s", db_path,
				 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return -1;
	}
	rc = exec_simple(db, "PRAGMA journal_mode=WAL", errbuf, errlen);
	sqlite3_close_v2(db);
	return rc;
}

void
sqlb_shutdown(void)
{
	char		p[4200];

	if (!db_is_temp)
		return;
	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

sqlb_session *
sqlb_session_open(int32_t process_id, int32_t secret_key, char *errbuf, size_t errlen)
{
	sqlb_session *s = calloc(1, sizeof(*s));

	if (!s)
	{
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
						NULL) != SQLITE_OK)
	{
		snprintf(errbuf, errlen, "cannot open %s: %s", db_path,
				 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close_v2(s->db);
		free(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* a temporary database needs no durability; a real file keeps WAL's
	 * default: every commit survives a crash of this process */
	exec_simple(s->db, db_is_temp ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=NORMAL",
				errbuf, errlen);
	add_functions(s);
	if (exec_simple(s->db, catalog_sql, errbuf, errlen) != 0)
	{
		sqlite3_close_v2(s->db);
		free(s);
		return NULL;
	}
	s->pid = process_id;
	s->key = secret_key;
	pthread_mutex_lock(&reg_lock);
	s->next_reg = registry;
	registry = s;
	pthread_mutex_unlock(&reg_lock);
	return s;
}

void
sqlb_session_close(sqlb_session *s)
{
	sqlb_session **p;
	setting    *e;

	if (!s)
		return;
	pthread_mutex_lock(&reg_lock);
	for (p = &registry; *p; p = &(*p)->next_reg)
		if (*p == s)
		{
			*p = s->next_reg;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	if (s->copy_st)
		sqlite3_finalize(s->copy_st);
	close_all_cursors(s);
	/* what a vanished client left uncommitted is rolled back, as in PG */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(s->db);
	while ((e = s->settings) != NULL)
	{
		s->settings = e->next;
		free(e->name);
		free(e->value);
		free(e);
	}
	free(s->copy_buf);
	free(s);
}

int
sqlb_cancel(int32_t process_id, int32_t secret_key)
{
	sqlb_session *s;
	int			found = 0;

	pthread_mutex_lock(&reg_lock);
	for (s = registry; s; s = s->next_reg)
		if (s->pid == process_id && s->key == secret_key)
		{
			s->cancel = 1;
			sqlite3_interrupt(s->db);
			found = 1;
		}
	pthread_mutex_unlock(&reg_lock);
	return found;
}

void
sqlb_terminate_all(void)
{
	sqlb_session *s;

	pthread_mutex_lock(&reg_lock);
	for (s = registry; s; s = s->next_reg)
	{
		s->terminate = 1;
		sqlite3_interrupt(s->db);
	}
	pthread_mutex_unlock(&reg_lock);
}

size_t
sqlb_session_output_kept(sqlb_session *s, size_t len)
{
	return s->term_out && s->term_out - 1 < len ? s->term_out - 1 : len;
}

/* ---- values: SQLite -> PostgreSQL --------------------------------------- */

/* The PostgreSQL type of a declared SQLite column type (NULL: unknown). */
static uint32_t
decl_type(const char *decl)
{
	char		u[64];
	size_t		i;

	if (!decl)
		return 0;
	for (i = 0; decl[i] && i + 1 < sizeof(u); i++)
		u[i] = (char) toupper((unsigned char) decl[i]);
	u[i] = '\0';
	if (strstr(u, "BOOL"))
		return BOOLOID;
	if (strstr(u, "INT"))
		return INT8OID;
	if (strstr(u, "NUMERIC") || strstr(u, "DECIMAL"))
		return NUMERICOID;
	if (strstr(u, "REAL") || strstr(u, "FLOA") || strstr(u, "DOUB"))
		return FLOAT8OID;
	if (strstr(u, "BLOB") || strstr(u, "BYTEA"))
		return BYTEAOID;
	return TEXTOID;
}

/* The type of column i: declared, else from the value in the current row. */
static uint32_t
column_type(sqlite3_stmt *st, int i, int have_row)
{
	uint32_t	t = decl_type(sqlite3_column_decltype(st, i));

	if (t || !have_row)
		return t ? t : TEXTOID;
	switch (sqlite3_column_type(st, i))
	{
		case SQLITE_INTEGER:
			return INT8OID;
		case SQLITE_FLOAT:
			return FLOAT8OID;
		case SQLITE_BLOB:
			return BYTEAOID;
		default:
			return TEXTOID;
	}
}

/* float8 output as PostgreSQL 15 writes it: the shortest exact form. */
static void
float_text(double d, char *buf, size_t len)
{
	int			prec;

	if (isnan(d))
	{
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(d))
	{
		snprintf(buf, len, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (prec = 1; prec <= 17; prec++)
	{
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
}

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
	{
		p[i] = (uint8_t) v;
		v >>= 8;
	}
}

/*
 * numeric's binary form (numeric_send): ndigits, weight, sign, dscale and
 * base-10000 digits, from a plain decimal string.  -1 if not a number.
 */
static int
numeric_binary(const char *s, uint8_t *out, size_t outlen, size_t *len)
{
	char		digits[512];
	int			nint = 0,
				nfrac = 0,
				neg = 0,
				ndig,
				weight,
				i,
				g,
				first,
				last,
				n = 0;
	int16_t		groups[160];
	const char *p = s;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcasecmp(p, "nan"))
	{
		if (outlen < 8)
			return -1;
		memset(out, 0, 8);
		put_be(out + 4, 0xC000, 2);
		*len = 8;
		return 0;
	}
	while (isdigit((unsigned char) *p) && n < 240)
		digits[n++] = *p++, nint++;
	if (*p == '.')
		for (p++; isdigit((unsigned char) *p) && n < 480; p++)
			digits[n++] = *p, nfrac++;
	if (*p || n == 0)
		return -1;
	/* pad to whole groups on both sides of the point */
	{
		char		padded[1024];
		int			lead = (4 - nint % 4) % 4,
					trail = (4 - nfrac % 4) % 4,
					m = 0;

		for (i = 0; i < lead; i++)
			padded[m++] = '0';
		memcpy(padded + m, digits, n);
		m += n;
		for (i = 0; i < trail; i++)
			padded[m++] = '0';
		ndig = m / 4;
		for (g = 0; g < ndig; g++)
			groups[g] = (int16_t) ((padded[g * 4] - '0') * 1000 + (padded[g * 4 + 1] - '0') * 100 +
								   (padded[g * 4 + 2] - '0') * 10 + (padded[g * 4 + 3] - '0'));
		weight = (nint + lead) / 4 - 1;
	}
	first = 0;
	while (first < ndig && groups[first] == 0)
		first++, weight--;
	last = ndig;
	while (last > first && groups[last - 1] == 0)
		last--;
	if (first == last)
		weight = 0, neg = 0;
	if (outlen < (size_t) (8 + 2 * (last - first)))
		return -1;
	put_be(out, (uint64_t) (last - first), 2);
	put_be(out + 2, (uint64_t) (uint16_t) weight, 2);
	put_be(out + 4, neg ? 0x4000 : 0, 2);
	put_be(out + 6, (uint64_t) nfrac, 2);
	for (g = first; g < last; g++)
		put_be(out + 8 + 2 * (g - first), (uint64_t) groups[g], 2);
	*len = 8 + 2 * (size_t) (last - first);
	return 0;
}

/*
 * SQLite keeps any value in any column, PostgreSQL only values of the
 * column's type: a value of another storage class is converted when that
 * loses nothing, else refused as PostgreSQL's input function would refuse
 * its text (code and message in *code and msg).
 */

/* The value's text with blanks around it removed, in buf. */
static const char *
value_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const char *t = (const char *) sqlite3_column_text(st, i);
	size_t		n;

	if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
	{
		float_text(sqlite3_column_double(st, i), buf, len);
		return buf;
	}
	while (t && isspace((unsigned char) *t))
		t++;
	snprintf(buf, len, "%s", t ? t : "");
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char) buf[n - 1]))
		buf[--n] = '\0';
	return buf;
}

/* An int8: an integer, an integral real, or integer text. */
static int
as_int8(sqlite3_stmt *st, int i, int64_t *out, const char **code, char *msg, size_t len)
{
	char		t[128];
	char	   *end;
	double		d;

	switch (sqlite3_column_type(st, i))
	{
		case SQLITE_INTEGER:
			*out = sqlite3_column_int64(st, i);
			return 0;
		case SQLITE_FLOAT:
			d = sqlite3_column_double(st, i);
			if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
			{
				*out = (int64_t) d;
				return 0;
			}
			if (isfinite(d) && d == floor(d))
			{
				*code = "22003";
				snprintf(msg, len, "bigint out of range");
				return -1;
			}
			break;
		default:
			value_text(st, i, t, sizeof(t));
			errno = 0;
			*out = strtoll(t, &end, 10);
			if (*t && !*end && errno == 0)
				return 0;
			if (*t && !*end)
			{
				*code = "22003";
				snprintf(msg, len, "value \"%s\" is out of range for type bigint", t);
				return -1;
			}
			break;
	}
	*code = "22P02";
	snprintf(msg, len, "invalid input syntax for type bigint: \"%s\"", value_text(st, i, t, sizeof(t)));
	return -1;
}

/* A float8: an integer (rounded, as PostgreSQL's cast), a real, or numeric text. */
static int
as_float8(sqlite3_stmt *st, int i, double *out, const char **code, char *msg, size_t len)
{
	char		t[128];
	char	   *end;

	if (sqlite3_column_type(st, i) != SQLITE_TEXT && sqlite3_column_type(st, i) != SQLITE_BLOB)
	{
		*out = sqlite3_column_double(st, i);
		return 0;
	}
	value_text(st, i, t, sizeof(t));
	errno = 0;
	*out = strtod(t, &end);
	if (*t && !*end && errno == 0 && strncasecmp(t, "0x", 2) != 0)
		return 0;
	if (*t && !*end && errno == ERANGE)
	{
		*code = "22003";
		snprintf(msg, len, "\"%s\" is out of range for type double precision", t);
	}
	else
	{
		*code = "22P02";
		snprintf(msg, len, "invalid input syntax for type double precision: \"%s\"", t);
	}
	return -1;
}

/*
 * A numeric: a number, or text in numeric's plain decimal form (sent as
 * it is in text format, so not trimmed).
 */
static int
numeric_ok(sqlite3_stmt *st, int i, const char **code, char *msg, size_t len)
{
	char		t[600];
	uint8_t		bin[1100];
	size_t		n;

	if (sqlite3_column_type(st, i) == SQLITE_INTEGER || sqlite3_column_type(st, i) == SQLITE_FLOAT)
		return 0;
	snprintf(t, sizeof(t), "%s", (const char *) sqlite3_column_text(st, i));
	if (numeric_binary(t, bin, sizeof(bin), &n) == 0)
		return 0;
	*code = "22P02";
	snprintf(msg, len, "invalid input syntax for type numeric: \"%.100s\"", t);
	return -1;
}

static const char *
storage_class(int stype)
{
	return stype == SQLITE_INTEGER ? "integer" : stype == SQLITE_FLOAT ? "real" :
		stype == SQLITE_BLOB ? "blob" : "text";
}

/*
 * Whether column i of the current row can be sent as its column's type;
 * if not, the ErrorResponse (naming the column) is sent and -1 returned.
 */
static int
value_fits(sqlb_session *s, pgwire_backend *b, sqlite3_stmt *st, int i, uint32_t type)
{
	const char *code = NULL;
	char		msg[256],
				detail[256];
	int64_t		iv;
	double		dv;
	int			rc = 0;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0;
	if (type == INT8OID)
		rc = as_int8(st, i, &iv, &code, msg, sizeof(msg));
	else if (type == FLOAT8OID)
		rc = as_float8(st, i, &dv, &code, msg, sizeof(msg));
	else if (type == NUMERICOID)
		rc = numeric_ok(st, i, &code, msg, sizeof(msg));
	if (rc == 0)
		return 0;
	snprintf(detail, sizeof(detail), "Column \"%s\" is of type %s; SQLite holds a %s value in this row.",
			 sqlite3_column_name(st, i) ? sqlite3_column_name(st, i) : "?column?",
			 type == INT8OID ? "bigint" : type == FLOAT8OID ? "double precision" : "numeric",
			 storage_class(sqlite3_column_type(st, i)));
	session_error(s, b, code, msg, detail);
	return -1;
}

/* An int8 or float8 value, converted as value_fits() allowed. */
static void
put_number(pgwire_backend *b, sqlite3_stmt *st, int i, uint32_t type, int16_t format)
{
	const char *code;
	char		msg[256],
				buf[64];
	uint8_t		bin[8];
	int64_t		iv = 0;
	double		d = 0;
	uint64_t	u;

	if (type == INT8OID)
	{
		as_int8(st, i, &iv, &code, msg, sizeof(msg));
		u = (uint64_t) iv;
		snprintf(buf, sizeof(buf), "%lld", (long long) iv);
	}
	else
	{
		as_float8(st, i, &d, &code, msg, sizeof(msg));
		memcpy(&u, &d, 8);
		float_text(d, buf, sizeof(buf));
	}
	if (format == 1)
	{
		put_be(bin, u, 8);
		pgwire_backend_row_value(b, bin, 8);
	}
	else
		pgwire_backend_row_value(b, buf, strlen(buf));
}

/*
 * Append column i of the current row in the given type and format
 * (value_fits() said it can be).
 */
static void
put_column(pgwire_backend *b, sqlite3_stmt *st, int i, uint32_t type, int16_t format)
{
	int			stype = sqlite3_column_type(st, i);
	char		buf[64];
	uint8_t		bin[1100];
	const unsigned char *t;
	int			n;

	if (stype == SQLITE_NULL)
	{
		pgwire_backend_row_value(b, NULL, 0);
		return;
	}
	if (type == BYTEAOID)
	{
		const uint8_t *p = sqlite3_column_blob(st, i);
		size_t		len = (size_t) sqlite3_column_bytes(st, i),
					k;
		char	   *hex;

		if (format == 1)
		{
			pgwire_backend_row_value(b, p ? p : (const uint8_t *) "", len);
			return;
		}
		hex = malloc(2 * len + 3);
		if (!hex)
			return;
		hex[0] = '\\';
		hex[1] = 'x';
		for (k = 0; k < len; k++)
			snprintf(hex + 2 + 2 * k, 3, "%02x", p[k]);
		pgwire_backend_row_value(b, hex, 2 * len + 2);
		free(hex);
		return;
	}
	if (type == BOOLOID)
	{
		int			v;

		if (stype == SQLITE_TEXT)
		{
			t = sqlite3_column_text(st, i);
			v = t && (t[0] == 't' || t[0] == 'T' || t[0] == '1' || t[0] == 'y' ||
					  t[0] == 'Y' || !strcasecmp((const char *) t, "on"));
		}
		else
			v = sqlite3_column_double(st, i) != 0;
		if (format == 1)
			pgwire_backend_row_value(b, v ? "\1" : "\0", 1);
		else
			pgwire_backend_row_value(b, v ? "t" : "f", 1);
		return;
	}
	if (type == INT8OID || type == FLOAT8OID)
	{
		put_number(b, st, i, type, format);
		return;
	}
	/* text of the value; numeric and text keep SQLite's own text */
	if (stype == SQLITE_INTEGER)
		n = snprintf(buf, sizeof(buf), "%lld", (long long) sqlite3_column_int64(st, i));
	else if (stype == SQLITE_FLOAT)
	{
		double		d = sqlite3_column_double(st, i);

		if (type == NUMERICOID && d == floor(d) && fabs(d) < 1e15)
			snprintf(buf, sizeof(buf), "%.0f", d);
		else if (type == NUMERICOID && fabs(d) < 1e15 && fabs(d) >= 1e-4)
		{
			char	   *e;
			char		sh[64];

			snprintf(buf, sizeof(buf), "%.15f", d);
			float_text(d, sh, sizeof(sh));
			/* the fixed form, trimmed to the digits the shortest form has */
			e = buf + strlen(buf) - 1;
			while (*e == '0')
				*e-- = '\0';
			if (*e == '.')
				*e = '\0';
			if (strchr(sh, 'e') == NULL)
				memcpy(buf, sh, sizeof(sh));
		}
		else
			float_text(d, buf, sizeof(buf));
		n = (int) strlen(buf);
	}
	else
		n = -1;
	if (n >= 0)
		t = (const unsigned char *) buf;
	else
	{
		t = sqlite3_column_text(st, i);
		n = sqlite3_column_bytes(st, i);
	}
	if (format == 1 && type == NUMERICOID)
	{
		size_t		len;
		char		tmp[600];

		snprintf(tmp, sizeof(tmp), "%.*s", n, (const char *) t);
		if (numeric_binary(tmp, bin, sizeof(bin), &len) == 0)
		{
			pgwire_backend_row_value(b, bin, len);
			return;
		}
	}
	pgwire_backend_row_value(b, t ? (const void *) t : "", (size_t) n);
}

/* ---- values: PostgreSQL -> SQLite (Bind) -------------------------------- */

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : (tolower(c) >= 'a' && tolower(c) <= 'f') ?
		tolower(c) - 'a' + 10 : -1;
}

/* Bind a text-format value according to its declared type. */
static int
bind_text(sqlite3_stmt *st, int idx, uint32_t type, const char *v, size_t len)
{
	char		tmp[64];
	char	   *end;

	if (len < sizeof(tmp) && (type == INT8OID || type == INT4OID || type == INT2OID ||
							  type == OIDOID || type == FLOAT4OID || type == FLOAT8OID ||
							  type == NUMERICOID || type == BOOLOID))
	{
		memcpy(tmp, v, len);
		tmp[len] = '\0';
		if (type == BOOLOID)
			return sqlite3_bind_int64(st, idx, strchr("tTyY1", tmp[0]) != NULL ||
									  !strcasecmp(tmp, "on"));
		errno = 0;
		{
			long long	i = strtoll(tmp, &end, 10);

			if (*tmp && !*end && errno == 0)
				return sqlite3_bind_int64(st, idx, i);
		}
		{
			double		d = strtod(tmp, &end);

			if (*tmp && !*end)
				return sqlite3_bind_double(st, idx, d);
		}
	}
	if (type == BYTEAOID && len >= 2 && v[0] == '\\' && v[1] == 'x')
	{
		size_t		n = (len - 2) / 2,
					k;
		uint8_t    *p = malloc(n + 1);
		int			rc;

		if (!p)
			return SQLITE_NOMEM;
		for (k = 0; k < n; k++)
			p[k] = (uint8_t) (hexval((unsigned char) v[2 + 2 * k]) * 16 +
							  hexval((unsigned char) v[3 + 2 * k]));
		rc = sqlite3_bind_blob(st, idx, p, (int) n, SQLITE_TRANSIENT);
		free(p);
		return rc;
	}
	if (type == BYTEAOID)
		return sqlite3_bind_blob(st, idx, v, (int) len, SQLITE_TRANSIENT);
	return sqlite3_bind_text(st, idx, v, (int) len, SQLITE_TRANSIENT);
}

/* numeric_recv, to text. */
static int
numeric_from_binary(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	int			ndig,
				weight,
				sign,
				dscale,
				i,
				o = 0;

	if (len < 8)
		return -1;
	ndig = (int) get_be(p, 2);
	weight = (int16_t) get_be(p + 2, 2);
	sign = (int) get_be(p + 4, 2);
	dscale = (int) get_be(p + 6, 2);
	if (len != 8 + 2 * (size_t) ndig || outlen < 64 + 4 * (size_t) (ndig + abs(weight)) + dscale)
		return -1;
	if (sign == 0xC000)
		return snprintf(out, outlen, "NaN"), 0;
	if (sign == 0x4000)
		out[o++] = '-';
	if (weight < 0)
		out[o++] = '0';
	for (i = 0; i <= weight; i++)
		o += sprintf(out + o, i == 0 ? "%d" : "%04d",
					 i < ndig ? (int) get_be(p + 8 + 2 * i, 2) : 0);
	if (dscale > 0)
	{
		int			k = 0;

		out[o++] = '.';
		for (i = weight + 1; k < dscale; i++)
		{
			char		g[8];
			int			d = (i >= 0 && i < ndig) ? (int) get_be(p + 8 + 2 * i, 2) : 0,
						j;

			snprintf(g, sizeof(g), "%04d", d);
			for (j = 0; j < 4 && k < dscale; j++, k++)
				out[o++] = g[j];
		}
	}
	out[o] = '\0';
	return 0;
}

/*
 * Date, timestamp[tz] and uuid arrive in binary as numbers and bytes
 * (date_recv, timestamp_recv, uuid_recv); SQLite keeps the text
 * PostgreSQL would show for them (DateStyle ISO, TimeZone UTC).
 */

/* Days since 2000-01-01 as year, month, day (proleptic Gregorian). */
static void
civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t		z = days + 10957 + 719468;	/* from 0000-03-01 */
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD", with " BC" appended by the caller for year <= 0. */
static int
date_text(int64_t days, char *out, size_t len, int *bc)
{
	int64_t		y;
	int			m,
				d;

	civil_from_days(days, &y, &m, &d);
	*bc = y <= 0;
	return snprintf(out, len, "%04lld-%02d-%02d", (long long) (y <= 0 ? 1 - y : y), m, d);
}

static void
date_recv_text(int32_t days, char *out, size_t len)
{
	int			bc;

	if (days == INT32_MIN || days == INT32_MAX)
	{
		snprintf(out, len, days == INT32_MIN ? "-infinity" : "infinity");
		return;
	}
	date_text(days, out, len, &bc);
	if (bc)
		strncat(out, " BC", len - strlen(out) - 1);
}

/* Microseconds since 2000-01-01 00:00 as PostgreSQL's text; tz: "+00". */
static void
timestamp_recv_text(int64_t us, int tz, char *out, size_t len)
{
	int64_t		days = us / 86400000000LL,
				rest = us % 86400000000LL;
	int			bc,
				n;

	if (us == INT64_MIN || us == INT64_MAX)
	{
		snprintf(out, len, us == INT64_MIN ? "-infinity" : "infinity");
		return;
	}
	if (rest < 0)
	{
		rest += 86400000000LL;
		days--;
	}
	n = date_text(days, out, len, &bc);
	n += snprintf(out + n, len - (size_t) n, " %02d:%02d:%02d", (int) (rest / 3600000000LL),
				  (int) (rest / 60000000 % 60), (int) (rest / 1000000 % 60));
	if (rest % 1000000)
	{
		char		frac[8];
		int			k = 6;

		snprintf(frac, sizeof(frac), "%06d", (int) (rest % 1000000));
		while (frac[k - 1] == '0')
			k--;
		n += snprintf(out + n, len - (size_t) n, ".%.*s", k, frac);
	}
	snprintf(out + n, len - (size_t) n, "%s%s", tz ? "+00" : "", bc ? " BC" : "");
}

static void
uuid_recv_text(const uint8_t *v, char *out)
{
	int			i,
				o = 0;

	for (i = 0; i < 16; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += sprintf(out + o, "%02x", v[i]);
	}
}

/* Bind a binary-format value; -1 for a type we cannot read. */
static int
bind_binary(sqlite3_stmt *st, int idx, uint32_t type, const uint8_t *v, size_t len)
{
	char		num[1200];

	switch (type)
	{
		case BOOLOID:
			return len == 1 ? sqlite3_bind_int64(st, idx, v[0] != 0) : -1;
		case INT2OID:
			return len == 2 ? sqlite3_bind_int64(st, idx, (int16_t) get_be(v, 2)) : -1;
		case INT4OID:
			return len == 4 ? sqlite3_bind_int64(st, idx, (int32_t) get_be(v, 4)) : -1;
		case OIDOID:
			return len == 4 ? sqlite3_bind_int64(st, idx, (uint32_t) get_be(v, 4)) : -1;
		case INT8OID:
			return len == 8 ? sqlite3_bind_int64(st, idx, (int64_t) get_be(v, 8)) : -1;
		case FLOAT4OID:
			if (len == 4)
			{
				uint32_t	u = (uint32_t) get_be(v, 4);
				float		f;

				memcpy(&f, &u, 4);
				return sqlite3_bind_double(st, idx, f);
			}
			return -1;
		case FLOAT8OID:
			if (len == 8)
			{
				uint64_t	u = get_be(v, 8);
				double		d;

				memcpy(&d, &u, 8);
				return sqlite3_bind_double(st, idx, d);
			}
			return -1;
		case BYTEAOID:
			return sqlite3_bind_blob(st, idx, len ? (const void *) v : "", (int) len,
									 SQLITE_TRANSIENT);
		case TEXTOID:
		case VARCHAROID:
		case 19:				/* name */
		case 1042:				/* bpchar */
			return sqlite3_bind_text(st, idx, (const char *) v, (int) len, SQLITE_TRANSIENT);
		case NUMERICOID:
			if (numeric_from_binary(v, len, num, sizeof(num)) != 0)
				return -1;
			return bind_text(st, idx, NUMERICOID, num, strlen(num));
		case DATEOID:
			if (len != 4)
				return -1;
			date_recv_text((int32_t) get_be(v, 4), num, sizeof(num));
			return sqlite3_bind_text(st, idx, num, -1, SQLITE_TRANSIENT);
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			if (len != 8)
				return -1;
			timestamp_recv_text((int64_t) get_be(v, 8), type == TIMESTAMPTZOID, num, sizeof(num));
			return sqlite3_bind_text(st, idx, num, -1, SQLITE_TRANSIENT);
		case UUIDOID:
			if (len != 16)
				return -1;
			uuid_recv_text(v, num);
			return sqlite3_bind_text(st, idx, num, 36, SQLITE_TRANSIENT);
		default:
			return -1;
	}
}

/* ---- statements ------------------------------------------------------- */

static void
stmt_unref(sq_stmt *st)
{
	if (!st || --st->refs > 0)
		return;
	if (st->st)
		sqlite3_finalize(st->st);
	free(st->sql);
	free(st->types);
	free(st);
}

/* The query of DECLARE ... FOR query, or NULL. */
static const char *
declare_query(const char *sql)
{
	char		w[32];
	const char *p = sql;

	do
		p = next_word(p, w, sizeof(w));
	while (*w && strcmp(w, "FOR") != 0);
	return *w ? skip_space(p) : NULL;
}

/* How many parameters DECLARE's query takes (0 if it does not compile). */
static int
declare_nparams(sqlb_session *s, const char *sql)
{
	const char *q = declare_query(sql);
	sqlite3_stmt *st = NULL;
	int			n = 0;

	if (q && sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK && st)
		n = sqlite3_bind_parameter_count(st);
	sqlite3_finalize(st);
	return n;
}

/*
 * Prepare one statement of text (rewritten already); *tail is set after
 * it.  K_SQL statements are compiled by SQLite; the others are ours.
 */
static sq_stmt *
stmt_make(sqlb_session *s, pgwire_backend *b, const char *text, const char **tail)
{
	sq_stmt    *st = calloc(1, sizeof(*st));
	const char *end;

	if (!st)
	{
		pgwire_backend_error(b, "53200", "out of memory", NULL, NULL);
		return NULL;
	}
	st->refs = 1;
	st->kind = classify(text, st->tag, sizeof(st->tag));
	if (st->kind == K_SQL)
	{
		const char *sql = text;
		char	   *conv = NULL;
		int			rc;
		char		w[16];

		/* TRUNCATE t is DELETE FROM t for SQLite */
		if (!strcmp(st->tag, "TRUNCATE TABLE"))
		{
			const char *p = next_word(text, w, sizeof(w));

			p = skip_space(p);
			if (!strncasecmp(p, "TABLE", 5))
				p += 5;
			conv = malloc(strlen(p) + 16);
			if (conv)
				sprintf(conv, "DELETE FROM %s", p);
			sql = conv ? conv : text;
		}
		rc = sqlite3_prepare_v2(s->db, sql, -1, &st->st, tail);
		if (conv)
		{
			/* the tail must point into text: TRUNCATE ends at ';' */
			*tail = statement_end(text);
			free(conv);
		}
		if (rc != SQLITE_OK)
		{
			sqlite_error(s, b, rc);
			free(st);
			return NULL;
		}
		if (!st->st)
			st->kind = K_EMPTY;
		else
			st->nparams = sqlite3_bind_parameter_count(st->st);
		st->sql = strndup(text, (size_t) (*tail - text));
	}
	else
	{
		end = statement_end(text);
		st->sql = strndup(text, (size_t) (end - text));
		*tail = end;
		if (st->kind == K_DECLARE && st->sql)
			st->nparams = declare_nparams(s, st->sql);
	}
	return st;
}

static sq_portal *
portal_make(sqlb_session *s, pgwire_backend *b, sq_stmt *st)
{
	sq_portal  *p = calloc(1, sizeof(*p));
	int			rc;

	if (!p)
		return NULL;
	p->stmt = st;
	st->refs++;
	if (st->kind == K_SQL)
	{
		if (!st->st_busy)
		{
			p->st = st->st;
			st->st_busy = 1;
		}
		else
		{
			const char *tail;

			rc = sqlite3_prepare_v2(s->db, st->sql, -1, &p->st, &tail);
			if (rc != SQLITE_OK)
			{
				sqlite_error(s, b, rc);
				stmt_unref(st);
				free(p);
				return NULL;
			}
			p->own_st = 1;
		}
		p->ncols = sqlite3_column_count(p->st);
	}
	else if (st->kind == K_SHOW)
		p->ncols = 1;
	return p;
}

static void
portal_free(sq_portal *p)
{
	if (!p)
		return;
	if (p->st)
	{
		sqlite3_reset(p->st);
		sqlite3_clear_bindings(p->st);
		if (p->own_st)
			sqlite3_finalize(p->st);
		else
			p->stmt->st_busy = 0;
	}
	for (int i = 0; i < p->nvalues; i++)
		free((void *) p->values[i].ptr);
	free(p->values);
	free(p->value_formats);
	free(p->types);
	free(p->formats);
	stmt_unref(p->stmt);
	free(p);
}

/* Step once; SQLITE_ROW, SQLITE_DONE or an error already reported. */
static int
portal_step(sqlb_session *s, pgwire_backend *b, sq_portal *p)
{
	int			rc = sqlite3_step(p->st);

	p->started = 1;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
	{
		if (rc == SQLITE_DONE)
			p->done = 1;
		return rc;
	}
	sqlite_error(s, b, rc);
	sqlite3_reset(p->st);
	p->done = 1;
	return rc;
}

/* Fix the column types and formats, stepping to the first row if needed. */
static int
portal_describe(sqlb_session *s, pgwire_backend *b, sq_portal *p,
				const int16_t *rformats, uint32_t nrformats)
{
	int			i;

	if (p->types || p->ncols == 0)
		return 0;
	p->types = calloc((size_t) p->ncols, sizeof(uint32_t));
	p->formats = calloc((size_t) p->ncols, sizeof(int16_t));
	if (!p->types || !p->formats)
		return -1;
	for (i = 0; i < p->ncols; i++)
		p->formats[i] = nrformats == 0 ? 0 : rformats[nrformats == 1 ? 0 : (uint32_t) i < nrformats ? i : 0];
	if (p->stmt->kind == K_SHOW)
	{
		p->types[0] = TEXTOID;
		return 0;
	}
	if (!p->started)
	{
		int			rc = portal_step(s, b, p);

		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
		p->have_row = rc == SQLITE_ROW;
	}
	for (i = 0; i < p->ncols; i++)
		p->types[i] = column_type(p->st, i, p->have_row);
	return 0;
}

/*
 * The column name PostgreSQL would give: SQLite names an expression
 * column by its text; PostgreSQL by the function called ("count"), else
 * "?column?".
 */
static const char *
pg_column_name(const char *name, char *buf)
{
	size_t		n = 0;

	if (!name)
		return "?column?";
	while (isalnum((unsigned char) name[n]) || name[n] == '_')
		n++;
	if (name[n] == '\0' && n > 0 && !isdigit((unsigned char) name[0]))
		return name;
	if (name[n] == '(' && n > 0 && n < 64 && !isdigit((unsigned char) name[0]))
	{
		memcpy(buf, name, n);
		buf[n] = '\0';
		for (n = 0; buf[n]; n++)
			buf[n] = (char) tolower((unsigned char) buf[n]);
		return buf;
	}
	/* a quoted or qualified column keeps its name */
	if (strchr(name, ' ') == NULL && strchr(name, '(') == NULL && !isdigit((unsigned char) name[0]) &&
		name[0] != '\'' && name[0] != '-')
		return name;
	return "?column?";
}

static void
send_row_description(pgwire_backend *b, sq_portal *p, const char *show_name)
{
	pgwire_column cols[64] = {{{0}}};
	char		names[64][64];
	pgwire_column *c = p->ncols <= 64 ? cols : calloc((size_t) p->ncols, sizeof(*c));
	int			i;

	if (!c)
		return;
	for (i = 0; i < p->ncols; i++)
	{
		const char *name = show_name ? show_name : pg_column_name(sqlite3_column_name(p->st, i),
																  names[i % 64]);
		uint32_t	t = p->types ? p->types[i] : TEXTOID;

		memset(&c[i], 0, sizeof(c[i]));
		c[i].name.ptr = (const uint8_t *) (name ? name : "?column?");
		c[i].name.len = strlen((const char *) c[i].name.ptr);
		c[i].type_oid = t;
		c[i].type_size = (int16_t) (t == BOOLOID ? 1 : (t == INT8OID || t == FLOAT8OID) ? 8 : -1);
		c[i].type_modifier = -1;
		c[i].format = p->formats ? p->formats[i] : 0;
	}
	pgwire_backend_row_description(b, (size_t) p->ncols, c);
	if (c != cols)
		free(c);
}

/*
 * The table a CREATE [TEMP] TABLE name AS ... makes, as the SQL token(s)
 * that name it ("t", "main.t", "\"My T\""); 0 for any other statement
 * (and for IF NOT EXISTS or a column list, left as CREATE TABLE).
 */
static int
ctas_table(const char *sql, char *out, size_t len)
{
	char		w[32];
	const char *p = next_word(sql, w, sizeof(w)),
			   *name;

	if (strcmp(w, "CREATE"))
		return 0;
	p = next_word(p, w, sizeof(w));
	if (!strcmp(w, "TEMP") || !strcmp(w, "TEMPORARY"))
		p = next_word(p, w, sizeof(w));
	if (strcmp(w, "TABLE"))
		return 0;
	name = skip_space(p);
	next_word(name, w, sizeof(w));
	/* IF NOT EXISTS may create nothing: then the count would be another's */
	if (!strcmp(w, "IF"))
		return 0;
	/* the name: identifiers, quoted or not, joined by '.' */
	for (p = name; *p && (*p == '"' || *p == '.' || isalnum((unsigned char) *p) || *p == '_');)
	{
		if (*p++ != '"')
			continue;
		while (*p && !(*p == '"' && p[1] != '"'))
			p += *p == '"' ? 2 : 1;
		if (*p)
			p++;
	}
	if (p == name || (size_t) (p - name) >= len)
		return 0;
	snprintf(out, len, "%.*s", (int) (p - name), name);
	p = skip_space(p);
	if (*p == '(')
		return 0;				/* a column list: not worth parsing here */
	next_word(p, w, sizeof(w));
	return strcmp(w, "AS") == 0;
}

/* Rows of table, or -1. */
static int64_t
count_rows(sqlb_session *s, const char *table)
{
	char		sql[200];
	sqlite3_stmt *st;
	int64_t		n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* CommandComplete for a finished SQL statement. */
static void
complete_sql(sqlb_session *s, pgwire_backend *b, sq_portal *p)
{
	char		tag[128],
				table[128];
	const char *t = p->stmt->tag;
	int64_t		n = p->ncols > 0 ? p->rows : sqlite3_changes(s->db);

	/* PostgreSQL tags CREATE TABLE ... AS with the rows it wrote */
	if (!strcmp(t, "CREATE TABLE") && ctas_table(p->stmt->sql, table, sizeof(table)) &&
		(n = count_rows(s, table)) >= 0)
		t = "SELECT";
	if (!strcmp(t, "INSERT"))
		snprintf(tag, sizeof(tag), "INSERT 0 %lld", (long long) n);
	else if (!strcmp(t, "UPDATE") || !strcmp(t, "DELETE") || !strcmp(t, "SELECT"))
		snprintf(tag, sizeof(tag), "%s %lld", t, (long long) n);
	else if (p->ncols > 0 && (!strcmp(t, "PRAGMA") || !strcmp(t, "EXPLAIN")))
		snprintf(tag, sizeof(tag), "SELECT %lld", (long long) n);
	else
		snprintf(tag, sizeof(tag), "%s", t);
	pgwire_backend_command_complete(b, tag);
}

/* ---- our own commands: SET, SHOW, BEGIN, COMMIT, ROLLBACK ---------------- */

static int
run_begin_end(sqlb_session *s, pgwire_backend *b, sq_stmt *st)
{
	int			in_txn = !sqlite3_get_autocommit(s->db) && !s->ext_txn;
	int			open = !sqlite3_get_autocommit(s->db);
	const char *sql = NULL;
	const char *tag = st->tag;
	int			rc;

	switch (st->kind)
	{
		case K_BEGIN:
			if (in_txn)
				pgwire_backend_notice(b, "there is already a transaction in progress");
			else if (s->ext_txn)
				s->ext_txn = 0; /* the implicit one becomes this one, as in PG */
			else
			{
				/*
				 * Deferred: a transaction takes the write lock at its
				 * first write, so readers never wait for each other (WAL).
				 * One that read first and then loses the race to write
				 * gets 40001, as under PostgreSQL's SERIALIZABLE.
				 */
				sql = "BEGIN";
			}
			break;
		case K_COMMIT:
			/* an implicit transaction is ended too, with the warning */
			if (!in_txn)
				pgwire_backend_notice(b, "there is no transaction in progress");
			if (open && s->aborted)
			{
				sql = "ROLLBACK";
				tag = "ROLLBACK";
			}
			else if (open)
				sql = "COMMIT";
			break;
		default:
			if (!in_txn)
				pgwire_backend_notice(b, "there is no transaction in progress");
			if (open)
				sql = "ROLLBACK";
			break;
	}
	if (sql)
	{
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
		{
			sqlite_error(s, b, rc);
			return -1;
		}
	}
	if (st->kind != K_BEGIN)
	{
		s->aborted = 0;
		s->ext_txn = 0;
		close_all_cursors(s);
	}
	pgwire_backend_command_complete(b, tag);
	return 0;
}

/*
 * A setting's name as PostgreSQL spells it (TimeZone, DateStyle, ...),
 * found case-insensitively; an unknown one lower-cased, as an unquoted
 * identifier is.
 */
static void
canonical_name(const char *name, char *out, size_t len)
{
	const char *const *lists[] = {sqlb_parameters, extra_settings};
	size_t		i;

	for (i = 0; i < 2; i++)
		for (const char *const *l = lists[i]; l[0]; l += 2)
			if (strcasecmp(l[0], name) == 0)
			{
				snprintf(out, len, "%s", l[0]);
				return;
			}
	for (i = 0; name[i] && i + 1 < len; i++)
		out[i] = (char) tolower((unsigned char) name[i]);
	out[i] = '\0';
}

/*
 * The value of SET: items separated by commas, each a string literal
 * ('it''s'), a quoted identifier or a bare word or number, joined by
 * ", " as PostgreSQL flattens them.  1 for a lone DEFAULT, 0 for a
 * value, -1 if malformed.
 */
static int
set_value(const char *p, char *out, size_t len)
{
	size_t		n = 0;

	for (;;)
	{
		p = skip_space(p);
		if (*p == '\'' || *p == '"')
		{
			char		q = *p++;

			if (q == '"' && n + 1 < len)
				out[n++] = q;
			for (; *p && !(*p == q && p[1] != q); p++)
			{
				if (*p == q)
					p++;		/* a doubled quote */
				if (n + 1 < len)
					out[n++] = *p;
			}
			if (!*p)
				return -1;
			p++;
			if (q == '"' && n + 1 < len)
				out[n++] = q;
		}
		else
		{
			const char *w = p;

			while (*p && !isspace((unsigned char) *p) && *p != ',' && *p != ';')
				if (n + 1 < len)
					out[n++] = *p++;
				else
					p++;
			if (p == w)
				return -1;
			if (p - w == 7 && !strncasecmp(w, "DEFAULT", 7) && n == 7 && !*skip_space(p))
				return 1;
		}
		p = skip_space(p);
		if (*p != ',')
			break;
		p++;
		if (n + 2 < len)
		{
			out[n++] = ',';
			out[n++] = ' ';
		}
	}
	out[n] = '\0';
	return *p == '\0' || *p == ';' ? 0 : -1;
}

/* SET [SESSION|LOCAL] name {TO|=} value | SET TIME ZONE value */
static int
run_set(sqlb_session *s, pgwire_backend *b, const char *sql)
{
	char		name[128],
				canon[128],
				w[32],
				value[512];
	const char *p = next_word(sql, w, sizeof(w));
	const char *v;
	size_t		n = 0;
	int			rc,
				changed;
	setting    *e;

	p = skip_space(p);
	if (!strncasecmp(p, "SESSION ", 8) && strncasecmp(p, "SESSION CHARACTERISTICS", 23))
		p = skip_space(p + 8);
	else if (!strncasecmp(p, "LOCAL ", 6))
		p = skip_space(p + 6);
	if (!strncasecmp(p, "TIME ZONE", 9))
	{
		snprintf(name, sizeof(name), "TimeZone");
		p = skip_space(p + 9);
	}
	else
	{
		while (*p && (isalnum((unsigned char) *p) || *p == '_' || *p == '.') && n + 1 < sizeof(name))
			name[n++] = *p++;
		name[n] = '\0';
		p = skip_space(p);
		if (*p == '=')
			p = skip_space(p + 1);
		else if (!strncasecmp(p, "TO", 2))
			p = skip_space(p + 2);
		else if (!strcasecmp(name, "TRANSACTION") || !strcasecmp(name, "SESSION"))
		{
			pgwire_backend_command_complete(b, "SET");
			return 0;
		}
	}
	rc = *name ? set_value(p, value, sizeof(value)) : -1;
	if (rc < 0)
	{
		session_error(s, b, "42601", "syntax error at or near \"SET\"", NULL);
		return -1;
	}
	canonical_name(name, canon, sizeof(canon));
	if (rc == 1)
	{
		/* DEFAULT: the server's value */
		v = lookup_in(sqlb_parameters, canon) ? lookup_in(sqlb_parameters, canon) :
			lookup_in(extra_settings, canon);
		snprintf(value, sizeof(value), "%s", v ? v : "");
	}
	v = get_setting(s, canon);
	changed = !v || strcmp(v, value) != 0;
	e = put_setting(s, canon, value);
	/* reported under their own spelling, when changed, as the server does */
	if (e && changed && (lookup_in(sqlb_parameters, canon) || !strcmp(canon, "application_name")) &&
		strcmp(canon, "server_version") && strcmp(canon, "server_encoding"))
		e->report = 1;
	s->b = b;
	pgwire_backend_command_complete(b, "SET");
	return 0;
}

static const char *
show_name(const char *sql, char *name, size_t len)
{
	char		w[16],
				canon[128];
	const char *p = skip_space(next_word(sql, w, sizeof(w)));
	size_t		n = 0;

	while (*p && (isalnum((unsigned char) *p) || *p == '_' || *p == '.') && n + 1 < len)
		name[n++] = (char) tolower((unsigned char) *p++);
	name[n] = '\0';
	/* the SQL-standard spellings of three settings */
	if (!strcmp(name, "time"))
		snprintf(name, len, "timezone");
	else if (!strcmp(name, "transaction") && !strncasecmp(skip_space(p), "ISOLATION", 9))
		snprintf(name, len, "transaction_isolation");
	else if (!strcmp(name, "session") && !strncasecmp(skip_space(p), "AUTHORIZATION", 13))
		snprintf(name, len, "session_authorization");
	/* the column is named as the setting is spelled (TimeZone) */
	canonical_name(name, canon, sizeof(canon));
	snprintf(name, len, "%s", canon);
	return name;
}

static int
run_show(sqlb_session *s, pgwire_backend *b, sq_portal *p, int describe)
{
	char		name[128];
	const char *v;
	char		msg[200];

	show_name(p->stmt->sql, name, sizeof(name));
	v = get_setting(s, name);
	if (!v)
	{
		snprintf(msg, sizeof(msg), "unrecognized configuration parameter \"%s\"", name);
		session_error(s, b, "42704", msg, NULL);
		return -1;
	}
	if (describe)
		send_row_description(b, p, name);
	pgwire_backend_row_begin(b, 1);
	pgwire_backend_row_value(b, v, strlen(v));
	pgwire_backend_row_end(b);
	pgwire_backend_command_complete(b, "SHOW");
	return 0;
}

/* ---- COPY -------------------------------------------------------------- */

static int copy_out(sqlb_session *s, pgwire_backend *b, const char *table,
					const char *query, int csv);

/*
 * COPY table [(cols)] FROM STDIN | TO STDOUT [WITH] [(FORMAT csv)|CSV];
 * COPY (query) TO STDOUT.  Text and CSV formats, default options.
 */
static int
run_copy(sqlb_session *s, pgwire_backend *b, const char *sql)
{
	char		w[32],
				target[1024] = "",
				cols[1024] = "",
				dir[16],
				where[16];
	const char *p = skip_space(next_word(sql, w, sizeof(w)));
	const char *q;
	int			csv;
	char	   *ins;
	int			ncols = 0,
				rc,
				i;
	size_t		o;

	if (*p == '(')
	{
		int			depth = 0;

		q = p;
		do
		{
			depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
			q++;
		} while (*q && depth > 0);
		snprintf(target, sizeof(target), "%.*s", (int) (q - p - 2), p + 1);
		p = q;
	}
	else
	{
		q = p;
		while (*q && !isspace((unsigned char) *q) && *q != '(')
			q++;
		snprintf(target, sizeof(target), "%.*s", (int) (q - p), p);
		p = skip_space(q);
		if (*p == '(')
		{
			q = strchr(p, ')');
			if (!q)
				goto syntax;
			snprintf(cols, sizeof(cols), "%.*s", (int) (q - p - 1), p + 1);
			p = q + 1;
		}
	}
	p = next_word(p, dir, sizeof(dir));
	p = next_word(p, where, sizeof(where));
	for (q = p, csv = 0; *q && !csv; q++)
		csv = strncasecmp(q, "csv", 3) == 0;
	if (!strcmp(dir, "TO") && !strcmp(where, "STDOUT"))
		return sql[strlen(w) + (size_t) (skip_space(sql + strlen(w)) - (sql + strlen(w)))] == '(' ?
			copy_out(s, b, NULL, target, csv) : copy_out(s, b, target, NULL, csv);
	if (strcmp(dir, "FROM") || strcmp(where, "STDIN"))
	{
		session_error(s, b, "0A000", "COPY to or from a file is not supported",
					  "Use COPY FROM STDIN or COPY TO STDOUT (psql's \\copy).");
		return -1;
	}
	/* the number of columns: listed, or the table's */
	if (*cols)
	{
		ncols = 1;
		for (q = cols; *q; q++)
			ncols += *q == ',';
	}
	else
	{
		sqlite3_stmt *t;
		char		probe[1100];

		snprintf(probe, sizeof(probe), "SELECT * FROM %s", target);
		rc = sqlite3_prepare_v2(s->db, probe, -1, &t, NULL);
		if (rc != SQLITE_OK)
		{
			sqlite_error(s, b, rc);
			return -1;
		}
		ncols = sqlite3_column_count(t);
		sqlite3_finalize(t);
	}
	ins = malloc(strlen(target) + strlen(cols) + 32 + 2 * (size_t) ncols);
	if (!ins)
		return -1;
	o = (size_t) sprintf(ins, "INSERT INTO %s%s%s%s VALUES (", target, *cols ? "(" : "",
						 cols, *cols ? ")" : "");
	for (i = 0; i < ncols; i++)
		o += (size_t) sprintf(ins + o, i ? ",?" : "?");
	strcpy(ins + o, ")");
	rc = sqlite3_prepare_v2(s->db, ins, -1, &s->copy_st, NULL);
	free(ins);
	if (rc != SQLITE_OK)
	{
		sqlite_error(s, b, rc);
		return -1;
	}
	/* all rows or none, as PostgreSQL's COPY */
	sqlite3_exec(s->db, "SAVEPOINT pgwire_copy", NULL, NULL, NULL);
	s->copy_ncols = ncols;
	s->copy_csv = csv;
	s->copy_rows = 0;
	s->copy_len = 0;
	pgwire_backend_copy_in(b, (size_t) ncols);
	return 0;
syntax:
	session_error(s, b, "42601", "syntax error in COPY", NULL);
	return -1;
}

/* Decode a text-format COPY field in place (backslash escapes). */
static size_t
copy_unescape(char *f, size_t len)
{
	size_t		i,
				o = 0;

	for (i = 0; i < len; i++)
	{
		if (f[i] == '\\' && i + 1 < len)
		{
			char		c = f[++i];

			f[o++] = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' :
				c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'v' ? '\v' : c;
		}
		else
			f[o++] = f[i];
	}
	return o;
}

/* One line of COPY input into the INSERT; 0 or -1 (error sent). */
static int
copy_line(sqlb_session *s, pgwire_backend *b, char *line, size_t len)
{
	int			col = 0,
				rc;
	size_t		i = 0;

	if (len == 2 && line[0] == '\\' && line[1] == '.')
		return 0;
	sqlite3_reset(s->copy_st);
	sqlite3_clear_bindings(s->copy_st);
	while (i <= len)
	{
		size_t		start = i,
					flen;
		char		buf_q[1];
		int			quoted = 0;

		(void) buf_q;
		if (s->copy_csv && i < len && line[i] == '"')
		{
			size_t		o = i;

			quoted = 1;
			i++;
			start = o;
			while (i < len)
			{
				if (line[i] == '"' && i + 1 < len && line[i + 1] == '"')
				{
					line[o++] = '"';
					i += 2;
				}
				else if (line[i] == '"')
				{
					i++;
					break;
				}
				else
					line[o++] = line[i++];
			}
			flen = o - start;
		}
		else
		{
			while (i < len && line[i] != (s->copy_csv ? ',' : '\t'))
				i++;
			flen = i - start;
		}
		if (col >= s->copy_ncols)
		{
			session_error(s, b, "22P04", "extra data after last expected column", NULL);
			return -1;
		}
		col++;
		if ((!s->copy_csv && flen == 2 && line[start] == '\\' && line[start + 1] == 'N') ||
			(s->copy_csv && !quoted && flen == 0))
			sqlite3_bind_null(s->copy_st, col);
		else
		{
			if (!s->copy_csv)
				flen = copy_unescape(line + start, flen);
			bind_text(s->copy_st, col, 0, line + start, flen);
		}
		i++;					/* the delimiter */
	}
	if (col < s->copy_ncols)
	{
		session_error(s, b, "22P04", "missing data for column", NULL);
		return -1;
	}
	rc = sqlite3_step(s->copy_st);
	if (rc != SQLITE_DONE)
	{
		sqlite_error(s, b, rc);
		return -1;
	}
	s->copy_rows++;
	return 0;
}

static void copy_finish(sqlb_session *s, int ok);

static int
app_copy_data(void *arg, pgwire_backend *b, const uint8_t *data, size_t len)
{
	sqlb_session *s = arg;
	char	   *nb = realloc(s->copy_buf, s->copy_len + len + 1);
	size_t		start = 0,
				i;

	if (!nb)
		return -1;
	s->copy_buf = nb;
	memcpy(nb + s->copy_len, data, len);
	s->copy_len += len;
	for (i = 0; i < s->copy_len; i++)
	{
		if (nb[i] != '\n')
			continue;
		if (copy_line(s, b, nb + start, i - start - (i > start && nb[i - 1] == '\r')) != 0)
		{
			/*
			 * The COPY ends at its first bad line, as in PostgreSQL: undo
			 * its rows and end the savepoint now (outside a transaction
			 * it is the transaction, holding SQLite's write lock), not
			 * when the rest of the data has been ignored.
			 */
			copy_finish(s, 0);
			return -1;
		}
		start = i + 1;
	}
	memmove(nb, nb + start, s->copy_len - start);
	s->copy_len -= start;
	return 0;
}

/* End the COPY in progress (once: CopyFail may follow a failed line). */
static void
copy_finish(sqlb_session *s, int ok)
{
	if (!s->copy_st)
		return;
	sqlite3_finalize(s->copy_st);
	s->copy_st = NULL;
	if (!ok)
		sqlite3_exec(s->db, "ROLLBACK TO pgwire_copy", NULL, NULL, NULL);
	sqlite3_exec(s->db, "RELEASE pgwire_copy", NULL, NULL, NULL);
	s->copy_len = 0;
}

static int
app_copy_done(void *arg, pgwire_backend *b)
{
	sqlb_session *s = arg;
	char		tag[48];

	if (s->copy_len > 0 && copy_line(s, b, s->copy_buf, s->copy_len) != 0)
	{
		copy_finish(s, 0);
		return -1;
	}
	copy_finish(s, 1);
	snprintf(tag, sizeof(tag), "COPY %lld", (long long) s->copy_rows);
	pgwire_backend_command_complete(b, tag);
	return 0;
}

static void
app_copy_fail(void *arg, pgwire_backend *b, const char *msg)
{
	sqlb_session *s = arg;

	(void) b;
	(void) msg;
	copy_finish(s, 0);
	mark_failed(s);
}

/* Append one field in COPY text or CSV format. */
static void
copy_field(char **buf, size_t *len, size_t *cap, const char *v, size_t n, int csv, int null)
{
	size_t		i;

	if (*len + 2 * n + 8 > *cap)
	{
		*cap = (*len + 2 * n + 8) * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			return;
	}
	if (null)
	{
		if (!csv)
		{
			memcpy(*buf + *len, "\\N", 2);
			*len += 2;
		}
		return;
	}
	if (csv)
	{
		int			quote = n == 0 || memchr(v, ',', n) || memchr(v, '"', n) ||
			memchr(v, '\n', n) || memchr(v, '\r', n);

		if (quote)
			(*buf)[(*len)++] = '"';
		for (i = 0; i < n; i++)
		{
			if (v[i] == '"')
				(*buf)[(*len)++] = '"';
			(*buf)[(*len)++] = v[i];
		}
		if (quote)
			(*buf)[(*len)++] = '"';
		return;
	}
	for (i = 0; i < n; i++)
	{
		char		c = v[i];
		char		e = c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : 0;

		if (e)
		{
			(*buf)[(*len)++] = '\\';
			(*buf)[(*len)++] = e;
		}
		else
			(*buf)[(*len)++] = c;
	}
}

static int
copy_out(sqlb_session *s, pgwire_backend *b, const char *table, const char *query, int csv)
{
	char	   *sql = malloc(strlen(table ? table : query) + 32);
	sq_stmt		fake = {0};
	sq_portal	p = {0};
	char	   *line = NULL;
	size_t		cap = 0;
	int			rc,
				i;
	int64_t		rows = 0;
	char		tag[48];

	if (!sql)
		return -1;
	if (table)
		sprintf(sql, "SELECT * FROM %s", table);
	else
		strcpy(sql, query);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &p.st, NULL);
	free(sql);
	if (rc != SQLITE_OK || !p.st)
	{
		sqlite_error(s, b, rc);
		return -1;
	}
	fake.refs = 2;
	p.stmt = &fake;
	p.ncols = sqlite3_column_count(p.st);
	pgwire_backend_copy_out(b, (size_t) p.ncols);
	while ((rc = sqlite3_step(p.st)) == SQLITE_ROW)
	{
		size_t		len = 0;

		for (i = 0; i < p.ncols; i++)
		{
			const char *v = (const char *) sqlite3_column_text(p.st, i);
			size_t		n = (size_t) sqlite3_column_bytes(p.st, i);
			uint32_t	t = column_type(p.st, i, 1);
			char		fb[64];

			if (t == FLOAT8OID && sqlite3_column_type(p.st, i) == SQLITE_FLOAT)
			{
				float_text(sqlite3_column_double(p.st, i), fb, sizeof(fb));
				v = fb;
				n = strlen(fb);
			}
			if (i > 0)
			{
				copy_field(&line, &len, &cap, "", 0, 0, 0);
				if (line)
					line[len++] = csv ? ',' : '\t';
			}
			copy_field(&line, &len, &cap, v, n, csv, sqlite3_column_type(p.st, i) == SQLITE_NULL);
		}
		copy_field(&line, &len, &cap, "", 0, 0, 0);
		if (!line)
			break;
		line[len++] = '\n';
		pgwire_backend_copy_data(b, line, len);
		rows++;
	}
	free(line);
	if (rc != SQLITE_DONE)
	{
		sqlite_error(s, b, rc);
		sqlite3_finalize(p.st);
		return -1;
	}
	sqlite3_finalize(p.st);
	pgwire_backend_copy_done(b);
	snprintf(tag, sizeof(tag), "COPY %lld", (long long) rows);
	pgwire_backend_command_complete(b, tag);
	return 0;
}

/* ---- cursors: DECLARE, FETCH, MOVE, CLOSE ------------------------------ */

/* A cursor name (quotes removed, lower-cased unless quoted) from p. */
static const char *
cursor_name(const char *p, char *out, size_t len)
{
	size_t		n = 0;

	p = skip_space(p);
	if (*p == '"')
	{
		for (p++; *p && *p != '"' && n + 1 < len; p++)
			out[n++] = *p;
		if (*p)
			p++;
	}
	else
		for (; (isalnum((unsigned char) *p) || *p == '_') && n + 1 < len; p++)
			out[n++] = (char) tolower((unsigned char) *p);
	out[n] = '\0';
	return p;
}

static cursor **
find_cursor(sqlb_session *s, const char *name)
{
	cursor	  **c;

	for (c = &s->cursors; *c; c = &(*c)->next)
		if (strcmp((*c)->name, name) == 0)
			return c;
	return NULL;
}

static void
close_cursor(cursor **at)
{
	cursor	   *c = *at;

	*at = c->next;
	portal_free(c->portal);
	free(c);
}

/* Cursors WITHOUT HOLD end with their transaction. */
static void
close_all_cursors(sqlb_session *s)
{
	while (s->cursors)
		close_cursor(&s->cursors);
}

/* DECLARE name [BINARY] [NO] SCROLL ... CURSOR [WITH[OUT] HOLD] FOR query */
static int	bind_value(sqlb_session *s, pgwire_backend *b, sqlite3_stmt *st, int idx,
					   uint32_t type, const pgwire_value *v, int16_t format);

static int
run_declare(sqlb_session *s, pgwire_backend *b, const char *sql, sq_portal *decl)
{
	char		w[32],
				name[64],
				msg[160];
	const char *p = next_word(sql, w, sizeof(w));
	const char *tail;
	sq_stmt    *st;
	cursor	   *c;

	p = cursor_name(p, name, sizeof(name));
	do
		p = next_word(p, w, sizeof(w));
	while (*w && strcmp(w, "FOR") != 0);
	if (!*w || !*name)
	{
		session_error(s, b, "42601", "syntax error in DECLARE", NULL);
		return -1;
	}
	if (sqlite3_get_autocommit(s->db) || s->ext_txn)
	{
		session_error(s, b, "25P01", "DECLARE CURSOR can only be used in transaction blocks", NULL);
		return -1;
	}
	if (find_cursor(s, name))
	{
		snprintf(msg, sizeof(msg), "cursor \"%s\" already exists", name);
		session_error(s, b, "42P03", msg, NULL);
		return -1;
	}
	st = stmt_make(s, b, skip_space(p), &tail);
	if (!st)
		return -1;
	c = calloc(1, sizeof(*c));
	if (c)
		c->portal = portal_make(s, b, st);
	stmt_unref(st);
	if (!c || !c->portal)
	{
		free(c);
		return -1;
	}
	for (int i = 0; decl && i < decl->nvalues && c->portal->st; i++)
		if (bind_value(s, b, c->portal->st, i + 1, decl->stmt->types ? decl->stmt->types[i] : 0,
					   &decl->values[i], decl->value_formats[i]) != 0)
		{
			portal_free(c->portal);
			free(c);
			return -1;
		}
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->next = s->cursors;
	s->cursors = c;
	pgwire_backend_command_complete(b, "DECLARE CURSOR");
	return 0;
}

/* The words of FETCH|MOVE [direction] [count|ALL] [FROM|IN] name. */
typedef struct fetch_args
{
	int			move;			/* MOVE rather than FETCH */
	int			backward;		/* a direction other than forward */
	int64_t		count;			/* rows; 0: ALL */
	char		name[64];
} fetch_args;

static void
fetch_words(const char *sql, fetch_args *f)
{
	char		w[64];
	const char *p = next_word(sql, w, sizeof(w));

	memset(f, 0, sizeof(*f));
	f->move = !strcmp(w, "MOVE");
	f->count = 1;
	for (;;)
	{
		const char *q = skip_space(p);

		if (!*q || *q == ';')
			break;
		if (isdigit((unsigned char) *q))
		{
			f->count = strtoll(q, (char **) &p, 10);
			continue;
		}
		if (*q == '"')
		{
			p = cursor_name(q, f->name, sizeof(f->name));
			continue;
		}
		p = next_word(q, w, sizeof(w));
		if (!*w)
			p = q + 1;
		else if (!strcmp(w, "ALL"))
			f->count = 0;
		else if (!strcmp(w, "BACKWARD") || !strcmp(w, "PRIOR") || !strcmp(w, "FIRST") ||
				 !strcmp(w, "LAST") || !strcmp(w, "ABSOLUTE") || !strcmp(w, "RELATIVE"))
			f->backward = 1;
		else if (strcmp(w, "FORWARD") && strcmp(w, "NEXT") && strcmp(w, "FROM") &&
				 strcmp(w, "IN"))
			cursor_name(q, f->name, sizeof(f->name));
	}
}

/* 34000 for a cursor name that is not open. */
static void
cursor_missing(sqlb_session *s, pgwire_backend *b, const char *name)
{
	char		msg[160];

	snprintf(msg, sizeof(msg), "cursor \"%s\" does not exist", name);
	session_error(s, b, "34000", msg, NULL);
}

/*
 * The cursor a FETCH or MOVE reads, and its words.  NULL (error sent) if
 * the cursor is unknown or the direction is not forward.
 */
static cursor *
parse_fetch(sqlb_session *s, pgwire_backend *b, const char *sql, fetch_args *f)
{
	cursor	  **c;

	fetch_words(sql, f);
	if (f->backward)
	{
		session_error(s, b, "0A000", "only forward FETCH and MOVE are supported", NULL);
		return NULL;
	}
	c = find_cursor(s, f->name);
	if (!c)
	{
		cursor_missing(s, b, f->name);
		return NULL;
	}
	return *c;
}

static int	send_rows(sqlb_session *s, pgwire_backend *b, sq_portal *p, int32_t max_rows,
					  int32_t *sent);

static int
run_fetch(sqlb_session *s, pgwire_backend *b, const char *sql, int describe, int16_t fmt)
{
	fetch_args	f;
	int			rc,
				i;
	int32_t		sent = 0;
	cursor	   *c = parse_fetch(s, b, sql, &f);
	sq_portal  *p;
	char		tag[64];

	if (!c)
		return -1;
	p = c->portal;
	if (p->ncols > 0 && !p->types && portal_describe(s, b, p, NULL, 0) != 0)
		return -1;
	for (i = 0; i < p->ncols; i++)
		p->formats[i] = fmt;
	if (describe && !f.move && p->ncols > 0)
		send_row_description(b, p, NULL);
	if (f.move)
	{
		/* MOVE: step without sending */
		for (; f.count == 0 || sent < f.count; sent++)
		{
			if (p->have_row)
				p->have_row = 0;
			else if (p->done || portal_step(s, b, p) != SQLITE_ROW)
				break;
		}
		rc = 0;
	}
	else
		rc = send_rows(s, b, p, (int32_t) f.count, &sent);
	if (rc < 0)
		return -1;
	snprintf(tag, sizeof(tag), "%s %d", f.move ? "MOVE" : "FETCH", sent);
	pgwire_backend_command_complete(b, tag);
	return 0;
}

static int
run_close(sqlb_session *s, pgwire_backend *b, const char *sql)
{
	char		w[16],
				name[64];
	const char *p = next_word(sql, w, sizeof(w));
	cursor	  **c;

	cursor_name(p, name, sizeof(name));
	if (!strcmp(name, "all"))
		close_all_cursors(s);
	else if ((c = find_cursor(s, name)) != NULL)
		close_cursor(c);
	else
	{
		cursor_missing(s, b, name);
		return -1;
	}
	pgwire_backend_command_complete(b, "CLOSE CURSOR");
	return 0;
}

/* The cursor a FETCH statement reads, for Describe (NULL: none). */
static sq_portal *
fetch_target(sqlb_session *s, const char *sql)
{
	fetch_args	f;
	cursor	  **c;

	fetch_words(sql, &f);
	if (f.move)
		return NULL;
	c = find_cursor(s, f.name);
	return c ? (*c)->portal : NULL;
}

/* ---- running a portal -------------------------------------------------- */

/*
 * Send rows of p, at most max_rows (0: all); *sent counts them.
 * 1 when the limit was reached, 0 at the end, -1 on error (sent).
 */
static int
send_rows(sqlb_session *s, pgwire_backend *b, sq_portal *p, int32_t max_rows, int32_t *sent)
{
	int			i,
				rc;

	*sent = 0;
	for (;;)
	{
		if (!p->have_row)
		{
			if (p->done)
				return 0;
			rc = portal_step(s, b, p);
			if (rc == SQLITE_DONE)
				return 0;
			if (rc != SQLITE_ROW)
				return -1;
		}
		for (i = 0; i < p->ncols; i++)
			if (value_fits(s, b, p->st, i, p->types[i]) != 0)
			{
				/* the result ends here, as at a run-time error in PG */
				sqlite3_reset(p->st);
				p->done = 1;
				p->have_row = 0;
				return -1;
			}
		if (p->ncols > 0)
		{
			pgwire_backend_row_begin(b, (size_t) p->ncols);
			for (i = 0; i < p->ncols; i++)
				put_column(b, p->st, i, p->types[i], p->formats[i]);
			pgwire_backend_row_end(b);
		}
		p->have_row = 0;
		(*sent)++;
		if (max_rows > 0 && *sent >= max_rows)
			return 1;
	}
}

/*
 * In an aborted transaction only what ends it is run, parsed or bound
 * (PostgreSQL's IsTransactionExitStmt): 25P02 for the rest.
 */
static int
refuse_aborted(sqlb_session *s, pgwire_backend *b, cmd_kind kind, const char *tag)
{
	if (!s->aborted || kind == K_COMMIT || kind == K_ROLLBACK || !strcmp(tag, "ROLLBACK"))
		return 0;
	pgwire_backend_error(b, "25P02", "current transaction is aborted, commands ignored until end of transaction block", NULL, NULL);
	return -1;
}

/*
 * Run p, sending at most max_rows rows (0: all).  describe: send
 * RowDescription first (simple query).  PGWIRE_EXEC_* result.
 */
static int
portal_run(sqlb_session *s, pgwire_backend *b, sq_portal *p, int32_t max_rows, int describe)
{
	int			rc;
	int32_t		sent = 0;

	if (terminated(s, b))
		return PGWIRE_EXEC_ERROR;
	if (refuse_aborted(s, b, p->stmt->kind, p->stmt->tag) != 0)
		return PGWIRE_EXEC_ERROR;
	s->cancel = 0;
	switch (p->stmt->kind)
	{
		case K_EMPTY:
			pgwire_backend_empty_query(b);
			return PGWIRE_EXEC_DONE;
		case K_BEGIN:
		case K_COMMIT:
		case K_ROLLBACK:
			return run_begin_end(s, b, p->stmt) == 0 ? PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_SET:
			return run_set(s, b, p->stmt->sql) == 0 ? PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_SHOW:
			if (!p->formats)
				portal_describe(s, b, p, NULL, 0);
			return run_show(s, b, p, describe) == 0 ? PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_COPY:
			return run_copy(s, b, p->stmt->sql) == 0 ? PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_NOOP:
			pgwire_backend_command_complete(b, p->stmt->tag);
			return PGWIRE_EXEC_DONE;
		case K_DECLARE:
			return run_declare(s, b, p->stmt->sql, p) == 0 ? PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_FETCH:
			return run_fetch(s, b, p->stmt->sql, describe, p->fetch_format) == 0 ?
				PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_CLOSE:
			return run_close(s, b, p->stmt->sql) == 0 ? PGWIRE_EXEC_DONE : PGWIRE_EXEC_ERROR;
		case K_SQL:
			break;
	}
	if (p->ncols > 0 && !p->types && portal_describe(s, b, p, NULL, 0) != 0)
		return PGWIRE_EXEC_ERROR;
	if (describe && p->ncols > 0)
		send_row_description(b, p, NULL);
	rc = send_rows(s, b, p, max_rows, &sent);
	p->rows = sent;
	if (rc < 0)
		return PGWIRE_EXEC_ERROR;
	if (rc > 0)
		return PGWIRE_EXEC_SUSPENDED;
	complete_sql(s, b, p);
	/* release SQLite's read snapshot now, not when the portal closes */
	sqlite3_reset(p->st);
	return PGWIRE_EXEC_DONE;
}

/* ---- the callbacks ------------------------------------------------------ */

/*
 * A Query of several statements runs as one implicit transaction, as in
 * PostgreSQL, unless one of them controls transactions itself: 0 no
 * implicit transaction, 1 one that only reads, 2 one that writes.
 */
static int
implicit_transaction(const char *sql)
{
	const char *p = sql;
	char		tag[80];
	int			n = 0,
				writes = 0;
	cmd_kind	k;

	for (;;)
	{
		while (*(p = skip_space(p)) == ';')
			p++;
		if (!*p)
			break;
		k = classify(p, tag, sizeof(tag));
		if (k == K_BEGIN || k == K_COMMIT || k == K_ROLLBACK || k == K_COPY ||
			!strcmp(tag, "SAVEPOINT") || !strcmp(tag, "RELEASE") ||
			!strcmp(tag, "ROLLBACK") || !strcmp(tag, "VACUUM") || !strcmp(tag, "PRAGMA"))
			return 0;
		if (k == K_SQL && strcmp(tag, "SELECT") != 0)
			writes = 1;
		n++;
		p = statement_end(p);
	}
	return n < 2 ? 0 : writes ? 2 : 1;
}

/*
 * Query text that is not UTF-8, the server_encoding serve reports: the
 * ERROR PostgreSQL raises when it reads the message (pg_verify_mbstr),
 * before anything runs; inside a transaction block it aborts it.
 */
static int
bad_encoding(sqlb_session *s, pgwire_backend *b, const char *sql)
{
	size_t		n = strlen(sql),
				ok = pgwire_utf8_valid_prefix(sql, n);
	char		bytes[40],
				msg[96];

	if (ok == n)
		return 0;
	pgwire_utf8_describe(sql + ok, n - ok, bytes);
	snprintf(msg, sizeof(msg), "invalid byte sequence for encoding \"UTF8\": %s", bytes);
	pgwire_backend_error(b, "22021", msg, NULL, NULL);
	mark_failed(s);
	return 1;
}

static int
app_query(void *arg, pgwire_backend *b, const char *sql_in)
{
	sqlb_session *s = arg;
	char	   *sql;

	if (bad_encoding(s, b, sql_in))
		return -1;
	sql = rewrite_sql(sql_in);
	const char *p,
			   *tail;
	int			any = 0,
				rc = 0,
				implicit;

	if (!sql)
		return -1;
	implicit = sqlite3_get_autocommit(s->db) ? implicit_transaction(sql) : 0;
	if (implicit && sqlite3_exec(s->db, implicit == 2 ? "BEGIN IMMEDIATE" : "BEGIN",
								 NULL, NULL, NULL) != SQLITE_OK)
	{
		sqlite_error(s, b, sqlite3_extended_errcode(s->db));
		free(sql);
		return -1;
	}
	for (p = sql;;)
	{
		sq_stmt    *st;
		sq_portal  *portal;
		cmd_kind	kind;

		while (*(p = skip_space(p)) == ';')
			p++;
		if (!*p)
			break;
		any = 1;
		st = stmt_make(s, b, p, &tail);
		if (!st)
		{
			rc = -1;
			break;
		}
		p = tail;
		kind = st->kind;
		portal = portal_make(s, b, st);
		stmt_unref(st);
		if (!portal)
		{
			rc = -1;
			break;
		}
		rc = portal_run(s, b, portal, 0, 1);
		portal_free(portal);
		if (rc == PGWIRE_EXEC_ERROR)
			break;
		if (kind == K_COPY && s->copy_st)
			break;				/* COPY FROM STDIN: the rest waits */
	}
	if (implicit && !sqlite3_get_autocommit(s->db))
	{
		/* all or nothing; an error here ends no explicit transaction */
		if (rc == PGWIRE_EXEC_ERROR)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		else if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		{
			sqlite_error(s, b, sqlite3_extended_errcode(s->db));
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			rc = PGWIRE_EXEC_ERROR;
		}
		s->aborted = 0;
	}
	if (!any)
		pgwire_backend_empty_query(b);
	free(sql);
	return rc == PGWIRE_EXEC_ERROR ? -1 : 0;
}

/*
 * Whether a statement of the extended protocol runs in the implicit
 * transaction: not those that end or nest transactions themselves, nor
 * those SQLite refuses inside one.
 */
static int
in_implicit(const sq_stmt *st)
{
	static const char *const outside[] = {
		"SAVEPOINT", "RELEASE", "ROLLBACK", "VACUUM", "PRAGMA", "ATTACH", "DETACH", NULL
	};

	if (st->kind != K_SQL && st->kind != K_COPY)
		return 0;
	for (int i = 0; outside[i]; i++)
		if (!strcmp(st->tag, outside[i]))
			return 0;
	return 1;
}

/*
 * Extended-protocol messages up to Sync are one transaction when no
 * explicit one is open (docs: Extended Query): an error discards all of
 * them, Sync commits.  Opened by the first Bind or Execute that needs it.
 */
static int
begin_implicit(sqlb_session *s, pgwire_backend *b, const sq_stmt *st)
{
	int			rc;

	s->b = b;
	if (!sqlite3_get_autocommit(s->db) || !in_implicit(st))
		return 0;
	rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
	{
		sqlite_error(s, b, rc);
		return -1;
	}
	s->ext_txn = 1;
	return 0;
}

/* Sync (or a simple Query) ends the implicit transaction. */
static void
end_implicit(sqlb_session *s)
{
	int			rc = SQLITE_OK;

	s->ext_txn = 0;
	if (sqlite3_get_autocommit(s->db))
		return;
	if (!s->aborted && (rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK &&
		s->b)
		sqlite_error(s, s->b, rc);	/* before ReadyForQuery, as in PG */
	if (s->aborted || rc != SQLITE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->aborted = 0;
	close_all_cursors(s);
}

static int
app_parse(void *arg, pgwire_backend *b, const char *sql_in, uint32_t ntypes,
		  const uint32_t *types, void **out)
{
	sqlb_session *s = arg;
	char	   *sql;
	const char *tail;
	sq_stmt    *st;
	int			i;
	char		tag[80];

	if (bad_encoding(s, b, sql_in))
		return -1;
	if ((sql = rewrite_sql(sql_in)) == NULL)
		return -1;
	if (refuse_aborted(s, b, classify(sql, tag, sizeof(tag)), tag) != 0)
	{
		free(sql);
		return -1;
	}
	st = stmt_make(s, b, sql, &tail);
	if (st && *skip_space(tail) == ';')
		tail = skip_space(tail) + 1;
	if (st && *skip_space(tail))
	{
		pgwire_backend_error(b, "42601", "cannot insert multiple commands into a prepared statement", NULL, NULL);
		stmt_unref(st);
		st = NULL;
	}
	free(sql);
	if (!st)
	{
		mark_failed(s);
		return -1;
	}
	if ((uint32_t) st->nparams < ntypes)
		st->nparams = (int) ntypes;
	st->types = calloc((size_t) st->nparams + 1, sizeof(uint32_t));
	if (!st->types)
	{
		stmt_unref(st);
		return -1;
	}
	for (i = 0; i < st->nparams; i++)
		st->types[i] = (uint32_t) i < ntypes ? types[i] : 0;
	*out = st;
	return 0;
}

static int
app_describe_statement(void *arg, pgwire_backend *b, void *handle)
{
	sq_stmt    *st = handle;
	uint32_t   *pt = calloc((size_t) st->nparams + 1, sizeof(uint32_t));
	int			i;

	(void) arg;
	if (!pt)
		return -1;
	/* parameters of unspecified type are text to us */
	for (i = 0; i < st->nparams; i++)
		pt[i] = st->types[i] ? st->types[i] : TEXTOID;
	pgwire_backend_parameter_description(b, (size_t) st->nparams, pt);
	free(pt);
	if (st->kind == K_SHOW)
	{
		pgwire_column c = {{(const uint8_t *) "setting", 7}, 0, 0, TEXTOID, -1, -1, 0};
		char		name[128];

		show_name(st->sql, name, sizeof(name));
		c.name.ptr = (const uint8_t *) name;
		c.name.len = strlen(name);
		return pgwire_backend_row_description(b, 1, &c);
	}
	if (st->kind != K_SQL || sqlite3_column_count(st->st) == 0)
		return pgwire_backend_no_data(b);
	{
		sq_portal	p = {0};
		int			rc;

		p.stmt = st;
		p.st = st->st;
		p.ncols = sqlite3_column_count(st->st);
		p.types = calloc((size_t) p.ncols, sizeof(uint32_t));
		if (!p.types)
			return -1;
		for (i = 0; i < p.ncols; i++)
			p.types[i] = column_type(st->st, i, 0);
		send_row_description(b, &p, NULL);
		free(p.types);
		rc = 0;
		return rc;
	}
}

/* Bind one Bind value; 0, or -1 with the error sent. */
static int
bind_value(sqlb_session *s, pgwire_backend *b, sqlite3_stmt *st, int idx, uint32_t type,
		   const pgwire_value *v, int16_t format)
{
	int			rc;
	char		msg[96];

	if (v->len < 0)
		rc = sqlite3_bind_null(st, idx);
	else if (format == 1)
		rc = bind_binary(st, idx, type, v->ptr, (size_t) v->len);
	else
		rc = bind_text(st, idx, type, (const char *) v->ptr, (size_t) v->len);
	if (rc == SQLITE_OK)
		return 0;
	if (rc == -1)
	{
		snprintf(msg, sizeof(msg), "incorrect binary data format in bind parameter %d", idx);
		pgwire_backend_error(b, "22P03", msg, NULL, NULL);
	}
	else
		sqlite_error(s, b, rc);
	return -1;
}

/* DECLARE ... FOR query with parameters: keep the values for the query. */
static int
keep_values(sq_portal *p, const pgwire_bind_params *bp)
{
	uint32_t	i;

	p->values = calloc(bp->nparams, sizeof(pgwire_value));
	p->value_formats = calloc(bp->nparams, sizeof(int16_t));
	if (!p->values || !p->value_formats)
		return -1;
	p->nvalues = (int) bp->nparams;
	for (i = 0; i < bp->nparams; i++)
	{
		p->value_formats[i] = bp->formats[i];
		p->values[i].len = bp->values[i].len;
		if (bp->values[i].len >= 0)
		{
			uint8_t    *copy = malloc((size_t) bp->values[i].len + 1);

			if (!copy)
				return -1;
			memcpy(copy, bp->values[i].ptr, (size_t) bp->values[i].len);
			p->values[i].ptr = copy;
		}
	}
	return 0;
}

static int
bind_portal(sqlb_session *s, pgwire_backend *b, sq_stmt *st, const pgwire_bind_params *bp,
			void **out)
{
	sq_portal  *p;
	uint32_t	i;
	char		msg[160];

	if (refuse_aborted(s, b, st->kind, st->tag) != 0)
		return -1;
	if (bp->nparams != (uint32_t) st->nparams)
	{
		snprintf(msg, sizeof(msg),
				 "bind message supplies %u parameters, but prepared statement \"%.60s\" requires %d",
				 bp->nparams, bp->statement ? bp->statement : "", st->nparams);
		pgwire_backend_error(b, "08P01", msg, NULL, NULL);
		return -1;
	}
	p = portal_make(s, b, st);
	if (!p)
		return -1;
	/* PostgreSQL's PortalSetResultFormat (a FETCH's columns come later) */
	if (st->kind != K_FETCH && bp->nresult_formats > 1 &&
		bp->nresult_formats != (uint32_t) p->ncols)
	{
		snprintf(msg, sizeof(msg), "bind message has %u result formats but query has %d columns",
				 bp->nresult_formats, p->ncols);
		pgwire_backend_error(b, "08P01", msg, NULL, NULL);
		portal_free(p);
		return -1;
	}
	for (i = 0; p->st && i < bp->nparams; i++)
		if (bind_value(s, b, p->st, (int) i + 1, st->types[i], &bp->values[i],
					   bp->formats[i]) != 0)
		{
			portal_free(p);
			return -1;
		}
	if (st->kind == K_DECLARE && bp->nparams > 0 && keep_values(p, bp) != 0)
	{
		portal_free(p);
		return -1;
	}
	if (st->kind == K_FETCH && bp->nresult_formats > 0)
		p->fetch_format = bp->result_formats[0];
	if (p->ncols > 0)
	{
		/* formats now; types when described or first run */
		p->formats = calloc((size_t) p->ncols, sizeof(int16_t));
		if (!p->formats)
		{
			portal_free(p);
			return -1;
		}
		for (i = 0; i < (uint32_t) p->ncols; i++)
			p->formats[i] = bp->nresult_formats == 0 ? 0 :
				bp->result_formats[bp->nresult_formats == 1 ? 0 :
								   i < bp->nresult_formats ? i : 0];
	}
	*out = p;
	return 0;
}

/* Every error of a Bind, Describe or Execute aborts the transaction. */
static int
app_bind(void *arg, pgwire_backend *b, void *handle, const pgwire_bind_params *bp,
		 void **out)
{
	sqlb_session *s = arg;

	if (begin_implicit(s, b, handle) != 0 || bind_portal(s, b, handle, bp, out) != 0)
	{
		mark_failed(s);
		return -1;
	}
	return 0;
}

static int
ensure_types(sqlb_session *s, pgwire_backend *b, sq_portal *p)
{
	int			i;

	if (p->types || p->ncols == 0)
		return 0;
	if (p->stmt->kind == K_SHOW)
	{
		p->types = calloc(1, sizeof(uint32_t));
		if (!p->types)
			return -1;
		p->types[0] = TEXTOID;
		if (!p->formats)
			p->formats = calloc(1, sizeof(int16_t));
		return p->formats ? 0 : -1;
	}
	if (!p->started)
	{
		int			rc = portal_step(s, b, p);

		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
		p->have_row = rc == SQLITE_ROW;
	}
	p->types = calloc((size_t) p->ncols, sizeof(uint32_t));
	if (!p->types)
		return -1;
	for (i = 0; i < p->ncols; i++)
		p->types[i] = column_type(p->st, i, p->have_row);
	return 0;
}

static int
describe_portal(sqlb_session *s, pgwire_backend *b, sq_portal *p)
{

	if (p->stmt->kind == K_FETCH)
	{
		sq_portal  *cp = fetch_target(s, p->stmt->sql);
		int			i;

		if (!cp || cp->ncols == 0)
			return pgwire_backend_no_data(b);
		if (!cp->types && portal_describe(s, b, cp, NULL, 0) != 0)
			return -1;
		for (i = 0; i < cp->ncols; i++)
			cp->formats[i] = p->fetch_format;
		send_row_description(b, cp, NULL);
		return 0;
	}
	if (p->ncols == 0)
		return pgwire_backend_no_data(b);
	if (ensure_types(s, b, p) != 0)
		return -1;
	if (p->stmt->kind == K_SHOW)
	{
		char		name[128];

		show_name(p->stmt->sql, name, sizeof(name));
		send_row_description(b, p, name);
	}
	else
		send_row_description(b, p, NULL);
	return 0;
}

static int
app_describe_portal(void *arg, pgwire_backend *b, void *handle)
{
	sqlb_session *s = arg;

	if (describe_portal(s, b, handle) != 0)
	{
		mark_failed(s);
		return -1;
	}
	return 0;
}

/* Describe 'P' of a DECLAREd cursor (psycopg's server-side cursors). */
static int
app_describe_cursor(void *arg, pgwire_backend *b, const char *name)
{
	sqlb_session *s = arg;
	cursor	  **c = find_cursor(s, name);
	sq_portal  *p;

	if (!c)
		return 1;
	p = (*c)->portal;
	if (p->ncols == 0)
		return pgwire_backend_no_data(b);
	if (!p->types && portal_describe(s, b, p, NULL, 0) != 0)
		return 0;
	send_row_description(b, p, NULL);
	return 0;
}

/*
 * A result format other than text (0) or binary (1) is refused when the
 * rows would be sent, as PostgreSQL's printtup does, not at Bind.
 */
static int
bad_result_format(pgwire_backend *b, const sq_portal *p)
{
	char		msg[64];

	for (int i = 0; p->formats && i < p->ncols; i++)
		if (p->formats[i] != 0 && p->formats[i] != 1)
		{
			snprintf(msg, sizeof(msg), "unsupported format code: %d", p->formats[i]);
			pgwire_backend_error(b, "22023", msg, NULL, NULL);
			return 1;
		}
	return 0;
}

static int
execute_portal(sqlb_session *s, pgwire_backend *b, sq_portal *p, int32_t max_rows)
{
	int			rc;

	if (bad_result_format(b, p))
		return PGWIRE_EXEC_ERROR;

	if (p->stmt->kind == K_SQL && ensure_types(s, b, p) != 0)
		return PGWIRE_EXEC_ERROR;
	if (p->stmt->kind == K_SHOW && ensure_types(s, b, p) != 0)
		return PGWIRE_EXEC_ERROR;
	if (p->done && !p->have_row && p->stmt->kind == K_SQL && p->rows > 0 && p->ncols > 0)
	{
		/* a finished portal runs again with nothing left */
		pgwire_backend_command_complete(b, "SELECT 0");
		return PGWIRE_EXEC_DONE;
	}
	rc = portal_run(s, b, p, max_rows, 0);
	return rc;
}

static int
app_execute(void *arg, pgwire_backend *b, void *handle, int32_t max_rows)
{
	sqlb_session *s = arg;
	sq_portal  *p = handle;
	int			rc = PGWIRE_EXEC_ERROR;

	if (begin_implicit(s, b, p->stmt) == 0)
		rc = execute_portal(s, b, p, max_rows);
	if (rc == PGWIRE_EXEC_ERROR)
		mark_failed(s);
	return rc;
}

static void
app_close_statement(void *arg, void *handle)
{
	(void) arg;
	stmt_unref(handle);
}

static void
app_close_portal(void *arg, void *handle)
{
	(void) arg;
	portal_free(handle);
}

static char
app_transaction_status(void *arg)
{
	sqlb_session *s = arg;

	if (s->ext_txn)
		end_implicit(s);
	report_changed(s);
	if (sqlite3_get_autocommit(s->db))
	{
		s->aborted = 0;
		return 'I';
	}
	return s->aborted ? 'E' : 'T';
}

/* Any ERROR, also one the state machine wrote, aborts the transaction. */
static void
app_error_sent(void *arg, pgwire_backend *b)
{
	(void) b;
	mark_failed(arg);
}

const pgwire_backend_app sqlb_app = {
	.startup = NULL,
	.ready = NULL,
	.query = app_query,
	.parse = app_parse,
	.describe_statement = app_describe_statement,
	.bind = app_bind,
	.describe_portal = app_describe_portal,
	.execute = app_execute,
	.close_statement = app_close_statement,
	.close_portal = app_close_portal,
	.copy_data = app_copy_data,
	.copy_done = app_copy_done,
	.copy_fail = app_copy_fail,
	.transaction_status = app_transaction_status,
	.describe_cursor = app_describe_cursor,
	.error_sent = app_error_sent,
};
