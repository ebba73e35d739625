/*-------------------------------------------------------------------------
 *
 * common_detect.h
 *	  Detectors of sensitive data in values and in column names,
 *	  independent of the server.
 *
 * Plain C with no backend headers (src/common/detect*.c), so the unit
 * tests and a fuzzer link them alone; discovery (src/discover) and the
 * output scan (src/mask) both use them.  No function here allocates,
 * keeps state, or reads past the length it is given; none expects its
 * input to be NUL-terminated or valid UTF-8.
 *
 * src/include/governance/common_detect.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_COMMON_DETECT_H
#define GOVERNANCE_COMMON_DETECT_H

#include <stdbool.h>
#include <stddef.h>

/* The detectors, each with its own precise rule (see detect*.c). */
typedef enum GovDetector
{
	GOV_DETECT_NONE = 0,
	GOV_DETECT_EMAIL,			/* e-mail address */
	GOV_DETECT_PHONE,			/* E.164 and common national forms */
	GOV_DETECT_SSN,				/* US social security number */
	GOV_DETECT_CARD,			/* payment card number, Luhn */
	GOV_DETECT_IBAN,			/* IBAN, mod-97 */
	GOV_DETECT_IP,				/* IPv4 or IPv6 address */
	GOV_DETECT_JWT,				/* a JSON web token */
	GOV_DETECT_PRIVATE_KEY,		/* a PEM private key */
	GOV_DETECT_AWS_KEY,			/* AWS access key id or secret key */
	GOV_DETECT_GCP_KEY,			/* GCP API key or service account key */
	GOV_DETECT_AZURE_KEY,		/* Azure storage key / connection string */
	GOV_DETECT_TOKEN,			/* other high-entropy token */
	GOV_DETECT_PASSWORD_HASH,	/* bcrypt, argon2, scram, crypt(3) hashes */
	GOV_DETECT_COUNT
} GovDetector;

/* "email", "phone", ...: the detector's name as SQL and audit show it. */
extern const char *governance_detector_name(GovDetector d);

/* The label a detector proposes: "secret", "email" or "pii". */
extern const char *governance_detector_label(GovDetector d);

/*
 * Whole-value detection, for discovery's samples: the detector that
 * accepts the value as a whole (surrounding blanks ignored), or
 * GOV_DETECT_NONE.
 */
extern GovDetector governance_detect_value(const char *s, size_t len);

/*
 * Nine bare digits as a US social security number (the ranges of the
 * "ssn" detector): for a caller whose column name already says SSN.
 * governance_detect_value() accepts only the dashed form, since nine
 * digits alone are as likely an id.
 */
extern bool governance_detect_ssn_digits(const char *s, size_t len);

/*
 * Secret search, for the output scan: is there, anywhere in s, a secret
 * -- a PEM private key of any kind, its lines set in any text (a file,
 * source code, a quoted mail, an array of lines), also in base64; a JWT,
 * signed or encrypted, found by its structure; an AWS key id (also in
 * lower case) or secret key; a GCP or Azure key; a token with a vendor's
 * prefix (GitHub, GitLab, Slack tokens and webhooks, Stripe keys and
 * webhook secrets, OpenAI, npm, SendGrid); a card number passing Luhn,
 * bare or in digit groups (ASCII or fullwidth) with any spaces, dashes,
 * dots, slashes, underscores or invisible characters between them --
 * read as a client decodes the text: JSON and string-literal escapes,
 * percent-encoding, HTML and XML character references, <br>?  Returns the
 * first detector that fires, GOV_DETECT_NONE if none; SSNs, phone
 * numbers, e-mail addresses and tokens without a prefix are not looked
 * for.  Cheap when nothing matches: a vector pre-filter (nibble-table
 * byte classes, 32 bytes at a time with AVX2, 16 with SSSE3) passes over
 * the bytes once and only a candidate gets a full check, about 0.25-0.4
 * ns a byte of ordinary text; linear in len whatever s holds.
 */
extern GovDetector governance_detect_secret(const char *s, size_t len);

/*
 * The text in binary bytes, for the output scan's search of a bytea that
 * is not UTF-8: each run of s[0, len) made of ASCII text (tab to carriage
 * return, blank to '~') at least as long as the shortest secret
 * governance_detect_secret() finds (13 bytes), followed by a NUL, copied
 * into buf (len + 1 bytes, the caller's).  Returns the bytes written, 0 if
 * there is no such run.  Searching them finds a secret written in ASCII
 * among other bytes (a key file in an archive) for a fraction of what the
 * search of the bytes whole costs; non-ASCII text among them (a card
 * number with Unicode spaces) is not kept.  Linear in len.
 */
extern size_t governance_detect_text_runs(const char *s, size_t len, char *buf);

/*
 * Column-name rules in several conventions (snake_case, camelCase,
 * kebab, prefixes and suffixes: customer_mail, emailAddress, e_mail) and
 * languages (correo, telefone, geburtsdatum, ...).  Returns the label the
 * name proposes ("secret", "email", "pii") or NULL, with the rule's
 * confidence in [0,1] and a short evidence text ("name: email") in
 * *evidence (static).  Names that look sensitive but are not
 * (email_sent, card_count, password_changed_at, ip_allowlist_enabled)
 * propose nothing: a word naming a flag, count, time or state after the
 * sensitive word cancels it.
 */
extern const char *governance_detect_name(const char *name, size_t len,
										  float *confidence,
										  const char **evidence);

#endif							/* GOVERNANCE_COMMON_DETECT_H */
