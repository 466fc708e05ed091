/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "emit.h"
#include "parser.h"
#include "uidset.h"
#include "xalloc.h"
#include "banned.h"

#define UIDSET_ECHO_MAX	64	/* longer sets are not repeated in errors */

/* Lists of ranges in any order ------------------------------------------ */

void
uidlist_init(struct uidlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
uidlist_free(struct uidlist *l)
{
	free(l->r);
	uidlist_init(l);
}

static void
list_push(struct uidlist *l, uint32_t lo, uint32_t hi)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 64;
		l->r = xrealloc(l->r, l->alloc * sizeof(*l->r));
	}
	l->r[l->n].lo = lo < hi ? lo : hi;
	l->r[l->n].hi = lo < hi ? hi : lo;
	l->n++;
}

int
uidlist_add(struct uidlist *l, uint32_t lo, uint32_t hi, struct err *e)
{
	if (l->n >= UIDSET_SERVER_MAX)
		return err_set(e, ERR_PROTOCOL, "the server listed more than "
		    "%d separate UIDs or ranges: more than imapctl takes in "
		    "one list", UIDSET_SERVER_MAX);
	list_push(l, lo, hi);
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct uid_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Sorted by lo: ranges that overlap or touch become one, in place. */
static size_t
coalesce(struct uid_range *r, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k > 0 && (r[k - 1].hi == UIDSET_STAR ||
		    r[k - 1].hi + 1 >= r[i].lo)) {
			if (r[i].hi > r[k - 1].hi)
				r[k - 1].hi = r[i].hi;
			continue;
		}
		r[k++] = r[i];
	}
	return k;
}

void
uidlist_into(struct uidlist *l, struct uidset *out)
{
	struct uidset got;

	if (l->n == 0)
		return;
	qsort(l->r, l->n, sizeof(*l->r), range_cmp);
	got.r = l->r;
	got.n = coalesce(l->r, l->n);
	got.alloc = l->alloc;
	uidlist_init(l);
	if (out->n == 0) {
		free(out->r);
		*out = got;
		return;
	}
	uidset_merge(out, &got);
	uidset_free(&got);
}

/* Sets ------------------------------------------------------------------ */

void
uidset_init(struct uidset *s)
{
	memset(s, 0, sizeof(*s));
}

void
uidset_free(struct uidset *s)
{
	free(s->r);
	uidset_init(s);
}

void
uidset_clear(struct uidset *s)
{
	s->n = 0;
}

