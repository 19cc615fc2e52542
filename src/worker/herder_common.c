/*
 * What both herders share (AbstractHerder): replies, config bodies and their
 * validation, the plugin endpoints, GET /, and the offsets read paths. The
 * functions answer through the herder callback exactly once unless noted.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "config/override_policy.h"
#include "convert/converter.h"
#include "transform/xf_config.h"
#include "worker/connect_protocol.h"
#include "worker/herder_common.h"

void kc_herder_reply(kc_herder_cb cb, void *arg, kc_herder_rc_t rc, json_t *body, const char *fmt, ...) {
  char msg[4096] = "";
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
  }
  kc_herder_res_t res = {.rc = rc, .message = msg, .body = body};
  cb(arg, &res);
}

void kc_herder_reply_ok(kc_herder_cb cb, void *arg, json_t *body, bool created) {
  kc_herder_res_t res = {.rc = KC_HERDER_R_OK, .message = "", .body = body, .created = created};
  cb(arg, &res);
}

void kc_herder_op_metrics(kc_worker_t *wk, kc_herder_cb cb, void *arg) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  if (kc_metrics_render(wk, &b)) {
    kc_buf_free(&b);
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Out of memory");
    return;
  }
  kc_herder_res_t res = {.rc = KC_HERDER_R_OK, .message = "", .text = b.data ? b.data : ""};
  cb(arg, &res);
  kc_buf_free(&b);
}

json_t *kc_herder_config_json(const kc_config_t *cfg) {
  json_t *o = json_object();
  const char *k, *v;
  for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++) json_object_set_new(o, k, json_string(v));
  return o;
}

/* ---- config bodies ---- */

/* Jackson binds Map<String,String> leniently: scalars become strings; null stays null (a
 * validation error later); objects and arrays are binding errors (500). */
kc_config_t *kc_herder_config_from_json(json_t *obj, bool allow_null, char *err, size_t n) {
  if (!json_is_object(obj)) {
    snprintf(err, n, "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.String>` from %s",
             json_is_array(obj) ? "Array value" : "non-object value");
    return NULL;
  }
  kc_config_t *cfg = kc_config_new();
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    char num[64];
    const char *s = NULL;
    if (json_is_string(v))
      s = json_string_value(v);
    else if (json_is_integer(v))
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), s = num;
    else if (json_is_real(v))
      snprintf(num, sizeof num, "%.17g", json_real_value(v)), s = num;
    else if (json_is_boolean(v))
      s = json_is_true(v) ? "true" : "false";
    else if (json_is_null(v)) {
      if (allow_null) continue;
      snprintf(err, n, "Connector configuration is invalid and contains the following 1 error(s):\n"
                       "%s: Null value can not be supplied as the configuration value.\n"
                       "You can also find the above list of errors at the endpoint "
                       "`/connector-plugins/{connectorType}/config/validate`", k);
      kc_config_destroy(cfg);
      return NULL;
    } else {
      snprintf(err, n, "Cannot deserialize value of type `java.lang.String` from %s value (token "
                       "`JsonToken.START_%s`) for key \"%s\"",
               json_is_array(v) ? "Array" : "Object", json_is_array(v) ? "ARRAY" : "OBJECT", k);
      kc_config_destroy(cfg);
      return NULL;
    }
    kc_config_set(cfg, k, s);
  }
  return cfg;
}

/*
 * Map.toString of the config as Connect prints it in its messages: "{k=v, k2=v2}" in the
 * iteration order of the HashMap copy it holds (new HashMap<>(map): table size
 * tableSizeFor(n / 0.75 + 1); bucket order, insertion order within a bucket).
 */
