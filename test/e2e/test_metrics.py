"""GET /metrics on the real broker, read with the Prometheus project's own text-format parser
(prometheus_client.parser).
- names: every kafka_connect_* sample is what Strimzi's JMX exporter rules (kafka-connect-metrics.yaml:
  lowercase, '-' -> '_', kafka_connect_<group minus -metrics>_<attribute>, connect-worker-* groups as
  kafka_connect_worker[_rebalance]_<attribute>, string attributes as a label with value 1) make of one
  of Connect's MBean attributes (ConnectMetricsRegistry), with the rules' types (counter for *-total);
- FileStreamSource -> topic -> FileStreamSink on loghub lines: the record counters equal the line
  counts and move with more data; labels connector/task; worker and connector gauges;
- errors.tolerance=all with a dead letter queue and errors.log.enable moves the task-error counters by
  the number of bad records; errors.tolerance=none: one failure, a failed task in the status gauges;
- a distributed worker: rebalance metrics, and a second member's join moves them;
- basic auth guards /metrics as every REST path;
- metric.reporters naming a Java reporter other than Connect's default JmxReporter is refused at start,
  and the metrics.* settings are checked as WorkerConfig checks them.
"""
import json
import math
import os
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

import kctest
from kctest import unique

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Connect's MBean attributes (ConnectMetricsRegistry), by group.
TASK_GROUPS = {
    "connector-task-metrics": ["status", "running-ratio", "pause-ratio", "offset-commit-max-time-ms",
                               "offset-commit-avg-time-ms", "batch-size-max", "batch-size-avg",
                               "offset-commit-failure-percentage", "offset-commit-success-percentage"],
    "sink-task-metrics": ["sink-record-read-rate", "sink-record-read-total", "sink-record-send-rate",
                          "sink-record-send-total", "sink-record-lag-max", "partition-count", "offset-commit-seq-no",
                          "offset-commit-completion-rate", "offset-commit-completion-total", "offset-commit-skip-rate",
                          "offset-commit-skip-total", "put-batch-max-time-ms", "put-batch-avg-time-ms",
                          "sink-record-active-count", "sink-record-active-count-max", "sink-record-active-count-avg"],
    "source-task-metrics": ["source-record-poll-rate", "source-record-poll-total", "source-record-write-rate",
                            "source-record-write-total", "poll-batch-max-time-ms", "poll-batch-avg-time-ms",
                            "source-record-active-count", "source-record-active-count-max",
                            "source-record-active-count-avg"],
    "task-error-metrics": ["total-record-failures", "total-record-errors", "total-records-skipped", "total-retries",
                           "total-errors-logged", "deadletterqueue-produce-requests",
                           "deadletterqueue-produce-failures", "last-error-timestamp"],
}
CONNECTOR_GROUP = ["connector-class", "connector-type", "connector-version", "status"]
WORKER_GROUP = ["connector-count", "task-count", "connector-startup-attempts-total",
                "connector-startup-success-total", "connector-startup-success-percentage",
                "connector-startup-failure-total", "connector-startup-failure-percentage",
                "task-startup-attempts-total", "task-startup-success-total", "task-startup-success-percentage",
                "task-startup-failure-total", "task-startup-failure-percentage"]
WORKER_CONNECTOR_GROUP = ["connector-total-task-count", "connector-running-task-count",
                          "connector-paused-task-count", "connector-failed-task-count",
                          "connector-unassigned-task-count", "connector-destroyed-task-count",
                          "connector-restarting-task-count"]
REBALANCE_GROUP = ["connect-protocol", "leader-name", "epoch", "completed-rebalances-total", "rebalancing",
                   "rebalance-max-time-ms", "rebalance-avg-time-ms", "time-since-last-rebalance-ms"]
STRING_ATTRS = {"status", "connector-class", "connector-type", "connector-version", "leader-name",
                "connect-protocol"}


def prom(s):
    return s.lower().replace("-", "_")


