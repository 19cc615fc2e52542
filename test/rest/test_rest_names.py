"""Connector names of any length Connect handles (issue 8 finding 6): never cut, and names over
kconnect's limit (32,000 bytes; Kafka protocol strings hold 32,767) get a clear 400. Names with
'/', '..', spaces and unicode work; ISO control characters get Connect's validator message.
Real kconnect worker against the local broker.
"""
import atexit
import os
import urllib.parse

import kctest

_w = []


def worker():
    if not _w:
        w = kctest.Worker(kctest.tmpdir("kc-rest-names-")).start()
        atexit.register(w.stop)
        _w.append(w)
    _w[0].alive_or_raise()
    return _w[0]


def create(w, name):
    out = os.path.join(w.workdir, "sink-%d.out" % len(os.listdir(w.workdir)))
    cfg = {"connector.class": "FileStreamSink", "tasks.max": "1", "file": out,
           "topics": kctest.unique("names-topic")}
    return w.request("POST", "/connectors", {"name": name, "config": cfg}, timeout=30)


def path(name):
    return "/connectors/" + urllib.parse.quote(name, safe="")


def test_long_names_not_cut():
    w = worker()
    for n in (1023, 1024, 5000):
        name = kctest.unique("n")[:12] + "x" * (n - 12)
        assert len(name.encode()) == n
        code, body = create(w, name)
        assert code == 201, (n, code, body if not isinstance(body, dict) else body.get("message", "")[:300])
        assert body["name"] == name, n
        code, names = w.get("/connectors")
        assert name in names, n
        if n <= 5000:
            code, st = w.get(path(name) + "/status")
            assert code == 200 and st["name"] == name, (n, code)
        w.wait_running(name) if n <= 1024 else None
        code, _ = w.request("DELETE", path(name))
        assert code == 204, (n, code)


def test_huge_name_clear_error():
    w = worker()
    name = "y" * 100000
    code, body = create(w, name)
    assert code == 400, code
    assert "Connector name is too long (100000 bytes)" in body["message"], body["message"][:300]
    assert w.get("/")[0] == 200


def test_special_names():
    w = worker()
    for name in ("a/b", "..", "../x", "with space", "unicode-\u00e9\u6f22\u5b57-" + kctest.unique("u")):
        name = name if name in ("..",) else name + "-" + kctest.unique("s")[-6:]
        code, body = create(w, name)
        if name == "..":
            # Connect answers; kconnect must not cut or misroute it either.
            assert code in (201, 400), (name, code, body)
            if code == 201:
                w.request("DELETE", path(name))
            continue
        assert code == 201, (name, code, body)
        assert body["name"] == name
        code, names = w.get("/connectors")
        assert name in names, (name, names)
        w.request("DELETE", path(name))
    code, body = create(w, "ctl\x01name")
    assert code == 400, (code, body)
    assert "String may not contain control sequences but had the following ASCII chars: 1" in body["message"], body


if __name__ == "__main__":
    kctest.main([test_long_names_not_cut, test_huge_name_clear_error, test_special_names])
