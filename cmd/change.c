/* SPDX-License-Identifier: MIT */
/*
 * Changing messages safely: flag, move and delete carry their change over
 * a UID set in chunks of a few KiB, several chunks in progress at once,
 * each chunk going through its steps in order:
 *
 *   flag    UID STORE (FETCH responses are the records); UID FETCH of what
 *           the server did not report (Dovecot reports changed messages
 *           only)
 *   move    UID MOVE; or UID COPY, then UID STORE +FLAGS.SILENT (\Deleted)
 *           of what COPYUID says was copied, then UID EXPUNGE of exactly
 *           those
 *   delete  UID STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE
 *
 * A step is sent only after the previous step of its chunk was answered
 * OK: nothing is flagged deleted before its copy was confirmed, and the
 * EXPUNGE follows the STORE's tagged OK (Dovecot 2.3 expunged nothing when
 * both arrived in one write). When a chunk is refused or the connection
 * fails, no further chunk is started; the records of what was done have
 * been printed, and what was not is named on standard error by the step
 * each message had reached.
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
#include "uidmap.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#define CHANGE_REPORT_MAX	240	/* bytes of UID set in a report line */

/* Max ------------------------------------------------------------------- */

int
change_max(struct ctx *ctx, uint64_t *max_r)
{
	const struct optval *v = ctx_opt(ctx, "max");

	*max_r = UINT64_MAX;
	if (!v->set)
		return 0;
	if (!imap_parse_u64(v->val, strlen(v->val), max_r))
		return cmd_failf(ctx, ERR_USAGE, "bad --max '%s': give a "
		    "number of messages", v->val);
	return 0;
}

int
change_check(struct ctx *ctx, int argc, char **argv, int nrest)
{
	uint64_t max;
	int rc;

	if ((rc = msgset_check(ctx, argc, argv, 1, nrest)) != 0)
		return rc;
	return change_max(ctx, &max);
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
		return cmd_failf(ctx, ERR_USAGE, "bad flag '%.*s' in --%s",
		    (int)len, tok, option);
	for (i = start; i < flen; i++)
		if (!is_flag_char((unsigned char)flag[i]))
			return cmd_failf(ctx, ERR_USAGE, "bad flag '%.*s' in "
			    "--%s: use seen, answered, flagged, deleted, "
			    "draft, \\Flag or a keyword of printable ASCII "
			    "without spaces or ( ) { %% * \" \\ ]", (int)len,
			    tok, option);
	if (flen == 7 && strncasecmp(flag, "\\Recent", 7) == 0)
		return cmd_failf(ctx, ERR_USAGE, "\\Recent cannot be changed");
	if (has_flag(out, flag, flen))
		return 0;
	if ((out->len > 0 && buf_addc(out, ' ') < 0) ||
	    buf_add(out, flag, flen) < 0)
		return cmd_failf(ctx, ERR_USAGE, "too many flags");
	return 0;
}

