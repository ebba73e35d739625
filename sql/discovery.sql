--
-- discovery: the detectors and the column scoring as SQL functions,
-- governance.discover() and governance.apply_discovery(), and
-- governance.auto_label (off in the other suites, set here).
--
\set tok_agent `test/tools/token sub=alice 'act={"sub":"agent-7"}'`

SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'governance') AS own_extension \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS governance;
RESET client_min_messages;
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS start_seq FROM governance.audit_log \gset
CREATE ROLE disc_admin LOGIN IN ROLE governance_admin;
CREATE ROLE disc_user LOGIN;
CREATE ROLE disc_agent LOGIN;

--
-- detect(value): the detector whose whole-value rule accepts a value.
--
SELECT v AS value, governance.detect(v) AS detector
  FROM (VALUES ('alice@example.com'), ('  bob.stone+news@mail.example.org '),
			   ('+1 415 555 2671'), ('4111 1111 1111 1111'), ('4111 1111 1111 1112'),
			   ('DE89370400440532013000'), ('DE89370400440532013001'),
			   ('192.168.10.4'), ('2001:db8::1'), ('078-05-1120'),
			   ('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2ln'),
			   ('AKIAIOSFODNN7EXAMPL3'),
			   ('$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'),
			   ('hello world'), ('42'), ('2024-01-31'), ('active'), ('')) AS t(v);
SELECT governance.detect(NULL) IS NULL AS null_in_null_out;

--
-- detect_column(name, type): the name rules, as far as the type allows.
--
SELECT n AS column_name, t AS column_type, d.label, d.confidence >= 0.8 AS sure
  FROM (VALUES ('email', 'text'), ('emailAddress', 'varchar'), ('EMAIL_ADDRESS', 'text'),
			   ('customer_mail', 'text'), ('correo_electronico', 'text'),
			   ('phone_number', 'text'), ('telefone', 'text'), ('geburtsdatum', 'date'),
			   ('date_of_birth', 'date'), ('password_hash', 'text'), ('api_key', 'text'),
			   ('ssn', 'text'), ('card_number', 'bigint'), ('iban', 'text'),
			   ('last_login_ip', 'inet'), ('client_addr', 'inet'), ('allowed_network', 'cidr'),
			   ('email_sent', 'boolean'), ('card_count', 'integer'),
			   ('password_changed_at', 'timestamptz'), ('ip_allowlist_enabled', 'boolean'),
			   ('email', 'date'), ('email', 'bigint'), ('phone', 'boolean'),
			   ('amount', 'numeric'), ('status', 'text'), ('created_at', 'timestamptz'),
			   ('notes', 'text')) AS c(n, t)
  CROSS JOIN LATERAL governance.detect_column(n, t::regtype) AS d;
-- Without a type, the name alone.
SELECT label, confidence >= 0.8 AS sure, evidence IS NOT NULL AS has_evidence
  FROM governance.detect_column('email');
SELECT * FROM governance.detect_column('quantity');
SELECT * FROM governance.detect_column(NULL);

--
-- discover(): the tables the caller may read, sampled.
--
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
	id int PRIMARY KEY,
	full_name text,
	contact text,
	email_sent boolean,
	card_count int,
	born date,
	last_seen inet,
	note text
);
INSERT INTO shop.customers
SELECT i, 'Customer ' || i, 'customer' || i || '@example.com', i % 2 = 0, i % 3,
	   date '1970-01-01' + i, ('10.0.0.' || i % 250)::inet,
	   CASE WHEN i % 10 = 0 THEN 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.' || md5(i::text) ELSE 'ok' END
  FROM generate_series(1, 200) AS i;
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int, total numeric, status text);
INSERT INTO shop.orders SELECT i, i, i * 2.5, 'paid' FROM generate_series(1, 50) AS i;
-- Partitions are sampled through their parent, and not reported apart.
CREATE TABLE shop.events (id int, at date, visitor_ip inet) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO shop.events SELECT i, date '2024-01-01' + i, '192.0.2.1' FROM generate_series(1, 100) AS i;
CREATE MATERIALIZED VIEW shop.contacts AS SELECT id, contact AS address FROM shop.customers;
CREATE MATERIALIZED VIEW shop.unpopulated AS SELECT id, contact AS address FROM shop.customers WITH NO DATA;
CREATE TEMP TABLE scratch (email text);
ANALYZE shop.customers, shop.orders, shop.events;