char *kc_herder_config_text(const kc_config_t *cfg) {
  int n = (int)kc_config_count(cfg);
  int *idx = calloc((size_t)n + 1, sizeof *idx);
  int32_t *hashes = calloc((size_t)n + 1, sizeof *hashes);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  if (!idx || !hashes) goto done;
  const char *k, *v;
  for (int i = 0; i < n; i++) {
    kc_config_at(cfg, (size_t)i, &k, &v);
    idx[i] = i;
    hashes[i] = kc_cp_java_hash(k);
  }
  int want = (int)((float)n / 0.75f + 1.0f), cap = 1;
  while (cap < want) cap <<= 1;
  kc_cp_java_hash_order(idx, n, hashes, cap);
  kc_buf_puts(&b, "{");
  for (int i = 0; i < n; i++) {
    kc_config_at(cfg, (size_t)idx[i], &k, &v);
    kc_buf_printf(&b, "%s%s=%s", i ? ", " : "", k, v ? v : "null");
  }
  kc_buf_puts(&b, "}");
done:
  free(idx);
  free(hashes);
  if (!b.data) return NULL;
  char *out = strdup(b.data);
  kc_buf_free(&b);
  return out;
}

/* Kafka protocol strings are at most 32767 bytes; "connect-" and client-id decorations fit. */
#define KC_CONNECTOR_NAME_MAX 32000

/* kconnect.tasks.max.per.connector: @returns 0, or KC_EINVAL with the tasks.max error. */
int kc_herder_check_tasks_cap(const kc_config_t *worker, const kc_config_t *cfg, char *msg, size_t n) {
  int64_t cap = 256, max = 1;
  kc_config_get_int(worker, "kconnect.tasks.max.per.connector", &cap);
  if (kc_config_get_int(cfg, "tasks.max", &max) || max <= cap) return 0;
  snprintf(msg, n,
           "Invalid value %lld for configuration tasks.max: kconnect runs at most %lld tasks per "
           "connector (kconnect.tasks.max.per.connector in the worker configuration)",
           (long long)max, (long long)cap);
  return KC_EINVAL;
}

/* Validates like AbstractHerder.validateConnectorConfig; @returns rc and the message. */
kc_herder_rc_t kc_herder_validate(const kc_config_t *worker, const kc_config_t *cfg, char *msg,
                               size_t n) {
  const char *cls = kc_config_get(cfg, "connector.class");
  if (!cls || !*cls) {
    char *t = kc_herder_config_text(cfg);
    snprintf(msg, n, "Connector config %s contains no connector type", t ? t : "{}");
    free(t);
    return KC_HERDER_R_BAD_REQUEST;
  }
  const kc_connector_plugin_t *p;
  char err[2048] = "";
  int rc = kc_connector_validate(cfg, &p, err, sizeof err);
  if (rc == KC_ENOENT) { /* Connect 4.x: a BadRequestException (3.9 answered 500) */
    snprintf(msg, n, "%s", err);
    return KC_HERDER_R_BAD_REQUEST;
  }
  if (rc) {
    snprintf(msg, n, "Connector configuration is invalid and contains the following 1 error(s):\n%s\n"
                     "You can also find the above list of errors at the endpoint "
                     "`/connector-plugins/{connectorType}/config/validate`", err);
    return KC_HERDER_R_BAD_REQUEST;
  }
  if (kc_herder_check_tasks_cap(worker, cfg, err, sizeof err)) {
    snprintf(msg, n, "Connector configuration is invalid and contains the following 1 error(s):\n%s\n"
                     "You can also find the above list of errors at the endpoint "
                     "`/connector-plugins/{connectorType}/config/validate`", err);
    return KC_HERDER_R_BAD_REQUEST;
  }
  const char *cname = kc_config_get(cfg, "name");
  if (cname && strlen(cname) > KC_CONNECTOR_NAME_MAX) {
    snprintf(msg, n,
             "Connector name is too long (%zu bytes): kconnect accepts at most %d bytes, since "
             "Kafka's protocol limits the sink consumer group id connect-<name> and client ids "
             "to 32767 bytes",
             strlen(cname), KC_CONNECTOR_NAME_MAX);
    return KC_HERDER_R_BAD_REQUEST;
  }
  /* Client overrides: every offending key counts, as in Connect's error-count message. */
  json_t *infos = json_pack("{s:i, s:[]}", "error_count", 0, "configs");
  int bad = infos ? kc_override_policy_validate(worker, cfg, p->type == KC_CONNECTOR_SINK, infos)
                  : KC_ENOMEM;
  int bad2 = bad >= 0 ? kc_connector_unapplied_validate(worker, cfg, p->type == KC_CONNECTOR_SINK,
                                                        infos)
                      : 0;
  bad = bad < 0 ? bad : bad2 < 0 ? bad2 : bad + bad2;
  kc_herder_rc_t out = KC_HERDER_R_OK;
  if (bad != 0) {
    kc_buf_t text;
    kc_buf_init(&text, 0);
    if (bad < 0 || kc_configdef_errors_message(infos, &text) < 0 || !text.data) {
      snprintf(msg, n, "out of memory validating client overrides");
      out = KC_HERDER_R_INTERNAL;
    } else {
      snprintf(msg, n, "%s", text.data);
      out = KC_HERDER_R_BAD_REQUEST;
    }
    kc_buf_free(&text);
  }
  json_decref(infos);
  return out;
}

