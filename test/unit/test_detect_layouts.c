/*-------------------------------------------------------------------------
 *
 * test_detect_layouts.c
 *	  Cases of test_detect.c (included by it, which owns the helpers and
 *	  the counts) for the classes an outside attack found the scan
 *	  missing (attack 24, G4 G6 G8 G9 G10 G12): each finding's own case,
 *	  then more of its class, then what must stay quiet beside it.
 *
 *	G4	a PEM private key whose lines are set in other text: string
 *		literals of source code, a quoted e-mail, comments, a table.
 *	G6	a PEM private key kept as an array of lines, as the text of a
 *		PostgreSQL array, a json or jsonb array.
 *	G8	GitLab's other tokens, Slack refresh tokens, encrypted JWTs
 *		(JWE), JWT segments with base64 padding, Azure account keys
 *		written as YAML, ini or JSON settings.
 *	G9	a PEM private key written in base64 (kubeconfig, Kubernetes
 *		Secrets), at each alignment.
 *	G10	card numbers with Unicode dashes, fullwidth digits, invisible
 *		characters or underscores between the groups.
 *	G12	a PEM header whose dashes are escaped; letters escaped for no
 *		reason stay out of scope.
 *
 * test/unit/test_detect_layouts.c
 *
 *-------------------------------------------------------------------------
 */

#define PEM_LINES 6

/* A PEM private key as lines: header, four lines of base64, footer. */
static void
pem_lines(char lines[PEM_LINES][80], const char *type, unsigned seed)
{
	snprintf(lines[0], 80, "-----BEGIN %sPRIVATE KEY-----", type);
	for (int i = 1; i <= 4; i++)
		random_run(lines[i], 64, B64, seed + (unsigned) i);
	snprintf(lines[5], 80, "-----END %sPRIVATE KEY-----", type);
}

/* The lines from..to-1, each written pre line post, with sep between. */
static void
join_lines(char *out, char lines[PEM_LINES][80], int from, int to,
		   const char *pre, const char *post, const char *sep)
{
	out[0] = '\0';
	for (int i = from; i < to; i++)
	{
		if (i > from)
			strcat(out, sep);
		strcat(out, pre);
		strcat(out, lines[i]);
		strcat(out, post);
	}
}

/* Standard base64 with padding, a line break every wrap characters (0: none). */
static void
b64std(const char *in, size_t n, char *out, int wrap)
{
	static const char a[] = B64;
	size_t		o = 0;
	int			col = 0;

	for (size_t i = 0; i < n; i += 3)
	{
		uint32_t	v = (uint32_t) (unsigned char) in[i] << 16;
		char		q[4];

		if (i + 1 < n)
			v |= (uint32_t) (unsigned char) in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char) in[i + 2];
		q[0] = a[(v >> 18) & 63];
		q[1] = a[(v >> 12) & 63];
		q[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? a[v & 63] : '=';
		for (int k = 0; k < 4; k++)
		{
			if (wrap > 0 && col == wrap)
			{
				out[o++] = '\n';
				col = 0;
			}
			out[o++] = q[k];
			col++;
		}
	}
	out[o] = '\0';
}

