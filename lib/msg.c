/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "rfc2047.h"
#include "utf8.h"
#include "banned.h"

int
msg_fetch_items(const struct imap_resp *r, uint32_t *seq_r,
    const struct imap_arg **items_r)
{
	const struct imap_arg *a = r->args;

	if (r->kind != IMAP_UNTAGGED || r->status != IMAP_ST_NONE ||
	    !imap_arg_u32(a, seq_r) || !imap_arg_is(a->next, "FETCH") ||
	    !imap_arg_list(a->next->next, items_r, NULL))
		return 0;
	return 1;
}

const struct imap_arg *
msg_item(const struct imap_arg *items, const char *name)
{
	const struct imap_arg *a, *found = NULL;

	for (a = items; a != NULL && a->next != NULL; a = a->next->next)
		if (imap_arg_is(a, name))
			found = a->next;
	return found;
}

const struct imap_arg *
msg_item_prefix(const struct imap_arg *items, const char *prefix,
    const char **name_r)
{
	const struct imap_arg *a, *found = NULL;
	size_t n = strlen(prefix);

	for (a = items; a != NULL && a->next != NULL; a = a->next->next)
		if (a->type == IMAP_ATOM && a->len >= n &&
		    strncasecmp(a->s, prefix, n) == 0) {
			found = a->next;
			if (name_r != NULL)
				*name_r = a->s;
		}
	return found;
}

int
msg_uid(const struct imap_arg *items, uint32_t *uid_r)
{
	return imap_arg_u32(msg_item(items, "UID"), uid_r);
}

static const char *
nstr(const struct imap_arg *a, size_t *len_r)
{
	const char *s;
	size_t n;

	if (!imap_arg_string(a, &s, &n))
		s = NULL, n = 0;
	if (len_r != NULL)
		*len_r = n;
	return s;
}

static const struct imap_arg *
alist(const struct imap_arg *a)
{
	const struct imap_arg *first;

	return imap_arg_list(a, &first, NULL) ? first : NULL;
}

int
msg_envelope(const struct imap_arg *env, struct envelope *v)
{
	const struct imap_arg *a;

	memset(v, 0, sizeof(*v));
	if ((a = alist(env)) == NULL)
		return -1;
	v->date = nstr(a, &v->date_len);
	v->subject = nstr(a = a ? a->next : NULL, &v->subject_len);
	v->from = alist(a = a ? a->next : NULL);
	v->sender = alist(a = a ? a->next : NULL);
	v->reply_to = alist(a = a ? a->next : NULL);
	v->to = alist(a = a ? a->next : NULL);
	v->cc = alist(a = a ? a->next : NULL);
	v->bcc = alist(a = a ? a->next : NULL);
	v->in_reply_to = nstr(a = a ? a->next : NULL, NULL);
	v->message_id = nstr(a ? a->next : NULL, NULL);
	return 0;
}

/* (NIL NIL NIL NIL): the end of a group. */
static int
group_end(const struct imap_arg *f)
{
	return nstr(f, NULL) == NULL && nstr(imap_arg_nth(f, 2), NULL) ==
	    NULL && nstr(imap_arg_nth(f, 3), NULL) == NULL;
}

/* Whether an end-of-group marker follows a, within its list. */
static int
group_closed(const struct imap_arg *a)
{
	const struct imap_arg *f;

	for (; a != NULL; a = a->next)
		if ((f = alist(a)) != NULL && group_end(f))
			return 1;
	return 0;
}

int
msg_addr_next(const struct imap_arg **it, struct buf *name, int *has_name_r,
    struct buf *addr)
{
	const struct imap_arg *a, *f;
	const char *pn, *mb, *host;
	size_t pnl, mbl, hostl;

	for (a = *it; a != NULL; a = a->next) {
		if ((f = alist(a)) == NULL)
			continue;
		pn = nstr(f, &pnl);
		mb = nstr(imap_arg_nth(f, 2), &mbl);
		host = nstr(imap_arg_nth(f, 3), &hostl);
		if (pn != NULL && pnl == 0)
			pn = NULL;
		if (mb != NULL && mbl == 0)
			mb = NULL;
		if (host != NULL && hostl == 0)
			host = NULL;
		/*
		 * Group start (host NIL) and end (all NIL) are markers. A
		 * "start" that no end follows is an address without a
		 * domain ("To: bob"); an "end" with a name is a bare name
		 * (Exchange's senders without an SMTP address).
		 */
		if (host == NULL && mb != NULL && group_closed(a->next))
			continue;
		if (mb == NULL && host == NULL && pn == NULL)
			continue;
		/* Neither a name nor a local part: nothing to show. */
		if (pn == NULL && mb == NULL)
			continue;
		*it = a->next;
		buf_reset(name);
		buf_reset(addr);
		*has_name_r = pn != NULL;
		if (*has_name_r)
			rfc2047_decode(pn, pnl, name);
		/* No local part ("<@example.com>", NIL): no address. */
		if (mb != NULL) {
			utf8_sanitize(addr, mb, mbl);
			if (host != NULL) {
				buf_putc(addr, '@');	/* cut with the rest */
				utf8_sanitize(addr, host, hostl);
			}
		}
		return 1;
	}
	*it = NULL;
	return 0;
}
