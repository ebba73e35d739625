--
-- fail_closed2: what a second engineer found against the fail_closed
-- defences, each with its reproducer and a variant, asserting the defence.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS governance;
RESET client_min_messages;
\set tok_mallory `test/tools/token sub=mallory`
CREATE ROLE fc2_mallory LOGIN;
CREATE SCHEMA fc2_app;
CREATE SCHEMA fc2_agent AUTHORIZATION fc2_mallory;
GRANT USAGE ON SCHEMA fc2_app TO fc2_mallory;
CREATE TABLE fc2_app.victim (id int PRIMARY KEY, v text);
INSERT INTO fc2_app.victim SELECT g, 'row ' || g FROM generate_series(1, 20) g;
GRANT SELECT, INSERT, UPDATE, DELETE ON fc2_app.victim TO fc2_mallory;
CREATE TABLE fc2_app.users (id int PRIMARY KEY, email text, ssn text);
INSERT INTO fc2_app.users VALUES (1, 'amy@example.com', '111-11-1111');
GRANT SELECT ON fc2_app.users TO fc2_mallory;
SELECT governance.label_column('fc2_app.users', 'email', 'email');
SELECT governance.label_column('fc2_app.users', 'ssn', 'secret');
\set VERBOSITY terse

SET ROLE fc2_mallory;
SET governance.token = :'tok_mallory';

-- Attack (reproducer): a conditional DO INSTEAD rule on a foreign-key
-- child: the rewriter adds its negated condition to the cascade query
-- itself, which ran unmasked: an oracle on clear values.
-- Rule: a foreign-key query is exempt only as written: plain tables
-- without rules or security quals, no sublinks, no WITH.
-- Defence: the cascade is refused; no row tells the condition's value.
CREATE TABLE fc2_agent.parent (id int PRIMARY KEY);
CREATE TABLE fc2_agent.child (id int, pid int REFERENCES fc2_agent.parent ON DELETE CASCADE ON UPDATE CASCADE);
INSERT INTO fc2_agent.parent VALUES (1), (2);
INSERT INTO fc2_agent.child VALUES (1, 1), (2, 2);
CREATE RULE r_oracle AS ON DELETE TO fc2_agent.child
	WHERE EXISTS (SELECT 1 FROM fc2_app.users WHERE email LIKE 'amy%') DO INSTEAD NOTHING;
DELETE FROM fc2_agent.parent WHERE id = 1;
SELECT count(*) AS children_left FROM fc2_agent.child;
-- Variant: the same through ON UPDATE CASCADE, comparing the ssn.
CREATE RULE r_oracle_u AS ON UPDATE TO fc2_agent.child
	WHERE (SELECT ssn FROM fc2_app.users WHERE id = 1) = '111-11-1111' DO INSTEAD NOTHING;
UPDATE fc2_agent.parent SET id = 20 WHERE id = 2;
-- Variant: the condition in a function: its query plans masked, so the
-- condition is false and the cascade deletes the row.
CREATE FUNCTION fc2_agent.peek() RETURNS boolean LANGUAGE sql
	AS $$ SELECT EXISTS (SELECT 1 FROM fc2_app.users WHERE email LIKE 'amy%') $$;
DROP RULE r_oracle ON fc2_agent.child;
CREATE RULE r_oracle_f AS ON DELETE TO fc2_agent.child
	WHERE fc2_agent.peek() DO INSTEAD NOTHING;
DELETE FROM fc2_agent.parent WHERE id = 1;
SELECT count(*) AS children_left FROM fc2_agent.child;

-- Attack (reproducer): a constant-false gate over other relations, on the
-- nullable side of a LEFT JOIN, counted as the write's filter.
-- Rule: a filter counts only on the target rows' path; a join that keeps
-- the target's side whatever it finds filters nothing.
-- Defence: unfiltered, denied; check() says deny.
CREATE TABLE fc2_agent.x1 (a int);
CREATE TABLE fc2_agent.y1 (b int);
INSERT INTO fc2_agent.x1 VALUES (1);
SELECT governance.check($$DELETE FROM fc2_app.victim USING (SELECT 1) s LEFT JOIN (SELECT WHERE false) e ON true$$)->>'decision' AS decision;
DELETE FROM fc2_app.victim USING (SELECT 1) s LEFT JOIN (SELECT WHERE false) e ON true;
-- Variant: UPDATE ... FROM the same.
UPDATE fc2_app.victim SET v = 'x' FROM (SELECT 1) s LEFT JOIN (SELECT WHERE false) e ON true;
-- Variant: MERGE with the same gate in its source.
SELECT governance.check($$MERGE INTO fc2_app.victim t USING (SELECT 1 FROM (SELECT 1) s LEFT JOIN (SELECT WHERE false) e ON true) src ON true WHEN MATCHED THEN DELETE$$)->>'decision' AS decision;
MERGE INTO fc2_app.victim t USING (SELECT 1 FROM (SELECT 1) s LEFT JOIN (SELECT WHERE false) e ON true) src ON true WHEN MATCHED THEN DELETE;
-- Still filtered: WHERE false, and an inner join on the target's column.
BEGIN;
DELETE FROM fc2_app.victim WHERE false;
DELETE FROM fc2_app.victim USING fc2_agent.x1 WHERE victim.id = x1.a;
SELECT count(*) AS rows_left FROM fc2_app.victim;
ROLLBACK;

