/* SPDX-License-Identifier: MIT */
/*
 * Threshold ranges in the monitoring-plugins syntax, and durations.
 *
 *   10       alert if the value is below 0 or above 10
 *   10:      alert if below 10
 *   ~:10     alert if above 10
 *   10:20    alert if below 10 or above 20
 *   @10:20   alert if between 10 and 20, both included
 *
 * Ends are decimal numbers ("0.5", "-3"); an empty start is 0. Where a
 * range measures time, the numbers may carry a unit, as durations do.
 */
#ifndef IMAPCTL_RANGE_H
#define IMAPCTL_RANGE_H

#include <stdint.h>

#include "buf.h"
#include "err.h"

struct range {
	int	set;		/* a range was given */
	int	inside;		/* '@': alert inside instead of outside */
	int	no_lo;		/* '~': no lower end */
	int	no_hi;		/* "N:": no upper end */
	double	lo, hi;
};

#define RANGE_DURATION	0x1	/* numbers may carry a duration's unit */
/*
 * A bare number N is a lower bound, "N:": alert below N. For what runs
 * out, such as a certificate's days (check_http's -C): "fewer than N
 * days left". Ranges with ':', '~' or '@' read as above.
 */
#define RANGE_AT_LEAST	0x2

/* ERR_USAGE naming the text when it is not a range. */
int	range_parse(struct range *, const char *, unsigned flags,
	    struct err *);
/* 1 when v raises the alert of r; 0 when it does not or r is not set. */
int	range_alerts(const struct range *, double v);
/* r in the syntax above, numbers in plain seconds; nothing if not set. */
int	range_format(const struct range *, struct buf *);

/*
 * A duration, the one spelling for every option, query term and range
 * that measures time: a non-negative number of seconds, or a number with
 * a unit: s, min, h, d, w, mo (30 days) or y (365 days). -1 if s[0..n)
 * is not one; DURATION_AMBIGUOUS for a bare "m" ("6m": Gmail's six months
 * or six minutes?), which is refused.
 */
#define DURATION_AMBIGUOUS	(-2)
int	duration_parse(const char *, size_t, double *seconds_r);
/* The i-th unit's spelling, from 0; NULL past the last. */
const char *duration_unit(size_t i);
/* What to say after "bad duration 'X': ", for s[0..n); NUL-terminated. */
void	duration_hint(const char *, size_t, char *out, size_t outlen);

/*
 * A size: a number of bytes, or a number ending in k, M or G (binary
 * multiples, either case). -1 if s[0..n) is not one or overflows.
 */
int	size_parse(const char *, size_t, uint64_t *bytes_r);

/* v with up to decimals (0..9) places, trailing zeros dropped, '.' always. */
int	num_format(struct buf *, double v, int decimals);

#endif
