/*
 * FileStreamSource line splitting (connectors/file/file_lines.c).
 *
 * Lines must come out exactly as FileStreamSourceTask.extractLine cuts them:
 * "\n", "\r\n" and "\r" end a line, a "\r" as the last buffered byte waits for
 * the next one, an unterminated tail is not a line. The streaming splitter is
 * checked against a one-pass reference splitter for every split point of mixed
 * samples and for random chunkings of the ten loghub logs (with their "\r\n"
 * terminators, rewritten to "\n", and to "\r"); the loghub lines are also
 * checked against counts and hashes computed with Python's universal-newline
 * reader. UTF-8 repair is checked against the replacements Java's decoder makes.
 */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../connectors/file/file_lines.h"
#include "kc_test.h"

/* ---- line lists ---- */

typedef struct {
  size_t off, len; /* the line's bytes in the input */
  size_t end;      /* stream position after the line and its terminator */
} line_t;

typedef struct {
  line_t *v;
  size_t n, cap;
  size_t rest; /* bytes left unconsumed at the end */
} lines_t;

static void lines_add(lines_t *l, size_t off, size_t len, size_t end) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->v = realloc(l->v, l->cap * sizeof(*l->v));
    if (!l->v) abort();
  }
  l->v[l->n++] = (line_t){off, len, end};
}

static void lines_free(lines_t *l) {
  free(l->v);
  memset(l, 0, sizeof(*l));
}

/* Reference: one pass, a pending "\r" decided by the byte after it. */
static void split_ref(const char *in, size_t n, lines_t *out) {
  size_t cur = 0, cr = 0;
  bool pending_cr = false;
  for (size_t i = 0; i < n; i++) {
    char c = in[i];
    if (pending_cr) {
      pending_cr = false;
      if (c == '\n') {
        lines_add(out, cur, cr - cur, i + 1);
        cur = i + 1;
        continue;
      }
      lines_add(out, cur, cr - cur, i);
      cur = i;
    }
    if (c == '\n') {
      lines_add(out, cur, i - cur, i + 1);
      cur = i + 1;
    } else if (c == '\r') {
      pending_cr = true;
      cr = i;
    }
  }
  out->rest = n - cur;
}

/* Chunk sizes for the streaming splitter. */
typedef struct {
  const size_t *fixed; /* explicit chunk sizes, then the rest in one chunk */
  size_t nfixed, ifixed;
  uint64_t rng;        /* else random sizes in [1, max_chunk] */
  size_t max_chunk;
  size_t max_batch;    /* lines taken before the next chunk arrives (0: all) */
} feed_t;

static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static size_t feed_next(feed_t *f, size_t left) {
  size_t c;
  if (f->fixed)
    c = f->ifixed < f->nfixed ? f->fixed[f->ifixed++] : left;
  else
    c = 1 + (size_t)(rnd(&f->rng) % f->max_chunk);
  return c < left ? c : left;
}

/*
 * The source task's use of kc_file_lines_next: bytes arrive in chunks into a
 * compacting buffer, lines are taken up to a batch limit between chunks, and
 * the scan resumes where the previous one stopped.
 */
static void split_stream(const char *in, size_t n, feed_t *f, lines_t *out) {
  size_t cap = 1024, start = 0, end = 0, scan = 0, pos = 0, fed = 0;
  char *buf = malloc(cap);
  if (!buf) abort();
  for (;;) {
    bool last = fed == n;
    size_t taken = 0, len, next;
    while (!f->max_batch || taken < f->max_batch || last) {
      if (!kc_file_lines_next(buf + start, end - start, scan, &len, &next)) {
        if (next > end - start) {
          CHECKF(false, "resume point %zu past the %zu pending bytes", next, end - start);
          goto done;
        }
        scan = next;
        break;
      }
      if (!(next >= 1 && len < next && next <= end - start)) {
        CHECKF(false, "bad line %zu/%zu of %zu", len, next, end - start);
        goto done;
      }
      CHECKF(memcmp(buf + start, in + pos, len) == 0, "line bytes differ at %zu", pos);
      lines_add(out, pos, len, pos + next);
      start += next;
      pos += next;
      scan = 0;
      taken++;
    }
    if (last && taken == 0) break;
    if (last) continue;
    size_t c = feed_next(f, n - fed);
    memmove(buf, buf + start, end - start);
    end -= start;
    start = 0;
    while (cap - end < c) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) abort();
    }
    memcpy(buf + end, in + fed, c);
    end += c;
    fed += c;
  }
done:
  out->rest = end - start;
  free(buf);
}

