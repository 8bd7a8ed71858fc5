--
-- trace: pgwire_trace(bytea, direction, regress) gives libpq's PQtrace
-- line for each message, timestamps suppressed.
--

-- the psql SELECT 1/0 connection, backend side
SELECT t FROM capture c, pgwire_trace(c.backend) t WHERE c.id = 'error';
-- the same with regress => true: values that vary between runs are masked
SELECT t FROM capture c, pgwire_trace(c.backend, 'backend', true) t WHERE c.id = 'error';

-- the frontend side of the SCRAM connection
SELECT t FROM capture c, pgwire_trace(c.frontend, 'frontend') t WHERE c.id = 'scram';

-- Against libpq 15's own trace of the session capture (sql/data/session.trace,
-- written by PQtrace in the same run): the lines that differ, both ways.
-- Expected differences, all libpq 15 behaviour: it traces no startup packets
-- ("Unknown message" lines; PG18 prints them as we do), not the SSL answer
-- and AuthenticationOk (read before tracing starts), no server CopyData
-- (PQgetCopyData bypasses the tracer), and the contents of no client
-- CopyData (it prints the header and a "mismatched message length" line);
-- and one ReadyForQuery, the one that ends the function call (PQfn), is
-- not in its output.
WITH ours AS (
	SELECT 'F' AS dir, t AS line FROM capture c, pgwire_trace(c.frontend, 'frontend') t WHERE c.id = 'session'
	UNION ALL
	SELECT 'B', t FROM capture c, pgwire_trace(c.backend, 'backend') t WHERE c.id = 'session'
), libpq AS (
	SELECT left(line, 1) AS dir, line FROM libpq_trace
)
(SELECT 'only pgwire' AS source, line FROM ours EXCEPT ALL SELECT 'only pgwire', line FROM libpq)
UNION ALL
(SELECT 'only libpq', line FROM libpq EXCEPT ALL SELECT 'only libpq', line FROM ours)
ORDER BY 1, 2;

-- the lines in common
SELECT count(*) AS lines_in_common FROM (
	SELECT line FROM libpq_trace
	INTERSECT ALL
	(SELECT t FROM capture c, pgwire_trace(c.frontend, 'frontend') t WHERE c.id = 'session'
	 UNION ALL
	 SELECT t FROM capture c, pgwire_trace(c.backend) t WHERE c.id = 'session')) s;

-- in order: libpq's backend lines are ours without the SSL answer,
-- AuthenticationOk and CopyData; the first difference is that ReadyForQuery
WITH ours AS (
	SELECT row_number() OVER () AS n, t AS line
	FROM capture c, pgwire_trace(c.backend) t
	WHERE c.id = 'session' AND t !~ E'^B\t[0-9]+\t(SSLResponse|AuthenticationOk|CopyData)'
), libpq AS (
	SELECT row_number() OVER (ORDER BY n) AS n, line FROM libpq_trace WHERE line LIKE E'B\t%'
)
SELECT o.n, o.line AS pgwire, l.line AS libpq
FROM ours o FULL JOIN libpq l ON o.n = l.n
WHERE o.line IS DISTINCT FROM l.line
ORDER BY 1 LIMIT 1;
-- without it, the two are the same line for line
WITH ours AS (
	SELECT row_number() OVER (ORDER BY n) AS n, line FROM (
		SELECT row_number() OVER () AS n, t AS line
		FROM capture c, pgwire_trace(c.backend) t
		WHERE c.id = 'session' AND t !~ E'^B\t[0-9]+\t(SSLResponse|AuthenticationOk|CopyData)') s
	WHERE n <> 103
), libpq AS (
	SELECT row_number() OVER (ORDER BY n) AS n, line FROM libpq_trace WHERE line LIKE E'B\t%'
)
SELECT count(*) AS lines, count(*) FILTER (WHERE o.line IS DISTINCT FROM l.line) AS different
FROM ours o FULL JOIN libpq l ON o.n = l.n;
-- the frontend lines, in order, apart from startup packets and CopyData
WITH ours AS (
	SELECT row_number() OVER () AS n, t AS line
	FROM capture c, pgwire_trace(c.frontend, 'frontend') t
	WHERE c.id = 'session' AND t !~ E'^F\t[0-9]+\t(SSLRequest|StartupMessage|CopyData)'
), libpq AS (
	SELECT row_number() OVER (ORDER BY n) AS n, line FROM libpq_trace
	WHERE line LIKE E'F\t%' AND line !~ E'^F\t[0-9]+\t(Unknown message|$)'
)
SELECT count(*) AS lines, count(*) FILTER (WHERE o.line IS DISTINCT FROM l.line) AS different
FROM ours o FULL JOIN libpq l ON o.n = l.n;

-- messages built with the constructors
SELECT pgwire_trace(pgwire_parse('s1', 'SELECT $1', '{23}') || pgwire_bind('', 's1', ARRAY['42', NULL])
	|| pgwire_describe('P', '') || pgwire_execute('', 5) || pgwire_sync(), 'frontend');
SELECT pgwire_trace(pgwire_row_description('{a}', '{23}'), 'backend', true);
