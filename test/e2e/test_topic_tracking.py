#!/usr/bin/env python3
"""KIP-558 topic tracking and KIP-980 initial_state, against the real binary and broker.

Topics: GET /connectors/{c}/topics answers {"<c>": {"topics": [...]}} once a source's send was
acknowledged or a sink's record converted; PUT /connectors/{c}/topics/reset answers 202 and the
next record records the topic again; neither checks that the connector exists (AbstractHerder);
both answer 403 with ConnectorsResource's messages when topic.tracking.enable or
topic.tracking.allow.reset is false. Standalone keeps them in memory (MemoryStatusBackingStore:
kept after a deletion, lost on restart); distributed writes status-topic-<topic>:connector-<c>
records in KafkaStatusBackingStore's byte format, tombstones on reset and on deletion.

initial_state: RUNNING / PAUSED / STOPPED in any case, on POST /connectors in both modes and in a
standalone JSON connector file; a connector created PAUSED or STOPPED has no task until resumed
(task configs are generated for a STARTED target only); distributed writes target-state-<c>
right before connector-<c> in the config topic.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import kctest  # noqa: E402
from kctest import Worker, unique, wait_until  # noqa: E402


def append_lines(path, lines):
    with open(path, "ab") as f:
        for line in lines:
            f.write(line + b"\n")


def topics_of(w, name):
    code, body = w.get("/connectors/%s/topics" % name)
    assert code == 200 and list(body) == [name] and list(body[name]) == ["topics"], (code, body)
    return sorted(body[name]["topics"])


def wait_topics(w, name, expected, timeout=60):
    return wait_until(lambda: topics_of(w, name) == sorted(expected), timeout,
                      what="%s topics %r" % (name, expected))


def check_error(resp, code, message):
    assert resp[0] == code and resp[1] == {"error_code": code, "message": message}, resp


def read_topic(topic):
    """Every record of every partition of a topic: [(key bytes, value bytes or None)]."""
    out = kctest.kcat("-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%K %S %p\n%k%s", timeout=60)
    recs, i = [], 0
    while i < len(out):
        nl = out.index(b"\n", i)
        klen, vlen, _ = (int(x) for x in out[i:nl].split(b" "))
        i = nl + 1
        key, i = (out[i:i + klen], i + klen) if klen >= 0 else (None, i)
        val, i = (out[i:i + vlen], i + vlen) if vlen >= 0 else (None, i)
        recs.append((key, val))
    return recs


def topic_records(status_topic, connector):
    """The status topic's topic-status records of a connector, per key, in order (one key, one partition)."""
    out = {}
    for k, v in read_topic(status_topic):
        if k and k.startswith(b"status-topic-") and k.endswith(b":connector-" + connector.encode()):
            out.setdefault(k.decode(), []).append(v)
    return out


def java_topic_value(topic, connector, task):
    """KafkaStatusBackingStore.serializeTopicStatus through JsonConverter (schemas off)."""
    return re.compile(rb'^\{"topic":\{"name":' + re.escape(json.dumps(topic).encode()) + rb',"connector":' +
                      re.escape(json.dumps(connector).encode()) + rb',"task":%d,"discoverTimestamp":(\d+)\}\}$' % task)


def pipeline(w, wd, tag):
    """A FileStreamSource writing to a fresh topic and a FileStreamSink reading it."""
    topic = unique("tt-" + tag)
    src_file, sink_file = os.path.join(wd, tag + "-in.txt"), os.path.join(wd, tag + "-out.txt")
    append_lines(src_file, [b"line-%d" % i for i in range(5)])
    src, sink = unique(tag + "-src"), unique(tag + "-sink")
    for cfg in (kctest.file_source(src, src_file, topic), kctest.file_sink(sink, sink_file, topic)):
        code, body = w.request("POST", "/connectors", {"name": cfg["name"], "config": cfg})
        assert code == 201, (code, body)
    w.wait_running(src)
    w.wait_running(sink)
    kctest.wait_for_lines(sink_file, 5, worker=w)
    return topic, src, sink, src_file, sink_file


