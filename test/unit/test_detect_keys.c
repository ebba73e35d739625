/*-------------------------------------------------------------------------
 *
 * test_detect_keys.c
 *	  Systematic cases of test_detect.c for the detectors of keys and
 *	  tokens (included by it, which owns the helpers and the counts):
 *	  each shape generated in every variant the rule allows, then each
 *	  variant one step outside the rule, as a whole value and inside
 *	  text.
 *
 * test/unit/test_detect_keys.c
 *
 *-------------------------------------------------------------------------
 */

/* The scan of a text built from a format and one string. */
static void
expect_secret_in(const char *what, const char *fmt, const char *s, GovDetector want)
{
	char		t[4096];

	snprintf(t, sizeof(t), fmt, s);
	expect_secret(what, t, want);
}

/* AWS access key ids: every prefix, every way to leave the rule. */
static void
test_aws(void)
{
	static const char *const prefixes[] = {"AKIA", "ASIA", "AROA", "AIDA", "AGPA",
	"ANPA", "ANVA", "AIPA"};
	static const char *const not_prefixes[] = {"AKIB", "BKIA", "AXIA", "AKI", "ABIA"};
	static const char *const contexts[] = {"%s", "key=%s&x=1", "{\"k\":\"%s\"}",
	"id: %s.", "(%s)", "'%s'", "export ID=%s\n", "%%20%s"};
	static const char *const bad_contexts[] = {"x%s", "%sX", "9%s", "%s7", "%sab"};
	char		id[32],
				name[96];

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
	{
		snprintf(id, sizeof(id), "%sIOSFODNN7EXAMPL", prefixes[i]);
		id[20] = '\0';
		id[19] = 'E';
		expect_value(id, GOV_DETECT_AWS_KEY);
		for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++)
		{
			snprintf(name, sizeof(name), "AWS key id %s in context %zu", prefixes[i], c);
			expect_secret_in(name, contexts[c], id, GOV_DETECT_AWS_KEY);
		}
		for (size_t c = 0; c < sizeof(bad_contexts) / sizeof(bad_contexts[0]); c++)
		{
			snprintf(name, sizeof(name), "AWS key id %s inside a run %zu", prefixes[i], c);
			expect_secret_in(name, bad_contexts[c], id, GOV_DETECT_NONE);
		}
	}
	for (size_t i = 0; i < sizeof(not_prefixes) / sizeof(not_prefixes[0]); i++)
	{
		snprintf(id, sizeof(id), "%sIOSFODNN7EXAMPLE", not_prefixes[i]);
		expect_secret_in("AWS key id with an unknown prefix", "id %s.", id, GOV_DETECT_NONE);
	}
	/* outside base32, or one byte short */
	expect_secret("AWS key id with 0", "id AKIAIOSFODNN0EXAMPLE.", GOV_DETECT_NONE);
	expect_secret("AWS key id with 8", "id AKIAIOSFODNN8EXAMPLE.", GOV_DETECT_NONE);
	expect_secret("AWS key id with a lower-case byte", "id AKIAIOSFODNn7EXAMPLE.", GOV_DETECT_NONE);
	expect_secret("AWS key id of 19 bytes", "id AKIAIOSFODNN7EXAMPL.", GOV_DETECT_NONE);

	/* secret keys after each context word, in each case */
	{
		static const char *const words[] = {"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY",
			"secret_access_key", "SecretAccessKey", "aws_secret", "awsSecret",
		"aws-secret-access-key", "secretAccessKey"};
		static const char *const seps[] = {" = ", "=", ": \"", "\":\"", " "};
		char		fmt[128];

		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			for (size_t p = 0; p < sizeof(seps) / sizeof(seps[0]); p++)
			{
				snprintf(fmt, sizeof(fmt), "%s%s%%s\n", words[w], seps[p]);
				snprintf(name, sizeof(name), "AWS secret after %s%s", words[w], seps[p]);
				expect_secret_in(name, fmt, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
								 GOV_DETECT_AWS_KEY);
			}
		/* not context words */
		expect_secret("AWS secret after secret_key", "secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
					  GOV_DETECT_NONE);
		expect_secret("AWS secret after secretary", "secretary wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
					  GOV_DETECT_NONE);
		/* not keys: one class missing, one byte more */
		expect_secret("AWS context, no lower case", "aws_secret=WJALRXUTNFEMI/K7MDENG/BPXRFICYEXAMPLEKEY",
					  GOV_DETECT_NONE);
		expect_secret("AWS context, 41 bytes", "aws_secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYY",
					  GOV_DETECT_NONE);
		expect_secret("AWS context, hex digest", "aws_secret=0123456789abcdef0123456789abcdef01234567",
					  GOV_DETECT_NONE);
	}
}

