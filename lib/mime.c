/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "mime.h"
#include "rfc2047.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

void
mime_tree_init(struct mime_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void
mime_tree_free(struct mime_tree *t)
{
	free(t->v);
	mime_tree_init(t);
}

enum role {
	ROLE_ROOT,	/* the message's body */
	ROLE_CHILD,	/* a part of a multipart */
	ROLE_MSGBODY	/* the body of an attached message */
};

static void
lower_copy(char *dst, size_t dstlen, const struct imap_arg *a)
{
	const char *s;
	size_t i, n;

	dst[0] = '\0';
	if (!imap_arg_astring(a, &s, &n) || a->type == IMAP_NIL)
		return;
	for (i = 0; i < n && i + 1 < dstlen; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

static const char *
nstring(const struct imap_arg *a)
{
	const char *s;

	if (a == NULL || a->type != IMAP_STRING)
		return NULL;
	s = a->s;
	return s;
}

static const struct imap_arg *
plist(const struct imap_arg *a)
{
	const struct imap_arg *first;

	if (imap_arg_list(a, &first, NULL))
		return first;
	return NULL;
}

/* The disposition: ("attachment" ("filename" "x")) or NIL. */
static void
set_disposition(struct mime_part *p, const struct imap_arg *a)
{
	const struct imap_arg *l = plist(a);

	if (l == NULL)
		return;
	lower_copy(p->disposition, sizeof(p->disposition), l);
	p->dparams = plist(l->next);
}

static struct mime_part *
add_part(struct mime_tree *t, unsigned depth, struct err *e)
{
	struct mime_part *p;

	if (t->n >= MIME_MAX_PARTS) {
		err_set(e, ERR_PROTOCOL, "BODYSTRUCTURE has more than %d parts",
		    MIME_MAX_PARTS);
		return NULL;
	}
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 8;
		t->v = xrealloc(t->v, t->alloc * sizeof(*t->v));
	}
	p = &t->v[t->n++];
	memset(p, 0, sizeof(*p));
	p->depth = depth;
	return p;
}

static int
numbered(char *dst, const char *num, const char *suffix, struct err *e)
{
	if ((size_t)snprintf(dst, MIME_PART_MAX, "%s%s%s", num,
	    num[0] && suffix[0] ? "." : "", suffix) >= MIME_PART_MAX)
		return err_set(e, ERR_PROTOCOL, "BODYSTRUCTURE part number "
		    "too long");
	return 0;
}

static int
parse_body(const struct imap_arg *a, const char *num, enum role role,
    unsigned depth, int in_att, int in_msg, struct mime_tree *t,
    struct err *e)
{
	const struct imap_arg *first, *c, *x;
	struct mime_part *p;
	char child[MIME_PART_MAX];
	size_t idx;
	uint64_t size;

	if (depth > MIME_MAX_DEPTH)
		return err_set(e, ERR_PROTOCOL, "BODYSTRUCTURE nests deeper "
		    "than %d", MIME_MAX_DEPTH);
	if (!imap_arg_list(a, &first, NULL) || first == NULL)
		return err_set(e, ERR_PROTOCOL, "cannot parse BODYSTRUCTURE");
	if ((p = add_part(t, depth, e)) == NULL)
		return -1;
	p->in_attachment = in_att;
	p->in_message = in_msg;
	if (first->type == IMAP_LIST) {
		p->multipart = 1;
		snprintf(p->type, sizeof(p->type), "multipart");
		if (numbered(p->part, role == ROLE_CHILD ? num : num,
		    role == ROLE_CHILD ? "" : "TEXT", e) < 0)
			return -1;
		for (c = first; c != NULL && c->type == IMAP_LIST; c = c->next)
			;
		lower_copy(p->subtype, sizeof(p->subtype), c);
		if (c != NULL) {
			p->params = plist(c->next);
			if (c->next != NULL)
				set_disposition(p, c->next->next);
		}
		/* p may move as parts are added: nothing of it is used now. */
		for (c = first, idx = 1; c != NULL && c->type == IMAP_LIST;
		    c = c->next, idx++) {
			char n[24];

			snprintf(n, sizeof(n), "%zu", idx);
			if (numbered(child, role == ROLE_ROOT ? "" : num, n,
			    e) < 0 || parse_body(c, child, ROLE_CHILD,
			    depth + 1, in_att, in_msg, t, e) < 0)
				return -1;
		}
		return 0;
	}
	/* type subtype params id description encoding size ... */
	lower_copy(p->type, sizeof(p->type), first);
	lower_copy(p->subtype, sizeof(p->subtype), imap_arg_nth(first, 1));
	p->params = plist(imap_arg_nth(first, 2));
	lower_copy(p->encoding, sizeof(p->encoding), imap_arg_nth(first, 5));
	if (imap_arg_u64(imap_arg_nth(first, 6), &size))
		p->size = size;
	if (role == ROLE_ROOT)
		snprintf(p->part, sizeof(p->part), "1");
	else if (numbered(p->part, num, role == ROLE_MSGBODY ? "1" : "", e) < 0)
		return -1;
	for (x = p->params; x != NULL && x->next != NULL; x = x->next->next)
		if (x->type == IMAP_STRING && strcasecmp(x->s, "charset") == 0)
			p->charset = nstring(x->next);
	x = imap_arg_nth(first, 7);
	if (strcmp(p->type, "text") == 0)
		x = imap_arg_nth(first, 8);		/* after lines */
	else if (strcmp(p->type, "message") == 0 &&
	    (strcmp(p->subtype, "rfc822") == 0 ||
	    strcmp(p->subtype, "global") == 0) &&
	    imap_arg_nth(first, 8) != NULL &&
	    imap_arg_nth(first, 8)->type == IMAP_LIST) {
		p->message = 1;
		x = imap_arg_nth(first, 10);	/* after env, body, lines */
	}
	/* Extension data: md5, disposition, ... */
	if (x != NULL)
		set_disposition(p, x->next);
	if (p->message) {
		int att = in_att || mime_is_attachment(p);

		snprintf(child, sizeof(child), "%s", p->part);
		return parse_body(imap_arg_nth(first, 8), child, ROLE_MSGBODY,
		    depth + 1, att, 1, t, e);
	}
	return 0;
}

int
mime_parse(const struct imap_arg *body, struct mime_tree *t, struct err *e)
{
	t->n = 0;
	return parse_body(body, "", ROLE_ROOT, 0, 0, 0, t, e);
}

/* "name*3*" -> 3 with ext = 1; "name*" -> -1 with ext = 1; "name" -> -2. */
static int
param_section(const char *key, size_t klen, const char *name, size_t nlen,
    int *ext_r)
{
	size_t i;
	int v = 0;

	*ext_r = 0;
	if (klen < nlen || strncasecmp(key, name, nlen) != 0)
		return -3;
	if (klen == nlen)
		return -2;
	if (key[nlen] != '*')
		return -3;
	if (klen == nlen + 1) {
		*ext_r = 1;
		return -1;
	}
	for (i = nlen + 1; i < klen && isdigit((unsigned char)key[i]); i++) {
		v = v * 10 + (key[i] - '0');
		if (v > MIME_SECTIONS_MAX)
			return -3;
	}
	if (i == nlen + 1)
		return -3;
	if (i + 1 == klen && key[i] == '*')
		*ext_r = 1;
	else if (i != klen)
		return -3;
	return v;
}

/* "charset'lang'value": the charset, and where the value starts. */
static const char *
ext_split(const char *v, size_t n, char *cs, size_t cslen, size_t *skip_r)
{
	const char *q1 = memchr(v, '\'', n), *q2;
	size_t k;

	cs[0] = '\0';
	*skip_r = 0;
	if (q1 == NULL)
		return cs;
	q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - v));
	if (q2 == NULL)
		return cs;
	k = (size_t)(q1 - v);
	if (k >= cslen)
		k = cslen - 1;
	memcpy(cs, v, k);
	cs[k] = '\0';
	*skip_r = (size_t)(q2 + 1 - v);
	return cs;
}

