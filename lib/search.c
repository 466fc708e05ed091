/* SPDX-License-Identifier: MIT */
/*
 * The search language compiled to IMAP SEARCH keys, and searches run on
 * a session: see search.h for the language.
 *
 * A query becomes a tree (and, or, not, leaves). The tree is written out
 * as search keys in one of several forms, with constant folding, so the
 * same tree serves the server's exact answer, the day-granular answer
 * away from the older:/newer: cutoffs, and the answer for messages whose
 * older:/newer: values the client has decided.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "range.h"
#include "search.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#define DAY		86400
#define SEARCH_MAX_RESULT_SLACK	100000	/* see check_result() */

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

enum node_type {
	N_AND,
	N_OR,
	N_NOT,
	N_KEY,		/* a search key: keyword and arguments */
	N_REL,		/* older:/newer: */
	N_UID		/* uid:SET */
};

struct node {
	enum node_type		 type;
	struct node		*kid;		/* AND, OR, NOT: first child */
	struct node		*next;		/* the next sibling */
	struct node		*chain;		/* every node, for freeing */
	/* N_KEY: "KW ARG ARG"; KW NULL for --raw keys. */
	const char		*kw;
	char			*arg[2];
	enum sess_piece_type	 argt[2];
	int			 nargs;
	/* N_REL: the i-th such term; older: or newer:; the cutoff. */
	unsigned		 idx;
	int			 older;
	uint32_t		 secs;
	time_t			 cutoff;
	int64_t			 day;		/* the cutoff's UTC day */
	/* N_UID */
	struct uidset		 set;
	int			 from_stdin;
	int			 top;		/* ANDed at the top: scope */
};

struct search_query {
	struct node	*root;
	struct node	*nodes;
	unsigned	 caps;
	time_t		 now;
	int		 utf8;		/* a string is not ASCII */
	char		*utf8_term;	/* the first such term, as given */
	int		 empty;		/* no terms: root is ALL */
	unsigned	 nrel;
	struct node	*rel[SEARCH_MAX_REL];
	struct node	*stdin_node;
};

static struct node *
node_new(struct search_query *q, enum node_type type)
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

/* Dates ------------------------------------------------------------------ */

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* The civil date of a day since 1970-01-01 (H. Hinnant's algorithm). */
static void
civil_from_days(int64_t z, int64_t *y_r, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

static int64_t
day_of(time_t t)
{
	int64_t v = (int64_t)t;

	return v >= 0 ? v / DAY : -((-v + DAY - 1) / DAY);
}

/* IMAP's date: "1-Mar-2024". */
static void
imap_date(int64_t day, char *out, size_t outlen)
{
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, outlen, "%d-%s-%04lld", d, months[m - 1], (long long)y);
}

static int
days_in_month(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return n[m - 1];
}

static int
digits(const char *s, size_t n, int *v_r)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*v_r = v;
	return 1;
}

/* YYYY-MM-DD, a real day. */
static int
parse_date(const char *s, size_t n, int64_t *day_r)
{
	int y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d) || y < 1 ||
	    m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*day_r = day_of(date_from_civil(y, m, d, 0, 0, 0));
	return 0;
}

/* Terms ------------------------------------------------------------------ */

enum term_kind {
	T_STRING,	/* KW "value" */
	T_HEADER,
	T_DATE,
	T_REL,
	T_SIZE,
	T_FLAG,		/* a word of its own */
	T_KEYWORD,
	T_UID,
	T_GMAIL,
	T_HAS		/* has:attachment */
};

