/*
 * S3 REST operations (PutObject, multipart upload, ListMultipartUploads) on
 * the loop. See s3_client.h for the retry policy.
 */
#include "s3_client.h"
#include "s3_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

struct kc_s3_op_s {
  kc_s3_client_t *c;
  kc_s3_cb cb;
  void *arg;
  const char *verb;       /* for messages: "PutObject" ... */
  const char *method;
  char *key;
  char *query;            /* encoded, or NULL */
  char *path;             /* file body */
  int64_t off, len;
  kc_buf_t body;          /* memory body */
  bool has_body;
  bool acl_sse;           /* send x-amz-acl / SSE headers, check the SSE answer */
  bool sse_part;          /* UploadPart: SSE-C headers */
  int attempt;
  uv_timer_t timer;
  kc_http_req_t *req;
  bool cancelled;
};

static void op_start(kc_s3_op_t *op);

int kc_s3_encode_key(kc_buf_t *out, const char *key) { return kc_uri_encode(out, key, strlen(key), true); }

int kc_s3_xml_next(const char *xml, const char **pos, const char *tag, char *out, size_t n) {
  char open[96], close[96];
  snprintf(open, sizeof open, "<%s>", tag);
  snprintf(close, sizeof close, "</%s>", tag);
  const char *s = strstr(pos && *pos ? *pos : xml, open);
  if (!s) return -1;
  s += strlen(open);
  const char *e = strstr(s, close);
  if (!e) return -1;
  size_t len = (size_t)(e - s);
  if (len >= n) len = n - 1;
  memcpy(out, s, len);
  out[len] = '\0';
  if (pos) *pos = e + strlen(close);
  return 0;
}

static void op_closed(uv_handle_t *h) {
  kc_s3_op_t *op = h->data;
  free(op->key);
  free(op->query);
  free(op->path);
  kc_buf_free(&op->body);
  free(op);
}

static void op_finish(kc_s3_op_t *op, const kc_s3_result_t *res) {
  /* res->body (ListMultipartUploads) points into the response: the request outlives the callback. */
  kc_http_req_t *req = op->req;
  op->req = NULL;
  op->cb(op->arg, res);
  if (req) kc_http_req_destroy(req);
  uv_close((uv_handle_t *)&op->timer, op_closed);
}

static void on_timer(uv_timer_t *t) {
  kc_s3_op_t *op = t->data;
  if (op->cancelled) {
    kc_s3_result_t res = {.status = KC_ERR, .code = "", .message = "cancelled"};
    op_finish(op, &res);
    return;
  }
  op_start(op);
}

static void retry_later(kc_s3_op_t *op, const char *why) {
  kc_s3_client_t *c = op->c;
  op->attempt++;
  int64_t delay = c->backoff_ms > 0 ? c->backoff_ms : 200;
  for (int i = 1; i < op->attempt && delay < c->backoff_max_ms; i++) delay *= 2;
  if (delay > c->backoff_max_ms) delay = c->backoff_max_ms;
  /* Full jitter in [delay/2, delay): many partitions retrying must not stampede. */
  delay = delay / 2 + (int64_t)(rand() % (int)(delay / 2 + 1));
  kc_task_log(c->task, op->attempt <= c->part_retries ? KC_LOG_WARN : KC_LOG_ERROR,
              "S3 %s s3://%s/%s failed (attempt %d): %s; retrying in %lld ms", op->verb, c->bucket,
              op->key, op->attempt, why, (long long)delay);
  uv_timer_start(&op->timer, on_timer, (uint64_t)delay, 0);
}

