"""Error tolerance and the dead letter queue on the real broker: a topic with malformed JSON
lines among good ones (loghub lines as JSON strings), a FileStreamSink with JsonConverter.
- errors.tolerance=none: the task fails and its trace names the record's topic, partition, offset;
- errors.tolerance=all + DLQ + context headers: every bad record in the DLQ with its original bytes,
  key and headers and Connect's __connect.errors.* headers; every good one in the sink file; the
  committed offsets reach the end; errors.log.enable + include.messages log Connect's text;
- kill -9 in the middle and a restart lose nothing (duplicates are counted and printed).
"""
import json
import os
import re
import signal
import time

import kctest
from kctest import unique

JSON = {"value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false"}


def make_records(count, bad_every=9):
    """[(line_bytes, good)]: good lines are JSON strings of loghub lines; every bad_every-th is not JSON."""
    base = kctest.numbered_loghub_lines(count)
    out = []
    for i, l in enumerate(base):
        if i % bad_every == 4:
            out.append((b"{not json " + l[:40], False))
        else:
            out.append((json.dumps(l.decode("utf-8", "replace")).encode(), True))
    return out


def produce(topic, recs, start=0):
    data = b"".join(b"k%d\x1f%s\n" % (start + i, l) for i, (l, _) in enumerate(recs))
    kctest.kcat("-P", "-t", topic, "-K", "\x1f", "-H", "origin=loghub", input_bytes=data, timeout=300)


def dlq_records(topic, count):
    """[(key, value, {header: value})] of the DLQ topic."""
    out = kctest.kcat("-C", "-t", topic, "-o", "beginning", "-c", str(count), "-e", "-q",
                      "-f", "%k\x1f%s\x1f%h\x1e", timeout=120)
    recs = []
    for r in out.split(b"\x1e"):
        if not r:
            continue
        k, v, h = r.split(b"\x1f", 2)
        hdrs = {}
        for kv in re.split(r",(?=(?:origin|__connect\.errors\.[a-z.]+)=)", h.decode()):
            if "=" in kv:
                a, b = kv.split("=", 1)
                hdrs[a] = b
        recs.append((k, v, hdrs))
    return recs


def test_tolerance_none_fails_with_coordinates():
    wd = kctest.tmpdir("kc-err-none-")
    topic = unique("err-none")
    kctest.create_topic(topic, 1)
    recs = make_records(30)
    produce(topic, recs)
    first_bad = next(i for i, (_, g) in enumerate(recs) if not g)
    w = kctest.Worker(wd).start()
    try:
        name = unique("err-none")
        cfg = kctest.file_sink(name, os.path.join(wd, "out"), topic, **JSON)
        assert w.request("POST", "/connectors", {"name": name, "config": cfg})[0] == 201

        def failed():
            _, st = w.status(name)
            return st.get("tasks") and st["tasks"][0]["state"] == "FAILED" and st["tasks"][0]
            return st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st["tasks"][0]
        t = kctest.wait_until(failed, 60, 0.2, "task FAILED")
        assert "Tolerance exceeded in error handler" in t["trace"], t
        assert "%s-0 offset %d" % (topic, first_bad) in t["trace"], t["trace"]
        assert "org.apache.kafka.connect.errors.DataException" in t["trace"], t["trace"]
    finally:
        w.stop()


def run_dlq(kill_midway):
    wd = kctest.tmpdir("kc-err-dlq-")
    topic, dlq = unique("err-src"), unique("err-dlq")
    kctest.create_topic(topic, 1)
    count = 60000 if kill_midway else 4000
    recs = make_records(count)
    produce(topic, recs)
    good = [json.loads(l) for l, g in recs if g]
    bad = {i: l for i, (l, g) in enumerate(recs) if not g}
    out = os.path.join(wd, "out.txt")
    name = unique("err-dlq")
    cfg = kctest.file_sink(name, out, topic, **JSON)
    cfg.update({"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
                "errors.deadletterqueue.topic.replication.factor": "1",
                "errors.deadletterqueue.context.headers.enable": "true",
                "errors.log.enable": "true", "errors.log.include.messages": "true"})
    conn_file = os.path.join(wd, "sink.properties")
    kctest.write_props(conn_file, cfg)
    w = kctest.Worker(wd, connectors=[cfg]).start()
    try:
        if kill_midway:
            kctest.wait_until(lambda: len(kctest.read_sink_lines(out)) > len(good) // 4, 120, 0.05, "a quarter")
            w.signal(signal.SIGKILL)
            w.proc.wait()
            w = kctest.Worker(wd, connectors=[cfg]).start()
        want = set(g.encode() for g in good)

        def all_good():
            w.alive_or_raise()
            return want <= set(kctest.read_sink_lines(out))
        try:
            kctest.wait_until(all_good, 180, 0.5, "every good record in the sink")
        except AssertionError:
            pass
        lines = kctest.read_sink_lines(out)
        seen = set(lines)
        missing = [g for g in good if g.encode() not in seen]
        assert not missing, "%d good records missing, e.g. %r" % (len(missing), missing[:2])
        dups = len(lines) - len(seen)

        def dlq_full():
            try:
                return kctest.topic_end_offset(dlq, 0) >= len(bad)
            except AssertionError:
                return False
        kctest.wait_until(dlq_full, 120, 0.2, "DLQ filled")
        n = kctest.topic_end_offset(dlq, 0)
        drecs = dlq_records(dlq, n)
        by_offset = {}
        for k, v, h in drecs:
            off = int(h["__connect.errors.offset"])
            by_offset.setdefault(off, []).append((k, v, h))
        assert set(by_offset) == set(bad), (len(by_offset), len(bad))
        for off, entries in by_offset.items():
            k, v, h = entries[0]
            assert v == bad[off] and k == b"k%d" % off, (off, k, v)
            assert h["origin"] == "loghub", h
            assert h["__connect.errors.topic"] == topic and h["__connect.errors.partition"] == "0", h
            assert h["__connect.errors.connector.name"] == name and h["__connect.errors.task.id"] == "0", h
            assert h["__connect.errors.stage"] == "VALUE_CONVERTER", h
            assert h["__connect.errors.class.name"] == "org.apache.kafka.connect.json.JsonConverter", h
            assert h["__connect.errors.exception.class.name"] == "org.apache.kafka.connect.errors.DataException", h
            assert h["__connect.errors.exception.message"].startswith("Converting byte[] to Kafka Connect data failed"), h
            assert h["__connect.errors.exception.stacktrace"].startswith("org.apache.kafka.connect.errors.DataException: "), h
        dlq_dups = len(drecs) - len(by_offset)
        with open(w.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        assert ("Error encountered in task %s-0. Executing stage 'VALUE_CONVERTER' with class "
                "'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='%s', partition=0, "
                "offset=%d, timestamp=" % (name, topic, min(bad))) in log, log[-3000:]
        print("dlq %s: %d good (%d duplicate lines), %d bad (%d duplicate DLQ records)"
              % ("kill -9" if kill_midway else "clean", len(good), dups, len(bad), dlq_dups))
        if not kill_midway:
            assert dups == 0 and dlq_dups == 0, (dups, dlq_dups)
    finally:
        w.stop()


def test_dlq_with_context_headers():
    run_dlq(False)


def test_dlq_kill9_loses_nothing():
    run_dlq(True)


if __name__ == "__main__":
    kctest.main([test_tolerance_none_fails_with_coordinates, test_dlq_with_context_headers,
                 test_dlq_kill9_loses_nothing])
