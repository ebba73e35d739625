/*-------------------------------------------------------------------------
 *
 * detect_internal.h
 *	  What the detector files share: a byte class table and the checks
 *	  each file exports to the others.
 *
 * Plain C.  Every check takes a pointer and a length and reads only
 * inside them; none allocates.  The "whole value" checks (gov_is_*) take a
 * value already trimmed of surrounding blanks; the "at" checks
 * (gov_*_at) look for a secret beginning at an offset of a longer text
 * and read at most a bounded number of bytes from there, which is what
 * keeps governance_detect_secret() linear.
 *
 * src/common/detect_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_DETECT_INTERNAL_H
#define GOVERNANCE_DETECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "governance/common_detect.h"

/* Byte classes (gov_detect_class[]) */
#define GOV_CC_DIGIT	0x01		/* 0-9 */
#define GOV_CC_UPPER	0x02		/* A-Z */
#define GOV_CC_LOWER	0x04		/* a-z */
#define GOV_CC_URLSAFE	0x08		/* - _ (base64url's two extra) */
#define GOV_CC_B64		0x10		/* + / (base64's two extra) */
#define GOV_CC_HEX		0x20		/* 0-9 a-f A-F */
#define GOV_CC_BLANK	0x40		/* space, tab, CR, LF, FF, VT */

#define GOV_CC_ALPHA	(GOV_CC_UPPER | GOV_CC_LOWER)
#define GOV_CC_ALNUM	(GOV_CC_ALPHA | GOV_CC_DIGIT)

extern const uint8_t gov_detect_class[256];

static inline bool
gov_cc(unsigned char c, uint8_t classes)
{
	return (gov_detect_class[c] & classes) != 0;
}

static inline bool
gov_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
gov_isalnum(unsigned char c)
{
	return gov_cc(c, GOV_CC_ALNUM);
}

/* ASCII lower case of one byte. */
static inline unsigned char
gov_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}

/* Does s[0..n) begin with lit?  (Bounded by n.) */
static inline bool
gov_has_prefix(const char *s, size_t n, const char *lit, size_t litlen)
{
	size_t		i;

	if (n < litlen)
		return false;
	for (i = 0; i < litlen; i++)
		if (s[i] != lit[i])
			return false;
	return true;
}

#define GOV_PREFIX(s, n, lit) gov_has_prefix((s), (n), (lit), sizeof(lit) - 1)

extern bool gov_has_prefix_ci(const char *s, size_t n, const char *lit);
extern const char *gov_find(const char *s, size_t n, const char *lit,
							size_t litlen);

/* detect_decode.c: text as a client decodes it */
#define GOV_UNIT_MAX	26		/* raw bytes of one unit at most */
extern int	gov_hexval(unsigned char c);
extern size_t gov_unit(const char *s, size_t n, size_t j, uint32_t *cp);
extern bool gov_is_space_cp(uint32_t cp);
extern bool gov_is_blank_cp(uint32_t cp);
extern bool gov_is_dash_cp(uint32_t cp);
extern bool gov_is_dot_cp(uint32_t cp);
extern bool gov_is_invisible_cp(uint32_t cp);

/* detect_values.c: whole values */
extern bool gov_is_email(const char *s, size_t n);
extern bool gov_is_phone(const char *s, size_t n);
extern bool gov_is_ssn(const char *s, size_t n);
extern bool gov_is_card(const char *s, size_t n);
extern bool gov_card_number_ok(const char *digits, size_t ndigits);
extern bool gov_is_iban(const char *s, size_t n);
extern bool gov_is_ipv4(const char *s, size_t n);
extern bool gov_is_ipv6(const char *s, size_t n);

/* detect_jwt.c */
extern bool gov_jwt_at(const char *s, size_t n, size_t *len);

/* detect_keys.c: secrets beginning at s[i] of a text s[0..n) */
extern bool gov_boundary_before(const char *s, size_t i, bool urlsafe);
extern bool gov_aws_key_id_at(const char *s, size_t n, size_t i);
extern bool gov_aws_secret_at(const char *s, size_t n, size_t i);
extern bool gov_gcp_api_key_at(const char *s, size_t n, size_t i);
extern bool gov_gcp_oauth_at(const char *s, size_t n, size_t i);
extern bool gov_azure_key_at(const char *s, size_t n, size_t t);
extern bool gov_azure_sas_at(const char *s, size_t n, size_t i);
extern bool gov_known_token_at(const char *s, size_t n, size_t i);
extern bool gov_slack_webhook_at(const char *s, size_t n, size_t i);
extern bool gov_gcp_service_account(const char *s, size_t n);

/* detect_pem.c: PEM private keys, their "BEGIN" at s[b] or in base64 at s[p] */
extern bool gov_pem_private_at(const char *s, size_t n, size_t b);
extern bool gov_pem_base64_at(const char *s, size_t n, size_t p);

/* detect_card.c: card numbers in a text */
extern bool gov_card_run(const char *s, size_t n, size_t p, size_t *resume);

/* detect_token.c: whole values */
extern bool gov_is_password_hash(const char *s, size_t n);
extern bool gov_is_token(const char *s, size_t n);

/* detect_secret.c: the scan's anchors; for the tests, the scan without its
 * vector loops and whether they let a pair of bytes through */
extern bool gov_anchor_pair(unsigned char a, unsigned char b);
extern GovDetector gov_detect_secret_scalar(const char *s, size_t len);
extern bool gov_scan_pair_passes(unsigned char a, unsigned char b);

#endif							/* GOVERNANCE_DETECT_INTERNAL_H */
