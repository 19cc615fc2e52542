"""Config providers (KIP-297/421/887) on the real broker: a standalone worker with
config.providers=file,dir,env; a worker setting and connector settings given as
${provider:path:key}; tasks run with the values, REST shows the variables, and no secret reaches
the log or a REST answer.
"""
import json
import os

import kctest


def test_secrets_reach_the_task_only():
    wd = kctest.tmpdir()
    secrets = os.path.join(wd, "secrets")
    os.makedirs(secrets)
    token = "tok-" + kctest.unique("s")  # the secret: inserted into every record by a transform
    out = os.path.join(wd, "sink.txt")
    with open(os.path.join(wd, "app.properties"), "w") as f:
        f.write("sink.path=%s\nflush=500\n" % out)
    with open(os.path.join(secrets, "token"), "w") as f:
        f.write(token)
    topic = kctest.unique("cp-t")
    os.environ["KC_CP_E2E_TOPIC"] = topic
    props_file = os.path.join(wd, "app.properties")
    worker = {
        "config.providers": "file,dir,env",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.dir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
        "config.providers.dir.param.allowed.paths": secrets,
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "config.providers.env.param.allowlist.pattern": "KC_CP_E2E_.*",
        "offset.flush.interval.ms": "${file:%s:flush}" % props_file,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
    }
    conn = kctest.file_sink("cpsink", "${file:%s:sink.path}" % props_file, "${env:KC_CP_E2E_TOPIC}", **{
        "transforms": "tok", "transforms.tok.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.tok.static.field": "token", "transforms.tok.static.value": "${dir:%s:token}" % secrets})
    w = kctest.Worker(wd, worker_props=worker, connectors=[conn]).start()
    try:
        lines = [json.dumps({"n": i, "line": l.decode("utf-8", "replace")}).encode()
                 for i, l in enumerate(kctest.numbered_loghub_lines(2000))]
        kctest.kcat("-P", "-t", topic, input_bytes=b"\n".join(lines) + b"\n")
        kctest.wait_for_lines(out, len(lines), worker=w)
        got = kctest.read_sink_lines(out)
        assert len(got) == len(lines)
        assert all(("token=%s" % token).encode() in g for g in got), got[:2]
        code, cfg = w.get("/connectors/cpsink/config")
        assert code == 200 and cfg["topics"] == "${env:KC_CP_E2E_TOPIC}", cfg
        assert cfg["transforms.tok.static.value"] == "${dir:%s:token}" % secrets
        answers = [w.get(p) for p in ("/connectors/cpsink", "/connectors/cpsink/config", "/connectors/cpsink/tasks",
                                      "/connectors/cpsink/status", "/connectors?expand=info&expand=status")]
        for code, body in answers:
            assert code == 200 and token not in json.dumps(body), body
        code, tasks = w.get("/connectors/cpsink/tasks")
        assert tasks[0]["config"]["topics"] == "${env:KC_CP_E2E_TOPIC}", tasks
        # the worker setting came from the file: offsets are flushed every 500 ms
        assert "offset.flush.interval.ms" not in w.tail(400)
    finally:
        assert w.stop() == 0
    with open(w.log_path, "rb") as f:
        assert token.encode() not in f.read()


def test_unreadable_secret_fails_the_task():
    wd = kctest.tmpdir()
    worker = {"config.providers": "file",
              "config.providers.file.class": "FileConfigProvider"}
    missing = os.path.join(wd, "missing.properties")
    conn = kctest.file_sink("cpbad", os.path.join(wd, "o.txt"), "${file:%s:topic}" % missing)
    w = kctest.Worker(wd, worker_props=worker, connectors=[conn]).start()
    try:
        def failed():
            code, st = w.status("cpbad")
            return code == 200 and st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st["tasks"][0]
        t = kctest.wait_until(failed, 30, what="task FAILED")
        assert "Could not read properties from file %s" % missing in t["trace"], t
    finally:
        assert w.stop() == 0


def test_bad_provider_stops_the_worker():
    wd = kctest.tmpdir()
    w = kctest.Worker(wd, worker_props={"config.providers": "vault",
                                        "config.providers.vault.class": "com.example.VaultConfigProvider"})
    w.start(wait=False)
    w.proc.wait(30)
    assert w.proc.returncode == 1, w.tail()
    assert "Class com.example.VaultConfigProvider could not be found." in w.tail()


if __name__ == "__main__":
    kctest.main([test_secrets_reach_the_task_only, test_unreadable_secret_fails_the_task,
                 test_bad_provider_stops_the_worker])
