--
-- init: install the extension and load the captured traffic the other
-- tests decode.
--
-- sql/data/captures.csv holds real connections, saved with
-- test/lib/relay.py between libpq/psql 15.20 and a PostgreSQL 15.20 server:
--   session  test/clients/libpq_session.c (simple and extended query,
--            errors, notices, pipeline, COPY, LISTEN/NOTIFY), sslmode=prefer
--   scram    psql as a role with a SCRAM-SHA-256 password, SELECT 1 AS one
--   error    psql with sslmode=disable, SELECT 1/0
-- sql/data/session.trace is libpq's own PQtrace output (timestamps
-- suppressed) for the session capture, written by the same run.
--
CREATE EXTENSION pgwire;

CREATE TABLE capture (id text PRIMARY KEY, description text,
	frontend bytea, backend bytea);
\copy capture FROM 'sql/data/captures.csv' WITH (FORMAT csv)

-- the data as saved (lengths and digests of the two streams)
SELECT id, length(frontend) AS frontend_bytes, length(backend) AS backend_bytes,
	md5(frontend) AS frontend_md5, md5(backend) AS backend_md5
FROM capture ORDER BY id;

-- libpq's trace, one line per row, in file order
CREATE TABLE libpq_trace (n serial PRIMARY KEY, line text);
\copy libpq_trace (line) FROM 'sql/data/session.trace' WITH (FORMAT csv, DELIMITER E'\x01', QUOTE E'\x02')
SELECT count(*) AS lines, count(*) FILTER (WHERE line LIKE E'F\t%') AS frontend,
	count(*) FILTER (WHERE line LIKE E'B\t%') AS backend
FROM libpq_trace;

-- every function is documented; STRICT, volatility and parallel safety
SELECT p.oid::regprocedure AS function, p.proisstrict AS strict,
	p.provolatile AS volatility, p.proparallel AS parallel,
	obj_description(p.oid, 'pg_proc') IS NOT NULL AS documented
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'pgwire'
ORDER BY p.proname;

-- try(statement): run it and show the SQLSTATE, message and detail of its
-- error, or 'no error' (errors.sql and replication.sql use it)
CREATE FUNCTION try(statement text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	state := 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL;
END
$$;

-- message n (from 1) of one direction of a capture, as its wire bytes
CREATE FUNCTION captured(capture_id text, direction text, n int) RETURNS bytea
LANGUAGE sql STABLE STRICT
AS $$
	SELECT substring(d.data FROM m.byte_offset::int + 1
		FOR CASE WHEN m.length IS NULL THEN 1
			WHEN m.type IS NULL THEN m.length ELSE m.length + 1 END)
	FROM capture c,
		LATERAL (SELECT CASE direction WHEN 'frontend' THEN c.frontend ELSE c.backend END) d(data),
		LATERAL pgwire_messages(d.data, direction) m
	WHERE c.id = capture_id AND m.seq = n
$$;
SELECT captured('error', 'frontend', 2), captured('error', 'backend', 18);
