/*
 * Kafka protocol primitives (kafka/wire/codec.h) and group messages (kafka/wire/messages.h):
 * round trips, exact big-endian bytes, and every truncation of a message read without going
 * out of bounds (ASan would catch it) and with the error flag set.
 */
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/codec.h"
#include "kafka/wire/messages.h"
#include "kc_test.h"

static void test_round_trip(void) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, &b);
  kc_wire_put_i8(&w, -2);
  kc_wire_put_i16(&w, -300);
  kc_wire_put_i32(&w, 0x12345678);
  kc_wire_put_i64(&w, -5000000000LL);
  kc_wire_put_str(&w, "connect");
  kc_wire_put_nstr(&w, NULL);
  kc_wire_put_str(&w, "");
  kc_wire_put_bytes(&w, "\0\1\2", 3);
  kc_wire_put_nbytes(&w, NULL, 0);
  kc_wire_put_array(&w, 2);
  kc_wire_put_i16(&w, 7);
  kc_wire_put_i16(&w, 8);
  CHECK(w.err == 0);
  /* big-endian on the wire */
  static const unsigned char head[] = {0xfe, 0xfe, 0xd4, 0x12, 0x34, 0x56, 0x78};
  CHECK(b.len > sizeof head && memcmp(b.data, head, sizeof head) == 0);

  kc_wire_reader_t r;
  kc_wire_reader_init(&r, b.data, b.len);
  CHECK(kc_wire_get_i8(&r) == -2);
  CHECK(kc_wire_get_i16(&r) == -300);
  CHECK(kc_wire_get_i32(&r) == 0x12345678);
  CHECK(kc_wire_get_i64(&r) == -5000000000LL);
  const char *s;
  size_t n;
  CHECK(kc_wire_get_str(&r, &s, &n) && n == 7 && memcmp(s, "connect", 7) == 0);
  CHECK(kc_wire_get_nstr(&r, &s, &n) && s == NULL && n == 0);
  char copy[8];
  CHECK(kc_wire_get_str_copy(&r, copy, sizeof copy));
  CHECK_STR(copy, "");
  const void *p;
  CHECK(kc_wire_get_bytes(&r, &p, &n) && n == 3 && memcmp(p, "\0\1\2", 3) == 0);
  CHECK(kc_wire_get_nbytes(&r, &p, &n) && p == NULL);
  CHECK(kc_wire_get_array(&r, 2) == 2);
  CHECK(kc_wire_get_i16(&r) == 7 && kc_wire_get_i16(&r) == 8);
  CHECK(!r.err && kc_wire_remaining(&r) == 0);
  /* one more read: past the end */
  CHECK(kc_wire_get_i8(&r) == 0 && r.err);
  kc_buf_free(&b);
}

static void test_bad_lengths(void) {
  /* a String with length -1 is not a String; a huge array count cannot fit */
  static const unsigned char neg[] = {0xff, 0xff};
  kc_wire_reader_t r;
  const char *s;
  size_t n;
  kc_wire_reader_init(&r, neg, sizeof neg);
  CHECK(!kc_wire_get_str(&r, &s, &n) && r.err);
  static const unsigned char big[] = {0x7f, 0xff, 0xff, 0xff, 0, 0};
  kc_wire_reader_init(&r, big, sizeof big);
  CHECK(kc_wire_get_array(&r, 1) == 0 && r.err);
  static const unsigned char nbytes[] = {0xff, 0xff, 0xff, 0xfe};
  const void *p;
  kc_wire_reader_init(&r, nbytes, sizeof nbytes);
  CHECK(!kc_wire_get_nbytes(&r, &p, &n) && r.err);
  /* a string longer than its copy buffer */
  static const unsigned char str[] = {0, 5, 'a', 'b', 'c', 'd', 'e'};
  char small[4];
  kc_wire_reader_init(&r, str, sizeof str);
  CHECK(!kc_wire_get_str_copy(&r, small, sizeof small) && r.err);
  /* writing a String over 32767 bytes fails */
  char *huge = malloc(40000);
  memset(huge, 'x', 39999);
  huge[39999] = '\0';
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, &b);
  kc_wire_put_str(&w, huge);
  CHECK(w.err == KC_EINVAL);
  kc_buf_free(&b);
  free(huge);
  CHECK_STR(kc_wire_error_name(79), "MEMBER_ID_REQUIRED");
  CHECK_STR(kc_wire_error_name(16), "NOT_COORDINATOR");
  CHECK_STR(kc_wire_error_name(-1), "UNKNOWN_SERVER_ERROR");
  CHECK_STR(kc_wire_error_name(9999), "KAFKA_ERROR_9999");
}

