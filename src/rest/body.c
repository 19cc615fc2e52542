/*
 * Request body binding with the outcomes Connect's Jackson binding gives
 * (connect-runtime.md 1.1): malformed JSON and values of the wrong JSON type
 * are 500 with a message naming the problem; unknown fields of
 * CreateConnectorRequest are 500 ("Unrecognized field"); scalars bound to a
 * String are coerced to their text (Jackson accepts 5 and true for a
 * Map<String,String> value); JSON null config values are kept so that
 * validation can report "Null value can not be supplied as the configuration
 * value." An empty body binds to null in Jackson and then fails with a
 * NullPointerException (500); we give the same status with a readable message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest/rest_internal.h"

#define MAP_TYPE "java.util.LinkedHashMap<java.lang.String,java.lang.String>"
#define LIST_TYPE "java.util.ArrayList<java.util.Map<java.lang.String,java.lang.String>>"
#define CREATE_TYPE "org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest"

static const char *token_desc(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: return "Object value (token `JsonToken.START_OBJECT`)";
    case JSON_ARRAY: return "Array value (token `JsonToken.START_ARRAY`)";
    case JSON_STRING: return "String value (token `JsonToken.VALUE_STRING`)";
    case JSON_INTEGER: return "Integer value (token `JsonToken.VALUE_NUMBER_INT`)";
    case JSON_REAL: return "Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)";
    case JSON_TRUE: return "Boolean value (token `JsonToken.VALUE_TRUE`)";
    case JSON_FALSE: return "Boolean value (token `JsonToken.VALUE_FALSE`)";
    case JSON_NULL: return "Null value (token `JsonToken.VALUE_NULL`)";
  }
  return "value";
}


/* ---- Jackson's error locations (Connect 4.x: " at [Source: REDACTED ...; line: L, column: C]") ---- */

typedef struct {
  const char *s;
  size_t n, i;
} scan_t;

static void sc_ws(scan_t *c) {
  while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\r' || c->s[c->i] == '\n'))
    c->i++;
}

/* Skips one JSON value of a document jansson has accepted. */
static void sc_value(scan_t *c) {
  sc_ws(c);
  if (c->i >= c->n) return;
  char ch = c->s[c->i];
  if (ch == '"') {
    for (c->i++; c->i < c->n && c->s[c->i] != '"'; c->i++)
      if (c->s[c->i] == '\\') c->i++;
    c->i++;
  } else if (ch == '{' || ch == '[') {
    char close = ch == '{' ? '}' : ']';
    c->i++;
    for (;;) {
      sc_ws(c);
      if (c->i >= c->n || c->s[c->i] == close) break;
      if (ch == '{') {
        sc_value(c); /* the key */
        sc_ws(c);
        c->i++; /* ':' */
      }
      sc_value(c);
      sc_ws(c);
      if (c->i < c->n && c->s[c->i] == ',') c->i++;
    }
    c->i++;
  } else {
    while (c->i < c->n && !strchr(",}] \t\r\n", c->s[c->i])) c->i++;
  }
}

/* Moves to the value of @p key in the object at the cursor. @returns false when absent. */
static bool sc_member(scan_t *c, const char *key) {
  sc_ws(c);
  if (c->i >= c->n || c->s[c->i] != '{') return false;
  c->i++;
  size_t kl = strlen(key);
  for (;;) {
    sc_ws(c);
    if (c->i >= c->n || c->s[c->i] != '"') return false;
    size_t k0 = c->i + 1;
    sc_value(c);
    bool match = c->i - 1 - k0 == kl && !memcmp(c->s + k0, key, kl);
    sc_ws(c);
    c->i++; /* ':' */
    sc_ws(c);
    if (match) return true;
    sc_value(c);
    sc_ws(c);
    if (c->i < c->n && c->s[c->i] == ',') c->i++;
    else return false;
  }
}

typedef enum { AT_START, AT_END, AT_MEMBER } at_t;

/* The location text of the document's start, its end, or the value of member @p k1 (then @p k2). */
static void jackson_at(const char *body, size_t len, at_t at, const char *k1, const char *k2, char *out, size_t n) {
  scan_t c = {body, len, 0};
  sc_ws(&c);
  if (at == AT_END) {
    sc_value(&c);
  } else if (at == AT_MEMBER) {
    size_t start = c.i;
    if (!sc_member(&c, k1) || (k2 && !sc_member(&c, k2))) c.i = start;
  }
  int line = 1, col = 1;
  for (size_t i = 0; i < c.i && i < len; i++) {
    if (body[i] == '\n') line++, col = 1;
    else col++;
  }
  snprintf(out, n, "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: %d, "
           "column: %d]", line, col);
}

/* The raw body of the request being bound, for the locations above. */
static const char *cur_body;
static size_t cur_len;

