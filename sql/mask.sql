--
-- mask: sensitivity labels, who reads them masked, and the rewrite that
-- masks every read of a labelled column.
--
\set tok_alice `test/tools/token sub=alice 'roles=["analyst"]'`
\set tok_agent `test/tools/token sub=alice 'act={"sub":"agent-7"}'`

CREATE EXTENSION governance;
SET governance.audit_sync = on;
SELECT coalesce(max(seq), 0) AS start_seq FROM governance.audit_log \gset
CREATE ROLE agent LOGIN;
CREATE ROLE analyst LOGIN;
CREATE ROLE label_admin LOGIN IN ROLE governance_admin;
CREATE TABLE users (
	id int PRIMARY KEY,
	name text,
	email varchar(64),
	api_key text,
	born date,
	note text
);
INSERT INTO users VALUES
	(1, 'Alice Liddell', 'alice@example.com', 'sk-live-1111', '1990-05-17', 'first'),
	(2, 'Bob Stone', 'bob@corp.example.org', 'sk-live-2222', '1985-11-02', 'second'),
	(3, 'Zoë Müller', 'zoe@example.com', 'sk-live-3333', '2001-01-30', 'third');
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, total numeric);
INSERT INTO orders VALUES (10, 1, 25.5), (11, 1, 7), (12, 2, 99);
GRANT ALL ON users, orders TO agent, analyst;
GRANT CREATE ON SCHEMA public TO agent;

-- A change of identity replans nothing while no column is labelled (no
-- plan holds a mask); labelling a column later replans, so a plan made
-- before the label masks afterwards.
SET ROLE agent;
PREPARE early AS SELECT note FROM users WHERE id = 1;
SET governance.token = :'tok_alice';
EXECUTE early;
RESET governance.token;
RESET ROLE;
SELECT governance.label_column('users', 'note', 'secret');
SET ROLE agent;
SET governance.token = :'tok_alice';
EXECUTE early;
RESET governance.token;
EXECUTE early;
RESET ROLE;
SELECT governance.unlabel_column('users', 'note');
DEALLOCATE early;

-- The shipped taxonomy.
SELECT label, mask FROM governance.labels ORDER BY label;

-- Labelling: admins only, a known label, a type its mask serves.
SET ROLE agent;
SELECT governance.label_column('users', 'email', 'email');
SECURITY LABEL FOR governance ON COLUMN users.email IS 'email';
RESET ROLE;
SET ROLE label_admin;
SELECT governance.label_column('users', 'email', 'email');
SELECT governance.label_column('users', 'name', 'pii');
SELECT governance.label_column('users', 'api_key', 'secret');
SELECT governance.label_column('users', 'born', 'pii');
-- Bad input changes nothing.
SELECT governance.label_column('users', 'nosuch', 'pii');
SELECT governance.label_column('users', 'ctid', 'pii');
SELECT governance.label_column('users', 'note', 'nosuch');
SELECT governance.label_column('users', 'id', 'email');
SELECT governance.label_column('nosuch', 'id', 'pii');
SELECT governance.label_column('users', 'note', NULL);
SELECT governance.unlabel_column('users', 'note');
RESET ROLE;
SELECT relation, column_name, label, mask FROM governance.column_labels ORDER BY 1, 2;

-- SECURITY LABEL is the same operation, under the same rules.
CREATE VIEW user_names AS SELECT id, name FROM users;
GRANT SELECT ON user_names TO agent;
SECURITY LABEL FOR governance ON COLUMN user_names.name IS 'pii';
SECURITY LABEL FOR governance ON TABLE users IS 'pii';
SECURITY LABEL FOR governance ON COLUMN orders.total IS 'pii';
SECURITY LABEL FOR governance ON COLUMN orders.total IS NULL;

-- Superusers read clear values.
SELECT * FROM users ORDER BY id;

