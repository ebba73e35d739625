#!/bin/bash
#
# policy.sh
#	  What deciding every statement against a policy costs.
#
# Two clusters, vanilla and governance, run pgbench TPC-B as the same
# non-superuser role.  The governance cluster has the extension created
# with a policy of 50 rules (the two shipped ones and 48 more: rules that
# name the bench role and the pgbench tables, row budgets on them, rules
# for other subjects and objects), and audit_level = none so that only the
# policy and identity hooks are measured.  A third cluster, control, is a
# second vanilla made the same way.  Each round runs all three in a
# rotating order; each round's ratio is governance TPS / vanilla TPS, and
# the median of the rounds is reported, with control / vanilla beside it:
# what noise alone makes of two identical servers on this machine.
#
# Then, deterministically: instructions per TPC-B transaction under
# callgrind in single-user mode (same statements, same role, both
# clusters), and the time governance.check() takes for ordinary
# statements, from a loop of calls inside one statement.
#
# Usage: test/bench/policy.sh [--rounds N] [--duration S] [--clients C]
#                             [--scale S] [--quick] [--async]
#
# PGBIN names the PostgreSQL binaries to build against and run (default
# /usr/lib/postgresql/15/bin): the extension is built and installed with
# the pg_config found there, so two builds can be compared side by side.
#
# --async sets synchronous_commit = off on both clusters: commits stop
# waiting for the disk, so the run measures CPU rather than the latency of
# this machine's virtual disk, whose fsyncs vary from round to round.
#
# test/bench/policy.sh
#
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

rounds=3
duration=20
clients=2
scale=10
extra_conf=""
while [ $# -gt 0 ]; do
	case "$1" in
		--async) extra_conf="synchronous_commit = off"; shift ;;
		--rounds) rounds=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--clients) clients=$2; shift 2 ;;
		--scale) scale=$2; shift 2 ;;
		--quick) rounds=1; duration=5; shift ;;
		*) echo "usage: $0 [--rounds N] [--duration S] [--clients C] [--scale S] [--quick] [--async]" >&2; exit 2 ;;
	esac
done

PG_BIN=${PGBIN:-$PG_BIN}
gov_ensure_packages valgrind >/dev/null
make -C "$GOV_REPO" -s PG_CONFIG="$PG_BIN/pg_config" >/dev/null &&
	gov_as_root make -C "$GOV_REPO" -s install PG_CONFIG="$PG_BIN/pg_config" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-policy.XXXXXX")
chmod 755 "$work"
mkdir -p "$work/sock"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"
declare -A port=([vanilla]=5721 [governance]=5722 [control]=5723)

