/*
 * TransformationChain: the connector's `transforms` list, each stage with its optional
 * predicate and `negate` (TransformationStage.apply: the transform runs when there is no
 * predicate or predicate.test(record) != negate). Built from a connector config when a task
 * starts.
 */
#ifndef KC_TRANSFORM_CHAIN_H
#define KC_TRANSFORM_CHAIN_H

#include "transform/transform.h"

typedef struct kc_xf_chain_s kc_xf_chain_t;

/** Which stage failed, for the error reporters (ProcessingContext.stage/executingClass). */
typedef struct kc_xf_failure_s {
  const char *class_name; /**< the failing transform's or predicate's FQCN (static) */
  const char *alias;      /**< its alias in the connector config (owned by the chain) */
  kc_xf_error_t error;
} kc_xf_failure_t;

/** Empties @p f without touching its message buffer (cheap enough for every record). */
static inline void kc_xf_failure_init(kc_xf_failure_t *f) {
  f->class_name = f->alias = NULL;
  f->error.exception = NULL;
  f->error.message[0] = '\0';
}

/**
 * Builds the chain of @p conn_cfg (a connector config: transforms, transforms.<a>.type,
 * .predicate, .negate, predicates, predicates.<p>.type and each class's keys). An empty or
 * absent `transforms` gives *out = NULL (no chain: the runners skip it at no cost).
 * @returns 0, KC_EINVAL (errstr: Connect's message naming the key, e.g. "Invalid value
 * Foo for configuration transforms.x.type: Class Foo could not be found."), KC_ENOMEM.
 */
int kc_xf_chain_create(const kc_config_t *conn_cfg, kc_xf_chain_t **out, char *errstr,
                       size_t errstr_size);
/** Number of stages. */
size_t kc_xf_chain_length(const kc_xf_chain_t *c);
/**
 * Runs every stage on @p rec, in order, stopping at a drop.
 * @returns KC_OK, KC_XF_DROP, KC_ECONVERT (@p fail filled), KC_ENOMEM.
 */
int kc_xf_chain_apply(kc_xf_chain_t *c, kc_xrecord_t *rec, kc_xf_failure_t *fail);
void kc_xf_chain_destroy(kc_xf_chain_t *c);

#endif
