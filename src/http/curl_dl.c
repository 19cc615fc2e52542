/*
 * libcurl, loaded when the first HTTP client is created (an S3 task starts),
 * not at process start. libcurl drags in ~25 libraries (GnuTLS through
 * librtmp/libldap, Kerberos, libssh2, ...) whose loading and constructors cost
 * a worker that never talks HTTP about 3 MB of RSS and some start-up time.
 *
 * This file defines the curl_* functions kconnect calls and forwards each to
 * the symbol of the same name in libcurl.so.4 (Debian's libcurl4, the ABI the
 * headers describe). Variadic options are forwarded by the type curl encodes
 * in the option number (curl.h CURLOPTTYPE_*).
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "http/curl_dl.h"

#define KC_CURL_SONAME "libcurl.so.4"

#define CURL_FUNCS(X)                                                                        \
  X(CURLcode, global_init, (long flags))                                                      \
  X(CURL *, easy_init, (void))                                                                \
  X(void, easy_cleanup, (CURL * h))                                                           \
  X(CURLcode, easy_setopt, (CURL * h, CURLoption o, ...))                                     \
  X(CURLcode, easy_getinfo, (CURL * h, CURLINFO i, ...))                                      \
  X(CURLcode, easy_pause, (CURL * h, int bitmask))                                            \
  X(const char *, easy_strerror, (CURLcode c))                                                \
  X(CURLM *, multi_init, (void))                                                              \
  X(CURLMcode, multi_cleanup, (CURLM * m))                                                    \
  X(CURLMcode, multi_setopt, (CURLM * m, CURLMoption o, ...))                                 \
  X(CURLMcode, multi_add_handle, (CURLM * m, CURL * h))                                       \
  X(CURLMcode, multi_remove_handle, (CURLM * m, CURL * h))                                    \
  X(CURLMcode, multi_assign, (CURLM * m, curl_socket_t s, void *p))                           \
  X(CURLMcode, multi_socket_action, (CURLM * m, curl_socket_t s, int ev, int *running))       \
  X(CURLMsg *, multi_info_read, (CURLM * m, int *left))                                       \
  X(const char *, multi_strerror, (CURLMcode c))                                              \
  X(struct curl_slist *, slist_append, (struct curl_slist * l, const char *s))                \
  X(void, slist_free_all, (struct curl_slist * l))

static struct {
#define X(ret, name, args) ret(*name) args;
  CURL_FUNCS(X)
#undef X
} api;
static int load_state; /* 0 not tried, 1 loaded, -1 failed */
static char load_error[256];

int kc_curl_load(void) {
  if (load_state) return load_state > 0 ? 0 : -1;
  void *lib = dlopen(KC_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    snprintf(load_error, sizeof load_error, "cannot load %s: %s", KC_CURL_SONAME, dlerror());
    load_state = -1;
    return -1;
  }
#define X(ret, name, args)                                                                       \
  if (!(*(void **)&api.name = dlsym(lib, "curl_" #name))) {                                    \
    snprintf(load_error, sizeof load_error, "%s has no curl_%s", KC_CURL_SONAME, #name);     \
    load_state = -1;                                                                           \
    return -1;                                                                                 \
  }
  CURL_FUNCS(X)
#undef X
  load_state = 1; /* the library stays loaded for the life of the process */
  return 0;
}

const char *kc_curl_load_error(void) { return load_error[0] ? load_error : "libcurl not loaded"; }

#define NEED(fail) \
  if (kc_curl_load()) return fail

CURLcode curl_global_init(long flags) {
  NEED(CURLE_FAILED_INIT);
  return api.global_init(flags);
}
CURL *curl_easy_init(void) {
  NEED(NULL);
  return api.easy_init();
}
void curl_easy_cleanup(CURL *h) {
  if (load_state > 0) api.easy_cleanup(h);
}
CURLcode curl_easy_pause(CURL *h, int bitmask) {
  NEED(CURLE_FAILED_INIT);
  return api.easy_pause(h, bitmask);
}
const char *curl_easy_strerror(CURLcode c) {
  NEED(kc_curl_load_error());
  return api.easy_strerror(c);
}
CURLM *curl_multi_init(void) {
  NEED(NULL);
  return api.multi_init();
}
CURLMcode curl_multi_cleanup(CURLM *m) {
  NEED(CURLM_INTERNAL_ERROR);
  return api.multi_cleanup(m);
}
CURLMcode curl_multi_add_handle(CURLM *m, CURL *h) {
  NEED(CURLM_INTERNAL_ERROR);
  return api.multi_add_handle(m, h);
}
CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h) {
  NEED(CURLM_INTERNAL_ERROR);
  return api.multi_remove_handle(m, h);
}
CURLMcode curl_multi_assign(CURLM *m, curl_socket_t s, void *p) {
  NEED(CURLM_INTERNAL_ERROR);
  return api.multi_assign(m, s, p);
}
CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev, int *running) {
  NEED(CURLM_INTERNAL_ERROR);
  return api.multi_socket_action(m, s, ev, running);
}
CURLMsg *curl_multi_info_read(CURLM *m, int *left) {
  NEED(NULL);
  return api.multi_info_read(m, left);
}
const char *curl_multi_strerror(CURLMcode c) {
  NEED(kc_curl_load_error());
  return api.multi_strerror(c);
}
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) {
  NEED(NULL);
  return api.slist_append(l, s);
}
void curl_slist_free_all(struct curl_slist *l) {
  if (load_state > 0) api.slist_free_all(l);
}

/* One argument of the type the option number encodes (curl.h CURLOPTTYPE_*). */
typedef enum { ARG_LONG, ARG_PTR, ARG_FUNC, ARG_OFF } arg_kind_t;
static arg_kind_t kind_of(int opt) {
  if (opt < CURLOPTTYPE_OBJECTPOINT) return ARG_LONG;
  if (opt < CURLOPTTYPE_FUNCTIONPOINT) return ARG_PTR;
  if (opt < CURLOPTTYPE_OFF_T) return ARG_FUNC;
  if (opt < CURLOPTTYPE_BLOB) return ARG_OFF;
  return ARG_PTR;
}

/* Reads the one argument after @p o and passes it on, typed as curl reads it. */
#define FORWARD_OPT(call, o, ap, rc)                                       \
  switch (kind_of((int)(o))) {                                             \
    case ARG_LONG: rc = call(o, va_arg(ap, long)); break;                  \
    case ARG_FUNC: rc = call(o, va_arg(ap, void (*)(void))); break;        \
    case ARG_OFF: rc = call(o, va_arg(ap, curl_off_t)); break;             \
    default: rc = call(o, va_arg(ap, void *)); break;                      \
  }

CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...) {
  NEED(CURLE_FAILED_INIT);
  va_list ap;
  va_start(ap, o);
  CURLcode rc;
#define EASY(opt, arg) api.easy_setopt(h, opt, arg)
  FORWARD_OPT(EASY, o, ap, rc)
#undef EASY
  va_end(ap);
  return rc;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption o, ...) {
  NEED(CURLM_INTERNAL_ERROR);
  va_list ap;
  va_start(ap, o);
  CURLMcode rc;
#define MULTI(opt, arg) api.multi_setopt(m, opt, arg)
  FORWARD_OPT(MULTI, o, ap, rc)
#undef MULTI
  va_end(ap);
  return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO i, ...) {
  NEED(CURLE_FAILED_INIT);
  va_list ap;
  va_start(ap, i);
  void *out = va_arg(ap, void *); /* every CURLINFO takes one pointer to its result */
  va_end(ap);
  return api.easy_getinfo(h, i, out);
}