/* A JoinGroup v5 response as the broker sends it to the leader of two members. */
static void join_response(kc_buf_t *b) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, b);
  kc_wire_put_i32(&w, 0);  /* throttle */
  kc_wire_put_i16(&w, 0);  /* error */
  kc_wire_put_i32(&w, 3);  /* generation */
  kc_wire_put_str(&w, "sessioned");
  kc_wire_put_str(&w, "m-1");
  kc_wire_put_str(&w, "m-1");
  kc_wire_put_array(&w, 2);
  kc_wire_put_str(&w, "m-1");
  kc_wire_put_nstr(&w, NULL);
  kc_wire_put_bytes(&w, "meta1", 5);
  kc_wire_put_str(&w, "m-2");
  kc_wire_put_nstr(&w, NULL);
  kc_wire_put_bytes(&w, "meta22", 6);
}

static void test_join_group_parse(void) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  join_response(&b);
  kc_wire_reader_t r;
  kc_wire_reader_init(&r, b.data, b.len);
  kc_wire_join_group_resp_t jr;
  CHECK(kc_wire_join_group_parse(&r, 5, &jr));
  CHECK(jr.error == 0 && jr.generation == 3);
  CHECK_STR(jr.protocol, "sessioned");
  CHECK_STR(jr.leader, "m-1");
  CHECK(jr.n == 2);
  if (jr.n == 2) {
    CHECK_STR(jr.members[1].member_id, "m-2");
    CHECK(jr.members[1].len == 6 && memcmp(jr.members[1].metadata, "meta22", 6) == 0);
  }
  kc_wire_join_group_resp_free(&jr);
  /* every truncation fails cleanly */
  int ok = 0;
  for (size_t cut = 0; cut < b.len; cut++) {
    char *part = malloc(cut ? cut : 1);
    memcpy(part, b.data, cut);
    kc_wire_reader_init(&r, part, cut);
    if (!kc_wire_join_group_parse(&r, 5, &jr) && r.err) ok++;
    kc_wire_join_group_resp_free(&jr);
    free(part);
  }
  CHECKF(ok == (int)b.len, "%d of %zu truncations rejected", ok, b.len);
  kc_buf_free(&b);
}

static void test_requests(void) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_group_protocol_t ps[] = {{"sessioned", "x", 1}, {"default", "", 0}};
  CHECK(kc_wire_join_group_build(&b, 5, "grp", 10000, 60000, "", "connect", ps, 2) == 0);
  kc_wire_reader_t r;
  kc_wire_reader_init(&r, b.data, b.len);
  const char *s;
  size_t n;
  const void *p;
  CHECK(kc_wire_get_str(&r, &s, &n) && n == 3 && memcmp(s, "grp", 3) == 0);
  CHECK(kc_wire_get_i32(&r) == 10000 && kc_wire_get_i32(&r) == 60000);
  CHECK(kc_wire_get_str(&r, &s, &n) && n == 0);    /* member id */
  CHECK(kc_wire_get_nstr(&r, &s, &n) && s == NULL); /* group instance id (v5) */
  CHECK(kc_wire_get_str(&r, &s, &n) && n == 7);     /* protocol type */
  CHECK(kc_wire_get_array(&r, 6) == 2);
  CHECK(kc_wire_get_str(&r, &s, &n) && n == 9);
  CHECK(kc_wire_get_bytes(&r, &p, &n) && n == 1);
  CHECK(kc_wire_get_str(&r, &s, &n) && n == 7);
  CHECK(kc_wire_get_bytes(&r, &p, &n) && n == 0);
  CHECK(!r.err && kc_wire_remaining(&r) == 0);
  /* v4 has no GroupInstanceId: 2 bytes shorter */
  kc_buf_t b4;
  kc_buf_init(&b4, 0);
  CHECK(kc_wire_join_group_build(&b4, 4, "grp", 10000, 60000, "", "connect", ps, 2) == 0);
  CHECK(b4.len + 2 == b.len);
  kc_buf_free(&b4);
  kc_buf_reset(&b);
  CHECK(kc_wire_leave_group_build(&b, "grp", "m-1") == 0);
  CHECK(b.len == 2 + 3 + 4 + 2 + 3 + 2);
  kc_buf_free(&b);
}

int main(void) {
  kc_test_run("round_trip", test_round_trip);
  kc_test_run("bad_lengths", test_bad_lengths);
  kc_test_run("join_group_parse", test_join_group_parse);
  kc_test_run("requests", test_requests);
  return kc_test_done();
}
