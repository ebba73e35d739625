/*-------------------------------------------------------------------------
 *
 * audit_events.h
 *	  Building and emitting audit events from a backend.
 *
 * src/include/governance/audit_events.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_EVENTS_H
#define GOVERNANCE_AUDIT_EVENTS_H

#include "datatype/timestamp.h"
#include "governance/audit_record.h"
#include "governance/identity.h"
#include "utils/jsonb.h"

/* The fields every event carries; id is the identity to record (or NULL). */
extern void governance_audit_common(GovAuditRecord *r, const char *type,
									const char *action, const GovIdentity *id);
/* The same, with the event's time given. */
extern void governance_audit_common_at(GovAuditRecord *r, const char *type,
									   const char *action,
									   const GovIdentity *id,
									   TimestampTz now);

/* Finish and append; returns the sequence number, 0 if dropped. */
extern uint64 governance_audit_emit(GovAuditRecord *r, int elevel);

/* Append when the current transaction commits; dropped if it aborts. */
extern void governance_audit_at_commit(GovAuditRecord *r);

/* Wait until every event this backend appended is durable. */
extern void governance_audit_wait_own_events(void);

/*
 * Identity events: token_accepted (id: the new identity), token_refused
 * (id: the identity that stays; the refused token's fingerprint and the
 * reason), reset.  Never throws; false if the event could not be recorded.
 */
extern bool governance_audit_identity(const char *action, const GovIdentity *id,
									  const char *refused_fingerprint,
									  const char *reason);

extern void governance_audit_connection(const char *action, const char *detail);

/* The event with this sequence number from the trail, or NULL. */
extern Jsonb *governance_audit_event(uint64 seq);
extern char *governance_jsonb_string(Jsonb *j, const char *key);

/* A nested statement refused by the policy (src/audit/statement.c). */
struct GovDecisionNote;
extern void governance_audit_fastpath(const char *text,
									  const struct GovDecisionNote *n);
extern void governance_audit_refusal(const char *source, int location, int len,
									 const char *sqlstate, const char *message);

/* Statement auditing hooks (src/audit/statement.c). */
extern void governance_audit_init(void);

#endif							/* GOVERNANCE_AUDIT_EVENTS_H */
