/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "parser.h"
#include "xalloc.h"
#include "banned.h"

/*
 * Memory for one response: chunks freed together when the next response
 * starts. What one response may hold is bounded, so a server cannot make
 * us buffer without end by chaining literals.
 */
struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	char		 data[];
};

#define CHUNK_SIZE	16384

/*
 * A "* SEARCH" or "* SORT" answer without ESEARCH is one line naming every
 * match: a million matches is over 7 MB, and a node per number would be
 * ten times that. Past this many bytes such a line is handed on in pieces,
 * each a response of its own ("* SEARCH 1 2 3", "* SEARCH 4 5"), so what
 * is held does not grow with the mailbox. Handlers add up what they are
 * given, as they must for a server that sends several lines anyway.
 */
#define SPLIT_AT	32768
#define SPLIT_PREFIX	sizeof("* SEARCH ")	/* longest, with its NUL */
#define SPLIT_REST	24			/* a number cut in two */

struct imap_parser {
	struct buf	 line;
	enum { P_LINE, P_LITERAL }	state;
	enum { PH_START, PH_ARGS }	phase;

	/* The literal being received. */
	uint64_t	 lit_left;
	struct imap_arg	*lit_arg;
	struct imap_sink *sink;

	struct imap_resp resp;
	int		 have_resp;
	struct imap_arg	 root;
	struct imap_arg	*stack[IMAP_MAX_DEPTH + 1];
	struct imap_arg	*tail[IMAP_MAX_DEPTH + 1];
	size_t		 depth;
	size_t		 items;		/* arguments in this response */

	struct chunk	*chunks;
	uint64_t	 held;		/* bytes held for this response */
	uint64_t	 max_literal;
	imap_sink_fn	 sink_fn;
	void		*sink_ctx;
	char		 empty[1];
	imap_trace_fn	 trace_fn;
	void		*trace_ctx;

	/* A number line handed on in pieces: how the next piece starts. */
	int		 split, nosplit, no_splits;
	int		 split_cont;	/* the line starts with split_prefix */
	char		 split_prefix[SPLIT_PREFIX];
	char		 split_rest[SPLIT_REST];
	size_t		 split_plen, split_rlen;
};

static void *
arena_alloc(struct imap_parser *p, size_t n)
{
	struct chunk *c = p->chunks;
	size_t size;
	void *r;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		c = xmalloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		/* Keep a partly used chunk first when the new one is big. */
		if (n > CHUNK_SIZE / 2 && p->chunks != NULL) {
			c->next = p->chunks->next;
			p->chunks->next = c;
		} else {
			c->next = p->chunks;
			p->chunks = c;
		}
	}
	r = c->data + c->used;
	c->used += n;
	return r;
}

static void
arena_free(struct imap_parser *p)
{
	struct chunk *c, *n;

	for (c = p->chunks; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	p->chunks = NULL;
	p->held = 0;
}

static void
start_response(struct imap_parser *p)
{
	arena_free(p);
	memset(&p->resp, 0, sizeof(p->resp));
	memset(&p->root, 0, sizeof(p->root));
	p->root.type = IMAP_LIST;
	p->stack[0] = &p->root;
	p->tail[0] = NULL;
	p->depth = 0;
	p->items = 0;
	p->phase = PH_START;
	p->state = P_LINE;
	p->have_resp = 0;
	p->sink = NULL;
	p->lit_arg = NULL;
	p->lit_left = 0;
	p->nosplit = 0;
	p->split_cont = 0;
	buf_reset(&p->line);
	if (p->split) {
		p->split = 0;
		p->split_cont = 1;
		/* Both are shorter than a line (see SPLIT_PREFIX). */
		buf_put(&p->line, p->split_prefix, p->split_plen);
		buf_put(&p->line, p->split_rest, p->split_rlen);
	}
}

struct imap_parser *
imap_parser_new(void)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	buf_init(&p->line, IMAP_MAX_LINE);
	p->max_literal = IMAP_DEFAULT_MAX_LITERAL;
	start_response(p);
	return p;
}

void
imap_parser_free(struct imap_parser *p)
{
	if (p == NULL)
		return;
	arena_free(p);
	buf_free(&p->line);
	free(p);
}

void
imap_parser_reset(struct imap_parser *p)
{
	p->split = 0;
	start_response(p);
}

