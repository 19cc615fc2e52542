#!/usr/bin/env python3
"""Distributed mode on the real broker: several kconnect workers on 127.0.0.1 with one group.id form
a cluster through Kafka's group coordinator, split a FileStreamSink's tasks, move a killed worker's
tasks to the others, keep everything in the three internal topics across a full restart, and answer
the REST API on every worker (forwarding to the leader).

Each test makes its own group and internal topics (kctest.distributed_props) and stops only the
worker processes it started, by PID.
# kctest: run-serial  (several workers and their group timeouts)
"""
import collections
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import kctest  # noqa: E402
from kctest import unique, wait_until  # noqa: E402

PARTITIONS = 6


def start_cluster(wd, group, n, **extra):
    props = kctest.distributed_props(group, **extra)
    workers = [kctest.Worker(wd, props, mode="distributed") for _ in range(n)]
    for w in workers:
        w.start(wait=False)
    for w in workers:
        wait_until(lambda: w.alive_or_raise() and w.get("/health")[0] == 200, 90, what="%s healthy" % w.worker_id)
    return workers


def stop_all(workers):
    for w in workers:
        try:
            w.stop()
        except AssertionError as e:
            print("stop: %s" % e)


def produce_lines(topic, lines, partitions=PARTITIONS):
    """Spreads lines round-robin over the partitions (kcat -P per partition)."""
    per = collections.defaultdict(list)
    for i, line in enumerate(lines):
        per[i % partitions].append(line)
    for p, ls in per.items():
        kctest.kcat("-P", "-t", topic, "-p", str(p), input_bytes=b"\n".join(ls) + b"\n")


def task_owners(w, name):
    code, st = w.status(name)
    if code != 200:
        return None
    return {t["id"]: (t["state"], t["worker_id"]) for t in st["tasks"]}


def wait_tasks_running(w, name, ntasks, timeout=90, alive=None):
    def ok():
        own = task_owners(w, name)
        if not own or len(own) != ntasks or any(s != "RUNNING" for s, _ in own.values()):
            return False
        if alive is not None and any(wid not in alive for _, wid in own.values()):
            return False
        return own
    return wait_until(ok, timeout, interval=0.3, what="%d tasks of %s RUNNING" % (ntasks, name))


def count_lines(path):
    seqs = collections.Counter(kctest.seq_of(line) for line in kctest.read_sink_lines(path))
    return seqs


def wait_all_lines(path, total, timeout=120):
    def ok():
        seqs = count_lines(path)
        return all(seqs.get(i, 0) >= 1 for i in range(total)) and seqs
    return wait_until(ok, timeout, interval=0.5, what="%d distinct lines in %s" % (total, path))


def test_scale_out_and_failover():
    """3 workers split tasks.max=6 2/2/2; kill -9 one mid-stream: its tasks run elsewhere, nothing lost;
    a 4th worker takes a share without stopping tasks that do not move."""
    wd = kctest.tmpdir("kc-dist-")
    group = unique("kc-dist")
    topic = kctest.create_topic(unique("dist-in"), PARTITIONS)
    out = os.path.join(wd, "sink.txt")
    workers = start_cluster(wd, group, 3)
    extra = []
    try:
        name = unique("dist-sink")
        conn = kctest.file_sink(name, out, topic, tasks_max="6")
        # Created on the last worker: a follower unless it won the leadership, then forwarded.
        code, body = workers[2].request("POST", "/connectors", {"name": name, "config": conn})
        assert code == 201, (code, body)
        own = wait_tasks_running(workers[0], name, 6)
        spread = collections.Counter(wid for _, wid in own.values())
        print("task spread over workers: %s" % dict(spread))
        assert sorted(spread.values()) == [2, 2, 2], spread
        # Every worker answers the same status (from the status topic).
        for w in workers:
            assert task_owners(w, name) == own, (w.worker_id, task_owners(w, name), own)

        lines = kctest.numbered_loghub_lines(30000)
        produce_lines(topic, lines[:15000])
        wait_all_lines(out, 15000)
        produce_lines(topic, lines[15000:25000])
        victim = workers[1]
        time.sleep(0.5)
        killed_at = time.time()
        victim.signal(signal.SIGKILL)
        victim.proc.wait()
        alive = {workers[0].worker_id, workers[2].worker_id}
        own = wait_tasks_running(workers[0], name, 6, timeout=60, alive=alive)
        failover_s = time.time() - killed_at
        print("failover: all 6 tasks RUNNING on the 2 remaining workers %.1f s after kill -9" % failover_s)
        # scheduled.rebalance.max.delay.ms (4 s) + session timeout (6 s) + a rebalance round
        assert failover_s < 4 + 6 + 20, failover_s
        produce_lines(topic, lines[25000:])
        seqs = wait_all_lines(out, 30000)
        dups = sum(c - 1 for c in seqs.values() if c > 1)
        print("after failover: 30000 distinct lines, %d duplicates (at-least-once redelivery)" % dups)
        assert None not in seqs, "torn or foreign lines in the sink file"

        before = task_owners(workers[0], name)
        fourth = kctest.Worker(wd, kctest.distributed_props(group), mode="distributed").start(wait=False)
        extra.append(fourth)
        wait_until(lambda: fourth.alive_or_raise() and fourth.get("/health")[0] == 200, 90, what="4th worker")
        alive.add(fourth.worker_id)

        def fourth_has_share():
            o = task_owners(workers[0], name)
            if not o or len(o) != 6 or any(s != "RUNNING" for s, _ in o.values()):
                return False
            c = collections.Counter(wid for _, wid in o.values())
            return o if c.get(fourth.worker_id, 0) >= 1 else False
        after = wait_until(fourth_has_share, 90, interval=0.5, what="the 4th worker running tasks")
        moved = [t for t in after if after[t][1] != before[t][1]]
        print("4th worker joined: %d tasks moved, spread %s" % (
            len(moved), dict(collections.Counter(w for _, w in after.values()))))
        assert all(after[t][1] == fourth.worker_id for t in moved), (before, after)
    finally:
        stop_all(workers + extra)


