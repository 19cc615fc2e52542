/*
 * Java Object Serialization (stream protocol v5) of HashMap<byte[],byte[]>,
 * the standalone offsets file format (connect-runtime.md 5.4).
 *
 * The encoder writes the bytes JDK 17's ObjectOutputStream writes for the map
 * FileOffsetBackingStore.save() builds (new HashMap<>() plus one put() per
 * entry), so files are interchangeable with Java workers. The decoder reads
 * the subset of the protocol such a map can use, sequentially like
 * ObjectInputStream: running out of bytes first is "truncated" (Java's
 * EOFException, an empty store), anything unexpected first is an error that
 * names the byte offset.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/offset_store.h"

/* Type codes of java.io.ObjectStreamConstants. */
enum {
  TC_NULL = 0x70,
  TC_REFERENCE = 0x71,
  TC_CLASSDESC = 0x72,
  TC_OBJECT = 0x73,
  TC_STRING = 0x74,
  TC_ARRAY = 0x75,
  TC_CLASS = 0x76,
  TC_BLOCKDATA = 0x77,
  TC_ENDBLOCKDATA = 0x78,
  TC_RESET = 0x79,
  TC_BLOCKDATALONG = 0x7A,
  TC_EXCEPTION = 0x7B,
  TC_LONGSTRING = 0x7C,
  TC_PROXYCLASSDESC = 0x7D,
  TC_ENUM = 0x7E,
};
#define BASE_WIRE_HANDLE 0x7E0000u
#define SC_WRITE_METHOD 0x01
#define SC_SERIALIZABLE 0x02

static const char hashmap_class[] = "java.util.HashMap";
static const uint64_t hashmap_suid = 362498820763181265ULL; /* 0x0507DAC1C31660D1 */
static const char bytes_class[] = "[B";
static const uint64_t bytes_suid = 0xACF317F8060854E0ULL;

/* ---- encoder ---------------------------------------------------------------- */

static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v) {
  put_u32(p, (uint32_t)(v >> 32));
  put_u32(p + 4, (uint32_t)v);
}

/* Appends TC_CLASSDESC <name> <suid> <flags> <nfields>; the caller adds the fields. */
static int put_classdesc_head(kc_buf_t *out, const char *name, uint64_t suid, uint8_t flags,
                              uint16_t nfields) {
  size_t nlen = strlen(name);
  uint8_t h[3];
  h[0] = TC_CLASSDESC;
  put_u16(h + 1, (uint16_t)nlen);
  int rc = kc_buf_append(out, h, sizeof h);
  if (!rc) rc = kc_buf_append(out, name, nlen);
  uint8_t t[11];
  put_u64(t, suid);
  t[8] = flags;
  put_u16(t + 9, nfields);
  if (!rc) rc = kc_buf_append(out, t, sizeof t);
  return rc;
}

static int put_field(kc_buf_t *out, char type, const char *name) {
  size_t nlen = strlen(name);
  uint8_t h[3];
  h[0] = (uint8_t)type;
  put_u16(h + 1, (uint16_t)nlen);
  int rc = kc_buf_append(out, h, sizeof h);
  return rc ? rc : kc_buf_append(out, name, nlen);
}

/*
 * HashMap.writeObject() writes the bucket count of its table. A map filled by
 * put() starts at 16 buckets (threshold 12) on the first put and doubles the
 * table, and the threshold with it, whenever the size passes the threshold;
 * an empty new HashMap<>() has no table, threshold 0 and reports 16 buckets.
 */
static void hashmap_geometry(size_t n, uint32_t *capacity, uint32_t *threshold) {
  uint32_t cap = 16, thr = n ? 12 : 0;
  while (n > thr && thr != INT32_MAX) {
    if (cap == (1u << 29)) {
      cap = 1u << 30; /* MAXIMUM_CAPACITY: the threshold becomes Integer.MAX_VALUE */
      thr = INT32_MAX;
    } else {
      cap <<= 1;
      thr <<= 1;
    }
  }
  *capacity = cap;
  *threshold = thr;
}

