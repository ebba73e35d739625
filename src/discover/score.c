/*-------------------------------------------------------------------------
 *
 * score.c
 *	  The label discovery proposes for a column, and how sure it is: from
 *	  the column's name, its type and what its sampled values showed.
 *
 * Each source of evidence proposes a label with a confidence: the name
 * rules (common_detect.h), the type (inet is an IP address), the share of
 * sampled values a whole-value detector accepted, and the share of
 * values holding a secret somewhere in their text.  Evidence for the same
 * label adds up as independent evidence does (1 - (1-a)(1-b)); the label
 * with the highest confidence wins, and a tie goes to the more restrictive
 * label (secret, then email, then pii).  The evidence text names every
 * source, with counts and detector names, never a value.
 *
 * Nothing here reads a table or allocates but palloc'd names of types.
 *
 * src/discover/score.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "governance/common_detect.h"
#include "governance/discover.h"
#include "utils/lsyscache.h"

/* Fewer non-null values than this cannot carry a proposal on their own. */
#define GOV_FULL_SAMPLE		20
/* Below this share, values that are not secrets propose nothing. */
#define GOV_MIN_SHARE		0.05

/* The labels, most restrictive first; index into the candidates below. */
static const char *const gov_labels[] = {"secret", "email", "pii"};
#define GOV_NLABELS 3

static int
gov_label_index(const char *label)
{
	for (int i = 0; i < GOV_NLABELS; i++)
		if (label != NULL && strcmp(label, gov_labels[i]) == 0)
			return i;
	return -1;
}

/*
 * What a column's type lets discovery conclude.  A domain is judged by its
 * base type, an array by nothing but its name.
 */
GovTypeClass
governance_type_class(Oid typid)
{
	Oid			base = getBaseType(typid);
	char		category;
	bool		preferred;

	switch (base)
	{
		case BOOLOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case OIDOID:
		case INTERVALOID:
		case TIMEOID:
		case TIMETZOID:
		case CHAROID:
			return GOV_TYPE_NEVER;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
			return GOV_TYPE_NUMBER;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return GOV_TYPE_DATE;
		case INETOID:
			return GOV_TYPE_INET;
		case CIDROID:
			return GOV_TYPE_CIDR;
		case JSONOID:
		case JSONBOID:
		case XMLOID:
			return GOV_TYPE_JSON;
	}
	get_type_category_preferred(base, &category, &preferred);
	if (category == TYPCATEGORY_STRING)
		return GOV_TYPE_TEXT;
	return GOV_TYPE_OPAQUE;
}

/*
 * Are a column's values read?  Strings and JSON always; numbers only to
 * confirm what their name proposes (a card number in a bigint); other
 * types never: their type or their name says all that can be said.
 */
/* Does a name rule's evidence say the column holds national ids? */
bool
governance_name_says_ssn(const char *name)
{
	float		c;
	const char *ev = NULL;

	return governance_detect_name(name, strlen(name), &c, &ev) != NULL &&
		ev != NULL && strcmp(ev, "name: national id") == 0;
}

bool
governance_type_sampled(GovTypeClass tc, const char *name_label)
{
	return tc == GOV_TYPE_TEXT || tc == GOV_TYPE_JSON ||
		(tc == GOV_TYPE_NUMBER && name_label != NULL);
}

/*
 * Count one sampled, non-null value: whole-value detectors for strings
 * and numbers (and nine bare digits, when the column's name says it
 * holds SSNs), then, for text that is not a whole match, a search for a
 * secret pasted into it.
 */
void
governance_value_stats_add(GovValueStats *vs, const char *s, size_t len,
						   GovTypeClass tc, bool ssn_name)
{
	GovDetector d;

	vs->nonnull++;
	if (tc == GOV_TYPE_TEXT || tc == GOV_TYPE_NUMBER)
	{
		d = governance_detect_value(s, len);
		/* nine bare digits are an SSN where the name says so */
		if (d == GOV_DETECT_NONE && ssn_name && governance_detect_ssn_digits(s, len))
			d = GOV_DETECT_SSN;
		if (d > GOV_DETECT_NONE && d < GOV_DETECT_COUNT)
		{
			vs->accepted++;
			vs->by[d]++;
			return;
		}
	}
	if (tc == GOV_TYPE_TEXT || tc == GOV_TYPE_JSON)
	{
		d = governance_detect_secret(s, len);
		if (d > GOV_DETECT_NONE && d < GOV_DETECT_COUNT)
		{
			vs->containing++;
			vs->contains[d]++;
		}
	}
}

