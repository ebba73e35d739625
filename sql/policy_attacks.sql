--
-- policy_attacks: a non-superuser tries to get a destructive statement past
-- the guardrails, to use an approval it was not given, to approve its own
-- statement, and to change the policy or the settings it depends on.
--
-- The attacker, mallory, is an ordinary login with a token of its own
-- (sub "mallory") and one of an agent acting for it.  vera approves (a
-- member of governance_approver, and a token with the role "approver");
-- trent is a bystander.  Every attack is stated in a comment with the
-- defence it must meet.
--
-- Denials are shown with their message (SQLSTATE 42501).  A statement held
-- for approval is shown by its SQLSTATE only (VG001): the message carries
-- the request id, an audit sequence number that depends on what ran before.
-- Request ids are read back into psql variables with :last_request.
--

\set tok_mallory `test/tools/token sub=mallory`
\set tok_mallory_agent `test/tools/token sub=mallory 'act={"sub":"agent-9"}'`
\set tok_vera `test/tools/token sub=vera 'roles=["approver"]'`
\set tok_vera_agent `test/tools/token sub=vera 'act={"sub":"agent-7"}' 'roles=["approver"]'`
\set tok_trent `test/tools/token sub=trent`
\set last_request 'SELECT max(request_id) AS rid FROM governance.approval_requests'

CREATE EXTENSION governance;
CREATE ROLE mallory LOGIN;
CREATE ROLE trent LOGIN;
CREATE ROLE vera LOGIN IN ROLE governance_approver;
CREATE ROLE adam LOGIN IN ROLE governance_admin;
SELECT current_user AS superuser \gset
GRANT CREATE ON SCHEMA public TO mallory, vera;

-- The data at risk, owned by the superuser; mallory may change rows.
CREATE TABLE public.orders (id int PRIMARY KEY, customer int, amount int);
INSERT INTO public.orders SELECT g, g % 3, 10 * g FROM generate_series(1, 10) g;
CREATE TABLE public.customers (id int PRIMARY KEY, name text);
INSERT INTO public.customers VALUES (0, 'zero'), (1, 'one'), (2, 'two');
GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders, public.customers TO mallory, trent;
CREATE FUNCTION public.order_count() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.orders $$;

\set VERBOSITY terse

-- The defaults of a fresh CREATE EXTENSION.
SELECT name, priority, principals, environments, operations, effect
  FROM governance.rules ORDER BY priority DESC;

SET ROLE mallory;
SET governance.token = :'tok_mallory';

--
-- 1. A WHERE-less DELETE, however it is wrapped.
--

-- Attack: the plain statement, to see the defence.
-- Defence: denied, 42501, naming the rule.
DELETE FROM orders;

-- Attack: the DELETE inside a data-modifying CTE of a SELECT.
-- Defence: the CTE's write is judged like a statement of its own: denied.
WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone;

-- Attack: the DELETE in a CTE of an INSERT into mallory's own table.
-- Defence: denied.
CREATE TABLE mallory_log (n bigint);
WITH b AS (DELETE FROM orders RETURNING 1)
INSERT INTO mallory_log SELECT count(*) FROM b;

-- Attack: the DELETE in an SQL function (inlined or not).
-- Defence: the function's statement reaches the executor: denied.
CREATE FUNCTION wipe_sql() RETURNS void LANGUAGE sql AS $$ DELETE FROM orders $$;
SELECT wipe_sql();

-- Attack: the DELETE in a PL/pgSQL function, static and dynamic.
-- Defence: denied both ways.
CREATE FUNCTION wipe_plpgsql(dynamic bool) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF dynamic THEN
		EXECUTE 'DELETE FROM ' || 'orders';
	ELSE
		DELETE FROM orders;
	END IF;
END $$;
SELECT wipe_plpgsql(false);
SELECT wipe_plpgsql(true);

-- Attack: swallow the denial in an exception handler and go on, hoping the
-- rows went anyway.
-- Defence: the denial happens before the DELETE runs; nothing is deleted.
DO $$
BEGIN
	DELETE FROM orders;
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'denied and caught';
END $$;
SELECT order_count();

-- Attack: the DELETE in a DO block.
-- Defence: denied.
DO $$ BEGIN DELETE FROM orders; END $$;

-- Attack: the DELETE in a procedure.
-- Defence: denied.
CREATE PROCEDURE wipe_proc() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM orders; END $$;
CALL wipe_proc();

-- Attack: a prepared DELETE, prepared by a superuser (who may run it), then
-- executed by mallory after SET ROLE.
-- Defence: the decision is made each time the plan starts, for whoever
-- runs it then: denied for mallory.
RESET governance.token;
RESET ROLE;
PREPARE su_wipe AS DELETE FROM orders;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
EXECUTE su_wipe;
DEALLOCATE su_wipe;

