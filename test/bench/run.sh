#!/bin/bash
#
# run.sh
#	  Measure governance against vanilla PostgreSQL and pgaudit in one run.
#
# Usage: test/bench/run.sh [--duration S] [--rounds N] [--clients C]
#                          [--scale F] [--suite identity|audit|audit-select|audit-simd|all]
#                          [--quick] [--keep]
#
# Environment: PGBIN, the PostgreSQL binaries to build against and run
# (default /usr/lib/postgresql/15/bin); BASE_PORT, the first cluster's
# port (default 55432; the others follow); BENCH_WORK, the prefix of the
# temporary directory (default /tmp/governance-bench).
#
# Every configuration is its own cluster (initdb once at the start, same
# postgresql.conf apart from its preload list and its own lines, same
# pgbench database at the same scale).  All clusters run for the whole
# benchmark, each on its own port, listening only on a Unix socket in the
# temporary directory; they are measured one at a time, so an idle cluster
# costs the measured one nothing but a few timer wake-ups.  Results come
# from pgbench runs interleaved round by round: every round runs each
# selected workload once for the full duration, and the order of the
# workloads rotates by one place per round, so drift and noise on the
# machine (CPU frequency, a neighbour's load, the page cache) fall on every
# configuration alike instead of on whichever happens to run last.  A short
# warm-up run of each workload, not counted, precedes the first round.
#
# All pgbench runs use the extended query protocol with prepared statements
# (-M prepared), -n (the tables are vacuumed once after loading; nothing is
# written while measuring), C clients and min(C, 2) threads.  They connect
# as "bench", an ordinary role that owns the pgbench tables: the people and
# agents governance is built for are not superusers.  TPS is pgbench's
# figure without the initial connection time; each workload is reported as
# the median over the rounds, with the minimum and maximum.  A ratio is
# computed within each round (the two runs were minutes apart at most) and
# reported as the median of those per-round ratios, so load that drifts
# over the whole benchmark cancels out.  How busy the CPUs are with every
# cluster idle is sampled before and after the rounds and reported, with a
# warning above 10%: other work on the machine makes every figure suspect.
#
# The script reports budgets; it does not enforce them.  It exits 0 when
# the benchmark ran, whatever the ratios, and non-zero only when something
# broke: a package or the build is missing, a server does not start, a
# setup statement or a pgbench run fails, or a sanity check shows that a
# configuration does not do what it claims (e.g. pgaudit writes no audit
# lines, a token is not accepted).
#
# It needs root: it installs missing Debian packages, builds and installs
# the extension ("make && make install" in the repository root), and runs
# the servers and pgbench as the "postgres" user in a temporary directory
# it owns.  That directory and the clusters go away on exit; --keep stops
# the servers but leaves the directory (data, logs, pgbench output).  A
# summary is printed and appended as Markdown to test/bench/results/latest.md
# with the command line that reproduces it.
#
# Adding a configuration or a workload: see "Configurations, workloads,
# ratios, suites" below.  A configuration is a cluster (name, preload list,
# postgresql.conf lines, setup SQL); a workload is a pgbench run against one
# configuration; a ratio compares two workloads against a budget; a suite
# names the workloads that run.
#
# test/bench/run.sh
#

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/../.." && pwd)
RESULTS_DIR="$BENCH_DIR/results"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
. "$REPO_ROOT/test/lib.sh"
BASE_PORT=${BASE_PORT:-55432}
WARMUP=3

# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

usage()
{
	cat <<'EOF'
Usage: test/bench/run.sh [options]

  --duration S   seconds per pgbench run (default 20; 5 with --quick)
  --rounds N     interleaved rounds; each workload reports its median
                 (default 3; 2 with --quick)
  --clients C    pgbench clients (default 2); threads are min(C, 2)
  --scale F      pgbench scale factor, the same for every cluster (default 10)
  --suite NAME   identity, audit, audit-select (workload A of the audit
                 suite alone), audit-simd (the audit worker hashing with
                 AVX-512 against AVX2 only) or all (default identity)
  --quick        short run: 5 s x 2 rounds (explicit options still win)
  --keep         keep the temporary directory (clusters, logs) on exit
  -h, --help     this text

Runs as root from any directory.  Exit status 0 means the benchmark ran
(budgets are reported, not enforced); non-zero means something broke.
EOF
}

