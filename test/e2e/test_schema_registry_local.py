"""The test bed of the Avro tests: the local Schema Registry (tools/schema-registry-local,
Apicurio's Confluent-compatible API), the basic-auth proxy in front of it (test/sr_auth_proxy.py),
and the two independent peers of Confluent's wire format (test/avro_peer.py: Confluent's Python
client; test/apicurio_peer.py: Apicurio's Java serde). kconnect's AvroConverter tests trust these;
here they are checked against each other, through a real Kafka broker.

Starts the registry through the tool if none runs, and stops it only if this file started it
(the registry is shared by parallel test files; tools/test decides when to stop it).
"""
import base64
import json
import os
import subprocess
import urllib.error
import urllib.request

import kctest
import avro_peer
import apicurio_peer
import sr_auth_proxy

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "schema-registry-local")
CT = "application/vnd.schemaregistry.v1+json"


def _tool(cmd, check=True):
    r = subprocess.run([TOOL, cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if check and r.returncode != 0:
        raise AssertionError("tools/schema-registry-local %s failed (%d): %s" % (cmd, r.returncode, r.stderr.decode()))
    return r


def registry_start():
    """Starts the registry unless the tool already runs one; True only if this call started it."""
    if _tool("status", check=False).returncode == 0:
        return False
    _tool("start")
    return _tool("status", check=False).returncode == 0


REGISTRY = _tool("url").stdout.decode().strip()


def http(method, url, body=None, auth=None, headers=None):
    """One request; returns (status, parsed JSON body or raw text, response headers)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", CT)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw, hdrs = r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        status, raw, hdrs = e.code, e.read(), e.headers
    try:
        return status, json.loads(raw), hdrs
    except ValueError:
        return status, raw.decode(errors="replace"), hdrs


def _fields(schema_str):
    s = json.loads(schema_str)
    return s.get("namespace"), s["name"], [(f["name"], json.dumps(f["type"], sort_keys=True)) for f in s["fields"]]


def test_ccompat_api():
    """The Confluent endpoints the AvroConverter uses answer with Confluent's shapes and codes."""
    subject = kctest.unique("sr-api") + "-value"
    schema, _ = avro_peer.loghub_records("Apache", 1)
    st, body, _ = http("POST", "%s/subjects/%s/versions" % (REGISTRY, subject), {"schema": schema})
    assert st == 200 and isinstance(body.get("id"), int), (st, body)
    sid = body["id"]
    # Same schema again, and in other whitespace (canonical mode): the same id, no new version.
    st, again, _ = http("POST", "%s/subjects/%s/versions?normalize=true" % (REGISTRY, subject),
                        {"schema": json.dumps(json.loads(schema), indent=2)})
    assert (st, again) == (200, {"id": sid}), (st, again)
    st, body, _ = http("GET", "%s/schemas/ids/%d" % (REGISTRY, sid))
    assert st == 200 and _fields(body["schema"]) == _fields(schema), (st, body)
    st, body, _ = http("GET", "%s/subjects/%s/versions/latest" % (REGISTRY, subject))
    assert st == 200 and (body["id"], body["subject"], body["version"]) == (sid, subject, 1), body
    st, body, _ = http("POST", "%s/subjects/%s" % (REGISTRY, subject), {"schema": schema})
    assert st == 200 and (body["id"], body["version"]) == (sid, 1), (st, body)
    st, body, _ = http("GET", "%s/subjects/%s/versions/latest" % (REGISTRY, subject + "-none"))
    assert st == 404 and body["error_code"] == 40401, (st, body)
    st, body, _ = http("GET", "%s/schemas/ids/%d" % (REGISTRY, 2**31 - 7))
    assert st == 404 and body["error_code"] == 40403, (st, body)
    evolved, _ = avro_peer.loghub_evolved("Apache", 1)
    st, body, _ = http("POST", "%s/subjects/%s" % (REGISTRY, subject), {"schema": evolved})
    assert st == 404 and body["error_code"] == 40403, (st, body)
    # Compatibility is enforced once set (Apicurio's default is NONE, Confluent's BACKWARD).
    st, body, _ = http("PUT", "%s/config/%s" % (REGISTRY, subject), {"compatibility": "BACKWARD"})
    assert st == 200, (st, body)
    bad = json.loads(evolved)
    bad["fields"][-1].pop("default")
    st, body, _ = http("POST", "%s/subjects/%s/versions" % (REGISTRY, subject), {"schema": json.dumps(bad)})
    assert st == 409 and body["error_code"] == 409, (st, body)
    st, body, _ = http("POST", "%s/subjects/%s/versions" % (REGISTRY, subject), {"schema": evolved})
    assert st == 200 and body["id"] != sid, (st, body)


def test_proxy_basic_auth():
    """Wrong or missing credentials get Confluent's 401; the right ones reach the registry."""
    port, srv = sr_auth_proxy.start(REGISTRY, "sr-user", "sr-secret")
    try:
        base = "http://127.0.0.1:%d" % port
        for auth in (None, ("sr-user", "wrong"), ("other", "sr-secret")):
            st, body, hdrs = http("GET", base + "/subjects", auth=auth)
            assert st == 401 and body == {"error_code": 401, "message": "Unauthorized"}, (auth, st, body)
            assert hdrs.get("WWW-Authenticate", "").startswith("Basic"), dict(hdrs)
        subject = kctest.unique("sr-proxy") + "-value"
        schema, recs = avro_peer.loghub_records("OpenSSH", 3)
        st, body, _ = http("POST", "%s/subjects/%s/versions" % (base, subject), {"schema": schema},
                           auth=("sr-user", "sr-secret"))
        assert st == 200 and "id" in body, (st, body)
        st, direct, _ = http("GET", "%s/subjects/%s/versions/latest" % (REGISTRY, subject))
        assert st == 200 and direct["id"] == body["id"], (st, direct)
        # An error passes through unchanged (status and Confluent body).
        st, err, _ = http("GET", base + "/subjects/%s-none/versions/latest" % subject, auth=("sr-user", "sr-secret"))
        assert st == 404 and err["error_code"] == 40401, (st, err)
        # Confluent's client through the proxy: refused with the wrong password, works with the right one.
        from confluent_kafka.schema_registry.error import SchemaRegistryError
        topic = kctest.unique("sr-proxy")
        try:
            avro_peer.produce(kctest.BOOTSTRAP, topic, base, schema, recs, auth=("sr-user", "nope"))
            raise AssertionError("produce with a wrong password succeeded")
        except SchemaRegistryError as e:
            assert e.http_status_code == 401 and e.error_code == 401, e
        ids = avro_peer.produce(kctest.BOOTSTRAP, topic, base, schema, recs, auth=("sr-user", "sr-secret"))
        got = avro_peer.consume(kctest.BOOTSTRAP, topic, base, 3, 60, auth=("sr-user", "sr-secret"))
        assert [g[1] for g in got] == recs and [g[2] for g in got] == ids
        assert srv.rejected >= 4 and srv.requests > srv.rejected, (srv.requests, srv.rejected)
    finally:
        srv.shutdown()


def test_python_round_trip_loghub():
    """Confluent's serializer and deserializer agree through Kafka for each LogHub schema, and the
    id in each record's framing is one GET /schemas/ids/{id} resolves to that schema."""
    for system in ("Apache", "HDFS", "OpenSSH"):
        schema, recs = avro_peer.loghub_records(system, 40)
        topic = kctest.unique("sr-py-" + system.lower())
        ids = avro_peer.produce(kctest.BOOTSTRAP, topic, REGISTRY, schema, recs, key="k-" + system)
        got = avro_peer.consume(kctest.BOOTSTRAP, topic, REGISTRY, len(recs), 60)
        assert [g[1] for g in got] == recs, system
        assert {g[0] for g in got} == {"k-" + system} and [g[2] for g in got] == ids, system
        assert any(r.get("event_template") for r in recs) and all(r["timestamp"].year > 2000 for r in recs)
        st, body, _ = http("GET", "%s/schemas/ids/%d" % (REGISTRY, ids[0]))
        assert st == 200 and _fields(body["schema"]) == _fields(schema), (system, st, body)


def test_python_writes_java_reads():
    schema, recs = avro_peer.loghub_records("HDFS", 25)
    topic = kctest.unique("sr-py2java")
    ids = avro_peer.produce(kctest.BOOTSTRAP, topic, REGISTRY, schema, recs, key="py")
    got = apicurio_peer.consume(kctest.BOOTSTRAP, REGISTRY, topic, len(recs), timeout=60)
    assert [g[1] for g in got] == [avro_peer.to_json(r) for r in recs]
    assert [g[2] for g in got] == ids and {g[0] for g in got} == {"py"}


def test_java_writes_python_reads():
    """Apicurio's serde in Confluent mode frames ids that ccompat resolves (contentIds)."""
    schema, recs = avro_peer.loghub_records("Apache", 25)
    topic = kctest.unique("sr-java2py")
    ids = apicurio_peer.produce(kctest.BOOTSTRAP, REGISTRY, topic, schema, [avro_peer.to_json(r) for r in recs],
                                key="jv")
    assert len(set(ids)) == 1, ids
    st, body, _ = http("GET", "%s/schemas/ids/%d" % (REGISTRY, ids[0]))
    assert st == 200 and _fields(body["schema"]) == _fields(schema), (st, body)
    st, latest, _ = http("GET", "%s/subjects/%s-value/versions/latest" % (REGISTRY, topic))
    assert st == 200 and latest["id"] == ids[0], (st, latest)
    got = avro_peer.consume(kctest.BOOTSTRAP, topic, REGISTRY, len(recs), 60)
    assert [g[1] for g in got] == recs
    assert [g[2] for g in got] == ids and {g[0] for g in got} == {"jv"}


def test_schema_evolution_both_peers():
    """Old and evolved records on one topic: each reader decodes each record with its writer's
    schema (found by the framed id), so only the evolved ones carry the added field."""
    old, old_recs = avro_peer.loghub_records("Apache", 5)
    new, new_recs = avro_peer.loghub_evolved("Apache", 5)
    topic = kctest.unique("sr-evolve")
    ids_old = avro_peer.produce(kctest.BOOTSTRAP, topic, REGISTRY, old, old_recs)
    ids_new = apicurio_peer.produce(kctest.BOOTSTRAP, REGISTRY, topic, new, [avro_peer.to_json(r) for r in new_recs])
    assert set(ids_old).isdisjoint(ids_new), (ids_old, ids_new)
    st, versions, _ = http("GET", "%s/subjects/%s-value/versions" % (REGISTRY, topic))
    assert st == 200 and len(versions) == 2, (st, versions)
    got = avro_peer.consume(kctest.BOOTSTRAP, topic, REGISTRY, 10, 60)
    assert [g[1] for g in got] == old_recs + new_recs
    assert all("source" not in g[1] for g in got[:5]) and all(g[1]["source"] == "loghub-apache" for g in got[5:])
    jgot = apicurio_peer.consume(kctest.BOOTSTRAP, REGISTRY, topic, 10, timeout=60)
    assert [g[1] for g in jgot] == [avro_peer.to_json(r) for r in old_recs + new_recs]
    assert [g[2] for g in jgot] == ids_old + ids_new


if __name__ == "__main__":
    started = registry_start()
    try:
        kctest.main([test_ccompat_api, test_proxy_basic_auth, test_python_round_trip_loghub,
                     test_python_writes_java_reads, test_java_writes_python_reads, test_schema_evolution_both_peers])
    finally:
        if started:
            _tool("stop")
