#!/usr/bin/env python3
"""AvroConverter end to end, against the real local broker and a real Confluent-compatible
registry (tools/schema-registry-local: Apicurio's ccompat API), with independent peers writing and
reading the wire format: PyPI's confluent-kafka AvroSerializer/AvroDeserializer (test/avro_peer.py)
and Apicurio's Java serde (test/apicurio_peer.py).

The registry is reached through test/sr_auth_proxy.py, so basic auth is really checked (Apicurio
in-memory does not enforce it), and so a registry outage can be staged by stopping the proxy,
which this test owns, instead of the shared registry.
"""
import datetime
import decimal
import json
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import kctest  # noqa: E402
import avro_peer  # noqa: E402
import sr_auth_proxy  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
USER, PASSWORD = "KEY", "SECRET"
AVRO = "io.confluent.connect.avro.AvroConverter"

_registry = {}


def registry_url():
    """The registry's ccompat URL; starts the shared registry if it is not running (and then stops
    it at the end: see main)."""
    if "url" not in _registry:
        tool = os.path.join(ROOT, "tools", "schema-registry-local")
        running = subprocess.run([tool, "status"], capture_output=True).returncode == 0
        url = subprocess.run([tool, "start"], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        _registry.update(url=url, started=not running, tool=tool)
    return _registry["url"]


class Proxy:
    """The authenticating proxy in front of the registry, restartable on the same port."""

    def __init__(self):
        self.port, self.srv = sr_auth_proxy.start(registry_url(), USER, PASSWORD)

    @property
    def url(self):
        # The proxy appends the request path to the registry's base URL (which has the ccompat path).
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.srv.down = True
        self.srv.shutdown()
        self.srv.server_close()

    def restart(self):
        self.port, self.srv = sr_auth_proxy.start(registry_url(), USER, PASSWORD, port=self.port)


def worker_props(proxy, **extra):
    """The worker file of the issue, unchanged but for the registry URL."""
    p = {
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": AVRO,
        "value.converter.basic.auth.credentials.source": "USER_INFO",
        "value.converter.schema.registry.basic.auth.user.info": "%s:%s" % (USER, PASSWORD),
        "value.converter.schema.registry.url": proxy.url,
    }
    p.update(extra)
    return p


# ---- what Java's FileStreamSink writes: String.valueOf(Struct) ----

def _java_date(ms):
    # java.util.Date.toString(); kconnect's worker runs in UTC (README: time zone of Date.toString).
    d = datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc)
    return d.strftime("%a %b %d %H:%M:%S UTC %Y")


def java_struct(schema_str, rec):
    """Struct.toString of the Connect value AvroData makes of rec: fields in schema order, null
    fields left out, timestamp-millis as java.util.Date, decimals as BigDecimal.toString."""
    schema = json.loads(schema_str)
    parts = []
    for f in schema["fields"]:
        v = rec.get(f["name"])
        if v is None:
            continue
        t = f["type"]
        if isinstance(t, list):
            t = [b for b in t if b != "null"][0]
        logical = t.get("logicalType") if isinstance(t, dict) else None
        if logical == "timestamp-millis":
            ms = v if isinstance(v, int) else int(v.timestamp() * 1000)
            s = _java_date(ms)
        elif logical == "decimal":
            s = str(decimal.Decimal(v))
        elif isinstance(v, bool):
            s = "true" if v else "false"
        else:
            s = str(v)
        parts.append("%s=%s" % (f["name"], s))
    return "Struct{%s}" % ",".join(parts)


def _sink_lines(path):
    return [l.decode() for l in kctest.read_sink_lines(path)]


def _trace(w, name):
    code, st = w.status(name)
    if code != 200 or not st.get("tasks"):
        return None
    t = st["tasks"][0]
    return t.get("trace") if t["state"] == "FAILED" else None


def _wait_failed(w, name, timeout=60):
    return kctest.wait_until(lambda: _trace(w, name), timeout, what="%s task FAILED" % name)


# ---- tests ----

