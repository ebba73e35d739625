#!/bin/bash
#
# ship.sh
#	  What shipping the audit trail to a collector delivers and costs.
#
#  1. Delivery throughput, for each sink: events are written with
#     shipping off, then the sink is configured and the time until the
#     collector has them all is measured: events per second, and the CPU
#     per event of the shipper and of the collector.  The HTTP collector
#     is test/tools/http-receiver (Perl, acknowledging); the syslog server
#     is rsyslog, over TCP to loopback, writing a file.  Both run on this
#     host.
#  2. What shipping costs statements: pgbench select-only (-S) over the
#     same server, arms interleaved round by round: shipping off, to HTTP,
#     to syslog, off again (the A/A control).  Every statement is audited
#     (audit_level = all).  Before each arm that ships, the sink catches
#     up with what was written while it was off, so the arm measures
#     shipping events as they come.  The collector runs on the same two
#     cores as the server, so its CPU is part of what is measured: the
#     CPU the shipper and the collector use per transaction is shown
#     beside each arm.
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
gov_ensure_packages rsyslog >/dev/null
gov_build_install >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-ship.XXXXXX")
chmod 755 "$work"
data=$work/data
port=$((20000 + RANDOM % 10000))
rport=$((port + 1))
sport=$((port + 2))
cleanup()
{
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
	[ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null || true
	[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/rcv" "$work/syslog/work"
cat >"$work/syslog/rsyslog.conf" <<EOF
global(workDirectory="$work/syslog/work" maxMessageSize="256k")
module(load="imtcp")
input(type="imtcp" port="$sport" address="127.0.0.1")
template(name="t" type="string" string="%structured-data%\\n")
action(type="omfile" file="$work/syslog/received.log" template="t")
EOF
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
sleep 0.5
# The collector itself, not the runuser that started it.
rpid=$(pgrep -f "^(/usr/bin/)?perl .*http-receiver $work/rcv" | head -1)
for _ in $(seq 100); do [ -e "$work/rcv/ready" ] && break; sleep 0.1; done
gov_as_pg /usr/sbin/rsyslogd -n -f "$work/syslog/rsyslog.conf" -i "$work/syslog/pid" >/dev/null 2>&1 &
sleep 1
# rsyslogd itself, not the runuser that started it.
spid=$(pgrep -f "^/usr/sbin/rsyslogd -n -f $work/syslog" | head -1)
psql_pg -c "ALTER SYSTEM SET governance.audit_syslog_protocol = tcp" >/dev/null

http_url="http://127.0.0.1:$rport/events"
syslog_address="127.0.0.1:$sport"
# Shipping to nothing, to one sink or the other.
ship_to()
{
	local url='' address=''
	case $1 in
		http) url=$http_url ;;
		syslog) address=$syslog_address ;;
	esac
	psql_pg -c "ALTER SYSTEM SET governance.audit_http_url = '$url'" \
		-c "ALTER SYSTEM SET governance.audit_syslog_address = '$address'" \
		-c 'SELECT pg_reload_conf()' >/dev/null
	[ "${2:-}" = nowait ] || sleep 1
}
# Nanoseconds a process's threads have run on a CPU (the scheduler's count).
cpu_ns()
{
	cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'
}

# --- 1. delivery throughput --------------------------------------------------
echo 'SELECT 1;' > "$work/one.sql"
[ "$(id -u)" = 0 ] && chown postgres "$work/one.sql"
ship_to off
for sink in http syslog; do
	gov_say "delivery throughput to $sink: $events events written first, then shipped"
	gov_as_pg "$PG_BIN/pgbench" -h "$work" -p "$port" -n -c 2 -t $((events / 2)) -f "$work/one.sql" postgres >/dev/null 2>&1
	written=$(psql_pg -c 'SELECT durable_seq FROM governance.audit_stats()')
	# The shipper runs whether or not a sink is configured.
	shipper=$(pgrep -P "$(head -1 "$data/postmaster.pid")" -f 'governance audit shipper')
	collector=$([ "$sink" = http ] && echo "$rpid" || echo "$spid")
	cpu0=$(cpu_ns "$shipper"); rcv0=$(cpu_ns "$collector")
	start=$(date +%s.%N)
	ship_to "$sink" nowait
	until [ "$(psql_pg -c "SELECT acked_seq >= $written FROM governance.audit_delivery() WHERE sink = '$sink'")" = t ]; do
		sleep 0.05
	done
	end=$(date +%s.%N)
	cpu_ms=$(( ($(cpu_ns "$shipper") - cpu0) / 1000000 ))
	rcv_ms=$(( ($(cpu_ns "$collector") - rcv0) / 1000000 ))
	ship_to off
	# The trail from the start: every event the sink had not yet received.
	awk -v sink="$sink" -v n="$written" -v s="$start" -v e="$end" -v cpu="$cpu_ms" -v rcv="$rcv_ms" 'BEGIN {
		printf "%s: delivered %d events in %.2f s: %.0f events/s; CPU per event: the shipper %.2f us, the collector %.2f us\n",
			sink, n, e - s, n / (e - s), cpu * 1000 / n, rcv * 1000 / n }'
