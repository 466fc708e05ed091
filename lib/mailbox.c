/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include <stdlib.h>

#include "buf.h"
#include "mailbox.h"
#include "mutf7.h"
#include "xalloc.h"
#include "banned.h"

/* A LIST or LSUB response; 0 if it is not one. */
int
mbox_parse_list(const struct imap_resp *r, struct mbox_list *l)
{
	const struct imap_arg *a = r->args;
	size_t n;

	if (r->status != IMAP_ST_NONE ||
	    !(imap_arg_is(a, "LIST") || imap_arg_is(a, "LSUB")))
		return 0;
	a = a->next;
	if (!imap_arg_list(a, &l->attrs, NULL))
		return 0;
	a = a->next;
	if (imap_arg_nil(a))
		l->delim = NULL;
	else if (!imap_arg_string(a, &l->delim, &n) || n != 1)
		return 0;
	a = a->next;
	if (!imap_arg_astring(a, &l->name, &l->name_len))
		return 0;
	return 1;
}

static const struct {
	const char	*name;
	unsigned	 bit;
} status_items[] = {
	{ "MESSAGES", MST_MESSAGES }, { "UNSEEN", MST_UNSEEN },
	{ "RECENT", MST_RECENT }, { "UIDNEXT", MST_UIDNEXT },
	{ "UIDVALIDITY", MST_UIDVALIDITY }, { "SIZE", MST_SIZE },
	{ "HIGHESTMODSEQ", MST_HIGHESTMODSEQ },
};

/* A STATUS response: 1, 0 if it is not one, -1 if it is malformed. */
int
mbox_parse_status(const struct imap_resp *r, const char **name_r,
    size_t *len_r, struct mbox_status *st)
{
	const struct imap_arg *a = r->args, *it;
	uint64_t v;
	size_t i;

	if (r->status != IMAP_ST_NONE || !imap_arg_is(a, "STATUS"))
		return 0;
	a = a->next;
	if (!imap_arg_astring(a, name_r, len_r))
		return -1;
	if (!imap_arg_list(a->next, &it, NULL))
		return -1;
	memset(st, 0, sizeof(*st));
	for (; it != NULL && it->next != NULL; it = it->next->next) {
		if (!imap_arg_u64(it->next, &v))
			return -1;
		for (i = 0; i < sizeof(status_items) / sizeof(status_items[0]); i++) {
			if (!imap_arg_is(it, status_items[i].name))
				continue;
			if (status_items[i].bit != MST_SIZE &&
			    status_items[i].bit != MST_HIGHESTMODSEQ &&
			    v > UINT32_MAX)
				return -1;
			st->have |= status_items[i].bit;
			switch (status_items[i].bit) {
			case MST_MESSAGES: st->messages = (uint32_t)v; break;
			case MST_UNSEEN: st->unseen = (uint32_t)v; break;
			case MST_RECENT: st->recent = (uint32_t)v; break;
			case MST_UIDNEXT: st->uidnext = (uint32_t)v; break;
			case MST_UIDVALIDITY:
				st->uidvalidity = (uint32_t)v;
				break;
			case MST_SIZE: st->size = v; break;
			default: st->highestmodseq = v; break;
			}
		}
	}
	return 1;
}

int
mbox_has_attr(const struct imap_arg *a, const char *name)
{
	for (; a != NULL; a = a->next)
		if (imap_arg_is(a, name))
			return 1;
	return 0;
}