int
change_flags(struct ctx *ctx, const char *option, struct buf *out)
{
	const struct optval *v = ctx_opt(ctx, option);
	const char *p;
	size_t i, n;
	int rc;

	for (i = 0; i < v->nvals; i++) {
		for (p = v->vals[i]; *p != '\0'; p += n) {
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
	buf_init(&b, 4096);
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
		buf_add(&b, label, len);
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
	buf_init(&b, 1 << 16);
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
	uint64_t max;
	int rc;

	*go_r = 0;
	if (m == NULL)
		return cmd_failf(ctx, ERR_INTERNAL, "no mailbox selected");
	ch->uidvalidity = m->uidvalidity;
	if ((rc = change_max(ctx, &max)) != 0)
		return rc;
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
		    strcmp(ctx->cmd->name, "delete") != 0);
		uidset_free(&singles);
	}
	uidset_free(&named);
	if (rc != 0)
		return rc;
	if ((rc = change_check_max(ctx, max, uidset_count(existing),
	    "the set names")) != 0)
		return rc;
	if (ctx_flag(ctx, "dry-run")) {
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
		return cmd_usage_error(ctx->cmd, "bad mailbox name '%s'", name);
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
	buf_init(&b, 1 << 20);
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
	buf_init(&name, 1 << 20);
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

/* The engine --------------------------------------------------------------- */

enum step {
	STEP_STORE,		/* flag: UID STORE set item (flags) */
	STEP_FETCH,		/* flag: UID FETCH set (UID FLAGS) */
	STEP_CREATE,		/* --create after TRYCREATE: CREATE dest */
	STEP_MOVE,		/* UID MOVE set dest */
	STEP_COPY,		/* UID COPY set dest */
	STEP_DELETE,		/* UID STORE src +FLAGS.SILENT (\Deleted) */
	STEP_EXPUNGE,		/* UID EXPUNGE src, or EXPUNGE */
	STEP_DONE
};

struct run;

struct chunk {
	struct run	*run;
	int		 active;
	unsigned	 index;		/* 1-based, for messages */
	size_t		 from, to;	/* ranges [from, to) of the set */
	struct buf	 text;		/* those ranges in IMAP syntax */
	enum step	 step;
	struct uidset	 seen;		/* flag: UIDs a FETCH reported */
	/* COPYUID, as the server sent it (the two sets pair in order). */
	int		 have_copyuid;
	uint32_t	 dest_uidvalidity;
	struct buf	 cu_src, cu_dst;
	struct buf	 src;		/* move: what to flag and expunge */
};

struct run {
	struct ctx		*ctx;
	const struct change	*ch;
	const struct uidset	*set;
	struct sess_pipe	*p;		/* the chunks' commands */
	struct chunk		 c[CHANGE_WINDOW];
	size_t			 pos;		/* next range to put in a chunk */
	unsigned		 nchunks, started;
	int			 stop;		/* start no more chunks */
	int			 probing;	/* --create: one chunk at first */
	int			 created;
	/* Not done, by step reached, [1]: sent but never answered. */
	struct uidset		 left[2][STEP_DONE];
	/* Gone before their step reached them: another session took them. */
	struct uidset		 gone;
	struct err		 fail;		/* the first failure */
};

/* The chunk whose ranges hold uid, or NULL. */
static struct chunk *
chunk_of(struct run *run, uint32_t uid)
{
	const struct uid_range *r = run->set->r;
	struct chunk *c;
	size_t i, a, b, m;

	for (i = 0; i < CHANGE_WINDOW; i++) {
		c = &run->c[i];
		if (!c->active || uid < r[c->from].lo || uid > r[c->to - 1].hi)
			continue;
		for (a = c->from, b = c->to; a < b; ) {
			m = a + (b - a) / 2;
			if (uid < r[m].lo)
				b = m;
			else if (uid > r[m].hi)
				a = m + 1;
			else
				return c;
		}
		return NULL;
	}
	return NULL;
}

/* Whether lo:hi lies within the ranges of chunk c. */
static int
chunk_covers(const struct run *run, const struct chunk *c, uint32_t lo,
    uint32_t hi)
{
	const struct uid_range *r = run->set->r;
	size_t a = c->from, b = c->to, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (lo < r[m].lo)
			b = m;
		else if (lo > r[m].hi)
			a = m + 1;
		else
			return hi <= r[m].hi;
	}
	return 0;
}

static uint64_t
chunk_count(const struct run *run, const struct chunk *c)
{
	uint64_t n = 0;
	size_t i;

	for (i = c->from; i < c->to; i++)
		n += (uint64_t)run->set->r[i].hi - run->set->r[i].lo + 1;
	return n;
}

/* Records for a chunk that is done: COPYUID's pairs, else its UIDs. */
static void
chunk_emit(struct run *run, struct chunk *c)
{
	const struct change *ch = run->ch;
	struct uidmap m;
	uint32_t uid, dest;
	size_t i;

	if (ch->kind == CHANGE_FLAG)
		return;		/* printed as the FETCH responses came */
	if (!c->have_copyuid) {
		for (i = c->from; i < c->to; i++)
			for (uid = run->set->r[i].lo; ; uid++) {
				emit_moved(run->ctx, ch, uid, 0, 0);
				if (uid == run->set->r[i].hi)
					break;
			}
		return;
	}
	uidmap_init(&m, c->cu_src.s, c->cu_dst.s);
	while (uidmap_next(&m, &uid, &dest) > 0)
		emit_moved(run->ctx, ch, uid, c->dest_uidvalidity, dest);
}

/*
 * The chunk's messages that the server's answer did not name (FETCH
 * responses for flag, COPYUID's source set for move) are gone: another
 * session expunged them after the run found them.
 */
static void
chunk_gone(struct run *run, struct chunk *c, const struct uidset *named)
{
	struct uidset all, missing;
	size_t i;

	uidset_init(&all);
	uidset_init(&missing);
	for (i = c->from; i < c->to; i++)
		uidset_add(&all, run->set->r[i].lo, run->set->r[i].hi);
	uidset_subtract(&all, named, &missing);
	uidset_merge(&run->gone, &missing);
	uidset_free(&all);
	uidset_free(&missing);
}

/* move: what COPYUID does not name as copied is gone. */
static void
chunk_gone_copyuid(struct run *run, struct chunk *c)
{
	struct uidset src;
	const char *p;
	uint32_t lo, hi;

	if (!c->have_copyuid)
		return;
	uidset_init(&src);
	p = c->cu_src.s;
	while (uidseq_next(&p, &lo, &hi) > 0)
		uidset_add(&src, lo, hi);
	chunk_gone(run, c, &src);
	uidset_free(&src);
}

/* COPYUID uidvalidity src dst, from a response code. */
static void
take_copyuid(struct run *run, const struct imap_arg *code)
{
	const struct imap_arg *a;
	const char *v, *src, *dst;
	uint32_t uidvalidity, lo, hi;
	struct chunk *c;

	if (!imap_arg_is(code, "COPYUID") || (a = code->next) == NULL ||
	    !imap_arg_u32(a, &uidvalidity) || a->next == NULL ||
	    !imap_arg_atom(a->next, &src) || a->next->next == NULL ||
	    !imap_arg_atom(a->next->next, &dst))
		return;
	v = src;
	if (uidseq_next(&v, &lo, &hi) <= 0 || (c = chunk_of(run, lo)) == NULL ||
	    (c->step != STEP_MOVE && c->step != STEP_COPY))
		return;
	/* The same code twice (untagged and tagged) counts once. */
	if (c->have_copyuid && strcmp(c->cu_src.s, src) == 0)
		return;
	if ((c->cu_src.len > 0 && buf_addc(&c->cu_src, ',') < 0) ||
	    buf_adds(&c->cu_src, src) < 0 ||
	    (c->cu_dst.len > 0 && buf_addc(&c->cu_dst, ',') < 0) ||
	    buf_adds(&c->cu_dst, dst) < 0) {
		/* Absurdly long: the pairs are lost, not the messages. */
		buf_reset(&c->cu_src);
		buf_reset(&c->cu_dst);
		c->have_copyuid = 0;
		return;
	}
	c->have_copyuid = 1;
	c->dest_uidvalidity = uidvalidity;
}

/* A FETCH response: with UID and FLAGS, a record of the flags now. */
static int
on_fetch(struct run *run, const struct imap_resp *r)
{
	const struct imap_arg *a = r->args, *items, *flags = NULL;
	struct chunk *c;
	uint32_t n, uid = 0;
	int have_flags = 0;

	if (!imap_arg_u32(a, &n) || !imap_arg_is(a->next, "FETCH") ||
	    !imap_arg_list(a->next->next, &items, NULL))
		return 0;
	for (a = items; a != NULL && a->next != NULL; a = a->next->next) {
		if (imap_arg_is(a, "UID"))
			imap_arg_u32(a->next, &uid);
		else if (imap_arg_is(a, run->ch->labels != NULL ?
		    "X-GM-LABELS" : "FLAGS") &&
		    imap_arg_list(a->next, &flags, NULL))
			have_flags = 1;
	}
	if (uid == 0 || !have_flags || (c = chunk_of(run, uid)) == NULL ||
	    (c->step != STEP_STORE && c->step != STEP_FETCH) ||
	    uidset_contains(&c->seen, uid))
		return 0;
	uidset_add(&c->seen, uid, uid);
	emit_flagged(run->ctx, run->ch, uid, flags, 1);
	return 0;
}

static int
on_untagged(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct run *run = ctx;

	(void)s;
	(void)e;
	if (r->status == IMAP_ST_OK && r->code != NULL)
		take_copyuid(run, r->code);
	else if (r->status == IMAP_ST_NONE && run->ch->kind == CHANGE_FLAG)
		return on_fetch(run, r);
	return 0;
}

static int chunk_done(void *, struct sess *, const struct sess_reply *,
    struct err *);
static void chunk_abandon(struct run *, struct chunk *, int);
static void run_fail(struct run *, const struct err *);

/*
 * Send the chunk's current step; its answer goes to chunk_done. -1 when
 * it could not be sent (nothing of it will be answered). After a signal
 * nothing is sent: the chunk stops before that step, which the report
 * names (stop.h).
 */
static int
chunk_send(struct run *run, struct chunk *c, struct err *e)
{
	const struct change *ch = run->ch;
	struct sess_pipe *p = run->p;
	struct err stopped;
	int r = -1;

	if (stop_signal()) {
		stop_err(&stopped);
		run_fail(run, &stopped);
		chunk_abandon(run, c, 0);
		return 0;
	}
	switch (c->step) {
	case STEP_STORE:
		if (ch->labels != NULL)
			r = sess_pipe_send(p, chunk_done, c, e,
			    "UID STORE %S %s (%V)", c->text.s, ch->store_item,
			    ch->labels, ch->nlabels);
		else
			r = sess_pipe_send(p, chunk_done, c, e,
			    "UID STORE %S %s (%s)", c->text.s, ch->store_item,
			    ch->flags);
		break;
	case STEP_FETCH:
		r = sess_pipe_send(p, chunk_done, c, e, "UID FETCH %S (UID %s)",
		    c->text.s, ch->labels != NULL ? "X-GM-LABELS" : "FLAGS");
		break;
	case STEP_CREATE:
		r = sess_pipe_send(p, chunk_done, c, e, "CREATE %M", ch->dest);
		break;
	case STEP_MOVE:
	case STEP_COPY:
		r = sess_pipe_send(p, chunk_done, c, e, c->step == STEP_MOVE ?
		    "UID MOVE %S %M" : "UID COPY %S %M", c->text.s, ch->dest);
		break;
	case STEP_DELETE:
		r = sess_pipe_send(p, chunk_done, c, e, "UID STORE %S "
		    "+FLAGS.SILENT (\\Deleted)", c->src.s);
		break;
	case STEP_EXPUNGE:
		if (ch->expunge_all)
			r = sess_pipe_send(p, chunk_done, c, e, "EXPUNGE");
		else
			r = sess_pipe_send(p, chunk_done, c, e,
			    "UID EXPUNGE %S", c->src.s);
		break;
	case STEP_DONE:
		r = err_set(e, ERR_INTERNAL, "no step to send");
		break;
	}
	return r;
}

static enum step
first_step(const struct change *ch)
{
	switch (ch->kind) {
	case CHANGE_FLAG:
		return STEP_STORE;
	case CHANGE_MOVE:
		if (ch->labels != NULL)
			return STEP_STORE;	/* Gmail: a label change */
		return ch->use_move ? STEP_MOVE : STEP_COPY;
	case CHANGE_DELETE:
		break;
	}
	return STEP_DELETE;
}

/*
 * What is left of chunk c when it stops at its current step: refused or
 * never sent, or (unconfirmed) sent and never answered, when the server
 * may or may not have carried it out.
 */
static void
chunk_abandon(struct run *run, struct chunk *c, int unconfirmed)
{
	struct uidset *l = &run->left[unconfirmed != 0][c->step];
	const char *p;
	uint32_t lo, hi;
	size_t i;

	/* After a confirmed copy, what COPYUID named is what is at stake. */
	if ((c->step == STEP_DELETE || c->step == STEP_EXPUNGE) &&
	    run->ch->kind == CHANGE_MOVE && c->have_copyuid) {
		p = c->cu_src.s;
		while (uidseq_next(&p, &lo, &hi) > 0)
			uidset_add(l, lo, hi);
	} else
		for (i = c->from; i < c->to; i++)
			uidset_add(l, run->set->r[i].lo, run->set->r[i].hi);
	c->active = 0;
}

static void
run_fail(struct run *run, const struct err *e)
{
	if (run->fail.kind == ERR_NONE)
		run->fail = *e;
	run->stop = 1;
}

/* The chunk's copy was confirmed: what it says was copied gets deleted. */
static int
chunk_take_src(struct run *run, struct chunk *c, struct err *e)
{
	struct uidset src;
	const char *p;
	uint32_t lo, hi;
	int r, ok = 1;

	buf_reset(&c->src);
	if (!c->have_copyuid)
		return buf_adds(&c->src, c->text.s) < 0 ?
		    err_set(e, ERR_INTERNAL, "UID set too long") : 0;
	uidset_init(&src);
	p = c->cu_src.s;
	while ((r = uidseq_next(&p, &lo, &hi)) > 0) {
		/* Never more than the chunk named, whatever the server says. */
		if (!chunk_covers(run, c, lo, hi))
			ok = 0;
		uidset_add(&src, lo, hi);
	}
	if (r < 0 || !ok) {
		uidset_free(&src);
		return err_set(e, ERR_PROTOCOL, "the server's COPYUID names "
		    "messages that were not copied");
	}
	r = uidset_format(&src, &c->src);
	uidset_free(&src);
	return r < 0 ? err_set(e, ERR_INTERNAL, "UID set too long") : 0;
}

/* The server says the destination does not exist: name --create. */
static void
hint_create(struct err *e, const char *dest)
{
	char msg[ERR_MSG_MAX], code[ERR_CODE_MAX];

	memcpy(msg, e->msg, sizeof(msg));
	memcpy(code, e->code, sizeof(code));
	err_set(e, e->kind, "%.400s (--create creates '%.400s')", msg,
	    dest);
	err_set_code(e, code, strlen(code));
}

/*
 * The chunk's command was answered: on to its next step, or done, or
 * stopped. Returns -1 only when the next step could not be sent.
 */
static int
chunk_advance(struct run *run, struct chunk *c, const struct sess_reply *rep,
    struct err *e)
{
	const struct change *ch = run->ch;
	enum imap_status st;
	struct err no;

	/*
	 * flag: some of the chunk's messages were expunged by another
	 * session (RFC 9051's EXPUNGEISSUED); the others were changed, and
	 * the FETCH responses say which.
	 */
	st = rep->status;
	if ((c->step == STEP_STORE || c->step == STEP_FETCH) &&
	    st == IMAP_ST_NO && strcasecmp(rep->code, "EXPUNGEISSUED") == 0)
		st = IMAP_ST_OK;
	if (c->step == STEP_CREATE && (st == IMAP_ST_OK ||
	    strcasecmp(rep->code, "ALREADYEXISTS") == 0)) {
		if (st == IMAP_ST_OK && ch->created_r != NULL)
			*ch->created_r = 1;
		c->step = first_step(ch);
		return chunk_send(run, c, e);
	}
	if (st != IMAP_ST_OK) {
		/* --create: the destination is made once, then tried again. */
		if ((c->step == STEP_MOVE || c->step == STEP_COPY) &&
		    ch->create && !run->created &&
		    strcasecmp(rep->code, "TRYCREATE") == 0) {
			run->created = 1;
			buf_reset(&c->cu_src);
			buf_reset(&c->cu_dst);
			c->have_copyuid = 0;
			c->step = STEP_CREATE;
			return chunk_send(run, c, e);
		}
		sess_reply_check(rep, &no);
		if ((c->step == STEP_MOVE || c->step == STEP_COPY) &&
		    !ch->create && ch->created_r != NULL &&
		    strcasecmp(rep->code, "TRYCREATE") == 0)
			hint_create(&no, ch->dest);
		if (c->step == STEP_CREATE)
			err_prefix(&no, "cannot create '%s'", ch->dest);
		else if (run->nchunks > 1)
			err_prefix(&no, "chunk %u of %u", c->index,
			    run->nchunks);
		run_fail(run, &no);
		chunk_abandon(run, c, 0);
		return 0;
	}
	run->probing = 0;
	switch (c->step) {
	case STEP_STORE:
		/* The server may report only the messages it changed. */
		if (ch->kind == CHANGE_FLAG &&
		    uidset_count(&c->seen) < chunk_count(run, c)) {
			c->step = STEP_FETCH;
			return chunk_send(run, c, e);
		}
		c->step = STEP_DONE;
		break;
	case STEP_FETCH:
		if (uidset_count(&c->seen) < chunk_count(run, c))
			chunk_gone(run, c, &c->seen);
		c->step = STEP_DONE;
		break;
	case STEP_MOVE:
		chunk_gone_copyuid(run, c);
		c->step = STEP_DONE;
		break;
	case STEP_COPY:
		if (chunk_take_src(run, c, &no) < 0) {
			c->step = STEP_DELETE;
			run_fail(run, &no);
			chunk_abandon(run, c, 0);
			return 0;
		}
		chunk_gone_copyuid(run, c);
		c->step = c->src.len > 0 ? STEP_DELETE : STEP_DONE;
		if (c->step == STEP_DELETE)
			return chunk_send(run, c, e);
		break;
	case STEP_DELETE:
		if (ch->kind == CHANGE_DELETE && ch->flag_only) {
			c->step = STEP_DONE;
			break;
		}
		c->step = STEP_EXPUNGE;
		return chunk_send(run, c, e);
	case STEP_CREATE:
	case STEP_EXPUNGE:
	case STEP_DONE:
		c->step = STEP_DONE;
		break;
	}
	chunk_emit(run, c);
	progress_add(run->ctx->progress, chunk_count(run, c));
	c->active = 0;
	return 0;
}

/*
 * The end of a chunk's command: its answer moves the chunk on; without
 * one (the session failed) the chunk stops where it was, unconfirmed.
 */
static int
chunk_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct chunk *c = ctx;
	struct run *run = c->run;
	struct err se;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_NONE) {
		chunk_abandon(run, c, 1);
		return 0;
	}
	if (rep->status == IMAP_ST_OK && rep->resp != NULL &&
	    rep->resp->code != NULL && (c->step == STEP_MOVE ||
	    c->step == STEP_COPY))
		take_copyuid(run, rep->resp->code);
	err_clear(&se);
	if (chunk_advance(run, c, rep, &se) < 0) {
		/* Its next step never left: not done. */
		run_fail(run, &se);
		chunk_abandon(run, c, 0);
	}
	return 0;
}

