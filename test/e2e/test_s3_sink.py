"""End to end: the S3 sink (connectors/s3/) against the local SigV4-checking S3 server
(tools/s3-local, versitygw) and the local Kafka broker, on real data (issue 3, item 7).

Input: the loghub structured CSVs, one topic per system with 3 partitions, each row produced as
a compact JSON object of its CSV columns (all strings, in column order) plus "ts", the row's own
date and time as epoch milliseconds (see ROW_TIME). Records are keyed "<system>-<LineId>" so
librdkafka's partitioner spreads them; the sink reads keys with the StringConverter and values
with the JsonConverter (schemas.enable=false).

Every check computes the expected objects independently: records are read back from Kafka with
their partition and offset, cut into rotations of flush.size records per Kafka partition (a
rotation closes every open file of that partition, Confluent's rule), each rotation grouped by
the encoded partition, and each group named
  topics/<topic>/<encoded partition>/<topic>+<kafka partition>+<first offset, 10 digits><ext>
with its lines in offset order. A partition's last partial rotation stays open: its records are
neither uploaded nor committed, so the committed offset must stop exactly at the last complete
rotation. Completion is detected by polling the committed offsets (GET /connectors/<c>/offsets)
and the object listing, never by sleeping.

Tests:
  partitioners   Default, Field(Level) and TimeBased(RecordField ts, Asia/Seoul, hourly)
  gzip           s3.compression.type=gzip: .json.gz objects that decompress to the plain bytes
  kill9          kill -9 while multipart uploads are in flight, restart: objects and bytes equal
                 an uninterrupted reference run; no multipart upload left
  s3_outage      the S3 server is down for 60 s mid-run: nothing lost, the task stays RUNNING and
                 resumes by itself (this test runs its own server on its own port, as it stops it)
  wrong_secret   the task FAILS with a trace naming the bucket and SignatureDoesNotMatch and
                 commits nothing
"""
import collections
import csv
import datetime
import gzip
import json
import os
import re
import shutil
import signal
import time
import zoneinfo

import kctest
from kctest import unique

PARTITIONS = 3
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
WORKER_PROPS = {
    "offset.flush.interval.ms": "1000",
    # After kill -9 the dead consumer stays a group member until its session expires; a short
    # session lets the restarted worker join quickly (the broker's minimum is 6 s).
    "consumer.session.timeout.ms": "6000",
    "consumer.heartbeat.interval.ms": "1000",
}

# ---- the rows' own time --------------------------------------------------------------------
#
# The formats found in the CSVs (checked over every row) and how each becomes epoch ms. None of
# the logs states its time zone: the wall-clock times are read as UTC. Three systems print no
# year; the year assumed for each is the one of the loghub collection (fixed, so the expected
# paths are deterministic).
#   Android    Date MM-dd, Time HH:mm:ss.SSS                  (no year: 2017)
#   Apache     Time "EEE MMM dd HH:mm:ss yyyy"
#   HDFS       Date yyMMdd, Time HHmmss
#   Hadoop     Date yyyy-MM-dd, Time HH:mm:ss,SSS
#   HealthApp  Time yyyyMMdd-H:m:s:S (fields not zero padded; the last one is milliseconds)
#   Linux      Month MMM, Date d (not padded), Time HH:mm:ss  (no year: 2005)
#   OpenSSH    Date MMM, Day dd, Time HH:mm:ss                 (no year: 2017)
#   OpenStack  Date yyyy-MM-dd, Time HH:mm:ss.SSS
#   Spark      Date yy/MM/dd, Time HH:mm:ss
#   Zookeeper  Date yyyy-MM-dd, Time HH:mm:ss,SSS
MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
ROW_TIME = {
    "Android": (r"(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})", "Date Time",
                lambda m: (2017, m[0], m[1], m[2], m[3], m[4], m[5])),
    "Apache": (r"\w{3} (\w{3}) (\d\d) (\d\d):(\d\d):(\d\d) (\d{4})", "Time",
               lambda m: (m[5], MONTHS[m[0]], m[1], m[2], m[3], m[4], 0)),
    "HDFS": (r"(\d\d)(\d\d)(\d\d) (\d\d)(\d\d)(\d\d)", "Date Time",
             lambda m: (2000 + int(m[0]), m[1], m[2], m[3], m[4], m[5], 0)),
    "Hadoop": (r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3})", "Date Time", lambda m: m),
    "HealthApp": (r"(\d{4})(\d\d)(\d\d)-(\d{1,2}):(\d{1,2}):(\d{1,2}):(\d{1,3})", "Time", lambda m: m),
    "Linux": (r"(\w{3}) (\d{1,2}) (\d\d):(\d\d):(\d\d)", "Month Date Time",
              lambda m: (2005, MONTHS[m[0]], m[1], m[2], m[3], m[4], 0)),
    "OpenSSH": (r"(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)", "Date Day Time",
                lambda m: (2017, MONTHS[m[0]], m[1], m[2], m[3], m[4], 0)),
    "OpenStack": (r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})", "Date Time", lambda m: m),
    "Spark": (r"(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)", "Date Time",
              lambda m: (2000 + int(m[0]), m[1], m[2], m[3], m[4], m[5], 0)),
    "Zookeeper": (r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3})", "Date Time", lambda m: m),
}


