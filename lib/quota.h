/* SPDX-License-Identifier: MIT */
/*
 * QUOTA responses (RFC 9208, RFC 2087): the roots of a mailbox and each
 * root's resources with usage and limit, in the units the server counts
 * (STORAGE in units of 1024 octets, MESSAGE in messages).
 */
#ifndef IMAPCTL_QUOTA_H
#define IMAPCTL_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "parser.h"

struct quota_res {
	const char	*name;		/* atom as sent: "STORAGE" */
	uint64_t	 usage, limit;
};

/*
 * "* QUOTA root (resource usage limit ...)": 1 with the root and the
 * first item of the resource list (for quota_next), 0 if it is not a
 * QUOTA response, -1 if it is malformed. The whole list is checked here,
 * so quota_next cannot fail.
 */
int	quota_parse(const struct imap_resp *, const char **root_r,
	    size_t *root_len_r, const struct imap_arg **it_r);
/* The next resource of a list quota_parse accepted: 1, or 0 at its end. */
int	quota_next(const struct imap_arg **it, struct quota_res *);

/*
 * "* QUOTAROOT mailbox root...": 1 with the mailbox name as sent and the
 * first root (strings; NULL when there is none), 0 if it is not one, -1
 * if malformed.
 */
int	quota_parse_root(const struct imap_resp *, const char **mailbox_r,
	    size_t *len_r, const struct imap_arg **roots_r);

/* usage as a percentage of limit; 100 for a limit of 0 that is used. */
double	quota_percent(const struct quota_res *);

#endif
