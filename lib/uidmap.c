/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "parser.h"
#include "uidmap.h"
#include "banned.h"

int
uidseq_next(const char **p, uint32_t *lo_r, uint32_t *hi_r)
{
	const char *s = *p, *end, *colon;
	uint64_t a, b;

	if (*s == '\0')
		return 0;
	end = s + strcspn(s, ",");
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon == NULL) {
		if (!imap_parse_u64(s, (size_t)(end - s), &a))
			return -1;
		b = a;
	} else if (!imap_parse_u64(s, (size_t)(colon - s), &a) ||
	    !imap_parse_u64(colon + 1, (size_t)(end - colon - 1), &b))
		return -1;
	if (a == 0 || b == 0 || a > UINT32_MAX || b > UINT32_MAX)
		return -1;
	*lo_r = (uint32_t)(a < b ? a : b);
	*hi_r = (uint32_t)(a < b ? b : a);
	*p = *end != '\0' ? end + 1 : end;
	return 1;
}

void
uidmap_init(struct uidmap *m, const char *src, const char *dst)
{
	memset(m, 0, sizeof(*m));
	m->src = src;
	m->dst = dst;
	m->sdone = m->ddone = 1;	/* no range taken yet */
}

/* The next UID of a set being walked; 0 at its end, -1 if malformed. */
static int
walk(const char **p, uint32_t *cur, uint32_t *hi, int *done)
{
	int r;

	if (!*done) {
		(*cur)++;
		*done = *cur == *hi;
		return 1;
	}
	if ((r = uidseq_next(p, cur, hi)) <= 0)
		return r;
	*done = *cur == *hi;
	return 1;
}

int
uidmap_next(struct uidmap *m, uint32_t *src_r, uint32_t *dst_r)
{
	int r;

	if ((r = walk(&m->src, &m->s, &m->shi, &m->sdone)) <= 0)
		return r;
	*src_r = m->s;
	*dst_r = 0;
	if (m->dst == NULL)
		return 1;
	r = walk(&m->dst, &m->d, &m->dhi, &m->ddone);
	if (r < 0)
		return -1;
	if (r == 0)
		m->dst = NULL;
	else
		*dst_r = m->d;
	return 1;
}
