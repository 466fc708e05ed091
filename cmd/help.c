/* SPDX-License-Identifier: MIT */
/*
 * help, completion and the completion helper: the option tables speak for
 * themselves, so help, man checks and completions cannot drift.
 */
#include <stdio.h>
#include <string.h>

#include "choice.h"
#include "cmd.h"
#include "settings.h"
#include "range.h"
#include "search.h"
#include "banned.h"

const struct opt help_opts[] = { OPT_END() };
const struct opt completion_opts[] = { OPT_END() };
const struct opt complete_opts[] = { OPT_END() };

/*
 * "imapctl help" groups the commands as a user looks for them; "help
 * COMMAND" ends with a few examples. A command missing here is listed
 * under "other commands" (tests/cli.bats says so).
 */
static const char *const groups[] = {
	"reading mail", "changing mail", "monitoring", "admin and set-up", NULL
};

static const struct help_page {
	const char	*name;
	int		 group;		/* index in groups */
	const char	*examples[4];
} pages[] = {
	{ "list", 0, { "imapctl list --status",
	    "imapctl list 'Projects/*' -o json" } },
	{ "status", 0, { "imapctl status INBOX Projects/2024",
	    "imapctl status -o json | jq '.[0].unseen'" } },
	{ "search", 0, { "imapctl search INBOX from:carol unseen",
	    "imapctl search --in '*' '(' from:carol or from:bob ')' "
	    "older:30d --count",
	    "imapctl search INBOX larger:1M -o jsonl | "
	    "imapctl fetch INBOX -" } },
	{ "fetch", 0, { "imapctl fetch INBOX all",
	    "imapctl fetch INBOX 4 --text",
	    "imapctl fetch INBOX 3 --attachments ~/Downloads" } },
	{ "flag", 1, { "imapctl flag INBOX 1:3 --add seen",
	    "imapctl flag INBOX --query from:carol --remove flagged "
	    "--dry-run" } },
	{ "move", 1, { "imapctl move INBOX 1:100 Archive/2024 --create",
	    "imapctl move INBOX --query older:1y Archive --max 500",
	    "{ imapctl search INBOX from:carol; imapctl search Lists/carol "
	    "all; } | imapctl move - Carol --create" } },
	{ "delete", 1, { "imapctl delete INBOX 5 --trash",
	    "imapctl search INBOX older:1y from:alerts@ -o jsonl | "
	    "imapctl delete INBOX - --max 5000",
	    "{ imapctl search INBOX older:1y; imapctl search Lists/news "
	    "older:30d; } | imapctl delete - --max 5000" } },
	{ "append", 1, { "imapctl append Drafts draft.eml --flags draft",
	    "imapctl append Archive saved/*.eml --flags seen --date "
	    "2024-03-01",
	    "imapctl append Archive --mbox archive.mbox" } },
	{ "mailbox", 1, { "imapctl mailbox create Archive/2025",
	    "imapctl mailbox rename 'Old Mail' Archive/old",
	    "imapctl mailbox delete 'Old Mail' --max 0" } },
	{ "check", 2, { "imapctl check --warning-unseen 50 --critical-age 3d",
	    "imapctl check --warning-cert-days 21 --critical-cert-days 7",
	    "imapctl check -o prometheus" } },
	{ "watch", 2, { "imapctl watch INBOX",
	    "imapctl watch INBOX --once --timeout 10min -o jsonl | "
	    "jq -r .subject" } },
	{ "quota", 2, { "imapctl quota",
	    "imapctl quota INBOX -o json" } },
	{ "info", 3, { "imapctl info",
	    "imapctl info -o json | jq -r '.[0].capabilities[]'" } },
	{ "raw", 3, { "imapctl raw CAPABILITY",
	    "imapctl raw --select INBOX UID FETCH 1:* "
	    "'(FLAGS RFC822.SIZE)'" } },
	{ "help", 3, { "imapctl help", "imapctl help search" } },
	{ "completion", 3, {
	    "imapctl completion bash >~/.local/share/bash-completion/"
	    "completions/imapctl",
	    "imapctl completion fish >~/.config/fish/completions/"
	    "imapctl.fish" } },
	{ NULL, 0, { NULL } }
};

