/* libcurl loaded on first use (curl_dl.c). */
#ifndef KC_HTTP_CURL_DL_H
#define KC_HTTP_CURL_DL_H

/** Loads libcurl.so.4 once; later calls return the first result. @returns 0 or -1 (see kc_curl_load_error()). */
int kc_curl_load(void);
/** Why kc_curl_load() failed ("cannot load libcurl.so.4: ..."). */
const char *kc_curl_load_error(void);

#endif
