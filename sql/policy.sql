--
-- policy: the rules, their vocabulary, and how statements are decided.
--
-- Every statement is judged from its plan (what the executor is about to
-- do) or, for utility statements, from its parse tree.  governance.check()
-- shows a decision without running the statement.
--
\set tok_alice `test/tools/token sub=alice 'roles=["analyst"]'`
\set tok_agent `test/tools/token sub=alice 'act={"sub":"agent-7"}'`

CREATE EXTENSION governance;
CREATE ROLE agent LOGIN;
CREATE ROLE policy_admin LOGIN IN ROLE governance_admin;
CREATE SCHEMA hr;
CREATE TABLE orders (id int PRIMARY KEY, customer int, status text);
CREATE TABLE customers (id int PRIMARY KEY, active bool);
CREATE TABLE hr.salaries (id int PRIMARY KEY, amount int);
INSERT INTO orders SELECT g, g % 10, 'open' FROM generate_series(1, 100) g;
INSERT INTO customers SELECT g, g % 2 = 0 FROM generate_series(0, 9) g;
INSERT INTO hr.salaries VALUES (1, 100);
GRANT ALL ON orders, customers TO agent;
GRANT USAGE ON SCHEMA hr TO agent;
GRANT ALL ON hr.salaries TO agent;
GRANT CREATE ON SCHEMA public TO agent;

-- What a fresh CREATE EXTENSION enforces.
SELECT name, priority, principals, environments, operations, effect
  FROM governance.rules ORDER BY priority DESC;

-- The decision on a statement, without its fingerprint.
CREATE FUNCTION decide(stmt text) RETURNS TABLE (decision text, rule text, reason text, actions jsonb)
LANGUAGE sql AS $$
	SELECT c->>'decision', c->>'rule', c->>'reason', c->'statements'->0->'actions'
	  FROM governance.check(stmt) AS c
$$;
GRANT EXECUTE ON FUNCTION decide(text) TO PUBLIC;

-- Writes without an effective WHERE are denied to non-superusers.
SET ROLE agent;
DELETE FROM orders;
UPDATE orders SET status = 'closed';
DELETE FROM orders WHERE true;
DELETE FROM orders WHERE 1 = 1;
DELETE FROM orders WHERE NOT false AND coalesce(null, true);
-- A condition that does not mention the target filters nothing.
DELETE FROM orders WHERE (SELECT true);
DELETE FROM orders USING customers WHERE customers.active;
UPDATE orders SET status = 'x' FROM customers;
-- A modifying CTE is a write like any other.
WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone;
-- MERGE: an ON condition that does not tie the target to the source.
MERGE INTO orders o USING customers c ON true WHEN MATCHED THEN DELETE;
MERGE INTO orders o USING customers c ON c.active
	WHEN MATCHED THEN UPDATE SET status = 'm'
	WHEN NOT MATCHED THEN INSERT VALUES (c.id + 1000, c.id, 'new');
-- The same statements with real filters run.
DELETE FROM orders WHERE id = 100;
UPDATE orders SET status = 'closed' WHERE customer = 3;
DELETE FROM orders USING customers
 WHERE orders.customer = customers.id AND customers.id = 9 AND orders.id > 95;
DELETE FROM orders WHERE id IN (SELECT id FROM customers WHERE id = 0);
MERGE INTO orders o USING customers c ON o.id = c.id + 200 WHEN MATCHED THEN DELETE;
MERGE INTO orders o USING customers c ON c.id = 1
	WHEN MATCHED AND o.status = 'gone' THEN DELETE;
-- An insert-only MERGE changes no existing row.
MERGE INTO orders o USING customers c ON false WHEN NOT MATCHED THEN INSERT VALUES (c.id + 500, c.id, 'new');
SELECT count(*) FROM orders;
RESET ROLE;

-- Superusers are not covered by the default rule.
BEGIN;
DELETE FROM customers;
ROLLBACK;

-- check(): the decision, the rule, the reason and the actions.
SET ROLE agent;
SELECT * FROM decide('DELETE FROM orders');
SELECT * FROM decide('delete   from ORDERS where id = 3');
SELECT * FROM decide('SELECT * FROM orders o JOIN customers c ON c.id = o.customer');
SELECT * FROM decide('TRUNCATE orders');
SELECT * FROM decide('CREATE TABLE scratch (a int)');
SELECT * FROM decide('ALTER TABLE orders DROP COLUMN status');
SELECT * FROM decide('ALTER TABLE orders ADD COLUMN note text');
SELECT * FROM decide('GRANT SELECT ON orders TO PUBLIC');
SELECT * FROM decide('COPY orders TO STDOUT');
SELECT * FROM decide('DROP TABLE orders, hr.salaries');
-- Changing the token is never judged, so no policy can lock a session in.
SELECT * FROM decide('SET governance.token = ''x''');
-- Several statements: the most restrictive decides.
SELECT c->>'decision' AS decision, jsonb_array_length(c->'statements') AS statements
  FROM governance.check('SELECT 1; DELETE FROM orders; SELECT 2') AS c;