/* GCP API keys and OAuth tokens: lengths and alphabets at the edges. */
static void
test_gcp(void)
{
	char		r[64],
				k[96],
				name[96];

	for (unsigned seed = 0; seed < 8; seed++)
	{
		random_run(r, 35, B64URL, 100 + seed);
		snprintf(k, sizeof(k), "AIza%s", r);
		expect_value(k, GOV_DETECT_GCP_KEY);
		snprintf(name, sizeof(name), "GCP API key %u in a query", seed);
		expect_secret_in(name, "https://maps.example/api?key=%s&v=3", k, GOV_DETECT_GCP_KEY);
		snprintf(name, sizeof(name), "GCP API key %u in JSON", seed);
		expect_secret_in(name, "{\"apiKey\": \"%s\"}", k, GOV_DETECT_GCP_KEY);
	}
	random_run(r, 34, B62, 7);
	snprintf(k, sizeof(k), "AIza%s", r);
	expect_secret_in("GCP API key of 34", "key=%s&", k, GOV_DETECT_NONE);
	random_run(r, 36, B62, 7);
	snprintf(k, sizeof(k), "AIza%s", r);
	expect_secret_in("GCP API key of 36", "key=%s&", k, GOV_DETECT_NONE);
	random_run(r, 35, B62, 7);
	r[10] = '+';
	snprintf(k, sizeof(k), "AIza%s", r);
	expect_secret_in("GCP API key with +", "key=%s&", k, GOV_DETECT_NONE);
	random_run(r, 35, B62, 7);
	snprintf(k, sizeof(k), "xAIza%s", r);
	expect_secret_in("GCP API key inside a run", "key=%s&", k, GOV_DETECT_NONE);
	snprintf(k, sizeof(k), "AIZa%s", r);
	expect_secret_in("GCP API key prefix in the wrong case", "key=%s&", k, GOV_DETECT_NONE);
	random_run(r, 30, B64URL, 9);
	snprintf(k, sizeof(k), "ya29.%s", r);
	expect_secret_in("GCP OAuth token of 30", "Bearer %s", k, GOV_DETECT_GCP_KEY);
	r[29] = '\0';
	snprintf(k, sizeof(k), "ya29.%s", r);
	expect_secret_in("GCP OAuth token of 29", "Bearer %s", k, GOV_DETECT_NONE);
	expect_secret("ya29 without its dot", "ya29abcdefghijklmnopqrstuvwxyz0123456789", GOV_DETECT_NONE);
	expect_secret("ya29 inside a word", "playa29.abcdefghijklmnopqrstuvwxyz0123456789", GOV_DETECT_NONE);
}

