/* SPDX-License-Identifier: MIT */
/*
 * The search language of search.h: the lexer, the term table, the parser
 * into a tree, and the writer of the tree as search keys (query.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "query.h"
#include "range.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

/* Lexing ---------------------------------------------------------------- */

enum tok_type {
	TOK_TERM,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_OR,
	TOK_NOT,
	TOK_AND
};

struct tok {
	enum tok_type	 type;
	char		*text;		/* TOK_TERM: quotes removed */
	size_t		 len;
	size_t		 key_max;	/* a key's ':' stands before this */
};

struct lexer {
	struct tok	*v;
	size_t		 n, alloc;
};

static int
lex_push(struct lexer *l, enum tok_type type, struct buf *text,
    size_t key_max, struct err *e)
{
	struct tok *t;

	if (l->n >= SEARCH_MAX_TOKENS)
		return err_set(e, ERR_USAGE, "query has more than %d terms",
		    SEARCH_MAX_TOKENS);
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 16;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	t = &l->v[l->n++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	if (text == NULL)
		return 0;
	t->len = text->len;
	t->key_max = key_max;
	t->text = xmemdup(text->s, text->len + 1);
	/* Operators are words standing alone, never quoted. */
	if (key_max == text->len) {
		if (strcasecmp(t->text, "or") == 0)
			t->type = TOK_OR;
		else if (strcasecmp(t->text, "not") == 0)
			t->type = TOK_NOT;
		else if (strcasecmp(t->text, "and") == 0)
			t->type = TOK_AND;
	}
	return 0;
}

static void
lex_free(struct lexer *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

/*
 * The tokens of one string. With split, unquoted spaces separate terms.
 * A '(' at the start of a term and a ')' that closes no '(' of the term
 * itself are parentheses of the query; double quotes group, and inside
 * them a backslash escapes the next character.
 */
static int
lex_string(struct lexer *l, const char *s, int split, struct err *e)
{
	struct buf b;
	size_t key_max;
	int depth, r = 0;

	buf_init(&b, SEARCH_MAX_VALUE);
	while (*s != '\0' && r == 0) {
		if (split && *s == ' ') {
			s++;
			continue;
		}
		if (*s == '(' || *s == ')') {
			r = lex_push(l, *s == '(' ? TOK_LPAREN : TOK_RPAREN,
			    NULL, 0, e);
			s++;
			continue;
		}
		buf_reset(&b);
		key_max = SIZE_MAX;
		depth = 0;
		while (*s != '\0' && !(split && *s == ' ') && r == 0) {
			if (*s == '"') {
				if (key_max == SIZE_MAX)
					key_max = b.len;
				for (s++; *s != '"' && *s != '\0'; s++) {
					if (*s == '\\' && s[1] != '\0')
						s++;
					if (buf_addc(&b, *s) < 0)
						break;
				}
				if (*s != '"')
					r = -1;
				else
					s++;
				continue;
			}
			if (*s == '(')
				depth++;
			else if (*s == ')' && depth-- == 0)
				break;
			if (buf_addc(&b, *s++) < 0)
				r = -1;
		}
		if (r < 0 && b.len >= SEARCH_MAX_VALUE)
			r = err_set(e, ERR_USAGE, "query term '%.40s...' is "
			    "longer than %d bytes", b.s, SEARCH_MAX_VALUE);
		else if (r < 0)
			r = err_set(e, ERR_USAGE, "unterminated quote in query "
			    "term '%s'", b.s);
		else
			r = lex_push(l, TOK_TERM, &b, key_max == SIZE_MAX ?
			    b.len : key_max, e);
	}
	buf_free(&b);
	return r;
}

/* The tree ---------------------------------------------------------------- */

struct node *
query_node_new(struct search_query *q, enum node_type type)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->chain = q->nodes;
	q->nodes = n;
	return n;
}

static void
node_arg(struct node *n, enum sess_piece_type type, const char *s,
    size_t len)
{
	n->arg[n->nargs] = xstrndup(s, len);
	n->argt[n->nargs] = type;
	n->nargs++;
}

void
search_free(struct search_query *q)
{
	struct node *n, *next;

	if (q == NULL)
		return;
	for (n = q->nodes; n != NULL; n = next) {
		next = n->chain;
		free(n->arg[0]);
		free(n->arg[1]);
		uidset_free(&n->set);
		free(n);
	}
	free(q->utf8_term);
	free(q);
}

/* Terms ------------------------------------------------------------------ */

/*
 * A term with its value, "name:value", handed to the term's function
 * with the N_KEY node made for it (the term's keyword set): the function
 * gives it its arguments (or makes it another node) and returns it, or
 * sets the error, which names the term as given, and returns NULL.
 */
struct term_arg {
	struct search_query	*q;
	const char		*name;	/* the term's name: "older" */
	const char		*text;	/* the whole term, for messages */
	const char		*v;	/* its value, after the ':' */
	size_t			 vlen;
	struct node		*n;
};

typedef struct node *(*term_fn)(const struct term_arg *, struct err *);

/*
 * A duration with its unit (a bare number is refused: older:30 could be
 * meant in days as well as seconds); whole seconds, 1 to UINT32_MAX.
 */
static int
parse_duration(const char *s, size_t n, uint32_t *secs_r)
{
	double v;
	int r;

	if (n == 0 || s[n - 1] < 'a' || s[n - 1] > 'z')
		return -1;
	if ((r = duration_parse(s, n, &v)) < 0)
		return r;
	if (v < 0.5 || v >= (double)UINT32_MAX)
		return -1;
	*secs_r = (uint32_t)(v + 0.5);
	return 0;
}

/* N, Nk, NM or NG bytes, at most UINT32_MAX: what SEARCH can say. */
static int
parse_size(const char *s, size_t n, uint32_t *v_r)
{
	uint64_t v;

	if (size_parse(s, n, &v) < 0 || v > UINT32_MAX)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

static int
is_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* A string value: valid UTF-8, and noted when it is not ASCII. */
static int
string_value(struct search_query *q, const char *text, const char *v,
    size_t n, struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] >= 0x80)
			break;
	if (i == n)
		return 0;
	if (!utf8_valid(v, n))
		return err_set(e, ERR_USAGE, "query term '%.100s' is not "
		    "valid UTF-8", text);
	q->utf8 = 1;
	if (q->utf8_term == NULL)
		q->utf8_term = xstrdup(text);
	return 0;
}

