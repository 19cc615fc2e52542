/*
 * HTTP client service: libcurl's multi-socket API driven by the libuv loop
 * (loop-integration.md "curl multi-socket on libuv", pitfalls C1-C6), and an
 * AWS Signature Version 4 signer of our own (libcurl 7.88's is unusable for
 * S3: pitfalls S1-S4).
 *
 * One kc_http_t per loop owns a CURLM, its connection cache (keep-alive reuse)
 * and the uv handles; kc_http_req_t (connector.h) is one request on it.
 *
 * Transport choices: "Expect:" is sent empty (no 100-continue round trip);
 * bodies go with CURLOPT_UPLOAD and a known length (PUT and POST always, even
 * empty); only the request's own proxy is used (the *_proxy environment
 * variables are ignored, as the Java SDK ignores them); HTTPS uses the
 * system's CAs; no redirects are followed.
 */
#ifndef KC_HTTP_HTTP_H
#define KC_HTTP_HTTP_H

#include <curl/curl.h>
#include <time.h>

#include "kconnect/connector.h"

typedef struct kc_http_s kc_http_t;

/** A client on @p loop. NULL on ENOMEM or when curl cannot start. */
kc_http_t *kc_http_create(uv_loop_t *loop);
/**
 * Starts @p req (see kc_http_submit() in connector.h). @returns 0 (cb runs
 * exactly once, never inside this call), KC_EINVAL (bad URL or header for
 * signing: kc_http_req_error() says why), KC_ESTATE (request already submitted
 * or client closing), KC_ENOMEM.
 */
int kc__http_submit(kc_http_t *h, kc_http_req_t *req, kc_http_cb cb, void *arg);
/**
 * Closes the client: every request in flight completes with KC_ETIMEDOUT and
 * error "cancelled" (from the loop, as always), the multi handle is cleaned up
 * while the loop is alive (C4), then @p cb (may be NULL) runs after the last
 * request callback, once the uv handles are closed and the file readers have
 * closed their fds: nothing of the client is left on the loop. @p h is freed
 * before @p cb runs. A request callback may call this.
 */
void kc_http_close(kc_http_t *h, void (*cb)(void *arg), void *arg);

/**
 * The worker's client for @p task's loop, created on first use and closed at
 * worker shutdown. Implemented by the runtime (src/worker/task.c).
 */
kc_http_t *kc__task_http(kc_task_t *task);

/* ---- AWS Signature Version 4 (pure functions; sigv4.c) ----
 *
 * URL contract: the caller gives the path already URI-encoded (the S3 layer
 * encodes object keys with kc_sigv4_uri_encode(..., keep_slash=true)) and the
 * query names and values already encoded, in any order. The signer
 * canonicalises both: each %XX is decoded and every byte but A-Za-z0-9-._~ is
 * re-encoded as %XX (upper-case hex), so an encoded input passes unchanged and
 * a stray raw byte ('=', ' ', UTF-8) gets encoded instead of breaking the
 * signature; '/' stays as is in the path (a "%2F" stays "%2F"). Query pairs are
 * sorted and a valueless name gets an explicit '=' ("uploads="). The path is
 * not encoded twice (S3's rule; the only service we talk to) and dot segments
 * are left alone. '+' is a literal plus, never a space: encode spaces as %20.
 *
 * The URL actually sent is the canonical one (out->url), so what the server
 * sees is byte for byte what was signed, whether it canonicalises the raw
 * request or re-encodes the decoded key.
 *
 * Signed headers: host, x-amz-date, x-amz-content-sha256 (service "s3" only),
 * x-amz-security-token (when given), and every header the caller added but
 * the transport ones (connection, expect, user-agent, content-length,
 * transfer-encoding, te, keep-alive, upgrade, accept-encoding, proxy-*),
 * lower-cased and sorted, values trimmed with inner runs of blanks collapsed,
 * duplicates joined with ','. A caller "Host" header replaces the URL's.
 */
typedef struct kc_sigv4_input_s {
  const char *method;          /**< "GET", "PUT"... */
  const char *url;             /**< absolute http(s) URL, path and query encoded */
  const char *const *headers;  /**< caller's "Name: value" lines; may be NULL */
  size_t nheaders;
  const char *region;          /**< "us-east-1" */
  const char *service;         /**< "s3" */
  const char *access_key;
  const char *secret_key;
  const char *session_token;   /**< NULL or "" when none */
  const char *payload_hash;    /**< hex SHA-256 of the body, or NULL: "UNSIGNED-PAYLOAD" */
  const char *amz_date;        /**< "YYYYMMDDTHHMMSSZ" (UTC) */
} kc_sigv4_input_t;

typedef struct kc_sigv4_out_s {
  kc_buf_t url;               /**< URL to send: canonical path and query */
  kc_buf_t host;              /**< Host header value signed */
  kc_buf_t canonical_request; /**< for tests and debug logs */
  kc_buf_t string_to_sign;
  kc_buf_t signed_headers;    /**< "host;x-amz-content-sha256;x-amz-date" */
  kc_buf_t authorization;     /**< the Authorization header value */
  char signature[65];         /**< hex */
} kc_sigv4_out_t;

void kc_sigv4_out_init(kc_sigv4_out_t *out);
void kc_sigv4_out_free(kc_sigv4_out_t *out);
/**
 * Signs. @returns 0, KC_EINVAL with @p err filled (URL not absolute http(s),
 * missing credentials, a header the signer owns set by the caller, bad date)
 * or KC_ENOMEM. @p out must be initialised; it is reset first.
 */
