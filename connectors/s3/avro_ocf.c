/* Avro object container files as DataFileWriter writes them (avro_ocf.h). */
#include <openssl/rand.h>
#include <snappy-c.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "avro_ocf.h"

int kc_avro_codec_parse(const char *name, kc_avro_codec_t *out, char *err, size_t errlen) {
  static const char *const refused[] = {"bzip2", "xz", "zstandard", NULL};
  if (!name || !strcmp(name, "null")) return *out = KC_AVRO_CODEC_NULL, 0;
  if (!strcmp(name, "deflate")) return *out = KC_AVRO_CODEC_DEFLATE, 0;
  if (!strcmp(name, "snappy")) return *out = KC_AVRO_CODEC_SNAPPY, 0;
  for (size_t i = 0; refused[i]; i++)
    if (!strcmp(name, refused[i])) {
      snprintf(err, errlen, "avro.codec: %s is not supported by kconnect (use null, deflate or snappy)",
               name);
      return KC_EINVAL;
    }
  /* ConfigDef.ValidString.in(AVRO_SUPPORTED_CODECS)'s message */
  snprintf(err, errlen, "avro.codec: String must be one of: null, deflate, snappy, bzip2");
  return KC_EINVAL;
}

const char *kc_avro_codec_name(kc_avro_codec_t c) {
  return c == KC_AVRO_CODEC_DEFLATE ? "deflate" : c == KC_AVRO_CODEC_SNAPPY ? "snappy" : "null";
}

int kc_avro_ocf_put_long(kc_buf_t *out, int64_t v) {
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  unsigned char b[10];
  size_t n = 0;
  do {
    b[n] = (unsigned char)(z & 0x7F);
    z >>= 7;
    if (z) b[n] |= 0x80;
    n++;
  } while (z);
  return kc_buf_append(out, b, n);
}

/* An Avro string or bytes: length, then the bytes. */
static int put_bytes(kc_buf_t *out, const void *p, size_t n) {
  int rc = kc_avro_ocf_put_long(out, (int64_t)n);
  return rc ? rc : kc_buf_append(out, p, n);
}

void kc_avro_ocf_free(kc_avro_ocf_t *w) {
  if (!w) return;
  kc_buf_free(&w->block);
  kc_buf_free(&w->packed);
  w->count = 0;
}

int kc_avro_ocf_begin(kc_avro_ocf_t *w, kc_avro_codec_t codec, const char *schema_json, size_t len,
                      kc_buf_t *out) {
  memset(w, 0, sizeof *w);
  w->codec = codec;
  kc_buf_init(&w->block, 0);
  kc_buf_init(&w->packed, 0);
  if (RAND_bytes(w->sync, sizeof w->sync) != 1) return KC_ERR;
  const char *cname = kc_avro_codec_name(codec);
  size_t mark = out->len;
  /* meta is a HashMap<String, byte[]>: avro.schema hashes to bucket 0, avro.codec to 4 */
  int rc = kc_buf_append(out, "Obj\x01", 4);
  if (!rc) rc = kc_avro_ocf_put_long(out, 2);
  if (!rc) rc = put_bytes(out, "avro.schema", 11);
  if (!rc) rc = put_bytes(out, schema_json, len);
  if (!rc) rc = put_bytes(out, "avro.codec", 10);
  if (!rc) rc = put_bytes(out, cname, strlen(cname));
  if (!rc) rc = kc_avro_ocf_put_long(out, 0); /* end of the map */
  if (!rc) rc = kc_buf_append(out, w->sync, sizeof w->sync);
  if (rc) {
    out->len = mark;
    kc_avro_ocf_free(w);
  }
  return rc;
}

/* DeflateCodec: a Deflater(level, nowrap=true), i.e. raw deflate, finished per block. */
static int deflate_block(const kc_buf_t *in, kc_buf_t *out) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return KC_ENOMEM;
  uLong bound = deflateBound(&zs, (uLong)in->len);
  int rc = kc_buf_reserve(out, bound);
  if (!rc) {
    zs.next_in = (Bytef *)in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = (Bytef *)out->data + out->len;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) rc = KC_ERR;
    else out->len += zs.total_out;
  }
  deflateEnd(&zs);
  return rc;
}

/* SnappyCodec: the raw Snappy block, then the CRC-32 of the uncompressed bytes, big-endian. */
static int snappy_block(const kc_buf_t *in, kc_buf_t *out) {
  size_t n = snappy_max_compressed_length(in->len);
  int rc = kc_buf_reserve(out, n + 4);
  if (rc) return rc;
  if (snappy_compress(in->data, in->len, out->data + out->len, &n) != SNAPPY_OK) return KC_ERR;
  out->len += n;
  uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)in->data, (uInt)in->len);
  unsigned char be[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16),
                         (unsigned char)(crc >> 8), (unsigned char)crc};
  return kc_buf_append(out, be, 4);
}

int kc_avro_ocf_flush(kc_avro_ocf_t *w, kc_buf_t *out) {
  if (w->count == 0) return 0;
  const kc_buf_t *data = &w->block;
  int rc = 0;
  if (w->codec != KC_AVRO_CODEC_NULL) {
    kc_buf_reset(&w->packed);
    rc = w->codec == KC_AVRO_CODEC_DEFLATE ? deflate_block(&w->block, &w->packed)
                                           : snappy_block(&w->block, &w->packed);
    data = &w->packed;
  }
  size_t mark = out->len;
  if (!rc) rc = kc_avro_ocf_put_long(out, w->count);
  if (!rc) rc = kc_avro_ocf_put_long(out, (int64_t)data->len);
  if (!rc) rc = kc_buf_append(out, data->data, data->len);
  if (!rc) rc = kc_buf_append(out, w->sync, sizeof w->sync);
  if (rc) {
    out->len = mark;
    return rc;
  }
  w->count = 0;
  /* Both buffers are released, not kept: a writer that goes idle (or one flushed early because
   * the sink is short of memory) must not hold a block's worth; regrowing costs a few reallocs. */
  kc_buf_free(&w->block);
  kc_buf_init(&w->block, 0);
  kc_buf_free(&w->packed);
  kc_buf_init(&w->packed, 0);
  return 0;
}

int kc_avro_ocf_append(kc_avro_ocf_t *w, const void *datum, size_t len, kc_buf_t *out) {
  int rc = kc_buf_append(&w->block, datum, len);
  if (rc) return rc;
  w->count++;
  /* DataFileWriter.writeIfBlockFull: bufferInUse() >= syncInterval */
  return w->block.len >= KC_AVRO_OCF_SYNC_INTERVAL ? kc_avro_ocf_flush(w, out) : 0;
}

size_t kc_avro_ocf_mem(const kc_avro_ocf_t *w) { return w->block.cap + w->packed.cap; }
