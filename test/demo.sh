#!/bin/bash
#
# demo.sh
#	  Show governance working end to end on a throwaway cluster: install
#	  what is missing, build, install, start a cluster with the extension
#	  preloaded and a signing key configured, create a small shop
#	  database, act in it as an agent with a verified token, let
#	  discovery label the columns nobody labelled and see a secret pasted
#	  into free text redacted on its way to the agent, read back and
#	  verify the audit trail of what it did, ship it to a collector and
#	  rotate its chain key.
#
# Usage: test/demo.sh [start]   build, start the cluster and run the scenes
#        test/demo.sh stop      stop the cluster and delete it
#
# The cluster lives in $GOVERNANCE_DEMO_DIR (default /tmp/governance-demo)
# and listens on port $GOVERNANCE_DEMO_PORT (default 5433), on localhost
# and a Unix socket in that directory.
#
# test/demo.sh
#
set -eu
. "$(dirname "$0")/lib.sh"

DEMO=${GOVERNANCE_DEMO_DIR:-/tmp/governance-demo}
PORT=${GOVERNANCE_DEMO_PORT:-5433}
MINT="$GOV_REPO/test/tools/mint-token"

stop_demo()
{
	if [ -f "$DEMO/collector.pid" ]; then
		kill "$(cat "$DEMO/collector.pid")" 2>/dev/null || true
	fi
	if [ -f "$DEMO/data/postmaster.pid" ]; then
		gov_as_pg "$PG_BIN/pg_ctl" -D "$DEMO/data" -m fast stop >/dev/null || true
	fi
	rm -rf "$DEMO"
	echo "demo cluster stopped and removed ($DEMO)"
}

case "${1:-start}" in
	stop|clean) stop_demo; exit 0 ;;
	start) ;;
	*) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

# Show a psql session: the SQL as typed, then what the server said.
scene()
{
	printf '\n--- %s\n' "$1"
}

psql_as()
{
	local user=$1 db=$2
	shift 2
	gov_as_pg env PGOPTIONS="${PGOPTIONS:-}" "$PG_BIN/psql" -X -q -h "$DEMO" -p "$PORT" \
		-U "$user" -d "$db" -v ON_ERROR_STOP=0 --echo-all "$@" 2>&1
}

gov_ensure_packages
gov_build_install

if [ -d "$DEMO" ]; then
	gov_say "an earlier demo cluster exists; removing it"
	stop_demo
fi

gov_say "creating a cluster in $DEMO with governance preloaded"
mkdir -p "$DEMO/keys"
[ "$(id -u)" = 0 ] && chown -R postgres "$DEMO"
gov_as_pg "$PG_BIN/initdb" -D "$DEMO/data" -A trust -U postgres >/dev/null

# The identity provider's signing key: the server only gets its public half.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$DEMO/keys/idp_private.pem" 2>/dev/null
openssl pkey -in "$DEMO/keys/idp_private.pem" -pubout -out "$DEMO/keys/idp_public.pem"
# The key of the audit trail's hash chain.
openssl rand -hex 32 > "$DEMO/keys/audit_chain.key"
chmod 600 "$DEMO/keys/audit_chain.key"
[ "$(id -u)" = 0 ] && chown -R postgres "$DEMO"

cat >> "$DEMO/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = 'localhost'
unix_socket_directories = '$DEMO'
shared_preload_libraries = 'governance'
governance.jwt_public_keys_file = '$DEMO/keys/idp_public.pem'
governance.jwt_issuer = 'https://idp.shop.example'
governance.jwt_audience = 'shop-db'
governance.audit_hmac_key_file = '$DEMO/keys/audit_chain.key'
CONF
gov_as_pg "$PG_BIN/pg_ctl" -D "$DEMO/data" -l "$DEMO/server.log" -w start >/dev/null
echo "server log: $DEMO/server.log"

gov_say "a small shop: customers and orders, and a login role for agents"
psql_as postgres postgres <<'SQL'
CREATE DATABASE shop;
\c shop
CREATE EXTENSION governance;
CREATE ROLE agent LOGIN;
CREATE TABLE customers (id int PRIMARY KEY, name text, email text UNIQUE, account_manager text);
INSERT INTO customers VALUES
	(1, 'Ada Lovelace', 'ada@example.com', 'alice@shop.example'),
	(2, 'Alan Turing', 'alan@example.com', 'bob@shop.example'),
	(3, 'Grace Hopper', 'grace@example.com', 'alice@shop.example');
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, total numeric);
INSERT INTO orders VALUES (10, 1, 120.00), (11, 2, 75.50), (12, 3, 310.25);
-- The support desk's tickets: free text, where people paste things.
CREATE TABLE tickets (id int PRIMARY KEY, customer_id int REFERENCES customers,
	subject text, contact_phone text, support_notes text);
