/*-------------------------------------------------------------------------
 *
 * detect_scan.h
 *	  The secret scan's pre-filter loop, written once for several vector
 *	  widths: included by detect_secret.c after defining
 *
 *	GOV_SCAN_NAME	the function to define
 *	GOV_SCAN_ATTR	its attributes (a target("...") for a wider ISA)
 *	GOV_SCAN_WIDTH	bytes per block (16 or 32)
 *	GOV_V, GOV_LOAD(p), GOV_STORE(p,v), GOV_TABLE(t) (a 16-byte table in
 *	every lane), GOV_SET1(c), GOV_AND(a,b), GOV_OR(a,b), GOV_EQ(a,b),
 *	GOV_GT(a,b) (signed bytes), GOV_SRL4(v) (16-bit lanes shifted right by
 *	4), GOV_SHUFFLE(t,i) (byte i & 15 of t's lane), GOV_MOVEMASK(v),
 *	GOV_NONZERO(a,b) (is a AND b not all zero?), GOV_ZERO_MASK(v) (a bit
 *	for each zero byte)	the vector operations
 *
 * like PostgreSQL's own lib/simplehash.h.  All macros it uses are
 * undefined at its end.
 *
 * A block is the positions [from, from + WIDTH).  Its bytes are loaded
 * twice, at from and at from + 1, and each load is looked up in the
 * tables of a pair's first byte and in those of its second, two sets of
 * them (gov_scan_tables, detect_secret.c): the AND of the two lookups of
 * a set has a bucket's bit where a pair of that bucket begins, and in the
 * first set bit 7 where two digits do.  A block where nothing survives
 * -- most blocks of prose -- costs those instructions and the loop's,
 * and calls nothing.
 *
 * Otherwise its positions are computed in the scalar rule's terms
 * (gov_trigger_at()): a bucket's pair that is an anchor
 * (gov_pair_is_anchor(), exact), and, where two digits are, the card
 * rule of gov_card_start() on masks of the block's digits (and of the
 * next block's, where the rule reads on into it), its second half asked
 * once where a run of four digits or more ends.  The positions
 * are run in order (gov_scan_positions()), each trigger given the full
 * checks (gov_candidate()), so what reaches them is what the scalar scan
 * reaches; the scan goes on after the block, or after what a check read
 * past it.
 *
 * Nothing is read outside the text: a block is loaded from the text
 * only when a byte follows it (its second load reads one byte further),
 * the next block's only when they are all there; a last block is copied
 * into a buffer of NULs, which no bucket and no digit takes.
 *
 * src/common/detect_scan.h
 *
 *-------------------------------------------------------------------------
 */

/* The digits of v. */
#define GOV_DIGITS(v) GOV_AND(GOV_GT((v), GOV_SET1('/')), GOV_GT(GOV_SET1(':'), (v)))
/*
 * Scan s[0, len) block by block (see above).  Returns the first detector
 * that fires.
 */