-- Attack (reproducer): 'governance.token' as a literal before another
-- literal blanked that literal in the trail.
-- Rule: the setting's value is hidden only where it is set: SET ... =
-- or TO, and set_config('governance.token', ...).
-- Defence: the statement is recorded in full.
SELECT count(*) FROM fc2_app.victim WHERE v IN ('governance.token', 'rowX7');
-- Variant: a comparison.
SELECT count(*) FROM fc2_app.victim WHERE 'governance.token' = 'rowX8';
RESET ROLE;
SELECT statement FROM governance.audit_log
 WHERE statement LIKE '%rowX%' AND sub = 'mallory' ORDER BY seq;
SELECT statement FROM governance.audit_log
 WHERE statement LIKE 'SELECT count(*) FROM fc2_app.victim WHERE v IN%' ORDER BY seq;
SET ROLE fc2_mallory;

-- Attack: ALTER TABLE ... NO INHERIT detaches a child's rows from its
-- parent like DETACH PARTITION, which is destructive.
-- Defence: classified as destructive ALTER.
CREATE TABLE fc2_agent.par (a int);
CREATE TABLE fc2_agent.kid () INHERITS (fc2_agent.par);
SELECT governance.check($$ALTER TABLE fc2_agent.kid NO INHERIT fc2_agent.par$$)->'statements'->0->'actions' AS actions;

-- Attack: check('EXECUTE p') once the prepared statement's table is gone
-- raised an internal error.
-- Defence: analysed afresh, a clear error with its SQLSTATE.
BEGIN;
CREATE TABLE fc2_agent.gone (a int);
PREPARE fc2_p AS DELETE FROM fc2_agent.gone;
ROLLBACK;
\set VERBOSITY default
SELECT governance.check('EXECUTE fc2_p');
\set VERBOSITY terse
DEALLOCATE fc2_p;

-- Attack (reproducer): an exception block reads the detail of a caught
-- constraint error, which quotes the failing row, labelled columns
-- included: the scrub ran only when an error was logged or sent.
-- Rule: row contents are hidden where the statement that raised the
-- error ends, before any handler can read them.
-- Defence: the caught detail shows no clear value.
RESET ROLE;
GRANT UPDATE ON fc2_app.users TO fc2_mallory;
SET ROLE fc2_mallory;
DO $$
DECLARE d text;
BEGIN
	UPDATE fc2_app.users SET id = NULL WHERE id = 1;
EXCEPTION WHEN not_null_violation THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'caught: % (clear values: %)', d, d ~ '(amy@|111-11)';
END $$;
-- Variant: a unique violation's key, through a function called by SQL.
RESET ROLE;
CREATE UNIQUE INDEX ON fc2_app.users (ssn);
GRANT INSERT ON fc2_app.users TO fc2_mallory;
SET ROLE fc2_mallory;
CREATE FUNCTION fc2_agent.probe() RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
	INSERT INTO fc2_app.users VALUES (9, 'x', '111-11-1111');
	RETURN 'inserted';
EXCEPTION WHEN unique_violation THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN d;
END $$;
SELECT fc2_agent.probe() AS caught_detail;

-- Attack: a PARALLEL SAFE function run by a parallel worker plans its
-- own query there, where no identity is known: read clear, unjudged.
-- Rule: a parallel worker plans no statement that reads a relation.
-- Defence: refused with 0A000; the leader's own plans still run in
-- workers.
CREATE FUNCTION fc2_agent.in_worker() RETURNS text LANGUAGE plpgsql PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT string_agg(email || ssn, ',') FROM fc2_app.users); END $$;
BEGIN;
SET LOCAL force_parallel_mode = on;
SET LOCAL parallel_setup_cost = 0;
SELECT fc2_agent.in_worker() ~ '(amy@|111-11)' AS clear_values;
ROLLBACK;
BEGIN;
SET LOCAL force_parallel_mode = on;
SELECT count(*) AS leader_plan_in_worker FROM fc2_app.victim;
ROLLBACK;

