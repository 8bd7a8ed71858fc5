#!/usr/bin/env bash
# bench/proxy_bench.sh: what the tracing proxy costs.
#
# 1. Throughput: pgbench -S (select-only, 4 clients) against a throwaway
#    PostgreSQL 15 server directly, then through `pgwire proxy` writing its
#    trace to a file, in the same run; prints both tps and the ratio
#    (goal >= 0.9).
# 2. Memory: a ~500 MB result (500000 rows of 1000 bytes) through the
#    proxy, trace written to /dev/null; prints the proxy's peak resident
#    set (VmHWM), which must not grow with the result.
#
#   bench/proxy_bench.sh [SECONDS]      (default 15 per pgbench run)
# Ports: server 54336, proxy 55336.  Not a test: run it and read the numbers.
set -u
cd "$(dirname "$0")/.."
. test/lib/pg.sh
T=${1:-15}
PGW=$PWD/tools/pgwire
out=$(mktemp -d /tmp/pgwire-bench.XXXXXX)
proxy_pid=
cleanup() {
	[ -n "$proxy_pid" ] && kill -INT "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
	pg_stop bench
	rm -rf "$out"
}
trap cleanup EXIT
make -s -C tools >/dev/null || exit 1

start_proxy() {
	"$PGW" proxy --listen 127.0.0.1:55336 --upstream 127.0.0.1:54336 "$@" 2>"$out/proxy.err" &
	proxy_pid=$!
	for _ in $(seq 50); do grep -q listening "$out/proxy.err" && return; sleep 0.1; done
}
stop_proxy() { kill -INT "$proxy_pid"; wait "$proxy_pid"; proxy_pid=; }

pg_start bench 54336 "max_connections = 20" >/dev/null || exit 1
pgbench -i -q -s 10 -h 127.0.0.1 -p 54336 -U postgres postgres >/dev/null 2>&1

tps() { pgbench -n -S -c 4 -j 2 -T "$T" -h 127.0.0.1 -p "$1" -U postgres postgres 2>/dev/null |
	awk '/^tps/ {print int($3); exit}'; }

echo "pgbench -S -c 4 -j 2 -T $T, $(nproc) CPUs"
direct=$(tps 54336)
start_proxy --output "$out/trace" --format trace
proxied=$(tps 55336)
stop_proxy
lines=$(wc -l <"$out/trace")
echo "direct:        $direct tps"
echo "through proxy: $proxied tps ($lines trace lines, $(du -h "$out/trace" | cut -f1) written)"
awk -v d="$direct" -v p="$proxied" 'BEGIN { printf "ratio:         %.3f (goal >= 0.9)\n", p / d }'
rm -f "$out/trace"

echo
echo "500 MB result through the proxy (trace to /dev/null)"
start_proxy --output /dev/null --format trace
before=$(awk '/VmHWM/ {print $2}' /proc/$proxy_pid/status)
start=$(date +%s.%N)
psql -X -h 127.0.0.1 -p 55336 -U postgres -d postgres \
	-c "select repeat('x', 1000) from generate_series(1, 500000)" >/dev/null
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$proxy_pid/status)
stop_proxy
awk -v s="$start" -v e="$end" 'BEGIN { printf "elapsed:       %.1f s\n", e - s }'
echo "proxy VmHWM:   ${before} kB before, ${peak} kB after"
