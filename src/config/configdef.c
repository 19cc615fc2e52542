/*
 * ConfigDef semantics over kc_config_def_t tables: parse by type, validators,
 * defaults, and the two REST shapes (ConfigInfos, ConfigKeyInfo).
 *
 * Messages are Connect's ConfigException texts, character for character,
 * because clients and tests match on them:
 *   "Invalid value <v> for configuration <key>: <reason>"
 *   "Missing required configuration \"<key>\" which has no default value."
 * <v> is what Java would print: the raw string when parsing failed, else the
 * parsed value (numbers normalised, lists as "[a, b]", passwords "[hidden]").
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/configdef.h"
#include "util/jregex.h"

#define MAX_ERRS 4
#define ERR_LEN 1024

typedef struct {
  int n;
  char msg[MAX_ERRS][ERR_LEN];
} errlist_t;

/* The outcome of parsing one value (ConfigDef.parseType + the key's validators). */
typedef struct {
  bool is_null; /* no value: unset without default, missing or unparsable */
  kc_buf_t text; /* ConfigDef.convertToString of the parsed value */
  errlist_t errs;
} checked_t;

static const char *const type_names[] = {"STRING", "INT", "LONG", "DOUBLE",
                                         "BOOLEAN", "LIST", "CLASS", "PASSWORD"};

static void add_err(errlist_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_err(errlist_t *e, const char *fmt, ...) {
  if (e->n >= MAX_ERRS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg[e->n++], ERR_LEN, fmt, ap);
  va_end(ap);
}

const kc_config_def_t *kc_configdef_find(const kc_config_def_t *defs, const char *name) {
  for (; defs && defs->name; defs++)
    if (strcmp(defs->name, name) == 0) return defs;
  return NULL;
}

/* String.trim() into a new buffer. */
static int trim_into(const char *s, kc_buf_t *out) {
  while (*s && (unsigned char)*s <= ' ') s++;
  size_t n = strlen(s);
  while (n && (unsigned char)s[n - 1] <= ' ') n--;
  kc_buf_reset(out);
  return kc_buf_append(out, s, n);
}

static bool parse_integer(const char *s, int64_t lo, int64_t hi, int64_t *out) {
  const char *p = s + (*s == '+' || *s == '-');
  if (!*p) return false;
  for (const char *q = p; *q; q++)
    if (!isdigit((unsigned char)*q)) return false;
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno == ERANGE || v < lo || v > hi) return false;
  *out = v;
  return true;
}

/* Java's Double.toString for the usual cases: "1.0", "0.25", "1.0E10". */
static void java_double(double d, char *out, size_t n) {
  double a = fabs(d);
  if (a != 0 && (a < 1e-3 || a >= 1e7)) {
    int exp = (int)floor(log10(a));
    double mant = d / pow(10, exp);
    char m[40];
    java_double(mant, m, sizeof m);
    snprintf(out, n, "%sE%d", m, exp);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, n, "%.*g", prec, d);
    if (strtod(out, NULL) == d) break;
  }
  if (!strchr(out, '.') && !strchr(out, 'e')) strncat(out, ".0", n - strlen(out) - 1);
}

/*
 * Java's LIST parse: trimmed, empty -> [], else split on \s*,\s* keeping empty
 * items. Writes both renderings: joined with "," (convertToString) and "[a, b]"
 * (List.toString, used in messages).
 */
static int render_list(const char *trimmed, kc_buf_t *joined, kc_buf_t *shown) {
  int rc = kc_buf_puts(shown, "[");
  bool first = true;
  for (const char *p = trimmed; *trimmed && rc == 0;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    const char *b = p;
    while (len && isspace((unsigned char)*b)) b++, len--;
    while (len && isspace((unsigned char)b[len - 1])) len--;
    if (!first) rc |= kc_buf_puts(joined, ",") | kc_buf_puts(shown, ", ");
    rc |= kc_buf_append(joined, b, len) | kc_buf_append(shown, b, len);
    first = false;
    if (!comma) break;
    p = comma + 1;
  }
  rc |= kc_buf_puts(shown, "]") | kc_buf_append(joined, "", 0);
  return rc ? KC_ENOMEM : 0;
}

static bool valid_value(const kc_config_def_t *def, const char *v) {
  for (const char *const *p = def->valid_values; *p; p++)
    if (strcasecmp(*p, v) == 0) return true;
  return false;
}

