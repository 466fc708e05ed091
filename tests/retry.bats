#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --retry N: a command the server throttles (Outlook's "Request is
# throttled. Suggested Backoff Time", [THROTTLED], [UNAVAILABLE], Gmail's
# [OVERQUOTA] and "System Error") is sent again after a back-off, in the
# middle of a pipelined bulk job, at most N times; without it, or once the
# retries or the deadline run out, the job fails with 75 and says what was
# not done. The hostile server throttles (--throttle K) and logs when each
# command arrived, so waits are read from its clock, with generous bounds.

load helpers
load hostile/hostile

setup_file() { imapctl_isolate; }
teardown() { hostile_stop; }

H() {
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 "$@"
}

# A server with 6003 messages in INBOX, for two connections (the job, then
# a look at the result), throttling as the arguments say.
bulk_server() {
	hostile_start script --connections 2 --script "$(hostile_script bulk \
		'fill INBOX 6000' greeting serve connection greeting serve)" "$@"
}

odd_uids() { seq 1 2 6003; }

# Seconds between the server's refusal of tag $1 and the next command's
# arrival, from its log.
gap() {
	awk -v tag="$1" '$4 == "throttled" && $5 == tag { t = $1; next }
		t != "" && $4 == "C:" { printf "%.3f\n", $1 - t; exit }' "$HOSTILE_LOG"
}

@test "fetch: three chunks throttled; --retry 3 fetches every message once" {
	bulk_server --throttle 3 --throttle-on FETCH
	run --separate-stderr H --retry 3 fetch INBOX - -o jsonl < <(odd_uids)
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -s 'length')" 3002
	assert_equal "$(echo "$output" | jq -s 'map(.uid) | unique | length')" 3002
	assert_equal "$(grep -c 'throttled A[0-9]* UID FETCH' "$HOSTILE_LOG")" 3
}

@test "fetch: the same without --retry is 75, what was not fetched named" {
	bulk_server --throttle 3 --throttle-on FETCH
	run --separate-stderr H fetch INBOX - -o jsonl < <(odd_uids)
	assert_failure 75
	[ "${#lines[@]}" -lt 3002 ]
	[[ $stderr == *'Request is throttled. Suggested Backoff Time: 200 milliseconds (the server is busy and asks to wait 0.2 s: try again later)'* ]]
	[[ $stderr == *"imapctl: fetch: not fetched from 'INBOX' (the server refused): "*' messages, UIDs 1,3,5,'* ]]
	[[ $stderr != *"not found"* ]]
}

@test "search: throttled twice ([THROTTLED]); --retry 3 answers, no --retry is 75" {
	bulk_server --throttle 2 --throttle-on SEARCH --throttle-reply 'NO [THROTTLED] Too many commands, slow down.'
	run --separate-stderr H --retry 3 search INBOX all --count
	assert_success
	assert_output 6003
	hostile_stop
	bulk_server --throttle 2 --throttle-on SEARCH --throttle-reply 'NO [THROTTLED] Too many commands, slow down.'
	run --separate-stderr H search INBOX all --count
	assert_failure 75
	assert_equal "$stderr" "imapctl: search: Too many commands, slow down. (the server refuses for now: try again later) [THROTTLED]"
}

@test "flag: three of four chunks throttled; --retry 3 flags every message" {
	bulk_server --throttle 3 --throttle-on STORE
	run --separate-stderr H --retry 3 flag INBOX - --add '$Done' -o jsonl < <(odd_uids)
	assert_success
	assert_equal "$(echo "$output" | jq -s 'map(.uid) | unique | length')" 3002
	run H search INBOX 'keyword:$Done' --count
	assert_output 3002
}

