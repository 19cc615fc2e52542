"""PATCH and DELETE /connectors/{c}/offsets (KIP-875) on a standalone worker against the real
broker: FileStreamSource resumes from an altered position and rereads the file after a reset;
FileStreamSink resumes from an altered kafka_offset and its group is deleted by a reset; Java's
validation messages and the STOPPED-state rule.
"""
import atexit
import os

import kctest
from kctest import wait_until

_w = []

NOT_STOPPED = ("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for "
               "the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint")
ALTERED = {"message": "The offsets for this connector have been altered successfully"}
RESET = {"message": "The offsets for this connector have been reset successfully"}


def worker():
    if not _w:
        w = kctest.Worker(kctest.tmpdir("kc-rest-offmod-")).start()
        atexit.register(w.stop)
        _w.append(w)
    _w[0].alive_or_raise()
    return _w[0]


def stop(w, name):
    assert w.request("PUT", "/connectors/%s/stop" % name)[0] == 204

    def stopped():
        code, st = w.status(name)
        return code == 200 and st["connector"]["state"] == "STOPPED" and not st["tasks"]
    wait_until(stopped, 30, what="%s STOPPED" % name)


def offsets(w, name):
    code, body = w.get("/connectors/%s/offsets" % name)
    assert code == 200, (code, body)
    return body["offsets"]


def patch(w, name, entries):
    return w.request("PATCH", "/connectors/%s/offsets" % name, {"offsets": entries})


def patch_retrying(w, name, entries):
    # A sink task's consumer may still be leaving the group (Java's "zombie" 500): retry as Java says.
    return wait_until(lambda: (lambda r: r if r[0] == 200 else None)(patch(w, name, entries)), 20,
                      interval=0.5, what="PATCH offsets of %s" % name)


def test_source_alter_then_reset():
    w = worker()
    name, topic = kctest.unique("offmod-src"), kctest.unique("offmod-src-t")
    path = os.path.join(w.workdir, name + ".txt")
    lines = [b"line-%d" % i for i in range(5)]
    with open(path, "wb") as f:
        f.write(b"".join(x + b"\n" for x in lines))
    code, body = w.request("POST", "/connectors", {"name": name, "config": kctest.file_source(name, path, topic)})
    assert code == 201, (code, body)
    wait_until(lambda: kctest.consume_all(topic, 5) == lines, 30, 0.5, "5 records in %s" % topic)
    # Running: refused with Java's message, both verbs.
    part = {"filename": path}
    code, body = patch(w, name, [{"partition": part, "offset": {"position": 0}}])
    assert (code, body["message"]) == (400, NOT_STOPPED % name), (code, body)
    code, body = w.request("DELETE", "/connectors/%s/offsets" % name)
    assert (code, body["message"]) == (400, NOT_STOPPED % name), (code, body)
    stop(w, name)
    wait_until(lambda: offsets(w, name) == [{"partition": part, "offset": {"position": 35}}], 20,
               what="committed source position")
    # FileStreamSource's alterOffsets checks and OffsetUtils.validateFormat (500s in Java).
    for entries, msg in [
        ([{"partition": part, "offset": {"position": "7"}}],
         "The value for the 'position' key in the offset is expected to be a Long value"),
        ([{"partition": part, "offset": {"position": -1}}],
         "The value for the 'position' key in the offset should be a non-negative value"),
        ([{"partition": part, "offset": {"pos": 1}}],
         "Offset objects should either be null or contain the key 'position'"),
        ([{"partition": {"file": path}, "offset": {"position": 1}}],
         "Partition objects should contain the key 'filename'"),
        ([{"partition": None, "offset": {"position": 1}}], "Partition objects cannot be null"),
        ([{"partition": {"filename": {"nested": 1}}, "offset": {"position": 1}}],
         "Offsets may only contain primitive types as values, but field filename contains MAP"),
        ([{"partition": part, "offset": {"position": [1]}}],
         "Offsets may only contain primitive types as values, but field position contains ARRAY"),
    ]:
        code, body = patch(w, name, entries)
        assert (code, body["message"]) == (500, msg), (entries, code, body)
    assert offsets(w, name) == [{"partition": part, "offset": {"position": 35}}]
    # Alter: resume rereads from byte 21 ("line-3").
    code, body = patch(w, name, [{"partition": part, "offset": {"position": 21}}])
    assert (code, body) == (200, ALTERED), (code, body)
    assert offsets(w, name) == [{"partition": part, "offset": {"position": 21}}]
    assert w.request("PUT", "/connectors/%s/resume" % name)[0] == 202
    assert kctest.consume_all(topic, 7) == lines + lines[3:]
    stop(w, name)
    wait_until(lambda: offsets(w, name) == [{"partition": part, "offset": {"position": 35}}], 20,
               what="committed source position after the resume")
    # Reset: tombstones every partition, the whole file is read again.
    code, body = w.request("DELETE", "/connectors/%s/offsets" % name)
    assert (code, body) == (200, RESET), (code, body)
    assert offsets(w, name) == []
    # A second reset finds nothing and still succeeds.
    assert w.request("DELETE", "/connectors/%s/offsets" % name) == (200, RESET)
    assert w.request("PUT", "/connectors/%s/resume" % name)[0] == 202
    assert kctest.consume_all(topic, 12) == lines + lines[3:] + lines
    stop(w, name)
    # A null offset deletes the partition's offset.
    wait_until(lambda: offsets(w, name) != [], 20, what="committed position")
    assert patch(w, name, [{"partition": part, "offset": None}]) == (200, ALTERED)
    assert offsets(w, name) == []
    assert w.request("DELETE", "/connectors/%s" % name)[0] == 204