-- The reverse: prepared by mallory (preparing runs nothing), executed by
-- mallory (denied), then by a superuser (allowed: superusers are trusted;
-- rolled back here).
PREPARE m_wipe AS DELETE FROM orders;
EXECUTE m_wipe;
RESET governance.token;
RESET ROLE;
BEGIN;
EXECUTE m_wipe;
ROLLBACK;
DEALLOCATE m_wipe;
SET ROLE mallory;
SET governance.token = :'tok_mallory';

-- Attack: a rule on mallory's own table that replaces an INSERT with a
-- WHERE-less DELETE of orders.
-- Defence: the rule's action is a statement of its own: denied.
CREATE TABLE mallory_inbox (n int);
CREATE RULE inbox_wipes AS ON INSERT TO mallory_inbox DO INSTEAD DELETE FROM orders;
INSERT INTO mallory_inbox VALUES (1);
DROP RULE inbox_wipes ON mallory_inbox;

-- The same with DO ALSO: the INSERT must not go through either (the whole
-- statement fails).
CREATE RULE inbox_also_wipes AS ON INSERT TO mallory_inbox DO ALSO DELETE FROM orders;
INSERT INTO mallory_inbox VALUES (2);
SELECT count(*) AS inbox_rows FROM mallory_inbox;
DROP RULE inbox_also_wipes ON mallory_inbox;

-- Attack: a trigger on mallory's own table that wipes orders.
-- Defence: the trigger's statement is judged: denied.
CREATE FUNCTION wipe_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN DELETE FROM orders; RETURN NEW; END $$;
CREATE TRIGGER inbox_trigger AFTER INSERT ON mallory_inbox
	FOR EACH ROW EXECUTE FUNCTION wipe_trigger();
INSERT INTO mallory_inbox VALUES (3);
-- A deferred constraint trigger fires at COMMIT, after every statement.
DROP TRIGGER inbox_trigger ON mallory_inbox;
CREATE CONSTRAINT TRIGGER inbox_deferred AFTER INSERT ON mallory_inbox
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wipe_trigger();
BEGIN;
INSERT INTO mallory_inbox VALUES (4);
COMMIT;
DROP TRIGGER inbox_deferred ON mallory_inbox;
SELECT order_count();

-- Attack: an updatable view over orders, made by mallory, deleted from
-- without a WHERE.
-- Defence: the rewriter turns it into a DELETE of orders: denied.
CREATE VIEW my_orders AS SELECT id, amount FROM orders;
DELETE FROM my_orders;
-- A security barrier view, and one WITH CHECK OPTION: the same.
CREATE VIEW my_orders_sb WITH (security_barrier) AS SELECT * FROM orders;
DELETE FROM my_orders_sb;
UPDATE my_orders_sb SET amount = 0;

-- Attack: a cursor over a SELECT that calls a function that deletes.
-- Defence: the SELECT is allowed, the DELETE it runs when fetched is not.
BEGIN;
DECLARE c CURSOR FOR SELECT wipe_sql();
FETCH c;
ROLLBACK;

-- Attack: EXPLAIN ANALYZE runs the statement.
-- Defence: denied; EXPLAIN alone runs nothing and is allowed.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) DELETE FROM orders;
EXPLAIN (COSTS OFF) DELETE FROM orders;
SELECT order_count();

-- Attack: ask governance.check() to "dry run" the DELETE.
-- Defence: it says deny and deletes nothing.
SELECT j->>'decision' AS decision, j->>'rule' AS rule, j->>'reason' AS reason
  FROM governance.check('DELETE FROM orders') AS j;
SELECT order_count();

--
-- 2. WHERE clauses that filter nothing.
--

