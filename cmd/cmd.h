/* SPDX-License-Identifier: MIT */
/*
 * The command layer: the one command table, option tables, and the context
 * a command receives. Commands turn argv into core calls and records; they
 * never print except through the emitter and cmd_fail().
 */
#ifndef IMAPCTL_CMD_H
#define IMAPCTL_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emit.h"
#include "err.h"
#include "sess.h"

/*
 * An option: declared once, it drives parsing, -h, man checks, completion.
 * The parser stores what it reads where the option points, once, into the
 * command's own typed struct: nothing looks an option up by its name at
 * run time. Declare options with the OPT_ macros below, whose pointers the
 * compiler checks: a misspelt field or one of the wrong type does not
 * compile.
 */
struct opt_list {
	const char	**v;		/* each argument, in the order given */
	size_t		 n;
};

/*
 * Modes that exclude each other (fetch --raw|--text, flag --add|--set):
 * each option of a mode sets value to its own and its bit in given, so
 * that the command says which were combined, in the table's order
 * (opt_mode_names), after the checks that come first.
 */
struct opt_mode {
	int		 value;		/* the last one given */
	unsigned	 given;		/* 1 << value of each one given */
};

/*
 * What an option's argument is read as, once, by the parser: a number
 * outside its range, or no number at all, is a usage error then, worded
 * one way for each kind:
 *   --limit: not a number: 'x'
 *   --limit: out of range: '0': at least 1
 *   --timeout: not a duration: 'soon': use a number and s, min, ...
 *   --max-size: not a size: '1T': bytes, or a number with k, M or G
 *   --warning-time: bad range '1:x' ... (range_parse's words)
 *   --tls: bad --tls 'ssl': use implicit, starttls or none
 * Commands read the typed field and convert nothing again.
 */
enum opt_kind {
	OPT_K_TEXT,		/* a string, as it is */
	OPT_K_UINT,		/* digits, min to max */
	OPT_K_SIZE,		/* bytes, or with k, M or G: min to max */
	OPT_K_DURATION,		/* duration_parse: more than 0, at most dmax */
	OPT_K_RANGE,		/* range_parse, with range_flags */
	OPT_K_CHOICE		/* a word of choices (lib/choice.h) */
};

struct choices;
struct range;

struct opt {
	const char	*name;		/* long name, without "--" */
	int		 short_name;	/* 0 if none */
	const char	*arg;		/* argument's name, NULL for a flag */
	const char	*help;
	unsigned	 flags;
	/* Where it goes, each NULL or set: */
	int		*flag;		/* 1 once given */
	const char	**str;		/* the last argument given */
	struct opt_list	*list;		/* each argument given */
	struct opt_mode	*mode;		/* value, with its bit */
	int		 value;		/* below 32 */
	/* A typed argument: kind, where it goes, its range and default. */
	enum opt_kind	 kind;
	uint64_t	*num;		/* OPT_K_UINT, OPT_K_SIZE */
	double		*secs;		/* OPT_K_DURATION: seconds */
	struct range	*range;		/* OPT_K_RANGE */
	int		*choice;	/* OPT_K_CHOICE: the word's value */
	const struct choices *choices;	/* OPT_K_CHOICE: the words */
	/*
	 * The default is the field's value until the option is given; it
	 * may lie outside the range, to say "not given".
	 */
	uint64_t	 min, max, def;	/* OPT_K_UINT, OPT_K_SIZE */
	double		 dmax, ddef;	/* OPT_K_DURATION; dmax 0: no limit */
	unsigned	 range_flags;	/* OPT_K_RANGE: RANGE_DURATION... */
	int		 cdef;		/* OPT_K_CHOICE */
};

#define OPT_REPEAT	0x1		/* may be given several times */
#define OPT_COMPLETE_FILE 0x2		/* argument is a file name */
#define OPT_COMPLETE_MAILBOX 0x4	/* argument is a mailbox name */
#define OPT_COMPLETE_DIR 0x8		/* argument is a directory */
/*
 * The argument may be empty or blank. Without it, a blank argument is a
 * usage error: an unset variable in a script must never widen what a
 * command acts on (--query "" would mean every message).
 */