duration=""
rounds=""
clients=2
scale=10
suite=identity
quick=0
keep=0

need_arg()
{
	if [ $# -lt 2 ] || [ -z "$2" ]; then
		echo "run.sh: option $1 needs a value" >&2
		usage >&2
		exit 2
	fi
}

need_int()
{
	case "$2" in
		'' | *[!0-9]* | 0*)
			echo "run.sh: $1 must be a positive integer, not \"$2\"" >&2
			exit 2 ;;
	esac
}

while [ $# -gt 0 ]; do
	case "$1" in
		--duration) need_arg "$@"; need_int "$1" "$2"; duration=$2; shift 2 ;;
		--rounds) need_arg "$@"; need_int "$1" "$2"; rounds=$2; shift 2 ;;
		--clients) need_arg "$@"; need_int "$1" "$2"; clients=$2; shift 2 ;;
		--scale) need_arg "$@"; need_int "$1" "$2"; scale=$2; shift 2 ;;
		--suite) need_arg "$@"; suite=$2; shift 2 ;;
		--quick) quick=1; shift ;;
		--keep) keep=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) echo "run.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
	esac
done

if [ "$quick" = 1 ]; then
	: "${duration:=5}" "${rounds:=2}"
else
	: "${duration:=20}" "${rounds:=3}"
fi
jobs=$((clients < 2 ? clients : 2))

# The command that reproduces this run, every choice spelled out.
REPRODUCE="${PGBIN:+PGBIN=$PGBIN }test/bench/run.sh --suite $suite --duration $duration --rounds $rounds --clients $clients --scale $scale"

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root (it installs packages and the extension," \
		"and runs the servers as postgres)" >&2
	exit 2
fi

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

WORK=""
STARTED=()					# data directories of running clusters

log()
{
	echo "== $*" >&2
}

# Report what broke, show the end of the log that explains it, and exit.
die()
{
	local msg=$1 file=${2:-}

	echo "run.sh: ERROR: $msg" >&2
	if [ -n "$file" ] && [ -f "$file" ]; then
		echo "---- last lines of $file ----" >&2
		tail -n 30 "$file" >&2
		echo "----" >&2
	fi
	exit 1
}

cleanup()
{
	local rc=$? dir

	trap - EXIT INT TERM
	for dir in "${STARTED[@]}"; do
		as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "$keep" = 1 ]; then
			echo "run.sh: kept $WORK (servers stopped)" >&2
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# Run a command as postgres from a directory it can read.
as_pg()
{
	(cd "${WORK:-/}" && runuser -u postgres -- "$@")
}

# ---------------------------------------------------------------------------
# Configurations, workloads, ratios, suites
# ---------------------------------------------------------------------------
#
#   config NAME PRELOAD CONF-LINES SETUP-SQL
#	  A cluster.  PRELOAD is shared_preload_libraries; CONF-LINES are added
#	  to postgresql.conf after the common lines; SETUP-SQL runs as the
#	  superuser in the "bench" database after pgbench -i.
#   workload NAME CONFIG PGBENCH-ARGS
#	  A pgbench run against CONFIG's cluster, added to the common options
#	  (-n -M prepared -c -j -T).  Script files go in $WORK (see
#	  write_scripts).
#   ratio NUMERATOR DENOMINATOR BUDGET LABEL
#	  NUMERATOR's TPS over DENOMINATOR's in percent, per round, and the
#	  median of those; BUDGET is the least acceptable median, or "-" for a
#	  figure given for reference.
#	  Reported when both workloads ran.
#   SUITES[name]
#	  The workloads a suite runs; "all" runs every workload defined.
#
# They are defined once the temporary directory exists, so paths in them
# can name files in it.

CONFIGS=()
declare -A PRELOAD CONF SETUP PORT
WORKLOADS=()
declare -A ON ARGS
RATIOS=()
declare -A SUITES