-- Attack: quals that fold to a constant, a sublink of nothing, a volatile
-- function of nothing, a setting.
-- Defence: none of them refers to the target: each is unfiltered, denied.
DELETE FROM orders WHERE true;
DELETE FROM orders WHERE 1 = 1;
DELETE FROM orders WHERE (SELECT true);
DELETE FROM orders WHERE NOT false;
DELETE FROM orders WHERE coalesce(true, false);
DELETE FROM orders WHERE EXISTS (SELECT 1);
DELETE FROM orders WHERE random() >= 0;
DELETE FROM orders WHERE current_setting('search_path') IS NOT NULL;
UPDATE orders SET amount = 0 WHERE 1 = 1;
UPDATE orders SET amount = 0 WHERE 'a' = 'a' OR false;
-- An SQL function of the target's column that returns true is inlined
-- and folds away.
CREATE FUNCTION always(int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;
DELETE FROM orders WHERE always(id);

-- Attack: a WHERE that only restricts another table.
-- Defence: the condition does not connect orders to it: denied.
DELETE FROM orders USING customers WHERE customers.id = 1;
DELETE FROM orders USING customers WHERE customers.name LIKE '%';
UPDATE orders SET amount = 0 FROM customers;
UPDATE orders SET amount = 0 FROM customers WHERE customers.id > 0;

-- A join condition on the target is a filter; WHERE CURRENT OF too.
BEGIN;
UPDATE orders SET amount = amount + 1 FROM customers WHERE customers.id = orders.customer AND customers.name = 'one';
DECLARE cur CURSOR FOR SELECT * FROM orders ORDER BY id FOR UPDATE;
FETCH cur;
DELETE FROM orders WHERE CURRENT OF cur;
ROLLBACK;

-- Attack: MERGE that matches every row.
-- Defence: MERGE ON true, or ON a condition of the source only, that
-- updates or deletes matched rows is unfiltered: denied.  One that only
-- inserts changes no existing row and is allowed.
MERGE INTO orders o USING customers c ON true WHEN MATCHED THEN DELETE;
MERGE INTO orders o USING customers c ON c.id = 1 WHEN MATCHED THEN UPDATE SET amount = 0;
MERGE INTO orders o USING customers c ON c.id = 1
	WHEN MATCHED THEN DELETE
	WHEN NOT MATCHED THEN INSERT VALUES (100 + c.id, c.id, 0);
MERGE INTO orders o USING (SELECT 1 AS k) s ON true
	WHEN MATCHED AND s.k = 1 THEN DELETE;
BEGIN;
MERGE INTO orders o USING customers c ON o.id = c.id + 100
	WHEN NOT MATCHED THEN INSERT VALUES (100 + c.id, c.id, 0);
MERGE INTO orders o USING customers c ON o.id = c.id WHEN MATCHED THEN UPDATE SET amount = 0;
ROLLBACK;

--
-- 3. Settings and policy tables.
--

-- Attack: leave production by changing the environment, in every way a
-- user can change a setting.
-- Defence: governance.environment is superuser-only: all refused.
SET governance.environment = 'development';
BEGIN;
SET LOCAL governance.environment = 'development';
ROLLBACK;
SELECT set_config('governance.environment', 'development', false);
RESET governance.environment;
ALTER ROLE mallory SET governance.environment = 'development';
CREATE FUNCTION leave_production() RETURNS void LANGUAGE sql
	SET governance.environment = 'development' AS $$ SELECT $$;
-- Nor the settings of approvals.
SET governance.approval_ttl = 2592000;
SET governance.approver_role = 'reader';

-- Attack: edit the rules directly, or through the admin functions.
-- Defence: only governance_admin members may: all refused.
INSERT INTO governance.rules (name, operations, effect) VALUES ('mallory', '{all}', 'allow');
UPDATE governance.rules SET effect = 'allow';
UPDATE governance.rules SET effect = 'allow' WHERE name = 'deny-unfiltered-writes';
DELETE FROM governance.rules WHERE name = 'deny-unfiltered-writes';
TRUNCATE governance.rules;
SELECT governance.add_rule('mallory', '{all}', 'allow', priority => 1000);
SELECT governance.drop_rule('deny-unfiltered-writes');
SELECT governance.apply_policy('{"rules": []}');
SELECT governance.export_policy();

-- Attack: switch off the rules table's triggers, or the whole trigger
-- machinery, to land a rule nobody validated or cached.
-- Defence: only the owner may alter the table; session_replication_role
-- is superuser-only.
ALTER TABLE governance.rules DISABLE TRIGGER rules_check;
ALTER TABLE governance.rules DISABLE TRIGGER ALL;
DROP TRIGGER rules_changed ON governance.rules;
SET session_replication_role = replica;

-- Attack: write an approval for oneself.
-- Defence: nobody but the extension's internals writes governance.approvals.
INSERT INTO governance.approvals VALUES (1, current_database(), 'sub:mallory', NULL, 'DROP TABLE x', 'f', 'r', now(), 'approved', 'sub:vera', NULL, now(), now() + interval '1 day');
UPDATE governance.approvals SET consumed_at = NULL;
UPDATE governance.approvals SET consumed_at = NULL WHERE request_id > 0;
SELECT count(*) FROM governance.approvals;
CREATE FUNCTION fake() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER fake BEFORE UPDATE ON governance.approvals FOR EACH ROW EXECUTE FUNCTION fake();

-- The policy is intact.
RESET governance.token;
RESET ROLE;
SELECT name, effect FROM governance.rules ORDER BY priority DESC;

-- A governance admin may change the policy, but not with a rule that does
-- not compile: it is refused and changes nothing.
SET ROLE adam;
SELECT governance.add_rule('bad', '{delete:destructive}', 'deny');
SELECT governance.add_rule('bad', '{delete}', 'limit_rows');
INSERT INTO governance.rules (name, principals, operations, effect) VALUES ('bad', '{!superuser}', '{all}', 'deny');
SELECT count(*) AS rules FROM governance.rules;
RESET ROLE;

--
-- 4. Row budgets.
--

-- mallory may change at most 3 rows per statement.
SELECT governance.add_rule('mallory-budget', '{write}', 'limit_rows',
						   principals => '{sub:mallory}', max_rows => 3);
SET ROLE mallory;
SET governance.token = :'tok_mallory';

-- Attack: one statement over the budget.
-- Defence: stopped at the 4th row and rolled back.
UPDATE orders SET amount = 0 WHERE id <= 4;
UPDATE orders SET amount = amount WHERE id <= 3;

-- Attack: spread the rows over several data-modifying CTEs of one
-- statement, each within the budget.
-- Defence: the statement's writes share one counter: stopped.
WITH a AS (UPDATE orders SET amount = 0 WHERE id <= 2 RETURNING 1),
	 b AS (UPDATE orders SET amount = 0 WHERE id BETWEEN 5 AND 6 RETURNING 1)
SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) AS changed;

