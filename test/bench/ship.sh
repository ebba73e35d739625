#!/bin/bash
#
# ship.sh
#	  What shipping the audit trail to a collector delivers and costs.
#
#  1. Delivery throughput: events are written with shipping off, then
#     governance.audit_http_url is set and the time until the collector
#     (test/tools/http-receiver on this host, acknowledging) has them all
#     is measured: events per second, and the shipper's CPU per event.
#  2. What shipping costs statements: pgbench select-only (-S) over the
#     same server, arms interleaved round by round: shipping off, shipping
#     on, shipping off again (the A/A control).  Every statement is
#     audited (audit_level = all).
#
# Usage: test/bench/ship.sh [EVENTS] [ROUNDS] [SECONDS]   (default 100000 3 10)
#
# test/bench/ship.sh
#
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

events=${1:-100000}
rounds=${2:-3}
seconds=${3:-10}
gov_ensure_packages linux-perf >/dev/null
gov_build_install >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-ship.XXXXXX")
chmod 755 "$work"
data=$work/data
port=$((20000 + RANDOM % 10000))
rport=$((port + 1))
cleanup()
{
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
	[ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/rcv"
echo ack > "$work/rcv/mode"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

gov_as_pg "$PG_BIN/initdb" -D "$data" -A trust >/dev/null
cat >>"$data/postgresql.conf" <<EOF
shared_preload_libraries = 'governance'
listen_addresses = ''
unix_socket_directories = '$work'
port = $port
autovacuum = off
governance.audit_level = 'all'
governance.audit_ring_size = '256MB'
EOF
gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$work/server.log" -w start >/dev/null
psql_pg()
{
	gov_as_pg "$PG_BIN/psql" -h "$work" -p "$port" -d postgres -XqAt "$@"
}
psql_pg -c 'CREATE EXTENSION governance' >/dev/null
gov_as_pg "$PG_BIN/pgbench" -h "$work" -p "$port" -i -s 10 postgres >/dev/null 2>&1
gov_as_pg "$GOV_REPO/test/tools/http-receiver" "$work/rcv" "$rport" >/dev/null 2>&1 &
rpid=$!
for _ in $(seq 100); do [ -e "$work/rcv/ready" ] && break; sleep 0.1; done

set_url()
{
	psql_pg -c "ALTER SYSTEM SET governance.audit_http_url = '$1'" -c 'SELECT pg_reload_conf()' >/dev/null
	sleep 1
}

# --- 1. delivery throughput --------------------------------------------------
gov_say "delivery throughput: $events events written first, then shipped"
echo 'SELECT 1;' > "$work/one.sql"
[ "$(id -u)" = 0 ] && chown postgres "$work/one.sql"
gov_as_pg "$PG_BIN/pgbench" -h "$work" -p "$port" -n -c 2 -t $((events / 2)) -f "$work/one.sql" postgres >/dev/null 2>&1
written=$(psql_pg -c 'SELECT written_seq FROM governance.audit_delivery()')
shipper=$(psql_pg -c 'SELECT pid FROM governance.audit_delivery()')
perf stat -x, -e task-clock -p "$shipper" -o "$work/perf.out" -- sleep 3600 2>/dev/null &
sp=$!
perf stat -x, -e task-clock -p "$rpid" -o "$work/perf-rcv.out" -- sleep 3600 2>/dev/null &
rp=$!
sleep 0.5
start=$(date +%s.%N)
psql_pg -c "ALTER SYSTEM SET governance.audit_http_url = 'http://127.0.0.1:$rport/events'" \
	-c 'SELECT pg_reload_conf()' >/dev/null
until [ "$(psql_pg -c "SELECT acked_seq >= $written FROM governance.audit_delivery()")" = t ]; do
	sleep 0.05
done
end=$(date +%s.%N)
pkill -INT -P "$sp" sleep 2>/dev/null || true
pkill -INT -P "$rp" sleep 2>/dev/null || true
wait "$sp" "$rp" 2>/dev/null || true
cpu_ms=$(awk -F, '/task-clock/ {print $1}' "$work/perf.out")
rcv_ms=$(awk -F, '/task-clock/ {print $1}' "$work/perf-rcv.out")
awk -v n="$written" -v s="$start" -v e="$end" -v cpu="$cpu_ms" -v rcv="$rcv_ms" 'BEGIN {
	printf "delivered %d events in %.2f s: %.0f events/s; CPU per event: the shipper %.2f us, the collector %.2f us\n",
		n, e - s, n / (e - s), cpu * 1000 / n, rcv * 1000 / n }'
received=$(grep -c . "$work/rcv/received.ndjson" || true)
echo "the collector holds $received lines (repeats allowed; every event at least once)"

# --- 2. what shipping costs statements --------------------------------------------
gov_say "select-only TPS, $rounds rounds of ${seconds}s per arm: off, on, off again"
arm()
{
	gov_as_pg "$PG_BIN/pgbench" -h "$work" -p "$port" -n -S -c 2 -j 2 -T "$seconds" postgres 2>/dev/null |
		awk '/^tps/ {print $3; exit}'
}
declare -A tps
for r in $(seq "$rounds"); do
	set_url ''
	tps[off]="${tps[off]:-} $(arm)"
	set_url "http://127.0.0.1:$rport/events"
	tps[on]="${tps[on]:-} $(arm)"
	set_url ''
	tps[off2]="${tps[off2]:-} $(arm)"
	printf 'round %d: off %s, on %s, off again %s\n' "$r" \
		"$(echo ${tps[off]} | awk '{print $NF}')" "$(echo ${tps[on]} | awk '{print $NF}')" \
		"$(echo ${tps[off2]} | awk '{print $NF}')"
done
median()
{
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
off=$(echo "${tps[off]}" | median)
on=$(echo "${tps[on]}" | median)
off2=$(echo "${tps[off2]}" | median)
awk -v a="$off" -v b="$on" -v c="$off2" 'BEGIN {
	printf "median TPS: off %.0f, on %.0f, off again %.0f; on/off %.3f (A/A control off again/off %.3f)\n",
		a, b, c, b / a, c / a }'