/* from:TEXT and the other string keys: KW "TEXT". */
static struct node *
term_string(const struct term_arg *a, struct err *e)
{
	if (string_value(a->q, a->text, a->v, a->vlen, e) < 0)
		return NULL;
	node_arg(a->n, SESS_PIECE_STRING, a->v, a->vlen);
	return a->n;
}

static struct node *
term_gmail(const struct term_arg *a, struct err *e)
{
	if (!(a->q->caps & SEARCH_CAP_GMAIL)) {
		err_set(e, ERR_USAGE, "query term '%.100s': the server does "
		    "not offer Gmail's search (X-GM-EXT-1)", a->text);
		return NULL;
	}
	return term_string(a, e);
}

/* header:NAME:VALUE; the value may be empty. */
static struct node *
term_header(const struct term_arg *a, struct err *e)
{
	const char *name = a->v, *colon, *v;
	size_t i;

	colon = memchr(a->v, ':', a->vlen);
	if (colon == NULL || colon == a->v) {
		err_set(e, ERR_USAGE, "query term '%.100s' needs a header name "
		    "and a value: header:NAME:VALUE", a->text);
		return NULL;
	}
	for (i = 0; name + i < colon; i++)
		if ((unsigned char)name[i] <= 0x20 ||
		    (unsigned char)name[i] >= 0x7f) {
			err_set(e, ERR_USAGE, "query term '%.100s': bad header "
			    "name", a->text);
			return NULL;
		}
	v = colon + 1;
	if (string_value(a->q, a->text, v, (size_t)(a->v + a->vlen - v),
	    e) < 0)
		return NULL;
	node_arg(a->n, SESS_PIECE_ASTRING, name, (size_t)(colon - name));
	node_arg(a->n, SESS_PIECE_STRING, v, (size_t)(a->v + a->vlen - v));
	return a->n;
}

/* since:YYYY-MM-DD and the other day keys, with IMAP's date. */
static struct node *
term_date(const struct term_arg *a, struct err *e)
{
	char tmp[DATE_MAX];
	int64_t day;

	if (date_parse_day(a->v, a->vlen, &day) < 0) {
		err_set(e, ERR_USAGE, "query term '%.100s': bad date: use "
		    "YYYY-MM-DD", a->text);
		return NULL;
	}
	date_format_day(day, tmp, sizeof(tmp));
	node_arg(a->n, SESS_PIECE_TEXT, tmp, strlen(tmp));
	return a->n;
}

/* older:DURATION, newer:DURATION: cutoffs counted back from now. */
static struct node *
term_rel(const struct term_arg *a, struct err *e)
{
	struct search_query *q = a->q;
	struct node *n = a->n;

	if (parse_duration(a->v, a->vlen, &n->secs) < 0) {
		char hint[200];

		duration_hint(a->v, a->vlen, hint, sizeof(hint));
		err_set(e, ERR_USAGE, "query term '%.100s': bad duration: %s",
		    a->text, hint);
		return NULL;
	}
	if (q->nrel >= SEARCH_MAX_REL) {
		err_set(e, ERR_USAGE, "query has more than %d older: and "
		    "newer: terms", SEARCH_MAX_REL);
		return NULL;
	}
	n->type = N_REL;
	n->older = a->name[0] == 'o';
	n->cutoff = q->now - (time_t)n->secs;
	n->day = date_day_of(n->cutoff);
	n->idx = q->nrel;
	q->rel[q->nrel++] = n;
	return n;
}