void
imap_parser_set_max_literal(struct imap_parser *p, uint64_t max)
{
	/*
	 * What one response may hold is this plus a line, and a literal
	 * is allocated with room for a NUL: keep both sums from wrapping.
	 */
	if (max > IMAP_MAX_LITERAL_CEILING)
		max = IMAP_MAX_LITERAL_CEILING;
	p->max_literal = max;
}

void
imap_parser_set_sink_fn(struct imap_parser *p, imap_sink_fn fn, void *ctx)
{
	p->sink_fn = fn;
	p->sink_ctx = ctx;
}

void
imap_parser_set_splits(struct imap_parser *p, int on)
{
	p->no_splits = !on;
}

void
imap_parser_set_trace(struct imap_parser *p, imap_trace_fn fn, void *ctx)
{
	p->trace_fn = fn;
	p->trace_ctx = ctx;
}

int
imap_parser_in_literal(const struct imap_parser *p)
{
	return p->state == P_LITERAL;
}

static int
hold(struct imap_parser *p, uint64_t n, struct err *e)
{
	if (n > p->max_literal + IMAP_MAX_LINE ||
	    p->held > p->max_literal + IMAP_MAX_LINE - n)
		return err_set(e, ERR_PROTOCOL,
		    "server response larger than %llu bytes",
		    (unsigned long long)(p->max_literal + IMAP_MAX_LINE));
	p->held += n;
	return 0;
}

static char *
arena_strdup(struct imap_parser *p, const char *s, size_t n)
{
	char *d = arena_alloc(p, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static struct imap_arg *
new_arg(struct imap_parser *p, enum imap_type type, struct err *e)
{
	struct imap_arg *parent = p->stack[p->depth], *a;

	if (parent->count >= IMAP_MAX_ITEMS) {
		err_set(e, ERR_PROTOCOL, "server response has more than %d "
		    "items in a list", IMAP_MAX_ITEMS);
		return NULL;
	}
	/*
	 * Each argument costs far more memory than the bytes it came in, and
	 * a response can go on over many lines joined by literals: bound the
	 * lists together, not only each one.
	 */
	if (p->items >= IMAP_MAX_ITEMS) {
		err_set(e, ERR_PROTOCOL, "server response has more than %d "
		    "items", IMAP_MAX_ITEMS);
		return NULL;
	}
	p->items++;
	a = arena_alloc(p, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->s = p->empty;
	if (p->tail[p->depth] == NULL)
		parent->list = a;
	else
		p->tail[p->depth]->next = a;
	p->tail[p->depth] = a;
	parent->count++;
	return a;
}

static int
bad(struct err *e, const char *what, const char *line)
{
	return err_set(e, ERR_PROTOCOL, "cannot parse server response (%s): "
	    "%.80s", what, line);
}

static int
is_atom_char(unsigned char c, int in_code)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	if (c == '(' || c == ')' || c == '"' || c == '{')
		return 0;
	if (in_code && c == ']')
		return 0;
	return 1;
}

/* Whether s[0..n) names a FETCH item with a section: BODY[...]. */
static int
is_section_item(const char *s, size_t n)
{
	static const char *const items[] = {
		"BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE"
	};
	size_t k;

	for (k = 0; k < sizeof(items) / sizeof(items[0]); k++)
		if (strlen(items[k]) == n && strncasecmp(s, items[k], n) == 0)
			return 1;
	return 0;
}

/*
 * An atom, with bracketed sections taken whole: BODY[HEADER.FIELDS (A B)]<0>.
 * Elsewhere '[' is an ordinary atom character, as in the mailbox name a[b.
 * Returns the end position, or 0 on a malformed atom.
 */
static size_t
scan_atom(const char *s, size_t i, size_t n, int in_code)
{
	size_t start = i;
	int quoted;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '[' && !in_code && is_section_item(s + start,
		    i - start)) {
			quoted = 0;
			for (i++; i < n; i++) {
				if (quoted) {
					if (s[i] == '\\' && i + 1 < n)
						i++;
					else if (s[i] == '"')
						quoted = 0;
				} else if (s[i] == '"')
					quoted = 1;
				else if (s[i] == ']')
					break;
			}
			if (i >= n)
				return 0;
			i++;
			continue;
		}
		if (!is_atom_char(c, in_code))
			break;
		i++;
	}
	return i > start ? i : 0;
}

