#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fetch: every mode in every format against the real Dovecot, over a
# corpus of its own in the mailbox "Fetch" (tests/fixtures/fetch, UIDs 1-10
# in file order, plus a 20 MB message made here as UID 11); faults from the
# hostile server.

load helpers
load hostile/hostile

CORPUS=$BATS_TEST_DIRNAME/fixtures/fetch

setup_file() {
	dovecot_setup_file
	doveadm -c "$IMAPCTL_TEST_CONF" mailbox create -u alice Fetch
	for f in "$CORPUS"/*.eml; do
		doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Fetch <"$f"
	done
	# 20 MB: a text part and a big base64 attachment.
	"$PYTHON" - "$BATS_FILE_TMPDIR/big.eml" <<-'EOF'
		import base64, os, sys
		head = (b"Date: Tue, 12 Mar 2024 16:00:00 +0000\r\n"
		        b"From: big@example.com\r\nTo: alice@example.org\r\n"
		        b"Subject: Twenty megabytes\r\nMessage-ID: <big-11@example.com>\r\n"
		        b"MIME-Version: 1.0\r\n"
		        b"Content-Type: multipart/mixed; boundary=\"BIG\"\r\n\r\n"
		        b"--BIG\r\nContent-Type: text/plain\r\n\r\nA big one.\r\n"
		        b"--BIG\r\nContent-Type: application/octet-stream\r\n"
		        b"Content-Disposition: attachment; filename=\"big.bin\"\r\n"
		        b"Content-Transfer-Encoding: base64\r\n\r\n")
		data = os.urandom(15 * 1024 * 1024)
		body = base64.encodebytes(data).replace(b"\n", b"\r\n")
		with open(sys.argv[1], "wb") as f:
		    f.write(head + body + b"--BIG--\r\n")
		with open(sys.argv[1] + ".bin", "wb") as f:
		    f.write(data)
	EOF
	doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Fetch <"$BATS_FILE_TMPDIR/big.eml"
}

teardown_file() { dovecot_teardown_file; }

teardown() { hostile_stop || true; }

sha() { sha256sum "$@" | cut -d' ' -f1; }

# The flags of one message, from a separate session.
flags_of() {
	imapctl fetch Fetch "$1" -o json |
		jq -c '.[0].flags | map(select(. != "\\Recent"))'
}

@test "summary is the default; text fields in the documented order" {
	run --separate-stderr imapctl fetch Fetch 3
	assert_success
	# uid flags internaldate date size from to cc reply_to subject
	# message_id in_reply_to mailbox uidvalidity labels
	assert_equal "$(echo "$output" | awk -F'\t' '{ print NF }')" 15
	field() { echo "$output" | cut -f"$1"; }
	assert_equal "$(field 1)" 3
	assert_equal "$(field 4)" 2024-03-06T10:00:00Z
	assert_equal "$(field 5)" "$(wc -c <"$CORPUS/03-charsets.eml")"
	assert_equal "$(field 6)" 'Jörg Müller <joerg@example.de>'
	assert_equal "$(field 7)" 'Иван <ivan@example.ru>'
	assert_equal "$(field 8)" ''
	assert_equal "$(field 10)" '☕ mixed café'
	assert_equal "$(field 11)" '<charsets-3@example.de>'
	assert_equal "$(field 13)" Fetch
	assert_equal "$(field 15)" ''
	run --separate-stderr imapctl fetch Fetch 2 -o text
	assert_equal "$(echo "$output" | cut -f7)" 'alice@example.org, Bob, the Builder <bob@example.com>'
	assert_equal "$stderr" ""
}

@test "summary in JSON: every field, addresses as objects, groups, bad dates null" {
	run --separate-stderr imapctl fetch Fetch 1:11 -o json
	assert_success
	assert_equal "$(echo "$output" | jq length)" 11
	assert_equal "$(echo "$output" | jq -c '.[0] | keys_unsorted')" \
		'["uid","flags","internaldate","date","size","from","to","cc","reply_to","subject","message_id","in_reply_to","mailbox","uidvalidity","labels"]'
	assert_equal "$(echo "$output" | jq -c '.[1].to')" \
		'[{"name":null,"address":"alice@example.org"},{"name":"Bob, the Builder","address":"bob@example.com"}]'
	# "undisclosed-recipients:;" is an empty group: no address.
	assert_equal "$(echo "$output" | jq -c '.[1].cc')" '[]'
	assert_equal "$(echo "$output" | jq -r '.[1].date')" 2024-03-05T08:30:00Z
	assert_equal "$(echo "$output" | jq -c '[.[8].date, .[9].date]')" '[null,null]'
	assert_equal "$(echo "$output" | jq -r '.[3].subject, .[4].subject, .[5].subject')" $'こんにちは\n日本語\nGrüße roh'
	assert_equal "$(echo "$output" | jq -r '.[3].from[0].name')" 山田
	# A malformed encoded word is U+FFFD, an unterminated one kept.
	assert_equal "$(echo "$output" | jq -r '.[6].subject')" '� rest � =?UTF-8?B?SGVsbG8'
	assert_equal "$(echo "$output" | jq -c '[.[] | .uidvalidity] | unique | length')" 1
	assert_equal "$(echo "$output" | jq -r '.[10].size')" "$(wc -c <"$BATS_FILE_TMPDIR/big.eml")"
	# internaldate is read by jq's fromdate.
	echo "$output" | jq -e '.[0].internaldate | fromdate > 0'
}

@test "summary in JSON Lines and XML" {
	run --separate-stderr imapctl fetch Fetch all -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 11
	echo "$output" | jq -e -s 'map(.uid) == [1,2,3,4,5,6,7,8,9,10,11]'
	run --separate-stderr imapctl fetch Fetch 2:3 -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message[2]/to/addr/name)' -)" Иван
	assert_equal "$(echo "$output" | xmllint --xpath 'count(/imapctl/message)' -)" 2
}

@test "headers: every field decoded, in order, a record each" {
	run --separate-stderr imapctl fetch Fetch 3 --headers -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[].name][:4]')" '["Date","From","To","Subject"]'
	assert_equal "$(echo "$output" | jq -r '.[] | select(.name | startswith("X-")) | .value')" \
		"$(printf 'Straße\n“quoted” €\nПривет\nこんにちは\n日本語\n☕')"
	echo "$output" | jq -e 'all(.[]; .uid == 3 and .mailbox == "Fetch" and (.uidvalidity | type) == "number")'
	run --separate-stderr imapctl fetch Fetch 6 --headers
	assert_success
	assert_line "6	Subject	Grüße roh	Fetch	$(imapctl fetch Fetch 6 -o json | jq .[0].uidvalidity)"
	assert_line --partial "6	X-Latin1-Raw	Grüße roh	"
	run --separate-stderr imapctl fetch Fetch 1 --headers -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/header[4]/value)' -)" 'Café news'
	run --separate-stderr imapctl fetch Fetch 1 --headers -o jsonl
	assert_equal "${#lines[@]}" 7
}

@test "text: the best part, transfer-decoded, converted, HTML stripped" {
	run --separate-stderr imapctl fetch Fetch 1:5 --text -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].text')" $'Café opens at 8.\nFrom the kitchen: crème brûlée.'
	assert_equal "$(echo "$output" | jq -r '.[1].text')" $'Grüße,\n\nsee the forwarded message & the file.'
	assert_equal "$(echo "$output" | jq -r '.[2].text')" 'Привет, мир!'
	assert_equal "$(echo "$output" | jq -r '.[3].text')" 'こんにちは世界'
	assert_equal "$(echo "$output" | jq -r '.[4].text')" '日本語のテキスト'
	# The summary fields come first, text last.
	assert_equal "$(echo "$output" | jq -c '.[0] | keys_unsorted | .[0], .[-1]')" $'"uid"\n"text"'
	run --separate-stderr imapctl fetch Fetch 9 --text
	assert_success
	assert_output --regexp $'\tFrom the start of a line\\.\\\\n>From quoted once\\.$'
	run --separate-stderr imapctl fetch Fetch all --text -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message[11]/text)' -)" 'A big one.'
	run --separate-stderr imapctl fetch Fetch all --text -o jsonl
	assert_equal "${#lines[@]}" 11
}

@test "structure: the MIME tree with part numbers, a record a part" {
	run --separate-stderr imapctl fetch Fetch 2 --structure -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[] | [.part, .depth, .type + "/" + .subtype, .encoding, .filename, .disposition]]')" \
		'[["TEXT",0,"multipart/mixed",null,null,null],["1",1,"text/html","quoted-printable",null,null],["2",1,"message/rfc822","7bit",null,"inline"],["2.TEXT",2,"multipart/mixed",null,null,null],["2.1",3,"text/plain","7bit",null,null],["2.2",3,"application/octet-stream","base64","inner.bin","attachment"],["3",1,"text/csv","base64","data.csv","attachment"]]'
	assert_equal "$(echo "$output" | jq -r '.[1].charset')" ISO-8859-1
	run --separate-stderr imapctl fetch Fetch 3 --structure
	assert_success
	# uid part depth type subtype charset encoding size filename disposition mailbox uidvalidity
	assert_output --regexp '^3	1	0	text	plain	KOI8-R	8bit	[0-9]+			Fetch	[0-9]+$'
	run --separate-stderr imapctl fetch Fetch 8 --structure -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/part[3]/filename)' -)" '../escape.txt'
	run --separate-stderr imapctl fetch Fetch 8 --structure -o jsonl
	assert_equal "${#lines[@]}" 7
}

@test "raw: one message to stdout byte for byte, the 20 MB one too" {
	i=1
	for f in "$CORPUS"/*.eml; do
		assert_equal "$(imapctl fetch Fetch $i --raw | sha)" "$(sha "$f")"
		i=$((i + 1))
	done
	assert_equal "$(imapctl fetch Fetch 11 --raw | sha)" "$(sha "$BATS_FILE_TMPDIR/big.eml")"
	# -o does not wrap bytes in a document.
	assert_equal "$(imapctl fetch Fetch 1 --raw -o json | sha)" "$(sha "$CORPUS/01-alternative.eml")"
	assert_equal "$(imapctl fetch Fetch 1 --raw -o xml | sha)" "$(sha "$CORPUS/01-alternative.eml")"
}

@test "raw: several messages as an mboxrd stream" {
	imapctl fetch Fetch 1:10 --raw >"$BATS_TEST_TMPDIR/mbox"
	assert_equal "$(grep -c '^From MAILER-DAEMON ' "$BATS_TEST_TMPDIR/mbox")" 10
	# Each From line carries the message's internal date.
	imapctl fetch Fetch 1:10 -o jsonl | jq -r '.internaldate | fromdate |
		strftime("From MAILER-DAEMON %a %b %e %H:%M:%S %Y")' >"$BATS_TEST_TMPDIR/want"
	assert_equal "$(grep '^From MAILER-DAEMON ' "$BATS_TEST_TMPDIR/mbox")" "$(cat "$BATS_TEST_TMPDIR/want")"
	grep -q '^>From the start of a line' "$BATS_TEST_TMPDIR/mbox"
	grep -q '^>>From quoted once' "$BATS_TEST_TMPDIR/mbox"
	# Split it, undo the quoting: the messages come back, with LF.
	"$PYTHON" - "$BATS_TEST_TMPDIR/mbox" "$CORPUS" <<-'EOF'
		import os, re, sys
		data = open(sys.argv[1], "rb").read()
		msgs = re.split(rb"(?m)^From MAILER-DAEMON [^\n]*\n", data)[1:]
		files = sorted(os.listdir(sys.argv[2]))
		assert len(msgs) == len(files) == 10, (len(msgs), len(files))
		for m, name in zip(msgs, files):
		    want = open(os.path.join(sys.argv[2], name), "rb").read()
		    want = want.replace(b"\r\n", b"\n")
		    # The flags come first, as mutt writes them.
		    flags = re.match(rb"Status: R?O\n(X-Status: [AFTD]+\n)?"
		                     rb"(X-Keywords: [^\n]*\n)?", m)
		    assert flags, (name, m[:80])
		    got = re.sub(rb"(?m)^>(>*From )", rb"\1", m[flags.end():])
		    assert got[:-1] == want, name
	EOF
}

@test "raw: the mboxrd stream carries each message's flags as mutt writes them" {
	imapctl mailbox create MboxFlags >/dev/null
	imapctl append MboxFlags "$CORPUS"/01-*.eml "$CORPUS"/02-*.eml "$CORPUS"/03-*.eml >/dev/null
	imapctl flag MboxFlags 1 --add seen --add answered --add '$Junk' >/dev/null
	imapctl flag MboxFlags 2 --add flagged --add draft --add deleted --add todo >/dev/null
	run --separate-stderr imapctl fetch MboxFlags all --raw
	assert_success
	# The lines after each From line, up to the message's own first line.
	flags=$(echo "$output" | awk '/^From MAILER-DAEMON /{n++; next}
		/^(Status|X-Status|X-Keywords): /{print n": "$0}')
	assert_equal "$flags" "1: Status: RO
1: X-Status: A
1: X-Keywords: \$Junk
2: Status: O
2: X-Status: FTD
2: X-Keywords: todo
3: Status: O"
}

@test "--save writes MAILBOX-UIDVALIDITY-UID.eml, 0600; a rerun skips what is saved; --force fetches again" {
	d=$BATS_TEST_TMPDIR/save
	mkdir "$d"
	uv=$(imapctl status Fetch -o json | jq '.[0].uidvalidity')
	run --separate-stderr imapctl fetch Fetch 1,3,11 --raw --save "$d" -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[] | [.uid, .file, .size, .skipped]]')" \
		"[[1,\"$d/Fetch-$uv-1.eml\",$(wc -c <"$CORPUS/01-alternative.eml"),false],[3,\"$d/Fetch-$uv-3.eml\",$(wc -c <"$CORPUS/03-charsets.eml"),false],[11,\"$d/Fetch-$uv-11.eml\",$(wc -c <"$BATS_FILE_TMPDIR/big.eml"),false]]"
	assert_equal "$(sha "$d/Fetch-$uv-1.eml")" "$(sha "$CORPUS/01-alternative.eml")"
	assert_equal "$(sha "$d/Fetch-$uv-11.eml")" "$(sha "$BATS_FILE_TMPDIR/big.eml")"
	# Private, and nothing left aside.
	assert_equal "$(stat -c %a "$d"/* | sort -u)" 600
	assert_equal "$(ls -A "$d" | wc -l)" 3
	# Again, and more: what is saved is not fetched again, and says so;
	# the rest is. The server's answer names them all the same.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Fetch 1:4 --raw --save "$d" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .skipped])')" '[[1,true],[3,true],[2,false],[4,false]]'
	assert_equal "$(echo "$stderr" | grep -oE '^C: A[0-9]+ UID FETCH [^ ]+ \(UID [^)]*BODY\.PEEK\[\]' | cut -d' ' -f5)" "2,4"
	assert_equal "$(ls -A "$d" | wc -l)" 5
	# A file there is taken as saved whole (it is only ever renamed into
	# place complete): kept, never overwritten without --force.
	echo changed >"$d/Fetch-$uv-3.eml"
	run --separate-stderr imapctl fetch Fetch 3 --raw --save "$d" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .skipped, .size]')" '[3,true,8]'
	assert_equal "$(cat "$d/Fetch-$uv-3.eml")" changed
	# A link where a message goes is not its file: refused, not followed.
	rm "$d/Fetch-$uv-4.eml"
	ln -s "$BATS_TEST_TMPDIR/victim" "$d/Fetch-$uv-4.eml"
	run --separate-stderr imapctl fetch Fetch 4 --raw --save "$d" -o json
	assert_failure 73
	assert_equal "$stderr" "imapctl: fetch: cannot save '$d/Fetch-$uv-4.eml': it exists and is not a regular file (--force replaces it) (message UID 4)"
	[ ! -e "$BATS_TEST_TMPDIR/victim" ]
	echo "$output" | jq -e 'length == 0'
	# --force fetches again and replaces, a link too (not followed).
	run --separate-stderr imapctl fetch Fetch 3:4 --raw --save "$d" --force -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .skipped])')" '[[3,false],[4,false]]'
	assert_equal "$(sha "$d/Fetch-$uv-3.eml")" "$(sha "$CORPUS/03-charsets.eml")"
	[ ! -L "$d/Fetch-$uv-4.eml" ] && [ ! -e "$BATS_TEST_TMPDIR/victim" ]
	assert_equal "$(ls -A "$d" | wc -l)" 5
	run --separate-stderr imapctl fetch Fetch 1 --raw --save "$BATS_TEST_TMPDIR/nope"
	assert_failure 73
	[[ $stderr == *"cannot open directory"* ]]
}

@test "--attachments: decoded, names sanitised, never outside DIR, never overwritten; a rerun says what is there" {
	top=$BATS_TEST_TMPDIR/att
	d=$top/in
	mkdir -p "$d"
	run --separate-stderr imapctl fetch Fetch all --attachments "$d" -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[] | [.uid, .part]]')" \
		'[[2,"2.2"],[2,"3"],[8,"2"],[8,"3"],[8,"4"],[8,"5"],[8,"6"],[11,"2"]]'
	assert_equal "$(ls -A "$top")" in
	long=$(printf 'L%.0s' $(seq 1 196)).txt
	assert_equal "$(cd "$d" && ls -A | LC_ALL=C sort)" "$(printf '%s\n' "$long" _escape.txt _etc_passwd bashrc big.bin 'bell__[31mred_.txt' data.csv inner.bin | LC_ALL=C sort)"
	assert_equal "$(cat "$d/data.csv")" $'a,b\n1,2'
	assert_equal "$(cat "$d/_etc_passwd")" 'root:x:0:0'
	assert_equal "$(sha "$d/big.bin")" "$(sha "$BATS_FILE_TMPDIR/big.eml.bin")"
	assert_equal "$(echo "$output" | jq -r '.[] | select(.part == "3" and .uid == 8) | .file')" "$d/_etc_passwd"
	assert_equal "$(stat -c %a "$d"/* | sort -u)" 600
	# Again: the same bytes are there already; kept, and said so.
	run --separate-stderr imapctl fetch Fetch 2 --attachments "$d" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.file, .skipped])')" "[[\"$d/inner.bin\",true],[\"$d/data.csv\",true]]"
	# A file of the same name that holds something else is never written
	# over: the attachment goes in beside it.
	echo mine >"$d/data.csv"
	run --separate-stderr imapctl fetch Fetch 2 --attachments "$d" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.file, .skipped])')" "[[\"$d/inner.bin\",true],[\"$d/data (2).csv\",false]]"
	assert_equal "$(cat "$d/data.csv")" mine
	assert_equal "$(cat "$d/data (2).csv")" $'a,b\n1,2'
	# --force replaces a file from before the run.
	run --separate-stderr imapctl fetch Fetch 2 --attachments "$d" --force -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.file, .skipped])')" "[[\"$d/inner.bin\",false],[\"$d/data.csv\",false]]"
	assert_equal "$(cat "$d/data.csv")" $'a,b\n1,2'
}

@test "file records of --attachments and --save in every format; links never followed" {
	uv=$(imapctl status Fetch -o json | jq '.[0].uidvalidity')
	d=$BATS_TEST_TMPDIR/f
	for fmt in json jsonl xml text; do
		mkdir "$d.$fmt"
		run --separate-stderr imapctl fetch Fetch 2 --attachments "$d.$fmt" -o $fmt
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$(cat "$d.$fmt/data.csv")" $'a,b\n1,2'
		printf -v want '%s\n' "2	2.2	application/octet-stream	$d.$fmt/inner.bin	4	Fetch	$uv	false" \
			"2	3	text/csv	$d.$fmt/data.csv	8	Fetch	$uv	false"
		case $fmt in
		json) got=$(echo "$output" | jq -r '.[] | [.uid, .part, .type, .file, .size, .mailbox, .uidvalidity, .skipped] | @tsv') ;;
		jsonl) got=$(echo "$output" | jq -r '[.uid, .part, .type, .file, .size, .mailbox, .uidvalidity, .skipped] | @tsv') ;;
		xml) echo "$output" | xmllint --noout -
			got=$(echo "$output" | xmllint --xpath '/imapctl/file/*/text()' - | paste - - - - - - - -) ;;
		text) got=$output ;;
		esac
		assert_equal "$got" "${want%$'\n'}"
	done
	# --save: uid, (part,) file, size, mailbox, uidvalidity, skipped.
	mkdir "$d.save"
	run --separate-stderr imapctl fetch Fetch 1 --raw --save "$d.save"
	assert_success
	assert_equal "$output" "1	$d.save/Fetch-$uv-1.eml	$(wc -c <"$CORPUS/01-alternative.eml")	Fetch	$uv	false"
	run --separate-stderr imapctl fetch Fetch 2 --part 3 --save "$d.save" -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/file/file)' -)" "$d.save/Fetch-$uv-2-3"
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/file/part)' -)" 3
	run --separate-stderr imapctl fetch Fetch 3 --raw --save "$d.save" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .file]')" "[3,\"$d.save/Fetch-$uv-3.eml\"]"
	# --part to standard output is the bytes, whatever -o says.
	assert_equal "$(imapctl fetch Fetch 2 --part 3 -o xml)" $'a,b\n1,2'
	# A symbolic link where an attachment goes is not followed: the
	# attachment goes in beside it.
	mkdir "$d.link"
	ln -s "$BATS_TEST_TMPDIR/victim" "$d.link/data.csv"
	run --separate-stderr imapctl fetch Fetch 2 --attachments "$d.link" -o json
	assert_success
	assert_equal "$stderr" ""
	[ ! -e "$BATS_TEST_TMPDIR/victim" ] && [ -L "$d.link/data.csv" ]
	assert_equal "$(echo "$output" | jq -c 'map(.file)')" "[\"$d.link/inner.bin\",\"$d.link/data (2).csv\"]"
}

