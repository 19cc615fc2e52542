/*
 * The SigV4 signer (src/http/sigv4.c) against AWS's published examples (the
 * S3 API reference's header-based auth examples and the SigV4 test suite's
 * get-vanilla cases), then against an independent Python implementation
 * (test/unit/http_test_server.py sign, hmac/hashlib) on the cases that break
 * signers: keys with '=', spaces, '+', UTF-8, pre-encoded and unsorted
 * queries, valueless parameters, session tokens, extra and duplicate headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "http/http.h"
#include "kc_test.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_AK "AKIAIOSFODNN7EXAMPLE"
#define S3_SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define S3_DATE "20130524T000000Z"
#define SUITE_AK "AKIDEXAMPLE"
#define SUITE_SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE "20150830T123600Z"

static int sign_s3(const char *method, const char *url, const char *const *headers, size_t n,
                   const char *payload, kc_sigv4_out_t *out) {
  kc_sigv4_input_t in = {.method = method, .url = url, .headers = headers, .nheaders = n,
                         .region = "us-east-1", .service = "s3", .access_key = S3_AK,
                         .secret_key = S3_SK, .payload_hash = payload, .amz_date = S3_DATE};
  char err[256];
  int rc = kc_sigv4_sign(&in, out, err, sizeof err);
  if (rc) fprintf(stderr, "  sign error: %s\n", err);
  return rc;
}

/* S3 API reference, "Examples: Signature Calculations", GET Object. */
static void test_aws_s3_get_object(void) {
  kc_sigv4_out_t out;
  kc_sigv4_out_init(&out);
  const char *h[] = {"Range: bytes=0-9"};
  CHECK(sign_s3("GET", "https://examplebucket.s3.amazonaws.com/test.txt", h, 1, EMPTY_SHA, &out) == 0);
  CHECK_STR(out.canonical_request.data,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" EMPTY_SHA "\nx-amz-date:20130524T000000Z\n\n"
            "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA);
  CHECK_STR(out.string_to_sign.data,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK_STR(out.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK_STR(out.authorization.data,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK_STR(out.host.data, "examplebucket.s3.amazonaws.com");
  CHECK_STR(out.url.data, "https://examplebucket.s3.amazonaws.com/test.txt");
  kc_sigv4_out_free(&out);
}

/* PUT Object: the raw '$' of the key is encoded, Date and a storage class are signed. */
static void test_aws_s3_put_object(void) {
  kc_sigv4_out_t out;
  kc_sigv4_out_init(&out);
  char payload[65];
  kc_sha256_hex("Welcome to Amazon S3.", 21, payload);
  CHECK_STR(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const char *h[] = {"Date: Fri, 24 May 2013 00:00:00 GMT",
                     "x-amz-storage-class: REDUCED_REDUNDANCY"};
  CHECK(sign_s3("PUT", "https://examplebucket.s3.amazonaws.com/test$file.text", h, 2, payload,
                &out) == 0);
  CHECK_STR(out.signed_headers.data, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  CHECK_STR(out.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  CHECK_STR(out.url.data, "https://examplebucket.s3.amazonaws.com/test%24file.text");
  /* the same key given encoded signs the same */
  kc_sigv4_out_t out2;
  kc_sigv4_out_init(&out2);
  CHECK(sign_s3("PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text", h, 2, payload,
                &out2) == 0);
  CHECK_STR(out2.signature, out.signature);
  kc_sigv4_out_free(&out);
  kc_sigv4_out_free(&out2);
}

/* GET Bucket Lifecycle (?lifecycle gets its '=') and List Objects (query sorted). */
static void test_aws_s3_query_examples(void) {
  kc_sigv4_out_t out;
  kc_sigv4_out_init(&out);
  CHECK(sign_s3("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", NULL, 0, EMPTY_SHA,
                &out) == 0);
  CHECK_STR(out.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  CHECK_STR(out.url.data, "https://examplebucket.s3.amazonaws.com/?lifecycle=");
  CHECK(sign_s3("GET", "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2", NULL, 0,
                EMPTY_SHA, &out) == 0);
  CHECK_STR(out.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  CHECK_STR(out.url.data, "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J");
  CHECK(strstr(out.canonical_request.data, "\n/\nmax-keys=2&prefix=J\n") != NULL);
  kc_sigv4_out_free(&out);
}

/* SigV4 test suite: get-vanilla and get-vanilla-query-order-key-case (service "service":
 * no x-amz-content-sha256). */
static void test_aws_suite_vanilla(void) {
  kc_sigv4_out_t out;
  kc_sigv4_out_init(&out);
  kc_sigv4_input_t in = {.method = "GET", .url = "https://example.amazonaws.com/",
                         .region = "us-east-1", .service = "service", .access_key = SUITE_AK,
                         .secret_key = SUITE_SK, .payload_hash = EMPTY_SHA,
                         .amz_date = SUITE_DATE};
  char err[256];
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == 0);
  CHECK_STR(out.authorization.data,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  in.url = "https://example.amazonaws.com/?Param2=value2&Param1=value1";
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == 0);
  CHECK_STR(out.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  kc_sigv4_out_free(&out);
}

static void test_uri_encode_and_sha(void) {
  static const struct {
    const char *in;
    bool keep_slash;
    const char *want;
  } cases[] = {
      {"a b", true, "a%20b"},
      {"a+b=c&d", true, "a%2Bb%3Dc%26d"},
      {"topics/t/partition=0/t+0+0000000000.json", true,
       "topics/t/partition%3D0/t%2B0%2B0000000000.json"},
      {"a/b", false, "a%2Fb"},
      {"A-z_0.9~", false, "A-z_0.9~"},
      {"\xea\xb0\x80\xeb\x82\x98", true, "%EA%B0%80%EB%82%98"},
      {"100%", true, "100%25"},
      {"", true, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    kc_buf_t b;
    kc_buf_init(&b, 0);
    CHECK(kc_sigv4_uri_encode(&b, cases[i].in, strlen(cases[i].in), cases[i].keep_slash) == 0);
    CHECK_STR(b.data, cases[i].want);
    kc_buf_free(&b);
  }
  char hex[65];
  kc_sha256_hex("", 0, hex);
  CHECK_STR(hex, EMPTY_SHA);
  kc_sha256_hex("abc", 3, hex);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  char date[17];
  kc_sigv4_amz_date(1369353600, date);
  CHECK_STR(date, S3_DATE);
}

static void test_rejects_bad_input(void) {
  kc_sigv4_out_t out;
  kc_sigv4_out_init(&out);
  char err[256];
  kc_sigv4_input_t in = {.method = "GET", .url = "ftp://h/x", .region = "us-east-1",
                         .service = "s3", .access_key = "a", .secret_key = "s",
                         .amz_date = S3_DATE};
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "ftp://h/x") != NULL);
  in.url = "http:///x";
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "no host") != NULL);
  in.url = "http://user:pw@h/x";
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  in.url = "http://h/a b";
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "space") != NULL);
  in.url = "http://h/x";
  in.secret_key = "";
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "secret") != NULL);
  in.secret_key = "s";
  in.amz_date = "2013-05-24";
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "x-amz-date") != NULL);
  in.amz_date = S3_DATE;
  const char *h[] = {"X-Amz-Date: 20130524T000000Z"};
  in.headers = h;
  in.nheaders = 1;
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "x-amz-date") != NULL && strstr(err, "signer") != NULL);
  in.nheaders = 0;
  CHECK(kc_sigv4_sign(&in, &out, err, sizeof err) == 0);
  kc_sigv4_out_free(&out);
}