def test_sink_loghub_to_file():
    """Avro loghub records of two systems (two schemas, optional fields, timestamp-millis,
    decimal) written by confluent-kafka's serializer -> FileStreamSink: every line is what Java
    prints for the same bytes; the issue's worker file runs unchanged (USER_INFO basic auth)."""
    proxy = Proxy()
    wd = kctest.tmpdir()
    expected = []
    topics = []
    for system in ("Apache", "HDFS", "OpenSSH"):
        schema, recs = avro_peer.loghub_records(system, 700)
        topic = kctest.unique("avro-" + system.lower())
        kctest.create_topic(topic, 2)
        avro_peer.produce(kctest.BOOTSTRAP, topic, registry_url(), schema, recs, key="k")
        expected += [java_struct(schema, r) for r in recs]
        topics.append(topic)
    out = os.path.join(wd, "sink.txt")
    name = kctest.unique("avro-sink")
    w = kctest.Worker(wd, worker_props(proxy), [kctest.file_sink(name, out, ",".join(topics))]).start()
    try:
        kctest.wait_for_lines(out, len(expected), timeout=120, worker=w)
        got = _sink_lines(out)
        assert sorted(got) == sorted(expected), "first difference: %r" % (
            next((a, b) for a, b in zip(sorted(got), sorted(expected)) if a != b),)
        assert proxy.srv.rejected == 0, "requests refused by the proxy: %d" % proxy.srv.rejected
    finally:
        w.stop()
        proxy.stop()


def test_wrong_password_fails_clearly():
    """A wrong registry password: the task FAILS with the registry's 401, naming the URL and the
    id it looked up, and the trace carries no credential."""
    proxy = Proxy()
    wd = kctest.tmpdir()
    schema, recs = avro_peer.loghub_records("Apache", 5)
    topic = kctest.unique("avro-auth")
    kctest.create_topic(topic, 1)
    avro_peer.produce(kctest.BOOTSTRAP, topic, registry_url(), schema, recs)
    name = kctest.unique("avro-auth-sink")
    bad = worker_props(proxy, **{"value.converter.schema.registry.basic.auth.user.info": "KEY:WRONGPASS"})
    w = kctest.Worker(wd, bad, [kctest.file_sink(name, os.path.join(wd, "o.txt"), topic)]).start()
    try:
        trace = _wait_failed(w, name)
        assert "401" in trace and "Unauthorized" in trace, trace
        assert "127.0.0.1:%d" % proxy.port in trace, trace
        assert "WRONGPASS" not in trace and "KEY:" not in trace, trace
        with open(w.log_path, "rb") as f:
            assert b"WRONGPASS" not in f.read(), "the password reached the log"
        assert proxy.srv.rejected >= 1
    finally:
        w.stop()
        proxy.stop()


def _framed(schema_id, body=b"\x02"):
    return b"\x00" + struct.pack(">i", schema_id) + body


def test_unknown_schema_id():
    """A record naming a schema id the registry does not have: a clear conversion error that
    fails the task (errors.tolerance=none), or is skipped with errors.tolerance=all while the good
    records around it are written."""
    proxy = Proxy()
    wd = kctest.tmpdir()
    schema, recs = avro_peer.loghub_records("Apache", 4)
    topic = kctest.unique("avro-badid")
    kctest.create_topic(topic, 1)
    avro_peer.produce(kctest.BOOTSTRAP, topic, registry_url(), schema, recs[:2])
    kctest.kcat("-P", "-b", kctest.BOOTSTRAP, "-t", topic, "-p", "0", "-Z",
                input_bytes=_framed(987654321) + b"\n")
    avro_peer.produce(kctest.BOOTSTRAP, topic, registry_url(), schema, recs[2:])
    strict, tolerant = kctest.unique("avro-badid-strict"), kctest.unique("avro-badid-all")
    out_strict, out_all = os.path.join(wd, "strict.txt"), os.path.join(wd, "all.txt")
    w = kctest.Worker(wd, worker_props(proxy), [
        kctest.file_sink(strict, out_strict, topic),
        kctest.file_sink(tolerant, out_all, topic, **{"errors.tolerance": "all", "errors.log.enable": "true"}),
    ]).start()
    try:
        trace = _wait_failed(w, strict)
        assert "987654321" in trace and "40403" in trace, trace
        assert "Failed to deserialize data for topic %s to Avro" % topic in trace, trace
        kctest.wait_for_lines(out_all, 4, timeout=60, worker=w)
        assert _sink_lines(out_all) == [java_struct(schema, r) for r in recs]
        assert len(_sink_lines(out_strict)) == 2  # the records before the bad one
    finally:
        w.stop()
        proxy.stop()


