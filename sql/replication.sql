--
-- replication: pgoutput messages from real logical slots, decoded one at
-- a time (pgwire_decode_pgoutput) and in order with the relation cache
-- (pgwire_logical_changes).
--
-- Needs a server with wal_level = logical and max_prepared_transactions > 0:
--   pg_virtualenv -o wal_level=logical -o max_prepared_transactions=10 make installcheck
-- (test/suites/30-regress runs it so).
--
-- LSNs, xids, OIDs and commit times differ from run to run, so they are
-- never shown as they are: masked() replaces each with what it is
-- relative to its row ("row lsn" when a message's LSN field equals the
-- lsn column of its row, "row xid" likewise, OIDs by the names they
-- stand for), and separate queries check how the varying values relate.
--

-- try(statement), which shows an error's SQLSTATE, message and detail, is
-- defined in init.sql.

-- a message with its varying values replaced (see above)
CREATE FUNCTION masked(m jsonb, row_lsn pg_lsn, row_xid xid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_object_agg(key, CASE
		WHEN key IN ('lsn', 'final_lsn', 'commit_lsn', 'end_lsn', 'prepare_lsn',
				'prepare_end_lsn', 'rollback_end_lsn', 'abort_lsn')
			THEN to_jsonb(CASE WHEN (value #>> '{}')::pg_lsn = row_lsn
							THEN 'row lsn' ELSE 'lsn' END)
		WHEN key IN ('commit_time', 'prepare_time', 'rollback_time', 'abort_time')
			THEN '"time"'
		WHEN key IN ('xid', 'subxid')
			THEN to_jsonb(CASE WHEN (value #>> '{}')::xid = row_xid
							THEN 'row xid' ELSE 'xid' END)
		WHEN key = 'relation_oid'
			THEN to_jsonb((value #>> '{}')::oid::regclass::text)
		WHEN key = 'type_oid'
			THEN to_jsonb((value #>> '{}')::oid::regtype::text)
		WHEN key = 'column_types'
			THEN (SELECT jsonb_object_agg(k, v::oid::regtype::text)
				  FROM jsonb_each_text(value) AS t(k, v))
		WHEN key = 'columns'
			THEN (SELECT jsonb_agg(c || jsonb_build_object('type_oid',
								(c ->> 'type_oid')::oid::regtype::text) ORDER BY i)
				  FROM jsonb_array_elements(value) WITH ORDINALITY AS e(c, i))
		-- Truncate's relation OIDs, an array of numbers
		WHEN key = 'relation_oids'
			THEN (SELECT jsonb_agg(o::oid::regclass::text ORDER BY i)
				  FROM jsonb_array_elements_text(value) WITH ORDINALITY AS e(o, i))
		ELSE value END)
	FROM jsonb_each(m)
$$;

\pset format unaligned
\pset fieldsep ' | '
\pset footer off
\pset tuples_only on

SELECT current_setting('wal_level') AS wal_level;

--
-- The tables, a publication with a name that needs quoting, two slots
--
CREATE TYPE mood AS ENUM ('sad', 'happy');
-- REPLICA IDENTITY DEFAULT: the primary key identifies old rows
CREATE TABLE repl_key (id int PRIMARY KEY, name text, feeling mood);
-- REPLICA IDENTITY FULL: the whole old row
CREATE TABLE repl_full (id int, note text, data bytea);
ALTER TABLE repl_full REPLICA IDENTITY FULL;
-- a toasted value that an UPDATE leaves alone is sent as 'u' (unchanged)
CREATE TABLE repl_toast (id int PRIMARY KEY, name text, doc text);
ALTER TABLE repl_toast ALTER COLUMN doc SET STORAGE EXTERNAL;
-- not published: its changes never show
CREATE TABLE repl_other (id int);
CREATE PUBLICATION "Regress Pub" FOR TABLE repl_key, repl_full, repl_toast;

SELECT slot_name FROM pg_create_logical_replication_slot('regress_pgwire', 'pgoutput');
SELECT slot_name, plugin, slot_type, two_phase FROM pg_replication_slots
WHERE slot_name = 'regress_pgwire';
-- test_decoding reports the same transactions, for comparison
SELECT slot_name FROM pg_create_logical_replication_slot('regress_td', 'test_decoding');
SELECT now() AS start \gset

--
-- Changes
--
INSERT INTO repl_key VALUES (1, 'one', 'happy'), (2, NULL, 'sad');
UPDATE repl_key SET name = 'uno' WHERE id = 1;
UPDATE repl_key SET id = 3 WHERE id = 2;
DELETE FROM repl_key WHERE id = 1;
BEGIN;
INSERT INTO repl_full VALUES (1, 'a', '\x00ff');
UPDATE repl_full SET note = 'b';
DELETE FROM repl_full;
COMMIT;
INSERT INTO repl_toast VALUES (1, 'x', repeat('toast ', 500));
UPDATE repl_toast SET name = 'y';
INSERT INTO repl_other VALUES (1);
TRUNCATE repl_key, repl_full;
-- a transactional message goes with its transaction; a non-transactional
-- one is sent at once, even from a transaction that rolls back
BEGIN;
INSERT INTO repl_key VALUES (10, 'ten', NULL);
SELECT pg_logical_emit_message(true, 'regress', 'transactional') IS NOT NULL AS emitted;
COMMIT;
BEGIN;
SELECT pg_logical_emit_message(false, 'regress', '\x00ff'::bytea) IS NOT NULL AS emitted;
ROLLBACK;
-- slots are read up to the WAL flushed to disk, and a rollback does not
-- flush: commit something (unpublished) so the message is readable now
INSERT INTO repl_other VALUES (2);

--
-- Every pending change, in order
--
-- (the 3000 characters of repl_toast.doc shortened)
SELECT n, replace(masked(message, lsn, xid)::text, repeat('toast ', 500), 'toast ... x500')
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
	WITH ORDINALITY AS c(lsn, xid, message, n)
ORDER BY n;

-- the readable part alone: relation, new and old tuples by column name
SELECT n, message ->> 'message' AS message, message -> 'relation' AS relation,
	message -> 'old' AS old,
	replace((message -> 'new')::text, repeat('toast ', 500), 'toast ... x500') AS new,
	message -> 'relations' AS relations
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
	WITH ORDINALITY AS c(lsn, xid, message, n)
WHERE message ?| '{relation,relations}'
ORDER BY n;

-- how the varying values relate, per transaction: Begin's xid is the xid
-- of every row up to its Commit; Begin's final_lsn is Commit's
-- commit_lsn; Commit's end_lsn is its row's lsn; both carry the same
-- commit time, which lies within this test and whose "us" (microseconds
-- since 2000-01-01 UTC) is its "iso"
CREATE TEMP TABLE changes AS
SELECT n, lsn, xid, message
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
	WITH ORDINALITY AS c(lsn, xid, message, n);
SELECT b.n AS begin_row, k.n AS commit_row,
	(b.message ->> 'xid')::xid = b.xid AS begin_xid,
	(SELECT bool_and(c.xid = b.xid) FROM changes c WHERE c.n BETWEEN b.n AND k.n) AS row_xids,
	b.message ->> 'final_lsn' = k.message ->> 'commit_lsn' AS final_lsn,
	(k.message ->> 'end_lsn')::pg_lsn = k.lsn AS end_lsn,
	b.message -> 'commit_time' = k.message -> 'commit_time' AS commit_time,
	(k.message #>> '{commit_time,iso}')::timestamptz BETWEEN :'start' AND clock_timestamp()
		AS during_test,
	timestamptz '2000-01-01 00:00:00+00' + (k.message #>> '{commit_time,us}')::bigint
		* interval '1 microsecond' = (k.message #>> '{commit_time,iso}')::timestamptz
		AS us_is_iso
FROM changes b
JOIN changes k ON k.n = (SELECT min(n) FROM changes c
						 WHERE c.n > b.n AND c.message ->> 'message' = 'Commit')
WHERE b.message ->> 'message' = 'Begin'
ORDER BY b.n;
-- the transactional message has its transaction's xid; the
-- non-transactional one has none: xid 0
SELECT n, xid::text = '0' AS xid_0, message ->> 'flags' AS flags FROM changes
WHERE message ->> 'message' = 'Message' ORDER BY n;

--
-- The readable tuples agree with test_decoding: each change rebuilt as
-- test_decoding writes it ("table public.t: INSERT: id[integer]:1 ..."),
-- with the column order and types of the last Relation message before it
-- and the values from "new" and "old", equals test_decoding's line for the
-- same change.  test_decoding leaves out NULL columns of old tuples, puts
-- numbers and booleans unquoted and everything else in single quotes.
--
CREATE FUNCTION td_value(v jsonb, type oid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN jsonb_typeof(v) = 'null' THEN 'null'
		WHEN v = '{"unchanged": true}' THEN 'unchanged-toast-datum'
		WHEN type IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'oid'::regtype,
				'float4'::regtype, 'float8'::regtype, 'numeric'::regtype) THEN v #>> '{}'
		WHEN type = 'bool'::regtype THEN CASE v #>> '{}' WHEN 't' THEN 'true' ELSE 'false' END
		ELSE '''' || replace(v #>> '{}', '''', '''''') || ''''
	END
$$;
CREATE FUNCTION td_tuple(columns jsonb, tuple jsonb, skip_nulls boolean) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT string_agg(format('%s[%s]:%s', quote_ident(c ->> 'name'),
			format_type((c ->> 'type_oid')::oid, (c ->> 'type_modifier')::int),
			td_value(tuple -> (c ->> 'name'), (c ->> 'type_oid')::oid)), ' ' ORDER BY i)
	FROM jsonb_array_elements(columns) WITH ORDINALITY AS e(c, i)
	WHERE NOT (skip_nulls AND jsonb_typeof(tuple -> (c ->> 'name')) = 'null')
$$;
CREATE TEMP TABLE ours AS
SELECT row_number() OVER (ORDER BY c.n) AS k, CASE c.message ->> 'message'
	WHEN 'Insert' THEN format('table %s: INSERT: %s', c.message ->> 'relation',
		td_tuple(r.columns, c.message -> 'new', false))
	WHEN 'Update' THEN format('table %s: UPDATE: %s%s', c.message ->> 'relation',
		'old-key: ' || td_tuple(r.columns, c.message -> 'old', true) || ' new-tuple: ',
		td_tuple(r.columns, c.message -> 'new', false))
	WHEN 'Delete' THEN format('table %s: DELETE: %s', c.message ->> 'relation',
		td_tuple(r.columns, c.message -> 'old', true))
	WHEN 'Truncate' THEN format('table %s: TRUNCATE: (no-flags)',
		(SELECT string_agg(t, ', ') FROM jsonb_array_elements_text(c.message -> 'relations') t))
	END AS line
FROM changes c
LEFT JOIN LATERAL (
	SELECT message -> 'columns' AS columns FROM changes p
	WHERE p.n < c.n AND p.message ->> 'message' = 'Relation'
		AND p.message -> 'relation_oid' = c.message -> 'relation_oid'
	ORDER BY p.n DESC LIMIT 1) r ON true
WHERE c.message ->> 'message' IN ('Insert', 'Update', 'Delete', 'Truncate');
CREATE TEMP TABLE theirs AS
SELECT row_number() OVER (ORDER BY n) AS k, data AS line
FROM pg_logical_slot_peek_changes('regress_td', NULL, NULL, 'include-xids', '0',
	'skip-empty-xacts', '1') WITH ORDINALITY AS t(lsn, xid, data, n)
WHERE data LIKE 'table %' AND data NOT LIKE 'table public.repl_other:%';
SELECT count(*) AS changes, count(*) FILTER (WHERE o.line = t.line) AS same
FROM ours o FULL JOIN theirs t USING (k);
-- any that differ
SELECT k, o.line AS ours, t.line AS test_decoding
FROM ours o FULL JOIN theirs t USING (k)
WHERE o.line IS DISTINCT FROM t.line ORDER BY k;
-- what they look like
SELECT line FROM theirs WHERE k IN (4, 7, 10, 11) ORDER BY k;

--
-- Peeking does not consume: the same rows come back, the slot stays
--
SELECT confirmed_flush_lsn AS flush_before FROM pg_replication_slots
WHERE slot_name = 'regress_pgwire' \gset
SELECT (SELECT array_agg(message ORDER BY n) FROM changes) =
	(SELECT array_agg(message) FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}'))
	AS same_rows_again,
	(SELECT array_agg(lsn::text || ' ' || xid::text ORDER BY n) FROM changes) =
	(SELECT array_agg(lsn::text || ' ' || xid::text)
	 FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')) AS same_lsns_and_xids;
SELECT confirmed_flush_lsn = :'flush_before' AS slot_unchanged FROM pg_replication_slots
WHERE slot_name = 'regress_pgwire';

--
-- Single messages: pgwire_decode_pgoutput on the rows of
-- pg_logical_slot_peek_binary_changes, and back with pgwire_encode
--
CREATE TEMP TABLE raw AS
SELECT n, lsn, xid, data
FROM pg_logical_slot_peek_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '1', 'publication_names', '"Regress Pub"', 'messages', 'true')
	WITH ORDINALITY AS r(lsn, xid, data, n);
-- the same rows as pgwire_logical_changes, which adds only the readable keys
SELECT count(*) AS rows,
	count(*) FILTER (WHERE pgwire_decode_pgoutput(r.data) =
		c.message - '{relation,column_types,new,old,relations}'::text[]) AS same_message,
	count(*) FILTER (WHERE r.lsn = c.lsn AND r.xid = c.xid) AS same_lsn_xid
FROM raw r JOIN changes c USING (n);
-- every message encodes back to its bytes, byte for byte
SELECT count(*) AS rows,
	count(*) FILTER (WHERE pgwire_encode(pgwire_decode_pgoutput(data)) = data) AS round_trip,
	count(*) FILTER (WHERE pgwire_encode(c.message - '{relation,new,old,relations}'::text[])
		= data) AS round_trip_changes
FROM raw r JOIN changes c USING (n);
-- the Inserts and Updates of repl_key, as bytes (the relation OID, which
-- varies, shown as zeros) and as JSON
SELECT n, substring(data FROM 2 FOR 4) = int4send('repl_key'::regclass::oid::int) AS oid,
	encode(overlay(data PLACING '\x00000000' FROM 2), 'hex') AS data
FROM raw WHERE get_byte(data, 0) IN (ascii('I'), ascii('U')) AND n < 12 ORDER BY n;
-- the byte map of the first Update of repl_key (pgwire_explain_pgoutput):
-- every field with its offset from the type byte; the relation OID, which
-- varies, shown by name
SELECT e.byte_offset, e.length, e.path,
	CASE e.path WHEN 'relation_oid' THEN e.value::oid::regclass::text ELSE e.value END AS value
FROM (SELECT data FROM raw WHERE get_byte(data, 0) = ascii('U') ORDER BY n LIMIT 1) r,
	pgwire_explain_pgoutput(r.data) e
ORDER BY e.byte_offset;
-- for every row: the rows cover the message's bytes once, in order
SELECT count(*) AS messages,
	count(*) FILTER (WHERE covered) AS covered
FROM (SELECT r.n, bool_and(e.raw = substring(r.data FROM e.byte_offset::int + 1 FOR e.length))
			AND sum(e.length) = length(r.data) AS covered
	  FROM raw r, pgwire_explain_pgoutput(r.data) e GROUP BY r.n, r.data) m;
SELECT * FROM try($$SELECT * FROM pgwire_explain_pgoutput('\x49000040174e0003740000000132')$$);
SELECT * FROM try($$SELECT * FROM pgwire_explain_pgoutput('\x45', 1, true)$$);
-- the Update that changed the key: old key tuple 'K', then the new row 'N'
SELECT n, jsonb_pretty(masked(pgwire_decode_pgoutput(data), lsn, xid))
FROM raw WHERE n = 11;
-- Robustness: every proper prefix of each real message, and each message
-- with one byte in turn replaced by 0xff, 0x00 or 0x7f, read as protocol
-- 1 and as protocol 4 inside a streamed block: the outcome is ERROR 22P03
-- or a message that encodes back to exactly the bytes given
CREATE FUNCTION pgoutput_outcome(data bytea, proto int, in_stream boolean) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	IF pgwire_encode(pgwire_decode_pgoutput(data, proto, in_stream)) = data THEN
		RETURN 'decodes, round trip';
	END IF;
	RETURN 'decodes, different bytes';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;
-- (which replaced bytes still decode depends on values that vary from run
-- to run, such as OIDs; the set of outcomes does not)
SELECT proto, array_agg(DISTINCT outcome ORDER BY outcome) AS outcomes, count(*) AS inputs
FROM (SELECT p.proto, pgoutput_outcome(substring(data FROM 1 FOR i), p.proto, p.proto > 1)
	  FROM raw, generate_series(0, length(data) - 1) i, (VALUES (1), (4)) p(proto)) s(proto, outcome)
GROUP BY 1 ORDER BY 1;
SELECT proto, array_agg(DISTINCT outcome ORDER BY outcome) AS outcomes, count(*) AS inputs
FROM (SELECT p.proto, pgoutput_outcome(set_byte(data, i, b), p.proto, p.proto > 1)
	  FROM raw, generate_series(0, length(data) - 1) i, unnest(ARRAY[255, 0, 127]) b,
		(VALUES (1), (4)) p(proto)
	  WHERE length(data) < 1000) s(proto, outcome)
GROUP BY 1 ORDER BY 1;
-- protocol versions 2 and 3 send these messages as version 1 does
SELECT count(*) AS rows,
	count(*) FILTER (WHERE pgwire_decode_pgoutput(data, 2) = pgwire_decode_pgoutput(data, 1))
		AS same_in_2,
	count(*) FILTER (WHERE pgwire_decode_pgoutput(data, 3) = pgwire_decode_pgoutput(data, 1))
		AS same_in_3
FROM raw;
SELECT (SELECT array_agg(message) FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', 3)) =
	(SELECT array_agg(message ORDER BY n) FROM changes) AS proto_3_same;

--
-- Binary mode: column values in the types' binary send format, shown as hex
--
SELECT n, message ->> 'message' AS message, message -> 'relation' AS relation,
	message -> 'old' AS old, message -> 'new' AS new
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', "binary" => true)
	WITH ORDINALITY AS c(lsn, xid, message, n)
WHERE message ? 'relation' AND message ->> 'relation' <> 'public.repl_toast'
ORDER BY n;
SELECT DISTINCT jsonb_path_query(message, '$.new_tuple[*].kind') AS kind
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', "binary" => true)
ORDER BY 1;

--
-- Without messages => true, no Message rows
--
SELECT count(*) FILTER (WHERE message ->> 'message' = 'Message') AS messages,
	count(*) AS rows
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', messages => false);

--
-- upto_nchanges: whole transactions, until that many rows were reached
--
SELECT string_agg(message ->> 'message', ',')
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', upto_nchanges => 3);
SELECT string_agg(message ->> 'message', ',')
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', upto_nchanges => 7);
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}',
	upto_nchanges => -1)$$);

--
-- Consuming is explicit: pg_logical_slot_get_binary_changes, then nothing
-- is pending
--
SELECT count(*) AS consumed FROM pg_logical_slot_get_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '1', 'publication_names', '"Regress Pub"', 'messages', 'true');
SELECT count(*) AS pending FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}');

--
-- Origin: a transaction replayed from elsewhere, as a subscriber's apply
-- worker marks it, carries an Origin message with the origin's name and
-- the commit LSN it had there; Begin and Commit carry its commit time there
--
SELECT pg_replication_origin_create('regress_origin') > 0 AS origin_created;
SELECT pg_replication_origin_session_setup('regress_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('1/ABCD0123', '2026-01-01 00:00:00+00');
INSERT INTO repl_key VALUES (50, 'from elsewhere', NULL);
COMMIT;
SELECT pg_replication_origin_session_reset();
SELECT n, masked(message, lsn, xid),
	CASE WHEN message ->> 'message' = 'Origin' THEN message ->> 'commit_lsn' END AS origin_commit_lsn,
	message #>> '{commit_time,iso}' AS commit_time
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
	WITH ORDINALITY AS c(lsn, xid, message, n)
ORDER BY n;
SELECT count(*) AS consumed FROM pg_logical_slot_get_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '1', 'publication_names', '"Regress Pub"');
SELECT pg_replication_origin_drop('regress_origin');

--
-- Schema changes: pgoutput sends a new Relation message before the next
-- change of an altered table, and the tuples follow the new columns
--
INSERT INTO repl_full VALUES (2, 'before', NULL);
ALTER TABLE repl_full ADD COLUMN extra int;
INSERT INTO repl_full VALUES (3, 'added', NULL, 42);
ALTER TABLE repl_full DROP COLUMN note;
ALTER TABLE repl_full RENAME COLUMN data TO payload;
INSERT INTO repl_full VALUES (4, '\x01', 43);
-- names that need quoting are quoted in "relation", as SQL writes them
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."T" ("Id" int PRIMARY KEY);
ALTER PUBLICATION "Regress Pub" ADD TABLE "Odd Schema"."T";
INSERT INTO "Odd Schema"."T" VALUES (1);
SELECT message ->> 'relation' AS relation, message -> 'new' AS new
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
WHERE message ->> 'message' = 'Insert' AND message ->> 'relation' LIKE '"%';
SELECT message ->> 'message' AS message,
	CASE WHEN message ->> 'message' = 'Relation'
		THEN jsonb_path_query_array(message, '$.columns[*].name') END AS columns,
	message -> 'new' AS new
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
WHERE message ->> 'message' IN ('Relation', 'Insert');
SELECT count(*) AS consumed FROM pg_logical_slot_get_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '1', 'publication_names', '"Regress Pub"');

--
-- Encodings: pgoutput converts names and text values to the session's
-- client_encoding, as for any result sent to a client; the readable keys
-- are converted back to the database's encoding, the lossless message
-- keeps the bytes (LATIN1 0xef for U+00EF, not UTF-8, so shown as hex)
--
INSERT INTO repl_key VALUES (60, U&'na\00EFve', NULL);
SELECT message #>> '{new,name}' = U&'na\00EFve' AS readable,
	message #> '{new_tuple,1,value}' AS lossless
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
WHERE message ->> 'message' = 'Insert';
SET client_encoding = 'LATIN1';
SELECT message #>> '{new,name}' = U&'na\00EFve' AS readable,
	message #> '{new_tuple,1,value}' AS lossless
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
WHERE message ->> 'message' = 'Insert';
RESET client_encoding;
SELECT count(*) AS consumed FROM pg_logical_slot_get_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '1', 'publication_names', '"Regress Pub"');
-- in an encoding other than LATIN1 too (WIN1251 0xef is U+043F, not
-- U+00EF): each value is converted, never read byte by byte as code points
INSERT INTO repl_key VALUES (61, U&'\043F\0440\0438\0432\0435\0442', NULL);
SET client_encoding = 'WIN1251';
SELECT message #>> '{new,name}' = U&'\043F\0440\0438\0432\0435\0442' AS readable,
	message #> '{new_tuple,1,value}' AS lossless
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}')
WHERE message ->> 'message' = 'Insert';
RESET client_encoding;
SELECT count(*) AS consumed FROM pg_logical_slot_get_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '1', 'publication_names', '"Regress Pub"');

--
-- Streaming (protocol 2, streaming on, a small logical_decoding_work_mem):
-- a large transaction arrives in Stream Start .. Stream Stop blocks, whose
-- changes carry the xid first; the state is carried from row to row
--
SET logical_decoding_work_mem = '64kB';
BEGIN;
INSERT INTO repl_key SELECT i, repeat('x', 100), 'sad' FROM generate_series(1001, 3000) i;
SELECT pg_logical_emit_message(true, 'regress', 'streamed') IS NOT NULL AS emitted;
COMMIT;
-- a transaction with a rolled back savepoint
BEGIN;
INSERT INTO repl_key VALUES (100, 'before');
SAVEPOINT s;
INSERT INTO repl_key SELECT i, repeat('y', 100), 'happy' FROM generate_series(3001, 5000) i;
ROLLBACK TO SAVEPOINT s;
INSERT INTO repl_key VALUES (101, 'after');
COMMIT;
CREATE TEMP TABLE streamed AS
SELECT n, lsn, xid, message
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', 2, options => '{streaming,on}')
	WITH ORDINALITY AS c(lsn, xid, message, n);
-- per transaction: several blocks, each opened and closed, only the first
-- a first segment; every change inside with an xid first; the ids
-- inserted; the Stream messages seen
SELECT count(*) FILTER (WHERE message ->> 'message' = 'StreamStart') > 1 AS several_blocks,
	count(*) FILTER (WHERE message ->> 'message' = 'StreamStart') =
		count(*) FILTER (WHERE message ->> 'message' = 'StreamStop') AS balanced,
	count(*) FILTER (WHERE message ->> 'message' = 'StreamStart'
					 AND message ->> 'first_segment' = '1') AS first_segments,
	bool_and(message ? 'xid') FILTER (WHERE message ->> 'message'
		IN ('Insert', 'Relation', 'Type', 'Message')) AS changes_with_xid,
	count(*) FILTER (WHERE message ->> 'message' = 'Insert'
		AND (message #>> '{new,id}')::int BETWEEN 1001 AND 3000) AS ids_1001_to_3000,
	string_agg(message #>> '{new,id}', ',' ORDER BY n)
		FILTER (WHERE (message #>> '{new,id}')::int NOT BETWEEN 1001 AND 5000) AS other_ids,
	string_agg(DISTINCT message ->> 'message', ',' ORDER BY message ->> 'message')
		FILTER (WHERE message ->> 'message' LIKE 'Stream%') AS stream_messages
FROM streamed t GROUP BY xid::text ORDER BY min(n);
-- the first transaction's first rows and its end (how many blocks and
-- rows come between depends on the server's memory accounting); in the
-- second, the changes outside the savepoint and the Stream Abort of the
-- rolled back subtransaction (whether its changes were streamed before the abort was
-- decoded depends on timing, so they are left out).  A change carries the
-- xid of its subtransaction ("xid": 101 was inserted in the savepoint
-- re-established by ROLLBACK TO), Stream Abort the top-level xid and the
-- subtransaction's, which is also the xid column of its row.
SELECT masked(message, lsn, xid) FROM streamed
WHERE n <= 4 OR message ->> 'message' IN ('StreamCommit', 'StreamAbort', 'Message')
	OR (message #>> '{new,id}')::int IN (100, 101)
ORDER BY n;
-- single messages: a streamed Insert needs in_stream => true; read
-- without it, its xid is taken for the relation OID and the tuple kind
-- is then a byte of the real OID
CREATE TEMP TABLE raw_streamed AS
SELECT n, lsn, xid, data
FROM pg_logical_slot_peek_binary_changes('regress_pgwire', NULL, NULL,
	'proto_version', '2', 'publication_names', '"Regress Pub"', 'messages', 'true',
	'streaming', 'on')
	WITH ORDINALITY AS r(lsn, xid, data, n);
SELECT count(*) = (SELECT count(*) FROM streamed) AS same_rows,
	bool_and(pgwire_encode(s.message - '{relation,new,old,relations}'::text[]) = r.data)
		AS round_trip
FROM raw_streamed r JOIN streamed s USING (n);
SELECT masked(pgwire_decode_pgoutput(data, 2, in_stream => true), lsn, xid) - 'new_tuple'
FROM raw_streamed WHERE get_byte(data, 0) = ascii('I') ORDER BY n LIMIT 1;
SELECT * FROM try(format('SELECT pgwire_decode_pgoutput(%L, 2)', (
	SELECT data FROM raw_streamed WHERE get_byte(data, 0) = ascii('I') ORDER BY n LIMIT 1)));
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x49', 1, in_stream => true)$$);
SELECT count(*) > 2000 AS consumed FROM pg_logical_slot_get_binary_changes('regress_pgwire',
	NULL, NULL, 'proto_version', '2', 'publication_names', '"Regress Pub"', 'streaming', 'on');
RESET logical_decoding_work_mem;

--
-- Two-phase commit (protocol 3, two_phase on, a slot created with
-- two_phase): Begin Prepare, Prepare, then Commit Prepared or Rollback
-- Prepared
--
SELECT slot_name
FROM pg_create_logical_replication_slot('regress_pgwire_2pc', 'pgoutput', false, true);
SELECT slot_name, plugin, two_phase FROM pg_replication_slots
WHERE slot_name = 'regress_pgwire_2pc';
BEGIN;
INSERT INTO repl_key VALUES (20, 'twenty', 'happy');
PREPARE TRANSACTION 'regress_g1';
COMMIT PREPARED 'regress_g1';
BEGIN;
DELETE FROM repl_key WHERE id = 20;
PREPARE TRANSACTION 'regress_g2';
ROLLBACK PREPARED 'regress_g2';
SELECT n, masked(message, lsn, xid)
FROM pgwire_logical_changes('regress_pgwire_2pc', '{Regress Pub}', 3, options => '{two_phase,on}')
	WITH ORDINALITY AS c(lsn, xid, message, n)
ORDER BY n;
-- Prepare repeats Begin Prepare's LSNs; Commit Prepared's commit_lsn and
-- Rollback Prepared's prepare_end_lsn are Prepare's end_lsn
SELECT b.message ->> 'gid' AS gid,
	b.message -> 'prepare_lsn' = p.message -> 'prepare_lsn' AS prepare_lsn,
	b.message -> 'end_lsn' = p.message -> 'end_lsn' AS end_lsn,
	p.message -> 'end_lsn' = coalesce(k.message -> 'commit_lsn', k.message -> 'prepare_end_lsn')
		AS finish_refers_to_prepare
FROM pgwire_logical_changes('regress_pgwire_2pc', '{Regress Pub}', 3, options => '{two_phase,on}') b
JOIN pgwire_logical_changes('regress_pgwire_2pc', '{Regress Pub}', 3, options => '{two_phase,on}') p
	ON p.message ->> 'message' = 'Prepare' AND p.message ->> 'gid' = b.message ->> 'gid'
JOIN pgwire_logical_changes('regress_pgwire_2pc', '{Regress Pub}', 3, options => '{two_phase,on}') k
	ON k.message ->> 'message' IN ('CommitPrepared', 'RollbackPrepared')
	AND k.message ->> 'gid' = b.message ->> 'gid'
WHERE b.message ->> 'message' = 'BeginPrepare'
ORDER BY 1;
-- protocol 1 has no two-phase messages in the docs, but PostgreSQL 15
-- sends them from a slot created with two_phase whatever the protocol
-- version asked for; the decoder takes them under version 1 too, and they
-- are the same messages as under version 3
SELECT v1.n, v1.message ->> 'message' AS message,
	masked(v1.message, v1.lsn, v1.xid) = masked(v3.message, v3.lsn, v3.xid) AS same_as_v3
FROM pgwire_logical_changes('regress_pgwire_2pc', '{Regress Pub}')
	WITH ORDINALITY AS v1(lsn, xid, message, n)
FULL JOIN pgwire_logical_changes('regress_pgwire_2pc', '{Regress Pub}', 3, options => '{two_phase,on}')
	WITH ORDINALITY AS v3(lsn, xid, message, n) USING (n)
ORDER BY n;

--
-- Errors
--
-- protocol versions are 1 to 4; in_stream needs 2
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x45', 0)$$);
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x45', 5)$$);
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}', 0)$$);
-- Stream Stop is a message of protocol 2
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x45', 1)$$);
SELECT pgwire_decode_pgoutput('\x45', 2);
-- empty; no pgoutput message 'Z'
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('')$$);
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x5a')$$);
-- Begin cut short inside its commit time; Commit with a byte after it
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x42 0000000001000000 000000')$$);
SELECT * FROM try($$SELECT pgwire_decode_pgoutput(
	'\x43 00 0000000001000000 0000000001000030 0002c3b2c0b5a2a0 00')$$);
-- Insert of relation 16384 with tuple kind 'X' instead of 'N'
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x49 00004000 58 0000')$$);
-- Delete whose old tuple is neither 'K' nor 'O'
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x44 00004000 4e 0000')$$);
-- Insert with a column of kind 'x'
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x49 00004000 4e 0001 78')$$);
-- Insert whose 't' column says 5 bytes and has 1
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x49 00004000 4e 0001 74 00000005 61')$$);
-- Message with a negative content length
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x4d 01 0000000001000000 7800 ffffffff')$$);
-- Truncate of -1 relations
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x54 ffffffff 00')$$);
-- Truncate of 2 relations with 1 OID; and 2 OIDs, the second with no zero byte
SELECT * FROM try($$SELECT pgwire_decode_pgoutput('\x54 00000002 00 00004000')$$);
SELECT pgwire_decode_pgoutput('\x54 00000002 01 00004000 7f7f7f7f') ->> 'relation_oids' AS relation_oids,
	pgwire_encode(pgwire_decode_pgoutput('\x54 00000002 01 00004000 7f7f7f7f')) AS round_trip;
-- NULL in, NULL out
SELECT pgwire_decode_pgoutput(NULL) IS NULL AS null_data,
	pgwire_decode_pgoutput('\x45', NULL) IS NULL AS null_version;
SELECT count(*) AS rows FROM pgwire_logical_changes(NULL, '{Regress Pub}');
-- publications: at least one, no NULLs; options in pairs
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{}')$$);
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{NULL}')$$);
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}',
	options => '{streaming}')$$);
-- what the server says: no such slot, no such publication, an option
-- pgoutput does not know
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('no_such_slot', '{Regress Pub}')$$);
INSERT INTO repl_key VALUES (30, 'thirty', NULL);
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{regress pub}')$$);
SELECT * FROM try($$SELECT * FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}',
	options => '{colour,blue}')$$);
-- the publication name is quoted as an identifier, so its case and space count
SELECT message ->> 'message', message -> 'new'
FROM pgwire_logical_changes('regress_pgwire', '{Regress Pub}');

--
-- Clean up: slots hold WAL and keep the database from being dropped
--
SELECT pg_drop_replication_slot('regress_pgwire');
SELECT pg_drop_replication_slot('regress_pgwire_2pc');
SELECT pg_drop_replication_slot('regress_td');
DROP PUBLICATION "Regress Pub";
DROP TABLE repl_key, repl_full, repl_toast, repl_other;
DROP SCHEMA "Odd Schema" CASCADE;
DROP TYPE mood;
DROP FUNCTION masked(jsonb, pg_lsn, xid);
DROP FUNCTION pgoutput_outcome(bytea, int, boolean);
DROP FUNCTION td_tuple(jsonb, jsonb, boolean);
DROP FUNCTION td_value(jsonb, oid);
