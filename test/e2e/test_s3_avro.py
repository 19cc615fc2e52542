"""End to end: the S3 sink's AvroFormat (format.class=io.confluent.connect.s3.format.avro.AvroFormat)
against the local S3 server (tools/s3-local, started through test_s3_sink.S3Server, so CMake gives
this test the s3-local lock) and the local Kafka broker.

Input: HDFS loghub rows as JsonConverter envelopes (schemas.enable=true) of a Struct
loghub.HdfsLine version 1: LineId int64, Level optional string (null on every fifth row),
Component, Content, ts (Timestamp: the row's own time), Amount (Decimal scale 2, a value derived
from LineId, negative ones included). Objects are read back twice, by Python's fastavro and by
Apache Avro's Java DataFileReader (test/java/AvroFileDump.java, avro 1.11.4 from Maven Central,
fetched once into a cache directory), and both must equal the input record for record; the
blocks (counts, compressed bytes) must equal what Java's DataFileWriter writes for the same records
with the same codec, and the whole file (header and avro.schema text included) equal Java's but
for the random sync marker.

Tests:
  codecs         avro.codec null, deflate (with s3.compression.type=gzip, which AvroFormat
                 ignores as Confluent does: still ".avro", not gzipped) and snappy, with
                 TimeBasedPartitioner on the ts field (hourly, UTC): object keys, each object's
                 codec and records, and the committed offsets as computed here; plus one object
                 of 1500 records (4 blocks of about 64000 bytes before compression)
  schema_change  version 2 of the schema adds Host (string, default "node-0") mid-stream, then
                 version-1 records come again; schema.compatibility NONE, BACKWARD and FORWARD
                 each rotate and project as TopicPartitionWriter + StorageSchemaCompatibility do
                 (simulated here): NONE rotates on every change, BACKWARD rotates when the
                 version goes up and projects older records (Host = its default), FORWARD
                 rotates when it goes down and projects newer records (Host dropped); a JsonFormat
                 connector with NONE rotates at the same records
"""
import base64
import datetime
import decimal
import io
import json
import os
import shutil
import subprocess

import kctest
from kctest import unique
import test_s3_sink as s3e

AVRO_VERSION = "1.11.4"
SNAPPY_JAVA_VERSION = "1.1.10.5"
ROWS = 400
FLUSH = 100

# ---- records --------------------------------------------------------------------------------


def field(name, schema):
    return dict(schema, field=name)


def value_schema(version):
    fields = [
        field("LineId", {"type": "int64", "optional": False}),
        field("Level", {"type": "string", "optional": True}),
        field("Component", {"type": "string", "optional": False}),
        field("Content", {"type": "string", "optional": False}),
        field("ts", {"type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp",
                     "version": 1}),
        field("Amount", {"type": "bytes", "optional": False, "name": "org.apache.kafka.connect.data.Decimal",
                         "version": 1, "parameters": {"scale": "2"}}),
    ]
    if version == 2:
        fields.append(field("Host", {"type": "string", "optional": False, "default": "node-0"}))
    return {"type": "struct", "optional": False, "name": "loghub.HdfsLine", "version": version,
            "fields": fields}


def unscaled(line_id):
    return line_id * 1373 - 250000  # Amount = unscaled / 100


def decimal_bytes(n):
    """BigInteger.toByteArray(): minimal big-endian two's complement."""
    length = 1
    while not -(1 << (8 * length - 1)) <= n < (1 << (8 * length - 1)):
        length += 1
    return n.to_bytes(length, "big", signed=True)


def model(row, version):
    """The record as a dict of what the files must hold: ts as epoch ms, Amount as plain text."""
    line_id = int(row["LineId"])
    m = {"LineId": line_id, "Level": None if line_id % 5 == 0 else row["Level"],
         "Component": row["Component"], "Content": row["Content"], "ts": row["ts"],
         "Amount": str(decimal.Decimal(unscaled(line_id)).scaleb(-2))}
    if version == 2:
        m["Host"] = "host-%d" % (line_id % 7)
    return m


def envelope(m, version):
    payload = dict(m)
    payload["Amount"] = base64.b64encode(decimal_bytes(unscaled(m["LineId"]))).decode()
    return s3e.json_line({"schema": value_schema(version), "payload": payload})


