/*
 * topics.regex with java.util.regex semantics (issue 11): the matching rule
 * (kc_pattern_sub_select: Pattern.matcher(t).matches(), expected results taken from JDK 17),
 * Java's PatternSyntaxException text for common syntax errors (JDK 17's messages), the
 * Metadata v4-v8 response walk on hand-built bodies (truncated ones refused), bootstrap.servers
 * parsing, and kc_topic_lister against the real broker ($KAFKA_BOOTSTRAP, default
 * 127.0.0.1:9092): a closed port first in the list fails over to the broker, internal topics are
 * left out only when asked, and a list of closed ports ends the listing with an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "kafka/topic_lister.h"
#include "kafka/wire/metadata.h"
#include "kafka/wire/servers.h"
#include "kc_test.h"
#include "util/jregex.h"
#include "worker/pattern_sub.h"

static size_t select_of(const char *regex, const char **in, size_t n, const char **out) {
  char err[512];
  kc_jregex_t *re = kc_jregex_compile(regex, err, sizeof err);
  if (!CHECKF(re != NULL, "%s: %s", regex, err)) return 0;
  for (size_t i = 0; i < n; i++) out[i] = in[i];
  size_t m = kc_pattern_sub_select(re, out, n);
  kc_jregex_free(re);
  return m;
}

static void test_select_java_semantics(void) {
  const char *topics[] = {"a", "ab", "logs-1", "logs-12x", "logs-22", "t-LOGS-7", "t-logs-05"};
  const char *out[8];
  size_t n = sizeof topics / sizeof *topics;
  /* whole-name match: logs-12x is not taken although a search would find logs-12 in it */
  size_t m = select_of("logs-\\d+", topics, n, out);
  CHECK(m == 2 && !strcmp(out[0], "logs-1") && !strcmp(out[1], "logs-22"));
  m = select_of("t-(?i:logs)-(?!0)\\d+", topics, n, out);
  CHECK(m == 1 && !strcmp(out[0], "t-LOGS-7"));
  m = select_of("a.*+b", topics, n, out); /* possessive: .*+ leaves nothing for b */
  CHECK(m == 0);
  m = select_of("a.*?", topics, n, out); /* lazy, still a whole-name match */
  CHECK(m == 2 && !strcmp(out[0], "a") && !strcmp(out[1], "ab"));
  m = select_of("(?i)LOGS-\\d{2}", topics, n, out);
  CHECK(m == 1 && !strcmp(out[0], "logs-22"));
  m = select_of("logs", topics, n, out);
  CHECK(m == 0);
}

