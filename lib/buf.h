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
};

#define BUF_INIT(max_) { buf_empty, 0, 0, (max_) }

extern char buf_empty[1];

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_wipe(struct buf *);
void	buf_reset(struct buf *);
int	buf_grow(struct buf *, size_t extra);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addc(struct buf *, char);
int	buf_adds(struct buf *, const char *);
int	buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vaddf(struct buf *, const char *, va_list)
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
