--
-- explain: pgwire_explain(bytea, direction) is the byte map: one row per
-- field of every message, with its stream offset, size, path, bytes and
-- value.
--

-- the ReadyForQuery observed from a PostgreSQL 15 server
SELECT * FROM pgwire_explain('\x5a0000000549');

-- a real ErrorResponse (psql, SELECT 1/0)
SELECT * FROM pgwire_explain(captured('error', 'backend', 17));

-- a Bind with a NULL and a text parameter, and a result format
SELECT * FROM pgwire_explain(pgwire_bind('p1', 's1', ARRAY[NULL, '42'], '{1}'), 'frontend');

-- a StartupMessage and the SSLRequest before it (real, from libpq)
SELECT * FROM pgwire_explain(substring((SELECT frontend FROM capture WHERE id = 'session') FROM 1 FOR 78), 'frontend');

-- a stream: seq numbers the messages, offsets count from the first byte
SELECT seq, byte_offset, length, path, raw, value
FROM pgwire_explain(pgwire_command_complete('SELECT 1') || pgwire_ready_for_query('T'));

-- every field of every captured message: its bytes are the stream's
-- bytes at its offset
SELECT c.id, d.direction, count(DISTINCT e.seq) AS messages, count(*) AS fields,
	bool_and(substring(d.data FROM e.byte_offset::int + 1 FOR e.length) = e.raw) AS bytes_match
FROM capture c,
	LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data),
	LATERAL pgwire_explain(d.data, d.direction) e
GROUP BY 1, 2 ORDER BY 1, 2;
