#!/usr/bin/env python3
"""REST parity with Apache Kafka Connect 4.x, side by side.

Starts the real Java worker (ConnectStandalone of connect-runtime JAVA_VERSION with connect-file,
the Maven Central jars tools/bench/benchlib.py java_connect_home fetches) and kconnect standalone,
with the same worker properties, on the local broker; sends both the same request sequence
(rest_parity_requests.py: FileStreamSource/Sink on the loghub data, validation, lifecycle, errors)
and compares status codes, bodies and the Location/Allow headers after normalising only volatile
fields: the workers' ids and ports, each side's name token (connector, topic and file names carry
a per-side token so the two workers never share a topic or a consumer group), stack traces, logger
timestamps and the build commit. Prints every differing request and "N/M requests answer as Java
does"; fails when fewer than MIN_MATCH do, or when a request the README does not list as a known
difference (KNOWN) differs.

Skips (exit 0, "SKIP") only when java or mvn are missing (CI has both).
"""
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test"))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "bench"))
import kctest  # noqa: E402
import rest_parity_requests as seqmod  # noqa: E402

# 4.4.0's connect-runtime is on Maven Central but its connect-file is not (the FileStream connectors
# of a 4.4.0 runtime with 4.3.1's connect-file jar report no version): 4.3.1 is the newest 4.x whose
# worker runs with its own FileStream connectors.
JAVA_VERSION = os.environ.get("KC_PARITY_JAVA_VERSION", "4.3.1")
MIN_MATCH = 175
VERBOSE = os.environ.get("KC_PARITY_VERBOSE") == "1"


