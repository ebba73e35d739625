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
 *	every lane), GOV_SET1(c), GOV_AND(a,b), GOV_SRL4(v) (16-bit lanes
 *	shifted right by 4), GOV_SHUFFLE(t,i) (byte i & 15 of t's lane),
 *	GOV_MOVEMASK(v), GOV_NONZERO(a,b) (is a AND b not all zero?),
 *	GOV_ZERO_MASK(v) (a bit for each zero byte)	the vector operations
 *
 * like PostgreSQL's own lib/simplehash.h.  All macros it uses are
 * undefined at its end.
 *
 * A block is the positions [from, from + WIDTH).  Its bytes are loaded
 * twice, at from and at from + 1, and each load is looked up once in the
 * tables of a pair's first byte and once in those of its second
 * (gov_scan_tables, detect_secret.c): the AND of the two lookups has a
 * bucket's bit where a pair of that bucket begins, and bit 7 where two
 * digits do.  A block where nothing survives -- most blocks of prose --
 * costs those instructions and the loop's, and calls nothing.
 *
 * Otherwise its positions are computed from masks of the block, in the
 * scalar rule's terms (gov_trigger_at()): a bucket's pair that is an
 * anchor (gov_pair_is_anchor(), exact); from the digits, where a card
 * trigger begins in a run that ends in the block -- thirteen digits in a
 * row, or the run's last four followed by what gov_card_after() takes
 * -- and where a run begins that goes on after the block, which
 * gov_digit_run() reads whole.  A shorter run inside the block, the
 * common number, begins no trigger and costs a few shifts.  The
 * positions are run in order (gov_scan_positions()), each trigger given
 * the full checks (gov_candidate()), so what reaches them is what the
 * scalar scan reaches; the scan goes on after the block, or after what a
 * check read past it.
 *
 * Nothing is read outside the text: a block is loaded from the text
 * only when a byte follows it (its second load reads one byte further);
 * the last block is copied into a buffer of NULs, which no bucket and no
 * digit takes.
 *
 * src/common/detect_scan.h
 *
 *-------------------------------------------------------------------------
 */

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
				first_lo = GOV_TABLE(tb->first_lo),
				first_hi = GOV_TABLE(tb->first_hi),
				second_lo = GOV_TABLE(tb->second_lo),
				second_hi = GOV_TABLE(tb->second_hi);
	const uint64_t width = (GOV_SCAN_WIDTH == 32) ? 0xFFFFFFFFu : 0xFFFFu;
	GovScanState st = {0, 0};
	size_t		from = 0;

	/* the blocks before last are followed by a byte of the text */
	const size_t last = len > GOV_SCAN_WIDTH ? len - GOV_SCAN_WIDTH : 0;
	char		pad[2 * GOV_SCAN_WIDTH];

	while (from < len)
	{
		GOV_V		v0,
					v1,
					first,
					second,
					both;

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
		first = GOV_AND(GOV_SHUFFLE(first_lo, GOV_AND(v0, nib)),
						GOV_SHUFFLE(first_hi, GOV_AND(GOV_SRL4(v0), nib)));
		second = GOV_AND(GOV_SHUFFLE(second_lo, GOV_AND(v1, nib)),
						 GOV_SHUFFLE(second_hi, GOV_AND(GOV_SRL4(v1), nib)));
		both = GOV_AND(first, second);
		if (__builtin_expect(GOV_NONZERO(both, both), 0))
		{
			uint64_t	pairs = ~(uint64_t) (uint32_t) GOV_ZERO_MASK(GOV_AND(both, buckets)) & width,
						todo = 0,
						dp = (uint32_t) GOV_MOVEMASK(both),
						bare = 0,
						cross = 0;

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
			if (dp != 0)
			{
				/*
				 * Two digits in a row somewhere: the digits (d), where
				 * four begin (q), and from them the card triggers of the
				 * runs that end in the block -- thirteen digits (bare),
				 * or the last four of a run (ends) followed by what
				 * gov_card_after() takes.  A run going on after the block
				 * (two digits at its end) is read whole from where it
				 * begins (cross).
				 */
				uint64_t	d = (uint32_t) GOV_MOVEMASK(first),
							q = dp & (dp >> 2),
							ends;

				if (dp >> (GOV_SCAN_WIDTH - 1))
				{
					uint64_t	gaps = ~d & (width >> 1);

					cross = UINT64_C(1) << (gaps == 0 ? 0 : 64 - __builtin_clzll(gaps));
					q &= cross - 1;
				}
				bare = q & (q >> 4) & (q >> 8) & (d >> 12);
				ends = q & ~(d >> 4);
				while (ends != 0)
				{
					uint64_t	bit = ends & (~ends + 1);

					ends &= ends - 1;
					if (gov_card_after(s, len, from + (size_t) __builtin_ctzll(bit) + 4))
						todo |= bit;
				}
				todo |= bare | cross;
			}
			if (todo != 0)
			{
				GovDetector det = gov_scan_positions(s, len, from, todo, cross, &st);

				if (det != GOV_DETECT_NONE)
					return det;

				/*
				 * On after what a check or a digit run read past the
				 * block: positions in a run of digits begin no pair,
				 * those before the resume point are not looked at.
				 */
				if (st.run_end > from + GOV_SCAN_WIDTH || st.resume > from + GOV_SCAN_WIDTH)
				{
					from = st.run_end > st.resume ? st.run_end : st.resume;
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
#undef GOV_SRL4
#undef GOV_SHUFFLE
#undef GOV_MOVEMASK
#undef GOV_NONZERO
#undef GOV_ZERO_MASK
