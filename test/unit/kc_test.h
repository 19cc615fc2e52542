/*
 * The harness the C unit tests share. Each test program is one translation unit, so the
 * state lives in a function-local static and every helper is static inline.
 *
 *   CHECK(cond)                a failed check is counted against the running test
 *   CHECKF(cond, fmt, ...)     the same, with a printf-style message saying what differed
 *   CHECK_STR(got, want)       string equality; a NULL got fails
 *   CHECK_PREFIX(got, want)    got starts with want
 *   kc_test_run(name, fn)      runs one test: "ok   name" or "FAIL name (n failed checks)"
 *   kc_test_done()             prints the closing "N passed, N failed" line over the tests
 *   kc_test_done_checks()      the same line over single checks, for a program without tests
 *
 * plus what several tests need around the checks: paths under $KC_SHARED_DATA and
 * $KC_SOURCE_DIR, reading and writing whole files, CSV rows, walking a directory, temp files
 * and directories, capturing stderr, and running a shell command or a Python script. Every
 * check also returns whether it held, so that a test can stop where going on would only pile
 * up follow-on failures: if (!CHECK(f)) return;
 *
 * Failure messages go to stderr; the per-test lines and the closing line to stdout, which
 * is flushed after each test so that a parent reading a pipe sees them in order.
 */
#ifndef KC_TEST_H
#define KC_TEST_H

#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__GNUC__)
#define KC_TEST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KC_TEST_PRINTF(f, a)
#endif

typedef struct {
  int passed, failed;               /* tests run by kc_test_run (or added by kc_test_add) */
  int checks_passed, checks_failed; /* every check, in or out of a test */
  int cur_failed;                   /* failed checks of the running test */
  int report_limit;                 /* failures printed per test; 0 prints every one */
} kc_test_state_t;

static inline kc_test_state_t *kc_test_state(void) {
  static kc_test_state_t state;
  return &state;
}

/* A check inside a loop over thousands of inputs can fail thousands of times; the count
 * stays exact while only the first @p n messages of each test are printed. */
static inline void kc_test_set_report_limit(int n) { kc_test_state()->report_limit = n; }

static inline bool kc_test_should_report(void) {
  const kc_test_state_t *s = kc_test_state();
  return s->report_limit <= 0 || s->cur_failed <= s->report_limit;
}

static inline void kc_test_record(bool ok) {
  kc_test_state_t *s = kc_test_state();
  if (ok) {
    s->checks_passed++;
  } else {
    s->checks_failed++;
    s->cur_failed++;
  }
}

KC_TEST_PRINTF(4, 5)
static inline bool kc_test_check(bool ok, const char *file, int line, const char *fmt, ...) {
  kc_test_record(ok);
  if (ok || !kc_test_should_report()) return ok;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return ok;
}

static inline bool kc_test_check_str(const char *got, const char *want, const char *expr,
                                     const char *file, int line) {
  bool ok = got && want && strcmp(got, want) == 0;
  kc_test_record(ok);
  if (!ok && kc_test_should_report())
    fprintf(stderr, "%s:%d: %s\n    got  \"%s\"\n    want \"%s\"\n", file, line, expr,
            got ? got : "(null)", want ? want : "(null)");
  return ok;
}

static inline bool kc_test_check_prefix(const char *got, const char *want, const char *expr,
                                        const char *file, int line) {
  bool ok = got && want && strncmp(got, want, strlen(want)) == 0;
  kc_test_record(ok);
  if (!ok && kc_test_should_report())
    fprintf(stderr, "%s:%d: %s is \"%s\", which does not start with \"%s\"\n", file, line, expr,
            got ? got : "(null)", want ? want : "(null)");
  return ok;
}

