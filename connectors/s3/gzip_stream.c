/* Streaming gzip (gzip_stream.h): raw deflate framed like GZIPOutputStream. */
#include <string.h>

#include "gzip_stream.h"

#define STAGE_BYTES 16384

int kc_gzip_stream_init(kc_gzip_stream_t *g, int level) {
  memset(g, 0, sizeof *g);
  if (level < -1 || level > 9) return KC_EINVAL;
  /* raw deflate (-15): we frame it ourselves to match Java's header byte for byte */
  int rc = deflateInit2(&g->zs, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) {
    g->broken = true;
    return rc == Z_MEM_ERROR ? KC_ENOMEM : KC_EINVAL;
  }
  g->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  return 0;
}

static int put(kc_gzip_stream_t *g, kc_buf_t *out, const void *p, size_t n) {
  int rc = kc_buf_append(out, p, n);
  if (rc) {
    g->broken = true;
    return rc;
  }
  g->out_bytes += n;
  return 0;
}

/* Runs deflate over the pending input with @p flush, appending all output. */
static int pump(kc_gzip_stream_t *g, int flush, kc_buf_t *out) {
  unsigned char stage[STAGE_BYTES];
  for (;;) {
    g->zs.next_out = stage;
    g->zs.avail_out = sizeof stage;
    int zrc = deflate(&g->zs, flush);
    if (zrc == Z_STREAM_ERROR) {
      g->broken = true;
      return KC_EIO;
    }
    size_t have = sizeof stage - g->zs.avail_out;
    if (have) {
      int rc = put(g, out, stage, have);
      if (rc) return rc;
    }
    if (flush == Z_FINISH ? zrc == Z_STREAM_END : g->zs.avail_out != 0) return 0;
  }
}

static int header(kc_gzip_stream_t *g, kc_buf_t *out) {
  if (g->header_done) return 0;
  /* magic, deflate, no flags, mtime 0, no extra flags, OS 255 "unknown": GZIPOutputStream's
   * header since JDK 16 (0 before) */
  static const unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  int rc = put(g, out, h, sizeof h);
  if (!rc) g->header_done = true;
  return rc;
}

int kc_gzip_stream_write(kc_gzip_stream_t *g, const void *data, size_t len, kc_buf_t *out) {
  if (g->broken || g->finished) return KC_EIO;
  int rc = header(g, out);
  const unsigned char *p = data;
  while (!rc && len) {
    uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len; /* zlib counts in uInt */
    g->crc = (uint32_t)crc32(g->crc, p, n);
    g->zs.next_in = (Bytef *)p;
    g->zs.avail_in = n;
    rc = pump(g, Z_NO_FLUSH, out);
    g->in_bytes += n;
    p += n;
    len -= n;
  }
  return rc;
}

int kc_gzip_stream_finish(kc_gzip_stream_t *g, kc_buf_t *out) {
  if (g->broken || g->finished) return KC_EIO;
  int rc = header(g, out);
  if (!rc) {
    g->zs.next_in = Z_NULL;
    g->zs.avail_in = 0;
    rc = pump(g, Z_FINISH, out);
  }
  if (!rc) {
    unsigned char t[8];
    uint32_t isize = (uint32_t)g->in_bytes; /* ISIZE is the size modulo 2^32 */
    for (int i = 0; i < 4; i++) {
      t[i] = (unsigned char)(g->crc >> (8 * i));
      t[4 + i] = (unsigned char)(isize >> (8 * i));
    }
    rc = put(g, out, t, sizeof t);
  }
  if (!rc) g->finished = true;
  return rc;
}

void kc_gzip_stream_end(kc_gzip_stream_t *g) {
  if (g->zs.state) deflateEnd(&g->zs);
  g->zs.state = NULL;
}