/* The first range whose hi + 1 >= lo: where lo:hi goes or merges. */
static size_t
find_slot(const struct uidset *s, uint32_t lo)
{
	size_t a = 0, b = s->n, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (s->r[m].hi != UINT32_MAX && s->r[m].hi + 1 < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

void
uidset_add(struct uidset *s, uint32_t lo, uint32_t hi)
{
	size_t i, j;
	uint32_t t;

	if (lo > hi) {
		t = lo;
		lo = hi;
		hi = t;
	}
	i = find_slot(s, lo);
	/* Fast path: appending in order, as sets usually grow. */
	if (i == s->n || (hi != UINT32_MAX && hi + 1 < s->r[i].lo)) {
		if (s->n == s->alloc) {
			s->alloc = s->alloc ? s->alloc * 2 : 16;
			s->r = xrealloc(s->r, s->alloc * sizeof(*s->r));
		}
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(*s->r));
		s->r[i].lo = lo;
		s->r[i].hi = hi;
		s->n++;
		return;
	}
	/* Merge with every range lo:hi touches. */
	if (lo < s->r[i].lo)
		s->r[i].lo = lo;
	j = i;
	while (j + 1 < s->n && (hi == UINT32_MAX || s->r[j + 1].lo <= hi + 1))
		j++;
	if (s->r[j].hi > hi)
		hi = s->r[j].hi;
	s->r[i].hi = hi;
	memmove(&s->r[i + 1], &s->r[j + 1], (s->n - j - 1) * sizeof(*s->r));
	s->n -= j - i;
}

static int
parse_uid(const char *p, size_t n, uint32_t *v_r)
{
	uint64_t v;

	if (n == 1 && p[0] == '*') {
		*v_r = UIDSET_STAR;
		return 0;
	}
	if (!imap_parse_u64(p, n, &v) || v == 0 || v >= UIDSET_STAR)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

int
uidset_parse(struct uidset *s, const char *text, struct err *e)
{
	struct uidset got;
	struct uidlist l;
	const char *p = text, *end, *colon;
	uint32_t lo, hi;
	int bad;

	if (*p == '\0')
		return err_set(e, ERR_USAGE, "empty UID set: use UIDs and "
		    "ranges such as 1:100,205,300:*");
	/* Parsed apart, so that a bad set leaves s as it was. */
	uidset_init(&got);
	uidlist_init(&l);
	for (;;) {
		end = p + strcspn(p, ",");
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL) {
			bad = parse_uid(p, (size_t)(end - p), &lo) < 0;
			hi = lo;
		} else
			bad = parse_uid(p, (size_t)(colon - p), &lo) < 0 ||
			    parse_uid(colon + 1, (size_t)(end - colon - 1),
			    &hi) < 0;
		if (bad)
			break;
		list_push(&l, lo, hi);
		if (*end == '\0')
			break;
		p = end + 1;
	}
	uidlist_into(&l, &got);
	if (!bad)
		uidset_merge(s, &got);
	uidset_free(&got);
	if (!bad)
		return 0;
	if (strlen(text) <= UIDSET_ECHO_MAX)
		return err_set(e, ERR_USAGE, "bad UID set '%s' at '%.*s': use "
		    "UIDs and ranges such as 1:100,205,300:*", text,
		    (int)(end - p), p);
	return err_set(e, ERR_USAGE, "bad UID set at '%.*s': use UIDs and "
	    "ranges such as 1:100,205,300:*",
	    (int)(end - p > UIDSET_ECHO_MAX ? UIDSET_ECHO_MAX : end - p), p);
}

int
uidset_has_star(const struct uidset *s)
{
	return s->n > 0 && s->r[s->n - 1].hi == UIDSET_STAR;
}

void
uidset_resolve_star(struct uidset *s, uint32_t max)
{
	struct uidset out;
	size_t i;

	if (!uidset_has_star(s))
		return;
	/*
	 * "n:*" is n:max, which IMAP reads as max:n when n is above max; in
	 * an empty mailbox (max 0) a range with "*" names nothing.
	 */
	uidset_init(&out);
	for (i = 0; i < s->n; i++) {
		uint32_t lo = s->r[i].lo, hi = s->r[i].hi;

		if (hi == UIDSET_STAR) {
			if (max == 0)
				continue;
			hi = max;
		}
		if (lo == UIDSET_STAR)
			lo = max;
		uidset_add(&out, lo, hi);
	}
	free(s->r);
	*s = out;
}

void
uidset_bound_star(struct uidset *s)
{
	struct uid_range *last;

	if (s->n == 0)
		return;
	/* Sorted and merged: only the last range can end in "*". */
	last = &s->r[s->n - 1];
	if (last->hi == UIDSET_STAR && last->lo > 1 &&
	    last->lo != UIDSET_STAR)
		last->hi = UIDSET_STAR - 1;
}

uint64_t
uidset_count(const struct uidset *s)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		n += (uint64_t)s->r[i].hi - s->r[i].lo + 1;
	return n;
}

int
uidset_contains(const struct uidset *s, uint32_t uid)
{
	size_t i = find_slot(s, uid);

	return i < s->n && s->r[i].lo <= uid && uid <= s->r[i].hi;
}

