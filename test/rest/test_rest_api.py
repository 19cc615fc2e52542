"""Connect's REST API against the real kconnect binary (connect-runtime.md 1.1-1.8).

One standalone worker (test/kctest.py Worker, local broker at KAFKA_BOOTSTRAP)
serves every test; each test uses its own connector names and topics. The
connectors are the built-in FileStreamSource / FileStreamSink, fed with real
log lines from the loghub data set so that offsets and states reflect real
work. Every status code, Location header and error body is checked as Connect
gives it.
"""
import atexit
import http.client
import json
import os
import socket
import time
import urllib.parse

import kctest
from kctest import unique, wait_until

_worker = None
_workdir = None


def worker():
    global _worker, _workdir
    if _worker is None:
        _workdir = kctest.tmpdir("kc-rest-api-")
        _worker = kctest.Worker(_workdir).start()
        atexit.register(_worker.stop)
    _worker.alive_or_raise()
    return _worker


def http_call(method, path, body=None, raw=None, headers=None, timeout=30):
    """Returns (status, headers, parsed JSON body or raw text or None)."""
    w = worker()
    conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=timeout)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {}
    if data is not None:
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        text = r.read().decode()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return r.status, r.headers, parsed
    finally:
        conn.close()


def q(name):
    return urllib.parse.quote(name, safe="")


def check(cond, what):
    if not cond:
        raise AssertionError(what if len(what) < 600 else what[:600] + "...")


def check_error(resp, status, contains=None):
    code, headers, body = resp
    check(code == status, "expected %d, got %d: %r" % (status, code, body))
    check(headers.get("Content-Type", "").startswith("application/json"), "error without JSON content type")
    check(isinstance(body, dict) and set(body) == {"error_code", "message"}, "error body shape: %r" % (body,))
    check(body["error_code"] == status, "error_code %r != %d" % (body["error_code"], status))
    if contains is not None:
        check(contains in (body["message"] or ""), "message %r lacks %r" % (body["message"], contains))
    return body


def source_file(lines=200):
    """A file of real log lines; returns (path, byte size, line count)."""
    src = kctest.loghub_files()[0]
    path = os.path.join(_workdir or worker().workdir, unique("src") + ".log")
    n = 0
    with open(src, "rb") as f, open(path, "wb") as out:
        for line in f:
            out.write(line.rstrip(b"\r\n") + b"\n")
            n += 1
            if n == lines:
                break
    return path, os.path.getsize(path), n


def sink_config(topic, path=None, **extra):
    cfg = {"connector.class": "FileStreamSink", "topics": topic,
           "file": path or os.path.join(worker().workdir, unique("sink") + ".txt"), "tasks.max": "1"}
    cfg.update(extra)
    return cfg


def create(name, config, expect=201):
    code, headers, body = http_call("POST", "/connectors", {"name": name, "config": config})
    check(code == expect, "create %s: %d %r" % (name, code, body))
    return headers, body


def state_of(name):
    code, _, st = http_call("GET", "/connectors/%s/status" % q(name))
    return st if code == 200 else None


def wait_state(name, state, tasks=None, timeout=60):
    def ok():
        st = state_of(name)
        if not st or st["connector"]["state"] != state:
            return False
        if tasks is not None:
            if len(st["tasks"]) != tasks:
                return False
            if tasks and state in ("RUNNING", "PAUSED") and any(t["state"] != state for t in st["tasks"]):
                return False
        return st
    return wait_until(ok, timeout, what="%s %s" % (name, state))


# ----------------------------------------------------------------------------- root, health, plugins

def test_root():
    code, headers, body = http_call("GET", "/")
    check(code == 200, "GET / -> %d" % code)
    check(headers.get("Content-Type", "").startswith("application/json"), "content type")
    check(set(body) >= {"version", "commit", "kafka_cluster_id"}, "root keys: %r" % body)
    check(isinstance(body["kafka_cluster_id"], str) and body["kafka_cluster_id"], "cluster id: %r" % body)


def test_health():
    code, _, body = http_call("GET", "/health")
    check(code == 200, "health %d %r" % (code, body))
    check(body == {"status": "healthy",
                   "message": "Worker has completed startup and is ready to handle requests."}, "health %r" % body)


