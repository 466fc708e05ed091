/* SPDX-License-Identifier: MIT */
/*
 * Maildir names, for a backup that mail readers (mutt, mblaze, notmuch)
 * read and that a later run continues.
 *
 * A message is the file cur/TIME.IuidvalidityUuid.imapctl:2,FLAGS: TIME
 * is its internal date (seconds), the unique part names the IMAP message
 * for good (UIDVALIDITY and UID), and FLAGS are the info letters of the
 * Maildir specification in ASCII order: D draft, F flagged, P passed
 * ($Forwarded), R replied (\Answered), S seen, T trashed (\Deleted).
 * Keywords get the lower-case letters a to z as Dovecot gives them: the
 * folder's file "dovecot-keywords" says which letter is which ("0 $Junk"
 * is a, "1 todo" is b...), so Dovecot itself reads such a Maildir with
 * its keywords; a folder has room for 26 keywords, others are not kept.
 *
 * A message is written in tmp/ with LF line ends (CR LF becomes LF), its
 * mtime set to its internal date, fsync'd (in batches), and renamed into
 * cur/ (it has info, so it belongs there), then cur/ is fsync'd; only then
 * is it reported.
 *
 * A mailbox is a folder in Maildir++ layout under the top directory:
 * INBOX is the top itself, any other mailbox the directory "." followed
 * by its name with the hierarchy delimiter as '.'; a '.', '/' or '%' in a
 * name's parts is written as %2E, %2F or %25, and a leading '.' of a part
 * too, so that every name maps to one directory and back.
 */
#ifndef IMAPCTL_MAILDIR_H
#define IMAPCTL_MAILDIR_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "uidset.h"

#define MAILDIR_NAME_MAX	256	/* a message file's name */

/* The info letters of IMAP flags ("\Seen \Answered $Forwarded kw"). */
void	maildir_flags(const char *flags, char out[8]);
/* The IMAP flags of info letters, appended to out (space-separated). */
int	maildir_imap_flags(const char *letters, struct buf *out);

/* A message's file name; returns its length, 0 if it does not fit. */
size_t	maildir_file_name(char *out, size_t len, time_t date,
	    uint32_t uidvalidity, uint32_t uid, const char *flags);
/*
 * The UIDVALIDITY and UID of a file name that maildir_file_name made
 * (whatever flags a mail reader gave it since): 1, or 0 for another file.
 */
int	maildir_parse_name(const char *name, uint32_t *uidvalidity_r,
	    uint32_t *uid_r);

/*
 * The folder of a mailbox (UTF-8 name, hierarchy delimiter delim, 0 for
 * none), relative to the top, appended to out: "" for INBOX, else
 * ".Name.Sub". 0, or -1 with e saying why there is none: the name is
 * empty, begins or ends with the delimiter or has two in a row, or the
 * folder name does not fit under out's ceiling.
 */
int	maildir_folder_name(const char *mailbox, char delim, struct buf *out,
	    struct err *e);

/*
 * What an earlier run left in a folder (its cur/ and new/): the UIDs of
 * uidvalidity in have, and in *other_r another UIDVALIDITY found (0 when
 * none), which means the server's mailbox was made anew and its messages
 * must not be mixed in. A folder that is not there is empty. -1 with
 * ERR_NOINPUT when it cannot be read.
 */
int	maildir_scan(const char *folder, uint32_t uidvalidity,
	    struct uidset *have, uint32_t *other_r, struct err *);

/* Keywords: the folder's letters a..z. */
#define MAILDIR_KEYWORDS	26
struct maildir_keywords {
	char		*name[MAILDIR_KEYWORDS];
	int		 changed;	/* a keyword was added */
};

/* The folder's dovecot-keywords (none when it is not there). */
int	maildir_keywords_read(const char *folder, struct maildir_keywords *,
	    struct err *);
void	maildir_keywords_free(struct maildir_keywords *);
/*
 * The info letters of flags: system letters, then the keywords' letters
 * (added to kw when there is room); out holds at least 8 + 26 bytes.
 */
#define MAILDIR_INFO_MAX	(8 + MAILDIR_KEYWORDS)
void	maildir_info(const char *flags, struct maildir_keywords *,
	    char out[MAILDIR_INFO_MAX]);
/* The IMAP flags of a file name's info (after ":2,"), appended to out. */
int	maildir_info_flags(const char *info, const struct maildir_keywords *,
	    struct buf *out);

/* Writing a folder. */
struct maildir_out;

/*
 * What a commit says of each message: the path of its file and its size,
 * or a failure in e (the file is not there).
 */
typedef void (*maildir_done_fn)(void *arg, uint32_t uid, const char *path,
    uint64_t size, const struct err *e);

#define MAILDIR_BATCH_FILES	64	/* finished files not committed */
#define MAILDIR_BATCH_BYTES	(64u << 20)

/* The folder (cur, new, tmp made 0700 as needed); ERR_CANTCREAT. */
struct maildir_out *maildir_out_open(const char *folder,
	    maildir_done_fn, void *arg, struct err *);
/* Files still in tmp/ are removed. */
void	maildir_out_free(struct maildir_out *);
/* A message: a file in tmp/, 0600. */
int	maildir_out_begin(struct maildir_out *, struct err *);
/* Its bytes, as IMAP sends them (CR LF). */
int	maildir_out_write(struct maildir_out *, const char *, size_t,
	    struct err *);
/* Cut short: removed. */
void	maildir_out_abort(struct maildir_out *);
/*
 * Complete: named (date, UIDVALIDITY, UID, flags), it waits for the
 * commit; a full batch is committed here.
 */
int	maildir_out_finish(struct maildir_out *, time_t date,
	    uint32_t uidvalidity, uint32_t uid, const char *flags,
	    struct err *);
/*
 * fsync each finished file, set its mtime, rename it into cur/, write
 * dovecot-keywords when it changed, fsync cur/, then call done for each.
 * -1 when one or more failed (e holds the first failure).
 */
int	maildir_out_commit(struct maildir_out *, struct err *);

#endif