static struct node *
term_size(const struct term_arg *a, struct err *e)
{
	char tmp[32];
	uint32_t u;

	if (parse_size(a->v, a->vlen, &u) < 0) {
		err_set(e, ERR_USAGE, "query term '%.100s': bad size: use "
		    "bytes, or a number and k, M or G, up to 4G-1", a->text);
		return NULL;
	}
	snprintf(tmp, sizeof(tmp), "%u", u);
	node_arg(a->n, SESS_PIECE_TEXT, tmp, strlen(tmp));
	return a->n;
}

static struct node *
term_keyword(const struct term_arg *a, struct err *e)
{
	size_t i;

	for (i = 0; i < a->vlen; i++)
		if (!is_atom_char((unsigned char)a->v[i]))
			break;
	if (i < a->vlen) {
		err_set(e, ERR_USAGE, "query term '%.100s': a keyword is "
		    "printable ASCII without spaces or any of (){%%*\"\\]",
		    a->text);
		return NULL;
	}
	node_arg(a->n, SESS_PIECE_TEXT, a->v, a->vlen);
	return a->n;
}

/* uid:SET, uid:all, or uid:- (the set read from standard input). */
static struct node *
term_uid(const struct term_arg *a, struct err *e)
{
	struct search_query *q = a->q;
	struct node *n = a->n;

	n->type = N_UID;
	if (a->vlen == 3 && strncasecmp(a->v, "all", 3) == 0) {
		uidset_add(&n->set, 1, UIDSET_STAR);
		return n;
	}
	if (a->vlen == 1 && a->v[0] == '-') {
		if (q->stdin_node != NULL) {
			err_set(e, ERR_USAGE, "query reads uid:- twice: "
			    "standard input is read once");
			return NULL;
		}
		n->from_stdin = 1;
		q->stdin_node = n;
		return n;
	}
	if (uidset_parse(&n->set, a->v, e) < 0) {
		err_prefix(e, "query term 'uid:'");
		return NULL;
	}
	uidset_bound_star(&n->set);
	return n;
}

/*
 * has:attachment: there is no such search key, so on Gmail its own
 * has:attachment, elsewhere what a message with attachments looks like
 * (multipart/mixed) or the $HasAttachment keyword (RFC 9051) that
 * servers such as Dovecot can set.
 */
static struct node *
term_has(const struct term_arg *a, struct err *e)
{
	struct search_query *q = a->q;
	struct node *n = a->n, *kw, *ct;

	if (a->vlen != 10 || strncasecmp(a->v, "attachment", 10) != 0) {
		err_set(e, ERR_USAGE, "query term '%.100s': has: knows only "
		    "has:attachment", a->text);
		return NULL;
	}
	if (q->caps & SEARCH_CAP_GMAIL) {
		n->kw = "X-GM-RAW";
		node_arg(n, SESS_PIECE_STRING, "has:attachment", 14);
		return n;
	}
	n->type = N_OR;
	kw = query_node_new(q, N_KEY);
	kw->kw = "KEYWORD";
	node_arg(kw, SESS_PIECE_TEXT, "$HasAttachment", 14);
	ct = query_node_new(q, N_KEY);
	ct->kw = "HEADER";
	node_arg(ct, SESS_PIECE_ASTRING, "Content-Type", 12);
	node_arg(ct, SESS_PIECE_STRING, "multipart/mixed", 15);
	n->kid = kw;
	kw->next = ct;
	return n;
}

/*
 * Every term: its name, its function (NULL: a flag, a word of its own
 * that takes no value), its search key, its form and meaning for "help
 * search". An empty value is refused before the function is called,
 * except for header: (header:NAME: finds messages with the field).
 */