def strimzi_names():
    """{sample name: (prometheus type, labels)} as the Strimzi rules name Connect's attributes."""
    out = {}
    for group, attrs in TASK_GROUPS.items():
        for a in attrs:
            name = prom("kafka_connect_%s_%s" % (group[:-len("-metrics")], a))
            extra = {prom(a)} if a == "status" else set()
            out[name] = ("counter" if a.endswith("-total") else "gauge", {"connector", "task"} | extra)
    for a in CONNECTOR_GROUP:
        out[prom("kafka_connect_connector_" + a)] = ("gauge", {"connector", prom(a)})
    for a in WORKER_GROUP:
        out[prom("kafka_connect_worker_" + a)] = ("counter" if a.endswith("-total") else "gauge", set())
    for a in WORKER_CONNECTOR_GROUP:
        out[prom("kafka_connect_worker_" + a)] = ("gauge", {"connector"})
    for a in REBALANCE_GROUP:
        t = "unknown" if a in STRING_ATTRS else "counter" if a.endswith("-total") else "gauge"
        out[prom("kafka_connect_worker_rebalance_" + a)] = (t, {prom(a)} if a in STRING_ATTRS else set())
    for a in ("assigned-connectors", "assigned-tasks"):  # connect-coordinator-metrics, client-id tag
        out[prom("kafka_connect_coordinator_" + a)] = ("gauge", {"clientid"})
    return out


EXPECTED = strimzi_names()


class Scrape:
    def __init__(self, worker):
        url = "http://127.0.0.1:%d/metrics" % worker.port
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200, r.status
            ctype = r.headers.get("Content-Type")
            assert ctype == CONTENT_TYPE, ctype
            self.text = r.read().decode("utf-8")
        self.samples = {}
        self.types = {}
        for fam in text_string_to_metric_families(self.text):
            for s in fam.samples:
                self.types[s.name] = fam.type
                key = (s.name, tuple(sorted(s.labels.items())))
                assert key not in self.samples, "duplicate sample %r" % (key,)
                self.samples[key] = s.value
        self.check_names()

    def check_names(self):
        assert self.samples, self.text
        for (name, labels), _ in self.samples.items():
            assert name in EXPECTED, "%s is not a name the Strimzi rules give a Connect attribute" % name
            want_type, want_labels = EXPECTED[name]
            assert self.types[name] == want_type, (name, self.types[name], want_type)
            assert {k for k, _ in labels} == want_labels, (name, labels, want_labels)

    def get(self, name, **labels):
        key = (name, tuple(sorted((k, str(v)) for k, v in labels.items())))
        if key not in self.samples:
            raise AssertionError("no sample %s%r in:\n%s" % (name, labels, self.text))
        return self.samples[key]

    def task(self, name, connector, task=0):
        return self.get(name, connector=connector, task=task)

    def labels_of(self, name):
        return [dict(l) for (n, l) in self.samples if n == name]


def write_lines(path, lines, mode="wb"):
    with open(path, mode) as f:
        f.write(b"".join(l + b"\n" for l in lines))


