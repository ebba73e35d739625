/*-------------------------------------------------------------------------
 *
 * detect_scan.h
 *	  The secret scan's pre-filter loop, written once for several vector
 *	  widths: included by detect_secret.c after defining
 *
 *	GOV_SCAN_NAME, GOV_QUIET_NAME	the functions to define
 *	GOV_SCAN_ATTR	its attributes (a target("...") for a wider ISA)
 *	GOV_SCAN_WIDTH	bytes per block (16 or 32)
 *	GOV_V, GOV_LOAD(p), GOV_STORE(p,v), GOV_TABLE(t) (a 16-byte table in
 *	every lane), GOV_SET1(c), GOV_AND(a,b), GOV_OR(a,b), GOV_SRL4(v) (16-bit lanes
 *	shifted right by 4), GOV_SHUFFLE(t,i) (byte i & 15 of t's lane),
 *	GOV_MOVEMASK(v), GOV_NONZERO(a,b) (is a AND b not all zero?),
 *	GOV_ZERO_MASK(v) (a bit for each zero byte)	the vector operations
 *
 * like PostgreSQL's own lib/simplehash.h.  All macros it uses are
 * undefined at its end.
 *
 * A block is the positions [from, from + WIDTH).  Its bytes are loaded
 * twice, at from and at from + 1, and each load looked up once in the
 * tables of the first and of the second byte of a pair
 * (gov_scan_tables, detect_secret.c): the AND of the two lookups has a
 * bucket's bit at each position where a pair of that bucket begins.  A
 * block where no bucket bit survives, and no digit is, costs those few
 * instructions and nothing else.
 *
 * The card rule needs up to fourteen bytes after a position, so the
 * cards beginning in a block are looked for when the next block's
 * digits are known, and the block's positions are run then, in order,
 * together with its pairs: each position gets gov_trigger_at() before
 * the full checks (gov_candidate()), so the positions that reach them
 * are exactly the scalar rule's.  The digit masks give, for each
 * position, four digits there and four more digits, or a separator's
 * first byte, within the next seven bytes: a superset of the card rule
 * that ordinary numbers rarely pass.
 *
 * Nothing is read outside the text: a block is loaded from the text
 * only when a byte follows it (its second load reads one byte further);
 * the last block is copied into a buffer of NULs, which no bucket and no
 * digit mask takes.
 *
 * src/common/detect_scan.h
 *
 *-------------------------------------------------------------------------
 */

/* The two lookups of a block loaded in v0 and v1 (see above). */
#define GOV_LOOKUPS() \
	do { \
		first = GOV_AND(GOV_SHUFFLE(first_lo, GOV_AND(v0, nib)), \
						GOV_SHUFFLE(first_hi, GOV_AND(GOV_SRL4(v0), nib))); \
		second = GOV_AND(GOV_SHUFFLE(second_lo, GOV_AND(v1, nib)), \
						 GOV_SHUFFLE(second_hi, GOV_AND(GOV_SRL4(v1), nib))); \
	} while (0)

/*
 * Where the first block that may hold a trigger begins, len if none: the
 * blocks before it hold no pair and no two digits in a row, so no
 * trigger.  Most texts end here; a function of its own, so that they pay
 * for nothing else.
 */
static GOV_SCAN_ATTR size_t
GOV_QUIET_NAME(const char *s, size_t len)
{
	const GovScanTables *tb = &gov_scan_tables;
	const GOV_V nib = GOV_SET1(0x0f),
				zero = GOV_SET1(0),
				first_lo = GOV_TABLE(tb->first_lo),
				first_hi = GOV_TABLE(tb->first_hi),
				second_lo = GOV_TABLE(tb->second_lo),
				second_hi = GOV_TABLE(tb->second_hi);
	size_t		from = 0;
	GOV_V		v0,
				v1,
				first,
				second;
	char		pad[2 * GOV_SCAN_WIDTH];

	if (len > GOV_SCAN_WIDTH)
	{
		const size_t last = len - GOV_SCAN_WIDTH;

		for (; from < last; from += GOV_SCAN_WIDTH)
		{
			v0 = GOV_LOAD(s + from);
			v1 = GOV_LOAD(s + from + 1);
			GOV_LOOKUPS();
			if (GOV_NONZERO(first, second))
				return from;
		}
	}
	GOV_STORE(pad, zero);
	GOV_STORE(pad + GOV_SCAN_WIDTH, zero);
	gov_copy_short(pad, s + from, len - from);
	v0 = GOV_LOAD(pad);
	v1 = GOV_LOAD(pad + 1);
	GOV_LOOKUPS();
	return GOV_NONZERO(first, second) ? from : len;
}

/*
 * Scan s[*resume, len) block by block (see above), running
 * gov_candidate() at each trigger at or after *resume.  Returns the first
 * detector that fires.
 */
