/* SPDX-License-Identifier: MIT */
/*
 * An IMAP session: connection, greeting, STARTTLS, capabilities, tagged
 * commands with pipelining, untagged dispatch, selected-mailbox state.
 *
 * Commands are built by a quoting formatter (see sess_pipe_send), never by
 * sprintf, so no user string reaches the wire raw.
 *
 * Every command goes through a pipeline (struct sess_pipe): the session
 * allocates the command and owns it while it is in flight; the pipeline
 * bounds how many are in flight, calls each command's done callback once,
 * and holds the callbacks for the responses that come meanwhile (struct
 * sess_scope). A pipeline ends on every path, and with it its callbacks:
 * whatever the server sends later reaches nothing the caller freed. Any
 * failure of a callback, of the connection or of the protocol breaks the
 * session: the commands in flight are abandoned (their done callbacks say
 * so), nothing more is sent, and LOGOUT is not attempted.
 */
#ifndef IMAPCTL_SESS_H
#define IMAPCTL_SESS_H

#include <stdarg.h>
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
	/*
	 * A command the server refuses for now (a throttling NO, see
	 * throttle.h) is sent again up to retries times (0: never), after a
	 * back-off; the session waits at most retry_wait_ms in all for them
	 * (0: no bound but the run's deadline). See "Retrying" below.
	 */
	unsigned	 retries;
	long		 retry_wait_ms;
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
	SESS_MARK_AUTHENTICATED, /* the login's OK read (or PREAUTH) */
	SESS_MARK_COUNT
};

struct sess;

/*
 * An untagged response, while the pipeline that installed the handler is
 * open. Return -1 with the error set to fail: the session is then broken
 * (whatever the error's kind), and every command in flight is abandoned.
 * A handler reads; it never sends.
 */
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

/*
 * Back to the first byte of a streamed literal's source (%R), so that a
 * command refused for now can be sent again whole: 0, or -1 with the
 * error set when it cannot be read again (the command then ends with the
 * refusal it had; the session stays sound).
 */
typedef int (*sess_rewind_fn)(void *ctx, struct err *);

/* A continuation request ("+ ...") while a command waits for one. */
typedef int (*sess_cont_fn)(void *ctx, struct sess *,
    const struct imap_resp *, struct err *);

/* How a command ended. */
struct sess_reply {
	enum imap_status	 status;	/* IMAP_ST_NONE: not answered */
	char			 code[ERR_CODE_MAX];	/* first code atom */
	char			 text[ERR_MSG_MAX];
	unsigned		 retried;	/* times sent again */
	/*
	 * In a done callback, the tagged response (a copy: its code with
	 * the code's arguments, such as COPYUID's sets); NULL when the
	 * command was not answered, and in a copy kept after the callback.
	 */
	const struct imap_resp	*resp;
};

/*
 * Retrying. With sess_opts.retries, a command that the server refuses for
 * now (NO that throttle_wait_ms() reads as temporary) does not end: the
 * pipeline waits, then sends the same bytes again under a new tag, and
 * its done callback gets the answer of the last attempt (reply.retried
 * says how many there were). The wait before retry k (0, 1, ...) is
 * between half and all of 1 s * 2^k (at most a minute), and never less
 * than the server suggests. Meanwhile the other commands of the pipeline
 * go on; the one waiting counts as in flight (its window place is kept),
 * and responses are not attributed to it (sess_pipe_oldest skips it).
 *
 * A command is sent again only when that cannot do twice what was done
 * once or deliver data twice to the handlers: the server sent nothing
 * between the answer before it (or its sending) and its NO, no untagged
 * response nor continuation request, so the refusal came before it did
 * anything (a NO is a command not carried out: COPY, APPEND and a UID
 * MOVE with no EXPUNGE change nothing). A refusal instead of the "+" of a
 * synchronizing literal, or after a literal, is one too: the command is
 * sent again from its start, its streamed literals (%R) rewound first.
 * Never a command with a literal streamed from a source that cannot be
 * read again (%L), or whose literals held in memory exceed 1 MiB (a %R
 * literal is not held: it is read again); never LOGOUT, IDLE, STARTTLS or
 * COMPRESS; never once LOGOUT is queued, a signal stopped the run, the
 * run's deadline comes before the wait ends, or the session's wait bound
 * is used up: then the command ends with the refusal as without retries.
 * Waits and resends are written to the trace; a command's text is not.
 */

/*
 * A command's end: called exactly once for every command a pipeline sent,
 * before the pipeline ends: with the server's answer, or with status
 * IMAP_ST_NONE when the session failed first (the command may or may not
 * have been carried out). It runs outside the reading of responses, so it
 * may send commands on its own pipeline. Returning -1 (error set) fails
 * as a handler does: the session is broken.
 */
