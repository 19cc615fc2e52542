#!/usr/bin/env python3
"""connect.protocol in mixed Java Connect 3.9.1 / kconnect groups (issue 13): eager, compatible and
sessioned on every member, and mixes where the group falls back to the highest protocol every
member offers (ConnectProtocolCompatibility: an eager member makes the whole group eager; a
compatible one turns sessioned members compatible, without session keys). Each scenario: 1 Java
+ 2 kconnect, a 6-task FileStreamSink over 6 partitions, lines before and after kill -9 of the
Java worker, nothing lost, tasks on the survivors.
# kctest: run-serial  (JVM workers, group timeouts)
# kctest: plain-build-only  (mostly Java workers; see CMakeLists.txt)
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kctest  # noqa: E402
import mixed_lib as m  # noqa: E402
from kctest import unique, wait_until  # noqa: E402

PARTITIONS = 6
# Sinks commit every offset.flush.interval.ms (1 s): waiting longer before a kill -9 leaves
# only what arrives meanwhile to be replayed, so duplicates measure the failover itself.
COMMIT_WAIT = 3
BATCH = 600


def scenario(order, expect, kill="java", strict_versions=False):
    """order as mixed_lib.start_members; expect: the protocol the group must agree on.
    strict_versions: statuses must agree with their KIP-891 plugin versions (no Connect 3.x member)."""
    wd = kctest.tmpdir("kc-mixproto-")
    group = unique("kc-mixproto")
    topic = kctest.create_topic(unique("mixproto-in"), PARTITIONS)
    out = os.path.join(wd, "sink.txt")
    workers = m.start_members(wd, group, order)
    try:
        m.wait_leader(workers, workers[0])
        name = unique("proto-sink")
        follower = workers[1]
        code, body = m.request_retrying(follower, "PUT", "/connectors/%s/config" % name, {
            "connector.class": m.SINK_CLASS, "tasks.max": "6", "file": out, "topics": topic})
        assert code == 201, (code, body)
        own = m.wait_tasks(workers[0], name, 6, timeout=120)
        hosts = {wid for _, wid in own.values()}
        protos = [m.protocol_of(w) for w in workers]
        print("%s: protocols %s, task hosts %d, session keys %d, rebalances %s" % (
            order, protos, len(hosts), m.session_keys(group), [m.rebalances(w) for w in workers]))
        assert protos == [expect] * len(workers), (order, protos, expect)
        assert hosts == {w.worker_id for w in workers}, (hosts, [w.worker_id for w in workers])
        # Only a leader running sessioned writes a key: the first member did while it was alone.
        want_keys = 1 if expect == "sessioned" or order[0].endswith(":sessioned") else 0
        assert m.session_keys(group) == want_keys, (m.session_keys(group), want_keys)
        # The connector ran on a follower: its task configs reached the leader (signed only when
        # the group is sessioned).
        host = workers[0].status(name)[1]["connector"]["worker_id"]
        if host != workers[0].worker_id:
            assert m.task_posts(workers[0], name) >= 1, "no task configs posted to the leader"
        wait_until(lambda: m.statuses_agree(workers, name, strict_versions), 30, what="same status everywhere")
        lines = kctest.numbered_loghub_lines(2 * BATCH)
        m.produce_lines(topic, lines[:BATCH], PARTITIONS)
        m.wait_all_lines(out, BATCH)
        victim = [w for w in workers if isinstance(w, m.JavaWorker) == (kill == "java")][0]
        rest = [w for w in workers if w is not victim]
        before = [m.rebalances(w) for w in rest]
        t0 = time.time()
        time.sleep(COMMIT_WAIT)  # past offset.flush.interval.ms: what was written is committed
        m.kill9(victim)
        m.wait_tasks(rest[0], name, 6, alive={w.worker_id for w in rest}, timeout=90)
        moved = time.time() - t0
        m.produce_lines(topic, lines[BATCH:], PARTITIONS)
        seqs = m.wait_all_lines(out, 2 * BATCH)
        print("%s: kill -9 of %s: tasks moved in %.1f s, rebalances %s, %d duplicates, protocols %s" % (
            order, victim.worker_id, moved, [m.rebalances(w) - b for w, b in zip(rest, before)],
            m.duplicates(seqs), [m.protocol_of(w) for w in rest]))
        assert set(seqs) == set(range(2 * BATCH)), set(seqs) - set(range(2 * BATCH))
        assert m.duplicates(seqs) <= BATCH, m.duplicates(seqs)
        for w in rest:
            w.alive_or_raise()
    finally:
        m.stop_all(workers)
    shutil.rmtree(wd, ignore_errors=True)


def test_all_eager_java_leads():
    scenario(["java:eager", "kc:eager", "kc:eager"], "default")


def test_all_compatible_kconnect_leads():
    scenario(["kc:compatible", "java:compatible", "kc:compatible"], "compatible")


def test_eager_kconnect_member_makes_group_eager():
    """Java (sessioned) leads; one kconnect member offers only eager: everyone runs eager."""
    scenario(["java:sessioned", "kc:eager", "kc:sessioned"], "default")


def test_eager_java_member_makes_group_eager():
    """kconnect (sessioned) leads and runs the eager assignor for a Java member that only has eager."""
    scenario(["kc:sessioned", "java:eager", "kc:sessioned"], "default")


def test_compatible_java_member_turns_off_sessions():
    """Java offers compatible, kconnect sessioned: the group is compatible, no session key, unsigned
    task configs from followers are accepted."""
    scenario(["kc:sessioned", "java:compatible", "kc:sessioned"], "compatible", kill="kc")


if __name__ == "__main__":
    only = os.environ.get("KC_MIXED_ONLY")
    kctest.main([t for t in [test_all_eager_java_leads, test_all_compatible_kconnect_leads,
                 test_eager_kconnect_member_makes_group_eager, test_eager_java_member_makes_group_eager,
                 test_compatible_java_member_turns_off_sessions]
                 if not only or only in t.__name__])
