/*
 * Line splitting and UTF-8 repair for FileStreamSource (see file_lines.h).
 *
 * Terminators and the bytes of multi-byte UTF-8 sequences never overlap
 * ("\r" and "\n" are ASCII, continuation bytes are >= 0x80), so splitting the
 * raw bytes and decoding each line afterwards gives the same text as Connect,
 * which decodes the stream first and splits the chars.
 */
#include "file_lines.h"

#include <stdint.h>
#include <string.h>

bool kc_file_lines_next(const char *data, size_t n, size_t from, size_t *len, size_t *next) {
  if (from >= n) { /* nothing new (data may be NULL: memchr must not see it) */
    *next = n;
    return false;
  }
  /* memchr scans many bytes per step; "\r" is rare in logs, so look for it only before the "\n". */
  const char *nl = memchr(data + from, '\n', n - from);
  size_t stop = nl ? (size_t)(nl - data) : n;
  const char *cr = memchr(data + from, '\r', stop - from);
  if (cr) {
    size_t i = (size_t)(cr - data);
    if (i + 1 >= n) {
      /* Rescan from this "\r" next time: the byte after it decides. */
      *next = i;
      return false;
    }
    *len = i;
    *next = data[i + 1] == '\n' ? i + 2 : i + 1;
    return true;
  }
  if (nl) {
    *len = stop;
    *next = stop + 1;
    return true;
  }
  *next = n;
  return false;
}

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/*
 * Classifies the sequence starting at s[0] (>= 0x80). @returns its length
 * when well-formed, else 0 with *bad = the bytes Java's decoder replaces by one
 * U+FFFD (sun.nio.cs.UTF_8.Decoder malformedN). Running out of bytes counts as
 * a non-continuation byte: a line always ends before its "\n" or "\r".
 */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad) {
  unsigned char b1 = s[0];
  if (b1 >= 0xC2 && b1 <= 0xDF) {
    if (n >= 2 && is_cont(s[1])) return 2;
    *bad = 1;
    return 0;
  }
  if (b1 >= 0xE0 && b1 <= 0xEF) {
    if (n < 2 || !is_cont(s[1]) || (b1 == 0xE0 && s[1] < 0xA0)) {
      *bad = 1;
      return 0;
    }
    if (n < 3 || !is_cont(s[2])) {
      *bad = 2;
      return 0;
    }
    if (b1 == 0xED && s[1] >= 0xA0) { /* a UTF-16 surrogate: Java drops all 3 */
      *bad = 3;
      return 0;
    }
    return 3;
  }
  if (b1 >= 0xF0 && b1 <= 0xF4) {
    bool ok2 = n >= 2 && is_cont(s[1]);
    if (ok2 && b1 == 0xF0) ok2 = s[1] >= 0x90;
    if (ok2 && b1 == 0xF4) ok2 = s[1] <= 0x8F;
    if (!ok2) {
      *bad = 1;
      return 0;
    }
    if (n < 3 || !is_cont(s[2])) {
      *bad = 2;
      return 0;
    }
    if (n < 4 || !is_cont(s[3])) {
      *bad = 3;
      return 0;
    }
    return 4;
  }
  *bad = 1; /* stray continuation, C0/C1 overlong lead, F5..FF */
  return 0;
}

/* Bytes of a leading run of ASCII, 32 then eight at a time. */
static size_t ascii_prefix(const unsigned char *s, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    memcpy(w, s + i, 32);
    if ((w[0] | w[1] | w[2] | w[3]) & UINT64_C(0x8080808080808080)) break;
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    if (w & UINT64_C(0x8080808080808080)) break;
  }
  while (i < n && s[i] < 0x80) i++;
  return i;
}

bool kc_file_utf8_valid(const char *data, size_t n) {
  const unsigned char *s = (const unsigned char *)data;
  size_t i = 0;
  while (i < n) {
    i += ascii_prefix(s + i, n - i);
    if (i >= n) break;
    size_t bad, k = utf8_seq(s + i, n - i, &bad);
    if (!k) return false;
    i += k;
  }
  return true;
}

size_t kc_file_utf8_repair(const char *data, size_t n, char *out) {
  const unsigned char *s = (const unsigned char *)data;
  size_t i = 0, o = 0;
  while (i < n) {
    size_t a = ascii_prefix(s + i, n - i);
    memcpy(out + o, s + i, a);
    i += a;
    o += a;
    if (i >= n) break;
    size_t bad = 0, k = utf8_seq(s + i, n - i, &bad);
    if (k) {
      memcpy(out + o, s + i, k);
      i += k;
      o += k;
    } else {
      out[o++] = (char)0xEF; /* U+FFFD */
      out[o++] = (char)0xBF;
      out[o++] = (char)0xBD;
      i += bad;
    }
  }
  return o;
}
