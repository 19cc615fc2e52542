"""The local S3 server (tools/s3-local) behaves as AWS S3 does where the S3 sink depends on it:
it checks SigV4 signatures, payload hashes and the canonical query string, supports multipart
uploads (with S3's 5 MiB minimum part size), and round-trips the keys Confluent's partitioners make.
A sink bug that AWS would reject must fail here too, so these checks guard the test bed itself.

Starts the server through tools/s3-local if none runs, and stops it only if it started it.
"""
import hashlib
import hmac
import http.client
import os
import time
import urllib.parse

import kctest

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MIB = 1024 * 1024


def real_bytes(n):
    """n bytes of loghub logs (repeated as needed): real text, not a compressible pattern."""
    out, total = [], 0
    while total < n:
        for p in kctest.loghub_files():
            with open(p, "rb") as f:
                chunk = f.read(n - total)
            out.append(chunk)
            total += len(chunk)
            if total >= n:
                break
    return b"".join(out)


def new_bucket():
    return kctest.s3_create_bucket(kctest.unique("kc-s3local"))


def error_of(fn):
    """Runs fn, which must fail with a botocore ClientError; returns (HTTP status, S3 error code)."""
    from botocore.exceptions import ClientError
    try:
        fn()
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]
    raise AssertionError("the request succeeded; expected an S3 error")


def raw_request(method, path, body=b"", headers=None):
    """One HTTP request to the server as given (no signing); returns (status, body bytes)."""
    u = urllib.parse.urlsplit(kctest.s3_env()["endpoint"])
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_request(method, key_path, query="", body=b"", payload_hash=None, signed_query=None, secret=None):
    """Signs with SigV4 by hand, so a test controls what is signed and what is sent. key_path is the
    unencoded /bucket/key; query is sent verbatim; signed_query (default query) goes into the
    canonical request; payload_hash (default the body's SHA-256) is sent as x-amz-content-sha256."""
    env = kctest.s3_env()
    host = urllib.parse.urlsplit(env["endpoint"]).netloc
    now = time.gmtime()
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", now)
    day = amz_date[:8]
    phash = payload_hash or hashlib.sha256(body).hexdigest()
    uri = urllib.parse.quote(key_path, safe="/~")
    headers = {"host": host, "x-amz-content-sha256": phash, "x-amz-date": amz_date}
    names = sorted(headers)
    canonical = "\n".join([method, uri, query if signed_query is None else signed_query,
                           "".join("%s:%s\n" % (n, headers[n]) for n in names), ";".join(names), phash])
    scope = "%s/%s/s3/aws4_request" % (day, env["region"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _hmac(("AWS4" + (secret or env["secret_key"])).encode(), day)
    for part in (env["region"], "s3", "aws4_request"):
        k = _hmac(k, part)
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        env["access_key"], scope, ";".join(names), sig)
    del headers["host"]
    return raw_request(method, uri + ("?" + query if query else ""), body, headers)


def exists(bucket, key):
    from botocore.exceptions import ClientError
    try:
        kctest.s3_client().head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return False
        raise


def test_unsigned_requests_rejected():
    bucket = new_bucket()
    kctest.s3_client().put_object(Bucket=bucket, Key="present.txt", Body=b"secret")
    for method, path, body in (("GET", "/", b""), ("GET", "/%s/present.txt" % bucket, b""),
                               ("PUT", "/%s/unsigned.txt" % bucket, b"data")):
        status, data = raw_request(method, path, body)
        assert status == 403, "%s %s unsigned: HTTP %d %r" % (method, path, status, data[:200])
        assert b"<Code>AccessDenied</Code>" in data, data[:300]
    assert not exists(bucket, "unsigned.txt"), "an unsigned PUT created the object"
    kctest.s3_delete_bucket(bucket)


def test_wrong_secret_rejected():
    bucket = new_bucket()
    bad = kctest.s3_client(secret_key="not-the-secret")
    assert error_of(bad.list_buckets) == (403, "SignatureDoesNotMatch")
    assert error_of(lambda: bad.put_object(Bucket=bucket, Key="k", Body=b"x")) == (403, "SignatureDoesNotMatch")
    assert not exists(bucket, "k"), "a PUT with a wrong secret created the object"
    # The same request signed by hand with the right secret passes: the rejection is the signature.
    status, _ = signed_request("PUT", "/%s/k" % bucket, body=b"x")
    assert status == 200, status
    status, data = signed_request("PUT", "/%s/k2" % bucket, body=b"x", secret="wrong")
    assert status == 403 and b"SignatureDoesNotMatch" in data, (status, data[:300])
    kctest.s3_delete_bucket(bucket)


def test_unknown_access_key_and_wrong_region_rejected():
    bad = kctest.s3_client(access_key="NOSUCHKEY")
    assert error_of(bad.list_buckets) == (403, "InvalidAccessKeyId")
    # A signature scoped to another region is refused as AWS does (the sink's s3.region must match).
    other = kctest.s3_client(region="eu-west-1")
    assert error_of(other.list_buckets) == (400, "AuthorizationHeaderMalformed")


def test_signed_put_get_overwrite():
    bucket = new_bucket()
    c = kctest.s3_client()
    path = kctest.loghub_files()[0]
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) > 10000, path
    r = c.put_object(Bucket=bucket, Key="logs/one.log", Body=data)
    assert r["ETag"].strip('"') == hashlib.md5(data).hexdigest(), r["ETag"]
    assert kctest.s3_get(bucket, "logs/one.log") == data
    assert kctest.s3_list_objects(bucket) == [("logs/one.log", len(data))]
    # Exactly-once in the sink relies on a re-upload replacing the object, never adding one.
    c.put_object(Bucket=bucket, Key="logs/one.log", Body=data[:100])
    assert kctest.s3_get(bucket, "logs/one.log") == data[:100]
    assert kctest.s3_list_objects(bucket) == [("logs/one.log", 100)]
    assert error_of(lambda: c.get_object(Bucket=bucket, Key="logs/none.log")) == (404, "NoSuchKey")
    assert error_of(lambda: c.put_object(Bucket=kctest.unique("kc-nobucket"), Key="k", Body=b"x")) == \
        (404, "NoSuchBucket")
    kctest.s3_delete_bucket(bucket)


