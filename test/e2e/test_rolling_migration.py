"""Rolling migration between Java Connect and kconnect in one group, one worker at a time.

Three Java Connect 3.9.1 workers (ConnectDistributed from Maven Central) run a FileStreamSource
(a file of numbered loghub lines -> a 3-partition topic) and a FileStreamSink (tasks.max=3, the
topic -> a file). One step at a time a kconnect worker joins the group and then a Java worker is
stopped with SIGTERM (as a Deployment scaled down stops a pod), while more lines are appended to the
source file; after each step every line written so far must reach the sink file. After three steps
the cluster is all kconnect, and it is rolled back the same way to three Java workers. Every
line must be in the sink file at the end; duplicates (at-least-once replays when a task moves) are
counted and printed, as are the seconds each step took.

Skips (exit 0, "SKIP") only when java or mvn are missing (CI has both).
# kctest: run-serial  (three JVM workers)
# kctest: plain-build-only  (mostly Java workers; see CMakeLists.txt)
"""
import collections
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kctest  # noqa: E402

STEP_TIMEOUT = 150
LINES_PER_STEP = 2000


def group_props(group):
    p = kctest.distributed_props(group)
    p.update({"connect.protocol": "sessioned", "rest.advertised.host.name": "127.0.0.1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.storage.StringConverter",
              "offset.flush.interval.ms": "1000", "bootstrap.servers": kctest.BOOTSTRAP})
    return p


class Cluster:
    def __init__(self, wd, group):
        import java_connect_ref
        self.jref = java_connect_ref
        self.wd = wd
        self.props = group_props(group)
        self.members = []  # (kind, worker)
        self.started = 0

    def add_java(self):
        self.started += 1
        d = os.path.join(self.wd, "java-%d" % self.started)
        os.makedirs(d)
        w = self.jref.JavaDistributedWorker(d, dict(self.props))
        w.start(wait=False)
        self.members.append(("java", w))
        return w

    def add_kconnect(self):
        w = kctest.Worker(self.wd, dict(self.props), mode="distributed")
        w.start(wait=False)
        self.members.append(("kconnect", w))
        return w

    def remove(self, kind):
        """SIGTERM the oldest worker of that kind; returns its exit code."""
        for i, (k, w) in enumerate(self.members):
            if k == kind:
                del self.members[i]
                if kind == "java":
                    w.proc.terminate()
                    w.proc.wait(90)
                    w.log.close()
                    return w.proc.returncode
                return w.stop(timeout=90)
        raise AssertionError("no %s worker left" % kind)

    def any(self):
        return self.members[-1][1]

    def urls(self, kind):
        return {"127.0.0.1:%d" % w.port for k, w in self.members if k == kind}

    def stop_all(self):
        for k, w in self.members:
            try:
                if w.proc and w.proc.poll() is None:
                    w.proc.kill()
                    w.proc.wait(30)
            except OSError:
                pass


def wait_ready(w, timeout=120):
    kctest.wait_until(lambda: w.proc.poll() is None and w.get("/connectors")[0] == 200, timeout,
                      what="REST of the worker on :%d" % w.port)


def placement(w, names):
    """worker_id of each connector and task, when all are RUNNING; else None."""
    out = {}
    for n in names:
        code, st = w.get("/connectors/%s/status" % n)
        if code != 200 or st["connector"]["state"] != "RUNNING" or not st["tasks"]:
            return None
        if any(t["state"] != "RUNNING" for t in st["tasks"]):
            return None
        out[n] = (st["connector"]["worker_id"], sorted((t["id"], t["worker_id"]) for t in st["tasks"]))
    return out


def test_rolling_migration_and_back():
    if not (shutil.which("java") and shutil.which("mvn")):
        print("SKIP: java or mvn missing")
        sys.exit(0)
    wd = kctest.tmpdir()
    group = kctest.unique("roll")
    topic = kctest.unique("roll-t")
    kctest.create_topic(topic, 3)
    src = os.path.join(wd, "source.txt")
    sink = os.path.join(wd, "sink.txt")
    open(src, "wb").close()
    cluster = Cluster(wd, group)
    lines = kctest.numbered_loghub_lines(LINES_PER_STEP * 8)
    written = 0
    counter = kctest.LineCounter(sink)

    def append(n):
        nonlocal written
        with open(src, "ab") as f:
            f.write(b"".join(l + b"\n" for l in lines[written:written + n]))
        written += n

    def all_in_sink(what, t0):
        def ok():
            if counter.count() < written:
                return False
            got = set(kctest.read_sink_lines(sink))
            return all(l in got for l in lines[:written])
        try:
            kctest.wait_until(ok, STEP_TIMEOUT, interval=0.5, what=what)
        except AssertionError:
            got = set(kctest.read_sink_lines(sink))
            missing = sum(1 for l in lines[:written] if l not in got)
            tails = "\n".join("--- %s :%d\n%s" % (k, w.port, w.tail(30)) for k, w in cluster.members)
            raise AssertionError("%s: %d of %d lines missing\n%s" % (what, missing, written, tails))
        return time.time() - t0

    names = ("roll-source", "roll-sink")
    steps = []
    try:
        for _ in range(3):
            cluster.add_java()
        for k, w in cluster.members:
            wait_ready(w)
        w0 = cluster.any()
        code, body = w0.request("POST", "/connectors", {"name": "roll-source", "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "tasks.max": "1",
            "file": src, "topic": topic}})
        assert code == 201, (code, body)
        code, body = w0.request("POST", "/connectors", {"name": "roll-sink", "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "tasks.max": "3",
            "file": sink, "topics": topic}})
        assert code == 201, (code, body)
        t0 = time.time()
        append(LINES_PER_STEP)
        steps.append(("3 Java workers", all_in_sink("first lines through the Java cluster", t0)))

        plan = [("kconnect", "java")] * 3 + [("java", "kconnect")] * 3
        for i, (add, remove) in enumerate(plan):
            t0 = time.time()
            w = cluster.add_kconnect() if add == "kconnect" else cluster.add_java()
            wait_ready(w)
            rc = cluster.remove(remove)
            assert rc in (0, 143), "%s worker exited %s on SIGTERM" % (remove, rc)
            append(LINES_PER_STEP)
            kinds = collections.Counter(k for k, _ in cluster.members)
            label = "step %d: +%s -%s (%d Java, %d kconnect)" % (i + 1, add, remove, kinds["java"], kinds["kconnect"])
            took = all_in_sink(label, t0)
            # Every connector and task RUNNING, on workers that are in the group now.
            live = cluster.urls("java") | cluster.urls("kconnect")
            place = kctest.wait_until(lambda: (lambda p: p if p and all(
                c in live and all(tw in live for _, tw in ts) for c, ts in p.values()) else None)(
                    placement(cluster.any(), names)), STEP_TIMEOUT, interval=0.5, what=label + ": all RUNNING")
            steps.append((label, took))
            print("%s: %.1f s; placement %s" % (label, took, place))
            if kinds["java"] == 0:
                # All kconnect: the whole pipeline runs there.
                assert all(c in cluster.urls("kconnect") for c, _ in place.values()), place
        got = kctest.read_sink_lines(sink)
        dup = sum(n - 1 for n in collections.Counter(got).values() if n > 1)
        assert set(lines[:written]) <= set(got)
        assert len(set(got)) == written, "sink holds lines that were never written"
        print("lines written %d, in the sink %d, duplicates %d" % (written, len(got), dup))
        for label, took in steps:
            print("  %-45s %6.1f s" % (label, took))
    finally:
        cluster.stop_all()


if __name__ == "__main__":
    kctest.main([test_rolling_migration_and_back])
