/*
 * AWS Signature Version 4 for requests in the Authorization header, with
 * libcrypto. The URL contract and the header rules are in http.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http/http.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

static const char hexdig[] = "0123456789abcdef";
static const char hexdig_upper[] = "0123456789ABCDEF";

void kc_sigv4_out_init(kc_sigv4_out_t *out) {
  kc_buf_init(&out->url, 0);
  kc_buf_init(&out->host, 0);
  kc_buf_init(&out->canonical_request, 0);
  kc_buf_init(&out->string_to_sign, 0);
  kc_buf_init(&out->signed_headers, 0);
  kc_buf_init(&out->authorization, 0);
  out->signature[0] = '\0';
}

void kc_sigv4_out_free(kc_sigv4_out_t *out) {
  kc_buf_free(&out->url);
  kc_buf_free(&out->host);
  kc_buf_free(&out->canonical_request);
  kc_buf_free(&out->string_to_sign);
  kc_buf_free(&out->signed_headers);
  kc_buf_free(&out->authorization);
  out->signature[0] = '\0';
}

static void to_hex(const unsigned char *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hexdig[p[i] >> 4];
    out[2 * i + 1] = hexdig[p[i] & 15];
  }
  out[2 * n] = '\0';
}

void kc_sha256_hex(const void *p, size_t n, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
  to_hex(md, 32, out);
}

static void hmac(const void *key, size_t keylen, const void *msg, size_t n, unsigned char out[32]) {
  unsigned int len = 32;
  HMAC(EVP_sha256(), key, (int)keylen, msg, n, out, &len);
}

void kc_sigv4_amz_date(time_t t, char out[17]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

static int append_escaped(kc_buf_t *out, unsigned char c) {
  char e[3] = {'%', hexdig_upper[c >> 4], hexdig_upper[c & 15]};
  return kc_buf_append(out, e, 3);
}

int kc_sigv4_uri_encode(kc_buf_t *out, const char *s, size_t n, bool keep_slash) {
  int rc = kc_buf_append(out, "", 0);
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved(c) || (keep_slash && c == '/'))
      rc = kc_buf_append(out, &s[i], 1);
    else
      rc = append_escaped(out, c);
  }
  return rc;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes each %XX and re-encodes: idempotent on encoded input, and only a
 * literal '/' survives as '/' (an escaped one stays escaped: it is part of a
 * segment). */
static int normalise(kc_buf_t *out, const char *s, size_t n, bool keep_slash) {
  int rc = kc_buf_append(out, "", 0);
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    bool escaped = false;
    if (c == '%' && i + 2 < n) {
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = (unsigned char)(hi << 4 | lo);
        escaped = true;
        i += 2;
      }
    }
    if (unreserved(c) || (keep_slash && c == '/' && !escaped))
      rc = kc_buf_append(out, &c, 1);
    else
      rc = append_escaped(out, c);
  }
  return rc;
}

/* ---- URL ---- */

typedef struct {
  const char *scheme, *authority, *path, *query;
  size_t scheme_len, authority_len, path_len, query_len;
  bool has_query;
} url_parts_t;

static int split_url(const char *url, url_parts_t *u, char *err, size_t errlen) {
  memset(u, 0, sizeof *u);
  if (!strncasecmp(url, "http://", 7))
    u->scheme_len = 4;
  else if (!strncasecmp(url, "https://", 8))
    u->scheme_len = 5;
  else {
    snprintf(err, errlen, "URL '%s' is not an absolute http:// or https:// URL", url);
    return KC_EINVAL;
  }
  u->scheme = url;
  const char *p = url + u->scheme_len + 3;
  u->authority = p;
  u->authority_len = strcspn(p, "/?#");
  if (u->authority_len == 0) {
    snprintf(err, errlen, "URL '%s' has no host", url);
    return KC_EINVAL;
  }
  if (memchr(p, '@', u->authority_len)) {
    snprintf(err, errlen, "URL '%s' carries user info: give credentials separately", url);
    return KC_EINVAL;
  }
  p += u->authority_len;
  u->path = p;
  u->path_len = strcspn(p, "?#");
  p += u->path_len;
  if (*p == '?') {
    u->has_query = true;
    u->query = p + 1;
    u->query_len = strcspn(p + 1, "#");
  }
  for (const char *c = url; *c; c++) {
    if ((unsigned char)*c <= ' ' || *c == 0x7f) {
      snprintf(err, errlen, "URL '%s' contains a space or control character: encode it", url);
      return KC_EINVAL;
    }
  }
  return 0;
}

