/*
 * java.util.Properties.load() for kconnect: the worker file and connector
 * .properties files users already have must parse exactly as Java parses them.
 *
 * Two passes per logical line, like Java's LineReader + load0:
 *  1. read_logical_line() joins natural lines ended by an odd number of
 *     backslashes (dropping that backslash and the next line's leading blanks)
 *     and drops blank and comment lines. Escapes are left untouched here so
 *     that "\=" and "\ " can still be told apart from separators.
 *  2. split_and_store() finds the key/value separator, then unescape() turns
 *     \t \n \r \f, \uXXXX and "\x" -> x into UTF-8.
 *
 * One deliberate difference: Java reads the file as ISO-8859-1, so UTF-8 bytes
 * come out mangled there; kconnect passes non-ASCII bytes through unchanged
 * (they are almost always UTF-8 written by an editor).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/props.h"

#define PROPS_FILE_LIMIT (64u * 1024 * 1024)

/* Where each natural line starts inside a joined logical line, for error line numbers. */
typedef struct {
  size_t offset;
  int line;
} line_break_t;

typedef struct {
  const char *p, *end;
  int line; /* 1-based number of the natural line at p */
  kc_buf_t buf;
  line_break_t *breaks;
  size_t nbreaks, capbreaks;
} props_reader_t;

static int add_break(props_reader_t *r, size_t offset, int line) {
  if (r->nbreaks == r->capbreaks) {
    size_t cap = r->capbreaks ? r->capbreaks * 2 : 8;
    line_break_t *nb = realloc(r->breaks, cap * sizeof *nb);
    if (!nb) return KC_ENOMEM;
    r->breaks = nb;
    r->capbreaks = cap;
  }
  r->breaks[r->nbreaks].offset = offset;
  r->breaks[r->nbreaks].line = line;
  r->nbreaks++;
  return 0;
}