static void test_java_syntax_messages(void) {
  static const struct {
    const char *pattern, *want;
  } cases[] = {
      /* JDK 17 Pattern.compile(p).getMessage() */
      {"(ab", "Unclosed group near index 3\n(ab"},
      {"(unclosed", "Unclosed group near index 9\n(unclosed"},
      {"ab)", "Unmatched closing ')' near index 1\nab)\n ^"},
      {"a)b(", "Unmatched closing ')' near index 0\na)b(\n^"},
      {"*a", "Dangling meta character '*' near index 0\n*a\n^"},
      {"a**", "Dangling meta character '*' near index 2\na**\n  ^"},
      {"+", "Dangling meta character '+' near index 0\n+\n^"},
      {"[ab", "Unclosed character class near index 2\n[ab\n  ^"},
      {"[b-a]", "Illegal character range near index 3\n[b-a]\n   ^"},
      {"a\\", "Unexpected internal error near index 2\na\\"},
      {"a{2,1}", "Illegal repetition range near index 5\na{2,1}\n     ^"},
      {"(?z)", "Unknown inline modifier near index 2\n(?z)\n  ^"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char err[512] = "";
    kc_jregex_t *re = kc_jregex_compile(cases[i].pattern, err, sizeof err);
    CHECKF(re == NULL, "%s compiled", cases[i].pattern);
    kc_jregex_free(re);
    CHECK_STR(err, cases[i].want);
  }
  char small[12];
  CHECK(kc_jregex_compile("ab)", small, sizeof small) == NULL); /* cut, never overrun */
  CHECK(strlen(small) == sizeof small - 1);
}

/* ---- Metadata response bodies ---- */

typedef struct {
  char names[8][64];
  bool internal[8];
  int16_t err[8];
  int n;
} seen_t;

static void on_topic(void *arg, const char *name, size_t len, int16_t error, bool internal) {
  seen_t *s = arg;
  if (s->n >= 8) return;
  snprintf(s->names[s->n], sizeof s->names[0], "%.*s", (int)len, name);
  s->internal[s->n] = internal;
  s->err[s->n++] = error;
}

static void build_response(kc_buf_t *b, int16_t v) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, b);
  kc_wire_put_i32(&w, 0); /* throttle */
  kc_wire_put_array(&w, 1);
  kc_wire_put_i32(&w, 1);
  kc_wire_put_str(&w, "127.0.0.1");
  kc_wire_put_i32(&w, 9092);
  kc_wire_put_nstr(&w, NULL);
  kc_wire_put_nstr(&w, "cluster");
  kc_wire_put_i32(&w, 1);
  kc_wire_put_array(&w, 2);
  const char *names[2] = {"__consumer_offsets", "logs-1"};
  for (int t = 0; t < 2; t++) {
    kc_wire_put_i16(&w, (int16_t)(t ? 5 : 0));
    kc_wire_put_str(&w, names[t]);
    kc_wire_put_i8(&w, (int8_t)(t == 0));
    kc_wire_put_array(&w, 2);
    for (int p = 0; p < 2; p++) {
      kc_wire_put_i16(&w, 0);
      kc_wire_put_i32(&w, p);
      kc_wire_put_i32(&w, 1);
      if (v >= 7) kc_wire_put_i32(&w, 0);
      kc_wire_put_array(&w, 1);
      kc_wire_put_i32(&w, 1);
      kc_wire_put_array(&w, 1);
      kc_wire_put_i32(&w, 1);
      if (v >= 5) kc_wire_put_array(&w, 0);
    }
    if (v >= 8) kc_wire_put_i32(&w, -2147483648);
  }
  if (v >= 8) kc_wire_put_i32(&w, -2147483648);
  CHECK(w.err == 0);
}

static void test_metadata_parse(void) {
  for (int16_t v = 4; v <= 8; v++) {
    kc_buf_t b;
    kc_buf_init(&b, 0);
    build_response(&b, v);
    kc_wire_reader_t r;
    seen_t s = {.n = 0};
    kc_wire_reader_init(&r, b.data, b.len);
    CHECKF(kc_wire_metadata_parse_topics(&r, v, on_topic, &s), "v%d", v);
    CHECKF(kc_wire_remaining(&r) == 0, "v%d: %zu bytes left", v, kc_wire_remaining(&r));
    CHECK(s.n == 2 && !strcmp(s.names[0], "__consumer_offsets") && s.internal[0] && s.err[0] == 0);
    CHECK(!strcmp(s.names[1], "logs-1") && !s.internal[1] && s.err[1] == 5);
    /* truncated anywhere: refused, never read past the end */
    for (size_t cut = 0; cut < b.len; cut += 3) {
      seen_t t = {.n = 0};
      kc_wire_reader_init(&r, b.data, cut);
      CHECKF(!kc_wire_metadata_parse_topics(&r, v, on_topic, &t), "v%d cut at %zu", v, cut);
    }
    kc_buf_free(&b);
    kc_buf_init(&b, 0);
    CHECK(kc_wire_metadata_all_build(&b, v) == 0);
    CHECK(b.len == (size_t)(v >= 8 ? 7 : 5)); /* null array, three or one bool */
    kc_buf_free(&b);
  }
}

static void test_servers_parse(void) {
  kc_wire_server_t *s;
  int n;
  char err[256];
  CHECK(kc_wire_servers_parse(" a:1, [::1]:2 ,b:3", &s, &n, err, sizeof err) == 0);
  CHECK(n == 3 && !strcmp(s[0].host, "a") && s[0].port == 1 && !strcmp(s[1].host, "::1") &&
        s[1].port == 2 && s[2].port == 3);
  kc_wire_servers_free(s, n);
  CHECK(kc_wire_servers_parse("a:1,b", &s, &n, err, sizeof err) == KC_EINVAL && !s && n == 0);
  CHECK_STR(err, "bootstrap.servers: invalid address 'b' (host:port)");
  CHECK(kc_wire_servers_parse(" , ", &s, &n, err, sizeof err) == KC_EINVAL);
}

