/* control/pgwire--0.1.sql: install script of the pgwire extension, 0.1 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pgwire" to load this file. \quit

--
-- Decoding: bytes in, messages out
--

CREATE FUNCTION pgwire_decode(data bytea, direction text DEFAULT 'backend')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pgwire_decode_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_decode(bytea, text) IS
'decode exactly one protocol message sent in the given direction (''frontend'' or ''backend'') into its lossless JSON form';

CREATE FUNCTION pgwire_messages(data bytea, direction text DEFAULT 'backend',
	OUT seq int, OUT byte_offset bigint, OUT type text, OUT name text,
	OUT length int, OUT message jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pgwire_messages_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_messages(bytea, text) IS
'split a stream of protocol messages sent in one direction into one row per message, decoded to JSON';

CREATE FUNCTION pgwire_conversation(frontend bytea, backend bytea,
	OUT seq int, OUT direction text, OUT byte_offset bigint, OUT type text,
	OUT name text, OUT length int, OUT message jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pgwire_conversation_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_conversation(bytea, bytea) IS
'decode both directions of one connection in conversation order, with the context only both sides give (authentication responses, SSL answers)';

CREATE FUNCTION pgwire_trace(data bytea, direction text DEFAULT 'backend',
	regress boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pgwire_trace_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_trace(bytea, text, boolean) IS
'one libpq PQtrace line per message, without timestamps; regress hides values that vary between runs, as PQTRACE_REGRESS_MODE';

CREATE FUNCTION pgwire_explain(data bytea, direction text DEFAULT 'backend',
	OUT seq int, OUT byte_offset bigint, OUT length int, OUT path text,
	OUT raw bytea, OUT value text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pgwire_explain_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_explain(bytea, text) IS
'byte map of every message: each field with its stream offset, length, path, bytes and value';

--
-- Encoding: messages in, bytes out
--

CREATE FUNCTION pgwire_encode(message jsonb)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_encode_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_encode(jsonb) IS
'encode one message object, or an array of them, in the JSON form pgwire_decode returns, to wire bytes';

--
-- Constructors: one message each, for writing exchanges in SQL
--

CREATE FUNCTION pgwire_query(sql text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_query_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_query(text) IS
'frontend Query message (simple query protocol)';

CREATE FUNCTION pgwire_parse(statement text, query text,
	parameter_types oid[] DEFAULT '{}')
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_parse_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_parse(text, text, oid[]) IS
'frontend Parse message: statement name ('''' for unnamed), query text, parameter type OIDs (0 = unspecified)';

CREATE FUNCTION pgwire_bind(portal text, statement text,
	parameters text[] DEFAULT '{}', result_formats int[] DEFAULT '{}')
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_bind_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_bind(text, text, text[], int[]) IS
'frontend Bind message with text-format parameters (NULL elements are SQL NULL) and result format codes (0 text, 1 binary)';

CREATE FUNCTION pgwire_describe(target "char", name text DEFAULT '')
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_describe_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_describe("char", text) IS
'frontend Describe message of a prepared statement (''S'') or a portal (''P'')';

CREATE FUNCTION pgwire_execute(portal text DEFAULT '', max_rows int DEFAULT 0)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_execute_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_execute(text, int) IS
'frontend Execute message: portal name and row limit (0 = no limit)';

CREATE FUNCTION pgwire_sync()
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_sync_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_sync() IS 'frontend Sync message';

CREATE FUNCTION pgwire_flush()
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_flush_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_flush() IS 'frontend Flush message';

CREATE FUNCTION pgwire_terminate()
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_terminate_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_terminate() IS 'frontend Terminate message';

CREATE FUNCTION pgwire_startup_message(parameters text[],
	protocol_version text DEFAULT '3.0')
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_startup_message_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_startup_message(text[], text) IS
'frontend StartupMessage: parameters as name/value pairs in wire order, e.g. ''{user,alice,database,db}''; protocol version as ''3.0''';

-- STABLE: the type sizes come from pg_type
CREATE FUNCTION pgwire_row_description(names text[], type_oids oid[])
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_row_description_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_row_description(text[], oid[]) IS
'backend RowDescription as the server sends it for a query result: no table, type size from pg_type, type modifier -1, text format';

CREATE FUNCTION pgwire_data_row("values" text[])
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_data_row_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_data_row(text[]) IS
'backend DataRow message with text values (NULL elements are SQL NULL)';

CREATE FUNCTION pgwire_command_complete(tag text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_command_complete_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_command_complete(text) IS
'backend CommandComplete message with the given command tag, e.g. ''SELECT 1''';

-- not STRICT: detail and hint are optional (NULL leaves them out)
CREATE FUNCTION pgwire_error_response(severity text, sqlstate text, message text,
	detail text DEFAULT NULL, hint text DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_error_response_sql'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_error_response(text, text, text, text, text) IS
'backend ErrorResponse with fields S and V (severity), C, M and the optional D and H; NULL if severity, sqlstate or message is NULL';

CREATE FUNCTION pgwire_ready_for_query(status "char" DEFAULT 'I')
RETURNS bytea
AS 'MODULE_PATHNAME', 'pgwire_ready_for_query_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_ready_for_query("char") IS
'backend ReadyForQuery with transaction status ''I'' (idle), ''T'' (in a transaction block) or ''E'' (failed transaction block)';

--
-- Logical replication: pgoutput messages
--

CREATE FUNCTION pgwire_decode_pgoutput(data bytea, proto_version int DEFAULT 1,
	in_stream boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pgwire_decode_pgoutput_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_decode_pgoutput(bytea, int, boolean) IS
'decode one pgoutput message (one data value of pg_logical_slot_peek_binary_changes) of protocol version 1 to 4; in_stream: the message lies between Stream Start and Stream Stop, so changes start with the xid';

CREATE FUNCTION pgwire_explain_pgoutput(data bytea, proto_version int DEFAULT 1,
	in_stream boolean DEFAULT false,
	OUT seq int, OUT byte_offset bigint, OUT length int, OUT path text,
	OUT raw bytea, OUT value text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pgwire_explain_pgoutput_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION pgwire_explain_pgoutput(bytea, int, boolean) IS
'byte map of one pgoutput message (arguments as pgwire_decode_pgoutput): each field with its offset from the type byte, length, path, bytes and value; seq is 1; malformed bytes raise 22P03';

-- VOLATILE and PARALLEL UNSAFE: it reads the slot's current state
CREATE FUNCTION pgwire_logical_changes(slot_name name, publications text[],
	proto_version int DEFAULT 1, "binary" boolean DEFAULT false,
	messages boolean DEFAULT true, options text[] DEFAULT '{}',
	upto_nchanges int DEFAULT 0,
	OUT lsn pg_lsn, OUT xid xid, OUT message jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pgwire_logical_changes_sql'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION pgwire_logical_changes(name, text[], int, boolean, boolean, text[], int) IS
'peek (never consume) the pending changes of a pgoutput logical slot, decoded in order; changes carry "relation" and "new"/"old" tuples keyed by column name; options: extra pgoutput name/value pairs, e.g. ''{streaming,on}''; upto_nchanges: stop after the transaction that reaches that many rows (0: all)';
