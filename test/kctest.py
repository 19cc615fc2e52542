"""Shared helpers for kconnect's Python tests (REST and end-to-end tiers).

Every test starts its own kconnect processes, on 127.0.0.1 ports it picks, and
stops only the processes it started, by PID. The Kafka broker is the real local
one started by tools/kafka-local (KAFKA_BOOTSTRAP, default 127.0.0.1:9092).
"""
import json
import os
import signal
import signal as _signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

BIN = os.environ.get("KCONNECT_BIN", os.path.join(os.path.dirname(__file__), "..", "build", "kconnect"))
SHARED_DATA = os.environ.get("KC_SHARED_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")


# tools/test runs test files in parallel: a port one process got from bind(0) and closed could be
# handed to another before the kconnect it is meant for binds it. Each port handed out is reserved
# in a per-user directory (one file per port naming the reserving PID) until that process exits.
_PORT_DIR = os.path.join(tempfile.gettempdir(), "kctest-ports-%d" % os.getuid())
_reserved = []


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _reserve_port(port):
    os.makedirs(_PORT_DIR, exist_ok=True)
    path = os.path.join(_PORT_DIR, str(port))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                with open(path) as f:
                    owner = int(f.read().strip() or 0)
            except (OSError, ValueError):
                owner = 0
            if owner and _pid_alive(owner):
                return False
            try:  # a reservation of a process that is gone
                os.unlink(path)
            except OSError:
                pass
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        _reserved.append(path)
        return True
    return False


def _release_ports():
    for path in _reserved:
        try:
            os.unlink(path)
        except OSError:
            pass


import atexit as _atexit  # noqa: E402
_atexit.register(_release_ports)


def free_port():
    """A 127.0.0.1 TCP port that is free now and that no other running test was given."""
    port = None
    for _ in range(100):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        try:
            if _reserve_port(port):
                return port
        except OSError:
            return port  # no usable temp dir: fall back to the kernel's choice alone
    return port


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def wait_until(fn, timeout=60.0, interval=0.1, what="condition"):
    """Polls fn() until it returns a truthy value; raises on timeout."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling through transient errors
            last = e
        time.sleep(interval)
    raise AssertionError("timed out after %.0fs waiting for %s (last: %r)" % (timeout, what, last))


def write_props(path, props):
    with open(path, "w") as f:
        for k, v in props.items():
            f.write("%s=%s\n" % (k, v))
    return path


class Worker:
    """A kconnect worker process started by a test: standalone, or distributed (mode="distributed",
    then worker_props must carry group.id and the three storage topics, see distributed_props)."""

    def __init__(self, workdir, worker_props=None, connectors=(), extra_args=(), mode="standalone", port=None):
        self.workdir = workdir
        self.mode = mode
        self.port = port or free_port()
        props = {
            "bootstrap.servers": BOOTSTRAP,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.flush.interval.ms": "1000",
            "listeners": "http://127.0.0.1:%d" % self.port,
        }
        if mode == "standalone":
            props["offset.storage.file.filename"] = os.path.join(workdir, "connect.offsets")
        else:
            props["rest.advertised.host.name"] = "127.0.0.1"
        props.update(worker_props or {})
        self.worker_id = "127.0.0.1:%d" % self.port
        self.worker_file = write_props(os.path.join(workdir, "worker-%d.properties" % self.port), props)
        self.connector_files = []
        for i, c in enumerate(connectors):
            self.connector_files.append(write_props(os.path.join(workdir, "connector-%d.properties" % i), c))
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(workdir, "worker-%d.log" % self.port)

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN, self.mode, self.worker_file] + self.connector_files + self.extra_args,
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        if wait:
            wait_until(lambda: self.alive_or_raise() and self.get("/")[0] == 200, 60, what="REST on :%d" % self.port)
        return self

    def alive_or_raise(self):
        if self.proc.poll() is not None:
            raise AssertionError("kconnect exited with %s; log:\n%s" % (self.proc.returncode, self.tail()))
        return True

    def tail(self, n=60):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, raw=None, headers=None, timeout=30):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                return e.code, (json.loads(text) if text else None)
            except ValueError:
                return e.code, text

    def get(self, path):
        return self.request("GET", path)

    def status(self, name):
        return self.get("/connectors/%s/status" % name)

    def wait_running(self, name, tasks=1, timeout=60):
        def ok():
            code, st = self.status(name)
            return code == 200 and st["connector"]["state"] == "RUNNING" and \
                len(st["tasks"]) >= tasks and all(t["state"] == "RUNNING" for t in st["tasks"])
        return wait_until(ok, timeout, what="%s RUNNING" % name)

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self, sig=_signal.SIGTERM, timeout=60):
        """Stops this worker (only this PID); returns its exit code."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError("kconnect did not stop within %ss after %s" % (timeout, sig))
        self.log.close()
        return self.proc.returncode


