/* SPDX-License-Identifier: MIT */
/*
 * Which refusals are "not now": the codes and words of servers that
 * throttle, and the wait Outlook suggests.
 */
#include <stdio.h>

#include "t.h"
#include "throttle.h"

static void
is(const char *code, const char *text, const char *want, const char *name)
{
	char got[32];

	snprintf(got, sizeof(got), "%ld", throttle_wait_ms(code, text));
	t_streq(got, want, name);
}

int
main(void)
{
	is("", "Request is throttled. Suggested Backoff Time: 12345 "
	    "milliseconds", "12345", "Outlook's suggested wait");
	is("", "Request is throttled.", "0", "throttled without a wait");
	is("", "suggested backoff time: 99999999999999 milliseconds",
	    "86400000", "a wait bounded to a day");
	is("UNAVAILABLE", "down", "0", "UNAVAILABLE");
	is("throttled", "slow down", "0", "THROTTLED");
	is("OVERQUOTA", "Account exceeded command or bandwidth limits.", "0",
	    "Gmail's bandwidth limit");
	is("OVERQUOTA", "Quota exceeded (mailbox for user is full)", "-1",
	    "a full mailbox is a refusal");
	is("", "System Error (Failure)", "0", "Gmail's System Error");
	is("NONEXISTENT", "System Error", "-1", "a code of another kind "
	    "decides");
	is("", "Mailbox doesn't exist", "-1", "an ordinary NO");
	return t_done();
}
