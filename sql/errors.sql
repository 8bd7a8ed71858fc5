--
-- errors: every way a call can fail, and NULL arguments.
--
-- Malformed or incomplete bytes are SQLSTATE 22P03 (invalid binary
-- representation) with the byte offset in DETAIL; bad arguments and bad
-- JSON are 22023 (invalid parameter value); messages that do not fit
-- their wire fields are 54000 (program limit exceeded).
--
-- try(statement) is defined in init.sql.
\pset format unaligned
\pset fieldsep ' | '
\pset footer off
\pset tuples_only on

-- direction must be 'frontend' or 'backend'
SELECT * FROM try($$SELECT pgwire_decode('\x5a0000000549', 'sideways')$$);
SELECT * FROM try($$SELECT * FROM pgwire_messages('\x5a0000000549', 'Backend')$$);
SELECT * FROM try($$SELECT * FROM pgwire_trace('\x5a0000000549', '')$$);
SELECT * FROM try($$SELECT * FROM pgwire_explain('\x5a0000000549', 'F')$$);

-- pgwire_decode wants exactly one message
SELECT * FROM try($$SELECT pgwire_decode('')$$);
-- a prefix of ReadyForQuery
SELECT * FROM try($$SELECT pgwire_decode('\x5a000000')$$);
-- a byte after it
SELECT * FROM try($$SELECT pgwire_decode('\x5a0000000549 5a')$$);
-- two messages
SELECT * FROM try($$SELECT pgwire_decode('\x5a0000000549 5a0000000549')$$);

-- malformed messages
-- length word below 4
SELECT * FROM try($$SELECT pgwire_decode('\x5a00000003 49')$$);
-- length over the limit
SELECT * FROM try($$SELECT pgwire_decode('\x5a7fffffff')$$);
-- Flush with a byte after its last field
SELECT * FROM try($$SELECT pgwire_decode('\x4800000005 00', 'frontend')$$);
-- no backend message '~'
SELECT * FROM try($$SELECT pgwire_decode('\x7e00000004')$$);
-- DataRow: 1 value, none there
SELECT * FROM try($$SELECT pgwire_decode('\x4400000006 0001')$$);
-- DataRow: value length -2
SELECT * FROM try($$SELECT pgwire_decode('\x440000000a 0001 fffffffe')$$);
-- a frontend Describe read as a backend DataRow
SELECT * FROM try($$SELECT pgwire_decode('\x4400000008 53 733100')$$);
-- Query: String without its NUL
SELECT * FROM try($$SELECT pgwire_decode('\x5100000008 53454c45', 'frontend')$$);
-- startup packet shorter than 8
SELECT * FROM try($$SELECT pgwire_decode('\x0000000704d2', 'frontend')$$);
-- unknown startup code
SELECT * FROM try($$SELECT pgwire_decode('\x0000000812345678', 'frontend')$$);
-- not an SSL answer: the start of a message
SELECT * FROM try($$SELECT pgwire_decode('\x58', 'backend')$$);

-- pgwire_messages: the error names the offset in the stream; no rows
SELECT * FROM try($$SELECT * FROM pgwire_messages('\x5a0000000549 5a0000')$$);
SELECT * FROM try($$SELECT * FROM pgwire_messages('\x5a0000000549 5a00000006 4949')$$);
SELECT * FROM try($$SELECT * FROM pgwire_messages('\x3100000004 7e00000004 3100000004')$$);
-- encrypted bytes are not messages: SSLRequest, then a TLS ClientHello
SELECT * FROM try($$SELECT * FROM pgwire_messages('\x0000000804d2162f 1603010200', 'frontend')$$);
-- direct SSL: the client starts with the TLS handshake
SELECT * FROM try($$SELECT * FROM pgwire_messages('\x1603010200', 'frontend')$$);
SELECT * FROM try($$SELECT * FROM pgwire_trace('\x3100000004 31000000', 'backend')$$);
SELECT * FROM try($$SELECT * FROM pgwire_explain('\x3100000004 310000', 'backend')$$);

-- pgwire_conversation: the error says which stream
SELECT * FROM try($$SELECT * FROM pgwire_conversation(pgwire_startup_message('{user,a}') || '\x51000000', '')$$);
SELECT * FROM try($$SELECT * FROM pgwire_conversation(pgwire_startup_message('{user,a}'), '\x5200000008 00000000 7e00000004')$$);

-- text that is not valid in the database encoding (UTF-8): the JSON form
-- keeps the bytes, a trace line cannot hold them
SELECT pgwire_decode('\x5100000007 c32800', 'frontend');
SELECT * FROM try($$SELECT pgwire_trace('\x5100000007 c32800', 'frontend')$$);

-- pgwire_encode: JSON that is not a message
SELECT * FROM try($$SELECT pgwire_encode('{"message": "NoSuchMessage"}')$$);
SELECT * FROM try($$SELECT pgwire_encode('{"message": "Query"}')$$);
SELECT * FROM try($$SELECT pgwire_encode('{"message": "Query", "query": 5}')$$);
SELECT * FROM try($$SELECT pgwire_encode('{"message": "Sync", "length": 5}')$$);
SELECT * FROM try($$SELECT pgwire_encode('{"message": "ReadyForQuery", "status": "IT"}')$$);
SELECT * FROM try($$SELECT pgwire_encode('"Sync"')$$);
SELECT * FROM try($$SELECT pgwire_encode('[{"message": "Sync"}, 1]')$$);
-- more values than an Int16 count holds
SELECT * FROM try($$SELECT pgwire_encode(jsonb_build_object('message', 'DataRow',
	'values', (SELECT jsonb_agg(to_jsonb('x'::text)) FROM generate_series(1, 65536))))$$);