def project(m, version):
    """storage-common's SchemaProjector of a model record to @version (v1 <-> v2 only differ by Host)."""
    m = dict(m)
    if version == 2:
        m.setdefault("Host", "node-0")
    else:
        m.pop("Host", None)
    return m


# ---- reading objects -------------------------------------------------------------------------

def fastavro_read(data):
    import fastavro
    r = fastavro.reader(io.BytesIO(data))
    out = []
    for rec in r:
        rec = dict(rec)
        if isinstance(rec["ts"], datetime.datetime):
            rec["ts"] = int(rec["ts"].timestamp() * 1000)
        rec["Amount"] = str(rec["Amount"])
        out.append(rec)
    return r.codec, r.writer_schema, out


def java_jars():
    """The classpath of avro AVRO_VERSION (+ snappy-java), fetched once with mvn into the cache."""
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "kconnect",
                         "avro-java-%s" % AVRO_VERSION)
    libs = os.path.join(cache, "libs")
    if not os.path.exists(os.path.join(libs, ".complete")):
        os.makedirs(cache, exist_ok=True)
        with open(os.path.join(cache, "pom.xml"), "w") as f:
            f.write("""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kconnect.local</groupId><artifactId>avro-java-libs</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>%s</version></dependency>
    <dependency><groupId>org.xerial.snappy</groupId><artifactId>snappy-java</artifactId><version>%s</version></dependency>
  </dependencies>
  <build><pluginManagement><plugins>
    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version></plugin>
  </plugins></pluginManagement></build>
</project>
""" % (AVRO_VERSION, SNAPPY_JAVA_VERSION))
        tmp = libs + ".tmp-%d" % os.getpid()
        subprocess.run(["mvn", "-q", "-B", "-Dstyle.color=never", "-f", os.path.join(cache, "pom.xml"),
                        "dependency:copy-dependencies", "-DoutputDirectory=" + tmp, "-DincludeScope=runtime"],
                       check=True, timeout=900)
        open(os.path.join(tmp, ".complete"), "w").close()
        shutil.rmtree(libs, ignore_errors=True)
        os.replace(tmp, libs)
    return os.pathsep.join(os.path.join(libs, j) for j in sorted(os.listdir(libs)) if j.endswith(".jar"))