def row_ts(system, row):
    """Epoch ms of a CSV row from its own date/time columns (ROW_TIME); raises on a row that does
    not match its system's format, so a format this test does not know cannot slip through."""
    pattern, cols, fields = ROW_TIME[system]
    text = " ".join(row[c] for c in cols.split())
    m = re.fullmatch(pattern, text)
    if not m:
        raise AssertionError("%s row %s: %r does not match %s" % (system, row.get("LineId"), text, pattern))
    y, mo, d, h, mi, s, ms = (int(x) for x in fields(m.groups()))
    dt = datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1000 + ms


def loghub_rows(system):
    path = os.path.join(kctest.SHARED_DATA, "loghub", system, "%s_2k.log_structured.csv" % system)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["ts"] = row_ts(system, r)
    return rows


def systems():
    root = os.path.join(kctest.SHARED_DATA, "loghub")
    return sorted(s for s in os.listdir(root) if os.path.exists(os.path.join(root, s, "%s_2k.log_structured.csv" % s)))


def json_line(obj):
    """The record as produced: compact JSON, the CSV's column order."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def java_string_hash(s):
    """String.hashCode(): s[0]*31^(n-1) + ... over UTF-16 code units, as a 32-bit int."""
    b, h = s.encode("utf-16-be"), 0
    for i in range(0, len(b), 2):
        h = (31 * h + (b[i] << 8 | b[i + 1])) & 0xFFFFFFFF
    return h


def java_hashmap_order(keys):
    """The iteration order of a java.util.HashMap (default capacity 16, load factor 0.75) filled
    with keys in this order: by bin (hash ^ hash >>> 16, masked by the final table size), and in
    insertion order within a bin (resizes split bins keeping their order)."""
    cap = 16
    while len(keys) > cap * 3 // 4:
        cap *= 2

    def bin_of(k):
        h = java_string_hash(k)
        return (h ^ (h >> 16)) & (cap - 1)
    bins = collections.Counter(bin_of(k) for k in keys)
    # A bin of 8 would make HashMap resize or treeify, which this model does not follow.
    assert max(bins.values()) < 8, bins
    return sorted(keys, key=lambda k: (bin_of(k), keys.index(k)))


def confluent_line(value):
    """The line Confluent's JsonFormat writes for a schemaless JSON value: JsonConverter reads an
    object into a java.util.HashMap, and Jackson prints that map in its iteration order."""
    class Pairs(list):
        pass

    def reorder(v):
        if isinstance(v, Pairs):
            d = dict(v)
            return {k: reorder(d[k]) for k in java_hashmap_order([k for k, _ in v])}
        if isinstance(v, list):
            return [reorder(x) for x in v]
        return v
    parsed = json.loads(value, object_pairs_hook=Pairs)
    return json_line(reorder(parsed))


# ---- Kafka helpers -------------------------------------------------------------------------

create_topic = kctest.create_topic


def produce(topic, records, partition=None):
    """records: [(key bytes, value bytes)]; one kcat call. partition: a fixed partition, else
    librdkafka's partitioner spreads the records by key."""
    data = b"".join(k + b"\x1f" + v + b"\x1e" for k, v in records)
    args = ["-P", "-t", topic, "-K", "\x1f", "-D", "\x1e", "-z", "lz4"]
    if partition is not None:
        args += ["-p", str(partition)]
    kctest.kcat(*args, input_bytes=data, timeout=600)


