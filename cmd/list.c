/* SPDX-License-Identifier: MIT */
/*
 * list: mailboxes with their attributes and special use; with --status,
 * their counts, through LIST-STATUS when offered, else pipelined STATUS.
 * LOGOUT goes in the same write as the last command, and the login in the
 * write of the first where it can go along.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cmd.h"
#include "mailbox.h"
#include "xalloc.h"
#include "banned.h"

static struct {
	int	 status, subscribed;
} opt;

const struct opt list_opts[] = {
	OPT_BOOL(0, "status", &opt.status, "add the message counts of each "
	    "mailbox"),
	OPT_BOOL(0, "subscribed", &opt.subscribed, "only the subscribed "
	    "mailboxes"),
	OPT_END()
};

#define LIST_MAX_MAILBOXES	1000000
/* What a LIST relies on; with --status, LIST-STATUS and STATUS=SIZE too. */
#define LIST_CAPS		"LIST-EXTENDED SPECIAL-USE CHILDREN"

struct mbox {
	char			*wire;		/* name as the server sent it */
	char			*name;		/* UTF-8 */
	char			 delim[2];
	char			**attrs;
	size_t			 nattrs;
	const char		*special;
	int			 noselect;
	struct mbox_status	 st;
	struct err		 err;
};

struct listing {
	struct sess	*sess;
	struct mbox	*v;
	size_t		 n, alloc;
};

static struct mbox *
find(struct listing *l, const char *wire, size_t len)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i].wire) == len &&
		    memcmp(l->v[i].wire, wire, len) == 0)
			return &l->v[i];
	return NULL;
}

static int
on_list(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct listing *l = ctx;
	struct mbox_list ml;
	struct mbox_status st;
	const struct imap_arg *a;
	struct mbox *m;
	struct buf b;
	const char *name, *sp;
	size_t len, i;

	switch (mbox_parse_status(r, &name, &len, &st)) {
	case 1:
		if ((m = find(l, name, len)) != NULL)
			m->st = st;
		return 0;
	case -1:
		return err_set(e, ERR_PROTOCOL, "cannot parse the server's "
		    "STATUS response");
	}
	if (!mbox_parse_list(r, &ml))
		return 0;
	if (find(l, ml.name, ml.name_len) != NULL)
		return 0;
	if (l->n >= LIST_MAX_MAILBOXES)
		return err_set(e, ERR_PROTOCOL, "server listed more than %d "
		    "mailboxes", LIST_MAX_MAILBOXES);
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 32;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	m = &l->v[l->n++];
	memset(m, 0, sizeof(*m));
	m->wire = xstrndup(ml.name, ml.name_len);
	buf_init(&b, SESS_NAME_TEXT_MAX);
	sess_mailbox_decode(s, ml.name, ml.name_len, &b);
	m->name = buf_release(&b);
	if (ml.delim != NULL)
		m->delim[0] = ml.delim[0];
	for (a = ml.attrs; a != NULL; a = a->next)
		m->nattrs++;
	m->attrs = xcalloc(m->nattrs + 1, sizeof(*m->attrs));
	for (a = ml.attrs, i = 0; a != NULL; a = a->next)
		if (imap_arg_atom(a, &name))
			m->attrs[i++] = xstrdup(name);
	m->nattrs = i;
	sp = mbox_special_use(ml.attrs);
	/* Point at our copy, which outlives the response. */
	for (i = 0; sp != NULL && i < m->nattrs; i++)
		if (strcasecmp(m->attrs[i], sp) == 0)
			m->special = m->attrs[i];
	m->noselect = mbox_has_attr(ml.attrs, "\\Noselect") ||
	    mbox_has_attr(ml.attrs, "\\NonExistent");
	return 0;
}

static void
emit_mbox(struct emit *e, const struct mbox *m, int status)
{
	size_t i;

	emit_record_begin(e, "mailbox");
	emit_str(e, "name", m->name);
	emit_str(e, "delimiter", m->delim[0] ? m->delim : NULL);
	emit_list_begin(e, "attributes", "attribute");
	for (i = 0; i < m->nattrs; i++)
		emit_str(e, NULL, m->attrs[i]);
	emit_list_end(e);
	emit_str(e, "special_use", m->special);
	if (status)
		emit_mbox_counts(e, &m->st, 0);
	emit_record_end(e);
}

static void
listing_free(struct listing *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].wire);
		free(l->v[i].name);
		for (j = 0; j < l->v[i].nattrs; j++)
			free(l->v[i].attrs[j]);
		free(l->v[i].attrs);
	}
	free(l->v);
}

#define LIST_MAX_PATTERNS	8	/* patterns in one LIST-EXTENDED command */
/*
 * The pieces of one LIST: the patterns with a space between each, and ten
 * more at most (the verb, the parentheses around the patterns, RETURN's
 * opening, SPECIAL-USE, CHILDREN, STATUS's opening, its items and the two
 * closings).
 */
#define LIST_MAX_PIECES		(2 * LIST_MAX_PATTERNS - 1 + 10)

static void
piece(struct sess_piece *v, size_t *n, enum sess_piece_type type,
    const char *p)
{
	/* Never past the array: run_list refuses what did not fit. */
	if (*n < LIST_MAX_PIECES) {
		v[*n].type = type;
		v[*n].s = p;
		v[*n].len = strlen(p);
	}
	(*n)++;
}

static void
text(struct sess_piece *v, size_t *n, const char *p)
{
	piece(v, n, SESS_PIECE_TEXT, p);
}