/* The shortest decimal text that reads back as @p d (jansson keeps no source text). */
static void real_text(double d, char *out, size_t size) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, size, "%.*g", prec, d);
    if (strtod(out, NULL) == d) return;
  }
}

/* A scalar's text as Jackson's StringDeserializer gives it; NULL for containers. */
static json_t *scalar_to_string(const json_t *v) {
  char tmp[64];
  switch (json_typeof(v)) {
    case JSON_STRING: return json_stringn(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
      snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
      return json_string(tmp);
    case JSON_REAL:
      real_text(json_real_value(v), tmp, sizeof(tmp));
      return json_string(tmp);
    case JSON_TRUE: return json_string("true");
    case JSON_FALSE: return json_string("false");
    default: return NULL;
  }
}

/* Binds an object to Map<String,String>, keeping nulls. @returns new object or NULL + errmsg. */
static json_t *bind_map(const json_t *v, const char *where, const char *k1, char *errmsg, size_t size) {
  char at[200];
  if (!json_is_object(v)) {
    jackson_at(cur_body, cur_len, k1 ? AT_MEMBER : AT_START, k1, NULL, at, sizeof at);
    if (json_is_string(v))
      snprintf(errmsg, size, "Cannot construct instance of `java.util.LinkedHashMap` (although at least one Creator "
               "exists): no String-argument constructor/factory method to deserialize from String value ('%s')%s%s",
               json_string_value(v), at, where);
    else
      snprintf(errmsg, size, "Cannot deserialize value of type `" MAP_TYPE "` from %s%s%s", token_desc(v), at, where);
    return NULL;
  }
  json_t *out = json_object();
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)v, key, val) {
    json_t *s = json_is_null(val) ? json_null() : scalar_to_string(val);
    if (!s) {
      jackson_at(cur_body, cur_len, AT_MEMBER, k1 ? k1 : key, k1 ? key : NULL, at, sizeof at);
      snprintf(errmsg, size, "Cannot deserialize value of type `java.lang.String` from %s%s (through reference "
               "chain: %sjava.util.LinkedHashMap[\"%s\"])", token_desc(val), at,
               k1 ? CREATE_TYPE "[\"config\"]->" : "", key);
      json_decref(out);
      return NULL;
    }
    json_object_set_new(out, key, s);
  }
  return out;
}

/* Java String.trim(): strips every char <= ' ' at both ends. */
static json_t *java_trim(const char *s, size_t n) {
  size_t a = 0;
  while (a < n && (unsigned char)s[a] <= ' ') a++;
  while (n > a && (unsigned char)s[n - 1] <= ' ') n--;
  return json_stringn(s + a, n - a);
}

static json_t *bind_create(const json_t *v, char *errmsg, size_t size) {
  char at[200];
  if (!json_is_object(v)) {
    jackson_at(cur_body, cur_len, AT_START, NULL, NULL, at, sizeof at);
    snprintf(errmsg, size, "Cannot deserialize value of type `" CREATE_TYPE "` from %s%s", token_desc(v), at);
    return NULL;
  }
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)v, key, val) {
    if (strcmp(key, "name") && strcmp(key, "config") && strcmp(key, "initial_state")) {
      /* a creator-bound record: Jackson reports it once the object is read */
      jackson_at(cur_body, cur_len, AT_END, NULL, NULL, at, sizeof at);
      snprintf(errmsg, size, "Unrecognized field \"%s\" (class " CREATE_TYPE "), not marked as ignorable (3 known "
               "properties: \"config\", \"name\", \"initial_state\")%s (through reference chain: " CREATE_TYPE
               "[\"%s\"])", key, at, key);
      return NULL;
    }
  }
  json_t *out = json_object();
  /* name: null or absent becomes "", then trimmed (ConnectorsResource.createConnector) */
  const json_t *name = json_object_get(v, "name");
  json_t *name_s = !name || json_is_null(name) ? json_string("") : scalar_to_string(name);
  if (!name_s) {
    snprintf(errmsg, size, "Cannot deserialize value of type `java.lang.String` from %s (through reference chain: "
             CREATE_TYPE "[\"name\"]): the connector name must be a string", token_desc(name));
    goto fail;
  }
  json_object_set_new(out, "name", java_trim(json_string_value(name_s), json_string_length(name_s)));
  json_decref(name_s);

  const json_t *config = json_object_get(v, "config");
  if (!config || json_is_null(config)) {
    snprintf(errmsg, size, "Missing \"config\" in the create connector request: a JSON object of connector "
             "configs is required");
    goto fail;
  }
  json_t *cfg = bind_map(config, " (through reference chain: " CREATE_TYPE "[\"config\"])", "config", errmsg, size);
  if (!cfg) goto fail;
  json_object_set_new(out, "config", cfg);

  const json_t *st = json_object_get(v, "initial_state");
  if (st && !json_is_null(st)) {
    json_t *st_s = scalar_to_string(st);
    if (!st_s) {
      snprintf(errmsg, size, "Cannot deserialize value of type `" CREATE_TYPE "$InitialState` from %s (through "
               "reference chain: " CREATE_TYPE "[\"initial_state\"])", token_desc(st));
      goto fail;
    }
    static const char *const states[] = {"RUNNING", "PAUSED", "STOPPED"};
    const char *found = NULL;
    for (size_t i = 0; i < 3; i++) {
      if (!strcasecmp(json_string_value(st_s), states[i])) found = states[i];
    }
    if (!found) {
      /* InitialState.forValue is valueOf(value.toUpperCase(Locale.ROOT)): Java names the upper-cased
       * constant (ASCII letters here). */
      jackson_at(cur_body, cur_len, AT_MEMBER, "initial_state", NULL, at, sizeof at);
      char *upper = strdup(json_string_value(st_s));
      for (char *p = upper; p && *p; p++) *p = (char)toupper((unsigned char)*p);
      snprintf(errmsg, size, "Cannot construct instance of `" CREATE_TYPE "$InitialState`, problem: No enum "
               "constant " CREATE_TYPE ".InitialState.%s%s (through reference chain: " CREATE_TYPE
               "[\"initial_state\"])", upper ? upper : json_string_value(st_s), at);
      free(upper);
      json_decref(st_s);
      goto fail;
    }
    json_decref(st_s);
    json_object_set_new(out, "initial_state", json_string(found));
  }
  return out;

