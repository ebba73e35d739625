/*-------------------------------------------------------------------------
 *
 * detect_scan.h
 *	  The secret scan's pre-filter loop, written once for several vector
 *	  widths: included by detect_secret.c after defining
 *
 *	GOV_SCAN_NAME	the function to define
 *	GOV_SCAN_ATTR	its attributes (a target("...") for a wider ISA)
 *	GOV_SCAN_WIDTH	bytes per block (16 or 32)
 *	GOV_V, GOV_LOAD(p), GOV_TABLE(t) (a 16-byte table in every lane),
 *	GOV_SET1(c), GOV_EQ(a,b), GOV_GT(a,b) (signed bytes), GOV_AND(a,b),
 *	GOV_OR(a,b), GOV_SRL4(v) (16-bit lanes shifted right by 4),
 *	GOV_SHUFFLE(t,i) (byte i & 15 of t's lane, 0 where i >= 0x80),
 *	GOV_MOVEMASK(v)	the vector type and operations
 *
 * like PostgreSQL's own lib/simplehash.h.  All macros it uses are
 * undefined at its end.
 *
 * Every byte is classified by its two nibbles: a table lookup on the low
 * nibble and one on the high nibble, ANDed, give eight bits, each a
 * class that is a set of bytes {low nibble in L, high nibble in H}.  Two
 * kinds of class are used (gov_scan_tables, detect_secret.c):
 *
 * Card classes, exact: a digit, a card's ASCII separator (blank, tab,
 * '-', '.', '/'), the byte beginning another separator ('\', '%', '&', a
 * byte >= 0x80).  The digit-group rule of gov_trigger_at() is then bit
 * arithmetic on 64-bit masks of two blocks (it looks fourteen bytes
 * ahead); the masks of the second block are kept for the next one, so
 * each byte is classified once while the scan moves block by block.
 *
 * Letter buckets, a superset: sixteen buckets in two sets of tables,
 * each bucket the bytes it allows at three offsets (set A: p, p + 1,
 * p + 2; set B: p, p + 1, p + 3).  A position passes when one bucket's
 * bit survives the AND of its three lookups; the cost is the same for
 * one trigger in a bucket or several, so new triggers are added to the
 * bucket lists, not to this loop.  Each position that passes gets
 * gov_trigger_at() before its full checks, so the positions that reach
 * gov_candidate() are exactly the scalar rule's.
 *
 * A block at p reads s[p .. p + 2 * WIDTH); the last bytes, fewer than
 * two blocks, are read from a copy padded with NULs.
 *
 * src/common/detect_scan.h
 *
 *-------------------------------------------------------------------------
 */

/* bytes in one of the classes with the bits of set */
#define GOV_HAS(k, set) GOV_GT(GOV_AND((k), GOV_SET1(set)), zero)
/* a bucket table's lookup of one offset's nibbles */
#define GOV_LOOK(tlo, thi, lo, hi) GOV_AND(GOV_SHUFFLE((tlo), (lo)), GOV_SHUFFLE((thi), (hi)))
/* the card masks of one block, from its nibbles */
#define GOV_CARD_MASKS(lo, hi, dm, rm, em) \
	do { \
		GOV_V		k_ = GOV_LOOK(card_lo, card_hi, (lo), (hi)); \
		\
		(dm) = (uint32_t) GOV_MOVEMASK(k_); \
		(rm) = (uint32_t) GOV_MOVEMASK(GOV_HAS(k_, GOV_K_SEP | GOV_K_TAB)); \
		(em) = (uint32_t) GOV_MOVEMASK(GOV_HAS(k_, GOV_K_ESCAPE)); \
	} while (0)

/*
 * Scan s[0, len) block by block (see above), running gov_candidate() at
 * each trigger at or after *resume.  Returns the first detector that
 * fires.
 */
