--
-- mask_attacks2: a second round of attacks by a masked identity on the
-- clear values of labelled columns, aimed mostly at the defences added
-- after the first round (mask_attacks): row-level security quals kept
-- clear, the cursor identity check, the refusals of DDL that would attach
-- code to a labelled table, and labels passing from parents to children.
--
-- The attacker, atk2_mallory, reads every label masked; atk2_clara (db
-- role) and the token subject "trusted" read every label clear.  Each
-- attack is stated in a comment above it and asserts that no clear value
-- reaches the attacker: by showing the masked value, by counting clear
-- values in what came back (atk2.clear_in(): 0 or false when nothing
-- leaked), or by the refusal.
--
-- Attacks marked "found by this suite" got through when it was written;
-- each is closed now, and the defence is: a change of who acts (token,
-- role) closes every cursor; ALTER DOMAIN on a labelled column's type is
-- refused to masked identities; a child of a labelled table has no other
-- parent; policies on tables an administrator does not own are masked.
-- Where the defence may
-- reasonably be a refusal at one point or another, the attack runs in a
-- block that tolerates the refusal and the assertion is the count of
-- clear values that reached the attacker.
--
-- Labels of this suite: atk2_pii (partial) on name, atk2_email (email)
-- on email, atk2_secret (redact) on api_key, atk2_pseudo (pseudonym) on
-- accounts.ref.  Pseudonyms are random per cluster and never printed.
--

\set tok_mallory `test/tools/token sub=mallory`
\set tok_trusted `test/tools/token sub=trusted`

SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'governance') AS own_extension \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS governance;
RESET client_min_messages;
CREATE ROLE atk2_mallory LOGIN;
CREATE ROLE atk2_clara LOGIN;
CREATE SCHEMA atk2;
GRANT USAGE, CREATE ON SCHEMA atk2 TO atk2_mallory, atk2_clara;
SET search_path = atk2, public;

