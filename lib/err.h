/* SPDX-License-Identifier: MIT */
/*
 * Errors are values. The core fills a struct err and returns -1; the
 * command layer prints it as one line and exits with its status.
 *
 * The kinds are the failure classes of the product contract; their values
 * are the sysexits.h statuses the command line exits with, so mapping is
 * the identity and nothing can drift.
 */
#ifndef IMAPCTL_ERR_H
#define IMAPCTL_ERR_H

enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE = 64,		/* bad option, set, query */
	ERR_DATA = 65,		/* bad input records, stale UIDVALIDITY */
	ERR_NOINPUT = 66,	/* an input file cannot be read */
	ERR_NOHOST = 68,	/* host not found */
	ERR_UNAVAILABLE = 69,	/* refused, NONEXISTENT, server said NO */
	ERR_INTERNAL = 70,
	ERR_CANTCREAT = 73,	/* an output file cannot be created */
	ERR_IO = 74,		/* reset, closed, BYE mid-command */
	ERR_TIMEOUT = 75,
	ERR_PROTOCOL = 76,	/* BAD, unparsable response */
	ERR_AUTH = 77,		/* authentication or TLS verification */
	ERR_CONFIG = 78,
	/*
	 * Not an exit status of its own: the reader of standard output went
	 * away (128 + SIGPIPE, as a shell shows it). The command line ends
	 * a reading command quietly with 0, a changing one with ERR_IO.
	 */
	ERR_OUTPUT_GONE = 141,
	/*
	 * Not an exit status of its own either: SIGINT, SIGTERM or SIGHUP
	 * stopped a changing command, which dies of it once it has said
	 * what it did and did not do (128 + the signal's number).
	 */
	ERR_INTERRUPTED = 128
};

#define ERR_CODE_MAX	64
#define ERR_MSG_MAX	1024

struct err {
	enum err_kind	kind;
	char		code[ERR_CODE_MAX];	/* server response code, "" if none */
	char		msg[ERR_MSG_MAX];
};

int	err_set(struct err *, enum err_kind, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	err_set_code(struct err *, const char *code, size_t len);
void	err_clear(struct err *);
void	err_prefix(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
