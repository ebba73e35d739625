/*-------------------------------------------------------------------------
 *
 * decisions.c
 *	  The decisions taken on the statements under way, kept for their
 *	  audit events.
 *
 * The guard notes each decision it enforces, keyed by the statement it was
 * made for (the QueryDesc of a plannable statement, the PlannedStmt of a
 * utility statement, the text of a fastpath call).  The hook layer reads
 * them back when it hands a statement's outcome to the audit, as a
 * GovAuditDecision: the audit never reads the policy.  The notes are
 * emptied when a top-level statement starts or ends.
 *
 * A denial, an unmet approval or an exceeded budget is recorded while its
 * error is reported, where no catalog lookup may happen: the name of its
 * object is formatted when it is noted.
 *
 * src/policy/decisions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/audit.h"
#include "governance/policy.h"

/*
 * Recent decisions, newest last, for the audit events of the statements
 * they decided; emptied when a top-level statement starts or ends.
 */
#define GOV_DECISION_NOTES 16
static GovDecisionNote gov_notes[GOV_DECISION_NOTES];
static int	gov_nnotes = 0;

/* Remember a decision for the audit event of the statement. */
void
governance_decision_note(const void *subject, const GovDecision *d, int64 request_id)
{
	GovDecisionNote *n;

	if (gov_nnotes > 0 && gov_notes[gov_nnotes - 1].subject == subject)
		n = &gov_notes[gov_nnotes - 1];
	else
	{
		if (gov_nnotes == GOV_DECISION_NOTES)
		{
			memmove(&gov_notes[0], &gov_notes[1],
					sizeof(GovDecisionNote) * (GOV_DECISION_NOTES - 1));
			gov_nnotes--;
		}
		n = &gov_notes[gov_nnotes++];
	}
	n->subject = subject;
	n->effect = d->effect;
	strlcpy(n->rule, d->rule ? d->rule : "", sizeof(n->rule));
	/* Formatted only if an audit event wants it: names by OID later. */
	n->action = d->action;
	n->action.object = NULL;
	n->object[0] = '\0';
	/* A denial is recorded while its error is reported: no lookups then. */
	if (d->effect == GOV_DENY || d->effect == GOV_REQUIRE_APPROVAL ||
		(!OidIsValid(d->action.relid) && d->action.object != NULL))
	{
		const char *object = governance_action_object((GovAction *) &d->action);

		if (object != NULL)
		{
			strlcpy(n->object, object, sizeof(n->object));
			n->action.object = n->object;
		}
	}
	n->max_rows = d->max_rows;
	n->request_id = request_id;
	n->stopped = false;
}

const GovDecisionNote *
governance_decision_for(const void *subject)
{
	int			i;

	for (i = gov_nnotes - 1; i >= 0; i--)
		if (gov_notes[i].subject == subject)
			return &gov_notes[i];
	return NULL;
}

const GovDecisionNote *
governance_decision_blocking(void)
{
	int			i;

	for (i = gov_nnotes - 1; i >= 0; i--)
		if (gov_notes[i].effect == GOV_DENY || gov_notes[i].stopped ||
			(gov_notes[i].effect == GOV_REQUIRE_APPROVAL &&
			 gov_notes[i].request_id == 0))
			return &gov_notes[i];
	return NULL;
}

void
governance_decisions_reset(void)
{
	gov_nnotes = 0;
}

/*
 * A budget stopped the statement: its failure is recorded while the error
 * is reported, where no catalog lookup may happen, so name the object now.
 */
void
governance_decision_stopped(const void *subject)
{
	GovDecisionNote *n = (GovDecisionNote *) governance_decision_for(subject);

	if (n == NULL)
		return;
	n->stopped = true;
	if (n->action.object == NULL && OidIsValid(n->action.relid))
	{
		GovAction	a = n->action;
		const char *object = governance_action_object(&a);

		if (object != NULL)
		{
			strlcpy(n->object, object, sizeof(n->object));
			n->action.object = n->object;
		}
	}
}

/*
 * A decision as the audit records it: effect, rule, what the rule decided,
 * budget and approval.  n may be NULL (the statement was not judged, or
 * nothing blocked it): then effect is NULL.  Formatting may name the
 * action's object by a lookup, except for the blocking decisions, whose
 * object was named when they were noted.
 */
void
governance_decision_describe(const GovDecisionNote *n, GovAuditDecision *out)
{
	memset(out, 0, sizeof(*out));
	out->max_rows = -1;
	if (n == NULL)
		return;
	out->effect = governance_effect_name(n->effect);
	if (n->rule[0] != '\0')
	{
		GovAction	a = n->action;	/* formatting may fill in its object */

		out->rule = n->rule;
		out->action = governance_action_text(&a);
	}
	out->max_rows = n->max_rows;
	out->request_id = n->request_id;
}