static void join_valid_values(const kc_config_def_t *def, char *out, size_t n) {
  size_t len = 0;
  out[0] = '\0';
  for (const char *const *p = def->valid_values; *p && len < n; p++)
    len += (size_t)snprintf(out + len, n - len, "%s%s", p == def->valid_values ? "" : ", ", *p);
}

/*
 * Parses and validates @p raw (NULL = unset) for @p def into @p c.
 * all_errors: also report what Connect's validators say about the null left
 * behind by a missing or unparsable value (ConfigDef.validateAll does).
 */
static int check_value(const kc_config_def_t *def, const char *raw, bool all_errors, checked_t *c) {
  kc_buf_t trimmed, shown;
  kc_buf_init(&trimmed, 0);
  kc_buf_init(&shown, 0);
  kc_buf_init(&c->text, 0);
  c->errs.n = 0;
  c->is_null = false;
  int rc = 0;
  bool parsed = true;
  int64_t num = 0;
  if (!raw) {
    if (def->flags & KC_CFG_REQUIRED) {
      add_err(&c->errs, "Missing required configuration \"%s\" which has no default value.",
              def->name);
      parsed = false;
    } else if (!def->default_value) {
      c->is_null = true;
      goto done; /* null default: nothing to check */
    } else {
      raw = def->default_value;
    }
  }
  if (parsed && (rc = trim_into(raw, &trimmed)) != 0) goto done;
  const char *t = trimmed.data;
  if (parsed) switch (def->type) {
    case KC_CFG_INT:
    case KC_CFG_LONG: {
      const kc_configdef_meta_t *meta = kc_configdef_builtin_meta(def);
      bool is_short = meta && meta->type_name && strcmp(meta->type_name, "SHORT") == 0;
      int64_t lo = is_short ? INT16_MIN : def->type == KC_CFG_INT ? INT32_MIN : INT64_MIN;
      int64_t hi = is_short ? INT16_MAX : def->type == KC_CFG_INT ? INT32_MAX : INT64_MAX;
      if (!parse_integer(t, lo, hi, &num)) {
        add_err(&c->errs, "Invalid value %s for configuration %s: Not a number of type %s", raw,
                def->name, is_short ? "SHORT" : type_names[def->type]);
        parsed = false;
      } else {
        rc = kc_buf_printf(&c->text, "%lld", (long long)num);
      }
      break;
    }
    case KC_CFG_DOUBLE: {
      char *end;
      double d = *t ? strtod(t, &end) : 0;
      if (!*t || *end || !isfinite(d) || strpbrk(t, "xXnN")) {
        add_err(&c->errs, "Invalid value %s for configuration %s: Not a number of type DOUBLE", raw,
                def->name);
        parsed = false;
      } else {
        char buf[64];
        java_double(d, buf, sizeof buf);
        rc = kc_buf_puts(&c->text, buf);
      }
      break;
    }
    case KC_CFG_BOOLEAN:
      if (strcasecmp(t, "true") == 0 || strcasecmp(t, "false") == 0) {
        rc = kc_buf_puts(&c->text, strcasecmp(t, "true") == 0 ? "true" : "false");
      } else {
        add_err(&c->errs,
                "Invalid value %s for configuration %s: Expected value to be either true or false",
                raw, def->name);
        parsed = false;
      }
      break;
    case KC_CFG_LIST:
      rc = render_list(t, &c->text, &shown);
      break;
    default: /* STRING, CLASS, PASSWORD */
      rc = kc_buf_puts(&c->text, t);
      break;
  }
  if (rc) goto done;
  if (!parsed) {
    c->is_null = true;
    if (all_errors && def->min < def->max)
      add_err(&c->errs, "Invalid value null for configuration %s: Value must be non-null",
              def->name);
    if (all_errors && def->valid_values) {
      char vv[512];
      join_valid_values(def, vv, sizeof vv);
      add_err(&c->errs, "Invalid value null for configuration %s: String must be one of: %s",
              def->name, vv);
    }
    goto done;
  }
  /* The value as Java's ConfigException prints it. */
  const char *v = def->type == KC_CFG_PASSWORD ? "[hidden]"
                  : def->type == KC_CFG_LIST   ? shown.data
                                               : c->text.data;
  char why[ERR_LEN] = "";
  bool own = false;
  if ((def->flags & KC_CFG_NONEMPTY) && !*t) {
    snprintf(why, sizeof why, "String must be non-empty");
  } else if (def->valid_values && !valid_value(def, t)) {
    char vv[512];
    join_valid_values(def, vv, sizeof vv);
    snprintf(why, sizeof why, "String must be one of: %s", vv);
  } else if ((def->type == KC_CFG_INT || def->type == KC_CFG_LONG) && def->min < def->max &&
             (num < def->min || num > def->max)) {
    snprintf(why, sizeof why, "Value must be %s %lld", num < def->min ? "at least" : "no more than",
             (long long)(num < def->min ? def->min : def->max));
  } else if (def->validate && def->validate(def->name, t, why, sizeof why) != 0) {
    if (!why[0]) snprintf(why, sizeof why, "invalid value");
    own = (def->flags & KC_CFG_OWN_MESSAGE) != 0;
  }
  if (why[0] && own) add_err(&c->errs, "%s", why);
  else if (why[0]) add_err(&c->errs, "Invalid value %s for configuration %s: %s", v, def->name, why);
  if (def->type == KC_CFG_PASSWORD) {
    kc_buf_reset(&c->text);
    rc = kc_buf_puts(&c->text, "[hidden]");
  }
done:
  kc_buf_free(&trimmed);
  kc_buf_free(&shown);
  if (rc) kc_buf_free(&c->text);
  return rc ? KC_ENOMEM : 0;
}

