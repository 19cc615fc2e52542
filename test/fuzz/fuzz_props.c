/*
 * Fuzz target: the .properties parser (java.util.Properties.load semantics).
 * Invariant: whatever parses can be written back as .properties (every special
 * character escaped) and re-parses to the same keys and values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/props.h"
#include "fuzz_util.h"

/* Properties.store's escaping: @p is_key also escapes blanks and separators anywhere. */
static void put_escaped(kc_buf_t *out, const char *s, bool is_key) {
  for (size_t i = 0; s[i]; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '\\': kc_buf_puts(out, "\\\\"); break;
      case '\t': kc_buf_puts(out, "\\t"); break;
      case '\n': kc_buf_puts(out, "\\n"); break;
      case '\r': kc_buf_puts(out, "\\r"); break;
      case '\f': kc_buf_puts(out, "\\f"); break;
      case '=': case ':': case '#': case '!':
        kc_buf_append(out, "\\", 1);
        kc_buf_append(out, &c, 1);
        break;
      case ' ':
        if (is_key || i == 0) kc_buf_append(out, "\\", 1);
        kc_buf_append(out, &c, 1);
        break;
      default:
        if (c < 0x20 || c == 0x7f) kc_buf_printf(out, "\\u%04X", c);
        else kc_buf_append(out, &c, 1);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  kc_config_t *cfg = kc_props_parse((const char *)data, size, err, sizeof(err));
  if (!cfg) {
    FUZZ_CHECK(err[0] != '\0', "a failed parse names its reason");
    return 0;
  }
  kc_buf_t text;
  kc_buf_init(&text, 0);
  size_t n = kc_config_count(cfg);
  for (size_t i = 0; i < n; i++) {
    const char *k, *v;
    FUZZ_CHECK(kc_config_at(cfg, i, &k, &v) == 0, "kc_config_at within count");
    put_escaped(&text, k, true);
    kc_buf_append(&text, "=", 1);
    put_escaped(&text, v, false);
    kc_buf_append(&text, "\n", 1);
  }
  kc_config_t *again = kc_props_parse(text.data ? text.data : "", text.len, err, sizeof(err));
  FUZZ_CHECK(again != NULL, "the re-written properties parse");
  FUZZ_CHECK(kc_config_count(again) == n, "the re-parse has as many keys");
  for (size_t i = 0; i < n; i++) {
    const char *k, *v;
    kc_config_at(cfg, i, &k, &v);
    const char *v2 = kc_config_get(again, k);
    FUZZ_CHECK(v2 && !strcmp(v, v2), "each key keeps its value through a round trip");
  }
  /* The prefix view used for consumer./producer. keys must not trip on any key. */
  kc_config_t *sub = kc_config_with_prefix(cfg, "a");
  kc_config_destroy(sub);
  kc_config_destroy(again);
  kc_config_destroy(cfg);
  kc_buf_free(&text);
  return 0;
}
