#!/bin/bash
#
# outscan.sh
#	  What the output scan costs a masked identity that reads ordinary data
#	  (no secret anywhere): governance.output_scan on against off, with an
#	  A/A control (off against off again), in one run.
#
# One cluster with the extension preloaded and created, audit_level = none
# (no audit cost mixed in), and two tables of 100,000 rows:
#
#   docs(id int, title text, author text, body text, tags text): title
#	  about 40 characters, author about 20, body about 300 (sentences of
#	  ordinary words and numbers), tags about 30; the text columns scanned;
#   mixed(id int, kind text, note text, payload jsonb, qty int, total
#	  bigint, at timestamptz): a jsonb of ten keys (strings, numbers, an
#	  array), text of about 60 characters, integers and a timestamp.
#
# No column is labelled.  Roles: "scan_on", "scan_off" and "scan_off2" read
# every label masked (masked identities); the superuser set
# governance.output_scan = off for the last two (ALTER ROLE ... SET);
# "reader" is granted every label unmasked, so no receiver is installed
# for it at all (the scan is on).
#
# Time: pgbench (-n, simple protocol, 1 client) runs SELECT * FROM docs and
# SELECT * FROM mixed (all 100,000 rows to the client, pgbench discarding
# them) as each role, each workload for the full duration, rounds
# interleaved with the order rotating; a ratio is taken within each round
# (TPS of the baseline / TPS of the measured) and the median reported with
# every round's value.  scan_off2 / scan_off is the A/A control: what this
# machine's noise alone makes of two identical configurations.
#
# Instructions, over the wire: the postmaster runs under callgrind
# (valgrind follows fork(): each backend writes its own profile at exit),
# collecting from PostgresMain on, which only a backend enters, so each
# profile counts one client connection's backend and nothing else.  Per
# role and table, a connection runs SELECT * FROM the table N times with
# psql reading every row (their count checked), and another runs SELECT 1
# alone; (reads - SELECT 1) / N is the instructions of one read as a
# client gets it (the executor, printtup, the sends), which the budget
# is stated for.  The part of governance_detect_secret (the detectors'
# one pass) is taken from the first profile, inclusive.
#
# Instructions, COPY (--copy): the same reads under callgrind in
# single-user mode with the cluster stopped, as COPY (SELECT * FROM ...)
# TO '/dev/null' (COPY's receiver, which escapes text byte by byte, so a
# read costs about three times the wire's and the scan's share is
# smaller); the same script with SELECT 1 instead is subtracted.
#
# CPU: the backend's own CPU time (user + system, /proc/PID/stat, read by
# the backend itself with pg_read_file) over N reads in one psql session
# per role and table, rounds interleaved with the order rotating, the
# ratio taken within each round and the median reported: what the
# server spends, without the client's time or the scheduler's waits in
# it, so it is steadier than TPS on a shared machine.
#
# Before measuring, the script checks that each configuration does what its
# name says: scan_on, scan_off and reader read the same rows as the
# superuser; a secret pasted into a copy of a row is redacted for scan_on
# and not for scan_off.
#
# Usage: test/bench/outscan.sh [--rounds N] [--duration S] [--reads N]
#                              [--cpu-reads N] [--quick] [--no-instructions] [--copy]
#                              [--no-time] [--keep]
#
# Environment: PGBIN, the PostgreSQL binaries (default
# /usr/lib/postgresql/15/bin; PG_CONFIG, if set and PGBIN is not, names
# them through its --bindir); BASE_PORT (default 5741).  The extension is
# built and installed with the pg_config found there.
#
# The summary is printed and written to test/bench/results/outscan-<date>.txt.
#
# test/bench/outscan.sh
#
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

if [ -n "${PGBIN:-}" ]; then
	PG_BIN=$PGBIN
elif [ -n "${PG_CONFIG:-}" ]; then
	PG_BIN=$("$PG_CONFIG" --bindir)
fi
port=${BASE_PORT:-5741}

rounds=3
duration=10
reads=3
cpu_reads=10
instructions=1
copy=0
timing=1
keep=0
usage="usage: $0 [--rounds N] [--duration S] [--reads N] [--cpu-reads N] [--quick] [--no-instructions] [--copy] [--no-time] [--keep]"
while [ $# -gt 0 ]; do
	case "$1" in
		--rounds) rounds=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--reads) reads=$2; shift 2 ;;
		--cpu-reads) cpu_reads=$2; shift 2 ;;
		--quick) rounds=1; duration=3; shift ;;
		--no-instructions) instructions=0; shift ;;
		--copy) copy=1; shift ;;
		--no-time) timing=0; shift ;;
		--keep) keep=1; shift ;;
		-h | --help) echo "$usage"; exit 0 ;;
		*) echo "$usage" >&2; exit 2 ;;
	esac