def test_sink_alter_then_reset():
    w = worker()
    name, topic = kctest.unique("offmod-sink"), kctest.unique("offmod-sink-t")
    recs = [b"rec-%d" % i for i in range(5)]
    kctest.kcat("-P", "-t", topic, "-D", "\x1e", input_bytes=b"\x1e".join(recs))
    out = os.path.join(w.workdir, name + ".out")
    code, body = w.request("POST", "/connectors", {"name": name, "config": kctest.file_sink(name, out, topic)})
    assert code == 201, (code, body)
    kctest.wait_for_lines(out, 5, 60, w)
    assert kctest.read_sink_lines(out) == recs
    tp = {"kafka_topic": topic, "kafka_partition": 0}
    code, body = patch(w, name, [{"partition": tp, "offset": {"kafka_offset": 3}}])
    assert (code, body["message"]) == (400, NOT_STOPPED % name), (code, body)
    stop(w, name)
    wait_until(lambda: offsets(w, name) == [{"partition": tp, "offset": {"kafka_offset": 5}}], 20,
               what="committed sink offset")
    # SinkUtils.parseSinkConnectorOffsets' 400s.
    for entries, msg in [
        ([{"partition": None, "offset": {"kafka_offset": 1}}],
         "The partition for a sink connector offset cannot be null or missing"),
        ([{"offset": {"kafka_offset": 1}}], "The partition for a sink connector offset cannot be null or missing"),
        ([{"partition": {"kafka_topic": topic}, "offset": {"kafka_offset": 1}}],
         "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"),
        ([{"partition": {"kafka_topic": None, "kafka_partition": 0}, "offset": {"kafka_offset": 1}}],
         "Kafka topic names must be valid strings and may not be null"),
        ([{"partition": {"kafka_topic": topic, "kafka_partition": None}, "offset": {"kafka_offset": 1}}],
         "Kafka partitions must be valid numbers and may not be null"),
        ([{"partition": {"kafka_topic": topic, "kafka_partition": "zero"}, "offset": {"kafka_offset": 1}}],
         "Failed to parse the following Kafka partition value in the provided offsets: 'zero'. Partition values "
         "for sink connectors need to be integers."),
        ([{"partition": {"kafka_topic": topic, "kafka_partition": 1.5}, "offset": {"kafka_offset": 1}}],
         "Failed to parse the following Kafka partition value in the provided offsets: '1.5'. Partition values "
         "for sink connectors need to be integers."),
        ([{"partition": tp, "offset": {"offset": 1}}],
         "The offset for a sink connector should either be null or contain the key 'kafka_offset'"),
        ([{"partition": tp, "offset": {"kafka_offset": "x1"}}],
         "Failed to parse the following Kafka offset value in the provided offsets: 'x1'. Offset values for "
         "sink connectors need to be integers."),
    ]:
        code, body = patch(w, name, entries)
        assert (code, body["message"]) == (400, msg), (entries, code, body)
    # ConnectorsResource's own check, and an unknown connector.
    code, body = patch(w, name, [])
    assert (code, body["message"]) == (400, "Partitions / offsets need to be provided for an alter offsets request")
    code, body = w.request("PATCH", "/connectors/%s/offsets" % name, {})
    assert code == 400, (code, body)
    code, body = patch(w, name + "-nope", [{"partition": tp, "offset": {"kafka_offset": 3}}])
    assert (code, body["message"]) == (404, "Connector %s-nope not found" % name), (code, body)
    code, body = w.request("DELETE", "/connectors/%s-nope/offsets" % name)
    assert (code, body["message"]) == (404, "Connector %s-nope not found" % name), (code, body)
    # Alter ("3" as a string is accepted as Java's parseLong does): the resumed sink gets rec-3, rec-4 again.
    code, body = patch_retrying(w, name, [{"partition": tp, "offset": {"kafka_offset": "3"}}])
    assert body == ALTERED, body
    assert offsets(w, name) == [{"partition": tp, "offset": {"kafka_offset": 3}}]
    assert w.request("PUT", "/connectors/%s/resume" % name)[0] == 202
    kctest.wait_for_lines(out, 7, 60, w)
    assert kctest.read_sink_lines(out) == recs + recs[3:]
    stop(w, name)
    wait_until(lambda: offsets(w, name) == [{"partition": tp, "offset": {"kafka_offset": 5}}], 20,
               what="committed sink offset after the resume")
    # A null offset deletes the partition's committed offset (DeleteConsumerGroupOffsets).
    patch_retrying(w, name, [{"partition": tp, "offset": None}])
    assert offsets(w, name) == []
    assert patch_retrying(w, name, [{"partition": tp, "offset": {"kafka_offset": 4}}])[1] == ALTERED
    assert offsets(w, name) == [{"partition": tp, "offset": {"kafka_offset": 4}}]
    # Reset deletes the group: no committed offsets, and a second reset (no group) succeeds too.
    code, body = wait_until(lambda: (lambda r: r if r[0] == 200 else None)(
        w.request("DELETE", "/connectors/%s/offsets" % name)), 20, interval=0.5, what="DELETE offsets")
    assert body == RESET, body
    assert offsets(w, name) == []
    assert w.request("DELETE", "/connectors/%s/offsets" % name) == (200, RESET)
    # auto.offset.reset=earliest: the resumed sink rereads everything.
    assert w.request("PUT", "/connectors/%s/resume" % name)[0] == 202
    kctest.wait_for_lines(out, 12, 60, w)
    assert kctest.read_sink_lines(out) == recs + recs[3:] + recs
    assert w.request("DELETE", "/connectors/%s" % name)[0] == 204


if __name__ == "__main__":
    kctest.main([v for k, v in sorted(globals().items()) if k.startswith("test_")])
