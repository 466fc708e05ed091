/* SPDX-License-Identifier: MIT */
/*
 * A minimal TAP producer for the C unit tests: each check prints
 * "ok N - name" or "not ok N - name", and t_done() prints the plan and
 * returns the exit status (non-zero if anything failed).
 */
#ifndef IMAPCTL_T_H
#define IMAPCTL_T_H

#include <stdio.h>
#include <string.h>

static int t_count, t_failed;

static int __attribute__((unused))
t_ok(int cond, const char *name)
{
	t_count++;
	if (!cond)
		t_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", t_count, name);
	fflush(stdout);
	return cond;
}

static int __attribute__((unused))
t_streq(const char *got, const char *want, const char *name)
{
	int ok = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!t_ok(ok, name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return ok;
}

static int __attribute__((unused))
t_memeq(const void *got, size_t gotlen, const void *want, size_t wantlen,
    const char *name)
{
	int ok = gotlen == wantlen && memcmp(got, want, gotlen) == 0;

	if (!t_ok(ok, name))
		printf("#   got:  '%.*s' (%zu)\n#   want: '%.*s' (%zu)\n",
		    (int)gotlen, (const char *)got, gotlen, (int)wantlen,
		    (const char *)want, wantlen);
	return ok;
}

static int __attribute__((unused))
t_done(void)
{
	printf("1..%d\n", t_count);
	if (t_failed)
		printf("# %d of %d failed\n", t_failed, t_count);
	return t_failed != 0;
}

#endif
