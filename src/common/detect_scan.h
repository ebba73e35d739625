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
 *	GOV_SHIFTZ(v,k) (v's bytes from k on, then k NULs),
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
 * '-', '.', '/'), '_' or the byte beginning another separator ('\', '%',
 * '&', a byte >= 0x80).  The digit-group rule of gov_trigger_at() is then bit
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
 * A block at p reads s[p .. p + 2 * WIDTH).  Near the end of a text the
 * block is moved back so that it ends at the text's end (its positions
 * before p were scanned already and are skipped), and the last block is
 * loaded once and shifted in its register with NULs coming in, which is
 * what gov_trigger_at() reads past the end: nothing is read outside the
 * text.  Only a text shorter than two blocks is copied, into a buffer
 * padded with NULs.
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
	const char *base = s;
	size_t		p = 0,
				kept_at = SIZE_MAX; /* the block the kept masks are of */
	uint64_t	d0 = 0,
				r0 = 0,
				e0 = 0;
	GOV_V		lo0 = zero,
				hi0 = zero;
	char		pad[4 * GOV_SCAN_WIDTH];

	if (len < 2 * GOV_SCAN_WIDTH)
	{
		/* a short text: read from a copy padded with NULs */
		memset(pad, 0, sizeof(pad));
		memcpy(pad, s, len);
		base = pad;
	}

	for (;;)
	{
		size_t		from;		/* the block's first position */
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
		GOV_V		v0,
					v1,
					v2,
					v3,
					vw,
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

		/*
		 * The block's bytes (see above): near the end of a long text, a
		 * block moved back to end at its end, or the last block shifted
		 * with NULs coming in.
		 */
		from = p;
		if (__builtin_expect(len - p < 2 * GOV_SCAN_WIDTH && base == s, 0))
			from = len - (len - p <= GOV_SCAN_WIDTH ? 1 : 2) * GOV_SCAN_WIDTH;
		if (__builtin_expect(from + GOV_SCAN_WIDTH == len && base == s, 0))
		{
			v0 = GOV_LOAD(s + from);
			v1 = GOV_SHIFTZ(v0, 1);
			v2 = GOV_SHIFTZ(v0, 2);
			v3 = GOV_SHIFTZ(v0, 3);
			vw = zero;
		}
		else
		{
			const char *blk = base + from;

			v0 = GOV_LOAD(blk);
			v1 = GOV_LOAD(blk + 1);
			v2 = GOV_LOAD(blk + 2);
			v3 = GOV_LOAD(blk + 3);
			vw = GOV_LOAD(blk + GOV_SCAN_WIDTH);
		}

		/* the nibbles and card masks of this block, unless kept */
		if (from != kept_at)
		{
			lo0 = GOV_AND(v0, nib);
			hi0 = GOV_AND(GOV_SRL4(v0), nib);
			GOV_CARD_MASKS(lo0, hi0, d0, r0, e0);
		}
		low = GOV_AND(vw, nib);
		hiw = GOV_AND(GOV_SRL4(vw), nib);
		GOV_CARD_MASKS(low, hiw, dw, rw, ew);
		d = d0 | (dw << GOV_SCAN_WIDTH);
		r = r0 | (rw << GOV_SCAN_WIDTH);
		e = e0 | (ew << GOV_SCAN_WIDTH);

		/*
		 * Card numbers: four digits at 0-3, then either a bare run
		 * (digits at 4-12) or one to three ASCII separator bytes (r:
		 * blank, tab, '-', '.', '/': a double space, " - ") followed by
		 * four digits, or up to two of them and '_' or a byte that begins
		 * another separator (e: '\', '%', '&', a UTF-8 sequence: U+00A0,
		 * U+2013, "&nbsp;", "\u00a0", "%C2%A0").  Exact: these
		 * positions need no second look.
		 */
		q = d & (d >> 1) & (d >> 2) & (d >> 3);
		exact = q & (d >> 4) & (q >> 4) & (q >> 8) & (d >> 12);
		g = (r >> 6) & (q >> 7);
		g = (r >> 5) & ((e >> 6) | (q >> 6) | g);
		g = (r >> 4) & ((e >> 5) | (q >> 5) | g);
		exact = (exact | (q & ((e >> 4) | g))) & width;

		/*
		 * The letter buckets at p, p + 1, p + 2 (A) and p + 3 (B); the
		 * bucket of GOV_BUCKET_X with a separator byte at p + 4.
		 */
		ca = GOV_LOOK(GOV_TABLE(tb->a_lo[0]), GOV_TABLE(tb->a_hi[0]), lo0, hi0);
		cb = GOV_LOOK(GOV_TABLE(tb->b_lo[0]), GOV_TABLE(tb->b_hi[0]), lo0, hi0);
		lo = GOV_AND(v1, nib);
		hi = GOV_AND(GOV_SRL4(v1), nib);
		ca = GOV_AND(ca, GOV_LOOK(GOV_TABLE(tb->a_lo[1]), GOV_TABLE(tb->a_hi[1]), lo, hi));
		cb = GOV_AND(cb, GOV_LOOK(GOV_TABLE(tb->b_lo[1]), GOV_TABLE(tb->b_hi[1]), lo, hi));
		lo = GOV_AND(v2, nib);
		hi = GOV_AND(GOV_SRL4(v2), nib);
		ca = GOV_AND(ca, GOV_LOOK(GOV_TABLE(tb->a_lo[2]), GOV_TABLE(tb->a_hi[2]), lo, hi));
		lo = GOV_AND(v3, nib);
		hi = GOV_AND(GOV_SRL4(v3), nib);
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
		kept_at = from + GOV_SCAN_WIDTH;

		while (all != 0)
		{
			uint64_t	bit = all & (~all + 1);
			size_t		at = from + (size_t) __builtin_ctzll(all);
			GovDetector det;

			all &= all - 1;
			if (at < p || at < *resume || at >= len)
				continue;
			if (!(exact & bit) && !gov_trigger_at(s, len, at))
				continue;
			det = gov_candidate(s, len, at, resume);
			if (det != GOV_DETECT_NONE)
				return det;
		}
		p = from + GOV_SCAN_WIDTH;
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
#undef GOV_SHIFTZ
#undef GOV_SHUFFLE
#undef GOV_MOVEMASK
