--
-- approval: statements held for a second person's approval.
--
-- Request ids are sequence numbers of the audit trail; they are read from
-- the error message into psql variables and never printed.
--
\set tok_alice `test/tools/token sub=alice`
\set tok_alice_approver `test/tools/token sub=alice 'roles=["approver"]'`
\set tok_bob `test/tools/token sub=bob 'roles=["approver"]'`
\set tok_bob_agent `test/tools/token sub=bob 'roles=["approver"]' 'act={"sub":"agent-7"}'`
\set tok_eve `test/tools/token sub=eve 'roles=["analyst"]'`

CREATE EXTENSION governance;
CREATE ROLE agent LOGIN;
CREATE ROLE carol LOGIN IN ROLE governance_approver;
GRANT CREATE ON SCHEMA public TO agent;
SET governance.audit_sync = on;
SET governance.environment = 'production';

-- The message of the last error, with its request id replaced.
\set VERBOSITY sqlstate
CREATE FUNCTION last_error(msg text) RETURNS text LANGUAGE sql
	AS $$ SELECT regexp_replace(msg, '[0-9]+', 'N', 'g') $$;

SET ROLE agent;
SET governance.token = :'tok_alice';
CREATE TABLE victim (id int);
CREATE TABLE bystander (id int);

-- DROP in production needs approval: the statement fails with VG001 and
-- a request is raised.
DROP TABLE victim;
SELECT last_error(:'LAST_ERROR_MESSAGE');
SELECT substring(:'LAST_ERROR_MESSAGE' from 'request ([0-9]+)') AS req \gset
-- The table is still there; asking again points at the same request.
SELECT count(*) FROM victim;
DROP TABLE victim;
SELECT substring(:'LAST_ERROR_MESSAGE' from 'request ([0-9]+)') = :'req' AS same_request;
-- DROP ... IF EXISTS of a table that does not exist drops nothing and
-- needs no approval.
DROP TABLE IF EXISTS no_such_table;
-- check() says the statement waits for approval.
SELECT c->>'decision' AS decision, c->'statements'->0->>'approval' AS approval
  FROM governance.check('DROP TABLE victim') AS c;
RESET governance.token;
RESET ROLE;

-- The request is durable although its statement rolled back.
SELECT type, action, sub, statement, event->>'rule' AS rule,
	   event->>'policy_action' AS policy_action, length(event->>'fingerprint') AS fp_len
  FROM governance.audit_log WHERE seq = :req;
SELECT requester, actor, statement, rule, action, status
  FROM governance.approval_requests WHERE request_id = :req;

-- Who may decide: not the requester, not someone without the approver
-- role, not an agent acting for an approver, not for an unknown request.
SET ROLE agent;
SET governance.token = :'tok_alice';
SELECT governance.approve(:req, 'me');
SELECT last_error(:'LAST_ERROR_MESSAGE');
SET governance.token = :'tok_alice_approver';
SELECT governance.approve(:req, 'me, as an approver');
SELECT last_error(:'LAST_ERROR_MESSAGE');
SET governance.token = :'tok_eve';
SELECT governance.approve(:req, 'not an approver');
SELECT last_error(:'LAST_ERROR_MESSAGE');
SET governance.token = :'tok_bob_agent';
SELECT governance.approve(:req, 'agent');
SELECT last_error(:'LAST_ERROR_MESSAGE');
SET governance.token = :'tok_bob';
SELECT governance.approve(1, 'not a request');
SELECT last_error(:'LAST_ERROR_MESSAGE');
SELECT governance.approve(999999999, 'no such event');
SELECT last_error(:'LAST_ERROR_MESSAGE');
-- bob approves; a second decision is refused.
SELECT governance.approve(:req, 'ticket OPS-1');
SELECT governance.deny(:req, 'changed my mind');
SELECT last_error(:'LAST_ERROR_MESSAGE');
RESET governance.token;
RESET ROLE;
SELECT requester, status, decided_by, comment FROM governance.approval_requests WHERE request_id = :req;

