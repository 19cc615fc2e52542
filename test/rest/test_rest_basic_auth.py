"""REST basic authentication (issue 8 finding 2): Connect's BasicAuthSecurityRestExtension.

Real kconnect workers against the local broker, configured as a Connect operator would:
rest.extension.classes=...BasicAuthSecurityRestExtension, the JAAS file from
KAFKA_OPTS=-Djava.security.auth.login.config=... (or kconnect.rest.jaas.config.file) with a
KafkaConnect entry for PropertyFileLoginModule and a user=password credentials file. Answers are
checked against what Apache Kafka Connect 3.9.1 sends (verified with the Java worker): a 401 with
the bare body "User cannot access the resource.", Content-Type application/json, no
WWW-Authenticate; a malformed base64 value is Java's IllegalArgumentException as a 500; unknown
paths (404) and methods (405) are answered before the filter; the two internal endpoints are
exempt. A worker whose extension or files cannot be applied must not start.
"""
import atexit
import base64
import http.client
import json
import os
import subprocess

import kctest
from kctest import unique, wait_until

EXT = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
DENIED = "User cannot access the resource."

_dir = kctest.tmpdir("kc-rest-auth-")


def write(name, text):
    path = os.path.join(_dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


CREDS = write("credentials.properties", "# users\nuser=password\nadmin: s3cret:with:colons\n")
os.makedirs(os.path.join(_dir, "dir with space"), exist_ok=True)
JAAS = write("dir with space/jaas.conf",
             "// kconnect test\nKafkaConnect {\n  %s required\n  file=\"%s\";\n};\n" % (MODULE, CREDS))


class AuthWorker(kctest.Worker):
    """kctest.Worker with its own environment (KAFKA_OPTS), ready once REST answers at all."""

    def __init__(self, props, env=None, connectors=()):
        wd = kctest.tmpdir("kc-rest-auth-w-")
        super().__init__(wd, props, connectors)
        self.env = env or {}

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        env = dict(os.environ)
        env.pop("KAFKA_OPTS", None)
        env.update(self.env)
        self.proc = subprocess.Popen([kctest.BIN, "standalone", self.worker_file] + self.connector_files,
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir, env=env)
        if wait:
            wait_until(lambda: self.alive_or_raise() and call(self, "GET", "/")[0] in (200, 401), 60,
                       what="REST on :%d" % self.port)
        return self

    def exit_code(self, timeout=60):
        self.start(wait=False)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError("kconnect kept running; log:\n" + self.tail())
        self.log.close()
        with open(self.log_path, "rb") as f:
            return rc, f.read().decode("utf-8", "replace")


def auth(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def call(w, method, path, body=None, headers=None, user=None):
    """(status, [(lower-case name, value)...], body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=30)
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if user:
        hdrs["Authorization"] = auth(*user)
    conn.request(method, path, body=data, headers=hdrs)
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    return r.status, [(k.lower(), v) for k, v in r.getheaders()], text


def header(hs, name):
    vals = [v for k, v in hs if k == name]
    return vals[0] if vals else None


_worker = None


def worker():
    global _worker
    if _worker is None:
        _worker = AuthWorker({"rest.extension.classes": EXT},
                             env={"KAFKA_OPTS": "-Xmx1g \"-Djava.security.auth.login.config=%s\" -Dx=y" % JAAS})
        _worker.start()
        atexit.register(_worker.stop)
    _worker.alive_or_raise()
    return _worker


GOOD = ("user", "password")


def test_missing_and_wrong_credentials_401():
    w = worker()
    for hdrs in ({}, {"Authorization": auth("user", "wrong")}, {"Authorization": auth("nobody", "password")},
                 {"Authorization": auth("user", "")}, {"Authorization": "Bearer " + auth("user", "password")[6:]},
                 {"Authorization": "Basic"}, {"Authorization": "Basic " + base64.b64encode(b"userpassword").decode()},
                 {"Authorization": "Basic " + base64.b64encode(b":password").decode()}):
        for path in ("/", "/connectors", "/connector-plugins", "/connectors/x/status"):
            code, hs, text = call(w, "GET", path, headers=hdrs)
            assert code == 401, (hdrs, path, code, text)
            assert text == DENIED, text
            assert header(hs, "content-type") == "application/json", hs
            assert header(hs, "www-authenticate") is None, hs
    code, _, text = call(w, "POST", "/connectors", body={"name": "x", "config": {}})
    assert code == 401 and text == DENIED, (code, text)


def test_right_credentials_200():
    w = worker()
    code, _, text = call(w, "GET", "/connectors", user=GOOD)
    assert code == 200 and json.loads(text) == [], (code, text)
    code, _, text = call(w, "GET", "/", user=("admin", "s3cret:with:colons"))
    assert code == 200 and "version" in json.loads(text), (code, text)
    code, _, _ = call(w, "GET", "/connectors", headers={"Authorization": "bAsIc " + auth(*GOOD)[6:]})
    assert code == 200


def test_malformed_base64_is_500():
    w = worker()
    code, hs, text = call(w, "GET", "/connectors", headers={"Authorization": "Basic dXNl!"})
    assert code == 500 and json.loads(text) == {"error_code": 500, "message": "Illegal base64 character 21"}, text
    code, _, text = call(w, "GET", "/connectors", headers={"Authorization": "Basic  " + auth(*GOOD)[6:]})
    assert code == 500 and json.loads(text)["message"] == "Illegal base64 character 20", text


def test_matching_before_the_filter():
    w = worker()
    code, _, text = call(w, "GET", "/nope")
    assert code == 404 and json.loads(text)["error_code"] == 404, (code, text)
    code, _, text = call(w, "DELETE", "/connectors")
    assert code == 405, (code, text)
    # a task id that is not an int is converted after the filter ran
    code, _, text = call(w, "GET", "/connectors/x/tasks/abc/status")
    assert code == 401 and text == DENIED, (code, text)
    # Jersey's OPTIONS method is matched, so it is authenticated; its type is text/plain
    code, hs, text = call(w, "OPTIONS", "/connectors")
    assert code == 401 and text == DENIED and header(hs, "content-type") == "text/plain", (code, hs, text)
    code, hs, _ = call(w, "OPTIONS", "/connectors", user=GOOD)
    assert code == 200 and "POST" in header(hs, "allow"), (code, hs)


def test_internal_endpoints_exempt():
    w = worker()
    code, _, text = call(w, "POST", "/connectors/some-conn/tasks", body=[])
    assert code == 500, (code, text)
    assert json.loads(text)["message"] == \
        "Kafka Connect in standalone mode does not support externally setting task configurations.", text
    code, _, text = call(w, "PUT", "/connectors/some-conn/fence")
    assert code == 500 and "does not support exactly-once source connectors" in text, (code, text)
    # a decoded '/' in the name does not match the exemption (Connect: 401; kconnect has no such route: 405)
    code, _, text = call(w, "POST", "/connectors/a%2Fb/tasks", body=[])
    assert code in (401, 405), (code, text)


def test_create_connector_with_credentials_runs():
    w = worker()
    name, topic = unique("auth-src"), unique("auth-topic")
    src = os.path.join(w.workdir, name + ".txt")
    lines = kctest.loghub_lines(kctest.loghub_files()[0])[:20]
    with open(src, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    cfg = {"connector.class": "FileStreamSource", "file": src, "topic": topic, "tasks.max": "1"}
    code, _, text = call(w, "POST", "/connectors", body={"name": name, "config": cfg})
    assert code == 401, (code, text)
    code, hs, text = call(w, "POST", "/connectors", body={"name": name, "config": cfg}, user=GOOD)
    assert code == 201, (code, text)
    assert header(hs, "location") == "http://127.0.0.1:%d/connectors/%s" % (w.port, name), hs  # absolute, as 4.x

    def running():
        c, _, t = call(w, "GET", "/connectors/%s/status" % name, user=GOOD)
        st = json.loads(t) if c == 200 else {}
        return c == 200 and st["connector"]["state"] == "RUNNING" and st["tasks"] and \
            st["tasks"][0]["state"] == "RUNNING"
    wait_until(running, 60, what="%s RUNNING" % name)
    got = wait_until(lambda: (lambda v: v if len(v) >= len(lines) else None)(
        kctest.consume_all(topic, len(lines), timeout=30)), 60, what="records in " + topic)
    assert got[:len(lines)] == lines, got[:3]
    assert call(w, "DELETE", "/connectors/" + name)[0] == 401
    assert call(w, "DELETE", "/connectors/" + name, user=GOOD)[0] == 204


def test_cors_preflight_with_auth():
    w = AuthWorker({"rest.extension.classes": EXT, "kconnect.rest.jaas.config.file": JAAS,
                    "access.control.allow.origin": "http://ui.example"}).start()
    try:
        # the worker key alone is enough (no KAFKA_OPTS); a browser's preflight carries no credentials
        code, hs, text = call(w, "OPTIONS", "/connectors", headers={
            "Origin": "http://ui.example", "Access-Control-Request-Method": "POST"})
        assert code == 401 and text == DENIED, (code, text)
        assert header(hs, "access-control-allow-origin") == "http://ui.example", hs
        assert header(hs, "access-control-allow-methods") == "GET,POST,HEAD", hs
        code, hs, _ = call(w, "GET", "/connectors", headers={"Origin": "http://ui.example"}, user=GOOD)
        assert code == 200 and header(hs, "access-control-allow-origin") == "http://ui.example", hs
        code, hs, _ = call(w, "GET", "/connectors", headers={"Origin": "http://ui.example"})
        assert code == 401 and header(hs, "access-control-allow-credentials") == "true", hs
    finally:
        w.stop()


def expect_no_start(props, env, *needles):
    w = AuthWorker(props, env=env)
    rc, log = w.exit_code()
    assert rc != 0, "exit code %s; log:\n%s" % (rc, log)
    for n in needles:
        assert n in log, "%r not in log:\n%s" % (n, log)
    # it must not have served anything
    assert "REST server listening" not in log, log


def test_unknown_extension_class_stops_worker():
    expect_no_start({"rest.extension.classes": "com.example.AuditRestExtension"}, None,
                    "com.example.AuditRestExtension")
    expect_no_start({"rest.extension.classes": EXT + ", com.example.Other"}, {"KAFKA_OPTS": "-D" +
                    "java.security.auth.login.config=" + JAAS}, "com.example.Other")


def test_missing_files_stop_worker():
    missing = os.path.join(_dir, "no-such-credentials.properties")
    jaas = write("missing-creds.conf", "KafkaConnect { %s required file=\"%s\"; };\n" % (MODULE, missing))
    expect_no_start({"rest.extension.classes": EXT},
                    {"KAFKA_OPTS": "-Djava.security.auth.login.config=" + jaas}, missing)
    expect_no_start({"rest.extension.classes": EXT},
                    {"KAFKA_OPTS": "-Djava.security.auth.login.config=" + os.path.join(_dir, "nope.conf")},
                    "nope.conf")
    expect_no_start({"rest.extension.classes": EXT}, None, "needs a JAAS file")
    other = write("other-module.conf", "KafkaConnect { com.example.LdapLoginModule required url=\"ldap://x\"; };\n")
    expect_no_start({"rest.extension.classes": EXT, "kconnect.rest.jaas.config.file": other}, None,
                    "com.example.LdapLoginModule")
    empty = write("empty.properties", "# nobody\n")
    jaas = write("empty-creds.conf", "KafkaConnect { %s required file=\"%s\"; };\n" % (MODULE, empty))
    expect_no_start({"rest.extension.classes": EXT, "kconnect.rest.jaas.config.file": jaas}, None, "is empty")


if __name__ == "__main__":
    kctest.main([
        test_missing_and_wrong_credentials_401,
        test_right_credentials_200,
        test_malformed_base64_is_500,
        test_matching_before_the_filter,
        test_internal_endpoints_exempt,
        test_create_connector_with_credentials_runs,
        test_cors_preflight_with_auth,
        test_unknown_extension_class_stops_worker,
        test_missing_files_stop_worker,
    ])
