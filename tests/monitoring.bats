#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The monitoring kit in monitoring/ (installed in /usr/share/imapctl):
# Prometheus alerting rules checked and unit-tested by promtool, a Grafana
# dashboard that plots only metrics check exports, the textfile script and
# its systemd units, and the Nagios and Icinga 2 command definitions, run
# against the test Dovecot.

load helpers

KIT=$BATS_TEST_DIRNAME/../monitoring

setup_file() {
	# LMTP and an auth socket for the delivery check's Postfix.
	export DOVECOT_MTA=1
	dovecot_setup_file
}
teardown_file() { dovecot_teardown_file; }

teardown() {
	[ -z "${POSTFIX_STATEDIR:-}" ] || "$TESTS_DIR/postfix/stop" "$POSTFIX_STATEDIR" 3>&-
}

# The metric names check -o prometheus writes for a server that answers
# everything (TLS, quota).
exported() {
	imapctl check -o prometheus | sed -n 's/^\(imapctl_[a-z_]*\){.*/\1/p' | sort -u
}

@test "promtool checks the alerting rules and runs their unit tests" {
	run promtool check rules "$KIT/imapctl.rules.yml"
	assert_success
	assert_line --partial "SUCCESS: 10 rules found"
	run promtool test rules "$BATS_TEST_DIRNAME/monitoring/rules.test.yml"
	assert_success
}

@test "the alerting rules use only metrics check exports (and node_exporter's file time)" {
	# What a delivery check adds, through a real Postfix into the test
	# Dovecot.
	POSTFIX_STATEDIR=$BATS_TEST_TMPDIR/postfix
	"$TESTS_DIR/postfix/start" "$POSTFIX_STATEDIR" "$DOVECOT_STATEDIR" 3>&- || {
		[ $? = 77 ] || return 1
		POSTFIX_STATEDIR=
		skip "Postfix runs as root only"
	}
	. "$POSTFIX_STATEDIR/env"
	names=$({ exported; imapctl --deadline 60 check \
		--send-via "smtp://127.0.0.1:$IMAPCTL_TEST_SUBMISSION_PORT" \
		--probe-to "alice@$IMAPCTL_TEST_MAIL_DOMAIN" -o prometheus |
		sed -n 's/^\(imapctl_[a-z_]*\){.*/\1/p'; } | sort -u)
	echo "$names" | grep -qx imapctl_delivery_success
	[ "$(echo "$names" | wc -l)" -ge 15 ]
	used=$(grep -oE '\bimapctl_[a-z_]+' "$KIT/imapctl.rules.yml" | sort -u)
	for m in $used; do
		echo "$names" | grep -qx "$m" || { echo "not exported: $m"; return 1; }
	done
	for m in imapctl_probe_success imapctl_tls_cert_not_after_timestamp_seconds imapctl_tls_cert_valid \
		imapctl_mailbox_oldest_unseen_age_seconds imapctl_quota_usage_ratio \
		imapctl_delivery_success imapctl_delivery_duration_seconds; do
		echo "$used" | grep -qx "$m"
	done
}

@test "the Grafana dashboard is JSON, plots per host and mailbox, and names only exported metrics" {
	d=$KIT/imapctl-grafana.json
	jq -e '.title and (.panels | length > 5)' "$d" >/dev/null
	names=$(exported)
	exprs=$(jq -r '.panels[].targets[].expr, .templating.list[].query | strings, (objects | .query)' "$d")
	used=$(echo "$exprs" | grep -oE '\bimapctl_[a-z_]+' | sort -u)
	[ -n "$used" ]
	for m in $used; do
		echo "$names" | grep -qx "$m" || { echo "not exported: $m"; return 1; }
	done
	# Nothing else that looks like a metric: only PromQL's own words.
	others=$(echo "$exprs" | grep -oE '\b[a-z]+(_[a-z]+)+\b' | grep -v '^imapctl_' | sort -u)
	assert_equal "$others" "label_values"
	# Every panel is filtered by the host variable, and split by mailbox
	# where the metric has one.
	assert_equal "$(jq '[.panels[].targets[].expr | select(test("host=~\"\\$host\"") | not)] | length' "$d")" 0
	assert_equal "$(jq -r '.templating.list[].name' "$d" | tr '\n' ' ')" "datasource host mailbox "
	# The expressions parse: as recording rules, for promtool.
	{
		echo "groups:"
		echo "  - name: dashboard"
		echo "    rules:"
		jq -r '.panels[].targets[].expr' "$d" | sed 's/\$host/.*/g; s/\$mailbox/.*/g' |
			awk '{ gsub(/\x27/, "\x27\x27"); printf "      - record: dashboard_%d\n        expr: \x27%s\x27\n", NR, $0 }'
	} >"$BATS_TEST_TMPDIR/dash.yml"
	run promtool check rules "$BATS_TEST_TMPDIR/dash.yml"
	assert_success
}