@test "flag: the same without --retry is 75, the messages not flagged named" {
	bulk_server --throttle 3 --throttle-on STORE
	run --separate-stderr H flag INBOX - --add '$Done' -o jsonl < <(odd_uids)
	assert_failure 75
	[[ $stderr == *'imapctl: flag: flags not changed: '*' messages, UIDs '* ]]
	flagged=${#lines[@]}
	[ "$flagged" -lt 3002 ]
	run H search INBOX 'keyword:$Done' --count
	assert_output "$flagged"
}

@test "move: chunks throttled ([UNAVAILABLE]); --retry 3 moves every message once" {
	bulk_server --throttle 3 --throttle-on MOVE --throttle-reply 'NO [UNAVAILABLE] Backend busy.'
	run --separate-stderr H --retry 3 move INBOX - Archive -o jsonl < <(odd_uids)
	assert_success
	assert_equal "$(echo "$output" | jq -s 'map(.uid) | unique | length')" 3002
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[3001,3002]'
}

@test "move: the same without --retry is 75, what was not moved named and still there" {
	bulk_server --throttle 3 --throttle-on MOVE --throttle-reply 'NO [UNAVAILABLE] Backend busy.'
	run --separate-stderr H move INBOX - Archive -o jsonl < <(odd_uids)
	assert_failure 75
	moved=${#lines[@]}
	[ "$moved" -lt 3002 ]
	[[ $stderr == *"imapctl: move: not moved to 'Archive': $((3002 - moved)) messages, UIDs "* ]]
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" "[$((6003 - moved)),$moved]"
}

@test "delete: the UID EXPUNGEs throttled; --retry 3 expunges every message" {
	bulk_server --throttle 2 --throttle-on EXPUNGE --throttle-reply 'NO [THROTTLED] Slow down.'
	run --separate-stderr H --retry 3 delete INBOX - -o jsonl < <(odd_uids)
	assert_success
	assert_equal "$(grep -c 'throttled A[0-9]* UID EXPUNGE' "$HOSTILE_LOG")" 2
	run H status INBOX -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[3001]'
}

@test "status, whose LOGOUT goes with its last command, is retried too" {
	bulk_server --throttle 2 --throttle-on STATUS
	run --separate-stderr H --retry 3 status INBOX Archive -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[6003,0]'
	hostile_stop
	bulk_server --throttle 2 --throttle-on STATUS
	run --separate-stderr H status INBOX Archive -o json
	assert_failure 75
}

@test "the retries run out: 75, the refusal and how many retries said" {
	bulk_server --throttle 5 --throttle-on SEARCH
	run --separate-stderr H --retry 2 search INBOX all --count
	assert_failure 75
	assert_equal "$stderr" "imapctl: search: Request is throttled. Suggested Backoff Time: 200 milliseconds (the server still refused after 2 retries: try again later)"
	assert_equal "$(grep -c 'C: A[0-9]* UID SEARCH' "$HOSTILE_LOG")" 3
}

@test "the suggested wait is honoured, from the server's clock" {
	bulk_server --throttle 1 --throttle-on SEARCH --throttle-reply 'NO Request is throttled. Suggested Backoff Time: 2500 milliseconds'
	run --separate-stderr H --retry 1 search INBOX all --count
	assert_success
	assert_output 6003
	tag=$(awk '$4 == "throttled" { print $5; exit }' "$HOSTILE_LOG")
	g=$(gap "$tag")
	echo "gap $g s"
	awk -v g="$g" 'BEGIN { exit !(g >= 2.4) }'
}

@test "a deadline nearer than the suggested wait: 75 at once, not sent again" {
	bulk_server --throttle 1 --throttle-on SEARCH --throttle-reply 'NO Request is throttled. Suggested Backoff Time: 20000 milliseconds'
	SECONDS=0
	run --separate-stderr H --retry 3 --deadline 10 search INBOX all --count
	assert_failure 75
	[ "$SECONDS" -lt 8 ]
	assert_equal "$stderr" "imapctl: search: Request is throttled. Suggested Backoff Time: 20000 milliseconds (the server is busy and asks to wait 20 s: try again later)"
	assert_equal "$(grep -c 'C: A[0-9]* UID SEARCH' "$HOSTILE_LOG")" 1
}

@test "a command the server answered in part before refusing is not sent again" {
	hostile_start script --script "$(hostile_script t greeting 'serve-until UID FETCH' \
		'send * 1 FETCH (UID 1 FLAGS (\Seen))' 'reply NO [THROTTLED] Slow down.' serve)"
	run --separate-stderr H --retry 3 --debug fetch INBOX 1:3 -o jsonl
	assert_failure 75
	[[ $stderr == *'retry: A'*' refused for now; not sent again: the server answered something for it first'* ]]
	assert_equal "$(grep -ac 'UID FETCH' "$HOSTILE_RECORD")" 1
}

@test "a throttled login is tried again; --debug shows the waits, never the password" {
	bulk_server --throttle 2 --throttle-on LOGIN --throttle-reply 'NO [UNAVAILABLE] Authentication backend down.'
	run --separate-stderr env IMAPCTL_PASSWORD=hunter2 "$IMAPCTL" --tls none -H 127.0.0.1 \
		-p "$HOSTILE_PORT" -u u --timeout 10 --auth login --retry 2 --debug status INBOX
	assert_success
	[[ $stderr == *'retry: A'*' refused for now; sending it again in '*' s (retry 2 of 2)'* ]]
	[[ $stderr != *hunter2* ]]
	assert_equal "$(grep -ac 'LOGIN u hunter2' "$HOSTILE_RECORD")" 3
}

# The client nonces of the SCRAM exchanges the server saw (SASL-IR).
scram_nonces() {
	grep -ao 'AUTHENTICATE SCRAM-SHA-256 [A-Za-z0-9+/=]*' "$HOSTILE_RECORD" |
		while read -r _ _ ir; do
			echo "$ir" | base64 -d | sed 's/.*,r=//'
			echo
		done
}

@test "a login refused for now after its SCRAM exchange starts over, with new nonces" {
	hostile_start ok --add-cap AUTH=SCRAM-SHA-256 --password secret --throttle-late \
		--throttle 2 --throttle-on AUTHENTICATE --throttle-reply 'NO [UNAVAILABLE] Temporary authentication failure.'
	run --separate-stderr env IMAPCTL_PASSWORD=secret "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" \
		-u u --timeout 10 --auth scram-sha-256 --retry 2 --debug status INBOX
	assert_success
	[[ $stderr == *'retry: the exchange refused for now; sending it again in '*' s (retry 2 of 2)'* ]]
	[[ $stderr != *secret* ]]
	hostile_wait
	assert_equal "$(grep -c 'auth refused for now after' "$HOSTILE_LOG")" 2
	grep -q 'auth SCRAM-SHA-256 user=u result=OK' "$HOSTILE_LOG"
	assert_equal "$(scram_nonces | sort -u | wc -l)" 3
}

@test "PLAIN without SASL-IR refused for now after its response: tried again; else 75, not 77" {
	hostile_start ok --drop-cap SASL-IR --throttle-late --throttle 1 --throttle-on AUTHENTICATE \
		--throttle-reply 'NO [UNAVAILABLE] Temporary authentication failure.'
	run --separate-stderr H --auth plain --retry 1 status INBOX
	assert_success
	hostile_wait
	assert_equal "$(grep -ac 'AUTHENTICATE PLAIN' "$HOSTILE_RECORD")" 2
	hostile_start ok --drop-cap SASL-IR --throttle-late --throttle 1 --throttle-on AUTHENTICATE \
		--throttle-reply 'NO [UNAVAILABLE] Temporary authentication failure.'
	run --separate-stderr H --auth plain status INBOX
	assert_failure 75
	assert_equal "$stderr" "imapctl: status: login failed: Temporary authentication failure. (the server refuses for now: try again later) [UNAVAILABLE]"
}

@test "a login refused for now after its exchange: the retries run out, 75" {
	hostile_start ok --drop-cap SASL-IR --throttle-late --throttle 5 --throttle-on AUTHENTICATE
	run --separate-stderr H --auth plain --retry 2 status INBOX
	assert_failure 75
	assert_equal "$stderr" "imapctl: status: login failed: Request is throttled. Suggested Backoff Time: 200 milliseconds (the server still refused after 2 retries: try again later)"
	hostile_wait
	assert_equal "$(grep -ac 'AUTHENTICATE PLAIN' "$HOSTILE_RECORD")" 3
}

@test "a refused password is never tried again, whatever --retry says" {
	hostile_start ok --add-cap AUTH=SCRAM-SHA-256 --password secret
	run --separate-stderr env IMAPCTL_PASSWORD=wrong "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" \
		-u u --timeout 10 --auth scram-sha-256 --retry 3 status INBOX
	assert_failure 77
	hostile_wait
	assert_equal "$(grep -ac 'AUTHENTICATE SCRAM' "$HOSTILE_RECORD")" 1
}

@test "the account's retry = N, and --retry overrides it" {
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	bulk_server --throttle 1 --throttle-on SEARCH
	printf '[account t]\nhost = 127.0.0.1\nport = %s\ntls = none\nuser = u\nretry = 2\n' \
		"$HOSTILE_PORT" >"$XDG_CONFIG_HOME/imapctl/config"
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" -a t --timeout 10 search INBOX all --count
	assert_success
	assert_output 6003
	hostile_stop
	bulk_server --throttle 1 --throttle-on SEARCH
	sed -i "s/^port = .*/port = $HOSTILE_PORT/" "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" -a t --timeout 10 --retry 0 search INBOX all --count
	assert_failure 75
	sed -i 's/^retry = 2/retry = many/' "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" -a t search INBOX all
	assert_failure 78
	[[ $stderr == *"bad retry 'many': give a number of retries, 0 to 100"* ]]
}

@test "--retry takes 0 to 100" {
	run --separate-stderr "$IMAPCTL" --retry 101 -H 127.0.0.1 -u u status
	assert_failure 64
	[[ $stderr == "imapctl: status: --retry: out of range: '101': 0 to 100"$'\n'"usage: "* ]]
	run --separate-stderr "$IMAPCTL" --retry x -H 127.0.0.1 -u u status
	assert_failure 64
}

# Eight messages, m1.eml to m8.eml, each with its number in it.
eight() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		printf 'Subject: message %s\n\nbody %s\n' "$i" "$i" >"$BATS_TEST_TMPDIR/m$i.eml"
	done
}

# How many times each message's bytes were uploaded, from the server's
# record of what came: "m1 1 m2 2 ...".
uploads() {
	"$PYTHON" - "$HOSTILE_RECORD" <<-'EOF'
	import re, sys
	rec = open(sys.argv[1], "rb").read()
	print(" ".join("m%d %d" % (i, len(re.findall(
	    rb"\{%d\+?\}\r\nSubject: message %d\r\n\r\nbody %d\r\n" % (
	        len("Subject: message 1\r\n\r\nbody 1\r\n"), i, i), rec)))
	    for i in range(1, 9)))
	EOF
}

@test "append: the 2nd and 5th APPEND throttled; --retry 2 sends them again whole" {
	eight
	hostile_start ok --connections 2 --throttle-nth 2,5 --throttle-on APPEND
	run --separate-stderr H --retry 2 append Drafts "$BATS_TEST_TMPDIR"/m{1..8}.eml -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -r .file | xargs -n1 basename | sort | xargs)" \
		"m1.eml m2.eml m3.eml m4.eml m5.eml m6.eml m7.eml m8.eml"
	assert_equal "$(echo "$output" | jq -s 'map(.uid) | unique | length')" 8
	assert_equal "$(grep -c 'throttled A[0-9]* APPEND' "$HOSTILE_LOG")" 2
	assert_equal "$(uploads)" "m1 1 m2 2 m3 1 m4 1 m5 2 m6 1 m7 1 m8 1"
	run H status Drafts -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[8]'
}

