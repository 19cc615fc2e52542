/*
 * kc_http_req_t: building a request and reading its response (connector.h
 * "HTTP client service"). Submission and the transfer live in http.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "util/log.h"

#define DEFAULT_RESPONSE_LIMIT (1024 * 1024)
#define MAX_RESPONSE_HEADERS 256

kc_http_req_t *kc_http_req_new(const char *method, const char *url) {
  if (!method || !*method || !url) return NULL;
  kc_http_req_t *req = calloc(1, sizeof *req);
  if (!req) return NULL;
  req->method = strdup(method);
  req->url = strdup(url);
  if (!req->method || !req->url) {
    kc_http_req_destroy(req);
    return NULL;
  }
  req->response_limit = DEFAULT_RESPONSE_LIMIT;
  kc_buf_init(&req->response, 0);
  if (kc_buf_append(&req->response, "", 0)) { /* data is never NULL, even unsent */
    kc_http_req_destroy(req);
    return NULL;
  }
  return req;
}

/* Configuration after submit would race with the transfer. */
static bool configurable(const kc_http_req_t *req) {
  if (req && req->state == KC_HTTP_NEW) return true;
  if (req) kc_log_error("kc.http", "request %s %s changed after submit: ignored", req->method, req->url);
  return false;
}

static bool has_crlf(const char *s) { return strpbrk(s, "\r\n") != NULL; }

int kc_http_req_add_header(kc_http_req_t *req, const char *name, const char *value) {
  if (!configurable(req)) return KC_ESTATE;
  if (!name || !*name || !value || strpbrk(name, ":; \t\r\n") || has_crlf(value))
    return KC_EINVAL;
  if (req->nheaders == req->cap_headers) {
    size_t cap = req->cap_headers ? 2 * req->cap_headers : 8;
    char **nh = realloc(req->headers, cap * sizeof *nh);
    if (!nh) return KC_ENOMEM;
    req->headers = nh;
    req->cap_headers = cap;
  }
  /* curl drops a header given as "Name:"; "Name;" sends it empty. */
  size_t n = strlen(name) + strlen(value) + 3;
  char *line = malloc(n);
  if (!line) return KC_ENOMEM;
  if (*value)
    snprintf(line, n, "%s: %s", name, value);
  else
    snprintf(line, n, "%s;", name);
  req->headers[req->nheaders++] = line;
  return 0;
}

static void clear_body(kc_http_req_t *req) {
  free(req->body);
  free(req->file_path);
  req->body = req->file_path = NULL;
  req->body_len = req->body_pos = 0;
  req->file_off = req->file_len = 0;
  req->has_body = false;
}

int kc_http_req_set_body(kc_http_req_t *req, const void *data, size_t len) {
  if (!configurable(req)) return KC_ESTATE;
  if (len && !data) return KC_EINVAL;
  char *copy = malloc(len ? len : 1);
  if (!copy) return KC_ENOMEM;
  if (len) memcpy(copy, data, len);
  clear_body(req);
  req->body = copy;
  req->body_len = len;
  req->has_body = true;
  return 0;
}

int kc_http_req_set_body_file(kc_http_req_t *req, const char *path, int64_t offset, int64_t len) {
  if (!configurable(req)) return KC_ESTATE;
  if (!path || !*path || offset < 0 || len < 0) return KC_EINVAL;
  char *copy = strdup(path);
  if (!copy) return KC_ENOMEM;
  clear_body(req);
  req->file_path = copy;
  req->file_off = offset;
  req->file_len = len;
  req->has_body = true;
  return 0;
}

static int set_str(char **dst, const char *src) {
  char *copy = NULL;
  if (src && !(copy = strdup(src))) return KC_ENOMEM;
  free(*dst);
  *dst = copy;
  return 0;
}

int kc_http_req_set_sigv4(kc_http_req_t *req, const char *region, const char *service,
                          const char *access_key, const char *secret_key,
                          const char *session_token, const char *payload_sha256_hex) {
  if (!configurable(req)) return KC_ESTATE;
  if (!region || !service || !access_key || !secret_key) return KC_EINVAL;
  if (payload_sha256_hex) {
    if (strlen(payload_sha256_hex) != 64 || strspn(payload_sha256_hex, "0123456789abcdef") != 64)
      return KC_EINVAL;
  }
  if (set_str(&req->region, region) || set_str(&req->service, service) ||
      set_str(&req->access_key, access_key) || set_str(&req->secret_key, secret_key) ||
      set_str(&req->session_token, session_token && *session_token ? session_token : NULL) ||
      set_str(&req->payload_hash, payload_sha256_hex))
    return KC_ENOMEM;
  req->sign = true;
  return 0;
}

int kc_http_req_set_proxy(kc_http_req_t *req, const char *url, const char *user,
                          const char *password) {
  if (!configurable(req)) return KC_ESTATE;
  if (set_str(&req->proxy, url && *url ? url : NULL) ||
      set_str(&req->proxy_user, user) || set_str(&req->proxy_password, password))
    return KC_ENOMEM;
  return 0;
}

static int dup_blob(char **dst, const char *src, size_t n) {
  *dst = NULL;
  if (!src) return 0;
  if (!(*dst = malloc(n + 1))) return KC_ENOMEM;
  memcpy(*dst, src, n);
  (*dst)[n] = '\0';
  return 0;
}