/* ---- against the Python signer ---- */

typedef struct {
  const char *method, *url;
  const char *headers[6];
  const char *service, *token, *payload;
} pycase_t;

static const pycase_t pycases[] = {
    {"PUT", "http://127.0.0.1:9000/bucket/topics/t/partition=0/t+0+0000000000.json", {0}, "s3",
     NULL, NULL},
    {"PUT", "http://127.0.0.1:9000/bucket/a%20key%20with%20spaces/%E2%82%AC%3D.json", {0}, "s3",
     NULL, EMPTY_SHA},
    {"PUT", "http://bucket.s3.eu-west-1.amazonaws.com/k\xc3\xa9y~%7e/x%2fy", {0}, "s3", NULL, NULL},
    {"POST", "https://s3.amazonaws.com/b/k.json?uploads", {"Content-Type: application/json"}, "s3",
     NULL, NULL},
    {"PUT", "http://127.0.0.1:9000/b/k?uploadId=x%2By%2Fz&partNumber=10", {0}, "s3", NULL, NULL},
    {"PUT", "http://127.0.0.1:9000/b/k?partNumber=1&uploadId=x", {0}, "s3", NULL, NULL},
    {"GET", "http://127.0.0.1:9000/b?list-type=2&prefix=topics%2Ft%2F&continuation-token=a=b&a=2&a=1",
     {0}, "s3", NULL, NULL},
    {"PUT", "http://127.0.0.1:9000/b/k",
     {"x-amz-meta-Owner:   two   spaces  ", "X-Amz-Meta-Owner: again", "Content-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==",
      "Expect:", "User-Agent: x", "x-amz-acl: bucket-owner-full-control"},
     "s3", "FwoGZXIvYXdzE//token+with/slash=", NULL},
    {"DELETE", "http://127.0.0.1:9000/b/k?uploadId=abc", {"Host: other.example:8080"}, "s3", NULL,
     NULL},
    {"GET", "https://example.amazonaws.com/?Param1=value1&Param1=value0", {0}, "service", NULL,
     EMPTY_SHA},
    {"GET", "http://[::1]:9000/b/", {0}, "s3", NULL, NULL},
};

