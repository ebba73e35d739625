--
-- fail_closed: the classes of hole an outside attacker found, each with
-- its reproducer and variants.  The rule that closes each class is
-- stated above its attacks; every attack asserts the defence.
--
-- The attacker, fc_mallory, is an ordinary login acting with a token of
-- its own and owning a schema (fc_agent).  The data at risk is owned by
-- the superuser in schema fc_app.
--

\set tok_mallory `test/tools/token sub=mallory`

SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'governance') AS own_extension \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS governance;
RESET client_min_messages;
CREATE ROLE fc_mallory LOGIN;
CREATE SCHEMA fc_app;
CREATE SCHEMA fc_agent AUTHORIZATION fc_mallory;
GRANT USAGE ON SCHEMA fc_app TO fc_mallory;
CREATE TABLE fc_app.victim (id int PRIMARY KEY, v text);
INSERT INTO fc_app.victim SELECT g, 'row ' || g FROM generate_series(1, 20) g;
GRANT SELECT, INSERT, UPDATE, DELETE ON fc_app.victim TO fc_mallory;
\set VERBOSITY terse

--
-- 1. Unfiltered writes.  Rule: a write is filtered only when some clause
-- that restricts the target's rows provably reads a column of the target
-- itself, traced through the plan's OUTER/INNER references and nest-loop
-- parameters down to the target's scan.  governance.check() gives the
-- answer running the statement gets.
--
SET ROLE fc_mallory;
SET governance.token = :'tok_mallory';
CREATE TABLE fc_agent.x1 (a int);
CREATE TABLE fc_agent.y1 (b int);
INSERT INTO fc_agent.x1 VALUES (1);
INSERT INTO fc_agent.y1 VALUES (1);
CREATE FUNCTION fc_agent.gs1(int) RETURNS SETOF int
LANGUAGE plpgsql AS $$ BEGIN RETURN NEXT $1; END $$;

-- Attack (reproducer): a LATERAL set-returning function of another
-- table's column; the nest-loop parameter it takes is not the target's.
-- Defence: unfiltered, denied; check() says deny.
BEGIN;
SET LOCAL enable_material = off;
SELECT governance.check($$DELETE FROM fc_app.victim USING fc_agent.x1, LATERAL fc_agent.gs1(x1.a) g$$)->>'decision' AS decision;
DELETE FROM fc_app.victim USING fc_agent.x1, LATERAL fc_agent.gs1(x1.a) g;
ROLLBACK;
-- Variant: the same through UPDATE ... FROM.
BEGIN;
SET LOCAL enable_material = off;
UPDATE fc_app.victim SET v = 'gone' FROM fc_agent.x1, LATERAL fc_agent.gs1(x1.a) g;
ROLLBACK;

-- Attack (reproducer): a condition between two other tables, the target
-- cross-joined under the join node that carries it.
-- Defence: unfiltered, denied; check() says deny.
BEGIN;
SET LOCAL enable_nestloop = off;
SET LOCAL enable_mergejoin = off;
SELECT governance.check($$DELETE FROM fc_app.victim USING fc_agent.x1, fc_agent.y1 WHERE x1.a = y1.b$$)->>'decision' AS decision;
DELETE FROM fc_app.victim USING fc_agent.x1, fc_agent.y1 WHERE x1.a = y1.b;
ROLLBACK;
-- Variant: the other join methods for the same statement.
BEGIN;
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_nestloop = off;
DELETE FROM fc_app.victim USING fc_agent.x1, fc_agent.y1 WHERE x1.a = y1.b;
ROLLBACK;
BEGIN;
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
DELETE FROM fc_app.victim USING fc_agent.x1, fc_agent.y1 WHERE x1.a = y1.b;
ROLLBACK;
-- Variant: the condition hidden in a subquery in USING.
DELETE FROM fc_app.victim USING (SELECT x1.a FROM fc_agent.x1 JOIN fc_agent.y1 ON x1.a = y1.b) s;
-- Variant: MERGE whose join condition is between the source's columns.
MERGE INTO fc_app.victim t USING fc_agent.x1 s ON s.a = s.a WHEN MATCHED THEN DELETE;
-- Variant: a correlated subquery that reads only the other table.
DELETE FROM fc_app.victim WHERE EXISTS (SELECT 1 FROM fc_agent.x1 WHERE x1.a = 1);