kc_target_t kc_herder_parse_initial_state(json_t *v, bool *ok) {
  *ok = true;
  if (!v || json_is_null(v)) return KC_TARGET_STARTED;
  const char *s = json_string_value(v);
  if (s && !strcasecmp(s, "RUNNING")) return KC_TARGET_STARTED;
  if (s && !strcasecmp(s, "PAUSED")) return KC_TARGET_PAUSED;
  if (s && !strcasecmp(s, "STOPPED")) return KC_TARGET_STOPPED;
  *ok = false;
  return KC_TARGET_STARTED;
}

bool kc_herder_topics_refused(const kc_config_t *worker, kc_herder_op_t op, kc_herder_cb cb, void *arg) {
  bool enabled = true, allow_reset = true;
  kc_config_get_bool(worker, "topic.tracking.enable", &enabled);
  kc_config_get_bool(worker, "topic.tracking.allow.reset", &allow_reset);
  if (!enabled) {
    kc_herder_reply(cb, arg, KC_HERDER_R_FORBIDDEN, NULL, "Topic tracking is disabled.");
    return true;
  }
  if (op == KC_HERDER_TOPICS_RESET && !allow_reset) {
    kc_herder_reply(cb, arg, KC_HERDER_R_FORBIDDEN, NULL, "Topic tracking reset is disabled.");
    return true;
  }
  return false;
}

void kc_herder_reply_topics(kc_herder_cb cb, void *arg, const char *connector, json_t *topics) {
  json_t *body = topics ? json_pack("{s:{s:o}}", connector, "topics", topics) : NULL;
  if (!body) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return;
  }
  kc_herder_reply_ok(cb, arg, body, false);
}

void kc_herder_op_plugins(const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  json_t *arr = json_array();
  const kc_connector_plugin_t *const *all = kc_plugins_all();
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; all[i]; i++)
      if ((pass == 0) == (all[i]->type == KC_CONNECTOR_SINK))
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", all[i]->class_name, "type",
                                             all[i]->type == KC_CONNECTOR_SINK ? "sink" : "source",
                                             "version", all[i]->version ? all[i]->version : KC_CONNECT_COMPAT_VERSION));
  if (!req->connectors_only) {
    /* Confluent's AvroConverter is not Versioned: Connect reports "undefined" for it. */
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class",
                                         "io.confluent.connect.avro.AvroConverter", "type",
                                         "converter", "version", "undefined"));
    static const char *const conv[] = {"org.apache.kafka.connect.converters.ByteArrayConverter",
                                       "org.apache.kafka.connect.json.JsonConverter",
                                       "org.apache.kafka.connect.storage.StringConverter", NULL};
    for (int i = 0; conv[i]; i++)
      json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", conv[i], "type", "converter",
                                           "version", KC_CONNECT_COMPAT_VERSION));
    static const char *const hconv[] = {"org.apache.kafka.connect.storage.SimpleHeaderConverter",
                                        "org.apache.kafka.connect.storage.StringConverter", NULL};
    for (int i = 0; hconv[i]; i++)
      json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", hconv[i], "type",
                                           "header_converter", "version", KC_CONNECT_COMPAT_VERSION));
    /* Transformations, then predicates, each in PluginDesc (class name) order. */
    for (int kind = KC_XF_TRANSFORM; kind <= KC_XF_PREDICATE; kind++) {
      const char *last = "";
      for (;;) {
        const char *next = NULL;
        for (const kc_transform_plugin_t *const *x = kc_transform_plugins; *x; x++)
          if ((int)(*x)->kind == kind && strcmp((*x)->class_name, last) > 0 &&
              (!next || strcmp((*x)->class_name, next) < 0))
            next = (*x)->class_name;
        if (!next) break;
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", next, "type",
                                             kind == KC_XF_TRANSFORM ? "transformation" : "predicate",
                                             "version", KC_CONNECT_COMPAT_VERSION));
        last = next;
      }
    }
  }
  kc_herder_reply_ok(cb, arg, arr, false);
}


