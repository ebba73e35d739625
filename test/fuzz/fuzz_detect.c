/*-------------------------------------------------------------------------
 *
 * fuzz_detect.c
 *	  libFuzzer target for the sensitive-data detectors.
 *
 * Every input is a value a column could hold and a name a column could
 * have.  Each detector reads it from a heap copy of exactly its length,
 * so AddressSanitizer reports any read past the end.  Besides what the
 * sanitizers catch, these properties must hold for every input:
 *
 * 1. The vector scan (governance_detect_secret) and the scalar reference
 *    (gov_detect_secret_scalar) return the same detector: the vector
 *    pre-filter is exactly the scalar one.
 * 2. A secret found in s is still found (some secret, maybe another one
 *    found earlier) in s followed by a line break and more text: what a
 *    check reads past the end of s it reads as a boundary, so text after
 *    a line break cannot undo a find.
 * 3. governance_detect_value returns a detector in range whose label is
 *    one of "secret", "email", "pii", as does the scan.
 * 4. governance_detect_name returns NULL with confidence 0, or one of the
 *    three labels with a confidence in (0, 1] and an evidence string
 *    beginning "name: ".
 *
 * test/fuzz/fuzz_detect.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governance/common_detect.h"

extern GovDetector gov_detect_secret_scalar(const char *s, size_t len);

/* One of the three labels the detectors propose? */
static int
fuzz_known_label(const char *label)
{
	return label != NULL && (strcmp(label, "secret") == 0 ||
							 strcmp(label, "email") == 0 || strcmp(label, "pii") == 0);
}

/* Property 3: a detector in range, with a known label. */
static void
fuzz_detector_ok(GovDetector d, const char *what)
{
	if ((int) d < 0 || (int) d >= GOV_DETECT_COUNT ||
		(d != GOV_DETECT_NONE && !fuzz_known_label(governance_detector_label(d))))
	{
		fprintf(stderr, "%s returned detector %d\n", what, (int) d);
		abort();
	}
}

/* The properties of the file header, for one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size > 0 ? size : 1);
	char	   *longer;
	GovDetector vec,
				ref,
				d;
	float		conf = -1.0f;
	const char *evidence = NULL;
	const char *label;
	static const char tail[] = "\nand then 4111 1111 1111 1111 AKIA ";

	memcpy(s, data, size);

	vec = governance_detect_secret(s, size);
	ref = gov_detect_secret_scalar(s, size);
	if (vec != ref)
	{
		fprintf(stderr, "vector scan says %s, scalar scan %s\n",
				governance_detector_name(vec), governance_detector_name(ref));
		abort();
	}
	fuzz_detector_ok(vec, "governance_detect_secret");

	longer = malloc(size + sizeof(tail) - 1);
	memcpy(longer, s, size);
	memcpy(longer + size, tail, sizeof(tail) - 1);
	d = governance_detect_secret(longer, size + sizeof(tail) - 1);
	if (vec != GOV_DETECT_NONE && d == GOV_DETECT_NONE)
	{
		fprintf(stderr, "%s found, then lost when text follows a line break\n",
				governance_detector_name(vec));
		abort();
	}
	free(longer);

	fuzz_detector_ok(governance_detect_value(s, size), "governance_detect_value");

	label = governance_detect_name(s, size, &conf, &evidence);
	if (label == NULL ? conf != 0.0f :
		(!fuzz_known_label(label) || conf <= 0.0f || conf > 1.0f ||
		 evidence == NULL || strncmp(evidence, "name: ", 6) != 0))
	{
		fprintf(stderr, "governance_detect_name: %s %f %s\n", label ? label : "NULL",
				conf, evidence ? evidence : "NULL");
		abort();
	}
	free(s);
	return 0;
}