static GOV_SCAN_ATTR GovDetector
GOV_SCAN_NAME(const char *s, size_t len)
{
	const GovScanTables *tb = &gov_scan_tables;
	const GOV_V nib = GOV_SET1(0x0f),
				zero = GOV_SET1(0),
				buckets = GOV_SET1(GOV_K_BUCKETS),
				first_lo = GOV_TABLE(tb->first_lo[0]),
				first_hi = GOV_TABLE(tb->first_hi[0]),
				second_lo = GOV_TABLE(tb->second_lo[0]),
				second_hi = GOV_TABLE(tb->second_hi[0]),
				first_lo2 = GOV_TABLE(tb->first_lo[1]),
				first_hi2 = GOV_TABLE(tb->first_hi[1]),
				second_lo2 = GOV_TABLE(tb->second_lo[1]),
				second_hi2 = GOV_TABLE(tb->second_hi[1]);
	const uint64_t width = (GOV_SCAN_WIDTH == 32) ? 0xFFFFFFFFu : 0xFFFFu;
	size_t		resume = 0;
	size_t		from = 0;

	/* the blocks before last are followed by a byte of the text */
	const size_t last = len > GOV_SCAN_WIDTH ? len - GOV_SCAN_WIDTH : 0;
	char		pad[2 * GOV_SCAN_WIDTH];

	while (from < len)
	{
		GOV_V		v0,
					v1,
					lo0,
					hi0,
					lo1,
					hi1,
					first,
					both,
					both2;

		if (from < last)
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
		lo0 = GOV_AND(v0, nib);
		hi0 = GOV_AND(GOV_SRL4(v0), nib);
		lo1 = GOV_AND(v1, nib);
		hi1 = GOV_AND(GOV_SRL4(v1), nib);
		first = GOV_AND(GOV_SHUFFLE(first_lo, lo0), GOV_SHUFFLE(first_hi, hi0));
		both = GOV_AND(first, GOV_AND(GOV_SHUFFLE(second_lo, lo1), GOV_SHUFFLE(second_hi, hi1)));
		both2 = GOV_AND(GOV_AND(GOV_SHUFFLE(first_lo2, lo0), GOV_SHUFFLE(first_hi2, hi0)),
						GOV_AND(GOV_SHUFFLE(second_lo2, lo1), GOV_SHUFFLE(second_hi2, hi1)));
		if (__builtin_expect(GOV_NONZERO(GOV_OR(both, both2), GOV_OR(both, both2)), 0))
		{
			uint64_t	pairs = ~(uint64_t) (uint32_t) GOV_ZERO_MASK(GOV_OR(GOV_AND(both, buckets), both2)) & width,
						todo = 0,
						dp = (uint32_t) GOV_MOVEMASK(both),
						d = (uint32_t) GOV_MOVEMASK(first),
						wide0 = 0,	/* EF, a fullwidth digit's first byte */
						wide = 0;
			const bool	far = (d >> (GOV_SCAN_WIDTH - 12)) != 0;
			const size_t next = from + GOV_SCAN_WIDTH;

			/* the pairs a bucket let through that are anchors */
			while (pairs != 0)
			{
				uint64_t	bit = pairs & (~pairs + 1);
				size_t		at = from + (size_t) __builtin_ctzll(pairs);

				pairs &= pairs - 1;
				if (at < len &&
					gov_pair_is_anchor((unsigned char) s[at],
									   at + 1 < len ? (unsigned char) s[at + 1] : 0))
					todo |= bit;
			}
			/*
			 * The card rule of gov_card_start(), where two digits are:
			 * on masks of the digits of the block (d) and, where the rule
			 * reads past it, of the next block's.  Where four digits
			 * begin (q) and nine more follow, a trigger (bare); where a
			 * run of four or more ends, the rule's second half
			 * (gov_card_after()) is asked at the byte after it: a
			 * number of prose is one call, and most are refused at that
			 * byte or the next.
			 *
			 * The rule reads up to twelve bytes past a position.  With
			 * no digit in the block's last twelve bytes and no anchor in
			 * it, it reads only the block, and the block holds no
			 * fullwidth digit (whose EF BC is an anchor): the masks of
			 * the block alone are exact.  Otherwise the next block is
			 * read too, and a fullwidth digit (EF) in either hands every
			 * digit on to gov_trigger_at(): a card may mix widths, which
			 * the masks do not count.
			 */
			if (todo != 0 || far)
			{
				wide0 = (uint32_t) GOV_MOVEMASK(GOV_EQ(v0, GOV_SET1(0xEF)));
				wide = wide0 | (uint32_t) GOV_MOVEMASK(GOV_EQ(v1, GOV_SET1(0xEF)));
				if (far && next < len)
				{
					GOV_V		after;

					if (len - next >= GOV_SCAN_WIDTH)
						after = GOV_LOAD(s + next);
					else
					{
						GOV_STORE(pad, zero);
						gov_copy_short(pad, s + next, len - next);
						after = GOV_LOAD(pad);
					}
					d |= (uint64_t) (uint32_t) GOV_MOVEMASK(GOV_DIGITS(after)) << GOV_SCAN_WIDTH;
					wide |= (uint64_t) (uint32_t) GOV_MOVEMASK(GOV_EQ(after, GOV_SET1(0xEF))) << GOV_SCAN_WIDTH;
				}
			}
			if (wide != 0)
				todo |= (d | wide0) & width;
			else if (dp != 0)
			{
				uint64_t	t = d & (d >> 1),
							q = t & (t >> 2),
							ends = q & ~(d >> 4) & width;

				todo |= q & (q >> 4) & (q >> 8) & (d >> 12) & width;
				while (ends != 0)
				{
					size_t		at = (size_t) __builtin_ctzll(ends);

					ends &= ends - 1;
					if (gov_card_after(s, len, from + at + 4))
						todo |= (uint64_t) 1 << at;
				}
			}
			if (todo != 0)
			{
				GovDetector det = gov_scan_positions(s, len, from, todo, &resume);

				if (det != GOV_DETECT_NONE)
					return det;

				/*
				 * On after what a check read past the block: the
				 * positions before the resume point are not looked at.
				 */
				if (resume > from + GOV_SCAN_WIDTH)
				{
					from = resume;
					continue;
				}
			}
		}
		from += GOV_SCAN_WIDTH;
	}
	return GOV_DETECT_NONE;
}

#undef GOV_SCAN_NAME
#undef GOV_SCAN_ATTR
#undef GOV_SCAN_WIDTH
#undef GOV_V
#undef GOV_LOAD
#undef GOV_STORE
#undef GOV_TABLE
#undef GOV_SET1
#undef GOV_AND
#undef GOV_EQ
#undef GOV_GT
#undef GOV_DIGITS
#undef GOV_OR
#undef GOV_SRL4
#undef GOV_SHUFFLE
#undef GOV_MOVEMASK
#undef GOV_NONZERO
#undef GOV_ZERO_MASK