/* ---- query ---- */

typedef struct {
  char *name, *value; /* both encoded canonically */
} qparam_t;

static int cmp_param(const void *a, const void *b) {
  const qparam_t *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->value, y->value);
}

static char *normalised_dup(const char *s, size_t n) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  if (normalise(&b, s, n, false)) {
    kc_buf_free(&b);
    return NULL;
  }
  return b.data;
}

static int canonical_query(const char *q, size_t n, kc_buf_t *out) {
  size_t count = 0, cap = 0;
  qparam_t *ps = NULL;
  int rc = 0;
  size_t i = 0;
  while (i < n && !rc) {
    size_t len = 0;
    while (i + len < n && q[i + len] != '&') len++;
    if (len) {
      const char *eq = memchr(q + i, '=', len);
      size_t nlen = eq ? (size_t)(eq - (q + i)) : len;
      if (count == cap) {
        size_t ncap = cap ? 2 * cap : 8;
        qparam_t *np = realloc(ps, ncap * sizeof *np);
        if (!np) {
          rc = KC_ENOMEM;
          break;
        }
        ps = np;
        cap = ncap;
      }
      ps[count].name = normalised_dup(q + i, nlen);
      ps[count].value = eq ? normalised_dup(eq + 1, len - nlen - 1) : normalised_dup("", 0);
      count++;
      if (!ps[count - 1].name || !ps[count - 1].value) rc = KC_ENOMEM;
    }
    i += len + 1;
  }
  if (!rc) {
    if (count > 1) qsort(ps, count, sizeof *ps, cmp_param);
    rc = kc_buf_append(out, "", 0);
    for (size_t k = 0; k < count && !rc; k++)
      rc = kc_buf_printf(out, "%s%s=%s", k ? "&" : "", ps[k].name, ps[k].value);
  }
  for (size_t k = 0; k < count; k++) {
    free(ps[k].name);
    free(ps[k].value);
  }
  free(ps);
  return rc;
}

/* ---- headers ---- */

typedef struct {
  char *name;      /* lower case */
  kc_buf_t value;  /* trimmed, blanks collapsed, duplicates joined by ',' */
} sheader_t;

static const char *const unsigned_headers[] = {
    "connection", "expect", "user-agent", "content-length", "transfer-encoding", "te",
    "keep-alive", "upgrade", "accept-encoding", "authorization", NULL};
static const char *const signer_headers[] = {"x-amz-date", "x-amz-content-sha256",
                                             "x-amz-security-token", NULL};

static bool in_list(const char *name, const char *const *list) {
  for (; *list; list++)
    if (!strcmp(name, *list)) return true;
  return false;
}

static int cmp_header(const void *a, const void *b) {
  return strcmp(((const sheader_t *)a)->name, ((const sheader_t *)b)->name);
}

static int append_trimmed(kc_buf_t *b, const char *v, size_t n) {
  while (n && (*v == ' ' || *v == '\t')) v++, n--;
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n')) n--;
  int rc = kc_buf_append(b, "", 0);
  bool blank = false;
  for (size_t i = 0; i < n && !rc; i++) {
    if (v[i] == ' ' || v[i] == '\t') {
      blank = true;
      continue;
    }
    if (blank) rc = kc_buf_append(b, " ", 1);
    blank = false;
    if (!rc) rc = kc_buf_append(b, &v[i], 1);
  }
  return rc;
}

typedef struct {
  sheader_t *v;
  size_t n, cap;
} hlist_t;

