/* SPDX-License-Identifier: MIT */
/*
 * What flag, move and delete share: the safety options, flag names and
 * labels, the checks made before anything changes, the records of what
 * was changed and the report of what was not. The change itself is
 * carried out by the engine in lib/uidchange.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "change.h"
#include "mailbox.h"
#include "msgset.h"
#include "mutf7.h"
#include "parser.h"
#include "progress.h"
#include "settings.h"
#include "stop.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#define CHANGE_REPORT_MAX	240	/* bytes of UID set in a report line */
#define CHANGE_LEFT_TEXT_MAX	(1u << 20)	/* such a set, before the cut */
#define CHANGE_LABEL_MAX	4096	/* a label, encoded */

/* Max ------------------------------------------------------------------- */

int
change_check(struct ctx *ctx, int argc, char **argv, int nrest)
{
	return msgset_check(ctx, argc, argv, 1, nrest);
}

int
change_check_max(struct ctx *ctx, uint64_t max, uint64_t count,
    const char *what)
{
	if (count <= max)
		return 0;
	return cmd_failf(ctx, ERR_DATA, "%s %llu messages, more than --max "
	    "%llu; nothing was changed", what, (unsigned long long)count,
	    (unsigned long long)max);
}

/* Flags ------------------------------------------------------------------ */

static const struct {
	const char	*name;
	const char	*flag;
} friendly_flags[] = {
	{ "seen", "\\Seen" }, { "answered", "\\Answered" },
	{ "flagged", "\\Flagged" }, { "deleted", "\\Deleted" },
	{ "draft", "\\Draft" },
};