@test "fetch --uidvalidity guards the set; long sets go in pipelined chunks" {
	uv=$(imapctl status Fetch -o json | jq '.[0].uidvalidity')
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Fetch 1 --uidvalidity $((uv + 1))
	assert_failure 65
	assert_output ""
	[[ $stderr == *"imapctl: fetch: mailbox 'Fetch' has UIDVALIDITY $uv, not $((uv + 1)): the UIDs name other messages now"* ]]
	[[ $stderr != *"UID FETCH"* ]]
	run --separate-stderr imapctl fetch Fetch 1 --uidvalidity "$uv" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq .uid)" 1
	# 4,000 UIDs that do not compress: commands of a few KiB, several
	# written before the first answer is read.
	# (Each is named on its own: those that are not there are named.)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Fetch "$(seq -s, 1 2 7999)" -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,3,5,7,9,11]'
	assert_equal "$(echo "$stderr" | grep -c '^imapctl: fetch: not found in .Fetch.: 3994 messages, UIDs 13,15,17,')" 1
	sent=$(printf '%s\n' "$stderr" | sed -n 's/^C: A[0-9]* //p')
	[ "$(echo "$sent" | grep -c '^UID FETCH')" -ge 5 ]
	[ "$(echo "$sent" | grep '^UID FETCH' | awk '{ print length($0) }' | sort -n | tail -1)" -lt 4200 ]
	first_answer=$(echo "$stderr" | grep -n '^S: A[0-9]* OK Fetch' | head -1 | cut -d: -f1)
	fourth_fetch=$(echo "$stderr" | grep -n '^C: A[0-9]* UID FETCH' | sed -n 4p | cut -d: -f1)
	[ "$fourth_fetch" -lt "$first_answer" ]
	# The same from standard input, as ranges where they run.
	{ seq 1 2 7999; seq 8000 9000; } >"$BATS_TEST_TMPDIR/uids"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Fetch - -o jsonl <"$BATS_TEST_TMPDIR/uids"
	assert_failure 69
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,3,5,7,9,11]'
	[[ $stderr == *",7997,7999:9000 (UID "* ]]
}

