/*-------------------------------------------------------------------------
 *
 * token_scope.c
 *	  governance.token_scope = transaction: a token lives no longer than
 *	  the transaction that set it.
 *
 * Behind a connection pooler in transaction mode, one server connection
 * serves many clients in turn.  A token set for the whole session by one
 * client would act for the next client of the same connection.  Under the
 * transaction scope a token may only be set with SET LOCAL or
 * set_config(..., true), so that PostgreSQL itself takes it away when the
 * transaction ends, committed or not.
 *
 * The rule that makes the class impossible: under the transaction scope,
 * no statement runs and no transaction commits while the value the
 * session would keep after its transaction ends holds a token.  Whatever
 * put it there (SET, set_config(..., false) from SQL, PL/pgSQL or a
 * fastpath call, PGOPTIONS, a token set before a reload changed the scope)
 * is caught by the same check, which reads what PostgreSQL will keep from
 * the setting's own stack, not by recognising each way in.  SET without
 * LOCAL and PGOPTIONS are also refused where they happen, for a clear
 * message at the right statement.
 *
 * src/identity/token_scope.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/common.h"
#include "governance/identity.h"
#include "nodes/parsenodes.h"
#include "utils/guc_tables.h"

/* governance.token in PostgreSQL's table of settings, found once. */
static struct config_string *
gov_token_setting(void)
{
	static struct config_string *setting = NULL;

	if (setting == NULL)
	{
		struct config_generic **vars = get_guc_variables();
		int			n = GetNumConfigOptions();

		for (int i = 0; i < n; i++)
			if (vars[i]->vartype == PGC_STRING &&
				governance_names_token_setting(vars[i]->name))
			{
				setting = (struct config_string *) vars[i];
				break;
			}
		if (setting == NULL)
			elog(ERROR, "governance.token is not defined");
	}
	return setting;
}

/*
 * The value of governance.token the session keeps once its transaction
 * ends (by commit), read from the setting's stack by the rules PostgreSQL
 * unwinds it with: a level at which the setting was only SET LOCAL or set
 * by a function's SET clause gives back the value before it; a level with
 * a plain SET keeps what was set; SET then SET LOCAL keeps the SET value,
 * which SET LOCAL masks.  Outside a transaction there is no stack and the
 * value in force is the session's.
 */
static const char *
gov_token_kept(void)
{
	struct config_string *conf = gov_token_setting();
	const char *value = *conf->variable;

	for (GucStack *st = conf->gen.stack; st != NULL; st = st->prev)
	{
		if (st->state == GUC_SET)
			return value;
		if (st->state == GUC_SET_LOCAL)
			return st->masked.val.stringval;
		value = st->prior.val.stringval;
	}
	return value;
}

bool
governance_token_outlives_transaction(void)
{
	const char *kept;

	if (governance_token_scope != GOV_TOKEN_SCOPE_TRANSACTION)
		return false;
	kept = gov_token_kept();
	return kept != NULL && kept[0] != '\0';
}

void
governance_token_scope_refuse(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("governance.token is set for the whole session, but governance.token_scope is \"transaction\""),
			 errdetail("Behind a connection pooler a session-wide token would act for the pooler's next client."),
			 errhint("Set the token inside each transaction with SET LOCAL governance.token or set_config('governance.token', ..., true); RESET governance.token clears the session's token.")));
}

/*
 * SET governance.token = '...' without LOCAL (or SET SESSION, or SET ...
 * FROM CURRENT), refused before it runs.  Clearing the token (SET TO
 * DEFAULT, RESET, or an empty value) is always allowed.
 */
void
governance_token_scope_check_set(Node *stmt)
{
	VariableSetStmt *set = (VariableSetStmt *) stmt;

	if (governance_token_scope != GOV_TOKEN_SCOPE_TRANSACTION ||
		!IsA(stmt, VariableSetStmt) || set->is_local ||
		!governance_names_token_setting(set->name))
		return;
	if (set->kind == VAR_SET_VALUE && list_length(set->args) == 1 &&
		IsA(linitial(set->args), A_Const))
	{
		A_Const    *value = (A_Const *) linitial(set->args);

		if (!value->isnull && IsA(&value->val, String) &&
			strVal(&value->val)[0] == '\0')
			return;
	}
	if (set->kind == VAR_SET_VALUE || set->kind == VAR_SET_CURRENT)
		governance_token_scope_refuse();
}

/*
 * A token from the connection's startup options (PGOPTIONS) would be the
 * session's; the check hook refuses it under the transaction scope.
 */
bool
governance_token_scope_admits_source(GucSource source)
{
	return governance_token_scope != GOV_TOKEN_SCOPE_TRANSACTION ||
		source != PGC_S_CLIENT;
}
