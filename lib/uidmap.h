/* SPDX-License-Identifier: MIT */
/*
 * The UID pairs of a COPYUID response code (RFC 4315): "COPYUID
 * uidvalidity source-set dest-set", where the n-th UID of the source set,
 * in the order the server wrote it, was copied to the n-th UID of the
 * destination set. The sets are walked as written, never sorted or held
 * expanded.
 */
#ifndef IMAPCTL_UIDMAP_H
#define IMAPCTL_UIDMAP_H

#include <stdint.h>

/*
 * The next element of a sequence set as written, "a" or "a:b" (either
 * order; lo <= hi on return), *p moved past it. Returns 1, 0 at the end,
 * -1 for bad syntax, 0 or a number past 32 bits ("*" is bad here).
 */
int	uidseq_next(const char **p, uint32_t *lo_r, uint32_t *hi_r);

struct uidmap {
	const char	*src, *dst;
	uint32_t	 s, shi, d, dhi;
	int		 sdone, ddone;
};

void	uidmap_init(struct uidmap *, const char *src, const char *dst);
/*
 * The next pair: 1 with *src_r and *dst_r (0 when the destination set ran
 * short), 0 after the last source UID, -1 when a set is malformed.
 */
int	uidmap_next(struct uidmap *, uint32_t *src_r, uint32_t *dst_r);

#endif
