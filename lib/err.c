/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "banned.h"

/* Set the error and return -1, so callers can write "return err_set(...)". */
int
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	e->code[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
err_set_code(struct err *e, const char *code, size_t len)
{
	if (e == NULL)
		return;
	if (len >= sizeof(e->code))
		len = sizeof(e->code) - 1;
	memcpy(e->code, code, len);
	e->code[len] = '\0';
}

void
err_clear(struct err *e)
{
	e->kind = ERR_NONE;
	e->code[0] = '\0';
	e->msg[0] = '\0';
}

/* Put context in front of the message: "selecting 'Foo': <old message>". */
void
err_prefix(struct err *e, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	size_t n, k;
	va_list ap;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 3);
		n += 2;
		/* The old message after it, cut where the room ends. */
		k = strnlen(old, sizeof(old) - 1);
		if (k > sizeof(e->msg) - n - 1)
			k = sizeof(e->msg) - n - 1;
		memcpy(e->msg + n, old, k);
		e->msg[n + k] = '\0';
	}
}
