--
-- output_scan_attacks: attacks on the output scan's bookkeeping rather
-- than on its detectors.
--
-- 1. What a nested statement runs cannot change which columns the
-- receiver of the statement around it leaves unscanned.
--
-- A utility statement's receiver (EXECUTE, FETCH, CALL, EXPLAIN) leaves a
-- labelled column unscanned (its mask carries no secret).  It learns which
-- columns are labelled only from the plan whose rows it is handed: the
-- plan that writes into it, or the plan that filled the hold store of the
-- portal active when it starts up.  A prepared statement executed by a
-- function inside CALL, EXECUTE or EXPLAIN fills a store of its own,
-- whose plan has a labelled column; these attacks used that to have the
-- outer statement's values delivered unscanned.  Each attack is stated
-- above it; the defence is the redaction in the output.
--
\set pem `cat test/keys/rsa_private.pem`
\set aws 'AKIAQ3ZP7WXKD2LM4T6B'

SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'governance') AS own_extension \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS governance;
RESET client_min_messages;

CREATE ROLE osn_agent LOGIN;
CREATE SCHEMA osn;
GRANT USAGE ON SCHEMA osn TO osn_agent;
CREATE TABLE osn.customers (id int, email text);
INSERT INTO osn.customers VALUES (1, 'alice@example.com');
SELECT governance.label_column('osn.customers', 'email', 'email');
CREATE TABLE osn.s (id int PRIMARY KEY, body text);
INSERT INTO osn.s VALUES (1, :'aws'), (2, :'pem');
GRANT SELECT ON osn.customers, osn.s TO osn_agent;
GRANT CREATE ON SCHEMA osn TO osn_agent;

SET ROLE osn_agent;
CREATE TABLE osn.scratch (x int);
-- Prepared statements whose one or two output columns are the labelled
-- email, run through a store (a data-modifying CTE).
PREPARE q1 AS WITH w AS (INSERT INTO osn.scratch VALUES (1) RETURNING x)
	SELECT email FROM osn.customers;
PREPARE q2 AS WITH w AS (INSERT INTO osn.scratch VALUES (1) RETURNING x)
	SELECT email, email FROM osn.customers;

-- The plans themselves: the email is masked, not redacted.
EXECUTE q1;

-- Control: CALL hands its output parameters on scanned.
CREATE PROCEDURE osn.ctl(INOUT a text, INOUT b text) LANGUAGE plpgsql AS $$
BEGIN
	SELECT body INTO a FROM osn.s WHERE id = 1;
	SELECT body INTO b FROM osn.s WHERE id = 2;
END $$;
CALL osn.ctl(NULL, NULL);

-- Attack: the procedure also runs EXECUTE q2, whose two columns are
-- labelled, before CALL hands on its two output parameters.
-- Defence: both parameters are redacted.
CREATE PROCEDURE osn.leak(INOUT a text, INOUT b text) LANGUAGE plpgsql AS $$
BEGIN
	SELECT body INTO a FROM osn.s WHERE id = 1;
	SELECT body INTO b FROM osn.s WHERE id = 2;
	EXECUTE 'EXECUTE q2';
END $$;
CALL osn.leak(NULL, NULL);

-- Attack: a top-level EXECUTE of a statement that calls a function which
-- runs EXECUTE q1.
-- Defence: the outer statement's column is redacted.
CREATE FUNCTION osn.f() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	a text;
BEGIN
	SELECT body INTO a FROM osn.s WHERE id = 1;
	EXECUTE 'EXECUTE q1';
	RETURN a;
END $$;
PREPARE outer_q AS WITH w AS (INSERT INTO osn.scratch VALUES (2) RETURNING x)
	SELECT osn.f();
EXECUTE outer_q;

