/*-------------------------------------------------------------------------
 *
 * test_detect_bytes.c
 *	  Unit test of the text in binary bytes (governance_detect_text_runs),
 *	  linked alone with src/common/detect*.c.
 *
 * The runs kept must be exactly those a byte-at-a-time reading of the
 * rule keeps, on random inputs of every length up to a few blocks and of
 * several mixes (random bytes, text with stray bytes, runs just 12 and 13
 * long, runs across block boundaries); a secret written in ASCII among
 * binary bytes must be found by searching what is kept, and one cut by a
 * byte that is not text must not.  Inputs are passed from a heap copy of
 * exactly their length (run.sh builds this with AddressSanitizer), and
 * the output buffer is exactly len + 1 bytes.
 *
 * Each case prints one line; the last line is "N passed, N failed".
 *
 * test/unit/test_detect_bytes.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "governance/common_detect.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

/* xorshift64*: the same inputs on every run. */
static uint32_t
rnd(uint32_t bound)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t) ((rng * 0x2545F4914F6CDD1DULL) >> 32) % bound;
}

/* The rule, a byte at a time, written apart from the code tested. */
static size_t
reference_runs(const unsigned char *s, size_t len, char *out)
{
	size_t		n = 0;
	size_t		run = 0;

	for (size_t i = 0; i <= len; i++)
	{
		int			text = i < len &&
			((s[i] >= 0x20 && s[i] <= 0x7e) || (s[i] >= 0x09 && s[i] <= 0x0d));

		if (text)
		{
			run++;
			continue;
		}
		if (run >= 13)
		{
			memcpy(out + n, s + i - run, run);
			n += run;
			out[n++] = '\0';
		}
		run = 0;
	}
	return n;
}

/* The function tested, from an exact copy into an exact buffer. */
static size_t
runs_of(const char *s, size_t len, char *out)
{
	char	   *c = malloc(len > 0 ? len : 1);
	char	   *b = malloc(len + 1);
	size_t		n;

	memcpy(c, s, len);
	n = governance_detect_text_runs(c, len, b);
	memcpy(out, b, n);
	free(c);
	free(b);
	return n;
}

/* A byte of the mix asked for. */
static unsigned char
mix_byte(int mix)
{
	static const char text[] = "abcXYZ019 -_.:/=\n\t";

	switch (mix)
	{
		case 0:					/* random bytes */
			return (unsigned char) rnd(256);
		case 1:					/* text with a stray byte now and then */
			return rnd(40) == 0 ? (unsigned char) (0x80 + rnd(128)) :
				(unsigned char) text[rnd(sizeof(text) - 1)];
		case 2:					/* runs around 13 long */
			return rnd(13) == 0 ? (unsigned char) rnd(9) : 'a';
		default:				/* long runs, NUL-separated */
			return rnd(100) == 0 ? 0 : 'k';
	}
}

/* The function keeps exactly what the rule keeps, on many inputs. */
static void
test_runs_match_rule(void)
{
	unsigned char s[600];
	char		want[601],
				got[601];
	int			bad = 0;
	char		why[160] = "";

	for (int it = 0; it < 200000 && !bad; it++)
	{
		int			mix = it % 4;
		size_t		len = rnd(sizeof(s));
		size_t		nw,
					ng;

		for (size_t i = 0; i < len; i++)
			s[i] = mix_byte(mix);
		nw = reference_runs(s, len, want);
		ng = runs_of((const char *) s, len, got);
		if (nw != ng || memcmp(want, got, nw) != 0)
		{
			bad = 1;
			snprintf(why, sizeof(why), "mix %d, length %zu: %zu bytes kept, the rule keeps %zu",
					 mix, len, ng, nw);
		}
	}
	check(!bad, "runs: what the rule keeps, on 200000 inputs", "%s", why);
}

/* Edges: lengths 0 to 200 of text; a run of 12 and one of 13. */
static void
test_runs_edges(void)
{
	char		s[256],
				out[257];
	int			bad = 0;

	memset(s, 'a', sizeof(s));
	for (size_t len = 0; len <= 200 && !bad; len++)
	{
		size_t		n = runs_of(s, len, out);

		bad = len >= 13 ? (n != len + 1 || out[len] != '\0') : n != 0;
	}
	check(!bad, "runs: text alone is kept whole from 13 bytes on", NULL);

	/* 64 bytes: a stop, 12 text, a stop, 13 text, a stop, the rest binary */
	memset(s, 0x01, 64);
	memset(s + 1, 'b', 12);
	memset(s + 14, 'c', 13);
	check(runs_of(s, 64, out) == 14 && memcmp(out, "ccccccccccccc", 14) == 0,
		  "runs: 12 bytes are dropped, 13 kept", NULL);
}

/* A secret among binary bytes is found in the runs; one cut is not. */
static void
test_runs_secrets(void)
{
	static const char pem[] =
		"-----BEGIN PRIVATE KEY-----\n"
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
		"MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
		"NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n"
		"-----END PRIVATE KEY-----\n";
	static const char aws[] = "\x00\x01key=AKIAQ3ZP7WXKD2LM4T6B\xff\xfe";
	static const char aws_cut[] = "\x00\x01key=AKIAQ3ZP7W\x00XKD2LM4T6B\xff\xfe";
	char		s[1024],
				out[1025];
	size_t		len = 0,
				n;

	for (int i = 0; i < 100; i++)
		s[len++] = (char) rnd(256);
	memcpy(s + len, pem, sizeof(pem) - 1);
	len += sizeof(pem) - 1;
	for (int i = 0; i < 100; i++)
		s[len++] = (char) (0x80 + rnd(128));
	n = runs_of(s, len, out);
	check(n > 0 && governance_detect_secret(out, n) == GOV_DETECT_PRIVATE_KEY,
		  "runs: a PEM key among binary bytes is found", NULL);

	n = runs_of(aws, sizeof(aws) - 1, out);
	check(n > 0 && governance_detect_secret(out, n) == GOV_DETECT_AWS_KEY,
		  "runs: an AWS key id between NULs and bytes >= 0x80 is found", NULL);

	n = runs_of(aws_cut, sizeof(aws_cut) - 1, out);
	check(n == 0 || governance_detect_secret(out, n) == GOV_DETECT_NONE,
		  "runs: an AWS key id cut by a NUL is not found", NULL);
}

int
main(void)
{
	test_runs_match_rule();
	test_runs_edges();
	test_runs_secrets();
	return check_summary();
}