/* A flag keyword is an atom; "]" is not allowed in one either. */
static int
is_flag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* Whether list ("\\Seen foo") holds flag, ignoring case. */
static int
has_flag(const struct buf *list, const char *flag, size_t len)
{
	const char *p = list->s, *end;

	while (*p != '\0') {
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == len && strncasecmp(p, flag, len) == 0)
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int
add_flag(struct ctx *ctx, const char *option, const char *tok, size_t len,
    struct buf *out)
{
	const char *flag = tok;
	size_t i, flen = len, start = 0;

	for (i = 0; i < sizeof(friendly_flags) / sizeof(friendly_flags[0]);
	    i++)
		if (strlen(friendly_flags[i].name) == len &&
		    strncasecmp(friendly_flags[i].name, tok, len) == 0) {
			flag = friendly_flags[i].flag;
			flen = strlen(flag);
			break;
		}
	if (flag[0] == '\\')
		start = 1;
	if (flen == start)
		return cmd_usage(ctx, "bad flag '%.*s' in --%s",
		    (int)len, tok, option);
	for (i = start; i < flen; i++)
		if (!is_flag_char((unsigned char)flag[i]))
			return cmd_usage(ctx, "bad flag '%.*s' in "
			    "--%s: use seen, answered, flagged, deleted, "
			    "draft, \\Flag or a keyword of printable ASCII "
			    "without spaces or ( ) { %% * \" \\ ]", (int)len,
			    tok, option);
	if (flen == 7 && strncasecmp(flag, "\\Recent", 7) == 0)
		return cmd_usage(ctx, "\\Recent cannot be changed");
	if (has_flag(out, flag, flen))
		return 0;
	if ((out->len > 0 && buf_addc(out, ' ') < 0) ||
	    buf_add(out, flag, flen) < 0)
		return cmd_usage(ctx, "too many flags");
	return 0;
}

int
change_flags(struct ctx *ctx, const char *option, const struct opt_list *v,
    struct buf *out)
{
	const char *p;
	size_t i, n;
	int rc;

	for (i = 0; i < v->n; i++) {
		for (p = v->v[i]; *p != '\0'; p += n) {
			p += strspn(p, ", \t");
			n = strcspn(p, ", \t");
			if (n > 0 && (rc = add_flag(ctx, option, p, n, out)) != 0)
				return rc;
		}
	}
	return 0;
}

void
change_emit_flags(struct emit *e, const char *key, const struct imap_arg *a)
{
	const char *f;

	emit_list_begin(e, key, "flag");
	for (; a != NULL; a = a->next)
		if (imap_arg_atom(a, &f))
			emit_str(e, NULL, f);
	emit_list_end(e);
}

int
change_label_add(struct change_labels *l, const char *label, struct err *e)
{
	struct buf b;
	size_t i, len = strlen(label);

	if (l->n == CHANGE_MAX_LABELS)
		return err_set(e, ERR_USAGE, "more than %d labels",
		    CHANGE_MAX_LABELS);
	if (len == 0 || strpbrk(label, "\r\n") != NULL)
		return err_set(e, ERR_USAGE, "bad label '%s'", label);
	buf_init(&b, CHANGE_LABEL_MAX);
	if (label[0] == '\\') {
		/* A system label: \Inbox, \Starred, \Important ... */
		for (i = 1; i < len; i++)
			if (!is_flag_char((unsigned char)label[i]))
				break;
		if (len == 1 || i < len) {
			buf_free(&b);
			return err_set(e, ERR_USAGE, "bad label '%s': a "
			    "system label is \\ and letters, such as "
			    "\\Inbox", label);
		}
		if (buf_add(&b, label, len) < 0) {
			buf_free(&b);
			return err_set(e, ERR_USAGE, "label '%.40s...' is too "
			    "long", label);
		}
	} else if (mutf7_encode(&b, label, len) < 0) {
		buf_free(&b);
		return err_set(e, ERR_USAGE, "label '%s' is not valid UTF-8",
		    label);
	}
	if (l->nv > 0) {
		l->v[l->nv].type = SESS_PIECE_TEXT;
		l->v[l->nv].s = " ";
		l->v[l->nv++].len = 1;
	}
	l->own[l->n] = buf_release(&b);
	l->v[l->nv].type = label[0] == '\\' ? SESS_PIECE_TEXT :
	    SESS_PIECE_ASTRING;
	l->v[l->nv].s = l->own[l->n];
	l->v[l->nv++].len = strlen(l->own[l->n++]);
	return 0;
}

void
change_labels_free(struct change_labels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->own[i]);
	l->n = l->nv = 0;
}

void
change_emit_labels(struct emit *e, struct sess *s, const struct imap_arg *a)
{
	struct buf b;
	const char *l;
	size_t n;

	emit_list_begin(e, "labels", "label");
	buf_init(&b, SESS_NAME_TEXT_MAX);
	for (; a != NULL; a = a->next)
		if (imap_arg_astring(a, &l, &n)) {
			buf_reset(&b);
			sess_mailbox_decode(s, l, n, &b);
			emit_str(e, NULL, b.s);
		}
	buf_free(&b);
	emit_list_end(e);
}

/* Checks before anything changes ---------------------------------------- */

int
change_check_uidplus(struct ctx *ctx, struct change *ch, int allow_all)
{
	ch->expunge_all = 0;
	if ((ch->kind == CHANGE_MOVE && (ch->use_move || ch->labels)) ||
	    (ch->kind == CHANGE_DELETE && ch->flag_only) ||
	    ch->kind == CHANGE_FLAG)
		return 0;
	if (sess_has_cap(ctx->sess, "UIDPLUS"))
		return 0;
	if (!allow_all)
		return cmd_failf(ctx, ERR_UNAVAILABLE, "the server offers "
		    "neither MOVE nor UIDPLUS, so it cannot expunge just "
		    "these messages; nothing was changed (--allow-expunge-all "
		    "expunges every message flagged \\Deleted in '%s')",
		    ch->mailbox);
	cmd_warn(ctx, "no UIDPLUS: every message flagged \\Deleted in '%s' "
	    "will be expunged", ch->mailbox);
	ch->expunge_all = 1;
	return 0;
}

