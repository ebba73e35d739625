/*-------------------------------------------------------------------------
 *
 * test_detect_scan.c
 *	  The secret scan's cases of test_detect.c (included by it, which
 *	  owns the helpers and the counts): secrets wherever text carries
 *	  them, ordinary text that must stay quiet, and the scan's time
 *	  growing linearly on adversarial input.
 *
 * test/unit/test_detect_scan.c
 *
 *-------------------------------------------------------------------------
 */

/* A PEM private key of the given type ("RSA ", "" ...), lines joined by nl. */
static void
make_pem(char *out, const char *type, const char *nl, unsigned seed)
{
	char		line[65];

	sprintf(out, "-----BEGIN %sPRIVATE KEY-----%s", type, nl);
	for (int i = 0; i < 4; i++)
	{
		random_run(line, 64, B64, seed + i);
		strcat(out, line);
		strcat(out, nl);
	}
	sprintf(out + strlen(out), "-----END %sPRIVATE KEY-----", type);
}

/* s with every occurrence of from replaced by to. */
static void
replace_all(char *out, const char *s, const char *from, const char *to)
{
	size_t		fl = strlen(from),
				o = 0;

	while (*s)
	{
		if (strncmp(s, from, fl) == 0)
		{
			strcpy(out + o, to);
			o += strlen(to);
			s += fl;
		}
		else
			out[o++] = *s++;
	}
	out[o] = '\0';
}

/*
 * The vector pre-filter against its rule.  Every anchor pair
 * (gov_anchor_pair(), all 65,536 pairs tried) must pass the vector
 * loop's buckets, or a secret behind it would go unseen.  Then the
 * vector scan must agree with the scalar one on texts pieced together
 * at random from anchors, digit groups, separators, prefixes and whole
 * secrets, at lengths around the block sizes, each from an exact copy
 * (AddressSanitizer sees a read past the end).
 */
