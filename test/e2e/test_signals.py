"""End to end: signals a daemon gets from its supervisor or terminal (issue 8, finding 11).

A worker runs FileStreamSource -> topic -> FileStreamSink on numbered loghub lines. While the
data flows it receives SIGHUP several times: it must keep running (REST answers, tasks stay
RUNNING), log that it ignored the signal, and deliver every line exactly once and in order. A
SIGTERM afterwards still stops it gracefully with exit code 0. Before the fix SIGHUP killed the
worker at once (exit -1/129, no flush).
"""
import os
import signal
import time

import kctest
from kctest import unique

N = 60_000


def test_sighup_is_logged_and_ignored():
    wd = kctest.tmpdir("kc-e2e-signals-")
    lines = kctest.numbered_loghub_lines(N)
    src = os.path.join(wd, "input.log")
    out = os.path.join(wd, "output.txt")
    half = N // 2
    with open(src, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines[:half]))
    topic = unique("sighup")
    conns = [kctest.file_source(unique("sighup-src"), src, topic),
             kctest.file_sink(unique("sighup-sink"), out, topic)]
    w = kctest.Worker(wd, {"offset.flush.interval.ms": "500"}, conns).start()
    try:
        for c in conns:
            w.wait_running(c["name"])
        for i in range(3):
            w.signal(signal.SIGHUP)
            time.sleep(0.3)
            assert w.proc.poll() is None, "SIGHUP %d killed the worker (exit %s):\n%s" % (
                i + 1, w.proc.returncode, w.tail())
            code, body = w.get("/")
            assert code == 200, "REST did not answer after SIGHUP: %s %s" % (code, body)
        # More data after the signals: the pipeline is still moving, not just alive.
        with open(src, "ab") as f:
            f.write(b"".join(l + b"\n" for l in lines[half:]))
        kctest.wait_for_lines(out, N, 120, worker=w)
        for c in conns:
            st = w.status(c["name"])[1]
            assert st["connector"]["state"] == "RUNNING", st
            assert all(t["state"] == "RUNNING" for t in st["tasks"]), st
        got = kctest.read_sink_lines(out)
        assert got == lines, "sink output differs: %d lines, expected %d" % (len(got), N)
        log = open(w.log_path, "rb").read().decode("utf-8", "replace")
        assert log.count("SIGHUP received: ignored") == 3, log[-3000:]
    finally:
        rc = w.stop(signal.SIGTERM, timeout=30)
    assert rc == 0, "graceful stop after SIGHUP exited %s" % rc


if __name__ == "__main__":
    kctest.main([test_sighup_is_logged_and_ignored])