def test_durability_and_source_offsets():
    """All workers stopped and started again: connectors, task configs, a paused state and a
    FileStreamSource's offset come back from the topics; the source resumes without duplicates."""
    wd = kctest.tmpdir("kc-dist-dur-")
    group = unique("kc-dur")
    src_file = os.path.join(wd, "in.txt")
    lines = kctest.numbered_loghub_lines(2000)
    with open(src_file, "wb") as f:
        f.write(b"\n".join(lines[:1000]) + b"\n")
    topic = kctest.create_topic(unique("dur-src"), 1)
    workers = start_cluster(wd, group, 2)
    src, paused = unique("dur-source"), unique("dur-paused")
    try:
        code, body = workers[0].request("POST", "/connectors", {"name": src, "config": kctest.file_source(src, src_file, topic)})
        assert code == 201, (code, body)
        code, body = workers[1].request("POST", "/connectors", {
            "name": paused, "config": kctest.file_sink(paused, os.path.join(wd, "p.txt"), topic, tasks_max="2")})
        assert code == 201, (code, body)
        wait_tasks_running(workers[0], src, 1)
        wait_tasks_running(workers[1], paused, 2)
        assert workers[1].request("PUT", "/connectors/%s/pause" % paused)[0] == 202
        wait_until(lambda: workers[0].status(paused)[1]["connector"]["state"] == "PAUSED", 30, what="PAUSED")
        got = kctest.consume_all(topic, 1000)
        assert len(got) == 1000
        # The source's offset reaches the offsets topic (offset.flush.interval.ms=1000).
        wait_until(lambda: workers[1].get("/connectors/%s/offsets" % src)[1]["offsets"], 30, what="source offset")
        time.sleep(1.5)
    finally:
        stop_all(workers)
    with open(src_file, "ab") as f:
        f.write(b"\n".join(lines[1000:]) + b"\n")
    workers = start_cluster(wd, group, 2)
    try:
        code, names = workers[1].get("/connectors")
        assert code == 200 and sorted(names) == sorted([src, paused]), names
        # 409 while the restarted cluster still rebalances, as Connect answers: retried.
        tasks = wait_until(lambda: (lambda r: r[0] == 200 and r[1])(workers[0].get("/connectors/%s/tasks" % paused)),
                           30, what="task configs")
        assert len(tasks) == 2, tasks
        wait_until(lambda: workers[0].status(paused)[1]["connector"]["state"] == "PAUSED", 60, what="still PAUSED")
        wait_tasks_running(workers[1], src, 1)
        got = kctest.consume_all(topic, 2000)
        seqs = collections.Counter(kctest.seq_of(v) for v in got)
        assert len(got) == 2000 and all(seqs[i] == 1 for i in range(2000)), (len(got), seqs.most_common(3))
        print("source resumed at its offset after a full restart: 2000 records, no duplicates")
    finally:
        stop_all(workers)