/* A quoted string starting at s[i] == '"'; returns the end or 0. */
static size_t
scan_quoted(struct imap_parser *p, const char *s, size_t i, size_t n,
    struct imap_arg *a)
{
	size_t j, k = 0;
	char *d;

	for (j = i + 1; j < n && s[j] != '"'; j++)
		if (s[j] == '\\' && j + 1 < n)
			j++;
	if (j >= n)
		return 0;
	d = arena_alloc(p, j - i);
	for (j = i + 1; s[j] != '"'; j++) {
		if (s[j] == '\\')
			j++;
		d[k++] = s[j];
	}
	d[k] = '\0';
	a->s = d;
	a->len = k;
	return j + 1;
}

/*
 * Parse {N}, {N+} or ~{N} that must end the line. Returns 1 with the size,
 * 0 if s[i] starts no literal, -1 if malformed.
 */
static int
scan_literal(const char *s, size_t i, size_t n, uint64_t *size_r)
{
	size_t j;

	if (s[i] == '~')
		i++;
	if (i >= n || s[i] != '{')
		return 0;
	j = i + 1;
	while (j < n && s[j] >= '0' && s[j] <= '9')
		j++;
	if (j == i + 1 || !imap_parse_u64(s + i + 1, j - i - 1, size_r))
		return -1;
	if (j < n && s[j] == '+')
		j++;
	if (j + 1 != n || s[j] != '}')
		return -1;
	return 1;
}

static int
push_list(struct imap_parser *p, struct err *e)
{
	struct imap_arg *a;

	if (p->depth >= IMAP_MAX_DEPTH)
		return err_set(e, ERR_PROTOCOL, "server response nests lists "
		    "deeper than %d", IMAP_MAX_DEPTH);
	if ((a = new_arg(p, IMAP_LIST, e)) == NULL)
		return -1;
	p->depth++;
	p->stack[p->depth] = a;
	p->tail[p->depth] = NULL;
	return 0;
}

enum seg_result { SEG_DONE, SEG_LITERAL, SEG_ERROR };

/*
 * General arguments from s[i..n): atoms, strings, NIL, lists, and a
 * literal at the end of the segment.
 */
static enum seg_result
parse_args(struct imap_parser *p, const char *s, size_t i, size_t n,
    uint64_t *litsize_r, struct err *e)
{
	struct imap_arg *a;
	size_t j;
	int r;

	for (;;) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		switch (s[i]) {
		case '(':
			if (push_list(p, e) < 0)
				return SEG_ERROR;
			i++;
			continue;
		case ')':
			if (p->depth == 0) {
				bad(e, "unbalanced ')'", s);
				return SEG_ERROR;
			}
			p->depth--;
			i++;
			continue;
		case '"':
			if ((a = new_arg(p, IMAP_STRING, e)) == NULL)
				return SEG_ERROR;
			if ((j = scan_quoted(p, s, i, n, a)) == 0) {
				bad(e, "unterminated quoted string", s);
				return SEG_ERROR;
			}
			i = j;
			continue;
		case '{':
		case '~':
			r = scan_literal(s, i, n, litsize_r);
			if (r < 0) {
				bad(e, "bad literal", s);
				return SEG_ERROR;
			}
			if (r > 0)
				return SEG_LITERAL;
			break;
		default:
			break;
		}
		if ((j = scan_atom(s, i, n, 0)) == 0) {
			bad(e, "unexpected character", s);
			return SEG_ERROR;
		}
		if (j - i == 3 && strncasecmp(s + i, "NIL", 3) == 0)
			a = new_arg(p, IMAP_NIL, e);
		else
			a = new_arg(p, IMAP_ATOM, e);
		if (a == NULL)
			return SEG_ERROR;
		a->s = arena_strdup(p, s + i, j - i);
		a->len = j - i;
		i = j;
	}
	if (p->depth != 0) {
		bad(e, "unbalanced '('", s);
		return SEG_ERROR;
	}
	return SEG_DONE;
}

