--
-- encode: pgwire_encode(jsonb) is the inverse of decoding, for one message
-- object or an array of them.
--

-- round trip of every message of every capture: encode(decode(x)) = x,
-- message by message, per message kind
SELECT d.direction, m.name, count(*) AS messages,
	bool_and(pgwire_encode(m.message) = substring(d.data FROM m.byte_offset::int + 1
		FOR CASE WHEN m.length IS NULL THEN 1
			WHEN m.type IS NULL THEN m.length ELSE m.length + 1 END)) AS round_trip
FROM capture c,
	LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data),
	LATERAL pgwire_messages(d.data, d.direction) m
GROUP BY 1, 2 ORDER BY 1, 2;

-- whole streams: an array of messages encodes to the stream, byte for byte
SELECT c.id, d.direction,
	pgwire_encode((SELECT jsonb_agg(m.message ORDER BY m.seq)
		FROM pgwire_messages(d.data, d.direction) m)) = d.data AS round_trip
FROM capture c,
	LATERAL (VALUES ('frontend', c.frontend), ('backend', c.backend)) d(direction, data)
ORDER BY 1, 2;

-- messages the captures do not hold, from observed dumps and the docs
SELECT x.hex, pgwire_decode(x.hex, x.direction)->>'message' AS message,
	pgwire_encode(pgwire_decode(x.hex, x.direction)) = x.hex AS round_trip
FROM (VALUES
	('\x76 00000015 00030000 00000001 5f70715f2e666f6f00'::bytea, 'backend'),
	('\x57 00000007 00 0000', 'backend'),
	('\x73 00000004', 'backend'),
	('\x33 00000004', 'backend'),
	('\x52 0000000c 00000005 01020304', 'backend'),
	('\x52 00000008 00000003', 'backend'),
	('\x53', 'backend'),
	('\x43 00000008 53 733100', 'frontend'),
	('\x48 00000004', 'frontend'),
	('\x70 0000000b 73656372657400', 'frontend'),
	('\x00000010 04d2162e 00003829 e06deb4a', 'frontend'),
	('\x00000008 04d21630', 'frontend')
) x(hex, direction);

-- hand-written JSON: "length" and "direction" may be left out
SELECT pgwire_encode('{"message": "Query", "query": "SELECT 1"}');
SELECT pgwire_encode('{"message": "ReadyForQuery", "status": "T"}');
SELECT pgwire_encode('{"message": "DataRow", "values": ["1", null, {"hex": "00ff"}]}');
SELECT pgwire_encode('[{"message": "Sync"}, {"message": "Terminate"}]');
SELECT pgwire_encode('{"message": "Query", "query": "SELECT 1"}') = pgwire_query('SELECT 1') AS same;

-- an empty array is no bytes
SELECT pgwire_encode('[]');