-- Everyone else reads masked, in every part of a query.
SET ROLE agent;
SELECT * FROM users ORDER BY id;
SELECT id, email || '' AS e, lower(name) AS n, length(api_key) AS l FROM users ORDER BY id;
SELECT id FROM users WHERE email = 'alice@example.com';
SELECT id FROM users WHERE email = 'a****@e******.com' ORDER BY id;
SELECT min(email), max(name), string_agg(api_key, ',') FROM users;
SELECT u FROM users u ORDER BY id;
SELECT row_to_json(u) FROM users u WHERE id = 1;
SELECT to_jsonb(u) ->> 'email' FROM users u WHERE id = 2;
SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id ORDER BY o.id;
SELECT * FROM (SELECT email FROM users) s ORDER BY 1;
WITH e AS (SELECT email FROM users) SELECT * FROM e ORDER BY 1;
SELECT email FROM users UNION SELECT 'literal@x' ORDER BY 1;
SELECT (SELECT email FROM users WHERE id = 1);
SELECT name FROM user_names ORDER BY id;
SELECT date_part('year', born) FROM users ORDER BY id;
-- Unlabelled columns and other tables are untouched.
SELECT id, note FROM users ORDER BY id;
SELECT * FROM orders ORDER BY id;

-- Functions read through SPI: masked too.
CREATE FUNCTION first_email() RETURNS text LANGUAGE plpgsql AS
$$ BEGIN RETURN (SELECT email FROM users WHERE id = 1); END $$;
SELECT first_email();
CREATE FUNCTION emails() RETURNS SETOF text LANGUAGE sql AS
$$ SELECT email FROM users ORDER BY id $$;
SELECT * FROM emails();
-- A STABLE set-returning SQL function would be inlined by the planner,
-- after the rewrite: for a masked identity it is not.  (Names in code
-- an administrator writes are qualified: agent may create objects in
-- public, so such code does not search public while agent acts.)
RESET ROLE;
CREATE FUNCTION stable_emails() RETURNS SETOF text LANGUAGE sql STABLE
	AS $$ SELECT email FROM public.users ORDER BY id $$;
CREATE FUNCTION atomic_names() RETURNS TABLE (n text) LANGUAGE sql IMMUTABLE
	BEGIN ATOMIC SELECT name FROM users ORDER BY id; END;
PREPARE inl AS SELECT * FROM stable_emails() LIMIT 1;
EXECUTE inl;
SET ROLE agent;
SELECT * FROM stable_emails();
SELECT * FROM atomic_names();
EXECUTE inl;

-- Cursors and prepared statements.
BEGIN;
DECLARE c CURSOR FOR SELECT email FROM users ORDER BY id;
FETCH 2 FROM c;
COMMIT;
PREPARE p AS SELECT email FROM users WHERE id = $1;
EXECUTE p(2);

-- COPY, table and query form.
COPY users TO STDOUT;
COPY users (id, email) TO STDOUT;
COPY (SELECT email FROM users WHERE id = 3) TO STDOUT;

-- CREATE TABLE AS stores what the identity read: masked.
CREATE TABLE copied AS SELECT * FROM users;
RESET ROLE;
SELECT email FROM copied ORDER BY id;
SET ROLE agent;

-- Writes of fresh values work; storing a masked read is refused.
INSERT INTO users VALUES (4, 'Dan', 'dan@example.com', 'sk-4', '1970-01-01', 'fourth');
UPDATE users SET note = 'changed' WHERE id = 4;
UPDATE users SET note = email WHERE id = 4;
UPDATE users SET email = lower(email) WHERE id = 4;
INSERT INTO users SELECT id + 10, name, email, api_key, born, note FROM users WHERE id = 1;
INSERT INTO copied SELECT * FROM users WHERE id = 1;
WITH src AS (SELECT email FROM users WHERE id = 1)
	UPDATE users SET note = (SELECT email FROM src) WHERE id = 4;
INSERT INTO users VALUES (4, 'x', 'y', 'z', null, 'w')
	ON CONFLICT (id) DO UPDATE SET note = users.email;
INSERT INTO users VALUES (4, 'x', 'dan2@example.com', 'z', null, 'w')
	ON CONFLICT (id) DO UPDATE SET email = excluded.email;
MERGE INTO users t USING (SELECT 4 AS id) s ON t.id = s.id
	WHEN MATCHED THEN UPDATE SET note = t.name;