static const struct term {
	const char	*name;
	enum term_kind	 kind;
	const char	*kw;
	const char	*usage;
	const char	*help;		/* its meaning, for "help search" */
} terms[] = {
	{ "from", T_STRING, "FROM", "from:TEXT",
	    "the From header contains TEXT" },
	{ "to", T_STRING, "TO", "to:TEXT",
	    "the To header contains TEXT" },
	{ "cc", T_STRING, "CC", "cc:TEXT",
	    "the Cc header contains TEXT" },
	{ "bcc", T_STRING, "BCC", "bcc:TEXT",
	    "the Bcc header contains TEXT" },
	{ "subject", T_STRING, "SUBJECT", "subject:TEXT",
	    "the subject contains TEXT" },
	{ "body", T_STRING, "BODY", "body:TEXT",
	    "the body contains TEXT" },
	{ "text", T_STRING, "TEXT", "text:TEXT",
	    "the headers or the body contain TEXT" },
	{ "header", T_HEADER, "HEADER", "header:NAME:VALUE",
	    "the header field NAME contains VALUE (empty: has the field)" },
	{ "since", T_DATE, "SINCE", "since:YYYY-MM-DD",
	    "arrived on or after the day" },
	{ "before", T_DATE, "BEFORE", "before:YYYY-MM-DD",
	    "arrived before the day" },
	{ "on", T_DATE, "ON", "on:YYYY-MM-DD",
	    "arrived on the day" },
	{ "sentsince", T_DATE, "SENTSINCE", "sentsince:YYYY-MM-DD",
	    "its Date header is on or after the day" },
	{ "sentbefore", T_DATE, "SENTBEFORE", "sentbefore:YYYY-MM-DD",
	    "its Date header is before the day" },
	{ "sent", T_DATE, "SENTON", "sent:YYYY-MM-DD",
	    "its Date header is on the day" },
	{ "older", T_REL, "OLDER", "older:DURATION",
	    "arrived more than DURATION ago (90d, 6mo, 1y; units s min h d w "
	    "mo y)" },
	{ "newer", T_REL, "YOUNGER", "newer:DURATION",
	    "arrived at most DURATION ago (30min, 2h, 7d)" },
	{ "larger", T_SIZE, "LARGER", "larger:SIZE",
	    "larger than SIZE bytes (k, M, G)" },
	{ "smaller", T_SIZE, "SMALLER", "smaller:SIZE",
	    "smaller than SIZE bytes (k, M, G)" },
	{ "seen", T_FLAG, "SEEN", "seen",
	    "has been read" },
	{ "unseen", T_FLAG, "UNSEEN", "unseen",
	    "has not been read" },
	{ "flagged", T_FLAG, "FLAGGED", "flagged",
	    "is flagged" },
	{ "unflagged", T_FLAG, "UNFLAGGED", "unflagged",
	    "is not flagged" },
	{ "answered", T_FLAG, "ANSWERED", "answered",
	    "has been answered" },
	{ "unanswered", T_FLAG, "UNANSWERED", "unanswered",
	    "has not been answered" },
	{ "deleted", T_FLAG, "DELETED", "deleted",
	    "is flagged \\Deleted" },
	{ "undeleted", T_FLAG, "UNDELETED", "undeleted",
	    "is not flagged \\Deleted" },
	{ "draft", T_FLAG, "DRAFT", "draft",
	    "is a draft" },
	{ "keyword", T_KEYWORD, "KEYWORD", "keyword:K",
	    "has the keyword K, such as $Junk" },
	{ "uid", T_UID, "UID", "uid:SET",
	    "its UID is in SET (uid:- reads them from stdin)" },
	{ "all", T_FLAG, "ALL", "all",
	    "every message" },
	{ "has", T_HAS, NULL, "has:attachment",
	    "has attachments: is multipart/mixed or flagged $HasAttachment "
	    "(on Gmail, Gmail's has:attachment)" },
	{ "gmail", T_GMAIL, "X-GM-RAW", "gmail:RAW",
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
	    terms[i].kind == T_FLAG ? "" : ":");
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

/*
 * has:attachment into n: there is no such search key, so on Gmail its own
 * has:attachment, elsewhere what a message with attachments looks like
 * (multipart/mixed) or the $HasAttachment keyword (RFC 9051) that
 * servers such as Dovecot can set.
 */
static struct node *
has_attachment(struct search_query *q, struct node *n)
{
	struct node *kw, *ct;

	if (q->caps & SEARCH_CAP_GMAIL) {
		n->kw = "X-GM-RAW";
		node_arg(n, SESS_PIECE_STRING, "has:attachment", 14);
		return n;
	}
	n->type = N_OR;
	kw = node_new(q, N_KEY);
	kw->kw = "KEYWORD";
	node_arg(kw, SESS_PIECE_TEXT, "$HasAttachment", 14);
	ct = node_new(q, N_KEY);
	ct->kw = "HEADER";
	node_arg(ct, SESS_PIECE_ASTRING, "Content-Type", 12);
	node_arg(ct, SESS_PIECE_STRING, "multipart/mixed", 15);
	n->kid = kw;
	kw->next = ct;
	return n;
}

static struct node *
make_term(struct search_query *q, const struct tok *t, struct err *e)
{
	const struct term *tm = NULL;
	const char *colon, *v, *name;
	struct node *n;
	char tmp[32];
	size_t klen, vlen, i;
	int64_t day;
	uint32_t u;

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
		n = node_new(q, N_KEY);
		n->kw = "TEXT";
		node_arg(n, SESS_PIECE_STRING, t->text, t->len);
		return n;
	}
	if (tm == NULL) {
		bad_term(t->text, e);
		return NULL;
	}
	if (tm->kind == T_FLAG) {
		if (colon != NULL) {
			err_set(e, ERR_USAGE, "query term '%.100s': '%s' takes "
			    "no value", t->text, tm->name);
			return NULL;
		}
		n = node_new(q, N_KEY);
		n->kw = tm->kw;
		return n;
	}
	if (colon == NULL || (colon + 1 == t->text + t->len &&
	    tm->kind != T_HEADER)) {
		err_set(e, ERR_USAGE, "query term '%.100s' needs a value: %s",
		    t->text, tm->usage);
		return NULL;
	}
	v = colon + 1;
	vlen = t->len - klen - 1;
	n = node_new(q, N_KEY);
	n->kw = tm->kw;
	switch (tm->kind) {
	case T_STRING:
	case T_GMAIL:
		if (tm->kind == T_GMAIL && !(q->caps & SEARCH_CAP_GMAIL)) {
			err_set(e, ERR_USAGE, "query term '%.100s': the server "
			    "does not offer Gmail's search (X-GM-EXT-1)",
			    t->text);
			return NULL;
		}
		if (string_value(q, t->text, v, vlen, e) < 0)
			return NULL;
		node_arg(n, SESS_PIECE_STRING, v, vlen);
		return n;
	case T_HEADER:
		name = v;
		colon = memchr(v, ':', vlen);
		if (colon == NULL || colon == v) {
			err_set(e, ERR_USAGE, "query term '%.100s' needs a "
			    "header name and a value: header:NAME:VALUE",
			    t->text);
			return NULL;
		}
		for (i = 0; name + i < colon; i++)
			if ((unsigned char)name[i] <= 0x20 ||
			    (unsigned char)name[i] >= 0x7f) {
				err_set(e, ERR_USAGE, "query term '%.100s': "
				    "bad header name", t->text);
				return NULL;
			}
		v = colon + 1;
		vlen = (size_t)(t->text + t->len - v);
		if (string_value(q, t->text, v, vlen, e) < 0)
			return NULL;
		node_arg(n, SESS_PIECE_ASTRING, name, (size_t)(colon - name));
		node_arg(n, SESS_PIECE_STRING, v, vlen);
		return n;
	case T_DATE:
		if (parse_date(v, vlen, &day) < 0) {
			err_set(e, ERR_USAGE, "query term '%.100s': bad date: "
			    "use YYYY-MM-DD", t->text);
			return NULL;
		}
		imap_date(day, tmp, sizeof(tmp));
		node_arg(n, SESS_PIECE_TEXT, tmp, strlen(tmp));
		return n;
	case T_REL:
		if (parse_duration(v, vlen, &n->secs) < 0) {
			char hint[200];

			duration_hint(v, vlen, hint, sizeof(hint));
			err_set(e, ERR_USAGE, "query term '%.100s': bad "
			    "duration: %s", t->text, hint);
			return NULL;
		}
		if (q->nrel >= SEARCH_MAX_REL) {
			err_set(e, ERR_USAGE, "query has more than %d older: "
			    "and newer: terms", SEARCH_MAX_REL);
			return NULL;
		}
		n->type = N_REL;
		n->older = tm->name[0] == 'o';
		n->cutoff = q->now - (time_t)n->secs;
		n->day = day_of(n->cutoff);
		n->idx = q->nrel;
		q->rel[q->nrel++] = n;
		return n;
	case T_SIZE:
		if (parse_size(v, vlen, &u) < 0) {
			err_set(e, ERR_USAGE, "query term '%.100s': bad size: "
			    "use bytes, or a number and k, M or G, up to 4G-1",
			    t->text);
			return NULL;
		}
		snprintf(tmp, sizeof(tmp), "%u", u);
		node_arg(n, SESS_PIECE_TEXT, tmp, strlen(tmp));
		return n;
	case T_KEYWORD:
		for (i = 0; i < vlen; i++)
			if (!is_atom_char((unsigned char)v[i]))
				break;
		if (i < vlen) {
			err_set(e, ERR_USAGE, "query term '%.100s': a keyword "
			    "is printable ASCII without spaces or any of "
			    "(){%%*\"\\]", t->text);
			return NULL;
		}
		node_arg(n, SESS_PIECE_TEXT, v, vlen);
		return n;
	case T_UID:
		n->type = N_UID;
		if (vlen == 3 && strncasecmp(v, "all", 3) == 0) {
			uidset_add(&n->set, 1, UIDSET_STAR);
			return n;
		}
		if (vlen == 1 && v[0] == '-') {
			if (q->stdin_node != NULL) {
				err_set(e, ERR_USAGE, "query reads uid:- "
				    "twice: standard input is read once");
				return NULL;
			}
			n->from_stdin = 1;
			q->stdin_node = n;
			return n;
		}
		if (uidset_parse(&n->set, v, e) < 0) {
			err_prefix(e, "query term 'uid:'");
			return NULL;
		}
		uidset_bound_star(&n->set);
		return n;
	case T_HAS:
		if (vlen != 10 || strncasecmp(v, "attachment", 10) != 0) {
			err_set(e, ERR_USAGE, "query term '%.100s': has: knows "
			    "only has:attachment", t->text);
			return NULL;
		}
		return has_attachment(q, n);
	case T_FLAG:
		break;
	}
	err_set(e, ERR_INTERNAL, "unhandled query term");
	return NULL;
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
		n = node_new(p->q, N_NOT);
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
	n = node_new(p->q, N_AND);
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
	n = node_new(p->q, N_OR);
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
		q->root = node_new(q, N_KEY);
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
	n = node_new(q, N_KEY);
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
	and = node_new(q, N_AND);
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

/* Pieces of a command, and the text made for them. */
struct prog {
	struct sess_piece	*v;
	size_t			 n, alloc;
	char			**own;
	size_t			 nown, ownalloc;
};

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

/* Text made here: the prog keeps it until prog_free. */
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

static void
prog_reset(struct prog *p)
{
	size_t i;

	for (i = 0; i < p->nown; i++)
		free(p->own[i]);
	p->n = p->nown = 0;
}

static void
prog_free(struct prog *p)
{
	prog_reset(p);
	free(p->v);
	free(p->own);
	memset(p, 0, sizeof(*p));
}

enum val {
	V_FALSE,
	V_TRUE,
	V_KEYS
};

struct form {
	enum search_form	 form;
	uint32_t		 vals;
	int			 scoped;	/* top uid: terms: the scope */
};

static enum val
eval(const struct node *n, const struct form *f)
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
		v = eval(n->kid, f);
		return v == V_KEYS ? V_KEYS : v == V_TRUE ? V_FALSE : V_TRUE;
	case N_AND:
		res = V_TRUE;
		for (k = n->kid; k != NULL; k = k->next) {
			if ((v = eval(k, f)) == V_FALSE)
				return V_FALSE;
			if (v == V_KEYS)
				res = V_KEYS;
		}
		return res;
	case N_OR:
		res = V_FALSE;
		for (k = n->kid; k != NULL; k = k->next) {
			if ((v = eval(k, f)) == V_TRUE)
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
		if (eval(k, f) == V_KEYS) {
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
	imap_date(n->older ? n->day - 1 : n->day + 2, d, sizeof(d));
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
			if (eval(k, f) != V_KEYS)
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
			if (eval(k, f) != V_KEYS)
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
		imap_date(q->rel[i]->day - 1, a, sizeof(a));
		imap_date(q->rel[i]->day + 2, b, sizeof(b));
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

/*
 * The search program for a form: [CHARSET UTF-8] [UID chunk] keys.
 * Returns V_FALSE when it can match nothing (p is then empty).
 */
static enum val
build(struct prog *p, const struct search_query *q, enum search_form form,
    uint32_t vals, const char *chunk, int charset)
{
	struct form f;
	enum val v;

	f.form = form;
	f.vals = vals;
	f.scoped = chunk != NULL;
	v = form == SEARCH_FORM_BOUNDARY ? V_KEYS : eval(q->root, &f);
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
	build(&p, q, form, vals, NULL, 1);
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
				buf_addc(out, '\\');
			r = buf_addc(out, pc->s[j]);
		}
		if (r == 0)
			r = buf_addc(out, '"');
	}
	prog_free(&p);
	if (r < 0)
		return err_set(e, ERR_USAGE, "query too long");
	return 0;
}

/* Running ----------------------------------------------------------------- */

/*
 * A server that searches only US-ASCII (Exchange, Outlook) answers
 * CHARSET UTF-8 with NO [BADCHARSET (US-ASCII)]. CHARSET is sent only for
 * a query that is not ASCII, so there is nothing to retry: say so, and
 * which term it is.
 */
static int
refused_charset(const struct search_query *q, int r, struct err *e)
{
	char msg[ERR_MSG_MAX];

	if (r == 0 || !q->utf8 || strcasecmp(e->code, "BADCHARSET") != 0)
		return r;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	err_set(e, ERR_UNAVAILABLE, "the server searches only ASCII text (it "
	    "refused CHARSET UTF-8), and the term '%.100s' is not ASCII: %s",
	    q->utf8_term != NULL ? q->utf8_term : "?", msg);
	err_set_code(e, "BADCHARSET", strlen("BADCHARSET"));
	return -1;
}

/*
 * The searches of a stage: at most SEARCH_WINDOW in flight, the stage's
 * handler taking what they find; the first refusal is kept.
 */
struct pipe {
	struct sess_pipe	*p;
	struct err		 refused;
};

static void
pipe_begin(struct pipe *p, struct sess *s, sess_handler_fn fn, void *ctx)
{
	struct sess_scope sc = { fn, NULL, NULL, ctx };

	err_clear(&p->refused);
	p->p = sess_pipe_begin(s, &sc, SEARCH_WINDOW);
}

static int
pipe_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct pipe *p = ctx;

	(void)s;
	(void)e;
	if (p->refused.kind == ERR_NONE)
		sess_reply_check(rep, &p->refused);
	return 0;
}