/* ---- Connect 4.x's plugin-dependent definitions (KIP-891) ---- */

/* The converters kconnect loads, in Connect's recommender order (class names sorted). */
static json_t *converter_classes(bool header) {
  static const char *const conv[] = {"io.confluent.connect.avro.AvroConverter",
                                     "org.apache.kafka.connect.converters.ByteArrayConverter",
                                     "org.apache.kafka.connect.json.JsonConverter",
                                     "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                                     "org.apache.kafka.connect.storage.StringConverter", NULL};
  json_t *a = json_array();
  for (int i = 0; conv[i]; i++) {
    bool avro = i == 0, simple = i == 3;
    if ((header && avro) || (!header && simple)) continue; /* not that kind of converter */
    json_array_append_new(a, json_string(conv[i]));
  }
  return a;
}

/* The worker's converter for @p key ("key.converter"...) as a class name: Connect 4.x's
 * ConnectorConfig takes the worker's as the default of the connector's. */
static const char *worker_converter(const kc_config_t *wprops, const char *key) {
  const char *v = wprops ? kc_config_get(wprops, key) : NULL;
  if (!v || !*v) return !strcmp(key, "header.converter") ? "org.apache.kafka.connect.storage.SimpleHeaderConverter" : NULL;
  const char *fqcn = kc_converter_class_resolve(v);
  return fqcn ? fqcn : v;
}

/*
 * Fills what ConnectorConfig.enrichedConfigDef computes from the plugins and the worker into
 * @p entries (ConfigKeyInfos of GET /connector-plugins/{p}/config, or the "configs" of a
 * validation when @p wprops is given): connector.plugin.version defaults to the connector's
 * version; in a validation the converters default to the worker's and their versions to the
 * converters', each with its recommended values (the one version; the converter classes).
 */
static void fill_plugin_defaults(json_t *entries, const kc_connector_plugin_t *p, const kc_config_t *wprops,
                                 bool validation) {
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) {
    json_t *def = validation ? json_object_get(e, "definition") : e;
    json_t *val = validation ? json_object_get(e, "value") : NULL;
    const char *name = json_string_value(json_object_get(def, "name"));
    if (!name) continue;
    const char *deflt = NULL;
    json_t *recommended = NULL;
    if (!strcmp(name, "connector.plugin.version")) {
      deflt = kc_plugin_version(p);
      recommended = json_pack("[s]", deflt);
    } else if (!validation) {
      continue;
    } else if (!strcmp(name, "key.converter") || !strcmp(name, "value.converter") ||
               !strcmp(name, "header.converter")) {
      deflt = worker_converter(wprops, name);
      recommended = converter_classes(!strcmp(name, "header.converter"));
    } else if (!strcmp(name, "key.converter.plugin.version") || !strcmp(name, "value.converter.plugin.version") ||
               !strcmp(name, "header.converter.plugin.version")) {
      deflt = KC_CONNECT_COMPAT_VERSION;
      recommended = json_pack("[s]", deflt);
    } else {
      continue;
    }
    bool bad_converter = false;
    if (val && strstr(name, ".plugin.version") && strcmp(name, "connector.plugin.version")) {
      /* the version of a converter class that does not load: no default, not visible */
      char cls_key[64];
      snprintf(cls_key, sizeof cls_key, "%.*s", (int)(strlen(name) - strlen(".plugin.version")), name);
      size_t k;
      json_t *o;
      json_array_foreach(entries, k, o) {
        json_t *ov = json_object_get(o, "value");
        if (json_is_string(json_object_get(ov, "name")) && !strcmp(json_string_value(json_object_get(ov, "name")), cls_key))
          bad_converter = json_array_size(json_object_get(ov, "errors")) > 0;
      }
    }
    if (bad_converter) {
      json_object_set_new(val, "visible", json_false());
      json_object_set_new(val, "recommended_values", json_array());
      json_decref(recommended);
      continue;
    }
    if (val && json_array_size(json_object_get(val, "errors")) && strstr(name, ".converter") &&
        !strstr(name, ".plugin.version"))
      json_object_set_new(val, "value", json_null()); /* a class that failed to parse has no value */
    if (deflt) json_object_set_new(def, "default_value", json_string(deflt));
    if (val) {
      if (json_is_null(json_object_get(val, "value")) && deflt && !json_array_size(json_object_get(val, "errors")))
        json_object_set_new(val, "value", json_string(deflt));
      json_object_set(val, "recommended_values", recommended);
    }
    json_decref(recommended);
  }
}