@test "\"n:*\" never names a UID below n; \"*\" is the last message" {
	# IMAP reads 12:* as 11:12 when 11 is the largest UID: a script that
	# fetches what came after the last UID it saw must get nothing.
	run --separate-stderr imapctl fetch Fetch '12:*' -o json
	assert_success
	assert_equal "$output" "[]"
	d=$BATS_TEST_TMPDIR/new
	mkdir "$d"
	run --separate-stderr imapctl fetch Fetch '12:*' --raw --save "$d"
	assert_success
	assert_equal "$(ls -A "$d")" ""
	run --separate-stderr imapctl fetch Fetch '3,12:*' -o jsonl
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[3]'
	run --separate-stderr imapctl fetch Fetch '10:*' -o jsonl
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[10,11]'
	run --separate-stderr imapctl fetch Fetch '*' -o jsonl
	assert_equal "$(echo "$output" | jq -c .uid)" 11
	run --separate-stderr imapctl fetch Fetch '12:*' --text -o json
	assert_equal "$output" "[]"
	# The same through a query.
	run --separate-stderr imapctl fetch Fetch --query 'uid:12:*' -o json
	assert_success
	assert_equal "$output" "[]"
}

@test "--part: one part decoded to stdout, several need --save" {
	run --separate-stderr imapctl fetch Fetch 2 --part 3
	assert_success
	assert_equal "$output" $'a,b\n1,2'
	assert_equal "$(imapctl fetch Fetch 11 --part 2 | sha)" "$(sha "$BATS_FILE_TMPDIR/big.eml.bin")"
	run --separate-stderr imapctl fetch Fetch 2 --part 2.2
	assert_success
	assert_equal "$(imapctl fetch Fetch 2 --part 2.2 | od -An -tx1 | tr -d ' \n')" 00010203
	run --separate-stderr imapctl fetch Fetch 1:2 --part 1
	assert_failure 64
	[[ $stderr == *"--part of several messages needs --save DIR"* ]]
	d=$BATS_TEST_TMPDIR/parts
	mkdir "$d"
	run --separate-stderr imapctl fetch Fetch 1:2 --part 1 --save "$d" -o jsonl
	assert_success
	uv=$(imapctl status Fetch -o json | jq '.[0].uidvalidity')
	assert_equal "$(ls "$d")" "Fetch-$uv-1-1"$'\n'"Fetch-$uv-2-1"
	run --separate-stderr imapctl fetch Fetch 2 --part 9
	assert_failure 69
	[[ $stderr == *"has no part 9"* ]]
}

