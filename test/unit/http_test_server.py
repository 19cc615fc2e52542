#!/usr/bin/env python3
"""Test peer for test_http.c and test_sigv4.c (not a test itself).

serve mode (default): an HTTP/1.1 server on 127.0.0.1:0 that prints "PORT <n>"
and runs until its stdin closes (so it dies with the C test). Endpoints:
  /echo            JSON: method, path, query, headers, body length/sha256, client port
  /status/<code>   that status
  /big?n=N         N bytes: byte i is 'a' + i % 26
  /slow?ms=N       answers after N ms
  /slowread?ms=N   waits N ms before reading the request body, then answers
  /headers         a few response headers
  /stats           connections accepted, requests proxied
  /dropreuse?id=X  the first time X comes on a reused connection: reads the body and
                   closes without answering (the client must resend, rewinding the body)
  /s3/<bucket>/<key>  checks AWS SigV4 the way S3 does (403 SignatureDoesNotMatch,
                   400 XAmzContentSHA256Mismatch, 403 RequestTimeTooSkewed)
  absolute URI     forward proxy for http:// targets (407 when --proxy-auth differs)

sign mode: reads a JSON list of SigV4 inputs from the file named on the command
line and prints the signatures, computed here with hmac/hashlib independently
of the C signer.
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import socketserver
import sys
import threading
import time
import urllib.parse

UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
       "transfer-encoding", "upgrade", "proxy-authenticate", "trailer"}


def enc_byte(b):
    return chr(b) if b in UNRESERVED else "%%%02X" % b


def normalise(s, keep_slash):
    """Decodes %XX and re-encodes all but unreserved bytes (and a literal '/')."""
    raw = s.encode("utf-8") if isinstance(s, str) else s
    out, i = [], 0
    hexd = b"0123456789abcdefABCDEF"
    while i < len(raw):
        b, escaped = raw[i], False
        if b == 0x25 and i + 2 < len(raw) and raw[i + 1] in hexd and raw[i + 2] in hexd:
            b, escaped, i = int(raw[i + 1:i + 3], 16), True, i + 2
        out.append("/" if (b == 0x2F and keep_slash and not escaped) else enc_byte(b))
        i += 1
    return "".join(out)


def canonical_query(q):
    pairs = []
    for piece in q.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((normalise(name, False), normalise(value, False)))
    return "&".join("%s=%s" % p for p in sorted(pairs))


def trim(v):
    return " ".join(v.strip().split())


def signing_key(secret, date8, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date8.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def sign(method, path, query, headers, signed, payload, amz_date, region, service, secret):
    """headers: dict lower-name -> list of values. Returns (canonical request, sts, signature)."""
    canon_headers = "".join("%s:%s\n" % (n, ",".join(trim(v) for v in headers[n])) for n in signed)
    cr = "\n".join([method, path, query, canon_headers, ";".join(signed), payload])
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(cr.encode()).hexdigest()])
    sig = hmac.new(signing_key(secret, amz_date[:8], region, service), sts.encode(),
                   hashlib.sha256).hexdigest()
    return cr, sts, sig


SKIP = {"connection", "expect", "user-agent", "content-length", "transfer-encoding", "te",
        "keep-alive", "upgrade", "accept-encoding", "authorization"}


def sign_mode(path):
    results = []
    for case in json.load(open(path)):
        u = urllib.parse.urlsplit(case["url"])
        headers = {}
        host = u.netloc
        for line in case.get("headers", []):
            if ":" in line:
                name, value = line.split(":", 1)
            else:
                name, value = line.split(";", 1)[0], ""
            name = name.strip().lower()
            if name in SKIP or name.startswith("proxy-"):
                continue
            if name == "host":
                host = value.strip()
                continue
            headers.setdefault(name, []).append(value)
        payload = case.get("payload_hash") or "UNSIGNED-PAYLOAD"
        headers["host"] = [host]
        headers["x-amz-date"] = [case["amz_date"]]
        if case["service"] == "s3":
            headers["x-amz-content-sha256"] = [payload]
        if case.get("session_token"):
            headers["x-amz-security-token"] = [case["session_token"]]
        signed = sorted(headers)
        cpath = normalise(u.path, True) if u.path else "/"
        cq = canonical_query(u.query)
        cr, sts, sig = sign(case["method"], cpath, cq, headers, signed, payload,
                            case["amz_date"], case["region"], case["service"], case["secret_key"])
        results.append({"canonical_request": cr, "string_to_sign": sts, "signature": sig,
                        "url": "%s://%s%s%s" % (u.scheme, u.netloc, cpath, "?" + cq if cq else "")})
    json.dump(results, sys.stdout)


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # a small backlog drops SYNs under 100 parallel connects (C6)
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that cancel or time out close early: not an error here

    def __init__(self, args):
        super().__init__(("127.0.0.1", 0), Handler)
        self.args = args
        self.lock = threading.Lock()
        self.dropped = set()
        self.connections = 0
        self.proxied = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1
        self.conn_requests = 0

    def read_body(self):
        """Streams the body through sha256; keeps at most 1 MiB of it."""
        h, kept, n = hashlib.sha256(), bytearray(), 0

        def take(data):
            nonlocal n
            h.update(data)
            n += len(data)
            if len(kept) < (1 << 20):
                kept.extend(data[:(1 << 20) - len(kept)])

        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                while size:
                    d = self.rfile.read(min(size, 1 << 16))
                    take(d)
                    size -= len(d)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                d = self.rfile.read(min(left, 1 << 16))
                if not d:
                    break
                take(d)
                left -= len(d)
        return bytes(kept), n, h.hexdigest()

    def reply(self, code, body=b"", ctype="application/json", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        self.conn_requests += 1
        if self.path.startswith("http://"):
            return self.proxy()
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        if u.path == "/slowread":  # the body waits in the socket buffers meanwhile
            time.sleep(int(q["ms"][0]) / 1000.0)
        body, n, digest = self.read_body()
        if u.path == "/echo" or u.path.startswith("/echo/"):
            hdrs = {}
            for k, v in self.headers.items():
                hdrs.setdefault(k.lower(), []).append(v)
            out = {"method": self.command, "path": u.path, "query": u.query, "headers": hdrs,
                   "body_len": n, "body_sha256": digest,
                   "body": body.decode("latin-1") if n <= 4096 else None,
                   "client_port": self.client_address[1], "conn_requests": self.conn_requests}
            return self.reply(200, json.dumps(out))
        if u.path == "/dropreuse":
            with self.server.lock:
                drop = self.conn_requests > 1 and q["id"][0] not in self.server.dropped
                if drop:
                    self.server.dropped.add(q["id"][0])
            if drop:
                self.close_connection = True
                return
            return self.reply(200, json.dumps({"body_len": n, "body_sha256": digest,
                                               "dropped": q["id"][0] in self.server.dropped}))
        if u.path.startswith("/status/"):
            code = int(u.path[8:])
            return self.reply(code, "status %d" % code, "text/plain")
        if u.path == "/big":
            size = int(q["n"][0])
            block = bytes(ord("a") + i % 26 for i in range(26 * 2521))
            data = (block * (size // len(block) + 1))[:size]
            return self.reply(200, data, "application/octet-stream")
        if u.path in ("/slow", "/slowread"):
            time.sleep(int(q["ms"][0]) / 1000.0)
            return self.reply(200, "slow", "text/plain")
        if u.path == "/headers":
            return self.reply(200, "h", "text/plain",
                              [("X-Test", "hello world"), ("ETag", '"abc123"'), ("x-lower", "v")])
        if u.path == "/stats":
            return self.reply(200, json.dumps({"connections": self.server.connections,
                                               "proxied": self.server.proxied}))
        if u.path.startswith("/s3/"):
            return self.s3(u, n, digest)
        return self.reply(404, "no such endpoint", "text/plain")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    def s3_error(self, code, err, msg, extra=""):
        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
               "%s</Error>" % (err, msg, extra))
        return self.reply(code, xml, "application/xml")

    def s3(self, u, n, digest):
        a = self.server.args
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return self.s3_error(403, "AccessDenied", "no SigV4 Authorization header")
        fields = {}
        for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            k, _, v = part.strip().partition("=")
            fields[k] = v
        cred = fields.get("Credential", "").split("/")
        signed = fields.get("SignedHeaders", "").split(";")
        amz_date = self.headers.get("x-amz-date", "")
        payload = self.headers.get("x-amz-content-sha256")
        if len(cred) != 5 or cred[0] != a["access_key"]:
            return self.s3_error(403, "InvalidAccessKeyId", "unknown access key")
        if cred[1] != amz_date[:8] or cred[2] != a["region"] or cred[3] != "s3":
            return self.s3_error(403, "AuthorizationHeaderMalformed", "bad credential scope")
        if payload is None:
            return self.s3_error(400, "InvalidRequest", "missing x-amz-content-sha256")
        try:
            t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            return self.s3_error(403, "AccessDenied", "bad x-amz-date")
        if abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) > 900:
            return self.s3_error(403, "RequestTimeTooSkewed", "clock skew")
        names = [k.lower() for k in self.headers.keys()]
        must = {"host", "x-amz-date", "x-amz-content-sha256"} | {
            h for h in names if h.startswith("x-amz-") or h in ("content-type", "content-md5")}
        if not must <= set(signed) or signed != sorted(signed):
            return self.s3_error(403, "AccessDenied", "headers not signed: %s" % sorted(must - set(signed)))
        token = self.headers.get("x-amz-security-token")
        if token is not None and token != a.get("token"):
            return self.s3_error(403, "InvalidToken", "bad session token")
        # S3-style servers canonicalise the raw path, others re-encode the
        # decoded key: the request must be in canonical form so both agree.
        raw_path = u.path
        if normalise(raw_path, True) != raw_path:
            return self.s3_error(403, "SignatureDoesNotMatch", "path not canonically encoded")
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        for s in signed:
            if s not in headers:
                return self.s3_error(403, "AccessDenied", "signed header %s missing" % s)
        cq = canonical_query(u.query)
        cr, sts, sig = sign(self.command, raw_path, cq, headers, signed, payload, amz_date,
                            a["region"], "s3", a["secret"])
        if not hmac.compare_digest(sig, fields.get("Signature", "")):
            return self.s3_error(403, "SignatureDoesNotMatch", "signature mismatch",
                                 "<CanonicalRequest>%s</CanonicalRequest>" % cr)
        if payload != "UNSIGNED-PAYLOAD" and payload != digest:
            return self.s3_error(400, "XAmzContentSHA256Mismatch", "body hash differs")
        key = urllib.parse.unquote(raw_path[len("/s3/"):].partition("/")[2])
        return self.reply(200, json.dumps({"ok": True, "method": self.command, "key": key,
                                           "query": u.query, "canonical_request": cr,
                                           "signed_headers": signed, "body_len": n,
                                           "body_sha256": digest}))

    def proxy(self):
        a = self.server.args
        if a.get("proxy_auth"):
            want = "Basic " + base64.b64encode(a["proxy_auth"].encode()).decode()
            if self.headers.get("Proxy-Authorization") != want:
                self.read_body()
                return self.reply(407, "proxy auth", "text/plain",
                                  [("Proxy-Authenticate", 'Basic realm="test"')])
        body, n, _ = self.read_body()
        if n > len(body):
            return self.reply(502, "body too large for the test proxy", "text/plain")
        u = urllib.parse.urlsplit(self.path)
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, u.path + ("?" + u.query if u.query else ""), body=body or None,
                     headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        with self.server.lock:
            self.server.proxied += 1
        extra = [(k, v) for k, v in r.getheaders()
                 if k.lower() not in HOP and k.lower() not in ("content-length", "content-type")]
        extra.append(("X-Via-Proxy", "1"))
        self.reply(r.status, data, r.getheader("Content-Type", "text/plain"), extra)
        conn.close()


def serve(argv):
    args = {"access_key": "AKIDTEST", "secret": "secret", "region": "us-east-1"}
    i = 0
    while i < len(argv):
        args[argv[i].lstrip("-").replace("-", "_")] = argv[i + 1]
        i += 2
    srv = Server(args)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stdout.write("PORT %d\n" % srv.server_address[1])
    sys.stdout.flush()
    try:
        while sys.stdin.read(1):
            pass
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sign":
        sign_mode(sys.argv[2])
    else:
        serve(sys.argv[1:])
