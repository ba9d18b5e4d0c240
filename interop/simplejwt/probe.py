#!/usr/bin/env python3
"""probe.py: send a fixed list of requests with curl to a server started by serve.sh
and print what came back, as Markdown, with every token masked and decoded.

Usage:
  probe.py --port PORT --venv VENV --state STATE_DIR [--sections LIST] > transcript.md

The server must have been started with SIMPLEJWT_ACCESS_SECONDS=2 (the expiry steps
wait 3 s). --venv and --state are used for the steps that change users behind the
server's back (manage.py shell on the same sqlite database). Sections, comma-separated:
  login, user, refresh, verify, blacklist, options   (all of these by default)
  rotation   refresh with rotation on (server started with SIMPLEJWT_ROTATE=1 ...)
  expiry     refresh token expiry (server started with SIMPLEJWT_REFRESH_SECONDS=4)
  accounts   user made inactive after login, user deleted after login (run last:
             it deactivates alice)

Only standard-library Python; requests go to 127.0.0.1 only. Header `Date` is shown
as <date>; tokens as <access1>, <refresh1>, ... with header and payload decoded once.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JWT_RE = re.compile(rb"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?")
JSON_CT = "application/json"
ALICE = '{"username":"alice","password":"Ab12345678"}'


def b64d(seg):
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def b64e(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def secret_key():
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    text = open(os.path.join(HERE, "jwtsite", "settings.py")).read()
    m = re.search(r'TEST_ONLY_SECRET_KEY = \(\s*"([^"]+)"\s*\)', text)
    return m.group(1)


def sign(header_json, payload_json, alg="HS256"):
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    signing_input = b64e(header_json.encode()) + "." + b64e(payload_json.encode())
    sig = hmac.new(secret_key().encode(), signing_input.encode(), digest).digest()
    return signing_input + "." + b64e(sig)


class Probe:
    def __init__(self, port, venv, state):
        self.base = "http://127.0.0.1:%d" % port
        self.venv = venv
        self.state = state
        self.labels = {}  # token text -> label
        self.counters = {}
        self.described = set()
        self.out = sys.stdout
        self.tmp = tempfile.mkdtemp(prefix="probe-")

    # ---- tokens -------------------------------------------------------------
    def label(self, token, name=None):
        if token in self.labels:
            return self.labels[token]
        if name is None:
            kind = "jwt"
            try:
                kind = json.loads(b64d(token.split(".")[1])).get("token_type", "jwt")
            except Exception:
                pass
            self.counters[kind] = self.counters.get(kind, 0) + 1
            name = "%s%d" % (kind, self.counters[kind])
        self.labels[token] = "<%s>" % name
        return self.labels[token]

    def mask(self, data):
        def repl(m):
            return self.label(m.group(0).decode()).encode()
        for token, lab in sorted(self.labels.items(), key=lambda kv: -len(kv[0])):
            data = data.replace(token.encode(), lab.encode())
        return JWT_RE.sub(repl, data)

    def describe(self, token):
        lab = self.labels[token]
        if lab in self.described:
            return None
        self.described.add(lab)
        parts = token.split(".")
        lines = ["%s:" % lab]
        try:
            lines.append("  header  %s" % b64d(parts[0]).decode())
            payload = b64d(parts[1]).decode()
            lines.append("  payload %s" % payload)
            p = json.loads(payload)
            extra = []
            if isinstance(p.get("exp"), int) and isinstance(p.get("iat"), int):
                extra.append("exp-iat=%d" % (p["exp"] - p["iat"]))
            if len(parts) == 3:
                extra.append("signature %d bytes" % len(b64d(parts[2])) if parts[2] else "no signature")
            lines.append("  (" + ", ".join(extra) + ")")
        except Exception as e:  # crafted garbage
            lines.append("  (not decodable: %s)" % e)
        return "\n".join(lines)

    # ---- requests -----------------------------------------------------------
    def curl(self, method, path, headers=(), data=None, form=None, head=False):
        hfile = os.path.join(self.tmp, "h")
        bfile = os.path.join(self.tmp, "b")
        for f in (hfile, bfile):
            if os.path.exists(f):
                os.unlink(f)
        args = ["curl", "-sS", "--http1.1"]
        if head:
            args.append("--head")
        elif method != "GET" or data is not None or form:
            args += ["-X", method]
        for h in headers:
            args += ["-H", h]
        if data is not None:
            args += ["--data-binary", data]
        for f in form or ():
            args += ["-F", f]
        args.append(self.base + path)
        shown = ["curl", "-sS", "--http1.1"] + [a for a in args[3:]]
        subprocess.run(args[:3] + ["-D", hfile, "-o", bfile] + args[3:], check=True)
        raw_headers = open(hfile, "rb").read()
        body = open(bfile, "rb").read() if os.path.exists(bfile) and not head else b""
        return shown, raw_headers, body

    def login_silent(self, body=ALICE):
        _, _, b = self.curl("POST", "/api/token/", ["Content-Type: application/json"], body)
        d = json.loads(b)
        self.label(d["refresh"])
        self.label(d["access"])
        return d["access"], d["refresh"]

    def step(self, ident, title, method, path, headers=(), data=None, form=None,
             head=False, od=False, max_body=1500):
        shown, raw_headers, body = self.curl(method, path, headers, data, form, head)
        for tok in JWT_RE.findall(body):
            self.label(tok.decode())
        w = self.out.write
        w("#### %s %s\n\n```text\n" % (ident, title))
        cmd = shlex.join(shown)
        w("$ " + self.mask(cmd.encode()).decode() + "\n")
        head_text = self.mask(raw_headers).decode("latin-1")
        head_text = re.sub(r"(?im)^date: .*$", "Date: <date>", head_text.replace("\r\n", "\n"))
        head_text = re.sub(r"csrftoken=[A-Za-z0-9]+; expires=[^;]+;",
                           "csrftoken=<csrf>; expires=<date>;", head_text)
        w(head_text.rstrip("\n") + "\n\n")
        masked = self.mask(body)
        if len(masked) > max_body:
            w(masked[:max_body].decode("utf-8", "replace"))
            w("\n[... body cut here; %d bytes in all (as sent, tokens unmasked)]\n" % len(body))
        elif masked:
            w(masked.decode("utf-8", "replace"))
            w("\n[body %d bytes%s%s]\n" % (
                len(body),
                ", ends with a newline" if body.endswith(b"\n") else ", no trailing newline",
                ", tokens masked" if masked != body else ""))
        else:
            w("[no body]\n")
        w("```\n")
        if b"\n" in masked and len(masked) <= 600 and not od:
            w("\nThe body as a Python bytes literal (tokens masked):\n\n```text\n%r\n```\n" % masked)
        if od and masked:
            dump = subprocess.run(["od", "-c"], input=masked, capture_output=True).stdout
            w("\n`od -c` of the body (tokens masked):\n\n```text\n%s```\n" % dump.decode())
        notes = []
        for text in (cmd.encode(), body):
            for tok in JWT_RE.findall(text):
                d = self.describe(tok.decode())
                if d:
                    notes.append(d)
        if notes:
            w("\n```text\n" + "\n".join(notes) + "\n```\n")
        w("\n")
        status = int(raw_headers.split(b" ", 2)[1]) if raw_headers else 0
        return status, body

    def note(self, text):
        self.out.write(text + "\n\n")

    def shell(self, code):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="jwtsite.settings",
                   SIMPLEJWT_DB=os.path.join(self.state, "db.sqlite3"),
                   PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="ignore")
        r = subprocess.run([os.path.join(self.venv, "bin", "python"), "manage.py", "shell",
                            "-c", code], cwd=HERE, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("manage.py shell failed:\n" + r.stderr)
        return r.stdout.strip()


def bearer(tok):
    return "Authorization: Bearer " + tok


def sec_login(p):
    J = "Content-Type: application/json"
    p.out.write("### Login: POST /api/token/\n\n")
    p.step("L01", "correct credentials, JSON", "POST", "/api/token/", [J], ALICE)
    p.step("L02", "form-encoded", "POST", "/api/token/", [],
           "username=alice&password=Ab12345678")
    p.step("L03", "wrong password", "POST", "/api/token/", [J],
           '{"username":"alice","password":"wrong"}')
    p.step("L04", "unknown user", "POST", "/api/token/", [J],
           '{"username":"nobody","password":"Ab12345678"}')
    p.step("L05", "inactive user bob, right password", "POST", "/api/token/", [J],
           '{"username":"bob","password":"Bb12345678"}')
    p.step("L06", "missing password", "POST", "/api/token/", [J], '{"username":"alice"}')
    p.step("L07", "missing both (other key only)", "POST", "/api/token/", [J], '{"user":"alice"}')
    p.step("L08", "empty JSON object {}", "POST", "/api/token/", [J], "{}")
    p.step("L09", "empty body, Content-Type application/json", "POST", "/api/token/", [J], "")
    p.step("L10", "JSON body without Content-Type", "POST", "/api/token/",
           ["Content-Type:"], ALICE)
    p.step("L11", "username 5 (number)", "POST", "/api/token/", [J],
           '{"username":5,"password":"Ab12345678"}')
    p.step("L12", "username true", "POST", "/api/token/", [J],
           '{"username":true,"password":"Ab12345678"}')
    p.step("L13", "username null", "POST", "/api/token/", [J],
           '{"username":null,"password":"Ab12345678"}')
    p.step("L14", 'username ""', "POST", "/api/token/", [J],
           '{"username":"","password":"Ab12345678"}')
    p.step("L15", 'username "  alice  " (surrounding spaces)', "POST", "/api/token/", [J],
           '{"username":"  alice  ","password":"Ab12345678"}')
    p.step("L16", 'password " Ab12345678 " (surrounding spaces)', "POST", "/api/token/", [J],
           '{"username":"alice","password":" Ab12345678 "}')
    p.step("L17", "password only spaces", "POST", "/api/token/", [J],
           '{"username":"alice","password":"   "}')
    p.step("L18", "body []", "POST", "/api/token/", [J], "[]")
    p.step("L19", 'body "x"', "POST", "/api/token/", [J], '"x"')
    p.step("L20", "body null", "POST", "/api/token/", [J], "null")
    p.step("L21", "body 5", "POST", "/api/token/", [J], "5")
    p.step("L22", "malformed JSON {", "POST", "/api/token/", [J], "{")
    p.step("L23", "malformed JSON, trailing garbage", "POST", "/api/token/", [J], ALICE + "x")
    p.step("L24", "text/plain body", "POST", "/api/token/", ["Content-Type: text/plain"], ALICE)
    p.step("L25", "multipart/form-data", "POST", "/api/token/", [],
           form=["username=alice", "password=Ab12345678"])
    p.step("L26", "Accept: application/xml", "POST", "/api/token/",
           [J, "Accept: application/xml"], ALICE)
    p.step("L27", "Accept: application/json; indent=4", "POST", "/api/token/",
           [J, "Accept: application/json; indent=4"], ALICE, od=True)
    p.step("L28", "Accept: application/json; indent=4, error body", "POST", "/api/token/",
           [J, "Accept: application/json; indent=4"], '{"username":"alice"}', od=True)
    p.step("L29", "Accept: application/json; indent=0", "POST", "/api/token/",
           [J, "Accept: application/json; indent=0"], ALICE, od=True)
    p.step("L30", "Accept: application/json; indent=abc", "POST", "/api/token/",
           [J, "Accept: application/json; indent=abc"], ALICE)
    p.step("L31", "Accept: application/json; indent=20, error body", "POST", "/api/token/",
           [J, "Accept: application/json; indent=20"], '{"username":"alice"}', od=True)
    p.step("L32", "Accept: text/html (browsable API)", "POST", "/api/token/",
           [J, "Accept: text/html"], ALICE, max_body=600)
    p.step("L33", "Accept: */*", "POST", "/api/token/", [J, "Accept: */*"], ALICE)
    p.step("L34", "Accept: text/html;q=0.9, application/json (two types)", "POST",
           "/api/token/", [J, "Accept: text/html;q=0.9, application/json"],
           '{"username":"alice"}')
    p.step("L35", "GET /api/token/", "GET", "/api/token/")
    p.step("L36", "DELETE /api/token/", "DELETE", "/api/token/")
    p.step("L37", "PUT /api/token/ with a JSON body", "PUT", "/api/token/", [J], ALICE)
    p.step("L38", "OPTIONS /api/token/", "OPTIONS", "/api/token/")
    p.step("L39", "OPTIONS /api/token/ with Accept indent=4", "OPTIONS", "/api/token/",
           ["Accept: application/json; indent=4"], od=False)
    p.step("L40", "POST /api/token without trailing slash", "POST", "/api/token", [J], ALICE)
    p.step("L41", "username with a NUL character", "POST", "/api/token/", [J],
           '{"username":"al\\u0000ice","password":"Ab12345678"}')
    p.step("L42", "very long username (200 chars)", "POST", "/api/token/", [J],
           '{"username":"%s","password":"x"}' % ("a" * 200))
    p.step("L43", "extra unknown field next to correct credentials", "POST", "/api/token/",
           [J], '{"username":"alice","password":"Ab12345678","extra":1}')
    p.step("L44", "username as list", "POST", "/api/token/", [J],
           '{"username":["alice"],"password":"Ab12345678"}')


def sec_user(p):
    p.out.write("### GET /api/user/\n\n")
    p.step("U01", "no Authorization", "GET", "/api/user/")
    p.step("U02", "Authorization: Token x", "GET", "/api/user/", ["Authorization: Token x"])
    p.step("U03", "Authorization: Bearer (alone)", "GET", "/api/user/", ["Authorization: Bearer"])
    p.step("U04", "Authorization: Bearer a b", "GET", "/api/user/", ["Authorization: Bearer a b"])
    a, r = p.login_silent()
    p.step("U05", "lowercase scheme: bearer <valid access>", "GET", "/api/user/",
           ["Authorization: bearer " + a])
    p.step("U06", "valid access token", "GET", "/api/user/", [bearer(a)])
    p.step("U07", "refresh token as Bearer", "GET", "/api/user/", [bearer(r)])
    p.step("U08", "garbage token", "GET", "/api/user/", ["Authorization: Bearer garbage"])
    h, pl, s = a.split(".")
    mid = len(s) // 2
    tampered = h + "." + pl + "." + s[:mid] + ("A" if s[mid] != "A" else "B") + s[mid + 1:]
    p.label(tampered, "access-signature-tampered")
    p.step("U09", "tampered signature (one char in the middle changed)", "GET", "/api/user/",
           [bearer(tampered)])
    payload = json.loads(b64d(pl))
    edited = dict(payload, user_id=2 if isinstance(payload["user_id"], int) else "2")
    edited_tok = h + "." + b64e(json.dumps(edited, separators=(",", ":")).encode()) + "." + s
    p.label(edited_tok, "access-payload-edited")
    p.step("U10", "payload edited after signing (user_id 2), old signature", "GET",
           "/api/user/", [bearer(edited_tok)])
    none_tok = b64e(b'{"alg":"none","typ":"JWT"}') + "." + pl + "."
    p.label(none_tok, "alg-none")
    p.step("U11", "alg none, same payload, empty signature", "GET", "/api/user/",
           [bearer(none_tok)])
    two = h + "." + pl
    p.label(two, "two-segments")
    p.step("U12", "two segments (signature dropped)", "GET", "/api/user/", [bearer(two)])
    str_exp = dict(payload, exp=str(payload["exp"] + 3600))
    str_tok = sign('{"alg":"HS256","typ":"JWT"}', json.dumps(str_exp, separators=(",", ":")))
    p.label(str_tok, "string-exp")
    p.step("U13", 'validly signed, "exp" a string (future)', "GET", "/api/user/",
           [bearer(str_tok)])
    hs512 = sign('{"alg":"HS512","typ":"JWT"}', b64d(pl).decode(), "HS512")
    p.label(hs512, "hs512-right-key")
    p.step("U14", "HS512 with the right key", "GET", "/api/user/", [bearer(hs512)])
    no_exp = {k: v for k, v in payload.items() if k != "exp"}
    no_exp_tok = sign('{"alg":"HS256","typ":"JWT"}', json.dumps(no_exp, separators=(",", ":")))
    p.label(no_exp_tok, "no-exp")
    p.step("U15", 'validly signed, no "exp"', "GET", "/api/user/", [bearer(no_exp_tok)])
    ghost = dict(payload, exp=payload["exp"] + 3600,
                 user_id=99 if isinstance(payload["user_id"], int) else "99")
    ghost_tok = sign('{"alg":"HS256","typ":"JWT"}', json.dumps(ghost, separators=(",", ":")))
    p.label(ghost_tok, "unknown-user")
    p.step("U16", "validly signed, user_id of no user (99)", "GET", "/api/user/",
           [bearer(ghost_tok)])
    bob = dict(payload, exp=payload["exp"] + 3600,
               user_id=2 if isinstance(payload["user_id"], int) else "2")
    bob_tok = sign('{"alg":"HS256","typ":"JWT"}', json.dumps(bob, separators=(",", ":")))
    p.label(bob_tok, "inactive-bob")
    p.step("U17", "validly signed, user_id of inactive bob (2)", "GET", "/api/user/",
           [bearer(bob_tok)])
    p.step("U18", "empty Authorization header", "GET", "/api/user/", ["Authorization;"])
    a, r = p.login_silent()
    p.step("U19", "two Authorization headers, both Bearer <valid access>", "GET",
           "/api/user/", [bearer(a), bearer(a)])
    p.step("U20", "two Authorization headers: Token x, then Bearer <valid>", "GET",
           "/api/user/", ["Authorization: Token x", bearer(a)])
    p.step("U21", "DELETE without credentials", "DELETE", "/api/user/")
    p.step("U22", "DELETE with valid credentials", "DELETE", "/api/user/", [bearer(a)])
    p.step("U23", "POST with valid credentials", "POST", "/api/user/",
           [bearer(a), "Content-Type: application/json"], "{}")
    p.step("U24", "OPTIONS without credentials", "OPTIONS", "/api/user/")
    p.step("U25", "OPTIONS with valid credentials", "OPTIONS", "/api/user/", [bearer(a)])
    p.step("U26", "HEAD with valid credentials", "HEAD", "/api/user/", [bearer(a)], head=True)
    p.step("U27", "HEAD without credentials", "HEAD", "/api/user/", head=True)
    p.step("U28", "GET /api/user (no slash)", "GET", "/api/user")
    p.step("U29", "POST /api/user (no slash)", "POST", "/api/user",
           ["Content-Type: application/json"], "{}")
    p.step("U30", "GET /api/user?x=1 (no slash, query)", "GET", "/api/user?x=1")
    p.step("U31", "unknown path /api/nothing/", "GET", "/api/nothing/")
    p.step("U32", "unknown path, Accept: application/json", "GET", "/api/nothing/",
           ["Accept: application/json"])
    p.step("U33", "valid access, Accept: application/xml", "GET", "/api/user/",
           [bearer(a), "Accept: application/xml"])
    p.step("U34", "no credentials, Accept: application/xml", "GET", "/api/user/",
           ["Accept: application/xml"])
    p.step("U35", "valid access, Accept: application/json; indent=4", "GET", "/api/user/",
           [bearer(a), "Accept: application/json; indent=4"], od=True)
    p.step("U36", "Bearer with two spaces before the token", "GET", "/api/user/",
           ["Authorization: Bearer  " + a])
    p.note("Sleeping 3 s so that the access token (2 s lifetime) expires.")
    time.sleep(3)
    p.step("U37", "expired access token", "GET", "/api/user/", [bearer(a)])
    p.step("U38", "expired access token, signature tampered too", "GET", "/api/user/",
           [bearer(tampered)])


def sec_refresh(p):
    J = "Content-Type: application/json"
    p.out.write("### POST /api/token/refresh/\n\n")
    a, r = p.login_silent()
    p.step("R01", "valid refresh token", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % r)
    p.step("R02", "access token sent", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % a)
    p.step("R03", "missing field", "POST", "/api/token/refresh/", [J], "{}")
    p.step("R04", '"refresh": null', "POST", "/api/token/refresh/", [J], '{"refresh":null}')
    p.step("R05", '"refresh": ""', "POST", "/api/token/refresh/", [J], '{"refresh":""}')
    p.step("R06", '"refresh": 5', "POST", "/api/token/refresh/", [J], '{"refresh":5}')
    p.step("R07", "garbage", "POST", "/api/token/refresh/", [J], '{"refresh":"garbage"}')
    h, pl, s = r.split(".")
    mid = len(s) // 2
    tampered = h + "." + pl + "." + s[:mid] + ("A" if s[mid] != "A" else "B") + s[mid + 1:]
    p.label(tampered, "refresh-signature-tampered")
    p.step("R08", "tampered signature", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % tampered)
    a, r = p.login_silent()
    p.step("R09", "form-encoded valid refresh (fresh login)", "POST", "/api/token/refresh/",
           [], "refresh=" + r)
    p.step("R10", "GET /api/token/refresh/", "GET", "/api/token/refresh/")
    a, r = p.login_silent()
    p.step("R11", "valid refresh (fresh login) with an (ignored) Authorization: Bearer garbage",
           "POST", "/api/token/refresh/", [J, "Authorization: Bearer garbage"],
           '{"refresh":"%s"}' % r)
    p.step("R12", "malformed JSON", "POST", "/api/token/refresh/", [J], "{")
    _, body = p.step("R13", "login (fresh tokens for R14)", "POST", "/api/token/", [J], ALICE)
    r = json.loads(body)["refresh"]
    p.note("Sleeping 3 s: the next refresh shows which iat and exp a refreshed access "
           "token gets.")
    time.sleep(3)
    p.step("R14", "refresh 3 s after login", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % r)


def sec_verify(p):
    J = "Content-Type: application/json"
    p.out.write("### POST /api/token/verify/\n\n")
    a, r = p.login_silent()
    p.step("V01", "valid access", "POST", "/api/token/verify/", [J], '{"token":"%s"}' % a)
    p.step("V02", "valid refresh", "POST", "/api/token/verify/", [J], '{"token":"%s"}' % r)
    p.step("V03", "garbage", "POST", "/api/token/verify/", [J], '{"token":"garbage"}')
    p.step("V04", "missing field", "POST", "/api/token/verify/", [J], "{}")
    p.step("V05", '"token": null', "POST", "/api/token/verify/", [J], '{"token":null}')
    p.step("V06", "field named refresh instead of token", "POST", "/api/token/verify/", [J],
           '{"refresh":"%s"}' % r)
    none_tok = b64e(b'{"alg":"none","typ":"JWT"}') + "." + a.split(".")[1] + "."
    p.label(none_tok, "alg-none")
    p.step("V07", "alg none", "POST", "/api/token/verify/", [J], '{"token":"%s"}' % none_tok)
    p.note("Sleeping 3 s so that the access token expires.")
    time.sleep(3)
    p.step("V08", "expired access", "POST", "/api/token/verify/", [J], '{"token":"%s"}' % a)


def sec_blacklist(p):
    J = "Content-Type: application/json"
    p.out.write("### POST /api/token/blacklist/\n\n")
    a, r = p.login_silent()
    st, _ = p.step("B01", "refresh token", "POST", "/api/token/blacklist/", [J],
                   '{"refresh":"%s"}' % r)
    if st == 404:
        p.note("The endpoint does not exist in this version; nothing more to try.")
        return
    p.step("B02", "same refresh token again", "POST", "/api/token/blacklist/", [J],
           '{"refresh":"%s"}' % r)
    p.step("B03", "access token", "POST", "/api/token/blacklist/", [J], '{"refresh":"%s"}' % a)
    p.step("B04", "missing field", "POST", "/api/token/blacklist/", [J], "{}")
    p.step("B05", "garbage", "POST", "/api/token/blacklist/", [J], '{"refresh":"garbage"}')
    p.step("B06", "refresh with the blacklisted token", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % r)
    p.step("B07", "verify the blacklisted token", "POST", "/api/token/verify/", [J],
           '{"token":"%s"}' % r)
    p.step("B08", "access token issued with the blacklisted refresh, at /api/user/", "GET",
           "/api/user/", [bearer(a)])


def sec_options(p):
    p.out.write("### OPTIONS and GET on the other token endpoints\n\n")
    for i, path in enumerate(["/api/token/refresh/", "/api/token/verify/",
                              "/api/token/blacklist/"], 1):
        p.step("O%02d" % i, "OPTIONS " + path, "OPTIONS", path)
    p.step("O04", "GET /api/token/verify/", "GET", "/api/token/verify/")
    p.step("O05", "GET /api/token/blacklist/", "GET", "/api/token/blacklist/")


def sec_rotation(p):
    J = "Content-Type: application/json"
    p.out.write("### Rotation (ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION)\n\n")
    a, r1 = p.login_silent()
    st, body = p.step("X01", "refresh <r1>: new access and new refresh", "POST",
                      "/api/token/refresh/", [J], '{"refresh":"%s"}' % r1)
    r2 = json.loads(body).get("refresh")
    p.step("X02", "reuse the old refresh token", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % r1)
    p.step("X03", "verify the old (blacklisted) refresh token", "POST", "/api/token/verify/",
           [J], '{"token":"%s"}' % r1)
    p.step("X04", "verify the new refresh token", "POST", "/api/token/verify/", [J],
           '{"token":"%s"}' % r2)
    st, body = p.step("X05", "refresh with the new refresh token", "POST",
                      "/api/token/refresh/", [J], '{"refresh":"%s"}' % r2)
    r3 = json.loads(body).get("refresh")
    st, _ = p.step("X06", "blacklist endpoint with <r3>", "POST", "/api/token/blacklist/",
                   [J], '{"refresh":"%s"}' % r3)
    if st != 404:
        p.step("X07", "verify <r3> after the blacklist endpoint", "POST",
               "/api/token/verify/", [J], '{"token":"%s"}' % r3)
        p.step("X08", "refresh with <r3>", "POST", "/api/token/refresh/", [J],
               '{"refresh":"%s"}' % r3)
    p.step("X09", "verify the access token issued at login (not blacklisted)", "POST",
           "/api/token/verify/", [J], '{"token":"%s"}' % a)


def sec_expiry(p):
    J = "Content-Type: application/json"
    p.out.write("### Refresh token expiry (SIMPLEJWT_REFRESH_SECONDS=4)\n\n")
    a, r = p.login_silent()
    p.step("E01", "login (to show the short refresh lifetime)", "POST", "/api/token/", [J], ALICE)
    p.note("Sleeping 5 s so that the refresh token (4 s lifetime) expires.")
    time.sleep(5)
    p.step("E02", "refresh with the expired refresh token", "POST", "/api/token/refresh/",
           [J], '{"refresh":"%s"}' % r)
    p.step("E03", "verify the expired refresh token", "POST", "/api/token/verify/", [J],
           '{"token":"%s"}' % r)
    p.step("E04", "blacklist the expired refresh token", "POST", "/api/token/blacklist/",
           [J], '{"refresh":"%s"}' % r)


def sec_accounts(p):
    J = "Content-Type: application/json"
    p.out.write("### Accounts changed after login (manage.py shell on the same database)\n\n")
    a, r = p.login_silent()
    p.note("`alice.is_active = False` saved through the Django shell.")
    p.shell("from django.contrib.auth.models import User; "
            "u = User.objects.get(username='alice'); u.is_active = False; u.save()")
    p.step("A01", "refresh a token of alice, made inactive after login", "POST",
           "/api/token/refresh/", [J], '{"refresh":"%s"}' % r)
    p.step("A02", "/api/user/ with an access token of inactive alice", "GET", "/api/user/",
           [bearer(a)])
    p.step("A03", "verify an access token of inactive alice", "POST", "/api/token/verify/",
           [J], '{"token":"%s"}' % a)
    p.step("A04", "login as inactive alice", "POST", "/api/token/", [J], ALICE)
    p.shell("from django.contrib.auth.models import User; "
            "User.objects.create_user(username='carol', password='Cc12345678')")
    a, r = p.login_silent('{"username":"carol","password":"Cc12345678"}')
    p.note("User carol created, logged in, then deleted through the Django shell.")
    p.shell("from django.contrib.auth.models import User; "
            "User.objects.filter(username='carol').delete()")
    p.step("A05", "refresh a token of a deleted user", "POST", "/api/token/refresh/", [J],
           '{"refresh":"%s"}' % r)
    p.step("A06", "/api/user/ with an access token of a deleted user", "GET", "/api/user/",
           [bearer(a)])


SECTIONS = {
    "login": sec_login, "user": sec_user, "refresh": sec_refresh, "verify": sec_verify,
    "blacklist": sec_blacklist, "options": sec_options, "rotation": sec_rotation,
    "expiry": sec_expiry, "accounts": sec_accounts,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--venv", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--sections", default="login,user,refresh,verify,blacklist,options")
    args = ap.parse_args()
    p = Probe(args.port, os.path.abspath(args.venv), os.path.abspath(args.state))
    for name in args.sections.split(","):
        SECTIONS[name](p)


if __name__ == "__main__":
    main()
