"""/admin/loggers (KIP-495/976, Connect 4.x LoggingResource over log4j2) and per-logger levels
(issue 12): list/get/put and their codes, levels taking effect in the log output at once,
admin.listeners, cluster scope over the real broker's config topic with three workers, the
worker-file and CONNECT_LOG4J_LOGGERS settings, and the JSON line format."""
import json
import os
import re
import subprocess
import time

import kctest

REST = "org.apache.kafka.connect.runtime.rest.RestServer"
RUNTIME = "org.apache.kafka.connect.runtime"


def log_size(w):
    return os.path.getsize(w.log_path)


def log_since(w, off):
    with open(w.log_path, "rb") as f:
        f.seek(off)
        return f.read().decode("utf-8", "replace")


def put_level(w, name, level, scope=None):
    return w.request("PUT", "/admin/loggers/%s%s" % (name, "?scope=" + scope if scope else ""),
                     body={"level": level} if level is not None else {})


def standalone(**props):
    d = kctest.tmpdir("kc-loggers-")
    return kctest.Worker(d, worker_props=props).start()


def test_list_get_put_codes():
    w = standalone()
    try:
        code, all_ = w.get("/admin/loggers")
        assert code == 200, (code, all_)
        assert all_["root"] == {"level": "INFO", "last_modified": None}, all_
        assert all_[REST]["level"] == "INFO" and all_[REST]["last_modified"] is None, all_
        assert list(all_) == sorted(all_), list(all_)  # Java's TreeMap order
        assert w.get("/admin/loggers/root") == (200, {"level": "INFO", "last_modified": None})
        code, body = w.get("/admin/loggers/no.such.Logger")
        assert code == 404 and body["message"] == "Logger no.such.Logger not found.", body

        before = int(time.time() * 1000)
        code, changed = put_level(w, RUNTIME, "debug")  # any case, as Level.getLevel
        assert code == 200, (code, changed)
        assert changed == sorted(changed) and RUNTIME in changed and RUNTIME + ".Worker" in changed, changed
        assert REST in changed and RUNTIME + ".WorkerSinkTask" in changed, changed
        assert not [n for n in changed if not n.startswith(RUNTIME)], changed
        code, lv = w.get("/admin/loggers/" + RUNTIME + ".Worker")
        assert code == 200 and lv["level"] == "DEBUG" and before <= lv["last_modified"] <= time.time() * 1000 + 1, lv
        # storage loggers keep root's INFO
        assert w.get("/admin/loggers/org.apache.kafka.connect.storage.KafkaConfigBackingStore")[1]["level"] == "INFO"
        # the same level again changes nothing
        assert put_level(w, RUNTIME, "DEBUG") == (200, []), "unchanged"
        # a child gets its own level; the parent's next PUT resets it (Configurator.setAllLevels)
        assert put_level(w, RUNTIME + ".Worker", "WARN") == (200, [RUNTIME + ".Worker"])
        assert w.get("/admin/loggers/" + RUNTIME + ".Worker")[1]["level"] == "WARN"
        code, changed = put_level(w, RUNTIME, "ERROR")
        assert code == 200 and RUNTIME + ".Worker" in changed, changed
        assert w.get("/admin/loggers/" + RUNTIME + ".Worker")[1]["level"] == "ERROR"
        # a new namespace becomes a logger of its own
        assert put_level(w, "com.example.Thing", "TRACE") == (200, ["com.example.Thing"])
        assert w.get("/admin/loggers/com.example.Thing")[1]["level"] == "TRACE"
        # OFF loggers are left out of the list, FATAL and ALL are levels
        assert put_level(w, "com.example.Thing", "OFF")[0] == 200
        assert "com.example.Thing" not in w.get("/admin/loggers")[1]
        assert w.get("/admin/loggers/com.example.Thing")[1]["level"] == "OFF"
        assert put_level(w, "com.example.Thing", "fatal") == (200, ["com.example.Thing"])
        assert put_level(w, "com.example.Thing", "ALL")[1] == ["com.example.Thing"]
        # errors, with Java's codes and messages
        code, body = put_level(w, RUNTIME, None)
        assert code == 400 and body["message"] == "Desired 'level' parameter was not specified in request.", body
        code, body = put_level(w, RUNTIME, "LOUD")
        assert code == 404 and body["message"] == "invalid log level 'LOUD'.", body
        code, body = put_level(w, RUNTIME, "")
        assert code == 500 and body["message"] == "Illegal null or empty Level name.", body
        assert w.request("DELETE", "/admin/loggers/root")[0] == 405
        # an unknown scope falls back to worker (with a warning from LoggingResource, at ERROR now)
        assert put_level(w, RUNTIME, "INFO")[0] == 200
        off = log_size(w)
        assert put_level(w, "com.example.Other", "WARN", scope="galaxy") == (200, ["com.example.Other"])
        assert "Received invalid scope 'galaxy'" in log_since(w, off)
        # standalone scope=cluster: this worker is the cluster (StandaloneHerder), 204
        code, body = put_level(w, "com.example.Other", "DEBUG", scope="cluster")
        assert code == 204 and body is None, (code, body)
        assert w.get("/admin/loggers/com.example.Other")[1]["level"] == "DEBUG"
        # root by name, any case; it resets every explicit level
        code, changed = put_level(w, "ROOT", "WARN")
        assert code == 200 and "root" in changed and RUNTIME + ".Worker" in changed, changed
        assert w.get("/admin/loggers/" + RUNTIME + ".Worker")[1]["level"] == "WARN"
        assert w.get("/admin/loggers/com.example.Thing")[1]["level"] == "WARN"
    finally:
        w.stop()


