/*
 * Response policy that Connect gets from Jetty servlet filters in front of
 * Jersey: CrossOriginFilter (access.control.allow.origin / .methods) and
 * HeaderFilter (response.http.headers.config). Both run before the resource,
 * so they shape every response that reaches routing (404, 401 and 500
 * included) but not the errors the HTTP parser gives before that.
 */
#ifndef KC_REST_CORS_H
#define KC_REST_CORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kconnect/connector.h"

/** Extra response headers for one request, in order (names as configured). */
typedef struct {
  char *name, *value;
} kc_rest_hdr_t;
typedef struct {
  kc_rest_hdr_t *v;
  size_t n, cap;
} kc_rest_hdrlist_t;

/** Appends a header (HttpServletResponse.addHeader). @returns 0 or KC_ENOMEM. */
int kc_rest_hdrlist_add(kc_rest_hdrlist_t *l, const char *name, const char *value);
/** Replaces every header of that name, case-insensitively (setHeader). @returns 0 or KC_ENOMEM. */
int kc_rest_hdrlist_set(kc_rest_hdrlist_t *l, const char *name, const char *value);
/** @returns the first value of @p name (case-insensitive) or NULL. */
const char *kc_rest_hdrlist_get(const kc_rest_hdrlist_t *l, const char *name);
/**
 * Writes "Name: value\r\n" for each header whose name is not in @p skip (a
 * NULL-terminated list of names the server writes itself for this response).
 * @returns 0 or a kc_buf error.
 */
int kc_rest_hdrlist_emit(const kc_rest_hdrlist_t *l, const char *const *skip, kc_buf_t *out);
void kc_rest_hdrlist_free(kc_rest_hdrlist_t *l);

/**
 * Jetty's StringUtil.csvSplit: commas separate, blanks around items are cut,
 * "..." quotes an item (backslash escapes inside), a trailing empty item is
 * dropped. @returns the number of items (array NULL-terminated, free with
 * kc_config_list_free) or KC_ENOMEM.
 */
int kc_rest_csv_split(const char *s, char ***items);

typedef struct kc_rest_cors_s kc_rest_cors_t;
/**
 * CrossOriginFilter as Connect configures it: @p allow_origin "*" or a comma
 * list of origins ('*' inside one is a wildcard), @p allow_methods blank for
 * Jetty's "GET,POST,HEAD"; credentials allowed, preflight max age 1800 s,
 * allowed request headers X-Requested-With,Content-Type,Accept,Origin, and
 * the preflight passed on to routing (chainPreflight).
 * @returns 0 with *out (NULL when @p allow_origin is blank: no CORS), or KC_ENOMEM.
 */
int kc_rest_cors_create(const char *allow_origin, const char *allow_methods, kc_rest_cors_t **out);
/**
 * Adds the CORS headers for one request to @p l. Arguments are the request
 * method and its Origin, Access-Control-Request-Method and
 * Access-Control-Request-Headers values (NULL = absent). @returns 0 or KC_ENOMEM.
 */
int kc_rest_cors_apply(const kc_rest_cors_t *c, const char *method, const char *origin,
                       const char *acr_method, const char *acr_headers, kc_rest_hdrlist_t *l);
void kc_rest_cors_destroy(kc_rest_cors_t *c);

typedef struct kc_rest_hdrcfg_s kc_rest_hdrcfg_t;
/**
 * Parses response.http.headers.config: comma-separated (csvSplit) rules
 * "[action] [header name]:[header value]", action set, add, setDate or addDate
 * (any case); for the *Date actions the value is a millisecond offset from
 * now. Validated as RestServerConfig does, with its messages, plus: no control
 * characters, and no framing headers (Content-Length, Transfer-Encoding,
 * Connection).
 * @returns 0 with *out (NULL for a blank value), KC_EINVAL with @p errstr, or KC_ENOMEM.
 */
int kc_rest_hdrcfg_parse(const char *config, kc_rest_hdrcfg_t **out, char *errstr, size_t errstr_size);
/** Applies the rules in order to @p l at wall-clock @p now_ms. @returns 0 or KC_ENOMEM. */
int kc_rest_hdrcfg_apply(const kc_rest_hdrcfg_t *h, int64_t now_ms, kc_rest_hdrlist_t *l);
void kc_rest_hdrcfg_destroy(kc_rest_hdrcfg_t *h);

#endif
