/*
 * One object upload from a complete spool file: a single PutObject when the
 * file fits in one part, else CreateMultipartUpload -> UploadPart (parts of
 * s3.part.size streamed from the file) -> CompleteMultipartUpload, and
 * AbortMultipartUpload when a final error ends it. The object becomes visible
 * only when complete, so a crash never leaves a partial object.
 */
#ifndef KC_S3_UPLOAD_H
#define KC_S3_UPLOAD_H

#include "s3_client.h"

typedef struct kc_s3_upload_s kc_s3_upload_t;

/** Called once: @p status 0 (object complete) or KC_ERR with @p error (names bucket, key, code). */
typedef void (*kc_s3_upload_cb)(kc_s3_upload_t *u, int status, const char *error, void *arg);

/** Starts uploading @p size bytes of @p path as @p key (both copied). NULL on ENOMEM. */
kc_s3_upload_t *kc_s3_upload_start(kc_s3_client_t *c, const char *key, const char *path, int64_t size,
                                   int64_t part_size, kc_s3_upload_cb cb, void *arg);
/** Stops it (an open multipart upload is left for the start-up sweep); the callback runs once with KC_ERR. */
void kc_s3_upload_cancel(kc_s3_upload_t *u);
/** Frees a finished upload (after its callback). */
void kc_s3_upload_free(kc_s3_upload_t *u);
const char *kc_s3_upload_key(const kc_s3_upload_t *u);

#endif
