"""End to end: GET /connectors/{sink}/offsets (issue 8, finding 7).

The worker used to read a sink connector's offsets with librdkafka's ListConsumerGroupOffsets,
which crashes the process when OffsetFetch answers NOT_COORDINATOR (librdkafka#5040). Now a
throwaway consumer handle reads them on the threadpool. Checked against the real broker: a
FileStreamSink drains a 3-partition topic of numbered loghub lines; its offsets equal the
partitions' high watermarks (read independently with kcat -Q) once everything is committed;
200 concurrent GETs while records flow all answer 200 with offsets that never exceed the
watermarks and the worker keeps running; after PUT /stop (no consumer left) the same offsets are
still served; topics.regex selects the same partitions.
"""
import concurrent.futures
import os

import kctest
from kctest import unique

PARTS = 3
PER_PART = 20_000


def produce(topic, lines):
    for p in range(PARTS):
        chunk = lines[p * PER_PART:(p + 1) * PER_PART]
        kctest.kcat("-P", "-t", topic, "-p", str(p), input_bytes=b"".join(l + b"\n" for l in chunk),
                    timeout=300)


def watermarks(topic):
    return {p: kctest.topic_end_offset(topic, p) for p in range(PARTS)}


def offsets_of(w, name):
    code, body = w.request("GET", "/connectors/%s/offsets" % name)
    assert code == 200, (code, body)
    got = {}
    for e in body["offsets"]:
        assert set(e) == {"partition", "offset"}, e
        assert set(e["partition"]) == {"kafka_topic", "kafka_partition"}, e
        assert set(e["offset"]) == {"kafka_offset"}, e
        got[(e["partition"]["kafka_topic"], e["partition"]["kafka_partition"])] = e["offset"]["kafka_offset"]
    return got


def test_sink_offsets_running_loaded_and_stopped():
    wd = kctest.tmpdir("kc-e2e-sinkoff-")
    topic = kctest.create_topic(unique("sinkoff"), PARTS)
    lines = kctest.numbered_loghub_lines(PARTS * PER_PART)
    out = os.path.join(wd, "out.txt")
    name = unique("sinkoff-sink")
    w = kctest.Worker(wd, {"offset.flush.interval.ms": "300"},
                      [kctest.file_sink(name, out, topic)]).start()
    try:
        w.wait_running(name)
        assert offsets_of(w, name) == {}, "offsets before anything was committed"
        # Load: GETs racing the records.
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            fut = pool.submit(produce, topic, lines)
            answers = list(pool.map(lambda _: offsets_of(w, name), range(200)))
            fut.result()
        wm = watermarks(topic)
        for a in answers:
            for (t, p), off in a.items():
                assert t == topic and 0 <= p < PARTS and 0 <= off <= wm[p], (a, wm)
        assert w.proc.poll() is None, "worker died under concurrent offset reads:\n" + w.tail()
        expect = {(topic, p): wm[p] for p in range(PARTS)}
        assert sum(wm.values()) == PARTS * PER_PART, wm
        kctest.wait_for_lines(out, PARTS * PER_PART, 120, worker=w)
        kctest.wait_until(lambda: offsets_of(w, name) == expect, 30, 0.3, "committed == watermarks")
        # The list is sorted by topic and partition.
        code, body = w.request("GET", "/connectors/%s/offsets" % name)
        assert [e["partition"]["kafka_partition"] for e in body["offsets"]] == list(range(PARTS)), body
        # Stopped: no task, no consumer; the group's offsets are still there.
        code, body = w.request("PUT", "/connectors/%s/stop" % name)
        assert code == 204, (code, body)
        kctest.wait_until(lambda: w.status(name)[1]["connector"]["state"] == "STOPPED", 30)
        assert offsets_of(w, name) == expect
        # topics.regex selects by pattern, anchored on the whole name (Connect's matches()).
        rx = unique("sinkoff-rx")
        code, body = w.request("POST", "/connectors", {"name": rx, "config": dict(
            kctest.file_sink(rx, os.path.join(wd, "rx.txt"), topic), **{
                "topics": "", "topics.regex": topic[:-3] + "...",
                "consumer.override.group.id": "connect-" + name})})
        assert code == 201, (code, body)
        assert offsets_of(w, rx) == expect
    finally:
        rc = w.stop()
    assert rc == 0, rc


if __name__ == "__main__":
    kctest.main([test_sink_offsets_running_loaded_and_stopped])
