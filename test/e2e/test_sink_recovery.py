"""End to end: a sink resumes quickly after kill -9 (issue 14, item 4; KIP-345 static membership).

A standalone worker runs FileStreamSink over a 3-partition topic while numbered loghub lines keep
arriving. The worker is killed with SIGKILL and started again on the same port (same worker id).
Without static membership the dead consumer keeps its partitions until session.timeout.ms (set
to 45 s here, the Java default) and the restarted one waits that long; with the sink consumer's
group.instance.id derived from connector, task and worker id, the coordinator hands the
partitions to the restarted member at once. Asserted: the sink writes again before 20 s (less
than half the session timeout; the measured time is printed), and after the stream ends every
line is in the file (duplicates from replays are counted, not asserted). The same after SIGTERM:
a standalone worker that exits keeps its membership for its restart.

Also checked against the broker's group description (confluent_kafka's admin client):
* the consumer's group.instance.id is connect-<connector>-<task>-<worker id escaped>, and a
  consumer.override.group.instance.id wins over it;
* kconnect.sink.static.membership=false gives a dynamic member, and a bad value is refused;
* deleting a connector leaves the group at once (librdkafka's close alone would not send
  LeaveGroup for a static member): the group is empty well before the session timeout.

Run with KC_RECOVERY_RUNS=N (KC_RECOVERY_STATIC=false for the baseline, KC_RECOVERY_SIGNAL=SIGTERM,
KC_RECOVERY_DISTRIBUTED=1 for one distributed worker) to print N measured restart-to-first-record
times instead.
"""
import os
import signal
import subprocess
import threading
import time

from confluent_kafka.admin import AdminClient

import kctest
from kctest import unique

PARTS = 3
N = 60_000
CHUNK = 1_000
PACE_S = 0.25     # ~15 s of data: still flowing when the worker is killed and restarted
SESSION_MS = 45_000
RESUME_BOUND_S = 20.0

WORKER_PROPS = {
    "offset.flush.interval.ms": "1000",
    "consumer.session.timeout.ms": str(SESSION_MS),
    "consumer.heartbeat.interval.ms": "3000",
}