/* Records ---------------------------------------------------------------- */

static void
emit_moved(struct ctx *ctx, const struct change *ch, uint32_t uid,
    uint32_t dest_uidvalidity, uint32_t dest_uid)
{
	struct emit *e = ctx->emit;

	emit_record_begin(e, "message");
	emit_str(e, "mailbox", ch->mailbox);
	emit_uint(e, "uidvalidity", ch->uidvalidity);
	emit_uint(e, "uid", uid);
	emit_str(e, "dest_mailbox", ch->kind == CHANGE_MOVE ? ch->dest :
	    NULL);
	if (dest_uidvalidity)
		emit_uint(e, "dest_uidvalidity", dest_uidvalidity);
	else
		emit_null(e, "dest_uidvalidity");
	if (dest_uid)
		emit_uint(e, "dest_uid", dest_uid);
	else
		emit_null(e, "dest_uid");
	emit_record_end(e);
}

static void
emit_flagged(struct ctx *ctx, const struct change *ch, uint32_t uid,
    const struct imap_arg *flags, int known)
{
	struct emit *e = ctx->emit;

	emit_record_begin(e, "message");
	emit_str(e, "mailbox", ch->mailbox);
	emit_uint(e, "uidvalidity", ch->uidvalidity);
	emit_uint(e, "uid", uid);
	if (!known)
		emit_null(e, ch->labels != NULL ? "labels" : "flags");
	else if (ch->labels != NULL)
		change_emit_labels(e, ctx->sess, flags);
	else
		change_emit_flags(e, "flags", flags);
	emit_record_end(e);
}

static void
emit_one(struct ctx *ctx, const struct change *ch, uint32_t uid)
{
	if (ch->kind == CHANGE_FLAG)
		emit_flagged(ctx, ch, uid, NULL, 0);
	else
		emit_moved(ctx, ch, uid, 0, 0);
}

void
change_emit_dry_run(struct ctx *ctx, const struct change *ch,
    const struct uidset *set)
{
	size_t i;
	uint32_t uid;

	for (i = 0; i < set->n; i++)
		for (uid = set->r[i].lo; ; uid++) {
			emit_one(ctx, ch, uid);
			if (uid == set->r[i].hi)
				break;
		}
}

/*
 * IMAP reads "300:*" as "250:300" when 250 is the largest UID, so a
 * search of that set finds message 250. A change acts only on UIDs the
 * user named: what exists is kept where it lies within the named ranges,
 * "*" there meaning no upper bound; a bare "*" names the last message.
 */
static void
keep_named(struct uidset *existing, const struct uidset *named)
{
	const struct uid_range *e = existing->r, *n = named->r;
	struct uidset out;
	uint32_t lo, hi;
	size_t i = 0, j = 0;

	uidset_init(&out);
	while (i < existing->n && j < named->n) {
		lo = e[i].lo > n[j].lo ? e[i].lo : n[j].lo;
		hi = e[i].hi < n[j].hi ? e[i].hi : n[j].hi;
		if (lo <= hi)
			uidset_add(&out, lo, hi);
		if (e[i].hi < n[j].hi)
			i++;
		else
			j++;
	}
	if (named->n > 0 && n[named->n - 1].lo == UIDSET_STAR &&
	    existing->n > 0)
		uidset_add(&out, e[existing->n - 1].hi, e[existing->n - 1].hi);
	uidset_free(existing);
	*existing = out;
}

