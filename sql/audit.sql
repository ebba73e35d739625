--
-- audit: what the trail records for each kind of event.
--
-- Every statement below waits until its event is durable
-- (governance.audit_sync), so the trail can be read back at once.  Events
-- are read for this backend only, from a mark taken at the start.
--
\set tok_alice `test/tools/token sub=alice 'roles=["analyst"]' 'act={"sub":"agent-7"}' jti=audit-1`
\set tok_expired `test/tools/token sub=alice exp=-60`

CREATE EXTENSION governance;
CREATE ROLE auditor LOGIN IN ROLE governance_admin;
CREATE ROLE agent LOGIN;
CREATE TABLE customers (id int PRIMARY KEY, email text, note text);
GRANT SELECT, INSERT, UPDATE ON customers TO agent;
SET governance.audit_sync = on;
SET governance.audit_level = 'all';
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- What this backend recorded since the mark, without times and ids.
CREATE FUNCTION my_events(since bigint)
RETURNS TABLE (type text, action text, nested bool, tag text, statement text,
			   sub text, actor text, relations jsonb, columns jsonb,
			   rows_ text, sqlstate text, detail text)
LANGUAGE sql AS $$
	SELECT type, action, (event->>'nested')::bool, command_tag, statement,
		   sub, actor, event->'relations', event->'columns', event->>'rows',
		   sqlstate, event->>'detail'
	  FROM governance.audit_log
	 WHERE seq > since AND (event->>'pid')::int = pg_backend_pid()
	   AND coalesce(statement, '') NOT LIKE '%my_events%'
	 ORDER BY seq
$$;

-- Statements: text, command tag, relations and columns touched, rows.
INSERT INTO customers VALUES (1, 'ada@example.com', 'vip'), (2, 'alan@example.com', NULL);
SELECT id FROM customers WHERE email = 'ada@example.com';
UPDATE customers SET note = 'gold' WHERE id = 2;
SELECT * FROM my_events(:mark);
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- Relation and column names are cached per backend; renaming a column,
-- the table or its schema shows in the very next statement's event.
CREATE SCHEMA crm;
CREATE TABLE crm.leads (id int, mail text);
SELECT mail FROM crm.leads;
ALTER TABLE crm.leads RENAME COLUMN mail TO email;
SELECT email FROM crm.leads;
ALTER TABLE crm.leads RENAME TO prospects;
SELECT id, email FROM crm.prospects;
ALTER SCHEMA crm RENAME TO sales;
SELECT email FROM sales.prospects;
SELECT statement, relations, columns FROM my_events(:mark) WHERE tag = 'SELECT';
DROP SCHEMA sales CASCADE;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- Nested statements (a DO block, a function) are marked nested.
DO $$ BEGIN PERFORM count(*) FROM customers; END $$;
CREATE FUNCTION count_customers() RETURNS bigint LANGUAGE plpgsql
	AS $$ BEGIN RETURN (SELECT count(*) FROM customers); END $$;
SELECT count_customers();
SELECT * FROM my_events(:mark);
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- Failed statements are recorded with their SQLSTATE, parse errors too.
SELECT 1/0;
INSERT INTO customers VALUES (1, 'dup@example.com', NULL);
SELEC 1;
SELECT * FROM my_events(:mark);
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- Identity events: accepted, refused (with the reason), reset; the
-- statements that set the token are recorded with the token redacted.
SET ROLE agent;
SET governance.token = :'tok_alice';
SELECT count(*) FROM customers;
SET governance.token = :'tok_expired';
RESET governance.token;
RESET ROLE;
SELECT * FROM my_events(:mark);
-- Never a token, anywhere in the trail.
SELECT count(*) AS events_with_a_token FROM governance.audit_log
 WHERE event::text ~ 'eyJ[A-Za-z0-9_-]{8,}\.eyJ';
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- audit_statement = normalized: literals are not recorded.
SET governance.audit_statement = normalized;
SELECT id FROM customers WHERE email = 'grace@example.com' AND id > 40 AND note = E'it''s';
SET governance.audit_statement = none;
SELECT id FROM customers WHERE email = 'ada@example.com';
RESET governance.audit_statement;
SELECT * FROM my_events(:mark);
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset

-- audit_level: ddl records DDL only, write adds writes, none records no
-- statements (identity events are recorded whatever the level).
SET governance.audit_level = ddl;
SELECT 'not recorded at ddl';
CREATE TABLE recorded_at_ddl (a int);
INSERT INTO recorded_at_ddl VALUES (1);
SET governance.audit_level = write;
SELECT 'not recorded at write';
INSERT INTO recorded_at_ddl VALUES (2);
SET governance.audit_level = none;
INSERT INTO recorded_at_ddl VALUES (3);
SET governance.token = :'tok_alice';
RESET governance.token;
SET governance.audit_level = 'all';
SELECT * FROM my_events(:mark);

-- A cursor opened in a subtransaction that is released, and then closed
-- by its parent's abort, never reaches ExecutorEnd; more of them than the
-- table of open queries holds must not stop the session being audited.
DO $$
DECLARE
	c refcursor;
BEGIN
	FOR i IN 1..80 LOOP
		BEGIN
			BEGIN
				OPEN c FOR SELECT 1;
			EXCEPTION WHEN OTHERS THEN NULL;
			END;
			RAISE EXCEPTION 'roll back the cursor';
		EXCEPTION WHEN raise_exception THEN
			c := NULL;
		END;
	END LOOP;
END $$;
SELECT coalesce(max(seq), 0) AS mark FROM governance.audit_log \gset
SELECT 'still audited' AS marker;
SELECT action, statement FROM my_events(:mark);

-- The trail is for admins: ordinary roles can neither read nor verify it.
SET ROLE agent;
SELECT count(*) FROM governance.audit_log;
SELECT * FROM governance.audit_events(now() - interval '1 hour', now(), 'alice');
SELECT * FROM governance.verify_audit();
SELECT * FROM governance.audit_stats();
SET governance.audit_level = none;
SET governance.audit_sync = off;
RESET ROLE;
SET ROLE auditor;
SELECT count(*) > 0 AS admin_reads_trail FROM governance.audit_events(now() - interval '1 hour', NULL, 'alice');
SELECT ok, events > 0 AS has_events FROM governance.verify_audit();
SELECT dropped, lost, sink_errors, worker_pid IS NOT NULL AS worker_running FROM governance.audit_stats();
RESET ROLE;

DROP FUNCTION my_events(bigint);
DROP FUNCTION count_customers();
DROP TABLE customers, recorded_at_ddl;
DROP EXTENSION governance;
DROP ROLE agent;
DROP ROLE auditor;