static bool lines_equal(const lines_t *a, const lines_t *b, const char *what) {
  if (a->n != b->n || a->rest != b->rest) {
    CHECKF(false, "%s: %zu lines, %zu left; reference %zu lines, %zu left", what, a->n, a->rest,
          b->n, b->rest);
    return false;
  }
  for (size_t i = 0; i < a->n; i++) {
    if (a->v[i].off != b->v[i].off || a->v[i].len != b->v[i].len || a->v[i].end != b->v[i].end) {
      CHECKF(false, "%s: line %zu is (%zu,%zu,end %zu), reference (%zu,%zu,end %zu)", what, i,
            a->v[i].off, a->v[i].len, a->v[i].end, b->v[i].off, b->v[i].len, b->v[i].end);
      return false;
    }
  }
  return true;
}

/* ---- fixed cases ---- */

typedef struct {
  const char *in;
  size_t n;                /* 0: strlen(in) */
  const char *lines[8];    /* expected lines, NULL-terminated */
  size_t ends[8];          /* expected end positions */
  size_t rest;
  size_t len0;             /* length of lines[0] when it holds a NUL, else 0 */
} case_t;

static const case_t cases[] = {
    {"a\nb\n", 0, {"a", "b"}, {2, 4}, 0, 0},
    {"a\r\nb\r\n", 0, {"a", "b"}, {3, 6}, 0, 0},
    {"a\rb\r", 0, {"a"}, {2}, 2, 0}, /* the last "\r" may still become "\r\n" */
    {"a\rb\rc", 0, {"a", "b"}, {2, 4}, 1, 0},
    {"\n\n\r\n\r\r\n", 0, {"", "", "", "", ""}, {1, 2, 4, 5, 7}, 0, 0},
    {"\r", 0, {NULL}, {0}, 1, 0},
    {"abc", 0, {NULL}, {0}, 3, 0},
    {"", 0, {NULL}, {0}, 0, 0},
    {"a\n\rb", 0, {"a", ""}, {2, 3}, 1, 0},
    {"\n\r\r", 0, {"", ""}, {1, 2}, 1, 0},
    {"x\r\r\ny", 0, {"x", ""}, {2, 4}, 1, 0},
    {"h\xc3\xa9llo\nw\xc3\xb6rld\r\n\xe6\x97\xa5\xe6\x9c\xac\r", 0,
     {"h\xc3\xa9llo", "w\xc3\xb6rld"}, {7, 15}, 7, 0},
    {"a\0b\nc", 5, {"a\0b"}, {4}, 1, 3},
    {"\x85\x0b\x0c\n", 0, {"\x85\x0b\x0c"}, {4}, 0, 0}, /* NEL, VT, FF are not terminators */
};

static void test_fixed_cases(void) {
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    const case_t *t = &cases[c];
    size_t n = t->n ? t->n : strlen(t->in);
    size_t start = 0, k = 0, len, next;
    while (kc_file_lines_next(t->in + start, n - start, 0, &len, &next)) {
      const char *want = t->lines[k];
      size_t wlen = !want ? 0 : k == 0 && t->len0 ? t->len0 : strlen(want);
      CHECKF(want != NULL, "case %zu: unexpected line %zu", c, k);
      if (!want) break;
      CHECKF(len == wlen && memcmp(t->in + start, want, len) == 0, "case %zu line %zu: got %.*s",
            c, k, (int)len, t->in + start);
      CHECKF(start + next == t->ends[k], "case %zu line %zu ends at %zu, want %zu", c, k,
            start + next, t->ends[k]);
      start += next;
      k++;
    }
    CHECKF(t->lines[k] == NULL || k >= 8, "case %zu: only %zu lines", c, k);
    CHECKF(n - start == t->rest, "case %zu: %zu bytes left, want %zu", c, n - start, t->rest);
    lines_t ref = {0};
    split_ref(t->in, n, &ref);
    CHECKF(ref.n == k && ref.rest == t->rest, "case %zu: the reference splitter disagrees", c);
    lines_free(&ref);
  }
}

/* The resume point: a lone trailing "\r" is rescanned, other bytes are not. */
static void test_resume_point(void) {
  size_t len = 99, next = 99;
  CHECKF(!kc_file_lines_next("abc\r", 4, 0, &len, &next) && next == 3, "next %zu, want 3", next);
  CHECKF(kc_file_lines_next("abc\r\n", 5, 3, &len, &next) && len == 3 && next == 5,
        "\\r\\n across reads: len %zu next %zu", len, next);
  CHECKF(kc_file_lines_next("abc\rd", 5, 3, &len, &next) && len == 3 && next == 4,
        "\\r then a byte: len %zu next %zu", len, next);
  CHECKF(!kc_file_lines_next("abcdef", 6, 2, &len, &next) && next == 6, "next %zu, want 6", next);
  /* from is only a hint about the prefix; a too large one is clamped. */
  CHECKF(!kc_file_lines_next("ab", 2, 7, &len, &next) && next == 2, "clamped next %zu", next);
  CHECKF(!kc_file_lines_next(NULL, 0, 0, &len, &next) && next == 0, "empty input");
}

