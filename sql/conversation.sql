--
-- conversation: pgwire_conversation(frontend, backend) decodes both
-- directions of one connection in conversation order, with the context
-- that only the pair gives.
--

-- SCRAM-SHA-256 login by psql: the 'p' messages are known from the
-- Authentication requests (not inferred, as pgwire_messages must)
SELECT seq, direction, byte_offset, type, name, length
FROM capture c, pgwire_conversation(c.frontend, c.backend) WHERE c.id = 'scram';
SELECT name, message->'inferred' AS inferred, message->>'mechanism' AS mechanism
FROM capture c, pgwire_conversation(c.frontend, c.backend)
WHERE c.id = 'scram' AND type = 'p';
SELECT name, message->'inferred' AS inferred
FROM capture c, pgwire_messages(c.frontend, 'frontend') WHERE c.id = 'scram' AND type = 'p';

-- libpq with sslmode=prefer: SSLRequest answered 'N', then the startup
SELECT seq, direction, byte_offset, type, name, length, message
FROM capture c, pgwire_conversation(c.frontend, c.backend) WHERE c.id = 'session' AND seq <= 5;

-- every message of both streams appears once, in its stream's order, as
-- pgwire_messages decodes it, apart from the "inferred" mark that only
-- one-direction decoding needs ('p' messages, the SSL answer)
SELECT c.id, direction, count(*) AS messages,
	bool_and(m.message = s.message - 'inferred') AS same_as_messages,
	count(*) FILTER (WHERE s.message ? 'inferred') AS inferred_alone
FROM capture c, pgwire_conversation(c.frontend, c.backend) m
	JOIN LATERAL (SELECT byte_offset, message
		FROM pgwire_messages(CASE m.direction WHEN 'frontend' THEN c.frontend ELSE c.backend END,
			m.direction)) s ON s.byte_offset = m.byte_offset
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT c.id, bool_and(ordered) AS each_direction_in_order
FROM capture c, LATERAL (
	SELECT byte_offset > coalesce(lag(byte_offset) OVER (PARTITION BY direction ORDER BY seq), -1) AS ordered
	FROM pgwire_conversation(c.frontend, c.backend)) s
GROUP BY 1 ORDER BY 1;

-- turn-taking: each Query is followed by the server's answer to it
SELECT seq, direction, name, coalesce(message->>'query', message->>'tag', message->>'status') AS detail
FROM capture c, pgwire_conversation(c.frontend, c.backend)
WHERE c.id = 'error' AND seq >= 17;

-- a whole connection written in SQL with the constructors: a
-- conversation starts at the start of a connection (a frontend stream
-- opens with a startup packet)
SELECT seq, direction, name, message->'parameters' AS parameters
FROM pgwire_conversation(
	pgwire_startup_message('{user,alice}') || pgwire_parse('', 'SELECT $1::int + 1') || pgwire_bind('', '', '{41}')
		|| pgwire_describe('P', '') || pgwire_execute() || pgwire_sync(),
	'\x5200000008 00000000 5a00000005 49 3100000004 3200000004'::bytea
		|| pgwire_row_description('{?column?}', '{23}')
		|| pgwire_data_row('{42}') || pgwire_command_complete('SELECT 1')
		|| pgwire_ready_for_query());

-- one side may be empty
SELECT seq, direction, name
FROM pgwire_conversation(pgwire_startup_message('{user,alice}') || pgwire_query('SELECT 1'), '');
SELECT seq, direction, name
FROM pgwire_conversation('', pgwire_error_response('FATAL', '28000', 'no pg_hba.conf entry'));
SELECT count(*) FROM pgwire_conversation('', '');