def wait_log(w, off, pattern, timeout=10):
    rx = re.compile(pattern)
    kctest.wait_until(lambda: rx.search(log_since(w, off)), timeout, what="log line /%s/" % pattern)


def test_levels_take_effect_at_once():
    w = standalone()
    try:
        debug_line = r"DEBUG GET /connectors -> herder \(%s\)" % re.escape(REST)
        off = log_size(w)
        w.get("/connectors")
        wait_log(w, off, r'INFO .*"GET /connectors HTTP/1.1" 200')  # the access log line
        assert not re.search(debug_line, log_since(w, off)), "DEBUG before any level change"
        # DEBUG on a package: its class's debug lines appear with the next request
        assert put_level(w, "org.apache.kafka.connect.runtime.rest", "DEBUG")[0] == 200
        off = log_size(w)
        w.get("/connectors")
        wait_log(w, off, debug_line)
        # ERROR on root (and so on every explicit level): INFO lines stop
        assert put_level(w, "root", "ERROR")[0] == 200
        off = log_size(w)
        for _ in range(3):
            w.get("/connectors")
        time.sleep(1.0)
        quiet = log_since(w, off)
        assert " INFO " not in quiet and " DEBUG " not in quiet, quiet
        # and come back
        assert put_level(w, "root", "INFO")[0] == 200
        off = log_size(w)
        w.get("/connectors")
        wait_log(w, off, r'INFO .*"GET /connectors HTTP/1.1" 200')
        assert not re.search(debug_line, log_since(w, off))
    finally:
        w.stop()


def test_admin_listeners():
    admin_port = kctest.free_port()
    w = standalone(**{"admin.listeners": "http://127.0.0.1:%d" % admin_port})
    try:
        assert w.get("/admin/loggers")[0] == 404  # not on the main listeners
        assert w.get("/connectors")[0] == 200
        main_port = w.port
        w.port = admin_port
        code, all_ = w.get("/admin/loggers")
        assert code == 200 and "root" in all_, (code, all_)
        assert put_level(w, REST, "DEBUG") == (200, [REST])
        assert w.get("/connectors")[0] == 404  # the admin listener serves /admin only
        w.port = main_port
    finally:
        w.stop()
    w = standalone(**{"admin.listeners": ""})  # empty: disabled
    try:
        assert w.get("/admin/loggers")[0] == 404
        assert put_level(w, REST, "DEBUG")[0] == 404
    finally:
        w.stop()


