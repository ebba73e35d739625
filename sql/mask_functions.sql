--
-- mask_functions: the mask functions, called directly.
--
-- Each kind on every type it supports, with the exact value it gives and
-- that value's type; the types each kind refuses; NULLs; and the
-- pseudonym, which must stay deterministic, agree across the types a
-- joined column may have, and never serve an ordinary user as a guessing
-- oracle.  Pseudonyms depend on the cluster's random key, so the test
-- asserts their form and their equalities, never their values.
--
-- A domain keeps its name through anyelement (pg_typeof shows it); the
-- value inside is of the domain's base type.
--

CREATE EXTENSION governance;
SET search_path = public, governance;
SET DateStyle = ISO;
SET IntervalStyle = postgres;
SET TimeZone = 'Asia/Tokyo';	-- +09, so UTC-based results are visible
CREATE DOMAIN public.email_address AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN public.some_json AS json;
CREATE ROLE mask_fn_user LOGIN;
CREATE ROLE mask_fn_admin LOGIN IN ROLE governance_admin;

-- The functions and how they are declared.
SELECT proname, pg_get_function_identity_arguments(oid) AS args,
	   prorettype::regtype AS returns, provolatile AS volatility,
	   proisstrict AS strict, proparallel AS parallel,
	   has_function_privilege('mask_fn_user', oid, 'EXECUTE') AS public_execute
  FROM pg_proc
 WHERE pronamespace = 'governance'::regnamespace AND proname LIKE 'mask\_%'
 ORDER BY proname;

--
-- partial
--

-- Strings keep their first and last characters; 3-4 characters keep
-- only the first, 1-2 keep nothing.  Characters, not bytes, are counted.
SELECT v AS value, mask_partial(v) AS masked, length(mask_partial(v)) = length(v) AS same_length,
	   pg_typeof(mask_partial(v))
  FROM (VALUES (''::text), ('a'), ('ab'), ('abc'), ('abcd'), ('abcde'),
			   ('Zoë Müller'), ('ééé'), ('日本語のテキスト'), ('a b')) AS t(v);

-- varchar(n), char(n) (the padding is not part of the value, but the
-- masked value is padded to the same length), name and a domain.
SELECT mask_partial('Zoë Müller'::varchar(20)) AS varchar_value,
	   pg_typeof(mask_partial('Zoë Müller'::varchar(20)));
SELECT format('[%s]', mask_partial('abcdef'::char(10))) AS char10,
	   format('[%s]', mask_partial('Zoë'::char(6))) AS char6,
	   format('[%s]', mask_partial(''::char(3))) AS char3_empty,
	   pg_typeof(mask_partial('abcdef'::char(10)));
SELECT mask_partial('postgres'::name) AS name_value,
	   pg_typeof(mask_partial('postgres'::name));
SELECT mask_partial('alice@example.com'::email_address) AS domain_value,
	   pg_typeof(mask_partial('alice@example.com'::email_address));
-- Cast to its base type, a domain's value masks to exactly that type.
SELECT pg_typeof(mask_partial('alice@example.com'::email_address::text));

-- A large value.
SELECT length(m) AS length, m = 'x' || repeat('*', 999998) || 'y' AS shape
  FROM (SELECT mask_partial(repeat('x', 999999) || 'y') AS m) AS t;

-- Numbers keep their sign and the leading digit of the integer part;
-- the rest is zero and the fraction goes.  One digit is all the value.
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES (0::int2), (7::int2), (-7::int2), (99::int2), (32767::int2),
			   ('-32768'::int2)) AS t(v);
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES (0::int4), (9), (-9), (10), (48213), (-48213), (2147483647),
			   ('-2147483648'::int4)) AS t(v);
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES (5::int8), (1234567890123), (9223372036854775807),
			   ('-9223372036854775808'::int8)) AS t(v);
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES (48213.77::numeric), (-48213.77), (0.37), (-0.37), (9.99),
			   (12.5), (-99.5), (0), (1e30), ('NaN'), ('Infinity'),
			   ('-Infinity')) AS t(v);
SELECT mask_partial(('7' || repeat('3', 2000))::numeric)
	   = ('7' || repeat('0', 2000))::numeric AS huge_numeric;
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES (48213.77::float8), (-48213.77), (12345.678), (-7.5),
			   ('-0'), (0.37), ('1.7976931348623157e308'), ('NaN'),
			   ('Infinity'), ('-Infinity')) AS t(v);
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES (48213.77::float4), (-3.4e38), ('-0'), ('NaN'),
			   ('Infinity')) AS t(v);