static int put_bytes(kc_buf_t *out, const void *p, size_t len, int *have_desc) {
  if (!p) {
    uint8_t nul = TC_NULL;
    return kc_buf_append(out, &nul, 1);
  }
  if (len > INT32_MAX) return KC_EINVAL;
  int rc;
  uint8_t t[6];
  t[0] = TC_ARRAY;
  if (!*have_desc) {
    /* The first array carries the "[B" descriptor, which takes handle 0x7E0002 (after the
     * HashMap descriptor and the HashMap itself); later arrays refer back to it. */
    rc = kc_buf_append(out, t, 1);
    if (!rc) rc = put_classdesc_head(out, bytes_class, bytes_suid, SC_SERIALIZABLE, 0);
    uint8_t tail[2] = {TC_ENDBLOCKDATA, TC_NULL};
    if (!rc) rc = kc_buf_append(out, tail, sizeof tail);
    *have_desc = 1;
  } else {
    t[1] = TC_REFERENCE;
    put_u32(t + 2, BASE_WIRE_HANDLE + 2);
    rc = kc_buf_append(out, t, sizeof t);
  }
  uint8_t l[4];
  put_u32(l, (uint32_t)len);
  if (!rc) rc = kc_buf_append(out, l, sizeof l);
  if (!rc) rc = kc_buf_append(out, p, len);
  return rc;
}

int kc_offset_codec_encode(const kc_offset_entry_t *entries, size_t n, kc_buf_t *out) {
  if (n > INT32_MAX) return KC_EINVAL;
  size_t start = out->len;
  static const uint8_t magic[4] = {0xAC, 0xED, 0x00, 0x05};
  uint8_t obj = TC_OBJECT;
  int rc = kc_buf_append(out, magic, sizeof magic);
  if (!rc) rc = kc_buf_append(out, &obj, 1);
  if (!rc) rc = put_classdesc_head(out, hashmap_class, hashmap_suid,
                                   SC_SERIALIZABLE | SC_WRITE_METHOD, 2);
  /* ObjectStreamClass orders primitive fields by name: loadFactor, threshold. */
  if (!rc) rc = put_field(out, 'F', "loadFactor");
  if (!rc) rc = put_field(out, 'I', "threshold");
  uint32_t cap, thr;
  hashmap_geometry(n, &cap, &thr);
  uint8_t t[20];
  t[0] = TC_ENDBLOCKDATA; /* no class annotation */
  t[1] = TC_NULL;         /* no serializable superclass */
  put_u32(t + 2, 0x3F400000u); /* 0.75f */
  put_u32(t + 6, thr);
  t[10] = TC_BLOCKDATA;
  t[11] = 8;
  put_u32(t + 12, cap);
  put_u32(t + 16, (uint32_t)n);
  if (!rc) rc = kc_buf_append(out, t, sizeof t);
  int have_desc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    rc = put_bytes(out, entries[i].key, entries[i].klen, &have_desc);
    if (!rc) rc = put_bytes(out, entries[i].val, entries[i].vlen, &have_desc);
  }
  uint8_t end = TC_ENDBLOCKDATA;
  if (!rc) rc = kc_buf_append(out, &end, 1);
  if (rc) {
    out->len = start; /* leave no half-written map behind */
    if (out->data) out->data[start] = '\0';
  }
  return rc;
}

/* ---- decoder ---------------------------------------------------------------- */

/* Internal results besides 0 and KC_E*: the input ended first; the entry callback stopped. */
#define TRUNCATED 1
#define STOPPED 2

typedef enum { H_HASHMAP_DESC, H_HASHMAP, H_BYTES_DESC, H_BYTES } handle_kind_t;

typedef struct {
  handle_kind_t kind;
  size_t off, len; /* H_BYTES: the array's content in the input */
} handle_t;

typedef struct {
  const uint8_t *p;
  size_t len, pos;
  handle_t *handles;
  size_t nhandles, handles_cap;
  char *errstr;
  size_t errstr_size;
  int fn_rc; /* what the entry callback returned when it stopped the decoding */
} reader_t;

static int fail(reader_t *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(reader_t *r, size_t at, const char *fmt, ...) {
  if (r->errstr && r->errstr_size) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->errstr, r->errstr_size, "not a serialized HashMap<byte[],byte[]>: %s at offset %zu",
             msg, at);
  }
  return KC_EINVAL;
}

static const char *tc_name(uint8_t tc) {
  static const char *const names[] = {
      "TC_NULL",      "TC_REFERENCE", "TC_CLASSDESC",     "TC_OBJECT",
      "TC_STRING",    "TC_ARRAY",     "TC_CLASS",         "TC_BLOCKDATA",
      "TC_ENDBLOCKDATA", "TC_RESET",  "TC_BLOCKDATALONG", "TC_EXCEPTION",
      "TC_LONGSTRING", "TC_PROXYCLASSDESC", "TC_ENUM"};
  return tc >= TC_NULL && tc <= TC_ENUM ? names[tc - TC_NULL] : "unknown type code";
}

