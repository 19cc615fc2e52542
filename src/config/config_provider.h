/*
 * Config providers (KIP-297, KIP-421, KIP-887): `config.providers=a,b`,
 * `config.providers.<a>.class=...`, `config.providers.<a>.param.<k>=...` in the worker config,
 * and `${provider:[path:]key}` variables in worker and connector configs, replaced as Kafka's
 * ConfigTransformer replaces them. The classes of kafka-clients: FileConfigProvider and
 * DirectoryConfigProvider (param `allowed.paths`), EnvVarConfigProvider (param
 * `allowlist.pattern`, a java.util.regex full match); by FQCN or simple name.
 *
 * kc_config_providers_resolve() reads files: call it at start-up or off the loop (uv_queue_work).
 */
#ifndef KC_CONFIG_CONFIG_PROVIDER_H
#define KC_CONFIG_CONFIG_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "kconnect/connector.h"

typedef struct kc_config_providers_s kc_config_providers_t;

/**
 * Instantiates the providers @p worker_props names (AbstractConfig.instantiateConfigProviders).
 * *@p out is NULL when `config.providers` is unset or empty. Errors (KC_EINVAL, @p err filled):
 * a provider without a class, an unknown class, an `allowed.paths` entry that is not absolute or
 * does not exist ("Path x is not absolute"), an `allowlist.pattern` that does not compile.
 * The environment is read once, here (as EnvVarConfigProvider's constructor does).
 * @returns 0, KC_EINVAL, KC_ENOMEM.
 */
int kc_config_providers_create(const kc_config_t *worker_props, kc_config_providers_t **out, char *err, size_t n);
void kc_config_providers_destroy(kc_config_providers_t *p);

/** Whether any value of @p cfg holds a `${provider:[path:]key}` reference (ConfigTransformer's
 * DEFAULT_PATTERN), resolvable or not. */
bool kc_config_has_variables(const kc_config_t *cfg);

/**
 * ConfigTransformer.transform(@p in): a new config (caller owns) in @p out with every variable of
 * a configured provider replaced by its value; variables of unknown providers and keys the
 * provider lacks stay as written. A path outside `allowed.paths` gives no value (Java logs a
 * warning and so does this). @p p may be NULL (a plain copy).
 * Errors (KC_EINVAL, Java's ConfigException text in @p err): "Could not read properties from
 * file F", "Could not list directory D", "Could not read file F for property K", "Path is not
 * supported for EnvVarConfigProvider, invalid value 'P'". Never puts a resolved value in @p err.
 * Blocking file reads. @returns 0, KC_EINVAL, KC_ENOMEM.
 */
int kc_config_providers_resolve(const kc_config_providers_t *p, const kc_config_t *in, kc_config_t **out, char *err,
                                size_t n);

#endif
