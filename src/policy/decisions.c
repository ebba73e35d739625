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
 * GovAuditDecision: the audit never reads the policy.
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

#include "access/xact.h"
#include "governance/audit.h"
#include "governance/policy.h"
#include "utils/memutils.h"

/*
 * The decisions on the statements under way, oldest first.  A note goes
 * when its statement ends (governance_decision_forget), when the
 * subtransaction it was made in is rolled back (its statement is gone: a
 * denial an exception block caught blames no later failure), and when a
 * top-level statement starts or ends.  So the notes are those of the
 * statements running now, nested ones included, and of the failure being
 * reported: none is pushed out by another, however many statements one
 * statement runs.  In TopMemoryContext, grown as needed.
 */
static GovDecisionNote *gov_notes = NULL;
static int	gov_nnotes = 0;
static int	gov_notes_size = 0;

/* The note of subject, or NULL. */
static GovDecisionNote *
gov_note_of(const void *subject)
{
	for (int i = gov_nnotes - 1; i >= 0; i--)
		if (gov_notes[i].subject == subject)
			return &gov_notes[i];
	return NULL;
}

/* Name the action's object into the note, where no lookup can follow. */
static void
gov_note_object(GovDecisionNote *n, const GovAction *action)
{
	GovAction	a = *action;
	const char *object = governance_action_object(&a);

	if (object != NULL)
		strlcpy(n->object, object, sizeof(n->object));
}

/* Remember a decision for the audit event of the statement. */
void
governance_decision_note(const void *subject, const GovDecision *d, int64 request_id)
{
	GovDecisionNote *n = gov_note_of(subject);

	if (n == NULL)
	{
		if (gov_nnotes == gov_notes_size)
		{
			int			size = Max(2 * gov_notes_size, 16);

			gov_notes = gov_notes == NULL ?
				MemoryContextAlloc(TopMemoryContext, size * sizeof(GovDecisionNote)) :
				repalloc(gov_notes, size * sizeof(GovDecisionNote));
			gov_notes_size = size;
		}
		n = &gov_notes[gov_nnotes++];
	}
	n->subject = subject;
	n->subxid = GetCurrentSubTransactionId();
	n->effect = d->effect;
	strlcpy(n->rule, d->rule ? d->rule : "", sizeof(n->rule));
	/* Formatted only if an audit event wants it: names by OID later. */
	n->action = d->action;
	n->action.object = NULL;
	n->object[0] = '\0';
	/* A denial is recorded while its error is reported: no lookups then. */
	if (d->effect == GOV_DENY || d->effect == GOV_REQUIRE_APPROVAL ||
		(!OidIsValid(d->action.relid) && d->action.object != NULL))
		gov_note_object(n, &d->action);
	n->max_rows = d->max_rows;
	n->request_id = request_id;
	n->stopped = false;
}

const GovDecisionNote *
governance_decision_for(const void *subject)
{
	return gov_note_of(subject);
}

const GovDecisionNote *
governance_decision_blocking(void)
{
	for (int i = gov_nnotes - 1; i >= 0; i--)
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

/* The statement ended: its decision was recorded with it. */
void
governance_decision_forget(const void *subject)
{
	int			j = 0;

	for (int i = 0; i < gov_nnotes; i++)
		if (gov_notes[i].subject != subject)
			gov_notes[j++] = gov_notes[i];
	gov_nnotes = j;
}

/*
 * A subtransaction was rolled back: the statements decided in it, or in
 * the subtransactions it held (whose ids are larger), are gone.
 */
void
governance_decisions_subxact_abort(SubTransactionId mySubid)
{
	int			j = 0;

	for (int i = 0; i < gov_nnotes; i++)
		if (gov_notes[i].subxid < mySubid)
			gov_notes[j++] = gov_notes[i];
	gov_nnotes = j;
}

/*
 * A budget stopped the statement: its failure is recorded while the error
 * is reported, where no catalog lookup may happen, so name the object now.
 */
void
governance_decision_stopped(const void *subject)
{
	GovDecisionNote *n = gov_note_of(subject);

	if (n == NULL)
		return;
	n->stopped = true;
	if (n->object[0] == '\0' && OidIsValid(n->action.relid))
		gov_note_object(n, &n->action);
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

		if (n->object[0] != '\0')
			a.object = (char *) n->object;

		out->rule = n->rule;
		out->action = governance_action_text(&a);
	}
	out->max_rows = n->max_rows;
	out->request_id = n->request_id;
}
