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
 ORDER BY 1::text;

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
-- Defence: the statement is in the trail in full.
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

RESET ROLE;
DROP SCHEMA fc_agent CASCADE;
DROP SCHEMA fc_app CASCADE;
DROP ROLE fc_mallory;