-- Dates keep their year; timestamps become the start of their year (a
-- timestamptz's year in UTC, whatever TimeZone says); times their hour.
-- Infinities stay; the earliest date there is has no January 1 before it.
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES ('2024-07-15'::date), ('2024-01-01'), ('0044-03-15 BC'),
			   ('4714-11-24 BC'), ('5874897-12-31'), ('infinity'),
			   ('-infinity')) AS t(v);
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES ('2024-07-15 13:45:10.5'::timestamp), ('4714-11-24 00:00 BC'),
			   ('infinity'), ('-infinity')) AS t(v);
SELECT v AS value, mask_partial(v) AS masked,
	   mask_partial(v) AT TIME ZONE 'UTC' AS masked_in_utc, pg_typeof(mask_partial(v))
  FROM (VALUES ('2024-07-15 13:45:10.5+00'::timestamptz),
			   ('2024-01-01 05:00:00+09'),	-- still 2023 in UTC
			   ('infinity')) AS t(v);
SELECT mask_partial('4714-11-24 00:00:00+00 BC'::timestamptz)
	   = '4714-11-24 00:00:00+00 BC'::timestamptz AS earliest_timestamptz;
SET TimeZone = 'America/New_York';
SELECT mask_partial('2024-01-01 05:00:00+09'::timestamptz) AT TIME ZONE 'UTC'
	   AS same_in_any_timezone;
SET TimeZone = 'Asia/Tokyo';
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES ('13:45:10.5'::time), ('00:59:59'), ('24:00:00')) AS t(v);

