"""CORS and response.http.headers.config (issue 8 finding 3): Jetty's CrossOriginFilter and
HeaderFilter as Connect's RestServer installs them in front of every routed request.

Real kconnect workers against the local broker. The expected headers are the ones Apache Kafka
Connect 3.9.1 sends (checked against the Java worker): Access-Control-Allow-Origin echoing an
allowed Origin, Vary: Origin unless every origin is allowed, Access-Control-Allow-Credentials:
true, and for a preflight of an allowed method Access-Control-Max-Age: 1800,
Access-Control-Allow-Methods (access.control.allow.methods, default GET,POST,HEAD) and
Access-Control-Allow-Headers: X-Requested-With,Content-Type,Accept,Origin; the preflight then goes
on to routing. Header rules set/add/setDate/addDate apply to every routed answer, 404 included;
invalid rules stop the worker with RestServerConfig's message.
"""
import atexit
import email.utils
import http.client
import subprocess
import time

import kctest
from kctest import wait_until

_workers = {}


def worker(key, props):
    w = _workers.get(key)
    if w is None:
        w = kctest.Worker(kctest.tmpdir("kc-rest-cors-"), props).start()
        atexit.register(w.stop)
        _workers[key] = w
    w.alive_or_raise()
    return w


def call(w, method, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=30)
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    return r.status, [(k.lower(), v) for k, v in r.getheaders()], text


def values(hs, name):
    return [v for k, v in hs if k == name]


def one(hs, name):
    v = values(hs, name)
    assert len(v) <= 1, (name, hs)
    return v[0] if v else None


CORS_NAMES = ("access-control-allow-origin", "access-control-allow-credentials", "access-control-max-age",
              "access-control-allow-methods", "access-control-allow-headers", "vary")

RULES = ("set X-Frame-Options: DENY, add X-A: 1, add X-A: 2, setDate X-Expires: 3600000, "
         "\"add Cache-Control: no-cache, no-store\"")


def main_worker():
    return worker("main", {"access.control.allow.origin": "http://a.example, https://*.b.example",
                           "response.http.headers.config": RULES})


def assert_rules(hs):
    assert one(hs, "x-frame-options") == "DENY", hs
    assert values(hs, "x-a") == ["1", "2"], hs
    assert one(hs, "cache-control") == "no-cache, no-store", hs
    exp = email.utils.parsedate_to_datetime(one(hs, "x-expires")).timestamp()
    assert abs(exp - (time.time() + 3600)) < 120, one(hs, "x-expires")


def test_simple_request_allowed_origin():
    w = main_worker()
    for origin in ("http://a.example", "https://x.y.b.example"):
        code, hs, _ = call(w, "GET", "/connectors", {"Origin": origin})
        assert code == 200
        assert one(hs, "access-control-allow-origin") == origin, hs
        assert one(hs, "vary") == "Origin", hs
        assert one(hs, "access-control-allow-credentials") == "true", hs
        assert one(hs, "access-control-allow-methods") is None, hs
        assert_rules(hs)


def test_disallowed_or_missing_origin():
    w = main_worker()
    for hdrs in ({"Origin": "http://evil.example"}, {"Origin": "https://b.example"}, {}):
        code, hs, _ = call(w, "GET", "/connectors", hdrs)
        assert code == 200
        for n in CORS_NAMES:
            assert one(hs, n) is None, (hdrs, n, hs)
        assert_rules(hs)


