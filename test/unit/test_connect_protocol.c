/*
 * Connect group sub-protocol codec (src/worker/connect_protocol.c): round trips, malformed input,
 * and byte vectors made by connect-runtime 3.9.1's own serializers. The *_HEX vectors and the
 * backoff table were printed once by `java AssignorHarness vectors` (test/java/AssignorHarness.java,
 * see test/e2e/test_assignor_java.py for how it is compiled against the Maven Central jars); the
 * C side below builds the same inputs as that method does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_test.h"
#include "worker/connect_protocol.h"

static const char METADATA_V0_HEX[] =
    "0000000f687474703a2f2f77313a383038332f000000000000002a";
static const char METADATA_V1_NULL_HEX[] =
    "0001000f687474703a2f2f77313a383038332f0000000000000007ffffffff";
static const char METADATA_V2_ALLOC_HEX[] =
    "0002000f687474703a2f2f77323a383038332fffffffffffffffff000000ab0002000000086c65616465722d"
    "31000e687474703a2f2f6c3a383038332f000000000000000900000005000673696e6b2d6200000003ffffff"
    "ff000000000000000200047a65746100000001ffffffff00057372632d6100000002ffffffff000000010004"
    "f09f988000000001ffffffff0005636166c3a900000002ffffffff000000000000000200036f6c6400000002"
    "ffffffff0000000300047a65746100000001ffffffff000004d2";
static const char ASSIGNMENT_V1_HEX[] =
    "0001000000086c65616465722d31000e687474703a2f2f6c3a383038332f0000000000000009000000050006"
    "73696e6b2d6200000003ffffffff000000000000000200047a65746100000001ffffffff00057372632d6100"
    "000002ffffffff000000010004f09f988000000001ffffffff0005636166c3a900000002ffffffff00000000"
    "0000000200036f6c6400000002ffffffff0000000300047a65746100000001ffffffff000004d2";
static const char ASSIGNMENT_V2_HEX[] =
    "0002000000086c65616465722d31000e687474703a2f2f6c3a383038332f0000000000000009000000050006"
    "73696e6b2d6200000003ffffffff000000000000000200047a65746100000001ffffffff00057372632d6100"
    "000002ffffffff000000010004f09f988000000001ffffffff0005636166c3a900000002ffffffff00000000"
    "0000000200036f6c6400000002ffffffff0000000300047a65746100000001ffffffff000004d2";
static const char ASSIGNMENT_V2_MISMATCH_HEX[] =
    "0002000100086c65616465722d31000e687474703a2f2f6c3a383038332f0000000000000005000000000000"
    "000000000000";
static const char ASSIGNMENT_V0_HEX[] =
    "0000000000086c65616465722d31000e687474703a2f2f6c3a383038332f000000000000000b000000050006"
    "73696e6b2d6200000003ffffffff000000000000000200047a65746100000001ffffffff00057372632d6100"
    "000002ffffffff000000010004f09f988000000001ffffffff0005636166c3a900000002ffffffff00000000";
static const char ASSIGNMENT_V0_40_HEX[] =
    "0000000000016c000175000000000000000100000028000c636f6e6e6563746f722d323100000001ffffffff"
    "000c636f6e6e6563746f722d323000000001ffffffff000c636f6e6e6563746f722d313600000001ffffffff"
    "000c636f6e6e6563746f722d333800000001ffffffff000c636f6e6e6563746f722d313500000001ffffffff"
    "000c636f6e6e6563746f722d333700000001ffffffff000c636f6e6e6563746f722d313800000001ffffffff"
    "000c636f6e6e6563746f722d313700000001ffffffff000c636f6e6e6563746f722d333900000001ffffffff"
    "000c636f6e6e6563746f722d313200000001ffffffff000c636f6e6e6563746f722d333400000001ffffffff"
    "000c636f6e6e6563746f722d313100000001ffffffff000c636f6e6e6563746f722d333300000001ffffffff"
    "000c636f6e6e6563746f722d313400000001ffffffff000c636f6e6e6563746f722d333600000001ffffffff"
    "000c636f6e6e6563746f722d313300000001ffffffff000c636f6e6e6563746f722d333500000001ffffffff"
    "000c636f6e6e6563746f722d313900000001ffffffff000c636f6e6e6563746f722d333000000001ffffffff"
    "000c636f6e6e6563746f722d313000000001ffffffff000c636f6e6e6563746f722d333200000001ffffffff"
    "000c636f6e6e6563746f722d333100000001ffffffff000c636f6e6e6563746f722d323700000001ffffffff"
    "000c636f6e6e6563746f722d323600000001ffffffff000c636f6e6e6563746f722d323900000001ffffffff"
    "000c636f6e6e6563746f722d323800000001ffffffff000c636f6e6e6563746f722d323300000001ffffffff"
    "000c636f6e6e6563746f722d323200000001ffffffff000b636f6e6e6563746f722d3800000001ffffffff00"
    "0c636f6e6e6563746f722d323500000001ffffffff000b636f6e6e6563746f722d3900000001ffffffff000c"
    "636f6e6e6563746f722d323400000001ffffffff000b636f6e6e6563746f722d3600000001ffffffff000b63"
    "6f6e6e6563746f722d3700000001ffffffff000b636f6e6e6563746f722d3400000001ffffffff000b636f6e"
    "6e6563746f722d3500000001ffffffff000b636f6e6e6563746f722d3200000001ffffffff000b636f6e6e65"
    "63746f722d3300000001ffffffff000b636f6e6e6563746f722d3000000001ffffffff000b636f6e6e656374"
    "6f722d3100000001ffffffff";

static const struct { int32_t max; int32_t want[8]; } BACKOFFS[] = {
    {0, {0,0,0,0,0,0,0,0}},
    {1, {1,1,1,1,1,1,1,1}},
    {39, {39,39,39,39,39,39,39,39}},
    {40, {40,40,40,40,40,40,40,40}},
    {1000, {40,999,999,999,999,999,999,999}},
    {300000, {40,1600,64000,300000,300000,300000,300000,300000}},
    {2147483647, {40,1600,64000,2560000,102400000,2147483647,2147483647,2147483647}},
};

static char *hex(const void *p, size_t n) {
  char *s = malloc(n * 2 + 1);
  for (size_t i = 0; i < n; i++) sprintf(s + 2 * i, "%02x", ((const unsigned char *)p)[i]);
  s[n * 2] = 0;
  return s;
}

static unsigned char *unhex(const char *h, size_t *n) {
  *n = strlen(h) / 2;
  unsigned char *b = malloc(*n + 1);
  for (size_t i = 0; i < *n; i++) sscanf(h + 2 * i, "%2hhx", &b[i]);
  return b;
}

static void check_hex(const kc_buf_t *b, const char *want, const char *what) {
  char *got = hex(b->data, b->len);
  CHECKF(!strcmp(got, want), "%s:\n got  %s\n want %s", what, got, want);
  free(got);
}

/* Entries as Java keeps the lists: one entry per item (connectors, then tasks). */
typedef struct { const char *c; int32_t t; } it_t;
static kc_cp_entry_t *flat(const it_t *items, int n, int32_t *ids) {
  kc_cp_entry_t *e = calloc((size_t)n + 1, sizeof(*e));
  for (int i = 0; i < n; i++) {
    ids[i] = items[i].t;
    e[i].connector = (char *)items[i].c;
    e[i].tasks = &ids[i];
    e[i].ntasks = 1;
  }
  return e;
}