/* G4: a private key's lines set in source code, mail, comments, tables. */
static void
test_pem_in_text(void)
{
	static const struct
	{
		const char *what;
		const char *pre;
		const char *post;
		const char *sep;
	}			layouts[] = {
		{"JavaScript/Java string concatenation", "    \"", "\\n\" +", "\n"},
		{"Java concatenation, + leading", "\"", "\\n\"", "\n  + "},
		{"Python implicit concatenation", " \"", "\\n\"", "\n"},
		{"C string literals", "\t\"", "\\n\"", "\n"},
		{"Rust line continuations", "", "\\n\\", "\n"},
		{"PHP single-quoted concatenation", "'", "' . \"\\n\" .", "\n"},
		{"an e-mail reply", "> ", "", "\n"},
		{"a reply to a reply", "> > ", "", "\n"},
		{"shell comments", "# ", "", "\n"},
		{"C++ comments", "// ", "", "\n"},
		{"SQL comments", "-- ", "", "\n"},
		{"a Markdown table", "| ", " |", "\n"},
		{"a Markdown table cell with <br>", "", "", "<br>"},
		{"CSV, a line a field", "\"", "\"", ","},
		{"YAML list", "  - \"", "\"", "\n"},
		{"numbered lines", "   12  ", "", "\n"},
	};
	char		lines[PEM_LINES][80],
				body[2048],
				t[4096],
				name[160];

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
	{
		pem_lines(lines, i % 2 ? "RSA " : "", 700 + (unsigned) i * 10);
		join_lines(body, lines, 0, PEM_LINES, layouts[i].pre, layouts[i].post,
				   layouts[i].sep);
		snprintf(t, sizeof(t), "const key =\n%s\n;", body);
		snprintf(name, sizeof(name), "G4 PEM in %s", layouts[i].what);
		expect_secret(name, t, GOV_DETECT_PRIVATE_KEY);
		/* the same without its END line: a paste cut short */
		join_lines(body, lines, 0, 3, layouts[i].pre, layouts[i].post, layouts[i].sep);
		snprintf(name, sizeof(name), "G4 PEM in %s, cut after two lines", layouts[i].what);
		expect_secret(name, body, GOV_DETECT_PRIVATE_KEY);
	}
	/* the attacker's JavaScript shape, as written in findings.md */
	expect_secret("G4 the attacker's concatenation",
				  "\"-----BEGIN PRIVATE KEY-----\\n\" +\n"
				  "    \"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDnwojbJoeV8rf+\\n\" +\n"
				  "    \"Xq3Tz0mH2bRkYp4vN8sL1cWdJfA6eUoGiQ9yBtZ5hC7nKxMrSaE0jDlV3uPwI2oF\\n\" +",
				  GOV_DETECT_PRIVATE_KEY);
	expect_secret("G4 an encrypted key quoted in a reply",
				  "> -----BEGIN RSA PRIVATE KEY-----\n> Proc-Type: 4,ENCRYPTED\n"
				  "> DEK-Info: AES-256-CBC,3F2A0C8B1D9E7F6A5B4C3D2E1F0A9B8C\n>\n"
				  "> MIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2zAbCdEfGhIjK\n",
				  GOV_DETECT_PRIVATE_KEY);

	/* prose naming the header, and what may follow it, stays quiet */
	{
		static const char *const quiet[] = {
			"A PEM file begins with -----BEGIN PRIVATE KEY----- and ends with "
			"-----END PRIVATE KEY-----; between them is the base64 body.",
			"> -----BEGIN RSA PRIVATE KEY-----\n> (key removed)\n> -----END RSA PRIVATE KEY-----",
			"-----BEGIN RSA PRIVATE KEY----- see https://example.com/docs/keys/rotation-policy for details",
			"-----BEGIN PRIVATE KEY-----\" + \"...\" + \"-----END PRIVATE KEY-----",
			"-----BEGIN PRIVATE KEY-----\nsha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			"-----BEGIN PRIVATE KEY-----\n550e8400-e29b-41d4-a716-446655440000 123e4567-e89b-12d3-a456-426614174000",
			"-----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END PRIVATE KEY-----",
			"-----BEGIN PRIVATE KEY-----\nInternationalization and CustomerRelationshipManagement\n",
			"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n"
			"MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
			"RTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYD\n",
			"[\"-----BEGIN PRIVATE KEY-----\"]",
		};

		for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		{
			snprintf(name, sizeof(name), "G4 a header without a body %zu", i);
			expect_secret(name, quiet[i], GOV_DETECT_NONE);
		}
	}
	/* a body too far from its header: more than 256 bytes of prose between */
	pem_lines(lines, "", 790);
	snprintf(t, sizeof(t), "%s\nThe header above is what a key file begins with. %s %s %s %s\n%s",
			 lines[0], "A line or two more of prose stands here to make the gap wide enough.",
			 "Nothing of the key is shown here, only what the file looks like, and",
			 "the text goes on about where such files are kept and who may read them,",
			 "for long enough that a line of base64 much further down is not its body.",
			 lines[1]);
	expect_secret("G4 a line of base64 far from the header", t, GOV_DETECT_NONE);
}