@test "fetching never sets \\Seen; --mark-seen does" {
	for mode in --summary --headers --text --structure --raw "--part 1"; do
		imapctl fetch Fetch 4 $mode >/dev/null
	done
	imapctl fetch Fetch 4 --attachments "$BATS_TEST_TMPDIR" >/dev/null
	assert_equal "$(flags_of 4)" '[]'
	mkdir "$BATS_TEST_TMPDIR/8"
	imapctl fetch Fetch 8 --attachments "$BATS_TEST_TMPDIR/8" >/dev/null
	assert_equal "$(flags_of 8)" '[]'
	# Read-only, and every body with BODY.PEEK: no item that sets \Seen.
	for mode in --headers --text --raw "--part 1" "--attachments $BATS_TEST_TMPDIR/8 --force"; do
		run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Fetch 8 $mode
		assert_success
		sent=$(printf '%s\n' "$stderr" | sed -n 's/^C: A[0-9]* //p')
		assert_equal "$(echo "$sent" | grep -E '^(SELECT|EXAMINE)')" "EXAMINE Fetch (CONDSTORE)"
		echo "$sent" | grep -q 'BODY\.PEEK\['
		assert_equal "$(echo "$sent" | grep -E 'BODY\[|RFC822( |\)|\.TEXT)|UID STORE')" ""
	done
	assert_equal "$(flags_of 8)" '[]'
	run --separate-stderr imapctl fetch Fetch 5 --raw --mark-seen
	assert_success
	assert_equal "$(flags_of 5)" '["\\Seen"]'
	run --separate-stderr imapctl fetch Fetch 6 --mark-seen -o json
	assert_success
	echo "$output" | jq -e '.[0].flags | index("\\Seen")'
	assert_equal "$(flags_of 6)" '["\\Seen"]'
	# The two-phase modes too.
	run --separate-stderr imapctl fetch Fetch 7 --text --mark-seen -o json
	assert_success
	echo "$output" | jq -e '.[0].flags | index("\\Seen")'
	assert_equal "$(flags_of 7)" '["\\Seen"]'
	mkdir "$BATS_TEST_TMPDIR/2"
	run --separate-stderr imapctl fetch Fetch 2 --attachments "$BATS_TEST_TMPDIR/2" --mark-seen
	assert_success
	assert_equal "$(flags_of 2)" '["\\Seen"]'
}

