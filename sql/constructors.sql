--
-- constructors: one function per common message, so a test can write a
-- protocol exchange in SQL.  Each must give the bytes a real client or
-- server sent for the same message (compared with the captures), and
-- decode back to what was asked.
--

-- frontend messages, against what psql and libpq 15 sent
SELECT pgwire_startup_message('{user,alice,database,postgres,application_name,psql}')
	= captured('scram', 'frontend', 1) AS startup_message,
	pgwire_query('SELECT 1 AS one') = captured('scram', 'frontend', 4) AS query,
	pgwire_terminate() = captured('scram', 'frontend', 5) AS terminate;
SELECT pgwire_parse('s1', 'SELECT $1::int4 + 1 AS n, $2::text AS t', '{23,25}')
	= captured('session', 'frontend', 11) AS parse,
	pgwire_sync() = captured('session', 'frontend', 12) AS sync,
	pgwire_describe('S', 's1') = captured('session', 'frontend', 13) AS describe_statement,
	pgwire_bind('', 's1', '{41,"text param"}', '{0}') = captured('session', 'frontend', 15) AS bind,
	pgwire_describe('P', '') = captured('session', 'frontend', 16) AS describe_portal,
	pgwire_execute('', 0) = captured('session', 'frontend', 17) AS execute,
	pgwire_bind('', 's1', '{41,NULL}', '{1}') = captured('session', 'frontend', 19) AS bind_null,
	pgwire_parse('', 'SELECT $1 || ''x''') = captured('session', 'frontend', 28) AS parse_unnamed;

-- backend messages, against what the server sent
SELECT pgwire_row_description('{one}', '{23}') = captured('scram', 'backend', 20) AS row_description,
	pgwire_data_row('{1}') = captured('scram', 'backend', 21) AS data_row,
	pgwire_command_complete('SELECT 1') = captured('scram', 'backend', 22) AS command_complete,
	pgwire_ready_for_query() = captured('scram', 'backend', 23) AS ready_for_query;
SELECT pgwire_data_row(ARRAY['1', NULL, E'x\ty']) = captured('session', 'backend', 19) AS data_row_null,
	pgwire_row_description('{?column?}', '{25}') = captured('session', 'backend', 68) AS row_description_text,
	pgwire_ready_for_query('T') = captured('session', 'backend', 73) AS ready_for_query_in_block;

-- what they hold
SELECT pgwire_decode(pgwire_startup_message('{user,alice}', '3.2'), 'frontend');
SELECT pgwire_decode(pgwire_parse('s2', 'SELECT $1, $2', '{0,16}'), 'frontend');
SELECT pgwire_decode(pgwire_bind('p1', 's2', ARRAY[NULL, 'on'], '{1,0}'), 'frontend');
SELECT pgwire_decode(pgwire_describe('P', 'p1'), 'frontend');
SELECT pgwire_decode(pgwire_execute('p1', 10), 'frontend');
SELECT pgwire_decode(pgwire_execute(), 'frontend');
SELECT pgwire_decode(pgwire_sync(), 'frontend'), pgwire_decode(pgwire_flush(), 'frontend'),
	pgwire_decode(pgwire_terminate(), 'frontend');
SELECT jsonb_pretty(pgwire_decode(pgwire_row_description('{id,name}', ARRAY['int8'::regtype, 'text'::regtype]::oid[])));
SELECT pgwire_decode(pgwire_data_row('{}'));
SELECT pgwire_decode(pgwire_command_complete('INSERT 0 3'));
SELECT pgwire_decode(pgwire_error_response('ERROR', '42P01', 'relation "t" does not exist'));
SELECT pgwire_decode(pgwire_error_response('FATAL', '28P01', 'password authentication failed',
	detail => 'Connection matched pg_hba.conf line 2.', hint => 'Check the password.'))->'fields';
SELECT pgwire_decode(pgwire_ready_for_query('E'));

-- STRICT: NULL arguments give NULL; pgwire_error_response leaves out NULL
-- detail and hint, and gives NULL for a NULL required field
SELECT pgwire_query(NULL) IS NULL AS query, pgwire_bind('', '', NULL) IS NULL AS bind,
	pgwire_error_response(NULL, '42000', 'x') IS NULL AS error_response,
	pgwire_error_response('ERROR', '42000', 'x', NULL, NULL)
		= pgwire_error_response('ERROR', '42000', 'x') AS optional_fields;