-- Attack (reproducer): a valid token whose header and claims JSON begin
-- with a blank does not start with "ey": set by set_config() inside DO,
-- it reached the trail in clear.
-- Rule: a token is recognised by what its segments decode to.
-- Defence: redacted in the trail.
-- (The statement is put together by psql: a SELECT would hand
-- fc2_mallory, a masked identity, the token redacted by the output scan.)
\set tok_blank `test/tools/token --blank sub=blankie`
\set stmt 'DO $d$ DECLARE t text := ' :'tok_blank' '; BEGIN PERFORM set_config(''governance.token'', t, false); END $d$'
:stmt;
SELECT governance.whoami()->>'sub' AS acting_with_blank_led_token;
RESET ROLE;
SELECT count(*) FILTER (WHERE strpos(statement, :'tok_blank') > 0) AS trail_holds_token,
	   count(*) FILTER (WHERE statement LIKE 'DO $d$ DECLARE t text := ''<redacted>''%') AS redacted
  FROM governance.audit_log WHERE statement LIKE 'DO $d$ DECLARE t text := %';
SET ROLE fc2_mallory;

-- Attack (reproducer): a DO block burns audit_nested_max nested
-- statements, then EXECUTEs an UPDATE decoded from a token-shaped literal
-- (which the trail hides as a token): the write left no trace.
-- Rule: the cap never hides a change. Past it, a nested statement that
-- changed rows, or a utility statement that can change anything, is
-- recorded in full; reads are counted, with the relations they read, in
-- the top-level event.
-- Defence: the UPDATE is in the trail with its text and relation.
RESET ROLE;
CREATE SEQUENCE fc2_app.order_no;
GRANT USAGE, UPDATE ON SEQUENCE fc2_app.order_no TO fc2_mallory;
SELECT lo_create(424242) AS lo;
GRANT SELECT, UPDATE ON LARGE OBJECT 424242 TO fc2_mallory;
CREATE UNLOGGED SEQUENCE fc2_agent.useq;
ALTER SEQUENCE fc2_agent.useq OWNER TO fc2_mallory;
SET governance.audit_nested_max = 5;
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc2_mallory;
DO $$
DECLARE p text := 'eyJrIjoxfVVQREFURSBmYzJfYXBwLnZpY3RpbSBTRVQgdiA9ICdwd25lZCcgV0hFUkUgaWQgPSA3.eyJrIjoxfQ.c2ln';
BEGIN
	FOR i IN 1 .. 10 LOOP EXECUTE 'SELECT count(*) FROM fc2_app.users'; END LOOP;
	EXECUTE substr(convert_from(decode(translate(split_part(p, '.', 1), '-_', '+/'), 'base64'), 'UTF8'), 8);
	-- Variant: past the cap, a write that changed nothing is only counted,
	-- and a utility statement that can change something is recorded.
	EXECUTE 'UPDATE fc2_app.victim SET v = v WHERE false';
	EXECUTE 'CREATE TABLE fc2_agent.past_cap (a int)';
	EXECUTE 'SHOW work_mem';
	-- Variant (third round): a read whose functions change a sequence
	-- and a large object: what it wrote to the WAL makes it a change.
	EXECUTE 'SELECT setval(''fc2_app.order_no'', 1), lo_put(424242, 0, ''forged'')';
	-- Variant (eighth round): sequence changes that write no WAL (an
	-- unlogged sequence; nextval logs one value in 32).
	EXECUTE 'SELECT setval(''fc2_agent.useq'', 424242)';
	EXECUTE 'SELECT nextval(''fc2_app.order_no'')';
END $$;
RESET ROLE;
SELECT event->>'command_tag' AS tag, event->>'statement' AS statement,
	   event->'relations' AS relations, event->>'rows' AS rows
  FROM governance.audit_log
 WHERE seq > :mark AND (event->>'nested')::bool AND event->>'type' = 'statement'
   AND (event->>'command_tag' <> 'SELECT' OR event->>'statement' ~ '(setval|nextval)')
 ORDER BY seq;
SELECT event->'nested_unrecorded' AS nested_unrecorded,
	   event->'nested_unrecorded_relations' AS unrecorded_relations
  FROM governance.audit_log
 WHERE seq > :mark AND NOT (event->>'nested')::bool AND event->>'command_tag' = 'DO';
SELECT v FROM fc2_app.victim WHERE id = 7;
SELECT lo_unlink(424242);
RESET governance.audit_nested_max;
SET ROLE fc2_mallory;

-- Attack (reproducer): an administrator's ordinary trigger calls lower()
-- unqualified; the masked identity puts its own schema before pg_catalog
-- and its lower() receives every clear e-mail the trigger handles.
-- Rule: while a masked identity acts, code someone else wrote resolves
-- names with the path its owner's code is meant to run with (its own SET
-- search_path, else its owner's default), never the session's, minus
-- every schema the identity could have planted a name in, and pg_temp
-- last.
-- Defence: pg_catalog.lower() runs; the identity's function never sees a
-- value; the trigger writes where its owner meant.
RESET ROLE;
CREATE ROLE fc2_admin;
ALTER ROLE fc2_admin SET search_path = fc2_app, public;
GRANT USAGE ON SCHEMA fc2_app TO fc2_admin;
GRANT UPDATE ON fc2_app.users TO fc2_mallory;
CREATE TABLE fc2_app.users_log (email text);
GRANT INSERT ON fc2_app.users_log TO fc2_mallory;
CREATE FUNCTION fc2_app.users_norm() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.email IS NULL THEN PERFORM no_such_function(); END IF;
	NEW.email := lower(NEW.email);
	IF NEW.email = 'nobody' THEN RAISE NOTICE 'never'; END IF;
	INSERT INTO users_log VALUES (NEW.email);
	RETURN NEW;