static int need(reader_t *r, size_t n) { return r->len - r->pos < n ? TRUNCATED : 0; }

static int get_u8(reader_t *r, uint8_t *v) {
  if (need(r, 1)) return TRUNCATED;
  *v = r->p[r->pos++];
  return 0;
}

static int get_u16(reader_t *r, uint16_t *v) {
  if (need(r, 2)) return TRUNCATED;
  *v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
  r->pos += 2;
  return 0;
}

static int get_u32(reader_t *r, uint32_t *v) {
  if (need(r, 4)) return TRUNCATED;
  const uint8_t *b = r->p + r->pos;
  *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  r->pos += 4;
  return 0;
}

static int get_u64(reader_t *r, uint64_t *v) {
  uint32_t hi, lo;
  if (get_u32(r, &hi) || get_u32(r, &lo)) return TRUNCATED;
  *v = (uint64_t)hi << 32 | lo;
  return 0;
}

static int add_handle(reader_t *r, handle_kind_t kind, size_t off, size_t len) {
  if (r->nhandles == r->handles_cap) {
    size_t cap = r->handles_cap ? r->handles_cap * 2 : 16;
    handle_t *h = realloc(r->handles, cap * sizeof *h);
    if (!h) return KC_ENOMEM;
    r->handles = h;
    r->handles_cap = cap;
  }
  r->handles[r->nhandles++] = (handle_t){kind, off, len};
  return 0;
}

/* Reads a TC_REFERENCE's handle (type code already consumed at @p at). */
static int get_reference(reader_t *r, size_t at, const handle_t **out) {
  uint32_t h;
  if (get_u32(r, &h)) return TRUNCATED;
  if (h < BASE_WIRE_HANDLE || h - BASE_WIRE_HANDLE >= r->nhandles)
    return fail(r, at, "TC_REFERENCE to unknown handle 0x%" PRIx32, h);
  *out = &r->handles[h - BASE_WIRE_HANDLE];
  return 0;
}

/*
 * Reads a class descriptor body after TC_CLASSDESC up to and including the
 * field count, checking it names @p want with @p suid. The descriptor's handle
 * is assigned before its body, as ObjectInputStream does.
 */
static int get_classdesc_head(reader_t *r, const char *want, uint64_t suid, handle_kind_t kind,
                              uint8_t *flags, uint16_t *nfields) {
  int rc = add_handle(r, kind, 0, 0);
  if (rc) return rc;
  size_t at = r->pos;
  uint16_t nlen;
  if (get_u16(r, &nlen) || need(r, nlen)) return TRUNCATED;
  const char *name = (const char *)r->p + r->pos;
  if (nlen != strlen(want) || memcmp(name, want, nlen) != 0) {
    char shown[81]; /* the name comes from the file: keep the message printable */
    size_t n = nlen < sizeof shown - 1 ? nlen : sizeof shown - 1;
    for (size_t i = 0; i < n; i++) shown[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
    shown[n] = '\0';
    return fail(r, at, "class \"%s\" where %s was expected", shown, want);
  }
  r->pos += nlen;
  at = r->pos;
  uint64_t got;
  if (get_u64(r, &got)) return TRUNCATED;
  if (got != suid)
    return fail(r, at, "serialVersionUID %" PRId64 " of %s, expected %" PRId64, (int64_t)got, want,
                (int64_t)suid);
  if (get_u8(r, flags) || get_u16(r, nfields)) return TRUNCATED;
  return 0;
}

/* Expects TC_ENDBLOCKDATA (no class annotation) then TC_NULL (no superclass). */
static int get_classdesc_tail(reader_t *r, const char *cls) {
  uint8_t tc;
  size_t at = r->pos;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc != TC_ENDBLOCKDATA)
    return fail(r, at, "%s (0x%02x) in the class annotation of %s", tc_name(tc), tc, cls);
  at = r->pos;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc != TC_NULL)
    return fail(r, at, "%s (0x%02x) as the superclass of %s", tc_name(tc), tc, cls);
  return 0;
}

