--
-- identity_attacks: an ordinary login tries to act as someone else, to
-- keep acting once it should not, to forge or loosen the verification
-- settings, and to read a token back.
--
-- The attacker, mallory, is a non-superuser that holds a valid token of its
-- own (sub "mallory") and a valid token of alice's.  Every attack is stated
-- in a comment with the defence it must meet; after each refused attempt
-- the query
--     SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
-- shows the SQLSTATE of the refusal (psql's SQLSTATE variable: that of the
-- statement just before, 00000 had it succeeded) and that mallory still
-- acts.
--
-- Tokens are minted for each run by test/tools (openssl, not the library
-- under test).  None is ever printed: only identities, booleans and the
-- refusals' messages are.
--

-- Claims shared by hand-written payloads: the configured issuer and
-- audience and an expiry an hour away.
\set exp_ok `echo $(( $(date +%s) + 3600 ))`
\set exp_gone `echo $(( $(date +%s) - 60 ))`
\set std_claims '"iss":"https://idp.example.com","aud":"orders-db","exp":' :exp_ok

\set tok_mallory `test/tools/token sub=mallory 'roles=["reader"]'`
\set tok_alice `test/tools/token sub=alice 'roles=["analyst","approver"]'`
\set tok_expired_alice `test/tools/token sub=alice exp=-60`

CREATE EXTENSION governance;
-- The attacks build tokens in SQL and read them back into psql variables;
-- the output scan (sql/output_scan.sql) would hand mallory, a masked
-- identity, a redaction for each.  It is off for this suite: turning it
-- off is the superuser's alone, as the attacks on the settings show.
SET governance.output_scan = off;
CREATE ROLE mallory LOGIN;
CREATE ROLE watcher LOGIN IN ROLE governance_admin;
SELECT current_user AS superuser \gset