#define OPT_BLANK_OK	0x10

/*
 * v itself when it is of type T; a compile error, even without -Werror,
 * when it is not (no association of _Generic matches).
 */
#define OPT_TYPED(T, v)	_Generic((v), T: (v))
/* i, a bit of struct opt_mode's given; 32 or more does not compile. */
#define OPT_MODE_VALUE(i) \
	((i) + 0 * (int)sizeof(char[(i) >= 0 && (i) < 32 ? 1 : -1]))

/* --name: *v = 1. */
#define OPT_BOOL(s, l, v, h) \
	{ .name = (l), .short_name = (s), .help = (h), \
	    .flag = OPT_TYPED(int *, v) }
/* --name ARG: *v = the last ARG. */
#define OPT_STRING_F(s, l, v, a, h, f) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .flags = (f), .str = OPT_TYPED(const char **, v) }
#define OPT_STRING(s, l, v, a, h)	OPT_STRING_F(s, l, v, a, h, 0)
/* --name ARG, repeatable: each ARG added to the list *v. */
#define OPT_LIST(s, l, v, a, h, f) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .flags = (f) | OPT_REPEAT, \
	    .list = OPT_TYPED(struct opt_list *, v) }
/* --name: mode i of *v. */
#define OPT_CMDMODE(s, l, v, i, h) \
	{ .name = (l), .short_name = (s), .help = (h), \
	    .mode = OPT_TYPED(struct opt_mode *, v), \
	    .value = OPT_MODE_VALUE(i) }
/* --name ARG: mode i of *v, ARG in *p (the last) or the list *p. */
#define OPT_CMDMODE_STRING(s, l, v, i, p, a, h, f) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .flags = (f), .mode = OPT_TYPED(struct opt_mode *, v), \
	    .value = OPT_MODE_VALUE(i), .str = OPT_TYPED(const char **, p) }
#define OPT_CMDMODE_LIST(s, l, v, i, p, a, h, f) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .flags = (f) | OPT_REPEAT, \
	    .mode = OPT_TYPED(struct opt_mode *, v), \
	    .value = OPT_MODE_VALUE(i), \
	    .list = OPT_TYPED(struct opt_list *, p) }
/*
 * --name N: *v = N, a number from min to max (uint64_t *v); def until
 * given.
 */
#define OPT_UINT(s, l, v, def_, min_, max_, a, h) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .kind = OPT_K_UINT, .num = OPT_TYPED(uint64_t *, v), \
	    .def = (def_), .min = (min_), .max = (max_) }
/* --name SIZE: *v = bytes, at least min (uint64_t *v); def until given. */
#define OPT_SIZE(s, l, v, def_, min_, a, h) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .kind = OPT_K_SIZE, .num = OPT_TYPED(uint64_t *, v), \
	    .def = (def_), .min = (min_), .max = UINT64_MAX }
/*
 * --name DURATION: *v = seconds, more than 0 and at most max (double *v;
 * max 0: no limit); def until given.
 */
#define OPT_DURATION(s, l, v, def_, max_, a, h) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .kind = OPT_K_DURATION, .secs = OPT_TYPED(double *, v), \
	    .ddef = (def_), .dmax = (max_) }
/* --name RANGE: *v a threshold range (lib/range.h), read with flags f. */
#define OPT_RANGE(s, l, v, f, a, h) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .kind = OPT_K_RANGE, .range = OPT_TYPED(struct range *, v), \
	    .range_flags = (f) }
/*
 * --name WORD: *v = the value the table t (a struct choices) gives WORD,
 * an enum's (int *v, as git's OPT_CMDMODE); def until given, which may
 * be none of the table's values (OPT_CHOICE_UNSET: not given). The
 * configuration file reads its words through the same table.
 */
