/* SPDX-License-Identifier: MIT */
/*
 * imapctl: global options, the one command table, and the set-up every
 * command shares (connect, log in, select), driven by the table's flags.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "auth.h"
#include "choice.h"
#include "cmd.h"
#include "deadline.h"
#include "progress.h"
#include "range.h"
#include "report.h"
#include "secret.h"
#include "settings.h"
#include "stop.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#ifndef VERSION
#error "VERSION comes from the Makefile"
#endif

#define DEFAULT_TIMEOUT_S	30
#define MONITORING_TIMEOUT_S	10	/* as check_imap's -t */
#define MONITORING_DEADLINE_S	10	/* before the scheduler kills it */
#define DEADLINE_MAX_S		(366.0 * 86400)
#define TIMEOUT_MAX_S		86400.0	/* as the account's timeout */

/*
 * -o: the emitter's formats, and prometheus, which only a monitoring
 * plugin writes. IMAPCTL_FORMAT takes the same words.
 */
#define FORMAT_PROMETHEUS	(EMIT_XML + 1)
static const struct choice format_words[] = {
	{ "text", EMIT_TEXT },
	{ "json", EMIT_JSON },
	{ "jsonl", EMIT_JSONL },
	{ "xml", EMIT_XML },
	{ "prometheus", FORMAT_PROMETHEUS },
	{ NULL, 0 }
};
static const struct choices format_choices = { .v = format_words,
    .hint = "text, json, jsonl or xml (check: also prometheus)" };

/*
 * The global options, parsed into the settings the connection is made
 * from and a few of main's own.
 */
static struct {
	struct settings_in	 in;
	int			 format;	/* format_words, or -1 */
	double			 deadline;	/* seconds; 0: none given */
	int			 help, version;
} gopt;

const struct opt global_opts[] = {
	OPT_CHOICE('o', "format", &gopt.format, &format_choices,
	    OPT_CHOICE_UNSET, "FORMAT", "output format: "
	    "text, json, jsonl, xml (check: also prometheus)"),
	OPT_STRING('a', "account", &gopt.in.account, "NAME", "connect as the "
	    "config file's account NAME"),
	OPT_STRING_F(0, "config", &gopt.in.config, "FILE", "read accounts from "
	    "FILE (see imapctl.conf(5))", OPT_COMPLETE_FILE),
	OPT_STRING(0, "url", &gopt.in.url, "URL", "server as "
	    "imaps://user@host:port (imap:// means STARTTLS)"),
	OPT_STRING('H', "host", &gopt.in.host, "HOST", "server host name"),
	OPT_STRING('p', "port", &gopt.in.port, "PORT", "server port (default "
	    "993, or 143 with STARTTLS)"),
	OPT_STRING('u', "user", &gopt.in.user, "USER", "user name to log in "
	    "with"),
	OPT_CHOICE(0, "tls", &gopt.in.tls, &tls_mode_choices,
	    OPT_CHOICE_UNSET, "MODE", "implicit (default; "
	    "starttls on port 143), starttls or none"),
	OPT_STRING_F(0, "cafile", &gopt.in.cafile, "FILE", "also trust the CA "
	    "certificates in FILE", OPT_COMPLETE_FILE),
	OPT_STRING(0, "proxy", &gopt.in.proxy, "URL", "connect through a "
	    "socks5h://, socks5:// or http:// proxy (none: directly)"),
	OPT_BOOL(0, "insecure", &gopt.in.insecure, "do not verify the server's "
	    "certificate"),
	OPT_BOOL(0, "allow-cleartext", &gopt.in.allow_cleartext, "with --tls "
	    "none: the password and mail may cross the network unencrypted, "
	    "no warning"),
	OPT_STRING(0, "tunnel", &gopt.in.tunnel, "CMD", "talk to the IMAP "
	    "server CMD runs (with /bin/sh) on its stdin and stdout, e.g. ssh "
	    "HOST /usr/lib/dovecot/imap"),
	OPT_STRING_F(0, "cert", &gopt.in.cert, "FILE", "present the client "
	    "certificate in FILE (PEM, with its chain)", OPT_COMPLETE_FILE),
	OPT_STRING_F(0, "key", &gopt.in.key, "FILE", "the client certificate's "
	    "private key (default: in the --cert file)", OPT_COMPLETE_FILE),
	OPT_STRING_F(0, "password-file", &gopt.in.password_file, "FILE", "read "
	    "the password from FILE's first line", OPT_COMPLETE_FILE),
	OPT_STRING(0, "password-cmd", &gopt.in.password_cmd, "CMD", "run CMD "
	    "and take the first line it prints as the password"),
	OPT_STRING_F(0, "netrc-file", &gopt.in.netrc_file, "FILE", "look the "
	    "password up in FILE instead of ~/.netrc", OPT_COMPLETE_FILE),
	OPT_STRING(0, "oauth2-token-cmd", &gopt.in.token_cmd, "CMD", "run CMD "
	    "and take the first line it prints as the OAuth2 token"),
	OPT_CHOICE(0, "auth", &gopt.in.auth, &auth_mech_choices,
	    OPT_CHOICE_UNSET, "MECH", "auto, scram-sha-256, "
	    "scram-sha-1, plain, login, xoauth2 or oauthbearer"),
	OPT_STRING(0, "as", &gopt.in.as, "USER", "act as USER with your own "
	    "credentials (SASL PLAIN authorization identity; master users)"),
	OPT_BOOL(0, "no-sasl-ir", &gopt.in.no_sasl_ir, "do not send the SASL "
	    "initial response with AUTHENTICATE"),
	OPT_BOOL(0, "id", &gopt.in.id, "send the client's RFC 2971 ID after "
	    "login"),
	OPT_BOOL(0, "no-compress", &gopt.in.no_compress, "do not compress the "
	    "connection (COMPRESS=DEFLATE) even where the server offers it"),
	OPT_DURATION(0, "timeout", &gopt.in.timeout, 0, TIMEOUT_MAX_S,
	    "DURATION", "give up on a silent server after DURATION, and on "
	    "connecting and logging in (default 30s)"),
	OPT_DURATION(0, "deadline", &gopt.deadline, 0, DEADLINE_MAX_S,
	    "DURATION", "stop the whole run after DURATION (default none; "
	    "check: 10s)"),
	OPT_UINT(0, "retry", &gopt.in.retry, OPT_UNSET, 0, CONFIG_MAX_RETRY,
	    "N", "send a command the server throttles again, up to N times, "
	    "waiting longer each time (default 0)"),
	OPT_SIZE(0, "max-size", &gopt.in.max_size, 0, 1, "SIZE", "refuse "
	    "server literals larger than SIZE (default 256M)"),
	OPT_BOOL(0, "debug", &gopt.in.debug, "write the protocol exchange to "
	    "stderr, secrets redacted"),
	OPT_BOOL('h', "help", &gopt.help, "show help and exit"),
	OPT_BOOL(0, "version", &gopt.version, "show the version and exit"),
	OPT_END()
};