def test_payload_hash_checked():
    """libcurl 7.88 signs the empty-body hash for streamed uploads unless x-amz-content-sha256 is set
    (real-components.md B3); the server must catch a hash that does not match the body."""
    bucket = new_bucket()
    body = real_bytes(4096)
    status, data = signed_request("PUT", "/%s/h.bin" % bucket, body=body, payload_hash=EMPTY_SHA256)
    assert status in (400, 403), (status, data[:300])
    assert b"XAmzContentSHA256Mismatch" in data or b"SignatureDoesNotMatch" in data, data[:300]
    assert not exists(bucket, "h.bin"), "an upload with a wrong payload hash was stored"
    status, data = signed_request("PUT", "/%s/u.bin" % bucket, body=body, payload_hash="UNSIGNED-PAYLOAD")
    assert status == 200, (status, data[:300])
    assert kctest.s3_get(bucket, "u.bin") == body
    kctest.s3_delete_bucket(bucket)


def test_canonical_query_must_be_sorted():
    """The server canonicalises the query (sorted, `uploads=` for a bare name); a client that signs it
    in another form, as libcurl 7.88 does with a verbatim query, is refused."""
    bucket = new_bucket()
    status, data = signed_request("POST", "/%s/q.bin" % bucket, query="uploads=")
    assert status == 200, (status, data[:300])
    upload_id = data.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
    part = real_bytes(1000)
    q_sorted = "partNumber=1&uploadId=%s" % urllib.parse.quote(upload_id, safe="")
    q_unsorted = "uploadId=%s&partNumber=1" % urllib.parse.quote(upload_id, safe="")
    status, data = signed_request("PUT", "/%s/q.bin" % bucket, query=q_unsorted, signed_query=q_unsorted, body=part)
    assert status == 403 and b"SignatureDoesNotMatch" in data, (status, data[:300])
    status, data = signed_request("PUT", "/%s/q.bin" % bucket, query=q_unsorted, signed_query=q_sorted, body=part)
    assert status == 200, (status, data[:300])
    assert kctest.s3_list_multipart_uploads(bucket) == [("q.bin", upload_id)]
    kctest.s3_delete_bucket(bucket)


def test_multipart_complete():
    bucket = new_bucket()
    c = kctest.s3_client()
    key = "topics/big/partition=0/big+0+0000000000.json"
    data = real_bytes(5 * MIB + 123457)
    parts_data = [data[:5 * MIB], data[5 * MIB:]]
    up = c.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    assert kctest.s3_list_multipart_uploads(bucket) == [(key, up)]
    parts = []
    for n, chunk in enumerate(parts_data, 1):
        etag = c.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=chunk)["ETag"]
        assert etag.strip('"') == hashlib.md5(chunk).hexdigest(), etag
        parts.append({"PartNumber": n, "ETag": etag})
    listed = c.list_parts(Bucket=bucket, Key=key, UploadId=up)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 5 * MIB), (2, 123457)], listed
    # Nothing is visible until the upload completes: the sink's "no partial object" relies on it.
    assert not exists(bucket, key), "a multipart object is visible before completion"
    assert kctest.s3_list_objects(bucket) == []
    r = c.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    md5s = b"".join(hashlib.md5(p).digest() for p in parts_data)
    assert r["ETag"].strip('"') == "%s-2" % hashlib.md5(md5s).hexdigest(), r["ETag"]
    assert kctest.s3_list_objects(bucket) == [(key, len(data))]
    assert kctest.s3_get(bucket, key) == data
    assert kctest.s3_list_multipart_uploads(bucket) == []
    kctest.s3_delete_bucket(bucket)