/* Put the next ranges of the set in a free chunk and send its first step. */
static int
chunk_start(struct run *run, struct chunk *c, struct err *e)
{
	size_t from = run->pos;

	if (uidset_next_chunk(run->set, &run->pos, &c->text) <= 0)
		return err_set(e, ERR_INTERNAL, "UID set too large");
	c->active = 1;
	c->index = ++run->started;
	c->from = from;
	c->to = run->pos;
	c->step = first_step(run->ch);
	uidset_clear(&c->seen);
	buf_reset(&c->cu_src);
	buf_reset(&c->cu_dst);
	buf_reset(&c->src);
	c->have_copyuid = 0;
	if (c->step == STEP_DELETE)
		buf_adds(&c->src, c->text.s);
	return chunk_send(run, c, e);
}

static const char *
step_what(const struct change *ch, enum step st, int unconfirmed, char *tmp,
    size_t len)
{
	const char *d = ch->dest, *m = ch->mailbox;

	switch (st) {
	case STEP_STORE:
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
	case STEP_FETCH:
		return ch->labels != NULL ? "labels changed but not reported" :
		    "flags changed but not reported";
	case STEP_CREATE:
		snprintf(tmp, len, "not moved to '%s'", d);
		return tmp;
	case STEP_MOVE:
	case STEP_COPY:
		snprintf(tmp, len, unconfirmed ? "move to '%s' not confirmed" :
		    "not moved to '%s'", d);
		return tmp;
	case STEP_DELETE:
		if (ch->kind == CHANGE_DELETE)
			return unconfirmed ? "\\Deleted not confirmed, not "
			    "expunged" : "not deleted";
		snprintf(tmp, len, "copied to '%s' but still in '%s'%s", d, m,
		    unconfirmed ? " (\\Deleted not confirmed)" : "");
		return tmp;
	case STEP_EXPUNGE:
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
	case STEP_DONE:
		break;
	}
	return "not done";
}