/* AssignorHarness.vectors' ExtendedAssignment a */
static const it_t A_ITEMS[] = {{"src-a", -1}, {"sink-b", -1}, {"zeta", -1}, {"caf\xc3\xa9", -1},
                               {"\xf0\x9f\x98\x80", -1}, {"sink-b", 0}, {"src-a", 1}, {"sink-b", 2},
                               {"caf\xc3\xa9", 0}};
static const it_t A_REVOKED[] = {{"old", -1}, {"zeta", -1}, {"old", 3}};

static void build_a(kc_cp_assignment_t *a, int16_t version, int32_t *ids) {
  memset(a, 0, sizeof(*a));
  a->version = version;
  a->leader = "leader-1";
  a->leader_url = "http://l:8083/";
  a->config_offset = 9;
  a->assigned = flat(A_ITEMS, 9, ids);
  a->nassigned = 9;
  a->revoked = flat(A_REVOKED, 3, ids + 9);
  a->nrevoked = 3;
  a->delay_ms = 1234;
}

static void test_java_vectors(void) {
  kc_buf_t b;
  int32_t ids[16];
  kc_cp_assignment_t a;
  kc_buf_init(&b, 0);
  CHECK(kc_cp_metadata_encode(0, "http://w1:8083/", 42, NULL, &b) == 0);
  check_hex(&b, METADATA_V0_HEX, "metadata v0");
  kc_buf_reset(&b);
  CHECK(kc_cp_metadata_encode(1, "http://w1:8083/", 7, NULL, &b) == 0);
  check_hex(&b, METADATA_V1_NULL_HEX, "metadata v1 null allocation");
  build_a(&a, 1, ids);
  kc_buf_reset(&b);
  CHECK(kc_cp_metadata_encode(2, "http://w2:8083/", -1, &a, &b) == 0);
  check_hex(&b, METADATA_V2_ALLOC_HEX, "metadata v2 with allocation");
  kc_buf_reset(&b);
  CHECK(kc_cp_assignment_encode(&a, &b) == 0);
  check_hex(&b, ASSIGNMENT_V1_HEX, "assignment v1");
  a.version = 2;
  kc_buf_reset(&b);
  CHECK(kc_cp_assignment_encode(&a, &b) == 0);
  check_hex(&b, ASSIGNMENT_V2_HEX, "assignment v2");
  free(a.assigned);
  free(a.revoked);

  kc_cp_assignment_t e = {2, KC_CP_CONFIG_MISMATCH, "leader-1", "http://l:8083/", 5, NULL, 0, NULL, 0, 0};
  kc_buf_reset(&b);
  CHECK(kc_cp_assignment_encode(&e, &b) == 0);
  check_hex(&b, ASSIGNMENT_V2_MISMATCH_HEX, "assignment v2 CONFIG_MISMATCH");

  build_a(&a, 0, ids);
  a.config_offset = 11;
  kc_buf_reset(&b);
  CHECK(kc_cp_assignment_encode(&a, &b) == 0);
  check_hex(&b, ASSIGNMENT_V0_HEX, "assignment v0");
  free(a.assigned);
  free(a.revoked);

  /* 40 connectors: a HashSet table of 64, so the bucket order differs from the insertion order */
  it_t many[40];
  char names[40][24];
  int32_t mids[40];
  for (int i = 0; i < 40; i++) {
    snprintf(names[i], sizeof names[i], "connector-%d", i);
    many[i].c = names[i];
    many[i].t = -1;
  }
  kc_cp_assignment_t big = {0, 0, "l", "u", 1, flat(many, 40, mids), 40, NULL, 0, 0};
  kc_buf_reset(&b);
  CHECK(kc_cp_assignment_encode(&big, &b) == 0);
  check_hex(&b, ASSIGNMENT_V0_40_HEX, "assignment v0, 40 connectors");
  free(big.assigned);
  kc_buf_free(&b);

  for (size_t i = 0; i < sizeof(BACKOFFS) / sizeof(BACKOFFS[0]); i++)
    for (int k = 0; k < 8; k++)
      CHECKF(kc_cp_revoking_backoff(BACKOFFS[i].max, k + 1) == BACKOFFS[i].want[k],
             "backoff max %d attempt %d: %d, Java %d", BACKOFFS[i].max, k + 1,
             kc_cp_revoking_backoff(BACKOFFS[i].max, k + 1), BACKOFFS[i].want[k]);
}