def test_plugins():
    code, _, plugins = http_call("GET", "/connector-plugins")
    check(code == 200, "plugins %d" % code)
    classes = [p["class"] for p in plugins]
    check("org.apache.kafka.connect.file.FileStreamSinkConnector" in classes, "sink listed: %r" % classes)
    check("org.apache.kafka.connect.file.FileStreamSourceConnector" in classes, "source listed")
    types = [p["type"] for p in plugins]
    check(set(types) <= {"sink", "source"}, "connectorsOnly default true: %r" % types)
    check(types == sorted(types, key=lambda t: 0 if t == "sink" else 1), "sinks before sources: %r" % types)
    code, _, same = http_call("GET", "/connector-plugins/?connectorsOnly=true")
    check(code == 200 and same == plugins, "trailing slash + connectorsOnly=true")
    code, _, everything = http_call("GET", "/connector-plugins?connectorsOnly=false")
    check(code == 200 and everything[:len(plugins)] == plugins, "connectors first with connectorsOnly=false")
    check(any(p["type"] == "converter" for p in everything), "converters with connectorsOnly=false: %r" % everything)


def test_plugin_config():
    for alias in ("FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector"):
        code, _, keys = http_call("GET", "/connector-plugins/%s/config" % alias)
        check(code == 200, "plugin config %s: %d %r" % (alias, code, keys))
        names = [k["name"] for k in keys]
        check(names[0] == "file", "the plugin's own keys first: %r" % names[:5])
        check({"name", "connector.class", "tasks.max", "topics"} <= set(names), "base keys: %r" % names)
        fields = {"name", "type", "required", "default_value", "importance", "documentation", "group", "order_in_group",
                  "width", "display_name", "dependents"}
        check(all(set(k) == fields for k in keys), "ConfigKeyInfo fields: %r" % keys[0])
        tm = [k for k in keys if k["name"] == "tasks.max"][0]
        check(tm["type"] == "INT" and tm["default_value"] == "1" and not tm["required"], "tasks.max: %r" % tm)
    check_error(http_call("GET", "/connector-plugins/NoSuchPlugin/config"), 404, "NoSuchPlugin")


def test_validate():
    path = "/connector-plugins/FileStreamSinkConnector/config/validate"
    good = {"connector.class": "FileStreamSink", "topics": unique("t"), "file": "/tmp/x.txt", "name": "v"}
    code, _, res = http_call("PUT", path, good)
    check(code == 200, "validate %d %r" % (code, res))
    check(res["name"] == "FileStreamSink" and res["error_count"] == 0, "valid config: %r" % res)
    check("Common" in res["groups"], "groups: %r" % res["groups"])
    by_name = {c["value"]["name"]: c for c in res["configs"] if c["value"]}
    check(by_name["topics"]["value"]["value"] == good["topics"], "value echoed")
    check(by_name["topics"]["definition"]["name"] == "topics", "definition present")
    # a sink needs topics or topics.regex
    bad = dict(good)
    del bad["topics"]
    code, _, res = http_call("PUT", path, bad)
    check(code == 200 and res["error_count"] >= 1, "missing topics: %r" % res)
    # a null value is a validation error on a framework key (AbstractHerder.addNullValuedErrors)...
    code, _, res = http_call("PUT", path, dict(good, **{"errors.tolerance": None}))
    check(code == 200 and res["error_count"] >= 1, "null value: %r" % res)
    errs = [e for c in res["configs"] if c["value"] and c["value"]["name"] == "errors.tolerance"
            for e in c["value"]["errors"]]
    check("Null value can not be supplied as the configuration value." in errs, "null error: %r" % errs)
    # ...but not on the connector's own key, whose ConfigValue (present, null) replaces it (4.x)
    code, _, res = http_call("PUT", path, dict(good, file=None))
    check(code == 200 and res["error_count"] == 0, "null connector key: %r" % res)
    # plugin in the URL vs connector.class in the body
    check_error(http_call("PUT", "/connector-plugins/FileStreamSource/config/validate", good), 400,
                "does not match request type")
    # JSON type errors are Jackson binding errors: 500
    check_error(http_call("PUT", path, ["connector.class"]), 500)
    check_error(http_call("PUT", path, raw=b"{\"connector.class\": "), 500)


# ----------------------------------------------------------------------------- connectors