static const struct term {
	const char	*name;
	term_fn		 make;
	const char	*kw;
	const char	*usage;
	const char	*help;
} terms[] = {
	{ "from", term_string, "FROM", "from:TEXT",
	    "the From header contains TEXT" },
	{ "to", term_string, "TO", "to:TEXT",
	    "the To header contains TEXT" },
	{ "cc", term_string, "CC", "cc:TEXT",
	    "the Cc header contains TEXT" },
	{ "bcc", term_string, "BCC", "bcc:TEXT",
	    "the Bcc header contains TEXT" },
	{ "subject", term_string, "SUBJECT", "subject:TEXT",
	    "the subject contains TEXT" },
	{ "body", term_string, "BODY", "body:TEXT",
	    "the body contains TEXT" },
	{ "text", term_string, "TEXT", "text:TEXT",
	    "the headers or the body contain TEXT" },
	{ "header", term_header, "HEADER", "header:NAME:VALUE",
	    "the header field NAME contains VALUE (empty: has the field)" },
	{ "since", term_date, "SINCE", "since:YYYY-MM-DD",
	    "arrived on or after the day" },
	{ "before", term_date, "BEFORE", "before:YYYY-MM-DD",
	    "arrived before the day" },
	{ "on", term_date, "ON", "on:YYYY-MM-DD",
	    "arrived on the day" },
	{ "sentsince", term_date, "SENTSINCE", "sentsince:YYYY-MM-DD",
	    "its Date header is on or after the day" },
	{ "sentbefore", term_date, "SENTBEFORE", "sentbefore:YYYY-MM-DD",
	    "its Date header is before the day" },
	{ "sent", term_date, "SENTON", "sent:YYYY-MM-DD",
	    "its Date header is on the day" },
	{ "older", term_rel, "OLDER", "older:DURATION",
	    "arrived more than DURATION ago (90d, 6mo, 1y; units s min h d w "
	    "mo y)" },
	{ "newer", term_rel, "YOUNGER", "newer:DURATION",
	    "arrived at most DURATION ago (30min, 2h, 7d)" },
	{ "larger", term_size, "LARGER", "larger:SIZE",
	    "larger than SIZE bytes (k, M, G)" },
	{ "smaller", term_size, "SMALLER", "smaller:SIZE",
	    "smaller than SIZE bytes (k, M, G)" },
	{ "seen", NULL, "SEEN", "seen",
	    "has been read" },
	{ "unseen", NULL, "UNSEEN", "unseen",
	    "has not been read" },
	{ "flagged", NULL, "FLAGGED", "flagged",
	    "is flagged" },
	{ "unflagged", NULL, "UNFLAGGED", "unflagged",
	    "is not flagged" },
	{ "answered", NULL, "ANSWERED", "answered",
	    "has been answered" },
	{ "unanswered", NULL, "UNANSWERED", "unanswered",
	    "has not been answered" },
	{ "deleted", NULL, "DELETED", "deleted",
	    "is flagged \\Deleted" },
	{ "undeleted", NULL, "UNDELETED", "undeleted",
	    "is not flagged \\Deleted" },
	{ "draft", NULL, "DRAFT", "draft",
	    "is a draft" },
	{ "keyword", term_keyword, "KEYWORD", "keyword:K",
	    "has the keyword K, such as $Junk" },
	{ "uid", term_uid, "UID", "uid:SET",
	    "its UID is in SET (uid:- reads them from stdin)" },
	{ "all", NULL, "ALL", "all",
	    "every message" },
	{ "has", term_has, NULL, "has:attachment",
	    "has attachments: is multipart/mixed or flagged $HasAttachment "
	    "(on Gmail, Gmail's has:attachment)" },
	{ "gmail", term_gmail, "X-GM-RAW", "gmail:RAW",
	    "Gmail's own search syntax (X-GM-RAW)" },
};

#define NTERMS	(sizeof(terms) / sizeof(terms[0]))

const char *
search_term_word(size_t i)
{
	static const char *const ops[] = { "or", "not" };
	static char word[32];

	if (i >= NTERMS)
		return i - NTERMS < 2 ? ops[i - NTERMS] : NULL;
	snprintf(word, sizeof(word), "%s%s", terms[i].name,
	    terms[i].make == NULL ? "" : ":");
	return word;
}

int
search_term_help(size_t i, const char **usage_r, const char **help_r)
{
	if (i >= NTERMS)
		return -1;
	*usage_r = terms[i].usage;
	*help_r = terms[i].help;
	return 0;
}

static int
bad_term(const char *text, struct err *e)
{
	char list[600];
	size_t i, n = 0;

	for (i = 0; i < NTERMS && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i ? " " : "", terms[i].usage);
	return err_set(e, ERR_USAGE, "unknown query term '%.100s'; valid "
	    "terms: %s; combined with or, not and ( )", text, list);
}