def test_rest_on_every_worker():
    """Writes on any worker reach the leader; pause/resume/restart/delete from any worker; statuses
    agree; forward=false without the right target is 409; internal requests need a signature."""
    wd = kctest.tmpdir("kc-dist-rest-")
    group = unique("kc-rest")
    topic = kctest.create_topic(unique("rest-in"), 2)
    workers = start_cluster(wd, group, 2)
    try:
        name = unique("rest-sink")
        conn = kctest.file_sink(name, os.path.join(wd, "o.txt"), topic, tasks_max="2")
        for w in workers:
            code, body = w.request("POST", "/connectors", {"name": name, "config": conn})
            if code == 201:
                break
        assert code == 201, (code, body)
        code, body = workers[0].request("POST", "/connectors", {"name": name, "config": conn})
        assert code == 409 and "already exists" in body["message"], (code, body)
        # A per-connector offsets topic (KIP-618) is refused, not ignored.
        bad = unique("bad-src")
        code, body = workers[0].request("POST", "/connectors", {"name": bad, "config": dict(kctest.file_source(
            bad, os.path.join(wd, "in.txt"), topic), **{"offsets.storage.topic": "own-offsets"})})
        assert code == 400 and "offsets.storage.topic" in body["message"], (code, body)
        wait_tasks_running(workers[0], name, 2)
        for w in workers:
            code, info = w.get("/connectors/%s" % name)
            assert code == 200 and info["type"] == "sink" and len(info["tasks"]) == 2, (code, info)
        # The follower forwards a config change to the leader; both see it.
        for w in workers:
            code, body = w.request("PUT", "/connectors/%s/config" % name, dict(conn, **{"tasks.max": "1"}))
            assert code == 200, (code, body)
        wait_until(lambda: len(workers[1].get("/connectors/%s/tasks" % name)[1] or []) == 1, 60, what="1 task")
        wait_tasks_running(workers[1], name, 1)
        assert workers[1].request("PUT", "/connectors/%s/pause" % name)[0] == 202
        wait_until(lambda: all(w.status(name)[1]["connector"]["state"] == "PAUSED" for w in workers), 30, what="PAUSED")
        assert workers[0].request("PUT", "/connectors/%s/resume" % name)[0] == 202
        wait_tasks_running(workers[1], name, 1)
        # A rebalance may be under way (409, as Connect answers then): clients retry.
        for w in workers:
            wait_until(lambda: w.request("POST", "/connectors/%s/tasks/0/restart" % name)[0] == 204, 30,
                       what="task restart through %s" % w.worker_id)
        wait_tasks_running(workers[0], name, 1)
        # forward=false means "do not forward again": a follower answers 409.
        follower = None
        for w in workers:
            other = unique("x")
            code, body = w.request("POST", "/connectors?forward=false", {"name": other, "config": dict(conn, name=other)})
            assert code in (201, 409), (code, body)
            if code == 409:
                follower = w
                assert "conflicting operation" in body["message"], body
        assert follower is not None, "no worker answered 409 to forward=false"
        # Internal endpoint: unsigned -> 400, bad signature -> 403 (sessioned protocol, KIP-507).
        leader = [w for w in workers if w is not follower][0]
        code, body = leader.request("POST", "/connectors/%s/tasks?forward=false" % name, [{"a": "b"}])
        assert code == 400 and "signature" in body["message"], (code, body)
        code, body = leader.request("POST", "/connectors/%s/tasks?forward=false" % name, [{"a": "b"}],
                                    headers={"X-Connect-Authorization": "AAAA",
                                             "X-Connect-Request-Signature-Algorithm": "HmacSHA256"})
        assert code == 403, (code, body)
        for n in [c for c in workers[0].get("/connectors")[1] if c != name]:
            assert leader.request("DELETE", "/connectors/%s" % n)[0] == 204
        code, _ = follower.request("DELETE", "/connectors/%s" % name)
        assert code == 204, code
        wait_until(lambda: all(w.get("/connectors")[1] == [] for w in workers), 30, what="deleted everywhere")
        for w in workers:
            assert w.status(name)[0] == 404
    finally:
        stop_all(workers)


def test_bad_worker_configs():
    """A missing required key and a config topic with 2 partitions stop the worker with Connect's messages."""
    wd = kctest.tmpdir("kc-dist-bad-")
    props = kctest.distributed_props(unique("kc-bad"))
    del props["group.id"]
    w = kctest.Worker(wd, props, mode="distributed").start(wait=False)
    rc = w.proc.wait(30)
    assert rc == 1 and 'Missing required configuration "group.id" which has no default value.' in w.tail(), w.tail()
    group = unique("kc-bad2")
    kctest.create_topic(group + "-configs", 2, {"cleanup.policy": "compact"})
    w = kctest.Worker(wd, kctest.distributed_props(group), mode="distributed").start(wait=False)
    rc = w.proc.wait(60)
    assert rc == 1 and "required to have a single partition" in w.tail(), (rc, w.tail())
    group = unique("kc-bad3")
    kctest.create_topic(group + "-configs", 1)  # cleanup.policy=delete: configs would be lost
    w = kctest.Worker(wd, kctest.distributed_props(group), mode="distributed").start(wait=False)
    rc = w.proc.wait(60)
    assert rc == 1 and "is required to have 'cleanup.policy=compact'" in w.tail(), (rc, w.tail())


if __name__ == "__main__":
    kctest.main([test_bad_worker_configs, test_rest_on_every_worker, test_durability_and_source_offsets,
                 test_scale_out_and_failover])
