/* SPDX-License-Identifier: MIT */
/*
 * Maildir names: info letters both ways, file names that a later run
 * recognises whatever flags a reader gave them, Maildir++ folders for
 * any mailbox name, and the scan of what an earlier run left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"
#include "t.h"

static void
test_flags(void)
{
	struct buf b;
	char info[8];

	maildir_flags("\\Seen \\Deleted \\Answered $Forwarded \\Draft "
	    "\\Flagged \\Recent kw", info);
	t_streq(info, "DFPRST", "every letter, in ASCII order");
	maildir_flags("", info);
	t_streq(info, "", "no flags");
	maildir_flags("\\seen  \\SEEN", info);
	t_streq(info, "S", "case and repeats");
	buf_init(&b, 256);
	maildir_imap_flags("STRF", &b);
	t_streq(b.s, "\\Flagged \\Answered \\Seen \\Deleted",
	    "letters back to IMAP flags");
	buf_free(&b);
}

static void
test_names(void)
{
	char name[MAILDIR_NAME_MAX];
	uint32_t uv, uid;

	t_ok(maildir_file_name(name, sizeof(name), 1709284923, 1796624666,
	    42, "\\Seen \\Flagged") > 0, "a name");
	t_streq(name, "1709284923.I1796624666U42.imapctl:2,FS", "its form");
	t_ok(maildir_parse_name(name, &uv, &uid) && uv == 1796624666 &&
	    uid == 42, "parsed back");
	t_ok(maildir_parse_name("1709284923.I1796624666U42.imapctl:2,RST",
	    &uv, &uid) && uid == 42, "with the flags a reader set");
	t_ok(maildir_parse_name("1709284923.I1U4294967295.imapctl", &uv,
	    &uid) && uv == 1 && uid == 4294967295u,
	    "without info; the largest UID");
	t_ok(!maildir_parse_name("1709284923.I1U4294967296.imapctl", &uv,
	    &uid), "a UID past 32 bits is not ours");
	t_ok(!maildir_parse_name("1709284923.M1P2.host:2,S", &uv, &uid),
	    "another program's file");
	t_ok(!maildir_parse_name("x.I1U2.imapctl", &uv, &uid) &&
	    !maildir_parse_name(".I1U2.imapctl", &uv, &uid) &&
	    !maildir_parse_name("1.I0U2.imapctl", &uv, &uid) &&
	    !maildir_parse_name("1.I1U2.imapctlx", &uv, &uid),
	    "near misses");
}

/* want: the folder name; or NULL, and why: the error's words. */
static void
check_folder_max(const char *mailbox, char delim, size_t max,
    const char *want, const char *why)
{
	struct buf b;
	struct err e;
	int r;

	buf_init(&b, max);
	err_clear(&e);
	r = maildir_folder_name(mailbox, delim, &b, &e);
	if (want == NULL) {
		t_ok(r == -1 && e.kind == ERR_USAGE, mailbox);
		t_streq(e.msg, why, "... and why");
	} else
		t_ok(r == 0 && strcmp(b.s, want) == 0, mailbox);
	buf_free(&b);
}

static void
check_folder(const char *mailbox, char delim, const char *want,
    const char *why)
{
	check_folder_max(mailbox, delim, 4096, want, why);
}

static void
test_folders(void)
{
	char name[200], why[300];

	check_folder("INBOX", '/', "", NULL);
	check_folder("inbox", '.', "", NULL);
	check_folder("Lists/imap", '/', ".Lists.imap", NULL);
	check_folder("INBOX.Trash", '.', ".INBOX.Trash", NULL);
	check_folder("v1.2/notes", '/', ".v1%2E2.notes", NULL);
	check_folder("a/b", '.', ".a%2Fb", NULL);
	check_folder("100%", '/', ".100%25", NULL);
	check_folder(".hidden", '/', ".%2Ehidden", NULL);
	check_folder("Entwürfe", '/', ".Entwürfe", NULL);
	/* Each failure in its own words. */
	check_folder("", '/', NULL, "a mailbox with an empty name has no "
	    "Maildir folder name");
	check_folder("a//b", '/', NULL, "'a//b' has no Maildir folder name "
	    "(an empty part between two hierarchy delimiters '/')");
	check_folder("a/", '/', NULL, "'a/' has no Maildir folder name (it "
	    "ends with its hierarchy delimiter '/')");
	check_folder("/a", '/', NULL, "'/a' has no Maildir folder name (it "
	    "begins with its hierarchy delimiter '/')");
	check_folder_max("Lists/imap", '/', 11, ".Lists.imap", NULL);
	check_folder_max("Lists/imap", '/', 10, NULL, "the Maildir folder "
	    "name of 'Lists/imap' does not fit in 10 bytes");
	check_folder_max("v1.2", '/', 5, NULL, "the Maildir folder name of "
	    "'v1.2' does not fit in 5 bytes");
	/* A long name is said by its start, whole characters only. */
	memset(name, 'x', sizeof(name));
	memcpy(name + 63, "ü", 2);
	name[sizeof(name) - 1] = '\0';
	snprintf(why, sizeof(why), "the Maildir folder name of '%.63s...' "
	    "does not fit in 100 bytes", name);
	check_folder_max(name, '/', 100, NULL, why);
}

static void
touch(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f != NULL)
		fclose(f);
}