@test "append: the same with synchronizing literals (no LITERAL+)" {
	eight
	hostile_start ok --drop-cap LITERAL+ --throttle-nth 2,5 --throttle-on APPEND
	run --separate-stderr H --retry 2 append Drafts "$BATS_TEST_TMPDIR"/m{1..8}.eml -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s 'map(.uid) | unique | length')" 8
	assert_equal "$(uploads)" "m1 1 m2 2 m3 1 m4 1 m5 2 m6 1 m7 1 m8 1"
	hostile_wait
	! grep -q violation "$HOSTILE_LOG"
}

@test "append: refused instead of the go-ahead for its literal, sent again" {
	eight
	hostile_start ok --drop-cap LITERAL+ --throttle-early --throttle-nth 2,5 --throttle-on APPEND
	run --separate-stderr H --retry 2 append Drafts "$BATS_TEST_TMPDIR"/m{1..8}.eml -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s 'map(.uid) | unique | length')" 8
	assert_equal "$(grep -c 'throttled A[0-9]* APPEND' "$HOSTILE_LOG")" 2
	assert_equal "$(uploads)" "m1 1 m2 1 m3 1 m4 1 m5 1 m6 1 m7 1 m8 1"
	hostile_wait
	! grep -q violation "$HOSTILE_LOG"
}

