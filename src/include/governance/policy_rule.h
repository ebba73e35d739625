/*-------------------------------------------------------------------------
 *
 * policy_rule.h
 *	  One rule of the policy, as written and as compiled.
 *
 * The columns of governance.rules, in order; a rule as its SQL values
 * (GovRuleInput) and compiled for matching (GovRule).  Compiling is the
 * only validation there is: the row trigger, apply_policy() and the
 * backend cache all call governance_rule_compile().
 *
 * src/include/governance/policy_rule.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_POLICY_RULE_H
#define GOVERNANCE_POLICY_RULE_H

#include "governance/policy.h"

#define GOV_RULE_ATT_NAME			1
#define GOV_RULE_ATT_PRIORITY		2
#define GOV_RULE_ATT_PRINCIPALS		3
#define GOV_RULE_ATT_ENVIRONMENTS	4
#define GOV_RULE_ATT_OPERATIONS		5
#define GOV_RULE_ATT_OBJECTS		6
#define GOV_RULE_ATT_EFFECT			7
#define GOV_RULE_ATT_MAX_ROWS		8
#define GOV_RULE_ATT_DESCRIPTION	9
#define GOV_RULE_NATTS				9

typedef enum GovPrincipalKind
{
	GOV_PRINCIPAL_ANY,
	GOV_PRINCIPAL_TOKEN,
	GOV_PRINCIPAL_AGENT,
	GOV_PRINCIPAL_SUPERUSER,
	GOV_PRINCIPAL_SUB,
	GOV_PRINCIPAL_ACTOR,
	GOV_PRINCIPAL_ROLE,
	GOV_PRINCIPAL_DB
} GovPrincipalKind;

typedef struct GovPrincipal
{
	GovPrincipalKind kind;
	bool		negated;
	const char *glob;			/* for sub:, actor:, role:, db: */
} GovPrincipal;

typedef struct GovRuleInput
{
	const char *name;
	int			priority;
	char	  **principals;
	int			nprincipals;
	char	  **environments;	/* NULL: any */
	int			nenvironments;
	char	  **operations;
	int			noperations;
	char	  **objects;		/* NULL: any */
	int			nobjects;
	const char *effect;
	bool		has_max_rows;
	int64		max_rows;
} GovRuleInput;

typedef struct GovRule
{
	const char *name;
	int			priority;
	bool		any_principal;	/* a positive "any" pattern */
	GovPrincipal *principals;
	int			nprincipals;
	char	  **environments;
	int			nenvironments;
	uint32		ops_any;		/* matched whatever the qualifiers */
	uint32		ops_unfiltered; /* matched only when unfiltered */
	uint32		ops_destructive;	/* matched only when destructive */
	char	  **objects;
	int			nobjects;
	GovEffect	effect;
	int64		max_rows;
} GovRule;

/* Compile a rule; false with a message in err if it is not valid. */
extern bool governance_rule_compile(const GovRuleInput *in, GovRule *out,
									char *err, size_t errlen);
extern bool governance_principal_parse(const char *text, GovPrincipal *out,
									   char *err, size_t errlen);
extern bool governance_glob_match(const char *pattern, const char *s);
extern char **governance_text_array(Datum d, bool isnull, int *n);

#endif							/* GOVERNANCE_POLICY_RULE_H */