int
change_begin(struct ctx *ctx, struct change *ch, const char *setarg,
    int allow_all, struct uidset *existing, int *go_r)
{
	const struct sess_mailbox *m = sess_selected(ctx->sess);
	struct uidset named, singles;
	uint64_t max = ctx->common->max;
	int rc;

	*go_r = 0;
	if (m == NULL)
		return cmd_failf(ctx, ERR_INTERNAL, "no mailbox selected");
	ch->uidvalidity = m->uidvalidity;
	uidset_init(&named);
	if ((rc = msgset_resolve(ctx, ch->mailbox, setarg, &named)) != 0 ||
	    (rc = change_check_uidplus(ctx, ch, allow_all)) != 0) {
		uidset_free(&named);
		return rc;
	}
	if ((rc = msgset_existing(ctx, &named, existing)) == 0)
		keep_named(existing, &named);
	if (rc == 0) {
		/*
		 * A message named by its UID that is not there is named on
		 * standard error; the others are acted on. For delete it is
		 * what was asked (a retried job deletes what is gone
		 * already): the status stays 0. flag and move did not do it.
		 */
		uidset_init(&singles);
		msgset_singles(ctx, setarg, &named, &singles);
		msgset_not_found(ctx, ch->mailbox, &singles, existing,
		    !(ctx->cmd->flags & DELETES));
		uidset_free(&singles);
	}
	uidset_free(&named);
	if (rc != 0)
		return rc;
	if ((rc = change_check_max(ctx, max, uidset_count(existing),
	    "the set names")) != 0)
		return rc;
	if (ctx->common->dry_run) {
		change_emit_dry_run(ctx, ch, existing);
		return 0;
	}
	*go_r = 1;
	return 0;
}

int
change_check_name(struct ctx *ctx, const char *name)
{
	if (name[0] == '\0' || !utf8_valid(name, strlen(name)) ||
	    strpbrk(name, "\r\n") != NULL)
		return cmd_usage(ctx, "bad mailbox name '%s'", name);
	return 0;
}

/* The \Trash mailbox ------------------------------------------------------ */

/*
 * The names servers give their trash without SPECIAL-USE, in the order
 * tried: Dovecot, Courier (INBOX.Trash) and most others; Exchange;
 * iCloud. Each is tried as it is, then under INBOX (Courier's prefix).
 */
static const char *const trash_names[] = {
	"Trash", "Deleted Items", "Deleted Messages"
};
#define NTRASH_NAMES	(sizeof(trash_names) / sizeof(trash_names[0]))

struct trash {
	char		*special;	/* the \Trash special-use mailbox */
	/* trash_names[i] at 2 * i, INBOX<delim>trash_names[i] at 2 * i + 1 */
	char		*by_name[2 * NTRASH_NAMES];
	const char	*setting;	/* the account's "trash =", or NULL */
	int		 setting_listed;
};

/* Whether name is INBOX, the hierarchy delimiter, then want. */
static int
under_inbox(const char *name, const char *delim, const char *want)
{
	return delim != NULL && delim[0] != '\0' && delim[1] == '\0' &&
	    strncasecmp(name, "INBOX", 5) == 0 && name[5] == delim[0] &&
	    strcmp(name + 6, want) == 0;
}

static int
on_trash_list(void *arg, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct trash *t = arg;
	struct mbox_list ml;
	const char *use;
	struct buf b;
	size_t i;

	(void)e;
	if (!mbox_parse_list(r, &ml) || ml.name_len == 0 ||
	    mbox_has_attr(ml.attrs, "\\Noselect") ||
	    mbox_has_attr(ml.attrs, "\\NonExistent"))
		return 0;
	buf_init(&b, SESS_NAME_TEXT_MAX);
	sess_mailbox_decode(s, ml.name, ml.name_len, &b);
	use = mbox_special_use(ml.attrs);
	if (t->special == NULL && use != NULL && strcmp(use, "\\Trash") == 0)
		t->special = xstrdup(b.s);
	for (i = 0; i < 2 * NTRASH_NAMES; i++)
		if (t->by_name[i] == NULL && (i % 2 == 0 ?
		    strcmp(b.s, trash_names[i / 2]) == 0 :
		    under_inbox(b.s, ml.delim, trash_names[i / 2])))
			t->by_name[i] = xstrdup(b.s);
	if (t->setting != NULL && (strcmp(b.s, t->setting) == 0 ||
	    (strcasecmp(b.s, "INBOX") == 0 &&
	    strcasecmp(t->setting, "INBOX") == 0)))
		t->setting_listed = 1;
	buf_free(&b);
	return 0;
}

