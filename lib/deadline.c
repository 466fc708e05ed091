/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <time.h>

#include "deadline.h"
#include "banned.h"

static long long end_ms;	/* 0: none */
static long long total_ms;

long long
deadline_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
deadline_set(long long ms)
{
	total_ms = ms;
	end_ms = ms > 0 ? deadline_now_ms() + ms : 0;
}

int
deadline_is_set(void)
{
	return end_ms != 0;
}

int
deadline_passed(void)
{
	return end_ms != 0 && deadline_now_ms() >= end_ms;
}

int
deadline_cap(int ms, int *cut_r)
{
	long long left;

	*cut_r = 0;
	if (end_ms == 0)
		return ms;
	left = end_ms - deadline_now_ms();
	if (left < 0)
		left = 0;
	if (left < ms) {
		*cut_r = 1;
		return (int)left;
	}
	return ms;
}

int
deadline_err(struct err *e, const char *what)
{
	if (total_ms % 1000 == 0)
		return err_set(e, ERR_TIMEOUT, "the deadline of %lld s passed "
		    "%s", total_ms / 1000, what);
	return err_set(e, ERR_TIMEOUT, "the deadline of %.3g s passed %s",
	    total_ms / 1000.0, what);
}