/* A key sent as JSON null is present to ConfigDef: no "Missing required configuration" for it. */
static void drop_missing_error(json_t *res, const char *key) {
  char missing[512];
  snprintf(missing, sizeof missing, "Missing required configuration \"%s\" which has no default value.", key);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(res, "configs"), i, e) {
    json_t *val = json_object_get(e, "value");
    if (!json_is_string(json_object_get(val, "name")) || strcmp(json_string_value(json_object_get(val, "name")), key))
      continue;
    json_t *errs = json_object_get(val, "errors");
    for (size_t j = 0; j < json_array_size(errs); j++) {
      if (json_is_string(json_array_get(errs, j)) && !strcmp(json_string_value(json_array_get(errs, j)), missing)) {
        json_array_remove(errs, j);
        json_object_set_new(res, "error_count",
                            json_integer(json_integer_value(json_object_get(res, "error_count")) - 1));
        return;
      }
    }
  }
}

void kc_herder_op_validate(kc_worker_t *wk, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char err[4096] = "";
  kc_config_t *cfg = kc_herder_config_from_json(req->body, true, err, sizeof err);
  if (!cfg) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
    return;
  }
  /* A JSON null is reported on its key in the ConfigInfos, not as a failed request. */
  const char *null_key = NULL, *jk;
  json_t *jv;
  json_object_foreach(req->body, jk, jv) if (json_is_null(jv) && !null_key) null_key = jk;
  const char *cls = kc_config_get(cfg, "connector.class");
  if (!cls || !*cls) {
    char *t = kc_herder_config_text(cfg);
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
          "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config %s contains no connector type",
          t ? t : "{}");
    free(t);
    kc_config_destroy(cfg);
    return;
  }
  /* Compare with the path's plugin after stripping a trailing "Connector" (1.6). */
  char a[512], b[512];
  snprintf(a, sizeof a, "%s", cls);
  snprintf(b, sizeof b, "%s", req->plugin ? req->plugin : "");
  size_t al = strlen(a), bl = strlen(b);
  if (al > 9 && !strcmp(a + al - 9, "Connector")) a[al -= 9] = '\0';
  if (bl > 9 && !strcmp(b + bl - 9, "Connector")) b[bl -= 9] = '\0';
  if (bl > al || strcmp(a + al - bl, b)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL, "Included connector type %s does not match request type %s",
          cls, req->plugin ? req->plugin : "");
    kc_config_destroy(cfg);
    return;
  }
  const kc_connector_plugin_t *p = kc_plugins_find(cls);
  if (!p) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
          "Failed to find any class that implements Connector and which name matches %s, available connectors are: %s",
          cls, kc_plugins_describe());
    kc_config_destroy(cfg);
    return;
  }
  const kc_config_def_t *tables[4];
  kc_plugins_tables(p, tables);
  char xerr[1024] = "";
  const char *xkey = NULL;
  if (p->type == KC_CONNECTOR_SINK && kc_configdef_check_sink_topics(cfg, xerr, sizeof xerr))
    xkey = kc_config_get(cfg, "topics.regex") && !kc_config_get(cfg, "topics") ? "topics.regex" : "topics";
  else if (p->validate && p->validate(cfg, xerr, sizeof xerr)) {
    /* plugin messages start with "key: " */
    char *colon = strchr(xerr, ':');
    static char keybuf[256];
    snprintf(keybuf, sizeof keybuf, "%.*s", colon ? (int)(colon - xerr) : 0, xerr);
    xkey = keybuf;
  }
  /* ConfigInfos.name is the connector.class value as sent (AbstractHerder). */
  if (!xkey && kc_herder_check_tasks_cap(wk->wc->props, cfg, xerr, sizeof xerr)) xkey = "tasks.max";
  /* addNullValuedErrors reports a null on the framework's keys; a connector's own key is then
   * re-validated by the connector, whose ConfigValue (present, null: no error) replaces it. */
  bool null_is_plugin_key = null_key && p->config_def && kc_configdef_find(p->config_def, null_key) &&
                            !kc_configdef_find(kc_connector_common_defs, null_key) &&
                            !kc_configdef_find(kc_connector_sink_defs, null_key) &&
                            !kc_configdef_find(kc_connector_source_defs, null_key);
  if (!xkey && null_key && !null_is_plugin_key) {
    xkey = null_key;
    snprintf(xerr, sizeof xerr, "Null value can not be supplied as the configuration value.");
  }
  json_t *res = kc_configdef_validate_json(cls, tables, cfg, xkey, xkey ? xerr : NULL);
  if (res && kc_xf_validate_json(cfg, res)) {
    json_decref(res);
    res = NULL;
  }
  if (res && (kc_override_policy_validate(wk->wc->props, cfg, p->type == KC_CONNECTOR_SINK,
                                          res) < 0 ||
              kc_connector_unapplied_validate(wk->wc->props, cfg,
                                              p->type == KC_CONNECTOR_SINK, res) < 0 ||
              kc_converter_validate_json(cfg, res) < 0)) {
    json_decref(res);
    res = NULL;
  }
  kc_config_destroy(cfg);
  if (res && null_key) drop_missing_error(res, null_key);
  if (res) fill_plugin_defaults(json_object_get(res, "configs"), p, wk->wc->props, true);
  kc_herder_reply_ok(cb, arg, res, false);
}