void
uidset_merge(struct uidset *to, const struct uidset *from)
{
	struct uid_range *r;
	size_t i = 0, j = 0, k = 0;

	if (from->n == 0)
		return;
	/* Appending after the end, as sets usually grow: no copy. */
	if (to->n == 0 || (to->r[to->n - 1].hi != UIDSET_STAR &&
	    to->r[to->n - 1].hi < from->r[0].lo)) {
		for (i = 0; i < from->n; i++)
			uidset_add(to, from->r[i].lo, from->r[i].hi);
		return;
	}
	/* Both sorted: one pass, then touching ranges joined. */
	r = xmalloc((to->n + from->n) * sizeof(*r));
	while (i < to->n || j < from->n)
		if (j == from->n || (i < to->n && to->r[i].lo <= from->r[j].lo))
			r[k++] = to->r[i++];
		else
			r[k++] = from->r[j++];
	free(to->r);
	to->r = r;
	to->alloc = k;
	to->n = coalesce(r, k);
}

void
uidset_intersect(const struct uidset *a, const struct uidset *b,
    struct uidset *out)
{
	size_t i = 0, j = 0;
	uint32_t lo, hi;

	while (i < a->n && j < b->n) {
		lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
		hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;
		if (lo <= hi)
			uidset_add(out, lo, hi);
		if (a->r[i].hi < b->r[j].hi)
			i++;
		else
			j++;
	}
}

void
uidset_subtract(const struct uidset *a, const struct uidset *b,
    struct uidset *out)
{
	size_t i, j = 0;
	uint32_t lo, hi;

	for (i = 0; i < a->n; i++) {
		lo = a->r[i].lo;
		hi = a->r[i].hi;
		/* The ranges of b that end before this one matter no more. */
		while (j < b->n && b->r[j].hi < lo)
			j++;
		while (lo <= hi) {
			if (j == b->n || b->r[j].lo > hi) {
				uidset_add(out, lo, hi);
				break;
			}
			if (b->r[j].lo > lo)
				uidset_add(out, lo, b->r[j].lo - 1);
			if (b->r[j].hi >= hi)
				break;
			lo = b->r[j].hi + 1;
			j++;
		}
	}
}

static int
put_range(struct buf *b, const struct uid_range *r, int comma)
{
	char tmp[32];

	if (r->lo == UIDSET_STAR)
		snprintf(tmp, sizeof(tmp), "%s*", comma ? "," : "");
	else if (r->lo == r->hi)
		snprintf(tmp, sizeof(tmp), "%s%u", comma ? "," : "", r->lo);
	else if (r->hi == UIDSET_STAR)
		snprintf(tmp, sizeof(tmp), "%s%u:*", comma ? "," : "", r->lo);
	else
		snprintf(tmp, sizeof(tmp), "%s%u:%u", comma ? "," : "", r->lo,
		    r->hi);
	return buf_adds(b, tmp);
}

int
uidset_format(const struct uidset *s, struct buf *b)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (put_range(b, &s->r[i], i > 0) < 0)
			return -1;
	return 0;
}

int
uidset_next_chunk(const struct uidset *s, size_t *pos, struct buf *b)
{
	size_t mark;

	buf_reset(b);
	if (*pos >= s->n)
		return 0;
	while (*pos < s->n) {
		mark = b->len;
		if (put_range(b, &s->r[*pos], b->len > 0) < 0)
			return -1;
		if (b->len > UIDSET_CHUNK && mark > 0) {
			buf_truncate(b, mark);
			break;
		}
		(*pos)++;
	}
	return 1;
}

/* UIDs on a stream, as "-" reads them ------------------------------------ */

/*
 * A text record, as the text format prints the records of search, flag,
 * move and delete: mailbox TAB uidvalidity TAB uid, then any other
 * fields. The mailbox is unescaped (emit_text_unescape) into name (which
 * has room for len bytes and a NUL). 1 when line is not such a record,
 * else 0 with the record filled.
 */
static int
read_text_record(const char *line, size_t len, char *name,
    struct uid_record *rec)
{
	const char *f[3], *end = line + len, *tab;
	size_t flen[3], i;
	uint64_t uv, uid;