int kc_configdef_check(const kc_config_def_t *def, const char *value, char *errstr,
                       size_t errstr_size) {
  checked_t c;
  int rc = check_value(def, value, false, &c);
  kc_buf_free(&c.text);
  if (rc) {
    snprintf(errstr, errstr_size, "%s: out of memory", def->name);
    return rc;
  }
  if (c.errs.n == 0) return 0;
  snprintf(errstr, errstr_size, "%s", c.errs.msg[0]);
  return KC_EINVAL;
}

/* ---- merged view of several tables ---- */

typedef struct {
  const kc_config_def_t **defs;
  size_t n;
} merged_t;

/*
 * Every key once, owned by the first table defining it. builtin_first puts
 * the built-in tables' keys before the plugin-only ones (ConfigInfos order).
 */
static int merge_tables(const kc_config_def_t *const *tables, bool builtin_first, merged_t *m) {
  size_t total = 0;
  for (size_t t = 0; tables[t]; t++)
    for (const kc_config_def_t *d = tables[t]; d->name; d++) total++;
  m->n = 0;
  m->defs = calloc(total ? total : 1, sizeof *m->defs);
  if (!m->defs) return KC_ENOMEM;
  for (int pass = 0; pass < (builtin_first ? 2 : 1); pass++)
    for (size_t t = 0; tables[t]; t++) {
      if (builtin_first && kc_configdef_is_builtin(tables[t]) != (pass == 0)) continue;
      for (const kc_config_def_t *d = tables[t]; d->name; d++) {
        bool seen = false;
        for (size_t i = 0; i < m->n && !seen; i++) seen = strcmp(m->defs[i]->name, d->name) == 0;
        if (seen) continue;
        /* the owner is the first table (in the caller's order) defining the key */
        const kc_config_def_t *owner = d;
        for (size_t u = 0; u < t; u++) {
          const kc_config_def_t *o = kc_configdef_find(tables[u], d->name);
          if (o) {
            owner = o;
            break;
          }
        }
        m->defs[m->n++] = owner;
      }
    }
  return 0;
}

int kc_configdef_validate(const kc_config_def_t *const *tables, const kc_config_t *cfg,
                          char *errstr, size_t errstr_size) {
  merged_t m;
  if (merge_tables(tables, true, &m)) {
    snprintf(errstr, errstr_size, "out of memory");
    return KC_ENOMEM;
  }
  int rc = 0;
  for (size_t i = 0; i < m.n && rc == 0; i++)
    rc = kc_configdef_check(m.defs[i], kc_config_get(cfg, m.defs[i]->name), errstr, errstr_size);
  free(m.defs);
  return rc;
}

int kc_configdef_apply_defaults(const kc_config_def_t *defs, kc_config_t *cfg) {
  for (; defs && defs->name; defs++)
    if (defs->default_value && !(defs->flags & KC_CFG_REQUIRED) && !kc_config_get(cfg, defs->name))
      if (kc_config_set(cfg, defs->name, defs->default_value)) return KC_ENOMEM;
  return 0;
}

