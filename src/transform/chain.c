/*
 * TransformationChain and TransformationStage (connect-runtime TransformationChain.java,
 * TransformationStage.java, ConnectorConfig.transformationStages): built once per task from the
 * connector config, applied to every record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "transform/chain.h"
#include "transform/xf_config.h"

typedef struct {
  const kc_transform_plugin_t *plugin;
  void *state;
} instance_t;

typedef struct {
  char *alias;
  instance_t xf;
  instance_t pred;  /* plugin NULL: no predicate */
  char *pred_alias;
  bool negate;
} stage_t;

struct kc_xf_chain_s {
  stage_t *stages;
  size_t n;
};

static void instance_free(instance_t *in) {
  if (in->plugin && in->plugin->destroy) in->plugin->destroy(in->state);
  in->plugin = NULL;
  in->state = NULL;
}

void kc_xf_chain_destroy(kc_xf_chain_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) {
    instance_free(&c->stages[i].xf);
    instance_free(&c->stages[i].pred);
    free(c->stages[i].alias);
    free(c->stages[i].pred_alias);
  }
  free(c->stages);
  free(c);
}

/* ConnectorConfig.getClass(prefix + "type") + Utils.newInstance + configure(originalsWithPrefix). */
static int instantiate(const kc_config_t *conn_cfg, const char *prefix, kc_xf_kind_t kind,
                       instance_t *out, char *errstr, size_t n) {
  const kc_transform_plugin_t *p = NULL;
  kc_config_t *sub = NULL;
  int rc = kc_xf_config_resolve(conn_cfg, prefix, kind, &p, &sub, errstr, n);
  if (rc) return rc;
  void *state = NULL;
  char err[1024] = "";
  rc = p->create ? p->create(sub, p->variant, &state, err, sizeof err) : 0;
  kc_config_destroy(sub);
  if (rc) {
    snprintf(errstr, n, "%s", *err ? err : kc_strerror(rc));
    return rc == KC_ENOMEM ? KC_ENOMEM : KC_EINVAL;
  }
  out->plugin = p;
  out->state = state;
  return 0;
}

int kc_xf_chain_create(const kc_config_t *conn_cfg, kc_xf_chain_t **out, char *errstr,
                       size_t errstr_size) {
  *out = NULL;
  char **aliases = NULL;
  int na = kc_config_get_list(conn_cfg, "transforms", &aliases);
  if (na == KC_ENOENT || na == 0) {
    kc_config_list_free(aliases);
    return 0;
  }
  if (na < 0) return na;
  kc_xf_chain_t *c = calloc(1, sizeof *c);
  if (!c || !(c->stages = calloc((size_t)na, sizeof *c->stages))) {
    free(c);
    kc_config_list_free(aliases);
    return KC_ENOMEM;
  }
  int rc = 0;
  for (int i = 0; i < na && !rc; i++) {
    /* LinkedHashSet: a repeated alias is one stage (the validator refuses repeats anyway). */
    bool dup = false;
    for (size_t j = 0; j < c->n && !dup; j++) dup = !strcmp(c->stages[j].alias, aliases[i]);
    if (dup) continue;
    stage_t *st = &c->stages[c->n++];
    if (!(st->alias = strdup(aliases[i]))) {
      rc = KC_ENOMEM;
      break;
    }
    char prefix[512], key[600];
    snprintf(prefix, sizeof prefix, "transforms.%s.", aliases[i]);
    rc = instantiate(conn_cfg, prefix, KC_XF_TRANSFORM, &st->xf, errstr, errstr_size);
    if (rc) break;
    snprintf(key, sizeof key, "%spredicate", prefix);
    const char *pa = kc_config_get(conn_cfg, key);
    snprintf(key, sizeof key, "%snegate", prefix);
    const char *neg = kc_config_get(conn_cfg, key);
    if (neg && !pa) {
      snprintf(errstr, errstr_size,
               "Config '%snegate' was provided but there is no config '%spredicate' defining a "
               "predicate to be negated.",
               prefix, prefix);
      rc = KC_EINVAL;
      break;
    }
    if (!pa) continue;
    /* Boolean.parseBoolean: anything but "true" (any case) is false. */
    st->negate = neg && !strcasecmp(neg, "true");
    if (!(st->pred_alias = strdup(pa))) {
      rc = KC_ENOMEM;
      break;
    }
    snprintf(prefix, sizeof prefix, "predicates.%s.", pa);
    snprintf(key, sizeof key, "%stype", prefix);
    if (!kc_config_get(conn_cfg, key)) {
      /* AbstractConfig.getClass of a key the enriched ConfigDef does not define */
      snprintf(errstr, errstr_size, "Unknown configuration '%s'", key);
      rc = KC_EINVAL;
      break;
    }
    rc = instantiate(conn_cfg, prefix, KC_XF_PREDICATE, &st->pred, errstr, errstr_size);
  }
  kc_config_list_free(aliases);
  if (rc) {
    kc_xf_chain_destroy(c);
    return rc;
  }
  *out = c;
  return 0;
}

size_t kc_xf_chain_length(const kc_xf_chain_t *c) { return c ? c->n : 0; }

int kc_xf_chain_apply(kc_xf_chain_t *c, kc_xrecord_t *rec, kc_xf_failure_t *fail) {
  for (size_t i = 0; i < c->n; i++) {
    stage_t *st = &c->stages[i];
    kc_xf_error_t *err = &fail->error;
    if (st->pred.plugin) {
      int t = st->pred.plugin->test(st->pred.state, rec, err);
      if (t < 0) {
        fail->class_name = st->pred.plugin->class_name;
        fail->alias = st->pred_alias;
        if (t != KC_ECONVERT) kc_xf_fail(err, KC_XF_CONNECT_EXCEPTION, "%s", kc_strerror(t));
        return t == KC_ENOMEM ? KC_ENOMEM : KC_ECONVERT;
      }
      /* TransformationStage.apply: negate ^ predicate.test(record) */
      if ((t != 0) == st->negate) continue;
    }
    int rc = st->xf.plugin->apply(st->xf.state, rec, err);
    if (rc == KC_XF_DROP) return KC_XF_DROP;
    if (rc) {
      fail->class_name = st->xf.plugin->class_name;
      fail->alias = st->alias;
      if (rc != KC_ECONVERT) kc_xf_fail(err, KC_XF_CONNECT_EXCEPTION, "%s", kc_strerror(rc));
      return rc == KC_ENOMEM ? KC_ENOMEM : KC_ECONVERT;
    }
  }
  return KC_OK;
}
