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
 * Other keywords have no letter and are not kept.
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
 * none), relative to the top: "" for INBOX, else ".Name.Sub". -1 when the
 * name is empty or has an empty part.
 */
int	maildir_folder(const char *mailbox, char delim, struct buf *out);

/*
 * What an earlier run left in a folder (its cur/ and new/): the UIDs of
 * uidvalidity in have, and in *other_r another UIDVALIDITY found (0 when
 * none), which means the server's mailbox was made anew and its messages
 * must not be mixed in. A folder that is not there is empty. -1 with
 * ERR_NOINPUT when it cannot be read.
 */
int	maildir_scan(const char *folder, uint32_t uidvalidity,
	    struct uidset *have, uint32_t *other_r, struct err *);

#endif
