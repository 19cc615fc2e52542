#!/usr/bin/env python3
"""A small authenticating reverse proxy for a Schema Registry, for kconnect's basic-auth tests.

The local registry (tools/schema-registry-local) runs without authentication; this proxy in front
of it demands HTTP basic auth as a Confluent Schema Registry with
authentication.method=BASIC does: a request without the right credentials gets 401, header
WWW-Authenticate: Basic realm="SchemaRegistry", and Confluent's error body
{"error_code":401,"message":"Unauthorized"}. Others are forwarded (method, path, query, body,
Content-Type and Accept) and the registry's status, Content-Type and body returned.

CLI:     sr_auth_proxy.py --upstream URL --user U --password P
         listens on 127.0.0.1, an ephemeral port, and prints the port as stdout's first line.
Library: start(upstream, user, password) -> (port, server); server.shutdown() stops it.
         server.requests counts requests seen, server.rejected those refused.
Python standard library only; one thread per connection.
"""
import argparse
import base64
import hmac
import http.server
import sys
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

UNAUTHORIZED = b'{"error_code":401,"message":"Unauthorized"}'
# Request headers passed upstream; hop-by-hop ones and Authorization (the registry has none) are not.
FORWARD_HEADERS = ("Content-Type", "Accept", "User-Agent")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests read stdout/stderr
        pass

    def _authorized(self):
        h = self.headers.get("Authorization", "")
        scheme, _, token = h.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            got = base64.b64decode(token.strip(), validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(got, self.server.expected)

    def _send(self, status, body, ctype, extra=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        srv = self.server
        if srv.down:
            # A stopped proxy: kept-alive connections are cut too, as a dead registry would cut them.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        with srv.lock:
            srv.requests += 1
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else None
        if not self._authorized():
            with srv.lock:
                srv.rejected += 1
            self._send(401, UNAUTHORIZED, "application/json",
                       [("WWW-Authenticate", 'Basic realm="SchemaRegistry"')])
            return
        url = srv.upstream + self.path
        req = urllib.request.Request(url, data=body, method=self.command)
        for h in FORWARD_HEADERS:
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, ctype, data = r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            status, ctype, data = e.code, e.headers.get("Content-Type"), e.read()
        except (urllib.error.URLError, OSError) as e:
            msg = ('{"error_code":50001,"message":"proxy: upstream unreachable: %s"}' % str(e).replace('"', "'"))
            self._send(502, msg.encode(), "application/json")
            return
        self._send(status, data, ctype)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def start(upstream, user, password, port=0):
    """Starts the proxy in a daemon thread on 127.0.0.1:port (0: ephemeral). upstream: the registry
    base URL requests are appended to (path and query kept as sent). Returns (port, server)."""
    srv = _Server(("127.0.0.1", port), _Handler)
    p = urllib.parse.urlsplit(upstream)
    srv.upstream = "%s://%s" % (p.scheme, p.netloc) + p.path.rstrip("/")
    srv.expected = ("%s:%s" % (user, password)).encode()
    srv.requests = srv.rejected = 0
    srv.down = False
    srv.lock = threading.Lock()
    threading.Thread(target=srv.serve_forever, name="sr-auth-proxy", daemon=True).start()
    return srv.server_address[1], srv


def main(argv=None):
    ap = argparse.ArgumentParser(description="basic-auth reverse proxy for a Schema Registry")
    ap.add_argument("--upstream", required=True, help="registry base URL, e.g. http://127.0.0.1:8081")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args(argv)
    port, srv = start(a.upstream, a.user, a.password, a.port)
    print(port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