/* Azure keys: account key lengths 84-90, shared access keys, SAS queries. */
static void
test_azure(void)
{
	char		r[128],
				t[512],
				name[96];

	for (int len = 82; len <= 90; len++)
	{
		bool		ok = (len + 2 >= 86 && len + 2 <= 88);

		random_run(r, (size_t) len, B64, 200 + (unsigned) len);
		snprintf(t, sizeof(t), "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=%s==;"
				 "EndpointSuffix=core.windows.net", r);
		snprintf(name, sizeof(name), "Azure account key of %d bytes and ==", len + 2);
		expect_secret(name, t, ok ? GOV_DETECT_AZURE_KEY : GOV_DETECT_NONE);
	}
	random_run(r, 86, B64, 5);
	snprintf(t, sizeof(t), "AccountKey=%s=;", r);
	expect_secret("Azure account key with one =", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "XAccountKey=%s==;", r);
	expect_secret("AccountKey= inside a word", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "accountkey=%s==;", r);
	expect_secret("accountkey= in lower case", t, GOV_DETECT_NONE);
	for (int len = 40; len <= 48; len++)
	{
		bool		ok = ((len + 1) % 4 == 0 && len + 1 >= 44);

		random_run(r, (size_t) len, B64, 300 + (unsigned) len);
		snprintf(t, sizeof(t), "Endpoint=sb://n.servicebus.windows.net/;SharedAccessKeyName=R;"
				 "SharedAccessKey=%s=", r);
		snprintf(name, sizeof(name), "Azure shared access key of %d bytes and =", len + 1);
		expect_secret(name, t, ok ? GOV_DETECT_AZURE_KEY : GOV_DETECT_NONE);
	}
	/* SAS: the signature raw or percent-encoded, with sv= or se= before or after */
	random_run(r, 43, B62, 17);
	snprintf(t, sizeof(t), "?sv=2022-11-02&ss=b&sig=%s=", r);
	expect_secret("SAS, raw signature, sv= before", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "?sig=%s%%3D&se=2030-01-01T00%%3A00Z", r);
	expect_secret("SAS, encoded padding, se= after", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "?sv=2022-11-02&sig=%.20s%%2b%.22s%%3d", r, r + 20);
	expect_secret("SAS, lower-case percent escapes", t, GOV_DETECT_AZURE_KEY);
	snprintf(t, sizeof(t), "?sv=2022-11-02&sig=%.30s=", r);
	expect_secret("SAS signature too short", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "?sv=2022-11-02&sig=%s", r);
	expect_secret("SAS signature without padding", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "?sv=2022-11-02&xsig=%s=", r);
	expect_secret("xsig= is another parameter", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "?sv=2022-11-02&sig=%.20s=%.22s=", r, r + 20);
	expect_secret("SAS signature with data after padding", t, GOV_DETECT_NONE);
	snprintf(t, sizeof(t), "?psv=1&sig=%s=", r);
	expect_secret("psv= is not sv=", t, GOV_DETECT_NONE);
}

/* PEM private keys: every type in every encoding; what is not one. */
static void
test_pem(void)
{
	static const char *const types[] = {"", "RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED "};
	static const char *const nls[] = {"\n", "\r\n", "\\n", "\\r\\n", "%0A", "%0D%0A",
	"\\u000A", " "};
	char		pem[2048],
				name[96];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		for (size_t j = 0; j < sizeof(nls) / sizeof(nls[0]); j++)
		{
			make_pem(pem, types[i], nls[j], (unsigned) (i * 10 + j));
			snprintf(name, sizeof(name), "PEM %sPRIVATE KEY, line break %zu", types[i], j);
			expect_secret_in(name, "config: %s", pem, GOV_DETECT_PRIVATE_KEY);
			if (j == 0)
				expect_value(pem, GOV_DETECT_PRIVATE_KEY);
		}
	expect_secret("PGP private key block",
				  "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0FAKE0AQgAzWZ8ahr0Y2d7QmFuZ3xv1o2p3q4r5s6t7u8v9w0xyz\n",
				  GOV_DETECT_PRIVATE_KEY);
	expect_secret("PEM header with %20 and a body",
				  "-----BEGIN%20RSA%20PRIVATE%20KEY-----%0AMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2z",
				  GOV_DETECT_PRIVATE_KEY);
	expect_secret("PEM header with + for spaces",
				  "-----BEGIN+PRIVATE+KEY-----%0AMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC",
				  GOV_DETECT_PRIVATE_KEY);
	/* not private keys */
	expect_secret("public key", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuVd2RWKgv5Zu7Yx8\n",
				  GOV_DETECT_NONE);
	expect_secret("RSA public key", "-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2zAbCdEf\n",
				  GOV_DETECT_NONE);
	expect_secret("certificate request", "-----BEGIN CERTIFICATE REQUEST-----\nMIICvDCCAaQCAQAwdzELMAkGA1UEBhMCVVMxDTALBgNVBAgMBFV0YWgx\n",
				  GOV_DETECT_NONE);
	/* a private key is a secret whatever kind its header names */
	expect_secret("any kind of private key", "-----BEGIN XYZ PRIVATE KEY-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2z\n",
				  GOV_DETECT_PRIVATE_KEY);
	expect_secret("four words before PRIVATE KEY", "-----BEGIN A B C D PRIVATE KEY-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2z\n",
				  GOV_DETECT_NONE);
	expect_secret("lower-case header", "-----begin private key-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2z\n",
				  GOV_DETECT_NONE);
	expect_secret("four dashes", "----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9hq4yBq2z\n",
				  GOV_DETECT_NONE);
	expect_secret("39 base64 bytes", "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3\n-----END",
				  GOV_DETECT_NONE);
	expect_secret("40 base64 bytes", "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAuVd2RWKgv5Zu7Yx8mZRX5n3x\n-----END",
				  GOV_DETECT_PRIVATE_KEY);
	expect_secret("a body of prose", "-----BEGIN PRIVATE KEY----- goes here, then the body, then the end line",
				  GOV_DETECT_NONE);
	expect_secret("a body cut by a quote", "-----BEGIN PRIVATE KEY-----\\nMIIEowIBAAKCAQ\", \"x\": \"EAuVd2RWKgv5Zu7Yx8mZRX5n3x9PqK9",
				  GOV_DETECT_NONE);
	expect_secret("header cut short", "-----BEGIN PRIVATE KE", GOV_DETECT_NONE);
	expect_secret("header at the very end", "key: -----BEGIN RSA PRIVATE KEY-----", GOV_DETECT_NONE);
}