def test_multipart_abort():
    bucket = new_bucket()
    c = kctest.s3_client()
    key = "aborted/a+0+0000000000.json"
    ups = [c.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"] for _ in range(2)]
    assert len(set(ups)) == 2
    c.upload_part(Bucket=bucket, Key=key, UploadId=ups[0], PartNumber=1, Body=real_bytes(5 * MIB))
    assert kctest.s3_list_multipart_uploads(bucket) == sorted((key, u) for u in ups)
    for u in ups:
        c.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=u)
    assert kctest.s3_list_multipart_uploads(bucket) == []
    assert kctest.s3_list_objects(bucket) == []
    assert error_of(lambda: c.upload_part(Bucket=bucket, Key=key, UploadId=ups[0], PartNumber=2,
                                          Body=b"late")) == (404, "NoSuchUpload")
    kctest.s3_delete_bucket(bucket)


def test_multipart_small_part_refused():
    """S3 refuses a non-last part under 5 MiB at completion; s3.part.size below that must fail here too."""
    bucket = new_bucket()
    c = kctest.s3_client()
    up = c.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
    parts = []
    for n in (1, 2):
        etag = c.upload_part(Bucket=bucket, Key="small", UploadId=up, PartNumber=n, Body=real_bytes(MIB))["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})
    status, code = error_of(lambda: c.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=up,
                                                                MultipartUpload={"Parts": parts}))
    assert (status, code) == (400, "EntityTooSmall"), (status, code)
    assert not exists(bucket, "small")
    kctest.s3_delete_bucket(bucket)


def test_confluent_style_keys_round_trip():
    bucket = new_bucket()
    c = kctest.s3_client()
    keys = ["topics/web logs/partition=0/web logs+0+0000000000.json",
            "topics/app/year=2024/month=05/day=01/hour=13/app+3+0000001000.json.gz",
            "topics/app/Level=WARN/app+11+0000000042.json",
            "dir with spaces/a=b=c/k e y+1+2.bin"]
    payloads = {k: real_bytes(200 + 37 * i) for i, k in enumerate(keys)}
    for k, v in payloads.items():
        c.put_object(Bucket=bucket, Key=k, Body=v)
    assert kctest.s3_list_objects(bucket) == sorted((k, len(v)) for k, v in payloads.items())
    for k, v in payloads.items():
        assert kctest.s3_get(bucket, k) == v, k
    assert kctest.s3_list_objects(bucket, "topics/app/") == sorted(
        (k, len(payloads[k])) for k in keys if k.startswith("topics/app/"))
    # A hand-signed PUT with the key percent-encoded once, as the sink's C signer must do it.
    k = "topics/web logs/partition=1/web logs+1+0000000007.json"
    status, data = signed_request("PUT", "/%s/%s" % (bucket, k), body=b"hand-signed")
    assert status == 200, (status, data[:300])
    assert kctest.s3_get(bucket, k) == b"hand-signed"
    kctest.s3_delete_bucket(bucket)


def test_many_objects_listing_pages():
    """More than one ListObjectsV2 page (1000 keys): the helper and the sink's start-up scan must page."""
    bucket = new_bucket()
    c = kctest.s3_client()
    keys = ["p/partition=%d/t+%d+%010d.json" % (i % 3, i % 3, i) for i in range(1100)]
    for k in keys:
        c.put_object(Bucket=bucket, Key=k, Body=k.encode())
    assert kctest.s3_list_objects(bucket) == sorted((k, len(k)) for k in keys)
    kctest.s3_delete_bucket(bucket)


if __name__ == "__main__":
    started = kctest.s3_server_start()
    try:
        kctest.main([test_unsigned_requests_rejected, test_wrong_secret_rejected,
                     test_unknown_access_key_and_wrong_region_rejected, test_signed_put_get_overwrite,
                     test_payload_hash_checked, test_canonical_query_must_be_sorted, test_multipart_complete,
                     test_multipart_abort, test_multipart_small_part_refused, test_confluent_style_keys_round_trip,
                     test_many_objects_listing_pages])
    finally:
        if started:
            kctest.s3_server_stop()