const struct command commands[] = {
	{ .name = "list", .fn = cmd_list,
	    .flags = NEED_LOGIN | SHORT_TALK, .opts = list_opts,
	    .assume = "LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN STATUS=SIZE",
	    .usage = "[--status] [--subscribed] [PATTERN...]",
	    .summary = "list mailboxes",
	    .min_args = 0, .max_args = -1, .operands = "mailbox" },
	{ .name = "status", .fn = cmd_status,
	    .flags = NEED_LOGIN | SHORT_TALK, .opts = status_opts,
	    .assume = "STATUS=SIZE CONDSTORE",
	    .usage = "[MAILBOX...]",
	    .summary = "show message counts of mailboxes",
	    .min_args = 0, .max_args = -1, .operands = "mailbox" },
	{ .name = "search", .fn = cmd_search,
	    .flags = NEED_SELECT_RO, .opts = search_opts,
	    .usage = "MAILBOX|--in PATTERN... [QUERY...] [--raw KEYS] "
		"[--count|--summary] [--limit N] [--sort ORDER]",
	    .summary = "find the messages that match a query",
	    .min_args = 0, .max_args = -1, .operands = "mailbox query",
	    .check = check_search },
	{ .name = "fetch", .fn = cmd_fetch,
	    .flags = NEED_LOGIN, .opts = fetch_opts,
	    .usage = "MAILBOX SET|--query QUERY | --in PATTERN... "
		"all|--query QUERY "
		"[--summary|--headers|--raw|--text|--structure|--part N] "
		"[--save DIR] [--attachments DIR] [--maildir DIR] "
		"[--mark-seen] [--force]",
	    .summary = "fetch messages: summaries, headers, bytes, text, "
		"parts",
	    .min_args = 0, .max_args = 2, .operands = "mailbox set",
	    .check = check_fetch },
	{ .name = "info", .fn = cmd_info,
	    .flags = NEED_LOGIN | SHORT_TALK, .opts = info_opts,
	    .usage = "",
	    .summary = "show what the server offers and how the "
		"connection is secured",
	    .min_args = 0, .max_args = 0 },
	{ .name = "flag", .fn = cmd_flag,
	    .flags = NEED_SELECT_RW | DRY_RUN_RO | CHANGES, .opts = flag_opts,
	    .usage = "MAILBOX SET|--query QUERY --add|--remove|--set "
		"FLAG... | --add-label|--remove-label LABEL...; - alone for "
		"MAILBOX SET: records of several mailboxes",
	    .summary = "add, remove or set the flags (or Gmail labels) of "
		"messages",
	    .min_args = 1, .max_args = 2, .operands = "mailbox set",
	    .check = check_flag },
	{ .name = "move", .fn = cmd_move,
	    .flags = NEED_SELECT_RW | DRY_RUN_RO | CHANGES, .opts = move_opts,
	    .usage = "MAILBOX SET|--query QUERY DEST [--create]; - alone "
		"for MAILBOX SET: records of several mailboxes",
	    .summary = "move messages to another mailbox",
	    .min_args = 2, .max_args = 3, .operands = "mailbox set mailbox",
	    .check = check_move },
	{ .name = "delete", .fn = cmd_delete,
	    .flags = NEED_SELECT_RW | DRY_RUN_RO | CHANGES | DELETES,
	    .opts = delete_opts,
	    .usage = "MAILBOX SET|--query QUERY [--trash | --flag-only]; - "
		"alone for MAILBOX SET: records of several mailboxes",
	    .summary = "delete messages",
	    .min_args = 1, .max_args = 2, .operands = "mailbox set",
	    .check = check_delete },
	{ .name = "append", .fn = cmd_append,
	    .flags = NEED_LOGIN | CHANGES, .opts = append_opts,
	    .usage = "MAILBOX [FILE...] [--flags FLAG...] [--date DATE] "
		"[--mbox|--maildir]",
	    .summary = "upload messages to a mailbox",
	    .min_args = 1, .max_args = -1, .operands = "mailbox file",
	    .check = check_append },
	{ .name = "mailbox", .fn = cmd_mailbox,
	    .flags = NEED_LOGIN | CHANGES, .opts = mailbox_opts,
	    .usage = "create|delete|rename|subscribe|unsubscribe NAME "
		"[NEWNAME]",
	    .summary = "create (with its parents), delete, rename or "
		"subscribe to a mailbox",
	    .min_args = 2, .max_args = 3, .operands = "action mailbox",
	    .check = check_mailbox },
	{ .name = "raw", .fn = cmd_raw,
	    .flags = NEED_LOGIN | CHANGES, .opts = raw_opts,
	    .usage = "[--select MAILBOX] COMMAND [ARG...]",
	    .summary = "send one IMAP command and print the responses",
	    .min_args = 1, .max_args = -1, .check = check_raw },
	{ .name = "quota", .fn = cmd_quota,
	    .flags = NEED_LOGIN | SHORT_TALK, .opts = quota_opts,
	    .assume = "QUOTA",
	    .usage = "[MAILBOX]",
	    .summary = "show the quota roots of a mailbox with usage and "
		"limits",
	    .min_args = 0, .max_args = 1, .operands = "mailbox" },
	{ .name = "check", .fn = cmd_check,
	    .flags = NEED_LOGIN | MONITORING | SHORT_TALK, .opts = check_opts,
	    .assume = "QUOTA ESEARCH SEARCHRES WITHIN",
	    .usage = "[--mailbox MAILBOX]... [--query QUERY] [--send-via "
		"URL [--probe-to ADDRESS]] "
		"[--{warning,critical}-{time,messages,unseen,age,"
		"newest-age,query,quota,cert-days,delivery} RANGE]...",
	    .summary = "probe the server as a monitoring plugin (exit 0-3)",
	    .min_args = 0, .max_args = 0, .check = check_check },
	{ .name = "watch", .fn = cmd_watch,
	    .flags = NEED_LOGIN | RECONNECTS, .opts = watch_opts,
	    .usage = "MAILBOX [--once] [--duration DURATION] [--interval "
		"DURATION]",
	    .summary = "wait for new messages, expunges and flag changes",
	    .min_args = 1, .max_args = 1, .operands = "mailbox" },
	{ .name = "help", .fn = cmd_help,
	    .flags = NO_NETWORK, .opts = help_opts,
	    .usage = "[COMMAND]",
	    .summary = "show help for imapctl or a command",
	    .min_args = 0, .max_args = 1, .operands = "command" },
	{ .name = "completion", .fn = cmd_completion,
	    .flags = NO_NETWORK, .opts = completion_opts,
	    .usage = "bash|zsh|fish",
	    .summary = "print a shell completion script",
	    .min_args = 1, .max_args = 1, .operands = "shell" },
	{ .name = "__complete", .fn = cmd_complete,
	    .flags = NO_NETWORK | HIDDEN, .opts = complete_opts,
	    .usage = "commands|options [COMMAND]|operands COMMAND|words "
		"OPTION [COMMAND]|terms [WORD]|accounts",
	    .summary = "completion helper",
	    .min_args = 1, .max_args = 3 },
	{ .name = NULL }
};