-- Real filters still pass: the target's own column, directly or through
-- a join, a nest-loop parameter or a subquery.
BEGIN;
DELETE FROM fc_app.victim WHERE id = 1;
DELETE FROM fc_app.victim USING fc_agent.x1 WHERE victim.id = x1.a + 1;
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
DELETE FROM fc_app.victim USING fc_agent.y1 WHERE victim.id = y1.b + 2;
DELETE FROM fc_app.victim WHERE id IN (SELECT a + 3 FROM fc_agent.x1);
MERGE INTO fc_app.victim t USING fc_agent.x1 s ON t.id = s.a + 4 WHEN MATCHED THEN DELETE;
SELECT count(*) AS left_after_filtered_deletes FROM fc_app.victim;
ROLLBACK;

-- Attack (reproducer): statements the hooks judge inside another:
-- EXPLAIN ANALYZE and COPY (DELETE ...) TO.
-- Defence: check() answers deny, as running them is denied.
SELECT governance.check($$EXPLAIN ANALYZE DELETE FROM fc_app.victim$$)->>'decision' AS explain_analyze;
SELECT governance.check($$EXPLAIN DELETE FROM fc_app.victim$$)->>'decision' AS explain_only;
SELECT governance.check($$COPY (DELETE FROM fc_app.victim RETURNING id) TO STDOUT$$)->>'decision' AS copy_delete;
SELECT governance.check($$CREATE TABLE fc_agent.t AS WITH d AS (DELETE FROM fc_app.victim RETURNING id) SELECT * FROM d$$)->>'decision' AS ctas_delete;
PREPARE fc_del AS DELETE FROM fc_app.victim;
SELECT governance.check($$EXECUTE fc_del$$)->>'decision' AS execute_prepared;
DEALLOCATE fc_del;
EXPLAIN (ANALYZE, COSTS OFF) DELETE FROM fc_app.victim;
COPY (DELETE FROM fc_app.victim RETURNING id) TO STDOUT;
SELECT count(*) AS rows_left FROM fc_app.victim;

--
-- 2. Acting after the token expired.  Rule: every statement, nested ones
-- included, and every commit is checked against the clock when it runs.
--
RESET governance.token;
CREATE TABLE fc_agent.ticks (t timestamptz);
CREATE PROCEDURE fc_agent.keep_writing(seconds int) LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. seconds * 4 LOOP
		INSERT INTO fc_agent.ticks VALUES (clock_timestamp());
		COMMIT;
		PERFORM pg_sleep(0.25);
	END LOOP;
END $$;
-- Attack (reproducer): one CALL that writes and commits for 5 s with a
-- token that expires after 3 s.
-- Defence: the first statement or commit after expiry fails; nothing
-- after it is kept.
\set tok_short `test/tools/token sub=mallory exp=+3`
SET governance.token = :'tok_short';
SELECT extract(epoch FROM clock_timestamp())::bigint + 3 AS exp \gset
CALL fc_agent.keep_writing(5);
RESET governance.token;
SELECT count(*) FILTER (WHERE extract(epoch FROM t) > :exp + 1) AS written_after_expiry,
	   count(*) > 0 AS wrote_before_expiry
  FROM fc_agent.ticks;
