#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# check and the server's certificate: the days left against thresholds
# that mean "fewer than N days" (check_http's -C), and a certificate that
# clients refuse (expired, signed by no CA we know, for another name),
# CRITICAL even when --insecure let the check log in. Each certificate is
# minted by tests/dovecot/mint-cert and served by a restarted Dovecot.

load helpers

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }

# serve NAME [mint-cert options]: restart Dovecot with a new certificate.
serve() {
	local name=$1
	shift
	"$TESTS_DIR/dovecot/mint-cert" "$DOVECOT_STATEDIR" "$name" "$@" >/dev/null
	DOVECOT_SSL_CERT=$DOVECOT_STATEDIR/$name.pem \
	DOVECOT_SSL_KEY=$DOVECOT_STATEDIR/$name.key dovecot_restart
}

@test "check --warning-cert-days 21: a healthy certificate of a year is OK" {
	run --separate-stderr imapctl check --warning-cert-days 21 --critical-cert-days 7
	assert_success
	[[ $output == "IMAP OK - "*", certificate 36"[45]" days, "* ]]
	[[ $output =~ \ cert_days=36[45]\;21:\;7:( |$) ]]
	# The range syntax reads as before: N: is the same, @ alerts inside.
	run imapctl check --warning-cert-days 21: --critical-cert-days 7:
	assert_success
	run imapctl check --warning-cert-days @300:400
	assert_failure 1
	[[ $output == *", certificate 36"[45]" days (WARNING), "* ]]
	run imapctl check --critical-cert-days 400:500
	assert_failure 2
	run imapctl check -o json
	assert_success
	echo "$output" | jq -e '.[0] | .cert_valid == true and .cert_days > 360'
	run imapctl check -o prometheus
	grep -qx 'imapctl_tls_cert_valid{.*} 1' <<<"$output"
}

@test "check: 4 days left is WARNING or CRITICAL as the thresholds say, over implicit TLS and STARTTLS" {
	# 3 days and 18 hours: 3 whole days, whatever second the check runs.
	serve four --hours 90
	run imapctl check --warning-cert-days 21 --critical-cert-days 7
	assert_failure 2
	[[ $output == *", certificate 3 days (CRITICAL), "* ]]
	[[ $output =~ \ cert_days=3\;21:\;7:( |$) ]]
	run imapctl check --warning-cert-days 21 --critical-cert-days 3
	assert_failure 1
	[[ $output == *", certificate 3 days (WARNING), "* ]]
	run "$IMAPCTL" $(imapctl_args --tls starttls) check --warning-cert-days 30 --critical-cert-days 7
	assert_failure 2
	[[ $output == *", certificate 3 days (CRITICAL), "* ]]
	run imapctl check --warning-cert-days 3
	assert_success
}

@test "check: an expired certificate is CRITICAL, with --insecure too" {
	serve expired --expired
	run --separate-stderr imapctl check
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - TLS certificate verification failed for '127.0.0.1': certificate has expired"* ]]
	# --insecure logs in and measures, but the service is down for its
	# users all the same.
	run --separate-stderr imapctl --insecure check
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, "*", certificate expired on 2020-01-02 (CRITICAL), checked in "* ]]
	run "$IMAPCTL" $(imapctl_args --tls starttls) --insecure check
	assert_failure 2
	[[ $output == *", certificate expired on 2020-01-02 (CRITICAL), "* ]]
	run imapctl --insecure check -o json
	assert_failure 2
	echo "$output" | jq -e '.[0] | .state == "CRITICAL" and .cert_valid == false
		and .cert_days < -2000 and .cert_not_after == "2020-01-02T00:00:00Z"
		and .messages == 5'
	run imapctl --insecure check -o prometheus
	assert_failure 2
	[[ $output == *$'\nimapctl_probe_success{'*'} 1'$'\n'* ]]
	[[ $output == *$'\nimapctl_check_state{'*'} 2'$'\n'* ]]
	grep -qx 'imapctl_tls_cert_valid{.*} 0' <<<"$output"
}

@test "check: a certificate of no known CA, or for another name, is CRITICAL with --insecure too" {
	serve self --self-signed
	run imapctl check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - TLS certificate verification failed for '127.0.0.1': self-signed certificate"* ]]
	run --separate-stderr imapctl --insecure check --warning-cert-days 21
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, "*", certificate not valid: self-signed certificate (CRITICAL), "* ]]
	[[ $output =~ \ cert_days=36[45]\;21:( |$) ]]
	run "$IMAPCTL" $(imapctl_args --tls starttls) --insecure check -o json
	assert_failure 2
	echo "$output" | jq -e '.[0] | .cert_valid == false and .cert_days > 360'
	serve wrongname --cn wrong.example --san DNS:wrong.example
	run imapctl --insecure check
	assert_failure 2
	[[ $output == *", certificate not valid: IP address mismatch (CRITICAL), "* ]]
	run "$IMAPCTL" $(imapctl_args) --host localhost --insecure check
	assert_failure 2
	[[ $output == *", certificate not valid: hostname mismatch (CRITICAL), "* ]]
	# Where the certificate is fine, --insecure changes nothing.
	DOVECOT_SSL_CERT= DOVECOT_SSL_KEY= dovecot_restart
	run imapctl --insecure check --warning-cert-days 21
	assert_success
}
