#!/usr/bin/env python3
"""Avro values (AvroConverter, real registry) into the S3 sink, JsonFormat and AvroFormat, and
Apicurio's Java serde as the other side of FileStreamSink/FileStreamSource.

The records are loghub rows written by confluent-kafka's AvroSerializer (test/avro_peer.py); the
S3 server is tools/s3-local (through kctest.s3_server_start, so this file holds the s3-local lock).
"""
import base64
import collections
import datetime
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kctest  # noqa: E402
import avro_peer  # noqa: E402
import apicurio_peer  # noqa: E402
import test_avro_converter as tac  # noqa: E402
import test_s3_sink as s3e  # noqa: E402

N = 300
FLUSH = 100


def _unscaled_b64(d):
    """JsonConverter's BASE64 decimal: BigInteger.toByteArray of the unscaled value."""
    n = int(d.scaleb(-d.as_tuple().exponent))
    raw = n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True)
    return base64.b64encode(raw).decode()


def json_line(schema_str, rec):
    """What Confluent's S3 JsonFormat writes for the Connect value AvroData makes of rec: fields in
    schema order, timestamp-millis as epoch ms, decimals base64 (json.decimal.format=BASE64)."""
    out = []
    for f in json.loads(schema_str)["fields"]:
        v = rec.get(f["name"])
        t = f["type"]
        if isinstance(t, list):
            t = [b for b in t if b != "null"][0]
        lt = t.get("logicalType") if isinstance(t, dict) else None
        if v is not None and lt == "timestamp-millis":
            v = int(v.timestamp() * 1000)
        elif v is not None and lt == "decimal":
            v = _unscaled_b64(v)
        out.append((f["name"], v))
    return out


def _connector(name, topic, bucket, wd, fmt, **extra):
    c = s3e.s3_connector(name, [topic], bucket, os.path.join(wd, "spool-" + name), FLUSH, **{
        "format.class": fmt,
        "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        "timestamp.extractor": "RecordField",
        "timestamp.field": "timestamp",
        "path.format": "'dt'=YYYY-MM-dd",
        "partition.duration.ms": "86400000",
        "locale": "en-US",
        "timezone": "UTC",
    })
    c.update(extra)
    # The worker's AvroConverter (and its registry settings) applies: a connector naming
    # value.converter itself would take that converter's settings from its own config only.
    c.pop("value.converter")
    c.pop("value.converter.schemas.enable", None)
    return c


def _wait_committed(w, name, topic, n):
    def done():
        w.alive_or_raise()
        code, st = w.status(name)
        if code == 200 and any(t["state"] == "FAILED" for t in st.get("tasks", [])):
            raise s3e.StopWaiting("task FAILED: %s" % json.dumps(st)[:3000])
        return s3e.committed(w, name).get((topic, 0)) == n
    s3e.wait_until_strict(done, 120, "%s to commit %d" % (name, n))


def _day(ms):
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime("%Y-%m-%d")


