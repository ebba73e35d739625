/*-------------------------------------------------------------------------
 *
 * fuzz_redact.c
 *	  libFuzzer target for the token redactor.
 *
 * Every input is a text a session could have written (a statement, a log
 * line).  Besides what the sanitizers catch (reads past the text, leaks,
 * undefined behaviour), three properties must hold for every input:
 *
 * 1. gov_holds_token() says yes exactly when gov_redact_tokens() finds
 *    something to replace.
 * 2. The in-place form keeps the text's length and overwrites exactly when
 *    there is something to replace.
 * 3. No plain token survives: neither redacted text (nor the text, when
 *    nothing was replaced) holds a run shaped like a token beyond doubt
 *    (three base64url segments, the first two beginning "eyJ", the
 *    base64url of '{"', not continuing a run on its left).
 *    This oracle is written here independently of the redactor's own
 *    definition, and is narrower than it.
 *
 * test/fuzz/fuzz_redact.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governance/identity_redact.h"

static bool
fuzz_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Length of a b64url segment at s of at least min characters, else 0. */
static size_t
fuzz_segment(const char *s, size_t n, size_t min)
{
	size_t		i = 0;

	while (i < n && fuzz_b64url(s[i]))
		i++;
	return i >= min ? i : 0;
}

/*
 * The length of a plain token at text[i], or 0: "eyJ" + 5 or more, ".",
 * "eyJ" + 5 or more, ".", 16 or more, not continuing a run on its left.
 */
static size_t
fuzz_plain_token(const char *t, size_t n, size_t i)
{
	size_t		j = i,
				seg;

	if (i > 0 && (fuzz_b64url(t[i - 1]) || t[i - 1] == '.' ||
				  t[i - 1] == '+' || t[i - 1] == '/'))
		return 0;
	for (int k = 0; k < 2; k++)
	{
		if (n - j < 3 || memcmp(t + j, "eyJ", 3) != 0)
			return 0;
		seg = fuzz_segment(t + j, n - j, 8);
		if (seg == 0 || j + seg >= n || t[j + seg] != '.')
			return 0;
		j += seg + 1;
	}
	seg = fuzz_segment(t + j, n - j, 16);
	return seg == 0 ? 0 : j + seg - i;
}

/* No plain token in a redacted text. */
static void
fuzz_no_plain_token(const char *out, const char *what)
{
	size_t		n = strlen(out);

	for (size_t i = 0; i < n; i++)
	{
		size_t		len = fuzz_plain_token(out, n, i);

		if (len != 0)
		{
			fprintf(stderr, "a token survived %s: %.*s\n", what, (int) len, out + i);
			abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	char	   *copy;
	char	   *out;
	bool		holds;
	bool		changed;

	memcpy(text, data, size);
	text[size] = '\0';
	size = strlen(text);		/* a statement ends at its first NUL */

	holds = gov_holds_token(text);
	out = gov_redact_tokens(text);
	if (holds != (out != NULL))
	{
		fprintf(stderr, "gov_holds_token says %d, gov_redact_tokens %s\n",
				holds, out ? "replaced something" : "replaced nothing");
		abort();
	}
	fuzz_no_plain_token(out ? out : text, "gov_redact_tokens");
	if (out != NULL)
		gov_redact_free(out);

	copy = strdup(text);
	changed = gov_redact_tokens_in_place(copy);
	if (strlen(copy) != size || changed != holds)
	{
		fprintf(stderr, "in place: length %zu of %zu, changed %d, holds %d\n",
				strlen(copy), size, changed, holds);
		abort();
	}
	fuzz_no_plain_token(copy, "gov_redact_tokens_in_place");
	free(copy);
	free(text);
	return 0;
}