static int line_at(const props_reader_t *r, size_t offset) {
  int line = r->nbreaks ? r->breaks[0].line : r->line;
  for (size_t i = 0; i < r->nbreaks && r->breaks[i].offset <= offset; i++) line = r->breaks[i].line;
  return line;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* Consumes a line terminator whose first char was just read (CR, LF or CRLF). */
static void end_natural_line(props_reader_t *r, char c) {
  if (c == '\r' && r->p < r->end && *r->p == '\n') r->p++;
  r->line++;
}

static void drop_last(kc_buf_t *b) {
  b->len--;
  b->data[b->len] = '\0';
}

/*
 * Reads one logical line into r->buf, mirroring Java's LineReader.readLine:
 * a '#' or '!' starts a comment only while the logical line is still empty,
 * which includes the start of a line that continues an empty one.
 * @returns 1 when a line was read, 0 at the end of input, KC_ENOMEM.
 */
static int read_logical_line(props_reader_t *r) {
  bool skip_blanks = true, continued = false, backslash = false;
  kc_buf_reset(&r->buf);
  r->nbreaks = 0;
  for (;;) {
    if (r->p >= r->end) {
      if (r->buf.len == 0) return 0;
      if (backslash) drop_last(&r->buf); /* a final odd backslash is dropped */
      return 1;
    }
    char c = *r->p++;
    if (skip_blanks) {
      if (is_blank(c)) continue;
      /* Blank lines between entries are skipped; an empty continuation line ends the entry. */
      if (!continued && (c == '\r' || c == '\n')) {
        end_natural_line(r, c);
        continue;
      }
      skip_blanks = continued = false;
    }
    if (r->buf.len == 0 && (c == '#' || c == '!')) {
      /* A comment never continues, even when it ends with a backslash. */
      while (r->p < r->end && *r->p != '\n' && *r->p != '\r') r->p++;
      if (r->p < r->end) end_natural_line(r, *r->p++);
      skip_blanks = true;
      continue;
    }
    if (c != '\n' && c != '\r') {
      if (r->buf.len == 0) {
        r->nbreaks = 0;
        if (add_break(r, 0, r->line)) return KC_ENOMEM;
      }
      if (kc_buf_append(&r->buf, &c, 1)) return KC_ENOMEM;
      backslash = c == '\\' ? !backslash : false;
      continue;
    }
    end_natural_line(r, c);
    if (r->buf.len == 0) { /* e.g. the line after a lone continuation backslash */
      skip_blanks = true;
      continue;
    }
    if (backslash) drop_last(&r->buf);
    /* Java ends the entry at end of input even after a continuation backslash. */
    if (!backslash || r->p >= r->end) return 1;
    backslash = false;
    skip_blanks = continued = true;
    if (add_break(r, r->buf.len, r->line)) return KC_ENOMEM;
  }
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int put_utf8(kc_buf_t *out, uint32_t cp) {
  unsigned char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = (unsigned char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (unsigned char)(0xC0 | (cp >> 6));
    b[1] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (unsigned char)(0xE0 | (cp >> 12));
    b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return kc_buf_append(out, b, n);
}

/*
 * Java's loadConvert over r->buf[from, to) into @p out as UTF-8. \uXXXX escapes
 * are UTF-16 code units: a high surrogate followed by a low one is one code
 * point; a lone surrogate becomes '?', as Java's UTF-8 encoder writes it.
 */
static int unescape(props_reader_t *r, size_t from, size_t to, kc_buf_t *out, char *errstr,
                    size_t errstr_size) {
  const char *s = r->buf.data;
  uint32_t high = 0; /* pending high surrogate */
  int rc = 0;
  kc_buf_reset(out);
  if (kc_buf_reserve(out, to - from)) return KC_ENOMEM;
  for (size_t i = from; i < to && rc == 0;) {
    char c = s[i++];
    uint32_t unit;
    bool escaped_unit = false;
    if (c == '\\') {
      if (i >= to) break; /* cannot happen after line joining; be safe */
      c = s[i++];
      if (c == 'u') {
        int v = 0;
        for (int k = 0; k < 4; k++) {
          int h = i < to ? hex_value(s[i]) : -1;
          if (h < 0) {
            snprintf(errstr, errstr_size, "line %d: Malformed \\uxxxx encoding.", line_at(r, i));
            return KC_EINVAL;
          }
          v = v * 16 + h;
          i++;
        }
        unit = (uint32_t)v;
        escaped_unit = true;
      } else {
        unit = (unsigned char)(c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c);
      }
    } else {
      unit = (unsigned char)c;
    }
    if (unit == 0) {
      snprintf(errstr, errstr_size, "line %d: NUL characters are not supported in keys or values",
               line_at(r, i - 1));
      return KC_EINVAL;
    }
    if (escaped_unit && unit >= 0xDC00 && unit <= 0xDFFF && high) {
      rc = put_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
      high = 0;
      continue;
    }
    if (high) {
      rc = kc_buf_append(out, "?", 1);
      high = 0;
      if (rc) break;
    }
    if (!escaped_unit) {
      char b = (char)unit; /* raw bytes (UTF-8 or not) pass through */
      rc = kc_buf_append(out, &b, 1);
    } else if (unit >= 0xD800 && unit <= 0xDBFF) {
      high = unit;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      rc = kc_buf_append(out, "?", 1);
    } else {
      rc = put_utf8(out, unit);
    }
  }
  if (rc == 0 && high) rc = kc_buf_append(out, "?", 1);
  if (rc == 0) rc = kc_buf_append(out, "", 0); /* NUL-terminates an empty result too */
  return rc ? KC_ENOMEM : 0;
}

/* load0: separates key and value in the logical line, then unescapes both. */
static int split_and_store(props_reader_t *r, kc_config_t *cfg, kc_buf_t *key, kc_buf_t *val,
                           char *errstr, size_t errstr_size) {
  const char *s = r->buf.data;
  size_t limit = r->buf.len, key_len = 0, value_start = limit;
  bool has_sep = false, backslash = false;
  while (key_len < limit) {
    char c = s[key_len];
    if ((c == '=' || c == ':') && !backslash) {
      value_start = key_len + 1;
      has_sep = true;
      break;
    }
    if (is_blank(c) && !backslash) {
      value_start = key_len + 1;
      break;
    }
    backslash = c == '\\' ? !backslash : false;
    key_len++;
  }
  /* "key = value" and "key value": blanks, then at most one '=' or ':', then blanks. */
  while (value_start < limit) {
    char c = s[value_start];
    if (!is_blank(c)) {
      if (!has_sep && (c == '=' || c == ':')) has_sep = true;
      else break;
    }
    value_start++;
  }
  int rc = unescape(r, 0, key_len, key, errstr, errstr_size);
  if (rc == 0) rc = unescape(r, value_start, limit, val, errstr, errstr_size);
  if (rc == 0) rc = kc_config_set(cfg, key->data, val->data);
  return rc;
}

kc_config_t *kc_props_parse(const char *text, size_t len, char *errstr, size_t errstr_size) {
  props_reader_t r = {.p = text, .end = text + len, .line = 1};
  kc_buf_t key, val;
  kc_buf_init(&r.buf, 0);
  kc_buf_init(&key, 0);
  kc_buf_init(&val, 0);
  kc_config_t *cfg = kc_config_new();
  int rc = cfg ? 0 : KC_ENOMEM;
  while (rc == 0) {
    rc = read_logical_line(&r);
    if (rc == 1) rc = split_and_store(&r, cfg, &key, &val, errstr, errstr_size);
    else if (rc == 0) break;
  }
  if (rc == KC_ENOMEM) snprintf(errstr, errstr_size, "line %d: out of memory", r.line);
  kc_buf_free(&r.buf);
  kc_buf_free(&key);
  kc_buf_free(&val);
  free(r.breaks);
  if (rc != 0) {
    kc_config_destroy(cfg);
    return NULL;
  }
  return cfg;
}

kc_config_t *kc_props_load_file(const char *path, char *errstr, size_t errstr_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
    return NULL;
  }
  kc_buf_t text;
  kc_buf_init(&text, PROPS_FILE_LIMIT);
  char chunk[16384];
  size_t n;
  int rc = 0;
  while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = kc_buf_append(&text, chunk, n);
  int read_err = ferror(f) ? errno : 0;
  fclose(f);
  if (rc || read_err) {
    snprintf(errstr, errstr_size, "%s: %s", path,
             rc == KC_ENOSPC ? "file too large (over 64 MiB)"
             : rc            ? "out of memory"
                             : strerror(read_err));
    kc_buf_free(&text);
    return NULL;
  }
  char inner[512] = "";
  kc_config_t *cfg = kc_props_parse(text.data ? text.data : "", text.len, inner, sizeof inner);
  kc_buf_free(&text);
  if (!cfg) snprintf(errstr, errstr_size, "%s: %s", path, inner);
  return cfg;
}

kc_config_t *kc_config_with_prefix(const kc_config_t *cfg, const char *prefix) {
  kc_config_t *out = kc_config_new();
  if (!out) return NULL;
  size_t plen = strlen(prefix);
  const char *k, *v;
  for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++) {
    if (strncmp(k, prefix, plen) != 0) continue;
    if (kc_config_set(out, k + plen, v) != 0) {
      kc_config_destroy(out);
      return NULL;
    }
  }
  return out;
}
