/*
 * kc_config_t: an ordered string map (Java's Map<String,String> as Connect
 * uses it for worker and connector configs).
 *
 * Configs hold tens of keys and are read at start-up and on REST calls, not
 * per record, so a flat array with linear lookup is the right trade: insertion
 * order comes for free and a replaced key keeps its position.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kconnect/connector.h"

struct kc_config_s {
  char **keys;
  char **values;
  size_t n, cap;
};

kc_config_t *kc_config_new(void) { return calloc(1, sizeof(kc_config_t)); }

void kc_config_destroy(kc_config_t *cfg) {
  if (!cfg) return;
  for (size_t i = 0; i < cfg->n; i++) {
    free(cfg->keys[i]);
    free(cfg->values[i]);
  }
  free(cfg->keys);
  free(cfg->values);
  free(cfg);
}

static long config_index(const kc_config_t *cfg, const char *key) {
  for (size_t i = 0; i < cfg->n; i++)
    if (strcmp(cfg->keys[i], key) == 0) return (long)i;
  return -1;
}

int kc_config_set(kc_config_t *cfg, const char *key, const char *value) {
  if (!cfg || !key || !value) return KC_EINVAL;
  char *v = strdup(value);
  if (!v) return KC_ENOMEM;
  long i = config_index(cfg, key);
  if (i >= 0) {
    free(cfg->values[i]);
    cfg->values[i] = v;
    return 0;
  }
  char *k = strdup(key);
  if (!k) {
    free(v);
    return KC_ENOMEM;
  }
  if (cfg->n == cfg->cap) {
    size_t cap = cfg->cap ? cfg->cap * 2 : 16;
    char **nk = realloc(cfg->keys, cap * sizeof *nk);
    if (nk) cfg->keys = nk;
    char **nv = nk ? realloc(cfg->values, cap * sizeof *nv) : NULL;
    if (!nv) {
      free(k);
      free(v);
      return KC_ENOMEM;
    }
    cfg->values = nv;
    cfg->cap = cap;
  }
  cfg->keys[cfg->n] = k;
  cfg->values[cfg->n] = v;
  cfg->n++;
  return 0;
}

kc_config_t *kc_config_copy(const kc_config_t *cfg) {
  kc_config_t *c = kc_config_new();
  if (!c || !cfg) return c;
  for (size_t i = 0; i < cfg->n; i++)
    if (kc_config_set(c, cfg->keys[i], cfg->values[i]) != 0) {
      kc_config_destroy(c);
      return NULL;
    }
  return c;
}

int kc_config_unset(kc_config_t *cfg, const char *key) {
  long i = cfg && key ? config_index(cfg, key) : -1;
  if (i < 0) return KC_ENOENT;
  free(cfg->keys[i]);
  free(cfg->values[i]);
  /* Shift rather than swap: the remaining keys keep their order. */
  memmove(cfg->keys + i, cfg->keys + i + 1, (cfg->n - (size_t)i - 1) * sizeof(char *));
  memmove(cfg->values + i, cfg->values + i + 1, (cfg->n - (size_t)i - 1) * sizeof(char *));
  cfg->n--;
  return 0;
}

const char *kc_config_get(const kc_config_t *cfg, const char *key) {
  long i = cfg && key ? config_index(cfg, key) : -1;
  return i < 0 ? NULL : cfg->values[i];
}

size_t kc_config_count(const kc_config_t *cfg) { return cfg ? cfg->n : 0; }

int kc_config_at(const kc_config_t *cfg, size_t i, const char **key, const char **value) {
  if (!cfg || i >= cfg->n) return KC_ENOENT;
  if (key) *key = cfg->keys[i];
  if (value) *value = cfg->values[i];
  return 0;
}

/* Java's String.trim(): strips every char <= ' '. Returns the trimmed length. */
static size_t trim_span(const char *s, const char **start) {
  while (*s && (unsigned char)*s <= ' ') s++;
  size_t n = strlen(s);
  while (n && (unsigned char)s[n - 1] <= ' ') n--;
  *start = s;
  return n;
}

/* Copies the trimmed value into buf; KC_ENOENT when unset or blank. */
static int trimmed_value(const kc_config_t *cfg, const char *key, char *buf, size_t size) {
  const char *v = kc_config_get(cfg, key);
  if (!v) return KC_ENOENT;
  const char *s;
  size_t n = trim_span(v, &s);
  if (n == 0) return KC_ENOENT;
  if (n >= size) return KC_EINVAL;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return 0;
}

int kc_config_get_int(const kc_config_t *cfg, const char *key, int64_t *out) {
  char buf[64];
  int rc = trimmed_value(cfg, key, buf, sizeof buf);
  if (rc) return rc;
  /* Long.parseLong: optional sign, decimal digits only (strtoll alone would take blanks and 0x). */
  const char *p = buf + (buf[0] == '+' || buf[0] == '-');
  if (!*p) return KC_EINVAL;
  for (const char *q = p; *q; q++)
    if (!isdigit((unsigned char)*q)) return KC_EINVAL;
  errno = 0;
  long long v = strtoll(buf, NULL, 10);
  if (errno == ERANGE) return KC_EINVAL;
  *out = (int64_t)v;
  return 0;
}

int kc_config_get_double(const kc_config_t *cfg, const char *key, double *out) {
  char buf[128];
  int rc = trimmed_value(cfg, key, buf, sizeof buf);
  if (rc) return rc;
  /* Double.parseDouble accepts decimal and exponent forms; refuse C-only hex and "inf"/"nan" spellings. */
  for (const char *q = buf; *q; q++)
    if (!(isdigit((unsigned char)*q) || strchr("+-.eE", *q))) return KC_EINVAL;
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (*end || end == buf || (errno == ERANGE && isinf(v))) return KC_EINVAL;
  *out = v;
  return 0;
}

int kc_config_get_bool(const kc_config_t *cfg, const char *key, bool *out) {
  char buf[16];
  int rc = trimmed_value(cfg, key, buf, sizeof buf);
  if (rc) return rc;
  if (strcasecmp(buf, "true") == 0) *out = true;
  else if (strcasecmp(buf, "false") == 0) *out = false;
  else return KC_EINVAL;
  return 0;
}

void kc_config_list_free(char **items) {
  if (!items) return;
  for (char **p = items; *p; p++) free(*p);
  free(items);
}

int kc_config_get_list(const kc_config_t *cfg, const char *key, char ***items) {
  *items = NULL;
  const char *v = kc_config_get(cfg, key);
  if (!v) return KC_ENOENT;
  size_t max = 1;
  for (const char *p = v; *p; p++) max += *p == ',';
  char **out = calloc(max + 1, sizeof *out);
  if (!out) return KC_ENOMEM;
  int n = 0;
  const char *p = v;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    while (len && (unsigned char)*p <= ' ') p++, len--;
    while (len && (unsigned char)p[len - 1] <= ' ') len--;
    if (len) {
      out[n] = strndup(p, len);
      if (!out[n]) {
        kc_config_list_free(out);
        return KC_ENOMEM;
      }
      n++;
    }
    if (!comma) break;
    p = comma + 1;
  }
  *items = out;
  return n;
}
