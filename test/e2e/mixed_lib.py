"""Helpers for mixed Connect groups: Java Connect (3.9.1 or 4.x) and kconnect workers sharing one
group.id and internal topics. Not a test by itself (no test_ prefix)."""
import collections
import re
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "bench"))
import kctest  # noqa: E402
from kctest import wait_until  # noqa: E402
from test_distributed import task_owners, wait_tasks_running  # noqa: E402,F401

SINK_CLASS = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def group_props(group, protocol="sessioned", **extra):
    """Settings every member of the mixed group gets, Java and kconnect alike: short session and
    rebalance delays so a kill -9 is noticed in seconds."""
    p = kctest.distributed_props(group)
    p.update({
        "bootstrap.servers": kctest.BOOTSTRAP,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "offset.flush.interval.ms": "1000",
        "rest.advertised.host.name": "127.0.0.1",
        "heartbeat.interval.ms": "2000",
        "scheduled.rebalance.max.delay.ms": "5000",
        "connect.protocol": protocol,
        # The sink tasks' consumers must notice a killed member quickly too.
        "consumer.session.timeout.ms": "6000",
        "consumer.heartbeat.interval.ms": "1000",
    })
    p.update(extra)
    return p


class JavaWorker(kctest.Worker):
    """ConnectDistributed of Apache Kafka `version` (3.x with reload4j, 4.x with log4j2, as
    benchlib.java_command launches them); started and stopped by PID."""

    def __init__(self, workdir, props, version="3.9.1", extra_plugins=()):
        import benchlib
        self.benchlib = benchlib
        self.libs, plugins = benchlib.java_connect_home(version)
        self.version = version
        self.workdir = workdir
        self.port = kctest.free_port()
        self.worker_id = "127.0.0.1:%d" % self.port
        full = dict(props)
        full.update({"plugin.discovery": "service_load",
                     "plugin.path": ",".join([plugins] + list(extra_plugins)),
                     "listeners": "http://127.0.0.1:%d" % self.port})
        self.props = full
        self.worker_file = kctest.write_props(os.path.join(workdir, "java-%d.properties" % self.port), full)
        self.connector_files = []
        self.extra_args = []
        self.proc = None
        self.log_path = os.path.join(workdir, "java-%s-%d.log" % (version, self.port))

    def start(self, wait=True):
        cmd = self.benchlib.java_command(self.libs, self.workdir, [self.worker_file])
        cmd[cmd.index("org.apache.kafka.connect.cli.ConnectStandalone")] = \
            "org.apache.kafka.connect.cli.ConnectDistributed"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        if wait:
            self.wait_up()
        return self

    def alive_or_raise(self):
        if self.proc.poll() is not None:
            raise AssertionError("Java worker exited with %s; log:\n%s" % (self.proc.returncode, self.tail(80)))
        return True

    def wait_up(self, timeout=150):
        wait_until(lambda: self.alive_or_raise() and self.get("/")[0] == 200, timeout,
                   what="Java Connect REST on :%d" % self.port)


def mirror_plugin_dir():
    """connect-mirror 3.9.1 (MirrorHeartbeatConnector & co) as a Java plugin dir, or None."""
    import benchlib
    home = os.path.join(benchlib.cache_dir(), "connect-3.9.1")
    try:
        return benchlib.mvn_copy([("org.apache.kafka", "connect-mirror", "3.9.1"),
                                  ("org.apache.kafka", "connect-mirror-client", "3.9.1")],
                                 os.path.join(home, "plugins-mirror", "connect-mirror"),
                                 os.path.join(home, "pom-mirror"), exclude_transitive=True)
    except RuntimeError as e:
        print("connect-mirror unavailable: %s" % e)
        return None


def kc_worker(wd, props):
    return kctest.Worker(wd, props, mode="distributed")


def wait_healthy(w, timeout=150):
    if isinstance(w, JavaWorker):
        w.wait_up(timeout)
    else:
        wait_until(lambda: w.alive_or_raise() and w.get("/health")[0] == 200, timeout,
                   what="%s healthy" % w.worker_id)