def test_preflight():
    w = main_worker()
    code, hs, _ = call(w, "OPTIONS", "/connectors", {
        "Origin": "http://a.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert code == 200, code
    assert one(hs, "access-control-allow-origin") == "http://a.example", hs
    assert one(hs, "access-control-max-age") == "1800", hs
    assert one(hs, "access-control-allow-methods") == "GET,POST,HEAD", hs
    assert one(hs, "access-control-allow-headers") == "X-Requested-With,Content-Type,Accept,Origin", hs
    assert "POST" in one(hs, "allow"), hs  # routing answered the OPTIONS itself
    assert_rules(hs)
    # a method or request header outside the allowed lists: no CORS headers at all
    for extra in ({"Access-Control-Request-Method": "DELETE"},
                  {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Authorization"}):
        code, hs, _ = call(w, "OPTIONS", "/connectors", dict({"Origin": "http://a.example"}, **extra))
        assert code == 200
        for n in CORS_NAMES:
            assert one(hs, n) is None, (extra, n, hs)


def test_errors_carry_the_headers():
    w = main_worker()
    code, hs, _ = call(w, "GET", "/no/such/path", {"Origin": "http://a.example"})
    assert code == 404
    assert one(hs, "access-control-allow-origin") == "http://a.example", hs
    assert_rules(hs)
    code, hs, _ = call(w, "GET", "/connectors/does-not-exist", {"Origin": "http://a.example"})
    assert code == 404
    assert_rules(hs)
    # the resource's own headers win over configured ones of the same name
    assert one(hs, "content-type") == "application/json", hs


def test_methods_any_origin_and_set_date():
    w = worker("any", {"access.control.allow.origin": "*", "access.control.allow.methods": "GET, PUT",
                       "response.http.headers.config": "set Date: fixed, addDate X-When: 0"})
    code, hs, _ = call(w, "OPTIONS", "/connectors/x/pause", {"Origin": "http://anything",
                                                             "Access-Control-Request-Method": "PUT"})
    assert one(hs, "access-control-allow-origin") == "http://anything", hs
    assert one(hs, "vary") is None, hs
    assert one(hs, "access-control-allow-methods") == "GET,PUT", hs
    code, hs, _ = call(w, "OPTIONS", "/connectors", {"Origin": "http://anything",
                                                     "Access-Control-Request-Method": "POST"})
    assert one(hs, "access-control-allow-origin") is None, hs
    code, hs, _ = call(w, "GET", "/", {})
    assert values(hs, "date") == ["fixed"], hs  # a configured Date replaces the server's
    assert email.utils.parsedate_to_datetime(one(hs, "x-when")) is not None


def test_defaults_send_nothing_extra():
    w = worker("plain", {})
    code, hs, _ = call(w, "GET", "/connectors", {"Origin": "http://a.example"})
    assert code == 200
    for n in CORS_NAMES + ("x-frame-options",):
        assert one(hs, n) is None, (n, hs)


def expect_no_start(props, needle):
    w = kctest.Worker(kctest.tmpdir("kc-rest-cors-bad-"), props)
    w.start(wait=False)
    try:
        rc = w.proc.wait(60)
    except subprocess.TimeoutExpired:
        w.stop()
        raise AssertionError("kconnect started with %r" % props)
    w.log.close()
    log = w.tail(200)
    assert rc != 0, log
    assert needle in log, "%r not in:\n%s" % (needle, log)


def test_invalid_header_config_refused():
    expect_no_start({"response.http.headers.config": "delete X-A: 1"},
                    "Invalid header config action: 'delete'. Expected one of [set, add, setDate, addDate]")
    expect_no_start({"response.http.headers.config": "set X-A"},
                    "Invalid format of header name and header value pair 'X-A'. "
                    "Expected: '[header name]:[header value]'")
    expect_no_start({"response.http.headers.config": "set"},
                    "Invalid format of header config 'set'. Expected: '[action] [header name]:[header value]'")
    expect_no_start({"response.http.headers.config": "set X A: b"},
                    "Invalid header name 'X A'. The '[header name]' cannot contain whitespace")
    expect_no_start({"response.http.headers.config": "setDate X-E: tomorrow"}, "X-E: tomorrow")


if __name__ == "__main__":
    kctest.main([
        test_simple_request_allowed_origin,
        test_disallowed_or_missing_origin,
        test_preflight,
        test_errors_carry_the_headers,
        test_methods_any_origin_and_set_date,
        test_defaults_send_nothing_extra,
        test_invalid_header_config_refused,
    ])