/* G6: a private key kept as an array of lines. */
static void
test_pem_as_array(void)
{
	char		lines[PEM_LINES][80],
				body[2048],
				t[4096];

	pem_lines(lines, "RSA ", 800);
	/* PostgreSQL's text[] output: lines with blanks quoted, the others not */
	join_lines(body, lines, 1, 5, "", "", ",");
	snprintf(t, sizeof(t), "{\"%s\",%s,\"%s\"}", lines[0], body, lines[5]);
	expect_secret("G6 PEM as a text[]", t, GOV_DETECT_PRIVATE_KEY);
	join_lines(body, lines, 0, PEM_LINES, "\"", "\"", ",");
	snprintf(t, sizeof(t), "[%s]", body);
	expect_secret("G6 PEM as a json array", t, GOV_DETECT_PRIVATE_KEY);
	join_lines(body, lines, 0, PEM_LINES, "\"", "\"", ", ");
	snprintf(t, sizeof(t), "[%s]", body);
	expect_secret("G6 PEM as a jsonb array", t, GOV_DETECT_PRIVATE_KEY);
	join_lines(body, lines, 0, PEM_LINES, "\\\"", "\\\"", ", ");
	snprintf(t, sizeof(t), "{\"key\": \"[%s]\"}", body);
	expect_secret("G6 PEM as a json array inside a JSON string", t, GOV_DETECT_PRIVATE_KEY);
	join_lines(body, lines, 0, PEM_LINES, "\"", "\"", ",\n  ");
	snprintf(t, sizeof(t), "{\"key\": [\n  %s\n]}", body);
	expect_secret("G6 PEM as a pretty-printed json array", t, GOV_DETECT_PRIVATE_KEY);
	join_lines(body, lines, 0, PEM_LINES, "'", "'", ", ");
	snprintf(t, sizeof(t), "key = [%s]", body);
	expect_secret("G6 PEM as a Python list", t, GOV_DETECT_PRIVATE_KEY);
	snprintf(t, sizeof(t), "{\"%s\",MIIEpAIBAAKCAQEA,\"%s\"}", lines[0], lines[5]);
	expect_secret("G6 an array of a header and a stub", t, GOV_DETECT_NONE);
}

