"""End to end: a sink's topics.regex follows java.util.regex (issue 11).

The sink subscribes to the topics kconnect lists itself (Metadata on its own non-blocking
connection) and matches with PCRE2 as Pattern.matcher(topic).matches() does: a whole-name match,
with Java syntax librdkafka's regex engine does not have (\\d, (?i:...), lookahead). On the real
broker: records go to matching and non-matching topics; the sink file holds exactly the matching
topics' lines; a matching topic created after the start is picked up within
consumer.override.metadata.max.age.ms (2000 here), also with two tasks in one group; internal
topics are left out as with Java's exclude.internal.topics=true; the validator reports Java's
PatternSyntaxException text.
"""
import os
import time

import kctest
from kctest import unique

PER_TOPIC = 50


def produce(topic, n=PER_TOPIC):
    lines = [("%s:%03d" % (topic, i)).encode() for i in range(n)]
    kctest.kcat("-P", "-t", topic, input_bytes=b"".join(l + b"\n" for l in lines))
    return lines


def sorted_lines(path):
    return sorted(kctest.read_sink_lines(path))


def run_java_regex_full_match_and_new_topic(tasks):
    wd = kctest.tmpdir("kc-e2e-topicsre-")
    p = unique("tre")
    # \d, a case-insensitive group and a negative lookahead: Java syntax, whole-name match.
    regex = p + r"-(?i:logs)-(?!0)\d+"
    matching = [p + "-logs-1", p + "-logs-22", p + "-LOGS-7"]
    # logs-12x would match a search (librdkafka's "^"+regex); logs-05 fails the lookahead.
    other = [p + "-logs-12x", p + "-logs-05", p + "-logsx-3", p + "-metrics-1", "x" + p + "-logs-1"]
    for t in matching + other:
        kctest.create_topic(t, 1)
    want = []
    for t in matching:
        want += produce(t)
    for t in other:
        produce(t)
    out = os.path.join(wd, "out.txt")
    name = unique("tre-sink")
    # A .properties file reads "\\d" as "\d" (java.util.Properties escapes), as Connect's does.
    sink = {"name": name, "connector.class": "FileStreamSink", "tasks.max": str(tasks),
            "file": out, "topics.regex": regex.replace("\\", "\\\\"),
            "consumer.override.metadata.max.age.ms": "2000"}
    w = kctest.Worker(wd, {}, [sink]).start()
    try:
        w.wait_running(name, tasks=tasks)
        kctest.wait_for_lines(out, len(want), timeout=90, worker=w)
        got = kctest.wait_stable(lambda: sorted_lines(out), settle=3.0)
        assert got == sorted(want), "sink holds %d lines, want %d; extra %r" % (
            len(got), len(want), sorted(set(got) - set(want))[:5])
        # A topic created after the start: picked up on a later listing (every 2 s here).
        t0 = time.time()
        late, late_other = p + "-logs-333", p + "-logs-333x"
        kctest.create_topic(late, 1)
        kctest.create_topic(late_other, 1)
        produce(late_other)
        want += produce(late)
        kctest.wait_for_lines(out, len(want), timeout=60, worker=w)
        picked = time.time() - t0
        got = kctest.wait_stable(lambda: sorted_lines(out), settle=3.0)
        assert got == sorted(want), "after the new topic: %d lines, want %d" % (len(got), len(want))
        print("new topic picked up after %.1f s" % picked)
        assert picked < 30, picked
        log = open(w.log_path, "rb").read().decode("utf-8", "replace")
        assert "matches 4 topic(s)" in log, w.tail()
        code, st = w.status(name)
        assert code == 200 and len(st["tasks"]) == tasks, st
        assert all(t["state"] == "RUNNING" for t in st["tasks"]), st
    finally:
        rc = w.stop()
    assert rc == 0, "kconnect exited with %r (a sanitizer report?): %s" % (rc, w.tail())


def test_java_regex_full_match_and_new_topic():
    run_java_regex_full_match_and_new_topic(1)


def test_two_tasks_share_the_matching_topics():
    # each task lists and subscribes on its own; the group splits the partitions between them
    run_java_regex_full_match_and_new_topic(2)


def test_internal_topics_left_out():
    wd = kctest.tmpdir("kc-e2e-topicsre-int-")
    p = unique("treint")
    topic = kctest.create_topic(p + "-a", 1)
    want = produce(topic)
    # Some group must have committed so that __consumer_offsets exists.
    kctest.kcat("-G", unique("tre-grp"), topic, "-c", "1", "-e", "-q", "-X", "enable.auto.commit=true",
                "-X", "auto.commit.interval.ms=100")
    md = kctest.kcat("-L").decode()
    assert '"__consumer_offsets"' in md, "no __consumer_offsets topic on the broker"
    out = os.path.join(wd, "out.txt")
    name = unique("tre-int-sink")
    sink = {"name": name, "connector.class": "FileStreamSink", "tasks.max": "1", "file": out,
            "topics.regex": "__consumer_offsets|" + p + "-a",
            "consumer.override.metadata.max.age.ms": "2000"}
    w = kctest.Worker(wd, {}, [sink]).start()
    try:
        w.wait_running(name)
        kctest.wait_for_lines(out, len(want), timeout=90, worker=w)
        got = kctest.wait_stable(lambda: sorted_lines(out), settle=3.0)
        assert got == sorted(want), "sink holds %d lines (internal topic consumed?)" % len(got)
        log = open(w.log_path, "rb").read().decode("utf-8", "replace")
        assert "matches 1 topic(s)" in log, w.tail()
    finally:
        rc = w.stop()
    assert rc == 0, "kconnect exited with %r (a sanitizer report?): %s" % (rc, w.tail())


def test_validate_java_syntax():
    wd = kctest.tmpdir("kc-e2e-topicsre-val-")
    w = kctest.Worker(wd, {}).start()
    try:
        path = "/connector-plugins/FileStreamSinkConnector/config/validate"
        base = {"connector.class": "FileStreamSink", "file": os.path.join(wd, "x.txt"), "name": "v"}

        def errors(regex):
            code, res = w.request("PUT", path, dict(base, **{"topics.regex": regex}))
            assert code == 200, (code, res)
            return [e for c in res["configs"] if c["value"] and c["value"]["name"] == "topics.regex"
                    for e in c["value"]["errors"]]
        assert errors(r"logs-\d++(?=\d)|(?i)x") == []
        # JDK 17's text for Pattern.compile("(ab") and "ab)"
        assert errors("(ab") == ["Invalid value (ab for configuration topics.regex: Invalid regex: "
                                 "Unclosed group near index 3\n(ab"], errors("(ab")
        assert errors("ab)") == ["Invalid value ab) for configuration topics.regex: Invalid regex: "
                                 "Unmatched closing ')' near index 1\nab)\n ^"], errors("ab)")
    finally:
        rc = w.stop()
    assert rc == 0, "kconnect exited with %r (a sanitizer report?): %s" % (rc, w.tail())


if __name__ == "__main__":
    kctest.main([test_java_regex_full_match_and_new_topic, test_two_tasks_share_the_matching_topics,
                 test_internal_topics_left_out, test_validate_java_syntax])
