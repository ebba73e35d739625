/*-------------------------------------------------------------------------
 *
 * decide.c
 *	  The rule cache of a backend and the decision on a statement.
 *
 * Rules live in governance.rules.  A backend compiles them once into an
 * array sorted by priority (highest first, then by name) kept in
 * GovPolicyContext, and reads the table again only after a relcache
 * invalidation of it: a statement trigger on the table sends one whenever
 * it changes, and dropping the extension or its schema sends one too.  The
 * table is read with a heap scan, not SPI, so loading the policy neither
 * runs the hooks again nor needs the caller to have SELECT on it.
 *
 * Which rules' principals match the acting identity is cached too and
 * recomputed only when the identity, the current role or the rules
 * change; deciding an action is then a walk over the rules comparing
 * bit masks, with a glob match only for rules that name objects.
 *
 * src/policy/decide.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "access/genam.h"
#include "access/skey.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "utils/fmgroids.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/policy.h"
#include "governance/policy_rule.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

static MemoryContext GovPolicyContext = NULL;
static MemoryContext gov_retired_context = NULL;	/* freed at transaction end */
static GovRule *gov_rules = NULL;
static int	gov_nrules = 0;
static bool gov_rules_valid = false;
static Oid	gov_rules_relid = InvalidOid;

/* Principal matches, valid for one identity and current role. */
static bool *gov_principal_ok = NULL;
static bool gov_principals_valid = false;
static char gov_principals_for[65] = "";
static Oid	gov_principals_role = InvalidOid;
static uint32 gov_principal_ops = 0;	/* ops of the rules that apply */

/*
 * For each operation class, the rules that apply to the acting principal
 * and name that class, in priority order: an action looks at no others.
 */
static int *gov_candidates[GOV_OP_NCLASSES];
static int	gov_ncandidates[GOV_OP_NCLASSES];

/*
 * The rule that decides an action on a relation, remembered: a workload
 * repeats the same few actions.  Entries are valid for one generation,
 * which moves on whenever the rules, the principal or any relation (its
 * name is what object patterns match) may have changed.
 */
#define GOV_DCACHE_SIZE 256
typedef struct GovDecisionCache
{
	uint64		generation;
	Oid			relid;
	uint32		op;
	bool		unfiltered;
	bool		destructive;
	int			rule;			/* index into gov_rules, -1: none */
} GovDecisionCache;

static GovDecisionCache gov_dcache[GOV_DCACHE_SIZE];
static uint64 gov_dcache_generation = 1;

/*
 * A relcache invalidation of the rules table (or of everything) drops the
 * compiled rules; a change of pg_namespace may mean the extension appeared
 * or went away.
 */
static void
gov_rules_relcache_cb(Datum arg, Oid relid)
{
	gov_dcache_generation++;
	if (relid == InvalidOid || relid == gov_rules_relid)
		gov_rules_valid = false;
}

static void
gov_namespace_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	gov_dcache_generation++;
	gov_rules_relid = InvalidOid;
	gov_rules_valid = false;
}

void
governance_environment_assign(const char *newval, void *extra)
{
	gov_principals_valid = false;
	gov_rules_valid = false;
}

/* Text array column to a palloc'd C string array; NULL stays NULL. */
char	  **
governance_text_array(Datum d, bool isnull, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;
	int			i;

	*n = 0;
	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, n);
	out = palloc(sizeof(char *) * (*n + 1));
	for (i = 0; i < *n; i++)
		out[i] = nulls[i] ? NULL : TextDatumGetCString(elems[i]);
	return out;
}

/*
 * Compile one row of governance.rules.  The row trigger validated it
 * already; a row that no longer compiles (edited with triggers disabled)
 * is reported and denies everything rather than being skipped.
 */
/*
 * A rule that denies every statement of everyone but superusers, who can
 * then repair the policy: what an unreadable policy becomes.
 */
