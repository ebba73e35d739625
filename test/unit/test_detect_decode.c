/*-------------------------------------------------------------------------
 *
 * test_detect_decode.c
 *	  Cases of test_detect.c (included by it, which owns the helpers and
 *	  the counts) for the classes an outside attack found the scan
 *	  missing (attack 15, F1 F2 F4 F5 F7 F15): each finding's own case,
 *	  then more of its class, then what must stay quiet beside it.
 *
 *	F1	a JWT whose JSON begins with blanks, before or after its '{':
 *		found by its structure, not one spelling of its first bytes.
 *	F2	secrets written through escapes a client decodes (JSON "\/",
 *		"\u002F", percent-encoding, character references): every check
 *		reads the text as the client does.
 *	F3	every way of writing an AWS secret key beside its name.
 *	F4	card numbers with any kind of space, dots, tabs, slashes, mixed
 *		separators, joined to a word by a dash.
 *	F5	PEM private keys laid out in markup or with entity-encoded line
 *		breaks; any kind named in the header.
 *	F7	AWS key ids folded to lower case (a tsvector).
 *	F15	Slack app tokens and webhook URLs, Stripe webhook secrets, npm
 *		and SendGrid keys, GitHub's other token kinds.
 *
 * test/unit/test_detect_decode.c
 *
 *-------------------------------------------------------------------------
 */

