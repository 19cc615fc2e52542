#!/usr/bin/env python3
"""Java Connect 3.9.1 -> kconnect -> Java Connect on the same internal topics, with no mixed phase.

A one-worker Java distributed cluster runs a FileStreamSource (numbered loghub lines -> a 3-partition
topic) and a FileStreamSink (that topic -> a file, tasks.max=2) while lines keep being appended to
the source file (300/s, through every stop and start). It is stopped with SIGTERM mid-way; while no
worker runs, records are also produced straight to the topic (only the sink's committed offsets can
bring those, exactly once, to the next worker's sink). A kconnect cluster
(two workers) then starts with the same worker settings -- same group.id, same config, offsets and
status topics, which is what a user migrating does (the sink's consumer group connect-<name> and
the connectors' state come along unchanged) -- and must continue both connectors where Java left
them: the source from its offset in the offsets topic, the sink from the group's committed offsets.
kconnect is stopped mid-flow too, and Java starts again on the same topics and continues as well.

Checked: every line reaches the topic and the sink file; duplicates (Connect is at-least-once) are
counted and printed, lost lines fail; statuses via REST on each side name that side's workers;
GET /connectors/{c}/config is equal on Java before, kconnect, and Java after. Each step's time is
printed ("step ... s") for the migration notes.
# kctest: run-serial  (a JVM worker)
# kctest: plain-build-only  (mostly Java workers; see CMakeLists.txt)
"""
import collections
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import kctest  # noqa: E402
import java_connect_ref  # noqa: E402

TIMEOUT = 150
FIRST = 4000  # lines in the source file when Java starts
RATE = 300    # lines per second appended from then on, through every stop and start
MAX_DUPS = 400  # FileStreamSource batch.size 200: two batches in flight at most
# Lines produced straight to the topic while no worker runs (two batches), numbered from here.
DIRECT_BASE, DIRECT = 500000000, 500


def step(name, t0):
    print("step %-44s %6.1f s" % (name, time.time() - t0), flush=True)


def append_lines(path, lines):
    with open(path, "ab") as f:
        f.write(b"".join(l + b"\n" for l in lines))


def seq_counts(lines):
    c = collections.Counter(kctest.seq_of(l) for l in lines)
    torn = c.pop(None, 0)
    assert torn == 0, "%d lines without a sequence number" % torn
    return c


class Feeder(threading.Thread):
    """Appends numbered lines to the source file at a steady rate (a live pipeline): the stops
    happen while the source has lines to read and the sink records to consume."""

    def __init__(self, path, lines, start, rate):
        super().__init__(daemon=True)
        self.path, self.lines, self.n, self.rate = path, lines, start, rate
        self.halt = threading.Event()
        self.lock = threading.Lock()

    def run(self):
        t0, base = time.time(), self.n
        while not self.halt.wait(0.05):
            target = min(len(self.lines), base + int((time.time() - t0) * self.rate))
            if target > self.n:
                append_lines(self.path, self.lines[self.n:target])
                with self.lock:
                    self.n = target

    def written(self):
        with self.lock:
            return self.n

    def stop(self):
        self.halt.set()
        self.join()
        return self.n


def report(what, counts, expected, allowed=None):
    """Prints counts and duplicates; fails when an expected line is missing or a line outside
    allowed (default: expected) shows up."""
    allowed = allowed if allowed is not None else expected
    missing = sorted(s for s in expected if counts.get(s, 0) == 0)
    dups = {s: n - 1 for s, n in counts.items() if n > 1}
    extra = sorted(s for s in counts if s not in allowed)
    print("%s: %d records, %d distinct, %d expected, %d duplicate(s)%s" %
          (what, sum(counts.values()), len(counts), len(expected), sum(dups.values()),
           (" (sequence numbers %s)" % sorted(dups)[:20]) if dups else ""), flush=True)
    assert not extra, "%s: unexpected sequence numbers %s" % (what, extra[:10])
    assert not missing, "%s: %d line(s) lost, first %s" % (what, len(missing), missing[:10])
    return sum(dups.values())


def wait_all(path, expected, worker, what):
    """Until the sink file holds every expected sequence number."""
    def ok():
        if worker.proc.poll() is not None:
            raise AssertionError("%s exited; log:\n%s" % (what, worker.tail(60)))
        c = seq_counts(kctest.read_sink_lines(path))
        return all(s in c for s in expected)
    kctest.wait_until(ok, TIMEOUT, 0.5, "%d distinct lines in the sink file (%s)" % (len(expected), what))


