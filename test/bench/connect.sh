#!/bin/bash
#
# connect.sh
#	  What a token costs a new connection: a client that connects with
#	  its token in the startup options (PGOPTIONS='-c governance.token=…')
#	  against one that connects without, on the same server.
#
# Two measures, both within one run:
#
#  1. Instructions (exact).  The postmaster runs under valgrind
#     --tool=callgrind, counting only inside PostgresMain (a backend's
#     whole life after the fork and the startup packet: authentication,
#     the startup options, the statement, the exit); each connection runs
#     one statement and disconnects, and its backend's instruction total
#     is read from that backend's own callgrind file.  Connections: plain,
#     a control with another setting in PGOPTIONS, an RS256 token, an
#     ES256 token; then the same after a reload (pg_reload_conf()), which
#     used to make every later backend parse the key files again.
#  2. Time per connection (noisy).  pgbench -C runs SELECT 1 over new
#     connections, arms interleaved round by round: plain, plain again
#     (the A/A control: how far two identical arms differ here), and the
#     RS256 token.  The figure is pgbench's average connection time and
#     the CPU the server used (task-clock of the postmaster and its
#     children) per connection.
#
# Budget: a connection with a token costs at most 1.2x one without, in
# instructions, for a token some backend has verified before (an agent
# reconnects with its token many times over its life; the cluster
# remembers which token texts verified, see src/identity/verified.c).  A
# token no backend has seen yet ("new token") pays the signature check
# once; it is reported, not budgeted.  The time ratios are reported
# beside the A/A control.
#
# Usage: test/bench/connect.sh [ROUNDS] [CONNECTIONS]   (default 5 200)
#
# test/bench/connect.sh
#
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

rounds=${1:-5}
nconn=${2:-200}
gov_ensure_packages valgrind linux-perf >/dev/null
gov_build_install >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-connect.XXXXXX")
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
data=$work/data
port=$((20000 + RANDOM % 10000))
cleanup()
{
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
	pkill -f "valgrind.*$data" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

gov_as_pg "$PG_BIN/initdb" -D "$data" -A trust >/dev/null
cp "$GOV_REPO/test/keys/public_keys.pem" "$data/"
cat >>"$data/postgresql.conf" <<EOF
shared_preload_libraries = 'governance'
governance.jwt_public_keys_file = 'public_keys.pem'
listen_addresses = ''
unix_socket_directories = '$work'
port = $port
autovacuum = off
EOF
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

rs=$("$GOV_REPO/test/tools/token" sub=bench iss=- aud=- exp=+86400)
es=$("$GOV_REPO/test/tools/token" --alg ES256 --key ec sub=bench iss=- aud=- exp=+86400)
# Tokens no backend has seen: one per measured connection.
fresh_token()
{
	"$GOV_REPO/test/tools/token" "$@" sub=bench iss=- aud=- exp=+86400 jti="t-$RANDOM$RANDOM"
}
psql_as()
{
	local user=$1
	shift
	gov_as_pg env PGOPTIONS="${PGOPTS:-}" "$PG_BIN/psql" -h "$work" -p "$port" -U "$user" -d postgres -XqAt "$@"
}
wait_ready()
{
	for _ in $(seq 120); do
		psql_as postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	echo "the server did not start" >&2
	return 1
}

# --- 1. instructions per connection ----------------------------------------
gov_say "instructions per connection (callgrind)"
cg=$work/cg
mkdir -p "$cg"
[ "$(id -u)" = 0 ] && chown postgres "$cg"
gov_as_pg bash -c "cd '$cg' && exec valgrind --tool=callgrind --toggle-collect=PostgresMain \
	--callgrind-out-file='$cg/callgrind.out.%p' '$PG_BIN/postgres' -D '$data'" >"$cg/valgrind.log" 2>&1 &
wait_ready
psql_as postgres -c 'CREATE ROLE bench LOGIN' >/dev/null

# Connect, run one statement, disconnect; print the backend's pid.
one()
{
	local opts=$1
	PGOPTS=$opts psql_as bench -c 'SELECT pg_backend_pid()'
}
declare -a names pids
measure()
{
	local name=$1 opts=$2
	names+=("$name")
	pids+=("$(one "$opts")")
}
one "" >/dev/null			# the first backend pays for things once
one "-c governance.token=$rs" >/dev/null	# these two are seen before
one "-c governance.token=$es" >/dev/null
for phase in fresh reload; do
	if [ $phase = reload ]; then
		psql_as postgres -c 'SELECT pg_reload_conf()' >/dev/null
		sleep 3
		one "" >/dev/null
	fi
	for r in 1 2; do
		measure "$phase plain" ""
		measure "$phase control" "-c work_mem=8MB"
		measure "$phase RS256 token" "-c governance.token=$rs"
		measure "$phase ES256 token" "-c governance.token=$es"
		measure "$phase RS256 new token" "-c governance.token=$(fresh_token)"
		measure "$phase ES256 new token" "-c governance.token=$(fresh_token --alg ES256 --key ec)"
	done
done
sleep 2
gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
sleep 2

declare -A total count
for i in "${!names[@]}"; do
	f=$cg/callgrind.out.${pids[$i]}
	n=$(awk '/^totals:/ {print $2}' "$f" 2>/dev/null || true)
	[ -z "$n" ] && n=$(awk '/^summary:/ {print $2}' "$f")
	total[${names[$i]}]=$(( ${total[${names[$i]}]:-0} + n ))
	count[${names[$i]}]=$(( ${count[${names[$i]}]:-0} + 1 ))
done
printf '%-22s %14s %10s\n' connection instructions "vs plain"
fail=0
for phase in fresh reload; do
	base=$(( ${total[$phase plain]} / ${count[$phase plain]} ))
	for k in plain control "RS256 token" "ES256 token" "RS256 new token" "ES256 new token"; do
		v=$(( ${total[$phase $k]} / ${count[$phase $k]} ))
		ratio=$(awk -v a="$v" -v b="$base" 'BEGIN {printf "%.3f", a / b}')
		printf '%-22s %14d %9sx\n' "$phase $k" "$v" "$ratio"
		case $k in
			*"new token") ;;
			*" token")
				if awk -v r="$ratio" 'BEGIN {exit !(r > 1.2)}'; then
					echo "  over the budget of 1.2x"
					fail=1
				fi ;;
		esac
	done
