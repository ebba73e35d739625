#!/bin/bash
#
# mask.sh
#	  What masking costs: the three budgets of column masking, each as a
#	  ratio measured in one run.
#
# Three clusters made the same way (same settings, same schema, same data):
# vanilla and control (PostgreSQL with nothing preloaded) and governance
# (the extension preloaded and created, audit_level = none so that no
# audit cost is mixed in).  Every database holds
#
#   users(id int primary key, name text, email text, api_key text, note
#   text), 100,000 rows, and users_plain, an unlabelled copy of it;
#   t1 .. t10(id int primary key, ref int, a text, b text, v int),
#   1,000 rows each, t<i>.ref pointing at t<i+1>.id.
#
# On governance, users.name is labelled pii, users.email email and
# users.api_key secret, and t<i>.a pii and t<i>.b email (20 labelled
# columns); users_hand is a hand-written view over users_plain applying the
# same mask functions.  Two ordinary roles read: "masked", with no unmask
# grant, and "reader", granted all three labels unmasked.
#
#   1. masked read / hand-written view: "masked" runs SELECT * FROM users
#	   (all 100,000 rows, masked by the planner hook) and SELECT * FROM
#	   users_hand, on governance.  Budget: time ratio <= 1.10.
#   2. unmasked identity on labelled tables / vanilla: "reader" runs the
#	   100,000-row SELECT * FROM users and a point query, SELECT * FROM
#	   users WHERE id = :id (random id), on governance and on vanilla.
#	   Budget: time ratio <= 1.02.
#   3. planning a 10-table join with 20 labelled columns: "masked" runs
#	   EXPLAIN SELECT * FROM t1 JOIN t2 ... JOIN t10 (plans, does not
#	   execute) on governance and on vanilla.  Budget: time ratio <= 1.10.
#
# Time ratios come from pgbench (-n, simple protocol, so every statement
# is parsed and planned, the planner hook's work included; C clients and
# C threads, default 1): each round runs every workload once for the full duration,
# in an order that rotates by one place per round, a ratio is taken within
# each round (TPS of the baseline / TPS of the measured, i.e. time per
# statement measured / baseline) and the median of the rounds is
# reported with every round's value.  control, the second vanilla, is
# measured like governance against vanilla: control / vanilla is what this
# machine's noise alone makes of two identical servers (an A/A test).
#
# Then, deterministically, the instructions of the same statements under
# callgrind in single-user mode (same roles, same data; start-up measured
# by a one-statement run and subtracted): they leave out the client
# protocol, and do not vary with the machine's load.  The 100,000-row
# reads run as COPY (SELECT ...) TO '/dev/null', so their rows go through
# the same output functions a client's would, without single-user mode's
# printing of every row.  The point query is also counted as the
# superuser, who reads every label clear without any grant.
#
# Before measuring, the script checks that each configuration does what
# its name says: the masked read and the hand-written view return the same
# rows and they differ from the clear ones; the reader reads on governance
# exactly what it reads on vanilla; the masked join plan calls 20 masks.
#
# Usage: test/bench/mask.sh [--rounds N] [--duration S] [--clients C]
#                           [--quick] [--no-instructions] [--keep]
#
# --quick is one round of 3 s; --no-instructions skips callgrind (a few
# minutes); --keep leaves the temporary directory (stopped clusters, the
# SQL and pgbench scripts, every pgbench output, the callgrind profiles
# out/callgrind.<cluster>.<script> for callgrind_annotate) and prints its
# path.
#
# Environment: PGBIN, the PostgreSQL binaries to build against and run
# (default /usr/lib/postgresql/15/bin; PG_CONFIG, if set and PGBIN is
# not, names them through its --bindir); BASE_PORT, the first cluster's
# port (default 5731, the others follow).  The extension is built and
# installed with the pg_config found there.
#
# The summary is printed and written to test/bench/results/mask-<date>.txt.
#
# test/bench/mask.sh
#
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

if [ -n "${PGBIN:-}" ]; then
	PG_BIN=$PGBIN
elif [ -n "${PG_CONFIG:-}" ]; then
	PG_BIN=$("$PG_CONFIG" --bindir)
fi
base_port=${BASE_PORT:-5731}

