/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "mbox.h"

static const char from[] = "From ";

int
mboxrd_begin(struct mboxrd *m, time_t t, struct buf *out)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mn[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	memset(m, 0, sizeof(*m));
	m->bol = 1;
	if (t == (time_t)-1)
		t = 0;
	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	return buf_addf(out, "From MAILER-DAEMON %s %s %2d %02d:%02d:%02d "
	    "%d\n", wd[tm.tm_wday], mn[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

/* What was held at the start of a line, written as it came. */
static int
flush_prefix(struct mboxrd *m, struct buf *out)
{
	for (; m->gt > 0; m->gt--)
		if (buf_addc(out, '>') < 0)
			return -1;
	if (buf_add(out, from, m->from) < 0)
		return -1;
	m->from = 0;
	return 0;
}

static int
put(struct mboxrd *m, char c, struct buf *out)
{
	if (c == '\n') {
		if (m->bol && flush_prefix(m, out) < 0)
			return -1;
		m->bol = 1;
		m->last_nl = 1;
		return buf_addc(out, '\n');
	}
	m->last_nl = 0;
	if (m->bol) {
		if (c == '>' && m->from == 0) {
			m->gt++;
			return 0;
		}
		if (c == from[m->from]) {
			if (++m->from < sizeof(from) - 1)
				return 0;
			/* ">*From ": one more '>'. */
			m->from = 0;
			m->bol = 0;
			if (buf_addc(out, '>') < 0 || flush_prefix(m, out) < 0)
				return -1;
			return buf_add(out, from, sizeof(from) - 1);
		}
		m->bol = 0;
		if (flush_prefix(m, out) < 0)
			return -1;
	}
	return buf_addc(out, c);
}

int
mboxrd_feed(struct mboxrd *m, const char *s, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (m->cr) {
			m->cr = 0;
			if (s[i] != '\n' && put(m, '\r', out) < 0)
				return -1;
		}
		if (s[i] == '\r') {
			m->cr = 1;
			continue;
		}
		if (put(m, s[i], out) < 0)
			return -1;
	}
	return 0;
}

int
mboxrd_end(struct mboxrd *m, struct buf *out)
{
	if (m->cr) {
		m->cr = 0;
		if (put(m, '\r', out) < 0)
			return -1;
	}
	if (m->bol && (m->gt > 0 || m->from > 0) && flush_prefix(m, out) < 0)
		return -1;
	if (!m->last_nl && buf_addc(out, '\n') < 0)
		return -1;
	return buf_addc(out, '\n');
}