-- check() runs nothing.
SELECT count(*) FROM orders;
SELECT governance.check('SELEC 1');
RESET ROLE;

-- Only administrators change the policy.
SET ROLE agent;
SELECT governance.add_rule('mine', '{all}', 'allow', priority => 1000);
INSERT INTO governance.rules (name, operations, effect) VALUES ('mine', '{all}', 'allow');
DELETE FROM governance.rules;
RESET ROLE;

SET ROLE policy_admin;
-- Reads of hr.* by the agent role are denied; writes of orders by tokens
-- are limited to 5 rows; alice may do anything but the default rule.
SELECT governance.add_rule('deny-hr-reads', '{read}', 'deny',
	principals => '{db:agent}', objects => '{hr.*}', priority => 50,
	description => 'Salaries are for HR.');
SELECT governance.add_rule('limit-token-writes', '{write}', 'limit_rows',
	principals => '{token}', objects => '{public.orders}', max_rows => 5, priority => 40);
SELECT governance.add_rule('staging-only-create', '{create}', 'deny',
	principals => '{any,!superuser}', environments => '{production}', priority => 30);
-- Invalid rules are refused and change nothing.
SELECT governance.add_rule('bad name!', '{select}', 'deny');
SELECT governance.add_rule('bad', '{selec}', 'deny');
SELECT governance.add_rule('bad', '{select:unfiltered}', 'deny');
SELECT governance.add_rule('bad', '{create:destructive}', 'deny');
SELECT governance.add_rule('bad', '{select}', 'maybe');
SELECT governance.add_rule('bad', '{select}', 'deny', principals => '{root}');
SELECT governance.add_rule('bad', '{select}', 'deny', principals => '{!token}');
SELECT governance.add_rule('bad', '{select}', 'deny', principals => '{sub:}');
SELECT governance.add_rule('bad', '{select}', 'deny', objects => '{orders}');
SELECT governance.add_rule('bad', '{select}', 'deny', environments => '{}');
SELECT governance.add_rule('bad', '{write}', 'limit_rows');
SELECT governance.add_rule('bad', '{select}', 'limit_rows', max_rows => 3);
SELECT governance.add_rule('bad', '{select}', 'deny', max_rows => 3);
SELECT governance.add_rule('deny-hr-reads', '{select}', 'deny');
SELECT governance.drop_rule('no-such-rule');
SELECT count(*) AS rules FROM governance.rules;
RESET ROLE;

-- Objects: schema.table globs.
SET ROLE agent;
SELECT * FROM hr.salaries;
SELECT count(*) FROM orders;
-- A view does not hide what it reads.
RESET ROLE;
CREATE VIEW salary_view AS SELECT * FROM hr.salaries;
GRANT SELECT ON salary_view TO agent;
SET ROLE agent;
SELECT * FROM salary_view;
-- Nor does a function.
RESET ROLE;
CREATE FUNCTION total_salaries() RETURNS bigint LANGUAGE sql
	AS 'SELECT sum(amount) FROM hr.salaries';
SET ROLE agent;
SELECT total_salaries();

-- Row budgets: the statement stops when one row too many would change.
SET governance.token = :'tok_alice';
UPDATE orders SET status = 'five' WHERE id <= 5;
UPDATE orders SET status = 'six' WHERE id <= 6;
SELECT count(*) FILTER (WHERE status = 'five') AS five,
	   count(*) FILTER (WHERE status = 'six') AS six FROM orders;
-- Counted across the writes of one statement.
WITH a AS (UPDATE orders SET status = 'a' WHERE id <= 3 RETURNING 1),
	 b AS (UPDATE orders SET status = 'b' WHERE id BETWEEN 10 AND 12 RETURNING 1)
SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b);
INSERT INTO orders SELECT g, 0, 'bulk' FROM generate_series(2000, 2009) g;
COPY orders FROM STDIN;
3001	1	copy
3002	1	copy
3003	1	copy
3004	1	copy
3005	1	copy
3006	1	copy
\.
SELECT count(*) AS rows_over_2000 FROM orders WHERE id >= 2000;
-- A budget names its rule.
SELECT * FROM decide('UPDATE orders SET status = $$x$$ WHERE id < 50');
RESET governance.token;
RESET ROLE;

