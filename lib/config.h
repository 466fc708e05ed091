/* SPDX-License-Identifier: MIT */
/*
 * The configuration file, imapctl.conf(5): accounts in sections.
 *
 *   # comment
 *   [account NAME]
 *   key = value
 *
 * A value is the rest of the line without surrounding blanks, or a JSON
 * string when it starts with '"'. password_cmd and oauth2_token_cmd are a
 * shell command line, or a JSON array of strings: a program and its
 * arguments, run without a shell. Unknown sections and keys, bad values and
 * syntax errors are configuration errors naming the file and line.
 */
#ifndef IMAPCTL_CONFIG_H
#define IMAPCTL_CONFIG_H

#include <stddef.h>

#include "auth.h"
#include "err.h"
#include "sess.h"

#define CONFIG_MAX_FILE		(1 << 20)
#define CONFIG_MAX_LINE		8192
#define CONFIG_MAX_ACCOUNTS	1000
#define CONFIG_MAX_ARGV		256

/*
 * The names of enum tls_mode (sess.h), as --tls and the account's tls
 * take them; auth's are auth_mech_choices (auth.h).
 */
struct choices;
extern const struct choices tls_mode_choices;

/* One account; what the file did not set is NULL or -1. */
struct account {
	char		*name;
	unsigned	 line;		/* of its [account NAME] */
	char		*host;
	char		*port;
	char		*user;
	char		*cafile;
	char		*cert;		/* client certificate */
	char		*key;		/* its key */
	int		 tls;		/* enum tls_mode, or -1 */
	int		 auth;		/* enum auth_mech, or -1 */
	int		 timeout_ms;	/* or -1 */
	int		 sasl_ir;	/* 0, 1, or -1 */
	int		 id;		/* 0, 1, or -1 */
	int		 allow_cleartext; /* 0, 1, or -1 */
	int		 compress;	/* 0, 1, or -1 */
	int		 retry;		/* retries when throttled, or -1 */
	int		 is_default;	/* 1 for "default = true" */
	int		 subscribe;	/* subscribe to what is created */
	char		*trash;		/* the Trash, where nothing says */
	char		**password_cmd;	/* argv, NULL-terminated, or NULL */
	char		**token_cmd;	/* the same */
	char		*proxy;		/* a proxy URL, checked */
	char		**tunnel;	/* argv, or NULL */
	char		*proxy_user;
	char		**proxy_password_cmd;	/* argv, or NULL */
	/* check --send-via: the SMTP login, where it is not the IMAP one. */
	char		*smtp_user;
	char		**smtp_password_cmd;
};

struct config {
	char		*path;
	struct account	*accounts;
	size_t		 naccounts;
};

/*
 * Read the file. A missing file is an empty configuration unless
 * must_exist. A regular file must be owned by the user (or root) and not
 * writable by group or others; one that holds password or token commands
 * must not be readable by them either.
 */
int	config_load(struct config *, const char *path, int must_exist,
	    struct err *);
int	config_parse(struct config *, const char *name, const char *text,
	    size_t len, struct err *);
const struct account *config_account(const struct config *,
	    const char *name);
const struct account *config_default(const struct config *);
int	config_has_secrets(const struct config *);
void	config_free(struct config *);

/*
 * A duration (duration_parse: seconds, or with s, min, m, h, d, w), more
 * than 0, at most a day.
 */
int	config_parse_timeout(const char *, int *ms_r);

/* Retries of a throttled command (--retry, retry =): 0 to the maximum. */
#define CONFIG_MAX_RETRY	100
int	config_parse_retry(const char *, int *n_r);

/* A command as argv: JSON array of strings, or /bin/sh -c LINE. */
char	**config_command(const char *, const char **why_r);
void	config_argv_free(char **);

#endif
