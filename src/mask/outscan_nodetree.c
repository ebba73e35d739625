/*-------------------------------------------------------------------------
 *
 * outscan_nodetree.c
 *	  The output scan's reading of pg_node_tree: the constants a stored
 *	  expression holds, as their bytes.
 *
 * A column default, a check constraint, an index expression, a view's
 * query, a SQL function's body (pg_attrdef.adbin, pg_constraint.conbin,
 * pg_index.indexprs, pg_rewrite.ev_action, pg_proc.prosqlbody, ...) are
 * stored as node trees, whose text writes each constant's datum as its
 * bytes in decimal: ":constvalue 36 [ -112 0 0 0 115 107 95 ... ]".  A
 * secret written into DDL is therefore in the catalog, spelled so that no
 * detector reads it.  The rule: a pg_node_tree value is searched as its
 * text and as the bytes of every datum it writes ("[ " then numbers
 * separated by blanks, then "]"), each datum's bytes searched as a whole,
 * so a varlena's header bytes count as the binary they are and the text
 * after them as text (governance_detect_secret() reads arbitrary bytes).
 *
 * Reads the text once; allocates one buffer of at most its length.
 *
 * src/mask/outscan_nodetree.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/common_detect.h"
#include "miscadmin.h"
#include "outscan_internal.h"

/*
 * Parse the datum written at s[*pos] ("[ 1 2 -3 ]", *pos at '[') into
 * buf; returns its length, or -1 if what is there is not a datum's bytes
 * (then *pos is just past the '[').
 */
static int
gov_node_datum(const char *s, size_t len, size_t *pos, char *buf)
{
	size_t		i = *pos + 1;
	int			n = 0;

	for (;;)
	{
		long		v = 0;
		bool		neg = false;
		int			digits = 0;

		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		if (s[i] == ']')
		{
			*pos = i + 1;
			return n;
		}
		if (s[i] == '-')
		{
			neg = true;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4)
		{
			v = v * 10 + (s[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || (i < len && s[i] != ' ' && s[i] != ']') ||
			(neg ? v > 128 : v > 255))
			break;
		buf[n++] = (char) (neg ? -v : v);
	}
	*pos = *pos + 1;
	return -1;
}

/*
 * The first detector that fires in the datums a pg_node_tree's text s
 * writes (its text as such is searched by the caller, as any value's).
 */
GovDetector
gov_out_node_tree_detect(const char *s, size_t len)
{
	GovDetector d = GOV_DETECT_NONE;
	char	   *buf;
	size_t		pos = 0;

	/* a datum of n bytes is written in at least 2n text bytes */
	buf = palloc(len / 2 + 1);
	while (pos < len)
	{
		const char *open = memchr(s + pos, '[', len - pos);
		int			n;

		if (open == NULL)
			break;
		pos = open - s;
		n = gov_node_datum(s, len, &pos, buf);
		if (n > 0 && (d = gov_out_detect(buf, n)) != GOV_DETECT_NONE)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(buf);
	return d;
}