done
echo "the HTTP collector holds $(grep -c . "$work/rcv/received.ndjson" || true) lines, rsyslog $(grep -c . "$work/syslog/received.log" || true) (repeats allowed; every event at least once)"

# --- 2. what shipping costs statements --------------------------------------------
gov_say "select-only TPS, $rounds rounds of ${seconds}s per arm: off, to HTTP, to syslog, off again"
arm()
{
	gov_as_pg "$PG_BIN/pgbench" -h "$work" -p "$port" -n -S -c 2 -j 2 -T "$seconds" postgres 2>/dev/null |
		awk '/^tps/ {print $3; exit}'
}
# One arm: its TPS, and the CPU the shipper and the collectors used in it,
# in microseconds per transaction.
measure()
{
	local s0 c0 t
	s0=$(cpu_ns "$shipper")
	c0=$(( $(cpu_ns "$rpid") + $(cpu_ns "$spid") ))
	t=$(arm)
	awk -v t="$t" -v s="$(( $(cpu_ns "$shipper") - s0 ))" \
		-v c="$(( $(cpu_ns "$rpid") + $(cpu_ns "$spid") - c0 ))" -v secs="$seconds" \
		'BEGIN { printf "%.0f %.2f %.2f\n", t, s / 1000 / (t * secs), c / 1000 / (t * secs) }'
}
declare -A tps
for r in $(seq "$rounds"); do
	line="round $r:"
	for a in off http syslog off2; do
		ship_to "${a%2}"
		# What was written while this sink was off is delivered first: the
		# arm measures shipping events as they come, not a backlog.
		if [ "${a%2}" != off ]; then
			until [ "$(psql_pg -c "SELECT lag_events < 100 FROM governance.audit_delivery() WHERE sink = '$a'")" = t ]; do
				sleep 0.2
			done
		fi
		read -r t sh co <<<"$(measure)"
		tps[$a]="${tps[$a]:-} $t"
		line="$line $a $t TPS (shipper $sh us, collector $co us per transaction);"
	done
	echo "$line"
done
median()
{
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
off=$(echo "${tps[off]}" | median)
http=$(echo "${tps[http]}" | median)
syslog=$(echo "${tps[syslog]}" | median)
off2=$(echo "${tps[off2]}" | median)
awk -v a="$off" -v b="$http" -v s="$syslog" -v c="$off2" 'BEGIN {
	printf "median TPS: off %.0f, HTTP %.0f, syslog %.0f, off again %.0f; HTTP/off %.3f, syslog/off %.3f (A/A control off again/off %.3f)\n",
		a, b, s, c, b / a, s / a, c / a }'