-- Attack: the same, the inner statement run after the outer one has
-- started handing rows on (a function in the select list of each row).
CREATE FUNCTION osn.g(i int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	a text;
BEGIN
	EXECUTE 'EXECUTE q1';
	SELECT body INTO a FROM osn.s WHERE id = i;
	RETURN a;
END $$;
PREPARE outer_q2 AS WITH w AS (INSERT INTO osn.scratch VALUES (3) RETURNING x)
	SELECT osn.g(1) FROM generate_series(1, 2) i;
EXECUTE outer_q2;

-- Attack: EXPLAIN ANALYZE VERBOSE of a query whose constant was folded
-- from data (an IMMUTABLE function reading the secret), beside a function
-- that runs EXECUTE q1.
-- Defence: EXPLAIN's line quoting the constant is redacted.
CREATE FUNCTION osn.imm() RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$
DECLARE
	a text;
BEGIN
	SELECT body INTO a FROM osn.s WHERE id = 1;
	RETURN a;
END $$;
CREATE FUNCTION osn.h() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE 'EXECUTE q1';
	RETURN 1;
END $$;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT osn.imm(), osn.h();

-- Attack: a cursor whose query runs EXECUTE q1 in each row, fetched;
-- and the same cursor held past its transaction (its rows put in a
-- store at COMMIT) and fetched after.
-- (A WITH HOLD cursor may not read a labelled column itself.)
-- Defence: FETCH hands on the body redacted and the email masked.
BEGIN;
DECLARE c CURSOR FOR SELECT osn.g(1) AS body, email FROM osn.customers;
FETCH ALL FROM c;
DECLARE d CURSOR WITH HOLD FOR SELECT osn.g(1) AS body FROM generate_series(1, 2);
COMMIT;
FETCH ALL FROM d;
CLOSE d;

-- 2. A message is scrubbed whatever state the session is in when it is
-- raised: the scan does not wait for a statement to hand rows on to know
-- that the identity is masked.
CREATE FUNCTION osn.imm_int() RETURNS int IMMUTABLE LANGUAGE sql AS
	$$ SELECT body::int FROM osn.s WHERE id = 1 $$;
CREATE FUNCTION osn.imm_warn() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
DECLARE
	v text;
BEGIN
	SELECT body INTO v FROM osn.s WHERE id = 1;
	RAISE WARNING 'w: %', v;
	RETURN 1;
END $$;
-- Control: an error quoting the value, raised while planning.
SELECT osn.imm_int();
-- Attack: the same right after the ROLLBACK of an aborted transaction,
-- where the catalogs could not be read.
-- Defence: the error and the warning are scrubbed.
BEGIN;
SELECT 1 / 0;
ROLLBACK;
SELECT osn.imm_int();
BEGIN;
SELECT 1 / 0;
ROLLBACK;
SELECT osn.imm_warn();
-- Attack: the secret in the internal query of an error (QUERY:, and the
-- excerpt under it).
-- Defence: that field is scrubbed as well.
DO $$
DECLARE
	v text;
BEGIN
	SELECT body INTO v FROM osn.s WHERE id = 1;
	EXECUTE 'SELECT 1 WHERE ' || quote_literal(v) || ' = 1 +';
END $$;
RESET ROLE;

-- Attack: SET ROLE to the masked role from an unmasked login (a pooler's
-- way), and the error raised while planning the first statement after.
-- Defence: scrubbed: the state computed for the login is not taken for
-- the role set.
SELECT 1 AS as_superuser;
SET ROLE osn_agent;
SELECT osn.imm_int();
RESET ROLE;

-- 3. A secret written into DDL is stored in the catalogs as a node tree,
-- which writes a constant as its bytes in decimal.
-- Attack: read the raw node trees of a column default and of a SQL
-- function's body.
-- Defence: the bytes of each constant are searched: both are redacted;
-- pg_get_expr() gives the text, also redacted; a node tree holding no
-- secret is delivered.
CREATE TABLE osn.hooks (id int, auth text DEFAULT 'Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc',
	note text DEFAULT 'nothing secret here');
CREATE FUNCTION osn.stripe_key() RETURNS text LANGUAGE sql
	BEGIN ATOMIC SELECT 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'; END;
GRANT SELECT ON osn.hooks TO osn_agent;
SET ROLE osn_agent;
SELECT adnum, adbin FROM pg_attrdef WHERE adrelid = 'osn.hooks'::regclass AND adnum = 2;
SELECT adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'osn.hooks'::regclass ORDER BY adnum;
SELECT adbin AS clean_tree FROM pg_attrdef WHERE adrelid = 'osn.hooks'::regclass AND adnum = 3 \gset
SELECT :'clean_tree' LIKE '{CONST %:constvalue 23 [ 92 0 0 0 110 111 116 %' AS clean_tree_delivered;
SELECT prosqlbody FROM pg_proc WHERE oid = 'osn.stripe_key'::regproc;
RESET ROLE;

-- 4. A value is searched as the text the client receives, not only piece
-- by piece: a secret that is whole only in that text is found.
CREATE TABLE osn.jb (k text, j jsonb);
INSERT INTO osn.jb VALUES
	('ecs_env', '{"environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY"}]}'),
	('array_under_key', '{"aws_secret_access_key": ["wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY"]}'),
	('nested_value', '{"aws_secret_access_key": {"value": "wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY"}}'),
	('kv_pairs', '[["aws_secret_access_key", "wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY"]]'),
	('other_key', '{"build_id": "wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY"}'),
	('value_first', '{"variable": "AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY"}'),
	('clean', '{"name": "AWS_REGION", "value": "eu-west-1"}');
CREATE TABLE osn.lines (id int, a text[], j jsonb, jt json);
INSERT INTO osn.lines VALUES
	(1, string_to_array(:'pem', E'\n'), to_jsonb(string_to_array(:'pem', E'\n')),
	 to_json(string_to_array(:'pem', E'\n'))),
	(2, ARRAY['plain', 'lines'], '["plain", "lines"]', '["plain", "lines"]');
CREATE TYPE osn.kv AS (k text, v text);
GRANT SELECT ON osn.jb, osn.lines TO osn_agent;
SET ROLE osn_agent;
-- Attack: a cloud secret in jsonb whose name is not its own key: the
-- name/value shape of a container's environment, an array under the
-- key, a nested object, [key, value] pairs, and a name/value pair that
-- jsonb's key order (shorter keys first) writes value first.
-- Defence: the jsonb's text is searched: each is the JSON string of the
-- redaction; the same 40 characters under another name, and a clean
-- document, are delivered.
SELECT k, j FROM osn.jb ORDER BY k;
-- Attack: a private key stored as an array of its lines (text[], jsonb,
-- json); a row whose two fields are the name and the key.
-- Defence: the array's text is searched whole: the text[] becomes NULL
-- (no element alone holds the key), the json and jsonb the redaction;
-- arrays with nothing in them are delivered.
SELECT id, a, j, jt FROM osn.lines ORDER BY id;
SELECT ROW('aws_secret_access_key', 'wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY')::osn.kv AS r,
	   ROW('region', 'eu-west-1')::osn.kv AS clean;
-- Attack: a column named after a value read (a temporary view made by
-- dynamic SQL), its name written by COPY's header line, which COPY
-- writes before it runs the query.
-- Defence: the name is replaced in the result's descriptor; the rows
-- and the other names are as they were.
DO $$
BEGIN
	EXECUTE format('CREATE TEMP VIEW named AS SELECT 1 AS %I, 2 AS plain',
		(SELECT body FROM osn.s WHERE id = 1));
END $$;
COPY (SELECT * FROM named) TO STDOUT WITH (FORMAT csv, HEADER);
-- FORCE_QUOTE names that column as it was written: COPY looks it up in
-- the descriptor after the name was replaced, and still finds it.  Two
-- columns a detector fires in get a replacement each (the second with
-- its number), so each name in the list stands for its own column.
COPY (SELECT * FROM named) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (:"aws", plain));
DROP VIEW named;
\set aws2 :aws ' '
CREATE TEMP VIEW named AS SELECT 1 AS :"aws", 2 AS plain, 3 AS :"aws2";
COPY (SELECT * FROM named) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (:"aws2", :"aws"));
COPY (SELECT * FROM named) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (:"aws2"));
-- A column named as a replacement is told apart from the replaced one.
COPY (SELECT 1 AS :"aws", 2 AS "[redacted: aws_key]") TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (:"aws"));
-- COPY of a table, which is turned into a query of it.
CREATE TEMP TABLE named_t AS SELECT * FROM named;
COPY named_t TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (:"aws"));
DROP TABLE named_t;
-- A name that is in no column is still refused as COPY refuses it.
COPY (SELECT * FROM named) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (nosuch));
DROP VIEW named;
RESET ROLE;

-- Cleanup
DEALLOCATE ALL;
SET client_min_messages = warning;
DROP SCHEMA osn CASCADE;
RESET client_min_messages;
\if :own_extension
DROP EXTENSION governance;
\endif
DROP ROLE osn_agent;