typedef int (*sess_done_fn)(void *ctx, struct sess *,
    const struct sess_reply *, struct err *);

/*
 * What a pipeline's commands need while they run, each optional: the
 * handler of untagged responses, the chooser of literal sinks (see
 * parser.h) and the continuation handler. Pipelines nest; each callback
 * comes from the innermost open pipeline that has one. When a pipeline
 * ends its callbacks are gone: no response reaches them afterwards.
 */
struct sess_scope {
	sess_handler_fn	 untagged;
	imap_sink_fn	 sink;
	sess_cont_fn	 cont;
	void		*ctx;
};

/* What SELECT/EXAMINE reported about the selected mailbox. */
struct sess_mailbox {
	char		*name;		/* UTF-8 */
	int		 readonly;
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint32_t	 exists;
	int		 exists_seen;	/* the server said EXISTS */
	int		 exists_bad;	/* an EXISTS that was no count */
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
 * sent after it. Not with retries (sess_opts.retries): a command may have
 * to be sent again after it, so sess_logout says goodbye at the end.
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

/*
 * Capabilities are learnt when connecting and when logging in, from
 * response codes or by asking once; these never touch the network.
 */
int		 sess_has_cap(const struct sess *, const char *);
/* " CAP1 CAP2 ... ", or NULL when the server has not told them. */
const char	*sess_caps(const struct sess *);
/* Login is on its way: what the server said before no longer holds. */
void		 sess_forget_caps(struct sess *);
/*
 * Login is on its way, and commands go with it before its answer: until
 * the server tells the capabilities of the logged-in state, answer from
 * what it said before login and assumed ("CAP1 CAP2 ...") as if it had
 * said that. The guess ends when the server tells them; sess_logged_in
 * then finds them told, else unknown (asked for unless LOGOUT is sent).
 */
void		 sess_guess_caps(struct sess *, const char *assumed);
/* Whether the capabilities are still the guess of sess_guess_caps. */
int		 sess_caps_guessed(const struct sess *);
/*
 * Logged in (the login command answered OK): authenticated state, as of
 * the moment sess_done_login read the OK, and the capabilities of that
 * state, asked for when the answer did not carry them.
 */
int		 sess_logged_in(struct sess *, struct err *);
const char	*sess_greeting(const struct sess *);
struct conn	*sess_conn(struct sess *);
const struct sess_opts *sess_options(const struct sess *);
/* Seconds from mark a to mark b, or -1 when either has not happened. */
double		 sess_elapsed(const struct sess *, enum sess_mark a,
		    enum sess_mark b);
/* Seconds from mark a until now, or -1 when it has not happened. */
double		 sess_since(const struct sess *, enum sess_mark a);

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
	SESS_PIECE_MAILBOX,		/* a mailbox name, as %M */
	SESS_PIECE_SET			/* a sequence set, as %S */
};

struct sess_piece {
	enum sess_piece_type	 type;
	const char		*s;
	size_t			 len;
};

struct sess_pipe;

/*
 * A pipeline on the session: at most limit commands in flight (0: no
 * limit), scope's callbacks (NULL: none of its own) while it is open.
 * Pipelines nest: an inner one is for work done while the outer one
 * waits for nothing.
 */
struct sess_pipe *sess_pipe_begin(struct sess *, const struct sess_scope *,
		    unsigned limit);
/*
 * Queue a command; done (may be NULL) gets its end. Waits first while
 * limit commands are in flight, reading responses. Formats:
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
 *   %R  the same, from a source that can be read again, so that the
 *       command can be retried (see "Retrying"):
 *       (uint64_t size, sess_literal_fn, sess_rewind_fn, void *ctx);
 *       ctx stays the callbacks' until the command's done is called
 *   %P  before A or Q: a secret, which the trace shows as <redacted>
 * Returns 0 when the command was queued: done will be called. Returns -1
 * with the error set when it was not, and done will not be called: with
 * the session sound (sess_broken() 0) nothing was sent, as for ERR_USAGE
 * (a NUL in a string, a bad set, a command too long); else the session
 * failed. A %L source that fails or ends early leaves the connection
 * unusable (the server waits for the rest of the literal): the session is
 * broken.
 */
int	sess_pipe_send(struct sess_pipe *, sess_done_fn, void *, struct err *,
	    const char *fmt, ...);
int	sess_pipe_vsend(struct sess_pipe *, sess_done_fn, void *,
	    struct err *, const char *fmt, va_list);
