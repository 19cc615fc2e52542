"""Client overrides (issue 8 finding 1): connector.client.config.override.policy enforced as
Connect's policies are (None, Principal, All, Allowlist), at PUT .../config/validate, at creation
through REST (400 with Connect's error-count message) and for connector files on the command
line (logged and skipped, the worker keeps running); librdkafka settings that run commands or
load code can never come from a connector config, whatever the policy.

Real kconnect workers against the local broker.
"""
import atexit
import os
import time

import kctest
from kctest import wait_until

_workers = {}


def worker(policy, extra=None):
    key = (policy, tuple(sorted((extra or {}).items())))
    w = _workers.get(key)
    if w is None:
        props = {}
        if policy is not None:
            props["connector.client.config.override.policy"] = policy
        props.update(extra or {})
        w = kctest.Worker(kctest.tmpdir("kc-rest-ovr-"), props).start()
        atexit.register(w.stop)
        _workers[key] = w
    w.alive_or_raise()
    return w


def sink_config(name, outdir, **overrides):
    c = kctest.file_sink(name, os.path.join(outdir, name + ".out"), kctest.unique("ovr-topic"))
    c.update(overrides)
    return c


def test_kinit_cmd_never_runs():
    """The RCE repro: a connector's kinit command must never run, under the default policy."""
    w = worker(None)
    marker = os.path.join(w.workdir, "kinit-ran")
    name = kctest.unique("ovr-rce")
    cfg = sink_config(name, w.workdir, **{
        "consumer.override.security.protocol": "SASL_PLAINTEXT",
        "consumer.override.sasl.mechanism": "GSSAPI",
        "consumer.override.sasl.kerberos.kinit.cmd": "touch " + marker,
    })
    code, body = w.request("POST", "/connectors", {"name": name, "config": cfg})
    # Give a (wrongly) started task time to run kinit.
    time.sleep(3)
    assert not os.path.exists(marker), "the connector's kinit command ran"
    assert code == 400, (code, body)
    assert "'sasl.kerberos.kinit.cmd'" in body["message"], body
    # The validate endpoint reports it on the prefixed key.
    errs = errors_of(validate(w, cfg), "consumer.override.sasl.kerberos.kinit.cmd")
    assert errs and "runs a shell command" in errs[0], errs
    w.alive_or_raise()


def test_native_librdkafka_keys_refused():
    """plugin.library.paths and other non-Java keys never reach librdkafka from a connector."""
    w = worker("All")
    for key in ("consumer.override.plugin.library.paths", "consumer.override.ssl.engine.location",
                "consumer.override.queued.max.messages.kbytes"):
        name = kctest.unique("ovr-native")
        cfg = sink_config(name, w.workdir, **{key: "/nonexistent/x"})
        code, body = w.request("POST", "/connectors", {"name": name, "config": cfg})
        assert code == 400, (key, code, body)
        assert "'%s'" % key.split(".override.", 1)[1] in body["message"], (key, body)


def validate(w, cfg):
    code, body = w.request("PUT", "/connector-plugins/%s/config/validate" % cfg["connector.class"], cfg)
    assert code == 200, (code, body)
    return body


def errors_of(body, key):
    for c in body["configs"]:
        if c["value"]["name"] == key:
            return c["value"]["errors"]
    return None


def denied(policy, key):
    return ("The '%s' policy does not allow '%s' to be overridden in the connector configuration."
            % (policy, key))


