/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "quota.h"
#include "banned.h"

static int
resource(const struct imap_arg *a, struct quota_res *q)
{
	const char *name;

	if (a == NULL || a->next == NULL || a->next->next == NULL ||
	    !imap_arg_atom(a, &name) || !imap_arg_u64(a->next, &q->usage) ||
	    !imap_arg_u64(a->next->next, &q->limit))
		return 0;
	q->name = name;
	return 1;
}

int
quota_parse(const struct imap_resp *r, const char **root_r,
    size_t *root_len_r, const struct imap_arg **it_r)
{
	const struct imap_arg *a = r->args, *it;
	struct quota_res q;

	if (r->kind != IMAP_UNTAGGED || r->status != IMAP_ST_NONE ||
	    !imap_arg_is(a, "QUOTA"))
		return 0;
	a = a->next;
	if (!imap_arg_astring(a, root_r, root_len_r) ||
	    !imap_arg_list(a->next, &it, NULL) || a->next->next != NULL)
		return -1;
	*it_r = it;
	for (; it != NULL; it = it->next->next->next)
		if (!resource(it, &q))
			return -1;
	return 1;
}

int
quota_next(const struct imap_arg **it, struct quota_res *q)
{
	if (*it == NULL || !resource(*it, q))
		return 0;
	*it = (*it)->next->next->next;
	return 1;
}

int
quota_parse_root(const struct imap_resp *r, const char **mailbox_r,
    size_t *len_r, const struct imap_arg **roots_r)
{
	const struct imap_arg *a = r->args, *root;
	const char *s;

	if (r->kind != IMAP_UNTAGGED || r->status != IMAP_ST_NONE ||
	    !imap_arg_is(a, "QUOTAROOT"))
		return 0;
	a = a->next;
	if (!imap_arg_astring(a, mailbox_r, len_r))
		return -1;
	for (root = a->next; root != NULL; root = root->next)
		if (!imap_arg_astring(root, &s, NULL))
			return -1;
	*roots_r = a->next;
	return 1;
}

double
quota_percent(const struct quota_res *q)
{
	if (q->limit == 0)
		return q->usage > 0 ? 100 : 0;
	return (double)q->usage * 100 / (double)q->limit;
}
