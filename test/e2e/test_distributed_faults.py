#!/usr/bin/env python3
"""Distributed mode under faults, on the real broker: a worker frozen with SIGSTOP past the session
timeout and resumed, a malformed record in the config topic, and an unreachable broker.
Each test starts and stops (by PID) only its own workers.
# kctest: run-serial  (group timeouts)
"""
import collections
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kctest  # noqa: E402
from kctest import unique, wait_until  # noqa: E402
from test_distributed import produce_lines, start_cluster, stop_all, task_owners, wait_all_lines  # noqa: E402


def test_frozen_worker():
    """SIGSTOP one of two workers past session.timeout.ms: its task runs on the other one; after SIGCONT
    the frozen worker finds itself expelled, stops what it ran, rejoins and gets a share back; no line lost."""
    wd = kctest.tmpdir("kc-dist-stop-")
    group = unique("kc-frozen")
    topic = kctest.create_topic(unique("frozen-in"), 2)
    out = os.path.join(wd, "sink.txt")
    # The sink consumers' own group must notice the frozen consumer too (librdkafka default is 45 s).
    workers = start_cluster(wd, group, 2, **{"consumer.session.timeout.ms": "6000",
                                             "consumer.heartbeat.interval.ms": "1000"})
    try:
        name = unique("frozen-sink")
        code, body = workers[0].request("POST", "/connectors", {"name": name, "config": kctest.file_sink(
            name, out, topic, tasks_max="2")})
        assert code == 201, (code, body)
        wait_until(lambda: (lambda o: o and len(o) == 2 and len({w for _, w in o.values()}) == 2 and
                            all(s == "RUNNING" for s, _ in o.values()))(task_owners(workers[0], name)), 60,
                   what="one task per worker")
        lines = kctest.numbered_loghub_lines(12000)
        produce_lines(topic, lines[:4000], partitions=2)
        wait_all_lines(out, 4000)
        frozen, other = workers[1], workers[0]
        frozen.signal(signal.SIGSTOP)
        stopped_at = time.time()
        produce_lines(topic, lines[4000:8000], partitions=2)
        own = wait_until(lambda: (lambda o: o and len(o) == 2 and all(s == "RUNNING" and w == other.worker_id
                                                                      for s, w in o.values()) and o)(
            task_owners(other, name)), 60, interval=0.5, what="both tasks on the running worker")
        print("frozen worker's task RUNNING on the other worker %.1f s after SIGSTOP" % (time.time() - stopped_at))
        wait_all_lines(out, 8000, timeout=90)
        frozen.signal(signal.SIGCONT)
        produce_lines(topic, lines[8000:], partitions=2)
        seqs = wait_all_lines(out, 12000, timeout=120)
        wait_until(lambda: "lost the group membership" in frozen.tail(400), 30, what="the resumed worker noticing")
        wait_until(lambda: (lambda o: o and len(o) == 2 and all(s == "RUNNING" for s, _ in o.values()) and
                            len({w for _, w in o.values()}) == 2)(task_owners(other, name)), 90, interval=0.5,
                   what="the resumed worker running a task again")
        dups = sum(c - 1 for c in seqs.values() if c > 1)
        print("after SIGCONT: 12000 distinct lines, %d duplicates; tasks %s" % (dups, task_owners(other, name)))
        assert None not in seqs
        frozen.alive_or_raise()
        del own
    finally:
        try:
            workers[1].signal(signal.SIGCONT)
        finally:
            stop_all(workers)


def test_malformed_config_record():
    """A record that is not Connect's is skipped with an error naming topic, partition and offset;
    the connectors around it load and run."""
    wd = kctest.tmpdir("kc-dist-bad-rec-")
    group = unique("kc-badrec")
    topic = kctest.create_topic(unique("badrec-in"), 1)
    workers = start_cluster(wd, group, 1)
    good = unique("good-sink")
    try:
        code, body = workers[0].request("POST", "/connectors", {"name": good, "config": kctest.file_sink(
            good, os.path.join(wd, "o.txt"), topic)})
        assert code == 201, (code, body)
        wait_until(lambda: workers[0].status(good)[0] == 200, 30, what="status")
    finally:
        stop_all(workers)
    cfg_topic = group + "-configs"
    end = kctest.topic_end_offset(cfg_topic)
    kctest.kcat("-P", "-t", cfg_topic, "-K", "\t", input_bytes=b"connector-broken\tnot json at all\n"
                b"task-broken-0\t{\"properties\":[1,2]}\nsurprise-key\t{}\n")
    workers = start_cluster(wd, group, 1)
    try:
        w = workers[0]
        code, names = w.get("/connectors")
        assert code == 200 and names == [good], names
        wait_until(lambda: w.status(good)[1]["tasks"] and w.status(good)[1]["tasks"][0]["state"] == "RUNNING", 60,
                   what="the good connector running")
        log = w.tail(400)
        for off in (end, end + 1, end + 2):
            assert ("%s" % cfg_topic) in log and ("offset %d" % off) in log, (off, log)
        print("malformed records at offsets %d..%d skipped with errors; %s runs" % (end, end + 2, good))
    finally:
        stop_all(workers)


def test_unreachable_broker():
    """No broker at bootstrap.servers: the worker keeps running and answering /health with 503, says why
    in its log, and stops promptly on SIGTERM."""
    wd = kctest.tmpdir("kc-dist-nobroker-")
    port = kctest.free_port()
    w = kctest.Worker(wd, kctest.distributed_props(unique("kc-nobroker"), bootstrap_servers="127.0.0.1:%d" % port),
                      mode="distributed").start(wait=False)
    try:
        wait_until(lambda: w.alive_or_raise() and w.get("/health")[0] == 503, 30, what="/health 503")
        time.sleep(5)
        w.alive_or_raise()
        code, body = w.get("/health")
        assert code == 503 and body["status"] == "starting", (code, body)
        code, body = w.get("/connectors")
        assert code == 503, (code, body)
    finally:
        t0 = time.time()
        rc = w.stop(timeout=60)
        print("stopped %.1f s after SIGTERM with exit code %s" % (time.time() - t0, rc))
        assert time.time() - t0 < 30


if __name__ == "__main__":
    kctest.main([test_unreachable_broker, test_malformed_config_record, test_frozen_worker])