def test_create_info_status_tasks():
    name = unique("sink")
    topic = unique("topic")
    cfg = sink_config(topic, **{"tasks.max": 2})  # a JSON number: Jackson binds it as "2"
    headers, info = create(name, cfg)
    check(headers.get("Location", "").endswith("/connectors/" + name), "Location: %r" % headers.get("Location"))
    check(info["name"] == name and info["type"] == "sink", "info: %r" % info)
    want_cfg = dict(cfg, name=name, **{"tasks.max": "2"})
    check(info["config"] == want_cfg, "config: %r" % info["config"])
    code, _, names = http_call("GET", "/connectors")
    check(code == 200 and name in names, "listed: %r" % names)
    st = wait_state(name, "RUNNING", tasks=2)
    check(st["name"] == name and st["type"] == "sink", "status: %r" % st)
    check([t["id"] for t in st["tasks"]] == [0, 1], "tasks sorted by id: %r" % st["tasks"])
    check(all(":" in t["worker_id"] for t in st["tasks"]), "worker_id host:port")
    check(st["connector"]["worker_id"].endswith(":%d" % worker().port), "worker id: %r" % st["connector"])
    code, _, info = http_call("GET", "/connectors/" + name)
    check(code == 200 and info["tasks"] == [{"connector": name, "task": 0}, {"connector": name, "task": 1}],
          "info tasks: %r" % info)
    code, _, conf = http_call("GET", "/connectors/%s/config" % name)
    check(code == 200 and conf == want_cfg, "GET config: %r" % conf)
    code, _, tasks = http_call("GET", "/connectors/%s/tasks" % name)
    check(code == 200 and [t["id"] for t in tasks] == [{"connector": name, "task": 0}, {"connector": name, "task": 1}],
          "tasks: %r" % tasks)
    check(tasks[0]["config"].get("topics") == topic, "task config: %r" % tasks[0]["config"])
    code, _, ts = http_call("GET", "/connectors/%s/tasks/1/status" % name)
    check(code == 200 and ts["id"] == 1 and ts["state"] == "RUNNING" and "trace" not in ts, "task status: %r" % ts)
    check_error(http_call("GET", "/connectors/%s/tasks/7/status" % name), 404)
    check_error(http_call("GET", "/connectors/%s/tasks/abc/status" % name), 404, "HTTP 404 Not Found")
    # trailing slash, as Jersey
    code, _, info2 = http_call("GET", "/connectors/%s/" % name)
    check(code == 200 and info2["name"] == name, "trailing slash")
    http_call("DELETE", "/connectors/" + name)


def test_create_errors():
    name = unique("dup")
    topic = unique("topic")
    create(name, sink_config(topic))
    check_error(http_call("POST", "/connectors", {"name": name, "config": sink_config(topic)}), 409,
                "Connector %s already exists" % name)
    check_error(http_call("POST", "/connectors", {"name": unique("x"), "config": {"topics": "t"}}), 400,
                "contains no connector type")
    check_error(http_call("POST", "/connectors", {"name": unique("x"), "config": {"connector.class": "NoSuchOne",
                                                                                  "topics": "t"}}), 400,
                "Failed to find any class that implements Connector")  # 4.x: a BadRequestException
    body = check_error(http_call("POST", "/connectors", {"name": unique("x"),
                                                         "config": {"connector.class": "FileStreamSink"}}), 400,
                       "Connector configuration is invalid and contains the following")
    check("/connector-plugins/{connectorType}/config/validate" in body["message"], body["message"])
    check_error(http_call("POST", "/connectors", {"name": "a", "config": dict(sink_config(topic), name="b")}), 400,
                "Connector name configuration (b) doesn't match connector name in the URL (a)")
    check_error(http_call("POST", "/connectors", [1, 2]), 500)
    check_error(http_call("POST", "/connectors", raw=b"{\"name\": \"x\", \"config\": {"), 500)
    check_error(http_call("POST", "/connectors", {"name": unique("x"), "config": {}, "bogus": 1}), 500,
                "Unrecognized field \"bogus\"")
    check_error(http_call("POST", "/connectors", {"name": unique("x"), "config": {"topics": {"a": 1}}}), 500,
                "topics")
    check_error(http_call("POST", "/connectors", {"name": "", "config": sink_config(topic)}), 400)
    check_error(http_call("POST", "/connectors", raw=b"{}", headers={"Content-Type": "text/plain"}), 415)
    code, _, names = http_call("GET", "/connectors")
    check(names.count(name) == 1 and "a" not in names, "failed creates leave nothing: %r" % names)
    http_call("DELETE", "/connectors/" + name)