static int get_bytes_classdesc(reader_t *r) {
  size_t at = r->pos;
  uint8_t tc;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc == TC_REFERENCE) {
    const handle_t *h = NULL;
    int rc = get_reference(r, at, &h);
    if (rc) return rc;
    if (h->kind != H_BYTES_DESC)
      return fail(r, at, "TC_REFERENCE to a handle that is not the byte[] class");
    return 0;
  }
  if (tc != TC_CLASSDESC)
    return fail(r, at, "%s (0x%02x) where the byte[] class descriptor was expected", tc_name(tc),
                tc);
  uint8_t flags = 0;
  uint16_t nfields = 0;
  int rc = get_classdesc_head(r, bytes_class, bytes_suid, H_BYTES_DESC, &flags, &nfields);
  if (rc) return rc;
  if (nfields != 0) return fail(r, r->pos - 2, "byte[] class descriptor with %u fields", nfields);
  return get_classdesc_tail(r, "byte[]");
}

/* Reads one key or value: a byte[], null, or a reference to an earlier byte[]. */
static int get_bytes(reader_t *r, const void **p, size_t *len) {
  size_t at = r->pos;
  uint8_t tc;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc == TC_NULL) {
    *p = NULL;
    *len = 0;
    return 0;
  }
  if (tc == TC_REFERENCE) {
    const handle_t *h = NULL;
    int rc = get_reference(r, at, &h);
    if (rc) return rc;
    if (h->kind != H_BYTES) return fail(r, at, "TC_REFERENCE to an object that is not a byte[]");
    *p = r->p + h->off;
    *len = h->len;
    return 0;
  }
  if (tc != TC_ARRAY)
    return fail(r, at, "%s (0x%02x) where a byte[] or null was expected", tc_name(tc), tc);
  int rc = get_bytes_classdesc(r);
  if (rc) return rc;
  at = r->pos;
  uint32_t n;
  if (get_u32(r, &n)) return TRUNCATED;
  if (n > INT32_MAX) return fail(r, at, "negative array length %" PRId32, (int32_t)n);
  if (need(r, n)) return TRUNCATED;
  rc = add_handle(r, H_BYTES, r->pos, n);
  if (rc) return rc;
  *p = r->p + r->pos;
  *len = n;
  r->pos += n;
  return 0;
}

/*
 * Reads @p n bytes of primitive data written by HashMap.writeObject(); Java
 * reads them across block-data records, so any split is accepted, but a
 * record must not hold more than is read (OptionalDataException in Java).
 */
static int get_block_data(reader_t *r, uint8_t *dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t at = r->pos;
    uint8_t tc;
    uint32_t blen;
    if (get_u8(r, &tc)) return TRUNCATED;
    if (tc == TC_BLOCKDATA) {
      uint8_t b;
      if (get_u8(r, &b)) return TRUNCATED;
      blen = b;
    } else if (tc == TC_BLOCKDATALONG) {
      if (get_u32(r, &blen)) return TRUNCATED;
    } else {
      return fail(r, at, "%s (0x%02x) where the HashMap's block data was expected", tc_name(tc),
                  tc);
    }
    if (blen > n - got) return fail(r, at, "block data of %" PRIu32 " bytes, expected %zu", blen,
                                    n - got);
    if (need(r, blen)) return TRUNCATED;
    memcpy(dst + got, r->p + r->pos, blen);
    r->pos += blen;
    got += blen;
  }
  return 0;
}

