#!/usr/bin/env python3
"""A fault-injecting stand-in for a Confluent Schema Registry (test_schema_registry.c).

Serves the endpoints the client uses under an optional base path (--base-path, e.g.
/apis/ccompat/v7, as Apicurio's compatibility API), from an in-memory store:
  POST {base}/subjects/{s}/versions            register      -> {"id": n}
  POST {base}/subjects/{s}                     look up       -> {"subject","version","id","schema"}
  GET  {base}/subjects/{s}/versions/latest     latest        -> same
  GET  {base}/schemas/ids/{id}                 by id         -> {"schema": ...}
  POST {base}/compatibility/subjects/{s}/versions/latest -> {"is_compatible": b}
       (a schema containing "INCOMPATIBLE" is not compatible)
Switches, set by POST /_ctl with a JSON object (keys merged; outside the base path):
  fail: n           the next n registry requests answer 500
  auth: "u:p"       Basic auth required (401 without a JSON body otherwise); null: none
  bearer: "tok"     Bearer token required; null: none
  delay_ms: n       every registry request waits n ms before answering
  error: {"status": 409, "error_code": 409, "message": "..."}  next request answers it; null: off
With --tls-cert/--tls-key it serves HTTPS; with --tls-ca too it requires a client certificate
signed by that CA.
GET /_stats -> {"requests": n, "last": {"method","path","accept","content_type","authorization",
"body"}}. Listens on 127.0.0.1, port 0; prints "PORT <n>"; exits when stdin closes.
"""
import argparse
import base64
import json
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"fail": 0, "auth": None, "bearer": None, "delay_ms": 0, "error": None}
STATS = {"requests": 0, "last": {}}
IDS = {}       # schema text -> id
BY_ID = {}     # id -> schema text
SUBJECTS = {}  # subject -> [schema text, ...] (version = index + 1)
BASE = ""


def err(code, message):
    return {"error_code": code, "message": message}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj=None, raw=None):
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        raw = self.body()
        path = self.path.split("?", 1)[0]
        if path == "/_ctl":
            with LOCK:
                STATE.update(json.loads(raw or b"{}"))
            return self.reply(200, {"ok": True})
        if path == "/_stats":
            with LOCK:
                return self.reply(200, STATS)
        with LOCK:
            STATS["requests"] += 1
            STATS["last"] = {
                "method": method, "path": self.path,
                "accept": self.headers.get("Accept"),
                "content_type": self.headers.get("Content-Type"),
                "authorization": self.headers.get("Authorization"),
                "body": raw.decode("utf-8", "replace"),
            }
            delay = STATE["delay_ms"]
            fail = STATE["fail"] > 0
            if fail:
                STATE["fail"] -= 1
            forced = STATE["error"]
            if forced:
                STATE["error"] = None
            auth, bearer = STATE["auth"], STATE["bearer"]
        if delay:
            time.sleep(delay / 1000.0)
        if fail:
            return self.reply(500, err(50001, "Error in the backend data store"))
        got = self.headers.get("Authorization") or ""
        if auth is not None and got != "Basic " + base64.b64encode(auth.encode()).decode():
            return self.reply(401, raw=b"")
        if bearer is not None and got != "Bearer " + bearer:
            return self.reply(401, raw=b"")
        if forced:
            return self.reply(forced["status"], err(forced["error_code"], forced["message"]))
        if not path.startswith(BASE + "/"):
            return self.reply(404, raw=b"<html>no such path</html>")
        parts = [urllib.parse.unquote(p) for p in path[len(BASE) + 1:].split("/")]
        try:
            schema = json.loads(raw)["schema"] if method == "POST" else None
        except (ValueError, KeyError):
            return self.reply(422, err(42201, "Either the input schema or one its references is invalid"))
        with LOCK:
            return self.route(method, parts, schema)

    def route(self, method, parts, schema):
        if method == "GET" and len(parts) == 3 and parts[:2] == ["schemas", "ids"]:
            sid = int(parts[2])
            if sid not in BY_ID:
                return self.reply(404, err(40403, "Schema %d not found" % sid))
            return self.reply(200, {"schema": BY_ID[sid]})
        if parts[0] == "subjects" and len(parts) >= 2:
            subj = parts[1]
            if method == "POST" and len(parts) == 3 and parts[2] == "versions":
                if schema not in IDS:
                    IDS[schema] = len(IDS) + 1
                    BY_ID[IDS[schema]] = schema
                versions = SUBJECTS.setdefault(subj, [])
                if schema not in versions:
                    versions.append(schema)
                return self.reply(200, {"id": IDS[schema]})
            if subj not in SUBJECTS:
                return self.reply(404, err(40401, "Subject '%s' not found." % subj))
            versions = SUBJECTS[subj]
            if method == "POST" and len(parts) == 2:
                if schema not in versions:
                    return self.reply(404, err(40403, "Schema not found"))
                v = versions.index(schema) + 1
                return self.reply(200, {"subject": subj, "version": v, "id": IDS[schema], "schema": schema})
            if method == "GET" and parts[2:] == ["versions", "latest"]:
                s = versions[-1]
                return self.reply(200, {"subject": subj, "version": len(versions), "id": IDS[s], "schema": s})
        if method == "POST" and parts[0] == "compatibility" and parts[-2:] == ["versions", "latest"]:
            if parts[2] not in SUBJECTS:
                return self.reply(404, err(40401, "Subject '%s' not found." % parts[2]))
            return self.reply(200, {"is_compatible": "INCOMPATIBLE" not in schema})
        return self.reply(404, err(404, "HTTP 404 Not Found"))


def main():
    global BASE
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-path", default="")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-ca")
    args = ap.parse_args()
    BASE = args.base_path.rstrip("/")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_ca:
            ctx.load_verify_locations(args.tls_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT %d" % srv.server_address[1], flush=True)
    sys.stdin.read()
    srv.shutdown()


if __name__ == "__main__":
    main()