fail:
  json_decref(out);
  return NULL;
}

/* The task configs a follower POSTs to the leader (InternalClusterResource.putTaskConfigs). */
static json_t *bind_task_configs(const json_t *v, char *errmsg, size_t size) {
  if (!json_is_array(v)) {
    snprintf(errmsg, size, "Cannot deserialize value of type `" LIST_TYPE "` from %s: the request body must be a "
             "JSON array of task configs", token_desc(v));
    return NULL;
  }
  json_t *out = json_array();
  size_t i;
  json_t *el;
  json_array_foreach((json_t *)v, i, el) {
    char where[96];
    /* Jackson would keep a null entry and the herder fail on it: refuse it here with the same status. */
    snprintf(where, sizeof(where), " (through reference chain: java.util.ArrayList[%zu])", i);
    json_t *m = bind_map(el, where, NULL, errmsg, size);
    if (!m) {
      json_decref(out);
      return NULL;
    }
    json_array_append_new(out, m);
  }
  return out;
}

json_t *kc__rest_body_bind(kc_rest_body_kind_t kind, const char *body, size_t len, int *status,
                           char *errmsg, size_t errmsg_size) {
  *status = 500;
  size_t i = 0;
  while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
  if (i == len) {
    snprintf(errmsg, errmsg_size, "The request body is empty: a JSON %s is required",
             kind == KC_REST_BODY_TASK_CONFIGS ? "array" : "object");
    return NULL;
  }
  json_error_t jerr;
  json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
  if (!v) {
    snprintf(errmsg, errmsg_size, "Malformed JSON in the request body at line %d, column %d: %s", jerr.line,
             jerr.column, jerr.text);
    return NULL;
  }
  json_t *out = NULL;
  cur_body = body;
  cur_len = len;
  if (json_is_null(v)) {
    snprintf(errmsg, errmsg_size, "The request body is JSON null: a JSON %s is required",
             kind == KC_REST_BODY_TASK_CONFIGS ? "array" : "object");
  } else if (kind == KC_REST_BODY_CREATE) {
    out = bind_create(v, errmsg, errmsg_size);
  } else if (kind == KC_REST_BODY_TASK_CONFIGS) {
    out = bind_task_configs(v, errmsg, errmsg_size);
  } else {
    out = bind_map(v, "", NULL, errmsg, errmsg_size);
  }
  cur_body = NULL;
  cur_len = 0;
  json_decref(v);
  return out;
}

int kc__rest_body_check_name(json_t *config, const char *name, char *errmsg, size_t errmsg_size) {
  if (!json_is_object(config) || !name) {
    snprintf(errmsg, errmsg_size, "A connector name and config are required");
    return 500;
  }
  const char *included = json_string_value(json_object_get(config, "name"));
  if (included) {
    if (strcmp(included, name)) {
      snprintf(errmsg, errmsg_size,
               "Connector name configuration (%s) doesn't match connector name in the URL (%s)", included, name);
      return 400;
    }
    return 0;
  }
  json_object_set_new(config, "name", json_string(name));
  return 0;
}
