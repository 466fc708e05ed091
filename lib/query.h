/* SPDX-License-Identifier: MIT */
/*
 * The search language's inside, shared by its two halves and by nothing
 * else: lib/query.c compiles a query (lexer, parser, term table) into a
 * tree and writes the tree out as search keys; lib/search.c runs the
 * searches on a session. Callers use search.h.
 *
 * A query becomes a tree (and, or, not, leaves). The tree is written out
 * as search keys in one of several forms, with constant folding, so the
 * same tree serves the server's exact answer, the day-granular answer
 * away from the older:/newer: cutoffs, and the answer for messages whose
 * older:/newer: values the client has decided.
 */
#ifndef IMAPCTL_QUERY_H
#define IMAPCTL_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "search.h"
#include "sess.h"
#include "uidset.h"

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

/* A new node of q, freed with it. */
struct node	*query_node_new(struct search_query *, enum node_type);

/* Pieces of a command, and the text made for them. */
struct prog {
	struct sess_piece	*v;
	size_t			 n, alloc;
	char			**own;
	size_t			 nown, ownalloc;
};

/* Empty p for the next program; free what it holds. */
void	query_prog_reset(struct prog *);
void	query_prog_free(struct prog *);

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

/* What a node comes to in a form: always true, always false, or keys. */
enum val	query_eval(const struct node *, const struct form *);
/*
 * The search program for a form into p: [CHARSET UTF-8] [UID chunk] keys.
 * Returns V_FALSE when it can match nothing (p is then empty).
 */
enum val	query_build(struct prog *, const struct search_query *,
		    enum search_form, uint32_t vals, const char *chunk,
		    int charset);

#endif