static void
trash_free(struct trash *t)
{
	size_t i;

	free(t->special);
	for (i = 0; i < 2 * NTRASH_NAMES; i++)
		free(t->by_name[i]);
}

int
change_find_trash(struct ctx *ctx, char **name_r, struct err *e)
{
	struct sess *s = ctx->sess;
	const struct account *a = ctx->settings != NULL ?
	    ctx->settings->acct : NULL;
	struct sess_scope sc = { on_trash_list, NULL, NULL, NULL };
	struct sess_reply rep;
	struct trash t;
	size_t i;
	int r = 0;

	*name_r = NULL;
	memset(&t, 0, sizeof(t));
	t.setting = a != NULL ? a->trash : NULL;
	sc.ctx = &t;
	/* The special-use mailboxes alone where the server can say so. */
	if (sess_has_cap(s, "LIST-EXTENDED") && sess_has_cap(s, "SPECIAL-USE"))
		r = sess_call(s, &sc, &rep, e, "LIST (SPECIAL-USE) \"\" \"*\"")
		    < 0 ? -1 : sess_reply_check(&rep, e);
	/* Else, or when none is \Trash, all of them, for their names. */
	if (r == 0 && t.special == NULL)
		r = sess_call(s, &sc, &rep, e, "LIST \"\" \"*\"") < 0 ? -1 :
		    sess_reply_check(&rep, e);
	if (r < 0) {
		trash_free(&t);
		err_prefix(e, "looking for the Trash mailbox");
		return -1;
	}
	if (t.special != NULL) {
		*name_r = t.special;
		t.special = NULL;
	}
	for (i = 0; *name_r == NULL && i < 2 * NTRASH_NAMES; i++)
		if (t.by_name[i] != NULL) {
			*name_r = t.by_name[i];
			t.by_name[i] = NULL;
		}
	if (*name_r == NULL && t.setting != NULL) {
		if (!t.setting_listed) {
			trash_free(&t);
			err_set(e, ERR_UNAVAILABLE, "the account's trash "
			    "mailbox '%s' does not exist", t.setting);
			return -1;
		}
		*name_r = xstrdup(t.setting);
	}
	trash_free(&t);
	return 0;
}

/* Gmail: a move that is a label change ---------------------------------- */

struct gm_box {
	const char	*name;		/* UTF-8 */
	int		 listed;	/* and selectable */
	const char	*use;		/* its special use, or NULL */
};

static int
same_box(const char *a, const char *b)
{
	if (strcasecmp(a, "INBOX") == 0)
		return strcasecmp(b, "INBOX") == 0;
	return strcmp(a, b) == 0;
}

static int
on_gm_list(void *arg, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct gm_box *b = arg;
	struct mbox_list ml;
	struct buf name;

	(void)e;
	if (!mbox_parse_list(r, &ml) || ml.name_len == 0 ||
	    mbox_has_attr(ml.attrs, "\\NonExistent") ||
	    mbox_has_attr(ml.attrs, "\\Noselect"))
		return 0;
	buf_init(&name, SESS_NAME_TEXT_MAX);
	sess_mailbox_decode(s, ml.name, ml.name_len, &name);
	if (same_box(name.s, b->name)) {
		b->listed = 1;
		b->use = mbox_special_use(ml.attrs);
	}
	buf_free(&name);
	return 0;
}

static int
gm_probe(struct sess *s, struct gm_box *b, struct err *e)
{
	struct sess_scope sc = { on_gm_list, NULL, NULL, NULL };
	struct sess_reply rep;

	sc.ctx = b;
	if (sess_call(s, &sc, &rep, e, "LIST \"\" %M", b->name) < 0)
		return -1;
	return sess_reply_check(&rep, e);
}

