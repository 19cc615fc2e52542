"""tasks.max (issue 8 finding 12): a connector with a huge tasks.max must not freeze the loop.

Tasks are created a few per loop turn, so REST and SIGTERM stay responsive while hundreds start;
kconnect.tasks.max.per.connector (default 256) caps tasks.max with a validation error.
Real kconnect workers against the local broker.
"""
import os
import signal
import time

import kctest


def sink(name, d, tasks):
    c = kctest.file_sink(name, os.path.join(d, name + ".out"), kctest.unique("tmax-topic"))
    c["tasks.max"] = str(tasks)
    return c


def timed_get(w, path="/"):
    t0 = time.time()
    code, _ = w.request("GET", path, timeout=10)
    return code, time.time() - t0


def test_default_cap_rejects_99999():
    d = kctest.tmpdir("kc-tmax-")
    w = kctest.Worker(d).start()
    try:
        name = kctest.unique("tmax-big")
        code, body = w.request("POST", "/connectors", {"name": name, "config": sink(name, d, 99999)},
                               timeout=10)
        assert code == 400, (code, body)
        assert "tasks.max" in body["message"] and "kconnect.tasks.max.per.connector" in body["message"], body
        code, el = timed_get(w)
        assert code == 200 and el < 2, (code, el)
        v = w.request("PUT", "/connector-plugins/FileStreamSink/config/validate", sink(name, d, 99999))[1]
        assert v["error_count"] == 1, v
        errs = [c["value"]["errors"] for c in v["configs"] if c["value"]["name"] == "tasks.max"][0]
        assert errs and "kconnect.tasks.max.per.connector" in errs[0], v
    finally:
        assert w.stop() == 0


def test_many_tasks_stay_responsive():
    """The cap raised: 2,000 tasks start in steps; GET / answers quickly and SIGTERM stops the worker."""
    d = kctest.tmpdir("kc-tmax-")
    n = 2000
    w = kctest.Worker(d, {"kconnect.tasks.max.per.connector": str(n),
                          "task.shutdown.graceful.timeout.ms": "5000"}).start()
    name = kctest.unique("tmax-many")
    code, body = w.request("POST", "/connectors", {"name": name, "config": sink(name, d, n)}, timeout=10)
    assert code == 201, (code, body)
    worst = 0.0
    for _ in range(10):
        code, el = timed_get(w)
        assert code == 200, code
        worst = max(worst, el)
        time.sleep(0.2)
    print("worst GET / latency while %d tasks start: %.3fs" % (n, worst))
    assert worst < 2.0, worst
    t0 = time.time()
    w.signal(signal.SIGTERM)
    rc = w.proc.wait(30)
    took = time.time() - t0
    w.log.close()
    print("SIGTERM to exit: %.2fs" % took)
    assert rc == 0, (rc, w.tail())
    assert took < 5.0 + 5.0, took


if __name__ == "__main__":
    kctest.main([test_default_cap_rejects_99999, test_many_tasks_stay_responsive])