-- uuid and bytea keep their first bytes.
SELECT mask_partial('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid) AS uuid_value,
	   pg_typeof(mask_partial('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid));
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES ('\xdeadbeef'::bytea), ('\x41'), ('\x')) AS t(v);

-- jsonb: the same structure and keys, each string and number masked as
-- above; booleans and nulls stay.
SELECT jsonb_pretty(mask_partial('{"name": "Zoë Müller", "age": 48213, "vip": true,
	"note": null, "tags": ["ab", "abcdef", 0.37, -7, false],
	"address": {"city": "Lisboa", "zip": [1000, "1000-001"], "geo": {}},
	"history": [[1234, "abcd"], []]}'::jsonb)) AS masked;
SELECT v AS value, mask_partial(v) AS masked, pg_typeof(mask_partial(v))
  FROM (VALUES ('"hello"'::jsonb), ('12345'), ('-3.5'), ('true'), ('null'),
			   ('[]'), ('{}')) AS t(v);

--
-- email
--

-- The local part keeps its first character, the domain the first
-- character of its first label and everything from its last dot.
SELECT v AS value, mask_email(v) AS masked, pg_typeof(mask_email(v))
  FROM (VALUES ('alice@example.com'::text), ('bob@mail.example.co.uk'),
			   ('zoë.müller@exämple.de'), ('"a@b"@example.com'),
			   ('@example.com'), ('alice@'), ('alice@localhost'),
			   ('a@.com'), ('not an address'), ('ab'), ('')) AS t(v);
SELECT mask_email('alice@example.com'::varchar(40)) AS varchar_value,
	   pg_typeof(mask_email('alice@example.com'::varchar(40)));
SELECT format('[%s]', mask_email('alice@example.com'::char(20))) AS char20,
	   pg_typeof(mask_email('alice@example.com'::char(20)));
SELECT mask_email('alice@example.com'::email_address) AS domain_value,
	   pg_typeof(mask_email('alice@example.com'::email_address));

--
-- redact
--

-- One fixed value per type.  Strings are always eight stars, so not even
-- the length is left (a char(3) reads eight characters too).
SELECT mask_redact('Zoë Müller'::text) AS text_value,
	   mask_redact('x'::varchar(3)) AS varchar_value,
	   format('[%s]', mask_redact('abc'::char(3))) AS char3,
	   mask_redact('postgres'::name) AS name_value,
	   mask_redact('alice@example.com'::email_address) AS domain_value,
	   mask_redact(''::text) AS empty;
SELECT pg_typeof(mask_redact('x'::text)) AS text, pg_typeof(mask_redact('x'::varchar)) AS varchar,
	   pg_typeof(mask_redact('x'::char)) AS char, pg_typeof(mask_redact('x'::name)) AS name;
SELECT mask_redact(12345::int2) AS int2, mask_redact(-12345678) AS int4,
	   mask_redact(123456789012::int8) AS int8, mask_redact(48213.77) AS numeric,
	   mask_redact('NaN'::numeric) AS numeric_nan,
	   mask_redact(48213.77::float4) AS float4, mask_redact('NaN'::float8) AS float8_nan,
	   mask_redact('-Infinity'::float8) AS float8_inf;
SELECT pg_typeof(mask_redact(1::int2)) AS int2, pg_typeof(mask_redact(1::int4)) AS int4,
	   pg_typeof(mask_redact(1::int8)) AS int8, pg_typeof(mask_redact(1::numeric)) AS numeric,
	   pg_typeof(mask_redact(1::float4)) AS float4, pg_typeof(mask_redact(1::float8)) AS float8;
SELECT mask_redact(true) AS bool, mask_redact('2024-07-15'::date) AS date,
	   mask_redact('infinity'::date) AS date_inf,
	   mask_redact('2024-07-15 13:45'::timestamp) AS timestamp,
	   mask_redact('2024-07-15 13:45+00'::timestamptz) AT TIME ZONE 'UTC' AS timestamptz_in_utc,
	   mask_redact('13:45'::time) AS time,
	   mask_redact('3 days 04:05'::interval) AS interval;
SELECT pg_typeof(mask_redact(true)) AS bool, pg_typeof(mask_redact(current_date)) AS date,
	   pg_typeof(mask_redact(localtimestamp)) AS timestamp,
	   pg_typeof(mask_redact(now())) AS timestamptz,
	   pg_typeof(mask_redact(localtime)) AS time,
	   pg_typeof(mask_redact('1 day'::interval)) AS interval;
SELECT mask_redact('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid) AS uuid,
	   mask_redact('\xdeadbeef'::bytea) AS bytea,
	   mask_redact('{"a": [1, "secret"]}'::jsonb) AS jsonb,
	   mask_redact('192.168.1.5/24'::inet) AS inet4,
	   mask_redact('2001:db8::1'::inet) AS inet6;
SELECT pg_typeof(mask_redact(gen_random_uuid())) AS uuid,
	   pg_typeof(mask_redact('\x00'::bytea)) AS bytea,
	   pg_typeof(mask_redact('1'::jsonb)) AS jsonb,
	   pg_typeof(mask_redact('10.0.0.1'::inet)) AS inet,
	   jsonb_typeof(mask_redact('{"a": 1}'::jsonb)) AS jsonb_kind;
SELECT mask_redact('10.1.2.0/24'::cidr) AS cidr,
	   pg_typeof(mask_redact('10.1.2.0/24'::cidr)) AS cidr_type;

-- IP addresses (personal data, label pii): the first byte of an IPv4
-- address, the first two of an IPv6 one, the prefix length kept; a cidr
-- stays a valid cidr.
SELECT mask_partial('192.168.1.5'::inet) AS inet4,
	   mask_partial('192.168.1.5/24'::inet) AS inet4_prefix,
	   mask_partial('2001:db8::1'::inet) AS inet6,
	   mask_partial('10.1.2.0/24'::cidr) AS cidr,
	   pg_typeof(mask_partial('10.1.2.0/24'::cidr)) AS cidr_type;

--
-- null
--

-- NULL for every type, not only those the other masks support.
SELECT mask_null('Zoë'::text) IS NULL AS text, mask_null(42) IS NULL AS int4,
	   mask_null('{}'::json) IS NULL AS json, mask_null(point(1, 2)) IS NULL AS point,
	   mask_null(ARRAY[1, 2]) IS NULL AS int_array,
	   mask_null('alice@example.com'::email_address) IS NULL AS domain,
	   mask_null(NULL::text) IS NULL AS null_value;
SELECT pg_typeof(mask_null(42)) AS int4, pg_typeof(mask_null(point(1, 2))) AS point,
	   pg_typeof(mask_null(ARRAY[1, 2])) AS int_array;

--
-- NULL in, NULL out (the others are strict).
--
SELECT mask_partial(NULL::text) IS NULL AS partial, mask_email(NULL::text) IS NULL AS email,
	   mask_redact(NULL::int4) IS NULL AS redact, mask_pseudonym(NULL::text) IS NULL AS pseudonym,
	   mask_partial(NULL::jsonb) IS NULL AS partial_jsonb;

--
-- Types a kind cannot produce are refused.
--
SELECT mask_partial(true);
\set VERBOSITY terse
SELECT mask_partial('{"a": 1}'::json);
SELECT mask_partial('1 day'::interval);
SELECT mask_partial(ARRAY['a', 'b']);
SELECT mask_partial('{}'::some_json);
SELECT mask_email(42);
SELECT mask_email('alice@example.com'::name);
SELECT mask_email('"alice@example.com"'::jsonb);
SELECT mask_redact('{}'::json);
SELECT mask_redact(point(1, 2));
SELECT mask_pseudonym(1.5::float8);
SELECT mask_pseudonym(now());
SELECT mask_pseudonym('13:00'::time);
SELECT mask_pseudonym(true);
SELECT mask_pseudonym('{}'::json);
\set VERBOSITY default

--
-- pseudonym
--

-- Strings: 16 lowercase hex characters; the same value always gives the
-- same pseudonym, and text, varchar, char(n), name and a domain of the
-- same string agree, so joins across such columns still match.
SELECT mask_pseudonym('alice'::text) AS alice \gset
SELECT :'alice' ~ '^[0-9a-f]{16}$' AS hex16,
	   mask_pseudonym('alice'::text) = :'alice' AS deterministic,
	   mask_pseudonym('alice'::varchar(10)) = :'alice' AS varchar,
	   mask_pseudonym('alice'::char(10)) = :'alice' AS char10,
	   mask_pseudonym('alice'::name) = :'alice' AS name,
	   mask_pseudonym('alice@x'::email_address) = mask_pseudonym('alice@x'::text) AS domain,
	   mask_pseudonym('Alice'::text) <> :'alice' AS case_matters,
	   mask_pseudonym(''::text) ~ '^[0-9a-f]{16}$' AS empty_string;
SELECT pg_typeof(mask_pseudonym('a'::text)) AS text, pg_typeof(mask_pseudonym('a'::varchar)) AS varchar,
	   pg_typeof(mask_pseudonym('a'::char)) AS char, pg_typeof(mask_pseudonym('a'::name)) AS name,
	   pg_typeof(mask_pseudonym('a@b'::email_address)) AS domain;
-- Different values, different pseudonyms.
SELECT count(DISTINCT mask_pseudonym('user' || g)) AS distinct_pseudonyms
  FROM generate_series(1, 10000) AS g;
SELECT count(DISTINCT mask_pseudonym(g::int8)) AS distinct_int8
  FROM generate_series(1, 10000) AS g;
-- A large value.
SELECT mask_pseudonym(repeat('x', 10000000)) ~ '^[0-9a-f]{16}$' AS large_value;

-- Integers: the MAC's first 8 bytes, cut to the type's positive range,
-- so each integer type is the int8 pseudonym with the high bits cleared,
-- and the int8 pseudonym is the string pseudonym of the same text read
-- as a number.  A numeric is pseudonymised as the int8 of its value, with
-- trailing fractional zeros ignored (42.00 = 42).
SELECT mask_pseudonym(42::int8) AS p42 \gset
SELECT :p42 >= 0 AS nonnegative,
	   mask_pseudonym(42::int4) = (:p42 & 2147483647) AS int4,
	   mask_pseudonym(42::int2) = (:p42 & 32767) AS int2,
	   mask_pseudonym(42::numeric) = :p42 AS numeric,
	   mask_pseudonym(42.00::numeric) = :p42 AS numeric_scale,
	   (('x' || mask_pseudonym('42'::text))::bit(64)::int8 & 9223372036854775807) = :p42
		   AS same_mac_as_text,
	   mask_pseudonym(43::int8) <> :p42 AS differs;
SELECT pg_typeof(mask_pseudonym(1::int2)) AS int2, pg_typeof(mask_pseudonym(1::int4)) AS int4,
	   pg_typeof(mask_pseudonym(1::int8)) AS int8, pg_typeof(mask_pseudonym(1::numeric)) AS numeric,
	   mask_pseudonym(1.5::numeric) = trunc(mask_pseudonym(1.5::numeric)) AS numeric_integral,
	   mask_pseudonym('NaN'::numeric) >= 0 AS numeric_nan;
SELECT bool_and(mask_pseudonym(g::int2) BETWEEN 0 AND 32767) AS int2_range,
	   bool_and(mask_pseudonym(-g) >= 0) AS int4_range
  FROM generate_series(1, 1000) AS g;

-- uuid: a version 4 uuid made of the MAC's first 16 bytes.
SELECT mask_pseudonym('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid) AS pu \gset
SELECT :'pu' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS version4,
	   left(replace(:'pu', '-', ''), 12)
		   = left(mask_pseudonym('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::text), 12) AS same_mac_as_text,
	   pg_typeof(mask_pseudonym(gen_random_uuid()));

-- bytea: the whole MAC, 32 bytes; the value is read in hex whatever
-- bytea_output says.
SELECT length(mask_pseudonym('\xdeadbeef'::bytea)) AS bytes,
	   encode(substr(mask_pseudonym('\xdeadbeef'::bytea), 1, 8), 'hex')
		   = mask_pseudonym('\xdeadbeef'::text) AS same_mac_as_hex_text,
	   length(mask_pseudonym('\x'::bytea)) AS empty_bytes,
	   pg_typeof(mask_pseudonym('\x00'::bytea));
SELECT mask_pseudonym('\xdeadbeef'::bytea) AS pb \gset
SET bytea_output = escape;
SELECT mask_pseudonym('\xdeadbeef'::bytea) = :'pb'::bytea AS independent_of_bytea_output;
RESET bytea_output;

-- jsonb: a JSON string, the pseudonym of the document's canonical text.
SELECT mask_pseudonym('{"b": [1, 2], "a": "x"}'::jsonb) AS pj \gset
SELECT jsonb_typeof(:'pj'::jsonb) AS kind,
	   :'pj'::jsonb #>> '{}' ~ '^[0-9a-f]{16}$' AS hex16,
	   mask_pseudonym('{"a":"x","b":[1,2]}'::jsonb) = :'pj'::jsonb AS same_document,
	   :'pj'::jsonb #>> '{}' = mask_pseudonym('{"a": "x", "b": [1, 2]}'::text) AS same_mac_as_text,
	   pg_typeof(mask_pseudonym('1'::jsonb));

-- date: a day from 1900-01-01 to 2099-12-31, chosen by the MAC of the
-- ISO date (so DateStyle does not change it).
SELECT mask_pseudonym('1985-04-12'::date) AS pd,
	   mask_pseudonym('1985-04-12'::text) AS pdt \gset
SELECT :'pd'::date BETWEEN '1900-01-01' AND '2099-12-31' AS in_range,
	   :'pd'::date = date '1900-01-01' + ((('x' || left(:'pdt', 8))::bit(32)::int8 * 4294967296::numeric
			+ ('x' || right(:'pdt', 8))::bit(32)::int8) % 73049)::int AS from_the_mac,
	   pg_typeof(mask_pseudonym(current_date)),
	   mask_pseudonym('infinity'::date) BETWEEN '1900-01-01' AND '2099-12-31' AS infinity_too;
SET DateStyle = 'German, DMY';
SELECT mask_pseudonym('1985-04-12'::date) = :'pd'::date AS independent_of_datestyle;
SET DateStyle = ISO;

--
-- The guessing oracle.  Attack: an ordinary user computes the pseudonym
-- of a value of their choosing and compares it with what a masked column
-- shows, confirming a guess.  Defence: only the calls the rewrite puts
-- around labelled columns, superusers and governance_admin get one.
--
SET ROLE mask_fn_user;
SELECT mask_pseudonym('alice'::text);
SELECT mask_pseudonym(42);
-- The other masks are computed for anyone: they take nothing secret.
SELECT mask_partial('alice'::text), mask_redact(42), mask_email('a@b.c'::text);
RESET ROLE;

-- Attack: reach it through a SQL function (inlined into the query) or a
-- view, or spell the call differently.  The check is on the current user,
-- wherever the call came from.
CREATE FUNCTION public.pseudo_sql(text) RETURNS text
LANGUAGE sql STABLE AS 'SELECT governance.mask_pseudonym($1)';
CREATE VIEW public.pseudo_view AS
SELECT governance.mask_pseudonym('alice'::text) AS p;
GRANT SELECT ON public.pseudo_view TO mask_fn_user;
SET ROLE mask_fn_user;
SELECT public.pseudo_sql('alice');
SELECT p FROM public.pseudo_view;
SELECT * FROM governance.mask_pseudonym('alice'::text);
SELECT (SELECT governance.mask_pseudonym(v) FROM (VALUES ('alice'::text)) AS t(v));
RESET ROLE;

-- A member of governance_admin computes them, and gets the same ones.
SET ROLE mask_fn_admin;
SELECT mask_pseudonym('alice'::text) = :'alice' AS admin_computes;
SELECT public.pseudo_sql('alice') = :'alice' AS through_sql_function;
RESET ROLE;
-- A superuser too.
SELECT p = :'alice' AS superuser_computes FROM public.pseudo_view;

-- A SECURITY DEFINER function of a superuser computes them for anyone
-- it lets call it: that is its owner's decision to make.
CREATE FUNCTION public.pseudo_definer(text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS 'SELECT governance.mask_pseudonym($1)';
SET ROLE mask_fn_user;
SELECT public.pseudo_definer('alice') = :'alice' AS definer_computes;
RESET ROLE;

-- Clean up.
DROP VIEW public.pseudo_view;
DROP FUNCTION public.pseudo_sql(text);
DROP FUNCTION public.pseudo_definer(text);
DROP DOMAIN public.email_address;
DROP DOMAIN public.some_json;
DROP EXTENSION governance;
DROP ROLE mask_fn_user;
DROP ROLE mask_fn_admin;
