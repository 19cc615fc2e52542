#!/usr/bin/env python3
"""Connector placement in a mixed Java Connect 3.9.1 / kconnect group (issue 13): the assignors
place connectors and tasks without regard to installed plugins, as Connect does. A Java-only
class (MirrorHeartbeatConnector, connect-mirror on the Java worker's plugin path) assigned to
kconnect fails there as it fails on a Java worker without the plugin: connector FAILED with
Connect's "Failed to find any class that implements Connector ..." trace; its task, moved to
kconnect when the Java worker is gone, FAILED as "not a recognizable type". The same work on a
Java worker without the plugin fails in the same words (checked against a second Java worker). A create request is validated
on the worker that takes it and again on the leader: a class the leader lacks cannot be created.
# kctest: run-serial  (JVM workers, group timeouts)
# kctest: plain-build-only  (mostly Java workers; see CMakeLists.txt)
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kctest  # noqa: E402
import mixed_lib as m  # noqa: E402
from kctest import unique, wait_until  # noqa: E402

HEARTBEAT = "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector"
HEARTBEAT_TASK = "org.apache.kafka.connect.mirror.MirrorHeartbeatTask"
S3 = "io.confluent.connect.s3.S3SinkConnector"
NOT_FOUND = "Failed to find any class that implements Connector and which name matches %s, available connectors are: "


def heartbeat_config():
    return {"connector.class": HEARTBEAT, "source.cluster.alias": "mixsrc", "target.cluster.alias": "mixtgt",
            "source.cluster.bootstrap.servers": kctest.BOOTSTRAP,
            "target.cluster.bootstrap.servers": kctest.BOOTSTRAP,
            "heartbeats.topic.replication.factor": "1", "emit.heartbeats.interval.seconds": "5"}


def s3_config(topic):
    return {"connector.class": S3, "topics": topic, "s3.bucket.name": "mixed-bucket", "s3.region": "us-east-1",
            "flush.size": "10", "storage.class": "io.confluent.connect.s3.storage.S3Storage",
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
            # nothing listens there: the tasks never reach a real S3
            "store.url": "http://127.0.0.1:9", "aws.access.key.id": "x", "aws.secret.access.key": "y"}


def first_line(trace):
    """A trace's first line up to the list of installed plugins (which differs per worker)."""
    line = trace.splitlines()[0]
    return line.split(", available connectors are: ")[0]