/* The LIST command for the patterns, with what the server can return. */
static int
run_list(struct sess *s, const struct sess_scope *sc, struct sess_reply *rep,
    int nargs, char **args, int subscribed, const char *status_items,
    int last, struct err *e)
{
	struct sess_piece v[LIST_MAX_PIECES];
	size_t n = 0;
	int ext = sess_has_cap(s, "LIST-EXTENDED"), i;
	int su = sess_has_cap(s, "SPECIAL-USE");
	int ch = sess_has_cap(s, "CHILDREN");

	if (!ext)
		nargs = 1;
	if (subscribed && !ext)
		text(v, &n, "LSUB \"\" ");
	else
		text(v, &n, subscribed ? "LIST (SUBSCRIBED) \"\" " :
		    "LIST \"\" ");
	if (nargs > 1)
		text(v, &n, "(");
	for (i = 0; i < nargs; i++) {
		if (i > 0)
			text(v, &n, " ");
		piece(v, &n, SESS_PIECE_MAILBOX, args[i]);
	}
	if (nargs > 1)
		text(v, &n, ")");
	if (ext && (su || ch || status_items != NULL)) {
		text(v, &n, " RETURN (");
		if (su)
			text(v, &n, "SPECIAL-USE");
		if (ch)
			text(v, &n, su ? " CHILDREN" : "CHILDREN");
		if (status_items != NULL) {
			text(v, &n, su || ch ? " STATUS (" : "STATUS (");
			text(v, &n, status_items);
			text(v, &n, ")");
		}
		text(v, &n, ")");
	}
	if (n > LIST_MAX_PIECES)
		return err_set(e, ERR_INTERNAL, "a LIST command of %zu pieces",
		    n);
	/* The last command: LOGOUT goes in the same write. */
	return (last ? sess_call_last : sess_call)(s, sc, rep, e, "%V", v, n);
}

int
cmd_list(int argc, char **argv, struct ctx *ctx)
{
	struct listing l;
	struct sess_scope sc = { on_list, NULL, NULL, NULL };
	struct sess_reply rep;
	struct sess *s = ctx->sess;
	struct err *e = &ctx->err;
	static char star_pattern[] = "*";
	char *star[] = { star_pattern };
	const char **names;
	struct mbox_status *st;
	struct err *errs;
	char items[128];
	int status = opt.status, subscribed = opt.subscribed, liststatus,
	    i, r, rc = 0;
	size_t j, k;

	if (argc == 0) {
		argc = 1;
		argv = star;
	}
again:
	memset(&l, 0, sizeof(l));
	l.sess = s;
	snprintf(items, sizeof(items), "MESSAGES UNSEEN RECENT UIDNEXT "
	    "UIDVALIDITY%s", sess_has_cap(s, "STATUS=SIZE") ? " SIZE" : "");
	liststatus = status && sess_has_cap(s, "LIST-STATUS") &&
	    sess_has_cap(s, "LIST-EXTENDED");
	sc.ctx = &l;
	/* One command for several patterns with LIST-EXTENDED. */
	for (i = 0; i < argc; ) {
		int n = !sess_has_cap(s, "LIST-EXTENDED") ? 1 :
		    argc - i > LIST_MAX_PATTERNS ? LIST_MAX_PATTERNS : argc - i;

		/* LOGOUT with the last LIST when no STATUS is to follow. */
		r = run_list(s, &sc, &rep, n, argv + i, subscribed,
		    liststatus ? items : NULL, i + n >= argc &&
		    (!status || liststatus), e);
		/*
		 * The first went with the login: a failed login says so,
		 * whatever the LIST got, and a LIST built for what the
		 * server turns out not to offer is done again.
		 */
		if ((i == 0 && cmd_logged_in(ctx) < 0) || r < 0) {
			listing_free(&l);
			return cmd_fail(ctx, e);
		}
		if (i == 0 && cmd_guessed_wrong(ctx, status ? LIST_CAPS
		    " LIST-STATUS STATUS=SIZE" : LIST_CAPS, rep.status !=
		    IMAP_ST_OK)) {
			listing_free(&l);
			if (cmd_connect_again(ctx) < 0)
				return cmd_fail(ctx, e);
			s = ctx->sess;
			goto again;
		}
		if (sess_reply_check(&rep, e) < 0) {
			err_prefix(e, "listing mailboxes");
			listing_free(&l);
			return cmd_fail(ctx, e);
		}
		i += n;
	}
	if (status && !liststatus && l.n > 0) {
		names = xcalloc(l.n, sizeof(*names));
		st = xcalloc(l.n, sizeof(*st));
		errs = xcalloc(l.n, sizeof(*errs));
		for (j = k = 0; j < l.n; j++)
			if (!l.v[j].noselect)
				names[k++] = l.v[j].name;
		if (mbox_status_many(s, names, k, items, 1, st, errs, e) < 0)
			rc = cmd_status_failed(ctx, names, errs, k, e);
		for (j = k = 0; rc == 0 && j < l.n; j++) {
			if (l.v[j].noselect)
				continue;
			l.v[j].st = st[k];
			l.v[j].err = errs[k];
			k++;
		}
		free(names);
		free(st);
		free(errs);
	}
	for (j = 0; rc == 0 && j < l.n; j++) {
		emit_mbox(ctx->emit, &l.v[j], status);
		if (l.v[j].err.kind != ERR_NONE) {
			err_prefix(&l.v[j].err, "status of '%s'", l.v[j].name);
			cmd_fail(ctx, &l.v[j].err);
		}
	}
	listing_free(&l);
	return rc ? rc : ctx->status;
}