static void
gov_fail_closed_rule(GovRule *rule, const char *name)
{
	static GovPrincipal not_superuser = {GOV_PRINCIPAL_SUPERUSER, true, NULL};

	memset(rule, 0, sizeof(*rule));
	rule->name = pstrdup(name);
	rule->priority = PG_INT32_MAX;
	rule->any_principal = true;
	rule->principals = &not_superuser;
	rule->nprincipals = 1;
	rule->ops_any = GOV_OP_ALL;
	rule->effect = GOV_DENY;
}

/* Are the columns of governance.rules where this code reads them? */
static bool
gov_rules_shape_ok(TupleDesc desc)
{
	static const char *const names[GOV_RULE_NATTS] = {
		"name", "priority", "principals", "environments", "operations",
		"objects", "effect", "max_rows", "description"
	};
	int			i;

	if (desc->natts < GOV_RULE_NATTS)
		return false;
	for (i = 0; i < GOV_RULE_NATTS; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), names[i]) != 0)
			return false;
	}
	return true;
}

static void
gov_compile_row(HeapTuple tup, TupleDesc desc, GovRule *rule)
{
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);
	GovRuleInput in;
	char		err[256];

	heap_deform_tuple(tup, desc, values, nulls);
	memset(&in, 0, sizeof(in));
	in.name = nulls[GOV_RULE_ATT_NAME - 1] ? NULL :
		TextDatumGetCString(values[GOV_RULE_ATT_NAME - 1]);
	in.priority = nulls[GOV_RULE_ATT_PRIORITY - 1] ? 0 :
		DatumGetInt32(values[GOV_RULE_ATT_PRIORITY - 1]);
	in.principals = governance_text_array(values[GOV_RULE_ATT_PRINCIPALS - 1],
								   nulls[GOV_RULE_ATT_PRINCIPALS - 1],
								   &in.nprincipals);
	in.environments = governance_text_array(values[GOV_RULE_ATT_ENVIRONMENTS - 1],
									 nulls[GOV_RULE_ATT_ENVIRONMENTS - 1],
									 &in.nenvironments);
	in.operations = governance_text_array(values[GOV_RULE_ATT_OPERATIONS - 1],
								   nulls[GOV_RULE_ATT_OPERATIONS - 1],
								   &in.noperations);
	in.objects = governance_text_array(values[GOV_RULE_ATT_OBJECTS - 1],
								nulls[GOV_RULE_ATT_OBJECTS - 1],
								&in.nobjects);
	in.effect = nulls[GOV_RULE_ATT_EFFECT - 1] ? NULL :
		TextDatumGetCString(values[GOV_RULE_ATT_EFFECT - 1]);
	in.has_max_rows = !nulls[GOV_RULE_ATT_MAX_ROWS - 1];
	in.max_rows = in.has_max_rows ?
		DatumGetInt64(values[GOV_RULE_ATT_MAX_ROWS - 1]) : 0;
	if (!governance_rule_compile(&in, rule, err, sizeof(err)))
	{
		ereport(WARNING,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("governance rule \"%s\" is invalid: %s",
						in.name ? in.name : "?", err),
				 errdetail("The rule denies every statement of every role but superusers until it is fixed.")));
		gov_fail_closed_rule(rule, in.name ? in.name : "?");
	}
}

static int
gov_rule_cmp(const void *a, const void *b)
{
	const GovRule *ra = a;
	const GovRule *rb = b;

	if (ra->priority != rb->priority)
		return ra->priority > rb->priority ? -1 : 1;
	return strcmp(ra->name, rb->name);
}