def distributed_props(group, **extra):
    """Worker settings for a distributed test cluster: its own group and internal topics (replication
    factor 1 on the one-node broker), short group timeouts so rebalances take seconds."""
    p = {
        "group.id": group,
        "config.storage.topic": group + "-configs",
        "offset.storage.topic": group + "-offsets",
        "status.storage.topic": group + "-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "offset.storage.partitions": "5",
        "status.storage.partitions": "3",
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "1000",
        "scheduled.rebalance.max.delay.ms": "4000",
    }
    p.update({k.replace("_", "."): v for k, v in extra.items()})
    return p


def kcat(*args, input_bytes=None, timeout=120):
    """Runs kcat against the local broker; returns stdout bytes."""
    cmd = ["kcat", "-b", BOOTSTRAP] + list(args)
    r = subprocess.run(cmd, input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError("kcat %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout




def consume_all(topic, expect_count, timeout=120):
    """Consumes a topic from the beginning until expect_count records, returns the values (bytes)."""
    out = kcat("-C", "-t", topic, "-o", "beginning", "-c", str(expect_count), "-e", "-q", "-D", "\x1e",
               timeout=timeout)
    vals = out.split(b"\x1e")
    if vals and vals[-1] == b"":
        vals.pop()
    return vals


def loghub_files():
    root = os.path.join(SHARED_DATA, "loghub")
    out = []
    for system in sorted(os.listdir(root)):
        d = os.path.join(root, system)
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if f.endswith(".log"):
                    out.append(os.path.join(d, f))
    return out


def tmpdir(prefix="kc-test-"):
    return tempfile.mkdtemp(prefix=prefix)


def main(tests):
    """Runs test functions; prints 'N passed, N failed' and exits non-zero on failure."""
    passed = failed = 0
    for t in tests:
        start = time.time()
        try:
            t()
            passed += 1
            print("PASS %s (%.1fs)" % (t.__name__, time.time() - start), flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (t.__name__, e), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


# ---- end-to-end helpers (FileStream pipelines; used by test/e2e/ and tools/bench) ----

import re as _re  # noqa: E402

_EOL = _re.compile(rb"\r\n|\n|\r")


def split_source_lines(data):
    """Splits bytes into lines the way FileStreamSource does (connect-runtime.md 7): terminators
    \\n, \\r\\n or \\r; a lone trailing \\r waits for the next byte. Returns (lines, rest) where rest
    is the unterminated tail that is not emitted yet."""
    tail_cr = data.endswith(b"\r")
    if tail_cr:
        data = data[:-1]
    parts = _EOL.split(data)
    rest = parts.pop()
    if tail_cr:
        rest += b"\r"
    return parts, rest


def loghub_lines(path):
    """The lines FileStreamSource emits for a loghub log once its last line is terminated."""
    with open(path, "rb") as f:
        lines, rest = split_source_lines(f.read())
    if rest:
        lines.append(rest)
    return lines


def numbered_loghub_lines(count, start=0):
    """count unique lines built from all loghub logs (repeated as needed), each prefixed with a
    9-digit sequence number so losses, duplicates and order are checkable."""
    base = []
    for p in loghub_files():
        base.extend(loghub_lines(p))
    return [b"%09d %s" % (start + i, base[i % len(base)]) for i in range(count)]


def seq_of(line):
    """The sequence number of a numbered line, or None for a line that is not one (e.g. torn)."""
    if len(line) >= 10 and line[9:10] == b" " and line[:9].isdigit():
        return int(line[:9])
    return None


def file_source(name, path, topic, **extra):
    c = {"name": name, "connector.class": "FileStreamSource", "tasks.max": "1", "file": path, "topic": topic}
    c.update({k.replace("_", "."): v for k, v in extra.items()})
    return c


def file_sink(name, path, topics, **extra):
    c = {"name": name, "connector.class": "FileStreamSink", "tasks.max": "1", "file": path, "topics": topics}
    c.update({k.replace("_", "."): v for k, v in extra.items()})
    return c


def read_sink_lines(path):
    """Lines of a FileStreamSink output file (each record is written as value + \\n)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


class LineCounter:
    """Counts \\n in a growing file, reading only what was appended since the last call."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.lines = 0

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    self.lines += chunk.count(b"\n")
                    self.pos += len(chunk)
        except FileNotFoundError:
            pass
        return self.lines


def wait_for_lines(path, n, timeout=120.0, worker=None, counter=None):
    """Waits until the file holds at least n lines; fails early if the worker died."""
    counter = counter or LineCounter(path)

    def ok():
        if worker is not None:
            worker.alive_or_raise()
        return counter.count() >= n

    try:
        wait_until(ok, timeout, interval=0.2, what="%d lines in %s" % (n, path))
    except AssertionError as e:
        raise AssertionError("%s: has %d lines%s" % (e, counter.count(),
                                                    ("; worker log:\n" + worker.tail()) if worker else ""))
    return counter.count()


def wait_stable(fn, settle=2.0, timeout=60.0, interval=0.2):
    """Polls fn() until its value has not changed for settle seconds; returns that value."""
    deadline = time.time() + timeout
    last = fn()
    since = time.time()
    while time.time() < deadline:
        time.sleep(interval)
        v = fn()
        if v != last:
            last, since = v, time.time()
        elif time.time() - since >= settle:
            return v
    raise AssertionError("value kept changing for %.0fs (last %r)" % (timeout, last))


def topic_end_offset(topic, partition=0):
    """The partition's high watermark (number of records for a fresh single-partition topic)."""
    out = kcat("-Q", "-t", "%s:%d:-1" % (topic, partition)).decode()
    m = _re.search(r"\[%d\] offset (-?\d+)" % partition, out)
    if not m:
        raise AssertionError("unexpected kcat -Q output: %r" % out)
    return int(m.group(1))


def create_topic(name, partitions, configs=None):
    """CreateTopics (API 19, v2) by hand: kcat cannot create a topic with several partitions and
    the broker auto-creates with one. @configs: topic configs ({"cleanup.policy": "compact"}).
    Waits until the metadata shows every partition led."""
    import struct
    host, port = BOOTSTRAP.split(",")[0].rsplit(":", 1)

    def s16(s):
        b = s.encode()
        return struct.pack(">h", len(b)) + b

    cfgs = b"".join(s16(k) + s16(v) for k, v in (configs or {}).items())
    body = struct.pack(">i", 1) + s16(name) + struct.pack(">ihii", partitions, 1, 0, len(configs or {})) + cfgs + \
        struct.pack(">i?", 30000, False)
    req = struct.pack(">hhi", 19, 2, 1) + s16("kc-test") + body
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(struct.pack(">i", len(req)) + req)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("broker closed the connection during CreateTopics")
            buf += chunk
    pos = 4 + 4 + 4 + 4  # size, correlation id, throttle ms, topic count; then name, error code
    nlen = struct.unpack(">h", buf[pos:pos + 2])[0]
    err = struct.unpack(">h", buf[pos + 2 + nlen:pos + 4 + nlen])[0]
    if err not in (0, 36):  # 36 TOPIC_ALREADY_EXISTS
        raise AssertionError("CreateTopics %s: error code %d" % (name, err))

    def ready():
        md = json.loads(kcat("-L", "-J", "-t", name))
        t = [t for t in md["topics"] if t["topic"] == name]
        return t and len(t[0]["partitions"]) == partitions and all(p["leader"] >= 0 for p in t[0]["partitions"])
    wait_until(ready, 30, 0.2, "topic %s with %d partitions" % (name, partitions))
    return name


def consume_records(topic, count, timeout=120):
    """Consumes up to count records from the beginning; returns [(key or None, value or None)],
    keeping null keys/values distinct from empty ones (kcat %K/%S print -1 for null)."""
    out = kcat("-C", "-t", topic, "-o", "beginning", "-c", str(count), "-e", "-q",
               "-f", "%K %S\n%k%s", timeout=timeout)
    recs, i = [], 0
    while i < len(out):
        nl = out.index(b"\n", i)
        klen, vlen = (int(x) for x in out[i:nl].split(b" "))
        i = nl + 1
        key = None
        if klen >= 0:
            key, i = out[i:i + klen], i + klen
        val = None
        if vlen >= 0:
            val, i = out[i:i + vlen], i + vlen
        recs.append((key, val))
    return recs


def http_full(worker, method, path, body=None, timeout=30):
    """Like Worker.request but also returns the response headers: (status, headers, body)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=timeout)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed


# ---- S3 helpers (the local versitygw server of tools/s3-local; boto3 signs SigV4) ----

S3_TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "s3-local")


def s3_env():
    """The local S3 server's endpoint, credentials and region; the defaults match tools/s3-local."""
    port = os.environ.get("S3_PORT", "9000")
    return {
        "endpoint": os.environ.get("S3_ENDPOINT", "http://127.0.0.1:%s" % port),
        "access_key": os.environ.get("S3_ACCESS_KEY", "kconnect"),
        "secret_key": os.environ.get("S3_SECRET_KEY", "kconnect-secret-key"),
        "region": os.environ.get("S3_REGION", "us-east-1"),
    }


def _s3_tool(cmd, check=True):
    r = subprocess.run([S3_TOOL, cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError("tools/s3-local %s failed (%d): %s" % (cmd, r.returncode, r.stderr.decode()))
    return r


def s3_server_start():
    """Starts the local S3 server unless tools/s3-local already runs one; returns True only if this
    call started it (so the caller knows to stop it, and only then)."""
    if _s3_tool("status", check=False).returncode == 0:
        return False
    _s3_tool("start")
    # A server this script did not start may serve the port; then start used it and we own nothing.
    return _s3_tool("status", check=False).returncode == 0


def s3_server_stop():
    _s3_tool("stop")


def s3_client(access_key=None, secret_key=None, region=None, **config):
    """A boto3 S3 client for the local server: path-style addressing, SigV4, few retries (a test
    wants to see an error, not wait it out). Arguments override the s3_env() credentials."""
    import boto3
    from botocore.config import Config
    env = s3_env()
    opts = {"signature_version": "s3v4", "s3": {"addressing_style": "path"},
            "retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 5, "read_timeout": 60}
    opts.update(config)
    try:
        cfg = Config(**opts)
    except TypeError:
        # Older botocore (Debian's 1.29) lacks options newer callers may pass, e.g.
        # request_checksum_calculation; those only matter to the newer version.
        for k in ("request_checksum_calculation", "response_checksum_validation"):
            opts.pop(k, None)
        cfg = Config(**opts)
    return boto3.client("s3", endpoint_url=env["endpoint"], region_name=region or env["region"],
                        aws_access_key_id=access_key or env["access_key"],
                        aws_secret_access_key=secret_key or env["secret_key"], config=cfg)


def s3_create_bucket(name, client=None):
    """Creates a bucket (an existing one of ours is fine); returns its name."""
    c = client or s3_client()
    try:
        c.create_bucket(Bucket=name)
    except c.exceptions.BucketAlreadyOwnedByYou:
        pass
    return name


def s3_list_objects(bucket, prefix="", client=None):
    """[(key, size)] of every object under prefix, sorted by key."""
    c = client or s3_client()
    out = []
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out.extend((o["Key"], o["Size"]) for o in page.get("Contents", []))
    return sorted(out)


def s3_get(bucket, key, client=None):
    """The object's bytes."""
    c = client or s3_client()
    return c.get_object(Bucket=bucket, Key=key)["Body"].read()


def s3_list_multipart_uploads(bucket, prefix="", client=None):
    """[(key, upload_id)] of the multipart uploads in progress (created, neither completed nor aborted)."""
    c = client or s3_client()
    out = []
    for page in c.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
        out.extend((u["Key"], u["UploadId"]) for u in page.get("Uploads", []))
    return sorted(out)


def s3_delete_bucket(bucket, client=None):
    """Aborts the bucket's uploads, deletes its objects, then the bucket (tests clean up after themselves)."""
    c = client or s3_client()
    for key, upload_id in s3_list_multipart_uploads(bucket, client=c):
        c.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    keys = [k for k, _ in s3_list_objects(bucket, client=c)]
    for i in range(0, len(keys), 1000):
        c.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
    c.delete_bucket(Bucket=bucket)
