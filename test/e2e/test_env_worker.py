"""A worker configured only by CONNECT_* variables (Confluent's image convention), and connector
files in JSON, on the real broker.

- distributed with no worker file: CONNECT_BOOTSTRAP_SERVERS, CONNECT_GROUP_ID, the storage topics
  ... become the worker keys; a FileStreamSink created over REST writes every line produced.
- standalone with "-" and a JSON CreateConnectorRequest file: a FileStreamSource produces a file's
  lines to a topic.
- no worker file and no CONNECT_* variable: exit 1 with a message saying what to give.
"""
import json
import os
import subprocess

import kctest


def env_for(props):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECT_")}
    for k, v in props.items():
        env["CONNECT_" + k.replace("_", "__").replace("-", "___").replace(".", "_").upper()] = v
    return env


class EnvWorker(kctest.Worker):
    def __init__(self, workdir, mode, props, args=()):
        super().__init__(workdir, mode=mode)
        self.env_props = dict(props, listeners="http://127.0.0.1:%d" % self.port)
        self.args = list(args)

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([kctest.BIN, self.mode] + self.args, env=env_for(self.env_props),
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        if wait:
            kctest.wait_until(lambda: self.alive_or_raise() and self.get("/")[0] == 200, 60, what="REST")
        return self


def test_distributed_from_env():
    wd = kctest.tmpdir()
    group = kctest.unique("envg")
    props = dict(kctest.distributed_props(group), **{
        "bootstrap.servers": kctest.BOOTSTRAP, "rest.advertised.host.name": "127.0.0.1",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "offset.flush.interval.ms": "1000"})
    w = EnvWorker(wd, "distributed", props).start()
    try:
        log = open(w.log_path, "rb").read().decode()
        assert "worker config from %d CONNECT_* variable(s)" % (len(props) + 1) in log, log
        topic = kctest.unique("env-t")
        lines = kctest.numbered_loghub_lines(2000)
        kctest.kcat("-P", "-t", topic, input_bytes=b"\n".join(lines) + b"\n")
        out = os.path.join(wd, "sink.txt")
        req = {"name": "envsink", "config": kctest.file_sink("envsink", out, topic)}
        # 409 while the new worker's first rebalance is under way, as Connect answers: retried
        kctest.wait_until(lambda: w.request("POST", "/connectors", req)[0] == 201, 60, what="connector created")
        kctest.wait_for_lines(out, len(lines), worker=w)
        assert kctest.read_sink_lines(out) == lines
        # the worker's group is the one the variable named: the cluster's config topic holds the connector
        assert kctest.topic_end_offset(group + "-configs") > 0
    finally:
        assert w.stop() == 0


def test_standalone_env_with_json_connector():
    wd = kctest.tmpdir()
    src = os.path.join(wd, "in.txt")
    lines = kctest.numbered_loghub_lines(1500)
    with open(src, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    topic = kctest.unique("env-src")
    conn = os.path.join(wd, "source.json")
    with open(conn, "w") as f:
        json.dump({"name": "jsrc", "config": {"connector.class": "FileStreamSource", "file": src, "topic": topic,
                                              "tasks.max": 1}}, f)
    props = {"bootstrap.servers": kctest.BOOTSTRAP,
             "key.converter": "org.apache.kafka.connect.storage.StringConverter",
             "value.converter": "org.apache.kafka.connect.storage.StringConverter",
             "offset.storage.file.filename": os.path.join(wd, "offsets"), "offset.flush.interval.ms": "1000"}
    w = EnvWorker(wd, "standalone", props, ["-", conn]).start()
    try:
        w.wait_running("jsrc")

        def produced():
            try:
                return kctest.topic_end_offset(topic) >= len(lines)
            except Exception:  # noqa: BLE001 - the topic is created by the first produce
                return False
        kctest.wait_until(produced, 60, what="%d records in %s" % (len(lines), topic))
        got = kctest.consume_all(topic, len(lines))
        assert got == lines, (len(got), len(lines))
        code, cfg = w.get("/connectors/jsrc/config")
        assert code == 200 and cfg["name"] == "jsrc" and cfg["tasks.max"] == "1", cfg
    finally:
        assert w.stop() == 0


def test_no_worker_config():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECT_")}
    p = subprocess.run([kctest.BIN, "distributed"], env=env, capture_output=True, timeout=30)
    assert p.returncode == 1, p
    assert b"no worker config: give WORKER.properties, or set CONNECT_* variables" in p.stdout + p.stderr, p


if __name__ == "__main__":
    kctest.main([test_distributed_from_env, test_standalone_env_with_json_connector, test_no_worker_config])