static const char sample[] =
    "first\r\nsecond\n\nthird\rfourth\r\r\n\xe2\x82\xac uro\r\n\r\rlast\r";

/* Every single split point and every pair of split points of a mixed sample. */
static void test_every_split(void) {
  size_t n = sizeof(sample) - 1;
  lines_t ref = {0};
  split_ref(sample, n, &ref);
  CHECKF(ref.n == 9 && ref.rest == 5, "reference: %zu lines, %zu left", ref.n, ref.rest);
  for (size_t i = 0; i <= n; i++) {
    for (size_t j = i; j <= n; j++) {
      for (size_t batch = 0; batch <= 1; batch++) {
        size_t sizes[3] = {i, j - i, n - j};
        feed_t f = {.fixed = sizes, .nfixed = 3, .max_batch = batch};
        lines_t got = {0};
        split_stream(sample, n, &f, &got);
        char what[64];
        snprintf(what, sizeof(what), "split at %zu,%zu batch %zu", i, j, batch);
        bool ok = lines_equal(&got, &ref, what);
        lines_free(&got);
        if (!ok) goto out;
      }
    }
  }
out:
  lines_free(&ref);
}

/* Every byte on its own: exercises the resume point once per byte. */
static void test_byte_at_a_time(void) {
  size_t n = sizeof(sample) - 1;
  lines_t ref = {0}, got = {0};
  split_ref(sample, n, &ref);
  feed_t f = {.rng = 1, .max_chunk = 1, .max_batch = 1};
  split_stream(sample, n, &f, &got);
  lines_equal(&got, &ref, "1-byte chunks");
  lines_free(&ref);
  lines_free(&got);
}

/* ---- loghub ---- */

typedef struct {
  size_t lines, bytes;
  uint64_t fnv; /* FNV-1a 64 of every line followed by "\n" */
} expect_t;

/* From Python: open(f, newline=None) lines; a final "\r" or unterminated tail is no line. */
static const struct {
  const char *name;
  expect_t crlf, lf, cr; /* as shipped ("\r\n"), "\r" removed, "\r\n" -> "\r" */
} loghub[] = {
    {"Android_2k.log", {1999, 274980, 0x22744ad23ba07681ULL}, {1999, 274980, 0x22744ad23ba07681ULL}, {1999, 274980, 0x22744ad23ba07681ULL}},
    {"Apache_2k.log", {1999, 167167, 0xe3d3db9ed191977aULL}, {1999, 167167, 0xe3d3db9ed191977aULL}, {1999, 167167, 0xe3d3db9ed191977aULL}},
    {"HDFS_2k.log", {2000, 283848, 0x180e3c480bc855b8ULL}, {2000, 283848, 0x180e3c480bc855b8ULL}, {1999, 283707, 0xfa69752e365a5384ULL}},
    {"Hadoop_2k.log", {1999, 380772, 0x07702e655a1abaf0ULL}, {1999, 380772, 0x07702e655a1abaf0ULL}, {1999, 380772, 0x07702e655a1abaf0ULL}},
    {"HealthApp_2k.log", {1999, 183353, 0xea33ead666105aaaULL}, {1999, 183353, 0xea33ead666105aaaULL}, {1999, 183353, 0xea33ead666105aaaULL}},
    {"Linux_2k.log", {1999, 212412, 0xf84c0c5f3322c91eULL}, {1999, 212412, 0xf84c0c5f3322c91eULL}, {1999, 212412, 0xf84c0c5f3322c91eULL}},
    {"OpenSSH_2k.log", {1999, 221112, 0xe0adc033215cbb7cULL}, {1999, 221112, 0xe0adc033215cbb7cULL}, {1999, 221112, 0xe0adc033215cbb7cULL}},
    {"OpenStack_2k.log", {1999, 590790, 0xb08ce7b9f27be3d9ULL}, {1999, 590790, 0xb08ce7b9f27be3d9ULL}, {1999, 590790, 0xb08ce7b9f27be3d9ULL}},
    {"Spark_2k.log", {2000, 192268, 0x644e8ca94b903ca1ULL}, {2000, 192268, 0x644e8ca94b903ca1ULL}, {1999, 192194, 0x8f5d22aba5d06e9fULL}},
    {"Zookeeper_2k.log", {1999, 275739, 0x89bbf3998feccaf6ULL}, {1999, 275739, 0x89bbf3998feccaf6ULL}, {1999, 275739, 0x89bbf3998feccaf6ULL}},
};