typedef struct {
  kc_herder_cb cb;
  void *arg;
} server_info_t;

static void on_cluster_id(void *arg, const char *cluster_id) {
  server_info_t *si = arg;
  json_t *o = json_pack("{s:s,s:s}", "version", KC_CONNECT_COMPAT_VERSION, "commit",
                        "kconnect-" KC_VERSION_STRING);
  json_object_set_new(o, "kafka_cluster_id", cluster_id ? json_string(cluster_id) : json_null());
  kc_herder_reply_ok(si->cb, si->arg, o, false);
  free(si);
}

int kc_herder_server_info(kc_worker_t *wk, kc_herder_cb cb, void *arg) {
  server_info_t *si = calloc(1, sizeof *si);
  if (!si) return KC_ENOMEM;
  si->cb = cb;
  si->arg = arg;
  kc_worker_when_cluster_id(wk, 10000, on_cluster_id, si);
  return 0;
}

void kc_herder_op_plugin_config(const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  const kc_connector_plugin_t *p = kc_plugins_find(req->plugin);
  json_t *xf = p ? NULL : kc_xf_describe_json(req->plugin);
  if (!p && !xf) xf = kc_converter_defs_json(req->plugin ? req->plugin : "");
  if (xf) {
    kc_herder_reply_ok(cb, arg, xf, false);
    return;
  }
  if (!p) {
    kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown plugin %s.", req->plugin ? req->plugin : "");
    return;
  }
  const kc_config_def_t *tables[4];
  kc_plugins_tables(p, tables);
  json_t *keys = kc_configdef_describe_json(tables);
  fill_plugin_defaults(keys, p, NULL, false);
  kc_herder_reply_ok(cb, arg, keys, false);
}