static int
is_use(const struct gm_box *b, const char *use)
{
	return b->use != NULL && strcmp(b->use, use) == 0;
}

int
change_gmail_move(struct ctx *ctx, struct change *ch,
    struct change_labels *l, struct err *e)
{
	struct gm_box src, dest;
	const char *label = NULL;

	memset(&src, 0, sizeof(src));
	memset(&dest, 0, sizeof(dest));
	src.name = ch->mailbox;
	dest.name = ch->dest;
	if (gm_probe(ctx->sess, &dest, e) < 0 || (!same_box(src.name,
	    "INBOX") && gm_probe(ctx->sess, &src, e) < 0)) {
		err_prefix(e, "looking at '%s' and '%s'", ch->mailbox,
		    ch->dest);
		return -1;
	}
	if (!dest.listed)
		return 0;
	if (same_box(src.name, "INBOX") && is_use(&dest, "\\All")) {
		/* Archive: All Mail has the message already. */
		ch->store_item = "-X-GM-LABELS";
		label = "\\Inbox";
	} else if (is_use(&src, "\\All")) {
		/* From All Mail, MOVE's expunge would delete the message. */
		ch->store_item = "+X-GM-LABELS";
		if (same_box(dest.name, "INBOX"))
			label = "\\Inbox";
		else if (is_use(&dest, "\\Flagged"))
			label = "\\Starred";
		else if (is_use(&dest, "\\Important"))
			label = "\\Important";
		else if (dest.use == NULL)
			label = dest.name;
	}
	if (label == NULL)
		return 0;
	if (change_label_add(l, label, e) < 0)
		return -1;
	ch->labels = l->v;
	ch->nlabels = l->nv;
	return 0;
}

/* Carrying it out ------------------------------------------------------- */

struct change_run {
	struct ctx		*ctx;
	const struct change	*ch;
};

static const char *
step_what(const struct change *ch, enum change_step st, int unconfirmed, char *tmp,
    size_t len)
{
	const char *d = ch->dest, *m = ch->mailbox;

	switch (st) {
	case CHANGE_STEP_STORE:
		if (ch->kind == CHANGE_MOVE) {
			snprintf(tmp, len, unconfirmed ? "move to '%s' not "
			    "confirmed" : "not moved to '%s'", d);
			return tmp;
		}
		if (ch->labels != NULL)
			return unconfirmed ? "label change not confirmed" :
			    "labels not changed";
		return unconfirmed ? "flag change not confirmed" :
		    "flags not changed";
	case CHANGE_STEP_FETCH:
		return ch->labels != NULL ? "labels changed but not reported" :
		    "flags changed but not reported";
	case CHANGE_STEP_CREATE:
		snprintf(tmp, len, "not moved to '%s'", d);
		return tmp;
	case CHANGE_STEP_MOVE:
	case CHANGE_STEP_COPY:
		snprintf(tmp, len, unconfirmed ? "move to '%s' not confirmed" :
		    "not moved to '%s'", d);
		return tmp;
	case CHANGE_STEP_DELETE:
		if (ch->kind == CHANGE_DELETE)
			return unconfirmed ? "\\Deleted not confirmed, not "
			    "expunged" : "not deleted";
		snprintf(tmp, len, "copied to '%s' but still in '%s'%s", d, m,
		    unconfirmed ? " (\\Deleted not confirmed)" : "");
		return tmp;
	case CHANGE_STEP_EXPUNGE:
		if (ch->kind == CHANGE_DELETE)
			return unconfirmed ? "flagged \\Deleted, expunge not "
			    "confirmed" : "flagged \\Deleted but not expunged";
		if (unconfirmed)
			snprintf(tmp, len, "copied to '%s' and flagged "
			    "\\Deleted, expunge from '%s' not confirmed", d, m);
		else
			snprintf(tmp, len, "copied to '%s' and flagged "
			    "\\Deleted but not expunged from '%s'", d, m);
		return tmp;
	case CHANGE_STEP_DONE:
		break;
	}
	return "not done";
}