static int hlist_add(hlist_t *l, const char *name, size_t nlen, const char *value, size_t vlen) {
  char lname[128];
  if (nlen == 0 || nlen >= sizeof lname) return KC_EINVAL;
  for (size_t i = 0; i < nlen; i++) {
    char c = name[i];
    lname[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  lname[nlen] = '\0';
  for (size_t i = 0; i < l->n; i++) {
    if (!strcmp(l->v[i].name, lname)) {
      int rc = kc_buf_append(&l->v[i].value, ",", 1);
      return rc ? rc : append_trimmed(&l->v[i].value, value, vlen);
    }
  }
  if (l->n == l->cap) {
    size_t ncap = l->cap ? 2 * l->cap : 16;
    sheader_t *nv = realloc(l->v, ncap * sizeof *nv);
    if (!nv) return KC_ENOMEM;
    l->v = nv;
    l->cap = ncap;
  }
  sheader_t *h = &l->v[l->n];
  h->name = strdup(lname);
  kc_buf_init(&h->value, 0);
  if (!h->name) return KC_ENOMEM;
  l->n++;
  return append_trimmed(&h->value, value, vlen);
}

static void hlist_free(hlist_t *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->v[i].name);
    kc_buf_free(&l->v[i].value);
  }
  free(l->v);
}

/* ---- signing ---- */

static bool valid_amz_date(const char *d) {
  if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z') return false;
  for (int i = 0; i < 15; i++)
    if (i != 8 && (d[i] < '0' || d[i] > '9')) return false;
  return true;
}

static bool empty(const char *s) { return !s || !*s; }

static int collect_headers(const kc_sigv4_input_t *in, const url_parts_t *u, hlist_t *hl,
                           kc_sigv4_out_t *out, bool s3, const char *payload, char *err,
                           size_t errlen) {
  int rc = 0;
  const char *host = NULL;
  size_t host_len = 0;
  for (size_t i = 0; i < in->nheaders && !rc; i++) {
    const char *line = in->headers[i];
    const char *colon = strchr(line, ':');
    if (!colon) colon = strchr(line, ';'); /* curl's "Name;" = empty value */
    if (!colon || colon == line) {
      snprintf(err, errlen, "header line '%s' has no name", line);
      return KC_EINVAL;
    }
    size_t nlen = (size_t)(colon - line);
    while (nlen && line[nlen - 1] == ' ') nlen--;
    char lname[128];
    if (nlen >= sizeof lname) {
      snprintf(err, errlen, "header name '%.*s...' is too long", 40, line);
      return KC_EINVAL;
    }
    for (size_t k = 0; k < nlen; k++)
      lname[k] = (line[k] >= 'A' && line[k] <= 'Z') ? (char)(line[k] - 'A' + 'a') : line[k];
    lname[nlen] = '\0';
    if (in_list(lname, signer_headers)) {
      snprintf(err, errlen, "header %s is set by the SigV4 signer, not by the caller", lname);
      return KC_EINVAL;
    }
    if (in_list(lname, unsigned_headers) || !strncmp(lname, "proxy-", 6)) continue;
    const char *v = colon + 1;
    if (!strcmp(lname, "host")) {
      while (*v == ' ') v++;
      host = v;
      host_len = strlen(v);
      continue;
    }
    rc = hlist_add(hl, line, nlen, v, strlen(v));
  }
  if (!host) {
    host = u->authority;
    host_len = u->authority_len;
  }
  if (!rc) rc = append_trimmed(&out->host, host, host_len);
  if (!rc) rc = hlist_add(hl, "host", 4, out->host.data, out->host.len);
  if (!rc) rc = hlist_add(hl, "x-amz-date", 10, in->amz_date, strlen(in->amz_date));
  if (!rc && s3) rc = hlist_add(hl, "x-amz-content-sha256", 20, payload, strlen(payload));
  if (!rc && !empty(in->session_token))
    rc = hlist_add(hl, "x-amz-security-token", 20, in->session_token, strlen(in->session_token));
  if (rc == KC_EINVAL) snprintf(err, errlen, "bad header name");
  return rc;
}