def check_tracking_cycle(w, wd, tag, status_topic=None):
    topic, src, sink, src_file, sink_file = pipeline(w, wd, tag)
    wait_topics(w, src, [topic])
    wait_topics(w, sink, [topic])
    # No existence check in Java: an unknown connector has no topics and its reset is accepted.
    ghost = unique("ghost")
    assert w.get("/connectors/%s/topics" % ghost) == (200, {ghost: {"topics": []}})
    assert w.request("PUT", "/connectors/%s/topics/reset" % ghost) == (202, None)
    if status_topic:
        for c, t in ((src, 0), (sink, 0)):
            recs = topic_records(status_topic, c)
            key = "status-topic-%s:connector-%s" % (topic, c)
            assert list(recs) == [key], recs
            assert all(v is not None and java_topic_value(topic, c, t).match(v) for v in recs[key]), recs
            ts = int(java_topic_value(topic, c, t).match(recs[key][0]).group(1))
            assert abs(ts / 1000.0 - time.time()) < 600, ts
    # Reset: gone (standalone at once, distributed once the tombstone is read back) ...
    for c in (src, sink):
        assert w.request("PUT", "/connectors/%s/topics/reset" % c) == (202, None)
        wait_topics(w, c, [])
    if status_topic:
        for c in (src, sink):
            recs = topic_records(status_topic, c)
            key = "status-topic-%s:connector-%s" % (topic, c)
            assert recs[key][-1] is None, recs  # the tombstone
    # ... and recorded again by the next records of both tasks.
    append_lines(src_file, [b"more-%d" % i for i in range(3)])
    kctest.wait_for_lines(sink_file, 8, worker=w)
    wait_topics(w, src, [topic])
    wait_topics(w, sink, [topic])
    if status_topic:
        recs = topic_records(status_topic, sink)
        assert recs["status-topic-%s:connector-%s" % (topic, sink)][-1] is not None, recs
    return topic, src, sink


def test_standalone_topics():
    wd = kctest.tmpdir()
    w = Worker(wd).start()
    try:
        topic, src, sink = check_tracking_cycle(w, wd, "sa")
        # StandaloneHerder.deleteConnectorConfig does not reset topics: the memory store keeps them.
        assert w.request("DELETE", "/connectors/" + sink)[0] == 204
        assert topics_of(w, sink) == [topic]
    finally:
        w.stop()
    # MemoryStatusBackingStore: nothing survives a restart.
    w = Worker(wd, port=w.port).start()
    try:
        assert topics_of(w, src) == [] and topics_of(w, sink) == []
    finally:
        w.stop()


def test_standalone_disabled_and_no_reset():
    wd = kctest.tmpdir()
    w = Worker(wd, {"topic.tracking.enable": "false"}).start()
    try:
        check_error(w.get("/connectors/x/topics"), 403, "Topic tracking is disabled.")
        check_error(w.request("PUT", "/connectors/x/topics/reset"), 403, "Topic tracking is disabled.")
    finally:
        w.stop()
    w = Worker(wd, {"topic.tracking.allow.reset": "false"}).start()
    try:
        topic, src, sink, _, _ = pipeline(w, wd, "nr")
        wait_topics(w, sink, [topic])
        check_error(w.request("PUT", "/connectors/%s/topics/reset" % sink), 403, "Topic tracking reset is disabled.")
        assert topics_of(w, sink) == [topic]
    finally:
        w.stop()


def sink_cfg(name, topic, wd):
    return kctest.file_sink(name, os.path.join(wd, name + ".out"), topic)


def check_initial_states(w, wd):
    topic = unique("tt-init")
    for state, conn_state in (("PAUSED", "PAUSED"), ("stopped", "STOPPED"), ("Running", "RUNNING")):
        name = unique("init-" + state.lower())
        code, body = w.request("POST", "/connectors", {"name": name, "config": sink_cfg(name, topic, wd),
                                                       "initial_state": state})
        assert code == 201 and body["name"] == name, (code, body)
        if conn_state == "RUNNING":
            w.wait_running(name)
            continue
        # Task configs are generated for a STARTED target only: none until resumed.
        st = wait_until(lambda: w.status(name)[1]["connector"]["state"] == conn_state and w.status(name)[1],
                        60, what="%s %s" % (name, conn_state))
        assert st["tasks"] == [], st
        kctest.wait_stable(lambda: (w.status(name)[1]["connector"]["state"], len(w.status(name)[1]["tasks"])),
                           settle=2.0)
        st = w.status(name)[1]
        assert st["connector"]["state"] == conn_state and st["tasks"] == [], st
        assert w.get("/connectors/%s/tasks" % name) == (200, [])
        assert w.request("PUT", "/connectors/%s/resume" % name)[0] == 202
        w.wait_running(name)
    req = {"name": unique("x"), "config": sink_cfg("x", topic, wd), "initial_state": "sleeping"}
    code, body = w.request("POST", "/connectors", req)
    # Jackson points at the member (kctest sends json.dumps(req)); the column lies within it.
    sent = json.dumps(req)
    m = re.search(r"line: 1, column: (\d+)\]", body.get("message", "")) if isinstance(body, dict) else None
    body_column = int(m.group(1)) if m else -1
    assert sent.index('"initial_state"') < body_column <= len(sent) + 1, (body_column, sent)
    # Java's text (3.9.1 and 4.x: forValue upper-cases), with Jackson's location of the value.
    ent = "org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest"
    assert (code, body) == (500, {"error_code": 500, "message": (
        "Cannot construct instance of `%s$InitialState`, problem: No enum constant %s.InitialState.SLEEPING"
        "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: %d] "
        "(through reference chain: %s[\"initial_state\"])" % (ent, ent, body_column, ent))}), (code, body)