END $$;
ALTER FUNCTION fc2_app.users_norm() OWNER TO fc2_admin;
CREATE TRIGGER users_norm BEFORE UPDATE ON fc2_app.users
	FOR EACH ROW EXECUTE FUNCTION fc2_app.users_norm();
SET ROLE fc2_mallory;
CREATE TABLE fc2_agent.seen (v text);
CREATE FUNCTION fc2_agent.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN INSERT INTO fc2_agent.seen VALUES ($1); RETURN pg_catalog.lower($1); END $$;
SET search_path = fc2_agent, fc2_app, pg_catalog;
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_seen_by_shadowing_function FROM fc2_agent.seen;
-- Variant: an operator of the identity's own shadows = (text, text).
CREATE FUNCTION fc2_agent.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO fc2_agent.seen VALUES ($1); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR fc2_agent.= (LEFTARG = text, RIGHTARG = text, FUNCTION = fc2_agent.eq);
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_seen_by_shadowing_operator FROM fc2_agent.seen;
-- Variant: a temporary table shadows the table the trigger writes to
-- (pg_temp is searched first for relations unless listed).
SET search_path = fc2_app;
CREATE TEMP TABLE users_log (email text);
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_in_temporary_table FROM pg_temp.users_log;
RESET search_path;
-- Attack (third round, N6): the session's path holds pg_temp alone; the
-- trigger's table is found nowhere else, so the temporary table of the
-- identity's receives its clear values.
-- Rule (fifth round): code another role wrote does not run while the
-- identity has temporary tables or types, which are looked up wherever
-- pg_temp stands; DISCARD TEMP lifts it.
-- Defence: refused (42501); nothing reaches the temporary table; after
-- DISCARD TEMP the trigger runs and writes where its owner meant.
SET search_path = pg_temp;
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_in_temporary_table FROM pg_temp.users_log;
RESET search_path;
DISCARD TEMP;
UPDATE fc2_app.users SET id = id WHERE id = 1;
-- Attack (sixth round, C1): a DISCARD TEMP that is rolled back brings
-- every temporary object back, but had already lifted the refusal.
-- Rule: DISCARD lifts it when the transaction that ran it commits, and
-- not if the subtransaction it ran in was rolled back.
-- Defence: refused after each undone DISCARD; a committed one lifts it.
CREATE TEMP TABLE users_log (email text);
BEGIN;
DISCARD TEMP;
ROLLBACK;
UPDATE fc2_app.users SET id = id WHERE id = 1;
DO $$ BEGIN EXECUTE 'DISCARD TEMP'; RAISE EXCEPTION 'undo'; EXCEPTION WHEN OTHERS THEN NULL; END $$;
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_in_temporary_table FROM pg_temp.users_log;
DISCARD TEMP;
UPDATE fc2_app.users SET id = id WHERE id = 1;
-- Variant (seventh round, D1): a temporary object made after the
-- DISCARD, in the same transaction, or in the same query string.
BEGIN;
DISCARD TEMP;
CREATE TEMP TABLE users_log (email text);
COMMIT;
UPDATE fc2_app.users SET id = id WHERE id = 1;
DISCARD TEMP \; CREATE TEMP TABLE users_log (email text);
UPDATE fc2_app.users SET id = id WHERE id = 1;
DISCARD TEMP;
UPDATE fc2_app.users SET id = id WHERE id = 1;
-- Attack (third round, N1): the identity revokes its own right to create
-- objects in its schema, so the schema looks safe, and its lower() runs.
-- Rule: a schema the identity owns, or holds objects in, is one it could
-- have planted a name in, whatever its rights there now.
-- Defence: its lower() never sees a value.
REVOKE CREATE ON SCHEMA fc2_agent FROM fc2_mallory;
SET search_path = fc2_agent, fc2_app, pg_catalog;
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_seen_after_revoke FROM fc2_agent.seen;
RESET search_path;
GRANT CREATE ON SCHEMA fc2_agent TO fc2_mallory;
-- Variant: an administrator revokes it, and makes the schema another
-- role's; the identity's objects are still there.
RESET ROLE;
CREATE ROLE fc2_other;
REVOKE CREATE ON SCHEMA fc2_agent FROM fc2_mallory;
ALTER SCHEMA fc2_agent OWNER TO fc2_other;
GRANT USAGE ON SCHEMA fc2_agent TO fc2_mallory;
SET ROLE fc2_mallory;
SET search_path = fc2_agent, fc2_app, pg_catalog;
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_seen_in_schema_of_another FROM fc2_agent.seen;
RESET search_path;
RESET ROLE;
ALTER SCHEMA fc2_agent OWNER TO fc2_mallory;
GRANT CREATE ON SCHEMA fc2_agent TO fc2_mallory;
DROP ROLE fc2_other;
SET ROLE fc2_mallory;
-- Variant: a procedure another role wrote could COMMIT and end the
-- narrowed path with its transaction: refused while the path would
-- change, run when it would not.
RESET ROLE;
CREATE PROCEDURE fc2_app.touch() LANGUAGE plpgsql AS $$
BEGIN UPDATE fc2_app.users SET id = id WHERE id = 1; COMMIT; END $$;
ALTER PROCEDURE fc2_app.touch() OWNER TO fc2_admin;
SET ROLE fc2_mallory;
SET search_path = fc2_agent, pg_catalog;
CALL fc2_app.touch();
SET search_path = fc2_app, public, pg_temp;
CALL fc2_app.touch();
-- Attack (fourth round, A4): types are looked up in pg_temp too; with a
-- session path of pg_temp alone, a domain of the identity's named like
-- the one an administrator's trigger declares ran its CHECK on every clear
-- value.
-- Defence: the trigger's path is its owner's, where the real domain comes
-- before pg_temp; the identity's check never sees a value.
RESET ROLE;
CREATE DOMAIN fc2_app.fc2_email_t AS text;
CREATE FUNCTION fc2_app.users_typed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE e fc2_email_t;
BEGIN e := NEW.email; RETURN NEW; END $$;
ALTER FUNCTION fc2_app.users_typed() OWNER TO fc2_admin;
CREATE TRIGGER users_typed BEFORE UPDATE ON fc2_app.users
	FOR EACH ROW EXECUTE FUNCTION fc2_app.users_typed();