/* Items of entries as "c/t" joined, in the two lists' order (connectors, then tasks). */
static void items_str(const kc_cp_entry_t *es, int n, char *out, size_t size) {
  out[0] = 0;
  for (int pass = 1; pass >= 0; pass--)
    for (int i = 0; i < n; i++)
      for (int t = 0; t < es[i].ntasks; t++)
        if ((es[i].tasks[t] == -1) == pass) {
          size_t l = strlen(out);
          snprintf(out + l, size - l, "%s%s/%d", l ? "," : "", es[i].connector, es[i].tasks[t]);
        }
}

static void test_decode_java(void) {
  size_t n;
  unsigned char *p = unhex(METADATA_V2_ALLOC_HEX, &n);
  kc_cp_metadata_t m;
  char err[200] = "", s[512];
  CHECK(kc_cp_metadata_decode(p, n, &m, err, sizeof err) == 0);
  CHECK(m.version == 2);
  CHECK_STR(m.url, "http://w2:8083/");
  CHECK(m.config_offset == -1);
  if (CHECK(m.allocation != NULL)) {
    kc_cp_assignment_t *a = m.allocation;
    CHECK(a->version == 2 && a->error == 0 && a->config_offset == 9 && a->delay_ms == 1234);
    CHECK_STR(a->leader, "leader-1");
    CHECK_STR(a->leader_url, "http://l:8083/");
    items_str(a->assigned, a->nassigned, s, sizeof s);
    /* Java's order: HashSet buckets for the connectors, then tasks grouped under them */
    CHECK_STR(s, "sink-b/-1,zeta/-1,src-a/-1,\xf0\x9f\x98\x80/-1,caf\xc3\xa9/-1,sink-b/0,sink-b/2,src-a/1,caf\xc3\xa9/0");
    items_str(a->revoked, a->nrevoked, s, sizeof s);
    CHECK_STR(s, "old/-1,zeta/-1,old/3");
  }
  /* re-encoding what was decoded gives the same bytes (Java's grouping is a fixed point) */
  kc_buf_t b;
  kc_buf_init(&b, 0);
  CHECK(kc_cp_metadata_encode(m.version, m.url, m.config_offset, m.allocation, &b) == 0);
  check_hex(&b, METADATA_V2_ALLOC_HEX, "metadata re-encoded");
  kc_buf_free(&b);
  kc_cp_metadata_clear(&m);
  free(p);

  /* V0 metadata read with the V1 parser: no allocation */
  p = unhex(METADATA_V0_HEX, &n);
  CHECK(kc_cp_metadata_decode(p, n, &m, err, sizeof err) == 0);
  CHECK(m.version == 0 && m.config_offset == 42 && m.allocation == NULL);
  kc_cp_metadata_clear(&m);
  free(p);
  p = unhex(METADATA_V1_NULL_HEX, &n);
  CHECK(kc_cp_metadata_decode(p, n, &m, err, sizeof err) == 0);
  CHECK(m.version == 1 && m.config_offset == 7 && m.allocation == NULL);
  kc_cp_metadata_clear(&m);
  free(p);

  /* V0 assignment read with the V1 parser: no revoked, delay 0 */
  kc_cp_assignment_t a;
  p = unhex(ASSIGNMENT_V0_HEX, &n);
  CHECK(kc_cp_assignment_decode(p, n, &a, err, sizeof err) == 0);
  CHECK(a.version == 0 && a.nrevoked == 0 && a.delay_ms == 0 && a.config_offset == 11);
  items_str(a.assigned, a.nassigned, s, sizeof s);
  CHECK_STR(s, "sink-b/-1,zeta/-1,src-a/-1,\xf0\x9f\x98\x80/-1,caf\xc3\xa9/-1,sink-b/0,sink-b/2,src-a/1,caf\xc3\xa9/0");
  kc_cp_assignment_clear(&a);
  free(p);
}