static void
test_scan_anchors(void)
{
	static const char *const pieces[] = {
		"4111", "1111", "2024", "12", "7", " ", "  ", "-", ".", "/", "\t", "_",
		"\\u00a0", "\xc2\xa0", "%C2%A0", "&nbsp;", "\xe2\x80\x93", "x", "zz", "\n",
		"ghp_", "gh", "github_pa", "t_", "xox", "b-", "xapp-", "glpat-", "gl", "rt-",
		"sk_live_", "sk-", "whsec_", "npm_", "SG.", "GR1348941", "AKIA", "akia",
		"asia", "ia", "eyJ", "ey", "ew", "ICA", "CSA", "Ci", "Iz", "AIza", "ya29.",
		"a2", "sig=", "g=", "hooks.slack.com", "k.c", "secret", "cr", "CR",
		"AccountKey=", "tKey", "-----BEGIN", "BE", "LS0t", "S0", "\xef\xbc\x94",
		"\xef\xbc", "aBcD", "Q2x5", "0123456789", "4111 1111 1111 1111",
		"AKIAIOSFODNN7EXAMPLE", "called the customer", "In Berlin", "#12345",
		"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "\xc3\xa9t\xc3\xa9",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	int			anchors = 0,
				missed = 0,
				texts = 0,
				disagree = 0,
				found = 0;
	unsigned	first_a = 0,
				first_b = 0;
	uint32_t	x = 0x2545F491u;
	char		t[512],
				where[80] = "";

	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			if (gov_anchor_pair((unsigned char) a, (unsigned char) b))
			{
				anchors++;
				if (!gov_scan_pair_passes((unsigned char) a, (unsigned char) b) && missed++ == 0)
				{
					first_a = a;
					first_b = b;
				}
			}
	check(anchors > 50 && missed == 0, "every anchor pair passes the vector buckets",
		  "%d anchor pairs, %d not passed (first %02x %02x)", anchors, missed, first_a, first_b);

	for (int i = 0; i < 20000; i++)
	{
		size_t		n = 0,
					want;
		char	   *c;
		GovDetector d,
					r;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		want = 1 + x % 140;
		while (n < want)
		{
			const char *piece;
			size_t		pl;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			piece = pieces[x % npieces];
			pl = strlen(piece);
			if (n + pl >= sizeof(t))
				break;
			memcpy(t + n, piece, pl);
			n += pl;
		}
		c = exact(t, n);
		d = governance_detect_secret(c, n);
		r = gov_detect_secret_scalar(c, n);
		free(c);
		texts++;
		found += (d != GOV_DETECT_NONE);
		if (d != r && disagree++ == 0)
			snprintf(where, sizeof(where), "%s vs %s on %.40s", governance_detector_name(d),
					 governance_detector_name(r), t);
	}
	check(disagree == 0 && found > 100 && found < texts,
		  "the vector scan agrees with the scalar one on random texts of anchors",
		  "%d texts, %d with a secret, %d disagree (%s)", texts, found, disagree, where);
}

/* Secrets wherever text carries them, and their near misses. */
static void
test_scan_finds(void)
{
	static const char *const types[] = {"", "RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED "};
	char		pem[1024],
				t[4096],
				u[4096],
				jwt[1024],
				r[256],
				card[32],
				g[48];
	static const int g4444[] = {4, 4, 4, 4, 0};
	static const int g465[] = {4, 6, 5, 0};

	/* PEM private keys, plain and as JSON or URLs carry them */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
	{
		make_pem(pem, types[i], "\n", (unsigned) i);
		snprintf(t, sizeof(t), "key follows:\n%s\nthanks", pem);
		expect_secret(types[i][0] ? types[i] : "PKCS#8", t, GOV_DETECT_PRIVATE_KEY);
	}
	make_pem(pem, "RSA ", "\\n", 1);
	snprintf(t, sizeof(t), "{\"name\": \"deploy\", \"key\": \"%s\"}", pem);
	expect_secret("PEM in JSON, \\n escaped", t, GOV_DETECT_PRIVATE_KEY);
	make_pem(pem, "", "\\r\\n", 2);
	expect_secret("PEM with \\r\\n escaped", pem, GOV_DETECT_PRIVATE_KEY);
	make_pem(pem, "", "\\\\n", 3);
	expect_secret("PEM in JSON inside JSON (\\\\n)", pem, GOV_DETECT_PRIVATE_KEY);
	make_pem(pem, "", "%0A", 4);
	replace_all(t, pem, " ", "%20");
	replace_all(u, t, "+", "%2B");
	replace_all(t, u, "/", "%2F");
	expect_secret("PEM percent-encoded", t, GOV_DETECT_PRIVATE_KEY);
	make_pem(pem, "EC ", "\\n", 5);
	replace_all(t, pem, "/", "\\/");
	replace_all(u, t, "+", "\\u002B");
	expect_secret("PEM with \\/ and \\u002B escapes", u, GOV_DETECT_PRIVATE_KEY);
	make_pem(pem, "", "\r\n", 6);
	expect_secret("PEM with CRLF", pem, GOV_DETECT_PRIVATE_KEY);
	snprintf(t, sizeof(t), "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
			 "DEK-Info: AES-128-CBC,0123456789ABCDEF\n\n%s", pem + 28);
	expect_secret("encrypted PEM with headers", t, GOV_DETECT_PRIVATE_KEY);
	/* not private keys */
	make_pem(pem, "", "\n", 7);
	replace_all(t, pem, "PRIVATE", "PUBLIC");
	expect_secret("PEM public key", t, GOV_DETECT_NONE);
	replace_all(t, pem, "PRIVATE KEY", "CERTIFICATE");
	expect_secret("PEM certificate", t, GOV_DETECT_NONE);
	expect_secret("PEM header alone", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----",
				  GOV_DETECT_NONE);
	expect_secret("PEM with a short body", "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBg\n-----END",
				  GOV_DETECT_NONE);
	expect_secret("PEM header in prose", "write -----BEGIN PRIVATE KEY----- then the body",
				  GOV_DETECT_NONE);

	/* JWTs */
	make_jwt(jwt, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"sub\":\"1234567890\",\"iat\":1516239022}",
			 "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
	snprintf(t, sizeof(t), "Authorization: Bearer %s", jwt);
	expect_secret("JWT after Bearer", t, GOV_DETECT_JWT);
	snprintf(t, sizeof(t), "https://app.example/cb?state=x&id_token=%s&x=1", jwt);
	expect_secret("JWT in a URL query", t, GOV_DETECT_JWT);
	snprintf(t, sizeof(t), "https://app.example/cb?h=Bearer%%20%s", jwt);
	expect_secret("JWT after %20", t, GOV_DETECT_JWT);
	snprintf(t, sizeof(t), "{\"headers\":{\"authorization\":\"Bearer %s\"}}", jwt);
	expect_secret("JWT in JSON", t, GOV_DETECT_JWT);
	snprintf(t, sizeof(t), "token:\\n%s", jwt);
	expect_secret("JWT after an escaped line break", t, GOV_DETECT_JWT);
	snprintf(t, sizeof(t), "x%s", jwt);
	expect_secret("JWT inside a longer run", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "eyJnotjson.eyJ%s", jwt);
	expect_secret("JWT after a failed candidate", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "eyJnotjson. %s", jwt);
	expect_secret("JWT after a failed candidate and a blank", t, GOV_DETECT_JWT);
	make_jwt(jwt, "{\"typ\":\"JWT\"}", "{\"sub\":\"1\"}", "abcd");
	expect_secret("JWT-shaped without alg", jwt, GOV_DETECT_NONE);
	make_pem(pem, "RSA ", "\n", 9);
	snprintf(t, sizeof(t), "eyJ%s", pem);
	expect_secret("PEM after eyJ, inside one base64url run", t, GOV_DETECT_PRIVATE_KEY);
	snprintf(t, sizeof(t), "eyJhbGciOi_aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	expect_secret("AWS secret after eyJ, inside one base64url run", t, GOV_DETECT_AWS_KEY);

	/* cloud keys */
	expect_secret("AWS key id in prose", "the key AKIAIOSFODNN7EXAMPLE was leaked", GOV_DETECT_AWS_KEY);
	expect_secret("AWS key id in JSON", "{\"AccessKeyId\":\"ASIAY34FZKBOKMUTVV7A\"}", GOV_DETECT_AWS_KEY);
	expect_secret("AWS key id inside a longer run", "xAKIAIOSFODNN7EXAMPLE", GOV_DETECT_NONE);
	expect_secret("AWS key id followed by more", "AKIAIOSFODNN7EXAMPLEX", GOV_DETECT_NONE);
	expect_secret("AWS key id with lower case", "AKIAiosfodnn7example", GOV_DETECT_NONE);
	expect_secret("AWS secret after its name",
				  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", GOV_DETECT_AWS_KEY);
	expect_secret("AWS secret in env form",
				  "export AWS_SECRET_ACCESS_KEY=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
				  GOV_DETECT_AWS_KEY);
	expect_secret("AWS secret in JSON",
				  "{\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}", GOV_DETECT_AWS_KEY);
	expect_secret("40 bytes without context",
				  "value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", GOV_DETECT_NONE);
	expect_secret("AWS context with a 39-byte value",
				  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", GOV_DETECT_NONE);
	expect_secret("AWS context, value too far",
				  "aws_secret: see the vault entry named production at the usual place for it "
				  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", GOV_DETECT_NONE);
	random_run(r, 35, B64URL, 21);
	snprintf(t, sizeof(t), "maps key=AIza%s&q=berlin", r);
	expect_secret("GCP API key in a URL", t, GOV_DETECT_GCP_KEY);
	snprintf(t, sizeof(t), "maps key=AIza%s1", r);
	expect_secret("GCP API key one byte too long", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "Authorization: Bearer ya29.%s%s", r, r);
	expect_secret("GCP OAuth token", t, GOV_DETECT_GCP_KEY);
	random_run(r, 86, B64, 23);
	snprintf(t, sizeof(t), "conn=DefaultEndpointsProtocol=https;AccountName=a;AccountKey=%s==;", r);
	expect_secret("Azure storage connection string", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "AccountKey=%.80s==", r);
	expect_secret("Azure account key too short", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=R;"
			 "SharedAccessKey=%.43s=", r);
	expect_secret("Azure shared access key", t, GOV_DETECT_AZURE_KEY);
	random_run(r, 40, B62, 25);
	snprintf(t, sizeof(t), "https://a.blob.core.windows.net/c/f?sv=2021-08-06&se=2030-01-01&sp=r"
			 "&sig=%.20s%%2B%.10s%%2F%.10s%%3D", r, r + 20, r + 30);
	expect_secret("Azure SAS URL", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "https://example.com/?sig=%.20s%%2B%.10s%%2F%.10s%%3D", r, r + 20, r + 30);
	expect_secret("sig= without sv= or se=", t, GOV_DETECT_NONE);

	/* vendor tokens */
	random_run(r, 36, B62, 27);
	snprintf(t, sizeof(t), "git clone https://ghp_%s@github.com/o/r", r);
	expect_secret("GitHub token in a URL", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "GITHUB_TOKEN=github_pat_%.22s_%s", r, r);
	expect_secret("GitHub fine-grained token", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "slack: xoxb-1234567890-%.24s.", r);
	expect_secret("Slack token", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "{\"stripe\":\"sk_live_%.24s\"}", r);
	expect_secret("Stripe live key", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "{\"stripe\":\"sk_test_%.24s\"}", r);
	expect_secret("Stripe test key", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "OPENAI_API_KEY=sk-%s%.12s", r, r);
	expect_secret("OpenAI-style key", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "token glpat-%.20s ok", r);
	expect_secret("GitLab token", t, GOV_DETECT_TOKEN);
	expect_secret("ghp_ too short", "see ghp_abc123 for details", GOV_DETECT_NONE);

	/* card numbers */
	make_card(card, "4", 16);
	group(g, card, g4444, ' ');
	snprintf(t, sizeof(t), "Please charge card %s for the order.", g);
	expect_secret("card with spaces in prose", t, GOV_DETECT_CARD);
	group(g, card, g4444, '-');
	snprintf(t, sizeof(t), "{\"payment\":{\"number\":\"%s\",\"exp\":\"12/27\"}}", g);
	expect_secret("card with dashes in JSON", t, GOV_DETECT_CARD);
	snprintf(t, sizeof(t), "pan=%s;", card);
	expect_secret("bare card", t, GOV_DETECT_CARD);
	snprintf(t, sizeof(t), "{\"n\": %s}", card);
	expect_secret("card as a JSON number", t, GOV_DETECT_CARD);
	snprintf(t, sizeof(t), "2024-01-15 %s", g);
	expect_secret("card after a date", t, GOV_DETECT_CARD);
	group(g, card, g4444, ' ');
	snprintf(t, sizeof(t), "%s 12/27", g);
	expect_secret("card before its expiry", t, GOV_DETECT_CARD);
	make_card(card, "37", 15);
	group(g, card, g465, ' ');
	snprintf(t, sizeof(t), "amex: %s.", g);
	expect_secret("Amex 4-6-5", t, GOV_DETECT_CARD);
	luhn_off(u, card);
	group(g, u, g465, ' ');
	snprintf(t, sizeof(t), "amex: %s.", g);
	expect_secret("Amex off by one", t, GOV_DETECT_NONE);
	make_card(card, "5", 16);
	card[1] = '5';
	make_card(card, "55", 16);
	snprintf(t, sizeof(t), "mc\\n%s\\n", card);
	expect_secret("card between escaped line breaks", t, GOV_DETECT_CARD);
	make_card(card, "4", 16);
	group(g, card, g4444, ' ');
	g[9] = '-';
	snprintf(t, sizeof(t), "card %s", g);
	expect_secret("card with mixed separators", t, GOV_DETECT_CARD);
	snprintf(t, sizeof(t), "x%s", card);
	expect_secret("card digits after a letter", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "0.%s", card);
	expect_secret("card digits as a fraction", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "%s.50 EUR", card);
	expect_secret("card digits as an amount", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "+%s", card);
	expect_secret("16 card digits after + (no phone has 16)", t, GOV_DETECT_CARD);
	make_card(u, "37", 15);
	snprintf(t, sizeof(t), "tel +%.20s", u);
	expect_secret("15 digits after +: an E.164 phone", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "%s7", card);
	expect_secret("card inside 17 digits", t, GOV_DETECT_NONE);
}

/* Ordinary text, ids, amounts, dates: the scan must stay quiet. */
static void
test_scan_quiet(void)
{
	static const char *const quiet[] = {
		"The quarterly report shows revenue grew by 12% to $4,512,000.00 in 2024.",
		"Meeting moved to Friday 2024-03-15 at 10:30; please confirm by e-mail.",
		"Order 1234567890123 shipped on 2024-01-15T10:30:00.000Z to Berlin.",
		"Invoice #100000000000001 and #100000000000002 are overdue.",
		"Call me at +1 (555) 123-4567 or +44 20 7946 0958 tomorrow.",
		"550e8400-e29b-41d4-a716-446655440000,2024-01-15T10:30:00Z,42.50,shipped",
		"id,uuid,created_at,amount\n1,123e4567-e89b-12d3-a456-426614174000,2023-11-30 23:59:59+01,19.99\n",
		"{\"id\": 12345, \"user\": {\"name\": \"Ann\", \"tags\": [\"a\", \"b\"]}, "
		"\"created_at\": \"2024-01-15T10:30:00Z\", \"total\": 99.95, \"items\": []}",
		"{\"secret_santa\": true, \"description\": \"Secretary of the society\"}",
		"Die Lieferung erfolgt am Montag; bitte halten Sie die Rechnung bereit.",
		"Estimado cliente, su pedido fue enviado ayer y llegara el viernes.",
		"Sehr geehrte Damen und Herren, anbei erhalten Sie das Angebot Nr. 2024-0815.",
		"La cuenta bancaria termina en 1234; gracias por su pago de 150,00 EUR.",
		"AREA 51 and ASIA are AGAIN in the news; the IDEA is ALPHA.",
		"sk_test_4eC39HqLyjWDarjtT1zdp7dc is a test key from the docs",
		"a task-based desk-top risk_ranking with skip-list and bank_code",
		"ghost_town xoxo playa signal sig=1 ya2 Izmir",
		"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END",
		"eyJ is how base64 of {\" begins; eyJhbGciOiJIUzI1NiJ9 alone is a header.",
		"secret: hunter2", "the AWS secret is in the vault",
		"timestamps 1700000000000 1700000000001 1700000000002",
		"ISBN 978-3-16-148410-0, EAN 4006381333931, IMEI 35-209900-176148-1",
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
		"/usr/local/pgsql/data/base/16384/2619_fsm, /var/log/syslog.1",
		"SELECT * FROM t WHERE id IN (1,2,3) AND created_at > now() - interval '1 day'",
		"1234 5678 9012 3456",	/* Luhn fails */
		"5105 1051 0510 5101",	/* Luhn fails (one off) */
	};

	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
	{
		char		name[120];

		snprintf(name, sizeof(name), "quiet text %zu", i + 1);
		expect_secret(name, quiet[i], GOV_DETECT_NONE);
	}
	/* order numbers of 13-19 digits that fail Luhn, with an issuer prefix */
	for (int len = 13; len <= 19; len++)
	{
		char		card[32],
					off[32],
					t[64],
					name[80];

		make_card(card, "4", len);
		luhn_off(off, card);
		snprintf(t, sizeof(t), "order %s shipped", off);
		snprintf(name, sizeof(name), "order number of %d digits failing Luhn", len);
		expect_secret(name, t, GOV_DETECT_NONE);
	}
}

/* CPU seconds of the scan on the pattern repeated to n bytes, best of 2. */
static double
time_scan(const char *pattern, size_t n, GovDetector *got)
{
	char	   *buf = malloc(n);
	size_t		pl = strlen(pattern);
	double		best = 1e30;

	for (size_t i = 0; i < n; i++)
		buf[i] = pattern[i % pl];
	for (int r = 0; r < 2; r++)
	{
		struct timespec a,
					b;
		double		t;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		*got = governance_detect_secret(buf, n);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		t = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
		if (t < best)
			best = t;
	}
	free(buf);
	return best;
}

/*
 * The scan's time on adversarial input: every trigger repeated to 4 MB
 * and to 16 MB must take about four times as long, not sixteen.
 */
static void
test_scan_linear(void)
{
	static const char *const patterns[] = {
		"-----BEGIN ", "-----BEGIN PRIVATE KEY-----", "eyJ", "eyJhbGciOiJub25lIn0..",
		"eyJ.", "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEyMzQ1Njc4OTAifQ.AAAA.", "0123456789", "4111 ", "4111-", "AKIA", "AKIAAKIAAKIAAKIAAKI ",
		"AIza", "ya29.", "AccountKey=", "SharedAccessKey=", "sig=", "&sig=abcd%2B",
		"sv=1&", "ghp_", "github_pat_!", "xoxb-", "sk_live_", "sk-", "glpat-!",
		"secret_access_key=", "aws_secret ", "SecretAccessKey ", "crat",
		"-----BEGIN PRIVATE KEY-----\\n", "\\u002B", "%2F",
		/* the triggers and decodings added for attack 15 */
		"&#", "&#13;", "&#x0d;", "&nbsp;", "\\u", "\\u00a0", "\\uD83D", "\\\\\\\\", "%2",
		"%C2%A0", "<br>", "<br/>", "&lt;br&gt;", "e y", "eyA", "ewo", "ICB", "CSQ", "DQp",
		"eyAiYWxnIjoi", "IHsiYWxnIjoiUlMyNTYifQ.x.", "4111&nbsp;", "4111\\u00a0", "4111\xc2\xa0",
		"4111 ", "4111.", "4111 - ", "ref-4111", "1234 5678 ",
		"-----BEGIN PRIVATE KEY-----<br>", "-----BEGIN PRIVATE KEY-----&#x0d;",
		"-----BEGIN A B C ", "-----BEGIN PRIVATE KEY-----</p><p>",
		"aws_secret\\/", "aws_secret_access_key\\u002F", "secret&#47;",
		"AccountKey%3D", "AccountKey\\u003d", "AccountKey&#61;", "sig=%2B",
		"hooks.slack.com/services/", "hooks.slack.com\\/services\\/T", "akia", "akiaq3zp7wxkd2lm4t6",
		"SG.", "whsec_", "npm_", "xapp-",
		/* the triggers and rules added for attack 24 */
		"dBE", ";BE", "DBE", "&#45;BEGIN ", "\\u002dBEGIN PRIVATE KEY",
		"&#45;&#45;&#45;&#45;&#45;BEGIN PRIVATE KEY&#45;&#45;&#45;&#45;&#45;",
		"-----BEGIN PRIVATE KEY-----\\n\" +\n\"MIIEowIBAAKCAQ",
		"-----BEGIN PRIVATE KEY-----\n> ", "-----BEGIN PRIVATE KEY-----\",\"",
		"-----BEGIN PRIVATE KEY-----\nAbcdefghijklmnopqrstuvwxyz\n",
		"-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8m\n",
		"LS0t", "LS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0t ",
		"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t",
		"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV=",
		"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUVvd0lCQUFLQ0FRRUF1\n",
		"tKey", "AccountKey: ", "AccountKey = \"", "\"AccountKey\":\"", "SharedAccessKey: ",
		"glrt-!", "gldt-!", "glsoat-!", "GR1348941!", "GR13", "xoxe-", "xoxe.xoxp-",
		"eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ..",
		"eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ..a.b.",
		"eyJhbGciOiJIUzI1NiJ9=.", "eyJhbGciOiJIUzI1NiJ9.e30=!", "eyJ=.",
		"4111_", "4111 _", "4111\xe2\x80\x93", "4111\xc2\xad", "4111&#8211;",
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",
		"\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xe2\x80\x93",
		"\xef\xbc\x94", "\\x2d", "\\x2dBEGIN",
	};

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
	{
		GovDetector d1 = GOV_DETECT_NONE,
					d2 = GOV_DETECT_NONE;
		double		small = 0,
					large = 0;
		bool		ok = false;
		char		name[120];

		/*
		 * Up to three tries, against a noisy neighbour on the machine: a
		 * quadratic scan fails every one (16 times the time, not 4).  A
		 * floor of 1 ms keeps timer noise out of the ratio.
		 */
		for (int attempt = 0; attempt < 3 && !ok; attempt++)
		{
			small = time_scan(patterns[i], 4u << 20, &d1);
			large = time_scan(patterns[i], 16u << 20, &d2);
			ok = large < 8 * (small > 1e-3 ? small : 1e-3);
		}
		snprintf(name, sizeof(name), "linear on \"%s\" repeated (4 MB %.1f ms, 16 MB %.1f ms)",
				 patterns[i], small * 1e3, large * 1e3);
		for (char *c = name; *c; c++)
			if ((unsigned char) *c < ' ')
				*c = '.';
		check(ok && d1 == GOV_DETECT_NONE && d2 == GOV_DETECT_NONE, name,
			  "ratio %.1f, found %s", large / (small > 0 ? small : 1e-9),
			  governance_detector_name(d2));
	}
}