@test "fetch -o jsonl output piped back into fetch -" {
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); imapctl fetch Fetch 2:4 -o jsonl | imapctl fetch Fetch - --structure -o json"
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[].uid] | unique')" '[2,3,4]'
	# Records from another UIDVALIDITY epoch stop the command.
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); echo '{\"uid\":2,\"mailbox\":\"Fetch\",\"uidvalidity\":1}' | imapctl fetch Fetch - --raw"
	assert_failure 65
	assert_equal "$output" ""
	# Empty input fetches nothing and succeeds.
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); imapctl fetch Fetch - -o json </dev/null"
	assert_success
	assert_equal "$output" "[]"
}

@test "usage errors and a message that is not there" {
	run --separate-stderr imapctl fetch Fetch 1 --raw --text
	assert_failure 64
	[[ $stderr == *"--raw and --text cannot be combined"* ]]
	run --separate-stderr imapctl fetch Fetch 1 --part 1..2
	assert_failure 64
	run --separate-stderr imapctl fetch Fetch 1 --save /tmp
	assert_failure 64
	run --separate-stderr imapctl fetch Fetch 'x:1'
	assert_failure 64
	run --separate-stderr imapctl fetch Fetch 999 --raw
	assert_failure 69
	assert_equal "$stderr" "imapctl: fetch: not found in 'Fetch': 1 message, UID 999"
	run --separate-stderr imapctl fetch Nope 1
	assert_failure 69
}