/* Read and compile governance.rules. */
static void
gov_load_rules(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	MemoryContext old;
	int			cap = 16;

	/*
	 * Decisions taken from the old rules point at their names and may still
	 * be in use (a reload can happen in the middle of a statement, when
	 * code it runs is judged): the old rules are freed when the transaction
	 * ends, not now.
	 */
	if (GovPolicyContext != NULL)
	{
		if (gov_retired_context == NULL)
			gov_retired_context = GovPolicyContext;
		else
			MemoryContextSetParent(GovPolicyContext, gov_retired_context);
	}
	GovPolicyContext = AllocSetContextCreate(CacheMemoryContext,
											 "governance policy",
											 ALLOCSET_SMALL_SIZES);
	gov_dcache_generation++;
	gov_rules = NULL;
	gov_nrules = 0;
	gov_principal_ok = NULL;
	gov_principals_valid = false;

	/* Mark valid first: an invalidation while reading reloads again. */
	gov_rules_valid = true;
	if (!OidIsValid(governance_schema_oid()))
		return;
	gov_rules_relid = get_relname_relid("rules", governance_schema_oid());
	if (!OidIsValid(gov_rules_relid))
	{
		/* CREATE EXTENSION is running its script: look again next time. */
		gov_rules_valid = false;
		return;
	}

	old = MemoryContextSwitchTo(GovPolicyContext);
	gov_rules = palloc(sizeof(GovRule) * cap);
	rel = table_open(gov_rules_relid, AccessShareLock);
	if (!gov_rules_shape_ok(RelationGetDescr(rel)))
	{
		ereport(WARNING,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("governance.rules does not have the columns the extension reads"),
				 errdetail("Every statement of every role but superusers is denied until the table is repaired.")));
		table_close(rel, AccessShareLock);
		gov_fail_closed_rule(&gov_rules[gov_nrules++], "governance.rules-damaged");
		gov_principal_ok = palloc0(sizeof(bool));
		for (int k = 0; k < GOV_OP_NCLASSES; k++)
			gov_candidates[k] = palloc(sizeof(int));
		MemoryContextSwitchTo(old);
		return;
	}
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		if (gov_nrules == cap)
		{
			cap *= 2;
			gov_rules = repalloc(gov_rules, sizeof(GovRule) * cap);
		}
		gov_compile_row(tup, RelationGetDescr(rel), &gov_rules[gov_nrules++]);
	}
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	qsort(gov_rules, gov_nrules, sizeof(GovRule), gov_rule_cmp);
	gov_principal_ok = palloc0(sizeof(bool) * Max(gov_nrules, 1));
	for (int k = 0; k < GOV_OP_NCLASSES; k++)
		gov_candidates[k] = palloc(sizeof(int) * Max(gov_nrules, 1));
	MemoryContextSwitchTo(old);
}