static void on_response(kc_http_req_t *req, int status, void *arg) {
  kc_s3_op_t *op = arg;
  kc_s3_client_t *c = op->c;
  long http = kc_http_req_status(req);
  const char *body = kc_http_req_response(req)->data ? kc_http_req_response(req)->data : "";
  char code[128] = "", msg[512] = "", why[800];
  kc_s3_xml_next(body, NULL, "Code", code, sizeof code);
  kc_s3_xml_next(body, NULL, "Message", msg, sizeof msg);
  if (op->cancelled) {
    kc_s3_result_t res = {.status = KC_ERR, .http = http, .code = "", .message = "cancelled"};
    op_finish(op, &res);
    return;
  }
  if (status != 0) {
    snprintf(why, sizeof why, "%s", kc_http_req_error(req));
    kc_http_req_destroy(op->req);
    op->req = NULL;
    retry_later(op, why);
    return;
  }
  /* CompleteMultipartUpload may answer 200 with an <Error> body. */
  bool error_body = http / 100 == 2 && strstr(body, "<Error>");
  if (http >= 500 || http == 429 || http == 408 || (error_body && (!strcmp(code, "InternalError") ||
                                                                   !strcmp(code, "SlowDown")))) {
    snprintf(why, sizeof why, "HTTP %ld %s %s", http, code, msg);
    kc_http_req_destroy(op->req);
    op->req = NULL;
    retry_later(op, why);
    return;
  }
  if (http / 100 != 2 || error_body) {
    char text[1200];
    snprintf(text, sizeof text, "S3 %s of s3://%s/%s failed: HTTP %ld %s%s%s", op->verb, c->bucket,
             op->key, http, *code ? code : "(no S3 error code)", *msg ? ": " : "", msg);
    kc_s3_result_t res = {.status = KC_ERR, .http = http, .code = code, .message = text};
    op_finish(op, &res);
    return;
  }
  char upload_id[512] = "";
  kc_s3_xml_next(body, NULL, "UploadId", upload_id, sizeof upload_id);
  if (op->acl_sse && kc_s3_sse_check_response(c, req, msg, sizeof msg)) {
    /* Final, not retried; upload_id lets the caller abort the upload just created. */
    char text[1200];
    snprintf(text, sizeof text, "S3 %s of s3://%s/%s: %s", op->verb, c->bucket, op->key, msg);
    kc_s3_result_t res = {.status = KC_ERR, .http = http, .code = "", .message = text,
                          .upload_id = upload_id};
    op_finish(op, &res);
    return;
  }
  const char *etag = kc_http_req_response_header(req, "ETag");
  char etag_copy[256];
  snprintf(etag_copy, sizeof etag_copy, "%s", etag ? etag : "");
  kc_s3_result_t res = {.status = 0, .http = http, .code = "", .message = "",
                        .upload_id = upload_id, .etag = etag_copy, .body = body};
  op_finish(op, &res);
}

static int build_url(kc_s3_op_t *op, kc_buf_t *url) {
  kc_s3_client_t *c = op->c;
  int rc = 0;
  if (c->path_style) {
    rc = kc_buf_printf(url, "%s/%s/", c->endpoint, c->bucket);
  } else {
    const char *sep = strstr(c->endpoint, "://");
    const char *host = sep ? sep + 3 : c->endpoint;
    rc = kc_buf_printf(url, "%.*s%s.%s/", (int)(host - c->endpoint), c->endpoint, c->bucket, host);
  }
  if (!rc) rc = kc_s3_encode_key(url, op->key);
  if (!rc && op->query) rc = kc_buf_printf(url, "?%s", op->query);
  return rc;
}

static void op_start(kc_s3_op_t *op) {
  kc_s3_client_t *c = op->c;
  kc_buf_t url;
  kc_buf_init(&url, 0);
  int rc = build_url(op, &url);
  kc_http_req_t *req = rc ? NULL : kc_http_req_new(op->method, url.data);
  kc_buf_free(&url);
  if (!req) {
    retry_later(op, "out of memory building the request");
    return;
  }
  if (op->path)
    rc = kc_http_req_set_body_file(req, op->path, op->off, op->len);
  else if (op->has_body)
    rc = kc_http_req_set_body(req, op->body.data ? op->body.data : "", op->body.len);
  if (!rc && op->acl_sse && c->acl) rc = kc_http_req_add_header(req, "x-amz-acl", c->acl);
  if (!rc && op->acl_sse) rc = kc_s3_sse_add_headers(c, req, KC_S3_SSE_OBJECT);
  if (!rc && op->sse_part) rc = kc_s3_sse_add_headers(c, req, KC_S3_SSE_PART);
  if (!rc)
    rc = kc_http_req_set_sigv4(req, c->region, "s3", c->access_key, c->secret_key, c->session_token,
                               NULL);
  if (!rc && c->proxy_url) rc = kc_http_req_set_proxy(req, c->proxy_url, c->proxy_user, c->proxy_password);
  kc_http_req_set_timeouts(req, (uint64_t)c->timeout_ms, 10000);
  if (!rc) rc = kc_http_submit(c->task, req, on_response, op);
  if (rc) {
    kc_http_req_destroy(req);
    retry_later(op, kc_strerror(rc));
    return;
  }
  op->req = req;
}