def test_file_pipeline_counters():
    wd = kctest.tmpdir("kc-metrics-")
    topic = unique("metrics")
    kctest.create_topic(topic, 1)
    inp, out = os.path.join(wd, "in.txt"), os.path.join(wd, "out.txt")
    first = kctest.numbered_loghub_lines(3000)
    write_lines(inp, first)
    src, sink = unique("msrc"), unique("msink")
    w = kctest.Worker(wd, connectors=[kctest.file_source(src, inp, topic), kctest.file_sink(sink, out, topic)])
    w.start()
    try:
        w.wait_running(src)
        w.wait_running(sink)
        kctest.wait_for_lines(out, len(first), worker=w)
        m = kctest.wait_until(lambda: (lambda s: s if s.task("kafka_connect_source_task_source_record_active_count",
                                                             src) == 0 else None)(Scrape(w)), 30,
                              what="every polled record acknowledged")
        n = len(first)
        assert m.task("kafka_connect_source_task_source_record_poll_total", src) == n
        assert m.task("kafka_connect_source_task_source_record_write_total", src) == n
        assert m.task("kafka_connect_sink_task_sink_record_read_total", sink) == n
        assert m.task("kafka_connect_sink_task_sink_record_send_total", sink) == n
        assert m.task("kafka_connect_sink_task_partition_count", sink) == 1
        assert m.task("kafka_connect_source_task_source_record_active_count_max", src) >= 1
        # rates: the records over Rate.windowSize (at least one 30 s window with the defaults)
        for name, c in (("kafka_connect_source_task_source_record_poll_rate", src),
                        ("kafka_connect_sink_task_sink_record_read_rate", sink)):
            r = m.task(name, c)
            assert 0 < r <= n / 30.0 + 1e-6, (name, r)
        # batch sizes: FileStreamSource's polls and the sink's put() batches add up to the lines
        assert 1 <= m.task("kafka_connect_connector_task_batch_size_max", sink) <= n
        assert 1 <= m.task("kafka_connect_connector_task_batch_size_avg", src) <= n
        assert m.task("kafka_connect_sink_task_put_batch_max_time_ms", sink) >= 0
        assert m.task("kafka_connect_source_task_poll_batch_avg_time_ms", src) >= 0
        for c in (src, sink):
            assert m.get("kafka_connect_connector_task_status", connector=c, task=0, status="running") == 1
            assert m.get("kafka_connect_connector_status", connector=c, status="running") == 1
            assert m.get("kafka_connect_worker_connector_running_task_count", connector=c) == 1
            assert m.get("kafka_connect_worker_connector_failed_task_count", connector=c) == 0
            assert 0.9 < m.task("kafka_connect_connector_task_running_ratio", c) <= 1
            assert m.task("kafka_connect_connector_task_pause_ratio", c) == 0
            assert m.task("kafka_connect_task_error_total_record_failures", c) == 0
        assert m.get("kafka_connect_connector_connector_class", connector=sink,
                     connector_class="org.apache.kafka.connect.file.FileStreamSinkConnector") == 1
        assert m.get("kafka_connect_connector_connector_type", connector=src, connector_type="source") == 1
        assert m.get("kafka_connect_worker_connector_count") == 2
        assert m.get("kafka_connect_worker_task_count") == 2
        assert m.get("kafka_connect_worker_task_startup_success_total") == 2
        assert m.get("kafka_connect_worker_connector_startup_attempts_total") == 2
        assert m.get("kafka_connect_worker_task_startup_success_percentage") == 1
        # offset commits: offset.flush.interval.ms=1000; the sink's sequence numbers count attempts
        kctest.wait_until(lambda: Scrape(w).task("kafka_connect_sink_task_offset_commit_completion_total", sink) >= 2,
                          30, what="sink offset commits")
        m = Scrape(w)
        assert m.task("kafka_connect_sink_task_offset_commit_seq_no", sink) >= \
            m.task("kafka_connect_sink_task_offset_commit_completion_total", sink) >= 2
        assert m.task("kafka_connect_connector_task_offset_commit_success_percentage", sink) == 1
        assert not math.isnan(m.task("kafka_connect_connector_task_offset_commit_avg_time_ms", src))

        # more data: the counters move by exactly the new lines
        more = kctest.numbered_loghub_lines(1500, start=n)
        write_lines(inp, more, "ab")
        kctest.wait_for_lines(out, n + len(more), worker=w)
        total = n + len(more)
        m = kctest.wait_until(lambda: (lambda s: s if s.task("kafka_connect_sink_task_sink_record_read_total",
                                                             sink) == total else None)(Scrape(w)), 30,
                              what="sink counters at %d" % total)
        assert m.task("kafka_connect_source_task_source_record_poll_total", src) == total
        assert m.task("kafka_connect_source_task_source_record_write_total", src) == total
        assert m.task("kafka_connect_sink_task_sink_record_send_total", sink) == total
        # HEAD: headers only
        req = urllib.request.Request("http://127.0.0.1:%d/metrics" % w.port, method="HEAD")
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200 and r.headers.get("Content-Type") == CONTENT_TYPE and r.read() == b""
        print("pipeline: %d lines; %d metric samples" % (total, len(m.samples)))

        # pause: the status gauges follow, pause-ratio grows
        assert w.request("PUT", "/connectors/%s/pause" % sink)[0] == 202
        kctest.wait_until(lambda: Scrape(w).get("kafka_connect_worker_connector_paused_task_count",
                                                 connector=sink) == 1, 30, what="paused task count")
        time.sleep(1.5)
        m = Scrape(w)
        assert m.get("kafka_connect_connector_task_status", connector=sink, task=0, status="paused") == 1
        assert m.task("kafka_connect_connector_task_pause_ratio", sink) > 0
    finally:
        w.stop()