@test "the man page examples run" {
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); imapctl fetch Fetch all -o json |
		jq -r '.[] | select(.flags | index(\"\\\\Seen\") | not) | .subject'"
	assert_success
	assert_line 'Café news'
	refute_line 'Grüße roh'
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); imapctl fetch Fetch 1 --text -o json | jq -r '.[0].text'"
	assert_success
	assert_line 'Café opens at 8.'
	cd "$BATS_TEST_TMPDIR"
	imapctl fetch Fetch 1:3 --raw >archive.mbox
	assert_equal "$(grep -c '^From MAILER-DAEMON' archive.mbox)" 3
	mkdir backup
	imapctl fetch Fetch 1:3 --raw --save backup/ >/dev/null
	uv=$(imapctl status Fetch -o json | jq '.[0].uidvalidity')
	assert_equal "$(ls backup)" "$(printf "Fetch-$uv-%d.eml\n" 1 2 3)"
}

@test "the man page example: search piped into fetch" {
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); imapctl search Fetch from:big -o jsonl | imapctl fetch Fetch - --summary -o json"
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[].uid]')" '[11]'
}

@test "every fetch example in the manual's EXAMPLES runs" {
	# A line ending in "|" or mdoc's "\e" goes on in the next. Run on the
	# corpus: INBOX and Archive are Fetch, message 42 is 2.
	examples=$(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$BATS_TEST_DIRNAME/../man/imapctl.1" |
		awk '/^\$ / { cmd = substr($0, 3)
			while (cmd ~ /(\||\\e)$/ && (getline l) > 0) {
				sub(/\\e$/, "", cmd); sub(/^ +/, " ", l); cmd = cmd l }
			print cmd }' |
		sed 's/\\e/\\/g; s/\\-/-/g' | grep 'imapctl fetch' |
		sed 's/ INBOX / Fetch /g; s/ Archive / Fetch /g; s/ 42 / 2 /; s|~/Downloads|downloads|')
	assert_equal "$(echo "$examples" | wc -l)" 7
	cd "$BATS_TEST_TMPDIR"
	mkdir downloads backup
	while IFS= read -r ex; do
		run --separate-stderr eval "$ex"
		echo "$ex: $status $stderr"
		assert_success
		assert_equal "$stderr" ""
	done <<<"$examples"
	assert_equal "$(ls downloads | wc -l)" 2
	assert_equal "$(ls backup | wc -l)" 11
	assert_equal "$(grep -c '^From MAILER-DAEMON' archive.mbox)" 11
}