-- RETURNING is a read.
UPDATE users SET note = 'ret' WHERE id = 4 RETURNING email, api_key;
RESET ROLE;
SELECT id, email, note FROM users WHERE id = 4;

-- Unmask grants: the principal reads clear; everyone else still masked.
SET ROLE label_admin;
SELECT governance.grant_unmasked('email', 'db:analyst');
SELECT governance.grant_unmasked('email', 'any');
SELECT governance.grant_unmasked('email', '!db:agent');
SELECT governance.grant_unmasked('nosuch', 'db:analyst');
SELECT governance.grant_unmasked('email', 'bogus:thing');
RESET ROLE;
SET ROLE analyst;
SELECT id, email, name FROM users ORDER BY id;
RESET ROLE;
SET ROLE agent;
SELECT id, email FROM users WHERE id = 1;
RESET ROLE;

-- A plan made for one role is not reused for another.
PREPARE q AS SELECT email FROM users WHERE id = 1;
EXECUTE q;
SET ROLE agent;
EXECUTE q;
SET ROLE analyst;
EXECUTE q;
RESET ROLE;

-- Token identities: role claims name principals too.
SET ROLE label_admin;
SELECT governance.grant_unmasked('pii', 'role:analyst');
RESET ROLE;
SET ROLE agent;
PREPARE r AS SELECT name FROM users WHERE id = 1;
EXECUTE r;
SET governance.token = :'tok_alice';
EXECUTE r;
SET governance.token = :'tok_agent';
EXECUTE r;
RESET governance.token;
EXECUTE r;
-- A change of who acts closes every cursor; and a cursor's plan runs only
-- under the identity that started it, however it is fetched.
SET governance.token = :'tok_alice';
BEGIN;
DECLARE clear_names CURSOR FOR SELECT name FROM users ORDER BY id;
FETCH 1 FROM clear_names;
SELECT set_config('governance.token', :'tok_agent', true) IS NOT NULL AS switched;
DO $$ DECLARE c refcursor := 'clear_names'; v text;
BEGIN FETCH c INTO v; RAISE NOTICE 'fetched %', v; END $$;
ROLLBACK;
BEGIN;
DECLARE clear_names CURSOR FOR SELECT name FROM users ORDER BY id;
FETCH 1 FROM clear_names;
SET LOCAL governance.token = :'tok_agent';
FETCH 1 FROM clear_names;
ROLLBACK;
-- WITH HOLD rows would outlive the identity that read them.
DECLARE held_names CURSOR WITH HOLD FOR SELECT name FROM users;
DECLARE held_ids CURSOR WITH HOLD FOR SELECT id FROM orders;
CLOSE held_ids;
RESET governance.token;
RESET ROLE;
SET ROLE label_admin;
SELECT governance.revoke_unmasked('pii', 'role:analyst');
SELECT governance.revoke_unmasked('pii', 'role:analyst');
RESET ROLE;

-- Statistics of labelled columns are hidden from masked identities.
ANALYZE users;
SELECT attname, most_common_vals IS NOT NULL OR histogram_bounds IS NOT NULL AS shown
  FROM pg_stats WHERE tablename = 'users' AND attname IN ('email', 'note') ORDER BY 1;
SET ROLE agent;
SELECT attname FROM pg_stats WHERE tablename = 'users' ORDER BY 1;
RESET ROLE;

-- Error details that quote rows are scrubbed for masked identities.
ALTER TABLE users ADD CONSTRAINT note_short CHECK (length(note) < 20);
SET ROLE agent;
UPDATE users SET note = repeat('x', 30) WHERE id = 1;
INSERT INTO users VALUES (1, 'dup', 'dup@x', 'k', null, null);
RESET ROLE;
UPDATE users SET note = repeat('x', 30) WHERE id = 1;

-- A masked owner may not attach code that would run on clear values.
SET ROLE agent;
CREATE TABLE mine (id int, secret_note text);
RESET ROLE;
SELECT governance.label_column('mine', 'secret_note', 'secret');
SET ROLE agent;
CREATE INDEX ON mine (lower(secret_note));
ALTER TABLE mine ADD COLUMN copy text GENERATED ALWAYS AS (secret_note) STORED;
CREATE FUNCTION leak() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t BEFORE UPDATE ON mine FOR EACH ROW EXECUTE FUNCTION leak();
CREATE POLICY p ON mine USING (secret_note = 'x');
RESET ROLE;