INSERT INTO tickets VALUES
	(100, 1, 'Invoice copy', '+44 20 7946 0958', 'Sent a PDF of invoice 10 by e-mail.'),
	(101, 2, 'API access failing', '+44 20 7946 0321',
	 'Their script uses key AKIAQ3ZP7WXKD2LM4T6B, pasted here while debugging.'),
	(102, 3, 'Card declined', '+1 202 555 0173',
	 'Card 4111 1111 1111 1111 declined twice; asked to retry tomorrow.'),
	(103, 1, 'Address change', '+44 20 7946 0777', 'Moved office in March.'),
	(104, 2, 'Late delivery', '+44 20 7946 0112', 'Courier lost the parcel; resent.');
GRANT SELECT, INSERT, UPDATE ON customers, orders TO agent;
GRANT SELECT ON tickets TO agent;
GRANT CREATE ON SCHEMA public TO agent;
-- Account managers see their own customers: the verified sub drives RLS.
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_customers ON customers
	USING (account_manager = governance.claim('sub'));
SQL

mint()
{
	"$MINT" --alg RS256 --key "$DEMO/keys/idp_private.pem" --claims "$1"
}
now=$(date +%s)
TOKEN=$(mint "{\"iss\":\"https://idp.shop.example\",\"aud\":\"shop-db\",\"sub\":\"alice@shop.example\",\"act\":{\"sub\":\"support-agent-7\"},\"roles\":[\"account_manager\"],\"jti\":\"demo-1\",\"iat\":$now,\"exp\":$((now + 3600))}")
EXPIRED=$(mint "{\"iss\":\"https://idp.shop.example\",\"aud\":\"shop-db\",\"sub\":\"alice@shop.example\",\"exp\":$((now - 60))}")
FORGED=$("$MINT" --alg HS256 --hmac-key-file "$DEMO/keys/idp_public.pem" --claims "{\"iss\":\"https://idp.shop.example\",\"aud\":\"shop-db\",\"sub\":\"root\",\"exp\":$((now + 3600))}")
APPROVER=$(mint "{\"iss\":\"https://idp.shop.example\",\"aud\":\"shop-db\",\"sub\":\"bob@shop.example\",\"roles\":[\"approver\"],\"iat\":$now,\"exp\":$((now + 3600))}")
printf '%s\n' "$TOKEN" > "$DEMO/agent.token"
[ "$(id -u)" = 0 ] && chown postgres "$DEMO/agent.token"

gov_say "scene 1: identity — an agent connects with a token and is who the token says"
scene "the agent's connection carries a token (PGOPTIONS), verified before the session starts"
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
SELECT jsonb_pretty(governance.whoami() - 'token_fingerprint') AS whoami;
SELECT governance.claim('sub') AS sub, governance.claim('act') AS act;
-- Row-level security keyed on the verified subject:
SELECT id, name FROM customers ORDER BY id;
-- The token cannot be read back:
SHOW governance.token;
SQL

scene "a token that fails verification is refused and the previous identity stays"
psql_as agent shop -v token="$TOKEN" -v expired="$EXPIRED" -v forged="$FORGED" <<'SQL'
SET governance.token = :'token';
-- the same subject, but expired:
SET governance.token = :'expired';
-- signed with the public key as an HMAC secret (the key-confusion forgery):
SET governance.token = :'forged';
SELECT governance.whoami()->>'sub' AS still_acting_as;
RESET governance.token;
SELECT governance.whoami()->>'kind' AS after_reset;
SQL

scene "a DBA sees who every session acts as (never the token)"
gov_as_pg env PGOPTIONS="-c governance.token=$TOKEN" \
	"$PG_BIN/psql" -X -q -h "$DEMO" -p "$PORT" -U agent -d shop -c "SELECT pg_sleep(3)" >/dev/null 2>&1 &
sleep 1
psql_as postgres shop <<'SQL'
SELECT pid, db_role, kind, sub, actor, token_id, to_char(expires_at, 'HH24:MI') AS expires
  FROM governance.sessions ORDER BY kind DESC, pid;
SQL
wait

gov_say "scene 2: guardrails — the policy decides every statement before it runs"
scene "a WHERE-less UPDATE is refused, wherever it hides; the agent can ask first"
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
SELECT governance.check('UPDATE orders SET total = 0')->>'reason' AS would_be;
UPDATE orders SET total = 0;
UPDATE orders SET total = 0 WHERE true;
WITH wiped AS (UPDATE orders SET total = 0 RETURNING id) SELECT count(*) FROM wiped;
DO $$ BEGIN UPDATE orders SET total = 0; END $$;
-- a condition that restricts nothing of orders is no filter, nor a
-- statement run inside EXPLAIN ANALYZE:
SELECT governance.check('DELETE FROM orders USING customers c1, customers c2 WHERE c1.id = c2.id')->>'decision' AS join_of_others;
SELECT governance.check('EXPLAIN ANALYZE DELETE FROM orders')->>'decision' AS explain_analyze;
UPDATE orders SET total = 99.90 WHERE id = 11;
SQL

