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

-- Audit trail

CREATE FUNCTION governance.audit_events(
	since pg_catalog.timestamptz DEFAULT NULL,
	until pg_catalog.timestamptz DEFAULT NULL,
	sub pg_catalog.text DEFAULT NULL,
	OUT seq pg_catalog.int8,
	OUT "time" pg_catalog.timestamptz,
	OUT type pg_catalog.text,
	OUT action pg_catalog.text,
	OUT sub pg_catalog.text,
	OUT actor pg_catalog.text,
	OUT db_role pg_catalog.text,
	OUT database pg_catalog.text,
	OUT command_tag pg_catalog.text,
	OUT statement pg_catalog.text,
	OUT sqlstate pg_catalog.text,
	OUT event pg_catalog.jsonb)
RETURNS SETOF record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_audit_events_1_0';

COMMENT ON FUNCTION governance.audit_events(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.text) IS
'Events of the audit trail in order; files outside [since, until] are not read, and sub filters by subject.';

CREATE VIEW governance.audit_log AS
SELECT * FROM governance.audit_events(NULL, NULL, NULL);

COMMENT ON VIEW governance.audit_log IS
'The whole audit trail; for a time range or one subject call governance.audit_events(since, until, sub).';

CREATE FUNCTION governance.verify_audit(
	OUT ok pg_catalog.bool,
	OUT events pg_catalog.int8,
	OUT first_bad_seq pg_catalog.int8,
	OUT file pg_catalog.text,
	OUT reason pg_catalog.text)
RETURNS record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_verify_audit_1_0';

COMMENT ON FUNCTION governance.verify_audit() IS
'Walk the audit trail''s hash chain; report the first sequence number where a line was deleted, inserted, altered or moved.';

CREATE FUNCTION governance.audit_stats(
	OUT enqueued pg_catalog.int8,
	OUT written pg_catalog.int8,
	OUT dropped pg_catalog.int8,
	OUT lost pg_catalog.int8,
	OUT ring_bytes pg_catalog.int8,
	OUT ring_used pg_catalog.int8,
	OUT ring_high_water pg_catalog.int8,
	OUT worker_restarts pg_catalog.int8,
	OUT sink_errors pg_catalog.int8,
	OUT last_flush pg_catalog.timestamptz,
	OUT last_seq pg_catalog.int8,
	OUT durable_seq pg_catalog.int8,
	OUT worker_pid pg_catalog.int4)
RETURNS record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_audit_stats_1_0';

COMMENT ON FUNCTION governance.audit_stats() IS
'Counters of the audit pipeline since the ring was created.';

REVOKE ALL ON FUNCTION governance.audit_events(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.verify_audit() FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.audit_stats() FROM PUBLIC;
REVOKE ALL ON governance.audit_log FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.audit_events(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.verify_audit() TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.audit_stats() TO governance_admin;
GRANT SELECT ON governance.audit_log TO governance_admin;
