/*-------------------------------------------------------------------------
 *
 * detect_scan.h
 *	  The secret scan's pre-filter loop, written once for several vector
 *	  widths: included by detect_secret.c after defining
 *
 *	GOV_SCAN_NAME	the function to define
 *	GOV_SCAN_ATTR	its attributes (a target("...") for a wider ISA)
 *	GOV_SCAN_WIDTH	bytes per block (16 or 32)
 *	GOV_V, GOV_LOAD(p), GOV_SET1(c), GOV_EQ(a,b), GOV_AND(a,b),
 *	GOV_OR(a,b), GOV_ADD(a,b), GOV_LT(a,b) (signed bytes),
 *	GOV_MOVEMASK(v)	the vector type and operations
 *
 * like PostgreSQL's own lib/simplehash.h.  The function computes, for a
 * block of positions, exactly gov_trigger_at() of each (the bit mask of
 * the positions with a trigger) and runs gov_candidate() at each one at
 * or after *resume.  It reads s[p .. p + 2 * WIDTH) for a block at p:
 * the digit rule looks twelve bytes ahead, and two loads are cheaper than
 * one unaligned load per offset.  All macros it uses are undefined at
 * its end.
 *
 * src/common/detect_scan.h
 *
 *-------------------------------------------------------------------------
 */

/*
 * Scan s[0, len) block by block (see above); the last bytes, fewer than
 * two blocks, from a copy padded with NULs.  Returns the first detector
 * that fires.
 */
static GOV_SCAN_ATTR GovDetector
GOV_SCAN_NAME(const char *s, size_t len, size_t *resume)
{
	size_t		p = 0,
				pad_at = 0;		/* the offset pad[0] stands for */
	char		pad[4 * GOV_SCAN_WIDTH];
	bool		in_pad = false;

	for (;;)
	{
		const char *blk;
		uint64_t	mask,
					d;
		GOV_V		v0,
					v1,
					v2,
					v3,
					v4,
					vw,
					m,
					t,
					f0,
					f1,
					f3;

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

		v0 = GOV_LOAD(blk);
		v1 = GOV_LOAD(blk + 1);
		v2 = GOV_LOAD(blk + 2);
		v3 = GOV_LOAD(blk + 3);
		v4 = GOV_LOAD(blk + 4);
		vw = GOV_LOAD(blk + GOV_SCAN_WIDTH);

		/*
		 * Card numbers: digits at 0-3, 5-8 and 12, a digit, space or dash
		 * at 4.  '0'..'9' are moved to the bottom of the signed range, so
		 * one signed compare tells them.
		 */
		d = (uint64_t) (uint32_t) GOV_MOVEMASK(GOV_LT(GOV_ADD(v0, GOV_SET1(0x80 - '0')),
													 GOV_SET1(0x80 + 10 - 256))) |
			((uint64_t) (uint32_t) GOV_MOVEMASK(GOV_LT(GOV_ADD(vw, GOV_SET1(0x80 - '0')),
													  GOV_SET1(0x80 + 10 - 256))) << GOV_SCAN_WIDTH);
		mask = d & (d >> 1) & (d >> 2) & (d >> 3) & (d >> 5) & (d >> 6) & (d >> 7) &
			(d >> 8) & (d >> 12) &
			((d >> 4) | (uint32_t) GOV_MOVEMASK(GOV_OR(GOV_EQ(v4, GOV_SET1(' ')),
													   GOV_EQ(v4, GOV_SET1('-')))));

		/* the byte patterns of gov_trigger_at() */
		m = GOV_AND(GOV_EQ(v0, GOV_SET1('-')), GOV_EQ(v1, GOV_SET1('B')));
		t = GOV_EQ(v0, GOV_SET1('y'));
		m = GOV_OR(m, GOV_AND(t, GOV_OR(GOV_OR(GOV_EQ(v1, GOV_SET1('J')),
											   GOV_EQ(v1, GOV_SET1('='))),
										GOV_EQ(v2, GOV_SET1('2')))));
		m = GOV_OR(m, GOV_AND(GOV_EQ(v0, GOV_SET1('I')), GOV_EQ(v1, GOV_SET1('z'))));
		m = GOV_OR(m, GOV_AND(GOV_EQ(v0, GOV_SET1('g')),
							  GOV_OR(GOV_EQ(v1, GOV_SET1('=')),
									 GOV_EQ(v3, GOV_SET1('_')))));
		t = GOV_EQ(v0, GOV_SET1('p'));
		m = GOV_OR(m, GOV_AND(t, GOV_OR(GOV_EQ(v3, GOV_SET1('_')),
										GOV_EQ(v3, GOV_SET1('-')))));
		m = GOV_OR(m, GOV_AND(GOV_AND(GOV_EQ(v1, GOV_SET1('k')),
									  GOV_OR(GOV_EQ(v0, GOV_SET1('s')),
											 GOV_EQ(v0, GOV_SET1('r')))),
							  GOV_OR(GOV_EQ(v2, GOV_SET1('_')),
									 GOV_EQ(v2, GOV_SET1('-')))));
		m = GOV_OR(m, GOV_AND(GOV_EQ(v0, GOV_SET1('x')), GOV_EQ(v4, GOV_SET1('-'))));
		m = GOV_OR(m, GOV_AND(GOV_EQ(v0, GOV_SET1('A')), GOV_EQ(v3, GOV_SET1('A'))));
		f0 = GOV_OR(v0, GOV_SET1(0x20));
		f1 = GOV_OR(v1, GOV_SET1(0x20));
		f3 = GOV_OR(v3, GOV_SET1(0x20));
		m = GOV_OR(m, GOV_AND(GOV_AND(GOV_EQ(f0, GOV_SET1('c')), GOV_EQ(f1, GOV_SET1('r'))),
							  GOV_EQ(f3, GOV_SET1('t'))));

		mask = (mask | (uint64_t) (uint32_t) GOV_MOVEMASK(m)) &
			((GOV_SCAN_WIDTH == 32) ? 0xFFFFFFFFu : 0xFFFFu);

		while (mask != 0)
		{
			size_t		q = p + (size_t) __builtin_ctzll(mask);
			GovDetector det;

			mask &= mask - 1;
			if (q < *resume || q >= len)
				continue;
			det = gov_candidate(s, len, q, resume);
			if (det != GOV_DETECT_NONE)
				return det;
		}
		p += GOV_SCAN_WIDTH;
	}
	return GOV_DETECT_NONE;
}

#undef GOV_SCAN_NAME
#undef GOV_SCAN_ATTR
#undef GOV_SCAN_WIDTH
#undef GOV_V
#undef GOV_LOAD
#undef GOV_SET1
#undef GOV_EQ
#undef GOV_AND
#undef GOV_OR
#undef GOV_ADD
#undef GOV_LT
#undef GOV_MOVEMASK