struct common_opts common_opts;
static const char *progname = "imapctl";

const struct command *
command_find(const char *name)
{
	const struct command *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Errors ---------------------------------------------------------------- */

/*
 * Error text holds what the user typed and what the server said: either
 * may carry line breaks or terminal escapes (C0, or C1 such as U+009B,
 * which some terminals take as CSI). Keep the message on one line and
 * inert.
 */
static void
put_safe(const char *s, FILE *f)
{
	utf8_fput_inert(f, s, strlen(s));
}

/* A message formatted, then written as put_safe writes it. */
static void
vput_safe(FILE *f, const char *fmt, va_list ap)
{
	char tmp[ERR_MSG_MAX];

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	put_safe(tmp, f);
}

static void
print_err(const char *cmd, const char *where, const struct err *e)
{
	fprintf(stderr, "%s: %s: ", progname, cmd);
	if (where != NULL) {
		fputc('\'', stderr);
		put_safe(where, stderr);
		fputs("': ", stderr);
	}
	put_safe(e->msg, stderr);
	if (e->code[0] != '\0') {
		fputs(" [", stderr);
		put_safe(e->code, stderr);
		fputc(']', stderr);
	}
	fputc('\n', stderr);
}

int
cmd_fail(struct ctx *ctx, const struct err *e)
{
	/* Nobody reads any more: nothing to say (see run()). */
	progress_clear(ctx->progress);
	if (e->kind != ERR_OUTPUT_GONE)
		print_err(ctx->cmd->name, ctx->where, e);
	if (ctx->status == 0)
		ctx->status = e->kind;
	return e->kind;
}

int
cmd_failf(struct ctx *ctx, enum err_kind kind, const char *fmt, ...)
{
	struct err e;
	va_list ap;

	err_clear(&e);
	e.kind = kind;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	return cmd_fail(ctx, &e);
}

void
cmd_warn(struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	progress_clear(ctx->progress);
	fprintf(stderr, "%s: %s: warning: ", progname, ctx->cmd->name);
	va_start(ap, fmt);
	vput_safe(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A usage error of c (NULL: before the command word), and where to look. */
static int
print_usage_err(const struct command *c, const struct err *e)
{
	fprintf(stderr, "%s: %s%s", progname, c ? c->name : "", c ? ": " : "");
	put_safe(e->msg, stderr);
	fputc('\n', stderr);
	if (c != NULL)
		fprintf(stderr, "usage: %s %s %s\nTry '%s %s --help'.\n",
		    progname, c->name, c->usage, progname, c->name);
	else
		fprintf(stderr, "Try '%s --help'.\n", progname);
	return ERR_USAGE;
}

int
cmd_usage(struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	/* The first is the one said. */
	if (ctx->usage.kind != ERR_NONE)
		return ERR_USAGE;
	err_clear(&ctx->usage);
	ctx->usage.kind = ERR_USAGE;
	va_start(ap, fmt);
	vsnprintf(ctx->usage.msg, sizeof(ctx->usage.msg), fmt, ap);
	va_end(ap);
	return ERR_USAGE;
}

int
cmd_usage_err(struct ctx *ctx, const struct err *e)
{
	if (ctx->usage.kind == ERR_NONE) {
		ctx->usage = *e;
		ctx->usage.kind = ERR_USAGE;
	}
	return ERR_USAGE;
}

/*
 * The edge: a usage error, the parser's or one a command found, said
 * once, the same way for every command. A monitoring plugin says it as
 * its UNKNOWN result.
 */
static int
usage_fail(struct ctx *ctx, const struct err *e)
{
	char msg[ERR_MSG_MAX + 64];

	if (!(ctx->cmd->flags & MONITORING))
		return print_usage_err(ctx->cmd, e);
	snprintf(msg, sizeof(msg), "%s; see '%s %s --help'", e->msg,
	    progname, ctx->cmd->name);
	report_fail(ctx->report, REPORT_UNKNOWN, msg);
	return report_finish(ctx->report);
}

/* Help ------------------------------------------------------------------ */

static void
print_opts(const struct opt *o, FILE *f)
{
	char left[64];

	for (; o->name != NULL; o++) {
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->short_name, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

void
help_command(const struct command *c, FILE *f)
{
	fprintf(f, "usage: %s %s%s%s\n\n%c%s.\n", progname, c->name,
	    c->usage[0] ? " " : "", c->usage, toupper((unsigned char)
	    c->summary[0]), c->summary + 1);
	if (c->opts[0].name != NULL) {
		fprintf(f, "\nOptions:\n");
		print_opts(c->opts, f);
	}
	help_extra(c, f);
	/* As git: the global options are one command away. */
	fprintf(f, "\nSee imapctl(1) for details.\n"
	    "global options: %s help\n", progname);
}

static void
print_commands(FILE *f, int group)
{
	const struct command *c;

	for (c = commands; c->name != NULL; c++)
		if (!(c->flags & HIDDEN) && help_group(c->name) == group)
			fprintf(f, "  %-12s %s\n", c->name, c->summary);
}

void
help_main(FILE *f)
{
	const struct command *c;
	const char *g;
	int i;

	fprintf(f, "usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
	    "A command-line IMAP client for scripts, monitoring and admins.\n",
	    progname);
	for (i = 0; (g = help_group_name(i)) != NULL; i++) {
		fprintf(f, "\n%c%s:\n", toupper((unsigned char)g[0]), g + 1);
		print_commands(f, i);
	}
	for (c = commands; c->name != NULL; c++)
		if (!(c->flags & HIDDEN) && help_group(c->name) < 0)
			break;
	if (c->name != NULL) {
		fprintf(f, "\nOther commands:\n");
		print_commands(f, -1);
	}
	fprintf(f, "\nGlobal options:\n");
	print_opts(global_opts, f);
	fprintf(f, "\nEnvironment: IMAPCTL_URL, IMAPCTL_USER, IMAPCTL_PASSWORD, "
	    "IMAPCTL_ACCOUNT,\nIMAPCTL_CONFIG, IMAPCTL_FORMAT.\n"
	    "Example: %s --url imaps://me@imap.example.org list --status\n"
	    "'%s help COMMAND' shows a command's options and examples; "
	    "imapctl(1) has more.\n", progname, progname);
}

/* Option parsing --------------------------------------------------------- */

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* A table of options and what parsing noticed in it. */
struct opt_table {
	const struct opt	*opts;
	/* Its first option given a blank argument it may not have. */
	const struct opt	*blank;
	/*
	 * The first argument of the command line that is not what its
	 * option reads (opt_value), shared by the tables.
	 */
	struct err		*bad;
};

/* Option o given, with arg (NULL for a flag): into its typed places. */
static void
opt_store(struct opt_table *t, const struct opt *o, const char *arg)
{
	struct opt_list *l = o->list;

	if (o->flag != NULL)
		*o->flag = 1;
	if (o->mode != NULL) {
		o->mode->value = o->value;
		o->mode->given |= 1u << o->value;
	}
	if (arg == NULL)
		return;
	if (o->str != NULL)
		*o->str = arg;
	if (l != NULL) {
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = arg;
	}
	if (!(o->flags & OPT_BLANK_OK) && blank(arg)) {
		if (t->blank == NULL || o < t->blank)
			t->blank = o;
	} else if (t->bad->kind == ERR_NONE)
		opt_value(o, arg, t->bad);
}

/*
 * The options of o as before parsing, what opt_store allocated freed: main
 * may run again in the same process (tests/fuzz).
 */
static void
opt_reset(const struct opt *o)
{
	for (; o->name != NULL; o++) {
		if (o->flag != NULL)
			*o->flag = 0;
		if (o->str != NULL)
			*o->str = NULL;
		if (o->list != NULL) {
			free(o->list->v);
			o->list->v = NULL;
			o->list->n = 0;
		}
		if (o->mode != NULL)
			o->mode->value = o->mode->given = 0;
	}
}



void
opt_print_words(const struct command *c, const struct opt *o, FILE *f)
{
	const struct choice *p;

	if (o->kind != OPT_K_CHOICE)
		return;
	for (p = o->choices->v; p->name != NULL; p++)
		/* As output_format takes them. */
		if (!(o->choices == &format_choices &&
		    p->value == FORMAT_PROMETHEUS &&
		    (c == NULL || !(c->flags & MONITORING))))
			fprintf(f, "%s\n", p->name);
}

int
opt_mode_count(const struct opt_mode *m)
{
	unsigned b;
	int n = 0;

	for (b = m->given; b != 0; b &= b - 1)
		n++;
	return n;
}

void
opt_mode_names(const struct opt *o, const struct opt_mode *m,
    const char **first_r, const char **second_r)
{
	*first_r = *second_r = NULL;
	for (; o->name != NULL; o++) {
		if (o->mode != m || !(m->given & 1u << o->value))
			continue;
		if (*first_r == NULL)
			*first_r = o->name;
		else if (*second_r == NULL)
			*second_r = o->name;
	}
}

/* Find an option by exact long name or short letter in the tables. */
static const struct opt *
find_opt(struct opt_table *const tables[], const char *name, size_t len,
    int shortc, struct opt_table **table_r)
{
	const struct opt *o;
	size_t t;

	for (t = 0; tables[t] != NULL; t++)
		for (o = tables[t]->opts; o->name != NULL; o++)
			if ((shortc && o->short_name == shortc) ||
			    (!shortc && strlen(o->name) == len &&
			    strncmp(o->name, name, len) == 0)) {
				*table_r = tables[t];
				return o;
			}
	return NULL;
}

/*
 * Parse argv[start..]: options of the tables anywhere, operands collected in
 * order. With stop_at_operand, parsing ends at the first operand (the
 * command word). Returns the index where it stopped, or -1 with the usage
 * error in *e.
 */
static int
parse_opts(struct opt_table *const tables[], int argc, char **argv,
    int start, int stop_at_operand, char **ops, int *nops, struct err *e)
{
	const struct opt *o;
	struct opt_table *t;
	const char *arg, *eq;
	size_t len;
	int i, j;

	for (i = start; i < argc; i++) {
		char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			if (stop_at_operand)
				return i;
			for (i++; i < argc; i++)
				ops[(*nops)++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (stop_at_operand)
				return i;
			ops[(*nops)++] = a;
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			if ((o = find_opt(tables, a + 2, len, 0, &t)) == NULL) {
				return err_set(e, ERR_USAGE, "unknown option "
				    "'--%.*s'", (int)len, a + 2);
			}
			if (o->arg == NULL) {
				if (eq != NULL)
					return err_set(e, ERR_USAGE, "option "
					    "'--%s' takes no argument",
					    o->name);
				opt_store(t, o, NULL);
				continue;
			}
			if (eq != NULL)
				arg = eq + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else
				return err_set(e, ERR_USAGE, "option '--%s' "
				    "needs %s", o->name, o->arg);
			opt_store(t, o, arg);
			continue;
		}
		/* A group of short options, the last may take an argument. */
		for (j = 1; a[j] != '\0'; j++) {
			if ((o = find_opt(tables, NULL, 0, (unsigned char)a[j],
			    &t)) == NULL)
				return err_set(e, ERR_USAGE, "unknown option "
				    "'-%c'", a[j]);
			if (o->arg == NULL) {
				opt_store(t, o, NULL);
				continue;
			}
			if (a[j + 1] != '\0')
				arg = a + j + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else
				return err_set(e, ERR_USAGE, "option '-%c' "
				    "needs %s", o->short_name, o->arg);
			opt_store(t, o, arg);
			break;
		}
	}
	return i;
}

/* Suggest the closest command name by edit distance. */
static const char *
closest_command(const char *name)
{
	const struct command *c, *best = NULL;
	size_t bestd = 3, la = strlen(name), lb, i, j, d[32][32];

	if (la >= 32)
		return NULL;
	for (c = commands; c->name != NULL; c++) {
		if (c->flags & HIDDEN)
			continue;
		lb = strlen(c->name);
		if (lb >= 32)
			continue;
		for (i = 0; i <= la; i++)
			d[i][0] = i;
		for (j = 0; j <= lb; j++)
			d[0][j] = j;
		for (i = 1; i <= la; i++)
			for (j = 1; j <= lb; j++) {
				size_t cost = name[i - 1] != c->name[j - 1];
				size_t m = d[i - 1][j] + 1;

				if (d[i][j - 1] + 1 < m)
					m = d[i][j - 1] + 1;
				if (d[i - 1][j - 1] + cost < m)
					m = d[i - 1][j - 1] + cost;
				if (i > 1 && j > 1 && name[i - 1] ==
				    c->name[j - 2] && name[i - 2] ==
				    c->name[j - 1] && d[i - 2][j - 2] + 1 < m)
					m = d[i - 2][j - 2] + 1;
				d[i][j] = m;
			}
		if (d[la][lb] < bestd) {
			bestd = d[la][lb];
			best = c;
		}
	}
	return best ? best->name : NULL;
}

/* Blank arguments -------------------------------------------------------- */

/*
 * The kind of operand n (the table's operands: a kind a word, the last
 * repeated), where "set" is skipped when --query names the messages.
 */
static void
operand_kind(const struct command *c, int query, int in, int n, char *kind,
    size_t size)
{
	const char *p = c->operands, *w = "";
	size_t len = 0;

	/* With --in, the first operand is no mailbox. */
	if (in && strncmp(p, "mailbox ", 8) == 0)
		p += 8;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = p;
		len = strcspn(p, " ");
		p += len;
		if (query && len == 3 && strncmp(w, "set", 3) == 0)
			continue;
		if (n-- == 0)
			break;
	}
	snprintf(kind, size, "%.*s", (int)len, w);
}

/*
 * A blank operand or option argument is never a name or a selector: an
 * empty variable in a script ("--query "$Q"", "delete "$BOX" "$SET"")
 * must not widen what the command acts on, nor quietly fall back to a
 * default. Returns 0, or -1 with the usage error in *e.
 */
static int
check_blank(const struct command *c, const struct opt_table *const tables[],
    char **ops, int nops, struct err *e)
{
	char kind[32];
	int i;

	for (i = 0; tables[i] != NULL; i++)
		if (tables[i]->blank != NULL)
			return err_set(e, ERR_USAGE, "empty argument to "
			    "'--%s'", tables[i]->blank->name);
	if (c->operands == NULL)
		return 0;
	for (i = 0; i < nops; i++) {
		if (!blank(ops[i]))
			continue;
		operand_kind(c, common_opts.query != NULL,
		    common_opts.in.n > 0, i, kind,
		    sizeof(kind));
		if (strcmp(kind, "set") == 0)
			return err_set(e, ERR_USAGE, "empty SET: name the "
			    "messages with UIDs, 'all', '-' or --query");
		if (strcmp(kind, "query") == 0)
			return err_set(e, ERR_USAGE, "empty query term");
		if (strcmp(kind, "mailbox") == 0)
			return err_set(e, ERR_USAGE, "empty mailbox name");
		return err_set(e, ERR_USAGE, "empty operand");
	}
	return 0;
}

/*
 * What the global options make wrong together, said with the other usage
 * errors, before anything is read or connected (what an account adds is
 * checked when the settings are gathered). Returns 0, or -1 with the
 * usage error in *e.
 */
static int
global_check(struct err *e)
{
	const struct settings_in *in = &gopt.in;

	if (in->as != NULL && in->auth != OPT_CHOICE_UNSET &&
	    in->auth != AUTH_AUTO && in->auth != AUTH_PLAIN)
		return err_set(e, ERR_USAGE, "--as needs SASL PLAIN, not %s",
		    auth_mech_name((enum auth_mech)in->auth));
	if (in->key != NULL && in->cert == NULL)
		return err_set(e, ERR_USAGE, "a client key without a "
		    "certificate: give --cert FILE too");
	if (in->tunnel != NULL && in->proxy != NULL &&
	    strcmp(in->proxy, "none") != 0)
		return err_set(e, ERR_USAGE, "--proxy and a tunnel: use one");
	return 0;
}

/* Connection set-up ------------------------------------------------------ */

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* What the command line said about the connection. */
static void
settings_in_from_opts(struct settings_in *in, const struct command *c)
{
	*in = gopt.in;
	in->default_timeout_ms = (c->flags & MONITORING ?
	    MONITORING_TIMEOUT_S : DEFAULT_TIMEOUT_S) * 1000;
}

static void
flush_output(void *arg)
{
	emit_flush(arg);
}

/*
 * Whether standard output is a pipe or a socket, whose reader may go away
 * while we work (| head): a reading command then stops at once.
 */
static int
output_is_pipe(void)
{
	struct stat st;

	return fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode));
}

/*
 * Capabilities that a server lists only once logged in: one of them in
 * what it said before login tells that it lists them all there.
 */
static const char *const after_login_caps[] = {
	"NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN", "SPECIAL-USE",
	"LIST-EXTENDED", "LIST-STATUS", "CONDSTORE", "ESEARCH", "QUOTA",
	"STATUS=SIZE", "SORT", "THREAD=REFERENCES", "MULTIAPPEND"
};

/*
 * Whether the login goes in the write of the command's first commands
 * (struct command's assume), and with which capabilities assumed till
 * it is answered: NULL when not; "" when what the server said before
 * login tells them all. Not when something must come between them:
 * COMPRESS, ID, commands that may be sent again (--retry).
 */
static const char *
login_ahead(const struct ctx *ctx, const struct settings *st)
{
	const struct command *c = ctx->cmd;
	char cap[64];
	const char *p, *q;
	size_t i;

	if (c->assume == NULL || ctx->no_ahead ||
	    (c->flags & (NEED_SELECT_RO | NEED_SELECT_RW)) ||
	    st->compress == 1 || (st->compress == -1 &&
	    !(c->flags & SHORT_TALK)) || st->send_id || st->so.retries > 0)
		return NULL;
	for (i = 0; i < sizeof(after_login_caps) / sizeof(*after_login_caps);
	    i++)
		if (sess_has_cap(ctx->sess, after_login_caps[i]))
			break;
	if (i == sizeof(after_login_caps) / sizeof(*after_login_caps))
		return c->assume;
	/* Told before login: those it lacks would be a guess. */
	for (p = c->assume; *p != '\0'; p = q) {
		q = strchr(p, ' ');
		if (q == NULL)
			q = p + strlen(p);
		snprintf(cap, sizeof(cap), "%.*s", (int)(q - p), p);
		if (!sess_has_cap(ctx->sess, cap))
			return NULL;
		while (*q == ' ')
			q++;
	}
	return "";
}

static int
prepare(struct ctx *ctx, struct settings *st, int argc, char **argv)
{
	struct settings_in in;
	struct err *e = &ctx->err;
	const char *assume;

	settings_in_from_opts(&in, ctx->cmd);
	/* Once: a reconnecting command comes here again. */
	if (!st->gathered) {
		/* The environment's password must not reach child processes. */
		if (settings_gather(st, &in, e) < 0 ||
		    settings_secret(st, &in, e) < 0)
			return -1;
		st->gathered = 1;
		if (st->so.tlso.insecure && st->so.tls != TLS_NONE &&
		    !(ctx->cmd->flags & MONITORING))
			cmd_warn(ctx, "--insecure: the server's certificate is "
			    "not verified");
		if (st->cleartext_warning && !(ctx->cmd->flags & MONITORING))
			cmd_warn(ctx, "no TLS: the password and the mail cross "
			    "the network unencrypted (--allow-cleartext, or "
			    "allow_cleartext = true in the account, says this "
			    "is intended)");
	}
	/* The proxy's password, asked anew at each connection. */
	if (settings_proxy_secret(st, &in, e) < 0)
		return -1;
	ctx->sess = sess_new(&st->so);
	sess_set_idle(ctx->sess, flush_output, ctx->emit);
	if (!(ctx->cmd->flags & CHANGES) && output_is_pipe())
		sess_set_hangup_fd(ctx->sess, STDOUT_FILENO);
	if (sess_connect(ctx->sess, e) < 0) {
		settings_explain_connect(st, e);
		return -1;
	}
	if (ctx->cmd->flags & (NEED_LOGIN | NEED_SELECT_RO | NEED_SELECT_RW)) {
		/*
		 * Logging in again (RECONNECTS): the secret was wiped after
		 * the last login; its source gives it anew (and a token that
		 * may have expired meanwhile is a fresh one). Asked only once
		 * the server is there, so that a server that is down does not
		 * make a password command run at each attempt.
		 */
		if (st->wiped && settings_secret(st, &in, e) < 0)
			return -1;
		st->wiped = 0;
		st->ao.secret = st->have_secret ? st->secret.s : NULL;
		assume = login_ahead(ctx, st);
		if ((assume != NULL ? auth_login_start(ctx->sess, &st->ao,
		    assume, &ctx->login, e) : auth_login(ctx->sess, &st->ao,
		    e)) < 0) {
			settings_explain_login(st, e);
			return -1;
		}
		/* On its way: the command's first write takes it along. */
		ctx->guessed = ctx->login != NULL && assume[0] != '\0';
		/*
		 * Compressed from here on where it pays: COMPRESS costs a
		 * round trip of its own (the client may compress only once
		 * the OK has come), more than a probe's few lines gain.
		 */
		if (ctx->login == NULL && (st->compress == 1 ||
		    (st->compress == -1 && !(ctx->cmd->flags & SHORT_TALK))) &&
		    sess_compress(ctx->sess, e) < 0) {
			err_prefix(e, "COMPRESS");
			return -1;
		}
		/* Some servers want to know the client before anything else. */
		if (ctx->login == NULL && st->send_id &&
		    sess_has_cap(ctx->sess, "ID") &&
		    sess_run(ctx->sess, e, "ID (\"name\" \"imapctl\" "
		    "\"version\" %Q)", VERSION) < 0) {
			err_prefix(e, "ID");
			return -1;
		}
	}
	/*
	 * Connecting and logging in had --timeout for all of it (a login on
	 * its way: until its answer, cmd_logged_in).
	 */
	if (ctx->login == NULL)
		sess_setup_done(ctx->sess);
	settings_proxy_wipe(st);
	/*
	 * Wiped once used. A reconnecting command keeps only a secret that
	 * cannot be asked for again (IMAPCTL_PASSWORD); a command whose
	 * first write went on a guess keeps it for a second try, until it
	 * ends.
	 */
	if ((!(ctx->cmd->flags & RECONNECTS) || st->refetchable) &&
	    !ctx->keep_secret && !ctx->guessed) {
		st->ao.secret = NULL;
		buf_wipe(&st->secret);
		st->wiped = (ctx->cmd->flags & RECONNECTS) != 0;
	}
	/*
	 * No MAILBOX to select: records name theirs (no_select), or --in
	 * lists and examines the mailboxes in the command itself.
	 */
	if ((ctx->cmd->flags & (NEED_SELECT_RO | NEED_SELECT_RW)) &&
	    !ctx->no_select && common_opts.in.n == 0) {
		if (argc < 1)
			return err_set(e, ERR_USAGE, "no mailbox given");
		if (sess_select(ctx->sess, argv[0],
		    (ctx->cmd->flags & NEED_SELECT_RO) ||
		    ((ctx->cmd->flags & DRY_RUN_RO) && common_opts.dry_run),
		    e) < 0)
			return -1;
	}
	return 0;
}

int
cmd_logged_in(struct ctx *ctx)
{
	struct settings *st = ctx->settings;
	struct auth_pending *a = ctx->login;
	struct err e;

	if (a == NULL)
		return 0;
	ctx->login = NULL;
	err_clear(&e);
	if (auth_login_finish(a, &e) < 0) {
		settings_explain_login(st, &e);
		ctx->err = e;
		return -1;
	}
	sess_setup_done(ctx->sess);
	return 0;
}

int
cmd_guessed_wrong(struct ctx *ctx, const char *used, int failed)
{
	const char *p, *q;
	char cap[64];

	if (!ctx->guessed)
		return 0;
	/* Not told: the answers say whether the guess was good. */
	if (sess_caps(ctx->sess) == NULL)
		return failed;
	for (p = used; *p != '\0'; p = q) {
		q = strchr(p, ' ');
		if (q == NULL)
			q = p + strlen(p);
		snprintf(cap, sizeof(cap), "%.*s", (int)(q - p), p);
		if (!sess_has_cap(ctx->sess, cap))
			return 1;
		while (*q == ' ')
			q++;
	}
	return 0;
}

int
cmd_connect_again(struct ctx *ctx)
{
	ctx->no_ahead = 1;
	ctx->guessed = 0;
	return cmd_connect(ctx, 0, NULL);
}

int
cmd_connect(struct ctx *ctx, int argc, char **argv)
{
	struct err scratch;

	/* A login on its way is waited for, its memory freed. */
	if (ctx->login != NULL) {
		(void)auth_login_finish(ctx->login, &scratch);
		ctx->login = NULL;
	}
	if (ctx->sess != NULL) {
		sess_free(ctx->sess);
		ctx->sess = NULL;
	}
	err_clear(&ctx->err);
	return prepare(ctx, ctx->settings, argc, argv);
}

void
cmd_forget_secret(struct ctx *ctx)
{
	struct settings *st = ctx->settings;

	ctx->keep_secret = 0;
	if (st == NULL || (ctx->cmd->flags & RECONNECTS))
		return;
	st->ao.secret = NULL;
	buf_wipe(&st->secret);
}

void
cmd_target(const struct ctx *ctx, const char **host_r, const char **port_r,
    const char **user_r)
{
	const struct settings *st = ctx->settings;

	*host_r = st != NULL ? st->so.host : NULL;
	*port_r = st != NULL ? st->so.port : NULL;
	*user_r = st != NULL ? st->ao.user : NULL;
}

/*
 * The run's deadline: --deadline, else the monitoring default, else none.
 * It runs from here, before any password command or connection.
 */
static void
start_deadline(const struct command *c)
{
	double secs = c->flags & MONITORING ? MONITORING_DEADLINE_S : 0;

	if (c->flags & NO_NETWORK)
		return;
	if (gopt.deadline > 0)
		secs = gopt.deadline;
	deadline_set(secs > 0 ? (long long)(secs * 1000 + 0.5) : 0);
}

/*
 * The output format: -o (read with the options), else IMAPCTL_FORMAT,
 * else text. prometheus is a monitoring plugin's alone. 0, or -1 with
 * the usage error in *e and text in *ef_r (a plugin's line).
 */
static int
output_format(int mon, enum report_format *rf_r, enum emit_format *ef_r,
    struct err *e)
{
	const char *f = env("IMAPCTL_FORMAT");
	int v = gopt.format;

	*rf_r = REPORT_PLUGIN;
	*ef_r = EMIT_TEXT;
	if (v == OPT_CHOICE_UNSET && f != NULL &&
	    choice_parse(&format_choices, f, &v) < 0)
		return choice_err(&format_choices, "IMAPCTL_FORMAT", f, e);
	if (v == OPT_CHOICE_UNSET || v == EMIT_TEXT)
		return 0;
	if (v == FORMAT_PROMETHEUS) {
		if (!mon)
			return err_set(e, ERR_USAGE, "bad %s 'prometheus': "
			    "use text, json, jsonl or xml (prometheus: check "
			    "only)", gopt.format == OPT_CHOICE_UNSET ?
			    "IMAPCTL_FORMAT" : "--format");
		*rf_r = REPORT_PROMETHEUS;
		return 0;
	}
	*rf_r = REPORT_RECORD;
	*ef_r = (enum emit_format)v;
	return 0;
}

static int
version(void)
{
	printf("imapctl %s\n%s\n", VERSION, OpenSSL_version(OPENSSL_VERSION));
	return 0;
}

/* What run() allocated, freed once whatever path it took. */
struct held {
	char		**ops;
	const struct opt *opts;		/* the command's */
	struct settings	 st;
	int		 monitoring;	/* exit 0-3 whatever happens */
	int		 gone;		/* the output's reader went away */
	int		 failed;	/* the output failed, and that was said */
	int		 stopped;	/* a signal stopped a change */
};

static int
run(int argc, char **argv, struct held *h)
{
	const struct command *c;
	struct err bad;			/* the first bad option value */
	struct opt_table gt = { .opts = global_opts, .bad = &bad },
	    ct = { .opts = NULL, .bad = &bad };
	struct opt_table *gtables[] = { &gt, NULL };
	/* The command's options first: one of them may shadow a global. */
	struct opt_table *tables[] = { &ct, &gt, NULL };
	struct settings *st = &h->st;
	struct ctx ctx;
	struct err usage;		/* what is wrong in the command line */
	struct err fmt_err;
	enum emit_format fmt = EMIT_TEXT;
	enum report_format rfmt = REPORT_PLUGIN;
	char **ops;
	int i, nops = 0, rc = 0, mon;

	memset(&ctx, 0, sizeof(ctx));
	err_clear(&usage);
	err_clear(&bad);
	opt_value_reset(global_opts);
	ops = h->ops = xcalloc((size_t)argc + 1, sizeof(*ops));
	i = parse_opts(gtables, argc, argv, 1, 1, ops, &nops, &usage);
	if (i < 0)
		return print_usage_err(NULL, &usage);
	if (gopt.version)
		return version();
	if (i >= argc) {
		if (gopt.help) {
			help_main(stdout);
			return 0;
		}
		help_main(stderr);
		return ERR_USAGE;
	}
	if ((c = command_find(argv[i])) == NULL) {
		const char *near = closest_command(argv[i]);

		if (near != NULL)
			fprintf(stderr, "%s: '%s' is not a command; did you "
			    "mean '%s'?\n", progname, argv[i], near);
		else
			fprintf(stderr, "%s: '%s' is not a command; see "
			    "'%s --help'\n", progname, argv[i], progname);
		return ERR_USAGE;
	}
	ctx.cmd = c;
	ctx.settings = st;
	mon = h->monitoring = (c->flags & MONITORING) != 0;
	ctx.common = &common_opts;
	ctx.in = &gopt.in;
	ct.opts = h->opts = c->opts;
	opt_value_reset(c->opts);
	if (parse_opts(tables, argc, argv, i + 1, 0, ops, &nops, &usage) < 0)
		;
	else if (gopt.help) {
		help_command(c, stdout);
		return mon ? MONITORING_UNKNOWN : 0;
	} else if (gopt.version) {
		version();
		return mon ? MONITORING_UNKNOWN : 0;
	} else if (nops < c->min_args)
		err_set(&usage, ERR_USAGE, "missing operand");
	else if (c->max_args >= 0 && nops > c->max_args)
		err_set(&usage, ERR_USAGE, "unexpected operand '%s'",
		    ops[c->max_args]);
	else if (check_blank(c, (const struct opt_table *const *)tables, ops,
	    nops, &usage) < 0)
		;
	else if (bad.kind != ERR_NONE)
		usage = bad;
	else
		(void)global_check(&usage);
	if (usage.kind == ERR_NONE)
		start_deadline(c);
	if (output_format(mon, &rfmt, &fmt, &fmt_err) < 0 &&
	    usage.kind == ERR_NONE)
		usage = fmt_err;
	/* A monitoring plugin reports it in its own words. */
	if (usage.kind != ERR_NONE && !mon)
		return print_usage_err(c, &usage);
	/*
	 * A change stops gracefully on SIGINT, SIGTERM and SIGHUP: it says
	 * what it did and did not do, then dies of the signal (stop.h).
	 */
	if (c->flags & CHANGES)
		stop_catch();
	ctx.emit = emit_new(fmt, stdout, c->name);
	/* The plugin line names the service it checks. */
	if (mon)
		ctx.report = report_new(rfmt, stdout, ctx.emit, "IMAP");
	if (usage.kind != ERR_NONE)
		ctx.usage = usage;
	else if (c->check != NULL && (rc = c->check(nops, ops, &ctx)) != 0)
		;	/* a usage error is said below; another one was */
	else if (!(c->flags & (NO_NETWORK | MONITORING)) && prepare(&ctx, st,
	    nops, ops) < 0)
		rc = cmd_fail(&ctx, &ctx.err);
	else
		rc = c->fn(nops, ops, &ctx);
	/*
	 * A usage error leaves standard output empty: no "[]", no empty
	 * XML document, which a script would take for a result. (A
	 * monitoring plugin's UNKNOWN is its result, in its format.)
	 */
	if (ctx.usage.kind != ERR_NONE && !mon &&
	    emit_records(ctx.emit) == 0)
		emit_detach(ctx.emit);
	if (ctx.usage.kind != ERR_NONE)
		rc = usage_fail(&ctx, &ctx.usage);
	cmd_progress_end(&ctx);
	/* A command that did not wait for its login: waited for here. */
	if (ctx.login != NULL && cmd_logged_in(&ctx) < 0 && rc == 0)
		rc = cmd_fail(&ctx, &ctx.err);
	/* Kept for a second try (prepare): not needed any more. */
	if (c->assume != NULL)
		cmd_forget_secret(&ctx);
	if (ctx.sess != NULL) {
		sess_logout(ctx.sess);
		sess_free(ctx.sess);
	}
	if (emit_finish(ctx.emit, &ctx.err) < 0) {
		print_err(c->name, NULL, &ctx.err);
		if (rc == 0)
			rc = ERR_IO;
	}
	h->gone = emit_gone(ctx.emit);
	h->failed = emit_status(ctx.emit) != 0;
	if ((c->flags & CHANGES) && stop_signal() != 0) {
		h->stopped = 1;
		/* Nothing was left undone: that is said too. */
		if (rc == 0 && ctx.status == 0) {
			err_set(&ctx.err, ERR_INTERRUPTED, "stopped by %s once "
			    "all was done", stop_name());
			print_err(c->name, NULL, &ctx.err);
		}
	}
	emit_free(ctx.emit);
	report_free(ctx.report);
	if (ctx.data_free != NULL)
		ctx.data_free(ctx.data);
	if (rc == 0 && ctx.status != 0)
		rc = ctx.status;
	/*
	 * The reader left (| head): a reading command's work is done as far
	 * as anyone can tell; a changing one said what it did not do.
	 */
	if (rc == ERR_OUTPUT_GONE)
		rc = c->flags & CHANGES ? ERR_IO : 0;
	return rc;
}

int
main(int argc, char **argv)
{
	struct held h;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* A password in the environment is in memory from the start. */
	if (getenv("IMAPCTL_PASSWORD") != NULL)
		secret_guard();
	memset(&h, 0, sizeof(h));
	settings_init(&h.st);
	rc = run(argc, argv, &h);
	/*
	 * Help and version text: a full disk must not pass unnoticed. The
	 * records' own write errors were reported by the emitter, or by the
	 * command that saw them first, and are not said again; a reader
	 * that went away is no error.
	 */
	errno = 0;
	if (!h.gone && !h.failed && (fflush(stdout) != 0 || ferror(stdout)) &&
	    errno != EPIPE) {
		fprintf(stderr, "%s: cannot write output: %s\n", progname,
		    strerror(errno != 0 ? errno : EIO));
		if (rc == 0)
			rc = ERR_IO;
	}
	/* A monitoring plugin never exits with another status. */
	if (h.monitoring && (rc < 0 || rc > MONITORING_UNKNOWN))
		rc = MONITORING_UNKNOWN;
	settings_free(&h.st);
	/* As it was: tests/fuzz/fuzz-session runs main once an input. */
	if (h.opts != NULL)
		opt_reset(h.opts);
	opt_reset(global_opts);
	free(h.ops);
	/* Its report made, a stopped change dies of the signal. */
	if (h.stopped)
		stop_exit();
	return rc;
}
