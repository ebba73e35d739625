#!/bin/bash
#
# worker-cpu.sh
#	  CPU per event of the audit worker, and of the backends, at a fixed
#	  pgbench -S rate: with audit_level = all and = none, interleaved.
#
# Usage: test/bench/worker-cpu.sh [--rate R] [--duration S] [--rounds N]
#
# TPS on a 2-core machine swings by a quarter from one run to the next;
# CPU time at a fixed rate below saturation does not, because it counts
# the work done rather than how the scheduler shared the machine.  One
# throwaway cluster (governance preloaded, HMAC chain key) runs pgbench -S
# at R transactions a second with 2 clients; each round measures
# audit_level = all, then none, reading utime + stime of the audit worker
# and of the two backends from /proc over the middle of the run.  Printed
# per round: backend CPU per transaction and worker CPU per event.
#
# Needs root (installs packages, builds, installs into the system's
# PostgreSQL 15 and runs it as postgres).
#
# test/bench/worker-cpu.sh
#
set -euo pipefail
rate=15000
duration=12
rounds=3
while [ $# -gt 0 ]; do
	case $1 in
		--rate) rate=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--rounds) rounds=$2; shift 2 ;;
		*) echo "usage: $0 [--rate R] [--duration S] [--rounds N]" >&2; exit 2 ;;
	esac
done
[ "$duration" -ge 6 ] || { echo "worker-cpu.sh: --duration must be at least 6" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
. "$repo/test/lib.sh"
gov_ensure_packages
gov_build_install >/dev/null

work=$(mktemp -d /tmp/governance-wcpu.XXXXXX)
chown postgres "$work"
port=56321
trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$work/data" -A trust >/dev/null
head -c 32 /dev/urandom | base64 > "$work/chain.key"
chown postgres "$work/chain.key"; chmod 600 "$work/chain.key"
cat >> "$work/data/postgresql.conf" <<EOC
port = $port
unix_socket_directories = '$work'
listen_addresses = ''
shared_buffers = 256MB
shared_preload_libraries = 'governance'
governance.audit_level = 'all'
governance.audit_hmac_key_file = '$work/chain.key'
EOC
as_pg "$PGBIN/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
P=(-h "$work" -p "$port")
as_pg "$PGBIN/createdb" "${P[@]}" bench
as_pg "$PGBIN/psql" "${P[@]}" -qd bench -c 'CREATE EXTENSION governance'
as_pg "$PGBIN/pgbench" "${P[@]}" -i -q -s 10 bench >/dev/null 2>&1

ticks=$(getconf CLK_TCK)
# utime + stime of the worker and of bench's backends, in ticks.
cpu_of()
{
	local w=0 b=0 pid cmd t
	for pid in $(pgrep -u postgres -f 'postgres: '); do
		cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || continue
		t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
		case $cmd in
			*"governance audit worker"*) w=$((w + t)) ;;
			*"postgres bench [local]"*) b=$((b + t)) ;;
		esac
	done
	echo "$w $b"
}

measure()
{
	local level=$1 w0 b0 w1 b1 t0 t1
	as_pg "$PGBIN/psql" "${P[@]}" -qd bench -c "ALTER SYSTEM SET governance.audit_level = '$level'" \
		-c 'SELECT pg_reload_conf()' >/dev/null
	sleep 1
	as_pg "$PGBIN/pgbench" "${P[@]}" -S -M prepared -n -c 2 -j 2 -R "$rate" -T "$duration" bench \
		> "$work/pgbench.$level" 2>&1 &
	local pg=$!
	sleep 2
	read -r w0 b0 < <(cpu_of); t0=$(date +%s.%N)
	sleep $((duration - 4))
	read -r w1 b1 < <(cpu_of); t1=$(date +%s.%N)
	wait $pg || { cat "$work/pgbench.$level" >&2; exit 1; }
	awk -v w=$((w1 - w0)) -v b=$((b1 - b0)) -v t0="$t0" -v t1="$t1" -v r="$rate" -v hz="$ticks" -v l="$level" \
		'BEGIN { n = (t1 - t0) * r; printf "  audit_level=%-4s backends %6.2f us/transaction   worker %5.2f us/event\n", l, b / hz * 1e6 / n, w / hz * 1e6 / n }'
}

echo "pgbench -S at $rate/s, 2 clients, ${duration}s per run, $rounds rounds"
for r in $(seq 1 "$rounds"); do
	echo "round $r"
	measure all
	measure none
done
