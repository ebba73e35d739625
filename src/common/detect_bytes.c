/*-------------------------------------------------------------------------
 *
 * detect_bytes.c
 *	  The text in binary bytes, for the output scan's search of a bytea
 *	  that is not UTF-8: governance_detect_text_runs().
 *
 * Plain C, no server headers.  A secret in binary bytes (an archive, a
 * serialised record, text in another encoding) is the secret written in
 * ASCII among other bytes: every secret governance_detect_secret() finds
 * is ASCII text, but for the Unicode spaces a card number may have
 * between its groups, and none is shorter than 13 bytes.  So the bytes
 * searched are the runs of ASCII text at least that long, each followed
 * by a NUL, which ends a secret as the byte that ended the run did.
 *
 * Why not search the bytes whole: in binary bytes the pre-filter's
 * candidates (digits, bytes >= 0x80 where a Unicode space or an escape
 * could begin) fall at positions no branch predicts, and the search costs
 * as much as it does on text of the same length, on compressed data more.
 * Finding the runs classifies 16 bytes with a few vector instructions
 * (SSE2, which every x86-64 CPU has; elsewhere a byte at a time), and a
 * run of thirteen ASCII bytes is rare in such bytes, so little is left to
 * search: about half the cost (docs/benchmarks.md).  Linear in the
 * length, and reads nothing past it.
 *
 * src/common/detect_bytes.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define GOV_HAVE_SSE2_RUNS 1
#endif

#include "governance/common_detect.h"

/* The shortest secret governance_detect_secret() finds: 13 digits. */
#define GOV_MIN_SECRET 13

/* Bytes classified at a time by the vector loop, one bit each. */
#define GOV_RUNS_BLOCK 64

/* ASCII text: tab to carriage return, blank to '~'. */
static inline bool
gov_text_byte(unsigned char c)
{
	return (c >= ' ' && c <= '~') || (c >= '\t' && c <= '\r');
}

/* Append s[start, end) and a NUL to buf at n; the new length. */
static inline size_t
gov_keep(const char *s, size_t start, size_t end, char *buf, size_t n)
{
	memcpy(buf + n, s + start, end - start);
	n += end - start;
	buf[n++] = '\0';
	return n;
}

#ifdef GOV_HAVE_SSE2_RUNS
/* Bit i set if p[i] is ASCII text, for the 64 bytes at p. */
static inline uint64_t
gov_text_mask(const char *p)
{
	const __m128i below_blank = _mm_set1_epi8(' ' - 1);
	const __m128i del = _mm_set1_epi8(0x7f);
	const __m128i below_tab = _mm_set1_epi8('\t' - 1);
	const __m128i after_cr = _mm_set1_epi8('\r' + 1);
	uint64_t	mask = 0;

	/* signed compares: bytes >= 0x80 are negative, below both ranges */
	for (int k = 0; k < GOV_RUNS_BLOCK / 16; k++)
	{
		__m128i		v = _mm_loadu_si128((const __m128i *) (p + 16 * k));
		__m128i		printable = _mm_and_si128(_mm_cmpgt_epi8(v, below_blank),
											  _mm_cmplt_epi8(v, del));
		__m128i		space = _mm_and_si128(_mm_cmpgt_epi8(v, below_tab),
										  _mm_cmplt_epi8(v, after_cr));

		mask |= (uint64_t) (uint16_t) _mm_movemask_epi8(_mm_or_si128(printable, space))
			<< (16 * k);
	}
	return mask;
}
#endif

/*
 * The runs of ASCII text in s[0, len) at least GOV_MIN_SECRET long, each
 * followed by a NUL, into buf (len + 1 bytes); returns their length.
 *
 * With SSE2, blocks of 64 bytes go through a mask of their text bytes:
 * the run going on when the block begins ends at its first byte that is
 * not text; the runs wholly inside it are found by shifts of the mask
 * (bit i of runs is set where bits i to i + 12 of the mask are: a run of
 * 13 starts there); the run after its last byte that is not text goes on
 * into the next block.  The last block is a copy padded with NULs, which
 * are not text: a run ends at len at most.  (Read a byte at a time, the
 * bytes of a binary value would cost a mispredicted branch every other
 * byte.)  Without SSE2, the same rule a byte at a time.
 */
size_t
governance_detect_text_runs(const char *s, size_t len, char *buf)
{
	size_t		n = 0;
	size_t		start = 0;		/* where the run going on began */
	size_t		i = 0;

#ifdef GOV_HAVE_SSE2_RUNS
	_Static_assert(GOV_MIN_SECRET == 13, "the shifts below find runs of 13");
	for (; i < len; i += GOV_RUNS_BLOCK)
	{
		uint64_t	text;
		uint64_t	stops;
		uint64_t	runs;
		int			first;
		int			last;

		if (len - i >= GOV_RUNS_BLOCK)
			text = gov_text_mask(s + i);
		else
		{
			char		tail[GOV_RUNS_BLOCK] = {0};

			memcpy(tail, s + i, len - i);
			text = gov_text_mask(tail);
		}
		stops = ~text;
		if (stops == 0)
			continue;
		first = __builtin_ctzll(stops);
		last = 63 - __builtin_clzll(stops);
		if (i + first - start >= GOV_MIN_SECRET)
			n = gov_keep(s, start, i + first, buf, n);

		runs = text & (text >> 1);	/* 2 text bytes from bit i on */
		runs &= runs >> 2;		/* 4 */
		runs &= runs >> 4;		/* 8 */
		runs &= runs >> 5;		/* 13 */
		/* those after the first stop that end at the last one at most */
		runs &= ~((UINT64_C(1) << first) - 1) & ((UINT64_C(1) << last) - 1);
		while (runs != 0)
		{
			int			from = __builtin_ctzll(runs);
			int			to = from + __builtin_ctzll(stops >> from);

			n = gov_keep(s, i + from, i + to, buf, n);
			runs &= ~((UINT64_C(1) << to) - 1);
		}
		start = i + last + 1;	/* past len after the last block */
	}
#endif
	for (; i < len; i++)
	{
		if (gov_text_byte((unsigned char) s[i]))
			continue;
		if (i - start >= GOV_MIN_SECRET)
			n = gov_keep(s, start, i, buf, n);
		start = i + 1;
	}
	if (start < len && len - start >= GOV_MIN_SECRET)
		n = gov_keep(s, start, len, buf, n);
	return n;
}