class JavaReader:
    """AvroFileDump compiled into a temporary directory."""

    def __init__(self, wd):
        self.cp = java_jars()
        self.classes = os.path.join(wd, "java-classes")
        os.makedirs(self.classes, exist_ok=True)
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "java", "AvroFileDump.java")
        subprocess.run(["javac", "-cp", self.cp, "-d", self.classes, src], check=True, timeout=300)
        self.wd = wd

    def read(self, data):
        """[(codec, [record lines])] of one file."""
        path = os.path.join(self.wd, "object.avro")
        with open(path, "wb") as f:
            f.write(data)
        r = subprocess.run(["java", "-cp", self.cp + os.pathsep + self.classes, "AvroFileDump", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        assert r.returncode == 0, "AvroFileDump failed: %s" % r.stderr.decode()[-3000:]
        lines = r.stdout.decode().split("\n")
        assert lines[0].startswith("codec ") and lines[1].startswith("schema "), lines[:2]
        end = lines.index(next(l for l in lines if l.startswith("end ")))
        recs = lines[2:end]
        assert int(lines[end][4:]) == len(recs)
        return lines[0][6:], json.loads(lines[1][7:]), recs

    def rewrite(self, data, codec):
        """The same records written again by Java's DataFileWriter with CodecFactory.fromString(codec)."""
        src, dst = os.path.join(self.wd, "in.avro"), os.path.join(self.wd, "out.avro")
        with open(src, "wb") as f:
            f.write(data)
        r = subprocess.run(["java", "-cp", self.cp + os.pathsep + self.classes, "AvroFileDump", "--rewrite",
                            src, dst, codec], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        assert r.returncode == 0, "AvroFileDump --rewrite failed: %s" % r.stderr.decode()[-3000:]
        with open(dst, "rb") as f:
            return f.read()


def avro_long(data, i):
    shift = z = 0
    while True:
        b = data[i]
        i += 1
        z |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return (z >> 1) ^ -(z & 1), i


def _meta_end(data):
    """The offset just after the header's metadata map (where the sync marker starts)."""
    i = 4
    n, i = avro_long(data, i)
    while n:
        for _ in range(abs(n)):
            for _ in range(2):
                ln, i = avro_long(data, i)
                i += ln
        n, i = avro_long(data, i)
    return i


def sync_of(data):
    """The sync marker: the 16 bytes after the header's metadata map."""
    i = _meta_end(data)
    return data[i:i + 16]


def blocks_of(data):
    """[(count, payload)] of a container file, checking every block ends with the header's sync."""
    i = _meta_end(data)
    sync, i = data[i:i + 16], i + 16
    out = []
    while i < len(data):
        count, i = avro_long(data, i)
        size, i = avro_long(data, i)
        out.append((count, data[i:i + size]))
        i += size
        assert data[i:i + 16] == sync, "a block does not end with the sync marker"
        i += 16
    return out


def java_line(m, names):
    return "\t".join("null" if m[n] is None else str(m[n]) for n in names)


def check_objects(bucket, expected, codec, java):
    """expected: {key: (version, [model records])}: every object present, nothing else, each read
    back by fastavro and by Java as exactly its records in order."""
    listed = dict(kctest.s3_list_objects(bucket))
    assert set(listed) == set(expected), "objects missing %s, unexpected %s" % (
        sorted(set(expected) - set(listed))[:5], sorted(set(listed) - set(expected))[:5])
    c = kctest.s3_client()
    for key, (version, recs) in sorted(expected.items()):
        data = kctest.s3_get(bucket, key, c)
        assert data[:4] == b"Obj\x01", "%s is not an Avro container file (gzip would start 1f8b): %r" % (key, data[:4])
        got_codec, schema, got = fastavro_read(data)
        assert got_codec == codec, (key, got_codec, codec)
        names = [f["name"] for f in schema["fields"]]
        want_names = ["LineId", "Level", "Component", "Content", "ts", "Amount"] + (["Host"] if version == 2 else [])
        assert names == want_names, (key, names)
        full = schema["name"] if "." in schema["name"] else "%s.%s" % (schema.get("namespace"), schema["name"])
        assert full == "loghub.HdfsLine" and schema.get("connect.version") == version, (key, schema)
        assert got == recs, "%s: fastavro read %d records, expected %d; first difference %r" % (
            key, len(got), len(recs), next(((a, b) for a, b in zip(got, recs) if a != b), None))
        jcodec, jschema, jrecs = java.read(data)
        assert jcodec == codec and [f["name"] for f in jschema["fields"]] == names, (key, jcodec)
        want = [java_line(m, names) for m in recs]
        assert jrecs == want, "%s: Java read %r..., expected %r..." % (key, jrecs[:2], want[:2])
        # byte for byte what Java's DataFileWriter writes for the same records, schema and codec
        # (header, avro.schema text, blocks), the random sync marker aside
        jdata = java.rewrite(data, codec)
        ours, javas = blocks_of(data), blocks_of(jdata)
        assert ours == javas, "%s: blocks differ from DataFileWriter's: %s vs %s" % (
            key, [(c, len(p)) for c, p in ours], [(c, len(p)) for c, p in javas])
        assert data.replace(sync_of(data), sync_of(jdata)) == jdata, "%s: header differs from Java's: %r vs %r" % (
            key, data[:300], jdata[:300])
    return len(expected)


def hour_path(ts):
    t = datetime.datetime.fromtimestamp(ts / 1000, datetime.timezone.utc)
    return t.strftime("dt=%Y-%m-%d/hour=%H")


def simulate(topic, records, flush, mode, encode, ext=".avro"):
    """TopicPartitionWriter on one Kafka partition: records [(offset, version, model)] ->
    ({key: (version, [records])}, committed offset)."""
    objects, files, count, current, committed = {}, {}, 0, {}, 0
    last_off = -1

    def rotate():
        nonlocal files, count, current, committed
        for enc, (first, version, recs) in files.items():
            objects["topics/%s/%s/%s+0+%010d%s" % (topic, enc, topic, first, ext)] = (version, recs)
        files, count, current, committed = {}, 0, {}, last_off + 1

    for off, version, m in records:
        enc = encode(m)
        cur = current.get(enc)
        if cur is not None and count > 0:
            incompatible = {"NONE": version != cur, "BACKWARD": version > cur,
                            "FORWARD": version < cur}[mode]
            if incompatible:
                rotate()
                cur = None
        if cur is None:
            current[enc] = cur = version
        files.setdefault(enc, (off, cur, []))[2].append(m if mode == "NONE" else project(m, cur))
        last_off = off
        count += 1
        if count >= flush:
            rotate()
    return objects, committed


def connector(name, topic, bucket, wd, **extra):
    c = s3e.s3_connector(name, [topic], bucket, os.path.join(wd, "spool"), FLUSH,
                         **{"format.class": "io.confluent.connect.s3.format.avro.AvroFormat",
                            "value.converter.schemas.enable": "true"})
    c.update(extra)
    return c


def wait_committed(w, name, topic, offset, bucket, n_objects):
    def done():
        w.alive_or_raise()
        code, st = w.status(name)
        if code == 200 and any(t["state"] == "FAILED" for t in st.get("tasks", [])):
            raise s3e.StopWaiting("task FAILED: %s" % json.dumps(st)[:3000])
        got = s3e.committed(w, name)
        if got.get((topic, 0), 0) > offset:
            raise s3e.StopWaiting("committed %s, expected %d" % (got, offset))
        return got.get((topic, 0)) == offset and len(kctest.s3_list_objects(bucket)) >= n_objects
    try:
        s3e.wait_until_strict(done, 300, "%s to commit %d" % (name, offset))
    except AssertionError as e:
        raise AssertionError("%s\nworker log:\n%s" % (e, w.tail(60)))


def produce_models(topic, records):
    s3e.produce(topic, [(str(m["LineId"]).encode(), envelope(m, v)) for _, v, m in records], partition=0)
    back = s3e.read_back(topic, len(records))
    assert [o for o, _ in back[0]] == [o for o, _, _ in records], "offsets differ from the expected"


# ---- 1. codecs --------------------------------------------------------------------------------

def test_codecs():
    with s3e.S3Server():
        wd = kctest.tmpdir("kc-s3-avro-")
        java = JavaReader(wd)
        rows = s3e.loghub_rows("HDFS")[:ROWS]
        topic = kctest.create_topic(unique("s3avro-codecs"), 1)
        records = [(i, 1, model(r, 1)) for i, r in enumerate(rows)]
        produce_models(topic, records)
        time_based = {"partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
                      "timestamp.extractor": "RecordField", "timestamp.field": "ts",
                      "path.format": "'dt'=YYYY-MM-dd/'hour'=HH", "partition.duration.ms": "3600000",
                      "locale": "en-US", "timezone": "UTC"}
        expected, committed = simulate(topic, records, FLUSH, "NONE", lambda m: hour_path(m["ts"]))
        assert len({k.rsplit("/", 1)[0] for k in expected}) >= 3, "the rows span too few hours"
        assert committed == ROWS
        codecs = {"null": {}, "deflate": {"s3.compression.type": "gzip"}, "snappy": {}}
        # one object of 1500 records: several blocks, cut where DataFileWriter cuts them
        big_rows = s3e.loghub_rows("HDFS")[:1500]
        big_topic = kctest.create_topic(unique("s3avro-big"), 1)
        big_records = [(i, 1, model(r, 1)) for i, r in enumerate(big_rows)]
        produce_models(big_topic, big_records)
        big_exp, big_committed = simulate(big_topic, big_records, 1500, "NONE", lambda m: "partition=0")
        big_bucket = kctest.s3_create_bucket(unique("kc-s3avro-big"))
        big_conn = connector(unique("s3avro-big"), big_topic, big_bucket, wd,
                             **{"avro.codec": "deflate", "flush.size": "1500"})
        conns, buckets = [big_conn], {}
        for codec, extra in codecs.items():
            buckets[codec] = kctest.s3_create_bucket(unique("kc-s3avro-" + codec))
            conns.append(connector(unique("s3avro-" + codec), topic, buckets[codec], wd,
                                   **{"avro.codec": codec}, **time_based, **extra))
        w = s3e.start_worker(wd, conns)
        try:
            for c, codec in zip(conns[1:], codecs):
                wait_committed(w, c["name"], topic, committed, buckets[codec], len(expected))
            wait_committed(w, big_conn["name"], big_topic, big_committed, big_bucket, 1)
            check_objects(big_bucket, big_exp, "deflate", java)
            (key,) = big_exp
            n_blocks = len(blocks_of(kctest.s3_get(big_bucket, key)))
            assert n_blocks >= 3, "%d blocks only" % n_blocks
            print("  1500 records in one object: %d blocks, as DataFileWriter cuts them" % n_blocks, flush=True)
            for codec in codecs:
                n = check_objects(buckets[codec], expected, codec, java)
                print("  avro.codec=%-8s %d objects, %d records: fastavro and Java read them back" % (
                    codec, n, ROWS), flush=True)
        finally:
            w.stop()
        s3e.exited_ok(w)
        for b in list(buckets.values()) + [big_bucket]:
            kctest.s3_delete_bucket(b)
        shutil.rmtree(wd, ignore_errors=True)


# ---- 2. schema change -------------------------------------------------------------------------

def test_schema_change():
    with s3e.S3Server():
        wd = kctest.tmpdir("kc-s3-avro-sc-")
        java = JavaReader(wd)
        rows = s3e.loghub_rows("HDFS")[:ROWS]
        # v1 x130, v2 x120, v1 x50, v2 x100: the version goes up, down and up again
        versions = [1] * 130 + [2] * 120 + [1] * 50 + [2] * 100
        records = [(i, v, model(r, v)) for i, (r, v) in enumerate(zip(rows, versions))]
        topic = kctest.create_topic(unique("s3avro-schema"), 1)
        produce_models(topic, records)
        modes = ["NONE", "BACKWARD", "FORWARD"]
        conns, buckets, exps = [], {}, {}
        for mode in modes:
            exps[mode] = simulate(topic, records, FLUSH, mode, lambda m: "partition=0")
            buckets[mode] = kctest.s3_create_bucket(unique("kc-s3avro-" + mode.lower()))
            conns.append(connector(unique("s3avro-" + mode.lower()), topic, buckets[mode], wd,
                                   **{"schema.compatibility": mode, "avro.codec": "deflate"}))
        # the three rules really differ on this input
        assert len({tuple(sorted(e[0])) for e in exps.values()}) == 3, {m: sorted(e[0]) for m, e in exps.items()}
        # JsonFormat follows the same rule (TopicPartitionWriter decides for every format)
        json_exp = simulate(topic, records, FLUSH, "NONE", lambda m: "partition=0", ".json")
        json_bucket = kctest.s3_create_bucket(unique("kc-s3avro-json"))
        json_conn = connector(unique("s3avro-json"), topic, json_bucket, wd,
                              **{"format.class": "io.confluent.connect.s3.format.json.JsonFormat"})
        conns.append(json_conn)
        w = s3e.start_worker(wd, conns)
        try:
            for c, mode in zip(conns, modes):
                objects, committed = exps[mode]
                wait_committed(w, c["name"], topic, committed, buckets[mode], len(objects))
            for mode in modes:
                objects, committed = exps[mode]
                n = check_objects(buckets[mode], objects, "deflate", java)
                print("  schema.compatibility=%-8s %d objects (versions %s), committed %d" % (
                    mode, n, [v for _, (v, _) in sorted(objects.items())], committed), flush=True)
            objects, committed = json_exp
            wait_committed(w, json_conn["name"], topic, committed, json_bucket, len(objects))
            listed = dict(kctest.s3_list_objects(json_bucket))
            assert set(listed) == set(objects), (sorted(listed), sorted(objects))
            for key, (version, recs) in objects.items():
                lines = [json.loads(l) for l in kctest.s3_get(json_bucket, key).decode().splitlines()]
                assert [l["LineId"] for l in lines] == [m["LineId"] for m in recs], key
                assert all(("Host" in l) == (version == 2) for l in lines), key
            print("  JsonFormat, NONE: %d objects, the same rotations" % len(objects), flush=True)
        finally:
            w.stop()
        s3e.exited_ok(w)
        for b in list(buckets.values()) + [json_bucket]:
            kctest.s3_delete_bucket(b)
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_codecs, test_schema_change])
