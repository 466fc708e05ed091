/* SPDX-License-Identifier: MIT */
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