scene "a row budget stops a statement that changes too much, and rolls it back"
psql_as postgres shop <<'SQL'
SELECT governance.add_rule('agents-change-little', '{write}', 'limit_rows',
	principals => '{agent}', max_rows => 2, priority => 10,
	description => 'Agents change at most two rows per statement.');
SQL
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
UPDATE orders SET total = total * 1.1 WHERE total > 0;
SELECT id, total FROM orders ORDER BY id;
SQL

scene "in production, DROP needs a second person's approval"
psql_as postgres shop <<'SQL'
ALTER SYSTEM SET governance.environment = 'production';
SELECT pg_reload_conf();
SQL
sleep 1
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
CREATE TABLE exports (id int);
SQL
out=$(PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
DROP TABLE exports;
SQL
)
printf '%s\n' "$out"
request=$(printf '%s\n' "$out" | sed -n 's/.*requires approval (request \([0-9]*\)).*/\1/p' | head -1)
scene "the agent cannot approve; a person with the approver role can"
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop -v req="$request" <<'SQL'
SELECT governance.approve(:req, 'I approve myself');
SQL
psql_as postgres shop -v req="$request" -v approver="$APPROVER" <<'SQL'
SET governance.token = :'approver';
SELECT request_id = :req AS this_request, requester, actor, statement, status FROM governance.approval_requests;
SELECT governance.approve(:req, 'exports are regenerated nightly');
SQL
scene "the approved statement runs once; the approval is used up"
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
drop table EXPORTS;  -- the same statement, spelt differently
CREATE TABLE exports (id int);
DROP TABLE exports;
SQL
psql_as postgres shop <<'SQL'
ALTER SYSTEM RESET governance.environment;
SELECT pg_reload_conf();
SQL

gov_say "scene 3: masking — labelled columns read masked, wherever they are read"
scene "a DBA labels the sensitive columns; account managers may see e-mail addresses"
psql_as postgres shop <<'SQL'
SELECT governance.label_column('customers', 'name', 'pii');
SELECT governance.label_column('customers', 'email', 'email');
SELECT governance.grant_unmasked('email', 'role:account_manager');
SELECT relation, column_name, label, mask FROM governance.column_labels;
SQL
scene "the agent, on its own token: names masked, e-mail clear (its role is unmasked)"
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
SELECT id, name, email FROM customers ORDER BY id;
SQL
scene "the same agent without the token: masked in every expression, predicate and path"
psql_as postgres shop <<'SQL'
-- (row-level security off for this scene: without a token, no sub)
ALTER TABLE customers DISABLE ROW LEVEL SECURITY;
ANALYZE customers;
SQL
psql_as agent shop <<'SQL'
SELECT id, name, email, lower(email) || '!' AS expression FROM customers ORDER BY id;
SELECT count(*) AS confirms_guess FROM customers WHERE email = 'ada@example.com';
SELECT row_to_json(c) FROM customers c WHERE id = 1;
COPY customers TO STDOUT;
UPDATE customers SET account_manager = email WHERE id = 1;
SELECT attname FROM pg_stats WHERE tablename = 'customers' ORDER BY 1;
-- no index on a masked column orders or selects rows for a masked reader:
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT email FROM customers WHERE email > 'm';
SQL
psql_as postgres shop <<'SQL'
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
SQL

gov_say "scene 4: discovery and the output scan — what nobody labelled"
scene "discovery reads names, types and a sample of values, and proposes labels with its evidence"
psql_as postgres shop <<'SQL'
SELECT relation, column_name, label, round(confidence::numeric, 2) AS confidence, evidence
  FROM governance.discover('public')
 WHERE (relation, column_name) NOT IN (SELECT relation, column_name FROM governance.column_labels)
 ORDER BY relation::text, column_name;
