#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Self-test for tests/hostile/server.py (Python 3 stdlib; openssl(1) for the
TLS cases, which are skipped without it).

    python3 tests/hostile/selftest.py [-v] [TEST...]

Starts the server once per case, plays the client with socket/ssl, and
asserts the exact bytes each scenario sends and that the record holds the
exact bytes the client sent.  Exit 0 when every case passes.
"""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import server as S  # noqa: E402  (constants: GARBAGE, MALFORMED, ...)

TMP = tempfile.mkdtemp(prefix="hostile-selftest.")
VERBOSE = False
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(got, want, what=""):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what, got, want))


# ------------------------------------------------------------------ certs

CA = CERT = KEY = None


def make_certs():
    global CA, CERT, KEY
    if not shutil.which("openssl"):
        return False
    d = os.path.join(TMP, "pki")
    os.mkdir(d)

    def run(*a):
        subprocess.run(a, cwd=d, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=hostile selftest CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
        "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
        "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
        "-days", "2", "-extfile", "ext.cnf")
    CA = os.path.join(d, "ca.pem")
    CERT = os.path.join(d, "server.pem")
    KEY = os.path.join(d, "server.key")
    return True


def client_ctx(verify=True):
    ctx = ssl.create_default_context(cafile=CA if verify else None)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tls_opts():
    if CERT is None:
        raise Skip("openssl(1) not available")
    return ["--cert", CERT, "--key", KEY]


class Skip(Exception):
    pass


# ----------------------------------------------------------------- server

class Server:
    n = 0

    def __init__(self, *args, timeout=3):
        Server.n += 1
        self.dir = os.path.join(TMP, "s%d" % Server.n)
        os.mkdir(self.dir)
        self.portfile = os.path.join(self.dir, "port")
        self.recfile = os.path.join(self.dir, "record")
        self.logfile = os.path.join(self.dir, "log")
        cmd = [sys.executable, SERVER, "--portfile", self.portfile,
               "--record", self.recfile, "--log", self.logfile,
               "--timeout", str(timeout)] + list(args)
        if VERBOSE:
            cmd.append("-v")
        self.proc = subprocess.Popen(
            cmd, stderr=None if VERBOSE else subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.portfile):
            if self.proc.poll() is not None:
                raise Fail("server exited %d at start" % self.proc.returncode)
            if time.monotonic() > deadline:
                raise Fail("no portfile")
            time.sleep(0.02)
        with open(self.portfile) as f:
            text = f.read()
        check(re.fullmatch(r"\d+\n", text), "portfile content %r" % text)
        check(not os.path.exists(self.portfile + ".tmp"), "portfile.tmp left")
        self.port = int(text)

    def record(self):
        with open(self.recfile, "rb") as f:
            return f.read()

    def log(self):
        with open(self.logfile) as f:
            return f.read()

    def wait(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail("server did not exit within %ss" % timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Client:
    def __init__(self, port, tls=False, ctx=None, timeout=3):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.sent = b""
        if tls:
            self.starttls(ctx)

    def starttls(self, ctx=None, hostname="localhost"):
        check(self.buf == b"", "unread bytes before TLS: %r" % self.buf)
        self.sock = (ctx or client_ctx()).wrap_socket(
            self.sock, server_hostname=hostname)

    def send(self, data):
        self.sent += data
        self.sock.sendall(data)

    def fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("server closed")
        self.buf += data

    def line(self):
        while b"\n" not in self.buf:
            self.fill()
        i = self.buf.index(b"\n") + 1
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def expect(self, want):
        got = self.line()
        if isinstance(want, bytes):
            eq(got, want, "line")
        else:
            check(re.fullmatch(want, got), "line %r !~ %r" % (got, want))
        return got

    def until_tagged(self, tag):
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if ln.startswith(tag + b" "):
                return lines

    def cmd(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until_tagged(tag)

    def silent(self, secs):
        """No byte from the server for SECS seconds."""
        self.sock.settimeout(secs)
        try:
            data = self.sock.recv(1)
        except (socket.timeout, TimeoutError):
            return True
        finally:
            self.sock.settimeout(3)
        raise Fail("server sent %r, expected silence" % data)

    def eof(self):
        """The server closes (after whatever is buffered)."""
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return b"RST"
            if not data:
                return self.buf
            self.buf += data

    def close(self):
        self.sock.close()


GREETING = b"* OK hostile IMAP server ready.\r\n"


def login(c, tag=b"a1"):
    c.expect(GREETING)
    lines = c.cmd(tag, b"LOGIN alice secret")
    eq(lines[-1], tag + b" OK Logged in\r\n", "login")


# ------------------------------------------------------------------ cases

@test
def portfile_and_idle_exit():
    t = time.monotonic()
    with Server("--scenario", "ok", timeout=1) as s:
        eq(s.wait(), 0, "status")
        check("server idle timeout" in s.log(), "idle logged")
    check(time.monotonic() - t < 5, "exited quickly")


@test
def sigterm():
    with Server("--scenario", "stall-greeting", timeout=30) as s:
        c = Client(s.port)
        time.sleep(0.2)
        s.proc.send_signal(signal.SIGTERM)
        eq(s.wait(3), 0, "status after SIGTERM")
        c.close()


@test
def lifetime():
    with Server("--scenario", "stall-greeting", "--lifetime", "1",
                timeout=30) as s:
        c = Client(s.port)
        t = time.monotonic()
        eq(s.wait(5), 0, "status")
        check(time.monotonic() - t < 3, "lifetime honoured")
        check("lifetime" in s.log(), "lifetime logged")
        c.close()


@test
def ok_cleartext_full_session():
    with Server("--scenario", "ok", "--drop-cap", "LITERAL+") as s:
        c = Client(s.port)
        c.expect(GREETING)
        eq(c.cmd(b"A1", b"CAPABILITY"), [
            b"* CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE NAMESPACE "
            b"UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE AUTH=PLAIN\r\n",
            b"A1 OK Capability completed.\r\n"], "capability")
        # synchronizing literal: continuation, then the bytes
        c.send(b"A2 LOGIN {5}\r\n")
        c.expect(b"+ go ahead\r\n")
        c.send(b"alice {6}\r\n")
        c.expect(b"+ go ahead\r\n")
        c.send(b"sec\r\nt\r\n")
        eq(c.until_tagged(b"A2"), [b"A2 OK Logged in\r\n"], "login")
        eq(c.cmd(b"A3", b"SELECT INBOX"), [
            b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
            b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
            b"\\Draft \\*)] Flags permitted.\r\n",
            b"* 3 EXISTS\r\n", b"* 0 RECENT\r\n",
            b"* OK [UNSEEN 2] First unseen.\r\n",
            b"* OK [UIDVALIDITY 1700000001] UIDs valid\r\n",
            b"* OK [UIDNEXT 4] Predicted next UID\r\n",
            b"A3 OK [READ-WRITE] Select completed.\r\n"], "select")
        lines = c.cmd(b"A4", b'LIST "" "*"')
        eq(lines[0], b'* LIST (\\HasNoChildren) "/" INBOX\r\n', "list")
        check(b'* LIST (\\HasNoChildren \\Trash) "/" Trash\r\n' in lines,
              "special-use")
        eq(len(lines), 7, "list count")
        eq(c.cmd(b"A5", b"STATUS Sent (MESSAGES UIDNEXT UIDVALIDITY)"), [
            b"* STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 1700000004)"
            b"\r\n", b"A5 OK Status completed.\r\n"], "status")
        eq(c.cmd(b"A6", b"NAMESPACE")[0], b'* NAMESPACE (("" "/")) NIL NIL'
           b"\r\n", "namespace")
        eq(c.cmd(b"A7", b'ID ("name" "selftest")')[0],
           b'* ID ("name" "hostile" "version" "1")\r\n', "id")
        eq(c.cmd(b"A8", b"NOOP"), [b"A8 OK NOOP completed.\r\n"], "noop")
        c.send(b"A9 UID FETCH 1:* (UID FLAGS RFC822.SIZE "
               b"BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n")
        eq(c.line(), b"* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 317 "
           b"BODY[HEADER.FIELDS (SUBJECT)] {42}\r\n", "fetch")
        eq(c.exact(42), b"Subject: Hello from the hostile server\r\n\r\n",
           "header fields literal")
        eq(c.line(), b")\r\n", "end of fetch 1")
        check(c.line().startswith(b"* 2 FETCH (UID 2 FLAGS () "), "fetch 2")
        lines = c.until_tagged(b"A9")
        eq(lines[-1], b"A9 OK Fetch completed.\r\n", "fetch tagged")
        eq(c.cmd(b"A10", b"UID SEARCH UNSEEN"), [
            b"* SEARCH 2 3\r\n", b"A10 OK Search completed.\r\n"], "search")
        eq(c.cmd(b"A11", b"SEARCH nosuchkey"), [
            b"A11 BAD Error in IMAP command: search key not supported by "
            b"the hostile server: NOSUCHKEY\r\n"], "search bad")
        eq(c.cmd(b"A12", b"STATUS Nope (MESSAGES)"), [
            b"A12 NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\n"], "nx")
        eq(c.cmd(b"A13", b"LOGOUT"), [b"* BYE Logging out\r\n",
                                       b"A13 OK Logout completed.\r\n"], "")
        eq(c.eof(), b"", "closed after LOGOUT")
        eq(s.wait(), 0, "status")
        eq(s.record(), c.sent, "record is exactly what the client sent")
        check("violation" not in s.log(), "no violation")
        check("auth LOGIN user=alice result=OK" in s.log(), "auth logged")


@test
def ok_fetch_body_and_seen():
    with Server("--scenario", "ok") as s:
        c = Client(s.port)
        login(c)
        c.cmd(b"a2", b"SELECT INBOX")
        c.send(b"a3 UID FETCH 2 (BODY[])\r\n")
        head = c.line()
        m = re.fullmatch(rb"\* 2 FETCH \(UID 2 BODY\[\] \{(\d+)\}\r\n", head)
        check(m, "fetch head %r" % head)
        body = c.exact(int(m.group(1)))
        check(body.startswith(b"Date: ") and body.endswith(
            "K\u00f6ln.\r\n".encode()), "body")
        eq(c.line(), b" FLAGS (\\Seen))\r\n", "seen set by BODY[]")
        eq(c.line(), b"a3 OK Fetch completed.\r\n", "tagged")
        lines = c.cmd(b"a4", b"UID MOVE 2 Archive")
        eq(lines, [b"* OK [COPYUID 1700000002 2 1] Moved UIDs.\r\n",
                   b"* 2 EXPUNGE\r\n", b"a4 OK Move completed.\r\n"], "move")
        c.send(b"a5 APPEND Drafts (\\Draft) {12+}\r\nSubject: x\r\n\r\n")
        eq(c.until_tagged(b"a5"), [
            b"a5 OK [APPENDUID 1700000003 1] Append completed.\r\n"], "append")
        c.close()
        s.wait()
        eq(s.record(), c.sent, "record")
        check("violation" not in s.log(), "LITERAL+ was advertised")


@test
def layout_courier():
    with Server("--scenario", "ok", "--layout", "courier") as s:
        c = Client(s.port)
        login(c)
        caps = c.cmd(b"a1", b"CAPABILITY")[0]
        check(b"SPECIAL-USE" not in caps, "SPECIAL-USE offered: %r" % caps)
        eq(c.cmd(b"a2", b"NAMESPACE"), [
            b'* NAMESPACE (("INBOX." ".")) NIL NIL\r\n',
            b"a2 OK Namespace completed.\r\n"], "namespace")
        eq(c.cmd(b"a3", b'LIST "" "INBOX.%"'), [
            b'* LIST (\\HasNoChildren) "." INBOX.Drafts\r\n',
            b'* LIST (\\HasNoChildren) "." INBOX.Sent\r\n',
            b'* LIST (\\HasNoChildren) "." INBOX.Trash\r\n',
            b'* LIST (\\HasNoChildren) "." INBOX.Archive\r\n',
            b"a3 OK List completed.\r\n"], "list")
        c.close()
        s.wait()


@test
def layout_gmail_labels():
    with Server("--scenario", "ok", "--layout", "gmail") as s:
        c = Client(s.port)
        login(c)
        caps = c.cmd(b"a1", b"CAPABILITY")[0]
        check(b" X-GM-EXT-1" in caps and b" SPECIAL-USE" in caps,
              "caps %r" % caps)
        c.cmd(b"a2", b"SELECT INBOX")
        eq(c.cmd(b"a3", b"UID STORE 1 +X-GM-LABELS (Work)"), [
            b"* 1 FETCH (X-GM-LABELS (\\Inbox Work) UID 1)\r\n",
            b"a3 OK Store completed.\r\n"], "add label")
        eq(c.cmd(b"a4", b"UID STORE 1 -X-GM-LABELS (\\Inbox)"), [
            b"* 1 FETCH (X-GM-LABELS (Work) UID 1)\r\n",
            b"* 1 EXPUNGE\r\n",
            b"a4 OK Store completed.\r\n"], "archive")
        eq(c.cmd(b"a5", b'STATUS Work (MESSAGES)'), [
            b"* STATUS Work (MESSAGES 1)\r\n",
            b"a5 OK Status completed.\r\n"], "Work shows it")
        c.close()
        s.wait()


@test
def layout_exchange():
    with Server("--scenario", "ok", "--layout", "exchange") as s:
        c = Client(s.port)
        login(c)
        lines = c.cmd(b"a2", b'LIST "" "*"')
        check(b'* LIST (\\HasNoChildren) "/" "Deleted Items"\r\n' in lines,
              "Deleted Items: %r" % lines)
        check(not any(b"\\Trash" in ln for ln in lines), "no \\Trash")
        c.close()
        s.wait()


@test
def literal_violations():
    with Server("--scenario", "ok", "--drop-cap", "LITERAL+") as s:
        c = Client(s.port)
        c.expect(GREETING)
        c.send(b"a1 LOGIN {5+}\r\nalice secret\r\n")
        c.expect(b"a1 OK Logged in\r\n")
        c.send(b"a2 SELECT {5}\r\nINBOX\r\n")     # did not wait for "+"
        c.expect(b"+ go ahead\r\n")
        c.until_tagged(b"a2")
        c.close()
        s.wait()
        log = s.log()
        check("violation: non-synchronizing literal {5+} without LITERAL+"
              in log, "LITERAL+ violation logged")
        check("violation: literal data sent before the continuation" in log,
              "early literal logged")
        eq(s.record(), c.sent, "record")


@test
def authenticate_plain_variants():
    with Server("--scenario", "ok", "--user", "alice", "--password", "secret",
                "--connections", "3") as s:
        # SASL-IR
        c = Client(s.port)
        c.expect(GREETING)
        eq(c.cmd(b"a1", b"AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=="),
           [b"a1 OK Logged in\r\n"], "sasl-ir")
        c.close()
        # continuation, wrong password
        c = Client(s.port)
        c.expect(GREETING)
        c.send(b"a1 AUTHENTICATE PLAIN\r\n")
        c.expect(b"+ \r\n")
        c.send(b"AGFsaWNlAHdyb25n\r\n")
        c.expect(b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
        # cancel
        c.send(b"a2 AUTHENTICATE PLAIN\r\n")
        c.expect(b"+ \r\n")
        c.send(b"*\r\n")
        c.expect(b"a2 BAD Authentication aborted by client.\r\n")
        c.close()
        # AUTH=LOGIN not advertised: served, violation logged
        c = Client(s.port)
        c.expect(GREETING)
        c.send(b"a1 AUTHENTICATE LOGIN\r\n")
        c.expect(b"+ VXNlcm5hbWU6\r\n")
        c.send(b"YWxpY2U=\r\n")
        c.expect(b"+ UGFzc3dvcmQ6\r\n")
        c.send(b"c2VjcmV0\r\n")
        c.expect(b"a1 OK Logged in\r\n")
        c.close()
        eq(s.wait(), 0, "status")
        log = s.log()
        check("violation: AUTH=LOGIN not advertised" in log, "mech logged")
        eq(log.count("result=OK"), 2, "two successes")


@test
def oauth_failure_flow():
    with Server("--scenario", "login-no", "--add-cap", "AUTH=XOAUTH2") as s:
        c = Client(s.port)
        c.expect(GREETING)
        c.send(b"a1 AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB4AQE="
               b"\r\n")
        c.expect(b"+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUi"
                 b"OiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==\r\n")
        c.send(b"\r\n")
        c.expect(b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
        c.close()
        s.wait()
        check("auth XOAUTH2 user=alice result=NO" in s.log(), "logged")
        check("violation" not in s.log(), "advertised")


def scram_client(c, tag, mech, user, password, cnonce=b"clientnonce123"):
    """Play a SCRAM client; returns (server-first, the expected server
    signature, the line the server sent after the proof)."""
    import base64
    import hashlib
    import hmac
    h = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}[mech]
    bare = b"n=" + user + b",r=" + cnonce
    c.send(tag + b" AUTHENTICATE " + mech.encode() + b" " +
           base64.b64encode(b"n,," + bare) + b"\r\n")
    ch = c.line()
    check(ch.startswith(b"+ "), "server-first %r" % ch)
    sfirst = base64.b64decode(ch[2:].strip())
    attrs = dict(a.split(b"=", 1) for a in sfirst.split(b","))
    check(attrs[b"r"].startswith(cnonce) and len(attrs[b"r"]) > len(cnonce),
          "nonce extends ours")
    salt = base64.b64decode(attrs[b"s"])
    salted = hashlib.pbkdf2_hmac(h, password, salt, int(attrs[b"i"]))
    ckey = hmac.new(salted, b"Client Key", h).digest()
    wo = b"c=biws,r=" + attrs[b"r"]
    authmsg = bare + b"," + sfirst + b"," + wo
    csig = hmac.new(hashlib.new(h, ckey).digest(), authmsg, h).digest()
    proof = bytes(a ^ b for a, b in zip(ckey, csig))
    c.send(base64.b64encode(wo + b",p=" + base64.b64encode(proof)) + b"\r\n")
    skey = hmac.new(salted, b"Server Key", h).digest()
    want = b"v=" + base64.b64encode(hmac.new(skey, authmsg, h).digest())
    return sfirst, want, c.line()


@test
def scram_exchange():
    import base64
    with Server("--scenario", "ok", "--add-cap", "AUTH=SCRAM-SHA-256",
                "--password", "pässwörd", "--connections", "3") as s:
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1"):
            c = Client(s.port)
            c.expect(GREETING)
            _, want, got = scram_client(c, b"a1", mech, b"j=3Dr=2Cg",
                                        "pässwörd".encode())
            eq(got, b"+ " + base64.b64encode(want) + b"\r\n", "signature")
            c.send(b"\r\n")
            c.expect(b"a1 OK Logged in\r\n")
            c.close()
        c = Client(s.port)
        c.expect(GREETING)
        _, _, got = scram_client(c, b"a1", "SCRAM-SHA-256", b"u", b"wrong")
        eq(got, b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
           "wrong password")
        c.close()
        s.wait()
        log = s.log()
        check("auth SCRAM-SHA-256 user=j=r,g result=OK" in log, "user logged")
        check("violation: AUTH=SCRAM-SHA-1 not advertised" in log, "SHA-1")
        eq(log.count("result=NO"), 1, "one failure")


@test
def scram_impostors():
    import base64
    with Server("--scenario", "scram-bad-signature") as s:
        c = Client(s.port)
        c.expect(GREETING)
        caps = c.cmd(b"a0", b"CAPABILITY")[0]
        check(b" AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-1" in caps, "offered")
        _, want, got = scram_client(c, b"a1", "SCRAM-SHA-256", b"u",
                                    b"secret")
        check(got.startswith(b"+ ") and
              base64.b64decode(got[2:].strip()) != want, "wrong signature")
        c.send(b"*\r\n")
        c.expect(b"a1 BAD Authentication aborted by client.\r\n")
        c.close()
        s.wait()
        check("client cancelled after the signature" in s.log(), "logged")
    with Server("--scenario", "scram-no-signature") as s:
        c = Client(s.port)
        c.expect(GREETING)
        _, _, got = scram_client(c, b"a1", "SCRAM-SHA-1", b"u", b"secret")
        eq(got, b"a1 OK Logged in\r\n", "OK without a signature")
        c.close()
        s.wait()
    with Server("--scenario", "scram-bad-nonce") as s:
        c = Client(s.port)
        c.expect(GREETING)
        try:
            scram_client(c, b"a1", "SCRAM-SHA-256", b"u", b"secret")
            raise Fail("nonce accepted")
        except Fail as e:
            check("nonce extends ours" in str(e), str(e))
        c.close()
        s.stop()


@test
def tls_max_11_refused_by_modern_client():
    with Server("--scenario", "ok", "--tls", "implicit", "--tls-max", "1.1",
                *tls_opts()) as s:
        try:
            Client(s.port, tls=True)
            raise Fail("TLS 1.1 handshake accepted by a default client")
        except ssl.SSLError:
            pass
        s.wait()
        check("tls failed" in s.log(), "logged")


@test
def ok_starttls():
    with Server("--scenario", "ok", *tls_opts()) as s:
        c = Client(s.port)
        c.expect(GREETING)
        caps = c.cmd(b"A1", b"CAPABILITY")[0]
        check(caps.endswith(b" AUTH=PLAIN STARTTLS\r\n"), "STARTTLS offered")
        eq(c.cmd(b"A2", b"STARTTLS"),
           [b"A2 OK Begin TLS negotiation now.\r\n"], "starttls")
        c.starttls()
        caps = c.cmd(b"A3", b"CAPABILITY")[0]
        check(b"STARTTLS" not in caps, "no STARTTLS after TLS")
        login_lines = c.cmd(b"A4", b"LOGIN alice secret")
        eq(login_lines, [b"A4 OK Logged in\r\n"], "login over TLS")
        caps = c.cmd(b"A5", b"CAPABILITY")[0]
        check(b"AUTH=" not in caps and b"SASL-IR" not in caps, "post-auth")
        c.close()
        s.wait()
        eq(s.record(), c.sent, "record holds the decrypted bytes")
        check(re.search(r"tls ok TLSv1\.[23] \S+ sni=localhost", s.log()),
              "SNI logged")


@test
def implicit_tls_and_verification_failure():
    with Server("--scenario", "ok", "--tls", "implicit", "--connections",
                "2", *tls_opts()) as s:
        c = Client(s.port, tls=True)
        c.expect(GREETING)
        c.cmd(b"x", b"LOGOUT")
        c.close()
        # a client that does not trust the CA
        try:
            Client(s.port, tls=True, ctx=ssl.create_default_context())
            raise Fail("unverified handshake succeeded")
        except ssl.SSLCertVerificationError:
            pass
        s.wait()
        eq(s.record(), b"x LOGOUT\r\n", "record")
        check("tls failed" in s.log(), "failure logged")


@test
def tls_max_12():
    with Server("--scenario", "ok", "--tls", "implicit", "--tls-max", "1.2",
                *tls_opts()) as s:
        c = Client(s.port, tls=True)
        eq(c.sock.version(), "TLSv1.2", "version")
        c.close()
        s.wait()


@test
def no_starttls():
    with Server("--scenario", "no-starttls", *tls_opts()) as s:
        c = Client(s.port)
        c.expect(GREETING)
        caps = c.cmd(b"A1", b"CAPABILITY")[0]
        check(b"STARTTLS" not in caps, "no STARTTLS")
        eq(c.cmd(b"A2", b"STARTTLS"), [b"A2 BAD STARTTLS not available.\r\n"],
           "starttls")
        c.close()
        s.wait()
        eq(s.record(), b"A1 CAPABILITY\r\nA2 STARTTLS\r\n", "record")


@test
def starttls_refused():
    with Server("--scenario", "starttls-refused") as s:
        c = Client(s.port)
        c.expect(GREETING)
        check(b" STARTTLS\r\n" in c.cmd(b"A1", b"CAPABILITY")[0], "offered")
        eq(c.cmd(b"A2", b"STARTTLS"), [
            b"A2 NO [UNAVAILABLE] STARTTLS is not available now.\r\n"], "no")
        c.close()
        s.wait()


@test
def starttls_bad():
    with Server("--scenario", "starttls-bad") as s:
        c = Client(s.port)
        c.expect(GREETING)
        check(b" STARTTLS\r\n" in c.cmd(b"A1", b"CAPABILITY")[0], "offered")
        eq(c.cmd(b"A2", b"STARTTLS"), [
            b"A2 BAD STARTTLS failed: unexpected command.\r\n"], "bad")
        c.close()
        s.wait()


@test
def starttls_inject():
    with Server("--scenario", "starttls-inject", *tls_opts()) as s:
        c = Client(s.port)
        c.expect(GREETING)
        c.cmd(b"A1", b"CAPABILITY")
        c.send(b"A2 STARTTLS\r\n")
        time.sleep(0.3)
        c.fill()          # one read: the OK and the injection together
        eq(c.buf, b"A2 OK Begin TLS negotiation now.\r\n"
           b"* CAPABILITY IMAP4rev1 AUTH=PLAIN X-INJECTED\r\n"
           b"A3 OK [CAPABILITY IMAP4rev1 X-INJECTED] LOGIN completed "
           b"(injected)\r\n", "OK + injection in one segment")
        c.buf = b""        # a correct client discards it
        c.starttls()
        caps = c.cmd(b"A3", b"CAPABILITY")
        check(b"X-INJECTED" not in caps[0], "real caps over TLS")
        eq(c.cmd(b"A4", b"LOGIN alice secret"), [b"A4 OK Logged in\r\n"], "")
        c.close()
        s.wait()
        eq(s.record(), c.sent, "record")
        check("injected 114 bytes after STARTTLS OK" in s.log(), "logged")


@test
def starttls_inject_custom():
    with Server("--scenario", "starttls-inject", "--inject",
                "{tag+1} OK [ALERT] fake\\r\\n", *tls_opts()) as s:
        c = Client(s.port)
        c.expect(GREETING)
        c.send(b"t009 STARTTLS\r\n")
        time.sleep(0.3)
        c.fill()
        eq(c.buf, b"t009 OK Begin TLS negotiation now.\r\n"
           b"t010 OK [ALERT] fake\r\n", "custom injection")
        c.buf = b""
        c.starttls()
        c.close()
        s.wait()


@test
def preauth():
    with Server("--scenario", "preauth") as s:
        c = Client(s.port)
        c.expect(b"* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE IDLE "
                 b"NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE] "
                 b"Logged in as hostile.\r\n")
        eq(c.cmd(b"A1", b"STATUS INBOX (MESSAGES)")[0],
           b"* STATUS INBOX (MESSAGES 3)\r\n", "authenticated already")
        c.close()
        s.wait()


@test
def stall_greeting():
    with Server("--scenario", "stall-greeting") as s:
        c = Client(s.port)
        c.silent(1.0)
        c.send(b"A1 CAPABILITY\r\n")
        c.silent(0.5)
        c.close()
        eq(s.wait(), 0, "status")
        eq(s.record(), b"A1 CAPABILITY\r\n", "record")


@test
def stall_greeting_times_out_itself():
    with Server("--scenario", "stall-greeting", timeout=1) as s:
        c = Client(s.port)
        t = time.monotonic()
        eq(c.eof(), b"", "server gives up after --timeout")
        check(time.monotonic() - t < 3, "quickly")
        s.wait()


@test
def stall_command():
    with Server("--scenario", "stall-command") as s:
        c = Client(s.port)
        login(c)
        eq(c.cmd(b"a2", b"CAPABILITY")[-1],
           b"a2 OK Capability completed.\r\n", "housekeeping answered")
        c.send(b"a3 SELECT INBOX\r\n")
        c.silent(1.0)
        c.send(b"a4 NOOP\r\n")
        c.silent(0.3)
        c.close()
        s.wait()
        eq(s.record(), c.sent, "record")
        check("misbehave stall-command on a3 SELECT" in s.log(), "logged")


@test
def stall_command_on_fetch():
    with Server("--scenario", "stall-command", "--on", "fetch") as s:
        c = Client(s.port)
        login(c)
        c.cmd(b"a2", b"SELECT INBOX")
        c.send(b"a3 UID FETCH 1 (FLAGS)\r\n")
        c.silent(0.8)
        c.close()
        s.wait()


@test
def delay_greeting():
    for args, secs in ((["--scenario", "delay-greeting:1"], 1.0),
                       (["--scenario", "delay-greeting", "--delay", "0.5"],
                        0.5)):
        with Server(*args) as s:
            t = time.monotonic()
            c = Client(s.port)
            c.expect(GREETING)
            dt = time.monotonic() - t
            check(secs <= dt < secs + 1, "delay %.2f for %s" % (dt, secs))
            c.close()
            s.wait()


@test
def bye_mid_command():
    with Server("--scenario", "bye-mid-command") as s:
        c = Client(s.port)
        login(c)
        c.send(b'a2 LIST "" "*"\r\n')
        eq(c.eof(), b"* BYE server shutting down\r\n", "bye then close")
        s.wait()


@test
def close_mid_literal():
    with Server("--scenario", "close-mid-literal") as s:
        c = Client(s.port)
        login(c)
        c.cmd(b"a2", b"SELECT INBOX")
        c.send(b"a3 UID FETCH 2 (BODY.PEEK[])\r\n")
        data = c.eof()
        head = b"* 2 FETCH (UID 2 BODY[] {100000}\r\n"
        check(data.startswith(head), "head %r" % data[:60])
        eq(len(data), len(head) + 4096, "partial literal length")
        eq(data[len(head):], S.literal_message(100000)[:4096], "bytes")
        s.wait()


@test
def huge_literal():
    with Server("--scenario", "huge-literal") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        c.expect(b"* 1 FETCH (UID 1 BODY[] {1000000000000}\r\n")
        c.silent(0.8)
        c.send(b"a3 LOGOUT\r\n")
        c.close()
        s.wait()
        eq(s.record(), c.sent, "record")
        check("eof while waiting" in s.log(), "waited")


@test
def long_line_full():
    with Server("--scenario", "long-line", timeout=10) as s:
        c = Client(s.port, timeout=10)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        total = 0
        first = b""
        while total < 110100480:
            data = c.sock.recv(1 << 20)
            check(data, "eof too early at %d" % total)
            check(b"\n" not in data, "no line end")
            if len(first) < 16:
                first += data[:16]
            total += len(data)
        eq(first[:8], b"* OK AAA", "start")
        eq(total, 110100480, "length > 100 MB")
        c.silent(0.5)
        c.close()
        s.wait()
        check("long-line sent=110100480 complete" in s.log(), "logged")


@test
def long_line_client_gives_up():
    with Server("--scenario", "long-line", timeout=10) as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        got = 0
        while got < 3 << 20:
            got += len(c.sock.recv(1 << 20))
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
        t = time.monotonic()
        s.wait()
        check(time.monotonic() - t < 3, "server stopped promptly")
        check(re.search(r"long-line sent=\d+ stopped", s.log()), "stopped")


@test
def long_line_as_greeting():
    with Server("--scenario", "long-line", "--on", "greeting",
                "--long-line-bytes", "1000000") as s:
        c = Client(s.port)
        data = b""
        while len(data) < 1000000:
            data += c.sock.recv(1 << 20)
        eq(data, b"* OK " + b"A" * 999995, "greeting is the long line")
        c.close()
        s.wait()


@test
def garbage():
    with Server("--scenario", "garbage") as s:
        c = Client(s.port)
        eq(c.line(), S.GARBAGE, "garbage greeting")
        check(not S.GARBAGE.startswith(b"* OK"), "not a greeting")
        c.send(b"A1 LOGOUT\r\n")
        c.close()
        s.wait()
        eq(s.record(), b"A1 LOGOUT\r\n", "record")


@test
def malformed():
    with Server("--scenario", "malformed") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        eq(c.line(), b"* 1 FETCH (UID 1 FLAGS (\\Seen)\r\n", "unbalanced")
        eq(c.line(), b"* 2 FETCH (UID 2 BODY[] {12x}\r\n", "bad literal")
        eq(c.until_tagged(b"a2")[-1],
           b"a2 OK [READ-WRITE] Select completed.\r\n", "then tagged OK")
        c.close()
        s.wait()


@test
def login_no():
    with Server("--scenario", "login-no") as s:
        c = Client(s.port)
        c.expect(GREETING)
        eq(c.cmd(b"A1", b"LOGIN alice secret"), [
            b"A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"], "")
        c.send(b"A2 AUTHENTICATE PLAIN\r\n")
        c.expect(b"+ \r\n")
        c.send(b"AGFsaWNlAHNlY3JldA==\r\n")
        c.expect(b"A2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
        eq(c.cmd(b"A3", b"AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=="), [
            b"A3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"], "")
        c.close()
        s.wait()
        eq(s.record(), c.sent, "record")


@test
def bad_tag():
    with Server("--scenario", "bad-tag") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        eq(c.line(), b"ZZ9999 OK completed.\r\n", "bogus tag first")
        eq(c.until_tagged(b"a2")[-1],
           b"a2 OK [READ-WRITE] Select completed.\r\n", "real answer")
        c.close()
        s.wait()
    with Server("--scenario", "bad-tag", "--bogus-tag", "{tag+1}") as s:
        c = Client(s.port)
        login(c, b"a0001")
        c.send(b"a0002 SELECT INBOX\r\n")
        eq(c.line(), b"a0003 OK completed.\r\n", "predicted tag")
        c.close()
        s.wait()


@test
def bye_greeting():
    with Server("--scenario", "bye-greeting") as s:
        c = Client(s.port)
        eq(c.eof(), b"* BYE Too many connections, try later.\r\n", "")
        s.wait()


@test
def close_greeting():
    with Server("--scenario", "close-greeting") as s:
        c = Client(s.port)
        eq(c.eof(), b"", "closed, nothing sent")
        s.wait()


@test
def reset_mid_command():
    with Server("--scenario", "reset-mid-command") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        eq(c.eof(), b"RST", "connection reset")
        s.wait()


@test
def bad_and_no_reply():
    for sc, want in (("bad-reply", b"a2 BAD [CLIENTBUG] The hostile server "
                      b"rejects this.\r\n"),
                     ("no-reply", b"a2 NO [CANNOT] The hostile server "
                      b"refuses this.\r\n")):
        with Server("--scenario", sc) as s:
            c = Client(s.port)
            login(c)
            eq(c.cmd(b"a2", b"SELECT INBOX"), [want], sc)
            eq(c.cmd(b"a3", b"NOOP"), [b"a3 OK NOOP completed.\r\n"], "after")
            c.close()
            s.wait()


@test
def deep_nesting():
    with Server("--scenario", "deep-nesting", "--depth", "50") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        eq(c.line(), b"* 1 FETCH (UID 1 X-HOSTILE " + b"(" * 50 + b")" * 50 +
           b")\r\n", "nesting")
        c.until_tagged(b"a2")
        c.close()
        s.wait()


@test
def number_overflow():
    with Server("--scenario", "number-overflow") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 SELECT INBOX\r\n")
        eq(c.line() + c.line(), S.OVERFLOW, "numbers")
        eq(S.OVERFLOW, b"* 18446744073709551616 EXISTS\r\n* 1 FETCH (UID "
           b"4294967296 RFC822.SIZE 99999999999999999999999)\r\n", "bytes")
        c.until_tagged(b"a2")
        eq(c.cmd(b"a3", b"STATUS Sent (MESSAGES)"), [
            b"* STATUS Sent (MESSAGES 0)\r\n", b"a3 OK Status completed.\r\n"],
            "later commands normal")
        c.close()
        s.wait()
    with Server("--scenario", "number-overflow") as s:
        c = Client(s.port)
        login(c)
        c.send(b"a2 STATUS INBOX (MESSAGES UIDNEXT)\r\n")
        eq(c.line() + c.line(), S.OVERFLOW, "numbers")
        eq(c.until_tagged(b"a2"), [
            b"* STATUS INBOX (MESSAGES 18446744073709551616 UNSEEN "
            b"99999999999999999999 UIDNEXT 4294967296 UIDVALIDITY "
            b"4294967296)\r\n", b"a2 OK Status completed.\r\n"], "status")
        c.close()
        s.wait()


@test
def logindisabled():
    with Server("--scenario", "logindisabled", *tls_opts()) as s:
        c = Client(s.port)
        c.expect(GREETING)
        caps = c.cmd(b"a1", b"CAPABILITY")[0]
        check(caps.endswith(b" SPECIAL-USE STARTTLS LOGINDISABLED\r\n"),
              "caps %r" % caps)
        eq(c.cmd(b"a2", b"LOGIN alice secret"), [
            b"a2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed "
            b"on non-secure connections.\r\n"], "refused")
        eq(c.cmd(b"a2b", b"AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=="), [
            b"a2b NO [PRIVACYREQUIRED] Plaintext authentication disallowed "
            b"on non-secure connections.\r\n"], "refused")
        c.cmd(b"a3", b"STARTTLS")
        c.starttls()
        caps = c.cmd(b"a4", b"CAPABILITY")[0]
        check(b"LOGINDISABLED" not in caps and b"AUTH=PLAIN" in caps, "TLS")
        eq(c.cmd(b"a5", b"LOGIN alice secret"), [b"a5 OK Logged in\r\n"], "")
        c.close()
        s.wait()
        check("violation: LOGIN sent while LOGINDISABLED" in s.log(), "log")


@test
def idle_drop_and_push():
    with Server("--scenario", "idle-drop", "--connections", "2",
                "--idle-push", "0.5") as s:
        c = Client(s.port)
        login(c)
        c.cmd(b"a2", b"SELECT INBOX")
        c.send(b"a3 IDLE\r\n")
        c.expect(b"+ idling\r\n")
        eq(c.eof(), b"", "dropped during IDLE")
        c = Client(s.port)
        login(c)
        lines = c.cmd(b"b2", b"SELECT INBOX")
        check(b"* 4 EXISTS\r\n" in lines, "delivered while away")
        c.send(b"b3 IDLE\r\n")
        c.expect(b"+ idling\r\n")
        c.expect(b"* 5 EXISTS\r\n")
        c.send(b"DONE\r\n")
        c.expect(b"b3 OK Idle completed.\r\n")
        c.close()
        eq(s.wait(), 0, "status")


def write_script(text):
    path = os.path.join(TMP, "script%d" % (Server.n + 1))
    with open(path, "w") as f:
        f.write(text)
    return path


@test
def script_move_interrupted():
    path = os.path.join(HERE, "scripts", "move-interrupted.script")
    with Server("--script", path, "--drop-cap", "MOVE") as s:
        c = Client(s.port)
        login(c)
        c.cmd(b"a2", b"SELECT INBOX")
        eq(c.cmd(b"a3", b"UID COPY 1 Archive"), [
            b"a3 OK [COPYUID 1700000002 1 7] Copy completed.\r\n"], "copy")
        c.send(b"a4 UID STORE 1 +FLAGS.SILENT (\\Deleted)\r\n")
        eq(c.eof(), b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Deleted))\r\n", "")
        eq(s.wait(), 0, "status")


@test
def script_sections_and_failure():
    path = write_script("""\