/* A token into a node: a bare word, a flag, or a term and its value. */
static struct node *
make_term(struct search_query *q, const struct tok *t, struct err *e)
{
	const struct term *tm = NULL;
	struct term_arg a;
	const char *colon;
	struct node *n;
	size_t klen, i;

	colon = memchr(t->text, ':', t->len);
	if (colon != NULL && (size_t)(colon - t->text) >= t->key_max)
		colon = NULL;
	klen = colon ? (size_t)(colon - t->text) : t->len;
	for (i = 0; i < NTERMS; i++)
		if (strlen(terms[i].name) == klen &&
		    strncasecmp(terms[i].name, t->text, klen) == 0 &&
		    t->key_max >= klen)
			tm = &terms[i];
	if (tm == NULL && colon == NULL) {
		/* A bare word: the headers or the body contain it. */
		if (t->len == 0) {
			err_set(e, ERR_USAGE, "empty query term");
			return NULL;
		}
		if (string_value(q, t->text, t->text, t->len, e) < 0)
			return NULL;
		n = query_node_new(q, N_KEY);
		n->kw = "TEXT";
		node_arg(n, SESS_PIECE_STRING, t->text, t->len);
		return n;
	}
	if (tm == NULL) {
		bad_term(t->text, e);
		return NULL;
	}
	if (tm->make == NULL) {
		if (colon != NULL) {
			err_set(e, ERR_USAGE, "query term '%.100s': '%s' takes "
			    "no value", t->text, tm->name);
			return NULL;
		}
		n = query_node_new(q, N_KEY);
		n->kw = tm->kw;
		return n;
	}
	if (colon == NULL || (colon + 1 == t->text + t->len &&
	    tm->make != term_header)) {
		err_set(e, ERR_USAGE, "query term '%.100s' needs a value: %s",
		    t->text, tm->usage);
		return NULL;
	}
	a.q = q;
	a.name = tm->name;
	a.text = t->text;
	a.v = colon + 1;
	a.vlen = t->len - klen - 1;
	a.n = query_node_new(q, N_KEY);
	a.n->kw = tm->kw;
	return tm->make(&a, e);
}

/* Parsing ----------------------------------------------------------------- */

struct parser {
	struct search_query	*q;
	const struct tok	*v;
	size_t			 n, i;
	struct err		*e;
};

static struct node *parse_or(struct parser *, int depth);

static const char *
tok_name(const struct tok *t)
{
	switch (t->type) {
	case TOK_LPAREN: return "(";
	case TOK_RPAREN: return ")";
	case TOK_OR: return "or";
	case TOK_NOT: return "not";
	case TOK_AND: return "and";
	case TOK_TERM: return t->text;
	}
	return "?";
}

static struct node *
parse_unary(struct parser *p, int depth)
{
	const struct tok *t;
	struct node *n, *kid;

	if (depth > SEARCH_MAX_DEPTH) {
		err_set(p->e, ERR_USAGE, "query nests more than %d deep",
		    SEARCH_MAX_DEPTH);
		return NULL;
	}
	if (p->i == p->n) {
		err_set(p->e, ERR_USAGE, "query ends where a term should "
		    "follow '%s'", tok_name(&p->v[p->i - 1]));
		return NULL;
	}
	t = &p->v[p->i++];
	switch (t->type) {
	case TOK_NOT:
		if ((kid = parse_unary(p, depth + 1)) == NULL)
			return NULL;
		n = query_node_new(p->q, N_NOT);
		n->kid = kid;
		return n;
	case TOK_LPAREN:
		if (p->i < p->n && p->v[p->i].type == TOK_RPAREN) {
			err_set(p->e, ERR_USAGE, "empty parentheses in query");
			return NULL;
		}
		if ((n = parse_or(p, depth + 1)) == NULL)
			return NULL;
		if (p->i == p->n || p->v[p->i].type != TOK_RPAREN) {
			err_set(p->e, ERR_USAGE, "query has a '(' without its "
			    "')'");
			return NULL;
		}
		p->i++;
		return n;
	case TOK_TERM:
		return make_term(p->q, t, p->e);
	case TOK_RPAREN:
		err_set(p->e, ERR_USAGE, "query has a ')' without its '('");
		return NULL;
	case TOK_OR:
	case TOK_AND:
		err_set(p->e, ERR_USAGE, "'%s' in a query needs a term on each "
		    "side", tok_name(t));
		return NULL;
	}
	return NULL;
}

static int
at_and_end(const struct parser *p)
{
	return p->i == p->n || p->v[p->i].type == TOK_OR ||
	    p->v[p->i].type == TOK_RPAREN;
}

static struct node *
parse_and(struct parser *p, int depth)
{
	struct node *first = NULL, *last = NULL, *kid, *n;

	do {
		if (first != NULL && p->v[p->i].type == TOK_AND) {
			p->i++;
			if (at_and_end(p)) {
				err_set(p->e, ERR_USAGE, "'and' in a query "
				    "needs a term on each side");
				return NULL;
			}
		}
		if ((kid = parse_unary(p, depth)) == NULL)
			return NULL;
		if (first == NULL)
			first = kid;
		else
			last->next = kid;
		last = kid;
	} while (!at_and_end(p));
	if (first->next == NULL)
		return first;
	n = query_node_new(p->q, N_AND);
	n->kid = first;
	return n;
}

static struct node *
parse_or(struct parser *p, int depth)
{
	struct node *first, *last, *kid, *n;

	if ((first = parse_and(p, depth)) == NULL)
		return NULL;
	last = first;
	while (p->i < p->n && p->v[p->i].type == TOK_OR) {
		p->i++;
		if (at_and_end(p)) {
			err_set(p->e, ERR_USAGE, "'or' in a query needs a "
			    "term on each side");
			return NULL;
		}
		if ((kid = parse_and(p, depth)) == NULL)
			return NULL;
		last->next = kid;
		last = kid;
	}
	if (first->next == NULL)
		return first;
	n = query_node_new(p->q, N_OR);
	n->kid = first;
	return n;
}