-- Variant: a DO block that sleeps past expiry, then writes, in one
-- transaction: refused at the write.
\set tok_two `test/tools/token sub=mallory exp=+2`
SET governance.token = :'tok_two';
DO $$ BEGIN PERFORM pg_sleep(2.5); INSERT INTO fc_agent.ticks VALUES (now()); END $$;
RESET governance.token;
-- Variant: an open transaction past expiry cannot commit.
\set tok_two `test/tools/token sub=mallory exp=+2`
SET governance.token = :'tok_two';
BEGIN;
INSERT INTO fc_agent.ticks VALUES ('2000-01-01');
SELECT pg_sleep(2.5) IS NULL AS slept;
COMMIT;
RESET governance.token;
SELECT count(*) AS committed_after_expiry FROM fc_agent.ticks WHERE t = '2000-01-01';
-- Variant: a policy change in a transaction past expiry.  Rule: at commit
-- the guard refuses before the audit appends the events that describe the
-- transaction's changes, so a refused commit leaves no event of a change
-- that did not happen.
-- Defence: refused; the rule is not there, and no event names it.
RESET ROLE;
SET governance.audit_sync = on;
\set tok_two `test/tools/token sub=fc_admin exp=+2`
SET governance.token = :'tok_two';
BEGIN;
INSERT INTO governance.rules (name, operations, effect) VALUES ('fc_expired_edit', '{select}', 'allow');
SELECT pg_sleep(2.5) IS NULL AS slept;
COMMIT;
RESET governance.token;
SELECT count(*) AS rule_kept FROM governance.rules WHERE name = 'fc_expired_edit';
SELECT count(*) AS events_of_the_refused_edit
  FROM governance.audit_log
 WHERE event->>'type' = 'policy' AND event->>'rule' = 'fc_expired_edit';
RESET governance.audit_sync;
SET ROLE fc_mallory;

--
-- 3. Forged governance events.  Rule: no function of the extension that
-- is not meant for users is executable by PUBLIC, and the trigger
-- functions act only for the extension's own tables.
--
CREATE TABLE fc_agent.labels (label text, mask text, description text);
CREATE TABLE fc_agent.unmask_grants (label text, principal text);
-- Attack (reproducer): attach labels_changed() to one's own table named
-- like the extension's.
-- Defence: not executable by PUBLIC.
CREATE TRIGGER forge AFTER INSERT ON fc_agent.unmask_grants
	FOR EACH ROW EXECUTE FUNCTION governance.labels_changed();
-- Variants: the other trigger functions.
CREATE TRIGGER forge2 BEFORE INSERT ON fc_agent.labels
	FOR EACH ROW EXECUTE FUNCTION governance.label_check();
CREATE TRIGGER forge3 AFTER INSERT ON fc_agent.labels
	FOR EACH ROW EXECUTE FUNCTION governance.rules_changed();
RESET ROLE;
-- Variant: even fired for a table the superuser made, a trigger function
-- refuses any table but the extension's own.
CREATE TABLE fc_app.unmask_grants (label text, principal text);
CREATE TRIGGER forge AFTER INSERT ON fc_app.unmask_grants
	FOR EACH ROW EXECUTE FUNCTION governance.labels_changed();
INSERT INTO fc_app.unmask_grants VALUES ('email', 'sub:agent-bot');
DROP TABLE fc_app.unmask_grants;
-- Every function of the extension and who may execute it.
SELECT p.oid::regprocedure AS function,
	   coalesce((SELECT string_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END, ', ' ORDER BY 1)
				   FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
				  WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner), '') AS executable_by
  FROM pg_proc p
 WHERE p.pronamespace = 'governance'::regnamespace
 ORDER BY p.oid::regprocedure::text;

--
-- 4. Statement text blanked by a refused token attempt.  Rule: tokens are
-- redacted by what they are (their shape, or the value of a parsed SET of
-- the setting), never by a value a session chose.
--
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc_mallory;
-- Attack (reproducer): a caught set_config() whose value is the text of
-- the next statement in the same DO block.
-- Defence: the statement is in the trail in full; only the literal given
-- to the setting is hidden, where it is given.
DO $$
BEGIN
	BEGIN
		PERFORM set_config('governance.token', 'SELECT count(*) FROM fc_app.victim', false);
	EXCEPTION WHEN OTHERS THEN NULL;
	END;
	PERFORM count(*) FROM fc_app.victim;
END $$;
-- Variant: a value that is one word of the next statement (the table).
DO $$
BEGIN
	BEGIN
		PERFORM set_config('governance.token', 'victim_secret_word', false);
	EXCEPTION WHEN OTHERS THEN NULL;
	END;
	PERFORM 1 AS victim_secret_word;