rounds=3
duration=10
clients=1
instructions=1
keep=0
usage="usage: $0 [--rounds N] [--duration S] [--clients C] [--quick] [--no-instructions] [--keep]"
while [ $# -gt 0 ]; do
	case "$1" in
		--rounds) rounds=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--clients) clients=$2; shift 2 ;;
		--quick) rounds=1; duration=3; shift ;;
		--no-instructions) instructions=0; shift ;;
		--keep) keep=1; shift ;;
		-h | --help) echo "$usage"; exit 0 ;;
		*) echo "$usage" >&2; exit 2 ;;
	esac
done
for v in "$rounds" "$duration" "$clients"; do
	case "$v" in
		'' | *[!0-9]* | 0*) echo "$usage (N, S and C are positive integers)" >&2; exit 2 ;;
	esac
done

die()
{
	echo "mask.sh: $1" >&2
	[ -z "${2:-}" ] || [ ! -f "$2" ] || tail -n 20 "$2" >&2
	exit 1
}

gov_ensure_packages valgrind >/dev/null
for p in initdb pg_ctl postgres pgbench psql pg_config; do
	[ -x "$PG_BIN/$p" ] || die "$PG_BIN/$p is missing"
done
make -C "$GOV_REPO" -s PG_CONFIG="$PG_BIN/pg_config" >/dev/null &&
	gov_as_root make -C "$GOV_REPO" -s install PG_CONFIG="$PG_BIN/pg_config" >/dev/null ||
	die "the extension does not build or install with $PG_BIN/pg_config"

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-mask.XXXXXX")
chmod 755 "$work"
mkdir -p "$work/sock" "$work/out"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"
clusters=(vanilla governance control)
declare -A port=([vanilla]=$base_port [governance]=$((base_port + 1)) [control]=$((base_port + 2)))

cleanup()
{
	for c in "${clusters[@]}"; do
		[ -d "$work/$c" ] && gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -m fast stop >/dev/null 2>&1 || true
	done
	if [ "$keep" = 1 ]; then
		echo "mask.sh: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# psql as a role on a cluster, database bench.
q()
{
	local c=$1 user=$2

	shift 2
	gov_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/sock" -p "${port[$c]}" -U "$user" -d bench "$@"
}

# --- schema, data, labels ----------------------------------------------

# The join of the third budget, on one line (single-user mode reads a
# statement per line).
join_sql="SELECT * FROM t1"
for i in $(seq 2 10); do
	join_sql="$join_sql JOIN t$i ON t$i.id = t$((i - 1)).ref"
done
join_sql="$join_sql WHERE t1.v < 100"

# Same everywhere; the data is a function of the row number only.
cat >"$work/schema.sql" <<'EOF'
CREATE ROLE masked LOGIN;
CREATE ROLE reader LOGIN;
-- COPY ... TO '/dev/null' in the instruction counts; the same on every cluster.
GRANT pg_write_server_files TO masked, reader;
CREATE TABLE users (id int PRIMARY KEY, name text, email text, api_key text, note text);
INSERT INTO users
SELECT i,
	   'Person ' || i || ' ' || initcap(substr(md5('n' || i), 1, 9)),
	   'user' || i || '.' || substr(md5('e' || i), 1, 6) || '@' || substr(md5('d' || (i % 500)), 1, 8) || '.example.com',
	   'sk-live-' || md5('k' || i),
	   'note ' || i
  FROM generate_series(1, 100000) i;
CREATE TABLE users_plain (LIKE users INCLUDING ALL);
INSERT INTO users_plain SELECT * FROM users;
DO $$
BEGIN
	FOR i IN 1 .. 10 LOOP
		EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, ref int, a text, b text, v int)', i);
		EXECUTE format($q$INSERT INTO t%s
			SELECT j, 1 + (j * 7) %% 1000, 'Name %s ' || j, 'p' || j || '@t%s.example.com', j %% 1000
			  FROM generate_series(1, 1000) j$q$, i, i, i);
	END LOOP;
END $$;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO masked, reader;
EOF

cat >"$work/labels.sql" <<'EOF'
CREATE EXTENSION governance;
SELECT governance.label_column('users', 'name', 'pii');
SELECT governance.label_column('users', 'email', 'email');
SELECT governance.label_column('users', 'api_key', 'secret');
DO $$
BEGIN
	FOR i IN 1 .. 10 LOOP
		PERFORM governance.label_column(format('t%s', i)::regclass, 'a', 'pii');
		PERFORM governance.label_column(format('t%s', i)::regclass, 'b', 'email');
	END LOOP;