-- Nor own code reaching clear values another way: a partition of a
-- table it reads masked, a foreign key onto masked columns.
RESET ROLE;
CREATE TABLE owned_parts (id int, secret_note text) PARTITION BY RANGE (id);
ALTER TABLE owned_parts OWNER TO agent;
SELECT governance.label_column('owned_parts', 'secret_note', 'secret');
CREATE UNIQUE INDEX users_email_key ON users (email);
SET ROLE agent;
CREATE TABLE owned_parts_1 PARTITION OF owned_parts (CHECK (secret_note <> 'guess'))
	FOR VALUES FROM (0) TO (10);
CREATE TABLE follows (email varchar(64) REFERENCES users (email) ON UPDATE CASCADE);
CREATE TABLE follows (id int REFERENCES users);
DROP TABLE follows;
RESET ROLE;
-- A table with labels of its own cannot become a partition or a child
-- (labels pass down to partitions, not up to a parent): for anyone.
CREATE TABLE plain_parent (id int, secret_note text) PARTITION BY RANGE (id);
CREATE TABLE labelled_part (id int, secret_note text);
SELECT governance.label_column('labelled_part', 'secret_note', 'secret');
ALTER TABLE plain_parent ATTACH PARTITION labelled_part FOR VALUES FROM (0) TO (10);
CREATE TABLE plain_heir (id int, secret_note text);
ALTER TABLE labelled_part INHERIT plain_heir;

-- Labels in use are neither dropped nor given a mask that cannot serve them.
SELECT governance.drop_label('email');
SELECT governance.define_label('email', 'pseudonym', 'now pseudonyms');
SELECT governance.define_label('dates', 'email');
SELECT governance.label_column('users', 'born', 'dates');
SELECT governance.define_label('Bad Name', 'partial');
SELECT governance.define_label('x', 'nosuchmask');
SELECT governance.drop_label('nosuch');
TRUNCATE governance.labels CASCADE;
SELECT governance.define_label('note', 'null', 'always NULL');
SELECT governance.label_column('users', 'note', 'note');
SET ROLE agent;
SELECT id, note FROM users WHERE id = 1;
RESET ROLE;
SELECT governance.unlabel_column('users', 'note');
SELECT governance.drop_label('note');

-- Partitions carry their parent's labels.
CREATE TABLE events (id int, who text) PARTITION BY RANGE (id);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (100);
INSERT INTO events VALUES (1, 'alice@example.com');
GRANT SELECT ON events, events_1 TO agent;
SELECT governance.label_column('events', 'who', 'email');
SELECT governance.label_column('events_1', 'who', 'email');
-- (email is a pseudonym label by now: a keyed hash, random per cluster)
-- Pseudonym columns are not written by identities that read them masked:
-- writing a guess and reading back its pseudonym would confirm it.
GRANT INSERT, UPDATE ON events TO agent;
SET ROLE agent;
INSERT INTO events VALUES (2, 'guess@example.com');
UPDATE events SET who = 'guess@example.com' WHERE id = 1;
COPY events (id, who) FROM STDIN;
3	guess@example.com
\.
SELECT who ~ '^[0-9a-f]{16}$' AS pseudonym FROM events;
SELECT who ~ '^[0-9a-f]{16}$' AS pseudonym FROM events_1;
SELECT (SELECT who FROM events) = (SELECT who FROM events_1) AS same;
RESET ROLE;

-- Label changes are audit events.
SELECT event->>'action' AS action, event->>'label' AS label, event->>'principal' AS principal,
       event->'columns' AS columns
  FROM governance.audit_log
 WHERE type = 'label' AND seq > :start_seq ORDER BY seq;