/* JWTs in text: several algorithms and payloads, and broken ones. */
static void
test_jwt_scan(void)
{
	static const char *const headers[] = {
		"{\"alg\":\"HS256\"}", "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}",
		"{\"typ\":\"at+jwt\",\"alg\":\"ES384\"}", "{\"alg\":\"EdDSA\",\"crit\":[\"b64\"],\"b64\":false}",
		"{\n  \"alg\": \"PS512\"\n}", "{\"alg\":\"none\"}",
	};
	static const char *const payloads[] = {
		"{\"sub\":\"u\"}", "{}", "{\"exp\":1900000000,\"roles\":[\"a\",\"b\"],\"act\":{\"sub\":\"agent\"}}",
		"{\"n\":-1.5e-3,\"t\":true,\"f\":false,\"z\":null,\"s\":\"\\\"q\\\\\\/\\u00fc\"}",
	};
	char		jwt[2048],
				name[96];

	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++)
		for (size_t p = 0; p < sizeof(payloads) / sizeof(payloads[0]); p++)
		{
			make_jwt(jwt, headers[h], payloads[p], h % 2 ? "" : "c2lnbmF0dXJl");
			snprintf(name, sizeof(name), "JWT header %zu payload %zu", h, p);
			/* found by its structure, whatever blanks its JSON holds */
			expect_secret_in(name, "Authorization: Bearer %s\r\n", jwt, GOV_DETECT_JWT);
			expect_value(jwt, GOV_DETECT_JWT);
		}
	make_jwt(jwt, "{\"alg\":\"HS256\"}", "not json", "c2ln");
	expect_secret_in("JWT whose payload is not JSON", "Bearer %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, "\"alg\"", "{}", "c2ln");
	expect_secret_in("JWT whose header is a string", "Bearer %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, "{\"alg\":\"HS256\"}{}", "{}", "c2ln");
	expect_secret_in("JWT header with two objects", "Bearer %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, "{\"alg\" \"HS256\"}", "{}", "c2ln");
	expect_secret_in("JWT header without a colon", "Bearer %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, "{\"al\\g\":\"HS256\"}", "{}", "c2ln");
	expect_secret_in("JWT header with a bad escape", "Bearer %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, "{\"alg\":\"HS256\",\"n\":01}", "{}", "c2ln");
	expect_secret_in("JWT header with a leading zero", "Bearer %s", jwt, GOV_DETECT_NONE);
	make_jwt(jwt, "{\"alg\":\"HS256\",\"t\":tru}", "{}", "c2ln");
	expect_secret_in("JWT header with a broken literal", "Bearer %s", jwt, GOV_DETECT_NONE);
}

/* SSNs: every forbidden range at its edges. */
static void
test_ssn_ranges(void)
{
	static const struct
	{
		const char *ssn;
		bool		ok;
	}			c[] = {
		{"001-01-0001", true}, {"000-01-0001", false}, {"665-01-0001", true},
		{"666-01-0001", false}, {"667-01-0001", true}, {"899-01-0001", true},
		{"900-01-0001", false}, {"950-01-0001", false}, {"123-01-0001", true},
		{"123-00-0001", false}, {"123-99-0001", true}, {"123-10-0000", false},
		{"123-10-9999", true}, {"123-10-0010", true},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
	{
		char		bare[10];

		expect_value(c[i].ssn, c[i].ok ? GOV_DETECT_SSN : GOV_DETECT_NONE);
		snprintf(bare, sizeof(bare), "%.3s%.2s%.4s", c[i].ssn, c[i].ssn + 4, c[i].ssn + 7);
		check(governance_detect_ssn_digits(bare, 9) == c[i].ok, "bare SSN digits",
			  "%s", bare);
	}
}
