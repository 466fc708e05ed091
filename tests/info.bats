#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# info: greeting, capabilities, namespaces, ID, TLS and certificate.

load helpers

setup_file() { dovecot_setup_file --no-seed; }
teardown_file() { dovecot_teardown_file; }

@test "info shows the server, its capabilities and the TLS session" {
	run --separate-stderr imapctl info -o json
	assert_success
	assert_equal "$(echo "$output" | jq length)" 1
	r=$(echo "$output" | jq -c '.[0]')
	assert_equal "$(echo "$r" | jq -r .greeting)" "Dovecot (Debian) ready."
	assert_equal "$(echo "$r" | jq -r '.capabilities | index("IMAP4rev1") != null')" true
	assert_equal "$(echo "$r" | jq -r '.capabilities | index("MOVE") != null')" true
	assert_equal "$(echo "$r" | jq -c '.namespaces[0]')" '{"type":"personal","prefix":"","delimiter":"/"}'
	assert_equal "$(echo "$r" | jq -r '.id[] | select(.name=="name") | .value')" Dovecot
	assert_equal "$(echo "$r" | jq -r .tls_version)" TLSv1.3
	assert_equal "$(echo "$r" | jq -r .cert_verified)" true
	[[ $(echo "$r" | jq -r .cert_subject) == *"CN=localhost"* ]]
	[[ $(echo "$r" | jq -r .cert_not_after) =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]{8}Z$ ]]
}

@test "info over STARTTLS and without TLS" {
	run "$IMAPCTL" $(imapctl_args --tls starttls) info -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].tls_version')" TLSv1.3
	run "$IMAPCTL" $(imapctl_args --tls none) info -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].tls_version')" null
	assert_equal "$(echo "$output" | jq -r '.[0].cert_verified')" false
}

@test "info in xml lists capabilities as repeated elements" {
	run imapctl info -o xml
	assert_success
	echo "$output" | xmllint --noout -
	n=$(echo "$output" | xmllint --xpath 'count(/imapctl/server/capabilities/capability)' -)
	[ "$n" -gt 10 ]
}