/*
 * The confidence a share of matching values gives: a column nearly all of
 * whose values are addresses is an address column.  Piecewise linear
 * through (0.2, 0.4), (0.5, 0.7), (0.7, 0.85), (0.9, 0.95), (1, 0.99); a
 * small sample is believed less.
 */
static float
gov_share_confidence(double share, int n)
{
	double		c;

	if (share <= 0.2)
		c = 0.3 + 0.5 * share;
	else if (share <= 0.5)
		c = 0.4 + (share - 0.2);
	else if (share <= 0.7)
		c = 0.7 + 0.75 * (share - 0.5);
	else if (share <= 0.9)
		c = 0.85 + 0.5 * (share - 0.7);
	else
		c = 0.95 + 0.4 * (share - 0.9);
	if (n < GOV_FULL_SAMPLE)
		c = Min(c, 0.5 + 0.02 * n);
	return (float) c;
}

static bool
gov_evidence_is(const char *evidence, const char *what)
{
	return evidence != NULL && strcmp(evidence, what) == 0;
}

/* Evidence for one label, gathered from the sources that propose it. */
typedef struct GovCandidate
{
	float		confidence;		/* combined; 0: no source proposes it */
	char		parts[GOV_EVIDENCE_LEN];
} GovCandidate;

static void
gov_append(char *buf, const char *fmt,...) pg_attribute_printf(2, 3);

