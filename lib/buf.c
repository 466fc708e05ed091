/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "xalloc.h"
#include "banned.h"

char buf_empty[1];

void
buf_init(struct buf *b, size_t max)
{
	b->s = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->cut = 0;
}

void
buf_free(struct buf *b)
{
	if (b->cap)
		free(b->s);
	buf_init(b, b->max);
}

/* Clear the content from memory before freeing: for secrets. */
void
buf_wipe(struct buf *b)
{
	if (b->cap)
		OPENSSL_cleanse(b->s, b->cap);
	buf_free(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->s[0] = '\0';
	b->cut = 0;
}

/* Make room for extra more bytes plus the terminator. */
int
buf_grow(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *n;

	if (b->cut || extra > b->max || b->len > b->max - extra)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	/*
	 * Not realloc: it would free the old block as it was, and a buffer
	 * may hold a password, a token or a command carrying one. Move the
	 * content by hand and wipe the block left behind.
	 */
	n = xmalloc(ncap);
	if (b->cap) {
		memcpy(n, b->s, b->len + 1);
		OPENSSL_cleanse(b->s, b->cap);
		free(b->s);
	} else
		n[0] = '\0';
	b->s = n;
	b->cap = ncap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_grow(b, n) < 0)
		return -1;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->cut)
		return -1;
	va_copy(cp, ap);
	n = vsnprintf(b->s + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if (b->cap && (size_t)n < b->cap - b->len) {
		if ((size_t)n > b->max - b->len) {
			b->s[b->len] = '\0';
			return -1;
		}
		b->len += (size_t)n;
		return 0;
	}
	if (buf_grow(b, (size_t)n) < 0) {
		b->s[b->len] = '\0';
		return -1;
	}
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (!b->cut && buf_add(b, p, n) < 0)
		b->cut = 1;
}

void
buf_putc(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void
buf_vputf(struct buf *b, const char *fmt, va_list ap)
{
	if (!b->cut && buf_vaddf(b, fmt, ap) < 0)
		b->cut = 1;
}

void
buf_putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vputf(b, fmt, ap);
	va_end(ap);
}

/* Drop the first n bytes. */
void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->s, b->s + n, b->len - n);
	b->len -= n;
	b->s[b->len] = '\0';
}

void
buf_truncate(struct buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->s[n] = '\0';
	}
}

/* Hand the string to the caller (always malloc'd) and reset the buffer. */
char *
buf_release(struct buf *b)
{
	char *s;

	if (b->cap)
		s = b->s;
	else
		s = xstrdup("");
	buf_init(b, b->max);
	return s;
}

int
buf_read_fd(struct buf *b, int fd)
{
	char tmp[4096];
	ssize_t n;
	int r = 0, saved;

	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_add(b, tmp, (size_t)n) < 0) {
			r = -2;
			break;
		}
	}
	if (n < 0)
		r = -1;
	saved = errno;
	OPENSSL_cleanse(tmp, sizeof(tmp));
	errno = saved;
	return r;
}