static void test_matches_python_signer(void) {
  size_t n = sizeof pycases / sizeof *pycases;
  json_t *arr = json_array();
  kc_sigv4_out_t outs[sizeof pycases / sizeof *pycases];
  for (size_t i = 0; i < n; i++) {
    const pycase_t *c = &pycases[i];
    size_t nh = 0;
    json_t *hs = json_array();
    while (nh < 6 && c->headers[nh]) json_array_append_new(hs, json_string(c->headers[nh++]));
    kc_sigv4_out_init(&outs[i]);
    kc_sigv4_input_t in = {.method = c->method, .url = c->url, .headers = c->headers,
                           .nheaders = nh, .region = "eu-west-1", .service = c->service,
                           .access_key = "AKIDTEST", .secret_key = "s3cr3t/+=key",
                           .session_token = c->token, .payload_hash = c->payload,
                           .amz_date = "20260101T120000Z"};
    char err[256];
    int rc = kc_sigv4_sign(&in, &outs[i], err, sizeof err);
    if (rc) fprintf(stderr, "  case %zu: %s\n", i, err);
    CHECK(rc == 0);
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "method", c->method, "url",
                          c->url, "headers", hs, "region", "eu-west-1", "service", c->service,
                          "access_key", "AKIDTEST", "secret_key", "s3cr3t/+=key", "amz_date",
                          "20260101T120000Z");
    if (c->token) json_object_set_new(o, "session_token", json_string(c->token));
    if (c->payload) json_object_set_new(o, "payload_hash", json_string(c->payload));
    json_array_append_new(arr, o);
  }
  char path[64];
  if (!CHECK(kc_test_temp_file(path, sizeof path, "sigv4_cases", NULL, 0) == 0)) return;
  json_dump_file(arr, path, 0);
  json_decref(arr);
  char cmd[4096], *py = NULL;
  size_t py_len = 0;
  snprintf(cmd, sizeof cmd, "python3 '%s' sign '%s'", kc_test_source("test/unit/http_test_server.py"),
           path);
  kc_test_sh(cmd, &py, &py_len);
  json_error_t jerr;
  json_t *res = py ? json_loadb(py, py_len, 0, &jerr) : NULL;
  free(py);
  unlink(path);
  if (!res) fprintf(stderr, "  no output from: %s\n", cmd);
  CHECK(json_is_array(res) && json_array_size(res) == n);
  for (size_t i = 0; res && i < json_array_size(res) && i < n; i++) {
    json_t *r = json_array_get(res, i);
    CHECK_STR(outs[i].canonical_request.data,
              json_string_value(json_object_get(r, "canonical_request")));
    CHECK_STR(outs[i].string_to_sign.data, json_string_value(json_object_get(r, "string_to_sign")));
    CHECK_STR(outs[i].signature, json_string_value(json_object_get(r, "signature")));
    CHECK_STR(outs[i].url.data, json_string_value(json_object_get(r, "url")));
  }
  json_decref(res);
  for (size_t i = 0; i < n; i++) kc_sigv4_out_free(&outs[i]);
}

/* What is sent is canonical already: signing the sent URL again changes nothing. */
static void test_idempotent_on_sent_url(void) {
  for (size_t i = 0; i < sizeof pycases / sizeof *pycases; i++) {
    const pycase_t *c = &pycases[i];
    size_t nh = 0;
    while (nh < 6 && c->headers[nh]) nh++;
    kc_sigv4_input_t in = {.method = c->method, .url = c->url, .headers = c->headers,
                           .nheaders = nh, .region = "eu-west-1", .service = c->service,
                           .access_key = "AKIDTEST", .secret_key = "k",
                           .session_token = c->token, .payload_hash = c->payload,
                           .amz_date = "20260101T120000Z"};
    kc_sigv4_out_t a, b;
    kc_sigv4_out_init(&a);
    kc_sigv4_out_init(&b);
    char err[256];
    CHECK(kc_sigv4_sign(&in, &a, err, sizeof err) == 0);
    in.url = a.url.data;
    CHECK(kc_sigv4_sign(&in, &b, err, sizeof err) == 0);
    CHECK_STR(b.url.data, a.url.data);
    CHECK_STR(b.signature, a.signature);
    kc_sigv4_out_free(&a);
    kc_sigv4_out_free(&b);
  }
}

int main(void) {
  kc_test_run("aws_s3_get_object", test_aws_s3_get_object);
  kc_test_run("aws_s3_put_object", test_aws_s3_put_object);
  kc_test_run("aws_s3_query_examples", test_aws_s3_query_examples);
  kc_test_run("aws_suite_vanilla", test_aws_suite_vanilla);
  kc_test_run("uri_encode_and_sha", test_uri_encode_and_sha);
  kc_test_run("rejects_bad_input", test_rejects_bad_input);
  kc_test_run("matches_python_signer", test_matches_python_signer);
  kc_test_run("idempotent_on_sent_url", test_idempotent_on_sent_url);
  return kc_test_done();
}