/* Is there a policy to apply?  Loads it if needed. */
bool
governance_policy_active(void)
{
	if (!IsTransactionState())
		return false;
	if (!gov_rules_valid)
	{
		PG_TRY();
		{
			gov_load_rules();
		}
		PG_CATCH();
		{
			gov_rules_valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return gov_nrules > 0;
}

/* Simple glob: '*' any run of characters, '?' any one character. */
bool
governance_glob_match(const char *pattern, const char *s)
{
	const char *star = NULL;
	const char *resume = NULL;

	while (*s)
	{
		if (*pattern == '*')
		{
			star = pattern++;
			resume = s;
		}
		else if (*pattern == '?' || *pattern == *s)
			pattern++, s++;
		else if (star != NULL)
		{
			pattern = star + 1;
			s = ++resume;
		}
		else
			return false;
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* Does one principal pattern (without '!') name the acting principal? */
static bool
gov_principal_pattern_matches(GovPrincipalKind kind, const char *glob)
{
	const GovIdentity *id = governance_current_identity();

	switch (kind)
	{
		case GOV_PRINCIPAL_ANY:
			return true;
		case GOV_PRINCIPAL_TOKEN:
			return id != NULL;
		case GOV_PRINCIPAL_AGENT:
			return id != NULL && id->actor_off >= 0;
		case GOV_PRINCIPAL_SUPERUSER:
			return superuser();
		case GOV_PRINCIPAL_SUB:
			return id != NULL && id->sub_off >= 0 &&
				governance_glob_match(glob, GovIdentityString(id, id->sub_off));
		case GOV_PRINCIPAL_ACTOR:
			return id != NULL && id->actor_off >= 0 &&
				governance_glob_match(glob, GovIdentityString(id, id->actor_off));
		case GOV_PRINCIPAL_ROLE:
			if (id != NULL)
			{
				const char *p = id->data + id->roles_off;
				int			i;

				for (i = 0; i < id->nroles; i++, p += strlen(p) + 1)
					if (governance_glob_match(glob, p))
						return true;
			}
			return false;
		case GOV_PRINCIPAL_DB:
			{
				char	   *name = GetUserNameFromId(GetUserId(), true);

				return name != NULL && governance_glob_match(glob, name);
			}
	}
	return false;
}

static bool
gov_rule_principals_match(const GovRule *rule)
{
	bool		positive = rule->any_principal;
	int			i;

	for (i = 0; i < rule->nprincipals; i++)
	{
		const GovPrincipal *p = &rule->principals[i];

		if (p->negated)
		{
			if (gov_principal_pattern_matches(p->kind, p->glob))
				return false;
		}
		else if (!positive && gov_principal_pattern_matches(p->kind, p->glob))
			positive = true;
	}
	return positive;
}

/*
 * Does a principal pattern, as written in a rule, name the acting
 * principal?  Used by approvals and masking, which share the vocabulary.
 */
bool
governance_principal_matches(const char *pattern)
{
	GovPrincipal p;
	char		err[128];

	if (!governance_principal_parse(pattern, &p, err, sizeof(err)))
		return false;
	return gov_principal_pattern_matches(p.kind, p.glob) != p.negated;
}

static bool
gov_rule_environment_matches(const GovRule *rule)
{
	int			i;

	if (rule->nenvironments == 0)
		return true;
	for (i = 0; i < rule->nenvironments; i++)
		if (governance_environment != NULL &&
			strcmp(rule->environments[i], governance_environment) == 0)
			return true;
	return false;
}

/* Recompute which rules apply to the acting principal if it changed. */
static void
gov_refresh_principals(void)
{
	const GovIdentity *id = governance_current_identity();
	const char *who = id ? id->fingerprint : "";
	int			i;

	if (gov_principals_valid && gov_principals_role == GetUserId() &&
		strcmp(gov_principals_for, who) == 0)
		return;
	gov_dcache_generation++;
	gov_principal_ops = 0;
	memset(gov_ncandidates, 0, sizeof(gov_ncandidates));
	for (i = 0; i < gov_nrules; i++)
	{
		const GovRule *rule = &gov_rules[i];
		uint32		ops = rule->ops_any | rule->ops_unfiltered | rule->ops_destructive;
		int			k;

		gov_principal_ok[i] = gov_rule_environment_matches(rule) &&
			gov_rule_principals_match(rule);
		if (!gov_principal_ok[i])
			continue;
		gov_principal_ops |= ops;
		for (k = 0; k < GOV_OP_NCLASSES; k++)
			if (ops & (1u << k))
				gov_candidates[k][gov_ncandidates[k]++] = i;
	}
	strlcpy(gov_principals_for, who, sizeof(gov_principals_for));
	gov_principals_role = GetUserId();
	gov_principals_valid = true;
}

static bool
gov_rule_matches_action(const GovRule *rule, GovAction *a)
{
	const char *object;
	int			i;

	/* A budget counts rows changed; it says nothing about other actions. */
	if (rule->effect == GOV_LIMIT_ROWS && (a->op & GOV_OP_COUNTABLE) == 0)
		return false;
	if (!((rule->ops_any & a->op) ||
		  (a->unfiltered && (rule->ops_unfiltered & a->op)) ||
		  (a->destructive && (rule->ops_destructive & a->op))))
		return false;
	if (rule->nobjects == 0)
		return true;
	object = governance_action_object(a);
	if (object == NULL)
		return false;
	for (i = 0; i < rule->nobjects; i++)
		if (governance_glob_match(rule->objects[i], object))
			return true;
	return false;
}

/* The index of the rule that decides an action, -1 if none does. */
static int
gov_decide_action(GovAction *a)
{
	int			k = pg_rightmost_one_pos32(a->op);
	GovDecisionCache *c = NULL;
	int			j;
	int			found = -1;

	if (OidIsValid(a->relid))
	{
		uint32		h = hash_bytes_uint32((uint32) a->relid) ^
			(a->op * 0x9e3779b1u) ^ (a->unfiltered ? 0x55u : 0) ^
			(a->destructive ? 0xaa00u : 0);

		c = &gov_dcache[h % GOV_DCACHE_SIZE];
		if (c->generation == gov_dcache_generation && c->relid == a->relid &&
			c->op == a->op && c->unfiltered == a->unfiltered &&
			c->destructive == a->destructive)
			return c->rule;
	}
	for (j = 0; j < gov_ncandidates[k]; j++)
		if (gov_rule_matches_action(&gov_rules[gov_candidates[k][j]], a))
		{
			found = gov_candidates[k][j];
			break;
		}
	if (c != NULL)
	{
		c->generation = gov_dcache_generation;
		c->relid = a->relid;
		c->op = a->op;
		c->unfiltered = a->unfiltered;
		c->destructive = a->destructive;
		c->rule = found;
	}
	return found;
}

/*
 * Decide a statement from its actions.  The most restrictive effect wins;
 * among limits, the smallest budget.
 */
void
governance_decide(List *actions, GovDecision *out)
{
	ListCell   *lc;

	memset(out, 0, sizeof(*out));
	out->effect = GOV_ALLOW;
	out->max_rows = -1;
	if (!governance_policy_active())
		return;
	gov_refresh_principals();

	foreach(lc, actions)
	{
		GovAction  *a = lfirst(lc);
		int			r = gov_decide_action(a);

		if (r >= 0)
		{
			const GovRule *rule = &gov_rules[r];

			if (rule->effect == GOV_LIMIT_ROWS &&
				(out->max_rows < 0 || rule->max_rows < out->max_rows))
			{
				out->max_rows = rule->max_rows;
				out->budget_rule = rule->name;
			}
			if (rule->effect > out->effect ||
				(out->rule == NULL && rule->effect == out->effect))
			{
				out->effect = rule->effect;
				out->rule = rule->name;
				out->action = *a;
			}
		}
	}
}

uint32
governance_policy_ops(void)
{
	if (!governance_policy_active())
		return 0;
	gov_refresh_principals();
	return gov_principal_ops;
}

const char *
governance_effect_name(GovEffect e)
{
	switch (e)
	{
		case GOV_ALLOW:
			return "allow";
		case GOV_LIMIT_ROWS:
			return "limit_rows";
		case GOV_REQUIRE_APPROVAL:
			return "require_approval";
		case GOV_DENY:
			return "deny";
	}
	return "?";
}

/* The rules retired by a reload go when the transaction ends. */
void
governance_policy_xact_end(XactEvent event)
{
	if ((event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		 event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		 event == XACT_EVENT_PARALLEL_ABORT) && gov_retired_context != NULL)
	{
		MemoryContextDelete(gov_retired_context);
		gov_retired_context = NULL;
	}
}

/* A role was renamed or changed (superuser, membership): match again. */
static void
gov_authid_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	gov_principals_valid = false;
	gov_dcache_generation++;
}

void
governance_policy_init(void)
{
	CacheRegisterSyscacheCallback(AUTHOID, gov_authid_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, gov_authid_cb, (Datum) 0);
	CacheRegisterRelcacheCallback(gov_rules_relcache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, gov_namespace_cb, (Datum) 0);
}
