/* SPDX-License-Identifier: MIT */
/*
 * info: what the server offers and how the connection is secured:
 * greeting, capabilities, namespaces, ID, TLS version, cipher, certificate.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "xalloc.h"
#include "banned.h"

#ifndef VERSION
#error "VERSION comes from the Makefile"
#endif

const struct opt info_opts[] = {
	OPT_END()
};

#define INFO_MAX_ITEMS	256

/* What the untagged NAMESPACE and ID responses said, copied out. */
struct info {
	char	*ns_type[INFO_MAX_ITEMS];
	char	*ns_prefix[INFO_MAX_ITEMS];
	char	*ns_delim[INFO_MAX_ITEMS];
	size_t	 nns;
	char	*id_name[INFO_MAX_ITEMS];
	char	*id_value[INFO_MAX_ITEMS];
	size_t	 nid;
};

static void
take_namespaces(struct info *in, struct sess *s, const struct imap_arg *a)
{
	static const char *const types[] = { "personal", "other", "shared" };
	const struct imap_arg *ns, *f;
	const char *prefix, *delim;
	struct buf b;
	size_t t;

	for (t = 0; t < 3 && a != NULL; t++, a = a->next) {
		if (!imap_arg_list(a, &ns, NULL))
			continue;
		for (; ns != NULL && in->nns < INFO_MAX_ITEMS; ns = ns->next) {
			if (!imap_arg_list(ns, &f, NULL) ||
			    !imap_arg_string(f, &prefix, NULL) ||
			    !imap_arg_nstring(f->next, &delim, NULL))
				continue;
			buf_init(&b, SESS_NAME_TEXT_MAX);
			sess_mailbox_decode(s, prefix, strlen(prefix), &b);
			in->ns_type[in->nns] = xstrdup(types[t]);
			in->ns_prefix[in->nns] = buf_release(&b);
			in->ns_delim[in->nns] = delim ? xstrdup(delim) : NULL;
			in->nns++;
		}
	}
}

static int
on_info(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct info *in = ctx;
	const struct imap_arg *a = r->args, *f;
	const char *name, *value;

	(void)e;
	if (r->status != IMAP_ST_NONE)
		return 0;
	if (imap_arg_is(a, "NAMESPACE"))
		take_namespaces(in, s, a->next);
	else if (imap_arg_is(a, "ID") && imap_arg_list(a->next, &f, NULL)) {
		for (; f != NULL && f->next != NULL &&
		    in->nid < INFO_MAX_ITEMS; f = f->next->next) {
			if (!imap_arg_string(f, &name, NULL) ||
			    !imap_arg_nstring(f->next, &value, NULL))
				continue;
			in->id_name[in->nid] = xstrdup(name);
			in->id_value[in->nid] = value ? xstrdup(value) : NULL;
			in->nid++;
		}
	}
	return 0;
}

static void
emit_caps(struct emit *em, const char *caps)
{
	const char *p = caps, *q;

	emit_list_begin(em, "capabilities", "capability");
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		q = p + strcspn(p, " ");
		if (q > p)
			emit_strn(em, NULL, p, (size_t)(q - p));
		p = q;
	}
	emit_list_end(em);
}

static void
info_free(struct info *in)
{
	size_t i;

	for (i = 0; i < in->nns; i++) {
		free(in->ns_type[i]);
		free(in->ns_prefix[i]);
		free(in->ns_delim[i]);
	}
	for (i = 0; i < in->nid; i++) {
		free(in->id_name[i]);
		free(in->id_value[i]);
	}
}

int
cmd_info(int argc, char **argv, struct ctx *ctx)
{
	struct sess *s = ctx->sess;
	struct emit *em = ctx->emit;
	const struct sess_opts *o = sess_options(s);
	struct sess_scope sc = { on_info, NULL, NULL, NULL };
	struct sess_pipe *p;
	struct tls_info ti;
	struct info in;
	const char *caps;
	size_t i;
	int r = 0;

	(void)argc;
	(void)argv;
	memset(&in, 0, sizeof(in));
	sc.ctx = &in;
	/* Both questions in one round trip; a refusal leaves a list empty. */
	p = sess_pipe_begin(s, &sc, 0);
	if (sess_has_cap(s, "NAMESPACE"))
		r = sess_pipe_send(p, NULL, NULL, &ctx->err, "NAMESPACE");
	if (r == 0 && sess_has_cap(s, "ID"))
		r = sess_pipe_send(p, NULL, NULL, &ctx->err, "ID (\"name\" "
		    "\"imapctl\" \"version\" \"%s\")", VERSION);
	if (sess_pipe_end(p, r, &ctx->err) < 0) {
		info_free(&in);
		return cmd_fail(ctx, &ctx->err);
	}
	conn_tls_info(sess_conn(s), &ti);
	/* As they are now: a CAPABILITY that came meanwhile replaced them. */
	if ((caps = sess_caps(s)) == NULL)
		caps = "";

	emit_record_begin(em, "server");
	emit_str(em, "host", o->host);
	emit_str(em, "port", o->port);
	emit_str(em, "greeting", sess_greeting(s));
	emit_caps(em, caps);
	emit_list_begin(em, "namespaces", "namespace");
	for (i = 0; i < in.nns; i++) {
		emit_object_begin(em, NULL);
		emit_str(em, "type", in.ns_type[i]);
		emit_str(em, "prefix", in.ns_prefix[i]);
		emit_str(em, "delimiter", in.ns_delim[i]);
		emit_object_end(em);
	}
	emit_list_end(em);
	emit_list_begin(em, "id", "field");
	for (i = 0; i < in.nid; i++) {
		emit_object_begin(em, NULL);
		emit_str(em, "name", in.id_name[i]);
		emit_str(em, "value", in.id_value[i]);
		emit_object_end(em);
	}
	emit_list_end(em);
	emit_str(em, "tls_version", ti.version[0] ? ti.version : NULL);
	emit_str(em, "tls_cipher", ti.cipher[0] ? ti.cipher : NULL);
	emit_str(em, "cert_subject", ti.subject[0] ? ti.subject : NULL);
	emit_str(em, "cert_issuer", ti.issuer[0] ? ti.issuer : NULL);
	emit_time(em, "cert_not_after", ti.not_after ? ti.not_after :
	    (time_t)-1);
	emit_bool(em, "cert_verified", ti.verified);
	emit_record_end(em);
	info_free(&in);
	return 0;
}
