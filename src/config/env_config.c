/* Worker config from CONNECT_* variables; connector files as JSON or .properties (env_config.h). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/env_config.h"
#include "config/props.h"
#include "convert/converter.h"

/* Python's sep.join(s.split(from)): every non-overlapping @p from, left to right, becomes @p to. */
static void replace_all(char *s, const char *from, char to) {
  size_t fl = strlen(from);
  char *w = s;
  for (const char *r = s; *r;) {
    if (!strncmp(r, from, fl)) {
      *w++ = to;
      r += fl;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
}

int kc_env_key_to_prop(const char *name, char *out, size_t n) {
  size_t len = strlen(name);
  if (len + 1 > n) return KC_EINVAL;
  for (size_t i = 0; i <= len; i++) out[i] = name[i] == '_' ? '.' : (char)tolower((unsigned char)name[i]);
  replace_all(out, "...", '-');
  replace_all(out, "..", '_');
  return 0;
}

kc_config_t *kc_env_worker_config(char *const *envp, const char **root_level) {
  kc_config_t *c = kc_config_new();
  if (!c) return NULL;
  if (root_level) *root_level = NULL;
  for (char *const *e = envp; e && *e; e++) {
    if (strncmp(*e, "CONNECT_", 8)) continue;
    const char *eq = strchr(*e, '=');
    if (!eq) continue;
    const char *name = *e + 8;
    size_t nl = (size_t)(eq - name);
    if (nl == 0) continue;
    if (nl >= 6 && !strncmp(name, "LOG4J_", 6)) {
      if (root_level && nl == strlen("LOG4J_ROOT_LOGLEVEL") && !strncmp(name, "LOG4J_ROOT_LOGLEVEL", nl))
        *root_level = eq + 1;
      continue;
    }
    if (nl >= 4 && !strncmp(name, "JMX_", 4)) continue;
    char raw[512], key[512];
    if (nl >= sizeof raw) continue;
    memcpy(raw, name, nl);
    raw[nl] = '\0';
    if (kc_env_key_to_prop(raw, key, sizeof key) || kc_config_set(c, key, eq + 1)) {
      kc_config_destroy(c);
      return NULL;
    }
  }
  return c;
}

/* Jackson's Map<String, String>: scalars become their text; objects and arrays do not fit. */
static int scalar_text(json_t *v, char *buf, size_t n, const char **out) {
  switch (json_typeof(v)) {
    case JSON_STRING: *out = json_string_value(v); return 0;
    case JSON_INTEGER: snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: /* Jackson reads a DoubleNode and prints Double.toString */
      if (n < 32) return -1;
      buf[kc_java_format_double(json_real_value(v), buf)] = '\0';
      break;
    case JSON_TRUE: snprintf(buf, n, "true"); break;
    case JSON_FALSE: snprintf(buf, n, "false"); break;
    case JSON_NULL: *out = NULL; return 0;
    default: return -1;
  }
  *out = buf;
  return 0;
}

/* string_map's answer for "this is the right form, but a value is refused" (err filled), as
 * opposed to NULL, "not this form: try the next one". */
#define REFUSED ((kc_config_t *)-1)

/* A JSON object as Map<String, String>; NULL when a value is an object or an array. */
static kc_config_t *string_map(json_t *obj, char *err, size_t n, const char *path) {
  kc_config_t *c = kc_config_new();
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    char buf[64];
    const char *s;
    if (scalar_text(v, buf, sizeof buf, &s)) {
      kc_config_destroy(c);
      return NULL;
    }
    if (!s) { /* a null value cannot be a connector setting */
      snprintf(err, n, "Connector configuration at '%s' has a null value for '%s'", path, k);
      kc_config_destroy(c);
      return REFUSED;
    }
    kc_config_set(c, k, s);
  }
  return c;
}

static kc_config_t *missing_name(kc_config_t *c, const char *path, char *err, size_t n) {
  if (!c) return NULL; /* err already says why */
  if (kc_config_get(c, "name")) return c;
  snprintf(err, n, "Connector configuration at '%s' is missing the mandatory 'name' configuration", path);
  kc_config_destroy(c);
  return NULL;
}

/* CreateConnectorRequest.InitialState.forValue: valueOf(toUpperCase), so any case; -1 absent or
 * null, -2 when Jackson would fail (the file is then read as .properties, as ConnectStandalone). */
static int initial_state(const json_t *v) {
  static const char *const states[] = {"RUNNING", "PAUSED", "STOPPED"}; /* kc_target_t's order */
  if (!v || json_is_null(v)) return -1;
  for (int i = 0; json_is_string(v) && i < 3; i++)
    if (!strcasecmp(json_string_value(v), states[i])) return i;
  return -2;
}

kc_config_t *kc_connector_file_load(const char *path, int *initial_target, char *err, size_t n) {
  json_error_t je;
  *initial_target = -1;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (json_is_object(doc)) {
    kc_config_t *c = string_map(doc, err, n, path);
    if (c == REFUSED) {
      json_decref(doc);
      return NULL;
    }
    if (c) {
      json_decref(doc);
      return missing_name(c, path, err, n);
    }
    /* CreateConnectorRequest: {"name", "config", "initial_state"}, unknown properties ignored */
    json_t *name = json_object_get(doc, "name"), *cfg = json_object_get(doc, "config");
    int state = initial_state(json_object_get(doc, "initial_state"));
    if ((!name || json_is_string(name) || json_is_null(name)) && json_is_object(cfg) && state != -2) {
      c = string_map(cfg, err, n, path);
      if (c && c != REFUSED) {
        const char *cn = kc_config_get(c, "name"), *rn = json_is_string(name) ? json_string_value(name) : NULL;
        if (cn && (!rn || strcmp(cn, rn))) {
          snprintf(err, n, "Connector name configuration in 'config' doesn't match the one specified in 'name' at '%s'",
                   path);
          kc_config_destroy(c);
          c = REFUSED;
        } else if (!cn && rn) {
          kc_config_set(c, "name", rn);
        }
      }
      json_decref(doc);
      if (c == REFUSED) return NULL;
      if (!c) {
        snprintf(err, n, "Connector configuration at '%s': 'config' must map names to strings", path);
        return NULL;
      }
      if ((c = missing_name(c, path, err, n))) *initial_target = state;
      return c;
    }
  }
  json_decref(doc);
  return missing_name(kc_props_load_file(path, err, n), path, err, n);
}