static kc_s3_op_t *op_new(kc_s3_client_t *c, const char *verb, const char *method, const char *key,
                          const char *query, kc_s3_cb cb, void *arg) {
  kc_s3_op_t *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  op->c = c;
  op->verb = verb;
  op->method = method;
  op->cb = cb;
  op->arg = arg;
  op->key = strdup(key);
  op->query = query ? strdup(query) : NULL;
  kc_buf_init(&op->body, 0);
  uv_timer_init(kc_task_loop(c->task), &op->timer);
  op->timer.data = op;
  return op;
}

kc_s3_op_t *kc_s3_head_bucket(kc_s3_client_t *c, kc_s3_cb cb, void *arg) {
  /* GetBucketLocation rather than HEAD: an error answer carries the S3 error code. */
  kc_s3_op_t *op = op_new(c, "GetBucketLocation", "GET", "", "location=", cb, arg);
  if (!op) return NULL;
  op_start(op);
  return op;
}

kc_s3_op_t *kc_s3_put_object(kc_s3_client_t *c, const char *key, const char *path, int64_t off,
                             int64_t len, kc_s3_cb cb, void *arg) {
  kc_s3_op_t *op = op_new(c, "PutObject", "PUT", key, NULL, cb, arg);
  if (!op) return NULL;
  op->path = strdup(path);
  op->off = off;
  op->len = len;
  op->acl_sse = true;
  op_start(op);
  return op;
}

kc_s3_op_t *kc_s3_create_multipart(kc_s3_client_t *c, const char *key, kc_s3_cb cb, void *arg) {
  /* "uploads=" with an explicit '=': libcurl-era signers differ on valueless parameters. */
  kc_s3_op_t *op = op_new(c, "CreateMultipartUpload", "POST", key, "uploads=", cb, arg);
  if (!op) return NULL;
  op->acl_sse = true;
  op->has_body = true;
  op_start(op);
  return op;
}

static char *encoded(const char *s) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_uri_encode(&b, s, strlen(s), false);
  return b.data ? b.data : strdup("");
}

kc_s3_op_t *kc_s3_upload_part(kc_s3_client_t *c, const char *key, const char *upload_id, int part,
                              const char *path, int64_t off, int64_t len, kc_s3_cb cb, void *arg) {
  char *uid = encoded(upload_id);
  char q[1024];
  snprintf(q, sizeof q, "partNumber=%d&uploadId=%s", part, uid);
  free(uid);
  kc_s3_op_t *op = op_new(c, "UploadPart", "PUT", key, q, cb, arg);
  if (!op) return NULL;
  op->path = strdup(path);
  op->off = off;
  op->len = len;
  op->sse_part = true;
  op_start(op);
  return op;
}

kc_s3_op_t *kc_s3_complete_multipart(kc_s3_client_t *c, const char *key, const char *upload_id,
                                     char *const *etags, int nparts, kc_s3_cb cb, void *arg) {
  char *uid = encoded(upload_id);
  char q[1024];
  snprintf(q, sizeof q, "uploadId=%s", uid);
  free(uid);
  kc_s3_op_t *op = op_new(c, "CompleteMultipartUpload", "POST", key, q, cb, arg);
  if (!op) return NULL;
  op->has_body = true;
  kc_buf_puts(&op->body, "<CompleteMultipartUpload>");
  for (int i = 0; i < nparts; i++)
    kc_buf_printf(&op->body, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1, etags[i]);
  kc_buf_puts(&op->body, "</CompleteMultipartUpload>");
  op_start(op);
  return op;
}

kc_s3_op_t *kc_s3_abort_multipart(kc_s3_client_t *c, const char *key, const char *upload_id,
                                  kc_s3_cb cb, void *arg) {
  char *uid = encoded(upload_id);
  char q[1024];
  snprintf(q, sizeof q, "uploadId=%s", uid);
  free(uid);
  kc_s3_op_t *op = op_new(c, "AbortMultipartUpload", "DELETE", key, q, cb, arg);
  if (!op) return NULL;
  op_start(op);
  return op;
}

kc_s3_op_t *kc_s3_list_multipart(kc_s3_client_t *c, const char *prefix, kc_s3_cb cb, void *arg) {
  char *p = encoded(prefix);
  char q[2048];
  snprintf(q, sizeof q, "prefix=%s&uploads=", p);
  free(p);
  kc_s3_op_t *op = op_new(c, "ListMultipartUploads", "GET", "", q, cb, arg);
  if (!op) return NULL;
  op_start(op);
  return op;
}

void kc_s3_op_cancel(kc_s3_op_t *op) {
  if (op->cancelled) return;
  op->cancelled = true;
  if (op->req)
    kc_http_req_cancel(op->req);
  else
    uv_timer_start(&op->timer, on_timer, 0, 0);
}

