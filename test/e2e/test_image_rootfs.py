"""The container image's runtime stage, without a container engine: tools/image-rootfs lays out
the install tree, the linked libraries and the CA bundle exactly as the Dockerfile's build stage
does; the worker then runs chrooted into it as uid 10001 (the image's USER) with nothing but
CONNECT_* variables (the image's `distributed` CMD): /health answers, and a FileStreamSink created
over REST writes every line produced. This proves the image carries every library the binary
needs and that the CONNECT_* convention alone starts a worker.

Needs root for chroot; skips (exit 0, "SKIP") when not root or for a sanitizer build (whose
runtime reads /proc, absent in the bare root).
"""
import os
import shutil
import subprocess
import sys

import kctest

ROOT = os.environ.get("KC_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.dirname(os.path.abspath(kctest.BIN))


def sanitized():
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            return any(ln.startswith("KC_SANITIZE:BOOL=ON") for ln in f)
    except OSError:
        return False


def test_worker_in_image_root():
    wd = kctest.tmpdir()
    rootfs = os.path.join(wd, "rootfs")
    out = subprocess.run([os.path.join(ROOT, "tools", "image-rootfs"), BUILD, rootfs, "--with-loader"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    print(out.stdout.strip())
    # The S3 sink dlopens libcurl.so.4 (ldd of the binary does not name it): it and everything it
    # links must resolve inside the image root, as the dynamic loader there sees it.
    curl = [os.path.join(d, "libcurl.so.4") for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                                      "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu")
            if os.path.exists(os.path.join(rootfs, d.lstrip("/"), "libcurl.so.4"))]
    assert curl, "libcurl.so.4 missing from the image root"
    loader = [p for p in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1")
              if os.path.exists(os.path.join(rootfs, p.lstrip("/")))]
    assert loader, "no dynamic loader in the image root"
    deps = subprocess.run([shutil.which("chroot"), rootfs, loader[0], "--list", curl[0]],
                          capture_output=True, text=True, timeout=60)
    assert deps.returncode == 0 and "not found" not in deps.stdout, deps.stdout + deps.stderr
    data = os.path.join(rootfs, "var", "lib", "kconnect")
    os.makedirs(data)
    os.chown(data, 10001, 10001)
    group = kctest.unique("imgg")
    port = kctest.free_port()
    props = dict(kctest.distributed_props(group), **{
        "bootstrap.servers": kctest.BOOTSTRAP, "listeners": "http://127.0.0.1:%d" % port,
        "rest.advertised.host.name": "127.0.0.1",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter", "offset.flush.interval.ms": "1000"})
    env = {"CONNECT_" + k.replace("_", "__").replace("-", "___").replace(".", "_").upper(): v for k, v in props.items()}
    log = open(os.path.join(wd, "worker.log"), "wb")
    proc = subprocess.Popen([shutil.which("chroot"), "--userspec=10001:10001", rootfs, "/usr/bin/kconnect", "distributed"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd="/")
    w = kctest.Worker(wd, mode="distributed", port=port)
    w.proc, w.log, w.log_path = proc, log, os.path.join(wd, "worker.log")
    try:
        kctest.wait_until(lambda: w.alive_or_raise() and w.get("/health")[0] == 200, 60, what="/health")
        topic = kctest.unique("img-t")
        lines = kctest.numbered_loghub_lines(1000)
        kctest.kcat("-P", "-t", topic, input_bytes=b"\n".join(lines) + b"\n")
        req = {"name": "imgsink", "config": kctest.file_sink("imgsink", "/var/lib/kconnect/sink.txt", topic)}
        kctest.wait_until(lambda: w.request("POST", "/connectors", req)[0] == 201, 60, what="connector created")
        sink = os.path.join(data, "sink.txt")
        kctest.wait_for_lines(sink, len(lines), worker=w)
        assert kctest.read_sink_lines(sink) == lines
        assert os.stat(sink).st_uid == 10001
    finally:
        assert w.stop() == 0, w.tail()


if __name__ == "__main__":
    if os.geteuid() != 0 or not shutil.which("chroot"):
        print("SKIP: chroot needs root")
        sys.exit(0)
    if sanitized():
        print("SKIP: a sanitizer build needs /proc, which the bare image root lacks")
        sys.exit(0)
    kctest.main([test_worker_in_image_root])