def check_policy(policy, allowed_keys, denied_keys, extra=None):
    w = worker(policy, extra)
    name = kctest.unique("ovr-pol")
    values = {"sasl.jaas.config": None, "sasl.mechanism": "PLAIN", "security.protocol": "PLAINTEXT",
              "max.poll.records": "100", "client.id": "x"}
    keys = list(allowed_keys) + list(denied_keys)
    cfg = sink_config(name, w.workdir, **{"consumer.override." + k: values[k] or
                                          'org.apache.kafka.common.security.plain.PlainLoginModule '
                                          'required username="u" password="p";' for k in keys})
    body = validate(w, cfg)
    assert body["error_count"] == len(denied_keys), body
    for k in allowed_keys:
        assert not errors_of(body, "consumer.override." + k), (k, body)
    for k in denied_keys:
        assert errors_of(body, "consumer.override." + k) == [denied(policy or "All", k)], (k, body)
    code, resp = w.request("POST", "/connectors", {"name": name, "config": cfg})
    if denied_keys:
        assert code == 400, (code, resp)
        assert resp["message"].startswith(
            "Connector configuration is invalid and contains the following %d error(s):" % len(denied_keys)), resp
        for k in denied_keys:
            assert denied(policy, k) in resp["message"], resp
        code, _ = w.get("/connectors/%s" % name)
        assert code == 404
        # PUT /connectors/{c}/config is refused the same way.
        code, resp = w.request("PUT", "/connectors/%s/config" % name, cfg)
        assert code == 400, (code, resp)
    else:
        assert code == 201, (code, resp)
        w.request("DELETE", "/connectors/%s" % name)


def test_policy_all_default():
    check_policy(None, ["sasl.mechanism", "security.protocol", "max.poll.records", "client.id"], [])


def test_policy_none():
    check_policy("None", [], ["security.protocol", "max.poll.records"])


def test_policy_principal():
    check_policy("Principal", ["sasl.jaas.config", "sasl.mechanism", "security.protocol"],
                 ["max.poll.records", "client.id"])


def test_policy_principal_class_name():
    check_policy("org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy",
                 ["security.protocol"], [])


def test_policy_allowlist():
    check_policy("Allowlist", ["max.poll.records", "security.protocol"], ["client.id"],
                 {"connector.client.config.override.allowlist": "max.poll.records, security.protocol"})


def test_source_checks_producer_only():
    """A source connector's consumer.override.* keys are not checked (Connect checks the producer)."""
    w = worker("None")
    name = kctest.unique("ovr-src")
    cfg = kctest.file_source(name, os.path.join(w.workdir, "in.txt"), kctest.unique("ovr-topic"))
    cfg["consumer.override.max.poll.records"] = "5"
    cfg["producer.override.linger.ms"] = "5"
    body = validate(w, cfg)
    assert body["error_count"] == 1, body
    assert errors_of(body, "producer.override.linger.ms") == [denied("None", "linger.ms")], body


def test_unknown_policy_stops_worker():
    d = kctest.tmpdir("kc-rest-ovr-")
    w = kctest.Worker(d, {"connector.client.config.override.policy": "Everything"})
    w.start(wait=False)
    rc = w.proc.wait(30)
    w.log.close()
    assert rc != 0
    assert "connector.client.config.override.policy" in w.tail(), w.tail()


def test_connector_file_with_denied_override_is_skipped():
    """A connector file whose overrides the policy denies is logged and skipped; the worker runs on."""
    d = kctest.tmpdir("kc-rest-ovr-")
    marker = os.path.join(d, "kinit-ran")
    bad = kctest.unique("ovr-file-bad")
    good = kctest.unique("ovr-file-good")
    bad_cfg = sink_config(bad, d, **{
        "consumer.override.security.protocol": "SASL_PLAINTEXT",
        "consumer.override.sasl.mechanism": "GSSAPI",
        "consumer.override.sasl.kerberos.kinit.cmd": "touch " + marker})
    none_cfg = sink_config(kctest.unique("ovr-file-none"), d, **{"consumer.override.max.poll.records": "5"})
    w = kctest.Worker(d, {"connector.client.config.override.policy": "Principal"},
                      connectors=[bad_cfg, none_cfg, sink_config(good, d)])
    w.start()
    try:
        w.wait_running(good)
        time.sleep(2)
        assert not os.path.exists(marker)
        assert w.get("/connectors/%s" % bad)[0] == 404
        assert w.get("/connectors/%s" % none_cfg["name"])[0] == 404
        log = w.tail(400)
        assert "sasl.kerberos.kinit.cmd" in log, log
        assert denied("Principal", "max.poll.records") in log, log
    finally:
        assert w.stop() == 0


if __name__ == "__main__":
    kctest.main([v for k, v in sorted(globals().items()) if k.startswith("test_")])
