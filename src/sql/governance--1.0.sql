-- governance 1.0: identity, audit trail, policy and approvals

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

CREATE FUNCTION governance.claims()
RETURNS pg_catalog.jsonb
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_claims_1_0';

COMMENT ON FUNCTION governance.claims() IS
'The verified claims object of the acting token, or NULL when the role acts; for row-level security policies over nested and URL-named claims.';

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
	OUT worker_pid pg_catalog.int4,
	OUT throttled pg_catalog.int8,
	OUT delivery_lag pg_catalog.int8,
	OUT retention_blocked pg_catalog.text)
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

-- Policy: rules, decided for every statement

CREATE TABLE governance.rules (
	name pg_catalog.text PRIMARY KEY,
	priority pg_catalog.int4 NOT NULL DEFAULT 0,
	principals pg_catalog.text[] NOT NULL DEFAULT '{any}',
	environments pg_catalog.text[],
	operations pg_catalog.text[] NOT NULL,
	objects pg_catalog.text[],
	effect pg_catalog.text NOT NULL,
	max_rows pg_catalog.int8,
	description pg_catalog.text
);

COMMENT ON TABLE governance.rules IS
'The policy: the highest-priority rule matching a statement''s principal, environment, operation and object decides it.';

CREATE FUNCTION governance.rule_check()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_rule_check_1_0';

CREATE FUNCTION governance.rules_changed()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_rules_changed_1_0';

CREATE TRIGGER rules_check BEFORE INSERT OR UPDATE ON governance.rules
	FOR EACH ROW EXECUTE FUNCTION governance.rule_check();
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE ON governance.rules
	FOR EACH ROW EXECUTE FUNCTION governance.rules_changed();
CREATE TRIGGER rules_truncated AFTER TRUNCATE ON governance.rules
	FOR EACH STATEMENT EXECUTE FUNCTION governance.rules_changed();

REVOKE ALL ON governance.rules FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON governance.rules TO governance_admin;

-- What a fresh CREATE EXTENSION protects.  pg_dump keeps every other rule;
-- these two are recreated by CREATE EXTENSION itself.
INSERT INTO governance.rules (name, priority, principals, environments, operations, effect, description) VALUES
	('deny-unfiltered-writes', 100, '{any,!superuser}', NULL,
	 '{update:unfiltered,delete:unfiltered,merge:unfiltered}', 'deny',
	 'UPDATE, DELETE and MERGE must say which rows they change.'),
	('approve-destructive-ddl-in-production', 90, '{any,!superuser}', '{production}',
	 '{drop,truncate,alter:destructive}', 'require_approval',
	 'In production, DROP, TRUNCATE and ALTERs that destroy data need a second person''s approval.');

SELECT pg_catalog.pg_extension_config_dump('governance.rules',
	$$WHERE name NOT IN ('deny-unfiltered-writes', 'approve-destructive-ddl-in-production')$$);