END $$;
-- Variant: in one simple-query message.
DO $$ BEGIN PERFORM set_config('governance.token', 'fc_app.victim', false); EXCEPTION WHEN OTHERS THEN NULL; END $$ \; SELECT count(*) AS n FROM fc_app.victim;
RESET ROLE;
SELECT event->>'statement' AS statement
  FROM governance.audit_log
 WHERE seq > :mark AND event->>'type' = 'statement'
   AND (event->>'statement' LIKE '%victim%' OR event->>'statement' LIKE '%redacted%')
 ORDER BY seq;

--
-- 5. Clear values reached a masked identity.
--
CREATE TABLE fc_app.users (id int PRIMARY KEY, email text UNIQUE, ssn text);
INSERT INTO fc_app.users VALUES
	(1, 'zed@example.com', '111-11-1111'), (2, 'amy@example.com', '222-22-2222'),
	(3, 'kim@example.com', '333-33-3333'), (4, 'bob@example.com', '444-44-4444');
GRANT SELECT, INSERT ON fc_app.users TO fc_mallory;
VACUUM ANALYZE fc_app.users;
SELECT governance.label_column('fc_app.users', 'email', 'email');
SELECT governance.label_column('fc_app.users', 'ssn', 'secret');
-- Does a text hold any clear value of fc_app.users?
CREATE FUNCTION fc_app.clear_in(t text) RETURNS boolean LANGUAGE sql IMMUTABLE
AS $$ SELECT t ~ '(zed@|amy@|kim@|bob@|[0-9]{3}-[0-9]{2}-[0-9]{4})' $$;
GRANT EXECUTE ON FUNCTION fc_app.clear_in(text) TO PUBLIC;
SET ROLE fc_mallory;
SET governance.token = :'tok_mallory';
SELECT email, ssn FROM fc_app.users ORDER BY id LIMIT 1;

-- Rule: the only statements exempt from masking are the foreign-key
-- checks and actions themselves, recognised as planned directly by the
-- foreign-key code (under SECURITY_NOFORCE_RLS, from a statement frame
-- entered outside it); everything they set off is masked.
CREATE TABLE fc_agent.loot (v text);
CREATE TABLE fc_agent.parent (id int PRIMARY KEY);
CREATE TABLE fc_agent.child (id int, pid int DEFAULT 0
	REFERENCES fc_agent.parent ON DELETE CASCADE ON UPDATE CASCADE);
INSERT INTO fc_agent.parent VALUES (0), (1), (2), (3), (4), (5), (6);
INSERT INTO fc_agent.child SELECT g, g FROM generate_series(1, 6) g;
-- The thief shows what it reads, and tries to keep it.
CREATE FUNCTION fc_agent.steal() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'saw %', (SELECT string_agg(email || ' ' || ssn, ', ' ORDER BY id) FROM fc_app.users);
	BEGIN
		INSERT INTO fc_agent.loot SELECT email || ' ' || ssn FROM fc_app.users;
	EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'kept nothing: %', SQLERRM;
	END;
	RETURN 0;
END $$;

-- Attack (reproducer): a BEFORE DELETE trigger on the child, fired by
-- the cascade.
-- Defence: the trigger's query is masked.
CREATE FUNCTION fc_agent.steal_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM fc_agent.steal(); RETURN OLD; END $$;
CREATE TRIGGER t_before BEFORE DELETE ON fc_agent.child
	FOR EACH ROW EXECUTE FUNCTION fc_agent.steal_trigger();
DELETE FROM fc_agent.parent WHERE id = 1;
DROP TRIGGER t_before ON fc_agent.child;
-- Variant: an AFTER trigger, which fires with the cascade's own
-- foreign-key checks.
CREATE TRIGGER t_after AFTER DELETE ON fc_agent.child
	FOR EACH ROW EXECUTE FUNCTION fc_agent.steal_trigger();
DELETE FROM fc_agent.parent WHERE id = 2;
DROP TRIGGER t_after ON fc_agent.child;
-- Variant: a rule on the child: its action query rides along with the
-- cascade's own.
CREATE RULE r_steal AS ON DELETE TO fc_agent.child
	DO ALSO SELECT fc_agent.steal(), email FROM fc_app.users;
