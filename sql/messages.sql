--
-- messages: pgwire_messages(bytea, direction) gives one row per message
-- of a stream.
--

-- both directions of a psql connection that ran SELECT 1/0
SELECT m.seq, m.byte_offset, m.type, m.name, m.length
FROM capture c, pgwire_messages(c.frontend, 'frontend') m WHERE c.id = 'error';
SELECT m.seq, m.byte_offset, m.type, m.name, m.length
FROM capture c, pgwire_messages(c.backend) m WHERE c.id = 'error';
SELECT m.message FROM capture c, pgwire_messages(c.frontend, 'frontend') m
WHERE c.id = 'error' AND m.name = 'Query';

-- messages tile the stream: each starts where the previous one ended and
-- the last ends at the end of the data
SELECT id, direction, count(*) AS messages,
	bool_and(byte_offset = coalesce(previous_end, 0)) AS contiguous,
	max(byte_offset + size) = max(total) AS complete
FROM (SELECT c.id, d.direction, length(d.data) AS total, m.byte_offset, m.size,
		lag(m.byte_offset + m.size) OVER (PARTITION BY c.id, d.direction ORDER BY m.seq) AS previous_end
	FROM capture c,
		LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data),
		LATERAL (SELECT *, CASE WHEN length IS NULL THEN 1 WHEN type IS NULL THEN length
				ELSE length + 1 END AS size
			FROM pgwire_messages(d.data, d.direction)) m) s
GROUP BY id, direction ORDER BY 1, 2;

-- the message kinds in the captures
SELECT d.direction, m.name, count(*)
FROM capture c,
	LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data),
	LATERAL pgwire_messages(d.data, d.direction) m
GROUP BY 1, 2 ORDER BY 1, 2;

-- a stream built with the constructors
SELECT seq, byte_offset, type, name, length, message
FROM pgwire_messages(pgwire_parse('', 'SELECT $1') || pgwire_bind('', '', '{hi}')
	|| pgwire_execute() || pgwire_sync(), 'frontend');

-- empty input: no messages
SELECT count(*) FROM pgwire_messages(''::bytea);
