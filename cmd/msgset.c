#include <string.h>

#include "msgset.h"
#include "parser.h"

int
msgset_resolve(struct ctx *ctx, const char *mailbox, const char *arg,
    struct uidset *set)
{
	const struct sess_mailbox *m = sess_selected(ctx->sess);
	const struct optval *uv = ctx_opt(ctx, "uidvalidity");
	struct err e;
	uint64_t want;

	err_clear(&e);
	if (uv->set) {
		if (!imap_parse_u64(uv->val, strlen(uv->val), &want) ||
		    want == 0 || want > UINT32_MAX)
			return cmd_failf(ctx, ERR_USAGE, "bad --uidvalidity "
			    "'%s'", uv->val);
		if (m == NULL || want != m->uidvalidity)
			return cmd_failf(ctx, ERR_DATA, "mailbox '%s' has "
			    "UIDVALIDITY %u, not %llu: the UIDs name other "
			    "messages now", mailbox, m ? m->uidvalidity : 0,
			    (unsigned long long)want);
	}
	if (strcmp(arg, "all") == 0) {
		uidset_add(set, 1, UIDSET_STAR);
		return 0;
	}
	if (strcmp(arg, "-") == 0) {
		if (uidset_read(stdin, mailbox, m ? m->uidvalidity : 0, set,
		    &e) < 0)
			return cmd_fail(ctx, &e);
		return 0;
	}
	if (uidset_parse(set, arg, &e) < 0)
		return cmd_fail(ctx, &e);
	return 0;
}

/* Collects the UIDs of SEARCH and ESEARCH answers. */
static int
on_search(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct uidset *out = ctx;
	const struct imap_arg *a = r->args;
	uint32_t uid;

	(void)s;
	if (r->status != IMAP_ST_NONE)
		return 0;
	if (imap_arg_is(a, "SEARCH")) {
		for (a = a->next; a != NULL; a = a->next) {
			if (!imap_arg_u32(a, &uid) || uid == 0)
				return err_set(e, ERR_PROTOCOL, "bad UID in "
				    "the server's SEARCH response");
			uidset_add(out, uid, uid);
		}
		return 0;
	}
	if (!imap_arg_is(a, "ESEARCH"))
		return 0;
	/* ESEARCH [(TAG "x")] [UID] ALL set ... */
	for (a = a->next; a != NULL; a = a->next) {
		const char *set;
		struct err pe;

		if (!imap_arg_is(a, "ALL") || a->next == NULL)
			continue;
		if (!imap_arg_atom(a->next, &set) || strchr(set, '*') != NULL ||
		    uidset_parse(out, set, &pe) < 0)
			return err_set(e, ERR_PROTOCOL, "bad UID set in the "
			    "server's ESEARCH response");
		a = a->next;
	}
	return 0;
}

/* The searches themselves; -1 with the error set. */
static int
search_uids(struct sess *s, const struct uidset *set, struct uidset *out,
    struct err *e)
{
	struct sess_cmd cmds[MSGSET_WINDOW];
	struct buf chunk;
	struct err no;
	size_t pos = 0, sent = 0, done = 0;
	int esearch = sess_has_cap(s, "ESEARCH"), more = 1, r = 0;

	buf_init(&chunk, UIDSET_CHUNK * 2);
	memset(cmds, 0, sizeof(cmds));
	err_clear(&no);
	sess_set_handler(s, on_search, out);
	for (;;) {
		/* After a refusal, only what is in flight is waited for. */
		while (more && no.kind == ERR_NONE &&
		    sent - done < MSGSET_WINDOW) {
			if ((more = uidset_next_chunk(set, &pos, &chunk)) <= 0)
				break;
			if (sess_send(s, &cmds[sent % MSGSET_WINDOW], e,
			    esearch ? "UID SEARCH RETURN (ALL) UID %S" :
			    "UID SEARCH UID %S", chunk.s) < 0) {
				r = -1;
				goto out;
			}
			sent++;
		}
		if (more < 0) {
			r = err_set(e, ERR_INTERNAL, "UID set too large");
			goto out;
		}
		if (done == sent)
			break;
		if (sess_wait(s, &cmds[done % MSGSET_WINDOW], e) < 0) {
			r = -1;
			goto out;
		}
		if (no.kind == ERR_NONE)
			sess_cmd_check(&cmds[done % MSGSET_WINDOW], &no);
		done++;
	}
	if (no.kind != ERR_NONE) {
		*e = no;
		err_prefix(e, "searching for the named messages");
		r = -1;
	}
out:
	sess_set_handler(s, NULL, NULL);
	buf_free(&chunk);
	return r;
}

int
msgset_existing(struct ctx *ctx, const struct uidset *set,
    struct uidset *out)
{
	struct err e;

	err_clear(&e);
	if (set->n == 0)
		return 0;
	if (search_uids(ctx->sess, set, out, &e) < 0)
		return cmd_fail(ctx, &e);
	return 0;
}