int
mime_param(const struct imap_arg *params, const char *name, struct buf *out)
{
	const struct imap_arg *x, *sect[MIME_SECTIONS_MAX + 1];
	int sext[MIME_SECTIONS_MAX + 1];
	const struct imap_arg *plain = NULL, *star = NULL;
	struct buf bytes;
	char cs[CHARSET_NAME_MAX];
	size_t nlen = strlen(name), skip, i, nsect = 0;
	int s, ext, r = -1;
	const char *v;
	size_t vlen;

	memset(sect, 0, sizeof(sect));
	for (x = params; x != NULL && x->next != NULL; x = x->next->next) {
		if (x->type != IMAP_STRING || x->next->type != IMAP_STRING)
			continue;
		s = param_section(x->s, x->len, name, nlen, &ext);
		if (s == -2)
			plain = x->next;
		else if (s == -1)
			star = x->next;
		else if (s >= 0) {
			sect[s] = x->next;
			sext[s] = ext;
		}
	}
	while (nsect <= MIME_SECTIONS_MAX && sect[nsect] != NULL)
		nsect++;
	if (plain == NULL && star == NULL && nsect == 0)
		return 0;
	buf_init(&bytes, MIME_PARAM_MAX);
	cs[0] = '\0';
	if (star != NULL || nsect > 0) {
		for (i = 0; i < (star ? 1 : nsect); i++) {
			x = star ? star : sect[i];
			ext = star ? 1 : sext[i];
			v = x->s;
			vlen = x->len;
			if (i == 0 && ext) {
				ext_split(v, vlen, cs, sizeof(cs), &skip);
				v += skip;
				vlen -= skip;
			}
			if ((ext ? rfc2231_pct_decode(v, vlen, &bytes) :
			    buf_add(&bytes, v, vlen)) < 0)
				goto out;
		}
		if (cs[0] != '\0')
			r = charset_to_utf8(cs, bytes.s, bytes.len, out);
		else
			r = rfc2047_decode(bytes.s, bytes.len, out);
	} else
		r = rfc2047_decode(plain->s, plain->len, out);
out:
	buf_free(&bytes);
	return r < 0 ? -1 : 1;
}