-- constructors: bad arguments
SELECT * FROM try($$SELECT pgwire_describe('X', 's1')$$);
SELECT * FROM try($$SELECT pgwire_ready_for_query('Q')$$);
SELECT * FROM try($$SELECT pgwire_bind('', '', '{}', '{2}')$$);
SELECT * FROM try($$SELECT pgwire_bind('', '', '{{a,b},{c,d}}')$$);
SELECT * FROM try($$SELECT pgwire_parse('', 'SELECT $1', ARRAY[NULL::oid])$$);
SELECT * FROM try($$SELECT pgwire_startup_message('{user}')$$);
SELECT * FROM try($$SELECT pgwire_startup_message('{user,NULL}')$$);
SELECT * FROM try($$SELECT pgwire_startup_message('{user,a}', 'three')$$);
SELECT * FROM try($$SELECT pgwire_startup_message('{user,a}', '3.70000')$$);
SELECT * FROM try($$SELECT pgwire_row_description('{a,b}', '{23}')$$);
SELECT * FROM try($$SELECT pgwire_data_row(array_fill('x'::text, ARRAY[65536]))$$);

\pset format aligned
\pset tuples_only off
\pset footer on
-- STRICT functions give NULL for any NULL argument
SELECT pgwire_decode(NULL) IS NULL AS decode,
	pgwire_decode('\x5a0000000549', NULL) IS NULL AS decode_direction,
	(SELECT count(*) FROM pgwire_messages(NULL)) AS messages,
	(SELECT count(*) FROM pgwire_messages('\x5a0000000549', NULL)) AS messages_direction,
	(SELECT count(*) FROM pgwire_conversation(NULL, '')) AS conversation,
	(SELECT count(*) FROM pgwire_trace(NULL)) AS trace,
	(SELECT count(*) FROM pgwire_trace('\x5a0000000549', 'backend', NULL)) AS trace_regress,
	(SELECT count(*) FROM pgwire_explain(NULL)) AS explain,
	pgwire_encode(NULL) IS NULL AS encode;
SELECT pgwire_query(NULL) IS NULL AS query,
	pgwire_parse('', NULL) IS NULL AS parse,
	pgwire_bind(NULL, '') IS NULL AS bind,
	pgwire_describe(NULL, '') IS NULL AS describe,
	pgwire_execute(NULL) IS NULL AS execute,
	pgwire_startup_message(NULL) IS NULL AS startup_message,
	pgwire_row_description('{a}', NULL) IS NULL AS row_description,
	pgwire_data_row(NULL) IS NULL AS data_row,
	pgwire_command_complete(NULL) IS NULL AS command_complete,
	pgwire_error_response('ERROR', NULL, 'm') IS NULL AS error_response,
	pgwire_ready_for_query(NULL) IS NULL AS ready_for_query;

-- after all those errors the backend is still here
SELECT pgwire_decode(pgwire_ready_for_query());

-- Robustness: every prefix of a real stream, and the real stream with
-- each byte in turn replaced, give rows or ERROR 22P03, never anything
-- else, and the backend survives.  pgwire_trace also gives 22021 where
-- 0xff lands inside a String: a trace line is text, and 0xff is not UTF-8.
CREATE FUNCTION outcome(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'rows';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;
-- prefixes: rows exactly at the 124 message boundaries (0 and after each
-- of the 123 messages)
SELECT outcome(format('SELECT count(*) FROM pgwire_messages(%L::bytea)',
		substring(backend FROM 1 FOR i))) AS outcome, count(*)
FROM capture, generate_series(0, length(backend)) i
WHERE id = 'session' GROUP BY 1 ORDER BY 1;
SELECT outcome(format('SELECT count(*) FROM pgwire_messages(%L::bytea, ''frontend'')',
		substring(frontend FROM 1 FOR i))) AS outcome, count(*)
FROM capture, generate_series(0, length(frontend)) i
WHERE id = 'session' GROUP BY 1 ORDER BY 1;
-- one byte replaced by 0xff, 0x00 or 0x7f, through every function (which
-- of them give rows depends on the decoder's leniency; the outcomes do not)
SELECT fn, array_agg(DISTINCT outcome ORDER BY outcome) AS outcomes, count(*) AS inputs
FROM (SELECT f.fn, outcome(format('SELECT count(*) FROM %s(%L::bytea, %L)', f.fn,
		set_byte(d.data, i, b), d.direction)) AS outcome
FROM capture c,
	LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data),
	generate_series(0, length(d.data) - 1) i,
	unnest(ARRAY[255, 0, 127]) b,
	unnest(ARRAY['pgwire_messages', 'pgwire_trace', 'pgwire_explain']) f(fn)
WHERE c.id = 'scram') s
GROUP BY 1 ORDER BY 1;
SELECT array_agg(DISTINCT outcome ORDER BY outcome) AS outcomes, count(*) AS inputs
FROM (SELECT outcome(format('SELECT count(*) FROM pgwire_conversation(%L::bytea, %L::bytea)',
		CASE WHEN i < length(c.frontend) THEN set_byte(c.frontend, i, 255) ELSE c.frontend END,
		CASE WHEN i >= length(c.frontend) THEN set_byte(c.backend, i - length(c.frontend), 255) ELSE c.backend END)) AS outcome
	FROM capture c, generate_series(0, length(c.frontend) + length(c.backend) - 1) i
	WHERE c.id = 'scram') s;
SELECT pgwire_decode(pgwire_ready_for_query()) ->> 'message' AS still_here;
