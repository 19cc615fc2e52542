/* Object keys (object_key.h): TopicPartitionWriter.fileKeyToCommit. */
#include <inttypes.h>
#include <stdio.h>

#include "object_key.h"

static bool is_blank(const char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s > ' ') return false;
  return true;
}

int kc_s3_object_key(const kc_s3_conf_t *c, const char *dir_prefix, const char *topic,
                     int32_t partition, int64_t start_offset, const char *extension, kc_buf_t *out) {
  int rc = 0;
  if (!is_blank(c->topics_dir)) rc = kc_buf_printf(out, "%s%s", c->topics_dir, c->directory_delim);
  /* String.format("%0<w>d"): a width of 0 means no padding */
  int width = c->zero_pad_width > 0 ? c->zero_pad_width : 1;
  if (!rc)
    rc = kc_buf_printf(out, "%s%s%s%s%" PRId32 "%s%0*" PRId64 "%s", dir_prefix, c->directory_delim,
                       topic, c->file_delim, partition, c->file_delim, width, start_offset,
                       extension);
  return rc;
}

int kc_s3_object_key_uri_encode(const char *key, size_t len, kc_buf_t *out) {
  return kc_uri_encode(out, key, len, true); /* the runtime's encoder, shared with SigV4 */
}