#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/* F1: JWTs whose header and payload JSON begin with blanks. */
static void
test_jwt_blanks(void)
{
	static const char *const headers[] = {
		"{ \"alg\":\"RS256\"}", "{\n\"alg\":\"RS256\"}", "{\t\"alg\":\"RS256\"}",
		"{\r\n\"alg\":\"RS256\"}", "{  \"alg\": \"RS256\" }", " {\"alg\":\"RS256\"}",
		"\t{\"alg\":\"RS256\"}", "\n{\"alg\":\"RS256\"}", "\r\n{\"alg\":\"RS256\"}",
		"  {\"alg\":\"RS256\"}", "\n\n{ \"alg\":\"RS256\"}", " \t {\"alg\":\"RS256\"}",
		"\r{\"alg\":\"RS256\"}", "{\"\\u0061lg\":\"x\",\"alg\":\"RS256\"}",
	};
	char		jwt[2048],
				name[96];

	/* the attacker's token, as test/tools/token --blank writes it */
	expect_secret("F1 token --blank in prose",
				  "use this token: IHsiYWxnIjoiUlMyNTYiLCJ0eXAiOiJKV1QifQ.IHsiaXNzIjoiaHR0cHM6"
				  "Ly9pZHAuZXhhbXBsZS5jb20iLCJzdWIiOiJhbGljZSJ9.weLClZvBwVME2qqENCuTBSdSa1PL4kJ9",
				  GOV_DETECT_JWT);
	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++)
	{
		make_jwt(jwt, headers[h], h % 2 ? " {\"sub\":\"alice\"}" : "{\n \"sub\": 1}",
				 "c2lnbmF0dXJl");
		snprintf(name, sizeof(name), "F1 JWT with blanks, header %zu [%.6s]", h, jwt);
		expect_secret_in(name, "use this token: %s, thanks", jwt, GOV_DETECT_JWT);
		expect_value(jwt, GOV_DETECT_JWT);
		snprintf(name, sizeof(name), "F1 JWT with blanks in JSON, header %zu", h);
		expect_secret_in(name, "{\"auth\":\"Bearer %s\"}", jwt, GOV_DETECT_JWT);
	}
	/* the same structure without a JWT's meaning */
	make_jwt(jwt, " [\"alg\"]", "{}", "c2ln");
	expect_secret_in("F1 blank then an array", "t %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, " {\"typ\":\"JWT\"}", " {}", "c2ln");
	expect_secret_in("F1 blank header without alg", "t %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, " x{\"alg\":\"HS256\"}", "{}", "c2ln");
	expect_secret_in("F1 blank then not JSON", "t %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, " {\"alg\":\"HS256\"}", " {\"a\":1", "c2ln");
	expect_secret_in("F1 payload cut short", "t %s", jwt, GOV_DETECT_NONE);
	expect_secret("F1 words that begin like base64 of blanks",
				  "ICAO, CSV, DSL, CA, DQ, CX and IHS; eyes, keyword, ewok, newly.", GOV_DETECT_NONE);
}

/* F2 and F3: AWS and Azure keys through escapes, beside their names. */
static void
test_escaped_keys(void)
{
	static const char *const forms[] = {
		/* F2: the attacker's case and its kin */
		"{\"aws_secret_access_key\":\"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEY\"}",
		"{\"aws_secret_access_key\":\"wJalrXUtnFEMI\\u002FK7MDENG\\u002fbPxRfiCYEXAMPLEKEY\"}",
		"{\"cfg\":\"{\\\"aws_secret_access_key\\\":\\\"wJalrXUtnFEMI\\\\\\/K7MDENG\\\\\\/bPxRfiCYEXAMPLEKEY\\\"}\"}",
		"https://x.example/?aws_secret_access_key=wJalrXUtnFEMI%2FK7MDENG%2fbPxRfiCYEXAMPLEKEY&x=1",
		"<td>aws_secret_access_key</td><td>wJalrXUtnFEMI&#47;K7MDENG&#x2F;bPxRfiCYEXAMPLEKEY</td>",
		"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\\n",
		"{\"aws_secret_access_key\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\\nnext\"}",
		/* F3: every way of writing a name and its value */
		"{\"aws_secret_access_key\": \"" AWS_SECRET "\"}",
		"aws_secret_access_key=" AWS_SECRET,
		"aws_secret_access_key: " AWS_SECRET,
		"AWS_SECRET_ACCESS_KEY='" AWS_SECRET "'",
		"default:\n  aws_secret_access_key:\n    " AWS_SECRET "\n",
		"export AWS_SECRET_ACCESS_KEY=" AWS_SECRET "\n",
		"[default]\naws_secret_access_key = " AWS_SECRET "\n",
		"{\\\"SecretAccessKey\\\": \\\"" AWS_SECRET "\\\"}",
		"SecretAccessKey&quot;: &quot;" AWS_SECRET "&quot;",
		"aws_secret_access_key%3D" "wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY",
	};
	char		t[1024],
				r[128],
				name[96];

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
	{
		snprintf(name, sizeof(name), "F2/F3 AWS secret key, form %zu", i);
		expect_secret(name, forms[i], GOV_DETECT_AWS_KEY);
	}
	/* one character short or long after decoding is not a key */
	expect_secret("F2 escaped AWS value of 39",
				  "{\"aws_secret_access_key\":\"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKE\"}",
				  GOV_DETECT_NONE);
	expect_secret("F2 escaped AWS value of 41",
				  "{\"aws_secret_access_key\":\"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEYY\"}",
				  GOV_DETECT_NONE);
	expect_secret("F2 escape that is not '/' or '+' ends the value",
				  "{\"aws_secret_access_key\":\"wJalrXUtnFEMI\\u0021K7MDENG\\/bPxRfiCYEXAMPLEKEY\"}",
				  GOV_DETECT_NONE);

	/* Azure: the attacker's account key, then '=' and padding escaped */
	t[0] = '\0';
	strcat(t, "{\"conn\":\"DefaultEndpointsProtocol=https;AccountKey=");
	for (int i = 0; i < 21; i++)
		strcat(t, "Ab1\\/");
	strcat(t, "Ab==\"}");
	expect_secret("F2 Azure account key with \\/", t, GOV_DETECT_AZURE_KEY);
	random_run(r, 86, B64, 71);
	snprintf(t, sizeof(t), "AccountName=a%%3BAccountKey%%3D%s%%3D%%3D%%3B", r);
	expect_secret("F2 Azure account key percent-encoded", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "{\"c\":\"AccountKey\\u003d%s\\u003d\\u003d\"}", r);
	expect_secret("F2 Azure account key with \\u003d", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "<c>AccountKey&#61;%s&#61;&#61;</c>", r);
	expect_secret("F2 Azure account key with &#61;", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "AccountKey=%.80s\\/==", r);
	expect_secret("F2 Azure account key too short after decoding", t, GOV_DETECT_NONE);
	random_run(r, 43, B64, 73);
	snprintf(t, sizeof(t), "SharedAccessKeyName=R;SharedAccessKey\\u003d%s\\u003d", r);
	expect_secret("F2 Azure shared access key with \\u003d", t, GOV_DETECT_AZURE_KEY);
	random_run(r, 43, B62, 75);
	snprintf(t, sizeof(t), "<a href=\"?sv=2022-11-02&amp;sig=%s&#x3D;&amp;se=1\">", r);
	expect_secret("F2 SAS in HTML with &amp; and &#x3D;", t, GOV_DETECT_AZURE_KEY);
}

/* F4: card numbers however people paste them. */
static void
test_card_layouts(void)
{
	static const char *const found[] = {
		"card 4111\xc2\xa0" "1111\xc2\xa0" "1111\xc2\xa0" "1111",	/* U+00A0 */
		"card 4111.1111.1111.1111", "card 4111  1111  1111  1111",
		"card\t4111\t1111\t1111\t1111", "ref-4111111111111111",
		"card 4111-1111 1111-1111",
		"card 4111\xe2\x80\xaf" "1111\xe2\x80\xaf" "1111\xe2\x80\xaf" "1111",	/* U+202F */
		"card 4111\xe2\x80\x87" "1111\xe2\x80\x87" "1111\xe2\x80\x87" "1111",	/* U+2007 */
		"card 4111&nbsp;1111&nbsp;1111&nbsp;1111", "card 4111&#160;1111&#xA0;1111&#8239;1111",
		"{\"card\":\"4111\\u00a01111\\u00a01111\\u00a01111\"}", "q=4111%C2%A01111%C2%A01111%C2%A01111",
		"q=4111%201111%201111%201111", "card 4111/1111/1111/1111", "card 4111 - 1111 - 1111 - 1111",
		"card 4111 .1111. 1111 .1111", "id_4111111111111111", "card#4111111111111111",
		"0000 0000 0000 0000 0000 4111 1111 1111 1111",	/* after a list */
		"2024.01.15 4111.1111.1111.1111", "4111 1111 1111 1111 12/27", "(4111 1111 1111 1111)",
		"-4111111111111111", "amex 3782 822463 10005", "mc 5555\xc2\xa0" "5555\xc2\xa0" "5555\xc2\xa0" "4444",
		"card:4111\xc2\xa0\xc2\xa0" "1111 1111 1111",
		/* lists and CSV fields (round 32): a comma before or after a run of more than three digits */
		"42,4111111111111111,2025-01-01", "id,card\n7,4111111111111111", "3,4111111111111111",
		"4111 1111 1111 1111,4111 1111 1111 1111", "1111,4111 1111 1111 1111",
		"4111111111111111,4012888888881881",
		/* round 33: a card before a short field (a CVV, an expiry, a count) */
		"alice,4111111111111111,123", "4111111111111111,12/27,123", "1,4111111111111111,123,12/27",
		"4111111111111111,1,2025-01-01", "bob,4111111111111111,7", "4111111111111111,50,42",
		"1,4111111111111111,5",
	};
	static const char *const quiet[] = {
		"x4111111111111111", "4111111111111111abc", "0.4111111111111111",
		"4111111111111111.50 EUR", "4111111111111111,50 EUR", "total 4111.11 1111.11 1111.11",
		"4111111111111111,500 EUR", "4111111111111111,5", "{4111111111111111,50}",
		"hosts 192.168.100.200 10.0.0.1 172.16.254.1", "call +1 555 123 4567 or +44 20 7946 0958",
		"dates 2024.01.15 2024.02.16 2024.03.17", "4111\n1111\n1111\n1111", "4111\r\n1111\r\n1111\r\n1111",
		"card 4111    1111    1111    1111",	/* four blanks: not one number */
		"float 0.6234567890123456 and 1.4111111111111111e-3",
		"4111 1111 1111 1112", "4111.1111.1111.1112", "ref-4111111111111112",
		"{4111,1111,1111,1111}", "ids 4111;1111;1111;1111",
		"version 4.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", "ISBN 978-3-16-148410-0, IMEI 35-209900-176148-1",
	};

	expect_each("F4 card laid out", found, LENGTH(found), false, GOV_DETECT_CARD);
	expect_each("F4 not a card", quiet, LENGTH(quiet), false, GOV_DETECT_NONE);
}

/* F5: PEM private keys in markup and with encoded line breaks. */
static void
test_pem_markup(void)
{
	static const char *const nls[] = {"<br>", "<br/>", "<br />", "<BR>", "&#x0d;\n", "&#x0D;&#x0A;",
		"&#13;&#10;", "&#10;", "\r\n", "</p><p>", "</div>\n<div>", "<br>\\n", "&lt;br&gt;",
	"\\u003cbr\\u003e", "%3Cbr%3E", "\xe2\x80\xa8"};
	static const char *const kinds[] = {"", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "DH ",
	"SSH2 ENCRYPTED "};
	char		pem[2048],
				t[4096],
				name[96];

	for (size_t i = 0; i < sizeof(nls) / sizeof(nls[0]); i++)
	{
		make_pem(pem, kinds[i % (sizeof(kinds) / sizeof(kinds[0]))], nls[i], 500 + (unsigned) i);
		snprintf(t, sizeof(t), "<html><body><p>key:<br>%s</p></body></html>", pem);
		snprintf(name, sizeof(name), "F5 PEM with line breaks as %zu", i);
		expect_secret(name, t, GOV_DETECT_PRIVATE_KEY);
	}
	/* what xmlelement() writes for a key with CRLF line ends */
	make_pem(pem, "RSA ", "&#x0D;\n", 600);
	snprintf(t, sizeof(t), "<key>%s</key>", pem);
	expect_secret("F5 PEM in xmlelement()", t, GOV_DETECT_PRIVATE_KEY);
	make_pem(pem, "", "<br>", 601);
	replace_all(t, pem, " ", "&nbsp;");
	expect_secret("F5 PEM header with &nbsp;", t, GOV_DETECT_PRIVATE_KEY);
	/* not keys */
	expect_secret("F5 header then prose in markup",
				  "-----BEGIN PRIVATE KEY-----<br><b>goes</b> here, then the body", GOV_DETECT_NONE);
	expect_secret("F5 header then a short body in markup",
				  "-----BEGIN PRIVATE KEY-----<br>MIIEowIBAAKCAQ<br>-----END PRIVATE KEY-----",
				  GOV_DETECT_NONE);
	make_pem(pem, "", "<br>", 602);
	replace_all(t, pem, "PRIVATE", "PUBLIC");
	expect_secret("F5 public key in markup", t, GOV_DETECT_NONE);
}

/* F7 and F15: more shapes of known secrets, and their near misses. */
static void
test_more_shapes(void)
{
	char		r[128],
				h[64],
				t[512];

	expect_secret("F7 AWS key id folded by a tsvector",
				  "'akiaq3zp7wxkd2lm4t6b':3 'build':6 'key':2", GOV_DETECT_AWS_KEY);
	expect_secret("F7 ASIA key id in lower case", "id asiay34fzkbokmutvv7a.", GOV_DETECT_AWS_KEY);
	expect_value("akiaq3zp7wxkd2lm4t6b", GOV_DETECT_AWS_KEY);
	expect_secret("F7 lower-case compound word", "asiapacificcustomers", GOV_DETECT_NONE);
	expect_secret("F7 mixed case is not a folded key", "akiaQ3zp7wxkd2lm4t6b", GOV_DETECT_NONE);
	expect_secret("F7 other prefixes stay upper case", "aroaq3zp7wxkd2lm4t6b", GOV_DETECT_NONE);

	random_run(r, 64, HEX, 81);
	snprintf(t, sizeof(t), "SLACK_APP_TOKEN=xapp-1-A0123456789-1234567890123-%s", r);
	expect_secret("F15 Slack app token", t, GOV_DETECT_TOKEN);
	random_run(r, 24, B62, 83);
	snprintf(t, sizeof(t), "post to https://hooks.slack.com/services/T0123ABCD/B0456EFGH/%s now", r);
	expect_secret("F15 Slack webhook URL", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "{\"url\":\"https:\\/\\/hooks.slack.com\\/services\\/T0123ABCD\\/B0456EFGH\\/%s\"}", r);
	expect_secret("F15 Slack webhook URL in JSON with \\/", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/%s", r);
	expect_value(t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/%.20s", r);
	expect_secret("F15 Slack webhook with a short secret", t, GOV_DETECT_NONE);
	expect_secret("F15 Slack docs URL", "see https://hooks.slack.com/ for details", GOV_DETECT_NONE);
	random_run(r, 32, B62, 85);
	snprintf(t, sizeof(t), "STRIPE_WEBHOOK_SECRET=whsec_%s", r);
	expect_secret("F15 Stripe webhook secret", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "pk_live_%s", r);
	expect_secret("F15 Stripe publishable key is public", t, GOV_DETECT_NONE);
	expect_secret("F15 whsec_ too short", "whsec_abc123", GOV_DETECT_NONE);
	random_run(r, 36, B62, 87);
	snprintf(t, sizeof(t), "//registry.npmjs.org/:_authToken=npm_%s", r);
	expect_secret("F15 npm token", t, GOV_DETECT_TOKEN);
	for (const char *k = "sur"; *k; k++)
	{
		snprintf(t, sizeof(t), "token gh%c_%s", *k, r);
		expect_secret("F15 GitHub ghs_/ghu_/ghr_ token", t, GOV_DETECT_TOKEN);
	}
	random_run(r, 22, B64URL, 89);
	random_run(h, 43, B64URL, 91);
	snprintf(t, sizeof(t), "SENDGRID_API_KEY=SG.%s.%s", r, h);
	expect_secret("F15 SendGrid key", t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "SG.%s.%.40s", r, h);
	expect_secret("F15 SendGrid shape too short", t, GOV_DETECT_NONE);
	random_run(r, 32, HEX, 93);
	snprintf(t, sizeof(t), "sid SK%s", r);
	expect_secret("F15 Twilio SK id is an identifier", t, GOV_DETECT_NONE);
	random_run(r, 40, B64URL, 95);
	snprintf(t, sizeof(t), "Bearer ya29.%s", r);
	expect_secret("F15 Google OAuth token", t, GOV_DETECT_GCP_KEY);
}