def test_registry_outage_waits_and_recovers():
    """The registry goes away while records with a schema not yet cached arrive: the task stays
    RUNNING and holds them; when the registry is back every record is written, in order."""
    proxy = Proxy()
    wd = kctest.tmpdir()
    schema, recs = avro_peer.loghub_records("Apache", 50)
    schema2, recs2 = avro_peer.loghub_evolved("Apache", 50)
    topic = kctest.unique("avro-outage")
    kctest.create_topic(topic, 1)
    avro_peer.produce(kctest.BOOTSTRAP, topic, registry_url(), schema, recs)
    out = os.path.join(wd, "o.txt")
    name = kctest.unique("avro-outage-sink")
    w = kctest.Worker(wd, worker_props(proxy), [kctest.file_sink(name, out, topic)]).start()
    try:
        kctest.wait_for_lines(out, 50, timeout=60, worker=w)
        proxy.stop()
        # The evolved schema gets a new id, unknown to the worker: registered directly, not
        # through the (stopped) proxy.
        avro_peer.produce(kctest.BOOTSTRAP, topic, registry_url(), schema2, recs2)
        time.sleep(3)  # the worker retries meanwhile; nothing may be written or fail
        assert len(_sink_lines(out)) == 50
        code, st = w.status(name)
        assert st["tasks"][0]["state"] == "RUNNING", st
        proxy.restart()
        kctest.wait_for_lines(out, 100, timeout=60, worker=w)
        assert _sink_lines(out) == [java_struct(schema, r) for r in recs] + \
            [java_struct(schema2, r) for r in recs2]
    finally:
        w.stop()
        proxy.stop()


def test_source_registers_and_peers_read():
    """FileStreamSource with AvroConverter values: kconnect registers <topic>-value ("string")
    and frames each line; confluent-kafka's deserializer reads the lines back."""
    proxy = Proxy()
    wd = kctest.tmpdir()
    lines = kctest.numbered_loghub_lines(500)
    src = os.path.join(wd, "in.txt")
    with open(src, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    topic = kctest.unique("avro-src")
    kctest.create_topic(topic, 1)
    name = kctest.unique("avro-source")
    w = kctest.Worker(wd, worker_props(proxy), [kctest.file_source(name, src, topic)]).start()
    try:
        got = avro_peer.consume(kctest.BOOTSTRAP, topic, registry_url(), len(lines), 60)
        assert [v for _, v, _ in got] == [l.decode() for l in lines]
        ids = {i for _, _, i in got}
        assert len(ids) == 1, ids
        import urllib.request
        with urllib.request.urlopen(registry_url() + "/subjects/%s-value/versions/latest" % topic) as r:
            latest = json.loads(r.read())
        assert latest["id"] in ids and json.loads(latest["schema"]) == "string", latest
    finally:
        w.stop()
        proxy.stop()


def _register(subject, schema_obj):
    import urllib.request
    req = urllib.request.Request(registry_url() + "/subjects/%s/versions" % subject, method="POST",
                                 data=json.dumps({"schema": json.dumps(schema_obj)}).encode(),
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["id"]


def test_use_latest_version():
    """use.latest.version=true (auto.register.schemas=false): records carry the latest version's id
    when that is the record's schema; a different latest fails the task instead of mislabelling."""
    proxy = Proxy()
    wd = kctest.tmpdir()
    src = os.path.join(wd, "in.txt")
    with open(src, "wb") as f:
        f.write(b"one\ntwo\n")
    good, bad = kctest.unique("avro-latest"), kctest.unique("avro-latest-bad")
    for t in (good, bad):
        kctest.create_topic(t, 1)
    want = _register(good + "-value", "string")
    _register(bad + "-value", {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})
    extra = {"value.converter.use.latest.version": "true", "value.converter.auto.register.schemas": "false"}
    g, b = kctest.unique("avro-latest-src"), kctest.unique("avro-latest-bad-src")
    w = kctest.Worker(wd, worker_props(proxy, **extra),
                      [kctest.file_source(g, src, good), kctest.file_source(b, src, bad)]).start()
    try:
        got = avro_peer.consume(kctest.BOOTSTRAP, good, registry_url(), 2, 60)
        assert [(v, i) for _, v, i in got] == [("one", want), ("two", want)], got
        trace = _wait_failed(w, b)
        assert "use.latest.version" in trace and bad + "-value" in trace, trace
    finally:
        w.stop()
        proxy.stop()


def main():
    tests = [test_sink_loghub_to_file, test_wrong_password_fails_clearly, test_unknown_schema_id,
             test_registry_outage_waits_and_recovers, test_source_registers_and_peers_read,
             test_use_latest_version]
    try:
        kctest.main(tests)
    finally:
        if _registry.get("started"):
            subprocess.run([_registry["tool"], "stop"])


if __name__ == "__main__":
    main()