def json_records(count, bad_every=7):
    """JSON strings of loghub lines; every bad_every-th (from the 3rd) is not JSON."""
    out, bad = [], 0
    for i, l in enumerate(kctest.numbered_loghub_lines(count)):
        if i % bad_every == 3:
            out.append(b"{not json " + l[:40])
            bad += 1
        else:
            out.append(json.dumps(l.decode("utf-8", "replace")).encode())
    return out, bad


JSON = {"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}


def test_error_counters():
    wd = kctest.tmpdir("kc-metrics-err-")
    topic, dlq = unique("metrics-err"), unique("metrics-dlq")
    kctest.create_topic(topic, 1)
    recs, bad = json_records(700)
    kctest.kcat("-P", "-t", topic, input_bytes=b"".join(r + b"\n" for r in recs), timeout=300)
    started_ms = time.time() * 1000
    w = kctest.Worker(wd).start()
    try:
        tol, strict = unique("mtol"), unique("mstrict")
        cfg = kctest.file_sink(tol, os.path.join(wd, "out"), topic, **JSON)
        cfg.update({"errors.tolerance": "all", "errors.log.enable": "true",
                    "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1"})
        assert w.request("POST", "/connectors", {"name": tol, "config": cfg})[0] == 201
        good = len(recs) - bad
        kctest.wait_for_lines(os.path.join(wd, "out"), good, worker=w)
        m = kctest.wait_until(lambda: (lambda s: s if s.task("kafka_connect_task_error_deadletterqueue_produce_requests",
                                                             tol) == bad else None)(Scrape(w)), 60,
                              what="%d DLQ requests" % bad)
        # RetryWithToleranceOperator: each bad record is one failure, one error, one skip; LogReporter logs it
        for name in ("total_record_failures", "total_record_errors", "total_records_skipped", "total_errors_logged"):
            assert m.task("kafka_connect_task_error_" + name, tol) == bad, (name, m.task("kafka_connect_task_error_" + name, tol))
        assert m.task("kafka_connect_task_error_deadletterqueue_produce_failures", tol) == 0
        assert m.task("kafka_connect_task_error_last_error_timestamp", tol) >= started_ms
        assert m.task("kafka_connect_sink_task_sink_record_read_total", tol) == len(recs)
        assert m.task("kafka_connect_sink_task_sink_record_send_total", tol) == good
        kctest.wait_until(lambda: kctest.topic_end_offset(dlq) == bad, 60, what="DLQ holds the bad records")

        # errors.tolerance=none: the first bad record fails the task
        cfg = kctest.file_sink(strict, os.path.join(wd, "out2"), topic, **JSON)
        assert w.request("POST", "/connectors", {"name": strict, "config": cfg})[0] == 201
        m = kctest.wait_until(lambda: (lambda s: s if s.get("kafka_connect_worker_connector_failed_task_count",
                                                            connector=strict) == 1 else None)(Scrape(w)), 60,
                              what="failed task count")
        assert m.get("kafka_connect_connector_task_status", connector=strict, task=0, status="failed") == 1
        assert m.task("kafka_connect_task_error_total_record_failures", strict) == 1
        assert m.task("kafka_connect_task_error_total_record_errors", strict) == 1
        assert m.task("kafka_connect_task_error_total_records_skipped", strict) == 0
        assert m.task("kafka_connect_task_error_total_errors_logged", strict) == 0
        # the failed batch never reached put() (Java fails in convertMessages, before put)
        assert m.task("kafka_connect_sink_task_sink_record_send_total", strict) == 0
        # the task had started: a failure afterwards is no startup failure
        assert m.get("kafka_connect_worker_task_startup_failure_total") == 0
        assert m.get("kafka_connect_worker_task_startup_success_total") == 2
        print("errors: %d of %d records bad" % (bad, len(recs)))
    finally:
        w.stop()


def test_distributed_rebalance_metrics():
    wd = kctest.tmpdir("kc-metrics-dist-")
    group = unique("mgroup")
    props = kctest.distributed_props(group)
    a = kctest.Worker(wd, worker_props=props, mode="distributed").start()
    b = None
    try:
        kctest.wait_until(lambda: a.alive_or_raise() and a.get("/health")[0] == 200, 90, what="worker healthy")
        m = kctest.wait_until(lambda: (lambda s: s if s.get("kafka_connect_worker_rebalance_rebalancing") == 0 and
                                       s.get("kafka_connect_worker_rebalance_completed_rebalances_total") >= 1
                                       else None)(Scrape(a)), 30, what="first rebalance done")
        leader = "http://127.0.0.1:%d/" % a.port
        assert m.get("kafka_connect_worker_rebalance_leader_name", leader_name=leader) == 1, m.text
        assert m.get("kafka_connect_worker_rebalance_connect_protocol", connect_protocol="SESSIONED") == 1
        epoch = m.get("kafka_connect_worker_rebalance_epoch")
        done = m.get("kafka_connect_worker_rebalance_completed_rebalances_total")
        assert epoch >= 1
        assert 0 <= m.get("kafka_connect_worker_rebalance_rebalance_avg_time_ms") <= \
            m.get("kafka_connect_worker_rebalance_rebalance_max_time_ms") < 60000
        assert 0 <= m.get("kafka_connect_worker_rebalance_time_since_last_rebalance_ms") < 120000
        # a connector: its instance and task are assigned to the only member
        name = unique("mdist")
        cfg = kctest.file_source(name, os.path.join(wd, "none.txt"), unique("mdist-topic"))
        assert a.request("POST", "/connectors", {"name": name, "config": cfg})[0] == 201
        a.wait_running(name)
        client = "connect-127.0.0.1:%d" % a.port
        m = kctest.wait_until(lambda: (lambda s: s if s.get("kafka_connect_coordinator_assigned_tasks",
                                                            clientid=client) == 1 else None)(Scrape(a)), 60,
                              what="the task in the coordinator metrics")
        assert m.get("kafka_connect_coordinator_assigned_connectors", clientid=client) == 1
        epoch = m.get("kafka_connect_worker_rebalance_epoch")
        done = m.get("kafka_connect_worker_rebalance_completed_rebalances_total")
        # a second member: both rebalance again, under a newer generation
        b = kctest.Worker(wd, worker_props=props, mode="distributed").start()
        kctest.wait_until(lambda: b.alive_or_raise() and b.get("/health")[0] == 200, 90, what="second worker healthy")
        m = kctest.wait_until(lambda: (lambda s: s if s.get("kafka_connect_worker_rebalance_epoch") > epoch and
                                       s.get("kafka_connect_worker_rebalance_rebalancing") == 0 else None)(Scrape(a)),
                              60, what="first worker rebalanced again")
        assert m.get("kafka_connect_worker_rebalance_completed_rebalances_total") > done
        mb = Scrape(b)
        assert mb.labels_of("kafka_connect_worker_rebalance_leader_name") == \
            m.labels_of("kafka_connect_worker_rebalance_leader_name")
        print("distributed: epoch %d -> %d" % (epoch, m.get("kafka_connect_worker_rebalance_epoch")))
    finally:
        if b:
            b.stop()
        a.stop()


def test_metrics_settings():
    wd = kctest.tmpdir("kc-metrics-rep-")
    # Java reporters cannot run: refused at start (WorkerConfig's checks otherwise, Connect's messages)
    for key, value, text in (
            ("metric.reporters", "io.confluent.metrics.reporter.ConfluentMetricsReporter", "cannot be loaded"),
            ("metric.reporters", "org.apache.kafka.common.metrics.JmxReporter,com.example.Other", "com.example.Other"),
            ("metrics.num.samples", "0", "metrics.num.samples"),
            ("metrics.sample.window.ms", "-1", "metrics.sample.window.ms"),
            ("metrics.recording.level", "TRACE", "String must be one of: INFO, DEBUG"),
            ("metrics.recording.level", "debug", "String must be one of: INFO, DEBUG")):
        w = kctest.Worker(wd, worker_props={key: value})
        w.start(wait=False)
        rc = w.proc.wait(60)
        w.log.close()
        assert rc != 0, w.tail()
        assert key in w.tail() and text in w.tail(), w.tail()
    # valid settings start; with admin.listeners set, /metrics stays on the REST listeners
    admin = kctest.free_port()
    # Connect's default reporter, spelled out, is accepted with a warning: /metrics stands in for JMX
    w = kctest.Worker(wd, worker_props={"metrics.recording.level": "DEBUG", "metrics.num.samples": "3",
                                        "metrics.sample.window.ms": "5000",
                                        "metric.reporters": "org.apache.kafka.common.metrics.JmxReporter",
                                        "admin.listeners": "http://127.0.0.1:%d" % admin}).start()
    try:
        assert Scrape(w).get("kafka_connect_worker_connector_count") == 0
        assert "kconnect has no JMX" in w.tail() and "GET /metrics" in w.tail(), w.tail()
        # label values are escaped: a connector name with a quote, a backslash and a space
        odd = 'm"x\\y %s' % unique("z")
        topic = kctest.create_topic(unique("metrics-odd"), 1)
        cfg = kctest.file_sink(odd, os.path.join(wd, "odd.out"), topic)
        assert w.request("POST", "/connectors", {"name": odd, "config": cfg})[0] == 201
        m = kctest.wait_until(lambda: (lambda s: s if ("kafka_connect_sink_task_sink_record_read_total",
                                                        (("connector", odd), ("task", "0"))) in s.samples
                                       else None)(Scrape(w)), 30, what="the odd connector's samples")
        assert m.get("kafka_connect_connector_status", connector=odd, status="running") == 1
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin, timeout=30)
            raise AssertionError("the admin listener served /metrics")
        except urllib.error.HTTPError as e:
            assert e.code == 404, e.code
    finally:
        w.stop()


