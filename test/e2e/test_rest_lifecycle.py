"""End to end: a sink connector's whole life through the REST API while data flows.

A FileStreamSource (from the worker's command line) keeps producing numbered
loghub lines to a topic for the whole test. Through REST a FileStreamSink on
that topic is created, paused, resumed, reconfigured to another file,
restarted with its tasks, and deleted; after each step the effect is checked
on the output files and the topic (connect-runtime.md 1.3, 1.4, 2).
"""
import os
import shutil
import threading
import time

import kctest
from kctest import unique, wait_until

SETTLE_S = 1.5


class Producer(threading.Thread):
    """Appends numbered loghub lines to the source file until stopped (~2,000 lines/s)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.lines = kctest.numbered_loghub_lines(400_000)
        self.pos = 0
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set() and self.pos < len(self.lines):
            chunk = self.lines[self.pos:self.pos + 200]
            with open(self.path, "ab") as f:
                f.write(b"".join(l + b"\n" for l in chunk))
            self.pos += len(chunk)
            time.sleep(0.1)


def seqs(path):
    out = []
    for l in kctest.read_sink_lines(path):
        s = kctest.seq_of(l)
        assert s is not None, "%s holds a line that is not from the input: %r" % (path, l[:80])
        out.append(s)
    return out


def assert_in_order(path):
    s = seqs(path)
    bad = [i for i in range(1, len(s)) if s[i] != s[i - 1] + 1]
    assert not bad, "%s: sequence breaks at line %d (%d -> %d)" % (path, bad[0], s[bad[0] - 1], s[bad[0]])
    return s


def grows(counter, by=400, timeout=30):
    """Waits for the file to gain `by` more lines."""
    before = counter.count()
    wait_until(lambda: counter.count() >= before + by, timeout, what="%s to grow by %d" % (counter.path, by))


def stays(counter, topic, records=600, timeout=30):
    """Checks the file does not grow while the topic gains `records` records."""
    settled = kctest.wait_stable(counter.count, settle=SETTLE_S, timeout=timeout)
    start = kctest.topic_end_offset(topic)
    wait_until(lambda: kctest.topic_end_offset(topic) >= start + records, timeout, interval=0.3,
               what="topic %s to gain %d records" % (topic, records))
    now = counter.count()
    assert now == settled, "%s grew from %d to %d lines" % (counter.path, settled, now)


def states(w, name):
    code, st = w.status(name)
    if code != 200:
        return None
    return st["connector"]["state"], tuple(t["state"] for t in st["tasks"])


def test_sink_lifecycle_while_data_flows():
    wd = kctest.tmpdir("kc-e2e-lifecycle-")
    src = os.path.join(wd, "live.log")
    file_a = os.path.join(wd, "sink-a.txt")
    file_b = os.path.join(wd, "sink-b.txt")
    topic = unique("life")
    src_name, sink = unique("life-src"), unique("life-sink")
    open(src, "wb").close()
    producer = Producer(src)
    w = kctest.Worker(wd, {"offset.flush.interval.ms": "1000"},
                      [kctest.file_source(src_name, src, topic)]).start()
    try:
        w.wait_running(src_name)
        producer.start()
        wait_until(lambda: kctest.topic_end_offset(topic) > 0, 30, interval=0.3, what="source records")
        a, b = kctest.LineCounter(file_a), kctest.LineCounter(file_b)

        # Create (POST /connectors): 201, Location, ConnectorInfo.
        cfg = kctest.file_sink(sink, file_a, topic)
        del cfg["name"]
        code, hdrs, info = kctest.http_full(w, "POST", "/connectors", {"name": sink, "config": cfg})
        assert code == 201, "POST /connectors: %s %r" % (code, info)
        assert hdrs.get("location", "").endswith("/connectors/" + sink), "Location: %r" % hdrs.get("location")
        assert info["name"] == sink and info["type"] == "sink", info
        assert info["config"]["file"] == file_a and info["config"]["name"] == sink, info["config"]
        w.wait_running(sink)
        code, names = w.get("/connectors")
        assert code == 200 and sorted(names) == sorted([src_name, sink]), names
        grows(a)

        # Pause: 202, PAUSED, the file stops while the topic keeps growing.
        code, body = w.request("PUT", "/connectors/%s/pause" % sink)
        assert code == 202, "pause: %s %r" % (code, body)
        wait_until(lambda: states(w, sink) == ("PAUSED", ("PAUSED",)), 30, what="PAUSED")
        stays(a, topic)

        # Resume: 202, RUNNING, grows again.
        code, body = w.request("PUT", "/connectors/%s/resume" % sink)
        assert code == 202, "resume: %s %r" % (code, body)
        wait_until(lambda: states(w, sink) == ("RUNNING", ("RUNNING",)), 30, what="RUNNING after resume")
        grows(a)

        # Reconfigure (PUT config, existing connector): 200; new lines go to file B, A stops.
        cfg_b = dict(kctest.file_sink(sink, file_b, topic))
        code, hdrs, info = kctest.http_full(w, "PUT", "/connectors/%s/config" % sink, cfg_b)
        assert code == 200, "PUT config: %s %r" % (code, info)
        assert info["config"]["file"] == file_b, info
        code, cur = w.get("/connectors/%s/config" % sink)
        assert code == 200 and cur["file"] == file_b, cur
        kctest.wait_for_lines(file_b, 400, 60, worker=w, counter=b)
        w.wait_running(sink)
        stays(a, topic, records=300)
        grows(b)
        sa, sb = assert_in_order(file_a), seqs(file_b)
        assert sb[0] <= sa[-1] + 1, "lines %d..%d lost between file A and file B" % (sa[-1] + 1, sb[0] - 1)
        print("reconfigure: A ends at %d, B starts at %d (%d re-delivered)"
              % (sa[-1], sb[0], sa[-1] + 1 - sb[0]), flush=True)

        # Restart with tasks: 202 with RESTARTING states, then RUNNING again, still flowing.
        code, body = w.request("POST", "/connectors/%s/restart?includeTasks=true" % sink)
        assert code == 202, "restart: %s %r" % (code, body)
        assert body["name"] == sink and body["connector"]["state"] == "RESTARTING", body
        assert [t["state"] for t in body["tasks"]] == ["RESTARTING"], body
        w.wait_running(sink)
        grows(b)

        # Delete: 204, gone from the list, status 404, file B stops; the source keeps running.
        code, body = w.request("DELETE", "/connectors/%s" % sink)
        assert code == 204, "delete: %s %r" % (code, body)
        code, names = w.get("/connectors")
        assert code == 200 and names == [src_name], names
        code, body = w.status(sink)
        assert code == 404 and body["error_code"] == 404, (code, body)
        stays(b, topic)
        assert states(w, src_name) == ("RUNNING", ("RUNNING",))

        # Across the whole life every line reached a file, in order within each file.
        sa, sb = assert_in_order(file_a), seqs(file_b)
        breaks = [i for i in range(1, len(sb)) if sb[i] != sb[i - 1] + 1]
        for i in breaks:  # a restart may re-deliver (go back), never skip ahead
            assert sb[i] <= sb[i - 1], "file B skips from %d to %d" % (sb[i - 1], sb[i])
        print("file A %d lines, file B %d lines, %d re-delivery points" % (len(sa), len(sb), len(breaks)),
              flush=True)
    finally:
        producer.stop_flag.set()
        rc = w.stop()
    assert rc == 0
    shutil.rmtree(wd, ignore_errors=True)  # kept on failure for inspection


if __name__ == "__main__":
    kctest.main([test_sink_lifecycle_while_data_flows])