int
mime_filename(const struct mime_part *p, struct buf *out)
{
	int r;

	if ((r = mime_param(p->dparams, "filename", out)) != 0)
		return r;
	return mime_param(p->params, "name", out);
}

int
mime_is_attachment(const struct mime_part *p)
{
	struct buf b;
	int r;

	if (p->multipart)
		return 0;
	if (strcmp(p->disposition, "attachment") == 0)
		return 1;
	buf_init(&b, MIME_PARAM_MAX);
	r = mime_filename(p, &b);
	buf_free(&b);
	return r != 0;
}

static const struct mime_part *
first_text(const struct mime_tree *t, const char *subtype, int in_msg)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct mime_part *p = &t->v[i];

		if (p->in_attachment || p->in_message != in_msg ||
		    strcmp(p->type, "text") != 0 ||
		    strcmp(p->subtype, subtype) != 0)
			continue;
		if (strcmp(p->disposition, "attachment") == 0)
			continue;
		return p;
	}
	return NULL;
}

const struct mime_part *
mime_best_text(const struct mime_tree *t)
{
	const struct mime_part *p;
	int in_msg;

	for (in_msg = 0; in_msg <= 1; in_msg++)
		if ((p = first_text(t, "plain", in_msg)) != NULL ||
		    (p = first_text(t, "html", in_msg)) != NULL)
			return p;
	return NULL;
}

/*
 * Characters that make a name show as another: bidirectional controls
 * ("invoice<RLO>fdp.exe" lists as "invoiceexe.pdf") and the line and
 * paragraph separators, which break a listing's lines.
 */
static int
is_bidi_or_break(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x2028 || cp == 0x2029;
}

int
mime_sanitize_filename(const char *s, size_t n, const char *fallback,
    struct buf *out)
{
	struct buf tmp;
	size_t i, k, start, cut, ext;
	uint32_t cp;
	const char *dot;
	int r = -1;

	buf_init(&tmp, n * 3 + 16);
	for (i = 0; i < n; i += k) {
		k = utf8_decode(s + i, n - i, &cp);
		if ((k == 1 && (unsigned char)s[i] >= 0x80) || cp < 0x20 ||
		    (cp >= 0x7f && cp <= 0x9f) || cp == '/' || cp == '\\' ||
		    is_bidi_or_break(cp)) {
			if (buf_addc(&tmp, '_') < 0)
				goto out;
			continue;
		}
		if (buf_add(&tmp, s + i, k) < 0)
			goto out;
	}
	for (start = 0; start < tmp.len && (tmp.s[start] == '.' ||
	    tmp.s[start] == ' ' || tmp.s[start] == '\t'); start++)
		;
	while (tmp.len > start && (tmp.s[tmp.len - 1] == ' '))
		tmp.len--;
	if (tmp.len == start) {
		r = buf_adds(out, fallback);
		goto out;
	}
	if (tmp.len - start <= MIME_FILENAME_MAX) {
		r = buf_add(out, tmp.s + start, tmp.len - start);
		goto out;
	}
	/* Too long: keep a short extension, cut the rest on a boundary. */
	ext = 0;
	dot = memrchr(tmp.s + start, '.', tmp.len - start);
	if (dot != NULL && (size_t)(tmp.s + tmp.len - dot) <= 16)
		ext = (size_t)(tmp.s + tmp.len - dot);
	cut = start + MIME_FILENAME_MAX - ext;
	while (cut > start && ((unsigned char)tmp.s[cut] & 0xc0) == 0x80)
		cut--;
	r = buf_add(out, tmp.s + start, cut - start) < 0 ||
	    buf_add(out, tmp.s + tmp.len - ext, ext) < 0 ? -1 : 0;
out:
	buf_free(&tmp);
	return r;
}
