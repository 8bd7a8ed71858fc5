#!/usr/bin/env bash
# bench/proxy_bench.sh: what the tracing proxy costs.
#
# 1. Throughput: pgbench -S (select-only, 4 clients) against a throwaway
#    PostgreSQL 15 server directly, through `pgwire proxy` writing its
#    trace (PQtrace lines with timestamps) to a file, and through
#    `pgwire proxy --format none` (relay only: the cost of the extra hop
#    alone).  The three are interleaved over ROUNDS rounds so that other
#    load on the machine hits them alike; prints mean tps and the ratios
#    (goal: traced/direct >= 0.9).
# 2. Memory: a ~500 MB result (500000 rows of 1000 bytes) through the
#    proxy, trace written to /dev/null; prints the proxy's peak resident
#    set (VmHWM), which must not grow with the result.
#
#   bench/proxy_bench.sh [SECONDS_PER_RUN [ROUNDS]]   (default 5 and 3)
# Ports: server 54336, proxies 55336-55338.  Not a test: run it and read
# the numbers.
set -u
cd "$(dirname "$0")/.."
. test/lib/pg.sh
T=${1:-5}
ROUNDS=${2:-3}
PGW=$PWD/tools/pgwire
out=$(mktemp -d /tmp/pgwire-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
	wait 2>/dev/null
	pg_stop bench
	rm -rf "$out"
}
trap cleanup EXIT
make -s -C tools >/dev/null || exit 1

# start_proxy PORT NAME OPTION...: the pid goes to pids[], its stderr to NAME.err
start_proxy() {
	local port=$1 name=$2
	shift 2
	"$PGW" proxy --listen 127.0.0.1:$port --upstream 127.0.0.1:54336 "$@" 2>"$out/$name.err" &
	pids+=($!)
	for _ in $(seq 50); do grep -qs listening "$out/$name.err" && return; sleep 0.1; done
}

pg_start bench 54336 "max_connections = 20" >/dev/null || exit 1
pgbench -i -q -s 10 -h 127.0.0.1 -p 54336 -U postgres postgres >/dev/null 2>&1

tps() { pgbench -n -S -c 4 -j 2 -T "$T" -h 127.0.0.1 -p "$1" -U postgres postgres 2>/dev/null |
	awk '/^tps/ {print int($3); exit}'; }

start_proxy 55336 traced --output "$out/trace" --format trace
start_proxy 55337 relay --format none
echo "pgbench -S -c 4 -j 2 -T $T, $ROUNDS rounds, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
d=0; p=0; r=0
for i in $(seq "$ROUNDS"); do
	a=$(tps 54336); b=$(tps 55336); c=$(tps 55337)
	echo "round $i: direct $a, traced $b, relay only $c tps"
	d=$((d + a)); p=$((p + b)); r=$((r + c))
done
echo "trace file: $(wc -l <"$out/trace") lines, $(du -h "$out/trace" | cut -f1)"
rm -f "$out/trace"
awk -v d="$d" -v p="$p" -v r="$r" -v n="$ROUNDS" 'BEGIN {
	printf "mean tps: direct %d, through proxy traced %d, relay only %d\n", d / n, p / n, r / n
	printf "ratio traced/direct: %.3f (goal >= 0.9)\n", p / d
	printf "ratio relay/direct:  %.3f (the extra hop alone)\n", r / d
	printf "ratio traced/relay:  %.3f (decoding and tracing)\n", p / r }'

echo
echo "500 MB result through the proxy (trace to /dev/null)"
start_proxy 55338 big --output /dev/null --format trace
big=${pids[-1]}
before=$(awk '/VmHWM/ {print $2}' /proc/$big/status)
start=$(date +%s.%N)
psql -X -h 127.0.0.1 -p 55338 -U postgres -d postgres \
	-c "select repeat('x', 1000) from generate_series(1, 500000)" | wc -c >"$out/bytes"
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$big/status)
awk -v s="$start" -v e="$end" -v b="$(cat "$out/bytes")" \
	'BEGIN { printf "psql output: %d MB in %.1f s\n", b / 1048576, e - s }'
echo "proxy VmHWM: ${before} kB before, ${peak} kB after"