-- Attack: INSERT ... SELECT of many rows; an upsert that updates many.
-- Defence: every row reaching the write counts: stopped.
INSERT INTO orders SELECT g, 0, 0 FROM generate_series(101, 110) g;
INSERT INTO orders SELECT id, customer, 0 FROM orders WHERE id <= 5
	ON CONFLICT (id) DO UPDATE SET amount = 0;

-- Attack: COPY FROM STDIN with more rows than the budget.
-- Defence: COPY is counted when it ends: refused and rolled back.
COPY orders FROM STDIN;
201	0	0
202	0	0
203	0	0
204	0	0
\.
SELECT count(*) AS copied FROM orders WHERE id > 200;

-- Attack: the over-budget statement inside a function.
-- Defence: each statement a function runs has the budget: stopped.
CREATE FUNCTION zero_orders(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN UPDATE orders SET amount = 0 WHERE id <= n; END $$;
SELECT zero_orders(5);

-- Attack: catch the budget error in a handler and keep the rows.
-- Defence: the statement's changes are rolled back all the same.
DO $$
BEGIN
	UPDATE orders SET amount = -1 WHERE id <= 5;
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'over budget and caught';
END $$;
SELECT count(*) AS zeroed FROM orders WHERE amount <= 0;

-- Not counted, by design, and reported: a budget is per statement, so a
-- function that changes one row per call, called for many rows, or a
-- loop of small statements, stays under it; rows deleted by ON DELETE
-- CASCADE are changed by the foreign key's own statements.
RESET governance.token;
RESET ROLE;
SELECT governance.drop_rule('mallory-budget');

--
-- 5. DDL in production: held for approval.
--

-- mallory owns tables it may drop; the environment is production for
-- mallory's logins (a superuser's ALTER ROLE, not a session SET that a
-- RESET ALL would undo).
ALTER ROLE mallory SET governance.environment = 'production';
ALTER ROLE trent SET governance.environment = 'production';
ALTER ROLE vera SET governance.environment = 'production';
SET governance.environment = 'production';
-- Each request is announced by a short-lived background worker; when the
-- statements come faster than the workers end, an announcement may find
-- no free slot and warn (the request itself is recorded).  Warnings are
-- not part of what this suite checks from here on.
ALTER ROLE mallory SET client_min_messages = error;
ALTER ROLE trent SET client_min_messages = error;
ALTER ROLE vera SET client_min_messages = error;
SET client_min_messages = error;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
CREATE TABLE victim (id int, note text);
CREATE TABLE victim2 (id int);
CREATE TABLE victim3 (id int);
INSERT INTO victim VALUES (1, 'keep me');
CREATE FUNCTION truncate_victim() RETURNS void LANGUAGE plpgsql AS $$
BEGIN TRUNCATE victim; END $$;
CREATE FUNCTION drop_dynamic(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN EXECUTE format('DROP TABLE %I', t); END $$;
\set VERBOSITY sqlstate

-- Attack: TRUNCATE, DROP and destructive ALTERs, directly and through
-- functions, DO blocks and dynamic SQL.
-- Defence: each is held for approval (VG001).
TRUNCATE victim;
SELECT truncate_victim();
DROP TABLE victim;
SELECT drop_dynamic('victim');
DO $$ BEGIN EXECUTE 'DROP TABLE victim'; END $$;
ALTER TABLE victim DROP COLUMN note;
ALTER TABLE victim ALTER COLUMN id TYPE bigint;
ALTER TABLE victim ADD COLUMN extra int, DROP COLUMN note;
ALTER TABLE victim SET UNLOGGED;
DROP SCHEMA public CASCADE;
DROP OWNED BY mallory;
\set VERBOSITY terse
-- Non-destructive DDL is not held.
ALTER TABLE victim ADD COLUMN added int;
SELECT * FROM victim;

-- Attack: leave production with RESET ALL or DISCARD ALL in a session
-- whose environment came from the role's settings.
-- Defence: those return settings to what the role's login set: still
-- production.
RESET governance.token;
RESET ROLE;
\c - mallory
RESET ALL;
DISCARD ALL;
SHOW governance.environment;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
DROP TABLE victim;
\set VERBOSITY terse
\c - :superuser
SET governance.environment = 'production';
SET client_min_messages = error;

--
-- 6. Approvals.
--

-- mallory's request to drop victim.
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
DROP TABLE victim;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset req_
SELECT requester, statement, rule, action, status
  FROM governance.approval_requests WHERE request_id = :req_rid;

-- Attack: mallory approves its own request.
-- Defence: mallory is no approver.
SET ROLE mallory;
SET governance.token = :'tok_mallory';
SELECT governance.approve(:req_rid, 'looks fine to me');

-- Attack: an agent with the approver role approves.
-- Defence: agents (tokens with an act claim) never approve.
SET governance.token = :'tok_vera_agent';
SELECT governance.approve(:req_rid, 'the agent agrees');

-- Attack: approve a request that does not exist, or an audit event that is
-- not a request.
-- Defence: refused.
RESET governance.token;
RESET ROLE;
SET ROLE vera;
SET governance.token = :'tok_vera';
SELECT governance.approve(-1, 'x');
SELECT governance.approve(9223372036854775807, 'x');
SELECT governance.approve(1, 'x');

-- vera approves mallory's request.
SELECT governance.approve(:req_rid, 'victim may go');

-- Attack: decide it twice, or deny it after the approval.
-- Defence: refused: already decided (55000).
\set VERBOSITY sqlstate
SELECT governance.approve(:req_rid, 'again');
SELECT governance.deny(:req_rid, 'changed my mind');
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;

-- Attack: another person, and mallory's own agent, use mallory's approval.
-- Defence: an approval is bound to the requester (subject and actor):
-- each is held (and raises its own request).
SET ROLE trent;
SET governance.token = :'tok_trent';
\set VERBOSITY sqlstate
DROP TABLE victim;
SET ROLE mallory;
SET governance.token = :'tok_mallory_agent';
DROP TABLE victim;

-- Attack: use the approval for a different statement.
-- Defence: CASCADE, IF EXISTS, another table: each changes the
-- fingerprint and is held.
SET governance.token = :'tok_mallory';
DROP TABLE victim CASCADE;
DROP TABLE IF EXISTS victim;
DROP TABLE victim2;
DROP TABLE victim, victim2;
TRUNCATE victim;

-- Attack: fail the statement after the approval was used, hoping the
-- approval is gone or the table too.
-- Defence: a statement that fails keeps its approval unused (the use rolls
-- back with it), and so does a rolled-back transaction.
\set VERBOSITY terse
CREATE VIEW victim_view AS SELECT id FROM victim;
DROP TABLE victim;
CREATE OR REPLACE VIEW victim_view AS SELECT 1 AS id;
BEGIN;
DROP TABLE victim;
ROLLBACK;
SELECT count(*) AS victim_left FROM pg_tables WHERE tablename = 'victim';

-- The approved statement, written with other whitespace, case and
-- comments, is the same statement: it runs, once.
dRoP   /* approved */ table
	VICTIM   -- by vera
;
SELECT count(*) AS victim_left FROM pg_tables WHERE tablename = 'victim';

-- Attack: replay the approval on a new table of the same name.
-- Defence: an approval is single-use: held again.
CREATE TABLE victim (id int);
\set VERBOSITY sqlstate
DROP TABLE victim;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
SELECT status, decided_by, consumed_at IS NOT NULL AS used
  FROM governance.approval_requests WHERE request_id = :req_rid;

-- Attack: self-approval by an approver: vera raises a request and
-- approves it, with her token and with her database role.
-- Defence: nobody decides their own request.
SET ROLE vera;
SET governance.token = :'tok_vera';
CREATE TABLE vera_table (id int);
\set VERBOSITY sqlstate
DROP TABLE vera_table;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset vera_
SET ROLE vera;
SET governance.token = :'tok_vera';
SELECT governance.approve(:vera_rid, 'mine');
SELECT governance.deny(:vera_rid, 'mine');
RESET governance.token;
RESET ROLE;
\c - vera
\set VERBOSITY sqlstate
CREATE TABLE vera_db_table (id int);
DROP TABLE vera_db_table;
\set VERBOSITY terse
\c - :superuser
SET client_min_messages = error;
:last_request \gset veradb_
\c - vera
SELECT governance.approve(:veradb_rid, 'mine too');
\c - :superuser
SET governance.environment = 'production';
SET client_min_messages = error;

-- Attack: a denied request, retried.
-- Defence: the retry is refused (42501; the message names who denied it
-- and why).
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
DROP TABLE victim2;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset deny_
SET ROLE vera;
SET governance.token = :'tok_vera';
SELECT governance.deny(:deny_rid, 'victim2 stays');
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
DROP TABLE victim2;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;

-- Attack: subvert the extension's internal queries with look-alikes on
-- the search path: an = for text that is always true and a now() in the
-- distant past, found before pg_catalog.  If the approval lookup used
-- them, the approval of trent's statement below (or any at all) would
-- serve mallory.
-- Defence: the internal queries pin search_path to pg_catalog: held.
SET ROLE trent;
SET governance.token = :'tok_trent';
\set VERBOSITY sqlstate
DROP TABLE victim3;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset trent_
SET ROLE vera;
SET governance.token = :'tok_vera';
SELECT governance.approve(:trent_rid, 'for trent');
SET ROLE mallory;
SET governance.token = :'tok_mallory';
CREATE FUNCTION public.always_eq(text, text) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.always_eq);
CREATE FUNCTION public.now() RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT '2000-01-01'::timestamptz $$;
SET search_path = public, pg_catalog;
SELECT 'a' = 'b' AS hijacked_equals;
\set VERBOSITY sqlstate
DROP TABLE victim3;
\set VERBOSITY terse
RESET search_path;
RESET governance.token;
RESET ROLE;
DROP OPERATOR public.= (text, text);
DROP FUNCTION public.always_eq(text, text);
DROP FUNCTION public.now();
DROP FUNCTION public.clock_timestamp();
SELECT status FROM governance.approval_requests WHERE request_id = :trent_rid;