static int
pipe_send(struct pipe *p, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sess_pipe_vsend(p->p, pipe_done, p, e, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * End the stage: what is in flight is waited for (or abandoned when the
 * session failed); r is the result so far, its error kept.
 */
static int
pipe_finish(struct pipe *p, int r, struct err *e)
{
	r = sess_pipe_end(p->p, r, e);
	if (r == 0 && p->refused.kind != ERR_NONE) {
		*e = p->refused;
		r = -1;
	}
	return r;
}

/* What the untagged responses of a stage go into. */
struct collect {
	struct uidset	*out;		/* SEARCH, ESEARCH ALL, at the end */
	struct uidlist	 list;		/* ... as they come (out NULL: count) */
	uint64_t	 count;		/* ESEARCH COUNT */
	uint64_t	 bound;		/* more matches than this: a lie */
	uint64_t	 seen;
	/* SORT and ESORT: each UID in order. */
	search_uid_fn	 fn;
	void		*fnctx;
	uint64_t	 limit, given;
	int		 stop;
	struct err	 fnerr;
	/* FETCH: each message's item. */
	const char	*item;
	int		(*on_item)(struct collect *, uint32_t uid,
			    const struct imap_arg *, struct err *);
	void		*itemctx;
};

static void
collect_init(struct collect *c, struct sess *s)
{
	const struct sess_mailbox *m = sess_selected(s);

	memset(c, 0, sizeof(*c));
	err_clear(&c->fnerr);
	/*
	 * A mailbox cannot match more messages than it holds; some slack is
	 * left for messages that arrive or go while we search.
	 */
	c->bound = (m ? m->exists : 0) + (uint64_t)SEARCH_MAX_RESULT_SLACK;
}

/* The UIDs collected, sorted into out (or dropped when there is none). */
static void
collect_end(struct collect *c)
{
	if (c->out != NULL)
		uidlist_into(&c->list, c->out);
	uidlist_free(&c->list);
}

static int
too_many(struct collect *c, uint64_t n, struct err *e)
{
	c->seen += n;
	if (c->seen > c->bound)
		return err_set(e, ERR_PROTOCOL, "server named more messages "
		    "than the mailbox holds");
	return 0;
}

/* The return data of "* ESEARCH [(TAG ...)] [UID] NAME VALUE ...". */
static const struct imap_arg *
esearch_data(const struct imap_resp *r)
{
	const struct imap_arg *a = r->args->next;

	if (a != NULL && a->type == IMAP_LIST)
		a = a->next;
	if (imap_arg_is(a, "UID"))
		a = a->next;
	return a;
}

static int
add_set_arg(struct collect *c, const struct imap_arg *a, struct err *e)
{
	const char *s;
	uint64_t n = 0;
	size_t i, from = c->list.n;

	if (!imap_arg_atom(a, &s))
		return err_set(e, ERR_PROTOCOL, "server sent a bad ESEARCH "
		    "result");
	if (uidlist_add_text(&c->list, s, e) < 0)
		return -1;
	for (i = from; i < c->list.n; i++)
		n += (uint64_t)c->list.r[i].hi - c->list.r[i].lo + 1;
	/* Counting (out is NULL): the matches named count, kept nowhere. */
	if (c->out == NULL) {
		c->list.n = from;
		c->count += n;
	}
	return too_many(c, n, e);
}

static int
on_search(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct collect *c = ctx;
	const struct imap_arg *a;
	uint32_t uid;
	uint64_t n;

	(void)s;
	if (r->status != IMAP_ST_NONE || r->args == NULL)
		return 0;
	if (imap_arg_is(r->args, "SEARCH")) {
		for (a = r->args->next; a != NULL; a = a->next) {
			if (a->type == IMAP_LIST)
				continue;	/* (MODSEQ n) */
			if (!imap_arg_u32(a, &uid) || uid == 0)
				return err_set(e, ERR_PROTOCOL, "server sent "
				    "a bad SEARCH result");
			if (too_many(c, 1, e) < 0)
				return -1;
			if (c->out == NULL)
				c->count++;
			else if (uidlist_add(&c->list, uid, uid, e) < 0)
				return -1;
		}
		return 0;
	}
	if (!imap_arg_is(r->args, "ESEARCH"))
		return 0;
	for (a = esearch_data(r); a != NULL; a = a->next->next) {
		if (a->next == NULL)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "ESEARCH result");
		if (imap_arg_is(a, "ALL")) {
			if (add_set_arg(c, a->next, e) < 0)
				return -1;
		} else if (imap_arg_is(a, "COUNT")) {
			if (!imap_arg_u64(a->next, &n) ||
			    too_many(c, n, e) < 0)
				return err_set(e, ERR_PROTOCOL, "server sent a "
				    "bad ESEARCH count");
			c->count += n;
		}
	}
	return 0;
}

/* One UID of a sorted answer, to the caller. */
static int
give(struct collect *c, uint32_t uid, struct err *e)
{
	if (too_many(c, 1, e) < 0)
		return -1;
	if (c->stop)
		return 0;
	if (c->limit != 0 && c->given >= c->limit) {
		c->stop = 1;
		return 0;
	}
	c->given++;
	if (c->fn(c->fnctx, uid, &c->fnerr) < 0)
		c->stop = 1;
	return 0;
}

/* ESORT's ALL: a sequence set in sort order, "5,3:1,9". */
static int
give_in_order(struct collect *c, const char *s, struct err *e)
{
	uint64_t a, b, i;
	size_t n;

	while (*s != '\0') {
		n = strcspn(s, ":,");
		if (!imap_parse_u64(s, n, &a) || a == 0 || a > UINT32_MAX)
			goto bad;
		s += n;
		b = a;
		if (*s == ':') {
			n = strcspn(++s, ",");
			if (!imap_parse_u64(s, n, &b) || b == 0 ||
			    b > UINT32_MAX)
				goto bad;
			s += n;
		}
		if (*s == ',' && *++s == '\0')
			goto bad;
		if (too_many(c, (a > b ? a - b : b - a) + 1, e) < 0)
			return -1;
		c->seen -= (a > b ? a - b : b - a) + 1;
		for (i = a; ; i += a > b ? (uint64_t)-1 : 1) {
			if (give(c, (uint32_t)i, e) < 0)
				return -1;
			if (i == b || c->stop)
				break;
		}
	}
	return 0;
bad:
	return err_set(e, ERR_PROTOCOL, "server sent a bad ESORT result");
}

static int
on_sort(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct collect *c = ctx;
	const struct imap_arg *a;
	const char *set;
	uint32_t uid;

	(void)s;
	if (r->status != IMAP_ST_NONE || r->args == NULL)
		return 0;
	if (imap_arg_is(r->args, "SORT")) {
		for (a = r->args->next; a != NULL; a = a->next) {
			if (a->type == IMAP_LIST)
				continue;
			if (!imap_arg_u32(a, &uid) || uid == 0)
				return err_set(e, ERR_PROTOCOL, "server sent "
				    "a bad SORT result");
			if (give(c, uid, e) < 0)
				return -1;
		}
		return 0;
	}
	if (!imap_arg_is(r->args, "ESEARCH"))
		return 0;
	for (a = esearch_data(r); a != NULL; a = a->next->next) {
		if (a->next == NULL)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "ESORT result");
		if (!imap_arg_is(a, "ALL"))
			continue;
		if (!imap_arg_atom(a->next, &set))
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "ESORT result");
		if (give_in_order(c, set, e) < 0)
			return -1;
	}
	return 0;
}