config()
{
	CONFIGS+=("$1")
	PRELOAD[$1]=$2
	CONF[$1]=$3
	SETUP[$1]=$4
	PORT[$1]=$((BASE_PORT + ${#CONFIGS[@]} - 1))
}

workload()
{
	WORKLOADS+=("$1")
	ON[$1]=$2
	ARGS[$1]=$3
}

ratio()
{
	RATIOS+=("$1|$2|$3|$4")
}

define_benchmarks()
{
	config vanilla '' '' ''

	# A second vanilla: what this machine's noise alone makes of two
	# identical servers (an A/A test), to read the other ratios against.
	config control '' '' ''

	config pgaudit pgaudit \
		"pgaudit.log = 'all'" \
		'CREATE EXTENSION pgaudit;'

	# Every governance cluster verifies tokens with the test keys.
	local keys="governance.jwt_public_keys_file = '$WORK/keys/public_keys.pem'
governance.jwt_hmac_secret_file = '$WORK/keys/hmac.secret'"
	local audit="$keys
governance.audit_level = 'all'
governance.audit_hmac_key_file = '$WORK/keys/hmac.secret'"

	# Identity only: the audit trail off.
	config governance governance "$keys
governance.audit_level = 'none'" 'CREATE EXTENSION governance;'

	# The audit trail on: every statement to the JSON-lines file.
	config audit governance "$audit" 'CREATE EXTENSION governance;'

	# The same, hashing with AVX2 only (no AVX-512 clock penalty).
	config audit_avx2 governance "$audit
governance.audit_chain_simd = 'avx2'" 'CREATE EXTENSION governance;'

	# The same, each statement waiting until its event is durable.
	config audit_sync governance "$audit
governance.audit_sync = on" 'CREATE EXTENSION governance;'

	# A: select-only, the cost every query pays.
	workload A.vanilla vanilla "-S"
	workload A.control control "-S"
	workload A.pgaudit pgaudit "-S"
	workload A.governance governance "-S"
	workload A.audit audit "-S"
	workload A.audit_avx2 audit_avx2 "-S"

	# C: TPC-B, the write mix, without and with a durable event per
	# statement before it returns.
	workload C.vanilla vanilla ""
	workload C.audit audit ""
	workload C.audit_sync audit_sync ""

	# B: a token set in every transaction, against the same transaction
	# setting an unverified custom setting to the same string.
	workload B.setting governance "-f $WORK/b_setting.sql"
	workload B.token governance "-f $WORK/b_token.sql"

	ratio A.governance A.vanilla 98 \
		"A  governance, no token / vanilla (select-only)"
	ratio A.pgaudit A.vanilla - \
		"A  pgaudit log=all / vanilla (select-only)"
	ratio B.token B.setting 90 \
		"B  SET LOCAL governance.token / SET LOCAL bench.token"
	ratio A.control A.vanilla - \
		"A  control (a second vanilla) / vanilla: the noise floor"
	ratio A.audit A.vanilla 95 \
		"A  governance audit_level=all / vanilla (select-only)"
	ratio A.audit A.pgaudit 100 \
		"A  governance audit_level=all / pgaudit log=all (select-only)"
	ratio A.audit_avx2 A.vanilla - \
		"A  governance audit_level=all, chain_simd=avx2 / vanilla (select-only)"
	ratio A.audit_avx2 A.audit - \
		"A  governance chain_simd=avx2 / auto (select-only)"
	ratio C.audit C.vanilla - \
		"C  governance audit_level=all / vanilla (TPC-B)"
	ratio C.audit_sync C.vanilla - \
		"C  governance audit_sync=on / vanilla (TPC-B)"

	SUITES[identity]="A.vanilla A.pgaudit A.governance B.setting B.token"
	SUITES[audit]="A.vanilla A.control A.pgaudit A.audit C.vanilla C.audit C.audit_sync"
	SUITES[audit-select]="A.vanilla A.control A.pgaudit A.audit"
	SUITES[audit-simd]="A.vanilla A.audit A.audit_avx2"
	SUITES[all]="${WORKLOADS[*]}"
}

# pgbench scripts for the workloads above, with the token written in.
write_scripts()
{
	local naccounts=$((100000 * scale))

	cat >"$WORK/b_token.sql" <<EOF
\\set aid random(1, $naccounts)
BEGIN;
SET LOCAL governance.token = '$TOKEN';
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
END;
EOF
	# The baseline differs only in the setting's name.
	sed 's/governance\.token/bench.token/' "$WORK/b_token.sql" >"$WORK/b_setting.sql"
	chown postgres: "$WORK"/b_*.sql
}

# ---------------------------------------------------------------------------
# Preparation: packages, build, temporary directory, token
# ---------------------------------------------------------------------------

# Packages come from test/lib.sh, shared with check.sh and demo.sh.
ensure_packages()
{
	gov_ensure_packages $GOV_TEST_PACKAGES >/dev/null || die "installing packages failed"
	for pkg in initdb pg_ctl postgres pgbench psql; do
		[ -x "$PGBIN/$pkg" ] || die "$PGBIN/$pkg is missing"
	done
}

build_extension()
{
	local buildlog="$WORK/build.log"

	log "building and installing the extension (make && make install)"
	if ! (cd "$REPO_ROOT" &&
		  make PG_CONFIG="$PGBIN/pg_config" &&
		  make PG_CONFIG="$PGBIN/pg_config" install) >"$buildlog" 2>&1; then
		die "the extension does not build or install" "$buildlog"
	fi
}

# Fill the temporary directory (made at the start) and give it to postgres.
fill_workdir()
{
	chmod 0700 "$WORK"
	mkdir "$WORK/sock" "$WORK/keys" "$WORK/out"
	cp "$REPO_ROOT/test/keys/public_keys.pem" "$REPO_ROOT/test/keys/hmac.secret" \
		"$WORK/keys/"
	chmod 0600 "$WORK/keys/hmac.secret"
	chown -R postgres: "$WORK"
}

mint_token()
{
	local exp=$(($(date +%s) + 86400))

	TOKEN=$("$REPO_ROOT/test/tools/mint-token" --alg RS256 \
		--key "$REPO_ROOT/test/keys/rsa_private.pem" \
		--claims "{\"sub\":\"bench\",\"exp\":$exp}") \
		|| die "test/tools/mint-token failed"
	case "$TOKEN" in
		*.*.*) ;;
		*) die "test/tools/mint-token printed no token" ;;
	esac
}

# ---------------------------------------------------------------------------
# Clusters
# ---------------------------------------------------------------------------

psql_as()
{
	local user=$1 name=$2

	shift 2
	as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK/sock" \
		-p "${PORT[$name]}" -U "$user" -d bench "$@"
}

# initdb, configure, start, load pgbench tables, run the setup SQL.
make_cluster()
{
	local name=$1
	local dir="$WORK/$name" out="$WORK/out/$name.setup.log"

	log "cluster $name (port ${PORT[$name]}, preload '${PRELOAD[$name]}')"
	as_pg "$PGBIN/initdb" -D "$dir" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 >"$out" 2>&1 || die "initdb for $name failed" "$out"

	cat >>"$dir/postgresql.conf" <<EOF

# ---- benchmark settings, identical for every configuration ----
listen_addresses = ''
unix_socket_directories = '$WORK/sock'
port = ${PORT[$name]}
max_connections = 110
shared_buffers = 256MB
logging_collector = on
log_directory = 'log'
log_filename = 'postgresql.log'
log_destination = 'stderr'
shared_preload_libraries = '${PRELOAD[$name]}'
# ---- configuration $name ----
${CONF[$name]}
EOF

	as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$WORK/out/$name.server.log" -w -t 60 \
		start >>"$out" 2>&1 || {
		cat "$dir/log/postgresql.log" >>"$WORK/out/$name.server.log" 2>/dev/null || true
		die "the $name server did not start" "$WORK/out/$name.server.log"
	}
	STARTED+=("$dir")

	as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK/sock" \
		-p "${PORT[$name]}" -U postgres -d postgres \
		-c "CREATE ROLE bench LOGIN" \
		-c "CREATE DATABASE bench OWNER bench" >>"$out" 2>&1 \
		|| die "creating role and database on $name failed" "$out"
	as_pg "$PGBIN/pgbench" -h "$WORK/sock" -p "${PORT[$name]}" -U bench \
		-i -q -s "$scale" bench >>"$out" 2>&1 \
		|| die "pgbench -i on $name failed" "$out"
	if [ -n "${SETUP[$name]}" ]; then
		psql_as postgres "$name" -c "${SETUP[$name]}" >>"$out" 2>&1 \
			|| die "setup SQL on $name failed" "$out"
	fi
	psql_as postgres "$name" -c "VACUUM ANALYZE" -c "CHECKPOINT" >>"$out" 2>&1 \
		|| die "VACUUM/CHECKPOINT on $name failed" "$out"
}

