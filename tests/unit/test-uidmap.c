/* SPDX-License-Identifier: MIT */
/*
 * COPYUID pairs (RFC 4315): sets walked in the order the server wrote
 * them, ranges either way round, a short destination set, bad syntax.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "uidmap.h"
#include "t.h"

/* The pairs as "s>d s>d ...", or "bad". */
static void
pairs_are(const char *src, const char *dst, const char *want)
{
	struct buf b = BUF_INIT(4096);
	struct uidmap m;
	uint32_t s, d;
	char label[200];
	int r;

	uidmap_init(&m, src, dst);
	while ((r = uidmap_next(&m, &s, &d)) > 0)
		buf_putf(&b, "%s%u>%u", b.len ? " " : "", s, d);
	if (r < 0)
		buf_puts(&b, b.len ? " bad" : "bad");
	snprintf(label, sizeof(label), "COPYUID %s %s", src, dst);
	t_memeq(b.s, b.len, want, strlen(want), label);
	buf_free(&b);
}

static void
seq_is(const char *set, const char *want)
{
	struct buf b = BUF_INIT(4096);
	const char *p = set;
	uint32_t lo, hi;
	int r;

	while ((r = uidseq_next(&p, &lo, &hi)) > 0)
		buf_putf(&b, "%s%u-%u", b.len ? " " : "", lo, hi);
	if (r < 0)
		buf_puts(&b, b.len ? " bad" : "bad");
	t_streq(b.s, want, set);
	buf_free(&b);
}

int
main(void)
{
	seq_is("1", "1-1");
	seq_is("1:3,7,9:8", "1-3 7-7 8-9");
	seq_is("4294967295", "4294967295-4294967295");
	seq_is("4294967296", "bad");
	seq_is("0", "bad");
	seq_is("1:*", "bad");
	seq_is("1,,2", "1-1 bad");
	seq_is("1:", "bad");
	seq_is("a", "bad");
	seq_is("", "");

	pairs_are("1:3", "7:9", "1>7 2>8 3>9");
	pairs_are("1,3,5", "10:12", "1>10 3>11 5>12");
	pairs_are("5,1:2", "20,21:22", "5>20 1>21 2>22");
	pairs_are("3:1", "4:6", "1>4 2>5 3>6");
	pairs_are("1:4", "10:11", "1>10 2>11 3>0 4>0");
	pairs_are("1:2", "10:20", "1>10 2>11");
	pairs_are("1:2", "x", "bad");
	pairs_are("1:x", "1", "bad");
	pairs_are("4000000000:4000000001", "1:2",
	    "4000000000>1 4000000001>2");
	return t_done();
}
