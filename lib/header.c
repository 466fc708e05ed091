/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "header.h"
#include "banned.h"

void
hdr_split_init(struct hdr_split *h, hdr_field_fn fn, void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->fn = fn;
	h->ctx = ctx;
	buf_init(&h->field, HDR_FIELD_MAX);
	h->bol = 1;
}

void
hdr_split_free(struct hdr_split *h)
{
	buf_free(&h->field);
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Hand over the field collected so far (line breaks already dropped). */
static int
emit_field(struct hdr_split *h)
{
	const char *s = h->field.s, *colon;
	size_t n = h->field.len, nl, vs;
	int r = 0;

	if (n == 0)
		return 0;
	colon = memchr(s, ':', n);
	if (colon != NULL && colon != s) {
		nl = (size_t)(colon - s);
		while (nl > 0 && is_wsp(s[nl - 1]))
			nl--;
		vs = (size_t)(colon - s) + 1;
		while (vs < n && is_wsp(s[vs]))
			vs++;
		while (n > vs && is_wsp(s[n - 1]))
			n--;
		if (nl > 0 && memchr(s, ' ', nl) == NULL)
			r = h->fn(h->ctx, s, nl, s + vs, n - vs);
	}
	buf_reset(&h->field);
	return r;
}

int
hdr_split_feed(struct hdr_split *h, const char *p, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n && !h->done; i++) {
		c = p[i];
		if (h->bol) {
			if (c == '\r') {
				h->cr = 1;
				continue;
			}
			if (c == '\n') {
				/* The empty line: end of the header. */
				h->done = 1;
				return emit_field(h);
			}
			h->cr = 0;
			h->bol = 0;
			if (!is_wsp(c) && emit_field(h) < 0)
				return -1;
		}
		if (c == '\n') {
			h->bol = 1;
			continue;
		}
		if (c == '\r')
			continue;
		/* Past the limit the rest of the field is dropped. */
		buf_putc(&h->field, c);
	}
	return 0;
}

int
hdr_split_finish(struct hdr_split *h)
{
	if (h->done)
		return 0;
	h->done = 1;
	return emit_field(h);
}
