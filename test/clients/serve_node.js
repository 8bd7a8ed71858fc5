// test/clients/serve_node.js
//    node-postgres (npm "pg") against `pgwire serve` (suite 65-serve):
//    parameterised queries (unnamed and named prepared statements), types,
//    a transaction rolled back, errors with SQLSTATE, a pool of concurrent
//    clients.  One "ok - ..." / "not ok - ..." line per check.
//
//   NODE_PATH=DIR/node_modules node serve_node.js HOST PORT USER PASSWORD
const { Client, Pool } = require('pg');
const [host, port, user, password] = process.argv.slice(2);
const cfg = { host, port: Number(port), user, password, database: 'x' };
let failed = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok' : 'not ok'} - node-postgres: ${what}`);
  if (!cond) failed++;
}

(async () => {
  const c = new Client(cfg);
  await c.connect();
  // authenticated as the user asked for, with the BackendKeyData kept
  const who = await c.query('SELECT current_user AS u');
  check(who.rows[0].u === user && Number.isInteger(c.processID) && c.processID > 0,
        `connect: current_user ${who.rows[0].u}, process ID ${c.processID}`);
  await c.query('DROP TABLE IF EXISTS n');
  await c.query('CREATE TABLE n(id integer primary key, name text, x float8, ok bool)');
  let r = await c.query('INSERT INTO n VALUES ($1, $2, $3, $4)', [1, 'one', 2.5, true]);
  check(r.command === 'INSERT' && r.rowCount === 1, `INSERT with parameters: ${r.command} ${r.rowCount}`);
  for (let i = 2; i <= 5; i++)
    await c.query({ name: 'ins', text: 'INSERT INTO n VALUES ($1, $2, $3, $4)', values: [i, 'n' + i, i / 2, false] });
  r = await c.query('SELECT id, name, x, ok FROM n WHERE id = $1', [1]);
  const row = r.rows[0];
  check(row.id === '1' || row.id === 1, `int8 column: ${JSON.stringify(row.id)}`);
  check(row.name === 'one' && row.x === 2.5 && row.ok === true, `text, float8, bool: ${JSON.stringify(row)}`);
  r = await c.query('SELECT count(*) AS n FROM n');
  check(r.rows[0].n === '5', `count(*) after named prepared inserts: ${r.rows[0].n}`);
  await c.query('BEGIN');
  await c.query('DELETE FROM n');
  await c.query('ROLLBACK');
  r = await c.query('SELECT count(*) AS n FROM n');
  check(r.rows[0].n === '5', 'ROLLBACK undoes DELETE');
  try {
    await c.query('SELECT * FROM nosuch WHERE id = $1', [1]);
    check(false, 'error expected');
  } catch (e) {
    check(e.code === '42P01', `missing table: ${e.code} ${e.message}`);
  }
  try {
    await c.query('INSERT INTO n VALUES ($1, $2, $3, $4)', [1, 'dup', 0, false]);
    check(false, 'error expected');
  } catch (e) {
    check(e.code === '23505', `duplicate key: ${e.code}`);
  }
  r = await c.query('SELECT name FROM n ORDER BY id');
  check(r.rows.length === 5 && r.rows[4].name === 'n5', 'connection usable after errors');
  await c.end();

  const pool = new Pool({ ...cfg, max: 4 });
  const jobs = [];
  for (let i = 10; i < 50; i++)
    jobs.push(pool.query('INSERT INTO n VALUES ($1, $2, $3, $4)', [i, 'p' + i, i, i % 2 === 0]));
  await Promise.all(jobs);
  r = await pool.query('SELECT count(*) AS n FROM n');
  check(r.rows[0].n === '45', `pool of 4: 40 concurrent inserts, count ${r.rows[0].n}`);
  await pool.end();
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log(`not ok - node-postgres: ${e.message}`); process.exit(1); });