DELETE FROM fc_agent.parent WHERE id = 3;
DROP RULE r_steal ON fc_agent.child;
-- Variant: ON UPDATE CASCADE into a CHECK constraint calling the thief.
ALTER TABLE fc_agent.child ADD CONSTRAINT c_steal CHECK (pid <> 40 OR fc_agent.steal() = 0);
UPDATE fc_agent.parent SET id = 40 WHERE id = 4;
ALTER TABLE fc_agent.child DROP CONSTRAINT c_steal;
-- Variant: an index expression (the thief declared immutable).
CREATE FUNCTION fc_agent.steal_imm(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN IF $1 = 50 THEN PERFORM fc_agent.steal(); END IF; RETURN $1; END $$;
CREATE INDEX i_steal ON fc_agent.child (fc_agent.steal_imm(pid));
UPDATE fc_agent.parent SET id = 50 WHERE id = 5;
DROP INDEX fc_agent.i_steal;
-- Variant: ON DELETE SET DEFAULT with a DEFAULT calling the thief.
ALTER TABLE fc_agent.child DROP CONSTRAINT child_pid_fkey;
ALTER TABLE fc_agent.child ADD FOREIGN KEY (pid) REFERENCES fc_agent.parent
	ON DELETE SET DEFAULT;
ALTER TABLE fc_agent.child ALTER pid SET DEFAULT fc_agent.steal();
DELETE FROM fc_agent.parent WHERE id = 6;
SELECT count(*) AS stolen_rows, count(*) FILTER (WHERE fc_app.clear_in(v)) AS clear_values
  FROM fc_agent.loot;

-- Attack (reproducer): plan-cache poisoning.  A function first planned
-- inside a cascade keeps that plan for later plain calls.
-- Rule: a plan made unmasked for a foreign-key check carries a mark and
-- runs only as one; nothing else is planned unmasked.
-- Defence: the later plain call reads masked values.
CREATE FUNCTION fc_agent.emails() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY SELECT email FROM fc_app.users ORDER BY id; END $$;
CREATE FUNCTION fc_agent.poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO fc_agent.loot SELECT fc_agent.emails(); RETURN OLD; END $$;
CREATE TRIGGER t_poison BEFORE DELETE ON fc_agent.child
	FOR EACH ROW EXECUTE FUNCTION fc_agent.poison();
INSERT INTO fc_agent.parent VALUES (7);
INSERT INTO fc_agent.child VALUES (7, 7);
DELETE FROM fc_agent.parent WHERE id = 7;
SELECT count(*) FILTER (WHERE fc_app.clear_in(e)) AS clear_after_cascade FROM fc_agent.emails() e;
-- Variant: the same through a prepared statement in a SQL function.
CREATE FUNCTION fc_agent.ssns() RETURNS SETOF text LANGUAGE sql AS
$$ SELECT ssn FROM fc_app.users $$;
SELECT count(*) FILTER (WHERE fc_app.clear_in(e)) AS clear_sql_function FROM fc_agent.ssns() e;
SELECT count(*) FILTER (WHERE fc_app.clear_in(v)) AS clear_values FROM fc_agent.loot;

-- Rule: for a masked identity the planner never sees an index whose
-- keys, expressions or predicate read a masked column, so no access path
-- orders or selects rows by a clear value.
-- Attack (reproducer): an index-only scan of the unique index on email
-- returns masked values in clear sort order.
-- Defence: no index path; rows come in stored order.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT email FROM fc_app.users;
SELECT string_agg(email, ',') AS order_seen FROM fc_app.users;
-- Variant: a probe row inserted and read back: its position must not
-- depend on its value.
BEGIN;
INSERT INTO fc_app.users (id, email) VALUES (100, 'aaa@probe');
SELECT array_position(array_agg(email), 'a**@p****') AS probe_position_low FROM fc_app.users;
ROLLBACK;
BEGIN;
INSERT INTO fc_app.users (id, email) VALUES (100, 'zzz@probe');
SELECT array_position(array_agg(email), 'z**@p****') AS probe_position_high FROM fc_app.users;
ROLLBACK;
-- Variant: a range predicate and a merge join on the masked column.
EXPLAIN (COSTS OFF) SELECT id FROM fc_app.users WHERE email > 'm';
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id FROM fc_app.users a JOIN fc_app.users b ON a.email = b.email;
-- Variant: MIN() on the masked column (an index could answer it).
EXPLAIN (COSTS OFF) SELECT min(email) FROM fc_app.users;
RESET enable_hashjoin;
RESET enable_nestloop;
-- An unmasked reader still gets the index.
RESET ROLE;
RESET governance.token;
EXPLAIN (COSTS OFF) SELECT email FROM fc_app.users;
RESET enable_seqscan;
RESET enable_bitmapscan;

--
-- 6. Actions the trail missed, or that filled it.
--
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc_mallory;
SET governance.token = :'tok_mallory';
-- Rule: the open-query table has no fixed size; a statement that cannot
-- be given a slot fails rather than running unrecorded.
-- Attack (reproducer): 70 open cursors, then a write.
-- Defence: the write is in the trail.
BEGIN;
SELECT format('DECLARE c%s CURSOR FOR SELECT 1', g) FROM generate_series(1, 70) g \gexec
DELETE FROM fc_app.victim WHERE id = 20;
COMMIT;
-- Variant: 80 cursors opened by PL/pgSQL, then a write in the same block.
DO $$
DECLARE c refcursor;
BEGIN
	FOR i IN 1 .. 80 LOOP
		c := 'pc' || i;
		OPEN c FOR SELECT 1;
	END LOOP;
	DELETE FROM fc_app.victim WHERE id = 19;
END $$;
RESET ROLE;
SELECT event->>'statement' AS statement, event->>'nested' AS nested
  FROM governance.audit_log
 WHERE seq > :mark AND event->>'statement' LIKE 'DELETE FROM fc_app.victim WHERE id = %'
 ORDER BY seq;

-- Rule: what one event can cost is bounded -- statement text is cut at
-- governance.audit_statement_max bytes as rendered (a control byte counts
-- six), with the whole text's length and SHA-256 recorded -- and so is
-- what one statement can add: past governance.audit_nested_max nested
-- statements are counted in the top-level event, not recorded one by one.
SET governance.audit_nested_max = 100;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc_mallory;
-- Attack (reproducer): a DO loop EXECUTEs a statement carrying a 15 kB
-- comment of \x01.
-- Defence: each nested event carries at most 2 kB of text; 100 are
-- recorded, the other 50 counted.
DO $$
DECLARE q text := 'SELECT 1 /*' || repeat(chr(1), 15000) || '*/';
BEGIN
	FOR i IN 1 .. 150 LOOP
		EXECUTE q;
	END LOOP;
END $$;
RESET ROLE;
SELECT count(*) AS nested_recorded,
	   max(octet_length(event->>'statement') + 5 * (octet_length(event->>'statement') -
			octet_length(replace(event->>'statement', chr(1), '')))) <= 2048 AS text_capped_as_rendered,
	   max(length(event::text)) < 4096 AS events_small,
	   bool_and((event->>'statement_length')::int = 15013) AS length_recorded,
	   bool_and(event->>'statement_sha256' =
				encode(sha256(convert_to('SELECT 1 /*' || repeat(chr(1), 15000) || '*/', 'UTF8')), 'hex')) AS sha256_recorded
  FROM governance.audit_log
 WHERE seq > :mark AND (event->>'nested')::bool;
SELECT event->>'command_tag' AS tag, event->'nested_unrecorded' AS nested_unrecorded
  FROM governance.audit_log
 WHERE seq > :mark AND NOT (event->>'nested')::bool AND event->>'command_tag' = 'DO';
RESET governance.audit_nested_max;

RESET ROLE;
DROP SCHEMA fc_agent CASCADE;
DROP SCHEMA fc_app CASCADE;
DROP ROLE fc_mallory;