-- The attacker's tools: base64url and token surgery, in plain SQL.
CREATE SCHEMA attack;
GRANT USAGE ON SCHEMA attack TO mallory, watcher;
CREATE FUNCTION attack.b64url(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT rtrim(translate(replace(encode(b, 'base64'), E'\n', ''), '+/', '-_'), '=') $$;
CREATE FUNCTION attack.unb64url(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT decode(rpad(translate(t, '-_', '+/'), (length(t) + 3) / 4 * 4, '='), 'base64') $$;
CREATE FUNCTION attack.part(tok text, n int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT split_part(tok, '.', n) $$;
-- The token with its claims replaced, header and signature kept.
CREATE FUNCTION attack.with_claims(tok text, claims jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT attack.part(tok, 1) || '.' ||
			 attack.b64url(convert_to(claims::text, 'UTF8')) || '.' ||
			 attack.part(tok, 3) $$;
CREATE FUNCTION attack.claims(tok text) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT convert_from(attack.unb64url(attack.part(tok, 2)), 'UTF8')::jsonb $$;
-- The token with one bit of its signature's middle byte flipped.
CREATE FUNCTION attack.flip_signature_bit(tok text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT attack.part(tok, 1) || '.' || attack.part(tok, 2) || '.' ||
			 attack.b64url(set_byte(s, length(s) / 2, get_byte(s, length(s) / 2) # 1))
		FROM attack.unb64url(attack.part(tok, 3)) AS s $$;
-- Every segment re-encoded in the standard base64 alphabet, with padding.
CREATE FUNCTION attack.std_base64(tok text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT string_agg(replace(encode(attack.unb64url(p), 'base64'), E'\n', ''), '.' ORDER BY n)
		FROM unnest(string_to_array(tok, '.')) WITH ORDINALITY AS u(p, n) $$;
-- The same bytes with a padding bit set in the last character: a second
-- text for the same signature.
CREATE FUNCTION attack.noncanonical(tok text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT left(tok, -1) || substr(a, ((strpos(a, right(tok, 1)) - 1) | 1) + 1, 1)
		FROM (VALUES ('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')) AS v(a) $$;
-- Does text hold something shaped like a JWT?
CREATE FUNCTION attack.jwt_shaped(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$ SELECT coalesce(t ~ '[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.', false) $$;

-- Rows only the subject named in the token may read.
CREATE TABLE attack.vault (owner text, secret text);
INSERT INTO attack.vault VALUES ('mallory', 'mallory''s note'), ('admin', 'admin''s secret');
ALTER TABLE attack.vault ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON attack.vault USING (owner = governance.claim('sub'));
GRANT SELECT ON attack.vault TO mallory;

-- Functions a DBA might provide: they switch identity with the owner's
-- (a superuser's) rights.
CREATE FUNCTION public.use_token(t text) RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
AS $$ SELECT set_config('governance.token', t, false) $$;
CREATE FUNCTION public.use_token_dynamic(t text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$ BEGIN EXECUTE format('SET governance.token = %L', t); END $$;

-- Every governance setting (governance.token is not listed, by design),
-- with what it is in force and a value an attacker would like instead.
CREATE TABLE attack.settings AS
SELECT name, context, setting, source,
	   CASE name
		   WHEN 'governance.jwt_public_keys_file' THEN '/tmp/mallory-keys.pem'
		   WHEN 'governance.jwt_hmac_secret_file' THEN '/tmp/mallory.secret'
		   WHEN 'governance.jwt_issuer' THEN 'https://evil.example.com'
		   WHEN 'governance.jwt_audience' THEN 'billing-db'
		   WHEN 'governance.jwt_algorithms' THEN 'HS256'
		   WHEN 'governance.jwt_clock_skew' THEN '3600'
		   WHEN 'governance.jwt_roles_claim' THEN 'groups'
		   WHEN 'governance.token_cache_size' THEN '1'
		   WHEN 'governance.output_scan' THEN 'off'
		   ELSE CASE vartype
					WHEN 'bool' THEN CASE setting WHEN 'on' THEN 'off' ELSE 'on' END
					WHEN 'integer' THEN '1'
					WHEN 'real' THEN '1'
					WHEN 'enum' THEN enumvals[1]
					ELSE 'mallory'
				END
	   END AS forged
  FROM pg_settings
 WHERE name LIKE 'governance.%';
GRANT SELECT ON attack.settings TO mallory;
SELECT name, context FROM attack.settings ORDER BY name;

-- mallory acts under its own token.
SET ROLE mallory;
SET governance.token = :'tok_mallory';
SELECT j->>'kind' AS kind, j->>'sub' AS sub, j->'roles' AS roles,
	   j->>'db_role' = :'superuser' AS session_user_is_superuser,
	   j->>'current_role' AS current_role
  FROM governance.whoami() AS j;
SELECT * FROM attack.vault;

-- Controls, so that the refusals below mean something: the token surgery
-- tools round-trip a genuine token exactly, and hand-written claims signed
-- with the right keys (RS256 and HS256) are accepted.
SELECT attack.part(:'tok_alice', 1) || '.' ||
	   attack.b64url(attack.unb64url(attack.part(:'tok_alice', 2))) || '.' ||
	   attack.b64url(attack.unb64url(attack.part(:'tok_alice', 3))) = :'tok_alice' AS round_trip;
\set tok_control_rs `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"control-rs"}'`
\set tok_control_hs `test/tools/mint-token --alg HS256 --secret-file test/keys/hmac.secret --claims '{':'std_claims'',"sub":"control-hs"}'`
SET governance.token = :'tok_control_rs';
SELECT governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_control_hs';
SELECT governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_mallory';

--
-- Unsigned tokens.
--

-- Attack: "alg":"none" and an empty signature, claiming admin.
-- Defence: refused (unsupported algorithm), mallory still acts.
\set tok_none `test/tools/token --alg none sub=admin 'roles=["dba"]'`
SET governance.token = :'tok_none';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: "alg":"none" but a real RS256 signature attached, hoping the
-- header picks the (absent) check while the signature looks plausible.
-- Defence: refused before any signature is looked at.
\set tok_none_signed `test/tools/token --header '{"alg":"none"}' sub=admin`
SET governance.token = :'tok_none_signed';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: "None", "NONE" and "nOnE", for verifiers that compare "none"
-- case-sensitively but look algorithms up case-insensitively.
-- Defence: each refused.
\set tok_none_cap `test/tools/token --alg none --header '{"alg":"None"}' sub=admin`
\set tok_none_upper `test/tools/token --alg none --header '{"alg":"NONE"}' sub=admin`
\set tok_none_mixed `test/tools/token --alg none --header '{"alg":"nOnE"}' sub=admin`
SET governance.token = :'tok_none_cap';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_none_upper';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_none_mixed';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: no "alg" at all, and an "alg" in lower case ("rs256").
-- Defence: refused; an algorithm is never guessed.
\set tok_no_alg `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --raw-header '{"typ":"JWT"}' --claims '{':'std_claims'',"sub":"admin"}'`
\set tok_lower_alg `test/tools/token --header '{"alg":"rs256"}' sub=admin`
SET governance.token = :'tok_no_alg';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_lower_alg';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

--
-- Key confusion and foreign keys.
--

-- Attack: HS256 with the server's RSA public key PEM as the HMAC secret
-- (the public key is public: anyone can compute this MAC).
-- Defence: an RSA key admits only RS*; HS* is checked only against the
-- HMAC secret, which this MAC does not match.
\set tok_hs_rsa_pem `test/tools/mint-token --alg HS256 --hmac-key-file test/keys/rsa_public.pem --claims '{':'std_claims'',"sub":"admin"}'`
SET governance.token = :'tok_hs_rsa_pem';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the same with the EC public key PEM, with the whole trusted key
-- file, and with HS512.
-- Defence: each refused.
\set tok_hs_ec_pem `test/tools/mint-token --alg HS256 --hmac-key-file test/keys/ec_public.pem --claims '{':'std_claims'',"sub":"admin"}'`
\set tok_hs_keyfile `test/tools/mint-token --alg HS256 --hmac-key-file test/keys/public_keys.pem --claims '{':'std_claims'',"sub":"admin"}'`
\set tok_hs512_rsa_pem `test/tools/mint-token --alg HS512 --hmac-key-file test/keys/rsa_public.pem --claims '{':'std_claims'',"sub":"admin"}'`
SET governance.token = :'tok_hs_ec_pem';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_hs_keyfile';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_hs512_rsa_pem';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a well-formed RS256 token signed by a key the server does not
-- trust (the attacker's own).
-- Defence: refused, no configured key verifies it.
\set tok_other_key `test/tools/token --key other-rsa sub=admin 'roles=["dba"]'`
SET governance.token = :'tok_other_key';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the attacker's token carries its own public key ("jwk") and a
-- key URL ("jku", "x5u"), for verifiers that trust keys the token brings.
-- Defence: refused; only configured keys verify.
\set tok_embedded_key `test/tools/token --key other-rsa --header '{"jwk":{"kty":"RSA","e":"AQAB","n":"AQAB"},"jku":"https://evil.example.com/jwks.json","x5u":"https://evil.example.com/cert.pem"}' sub=admin`
SET governance.token = :'tok_embedded_key';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a "kid" no configured key has (the keys have none), and one
-- that looks like a path, on tokens signed by a key of the attacker's.
-- Rule: a kid selects among the configured keys, never resolves to a file
-- or URL; one that no key has is tried against the configured keys
-- without one (a PEM file's), as identity providers' tokens need.
-- Defence: refused; only configured keys verify.
\set tok_kid `test/tools/token --key other-rsa --header '{"kid":"k1"}' sub=admin`
\set tok_kid_path `test/tools/token --key other-rsa --header '{"kid":"../../../../dev/null"}' sub=admin`
\set tok_kid_number `test/tools/token --header '{"kid":42}' sub=admin`
SET governance.token = :'tok_kid';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_kid_path';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_kid_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the header lies about the algorithm: RS256 in the header but an
-- HS256 MAC under the real HMAC secret, and the reverse (HS256 header,
-- RS256 signature by the real RSA key).
-- Defence: the header's algorithm picks the key, and the signature must
-- be that algorithm's under that key: both refused.
\set tok_rs_header_hs_sig `test/tools/mint-token --alg RS256 --sign-alg HS256 --secret-file test/keys/hmac.secret --claims '{':'std_claims'',"sub":"admin"}'`
\set tok_hs_header_rs_sig `test/tools/mint-token --alg HS256 --sign-alg RS256 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"admin"}'`
SET governance.token = :'tok_rs_header_hs_sig';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_hs_header_rs_sig';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the same within a family (RS256 header, RS512 signature by the
-- right key), and across families (ES256 header, RS256 signature).
-- Defence: both refused.
\set tok_rs256_header_rs512_sig `test/tools/mint-token --alg RS256 --sign-alg RS512 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"admin"}'`
\set tok_es_header_rs_sig `test/tools/mint-token --alg ES256 --sign-alg RS256 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"admin"}'`
SET governance.token = :'tok_rs256_header_rs512_sig';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_es_header_rs_sig';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: ES384 signed by the trusted P-256 key (an algorithm the key's
-- curve does not pin).
-- Defence: refused, no key admits ES384.
\set tok_es384_p256 `test/tools/token --alg ES384 --key ec sub=admin`
SET governance.token = :'tok_es384_p256';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

--
-- Claims that must not pass.
--

-- Attack: a genuine token that has expired (one second ago would do).
-- Defence: refused.
\set tok_expired `test/tools/token sub=admin exp=-1`
SET governance.token = :'tok_expired';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a genuine token whose "nbf" is in the future.
-- Defence: refused.
\set tok_nbf `test/tools/token sub=admin nbf=+600`
SET governance.token = :'tok_nbf';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a genuine signature but another issuer, a look-alike issuer
-- (trailing slash, longer host) and no issuer.
-- Defence: each refused; the issuer is compared exactly.
\set tok_iss_evil `test/tools/token sub=admin iss=https://evil.example.com`
\set tok_iss_slash `test/tools/token sub=admin iss=https://idp.example.com/`
\set tok_iss_longer `test/tools/token sub=admin iss=https://idp.example.com.evil.example`
\set tok_iss_missing `test/tools/token sub=admin iss=-`
SET governance.token = :'tok_iss_evil';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_iss_slash';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_iss_longer';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_iss_missing';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a token meant for another service: aud a string, aud a list
-- without ours, an empty list, a differently cased name, and no aud.
-- Defence: each refused.
\set tok_aud_other `test/tools/token sub=admin aud=billing-db`
\set tok_aud_list `test/tools/token sub=admin 'aud=["billing-db","payments-db"]'`
\set tok_aud_empty `test/tools/token sub=admin 'aud=[]'`
\set tok_aud_case `test/tools/token sub=admin aud=ORDERS-DB`
\set tok_aud_missing `test/tools/token sub=admin aud=-`
SET governance.token = :'tok_aud_other';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_aud_list';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_aud_empty';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_aud_case';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_aud_missing';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a token valid in every respect but meant for another audience,
-- set with set_config() instead of SET, for the session and locally.
-- Defence: set_config() is verified exactly like SET; both refused.
SELECT set_config('governance.token', :'tok_aud_other', false) IS NOT NULL AS set;
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SELECT set_config('governance.token', :'tok_aud_other', true) IS NOT NULL AS set;
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
BEGIN;
SELECT set_config('governance.token', :'tok_aud_other', true) IS NOT NULL AS set;
\set refused_with :SQLSTATE
ROLLBACK;
SELECT :'refused_with' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: no subject, an empty subject, a null subject: an identity with
-- no one behind it.
-- Defence: refused, "sub" is required.
\set tok_no_sub `test/tools/token name=admin 'roles=["dba"]'`
\set tok_empty_sub `test/tools/token 'sub=""'`
\set tok_null_sub `test/tools/token sub=null`
SET governance.token = :'tok_no_sub';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_empty_sub';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_null_sub';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: claims of the wrong JSON type, for code that would coerce them
-- (a numeric sub, a string exp or nbf that a lenient reader skips, an act
-- that is a string or has a numeric sub, roles as an object or with a
-- number, aud and iss as numbers, a numeric jti, a string iat).
-- Defence: each refused as a claim of the wrong type.
\set tok_sub_number `test/tools/token sub=0`
\set tok_exp_string `test/tools/token sub=admin 'exp="9999999999"'`
\set tok_nbf_string `test/tools/token sub=admin 'nbf="0"'`
\set tok_act_string `test/tools/token sub=admin act=agent-7`
\set tok_act_sub_number `test/tools/token sub=admin 'act={"sub":7}'`
\set tok_roles_object `test/tools/token sub=admin 'roles={"dba":true}'`
\set tok_roles_mixed `test/tools/token sub=admin 'roles=["dba",1]'`
\set tok_aud_number `test/tools/token sub=admin aud=42`
\set tok_aud_list_number `test/tools/token sub=admin 'aud=[42,"orders-db"]'`
\set tok_iss_number `test/tools/token sub=admin iss=42`
\set tok_jti_number `test/tools/token sub=admin jti=7`
\set tok_iat_string `test/tools/token sub=admin 'iat="now"'`
SET governance.token = :'tok_sub_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_exp_string';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_nbf_string';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_act_string';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_act_sub_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_roles_object';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_roles_mixed';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_aud_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_aud_list_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_iss_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_jti_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_iat_string';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

--
-- Ambiguous JSON.
--

-- Attack: two "sub" members in the signed claims ({"sub":"mallory",
-- "sub":"admin"}): an IdP that checked the first and a reader that keeps
-- the last disagree about who this is.  Also spelled with an escape
-- ("s\u0075b"), which only a decoder sees as the same name.
-- Defence: duplicate members are refused however they are spelled.
\set tok_dup_sub `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"mallory","sub":"admin"}'`
\set tok_dup_sub_escaped `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"mallory","s\u0075b":"admin"}'`
SELECT regexp_replace(convert_from(attack.unb64url(attack.part(t, 2)), 'UTF8'), '[0-9]{10}', 'N', 'g') AS signed_claims
  FROM (VALUES (:'tok_dup_sub'), (:'tok_dup_sub_escaped')) AS v(t);
SET governance.token = :'tok_dup_sub';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_dup_sub_escaped';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: two "exp" members, an expired one then a valid one.
-- Defence: refused.
\set tok_dup_exp `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --claims '{"exp":':exp_gone',"iss":"https://idp.example.com","aud":"orders-db","exp":':exp_ok',"sub":"admin"}'`
SELECT regexp_replace(convert_from(attack.unb64url(attack.part(:'tok_dup_exp', 2)), 'UTF8'), '[0-9]{10}', 'N', 'g') AS signed_claims;
SET governance.token = :'tok_dup_exp';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: two "alg" members in the header, "none" and "RS256", in both
-- orders, with a real RS256 signature.
-- Defence: refused.
\set tok_dup_alg_none_first `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --raw-header '{"alg":"none","typ":"JWT","alg":"RS256"}' --claims '{':'std_claims'',"sub":"admin"}'`
\set tok_dup_alg_none_last `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --raw-header '{"alg":"RS256","typ":"JWT","alg":"none"}' --claims '{':'std_claims'',"sub":"admin"}'`
SELECT convert_from(attack.unb64url(attack.part(t, 1)), 'UTF8') AS signed_header
  FROM (VALUES (:'tok_dup_alg_none_first'), (:'tok_dup_alg_none_last')) AS v(t);
SET governance.token = :'tok_dup_alg_none_first';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_dup_alg_none_last';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: an embedded NUL in the subject ("admin\u0000mallory"): C code
-- would read "admin".
-- Defence: refused.
\set tok_nul_sub `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --claims '{':'std_claims'',"sub":"admin\u0000mallory"}'`
SELECT regexp_replace(convert_from(attack.unb64url(attack.part(:'tok_nul_sub', 2)), 'UTF8'), '[0-9]{10}', 'N', 'g') AS signed_claims;
SET governance.token = :'tok_nul_sub';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: bytes that are not UTF-8 inside validly signed claims and
-- header.
-- Defence: refused as malformed.
\set tok_bad_utf8_claims `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --claims "$(printf '{%s,"sub":"adm\377in"}' :'std_claims')"`
\set tok_bad_utf8_header `test/tools/mint-token --alg RS256 --key test/keys/rsa_private.pem --raw-header "$(printf '{"alg":"RS256","typ":"JWT","x":"\377"}')" --claims '{':'std_claims'',"sub":"admin"}'`
SELECT regexp_replace(encode(attack.unb64url(attack.part(:'tok_bad_utf8_claims', 2)), 'escape'), '[0-9]{10}', 'N', 'g') AS signed_claims,
	   encode(attack.unb64url(attack.part(:'tok_bad_utf8_header', 1)), 'escape') AS signed_header;
SET governance.token = :'tok_bad_utf8_claims';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_bad_utf8_header';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

--
-- Header members that change the meaning of a token.
--

-- Attack: a "crit" member naming an extension the verifier ignores.
-- Defence: refused; no extension is understood, so none may be critical.
\set tok_crit `test/tools/token --header '{"crit":["exp"]}' sub=admin`
SET governance.token = :'tok_crit';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a signed object of another type replayed as an access token
-- (a DPoP proof), and a "typ" that is not a string.
-- Defence: refused, "typ" must say JWT or at+jwt (an OAuth access token in
-- JWT form, RFC 9068, which identity providers issue and which is accepted).
\set tok_typ_dpop `test/tools/token --header '{"typ":"dpop+jwt"}' sub=admin`
\set tok_typ_number `test/tools/token --header '{"typ":1}' sub=admin`
\set tok_typ_at `test/tools/token --header '{"typ":"application/AT+JWT"}' sub=alice`
SET governance.token = :'tok_typ_dpop';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_typ_number';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_typ_at';
SELECT governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_mallory';

--
-- Tampering with a genuine token (alice's).
--

-- Attack: alice's signature over claims edited afterwards: sub changed to
-- admin; a "dba" role added; an expired token's exp moved forward.
-- Defence: the signature no longer verifies: all refused.
SELECT attack.with_claims(:'tok_alice', attack.claims(:'tok_alice') || '{"sub":"admin"}') AS tok_edited_sub,
	   attack.with_claims(:'tok_alice', attack.claims(:'tok_alice') || '{"roles":["analyst","approver","dba"]}') AS tok_edited_roles,
	   attack.with_claims(:'tok_expired_alice', attack.claims(:'tok_expired_alice') || jsonb_build_object('exp', :exp_ok)) AS tok_edited_exp
\gset
SET governance.token = :'tok_edited_sub';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_edited_roles';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_edited_exp';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: header and claims of one genuine token, signature of another
-- (mallory's own).
-- Defence: refused.
SELECT attack.part(:'tok_alice', 1) || '.' || attack.part(:'tok_alice', 2) || '.' ||
	   attack.part(:'tok_mallory', 3) AS tok_spliced \gset
SET governance.token = :'tok_spliced';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: one bit of the signature flipped.
-- Defence: refused.
SELECT attack.flip_signature_bit(:'tok_alice') AS tok_bit_flipped \gset
SET governance.token = :'tok_bit_flipped';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the signature stripped, keeping the trailing dot.
-- Defence: refused.
SELECT attack.part(:'tok_alice', 1) || '.' || attack.part(:'tok_alice', 2) || '.' AS tok_unsigned \gset
SET governance.token = :'tok_unsigned';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: truncated tokens: the signature cut by one character (a length
-- base64url cannot have) and by two (it decodes, to a short signature);
-- the token cut in the middle of its claims, and the claims cut with the
-- signature kept.
-- Defence: all refused.
SELECT left(:'tok_alice', -1) AS tok_cut_1,
	   left(:'tok_alice', -2) AS tok_cut_2,
	   left(:'tok_alice', length(attack.part(:'tok_alice', 1)) + 1 + length(attack.part(:'tok_alice', 2)) / 2) AS tok_cut_mid_claims,
	   attack.part(:'tok_alice', 1) || '.' || left(attack.part(:'tok_alice', 2), -5) || '.' || attack.part(:'tok_alice', 3) AS tok_cut_claims
\gset
SET governance.token = :'tok_cut_1';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_cut_2';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_cut_mid_claims';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_cut_claims';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: extra segments: a fourth part, five parts (shaped like a JWE),
-- a trailing dot, a leading dot, an empty header, empty claims.
-- Defence: exactly three non-empty parts or refused.
SELECT :'tok_alice' || '.' || attack.part(:'tok_alice', 3) AS tok_4_parts,
	   :'tok_alice' || '.AAAA.AAAA' AS tok_5_parts,
	   :'tok_alice' || '.' AS tok_trailing_dot,
	   '.' || :'tok_alice' AS tok_leading_dot,
	   '.' || attack.part(:'tok_alice', 2) || '.' || attack.part(:'tok_alice', 3) AS tok_no_header,
	   attack.part(:'tok_alice', 1) || '..' || attack.part(:'tok_alice', 3) AS tok_no_claims
\gset
SET governance.token = :'tok_4_parts';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_5_parts';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_trailing_dot';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_leading_dot';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
-- (Only the message is asserted for the empty parts, not the detail.)
\set VERBOSITY terse
SET governance.token = :'tok_no_header';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_no_claims';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
\set VERBOSITY default

-- Attack: characters outside base64url: '+' and '/' in the header, '='
-- padding on the signature, a space, a newline and a tab inside, leading
-- and trailing blanks.
-- Defence: each refused; the alphabet is checked before anything is
-- decoded.
SELECT overlay(:'tok_alice' placing '+' from 4 for 1) AS tok_plus,
	   overlay(:'tok_alice' placing '/' from 6 for 1) AS tok_slash,
	   :'tok_alice' || '==' AS tok_padded,
	   overlay(:'tok_alice' placing ' ' from 20 for 0) AS tok_space,
	   overlay(:'tok_alice' placing E'\n' from 40 for 0) AS tok_newline,
	   overlay(:'tok_alice' placing E'\t' from 50 for 0) AS tok_tab,
	   ' ' || :'tok_alice' AS tok_leading_blank,
	   :'tok_alice' || E'\n' AS tok_trailing_newline
\gset
SET governance.token = :'tok_plus';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_slash';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_padded';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_space';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_newline';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_tab';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_leading_blank';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_trailing_newline';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the genuine token re-encoded in the standard base64 alphabet
-- with padding (same bytes, another text, hence another fingerprint).
-- Defence: refused.
SELECT attack.std_base64(:'tok_alice') AS tok_std_base64 \gset
SELECT :'tok_std_base64' <> :'tok_alice' AS differs;
SET governance.token = :'tok_std_base64';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the genuine signature with a padding bit set in its last
-- character: the same bytes under a second text, so the same token gets a
-- new fingerprint (and token id).
-- Defence: refused; every byte string has exactly one accepted text.
SELECT attack.noncanonical(:'tok_alice') AS tok_noncanonical \gset
SELECT attack.unb64url(attack.part(:'tok_noncanonical', 3)) = attack.unb64url(attack.part(:'tok_alice', 3)) AS same_signature_bytes,
	   :'tok_noncanonical' <> :'tok_alice' AS differs;
SET governance.token = :'tok_noncanonical';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: a byte that is not UTF-8 in the value (E'...\xff...').  The
-- server's own encoding check may refuse it before governance sees it
-- (22021 in a UTF-8 database); either way it must not be taken.
-- Defence: refused with 28000 or 22021; mallory still acts.
DO $$
BEGIN
	EXECUTE 'SELECT set_config(''governance.token'', E''eyJhbGciOiJSUzI1NiJ9.\xff.AAAA'', false)';
	RAISE NOTICE 'accepted';
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'refused: %', CASE WHEN SQLSTATE IN ('28000', '22021') THEN 'as it must be' ELSE SQLSTATE END;
END
$$;
SELECT governance.whoami()->>'sub' AS acting;

-- Attack: a 1 MiB token (built by the server, so this file stays small):
-- memory and time spent before anything is checked.
-- Defence: refused by length before it is decoded.
SELECT set_config('governance.token',
				  'eyJhbGciOiJSUzI1NiJ9.' || repeat('eyJzdWIiOiJhZG1pbiJ9', 52429) || '.AAAA',
				  false) IS NOT NULL AS set;
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Not an attack: the empty string is RESET (documented): the database role
-- acts, with no token identity; nothing is gained over RESET.
SET governance.token = '';
SELECT governance.whoami()->>'kind' AS kind, governance.whoami()->>'sub' AS sub;
SET governance.token = :'tok_mallory';
SELECT set_config('governance.token', '', false) AS set;
SELECT governance.whoami()->>'kind' AS kind, governance.whoami()->>'sub' AS sub;
SET governance.token = :'tok_mallory';

--
-- Other ways to set the token.
--

-- Attack: SET LOCAL with a forged token inside a transaction.
-- Defence: refused; after the rollback mallory acts.
BEGIN;
SET LOCAL governance.token = :'tok_other_key';
\set refused_with :SQLSTATE
ROLLBACK;
SELECT :'refused_with' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: the setting's name spelled differently (upper case, quoted), in
-- case one spelling escapes the check.
-- Defence: it is the same setting, verified the same way.
SET "GOVERNANCE"."TOKEN" = :'tok_other_key';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SET "governance.token" = :'tok_other_key';
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SELECT set_config('GOVERNANCE.TOKEN', :'tok_other_key', false) IS NOT NULL AS set;
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;

-- Attack: set the token through a SECURITY DEFINER function owned by a
-- superuser (by set_config() and by a dynamic SET), hoping the owner's
-- rights skip verification.
-- Defence: the token is verified whoever runs the SET: both refused.
SELECT public.use_token(:'tok_other_key') IS NOT NULL AS set;
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
SELECT public.use_token_dynamic(:'tok_hs_rsa_pem');
SELECT :'SQLSTATE' AS sqlstate, governance.whoami()->>'sub' AS acting;
-- (With a genuine token the function does switch identity, so the refusals
-- above are verification, not a broken function.)
SELECT public.use_token(:'tok_alice') IS NOT NULL AS set;
SELECT governance.whoami()->>'sub' AS acting;
SET governance.token = :'tok_mallory';

-- Attack: an identity whose token has expired can still run a statement
-- that "only sets the token", so hide the real work in set_config()'s
-- argument: a subquery that reads the rows only the expired identity may
-- see, turned into an error message that carries them out.
-- Defence: an expired identity runs nothing but a plain replacement of its
-- token: the statement is refused as by an expired identity, and nothing
-- is read.
\set tok_short `test/tools/token sub=mallory exp=+3`
SET governance.token = :'tok_short';
SELECT count(*) AS readable FROM attack.vault;
-- The sleep outlives the token: its commit is refused (checked at commit).
SELECT pg_sleep(3.2);
SELECT count(*) AS readable FROM attack.vault;
SELECT set_config('governance.token', (SELECT min(secret) FROM attack.vault)::int::text, false);
\set refused_with :SQLSTATE
SET governance.token = :'tok_mallory';
SELECT :'refused_with' AS sqlstate, governance.whoami()->>'sub' AS acting;

--
-- Censoring what the server reports.  Messages pass through the same
-- redaction on their way to the client and to the server log, so what is
-- hidden here is hidden from the log (log_statement lines included).
--

-- Attack: give governance.token, as a value that is refused, the text of
-- what is about to be done (a table name, a statement, here an error
-- message), so that later messages about it read "<redacted>".
-- Defence: a refused value hides nothing in later statements' messages:
-- the error still says what happened.
SET governance.token = 'division by zero';
SELECT 1 / 0 AS boom;
SET governance.token = :'tok_mallory';

-- Attack: write the setting's name and an opening quote in a comment
-- before a statement, and the closing quote in a comment after it, so
-- that the whole statement looks like a token value and is hidden.
-- Defence: only a value actually given to governance.token is hidden: the
-- error's context still shows the statement.
DO $$ BEGIN EXECUTE '/* governance.token = '' */ SELECT 1 / 0 AS hidden /* '' */'; END $$;

--
-- Forging the verification settings.
--

-- Attack: every governance setting, forged by SET, SET LOCAL, set_config()
-- (session and local), ALTER ROLE on itself and ALTER SYSTEM.
-- Defence: all are the DBA's: every attempt refused, nothing changes.
SELECT format('SET %s = %L', name, forged) FROM attack.settings ORDER BY name \gexec
SELECT 'BEGIN', format('SET LOCAL %s = %L', name, forged), 'ROLLBACK' FROM attack.settings ORDER BY name \gexec
SELECT format('SELECT set_config(%L, %L, false)', name, forged) FROM attack.settings ORDER BY name \gexec
SELECT format('SELECT set_config(%L, %L, true)', name, forged) FROM attack.settings ORDER BY name \gexec
SELECT format('ALTER ROLE mallory SET %s = %L', name, forged) FROM attack.settings ORDER BY name \gexec
SELECT format('ALTER SYSTEM SET %s = %L', name, forged) FROM attack.settings ORDER BY name \gexec

-- Attack: a setting the extension does not define, under its prefix.
-- Defence: the prefix is reserved.
SET governance.trust_everyone = on;
ALTER ROLE mallory SET governance.trust_everyone = on;

-- Attack: store a token where it persists (and others may read it):
-- ALTER ROLE on itself, by value and FROM CURRENT, a function's SET
-- clause FROM CURRENT, ALTER SYSTEM.
-- Defence: all refused.
ALTER ROLE mallory SET governance.token = :'tok_mallory';
ALTER ROLE mallory SET governance.token FROM CURRENT;
CREATE FUNCTION pg_temp.keep_token() RETURNS int LANGUAGE sql
	SET governance.token FROM CURRENT AS 'SELECT 1';
ALTER SYSTEM SET governance.token = :'tok_mallory';
SELECT governance.whoami()->>'sub' AS acting;

-- Nothing changed: each setting as before, no role or database setting
-- and nothing in postgresql.auto.conf.
RESET ROLE;
SELECT s.name, p.setting = s.setting AS unchanged, p.source = s.source AS same_source
  FROM attack.settings AS s JOIN pg_settings AS p USING (name)
 ORDER BY s.name;
SELECT count(*) AS role_settings
  FROM pg_db_role_setting AS d JOIN pg_roles AS r ON r.oid = d.setrole
 WHERE r.rolname = 'mallory';
SELECT count(*) AS auto_conf_entries
  FROM pg_file_settings
 WHERE name LIKE 'governance.%' AND sourcefile LIKE '%postgresql.auto.conf';
SET ROLE mallory;

--
-- Reading the token back.
--

-- Attack: read the token in force back through SHOW, SHOW ALL,
-- current_setting(), pg_settings, pg_show_all_settings() and the value
-- set_config() returns.
-- Defence: none of them shows anything shaped like a JWT; SHOW and
-- current_setting() show a fingerprint.
SET governance.token = :'tok_alice';
DO $$
DECLARE
	shown text;
	r record;
	leaks int := 0;
BEGIN
	EXECUTE 'SHOW governance.token' INTO shown;
	RAISE NOTICE 'SHOW: fingerprint %, JWT-shaped %',
		shown ~ '^<redacted sha256:[0-9a-f]{16}>$', attack.jwt_shaped(shown);
	FOR r IN EXECUTE 'SHOW ALL' LOOP
		IF r.name = 'governance.token' OR attack.jwt_shaped(r.setting) THEN
			leaks := leaks + 1;
		END IF;
	END LOOP;
	RAISE NOTICE 'SHOW ALL: % rows show the token', leaks;
END
$$;
SELECT current_setting('governance.token') ~ '^<redacted sha256:[0-9a-f]{16}>$' AS fingerprint,
	   attack.jwt_shaped(current_setting('governance.token')) AS jwt_shaped,
	   attack.jwt_shaped(current_setting('governance.token', true)) AS jwt_shaped_missing_ok;
SELECT count(*) AS leaks FROM pg_settings
 WHERE name = 'governance.token' OR attack.jwt_shaped(setting)
	OR attack.jwt_shaped(reset_val) OR attack.jwt_shaped(boot_val);
SELECT count(*) AS leaks FROM pg_show_all_settings()
 WHERE name = 'governance.token' OR attack.jwt_shaped(setting);
SELECT attack.jwt_shaped(set_config('governance.token', :'tok_alice', false)) AS jwt_shaped;

-- Attack: read a stored token from the catalogs (role and database
-- settings) or the configuration files.
-- Defence: none is stored; the file view is closed to mallory.
SELECT count(*) AS leaks FROM pg_db_role_setting
 WHERE attack.jwt_shaped(array_to_string(setconfig, ' '))
	OR array_to_string(setconfig, ' ') LIKE '%governance.token%';
SELECT count(*) AS leaks FROM pg_roles
 WHERE attack.jwt_shaped(array_to_string(rolconfig, ' '))
	OR array_to_string(rolconfig, ' ') LIKE '%governance.token%';
SELECT count(*) FROM pg_file_settings;

-- Attack: read identities, and hope for tokens, in governance.sessions.
-- Defence: closed to mallory; an admin sees token ids, never a token.
SELECT count(*) FROM governance.sessions;
SELECT count(*) FROM governance.session_identities();
RESET ROLE;
SET ROLE watcher;
SELECT kind, sub, token_id = 'sha256:' || encode(sha256(convert_to(:'tok_alice', 'UTF8')), 'hex') AS token_id_is_fingerprint
  FROM governance.sessions WHERE pid = pg_backend_pid();
SELECT count(*) FILTER (WHERE attack.jwt_shaped(token_id) OR attack.jwt_shaped(sub)
						OR attack.jwt_shaped(actor)) AS leaks
  FROM governance.sessions;
RESET ROLE;
SET ROLE mallory;

-- Attack: read the token from pg_stat_activity.query, which every session
-- of the same login (and every pg_read_all_stats member) sees: connect as
-- mallory and send the SET together with a read of the activity, so the
-- activity still holds the statement that carried the token.
-- Defence: the activity shows no JWT-shaped text.
RESET governance.token;
RESET ROLE;
\c - mallory
SELECT governance.whoami()->>'db_role' AS db_role;
SET governance.token = :'tok_alice' \; SELECT attack.jwt_shaped(query) AS activity_shows_token FROM pg_stat_activity WHERE pid = pg_backend_pid();
SELECT governance.whoami()->>'sub' AS acting;
\c - :superuser

DROP FUNCTION public.use_token(text);
DROP FUNCTION public.use_token_dynamic(text);
DROP SCHEMA attack CASCADE;
DROP EXTENSION governance;
DROP ROLE mallory;
DROP ROLE watcher;