#define CHECK(cond) \
  kc_test_check((cond) ? true : false, __FILE__, __LINE__, "CHECK(%s) failed", #cond)
#define CHECKF(cond, ...) kc_test_check((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_STR(got, want) kc_test_check_str((got), (want), #got, __FILE__, __LINE__)
#define CHECK_PREFIX(got, want) kc_test_check_prefix((got), (want), #got, __FILE__, __LINE__)

/* ---- running tests and the closing line ------------------------------------------------ */

static inline void kc_test_run(const char *name, void (*fn)(void)) {
  kc_test_state_t *s = kc_test_state();
  s->cur_failed = 0;
  fn();
  if (s->cur_failed) {
    s->failed++;
    printf("FAIL %s (%d failed checks)\n", name, s->cur_failed);
  } else {
    s->passed++;
    printf("ok   %s\n", name);
  }
  fflush(stdout);
}

/* Counts tests that ran elsewhere (a child process) or could not run at all. */
static inline void kc_test_add(int passed, int failed) {
  kc_test_state()->passed += passed;
  kc_test_state()->failed += failed;
}

/* The last line of every test program; tools/test and readers of ctest output parse it. */
static inline int kc_test_report(int passed, int failed) {
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  return failed ? 1 : 0;
}

static inline int kc_test_done(void) {
  return kc_test_report(kc_test_state()->passed, kc_test_state()->failed);
}

static inline int kc_test_done_checks(void) {
  return kc_test_report(kc_test_state()->checks_passed, kc_test_state()->checks_failed);
}

/* ---- shared data and files -------------------------------------------------------------- */

/* $<env>/@p rel (@p fallback standing in for an unset or empty variable) in @p buf. */
static inline const char *kc_test_path_under(char *buf, size_t size, const char *env,
                                             const char *fallback, const char *rel) {
  const char *root = getenv(env);
  snprintf(buf, size, "%s/%s", root && *root ? root : fallback, rel);
  return buf;
}

/* $KC_SHARED_DATA/@p rel in one of four rotating static buffers. */
static inline const char *kc_test_data(const char *rel) {
  static char bufs[4][4096];
  static int slot;
  return kc_test_path_under(bufs[slot++ % 4], sizeof bufs[0], "KC_SHARED_DATA",
                            "../shared/data", rel); /* ctest sets KC_SHARED_DATA */
}

/* $KC_SOURCE_DIR/@p rel (the repository's test scripts and tools; "." when unset) in one of
 * four rotating static buffers of its own. */
static inline const char *kc_test_source(const char *rel) {
  static char bufs[4][4096];
  static int slot;
  return kc_test_path_under(bufs[slot++ % 4], sizeof bufs[0], "KC_SOURCE_DIR", ".", rel);
}

/* The whole file, NUL-terminated (the NUL not counted in *len); NULL if it cannot be read. */
static inline char *kc_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, r;
  char *buf = malloc(cap);
  while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (n + 1 == cap) {
      char *bigger = realloc(buf, cap *= 2);
      if (!bigger) free(buf);
      buf = bigger;
    }
  }
  if (buf && ferror(f)) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

/* 0 when all @p len bytes were written (an empty file for len 0), -1 otherwise. */
static inline int kc_test_write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = len ? fwrite(data, 1, len, f) : 0;
  return fclose(f) == 0 && n == len ? 0 : -1;
}

/* A new file /tmp/kc_test_<tag>_XXXXXX holding @p data; its name goes to @p path. */
static inline int kc_test_temp_file(char *path, size_t size, const char *tag, const void *data,
                                    size_t len) {
  snprintf(path, size, "/tmp/kc_test_%s_XXXXXX", tag);
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  ssize_t n = len ? write(fd, data, len) : 0;
  close(fd);
  return n == (ssize_t)len ? 0 : -1;
}

/* A new directory /tmp/kc_test_<tag>_XXXXXX; its name goes to @p path. */
static inline int kc_test_temp_dir(char *path, size_t size, const char *tag) {
  snprintf(path, size, "/tmp/kc_test_%s_XXXXXX", tag);
  return mkdtemp(path) ? 0 : -1;
}

static inline int kc_test_remove_entry(const char *path, const struct stat *st, int type,
                                       struct FTW *ftw) {
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path);
}