/* resp-text: optional [code args] then free text. */
static enum seg_result
parse_resp_text(struct imap_parser *p, const char *s, size_t i, size_t n,
    struct err *e)
{
	struct imap_arg *first = NULL, *a;
	size_t j, base = p->depth;

	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '[') {
		/* Collect the code in a list of its own. */
		if (push_list(p, e) < 0)
			return SEG_ERROR;
		first = p->stack[p->depth];
		i++;
		for (;;) {
			while (i < n && s[i] == ' ')
				i++;
			if (i >= n) {
				bad(e, "unterminated response code", s);
				return SEG_ERROR;
			}
			if (s[i] == ']' && p->depth == base + 1) {
				i++;
				break;
			}
			if (s[i] == '(') {
				if (push_list(p, e) < 0)
					return SEG_ERROR;
				i++;
			} else if (s[i] == ')') {
				if (p->depth <= base + 1) {
					bad(e, "unbalanced ')'", s);
					return SEG_ERROR;
				}
				p->depth--;
				i++;
			} else if (s[i] == '"') {
				if ((a = new_arg(p, IMAP_STRING, e)) == NULL)
					return SEG_ERROR;
				if ((j = scan_quoted(p, s, i, n, a)) == 0) {
					bad(e, "unterminated quoted string", s);
					return SEG_ERROR;
				}
				i = j;
			} else {
				if ((j = scan_atom(s, i, n, 1)) == 0) {
					bad(e, "bad response code", s);
					return SEG_ERROR;
				}
				a = new_arg(p, IMAP_ATOM, e);
				if (a == NULL)
					return SEG_ERROR;
				a->s = arena_strdup(p, s + i, j - i);
				a->len = j - i;
				i = j;
			}
		}
		p->depth = base;
		while (i < n && s[i] == ' ')
			i++;
		/* The code list is not an argument of the response. */
		p->root.count--;
		if (p->root.list == first)
			p->root.list = NULL;
		else {
			for (a = p->root.list; a->next != first; a = a->next)
				;
			a->next = NULL;
			p->tail[0] = a;
		}
		p->resp.code = first->list;
	}
	p->resp.text = arena_strdup(p, s + i, n - i);
	return SEG_DONE;
}

static const struct {
	const char	*name;
	enum imap_status status;
} statuses[] = {
	{ "OK", IMAP_ST_OK }, { "NO", IMAP_ST_NO }, { "BAD", IMAP_ST_BAD },
	{ "BYE", IMAP_ST_BYE }, { "PREAUTH", IMAP_ST_PREAUTH },
};

/* The first segment of a response: tag, then status or arguments. */
static enum seg_result
parse_start(struct imap_parser *p, const char *s, size_t n,
    uint64_t *litsize_r, struct err *e)
{
	struct imap_arg *a;
	size_t i, j, k;

	if (n == 0) {
		bad(e, "empty line", s);
		return SEG_ERROR;
	}
	if (s[0] == '+') {
		p->resp.kind = IMAP_CONTINUATION;
		i = n > 1 && s[1] == ' ' ? 2 : 1;
		p->resp.text = arena_strdup(p, s + i, n - i);
		return SEG_DONE;
	}
	if (s[0] == '*' && (n == 1 || s[1] == ' ')) {
		p->resp.kind = IMAP_UNTAGGED;
		i = 1;
	} else {
		for (i = 0; i < n && is_atom_char((unsigned char)s[i], 1) &&
		    s[i] != '+' && s[i] != '*' && s[i] != '%'; i++)
			;
		if (i == 0 || (i < n && s[i] != ' ')) {
			bad(e, "bad tag", s);
			return SEG_ERROR;
		}
		p->resp.kind = IMAP_TAGGED;
		p->resp.tag = arena_strdup(p, s, i);
	}
	while (i < n && s[i] == ' ')
		i++;
	j = i;
	while (j < n && s[j] != ' ')
		j++;
	for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
		if (strlen(statuses[k].name) == j - i &&
		    strncasecmp(s + i, statuses[k].name, j - i) == 0) {
			p->resp.status = statuses[k].status;
			if ((a = new_arg(p, IMAP_ATOM, e)) == NULL)
				return SEG_ERROR;
			a->s = arena_strdup(p, s + i, j - i);
			a->len = j - i;
			return parse_resp_text(p, s, j, n, e);
		}
	}
	if (p->resp.kind == IMAP_TAGGED) {
		bad(e, "tagged response without OK, NO or BAD", s);
		return SEG_ERROR;
	}
	p->phase = PH_ARGS;
	return parse_args(p, s, i, n, litsize_r, e);
}

