-- governance 1.0: identity

\echo Use "CREATE EXTENSION governance" to load this file. \quit

-- The extension's administrators: trusted like superusers for governance,
-- without being superusers.  Roles are cluster-wide, so another database's
-- CREATE EXTENSION may already have made it.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'governance_admin') THEN
		CREATE ROLE governance_admin NOLOGIN;
	END IF;
END
$$;

-- Administrators read every session's activity, as auditors must.
GRANT pg_read_all_stats TO governance_admin;

GRANT USAGE ON SCHEMA governance TO PUBLIC;

CREATE FUNCTION governance.whoami()
RETURNS pg_catalog.jsonb
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_whoami_1_0';

COMMENT ON FUNCTION governance.whoami() IS
'The identity this session acts as: kind (token or role), sub, actor, roles, token id and fingerprint, expiry, database role.';

CREATE FUNCTION governance.claim(name pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_claim_1_0';

COMMENT ON FUNCTION governance.claim(pg_catalog.text) IS
'A verified claim of the acting token (strings as text, other values as JSON), or NULL; for row-level security policies.';

CREATE FUNCTION governance.session_identities(
	OUT pid pg_catalog.int4,
	OUT sub pg_catalog.text,
	OUT actor pg_catalog.text,
	OUT roles pg_catalog.text[],
	OUT token_id pg_catalog.text,
	OUT expires_at pg_catalog.timestamptz)
RETURNS SETOF record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_session_identities_1_0';

REVOKE ALL ON FUNCTION governance.session_identities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.session_identities() TO governance_admin, pg_read_all_stats;

CREATE VIEW governance.sessions AS
SELECT a.pid,
	   a.datname AS database,
	   a.usename AS db_role,
	   CASE WHEN i.pid IS NULL THEN 'role' ELSE 'token' END AS kind,
	   i.sub,
	   i.actor,
	   i.roles,
	   i.token_id,
	   i.expires_at,
	   a.application_name,
	   a.client_addr,
	   a.backend_start,
	   a.state
  FROM pg_catalog.pg_stat_activity AS a
  LEFT JOIN governance.session_identities() AS i ON i.pid = a.pid
 WHERE a.backend_type = 'client backend';

COMMENT ON VIEW governance.sessions IS
'Each client backend of the cluster and the identity it acts as; never a token.';

REVOKE ALL ON governance.sessions FROM PUBLIC;
GRANT SELECT ON governance.sessions TO governance_admin, pg_read_all_stats;