def states(w, name):
    code, st = w.status(name)
    if code != 200:
        return None
    return st["connector"]["state"], [t["state"] for t in st["tasks"]], \
        {st["connector"]["worker_id"]} | {t["worker_id"] for t in st["tasks"]}


def wait_statuses(w, names_tasks, worker_ids, what, spread=True):
    """Every connector RUNNING with its tasks, on the given workers (the other side's stale
    statuses must have been replaced) and, with spread, on all of them (a group of several workers
    must have spread the work)."""
    def ok():
        seen = set()
        for name, ntasks in names_tasks.items():
            s = states(w, name)
            if not s or s[0] != "RUNNING" or s[1] != ["RUNNING"] * ntasks:
                return False
            seen |= s[2]
        return seen == set(worker_ids) if spread else seen <= set(worker_ids)
    kctest.wait_until(ok, TIMEOUT, 0.5, "statuses RUNNING on %s (%s)" % (worker_ids, what))
    return {n: states(w, n) for n in names_tasks}


def get_config(w, name):
    """GET /connectors/{c}/config, retried through 409 (a rebalance pending: clients retry)."""
    def ok():
        r = w.get("/connectors/%s/config" % name)
        return r if r[0] != 409 else None
    return kctest.wait_until(ok, 60, 0.5, "config of %s" % name)


def produce_direct(topic, lines):
    """Records no source wrote, produced while no worker runs: only the sink's committed offsets
    tell the next worker to deliver them (exactly these, once)."""
    kctest.kcat("-P", "-t", topic, input_bytes=b"".join(l + b"\n" for l in lines))


def topic_counts(topic, total):
    recs = kctest.consume_records(topic, total * 3)
    return seq_counts([v for _k, v in recs])


