/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the small parsers of what the user, a script or a
 * file hands imapctl: UID sets (also what ESEARCH returns), search
 * queries, the config file, netrc, URLs and monitoring ranges. The first
 * byte picks the parser, the second is a parameter, the rest the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "netrc.h"
#include "range.h"
#include "search.h"
#include "uidset.h"
#include "url.h"
#include "xalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
same_set(const struct uidset *a, const struct uidset *b)
{
	size_t i;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++)
		if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
			abort();
}

static void
do_uidset(const char *text, unsigned param)
{
	struct uidset s, again, chunks;
	struct buf b;
	struct err e;
	size_t pos = 0, i;

	uidset_init(&s);
	if (uidset_parse(&s, text, &e) < 0) {
		if (s.n != 0)
			abort();	/* a bad set changes nothing */
		uidset_free(&s);
		return;
	}
	for (i = 0; i < s.n; i++)
		if (s.r[i].lo > s.r[i].hi || (i > 0 &&
		    (uint64_t)s.r[i - 1].hi + 1 >= s.r[i].lo))
			abort();	/* sorted, merged */
	buf_init(&b, 64u << 20);
	uidset_format(&s, &b);
	uidset_init(&again);
	if (uidset_parse(&again, b.s, &e) < 0)
		abort();
	same_set(&s, &again);
	uidset_init(&chunks);
	buf_free(&b);
	buf_init(&b, UIDSET_CHUNK * 2);
	while (uidset_next_chunk(&s, &pos, &b) > 0) {
		if (b.len == 0 || uidset_parse(&chunks, b.s, &e) < 0)
			abort();
	}
	same_set(&s, &chunks);
	(void)uidset_count(&s);
	(void)uidset_contains(&s, param * 977u);
	uidset_resolve_star(&s, param * 13u);
	buf_free(&b);
	uidset_free(&s);
	uidset_free(&again);
	uidset_free(&chunks);
}

static void
do_search(const char *text, unsigned param)
{
	static const enum search_form forms[] = { SEARCH_FORM_EXACT,
	    SEARCH_FORM_OUTSIDE, SEARCH_FORM_VALUES, SEARCH_FORM_BOUNDARY };
	struct search_query *q = NULL;
	const char *terms[1] = { text };
	struct uidset in;
	struct buf b;
	struct err e;
	size_t i;

	if (search_compile(terms, 1, 1, param & 3, 1700000000, &q, &e) < 0)
		return;
	if (param & 4)
		(void)search_add_raw(q, "UNSEEN", &e);
	if (search_wants_stdin(q)) {
		uidset_init(&in);
		uidset_add(&in, 1, 5);
		search_set_stdin(q, &in);
		uidset_free(&in);
	}
	buf_init(&b, 16u << 20);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		buf_reset(&b);
		if (search_text(q, forms[i], param >> 3, &b, &e) == 0 &&
		    memchr(b.s, '\0', b.len) != NULL)
			abort();
	}
	buf_free(&b);
	search_free(q);
}

static void
do_config(const char *text, size_t n)
{
	struct config c;
	struct err e;

	memset(&c, 0, sizeof(c));
	(void)config_parse(&c, "fuzz", text, n, &e);
	(void)config_default(&c);
	(void)config_has_secrets(&c);
	config_free(&c);
}

static void
do_netrc(const char *text, size_t n, unsigned param)
{
	struct buf pw;
	struct err e;
	char *login = NULL;

	buf_init(&pw, 4096);
	(void)netrc_parse("fuzz", text, n, "mail.example", param & 1 ? "me" :
	    NULL, &login, &pw, &e);
	free(login);
	buf_wipe(&pw);
}

static void
do_url_range(const char *text)
{
	struct url u;
	struct range r;
	struct buf b;
	struct err e;
	double d;

	memset(&u, 0, sizeof(u));
	if (url_parse(text, &u, &e) == 0)
		url_free(&u);
	buf_init(&b, 4096);
	if (range_parse(&r, text, RANGE_DURATION, &e) == 0) {
		(void)range_alerts(&r, 42.5);
		(void)range_format(&r, &b);
	}
	buf_free(&b);
	(void)duration_parse(text, strlen(text), &d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text;
	size_t n;

	if (len < 2)
		return 0;
	n = len - 2;
	text = xstrndup((const char *)data + 2, n);
	switch (data[0] % 5) {
	case 0:
		do_uidset(text, data[1]);
		break;
	case 1:
		do_search(text, data[1]);
		break;
	case 2:
		do_config((const char *)data + 2, n);
		break;
	case 3:
		do_netrc((const char *)data + 2, n, data[1]);
		break;
	default:
		do_url_range(text);
		break;
	}
	free(text);
	return 0;
}