send * OK first {tag}
expect-re ^\\S+ LOGIN
reply OK [ALERT] hi {tag+1}
connection
send * OK second
expect SELECT
""")
    with Server("--script", path, "--connections", "2") as s:
        c = Client(s.port)
        c.expect(b"* OK first *\r\n")
        eq(c.cmd(b"x7", b"LOGIN a b"), [b"x7 OK [ALERT] hi x8\r\n"], "reply")
        eq(c.eof(), b"", "end of section closes")
        c = Client(s.port)
        c.expect(b"* OK second\r\n")
        c.send(b"y1 LIST \"\" *\r\n")
        eq(c.eof(), b"", "closed on failed expectation")
        eq(s.wait(), 3, "status 3 on failed expectation")
        check("script: line 6: expected 'SELECT'" in s.log(), "logged")


@test
def script_tls():
    path = write_script("""\
greeting
expect STARTTLS
reply OK go
tls
serve
""")
    with Server("--script", path, *tls_opts()) as s:
        c = Client(s.port)
        c.expect(GREETING)
        c.cmd(b"a1", b"STARTTLS")
        c.starttls()
        eq(c.cmd(b"a2", b"LOGIN u p"), [b"a2 OK Logged in\r\n"], "")
        eq(c.cmd(b"a3", b"LOGOUT")[-1], b"a3 OK Logout completed.\r\n", "")
        c.close()
        eq(s.wait(), 0, "status")


def main(argv):
    global VERBOSE
    if argv and argv[0] == "-v":
        VERBOSE = True
        argv = argv[1:]
    have_tls = make_certs()
    failed = 0
    for fn in TESTS:
        if argv and fn.__name__ not in argv:
            continue
        t = time.monotonic()
        try:
            fn()
            print("ok    %-40s %.2fs" % (fn.__name__, time.monotonic() - t))
        except Skip as e:
            print("skip  %-40s %s" % (fn.__name__, e))
        except Exception as e:
            failed += 1
            print("FAIL  %-40s %s" % (fn.__name__, e))
            if VERBOSE or not isinstance(e, Fail):
                traceback.print_exc()
    if not have_tls:
        print("(TLS cases skipped: openssl not found)")
    shutil.rmtree(TMP, ignore_errors=True)
    print("%d failed" % failed if failed else "all passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
