#!/bin/bash
#
# instructions.sh
#	  Count the CPU instructions governance adds per statement, with
#	  callgrind, where TPS is too noisy to tell.
#
# Runs PostgreSQL in single-user mode under valgrind --tool=callgrind on
# four fresh clusters, vanilla, governance (audit_level = none, keys
# configured) and audit (audit_level = all, HMAC chain), with the same
# fixed statements, and also the token-per-transaction script against the
# custom-setting one on the governance cluster.  The fourth, mask, has the
# extension created and one column of a table labelled: an ordinary role
# reads it masked, point query by point query, against the same queries on
# vanilla, where nothing is masked.  Startup is measured by a
# one-statement run and subtracted.  Instruction counts are exact and
# repeatable for a given build, whatever else the machine is doing; they
# leave out the client protocol, so the ratios are per statement of server
# work.  Single-user mode has no audit worker: the audit figure is what a
# backend pays to build and append its events (the ring is made large
# enough to hold them all); the worker's share is measured by run.sh.
#
# Usage: test/bench/instructions.sh [STATEMENTS] (default 20000)
#
# PGBIN names the PostgreSQL binaries to use (default
# /usr/lib/postgresql/15/bin); the extension is built and installed with
# the pg_config found there.
#
# test/bench/instructions.sh
#
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

PG_BIN=${PGBIN:-$PG_BIN}
n=${1:-20000}
ntx=$((n / 4))
gov_ensure_packages valgrind >/dev/null
make -C "$GOV_REPO" -s PG_CONFIG="$PG_BIN/pg_config" >/dev/null &&
	gov_as_root make -C "$GOV_REPO" -s install PG_CONFIG="$PG_BIN/pg_config" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/governance-instr.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"

for c in vanilla governance audit mask; do
	gov_as_pg "$PG_BIN/initdb" -D "$work/$c" -A trust >/dev/null 2>&1
done
for c in governance audit mask; do
	cp "$GOV_REPO/test/keys/public_keys.pem" "$GOV_REPO/test/keys/hmac.secret" "$work/$c/"
	chmod 600 "$work/$c/hmac.secret"
	cat >>"$work/$c/postgresql.conf" <<EOF
shared_preload_libraries = 'governance'
governance.jwt_public_keys_file = 'public_keys.pem'
EOF
done
echo "governance.audit_level = 'none'" >>"$work/governance/postgresql.conf"
echo "governance.audit_level = 'none'" >>"$work/mask/postgresql.conf"
cat >>"$work/audit/postgresql.conf" <<EOF
governance.audit_level = 'all'
governance.audit_hmac_key_file = 'hmac.secret'
governance.audit_ring_size = '256MB'
EOF
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

token=$("$GOV_REPO/test/tools/token" sub=bench iss=- aud=- exp=+86400)
perl -e '
	my ($dir, $n, $ntx, $token) = @ARGV;
	srand(1);
	open my $s, ">", "$dir/setup.sql";
	print $s "CREATE TABLE a (aid int PRIMARY KEY, abalance int);\n",
		"INSERT INTO a SELECT g, 0 FROM generate_series(1, 1000) g;\n";
	open my $u, ">", "$dir/setup-users.sql";
	print $u "CREATE TABLE u (id int PRIMARY KEY, email text, note text);\n",
		"INSERT INTO u SELECT g, \x27user\x27 || g || \x27\@example.com\x27, \x27n\x27 || g FROM generate_series(1, 1000) g;\n",
		"CREATE ROLE masked;\n", "GRANT SELECT ON u TO masked;\n";
	open my $l, ">", "$dir/setup-labels.sql";
	print $l "CREATE EXTENSION governance;\n",
		"SELECT governance.label_column(\x27u\x27, \x27email\x27, \x27email\x27);\n";
	for my $k (1, $n) {
		open my $m, ">", ($k == 1 ? "$dir/mask-one.sql" : "$dir/mask.sql");
		print $m "SET ROLE masked;\n";
		printf $m "SELECT id, email, note FROM u WHERE id = %d;\n", 1 + int(rand(1000)) for 1 .. $k;
	}
	open my $q, ">", "$dir/select.sql";
	printf $q "SELECT abalance FROM a WHERE aid = %d;\n", 1 + int(rand(1000)) for 1 .. $n;
	open my $one, ">", "$dir/one.sql";
	print $one "SELECT 1;\n";
	for my $name ("governance.token", "bench.token") {
		open my $t, ">", "$dir/tx-$name.sql";
		printf $t "BEGIN;\nSET LOCAL %s = \x27%s\x27;\nSELECT abalance FROM a WHERE aid = %d;\nCOMMIT;\n",
			$name, $token, 1 + int(rand(1000)) for 1 .. $ntx;
	}