def test_worker_file_levels_and_json_format():
    d = kctest.tmpdir("kc-loggers-json-")
    src = os.path.join(d, "in.txt")
    with open(src, "w") as f:
        f.write("one\ntwo\n")
    topic = kctest.unique("loggers-json")
    secret = "TopSecret-%d" % os.getpid()
    conn = kctest.file_source("json-src", src, topic)
    conn["producer.override.ssl.key.password"] = secret
    w = kctest.Worker(d, worker_props={
        "kconnect.log.format": "json",
        "kconnect.log.levels": " org.apache.kafka.connect.runtime.rest=DEBUG , org.apache.kafka.connect.storage=WARN,"
                               "org.apache.kafka.connect.runtime=DEBUG,kc=DEBUG,org.apache.kafka.clients=DEBUG",
        "ssl.truststore.password": secret,
    }, connectors=[conn]).start()
    try:
        assert w.get("/admin/loggers/org.apache.kafka.connect.runtime.rest")[1]["level"] == "DEBUG"
        assert w.get("/admin/loggers/" + REST)[1]["level"] == "DEBUG"
        assert w.get("/admin/loggers/org.apache.kafka.connect.storage.KafkaOffsetBackingStore")[1]["level"] == "WARN"
        w.wait_running("json-src")
        kctest.consume_all(topic, 2)
        w.get('/connectors?x="quoted"\\tab')
        time.sleep(1.5)
    finally:
        w.stop()
    with open(w.log_path, "rb") as f:
        raw = f.read()
    assert secret.encode() not in raw, "a password value reached the log"
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) > 10, lines
    ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    objs = []
    for ln in lines:
        o = json.loads(ln)
        assert ts.match(o["timestamp"]), o
        assert o["level"] in ("ERROR", "WARN", "INFO", "DEBUG", "TRACE"), o
        assert isinstance(o["logger"], str) and o["logger"] and isinstance(o["message"], str), o
        objs.append(o)
    assert any(o["level"] == "DEBUG" and o["logger"] == REST for o in objs)
    assert any(o.get("context") == "json-src-0" for o in objs), [o for o in objs if "context" in o][:5]
    assert any('"quoted"' in o["message"] for o in objs)
    assert not any(o["logger"].startswith("org.apache.kafka.connect.storage") and o["level"] == "INFO" for o in objs)


