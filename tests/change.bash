# SPDX-License-Identifier: MIT
# tests/change.bash: helpers for the suites of commands that change mail
# (flag, move, delete, append, mailbox, raw).  Load after helpers:
#
#   load helpers
#   load change
#
# The server's state is read afterwards by separate commands (fetch,
# status, list), never taken from the changing command's own output:
#
#   srv_flags MAILBOX       "UID<TAB>FLAGS" a message, flags sorted, without
#                           \Recent (which only says who looked first)
#   srv_ids MAILBOX         the Message-IDs, one a line, sorted
#   srv_fetch MAILBOX SET FILTER
#                           jq FILTER over each message fetch prints
#   srv_count MAILBOX       how many messages
#   srv_uidvalidity MAILBOX
#   srv_mailboxes [--subscribed]
#                           the mailbox names, sorted, in UTF-8
#   fill_maildir MAILBOX N  put N small messages straight into the Maildir
#                           (fast: 20,000 take a fraction of a second);
#                           Dovecot picks them up at the next access
#   ctrace_count            the commands in a --debug trace ($stderr)

srv_fetch() {
	imapctl fetch "$1" "$2" -o jsonl | jq -r "$3"
}

srv_flags() {
	srv_fetch "$1" all '"\(.uid)\t\(.flags - ["\\Recent"] | sort | join(" "))"'
}

srv_ids() {
	srv_fetch "$1" all .message_id | sort
}

srv_count() {
	imapctl status "$1" -o json | jq '.[0].messages'
}

srv_uidvalidity() {
	imapctl status "$1" -o json | jq '.[0].uidvalidity'
}

srv_mailboxes() {
	imapctl list "$@" -o json | jq -r '.[].name' | sort
}

fill_maildir() {
	local box=$1 n=$2 dir=$IMAPCTL_TEST_MAILROOT/alice/Maildir
	[ "$box" = INBOX ] || dir=$dir/$box
	"$PYTHON" "$TESTS_DIR/dovecot/fill-maildir" "$dir" "$n"
}

ctrace_count() {
	# COMPRESS belongs to setting the session up, as logging in does.
	printf '%s\n' "$stderr" | grep '^C: ' |
		grep -vc '^C: A[0-9]* COMPRESS DEFLATE$'
}
