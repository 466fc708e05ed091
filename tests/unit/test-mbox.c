/* SPDX-License-Identifier: MIT */
/*
 * mboxrd both ways: the writer's From line with the internal date and
 * the flags as mutt writes them; the reader gives back each message's
 * bytes (CR LF), date and flags, for mboxrd and mboxo input, LF or CR LF
 * line ends, read whole or through a one-byte stdio buffer; and a
 * message written and read back is the same message.
 */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "mbox.h"
#include "t.h"

/* All the messages of an mbox given as text, as "DATE|FLAGS|BYTES\n". */
static char *
read_all(const char *in, size_t inlen, int tiny_buffer, int *rc_r)
{
	static char iobuf[1];
	struct mbox_reader *r;
	const struct mbox_msg *m;
	struct buf out;
	struct err e;
	char *copy = malloc(inlen + 1);
	FILE *fp;
	char tmp[4096];
	size_t n;
	uint64_t got;
	int rc;

	memcpy(copy, in, inlen);
	fp = fmemopen(copy, inlen, "r");
	if (tiny_buffer)
		setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
	buf_init(&out, 8 << 20);
	r = mbox_reader_new(fp, "test");
	while ((rc = mbox_next(r, &m, &e)) > 0) {
		buf_putf(&out, "%lld|%s|", (long long)m->date, m->flags.s);
		got = 0;
		while ((n = fread(tmp, 1, sizeof(tmp), m->fp)) > 0) {
			buf_put(&out, tmp, n);
			got += n;
		}
		if (got != m->size)
			buf_puts(&out, "<size differs>");
		buf_putc(&out, '\n');
	}
	*rc_r = rc;
	mbox_reader_free(r);
	fclose(fp);
	free(copy);
	return buf_release(&out);
}

static void
check_read(const char *in, const char *want, const char *name)
{
	char label[200];
	char *got;
	int rc, tiny;

	for (tiny = 0; tiny < 2; tiny++) {
		got = read_all(in, strlen(in), tiny, &rc);
		snprintf(label, sizeof(label), "%s%s", name,
		    tiny ? " (byte by byte)" : "");
		t_ok(rc == 0, label);
		t_streq(got, want, label);
		free(got);
	}
}

static void
test_writer(void)
{
	struct mboxrd m;
	struct buf b;

	buf_init(&b, 1 << 16);
	mboxrd_begin(&m, 1709284923, "\\Seen \\Flagged $Junk \\Recent "
	    "\\Answered todo", &b);
	t_streq(b.s, "From MAILER-DAEMON Fri Mar  1 09:22:03 2024\n"
	    "Status: RO\nX-Status: AF\nX-Keywords: $Junk todo\n",
	    "the From line, Status, X-Status and X-Keywords");
	buf_reset(&b);
	mboxrd_begin(&m, -1, "", &b);
	t_streq(b.s, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"
	    "Status: O\n", "no flags: Status O; no date: the epoch");
	buf_reset(&b);
	mboxrd_begin(&m, 0, NULL, &b);
	t_streq(b.s, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n",
	    "NULL flags: the From line alone");
	buf_reset(&b);
	mboxrd_feed(&m, "A\r\nFrom x\r\n>From y\r\nZ", 21, &b);
	mboxrd_end(&m, &b);
	t_memeq(b.s, b.len, "A\n>From x\n>>From y\nZ\n\n", 22,
	    "escaping and the end");
	buf_free(&b);
}

static void
test_reader(void)
{
	check_read("", "", "an empty input has no message");
	check_read("\n\n", "", "empty lines alone: no message");
	check_read("From a@b Fri Mar  1 09:22:03 2024\nSubject: x\n\nbody\n\n",
	    "1709284923||Subject: x\r\n\r\nbody\r\n\n",
	    "one message: date, CR LF, the separator dropped");
	check_read("From a@b Fri Mar  1 09:22:03 2024\r\nSubject: x\r\n\r\n"
	    "body\r\n\r\n",
	    "1709284923||Subject: x\r\n\r\nbody\r\n\n", "CR LF input");
	check_read("From MAILER-DAEMON Fri Mar  1 09:22:03 2024\n"
	    "Status: RO\nX-Status: AF\nX-Keywords: $Junk todo\n"
	    "Subject: x\n\nb\n\n"
	    "From MAILER-DAEMON Sat Mar  2 09:22:03 2024\nStatus: O\n"
	    "Subject: y\n\n>From me\n>>From you\n>Fromage\nFrom the start\n\n",
	    "1709284923|\\Seen \\Answered \\Flagged $Junk todo|Subject: x\r\n"
	    "\r\nb\r\n\n"
	    "1709371323||Subject: y\r\n\r\nFrom me\r\n>From you\r\n>Fromage\r\n"
	    "From the start\r\n\n",
	    "two messages: flags taken and removed, one '>' removed");
	check_read("From x  Mon Jan  5 10:00 2015\nStatus: R\n X\n"
	    "X-Keywords: a,b (bad)\nSubject: z\nStatus: R\n\n\n\nend\n",
	    "1420452000|\\Seen a b|Subject: z\r\nStatus: R\r\n\r\n\r\n"
	    "\r\nend\r\n\n",
	    "folded fields go too; empty lines inside stay; keywords by "
	    "comma; a Status after the first block is the message's; the "
	    "last message needs no separator");
	check_read("From x Fri Mar  1 09:22:03 2024\nSubject: z\nStatus: RO\n"
	    "X-Status: F\nTo: y\n\nb\n",
	    "1709284923|\\Seen \\Flagged|Subject: z\r\nTo: y\r\n\r\nb\r\n\n",
	    "flags that come last, as mutt writes them, are taken too");
	check_read("From x whenever\nA: b\n\nc\n\nFrom y\n\n",
	    "-1||A: b\r\n\r\nc\r\n\n-1||\n",
	    "an unreadable date is -1; an empty message is one");
	check_read("From x Fri Mar  1 09:22:03 2024\nA: b\n\nFrom inside\n\n",
	    "1709284923||A: b\r\n\n-1||\n",
	    "a From line after an empty line starts a message (mboxo)");
	check_read("From x Fri Mar  1 09:22:03 2024\nA: b\nFrom inside\n\n",
	    "1709284923||A: b\r\nFrom inside\r\n\n",
	    "a From line not after an empty line is a line of the message");
	check_read("\n\nFrom x Fri Mar  1 09:22:03 2024\nA: b\n",
	    "1709284923||A: b\r\n\n", "leading empty lines are skipped");
}