void kc__http_tls_clear(kc_http_tls_t *tls) {
  if (!tls) return;
  if (tls->key_pem) memset(tls->key_pem, 0, tls->key_len);
  if (tls->key_password) memset(tls->key_password, 0, strlen(tls->key_password));
  free(tls->ca_pem);
  free(tls->cert_pem);
  free(tls->key_pem);
  free(tls->key_password);
  memset(tls, 0, sizeof *tls);
}

int kc__http_req_set_tls(kc_http_req_t *req, const kc_http_tls_t *tls) {
  if (!configurable(req)) return KC_ESTATE;
  kc_http_tls_t *copy = NULL;
  if (tls) {
    if (!(copy = calloc(1, sizeof *copy))) return KC_ENOMEM;
    copy->ca_len = tls->ca_len;
    copy->cert_len = tls->cert_len;
    copy->key_len = tls->key_len;
    copy->no_verify_host = tls->no_verify_host;
    if (dup_blob(&copy->ca_pem, tls->ca_pem, tls->ca_len) ||
        dup_blob(&copy->cert_pem, tls->cert_pem, tls->cert_len) ||
        dup_blob(&copy->key_pem, tls->key_pem, tls->key_len) ||
        (tls->key_password && !(copy->key_password = strdup(tls->key_password)))) {
      kc__http_tls_clear(copy);
      free(copy);
      return KC_ENOMEM;
    }
  }
  kc__http_tls_clear(req->tls);
  free(req->tls);
  req->tls = copy;
  return 0;
}

void kc_http_req_set_timeouts(kc_http_req_t *req, uint64_t total_ms, uint64_t connect_ms) {
  if (!configurable(req)) return;
  req->total_ms = total_ms;
  req->connect_ms = connect_ms;
}

void kc_http_req_set_response_limit(kc_http_req_t *req, size_t limit) {
  if (!configurable(req)) return;
  req->response_limit = limit;
}

long kc_http_req_status(const kc_http_req_t *req) { return req ? req->status : 0; }

const kc_buf_t *kc_http_req_response(const kc_http_req_t *req) { return req ? &req->response : NULL; }

const char *kc_http_req_response_header(const kc_http_req_t *req, const char *name) {
  if (!req || !name) return NULL;
  for (size_t i = 0; i < req->nresp_headers; i++)
    if (!strcasecmp(req->resp_headers[i].name, name)) return req->resp_headers[i].value;
  return NULL;
}

const char *kc_http_req_error(const kc_http_req_t *req) {
  if (!req) return "";
  if (req->error) return req->error;
  return req->errbuf;
}

void kc__http_req_set_error(kc_http_req_t *req, const char *msg) {
  free(req->error);
  req->error = msg ? strdup(msg) : NULL;
}

static void clear_response_headers(kc_http_req_t *req) {
  for (size_t i = 0; i < req->nresp_headers; i++) {
    free(req->resp_headers[i].name);
    free(req->resp_headers[i].value);
  }
  req->nresp_headers = 0;
}

void kc__http_req_header_line(kc_http_req_t *req, const char *line, size_t n) {
  while (n && (line[n - 1] == '\r' || line[n - 1] == '\n')) n--;
  /* A status line starts a new header block (100 Continue, a proxy's CONNECT reply). */
  if (n >= 5 && !memcmp(line, "HTTP/", 5)) {
    clear_response_headers(req);
    return;
  }
  const char *colon = memchr(line, ':', n);
  if (!colon || colon == line || req->nresp_headers >= MAX_RESPONSE_HEADERS) return;
  if (req->nresp_headers == req->cap_resp_headers) {
    size_t cap = req->cap_resp_headers ? 2 * req->cap_resp_headers : 16;
    kc_http_header_t *nh = realloc(req->resp_headers, cap * sizeof *nh);
    if (!nh) return;
    req->resp_headers = nh;
    req->cap_resp_headers = cap;
  }
  const char *v = colon + 1;
  size_t vlen = n - (size_t)(v - line);
  while (vlen && (*v == ' ' || *v == '\t')) v++, vlen--;
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
  char *name = strndup(line, (size_t)(colon - line));
  char *value = strndup(v, vlen);
  if (!name || !value) {
    free(name);
    free(value);
    return;
  }
  req->resp_headers[req->nresp_headers].name = name;
  req->resp_headers[req->nresp_headers].value = value;
  req->nresp_headers++;
}

void kc_http_req_destroy(kc_http_req_t *req) {
  if (!req) return;
  if (req->state == KC_HTTP_OPENING || req->state == KC_HTTP_ACTIVE ||
      req->state == KC_HTTP_DELIVER) {
    /* Misuse, but never leave a dangling pointer in the client: detach first. */
    kc_log_error("kc.http", "request %s %s destroyed in flight: its callback will not run",
                 req->method, req->url);
    kc__http_detach(req);
  }
  for (size_t i = 0; i < req->nheaders; i++) free(req->headers[i]);
  free(req->headers);
  clear_body(req);
  free(req->method);
  free(req->url);
  free(req->region);
  free(req->service);
  free(req->access_key);
  if (req->secret_key) {
    memset(req->secret_key, 0, strlen(req->secret_key));
    free(req->secret_key);
  }
  free(req->session_token);
  free(req->payload_hash);
  free(req->proxy);
  free(req->proxy_user);
  free(req->proxy_password);
  kc__http_tls_clear(req->tls);
  free(req->tls);
  kc_buf_free(&req->response);
  clear_response_headers(req);
  free(req->resp_headers);
  free(req->error);
  free(req);
}
