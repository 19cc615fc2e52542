/*
 * Avro object container files (Avro 1.11 specification, "Object Container Files"), written
 * the way Apache Avro Java's DataFileWriter writes them for the S3 sink's AvroFormat
 * (AvroRecordWriterProvider: one DataFileWriter per S3 object, codec from avro.codec):
 *
 *   header  "Obj" 0x01, the file metadata as an Avro map<bytes> holding avro.schema (the
 *           writer schema's JSON text) and avro.codec, in the order Java's HashMap iterates
 *           them (avro.schema first), then a 16-byte sync marker
 *   blocks  object count (long), byte size of the encoded objects after compression (long),
 *           the objects, the sync marker
 *
 * A block is closed as DataFileWriter closes one: when, after an append, its uncompressed
 * bytes reach DataFileConstants.DEFAULT_SYNC_INTERVAL, and when the file is finished.
 * Codecs (CodecFactory.fromString): "null"; "deflate" (raw deflate, RFC 1951, at
 * DEFAULT_DEFLATE_LEVEL = Deflater.DEFAULT_COMPRESSION, zlib's level 6); "snappy" (Snappy's
 * raw format followed by the big-endian CRC-32 of the uncompressed block, as the spec says).
 *
 * The open block lives in memory (at most the sync interval plus one datum); every finished
 * piece of file is appended to the caller's buffer, which is how the sink spools it.
 */
#ifndef KC_S3_AVRO_OCF_H
#define KC_S3_AVRO_OCF_H

#include <stddef.h>
#include <stdint.h>

#include "kconnect/connector.h"

/** DataFileConstants.DEFAULT_SYNC_INTERVAL (4000 * 16 bytes). */
#define KC_AVRO_OCF_SYNC_INTERVAL 64000

typedef enum { KC_AVRO_CODEC_NULL, KC_AVRO_CODEC_DEFLATE, KC_AVRO_CODEC_SNAPPY } kc_avro_codec_t;

/**
 * The codec of an avro.codec value. Confluent accepts null, deflate, snappy and bzip2; kconnect
 * writes the first three.
 * @returns 0, or KC_EINVAL with "avro.codec: ..." in @p err (bzip2, xz, zstandard: not
 * supported by kconnect; anything else: not a codec Confluent accepts).
 */
int kc_avro_codec_parse(const char *name, kc_avro_codec_t *out, char *err, size_t errlen);

/** The avro.codec metadata value of @p c ("null", "deflate", "snappy"). */
const char *kc_avro_codec_name(kc_avro_codec_t c);

/** One container file being written. Fields are private. */
typedef struct kc_avro_ocf_s {
  kc_avro_codec_t codec;
  unsigned char sync[16];
  kc_buf_t block;   /* uncompressed objects of the open block */
  int64_t count;    /* objects in the open block */
  kc_buf_t packed;  /* compression scratch, kept between blocks */
} kc_avro_ocf_t;

/**
 * Starts a file: draws the sync marker (OpenSSL RAND_bytes, where Java hashes a random UUID)
 * and appends the header with @p schema_json (@p len bytes, copied as is into avro.schema).
 * @returns 0, KC_ERR (no random bytes), or a kc_buf error; on error the writer is left freed.
 */
int kc_avro_ocf_begin(kc_avro_ocf_t *w, kc_avro_codec_t codec, const char *schema_json, size_t len,
                      kc_buf_t *out);

/**
 * Adds one Avro binary datum (@p len bytes, encoded with the header's schema) to the open
 * block; when the block reaches the sync interval it is compressed and appended to @p out.
 * @returns 0, KC_ERR (compressor failure), or a kc_buf error (the datum is then not added).
 */
int kc_avro_ocf_append(kc_avro_ocf_t *w, const void *datum, size_t len, kc_buf_t *out);

/**
 * Appends the open block, if it holds objects (DataFileWriter.flush), and releases the
 * writer's buffers. Called at commit, and early when the sink runs out of memory budget (the
 * file stays valid; only its block boundaries then differ from Java's). @returns as append.
 */
int kc_avro_ocf_flush(kc_avro_ocf_t *w, kc_buf_t *out);

/** Bytes held by the writer's buffers (for memory accounting). */
size_t kc_avro_ocf_mem(const kc_avro_ocf_t *w);

/** Frees the writer's buffers (an unflushed block is dropped). NULL-safe, idempotent. */
void kc_avro_ocf_free(kc_avro_ocf_t *w);

/** Appends @p v as an Avro long (zig-zag varint). @returns 0 or a kc_buf error. */
int kc_avro_ocf_put_long(kc_buf_t *out, int64_t v);

#endif