static void
test_not_mbox(void)
{
	char *got;
	int rc;

	got = read_all("Subject: x\n\nbody\n", 17, 0, &rc);
	t_ok(rc == -1, "a file that does not start with From is no mbox");
	free(got);
}

static void
test_long_line(void)
{
	size_t n = MBOX_LINE_MAX * 2 + 100, i;
	char *in = malloc(n + 200), *got;
	const char *want;
	int rc;

	strcpy(in, "From x Fri Mar  1 09:22:03 2024\nStatus: ");
	i = strlen(in);
	memset(in + i, 'R', n);
	strcpy(in + i + n, "\n\n>From z\n");
	got = read_all(in, strlen(in), 0, &rc);
	want = "1709284923|\\Seen|\r\nFrom z\r\n\n";
	t_ok(rc == 0, "a long Status line");
	t_streq(got, want, "a long Status line is dropped whole, in pieces; "
	    "the body after it is intact");
	free(got);
	/* A body line longer than the line ceiling passes whole. */
	strcpy(in, "From x Fri Mar  1 09:22:03 2024\nA: b\n\n");
	i = strlen(in);
	memset(in + i, 'q', n);
	strcpy(in + i + n, "\n");
	got = read_all(in, strlen(in), 0, &rc);
	t_ok(rc == 0 && strlen(got) == 12 + 8 + n + 2 + 1,
	    "a body line longer than the ceiling comes through whole");
	free(got);
	free(in);
}

/* Written by mboxrd, read back: the same bytes, date and flags. */
static void
test_round_trip(void)
{
	static const char *const msgs[] = {
		"Subject: a\r\n\r\nFrom here\r\n>From there\r\n\r\n",
		"Subject: b\r\n\r\n\r\n",
		"Subject: c\r\nX: y\r\n\r\nno final line break",
		"Subject: d\r\n\r\n>>>From x\r\n.\r\n",
	};
	static const char *const flags[] = {
		"\\Seen", "", "\\Flagged \\Draft kw1", "\\Deleted \\Answered",
	};
	struct mboxrd m;
	struct buf b, want;
	char *got;
	size_t i;
	int rc;

	buf_init(&b, 1 << 16);
	buf_init(&want, 1 << 16);
	for (i = 0; i < 4; i++) {
		mboxrd_begin(&m, 1709284923 + (time_t)i, flags[i], &b);
		mboxrd_feed(&m, msgs[i], strlen(msgs[i]), &b);
		mboxrd_end(&m, &b);
		buf_putf(&want, "%lld|%s|%s%s\n", 1709284923LL + (long long)i,
		    i == 3 ? "\\Answered \\Deleted" : flags[i], msgs[i],
		    i == 2 ? "\r\n" : "");
	}
	got = read_all(b.s, b.len, 0, &rc);
	t_ok(rc == 0, "round trip: read back");
	t_streq(got, want.s, "round trip: the same messages, dates and flags "
	    "(a missing final line break is added; X-Status in one order)");
	free(got);
	buf_free(&b);
	buf_free(&want);
}

static void
test_asctime(void)
{
	char out[DATE_ASCTIME_MAX];

	t_ok(date_parse_asctime("Fri Mar  1 09:22:03 2024", 24) ==
	    1709284923, "asctime");
	t_ok(date_parse_asctime(" Fri Mar 1 09:22 2024 +0100", 27) ==
	    1709284920, "asctime without seconds, a zone after the year");
	t_ok(date_parse_asctime("Fri Feb 30 09:22:03 2024", 24) == -1,
	    "no February 30");
	t_ok(date_parse_asctime("Mar  1 09:22:03 2024", 20) == -1,
	    "the day name is needed");
	date_format_asctime(1709284923, out, sizeof(out));
	t_streq(out, "Fri Mar  1 09:22:03 2024", "formatted");
}

int
main(void)
{
	test_writer();
	test_reader();
	test_not_mbox();
	test_long_line();
	test_round_trip();
	test_asctime();
	return t_done();
}