/* ---- sink topic rules (SinkConnectorConfig.validate) ---- */

static bool is_blank_str(const char *s) {
  if (!s) return true;
  while (*s && (unsigned char)*s <= ' ') s++;
  return !*s;
}

typedef struct {
  const char *key[MAX_ERRS];
  errlist_t errs;
} keyed_errs_t;

static void add_keyed(keyed_errs_t *k, const char *key, const char *msg) {
  if (k->errs.n >= MAX_ERRS) return;
  k->key[k->errs.n] = key;
  add_err(&k->errs, "%s", msg);
}

/* regex_error: report an invalid topics.regex here (validate_json gets it from the key's validator). */
static void sink_topic_errors(const kc_config_t *cfg, bool regex_error, keyed_errs_t *out) {
  const char *topics = kc_config_get(cfg, "topics");
  const char *regex = kc_config_get(cfg, "topics.regex");
  const char *dlq_raw = kc_config_get(cfg, "errors.deadletterqueue.topic.name");
  bool has_topics = !is_blank_str(topics), has_regex = !is_blank_str(regex);
  char msg[ERR_LEN];
  out->errs.n = 0;
  if (has_topics && has_regex) {
    const char *m = "topics and topics.regex are mutually exclusive options, but both are set.";
    add_keyed(out, "topics", m);
    add_keyed(out, "topics.regex", m);
  }
  if (!has_topics && !has_regex) {
    const char *m = "Must configure one of topics or topics.regex";
    add_keyed(out, "topics", m);
    add_keyed(out, "topics.regex", m);
  }
  if (has_regex) {
    const kc_config_def_t *d = kc_configdef_find(kc_connector_sink_defs, "topics.regex");
    if (kc_configdef_check(d, regex, msg, sizeof msg) != 0) {
      if (regex_error) add_keyed(out, "topics.regex", msg);
      has_regex = false; /* cannot test the DLQ topic against it */
    }
  }
  if (is_blank_str(dlq_raw)) return;
  char dlq[512];
  const char *b = dlq_raw;
  while ((unsigned char)*b <= ' ') b++;
  size_t dl = strlen(b);
  while (dl && (unsigned char)b[dl - 1] <= ' ') dl--;
  snprintf(dlq, sizeof dlq, "%.*s", (int)dl, b);
  if (has_topics) {
    /* parseTopicsList: non-empty, distinct, printed as a Java List */
    char **items = NULL;
    int n = kc_config_get_list(cfg, "topics", &items);
    bool listed = false;
    kc_buf_t shown;
    kc_buf_init(&shown, 0);
    kc_buf_puts(&shown, "[");
    for (int i = 0; i < n; i++) {
      bool dup = false;
      for (int j = 0; j < i && !dup; j++) dup = strcmp(items[i], items[j]) == 0;
      if (dup) continue;
      if (shown.len > 1) kc_buf_puts(&shown, ", ");
      kc_buf_puts(&shown, items[i]);
      listed |= strcmp(items[i], dlq) == 0;
    }
    kc_buf_puts(&shown, "]");
    if (listed) {
      snprintf(msg, sizeof msg,
               "The DLQ topic '%s' may not be included in the list of topics ('topics=%s') "
               "consumed by the connector",
               dlq, shown.data ? shown.data : "[]");
      add_keyed(out, "topics", msg);
    }
    kc_buf_free(&shown);
    kc_config_list_free(items);
  }
  if (has_regex) {
    char why[512];
    kc_jregex_t *re = kc_jregex_compile(regex, why, sizeof why);
    if (re) {
      /* Pattern.matcher(dlq).matches(): the whole name */
      if (kc_jregex_matches(re, dlq, strlen(dlq))) {
        snprintf(msg, sizeof msg,
                 "The DLQ topic '%s' may not be matched by the regex for the topics "
                 "('topics.regex=%s') consumed by the connector",
                 dlq, regex);
        add_keyed(out, "topics.regex", msg);
      }
      kc_jregex_free(re);
    }
  }
}