static void test_malformed(void) {
  size_t n;
  unsigned char *p = unhex(ASSIGNMENT_V1_HEX, &n);
  kc_cp_assignment_t a;
  char err[200];
  /* every truncation either fails cleanly or (past the tolerated trailing fields) succeeds */
  int ok = 0, bad = 0;
  for (size_t k = 0; k < n; k++) {
    err[0] = 0;
    int rc = kc_cp_assignment_decode(p, k, &a, err, sizeof err);
    if (rc == 0) {
      ok++;
      kc_cp_assignment_clear(&a);
    } else {
      bad++;
      CHECKF(rc == KC_EINVAL && err[0], "truncated at %zu: rc %d err '%s'", k, rc, err);
    }
  }
  CHECK(ok > 0 && bad > 0);
  unsigned char neg[] = {0xff, 0xff, 0, 0};
  CHECK(kc_cp_assignment_decode(neg, sizeof neg, &a, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "Unsupported subscription version: -1") != NULL);
  unsigned char negstr[] = {0, 1, 0, 0, 0xff, 0xfe};
  CHECK(kc_cp_assignment_decode(negstr, sizeof negstr, &a, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "leader") != NULL);
  /* a tasks array claiming more elements than bytes left */
  unsigned char hugearr[] = {0, 1, 0, 0, 0, 1, 'l', 0, 1, 'u', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
                             0, 1, 'c', 0x7f, 0xff, 0xff, 0xff};
  CHECK(kc_cp_assignment_decode(hugearr, sizeof hugearr, &a, err, sizeof err) == KC_EINVAL);
  kc_cp_metadata_t m;
  unsigned char md[] = {0, 1, 0, 1, 'u', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0};
  CHECK(kc_cp_metadata_decode(md, sizeof md, &m, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "allocation") != NULL);
  free(p);
}

