/* SPDX-License-Identifier: MIT */
/*
 * Typed option arguments: numbers, sizes, durations, threshold ranges
 * and words of a closed set read once, when the option is, into the field
 * its table entry points at. Each kind says what is wrong in one wording, naming the option and
 * the range it takes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "choice.h"
#include "cmd.h"
#include "parser.h"
#include "range.h"
#include "banned.h"

/* Whether s is all digits (a number too large for 64 bits is one). */
static int
digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The bounds of a number or size option, as its error names them. */
static void
num_bounds(const struct opt *o, char *out, size_t outlen)
{
	if (o->max == UINT64_MAX && o->min == 0)
		snprintf(out, outlen, "at most %" PRIu64, o->max);
	else if (o->max == UINT64_MAX)
		snprintf(out, outlen, "at least %" PRIu64, o->min);
	else
		snprintf(out, outlen, "%" PRIu64 " to %" PRIu64, o->min,
		    o->max);
}

/* Seconds in the largest unit that divides them: 86400 is "1d". */
static void
secs_text(double s, char *out, size_t outlen)
{
	static const struct {
		const char	*unit;
		double		 secs;
	} u[] = {
		{ "d", 86400 }, { "h", 3600 }, { "min", 60 }, { "s", 1 }
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]) - 1; i++)
		if (s >= u[i].secs && (long long)s % (long long)u[i].secs == 0 &&
		    s == (double)(long long)s)
			break;
	snprintf(out, outlen, "%g%s", s / u[i].secs, u[i].unit);
}

static int
read_uint(const struct opt *o, const char *arg, struct err *e)
{
	char bounds[64];
	uint64_t v;

	if (!digits(arg))
		return err_set(e, ERR_USAGE, "--%s: not a number: '%s'",
		    o->name, arg);
	if (!imap_parse_u64(arg, strlen(arg), &v) || v < o->min ||
	    v > o->max) {
		num_bounds(o, bounds, sizeof(bounds));
		return err_set(e, ERR_USAGE, "--%s: out of range: '%s': %s",
		    o->name, arg, bounds);
	}
	*o->num = v;
	return 0;
}

static int
read_size(const struct opt *o, const char *arg, struct err *e)
{
	char bounds[64];
	uint64_t v;

	if (size_parse(arg, strlen(arg), &v) < 0)
		return err_set(e, ERR_USAGE, "--%s: not a size: '%s': bytes, "
		    "or a number with k, M or G", o->name, arg);
	if (v < o->min || v > o->max) {
		num_bounds(o, bounds, sizeof(bounds));
		return err_set(e, ERR_USAGE, "--%s: out of range: '%s': %s",
		    o->name, arg, bounds);
	}
	*o->num = v;
	return 0;
}

static int
read_duration(const struct opt *o, const char *arg, struct err *e)
{
	char hint[200], most[32];
	double v;

	if (duration_parse(arg, strlen(arg), &v) < 0) {
		duration_hint(arg, strlen(arg), hint, sizeof(hint));
		return err_set(e, ERR_USAGE, "--%s: not a duration: '%s': %s",
		    o->name, arg, hint);
	}
	if (!(v > 0) || (o->dmax > 0 && v > o->dmax)) {
		if (o->dmax > 0) {
			secs_text(o->dmax, most, sizeof(most));
			return err_set(e, ERR_USAGE, "--%s: out of range: "
			    "'%s': more than 0, at most %s", o->name, arg,
			    most);
		}
		return err_set(e, ERR_USAGE, "--%s: out of range: '%s': more "
		    "than 0", o->name, arg);
	}
	*o->secs = v;
	return 0;
}

static int
read_choice(const struct opt *o, const char *arg, struct err *e)
{
	char what[64];

	if (choice_parse(o->choices, arg, o->choice) == 0)
		return 0;
	snprintf(what, sizeof(what), "--%s", o->name);
	return choice_err(o->choices, what, arg, e);
}

int
opt_value(const struct opt *o, const char *arg, struct err *e)
{
	switch (o->kind) {
	case OPT_K_UINT:
		return read_uint(o, arg, e);
	case OPT_K_SIZE:
		return read_size(o, arg, e);
	case OPT_K_DURATION:
		return read_duration(o, arg, e);
	case OPT_K_RANGE:
		if (range_parse(o->range, arg, o->range_flags, e) < 0) {
			err_prefix(e, "--%s", o->name);
			return -1;
		}
		return 0;
	case OPT_K_CHOICE:
		return read_choice(o, arg, e);
	case OPT_K_TEXT:
		break;
	}
	return 0;
}

void
opt_value_reset(const struct opt *o)
{
	for (; o->name != NULL; o++) {
		if (o->num != NULL)
			*o->num = o->def;
		if (o->secs != NULL)
			*o->secs = o->ddef;
		if (o->range != NULL)
			memset(o->range, 0, sizeof(*o->range));
		if (o->choice != NULL)
			*o->choice = o->cdef;
	}
}