@test "imapctl-textfile writes the metrics whole, and replaces them when the check fails" {
	d=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$d" "$BATS_TEST_TMPDIR/bin" "$XDG_CONFIG_HOME/imapctl"
	ln -sf "$IMAPCTL" "$BATS_TEST_TMPDIR/bin/imapctl"
	conf=$XDG_CONFIG_HOME/imapctl/config
	cat >"$conf" <<-END
	[account probe]
	host = $IMAPCTL_TEST_HOST
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = $IMAPCTL_TEST_USER
	password_cmd = echo $IMAPCTL_TEST_PASS
	END
	chmod 600 "$conf"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH TEXTFILE_DIR=$d run --separate-stderr \
		"$KIT/imapctl-textfile" probe --warning-unseen 50
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(ls -A "$d")" imapctl-probe.prom
	grep -qx 'imapctl_probe_success{host="127.0.0.1",port="[0-9]*",user="alice",mailbox="INBOX"} 1' "$d/imapctl-probe.prom"
	grep -qx 'imapctl_mailbox_messages{.*} 5' "$d/imapctl-probe.prom"
	ino=$(stat -c %i "$d/imapctl-probe.prom")
	# The server is gone: the file is replaced (a new inode: renamed into
	# place, never written in place) and says so.
	sed -i "s/^port = .*/port = 1/" "$conf"
	IMAPCTL=$IMAPCTL TEXTFILE_DIR=$d run --separate-stderr "$KIT/imapctl-textfile" probe
	assert_success
	[[ $stderr == "imapctl-textfile: IMAP CRITICAL - cannot connect to 127.0.0.1 port 1"* ]]
	assert_equal "$(ls -A "$d")" imapctl-probe.prom
	[ "$(stat -c %i "$d/imapctl-probe.prom")" != "$ino" ]
	grep -qx 'imapctl_probe_success{.*} 0' "$d/imapctl-probe.prom"
	grep -qx 'imapctl_check_state{.*} 2' "$d/imapctl-probe.prom"
	! grep -q imapctl_mailbox_messages "$d/imapctl-probe.prom"
	[ "$(stat -c %a "$d/imapctl-probe.prom")" = 644 ]
	# No directory to write to: an error, nothing left behind.
	IMAPCTL=$IMAPCTL TEXTFILE_DIR=$d/none run --separate-stderr "$KIT/imapctl-textfile" probe
	assert_failure
	run "$KIT/imapctl-textfile"
	assert_failure 64
}

@test "systemd-analyze verify accepts the service and the timer" {
	d=$BATS_TEST_TMPDIR/units
	mkdir -p "$d/man/man1" "$d/man/man5"
	cp "$REPO_DIR/man/imapctl.1" "$d/man/man1/"
	cp "$REPO_DIR/man/imapctl.conf.5" "$d/man/man5/"
	sed "s|/usr/share/imapctl/imapctl-textfile|$KIT/imapctl-textfile|" \
		"$KIT/imapctl-textfile@.service" >"$d/imapctl-textfile@.service"
	cp "$KIT/imapctl-textfile@.timer" "$d/"
	ln -s imapctl-textfile@.service "$d/imapctl-textfile@probe.service"
	ln -s imapctl-textfile@.timer "$d/imapctl-textfile@probe.timer"
	cd "$d"
	MANPATH=$d/man run systemd-analyze verify ./imapctl-textfile@probe.service ./imapctl-textfile@probe.timer
	assert_success
	assert_output ""
	grep -qx 'ExecStart=/usr/share/imapctl/imapctl-textfile %i' "$KIT/imapctl-textfile@.service"
}

@test "the Nagios and Icinga 2 definitions name only check's options, and the Nagios one runs" {
	# check's own options, and the global ones (imapctl help lists them).
	opts=$({ "$IMAPCTL" check -h; "$IMAPCTL" help | sed -n '/^Global options:/,/^$/p'; } |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	for f in "$KIT/nagios-imapctl.cfg" "$KIT/icinga2-imapctl.conf"; do
		for o in $(grep -v '^\s*\(#\|//\)' "$f" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			echo "$opts" | grep -qx -- "$o" || { echo "$f: $o is not an option of check"; return 1; }
		done
	done
	# check_imapctl with its arguments, as Nagios fills them in.
	pw=$BATS_TEST_TMPDIR/pw
	echo "$IMAPCTL_TEST_PASS" >"$pw"
	chmod 600 "$pw"
	line=$(sed -n '/command_name\tcheck_imapctl$/{n;s/^\tcommand_line\t//p}' "$KIT/nagios-imapctl.cfg")
	[ -n "$line" ]
	line=${line//\/usr\/bin\/imapctl/$IMAPCTL --cafile $IMAPCTL_TEST_CAFILE}
	line=${line//\$ARG1\$/imaps://$IMAPCTL_TEST_USER@$IMAPCTL_TEST_HOST:$IMAPCTL_TEST_IMAPS_PORT}
	line=${line//\$ARG2\$/$pw}
	line=${line//\$ARG3\$/--warning-unseen 50 --warning-cert-days 21:}
	unset IMAPCTL_PASSWORD
	run sh -c "$line"
	assert_success
	assert_output --regexp '^IMAP OK - INBOX 5 messages, 3 unseen'
	# Icinga 2: every argument is a custom variable named after it.
	grep -E '^\s*"--' "$KIT/icinga2-imapctl.conf" | while read -r o _ v _; do
		[ "$v" = "\"\$imapctl_$(echo "${o//\"/}" | sed 's/^--//; s/-/_/g')\$\"" ] || [ "$v" = "{" ] ||
			{ echo "icinga2: $o = $v"; return 1; }
	done
}