# Each configuration must do what its name says, or its figure is
# meaningless.  Checks that need no traffic run before the benchmark; the
# pgaudit log is checked after it.
check_before()
{
	local name=$1 got
	local out="$WORK/out/$name.setup.log"

	case "$name" in
		governance)
			got=$(psql_as bench "$name" -At \
				-c "SET governance.token = '$TOKEN'" \
				-c "SELECT governance.whoami() ->> 'sub'" 2>>"$out") \
				|| die "governance refused the benchmark token" "$out"
			[ "$got" = bench ] \
				|| die "governance.whoami() gives sub '$got', expected 'bench'"
			if psql_as bench "$name" -c "SET governance.token = 'x.y.z'" \
				>/dev/null 2>&1; then
				die "governance accepted a malformed token: it is not verifying"
			fi
			;;
	esac
	got=$(psql_as postgres "$name" -At -c "SHOW shared_preload_libraries") \
		|| die "cannot query $name"
	[ "$got" = "${PRELOAD[$name]}" ] \
		|| die "$name preloads '$got', expected '${PRELOAD[$name]}'"
}

check_after()
{
	local name=$1 lines

	case "$name" in
		pgaudit)
			lines=$(grep -c 'AUDIT: SESSION' "$WORK/$name/log/postgresql.log" \
				|| true)
			[ "$lines" -gt 0 ] \
				|| die "pgaudit wrote no audit lines: its figure measured nothing" \
					"$WORK/$name/log/postgresql.log"
			AUDIT_LINES=$lines
			;;
		audit)
			# Every statement pgbench reports has its event, none dropped:
			# a fixed number of select-only transactions, then count.
			local mark events dropped n=5000 out="$WORK/out/audit.count.log"
			mark=$(psql_as postgres "$name" -At -c \
				"SELECT last_seq || '|' || now() FROM governance.audit_stats()") \
				|| die "cannot read the audit trail" "$out"
			as_pg "$PGBIN/pgbench" -h "$WORK/sock" -p "${PORT[$name]}" -U bench \
				-n -M prepared -S -c "$clients" -j "$jobs" -t "$n" bench >"$out" 2>&1 \
				|| die "pgbench -t on audit failed" "$out"
			events=$(psql_as postgres "$name" -At -c "
				SELECT count(*) FROM governance.audit_events('${mark#*|}', NULL, NULL)
				 WHERE seq > ${mark%%|*} AND type = 'statement' AND action = 'completed'
				   AND statement LIKE 'SELECT abalance FROM pgbench_accounts%'") \
				|| die "cannot count audit events" "$out"
			dropped=$(psql_as postgres "$name" -At -c \
				"SELECT dropped + lost FROM governance.audit_stats()")
			AUDIT_CHECK="pgbench ran $((n * clients)) statements; the trail holds $events of their events; dropped or lost: $dropped"
			[ "$events" = $((n * clients)) ] && [ "$dropped" = 0 ] \
				|| die "audit trail incomplete: $AUDIT_CHECK"
			;;
	esac
}

# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

declare -A TPS				# workload -> TPS of each round, space-separated

# Run one workload for SECONDS; print its TPS on stdout.
run_pgbench()
{
	local w=$1 seconds=$2 out=$3 cfg=${ON[$1]} rc=0 tps failed
	local -a extra

	read -r -a extra <<<"${ARGS[$w]}"
	# Write back what the previous run left dirty (pgaudit's log, above
	# all) now rather than during this run.
	sync
	as_pg "$PGBIN/pgbench" -h "$WORK/sock" -p "${PORT[$cfg]}" -U bench \
		-n -M prepared -c "$clients" -j "$jobs" -T "$seconds" \
		"${extra[@]}" bench >"$out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || die "pgbench for $w exited with status $rc" "$out"

	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
	[ "${failed:-0}" = 0 ] || die "pgbench for $w had $failed failed transactions" "$out"
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
	[ -n "$tps" ] || die "no TPS in the pgbench output for $w" "$out"
	echo "$tps"
}

# Percentage of CPU time the whole machine spent busy over a few seconds.
# Called while every cluster is idle, it measures other work on the
# machine, which the figures cannot be trusted under.
cpu_busy()
{
	local before after

	before=$(head -n 1 /proc/stat)
	sleep 3
	after=$(head -n 1 /proc/stat)
	# cpu user nice system idle iowait irq softirq steal (guest is in user)
	awk -v a="$before" -v b="$after" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		for (i = 2; i <= 9; i++) {
			d = y[i] - x[i]; total += d
			if (i == 5 || i == 6) idle += d
		}
		printf "%.0f", (total > 0 ? 100 * (total - idle) / total : 0)
	}'
}

