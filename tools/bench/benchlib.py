"""Shared pieces of the benchmarks under tools/bench: process metrics from /proc, topic admin through
librdkafka (ctypes), input built from the loghub data, and the real Java Kafka Connect worker
(Apache Kafka 3.9.1 jars from Maven Central, cached outside the repository).
"""
import csv
import ctypes
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
import zoneinfo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test"))
os.environ.setdefault("KC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
import kctest  # noqa: E402

CONNECT_VERSION = "3.9.1"
SLF4J_VERSION = "1.7.36"
# Pinned as tools/kafka-local pins it for the 4.x broker.
LOG4J2_VERSION = "2.25.5"
AIVEN_S3 = ("io.aiven", "s3-connector-for-apache-kafka", "2.15.0")
# Conduit (Apache 2.0, Go): built-in kafka source and s3 destination in one process; the peer of case (d).
CONDUIT = ("github.com/conduitio/conduit", "v0.14.0")
TS0 = int(datetime.datetime(2024, 3, 9, 23, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul")).timestamp() * 1000)


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def broker_version():
    """The Kafka version of the tools/kafka-local broker behind kctest.BOOTSTRAP, for the report
    lines ("unknown" for a broker that script did not start)."""
    env = dict(os.environ, KAFKA_PORT=kctest.BOOTSTRAP.rsplit(":", 1)[1])
    env.pop("KC_KAFKA_VERSION", None)
    env.pop("KC_KAFKA_DIR", None)
    r = subprocess.run([os.path.join(ROOT, "tools", "kafka-local"), "status"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    m = re.match(r"running Kafka (\S+) ", r.stdout.decode())
    return m.group(1) if m else "unknown"


def proc_stat(pid):
    """(cpu seconds, VmHWM kB, VmRSS kB) of a live process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    mem = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                mem[k] = int(v.split()[0])
    return cpu, mem["VmHWM"], mem["VmRSS"]


def time_v(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time -v; returns (wall s, cpu s, max RSS kB)."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    err = r.stderr.decode()
    if r.returncode != 0:
        raise SystemExit("bench: %s failed:\n%s" % (cmd[0], err[-2000:]))

    def field(name):
        m = re.search(r"^\s*%s: (.+)$" % re.escape(name), err, re.M)
        if not m:
            raise SystemExit("bench: no %r in /usr/bin/time output" % name)
        return m.group(1).strip()

    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return wall, cpu, int(field("Maximum resident set size (kbytes)"))


# ---- Kafka admin through librdkafka (kcat cannot create a topic with P partitions) ----

class Admin:
    """CreateTopics, DeleteTopics and watermark queries via librdkafka's C API (ctypes)."""

    def __init__(self, bootstrap):
        L = self.lib = ctypes.CDLL("librdkafka.so.1")
        vp, cp, sz, i32 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int
        sigs = {
            "rd_kafka_conf_new": (vp, []),
            "rd_kafka_conf_set": (i32, [vp, cp, cp, cp, sz]),
            "rd_kafka_new": (vp, [i32, vp, cp, sz]),
            "rd_kafka_destroy": (None, [vp]),
            "rd_kafka_queue_new": (vp, [vp]),
            "rd_kafka_queue_destroy": (None, [vp]),
            "rd_kafka_queue_poll": (vp, [vp, i32]),
            "rd_kafka_event_type": (i32, [vp]),
            "rd_kafka_event_error": (i32, [vp]),
            "rd_kafka_event_error_string": (cp, [vp]),
            "rd_kafka_event_destroy": (None, [vp]),
            "rd_kafka_NewTopic_new": (vp, [cp, i32, i32, cp, sz]),
            "rd_kafka_NewTopic_destroy": (None, [vp]),
            "rd_kafka_CreateTopics": (None, [vp, vp, sz, vp, vp]),
            "rd_kafka_event_CreateTopics_result": (vp, [vp]),
            "rd_kafka_CreateTopics_result_topics": (ctypes.POINTER(vp), [vp, ctypes.POINTER(sz)]),
            "rd_kafka_DeleteTopic_new": (vp, [cp]),
            "rd_kafka_DeleteTopic_destroy": (None, [vp]),
            "rd_kafka_DeleteTopics": (None, [vp, vp, sz, vp, vp]),
            "rd_kafka_event_DeleteTopics_result": (vp, [vp]),
            "rd_kafka_DeleteTopics_result_topics": (ctypes.POINTER(vp), [vp, ctypes.POINTER(sz)]),
            "rd_kafka_topic_result_error": (i32, [vp]),
            "rd_kafka_topic_result_error_string": (cp, [vp]),
            "rd_kafka_err2str": (cp, [i32]),
            "rd_kafka_query_watermark_offsets": (i32, [vp, cp, ctypes.c_int32, ctypes.POINTER(ctypes.c_int64),
                                                      ctypes.POINTER(ctypes.c_int64), i32]),
        }
        for name, (res, argt) in sigs.items():
            fn = getattr(L, name)
            fn.restype, fn.argtypes = res, argt
        self.bootstrap = bootstrap
        self.rk = self._handle()

    def _handle(self):
        L = self.lib
        err = ctypes.create_string_buffer(512)
        conf = L.rd_kafka_conf_new()
        if L.rd_kafka_conf_set(conf, b"bootstrap.servers", self.bootstrap.encode(), err, 512) != 0:
            raise SystemExit("bench: librdkafka: %s" % err.value.decode())
        rk = L.rd_kafka_new(0, conf, err, 512)  # RD_KAFKA_PRODUCER: no group
        if not rk:
            raise SystemExit("bench: librdkafka: %s" % err.value.decode())
        return rk

    def _admin(self, kind, objs, call, result_of, topics_of, destroy):
        L = self.lib
        q = L.rd_kafka_queue_new(self.rk)
        arr = (ctypes.c_void_p * len(objs))(*objs)
        call(self.rk, arr, len(objs), None, q)
        for o in objs:
            destroy(o)
        ev = L.rd_kafka_queue_poll(q, 60000)
        try:
            if not ev:
                raise SystemExit("bench: %s timed out" % kind)
            if L.rd_kafka_event_error(ev):
                raise SystemExit("bench: %s: %s" % (kind, L.rd_kafka_event_error_string(ev).decode()))
            n = ctypes.c_size_t()
            res = topics_of(result_of(ev), ctypes.byref(n))
            errs = []
            for i in range(n.value):
                e = L.rd_kafka_topic_result_error(res[i])
                if e:
                    s = L.rd_kafka_topic_result_error_string(res[i])
                    errs.append(s.decode() if s else L.rd_kafka_err2str(e).decode())
            if errs:
                raise SystemExit("bench: %s: %s" % (kind, "; ".join(errs)))
        finally:
            if ev:
                L.rd_kafka_event_destroy(ev)
            L.rd_kafka_queue_destroy(q)

    def create_topic(self, name, partitions):
        L = self.lib
        err = ctypes.create_string_buffer(512)
        nt = L.rd_kafka_NewTopic_new(name.encode(), partitions, 1, err, 512)
        if not nt:
            raise SystemExit("bench: NewTopic %s: %s" % (name, err.value.decode()))
        self._admin("CreateTopics " + name, [nt], L.rd_kafka_CreateTopics,
                    L.rd_kafka_event_CreateTopics_result, L.rd_kafka_CreateTopics_result_topics,
                    L.rd_kafka_NewTopic_destroy)
        # Metadata reaches the broker's cache a little later: wait until the last partition answers.
        kctest.wait_until(lambda: self.end_offsets(name, [partitions - 1], raise_=False) is not None, 60,
                          interval=0.2, what="partition %d of %s" % (partitions - 1, name))

    def delete_topic(self, name):
        L = self.lib
        self._admin("DeleteTopics " + name, [L.rd_kafka_DeleteTopic_new(name.encode())],
                    L.rd_kafka_DeleteTopics, L.rd_kafka_event_DeleteTopics_result,
                    L.rd_kafka_DeleteTopics_result_topics, L.rd_kafka_DeleteTopic_destroy)

    def end_offsets(self, topic, partitions, raise_=True):
        """The partitions' high watermarks, or None (raise_=False) when one does not answer. A fresh
        handle each time: a long-lived one kept answering "Not leader" from a stale metadata cache
        for a topic created moments before (librdkafka 2.0.2), long after the broker served it."""
        rk = self._handle()
        try:
            out = []
            for partition in partitions:
                lo, hi = ctypes.c_int64(), ctypes.c_int64()
                e = self.lib.rd_kafka_query_watermark_offsets(rk, topic.encode(), partition, ctypes.byref(lo),
                                                              ctypes.byref(hi), 10000)
                if e:
                    if raise_:
                        raise SystemExit("bench: watermarks of %s-%d: %s"
                                         % (topic, partition, self.lib.rd_kafka_err2str(e).decode()))
                    return None
                out.append(hi.value)
            return out
        finally:
            self.lib.rd_kafka_destroy(rk)

    def close(self):
        self.lib.rd_kafka_destroy(self.rk)


# ---- input ----

def build_lines(path, n):
    """Writes n lines by repeating the loghub logs; returns the file's size."""
    base = []
    for p in kctest.loghub_files():
        base.extend(ln for ln in kctest.loghub_lines(p) if ln)
    with open(path, "wb") as f:
        full, rem = divmod(n, len(base))
        block = b"".join(ln + b"\n" for ln in base)
        for _ in range(full):
            f.write(block)
        f.write(b"".join(ln + b"\n" for ln in base[:rem]))
    return os.path.getsize(path)


def loghub_structured_rows():
    """Every row of the loghub structured CSVs as {"system": <log>, <the CSV's columns>}, LineId an
    int, in directory and file order; empty when there are none."""
    rows = []
    root = os.path.join(kctest.SHARED_DATA, "loghub")
    for d in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, d)):
            continue
        for f in sorted(os.listdir(os.path.join(root, d))):
            if f.endswith("_structured.csv"):
                with open(os.path.join(root, d, f), newline="", encoding="utf-8") as fh:
                    for row in csv.DictReader(fh):
                        rec = {"system": d}
                        rec.update(row)
                        rec["LineId"] = int(rec["LineId"])
                        rows.append(rec)
    return rows


def build_values(path, n, step_ms=10):
    """Writes n JSON records, one per line, from the loghub structured CSVs: every CSV row becomes
    {"system", <the CSV's columns>, "seq": i, "ts": epoch-ms}. Returns (file size, CSV rows)."""
    base = loghub_structured_rows()
    if not base:
        raise SystemExit("bench: no loghub structured CSVs under %s" % kctest.SHARED_DATA)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            rec = dict(base[i % len(base)])
            rec["seq"] = i
            rec["ts"] = TS0 + i * step_ms
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    return os.path.getsize(path), len(base)


def partition_keys(p):
    """For each partition a key that librdkafka's consistent partitioner (CRC32 % p) sends there."""
    keys, j = [None] * p, 0
    missing = p
    while missing:
        k = b"k%d" % j
        slot = zlib.crc32(k) % p
        if keys[slot] is None:
            keys[slot] = k
            missing -= 1
        j += 1
    return keys


def load_topic(admin, topic, p, values_path, n):
    """Loads the file's lines, line i into partition i % p; returns (wall s, end offsets)."""
    keys = partition_keys(p)
    cmd = ["kcat", "-b", kctest.BOOTSTRAP, "-P", "-t", topic, "-K", "\t", "-X", "topic.partitioner=consistent",
           "-X", "linger.ms=20"]
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    with open(values_path, "rb") as f:
        buf = []
        for i, line in enumerate(f):
            buf.append(keys[i % p] + b"\t" + line)
            if len(buf) >= 10000:
                proc.stdin.write(b"".join(buf))
                buf = []
        proc.stdin.write(b"".join(buf))
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("bench: kcat -P failed (%d)" % proc.returncode)
    wall = time.time() - t0
    ends = admin.end_offsets(topic, range(p))
    want = [n // p + (1 if i < n % p else 0) for i in range(p)]
    if ends != want:
        bad = [(i, ends[i], want[i]) for i in range(p) if ends[i] != want[i]][:5]
        raise SystemExit("bench: %s partitions hold unexpected counts (partition, has, want): %s" % (topic, bad))
    return wall, ends


# ---- the Java Kafka Connect worker (Maven Central jars) ----

def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kconnect")


def _pom(deps):
    body = "".join("<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>"
                   % d for d in deps)
    return ('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
            "<groupId>kconnect.bench</groupId><artifactId>fetch</artifactId><version>1</version>"
            "<packaging>pom</packaging><dependencies>%s</dependencies></project>\n" % body)


def mvn_copy(deps, out_dir, work, exclude_transitive=False):
    """mvn dependency:copy-dependencies of deps into out_dir (created atomically: a half-fetched
    directory never looks complete). Raises RuntimeError with mvn's error lines on failure."""
    if os.path.isdir(out_dir):
        return out_dir
    if not shutil.which("mvn"):
        raise RuntimeError("mvn not installed")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "pom.xml"), "w") as f:
        f.write(_pom(deps))
    tmp = out_dir + ".part"
    shutil.rmtree(tmp, ignore_errors=True)
    # -U: re-check the remote instead of replaying a failure cached in ~/.m2 by an earlier attempt.
    cmd = ["mvn", "-B", "-q", "-U", "-f", os.path.join(work, "pom.xml"), "dependency:copy-dependencies",
           "-DoutputDirectory=" + tmp, "-DincludeScope=runtime"]
    if exclude_transitive:
        cmd.append("-DexcludeTransitive=true")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        text = r.stdout.decode("utf-8", "replace")
        m = re.search(r"Could not find artifact (\S+) in (\S+) \((\S+)\)", text) or \
            re.search(r"(\S+) was not found in (\S+)()", text)
        if m:
            raise RuntimeError("mvn: artifact %s not found in %s %s" % m.groups())
        errs = [ln.replace("\x1b[0m", "").strip() for ln in text.splitlines() if "ERROR" in ln][:2]
        raise RuntimeError("mvn failed: %s" % " | ".join(errs))
    os.rename(tmp, out_dir)
    return out_dir


def java_connect_home(version=CONNECT_VERSION):
    """Fetches (once) connect-runtime + slf4j-reload4j into <cache>/connect-V/libs and connect-file
    into <cache>/connect-V/plugins/connect-file; returns (libs dir, connect-file plugin dir)."""
    home = os.path.join(cache_dir(), "connect-%s" % version)
    if int(version.split(".")[0]) >= 4:
        # Connect 4.x logs through log4j2 (KIP-653) and /admin/loggers drives log4j-core: without
        # it Loggers answers 500. Kafka's distribution ships log4j-core with the slf4j binding.
        libs = mvn_copy([("org.apache.kafka", "connect-runtime", version),
                         ("org.apache.logging.log4j", "log4j-core", LOG4J2_VERSION),
                         ("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J2_VERSION)],
                        os.path.join(home, "libs-log4j2"), os.path.join(home, "pom-runtime-log4j2"))
    else:
        libs = mvn_copy([("org.apache.kafka", "connect-runtime", version),
                         ("org.slf4j", "slf4j-reload4j", SLF4J_VERSION)],
                        os.path.join(home, "libs"), os.path.join(home, "pom-runtime"))
    plugins = os.path.join(home, "plugins")
    mvn_copy([("org.apache.kafka", "connect-file", version)], os.path.join(plugins, "connect-file"),
             os.path.join(home, "pom-file"), exclude_transitive=True)
    return libs, os.path.join(plugins, "connect-file")


def aiven_s3_home():
    """Fetches Aiven's S3 sink with its dependencies into <cache>/aiven-s3-V; returns the plugin
    dir (the parent of the connector's own dir). Raises RuntimeError when it cannot."""
    g, a, v = AIVEN_S3
    home = os.path.join(cache_dir(), "aiven-s3-%s" % v)
    mvn_copy([AIVEN_S3], os.path.join(home, "plugins", a), os.path.join(home, "pom"))
    return os.path.join(home, "plugins")



def conduit_bin():
    """Builds (once) Conduit's binary into <cache>/conduit-V/bin/conduit with the local Go toolchain;
    returns its path and the build time in seconds (0.0 when already built). Raises RuntimeError
    with go's last lines when it cannot.

    Built as a dependency of a throw-away module rather than `go install module/cmd/conduit@V`:
    that form first reads the module's version list (for its deprecation notice), which the proxy
    here refuses (403) although it serves V itself. The build list is then the MVS result of
    Conduit's own go.mod, the same versions `go install` would use."""
    mod, version = CONDUIT
    home = os.path.join(cache_dir(), "conduit-%s" % version)
    binary = os.path.join(home, "bin", "conduit")
    if os.access(binary, os.X_OK):
        return binary, 0.0
    if not shutil.which("go"):
        raise RuntimeError("go not installed (Conduit is built from source)")
    src = os.path.join(home, "src")
    os.makedirs(src, exist_ok=True)
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    with open(os.path.join(src, "go.mod"), "w") as f:
        f.write("module kconnect.bench/conduit\n\ngo 1.24.2\n\nrequire %s %s\n" % (mod, version))
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod -buildvcs=false", GOWORK="off")
    log("building Conduit %s into %s (first run only; several minutes on 2 cores)" % (version, home))
    t0 = time.time()
    r = subprocess.run(["go", "build", "-o", binary + ".part", mod + "/cmd/conduit"], cwd=src, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        lines = [ln for ln in r.stdout.decode("utf-8", "replace").splitlines() if "downloading" not in ln]
        raise RuntimeError("go build %s@%s failed: %s" % (mod, version, " | ".join(lines[-3:])))
    os.rename(binary + ".part", binary)
    took = time.time() - t0
    log("built Conduit in %.0f s" % took)
    return binary, took


# connect-standalone.sh / kafka-run-class.sh of Apache Kafka 3.9 (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS)
JVM_HEAP = ["-Xms256M", "-Xmx2G"]
JVM_PERF = ["-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true"]

LOG4J = """log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c:%L)%n
log4j.logger.org.reflections=ERROR
"""


# connect-log4j2.yaml of Kafka 4.x, as properties: root INFO to stdout, org.reflections ERROR.
LOG4J2 = """appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c:%L)%n
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
logger.reflections.name=org.reflections
logger.reflections.level=ERROR
"""


def java_command(libs, workdir, args):
    log2 = any(n.startswith("log4j-core-") for n in os.listdir(libs))
    log4j = os.path.join(workdir, "connect-log4j2.properties" if log2 else "connect-log4j.properties")
    if not os.path.exists(log4j):
        with open(log4j, "w") as f:
            f.write(LOG4J2 if log2 else LOG4J)
    opt = ("-Dlog4j2.configurationFile=file:" if log2 else "-Dlog4j.configuration=file:") + log4j
    return (["java"] + JVM_HEAP + JVM_PERF +
            [opt, "-cp", os.path.join(libs, "*"),
             "org.apache.kafka.connect.cli.ConnectStandalone"] + list(args))


class JavaWorker(kctest.Worker):
    """Apache Kafka Connect's ConnectStandalone, with kctest.Worker's REST helpers."""

    def __init__(self, workdir, worker_props=None, connectors=(), plugin_path=None):
        libs, plugins = java_connect_home()
        props = {"plugin.discovery": "service_load", "plugin.path": plugin_path or plugins}
        props.update(worker_props or {})
        self.libs = libs
        super().__init__(workdir, props, connectors)

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(java_command(self.libs, self.workdir,
                                                  [self.worker_file] + self.connector_files),
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        if wait:
            kctest.wait_until(lambda: self.alive_or_raise() and self.get("/")[0] == 200, 120,
                              what="Java Connect REST on :%d" % self.port)
        return self


# ---- Avro records in the Schema Registry wire format (cases e, f) ----

AVRO_SYSTEMS = ("Apache", "HDFS", "OpenSSH")  # the systems test/avro_peer.py has schemas for
SR_JSON = "application/vnd.schemaregistry.v1+json"


def sr_request(url, method="GET", body=None):
    """One Schema Registry REST call (Confluent's API; the local registry's ccompat one); returns the
    decoded JSON answer. Raises SystemExit with the registry's answer on an HTTP error."""
    import urllib.error
    import urllib.request
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": SR_JSON,
                                                                         "Accept": SR_JSON})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
    except urllib.error.HTTPError as e:
        raise SystemExit("bench: registry %s %s: HTTP %d %s" % (method, url, e.code, e.read()[:300]))
    return json.loads(text) if text else None


def avro_values(registry, subject):
    """For each of AVRO_SYSTEMS its LogHub rows (test/avro_peer.py's loghub_records) as Confluent
    wire-format values: 0x00, the 4-byte big-endian id the schema got from registering it under
    subject (POST /subjects/<subject>/versions, once), then fastavro's schemaless Avro binary.
    Returns [(system, schema id, [value bytes])]. The subject's compatibility is set to NONE after the first:
    the systems' schemas are unrelated versions of one subject, as a topic whose producers changed
    their record type would have."""
    import io
    import struct
    import fastavro
    import avro_peer
    out = []
    for system in AVRO_SYSTEMS:
        path = avro_peer._csv_path(system)
        with open(path, encoding="utf-8") as f:
            rows = sum(1 for _ in csv.DictReader(f))
        schema_str, recs = avro_peer.loghub_records(system, rows)
        sid = sr_request("%s/subjects/%s/versions" % (registry, subject), "POST", {"schema": schema_str})["id"]
        if not out:  # Apicurio keeps no config for a subject that does not exist yet
            sr_request("%s/config/%s" % (registry, subject), "PUT", {"compatibility": "NONE"})
        parsed = fastavro.parse_schema(json.loads(schema_str))
        head = b"\x00" + struct.pack(">I", sid)
        vals = []
        for r in recs:
            buf = io.BytesIO()
            buf.write(head)
            fastavro.schemaless_writer(buf, parsed, r)
            vals.append(buf.getvalue())
        out.append((system, sid, vals))
    return out


def load_avro_topic(admin, topic, p, systems, n):
    """Produces n framed Avro values (from avro_values) with confluent_kafka.Producer, record i into
    partition i % p; partition k carries only system k % len(systems), cycling its rows, so each
    partition has one schema (a sink whose files rotate on a schema change, as the S3 sink with
    schema.compatibility=NONE, is not measured rotating per record). Returns (bytes, end offsets)."""
    from confluent_kafka import Producer
    pr = Producer({"bootstrap.servers": kctest.BOOTSTRAP, "linger.ms": 20, "batch.num.messages": 10000,
                   "queue.buffering.max.messages": 1000000, "queue.buffering.max.kbytes": 1048576})
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    total = 0
    for i in range(n):
        part = i % p
        vals = systems[part % len(systems)][2]
        v = vals[(i // p) % len(vals)]
        total += len(v)
        while True:
            try:
                pr.produce(topic, value=v, partition=part, on_delivery=on_delivery)
                break
            except BufferError:
                pr.poll(0.1)
        if i % 10000 == 0:
            pr.poll(0)
    left = pr.flush(120)
    if left or errors:
        raise SystemExit("bench: producing to %s: %d undelivered, errors %s" % (topic, left, errors[:3]))
    ends = admin.end_offsets(topic, range(p))
    want = [n // p + (1 if i < n % p else 0) for i in range(p)]
    if ends != want:
        raise SystemExit("bench: %s partitions hold %s, want %s" % (topic, ends, want))
    return total, ends