-- Attack: a request decided after it expired, and an approval used after
-- it expired (also from a transaction begun while it was still valid).
-- Defence: each is refused or held again.
SET governance.approval_ttl = 1;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
DROP TABLE victim3;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset late_
SELECT pg_sleep(1.2);
\set VERBOSITY sqlstate
SET governance.token = :'tok_vera';
SELECT governance.approve(:late_rid, 'too late');
RESET governance.token;
\set VERBOSITY terse
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
TRUNCATE victim3;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset exp_
SET governance.token = :'tok_vera';
SELECT governance.approve(:exp_rid, 'for one second');
RESET governance.token;
SELECT pg_sleep(1.2);
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
TRUNCATE victim3;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset open_
SET governance.token = :'tok_vera';
SELECT governance.approve(:open_rid, 'for one second');
RESET governance.token;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
BEGIN;
SELECT pg_sleep(1.2);
\set VERBOSITY sqlstate
TRUNCATE victim3;
\set VERBOSITY terse
ROLLBACK;
RESET governance.token;
RESET ROLE;
RESET governance.approval_ttl;
SELECT request_id = :exp_rid AS first, status
  FROM governance.approval_requests
 WHERE request_id IN (:exp_rid, :open_rid) ORDER BY request_id;

-- Attack: approve a request of this database from another database, where
-- vera is an approver too.
-- Defence: a request is decided only in its own database.
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
ALTER TABLE victim3 DROP COLUMN id;
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset xdb_
SELECT current_database() AS home_db \gset
CREATE DATABASE policy_attacks_other;
\c policy_attacks_other
SET client_min_messages = error;
CREATE EXTENSION governance;
SET ROLE vera;
SET governance.token = :'tok_vera';
\set VERBOSITY sqlstate
SELECT governance.approve(:xdb_rid, 'from elsewhere');
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
DROP EXTENSION governance;
\c :home_db
SET client_min_messages = error;
DROP DATABASE policy_attacks_other;
SELECT status FROM governance.approval_requests WHERE request_id = :xdb_rid;