def stop_all(workers):
    """Stops (SIGTERM, by PID) every worker still running; fails afterwards if a kconnect worker's
    log has a sanitizer report (the ASan build reports leaks at exit)."""
    reports = []
    for w in workers:
        try:
            if w.proc and w.proc.poll() is None:
                w.stop(timeout=60)
        except AssertionError as e:
            print("stop: %s" % e)
        if not isinstance(w, JavaWorker) and w.proc:
            try:
                with open(w.log_path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            if "ERROR: AddressSanitizer" in text or "ERROR: LeakSanitizer" in text or "runtime error:" in text:
                reports.append("%s:\n%s" % (w.worker_id, w.tail(60)))
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def kill9(w):
    w.signal(9)
    w.proc.wait(30)
    w.log.close()


def wait_tasks(w, name, ntasks, alive=None, timeout=90):
    """Waits until ntasks tasks of name are RUNNING, all on members in alive (worker ids)."""
    return wait_tasks_running(w, name, ntasks, timeout=timeout, alive=alive)


def sorted_status(st):
    st = dict(st)
    st["tasks"] = sorted(st.get("tasks", []), key=lambda t: t["id"])
    return st


def produce_lines(topic, lines, partitions):
    per = collections.defaultdict(list)
    for i, line in enumerate(lines):
        per[i % partitions].append(line)
    for p, ls in per.items():
        kctest.kcat("-P", "-t", topic, "-p", str(p), input_bytes=b"\n".join(ls) + b"\n")


def count_lines(path):
    return collections.Counter(kctest.seq_of(line) for line in kctest.read_sink_lines(path))


def wait_all_lines(path, total, timeout=120):
    def ok():
        seqs = count_lines(path)
        return all(seqs.get(i, 0) >= 1 for i in range(total)) and seqs
    return wait_until(ok, timeout, interval=0.5, what="%d distinct lines in %s" % (total, path))


def duplicates(seqs):
    return sum(c - 1 for c in seqs.values() if c > 1)


def rebalances(w):
    """Rebalances this worker went through, counted in its log (Java's DistributedHerder and
    kconnect both log 'Joined group at generation N' once per completed rebalance)."""
    try:
        with open(w.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return 0
    return text.count("Joined group at generation")


def leader_url(w):
    """The leader URL the worker's last completed rebalance named (both log it per generation)."""
    with open(w.log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    if isinstance(w, JavaWorker):
        found = re.findall(r"Joined group at generation \d+ .*?leaderUrl='([^']*)'", text)
    else:
        found = re.findall(r"Joined group at generation \d+ .*?\(leader (\S+),", text)
    return found[-1] if found else None


def url_of(w):
    return "http://%s/" % w.worker_id


def task_posts(w, name):
    """Signed task-config submissions a worker accepted (its REST access log: 204 for
    POST /connectors/{name}/tasks)."""
    with open(w.log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return len(re.findall(r'"POST /connectors/%s/tasks(?:\?forward=\w+)? HTTP/1.1" 204' % re.escape(name), text))


def session_keys(group):
    recs = [r for r in kctest.kcat("-C", "-t", group + "-configs", "-o", "beginning", "-e", "-q",
                                   "-f", "%k\n").decode().split("\n") if r == "session-key"]
    return len(recs)


def strip_versions(st):
    """Connect 3.9.1 has no plugin version in a status (KIP-891 came with 4.x); kconnect answers as 4.x."""
    st = sorted_status(st)
    st["connector"] = {k: v for k, v in st["connector"].items() if k != "version"}
    st["tasks"] = [{k: v for k, v in t.items() if k != "version"} for t in st["tasks"]]
    return st


def statuses_agree(workers, name, with_versions=False):
    """The same GET status JSON (tasks sorted) from every worker; versions left out unless asked."""
    got = []
    for w in workers:
        code, st = w.status(name)
        if code != 200:
            return False
        got.append(sorted_status(st) if with_versions else strip_versions(st))
    return all(g == got[0] for g in got) and got[0]


def wait_leader(workers, want):
    return wait_until(lambda: all(leader_url(w) == url_of(want) for w in workers), 90, interval=0.5,
                      what="every worker naming %s the leader (%s)" % (url_of(want), [leader_url(w) for w in workers]))


def start_members(wd, group, order, **extra):
    """order: members in start order, each "kc", "java" (3.9.1) or "java-4.3.1", optionally with
    ":<connect.protocol>" ("kc:eager"). The first one joins alone, so it leads."""
    workers = []
    for i, spec in enumerate(order):
        kind, _, proto = spec.partition(":")
        props = group_props(group, proto or "sessioned", **extra)
        if kind.startswith("java"):
            w = JavaWorker(wd, props, version=kind.split("-", 1)[1] if "-" in kind else "3.9.1")
        else:
            w = kc_worker(wd, props)
        w.start(wait=False)
        workers.append(w)
        if i == 0:  # leader first: wait for its first generation before others join
            wait_healthy(w)
            wait_until(lambda: leader_url(w), 90, what="first member's first generation")
    for w in workers:
        wait_healthy(w)
    return workers


PROTOCOL_NAMES = {"0": "default", "1": "compatible", "2": "sessioned"}


def protocol_of(w):
    """The Connect protocol of the worker's last completed rebalance: "default" (eager),
    "compatible" or "sessioned" (Java logs its version 0/1/2)."""
    with open(w.log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    if isinstance(w, JavaWorker):
        found = [PROTOCOL_NAMES.get(v, v) for v in re.findall(r"Joined group at generation \d+ with protocol version (\d+)", text)]
    else:
        found = re.findall(r"Joined group at generation \d+ with protocol (\w+)", text)
    return found[-1] if found else None


def request_retrying(w, method, path, body=None, timeout=60):
    """A REST call retried while the group rebalances: Connect answers 409 "stale configuration"
    (RebalanceNeededException) or "rebalance in progress" then, and clients are to retry."""
    deadline = time.time() + timeout
    while True:
        code, resp = w.request(method, path, body)
        msg = resp.get("message", "") if isinstance(resp, dict) else ""
        if code != 409 or not ("stale configuration" in msg or "rebalance" in msg) or time.time() > deadline:
            return code, resp
        time.sleep(0.5)