@test "bash completion: --sort values, directories for --save and --attachments" {
	run bash_complete "$IMAPCTL" search INBOX --sort ''
	assert_output $'date\n-date\nsize\n-size\nsubject\n-subject\nfrom\n-from'
	cd "$BATS_TEST_TMPDIR"
	mkdir saved.d
	run bash_complete "$IMAPCTL" fetch INBOX 1 --raw --save sav
	assert_output saved.d
	run bash_complete "$IMAPCTL" fetch INBOX 1 --attachments sav
	assert_output saved.d
	run bash_complete "$IMAPCTL" fetch INBOX 1 --mark
	assert_output --mark-seen
}

# Hostile server ------------------------------------------------------------

hctl() {
	"$IMAPCTL" --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile \
		--tls none "$@"
}

@test "connection closed mid-literal: exit 74, the partial file removed, JSON closed" {
	export IMAPCTL_PASSWORD=secret
	d=$BATS_TEST_TMPDIR/cut
	mkdir "$d"
	hostile_start close-mid-literal --timeout 10
	run --separate-stderr hctl fetch INBOX 1 --raw --save "$d" -o json
	assert_failure 74
	[[ $stderr == "imapctl: fetch: "*"closed"* ]]
	assert_equal "$(ls -A "$d")" ""
	echo "$output" | jq -e 'length == 0'
	hostile_stop || true
	hostile_start close-mid-literal --timeout 10
	run --separate-stderr hctl fetch INBOX 1:3 -o xml
	assert_failure 74
	echo "$output" | xmllint --noout -
}

@test "BYE in the middle of FETCH: exit 74, the server's words, XML closed" {
	export IMAPCTL_PASSWORD=secret
	hostile_start bye-mid-command --on FETCH --timeout 10
	run --separate-stderr hctl fetch INBOX all -o xml
	assert_failure 74
	[[ $stderr == *"server shutting down"* ]]
	echo "$output" | xmllint --noout -
}

# well_formed FORMAT: $output is a whole document of FORMAT (text: whole
# records, each of several fields).
well_formed() {
	case $1 in
	json) echo "$output" | jq -e 'type == "array"' >/dev/null ;;
	jsonl) [ -z "$output" ] || echo "$output" | jq -e -s 'all(type == "object")' >/dev/null ;;
	xml) echo "$output" | xmllint --noout - ;;
	text) [ -z "$output" ] || echo "$output" | awk -F'\t' 'NF < 5 { exit 1 }' ;;
	esac
}

@test "closed mid-literal: every mode and format stays well formed, exit 74" {
	export IMAPCTL_PASSWORD=secret
	hostile_start close-mid-literal --timeout 10 --connections 16
	for mode in --summary --headers --text --structure; do
		for fmt in json jsonl xml text; do
			run --separate-stderr hctl fetch INBOX 1:3 $mode -o $fmt
			echo "$mode -o $fmt: $status $stderr"
			assert_failure 74
			[[ $stderr == "imapctl: fetch: "*"closed"* ]]
			assert_equal "$(echo "$stderr" | wc -l)" 1
			well_formed $fmt
		done
	done
}

@test "closed mid-literal with --raw to stdout or --attachments: exit 74, no file left" {
	export IMAPCTL_PASSWORD=secret
	hostile_start close-mid-literal --timeout 10 --connections 3
	# The bytes that came were written as they came: the error says it.
	run --separate-stderr hctl fetch INBOX 1 --raw
	assert_failure 74
	[[ $stderr == "imapctl: fetch: "*"closed"* ]]
	[ "${#output}" -le 4096 ]
	run --separate-stderr hctl fetch INBOX 1:3 --raw
	assert_failure 74
	[[ $stderr == "imapctl: fetch: "*"closed"* ]]
	d=$BATS_TEST_TMPDIR/att
	mkdir "$d"
	run --separate-stderr hctl fetch INBOX 1:3 --attachments "$d" -o json
	assert_failure 74
	echo "$output" | jq -e 'length == 0'
	assert_equal "$(ls -A "$d")" ""
}

@test "BYE after some of the FETCH answers: their records, then exit 74" {
	export IMAPCTL_PASSWORD=secret
	printf '%s\n' \
		greeting \
		'serve-until UID FETCH' \
		'send * 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE "01-Mar-2024 09:22:03 +0000" RFC822.SIZE 99 ENVELOPE ("Fri, 01 Mar 2024 09:22:03 +0000" "First" (("Ann" NIL "ann" "example.com")) NIL NIL NIL NIL NIL NIL "<1@example.com>"))' \
		'send * BYE server shutting down' \
		close >"$BATS_TEST_TMPDIR/bye"
	hostile_start script --timeout 10 --connections 4 --script "$BATS_TEST_TMPDIR/bye"
	for fmt in json jsonl xml text; do
		run --separate-stderr hctl fetch INBOX 1:3 -o $fmt
		echo "-o $fmt: $status $stderr"
		assert_failure 74
		[[ $stderr == "imapctl: fetch: "*"server shutting down"* ]]
		well_formed $fmt
		case $fmt in
		json) assert_equal "$(echo "$output" | jq -c 'map([.uid, .subject])')" '[[1,"First"]]' ;;
		jsonl) assert_equal "$(echo "$output" | jq -c '[.uid, .subject]')" '[1,"First"]' ;;
		xml) assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message[1]/subject)' -)" First
			assert_equal "$(echo "$output" | xmllint --xpath 'count(/imapctl/message)' -)" 1 ;;
		text) assert_equal "$(echo "$output" | cut -f1,10)" $'1\tFirst' ;;
		esac
	done
}