-- Attack: an approval for DROP TABLE x under one search_path, used under
-- another to drop a different table of the same name.
-- Defence: an approval is bound to the relations the statement resolves
-- to, not only to its text.
SET governance.environment = 'production';
CREATE SCHEMA sa;
CREATE SCHEMA sb;
CREATE TABLE sa.x (id int);
CREATE TABLE sb.x (id int);
GRANT USAGE, CREATE ON SCHEMA sa, sb TO mallory;
ALTER TABLE sa.x OWNER TO mallory;
ALTER TABLE sb.x OWNER TO mallory;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
SET search_path = sa;
\set VERBOSITY sqlstate
DROP TABLE x;
\set VERBOSITY terse
RESET search_path;
RESET governance.token;
RESET ROLE;
:last_request \gset sp_
SET governance.token = :'tok_vera';
SELECT governance.approve(:sp_rid, 'sa.x only');
RESET governance.token;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
SET search_path = sb;
\set VERBOSITY sqlstate
DROP TABLE x;
\set VERBOSITY terse
SELECT to_regclass('sb.x') IS NOT NULL AS sb_x_kept;
SET search_path = sa;
DROP TABLE x;
RESET search_path;
RESET governance.token;
RESET ROLE;
SELECT to_regclass('sa.x') IS NULL AS sa_x_dropped, to_regclass('sb.x') IS NOT NULL AS sb_x_kept;

-- Attack: a prepared DELETE approved for one parameter value, executed
-- with another.
-- Defence: an approval is bound to the parameter values, which the
-- approver sees.
CREATE TABLE public.acct (id int PRIMARY KEY);
INSERT INTO public.acct SELECT generate_series(1, 10);
GRANT ALL ON public.acct TO mallory;
SET ROLE adam;
SELECT governance.add_rule('approve-acct-deletes', '{delete}', 'require_approval',
	objects => '{public.acct}', priority => 95);
