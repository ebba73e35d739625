/*-------------------------------------------------------------------------
 *
 * policy_internal.h
 *	  What the classification of plans (classify.c) and of utility
 *	  statements (classify_utility.c) share.  Private to src/policy.
 *
 * src/policy/policy_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_POLICY_INTERNAL_H
#define GOVERNANCE_POLICY_INTERNAL_H

#include "governance/policy.h"

/* A new action appended to *actions. */
extern GovAction *governance_action_new(List **actions, uint32 op, Oid relid,
										const char *object);
/* "schema.name" of a relation (from the name cache), or NULL. */
extern const char *governance_relation_object(Oid relid);
/* "schema.name" a RangeVar names (and its relation, if it exists). */
extern char *governance_rangevar_object(RangeVar *rv, bool creating, Oid *relid);

#endif							/* GOVERNANCE_POLICY_INTERNAL_H */