def test_create_initial_state_and_odd_names():
    name = unique("paused") + " x/y"
    code, headers, info = http_call("POST", "/connectors", {"name": "  %s  " % name, "config": sink_config(unique("t")),
                                                            "initial_state": "paused"})
    check(code == 201 and info["name"] == name, "trimmed name: %d %r" % (code, info))
    check(headers.get("Location", "").endswith("/connectors/" + urllib.parse.quote(name, safe="/")),
          "encoded Location: %r" % headers.get("Location"))
    wait_state(name, "PAUSED")
    code, _, info = http_call("GET", "/connectors/" + q(name))
    check(code == 200 and info["name"] == name, "percent-decoded path: %d %r" % (code, info))
    check_error(http_call("POST", "/connectors", {"name": unique("x"), "config": sink_config("t"),
                                                  "initial_state": "sleeping"}), 500, "InitialState.SLEEPING")
    check(http_call("DELETE", "/connectors/" + q(name))[0] == 204, "delete odd name")


def test_put_and_patch_config():
    name = unique("put")
    topic = unique("topic")
    cfg = sink_config(topic)
    code, headers, info = http_call("PUT", "/connectors/%s/config" % name, cfg)
    check(code == 201 and headers.get("Location", "").endswith("/connectors/" + name), "PUT creates: %d" % code)
    check(info["config"] == dict(cfg, name=name), "PUT info: %r" % info)
    wait_state(name, "RUNNING", tasks=1)
    cfg2 = dict(cfg, **{"tasks.max": "2"})
    code, headers, info = http_call("PUT", "/connectors/%s/config" % name, cfg2)
    check(code == 200 and "Location" not in headers, "PUT updates: %d %r" % (code, dict(headers)))
    wait_state(name, "RUNNING", tasks=2)
    check_error(http_call("PUT", "/connectors/%s/config" % name, dict(cfg, name="other")), 400,
                "doesn't match connector name in the URL (%s)" % name)
    check_error(http_call("PUT", "/connectors/%s/config" % name, dict(cfg, topics=None)), 400,
                "Connector configuration is invalid")
    check_error(http_call("PUT", "/connectors/%s/config" % name, "not a map"), 500)
    # PATCH: overwrite one key, remove another with null
    code, _, info = http_call("PATCH", "/connectors/%s/config" % name, {"tasks.max": "1", "file": None,
                                                                         "extra.key": 42})
    check(code == 200, "PATCH %d %r" % (code, info))
    want = dict(cfg2, name=name, **{"tasks.max": "1", "extra.key": "42"})
    del want["file"]
    check(info["config"] == want, "patched: %r" % info["config"])
    code, _, conf = http_call("GET", "/connectors/%s/config" % name)
    check(conf == want, "GET after PATCH: %r" % conf)
    check_error(http_call("PATCH", "/connectors/%s/config" % unique("nope"), {"a": "b"}), 404)
    http_call("DELETE", "/connectors/" + name)


def test_pause_resume_stop():
    name = unique("life")
    create(name, sink_config(unique("topic")))
    wait_state(name, "RUNNING", tasks=1)
    code, _, body = http_call("PUT", "/connectors/%s/pause" % name)
    check(code == 202 and body is None, "pause: %d %r" % (code, body))
    wait_state(name, "PAUSED", tasks=1)
    check(http_call("PUT", "/connectors/%s/pause" % name)[0] == 202, "pause is idempotent")
    code, _, body = http_call("PUT", "/connectors/%s/resume" % name)
    check(code == 202 and body is None, "resume: %d" % code)
    wait_state(name, "RUNNING", tasks=1)
    code, _, body = http_call("PUT", "/connectors/%s/stop" % name)
    check(code == 204 and body is None, "stop: %d" % code)
    wait_state(name, "STOPPED", tasks=0)
    code, _, info = http_call("GET", "/connectors/" + name)
    check(info["tasks"] == [], "a stopped connector has no tasks: %r" % info)
    check(http_call("PUT", "/connectors/%s/resume" % name)[0] == 202, "resume from STOPPED")
    wait_state(name, "RUNNING", tasks=1)
    missing = unique("missing")
    for verb in ("pause", "resume", "stop"):
        check_error(http_call("PUT", "/connectors/%s/%s" % (missing, verb)), 404)
    check_error(http_call("POST", "/connectors/%s/pause" % name), 405, "HTTP 405 Method Not Allowed")
    http_call("DELETE", "/connectors/" + name)