CREATE FUNCTION governance.add_rule(
	name pg_catalog.text,
	operations pg_catalog.text[],
	effect pg_catalog.text,
	principals pg_catalog.text[] DEFAULT '{any}',
	objects pg_catalog.text[] DEFAULT NULL,
	environments pg_catalog.text[] DEFAULT NULL,
	priority pg_catalog.int4 DEFAULT 0,
	max_rows pg_catalog.int8 DEFAULT NULL,
	description pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO governance.rules AS r
		(name, priority, principals, environments, operations, objects, effect, max_rows, description)
	VALUES (add_rule.name, add_rule.priority, add_rule.principals, add_rule.environments,
			add_rule.operations, add_rule.objects, add_rule.effect, add_rule.max_rows,
			add_rule.description);
EXCEPTION WHEN unique_violation THEN
	RAISE EXCEPTION 'governance rule "%" already exists', add_rule.name
		USING ERRCODE = 'duplicate_object',
			  HINT = 'Drop it first with governance.drop_rule(), or choose another name.';
END
$$;

COMMENT ON FUNCTION governance.add_rule(pg_catalog.text, pg_catalog.text[], pg_catalog.text, pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.int4, pg_catalog.int8, pg_catalog.text) IS
'Add one rule to the policy; an invalid rule is refused and changes nothing.';

CREATE FUNCTION governance.drop_rule(name pg_catalog.text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM governance.rules AS r WHERE r.name = drop_rule.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'governance rule "%" does not exist', drop_rule.name
			USING ERRCODE = 'undefined_object';
	END IF;
END
$$;

COMMENT ON FUNCTION governance.drop_rule(pg_catalog.text) IS
'Remove one rule from the policy.';

CREATE FUNCTION governance.apply_policy(policy pg_catalog.jsonb)
RETURNS pg_catalog.int4
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rule jsonb;
	i int := 0;
	key text;
	arr text;
BEGIN
	IF policy IS NULL OR jsonb_typeof(policy) <> 'object' THEN
		RAISE EXCEPTION 'a policy must be a JSON object with a "rules" array'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR key IN SELECT jsonb_object_keys(policy) LOOP
		IF key NOT IN ('rules', 'version') THEN
			RAISE EXCEPTION 'unknown policy member "%"', key
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'A policy has "rules" and optionally "version".';
		END IF;
	END LOOP;
	IF jsonb_typeof(policy->'rules') IS DISTINCT FROM 'array' THEN
		RAISE EXCEPTION 'a policy must have a "rules" array'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR rule IN SELECT value FROM jsonb_array_elements(policy->'rules') LOOP
		i := i + 1;
		IF jsonb_typeof(rule) <> 'object' THEN
			RAISE EXCEPTION 'rule % of the policy is not an object', i
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		FOR key IN SELECT jsonb_object_keys(rule) LOOP
			IF key NOT IN ('name', 'priority', 'principals', 'environments', 'operations',
						   'objects', 'effect', 'max_rows', 'description') THEN
				RAISE EXCEPTION 'rule % of the policy has an unknown member "%"', i, key
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'Members are name, priority, principals, environments, operations, objects, effect, max_rows and description.';
			END IF;
		END LOOP;
		FOREACH arr IN ARRAY ARRAY['principals', 'environments', 'operations', 'objects'] LOOP
			IF jsonb_typeof(rule->arr) NOT IN ('array', 'null') OR
			   EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(rule->arr) = 'array' THEN rule->arr ELSE '[]' END) e
						WHERE jsonb_typeof(e) <> 'string') THEN
				RAISE EXCEPTION 'rule % of the policy: "%" must be an array of strings', i, arr
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
		END LOOP;
		IF jsonb_typeof(rule->'name') IS DISTINCT FROM 'string' OR
		   jsonb_typeof(rule->'effect') IS DISTINCT FROM 'string' OR
		   jsonb_typeof(rule->'priority') NOT IN ('number', 'null') OR
		   jsonb_typeof(rule->'max_rows') NOT IN ('number', 'null') OR
		   jsonb_typeof(rule->'description') NOT IN ('string', 'null') THEN
			RAISE EXCEPTION 'rule % of the policy: name and effect must be strings, priority and max_rows numbers, description a string', i
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END LOOP;

	IF (SELECT count(DISTINCT r->>'name') <> count(*) FROM jsonb_array_elements(policy->'rules') AS r) THEN
		RAISE EXCEPTION 'the policy names a rule twice'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- Rules the document does not name go; the others are written anew.
	DELETE FROM governance.rules AS old
	 WHERE old.name <> ALL (ARRAY(SELECT r->>'name' FROM jsonb_array_elements(policy->'rules') AS r));
	INSERT INTO governance.rules AS old
		(name, priority, principals, environments, operations, objects, effect, max_rows, description)
	SELECT r->>'name',
		   coalesce((r->>'priority')::int4, 0),
		   CASE WHEN jsonb_typeof(r->'principals') = 'array'
				THEN ARRAY(SELECT jsonb_array_elements_text(r->'principals')) ELSE '{any}' END,
		   CASE WHEN jsonb_typeof(r->'environments') = 'array'
				THEN ARRAY(SELECT jsonb_array_elements_text(r->'environments')) END,
		   ARRAY(SELECT jsonb_array_elements_text(r->'operations')),
		   CASE WHEN jsonb_typeof(r->'objects') = 'array'
				THEN ARRAY(SELECT jsonb_array_elements_text(r->'objects')) END,
		   r->>'effect',
		   (r->>'max_rows')::int8,
		   r->>'description'
	  FROM jsonb_array_elements(policy->'rules') AS r
	ON CONFLICT (name) DO UPDATE
	   SET priority = excluded.priority, principals = excluded.principals,
		   environments = excluded.environments, operations = excluded.operations,
		   objects = excluded.objects, effect = excluded.effect,
		   max_rows = excluded.max_rows, description = excluded.description;
	RETURN i;
