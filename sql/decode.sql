--
-- decode: pgwire_decode(bytea, direction) turns exactly one message into
-- its JSON form.
--

-- byte dumps observed from a PostgreSQL 15 server
-- (shared/reference/protocol.md, "Observed examples")
SELECT pgwire_decode('\x5200000008 00000000'::bytea);		-- AuthenticationOk
SELECT pgwire_decode('\x5a00000005 49'::bytea);			-- ReadyForQuery, idle
SELECT pgwire_decode('\x4b0000000c 00003829 e06deb4a');	-- BackendKeyData
SELECT pgwire_decode('\x560000000c 00000004 0000002a'::bytea);	-- FunctionCallResponse int4pl(40,2)
SELECT pgwire_decode('\x7600000015 00030000 00000001 5f70715f2e666f6f00');	-- NegotiateProtocolVersion

-- the same type byte is a different message in each direction: 'D'
SELECT pgwire_decode('\x4400000008 53 733100', 'frontend');	-- Describe S "s1"
SELECT pgwire_decode(pgwire_data_row('{s1}'), 'backend');

-- untyped startup packets and the one-byte SSL answer, from the session
-- capture: SSLRequest (8 bytes), then StartupMessage (70 bytes); 'N'
SELECT pgwire_decode(substring(frontend FROM 1 FOR 8), 'frontend')
FROM capture WHERE id = 'session';
SELECT jsonb_pretty(pgwire_decode(substring(frontend FROM 9 FOR 70), 'frontend'))
FROM capture WHERE id = 'session';
SELECT pgwire_decode(substring(backend FROM 1 FOR 1)) FROM capture WHERE id = 'session';

-- a real ErrorResponse (SELECT 1/0): fields in wire order
SELECT jsonb_pretty(pgwire_decode(substring(c.backend FROM m.byte_offset::int + 1 FOR m.length + 1)))
FROM capture c, pgwire_messages(c.backend) m
WHERE c.id = 'error' AND m.name = 'ErrorResponse';

-- a DataRow with a NULL, a tab and UTF-8 text; a binary DataRow
SELECT pgwire_decode(substring(c.backend FROM m.byte_offset::int + 1 FOR m.length + 1)) AS message
FROM capture c, pgwire_messages(c.backend) m
WHERE c.id = 'session' AND m.name = 'DataRow' AND m.seq IN (19, 23);
SELECT m.seq, pgwire_decode(substring(c.backend FROM m.byte_offset::int + 1 FOR m.length + 1)) AS message
FROM capture c, pgwire_messages(c.backend) m
WHERE c.id = 'session' AND m.name = 'DataRow' AND m.message::text LIKE '%hex%'
ORDER BY m.seq;

-- every message of every capture decodes alone to the same JSON as in its stream
SELECT c.id, d.direction, count(*) AS messages,
	bool_and(pgwire_decode(substring(d.data FROM m.byte_offset::int + 1
		FOR CASE WHEN m.length IS NULL THEN 1
			WHEN m.type IS NULL THEN m.length ELSE m.length + 1 END),
		d.direction) = m.message) AS same
FROM capture c,
	LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data),
	LATERAL pgwire_messages(d.data, d.direction) m
GROUP BY c.id, d.direction ORDER BY 1, 2;

-- the default direction is 'backend'
SELECT pgwire_decode('\x3100000004'::bytea) = pgwire_decode('\x3100000004'::bytea, 'backend') AS same;