def test_restart():
    name = unique("restart")
    create(name, sink_config(unique("topic")))
    wait_state(name, "RUNNING", tasks=1)
    code, _, body = http_call("POST", "/connectors/%s/restart" % name)
    check(code == 204 and body is None, "plain restart: %d %r" % (code, body))
    code, _, st = http_call("POST", "/connectors/%s/restart?includeTasks=true" % name)
    check(code == 202, "restart with tasks: %d %r" % (code, st))
    check(st["connector"]["state"] == "RESTARTING" and all(t["state"] == "RESTARTING" for t in st["tasks"]),
          "everything chosen shows RESTARTING: %r" % st)
    wait_state(name, "RUNNING", tasks=1)
    code, _, st = http_call("POST", "/connectors/%s/restart?includeTasks=true&onlyFailed=true" % name)
    check(code == 202 and st["connector"]["state"] == "RUNNING" and st["tasks"][0]["state"] == "RUNNING",
          "onlyFailed chooses nothing healthy: %r" % st)
    check(http_call("POST", "/connectors/%s/tasks/0/restart" % name)[0] == 204, "task restart")
    wait_state(name, "RUNNING", tasks=1)
    missing = unique("missing")
    check_error(http_call("POST", "/connectors/%s/restart" % missing), 404)
    check_error(http_call("POST", "/connectors/%s/restart?includeTasks=true" % missing), 404)
    check_error(http_call("POST", "/connectors/%s/tasks/5/restart" % name), 404)
    check_error(http_call("POST", "/connectors/%s/tasks/0/restart" % missing), 404)
    http_call("DELETE", "/connectors/" + name)