static int
begin_literal(struct imap_parser *p, uint64_t size, struct err *e)
{
	struct imap_arg *parent;

	if (size > p->max_literal)
		return err_set(e, ERR_PROTOCOL, "server sent a literal of "
		    "%llu bytes, more than the limit of %llu (--max-size)",
		    (unsigned long long)size,
		    (unsigned long long)p->max_literal);
	if (p->trace_fn != NULL)
		p->trace_fn(p->trace_ctx, NULL, 0, size);
	parent = p->depth > 0 ? p->stack[p->depth] : NULL;
	p->resp.args = p->root.list;
	p->resp.nargs = p->root.count;
	p->sink = NULL;
	if (p->sink_fn != NULL)
		p->sink = p->sink_fn(p->sink_ctx, &p->resp, parent, size);
	if (p->sink != NULL) {
		if ((p->lit_arg = new_arg(p, IMAP_STREAMED, e)) == NULL)
			return -1;
		p->lit_arg->size = size;
	} else {
		if (hold(p, size, e) < 0)
			return -1;
		if ((p->lit_arg = new_arg(p, IMAP_STRING, e)) == NULL)
			return -1;
		p->lit_arg->literal = 1;
		p->lit_arg->s = arena_alloc(p, (size_t)size + 1);
		p->lit_arg->s[0] = '\0';
	}
	p->lit_left = size;
	p->state = P_LITERAL;
	return 0;
}

static int
end_segment(struct imap_parser *p, struct err *e)
{
	const char *s = p->line.s;
	size_t n = p->line.len;
	enum seg_result r;
	uint64_t litsize = 0;
	size_t skip;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* The trace sees what came, not the prefix a piece was given. */
	skip = p->split_cont ? p->split_plen : 0;
	p->split_cont = 0;	/* only the line's first segment has it */
	if (p->trace_fn != NULL)
		p->trace_fn(p->trace_ctx, s + skip, n - skip, 0);
	if (memchr(s, '\0', n) != NULL)
		return bad(e, "NUL byte", s);
	if (hold(p, n, e) < 0)
		return -1;
	if (p->phase == PH_START)
		r = parse_start(p, s, n, &litsize, e);
	else
		r = parse_args(p, s, 0, n, &litsize, e);
	buf_reset(&p->line);
	if (r == SEG_ERROR)
		return -1;
	if (r == SEG_LITERAL)
		return begin_literal(p, litsize, e) < 0 ? -1 : 0;
	p->resp.args = p->root.list;
	p->resp.nargs = p->root.count;
	p->have_resp = 1;
	return 1;
}

/*
 * A long line that may be handed on in pieces: one that starts
 * "* SEARCH " or "* SORT " and holds only numbers so far. Returns 1 when
 * the line up to its last space became a response of its own (end_segment
 * says so, and the rest waits for the next response), 0 to go on whole.
 */
static int
split_line(struct imap_parser *p, struct err *e)
{
	static const char *const names[] = { "* SEARCH ", "* SORT " };
	const char *s = p->line.s;
	size_t n = p->line.len, plen = 0, cut, i, k;

	if (p->no_splits || p->nosplit || p->state != P_LINE ||
	    p->phase != PH_START)
		return 0;
	/* Looked at once: a line that cannot be split goes on whole. */
	p->nosplit = 1;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (n > strlen(names[k]) &&
		    strncasecmp(s, names[k], strlen(names[k])) == 0)
			plen = strlen(names[k]);
	if (plen == 0)
		return 0;
	for (cut = n; cut > plen && s[cut - 1] != ' '; cut--)
		;
	if (cut <= plen || n - cut >= SPLIT_REST)
		return 0;
	for (i = plen; i < n; i++)
		if (s[i] != ' ' && (s[i] < '0' || s[i] > '9'))
			return 0;
	memcpy(p->split_prefix, s, plen);
	p->split_plen = plen;
	memcpy(p->split_rest, s + cut, n - cut);
	p->split_rlen = n - cut;
	p->line.len = cut - 1;
	p->split = 1;
	p->nosplit = 0;
	if (end_segment(p, e) < 0) {
		p->split = 0;
		return -1;
	}
	return 1;
}