/* ---- offsets of a source connector (GET /connectors/{c}/offsets) ---- */

typedef struct {
  const char *name;
  json_t *arr;
} offsets_ctx_t;

static json_t *value_to_jansson(const char *text, size_t len) {
  return json_loadb(text, len, JSON_DECODE_ANY, NULL);
}

static int offsets_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen) {
  offsets_ctx_t *ctx = arg;
  json_t *k = value_to_jansson(key, klen);
  if (json_is_array(k) && json_array_size(k) == 2 &&
      json_is_string(json_array_get(k, 0)) && !strcmp(json_string_value(json_array_get(k, 0)), ctx->name) && val) {
    json_t *v = value_to_jansson(val, vlen);
    json_array_append_new(ctx->arr, json_pack("{s:O,s:o}", "partition", json_array_get(k, 1), "offset",
                                              v ? v : json_null()));
  }
  json_decref(k);
  return 0;
}

typedef struct {
  kc_herder_cb cb;
  void *arg;
} sink_offsets_t;

static void on_sink_offsets(void *arg, const char *errmsg,
                            const rd_kafka_topic_partition_list_t *offs) {
  sink_offsets_t *so = arg;
  if (errmsg) {
    kc_herder_reply(so->cb, so->arg, KC_HERDER_R_INTERNAL, NULL, "Failed to retrieve consumer group offsets: %s",
          errmsg);
  } else {
    /* Sink offsets are the connector group's committed offsets (KIP-875 shape). */
    json_t *arr = json_array();
    for (int i = 0; offs && i < offs->cnt; i++)
      if (offs->elems[i].offset >= 0)
        json_array_append_new(
            arr, json_pack("{s:{s:s,s:i},s:{s:I}}", "partition", "kafka_topic", offs->elems[i].topic,
                           "kafka_partition", (int)offs->elems[i].partition, "offset",
                           "kafka_offset", (json_int_t)offs->elems[i].offset));
    kc_herder_reply_ok(so->cb, so->arg, json_pack("{s:o}", "offsets", arr), false);
  }
  free(so);
}

void kc_herder_sink_offsets(kc_worker_t *wk, const char *name, const kc_config_t *config, kc_herder_cb cb,
                            void *arg) {
  const char *og = kc_config_get(config, "consumer.override.group.id");
  size_t glen = strlen(name) + sizeof "connect-";
  char *group = malloc(glen);
  sink_offsets_t *so = calloc(1, sizeof *so);
  char err[512] = "out of memory";
  if (group && so) {
    snprintf(group, glen, "connect-%s", name);
    so->cb = cb;
    so->arg = arg;
    if (kc_worker_group_offsets(wk, config, og ? og : group, on_sink_offsets, so, err,
                                sizeof err) == 0) {
      free(group);
      return;
    }
  }
  free(group);
  free(so);
  kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Failed to retrieve consumer group offsets: %s", err);
}

json_t *kc_herder_source_offsets_json(kc_worker_t *wk, const char *name) {
  offsets_ctx_t ctx = {name, json_array()};
  kc_offset_store_foreach(wk->offsets, offsets_one, &ctx);
  return json_pack("{s:o}", "offsets", ctx.arr);
}