def test_standalone_initial_state_and_file():
    wd = kctest.tmpdir()
    topic = unique("tt-file")
    files = []
    for state in ("PAUSED", "STOPPED", "running"):
        name = "file-" + state.lower()
        path = os.path.join(wd, name + ".json")
        with open(path, "w") as f:
            json.dump({"name": name, "config": sink_cfg(name, topic, wd), "initial_state": state}, f)
        files.append(path)
    # Jackson cannot bind "nap": ConnectStandalone reads such a file as .properties (no name: refused).
    bad = os.path.join(wd, "bad.json")
    with open(bad, "w") as f:
        json.dump({"name": "file-bad", "config": sink_cfg("file-bad", topic, wd), "initial_state": "nap"}, f)
    w = Worker(wd, extra_args=files + [bad]).start()
    try:
        w.wait_running("file-running")
        for name, state in (("file-paused", "PAUSED"), ("file-stopped", "STOPPED")):
            st = w.status(name)[1]
            assert st["connector"]["state"] == state and st["tasks"] == [], st
        assert w.get("/connectors/file-bad")[0] == 404
        assert "is missing the mandatory 'name' configuration" in w.tail(200)
        check_initial_states(w, wd)
    finally:
        w.stop()


def test_distributed_topics_and_initial_state():
    wd = kctest.tmpdir()
    group = unique("tt-dist")
    props = kctest.distributed_props(group)
    w = Worker(wd, props, mode="distributed").start()
    try:
        wait_until(lambda: w.get("/health")[0] == 200, 60, what="distributed worker joined")  # /health: joined
        topic, src, sink = check_tracking_cycle(w, wd, "di", status_topic=props["status.storage.topic"])
        # onRevoked's resetActiveTopics: a deleted connector's topic records are tombstoned.
        assert w.request("DELETE", "/connectors/" + src)[0] == 204
        wait_topics(w, src, [])
        wait_until(lambda: topic_records(props["status.storage.topic"], src)[
            "status-topic-%s:connector-%s" % (topic, src)][-1] is None, 60, what="tombstone after deletion")
        check_initial_states(w, wd)
        # KafkaConfigBackingStore.putConnectorConfig(name, config, targetState): the target state
        # right before the connector config.
        cfg = read_topic(props["config.storage.topic"])
        keys = [k.decode() for k, _ in cfg]
        firsts = {}
        for i, k in enumerate(keys):
            if k.startswith("target-state-init-") and k not in firsts:
                firsts[k] = (i, cfg[i][1])
        seen = set()
        for k, (i, v) in firsts.items():
            name = k[len("target-state-"):]
            assert keys[i + 1] == "connector-" + name, keys[i:i + 2]
            state = name.split("-")[1]
            expect = {"paused": b'{"state":"PAUSED","state.v2":"PAUSED"}',
                      "stopped": b'{"state":"PAUSED","state.v2":"STOPPED"}',
                      "running": b'{"state":"STARTED","state.v2":"STARTED"}'}[state]
            assert v == expect, (k, v)
            seen.add(state)
        assert seen == {"paused", "stopped", "running"}, firsts
    finally:
        w.stop()


def test_distributed_tracking_disabled():
    wd = kctest.tmpdir()
    group = unique("tt-off")
    props = kctest.distributed_props(group, **{"topic.tracking.enable": "false"})
    w = Worker(wd, props, mode="distributed").start()
    try:
        wait_until(lambda: w.get("/health")[0] == 200, 60, what="distributed worker joined")  # /health: joined
        topic, src, sink, _, _ = pipeline(w, wd, "off")
        check_error(w.get("/connectors/%s/topics" % sink), 403, "Topic tracking is disabled.")
        check_error(w.request("PUT", "/connectors/%s/topics/reset" % sink), 403, "Topic tracking is disabled.")
        assert w.request("DELETE", "/connectors/" + src)[0] == 204
        kctest.wait_stable(lambda: len(read_topic(props["status.storage.topic"])), settle=2.0)
        keys = [k for k, _ in read_topic(props["status.storage.topic"])]
        assert keys and not [k for k in keys if k.startswith(b"status-topic-")], keys
    finally:
        w.stop()


if __name__ == "__main__":
    kctest.main([test_standalone_topics, test_standalone_disabled_and_no_reset, test_standalone_initial_state_and_file,
                 test_distributed_topics_and_initial_state, test_distributed_tracking_disabled])