RESET ROLE;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
PREPARE del_acct(int) AS DELETE FROM public.acct WHERE id = $1;
\set VERBOSITY sqlstate
EXECUTE del_acct(1);
\set VERBOSITY terse
RESET governance.token;
RESET ROLE;
:last_request \gset prm_
SELECT statement, parameters FROM governance.approval_requests WHERE request_id = :prm_rid;
SET governance.token = :'tok_vera';
SELECT governance.approve(:prm_rid, 'row 1 only');
RESET governance.token;
SET ROLE mallory;
SET governance.token = :'tok_mallory';
\set VERBOSITY sqlstate
EXECUTE del_acct(5);
\set VERBOSITY terse
EXECUTE del_acct(1);
DEALLOCATE del_acct;
RESET governance.token;
RESET ROLE;
SELECT array_agg(id ORDER BY id) AS left_in_acct FROM public.acct;
SET ROLE adam;
SELECT governance.drop_rule('approve-acct-deletes');
RESET ROLE;

-- Attack: escape a row budget through ON DELETE CASCADE (the cascade runs
-- as the table owner, in statements of its own).
-- Defence: rows changed by what a statement sets off count toward its
-- budget.
CREATE TABLE public.parent (id int PRIMARY KEY);
CREATE TABLE public.child (pid int REFERENCES public.parent ON DELETE CASCADE);
INSERT INTO public.parent VALUES (1), (2);
INSERT INTO public.child SELECT 1 FROM generate_series(1, 50);
GRANT ALL ON public.parent, public.child TO mallory;
SET ROLE adam;
SELECT governance.add_rule('mallory-small-writes', '{write}', 'limit_rows',
	principals => '{db:mallory}', max_rows => 5, priority => 96);
RESET ROLE;
SET ROLE mallory;
DELETE FROM public.parent WHERE id = 1;
DELETE FROM public.parent WHERE id = 2;
RESET ROLE;
SELECT count(*) AS children_kept FROM public.child;
SET ROLE adam;
SELECT governance.drop_rule('mallory-small-writes');
RESET ROLE;

-- Attack: escape a rule that names one table by truncating the table it
-- references with CASCADE, or by dropping its schema with CASCADE.
-- Defence: the tables a cascade reaches are actions of the statement.
CREATE SCHEMA cs AUTHORIZATION mallory;
CREATE TABLE cs.kept (a int);
ALTER TABLE cs.kept OWNER TO mallory;
SET ROLE adam;
SELECT governance.add_rule('keep-these', '{truncate,drop}', 'deny',
	objects => '{public.child,cs.kept}', priority => 97);
RESET ROLE;
SET ROLE mallory;
\set VERBOSITY sqlstate
TRUNCATE public.parent CASCADE;
DROP SCHEMA cs CASCADE;
\set VERBOSITY terse
RESET ROLE;
SELECT count(*) AS children_kept FROM public.child;
SELECT to_regclass('cs.kept') IS NOT NULL AS kept_kept;
SET ROLE adam;
SELECT governance.drop_rule('keep-these');
RESET ROLE;

-- Attack: an agent whose database role is an approver raises a request,
-- drops its token and approves it as that role.
-- Defence: deciding without a token, the login a request came from is the
-- requester.
CREATE ROLE agentx LOGIN IN ROLE governance_approver;
GRANT CREATE ON SCHEMA public TO agentx;
SET SESSION AUTHORIZATION agentx;
SET governance.token = :'tok_mallory_agent';
CREATE TABLE public.ax (a int);
\set VERBOSITY sqlstate
DROP TABLE public.ax;
\set VERBOSITY terse
RESET governance.token;
RESET SESSION AUTHORIZATION;
:last_request \gset ax_
SET SESSION AUTHORIZATION agentx;
\set VERBOSITY sqlstate
SELECT governance.approve(:ax_rid, 'my own');
\set VERBOSITY terse
RESET SESSION AUTHORIZATION;
SELECT status FROM governance.approval_requests WHERE request_id = :ax_rid;
DROP TABLE public.ax;
REVOKE CREATE ON SCHEMA public FROM agentx;
DROP ROLE agentx;

-- Not an attack: writes that are filtered must not be refused.  WHERE
-- false changes nothing; a view with an INSTEAD OF trigger is filtered by
-- conditions on what it reads.
CREATE VIEW public.acct_view AS SELECT id FROM public.acct;
CREATE FUNCTION public.acct_view_delete() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN DELETE FROM public.acct WHERE id = OLD.id; RETURN OLD; END $$;
CREATE TRIGGER acct_view_delete INSTEAD OF DELETE ON public.acct_view
	FOR EACH ROW EXECUTE FUNCTION public.acct_view_delete();