@test "append --mbox from a pipe: the 2nd and 5th throttled, sent again from their own copies" {
	eight
	for i in 1 2 3 4 5 6 7 8; do
		printf 'From a@example.com Mon Jan  1 00:00:00 2024\n'
		cat "$BATS_TEST_TMPDIR/m$i.eml"
		echo
	done >"$BATS_TEST_TMPDIR/all.mbox"
	hostile_start ok --throttle-nth 2,5 --throttle-on APPEND
	run --separate-stderr H --retry 2 append Drafts --mbox - -o jsonl < <(cat "$BATS_TEST_TMPDIR/all.mbox")
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -r .line | sort -n | xargs)" "1 6 11 16 21 26 31 36"
	assert_equal "$(uploads)" "m1 1 m2 2 m3 1 m4 1 m5 2 m6 1 m7 1 m8 1"
}

@test "append from standard input: throttled, sent again from its copy" {
	eight
	hostile_start ok --throttle 1 --throttle-on APPEND
	run --separate-stderr H --retry 1 append Drafts -o jsonl <"$BATS_TEST_TMPDIR/m3.eml"
	assert_success
	assert_equal "$(echo "$output" | jq -r .file)" -
	assert_equal "$(uploads)" "m1 0 m2 0 m3 2 m4 0 m5 0 m6 0 m7 0 m8 0"
}

