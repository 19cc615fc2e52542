#!/usr/bin/env python3
"""One Connect group of Java Connect 3.9.1 and kconnect workers (issue 13): same group.id and
internal topics, connect.protocol sessioned. A FileStreamSink with tasks.max=6 over 6 partitions
of numbered loghub lines spreads over all three workers; kill -9 of the Java worker, then of a
kconnect worker, moves the tasks within scheduled.rebalance.max.delay.ms and no line is lost.
Either side can lead: REST writes on a follower are forwarded to the leader, connectors on
followers send their task configs to the leader signed with the session key (KIP-507) the other
side wrote, and GET status answers the same on every worker.
# kctest: run-serial  (JVM workers, group timeouts)
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
BATCH = 1500  # lines per phase; three phases


def create(w, name, config):
    code, body = m.request_retrying(w, "PUT", "/connectors/%s/config" % name, config)
    assert code in (200, 201), (w.worker_id, code, body)


def sink(out, topic, tasks):
    return {"connector.class": m.SINK_CLASS, "tasks.max": str(tasks), "file": out, "topics": topic}


def test_java_leader_failover():
    """Java leads (started first); a kconnect follower takes the connector creation (forwarded to
    Java); tasks on all three; kill -9 Java, then one kconnect worker: no line lost."""
    wd = kctest.tmpdir("kc-mixed-")
    group = unique("kc-mixed")
    topic = kctest.create_topic(unique("mixed-in"), PARTITIONS)
    out = os.path.join(wd, "sink.txt")
    workers = m.start_members(wd, group, ["java", "kc", "kc"])
    java, kc1, kc2 = workers
    try:
        m.wait_leader(workers, java)
        name = unique("mixed-sink")
        create(kc1, name, sink(out, topic, 6))  # a follower: forwarded to the Java leader
        aux = [unique("mixed-aux"), unique("mixed-aux")]
        for a in aux:
            create(kc2, a, sink(os.path.join(wd, a + ".txt"), topic, 1))
        own = m.wait_tasks(java, name, 6, timeout=120)
        spread = {}
        for _, wid in own.values():
            spread[wid] = spread.get(wid, 0) + 1
        print("task spread: %s (java %s)" % (spread, java.worker_id))
        assert set(spread) == {w.worker_id for w in workers}, spread
        # Every connector's tasks got to the leader, wherever the connector ran.
        conn_hosts = {}
        for c in [name] + aux:
            m.wait_tasks(java, c, 6 if c == name else 1, timeout=90)
            conn_hosts[c] = java.status(c)[1]["connector"]["worker_id"]
        print("connector hosts: %s" % conn_hosts)
        follower_posts = sum(m.task_posts(java, c) for c in [name] + aux)
        print("task configs posted by kconnect followers to the Java leader: %d" % follower_posts)
        kc_hosted = [c for c, h in conn_hosts.items() if h != java.worker_id]
        assert kc_hosted and follower_posts >= len(kc_hosted), (conn_hosts, follower_posts)
        for c in [name] + aux:
            wait_until(lambda: m.statuses_agree(workers, c), 30, what="same status of %s on every worker" % c)
        assert m.session_keys(group) == 1, m.session_keys(group)

        lines = kctest.numbered_loghub_lines(3 * BATCH)
        m.produce_lines(topic, lines[:BATCH], PARTITIONS)
        m.wait_all_lines(out, BATCH)

        # kill -9 of the Java leader: a kconnect worker leads, Java's tasks move.
        before = sum(m.rebalances(w) for w in (kc1, kc2))
        t0 = time.time()
        time.sleep(COMMIT_WAIT)  # past offset.flush.interval.ms: what was written is committed
        m.kill9(java)
        alive = {kc1.worker_id, kc2.worker_id}
        m.wait_tasks(kc1, name, 6, alive=alive, timeout=90)
        moved1 = time.time() - t0
        reb1 = sum(m.rebalances(w) for w in (kc1, kc2)) - before
        print("after kill -9 of the Java worker: 6 tasks RUNNING on kconnect in %.1f s, %d rebalances "
              "(summed over the 2 survivors)" % (moved1, reb1))
        m.produce_lines(topic, lines[BATCH:2 * BATCH], PARTITIONS)
        seqs = m.wait_all_lines(out, 2 * BATCH)
        print("after the first failover: %d lines, %d duplicates" % (sum(seqs.values()), m.duplicates(seqs)))
        new_leader = wait_until(lambda: m.leader_url(kc1) == m.leader_url(kc2) and m.leader_url(kc1) in
                                (m.url_of(kc1), m.url_of(kc2)) and m.leader_url(kc1), 30, what="a kconnect leader")
        leader, follower = (kc1, kc2) if new_leader == m.url_of(kc1) else (kc2, kc1)
        # The kconnect leader verifies task configs with the session key Java wrote: every
        # connector on the follower gets new task configs (more tasks, or one more setting).
        wait_until(lambda: all(m.task_owners(leader, c) for c in [name] + aux) and
                   all(leader.status(c)[1]["connector"]["worker_id"] in alive for c in [name] + aux), 60,
                   what="connectors on the kconnect workers")
        on_follower = [c for c in [name] + aux if leader.status(c)[1]["connector"]["worker_id"] == follower.worker_id]
        assert on_follower, "3 connectors on 2 workers, none on %s" % follower.worker_id
        posted = sum(m.task_posts(leader, c) for c in on_follower)
        for c in on_follower:
            cfg = sink(os.path.join(wd, c + ".txt"), topic, 2) if c in aux else \
                dict(sink(out, topic, 6), **{"errors.retry.timeout": "0"})
            create(follower, c, cfg)
        for c in on_follower:
            m.wait_tasks(leader, c, 2 if c in aux else 6, alive=alive, timeout=60)
        wait_until(lambda: sum(m.task_posts(leader, c) for c in on_follower) - posted >= len(on_follower), 30,
                   what="signed task configs from the follower on the leader")
        posted = sum(m.task_posts(leader, c) for c in on_follower) - posted
        print("reconfigured %d connectors on the kconnect follower; %d signed task posts accepted by the leader; "
              "session keys %d" % (len(on_follower), posted, m.session_keys(group)))
        assert m.session_keys(group) == 1, "the new leader kept Java's session key"

        # kill -9 of a kconnect worker: the other one runs everything.
        victim, last = follower, leader
        before = m.rebalances(last)
        t0 = time.time()
        time.sleep(COMMIT_WAIT)  # past offset.flush.interval.ms: what was written is committed
        m.kill9(victim)
        m.wait_tasks(last, name, 6, alive={last.worker_id}, timeout=90)
        moved2 = time.time() - t0
        print("after kill -9 of a kconnect worker: 6 tasks RUNNING on the last one in %.1f s, %d rebalances"
              % (moved2, m.rebalances(last) - before))
        m.produce_lines(topic, lines[2 * BATCH:], PARTITIONS)
        seqs = m.wait_all_lines(out, 3 * BATCH)
        dups = m.duplicates(seqs)
        print("sink file: %d lines, %d distinct, %d duplicates" % (sum(seqs.values()), len(seqs), dups))
        assert set(seqs) == set(range(3 * BATCH)), "torn or foreign lines: %s" % (set(seqs) - set(range(3 * BATCH)))
        # A kill -9 may replay what was not committed yet (at-least-once): at most a phase's lines.
        assert dups <= BATCH, dups
        assert moved1 < 60 and moved2 < 60, (moved1, moved2)
    finally:
        m.stop_all(workers)
    shutil.rmtree(wd, ignore_errors=True)


def test_kconnect_leader_rest():
    """kconnect leads (started first), Java and a second kconnect follow. Connectors created on the
    Java worker run on kconnect and the other way round; pause/resume/restart/delete from either
    side; statuses agree; Java's task configs reach the kconnect leader signed with its key."""
    wd = kctest.tmpdir("kc-mixed-rest-")
    group = unique("kc-mixrest")
    topic = kctest.create_topic(unique("mixrest-in"), 2)
    workers = m.start_members(wd, group, ["kc", "java", "kc"])
    kc1, java, kc2 = workers
    try:
        m.wait_leader(workers, kc1)
        # Connectors created alternately through Java's and a kconnect follower's REST until one
        # made on each side runs on the other (the leader places each new one on the least loaded
        # worker, so that takes a few).
        names, hosts = [], {}
        for i in range(9):
            via, issuer = ("via-java", java) if i % 2 == 0 else ("via-kc", kc2)
            n = unique(via)
            create(issuer, n, sink(os.path.join(wd, n + ".txt"), topic, 2))
            m.wait_tasks(kc1, n, 2, timeout=120)
            names.append(n)
            hosts = {c: kc1.status(c)[1]["connector"]["worker_id"] for c in names}
            if len(names) >= 3 and any(c.startswith("via-java") and h != java.worker_id for c, h in hosts.items()) \
                    and any(c.startswith("via-kc") and h == java.worker_id for c, h in hosts.items()):
                break
        print("connector hosts: %s (java %s, leader %s)" % (hosts, java.worker_id, kc1.worker_id))
        java_made_on_kc = [c for c, h in hosts.items() if c.startswith("via-java") and h != java.worker_id]
        kc_made_on_java = [c for c, h in hosts.items() if c.startswith("via-kc") and h == java.worker_id]
        print("made on Java, running on kconnect: %s; made on kconnect, running on Java: %s"
              % (java_made_on_kc, kc_made_on_java))
        assert java_made_on_kc and kc_made_on_java, hosts
        assert len(set(hosts.values())) == 3, "connectors on every worker: %s" % hosts
        # The connector on Java sent its tasks to the kconnect leader, signed with kconnect's key.
        on_java = [n for n, h in hosts.items() if h == java.worker_id]
        assert on_java and sum(m.task_posts(kc1, n) for n in on_java) >= 1, (on_java, m.task_posts(kc1, on_java[0]))
        assert m.session_keys(group) == 1, m.session_keys(group)
        for n in names:
            wait_until(lambda: m.statuses_agree(workers, n), 30, what="same status of %s everywhere" % n)

        # Lifecycle from either side; every worker sees the effect.
        def states(n):
            st = m.statuses_agree(workers, n)
            return st and (st["connector"]["state"], sorted({t["state"] for t in st["tasks"]}))

        target = java_made_on_kc[0]
        for issuer, op, want in ((java, "pause", "PAUSED"), (kc2, "resume", "RUNNING"),
                                 (kc1, "pause", "PAUSED"), (java, "resume", "RUNNING")):
            code, body = m.request_retrying(issuer, "PUT", "/connectors/%s/%s" % (target, op))
            assert code == 202, (issuer.worker_id, op, code, body)
            wait_until(lambda: states(target) == (want, [want]), 60, what="%s %s on every worker" % (target, want))
        for issuer in (java, kc2):
            code, body = m.request_retrying(issuer, "POST", "/connectors/%s/restart?includeTasks=true" % target)
            assert code == 202, (issuer.worker_id, code, body)
            wait_until(lambda: states(target) == ("RUNNING", ["RUNNING"]), 60, what="%s running after restart" % target)
        # A task restart on a worker that does not run it is forwarded to the one that does.
        tid_host = {t["id"]: t["worker_id"] for t in kc1.status(target)[1]["tasks"]}
        for issuer in (java, kc2):
            other = [i for i, h in tid_host.items() if h != issuer.worker_id][0]
            code, body = m.request_retrying(issuer, "POST", "/connectors/%s/tasks/%d/restart" % (target, other))
            assert code == 204, (issuer.worker_id, other, code, body)
        wait_until(lambda: states(target) == ("RUNNING", ["RUNNING"]), 60, what="tasks running after restarts")
        for n in names:
            wait_until(lambda: m.statuses_agree(workers, n), 30, what="same status of %s everywhere" % n)
        # Config and connector list agree too.
        for w in workers:
            code, lst = w.get("/connectors")
            assert code == 200 and sorted(lst) == sorted(names), (w.worker_id, code, lst)
        rest = [n for n in names if n != target]
        for i, n in enumerate(rest):
            issuer = (java, kc2, kc1)[i % 3]
            code, body = m.request_retrying(issuer, "DELETE", "/connectors/%s" % n)
            assert code == 204, (issuer.worker_id, n, code, body)
        wait_until(lambda: all(w.get("/connectors")[1] == [target] for w in workers), 60,
                   what="deletes seen by every worker")
        for w in workers:
            w.alive_or_raise()
    finally:
        m.stop_all(workers)
    shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_java_leader_failover, test_kconnect_leader_rest])