/* The uid: terms ANDed at the top bound every search: the scope. */
static void
mark_top(struct node *root)
{
	struct node *k;

	if (root->type == N_UID)
		root->top = 1;
	else if (root->type == N_AND)
		for (k = root->kid; k != NULL; k = k->next)
			if (k->type == N_UID)
				k->top = 1;
}

int
search_compile(const char *const *strs, size_t nstrs, int split,
    unsigned caps, time_t now, struct search_query **q_r, struct err *e)
{
	struct search_query *q;
	struct lexer l;
	struct parser p;
	size_t i;

	*q_r = NULL;
	memset(&l, 0, sizeof(l));
	for (i = 0; i < nstrs; i++)
		if (lex_string(&l, strs[i], split, e) < 0) {
			lex_free(&l);
			return -1;
		}
	q = xcalloc(1, sizeof(*q));
	q->caps = caps;
	q->now = now;
	if (l.n == 0) {
		q->root = query_node_new(q, N_KEY);
		q->root->kw = "ALL";
		q->empty = 1;
	} else {
		memset(&p, 0, sizeof(p));
		p.q = q;
		p.v = l.v;
		p.n = l.n;
		p.e = e;
		q->root = parse_or(&p, 0);
		if (q->root != NULL && p.i < p.n) {
			/* Only a stray ')' stops parse_or early. */
			err_set(e, ERR_USAGE, "query has a ')' without its "
			    "'('");
			q->root = NULL;
		}
	}
	lex_free(&l);
	if (q->root == NULL) {
		search_free(q);
		return -1;
	}
	mark_top(q->root);
	*q_r = q;
	return 0;
}

/* A literal marker "{N}" or "{N+}" at the end of s. */
static int
ends_in_literal(const char *s, size_t n)
{
	size_t i;

	if (n < 3 || s[n - 1] != '}')
		return 0;
	i = n - 1;
	if (s[i - 1] == '+' || s[i - 1] == '-')
		i--;
	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	return i > 0 && s[i - 1] == '{' && i < n - 1;
}

int
search_add_raw(struct search_query *q, const char *keys, struct err *e)
{
	struct node *n, *and;
	size_t len = strlen(keys), i;
	int depth = 0, quoted = 0;

	while (len > 0 && keys[len - 1] == ' ')
		len--;
	while (len > 0 && *keys == ' ') {
		keys++;
		len--;
	}
	if (len == 0)
		return err_set(e, ERR_USAGE, "--raw needs search keys");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)keys[i];

		if (c == '\r' || c == '\n')
			return err_set(e, ERR_USAGE, "--raw keys must not "
			    "hold a line break");
		if (c < 0x20 || c >= 0x7f)
			return err_set(e, ERR_USAGE, "--raw keys must be "
			    "printable ASCII; use query terms for other text");
		if (quoted && c == '\\')
			i++;
		else if (c == '"')
			quoted = !quoted;
		else if (!quoted && c == '(')
			depth++;
		else if (!quoted && c == ')' && --depth < 0)
			break;
	}
	if (quoted || depth != 0)
		return err_set(e, ERR_USAGE, "--raw keys have unbalanced "
		    "quotes or parentheses");
	if (ends_in_literal(keys, len))
		return err_set(e, ERR_USAGE, "--raw keys must not end in a "
		    "literal");
	n = query_node_new(q, N_KEY);
	n->arg[0] = xmalloc(len + 3);
	n->arg[0][0] = '(';
	memcpy(n->arg[0] + 1, keys, len);
	memcpy(n->arg[0] + 1 + len, ")", 2);
	n->argt[0] = SESS_PIECE_TEXT;
	n->nargs = 1;
	if (q->empty) {
		q->root = n;
		q->empty = 0;
		return 0;
	}
	if (q->root->type == N_AND) {
		for (and = q->root->kid; and->next != NULL; and = and->next)
			;
		and->next = n;
		return 0;
	}
	and = query_node_new(q, N_AND);
	and->kid = q->root;
	q->root->next = n;
	q->root = and;
	return 0;
}

int
search_wants_stdin(const struct search_query *q)
{
	return q->stdin_node != NULL;
}

void
search_set_stdin(struct search_query *q, const struct uidset *set)
{

	if (q->stdin_node == NULL)
		return;
	uidset_clear(&q->stdin_node->set);
	uidset_merge(&q->stdin_node->set, set);
}

/* Writing keys ----------------------------------------------------------- */

static void
prog_add(struct prog *p, enum sess_piece_type type, const char *s,
    size_t len)
{
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 16;
		p->v = xrealloc(p->v, p->alloc * sizeof(*p->v));
	}
	p->v[p->n].type = type;
	p->v[p->n].s = s;
	p->v[p->n].len = len;
	p->n++;
}