done
for v in "$rounds" "$duration" "$reads" "$cpu_reads"; do
	case "$v" in
		'' | *[!0-9]* | 0*) echo "$usage (N and S are positive integers)" >&2; exit 2 ;;
	esac
done

die()
{
	echo "outscan.sh: $1" >&2
	[ -z "${2:-}" ] || [ ! -f "$2" ] || tail -n 20 "$2" >&2
	exit 1
}

[ "$instructions" = 0 ] || gov_ensure_packages valgrind >/dev/null
for p in initdb pg_ctl postgres pgbench psql pg_config; do
	[ -x "$PG_BIN/$p" ] || die "$PG_BIN/$p is missing"
done
make -C "$GOV_REPO" -s PG_CONFIG="$PG_BIN/pg_config" >/dev/null &&
	gov_as_root make -C "$GOV_REPO" -s install PG_CONFIG="$PG_BIN/pg_config" >/dev/null ||
	die "the extension does not build or install with $PG_BIN/pg_config"

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-outscan.XXXXXX")
chmod 755 "$work"
mkdir -p "$work/sock" "$work/out"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"
data=$work/gov

cleanup()
{
	[ -d "$data" ] && gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
	if [ "$keep" = 1 ]; then
		echo "outscan.sh: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

q()
{
	local user=$1

	shift
	gov_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/sock" -p "$port" -U "$user" -d bench "$@"
}

# --- the cluster, the data, the roles -----------------------------------

cat >"$work/schema.sql" <<'EOF'
CREATE EXTENSION governance;
CREATE ROLE scan_on LOGIN;
CREATE ROLE scan_off LOGIN;
CREATE ROLE scan_off2 LOGIN;
CREATE ROLE reader LOGIN;
ALTER ROLE scan_off SET governance.output_scan = off;
ALTER ROLE scan_off2 SET governance.output_scan = off;
SELECT governance.grant_unmasked(label, 'db:reader') FROM governance.labels;
-- COPY ... TO '/dev/null' in the instruction counts; /proc/PID/stat for CPU.
GRANT pg_write_server_files, pg_read_server_files TO scan_on, scan_off, scan_off2, reader;
GRANT EXECUTE ON FUNCTION pg_read_file(text) TO scan_on, scan_off, scan_off2, reader;

-- Ordinary prose: words, numbers, dates, punctuation, from the row number.
CREATE FUNCTION words(seed int, n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT string_agg((ARRAY['the', 'order', 'shipped', 'customer', 'called', 'about',
		'invoice', 'delivery', 'on', 'Monday', 'and', 'asked', 'for', 'a', 'refund',
		'of', 'item', 'number', 'warehouse', 'Berlin', 'returned', 'box', 'damaged',
		'please', 'check', 'status', 'update', 'ticket', 'was', 'closed'])[1 + (seed * 7 + k * 13) % 30]
		|| CASE WHEN (seed + k) % 11 = 0 THEN ' ' || (seed * 31 + k) % 100000 ELSE '' END
		|| CASE WHEN (seed + k) % 17 = 0 THEN ',' ELSE '' END, ' ')
	  FROM generate_series(1, n) k
$$;
CREATE TABLE docs (id int PRIMARY KEY, title text, author text, body text, tags text);
INSERT INTO docs
SELECT i,
	   initcap(words(i, 6)) || ' #' || i,
	   'Author ' || substr(md5('a' || (i % 997)), 1, 8) || ' Smith',
	   words(i + 1, 50) || '. Ref ' || to_char(date '2024-01-01' + i % 700, 'YYYY-MM-DD') || '.',
	   'ops,billing,' || (ARRAY['urgent', 'normal', 'low'])[1 + i % 3] || ',q' || (1 + i % 4)
  FROM generate_series(1, 100000) i;
CREATE TABLE mixed (id int PRIMARY KEY, kind text, note text, payload jsonb, qty int, total bigint, at timestamptz);
INSERT INTO mixed
SELECT i,
	   (ARRAY['order', 'refund', 'shipment', 'invoice'])[1 + i % 4],
	   words(i + 2, 10),
	   jsonb_build_object('customer', 'c' || (i % 5000), 'city', (ARRAY['Berlin', 'Paris', 'Oslo'])[1 + i % 3],
		   'items', jsonb_build_array(i % 7, i % 11, i % 13), 'price', (i % 1000) / 10.0,
		   'currency', 'EUR', 'express', i % 2 = 0, 'note', words(i, 5), 'sku', 'SKU-' || (i % 9973),
		   'warehouse', 'W' || (i % 12), 'version', 3),
	   i % 50, i::bigint * 1009, timestamptz '2024-01-01' + i * interval '1 minute'
  FROM generate_series(1, 100000) i;
-- A copy of one row with secrets pasted in, to check the configurations.
CREATE TABLE pasted (LIKE docs);
GRANT SELECT ON docs, mixed, pasted TO scan_on, scan_off, scan_off2, reader;
EOF

gov_as_pg "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
	>"$work/out/initdb.log" 2>&1 || die "initdb failed" "$work/out/initdb.log"
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work/sock'
port = $port
shared_buffers = 256MB
shared_preload_libraries = 'governance'
governance.audit_level = 'none'
EOF
gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$work/out/server.log" -w start >/dev/null ||
	die "the server did not start" "$work/out/server.log"
gov_as_pg "$PG_BIN/psql" -X -q -h "$work/sock" -p "$port" -U postgres -d postgres \
	-c "CREATE DATABASE bench" >/dev/null || die "CREATE DATABASE failed"
q postgres -f "$work/schema.sql" >"$work/out/setup.log" 2>&1 || die "setup failed" "$work/out/setup.log"
token=$("$GOV_REPO/test/tools/token" sub=bench)
echo "INSERT INTO pasted SELECT id, title, author, body || ' ' || :'token', tags FROM docs WHERE id = 1;" |
	q postgres -v token="$token" >/dev/null || die "the pasted row could not be made"
q postgres -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null

# --- each configuration does what its name says ------------------------

digest()
{
	q "$1" -At -c "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY id)) FROM $2 t"
}
for t in docs mixed; do
	clear=$(digest postgres "$t")
	[ "${clear%% *}" = 100000 ] || die "$t has ${clear%% *} rows, expected 100000"
	for r in scan_on scan_off scan_off2 reader; do
		[ "$(digest "$r" "$t")" = "$clear" ] || die "$r does not read $t as the superuser does"
	done
done
[ "$(q scan_on -At -c 'SHOW governance.output_scan')" = on ] || die "scan_on runs with output_scan off"
[ "$(q scan_off -At -c 'SHOW governance.output_scan')" = off ] || die "scan_off runs with output_scan on"
[ "$(q scan_off2 -At -c 'SHOW governance.output_scan')" = off ] || die "scan_off2 runs with output_scan on"
[ "$(q scan_on -At -c 'SELECT body FROM pasted')" = "[redacted: jwt]" ] ||
	die "scan_on is handed a pasted token: the scan does not run"
q scan_off -At -c 'SELECT body FROM pasted' | grep -q 'eyJ' ||
	die "scan_off is not handed the pasted token"
q reader -At -c 'SELECT body FROM pasted' | grep -q 'eyJ' ||
	die "reader, granted every label, is not handed the pasted token"
bytes_docs=$(q postgres -At -c "SELECT sum(octet_length(t::text)) FROM docs t")
bytes_mixed=$(q postgres -At -c "SELECT sum(octet_length(t::text)) FROM mixed t")

# --- instructions, with callgrind -------------------------------------

declare -A ins wire

# Instructions (inclusive) of the function named, per read, from a profile.
inclusive()
{
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		perl -ne 'BEGIN { ($f, $n) = @ARGV[0, 1]; @ARGV = () }
				  if (/^\s*([\d,]+)\s.*[:\s]\Q$f\E\b/) { ($c = $1) =~ s/,//g; $max = $c if $c > $max }
				  END { printf "%.0f", $max / $n }' "$2" "$3"
}

# Over the wire: one connection as role $2 running the statements given
# (each -c), the client's lines counted ($3 expected); prints the
# instructions its backend ran, and keeps its profile as $work/out/wire.$1.
connection()
{
	local name=$1 role=$2 expect=$3 before f pid lines args=()

	shift 3
	for stmt in "$@"; do args+=(-c "$stmt"); done
	before=$(ls "$work/cg")
	lines=$(gov_as_pg "$PG_BIN/psql" -X -At -v ON_ERROR_STOP=1 -h "$work/sock" -p "$port" \
		-U "$role" -d bench "${args[@]}" | wc -l)
	[ "$lines" = "$expect" ] || die "$name: the client got $lines lines, expected $expect"
	# the backend writes its profile as it exits
	for _ in $(seq 1 600); do
		f=$(comm -13 <(echo "$before") <(ls "$work/cg") | head -n 1)
		[ -n "$f" ] && pid=${f##*.} && ! kill -0 "$pid" 2>/dev/null && break
		f=
		sleep 0.5
	done
	[ -n "$f" ] || die "$name: its backend wrote no profile"
	mv "$work/cg/$f" "$work/out/wire.$name"
	sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$work/out/wire.$name"
}

count_wire()
{
	local t r w role c0 cn stmts

	echo "outscan benchmark: counting instructions over the wire (callgrind, a backend per connection)" >&2
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	mkdir -p "$work/cg"
	[ "$(id -u)" = 0 ] && chown postgres "$work/cg"
	gov_as_pg bash -c "exec valgrind --tool=callgrind --trace-children=no --collect-atstart=no \
		--toggle-collect=PostgresMain --callgrind-out-file='$work/cg/callgrind.%p' \
		'$PG_BIN/postgres' -D '$data' -c autovacuum=off >'$work/out/valgrind.log' 2>&1" &
	for _ in $(seq 1 300); do
		gov_as_pg "$PG_BIN/pg_isready" -q -h "$work/sock" -p "$port" && break
		sleep 1
	done
	gov_as_pg "$PG_BIN/pg_isready" -q -h "$work/sock" -p "$port" ||
		die "the server did not start under valgrind" "$work/out/valgrind.log"
	# each role's first login (the relation cache file) is not counted
	for r in scan_on scan_off scan_off2 reader; do
		connection "warm_$r" "$r" 1 "SELECT 1" >/dev/null
	done
	stmts=()
	for _ in $(seq 1 "$reads"); do stmts+=("SELECT * FROM TABLE"); done
	for t in docs mixed; do
		for r in on off off2 reader; do
			w=${t}_$r
			role=scan_$r
			[ "$r" = reader ] && role=reader
			c0=$(connection "$w.one" "$role" 1 "SELECT 1")
			cn=$(connection "$w" "$role" $((reads * 100000)) "${stmts[@]/TABLE/$t}")
			wire[$w]=$(perl -e 'printf "%.0f", ($ARGV[0] - $ARGV[1]) / $ARGV[2]' "$cn" "$c0" "$reads")
			[ "${wire[$w]}" -gt 1000000 ] || die "$w counted ${wire[$w]} instructions per read: nothing was measured"
		done
		wire[${t}_detect]=$(inclusive "$work/out/wire.${t}_on" governance_detect_secret "$reads")
	done
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$work/out/server.log" -w start >/dev/null ||
		die "the server did not restart" "$work/out/server.log"
}

# COPY in single-user mode: instructions of one run of a script.
count()
{
	gov_as_pg valgrind --tool=callgrind --callgrind-out-file="$work/out/callgrind.$1" \
		"$PG_BIN/postgres" --single -D "$data" bench <"$work/$1.sql" >"$work/run.log" 2>"$work/cg.err"
	if grep -q ERROR "$work/run.log"; then
		grep ERROR "$work/run.log" | head -n 3 >&2
		die "$1 reported an error"
	fi
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err"
}

# Instructions per read: (run - the same set-up with SELECT 1) / reads.
per()
{
	local name=$1 setup=$2 table=$3 total one

	printf '%s\nSELECT 1;\n' "$setup" >"$work/one_$name.sql"
	{
		printf '%s\n' "$setup"
		for _ in $(seq 1 "$reads"); do
			echo "COPY (SELECT * FROM $table) TO '/dev/null';"
		done
	} >"$work/$name.sql"
	[ "$(id -u)" = 0 ] && chown postgres "$work"/*.sql
	one=$(count "one_$name")
	total=$(count "$name")
	ins[$name]=$(perl -e 'printf "%.0f", ($ARGV[0] - $ARGV[1]) / $ARGV[2]' "$total" "$one" "$reads")
	[ "${ins[$name]}" -gt 1000000 ] || die "$name counted ${ins[$name]} instructions per read: nothing was measured"
}

count_copy()
{
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	echo "outscan benchmark: counting instructions of COPY (callgrind, single-user mode)" >&2
	for t in docs mixed; do
		per "${t}_on" "SET governance.output_scan = on; SET ROLE scan_on;" "$t"
		per "${t}_off" "SET governance.output_scan = off; SET ROLE scan_off;" "$t"
		per "${t}_off2" "SET governance.output_scan = off; SET ROLE scan_off2;" "$t"
		per "${t}_reader" "SET governance.output_scan = on; SET ROLE reader;" "$t"
	done
	for t in docs mixed; do
		ins[${t}_detect]=$(inclusive "$work/out/callgrind.${t}_on" governance_detect_secret "$reads")
	done
	gov_as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$work/out/server.log" -w start >/dev/null ||
		die "the server did not restart" "$work/out/server.log"
}
[ "$instructions" = 0 ] || count_wire
[ "$instructions" = 0 ] || [ "$copy" = 0 ] || count_copy

# --- time, with pgbench, interleaved rounds ----------------------------

echo "SELECT * FROM docs;" >"$work/docs.sql"
echo "SELECT * FROM mixed;" >"$work/mixed.sql"
[ "$(id -u)" = 0 ] && chown postgres "$work"/*.sql

declare -A wl=(
	[docs_on]="scan_on docs" [docs_off]="scan_off docs" [docs_off2]="scan_off2 docs" [docs_reader]="reader docs"
	[mixed_on]="scan_on mixed" [mixed_off]="scan_off mixed" [mixed_off2]="scan_off2 mixed" [mixed_reader]="reader mixed"
)
order=(docs_on docs_off docs_off2 docs_reader mixed_on mixed_off mixed_off2 mixed_reader)

tps()
{
	local w=$1 seconds=$2 role script out="$work/out/$1.log" t

	read -r role script <<<"${wl[$w]}"
	gov_as_pg "$PG_BIN/pgbench" -h "$work/sock" -p "$port" -U "$role" -n -M simple \
		-c 1 -j 1 -T "$seconds" -f "$work/$script.sql" bench >"$out" 2>&1 ||
		die "pgbench for $w failed" "$out"
	t=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
	[ -n "$t" ] || die "no TPS in the pgbench output for $w" "$out"
	echo "$t"
}

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

# The CPU time (user + system, in clock ticks) of one backend over
# cpu_reads reads of table $2 by role $1, read from /proc by the backend.
cpu_ticks()
{
	local role=$1 table=$2 out

	out=$({
		echo "SELECT pg_read_file('/proc/' || pg_backend_pid() || '/stat');"
		echo '\o /dev/null'
		for _ in $(seq 1 "$cpu_reads"); do echo "SELECT * FROM $table;"; done
		echo '\o'
		echo "SELECT pg_read_file('/proc/' || pg_backend_pid() || '/stat');"
	} | q "$role" -At) || die "the CPU reads of $table as $role failed"
	perl -e '
		my @t = map { my @f = split " ", (split /\) /, $_, 2)[1]; $f[11] + $f[12] }
				grep { /\) / } split /\n/, $ARGV[0];
		@t == 2 or die "no /proc stat lines\n";
		print $t[1] - $t[0];' "$out" || die "the CPU reads of $table as $role: no CPU times read"
}

declare -A got cpu
measure_time()
{
	busy_before=$(cpu_busy)
	nw=${#order[@]}
	echo "outscan benchmark: $nw workloads, ${duration}s x $rounds rounds, about $(((nw * (rounds * duration + 2) + 59) / 60)) min" >&2
	for w in "${order[@]}"; do
		tps "$w" 2 >/dev/null
	done
	for r in $(seq 1 "$rounds"); do
		for k in $(seq 0 $((nw - 1))); do
			w=${order[$(((r - 1 + k) % nw))]}
			t=$(tps "$w" "$duration")
			got[$w]="${got[$w]:-} $t"
			printf '  round %d/%d  %-13s %9.3f tps\n' "$r" "$rounds" "$w" "$t" >&2
		done
	done
	echo "outscan benchmark: backend CPU, $cpu_reads reads per workload x $rounds rounds" >&2
	for r in $(seq 1 "$rounds"); do
		for k in $(seq 0 $((nw - 1))); do
			w=${order[$(((r - 1 + k) % nw))]}
			read -r role table <<<"${wl[$w]}"
			t=$(cpu_ticks "$role" "$table")
			[ "$t" -gt 0 ] || die "$w: no CPU time counted over $cpu_reads reads"
			cpu[$w]="${cpu[$w]:-} $t"
			printf '  round %d/%d  %-13s %6d ticks\n' "$r" "$rounds" "$w" "$t" >&2
		done
	done
	busy_after=$(cpu_busy)
}
busy_before=0
busy_after=0
[ "$timing" = 0 ] || measure_time

# --- report -------------------------------------------------------------

stats()
{
	printf '%s\n' "$@" | sort -g | perl -e '
		my @v = <STDIN>; chomp @v;
		my $m = @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
		printf "%s %s %s", $m, $v[0], $v[-1];'
}

# The per-round ratios of two lists of values: each of the first over the
# one of the second.
ratios()
{
	perl -e '
		my @a = split " ", $ARGV[0]; my @b = split " ", $ARGV[1];
		print join(" ", map { sprintf "%.3f", $a[$_] / $b[$_] } 0 .. $#a);
	' "$1" "$2"
}

verdict()
{
	perl -e 'print $ARGV[0] <= $ARGV[1] ? "met" : "NOT met"' "$1" "$2"
}

commit=$(git -C "$GOV_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$GOV_REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
	commit="$commit (with uncommitted changes)"
stamp=$(date -u '+%Y-%m-%d %H:%M UTC')
reproduce="test/bench/outscan.sh --rounds $rounds --duration $duration --reads $reads"
[ "$instructions" = 1 ] || reproduce="$reproduce --no-instructions"
[ "$copy" = 0 ] || reproduce="$reproduce --copy"
[ "$cpu_reads" = 10 ] || reproduce="$reproduce --cpu-reads $cpu_reads"
[ "$timing" = 1 ] || reproduce="$reproduce --no-time"
[ "$PG_BIN" = /usr/lib/postgresql/15/bin ] || reproduce="PGBIN=$PG_BIN $reproduce"

report()
{
	local w med min max list label num den budget rs role table

	echo "outscan benchmark, $stamp"
	echo "  server:  $("$PG_BIN/postgres" --version), $(nproc) CPUs, commit $commit"
	echo "  setup:   one cluster, shared_buffers 256MB, governance.audit_level = 'none'"
	echo "  data:    docs 100,000 rows, 4 text columns, $bytes_docs bytes as text;"
	echo "           mixed 100,000 rows (text, jsonb of 10 keys, int, bigint, timestamptz), $bytes_mixed bytes as text"
	if [ "$timing" = 1 ]; then
		echo "  pgbench: -n -M simple, 1 client, ${duration}s x $rounds rounds, interleaved, order rotating"
		echo "  load:    CPU ${busy_before}% busy before the rounds, ${busy_after}% after"
	fi
	if [ "$timing" = 1 ] && { [ "$busy_before" -gt 10 ] || [ "$busy_after" -gt 10 ]; }; then
		echo "  WARNING: other work kept the CPUs busy; the timings are unreliable"
	fi
	[ "$timing" = 1 ] && report_time
	[ "$instructions" = 1 ] || { echo; echo "  reproduce (repository root, as root): $reproduce"; return; }
	report_instructions
}

# The measures reported: label|measured|baseline|budget ("-": an A/A control).
MEASURES='docs: output_scan on / off|docs_on|docs_off|1.10
docs: off again / off|docs_off2|docs_off|-
docs: unmasked reader, scan on / masked, off|docs_reader|docs_off|-
mixed: output_scan on / off|mixed_on|mixed_off|1.10
mixed: off again / off|mixed_off2|mixed_off|-
mixed: unmasked reader, scan on / masked, off|mixed_reader|mixed_off|-'

# A table of ratios per round: label|measured|baseline|budget lines on
# stdin, the per-round ratios made by $1 (a function of the two names).
ratio_table()
{
	local label num den budget rs med min max

	printf '  %-52s %7s %8s  %-8s %s\n' ratio median budget verdict "per round"
	while IFS='|' read -r label num den budget; do
		rs=$("$1" "$num" "$den")
		read -r med min max <<<"$(stats $rs)"
		if [ "$budget" = - ]; then
			printf '  %-52s %6.3fx %8s  %-8s %s\n' "$label" "$med" "(A/A)" "" "$rs"
		else
			printf '  %-52s %6.3fx %8s  %-8s %s\n' "$label" "$med" "<= $budget" "$(verdict "$med" "$budget")" "$rs"
		fi
	done <<<"$MEASURES"
}
time_ratios() { ratios "${got[$2]}" "${got[$1]}"; }	# TPS: baseline / measured
cpu_ratios() { ratios "${cpu[$1]}" "${cpu[$2]}"; }

report_time()
{
	local w med min max list role table

	echo
	printf '  %-13s %-10s %-6s %10s %10s %10s   %s\n' workload role table "median tps" min max "per round"
	for w in "${order[@]}"; do
		read -r med min max <<<"$(stats ${got[$w]})"
		read -r role table <<<"${wl[$w]}"
		list=$(printf '%s\n' ${got[$w]} | perl -ne 'chomp; push @a, sprintf "%.3f", $_; END { print "@a" }')
		printf '  %-13s %-10s %-6s %10.3f %10.3f %10.3f   %s\n' "$w" "$role" "$table" "$med" "$min" "$max" "$list"
	done
	echo
	echo "  time ratios (time per statement, measured / baseline; median of the per-round ratios)"
	ratio_table time_ratios
	echo
	echo "  backend CPU over $cpu_reads reads (user + system, in clock ticks of $((1000 / $(getconf CLK_TCK))) ms), per round:"
	for w in "${order[@]}"; do
		printf '    %-13s %s\n' "$w" "${cpu[$w]# }"
	done
	echo "  CPU ratios (measured / baseline; median of the per-round ratios)"
	ratio_table cpu_ratios
}

# An instruction table from the array named $1 (wire or ins).
instruction_table()
{
	local -n counts=$1
	local label num den budget row

	printf '  %-52s %14s %14s %8s %8s  %s\n' measure measured baseline ratio budget verdict
	while IFS='|' read -r label num den budget; do
		row=$(perl -e 'printf "%14.0f %14.0f %7.3fx", $ARGV[0], $ARGV[1], $ARGV[0] / $ARGV[1]' "${counts[$num]}" "${counts[$den]}")
		if [ "$budget" = - ]; then
			printf '  %-52s %s %8s\n' "$label" "$row" "(A/A)"
		else
			printf '  %-52s %s %8s  %s\n' "$label" "$row" "<= $budget" \
				"$(verdict "$(perl -e 'print $ARGV[0] / $ARGV[1]' "${counts[$num]}" "${counts[$den]}")" "$budget")"
		fi
	done <<<"$MEASURES"
	echo "  where the scan's instructions go, per read (scan on - scan off; the detectors'"
	echo "  part from callgrind_annotate --inclusive of governance_detect_secret):"
	for t in docs mixed; do
		perl -e '
			my ($t, $on, $off, $det, $rows) = @ARGV;
			my $extra = $on - $off;
			printf "    %-6s %11.0f (+%.1f%% of the read; %.0f per row), of which the detectors %11.0f (%.1f%%; %.0f per row),\n",
				"$t:", $extra, 100 * $extra / $off, $extra / $rows, $det, 100 * $det / $off, $det / $rows;
			printf "           the receiver and the types (outscan*.c, detoasting, the slot) %11.0f (%.1f%%; %.0f per row)\n",
				$extra - $det, 100 * ($extra - $det) / $off, ($extra - $det) / $rows;
		' "$t" "${counts[${t}_on]}" "${counts[${t}_off]}" "${counts[${t}_detect]}" 100000
	done
}

report_instructions()
{
	echo
	echo "  instructions per 100,000-row read over the wire (callgrind, the backend of a psql"
	echo "  connection reading SELECT * FROM the table $reads times, a SELECT 1 connection subtracted)"
	instruction_table wire
	if [ "$copy" = 1 ]; then
		echo
		echo "  instructions per 100,000-row read as COPY (callgrind, single-user mode,"
		echo "  COPY (SELECT * ...) TO '/dev/null', set-up subtracted)"
		instruction_table ins
	fi
	echo
	echo "  reproduce (repository root, as root): $reproduce"
}

mkdir -p "$GOV_REPO/test/bench/results"
out="$GOV_REPO/test/bench/results/outscan-$(date -u +%Y%m%d-%H%M%S).txt"
report | tee "$out"
echo "outscan.sh: summary written to ${out#"$GOV_REPO"/}" >&2