static void test_round_trip_and_apply(void) {
  int32_t ids[16];
  kc_cp_assignment_t a, d, cur, next;
  build_a(&a, 1, ids);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  char err[200], s[512];
  CHECK(kc_cp_assignment_encode(&a, &b) == 0);
  CHECK(kc_cp_assignment_decode(b.data, b.len, &d, err, sizeof err) == 0);
  free(a.assigned);
  free(a.revoked);
  /* The member held {x, x/0, old, old/3}; it receives a: old and old/3 go, a's items come first. */
  static const it_t held[] = {{"x", -1}, {"old", -1}, {"x", 0}, {"old", 3}};
  int32_t hid[4];
  cur = (kc_cp_assignment_t){1, 0, "l", "u", 3, flat(held, 4, hid), 4, NULL, 0, 0};
  CHECK(kc_cp_assignment_apply(&cur, &d, 0, &next) == 0);
  items_str(next.assigned, next.nassigned, s, sizeof s);
  CHECK_STR(s, "sink-b/-1,zeta/-1,src-a/-1,\xf0\x9f\x98\x80/-1,caf\xc3\xa9/-1,x/-1,sink-b/0,sink-b/2,src-a/1,caf\xc3\xa9/0,x/0");
  CHECK(next.config_offset == 9 && next.delay_ms == 1234);
  items_str(next.revoked, next.nrevoked, s, sizeof s);
  CHECK_STR(s, "old/-1,zeta/-1,old/3");
  kc_cp_assignment_clear(&next);
  CHECK(kc_cp_assignment_apply(&cur, &d, 1, &next) == 0); /* eager: the received one only */
  items_str(next.assigned, next.nassigned, s, sizeof s);
  CHECK(strstr(s, "x/") == NULL);
  kc_cp_assignment_clear(&next);
  free(cur.assigned);
  kc_cp_assignment_clear(&d);
  kc_buf_free(&b);

  /* protocols */
  const char *names[3];
  int16_t vers[3];
  int np;
  CHECK(kc_cp_protocols("sessioned", names, vers, &np) == 0 && np == 3);
  CHECK_STR(names[0], "sessioned");
  CHECK_STR(names[2], "default");
  CHECK(vers[0] == 2 && vers[1] == 1 && vers[2] == 0);
  CHECK(kc_cp_protocols("COMPATIBLE", names, vers, &np) == 0 && np == 2);
  CHECK(kc_cp_protocols("eager", names, vers, &np) == 0 && np == 1 && !strcmp(names[0], "default"));
  CHECK(kc_cp_protocols("default", names, vers, &np) == KC_EINVAL);
  CHECK(kc_cp_protocol_version("sessioned") == 2 && kc_cp_protocol_version("x") == KC_EINVAL);
}

static void test_java_strings(void) {
  CHECK(kc_cp_java_hash("") == 0);
  /* "Aa" and "BB" collide in Java */
  CHECK(kc_cp_java_hash("Aa") == kc_cp_java_hash("BB"));
  CHECK(kc_cp_java_hash("hello") == 99162322);
  CHECK(kc_cp_java_hash("\xf0\x9f\x98\x80") == (0xD83D * 31 + 0xDE00));
  /* UTF-16 order: U+FFFD sorts after U+1F600 (a surrogate pair starts with 0xD83D) */
  CHECK(kc_cp_java_compare("\xef\xbf\xbd", "\xf0\x9f\x98\x80") > 0);
  CHECK(kc_cp_java_compare("a", "ab") < 0);
  CHECK(kc_cp_java_compare("b", "ab") > 0);
  CHECK(kc_cp_java_compare("same", "same") == 0);
  CHECK(kc_cp_java_copy_capacity(12) == 32 && kc_cp_java_copy_capacity(11) == 16);
  CHECK(kc_cp_java_grown_capacity(12) == 16 && kc_cp_java_grown_capacity(13) == 32);
}

int main(void) {
  kc_test_run("java_vectors", test_java_vectors);
  kc_test_run("decode_java", test_decode_java);
  kc_test_run("malformed", test_malformed);
  kc_test_run("round_trip_and_apply", test_round_trip_and_apply);
  kc_test_run("java_strings", test_java_strings);
  return kc_test_done();
}