def read_back(topic, count):
    """{partition: [(offset, value bytes)]} of the topic as stored (offset order)."""
    out = kctest.kcat("-C", "-t", topic, "-o", "beginning", "-c", str(count), "-e", "-q",
                      "-f", "%p %o %S\n%s", timeout=600)
    parts, i = collections.defaultdict(list), 0
    while i < len(out):
        nl = out.index(b"\n", i)
        p, o, vlen = (int(x) for x in out[i:nl].split(b" "))
        parts[p].append((o, out[nl + 1:nl + 1 + vlen]))
        i = nl + 1 + vlen
    got = sum(len(v) for v in parts.values())
    assert got == count, "read %d of %d records back from %s" % (got, count, topic)
    for recs in parts.values():
        recs.sort()
    return dict(parts)


def committed(worker, connector):
    """{(topic, partition): committed offset} of the connector's consumer group."""
    code, body = worker.get("/connectors/%s/offsets" % connector)
    assert code == 200, (code, body)
    return {(o["partition"]["kafka_topic"], o["partition"]["kafka_partition"]): o["offset"]["kafka_offset"]
            for o in body["offsets"]}


# ---- expected objects ----------------------------------------------------------------------

class Expected:
    """The objects a sink must write for some topics, computed from the records as stored."""

    def __init__(self, ext):
        self.ext = ext
        self.objects = {}          # key -> [lines]
        self.commit = {}           # (topic, partition) -> offset the sink commits
        self.tail = []             # lines of partial rotations: never uploaded

    def add(self, topic, parts, flush_size, encode):
        """parts: read_back() of the topic; encode(partition, value dict) -> encoded partition."""
        for p, recs in parts.items():
            complete = len(recs) // flush_size * flush_size
            self.commit[(topic, p)] = recs[complete][0] if complete < len(recs) else recs[-1][0] + 1
            self.tail.extend(confluent_line(v) for _, v in recs[complete:])
            for start in range(0, complete, flush_size):
                files = {}  # encoded partition -> (first offset, lines); dict keeps first-seen order
                for off, v in recs[start:start + flush_size]:
                    enc = encode(p, json.loads(v))
                    files.setdefault(enc, (off, []))[1].append(confluent_line(v))
                for enc, (first, lines) in files.items():
                    key = "topics/%s/%s/%s+%d+%010d%s" % (topic, enc, topic, p, first, self.ext)
                    assert key not in self.objects, key
                    self.objects[key] = lines
        return self

    def lines(self):
        return collections.Counter(l for ls in self.objects.values() for l in ls)


def default_encoder(p, _value):
    return "partition=%d" % p


def field_encoder(p, value):
    return "Level=%s" % value["Level"]


def seoul_hour_encoder(p, value):
    """TimeBasedPartitioner, partition.duration.ms=3600000, Asia/Seoul, 'year'=YYYY/'month'=MM/...:
    the hour bucket of ts in Seoul local time, formatted in Seoul local time."""
    t = datetime.datetime.fromtimestamp(value["ts"] / 1000, SEOUL)
    return "year=%04d/month=%02d/day=%02d/hour=%02d" % (t.year, t.month, t.day, t.hour)


def wait_done(worker, connector, exp, bucket, timeout=300, count_objects=True):
    """Waits until the group committed exactly exp.commit and the bucket holds as many objects as
    expected. A committed offset past the expected one fails at once (a partial rotation was
    committed), as does a task that is not RUNNING."""
    n = len(exp.objects)

    def done():
        worker.alive_or_raise()
        code, st = worker.status(connector)
        if code == 200 and any(t["state"] == "FAILED" for t in st.get("tasks", [])):
            raise StopWaiting("task FAILED: %s" % json.dumps(st)[:3000])
        got = committed(worker, connector)
        for tp, off in got.items():
            if tp not in exp.commit or off > exp.commit[tp]:
                raise StopWaiting("%s committed %s, expected at most %s" % (tp, off, exp.commit.get(tp)))
        want = {tp: off for tp, off in exp.commit.items() if off > 0}
        if got != want:
            return False
        return not count_objects or len(kctest.s3_list_objects(bucket)) >= n
    try:
        wait_until_strict(done, timeout, "%s to commit %d partitions and write %d objects" % (
            connector, len(exp.commit), n))
    except AssertionError as e:
        raise AssertionError("%s\nworker log:\n%s" % (e, worker.tail(40)))