/* "* N FETCH (UID u ITEM v ...)": the item of each message. */
static int
on_fetch(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct collect *c = ctx;
	const struct imap_arg *a, *item = NULL;
	uint32_t uid = 0;
	size_t n;

	(void)s;
	if (r->status != IMAP_ST_NONE || r->args == NULL ||
	    !imap_arg_is(r->args->next, "FETCH"))
		return 0;
	if (!imap_arg_list(r->args->next->next, &a, &n))
		return err_set(e, ERR_PROTOCOL, "server sent a bad FETCH "
		    "response");
	for (; a != NULL && a->next != NULL; a = a->next->next) {
		if (imap_arg_is(a, "UID")) {
			if (!imap_arg_u32(a->next, &uid) || uid == 0)
				return err_set(e, ERR_PROTOCOL, "server sent "
				    "a bad UID");
		} else if (imap_arg_is(a, c->item))
			item = a->next;
	}
	/* Flag changes of other sessions come without our item. */
	if (uid == 0 || item == NULL)
		return 0;
	if (too_many(c, 1, e) < 0)
		return -1;
	return c->on_item(c, uid, item, e);
}

/* Fetch an item of every message of set, in chunks, pipelined. */
static int
fetch_items(struct sess *s, struct collect *c, const struct uidset *set,
    struct err *e)
{
	struct pipe p;
	struct buf chunk;
	size_t pos = 0;
	int r = 0;

