/*-------------------------------------------------------------------------
 *
 * rule_compile.c
 *	  Validating and compiling one rule of the policy.
 *
 * The vocabulary of rules is defined here and nowhere else:
 *
 *	principals	 any, token, agent, superuser, sub:<glob>, actor:<glob>,
 *				 role:<glob> (a role of the token), db:<glob> (the database
 *				 role); "!" before a pattern excludes what it names
 *	operations	 select insert update delete merge truncate copy_to
 *				 copy_from create alter drop grant revoke alter_system
 *				 other, the groups read write ddl all, and the qualifiers
 *				 :unfiltered (update, delete, merge, write) and
 *				 :destructive (alter, drop, ddl)
 *	objects		 schema.name globs
 *	effect		 allow, deny, require_approval, limit_rows (with max_rows)
 *
 * Compiled rules are allocated in the current memory context.
 *
 * src/policy/rule_compile.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/policy_rule.h"

typedef struct GovOpName
{
	const char *name;
	uint32		ops;
} GovOpName;

static const GovOpName gov_op_names[] = {
	{"select", GOV_OP_SELECT},
	{"insert", GOV_OP_INSERT},
	{"update", GOV_OP_UPDATE},
	{"delete", GOV_OP_DELETE},
	{"merge", GOV_OP_MERGE},
	{"truncate", GOV_OP_TRUNCATE},
	{"copy_to", GOV_OP_COPY_TO},
	{"copy_from", GOV_OP_COPY_FROM},
	{"create", GOV_OP_CREATE},
	{"alter", GOV_OP_ALTER},
	{"drop", GOV_OP_DROP},
	{"grant", GOV_OP_GRANT},
	{"revoke", GOV_OP_REVOKE},
	{"alter_system", GOV_OP_ALTER_SYSTEM},
	{"other", GOV_OP_OTHER},
	{"read", GOV_OP_READ},
	{"write", GOV_OP_WRITE},
	{"ddl", GOV_OP_DDL},
	{"all", GOV_OP_ALL},
};

/* The name of one operation class bit. */
const char *
governance_op_name(uint32 op)
{
	int			i;

	for (i = 0; i < GOV_OP_NCLASSES; i++)
		if (gov_op_names[i].ops == op)
			return gov_op_names[i].name;
	return "?";
}

static bool
gov_fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return false;
}

bool
governance_principal_parse(const char *text, GovPrincipal *out,
						   char *err, size_t errlen)
{
	static const struct
	{
		const char *prefix;
		GovPrincipalKind kind;
		bool		glob;
	}			kinds[] = {
		{"any", GOV_PRINCIPAL_ANY, false},
		{"token", GOV_PRINCIPAL_TOKEN, false},
		{"agent", GOV_PRINCIPAL_AGENT, false},
		{"superuser", GOV_PRINCIPAL_SUPERUSER, false},
		{"sub:", GOV_PRINCIPAL_SUB, true},
		{"actor:", GOV_PRINCIPAL_ACTOR, true},
		{"role:", GOV_PRINCIPAL_ROLE, true},
		{"db:", GOV_PRINCIPAL_DB, true},
	};
	int			i;

	if (text == NULL)
		return gov_fail(err, errlen, "a principal is null%s", "");
	memset(out, 0, sizeof(*out));
	if (text[0] == '!')
	{
		out->negated = true;
		text++;
	}
	for (i = 0; i < (int) lengthof(kinds); i++)
	{
		size_t		n = strlen(kinds[i].prefix);

		if (kinds[i].glob ? strncmp(text, kinds[i].prefix, n) != 0
			: strcmp(text, kinds[i].prefix) != 0)
			continue;
		out->kind = kinds[i].kind;
		if (kinds[i].glob)
		{
			if (text[n] == '\0')
				return gov_fail(err, errlen,
								"principal \"%s\" names nobody: a pattern must follow the colon",
								text);
			out->glob = text + n;
		}
		return true;
	}
	return gov_fail(err, errlen,
					"unknown principal \"%s\" (expected any, token, agent, superuser, sub:, actor:, role: or db:, optionally preceded by !)",
					text);
}

static bool
gov_parse_operation(const char *text, GovRule *rule, char *err, size_t errlen)
{
	const char *colon;
	size_t		n;
	uint32		ops = 0;
	int			i;

	if (text == NULL)
		return gov_fail(err, errlen, "an operation is null%s", "");
	colon = strchr(text, ':');
	n = colon ? (size_t) (colon - text) : strlen(text);
	for (i = 0; i < (int) lengthof(gov_op_names); i++)
		if (strlen(gov_op_names[i].name) == n &&
			strncmp(gov_op_names[i].name, text, n) == 0)
			ops = gov_op_names[i].ops;
	if (ops == 0)
		return gov_fail(err, errlen,
						"unknown operation \"%s\" (expected select, insert, update, delete, merge, truncate, copy_to, copy_from, create, alter, drop, grant, revoke, alter_system, other, read, write, ddl or all)",
						text);
	if (colon == NULL)
		rule->ops_any |= ops;
	else if (strcmp(colon + 1, "unfiltered") == 0)
	{
		if ((ops & GOV_OP_FILTERABLE) == 0 || (ops & ~GOV_OP_WRITE) != 0)
			return gov_fail(err, errlen,
							"operation \"%s\": only update, delete, merge and write can be unfiltered",
							text);
		rule->ops_unfiltered |= ops & GOV_OP_FILTERABLE;
	}
	else if (strcmp(colon + 1, "destructive") == 0)
	{
		if (ops != GOV_OP_ALTER && ops != GOV_OP_DROP && ops != GOV_OP_DDL)
			return gov_fail(err, errlen,
							"operation \"%s\": only alter, drop and ddl can be destructive",
							text);
		rule->ops_destructive |= ops;
	}
	else
		return gov_fail(err, errlen,
						"operation \"%s\": unknown qualifier (expected :unfiltered or :destructive)",
						text);
	return true;
}