def test_env_log4j_loggers():
    d = kctest.tmpdir("kc-loggers-env-")
    port = kctest.free_port()
    env = dict(os.environ)
    env.update({
        "CONNECT_BOOTSTRAP_SERVERS": kctest.BOOTSTRAP,
        "CONNECT_KEY_CONVERTER": "org.apache.kafka.connect.storage.StringConverter",
        "CONNECT_VALUE_CONVERTER": "org.apache.kafka.connect.storage.StringConverter",
        "CONNECT_OFFSET_STORAGE_FILE_FILENAME": os.path.join(d, "offsets"),
        "CONNECT_LISTENERS": "http://127.0.0.1:%d" % port,
        "CONNECT_LOG4J_ROOT_LOGLEVEL": "WARN",
        "CONNECT_LOG4J_LOGGERS": "org.apache.kafka.connect.runtime.rest=DEBUG,org.apache.kafka.connect.runtime=ERROR,bad",
    })
    env.pop("KC_LOG_LEVEL", None)
    log_path = os.path.join(d, "worker.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([kctest.BIN, "standalone", "-"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=d)
    w = kctest.Worker(d, port=port)
    w.proc = proc
    w.log_path = log_path
    w.log = open(log_path, "ab")
    try:
        kctest.wait_until(lambda: w.alive_or_raise() and w.get("/")[0] == 200, 60, what="REST")
        assert w.get("/admin/loggers/root")[1]["level"] == "WARN"
        assert w.get("/admin/loggers/" + REST)[1]["level"] == "DEBUG"
        assert w.get("/admin/loggers/" + RUNTIME + ".Worker")[1]["level"] == "ERROR"
        assert w.get("/admin/loggers/org.apache.kafka.connect.storage.KafkaConfigBackingStore")[1]["level"] == "WARN"
        with open(log_path) as f:
            text = f.read()
        assert "CONNECT_LOG4J_LOGGERS: 'bad' is not logger=LEVEL" in text, text
    finally:
        w.stop()


def config_records(topic):
    out = kctest.kcat("-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n")
    return [ln.split("\t", 1) for ln in out.decode().splitlines() if "\t" in ln]


def test_cluster_scope_distributed():
    group = kctest.unique("loggers-cluster")
    props = kctest.distributed_props(group)
    d = kctest.tmpdir("kc-loggers-dist-")
    w1 = kctest.Worker(d, worker_props=props, mode="distributed")
    w2 = kctest.Worker(d, worker_props=props, mode="distributed")
    w3 = None
    try:
        w1.start()
        w2.start()
        for w in (w1, w2):
            kctest.wait_until(lambda w=w: w.get("/health")[0] == 200, 60, what="worker up")
        assert put_level(w1, REST, "DEBUG", scope="cluster") == (204, None)
        # Java's record: key logger-cluster-<namespace>, JsonConverter schemas.enable=false {"level":..}
        recs = config_records(props["config.storage.topic"])
        assert ["logger-cluster-" + REST, '{"level":"DEBUG"}'] in recs, recs
        for w in (w1, w2):
            kctest.wait_until(lambda w=w: w.get("/admin/loggers/" + REST)[1]["level"] == "DEBUG", 30,
                              what="cluster level applied on :%d" % w.port)
        off = log_size(w2)
        w2.get("/connectors")
        wait_log(w2, off, r"DEBUG GET /connectors -> herder \(%s\)" % re.escape(REST))
        # the level string goes as given (Java writes the request's text); readers upper-case it
        assert put_level(w2, "org.apache.kafka.connect.storage", "warn", scope="CLUSTER") == (204, None)
        assert ["logger-cluster-org.apache.kafka.connect.storage", '{"level":"warn"}'] in \
            config_records(props["config.storage.topic"])
        for w in (w1, w2):
            kctest.wait_until(lambda w=w: w.get("/admin/loggers/org.apache.kafka.connect.storage")[1]["level"]
                              == "WARN", 30, what="storage WARN on :%d" % w.port)
        # a worker started later ignores the records written before its start
        w3 = kctest.Worker(d, worker_props=props, mode="distributed").start()
        kctest.wait_until(lambda: w3.get("/health")[0] == 200, 60, what="w3 up")
        assert w3.get("/admin/loggers/" + REST)[1]["level"] == "INFO"
        assert w3.get("/admin/loggers/org.apache.kafka.connect.storage")[0] == 404
        # but applies newer ones, as the others do
        assert put_level(w3, REST, "TRACE", scope="cluster")[0] == 204
        for w in (w1, w2, w3):
            kctest.wait_until(lambda w=w: w.get("/admin/loggers/" + REST)[1]["level"] == "TRACE", 30,
                              what="TRACE on :%d" % w.port)
        # worker scope stays local
        assert put_level(w1, REST, "ERROR") == (200, [REST])
        time.sleep(1)
        assert w2.get("/admin/loggers/" + REST)[1]["level"] == "TRACE"
    finally:
        for w in (w3, w2, w1):
            if w:
                w.stop()


if __name__ == "__main__":
    kctest.main([test_list_get_put_codes, test_levels_take_effect_at_once, test_admin_listeners,
                 test_worker_file_levels_and_json_format, test_env_log4j_loggers, test_cluster_scope_distributed])
