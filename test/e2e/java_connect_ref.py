#!/usr/bin/env python3
"""Reference records of Apache Kafka Connect 3.9.1 in distributed mode, for comparison with kconnect.

Starts the real Java worker (ConnectDistributed, the Maven Central jars tools/bench/java-connect
fetches) on the local broker with fresh internal topics, drives one FileStreamSource and one
FileStreamSink through a fixed REST script, stops the worker with SIGTERM and dumps every record
of the config, offset and status topics.

    python3 test/e2e/java_connect_ref.py --out ref.json [--bootstrap H:P] [--keep DIR]

From another test (test/ is on PYTHONPATH under ctest; test/e2e is the script's own directory):

    import java_connect_ref
    ref = java_connect_ref.run_reference(bootstrap=None, out_path=None, workdir=None, log=print,
                                         cleanup_topics=True)

Result (also the --out JSON):
    rest_url, worker_id, group_id, bootstrap, java_connect_version,
    topics {config, offset, status: topic name}, partitions {config: 1, offset: 25, status: 5},
    worker_properties {...}, source {name, file, topic, file_bytes, lines}, sink {name, file, topics},
    steps [{op, method, path, code, body, ends {config|offset|status: [end offset per partition]}}],
    config / offset / status: [{partition, offset, timestamp, key, value, key_b64, value_b64}]
A record's key/value is its text (UTF-8, or latin-1 when not valid UTF-8, flagged by
key_encoding/value_encoding), or None for a null key / tombstone; *_b64 holds the exact bytes.
Records are in offset order within each partition, partitions ascending. `steps[i].ends` are the
topics' end offsets right after step i's effect was visible through REST, so the records of step
i are those between steps[i-1].ends and steps[i].ends (asynchronous status writes may trail by a
step). Raises JavaUnavailable when java or mvn is missing, RuntimeError/AssertionError on failure.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test"))
sys.path.insert(0, os.path.join(ROOT, "tools", "bench"))
import kctest  # noqa: E402

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
# Java's defaults (connect-runtime.md 3.2): the offsets and status topics keep them, only RF is 1.
PARTITIONS = {"config": 1, "offset": 25, "status": 5}
SOURCE_LINES = [b"first line", b"second line", b"third line"]
STEP_TIMEOUT_S = 60


class JavaUnavailable(Exception):
    """java or mvn is not installed: the reference cannot be produced here."""


def _bootstrap(bootstrap):
    return bootstrap or os.environ.get("KC_BOOTSTRAP") or os.environ.get("KAFKA_BOOTSTRAP") or DEFAULT_BOOTSTRAP


class JavaDistributedWorker(kctest.Worker):
    """ConnectDistributed with kctest.Worker's REST helpers; started and stopped by PID."""

    def __init__(self, workdir, props):
        import benchlib  # deferred: imports only once java and mvn are known to exist
        self.libs, plugins = benchlib.java_connect_home()
        self.benchlib = benchlib
        self.workdir = workdir
        self.port = kctest.free_port()
        full = {"plugin.discovery": "service_load", "plugin.path": plugins,
                "listeners": "http://127.0.0.1:%d" % self.port}
        full.update(props)
        self.props = full
        self.worker_file = kctest.write_props(os.path.join(workdir, "worker.properties"), full)
        self.connector_files = []
        self.extra_args = []
        self.proc = None
        self.log_path = os.path.join(workdir, "java-distributed-%d.log" % self.port)

    def start(self, wait=True):
        b = self.benchlib
        log4j = os.path.join(self.workdir, "connect-log4j.properties")
        with open(log4j, "w") as f:
            f.write(b.LOG4J)
        cmd = (["java"] + b.JVM_HEAP + b.JVM_PERF +
               ["-Dlog4j.configuration=file:" + log4j, "-cp", os.path.join(self.libs, "*"),
                "org.apache.kafka.connect.cli.ConnectDistributed", self.worker_file])
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        if wait:
            self.wait(lambda: self.get("/")[0] == 200, 120, "Java Connect REST on :%d" % self.port)
        return self

    def wait(self, fn, timeout, what):
        """Polls fn() until truthy; fails at once, with the log tail, if the JVM exits."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("Java worker exited with %s while waiting for %s; log:\n%s"
                                   % (self.proc.returncode, what, self.tail(80)))
            try:
                last = fn()
                if last:
                    return last
            except (OSError, ValueError, KeyError, TypeError) as e:  # REST not ready, partial bodies
                last = e
            time.sleep(0.2)
        raise AssertionError("timed out after %ss waiting for %s (last: %r); log:\n%s"
                             % (timeout, what, last, self.tail(40)))


def _states(w, name):
    code, st = w.status(name)
    if code != 200:
        return None
    return st["connector"]["state"], [t["state"] for t in st["tasks"]]


def _end_offsets(bootstrap, topic, partitions):
    """High watermarks per partition through kcat -Q (timestamp -1 = end)."""
    args = ["kcat", "-b", bootstrap, "-Q"]
    for p in range(partitions):
        args += ["-t", "%s:%d:-1" % (topic, p)]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    ends = {}
    for ln in r.stdout.decode().splitlines():
        # "<topic> [<p>] offset <n>"
        parts = ln.split()
        if len(parts) >= 4 and parts[0] == topic and parts[2] == "offset":
            ends[int(parts[1].strip("[]"))] = int(parts[3].rstrip(":"))
    if r.returncode != 0 or sorted(ends) != list(range(partitions)) or min(ends.values()) < 0:
        raise RuntimeError("kcat -Q %s: %s %s" % (topic, r.stdout.decode(), r.stderr.decode()))
    return [ends[p] for p in range(partitions)]


def _text(b):
    if b is None:
        return None, None
    try:
        return b.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return b.decode("latin-1"), "latin-1"


def dump_topic(bootstrap, topic, partitions=None):
    """Every record of topic, partitions ascending, offset order within each: a list of dicts
    (partition, offset, timestamp ms, key/value text or None, key_b64/value_b64). kcat's %K/%S
    lengths (-1 for null) frame the raw bytes, so any key or value survives."""
    r = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                        "-f", "%p %o %T %K %S\n%k%s\n"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("kcat -C %s failed: %s" % (topic, r.stderr.decode()))
    data, i, out = r.stdout, 0, []
    while i < len(data):
        nl = data.index(b"\n", i)
        p, o, ts, kl, vl = (int(x) for x in data[i:nl].split())
        i = nl + 1
        key = data[i:i + kl] if kl >= 0 else None
        i += max(kl, 0)
        val = data[i:i + vl] if vl >= 0 else None
        i += max(vl, 0)
        assert data[i:i + 1] == b"\n", "kcat output framing broken at byte %d" % i
        i += 1
        kt, ke = _text(key)
        vt, ve = _text(val)
        rec = {"partition": p, "offset": o, "timestamp": ts, "key": kt, "value": vt,
               "key_b64": None if key is None else base64.b64encode(key).decode(),
               "value_b64": None if val is None else base64.b64encode(val).decode()}
        if ke == "latin-1":
            rec["key_encoding"] = ke
        if ve == "latin-1":
            rec["value_encoding"] = ve
        out.append(rec)
    out.sort(key=lambda r: (r["partition"], r["offset"]))
    if partitions is not None:
        assert all(0 <= r["partition"] < partitions for r in out), "record outside %d partitions" % partitions
    return out


def delete_topics(bootstrap, names, log=print):
    """Best-effort removal of the run's topics from the shared broker (librdkafka admin via benchlib)."""
    try:
        import benchlib
        admin = benchlib.Admin(bootstrap)
        try:
            for n in names:
                admin.delete_topic(n)
        finally:
            admin.close()
    except (Exception, SystemExit) as e:  # noqa: BLE001 - benchlib reports admin errors as SystemExit
        log("java-ref: could not delete topics %s: %s" % (names, e))


