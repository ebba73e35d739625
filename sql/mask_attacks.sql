--
-- mask_attacks: a masked identity tries to get the clear value of a
-- labelled column out of the server.
--
-- The attacker, mallory, is an ordinary login (and, with a token, the
-- subject "mallory") that reads every label masked.  clara (db role) and
-- the token subject "trusted" read every label clear.  Each attack is
-- stated in a comment above it; the query asserts the defence, mostly by
-- showing the masked value, by counting clear values in what came back
-- (atk.clear_in(), 0 or false when nothing leaked), or by the refusal.
--
-- Attacks marked "(found by this suite)" got through once; each is closed
-- and stays here so it stays closed.
--
-- Labels of this suite (its own, so earlier suites' taxonomy changes do not
-- matter):  atk_pii (partial) on name, atk_email (email) on email,
-- atk_secret (redact) on api_key, atk_pseudo (pseudonym) on
-- accounts.ref.  The pseudonym key is random per cluster: pseudonyms are
-- compared with each other, never with fixed strings (so they live in a
-- table of their own, whose rows are never printed whole).  Orderings use COLLATE "C" so that they
-- do not depend on the cluster's locale.
--

\set tok_mallory `test/tools/token sub=mallory`
\set tok_trusted `test/tools/token sub=trusted`

SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'governance') AS own_extension \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS governance;
RESET client_min_messages;
CREATE ROLE mallory LOGIN;
CREATE ROLE clara LOGIN;
CREATE SCHEMA atk;
GRANT USAGE, CREATE ON SCHEMA atk TO mallory, clara;
SET search_path = atk, public;

