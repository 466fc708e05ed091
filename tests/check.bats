#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# check, the monitoring probe, and quota: each plugin state from a real
# cause (messages appended, a low quota, a short-lived certificate, a slow
# greeting, a dead server), the perfdata parsed, the Prometheus text
# checked by promtool, and the examples of the man page.

load helpers
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }
teardown() { hostile_stop || true; }

# append_msgs N [SUBJECT]: N unseen messages into alice's INBOX.
append_msgs() {
	"$PYTHON" - "$IMAPCTL_TEST_IMAP_PORT" "$1" "${2:-Test}" <<'EOF'
import imaplib, sys
port, n, subject = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port)
m.login("alice", "wonderland")
for i in range(n):
    m.append("INBOX", None, None, ("From: Test <test@example.com>\r\n"
             "Subject: %s %d\r\n\r\nbody\r\n" % (subject, i)).encode())
m.logout()
EOF
}

# perf LABEL: the value (with its unit) of LABEL in the perfdata of $output
# (a label with blanks is quoted: perf 'INBOX unseen'); fails unless every
# perfdata item is well-formed and no label comes twice.
perf() {
	local data=${output#* | } re label seen=' '
	[[ $output == "IMAP "*" - "*" | "* ]] || { echo "no perfdata: $output"; return 1; }
	re="^('([^'=]+)'|([a-z_]+))=(-?[0-9]+(\.[0-9]+)?(s|B|%)?)(;(@?(~|-?[0-9.]+)?:?(-?[0-9.]+)?)?){0,2}(;(-?[0-9.]+)?){0,2}( |$)"
	while [ -n "$data" ]; do
		[[ $data =~ $re ]] || { echo "bad perfdata at '$data'"; return 1; }
		label=${BASH_REMATCH[2]:-${BASH_REMATCH[3]}}
		[[ $seen != *" $label|"* ]] || { echo "label '$label' twice"; return 1; }
		seen+=" $label|"
		[[ $label != "$1" ]] || echo "${BASH_REMATCH[4]}"
		data=${data:${#BASH_REMATCH[0]}}
	done
}

# prom_check TEXT...: each TEXT through promtool's parser of the Prometheus
# text format (Debian package prometheus, which .ci/packages lists); where
# it is not installed the test is skipped, after its other assertions.
prom_check() {
	local t
	command -v promtool >/dev/null 2>&1 ||
		skip "promtool not installed (Debian package prometheus)"
	for t in "$@"; do
		printf '%s\n' "$t" | promtool check metrics || return 1
	done
}

@test "check: OK, one line on stdout, perfdata with units, exit 0" {
	run --separate-stderr imapctl check
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	[[ $output == "IMAP OK - INBOX 5 messages, 3 unseen, oldest unseen "*"d, quota 0%, certificate "*" days, checked in "*"s | "* ]]
	assert_equal "$(perf messages)" 5
	assert_equal "$(perf unseen)" 3
	[[ $(perf time) =~ ^[0-9.]+s$ ]]
	[[ $(perf connect_time) =~ ^[0-9.]+s$ ]]
	[[ $(perf tls_time) =~ ^[0-9.]+s$ ]]
	[[ $(perf login_time) =~ ^[0-9.]+s$ ]]
	[[ $(perf unseen_age) =~ ^[0-9]+s$ ]]
	[[ $(perf quota_storage) =~ ^[0-9]+B$ ]]
	[[ $(perf quota_percent) =~ ^[0-9.]+%$ ]]
	assert_equal "$(perf quota_messages)" 7
	[[ $(perf cert_days) =~ ^36[45]$ ]]
	[[ $output == *" quota_messages=7;;;0;10000 "* ]]
}

@test "check: unseen thresholds crossed by appending messages: 0, 1, 2" {
	th=(--warning-unseen 5 --critical-unseen 10)
	run imapctl check "${th[@]}"
	assert_success
	[[ $output == *" unseen=3;5;10;0 "* ]]
	append_msgs 3
	run imapctl check "${th[@]}"
	assert_failure 1
	[[ $output == "IMAP WARNING - INBOX 8 messages, 6 unseen (WARNING), "* ]]
	[[ $output == *" unseen=6;5;10;0 "* ]]
	append_msgs 5
	run imapctl check "${th[@]}" --warning-messages 12
	assert_failure 2
	[[ $output == "IMAP CRITICAL - INBOX 13 messages (WARNING), 11 unseen (CRITICAL), "* ]]
	# Range syntax: inside, open ends.
	run imapctl check --critical-unseen @10:20
	assert_failure 2
	run imapctl check --warning-unseen '~:20' --critical-messages 14:
	assert_failure 2
	[[ $output == *" messages=13;;14:;0 "* ]]
	# Outside 10:20 alerts; inside does not.
	run imapctl check --warning-unseen 12:20 --critical-unseen 10:20
	assert_failure 1
	[[ $output == *" unseen=11;12:20;10:20;0 "* ]]
}

@test "check: the oldest unseen message's age, in durations" {
	# The seeded unseen messages arrived in March 2024.
	run imapctl check --warning-age 1w --critical-age 5000w
	assert_failure 1
	[[ $output == *"oldest unseen "*"d (WARNING)"* ]]
	[[ $output == *";604800;3024000000;0 "* ]]
	run imapctl check --critical-age 1d
	assert_failure 2
	# Nothing unseen: the age is 0.
	run imapctl check --mailbox Archive --critical-age 1d
	assert_success
	assert_equal "$(perf unseen_age)" 0s
	[[ $output == "IMAP OK - Archive 0 messages, 0 unseen, quota"* ]]
}

@test "check: the oldest unseen and the newest come from one ESEARCH and one FETCH each, in the login's write" {
	run --separate-stderr imapctl --debug check --query from:carol
	assert_success
	after=${stderr#*C: A1 AUTHENTICATE }
	[[ $after == *"C: A2 STATUS INBOX (MESSAGES UNSEEN)
C: A3 GETQUOTAROOT INBOX
C: A4 EXAMINE INBOX
C: A5 UID SEARCH RETURN (SAVE MIN) UNSEEN
C: A6 UID FETCH \$ (UID INTERNALDATE)
C: A7 UID SEARCH RETURN (SAVE MAX) ALL
C: A8 UID FETCH \$ (UID INTERNALDATE)
C: A9 UID SEARCH RETURN (COUNT) FROM \"carol\"
C: A10 LOGOUT
S: "* ]]
	# The last write: no C: line after LOGOUT (with SCRAM, its last
	# responses went with them).
	[[ ${after#*C: A10 LOGOUT} != *"C: "* ]]
}

@test "check -o json: the same measurements as a record" {
	run --separate-stderr imapctl check -o json --warning-unseen 2
	assert_failure 1
	echo "$output" | jq -e '.[0] | .state == "WARNING" and .messages == 5
		and .unseen == 3 and .mailbox == "INBOX" and .user == "alice"
		and (.time > 0) and (.login_time >= 0) and .quota_messages == 7
		and .quota_messages_limit == 10000 and (.cert_days > 300)
		and (.cert_not_after | fromdate > now)
		and (.unseen_age > 86400)'
	# The port is a number, as JSON readers compare it.
	echo "$output" | jq -e --argjson p "$IMAPCTL_TEST_IMAPS_PORT" \
		'.[0] | (.port | type) == "number" and .port == $p'
	run "$IMAPCTL" --host 127.0.0.1 --port imaps --user alice check -o json
	assert_failure 2
	echo "$output" | jq -e '.[0].port == 993'
	run "$IMAPCTL" check -o json
	assert_failure 3
	echo "$output" | jq -e '.[0].port == null'
	run imapctl check -o xml
	assert_success
	echo "$output" | xmllint --noout -
}

@test "check -o prometheus: exposition format accepted by promtool, no series twice" {
	run --separate-stderr imapctl check -o prometheus
	assert_success
	assert_equal "$stderr" ""
	ok=$output
	[[ $output == *'imapctl_probe_success{host="127.0.0.1",port="'*'",user="alice",mailbox="INBOX"} 1'* ]]
	[[ $output == *$'\nimapctl_mailbox_unseen_messages{'*$'} 3\n'* ]]
	[[ $output == *"# TYPE imapctl_tls_cert_not_after_timestamp_seconds gauge"* ]]
	[[ $output == *$'\nimapctl_quota_usage_ratio{'* ]]
	assert_equal "$(printf '%s\n' "$output" | grep -v '^#' | cut -d' ' -f1 | sort | uniq -d)" ""
	# A failed probe still writes a valid file that says so.
	run imapctl --port 1 check -o prometheus
	assert_failure 2
	down=$output
	[[ $output == "# IMAP CRITICAL - cannot connect to 127.0.0.1 port 1: "* ]]
	[[ $output == *'imapctl_probe_success{host="127.0.0.1",port="1",user="alice",mailbox="INBOX"} 0'* ]]
	[[ $output == *'imapctl_check_state{'*'} 2'* ]]
	# So does a check that could not run.
	run --separate-stderr imapctl --password-cmd 'exit 1' check -o prometheus
	assert_failure 3
	assert_equal "$stderr" ""
	unknown=$output
	[[ $output == "# IMAP UNKNOWN - password command failed"* ]]
	[[ $output == *'imapctl_check_state{'*'} 3'* ]]
	prom_check "$ok" "$down" "$unknown"
}

@test "check: the service down is CRITICAL, on stdout only" {
	port=$("$PYTHON" "$TESTS_DIR/dovecot/util.py" freeports 1)
	run --separate-stderr imapctl --port "$port" check
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - cannot connect to 127.0.0.1 port $port: Connection refused | time="* ]]
	IMAPCTL_PASSWORD=wrong run --separate-stderr imapctl check
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - login failed: "*"[AUTHENTICATIONFAILED] | "* ]]
	# The connection got that far: its timings are in the perfdata.
	[[ $(perf tls_time) =~ ^[0-9.]+s$ ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - TLS certificate verification failed for '127.0.0.1': "* ]]
	run --separate-stderr "$IMAPCTL" --host no-such-host.invalid --user alice check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - cannot resolve 'no-such-host.invalid'"* ]]
	run imapctl check --mailbox 'No such box'
	assert_failure 2
	[[ $output == "IMAP CRITICAL - cannot get the counts of 'No such box': "* ]]
}

@test "check: a server that stalls is CRITICAL after --timeout" {
	hostile_start stall-greeting --timeout 10
	run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x --timeout 1 check
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - no greeting from server: timed out after 1 s"* ]]
}

@test "check: a server that misbehaves is CRITICAL, one line, never a crash" {
	for sc in garbage malformed bye-mid-command number-overflow deep-nesting \
	    bad-tag huge-literal reset-mid-command; do
		hostile_start "$sc" --timeout 10
		IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x --timeout 5 check
		echo "scenario $sc: $output"
		assert_failure 2
		assert_equal "$stderr" ""
		assert_equal "${#lines[@]}" 1
		[[ $output == "IMAP CRITICAL - "*" | time="* ]]
		# The text holds no '|' but the one before the perfdata.
		assert_equal "$(echo "$output" | tr -cd '|')" '|'
		hostile_stop || true
	done
	hostile_start malformed --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x check -o prometheus
	assert_failure 2
	[[ $output == *'imapctl_check_state{'*'} 2'* ]]
	prom_check "$output"
}

@test "check: a slow greeting crosses the time thresholds" {
	hostile_start delay-greeting:1.2 --timeout 10
	run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x check --warning-time 1 --critical-time 5
	assert_failure 1
	[[ $output == "IMAP WARNING - INBOX 3 messages, 2 unseen, oldest unseen "*", checked in 1."*"s (WARNING) | time=1."*"s;1;5;0 "* ]]
	hostile_wait
	# No ESEARCH there: the lowest UID of a plain SEARCH, then its date.
	grep -aq 'UID SEARCH UNSEEN' "$HOSTILE_RECORD"
	grep -aq 'UID FETCH 2 (UID INTERNALDATE)' "$HOSTILE_RECORD"
	# And the newest: the last message by number.
	grep -aq ' FETCH \* (UID INTERNALDATE)' "$HOSTILE_RECORD"
	[[ $(perf newest_age) =~ ^[0-9]+s$ ]]
	hostile_start delay-greeting:1.2 --timeout 10
	run "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x check --critical-time 1
	assert_failure 2
}

@test "check: a garbled SEARCH or ESEARCH answer is CRITICAL, as search says 76" {
	# The probe passed over what does not parse, and measured the rest.
	hostile_start script --timeout 10 --script "$(hostile_script plain greeting \
		'serve-until UID SEARCH UNSEEN' 'send * SEARCH 2 x' \
		'reply OK Search completed.' serve)"
	run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - server sent a bad SEARCH result | "* ]]
	hostile_stop || true
	hostile_start script --add-cap "ESEARCH SEARCHRES" --timeout 10 --script "$(hostile_script min greeting \
		'serve-until RETURN (SAVE MIN)' 'send * ESEARCH (TAG "{tag}") UID MIN 0' \
		'reply OK Search completed.' serve)"
	run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - server sent a bad ESEARCH MIN | "* ]]
}

@test "check: a SEARCH that answers none of its commands is not the unseen's" {
	# "* SEARCH 1" amid STATUS: UID 1 is seen, the oldest unseen is 2.
	hostile_start script --timeout 10 --script "$(hostile_script stray greeting \
		'serve-until STATUS' 'send * SEARCH 1' handle serve)"
	run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x check
	assert_success
	hostile_wait
	grep -aq 'UID FETCH 2 (UID INTERNALDATE)' "$HOSTILE_RECORD"
	! grep -aq 'UID FETCH 1 (UID INTERNALDATE)' "$HOSTILE_RECORD"
}

@test "check: bad command lines, --help and --version are UNKNOWN (3), on stdout" {
	run --separate-stderr imapctl check --bogus
	assert_failure 3
	assert_equal "$stderr" ""
	assert_equal "$output" "IMAP UNKNOWN - unknown option '--bogus'; see 'imapctl check --help'"
	run --separate-stderr imapctl check --warning-unseen 10:5
	assert_failure 3
	assert_equal "$stderr" ""
	[[ $output == "IMAP UNKNOWN - --warning-unseen: bad range '10:5': the start is above the end; "* ]]
	run --separate-stderr imapctl check --critical-age 3x
	assert_failure 3
	[[ $output == *"bad range '3x'"* ]]
	run --separate-stderr imapctl check --warning-age 30min: --critical-age 6m:
	assert_failure 3
	assert_equal "$stderr" ""
	[[ $output == "IMAP UNKNOWN - --critical-age: bad range '6m:': 6m is ambiguous: use 6min or 6mo"* ]]
	run --separate-stderr imapctl check extra
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - unexpected operand 'extra'"* ]]
	run --separate-stderr imapctl check -o yaml
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - bad --format 'yaml'"* ]]
	run --separate-stderr imapctl check --warning-unseen
	assert_failure 3
	[[ $output == *"option '--warning-unseen' needs RANGE"* ]]
	run --separate-stderr imapctl check --help
	assert_failure 3
	assert_equal "$stderr" ""
	assert_line --index 0 --partial "usage: imapctl check"
	run --separate-stderr imapctl check --version
	assert_failure 3
	assert_line --index 0 --regexp '^imapctl [0-9.]+$'
	# The check's own set-up failing is UNKNOWN, not CRITICAL.
	unset IMAPCTL_PASSWORD
	run --separate-stderr imapctl check
	assert_failure 3
	assert_equal "$stderr" ""
	[[ $output == "IMAP UNKNOWN - no password given"* ]]
	run --separate-stderr "$IMAPCTL" check
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - no server given"* ]]
}

@test "check: a threshold on something the server cannot tell is UNKNOWN" {
	run imapctl --tls none --port "$IMAPCTL_TEST_IMAP_PORT" check --warning-cert-days 30:
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - "*"no certificate without TLS"* ]]
	run imapctl --tls none --port "$IMAPCTL_TEST_IMAP_PORT" check
	assert_success
	run perf cert_days
	assert_output ""
}

@test "quota: GETQUOTAROOT records from the quota plugin" {
	run --separate-stderr imapctl quota
	assert_success
	assert_equal "$output" "INBOX	User quota	STORAGE	4	102400
INBOX	User quota	MESSAGE	7	10000"
	run imapctl quota Projects/2024 -o json
	assert_success
	echo "$output" | jq -e '.[0] | .mailbox == "Projects/2024" and .root == "User quota"'
	run imapctl quota -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.resource, .usage, .limit])')" '[["STORAGE",4,102400],["MESSAGE",7,10000]]'
	run imapctl quota -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="quota"]/quota[2]/limit)' -)" 10000
	# A server without quotas says so.
	hostile_start ok --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x quota
	assert_failure 69
	assert_equal "$stderr" "imapctl: quota: the server does not offer quotas (no QUOTA capability)"
}

@test "the man page's examples: a Nagios command and a textfile collector cron line" {
	# The Icinga/Nagios command line, with this server's connection.
	run imapctl check --mailbox INBOX --warning-unseen 50 --critical-unseen 200 --warning-age 1d --critical-age 3d --warning-cert-days 21 --critical-cert-days 7
	assert_failure 2
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, 3 unseen, oldest unseen "*"d (CRITICAL), quota 0%, certificate 36"[45]" days, "* ]]
	# Mail that must come, and mail that must not wait (alice's alerts
	# come from carol).
	grep -qF "\$ imapctl check --mailbox Reports/backup --critical-newest-age 26h" "$BATS_TEST_DIRNAME/../man/imapctl.1"
	run imapctl check --mailbox Projects/2024 --critical-newest-age 26h
	assert_failure 2
	[[ $output == *", newest "*"d (CRITICAL), "* ]]
	grep -qF "\$ imapctl check --query 'from:alerts@ unseen' --warning-query 0 \\e" "$BATS_TEST_DIRNAME/../man/imapctl.1"
	run imapctl check --query 'from:carol@ unseen' --warning-query 0 --critical-query 5
	assert_failure 1
	[[ $output == *", 1 matching the query (WARNING), "* ]]
	# The crontab line, as the manual prints it (one line: crontab has no
	# continuations), with this server and a directory of our own.
	man=$BATS_TEST_DIRNAME/../man/imapctl.1
	! grep -q '^\*/5 .*\\$' "$man"
	line=$(grep '^\*/5 \* \* \* \* imapctl ' "$man")
	cmd=${line#'*/5 * * * * '}
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$dir"
	cmd=${cmd//\/var\/lib\/prometheus\/node-exporter/$dir}
	cmd=${cmd/imapctl -a probe/\"\$IMAPCTL\" $(imapctl_args)}
	run bash -c "$cmd"
	assert_success
	[ "$(ls -A "$dir")" = imapctl.prom ]
	grep -q '^imapctl_probe_success{.*} 1$' "$dir/imapctl.prom"
	prom_check "$(cat "$dir/imapctl.prom")"
	# The server down: the file is replaced all the same, and says so.
	run bash -c "${cmd//--port $IMAPCTL_TEST_IMAPS_PORT/--port 1}"
	assert_success
	[ "$(ls -A "$dir")" = imapctl.prom ]
	grep -q '^imapctl_probe_success{.*} 0$' "$dir/imapctl.prom"
	grep -q '^# IMAP CRITICAL - cannot connect' "$dir/imapctl.prom"
	prom_check "$(cat "$dir/imapctl.prom")"
	# The kit's line names the script make install puts there.
	grep -qx '\*/5 \* \* \* \* /usr/share/imapctl/imapctl-textfile probe' "$man"
}

@test "check --mailbox, several: each mailbox's counts, perfdata and series labelled with it" {
	box=(--mailbox INBOX --mailbox Projects/2024 --mailbox Café)
	run --separate-stderr imapctl check "${box[@]}" --warning-unseen 2
	assert_failure 1
	assert_equal "$stderr" ""
	[[ $output == "IMAP WARNING - INBOX 5 messages, 3 unseen (WARNING), oldest unseen "*"d, Projects/2024 2 messages, 1 unseen, oldest unseen "*"d, Café 0 messages, 0 unseen, quota "* ]]
	assert_equal "$(perf 'INBOX unseen')" 3
	assert_equal "$(perf 'Projects/2024 unseen')" 1
	assert_equal "$(perf 'Projects/2024 messages')" 2
	assert_equal "$(perf 'Café messages')" 0
	[[ $output == *" 'INBOX unseen'=3;2;;0 "* ]]
	[[ $output == *" 'Projects/2024 unseen'=1;2;;0 "* ]]
	# The whole check's items once, unlabelled.
	[[ $(perf time) =~ ^[0-9.]+s$ ]]
	[[ $(perf quota_percent) =~ ^[0-9.]+%$ ]]
	run imapctl check "${box[@]}" -o json
	assert_success
	echo "$output" | jq -e '.[0] | .mailbox == "INBOX" and .messages == 5
		and .unseen == 3 and (.mailboxes | length) == 3
		and (.mailboxes | map(.name)) == ["INBOX", "Projects/2024", "Café"]
		and .mailboxes[1].messages == 2 and .mailboxes[1].unseen == 1
		and .mailboxes[1].unseen_age > 86400
		and .mailboxes[2].messages == 0 and .mailboxes[2].newest_age == null
		and (.quota_messages == 7) and (.mailboxes[0] | has("quota_messages") | not)'
	run imapctl check "${box[@]}" -o xml
	assert_success
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/check/mailboxes/mailbox[2]/unseen)' -)" 1
	run --separate-stderr imapctl check "${box[@]}" -o prometheus
	assert_success
	# A series a mailbox; the whole check's once for each; no series twice,
	# no metric's HELP twice.
	assert_equal "$(printf '%s\n' "$output" | grep -c '^imapctl_probe_success{')" 3
	grep -qx 'imapctl_mailbox_unseen_messages{host="127.0.0.1",port="[0-9]*",user="alice",mailbox="Projects/2024"} 1' <<<"$output"
	grep -qx 'imapctl_mailbox_messages{host="127.0.0.1",port="[0-9]*",user="alice",mailbox="Café"} 0' <<<"$output"
	assert_equal "$(printf '%s\n' "$output" | grep -v '^#' | cut -d' ' -f1 | sort | uniq -d)" ""
	assert_equal "$(printf '%s\n' "$output" | grep '^# HELP' | sort | uniq -d)" ""
	prom_check "$output"
	# Each mailbox once; one that does not exist fails the check.
	run --separate-stderr imapctl check --mailbox INBOX --mailbox inbox
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - mailbox 'inbox' given twice; "* ]]
	run imapctl check --mailbox INBOX --mailbox Nope
	assert_failure 2
	[[ $output == "IMAP CRITICAL - cannot get the counts of 'Nope': "* ]]
}

@test "check --critical-newest-age: no mail for too long, a fresh one, an empty mailbox" {
	# The seeded newest message of INBOX arrived in March 2024.
	run imapctl check --warning-newest-age 1h --critical-newest-age 1d
	assert_failure 2
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, 3 unseen, oldest unseen "*"d, newest "*"d (CRITICAL), quota "* ]]
	[[ $output == *" newest_age="*"s;3600;86400;0 "* ]]
	append_msgs 1 Report
	run imapctl check --warning-newest-age 1h --critical-newest-age 1d
	assert_success
	[[ $output == *", newest "[0-9]"s, quota "* ]]
	[[ $(perf newest_age) =~ ^[0-9]s$ ]]
	run imapctl check -o json
	echo "$output" | jq -e '.[0].newest_age < 60'
	# No message at all is no message for a day.
	run imapctl check --mailbox Archive --warning-newest-age 1d
	assert_failure 1
	[[ $output == "IMAP WARNING - Archive 0 messages, 0 unseen, no messages (WARNING), quota "* ]]
	run perf newest_age
	assert_output ""
	run imapctl check --mailbox Archive --mailbox INBOX --critical-newest-age 1d -o prometheus
	assert_failure 2
	[[ $output == *'imapctl_mailbox_newest_age_seconds{host="127.0.0.1",port="'*'",user="alice",mailbox="INBOX"} '* ]]
	assert_equal "$(grep -c '^imapctl_mailbox_newest_age_seconds{.*mailbox="Archive"' <<<"$output")" 0
	prom_check "$output"
}

@test "check --query: the count of a query in each mailbox, with thresholds" {
	run imapctl check --query from:carol --warning-query 1 --critical-query 5
	assert_failure 1
	[[ $output == *", 2 matching the query (WARNING), "* ]]
	[[ $output == *" query_matches=2;1;5;0 "* ]]
	run imapctl check --query 'from:carol unseen' --warning-query 1
	assert_success
	assert_equal "$(perf query_matches)" 1
	run imapctl check --query '( subject:kickoff or subject:budget ) older:1d' --mailbox INBOX --mailbox Projects/2024 --critical-query 1:
	assert_failure 2
	assert_equal "$(perf 'INBOX query_matches')" 0
	assert_equal "$(perf 'Projects/2024 query_matches')" 2
	[[ $output == *"INBOX 5 messages, "*", 0 matching the query (CRITICAL), Projects/2024 "*", 2 matching the query, "* ]]
	run imapctl check --query 'uid:1:2' -o json
	echo "$output" | jq -e '.[0] | .query_matches == 2 and .mailboxes[0].query_matches == 2'
	run imapctl check --query 'uid:9999' -o prometheus
	grep -qx 'imapctl_mailbox_query_matches{.*} 0' <<<"$output"
	prom_check "$output"
	# Mistakes are UNKNOWN before connecting.
	run --separate-stderr imapctl --port 1 check --warning-query 1
	assert_failure 3
	assert_equal "$output" "IMAP UNKNOWN - --warning-query needs --query; see 'imapctl check --help'"
	run imapctl --port 1 check --query ' '
	assert_failure 3
	run imapctl --port 1 check --query 'frm:carol'
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - --query: "* ]]
	run imapctl --port 1 check --query 'older:6m'
	assert_failure 3
	[[ $output == *"6m is ambiguous"* ]]
	run imapctl --port 1 check --query 'uid:-'
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - --query: check reads no UIDs from standard input (uid:-); "* ]]
}

# The tests below restart the server with other settings; they come last.

@test "check without ESEARCH and SEARCHRES: the same measurements, a turn more" {
	dovecot_restart --variant nosearchext
	run --separate-stderr imapctl --debug check --mailbox INBOX --mailbox Projects/2024 --query 'from:carol older:1d' --critical-newest-age 1d
	assert_failure 2
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, 3 unseen, oldest unseen "*"d, newest "*"d (CRITICAL), 2 matching the query, Projects/2024 2 messages, 1 unseen, oldest unseen "*"d, newest "*"d (CRITICAL), 0 matching the query, "* ]]
	[[ $stderr == *"C: A9 UID SEARCH UNSEEN"* ]]
	[[ $stderr == *" UID FETCH 3 (UID INTERNALDATE)
C: "*" FETCH * (UID INTERNALDATE)"* ]]
	run imapctl check --mailbox INBOX --mailbox Projects/2024 -o json
	assert_success
	echo "$output" | jq -e '.[0].mailboxes | map(.newest_age > 86400 and .unseen_age > 86400) == [true, true]'
	dovecot_restart --variant default
}

@test "quota and check with a low quota in the server's config" {
	DOVECOT_QUOTA_MESSAGES=8 dovecot_restart
	run imapctl quota
	assert_success
	assert_line "INBOX	User quota	MESSAGE	7	8"
	run imapctl check --warning-quota 80 --critical-quota 90
	assert_failure 1
	[[ $output == *", quota 87% (WARNING), "* ]]
	[[ $output == *" quota_percent=87.5%;80;90;0;100 "* ]]
	[[ $output == *" quota_messages=7;;;0;8 "* ]]
	run imapctl check --critical-quota 85
	assert_failure 2
	run imapctl check -o prometheus
	[[ $output == *$'\nimapctl_quota_usage_ratio{'*$'} 0.875\n'* ]]
	[[ $output == *$'\nimapctl_quota_messages_limit{'*$'} 8\n'* ]]
}

@test "check: a short-lived certificate, over implicit TLS and STARTTLS" {
	"$TESTS_DIR/dovecot/mint-cert" "$DOVECOT_STATEDIR" short --hours 12 >/dev/null
	DOVECOT_SSL_CERT=$DOVECOT_STATEDIR/short.pem DOVECOT_SSL_KEY=$DOVECOT_STATEDIR/short.key dovecot_restart
	run imapctl check --warning-cert-days 1: --critical-cert-days 0:
	assert_failure 1
	[[ $output == *", certificate 0 days (WARNING), "* ]]
	[[ $output == *" cert_days=0;1:;0:" ]]
	run "$IMAPCTL" $(imapctl_args --tls starttls) check --warning-cert-days 30: --critical-cert-days 7:
	assert_failure 2
	[[ $output == *", certificate 0 days (CRITICAL), "* ]]
	run "$IMAPCTL" $(imapctl_args --tls starttls) check -o json
	assert_success
	echo "$output" | jq -e '.[0] | .cert_days == 0 and
		(.cert_not_after | fromdate - now | . > 40000 and . < 43300)'
}

@test "check: a quota usage far past its limit is a percentage, not undefined behaviour" {
	# 10776613508339000208 KiB used of 10240: a valid 64-bit number, a
	# percentage past any int.
	script=$(hostile_script quota greeting 'serve-until GETQUOTAROOT' \
		'send * QUOTAROOT INBOX "User quota"' \
		'send * QUOTA "User quota" (STORAGE 10776613508339000208 10240 MESSAGE 3 1000)' \
		'reply OK Getquotaroot completed.' serve)
	hostile_start script --caps "IMAP4rev1 AUTH=PLAIN QUOTA" --timeout 10 --script "$script"
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x --timeout 5 check
	hostile_sane
	assert_success
	assert_equal "$stderr" ""
	[[ $output == "IMAP OK - "*", quota 105240366292373040%, "*" quota_percent=105240366292373040%;"* ]]
}