static GOV_SCAN_ATTR GovDetector
GOV_SCAN_NAME(const char *s, size_t len, size_t *resume)
{
	const GovScanTables *tb = &gov_scan_tables;
	const GOV_V nib = GOV_SET1(0x0f),
				zero = GOV_SET1(0),
				first_lo = GOV_TABLE(tb->first_lo),
				first_hi = GOV_TABLE(tb->first_hi),
				second_lo = GOV_TABLE(tb->second_lo),
				second_hi = GOV_TABLE(tb->second_hi);
	const uint64_t width = (GOV_SCAN_WIDTH == 32) ? 0xFFFFFFFFu : 0xFFFFu;
	size_t		from = *resume,
				run_end = 0;	/* the digit run last read ends here */
	char		pad[2 * GOV_SCAN_WIDTH];

	while (from < len)
	{
		GOV_V		v0,
					v1,
					first,
					second;
		uint64_t	m,
					d;

		if (len - from > GOV_SCAN_WIDTH)
		{
			v0 = GOV_LOAD(s + from);
			v1 = GOV_LOAD(s + from + 1);
		}
		else
		{
			/* the last block: a copy followed by NULs */
			GOV_STORE(pad, zero);
			GOV_STORE(pad + GOV_SCAN_WIDTH, zero);
			gov_copy_short(pad, s + from, len - from);
			v0 = GOV_LOAD(pad);
			v1 = GOV_LOAD(pad + 1);
		}
		GOV_LOOKUPS();
		if (!GOV_NONZERO(first, second))
		{
			from += GOV_SCAN_WIDTH;
			continue;
		}

		/*
		 * The positions to look at, in order: the pairs (their first byte
		 * not a digit), and where a run of digits that can hold a card
		 * begins -- four digits in a row, or the run the block ends in,
		 * which may go on after it.  A shorter run inside the block
		 * begins no trigger.
		 */
		m = ~(uint64_t) (uint32_t) GOV_ZERO_MASK(GOV_AND(first, second)) & width;
		d = (uint32_t) GOV_MOVEMASK(first);
		if ((m & d) != 0)
		{
			uint64_t	runs = d & (d >> 1) & (d >> 2) & (d >> 3);

			runs &= ~(runs << 1);	/* the first of each run's */

			if (d >> (GOV_SCAN_WIDTH - 1))
			{
				uint64_t	gaps = ~d & (width >> 1);

				runs |= UINT64_C(1) << (gaps == 0 ? 0 : 64 - __builtin_clzll(gaps));
			}
			m = (m & ~d) | runs;
		}
		while (m != 0)
		{
			size_t		at = from + (size_t) __builtin_ctzll(m);
			unsigned char c;
			GovDetector det = GOV_DETECT_NONE;

			m &= m - 1;
			if (at >= len)
				break;
			c = (unsigned char) s[at];
			if (gov_isdigit(c))
			{
				uint64_t	rest = ~d >> (at - from);
				size_t		e = at + (size_t) __builtin_ctzll(rest);

				if (at < run_end)
					continue;

				/*
				 * A run that ends in the block, too short to be bare,
				 * and not followed by a separator and what can follow
				 * one: no trigger, without a call (most numbers).
				 */
				if (e < from + GOV_SCAN_WIDTH && e - at < 13 &&
					!gov_card_sep_follows(s, len, e))
				{
					run_end = e;
					continue;
				}
				det = gov_digit_run(s, len, at, &run_end, resume);
			}
			else if (at >= *resume &&
					 gov_pair_is_anchor(c, at + 1 < len ? (unsigned char) s[at + 1] : 0) &&
					 gov_trigger_at(s, len, at))
				det = gov_candidate(s, len, at, resume);
			if (det != GOV_DETECT_NONE)
				return det;
		}

		/*
		 * On after this block, and after what a check or a digit run read
		 * past it: the positions in a run of digits begin no pair, those
		 * before *resume are not looked at.
		 */
		from += GOV_SCAN_WIDTH;
		if (run_end > from)
			from = run_end;
		if (*resume > from)
			from = *resume;
	}
	return GOV_DETECT_NONE;
}

#undef GOV_LOOKUPS
#undef GOV_SCAN_NAME
#undef GOV_QUIET_NAME
#undef GOV_SCAN_ATTR
#undef GOV_SCAN_WIDTH
#undef GOV_V
#undef GOV_LOAD
#undef GOV_STORE
#undef GOV_TABLE
#undef GOV_SET1
#undef GOV_AND
#undef GOV_SRL4
#undef GOV_SHUFFLE
#undef GOV_MOVEMASK
#undef GOV_NONZERO
#undef GOV_ZERO_MASK