static const struct help_page *
help_page(const char *name)
{
	const struct help_page *p;

	for (p = pages; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const char *
help_group_name(int i)
{
	return i >= 0 && (size_t)i < sizeof(groups) / sizeof(groups[0]) ?
	    groups[i] : NULL;
}

int
help_group(const char *name)
{
	const struct help_page *p = help_page(name);

	return p != NULL ? p->group : -1;
}

void
help_extra(const struct command *c, FILE *f)
{
	const struct help_page *p = help_page(c->name);
	const char *usage, *help;
	size_t i;

	if (strcmp(c->name, "search") == 0) {
		fprintf(f, "\nQuery terms (ANDed; names in any case):\n");
		for (i = 0; search_term_help(i, &usage, &help) == 0; i++)
			fprintf(f, "  %-22s %s\n", usage, help);
		fprintf(f, "  %-22s %s\n", "WORD", "the headers or the body "
		    "contain WORD (as text:WORD)");
		fprintf(f, "  %-22s %s\n", "a or b", "either matches");
		fprintf(f, "  %-22s %s\n", "not a", "a does not match");
		fprintf(f, "  %-22s %s\n", "( ... )", "group terms: "
		    "'(' a or b ')' c");
		fprintf(f, "Dates are YYYY-MM-DD; quote a value with spaces: "
		    "subject:\"disk full\", \"disk full\".\n");
	}
	if (p == NULL || p->examples[0] == NULL)
		return;
	fprintf(f, "\nExamples:\n");
	for (i = 0; i < sizeof(p->examples) / sizeof(p->examples[0]) &&
	    p->examples[i] != NULL; i++)
		fprintf(f, "  %s\n", p->examples[i]);
}

/* The completion scripts, embedded at build time from completions/. */
extern const char completion_bash[], completion_zsh[], completion_fish[];

int
cmd_help(int argc, char **argv, struct ctx *ctx)
{
	const struct command *c;

	if (argc == 0) {
		help_main(stdout);
		return 0;
	}
	if ((c = command_find(argv[0])) == NULL || (c->flags & HIDDEN))
		return cmd_usage(ctx, "'%s' is not a command", argv[0]);
	help_command(c, stdout);
	return 0;
}

static const struct choice shell_words[] = {
	{ "bash", 0 }, { "zsh", 1 }, { "fish", 2 }, { NULL, 0 }
};
static const struct choices shell_choices = { .v = shell_words };

int
cmd_completion(int argc, char **argv, struct ctx *ctx)
{
	const char *const scripts[] = { completion_bash, completion_zsh,
	    completion_fish };
	char use[64];
	int v;

	(void)argc;
	if (choice_parse(&shell_choices, argv[0], &v) < 0) {
		choice_list(&shell_choices, use, sizeof(use));
		return cmd_usage(ctx, "unknown shell '%s': use %s", argv[0],
		    use);
	}
	fputs(scripts[v], stdout);
	return 0;
}

static void
print_opt_names(const struct opt *o)
{
	const char *kind;

	for (; o->name != NULL; o++) {
		kind = o->flags & OPT_COMPLETE_FILE ? "file" :
		    o->flags & OPT_COMPLETE_DIR ? "dir" :
		    o->flags & OPT_COMPLETE_MAILBOX ? "mailbox" :
		    o->kind == OPT_K_CHOICE ? "word" : "";
		printf("--%s\t%s\t%s\t%s\n", o->name, o->arg ? o->arg : "",
		    kind, o->help);
		if (o->short_name)
			printf("-%c\t%s\t%s\t%s\n", o->short_name,
			    o->arg ? o->arg : "", kind, o->help);
	}
}

/* The option spelt w ("--tls", "-o") of c's table, else a global one. */
static const struct opt *
opt_named(const struct command *c, const char *w)
{
	const struct opt *t[] = { c != NULL ? c->opts : NULL, global_opts };
	const struct opt *o;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (o = t[i]; o != NULL && o->name != NULL; o++)
			if ((w[0] == '-' && w[1] == '-' &&
			    strcmp(w + 2, o->name) == 0) ||
			    (w[0] == '-' && w[1] != '\0' && w[2] == '\0' &&
			    o->short_name == (unsigned char)w[1]))
				return o;
	return NULL;
}

/* "older:6" or "newer:1.5": a duration that waits for its unit. */
static int
duration_term(const char *w)
{
	size_t n;

	if (strncmp(w, "older:", 6) != 0 && strncmp(w, "newer:", 6) != 0)
		return 0;
	w += 6;
	n = strspn(w, "0123456789.");
	return n > 0 && w[n] == '\0' && w[0] != '.';
}

/*
 * __complete commands: "name<TAB>summary" a line.
 * __complete options [COMMAND]: "option<TAB>argument<TAB>kind<TAB>help",
 * the global options when no command is given; kind is file, dir,
 * mailbox, word (one of the words __complete words gives) or empty.
 * __complete words OPTION [COMMAND]: the words OPTION ("--tls", "-o")
 * takes, in COMMAND when given, a line each; nothing for an option that
 * takes any text.
 * __complete operands COMMAND: what the command's operands are, a kind for
 * each in order, the last standing for any more: mailbox, file, set (a UID
 * set; not there with --query), query, action (mailbox's), command, shell.
 * __complete accounts: the accounts of the configuration file (--config,
 * IMAPCTL_CONFIG or the default place), a name a line.
 * __complete terms [WORD]: the words of a search query, a line each; for
 * a WORD such as "older:6", that word with each unit of a duration.
 */
int
cmd_complete(int argc, char **argv, struct ctx *ctx)
{
	const struct command *c;
	const struct opt *o;
	const char *w;
	size_t i;

	if (strcmp(argv[0], "accounts") == 0) {
		struct config cfg;
		struct err e;

		memset(&cfg, 0, sizeof(cfg));
		err_clear(&e);
		if (settings_load_config(&cfg, ctx->in->config,
		    &e) < 0)
			return cmd_fail(ctx, &e);
		for (i = 0; i < cfg.naccounts; i++)
			printf("%s\n", cfg.accounts[i].name);
		config_free(&cfg);
		return 0;
	}
	if (strcmp(argv[0], "terms") == 0) {
		if (argc > 1 && duration_term(argv[1])) {
			for (i = 0; (w = duration_unit(i)) != NULL; i++)
				printf("%s%s\n", argv[1], w);
			return 0;
		}
		for (i = 0; (w = search_term_word(i)) != NULL; i++)
			printf("%s\n", w);
		return 0;
	}
	if (strcmp(argv[0], "words") == 0 && argc > 1) {
		c = argc > 2 ? command_find(argv[2]) : NULL;
		if (argc > 2 && c == NULL)
			return cmd_usage(ctx, "'%s' is not a command", argv[2]);
		if ((o = opt_named(c, argv[1])) == NULL)
			return cmd_usage(ctx, "unknown option '%s'", argv[1]);
		opt_print_words(c, o, stdout);
		return 0;
	}
	if (strcmp(argv[0], "commands") == 0) {
		for (c = commands; c->name != NULL; c++)
			if (!(c->flags & HIDDEN))
				printf("%s\t%s\n", c->name, c->summary);
		return 0;
	}
	if (strcmp(argv[0], "options") == 0 ||
	    strcmp(argv[0], "operands") == 0) {
		c = argc > 1 ? command_find(argv[1]) : NULL;
		if (argc > 1 && c == NULL)
			return cmd_usage(ctx, "'%s' is not a "
			    "command", argv[1]);
		if (strcmp(argv[0], "operands") == 0) {
			if (c != NULL && c->operands != NULL)
				printf("%s\n", c->operands);
			return 0;
		}
		if (c != NULL)
			print_opt_names(c->opts);
		print_opt_names(global_opts);
		return 0;
	}
	return cmd_usage(ctx, "unknown topic '%s'", argv[0]);
}
