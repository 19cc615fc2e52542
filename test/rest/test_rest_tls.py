"""HTTPS listeners and admin.listeners (issue 8, finding 3): certificates are made here with
the openssl tool (a CA, a server and a client certificate, as PEM and PKCS12); requests go
through Python's ssl module."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time

import kctest

D = kctest.tmpdir("kc-tls-")


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=D)


def p(name):
    return os.path.join(D, name)


def make_certs():
    with open(p("san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for ca in ("ca", "otherca"):
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca + ".pem",
           "-days", "2", "-subj", "/CN=kconnect test " + ca)
    for who, ca, ext in (("server", "ca", ["-extfile", "san.ext"]), ("client", "ca", []),
                         ("rogue", "otherca", [])):
        sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr",
           "-subj", "/CN=" + who)
        sh("openssl", "x509", "-req", "-in", who + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
           "-CAcreateserial", "-out", who + ".pem", "-days", "2", *ext)
    sh("openssl", "pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-certfile", "ca.pem",
       "-out", "server.p12", "-passout", "pass:storepw")
    sh("openssl", "pkcs12", "-export", "-nokeys", "-in", "ca.pem", "-out", "trust.p12", "-passout", "pass:trustpw")
    # PEM keystore: an encrypted PKCS#8 key followed by the chain
    sh("openssl", "pkcs8", "-topk8", "-in", "server.key", "-out", "server-enc.key", "-passout", "pass:keypw")
    with open(p("server-keystore.pem"), "w") as f:
        f.write(open(p("server-enc.key")).read() + open(p("server.pem")).read() + open(p("ca.pem")).read())
    if shutil.which("keytool"):
        sh("keytool", "-importkeystore", "-srckeystore", "server.p12", "-srcstoretype", "PKCS12",
           "-srcstorepass", "storepw", "-destkeystore", "server.jks", "-deststoretype", "JKS",
           "-deststorepass", "storepw", "-noprompt")
    else:
        with open(p("server.jks"), "wb") as f:
            f.write(b"\xfe\xed\xfe\xed" + b"\x00" * 64)


def ctx(cert=None):
    c = ssl.create_default_context(cafile=p("ca.pem"))
    if cert:
        c.load_cert_chain(p(cert + ".pem"), p(cert + ".key"))
    return c


def https_get(port, path="/", cert=None, timeout=5):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx(cert), timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        return r.status, json.loads(body) if body else None
    finally:
        conn.close()


def http_get(port, path="/"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        return r.status, json.loads(body) if body else None
    finally:
        conn.close()


PKCS12 = {"listeners.https.ssl.keystore.type": "PKCS12", "listeners.https.ssl.keystore.location": p("server.p12"),
          "listeners.https.ssl.keystore.password": "storepw"}


def worker(props, https_only=False):
    """Starts a worker with an http listener on .port and an https one on .sport."""
    d = kctest.tmpdir()
    w = kctest.Worker(d, props)
    w.sport = kctest.free_port()
    listeners = "https://127.0.0.1:%d" % w.sport
    if not https_only:
        listeners = "http://127.0.0.1:%d,%s" % (w.port, listeners)
    with open(w.worker_file, "a") as f:
        f.write("listeners=%s\n" % listeners)
    return w


def start(w):
    w.start(wait=False)
    kctest.wait_until(lambda: w.alive_or_raise() and https_get(w.sport)[0] == 200, 30, what="https up")
    return w


def start_fails(props, *wants):
    w = worker(props, https_only=True)
    w.start(wait=False)
    try:
        rc = w.proc.wait(30)
    except subprocess.TimeoutExpired:
        w.stop()
        raise AssertionError("worker started with %r" % props)
    w.log.close()
    log = open(w.log_path).read()
    assert rc != 0, rc
    for want in wants:
        assert want in log, "%r not in log:\n%s" % (want, log[-1500:])
    return log


def test_https_and_http_listeners_both_serve():
    # a top-level key is ignored once any listeners.https. key is given (Connect: all or nothing)
    w = start(worker(dict(PKCS12, **{"ssl.client.auth": "required"})))
    try:
        code, body = https_get(w.sport)
        assert code == 200 and "version" in body
        assert http_get(w.port)[0] == 200
        assert https_get(w.sport, "/connectors")[0] == 200
        # plain HTTP to the https port gets no HTTP answer
        s = socket.create_connection(("127.0.0.1", w.sport), 5)
        s.settimeout(5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = s.recv(100)
        except OSError:
            data = b""
        s.close()
        assert not data.startswith(b"HTTP/"), data
        # without the CA the certificate is not trusted
        try:
            conn = http.client.HTTPSConnection("127.0.0.1", w.sport, context=ssl.create_default_context(), timeout=5)
            conn.request("GET", "/")
            raise AssertionError("an untrusted certificate was accepted")
        except ssl.SSLError:
            pass
    finally:
        w.stop()


def test_top_level_ssl_keys_and_pem_keystore():
    w = start(worker({"ssl.keystore.type": "PEM", "ssl.keystore.location": p("server-keystore.pem"),
                      "ssl.key.password": "keypw", "rest.advertised.listener": "https"}))
    try:
        assert https_get(w.sport)[0] == 200
    finally:
        w.stop()


def test_client_auth_required_and_requested():
    w = start_client_auth("required")
    try:
        try:
            https_get(w.sport)
            raise AssertionError("a client without a certificate was served")
        except (ssl.SSLError, ConnectionError, OSError):
            pass
        assert https_get(w.sport, cert="client")[0] == 200
        try:
            https_get(w.sport, cert="rogue")
            raise AssertionError("a certificate of another CA was accepted")
        except (ssl.SSLError, ConnectionError, OSError):
            pass
    finally:
        w.stop()
    w = start_client_auth("requested")
    try:
        assert https_get(w.sport)[0] == 200
        assert https_get(w.sport, cert="client")[0] == 200
    finally:
        w.stop()


def start_client_auth(mode):
    props = dict(PKCS12, **{"listeners.https.ssl.client.auth": mode,
                            "listeners.https.ssl.truststore.type": "PKCS12",
                            "listeners.https.ssl.truststore.location": p("trust.p12"),
                            "listeners.https.ssl.truststore.password": "trustpw"})
    w = worker(props)
    w.start(wait=False)
    kctest.wait_until(lambda: w.alive_or_raise() and https_get(w.sport, cert="client")[0] == 200, 30,
                      what="https up")
    return w


def test_start_errors():
    start_fails({"listeners.https.ssl.keystore.location": p("server.jks"),
                 "listeners.https.ssl.keystore.password": "storepw"},
                "listeners.https.ssl.keystore.location", "JKS", "keytool -importkeystore", "PKCS12")
    start_fails(dict(PKCS12, **{"listeners.https.ssl.keystore.password": "wrong"}),
                "listeners.https.ssl.keystore.password", "wrong password")
    start_fails({"ssl.keystore.type": "PKCS12"}, "ssl.keystore.location", "needs a keystore")
    start_fails(dict(PKCS12, **{"listeners.https.ssl.client.auth": "required"}),
                "listeners.https.ssl.truststore.location")
    start_fails(dict(PKCS12, **{"listeners.https.ssl.enabled.protocols": "SSLv3"}),
                "listeners.https.ssl.enabled.protocols", "SSLv3")
    start_fails(dict(PKCS12, **{"listeners.https.ssl.cipher.suites": "TLS_BOGUS"}),
                "listeners.https.ssl.cipher.suites", "TLS_BOGUS")
    start_fails(dict(PKCS12, **{"listeners.https.ssl.provider": "SunJSSE"}), "listeners.https.ssl.provider")


def test_handshake_deadline():
    w = start(worker(dict(PKCS12, **{"kconnect.rest.header.timeout.ms": "1500"})))
    try:
        s = socket.create_connection(("127.0.0.1", w.sport), 5)
        s.settimeout(8)
        t0 = time.time()
        s.sendall(b"\x16\x03\x01")  # the start of a TLS record, never finished
        try:
            data = s.recv(100)
        except OSError:
            data = b""
        took = time.time() - t0
        s.close()
        assert data == b"" and 1.0 <= took < 4.0, (data, took)
        assert https_get(w.sport)[0] == 200
    finally:
        w.stop()


def test_admin_listeners():
    d = kctest.tmpdir()
    aport = kctest.free_port()
    w = kctest.Worker(d, {"admin.listeners": "http://127.0.0.1:%d" % aport}).start()
    try:
        assert w.get("/connectors")[0] == 200
        assert w.get("/admin/loggers")[0] == 404
        conn_code = http_get(aport, "/connectors")
        assert conn_code[0] == 404, conn_code
        assert http_get(aport, "/")[0] == 404
        assert http_get(aport, "/admin/loggers")[0] == 200  # served only here (test_rest_loggers.py)
    finally:
        w.stop()
    # https admin listener with its own prefix; empty admin.listeners disables admin endpoints
    aport = kctest.free_port()
    w = start(worker(dict(PKCS12, **{"admin.listeners": "https://127.0.0.1:%d" % aport,
                                     "admin.listeners.https.ssl.keystore.type": "PEM",
                                     "admin.listeners.https.ssl.keystore.location": p("server-keystore.pem"),
                                     "admin.listeners.https.ssl.key.password": "keypw"})))
    try:
        assert https_get(aport, "/connectors")[0] == 404
        assert https_get(aport, "/admin/loggers")[0] == 200
        assert https_get(w.sport, "/connectors")[0] == 200
    finally:
        w.stop()
    w = kctest.Worker(kctest.tmpdir(), {"admin.listeners": ""}).start()
    try:
        assert w.get("/connectors")[0] == 200
        assert w.get("/admin/loggers")[0] == 404
    finally:
        w.stop()


if __name__ == "__main__":
    make_certs()
    kctest.main([test_https_and_http_listeners_both_serve, test_top_level_ssl_keys_and_pem_keystore,
                 test_client_auth_required_and_requested, test_start_errors, test_handshake_deadline,
                 test_admin_listeners])