/* "WHAT: N messages, UIDs SET" on standard error, the status kind. */
static void
report_set(struct ctx *ctx, enum err_kind kind, const char *what,
    const struct uidset *set)
{
	struct buf b;
	uint64_t n;

	buf_init(&b, CHANGE_LEFT_TEXT_MAX);
	/* Cut to CHANGE_REPORT_MAX, or where it stopped. */
	if (uidset_format(set, &b) < 0 || b.len > CHANGE_REPORT_MAX) {
		buf_truncate(&b, CHANGE_REPORT_MAX);
		buf_puts(&b, "...");
	}
	n = uidset_count(set);
	cmd_failf(ctx, kind, "%s: %llu message%s, UID%s %s", what,
	    (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "" : "s", b.s);
	buf_free(&b);
}

/* Name, on standard error, what was not done, step by step. */
static void
run_report(struct ctx *ctx, const struct change *ch,
    struct change_result *res)
{
	char tmp[512];
	size_t i, u;

	for (i = 0; i < CHANGE_STEP_DONE; i++)
		for (u = 0; u < 2; u++)
			if (res->left[u][i].n > 0)
				report_set(ctx, res->fail.kind,
				    step_what(ch, (enum change_step)i, (int)u,
				    tmp, sizeof(tmp)), &res->left[u][i]);
}

/* The engine's callbacks: records and progress. */
static void
on_moved(void *arg, uint32_t uid, uint32_t dest_uidvalidity,
    uint32_t dest_uid)
{
	struct change_run *r = arg;

	emit_moved(r->ctx, r->ch, uid, dest_uidvalidity, dest_uid);
}

static void
on_flagged(void *arg, uint32_t uid, const struct imap_arg *list)
{
	struct change_run *r = arg;

	emit_flagged(r->ctx, r->ch, uid, list, 1);
}

/* Nobody reads the records any more: start no more chunks. */
static int
on_more(void *arg, struct err *e)
{
	struct change_run *r = arg;

	if (emit_gone(r->ctx->emit))
		return err_set(e, ERR_IO, "standard output closed: stopped "
		    "before the next chunk");
	return 0;
}

static void
on_progress(void *arg, uint64_t n)
{
	struct change_run *r = arg;

	progress_add(r->ctx->progress, n);
}

int
change_run(struct ctx *ctx, const struct change *ch, const struct uidset *set)
{
	struct change_run r = { ctx, ch };
	struct change_cb cb = { on_moved, on_flagged, on_more, on_progress,
	    &r };
	struct change_result res;
	struct uidset none;
	char what[1024];

	stop_changing();
	change_result_init(&res);
	uidset_init(&none);
	cmd_progress_begin(ctx, "messages", uidset_count(set));
	if (change_apply(ctx->sess, ch, set, &cb, &res) < 0) {
		cmd_fail(ctx, &res.fail);
		run_report(ctx, ch, &res);
	}
	/*
	 * A refused MOVE took these from the source, and the destination
	 * could not say whether they arrived there.
	 */
	if (res.unsure.n > 0) {
		snprintf(what, sizeof(what), "gone from '%s' during a refused "
		    "move, not found in '%s' and not known to be expunged",
		    ch->mailbox, ch->dest);
		report_set(ctx, ERR_UNAVAILABLE, what, &res.unsure);
	}
	/*
	 * Named, found, and gone before the run reached them: not found, as
	 * for a message that was never there (delete: gone is what it was
	 * asked for).
	 */
	msgset_not_found(ctx, ch->mailbox, &res.gone, &none,
	    ch->kind != CHANGE_DELETE);
	uidset_free(&none);
	change_result_free(&res);
	return ctx->status;
}
