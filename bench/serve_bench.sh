#!/usr/bin/env bash
# bench/serve_bench.sh: pgbench -S-style read-only load (one SELECT by
# primary key per transaction) through `pgwire serve` on a SQLite table and
# through a real PostgreSQL 15 server on the same table, several clients,
# tps of both in the same run; then the per-message cost of libpgwire's
# backend state machine in-process (serve_machine_bench.c).
#
#   bench/serve_bench.sh [CLIENTS [SECONDS [ROWS]]]     (default 4 10 100000)
#
# Both servers run on this machine with scram-sha-256 turned off (trust):
# the connection is made once per client, so authentication does not
# count.  Ports: PostgreSQL 24381, pgwire serve 25386.  Not a test.
set -eu
cd "$(dirname "$0")/.."
. test/lib/pg.sh
CLIENTS=${1:-4}
SECS=${2:-10}
ROWS=${3:-100000}
out=$PWD/bench/out
mkdir -p "$out"
PGW=$PWD/tools/pgwire
make -s -C tools >/dev/null

cleanup() {
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null
	pg_stop b65
	rm -f "$out/serve_bench.db" "$out/serve_bench.db-wal" "$out/serve_bench.db-shm"
}
trap cleanup EXIT

ddl="CREATE TABLE accounts(aid int8 PRIMARY KEY, bid int8, abalance int8, filler text)"
fill="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $ROWS)
      INSERT INTO accounts SELECT i, (i - 1) / 100000 + 1, 0, 'x' FROM s"

pg_start b65 24381 "shared_buffers = 128MB" >/dev/null
psql -X -q -h 127.0.0.1 -p 24381 -U postgres -c "$ddl" -c "$fill" -c "VACUUM ANALYZE accounts" postgres

rm -f "$out/serve_bench.db"*
"$PGW" serve --sqlite "$out/serve_bench.db" --listen 127.0.0.1:25386 --quiet &
serve_pid=$!
sleep 0.5
psql -X -q -h 127.0.0.1 -p 25386 -U bench -c "$ddl" -c "$fill" x

cat >"$out/select.sql" <<EOF
\\set aid random(1, $ROWS)
SELECT abalance FROM accounts WHERE aid = :aid;
EOF

run() {
	pgbench -n -f "$out/select.sql" -M "$2" -c "$CLIENTS" -j 2 -T "$SECS" "$1" 2>&1 |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

printf '%-10s %-9s %12s %12s\n' mode clients "pgwire serve" "PostgreSQL"
for mode in simple extended prepared; do
	a=$(run "host=127.0.0.1 port=25386 user=bench dbname=x" $mode)
	b=$(run "host=127.0.0.1 port=24381 user=postgres dbname=postgres" $mode)
	printf '%-10s %-9s %12s %12s\n' "$mode" "$CLIENTS" "$a" "$b"
done

cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Ilib/include bench/serve_machine_bench.c \
	lib/build/libpgwire.a $(sed -n 's/^Libs.private://p' lib/pgwire.pc) \
	$(pkg-config --libs libidn 2>/dev/null) -o "$out/serve_machine_bench"
echo
echo "backend state machine, in-process, per round:"
"$out/serve_machine_bench" 1000000