static bool
gov_valid_name(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || strlen(name) > 63)
		return false;
	for (p = name; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* Copy a string list into the current memory context. */
static char **
gov_copy_list(char **src, int n)
{
	char	  **out = palloc(sizeof(char *) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		out[i] = pstrdup(src[i]);
	return out;
}

bool
governance_rule_compile(const GovRuleInput *in, GovRule *out,
						char *err, size_t errlen)
{
	int			i;
	bool		positive = false;

	memset(out, 0, sizeof(*out));
	if (!gov_valid_name(in->name))
		return gov_fail(err, errlen,
						"rule name \"%s\" is not valid: use 1 to 63 letters, digits, '_', '-' or '.'",
						in->name ? in->name : "(null)");
	out->name = pstrdup(in->name);
	out->priority = in->priority;

	if (in->principals == NULL || in->nprincipals == 0)
		return gov_fail(err, errlen,
						"rule has no principals: use {any} to match everyone%s", "");
	out->principals = palloc(sizeof(GovPrincipal) * in->nprincipals);
	for (i = 0; i < in->nprincipals; i++)
	{
		GovPrincipal *p = &out->principals[out->nprincipals];

		if (!governance_principal_parse(in->principals[i], p, err, errlen))
			return false;
		if (p->glob)
			p->glob = pstrdup(p->glob);
		if (!p->negated)
			positive = true;
		if (p->kind == GOV_PRINCIPAL_ANY && !p->negated)
			out->any_principal = true;
		else
			out->nprincipals++;
	}
	if (!positive)
		return gov_fail(err, errlen,
						"rule only excludes principals: add a pattern that includes some, such as any%s", "");

	if (in->environments != NULL)
	{
		if (in->nenvironments == 0)
			return gov_fail(err, errlen,
							"environments is empty: use null to match every environment%s", "");
		for (i = 0; i < in->nenvironments; i++)
			if (in->environments[i] == NULL || in->environments[i][0] == '\0')
				return gov_fail(err, errlen, "an environment is null or empty%s", "");
		out->environments = gov_copy_list(in->environments, in->nenvironments);
		out->nenvironments = in->nenvironments;
	}

	if (in->operations == NULL || in->noperations == 0)
		return gov_fail(err, errlen,
						"rule has no operations: use {all} to match every statement%s", "");
	for (i = 0; i < in->noperations; i++)
		if (!gov_parse_operation(in->operations[i], out, err, errlen))
			return false;

	if (in->objects != NULL)
	{
		if (in->nobjects == 0)
			return gov_fail(err, errlen,
							"objects is empty: use null to match every object%s", "");
		for (i = 0; i < in->nobjects; i++)
		{
			const char *o = in->objects[i];

			if (o == NULL || strchr(o, '.') == NULL || o[0] == '.' ||
				o[strlen(o) - 1] == '.')
				return gov_fail(err, errlen,
								"object pattern \"%s\" is not schema.name (globs such as public.* or *.orders are fine)",
								o ? o : "(null)");
		}
		out->objects = gov_copy_list(in->objects, in->nobjects);
		out->nobjects = in->nobjects;
	}

	if (in->effect == NULL)
		return gov_fail(err, errlen, "rule has no effect%s", "");
	if (strcmp(in->effect, "allow") == 0)
		out->effect = GOV_ALLOW;
	else if (strcmp(in->effect, "deny") == 0)
		out->effect = GOV_DENY;
	else if (strcmp(in->effect, "require_approval") == 0)
		out->effect = GOV_REQUIRE_APPROVAL;
	else if (strcmp(in->effect, "limit_rows") == 0)
		out->effect = GOV_LIMIT_ROWS;
	else
		return gov_fail(err, errlen,
						"unknown effect \"%s\" (expected allow, deny, require_approval or limit_rows)",
						in->effect);
	if (out->effect == GOV_LIMIT_ROWS)
	{
		if (!in->has_max_rows || in->max_rows < 0)
			return gov_fail(err, errlen,
							"effect limit_rows needs max_rows, a number of rows of 0 or more%s", "");
		if (((out->ops_any | out->ops_unfiltered) & GOV_OP_COUNTABLE) == 0)
			return gov_fail(err, errlen,
							"effect limit_rows counts rows changed: name insert, update, delete, merge, copy_from or write%s", "");
		out->max_rows = in->max_rows;
	}
	else if (in->has_max_rows)
		return gov_fail(err, errlen,
						"max_rows is only for the effect limit_rows%s", "");
	return true;
}