-- The approval is for this statement only: a different statement (CASCADE,
-- another table) raises a new request; another principal cannot use it.
SET ROLE agent;
SET governance.token = :'tok_alice';
DROP TABLE victim CASCADE;
SELECT substring(:'LAST_ERROR_MESSAGE' from 'request ([0-9]+)') <> :'req' AS new_request;
DROP TABLE bystander;
SELECT last_error(:'LAST_ERROR_MESSAGE');
RESET governance.token;
DROP TABLE victim;
SELECT last_error(:'LAST_ERROR_MESSAGE');
-- A statement that fails leaves the approval standing: it is used in the
-- statement's transaction.
SET governance.token = :'tok_alice';
BEGIN;
DROP TABLE victim;
ROLLBACK;
SELECT count(*) FROM victim;
-- Case, whitespace, comments and a trailing semicolon do not matter.
drop   TABLE  Victim /* approved in OPS-1 */ ;
SELECT to_regclass('victim') IS NULL AS dropped;
RESET governance.token;
RESET ROLE;
SELECT status FROM governance.approval_requests WHERE request_id = :req;

-- Single use: the same statement again needs a new approval.
SET ROLE agent;
SET governance.token = :'tok_alice';
CREATE TABLE victim (id int);
DROP TABLE victim;
SELECT substring(:'LAST_ERROR_MESSAGE' from 'request ([0-9]+)') AS req2 \gset
SELECT :'req2' <> :'req' AS new_request;
RESET governance.token;
RESET ROLE;

-- A database role approves by membership of governance_approver (the
-- role that logged in counts, not SET ROLE); a denial
-- is reported to the requester with who and why.
SET SESSION AUTHORIZATION carol;
SELECT status FROM governance.approval_requests WHERE request_id = :req2;
SELECT governance.deny(:req2, 'not during the freeze');
RESET SESSION AUTHORIZATION;
SET ROLE agent;
SET governance.token = :'tok_alice';
DROP TABLE victim;
SELECT last_error(:'LAST_ERROR_MESSAGE');
-- Asking again after a denial raises a fresh request.
DROP TABLE victim;
SELECT substring(:'LAST_ERROR_MESSAGE' from 'request ([0-9]+)') AS req3 \gset
RESET governance.token;
RESET ROLE;
SELECT status, decided_by, comment FROM governance.approval_requests WHERE request_id = :req2;

-- Requests expire: an old request cannot be approved.
SET governance.approval_ttl = 1;
SELECT pg_sleep(1.5);
SET SESSION AUTHORIZATION carol;
SELECT governance.approve(:req3, 'too late');
SELECT last_error(:'LAST_ERROR_MESSAGE');
RESET SESSION AUTHORIZATION;
SELECT status FROM governance.approval_requests WHERE request_id = :req3;
RESET governance.approval_ttl;

-- Approvals are events of the trail.
SELECT action, event->>'rule' AS rule, event->>'detail' AS comment
  FROM governance.audit_log
 WHERE type = 'approval' AND (event->>'request_id')::bigint IN (:req, :req2)
 ORDER BY seq;

-- Only approvers and administrators read the requests; nobody writes the
-- decisions table directly.
SET ROLE agent;
SELECT count(*) FROM governance.approval_requests;
SELECT last_error(:'LAST_ERROR_MESSAGE');
INSERT INTO governance.approvals VALUES (1, 'x', 'sub:alice', NULL, NULL, 'f', NULL, now(), 'approved', 'sub:alice', NULL, now(), now() + interval '1 day');
SELECT last_error(:'LAST_ERROR_MESSAGE');
RESET ROLE;
SET SESSION AUTHORIZATION carol;
UPDATE governance.approvals SET decision = 'approved' WHERE request_id = :req2;
SELECT last_error(:'LAST_ERROR_MESSAGE');
RESET SESSION AUTHORIZATION;
\set VERBOSITY default

DROP FUNCTION last_error(text);
DROP TABLE victim, bystander;
DROP EXTENSION governance;
REVOKE CREATE ON SCHEMA public FROM agent;
DROP ROLE agent;
DROP ROLE carol;
