#!/usr/bin/env python3
"""KIP-558 topics and KIP-980 initial_state: kconnect's REST answers against Java Connect 3.9.1's.

The same script runs on a Java distributed worker (test/e2e/java_connect_ref.py's, Maven Central
jars) and on a kconnect one, on fresh internal topics each: sinks created with initial_state
PAUSED, stopped (lower case) and RUNNING, their statuses and task lists, an invalid initial_state,
topics and reset of an unknown connector, both resumed, a sink's and a source's topics after
records, a reset, the topics after it, after new records and after a deletion. The answers must be
equal, but for Jackson's source location in the invalid initial_state message (jansson keeps no
positions). Skipped when java or mvn is missing.
# kctest: run-serial  (a JVM worker)
"""
import os
import json
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import java_connect_ref  # noqa: E402
import kctest  # noqa: E402
from kctest import unique, wait_until  # noqa: E402


def run(impl):
    wd = kctest.tmpdir("kc-tt-java-")
    props = kctest.distributed_props(unique("ttj"))
    props.update({"bootstrap.servers": kctest.BOOTSTRAP, "rest.advertised.host.name": "127.0.0.1",
                  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                  "offset.flush.interval.ms": "1000"})
    if impl == "java":
        w = java_connect_ref.JavaDistributedWorker(wd, props)
    else:
        w = kctest.Worker(wd, props, mode="distributed")
    topic, src_topic = unique("ttj-sink"), unique("ttj-src")
    out = {}

    def states(name):
        st = w.status(name)[1]
        return st["connector"]["state"], [t["state"] for t in st["tasks"]]

    def settled(name):
        wait_until(lambda: w.status(name)[0] == 200 and states(name)[0] != "UNASSIGNED", 60, what=name)
        return kctest.wait_stable(lambda: states(name), settle=3.0, timeout=60)

    def topics(name, want_empty):
        # Writes are asynchronous in both: wait for the expected side, keep what is seen at the end.
        try:
            wait_until(lambda: (w.get("/connectors/%s/topics" % name)[1][name]["topics"] == []) == want_empty, 30)
        except AssertionError:
            pass
        return w.get("/connectors/%s/topics" % name)

    w.start()
    try:
        wait_until(lambda: w.get("/health")[0] == 200, 120, what="health")
        for st in ("PAUSED", "stopped", "RUNNING"):
            name = "c-" + st.lower()
            cfg = kctest.file_sink(name, os.path.join(wd, name + ".out"), topic)
            out["create " + st] = w.request("POST", "/connectors", {"name": name, "config": cfg,
                                                                   "initial_state": st})[0]
        for st in ("paused", "stopped", "running"):
            out["status " + st] = settled("c-" + st)
            out["tasks " + st] = len(w.get("/connectors/c-%s/tasks" % st)[1])
        code, body = w.request("POST", "/connectors", {"name": "bad", "config": {"connector.class": "FileStreamSink"},
                                                       "initial_state": "nap"})
        out["bad"] = (code, dict(body, message=re.sub(r"\n at \[Source: [^\]]*\]", "", body["message"])))
        out["ghost topics"] = w.get("/connectors/ghost/topics")
        out["ghost reset"] = w.request("PUT", "/connectors/ghost/topics/reset")
        for st in ("paused", "stopped"):
            out["resume " + st] = w.request("PUT", "/connectors/c-%s/resume" % st)[0]
            wait_until(lambda: states("c-" + st) == ("RUNNING", ["RUNNING"]), 60, what="resumed " + st)
            out["resumed " + st] = states("c-" + st)
        src_file = os.path.join(wd, "src.txt")
        with open(src_file, "wb") as f:
            f.write(b"one\ntwo\n")
        cfg = kctest.file_source("src", src_file, src_topic)
        out["create src"] = w.request("POST", "/connectors", {"name": "src", "config": cfg})[0]
        kctest.kcat("-P", "-t", topic, input_bytes=b"a\nb\n")
        out["sink topics"] = topics("c-running", False)
        out["src topics"] = topics("src", False)
        for c in ("c-running", "src"):
            out["reset " + c] = w.request("PUT", "/connectors/%s/topics/reset" % c)
            out["after reset " + c] = topics(c, True)
        kctest.kcat("-P", "-t", topic, input_bytes=b"c\n")
        with open(src_file, "ab") as f:
            f.write(b"three\n")
        out["sink topics again"] = topics("c-running", False)
        out["src topics again"] = topics("src", False)
        out["delete"] = w.request("DELETE", "/connectors/c-running")[0]
        out["after delete"] = topics("c-running", True)
    finally:
        w.stop()
    # Each run has its own topic names: placeholders make the answers comparable.
    return {k: json.loads(json.dumps(v).replace(topic, "TOPIC").replace(src_topic, "SRC_TOPIC")) for k, v in out.items()}


def test_rest_answers_match_java():
    missing = [t for t in ("java", "mvn", "kcat") if not shutil.which(t)]
    if missing:
        print("SKIP: %s not installed" % ", ".join(missing))
        return
    java = run("java")
    kc = run("kconnect")
    for k in sorted(java):
        print("%-22s java %-40.40r %s" % (k, java[k], "same" if java[k] == kc.get(k) else "DIFFERS: %r" % (kc.get(k),)))
    assert kc == java, {k: (java[k], kc.get(k)) for k in java if java[k] != kc.get(k)}
    # The script must have shown something: tasks only after a resume, topics after records.
    assert java["status paused"] == ["PAUSED", []] and java["tasks stopped"] == 0, java
    assert java["sink topics"] == [200, {"c-running": {"topics": ["TOPIC"]}}], java
    assert java["after reset src"] == [200, {"src": {"topics": []}}], java
    assert java["src topics again"] == [200, {"src": {"topics": ["SRC_TOPIC"]}}], java


if __name__ == "__main__":
    kctest.main([test_rest_answers_match_java])