@test "--text: a message's text is never printed under another UID" {
	# A server may answer for a message in several FETCH responses: here
	# UID 1's text comes after its summary, and UID 2 has none.
	export IMAPCTL_PASSWORD=secret
	env='FLAGS () INTERNALDATE "01-Mar-2024 09:22:03 +0000" RFC822.SIZE 120 ENVELOPE ("Fri, 01 Mar 2024 09:22:03 +0000" "Hi" (("Ann" NIL "ann" "example.com")) NIL NIL NIL NIL NIL NIL NIL)'
	printf '%s\n' greeting 'serve-until BODY.PEEK[1]' \
		"send * 1 FETCH (UID 1 $env)" \
		'send * 1 FETCH (UID 1 BODY[1]<0> {6}' \
		'sendraw Hello.)\r\n' \
		"send * 2 FETCH (UID 2 $env)" \
		'reply OK Fetch completed.' serve >"$BATS_TEST_TMPDIR/split"
	hostile_start script --timeout 10 --script "$BATS_TEST_TMPDIR/split"
	run --separate-stderr hctl fetch INBOX 1:2 --text -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .text]')" $'[1,null]\n[2,null]'
}

@test "a literal larger than --max-size is refused before it arrives" {
	export IMAPCTL_PASSWORD=secret
	hostile_start huge-literal --on FETCH --timeout 10
	run --separate-stderr hctl --max-size 1M fetch INBOX 1 --raw
	assert_failure 76
	[[ $stderr == *"literal of 1000000000000 bytes"*"--max-size"* ]]
	assert_equal "$output" ""
}

@test "a SEARCH answer wider than the set asked for saves nothing more" {
	export IMAPCTL_PASSWORD=secret
	hostile_start script --script "$BATS_TEST_DIRNAME/hostile/scripts/search-widens.script" --timeout 10
	run --separate-stderr hctl fetch INBOX 2 --text -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[2]'
	hostile_stop || true
	grep -qa 'UID FETCH 2 (UID BODYSTRUCTURE)' "$HOSTILE_RECORD"
	! grep -qaE 'UID FETCH [0-9:,]*[13]' "$HOSTILE_RECORD"
}

@test "a long UID list in descending order is taken whole; past UIDSET_SERVER_MAX it is refused" {
	export IMAPCTL_PASSWORD=secret
	# 400,000 UIDs from 799,999 down to 1 (bench/uidlist times it).
	hostile_start search-flood --flood 400000 --timeout 60
	run --separate-stderr hctl fetch INBOX 1:3 --text -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[1,3]'
	hostile_stop || true
	# One more than the limit: the server cannot make the list grow
	# without bound.
	hostile_start search-flood --flood 2000001 --timeout 60
	run --separate-stderr hctl fetch INBOX 1:3 --text -o json
	assert_failure 76
	assert_output "[]"
	assert_equal "$stderr" "imapctl: fetch: the server listed more than 2000000 separate UIDs or ranges: more than imapctl takes in one list"
}

@test "a message the server sends unasked is not saved" {
	export IMAPCTL_PASSWORD=secret
	d=$BATS_TEST_TMPDIR/unasked
	mkdir "$d"
	hostile_start script --script "$BATS_TEST_DIRNAME/hostile/scripts/fetch-unasked.script" --timeout 10
	run --separate-stderr hctl fetch INBOX 2 --raw --save "$d" -o jsonl
	assert_success
	assert_equal "$(ls -A "$d")" "INBOX-1700000001-2.eml"
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[2]'
}

@test "fetch --query names the messages by a search in the same session" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch INBOX --query 'from:carol' -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[] | [.uid, .subject]]')" '[[1,"Welcome to imapctl"],[5,"Re: Welcome to imapctl"]]'
	[[ $stderr == *"SEARCH"* ]]
	run --separate-stderr imapctl fetch INBOX 1 --query from:carol
	assert_failure 64
	run --separate-stderr imapctl fetch INBOX
	assert_failure 64
	[[ $stderr == *"missing SET operand"* ]]
}

@test "fetch --maildir: a mailbox with no folder name is said for what it is" {
	local long
	export IMAPCTL_PASSWORD=secret
	long=$(printf '%09000d' 0)
	for mb in 'a//b' '/a' 'a/' "$long"; do
		hostile_start script --script "$BATS_TEST_DIRNAME/hostile/scripts/maildir-odd-name.script" --timeout 10
		run --separate-stderr hctl fetch --maildir "$BATS_TEST_TMPDIR/md" "$mb" all
		hostile_stop || true
		assert_failure 64
		assert_output ""
		case $mb in
		a//b) assert_equal "$stderr" "imapctl: fetch: 'a//b' has no Maildir folder name (an empty part between two hierarchy delimiters '/')" ;;
		/a) assert_equal "$stderr" "imapctl: fetch: '/a' has no Maildir folder name (it begins with its hierarchy delimiter '/')" ;;
		a/) assert_equal "$stderr" "imapctl: fetch: 'a/' has no Maildir folder name (it ends with its hierarchy delimiter '/')" ;;
		*) assert_equal "$stderr" "imapctl: fetch: the Maildir folder name of '${long:0:64}...' does not fit in 8192 bytes" ;;
		esac
	done
	[ ! -e "$BATS_TEST_TMPDIR/md" ]
}