class StopWaiting(Exception):
    pass


def wait_until_strict(fn, timeout, what):
    """kctest.wait_until, but a StopWaiting raised by fn fails at once instead of being retried."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if fn():
                return
        except StopWaiting as e:
            raise AssertionError("while waiting for %s: %s" % (what, e))
        except Exception as e:  # noqa: BLE001 - transient REST/S3 errors: keep polling
            last = e
        time.sleep(0.25)
    raise AssertionError("timed out after %ds waiting for %s (last: %r)" % (timeout, what, last))


def check_bucket(bucket, exp, decode=lambda b: b):
    """Every object is expected, none is missing, each holds exactly its lines in offset order;
    overall every complete-rotation record appears exactly once and no partial-rotation record."""
    listed = dict(kctest.s3_list_objects(bucket))
    missing = sorted(set(exp.objects) - set(listed))
    extra = sorted(set(listed) - set(exp.objects))
    assert not missing and not extra, "objects missing %s; unexpected %s" % (missing[:5], extra[:5])
    c = kctest.s3_client()
    seen = collections.Counter()
    for key, lines in exp.objects.items():
        data = decode(kctest.s3_get(bucket, key, c))
        assert data.endswith(b"\n"), "%s does not end with a newline" % key
        got = data[:-1].split(b"\n")
        if got != lines:
            diff = next((i for i, (a, b) in enumerate(zip(got, lines)) if a != b), min(len(got), len(lines)))
            raise AssertionError("%s: %d lines, expected %d; first difference at line %d: %r vs %r" % (
                key, len(got), len(lines), diff, got[diff:diff + 1], lines[diff:diff + 1]))
        seen.update(got)
    assert seen == exp.lines(), "the objects' lines differ from the input records as a multiset"
    assert max(seen.values(), default=1) == 1, "a record appears twice"
    assert not set(exp.tail) & set(seen), "a record of a partial (uncommitted) rotation was uploaded"
    return len(listed), sum(seen.values())


# ---- connectors, workers, servers ------------------------------------------------------------

def s3_connector(name, topics, bucket, spool, flush_size, **extra):
    env = kctest.s3_env()
    c = {
        "name": name,
        "connector.class": "io.confluent.connect.s3.S3SinkConnector",
        "tasks.max": "1",
        "topics": ",".join(topics),
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "storage.class": "io.confluent.connect.s3.storage.S3Storage",
        "s3.bucket.name": bucket,
        "s3.region": env["region"],
        "store.url": env["endpoint"],
        "s3.path.style.access.enabled": "true",
        "aws.access.key.id": env["access_key"],
        "aws.secret.access.key": env["secret_key"],
        "s3.spool.dir": spool,
        "flush.size": str(flush_size),
    }
    c.update(extra)
    return c


TIME_BASED = {
    "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
    "timestamp.extractor": "RecordField",
    "timestamp.field": "ts",
    "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
    "partition.duration.ms": "3600000",
    "locale": "en-US",
    "timezone": "Asia/Seoul",
}


class S3Server:
    """kctest.s3_server_start()/stop(), stopping only a server this test started."""

    def __enter__(self):
        self.started = kctest.s3_server_start()
        return self

    def __exit__(self, *exc):
        if self.started:
            kctest.s3_server_stop()


_LOGHUB = {}


def loghub_topics():
    """One topic per loghub system (3 partitions), produced once per run and shared by the tests
    that only read it. Returns {system: (topic, parts from read_back, rows)}."""
    if _LOGHUB:
        return _LOGHUB
    run = unique("s3")
    for system in systems():
        rows = loghub_rows(system)
        topic = create_topic("%s-%s" % (run, system.lower()), PARTITIONS)
        produce(topic, [(("%s-%s" % (system, r["LineId"])).encode(), json_line(r)) for r in rows])
        parts = read_back(topic, len(rows))
        assert len(parts) == PARTITIONS and min(len(v) for v in parts.values()) > 100, \
            "%s: keys did not spread: %s" % (topic, {p: len(v) for p, v in parts.items()})
        _LOGHUB[system] = (topic, parts, rows)
    return _LOGHUB


def exited_ok(w):
    """A stopped worker exited 0 (under ASan, a leak or error report makes it non-zero)."""
    assert w.proc.returncode == 0, "kconnect exited with %s; log:\n%s" % (w.proc.returncode, w.tail(80))


def start_worker(wd, connectors):
    w = kctest.Worker(wd, WORKER_PROPS, connectors).start()
    for c in connectors:
        w.wait_running(c["name"], int(c.get("tasks.max", "1")))
    return w


# ---- 1. partitioners on the loghub data ------------------------------------------------------

FLUSH = 100


def test_partitioners():
    with S3Server():
        data = loghub_topics()
        for system, (_, _, rows) in data.items():  # the input itself: every row has its own time
            assert all(r["ts"] > 0 for r in rows), system
        wd = kctest.tmpdir("kc-s3-part-")
        all_topics = [t for t, _, _ in data.values()]
        level_topics = [t for s, (t, _, rows) in data.items() if "Level" in rows[0]]
        assert len(level_topics) == 8, level_topics
        runs = {
            "default": (all_topics, default_encoder, {"tasks.max": "2"}),
            "field": (level_topics, field_encoder, {
                "partitioner.class": "io.confluent.connect.storage.partitioner.FieldPartitioner",
                "partition.field.name": "Level"}),
            "time": (all_topics, seoul_hour_encoder, TIME_BASED),
        }
        conns, exps, buckets = [], {}, {}
        for label, (topics, enc, extra) in runs.items():
            bucket = kctest.s3_create_bucket(unique("kc-s3e2e-" + label))
            name = unique("s3-" + label)
            conns.append(s3_connector(name, topics, bucket, os.path.join(wd, "spool"), FLUSH, **extra))
            exp = Expected(".json")
            for t in topics:
                exp.add(t, next(parts for tt, parts, _ in data.values() if tt == t), FLUSH, enc)
            exps[label], buckets[label] = exp, bucket
        # A real spread of paths, not one directory: several levels and hours per topic.
        assert len({k.rsplit("/", 1)[0] for k in exps["field"].objects}) >= 20
        assert len({k.rsplit("/", 1)[0] for k in exps["time"].objects}) >= 40
        t0 = time.time()
        w = start_worker(wd, conns)
        try:
            for c, label in zip(conns, runs):
                wait_done(w, c["name"], exps[label], buckets[label])
            elapsed = time.time() - t0
            for label in runs:
                n_obj, n_rec = check_bucket(buckets[label], exps[label])
                print("  %-8s %4d objects, %5d records (%d in open partial rotations, uncommitted)" % (
                    label, n_obj, n_rec, len(exps[label].tail)), flush=True)
            print("  3 connectors done in %.1fs" % elapsed, flush=True)
            # Spot-check by hand, so a bug shared by Expected and the sink cannot hide: HDFS line 1
            # (081109 203615, read as UTC) is 2008-11-10 05:36 in Seoul.
            hdfs_topic = data["HDFS"][0]
            line1 = next(confluent_line(v) for recs in data["HDFS"][1].values() for _, v in recs
                         if json.loads(v)["LineId"] == "1")
            assert line1.startswith(b'{"LineId":"1","Content":'), line1  # HashMap order, not the CSV's
            prefix = "topics/%s/year=2008/month=11/day=10/hour=05/" % hdfs_topic
            keys = [k for k, _ in kctest.s3_list_objects(buckets["time"], prefix)]
            assert any(line1 in kctest.s3_get(buckets["time"], k).split(b"\n") for k in keys), (prefix, keys)
            assert all(re.fullmatch(re.escape(prefix) + r"%s\+[0-2]\+\d{10}\.json" % re.escape(hdfs_topic),
                                    k) for k in keys), keys
        finally:
            w.stop()
        exited_ok(w)
        for b in buckets.values():
            kctest.s3_delete_bucket(b)
        shutil.rmtree(wd, ignore_errors=True)


# ---- 2. gzip ----------------------------------------------------------------------------------

def test_gzip():
    with S3Server():
        data = loghub_topics()
        wd = kctest.tmpdir("kc-s3-gz-")
        topics = [t for t, _, _ in data.values()]
        plain, gz = kctest.s3_create_bucket(unique("kc-s3e2e-plain")), kctest.s3_create_bucket(unique("kc-s3e2e-gz"))
        spool = os.path.join(wd, "spool")
        cp = s3_connector(unique("s3-plain"), topics, plain, spool, FLUSH)
        cg = s3_connector(unique("s3-gz"), topics, gz, spool, FLUSH, **{"s3.compression.type": "gzip"})
        exp_plain, exp_gz = Expected(".json"), Expected(".json.gz")
        for t, parts, _ in data.values():
            exp_plain.add(t, parts, FLUSH, default_encoder)
            exp_gz.add(t, parts, FLUSH, default_encoder)
        w = start_worker(wd, [cp, cg])
        try:
            wait_done(w, cp["name"], exp_plain, plain)
            wait_done(w, cg["name"], exp_gz, gz)
            check_bucket(plain, exp_plain)
            n_obj, n_rec = check_bucket(gz, exp_gz, gzip.decompress)
            c = kctest.s3_client()
            zipped = unzipped = 0
            for key, size in kctest.s3_list_objects(gz):
                raw = kctest.s3_get(gz, key, c)
                assert raw[:2] == b"\x1f\x8b", "%s is not gzip" % key
                same = kctest.s3_get(plain, key[:-len(".gz")], c)
                assert gzip.decompress(raw) == same, key
                zipped, unzipped = zipped + size, unzipped + len(same)
            assert zipped * 2 < unzipped, "gzip did not compress: %d vs %d bytes" % (zipped, unzipped)
            print("  %d .json.gz objects, %d records, %d -> %d bytes" % (n_obj, n_rec, unzipped, zipped), flush=True)
        finally:
            w.stop()
        exited_ok(w)
        kctest.s3_delete_bucket(plain)
        kctest.s3_delete_bucket(gz)
        shutil.rmtree(wd, ignore_errors=True)


# ---- 3. kill -9 during multipart uploads ------------------------------------------------------

BIG_FLUSH = 20_000      # ~7 MB of JSON per file: two 5 MiB parts
BIG_FILES = 3           # complete rotations per Kafka partition
PART_SIZE = 5_242_880


def big_records(count, start=0):
    """count unique JSON records: loghub rows of every system in turn, with a sequence field."""
    base = []
    for system in systems():
        for r in loghub_rows(system):
            base.append((system, r))
    out = []
    for i in range(start, start + count):
        system, r = base[i % len(base)]
        obj = {"seq": i, "system": system}
        obj.update(r)
        out.append(json_line(obj))
    return out


def produce_per_partition(topic, values_by_partition):
    for p, vals in values_by_partition.items():
        produce(topic, [(b"%d" % p, v) for v in vals], partition=p)


def test_kill9_during_uploads():
    """The crashed run first: one rotation per partition is produced and committed, then the rest
    is produced and the worker is killed as soon as a multipart upload is open. The reference run
    reads the whole topic afterwards, without a crash."""
    with S3Server():
        wd = kctest.tmpdir("kc-s3-kill-")
        topic = create_topic(unique("s3-kill"), PARTITIONS)
        per = BIG_FLUSH * BIG_FILES
        vals = big_records(per * PARTITIONS)
        by_part = {p: vals[p * per:(p + 1) * per] for p in range(PARTITIONS)}
        ref_b, crash_b = kctest.s3_create_bucket(unique("kc-s3e2e-ref")), kctest.s3_create_bucket(unique("kc-s3e2e-crash"))
        extra = {"s3.part.size": str(PART_SIZE)}
        crash = s3_connector(unique("s3-crash"), [topic], crash_b, os.path.join(wd, "spool-crash"), BIG_FLUSH, **extra)
        cwd = os.path.join(wd, "crash")
        os.makedirs(cwd)
        # Phase 1: one complete rotation per partition, committed before the crash.
        produce_per_partition(topic, {p: v[:BIG_FLUSH] for p, v in by_part.items()})
        exp1 = Expected(".json").add(topic, read_back(topic, BIG_FLUSH * PARTITIONS), BIG_FLUSH, default_encoder)
        w = start_worker(cwd, [crash])
        try:
            wait_done(w, crash["name"], exp1, crash_b)
            before = committed(w, crash["name"])
            # Phase 2: the rest; kill -9 while a multipart upload is open.
            produce_per_partition(topic, {p: v[BIG_FLUSH:] for p, v in by_part.items()})
            open_uploads = kctest.wait_until(lambda: w.alive_or_raise() and kctest.s3_list_multipart_uploads(crash_b),
                                             120, 0.01, "a multipart upload in flight")
        except BaseException:
            w.stop()
            raise
        w.signal(signal.SIGKILL)
        w.proc.wait()
        w.log.close()
        n_before = len(kctest.s3_list_objects(crash_b))
        left = kctest.s3_list_multipart_uploads(crash_b)
        assert left, "no multipart upload was left open by the kill: the test did not hit an upload"
        print("  killed with %d multipart upload(s) open (%d left), %d objects complete, committed %s" % (
            len(open_uploads), len(left), n_before, sorted(before.values())), flush=True)
        parts = read_back(topic, per * PARTITIONS)
        exp = Expected(".json").add(topic, parts, BIG_FLUSH, default_encoder)
        assert all(off == per for off in exp.commit.values())
        assert min(sum(len(l) + 1 for l in ls) for ls in exp.objects.values()) > PART_SIZE
        t1 = time.time()
        w = start_worker(cwd, [crash])
        try:
            wait_done(w, crash["name"], exp, crash_b)
            # The restarted task aborts what the dead worker left when its partitions are assigned.
            kctest.wait_until(lambda: not kctest.s3_list_multipart_uploads(crash_b), 60, 0.2,
                              "no multipart upload left (have %s)" % kctest.s3_list_multipart_uploads(crash_b))
        finally:
            w.stop()
        exited_ok(w)
        crash_s = time.time() - t1
        log = w.tail(1000000)
        for key, upload_id in left:  # gone because the restarted task aborted it, by name
            assert upload_id in log and "aborting multipart upload" in log, (key, upload_id, w.tail(40))
        check_bucket(crash_b, exp)
        # The reference run: the same connector config on the whole topic, no crash.
        ref = s3_connector(unique("s3-ref"), [topic], ref_b, os.path.join(wd, "spool-ref"), BIG_FLUSH, **extra)
        rwd = os.path.join(wd, "ref")
        os.makedirs(rwd)
        t0 = time.time()
        w = start_worker(rwd, [ref])
        try:
            wait_done(w, ref["name"], exp, ref_b)
        finally:
            w.stop()
        exited_ok(w)
        ref_s = time.time() - t0
        check_bucket(ref_b, exp)
        c = kctest.s3_client()
        ref_objs = kctest.s3_list_objects(ref_b)
        assert ref_objs == kctest.s3_list_objects(crash_b), "object sets differ"
        for key, _ in ref_objs:
            assert kctest.s3_get(ref_b, key, c) == kctest.s3_get(crash_b, key, c), key
        assert kctest.s3_list_multipart_uploads(ref_b) == []
        total = sum(s for _, s in ref_objs)
        print("  %d objects, %.1f MB: reference %.1fs, after restart %.1fs; identical bytes, no upload left" % (
            len(ref_objs), total / 1e6, ref_s, crash_s), flush=True)
        kctest.s3_delete_bucket(ref_b)
        kctest.s3_delete_bucket(crash_b)
        shutil.rmtree(wd, ignore_errors=True)


# ---- 4. S3 outage ---------------------------------------------------------------------------

OUTAGE_S = 60


def test_s3_outage():
    """Runs its own server on a free port (it must stop it), so other tests' server is untouched."""
    saved = {k: os.environ.get(k) for k in ("S3_PORT", "S3_ENDPOINT")}
    os.environ["S3_PORT"] = str(kctest.free_port())
    os.environ.pop("S3_ENDPOINT", None)
    started = False
    wd = kctest.tmpdir("kc-s3-outage-")
    try:
        started = kctest.s3_server_start()
        assert started, "port %s was taken" % os.environ["S3_PORT"]
        bucket = kctest.s3_create_bucket(unique("kc-s3e2e-outage"))
        topic = create_topic(unique("s3-outage"), PARTITIONS)
        flush, per_half = 1000, 3000
        vals = big_records(per_half * PARTITIONS * 2)
        half = per_half * PARTITIONS
        first = {p: vals[p * per_half:(p + 1) * per_half] for p in range(PARTITIONS)}
        second = {p: vals[half + p * per_half:half + (p + 1) * per_half] for p in range(PARTITIONS)}
        produce_per_partition(topic, first)
        conn = s3_connector(unique("s3-outage"), [topic], bucket, os.path.join(wd, "spool"), flush,
                            **{"s3.retry.backoff.ms": "200"})
        w = start_worker(wd, [conn])
        try:
            exp1 = Expected(".json").add(topic, read_back(topic, half), flush, default_encoder)
            wait_done(w, conn["name"], exp1, bucket)
            before = committed(w, conn["name"])
            kctest.s3_server_stop()
            down_at = time.time()
            produce_per_partition(topic, second)
            # The outage: the task must stay RUNNING and commit nothing new (nothing can be uploaded).
            states = collections.Counter()
            while time.time() - down_at < OUTAGE_S:
                w.alive_or_raise()
                code, st = w.status(conn["name"])
                states[(st["connector"]["state"],) + tuple(t["state"] for t in st["tasks"])] += 1
                assert committed(w, conn["name"]) == before, "offsets advanced while S3 was down"
                time.sleep(1)
            assert list(states) == [("RUNNING", "RUNNING")], states
            kctest.s3_server_start()
            up_at = time.time()
            exp = Expected(".json").add(topic, read_back(topic, 2 * half), flush, default_encoder)
            wait_done(w, conn["name"], exp, bucket, timeout=180)
            recovered = time.time() - up_at
            code, st = w.status(conn["name"])
            assert st["tasks"][0]["state"] == "RUNNING", st
            n_obj, n_rec = check_bucket(bucket, exp)
            assert committed(w, conn["name"]) != before
            retries = w.tail(100000).count("retrying in")
            print("  %ds outage: %d retries logged; recovered %.1fs after the restart; %d objects, %d records" % (
                OUTAGE_S, retries, recovered, n_obj, n_rec), flush=True)
            assert retries > 0, "no retry was logged during the outage"
        finally:
            w.stop()
        exited_ok(w)
        kctest.s3_delete_bucket(bucket)
    finally:
        if started:
            kctest._s3_tool("stop", check=False)
            kctest._s3_tool("clean", check=False)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(wd, ignore_errors=True)


