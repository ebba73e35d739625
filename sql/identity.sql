--
-- identity: who acts in a session, and how a token becomes that identity.
--
-- Tokens are minted for each run by test/tools/token (openssl, not the
-- library under test) with the keys in test/keys; the server trusts the
-- public halves (test/regress.conf), with issuer https://idp.example.com
-- and audience orders-db.
--
\set tok_alice `test/tools/token sub=alice 'roles=["analyst","approver"]' 'act={"sub":"agent-7"}' jti=tok-1 'team={"name":"red"}'`
\set tok_bob `test/tools/token --alg ES256 --key ec sub=bob`
\set tok_carol `test/tools/token --alg HS256 --key hmac sub=carol`
\set tok_dave_rs512 `test/tools/token --alg RS512 sub=dave`
\set tok_erin_ps256 `test/tools/token --alg PS256 sub=erin`
\set tok_frank_eddsa `test/tools/token --alg EdDSA --key ed25519 sub=frank`
\set tok_expired `test/tools/token sub=alice exp=-60`
\set tok_future `test/tools/token sub=alice nbf=+600`
\set tok_wrong_iss `test/tools/token sub=alice iss=https://evil.example.com`
\set tok_wrong_aud `test/tools/token sub=alice aud=billing-db`
\set tok_aud_list `test/tools/token sub=erin 'aud=["billing-db","orders-db"]'`
\set tok_other_key `test/tools/token --key other-rsa sub=alice`
\set tok_no_sub `test/tools/token name=alice`
\set tok_no_exp `test/tools/token sub=alice exp=-`

CREATE EXTENSION governance;
CREATE ROLE agent LOGIN;
CREATE ROLE auditor LOGIN IN ROLE governance_admin;
GRANT CREATE ON SCHEMA public TO agent;

-- Without a token the database role acts.
SET ROLE agent;
SELECT governance.whoami();
SELECT governance.claim('sub') IS NULL AS no_claims;
SELECT governance.claims() IS NULL AS no_claims_object;
SHOW governance.token;

-- An RS256 token: the subject, the agent acting for it, its roles.
SET governance.token = :'tok_alice';
SELECT j->>'kind' AS kind, j->>'sub' AS sub, j->>'actor' AS actor,
	   j->'roles' AS roles, j->>'token_id' AS token_id,
	   j->>'algorithm' AS alg, j->>'issuer' AS issuer,
	   j->>'db_role' AS db_role, j->>'current_role' AS current_role,
	   (j->>'expires_at')::timestamptz > now() AS expires_later,
	   length(j->>'token_fingerprint') AS fingerprint_length
  FROM governance.whoami() AS j;
-- Claims, for row-level security: strings as text, the rest as JSON.
SELECT governance.claim('sub') AS sub, governance.claim('roles') AS roles,
	   governance.claim('act') AS act, governance.claim('team') AS team,
	   governance.claim('missing') AS missing;
-- The whole claims object, as identity providers shape it: Keycloak's
-- nested realm_access.roles, a URL-named claim (Auth0), for RLS policies.
\set tok_idp `test/tools/token sub=idp-user 'realm_access={"roles":["reader","auditor"]}' 'https://example.com/roles=["sales"]'`
SET governance.token = :'tok_idp';
SELECT governance.claims() #>> '{realm_access,roles}' AS realm_roles,
	   governance.claims() ->> 'https://example.com/roles' AS url_named,
	   governance.claims() ->> 'sub' AS sub,
	   jsonb_typeof(governance.claims() -> 'exp') AS exp_type;
SET governance.token = :'tok_alice';

-- The token is not readable back: SHOW and current_setting print a
-- fingerprint, pg_settings does not list it.
SELECT current_setting('governance.token') ~ '^<redacted sha256:[0-9a-f]{16}>$' AS redacted;
SELECT current_setting('governance.token') = '<redacted sha256:' || left(governance.whoami()->>'token_fingerprint', 16) || '>' AS shows_fingerprint;
SELECT count(*) AS listed FROM pg_settings WHERE name = 'governance.token';

-- ES256 (raw R||S signature from openssl), HS256, RS512, PS256 (RSA-PSS,
-- the same RSA key) and EdDSA (Ed25519) tokens.
SET governance.token = :'tok_bob';
SELECT governance.whoami()->>'sub' AS sub, governance.whoami()->>'algorithm' AS alg;
SET governance.token = :'tok_carol';
SELECT governance.whoami()->>'sub' AS sub, governance.whoami()->>'algorithm' AS alg;
SET governance.token = :'tok_dave_rs512';
SELECT governance.whoami()->>'sub' AS sub, governance.whoami()->>'algorithm' AS alg;
SET governance.token = :'tok_erin_ps256';
SELECT governance.whoami()->>'sub' AS sub, governance.whoami()->>'algorithm' AS alg;
SET governance.token = :'tok_frank_eddsa';
SELECT governance.whoami()->>'sub' AS sub, governance.whoami()->>'algorithm' AS alg;
-- aud may be a list that contains ours.
SET governance.token = :'tok_aud_list';
SELECT governance.whoami()->>'sub' AS sub;
-- Without jti, the token id is the fingerprint.
SELECT governance.whoami()->>'token_id' = 'sha256:' || (governance.whoami()->>'token_fingerprint') AS id_is_fingerprint;