/* Rewrites "\r\n" as "\n" (drop_cr) or as "\r". */
static size_t rewrite(const char *in, size_t n, char *out, bool drop_cr) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n') {
      out[o++] = drop_cr ? '\n' : '\r';
      i++;
    } else {
      out[o++] = in[i];
    }
  }
  return o;
}

static void check_expect(const char *in, const lines_t *l, const expect_t *e, const char *what) {
  size_t bytes = 0;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < l->n; i++) {
    bytes += l->v[i].len;
    for (size_t k = 0; k <= l->v[i].len; k++) {
      unsigned char c = k < l->v[i].len ? (unsigned char)in[l->v[i].off + k] : '\n';
      h = (h ^ c) * 0x100000001b3ULL;
    }
  }
  CHECKF(l->n == e->lines && bytes == e->bytes && h == e->fnv,
        "%s: %zu lines, %zu bytes, fnv %016llx; Python: %zu, %zu, %016llx", what, l->n, bytes,
        (unsigned long long)h, e->lines, e->bytes, (unsigned long long)e->fnv);
}

static void test_loghub(void) {
  const char *pattern = kc_test_data("loghub/*/*.log");
  glob_t g;
  int rc = glob(pattern, 0, NULL, &g);
  CHECKF(rc == 0 && g.gl_pathc == 10, "%s: expected the ten loghub logs, found %zu", pattern,
        rc == 0 ? (size_t)g.gl_pathc : (size_t)0);
  if (rc != 0) return;
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    const char *path = g.gl_pathv[i];
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t row = sizeof(loghub) / sizeof(loghub[0]);
    for (size_t k = 0; k < sizeof(loghub) / sizeof(loghub[0]); k++)
      if (strcmp(loghub[k].name, base) == 0) row = k;
    CHECKF(row < sizeof(loghub) / sizeof(loghub[0]), "no Python figures for %s", base);
    size_t n = 0;
    char *raw = kc_test_read_file(path, &n);
    CHECKF(raw && n > 100000, "cannot read %s", path);
    char *alt = raw ? malloc(n) : NULL;
    if (!raw || !alt || row >= sizeof(loghub) / sizeof(loghub[0])) {
      free(raw);
      free(alt);
      continue;
    }
    for (int variant = 0; variant < 3; variant++) {
      const char *in = raw;
      size_t len = n;
      const expect_t *e = &loghub[row].crlf;
      if (variant > 0) {
        len = rewrite(raw, n, alt, variant == 1);
        in = alt;
        e = variant == 1 ? &loghub[row].lf : &loghub[row].cr;
      }
      lines_t ref = {0};
      split_ref(in, len, &ref);
      char what[256];
      snprintf(what, sizeof(what), "%s variant %d reference", base, variant);
      check_expect(in, &ref, e, what);
      /* tiny chunks, typical reads, large reads; with and without batch limits */
      static const size_t max_chunks[] = {7, 300, 70000};
      for (size_t m = 0; m < 3; m++) {
        for (size_t b = 0; b < 2; b++) {
          feed_t f = {.rng = seed = rnd(&seed) | 1, .max_chunk = max_chunks[m],
                      .max_batch = b ? 1 + (size_t)(seed % 50) : 0};
          lines_t got = {0};
          split_stream(in, len, &f, &got);
          snprintf(what, sizeof(what), "%s variant %d chunks<=%zu batch %zu", base, variant,
                   max_chunks[m], f.max_batch);
          if (lines_equal(&got, &ref, what)) check_expect(in, &got, e, what);
          lines_free(&got);
        }
      }
      lines_free(&ref);
    }
    free(raw);
    free(alt);
  }
  globfree(&g);
}

/* ---- UTF-8 ---- */

typedef struct {
  const char *in, *out; /* out NULL: valid, copied unchanged */
} utf8_case_t;

#define R "\xef\xbf\xbd" /* U+FFFD */