int kc_sigv4_sign(const kc_sigv4_input_t *in, kc_sigv4_out_t *out, char *err, size_t errlen);
/** Formats @p t as an x-amz-date ("20130524T000000Z"). */
void kc_sigv4_amz_date(time_t t, char out[17]);
/**
 * Appends @p s (@p n bytes) URI-encoded the SigV4 way: A-Za-z0-9-._~ kept,
 * '/' kept when @p keep_slash, everything else %XX. @returns 0 or KC_ENOMEM/KC_ENOSPC.
 */
int kc_sigv4_uri_encode(kc_buf_t *out, const char *s, size_t n, bool keep_slash);
/** Lower-case hex SHA-256 of @p n bytes (65 bytes with the NUL). */
void kc_sha256_hex(const void *p, size_t n, char out[65]);

/* ---- internals shared by the files of src/http ---- */

#define KC_HTTP_CHUNK (128 * 1024) /* file body read size; two per request in flight */

typedef enum {
  KC_HTTP_NEW,       /* configurable, not submitted */
  KC_HTTP_OPENING,   /* submitted; the body file is being opened */
  KC_HTTP_ACTIVE,    /* in the multi handle */
  KC_HTTP_DELIVER,   /* finished; callback queued */
  KC_HTTP_DONE       /* callback ran (or is running) */
} kc_http_state_t;

typedef struct kc_http_file_s kc_http_file_t;

/**
 * TLS settings of one request beyond the defaults (system CAs, no client certificate,
 * hostname verified): the Schema Registry client's schema.registry.ssl.* settings, converted
 * to PEM by the caller (PKCS12 stores included). Blobs are PEM text, @c len bytes each, NULL
 * when not set. Used only for https URLs.
 */
typedef struct kc_http_tls_s {
  char *ca_pem;        /**< trusted CAs, replacing the system's (CURLOPT_CAINFO_BLOB) */
  size_t ca_len;
  char *cert_pem;      /**< client certificate chain (CURLOPT_SSLCERT_BLOB) */
  size_t cert_len;
  char *key_pem;       /**< client private key (CURLOPT_SSLKEY_BLOB) */
  size_t key_len;
  char *key_password;  /**< for an encrypted key_pem, or NULL */
  bool no_verify_host; /**< ssl.endpoint.identification.algorithm="" (Java's off switch) */
} kc_http_tls_t;

typedef struct {
  char *name;
  char *value;
} kc_http_header_t;

struct kc_http_req_s {
  char *method, *url;
  char **headers; /* "Name: value" lines as added */
  size_t nheaders, cap_headers;

  /* body: memory or a file range */
  bool has_body;
  char *body;
  size_t body_len, body_pos;
  char *file_path;
  int64_t file_off, file_len;
  kc_http_file_t *file; /* reader while submitted (body.c) */

  /* SigV4 */
  bool sign;
  char *region, *service, *access_key, *secret_key, *session_token, *payload_hash;

  char *proxy, *proxy_user, *proxy_password;
  kc_http_tls_t *tls; /* NULL: system CAs, no client certificate (the default) */
  uint64_t total_ms, connect_ms;
  size_t response_limit;

  /* runtime */
  kc_http_state_t state;
  kc_http_t *h;
  kc_http_cb cb;
  void *cb_arg;
  CURL *easy;
  struct curl_slist *slist;
  kc_http_req_t *prev, *next; /* h's in-flight list */
  kc_http_req_t *qnext;       /* h's delivery queue */

  /* results */
  int result;
  long status;
  kc_buf_t response;
  kc_http_header_t *resp_headers;
  size_t nresp_headers, cap_resp_headers;
  char *error;                     /* our own message, else errbuf */
  char errbuf[CURL_ERROR_SIZE];
};

/* body.c: the upload side, curl's READFUNCTION/SEEKFUNCTION over memory or a file. */
typedef void (*kc_http_opened_cb)(kc_http_req_t *req, int status, const char *msg);
/**
 * Opens the body file asynchronously, then @p cb (never inside this call).
 * @p freed(@p freed_arg) runs when the reader is gone (fd closed, memory
 * freed), which can be after the request finished: the client waits for it
 * before it reports itself closed.
 */
int kc__http_body_open(uv_loop_t *loop, kc_http_req_t *req, kc_http_opened_cb cb,
                       void (*freed)(void *), void *freed_arg);
size_t kc__http_body_read(char *buf, size_t size, size_t nitems, void *userdata);
int kc__http_body_seek(void *userdata, curl_off_t offset, int origin);
/** The body's error text after a read aborted the transfer, or NULL. */
const char *kc__http_body_error(const kc_http_req_t *req);
/** Detaches the file reader from a finished request; it closes and frees itself. */
void kc__http_body_release(kc_http_req_t *req);

/* http.c */
/** Takes an in-flight request out of its client without running its callback. */
void kc__http_detach(kc_http_req_t *req);

/** The loop @p h runs on (for callers' own timers, e.g. back-off). */
uv_loop_t *kc__http_loop(const kc_http_t *h);

/* req.c */
/**
 * Sets the request's TLS settings (copied; NULL restores the defaults). Applied where the
 * easy handle is set up. @returns 0, KC_ENOMEM, KC_ESTATE (after submit).
 */
int kc__http_req_set_tls(kc_http_req_t *req, const kc_http_tls_t *tls);
/** Frees a kc_http_tls_t's members (the key and password wiped first). NULL-safe. */
void kc__http_tls_clear(kc_http_tls_t *tls);
/** Records a response header line from curl's HEADERFUNCTION. */
void kc__http_req_header_line(kc_http_req_t *req, const char *line, size_t n);
/** Replaces the error text (copied; NULL clears). */
void kc__http_req_set_error(kc_http_req_t *req, const char *msg);

#endif