int kc_configdef_check_sink_topics(const kc_config_t *cfg, char *errstr, size_t errstr_size) {
  keyed_errs_t k;
  sink_topic_errors(cfg, true, &k);
  if (k.errs.n == 0) return 0;
  snprintf(errstr, errstr_size, "%s", k.errs.msg[0]);
  return KC_EINVAL;
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* ConfigKeyInfo. order_in_group: what to report when the def has no metadata. */
static json_t *key_info(const kc_config_def_t *d, int order_in_group) {
  const kc_configdef_meta_t *meta = kc_configdef_builtin_meta(d);
  bool required = (d->flags & KC_CFG_REQUIRED) != 0;
  json_t *deflt;
  if (required || !d->default_value) {
    deflt = json_null();
  } else {
    checked_t c;
    /* convertToString of the parsed default: LIST "a, b" -> "a,b" */
    kc_config_def_t plain = *d;
    plain.validate = NULL;
    plain.valid_values = NULL;
    plain.min = plain.max = 0;
    if (check_value(&plain, NULL, false, &c) == 0 && !c.is_null)
      deflt = json_string(d->type == KC_CFG_PASSWORD ? "[hidden]" : c.text.data);
    else
      deflt = json_string(d->default_value);
    kc_buf_free(&c.text);
  }
  return json_pack("{s:s, s:s, s:b, s:o, s:s, s:s?, s:o, s:i, s:s, s:s, s:[]}", "name", d->name,
                   "type", meta && meta->type_name ? meta->type_name : type_names[d->type],
                   "required", required, "default_value", deflt, "importance",
                   d->importance == KC_CFG_HIGH     ? "HIGH"
                   : d->importance == KC_CFG_MEDIUM ? "MEDIUM"
                                                    : "LOW",
                   "documentation", d->doc, "group", str_or_null(d->group), "order_in_group",
                   meta ? meta->order : order_in_group, "width", meta ? meta->width : "NONE",
                   "display_name", meta ? meta->display_name : d->name, "dependents");
}

/* A plugin key's orderInGroup: its 1-based position among its table's keys of the same group. */
static int plugin_order(const kc_config_def_t *const *tables, const kc_config_def_t *d) {
  if (!d->group) return -1;
  for (size_t t = 0; tables[t]; t++) {
    int order = 0;
    for (const kc_config_def_t *e = tables[t]; e->name; e++) {
      if (e->group && strcmp(e->group, d->group) == 0) order++;
      if (e == d) return order;
    }
  }
  return -1;
}

json_t *kc_configdef_describe_json(const kc_config_def_t *const *tables) {
  merged_t m;
  if (merge_tables(tables, false, &m)) return NULL;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < m.n; i++)
    if (json_array_append_new(arr, key_info(m.defs[i], plugin_order(tables, m.defs[i])))) {
      json_decref(arr);
      arr = NULL;
    }
  free(m.defs);
  return arr;
}

static json_t *value_info(const char *name, json_t *value, const errlist_t *errs) {
  json_t *e = json_array();
  for (int i = 0; e && i < errs->n; i++) json_array_append_new(e, json_string(errs->msg[i]));
  return json_pack("{s:s, s:o, s:[], s:o, s:b}", "name", name, "value", value,
                   "recommended_values", "errors", e, "visible", 1);
}

/* Splits a plugin validate() message "key: reason" when key is a config key. */
static bool split_key_message(const char *msg, const kc_config_t *cfg, const merged_t *m,
                              char *key, size_t key_size) {
  const char *colon = strstr(msg, ": ");
  if (!colon || (size_t)(colon - msg) >= key_size) return false;
  snprintf(key, key_size, "%.*s", (int)(colon - msg), msg);
  if (kc_config_get(cfg, key)) return true;
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->defs[i]->name, key) == 0) return true;
  return false;
}