' "$work" "$n" "$ntx" "$token"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

# Instructions of one single-user run of SCRIPT on CLUSTER.
count()
{
	gov_as_pg valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
		"$PG_BIN/postgres" --single -D "$work/$1" postgres <"$work/$2" \
		>"$work/run.log" 2>"$work/cg.err"
	if grep -q ERROR "$work/run.log"; then
		echo "instructions.sh: $2 on $1 reported an error" >&2
		grep ERROR "$work/run.log" | head -3 >&2
		exit 1
	fi
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err"
}

for c in vanilla governance audit; do
	gov_as_pg "$PG_BIN/postgres" --single -D "$work/$c" postgres <"$work/setup.sql" >/dev/null 2>&1
done
for c in vanilla mask; do
	gov_as_pg "$PG_BIN/postgres" --single -D "$work/$c" postgres <"$work/setup-users.sql" >/dev/null 2>&1
done
gov_as_pg "$PG_BIN/postgres" --single -D "$work/mask" postgres <"$work/setup-labels.sql" >"$work/labels.log" 2>&1
if grep -q ERROR "$work/labels.log"; then
	echo "instructions.sh: labelling failed" >&2
	grep ERROR "$work/labels.log" | head -3 >&2
	exit 1
fi

v0=$(count vanilla one.sql)
g0=$(count governance one.sql)
v=$(count vanilla select.sql)
g=$(count governance select.sql)
a0=$(count audit one.sql)
a=$(count audit select.sql)
ts=$(count governance tx-bench.token.sql)
tg=$(count governance tx-governance.token.sql)
mv0=$(count vanilla mask-one.sql)
mv=$(count vanilla mask.sql)
mm0=$(count mask mask-one.sql)
mm=$(count mask mask.sql)

perl -e '
	my ($n, $ntx, $v0, $g0, $v, $g, $ts, $tg, $a0, $a, $mv0, $mv, $mm0, $mm) = @ARGV;
	my $pv = ($v - $v0) / $n;
	my $pg = ($g - $g0) / $n;
	my $pa = ($a - $a0) / $n;
	my $ps = ($ts - $g0) / $ntx;
	my $pt = ($tg - $g0) / $ntx;
	printf "instructions per statement (callgrind, single-user mode, %d statements):\n", $n;
	printf "  select, vanilla             %10.0f\n", $pv;
	printf "  select, governance          %10.0f   (+%.0f)\n", $pg, $pg - $pv;
	printf "  A  vanilla / governance     %9.1f%%   (budget >= 98%%)\n", 100 * $pv / $pg;
	printf "  select, audit_level = all   %10.0f   (+%.0f, backend only)\n", $pa, $pa - $pv;
	printf "  A  vanilla / audit          %9.1f%%\n", 100 * $pv / $pa;
	printf "instructions per transaction (%d transactions):\n", $ntx;
	printf "  SET LOCAL bench.token       %10.0f\n", $ps;
	printf "  SET LOCAL governance.token  %10.0f   (+%.0f)\n", $pt, $pt - $ps;
	printf "  B  setting / token          %9.1f%%   (budget >= 90%%)\n", 100 * $ps / $pt;
	my $pmv = ($mv - $mv0) / ($n - 1);
	my $pmm = ($mm - $mm0) / ($n - 1);
	printf "instructions per masked point query (%d statements, a role reading a labelled column):\n", $n - 1;
	printf "  select, vanilla             %10.0f\n", $pmv;
	printf "  select, masked              %10.0f   (+%.0f)\n", $pmm, $pmm - $pmv;
	printf "  C  vanilla / masked         %9.1f%%\n", 100 * $pmv / $pmm;
' "$n" "$ntx" "$v0" "$g0" "$v" "$g" "$ts" "$tg" "$a0" "$a" "$mv0" "$mv" "$mm0" "$mm"
echo "reproduce: test/bench/instructions.sh $n"
