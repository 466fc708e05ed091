/* SPDX-License-Identifier: MIT */
/*
 * An IMAP session: connection, greeting, STARTTLS, capabilities, tagged
 * commands with pipelining, untagged dispatch, selected-mailbox state.
 *
 * Commands are built by a quoting formatter (sess_send), never by sprintf,
 * so no user string reaches the wire raw. Several commands may be in flight:
 * sess_send queues, sess_wait reads until the given command has completed,
 * dispatching untagged responses to the session's handler as they arrive.
 */
#ifndef IMAPCTL_SESS_H
#define IMAPCTL_SESS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "net.h"
#include "parser.h"

enum tls_mode {
	TLS_IMPLICIT,
	TLS_STARTTLS,
	TLS_NONE
};

enum sess_state {
	SESS_DISCONNECTED,
	SESS_NOT_AUTHENTICATED,
	SESS_AUTHENTICATED,
	SESS_SELECTED,
	SESS_LOGOUT
};

struct sess_opts {
	const char	*host;
	const char	*port;
	enum tls_mode	 tls;
	struct tls_opts	 tlso;
	int		 timeout_ms;
	const struct proxy *proxy;	/* or NULL: connect directly */
	char *const	*tunnel;	/* or NULL: a command to talk to */
	uint64_t	 max_literal;
	FILE		*trace;		/* --debug: protocol lines, or NULL */
};

/*
 * Moments of a session's set-up, for a probe that reports how long each
 * step took. Each is taken once, the first time it happens, on the
 * monotonic clock.
 */
enum sess_mark {
	SESS_MARK_START,	/* sess_connect called */
	SESS_MARK_TCP,		/* host resolved, TCP connected */
	SESS_MARK_TLS_START,	/* TLS handshake begun (implicit or STARTTLS) */
	SESS_MARK_TLS_DONE,	/* TLS handshake completed */
	SESS_MARK_GREETING,	/* greeting read */
	SESS_MARK_READY,	/* sess_connect done: ready to log in */
	SESS_MARK_AUTHENTICATED, /* state became authenticated */
	SESS_MARK_COUNT
};

struct sess;

/* An untagged response; return -1 (with the error set) to abort. */
typedef int (*sess_handler_fn)(void *ctx, struct sess *,
    const struct imap_resp *, struct err *);

/*
 * The bytes of a streamed literal (%L), for data too large to hold: fill
 * at most len bytes of p and return how many (0 only when nothing is
 * left), or -1 with the error set. The session asks until the literal's
 * size is reached and fails the command if the source ends before it.
 */
typedef ssize_t (*sess_literal_fn)(void *ctx, char *p, size_t len,
    struct err *);

/* A continuation request ("+ ...") while a command waits for one. */
typedef int (*sess_cont_fn)(void *ctx, struct sess *,
    const struct imap_resp *, struct err *);

/* A command in flight. The caller owns it until sess_wait returns. */
struct sess_cmd {
	unsigned		 tag;
	int			 done;
	int			 secret;	/* trace shows <redacted> */
	enum imap_status	 status;
	char			 code[ERR_CODE_MAX];	/* first code atom */
	char			 text[ERR_MSG_MAX];
	/* Optional: sees the tagged completion (for COPYUID etc.). */
	void			(*on_done)(void *, const struct imap_resp *);
	void			*on_done_ctx;
	struct sess_cmd		*next;		/* in-flight queue */
};

/* What SELECT/EXAMINE reported about the selected mailbox. */
struct sess_mailbox {
	char		*name;		/* UTF-8 */
	int		 readonly;
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint32_t	 exists;
	int		 exists_seen;	/* the server said EXISTS */
	uint64_t	 highestmodseq;
};

struct sess	*sess_new(const struct sess_opts *);
void		 sess_free(struct sess *);
int		 sess_connect(struct sess *, struct err *);
int		 sess_logout(struct sess *);
/*
 * Queue LOGOUT now, behind the commands already queued, so that it goes
 * in the same write as the last of them: a command that knows it has
 * nothing more to ask saves the round trip of saying goodbye afterwards.
 * sess_logout then only waits for its answer. Once only; nothing may be
 * sent after it.
 */
int		 sess_send_logout(struct sess *, struct err *);
/*
 * Logged in (and whatever belongs to it done): from sess_connect until
 * now the session's timeout bounded all of it together; from now on it
 * bounds each wait (net.h).
 */
void		 sess_setup_done(struct sess *);
/*
 * COMPRESS=DEFLATE (RFC 4978) when the server offers it: one round trip,
 * then everything both ways is compressed. Not offered or refused: 0,
 * nothing changes. -1 when the exchange failed.
 */