void kc_s3_client_free(kc_s3_client_t *c) {
  if (!c) return;
  free(c->endpoint);
  free(c->bucket);
  free(c->region);
  free(c->access_key);
  free(c->secret_key);
  free(c->session_token);
  free(c->proxy_url);
  free(c->proxy_user);
  free(c->proxy_password);
  free(c->acl);
  free(c->sse);
  free(c->sse_kms_key_id);
  if (c->sse_customer_key) OPENSSL_cleanse(c->sse_customer_key, strlen(c->sse_customer_key));
  free(c->sse_customer_key);
  free(c->sse_customer_key_md5);
  free(c);
}

/* ---- server-side encryption ---- */

static char *dup_nonblank(const char *s) { return s && *s ? strdup(s) : NULL; }

int kc_s3_client_set_sse(kc_s3_client_t *c, const char *ssea, const char *kms_key_id,
                         const char *customer_key) {
  free(c->sse);
  free(c->sse_kms_key_id);
  free(c->sse_customer_key);
  free(c->sse_customer_key_md5);
  c->sse = c->sse_kms_key_id = c->sse_customer_key = c->sse_customer_key_md5 = NULL;
  bool ssec = ssea && !strcasecmp(ssea, "AES256") && customer_key && *customer_key;
  if (ssec) {
    unsigned char key[64], md5[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int klen = kc_s3_base64_decode(customer_key, key, sizeof key);
    if (klen != 32) {
      OPENSSL_cleanse(key, sizeof key);
      return KC_EINVAL;
    }
    int ok = EVP_Digest(key, (size_t)klen, md5, &mdlen, EVP_md5(), NULL);
    OPENSSL_cleanse(key, sizeof key);
    char b64[64];
    if (!ok || EVP_EncodeBlock((unsigned char *)b64, md5, (int)mdlen) <= 0) return KC_ERR;
    c->sse_customer_key = strdup(customer_key);
    c->sse_customer_key_md5 = strdup(b64);
    if (!c->sse_customer_key || !c->sse_customer_key_md5) return KC_ENOMEM;
  }
  if ((c->sse = dup_nonblank(ssea)) == NULL && ssea && *ssea) return KC_ENOMEM;
  if (ssea && !strcmp(ssea, "aws:kms") && kms_key_id && *kms_key_id &&
      !(c->sse_kms_key_id = strdup(kms_key_id)))
    return KC_ENOMEM;
  return 0;
}

int kc_s3_sse_add_headers(const kc_s3_client_t *c, kc_http_req_t *req, kc_s3_sse_req_t kind) {
  int rc = 0;
  if (c->sse_customer_key) {
    rc = kc_http_req_add_header(req, "x-amz-server-side-encryption-customer-algorithm", "AES256");
    if (!rc) rc = kc_http_req_add_header(req, "x-amz-server-side-encryption-customer-key", c->sse_customer_key);
    if (!rc)
      rc = kc_http_req_add_header(req, "x-amz-server-side-encryption-customer-key-MD5",
                                  c->sse_customer_key_md5);
    return rc;
  }
  if (kind != KC_S3_SSE_OBJECT || !c->sse) return 0;
  rc = kc_http_req_add_header(req, "x-amz-server-side-encryption", c->sse);
  if (!rc && c->sse_kms_key_id)
    rc = kc_http_req_add_header(req, "x-amz-server-side-encryption-aws-kms-key-id", c->sse_kms_key_id);
  return rc;
}

int kc_s3_sse_check_response(const kc_s3_client_t *c, const kc_http_req_t *req, char *err, size_t n) {
  const char *name = c->sse_customer_key ? "x-amz-server-side-encryption-customer-algorithm"
                                         : "x-amz-server-side-encryption";
  const char *want = c->sse_customer_key ? "AES256" : c->sse;
  if (!want) return 0;
  const char *got = kc_http_req_response_header(req, name);
  if (got && !strcasecmp(got, want)) return 0;
  snprintf(err, n,
           "server-side encryption %s%s was requested (s3.ssea.name%s) but the server's answer "
           "%s %s%s%s: the server may not support it, so the task stops rather than write "
           "unencrypted objects",
           want, c->sse_customer_key ? " with a customer key (SSE-C)" : "",
           c->sse_customer_key ? ", s3.sse.customer.key" : "",
           got ? "has" : "lacks the", name, got ? ": " : " header", got ? got : "");
  return KC_ERR;
}