END $$;
SELECT governance.grant_unmasked(l, 'db:reader') FROM unnest('{pii,email,secret}'::text[]) l;
CREATE VIEW users_hand AS
SELECT id,
	   governance.mask_partial(name) AS name,
	   governance.mask_email(email) AS email,
	   governance.mask_redact(api_key) AS api_key,
	   note
  FROM users_plain;
GRANT SELECT ON users_hand TO masked, reader;
EOF

for c in "${clusters[@]}"; do
	gov_as_pg "$PG_BIN/initdb" -D "$work/$c" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		>"$work/out/$c.initdb.log" 2>&1 || die "initdb for $c failed" "$work/out/$c.initdb.log"
	cat >>"$work/$c/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work/sock'
port = ${port[$c]}
shared_buffers = 256MB
EOF
done
cat >>"$work/governance/postgresql.conf" <<EOF
shared_preload_libraries = 'governance'
governance.audit_level = 'none'
EOF
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

for c in "${clusters[@]}"; do
	gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -l "$work/out/$c.server.log" -w start >/dev/null ||
		die "the $c server did not start" "$work/out/$c.server.log"
	gov_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/sock" -p "${port[$c]}" -U postgres -d postgres \
		-c "CREATE DATABASE bench" >/dev/null || die "CREATE DATABASE on $c failed"
	q "$c" postgres -f "$work/schema.sql" >"$work/out/$c.setup.log" 2>&1 ||
		die "setup on $c failed" "$work/out/$c.setup.log"
done
q governance postgres -f "$work/labels.sql" >>"$work/out/governance.setup.log" 2>&1 ||
	die "labelling on governance failed" "$work/out/governance.setup.log"
for c in "${clusters[@]}"; do
	q "$c" postgres -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
done

# --- each configuration does what its name says --------------------------

digest()
{
	q "$1" "$2" -At -c "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY id)) FROM $3 t"
}
for c in "${clusters[@]}"; do
	want=""
	[ "$c" = governance ] && want=governance
	got=$(q "$c" postgres -At -c "SHOW shared_preload_libraries")
	[ "$got" = "$want" ] || die "$c preloads '$got', expected '$want'"
done
[ "$(q governance postgres -At -c 'SHOW governance.audit_level')" = none ] ||
	die "governance.audit_level is not none"
clear=$(digest vanilla reader users)
[ "${clear%% *}" = 100000 ] || die "users on vanilla has ${clear%% *} rows, expected 100000"
for c in vanilla control governance; do
	[ "$(digest "$c" postgres users_plain)" = "$clear" ] || die "users_plain on $c differs from users on vanilla"
done
[ "$(digest control reader users)" = "$clear" ] || die "users on control differs from vanilla"
[ "$(digest governance reader users)" = "$clear" ] ||
	die "reader, granted every label unmasked, does not read users clear on governance"
masked_read=$(digest governance masked users)
[ "$masked_read" != "$clear" ] || die "masked reads users clear on governance: nothing is masked"
[ "$(digest governance masked users_hand)" = "$masked_read" ] ||
	die "the hand-written view users_hand does not return what the masked read of users returns"
sample=$(q governance masked -At -c "SELECT name || ' ' || email || ' ' || api_key FROM users WHERE id = 1")
nmask=$(q governance masked -At -c "EXPLAIN (VERBOSE, COSTS OFF) $join_sql" | { grep -o 'governance\.mask_[a-z]*' || true; } | wc -l)
[ "$nmask" -ge 20 ] || die "the masked join plan calls $nmask masks, expected at least 20"
nmask_v=$(q governance reader -At -c "EXPLAIN (VERBOSE, COSTS OFF) $join_sql" | grep -c 'governance\.mask_' || true)
[ "$nmask_v" = 0 ] || die "the reader's join plan calls masks"
for c in "${clusters[@]}"; do
	plan=$(q "$c" reader -At -c "EXPLAIN (COSTS OFF) SELECT * FROM users" | head -n 1)
	[ "$plan" = "Seq Scan on users" ] || die "the scan of users on $c plans as '$plan'"
done

# --- instructions, with callgrind, in single-user mode -----------------