static GOV_SCAN_ATTR GovDetector
GOV_SCAN_NAME(const char *s, size_t len, size_t *resume)
{
	const GovScanTables *tb = &gov_scan_tables;
	const GOV_V zero = GOV_SET1(0),
				nib = GOV_SET1(0x0f),
				notx = GOV_SET1(~GOV_BUCKET_X),
				card_lo = GOV_TABLE(tb->card_lo),
				card_hi = GOV_TABLE(tb->card_hi);
	const uint64_t width = (GOV_SCAN_WIDTH == 32) ? 0xFFFFFFFFu : 0xFFFFu;
	size_t		p = 0,
				pad_at = 0,		/* the offset pad[0] stands for */
				kept_at = SIZE_MAX; /* the block the kept masks are of */
	uint64_t	d0 = 0,
				r0 = 0,
				e0 = 0;
	GOV_V		lo0 = zero,
				hi0 = zero;
	char		pad[4 * GOV_SCAN_WIDTH];
	bool		in_pad = false;

	for (;;)
	{
		const char *blk;
		uint64_t	dw,
					rw,
					ew,
					d,
					r,
					e,
					q,
					g,
					exact,
					all;
		GOV_V		v,
					lo,
					hi,
					low,
					hiw,
					ca,
					cb;

		if (*resume > p)
			p = *resume;
		if (p >= len)
			break;
		if (!in_pad && len - p < 2 * GOV_SCAN_WIDTH)
		{
			/*
			 * The last bytes: from here on, blocks are read from a copy
			 * padded with NULs, which is what gov_trigger_at() reads past
			 * the end.
			 */
			memcpy(pad, s + p, len - p);
			memset(pad + (len - p), 0, sizeof(pad) - (len - p));
			pad_at = p;
			in_pad = true;
		}
		blk = in_pad ? pad + (p - pad_at) : s + p;

		/* the nibbles and card masks of this block, unless kept */
		if (p != kept_at)
		{
			v = GOV_LOAD(blk);
			lo0 = GOV_AND(v, nib);
			hi0 = GOV_AND(GOV_SRL4(v), nib);
			GOV_CARD_MASKS(lo0, hi0, d0, r0, e0);
		}
		v = GOV_LOAD(blk + GOV_SCAN_WIDTH);
		low = GOV_AND(v, nib);
		hiw = GOV_AND(GOV_SRL4(v), nib);
		GOV_CARD_MASKS(low, hiw, dw, rw, ew);
		d = d0 | (dw << GOV_SCAN_WIDTH);
		r = r0 | (rw << GOV_SCAN_WIDTH);
		e = e0 | (ew << GOV_SCAN_WIDTH);

		/*
		 * Card numbers: four digits at 0-3, then either a bare run
		 * (digits at 4-12) or one to three ASCII separator bytes (r:
		 * blank, tab, '-', '.', '/': a double space, " - ") followed by
		 * four digits, or up to two of them and a byte that begins
		 * another separator (e: '\', '%', '&', a UTF-8 sequence: U+00A0,
		 * U+202F, "&nbsp;", "\u00a0", "%C2%A0").  Exact: these
		 * positions need no second look.
		 */
		q = d & (d >> 1) & (d >> 2) & (d >> 3);
		exact = q & (d >> 4) & (q >> 4) & (q >> 8) & (d >> 12);
		g = (r >> 6) & (q >> 7);
		g = (r >> 5) & ((e >> 6) | (q >> 6) | g);
		g = (r >> 4) & ((e >> 5) | (q >> 5) | g);
		exact = (exact | (q & ((e >> 4) | g))) & width;

		/* the letter buckets at p, p + 1, p + 2 (A) and p + 3 (B) */
		ca = GOV_LOOK(GOV_TABLE(tb->a_lo[0]), GOV_TABLE(tb->a_hi[0]), lo0, hi0);
		cb = GOV_LOOK(GOV_TABLE(tb->b_lo[0]), GOV_TABLE(tb->b_hi[0]), lo0, hi0);
		v = GOV_LOAD(blk + 1);
		lo = GOV_AND(v, nib);
		hi = GOV_AND(GOV_SRL4(v), nib);
		ca = GOV_AND(ca, GOV_LOOK(GOV_TABLE(tb->a_lo[1]), GOV_TABLE(tb->a_hi[1]), lo, hi));
		cb = GOV_AND(cb, GOV_LOOK(GOV_TABLE(tb->b_lo[1]), GOV_TABLE(tb->b_hi[1]), lo, hi));
		v = GOV_LOAD(blk + 2);
		lo = GOV_AND(v, nib);
		hi = GOV_AND(GOV_SRL4(v), nib);
		ca = GOV_AND(ca, GOV_LOOK(GOV_TABLE(tb->a_lo[2]), GOV_TABLE(tb->a_hi[2]), lo, hi));
		v = GOV_LOAD(blk + 3);
		lo = GOV_AND(v, nib);
		hi = GOV_AND(GOV_SRL4(v), nib);
		cb = GOV_AND(cb, GOV_LOOK(GOV_TABLE(tb->b_lo[2]), GOV_TABLE(tb->b_hi[2]), lo, hi));
		all = ((~(uint64_t) (uint32_t) GOV_MOVEMASK(GOV_EQ(GOV_OR(ca, GOV_AND(cb, notx)), zero)) |
				((uint64_t) (uint32_t) GOV_MOVEMASK(GOV_HAS(cb, GOV_BUCKET_X)) & (r >> 4))) &
			   width) | exact;

		/* the next block's nibbles and masks are this one's second half */
		lo0 = low;
		hi0 = hiw;
		d0 = dw;
		r0 = rw;
		e0 = ew;
		kept_at = p + GOV_SCAN_WIDTH;

		while (all != 0)
		{
			uint64_t	bit = all & (~all + 1);
			size_t		at = p + (size_t) __builtin_ctzll(all);
			GovDetector det;

			all &= all - 1;
			if (at < *resume || at >= len)
				continue;
			if (!(exact & bit) && !gov_trigger_at(s, len, at))
				continue;
			det = gov_candidate(s, len, at, resume);
			if (det != GOV_DETECT_NONE)
				return det;
		}
		p += GOV_SCAN_WIDTH;
	}
	return GOV_DETECT_NONE;
}

#undef GOV_HAS
#undef GOV_LOOK
#undef GOV_CARD_MASKS
#undef GOV_SCAN_NAME
#undef GOV_SCAN_ATTR
#undef GOV_SCAN_WIDTH
#undef GOV_V
#undef GOV_LOAD
#undef GOV_TABLE
#undef GOV_SET1
#undef GOV_EQ
#undef GOV_GT
#undef GOV_AND
#undef GOV_OR
#undef GOV_SRL4
#undef GOV_SHUFFLE
#undef GOV_MOVEMASK