SET ROLE fc2_mallory;
CREATE FUNCTION fc2_agent.leak(text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO fc2_agent.seen VALUES ($1); RETURN true; END $$;
CREATE DOMAIN pg_temp.fc2_email_t AS text CHECK (fc2_agent.leak(VALUE));
SET search_path = pg_temp;
UPDATE fc2_app.users SET id = id WHERE id = 1;
RESET search_path;
SELECT count(*) AS values_seen_by_temporary_domain FROM fc2_agent.seen;
-- Variant (fifth round): the schema holding the real domain is one the
-- identity can create in, so it is left out of the path and pg_temp's
-- domain is the only one found: refused while the temporary domain
-- exists; once discarded, the triggers find neither the table nor the
-- domain of a schema the identity can create in, and fail -- the
-- identity's check never runs.
RESET ROLE;
GRANT CREATE ON SCHEMA fc2_app TO fc2_mallory;
SET ROLE fc2_mallory;
UPDATE fc2_app.users SET id = id WHERE id = 1;
DISCARD TEMP;
UPDATE fc2_app.users SET id = id WHERE id = 1;
SELECT count(*) AS values_seen_by_temporary_domain FROM fc2_agent.seen;
RESET ROLE;
REVOKE CREATE ON SCHEMA fc2_app FROM fc2_mallory;
SET ROLE fc2_mallory;
RESET ROLE;
DROP TRIGGER users_typed ON fc2_app.users;
-- Attack (fourth round, A1): inside one transaction, a temporary table
-- made before the statement passed for one the call made itself.
-- Rule: code another role wrote does not run while the identity has
-- temporary tables or types (and a temporary relation such code uses
-- must have been made during the call: its catalog row written by this
-- transaction at or after the command the call began in).
-- Defence: refused (42501).
CREATE SCHEMA fc2_sink;
CREATE TABLE fc2_sink.audit_sink (email text);
CREATE FUNCTION fc2_app.users_sink() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit_sink VALUES (NEW.email); RETURN NEW; END $$;
ALTER FUNCTION fc2_app.users_sink() OWNER TO fc2_admin;
CREATE TRIGGER users_sink BEFORE UPDATE ON fc2_app.users
	FOR EACH ROW EXECUTE FUNCTION fc2_app.users_sink();
SET ROLE fc2_mallory;
BEGIN;
CREATE TEMP TABLE audit_sink (email text);
UPDATE fc2_app.users SET id = id WHERE id = 1;
ROLLBACK;
BEGIN;
CREATE TEMP TABLE audit_sink (email text);
SAVEPOINT s;
UPDATE fc2_app.users SET id = id WHERE id = 1;
ROLLBACK TO s;
SELECT count(*) AS values_in_temporary_sink FROM pg_temp.audit_sink;
ROLLBACK;
DISCARD TEMP;
RESET ROLE;
DROP TRIGGER users_sink ON fc2_app.users;
DROP SCHEMA fc2_sink CASCADE;
SET ROLE fc2_mallory;
-- An error inside such code says which path it ran with.
SET search_path = fc2_agent, fc2_app;
\set VERBOSITY default
UPDATE fc2_app.users SET email = NULL WHERE id = 1;
\set VERBOSITY terse
RESET search_path;
-- Attack (seventh round, D2): a role the identity may SET ROLE to, but
-- does not inherit from, may create objects in a schema of the code's
-- path: its functions there would shadow what the code calls.
-- Rule: every role the identity can act as, INHERIT or not, counts.
-- Defence: that schema leaves the code's path (shown by an error's
-- context: public, pg_temp).
RESET ROLE;
CREATE ROLE fc2_dev;
GRANT CREATE ON SCHEMA fc2_app TO fc2_dev;
ALTER ROLE fc2_mallory NOINHERIT;
GRANT fc2_dev TO fc2_mallory;
SET ROLE fc2_mallory;
\set VERBOSITY default
UPDATE fc2_app.users SET email = NULL WHERE id = 1;
\set VERBOSITY terse
RESET ROLE;
REVOKE fc2_dev FROM fc2_mallory;
ALTER ROLE fc2_mallory INHERIT;
REVOKE CREATE ON SCHEMA fc2_app FROM fc2_dev;
DROP ROLE fc2_dev;
SET ROLE fc2_mallory;
RESET ROLE;
SELECT count(*) AS rows_logged_where_the_trigger_meant FROM fc2_app.users_log;
SET ROLE fc2_mallory;
-- Variant: the identity's own function keeps the identity's path.
CREATE FUNCTION fc2_agent.own() RETURNS text LANGUAGE plpgsql AS $$
BEGIN RETURN lower('ABC'); END $$;
SET search_path = fc2_agent, pg_catalog;
SELECT fc2_agent.own() AS own_function;
SELECT count(*) AS own_path_kept FROM fc2_agent.seen;
RESET search_path;
DISCARD TEMP;

