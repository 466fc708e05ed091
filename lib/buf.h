/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer with a hard ceiling.
 *
 * Invariants: b->s is never NULL and always NUL-terminated (b->s[b->len]
 * == '\0'), the content is binary safe, and b->len never exceeds b->max.
 * An append that would pass the ceiling fails with -1 and leaves the buffer
 * unchanged, so a server can never make us allocate more than we allow.
 */
#ifndef IMAPCTL_BUF_H
#define IMAPCTL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 cut;	/* a buf_put* did not fit: nothing more was put */
};

#define BUF_INIT(max_) { buf_empty, 0, 0, (max_), 0 }

extern char buf_empty[1];

/*
 * An append can fail at the ceiling: its result must be looked at. Text
 * for which a cut at the ceiling is the intended outcome (a trace line, a
 * message for a person, a report line) is put with buf_put* instead.
 */
#define BUF_MUST_CHECK	__attribute__((warn_unused_result))

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_wipe(struct buf *);
void	buf_reset(struct buf *);
int	buf_grow(struct buf *, size_t extra) BUF_MUST_CHECK;
int	buf_add(struct buf *, const void *, size_t) BUF_MUST_CHECK;
int	buf_addc(struct buf *, char) BUF_MUST_CHECK;
int	buf_adds(struct buf *, const char *) BUF_MUST_CHECK;
int	buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3))) BUF_MUST_CHECK;
int	buf_vaddf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0))) BUF_MUST_CHECK;
/*
 * Appends whose cut is intended: a piece that does not fit is dropped with
 * all that follows (b->cut is set; buf_reset clears it), so the text is a
 * whole prefix of what was put, never one with a hole in it.
 */
void	buf_put(struct buf *, const void *, size_t);
void	buf_putc(struct buf *, char);
void	buf_puts(struct buf *, const char *);
void	buf_putf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_vputf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/*
 * Read fd to its end, appended to b: 0; -1 on a read error (errno says
 * which); -2 when it would pass b's max. The bytes that passed through
 * the stack are wiped (files read this way may hold passwords).
 */
int	buf_read_fd(struct buf *, int fd);
void	buf_consume(struct buf *, size_t);
void	buf_truncate(struct buf *, size_t);
char	*buf_release(struct buf *);

#endif