kc_config_t *kc_herder_create_request(json_t *b, char **name_out, int *initial_target, kc_herder_cb cb, void *arg) {
  *name_out = NULL;
  if (!json_is_object(b)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Cannot deserialize value of type `CreateConnectorRequest` from %s",
                    b ? "a non-object value" : "an empty body");
    return NULL;
  }
  json_t *jn = json_object_get(b, "name");
  if (jn && !json_is_string(jn) && !json_is_null(jn)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
                    "Cannot deserialize value of type `java.lang.String` for field \"name\"");
    return NULL;
  }
  bool ok;
  json_t *jis = json_object_get(b, "initial_state");
  kc_target_t target = kc_herder_parse_initial_state(jis, &ok);
  if (!ok) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
                    "Cannot deserialize value of type `InitialState` from String \"%s\": not one of the values "
                    "accepted: [RUNNING, PAUSED, STOPPED]",
                    json_string_value(jis) ? json_string_value(jis) : "?");
    return NULL;
  }
  *initial_target = jis && !json_is_null(jis) ? (int)target : -1;
  json_t *jc = json_object_get(b, "config");
  if (!jc || json_is_null(jc)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL, "Connector config is missing");
    return NULL;
  }
  char err[4096] = "";
  kc_config_t *cfg = kc_herder_config_from_json(jc, false, err, sizeof err);
  if (!cfg) {
    kc_herder_reply(cb, arg, strncmp(err, "Connector configuration", 23) ? KC_HERDER_R_INTERNAL : KC_HERDER_R_BAD_REQUEST,
                    NULL, "%s", err);
    return NULL;
  }
  /* Never cut: kc_herder_validate() rejects names over KC_CONNECTOR_NAME_MAX with a clear message. */
  char *name = strdup(jn && json_is_string(jn) ? json_string_value(jn) : "");
  if (!name) {
    kc_config_destroy(cfg);
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return NULL;
  }
  char *s = name, *e = name + strlen(name);
  while (*s && isspace((unsigned char)*s)) s++;
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  memmove(name, s, strlen(s) + 1);
  const char *cn = kc_config_get(cfg, "name");
  if (cn && strcmp(cn, name)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
                    "Connector name configuration (%s) doesn't match connector name in the URL (%s)", cn, name);
  } else if (!*name) {
    /* ConnectorConfig's nonEmptyStringWithoutControlChars, reported as a validation failure */
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
                    "Connector configuration is invalid and contains the following 1 error(s):\n"
                    "Invalid value  for configuration name: String may not be empty\n"
                    "You can also find the above list of errors at the endpoint "
                    "`/connector-plugins/{connectorType}/config/validate`");
  } else if (!cn && kc_config_set(cfg, "name", name)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
  } else {
    *name_out = name;
    return cfg;
  }
  free(name);
  kc_config_destroy(cfg);
  return NULL;
}

kc_config_t *kc_herder_config_request(const kc_herder_req_t *req, const kc_config_t *existing, kc_herder_cb cb,
                                      void *arg) {
  char err[4096] = "";
  kc_config_t *cfg;
  if (req->op == KC_HERDER_PATCH_CONFIG) {
    kc_config_t *patch = kc_herder_config_from_json(req->body, true, err, sizeof err);
    if (!patch) {
      kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
      return NULL;
    }
    cfg = kc_config_copy(existing);
    const char *k, *v;
    for (size_t i = 0; cfg && kc_config_at(patch, i, &k, &v) == 0; i++) kc_config_set(cfg, k, v);
    json_t *jv;
    json_object_foreach(req->body, k, jv) if (cfg && json_is_null(jv)) kc_config_unset(cfg, k);
    kc_config_destroy(patch);
    if (!cfg) {
      kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
      return NULL;
    }
  } else if (!(cfg = kc_herder_config_from_json(req->body, false, err, sizeof err))) {
    kc_herder_reply(cb, arg, strncmp(err, "Connector configuration", 23) ? KC_HERDER_R_INTERNAL : KC_HERDER_R_BAD_REQUEST,
                    NULL, "%s", err);
    return NULL;
  }
  const char *cn = kc_config_get(cfg, "name");
  if (cn && strcmp(cn, req->connector)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
                    "Connector name configuration (%s) doesn't match connector name in the URL (%s)", cn,
                    req->connector);
    kc_config_destroy(cfg);
    return NULL;
  }
  if (!cn) kc_config_set(cfg, "name", req->connector);
  return cfg;
}