-- Attack (reproducer): a masked identity owns a table with a trigger and
-- an expression index calling its own functions; an administrator labels
-- a column; the owner replaces the functions' bodies, and an UPDATE,
-- REINDEX, VACUUM FULL or ANALYZE runs them on every clear value.
-- Rule: an identity whose roles own a function that code attached to a
-- relation it reads masked calls may not change code at all (create,
-- replace, alter, rename, move or give away functions, procedures,
-- aggregates, operators, casts): what a function calls by name is not
-- recorded, so no function of its may change. Labelling a column warns
-- of such code.
-- Defence: each change is refused (42501); the old bodies run.
CREATE TABLE fc2_agent.cust (id int PRIMARY KEY, secret text);
INSERT INTO fc2_agent.cust VALUES (1, 'TOPSECRET-1'), (2, 'TOPSECRET-2');
CREATE FUNCTION fc2_agent.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t BEFORE UPDATE ON fc2_agent.cust FOR EACH ROW EXECUTE FUNCTION fc2_agent.trg();
CREATE FUNCTION fc2_agent.ix(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN $1; END $$;
CREATE INDEX cust_ix ON fc2_agent.cust (fc2_agent.ix(secret));
RESET ROLE;
SELECT governance.label_column('fc2_agent.cust', 'secret', 'secret');
SET ROLE fc2_mallory;
CREATE OR REPLACE FUNCTION fc2_agent.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'trigger saw %', NEW.secret; RETURN NEW; END $$;
CREATE OR REPLACE FUNCTION fc2_agent.ix(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE NOTICE 'index saw %', $1; RETURN $1; END $$;
UPDATE fc2_agent.cust SET id = id + 10 WHERE id = 1;
REINDEX TABLE fc2_agent.cust;
VACUUM FULL fc2_agent.cust;
ANALYZE fc2_agent.cust;
-- Variant: a new function the attached one could call by name, a
-- rename, a new owner, an operator.
CREATE FUNCTION fc2_agent.helper(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$;
ALTER FUNCTION fc2_agent.ix(text) RENAME TO ix2;
ALTER FUNCTION fc2_agent.trg() SET search_path = fc2_agent;
CREATE OPERATOR fc2_agent.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_catalog.texteq);
-- Variant: once the identity drops its code, it may write functions again.
DROP TRIGGER t ON fc2_agent.cust;
DROP INDEX fc2_agent.cust_ix;
CREATE FUNCTION fc2_agent.helper(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$;
SELECT secret FROM fc2_agent.cust ORDER BY id;

-- Attack (reproducer): a nested statement that fails with an error the
-- block catches left no event: what it read was nowhere in the trail.
-- Rule: a failing nested statement is recorded where it fails, before
-- the error unwinds, with what it read (within the nested cap: a failed
-- statement changed nothing).
-- Defence: each caught failure has its nested "failed" event.
RESET ROLE;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc2_mallory;
DO $$ BEGIN BEGIN UPDATE fc2_app.victim SET id = NULL /* f9-failed */ WHERE id = 1; EXCEPTION WHEN others THEN NULL; END; END $$;
DO $$ BEGIN BEGIN PERFORM 1/(id - id) /* f9-div */ FROM fc2_app.users; EXCEPTION WHEN others THEN NULL; END; END $$;
-- Variant: a utility statement caught the same way.
DO $$ BEGIN BEGIN EXECUTE 'CREATE TABLE fc2_app.f9_nope (a int)'; EXCEPTION WHEN others THEN NULL; END; END $$;
RESET ROLE;
SELECT event->>'action' AS action, event->>'nesting_level' AS level, event->>'command_tag' AS tag,
	   event->>'sqlstate' AS sqlstate, event->'relations' AS relations
  FROM governance.audit_log
 WHERE seq > :mark AND (event->>'nested')::bool ORDER BY seq;
SET ROLE fc2_mallory;

-- Attack (reproducer): ~350 control bytes in a leading comment fill the
-- statement text cap (a control byte renders as six); the trail kept
-- only the comment.
-- Rule: what is cut from a long statement is never what it does: long
-- literals and runs of comments and blanks are shortened first, then the
-- head and the tail are kept around an ellipsis; length and SHA-256 of
-- the whole text are recorded.
-- Defence: the UPDATE and its condition are in the trail.
RESET ROLE;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc2_mallory;
SELECT '/*' || repeat(chr(1), 400) || '*/ UPDATE fc2_app.victim SET v = ''f11-hidden'' WHERE id = 9' AS q \gset
:q;
-- Variant: filler before and after.
SELECT '/*' || repeat(chr(1), 400) || '*/ UPDATE fc2_app.victim SET v = ''f11-both'' WHERE id = 9 /*' || repeat(chr(1), 400) || '*/' AS q \gset
:q;
-- Variant: the filler in a literal of a WITH ahead of the write.
SELECT 'WITH j AS (SELECT ''' || repeat('x', 5000) || ''' AS junk) UPDATE fc2_app.victim SET v = ''f11-with'' WHERE id = 9' AS q \gset
:q;
RESET ROLE;
SELECT regexp_replace(event->>'statement', '[\x01]+', '<ctl>', 'g') AS statement,
	   (event->>'statement_length')::int AS length, event->>'statement_sha256' IS NOT NULL AS sha256
  FROM governance.audit_log
 WHERE seq > :mark AND event->>'command_tag' = 'UPDATE' ORDER BY seq;
SET ROLE fc2_mallory;

-- Attack (second round, F3): check('EXECUTE d(0)') judged the generic
-- plan (allow) while EXECUTE ran a custom plan for 0, in which the only
-- clause on the target folds away (deny).
-- Rule: check() judges what EXECUTE may run -- the generic plan and, when
-- its values can be computed without effects, the custom plan for them;
-- the stricter answer wins.
-- Defence: check() says deny, as running it does; other values allow.
BEGIN;
PREPARE fc2_d(int) AS DELETE FROM fc2_app.victim WHERE id = $1 OR $1 = 0;
SELECT governance.check('EXECUTE fc2_d(0)')->>'decision' AS check_for_zero;
SAVEPOINT s;
EXECUTE fc2_d(0);
ROLLBACK TO s;
SELECT governance.check('EXECUTE fc2_d(3)')->>'decision' AS check_for_three;
-- Variant: a value computed by a volatile function is not computed.
SELECT governance.check('EXECUTE fc2_d(random()::int)')->>'decision' AS check_for_volatile;
ROLLBACK;
DEALLOCATE fc2_d;

-- Attack (second round): a deferred constraint checked by SET
-- CONSTRAINTS ... IMMEDIATE inside an exception block: the error the
-- block reads was never scrubbed, as it is raised by a utility statement.
-- Rule: row contents in an error are hidden where the statement ends,
-- utility statements included.
-- Defence: the detail the block reads shows no row contents.
RESET ROLE;
CREATE TABLE fc2_app.dk (id int UNIQUE DEFERRABLE INITIALLY DEFERRED, email text);
INSERT INTO fc2_app.dk VALUES (1, 'amy@example.com'), (2, 'bob@example.com');
SELECT governance.label_column('fc2_app.dk', 'email', 'email');
GRANT SELECT, UPDATE ON fc2_app.dk TO fc2_mallory;
SET ROLE fc2_mallory;
CREATE FUNCTION fc2_agent.deferred_detail() RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
	UPDATE fc2_app.dk SET id = 1 WHERE id = 2;
	BEGIN
		SET CONSTRAINTS ALL IMMEDIATE;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	END;
	RETURN d;
END $$;
BEGIN;
SELECT fc2_agent.deferred_detail() AS caught_deferred_detail;
ROLLBACK;

-- Attack (fourth round, A3): filler made of short tokens (1, 1, 1, ...)
-- was not shortened, so keeping head and tail cut out the middle, where
-- the statement's action was.
-- Rule: a run of tokens repeating one shape keeps its first two
-- repetitions and its last token.
-- Defence: the middle of each statement is in the trail.
RESET ROLE;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc2_mallory;
SELECT 'SELECT 1 AS one FROM (SELECT ARRAY[' || repeat('1,', 1500) || '1] AS a, upper(''a3-middle'') AS b, ARRAY[' || repeat('1,', 1500) || '1] AS c) s' AS q \gset
:q;
SELECT 'SELECT count(*) FROM fc2_app.victim WHERE id IN (' || repeat('1000, ', 1500) || '1000) OR v = ''a3-cond'' OR id = ANY (ARRAY[' || repeat('1000 + 1, ', 1500) || '1])' AS q \gset
:q;
-- Variant (fifth round): a different token of the same kind in the run.
SELECT 'SELECT count(*) FROM fc2_app.victim WHERE id IN (' || repeat('0, ', 900) || '1313, ' || repeat('0, ', 900) || '0) AND abs(1) = 1' AS q \gset
:q;
RESET ROLE;
SELECT left(event->>'statement', 60) AS head,
	   event->>'statement' LIKE '%a3-middle%' OR event->>'statement' LIKE '%a3-cond%' OR
	   event->>'statement' LIKE '%1313%' AS middle_kept,
	   octet_length(event->>'statement') < 400 AS abridged
  FROM governance.audit_log
 WHERE seq > :mark AND event->>'command_tag' = 'SELECT' AND (event->>'statement_length')::int > 5000
 ORDER BY seq;
SET ROLE fc2_mallory;

-- Ninth round: what the trail says of failures inside one statement.
RESET ROLE;
CREATE TABLE fc2_app.noperm (a int);
CREATE TABLE fc2_app.secret (id int);
GRANT SELECT ON fc2_app.secret TO fc2_mallory;
SELECT governance.add_rule('fc2-deny-secret', '{select}', 'deny',
	principals => '{sub:mallory}', objects => '{fc2_app.secret}', priority => 60);
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE fc2_mallory;
SET governance.token = :'tok_mallory';
-- Attack (reproducer): a denial caught by an exception block was blamed
-- for every later failure of the same statement: a permission error, a
-- division by zero and the DO itself were recorded as denied by its rule.
-- Rule: a decision goes with the statement it decided; one rolled back
-- with the subtransaction that caught it blames nothing after.
-- Defence: the denial is recorded with its rule; the later failures and
-- the DO carry no decision.
DO $$ BEGIN
	BEGIN EXECUTE 'SELECT * FROM fc2_app.secret'; EXCEPTION WHEN others THEN NULL; END;
	BEGIN EXECUTE 'TRUNCATE fc2_app.victim'; EXCEPTION WHEN others THEN NULL; END;
	PERFORM 1 / (0 * random())::int;
END $$;
-- Attack (reproducer): a nested statement that failed as its executor
-- started (no privilege on a table), its error caught, left no event, and
-- the table it probed appeared nowhere in the trail.
-- Rule: a nested statement's failure is recorded wherever it fails.
-- Defence: a failed event naming the table.
DO $$ BEGIN
	BEGIN PERFORM * FROM fc2_app.noperm; EXCEPTION WHEN others THEN NULL; END;
END $$;
-- Attack (reproducer): past sixteen nested decisions, the top-level
-- statement's own decision was pushed out and its event had none.
-- Rule: the decision of a statement still running is kept until it ends.
-- Defence: the DO with twenty nested statements has its decision.
DO $$ BEGIN FOR i IN 1 .. 20 LOOP EXECUTE 'SELECT ' || i; END LOOP; END $$;
RESET ROLE;
SELECT (event->>'nested')::bool AS nested, left(event->>'statement', 40) AS statement,
	   event->>'sqlstate' AS sqlstate, event->>'decision' AS decision, event->>'rule' AS rule,
	   event->'relations' AS relations
  FROM governance.audit_log
 WHERE seq > :mark AND event->>'type' = 'statement' AND event->>'action' = 'failed'
 ORDER BY seq;
SELECT left(event->>'statement', 30) AS statement, event->>'decision' AS decision
  FROM governance.audit_log
 WHERE seq > :mark AND event->>'type' = 'statement' AND event->>'action' = 'completed'
   AND NOT (event->>'nested')::bool
 ORDER BY seq;
SELECT governance.drop_rule('fc2-deny-secret');
RESET governance.audit_sync;
SET ROLE fc2_mallory;

RESET ROLE;
DROP SCHEMA fc2_agent CASCADE;
DROP SCHEMA fc2_app CASCADE;
DROP ROLE fc2_mallory;
DROP ROLE fc2_admin;
