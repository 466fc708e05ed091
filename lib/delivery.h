/* SPDX-License-Identifier: MIT */
/*
 * A delivery round trip: a probe message with a token of its own (in its
 * X-Imapctl-Probe header and its subject) submitted over SMTP (smtp.h),
 * waited for in a mailbox of a logged-in IMAP session (IDLE where the
 * server offers it, else polling with NOOP; each time new mail is
 * announced, a UID SEARCH for the token header among the messages that
 * came since), the delay measured, and exactly that message deleted
 * again: UID STORE \Deleted and UID EXPUNGE of its UID (UIDPLUS; without
 * it the message is only flagged, and the result says so).
 */
#ifndef IMAPCTL_DELIVERY_H
#define IMAPCTL_DELIVERY_H

#include <stdint.h>

#include "err.h"
#include "sess.h"
#include "smtp.h"

#define DELIVERY_HEADER		"X-Imapctl-Probe"
#define DELIVERY_POLL_MS	500	/* NOOP this often without IDLE */

struct delivery_opts {
	const struct smtp_opts	*smtp;
	const char		*from;		/* envelope and From: */
	const char		*to;		/* envelope and To: */
	const char		*mailbox;	/* where it arrives (UTF-8) */
	/*
	 * How long to wait for it: until until_ms on the monotonic clock
	 * (deadline.h's), or when that is 0, wait_ms after it is accepted.
	 */
	long long		 until_ms;
	int			 wait_ms;
};

struct delivery_result {
	char		 token[48];
	int		 submitted;
	struct smtp_times smtp;		/* the submission's steps */
	double		 submit_time;	/* connect to accepted, seconds */
	int		 arrived;
	double		 waited;	/* what the wait allowed, seconds */
	double		 delivery_time;	/* accepted to seen, seconds */
	uint32_t	 uid;		/* of the probe message */
	int		 deleted;	/* expunged again */
	int		 flagged_only;	/* \Deleted, not expunged: no UIDPLUS */
	struct err	 cleanup;	/* why it was not deleted, if so */
};

/*
 * Select the mailbox (read-write), submit, wait, delete.
 * Returns -1 with e set when the submission failed (r->submitted 0) or
 * the IMAP session did; 0 otherwise, r->arrived saying whether the probe
 * came in time. A failed deletion is not a failure: r->cleanup says it.
 */
int	delivery_run(struct sess *, const struct delivery_opts *,
	    struct delivery_result *r, struct err *e);

#endif