END
$$;

COMMENT ON FUNCTION governance.apply_policy(pg_catalog.jsonb) IS
'Replace the whole policy with a JSON document, atomically; an invalid document changes nothing and says what is wrong.';

CREATE FUNCTION governance.export_policy()
RETURNS pg_catalog.jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_build_object('version', 1, 'rules', coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
		'name', name, 'priority', priority, 'principals', to_jsonb(principals),
		'environments', to_jsonb(environments), 'operations', to_jsonb(operations),
		'objects', to_jsonb(objects), 'effect', effect, 'max_rows', max_rows,
		'description', description)) ORDER BY priority DESC, name), '[]'))
  FROM governance.rules
$$;

COMMENT ON FUNCTION governance.export_policy() IS
'The whole policy as a JSON document that governance.apply_policy() accepts.';

CREATE FUNCTION governance."check"(statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_check_1_0';

COMMENT ON FUNCTION governance."check"(pg_catalog.text) IS
'Dry run: how the policy would decide these statements for the acting identity (decision, rule, reason, actions), without running them.';

REVOKE ALL ON FUNCTION governance.add_rule(pg_catalog.text, pg_catalog.text[], pg_catalog.text, pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.int4, pg_catalog.int8, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.drop_rule(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.apply_policy(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.export_policy() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.export_policy() TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.add_rule(pg_catalog.text, pg_catalog.text[], pg_catalog.text, pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.int4, pg_catalog.int8, pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.drop_rule(pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.apply_policy(pg_catalog.jsonb) TO governance_admin;
REVOKE ALL ON FUNCTION governance.rule_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.rules_changed() FROM PUBLIC;

-- Approvals

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'governance_approver') THEN
		CREATE ROLE governance_approver NOLOGIN;
	END IF;
END
$$;

CREATE TABLE governance.approvals (
	request_id pg_catalog.int8 PRIMARY KEY,
	database pg_catalog.text NOT NULL,
	requester pg_catalog.text NOT NULL,
	requester_actor pg_catalog.text,
	statement pg_catalog.text,
	fingerprint pg_catalog.text NOT NULL,
	rule pg_catalog.text,
	requested_at pg_catalog.timestamptz NOT NULL,
	decision pg_catalog.text NOT NULL CHECK (decision IN ('approved', 'denied')),
	decided_by pg_catalog.text NOT NULL,
	comment pg_catalog.text,
	decided_at pg_catalog.timestamptz NOT NULL,
	expires_at pg_catalog.timestamptz NOT NULL,
	consumed_at pg_catalog.timestamptz,
	consumed_by_pid pg_catalog.int4
);

COMMENT ON TABLE governance.approvals IS
'Decisions on approval requests; written only by governance.approve() and governance.deny(), and marked used by the approved statement.';

REVOKE ALL ON governance.approvals FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('governance.approvals', '');

CREATE FUNCTION governance.approve(request_id pg_catalog.int8, comment pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'governance_approve_1_0';

COMMENT ON FUNCTION governance.approve(pg_catalog.int8, pg_catalog.text) IS
'Approve a request: its requester may run that exact statement once, within governance.approval_ttl.';

CREATE FUNCTION governance.deny(request_id pg_catalog.int8, comment pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'governance_deny_1_0';

COMMENT ON FUNCTION governance.deny(pg_catalog.int8, pg_catalog.text) IS
'Deny a request; the requester is told who denied it and why.';

-- The requests recorded in the trail, for approvers, who do not read the
-- rest of the trail.
CREATE FUNCTION governance.approval_request_events(since pg_catalog.timestamptz)
RETURNS TABLE (request_id pg_catalog.int8, database pg_catalog.text,
			   requested_at pg_catalog.timestamptz, requester pg_catalog.text,
			   actor pg_catalog.text, statement pg_catalog.text,
			   parameters pg_catalog.text, fingerprint pg_catalog.text,
			   rule pg_catalog.text, action pg_catalog.text, actions pg_catalog.jsonb)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT e.seq, e.database, e."time", e.event->>'requester',
		   e.actor, e.statement,
		   substring(e.event->>'detail' FROM '^parameters: (.*)$'),
		   e.event->>'fingerprint', e.event->>'rule', e.event->>'policy_action',
		   e.event->'actions'
	  FROM governance.audit_events(since, NULL, NULL) AS e
	 WHERE e.type = 'approval' AND e.action = 'requested'
	   AND e.database = current_database()
$$;

COMMENT ON FUNCTION governance.approval_request_events(pg_catalog.timestamptz) IS
'Approval requests of this database recorded in the audit trail since a time.';

REVOKE ALL ON FUNCTION governance.approval_request_events(pg_catalog.timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.approval_request_events(pg_catalog.timestamptz)
	TO governance_admin, governance_approver;

CREATE VIEW governance.approval_requests AS
SELECT coalesce(a.request_id, r.request_id) AS request_id,
	   coalesce(a.requester, r.requester) AS requester,
	   coalesce(a.requester_actor, r.actor) AS actor,
	   coalesce(a.statement, r.statement) AS statement,
	   r.parameters,
	   coalesce(a.fingerprint, r.fingerprint) AS fingerprint,
	   coalesce(a.rule, r.rule) AS rule,
	   r.action,
	   r.actions,
	   CASE WHEN a.decision = 'denied' THEN 'denied'
			WHEN a.consumed_at IS NOT NULL THEN 'used'
			WHEN a.decision = 'approved' AND a.expires_at <= pg_catalog.clock_timestamp() THEN 'expired'
			WHEN a.decision = 'approved' THEN 'approved'
			WHEN r.requested_at + pg_catalog.current_setting('governance.approval_ttl')::pg_catalog.interval
				 <= pg_catalog.clock_timestamp() THEN 'expired'
			ELSE 'pending' END AS status,
	   a.decided_by,
	   a.comment,
	   coalesce(a.requested_at, r.requested_at) AS requested_at,
	   a.decided_at,
	   a.expires_at,
	   a.consumed_at
  FROM governance.approval_request_events(
		pg_catalog.now() - GREATEST(
			pg_catalog.current_setting('governance.approval_ttl')::pg_catalog.interval,
			interval '1 day')) AS r
  FULL JOIN governance.approvals AS a ON a.request_id = r.request_id;

COMMENT ON VIEW governance.approval_requests IS
'Approval requests of this database: pending and expired ones raised within the last day (or approval_ttl), and every decided one.';

REVOKE ALL ON governance.approval_requests FROM PUBLIC;
GRANT SELECT ON governance.approval_requests TO governance_admin, governance_approver;

-- Masks
--
-- What a masked identity reads instead of a labelled column: the rewrite
-- wraps each read of the column in the function of its label's mask.
-- Each returns a value of its argument's type (a domain's base type).

CREATE FUNCTION governance.mask_partial(value pg_catalog.anyelement)
RETURNS pg_catalog.anyelement
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'governance_mask_partial_1_0';

COMMENT ON FUNCTION governance.mask_partial(pg_catalog.anyelement) IS
'Partial mask: strings keep their first and last characters, numbers their sign and leading digit, dates and times their year or hour, uuid and bytea their first bytes; jsonb has each string and number masked so.';

CREATE FUNCTION governance.mask_email(value pg_catalog.anyelement)
RETURNS pg_catalog.anyelement
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'governance_mask_email_1_0';

COMMENT ON FUNCTION governance.mask_email(pg_catalog.anyelement) IS
'Email mask: alice@example.com reads a****@e******.com; a string without @ is masked as partial.';

CREATE FUNCTION governance.mask_redact(value pg_catalog.anyelement)
RETURNS pg_catalog.anyelement
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'governance_mask_redact_1_0';

COMMENT ON FUNCTION governance.mask_redact(pg_catalog.anyelement) IS
'Redaction: one fixed value per type (******** for strings, 0, false, 1970-01-01, all-zero uuid, empty bytea, 0.0.0.0/0).';

-- PARALLEL RESTRICTED: a parallel worker reads its plan back from text,
-- which drops every expression's location, so in a worker the rewrite's
-- calls could not be told from a user's and would be refused.
CREATE FUNCTION governance.mask_pseudonym(value pg_catalog.anyelement)
RETURNS pg_catalog.anyelement
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_mask_pseudonym_1_0';

COMMENT ON FUNCTION governance.mask_pseudonym(pg_catalog.anyelement) IS
'Pseudonym: keyed HMAC-SHA-256 of the value, as a value of its type; equal values get equal pseudonyms. Computed for labelled columns, and for superusers and members of governance_admin only.';

CREATE FUNCTION governance.mask_null(value pg_catalog.anyelement)
RETURNS pg_catalog.anyelement
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'governance_mask_null_1_0';

COMMENT ON FUNCTION governance.mask_null(pg_catalog.anyelement) IS
'NULL mask: NULL, whatever the value and its type.';
-- Labels and masking

CREATE TABLE governance.labels (
	label pg_catalog.text PRIMARY KEY,
	mask pg_catalog.text NOT NULL,
	description pg_catalog.text
);

COMMENT ON TABLE governance.labels IS
'The sensitivity labels columns may carry, and the mask each one applies for identities that read it masked.';

CREATE TABLE governance.unmask_grants (
	label pg_catalog.text NOT NULL
		REFERENCES governance.labels (label) ON DELETE CASCADE,
	principal pg_catalog.text NOT NULL,
	PRIMARY KEY (label, principal)
);

COMMENT ON TABLE governance.unmask_grants IS
'Who reads a label''s columns clear: principals written as in policy rules.  Superusers always do; everyone else reads masked.';

CREATE FUNCTION governance.label_check()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_label_check_1_0';

CREATE FUNCTION governance.unmask_grant_check()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_unmask_grant_check_1_0';

CREATE FUNCTION governance.labels_changed()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_labels_changed_1_0';

CREATE TRIGGER labels_check BEFORE INSERT OR UPDATE OR DELETE ON governance.labels
	FOR EACH ROW EXECUTE FUNCTION governance.label_check();
CREATE TRIGGER labels_truncate_check BEFORE TRUNCATE ON governance.labels
	FOR EACH STATEMENT EXECUTE FUNCTION governance.label_check();
CREATE TRIGGER labels_changed AFTER INSERT OR UPDATE OR DELETE ON governance.labels
	FOR EACH ROW EXECUTE FUNCTION governance.labels_changed();
CREATE TRIGGER labels_truncated AFTER TRUNCATE ON governance.labels
	FOR EACH STATEMENT EXECUTE FUNCTION governance.labels_changed();
CREATE TRIGGER unmask_grants_check BEFORE INSERT OR UPDATE ON governance.unmask_grants
	FOR EACH ROW EXECUTE FUNCTION governance.unmask_grant_check();
CREATE TRIGGER unmask_grants_changed AFTER INSERT OR UPDATE OR DELETE ON governance.unmask_grants
	FOR EACH ROW EXECUTE FUNCTION governance.labels_changed();
CREATE TRIGGER unmask_grants_truncated AFTER TRUNCATE ON governance.unmask_grants
	FOR EACH STATEMENT EXECUTE FUNCTION governance.labels_changed();

-- Trigger functions are for the extension's own tables only.
REVOKE ALL ON FUNCTION governance.label_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.unmask_grant_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.labels_changed() FROM PUBLIC;

REVOKE ALL ON governance.labels FROM PUBLIC;
REVOKE ALL ON governance.unmask_grants FROM PUBLIC;
GRANT SELECT ON governance.labels TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON governance.labels TO governance_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON governance.unmask_grants TO governance_admin;

-- The shipped taxonomy.  pg_dump keeps every other label, and every grant.
INSERT INTO governance.labels (label, mask, description) VALUES
	('pii', 'partial', 'Personal data: a little of the value stays recognisable.'),
	('email', 'email', 'E-mail addresses: the shape of the address stays.'),
	('secret', 'redact', 'Secrets: one fixed value of the column''s type.'),
	('pseudonym', 'pseudonym', 'Identifiers: a keyed, deterministic pseudonym that still joins and groups.');

SELECT pg_catalog.pg_extension_config_dump('governance.labels',
	$$WHERE label NOT IN ('pii', 'email', 'secret', 'pseudonym')$$);
SELECT pg_catalog.pg_extension_config_dump('governance.unmask_grants', '');

CREATE FUNCTION governance.define_label(
	label pg_catalog.text,
	mask pg_catalog.text,
	description pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO governance.labels AS l (label, mask, description)
	VALUES (define_label.label, define_label.mask, define_label.description)
	ON CONFLICT ON CONSTRAINT labels_pkey DO UPDATE
		SET mask = excluded.mask, description = excluded.description;
END
$$;

COMMENT ON FUNCTION governance.define_label(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
'Define a label, or change the mask and description of one; refused if its new mask cannot serve a column that carries it.';

CREATE FUNCTION governance.drop_label(label pg_catalog.text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM governance.labels AS l WHERE l.label = drop_label.label;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'label "%" does not exist', drop_label.label
			USING ERRCODE = 'undefined_object';
	END IF;
END
$$;

COMMENT ON FUNCTION governance.drop_label(pg_catalog.text) IS
'Drop a label and its unmask grants; refused while a column carries it.';

CREATE FUNCTION governance.label_column(
	relation pg_catalog.regclass,
	column_name pg_catalog.name,
	label pg_catalog.text)
RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_label_column_1_0';

COMMENT ON FUNCTION governance.label_column(pg_catalog.regclass, pg_catalog.name, pg_catalog.text) IS
'Put a label on a column (a security label of provider governance, kept by pg_dump and renames).';

CREATE FUNCTION governance.unlabel_column(
	relation pg_catalog.regclass,
	column_name pg_catalog.name)
RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_unlabel_column_1_0';

COMMENT ON FUNCTION governance.unlabel_column(pg_catalog.regclass, pg_catalog.name) IS
'Remove the label of a column.';

CREATE FUNCTION governance.grant_unmasked(label pg_catalog.text, principal pg_catalog.text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM governance.labels AS l WHERE l.label = grant_unmasked.label) THEN
		RAISE EXCEPTION 'label "%" does not exist', grant_unmasked.label
			USING ERRCODE = 'undefined_object';
	END IF;
	INSERT INTO governance.unmask_grants AS g (label, principal)
	VALUES (grant_unmasked.label, grant_unmasked.principal)
	ON CONFLICT DO NOTHING;
END
$$;

COMMENT ON FUNCTION governance.grant_unmasked(pg_catalog.text, pg_catalog.text) IS
'Let a principal (sub:, actor:, role:, db:, token, agent) read the columns of a label clear.';

CREATE FUNCTION governance.revoke_unmasked(label pg_catalog.text, principal pg_catalog.text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM governance.unmask_grants AS g
	 WHERE g.label = revoke_unmasked.label AND g.principal = revoke_unmasked.principal;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'principal "%" has no unmask grant for label "%"',
			revoke_unmasked.principal, revoke_unmasked.label
			USING ERRCODE = 'undefined_object';
	END IF;
END
$$;

COMMENT ON FUNCTION governance.revoke_unmasked(pg_catalog.text, pg_catalog.text) IS
'Take back an unmask grant.';

REVOKE ALL ON FUNCTION governance.define_label(pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.drop_label(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.label_column(pg_catalog.regclass, pg_catalog.name, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.unlabel_column(pg_catalog.regclass, pg_catalog.name) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.grant_unmasked(pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance.revoke_unmasked(pg_catalog.text, pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.define_label(pg_catalog.text, pg_catalog.text, pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.drop_label(pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.label_column(pg_catalog.regclass, pg_catalog.name, pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.unlabel_column(pg_catalog.regclass, pg_catalog.name) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.grant_unmasked(pg_catalog.text, pg_catalog.text) TO governance_admin;
GRANT EXECUTE ON FUNCTION governance.revoke_unmasked(pg_catalog.text, pg_catalog.text) TO governance_admin;

CREATE VIEW governance.column_labels AS
SELECT c.oid::pg_catalog.regclass AS relation,
	   a.attname AS column_name,
	   s.label,
	   l.mask,
	   l.description
  FROM pg_catalog.pg_seclabel AS s
  JOIN pg_catalog.pg_class AS c
	ON s.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = s.objoid
  JOIN pg_catalog.pg_attribute AS a
	ON a.attrelid = c.oid AND a.attnum = s.objsubid AND NOT a.attisdropped
  LEFT JOIN governance.labels AS l ON l.label = s.label
 WHERE s.provider = 'governance' AND s.objsubid > 0;

COMMENT ON VIEW governance.column_labels IS
'Every labelled column: its relation, its label and the label''s mask.';

GRANT SELECT ON governance.column_labels TO PUBLIC;

-- Statistics filters the masking rewrite puts on pg_statistic and
-- pg_statistic_ext_data for identities that read labelled columns masked.

CREATE FUNCTION governance.stat_visible(starelid pg_catalog.oid, staattnum pg_catalog.int2)
RETURNS pg_catalog.bool
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_stat_visible_1_0';

COMMENT ON FUNCTION governance.stat_visible(pg_catalog.oid, pg_catalog.int2) IS
'Whether the acting identity may see the planner statistics of a column (not of a column it reads masked).';

CREATE FUNCTION governance.stat_ext_visible(stxoid pg_catalog.oid)
RETURNS pg_catalog.bool
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_stat_ext_visible_1_0';

COMMENT ON FUNCTION governance.stat_ext_visible(pg_catalog.oid) IS
'Whether the acting identity may see an extended statistics object (not on a table with a column it reads masked).';

CREATE FUNCTION governance.jwks_status(
	OUT url pg_catalog.text,
	OUT keys pg_catalog.int4,
	OUT key_ids pg_catalog.text,
	OUT fetched_at pg_catalog.timestamptz,
	OUT changed_at pg_catalog.timestamptz,
	OUT failed_at pg_catalog.timestamptz,
	OUT error pg_catalog.text)
RETURNS SETOF record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_jwks_status_1_0';

REVOKE ALL ON FUNCTION governance.jwks_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.jwks_status() TO governance_admin;

COMMENT ON FUNCTION governance.jwks_status() IS
'The key sets of governance.jwks_url as the fetching worker last saw them: keys in force, when fetched, when changed, the last failure.';

CREATE FUNCTION governance.audit_delivery(
	OUT sink pg_catalog.text,
	OUT url pg_catalog.text,
	OUT running pg_catalog.bool,
	OUT acked_seq pg_catalog.int8,
	OUT written_seq pg_catalog.int8,
	OUT lag_events pg_catalog.int8,
	OUT delivered pg_catalog.int8,
	OUT last_success pg_catalog.timestamptz,
	OUT last_failure pg_catalog.timestamptz,
	OUT error pg_catalog.text,
	OUT pid pg_catalog.int4)
RETURNS SETOF record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_audit_delivery_1_0';

REVOKE ALL ON FUNCTION governance.audit_delivery() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.audit_delivery() TO governance_admin;

COMMENT ON FUNCTION governance.audit_delivery() IS
'Where delivery of the audit trail to the collector stands: the last acknowledged sequence number, how far the trail has gone past it, the last success and failure.';

CREATE FUNCTION governance.audit_retention(
	OUT files pg_catalog.int4,
	OUT bytes pg_catalog.int8,
	OUT first_seq pg_catalog.int8,
	OUT removed_files pg_catalog.int8,
	OUT last_removal pg_catalog.timestamptz,
	OUT blocked pg_catalog.text)
RETURNS record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'governance_audit_retention_1_0';

REVOKE ALL ON FUNCTION governance.audit_retention() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.audit_retention() TO governance_admin;

COMMENT ON FUNCTION governance.audit_retention() IS
'The audit files as they stand (how many, their size, the first event kept), how many were removed, and what keeps the oldest from going, if anything.';

-- Discovery: which columns hold sensitive data, and the labels they
-- should carry.

CREATE FUNCTION governance.detect(value pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'governance_detect_1_0';

COMMENT ON FUNCTION governance.detect(pg_catalog.text) IS
'The detector whose whole-value rule accepts the value (email, phone, ssn, card, iban, ip, jwt, private_key, aws_key, ...), or NULL.';

CREATE FUNCTION governance.detect_column(
	column_name pg_catalog.text,
	column_type pg_catalog.regtype DEFAULT NULL,
	OUT label pg_catalog.text,
	OUT confidence pg_catalog.float4,
	OUT evidence pg_catalog.text)
RETURNS record
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'governance_detect_column_1_0';

COMMENT ON FUNCTION governance.detect_column(pg_catalog.text, pg_catalog.regtype) IS
'The label the name rules propose for a column of this name and type (no type: the name alone), with its confidence and evidence, as governance.auto_label proposes it; NULLs when none.';

CREATE FUNCTION governance.discover(
	schema_filter pg_catalog.text DEFAULT NULL,
	sample_rows pg_catalog.int4 DEFAULT 1000)
RETURNS TABLE (relation pg_catalog.regclass, column_name pg_catalog.name,
			   label pg_catalog.text, confidence pg_catalog.float4,
			   evidence pg_catalog.text)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'governance_discover_1_0';

COMMENT ON FUNCTION governance.discover(pg_catalog.text, pg_catalog.int4) IS
'The label each column of the tables the caller may read should carry, from its name, its type and a bounded sample of its values read with the caller''s privileges; labelled columns with their label.  schema_filter is a LIKE pattern on schema names (NULL: every schema but the system''s).';

CREATE FUNCTION governance.apply_discovery(
	min_confidence pg_catalog.float4 DEFAULT 0.8,
	schema_filter pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int4
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'governance_apply_discovery_1_0';

COMMENT ON FUNCTION governance.apply_discovery(pg_catalog.float4, pg_catalog.text) IS
'Label what governance.discover() proposes at or above min_confidence on columns without a label; returns how many columns it labelled.  Each label is audited as one set by governance.label_column().';

REVOKE ALL ON FUNCTION governance.apply_discovery(pg_catalog.float4, pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance.apply_discovery(pg_catalog.float4, pg_catalog.text) TO governance_admin;

-- What governance.auto_label = suggest proposed as columns were created.
CREATE TABLE governance.label_suggestions (
	relation pg_catalog.regclass NOT NULL,
	column_name pg_catalog.name NOT NULL,
	label pg_catalog.text NOT NULL,
	confidence pg_catalog.float4 NOT NULL,
	evidence pg_catalog.text NOT NULL,
	suggested_by pg_catalog.text NOT NULL,
	actor pg_catalog.text,
	suggested_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE INDEX label_suggestions_column
	ON governance.label_suggestions (relation, column_name);

COMMENT ON TABLE governance.label_suggestions IS
'Labels governance.auto_label proposed for columns as they were created: the column, the label, its confidence and evidence, who created the column (sub: or db:, and the actor) and when.';

REVOKE ALL ON governance.label_suggestions FROM PUBLIC;
GRANT SELECT, DELETE ON governance.label_suggestions TO governance_admin;
SELECT pg_catalog.pg_extension_config_dump('governance.label_suggestions', '');

-- Suggestions go with the relation or column they are about.
CREATE FUNCTION governance.forget_suggestions()
RETURNS event_trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'governance_forget_suggestions_1_0';

REVOKE ALL ON FUNCTION governance.forget_suggestions() FROM PUBLIC;

CREATE EVENT TRIGGER governance_forget_suggestions ON sql_drop
	EXECUTE FUNCTION governance.forget_suggestions();