int
imap_parser_feed(struct imap_parser *p, const char *data, size_t len,
    size_t *consumed_r, const struct imap_resp **resp_r, struct err *e)
{
	size_t i = 0, take;
	const char *nl;
	int r;

	*resp_r = NULL;
	if (p->have_resp)
		start_response(p);
	while (i < len) {
		if (p->state == P_LITERAL) {
			take = len - i;
			if (take > p->lit_left)
				take = (size_t)p->lit_left;
			if (p->sink != NULL) {
				if (p->sink->write(p->sink->ctx, data + i, take,
				    e) < 0)
					goto fail;
			} else {
				memcpy(p->lit_arg->s + p->lit_arg->len,
				    data + i, take);
				p->lit_arg->len += take;
				p->lit_arg->s[p->lit_arg->len] = '\0';
			}
			i += take;
			p->lit_left -= take;
			if (p->lit_left == 0) {
				if (p->sink != NULL && p->sink->end != NULL &&
				    p->sink->end(p->sink->ctx, e) < 0)
					goto fail;
				p->sink = NULL;
				p->state = P_LINE;
			}
			continue;
		}
		nl = memchr(data + i, '\n', len - i);
		take = nl != NULL ? (size_t)(nl - (data + i)) : len - i;
		/* Stop at SPLIT_AT: the line may go on in pieces from there. */
		if (p->line.len < SPLIT_AT && take > SPLIT_AT - p->line.len) {
			take = SPLIT_AT - p->line.len;
			nl = NULL;
		}
		if (buf_add(&p->line, data + i, take) < 0) {
			err_set(e, ERR_PROTOCOL, "server sent a line longer "
			    "than %u bytes", IMAP_MAX_LINE);
			goto fail;
		}
		i += take;
		if (nl == NULL) {
			if (p->line.len < SPLIT_AT)
				continue;
			if ((r = split_line(p, e)) < 0)
				goto fail;
			if (r > 0) {
				*consumed_r = i;
				*resp_r = &p->resp;
				return 1;
			}
			continue;
		}
		i++;
		if ((r = end_segment(p, e)) < 0)
			goto fail;
		if (r > 0) {
			*consumed_r = i;
			*resp_r = &p->resp;
			return 1;
		}
	}
	*consumed_r = i;
	return 0;
fail:
	*consumed_r = i;
	start_response(p);
	return -1;
}

int
imap_arg_atom(const struct imap_arg *a, const char **s_r)
{
	if (a == NULL || a->type != IMAP_ATOM)
		return 0;
	*s_r = a->s;
	return 1;
}

int
imap_arg_is(const struct imap_arg *a, const char *atom)
{
	return a != NULL && a->type == IMAP_ATOM && strcasecmp(a->s, atom) == 0;
}

int
imap_arg_string(const struct imap_arg *a, const char **s_r, size_t *len_r)
{
	if (a == NULL || a->type != IMAP_STRING)
		return 0;
	*s_r = a->s;
	if (len_r != NULL)
		*len_r = a->len;
	return 1;
}

int
imap_arg_astring(const struct imap_arg *a, const char **s_r, size_t *len_r)
{
	if (a == NULL || (a->type != IMAP_STRING && a->type != IMAP_ATOM &&
	    a->type != IMAP_NIL))
		return 0;
	*s_r = a->s;
	if (len_r != NULL)
		*len_r = a->len;
	return 1;
}

int
imap_arg_nstring(const struct imap_arg *a, const char **s_r, size_t *len_r)
{
	if (a != NULL && a->type == IMAP_NIL) {
		*s_r = NULL;
		if (len_r != NULL)
			*len_r = 0;
		return 1;
	}
	return imap_arg_string(a, s_r, len_r);
}

int
imap_arg_nil(const struct imap_arg *a)
{
	return a != NULL && a->type == IMAP_NIL;
}

int
imap_arg_list(const struct imap_arg *a, const struct imap_arg **first_r,
    size_t *count_r)
{
	if (a == NULL || a->type != IMAP_LIST)
		return 0;
	*first_r = a->list;
	if (count_r != NULL)
		*count_r = a->count;
	return 1;
}

int
imap_parse_u64(const char *s, size_t n, uint64_t *v_r)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*v_r = v;
	return 1;
}

int
imap_arg_u64(const struct imap_arg *a, uint64_t *v_r)
{
	if (a == NULL || a->type != IMAP_ATOM)
		return 0;
	return imap_parse_u64(a->s, a->len, v_r);
}

int
imap_arg_u32(const struct imap_arg *a, uint32_t *v_r)
{
	uint64_t v;

	if (!imap_arg_u64(a, &v) || v > UINT32_MAX)
		return 0;
	*v_r = (uint32_t)v;
	return 1;
}

const struct imap_arg *
imap_arg_nth(const struct imap_arg *a, size_t n)
{
	while (a != NULL && n-- > 0)
		a = a->next;
	return a;
}
