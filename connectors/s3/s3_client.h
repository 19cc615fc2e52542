/*
 * S3 operations over the runtime's HTTP service (connector.h), one request
 * object per operation, each completed by exactly one callback. Transient
 * failures (transport errors, 5xx, 429, 408) are retried here with
 * exponential back-off and jitter, without limit: a sink must ride out an S3
 * outage and keep its spooled data. Other 4xx answers are final and reported
 * with the bucket, key and S3 error code.
 */
#ifndef KC_S3_CLIENT_H
#define KC_S3_CLIENT_H

#include "kconnect/connector.h"

typedef struct kc_s3_client_s {
  kc_task_t *task;
  char *endpoint;      /* scheme://host[:port], no trailing '/' */
  char *bucket;
  char *region;
  bool path_style;     /* endpoint/bucket/key instead of bucket.endpoint/key */
  char *access_key, *secret_key, *session_token;
  char *proxy_url, *proxy_user, *proxy_password;
  char *acl;           /* x-amz-acl on create/put, or NULL */
  char *sse;           /* s3.ssea.name, or NULL: x-amz-server-side-encryption unless SSE-C */
  char *sse_kms_key_id;       /* x-amz-server-side-encryption-aws-kms-key-id (aws:kms), or NULL */
  char *sse_customer_key;     /* SSE-C key, base64 as configured, or NULL; never logged */
  char *sse_customer_key_md5; /* base64 MD5 of the decoded key, with sse_customer_key */
  int part_retries;    /* attempts logged as WARN before back-off caps */
  int64_t backoff_ms;  /* first back-off (s3.retry.backoff.ms) */
  int64_t backoff_max_ms;
  int64_t timeout_ms;  /* per request */
} kc_s3_client_t;

typedef struct kc_s3_result_s {
  int status;          /* 0 ok; KC_ERR final failure */
  long http;           /* last HTTP status, 0 if none */
  const char *code;    /* S3 error code ("SignatureDoesNotMatch") or "" */
  const char *message; /* human text naming bucket and key */
  const char *upload_id; /* CreateMultipartUpload */
  const char *etag;    /* PutObject / UploadPart */
  const char *body;    /* raw response (ListMultipartUploads) */
} kc_s3_result_t;

typedef void (*kc_s3_cb)(void *arg, const kc_s3_result_t *res);

/** One in-flight operation (opaque); kc_s3_op_cancel() aborts it (its callback still runs once). */
typedef struct kc_s3_op_s kc_s3_op_t;

/** Checks the bucket exists and the credentials work (Confluent checks at task start). */
kc_s3_op_t *kc_s3_head_bucket(kc_s3_client_t *c, kc_s3_cb cb, void *arg);
/** PUT the file range as the whole object. */
kc_s3_op_t *kc_s3_put_object(kc_s3_client_t *c, const char *key, const char *path, int64_t off,
                             int64_t len, kc_s3_cb cb, void *arg);
/** POST ?uploads= : CreateMultipartUpload; result.upload_id. */
kc_s3_op_t *kc_s3_create_multipart(kc_s3_client_t *c, const char *key, kc_s3_cb cb, void *arg);
/** PUT ?partNumber=N&uploadId=U with the file range; result.etag. */
kc_s3_op_t *kc_s3_upload_part(kc_s3_client_t *c, const char *key, const char *upload_id, int part,
                              const char *path, int64_t off, int64_t len, kc_s3_cb cb, void *arg);
/** POST ?uploadId=U with the parts' ETags (etags[i] for part i+1). */
kc_s3_op_t *kc_s3_complete_multipart(kc_s3_client_t *c, const char *key, const char *upload_id,
                                     char *const *etags, int nparts, kc_s3_cb cb, void *arg);
/** DELETE ?uploadId=U */
kc_s3_op_t *kc_s3_abort_multipart(kc_s3_client_t *c, const char *key, const char *upload_id,
                                  kc_s3_cb cb, void *arg);
/** GET ?uploads=&prefix=P : ListMultipartUploads (first page); result.body holds the XML. */
kc_s3_op_t *kc_s3_list_multipart(kc_s3_client_t *c, const char *prefix, kc_s3_cb cb, void *arg);
void kc_s3_op_cancel(kc_s3_op_t *op);

/** Extracts the text of the first <tag>...</tag> after *pos in @p xml into @p out; advances *pos. @returns 0 or -1. */
int kc_s3_xml_next(const char *xml, const char **pos, const char *tag, char *out, size_t n);
/** Appends @p key URI-encoded for a URL path (unreserved and '/' kept). */
int kc_s3_encode_key(kc_buf_t *out, const char *key);
void kc_s3_client_free(kc_s3_client_t *c);

/**
 * Sets the client's server-side encryption from s3.ssea.name (@p ssea),
 * s3.sse.kms.key.id and s3.sse.customer.key (NULL or "" for unset; all
 * copied). As Confluent: AES256 with a customer key is SSE-C (no
 * x-amz-server-side-encryption header), a KMS key id is sent only with
 * aws:kms. The config parser has already checked the combination.
 * @returns 0, KC_EINVAL (the customer key is not base64 of 32 bytes) or KC_ENOMEM.
 */
int kc_s3_client_set_sse(kc_s3_client_t *c, const char *ssea, const char *kms_key_id,
                         const char *customer_key);

/** Which request the SSE headers are for. */
typedef enum {
  KC_S3_SSE_OBJECT, /**< PutObject / CreateMultipartUpload: SSE-S3, SSE-KMS or SSE-C headers */
  KC_S3_SSE_PART,   /**< UploadPart: the SSE-C headers again (S3 needs the key per part) */
} kc_s3_sse_req_t;

/** Adds the x-amz-server-side-encryption* headers @p kind needs (before signing). @returns 0 or KC_ENOMEM. */
int kc_s3_sse_add_headers(const kc_s3_client_t *c, kc_http_req_t *req, kc_s3_sse_req_t kind);

/**
 * Fails closed: when SSE was requested, the 2xx answer to PutObject or
 * CreateMultipartUpload must confirm it (x-amz-server-side-encryption equal
 * to s3.ssea.name, or x-amz-server-side-encryption-customer-algorithm AES256
 * for SSE-C); a server that ignores the headers would store plaintext.
 * @returns 0, or KC_ERR with the reason in @p err (never the key).
 */
int kc_s3_sse_check_response(const kc_s3_client_t *c, const kc_http_req_t *req, char *err, size_t n);

#endif