	buf_init(&chunk, UIDSET_CHUNK * 2);
	pipe_begin(&p, s, on_fetch, c);
	while (r == 0 && uidset_next_chunk(set, &pos, &chunk) == 1)
		r = pipe_send(&p, e, "UID FETCH %S (UID %s)", chunk.s,
		    c->item);
	r = pipe_finish(&p, r, e);
	buf_free(&chunk);
	return r;
}

/* The top uid: terms ANDed: every search stays within them. */
static int
get_scope(const struct search_query *q, struct uidset *scope)
{
	const struct node *k;
	struct uidset tmp;
	int have = 0;

	uidset_init(scope);
	for (k = q->root->type == N_AND ? q->root->kid : q->root; k != NULL;
	    k = q->root->type == N_AND ? k->next : NULL) {
		if (k->type != N_UID || !k->top)
			continue;
		if (!have) {
			uidset_merge(scope, &k->set);
			have = 1;
			continue;
		}
		uidset_init(&tmp);
		uidset_intersect(scope, &k->set, &tmp);
		uidset_free(scope);
		*scope = tmp;
	}
	return have;
}

/* Whether a set goes in one command. */
static int
one_chunk(const struct uidset *set)
{
	struct buf b;
	size_t pos = 0;

	buf_init(&b, UIDSET_CHUNK * 2);
	uidset_next_chunk(set, &pos, &b);
	buf_free(&b);
	return pos == set->n;
}