#define OPT_CHOICE(s, l, v, t, def_, a, h) \
	{ .name = (l), .short_name = (s), .arg = (a), .help = (h), \
	    .kind = OPT_K_CHOICE, .choice = OPT_TYPED(int *, v), \
	    .choices = OPT_TYPED(const struct choices *, t), .cdef = (def_) }
#define OPT_CHOICE_UNSET	(-1)
/* Not given: the default of an OPT_UINT that any number may be. */
#define OPT_UNSET	UINT64_MAX
#define OPT_END()	{ .name = NULL }

/*
 * Option o's argument arg read into its typed field (nothing for a
 * string, list or flag): 0, or -1 with the usage error in *e.
 */
int	opt_value(const struct opt *o, const char *arg, struct err *e);
/* The typed fields of the table o back to their defaults. */
void	opt_value_reset(const struct opt *o);

/*
 * The words of o, an OPT_CHOICE, that command c (NULL: none yet) takes,
 * a line each to f: for completion (__complete words).
 */
struct command;
void	opt_print_words(const struct command *c, const struct opt *o, FILE *f);

/* How many modes of m were given. */
int	opt_mode_count(const struct opt_mode *);
/*
 * The names of the first two options of m that were given, in the order
 * of the table opts: *first_r NULL when none was, *second_r NULL unless
 * two or more were.
 */
void	opt_mode_names(const struct opt *opts, const struct opt_mode *m,
	    const char **first_r, const char **second_r);

/*
 * What several commands declare, parsed into the one struct the commands
 * and their helpers (msgset, change, progress) read: ctx->common. A
 * command without such an option leaves its field unset.
 */
struct common_opts {
	const char	*query;		/* --query */
	uint64_t	 uidvalidity;	/* --uidvalidity; 0: none */
	uint64_t	 max;		/* --max; UINT64_MAX: none */
	int		 dry_run;	/* --dry-run */
	int		 allow_expunge_all;
	int		 progress, no_progress;
	/* --in (search, fetch): LIST patterns instead of MAILBOX. */
	struct opt_list	 in;
};
extern struct common_opts common_opts;

struct ctx;

/* What main prepares before a command runs. */
#define NEED_LOGIN	0x1
#define NEED_SELECT_RO	0x2		/* EXAMINE argv[0] */
#define NEED_SELECT_RW	0x4		/* SELECT argv[0] */
#define NO_NETWORK	0x8
#define HIDDEN		0x10
/*
 * A monitoring plugin (check): it exits 0 OK, 1 WARNING, 2 CRITICAL or
 * 3 UNKNOWN, and writes only to standard output. --help and --version
 * exit 3; a usage error (the parser's or its check's) is its UNKNOWN
 * result, said by main as every usage error is; main does not connect:
 * the command calls cmd_connect() and reports a failure in its own
 * words. Its result goes to ctx->report.
 */
#define MONITORING	0x20
/*
 * May log in again after a drop (cmd_connect): the secret is wiped after
 * each login all the same and asked from its source again, except one
 * from IMAPCTL_PASSWORD, which has no source left and is kept.
 */
#define RECONNECTS	0x40
#define DRY_RUN_RO	0x80		/* with --dry-run, EXAMINE instead */
/*
 * Changes the server. When the reader of the output goes away, such a
 * command finishes what is in flight, starts nothing new, says what was
 * not done and exits 74; any other command stops at once and exits 0.
 */
#define CHANGES		0x100
/*
 * Exchanges a few lines: COMPRESS, a round trip of its own, is not sent
 * unless the account asks for it (compress = true).
 */
#define SHORT_TALK	0x200
/*
 * Takes messages away (delete, --trash or not): a message named that is
 * gone already is what was asked, named on standard error with the
 * status left at 0, and what was done is said as deleted.
 */
#define DELETES		0x400

#define MONITORING_UNKNOWN	3