SELECT relation, column_name, label, round(confidence::numeric, 2) AS confidence, evidence
  FROM governance.discover('shop');

-- A labelled column is reported with its label, its values not read.
SELECT governance.label_column('shop.customers', 'full_name', 'pii');
SELECT relation, column_name, label, confidence, evidence
  FROM governance.discover('sh_p') WHERE evidence = 'labelled';

-- The filter is a LIKE pattern on schema names; system schemas, the
-- extension's own and temporary tables are never looked at.
SELECT count(*) AS rows FROM governance.discover('nosuch%');
SELECT count(*) AS rows FROM governance.discover('pg_catalog');
SELECT count(*) AS rows FROM governance.discover('governance');
SELECT count(*) AS rows FROM governance.discover('pg_temp%');
SELECT count(*) > 0 AS shop_found FROM governance.discover() WHERE relation::text LIKE 'shop.%';
SELECT count(*) AS system_rows
  FROM governance.discover() AS d JOIN pg_class AS c ON c.oid = d.relation
 WHERE c.relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace,
						  'governance'::regnamespace, pg_my_temp_schema());

-- Bad input.
SELECT * FROM governance.discover('shop', 0);
SELECT * FROM governance.discover('shop', -5);
SELECT * FROM governance.discover('shop', 1000001);
SELECT * FROM governance.discover('shop', NULL);
SELECT * FROM governance.discover('shop\');
SELECT * FROM governance.discover('shop\\\');
SELECT count(*) AS rows FROM governance.discover('sh\op');
-- The smallest and largest samples are accepted.
SELECT count(*) > 0 AS found FROM governance.discover('shop', 1);
SELECT count(*) > 0 AS found FROM governance.discover('shop', 1000000);

-- Read with the caller's privileges: a table the caller may not read is
-- neither read nor reported, a column without column privilege neither.
GRANT USAGE ON SCHEMA shop TO disc_user;
GRANT SELECT (id, contact, email_sent) ON shop.customers TO disc_user;
SET ROLE disc_user;
SELECT relation, column_name, label FROM governance.discover('shop');
RESET ROLE;

-- Row-level security: no policy is evaluated by a sample (another role
-- wrote it); a table whose policies apply to the caller is refused, its
-- values not read, and it is scored by its names only.
CREATE TABLE shop.messages (owner name, body text);
INSERT INTO shop.messages
SELECT CASE WHEN i % 2 = 0 THEN 'disc_user' ELSE 'someone_else' END,
	   CASE WHEN i % 2 = 0 THEN 'see you tomorrow' ELSE 'writer' || i || '@example.com' END
  FROM generate_series(1, 100) AS i;
ALTER TABLE shop.messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON shop.messages USING (owner = current_user);
GRANT SELECT ON shop.messages TO disc_user;
SELECT column_name, label, evidence FROM governance.discover('shop')
 WHERE relation = 'shop.messages'::regclass;
SET ROLE disc_user;
SELECT column_name, label, evidence FROM governance.discover('shop')
 WHERE relation = 'shop.messages'::regclass;
-- With row security off in the session, the same.
SET row_security = off;
SELECT column_name, label FROM governance.discover('shop')
 WHERE relation = 'shop.messages'::regclass;
RESET row_security;
RESET ROLE;

-- The policy applies to the samples too: a denied read leaves the
-- table's values unread.
SELECT governance.add_rule('no-orders-for-disc-user', '{select}', 'deny',
						   '{db:disc_user}', '{shop.orders}');
GRANT SELECT ON shop.orders TO disc_user;
SET ROLE disc_user;
SELECT count(*) AS orders_rows FROM governance.discover('shop')
 WHERE relation = 'shop.orders'::regclass;
RESET ROLE;
SELECT governance.drop_rule('no-orders-for-disc-user');

--
-- apply_discovery(): administrators label what discover() proposes.
--
SET ROLE disc_user;
SELECT governance.apply_discovery();
RESET ROLE;
SET ROLE disc_admin;
SELECT governance.apply_discovery(-0.1);
SELECT governance.apply_discovery(1.5);
SELECT governance.apply_discovery('NaN');
SELECT governance.apply_discovery(NULL);
SELECT governance.apply_discovery(0.8, 'nosuch');
RESET ROLE;
-- An administrator labels what it may read.
GRANT SELECT ON ALL TABLES IN SCHEMA shop TO disc_admin;
GRANT USAGE ON SCHEMA shop TO disc_admin;
SET ROLE disc_admin;
SELECT governance.apply_discovery();
SELECT relation, column_name, label FROM governance.column_labels
 WHERE relation::text LIKE 'shop.%' ORDER BY 1, 2;
-- Labelled columns are not labelled again.
SELECT governance.apply_discovery();
RESET ROLE;
-- Each label it put is an audit event, as one set by hand.
SELECT event->>'action' AS action, event->>'label' AS label, event->'columns' AS columns,
	   split_part(event->>'detail', ':', 1) AS by
  FROM governance.audit_log
 WHERE type = 'label' AND seq > :start_seq ORDER BY seq;
-- What was labelled now reads masked.
GRANT SELECT ON shop.customers TO disc_agent;
GRANT USAGE ON SCHEMA shop TO disc_agent;
SET ROLE disc_agent;
SELECT contact, born, last_seen FROM shop.customers WHERE id = 7;
-- A masked identity's discover() says what is labelled, and evidence
-- never holds a value.
SET governance.token = :'tok_agent';
SELECT column_name, label, evidence FROM governance.discover('shop')
 WHERE relation = 'shop.customers'::regclass;
RESET governance.token;
RESET ROLE;

--
-- governance.auto_label: names of new columns, checked as they are made.
--
SELECT name, setting, boot_val, context, enumvals FROM pg_settings
 WHERE name = 'governance.auto_label';
-- An identity whose reads are masked cannot turn it off.
SET ROLE disc_agent;
SET governance.auto_label = off;
SELECT set_config('governance.auto_label', 'off', true);
RESET ROLE;

SET governance.auto_label = suggest;
GRANT CREATE ON SCHEMA shop TO disc_agent;
SET ROLE disc_agent;
SET governance.token = :'tok_agent';
CREATE TABLE shop.signups (id int, email text, phone_number text, created_at timestamptz, email_sent boolean);
RESET governance.token;
RESET ROLE;
SELECT relation, column_name, label, round(confidence::numeric, 2) AS confidence,
	   suggested_by, actor
  FROM governance.label_suggestions ORDER BY relation::text, column_name;
-- ADD COLUMN, also within a multi-command ALTER; IF NOT EXISTS of an
-- existing column, and CREATE TABLE IF NOT EXISTS of an existing table,
-- suggest nothing.
ALTER TABLE shop.signups ADD COLUMN iban text, ADD COLUMN quantity int, ALTER COLUMN id SET NOT NULL;
ALTER TABLE shop.signups ADD COLUMN IF NOT EXISTS email text;
CREATE TABLE IF NOT EXISTS shop.signups (password text);
-- A column renamed to a sensitive name.
ALTER TABLE shop.orders RENAME COLUMN status TO customer_email;
-- CREATE TABLE AS, SELECT INTO and materialized views: by name, and a
-- copy of a labelled column keeps its label.
CREATE TABLE shop.export AS SELECT id, contact AS reach, full_name, note FROM shop.customers;
SELECT id, contact INTO shop.export2 FROM shop.customers;
CREATE MATERIALIZED VIEW shop.mv AS SELECT id, last_seen AS visitor_ip FROM shop.customers;
-- A statement in a function is covered too.
DO $$ BEGIN CREATE TABLE shop.made_in_do (ssn text); END $$;
-- Temporary tables and partitions are not.
CREATE TEMP TABLE tmp_people (email text);
CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
SELECT relation, column_name, label, round(confidence::numeric, 2) AS confidence, evidence
  FROM governance.label_suggestions ORDER BY relation::text, column_name;
-- A rolled back CREATE TABLE leaves no suggestion.
BEGIN;
CREATE TABLE shop.gone (email text);
SELECT count(*) AS inside FROM governance.label_suggestions WHERE relation::text = 'shop.gone';
ROLLBACK;
SELECT count(*) AS after_rollback FROM governance.label_suggestions AS s
 WHERE NOT EXISTS (SELECT FROM pg_class AS c WHERE c.oid = s.relation);
-- Dropping a table or column forgets its suggestions.
DROP TABLE shop.export2;
ALTER TABLE shop.signups DROP COLUMN phone_number;
SELECT relation, column_name FROM governance.label_suggestions
 WHERE relation::text IN ('shop.export2', 'shop.signups') ORDER BY 1, 2;
-- Only administrators read the suggestions.
SET ROLE disc_user;
SELECT count(*) FROM governance.label_suggestions;
RESET ROLE;

-- apply: labelled at once when sure; suggested when not.
SET governance.auto_label = apply;
SET ROLE disc_agent;
SET governance.token = :'tok_agent';
CREATE TABLE shop.leads (id int, email text, home_address text, api_key text, notes text, score int,
						 backup_mail text);
INSERT INTO shop.leads VALUES (1, 'lead@example.com', '1 Main St', 'k-123', 'call back', 5);
-- The creator, masked, reads its own new table masked.
SELECT email, api_key, notes FROM shop.leads;
RESET governance.token;
RESET ROLE;
SELECT column_name, label FROM governance.column_labels
 WHERE relation = 'shop.leads'::regclass ORDER BY 1;
SELECT column_name, label, round(confidence::numeric, 2) AS confidence
  FROM governance.label_suggestions WHERE relation = 'shop.leads'::regclass;
-- The label is audited with the creating identity as the actor.
SELECT event->>'action' AS action, event->>'sub' AS sub, event->>'actor' AS actor,
	   event->>'label' AS label, event->'columns' AS columns,
	   split_part(event->>'detail', ':', 1) AS by
  FROM governance.audit_log
 WHERE type = 'label' AND event->>'columns' LIKE '%shop.leads%' ORDER BY seq;
-- Rolled back, the label goes too.
BEGIN;
CREATE TABLE shop.gone (email text);
SELECT count(*) AS inside FROM governance.column_labels WHERE relation::text = 'shop.gone';
ROLLBACK;
SELECT count(*) AS after_rollback FROM governance.column_labels WHERE relation::text = 'shop.gone';

-- off: nothing.
SET governance.auto_label = off;
CREATE TABLE shop.quiet (email text);
SELECT count(*) AS labels FROM governance.column_labels WHERE relation = 'shop.quiet'::regclass;
SELECT count(*) AS suggestions FROM governance.label_suggestions WHERE relation = 'shop.quiet'::regclass;

RESET governance.auto_label;
RESET governance.audit_sync;
DROP SCHEMA shop CASCADE;
DROP TABLE scratch;

--
-- What the planner runs of a table's definition runs as the table's
-- owner, in a security-restricted operation, never as the caller.
-- Attack: disc_mallory owns a table with an index on an expression and a
-- partial index, each holding a constant call to a function of its own
-- that it declared IMMUTABLE.  Planning a read of the table simplifies
-- both, so the function runs; run as anyone else, it makes disc_mallory
-- a superuser and grants it an unmask.  A superuser, then a
-- governance_admin member, each in a new session, discover and apply.
-- Defence: the function runs as disc_mallory (its NOTICE says so), which
-- may do neither; the tables are still sampled.
--
SELECT current_user AS superuser \gset
CREATE ROLE disc_mallory LOGIN;
CREATE SCHEMA bait AUTHORIZATION disc_mallory;
GRANT USAGE ON SCHEMA bait TO disc_admin;
\c - disc_mallory
CREATE FUNCTION bait.evil() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF current_user <> 'disc_mallory' THEN
    BEGIN
      EXECUTE 'ALTER ROLE disc_mallory SUPERUSER';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    BEGIN
      PERFORM governance.grant_unmasked('email', 'db:disc_mallory');
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
  END IF;
END $$;
CREATE FUNCTION bait.evil_int() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM bait.evil();
  RETURN 1;
END $$;
CREATE FUNCTION bait.trap(site text) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE '% runs as %', site, current_user;
  PERFORM bait.evil();
  RETURN 1;
END $$;
CREATE TABLE bait.people (id int, email text);
INSERT INTO bait.people SELECT i, 'person' || i || '@example.com' FROM generate_series(1, 40) AS i;
CREATE INDEX ON bait.people ((id + bait.trap('index expression')));
CREATE INDEX ON bait.people (id) WHERE bait.trap('index predicate') > 0;
GRANT SELECT ON bait.people TO PUBLIC;
\c - :superuser
SELECT relation, column_name, label, evidence FROM governance.discover('bait');
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'disc_mallory';
\c - disc_admin
SELECT governance.apply_discovery(0.8, 'bait');
SELECT current_user AS after_apply;
\c - :superuser
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'disc_mallory';
SELECT count(*) AS mallory_unmask_grants FROM governance.unmask_grants
 WHERE principal LIKE '%disc_mallory%';
SELECT relation, column_name, label FROM governance.column_labels
 WHERE relation::text LIKE 'bait.%';

-- Attack: the sample of a table another role owns is planned as that
-- owner, in the caller's session.  The superuser owns a table whose index
-- expression calls its function, which reads a table it names without a
-- schema.  disc_mallory makes a temporary view of that name, which calls
-- its function, and runs discover() on the table: the view would be
-- found in its temporary schema and run with the superuser's rights.
-- Defence: a table another role owns is not sampled in a session that
-- made temporary relations or types; it is scored by name, with a NOTICE.
CREATE SCHEMA ledger;
CREATE TABLE ledger.ledger_config (k text);
SET search_path = ledger, public;
CREATE FUNCTION ledger.cfg(i int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  RETURN i + (SELECT count(*) FROM ledger_config);
END $$;
CREATE TABLE ledger.entries (id int, payer_email text);
INSERT INTO ledger.entries SELECT i, 'payer' || i || '@example.com' FROM generate_series(1, 40) AS i;
CREATE INDEX ON ledger.entries ((id + ledger.cfg(1)));
RESET search_path;
GRANT USAGE ON SCHEMA ledger TO PUBLIC;
GRANT SELECT ON ledger.entries TO PUBLIC;
\c - disc_mallory
CREATE TEMP VIEW ledger_config AS SELECT bait.evil_int() AS k;
SELECT relation, column_name, label, evidence FROM governance.discover('ledger');
\c - :superuser
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'disc_mallory';
-- In a session without temporary objects the table is sampled (its
-- owner's function, run as the owner, finds no ledger_config: scored by
-- name, with a NOTICE), and nothing of disc_mallory's runs.
\c - disc_mallory
SELECT relation, column_name, label, evidence FROM governance.discover('ledger');
\c - :superuser
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'disc_mallory';
DROP SCHEMA ledger CASCADE;
ALTER ROLE disc_mallory NOSUPERUSER;
DELETE FROM governance.unmask_grants WHERE principal = 'db:disc_mallory';
DROP SCHEMA bait CASCADE;
DROP ROLE disc_mallory;

\if :own_extension
DROP EXTENSION governance;
\endif
DROP ROLE disc_admin, disc_user, disc_agent;