def test_s3_json_and_avro_formats():
    """Avro records -> S3 JsonFormat (Java's JSON of the Connect values, under the day of their
    timestamp field) and -> S3 AvroFormat with deflate and snappy (fastavro reads back the input;
    the writer schema keeps the logical types and AvroData's metadata, and the registry version)."""
    started = kctest.s3_server_start()
    proxy = tac.Proxy()
    wd = kctest.tmpdir()
    schema, recs = avro_peer.loghub_records("HDFS", N)
    topic = kctest.unique("avro-s3")
    kctest.create_topic(topic, 1)
    avro_peer.produce(kctest.BOOTSTRAP, topic, tac.registry_url(), schema, recs)
    buckets = {fmt: kctest.s3_create_bucket(kctest.unique("avro-s3-" + fmt)) for fmt in ("json", "deflate", "snappy")}
    names = {fmt: kctest.unique("avro-s3-" + fmt) for fmt in buckets}
    conns = [_connector(names["json"], topic, buckets["json"], wd, "io.confluent.connect.s3.format.json.JsonFormat")]
    for codec in ("deflate", "snappy"):
        conns.append(_connector(names[codec], topic, buckets[codec], wd,
                                "io.confluent.connect.s3.format.avro.AvroFormat", **{"avro.codec": codec}))
    w = kctest.Worker(wd, tac.worker_props(proxy), conns).start()
    try:
        for n in names.values():
            _wait_committed(w, n, topic, N)
        # JsonFormat
        got = []
        for key, _ in kctest.s3_list_objects(buckets["json"]):
            assert key.endswith(".json"), key
            for line in kctest.s3_get(buckets["json"], key).decode().splitlines():
                pairs = json.loads(line, object_pairs_hook=list)
                got.append(pairs)
                ts = dict(pairs)["timestamp"]
                assert "/dt=%s/" % _day(ts) in key, (key, ts)
        want = [json_line(schema, r) for r in recs]
        assert got == want, "first difference: %r" % (next((a, b) for a, b in zip(got, want) if a != b),)
        # AvroFormat
        import fastavro
        for codec in ("deflate", "snappy"):
            back, writer = [], None
            for key, _ in kctest.s3_list_objects(buckets[codec]):
                assert key.endswith(".avro"), key
                r = fastavro.reader(io.BytesIO(kctest.s3_get(buckets[codec], key)))
                assert r.codec == codec, (key, r.codec)
                writer = r.writer_schema
                back.extend(dict(x) for x in r)
            assert back == recs, "first difference: %r" % (next((a, b) for a, b in zip(back, recs) if a != b),)
            fields = {f["name"]: f for f in writer["fields"]}
            assert fields["timestamp"]["type"]["logicalType"] == "timestamp-millis", writer
            assert fields["weight"]["type"]["logicalType"] == "decimal", writer
            assert fields["weight"]["type"]["scale"] == 2, writer
            assert writer.get("connect.name") == "io.kconnect.loghub.HDFS", writer
            assert isinstance(writer.get("connect.version"), int), writer  # the subject version
        print("AvroFormat writer schema: %s" % json.dumps(writer)[:400])
    finally:
        w.stop()
        proxy.stop()
        for b in buckets.values():
            kctest.s3_delete_bucket(b)
        if started:
            kctest.s3_server_stop()


def test_java_serde_peer():
    """Apicurio's Java serde (Confluent mode) writes, kconnect's FileStreamSink prints what Java
    prints; kconnect's FileStreamSource writes, the Java serde reads the lines."""
    proxy = tac.Proxy()
    wd = kctest.tmpdir()
    schema, recs = avro_peer.loghub_records("OpenSSH", 200)
    topic_in = kctest.unique("avro-java-in")
    kctest.create_topic(topic_in, 1)
    apicurio_peer.produce(kctest.BOOTSTRAP, tac.registry_url(), topic_in, schema,
                          [avro_peer.to_json(r) for r in recs])
    lines = kctest.numbered_loghub_lines(200)
    src = os.path.join(wd, "in.txt")
    with open(src, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    topic_out = kctest.unique("avro-java-out")
    kctest.create_topic(topic_out, 1)
    out = os.path.join(wd, "sink.txt")
    sink, source = kctest.unique("avro-java-sink"), kctest.unique("avro-java-source")
    w = kctest.Worker(wd, tac.worker_props(proxy), [kctest.file_sink(sink, out, topic_in),
                                                    kctest.file_source(source, src, topic_out)]).start()
    try:
        kctest.wait_for_lines(out, len(recs), timeout=120, worker=w)
        assert [l.decode() for l in kctest.read_sink_lines(out)] == [tac.java_struct(schema, r) for r in recs]
        got = apicurio_peer.consume(kctest.BOOTSTRAP, tac.registry_url(), topic_out, len(lines), 90)
        assert [v for _, v, _ in got] == [l.decode() for l in lines], collections.Counter(type(v) for _, v, _ in got)
    finally:
        w.stop()
        proxy.stop()


def main():
    try:
        kctest.main([test_s3_json_and_avro_formats, test_java_serde_peer])
    finally:
        if tac._registry.get("started"):
            import subprocess
            subprocess.run([tac._registry["tool"], "stop"])


if __name__ == "__main__":
    main()