int		 sess_compress(struct sess *, struct err *);

void		 sess_set_state(struct sess *, enum sess_state);
enum sess_state	 sess_state(const struct sess *);

int		 sess_has_cap(struct sess *, const char *);
int		 sess_caps(struct sess *, const char **caps_r, struct err *);
int		 sess_refresh_caps(struct sess *, struct err *);
void		 sess_forget_caps(struct sess *);
const char	*sess_greeting(const struct sess *);
struct conn	*sess_conn(struct sess *);
const struct sess_opts *sess_options(const struct sess *);
/* Seconds from mark a to mark b, or -1 when either has not happened. */
double		 sess_elapsed(const struct sess *, enum sess_mark a,
		    enum sess_mark b);
/* Seconds from mark a until now, or -1 when it has not happened. */
double		 sess_since(const struct sess *, enum sess_mark a);

void		 sess_set_handler(struct sess *, sess_handler_fn, void *);
void		 sess_set_cont(struct sess *, sess_cont_fn, void *);
void		 sess_set_sink_fn(struct sess *, imap_sink_fn, void *);
/* Off: long SEARCH and SORT lines come whole (see parser.h). */
void		 sess_set_splits(struct sess *, int on);
void		 sess_set_idle(struct sess *, conn_idle_fn, void *);
/*
 * Stop as soon as fd's reader goes away (see conn_set_hangup_fd): the
 * waits and reads fail with ERR_OUTPUT_GONE, the session is broken, and
 * sess_logout says goodbye without waiting for the server.
 */
void		 sess_set_hangup_fd(struct sess *, int fd);

/* One piece of a command assembled at run time, for %V. */
enum sess_piece_type {
	SESS_PIECE_TEXT,		/* trusted text, as %s */
	SESS_PIECE_STRING,		/* a user string, as %Q */
	SESS_PIECE_ASTRING,		/* a user string, as %A */
	SESS_PIECE_SET			/* a sequence set, as %S */
};

struct sess_piece {
	enum sess_piece_type	 type;
	const char		*s;
	size_t			 len;
};

/*
 * Queue a command. Formats:
 *   %s  a trusted keyword or fragment (no CR, LF or NUL)
 *   %u  unsigned int            %U  uint64_t
 *   %A  astring: atom, quoted string or literal as the text requires
 *   %Q  string: quoted or literal, never an atom
 *   %M  mailbox name in UTF-8: encoded to modified UTF-7, then as %A
 *   %S  sequence set (digits, ':', ',', '*' only)
 *   %B  literal of binary data: (const void *, size_t)
 *   %V  pieces, written one after the other, each as its type says:
 *       (const struct sess_piece *, size_t n)
 *   %L  literal streamed from a callback, never held whole:
 *       (uint64_t size, sess_literal_fn, void *ctx)
 * Returns -1 with ERR_USAGE for a NUL in a string or a bad set. A %L
 * source that fails or ends early leaves the connection unusable (the
 * server waits for the rest of the literal): the session is marked broken.
 */
int	sess_send(struct sess *, struct sess_cmd *, struct err *,
	    const char *fmt, ...);
int	sess_vsend(struct sess *, struct sess_cmd *, struct err *,
	    const char *fmt, va_list);
int	sess_flush(struct sess *, struct err *);
int	sess_wait(struct sess *, struct sess_cmd *, struct err *);
int	sess_run(struct sess *, struct err *, const char *fmt, ...);
int	sess_cmd_check(const struct sess_cmd *, struct err *);
/* Whether tag[0..len) (as ESEARCH's "TAG" quotes it) is the command's. */
int	sess_cmd_tagged(const struct sess_cmd *, const char *tag, size_t len);
int	sess_read_one(struct sess *, struct err *);
int	sess_send_line(struct sess *, const char *, size_t, int secret,
	    struct err *);
int	sess_inflight(const struct sess *);
/*
 * Wait up to timeout_ms for a response to start (input already buffered
 * counts): 1 when there is some, 0 on timeout, -1 on error. For waits
 * longer than the session's timeout, such as IDLE.
 */
int	sess_poll(struct sess *, int timeout_ms, struct err *);

int	sess_select(struct sess *, const char *mailbox, int readonly,
	    struct err *);
const struct sess_mailbox *sess_selected(const struct sess *);

/* A mailbox name as the server sent it, as UTF-8 for output. */
void	sess_mailbox_decode(struct sess *, const char *, size_t, struct buf *);

/* A tagged NO/BAD or a BYE turned into an error value. */
int	sess_resp_error(const struct imap_resp *, struct err *);

#endif
