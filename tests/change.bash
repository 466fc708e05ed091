# tests/change.bash: helpers for the suites of commands that change mail
# (flag, move, delete, append, mailbox, raw).  Load after helpers:
#
#   load helpers
#   load change
#
# The server's state is read with doveadm, never with imapctl's own output:
#
#   dv_flags MAILBOX        "UID<TAB>FLAGS" a message, flags sorted, without
#                           \Recent (which only says who looked first)
#   dv_ids MAILBOX          the Message-IDs, one a line, sorted
#   dv_count MAILBOX        how many messages
#   dv_uidvalidity MAILBOX
#   dv_mailboxes [-s]       the mailbox names (-s: the subscribed ones),
#                           sorted, in UTF-8
#   fill_maildir MAILBOX N  put N small messages straight into the Maildir
#                           (fast: 20,000 take a fraction of a second);
#                           Dovecot picks them up at the next access
#   ctrace_count            the commands in a --debug trace ($stderr)

_doveadm() {
	doveadm -c "$IMAPCTL_TEST_CONF" "$@"
}

dv_flags() {
	_doveadm fetch -u "${2:-alice}" 'uid flags' mailbox "$1" all |
		awk '/^uid: / { uid = $2 }
		/^flags:/ {
			n = 0
			for (i = 2; i <= NF; i++)
				if ($i != "\\Recent")
					f[++n] = $i
			# A small insertion sort keeps this portable awk.
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && f[j - 1] > f[j]; j--) {
					t = f[j]; f[j] = f[j - 1]; f[j - 1] = t
				}
			s = ""
			for (i = 1; i <= n; i++)
				s = s (i > 1 ? " " : "") f[i]
			print uid "\t" s
		}'
}

dv_ids() {
	_doveadm fetch -u "${2:-alice}" 'hdr.message-id' mailbox "$1" all |
		sed -n 's/^hdr.message-id: //p' | sort
}

dv_count() {
	_doveadm search -u "${2:-alice}" mailbox "$1" all | wc -l
}

dv_uidvalidity() {
	_doveadm mailbox status -u "${2:-alice}" uidvalidity "$1" |
		sed 's/.*uidvalidity=//'
}

dv_mailboxes() {
	_doveadm mailbox list -u alice "$@" | sort
}

fill_maildir() {
	local box=$1 n=$2 dir=$IMAPCTL_TEST_MAILROOT/alice/Maildir
	[ "$box" = INBOX ] || dir=$dir/$box
	"$PYTHON" - "$dir" "$n" <<'EOF'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
base, pid = int(time.time()), os.getpid()
for i in range(n):
    body = (b"From: Bulk <bulk@example.com>\r\nSubject: bulk %d\r\n"
            b"Message-ID: <bulk-%d@example.com>\r\n\r\nMessage %d.\r\n"
            % (i, i, i))
    name = "%d.M%dP%d.fill,S=%d:2," % (base, i, pid, len(body))
    with open(os.path.join(d, "cur", name), "wb") as f:
        f.write(body)
EOF
	# The mail processes must own what they find.
	chown -R --reference="$dir" "$dir/cur"
}

ctrace_count() {
	printf '%s\n' "$stderr" | grep -c '^C: '
}