/* G8: vendor tokens, encrypted and padded JWTs, Azure key settings. */
static void
test_more_vendors(void)
{
	static const char *const gitlab[] = {"gldt-", "glrt-", "glrtr-", "glptt-", "glcbt-",
	"glft-", "glsoat-", "glffct-", "glpat-", "GR1348941"};
	char		r[128],
				t[1024],
				name[96];

	random_run(r, 20, B64URL, 901);
	for (size_t i = 0; i < sizeof(gitlab) / sizeof(gitlab[0]); i++)
	{
		snprintf(t, sizeof(t), "token %s%s", gitlab[i], r);
		snprintf(name, sizeof(name), "G8 GitLab %s token", gitlab[i]);
		expect_secret(name, t, GOV_DETECT_TOKEN);
		snprintf(t, sizeof(t), "token %s%.19s", gitlab[i], r);
		snprintf(name, sizeof(name), "G8 GitLab %s token of 19", gitlab[i]);
		expect_secret(name, t, GOV_DETECT_NONE);
		snprintf(t, sizeof(t), "%s%s", gitlab[i], r);
		expect_value(t, GOV_DETECT_TOKEN);
	}
	expect_secret("G8 the attacker's GitLab tokens",
				  "gldt-SGuPJ6sG9AHEOVezxZuJ glrt-PWvHogU5nGYVHWVsUQk4", GOV_DETECT_TOKEN);
	expect_secret("G8 the attacker's trigger token",
				  "glptt-751989a01749ddb14f71010b93b7d946bf54074e", GOV_DETECT_TOKEN);
	expect_secret("G8 words beginning with gl",
				  "glad global glance glrt glft-x signs designs English single angle gld-rate",
				  GOV_DETECT_NONE);
	expect_secret("G8 Slack refresh token",
				  "xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MDEyMy0xMjM0NTY3ODkwMTIzNC1hYmNkZWYabcdefghij0123456789",
				  GOV_DETECT_TOKEN);
	expect_secret("G8 Slack rotated user token",
				  "xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MDEyMy1hYmNkZWY", GOV_DETECT_TOKEN);
	expect_secret("G8 xoxe- with no digit", "xoxe-abcdefghijklmnopqrstuvwxyz", GOV_DETECT_NONE);

	/* JWE: five segments, a header with "alg" and "enc" */
	expect_secret("G8 the attacker's JWE",
				  "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka"
				  "GxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZ"
				  "WltcXV5fYGFiYw.MTIzNDU2Nzg5MDEy.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm"
				  "JygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiYw."
				  "MTIzNDU2Nzg5MDEyMzQ1Ng", GOV_DETECT_JWT);
	{
		char		h[128],
					jwe[512];

		b64url("{\"alg\":\"dir\",\"enc\":\"A256GCM\"}", h);
		snprintf(jwe, sizeof(jwe), "%s..MTIzNDU2Nzg5MDEy.Y2lwaGVydGV4dA.MTIzNDU2Nzg5MDEyMzQ1Ng", h);
		snprintf(t, sizeof(t), "Cookie: __Secure-next-auth.session-token=%s; Path=/", jwe);
		expect_secret("G8 JWE with direct encryption (no key)", t, GOV_DETECT_JWT);
		expect_value(jwe, GOV_DETECT_JWT);
		snprintf(jwe, sizeof(jwe), "%s..MTIzNDU2Nzg5MDEy.Y2lwaGVydGV4dA", h);
		expect_secret("G8 JWE of four segments", jwe, GOV_DETECT_NONE);
		snprintf(jwe, sizeof(jwe), "%s..MTIzNDU2Nzg5MDEy..MTIzNDU2Nzg5MDEyMzQ1Ng", h);
		expect_secret("G8 JWE without ciphertext", jwe, GOV_DETECT_NONE);
		b64url("{\"enc\":\"A256GCM\"}", h);
		snprintf(jwe, sizeof(jwe), "%s..MTIzNDU2Nzg5MDEy.Y2lwaGVydGV4dA.MTIzNDU2Nzg5MDEyMzQ1Ng", h);
		expect_secret("G8 JWE header without alg", jwe, GOV_DETECT_NONE);
		b64url("{\"alg\":\"HS256\",\"enc\":\"A256GCM\"}", h);
		snprintf(jwe, sizeof(jwe), "%s.eyJzdWIiOiIxIn0.c2ln", h);
		expect_secret("G8 a header with enc is not a three-part JWS", jwe, GOV_DETECT_NONE);
	}
	/* JWT segments keeping base64's padding */
	strcpy(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTcwMDAwMDAwMH0=.");
	for (int i = 0; i < 21; i++)
		strcat(t, "Ab");
	strcat(t, "A");				/* the attacker's signature */
	expect_secret("G8 the attacker's padded JWT", t, GOV_DETECT_JWT);
	expect_value(t, GOV_DETECT_JWT);
	{
		char		h[128],
					p[128],
					jwt[512];

		b64url("{\"alg\":\"RS256\"}", h);	/* 20 characters: no padding */
		b64url("{\"sub\":\"bob\"}", p);	/* 18: padded with == */
		snprintf(jwt, sizeof(jwt), "Bearer %s.%s==.c2lnbmF0dXJl", h, p);
		expect_secret("G8 JWT payload padded ==", jwt, GOV_DETECT_JWT);
		b64url("{\"alg\":\"RS2\"}", h);	/* 18 */
		snprintf(jwt, sizeof(jwt), "Bearer %s==.%s==.c2lnbmF0dXJl", h, p);
		expect_secret("G8 JWT header and payload padded", jwt, GOV_DETECT_JWT);
		snprintf(jwt, sizeof(jwt), "Bearer %s=.%s==.c2lnbmF0dXJl", h, p);
		expect_secret("G8 JWT with padding that does not fill a quad", jwt, GOV_DETECT_NONE);
	}

	/* Azure account keys as settings */
	random_run(r, 86, B64, 903);
	{
		static const char *const fmts[] = {
			"AccountKey: %s==\n", "AccountKey = %s==\n", "AccountKey =%s==\n",
			"{\"AccountKey\": \"%s==\"}", "{\"AccountKey\":\"%s==\"}",
			"{\"accountKey\": \"%s==\"}", "AccountKey='%s=='",
			"{\"c\": \"{\\\"AccountKey\\\": \\\"%s==\\\"}\"}",
		};

		for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		{
			snprintf(t, sizeof(t), fmts[i], r);
			snprintf(name, sizeof(name), "G8 Azure account key, form %zu", i);
			expect_secret(name, t, GOV_DETECT_AZURE_KEY);
		}
	}
	snprintf(t, sizeof(t), "AccountKey: %.80s==", r);
	expect_secret("G8 AccountKey: with 82 characters", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "AccountKeys: %s==", r);
	expect_secret("G8 AccountKeys: is another name", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "MyAccountKey: %s==", r);
	expect_secret("G8 MyAccountKey: is another name", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "AccountKey: see below\n%s==", r);
	expect_secret("G8 AccountKey: then words", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "AccountKey == %s==", r);
	expect_secret("G8 AccountKey with two =", t, GOV_DETECT_NONE);
	random_run(r, 43, B64, 905);
	snprintf(t, sizeof(t), "SharedAccessKey: %s=", r);
	expect_secret("G8 SharedAccessKey: (YAML)", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "{\"SharedAccessKey\": \"%s=\"}", r);
	expect_secret("G8 SharedAccessKey in JSON", t, GOV_DETECT_AZURE_KEY);
	expect_secret("G8 camelCase names in prose", "the secretKey, accessKey and hotKey fields; "
				  "AccountKey: none; tKey sKey", GOV_DETECT_NONE);
}

/* G9: a private key in base64, at each alignment and wrapping. */
static void
test_pem_base64(void)
{
	static const char *const leads[] = {"", "\n", "x\n"};
	static const char *const types[] = {"", "RSA ", "EC "};
	char		lines[PEM_LINES][80],
				pem[8192],
				b64[2048],
				t[4096],
				u[8300],
				name[128];

	for (size_t a = 0; a < 3; a++)
		for (size_t w = 0; w < 3; w++)
		{
			int			wrap = w == 0 ? 0 : w == 1 ? 76 : 64;

			pem_lines(lines, types[a], 900 + (unsigned) (a * 3 + w));
			join_lines(t, lines, 0, PEM_LINES, "", "", "\n");
			snprintf(pem, sizeof(pem), "%s%s\n", leads[a], t);
			b64std(pem, strlen(pem), b64, wrap);
			snprintf(t, sizeof(t), "users:\n- name: admin\n  user:\n    client-key-data: %s\n", b64);
			snprintf(name, sizeof(name), "G9 base64 PEM, alignment %zu, wrapped at %d", a, wrap);
			expect_secret(name, t, GOV_DETECT_PRIVATE_KEY);
		}
	pem_lines(lines, "RSA ", 930);
	join_lines(t, lines, 0, PEM_LINES, "", "", "\n");
	b64std(t, strlen(t), b64, 0);
	expect_value(b64, GOV_DETECT_PRIVATE_KEY);
	snprintf(t, sizeof(t), "{\"data\": {\"tls.key\": \"%s\"}}", b64);
	expect_secret("G9 a Kubernetes TLS Secret as JSON", t, GOV_DETECT_PRIVATE_KEY);
	join_lines(t, lines, 0, PEM_LINES, "", "", "\n");
	b64std(t, strlen(t), b64, 76);
	replace_all(pem, b64, "\n", "\\n");
	snprintf(u, sizeof(u), "{\"tls.key\": \"%s\"}", pem);
	expect_secret("G9 base64 wrapped at 76 in JSON, its breaks escaped", u, GOV_DETECT_PRIVATE_KEY);
	/* not private keys */
	join_lines(t, lines, 0, PEM_LINES, "", "", "\n");
	replace_all(pem, t, "RSA PRIVATE KEY", "CERTIFICATE");
	b64std(pem, strlen(pem), b64, 0);
	snprintf(t, sizeof(t), "certificate-authority-data: %s", b64);
	expect_secret("G9 base64 of a certificate", t, GOV_DETECT_NONE);
	strcpy(pem, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
	b64std(pem, strlen(pem), b64, 0);
	expect_secret("G9 base64 of a header alone", b64, GOV_DETECT_NONE);
	strcpy(pem, "---------- a ruler of dashes ----------");
	b64std(pem, strlen(pem), b64, 0);
	expect_secret("G9 base64 of dashes and prose", b64, GOV_DETECT_NONE);
	expect_secret("G9 LS0t in a word", "the LS0t shipment and LS0tLS0t codes", GOV_DETECT_NONE);
}

/* G10: card numbers with Unicode separators and digits. */
static void
test_card_unicode(void)
{
	static const char *const found[] = {
		"4111\xe2\x80\x93" "1111\xe2\x80\x93" "1111\xe2\x80\x93" "1111",	/* en dash */
		"4111\xe2\x80\x94" "1111\xe2\x80\x94" "1111\xe2\x80\x94" "1111",	/* em dash */
		"4111\xe2\x88\x92" "1111\xe2\x88\x92" "1111\xe2\x88\x92" "1111",	/* minus sign */
		"4111\xe2\x80\x90" "1111\xe2\x80\x90" "1111\xe2\x80\x90" "1111",	/* hyphen */
		"4111 \xe2\x80\x93 1111 \xe2\x80\x93 1111 \xe2\x80\x93 1111",	/* " – " */
		"4111\xe2\x80\x8b" "1111\xe2\x80\x8b" "1111\xe2\x80\x8b" "1111",	/* zero-width space */
		"4111\xc2\xad" "1111\xc2\xad" "1111\xc2\xad" "1111",	/* soft hyphen */
		"4111\xe2\x81\xa0" "1111\xe2\x81\xa0" "1111\xe2\x81\xa0" "1111",	/* word joiner */
		/* dots and the rest an outside attack tried (round 25, M1) */
		"4111\xc2\xb7" "1111\xc2\xb7" "1111\xc2\xb7" "1111",	/* middle dot */
		"4111\xe2\x80\xa4" "1111\xe2\x80\xa4" "1111\xe2\x80\xa4" "1111",	/* one dot leader */
		"4111\xe2\x80\xa7" "1111\xe2\x80\xa7" "1111\xe2\x80\xa7" "1111",	/* hyphenation point */
		"4111\xe2\x8b\x85" "1111\xe2\x8b\x85" "1111\xe2\x8b\x85" "1111",	/* dot operator */
		"4111\xe2\xb8\xba" "1111\xe2\xb8\xba" "1111\xe2\xb8\xba" "1111",	/* two-em dash */
		"4111\xe3\x83\xbb" "1111\xe3\x83\xbb" "1111\xe3\x83\xbb" "1111",	/* katakana middle dot */
		"4111\xef\xbd\xa5" "1111\xef\xbd\xa5" "1111\xef\xbd\xa5" "1111",	/* halfwidth katakana middle dot */
		"4111\xe2\x80\xa2" "1111\xe2\x80\xa2" "1111\xe2\x80\xa2" "1111",	/* bullet */
		"4111\xe1\xa0\x8e" "1111\xe1\xa0\x8e" "1111\xe1\xa0\x8e" "1111",	/* Mongolian vowel separator */
		"4111_1111_1111_1111", "card_4111_1111_1111_1111",
		"4111&#8211;1111&#8211;1111&#8211;1111", "{\"n\":\"4111\\u20131111\\u20131111\\u20131111\"}",
		"q=4111%E2%80%931111%E2%80%931111%E2%80%931111", "4111&#xAD;1111&#xad;1111&#173;1111",
		/* fullwidth digits, bare and with fullwidth or ideographic separators */
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",
		"\xe3\x82\xab\xe3\x83\xbc\xe3\x83\x89\xef\xbc\x9a"	/* カード： */
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x8d\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x8d\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x8d\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xe3\x80\x80\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91\xe3\x80\x80\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xe3\x80\x80\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91 1111 1111 1111",	/* mixed */
		/* round 31: slashes, underscores, CJK dashes and stops */
		"4111\xef\xbc\x8f" "1111\xef\xbc\x8f" "1111\xef\xbc\x8f" "1111",	/* fullwidth solidus */
		"4111\xe2\x88\x95" "1111\xe2\x88\x95" "1111\xe2\x88\x95" "1111",	/* division slash */
		"4111\xe2\x81\x84" "1111\xe2\x81\x84" "1111\xe2\x81\x84" "1111",	/* fraction slash */
		"4111\xef\xbc\xbf" "1111\xef\xbc\xbf" "1111\xef\xbc\xbf" "1111",	/* fullwidth low line */
		"4111\xe3\x83\xbc" "1111\xe3\x83\xbc" "1111\xe3\x83\xbc" "1111",	/* prolonged sound mark */
		"4111\xe2\x94\x80" "1111\xe2\x94\x80" "1111\xe2\x94\x80" "1111",	/* box drawing light horizontal */
		"4111\xe2\x94\x81" "1111\xe2\x94\x81" "1111\xe2\x94\x81" "1111",	/* box drawing heavy horizontal */
		"4111\xe3\x80\x82" "1111\xe3\x80\x82" "1111\xe3\x80\x82" "1111",	/* ideographic full stop */
		"4111\xef\xbd\xa1" "1111\xef\xbd\xa1" "1111\xef\xbd\xa1" "1111",	/* halfwidth ideographic full stop */
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x8f\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x8f\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x8f\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",	/* fullwidth digits and solidus */
	};
	static const char *const quiet[] = {
		"2024\xe2\x80\x93" "2025 and 1999\xe2\x80\x93" "2003", "pages 4111\xe2\x80\x93" "4119",
		"4111\xe2\x80\x93" "1111\xe2\x80\x93" "1111\xe2\x80\x93" "1112",	/* Luhn fails */
		"4111_1111_1111_1112", "v4111_1111_1111_1111", "4111_1111_1111_1111x",
		"4111\n1111\n1111\n1111",
		/* ２０２４年１２月３１日, a fullwidth number failing Luhn, one after a letter */
		"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94\xe5\xb9\xb4\xef\xbc\x91\xef\xbc\x92\xe6\x9c\x88"
		"\xef\xbc\x93\xef\xbc\x91\xe6\x97\xa5",
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x92",
		"\xef\xbc\xa1\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
		"\xef\xbc\x91",
		"file_2024_0101_1200_0000.log", "snake_case_1234_5678",
	};

	expect_each("G10 card with Unicode", found, LENGTH(found), false, GOV_DETECT_CARD);
	expect_each("G10 not a card", quiet, LENGTH(quiet), false, GOV_DETECT_NONE);
}

/*
 * Round 28, finding 1: a card that mixes ASCII and fullwidth digits
 * (gov_card_run() reads either), which the pre-filter's digit rule, once
 * of one width, never handed on.  Each at offsets around the vector
 * blocks' boundaries.
 */
#define FW1 "\xef\xbc\x91"
#define FW4 "\xef\xbc\x94"
static void
test_card_mixed_widths(void)
{
	static const char *const found[] = {
		"pay 4111 - " FW1 FW1 FW1 FW1 " " FW1 FW1 FW1 FW1 " " FW1 FW1 FW1 FW1 " now",
		"pay " FW4 "111 1111 1111 1111 now",
		"pay " FW4 "111 " FW1 "111 " FW1 "111 " FW1 "111 now",
		"pay 4" FW1 "1" FW1 " 1" FW1 "1" FW1 " 1" FW1 "1" FW1 " 1" FW1 "1" FW1 " now",
		"pay 4111" FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 " now",
		"pay " FW4 FW1 FW1 FW1 "111111111111 now",
		"pay " FW4 FW1 FW1 "1111111111111 now",
		"pay 411" FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 " now",
	};
	static const char *const escaped[] = {
		/* a card after an escaped blank whose last hex digits are digits */
		"card:\\u00204111111111111111 end", "card:\\x204111111111111111 end",
		"{\"n\":\"\\u00204111 1111 1111 1111\"}", "s = 'x\\x204111-1111-1111-1111'",
		"card:\\u0020\\u00204111111111111111", "card:\\\\u00204111111111111111",
		/* after a point that follows an escaped dash, not a digit */
		"zz\\u2013\\u2013.4111\\u20131111\\u20131111\\u20131111 end",
	};
	static const char *const quiet[] = {
		/* Luhn fails; a date in mixed widths */
		"pay 4111 - " FW1 FW1 FW1 FW1 " " FW1 FW1 FW1 FW1 " " FW1 FW1 FW1 "\xef\xbc\x92 now",
		"2024" "\xe5\xb9\xb4" FW1 "2" "\xe6\x9c\x88",
	};

	expect_each("round 28: card in mixed widths", found, LENGTH(found), true, GOV_DETECT_CARD);
	expect_each("round 28: card after an escaped blank", escaped, LENGTH(escaped), true,
				GOV_DETECT_CARD);
	expect_each("round 28: not a card", quiet, LENGTH(quiet), false, GOV_DETECT_NONE);
}
#undef FW1
#undef FW4

/* G12: a PEM header's dashes escaped; escaped letters out of scope. */
static void
test_escaped_dashes(void)
{
	static const char *const dashes[] = {"\\u002d", "\\u002D", "\\\\u002d", "&#45;", "&#x2d;",
	"&#x2D;", "%2D", "%2d", "\\x2d"};
	char		lines[PEM_LINES][80],
				pem[8192],
				t[4096],
				u[8300],
				name[96];

	for (size_t i = 0; i < sizeof(dashes) / sizeof(dashes[0]); i++)
	{
		pem_lines(lines, i % 2 ? "RSA " : "", 950 + (unsigned) i);
		join_lines(pem, lines, 0, PEM_LINES, "", "", i < 3 ? "\\n" : "\n");
		replace_all(t, pem, "-", dashes[i]);
		snprintf(name, sizeof(name), "G12 PEM with its dashes as %s", dashes[i]);
		expect_secret(name, t, GOV_DETECT_PRIVATE_KEY);
	}
	/* the known miss of test/t/021: JSON whose dashes are \u002d */
	pem_lines(lines, "RSA ", 960);
	join_lines(pem, lines, 0, PEM_LINES, "", "", "\\n");
	replace_all(t, pem, "-", "\\u002d");
	snprintf(pem, sizeof(pem), "{\"key\": \"%s\"}", t);
	expect_secret("G12 PEM in JSON, dashes as \\u002d", pem, GOV_DETECT_PRIVATE_KEY);
	/* the attacker's HTML */
	pem_lines(lines, "RSA ", 961);
	join_lines(pem, lines, 1, 5, "", "", "\n");
	snprintf(u, sizeof(u), "&#45;&#45;&#45;&#45;&#45;BEGIN RSA PRIVATE KEY&#45;&#45;&#45;&#45;&#45;\n%s", pem);
	expect_secret("G12 the attacker's &#45; header", u, GOV_DETECT_PRIVATE_KEY);
	/* four dashes, escaped or not, are not a header */
	snprintf(u, sizeof(u), "&#45;&#45;&#45;&#45;BEGIN RSA PRIVATE KEY&#45;&#45;&#45;&#45;&#45;\n%s", pem);
	expect_secret("G12 four escaped dashes", u, GOV_DETECT_NONE);
	snprintf(u, sizeof(u), "----&#45;BEGIN RSA PRIVATE KEY-----\n%s", pem);
	expect_secret("G12 raw and escaped dashes mixed", u, GOV_DETECT_PRIVATE_KEY);
	expect_secret("G12 dBE, ;BE, DBE in text", "the dBEL scale; BEST DBE old-BE", GOV_DETECT_NONE);
	/*
	 * A letter escaped for no reason is a transformation, as reverse()
	 * is (docs/masking.md): no encoder a client decodes writes one.
	 */
	expect_secret("G12 an escaped letter is out of scope",
				  "{\"k\":\"\\u0041KIAQ3ZP7WXKD2LM4T6B\"}", GOV_DETECT_NONE);
}

/*
 * An AWS secret key written before its name (round 26, J3): a jsonb
 * object orders its keys by length, so {"variable": name, "value": key}
 * is read value first.
 */
static void
test_aws_value_first(void)
{
	static const char *const found[] = {
		"{\"value\": \"wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY\", \"variable\": \"AWS_SECRET_ACCESS_KEY\"}",
		"{\"secret\": \"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\", \"secret_name\": \"aws_secret_access_key\"}",
	};
	static const char *const quiet[] = {
		/* a commit hash (no upper case), a 41-byte run, too far, no name */
		"{\"value\": \"0123456789abcdef0123456789abcdef01234567\", \"variable\": \"AWS_SECRET_ACCESS_KEY\"}",
		"{\"value\": \"wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEYX\", \"variable\": \"AWS_SECRET_ACCESS_KEY\"}",
		"wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY and then forty-one more bytes of prose. aws_secret",
		"{\"value\": \"wJalrXUtnFEMI3K7MDENG9bPxRfiCYEXAMPLEKEY\", \"variable\": \"a secret of mine\"}",
		/* prose: a path or a CamelCase word before the name (round 27, K4) */
		"see src/include/governance/DetectKeysInternal.h then set aws_secret_access_key",
		"the ReallyLongCamelCaseIdentifierNumber42X is read before AWS_SECRET_ACCESS_KEY",
	};

	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++)
		expect_secret("J3 an AWS key before its name", found[i], GOV_DETECT_AWS_KEY);
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		expect_secret("J3 not an AWS key before its name", quiet[i], GOV_DETECT_NONE);
}
