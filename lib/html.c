/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "utf8.h"
#include "banned.h"

enum { H_TEXT, H_TAG, H_COMMENT, H_ENTITY, H_BANG };

static const char *const blocks[] = {
	"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
	"table", "ul", "ol", "blockquote", "pre", "hr", "dt", "dd", "title",
	"section", "article", "header", "footer"
};

void
html_text_init(struct html_text *h)
{
	memset(h, 0, sizeof(*h));
	h->nl = 2;		/* no white space at the very start */
}

static int
put_text(struct html_text *h, const char *s, size_t n, struct buf *out)
{
	if (h->skip || n == 0)
		return 0;
	if (h->space && h->nl == 0 && buf_addc(out, ' ') < 0)
		return -1;
	h->space = 0;
	h->nl = 0;
	return buf_add(out, s, n);
}

static int
put_break(struct html_text *h, struct buf *out)
{
	h->space = 0;
	if (h->skip || h->nl >= 2)
		return 0;
	h->nl++;
	return buf_addc(out, '\n');
}

static int
end_tag(struct html_text *h, struct buf *out)
{
	const char *n = h->name;
	int closing = 0;
	size_t i;

	if (*n == '/') {
		closing = 1;
		n++;
	}
	if (strcasecmp(n, "script") == 0 || strcasecmp(n, "style") == 0) {
		h->skip = !closing;
		return 0;
	}
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (strcasecmp(n, blocks[i]) == 0)
			return put_break(h, out);
	return 0;
}

static int
end_entity(struct html_text *h, struct buf *out, int terminated)
{
	static const struct {
		const char	*name;
		const char	*text;
	} ents[] = {
		{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
		{ "apos", "'" }, { "nbsp", " " },
	};
	char tmp[8];
	struct buf b;
	unsigned long v;
	char *end;
	size_t i;

	h->name[h->nname] = '\0';
	if (terminated && h->name[0] == '#') {
		if (h->name[1] == 'x' || h->name[1] == 'X')
			v = strtoul(h->name + 2, &end, 16);
		else
			v = strtoul(h->name + 1, &end, 10);
		if (*end == '\0' && end != h->name + 1 && v > 0 &&
		    v <= 0x10ffff) {
			buf_init(&b, sizeof(tmp) - 1);
			utf8_put(&b, (uint32_t)v);
			memcpy(tmp, b.s, b.len);
			i = b.len;
			buf_free(&b);
			return put_text(h, tmp, i, out);
		}
	}
	if (terminated)
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (strcmp(h->name, ents[i].name) == 0)
				return put_text(h, ents[i].text,
				    strlen(ents[i].text), out);
	/* Not one we know: as written. */
	if (put_text(h, "&", 1, out) < 0 ||
	    put_text(h, h->name, h->nname, out) < 0)
		return -1;
	return terminated ? put_text(h, ";", 1, out) : 0;
}

int
html_text_feed(struct html_text *h, const char *s, size_t n,
    struct buf *out)
{
	size_t i, run;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		switch (h->state) {
		case H_TEXT:
			if (c == '<') {
				h->state = H_TAG;
				h->nname = 0;
				h->name_done = 0;
				h->quote = 0;
				continue;
			}
			if (c == '&') {
				h->state = H_ENTITY;
				h->nname = 0;
				continue;
			}
			if (isspace((unsigned char)c)) {
				h->space = 1;
				continue;
			}
			/* A run of ordinary text at once. */
			for (run = i + 1; run < n && s[run] != '<' &&
			    s[run] != '&' && !isspace((unsigned char)s[run]);
			    run++)
				;
			if (put_text(h, s + i, run - i, out) < 0)
				return -1;
			i = run - 1;
			continue;
		case H_ENTITY:
			if (c == ';') {
				h->state = H_TEXT;
				if (end_entity(h, out, 1) < 0)
					return -1;
				continue;
			}
			if (isalnum((unsigned char)c) || (c == '#' &&
			    h->nname == 0)) {
				if (h->nname < HTML_NAME_MAX) {
					h->name[h->nname++] = c;
					continue;
				}
			}
			h->state = H_TEXT;
			if (end_entity(h, out, 0) < 0)
				return -1;
			i--;		/* c again, as text */
			continue;
		case H_COMMENT:
			if (c == '>' && h->dashes >= 2)
				h->state = H_TEXT;
			h->dashes = c == '-' ? h->dashes + 1 : 0;
			continue;
		case H_BANG:
			/* "<!" : a comment if "--" follows, else a declaration. */
			if (c == '-' && h->nname < 2) {
				h->nname++;
				if (h->nname == 2) {
					h->state = H_COMMENT;
					h->dashes = 0;
				}
				continue;
			}
			if (c == '>')
				h->state = H_TEXT;
			continue;
		case H_TAG:
			if (h->quote) {
				if (c == h->quote)
					h->quote = 0;
				continue;
			}
			if (h->nname == 0 && !h->name_done && c == '!') {
				h->state = H_BANG;
				continue;
			}
			if (c == '>') {
				h->name[h->nname] = '\0';
				h->state = H_TEXT;
				if (end_tag(h, out) < 0)
					return -1;
				continue;
			}
			if (!h->name_done) {
				if (isalnum((unsigned char)c) || (c == '/' &&
				    h->nname == 0)) {
					if (h->nname < HTML_NAME_MAX)
						h->name[h->nname++] = c;
					continue;
				}
				h->name_done = 1;
			}
			if (c == '"' || c == '\'')
				h->quote = c;
			continue;
		}
	}
	return 0;
}

int
html_text_finish(struct html_text *h, struct buf *out)
{
	int r = 0;

	if (h->state == H_ENTITY)
		r = end_entity(h, out, 0);
	h->state = H_TEXT;
	return r;
}