def test_offsets_source_and_sink():
    topic = unique("topic")
    path, size, lines = source_file(200)
    src = unique("src")
    create(src, {"connector.class": "FileStreamSource", "file": path, "topic": topic})
    wait_state(src, "RUNNING", tasks=1)

    def src_offsets():
        code, _, body = http_call("GET", "/connectors/%s/offsets" % src)
        check(code == 200, "offsets %d %r" % (code, body))
        offs = body["offsets"]
        return offs if offs and offs[0]["offset"].get("position") == size else None
    offs = wait_until(src_offsets, 60, what="source offset at %d" % size)
    check(offs == [{"partition": {"filename": path}, "offset": {"position": size}}], "source offsets: %r" % offs)

    sink_path = os.path.join(worker().workdir, unique("sink") + ".txt")
    sink = unique("sink")
    create(sink, sink_config(topic, sink_path))
    wait_until(lambda: os.path.exists(sink_path) and sum(1 for _ in open(sink_path, "rb")) == lines, 90,
               what="%d lines in the sink file" % lines)

    def sink_offsets():
        code, _, body = http_call("GET", "/connectors/%s/offsets" % sink)
        offs = body["offsets"] if code == 200 else None
        return offs if offs and offs[0]["offset"]["kafka_offset"] == lines else None
    offs = wait_until(sink_offsets, 60, what="sink committed offset %d" % lines)
    check(offs == [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": lines}}],
          "sink offsets: %r" % offs)
    with open(path, "rb") as a, open(sink_path, "rb") as b:
        check(a.read() == b.read(), "the sink file equals the source file")
    check_error(http_call("GET", "/connectors/%s/offsets" % unique("missing")), 404)
    http_call("DELETE", "/connectors/" + src)
    http_call("DELETE", "/connectors/" + sink)


def test_list_expand():
    name = unique("expand")
    create(name, sink_config(unique("topic")))
    wait_state(name, "RUNNING", tasks=1)
    code, _, out = http_call("GET", "/connectors?expand=status")
    check(code == 200 and set(out[name]) == {"status"}, "expand=status: %r" % out.get(name))
    check(out[name]["status"]["connector"]["state"] == "RUNNING", "expanded status")
    code, _, out = http_call("GET", "/connectors?expand=info&expand=status")
    check(set(out[name]) == {"status", "info"} and out[name]["info"]["name"] == name, "both: %r" % out.get(name))
    code, _, out = http_call("GET", "/connectors?expand=bogus")
    check(code == 200 and out[name] == {}, "unknown expansion ignored: %r" % out.get(name))
    http_call("DELETE", "/connectors/" + name)


def test_delete():
    name = unique("del")
    create(name, sink_config(unique("topic")))
    wait_state(name, "RUNNING", tasks=1)
    code, _, body = http_call("DELETE", "/connectors/" + name)
    check(code == 204 and body is None, "delete: %d %r" % (code, body))
    check_error(http_call("GET", "/connectors/" + name), 404, name)
    check_error(http_call("GET", "/connectors/%s/status" % name), 404, name)
    check_error(http_call("GET", "/connectors/%s/config" % name), 404)
    check_error(http_call("GET", "/connectors/%s/tasks" % name), 404)
    check_error(http_call("DELETE", "/connectors/" + name), 404)
    code, _, names = http_call("GET", "/connectors")
    check(name not in names, "gone from the list")


# ----------------------------------------------------------------------------- HTTP-level behaviour

def test_unknown_paths_and_methods():
    code, headers, body = http_call("GET", "/no/such/path")
    check(code == 404 and body == {"error_code": 404, "message": "HTTP 404 Not Found"}, "404: %r" % body)
    check(headers.get("Content-Type", "").startswith("application/json"), "404 content type")
    check_error(http_call("DELETE", "/connectors"), 405, "HTTP 405 Method Not Allowed")
    check_error(http_call("PATCH", "/connector-plugins"), 405)
    check_error(http_call("GET", "/connectors/x/y"), 404, "HTTP 404 Not Found")


def raw_exchange(payload, want, timeout=10):
    """Sends raw bytes; returns the raw response bytes once `want` responses have arrived."""
    s = socket.create_connection(("127.0.0.1", worker().port), timeout=timeout)
    try:
        for chunk in payload:
            s.sendall(chunk)
            time.sleep(0.002)
        data = b""
        deadline = time.time() + timeout
        while data.count(b"HTTP/1.1 ") < want and time.time() < deadline:
            b = s.recv(65536)
            if not b:
                break
            data += b
        time.sleep(0.1)
        s.settimeout(0.2)
        try:
            data += s.recv(65536)
        except socket.timeout:
            pass
        return data
    finally:
        s.close()


def test_pipelined_and_fragmented():
    reqs = (b"GET /connectors/nosuch1/status HTTP/1.1\r\nHost: a\r\n\r\n"
            b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
            b"GET /connectors/nosuch3/status HTTP/1.1\r\nHost: a\r\n\r\n")
    data = raw_exchange([reqs], 3)
    parts = data.split(b"HTTP/1.1 ")[1:]
    check(len(parts) == 3, "3 pipelined responses: %r" % data)
    check(parts[0].startswith(b"404") and b"nosuch1" in parts[0], "first in order")
    check(parts[1].startswith(b"200") and b"healthy" in parts[1], "second in order")
    check(parts[2].startswith(b"404") and b"nosuch3" in parts[2], "third in order")
    pieces = [reqs[i:i + 5] for i in range(0, len(reqs), 5)]
    data2 = raw_exchange(pieces, 3)
    check(data2.count(b"HTTP/1.1 ") == 3 and b"nosuch3" in data2, "fragmented: %r" % data2)
    bad = raw_exchange([b"NOT HTTP AT ALL\r\n\r\n"], 1)
    check(bad.startswith(b"HTTP/1.1 400"), "garbage -> 400: %r" % bad)
    check(worker().get("/")[0] == 200, "still serving")


if __name__ == "__main__":
    kctest.main([
        test_root,
        test_health,
        test_plugins,
        test_plugin_config,
        test_validate,
        test_create_info_status_tasks,
        test_create_errors,
        test_create_initial_state_and_odd_names,
        test_put_and_patch_config,
        test_pause_resume_stop,
        test_restart,
        test_offsets_source_and_sink,
        test_list_expand,
        test_delete,
        test_unknown_paths_and_methods,
        test_pipelined_and_fragmented,
    ])
