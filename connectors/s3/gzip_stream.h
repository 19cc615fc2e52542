/*
 * Streaming gzip (s3.compression.type=gzip): bytes in, compressed bytes
 * appended to a kc_buf_t as they come out, so a file of any size compresses
 * in a fixed amount of memory (zlib's ~256 KiB state plus a 16 KiB staging
 * block); the caller drains the output buffer (to the spool) as it likes.
 *
 * The stream is what java.util.zip.GZIPOutputStream writes (Confluent's
 * wrapForCompression): a 10-byte header with no name, mtime 0 and OS 255,
 * raw deflate at s3.compression.level, then CRC-32 and size. Same input,
 * same bytes (for levels 1-9 whatever the write sizes; level 0's stored
 * blocks follow the write sizes): a replayed file is identical.
 */
#ifndef KC_S3_GZIP_STREAM_H
#define KC_S3_GZIP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <zlib.h>

#include "kconnect/connector.h"

typedef struct kc_gzip_stream_s {
  z_stream zs;
  uint32_t crc;
  uint64_t in_bytes;  /**< uncompressed bytes written */
  uint64_t out_bytes; /**< compressed bytes produced, header and trailer included */
  bool header_done, finished, broken;
} kc_gzip_stream_t;

/** Starts a stream at @p level (-1 = zlib's default, 0..9). @returns 0, KC_EINVAL (level), KC_ENOMEM. */
int kc_gzip_stream_init(kc_gzip_stream_t *g, int level);
/**
 * Compresses @p len bytes, appending whatever output is ready to @p out.
 * @returns 0, or a kc_buf error (KC_ENOSPC, KC_ENOMEM) or KC_EIO after which
 * the stream is broken (the file has to be rewritten).
 */
int kc_gzip_stream_write(kc_gzip_stream_t *g, const void *data, size_t len, kc_buf_t *out);
/** Flushes the rest and the trailer into @p out. Same errors. */
int kc_gzip_stream_finish(kc_gzip_stream_t *g, kc_buf_t *out);
/** Releases zlib's state (any time; also after finish). */
void kc_gzip_stream_end(kc_gzip_stream_t *g);

#endif