-- label what it is sure of (0.8 or more); pastes in free text stay below
SELECT governance.apply_discovery() AS labelled;
SELECT relation, column_name, label FROM governance.column_labels ORDER BY 1, 2;
SQL
scene "the agent reads the tickets: phones masked, pasted secrets redacted, the rest clear"
PGOPTIONS="-c governance.token=$TOKEN" psql_as agent shop <<'SQL'
SELECT id, subject, contact_phone, support_notes FROM tickets ORDER BY id;
SQL
scene "the statement's audit event counts what was redacted, and by which detector"
psql_as postgres shop <<'SQL'
-- (the audit worker writes events a moment after the statement)
SELECT pg_sleep(0.5) \gset
SELECT seq, left(statement, 30) AS statement, event->>'rows' AS rows,
	   event->>'redacted' AS redacted, event->'redacted_by' AS redacted_by
  FROM governance.audit_log
 WHERE statement LIKE 'SELECT id, subject%' AND sub = 'alice@shop.example';
SQL

gov_say "scene 5: audit — every statement, decision and identity change, hash-chained"
scene "what the agent did, read back by the DBA from the trail"
psql_as postgres shop <<'SQL'
SELECT seq, action, left(statement, 30) AS statement,
	   event->>'decision' AS decision, left(event->>'rule', 20) AS rule, sqlstate
  FROM governance.audit_events(now() - interval '10 minutes', NULL, 'alice@shop.example')
 ORDER BY seq;
SQL
scene "the trail verifies; the JSON-lines file is what a log shipper tails"
psql_as postgres shop <<'SQL'
SELECT * FROM governance.verify_audit();
SELECT enqueued, written, dropped, lost, ring_high_water, worker_restarts FROM governance.audit_stats();
SQL
echo "audit files: $(ls "$DEMO/data/pg_governance")"
echo "one line of it:"
grep -m1 '"type":"statement","action":"failed"' "$DEMO"/data/pg_governance/audit-*.jsonl | cut -c1-400
echo "…"

gov_say "scene 6: the trail leaves the server — shipped to a collector, the chain key rotated"
# A collector on this host (test/tools/http-receiver, acknowledging each
# batch); in production, Splunk HEC, Vector, Fluent Bit or a syslog server.
mkdir -p "$DEMO/collector"
echo ack > "$DEMO/collector/mode"
[ "$(id -u)" = 0 ] && chown -R postgres "$DEMO/collector"
CPORT=$((PORT + 1000))
gov_as_pg "$GOV_REPO/test/tools/http-receiver" "$DEMO/collector" "$CPORT" >/dev/null 2>&1 &
echo $! > "$DEMO/collector.pid"
for _ in $(seq 50); do [ -e "$DEMO/collector/ready" ] && break; sleep 0.1; done
scene "the DBA points the shipper at the collector; delivery is acknowledged and resumable"
psql_as postgres shop <<SQL
ALTER SYSTEM SET governance.audit_http_url = 'http://127.0.0.1:$CPORT/events';
SELECT pg_reload_conf();
SQL
for _ in $(seq 100); do
	[ "$(psql_as postgres shop -Atc "SELECT acked_seq >= written_seq FROM governance.audit_delivery()" | tail -1)" = t ] && break
	sleep 0.1
done
psql_as postgres shop <<'SQL'
SELECT sink, url, acked_seq, written_seq, lag_events, error FROM governance.audit_delivery();
SQL
echo "the collector holds $(grep -c . "$DEMO/collector/received.ndjson") events, each line as in the trail"
scene "the chain key is rotated: a key_rolled event binds the old key to the new one"
openssl rand -hex 32 > "$DEMO/keys/audit_chain2.key"
chmod 600 "$DEMO/keys/audit_chain2.key"
[ "$(id -u)" = 0 ] && chown postgres "$DEMO/keys/audit_chain2.key"
psql_as postgres shop <<SQL
ALTER SYSTEM SET governance.audit_hmac_key_file = '$DEMO/keys/audit_chain2.key';
ALTER SYSTEM SET governance.audit_hmac_old_key_files = '$DEMO/keys/audit_chain.key';
SELECT pg_reload_conf();
SELECT pg_sleep(1);
SELECT seq, type, event->>'old_key' AS old_key, event->>'new_key' AS new_key
  FROM governance.audit_log WHERE type = 'key_rolled';
SELECT ok, events, reason FROM governance.verify_audit();
SQL

scene "nothing in the server log carries a token"
if grep -q "$TOKEN" "$DEMO/server.log"; then
	echo "the server log contains the token (unexpected)"
else
	echo "server log checked: no token in $(wc -l < "$DEMO/server.log") lines"
fi

cat <<EOF

The demo cluster is running.  Connect as the agent with its token:

  PGOPTIONS="-c governance.token=\$(cat $DEMO/agent.token)" \\
      psql -h $DEMO -p $PORT -U agent shop

or as the DBA:  psql -h $DEMO -p $PORT -U postgres shop
Mint more tokens with test/tools/mint-token --key $DEMO/keys/idp_private.pem.
Stop and delete it with:  $0 stop
EOF