done

# --- 2. time per connection --------------------------------------------------
gov_say "time per connection (pgbench -C, $rounds rounds of $nconn connections per arm)"
gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$work/server.log" -w start >/dev/null
echo 'SELECT 1;' >"$work/select1.sql"
[ "$(id -u)" = 0 ] && chown postgres "$work/select1.sql"
arm()
{
	local opts=$1 pm sp conn ms
	pm=$(head -1 "$data/postmaster.pid")
	perf stat -x, -e task-clock -p "$pm" -o "$work/perf.out" -- sleep 600 2>/dev/null &
	sp=$!
	sleep 0.3
	conn=$(gov_as_pg env PGOPTIONS="$opts" "$PG_BIN/pgbench" -h "$work" -p "$port" -U bench -C -n \
		-t "$nconn" -f "$work/select1.sql" postgres 2>/dev/null |
		awk '/average connection time/ {print $5}')
	sleep 0.2
	pkill -INT -P "$sp" sleep 2>/dev/null || true
	wait "$sp" 2>/dev/null || true
	ms=$(awk -F, '/task-clock/ {print $1}' "$work/perf.out")
	awk -v c="$conn" -v ms="$ms" -v n="$nconn" 'BEGIN {printf "%.4f %.4f\n", c, ms / n}'
}
printf '%-6s %-10s %10s %12s\n' round arm "conn (ms)" "server CPU (ms)"
declare -A tconn tcpu
for r in $(seq "$rounds"); do
	for a in plain plain2 token; do
		case $a in
			token) res=$(arm "-c governance.token=$rs") ;;
			*) res=$(arm "") ;;
		esac
		printf '%-6s %-10s %10s %12s\n' "$r" "$a" $res
		tconn[$a]="${tconn[$a]:-} $(echo "$res" | cut -d' ' -f1)"
		tcpu[$a]="${tcpu[$a]:-} $(echo "$res" | cut -d' ' -f2)"
	done
done
median()
{
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
for m in conn cpu; do
	for a in plain plain2 token; do
		if [ $m = conn ]; then v=$(echo "${tconn[$a]}" | median); else v=$(echo "${tcpu[$a]}" | median); fi
		eval "med_${m}_$a=$v"
	done
done
echo
echo "medians: connection time plain $med_conn_plain ms, A/A control $med_conn_plain2 ms, token $med_conn_token ms"
awk -v p="$med_conn_plain" -v q="$med_conn_plain2" -v t="$med_conn_token" \
	'BEGIN {printf "connection time ratio: token / plain %.3f (A/A control: %.3f)\n", t / p, q / p}'
awk -v p="$med_cpu_plain" -v q="$med_cpu_plain2" -v t="$med_cpu_token" \
	'BEGIN {printf "server CPU ratio:      token / plain %.3f (A/A control: %.3f)\n", t / p, q / p}'
exit $fail