/* Removes @p dir and everything below it, without following links. */
static inline int kc_test_remove_tree(const char *dir) {
  return nftw(dir, kc_test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- CSV -------------------------------------------------------------------------------- */

/* One CSV row: its cells point into the text kc_test_csv_next_row unquoted in place. The
 * array is reused from row to row; free(row.cell) when done. */
typedef struct {
  char **cell;
  size_t n, cap;
} kc_test_csv_row_t;

/* Parses the RFC 4180 row at @p p into @p row, in place: quoted cells may hold commas, doubled
 * quotes and newlines; "\r\n" or "\n" ends a row. Returns where the next row starts, NULL at
 * the end of the text (or when the cell array cannot grow). */
static inline char *kc_test_csv_next_row(char *p, kc_test_csv_row_t *row) {
  row->n = 0;
  if (!*p) return NULL;
  for (;;) {
    char *out = p, *start = p;
    if (*p == '"') {
      p++;
      while (*p) {
        if (*p == '"' && p[1] == '"') { /* a doubled quote stands for one */
          *out++ = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          *out++ = *p++;
        }
      }
    } else {
      while (*p && *p != ',' && *p != '\n' && *p != '\r') *out++ = *p++;
    }
    char sep = *p;
    *out = '\0';
    if (row->n == row->cap) {
      size_t cap = row->cap ? row->cap * 2 : 16;
      char **bigger = realloc(row->cell, cap * sizeof *bigger);
      if (!bigger) return NULL;
      row->cell = bigger;
      row->cap = cap;
    }
    row->cell[row->n++] = start;
    if (sep == ',') {
      p++;
      continue;
    }
    if (sep == '\r') p++;
    if (*p == '\n') p++;
    return p;
  }
}

/* ---- directories ------------------------------------------------------------------------ */

/* Walks one directory's entries in readdir order, leaving out names that start with '.'. */
typedef struct {
  DIR *dh;
  char dir[2048];
  const char *name; /* the current entry */
  char path[4096];  /* dir/name */
} kc_test_dir_t;

static inline bool kc_test_dir_open(kc_test_dir_t *d, const char *dir) {
  snprintf(d->dir, sizeof d->dir, "%s", dir);
  d->name = NULL;
  d->path[0] = '\0';
  d->dh = opendir(dir);
  return d->dh != NULL;
}

static inline bool kc_test_dir_next(kc_test_dir_t *d) {
  struct dirent *e;
  while (d->dh && (e = readdir(d->dh))) {
    if (e->d_name[0] == '.') continue;
    d->name = e->d_name;
    snprintf(d->path, sizeof d->path, "%s/%s", d->dir, e->d_name);
    return true;
  }
  return false;
}

static inline void kc_test_dir_close(kc_test_dir_t *d) {
  if (d->dh) closedir(d->dh);
  d->dh = NULL;
}

/* ---- processes -------------------------------------------------------------------------- */

/* Sends stderr to a temp file until kc_test_capture_end, so a test can read what was logged. */
typedef struct {
  char path[64];
  int fd, saved;
} kc_test_capture_t;

static inline int kc_test_capture_begin(kc_test_capture_t *c, const char *tag) {
  snprintf(c->path, sizeof c->path, "/tmp/kc_test_%s_XXXXXX", tag);
  c->fd = mkstemp(c->path);
  c->saved = -1;
  if (c->fd < 0) return -1;
  fflush(stderr);
  c->saved = dup(2);
  dup2(c->fd, 2);
  return 0;
}

/* Restores stderr and leaves at most @p size - 1 bytes of what was logged in @p log. */
static inline size_t kc_test_capture_end(kc_test_capture_t *c, char *log, size_t size) {
  fflush(stderr);
  if (c->saved >= 0) {
    dup2(c->saved, 2);
    close(c->saved);
  }
  ssize_t n = c->fd >= 0 ? pread(c->fd, log, size - 1, 0) : -1;
  log[n > 0 ? n : 0] = '\0';
  if (c->fd >= 0) {
    close(c->fd);
    unlink(c->path);
  }
  c->fd = c->saved = -1;
  return n > 0 ? (size_t)n : 0;
}

/* Runs @p cmd with sh; returns its wait status (0 for a clean exit 0). With @p out, its
 * stdout comes back malloc'ed and NUL-terminated (the NUL not counted in *out_len). */
/* The local broker the tests that need one use: $KAFKA_BOOTSTRAP as tools/test exports it (it runs
 * two brokers of different versions on different ports), else the default tools/kafka-local one. */
static inline const char *kc_test_bootstrap(void) {
  const char *b = getenv("KAFKA_BOOTSTRAP");
  return b && *b ? b : "127.0.0.1:9092";
}

static inline int kc_test_sh(const char *cmd, char **out, size_t *out_len) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char chunk[4096];
  size_t n, len = 0;
  char *buf = NULL;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) {
    if (!out) continue;
    char *bigger = realloc(buf, len + n + 1);
    if (!bigger) continue; /* keeps reading so the child is not left blocked on the pipe */
    buf = bigger;
    memcpy(buf + len, chunk, n);
    len += n;
    buf[len] = '\0';
  }
  int rc = pclose(p);
  if (out) *out = buf;
  if (out_len) *out_len = len;
  return rc;
}

/* Runs python3 on @p script, written to a temp file for the run, followed by the shell words
 * @p args; returns and fills @p out and @p out_len as kc_test_sh does. */
static inline int kc_test_python(const char *script, const char *args, char **out,
                                 size_t *out_len) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  char path[64];
  int rc = -1;
  if (kc_test_temp_file(path, sizeof path, "py", script, strlen(script)) == 0) {
    size_t size = strlen(path) + strlen(args) + 16;
    char *cmd = malloc(size);
    if (cmd) {
      snprintf(cmd, size, "python3 %s %s", path, args);
      rc = kc_test_sh(cmd, out, out_len);
      free(cmd);
    }
  }
  unlink(path);
  return rc;
}

#endif /* KC_TEST_H */
