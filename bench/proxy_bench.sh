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
# Ports: server 24336, proxies 25336-25338.  Not a test: run it and read
# the numbers.  Each round also prints the cross-CPU wake-ups per
# transaction (rescheduling and function-call interrupts, /proc/interrupts)
# and at the end the proxy's own CPU time per transaction: they explain the
# tps, which vary between runs far more than the code does.
#
# Last run (2026-11-22, 2 vCPUs shared by pgbench, the server and the
# proxy; bench/proxy_bench.sh 5 3):
#   round 1: direct 75899, traced 49795, relay only 27116 tps (wake-ups 0.00, 0.00, 0.57)
#   round 2: direct 71185, traced 27374, relay only 23559 tps (wake-ups 0.00, 0.46, 0.79)
#   round 3: direct 51221, traced 24227, relay only 27942 tps (wake-ups 0.16, 0.65, 0.59)
#   mean: direct 66101, traced 33798, relay only 26205 tps
#   traced/direct 0.511, relay/direct 0.396, traced/relay 1.290
#   proxy CPU per transaction: traced 17.4 us, relay only 23.5 us
#   500 MB result: proxy VmHWM 4328 kB before, 7628 kB after
#
# The goal traced/direct >= 0.9 is not reached, and on this machine no
# relaying proxy can reach it: the extra hop alone is what costs.  A
# pgbench -S transaction through the proxy is 4 socket hand-overs instead
# of 2 (and 2 more sleeps and wake-ups), and how much that costs depends
# on where the scheduler puts the processes.  When each connection's
# pgbench thread, proxy thread and server process run on one CPU
# (cross-CPU wake-ups ~0 per transaction) the proxy uses 8-9 us of CPU
# per transaction relaying and 12 us tracing, and reaches ~50k tps
# against ~70k direct (0.65-0.7, traced and relay-only alike); when they
# are spread (0.5-0.8 cross-CPU wake-ups per transaction, each an
# interrupt that costs a VM dearly) the same code takes 22-31 us and
# gets ~23-28k tps.  Which of the two a run gets is chance (see the
# rounds above, where the relay-only runs drew the bad one), so compare
# modes, not means.  Tracing itself now adds ~3 us per transaction
# (decode and format 5 messages: ~1 us of it, was ~3.5 us before trace.c
# stopped using vsnprintf and strftime per line).  Measured with 10
# rounds of 4 s against the previous proxy: in the good mode traced
# 12 us against 15 us per transaction, relay only 8-9 against 10-11 us.
# A single epoll loop for all connections was also tried: a steady ~25k
# tps traced and relay-only, since one thread serialises the connections
# while the CPUs idle; a thread per connection is kept.
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
	"$PGW" proxy --listen 127.0.0.1:$port --upstream 127.0.0.1:24336 "$@" 2>"$out/$name.err" &
	pids+=($!)
	for _ in $(seq 50); do grep -qs listening "$out/$name.err" && return; sleep 0.1; done
}

pg_start bench 24336 "max_connections = 20" >/dev/null || exit 1
pgbench -i -q -s 10 -h 127.0.0.1 -p 24336 -U postgres postgres >/dev/null 2>&1

tps() { pgbench -n -S -c 4 -j 2 -T "$T" -h 127.0.0.1 -p "$1" -U postgres postgres 2>/dev/null |
	awk '/^tps/ {print int($3); exit}'; }
# CPU time (clock ticks) the process $1 has used so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cross-CPU wake-ups so far (rescheduling and function-call interrupts)
ipis() { awk '/^ *(RES|CAL):/ {for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i}
	END {print s + 0}' /proc/interrupts; }
# run PORT: "TPS IPIS_PER_TRANSACTION"
run() {
	local i0 t
	i0=$(ipis)
	t=$(tps "$1")
	awk -v t="$t" -v i=$(($(ipis) - i0)) -v T="$T" 'BEGIN { printf "%d %.2f", t, t ? i / (t * T) : 0 }'
}

start_proxy 25336 traced --output "$out/trace" --format trace
traced=${pids[-1]}
start_proxy 25337 relay --format none
relay=${pids[-1]}
echo "pgbench -S -c 4 -j 2 -T $T, $ROUNDS rounds, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
d=0; p=0; r=0
t0=$(cpu_ticks "$traced"); r0=$(cpu_ticks "$relay")
for i in $(seq "$ROUNDS"); do
	read -r a ai <<<"$(run 24336)"
	read -r b bi <<<"$(run 25336)"
	read -r c ci <<<"$(run 25337)"
	echo "round $i: direct $a, traced $b, relay only $c tps" \
		"(cross-CPU wake-ups per transaction: $ai, $bi, $ci)"
	d=$((d + a)); p=$((p + b)); r=$((r + c))
done
t1=$(cpu_ticks "$traced"); r1=$(cpu_ticks "$relay")
echo "trace file: $(wc -l <"$out/trace") lines, $(du -h "$out/trace" | cut -f1)"
rm -f "$out/trace"
awk -v d="$d" -v p="$p" -v r="$r" -v n="$ROUNDS" -v T="$T" -v hz="$(getconf CLK_TCK)" \
	-v tc=$((t1 - t0)) -v rc=$((r1 - r0)) 'BEGIN {
	printf "mean tps: direct %d, through proxy traced %d, relay only %d\n", d / n, p / n, r / n
	printf "ratio traced/direct: %.3f (goal >= 0.9)\n", p / d
	printf "ratio relay/direct:  %.3f (the extra hop alone)\n", r / d
	printf "ratio traced/relay:  %.3f (decoding and tracing)\n", p / r
	printf "proxy CPU per transaction: traced %.1f us, relay only %.1f us\n",
		tc / hz * 1e6 / (p * T), rc / hz * 1e6 / (r * T) }'

echo
echo "500 MB result through the proxy (trace to /dev/null)"
start_proxy 25338 big --output /dev/null --format trace
big=${pids[-1]}
before=$(awk '/VmHWM/ {print $2}' /proc/$big/status)
start=$(date +%s.%N)
psql -X -h 127.0.0.1 -p 25338 -U postgres -d postgres \
	-c "select repeat('x', 1000) from generate_series(1, 500000)" | wc -c >"$out/bytes"
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$big/status)
awk -v s="$start" -v e="$end" -v b="$(cat "$out/bytes")" \
	'BEGIN { printf "psql output: %d MB in %.1f s\n", b / 1048576, e - s }'
echo "proxy VmHWM: ${before} kB before, ${peak} kB after"
