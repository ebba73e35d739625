#!/bin/bash
#
# sqlsmith.sh
#	  Random SQL against a server running governance: no crash allowed.
#
# Usage: test/fuzz/sqlsmith.sh [SECONDS]     (default 60)
#
# Starts a throwaway cluster with governance preloaded, every statement
# audited and the environment set to production, creates the extension
# with a row budget and an object rule for a non-superuser role, gives
# that role a few related tables and a view, and lets sqlsmith throw
# random queries at it as that role: the classifier, the decisions, the
# row budgets, the masking rewrite (the role reads labelled columns
# masked) and the audit hooks all see shapes no one wrote by hand.
# Errors are expected; a backend killed by a signal, a server that stops
# answering, or an audit trail that no longer verifies is a failure.
#
# Run as the postgres user (test/check.sh does).  Prints "1 passed,
# 0 failed" or "0 passed, 1 failed".
#
# test/fuzz/sqlsmith.sh
#
set -u

seconds=${1:-60}
case $seconds in
	''|*[!0-9]*)
		echo "usage: $0 [SECONDS]" >&2
		exit 2 ;;
esac
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/governance-smith.XXXXXX") || exit 2
port=$((5900 + $$ % 90))

fail()
{
	echo "sqlsmith: $*"
	echo "0 passed, 1 failed"
	exit 1
}

cleanup()
{
	"$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

command -v sqlsmith >/dev/null || fail "sqlsmith is not installed"
"$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null 2>&1 || fail "initdb failed"
cat >>"$work/data/postgresql.conf" <<EOF
listen_addresses = ''
port = $port
unix_socket_directories = '$work'
shared_preload_libraries = 'governance'
governance.audit_level = 'all'
governance.environment = 'production'
statement_timeout = '2s'
EOF
"$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >/dev/null || fail "the server did not start"

"$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres -d postgres >/dev/null <<'SQL' || fail "setup failed"
CREATE ROLE smith LOGIN;
CREATE DATABASE smith OWNER smith;
\c smith
CREATE EXTENSION governance;
SELECT governance.add_rule('smith-budget', '{write}', 'limit_rows',
	principals => '{db:smith}', max_rows => 100, priority => 5);
SELECT governance.add_rule('smith-no-secrets', '{read}', 'deny',
	principals => '{db:smith}', objects => '{public.secrets}', priority => 6);
SET ROLE smith;
CREATE TABLE accounts (id int PRIMARY KEY, owner text, opened timestamptz, balance numeric);
CREATE TABLE entries (account int REFERENCES accounts ON DELETE CASCADE, amount numeric, at date);
CREATE TABLE secrets (id int, secret text);
CREATE VIEW open_accounts AS SELECT * FROM accounts WHERE balance > 0;
RESET ROLE;
INSERT INTO accounts SELECT g, 'owner ' || g, now(), g FROM generate_series(1, 200) g;
INSERT INTO entries SELECT g % 200 + 1, g, current_date FROM generate_series(1, 400) g;
INSERT INTO secrets VALUES (1, 'x');
-- The owner reads these masked: every random query goes through the rewrite.
SELECT governance.label_column('accounts', 'owner', 'pii');
SELECT governance.label_column('accounts', 'opened', 'pii');
SELECT governance.label_column('entries', 'amount', 'secret');
SQL

timeout "$seconds" sqlsmith --target="host=$work port=$port dbname=smith user=smith" \
	--exclude-catalog --seed=$$ >"$work/sqlsmith.out" 2>&1

if grep -E 'terminated by signal|was terminated|PANIC' "$work/server.log" >/dev/null; then
	grep -E -B5 'terminated by signal|was terminated|PANIC' "$work/server.log" | tail -40
	fail "a backend crashed"
fi
# The run's statement_timeout is for sqlsmith's statements, not for these
# counts over the whole trail.
export PGOPTIONS="-c statement_timeout=0"
ok=$("$bin/psql" -X -At -h "$work" -p "$port" -U postgres -d smith \
	-c "SELECT ok FROM governance.verify_audit()" 2>/dev/null) || fail "the server stopped answering"
[ "$ok" = t ] || fail "the audit trail does not verify after the run"
stats=$("$bin/psql" -X -At -h "$work" -p "$port" -U postgres -d smith \
	-c "SELECT written || ' events, ' || dropped || ' dropped, ' || lost || ' lost' FROM governance.audit_stats()")
masked=$("$bin/psql" -X -At -h "$work" -p "$port" -U postgres -d smith \
	-c "SELECT count(*) FROM governance.audit_log WHERE event ? 'masked'")
[ -n "$masked" ] && [ -n "$stats" ] || fail "the trail could not be counted after the run"
decisions=$(grep -cE 'denied by governance rule|the limit of governance rule|requires approval' "$work/server.log" || true)
echo "sqlsmith: ${seconds}s, $decisions policy refusals, $masked statements delivered masked columns, audit trail verifies ($stats)"
echo "1 passed, 0 failed"