/* Name, on standard error, what was not done, step by step. */
static void
run_report(struct run *run)
{
	struct buf b;
	char tmp[512];
	uint64_t n;
	size_t i, u;

	buf_init(&b, 1 << 20);
	for (i = 0; i < STEP_DONE; i++)
		for (u = 0; u < 2; u++) {
			if (run->left[u][i].n == 0)
				continue;
			buf_reset(&b);
			uidset_format(&run->left[u][i], &b);
			if (b.len > CHANGE_REPORT_MAX) {
				buf_truncate(&b, CHANGE_REPORT_MAX);
				buf_adds(&b, "...");
			}
			n = uidset_count(&run->left[u][i]);
			cmd_failf(run->ctx, run->fail.kind, "%s: %llu message%s, "
			    "UID%s %s", step_what(run->ch, (enum step)i,
			    (int)u, tmp, sizeof(tmp)), (unsigned long long)n,
			    n == 1 ? "" : "s", n == 1 ? "" : "s", b.s);
		}
	buf_free(&b);
}

int
change_run(struct ctx *ctx, const struct change *ch, const struct uidset *set)
{
	struct sess *s = ctx->sess;
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	struct run run;
	struct buf tmp;
	struct uidset none;
	struct err e, gone, stopped;
	size_t i, pos = 0, nactive;

	stop_changing();
	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.ch = ch;
	run.set = set;
	run.probing = ch->kind == CHANGE_MOVE && ch->create;
	err_clear(&run.fail);
	err_clear(&e);
	buf_init(&tmp, UIDSET_CHUNK * 2);
	while (uidset_next_chunk(set, &pos, &tmp) > 0)
		run.nchunks++;
	buf_free(&tmp);
	for (i = 0; i < CHANGE_WINDOW; i++) {
		run.c[i].run = &run;
		buf_init(&run.c[i].text, UIDSET_CHUNK * 2);
		buf_init(&run.c[i].cu_src, IMAP_MAX_LINE);
		buf_init(&run.c[i].cu_dst, IMAP_MAX_LINE);
		buf_init(&run.c[i].src, IMAP_MAX_LINE);
		uidset_init(&run.c[i].seen);
	}
	for (i = 0; i < STEP_DONE; i++) {
		uidset_init(&run.left[0][i]);
		uidset_init(&run.left[1][i]);
	}
	uidset_init(&run.gone);
	uidset_init(&none);
	cmd_progress_begin(ctx, "messages", uidset_count(set));
	sc.ctx = &run;
	run.p = sess_pipe_begin(s, &sc, CHANGE_WINDOW);
	for (;;) {
		nactive = 0;
		for (i = 0; i < CHANGE_WINDOW; i++)
			nactive += run.c[i].active;
		for (i = 0; i < CHANGE_WINDOW && !run.stop &&
		    run.pos < set->n && nactive < (run.probing ? 1u :
		    CHANGE_WINDOW); i++) {
			if (run.c[i].active)
				continue;
			/*
			 * Nobody reads the records any more: what is in
			 * flight is finished, nothing new is started, and
			 * the report says what was not done.
			 */
			if (emit_gone(ctx->emit)) {
				err_set(&gone, ERR_IO, "standard output "
				    "closed: stopped before the next chunk");
				run_fail(&run, &gone);
				break;
			}
			if (chunk_start(&run, &run.c[i], &e) < 0) {
				/* Its first step never left: not done. */
				run_fail(&run, &e);
				if (run.c[i].active)
					chunk_abandon(&run, &run.c[i], 0);
				break;
			}
			/* (Not when a signal stopped it before it was sent.) */
			nactive += run.c[i].active;
		}
		for (i = 0, nactive = 0; i < CHANGE_WINDOW; i++)
			nactive += run.c[i].active;
		if (nactive == 0)
			break;
		/* Each answer moves its chunk on (chunk_done). */
		if (sess_pipe_step(run.p, &e) < 0) {
			run_fail(&run, &e);
			break;
		}
	}
	/*
	 * What is in flight is waited for while the session is sound (after
	 * a refusal, say), so that no answer is left for commands that are
	 * gone; else it is abandoned, each chunk named by the step it had
	 * reached, unconfirmed.
	 */
	if (sess_pipe_end(run.p, run.fail.kind != ERR_NONE ? -1 : 0, &e) < 0)
		run_fail(&run, &e);
	/* After a signal, the signal is what stopped the change. */
	if (run.fail.kind != ERR_NONE && stop_signal() &&
	    strncmp(run.fail.msg, "stopped by ", 11) != 0) {
		stop_err(&stopped);
		err_prefix(&run.fail, "%s", stopped.msg);
	}
	/* What was never started. */
	for (i = run.pos; i < set->n; i++)
		uidset_add(&run.left[0][first_step(ch)], set->r[i].lo,
		    set->r[i].hi);
	if (run.fail.kind != ERR_NONE) {
		cmd_fail(ctx, &run.fail);
		run_report(&run);
	}
	/*
	 * Named, found, and gone before the run reached them: not found, as
	 * for a message that was never there (delete: gone is what it was
	 * asked for).
	 */
	msgset_not_found(ctx, ch->mailbox, &run.gone, &none,
	    ch->kind != CHANGE_DELETE);
	uidset_free(&run.gone);
	uidset_free(&none);
	for (i = 0; i < CHANGE_WINDOW; i++) {
		buf_free(&run.c[i].text);
		buf_free(&run.c[i].cu_src);
		buf_free(&run.c[i].cu_dst);
		buf_free(&run.c[i].src);
		uidset_free(&run.c[i].seen);
	}
	for (i = 0; i < STEP_DONE; i++) {
		uidset_free(&run.left[0][i]);
		uidset_free(&run.left[1][i]);
	}
	return ctx->status;
}