struct sess	*sess_pipe_sess(const struct sess_pipe *);
/* Commands of the pipeline sent and not yet answered. */
unsigned sess_pipe_inflight(const struct sess_pipe *);
/*
 * For an untagged handler, whose data answers which command: the done
 * context of the pipeline's oldest command in flight (responses come in
 * the order of the commands they answer), or of the one whose tag is
 * tag[0..len) (as ESEARCH's "TAG" quotes it); NULL if none.
 */
void	*sess_pipe_oldest(const struct sess_pipe *);
void	*sess_pipe_tagged(const struct sess_pipe *, const char *tag,
	    size_t len);
/* Wait until fewer than limit are in flight; done callbacks run. */
int	sess_pipe_room(struct sess_pipe *, struct err *);
/* Wait until at least one command ends (none in flight: at once). */
int	sess_pipe_step(struct sess_pipe *, struct err *);
/* Read and dispatch one response, then run the done callbacks due. */
int	sess_pipe_read(struct sess_pipe *, struct err *);
/* Wait until every command of the pipeline has ended. */
int	sess_pipe_drain(struct sess_pipe *, struct err *);
/*
 * End the pipeline, on every path: r is the caller's result so far (its
 * error in e is kept when r < 0). With the session sound, what is in
 * flight is waited for; else it is abandoned. Either way each command's
 * done is called, then the scope is gone and the pipeline freed. Returns
 * r, or -1 with e set when waiting failed.
 */
int	sess_pipe_end(struct sess_pipe *, int r, struct err *);

/*
 * One command with its own scope (NULL: none), waited for; *reply gets
 * its answer. -1 only when the session failed (or the command could not
 * be formatted, session sound).
 */
int	sess_call(struct sess *, const struct sess_scope *, struct sess_reply *,
	    struct err *, const char *fmt, ...);
/* The same as the session's last: LOGOUT goes in the same write. */
int	sess_call_last(struct sess *, const struct sess_scope *,
	    struct sess_reply *, struct err *, const char *fmt, ...);
/* One command, waited for: 0 on OK, else -1 with the error. */
int	sess_run(struct sess *, struct err *, const char *fmt, ...);
/* The error for a command that did not end in OK; 0 for OK. */
int	sess_reply_check(const struct sess_reply *, struct err *);
/*
 * For an exchange that cannot be sent again as it was, since the server
 * asked for parts of it (an AUTHENTICATE whose "+" were answered: the
 * caller starts it over, with new nonces): whether rep, refused for now,
 * may be tried again by the rules of "Retrying", *retried being the
 * tries so far (the session's own resends of it included). If so, the
 * back-off is waited and 1 returned, *retried one more; else 0 (the trace
 * says why; a signal ends the wait with 0), or -1 with e set when the
 * connection failed meanwhile. Only with nothing in flight.
 */
int	sess_retry_pause(struct sess *, const struct sess_reply *rep,
	    unsigned *retried, struct err *);
/* A done callback that copies the reply to ctx (a struct sess_reply). */
int	sess_done_keep(void *ctx, struct sess *, const struct sess_reply *,
	    struct err *);
/*
 * sess_done_keep for the login command: when its OK is read is noted, the
 * moment sess_logged_in takes as SESS_MARK_AUTHENTICATED, so that the
 * login's time holds nothing of the commands that went in its write and
 * were answered after it (the callback itself runs only with them).
 */
int	sess_done_login(void *ctx, struct sess *, const struct sess_reply *,
	    struct err *);
/* A line of its own, e.g. a SASL response; secret ones are not traced. */
int	sess_send_line(struct sess *, const char *, size_t, int secret,
	    struct err *);
/* The same, queued: it goes in the write of what follows it. */
int	sess_queue_line(struct sess *, const char *, size_t, int secret,
	    struct err *);
/* Whether the session failed (I/O, protocol, a callback): nothing more. */
int	sess_broken(const struct sess *);
/*
 * Wait up to timeout_ms for a response to start (input already buffered
 * counts): 1 when there is some, 0 on timeout, -1 on error. For waits
 * longer than the session's timeout, such as IDLE.
 */
int	sess_poll(struct sess *, int timeout_ms, struct err *);

int	sess_select(struct sess *, const char *mailbox, int readonly,
	    struct err *);
const struct sess_mailbox *sess_selected(const struct sess *);

/*
 * A mailbox name as the server sent it, as UTF-8 for output, into a buffer
 * of SESS_NAME_TEXT_MAX (names are cut there).
 */
#define SESS_NAME_TEXT_MAX	(1u << 20)
void	sess_mailbox_decode(struct sess *, const char *, size_t, struct buf *);

#endif
