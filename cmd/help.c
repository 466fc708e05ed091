/* SPDX-License-Identifier: MIT */
/*
 * help, completion and the completion helper: the option tables speak for
 * themselves, so help, man checks and completions cannot drift.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "range.h"
#include "search.h"

const struct opt help_opts[] = { { NULL, 0, NULL, NULL, 0 } };
const struct opt completion_opts[] = { { NULL, 0, NULL, NULL, 0 } };
const struct opt complete_opts[] = { { NULL, 0, NULL, NULL, 0 } };

/* The completion scripts, embedded at build time from completions/. */
extern const char completion_bash[], completion_zsh[], completion_fish[];

int
cmd_help(int argc, char **argv, struct ctx *ctx)
{
	const struct command *c;

	(void)ctx;
	if (argc == 0) {
		help_main(stdout);
		return 0;
	}
	if ((c = command_find(argv[0])) == NULL || (c->flags & HIDDEN)) {
		fprintf(stderr, "imapctl: help: '%s' is not a command\n",
		    argv[0]);
		return ERR_USAGE;
	}
	help_command(c, stdout);
	return 0;
}

int
cmd_completion(int argc, char **argv, struct ctx *ctx)
{
	const char *script;

	(void)argc;
	if (strcmp(argv[0], "bash") == 0)
		script = completion_bash;
	else if (strcmp(argv[0], "zsh") == 0)
		script = completion_zsh;
	else if (strcmp(argv[0], "fish") == 0)
		script = completion_fish;
	else
		return cmd_usage_error(ctx->cmd, "unknown shell '%s': use "
		    "bash, zsh or fish", argv[0]);
	fputs(script, stdout);
	return 0;
}

static void
print_opt_names(const struct opt *o)
{
	const char *kind;

	for (; o->name != NULL; o++) {
		kind = o->flags & OPT_COMPLETE_FILE ? "file" :
		    o->flags & OPT_COMPLETE_DIR ? "dir" :
		    o->flags & OPT_COMPLETE_MAILBOX ? "mailbox" : "";
		printf("--%s\t%s\t%s\t%s\n", o->name, o->arg ? o->arg : "",
		    kind, o->help);
		if (o->short_name)
			printf("-%c\t%s\t%s\t%s\n", o->short_name,
			    o->arg ? o->arg : "", kind, o->help);
	}
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
 * the global options when no command is given.
 * __complete operands COMMAND: what the command's operands are, a kind for
 * each in order, the last standing for any more: mailbox, file, set (a UID
 * set; not there with --query), query, action (mailbox's), command, shell.
 * __complete terms [WORD]: the words of a search query, a line each; for
 * a WORD such as "older:6", that word with each unit of a duration.
 */
int
cmd_complete(int argc, char **argv, struct ctx *ctx)
{
	const struct command *c;
	const char *w;
	size_t i;

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
			return cmd_usage_error(ctx->cmd, "'%s' is not a "
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
	return cmd_usage_error(ctx->cmd, "unknown topic '%s'", argv[0]);
}