static void
test_scan(void)
{
	char top[] = "/tmp/test-maildir.XXXXXX", cur[600], new[600];
	struct uidset have;
	struct err e;
	uint32_t other;
	char cmd[700];

	if (mkdtemp(top) == NULL) {
		t_ok(0, "mkdtemp");
		return;
	}
	uidset_init(&have);
	t_ok(maildir_scan(top, 7, &have, &other, &e) == 0 && have.n == 0 &&
	    other == 0, "an empty folder (no cur, no new)");
	snprintf(cur, sizeof(cur), "%s/cur", top);
	snprintf(new, sizeof(new), "%s/new", top);
	mkdir(cur, 0700);
	mkdir(new, 0700);
	touch(cur, "100.I7U1.imapctl:2,S");
	touch(cur, "100.I7U2.imapctl:2,");
	touch(cur, "100.I7U3.imapctl:2,RS");
	touch(new, "100.I7U9.imapctl");
	touch(cur, "100.M1P2.host:2,S");
	t_ok(maildir_scan(top, 7, &have, &other, &e) == 0 && other == 0,
	    "scanned");
	t_ok(uidset_count(&have) == 4 && uidset_contains(&have, 9) &&
	    uidset_contains(&have, 3) && !uidset_contains(&have, 4),
	    "our files in cur and new, others ignored");
	touch(cur, "100.I8U1.imapctl:2,S");
	uidset_clear(&have);
	t_ok(maildir_scan(top, 7, &have, &other, &e) == 0 && other == 8,
	    "another UIDVALIDITY is told");
	uidset_free(&have);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	t_ok(system(cmd) == 0, "cleaned up");
}

static void
on_done(void *arg, uint32_t uid, const char *path, uint64_t size,
    const struct err *e)
{
	char *got = arg;
	size_t n = strlen(got);

	snprintf(got + n, 1024 - n, "%u %s %llu %s;", uid,
	    strrchr(path, '/') + 1, (unsigned long long)size,
	    e == NULL ? "ok" : "failed");
}

static void
test_keywords(void)
{
	struct maildir_keywords kw;
	char info[MAILDIR_INFO_MAX];
	struct buf b;

	memset(&kw, 0, sizeof(kw));
	maildir_info("\\Seen todo $Junk $Forwarded", &kw, info);
	t_streq(info, "PSab", "system letters, then a and b for keywords");
	t_ok(kw.changed && strcmp(kw.name[0], "todo") == 0 &&
	    strcmp(kw.name[1], "$Junk") == 0, "the keywords got a and b");
	maildir_info("$Junk", &kw, info);
	t_streq(info, "b", "a keyword keeps its letter");
	buf_init(&b, 256);
	maildir_info_flags("FSba", &kw, &b);
	t_streq(b.s, "\\Flagged \\Seen $Junk todo", "info back to flags");
	buf_free(&b);
	maildir_keywords_free(&kw);
}

static void
test_write(void)
{
	char top[] = "/tmp/test-maildir.XXXXXX", folder[600], path[800];
	char got[1024] = "", data[64];
	struct maildir_out *m;
	struct maildir_keywords kw;
	struct stat st;
	struct err e;
	FILE *fp;
	size_t n;

	if (mkdtemp(top) == NULL) {
		t_ok(0, "mkdtemp");
		return;
	}
	snprintf(folder, sizeof(folder), "%s/.A.b", top);
	err_clear(&e);
	m = maildir_out_open(folder, on_done, got, &e);
	t_ok(m != NULL, "a folder made with cur, new, tmp");
	if (m == NULL)
		return;
	t_ok(maildir_out_begin(m, &e) == 0 &&
	    maildir_out_write(m, "a\r\nb\r", 5, &e) == 0 &&
	    maildir_out_write(m, "\nlone\rcr\r\nend", 13, &e) == 0 &&
	    maildir_out_finish(m, 1709284923, 7, 42, "\\Seen kw", &e) == 0,
	    "a message written");
	t_streq(got, "", "not reported before the commit");
	t_ok(maildir_out_begin(m, &e) == 0 &&
	    maildir_out_write(m, "x", 1, &e) == 0, "another begun");
	maildir_out_abort(m);
	t_ok(maildir_out_commit(m, &e) == 0, "committed");
	t_streq(got, "42 1709284923.I7U42.imapctl:2,Sa 15 ok;",
	    "reported after it, with its name and size (LF line ends)");
	snprintf(path, sizeof(path), "%s/cur/1709284923.I7U42.imapctl:2,Sa",
	    folder);
	t_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_mtime == 1709284923, "in cur/, 0600, mtime the date");
	fp = fopen(path, "rb");
	n = fp != NULL ? fread(data, 1, sizeof(data), fp) : 0;
	if (fp != NULL)
		fclose(fp);
	t_memeq(data, n, "a\nb\nlone\rcr\nend", 15, "CR LF became LF");
	t_ok(maildir_keywords_read(folder, &kw, &e) == 0 && kw.name[0] !=
	    NULL && strcmp(kw.name[0], "kw") == 0, "dovecot-keywords");
	maildir_keywords_free(&kw);
	snprintf(path, sizeof(path), "%s/tmp", folder);
	t_ok(rmdir(path) == 0, "nothing left in tmp/");
	maildir_out_free(m);
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	t_ok(system(path) == 0, "cleaned up");
}

int
main(void)
{
	test_flags();
	test_names();
	test_folders();
	test_scan();
	test_keywords();
	test_write();
	return t_done();
}
