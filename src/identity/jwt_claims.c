/*-------------------------------------------------------------------------
 *
 * jwt_claims.c
 *	  The claims of a verified token: which are required, what they must
 *	  hold, and what the identity keeps of them.
 *
 * Plain C, no server headers, like jwt.c, which calls it once a token's
 * signature has verified.  Checked here: exp and nbf (NumericDates, with
 * the configured leeway), iss and aud (a string or an array of strings),
 * and the types of sub, act, jti and the roles claim (found by a path of
 * names).
 *
 * src/identity/jwt_claims.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "governance/identity_jwt.h"
#include "jwt_internal.h"

/* A NumericDate: an integer or real number of seconds. */
static bool
gov_numeric_date(json_t *v, int64_t *out)
{
	double		d;

	if (json_is_integer(v))
	{
		*out = (int64_t) json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	d = json_real_value(v);
	if (!(d > -9.2e18 && d < 9.2e18))
		return false;
	*out = (int64_t) d;
	return true;
}

/* Copy a string claim; a present non-string is an error. */
static GovJwtStatus
gov_string_claim(json_t *obj, const char *name, char **out,
				 char *detail, size_t detaillen)
{
	json_t	   *v = json_object_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return GOV_JWT_OK;
	if (!json_is_string(v))
	{
		gov_say(detail, detaillen, "Claim \"%s\" must be a string.", name);
		return GOV_JWT_BAD_CLAIM;
	}
	*out = strdup(json_string_value(v));
	return *out == NULL ? GOV_JWT_NO_MEMORY : GOV_JWT_OK;
}

/*
 * The next member name of a roles path into part (unescaped), advancing
 * *p; false if the path is not well formed.  A path beginning with "/" is
 * an RFC 6901 JSON Pointer ("/realm_access/roles",
 * "/https:~1~1example.com~1roles": "~1" is "/", "~0" is "~"); any other is
 * names joined by dots ("realm_access.roles").
 */
static bool
gov_path_next(const char **p, bool pointer, char *part, size_t partlen)
{
	const char *s = *p;
	size_t		n = 0;

	if (pointer)
	{
		s++;					/* the "/" before each name */
		for (; *s != '\0' && *s != '/'; s++)
		{
			char		ch = *s;

			if (ch == '~')
			{
				if (s[1] == '0')
					ch = '~';
				else if (s[1] == '1')
					ch = '/';
				else
					return false;
				s++;
			}
			if (n + 1 >= partlen)
				return false;
			part[n++] = ch;
		}
	}
	else
	{
		const char *dot = strchr(s, '.');
		size_t		plen = dot ? (size_t) (dot - s) : strlen(s);

		if (plen == 0 || plen >= partlen)
			return false;
		memcpy(part, s, plen);
		n = plen;
		s += plen;
		if (*s == '.')
		{
			s++;
			if (*s == '\0')
				return false;	/* a trailing dot */
		}
	}
	part[n] = '\0';
	*p = s;
	return true;
}

/*
 * Is a roles path usable?  False, with a reason, if it is malformed, or if
 * it is a dotted path that looks like a URL-named claim, whose dots would
 * split the name and silently find no roles.
 */
bool
gov_jwt_roles_path_valid(const char *path, char *err, size_t errlen)
{
	char		part[256];
	const char *p = path;
	bool		pointer;

	if (path == NULL || path[0] == '\0')
		return true;
	pointer = path[0] == '/';
	if (!pointer && strchr(path, '/') != NULL)
	{
		gov_say(err, errlen, "a claim named like a URL is split at its dots; name it with a JSON Pointer (RFC 6901): \"/\" before each name, \"~1\" for each \"/\" in a name, as in /https:~1~1example.com~1roles");
		return false;
	}
	while (*p != '\0')
		if (!gov_path_next(&p, pointer, part, sizeof(part)))
		{
			gov_say(err, errlen, pointer ?
					"a JSON Pointer takes \"~0\" and \"~1\" as its only escapes, and names of fewer than 256 bytes" :
					"a dotted path takes non-empty names of fewer than 256 bytes");
			return false;
		}
	return true;
}

/* Find the roles claim by its path and copy its strings. */
static GovJwtStatus
gov_roles_claim(json_t *payload, const char *path, GovJwtClaims *c,
				char *detail, size_t detaillen)
{
	char		part[256];
	const char *p = path;
	json_t	   *v = payload;
	size_t		i,
				n;
	bool		pointer;

	if (path == NULL || path[0] == '\0')
		return GOV_JWT_OK;
	pointer = path[0] == '/';
	while (v != NULL && *p != '\0')
	{
		if (!gov_path_next(&p, pointer, part, sizeof(part)) || !json_is_object(v))
		{
			v = NULL;
			break;
		}
		v = json_object_get(v, part);
	}
	if (v == NULL)
		return GOV_JWT_OK;
	if (json_is_string(v))
		n = 1;
	else if (json_is_array(v))
		n = json_array_size(v);
	else
	{
		gov_say(detail, detaillen, "Claim \"%s\" must be a string or an array of strings.", path);
		return GOV_JWT_BAD_CLAIM;
	}
	c->roles = calloc(n + 1, sizeof(char *));
	if (c->roles == NULL)
		return GOV_JWT_NO_MEMORY;
	for (i = 0; i < n; i++)
	{
		json_t	   *r = json_is_string(v) ? v : json_array_get(v, i);

		if (!json_is_string(r))
		{
			gov_say(detail, detaillen, "Claim \"%s\" must be a string or an array of strings.", path);
			return GOV_JWT_BAD_CLAIM;
		}
		c->roles[i] = strdup(json_string_value(r));
		if (c->roles[i] == NULL)
			return GOV_JWT_NO_MEMORY;
		c->nroles++;
	}
	return GOV_JWT_OK;
}

void
gov_jwt_time_detail(GovJwtStatus st, int64_t leeway, char *detail,
					size_t detaillen)
{
	gov_say(detail, detaillen, "The token's \"%s\" is in the %s (clock skew tolerated: %lld s).",
			st == GOV_JWT_EXPIRED ? "exp" : "nbf",
			st == GOV_JWT_EXPIRED ? "past" : "future",
			(long long) leeway);
}

GovJwtStatus
gov_jwt_check_time(const GovJwtClaims *c, int64_t now, int64_t leeway)
{
	/* Written so that no sum can overflow, whatever exp the token holds. */
	if (c->has_exp && now - leeway >= c->exp)
		return GOV_JWT_EXPIRED;
	if (c->has_nbf && now + leeway < c->nbf)
		return GOV_JWT_NOT_YET_VALID;
	return GOV_JWT_OK;
}

/* Check the claims and fill *c from them. */
GovJwtStatus
gov_jwt_check_claims(json_t *payload, const GovJwtOptions *opts,
					 GovJwtClaims *c, char *detail, size_t detaillen)
{
	json_t	   *v;
	GovJwtStatus st;

	if ((v = json_object_get(payload, "exp")) != NULL)
	{
		if (!gov_numeric_date(v, &c->exp))
		{
			gov_say(detail, detaillen, "Claim \"exp\" must be a number.");
			return GOV_JWT_BAD_CLAIM;
		}
		c->has_exp = true;
	}
	else if (opts->require_exp)
	{
		gov_say(detail, detaillen, "Claim \"exp\" is required.");
		return GOV_JWT_MISSING_CLAIM;
	}
	if ((v = json_object_get(payload, "nbf")) != NULL)
	{
		if (!gov_numeric_date(v, &c->nbf))
		{
			gov_say(detail, detaillen, "Claim \"nbf\" must be a number.");
			return GOV_JWT_BAD_CLAIM;
		}
		c->has_nbf = true;
	}
	if ((v = json_object_get(payload, "iat")) != NULL)
	{
		int64_t		iat;

		if (!gov_numeric_date(v, &iat))
		{
			gov_say(detail, detaillen, "Claim \"iat\" must be a number.");
			return GOV_JWT_BAD_CLAIM;
		}
	}

	if ((st = gov_string_claim(payload, "sub", &c->sub, detail, detaillen)) != GOV_JWT_OK ||
		(st = gov_string_claim(payload, "jti", &c->jti, detail, detaillen)) != GOV_JWT_OK ||
		(st = gov_string_claim(payload, "iss", &c->iss, detail, detaillen)) != GOV_JWT_OK)
		return st;
	if (opts->require_sub && (c->sub == NULL || c->sub[0] == '\0'))
	{
		gov_say(detail, detaillen, "Claim \"sub\" is required.");
		return GOV_JWT_MISSING_CLAIM;
	}

	if ((v = json_object_get(payload, "act")) != NULL)
	{
		json_t	   *asub = json_object_get(v, "sub");

		if (!json_is_object(v) || !json_is_string(asub))
		{
			gov_say(detail, detaillen, "Claim \"act\" must be an object with a string \"sub\".");
			return GOV_JWT_BAD_CLAIM;
		}
		c->actor = strdup(json_string_value(asub));
		if (c->actor == NULL)
			return GOV_JWT_NO_MEMORY;
	}

	if ((st = gov_roles_claim(payload, opts->roles_claim, c, detail, detaillen)) != GOV_JWT_OK)
		return st;

	/* Time, then issuer and audience. */
	if ((st = gov_jwt_check_time(c, opts->now, opts->leeway)) != GOV_JWT_OK)
	{
		gov_jwt_time_detail(st, opts->leeway, detail, detaillen);
		return st;
	}
	if (opts->issuer != NULL && opts->issuer[0] != '\0' &&
		(c->iss == NULL || strcmp(c->iss, opts->issuer) != 0))
	{
		gov_say(detail, detaillen, "The token's issuer is not the configured issuer.");
		return GOV_JWT_WRONG_ISSUER;
	}
	if (opts->audience != NULL && opts->audience[0] != '\0')
	{
		bool		found = false;

		v = json_object_get(payload, "aud");
		if (json_is_string(v))
			found = strcmp(json_string_value(v), opts->audience) == 0;
		else if (json_is_array(v))
		{
			size_t		i;

			for (i = 0; i < json_array_size(v); i++)
			{
				json_t	   *a = json_array_get(v, i);

				if (!json_is_string(a))
				{
					gov_say(detail, detaillen, "Claim \"aud\" must be a string or an array of strings.");
					return GOV_JWT_BAD_CLAIM;
				}
				if (strcmp(json_string_value(a), opts->audience) == 0)
					found = true;
			}
		}
		else if (v != NULL)
		{
			gov_say(detail, detaillen, "Claim \"aud\" must be a string or an array of strings.");
			return GOV_JWT_BAD_CLAIM;
		}
		if (!found)
		{
			gov_say(detail, detaillen, "The token is not meant for the configured audience.");
			return GOV_JWT_WRONG_AUDIENCE;
		}
	}

	c->payload = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	return c->payload == NULL ? GOV_JWT_NO_MEMORY : GOV_JWT_OK;
}

void
gov_jwt_claims_free(GovJwtClaims *c)
{
	int			i;

	if (c == NULL)
		return;
	free(c->kid);
	free(c->sub);
	free(c->actor);
	free(c->jti);
	free(c->iss);
	if (c->roles != NULL)
		for (i = 0; i < c->nroles; i++)
			free(c->roles[i]);
	free(c->roles);
	free(c->payload);
	memset(c, 0, sizeof(*c));
}
