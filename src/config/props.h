/*
 * Java .properties parsing (java.util.Properties.load) into kc_config_t, and
 * the internal side of kc_config_t (the public accessors are in connector.h).
 */
#ifndef KC_CONFIG_PROPS_H
#define KC_CONFIG_PROPS_H

#include "kconnect/connector.h"

/**
 * Parses .properties text: '#'/'!' comments, '=' ':' or blank separators,
 * backslash escapes (\t \n \r \f \\ and others as themselves), line
 * continuations (a trailing odd number of '\'), \uXXXX (UTF-16, surrogate
 * pairs joined, emitted as UTF-8). A later duplicate key replaces the earlier.
 * @returns a new config (caller owns) or NULL with errstr "line N: reason".
 */
kc_config_t *kc_props_parse(const char *text, size_t len, char *errstr, size_t errstr_size);
/** Reads and parses a file (startup only: synchronous). errstr names the file. */
kc_config_t *kc_props_load_file(const char *path, char *errstr, size_t errstr_size);
/**
 * New config holding the keys of @p cfg that start with @p prefix, the prefix
 * stripped ("consumer.", "value.converter."). Caller owns. NULL on ENOMEM.
 */
kc_config_t *kc_config_with_prefix(const kc_config_t *cfg, const char *prefix);

#endif