def test_basic_auth_applies():
    """Connect's basic auth extension guards /metrics as every other REST path."""
    import base64
    wd = kctest.tmpdir("kc-metrics-auth-")
    creds = os.path.join(wd, "credentials.properties")
    with open(creds, "w") as f:
        f.write("scraper=s3cret\n")
    jaas = os.path.join(wd, "jaas.conf")
    with open(jaas, "w") as f:
        f.write("KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule "
                "required\n  file=\"%s\";\n};\n" % creds)
    w = kctest.Worker(wd, worker_props={
        "rest.extension.classes": "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
        "kconnect.rest.jaas.config.file": jaas})
    w.start(wait=False)
    url = "http://127.0.0.1:%d/metrics" % w.port

    def code(auth):
        req = urllib.request.Request(url)
        if auth:
            req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
    try:
        kctest.wait_until(lambda: w.alive_or_raise() and code(None)[0] == 401, 60, what="401 without credentials")
        assert code("scraper:wrong")[0] == 401
        st, text = code("scraper:s3cret")
        assert st == 200 and "kafka_connect_worker_connector_count 0" in text, (st, text[:200])
    finally:
        w.stop()


if __name__ == "__main__":
    kctest.main([test_file_pipeline_counters, test_error_counters, test_distributed_rebalance_metrics,
                 test_metrics_settings, test_basic_auth_applies])