GRANT ALL ON public.acct_view TO mallory;
SET ROLE mallory;
DELETE FROM public.acct WHERE false;
DELETE FROM public.acct_view WHERE id = 3;
\set VERBOSITY sqlstate
DELETE FROM public.acct_view;
\set VERBOSITY terse
RESET ROLE;
SELECT array_agg(id ORDER BY id) AS left_in_acct FROM public.acct;
DROP VIEW public.acct_view;
DROP FUNCTION public.acct_view_delete();
DROP TABLE public.acct, public.child, public.parent;
DROP SCHEMA sa, sb, cs CASCADE;

-- Attack: create a relation where creating is denied, through EXPLAIN
-- ANALYZE of CREATE TABLE AS (which does not pass ProcessUtility again).
-- Defence: the CREATE inside EXPLAIN is judged.
SET ROLE adam;
SELECT governance.add_rule('mallory-creates-nothing', '{create}', 'deny',
	principals => '{db:mallory}', priority => 98);
RESET ROLE;
GRANT CREATE ON SCHEMA public TO mallory;
SET ROLE mallory;
\set VERBOSITY sqlstate
CREATE TABLE public.made AS SELECT 1 AS a;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) CREATE TABLE public.made AS SELECT 1 AS a;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT 1 AS a INTO public.made;
\set VERBOSITY terse
RESET ROLE;
SELECT to_regclass('public.made') IS NULL AS nothing_made;
SET ROLE adam;
SELECT governance.drop_rule('mallory-creates-nothing');
RESET ROLE;

-- Attack: grant what GRANT may not, as an element of CREATE SCHEMA; move
-- a table out of reach of a rule that names it with SET SCHEMA, then drop
-- it there.
-- Defence: the elements of CREATE SCHEMA are judged like statements; SET
-- SCHEMA and RENAME are judged under the old name and the new.
CREATE TABLE public.mine (a int);
ALTER TABLE public.mine OWNER TO mallory;
CREATE SCHEMA scratch AUTHORIZATION mallory;
SET ROLE adam;
SELECT governance.add_rule('mallory-grants-nothing', '{grant}', 'deny',
	principals => '{db:mallory}', priority => 98);
SELECT governance.add_rule('keep-public', '{drop,alter}', 'deny',
	principals => '{db:mallory}', objects => '{public.*}', priority => 99);
RESET ROLE;
SET ROLE mallory;
\set VERBOSITY sqlstate
GRANT SELECT ON public.mine TO PUBLIC;
CREATE SCHEMA s5 GRANT SELECT ON public.mine TO PUBLIC;
ALTER TABLE public.mine SET SCHEMA scratch;
ALTER TABLE public.mine RENAME TO theirs;
\set VERBOSITY terse
RESET ROLE;
SELECT to_regclass('public.mine') IS NOT NULL AS mine_stays, to_regnamespace('s5') IS NULL AS no_s5,
	   has_table_privilege('public', 'public.mine', 'SELECT') AS granted;
SET ROLE adam;
SELECT governance.drop_rule('mallory-grants-nothing');
SELECT governance.drop_rule('keep-public');
RESET ROLE;
DROP TABLE public.mine;
DROP SCHEMA scratch;
REVOKE CREATE ON SCHEMA public FROM mallory;

-- Attack: probe the policy without a trace by catching the denial in an
-- exception handler.
-- Defence: a denied statement inside another is recorded when it is
-- denied, whatever the audit level.
SET governance.audit_level = 'none';
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET ROLE mallory;
DO $$
BEGIN
	DELETE FROM public.orders;
EXCEPTION WHEN insufficient_privilege THEN
	NULL;
END
$$;
RESET ROLE;
SELECT action, statement, event->>'decision' AS decision, event->>'rule' AS rule,
	   (event->>'nested')::bool AS nested, sqlstate
  FROM governance.audit_log
 WHERE seq > :mark AND type = 'statement' AND sqlstate IS NOT NULL;
RESET governance.audit_sync;
RESET governance.audit_level;

-- Attack: in a database without the extension, plant a schema named
-- governance with a deny-everything rules table, to lock out even the
-- superuser.
-- Defence: the policy is the extension's, found through the extension.
SELECT current_database() AS home_db \gset
CREATE DATABASE policy_attacks_planted OWNER mallory;
\c policy_attacks_planted
SET ROLE mallory;
CREATE SCHEMA governance;
CREATE TABLE governance.rules (name text, priority int, principals text[],
	environments text[], operations text[], objects text[], effect text,
	max_rows bigint, description text);
INSERT INTO governance.rules VALUES ('lockout', 1000, '{any}', NULL, '{all}', NULL, 'deny', NULL, NULL);
RESET ROLE;
SELECT count(*) AS superuser_still_reads FROM pg_class WHERE relname = 'rules';
DROP SCHEMA governance CASCADE;
\c :home_db
DROP DATABASE policy_attacks_planted;

-- Clean up.
RESET governance.environment;
DROP OWNED BY mallory, trent, vera, adam;
DROP TABLE public.orders, public.customers CASCADE;
DROP EXTENSION governance;
DROP ROLE mallory;
DROP ROLE trent;
DROP ROLE vera;
DROP ROLE adam;