def test_plugins_missing_on_one_side():
    mirror = m.mirror_plugin_dir()
    assert mirror, "connect-mirror 3.9.1 could not be fetched from Maven Central"
    wd = kctest.tmpdir("kc-mixplace-")
    group = unique("kc-mixplace")
    topic = kctest.create_topic(unique("mixplace-in"), 1)
    props = m.group_props(group)
    java = m.JavaWorker(wd, props, extra_plugins=[os.path.dirname(mirror)])
    java.start()
    workers = [java]
    try:
        wait_until(lambda: m.leader_url(java), 90, what="the Java leader's first generation")
        kcs = [m.kc_worker(wd, props) for _ in range(2)]
        workers += kcs
        for w in kcs:
            w.start(wait=False)
        for w in kcs:
            m.wait_healthy(w)
        m.wait_leader(workers, java)
        kc1 = kcs[0]

        # Validation happens where the request lands, then on the leader: each side refuses the
        # class it lacks in Connect's words.
        name = unique("hb")
        jcode, jbody = java.request("PUT", "/connectors/%s/config" % unique("s3"), s3_config(topic))
        kcode, kbody = kc1.request("PUT", "/connectors/%s/config" % name, heartbeat_config())
        print("Java refusing %s: %s %s" % (S3, jcode, jbody["message"][:160]))
        print("kconnect refusing %s: %s %s" % (HEARTBEAT, kcode, kbody["message"][:160]))
        assert jbody["message"].startswith(NOT_FOUND % S3), jbody
        assert kbody["message"].startswith(NOT_FOUND % HEARTBEAT), kbody
        # Connect 3.x answers an unknown class 500 (a bare ConnectException), 4.x 400 as kconnect does.
        assert (jcode, kcode) == (500, 400), (jcode, kcode)
        # kconnect takes the S3 sink but the Java leader (the last check) refuses it.
        code, body = kc1.request("PUT", "/connectors/%s/config" % unique("s3"), s3_config(topic))
        assert (code, body["message"][:len(NOT_FOUND % S3)]) == (jcode, NOT_FOUND % S3), (code, body)

        # Java (leading, with connect-mirror) creates three heartbeat connectors: one per worker.
        names = [unique("hb") for _ in range(3)]
        for n in names:
            code, body = m.request_retrying(java, "PUT", "/connectors/%s/config" % n, heartbeat_config())
            assert code == 201, (code, body)

        def placed():
            out = {}
            for n in names:
                code, st = java.status(n)
                if code != 200 or st["connector"]["state"] not in ("RUNNING", "FAILED"):
                    return False
                # The one running on Java must have written its task configs before Java is killed
                # (CI once killed it first, so no task reached kconnect).
                if st["connector"]["state"] == "RUNNING" and not st["tasks"]:
                    return False
                out[n] = st
            return out
        sts = wait_until(placed, 90, interval=0.5, what="the heartbeat connectors placed, the running one with tasks")
        hosts = {n: st["connector"]["worker_id"] for n, st in sts.items()}
        print("heartbeat connectors: %s" % {n: (st["connector"]["worker_id"], st["connector"]["state"])
                                            for n, st in sts.items()})
        assert len(set(hosts.values())) == 3, hosts
        java_trace = None
        for n, st in sts.items():
            if hosts[n] == java.worker_id:
                assert st["connector"]["state"] == "RUNNING", st
            else:
                c = st["connector"]
                assert c["state"] == "FAILED", st
                want = "org.apache.kafka.connect.errors.ConnectException: " + NOT_FOUND % HEARTBEAT
                assert c["trace"].startswith(want), c["trace"][:300]
                java_trace = c["trace"]
        print("kconnect's connector trace: %s" % java_trace.splitlines()[0][:200])

        # The Java worker goes: its heartbeat connector and every heartbeat task land on kconnect
        # and fail there; statuses agree on both kconnect workers.
        m.kill9(java)
        alive = {w.worker_id for w in kcs}

        def all_failed():
            out = {}
            for n in names:
                code, st = kc1.status(n)
                if code != 200:
                    return False
                items = [st["connector"]] + st["tasks"]
                if any(i["worker_id"] not in alive or i["state"] != "FAILED" for i in items):
                    return False
                out[n] = st
            return out
        sts = wait_until(all_failed, 90, interval=0.5, what="every heartbeat connector and task FAILED on kconnect")
        tasks = [dict(t, name=n) for n, st in sts.items() for t in st["tasks"]]
        print("after kill -9 of Java: %d connectors and %d tasks FAILED on kconnect; task trace: %s"
              % (len(sts), len(tasks), tasks[0]["trace"].splitlines()[0] if tasks else None))
        assert tasks, "the heartbeat connector on Java made no task"
        for t in tasks:
            assert t["trace"].startswith(
                "org.apache.kafka.connect.errors.ConnectException: Failed to start task %s-%d since it is not a "
                "recognizable type (source or sink)" % (t["name"], t["id"])), t["trace"][:300]
        for n in names:
            wait_until(lambda: m.statuses_agree(kcs, n, True), 30, what="same status of %s on both" % n)
        kc_task_trace = tasks[0]["trace"].splitlines()[0].replace(
            "task %s-%d " % (tasks[0]["name"], tasks[0]["id"]), "task {task} ")
        kc_conn_trace = first_line(sts[names[0]]["connector"]["trace"])

        # kconnect leads now. Three S3 sinks (a class only kconnect has) created on it, and a
        # Java worker without connect-mirror joins: what lands on Java fails in Java's own words,
        # the same words kconnect used above.
        s3s = [unique("s3") for _ in range(3)]
        for n in s3s:
            code, body = m.request_retrying(kc1, "PUT", "/connectors/%s/config" % n, s3_config(topic))
            assert code == 201, (code, body)
        java2 = m.JavaWorker(wd, props)
        java2.start()
        workers.append(java2)

        def on_java2():
            out = []
            for n in names + s3s:
                code, st = kc1.status(n)
                if code != 200:
                    return False
                out += [(n, i) for i in [st["connector"]] + st["tasks"] if i["worker_id"] == java2.worker_id]
            return out if len(out) >= 2 and all(i["state"] == "FAILED" for _, i in out) else False
        got = wait_until(on_java2, 120, interval=0.5, what="work on the second Java worker FAILED")
        print("on the Java worker without the plugins: %s" % [(n, i.get("id", "connector"), first_line(i["trace"]))
                                                              for n, i in got])
        for n, i in got:
            if "id" not in i:
                cls = HEARTBEAT if n in names else S3
                assert first_line(i["trace"]) == kc_conn_trace.replace(HEARTBEAT, cls), (i["trace"][:300], kc_conn_trace)
            else:
                want = kc_task_trace.replace("{task}", "%s-%d" % (n, i["id"]))
                assert i["trace"].splitlines()[0] == want, (i["trace"][:300], want)
        for w in kcs:
            w.alive_or_raise()
    finally:
        m.stop_all(workers)
    shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_plugins_missing_on_one_side])