class Producer(threading.Thread):
    """Produces the lines round-robin over the partitions in paced chunks, like a live feed."""

    def __init__(self, topic, lines):
        super().__init__(daemon=True)
        self.topic, self.lines, self.error = topic, lines, None

    def run(self):
        try:
            for i in range(0, len(self.lines), CHUNK):
                chunk = self.lines[i:i + CHUNK]
                kctest.kcat("-P", "-t", self.topic, "-p", str((i // CHUNK) % PARTS),
                            input_bytes=b"".join(l + b"\n" for l in chunk))
                time.sleep(PACE_S)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


_admin = None


def members(group):
    """[(member id, group.instance.id)] of a consumer group, as the coordinator describes it."""
    return describe(group)[1]


def describe(group):
    """(state name, [(member id, group.instance.id)]) of a consumer group."""
    global _admin
    if _admin is None:  # kept: a future of a collected client never completes
        _admin = AdminClient({"bootstrap.servers": kctest.BOOTSTRAP})
    d = _admin.describe_consumer_groups([group])[group].result(timeout=30)
    return d.state.name, [(m.member_id, m.group_instance_id) for m in d.members]


def expected_instance_id(connector, task, worker_id):
    return "connect-%s-%d-%s" % (connector, task, worker_id.replace(":", "_3a"))


def line_count(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def crash_and_measure(static=True, sig=signal.SIGKILL):
    """One kill -9 (or @p sig) / restart cycle; returns the seconds from the restart to the first
    record written. Checks that no line is lost."""
    wd = kctest.tmpdir("kc-e2e-recovery-")
    topic = kctest.create_topic(unique("recovery"), PARTS)
    lines = kctest.numbered_loghub_lines(N)
    out = os.path.join(wd, "out.txt")
    name = unique("recovery-sink")
    props = dict(WORKER_PROPS)
    if not static:
        props["kconnect.sink.static.membership"] = "false"
    w = kctest.Worker(wd, props, [kctest.file_sink(name, out, topic)]).start()
    prod = Producer(topic, lines)
    w2 = None
    try:
        w.wait_running(name)
        prod.start()
        kctest.wait_for_lines(out, 5_000, 120, worker=w)
        w.signal(sig)
        w.proc.wait(30)
        w.log.close()
        at_kill = line_count(out)
        w2 = kctest.Worker(wd, props, [kctest.file_sink(name, out, topic)], port=w.port)
        t0 = time.time()
        w2.start(wait=False)
        # The restarted task replays from the last commit: any new line means it consumes again.
        kctest.wait_until(lambda: w2.alive_or_raise() and line_count(out) > at_kill,
                          SESSION_MS / 1000 * 3, 0.05, "the restarted sink to write")
        resumed = time.time() - t0
        prod.join(300)
        assert not prod.is_alive() and prod.error is None, prod.error
        kctest.wait_until(lambda: w2.alive_or_raise() and
                          {kctest.seq_of(l) for l in kctest.read_sink_lines(out)} >= set(range(N)),
                          180, 0.5, "every line in the sink")
        got = kctest.read_sink_lines(out)
        seqs = [kctest.seq_of(l) for l in got]
        assert None not in seqs, "a torn line in the sink"
        assert set(seqs) == set(range(N)), "lost: %d" % len(set(range(N)) - set(seqs))
        print("%s static=%s: %d lines at the signal, resumed %.2f s after the restart, %d lines, %d duplicates"
              % (signal.Signals(sig).name, static, at_kill, resumed, len(got), len(got) - N), flush=True)
        if static:
            ids = [iid for _, iid in members("connect-" + name)]
            assert ids == [expected_instance_id(name, 0, w2.worker_id)], ids
        return resumed
    finally:
        prod.join(1) if prod.is_alive() else None
        for x in (w2, w):
            if x is not None and x.proc is not None and x.proc.poll() is None:
                x.stop()


def crash_and_measure_distributed(static=True):
    """The same cycle with one distributed worker (kctest's short Connect group timeouts: the dead
    worker's tasks come back after its 6 s session and the 4 s scheduled rebalance delay)."""
    wd = kctest.tmpdir("kc-e2e-recovery-dist-")
    group = unique("kc-recovery")
    topic = kctest.create_topic(unique("recovery-dist"), PARTS)
    lines = kctest.numbered_loghub_lines(N)
    out = os.path.join(wd, "out.txt")
    name = unique("recovery-dsink")
    props = kctest.distributed_props(group, **WORKER_PROPS)
    if not static:
        props["kconnect.sink.static.membership"] = "false"
    w = kctest.Worker(wd, props, mode="distributed").start()
    prod = Producer(topic, lines)
    w2 = None
    try:
        kctest.wait_until(lambda: w.get("/health")[0] == 200, 90, what="healthy")
        code, body = w.request("POST", "/connectors", {"name": name, "config": kctest.file_sink(name, out, topic)})
        assert code == 201, (code, body)
        w.wait_running(name, timeout=90)
        prod.start()
        kctest.wait_for_lines(out, 5_000, 120, worker=w)
        w.signal(signal.SIGKILL)
        w.proc.wait(30)
        w.log.close()
        at_kill = line_count(out)
        w2 = kctest.Worker(wd, props, mode="distributed", port=w.port)
        t0 = time.time()
        w2.start(wait=False)
        kctest.wait_until(lambda: w2.alive_or_raise() and line_count(out) > at_kill,
                          SESSION_MS / 1000 * 3, 0.05, "the restarted sink to write")
        resumed = time.time() - t0
        prod.join(300)
        kctest.wait_until(lambda: {kctest.seq_of(l) for l in kctest.read_sink_lines(out)} >= set(range(N)),
                          180, 0.5, "every line in the sink")
        print("distributed static=%s: resumed %.2f s after the restart" % (static, resumed), flush=True)
        return resumed
    finally:
        for x in (w2, w):
            if x is not None and x.proc is not None and x.proc.poll() is None:
                x.stop()


def test_kill9_restart_resumes_before_session_timeout():
    resumed = crash_and_measure(static=True)
    assert resumed < RESUME_BOUND_S, \
        "the sink resumed %.1f s after the restart (session.timeout.ms %d)" % (resumed, SESSION_MS)


def test_sigterm_restart_resumes_before_session_timeout():
    """A standalone worker that exits keeps its static membership (no LeaveGroup): its restart
    takes the partitions back at once, as after a crash."""
    resumed = crash_and_measure(static=True, sig=signal.SIGTERM)
    assert resumed < RESUME_BOUND_S, \
        "the sink resumed %.1f s after the restart (session.timeout.ms %d)" % (resumed, SESSION_MS)


def test_instance_ids_override_off_and_leave_on_delete():
    wd = kctest.tmpdir("kc-e2e-recovery-ids-")
    topic = kctest.create_topic(unique("recovery-ids"), 2)
    kctest.kcat("-P", "-t", topic, "-p", "0", input_bytes=b"a\nb\n")
    a, b = unique("rec-a"), unique("rec-b")
    mine = unique("my-instance")
    w = kctest.Worker(wd, dict(WORKER_PROPS), [
        kctest.file_sink(a, os.path.join(wd, "a.txt"), topic, tasks_max="2"),
        kctest.file_sink(b, os.path.join(wd, "b.txt"), topic,
                         **{"consumer.override.group.instance.id": mine}),
    ]).start()
    try:
        w.wait_running(a, tasks=2)
        w.wait_running(b)
        want = sorted(expected_instance_id(a, t, w.worker_id) for t in range(2))

        def stable_with(group, ids):
            state, ms = describe(group)
            return state == "STABLE" and sorted(i for _, i in ms) == ids
        # Stable first: a task stopped while its JoinGroup is still held by the coordinator has no
        # member id to leave with (README: it waits out the session).
        kctest.wait_until(lambda: stable_with("connect-" + a, want), 60, 0.5,
                          "connector %s's two static members" % a)
        kctest.wait_until(lambda: stable_with("connect-" + b, [mine]), 60, 0.5,
                          "the override's group.instance.id")
        # Deleting the connector: its tasks leave the group (LeaveGroup after unsubscribing), so
        # the group empties long before the 45 s session timeout.
        t0 = time.time()
        code, body = w.request("DELETE", "/connectors/%s" % a)
        assert code == 204, (code, body)
        kctest.wait_until(lambda: members("connect-" + a) == [], RESUME_BOUND_S, 0.2,
                          "the deleted connector's members to leave")
        print("deleted connector's group empty after %.2f s" % (time.time() - t0), flush=True)
    finally:
        w.stop()

    # kconnect.sink.static.membership=false: dynamic members, as Connect has them.
    off = kctest.Worker(wd, dict(WORKER_PROPS, **{"kconnect.sink.static.membership": "false"}),
                        [kctest.file_sink(a, os.path.join(wd, "a2.txt"), topic)]).start()
    try:
        off.wait_running(a)
        kctest.wait_until(lambda: [i for _, i in members("connect-" + a)] == [None], 60, 0.5,
                          "one dynamic member")
    finally:
        off.stop()

    bad = kctest.Worker(wd, dict(WORKER_PROPS, **{"kconnect.sink.static.membership": "maybe"}))
    r = subprocess.run([kctest.BIN, "standalone", bad.worker_file], capture_output=True, timeout=60)
    err = (r.stdout + r.stderr).decode("utf-8", "replace")
    assert r.returncode != 0 and "kconnect.sink.static.membership" in err, (r.returncode, err)


if __name__ == "__main__":
    runs = int(os.environ.get("KC_RECOVERY_RUNS", "0"))
    if runs:
        static = os.environ.get("KC_RECOVERY_STATIC", "true") != "false"
        sig = signal.Signals[os.environ.get("KC_RECOVERY_SIGNAL", "SIGKILL")]
        if os.environ.get("KC_RECOVERY_DISTRIBUTED"):
            times = [crash_and_measure_distributed(static) for _ in range(runs)]
        else:
            times = [crash_and_measure(static, sig) for _ in range(runs)]
        print("static=%s restart-to-first-record: %s" % (static, ", ".join("%.2f" % t for t in times)))
    else:
        kctest.main([test_kill9_restart_resumes_before_session_timeout,
                     test_sigterm_restart_resumes_before_session_timeout,
                     test_instance_ids_override_off_and_leave_on_delete])
