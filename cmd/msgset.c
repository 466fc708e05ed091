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