@test "append --maildir: throttled messages are sent again" {
	eight
	mkdir -p "$BATS_TEST_TMPDIR/md/cur" "$BATS_TEST_TMPDIR/md/new" "$BATS_TEST_TMPDIR/md/tmp"
	for i in 1 2 3 4 5 6 7 8; do
		cp "$BATS_TEST_TMPDIR/m$i.eml" "$BATS_TEST_TMPDIR/md/cur/$i.x:2,S"
	done
	hostile_start ok --throttle-nth 2,5 --throttle-on APPEND
	run --separate-stderr H --retry 2 append Drafts --maildir "$BATS_TEST_TMPDIR/md" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s 'length')" 8
	assert_equal "$(uploads)" "m1 1 m2 2 m3 1 m4 1 m5 2 m6 1 m7 1 m8 1"
}

@test "append without --retry: 75, exactly the throttled messages named, the others stored" {
	eight
	hostile_start ok --connections 2 --throttle-nth 2,5 --throttle-on APPEND
	run --separate-stderr H append Drafts "$BATS_TEST_TMPDIR"/m{1..8}.eml -o jsonl
	assert_failure 75
	assert_equal "$(echo "$output" | jq -r .file | xargs -n1 basename | xargs)" \
		"m1.eml m3.eml m4.eml m6.eml m7.eml m8.eml"
	[[ $stderr == *"imapctl: append: '$BATS_TEST_TMPDIR/m2.eml': Request is throttled."* ]]
	[[ $stderr == *"imapctl: append: not appended, or not confirmed: 2 messages: '$BATS_TEST_TMPDIR/m2.eml', '$BATS_TEST_TMPDIR/m5.eml'"* ]]
	run H status Drafts -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[6]'
}

@test "append: the retries run out for one message: 75, it named, the rest stored" {
	eight
	# The 2nd APPEND, and the 9th: the 2nd sent again.
	hostile_start ok --throttle-nth 2,9 --throttle-on APPEND
	run --separate-stderr H --retry 1 append Drafts "$BATS_TEST_TMPDIR"/m{1..8}.eml -o jsonl
	assert_failure 75
	assert_equal "$(echo "$output" | jq -r .file | xargs -n1 basename | xargs)" \
		"m1.eml m3.eml m4.eml m5.eml m6.eml m7.eml m8.eml"
	[[ $stderr == *"imapctl: append: '$BATS_TEST_TMPDIR/m2.eml': Request is throttled. Suggested Backoff Time: 200 milliseconds (the server still refused after 1 retry: try again later)"* ]]
	[[ $stderr == *"imapctl: append: not appended, or not confirmed: 1 message: '$BATS_TEST_TMPDIR/m2.eml'"* ]]
	assert_equal "$(uploads)" "m1 1 m2 2 m3 1 m4 1 m5 1 m6 1 m7 1 m8 1"
}

@test "a signal during the wait: nothing is sent again, at once, the rest named, 143" {
	hostile_start ok --throttle 1 --throttle-on STORE \
		--throttle-reply 'NO Request is throttled. Suggested Backoff Time: 20000 milliseconds'
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 \
		--retry 3 flag INBOX 1:3 --add '$X' -o jsonl >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'throttled A[0-9]* UID STORE' "$HOSTILE_LOG" && break
		sleep 0.05
	done
	sleep 0.2
	SECONDS=0
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 143
	[ "$SECONDS" -lt 4 ]
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "imapctl: flag: stopped by SIGTERM: Request is throttled. Suggested Backoff Time: 20000 milliseconds (the server is busy and asks to wait 20 s: try again later)
imapctl: flag: flags not changed: 3 messages, UIDs 1:3"
	assert_equal "$(grep -c 'C: A[0-9]* UID STORE' "$HOSTILE_LOG")" 1
}
