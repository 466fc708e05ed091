/* SPDX-License-Identifier: MIT */
/*
 * The buffer's ceiling: an append that would pass it fails and changes
 * nothing; a put that would pass it cuts the text there for good, so the
 * text is always a whole prefix of what was put, never one with a hole.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "t.h"

static void
test_add(void)
{
	struct buf b;

	buf_init(&b, 8);
	t_ok(buf_adds(&b, "abcd") == 0, "an append under the ceiling");
	t_ok(buf_adds(&b, "efghi") < 0, "an append past the ceiling fails");
	t_memeq(b.s, b.len, "abcd", 4, "... and leaves the buffer as it was");
	t_ok(buf_addf(&b, "%s", "efghi") < 0, "so does a formatted one");
	t_streq(b.s, "abcd", "... leaving it as it was");
	t_ok(buf_adds(&b, "efgh") == 0, "up to the ceiling exactly");
	t_ok(b.len == 8 && !b.cut, "a failed append cuts nothing");
	buf_free(&b);
}

static void
test_put(void)
{
	struct buf b;

	buf_init(&b, 8);
	buf_puts(&b, "abc");
	buf_putf(&b, "%d", 1234);
	t_ok(!b.cut, "puts that fit");
	t_streq(b.s, "abc1234", "... are all there");
	buf_puts(&b, "xy");
	t_ok(b.cut, "a put past the ceiling cuts");
	buf_putc(&b, 'z');
	t_streq(b.s, "abc1234", "nothing after the cut, not even what fits");
	t_ok(buf_addc(&b, 'z') < 0, "an append after the cut fails too");
	t_ok(buf_addf(&b, "%c", 'z') < 0, "... a formatted one as well");
	buf_reset(&b);
	t_ok(!b.cut && b.len == 0, "a reset ends the cut");
	buf_puts(&b, "again");
	t_streq(b.s, "again", "... and puts go on");
	buf_free(&b);
}

int
main(void)
{
	test_add();
	test_put();
	return t_done();
}