json_t *kc_configdef_validate_json(const char *plugin_class, const kc_config_def_t *const *tables,
                                   const kc_config_t *cfg, const char *extra_error_key,
                                   const char *extra_error_msg) {
  merged_t m;
  if (merge_tables(tables, true, &m)) return NULL;
  bool sink = false;
  for (size_t t = 0; tables[t]; t++) sink |= tables[t] == kc_connector_sink_defs;
  keyed_errs_t sink_errs = {.errs.n = 0};
  if (sink) sink_topic_errors(cfg, false, &sink_errs);

  char split_key[256];
  const char *extra_key = extra_error_key;
  const char *extra_msg = extra_error_msg;
  if (extra_msg && !extra_key) {
    if (split_key_message(extra_msg, cfg, &m, split_key, sizeof split_key)) {
      extra_key = split_key;
      extra_msg = extra_msg + strlen(split_key) + 2;
    } else {
      extra_key = "connector.class";
    }
  }

  json_t *configs = json_array(), *groups = json_array();
  json_t *root = NULL;
  int error_count = 0;
  if (!configs || !groups) goto fail;

  /* Connect lists the entries without a definition first. */
  bool extra_defined = false;
  for (size_t i = 0; extra_key && i < m.n; i++)
    extra_defined |= strcmp(m.defs[i]->name, extra_key) == 0;
  if (extra_msg && !extra_defined) {
    errlist_t e = {.n = 0};
    add_err(&e, "%s", extra_msg);
    json_t *vi = value_info(extra_key, str_or_null(kc_config_get(cfg, extra_key)), &e);
    if (json_array_append_new(configs, json_pack("{s:n, s:o}", "definition", "value", vi)))
      goto fail;
    error_count++;
  }

  for (size_t i = 0; i < m.n; i++) {
    const kc_config_def_t *d = m.defs[i];
    checked_t c;
    if (check_value(d, kc_config_get(cfg, d->name), true, &c)) goto fail;
    for (int k = 0; k < sink_errs.errs.n; k++)
      if (strcmp(sink_errs.key[k], d->name) == 0) add_err(&c.errs, "%s", sink_errs.errs.msg[k]);
    if (extra_msg && extra_defined && strcmp(extra_key, d->name) == 0) {
      /* the key's own validator may have said it already (an invalid topics.regex): once */
      bool dup = false;
      for (int k = 0; k < c.errs.n && !dup; k++) dup = strcmp(c.errs.msg[k], extra_msg) == 0;
      if (!dup) add_err(&c.errs, "%s", extra_msg);
    }
    error_count += c.errs.n;
    json_t *vi = value_info(d->name, c.is_null ? json_null() : json_string(c.text.data), &c.errs);
    kc_buf_free(&c.text);
    json_t *entry = json_pack("{s:o, s:o}", "definition", key_info(d, plugin_order(tables, d)),
                              "value", vi);
    if (json_array_append_new(configs, entry)) goto fail;
  }

  /* Groups in definition order: the built-in ConfigDef's, then the plugin's. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t t = 0; tables[t]; t++) {
      if (kc_configdef_is_builtin(tables[t]) != (pass == 0)) continue;
      for (const kc_config_def_t *d = tables[t]; d->name; d++) {
        if (!d->group) continue;
        bool seen = false;
        for (size_t g = 0; g < json_array_size(groups) && !seen; g++)
          seen = strcmp(json_string_value(json_array_get(groups, g)), d->group) == 0;
        if (!seen && json_array_append_new(groups, json_string(d->group))) goto fail;
      }
    }

  root = json_pack("{s:s?, s:i, s:O, s:O}", "name", plugin_class, "error_count", error_count,
                   "groups", groups, "configs", configs);
fail:
  json_decref(configs);
  json_decref(groups);
  free(m.defs);
  return root;
}

json_t *kc_configdef_entry_json(const kc_config_def_t *def, const char *raw, int order,
                                int *error_count) {
  checked_t c;
  if (check_value(def, raw, true, &c)) return NULL;
  if (error_count) *error_count += c.errs.n;
  json_t *vi = value_info(def->name, c.is_null ? json_null() : json_string(c.text.data), &c.errs);
  kc_buf_free(&c.text);
  return json_pack("{s:o, s:o}", "definition", key_info(def, order), "value", vi);
}

int kc_configdef_errors_message(const json_t *config_infos, kc_buf_t *out) {
  json_t *count = json_object_get(config_infos, "error_count");
  int n = (int)json_integer_value(count);
  if (n <= 0) return 0;
  int rc = kc_buf_printf(out,
                         "Connector configuration is invalid and contains the following %d "
                         "error(s):",
                         n);
  json_t *configs = json_object_get(config_infos, "configs");
  size_t i;
  json_t *entry;
  json_array_foreach(configs, i, entry) {
    json_t *errs = json_object_get(json_object_get(entry, "value"), "errors");
    size_t j;
    json_t *msg;
    json_array_foreach(errs, j, msg) rc |= kc_buf_printf(out, "\n%s", json_string_value(msg));
  }
  rc |= kc_buf_puts(out,
                    "\nYou can also find the above list of errors at the endpoint "
                    "`/connector-plugins/{connectorType}/config/validate`");
  return rc ? KC_ENOMEM : n;
}