static uint32_t be32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int decode_map(reader_t *r, int (*fn)(void *arg, const kc_offset_entry_t *e), void *arg) {
  size_t at = 0;
  uint16_t magic, version;
  if (get_u16(r, &magic) || get_u16(r, &version)) return TRUNCATED;
  if (magic != 0xACED) return fail(r, 0, "bad stream magic 0x%04x (expected 0xaced)", magic);
  if (version != 5) return fail(r, 2, "unsupported stream version %u (expected 5)", version);

  at = r->pos;
  uint8_t tc;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc != TC_OBJECT)
    return fail(r, at, "%s (0x%02x) where a java.util.HashMap object was expected", tc_name(tc),
                tc);
  at = r->pos;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc != TC_CLASSDESC)
    return fail(r, at, "%s (0x%02x) where the java.util.HashMap class descriptor was expected",
                tc_name(tc), tc);
  uint8_t flags = 0;
  uint16_t nfields = 0;
  int rc = get_classdesc_head(r, hashmap_class, hashmap_suid, H_HASHMAP_DESC, &flags, &nfields);
  if (rc) return rc;
  if ((flags & (SC_SERIALIZABLE | SC_WRITE_METHOD)) != (SC_SERIALIZABLE | SC_WRITE_METHOD) ||
      (flags & ~(SC_SERIALIZABLE | SC_WRITE_METHOD)))
    return fail(r, r->pos - 3, "class flags 0x%02x of java.util.HashMap (expected 0x03)", flags);

  /* Field values follow in declaration order; only primitive fields are accepted, and the ones
   * HashMap knows are checked as HashMap.readObject() does. */
  char types[8];
  if (nfields > sizeof types) return fail(r, r->pos - 2, "%u fields in java.util.HashMap", nfields);
  int lf_field = -1;
  for (unsigned i = 0; i < nfields; i++) {
    at = r->pos;
    uint8_t type;
    uint16_t nlen;
    if (get_u8(r, &type) || get_u16(r, &nlen) || need(r, nlen)) return TRUNCATED;
    if (!strchr("BCDFIJSZ", type) || type == 0)
      return fail(r, at, "field type '%c' (0x%02x) in java.util.HashMap (only primitive fields)",
                  type >= 0x20 && type < 0x7f ? type : '?', type);
    if (nlen == 10 && memcmp(r->p + r->pos, "loadFactor", 10) == 0) {
      if (type != 'F') return fail(r, at, "HashMap.loadFactor of type '%c'", type);
      lf_field = (int)i;
    }
    types[i] = (char)type;
    r->pos += nlen;
  }
  if (lf_field < 0) /* Java's default 0.0 fails HashMap.readObject() */
    return fail(r, r->pos, "java.util.HashMap without a loadFactor field");
  rc = get_classdesc_tail(r, hashmap_class);
  if (rc) return rc;
  rc = add_handle(r, H_HASHMAP, 0, 0);
  if (rc) return rc;
  for (unsigned i = 0; i < nfields; i++) {
    static const char sizes[] = "B1C2D8F4I4J8S2Z1";
    size_t sz = (size_t)(strchr(sizes, types[i])[1] - '0');
    at = r->pos;
    if (need(r, sz)) return TRUNCATED;
    if ((int)i == lf_field) {
      uint32_t bits = be32(r->p + r->pos);
      float lf;
      memcpy(&lf, &bits, sizeof lf);
      if (!(lf > 0)) return fail(r, at, "illegal load factor %g", (double)lf);
    }
    r->pos += sz;
  }

  uint8_t ints[8];
  rc = get_block_data(r, ints, sizeof ints);
  if (rc) return rc;
  uint32_t mappings = be32(ints + 4); /* the bucket count (ints[0..3]) is ignored, as in Java */
  if (mappings > INT32_MAX)
    return fail(r, r->pos - 4, "illegal mappings count %" PRId32, (int32_t)mappings);
  for (uint32_t i = 0; i < mappings; i++) {
    kc_offset_entry_t e;
    rc = get_bytes(r, &e.key, &e.klen);
    if (!rc) rc = get_bytes(r, &e.val, &e.vlen);
    if (rc) return rc;
    if (fn && (r->fn_rc = fn(arg, &e)) != 0) return STOPPED;
  }
  at = r->pos;
  if (get_u8(r, &tc)) return TRUNCATED;
  if (tc != TC_ENDBLOCKDATA)
    return fail(r, at, "%s (0x%02x) after the %" PRIu32 " entries (expected TC_ENDBLOCKDATA)",
                tc_name(tc), tc, mappings);
  return 0;
}

int kc_offset_codec_decode_ex(const void *data, size_t len,
                              int (*fn)(void *arg, const kc_offset_entry_t *e), void *arg,
                              int *complete, char *errstr, size_t errstr_size) {
  reader_t r = {.p = data, .len = len, .errstr = errstr, .errstr_size = errstr_size};
  if (errstr && errstr_size) errstr[0] = '\0';
  int rc = decode_map(&r, fn, arg);
  free(r.handles);
  if (complete) *complete = rc == 0;
  if (rc == STOPPED) return r.fn_rc;
  return rc == TRUNCATED ? 0 : rc;
}

int kc_offset_codec_decode(const void *data, size_t len,
                           int (*fn)(void *arg, const kc_offset_entry_t *e), void *arg,
                           char *errstr, size_t errstr_size) {
  return kc_offset_codec_decode_ex(data, len, fn, arg, NULL, errstr, errstr_size);
}
