/*-------------------------------------------------------------------------
 *
 * test_redact.c
 *	  Unit test of the token redactor, linked alone with
 *	  src/identity/redact.c and the base64url table of jwt.c.
 *
 * Each case states a way a token can be spelled in SQL or in a log line
 * and asserts that no part of the token's signature survives redaction,
 * or, for text that holds no token, that the text is left as it was.  The
 * token is built here: base64url of a JSON header and claims, and a
 * signature-like run, so that the cases do not depend on a key.
 *
 * Each case prints one line; the last line is "N passed, N failed".
 *
 * test/unit/test_redact.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "governance/identity_redact.h"

/*
 * The redactor's allocations, wrapped (the test is linked with
 * --wrap=malloc,--wrap=realloc): when fail_allocations is set, they fail,
 * as they do on a backend at its memory limit.
 */
static int	fail_allocations = 0;
void	   *__real_malloc(size_t size);
void	   *__real_realloc(void *p, size_t size);
void	   *__wrap_malloc(size_t size);
void	   *__wrap_realloc(void *p, size_t size);

void *
__wrap_malloc(size_t size)
{
	return fail_allocations ? NULL : __real_malloc(size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return fail_allocations ? NULL : __real_realloc(p, size);
}

static void
b64url(const char *in, char *out)
{
	static const char a[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		n = strlen(in),
				i,
				o = 0;

	for (i = 0; i < n; i += 3)
	{
		unsigned	v = (unsigned char) in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char) in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char) in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

/* The signature: what must never survive. */
#define SIG "Xq7hZ2Nw9pL4vK8sT1yR6mB3cF5dG0jU"

static char token[512];

static void
make_token(void)
{
	char		h[128],
				c[256];

	b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", h);
	b64url("{\"sub\":\"agent-7\",\"iss\":\"https://idp.example\",\"exp\":1900000000}", c);
	snprintf(token, sizeof(token), "%s.%s.%s", h, c, SIG);
}

/* The token with its first character written as an E-string escape. */
static void
escaped(char *out, const char *how)
{
	sprintf(out, "%s%s", how, token + 1);
}

/* Redact; the result must not contain the signature nor the claims. */
static void
hidden(const char *name, const char *text)
{
	char	   *r = gov_redact_tokens(text);
	const char *claims = strchr(token, '.') + 1;
	char		probe[24];
	char	   *copy = strdup(text);

	snprintf(probe, sizeof(probe), "%.16s", claims + 4);
	check(r != NULL && strstr(r, SIG + 2) == NULL && strstr(r, probe) == NULL &&
		  strstr(r, "<redacted>") != NULL, name, "got [%s]", r ? r : "(null)");
	/* the same text overwritten in place keeps its length */
	gov_redact_tokens_in_place(copy);
	check(strlen(copy) == strlen(text) && strstr(copy, SIG + 2) == NULL &&
		  strstr(copy, probe) == NULL, name, "in place: [%s]", copy);
	check(gov_holds_token(text), name, "gov_holds_token says no");
	gov_redact_free(r);
	free(copy);
}

/* Text that holds no token comes back untouched. */
static void
kept(const char *name, const char *text)
{
	char	   *r = gov_redact_tokens(text);

	check(r == NULL && !gov_holds_token(text), name, "changed to [%s]", r ? r : "(null)");
	gov_redact_free(r);
}

/* The text is kept but a part of it is hidden; what follows survives. */
static void
hidden_keeps(const char *name, const char *text, const char *survivor)
{
	char	   *r = gov_redact_tokens(text);

	check(r != NULL && strstr(r, survivor) != NULL && strstr(r, SIG + 2) == NULL,
		  name, "got [%s]", r ? r : "(null)");
	gov_redact_free(r);
}

int
main(void)
{
	char		t[4096],
				e[1024];

	make_token();

	/* rule 1: the shape */
	snprintf(t, sizeof(t), "SET governance.token = '%s'", token);
	hidden("plain SET", t);
	snprintf(t, sizeof(t), "CALL login('%s')", token);
	hidden("a token anywhere", t);
	snprintf(t, sizeof(t), "connection authorized: token=%s user=x", token);
	hidden("a log line", t);

	/* rule 2: a literal is judged by its value */
	escaped(e, "\\x65");
	snprintf(t, sizeof(t), "SELECT login(E'%s')", e);
	hidden("E-string, hex escape first", t);
	escaped(e, "\\145");
	snprintf(t, sizeof(t), "SELECT login(e'%s')", e);
	hidden("E-string, octal escape first", t);
	escaped(e, "\\u0065");
	snprintf(t, sizeof(t), "SELECT login(E'%s')", e);
	hidden("E-string, Unicode escape first", t);
	snprintf(t, sizeof(t), "SELECT login(E'%.10s\\%s')", token, token + 10);
	hidden("E-string, a no-op backslash inside", t);
	escaped(e, "\\0065");
	snprintf(t, sizeof(t), "SELECT login(U&'%s')", e);
	hidden("U&'' string", t);
	escaped(e, "!0065");
	snprintf(t, sizeof(t), "SELECT login(U&'%s' UESCAPE '!')", e);
	hidden("U&'' string with UESCAPE", t);
	escaped(e, "!+000065");
	snprintf(t, sizeof(t), "SELECT login(u&'%s' uescape '!')", e);
	hidden("U&'' string, six-digit escape", t);
	snprintf(t, sizeof(t), "SELECT login('%.12s'\n  '%s')", token, token + 12);
	hidden("a literal continued on the next line", t);
	snprintf(t, sizeof(t), "SELECT login('%.12s' -- part one\n'%.20s'\n\t'%s')",
			 token, token + 12, token + 32);
	hidden("continued three times, with a comment", t);
	snprintf(t, sizeof(t), "SELECT login('%.10s\\%s')", token, token + 10);
	hidden("plain literal with a backslash (standard_conforming_strings off)", t);
	escaped(e, "\\x65");
	snprintf(t, sizeof(t), "DO $$BEGIN PERFORM set_config('x.y', E'%s', false); END$$", e);
	hidden("an escaped literal inside a DO body", t);
	snprintf(t, sizeof(t),
			 "DO $body$BEGIN EXECUTE 'SELECT login(E''\\x65%s'')'; END$body$", token + 1);
	hidden("EXECUTE of a literal holding an escaped literal", t);
	escaped(e, "\\\\x65");
	snprintf(t, sizeof(t), "SELECT E'SELECT login(E''%s'')'", e);
	hidden("an escaped escape, two levels down", t);

	/* rule 3: the value given to the setting */
	snprintf(t, sizeof(t), "SET governance.token = 'not-a-token'");
	hidden_keeps("SET hides any value", t, "SET governance.token = '<redacted>'");
	snprintf(t, sizeof(t), "SET LOCAL \"governance\".\"token\" TO 'x.y.z'");
	hidden_keeps("quoted name, TO", t, "'<redacted>'");
	snprintf(t, sizeof(t), "SELECT set_config('governance.token', 'ey' || 'J.x.y', false); DELETE FROM t");
	hidden_keeps("set_config: every literal of the argument", t,
				 "set_config('governance.token', '<redacted>' || '<redacted>', false); DELETE FROM t");
	snprintf(t, sizeof(t), "SELECT pg_catalog.set_config(E'governance\\x2etoken'::text, 'abc.def', true)");
	hidden_keeps("set_config with an escaped name", t, "'<redacted>', true)");
	snprintf(t, sizeof(t), "SET governance.token = 'a.b'; SELECT 'keep.me' FROM t");
	hidden_keeps("the next statement is not hidden", t, "SELECT 'keep.me' FROM t");
	snprintf(t, sizeof(t), "SELECT 'governance.token', 'keep.this'");
	kept("the name elsewhere hides nothing", t);
	snprintf(t, sizeof(t), "SELECT current_setting('governance.token') = 'keep.this'");
	kept("a comparison with the setting hides nothing", t);

	/* third round: a quote inside a comment of a continuation */
	snprintf(t, sizeof(t), "SET U&\"\\0067overnance\".token = '%.8s' -- it's\n'%s'",
			 token, token + 8);
	hidden("continuation whose comment holds a quote, Unicode-escaped name", t);
	snprintf(t, sizeof(t), "SELECT set_config('governance.' || 'token', '%.8s' -- it's\n'%s', false)",
			 token, token + 8);
	hidden("set_config with a computed name", t);
	snprintf(t, sizeof(t), "SELECT set_config('governance.' || 'token', 'abc.def', false)");
	hidden_keeps("a computed name hides the value", t, "'<redacted>', false)");
	/* fourth round: literals of a computed name are searched too */
	escaped(e, "\\x65");
	snprintf(t, sizeof(t),
			 "SELECT set_config(split_part(E'governance.token %s', ' ', 1), split_part(E'governance.token %s', ' ', 2), false)",
			 e, e);
	hidden("set_config whose name is computed from a literal holding the token", t);
	snprintf(t, sizeof(t), "SELECT set_config(new_value => E'%s', is_local => false)", e);
	hidden("set_config in named notation", t);
	snprintf(t, sizeof(t), "SELECT set_config('search_path', 'abc.def', false)");
	kept("another setting's value is kept", t);
	/* standard_conforming_strings off: '\'' is one literal */
	snprintf(t, sizeof(t), "SELECT '\\'' AS q; SET governance.token = '%.8s'\n'%s'; SELECT 1",
			 token, token + 8);
	hidden("lexed both ways when a backslash could matter", t);

	/* fifth round: literals nested deeper than the decoder goes */
	escaped(e, "\\x65");
	snprintf(t, sizeof(t),
			 "DO $a$ BEGIN EXECUTE $b$ DO $c$ BEGIN EXECUTE $d$ DO $e$ BEGIN EXECUTE $f$ "
			 "SET governance.token = E'%s' $f$; END $e$ $d$; END $c$ $b$; END $a$", e);
	hidden("six dollar-quoted levels", t);

	/* sixth round: a Unicode-escaped quoted name */
	escaped(e, "\\0065");
	snprintf(t, sizeof(t), "SELECT 1 AS U&\"%s\"", e);
	hidden("a U&\"\" name", t);
	escaped(e, "!0065");
	snprintf(t, sizeof(t), "SELECT 1 AS U&\"%s\" UESCAPE '!'", e);
	hidden("a U&\"\" name with UESCAPE", t);

	/* seventh round: UESCAPE given by a literal of another spelling */
	escaped(e, "!0065");
	snprintf(t, sizeof(t), "EXECUTE p('governance.token', U&'%s' UESCAPE $$!$$)", e);
	hidden("UESCAPE in dollar quotes", t);
	snprintf(t, sizeof(t), "SELECT length(U&'%s' UESCAPE E'!')", e);
	hidden("UESCAPE as an escape string", t);
	snprintf(t, sizeof(t), "SELECT length(U&'%s' UESCAPE $x$!!$x$)", e);
	hidden("UESCAPE that cannot be read: the literal hidden whole", t);

	/* text without tokens */
	kept("a qualified name", "SELECT app.users.email FROM app.users");
	kept("a plain statement", "UPDATE t SET v = 'a.b.c' WHERE id = 1");
	kept("an escape string without a token", "SELECT E'a\\x2eb\\x2ec'");
	kept("a DO body without a token", "DO $$BEGIN RAISE NOTICE 'x.y.z'; END$$");
	kept("unterminated literal", "SELECT 'abc.def");
	kept("unterminated dollar quote", "SELECT $q$abc.def");
	kept("lone backslash at the end", "SELECT E'a.b\\");

	/*
	 * Work is linear in the text: a quote before an unclosed comment, again
	 * and again (4 MB of it), must not make every quote rescan the rest.
	 */
	{
		size_t		reps = 4 * 1024 * 1024 / 3;
		char	   *big = malloc(reps * 3 + 32);
		char	   *r;

		strcpy(big, "SELECT 1 AS x -- .\n");
		for (size_t i = 0; i < reps; i++)
			memcpy(big + 19 + 3 * i, "'/*", 3);
		big[19 + 3 * reps] = '\0';
		r = gov_redact_tokens(big);
		check(r == NULL, "4 MB of quotes before unclosed comments, in linear time", "changed");
		gov_redact_free(r);
		free(big);
	}

	/* Out of memory: the text is never passed on as it was. */
	snprintf(t, sizeof(t), "SET governance.token = '%s'", token);
	fail_allocations = 1;
	{
		char	   *r = gov_redact_tokens(t);
		char		copy[4096];
		int			held = gov_holds_token(t);

		strcpy(copy, t);
		gov_redact_tokens_in_place(copy);
		fail_allocations = 0;
		check(r == gov_unredactable, "out of memory: a fixed text stands in", "got [%s]",
			  r ? r : "(null)");
		check(held, "out of memory: the text is said to hold a token", NULL);
		check(strstr(copy, SIG) == NULL && strstr(copy, "governance") == NULL,
			  "out of memory: in place, everything is overwritten", "got [%s]", copy);
		gov_redact_free(r);
	}

	return check_summary();
}
