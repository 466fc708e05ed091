/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "choice.h"
#include "banned.h"

int
choice_parse(const struct choices *c, const char *s, int *value_r)
{
	const struct choice *p;

	for (p = c->v; p->name != NULL; p++)
		if (c->flags & CHOICE_NOCASE ? strcasecmp(s, p->name) == 0 :
		    strcmp(s, p->name) == 0) {
			*value_r = p->value;
			return 0;
		}
	return -1;
}

const char *
choice_name(const struct choices *c, int value)
{
	const struct choice *p;

	for (p = c->v; p->name != NULL; p++)
		if (p->value == value)
			return p->name;
	return NULL;
}

void
choice_list(const struct choices *c, char *out, size_t size)
{
	const struct choice *p;
	size_t len = 0;
	int n;

	if (size == 0)
		return;
	out[0] = '\0';
	if (c->hint != NULL) {
		snprintf(out, size, "%s", c->hint);
		return;
	}
	for (p = c->v; p->name != NULL && len < size; p++) {
		n = snprintf(out + len, size - len, "%s%s", p == c->v ? "" :
		    p[1].name == NULL ? " or " : ", ", p->name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int
choice_err(const struct choices *c, const char *what, const char *s,
    struct err *e)
{
	char use[256];

	choice_list(c, use, sizeof(use));
	return err_set(e, ERR_USAGE, "bad %s '%s': use %s", what, s, use);
}