/* The RFC 6154 special use among the attributes, or NULL. */
const char *
mbox_special_use(const struct imap_arg *a)
{
	static const char *const uses[] = {
		"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk",
		"\\Sent", "\\Trash", "\\Important"
	};
	size_t i;

	for (; a != NULL; a = a->next)
		for (i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
			if (imap_arg_is(a, uses[i]))
				return uses[i];
	return NULL;
}

/* STATUS for many mailboxes: what came back, by the index of the name. */
struct many {
	char			**enc;		/* names as sent */
	char			*ended;		/* each command's answer came */
	size_t			 n;
	size_t			 oldest;	/* first command not done */
	struct mbox_status	*st;
	struct err		*errs;
};

/* One STATUS command: its mailbox's index. */
struct many_cmd {
	struct many	*m;
	size_t		 i;
};

static int
many_handler(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct many *m = ctx;
	struct mbox_status st;
	const char *name;
	size_t len, i;

	(void)s;
	switch (mbox_parse_status(r, &name, &len, &st)) {
	case 0:
		return 0;
	case -1:
		return err_set(e, ERR_PROTOCOL, "cannot parse the server's "
		    "STATUS response");
	}
	/* By name; the server may spell INBOX its own way. */
	for (i = m->oldest; i < m->n; i++)
		if (!m->ended[i] && strlen(m->enc[i]) == len &&
		    (memcmp(m->enc[i], name, len) == 0 ||
		    (strcasecmp(m->enc[i], "INBOX") == 0 &&
		    strcasecmp(name, "INBOX") == 0)))
			break;
	if (i == m->n)
		i = m->oldest;
	if (i < m->n)
		m->st[i] = st;
	return 0;
}

static void
many_ended(struct many *m, size_t i)
{
	m->ended[i] = 1;
	while (m->oldest < m->n && m->ended[m->oldest])
		m->oldest++;
}

static int
many_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct many_cmd *c = ctx;

	(void)s;
	(void)e;
	/*
	 * Abandoned: the session failed, which the caller says; a refusal
	 * that came before is the mailbox's own, to be said with it.
	 */
	if (rep->status != IMAP_ST_NONE)
		sess_reply_check(rep, &c->m->errs[c->i]);
	many_ended(c->m, c->i);
	return 0;
}

int
mbox_status_many(struct sess *s, const char *const *names, size_t n,
    const char *items, int last, struct mbox_status *st, struct err *errs,
    struct err *e)
{
	struct sess_scope scope = { many_handler, NULL, NULL, NULL };
	struct sess_pipe *p;
	struct many_cmd *cmds;
	struct many m;
	struct buf b;
	size_t i;
	int r = 0;

	memset(&m, 0, sizeof(m));
	m.n = n;
	m.st = st;
	m.errs = errs;
	m.enc = xcalloc(n + 1, sizeof(*m.enc));
	m.ended = xcalloc(n + 1, 1);
	cmds = xcalloc(n + 1, sizeof(*cmds));
	for (i = 0; i < n; i++) {
		buf_init(&b, MBOX_NAME_MAX);
		if ((strcasecmp(names[i], "INBOX") == 0 ? buf_adds(&b,
		    "INBOX") : mutf7_encode(&b, names[i], strlen(names[i]))) < 0)
			buf_reset(&b);
		m.enc[i] = buf_release(&b);
		memset(&st[i], 0, sizeof(st[i]));
		err_clear(&errs[i]);
		cmds[i].m = &m;
		cmds[i].i = i;
	}
	scope.ctx = &m;
	p = sess_pipe_begin(s, &scope, MBOX_WINDOW);
	for (i = 0; i < n && r == 0; i++) {
		if (sess_pipe_send(p, many_done, &cmds[i], &errs[i],
		    "STATUS %M (%s)", names[i], items) == 0)
			continue;
		/*
		 * A name the formatter refused: that mailbox's error. Else
		 * the session's, which is the run's, not the mailbox's.
		 */
		if (sess_broken(s) || errs[i].kind != ERR_USAGE) {
			*e = errs[i];
			err_clear(&errs[i]);
			r = -1;
		}
		many_ended(&m, i);
	}
	/* LOGOUT in the same write as the last STATUS, when asked. */
	if (r == 0 && last && sess_send_logout(s, e) < 0)
		r = -1;
	r = sess_pipe_end(p, r, e);
	for (i = 0; i < n; i++)
		free(m.enc[i]);
	free(m.enc);
	free(m.ended);
	free(cmds);
	return r;
}