/* Send the searches of one form over scope (chunk by chunk, or whole). */
static int
queue_form(struct pipe *p, const struct search_query *q,
    enum search_form form, uint32_t vals, const struct uidset *scope,
    const char *ret, struct err *e)
{
	struct prog pr;
	struct buf chunk;
	size_t pos = 0;
	int r = 0;

	memset(&pr, 0, sizeof(pr));
	buf_init(&chunk, UIDSET_CHUNK * 2);
	if (scope == NULL) {
		if (build(&pr, q, form, vals, NULL, 1) != V_FALSE)
			r = pipe_send(p, e, "UID SEARCH%s %V", ret, pr.v, pr.n);
	} else
		while (r == 0 &&
		    uidset_next_chunk(scope, &pos, &chunk) == 1) {
			prog_reset(&pr);
			if (build(&pr, q, form, vals, chunk.s, 1) != V_FALSE)
				r = pipe_send(p, e, "UID SEARCH%s %V", ret,
				    pr.v, pr.n);
		}
	prog_free(&pr);
	buf_free(&chunk);
	return r;
}

/* Deciding older:/newer: for the messages of the days at the cutoffs. */
struct groups {
	const struct search_query *q;
	struct {
		uint32_t	 bits;
		struct uidlist	 list;	/* as the FETCH responses come */
		struct uidset	 set;
	}		 g[SEARCH_MAX_REL + 1];
	size_t		 n;
};

static int
group_date(struct collect *c, uint32_t uid, const struct imap_arg *v,
    struct err *e)
{
	struct groups *gs = c->itemctx;
	const struct search_query *q = gs->q;
	const char *s;
	size_t len, i;
	uint32_t bits = 0;
	time_t t;

	if (!imap_arg_string(v, &s, &len) ||
	    (t = date_parse_internal(s, len)) == -1)
		return err_set(e, ERR_PROTOCOL, "server sent a bad "
		    "INTERNALDATE");
	for (i = 0; i < q->nrel; i++)
		if (q->rel[i]->older ? t < q->rel[i]->cutoff :
		    t >= q->rel[i]->cutoff)
			bits |= 1u << i;
	for (i = 0; i < gs->n; i++)
		if (gs->g[i].bits == bits)
			break;
	/* Each term changes once along time: at most nrel + 1 groups. */
	if (i == gs->n) {
		if (gs->n == SEARCH_MAX_REL + 1)
			return err_set(e, ERR_INTERNAL, "too many groups");
		gs->g[i].bits = bits;
		uidlist_init(&gs->g[i].list);
		uidset_init(&gs->g[i].set);
		gs->n++;
	}
	return uidlist_add(&gs->g[i].list, uid, uid, e);
}

static int
run_relative(struct sess *s, const struct search_query *q,
    const struct uidset *scope, const char *ret, struct uidset *out,
    struct err *e)
{
	struct groups gs;
	struct collect c;
	struct uidset b;
	struct pipe p;
	struct form f;
	enum val v;
	size_t i;
	int r;

	memset(&gs, 0, sizeof(gs));
	gs.q = q;
	uidset_init(&b);
	/* The messages of the days around the cutoffs. */
	collect_init(&c, s);
	c.out = &b;
	pipe_begin(&p, s, on_search, &c);
	r = queue_form(&p, q, SEARCH_FORM_BOUNDARY, 0, scope, ret, e);
	r = pipe_finish(&p, r, e);
	collect_end(&c);
	/* Their INTERNALDATE decides the older:/newer: terms. */
	if (r == 0 && b.n > 0) {
		collect_init(&c, s);
		c.item = "INTERNALDATE";
		c.on_item = group_date;
		c.itemctx = &gs;
		r = fetch_items(s, &c, &b, e);
		for (i = 0; i < gs.n; i++)
			uidlist_into(&gs.g[i].list, &gs.g[i].set);
	}
	/* The rest by the server: whole days there, decided values here. */
	if (r == 0) {
		collect_init(&c, s);
		c.out = out;
		pipe_begin(&p, s, on_search, &c);
		r = queue_form(&p, q, SEARCH_FORM_OUTSIDE, 0, scope, ret, e);
		f.form = SEARCH_FORM_VALUES;
		f.scoped = 1;
		for (i = 0; i < gs.n && r == 0; i++) {
			f.vals = gs.g[i].bits;
			v = eval(q->root, &f);
			if (v == V_TRUE)
				uidset_merge(out, &gs.g[i].set);
			else if (v == V_KEYS)
				r = queue_form(&p, q, SEARCH_FORM_VALUES,
				    gs.g[i].bits, &gs.g[i].set, ret, e);
		}
		r = pipe_finish(&p, r, e);
		collect_end(&c);
	}
	for (i = 0; i < gs.n; i++) {
		uidlist_free(&gs.g[i].list);
		uidset_free(&gs.g[i].set);
	}
	uidset_free(&b);
	return r;
}

