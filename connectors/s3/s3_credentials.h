/*
 * AWS credentials in the default provider chain's order: connector config
 * (aws.access.key.id / aws.secret.access.key), environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), shared credentials file and
 * profile (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, AWS_PROFILE),
 * then the providers that need a network call (web identity token file,
 * container and instance metadata) -- see kc_s3_credentials_resolve().
 */
#ifndef KC_S3_CREDENTIALS_H
#define KC_S3_CREDENTIALS_H

#include <stddef.h>

typedef struct kc_s3_credentials_s {
  char access_key[256];
  char secret_key[256];
  char session_token[4096];
  char source[1200];    /* "connector config", "environment", "profile default (path)" ... */
} kc_s3_credentials_t;

/**
 * Resolves the static providers (config, environment, shared file). The
 * shared file is a small local file read once at task start.
 * @returns 0 with @p out filled, or -1 with errstr listing what was tried.
 */
int kc_s3_credentials_resolve(const char *cfg_access_key, const char *cfg_secret_key,
                              kc_s3_credentials_t *out, char *errstr, size_t n);

/** Parses an INI credentials file's @p profile section. @returns 0 or -1. Exposed for tests. */
int kc_s3_credentials_parse_ini(const char *text, const char *profile, kc_s3_credentials_t *out);

#endif
