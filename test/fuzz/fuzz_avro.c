/*
 * Fuzz target: AvroData both ways on hostile input. A record value comes from Kafka and a schema
 * text from the registry: neither is trusted.
 *
 * Input: the first byte picks the mode. High bit set: the rest is an Avro schema text, mapped to
 * Connect (kc_avro_schema_parse) and, when that works, back to Avro (kc_avro_schema_from_connect).
 * Otherwise the byte picks one of the fixed schemas below and the rest is a datum, decoded with
 * the arena and with the heap; a decoded value is encoded again with the schema AvroData writes
 * for its Connect schema.
 *
 * Invariants:
 *  - every failure says why;
 *  - the arena and heap paths agree (both fail, or both give equal values);
 *  - a decoded value encodes with the schema AvroData writes for its Connect schema (when
 *    AvroData can write one: like Java it refuses some, e.g. a union whose enum turns back into a
 *    second string branch without enhanced.avro.schema.support), and the bytes decode with it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_data.h"
#include "fuzz_util.h"

static const char *const schemas[] = {
    /* loghub-like: optional strings, timestamp-millis, decimal */
    "{\"type\":\"record\",\"name\":\"Log\",\"namespace\":\"io.kconnect.fuzz\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"w\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
    "{\"name\":\"level\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"content\",\"type\":\"string\"}]}",
    /* non-string map keys as MapEntry arrays, Connect int8/int16 */
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"MapEntry\",\"namespace\":"
    "\"io.confluent.connect.avro\",\"fields\":[{\"name\":\"key\",\"type\":{\"type\":\"int\","
    "\"connect.type\":\"int16\"}},{\"name\":\"value\",\"type\":\"string\"}]}}",
    /* a general union, an enum, a fixed */
    "{\"type\":\"record\",\"name\":\"U\",\"fields\":["
    "{\"name\":\"u\",\"type\":[\"int\",\"string\",{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}]},"
    "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},"
    "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}}]}",
    /* nested containers */
    "{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":[\"null\",\"double\",\"boolean\"]}}",
    "\"string\"",
};
#define NSCHEMAS (sizeof schemas / sizeof schemas[0])

static kc_avro_data_t *ad;
static kc_avro_schema_t *compiled[NSCHEMAS];
static kc_arena_t arena = KC_ARENA_INIT;

/* Frees the fixed schemas at exit so LeakSanitizer reports only what one input leaked. */
static void teardown(void) {
  for (size_t i = 0; i < NSCHEMAS; i++) kc_avro_schema_decref(compiled[i]);
  kc_avro_data_destroy(ad);
  kc_arena_free(&arena);
}

static void setup(void) {
  atexit(teardown);
  ad = kc_avro_data_new(NULL);
  FUZZ_CHECK(ad != NULL, "AvroData is created");
  for (size_t i = 0; i < NSCHEMAS; i++) {
    char err[512] = "";
    int rc = kc_avro_schema_parse(ad, schemas[i], strlen(schemas[i]), &compiled[i], err, sizeof err);
    if (rc) fprintf(stderr, "schema %zu: %s\n", i, err);
    FUZZ_CHECK(rc == 0, "the fixed schemas compile");
  }
}

static void check_schema_text(const uint8_t *data, size_t size) {
  char err[512] = "";
  kc_avro_schema_t *s = NULL;
  int rc = kc_avro_schema_parse(ad, (const char *)data, size, &s, err, sizeof err);
  if (rc) {
    FUZZ_CHECK(rc == KC_ENOMEM || *err, "a refused schema says why");
    return;
  }
  kc_avro_schema_t *back = NULL;
  err[0] = '\0';
  rc = kc_avro_schema_from_connect(ad, s->connect, &back, err, sizeof err);
  FUZZ_CHECK(rc == 0 || rc == KC_ENOMEM || *err, "a Connect schema AvroData refuses says why");
  kc_avro_schema_decref(back);
  kc_avro_schema_decref(s);
}

static void check_datum(kc_avro_schema_t *s, const uint8_t *data, size_t size) {
  char err[512] = "";
  kc_value_t *heap = NULL, *in_arena = NULL;
  int rh = kc_avro_decode(ad, s, NULL, data, size, &heap, err, sizeof err);
  FUZZ_CHECK(rh == 0 || rh == KC_ENOMEM || *err, "a failed decode says why");
  int ra = kc_avro_decode(ad, s, &arena, data, size, &in_arena, err, sizeof err);
  FUZZ_CHECK((rh == 0) == (ra == 0), "arena and heap decodes agree");
  if (!rh) {
    FUZZ_CHECK(kc_value_equal(heap, in_arena), "arena and heap values are equal");
    kc_avro_schema_t *w = NULL;
    err[0] = '\0';
    int rc = kc_avro_schema_from_connect(ad, s->connect, &w, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == KC_ENOMEM || *err, "a refused writer schema says why");
    kc_buf_t out;
    kc_buf_init(&out, 0);
    err[0] = '\0';
    if (!rc) rc = kc_avro_encode(ad, w, s->connect, heap, &out, err, sizeof err);
    else rc = 1;
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == KC_ENOMEM, "a decoded value encodes again");
    if (!rc && heap) {
      kc_value_t *again = NULL;
      rc = kc_avro_decode(ad, w, NULL, out.data, out.len, &again, err, sizeof err);
      FUZZ_CHECK(rc == 0 || rc == KC_ENOMEM, "what was encoded decodes with the writer schema");
      kc_value_destroy(again);
    }
    kc_buf_free(&out);
    kc_avro_schema_decref(w);
  }
  kc_value_destroy(heap);
  kc_value_destroy(in_arena);
  kc_arena_reset(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ad) setup();
  if (size < 1) return 0;
  if (data[0] & 0x80)
    check_schema_text(data + 1, size - 1);
  else
    check_datum(compiled[data[0] % NSCHEMAS], data + 1, size - 1);
  return 0;
}
