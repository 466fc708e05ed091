/* SPDX-License-Identifier: MIT */
/*
 * Allocation that cannot fail: out of memory is fatal (exit 70), so callers
 * need no NULL checks. Sizes a server controls are bounded before they get
 * here.
 */
#ifndef IMAPCTL_XALLOC_H
#define IMAPCTL_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
/* For allocators of other libraries: report and exit 70. */
void	 xalloc_oom(void) __attribute__((noreturn));

#endif