class Side:
    """One worker (Java or kconnect) and its way of naming things."""

    def __init__(self, label, token, port, worker):
        self.label, self.token, self.port, self.worker = label, token, port, worker

    def subst(self, s):
        return s.replace("{T}", self.token)

    def request(self, method, path, body=None, raw=None, ctype="application/json", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = None
        if raw is not None:
            data = self.subst(raw).encode() if isinstance(raw, str) else raw
        elif body is not None:
            data = self.subst(json.dumps(body)).encode()
        hdrs = {}
        if data is not None and ctype:
            hdrs["Content-Type"] = ctype
        for k, v in (headers or {}).items():
            hdrs[k] = v
        conn.request(method, self.subst(path), body=data, headers=hdrs)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        h = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        return r.status, h, text

    def json(self, method, path, body=None):
        code, _, text = self.request(method, path, body)
        try:
            return code, json.loads(text) if text else None
        except ValueError:
            return code, text

    # ---- normalisation: only what differs between two runs of the same worker ----

    def norm_str(self, s):
        s = s.replace(self.token, "{T}")
        s = s.replace("127.0.0.1:%d" % self.port, "{WORKER}").replace("localhost:%d" % self.port, "{WORKER}")
        return s

    def norm(self, v, key=None):
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                out[self.norm_str(k)] = self.norm(x, k)
            return out
        if isinstance(v, list):
            return [self.norm(x) for x in v]
        if isinstance(v, str):
            if key == "trace":
                return "<stack trace>"
            return self.norm_str(v)
        if key == "last_modified" and isinstance(v, int):
            return "<timestamp>"
        return v

    def answer(self, code, headers, text, path):
        try:
            body = json.loads(text) if text else None
            body = self.norm(body)
        except ValueError:
            body = self.norm_str(text)
        if path.split("?")[0].rstrip("/") == "/connectors" and isinstance(body, list):
            body = sorted(body)  # a set: Java's standalone lists it in HashMap order of the names
        if path.split("?")[0] in ("/", "") and isinstance(body, dict) and "commit" in body:
            body["commit"] = "<commit>"  # the build's own commit id
        out = {"status": code, "body": body}
        for h in ("location", "allow"):
            if h in headers:
                out[h] = self.norm_str(headers[h])
        return out


class JavaStandalone(kctest.Worker):
    def __init__(self, workdir, props, libs):
        self.libs = libs
        super().__init__(workdir, props)

    def start(self, wait=True):
        import benchlib
        self.log = open(self.log_path, "ab")
        cmd = benchlib.java_command(self.libs, self.workdir, [self.worker_file])
        cmd = [c for c in cmd if c not in ("-Xms256M", "-Xmx2G")]
        cmd.insert(1, "-Xmx768M")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        if wait:
            kctest.wait_until(lambda: self.alive_or_raise() and self.get("/")[0] == 200, 180,
                              what="Java Connect REST on :%d" % self.port)
        return self


def diffs(j, k, path="", out=None):
    """The JSON paths where two answers differ, with both values (at most 6)."""
    out = [] if out is None else out
    if len(out) >= 6:
        return out
    if isinstance(j, dict) and isinstance(k, dict):
        for key in sorted(set(j) | set(k)):
            if key not in k:
                out.append("%s/%s: java has it, kconnect lacks it (%s)" % (path, key, show(j[key], 300)))
            elif key not in j:
                out.append("%s/%s: kconnect has it, java lacks it (%s)" % (path, key, show(k[key], 300)))
            elif j[key] != k[key]:
                diffs(j[key], k[key], "%s/%s" % (path, key), out)
    elif isinstance(j, list) and isinstance(k, list) and len(j) == len(k):
        for i, (a, b) in enumerate(zip(j, k)):
            if a != b:
                name = a.get("name") if isinstance(a, dict) and isinstance(a.get("name"), str) else \
                    (a.get("definition") or {}).get("name") if isinstance(a, dict) and \
                    isinstance(a.get("definition"), dict) else None
                diffs(a, b, "%s[%s]" % (path, name or i), out)
    else:
        out.append("%s: java %s | kconnect %s" % (path or "/", show(j, 600), show(k, 600)))
    return out


def show(v, limit=1500):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= limit or VERBOSE else s[:limit] + "...(%d chars)" % len(s)


def run():
    if not shutil.which("java") or not shutil.which("mvn"):
        print("SKIP: java or mvn not installed")
        print("0 passed, 0 failed")
        return 0
    import benchlib
    libs, plugins = benchlib.java_connect_home(JAVA_VERSION)
    work = kctest.tmpdir("kc-parity-")
    shared = os.path.join(work, "shared")
    os.makedirs(shared)
    n = random.randrange(1000, 9999)
    common = {"plugin.discovery": "service_load", "plugin.path": os.path.dirname(plugins),
              "offset.flush.interval.ms": "500"}
    jdir, kdir = os.path.join(work, "java"), os.path.join(work, "kconnect")
    os.makedirs(jdir)
    os.makedirs(kdir)
    jw = JavaStandalone(jdir, common, libs)
    kw = kctest.Worker(kdir, common)
    sides = [Side("java", "rpj%d" % n, jw.port, jw), Side("kconnect", "rpk%d" % n, kw.port, kw)]
    ctx = seqmod.Context(data=kctest.SHARED_DATA, shared=shared)
    results = []
    waits_failed = []
    try:
        jw.start()
        kw.start()
        for step in seqmod.sequence(ctx):
            if step.kind == "wait":
                for s in sides:
                    try:
                        kctest.wait_until(lambda: step.fn(s), step.timeout, interval=0.3,
                                          what="%s: %s" % (s.label, step.what))
                    except AssertionError as e:  # the answers that follow show what went wrong
                        print("WAIT FAILED: %s" % e, flush=True)
                        waits_failed.append(step.what)
                continue
            ans = []
            for s in sides:
                code, h, text = s.request(step.method, step.path, body=step.body, raw=step.raw,
                                          ctype=step.ctype, headers=step.headers)
                ans.append(s.answer(code, h, text, step.path))
            results.append((step, ans[0], ans[1]))
    finally:
        for w in (kw, jw):
            try:
                w.stop(timeout=60)
            except Exception as e:  # noqa: BLE001
                print("stop %s: %s" % (w.log_path, e))
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump([{"method": st.method, "path": st.path, "note": st.note, "java": j, "kconnect": k}
                   for st, j, k in results], f, indent=1, sort_keys=True)
    same = 0
    unexpected = []
    for i, (step, j, k) in enumerate(results):
        if j == k:
            same += 1
            continue
        known = seqmod.known_reason(i + 1, step, j, k)
        print("DIFF #%d %s %s%s%s" % (i + 1, step.method, step.path,
                                      " [%s]" % step.note if step.note else "",
                                      " (known: %s)" % known if known else ""))
        for d in diffs(j, k):
            print("   " + d)
        if not known:
            unexpected.append(step)
    total = len(results)
    print("%d/%d requests answer as Java does (Java %s standalone)" % (same, total, JAVA_VERSION))
    ok = same >= MIN_MATCH and not unexpected and not waits_failed
    if unexpected:
        print("%d differences are not in the known list" % len(unexpected))
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("work dir kept: %s" % work)
    print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(run())