-- Each refusal is SQLSTATE 28000, says why, and keeps erin acting.
\set VERBOSITY default
SET governance.token = :'tok_expired';
SET governance.token = :'tok_future';
SET governance.token = :'tok_wrong_iss';
SET governance.token = :'tok_wrong_aud';
SET governance.token = :'tok_other_key';
SET governance.token = :'tok_no_sub';
SET governance.token = :'tok_no_exp';
SET governance.token = 'not a token';
SELECT governance.whoami()->>'sub' AS still_acting;
\set VERBOSITY sqlstate
SET governance.token = :'tok_expired';
\set VERBOSITY default

-- SET LOCAL ends with the transaction; rollback restores the identity.
SET governance.token = :'tok_bob';
BEGIN;
SET LOCAL governance.token = :'tok_alice';
SELECT governance.whoami()->>'sub' AS in_transaction;
COMMIT;
SELECT governance.whoami()->>'sub' AS after_commit;
BEGIN;
SET governance.token = :'tok_alice';
SELECT governance.whoami()->>'sub' AS in_transaction;
ROLLBACK;
SELECT governance.whoami()->>'sub' AS after_rollback;

-- set_config() is SET by another name, verified the same way.
SELECT set_config('governance.token', :'tok_carol', false) ~ '^<redacted' AS set;
SELECT governance.whoami()->>'sub' AS sub;
SELECT set_config('governance.token', :'tok_expired', false);
SELECT governance.whoami()->>'sub' AS sub;
BEGIN;
SELECT set_config('governance.token', :'tok_alice', true) IS NOT NULL AS set_local;
SELECT governance.whoami()->>'sub' AS sub;
COMMIT;
SELECT governance.whoami()->>'sub' AS sub;

-- RESET: the database role acts again.
RESET governance.token;
SELECT governance.whoami()->>'kind' AS kind;
SET governance.token = :'tok_alice';
RESET ALL;
SELECT governance.whoami()->>'kind' AS kind;
SET ROLE agent;

-- Verified claims drive row-level security.
CREATE TABLE notes (owner text, body text);
INSERT INTO notes VALUES ('alice', 'alice''s note'), ('bob', 'bob''s note');
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON notes USING (owner = governance.claim('sub'));
SET governance.token = :'tok_alice';
SELECT * FROM notes;
SET governance.token = :'tok_bob';
SELECT * FROM notes;
RESET governance.token;
SELECT * FROM notes;

-- An identity whose token expires can do nothing but replace or reset
-- itself, whatever path the statement takes.
PREPARE read_notes AS SELECT count(*) FROM notes;
-- (Minted here, so that a slow run does not see it expire before use.)
\set tok_short `test/tools/token sub=frank exp=+3`
SET governance.token = :'tok_short';
SELECT governance.whoami()->>'sub' AS sub;
-- The sleep outlives the token: its commit is refused (checked at commit).
SELECT pg_sleep(3.5);
SELECT 1;
EXECUTE read_notes;
CREATE TABLE t_after_expiry (a int);
DO $$ BEGIN PERFORM 1; END $$;
BEGIN;
ROLLBACK;
SELECT set_config('governance.token', :'tok_bob', false) \gset
SELECT governance.whoami()->>'sub' AS sub;
SET governance.token = :'tok_short';
RESET governance.token;
SELECT governance.whoami()->>'kind' AS kind;

-- The token may not be stored where others could read it.
RESET ROLE;
ALTER ROLE agent SET governance.token = :'tok_alice';
ALTER DATABASE contrib_regression SET governance.token = :'tok_alice';
CREATE FUNCTION leak() RETURNS int LANGUAGE sql
	SET governance.token = :'tok_alice' AS 'SELECT 1';
ALTER SYSTEM SET governance.token = :'tok_alice';

-- Every verification setting is the DBA's alone.
SET ROLE agent;
SET governance.jwt_public_keys_file = '/tmp/my-keys.pem';
SET governance.jwt_hmac_secret_file = '/tmp/my-secret';
SET governance.jwt_issuer = 'https://evil.example.com';
SET governance.jwt_audience = 'anything';
SET governance.jwt_algorithms = 'HS256';
SET governance.jwt_clock_skew = 3600;
SET governance.jwt_roles_claim = 'groups';
SET governance.token_cache_size = 1;
SET governance.no_such_setting = 'x';
SELECT set_config('governance.jwt_issuer', 'x', false);
ALTER SYSTEM SET governance.jwt_issuer = 'x';
-- Key file paths are not even readable by ordinary roles.
SHOW governance.jwt_public_keys_file;

-- governance.sessions: every backend's identity, for admins only.
SET governance.token = :'tok_alice';
SELECT kind, sub, actor, roles, token_id, db_role
  FROM governance.sessions WHERE pid = pg_backend_pid();
RESET ROLE;
SET ROLE auditor;
SELECT kind, sub, actor, roles, token_id, db_role
  FROM governance.sessions WHERE pid = pg_backend_pid();
SELECT count(*) FILTER (WHERE token_id ~ 'eyJ') AS tokens_shown FROM governance.sessions;
RESET ROLE;

DROP TABLE notes;
DROP EXTENSION governance;
REVOKE CREATE ON SCHEMA public FROM agent;
DROP ROLE agent;
DROP ROLE auditor;