struct command {
	const char	*name;
	int		(*fn)(int argc, char **argv, struct ctx *);
	unsigned	 flags;
	const struct opt *opts;
	const char	*usage;		/* operands and options, for -h */
	const char	*summary;
	int		 min_args;
	int		 max_args;	/* -1: no limit */
	const char	*operands;	/* completion: a kind each, the last repeated */
	/*
	 * The operands and options alone, before anything is read or
	 * connected: 0, or the exit status with the usage error left for
	 * main (cmd_usage), so that a typo is reported as one even with
	 * the server down and before a password command runs. NULL:
	 * nothing to check first.
	 */
	int		(*check)(int argc, char **argv, struct ctx *);
	/*
	 * The capabilities the command's first commands are built for
	 * ("CAP1 CAP2 ..."), or NULL. Set: they go in the write of the
	 * login, before its answer tells what the server offers once
	 * logged in (cmd_logged_in); until then these are assumed, unless
	 * what the server said before login already tells.
	 */
	const char	*assume;
};

struct auth_pending;
struct report;
struct settings;
struct settings_in;

struct ctx {
	const struct command	*cmd;
	struct emit		*emit;
	struct report		*report;	/* MONITORING: the result */
	struct settings		*settings;	/* main.c's, for cmd_connect */
	struct sess		*sess;
	const struct common_opts *common;	/* the shared options */
	const struct settings_in *in;	/* the global options' settings */
	struct err		 err;
	/*
	 * A usage error the command or its check found (cmd_usage): main
	 * says it once, with the usage line, when the command returns.
	 */
	struct err		 usage;
	int			 status;	/* exit status so far */
	/*
	 * Set before cmd_connect: the secret stays after login, for a
	 * second login of the same account (check's SMTP submission),
	 * until cmd_forget_secret.
	 */
	int			 keep_secret;
	struct progress		*progress;	/* the line on stderr, or NULL */
	/*
	 * Set by a command's check: no MAILBOX operand to select before
	 * the command runs (records on standard input name theirs, and
	 * the command selects each itself); what the check read, freed by
	 * data_free whatever path the run takes.
	 */
	int			 no_select;
	void			*data;
	void			(*data_free)(void *);
	/* Errors are about this mailbox: they begin with its name. */
	const char		*where;
	/*
	 * The login on its way with the command's first commands (see
	 * struct command's assume), until cmd_logged_in; whether they were
	 * built on assumed capabilities; no_ahead: log in first, waited for.
	 */
	struct auth_pending	*login;
	int			 guessed;
	int			 no_ahead;
};

/*
 * --progress and --no-progress, for the commands that work long: a line
 * on standard error that says how far they are (lib/progress.h), shown
 * when standard error is a terminal unless these say otherwise.
 */
#define CMD_OPT_PROGRESS \
	OPT_BOOL(0, "progress", &common_opts.progress, "show the progress " \
	    "line on standard error even when it is not a terminal"), \
	OPT_BOOL(0, "no-progress", &common_opts.no_progress, "never show " \
	    "the progress line")

/*
 * The progress line of the command (which must have CMD_OPT_PROGRESS),
 * in ctx->progress, or NULL when none is shown; total 0: not known.
 * cmd_fail and cmd_warn take it away before they write, and it comes
 * back with the next progress_add.
 */
struct progress	*cmd_progress_begin(struct ctx *, const char *unit,
		    uint64_t total);
void		 cmd_progress_end(struct ctx *);

extern const struct command commands[];
extern const struct opt global_opts[];

const struct command	*command_find(const char *);
/*
 * Connect, log in and select as the command's flags say, closing the
 * session there was: for MONITORING commands, which connect themselves,
 * and to reconnect (RECONNECTS). -1 with ctx->err set; ctx->sess then
 * holds what was reached, for its timings.
 */
int			 cmd_connect(struct ctx *, int argc, char **argv);
/*
 * The answer of the login that went with the command's first commands:
 * 0 when logged in (at once when the login was not on its way); else -1
 * with ctx->err set to the login's error, whatever the commands that
 * went with it got. Call it before looking at what they got.
 */
