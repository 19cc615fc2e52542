"""End to end: FileStreamSource -> Kafka topic -> FileStreamSink on the real loghub logs.

Each test starts its own kconnect standalone worker against the local broker
(tools/kafka-local; KAFKA_BOOTSTRAP), with unique topics and its own temp dir.
The loghub files are used as they are: CRLF line endings, and most lack a final
terminator. One topic per log file keeps per-file order checkable (a topic has
one partition), and one sink per topic writes one output file per log.
"""
import json
import os
import shutil
import time

import kctest
from kctest import unique

JSON_WORKER = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "true",
}


def first_difference(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return "line %d: got %r, want %r" % (i, g[:120], w[:120])
    return "lengths differ: got %d lines, want %d" % (len(got), len(want))


def assert_lines(got, want, what):
    if got != want:
        raise AssertionError("%s: %s" % (what, first_difference(got, want)))


def stage_logs(workdir):
    """Copies every loghub log into workdir byte for byte, terminating an unterminated last line
    (FileStreamSource holds it back until its terminator arrives). Returns [(path, lines)]."""
    staged = []
    for src in kctest.loghub_files():
        with open(src, "rb") as f:
            data = f.read()
        lines, rest = kctest.split_source_lines(data)
        if rest:
            data += b"\r\n"
            lines.append(rest)
        dst = os.path.join(workdir, os.path.basename(src))
        with open(dst, "wb") as f:
            f.write(data)
        staged.append((dst, lines))
    assert len(staged) == 10, "expected the ten loghub logs, found %d" % len(staged)
    return staged


def run_all_logs(worker_props, check_topic):
    wd = kctest.tmpdir("kc-e2e-pipeline-")
    plan, conns = [], []
    for path, lines in stage_logs(wd):
        system = os.path.basename(path).split("_")[0].lower()
        topic = unique("pipe-" + system)
        out = os.path.join(wd, "sink-%s.txt" % system)
        conns.append(kctest.file_source(unique("src-" + system), path, topic))
        conns.append(kctest.file_sink(unique("sink-" + system), out, topic))
        plan.append((system, topic, out, lines))
    w = kctest.Worker(wd, worker_props, conns).start()
    try:
        for c in conns:
            w.wait_running(c["name"])
        for system, topic, out, lines in plan:
            kctest.wait_for_lines(out, len(lines), 180, worker=w)
        # Late duplicates would land after the counts were reached: wait for the files to settle.
        kctest.wait_stable(lambda: [os.path.getsize(p[2]) for p in plan], settle=2.0, timeout=60)
        for system, topic, out, lines in plan:
            assert_lines(kctest.read_sink_lines(out), lines, "sink file for " + system)
            end = kctest.topic_end_offset(topic)
            assert end == len(lines), "topic %s holds %d records, want %d" % (topic, end, len(lines))
            check_topic(topic, lines)
    finally:
        rc = w.stop()
    assert rc == 0, "kconnect exited with %s on SIGTERM" % rc
    shutil.rmtree(wd, ignore_errors=True)  # kept on failure for inspection


def check_string_topic(topic, lines):
    recs = kctest.consume_records(topic, len(lines) + 1)
    assert len(recs) == len(lines), "topic %s: %d records, want %d" % (topic, len(recs), len(lines))
    assert all(k is None for k, _ in recs), "FileStreamSource records must have null keys"
    vals = [v for _, v in recs]
    assert vals[0] == lines[0] and vals[-1] == lines[-1], "first/last values differ"
    assert_lines(vals, lines, "topic " + topic)


def jackson_envelope(line):
    """JsonConverter (schemas.enable=true) bytes for a STRING_SCHEMA value, as Jackson writes them."""
    return json.dumps({"schema": {"type": "string", "optional": False}, "payload": line.decode()},
                      separators=(",", ":"), ensure_ascii=False).encode()


def check_json_topic(topic, lines):
    recs = kctest.consume_records(topic, len(lines) + 1)
    assert len(recs) == len(lines), "topic %s: %d records, want %d" % (topic, len(recs), len(lines))
    # A null key with a null schema converts to a Kafka null, not to an envelope.
    assert all(k is None for k, _ in recs), "keys must be Kafka nulls, got %r" % (recs[0][0],)
    for i, (_, v) in enumerate(recs):
        doc = json.loads(v)
        want = {"schema": {"type": "string", "optional": False}, "payload": lines[i].decode()}
        if doc != want:
            raise AssertionError("record %d of %s: got %r, want %r" % (i, topic, doc, want))
    # Byte-level compatibility with Java workers reading the same topic.
    assert recs[0][1] == jackson_envelope(lines[0]), "first record bytes %r" % recs[0][1][:200]
    assert recs[-1][1] == jackson_envelope(lines[-1]), "last record bytes %r" % recs[-1][1][:200]


def test_all_logs_string_converter():
    run_all_logs({}, check_string_topic)


def test_all_logs_json_converter_with_schemas():
    run_all_logs(JSON_WORKER, check_json_topic)


def test_growing_file_in_bursts():
    """A source file appended in bursts while the worker runs, with burst boundaries inside a line
    and between the \\r and \\n of a CRLF: every line arrives once, whole, in order."""
    wd = kctest.tmpdir("kc-e2e-grow-")
    logs = kctest.loghub_files()
    data = b"".join(open(p, "rb").read().rstrip(b"\r\n") + b"\r\n" for p in logs[:3])
    want, rest = kctest.split_source_lines(data)
    assert rest == b""
    crlfs = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\r\n"]
    n = len(data)
    cuts = sorted({
        crlfs[len(crlfs) // 6] + 1,         # between \r and \n
        n * 2 // 6 + 7,                      # inside a line
        crlfs[len(crlfs) * 3 // 6] + 2,      # right after a CRLF
        crlfs[len(crlfs) * 4 // 6] + 1,      # between \r and \n again
        n * 5 // 6 + 3,                      # inside a line
    })
    assert all(0 < c < n for c in cuts)
    src = os.path.join(wd, "growing.log")
    out = os.path.join(wd, "growing.sink.txt")
    topic = unique("grow")
    with open(src, "wb") as f:
        f.write(data[:cuts[0]])
    s_name, k_name = unique("grow-src"), unique("grow-sink")
    w = kctest.Worker(wd, {}, [kctest.file_source(s_name, src, topic), kctest.file_sink(k_name, out, topic)]).start()
    try:
        w.wait_running(s_name)
        w.wait_running(k_name)
        bounds = cuts + [n]
        for a, b in zip(bounds, bounds[1:]):
            time.sleep(0.8)  # let the task reach end of file between bursts
            with open(src, "ab") as f:
                f.write(data[a:b])
        kctest.wait_for_lines(out, len(want), 120, worker=w)
        kctest.wait_stable(lambda: os.path.getsize(out), settle=1.5)
        assert_lines(kctest.read_sink_lines(out), want, "sink file")

        # A line without its terminator is not shipped until the terminator arrives.
        partial = b"partial line with no terminator yet"
        with open(src, "ab") as f:
            f.write(partial)
        time.sleep(3.0)  # the source polls an idle file about once a second
        assert kctest.read_sink_lines(out) == want, "an unterminated line was emitted early"
        with open(src, "ab") as f:
            f.write(b"\n" + b"after a lone cr\r")
        time.sleep(1.5)
        with open(src, "ab") as f:
            f.write(b"\nlast\r\n")
        want2 = want + [partial, b"after a lone cr", b"last"]
        kctest.wait_for_lines(out, len(want2), 60, worker=w)
        kctest.wait_stable(lambda: os.path.getsize(out), settle=1.5)
        assert_lines(kctest.read_sink_lines(out), want2, "sink file after the partial lines")
        assert kctest.topic_end_offset(topic) == len(want2)
    finally:
        rc = w.stop()
    assert rc == 0, "kconnect exited with %s" % rc
    shutil.rmtree(wd, ignore_errors=True)


def test_source_file_created_later():
    """A source whose file does not exist yet keeps RUNNING and picks the file up once created."""
    wd = kctest.tmpdir("kc-e2e-later-")
    src = os.path.join(wd, "not-yet.log")
    out = os.path.join(wd, "later.sink.txt")
    topic = unique("later")
    s_name, k_name = unique("later-src"), unique("later-sink")
    w = kctest.Worker(wd, {}, [kctest.file_source(s_name, src, topic), kctest.file_sink(k_name, out, topic)]).start()
    try:
        w.wait_running(s_name)
        w.wait_running(k_name)
        time.sleep(2.5)  # several poll attempts on the missing file
        code, st = w.status(s_name)
        assert code == 200 and st["tasks"][0]["state"] == "RUNNING", "status after missing file: %r" % (st,)
        lines = kctest.loghub_lines(kctest.loghub_files()[-1])
        with open(src, "wb") as f:
            f.write(b"".join(l + b"\n" for l in lines))
        kctest.wait_for_lines(out, len(lines), 60, worker=w)
        assert_lines(kctest.read_sink_lines(out), lines, "sink file")
    finally:
        rc = w.stop()
    assert rc == 0
    shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_all_logs_string_converter, test_all_logs_json_converter_with_schemas,
                 test_growing_file_in_bursts, test_source_file_created_later])