-- Does a text hold any of the clear values below?  (Immutable, table-free.)
CREATE FUNCTION atk2.clear_in(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT t ~ '(alice@|bob@corp|zoe@|ivy@|sk-live-|Liddell|Stone|Müller|Child|REF-)' $$;
GRANT EXECUTE ON FUNCTION atk2.clear_in(text) TO PUBLIC;

CREATE TABLE atk2.users (
	id int PRIMARY KEY,
	name text,
	email varchar(64) UNIQUE,
	api_key text,
	note text
);
INSERT INTO atk2.users VALUES
	(1, 'Alice Liddell', 'alice@example.com', 'sk-live-1111', 'first'),
	(2, 'Bob Stone', 'bob@corp.example.org', 'sk-live-2222', 'second'),
	(3, 'Zoë Müller', 'zoe@example.com', 'sk-live-3333', 'third');
CREATE TABLE atk2.accounts (id int PRIMARY KEY, ref text);
INSERT INTO atk2.accounts VALUES (1, 'REF-A'), (2, 'REF-B'), (3, 'REF-A');
GRANT SELECT, INSERT, UPDATE, DELETE ON atk2.users, atk2.accounts TO atk2_mallory, atk2_clara;
-- Where the attacker's code drops what it saw; anyone may write it.
CREATE TABLE atk2.loot (v text);
GRANT ALL ON atk2.loot TO PUBLIC;

SELECT governance.define_label('atk2_pii', 'partial');
SELECT governance.define_label('atk2_email', 'email');
SELECT governance.define_label('atk2_secret', 'redact');
SELECT governance.define_label('atk2_pseudo', 'pseudonym');
SELECT governance.label_column('atk2.users', 'name', 'atk2_pii');
SELECT governance.label_column('atk2.users', 'email', 'atk2_email');
SELECT governance.label_column('atk2.users', 'api_key', 'atk2_secret');
SELECT governance.label_column('atk2.accounts', 'ref', 'atk2_pseudo');
SELECT governance.grant_unmasked(l, p)
  FROM unnest(ARRAY['atk2_pii', 'atk2_email', 'atk2_secret', 'atk2_pseudo']) l,
       unnest(ARRAY['db:atk2_clara', 'sub:trusted']) p;

-- The baseline: clara reads clear, mallory masked.
SET ROLE atk2_clara;
SELECT id, name, email, api_key FROM atk2.users WHERE id = 1;
RESET ROLE;
SET ROLE atk2_mallory;
SELECT id, name, email, api_key, note FROM atk2.users ORDER BY id;

-- mallory's code: records what it is handed, in atk2.loot.
CREATE FUNCTION atk2.keep(t text) RETURNS boolean LANGUAGE plpgsql
SET search_path = atk2 AS $$ BEGIN INSERT INTO atk2.loot VALUES (t); RETURN true; END $$;
RESET ROLE;

--
-- 1. Cursors: the identity check of FETCH
--

-- Attack (found by this suite): a cursor declared WITH HOLD under
-- an unmasked token (a pooled connection), fetched after the session
-- switched to a masked token, not with FETCH but from PL/pgSQL, whose
-- FETCH on a refcursor naming the portal does not pass through
-- ProcessUtility.  Defence: the token change closed the cursor.
SET ROLE atk2_mallory;
SET governance.token = :'tok_trusted';
DECLARE held CURSOR WITH HOLD FOR SELECT id, email, api_key FROM atk2.users ORDER BY id;
SET governance.token = :'tok_mallory';
FETCH 1 FROM held;
DO $$
DECLARE
	c refcursor := 'held';
	r record;
BEGIN
	FETCH c INTO r;
	RAISE NOTICE 'fetched, clear: %', atk2.clear_in(r::text);
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'refused';
END $$;
DO $$
DECLARE
	c refcursor := 'held';
BEGIN
	MOVE c;
	RAISE NOTICE 'moved';
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'refused';
END $$;
CLOSE held;
RESET governance.token;

-- Attack (found by this suite): declare again, under the masked
-- token, a cursor of the name the unmasked identity's held cursor has.
-- Defence: the token change closed the first one; the second is the
-- masked identity's own.
SET governance.token = :'tok_trusted';
DECLARE held2 CURSOR WITH HOLD FOR SELECT id, email, api_key FROM atk2.users ORDER BY id;
SET governance.token = :'tok_mallory';
DECLARE held2 CURSOR WITH HOLD FOR SELECT 1;
FETCH 1 FROM held2;
CLOSE held2;
RESET governance.token;
RESET ROLE;

-- Attack (found by this suite): a cursor not made by DECLARE but
-- opened by a function (PL/pgSQL OPEN) under an unmasked identity, then
-- fetched with FETCH after SET ROLE to the masked one: only DECLAREd
-- cursors are remembered, so any other portal is fetched unchecked.
CREATE FUNCTION atk2.open_emails() RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE
	c refcursor := 'fn_cursor';
BEGIN
	OPEN c FOR SELECT id, email, api_key FROM atk2.users ORDER BY id;
	RETURN c;
END $$;
BEGIN;
SELECT atk2.open_emails();
SET LOCAL ROLE atk2_mallory;
FETCH 1 FROM fn_cursor;
ROLLBACK;

--
-- 2. Row-level security: clear only on tables an administrator owns
--

SET ROLE atk2_mallory;
-- Attack: mallory's own table, with row-level security forced on her,
-- has a policy whose subquery reads the labelled table: kept clear, the
-- rows it lets through would confirm guesses.  Defence: policies act on
-- stored values only on tables an administrator owns; mallory's are
-- masked, so only the row holding the masked value passes.
CREATE TABLE atk2.probe (id int, guess text);
INSERT INTO atk2.probe VALUES (1, 'alice@example.com'), (2, 'a****@e******.com');
ALTER TABLE atk2.probe ENABLE ROW LEVEL SECURITY;
ALTER TABLE atk2.probe FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON atk2.probe USING (EXISTS (SELECT 1 FROM atk2.users u WHERE u.email = probe.guess));
SELECT id FROM atk2.probe ORDER BY id;
-- Attack: the policy hands the whole column to mallory's function.
CREATE TABLE atk2.probe2 (id int);
INSERT INTO atk2.probe2 VALUES (1);
ALTER TABLE atk2.probe2 ENABLE ROW LEVEL SECURITY;
ALTER TABLE atk2.probe2 FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON atk2.probe2
	USING (atk2.keep((SELECT string_agg(email || ' ' || api_key || ' ' || name, ',') FROM atk2.users)));
SELECT count(*) FROM atk2.probe2;
-- Attack: a WITH CHECK policy with a subquery accepts the row of a right guess.
CREATE TABLE atk2.probe3 (id int, guess text);
ALTER TABLE atk2.probe3 ENABLE ROW LEVEL SECURITY;
ALTER TABLE atk2.probe3 FORCE ROW LEVEL SECURITY;
CREATE POLICY s ON atk2.probe3 FOR SELECT USING (true);
CREATE POLICY i ON atk2.probe3 FOR INSERT WITH CHECK (guess IN (SELECT email FROM atk2.users));
INSERT INTO atk2.probe3 VALUES (1, 'alice@example.com');
INSERT INTO atk2.probe3 VALUES (2, 'a****@e******.com');
-- Attack: a view's CHECK OPTION with a subquery, written through.
CREATE TABLE atk2.base (id int, guess text);
CREATE VIEW atk2.checked AS SELECT * FROM atk2.base
	WHERE guess IN (SELECT email FROM atk2.users) WITH CHECK OPTION;
INSERT INTO atk2.checked VALUES (1, 'alice@example.com');
INSERT INTO atk2.checked VALUES (2, 'a****@e******.com');
SELECT count(*) AS leaks FROM atk2.loot WHERE clear_in(v);
RESET ROLE;

--
-- 3. Code the masked identity owns that runs on stored values
--

-- Attack (found by this suite): the labelled column's type is a
-- domain mallory owns.  ALTER DOMAIN ... ADD CONSTRAINT checks every
-- stored value of every column of the domain, with mallory's function;
-- so does VALIDATE CONSTRAINT, and the constraint then sees every value
-- written later, by anyone.  (ALTER TABLE, CREATE TRIGGER and CREATE
-- INDEX on the table are refused to mallory: ALTER DOMAIN is the same
-- thing.)  A correct defence refuses a constraint on a domain that a
-- column mallory reads masked has, or never lets her code see the values.
SET ROLE atk2_mallory;
CREATE DOMAIN atk2.key_t AS text;
RESET ROLE;
CREATE TABLE atk2.vault (id int, secret atk2.key_t);
INSERT INTO atk2.vault VALUES (1, 'sk-live-9999');
SELECT governance.label_column('atk2.vault', 'secret', 'atk2_secret');
GRANT SELECT ON atk2.vault TO atk2_mallory;
SET ROLE atk2_mallory;
SELECT id, secret FROM atk2.vault;
DO $$
BEGIN
	ALTER DOMAIN atk2.key_t ADD CONSTRAINT peek CHECK (atk2.keep(VALUE));
EXCEPTION WHEN insufficient_privilege THEN
	NULL;
END $$;
DO $$
BEGIN
	ALTER DOMAIN atk2.key_t DROP CONSTRAINT IF EXISTS peek;
	ALTER DOMAIN atk2.key_t ADD CONSTRAINT peek2 CHECK (atk2.keep(VALUE)) NOT VALID;
	ALTER DOMAIN atk2.key_t VALIDATE CONSTRAINT peek2;
EXCEPTION WHEN insufficient_privilege THEN
	NULL;
END $$;
RESET ROLE;
INSERT INTO atk2.vault VALUES (2, 'sk-live-8888');
SET ROLE atk2_mallory;
SELECT count(*) AS leaks FROM atk2.loot WHERE clear_in(v);
RESET ROLE;
DELETE FROM atk2.loot;

-- Attack: a domain CHECK of mallory's on a cast of the masked value sees
-- the masked value.
SET ROLE atk2_mallory;
CREATE DOMAIN atk2.watched AS text CHECK (atk2.keep(VALUE));
SELECT email::atk2.watched FROM atk2.users WHERE id = 1;
-- Attack: an operator of mallory's whose function keeps its arguments.
CREATE FUNCTION atk2.eq_keep(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM atk2.keep(a); RETURN a = b; END $$;
CREATE OPERATOR atk2.=== (FUNCTION = atk2.eq_keep, LEFTARG = text, RIGHTARG = text);
SELECT count(*) AS confirmed FROM atk2.users WHERE email::text OPERATOR(atk2.===) 'alice@example.com';
SELECT count(*) AS leaks FROM atk2.loot WHERE clear_in(v);
-- Attack: a column DEFAULT of mallory's own table calls a function that
-- reads the labelled table (SPI).
CREATE FUNCTION atk2.first_email() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT email FROM atk2.users WHERE id = 1 $$;
CREATE TABLE atk2.defaulted (id int, v text DEFAULT atk2.first_email());
INSERT INTO atk2.defaulted (id) VALUES (1);
SELECT v FROM atk2.defaulted;
-- Attack: a rule on mallory's own table copies the labelled column when
-- she writes to it (the rule's action is a query of its own).
CREATE TABLE atk2.trap (id int);
CREATE RULE copy_out AS ON INSERT TO atk2.trap DO ALSO
	INSERT INTO atk2.loot SELECT email FROM atk2.users;
INSERT INTO atk2.trap VALUES (1);
DROP RULE copy_out ON atk2.trap;
CREATE RULE show_out AS ON INSERT TO atk2.trap DO ALSO
	SELECT email FROM atk2.users WHERE id = 1;
INSERT INTO atk2.trap VALUES (1);
-- Attack: a SECURITY DEFINER function mallory owns, called by clara, who
-- reads clear: it reads as its owner (db: names the owner), masked.
CREATE FUNCTION atk2.definer_email() RETURNS text LANGUAGE sql SECURITY DEFINER
SET search_path = atk2 AS $$ SELECT email FROM atk2.users WHERE id = 1 $$;
RESET ROLE;
SET ROLE atk2_clara;
SELECT atk2.definer_email();
RESET ROLE;

--
-- 4. Labels pass from parents to children, never up
--

-- Attack (found by this suite): a child of the labelled table that
-- also inherits from mallory's own table.  ATTACH PARTITION and INHERIT
-- of a labelled table are refused for everyone, but CREATE TABLE ...
-- INHERITS (labelled, other) makes one: reads through mallory's parent
-- scan the child's rows unmasked (and ALTER TABLE on her parent would
-- attach CHECKs to the child).  A correct defence refuses the child or
-- masks those reads; either way no clear value reaches mallory.
SET ROLE atk2_mallory;
CREATE TABLE atk2.mparent (id int, email varchar(64));
RESET ROLE;
SET client_min_messages = warning;
DO $$
BEGIN
	CREATE TABLE atk2.mchild () INHERITS (atk2.users, atk2.mparent);
	INSERT INTO atk2.mchild VALUES (9, 'Ivy Child', 'ivy@example.com', 'sk-live-9999', 'ninth');
EXCEPTION WHEN wrong_object_type OR insufficient_privilege THEN
	NULL;
END $$;
RESET client_min_messages;
SET ROLE atk2_mallory;
SELECT count(*) AS leaks FROM atk2.mparent WHERE clear_in(email);
SELECT id, email FROM atk2.users WHERE id = 9;
DO $$
BEGIN
	ALTER TABLE atk2.mparent ADD CONSTRAINT peek CHECK (atk2.keep(email));
EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
	NULL;
END $$;
SELECT count(*) AS leaks FROM atk2.loot WHERE clear_in(v);
RESET ROLE;
DROP TABLE IF EXISTS atk2.mchild;

--
-- 5. Query shapes not tried in the first round
--

SET ROLE atk2_mallory;
-- Attack: SQL/JSON path over the whole row, XMLTABLE over the value.
SELECT jsonb_path_query(to_jsonb(u), '$.email') AS email FROM atk2.users u WHERE id = 1;
SELECT x FROM atk2.users u, xmltable('/r' PASSING xmlelement(name r, u.email) COLUMNS x text PATH '.')
 WHERE id = 1;
-- Attack: ordered-set aggregates return a value of the ordering column.
SELECT percentile_disc(0) WITHIN GROUP (ORDER BY api_key) AS k,
       mode() WITHIN GROUP (ORDER BY name) AS n FROM atk2.users;
-- Attack: an aggregate FILTER confirms a guess.
SELECT count(*) FILTER (WHERE email = 'alice@example.com') AS confirmed FROM atk2.users;
-- Attack: CUBE / GROUPING SETS with HAVING on the key.
SELECT email, count(*) FROM atk2.users GROUP BY CUBE (email, name) HAVING email = 'alice@example.com';
SELECT count(*) AS confirmed FROM (
	SELECT email FROM atk2.users GROUP BY GROUPING SETS ((email), ()) HAVING email = 'alice@example.com') s;
-- Attack: row comparisons and IS NOT DISTINCT FROM.
SELECT count(*) AS confirmed FROM atk2.users
 WHERE (email, id) = ('alice@example.com', 1) OR email IS NOT DISTINCT FROM 'bob@corp.example.org';
SELECT count(*) AS confirmed FROM atk2.users
 WHERE (email, id) >= ('alice@example.com', 1) AND (email, id) <= ('alice@example.com', 1);
-- Attack: unnest an array of rows; TABLESAMPLE ... REPEATABLE.
SELECT unnest(ARRAY[u]) AS r FROM atk2.users u WHERE id = 1;
SELECT u AS r FROM atk2.users u TABLESAMPLE BERNOULLI (100) REPEATABLE (1) WHERE id = 1;
-- Attack: CYCLE and SEARCH clauses of a recursive CTE carry the value in
-- their path columns.
WITH RECURSIVE r AS (SELECT id, email FROM atk2.users UNION SELECT id, email FROM r)
	CYCLE email SET c USING p
SELECT count(*) AS leaks FROM r WHERE clear_in(p::text);
WITH RECURSIVE r AS (SELECT id, api_key FROM atk2.users UNION ALL SELECT id + 10, api_key FROM r WHERE id < 5)
	SEARCH DEPTH FIRST BY api_key SET o
SELECT count(*) AS leaks FROM r WHERE clear_in(o::text);
-- Attack: a MATERIALIZED CTE and a NOT MATERIALIZED one, filtered outside.
WITH c AS MATERIALIZED (SELECT id, email FROM atk2.users)
SELECT count(*) AS confirmed FROM c WHERE email = 'alice@example.com';
WITH c AS NOT MATERIALIZED (SELECT id, email FROM atk2.users)
SELECT count(*) AS confirmed FROM c WHERE email = 'alice@example.com';
-- Attack: a hash join and a merge join with a guess on the other side;
-- sequential scans off, so that the unique index of the column could serve.
SET enable_nestloop = off;
SET enable_mergejoin = off;
SELECT count(*) AS confirmed FROM atk2.users u JOIN (VALUES ('alice@example.com')) g(e) ON u.email = g.e;
SET enable_hashjoin = off;
SET enable_mergejoin = on;
SELECT count(*) AS confirmed FROM atk2.users u JOIN (VALUES ('alice@example.com')) g(e) ON u.email = g.e;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_seqscan = off;
SELECT count(*) AS confirmed FROM atk2.users WHERE email = 'alice@example.com';
SELECT email FROM atk2.users WHERE email > '' ORDER BY email LIMIT 1;
RESET enable_seqscan;
-- Attack: a row lock with SKIP LOCKED, guessed WHERE: locks masked rows.
SELECT count(*) AS confirmed FROM (
	SELECT id FROM atk2.users WHERE email = 'alice@example.com' FOR UPDATE SKIP LOCKED) s;
-- Attack: ARRAY() of the column and a guess with ANY over it.
SELECT 'alice@example.com' = ANY (ARRAY(SELECT email::text FROM atk2.users)) AS confirmed;
RESET ROLE;

-- Cleanup
SET client_min_messages = warning;
DROP SCHEMA atk2 CASCADE;
RESET client_min_messages;
SELECT governance.revoke_unmasked(l, p)
  FROM unnest(ARRAY['atk2_pii', 'atk2_email', 'atk2_secret', 'atk2_pseudo']) l,
       unnest(ARRAY['db:atk2_clara', 'sub:trusted']) p;
SELECT governance.drop_label(l) FROM unnest(ARRAY['atk2_pii', 'atk2_email', 'atk2_secret', 'atk2_pseudo']) l;
\if :own_extension
DROP EXTENSION governance;
\endif
DROP ROLE atk2_mallory;
DROP ROLE atk2_clara;