/* ---- the lister against the real broker ---- */

typedef struct {
  int calls, err;
  bool has_offsets_topic;
  size_t n;
  char reason[512];
} listing_t;

static void on_listed(void *arg, int err, const char *reason, char *const *topics, size_t n) {
  listing_t *l = arg;
  l->calls++;
  l->err = err;
  l->n = n;
  snprintf(l->reason, sizeof l->reason, "%s", reason ? reason : "");
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(topics[i], "__consumer_offsets")) l->has_offsets_topic = true;
    if (i) CHECKF(strcmp(topics[i - 1], topics[i]) < 0, "not sorted: %s %s", topics[i - 1], topics[i]);
  }
}

static int closed_port(void) {
  /* a port nobody listens on: bound, then closed */
  uv_loop_t l;
  uv_loop_init(&l);
  uv_tcp_t t;
  uv_tcp_init(&l, &t);
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_bind(&t, (const struct sockaddr *)&a, 0);
  struct sockaddr_storage got;
  int len = sizeof got;
  uv_tcp_getsockname(&t, (struct sockaddr *)&got, &len);
  int port = ntohs(((struct sockaddr_in *)&got)->sin_port);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&l, UV_RUN_DEFAULT);
  uv_loop_close(&l);
  return port;
}

static void run_listing(const char *servers, bool exclude, listing_t *out, int times) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  kc_topic_lister_config_t cfg = {servers, "kc-test-lister", 5000, exclude, NULL};
  char err[256];
  kc_topic_lister_t *l = kc_topic_lister_create(&loop, &cfg, on_listed, out, err, sizeof err);
  if (!CHECKF(l != NULL, "%s", err)) return;
  for (int i = 0; i < times; i++) {
    int before = out->calls;
    kc_topic_lister_list(l);
    kc_topic_lister_list(l); /* under way: ignored */
    CHECK(kc_topic_lister_busy(l));
    while (out->calls == before && uv_run(&loop, UV_RUN_ONCE)) {
    }
    CHECKF(out->calls == before + 1, "%d calls", out->calls);
  }
  kc_topic_lister_close(l, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_lister_real_broker(void) {
  const char *bs = getenv("KAFKA_BOOTSTRAP") ? getenv("KAFKA_BOOTSTRAP") : "127.0.0.1:9092";
  char servers[512];
  snprintf(servers, sizeof servers, "127.0.0.1:%d,%s", closed_port(), bs);
  listing_t all = {0}, plain = {0}, none = {0};
  run_listing(servers, false, &all, 2); /* the second listing reuses the connection */
  CHECKF(all.err == 0 && all.n > 0, "err %d: %s", all.err, all.reason);
  run_listing(servers, true, &plain, 1);
  CHECKF(plain.err == 0, "err %d: %s", plain.err, plain.reason);
  CHECK(!plain.has_offsets_topic);
  /* __consumer_offsets exists once any group committed; the e2e tests made sure of it */
  if (all.has_offsets_topic) CHECK(plain.n < all.n);
  snprintf(servers, sizeof servers, "127.0.0.1:%d,127.0.0.1:%d", closed_port(), closed_port());
  run_listing(servers, true, &none, 1);
  CHECKF(none.err == KC_EIO && strstr(none.reason, "refused"), "err %d: %s", none.err, none.reason);
}

int main(void) {
  kc_test_run("select_java_semantics", test_select_java_semantics);
  kc_test_run("java_syntax_messages", test_java_syntax_messages);
  kc_test_run("metadata_parse", test_metadata_parse);
  kc_test_run("servers_parse", test_servers_parse);
  kc_test_run("lister_real_broker", test_lister_real_broker);
  return kc_test_done();
}