# ---- 5. wrong secret key ----------------------------------------------------------------------

def test_wrong_secret():
    with S3Server():
        data = loghub_topics()
        wd = kctest.tmpdir("kc-s3-secret-")
        topic, parts, _ = data["Hadoop"]
        bucket = kctest.s3_create_bucket(unique("kc-s3e2e-secret"))
        conn = s3_connector(unique("s3-secret"), [topic], bucket, os.path.join(wd, "spool"), 10,
                            **{"aws.secret.access.key": "not-the-secret"})
        w = kctest.Worker(wd, WORKER_PROPS, [conn]).start()
        try:
            def failed():
                w.alive_or_raise()
                code, st = w.status(conn["name"])
                return code == 200 and st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st
            st = kctest.wait_until(failed, 60, 0.2, "the task FAILED")
            trace = st["tasks"][0].get("trace", "")
            assert bucket in trace, "the trace does not name the bucket %s: %r" % (bucket, trace)
            assert "SignatureDoesNotMatch" in trace, "the trace lacks the S3 error code: %r" % trace
            assert "403" in trace, trace
            assert committed(w, conn["name"]) == {}, "offsets were committed"
            assert kctest.s3_list_objects(bucket) == []
            assert kctest.s3_list_multipart_uploads(bucket) == []
            print("  trace: %s" % trace.splitlines()[0][:300], flush=True)
        finally:
            w.stop()
        exited_ok(w)
        kctest.s3_delete_bucket(bucket)
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_partitioners, test_gzip, test_kill9_during_uploads, test_s3_outage, test_wrong_secret])
