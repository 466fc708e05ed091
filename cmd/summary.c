/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "charset.h"
#include "date.h"
#include "msg.h"
#include "rfc2047.h"
#include "summary.h"
#include "banned.h"

#define SUMMARY_ADDR_MAX	(1u << 16)	/* a name or an address: cut */
#define SUMMARY_TEXT_MAX	(1u << 20)	/* a subject or an id: cut */

static void
emit_addrs(struct emit *em, const char *key, const struct imap_arg *list)
{
	const struct imap_arg *it = list;
	struct buf name, addr;
	int has;

	buf_init(&name, SUMMARY_ADDR_MAX);
	buf_init(&addr, SUMMARY_ADDR_MAX);
	emit_list_begin(em, key, "addr");
	while (msg_addr_next(&it, &name, &has, &addr))
		emit_address(em, NULL, has ? name.s : NULL,
		    addr.len > 0 ? addr.s : NULL);
	emit_list_end(em);
	buf_free(&name);
	buf_free(&addr);
}

void
emit_nstr_clean(struct emit *em, const char *key, const char *s)
{
	struct buf b;

	if (s == NULL) {
		emit_null(em, key);
		return;
	}
	buf_init(&b, SUMMARY_TEXT_MAX);
	charset_guess_to_utf8(s, strlen(s), &b);
	emit_str(em, key, b.s);
	buf_free(&b);
}

void
summary_emit(const struct summary *f, uint32_t uid,
    const struct imap_arg *items)
{
	const struct imap_arg *a, *l;
	struct envelope env;
	struct buf b;
	uint64_t size;
	int have_env;

	have_env = msg_envelope(msg_item(items, "ENVELOPE"), &env) == 0;
	if (f->ids_first) {
		emit_str(f->em, "mailbox", f->mailbox);
		emit_uint(f->em, "uidvalidity", f->uidvalidity);
	}
	emit_uint(f->em, "uid", uid);
	emit_list_begin(f->em, "flags", "flag");
	if (imap_arg_list(msg_item(items, "FLAGS"), &l, NULL))
		for (a = l; a != NULL; a = a->next)
			if (a->type == IMAP_ATOM)
				emit_str(f->em, NULL, a->s);
	emit_list_end(f->em);
	a = msg_item(items, "INTERNALDATE");
	emit_time(f->em, "internaldate", a != NULL && a->type == IMAP_STRING ?
	    date_parse_internal(a->s, a->len) : -1);
	emit_time(f->em, "date", have_env && env.date != NULL ?
	    date_parse_rfc5322(env.date, env.date_len) : -1);
	if (imap_arg_u64(msg_item(items, "RFC822.SIZE"), &size))
		emit_uint(f->em, "size", size);
	else
		emit_null(f->em, "size");
	emit_addrs(f->em, "from", have_env ? env.from : NULL);
	emit_addrs(f->em, "to", have_env ? env.to : NULL);
	emit_addrs(f->em, "cc", have_env ? env.cc : NULL);
	emit_addrs(f->em, "reply_to", have_env ? env.reply_to : NULL);
	if (have_env && env.subject != NULL) {
		buf_init(&b, SUMMARY_TEXT_MAX);
		rfc2047_decode(env.subject, env.subject_len, &b);
		emit_str(f->em, "subject", b.s);
		buf_free(&b);
	} else
		emit_null(f->em, "subject");
	/* "" for an absent header (Proton Bridge) is no identifier. */
	emit_nstr_clean(f->em, "message_id", have_env &&
	    env.message_id != NULL && *env.message_id != '\0' ?
	    env.message_id : NULL);
	emit_nstr_clean(f->em, "in_reply_to", have_env &&
	    env.in_reply_to != NULL && *env.in_reply_to != '\0' ?
	    env.in_reply_to : NULL);
	if (!f->ids_first) {
		emit_str(f->em, "mailbox", f->mailbox);
		emit_uint(f->em, "uidvalidity", f->uidvalidity);
	}
	if (!f->gmail) {
		emit_null(f->em, "labels");
		return;
	}
	emit_list_begin(f->em, "labels", "label");
	if (imap_arg_list(msg_item(items, "X-GM-LABELS"), &l, NULL))
		for (a = l; a != NULL; a = a->next) {
			const char *s;
			size_t n;

			if (!imap_arg_astring(a, &s, &n))
				continue;
			buf_init(&b, SESS_NAME_TEXT_MAX);
			sess_mailbox_decode(f->s, s, n, &b);
			emit_str(f->em, NULL, b.s);
			buf_free(&b);
		}
	emit_list_end(f->em);
}

