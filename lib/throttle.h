/* SPDX-License-Identifier: MIT */
/*
 * Refusals that mean "not now": a server that throttles a client, or
 * whose back end is down for a while, answers NO in words of its own.
 */
#ifndef IMAPCTL_THROTTLE_H
#define IMAPCTL_THROTTLE_H

/*
 * Whether a NO with this response code (without brackets, "" if none)
 * and text is a temporary refusal: RFC 5530's UNAVAILABLE, THROTTLED,
 * Outlook's "Request is throttled. Suggested Backoff Time: N
 * milliseconds", Gmail's OVERQUOTA for its command and bandwidth limits
 * (not a full mailbox) and its "System Error". Returns the wait the
 * server suggests in milliseconds, 0 when it suggests none, or -1 when
 * the refusal is not temporary.
 */
long	throttle_wait_ms(const char *code, const char *text);

#endif