def run_reference(bootstrap=None, out_path=None, workdir=None, log=print, cleanup_topics=True, impl="java"):
    """Runs the Java distributed reference script; returns the result dict (see module doc) and
    writes it as JSON to out_path when given. workdir (kept) holds the worker's files and log;
    without it a temporary dir is used and removed. cleanup_topics deletes the four topics of the
    run (three internal, one data) after the dump. Raises JavaUnavailable without java/mvn/kcat.
    impl="kconnect" runs the same script on a kconnect distributed worker (KCONNECT_BIN), so the
    two results can be compared record by record."""
    missing = [t for t in (("java", "mvn", "kcat") if impl == "java" else ("kcat",)) if not shutil.which(t)]
    if missing:
        raise JavaUnavailable("%s not installed" % ", ".join(missing))
    bootstrap = _bootstrap(bootstrap)
    own_dir = workdir is None
    wd = workdir or kctest.tmpdir("kc-java-ref-")
    os.makedirs(wd, exist_ok=True)
    sfx = kctest.unique("ref").split("-", 1)[1]
    topics = {"config": "jref-configs-" + sfx, "offset": "jref-offsets-" + sfx, "status": "jref-status-" + sfx}
    group = "jref-cluster-" + sfx
    src_file = os.path.join(wd, "source.txt")
    with open(src_file, "wb") as f:
        f.write(b"".join(l + b"\n" for l in SOURCE_LINES))
    src_name, sink_name = "jref-source-" + sfx, "jref-sink-" + sfx
    data_topic = "jref-data-" + sfx
    sink_file = os.path.join(wd, "sink.txt")
    props = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "config.storage.topic": topics["config"],
        "offset.storage.topic": topics["offset"],
        "status.storage.topic": topics["status"],
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "offset.flush.interval.ms": "1000",
        "rest.advertised.host.name": "127.0.0.1",
        "connect.protocol": "sessioned",
    }
    if impl == "java":
        w = JavaDistributedWorker(wd, props)
    else:
        w = kctest.Worker(wd, props, mode="distributed")
        w.wait = lambda fn, timeout, what: kctest.wait_until(fn, timeout, 0.2, what)
        w.props = props
    rest_url = "http://127.0.0.1:%d" % w.port
    steps = []

    def snapshot(op, method, path, code, body):
        ends = {k: _end_offsets(bootstrap, topics[k], PARTITIONS[k]) for k in topics}
        steps.append({"op": op, "method": method, "path": path, "code": code, "body": body, "ends": ends})
        log("java-ref: %-16s %s %s -> %s; config end %d" % (op, method, path, code, ends["config"][0]))

    def call(op, method, path, body=None, want=(200, 201, 202, 204)):
        code, resp = w.request(method, path, body)
        if code not in want:
            raise AssertionError("%s %s -> %s %s" % (method, path, code, resp))
        return code, resp

    def wait_state(name, conn, tasks, what):
        w.wait(lambda: _states(w, name) == (conn, tasks), STEP_TIMEOUT_S, what)

    t0 = time.time()
    try:
        w.start()
        if impl != "java":
            kctest.wait_until(lambda: w.get("/health")[0] == 200, 60, what="kconnect healthy")
        log("java-ref: %s distributed worker up at %s in %.1fs (group %s)" % (impl, rest_url, time.time() - t0, group))
        snapshot("worker-start", None, None, None, None)

        src_cfg = kctest.file_source(src_name, src_file, data_topic)
        src_cfg.pop("name")
        code, resp = call("create-source", "POST", "/connectors", {"name": src_name, "config": src_cfg})
        wait_state(src_name, "RUNNING", ["RUNNING"], "source RUNNING")
        snapshot("create-source", "POST", "/connectors", code, resp)

        size = os.path.getsize(src_file)

        def flushed():
            c, offs = w.get("/connectors/%s/offsets" % src_name)
            return c == 200 and any(o.get("offset", {}).get("position") == size for o in offs.get("offsets", []))
        w.wait(flushed, STEP_TIMEOUT_S, "source offset position %d flushed" % size)
        snapshot("offset-flush", "GET", "/connectors/%s/offsets" % src_name, 200, w.get("/connectors/%s/offsets"
                                                                                         % src_name)[1])

        for op, method, path, state in (
                ("pause", "PUT", "/connectors/%s/pause", ("PAUSED", ["PAUSED"])),
                ("resume", "PUT", "/connectors/%s/resume", ("RUNNING", ["RUNNING"])),
                ("stop", "PUT", "/connectors/%s/stop", ("STOPPED", [])),
                ("resume-stopped", "PUT", "/connectors/%s/resume", ("RUNNING", ["RUNNING"]))):
            code, resp = call(op, method, path % src_name)
            wait_state(src_name, state[0], state[1], "source %s -> %s" % (op, state))
            snapshot(op, method, path % src_name, code, resp)

        # The restart record is the only trace: wait until the status topic saw the connector and
        # its task go through RESTARTING and back to RUNNING (or just settle, if Java skips it).
        path = "/connectors/%s/restart?includeTasks=true" % src_name
        before = _end_offsets(bootstrap, topics["status"], PARTITIONS["status"])
        code, resp = call("restart", "POST", path)
        w.wait(lambda: sum(_end_offsets(bootstrap, topics["status"], PARTITIONS["status"])) >= sum(before) + 4,
               STEP_TIMEOUT_S, "restart status records")
        wait_state(src_name, "RUNNING", ["RUNNING"], "source RUNNING after restart")
        snapshot("restart", "POST", path, code, resp)

        sink_cfg = kctest.file_sink(sink_name, sink_file, data_topic, tasks_max="2")
        sink_cfg.pop("name")
        code, resp = call("create-sink", "POST", "/connectors", {"name": sink_name, "config": sink_cfg})
        wait_state(sink_name, "RUNNING", ["RUNNING", "RUNNING"], "sink RUNNING with 2 tasks")
        kctest.wait_for_lines(sink_file, len(SOURCE_LINES), timeout=STEP_TIMEOUT_S)
        snapshot("create-sink", "POST", "/connectors", code, resp)

        code, resp = call("delete-source", "DELETE", "/connectors/%s" % src_name)
        w.wait(lambda: w.status(src_name)[0] == 404, STEP_TIMEOUT_S, "source gone")
        # DESTROYED statuses are written after the 404 is visible: give them a moment.
        time.sleep(2)
        snapshot("delete-source", "DELETE", "/connectors/%s" % src_name, code, resp)

        _, sink_status = w.status(sink_name)
        worker_id = sink_status["connector"]["worker_id"]

        rc = w.stop(signal.SIGTERM, timeout=60)
        if rc not in (0, 143):
            raise RuntimeError("Java worker exited with %s after SIGTERM; log:\n%s" % (rc, w.tail(40)))
        snapshot("worker-stop", "SIGTERM", None, rc, None)

        ref = {
            "java_connect_version": "3.9.1",
            "bootstrap": bootstrap,
            "rest_url": rest_url,
            "worker_id": worker_id,
            "group_id": group,
            "topics": topics,
            "partitions": PARTITIONS,
            "worker_properties": w.props,
            "source": {"name": src_name, "file": src_file, "topic": data_topic, "file_bytes": size,
                       "lines": len(SOURCE_LINES)},
            "sink": {"name": sink_name, "file": sink_file, "topics": data_topic},
            "steps": steps,
        }
        for k in ("config", "offset", "status"):
            ref[k] = dump_topic(bootstrap, topics[k], PARTITIONS[k])
        ends = steps[-1]["ends"]
        for k in ref["topics"]:
            got = [sum(1 for r in ref[k] if r["partition"] == p) for p in range(PARTITIONS[k])]
            # Compaction never runs this soon, so every offset below the end is a record.
            if got != ends[k]:
                raise RuntimeError("%s topic dump has %s records per partition, end offsets %s" % (k, got, ends[k]))
        log("java-ref: done in %.1fs: %d config, %d offset, %d status records"
            % (time.time() - t0, len(ref["config"]), len(ref["offset"]), len(ref["status"])))
        if out_path:
            with open(out_path, "w") as f:
                json.dump(ref, f, indent=1)
        if cleanup_topics:
            delete_topics(bootstrap, list(topics.values()) + [data_topic], log)
        return ref
    finally:
        if w.proc and w.proc.poll() is None:
            w.stop(signal.SIGKILL, timeout=30)
        if own_dir:
            shutil.rmtree(wd, ignore_errors=True)