# Median, minimum and maximum of the numbers given.
stats()
{
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR % 2) med = v[(NR + 1) / 2]
			else med = (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f\n", med, v[1], v[NR]
		}'
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK=$(mktemp -d "${BENCH_WORK:-/tmp/governance-bench}.XXXXXX")
define_benchmarks
[ -n "${SUITES[$suite]:-}" ] || {
	echo "run.sh: unknown suite \"$suite\" (known: ${!SUITES[*]})" >&2
	exit 2
}
read -r -a SELECTED <<<"${SUITES[$suite]}"

ensure_packages
id postgres >/dev/null 2>&1 || die "there is no postgres user"
fill_workdir
build_extension
mint_token

# The configurations the selected workloads need, in definition order.
NEEDED=()
for c in "${CONFIGS[@]}"; do
	for w in "${SELECTED[@]}"; do
		if [ "${ON[$w]}" = "$c" ]; then
			NEEDED+=("$c")
			break
		fi
	done
done

write_scripts
for c in "${NEEDED[@]}"; do
	make_cluster "$c"
	check_before "$c"
done

PGVERSION=$("$PGBIN/postgres" --version)
busy_before=$(cpu_busy)
started_at=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
n=${#SELECTED[@]}
log "suite $suite: ${SELECTED[*]}"
log "$clients clients, $jobs threads, -M prepared, $duration s x $rounds rounds," \
	"scale $scale; about $(((n * (rounds * duration + WARMUP) + 59) / 60)) min"

for w in "${SELECTED[@]}"; do
	run_pgbench "$w" "$WARMUP" "$WORK/out/$w.warmup.log" >/dev/null
done

for ((r = 1; r <= rounds; r++)); do
	for ((i = 0; i < n; i++)); do
		w=${SELECTED[$(((i + r - 1) % n))]}
		tps=$(run_pgbench "$w" "$duration" "$WORK/out/$w.round$r.log")
		TPS[$w]="${TPS[$w]:-} $tps"
		log "round $r/$rounds  $(printf '%-14s %10.1f tps' "$w" "$tps")"
	done
done

busy_after=$(cpu_busy)
AUDIT_LINES=""
AUDIT_CHECK=""
for c in "${NEEDED[@]}"; do
	check_after "$c"
done

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

declare -A MEDIAN
workload_rows=()
for w in "${SELECTED[@]}"; do
	read -r med min max <<<"$(stats ${TPS[$w]})"
	MEDIAN[$w]=$med
	rounds_list=$(printf '%s\n' ${TPS[$w]} | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }')
	workload_rows+=("$w|${ON[$w]}|$med|$min|$max|$rounds_list")
done

# A ratio is taken within each round, where its two runs were close in
# time, and its median over the rounds is reported: load that drifts over
# the whole benchmark (other work on the machine) then cancels out, which
# it does not in a ratio of the two medians.
ratio_rows=()
for entry in "${RATIOS[@]}"; do
	IFS='|' read -r num den budget label <<<"$entry"
	[ -n "${MEDIAN[$num]:-}" ] && [ -n "${MEDIAN[$den]:-}" ] || continue
	per_round=$(awk -v a="${TPS[$num]}" -v b="${TPS[$den]}" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++)
			printf "%s%.1f", (i > 1 ? " " : ""), (y[i] > 0 ? 100 * x[i] / y[i] : 0)
	}')
	read -r pct rmin rmax <<<"$(stats $per_round)"
	if [ "$budget" = - ]; then
		verdict="(reference)"
		budget_text="-"
	else
		budget_text=">= $budget%"
		if awk -v p="$pct" -v b="$budget" 'BEGIN { exit !(p >= b) }'; then
			verdict=PASS
		else
			verdict=FAIL
		fi
	fi
	ratio_rows+=("$label|$pct%|${per_round// /% }%|$budget_text|$verdict")