	f[0] = line;
	for (i = 0; i < 3; i++) {
		tab = memchr(f[i], '\t', (size_t)(end - f[i]));
		flen[i] = (size_t)((tab != NULL ? tab : end) - f[i]);
		if (i < 2) {
			if (tab == NULL)
				return 1;
			f[i + 1] = tab + 1;
		}
	}
	if (flen[0] == 0 || !imap_parse_u64(f[1], flen[1], &uv) || uv == 0 ||
	    uv > UINT32_MAX || !imap_parse_u64(f[2], flen[2], &uid) ||
	    uid == 0 || uid >= UIDSET_STAR)
		return 1;
	name[emit_text_unescape(f[0], flen[0], name)] = '\0';
	rec->mailbox = name;
	rec->have_uidvalidity = 1;
	rec->uidvalidity = uv;
	rec->uid = (uint32_t)uid;
	return 0;
}

/*
 * One JSON record: {"uid": N, "mailbox": "...", "uidvalidity": N, ...};
 * its mailbox copied to name (room for len bytes and a NUL).
 */
static int
read_record(const char *line, size_t len, char *name, struct uid_record *rec,
    struct err *e)
{
	json_error_t jerr;
	json_t *o, *v;
	json_int_t n;
	const char *mb;
	size_t mlen;
	int r = -1;

	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || !json_is_object(o)) {
		err_set(e, ERR_DATA, "standard input line %zu: not a UID or "
		    "a JSON record%s%s", rec->lineno, o ? "" : ": ",
		    o ? "" : jerr.text);
		goto out;
	}
	v = json_object_get(o, "uid");
	if (!json_is_integer(v) || (n = json_integer_value(v)) <= 0 ||
	    n >= (json_int_t)UINT32_MAX) {
		err_set(e, ERR_DATA, "standard input line %zu: the record has "
		    "no valid \"uid\"", rec->lineno);
		goto out;
	}
	rec->uid = (uint32_t)n;
	v = json_object_get(o, "mailbox");
	if (v != NULL && !json_is_string(v)) {
		err_set(e, ERR_DATA, "standard input line %zu: the record's "
		    "\"mailbox\" is not a string", rec->lineno);
		goto out;
	}
	if (v != NULL) {
		mb = json_string_value(v);
		mlen = json_string_length(v);
		/* The JSON text is longer than its string: it fits. */
		if (mlen > len || memchr(mb, '\0', mlen) != NULL) {
			err_set(e, ERR_DATA, "standard input line %zu: the "
			    "record's \"mailbox\" holds a NUL", rec->lineno);
			goto out;
		}
		memcpy(name, mb, mlen);
		name[mlen] = '\0';
		rec->mailbox = name;
	}
	v = json_object_get(o, "uidvalidity");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		err_set(e, ERR_DATA, "standard input line %zu: the record's "
		    "\"uidvalidity\" is not a number", rec->lineno);
		goto out;
	}
	if (v != NULL) {
		rec->have_uidvalidity = 1;
		rec->uidvalidity = (uint64_t)json_integer_value(v);
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

/*
 * One line of at most UIDSET_MAX_LINE bytes into line (room for that and
 * a NUL), without its newline: 1 for a line, 0 at the end of the input,
 * -1 for a longer line, -2 for a line holding a NUL byte.
 */
static int
read_line(FILE *in, char *line, size_t *len_r)
{
	size_t n = 0;
	int c, nul = 0;

	while ((c = getc(in)) != EOF && c != '\n') {
		if (n == UIDSET_MAX_LINE)
			return -1;
		if (c == '\0')
			nul = 1;
		line[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return 0;
	line[n] = '\0';
	*len_r = n;
	return nul ? -2 : 1;
}

int
uidset_read_records(FILE *in, uid_record_fn fn, void *arg, struct err *e)
{
	struct uid_record rec;
	char *line, *name, *p;
	size_t lineno = 0, n;
	uint64_t v;
	int r = 0, rl;

	line = xmalloc(UIDSET_MAX_LINE + 1);
	name = xmalloc(UIDSET_MAX_LINE + 1);
	while ((rl = read_line(in, line, &n)) != 0) {
		lineno++;
		if (rl == -1) {
			r = err_set(e, ERR_DATA, "standard input line %zu: "
			    "longer than %d bytes", lineno, UIDSET_MAX_LINE);
			break;
		}
		if (rl == -2) {
			r = err_set(e, ERR_DATA, "standard input line %zu: "
			    "holds a NUL byte", lineno);
			break;
		}
		memset(&rec, 0, sizeof(rec));
		rec.lineno = lineno;
		p = line;
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		/* A text record, whose mailbox may start with a space. */
		if (memchr(p, '\t', n) != NULL &&
		    read_text_record(p, n, name, &rec) == 0) {
			if ((r = fn(arg, &rec, e)) < 0)
				break;
			continue;
		}
		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		/* The lines of a "-o json" array: "[", "{...},", "]", "[]". */
		if (n > 0 && p[n - 1] == ',')
			n--;
		if (n == 0 || (n == 1 && (p[0] == '[' || p[0] == ']')) ||
		    (n == 2 && p[0] == '[' && p[1] == ']'))
			continue;
		if (p[0] == '{') {
			if ((r = read_record(p, n, name, &rec, e)) < 0)
				break;
		} else if (imap_parse_u64(p, n, &v) && v > 0 &&
		    v < UIDSET_STAR)
			rec.uid = (uint32_t)v;
		else {
			r = err_set(e, ERR_DATA, "standard input line %zu: not "
			    "a UID, a text record (mailbox, uidvalidity, uid) or "
			    "a JSON record", lineno);
			break;
		}
		if ((r = fn(arg, &rec, e)) < 0)
			break;
	}
	if (r == 0 && ferror(in))
		r = err_set(e, ERR_NOINPUT, "cannot read standard input");
	free(name);
	free(line);
	return r;
}

static int
same_mailbox(const char *a, const char *b)
{
	if (strcasecmp(a, "INBOX") == 0 && strcasecmp(b, "INBOX") == 0)
		return 1;
	return strcmp(a, b) == 0;
}

struct read_one {
	const char	*mailbox;
	uint32_t	 uidvalidity;
	struct uidlist	 l;
};

/*
 * A record's mailbox and UIDVALIDITY, held against the ones the command
 * acts on.
 */
static int
read_one(void *arg, const struct uid_record *rec, struct err *e)
{
	struct read_one *ro = arg;

	if (rec->mailbox != NULL && !same_mailbox(rec->mailbox, ro->mailbox))
		return err_set(e, ERR_DATA, "standard input line %zu: the "
		    "record is from mailbox '%s', not '%s'", rec->lineno,
		    rec->mailbox, ro->mailbox);
	if (rec->have_uidvalidity && rec->uidvalidity != ro->uidvalidity)
		return err_set(e, ERR_DATA, "standard input line %zu: "
		    "UIDVALIDITY %llu is not the mailbox's %u: the UIDs name "
		    "other messages now", rec->lineno,
		    (unsigned long long)rec->uidvalidity, ro->uidvalidity);
	/* In any order: "search --sort -date" gives them descending. */
	list_push(&ro->l, rec->uid, rec->uid);
	return 0;
}

int
uidset_read(FILE *in, const char *mailbox, uint32_t uidvalidity,
    struct uidset *set, struct err *e)
{
	struct read_one ro;
	struct uidset got;
	int r;

	/* Read whole before anything is added: a bad line changes nothing. */
	ro.mailbox = mailbox;
	ro.uidvalidity = uidvalidity;
	uidlist_init(&ro.l);
	r = uidset_read_records(in, read_one, &ro, e);
	uidset_init(&got);
	uidlist_into(&ro.l, &got);
	uidlist_free(&ro.l);
	if (r == 0)
		uidset_merge(set, &got);
	uidset_free(&got);
	return r;
}
