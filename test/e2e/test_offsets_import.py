#!/usr/bin/env python3
"""Standalone -> distributed with `kconnect offsets import`, and standalone offsets files shared
between kconnect and Java's connect-standalone (3.9.1).

Two chains, one FileStreamSource each (numbered loghub lines -> a one-partition topic), a batch of
lines appended before each next step:
  kconnect chain: kconnect standalone -> Java standalone on the offsets file kconnect wrote ->
                  import of that (now Java-written) file -> kconnect distributed
  Java chain:     Java standalone -> kconnect standalone on the file Java wrote ->
                  import of that (now kconnect-written) file -> kconnect distributed
Each step must continue where the last stopped: the topic holds every line exactly once (a
graceful stop flushes the offsets; repeats are printed and fail). The imported records must be the
file's key and value bytes on the key's murmur2 partition. Refusals write nothing: a file that is
not an offsets file, a missing or uncompacted topic, an unreachable broker; --dry-run neither.
# kctest: run-serial  (JVM workers)
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tools", "bench"))
import kctest  # noqa: E402
import java_connect_ref  # noqa: E402
from test_java_connect_ref import kafka_partition  # noqa: E402

TIMEOUT = 120
BATCH = 1000
OFFSET_PARTS = 5


def step(name, t0):
    print("step %-52s %6.1f s" % (name, time.time() - t0), flush=True)


def append_lines(path, lines):
    with open(path, "ab") as f:
        f.write(b"".join(l + b"\n" for l in lines))


def topic_seqs(topic):
    n = kctest.topic_end_offset(topic)
    return [kctest.seq_of(v) for _k, v in kctest.consume_records(topic, n)] if n else []


def wait_topic(topic, n, worker):
    def ok():
        if worker.proc.poll() is not None:
            raise AssertionError("worker exited; log:\n%s" % worker.tail(60))
        return kctest.topic_end_offset(topic) >= n
    kctest.wait_until(ok, TIMEOUT, 0.3, "%d records in %s" % (n, topic))


def check_exactly_once(topic, n, what):
    """Waits for the topic to settle, then: sequence numbers 0..n-1, each once, in order."""
    kctest.wait_stable(lambda: kctest.topic_end_offset(topic), settle=2.5, timeout=60)
    seqs = topic_seqs(topic)
    dups = len(seqs) - len(set(seqs))
    print("%s: %d records, %d distinct of %d, %d duplicate(s)" % (what, len(seqs), len(set(seqs)), n, dups),
          flush=True)
    assert set(seqs) == set(range(n)), "%s: lost %s" % (what, sorted(set(range(n)) - set(seqs))[:10])
    assert dups == 0 and seqs == sorted(seqs), "%s: %d duplicate(s), first %s" % (
        what, dups, [s for i, s in enumerate(seqs) if i and seqs[i - 1] >= s][:10])


def run_import(worker_file, offsets_file, *extra):
    t0 = time.time()
    r = subprocess.run([kctest.BIN, "offsets", "import", "--worker", worker_file, "--file", offsets_file] +
                       list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    out, err = r.stdout.decode(), r.stderr.decode()
    print("$ kconnect offsets import --file %s %s -> %d in %.1fs\n%s%s" % (
        os.path.basename(offsets_file), " ".join(extra), r.returncode, time.time() - t0, out, err), flush=True)
    # An ASan build exits 1 on a memory error too: a refusal's status alone would hide it.
    assert "Sanitizer" not in err and "runtime error" not in err, err
    return r.returncode, out, err


def java_standalone(wd, offsets_file, connector):
    import benchlib
    return benchlib.JavaWorker(wd, {"offset.storage.file.filename": offsets_file,
                                    "offset.flush.interval.ms": "1000"}, [connector])


def kc_standalone(wd, offsets_file, connector):
    return kctest.Worker(wd, {"offset.storage.file.filename": offsets_file}, [connector])


def run_standalone(w, topic, n, what):
    t0 = time.time()
    w.start()
    wait_topic(topic, n, w)
    step("%s: start and read to line %d" % (what, n), t0)
    t0 = time.time()
    rc = w.stop(timeout=90)
    assert rc in (0, 143), "%s exited with %s: %s" % (what, rc, w.tail())
    step("%s: stop (SIGTERM)" % what, t0)


def file_entries(path):
    """(key bytes, value bytes) of a standalone offsets file, read by the Java-serialization layout
    both workers write for these small maps: TC_ARRAY byte[] key, byte[] value (or TC_NULL)."""
    data = open(path, "rb").read()
    out, i = [], 0
    while True:
        i = data.find(b"[\"", i)
        if i < 0:
            return out
        klen = int.from_bytes(data[i - 4:i], "big")
        key = data[i:i + klen]
        j = i + klen
        # the value: another byte[] (a TC_ARRAY back-reference to the class, then a length)
        v = data.find(b"{", j)
        vlen = int.from_bytes(data[v - 4:v], "big")
        out.append((key, data[v:v + vlen]))
        i = v + vlen


def java_offsets_file(path, entries):
    """Writes entries [(key bytes, value bytes or None)] as Java's ObjectOutputStream writes the
    HashMap<byte[],byte[]> of FileOffsetBackingStore.save() (class descriptors once, then back
    references; a null value is TC_NULL)."""
    buckets = 16
    while buckets * 3 // 4 < len(entries):
        buckets *= 2
    out = bytearray(b"\xac\xed\x00\x05sr\x00\x11java.util.HashMap\x05\x07\xda\xc1\xc3\x16\x60\xd1\x03\x00\x02"
                    b"F\x00\x0aloadFactorI\x00\x09thresholdxp\x3f\x40\x00\x00")
    out += (buckets * 3 // 4).to_bytes(4, "big") + b"\x77\x08" + buckets.to_bytes(4, "big") + \
        len(entries).to_bytes(4, "big")
    first = True
    for key, val in entries:
        for b in (key, val):
            if b is None:
                out += b"\x70"
                continue
            out += (b"\x75\x72\x00\x02[B\xac\xf3\x17\xf8\x06\x08\x54\xe0\x02\x00\x00\x78\x70" if first
                    else b"\x75\x71\x00\x7e\x00\x02") + len(b).to_bytes(4, "big") + b
            first = False
    out += b"\x78"
    with open(path, "wb") as f:
        f.write(out)


def last_records(topic, partitions):
    """{key: value} of the last record per key in the topic (compaction's view), and each key's partition."""
    last, where = {}, {}
    for p in range(partitions):
        n = kctest.topic_end_offset(topic, p)
        if not n:
            continue
        out = kctest.kcat("-C", "-t", topic, "-p", str(p), "-o", "beginning", "-c", str(n), "-e", "-q",
                          "-f", "%K %S\n%k%s")
        i = 0
        while i < len(out):
            nl = out.index(b"\n", i)
            klen, vlen = (int(x) for x in out[i:nl].split(b" "))
            i = nl + 1
            key, i = out[i:i + klen], i + klen
            val = None
            if vlen >= 0:
                val, i = out[i:i + vlen], i + vlen
            last[key], where[key] = val, p
    return last, where


def test_offsets_import():
    for t in ("java", "mvn", "kcat"):
        if not shutil.which(t):
            print("SKIP: %s not installed" % t)
            return
    wd = kctest.tmpdir("kc-offimport-")
    sfx = kctest.unique("imp").split("-", 1)[1]
    group = "imp-" + sfx
    lines = kctest.numbered_loghub_lines(3 * BATCH)
    chains = {}
    for chain in ("kc", "java"):
        d = os.path.join(wd, chain)
        os.makedirs(d)
        name = "imp-%s-source-%s" % (chain, sfx)
        chains[chain] = {
            "dir": d, "name": name, "topic": "imp-%s-data-%s" % (chain, sfx),
            "file": os.path.join(d, "source.txt"), "offsets": os.path.join(d, "standalone.offsets"),
        }
        c = chains[chain]
        c["connector"] = kctest.file_source(name, c["file"], c["topic"], batch_size="100")
        kctest.create_topic(c["topic"], 1)
    dist_props = kctest.distributed_props(group, offset_storage_partitions=str(OFFSET_PARTS))
    topics = [c["topic"] for c in chains.values()] + [group + s for s in ("-configs", "-offsets", "-status")]
    dist = None
    try:
        # ---- standalone: each chain's first worker, then the other implementation on its file ----
        for chain, first, second in (("kc", kc_standalone, java_standalone), ("java", java_standalone, kc_standalone)):
            c = chains[chain]
            append_lines(c["file"], lines[:BATCH])
            w1 = first(os.path.join(c["dir"]), c["offsets"], c["connector"])
            run_standalone(w1, c["topic"], BATCH, "%s chain, %s standalone" % (chain, first.__name__.split("_")[0]))
            entries = file_entries(c["offsets"])
            print("%s chain offsets file after %s: %s" % (chain, first.__name__, entries))
            assert len(entries) == 1 and b'"position":' in entries[0][1], entries
            append_lines(c["file"], lines[BATCH:2 * BATCH])
            w2dir = os.path.join(c["dir"], "second")
            os.makedirs(w2dir)
            w2 = second(w2dir, c["offsets"], c["connector"])
            run_standalone(w2, c["topic"], 2 * BATCH, "%s chain, %s standalone on the other's offsets file"
                           % (chain, second.__name__.split("_")[0]))
            check_exactly_once(c["topic"], 2 * BATCH, "%s chain after standalone -> standalone" % chain)
            append_lines(c["file"], lines[2 * BATCH:])

        # ---- a fresh distributed cluster (it creates its topics), no connectors yet ----
        t0 = time.time()
        ddir = os.path.join(wd, "dist")
        os.makedirs(ddir)
        dist = kctest.Worker(ddir, dist_props, mode="distributed").start()
        kctest.wait_until(lambda: dist.get("/health")[0] == 200, 60, what="distributed worker healthy")
        step("distributed worker start (topics created)", t0)
        off_topic = dist_props["offset.storage.topic"]
        ends = lambda: [kctest.topic_end_offset(off_topic, p) for p in range(OFFSET_PARTS)]  # noqa: E731
        before = ends()

        # ---- refusals: nothing written ----
        bad = os.path.join(wd, "not-offsets.txt")
        with open(bad, "wb") as f:
            f.write(b"hello\n")
        rc, _out, err = run_import(dist.worker_file, bad)
        assert rc == 1 and "is not an offsets file" in err and "bad stream magic" in err, err
        trunc = os.path.join(wd, "truncated.offsets")
        with open(chains["kc"]["offsets"], "rb") as f:
            data = f.read()
        with open(trunc, "wb") as f:
            f.write(data[:len(data) - 3])
        rc, _out, err = run_import(dist.worker_file, trunc)
        assert rc == 1 and "truncated" in err, err
        base = dict(dist_props, **{"bootstrap.servers": kctest.BOOTSTRAP,
                                   "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                                   "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
        mfile = kctest.write_props(os.path.join(wd, "missing.properties"),
                                   dict(base, **{"offset.storage.topic": "imp-missing-" + sfx}))
        rc, _out, err = run_import(mfile, chains["kc"]["offsets"])
        assert rc == 1 and "does not exist" in err, err
        md = kctest.kcat("-L", "-J").decode()
        assert "imp-missing-" + sfx not in md, "the import created the topic"
        deltopic = kctest.create_topic("imp-delete-" + sfx, 1, {"cleanup.policy": "delete"})
        topics.append(deltopic)
        dfile = kctest.write_props(os.path.join(wd, "delete.properties"),
                                   dict(base, **{"offset.storage.topic": deltopic}))
        rc, _out, err = run_import(dfile, chains["kc"]["offsets"])
        assert rc == 1 and "cleanup.policy=compact" in err, err
        assert kctest.topic_end_offset(deltopic) == 0
        ufile = kctest.write_props(os.path.join(wd, "unreachable.properties"),
                                   dict(base, **{"bootstrap.servers": "127.0.0.1:%d" % kctest.free_port()}))
        rc, _out, err = run_import(ufile, chains["kc"]["offsets"])
        assert rc == 1 and "cannot reach the Kafka cluster" in err, err
        rc, out, err = run_import(dist.worker_file, chains["kc"]["offsets"], "--dry-run")
        assert rc == 0 and "would write to %s partition" % off_topic in out and "nothing written" in out, (out, err)
        assert ends() == before, "a refused import or a dry run wrote to %s: %s -> %s" % (off_topic, before, ends())

        # ---- the imports, then the connectors on the distributed cluster ----
        for chain, c in chains.items():
            entries = file_entries(c["offsets"])
            t0 = time.time()
            rc, out, err = run_import(dist.worker_file, c["offsets"])
            step("%s chain: offsets import" % chain, t0)
            assert rc == 0 and "imported 1 offset record(s) into %s" % off_topic in out, (out, err)
            key, val = entries[0]
            part = kafka_partition(key, OFFSET_PARTS)
            assert "wrote to %s partition %d: key %s value %s (new)" % (off_topic, part, key.decode(),
                                                                         val.decode()) in out, out
            n = kctest.topic_end_offset(off_topic, part)
            recs = kctest.kcat("-C", "-t", off_topic, "-p", str(part), "-o", str(n - 1), "-c", "1", "-e", "-q",
                               "-f", "%k\x1f%s")
            assert recs == key + b"\x1f" + val, (recs, key, val)
        for chain, c in chains.items():
            t0 = time.time()
            cfg = dict(c["connector"])
            code, body = dist.request("POST", "/connectors", {"name": cfg.pop("name"), "config": cfg})
            assert code == 201, (code, body)
            dist.wait_running(c["name"], 1, 60)
            wait_topic(c["topic"], 3 * BATCH, dist)
            step("%s chain: distributed source RUNNING and caught up" % chain, t0)
            check_exactly_once(c["topic"], 3 * BATCH, "%s chain after import -> distributed" % chain)
            code, offs = dist.get("/connectors/%s/offsets" % c["name"])
            size = os.path.getsize(c["file"])
            assert code == 200 and offs["offsets"][0]["offset"] == {"position": size}, (code, offs, size)

        # ---- many entries (several connectors, partitions, a reset offset) in one file ----
        many = [(('["imp-many-%d-%s",{"filename":"/data/f%d.log"}]' % (i % 7, sfx, i)).encode(),
                 ('{"position":%d}' % (1000 * i + 7)).encode()) for i in range(300)]
        many.append((('["imp-many-0-%s",{"filename":"/data/reset.log"}]' % sfx).encode(), None))
        mpath = os.path.join(wd, "many.offsets")
        java_offsets_file(mpath, many)
        t0 = time.time()
        rc, out, err = run_import(dist.worker_file, mpath)
        step("offsets import of %d entries" % len(many), t0)
        assert rc == 0 and "imported %d offset record(s)" % len(many) in out, (out[-500:], err)
        last, where = last_records(off_topic, OFFSET_PARTS)
        for key, val in many:
            assert key in last and last[key] == val, (key, last.get(key), val)
            assert where[key] == kafka_partition(key, OFFSET_PARTS), (key, where[key])
        assert "value null (tombstone) (no offset to reset)" in out, out
        # Again, as a dry run: every record is what the topic holds already.
        rc, out, err = run_import(dist.worker_file, mpath, "--dry-run")
        assert rc == 0 and out.count("(unchanged)") == len(many), out[-800:]
        # One offset moved on since: the dry run names the value it replaces.
        moved = list(many)
        moved[5] = (many[5][0], b'{"position":123456789}')
        java_offsets_file(mpath, moved)
        rc, out, err = run_import(dist.worker_file, mpath, "--dry-run")
        assert rc == 0 and out.count("(unchanged)") == len(many) - 1 and \
            'value {"position":123456789} (replaces %s)' % many[5][1].decode() in out, out[-800:]
    finally:
        if dist is not None and dist.proc is not None and dist.proc.poll() is None:
            dist.stop(timeout=60)
        java_connect_ref.delete_topics(kctest.BOOTSTRAP, topics)


if __name__ == "__main__":
    kctest.main([test_offsets_import])
