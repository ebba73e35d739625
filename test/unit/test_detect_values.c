/*-------------------------------------------------------------------------
 *
 * test_detect_values.c
 *	  The whole-value cases of test_detect.c (included by it, which
 *	  owns the helpers and the counts): each detector with values it
 *	  accepts and values beside them it refuses.
 *
 * test/unit/test_detect_values.c
 *
 *-------------------------------------------------------------------------
 */

/* E-mail: RFC-ish addresses, and what is only near one. */
static void
test_email(void)
{
	static const char *const yes[] = {
		"alice@example.com", "Alice.Smith@Example.COM", "a.b-c_d+tag@sub.example.co.uk",
		"x@y.io", "first.last@company.de", "user+filter@mail.example.org",
		"o'brien@example.ie", "jose@dominio.es", "  padded@example.com  ",
		"12345@numbers.net", "a@b-c.example", "user@xn--bcher-kva.example",
		"user@example.xn--p1ai", "m\xc3\xbcller@example.de",
		"very.common@example.museum", "x!#$%&'*+/=?^_`{|}~-y@example.com",
	};
	static const char *const no[] = {
		"alice@example", "alice@@example.com", "alice example.com",
		"@example.com", "alice@", "alice@.example.com", "alice@example..com",
		".alice@example.com", "alice.@example.com", "al..ice@example.com",
		"alice@example.c", "alice@example.c0m", "alice@-example.com",
		"alice@example-.com", "alice @example.com", "alice@exa mple.com",
		"a@b.c", "alice(at)example.com", "alice@example.com.", "mailto:",
		"john.doe", "@", "user@123.456", "alice@example.com,bob@example.com",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		expect_value(yes[i], GOV_DETECT_EMAIL);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		expect_value(no[i], GOV_DETECT_NONE);
}

/* Phones: international and national forms; dates, amounts, ids. */
static void
test_phone(void)
{
	static const char *const yes[] = {
		"(555) 123-4567", "555-123-4567", "555.123.4567", "555 123 4567",
		"+44 20 7946 0958", "+442079460958", "030 12345678", "+55 11 91234-5678",
		"+1 (555) 123-4567", "+1-555-123-4567", "+49 151 12345678",
		"+33 1 23 45 67 89", "01 23 45 67 89", "+34 912 345 678", "912 345 678",
		"+39 06 1234 5678", "+31 20 123 4567", "020 7946 0958",
		"+44 (0)20 7946 0958", "0151-12345678", "+351 912 345 678",
		"+61 2 9876 5432", "+81 3-1234-5678", "(030) 1234567",
	};
	static const char *const no[] = {
		"5551234567",			/* a bare run of digits */
		"123456789012", "+0 555 123 4567", "2024-01-15", "15.01.2024",
		"2024-01-15 10:30", "1,234,567.89", "1.234.567.890", "12:30:45",
		"555-1234", "+1 555", "+1234567", "(555 123-4567", "555) 123-4567",
		"555--123-4567", "555 - 123 - 4567", "555-123.4567", "(555)(123) 4567",
		"555-123-4567-", "-555-123-4567", "555-123-4567 ext 9", "phone: 555-123-4567",
		"+1 555 123 4567 890 1234", "ORD-555-123-4567", "555-12-3456",
		"127.0.0.1", "10.100.200.250", "v1.2.3", "3.14159", "12345-6789",
		"2024 01 15 10 30", "1999 12 31 23 59",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		expect_value(yes[i], GOV_DETECT_PHONE);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
	{
		GovDetector d = value_of(no[i]);
		char		name[120];

		snprintf(name, sizeof(name), "value not phone: %s", no[i]);
		check(d != GOV_DETECT_PHONE, name, "got phone");
	}
}

/* SSNs: the dashed form and its forbidden ranges. */
static void
test_ssn(void)
{
	static const char *const yes[] = {
		"123-45-6789", "001-01-0001", "665-99-9999", "899-12-3456",
		" 078-05-1120 ", "772-33-4444",
	};
	static const char *const no[] = {
		"000-12-3456", "666-12-3456", "900-12-3456", "999-99-9999",
		"123-00-4567", "123-45-0000", "123456789", "123 45 6789",
		"123-456-789", "12-345-6789", "123-45-67890", "a23-45-6789",
		"123-45-678", "123_45_6789",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		expect_value(yes[i], GOV_DETECT_SSN);
	check(governance_detect_ssn_digits("123456789", 9) &&
		  governance_detect_ssn_digits(" 078051120 ", 11) &&
		  !governance_detect_ssn_digits("666123456", 9) &&
		  !governance_detect_ssn_digits("900123456", 9) &&
		  !governance_detect_ssn_digits("000123456", 9) &&
		  !governance_detect_ssn_digits("123004567", 9) &&
		  !governance_detect_ssn_digits("123450000", 9) &&
		  !governance_detect_ssn_digits("12345678", 8) &&
		  !governance_detect_ssn_digits("1234567890", 10) &&
		  !governance_detect_ssn_digits("123-45-6789", 11) &&
		  !governance_detect_ssn_digits(NULL, 0),
		  "nine bare digits as an SSN, with a name's support", NULL);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
	{
		char		name[120];

		snprintf(name, sizeof(name), "value not ssn: %s", no[i]);
		check(value_of(no[i]) != GOV_DETECT_SSN, name, "got ssn");
	}
}

/* Card prefixes and lengths every issuer uses (the IIN table). */
static const struct
{
	const char *prefix;
	int			len;
}			card_kinds[] = {
	{"4", 16}, {"4", 13}, {"4", 19}, {"51", 16}, {"55", 16}, {"2221", 16},
	{"2720", 16}, {"34", 15}, {"37", 15}, {"6011", 16}, {"6011", 19},
	{"644", 16}, {"649", 16}, {"65", 16}, {"3528", 16}, {"3589", 19},
	{"300", 14}, {"305", 14}, {"36", 14}, {"38", 16}, {"62", 16}, {"62", 19},
	{"50", 16}, {"56", 13}, {"69", 18},
};

/* Cards: every issuer at its lengths, Luhn off by one, groupings. */
static void
test_card(void)
{
	static const int g4444[] = {4, 4, 4, 4, 0};
	static const int g465[] = {4, 6, 5, 0};
	static const char *const bad_iin[] = {"1", "7", "8", "9", "2220", "2721",
	"33", "3527", "3590", "306"};
	char		card[32],
				other[32],
				grouped[48];

	for (size_t i = 0; i < sizeof(card_kinds) / sizeof(card_kinds[0]); i++)
	{
		make_card(card, card_kinds[i].prefix, card_kinds[i].len);
		expect_value(card, GOV_DETECT_CARD);
		luhn_off(other, card);
		expect_value(other, GOV_DETECT_NONE);
	}
	/* grouped by spaces or dashes, consistently */
	make_card(card, "4", 16);
	group(grouped, card, g4444, ' ');
	expect_value(grouped, GOV_DETECT_CARD);
	group(grouped, card, g4444, '-');
	expect_value(grouped, GOV_DETECT_CARD);
	grouped[9] = ' ';			/* mixed separators */
	expect_value(grouped, GOV_DETECT_NONE);
	make_card(card, "37", 15);
	group(grouped, card, g465, ' ');
	expect_value(grouped, GOV_DETECT_CARD);
	luhn_off(other, card);
	group(grouped, other, g465, ' ');
	expect_value(grouped, GOV_DETECT_NONE);
	expect_value("4111 1111 1111 1111", GOV_DETECT_CARD);
	expect_value("4111-1111-1111-1111", GOV_DETECT_CARD);
	expect_value("4111111111111111", GOV_DETECT_CARD);
	expect_value("4111111111111112", GOV_DETECT_NONE);
	expect_value("4111  1111 1111 1111", GOV_DETECT_NONE);
	expect_value("41111 111 1111 1111", GOV_DETECT_NONE);
	expect_value("4111 1111 1111 1111 1", GOV_DETECT_NONE);	/* 17 digits, Visa */
	expect_value("4111.1111.1111.1111", GOV_DETECT_NONE);
	expect_value("411111111111", GOV_DETECT_NONE);	/* 12 digits */
	expect_value("41111111111111111111", GOV_DETECT_NONE);	/* 20 */
	/* Luhn-valid numbers without an issuer */
	for (size_t i = 0; i < sizeof(bad_iin) / sizeof(bad_iin[0]); i++)
	{
		make_card(card, bad_iin[i], 16);
		expect_value(card, GOV_DETECT_NONE);
	}
	/* a Visa prefix at a length Visa does not use */
	make_card(card, "4", 15);
	expect_value(card, GOV_DETECT_NONE);
	make_card(card, "34", 16);
	expect_value(card, GOV_DETECT_NONE);
}

/* IBANs: computed check digits, then each one wrong. */
static void
test_iban(void)
{
	static const struct
	{
		const char *cc;
		const char *bban;
	}			ok[] = {
		{"DE", "370400440532013000"}, {"GB", "WEST12345698765432"},
		{"FR", "20041010050500013M02606"}, {"NL", "ABNA0417164300"},
		{"ES", "21000418450200051332"}, {"BE", "539007547034"},
		{"CH", "0076201162385295 7"}, {"IT", "X0542811101000000123456"},
		{"NO", "86011117947"}, {"PT", "000201231234567890154"},
		{"AT", "1904300234573201"}, {"PL", "109010140000071219812874"},
		{"BR", "00360305000010009795493P1"},
	};
	char		iban[64],
				sp[80],
				bban[40];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
	{
		size_t		o = 0;

		for (const char *p = ok[i].bban; *p; p++)
			if (*p != ' ')
				bban[o++] = *p;
		bban[o] = '\0';
		make_iban(iban, ok[i].cc, bban);
		expect_value(iban, GOV_DETECT_IBAN);
		spaced(sp, iban);
		expect_value(sp, GOV_DETECT_IBAN);
		/* wrong check digits */
		iban[3] = (char) ('0' + (iban[3] - '0' + 1) % 10);
		expect_value(iban, GOV_DETECT_NONE);
		iban[3] = (char) ('0' + (iban[3] - '0' + 9) % 10);
		/* a changed BBAN digit */
		iban[o + 3] = iban[o + 3] == '1' ? '2' : '1';
		expect_value(iban, GOV_DETECT_NONE);
	}
	expect_value("DE89 3704 0044 0532 0130 00", GOV_DETECT_IBAN);
	expect_value("GB82 WEST 1234 5698 7654 32", GOV_DETECT_IBAN);
	expect_value("GB82WEST12345698765432", GOV_DETECT_IBAN);
	expect_value("GB83 WEST 1234 5698 7654 32", GOV_DETECT_NONE);
	expect_value("gb82 west 1234 5698 7654 32", GOV_DETECT_NONE);
	expect_value("GB82 WEST 1234 5698 7654 3", GOV_DETECT_NONE);	/* length */
	expect_value("DE89 3704 0044 0532 0130 0000", GOV_DETECT_NONE);
	expect_value("GB82  WEST 1234 5698 7654 32", GOV_DETECT_NONE);
	expect_value("GB82 WES T1234 5698 7654 32", GOV_DETECT_NONE);
	expect_value("XX82WEST12345698765432", GOV_DETECT_NONE);	/* no country */
	expect_value("US64SVBKUS6S3300958879", GOV_DETECT_NONE);
}

/* IP addresses: v4 ranges and zeros, v6 compression and embedding. */
static void
test_ip(void)
{
	static const char *const yes[] = {
		"192.168.0.1", "10.0.0.255", "255.255.255.255", "0.0.0.0", "8.8.8.8",
		"172.16.254.1", "10.1.2.0/24", "192.168.1.1/32", "::1", "fe80::1",
		"2001:db8::1", "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
		"2001:db8:85a3::8a2e:370:7334", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33",
		"1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:192.168.0.1", "fe80::1%eth0",
		"2001:db8::/32", "FE80::ABCD", "::", "1::8",
	};
	static const char *const no[] = {
		"256.1.1.1", "192.168.0.256", "192.168.0", "192.168.0.1.5", "01.2.3.4",
		"192.168.00.1", "1.2.3.4/33", "1.2.3.4/", "192.168.0.-1", "1..2.3",
		"1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "1:2:3:4:5:6:7", "12345::1",
		"g::1", "1:2:3:4:5:6:7:192.168.0.1", "::ffff:256.0.0.1", "2001:db8::/129",
		"1.2.3", "v1.2.3.4", ":1:2", "1:2:", "fe80::1%", "version 1.2.3.4",
	};

	/* "::" alone is refused (see gov_is_ipv6) */
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		expect_value(yes[i], strcmp(yes[i], "::") == 0 ? GOV_DETECT_NONE : GOV_DETECT_IP);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
	{
		char		name[120];

		snprintf(name, sizeof(name), "value not ip: %s", no[i]);
		check(value_of(no[i]) != GOV_DETECT_IP, name, "got ip");
	}
}

/*
 * Not a JWT (a value shaped like one may still be a high-entropy
 * token).
 */
static void
expect_not_jwt(const char *s)
{
	char		name[160];

	snprintf(name, sizeof(name), "value not jwt: %.100s", s);
	check(value_of(s) != GOV_DETECT_JWT, name, "got jwt");
}

/* JWTs: decoded headers and payloads, and JSON that is not. */
static void
test_jwt(void)
{
	char		t[2048],
				h[256];

	make_jwt(t, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "{\"sub\":\"u1\",\"exp\":1900000000}",
			 "c2lnbmF0dXJlLWJ5dGVzLWhlcmU");
	expect_value(t, GOV_DETECT_JWT);
	make_jwt(t, "{\"alg\":\"none\"}", "{\"sub\":\"u1\"}", "");
	expect_value(t, GOV_DETECT_JWT);	/* unsigned */
	make_jwt(t, "{ \"typ\" : \"JWT\", \"alg\" : \"HS256\" }",
			 "{\"a\":[1,2.5e3,-0.1,true,false,null,{\"b\":\"\\u00e9\\n\"}]}", "abcd");
	expect_value(t, GOV_DETECT_JWT);
	make_jwt(t, "{\"kid\":{\"alg\":\"x\"},\"alg\":\"ES256\"}", "{}", "abcd");
	expect_value(t, GOV_DETECT_JWT);

	/* the header is not JSON, lacks "alg", or is not an object */
	make_jwt(t, "{\"alg\":\"RS256\"", "{\"sub\":\"u1\"}", "abcd");
	expect_not_jwt(t);
	make_jwt(t, "{\"typ\":\"JWT\"}", "{\"sub\":\"u1\"}", "abcd");
	expect_not_jwt(t);
	make_jwt(t, "{\"kid\":{\"alg\":\"RS256\"}}", "{\"sub\":\"u1\"}", "abcd");
	expect_not_jwt(t);	/* "alg" not at the top */
	make_jwt(t, "{\"alg\":RS256}", "{\"sub\":\"u1\"}", "abcd");
	expect_not_jwt(t);
	make_jwt(t, "{\"alg\":\"RS256\"} x", "{\"sub\":\"u1\"}", "abcd");
	expect_not_jwt(t);	/* trailing garbage */
	make_jwt(t, "{\"alg\":\"RS256\",}", "{\"sub\":\"u1\"}", "abcd");
	expect_not_jwt(t);
	/* the payload is not a JSON object */
	make_jwt(t, "{\"alg\":\"RS256\"}", "[1,2]", "abcd");
	expect_not_jwt(t);
	make_jwt(t, "{\"alg\":\"RS256\"}", "{\"sub\":\"u1\"", "abcd");
	expect_not_jwt(t);
	make_jwt(t, "{\"alg\":\"RS256\"}", "{\"sub\":\"u\x01\"}", "abcd");
	expect_not_jwt(t);	/* a control byte in a string */
	/* shapes */
	b64url("{\"alg\":\"RS256\"}", h);
	snprintf(t, sizeof(t), "%s.%s", h, h);
	expect_not_jwt(t);	/* two segments */
	snprintf(t, sizeof(t), "%s.%s.a", h, h);
	expect_not_jwt(t);	/* a signature of one byte */
	snprintf(t, sizeof(t), "%s.%s.ab+cd", h, h);
	expect_not_jwt(t);	/* not base64url */
	snprintf(t, sizeof(t), "%sA.%s.abcd", h, h);
	expect_not_jwt(t);	/* header length 4k+1 */
	expect_not_jwt("eyJhbGciOi.eyJzdWIi.abcd");
	expect_not_jwt("eyJ.eyJ.eyJ");
	/* deep nesting is refused, not followed */
	{
		char		deep[300];

		strcpy(deep, "{\"alg\":\"x\",\"a\":");
		for (int i = 0; i < 100; i++)
			strcat(deep, "[");
		for (int i = 0; i < 100; i++)
			strcat(deep, "]");
		strcat(deep, "}");
		make_jwt(t, deep, "{}", "abcd");
		expect_not_jwt(t);
	}
}

/* Password hashes: each scheme and a near miss of it. */
static void
test_password_hash(void)
{
	static const char *const yes[] = {
		"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"$2y$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$qJ8mGJ1w3WcBvKNnQhGvlA",
		"$argon2d$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$qJ8mGJ1w3WcBvKNnQhGvlA",
		"SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$dGhpc2lzc3RvcmVka2V5Zm9yc2NyYW0=:dGhpc2lzc2VydmVya2V5Zm9yc2NyYW0=",
		"md5c4ca4238a0b923820dcc509a6f75849b",
		"$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
		"$5$rounds=5000$usesomesillystri$KqJWpanXZHKq2BOB43TSaYhEWsQ1Lr5QNyPCDH/Tp.6",
		"$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
		"pbkdf2_sha256$260000$abcdefghijklmnop$AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/ABCDE=",
	};
	static const char *const no[] = {
		"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMU",	/* 59 */
		"$2b$99$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"$2c$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWM!W",
		"$argon2x$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA",
		"$argon2id$",
		"SCRAM-SHA-1$4096:c2FsdA==$a2V5:a2V5",
		"SCRAM-SHA-256$x:c2FsdA==$a2V5:a2V5",
		"md5C4CA4238A0B923820DCC509A6F75849B",
		"md5c4ca4238a0b923820dcc509a6f75849",
		"$1$saltsalt$qjXMvbEw8oaL.CzflDugX",
		"$7$saltsalt$qjXMvbEw8oaL.CzflDugX/",
		"pbkdf2_sha256$abc$salt$AbCdEfGhIjKlMnOpQrStUvWx=",
		"$ 12.50 per month, $2 off",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		expect_value(yes[i], GOV_DETECT_PASSWORD_HASH);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
	{
		char		name[160];

		snprintf(name, sizeof(name), "value not password_hash: %s", no[i]);
		check(value_of(no[i]) != GOV_DETECT_PASSWORD_HASH, name, "got it");
	}
}

/* Keys and tokens as whole values, and values that only look random. */
static void
test_tokens(void)
{
	char		t[1024],
				r[256];
	static const char *const prefixes[] = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"};
	static const char *const not_tokens[] = {
		"550e8400-e29b-41d4-a716-446655440000", "2024-01-15T10:30:00.000Z",
		"/usr/local/lib/postgresql/15/lib", "https://example.com/a/b/c/d",
		"customer-profile-settings-2024", "PasswordResetTokenValue",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "12345678901234567890123",
		"abcdefghijklmnopqrstuvwxyz", "Hello, world! How are you?",
		"0000000000000000000000000000000000000000",
		"ThisIsAVeryLongIdentifierName", "user_account_balance_history",
		"d41d8cd98f00b204e9800998ecf8427", /* 31 hex: too short */
		"sk_test_abcdefghijklmnopqrstuvwx", "AKIAIOSFODNN7EXAMPL",
		"xAKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE1", "AKIAiosfodnn7example",
		"https://shop.example.com/p/12345-blue-shirt-v2?ref=home3",
		"{\"id\":12345,\"name\":\"Bob\",\"x\":[1,2]}", "/srv/app-v2/releases/20240115103045",
		"IMG_20240115_103045.jpg", "report-2024-q3-final-v2.pdf",
		"550e8400e29b41d4a716446655440000", "123e4567e89b12d3a456426614174000",
	};

	expect_value("AKIAIOSFODNN7EXAMPLE", GOV_DETECT_AWS_KEY);
	expect_value("ASIAY34FZKBOKMUTVV7A", GOV_DETECT_AWS_KEY);
	check(value_of("AKIA1OSFODNN7EXAMPLE") != GOV_DETECT_AWS_KEY,
		  "value not aws_key: '1' is not base32", NULL);
	/* an AWS secret key alone is a token at most */
	random_run(r, 40, B64, 7);
	expect_value(r, GOV_DETECT_TOKEN);
	/* GCP */
	random_run(r, 35, B64URL, 3);
	snprintf(t, sizeof(t), "AIza%s", r);
	expect_value(t, GOV_DETECT_GCP_KEY);
	snprintf(t, sizeof(t), "ya29.%s%s", r, r);
	expect_value(t, GOV_DETECT_GCP_KEY);
	expect_value("{\"type\": \"service_account\", \"project_id\": \"p\", "
				 "\"private_key_id\": \"k\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMII\"}",
				 GOV_DETECT_GCP_KEY);
	expect_value("{\"type\": \"user\", \"private_key\": \"x\", \"client_email\": \"a@b.cd\"}",
				 GOV_DETECT_NONE);
	/* Azure */
	random_run(r, 86, B64, 5);
	snprintf(t, sizeof(t), "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=%s==;"
			 "EndpointSuffix=core.windows.net", r);
	expect_value(t, GOV_DETECT_AZURE_KEY);
	/* vendor prefixes */
	random_run(r, 36, B62, 11);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
	{
		snprintf(t, sizeof(t), "%s%s", prefixes[i], r);
		expect_value(t, GOV_DETECT_TOKEN);
	}
	snprintf(t, sizeof(t), "github_pat_%s_%s", r, r);
	expect_value(t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "sk_live_%s", r);
	expect_value(t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "glpat-%.20s", r);
	expect_value(t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "xoxb-123456789012-1234567890123-%.24s", r);
	expect_value(t, GOV_DETECT_TOKEN);
	snprintf(t, sizeof(t), "sk-proj-%s%s", r, r);
	expect_value(t, GOV_DETECT_TOKEN);
	/* high-entropy tokens without a prefix */
	random_run(r, 32, HEX, 13);
	expect_value(r, GOV_DETECT_TOKEN);
	random_run(r, 24, B62, 17);
	expect_value(r, GOV_DETECT_TOKEN);
	random_run(r, 64, B64URL, 19);
	expect_value(r, GOV_DETECT_TOKEN);
	/* two classes and not hex: below the rule, however random */
	random_run(r, 64, "abcdefghijklmnopqrstuvwxyz0123456789", 29);
	expect_value(r, GOV_DETECT_NONE);
	random_run(r, 64, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", 29);
	expect_value(r, GOV_DETECT_TOKEN);
	random_run(r, 48, HEX, 31);
	expect_value(r, GOV_DETECT_TOKEN);
	random_run(r, 40, B62 "!@#$%^&*", 37);
	expect_value(r, GOV_DETECT_TOKEN);
	for (size_t i = 0; i < sizeof(not_tokens) / sizeof(not_tokens[0]); i++)
	{
		char		name[160];
		GovDetector d = value_of(not_tokens[i]);

		snprintf(name, sizeof(name), "value not a key: %s", not_tokens[i]);
		check(d == GOV_DETECT_NONE, name, "got %s", governance_detector_name(d));
	}
}

/* Names and labels of the detectors, and empty input. */
static void
test_labels(void)
{
	static const struct
	{
		GovDetector d;
		const char *name;
		const char *label;
	}			want[] = {
		{GOV_DETECT_EMAIL, "email", "email"}, {GOV_DETECT_PHONE, "phone", "pii"},
		{GOV_DETECT_SSN, "ssn", "secret"}, {GOV_DETECT_CARD, "card", "secret"},
		{GOV_DETECT_IBAN, "iban", "pii"}, {GOV_DETECT_IP, "ip", "pii"},
		{GOV_DETECT_JWT, "jwt", "secret"}, {GOV_DETECT_PRIVATE_KEY, "private_key", "secret"},
		{GOV_DETECT_AWS_KEY, "aws_key", "secret"}, {GOV_DETECT_GCP_KEY, "gcp_key", "secret"},
		{GOV_DETECT_AZURE_KEY, "azure_key", "secret"}, {GOV_DETECT_TOKEN, "token", "secret"},
		{GOV_DETECT_PASSWORD_HASH, "password_hash", "secret"},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
	{
		char		name[80];

		snprintf(name, sizeof(name), "label of %s", want[i].name);
		check(strcmp(governance_detector_name(want[i].d), want[i].name) == 0 &&
			  strcmp(governance_detector_label(want[i].d), want[i].label) == 0,
			  name, "got %s / %s", governance_detector_name(want[i].d),
			  governance_detector_label(want[i].d));
	}
	check(governance_detector_label(GOV_DETECT_NONE) == NULL &&
		  strcmp(governance_detector_name(GOV_DETECT_NONE), "none") == 0 &&
		  strcmp(governance_detector_name((GovDetector) 99), "none") == 0,
		  "no label for none or an unknown detector", NULL);
	check(governance_detect_value(NULL, 0) == GOV_DETECT_NONE &&
		  governance_detect_secret(NULL, 0) == GOV_DETECT_NONE &&
		  governance_detect_value("", 0) == GOV_DETECT_NONE &&
		  governance_detect_secret("", 0) == GOV_DETECT_NONE,
		  "empty and NULL input", NULL);
}