static const utf8_case_t utf8_cases[] = {
    {"plain ascii", NULL},
    {"h\xc3\xa9llo w\xc3\xb6rld", NULL},
    {"\xe2\x82\xac \xe6\x97\xa5\xe6\x9c\xac", NULL},
    {"\xf0\x9f\x98\x80", NULL},                 /* U+1F600 */
    {"\xef\xbf\xbf\xf4\x8f\xbf\xbf", NULL},     /* U+FFFF, U+10FFFF */
    {"\xed\x9f\xbf\xee\x80\x80", NULL},         /* U+D7FF, U+E000 around the surrogates */
    {"\xff", R},
    {"a\x80" "b", "a" R "b"},
    {"\xc0\xaf", R R},                          /* overlong lead, stray continuation */
    {"\xc1\xbf", R R},
    {"\xc3", R},                                /* cut by the end of the line */
    {"\xe2\x82", R},
    {"\xe2\x82" "A", R "A"},
    {"\xe0\x80\x80", R R R},                    /* overlong 3-byte */
    {"\xe0\xa0\x80", NULL},                     /* U+0800 */
    {"\xed\xa0\x80", R},                        /* surrogate: one U+FFFD in Java */
    {"\xed\xbf\xbf" "z", R "z"},
    {"\xed\xa0" "A", R "A"},                    /* Java's two-byte prefix */
    {"\xf0\x90\x80", R},
    {"\xf0\x90\x80" "A", R "A"},
    {"\xf0\x80\x80\x80", R R R R},              /* overlong 4-byte */
    {"\xf4\x90\x80\x80", R R R R},              /* above U+10FFFF */
    {"\xf5\x80", R R},
    {"\xf8\x88\x80\x80\x80", R R R R R},        /* 5-byte forms are single bytes */
    {"ok\xe2\x82\xac\xe2" "ok", "ok\xe2\x82\xac" R "ok"},
    {"1234567\xff", "1234567" R},               /* the bad byte ends an 8-byte word */
    {"abcdefghijklmno\x80" "abcdefgh", "abcdefghijklmno" R "abcdefgh"},
    {"abcdefghijklmn\xc3\xa9", NULL},
};

static void test_utf8_cases(void) {
  char out[256];
  for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
    const utf8_case_t *c = &utf8_cases[i];
    size_t n = strlen(c->in);
    const char *want = c->out ? c->out : c->in;
    CHECKF(kc_file_utf8_valid(c->in, n) == (c->out == NULL), "case %zu: valid() wrong", i);
    size_t m = kc_file_utf8_repair(c->in, n, out);
    CHECKF(m == strlen(want) && memcmp(out, want, m) == 0, "case %zu: repaired to %zu bytes", i, m);
  }
}

/* Random byte strings: repair output is valid, and the identity on valid input. */
static void test_utf8_fuzz(void) {
  static const unsigned char pool[] = {'a', '\n', 0x80, 0x9f, 0xa0, 0xbf, 0xc2, 0xc3, 0xdf,
                                       0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff};
  uint64_t seed = 42;
  char in[40], out[3 * sizeof(in)], again[3 * sizeof(out)];
  size_t nvalid = 0;
  for (int iter = 0; iter < 200000; iter++) {
    size_t n = rnd(&seed) % sizeof(in);
    unsigned ascii_pct = (unsigned)(rnd(&seed) % 100); /* long ASCII runs cross 8-byte words */
    for (size_t i = 0; i < n; i++)
      in[i] = rnd(&seed) % 100 < ascii_pct ? 'a' : (char)pool[rnd(&seed) % sizeof(pool)];
    bool valid = kc_file_utf8_valid(in, n);
    size_t m = kc_file_utf8_repair(in, n, out);
    CHECKF(m <= 3 * n, "repair wrote %zu bytes for %zu", m, n);
    CHECKF(kc_file_utf8_valid(out, m), "iteration %d: repair output is not valid", iter);
    CHECKF(!valid || (m == n && memcmp(in, out, n) == 0), "iteration %d: valid input changed",
           iter);
    CHECKF(valid || m != n || memcmp(in, out, n) != 0, "iteration %d: invalid input kept", iter);
    size_t m2 = kc_file_utf8_repair(out, m, again);
    CHECKF(m2 == m && memcmp(out, again, m) == 0, "iteration %d: repair is not idempotent", iter);
    nvalid += valid;
  }
  CHECKF(nvalid > 1000 && nvalid < 190000, "fuzz mix: %zu valid inputs", nvalid);
}

int main(void) {
  kc_test_set_report_limit(5); /* fuzz loops would print a line per failed iteration */
  kc_test_run("fixed_cases", test_fixed_cases);
  kc_test_run("resume_point", test_resume_point);
  kc_test_run("every_split", test_every_split);
  kc_test_run("byte_at_a_time", test_byte_at_a_time);
  kc_test_run("loghub", test_loghub);
  kc_test_run("utf8_cases", test_utf8_cases);
  kc_test_run("utf8_fuzz", test_utf8_fuzz);
  return kc_test_done();
}