-- Does a text hold any of the clear values below?  (Immutable, table-free.)
CREATE FUNCTION atk.clear_in(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT t ~ '(alice@|bob@corp|zoe@|aaron@|amber@|sk-live-|Liddell|Stone|Müller|Hill|Lake|REF-)' $$;
GRANT EXECUTE ON FUNCTION atk.clear_in(text) TO PUBLIC;

CREATE TABLE atk.users (
	id int PRIMARY KEY,
	name text,
	email varchar(64) UNIQUE,
	api_key text,
	note text NOT NULL CHECK (length(note) < 20),
	EXCLUDE USING btree (api_key WITH =)
);
-- A key that holds part of a stored value: the domain of the address.
CREATE UNIQUE INDEX users_note_domain ON atk.users (lower(note), split_part(email, '@', 2));
-- 1 and 5 have different emails with the same mask.
INSERT INTO atk.users VALUES
	(1, 'Alice Liddell', 'alice@example.com', 'sk-live-1111', 'first'),
	(2, 'Bob Stone', 'bob@corp.example.org', 'sk-live-2222', 'second'),
	(3, 'Zoë Müller', 'zoe@example.com', 'sk-live-3333', 'third'),
	(4, 'Aaron Hill', 'aaron@zeta.com', 'sk-live-4444', 'fourth'),
	(5, 'Amber Lake', 'amber@elapsed.com', 'sk-live-5555', 'fifth');
-- 1 and 3 have the same ref, so the same pseudonym.
CREATE TABLE atk.accounts (id int PRIMARY KEY, ref text);
INSERT INTO atk.accounts VALUES (1, 'REF-A'), (2, 'REF-B'), (3, 'REF-A');
GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON atk.users, atk.accounts TO mallory, clara;

SELECT governance.define_label('atk_pii', 'partial');
SELECT governance.define_label('atk_email', 'email');
SELECT governance.define_label('atk_secret', 'redact');
SELECT governance.define_label('atk_pseudo', 'pseudonym');
SELECT governance.label_column('atk.users', 'name', 'atk_pii');
SELECT governance.label_column('atk.users', 'email', 'atk_email');
SELECT governance.label_column('atk.users', 'api_key', 'atk_secret');
SELECT governance.label_column('atk.accounts', 'ref', 'atk_pseudo');
SELECT governance.grant_unmasked(l, p)
  FROM unnest(ARRAY['atk_pii', 'atk_email', 'atk_secret', 'atk_pseudo']) l,
       unnest(ARRAY['db:clara', 'sub:trusted']) p;

-- The baseline: the superuser reads clear, clara too, mallory masked.
SELECT id, name, email, api_key, note FROM atk.users ORDER BY id;
SET ROLE clara;
SELECT id, name, email, api_key FROM atk.users WHERE id = 1;
RESET ROLE;
SET ROLE mallory;
SELECT id, name, email, api_key, note FROM atk.users ORDER BY id;
SELECT id, ref ~ '^[0-9a-f]{16}$' AS pseudonym FROM atk.accounts ORDER BY id;

--
-- 1. Expressions over the column
--

-- Attack: concatenation, lower(), upper() compute on the clear value.
SELECT id, email || '' AS cat, lower(email) AS low, upper(name) AS up
  FROM atk.users ORDER BY id;

-- Attack: guess the value character by character with substr().
SELECT id, substr(email, 1, 2) AS two, substr(email, 2, 1) AS second FROM atk.users ORDER BY id;
SELECT count(*) AS confirmed FROM atk.users WHERE substr(email, 1, 2) = 'al';

-- Attack: equality with a known value confirms it.
SELECT count(*) AS confirmed FROM atk.users WHERE email = 'alice@example.com';
SELECT count(*) AS confirmed FROM atk.users WHERE email::text = 'alice@example.com';
SELECT count(*) AS confirmed FROM atk.users WHERE email IN ('alice@example.com', 'bob@corp.example.org');
SELECT count(*) AS confirmed FROM atk.users WHERE email = ANY (ARRAY['alice@example.com']);
SELECT count(*) AS confirmed FROM atk.users WHERE api_key = 'sk-live-1111';
SELECT count(*) AS confirmed FROM atk.users WHERE name = 'Alice Liddell';
-- ... while the masked value matches: equality works on masked values.
SELECT id FROM atk.users WHERE email = 'a****@e******.com' ORDER BY id;

-- Attack: LIKE / ILIKE / SIMILAR TO / regular expressions on a prefix.
SELECT count(*) AS confirmed FROM atk.users WHERE email LIKE 'al%';
SELECT count(*) AS confirmed FROM atk.users WHERE email ILIKE '%EXAMPLE%';
SELECT count(*) AS confirmed FROM atk.users WHERE email SIMILAR TO 'ali%';
SELECT count(*) AS confirmed FROM atk.users WHERE email ~ '^ali' OR api_key ~ 'live';
-- (the first character is part of the email mask: LIKE 'a%' finds masked rows)
SELECT id FROM atk.users WHERE email LIKE 'a%' ORDER BY id;

-- Attack: regexp functions extract parts of the value.
SELECT id, regexp_replace(email, '@.*', '') AS local, (regexp_match(email, '@([^.]*)'))[1] AS domain,
       position('lice' IN email) AS pos, strpos(api_key, 'live') AS pos2
  FROM atk.users ORDER BY id;
SELECT count(*) AS leaks FROM atk.users, regexp_split_to_table(email, '') c WHERE c IN ('l', 'i', 'x', 'p');

-- Attack: ORDER BY the column reveals the order of the clear values.
-- Clear order is 4 (aaron) before 1 (alice); masked it is 1, 5 (a****@e...)
-- before 4 (a****@z...).
SELECT array_agg(id ORDER BY email COLLATE "C", id) AS by_email FROM atk.users;
SELECT id FROM atk.users ORDER BY email COLLATE "C" DESC, id;

-- Attack: aggregates min/max/string_agg.
SELECT min(email COLLATE "C") AS mn, max(email COLLATE "C") AS mx,
       string_agg(api_key, ',' ORDER BY id) AS keys, max(name COLLATE "C") AS nm
  FROM atk.users;

-- Attack: casts to other types.
SELECT id, email::bytea AS b, name::varchar(3) AS v3, email::char(5) AS c5, name::name AS n
  FROM atk.users ORDER BY id;
SELECT id, convert_to(email, 'UTF8') AS conv, encode(convert_to(api_key, 'UTF8'), 'hex') AS hex
  FROM atk.users WHERE id = 1;
-- ... an error echoing the value shows the masked value.
SELECT email::int FROM atk.users WHERE id = 1;
SELECT name::json FROM atk.users WHERE id = 1;
SELECT api_key::uuid FROM atk.users WHERE id = 1;

-- Attack: hash the value and compare offline: md5 is of the masked value.
SELECT md5(email) = md5('a****@e******.com') AS of_masked, md5(email) = md5('alice@example.com') AS of_clear,
       sha256(api_key::bytea) = sha256('sk-live-1111') AS sha_clear
  FROM atk.users WHERE id = 1;

-- Attack: the length of the value.  Lengths are the masked value's: the
-- email and partial masks keep the length in characters (a property of
-- those masks: it is the clear value's too), but bytes are the mask's (Zoë
-- Müller is 12 bytes clear, its mask 10), a redacted value is always 8
-- (sk-live-1111 is 12), and pg_column_size() measures the computed mask
-- (4-byte header), not the stored datum.
SELECT id, length(email) AS len, octet_length(name) AS name_bytes, pg_column_size(name) AS name_size,
       octet_length(api_key) AS key_bytes, pg_column_size(api_key) AS key_size
  FROM atk.users ORDER BY id;

-- Attack: comparisons with subqueries, EXISTS, IN, ANY.
SELECT (SELECT email FROM atk.users WHERE id = 1) = 'alice@example.com' AS confirmed;
SELECT EXISTS (SELECT 1 FROM atk.users WHERE email = 'alice@example.com') AS confirmed;
SELECT 'alice@example.com' IN (SELECT email FROM atk.users) AS confirmed;
SELECT 'sk-live-1111' = ANY (SELECT api_key FROM atk.users) AS confirmed;
SELECT (SELECT name FROM atk.users WHERE id = 1) LIKE 'Alice%' AS confirmed;

--
-- 2. Whole-row references
--

-- Attack: array_agg / jsonb_agg / json_agg of the whole row.
SELECT array_agg(u ORDER BY u.id) FILTER (WHERE u.id <= 2) AS arr FROM atk.users u;
SELECT clear_in(jsonb_agg(u)::text) AS jsonb_leaks, clear_in(json_agg(u)::text) AS json_leaks
  FROM atk.users u;

-- Attack: the row rendered as text: format(), ::text, row_to_json, to_jsonb.
SELECT format('%s', u) AS fmt, u::text AS txt FROM atk.users u WHERE id = 2;
SELECT row_to_json(u) ->> 'email' AS rj, to_jsonb(u) ->> 'api_key' AS tj, to_json(u) ->> 'name' AS tjs
  FROM atk.users u WHERE id = 2;
SELECT count(*) AS leaks FROM atk.users u, jsonb_each_text(to_jsonb(u)) kv WHERE clear_in(kv.value);

-- Attack: expand the row again: (u).*, u.*, ROW(u.*), the table name as a row.
SELECT (u).* FROM atk.users u WHERE id = 1;
SELECT u.* FROM atk.users u WHERE id = 1;
SELECT ROW(u.*) AS r FROM atk.users u WHERE id = 1;
SELECT users FROM atk.users WHERE id = 1;
SELECT (u).email AS fieldselect, (SELECT u).api_key AS nested FROM atk.users u WHERE id = 1;

-- Attack: compare the whole row with a guessed row.
SELECT count(*) AS confirmed FROM atk.users u
 WHERE u = ROW(1, 'Alice Liddell', 'alice@example.com', 'sk-live-1111', 'first')::atk.users;
SELECT count(*) AS confirmed FROM atk.users u WHERE u::text LIKE '%alice@example.com%';

-- Attack: a function taking the table's row type reads the field.
CREATE FUNCTION atk.email_of(u atk.users) RETURNS text LANGUAGE sql AS $$ SELECT u.email $$;
SELECT atk.email_of(u) FROM atk.users u WHERE id = 1;

-- Attack: rebuild a row from its JSON.
SELECT r.email, r.api_key FROM atk.users u,
       jsonb_populate_record(NULL::atk.users, to_jsonb(u)) r WHERE u.id = 1;

--
-- 3. Set operations, CTEs, joins, windows, grouping
--

-- Attack: UNION with a literal table deduplicates equal values: a correct
-- guess would vanish.  4 distinct masks (1 and 5 share one) + 2 guesses.
SELECT count(*) AS n FROM (
	SELECT email::text FROM atk.users
	UNION
	SELECT * FROM (VALUES ('alice@example.com'), ('bob@corp.example.org')) g
) s;

-- Attack: INTERSECT / EXCEPT with literal guesses.
SELECT email::text FROM atk.users INTERSECT SELECT 'alice@example.com';
SELECT 'alice@example.com' EXCEPT SELECT email FROM atk.users;
SELECT api_key FROM atk.users INTERSECT ALL VALUES ('sk-live-1111'), ('sk-live-2222');

-- Attack: a recursive CTE walks the value character by character.
WITH RECURSIVE c(i, ch) AS (
	SELECT 1, substr((SELECT email FROM atk.users WHERE id = 1), 1, 1)
	UNION ALL
	SELECT i + 1, substr((SELECT email FROM atk.users WHERE id = 1), i + 1, 1) FROM c WHERE i < 17
)
SELECT string_agg(ch, '' ORDER BY i) AS walked FROM c;
WITH RECURSIVE r(n, e) AS (
	SELECT 1, email::text FROM atk.users WHERE id = 2
	UNION ALL
	SELECT n + 1, e || '' FROM r WHERE n < 3
)
SELECT n, e FROM r ORDER BY n;

-- Attack: generate_series joins test every character at every position.
SELECT string_agg(substr(u.email, g, 1), '' ORDER BY g) AS rebuilt
  FROM atk.users u, generate_series(1, 20) g WHERE u.id = 1;
SELECT g AS pos, chr(c) AS ch
  FROM atk.users u, generate_series(1, 17) g, generate_series(97, 122) c
 WHERE u.id = 1 AND substr(u.email, g, 1) = chr(c) ORDER BY g;

-- Attack: LATERAL subqueries and functions see the outer row's value.
SELECT l.e, l.up FROM atk.users u, LATERAL (SELECT u.email AS e, upper(u.api_key) AS up) l WHERE u.id = 1;
SELECT string_agg(t, '' ORDER BY o) AS chars
  FROM atk.users u, LATERAL regexp_split_to_table(u.api_key, '') WITH ORDINALITY AS s(t, o) WHERE u.id = 1;

-- Attack: window functions carry neighbouring values.
SELECT id, lag(email) OVER (ORDER BY email COLLATE "C", id) AS prev,
       first_value(api_key) OVER (ORDER BY id) AS fv
  FROM atk.users ORDER BY id;

-- Attack: GROUP BY / DISTINCT / DISTINCT ON group equal clear values; they
-- group equal masked values: 1 and 5 have different emails, one mask.
SELECT email, count(*) FROM atk.users GROUP BY email ORDER BY email COLLATE "C";
SELECT count(DISTINCT email) AS distinct_emails FROM atk.users;
SELECT DISTINCT ON (email COLLATE "C") email, id FROM atk.users ORDER BY email COLLATE "C", id;
SELECT email, count(*) FROM atk.users GROUP BY ROLLUP (email) ORDER BY email COLLATE "C" NULLS LAST;

-- Attack: HAVING on the group key or an aggregate confirms a guess.
SELECT count(*) FROM atk.users GROUP BY email HAVING email = 'alice@example.com';
SELECT count(*) AS confirmed FROM atk.users HAVING min(api_key) = 'sk-live-1111';

-- Attack: self-joins on tableoid/ctid pair masked and clear copies of a row.
SELECT a.id, b.email, b.tableoid::regclass AS rel
  FROM atk.users a JOIN atk.users b ON a.ctid = b.ctid AND a.tableoid = b.tableoid
 WHERE a.id = 1;
SELECT count(*) AS confirmed FROM atk.users a JOIN atk.users b ON a.ctid = b.ctid
 WHERE b.email = 'alice@example.com';

-- Attack: pseudonyms keep joins: rows 1 and 3 share a ref, and the join
-- says so (allowed); the pseudonym is no clear value, and a guess of the
-- clear value matches nothing.
SELECT a.id, b.id FROM atk.accounts a JOIN atk.accounts b ON a.ref = b.ref AND a.id < b.id;
SELECT count(*) AS leaks FROM atk.accounts WHERE ref LIKE 'REF-%' OR ref = 'REF-A';

-- Attack: XML helpers run their own queries (SPI).
SELECT clear_in(query_to_xml('SELECT * FROM atk.users', true, false, '')::text) AS q_leaks,
       clear_in(table_to_xml('atk.users', true, false, '')::text) AS t_leaks,
       clear_in(xmlelement(name e, (SELECT email FROM atk.users WHERE id = 1))::text) AS e_leaks;

-- Attack: prepared statement parameters with a guess, custom and generic plans.
PREPARE guess(text) AS SELECT count(*) AS confirmed FROM atk.users WHERE email = $1;
EXECUTE guess('alice@example.com');
SET plan_cache_mode = force_generic_plan;
EXECUTE guess('alice@example.com');
RESET plan_cache_mode;
DEALLOCATE guess;

--
-- 4. Functions, DO blocks, cursors, prepared statements
--

-- Attack (found by this suite): a SQL function the planner inlines into
-- the query (STABLE, set-returning, one SELECT) is parsed after the
-- masking rewrite ran.  Defence: not inlined for a masked identity.
CREATE FUNCTION atk.emails_inlined() RETURNS SETOF text LANGUAGE sql STABLE AS
$$ SELECT email FROM atk.users $$;
SELECT count(*) AS leaks FROM atk.emails_inlined() e WHERE clear_in(e);
SELECT e FROM atk.emails_inlined() e ORDER BY e COLLATE "C" LIMIT 2;
CREATE FUNCTION atk.find(p text) RETURNS TABLE (id int) LANGUAGE sql STABLE AS
$$ SELECT id FROM atk.users WHERE email = p $$;
SELECT count(*) AS confirmed FROM atk.find('alice@example.com');

-- Attack: a SQL function that is not inlined (volatile, scalar).
CREATE FUNCTION atk.email_volatile(i int) RETURNS text LANGUAGE sql VOLATILE AS
$$ SELECT email FROM atk.users WHERE id = i $$;
SELECT atk.email_volatile(1);
CREATE FUNCTION atk.emails_volatile() RETURNS SETOF text LANGUAGE sql VOLATILE AS
$$ SELECT email FROM atk.users $$;
SELECT count(*) AS leaks FROM atk.emails_volatile() e WHERE clear_in(e);

-- Attack: plpgsql: RETURN QUERY, a FOR loop over a query, EXECUTE.
CREATE FUNCTION atk.plpgsql_reads() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	r record;
	v text;
BEGIN
	RETURN QUERY SELECT email::text FROM atk.users;
	FOR r IN SELECT api_key FROM atk.users LOOP
		RETURN NEXT r.api_key;
	END LOOP;
	EXECUTE 'SELECT name FROM atk.users WHERE id = $1' INTO v USING 1;
	RETURN NEXT v;
	EXECUTE format('SELECT string_agg(%I, %L) FROM atk.users', 'email', ',') INTO v;
	RETURN NEXT v;
END $$;
SELECT count(*) AS rows, count(*) FILTER (WHERE clear_in(v)) AS leaks FROM atk.plpgsql_reads() v;

-- Attack: SECURITY DEFINER function owned by the masked role.
CREATE FUNCTION atk.definer_email() RETURNS text LANGUAGE sql SECURITY DEFINER
SET search_path = atk AS $$ SELECT email FROM atk.users WHERE id = 1 $$;
SELECT atk.definer_email();

-- Attack: a procedure hands the value back through an INOUT argument.
CREATE PROCEDURE atk.fetch_key(INOUT k text) LANGUAGE plpgsql AS
$$ BEGIN SELECT api_key INTO k FROM atk.users WHERE id = 1; END $$;
CALL atk.fetch_key(NULL);

-- Attack: a DO block RAISEs the value as a NOTICE.
DO $$
DECLARE v text;
BEGIN
	SELECT email INTO v FROM atk.users WHERE id = 1;
	RAISE NOTICE 'email: %', v;
	SELECT u::text INTO v FROM atk.users u WHERE id = 2;
	RAISE NOTICE 'row: %', v;
END $$;
-- ... or RAISEs an error whose message carries it.
DO $$ BEGIN RAISE EXCEPTION '%', (SELECT api_key FROM atk.users WHERE id = 1); END $$;

-- Attack: cursors, plain, scroll, WITH HOLD, from plpgsql.
BEGIN;
DECLARE c1 SCROLL CURSOR FOR SELECT id, email FROM atk.users ORDER BY id;
FETCH 2 FROM c1;
FETCH BACKWARD 1 FROM c1;
COMMIT;
DECLARE c2 CURSOR WITH HOLD FOR SELECT id, api_key FROM atk.users ORDER BY id;
FETCH 2 FROM c2;
CLOSE c2;
CREATE FUNCTION atk.cursor_read() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	c refcursor;
	v text;
BEGIN
	OPEN c FOR EXECUTE 'SELECT email FROM atk.users WHERE id = 1';
	FETCH c INTO v;
	CLOSE c;
	RETURN v;
END $$;
SELECT atk.cursor_read();
RESET ROLE;

-- Attack: a statement prepared by an unmasked identity (superuser, clara,
-- the token "trusted"), executed after switching to a masked one.
PREPARE by_super AS SELECT email FROM atk.users WHERE id = 1;
EXECUTE by_super;
SET ROLE mallory;
EXECUTE by_super;
RESET ROLE;
SET ROLE clara;
PREPARE by_clara AS SELECT api_key FROM atk.users WHERE id = 1;
EXECUTE by_clara;
RESET ROLE;
SET ROLE mallory;
EXECUTE by_clara;
SET governance.token = :'tok_trusted';
PREPARE by_token AS SELECT name FROM atk.users WHERE id = 1;
EXECUTE by_token;
SET governance.token = :'tok_mallory';
EXECUTE by_token;
RESET governance.token;
EXECUTE by_token;
DEALLOCATE by_super;
DEALLOCATE by_clara;
DEALLOCATE by_token;
-- ... and a plpgsql function whose plans were cached for the superuser.
RESET ROLE;
CREATE FUNCTION atk.cached_email() RETURNS text LANGUAGE plpgsql AS
$$ BEGIN RETURN (SELECT email FROM atk.users WHERE id = 1); END $$;
SELECT atk.cached_email();
SET ROLE mallory;
SELECT atk.cached_email();
RESET ROLE;

-- Attack (found by this suite): a cursor opened WITH HOLD under an
-- unmasked token, fetched after the session switched to a masked token (a
-- pooled connection reused by another client).  Defence: a cursor is
-- fetched only by the identity that declared it.
SET ROLE mallory;
SET governance.token = :'tok_trusted';
DECLARE held CURSOR WITH HOLD FOR SELECT id, email FROM atk.users ORDER BY id;
FETCH 1 FROM held;
SET governance.token = :'tok_mallory';
FETCH 1 FROM held;
CLOSE ALL;
RESET governance.token;
RESET ROLE;

-- Attack: a plan prepared before the column was labelled.
CREATE TABLE atk.late (id int, v text);
INSERT INTO atk.late VALUES (1, 'alice@example.com');
GRANT SELECT ON atk.late TO mallory;
SET ROLE mallory;
PREPARE before_label AS SELECT v FROM atk.late;
EXECUTE before_label;
RESET ROLE;
SELECT governance.label_column('atk.late', 'v', 'atk_email');
SET ROLE mallory;
EXECUTE before_label;
DEALLOCATE before_label;
RESET ROLE;

--
-- 5. COPY and stored copies
--

SET ROLE mallory;
-- Attack: COPY the table, some columns, a query.
COPY atk.users TO STDOUT;
COPY atk.users (email, api_key) TO STDOUT;
COPY (SELECT id, name, email FROM atk.users WHERE id <= 2 ORDER BY id) TO STDOUT;
COPY (SELECT u FROM atk.users u WHERE id = 3) TO STDOUT (FORMAT csv);
COPY (TABLE atk.users ORDER BY id LIMIT 1) TO STDOUT;

-- Attack: store what was read in a table of one's own, then read that.
CREATE TABLE atk.ctas AS SELECT * FROM atk.users;
SELECT count(*) AS leaks FROM atk.ctas c WHERE clear_in(c::text);
SELECT * INTO atk.selinto FROM atk.users WHERE id = 1;
SELECT count(*) AS leaks FROM atk.selinto s WHERE clear_in(s::text);
CREATE MATERIALIZED VIEW atk.mv AS SELECT id, email, api_key FROM atk.users;
REFRESH MATERIALIZED VIEW atk.mv;
SELECT count(*) AS leaks FROM atk.mv m WHERE clear_in(m::text);
RESET ROLE;
-- ... and when the superuser refreshes mallory's view, it runs as mallory.
REFRESH MATERIALIZED VIEW atk.mv;
SET ROLE mallory;
SELECT count(*) AS leaks FROM atk.mv m WHERE clear_in(m::text);
SELECT email FROM atk.mv WHERE id = 1;

--
-- 6. Writes: storing a masked read is refused; WHERE / RETURNING are reads
--

CREATE TABLE atk.loot (v text);
-- Attack: INSERT ... SELECT the column into another table.
INSERT INTO atk.loot SELECT email FROM atk.users;
INSERT INTO atk.loot SELECT u::text FROM atk.users u;
INSERT INTO atk.loot VALUES ((SELECT api_key FROM atk.users WHERE id = 1));
-- Attack: UPDATE ... SET note = email; UPDATE ... FROM.
UPDATE atk.users SET note = email WHERE id = 1;
UPDATE atk.loot SET v = u.email FROM atk.users u WHERE u.id = 1;
-- Attack: MERGE storing a masked value.
MERGE INTO atk.loot l USING atk.users u ON false
	WHEN NOT MATCHED THEN INSERT VALUES (u.email);
MERGE INTO atk.users t USING (SELECT 1 AS id) s ON t.id = s.id
	WHEN MATCHED THEN UPDATE SET note = substr(t.api_key, 1, 10);
-- Attack: a data-modifying CTE storing one.
WITH src AS (SELECT email FROM atk.users WHERE id = 1)
	INSERT INTO atk.loot SELECT email FROM src;
WITH moved AS (DELETE FROM atk.users WHERE id = 5 RETURNING *)
	INSERT INTO atk.loot SELECT name FROM moved;
SELECT count(*) AS stored FROM atk.loot;

-- Attack: UPDATE / DELETE with a guessed WHERE: the row count confirms.
UPDATE atk.users SET note = note WHERE email = 'alice@example.com' RETURNING id;
DELETE FROM atk.users WHERE api_key = 'sk-live-1111' RETURNING id;
-- Attack: RETURNING the column.
UPDATE atk.users SET note = 'first' WHERE id = 1 RETURNING email, api_key, name;
-- Attack: ON CONFLICT DO UPDATE ... WHERE on the stored row confirms a guess.
INSERT INTO atk.users VALUES (1, 'x', 'x@x', 'k1', 'first')
	ON CONFLICT (id) DO UPDATE SET note = 'hit' WHERE atk.users.email = 'alice@example.com'
	RETURNING id, note;
INSERT INTO atk.users VALUES (1, 'x', 'x@x', 'k1', 'first')
	ON CONFLICT (id) DO UPDATE SET note = 'first' WHERE atk.users.email = 'a****@e******.com'
	RETURNING id, email;
-- Attack: MERGE conditions on the stored row.
MERGE INTO atk.users t USING (VALUES (1)) s(id) ON t.id = s.id
	WHEN MATCHED AND t.email = 'alice@example.com' THEN UPDATE SET note = 'hit';
MERGE INTO atk.users t USING (VALUES ('alice@example.com')) s(e) ON t.email = s.e
	WHEN MATCHED THEN UPDATE SET note = 'hit';
SELECT count(*) AS hits FROM atk.users WHERE note = 'hit';
-- Known limit (DESIGN: constraints and indexes act on stored values): the
-- arbiter of ON CONFLICT compares a guess with the stored value, so a
-- guessed email that exists is a conflict (no row), a wrong one is not.
-- ON CONFLICT (email) names the stored column, to find its index: it works
-- as for anyone.
BEGIN;
INSERT INTO atk.users VALUES (50, 'g', 'bob@corp.example.org', 'k50', 'guess')
	ON CONFLICT ON CONSTRAINT users_email_key DO NOTHING RETURNING id;
INSERT INTO atk.users VALUES (51, 'g', 'bob@example.org', 'k51', 'guess')
	ON CONFLICT ON CONSTRAINT users_email_key DO NOTHING RETURNING id;
INSERT INTO atk.users VALUES (52, 'g', 'bob@example.org', 'k52', 'guess')
	ON CONFLICT (email) DO NOTHING RETURNING id;
ROLLBACK;

--
-- 7. Errors that echo rows
--

-- Attack: violate a CHECK / NOT NULL constraint on a row: "Failing row
-- contains (...)" would print the row's other, clear, columns.
UPDATE atk.users SET note = repeat('x', 30) WHERE id = 1;
UPDATE atk.users SET note = NULL WHERE id = 1;
-- Attack: unique violation: the key printed holds a stored clear value
-- (rows 1 and 3 share the domain example.com; giving row 1 row 3's note
-- collides, and the key would show the clear domain).
UPDATE atk.users SET note = 'Third' WHERE id = 1;
-- (Known limit: that a guessed email collides confirms it exists.)
UPDATE atk.users SET email = 'bob@corp.example.org' WHERE id = 1;
-- Attack: exclusion constraint violation.
UPDATE atk.users SET api_key = 'sk-live-2222' WHERE id = 1;
-- Attack (found by this suite): foreign key violation detail from the
-- referenced side, "Key (email)=(...) is still referenced", raised by a
-- check that runs as the tables' owner.  Defence: scrubbed by the state
-- of the statement's own role.
RESET ROLE;
CREATE TABLE atk.contacts (email varchar(64) REFERENCES atk.users (email));
INSERT INTO atk.contacts VALUES ('zoe@example.com');
SET ROLE mallory;
DELETE FROM atk.users WHERE id = 3;
UPDATE atk.users SET email = 'new@example.com' WHERE id = 3;
RESET ROLE;
DROP TABLE atk.contacts;

--
-- 8. Statistics and EXPLAIN
--

RESET ROLE;
CREATE TABLE atk.mine (id int, secret_note text);
INSERT INTO atk.mine SELECT g, 'sk-live-' || (g % 3) FROM generate_series(1, 60) g;
ALTER TABLE atk.mine OWNER TO mallory;
SELECT governance.label_column('atk.mine', 'secret_note', 'atk_secret');
-- The admin adds extended statistics and an expression index on a table
-- mallory owns (owners see pg_stats_ext and the index's statistics).
CREATE STATISTICS atk.mine_stats (mcv) ON id, secret_note FROM atk.mine;
CREATE STATISTICS atk.mine_expr ON lower(secret_note) FROM atk.mine;
CREATE INDEX mine_lower ON atk.mine (lower(secret_note));
ANALYZE atk.users, atk.mine;
SET ROLE mallory;
-- Attack: pg_stats most common values / histograms of a labelled column.
SELECT tablename, attname FROM pg_stats WHERE schemaname = 'atk' AND tablename IN ('users', 'mine')
 ORDER BY 1, 2;
SELECT count(*) AS leaks FROM pg_stats
 WHERE schemaname = 'atk' AND tablename IN ('users', 'mine')
   AND clear_in(coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, ''));
-- Attack: extended statistics (MCV lists, expression statistics).
SELECT count(*) AS shown FROM pg_stats_ext WHERE schemaname = 'atk';
SELECT count(*) FILTER (WHERE most_common_vals IS NOT NULL OR histogram_bounds IS NOT NULL) AS shown
  FROM pg_stats_ext_exprs WHERE schemaname = 'atk';
-- Attack (found by this suite): the statistics of an expression index
-- over the labelled column are stored under the index, which carries no
-- label.  Defence: hidden when the index's table has masked columns.
SELECT count(*) AS leaks FROM pg_stats
 WHERE schemaname = 'atk' AND tablename = 'mine_lower' AND clear_in(most_common_vals::text);
-- Attack: EXPLAIN ANALYZE VERBOSE shows expressions, never values.
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT email FROM atk.users WHERE email = 'alice@example.com';

--
-- 9. Views, row-level security, partitions, inheritance
--

RESET ROLE;
CREATE VIEW atk.v_users AS SELECT id, email, api_key FROM atk.users;
CREATE VIEW atk.v_barrier WITH (security_barrier) AS SELECT id, email, api_key FROM atk.users WHERE id < 10;
CREATE VIEW atk.v_invoker WITH (security_invoker) AS SELECT id, email FROM atk.users;
GRANT SELECT ON atk.v_users, atk.v_barrier, atk.v_invoker TO mallory;
SET ROLE mallory;
-- Attack: read through views the admin made (plain, security_barrier, invoker).
SELECT v.id, v.email, v.api_key FROM atk.v_users v WHERE v.id = 1;
SELECT count(*) AS confirmed FROM atk.v_barrier WHERE email = 'alice@example.com';
SELECT email FROM atk.v_invoker WHERE id = 1;
-- Attack: an INSTEAD OF trigger on mallory's view over the table gets the
-- OLD row the view read.
CREATE VIEW atk.my_trig_view AS SELECT id, email, api_key FROM atk.users;
CREATE FUNCTION atk.show_old() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE NOTICE 'old: % %', OLD.email, OLD.api_key; RETURN NULL; END $$;
CREATE TRIGGER show_old INSTEAD OF UPDATE ON atk.my_trig_view
	FOR EACH ROW EXECUTE FUNCTION atk.show_old();
UPDATE atk.my_trig_view SET id = id WHERE id = 1;
-- Attack: TABLESAMPLE reads the heap another way.
SELECT count(*) AS leaks FROM atk.users u TABLESAMPLE SYSTEM (100) WHERE clear_in(u::text);
-- Attack: a view mallory makes; a security_barrier view mallory makes.
CREATE VIEW atk.my_view AS SELECT id, email AS e, api_key AS k FROM atk.users;
SELECT e, k FROM atk.my_view WHERE id = 1;
CREATE VIEW atk.my_barrier WITH (security_barrier) AS
	SELECT id, note FROM atk.users WHERE email = 'alice@example.com';
SELECT count(*) AS confirmed FROM atk.my_barrier;
-- Attack: UPDATE through mallory's security_barrier view (its condition
-- becomes a security qual of the table).
UPDATE atk.my_barrier SET note = note RETURNING id;
RESET ROLE;

-- Row-level security on the labelled table: policies see stored values.
ALTER TABLE atk.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON atk.users USING (true);
CREATE POLICY clear_domain ON atk.users AS RESTRICTIVE FOR SELECT USING (email NOT LIKE '%corp%');
SET ROLE mallory;
-- Attack: read the rows the policies let through.
SELECT id, email FROM atk.users ORDER BY id;
SELECT count(*) AS confirmed FROM atk.users WHERE email LIKE '%corp%';
RESET ROLE;
-- Attack (found by this suite): on a table with row-level security, the
-- condition of a security_barrier view mallory wrote, written through
-- (UPDATE, DELETE), would confirm a guess.  Defence: the policies' quals
-- stay clear, the view's are masked.
BEGIN;
SET LOCAL ROLE mallory;
UPDATE atk.my_barrier SET note = note RETURNING id;
DELETE FROM atk.my_barrier RETURNING id;
ROLLBACK;
DROP POLICY everyone ON atk.users;
DROP POLICY clear_domain ON atk.users;
ALTER TABLE atk.users DISABLE ROW LEVEL SECURITY;

-- Partitions and inheritance children carry the parent's labels.
CREATE TABLE atk.events (id int, who text) PARTITION BY RANGE (id);
CREATE TABLE atk.events_1 PARTITION OF atk.events FOR VALUES FROM (0) TO (100);
CREATE TABLE atk.parent (id int, secret text);
CREATE TABLE atk.child (extra int) INHERITS (atk.parent);
INSERT INTO atk.events VALUES (1, 'alice@example.com');
INSERT INTO atk.child VALUES (1, 'sk-live-1111', 7);
SELECT governance.label_column('atk.events', 'who', 'atk_email');
SELECT governance.label_column('atk.parent', 'secret', 'atk_secret');
GRANT SELECT ON atk.events, atk.events_1, atk.parent, atk.child TO mallory;
ANALYZE atk.events_1, atk.child;
SET ROLE mallory;
-- Attack: read the partition or the child directly, and COPY them.
SELECT who FROM atk.events_1;
SELECT secret, extra FROM atk.child;
SELECT secret FROM ONLY atk.parent UNION ALL SELECT secret FROM atk.parent;
COPY atk.events_1 TO STDOUT;
COPY atk.child TO STDOUT;
SELECT count(*) AS shown FROM pg_stats WHERE tablename IN ('events_1', 'child') AND attname IN ('who', 'secret');
RESET ROLE;

--
-- 10. Attaching code to a labelled table, label management
--

SET ROLE mallory;
-- Attack: mallory owns a labelled table: triggers, CHECKs, indexes, rules,
-- policies, statistics would run on clear values.
CREATE FUNCTION atk.steal() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO atk.loot VALUES (NEW.secret_note); RETURN NEW; END $$;
CREATE TRIGGER steal BEFORE INSERT OR UPDATE ON atk.mine FOR EACH ROW EXECUTE FUNCTION atk.steal();
ALTER TABLE atk.mine ADD CHECK (atk.clear_in(secret_note) OR true);
CREATE INDEX ON atk.mine ((secret_note || ''));
CREATE RULE r AS ON UPDATE TO atk.mine DO ALSO INSERT INTO atk.loot VALUES (OLD.secret_note);
CREATE POLICY p ON atk.mine USING (secret_note = 'x');
CREATE STATISTICS atk.s2 ON id, secret_note FROM atk.mine;
-- ... and on a table mallory does not own (PostgreSQL refuses too).
CREATE TRIGGER steal BEFORE UPDATE ON atk.users FOR EACH ROW EXECUTE FUNCTION atk.steal();
-- Attack: SECURITY LABEL / label functions by a non-admin.
SECURITY LABEL FOR governance ON COLUMN atk.mine.secret_note IS NULL;
SELECT governance.unlabel_column('atk.mine', 'secret_note');
SELECT governance.grant_unmasked('atk_secret', 'db:mallory');
INSERT INTO governance.unmask_grants VALUES ('atk_secret', 'db:mallory');
UPDATE governance.labels SET mask = 'null' WHERE label = 'atk_secret';
RESET ROLE;

-- Attack (found by this suite): a partition mallory creates on its
-- labelled, partitioned table carries a CHECK that would run on every clear value routed into it.
-- Defence: the partition is refused (and so the row finds no partition).
CREATE TABLE atk.minep (id int, secret_note text) PARTITION BY RANGE (id);
ALTER TABLE atk.minep OWNER TO mallory;
SELECT governance.label_column('atk.minep', 'secret_note', 'atk_secret');
GRANT INSERT ON atk.minep TO PUBLIC;
SET ROLE mallory;
CREATE FUNCTION atk.keep(t text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = atk AS $$ BEGIN INSERT INTO atk.loot VALUES (t); RETURN true; END $$;
CREATE TABLE atk.minep_1 PARTITION OF atk.minep (CHECK (atk.keep(secret_note)))
	FOR VALUES FROM (0) TO (100);
RESET ROLE;
INSERT INTO atk.minep VALUES (1, 'sk-live-1111');
SET ROLE mallory;
SELECT count(*) AS leaks FROM atk.loot WHERE clear_in(v);
RESET ROLE;

-- Attack (found by this suite): a foreign key ON UPDATE CASCADE from
-- mallory's own table would copy the new clear value into it when the labelled column is updated.
-- Defence: a foreign key onto columns mallory reads masked is refused.
SET ROLE mallory;
CREATE TABLE atk.follow (email varchar(64) REFERENCES atk.users (email) ON UPDATE CASCADE);
ALTER TABLE atk.loot ADD FOREIGN KEY (v) REFERENCES atk.users (email) ON UPDATE CASCADE;
SELECT to_regclass('atk.follow') IS NULL AS refused;
RESET ROLE;
UPDATE atk.users SET email = 'zoe.muller@example.com' WHERE id = 3;

--
-- 11. The pseudonym oracle, settings, files
--

SET ROLE mallory;
-- Attack: compute the pseudonym of a guess directly and compare.
SELECT governance.mask_pseudonym('REF-A'::text);
SELECT governance.mask_pseudonym(v) FROM (VALUES ('REF-A'::text)) t(v);
SELECT * FROM ROWS FROM (governance.mask_pseudonym('REF-A'::text));
-- Attack (found by this suite): write a guess into the pseudonym column
-- and compare its pseudonym with a stored row's (INSERT ... RETURNING, or INSERT then
-- SELECT).  Defence: identities that read a pseudonym column masked do
-- not write it.
BEGIN;
WITH ins AS (INSERT INTO atk.accounts VALUES (100, 'REF-A') RETURNING ref)
SELECT (SELECT ref FROM ins) = (SELECT ref FROM atk.accounts WHERE id = 1) AS confirmed;
ROLLBACK;
-- The other masks are computed for anyone (they confirm nothing).
SELECT governance.mask_email('alice@example.com'::text), governance.mask_redact('sk-live-1111'::text);

-- Attack: governance settings are the superuser's.
SET governance.environment = 'development';
SET governance.pseudonym_key_file = '/tmp/key';
SELECT set_config('governance.environment', 'development', false);
SET governance.audit_level = 'none';
SET governance.token = 'not-a-token';
SELECT current_setting('governance.token', true) IS NULL OR current_setting('governance.token', true) = '' AS token_hidden;
-- Attack: read the pseudonym key or any file; import it as a large object.
SELECT pg_read_file('governance_pseudonym.key');
SELECT pg_read_binary_file('postgresql.auto.conf');
SELECT lo_import('/etc/hostname');
-- Attack: large objects and notifications carry masked values only.
SELECT lo_from_bytea(0, email::bytea) AS lo FROM atk.users WHERE id = 1 \gset
SELECT convert_from(lo_get(:lo), 'UTF8') AS lo_value;
SELECT lo_unlink(:lo);
RESET ROLE;

-- Cleanup
SET client_min_messages = warning;
DROP SCHEMA atk CASCADE;
RESET client_min_messages;
SELECT governance.revoke_unmasked(l, p)
  FROM unnest(ARRAY['atk_pii', 'atk_email', 'atk_secret', 'atk_pseudo']) l,
       unnest(ARRAY['db:clara', 'sub:trusted']) p;
SELECT governance.drop_label(l) FROM unnest(ARRAY['atk_pii', 'atk_email', 'atk_secret', 'atk_pseudo']) l;
\if :own_extension
DROP EXTENSION governance;
\endif
DROP ROLE mallory;
DROP ROLE clara;