def format_records(ref, kinds=("config", "offset", "status")):
    """A readable listing: per topic, per record 'p/offset key = value', tombstones as <null>, with
    the step that wrote it (by the step end offsets)."""
    lines = []
    for k in kinds:
        lines.append("== %s topic %s" % (k, ref["topics"][k]))
        for r in ref[k]:
            lines.append("  %-8s %d/%-3d %s = %s" % (step_of(ref, k, r), r["partition"], r["offset"], r["key"],
                                                     "<null>" if r["value"] is None else r["value"]))
    return "\n".join(lines)


def step_of(ref, kind, rec):
    """The op of the first step whose end offsets include rec."""
    for s in ref["steps"]:
        if rec["offset"] < s["ends"][kind][rec["partition"]]:
            return s["op"]
    return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--bootstrap", help="broker (default KC_BOOTSTRAP or %s)" % DEFAULT_BOOTSTRAP)
    ap.add_argument("--keep", help="work dir to keep (worker.properties, log, source/sink files)")
    ap.add_argument("--print", action="store_true", help="also print the records")
    ap.add_argument("--keep-topics", action="store_true", help="do not delete the run's topics afterwards")
    a = ap.parse_args()
    try:
        ref = run_reference(a.bootstrap, a.out, a.keep, log=lambda m: print(m, file=sys.stderr, flush=True),
                            cleanup_topics=not a.keep_topics)
    except JavaUnavailable as e:
        print("SKIP: %s" % e)
        return 0
    if a.print:
        print(format_records(ref))
    return 0


if __name__ == "__main__":
    sys.exit(main())
