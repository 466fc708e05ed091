/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "parser.h"
#include "range.h"
#include "banned.h"

#define RANGE_MAX_TEXT	64	/* longer is not a range anyone means */
#define NUM_MAX		1e15	/* beyond this a threshold is a typo */

/*
 * The units of a duration. A bare "m" is none of them: Gmail's "6m" is six
 * months where other tools read six minutes, and a cleanup script must not
 * guess which was meant.
 */
static const struct {
	const char	*name;
	double		 mul;
} dur_unit[] = {
	{ "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 },
	{ "w", 7 * 86400 }, { "mo", 30 * 86400 }, { "y", 365 * 86400 }
};

/*
 * A decimal number: optional '-', digits, optional fraction; with a unit
 * when units are allowed. Parsed by hand so that neither the locale's
 * decimal separator nor strtod's hex, "inf" and "nan" get in. -1 when it
 * is not one, DURATION_AMBIGUOUS for a number ending in a bare "m".
 */
static int
number_parse(const char *s, size_t n, int units, double *v_r)
{
	double v = 0, scale = 1, mul = 1;
	size_t i = 0, digits = 0, k, ulen = 0;
	int neg = 0;

	if (units) {
		while (ulen < n && s[n - ulen - 1] >= 'a' &&
		    s[n - ulen - 1] <= 'z')
			ulen++;
		if (ulen == 1 && s[n - 1] == 'm')
			return number_parse(s, n - 1, 0, v_r) < 0 ? -1 :
			    DURATION_AMBIGUOUS;
		for (k = 0; ulen > 0 && k < sizeof(dur_unit) /
		    sizeof(dur_unit[0]); k++)
			if (strlen(dur_unit[k].name) == ulen &&
			    memcmp(s + n - ulen, dur_unit[k].name, ulen) == 0)
				break;
		if (ulen > 0 && k == sizeof(dur_unit) / sizeof(dur_unit[0]))
			return -1;
		if (ulen > 0)
			mul = dur_unit[k].mul;
		n -= ulen;
	}
	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		v = v * 10 + (s[i] - '0');
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (digits == 0 || i != n || v > NUM_MAX)
		return -1;
	*v_r = (neg ? -v : v) * mul;
	return 0;
}

const char *
duration_unit(size_t i)
{
	return i < sizeof(dur_unit) / sizeof(dur_unit[0]) ? dur_unit[i].name :
	    NULL;
}

void
duration_hint(const char *s, size_t n, char *out, size_t outlen)
{
	double v;

	if (n > 1 && n < 64 && number_parse(s, n, 1, &v) ==
	    DURATION_AMBIGUOUS) {
		snprintf(out, outlen, "%.*s is ambiguous: use %.*smin or %.*smo",
		    (int)n, s, (int)n - 1, s, (int)n - 1, s);
		return;
	}
	snprintf(out, outlen, "use a number and s, min, h, d, w, mo or y "
	    "(seconds, minutes, hours, days, weeks, months of 30 days, "
	    "years of 365 days), such as 90s, 30min, 2h or 90d");
}

int
range_parse(struct range *r, const char *s, unsigned flags, struct err *e)
{
	const char *p = s, *colon, *bad_at = NULL;
	size_t bad_n = 0;
	char hint[160];
	int units = (flags & RANGE_DURATION) != 0;

	memset(r, 0, sizeof(*r));
	if (strlen(s) > RANGE_MAX_TEXT)
		goto bad;
	if (*p == '@') {
		r->inside = 1;
		p++;
	}
	colon = strchr(p, ':');
	if (colon == NULL && !r->inside && (flags & RANGE_AT_LEAST)) {
		/* "N": N:, a lower bound. */
		if (number_parse(p, strlen(p), units, &r->lo) < 0) {
			bad_at = p;
			bad_n = strlen(p);
			goto bad;
		}
		r->no_hi = 1;
	} else if (colon == NULL) {
		/* "N": 0:N. */
		if (number_parse(p, strlen(p), units, &r->hi) < 0) {
			bad_at = p;
			bad_n = strlen(p);
			goto bad;
		}
	} else {
		if (colon - p == 1 && *p == '~')
			r->no_lo = 1;
		else if (colon > p &&
		    number_parse(p, (size_t)(colon - p), units, &r->lo) < 0) {
			bad_at = p;
			bad_n = (size_t)(colon - p);
			goto bad;
		}
		if (colon[1] == '\0')
			r->no_hi = 1;
		else if (number_parse(colon + 1, strlen(colon + 1), units,
		    &r->hi) < 0) {
			bad_at = colon + 1;
			bad_n = strlen(colon + 1);
			goto bad;
		}
		if ((r->no_lo || colon == p) && r->no_hi)
			goto bad;
	}
	if (!r->no_lo && !r->no_hi && r->lo > r->hi)
		return err_set(e, ERR_USAGE, "bad range '%s': the start is "
		    "above the end", s);
	r->set = 1;
	return 0;
bad:
	memset(r, 0, sizeof(*r));
	if (units && bad_at != NULL && number_parse(bad_at, bad_n, 1,
	    &r->lo) == DURATION_AMBIGUOUS) {
		r->lo = 0;
		duration_hint(bad_at, bad_n, hint, sizeof(hint));
		return err_set(e, ERR_USAGE, "bad range '%.64s': %s", s, hint);
	}
	return err_set(e, ERR_USAGE, "bad range '%.64s': use N, N:, ~:N, "
	    "N:M or @N:M%s", s, units ? " (numbers may end in s, min, h, d, "
	    "w, mo or y)" : "");
}

int
range_alerts(const struct range *r, double v)
{
	int outside;

	if (!r->set || isnan(v))
		return 0;
	outside = (!r->no_lo && v < r->lo) || (!r->no_hi && v > r->hi);
	return r->inside ? !outside : outside;
}

int
num_format(struct buf *b, double v, int decimals)
{
	char s[EMIT_FIXED_MAX];
	size_t n = emit_fmt_fixed(s, v, decimals);

	if (n == 0)
		return buf_adds(b, "U");
	if (memchr(s, '.', n) != NULL) {
		while (s[n - 1] == '0')
			n--;
		if (s[n - 1] == '.')
			n--;
	}
	if (n == 2 && s[0] == '-' && s[1] == '0')
		return buf_addc(b, '0');
	return buf_add(b, s, n);
}

int
range_format(const struct range *r, struct buf *b)
{
	int rc = 0;

	if (!r->set)
		return 0;
	if (r->inside)
		rc |= buf_addc(b, '@');
	if (r->no_lo)
		rc |= buf_adds(b, "~:");
	else if (r->lo != 0 || r->no_hi || r->inside) {
		rc |= num_format(b, r->lo, 6);
		rc |= buf_addc(b, ':');
	}
	if (!r->no_hi)
		rc |= num_format(b, r->hi, 6);
	return rc < 0 ? -1 : 0;
}

int
duration_parse(const char *s, size_t n, double *seconds_r)
{
	double v;
	int r;

	if ((r = number_parse(s, n, 1, &v)) < 0)
		return r;
	if (v < 0)
		return -1;
	*seconds_r = v;
	return 0;
}

int
size_parse(const char *s, size_t n, uint64_t *bytes_r)
{
	uint64_t v, mul = 1;

	if (n > 1) {
		switch (s[n - 1]) {
		case 'k': case 'K': mul = 1ULL << 10; n--; break;
		case 'm': case 'M': mul = 1ULL << 20; n--; break;
		case 'g': case 'G': mul = 1ULL << 30; n--; break;
		default: break;
		}
	}
	if (!imap_parse_u64(s, n, &v) || v > UINT64_MAX / mul)
		return -1;
	*bytes_r = v * mul;
	return 0;
}