done

commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes)"
fi
machine="$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(uname -sr)"
busy_text="CPU ${busy_before}% busy before the rounds, ${busy_after}% after, with every cluster idle"
busy_warning=""
if [ "$busy_before" -gt 10 ] || [ "$busy_after" -gt 10 ]; then
	busy_warning="other work kept the CPUs busy; these figures are unreliable"
fi
setup_text="$clients clients, $jobs threads, -M prepared, -n, $duration s x $rounds rounds (interleaved, order rotating), scale $scale, shared_buffers 256MB, fsync on, Unix socket"

{
	echo
	echo "governance benchmark, suite $suite"
	echo "  date:      $started_at"
	echo "  machine:   $machine"
	echo "  server:    $PGVERSION"
	echo "  commit:    $commit"
	echo "  setup:     $setup_text"
	echo "  idle load: $busy_text"
	[ -z "$busy_warning" ] || echo "  WARNING:   $busy_warning"
	[ -z "$AUDIT_LINES" ] || echo "  pgaudit:   $AUDIT_LINES audit lines written"
	[ -z "$AUDIT_CHECK" ] || echo "  audit:     $AUDIT_CHECK"
	echo
	printf '  %-14s %-12s %11s %11s %11s   %s\n' \
		workload config "median tps" min max "per round"
	for row in "${workload_rows[@]}"; do
		IFS='|' read -r w c med min max list <<<"$row"
		printf '  %-14s %-12s %11s %11s %11s   %s\n' \
			"$w" "$c" "$med" "$min" "$max" "$list"
	done
	echo
	printf '  %-54s %7s %8s  %-11s  %s\n' ratio median budget verdict \
		"per round"
	for row in "${ratio_rows[@]}"; do
		IFS='|' read -r label pct list budget_text verdict <<<"$row"
		printf '  %-54s %7s %8s  %-11s  %s\n' \
			"$label" "$pct" "$budget_text" "$verdict" "$list"
	done
	echo
	echo "  reproduce (from the repository root, as root):"
	echo "    $REPRODUCE"
	echo
}

mkdir -p "$RESULTS_DIR"
{
	echo "## $started_at: suite $suite"
	echo
	echo "- Machine: $machine"
	echo "- Server: $PGVERSION"
	echo "- Commit: $commit"
	echo "- Setup: $setup_text"
	echo "- Idle load: $busy_text"
	[ -z "$busy_warning" ] || echo "- **Warning:** $busy_warning"
	[ -z "$AUDIT_LINES" ] || echo "- pgaudit: $AUDIT_LINES audit lines written"
	[ -z "$AUDIT_CHECK" ] || echo "- audit: $AUDIT_CHECK"
	echo "- Reproduce (repository root, as root): \`$REPRODUCE\`"
	echo
	echo "| workload | config | median tps | min | max | per round |"
	echo "|---|---|---:|---:|---:|---|"
	for row in "${workload_rows[@]}"; do
		IFS='|' read -r w c med min max list <<<"$row"
		echo "| $w | $c | $med | $min | $max | $list |"
	done
	echo
	echo "| ratio | median of rounds | budget | verdict | per round |"
	echo "|---|---:|---|---|---|"
	for row in "${ratio_rows[@]}"; do
		IFS='|' read -r label pct list budget_text verdict <<<"$row"
		echo "| $label | $pct | $budget_text | $verdict | $list |"
	done
	echo
} >>"$RESULTS_DIR/latest.md"

log "appended to test/bench/results/latest.md"
exit 0