int kc_sigv4_sign(const kc_sigv4_input_t *in, kc_sigv4_out_t *out, char *err, size_t errlen) {
  kc_sigv4_out_free(out);
  kc_sigv4_out_init(out);
  if (errlen) err[0] = '\0';
  if (empty(in->method) || empty(in->url)) {
    snprintf(err, errlen, "method and URL are required");
    return KC_EINVAL;
  }
  if (empty(in->region) || empty(in->service)) {
    snprintf(err, errlen, "SigV4 needs a region and a service");
    return KC_EINVAL;
  }
  if (empty(in->access_key) || empty(in->secret_key)) {
    snprintf(err, errlen, "SigV4 needs an access key id and a secret access key");
    return KC_EINVAL;
  }
  if (!valid_amz_date(in->amz_date)) {
    snprintf(err, errlen, "x-amz-date '%s' is not YYYYMMDDTHHMMSSZ",
             in->amz_date ? in->amz_date : "");
    return KC_EINVAL;
  }
  url_parts_t u;
  int rc = split_url(in->url, &u, err, errlen);
  if (rc) return rc;
  bool s3 = !strcmp(in->service, "s3");
  const char *payload = in->payload_hash ? in->payload_hash : UNSIGNED_PAYLOAD;

  kc_buf_t path, query;
  kc_buf_init(&path, 0);
  kc_buf_init(&query, 0);
  hlist_t hl = {0};
  rc = u.path_len ? normalise(&path, u.path, u.path_len, true) : kc_buf_puts(&path, "/");
  if (!rc) rc = canonical_query(u.query ? u.query : "", u.query_len, &query);
  if (!rc) rc = collect_headers(in, &u, &hl, out, s3, payload, err, errlen);
  if (rc) goto done;
  qsort(hl.v, hl.n, sizeof *hl.v, cmp_header);

  /* URL to send: what is signed */
  rc = kc_buf_append(&out->url, u.scheme, u.scheme_len);
  if (!rc) rc = kc_buf_puts(&out->url, "://");
  if (!rc) rc = kc_buf_append(&out->url, u.authority, u.authority_len);
  if (!rc) rc = kc_buf_append(&out->url, path.data, path.len);
  if (!rc && query.len) rc = kc_buf_printf(&out->url, "?%s", query.data);

  kc_buf_t *cr = &out->canonical_request;
  if (!rc) rc = kc_buf_printf(cr, "%s\n%s\n%s\n", in->method, path.data, query.data);
  for (size_t i = 0; i < hl.n && !rc; i++) {
    rc = kc_buf_printf(cr, "%s:%s\n", hl.v[i].name, hl.v[i].value.data);
    if (!rc) rc = kc_buf_printf(&out->signed_headers, "%s%s", i ? ";" : "", hl.v[i].name);
  }
  if (!rc) rc = kc_buf_printf(cr, "\n%s\n%s", out->signed_headers.data, payload);
  if (rc) goto done;

  char date8[9], cr_hash[65];
  memcpy(date8, in->amz_date, 8);
  date8[8] = '\0';
  kc_sha256_hex(cr->data, cr->len, cr_hash);
  kc_buf_t scope;
  kc_buf_init(&scope, 0);
  rc = kc_buf_printf(&scope, "%s/%s/%s/aws4_request", date8, in->region, in->service);
  if (!rc)
    rc = kc_buf_printf(&out->string_to_sign, ALGORITHM "\n%s\n%s\n%s", in->amz_date, scope.data,
                       cr_hash);
  if (!rc) {
    kc_buf_t k;
    kc_buf_init(&k, 0);
    rc = kc_buf_printf(&k, "AWS4%s", in->secret_key);
    if (!rc) {
      unsigned char k_date[32], k_region[32], k_service[32], k_signing[32], sig[32];
      hmac(k.data, k.len, date8, 8, k_date);
      hmac(k_date, 32, in->region, strlen(in->region), k_region);
      hmac(k_region, 32, in->service, strlen(in->service), k_service);
      hmac(k_service, 32, "aws4_request", 12, k_signing);
      hmac(k_signing, 32, out->string_to_sign.data, out->string_to_sign.len, sig);
      to_hex(sig, 32, out->signature);
      OPENSSL_cleanse(k_date, sizeof k_date);
      OPENSSL_cleanse(k_signing, sizeof k_signing);
      OPENSSL_cleanse(k.data, k.len);
    }
    kc_buf_free(&k);
  }
  if (!rc)
    rc = kc_buf_printf(&out->authorization,
                       ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                       in->access_key, scope.data, out->signed_headers.data, out->signature);
  kc_buf_free(&scope);

done:
  kc_buf_free(&path);
  kc_buf_free(&query);
  hlist_free(&hl);
  if (rc == KC_ENOMEM) snprintf(err, errlen, "out of memory");
  return rc;
}