int			 cmd_logged_in(struct ctx *);
/*
 * After cmd_logged_in: whether what went with the login was built on
 * capabilities assumed, of which used ("CAP1 CAP2 ...") were relied on,
 * and the server turns out not to offer one of them; when it did not
 * tell them, whether what went failed (failed set). Then
 * cmd_connect_again logs in anew, waiting for the answer before anything
 * else, and the command starts again with what the server offers: the
 * same as if it had never guessed.
 */
int			 cmd_guessed_wrong(struct ctx *, const char *used,
			    int failed);
int			 cmd_connect_again(struct ctx *);
/* The secret kept by keep_secret, wiped. */
void			 cmd_forget_secret(struct ctx *);
/* Server, port and user as far as cmd_connect learnt them, else NULL. */
void			 cmd_target(const struct ctx *, const char **host_r,
			    const char **port_r, const char **user_r);
int			 cmd_fail(struct ctx *, const struct err *);
int			 cmd_failf(struct ctx *, enum err_kind, const char *, ...)
			    __attribute__((format(printf, 3, 4)));
void			 cmd_warn(struct ctx *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
/*
 * A usage error, a value until main says it once the command returns (the
 * first one found; with the usage line, or as a monitoring plugin's
 * UNKNOWN result): returns ERR_USAGE. Commands and their checks never
 * print one.
 */
int			 cmd_usage(struct ctx *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
/* The same, with the message of e (the query compiler's, a parser's). */
int			 cmd_usage_err(struct ctx *, const struct err *);
void			 help_command(const struct command *, FILE *);
void			 help_main(FILE *);
/* help.c: the groups of "imapctl help", examples, search's terms. */
const char		*help_group_name(int);
int			 help_group(const char *command);
void			 help_extra(const struct command *, FILE *);

/*
 * Whether what imapctl creates is to be subscribed to: yes, unless the
 * account says "subscribe = no".
 */
int			 mailbox_want_subscribe(const struct ctx *);
/* Whether LIST shows name as a mailbox that can hold mail. */
int			 mailbox_exists(struct ctx *, const char *name,
			    int *exists_r, struct err *);

struct mbox_status;
void			 emit_mbox_counts(struct emit *,
			    const struct mbox_status *, int modseq);
/*
 * After mbox_status_many failed with e: the refusals in errs said, each
 * with its name, then e, whose kind it returns (and the exit status is).
 */
int			 cmd_status_failed(struct ctx *, const char *const *names,
			    struct err *errs, size_t n, const struct err *e);

/* Each command's entry point and option table. */
#define COMMAND(n) \
	int cmd_##n(int, char **, struct ctx *); \
	extern const struct opt n##_opts[]
#define COMMAND_CHECK(n) \
	COMMAND(n); \
	int check_##n(int, char **, struct ctx *)

COMMAND(list);
COMMAND(status);
COMMAND(info);
COMMAND_CHECK(search);
COMMAND_CHECK(flag);
COMMAND_CHECK(move);
COMMAND_CHECK(delete);
COMMAND_CHECK(append);
COMMAND_CHECK(mailbox);
COMMAND_CHECK(raw);
COMMAND(help);
COMMAND(completion);
COMMAND(complete);
COMMAND_CHECK(fetch);
COMMAND_CHECK(check);
COMMAND(quota);
COMMAND(watch);

/*
 * fetch's summary records (as "fetch --summary" prints them) of the
 * messages of each set next() gives (1 with a set in the buffer, 0 at the
 * end), set after set, in that order, pipelined: for search --summary.
 * The mailbox is selected. Returns 0 or the exit status, error printed.
 */
/*
 * --in: each LIST pattern that named no selectable mailbox is said on
 * standard error; when none of them named any, that is the failure of a
 * missing mailbox (69), as for search MAILBOX. Returns that status or 0.
 */
struct multi;
int			 search_in_unmatched(struct ctx *, const struct multi *);

struct buf;
typedef int (*fetch_next_fn)(void *, struct buf *);
int			 fetch_summaries(struct ctx *, const char *mailbox,
			    fetch_next_fn, void *);

#endif