# Deterministic figures: callgrind, clusters stopped, single-user mode.
# Each run's callgrind output stays in out/ (see --keep).
declare -A ins startup

# Instructions of one single-user run of a script on a cluster.
count()
{
	gov_as_pg valgrind --tool=callgrind --callgrind-out-file="$work/out/callgrind.$1.$2" \
		"$PG_BIN/postgres" --single -D "$work/$1" bench <"$work/$2.sql" >"$work/run.log" 2>"$work/cg.err"
	if grep -q ERROR "$work/run.log"; then
		grep ERROR "$work/run.log" | head -n 3 >&2
		die "$2 on $1 reported an error"
	fi
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err"
}

# Instructions per statement: (run - start-up) / statements, start-up
# being a run of the same role's one-statement script.
per()
{
	local c=$1 script=$2 role=$3 n=$4 total

	[ -n "${startup[$c.$role]:-}" ] || startup[$c.$role]=$(count "$c" "one_$role")
	total=$(count "$c" "$script")
	last=$(perl -e 'printf "%.0f", ($ARGV[0] - $ARGV[1]) / $ARGV[2]' "$total" "${startup[$c.$role]}" "$n")
}

count_instructions()
{
	for c in "${clusters[@]}"; do
		gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -m fast -w stop >/dev/null
	done

	n_scan=3
	n_point=2000
	n_join=100
	perl -e '
		my ($dir, $n_scan, $n_point, $n_join, $join) = @ARGV;
		sub put { my ($name, $role, $body) = @_; open my $f, ">", "$dir/$name.sql" or die;
				  print $f "SET ROLE $role;\n", $body; }
		srand(1);
		for my $role ("masked", "reader", "postgres") {
			put("one_$role", $role, "SELECT 1;\n");
		}
		put("scan_masked", "masked", "COPY (SELECT * FROM users) TO \x27/dev/null\x27;\n" x $n_scan);
		put("scan_hand", "masked", "COPY (SELECT * FROM users_hand) TO \x27/dev/null\x27;\n" x $n_scan);
		put("scan_reader", "reader", "COPY (SELECT * FROM users) TO \x27/dev/null\x27;\n" x $n_scan);
		my $point = join("", map { "SELECT * FROM users WHERE id = " . (1 + int(rand(100000))) . ";\n" } 1 .. $n_point);
		put("point_reader", "reader", $point);
		put("point_super", "postgres", $point);
		put("join_masked", "masked", "EXPLAIN $join;\n" x $n_join);
	' "$work" "$n_scan" "$n_point" "$n_join" "$join_sql"
	[ "$(id -u)" = 0 ] && chown postgres "$work"/*.sql

	echo "mask benchmark: counting instructions (callgrind, single-user mode)" >&2
	per governance scan_masked masked "$n_scan"; ins[scan_masked]=$last
	per governance scan_hand masked "$n_scan"; ins[scan_hand]=$last
	per governance scan_reader reader "$n_scan"; ins[scan_reader_gov]=$last
	per vanilla scan_reader reader "$n_scan"; ins[scan_reader_van]=$last
	per governance point_reader reader "$n_point"; ins[point_gov]=$last
	per vanilla point_reader reader "$n_point"; ins[point_van]=$last
	per governance point_super postgres "$n_point"; ins[point_super_gov]=$last
	per vanilla point_super postgres "$n_point"; ins[point_super_van]=$last
	per governance join_masked masked "$n_join"; ins[join_gov]=$last
	per vanilla join_masked masked "$n_join"; ins[join_van]=$last
	for c in "${clusters[@]}"; do
		gov_as_pg "$PG_BIN/pg_ctl" -D "$work/$c" -l "$work/out/$c.server.log" -w start >/dev/null ||
			die "the $c server did not restart" "$work/out/$c.server.log"
	done
}
[ "$instructions" = 0 ] || count_instructions

# --- time, with pgbench, interleaved rounds ----------------------------

echo "SELECT * FROM users;" >"$work/scan.sql"
echo "SELECT * FROM users_hand;" >"$work/hand.sql"
printf '\\set id random(1, 100000)\nSELECT * FROM users WHERE id = :id;\n' >"$work/point.sql"
echo "EXPLAIN $join_sql;" >"$work/join.sql"
[ "$(id -u)" = 0 ] && chown postgres "$work"/*.sql

# workload -> "cluster role script"
declare -A wl=(
	[scan_masked]="governance masked scan"
	[scan_hand]="governance masked hand"
	[scan_vanilla]="vanilla reader scan"
	[scan_reader]="governance reader scan"
	[scan_control]="control reader scan"
	[point_vanilla]="vanilla reader point"
	[point_reader]="governance reader point"
	[point_control]="control reader point"
	[join_vanilla]="vanilla masked join"
	[join_masked]="governance masked join"
	[join_control]="control masked join"
)
order=(scan_masked scan_hand scan_vanilla scan_reader scan_control
	point_vanilla point_reader point_control join_vanilla join_masked join_control)

tps()
{
	local w=$1 seconds=$2 c role script out="$work/out/$1.log" t

	read -r c role script <<<"${wl[$w]}"
	gov_as_pg "$PG_BIN/pgbench" -h "$work/sock" -p "${port[$c]}" -U "$role" -n -M simple \
		-c "$clients" -j "$clients" -T "$seconds" -f "$work/$script.sql" bench >"$out" 2>&1 ||
		die "pgbench for $w failed" "$out"
	t=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
	[ -n "$t" ] || die "no TPS in the pgbench output for $w" "$out"
	echo "$t"
}

# Share of the machine's CPU time spent busy over 3 s, every cluster idle.
cpu_busy()
{
	local a b

	a=$(head -n 1 /proc/stat)
	sleep 3
	b=$(head -n 1 /proc/stat)
	perl -e '
		my @x = split " ", $ARGV[0]; my @y = split " ", $ARGV[1];
		my ($t, $i) = (0, 0);
		for my $k (1 .. 8) { my $d = $y[$k] - $x[$k]; $t += $d; $i += $d if $k == 4 || $k == 5; }
		printf "%.0f", $t ? 100 * ($t - $i) / $t : 0;
	' "$a" "$b"
}

busy_before=$(cpu_busy)
nw=${#order[@]}
echo "mask benchmark: $nw workloads, ${duration}s x $rounds rounds, about $(((nw * (rounds * duration + 2) + 59) / 60)) min" >&2
for w in "${order[@]}"; do
	tps "$w" 2 >/dev/null
done
declare -A got
for r in $(seq 1 "$rounds"); do
	for k in $(seq 0 $((nw - 1))); do
		w=${order[$(((r - 1 + k) % nw))]}
		t=$(tps "$w" "$duration")
		got[$w]="${got[$w]:-} $t"
		printf '  round %d/%d  %-14s %10.2f tps\n' "$r" "$rounds" "$w" "$t" >&2
	done
done
busy_after=$(cpu_busy)

# --- report -------------------------------------------------------------

# "median min max" of the numbers given.
stats()
{
	printf '%s\n' "$@" | sort -g | perl -e '
		my @v = <STDIN>; chomp @v;
		my $m = @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
		printf "%s %s %s", $m, $v[0], $v[-1];'
}

# Per-round time ratios measured / baseline (baseline TPS / measured TPS).
ratios()
{
	perl -e '
		my @m = split " ", $ARGV[0]; my @b = split " ", $ARGV[1];
		print join(" ", map { sprintf "%.3f", $b[$_] / $m[$_] } 0 .. $#m);
	' "${got[$1]}" "${got[$2]}"
}

verdict()
{
	perl -e 'print $ARGV[0] <= $ARGV[1] ? "met" : "NOT met"' "$1" "$2"
}

commit=$(git -C "$GOV_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$GOV_REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
	commit="$commit (with uncommitted changes)"
stamp=$(date -u '+%Y-%m-%d %H:%M UTC')
reproduce="test/bench/mask.sh --rounds $rounds --duration $duration --clients $clients"
[ "$instructions" = 1 ] || reproduce="$reproduce --no-instructions"
[ "$PG_BIN" = /usr/lib/postgresql/15/bin ] || reproduce="PGBIN=$PG_BIN $reproduce"

report()
{
	local w med min max list label num den budget rs row

	echo "mask benchmark, $stamp"
	echo "  server:  $("$PG_BIN/postgres" --version), $(nproc) CPUs, commit $commit"
	echo "  setup:   vanilla, control (a second vanilla) and governance clusters, shared_buffers 256MB;"
	echo "           governance with governance.audit_level = 'none': no audit cost is included"
	echo "  data:    users 100,000 rows, 3 labelled columns; t1..t10 1,000 rows each, 20 labelled columns"
	echo "  pgbench: -n -M simple, $clients client(s), ${duration}s x $rounds rounds, interleaved, order rotating"
	echo "  load:    CPU ${busy_before}% busy before the rounds, ${busy_after}% after, every cluster idle"
	if [ "$busy_before" -gt 10 ] || [ "$busy_after" -gt 10 ]; then
		echo "  WARNING: other work kept the CPUs busy; the timings are unreliable"
	fi
	echo "  masked read of users, id 1: $sample"
	echo
	printf '  %-14s %-11s %-7s %12s %12s %12s   %s\n' workload cluster role "median tps" min max "per round"
	for w in "${order[@]}"; do
		read -r med min max <<<"$(stats ${got[$w]})"
		read -r c role _ <<<"${wl[$w]}"
		list=$(printf '%s\n' ${got[$w]} | perl -ne 'chomp; push @a, sprintf "%.1f", $_; END { print "@a" }')
		printf '  %-14s %-11s %-7s %12.2f %12.2f %12.2f   %s\n' "$w" "$c" "$role" "$med" "$min" "$max" "$list"
	done
	echo
	echo "  time ratios (time per statement, measured / baseline; median of the per-round ratios)"
	printf '  %-58s %7s %8s  %-8s %s\n' ratio median budget verdict "per round"
	while IFS='|' read -r label num den budget; do
		rs=$(ratios "$num" "$den")
		read -r med min max <<<"$(stats $rs)"
		if [ "$budget" = - ]; then
			printf '  %-58s %6.3fx %8s  %-8s %s\n' "$label" "$med" "(A/A)" "" "$rs"
		else
			printf '  %-58s %6.3fx %8s  %-8s %s\n' "$label" "$med" "<= $budget" "$(verdict "$med" "$budget")" "$rs"
		fi
	done <<EOF
1  masked read / hand-written view, 100k rows|scan_masked|scan_hand|1.10
2a unmasked reader, governance / vanilla, 100k rows|scan_reader|scan_vanilla|1.02
   control / vanilla, 100k rows|scan_control|scan_vanilla|-
2b unmasked reader, governance / vanilla, point query|point_reader|point_vanilla|1.02
   control / vanilla, point query|point_control|point_vanilla|-
3  EXPLAIN 10-table join, masked, governance / vanilla|join_masked|join_vanilla|1.10
   control / vanilla, EXPLAIN 10-table join|join_control|join_vanilla|-
EOF
	[ "$instructions" = 1 ] || { echo; echo "  reproduce (repository root, as root): $reproduce"; return; }
	echo
	echo "  instructions per statement (callgrind, single-user mode, start-up subtracted)"
	printf '  %-66s %12s %12s %8s %8s  %s\n' measure measured baseline ratio budget verdict
	while IFS='|' read -r label num den budget; do
		row=$(perl -e 'printf "%12.0f %12.0f %7.3fx", $ARGV[0], $ARGV[1], $ARGV[0] / $ARGV[1]' "${ins[$num]}" "${ins[$den]}")
		printf '  %-66s %s %8s  %s\n' "$label" "$row" "<= $budget" \
			"$(verdict "$(perl -e 'print $ARGV[0] / $ARGV[1]' "${ins[$num]}" "${ins[$den]}")" "$budget")"
	done <<EOF
1  masked COPY (SELECT * FROM users) / users_hand, x$n_scan|scan_masked|scan_hand|1.10
2a reader COPY (SELECT * FROM users), governance / vanilla, x$n_scan|scan_reader_gov|scan_reader_van|1.02
2b reader point query, governance / vanilla, x$n_point|point_gov|point_van|1.02
2b superuser point query, governance / vanilla, x$n_point|point_super_gov|point_super_van|1.02
3  masked EXPLAIN 10-table join, governance / vanilla, x$n_join|join_gov|join_van|1.10
EOF
	echo
	echo "  reproduce (repository root, as root): $reproduce"
}

mkdir -p "$GOV_REPO/test/bench/results"
out="$GOV_REPO/test/bench/results/mask-$(date -u +%Y%m%d-%H%M%S).txt"
report | tee "$out"
echo "mask.sh: summary written to ${out#"$GOV_REPO"/}" >&2