static void
gov_append(char *buf, const char *fmt,...)
{
	size_t		used = strlen(buf);
	va_list		ap;

	if (used + 3 >= GOV_EVIDENCE_LEN)
		return;
	if (used > 0)
	{
		strcpy(buf + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, GOV_EVIDENCE_LEN - used, fmt, ap);
	va_end(ap);
}

static void
gov_propose(GovCandidate *cands, const char *label, float confidence)
{
	int			i = gov_label_index(label);

	if (i < 0 || confidence <= 0)
		return;
	cands[i].confidence = 1.0f - (1.0f - cands[i].confidence) * (1.0f - confidence);
}

/*
 * Whole values: "values: 97% email (485/500)" for one detector,
 * "values: 96% accepted (480/500: email 300, phone 180)" for several;
 * secrets inside text: "values: 2% contain a secret (29/1000: jwt 19,
 * private_key 10)".  Detectors in decreasing count.
 */
static void
gov_describe_counts(char *buf, size_t len, bool inside, int hits, int n,
					const int *by)
{
	int			order[GOV_DETECT_COUNT];
	int			k = 0;
	size_t		used;
	int			pct = (int) floor(100.0 * hits / n);

	for (int d = GOV_DETECT_NONE + 1; d < GOV_DETECT_COUNT; d++)
		if (by[d] > 0)
			order[k++] = d;
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && by[order[j]] > by[order[j - 1]]; j--)
		{
			int			t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (k == 1 && !inside)
	{
		snprintf(buf, len, "values: %d%% %s (%d/%d)", pct,
				 governance_detector_name((GovDetector) order[0]), hits, n);
		return;
	}
	snprintf(buf, len, "values: %d%% %s (%d/%d:", pct,
			 inside ? "contain a secret" : "accepted", hits, n);
	used = strlen(buf);
	for (int i = 0; i < k && used + 2 < len; i++)
	{
		snprintf(buf + used, len - used, "%s %s %d", i ? "," : "",
				 governance_detector_name((GovDetector) order[i]), by[order[i]]);
		used = strlen(buf);
	}
	if (used + 2 < len)
		strcpy(buf + used, ")");
}

/*
 * The proposal for one column.  vs is what its sampled values showed
 * (NULL: none read), unsampled why a column whose values would be read
 * was not ("foreign table"), or NULL.
 */
void
governance_score_column(const char *name, Oid typid, const GovValueStats *vs,
						const char *unsampled, GovProposal *out)
{
	GovTypeClass tc = governance_type_class(typid);
	GovCandidate cands[GOV_NLABELS];
	float		name_conf = 0;
	const char *name_evidence = NULL;
	const char *name_label;
	char		text[GOV_EVIDENCE_LEN];
	int			best = -1;

	memset(cands, 0, sizeof(cands));
	out->label = NULL;
	out->confidence = 0;
	out->evidence[0] = '\0';
	if (tc == GOV_TYPE_NEVER)
		return;

	/* The name, as far as the type allows what it proposes. */
	name_label = governance_detect_name(name, strlen(name), &name_conf,
										&name_evidence);
	if (name_label != NULL)
	{
		int			i = gov_label_index(name_label);

		/*
		 * A date is personal only as a date of birth; a number may hold a
		 * card, account or phone number but never an e-mail address or a
		 * name ("failed_logins" counts logins); the rest is as its name
		 * says.
		 */
		if (i < 0 ||
			(tc == GOV_TYPE_DATE && !gov_evidence_is(name_evidence, "name: date of birth")) ||
			((tc == GOV_TYPE_NUMBER || tc == GOV_TYPE_INET || tc == GOV_TYPE_CIDR) &&
			 (strcmp(name_label, "email") == 0 ||
			  gov_evidence_is(name_evidence, "name: person name") ||
			  gov_evidence_is(name_evidence, "name: user name"))))
			name_label = NULL;
	}
	if (name_label != NULL)
	{
		float		c = name_conf;

		/*
		 * Addresses are always recognised: a name saying e-mail over many
		 * values none of which is an address is believed half as much.
		 */
		if (strcmp(name_label, "email") == 0 && vs != NULL &&
			vs->nonnull >= GOV_FULL_SAMPLE && vs->by[GOV_DETECT_EMAIL] == 0)
			c *= 0.5f;
		gov_propose(cands, name_label, c);
		gov_append(cands[gov_label_index(name_label)].parts, "%s",
				   name_evidence ? name_evidence : "name");
	}

	/* The type. */
	if (tc == GOV_TYPE_INET)
	{
		gov_propose(cands, "pii", 0.9f);
		gov_append(cands[2].parts, "type: inet");
	}
	else if (tc == GOV_TYPE_CIDR)
	{
		/* A network, most often an allow list's, seldom one person's. */
		gov_propose(cands, "pii", 0.5f);
		gov_append(cands[2].parts, "type: cidr");
	}

	/* Whole values: the share each label's detectors accepted. */
	if (vs != NULL && vs->nonnull > 0 && vs->accepted > 0)
	{
		int			group[GOV_NLABELS] = {0, 0, 0};
		int			g = -1;
		double		share = (double) vs->accepted / vs->nonnull;

		for (int d = GOV_DETECT_NONE + 1; d < GOV_DETECT_COUNT; d++)
		{
			int			i = gov_label_index(governance_detector_label((GovDetector) d));

			if (i >= 0)
				group[i] += vs->by[d];
		}

		/*
		 * The most restrictive label whose detectors hold a fifth of the
		 * matches: a contact column of addresses and phone numbers is
		 * labelled email, whose mask serves both.
		 */
		for (int i = 0; i < GOV_NLABELS && g < 0; i++)
			if (group[i] > 0 && group[i] * 5 >= vs->accepted)
				g = i;
		if (g >= 0 && (share >= GOV_MIN_SHARE || g == 0))
		{
			gov_describe_counts(text, sizeof(text), false, vs->accepted,
								vs->nonnull, vs->by);
			gov_propose(cands, gov_labels[g],
						gov_share_confidence(share, vs->nonnull));
			gov_append(cands[g].parts, "%s", text);
		}
	}

	/*
	 * Secrets pasted into text: proposed as secret, but below 0.8 unless
	 * half the values hold one, so that apply_discovery() at its default
	 * does not redact a whole notes column for a few pastes (the output
	 * scan redacts those where they are read).
	 */
	if (vs != NULL && vs->nonnull > 0 && vs->containing > 0)
	{
		double		share = (double) vs->containing / vs->nonnull;
		float		c = share >= 0.5 ? gov_share_confidence(share, vs->nonnull) :
			(float) Min(0.75, 0.45 + share);

		gov_describe_counts(text, sizeof(text), true, vs->containing,
							vs->nonnull, vs->contains);
		gov_propose(cands, "secret", c);
		gov_append(cands[0].parts, "%s", text);
	}

	for (int i = 0; i < GOV_NLABELS; i++)
		if (cands[i].confidence > 0 &&
			(best < 0 || cands[i].confidence > cands[best].confidence + 1e-6f))
			best = i;
	if (best < 0)
		return;

	out->label = gov_labels[best];
	out->confidence = Min(cands[best].confidence, 0.99f);
	strlcpy(out->evidence, cands[best].parts, sizeof(out->evidence));

	/* What else was seen, so that a reviewer sees the whole picture. */
	for (int i = 0; i < GOV_NLABELS; i++)
		if (i != best && cands[i].confidence > 0)
			gov_append(out->evidence, "also %s (%.2f): %s", gov_labels[i],
					   cands[i].confidence, cands[i].parts);
	if (unsampled != NULL && governance_type_sampled(tc, out->label))
		gov_append(out->evidence, "values: not read (%s)", unsampled);
}