/* Whether one command answers the query exactly. */
static int
simple(const struct search_query *q, const struct uidset *scope, int scoped)
{
	if (q->nrel > 0 && !(q->caps & SEARCH_CAP_WITHIN))
		return 0;
	return !scoped || one_chunk(scope);
}

int
search_run(struct sess *s, const struct search_query *q, struct uidset *out,
    struct err *e)
{
	const struct sess_mailbox *m = sess_selected(s);
	struct uidset scope, got;
	struct collect c;
	struct pipe p;
	const char *ret = sess_has_cap(s, "ESEARCH") ? " RETURN (ALL)" : "";
	int scoped, r = 0;

	/*
	 * An empty mailbox matches nothing; Exchange would even answer BAD
	 * to the "*" of a uid: term there.
	 */
	if (m != NULL && m->exists_seen && m->exists == 0)
		return 0;
	scoped = get_scope(q, &scope);
	uidset_init(&got);
	if (scoped && scope.n == 0)
		;
	else if (q->nrel > 0 && !(q->caps & SEARCH_CAP_WITHIN))
		r = run_relative(s, q, scoped ? &scope : NULL, ret, &got, e);
	else {
		collect_init(&c, s);
		c.out = &got;
		pipe_begin(&p, s, on_search, &c);
		r = queue_form(&p, q, SEARCH_FORM_EXACT, 0, scoped ? &scope :
		    NULL, ret, e);
		r = pipe_finish(&p, r, e);
		collect_end(&c);
	}
	if (r == 0) {
		collect_init(&c, s);
		if (too_many(&c, uidset_count(&got), e) < 0)
			r = -1;
	}
	if (r == 0)
		uidset_merge(out, &got);
	uidset_free(&got);
	uidset_free(&scope);
	return refused_charset(q, r, e);
}

int
search_count(struct sess *s, const struct search_query *q, uint64_t *n_r,
    struct err *e)
{
	struct uidset scope, got;
	struct collect c;
	struct pipe p;
	int scoped, r;

	*n_r = 0;
	scoped = get_scope(q, &scope);
	if (sess_has_cap(s, "ESEARCH") && simple(q, &scope, scoped)) {
		collect_init(&c, s);
		pipe_begin(&p, s, on_search, &c);
		r = 0;
		if (!scoped || scope.n > 0)
			r = queue_form(&p, q, SEARCH_FORM_EXACT, 0, scoped ?
			    &scope : NULL, " RETURN (COUNT)", e);
		r = pipe_finish(&p, r, e);
		collect_end(&c);
		*n_r = c.count;
		uidset_free(&scope);
		return r;
	}
	uidset_free(&scope);
	uidset_init(&got);
	r = search_run(s, q, &got, e);
	*n_r = uidset_count(&got);
	uidset_free(&got);
	return r;
}

int
search_queue_count(struct sess_pipe *p, sess_done_fn done, void *ctx,
    const struct search_query *q, struct err *e)
{
	struct sess *s = sess_pipe_sess(p);
	struct uidset scope;
	struct prog pr;
	struct buf chunk;
	size_t pos = 0;
	int scoped, r = 0;

	if (!sess_has_cap(s, "ESEARCH"))
		return 0;
	scoped = get_scope(q, &scope);
	memset(&pr, 0, sizeof(pr));
	buf_init(&chunk, UIDSET_CHUNK * 2);
	if (!simple(q, &scope, scoped))
		r = 0;
	else if (scoped && (scope.n == 0 ||
	    uidset_next_chunk(&scope, &pos, &chunk) != 1))
		r = 2;
	else if (build(&pr, q, SEARCH_FORM_EXACT, 0, scoped ? chunk.s : NULL,
	    1) == V_FALSE)
		r = 2;
	else
		r = sess_pipe_send(p, done, ctx, e, "UID SEARCH RETURN (COUNT) "
		    "%V", pr.v, pr.n) < 0 ? -1 : 1;
	prog_free(&pr);
	buf_free(&chunk);
	uidset_free(&scope);
	return r;
}

/* Sorting here: the key of each match, fetched; with a limit, the best. */
struct pair {
	uint32_t	uid;
	int64_t		key;
};

struct sorter {
	struct pair	*v;
	size_t		 n, alloc;
	uint64_t	 limit;
	int		 reverse;
};

static int
pair_cmp(const struct pair *a, const struct pair *b, int reverse)
{
	if (a->key != b->key)
		return (a->key < b->key) == !reverse ? -1 : 1;
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

static int
pair_asc(const void *a, const void *b)
{
	return pair_cmp(a, b, 0);
}

static int
pair_desc(const void *a, const void *b)
{
	return pair_cmp(a, b, 1);
}

static void
sorter_sort(struct sorter *st)
{
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), st->reverse ? pair_desc :
		    pair_asc);
	if (st->limit != 0 && st->n > st->limit)
		st->n = (size_t)st->limit;
}