static void
prog_text(struct prog *p, const char *s)
{
	prog_add(p, SESS_PIECE_TEXT, s, strlen(s));
}

/* Text made here: the prog keeps it until query_prog_free. */
static void
prog_fmt(struct prog *p, enum sess_piece_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
prog_fmt(struct prog *p, enum sess_piece_type type, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (p->nown == p->ownalloc) {
		p->ownalloc = p->ownalloc ? p->ownalloc * 2 : 8;
		p->own = xrealloc(p->own, p->ownalloc * sizeof(*p->own));
	}
	p->own[p->nown] = xstrdup(tmp);
	prog_add(p, type, p->own[p->nown], strlen(tmp));
	p->nown++;
}

static void
prog_own(struct prog *p, enum sess_piece_type type, char *s)
{
	if (p->nown == p->ownalloc) {
		p->ownalloc = p->ownalloc ? p->ownalloc * 2 : 8;
		p->own = xrealloc(p->own, p->ownalloc * sizeof(*p->own));
	}
	p->own[p->nown++] = s;
	prog_add(p, type, s, strlen(s));
}

void
query_prog_reset(struct prog *p)
{
	size_t i;

	for (i = 0; i < p->nown; i++)
		free(p->own[i]);
	p->n = p->nown = 0;
}

void
query_prog_free(struct prog *p)
{
	query_prog_reset(p);
	free(p->v);
	free(p->own);
	memset(p, 0, sizeof(*p));
}

enum val
query_eval(const struct node *n, const struct form *f)
{
	const struct node *k;
	enum val v, res;

	switch (n->type) {
	case N_KEY:
		return V_KEYS;
	case N_REL:
		if (f->form == SEARCH_FORM_VALUES)
			return (f->vals >> n->idx) & 1 ? V_TRUE : V_FALSE;
		return V_KEYS;
	case N_UID:
		if (n->top && f->scoped)
			return V_TRUE;
		return n->set.n == 0 ? V_FALSE : V_KEYS;
	case N_NOT:
		v = query_eval(n->kid, f);
		return v == V_KEYS ? V_KEYS : v == V_TRUE ? V_FALSE : V_TRUE;
	case N_AND:
		res = V_TRUE;
		for (k = n->kid; k != NULL; k = k->next) {
			if ((v = query_eval(k, f)) == V_FALSE)
				return V_FALSE;
			if (v == V_KEYS)
				res = V_KEYS;
		}
		return res;
	case N_OR:
		res = V_FALSE;
		for (k = n->kid; k != NULL; k = k->next) {
			if ((v = query_eval(k, f)) == V_TRUE)
				return V_TRUE;
			if (v == V_KEYS)
				res = V_KEYS;
		}
		return res;
	}
	return V_KEYS;
}

/* The children of an and/or that are left after folding, and the first. */
static size_t
live(const struct node *n, const struct form *f, const struct node **first_r)
{
	const struct node *k;
	size_t c = 0;

	*first_r = NULL;
	for (k = n->kid; k != NULL; k = k->next)
		if (query_eval(k, f) == V_KEYS) {
			if (c++ == 0)
				*first_r = k;
		}
	return c;
}

/* Whether a node with keys is written as exactly one search key. */
static int
single(const struct node *n, const struct form *f)
{
	const struct node *first;
	size_t c;

	switch (n->type) {
	case N_AND:
		c = live(n, f, &first);
		return c == 1 && single(first, f);
	case N_OR:
		c = live(n, f, &first);
		return c >= 2 || single(first, f);
	default:
		return 1;
	}
}

static void write_keys(struct prog *, const struct node *, const struct form *);

static void
write_key(struct prog *p, const struct node *n, const struct form *f)
{
	if (single(n, f))
		write_keys(p, n, f);
	else {
		prog_text(p, "(");
		write_keys(p, n, f);
		prog_text(p, ")");
	}
}

static void
write_rel(struct prog *p, const struct node *n, const struct form *f)
{
	char d[32];

	if (f->form == SEARCH_FORM_EXACT) {
		prog_fmt(p, SESS_PIECE_TEXT, "%s %u", n->older ? "OLDER" :
		    "YOUNGER", n->secs);
		return;
	}
	/* Whole days that are surely on the one side of the cutoff. */
	date_format_day(n->older ? n->day - 1 : n->day + 2, d, sizeof(d));
	prog_fmt(p, SESS_PIECE_TEXT, "%s %s", n->older ? "BEFORE" : "SINCE",
	    d);
}

static void
write_set(struct prog *p, const struct uidset *set)
{
	struct buf b;

	buf_init(&b, SIZE_MAX / 2);
	uidset_format(set, &b);
	prog_own(p, SESS_PIECE_SET, buf_release(&b));
}

/* The node's keys, known to be V_KEYS; and's children side by side. */
static void
write_keys(struct prog *p, const struct node *n, const struct form *f)
{
	const struct node *k;
	size_t c, i;
	int sep = 0;

	switch (n->type) {
	case N_KEY:
		if (n->kw != NULL) {
			prog_text(p, n->kw);
			sep = 1;
		}
		for (i = 0; i < (size_t)n->nargs; i++) {
			if (sep)
				prog_text(p, " ");
			prog_add(p, n->argt[i], n->arg[i], strlen(n->arg[i]));
			sep = 1;
		}
		break;
	case N_REL:
		write_rel(p, n, f);
		break;
	case N_UID:
		prog_text(p, "UID ");
		write_set(p, &n->set);
		break;
	case N_NOT:
		prog_text(p, "NOT ");
		write_key(p, n->kid, f);
		break;
	case N_AND:
		for (k = n->kid; k != NULL; k = k->next) {
			if (query_eval(k, f) != V_KEYS)
				continue;
			if (sep)
				prog_text(p, " ");
			write_keys(p, k, f);
			sep = 1;
		}
		break;
	case N_OR:
		c = live(n, f, &k);
		if (c == 1) {
			write_keys(p, k, f);
			break;
		}
		for (i = 0; k != NULL; k = k->next) {
			if (query_eval(k, f) != V_KEYS)
				continue;
			if (++i < c)
				prog_text(p, "OR ");
			write_key(p, k, f);
			if (i < c)
				prog_text(p, " ");
		}
		break;
	}
}

/* The messages of the days around the cutoffs, as one search key. */
static void
write_boundary(struct prog *p, const struct search_query *q)
{
	char a[32], b[32];
	unsigned i;

	for (i = 0; i < q->nrel; i++) {
		date_format_day(q->rel[i]->day - 1, a, sizeof(a));
		date_format_day(q->rel[i]->day + 2, b, sizeof(b));
		if (i + 1 < q->nrel)
			prog_text(p, "OR ");
		if (q->nrel > 1)
			prog_text(p, "(");
		prog_fmt(p, SESS_PIECE_TEXT, "SINCE %s BEFORE %s", a, b);
		if (q->nrel > 1)
			prog_text(p, ")");
		if (i + 1 < q->nrel)
			prog_text(p, " ");
	}
}

enum val
query_build(struct prog *p, const struct search_query *q, enum search_form form,
    uint32_t vals, const char *chunk, int charset)
{
	struct form f;
	enum val v;

	f.form = form;
	f.vals = vals;
	f.scoped = chunk != NULL;
	v = form == SEARCH_FORM_BOUNDARY ? V_KEYS : query_eval(q->root, &f);
	if (v == V_FALSE)
		return V_FALSE;
	if (charset && q->utf8 && form != SEARCH_FORM_BOUNDARY)
		prog_text(p, "CHARSET UTF-8 ");
	if (chunk != NULL) {
		prog_text(p, "UID ");
		prog_add(p, SESS_PIECE_SET, chunk, strlen(chunk));
	}
	if (form == SEARCH_FORM_BOUNDARY) {
		if (chunk != NULL)
			prog_text(p, " ");
		write_boundary(p, q);
		return V_KEYS;
	}
	if (v == V_KEYS) {
		if (chunk != NULL)
			prog_text(p, " ");
		write_keys(p, q->root, &f);
	} else if (chunk == NULL && form != SEARCH_FORM_OUTSIDE)
		prog_text(p, "ALL");
	if (form == SEARCH_FORM_OUTSIDE) {
		if (v == V_KEYS || chunk != NULL)
			prog_text(p, " ");
		prog_text(p, "NOT ");
		if (q->nrel > 1)
			write_boundary(p, q);
		else {
			prog_text(p, "(");
			write_boundary(p, q);
			prog_text(p, ")");
		}
	}
	return v;
}

int
search_text(const struct search_query *q, enum search_form form,
    uint32_t vals, struct buf *out, struct err *e)
{
	struct prog p;
	size_t i, j;
	int r = 0;

	memset(&p, 0, sizeof(p));
	query_build(&p, q, form, vals, NULL, 1);
	for (i = 0; i < p.n && r == 0; i++) {
		const struct sess_piece *pc = &p.v[i];

		if (pc->type != SESS_PIECE_STRING &&
		    pc->type != SESS_PIECE_ASTRING) {
			r = buf_add(out, pc->s, pc->len);
			continue;
		}
		r = buf_addc(out, '"');
		for (j = 0; j < pc->len && r == 0; j++) {
			if (pc->s[j] == '"' || pc->s[j] == '\\')
				r = buf_addc(out, '\\');
			if (r == 0)
				r = buf_addc(out, pc->s[j]);
		}
		if (r == 0)
			r = buf_addc(out, '"');
	}
	query_prog_free(&p);
	if (r < 0)
		return err_set(e, ERR_USAGE, "query too long");
	return 0;
}