-- A statement's event says which labelled columns it handed the client,
-- masked or clear; a column only filtered on is not handed over.
SET ROLE agent;
SELECT name FROM users WHERE id = 1;
SELECT id FROM users WHERE email LIKE 'z%' ORDER BY api_key;
SELECT s.n FROM (SELECT upper(name) AS n, email FROM users) s WHERE s.n > 'A' ORDER BY 1 LIMIT 1;
SELECT (SELECT api_key FROM users WHERE id = 2) AS k;
UPDATE users SET note = 'r' WHERE id = 4 RETURNING name;
RESET ROLE;
SET ROLE analyst;
SELECT u.email, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE o.id = 12;
RESET ROLE;
SELECT left(statement, 40) AS statement, event->'masked' AS masked, event->'unmasked' AS clear
  FROM governance.audit_log
 WHERE type = 'statement' AND seq > :start_seq AND event->>'current_role' IN ('agent', 'analyst')
   AND action = 'completed' AND statement NOT LIKE 'SET%' AND statement NOT LIKE 'RESET%'
 ORDER BY seq DESC LIMIT 6;
-- The fields do not depend on caches staying put until the statement
-- ends: here a function the query calls changes the table's privileges,
-- which invalidates its cached labels in the middle of the statement.
CREATE FUNCTION touch_users() RETURNS int LANGUAGE plpgsql SECURITY DEFINER
  AS $$ BEGIN GRANT TRUNCATE ON public.users TO analyst; RETURN 1; END $$;
SET ROLE agent;
SELECT email IS NOT NULL AS has_email, touch_users() AS t FROM users WHERE id = 1;
RESET ROLE;
SELECT left(statement, 40) AS statement, event->'masked' AS masked, event->'unmasked' AS clear
  FROM governance.audit_log
 WHERE type = 'statement' AND seq > :start_seq AND action = 'completed'
   AND statement LIKE 'SELECT email IS NOT NULL AS has_email, touch%';
REVOKE TRUNCATE ON users FROM analyst;
DROP FUNCTION touch_users();

-- A label the taxonomy does not define (pg_dump restores column labels
-- before the extension's rows): accepted with a warning, and the column
-- reads NULL for everyone but superusers until the label is defined.
SECURITY LABEL FOR governance ON COLUMN orders.total IS 'later';
SET ROLE analyst;
SELECT id, total FROM orders ORDER BY id;
RESET ROLE;
SELECT governance.label_column('orders', 'total', 'later');
SELECT governance.define_label('later', 'redact');
SET ROLE analyst;
SELECT id, total FROM orders ORDER BY id;
RESET ROLE;

-- Foreign-key checks and cascades compare stored values, even when the
-- tables' owner reads the key masked.
CREATE ROLE fk_owner;
CREATE TABLE fk_people (id int PRIMARY KEY, email text UNIQUE);
CREATE TABLE fk_refs (id int, email text REFERENCES fk_people (email) ON UPDATE CASCADE);
ALTER TABLE fk_people OWNER TO fk_owner;
ALTER TABLE fk_refs OWNER TO fk_owner;
INSERT INTO fk_people VALUES (1, 'alice@example.com');
SELECT governance.label_column('fk_people', 'email', 'pii');
SELECT governance.label_column('fk_refs', 'email', 'pii');
SET ROLE fk_owner;
INSERT INTO fk_refs VALUES (1, 'alice@example.com');
INSERT INTO fk_refs VALUES (2, 'a***************m');
RESET ROLE;
UPDATE fk_people SET email = 'alice@example.org' WHERE id = 1;
SELECT id, email FROM fk_refs;
DELETE FROM fk_people;
-- After SET ROLE to a masked role, constraint errors are scrubbed too.
SET ROLE fk_owner;
INSERT INTO fk_refs VALUES (3, 'nobody@example.com');
RESET ROLE;
DROP TABLE fk_refs, fk_people;
DROP ROLE fk_owner;

-- Clean up.
RESET governance.audit_sync;
DEALLOCATE ALL;
DROP OWNED BY agent, analyst, label_admin;
DROP TABLE users, orders, events, plain_parent, labelled_part, plain_heir CASCADE;
SELECT governance.drop_label('dates');
SELECT governance.drop_label('later');
DROP EXTENSION governance;
DROP ROLE agent;
DROP ROLE analyst;
DROP ROLE label_admin;
