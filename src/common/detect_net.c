/*-------------------------------------------------------------------------
 *
 * detect_net.c
 *	  Whole-value detectors of IP addresses: IPv4 dotted quads and IPv6
 *	  in its full, compressed and IPv4-embedding forms.
 *
 * Plain C, no server headers, no inet_pton(): the C library's parser
 * accepts forms (leading zeros, fewer than four parts on some systems)
 * that are not what PostgreSQL's inet prints nor what people store, and
 * its behaviour differs between systems.  Each function reads only
 * inside [s, s + n).
 *
 * src/common/detect_net.c
 *
 *-------------------------------------------------------------------------
 */
#include "detect_internal.h"

/*
 * A dotted quad at s: four decimal parts 0-255 separated by dots, each
 * one to three digits with no leading zero ("0" itself is fine, "01" is
 * not).  Returns the number of bytes it spans, 0 if s does not begin
 * with one.  Stops after the fourth part; the caller decides what may
 * follow.
 */
static size_t
gov_ipv4_prefix(const char *s, size_t n)
{
	size_t		i = 0;

	for (int part = 0; part < 4; part++)
	{
		size_t		start = i;
		int			v = 0;

		if (part > 0)
		{
			if (i >= n || s[i] != '.')
				return 0;
			start = ++i;
		}
		while (i < n && gov_isdigit((unsigned char) s[i]) && i - start < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return 0;
		if (i < n && gov_isdigit((unsigned char) s[i]))
			return 0;			/* a fourth digit */
	}
	return i;
}

/*
 * An optional network prefix "/N" at s[i..n), N in 0..max with no leading
 * zero, running to the end.  True when there is none or a valid one.
 */
static bool
gov_net_suffix_ok(const char *s, size_t n, size_t i, int max)
{
	int			v = 0;
	size_t		start;

	if (i == n)
		return true;
	if (s[i] != '/')
		return false;
	start = ++i;
	while (i < n && gov_isdigit((unsigned char) s[i]) && i - start < 3)
		v = v * 10 + (s[i++] - '0');
	return i == n && i > start && v <= max &&
		!(s[start] == '0' && i - start > 1);
}

/*
 * IPv4, whole value: a dotted quad (gov_ipv4_prefix), optionally with a
 * network prefix /0../32 as PostgreSQL's cidr prints it.
 */
bool
gov_is_ipv4(const char *s, size_t n)
{
	size_t		len;

	if (n < 7 || n > 18)
		return false;
	len = gov_ipv4_prefix(s, n);
	return len > 0 && gov_net_suffix_ok(s, n, len, 32);
}

/*
 * IPv6, whole value (RFC 4291 section 2.2): groups of one to four hex
 * digits separated by colons, eight of them, or fewer with one "::"
 * standing for at least one group of zeros; the last two groups may be
 * written as a dotted quad ("::ffff:192.0.2.1").  Optionally a zone
 * ("%eth0": letters, digits, '.', '_', '-') and a network prefix
 * /0../128.  "::" alone is refused: it names no host and is a common
 * token in code.
 */
bool
gov_is_ipv6(const char *s, size_t n)
{
	size_t		i = 0;
	int			groups = 0;
	bool		compressed = false,
				any_hex = false;

	if (n < 3 || n > 64 || (s[0] == ':' && s[1] != ':'))
		return false;
	if (s[0] == ':')
	{
		compressed = true;
		i = 2;
	}
	while (i < n && s[i] != '%' && s[i] != '/')
	{
		size_t		start = i;
		size_t		v4;

		/* an embedded IPv4 address ends the address, as two groups */
		v4 = gov_ipv4_prefix(s + i, n - i);
		if (v4 > 0 && (i + v4 == n || s[i + v4] == '%' || s[i + v4] == '/'))
		{
			if (groups + 2 > 8 || (!compressed && groups != 6))
				return false;
			groups += 2;
			i += v4;
			any_hex = true;
			break;
		}
		while (i < n && gov_cc((unsigned char) s[i], GOV_CC_HEX) && i - start < 4)
			i++;
		if (i == start || ++groups > 8)
			return false;
		any_hex = true;
		if (i == n || s[i] == '%' || s[i] == '/')
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':')
		{
			if (compressed)
				return false;
			compressed = true;
			i++;
			if (i == n || s[i] == '%' || s[i] == '/')
				break;
		}
		else if (i == n || s[i] == '%' || s[i] == '/')
			return false;		/* a single trailing colon */
	}
	if (!any_hex)
		return false;
	if (compressed ? groups > 7 : groups != 8)
		return false;
	if (i < n && s[i] == '%')
	{
		size_t		start = ++i;

		while (i < n && (gov_isalnum((unsigned char) s[i]) || s[i] == '.' ||
						 s[i] == '_' || s[i] == '-'))
			i++;
		if (i == start)
			return false;
	}
	return gov_net_suffix_ok(s, n, i, 128);
}
