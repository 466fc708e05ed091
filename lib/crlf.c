/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "crlf.h"
#include "banned.h"

void
crlf_init(struct crlf *c)
{
	c->prev_cr = 0;
	c->owe_lf = 0;
}

int
crlf_owed(const struct crlf *c)
{
	return c->owe_lf;
}

size_t
crlf_convert(struct crlf *c, const char *in, size_t inlen, size_t *used_r,
    char *out, size_t outlen)
{
	size_t n = 0, i = 0;
	char ch;

	while (n < outlen) {
		if (c->owe_lf) {
			if (out != NULL)
				out[n] = '\n';
			n++;
			c->owe_lf = 0;
			continue;
		}
		if (i == inlen)
			break;
		ch = in[i++];
		if (ch == '\n' && !c->prev_cr) {
			/* The LF follows the CR, now or at the next call. */
			ch = '\r';
			c->owe_lf = 1;
		}
		c->prev_cr = ch == '\r' && !c->owe_lf;
		if (out != NULL)
			out[n] = ch;
		n++;
	}
	*used_r = i;
	return n;
}

void
lfonly_init(struct lfonly *l)
{
	l->held_cr = 0;
}

int
lfonly_feed(struct lfonly *l, const char *p, size_t n, lfonly_put_fn *put,
    void *arg)
{
	const char *cr;
	size_t run;

	while (n > 0) {
		if (l->held_cr) {
			/* A CR before an LF goes; any other stays. */
			l->held_cr = 0;
			if (*p != '\n' && put(arg, "\r", 1) < 0)
				return -1;
		}
		cr = memchr(p, '\r', n);
		run = cr == NULL ? n : (size_t)(cr - p);
		if (run > 0 && put(arg, p, run) < 0)
			return -1;
		if (cr == NULL)
			break;
		l->held_cr = 1;
		p += run + 1;
		n -= run + 1;
	}
	return 0;
}

int
lfonly_end(struct lfonly *l, lfonly_put_fn *put, void *arg)
{
	if (!l->held_cr)
		return 0;
	l->held_cr = 0;
	return put(arg, "\r", 1);
}