cleanup()
{
	for c in vanilla governance control; do
		[ -d "$work/$c" ] && gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -m immediate stop >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The 48 rules beyond the shipped two: 46 that do not match the bench
# role's statements (other subjects, actors and objects) and 2 that do.
rules_sql()
{
	local i
	for i in $(seq 1 12); do
		echo "SELECT governance.add_rule('hr-$i', '{read}', 'deny', principals => '{db:bench}', objects => '{hr_$i.*}', priority => $((200 + i)));"
		echo "SELECT governance.add_rule('people-$i', '{write}', 'limit_rows', principals => '{sub:user-$i@example.com}', max_rows => 100, priority => $((300 + i)));"
		[ "$i" = 12 ] && continue
		echo "SELECT governance.add_rule('agents-$i', '{ddl,truncate}', 'deny', principals => '{actor:agent-$i}', priority => $((400 + i)));"
		echo "SELECT governance.add_rule('archive-$i', '{delete,update}', 'require_approval', principals => '{any,!superuser}', objects => '{archive_$i.*}', priority => $((500 + i)));"
	done
	echo "SELECT governance.add_rule('bench-accounts', '{update}', 'limit_rows', principals => '{db:bench}', objects => '{public.pgbench_accounts}', max_rows => 10, priority => 50);"
	echo "SELECT governance.add_rule('bench-reads', '{select}', 'allow', principals => '{db:bench}', objects => '{public.pgbench_*}', priority => 40);"
}

for c in vanilla governance control; do
	gov_as_pg "$PG_BIN/initdb" -D "$work/$c" -A trust -U postgres >/dev/null
	cat >>"$work/$c/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work/sock'
port = ${port[$c]}
shared_buffers = 256MB
$extra_conf
EOF
done
cat >>"$work/governance/postgresql.conf" <<EOF
shared_preload_libraries = 'governance'
governance.audit_level = 'none'
EOF

for c in vanilla governance control; do
	gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -l "$work/$c.log" -w start >/dev/null
	gov_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/sock" -p "${port[$c]}" -U postgres -d postgres \
		-c "CREATE ROLE bench LOGIN" -c "CREATE DATABASE bench OWNER bench"
	gov_as_pg "$PG_BIN/pgbench" -h "$work/sock" -p "${port[$c]}" -U bench -i -q -s "$scale" bench >/dev/null 2>&1
done
{ echo "CREATE EXTENSION governance;"; rules_sql; } >"$work/rules.sql"
[ "$(id -u)" = 0 ] && chown postgres "$work/rules.sql"
gov_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/sock" -p "${port[governance]}" -U postgres -d bench \
	-f "$work/rules.sql" >/dev/null
nrules=$(gov_as_pg "$PG_BIN/psql" -X -At -h "$work/sock" -p "${port[governance]}" -U postgres -d bench \
	-c "SELECT count(*) FROM governance.rules")
for c in vanilla governance control; do
	gov_as_pg "$PG_BIN/psql" -X -q -h "$work/sock" -p "${port[$c]}" -U postgres -d bench -c "VACUUM ANALYZE" -c CHECKPOINT
done

for c in vanilla governance control; do
	gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -m fast -w stop >/dev/null
done

# Instructions first, on identical fresh tables.
# Instructions per transaction, single-user mode, as the bench role.
ntx=2000
perl -e '
	my ($dir, $ntx, $scale) = @ARGV;
	srand(1);
	open my $q, ">", "$dir/tpcb.sql";
	print $q "SET ROLE bench;\n";
	for (1 .. $ntx) {
		my ($aid, $bid, $tid, $d) = (1 + int(rand(100000 * $scale)), 1 + int(rand($scale)),
									 1 + int(rand(10 * $scale)), int(rand(10001)) - 5000);
		print $q "BEGIN;\n",
			"UPDATE pgbench_accounts SET abalance = abalance + $d WHERE aid = $aid;\n",
			"SELECT abalance FROM pgbench_accounts WHERE aid = $aid;\n",
			"UPDATE pgbench_tellers SET tbalance = tbalance + $d WHERE tid = $tid;\n",
			"UPDATE pgbench_branches SET bbalance = bbalance + $d WHERE bid = $bid;\n",
			"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($tid, $bid, $aid, $d, CURRENT_TIMESTAMP);\n",
			"END;\n";
	}
	open my $one, ">", "$dir/one.sql";
	print $one "SET ROLE bench;\nSELECT 1;\n";
' "$work" "$ntx" "$scale"
[ "$(id -u)" = 0 ] && chown postgres "$work"/*.sql

count()
{
	gov_as_pg valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
		"$PG_BIN/postgres" --single -D "$work/$1" bench <"$work/$2" >"$work/run.log" 2>"$work/cg.err"
	if grep -q ERROR "$work/run.log"; then
		echo "policy.sh: $2 on $1 reported an error" >&2
		grep ERROR "$work/run.log" | head -3 >&2
		exit 1
	fi
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err"
}
v0=$(count vanilla one.sql)
g0=$(count governance one.sql)
v=$(count vanilla tpcb.sql)
g=$(count governance tpcb.sql)
perl -e '
	my ($ntx, $v0, $g0, $v, $g, $n) = @ARGV;
	my ($pv, $pg) = (($v - $v0) / $ntx, ($g - $g0) / $ntx);
	printf "  instructions per TPC-B transaction (callgrind, %d transactions): vanilla %.0f, governance %.0f (+%.0f)\n",
		$ntx, $pv, $pg, $pg - $pv;
	printf "  vanilla / governance: %.1f%%\n", 100 * $pv / $pg;
' "$ntx" "$v0" "$g0" "$v" "$g" "$nrules"

for c in vanilla governance control; do
	gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -l "$work/$c.log" -w start >/dev/null
done

tps()
{
	gov_as_pg "$PG_BIN/pgbench" -h "$work/sock" -p "${port[$1]}" -U bench -c "$clients" -j "$clients" \
		-T "$duration" -n bench 2>&1 | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}

# Each round runs the three clusters in a rotating order.  "control" is a
# second vanilla cluster made the same way: control / vanilla is what this
# machine's noise alone makes of two identical servers (an A/A test).
echo "policy benchmark: TPC-B, scale $scale, $clients clients, ${duration}s x $rounds rounds, $nrules rules"
ratios=()
controls=()
order=(vanilla governance control)
for r in $(seq 1 "$rounds"); do
	declare -A got=()
	for k in 0 1 2; do
		c=${order[$(((r + k) % 3))]}
		got[$c]=$(tps "$c")
	done
	ratio=$(perl -e "printf '%.1f', 100 * ${got[governance]} / ${got[vanilla]}")
	control=$(perl -e "printf '%.1f', 100 * ${got[control]} / ${got[vanilla]}")
	ratios+=("$ratio")
	controls+=("$control")
	echo "  round $r: vanilla ${got[vanilla]} tps, governance ${got[governance]} tps, control ${got[control]} tps; governance/vanilla $ratio%, control/vanilla $control%"
	unset got
done
median()
{
	printf '%s\n' "$@" | sort -n | perl -e '@a = <STDIN>; chomp @a; print $a[$#a / 2]'
}
echo "  TPC-B governance ($nrules rules) / vanilla: median $(median "${ratios[@]}")% (rounds: ${ratios[*]}; budget >= 97%)"
echo "  TPC-B control (vanilla) / vanilla, the noise floor: median $(median "${controls[@]}")% (rounds: ${controls[*]})"


# governance.check() latency, in-server, as the bench role.
echo "  governance.check(), mean of 2000 calls in one statement:"
while IFS= read -r stmt; do
	us=$(gov_as_pg "$PG_BIN/psql" -X -At -h "$work/sock" -p "${port[governance]}" -U bench -d bench -c "SET client_min_messages = notice" -f - 2>&1 <<EOF | sed -n 's/.*NOTICE:  //p'
DO \$\$
DECLARE t0 timestamptz; n int := 2000; i int; r jsonb;
BEGIN
	FOR i IN 1 .. 100 LOOP r := governance.check(\$q\$$stmt\$q\$); END LOOP;
	t0 := clock_timestamp();
	FOR i IN 1 .. n LOOP r := governance.check(\$q\$$stmt\$q\$); END LOOP;
	RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1e6 / n, 1);
END
\$\$;
EOF
	)
	printf '    %8s us  %s\n' "$us" "$stmt"
done <<'EOF'
SELECT abalance FROM pgbench_accounts WHERE aid = 42
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 42
SELECT a.aid, b.bbalance FROM pgbench_accounts a JOIN pgbench_branches b USING (bid) WHERE a.aid < 100
DELETE FROM pgbench_history
ALTER TABLE pgbench_history DROP COLUMN mtime
EOF
echo "reproduce: test/bench/policy.sh --rounds $rounds --duration $duration --clients $clients --scale $scale${extra_conf:+ --async}"