def test_java_to_kconnect_and_back():
    for t in ("java", "mvn", "kcat"):
        if not shutil.which(t):
            print("SKIP: %s not installed" % t)
            return
    wd = kctest.tmpdir("kc-migrate-")
    sfx = kctest.unique("mig").split("-", 1)[1]
    group = "mig-" + sfx
    data_topic = "mig-data-" + sfx
    kctest.create_topic(data_topic, 3)
    src_file = os.path.join(wd, "source.txt")
    sink_file = os.path.join(wd, "sink.txt")
    lines = kctest.numbered_loghub_lines(FIRST + RATE * 240)
    direct = kctest.numbered_loghub_lines(2 * DIRECT, DIRECT_BASE)
    upto = lambda n, d: set(range(n)) | set(range(DIRECT_BASE, DIRECT_BASE + d * DIRECT))  # noqa: E731
    props = dict(kctest.distributed_props(group), **{
        "bootstrap.servers": kctest.BOOTSTRAP,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "offset.flush.interval.ms": "1000",
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "2000",
        "scheduled.rebalance.max.delay.ms": "3000",
        "rest.advertised.host.name": "127.0.0.1",
    })
    src_name, sink_name = "mig-source-" + sfx, "mig-sink-" + sfx
    src_cfg = kctest.file_source(src_name, src_file, data_topic, batch_size="200")
    sink_cfg = kctest.file_sink(sink_name, sink_file, data_topic, tasks_max="2")
    want = {src_name: 1, sink_name: 2}
    java = kc1 = kc2 = java2 = feeder = None
    dups = {}
    t_all = time.time()
    try:
        # ---- phase 1: Java ----
        append_lines(src_file, lines[:FIRST])
        t0 = time.time()
        jdir = os.path.join(wd, "java1")
        os.makedirs(jdir)
        java = java_connect_ref.JavaDistributedWorker(jdir, props).start()
        step("Java worker start (REST up)", t0)
        t0 = time.time()
        for c in (src_cfg, sink_cfg):
            cfg = dict(c)
            code, body = java.request("POST", "/connectors", {"name": cfg.pop("name"), "config": cfg})
            assert code == 201, (code, body)
        jstat = wait_statuses(java, want, {"127.0.0.1:%d" % java.port}, "Java")
        step("Java connectors RUNNING", t0)
        print("Java statuses: %s" % jstat)
        configs = {n: get_config(java, n) for n in want}
        for n, (code, cfg) in configs.items():
            assert code == 200, (n, code, cfg)
        feeder = Feeder(src_file, lines, FIRST, RATE)
        feeder.start()
        # Mid-way: part of the lines are in the sink file, more keep coming.
        kctest.wait_for_lines(sink_file, FIRST // 4, TIMEOUT)
        t0 = time.time()
        rc = java.stop(timeout=90)
        assert rc in (0, 143), "Java exited with %s" % rc  # 143: the JVM's exit status after SIGTERM
        step("Java worker stop (SIGTERM)", t0)
        print("Java stopped with %s; source file has %d lines, sink file %d, topic %d records" %
              (rc, feeder.written(), len(kctest.read_sink_lines(sink_file)),
               sum(topic_counts(data_topic, feeder.written()).values())))
        produce_direct(data_topic, direct[:DIRECT])

        # ---- phase 2: kconnect, two workers, same group and topics ----
        t0 = time.time()
        kdir = os.path.join(wd, "kconnect")
        os.makedirs(kdir)
        # Java's worker file as it was (plugin.path and plugin.discovery included), but the port.
        same = {k: v for k, v in java.props.items() if k != "listeners"}
        kc1 = kctest.Worker(kdir, same, mode="distributed").start()
        kc2 = kctest.Worker(kdir, same, mode="distributed").start()
        step("kconnect workers start (REST up)", t0)
        wait_statuses(kc1, want, {kc1.worker_id, kc2.worker_id}, "kconnect", spread=False)
        step("kconnect connectors RUNNING (first assignment)", t0)
        kstat = wait_statuses(kc1, want, {kc1.worker_id, kc2.worker_id}, "kconnect")
        step("kconnect connectors RUNNING on both workers", t0)
        print("kconnect statuses: %s" % kstat)
        for w in (kc1, kc2):
            for n in want:
                got = get_config(w, n)
                assert got == configs[n], (w.worker_id, n, got, configs[n])
        assert kc2.status(src_name) == kc1.status(src_name), (kc2.status(src_name), kc1.status(src_name))
        n1 = feeder.written()
        wait_all(sink_file, upto(n1, 1), kc1, "kconnect")
        step("kconnect caught up (lines written until RUNNING)", t0)
        sink_c, topic_c = seq_counts(kctest.read_sink_lines(sink_file)), topic_counts(data_topic, feeder.written())
        allowed = upto(feeder.written(), 1)
        dups["sink after Java->kconnect"] = report("sink file with kconnect", sink_c, upto(n1, 1), allowed)
        dups["topic after Java->kconnect"] = report("topic with kconnect", topic_c, upto(n1, 1), allowed)
        t0 = time.time()
        for w in (kc2, kc1):
            assert w.stop(timeout=90) == 0, w.tail()
        step("kconnect workers stop (SIGTERM)", t0)
        produce_direct(data_topic, direct[DIRECT:])

        # ---- phase 3: Java again ----
        t0 = time.time()
        jdir2 = os.path.join(wd, "java2")
        os.makedirs(jdir2)
        java2 = java_connect_ref.JavaDistributedWorker(jdir2, props).start()
        step("Java worker restart (REST up)", t0)
        jstat2 = wait_statuses(java2, want, {"127.0.0.1:%d" % java2.port}, "Java again")
        step("Java connectors RUNNING (from start)", t0)
        print("Java statuses again: %s" % jstat2)
        for n in want:
            got = get_config(java2, n)
            assert got == configs[n], (n, got, configs[n])
        n2 = feeder.written()
        wait_all(sink_file, upto(n2, 2), java2, "Java again")
        step("Java caught up (lines written until RUNNING)", t0)
        total = feeder.stop()
        wait_all(sink_file, upto(total, 2), java2, "Java again")
        print("source file: %d lines in all" % total)
        dups["sink after kconnect->Java"] = report("sink file at the end", seq_counts(
            kctest.read_sink_lines(sink_file)), upto(total, 2))
        dups["topic after kconnect->Java"] = report("topic at the end", topic_counts(data_topic, total),
                                                    upto(total, 2))
        print("duplicates (cumulative): %s" % dups)
        # At-least-once allows a few repeats after a stop; a side that ignored the stored offsets
        # (source from position 0, sink group from the earliest offset) repeats thousands.
        for k, v in dups.items():
            assert v <= MAX_DUPS, "%s: %d duplicates: the stored position was not continued" % (k, v)
        t0 = time.time()
        java2.stop(timeout=90)
        step("Java worker stop (SIGTERM)", t0)
        step("whole test", t_all)
    finally:
        if feeder is not None:
            feeder.stop()
        for w in (kc2, kc1, java, java2):
            if w is not None and w.proc is not None and w.proc.poll() is None:
                w.stop(timeout=90)
        java_connect_ref.delete_topics(kctest.BOOTSTRAP, [data_topic, group + "-configs", group + "-offsets",
                                                          group + "-status"])


if __name__ == "__main__":
    kctest.main([test_java_to_kconnect_and_back])
