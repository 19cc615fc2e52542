"""End to end: server-side encryption of the S3 sink (issue 8, finding 9b) against the local S3
server (tools/s3-local, versitygw) and the local Kafka broker.

versitygw ignores every x-amz-server-side-encryption* request header and answers PutObject
without the matching response header, i.e. it stores the object unencrypted. The sink fails
closed: with s3.ssea.name=AES256 (SSE-S3), aws:kms with s3.sse.kms.key.id (SSE-KMS), or AES256
with s3.sse.customer.key (SSE-C), the task must FAIL with a message naming the bucket and the
missing confirmation header, commit no offset, and never print the customer key. The exact
headers sent are checked in test/unit/test_s3_sse.c. Bad key combinations are refused by
/config/validate naming the key. The S3 server is started through test_s3_sink.S3Server
(kctest.s3_server_start), so CMake gives this test the s3-local lock.
"""
import base64
import os
import shutil

import kctest
from kctest import unique
import test_s3_sink as s3e

KEY = base64.b64encode(bytes(range(100, 132))).decode()

CASES = [
    ("sse-s3", {"s3.ssea.name": "AES256"}, "x-amz-server-side-encryption header"),
    ("sse-kms", {"s3.ssea.name": "aws:kms", "s3.sse.kms.key.id": "alias/kconnect-test"},
     "x-amz-server-side-encryption header"),
    ("sse-c", {"s3.ssea.name": "AES256", "s3.sse.customer.key": KEY},
     "x-amz-server-side-encryption-customer-algorithm header"),
]


def test_sse_fails_closed_on_versitygw():
    with s3e.S3Server():
        wd = kctest.tmpdir("kc-s3sse-")
        topic = kctest.create_topic(unique("s3sse"), 1)
        s3e.produce(topic, [(b"k%d" % i, s3e.json_line({"i": i})) for i in range(10)], partition=0)
        conns, buckets = [], {}
        for label, extra, _ in CASES:
            b = kctest.s3_create_bucket(unique("kc-s3sse-" + label))
            c = s3e.s3_connector(unique("s3sse-" + label), [topic], b, os.path.join(wd, "spool"), 5, **extra)
            conns.append(c)
            buckets[c["name"]] = b
        w = kctest.Worker(wd, s3e.WORKER_PROPS, conns).start()
        try:
            for (label, _, header), c in zip(CASES, conns):
                def failed():
                    w.alive_or_raise()
                    code, st = w.status(c["name"])
                    return code == 200 and st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st
                st = kctest.wait_until(failed, 60, 0.2, "%s task FAILED" % label)
                trace = st["tasks"][0].get("trace", "")
                assert buckets[c["name"]] in trace, trace
                assert "lacks the " + header in trace, "%s: %r" % (label, trace)
                assert "unencrypted" in trace, trace
                assert KEY not in trace
                assert s3e.committed(w, c["name"]) == {}, "offsets were committed"
                print("  %-7s trace: %s" % (label, trace.splitlines()[0][:260]), flush=True)
            with open(w.log_path, "rb") as f:
                assert KEY.encode() not in f.read(), "the customer key is in the worker log"
            # /config/validate names the key of a bad combination
            env = kctest.s3_env()
            base = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic,
                    "s3.bucket.name": "b", "format.class": "JsonFormat", "flush.size": "5",
                    "store.url": env["endpoint"]}
            for extra, key, words in (
                    ({"s3.ssea.name": "AES256", "s3.sse.customer.key": "c2hvcnQ="}, "s3.sse.customer.key",
                     "32-byte"),
                    ({"s3.ssea.name": "aws:kms", "s3.sse.customer.key": KEY}, "s3.sse.customer.key",
                     "s3.ssea.name=AES256"),
                    ({"s3.sse.kms.key.id": "k1"}, "s3.sse.kms.key.id", "s3.ssea.name=aws:kms")):
                code, res = w.request("PUT", "/connector-plugins/S3SinkConnector/config/validate",
                                      dict(base, **extra))
                assert code == 200, (code, res)
                errs = {cfg["value"]["name"]: cfg["value"]["errors"] for cfg in res["configs"]}
                assert any(words in e for e in errs.get(key, [])), (key, errs.get(key))
                assert not any(KEY in e for es in errs.values() for e in es)
        finally:
            w.stop()
        s3e.exited_ok(w)
        for b in buckets.values():
            kctest.s3_delete_bucket(b)
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_sse_fails_closed_on_versitygw])