-- Environments: a rule for production applies only there.
SET ROLE agent;
CREATE TABLE scratch (a int);
DROP TABLE scratch;
RESET ROLE;
SET governance.environment = 'production';
SET ROLE agent;
CREATE TABLE scratch (a int);
SET governance.environment = 'staging';
RESET ROLE;
RESET governance.environment;

-- Priority: the highest-priority matching rule decides.
SET ROLE policy_admin;
SELECT governance.add_rule('allow-hr-for-alice', '{read}', 'allow',
	principals => '{sub:alice}', objects => '{hr.*}', priority => 60);
RESET ROLE;
SET ROLE agent;
SELECT * FROM decide('SELECT * FROM hr.salaries');
SET governance.token = :'tok_alice';
SELECT * FROM decide('SELECT * FROM hr.salaries');
SELECT amount FROM hr.salaries;
-- "agent" matches tokens that name an actor.
SET governance.token = :'tok_agent';
RESET ROLE;
SET ROLE policy_admin;
SELECT governance.add_rule('agents-read-only', '{write,ddl}', 'deny',
	principals => '{agent}', priority => 70);
RESET ROLE;
SET ROLE agent;
SELECT * FROM decide('INSERT INTO orders VALUES (9999, 1, $$x$$)');
RESET governance.token;
SELECT * FROM decide('INSERT INTO orders VALUES (9999, 1, $$x$$)');
RESET ROLE;

-- Policy as code: export, apply, round trip; an invalid document changes
-- nothing.
SET ROLE policy_admin;
SELECT governance.export_policy() AS policy \gset
SELECT jsonb_array_length(:'policy'::jsonb->'rules') AS rules;
SELECT governance.apply_policy('{"rules": [{"name": "x", "operations": ["select"], "effect": "deny", "colour": "red"}]}');
SELECT governance.apply_policy('{"rules": [{"name": "x", "operations": "select", "effect": "deny"}]}');
SELECT governance.apply_policy('{"rules": [{"name": "x", "operations": ["select"], "effect": "deny"}, {"name": "x", "operations": ["select"], "effect": "allow"}]}');
SELECT governance.apply_policy('{"rules": [{"name": "ok", "operations": ["select"], "effect": "deny", "principals": ["db:nobody"]}, {"name": "broken", "operations": ["select"], "effect": "deny", "principals": ["nobody"]}]}');
SELECT governance.apply_policy('[]');
SELECT governance.apply_policy('{"policy": []}');
SELECT governance.export_policy() = :'policy'::jsonb AS unchanged;
SELECT governance.apply_policy('{"rules": [{"name": "only", "operations": ["truncate"], "effect": "deny"}]}');
SELECT name, principals FROM governance.rules;
SELECT governance.apply_policy(:'policy');
SELECT name FROM governance.rules ORDER BY priority DESC;
SELECT governance.export_policy() = :'policy'::jsonb AS round_trip;
RESET ROLE;

-- Every decision is in the audit trail: the statement events carry the
-- decision and the rule, denials included (whatever audit_level says),
-- and policy changes are events of their own.
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SET governance.audit_level = 'none';
SET ROLE agent;
DELETE FROM orders;
SELECT * FROM hr.salaries;
RESET ROLE;
SET governance.audit_level = 'all';
SET ROLE agent;
DELETE FROM orders WHERE id = 99;
SET governance.token = :'tok_alice';
UPDATE orders SET status = 'z' WHERE id <= 8;
RESET governance.token;
RESET ROLE;
SET ROLE policy_admin;
SELECT governance.drop_rule('agents-read-only');
RESET ROLE;
SELECT type, action, statement, event->>'decision' AS decision, event->>'rule' AS rule,
	   event->>'policy_action' AS policy_action, sqlstate
  FROM governance.audit_log
 WHERE seq > :mark AND (event->>'pid')::int = pg_backend_pid()
   AND (event ? 'decision' OR type = 'policy')
 ORDER BY seq;

DROP FUNCTION decide(text);
DROP FUNCTION total_salaries();
DROP VIEW salary_view;
DROP TABLE orders, customers, hr.salaries;
DROP SCHEMA hr;
DROP EXTENSION governance;
REVOKE CREATE ON SCHEMA public FROM agent;
DROP ROLE agent;
DROP ROLE policy_admin;