static int
sort_item(struct collect *c, uint32_t uid, const struct imap_arg *v,
    struct err *e)
{
	struct sorter *st = c->itemctx;
	const char *s;
	size_t len;
	uint64_t size;
	time_t t;
	int64_t key;

	if (strcmp(c->item, "INTERNALDATE") == 0) {
		if (!imap_arg_string(v, &s, &len) ||
		    (t = date_parse_internal(s, len)) == -1)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "INTERNALDATE");
		key = (int64_t)t;
	} else {
		if (!imap_arg_u64(v, &size) || size > INT64_MAX)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "RFC822.SIZE");
		key = (int64_t)size;
	}
	/* Keep the best limit of them: sort and cut now and then. */
	if (st->limit != 0 && st->n >= 2 * st->limit + 1024)
		sorter_sort(st);
	if (st->n == st->alloc) {
		st->alloc = st->alloc ? st->alloc * 2 : 1024;
		st->v = xrealloc(st->v, st->alloc * sizeof(*st->v));
	}
	st->v[st->n].uid = uid;
	st->v[st->n].key = key;
	st->n++;
	return 0;
}

static int
sort_here(struct sess *s, const struct uidset *set, enum search_sort key,
    int reverse, struct collect *out, struct err *e)
{
	struct sorter st;
	struct collect c;
	size_t i;
	int r;

	memset(&st, 0, sizeof(st));
	st.limit = out->limit;
	st.reverse = reverse;
	collect_init(&c, s);
	c.item = key == SEARCH_SORT_DATE ? "INTERNALDATE" : "RFC822.SIZE";
	c.on_item = sort_item;
	c.itemctx = &st;
	r = fetch_items(s, &c, set, e);
	if (r == 0) {
		sorter_sort(&st);
		for (i = 0; i < st.n && r == 0 && !out->stop; i++)
			r = give(out, st.v[i].uid, e);
	}
	free(st.v);
	return r;
}

int
search_sorted(struct sess *s, const struct search_query *q,
    enum search_sort key, int reverse, uint64_t limit, search_uid_fn fn,
    void *ctx, struct err *e)
{
	struct uidset scope, got;
	struct collect c;
	struct prog pr;
	struct pipe p;
	struct buf chunk;
	static const char *const crits[] = { "ARRIVAL", "SIZE", "SUBJECT",
	    "FROM" };
	const char *crit = crits[key];
	int here_ok = key == SEARCH_SORT_DATE || key == SEARCH_SORT_SIZE;
	const char *ret = sess_has_cap(s, "ESORT") ? " RETURN (ALL)" : "";
	const char *rev = reverse ? "REVERSE " : "";
	int sort = sess_has_cap(s, "SORT"), scoped, r = 0;
	size_t pos = 0;

	if (!sort && !here_ok)
		return err_set(e, ERR_UNAVAILABLE, "--sort %s needs the "
		    "server's SORT (RFC 5256), which it does not offer",
		    crit[0] == 'S' ? "subject" : "from");

	collect_init(&c, s);
	c.fn = fn;
	c.fnctx = ctx;
	c.limit = limit;
	memset(&pr, 0, sizeof(pr));
	buf_init(&chunk, UIDSET_CHUNK * 2);
	uidset_init(&got);
	scoped = get_scope(q, &scope);
	if (sort && simple(q, &scope, scoped)) {
		/* The server sorts what it finds. */
		if (scoped)
			uidset_next_chunk(&scope, &pos, &chunk);
		if ((!scoped || scope.n > 0) && build(&pr, q,
		    SEARCH_FORM_EXACT, 0, scoped ? chunk.s : NULL, 0) !=
		    V_FALSE) {
			pipe_begin(&p, s, on_sort, &c);
			r = pipe_send(&p, e, "UID SORT%s (%s%s) UTF-8 %V", ret,
			    rev, crit, pr.v, pr.n);
			r = refused_charset(q, pipe_finish(&p, r, e), e);
		}
	} else if ((r = search_run(s, q, &got, e)) == 0 && got.n > 0) {
		if (sort && one_chunk(&got)) {
			/* The server sorts what we found. */
			uidset_next_chunk(&got, &pos, &chunk);
			pipe_begin(&p, s, on_sort, &c);
			r = pipe_send(&p, e, "UID SORT%s (%s%s) UTF-8 UID %S",
			    ret, rev, crit, chunk.s);
			r = pipe_finish(&p, r, e);
		} else if (here_ok)
			r = sort_here(s, &got, key, reverse, &c, e);
		else
			r = err_set(e, ERR_UNAVAILABLE, "too many matches to "
			    "sort by %s in one SORT command: narrow the query",
			    crit[0] == 'S' ? "subject" : "from");
	}
	if (r == 0 && c.fnerr.kind != ERR_NONE) {
		*e = c.fnerr;
		r = -1;
	}
	prog_free(&pr);
	buf_free(&chunk);
	uidset_free(&got);
	uidset_free(&scope);
	return r;
}

/* A query of just "uid:SET": the same searches as "search MAILBOX uid:SET". */
int
search_existing(struct sess *s, const struct uidset *in, struct uidset *out,
    struct err *e)
{
	struct search_query *q = xcalloc(1, sizeof(*q));
	int r;

	q->root = node_new(q, N_UID);
	q->root->top = 1;
	uidset_merge(&q->root->set, in);
	r = search_run(s, q, out, e);
	search_free(q);
	return r;
}
