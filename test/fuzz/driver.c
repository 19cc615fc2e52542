/*
 * A small stand-in for libFuzzer's main(), for compilers without libFuzzer
 * (gcc) and for the bounded runs inside tools/test: it runs every seed of the
 * corpus, then a blind mutation loop (bit flips, byte sets, inserts, deletes,
 * duplications and splices between corpus entries) from a fixed seed, so a
 * run is reproducible: the same flags give the same inputs.
 *
 *   fuzz_<name> [-runs=N] [-seed=S] [-max_len=N] [-max_total_time=S] [-artifact_prefix=P]
 *               [dir-or-file ...]
 *
 * Flags are spelled as libFuzzer spells them so tools/fuzz and ctest pass the
 * same ones to either build. A file argument is run once as it is (to replay a
 * crash); directory arguments are the corpus. Without coverage feedback, some
 * mutants are kept in the pool (bounded) so that mutations can stack.
 *
 * When an input crashes (a sanitizer report, an abort, a fault), it is written
 * to <artifact_prefix>crash-<hash> before the process dies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define KC_FUZZ_HAVE_SANITIZER 1
void __sanitizer_set_death_callback(void (*callback)(void));
#endif

#define POOL_CAP 4096

typedef struct {
  uint8_t *data;
  size_t len;
} input_t;

static input_t *pool;
static size_t npool, nseeds;
static uint64_t rng_state;

/* The input being run, for the crash writer (set before every call). */
static const uint8_t *cur_data;
static size_t cur_len;
static char artifact_prefix[512] = "./";

static uint64_t rng(void) {
  /* xorshift64*: fast, and the stream is fixed by -seed. */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

static size_t rng_below(size_t n) { return n ? (size_t)(rng() % n) : 0; }

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

/* Async-signal-safe: only open/write/close and stack buffers. */
static void write_crash(void) {
  static int written;
  if (written || !cur_data) return;
  written = 1;
  char path[600];
  uint64_t h = fnv1a(cur_data, cur_len);
  static const char hex[] = "0123456789abcdef";
  size_t pl = strlen(artifact_prefix);
  memcpy(path, artifact_prefix, pl);
  memcpy(path + pl, "crash-", 6);
  pl += 6;
  for (int i = 15; i >= 0; i--) path[pl++] = hex[(h >> (i * 4)) & 15];
  path[pl] = '\0';
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    size_t off = 0;
    while (off < cur_len) {
      ssize_t n = write(fd, cur_data + off, cur_len - off);
      if (n <= 0) break;
      off += (size_t)n;
    }
    close(fd);
    const char msg[] = "\nfuzz driver: crashing input written to ";
    (void)!write(2, msg, sizeof(msg) - 1);
    (void)!write(2, path, pl);
    (void)!write(2, "\n", 1);
  }
}

static void on_fatal_signal(int sig) {
  write_crash();
  signal(sig, SIG_DFL);
  raise(sig);
}

static int read_file(const char *path, input_t *in) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return -1;
  in->data = buf;
  in->len = len;
  return 0;
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every regular file of @p dir in name order (a fixed order keeps runs reproducible). */
static void load_dir(const char *dir, size_t max_len) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "fuzz driver: cannot open %s: %s\n", dir, strerror(errno));
    exit(2);
  }
  char **names = NULL;
  size_t nnames = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    names = realloc(names, (nnames + 1) * sizeof(*names));
    names[nnames++] = strdup(e->d_name);
  }
  closedir(d);
  if (nnames) qsort(names, nnames, sizeof(*names), name_cmp);
  for (size_t i = 0; i < nnames; i++) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    struct stat st;
    input_t in;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && npool < POOL_CAP && read_file(path, &in) == 0) {
      if (in.len > max_len) in.len = max_len;
      pool[npool++] = in;
    }
    free(names[i]);
  }
  free(names);
}

static void run_one(const uint8_t *data, size_t len) {
  /* A copy of exactly len bytes, so that ASan sees any read past the end. */
  uint8_t *copy = malloc(len ? len : 1);
  if (len) memcpy(copy, data, len);
  cur_data = copy;
  cur_len = len;
  LLVMFuzzerTestOneInput(copy, len);
  cur_data = NULL;
  free(copy);
}

static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, '\\', '"', '\'', '\n', '\r', ':',
                                      '=', '{', '}', '[', ']', ',', '0', '9', 'u', 'e', '-', ' '};

/* One mutant of a pool entry in @p out (capacity max_len). @returns its length. */
static size_t mutate(uint8_t *out, size_t max_len) {
  const input_t *base = &pool[rng_below(npool)];
  size_t len = base->len < max_len ? base->len : max_len;
  memcpy(out, base->data, len);
  int rounds = 1 + (int)rng_below(4);
  for (int r = 0; r < rounds; r++) {
    switch (rng_below(8)) {
      case 0: /* flip a bit */
        if (len) out[rng_below(len)] ^= (uint8_t)(1u << rng_below(8));
        break;
      case 1: /* set a byte to an interesting or random value */
        if (len) out[rng_below(len)] = rng_below(2) ? interesting[rng_below(sizeof(interesting))]
                                                    : (uint8_t)rng();
        break;
      case 2: { /* insert 1..8 bytes */
        size_t n = 1 + rng_below(8), at = rng_below(len + 1);
        if (len + n > max_len) break;
        memmove(out + at + n, out + at, len - at);
        for (size_t i = 0; i < n; i++)
          out[at + i] = rng_below(2) ? interesting[rng_below(sizeof(interesting))] : (uint8_t)rng();
        len += n;
        break;
      }
      case 3: { /* delete a range */
        if (!len) break;
        size_t at = rng_below(len), n = 1 + rng_below(len - at < 16 ? len - at : 16);
        memmove(out + at, out + at + n, len - at - n);
        len -= n;
        break;
      }
      case 4: { /* duplicate a range in place (nesting, repeated headers) */
        if (!len) break;
        size_t at = rng_below(len), n = 1 + rng_below(len - at < 64 ? len - at : 64);
        if (len + n > max_len) break;
        memmove(out + at + n, out + at, len - at);
        len += n;
        break;
      }
      case 5: { /* splice: this prefix, another entry's suffix */
        const input_t *o = &pool[rng_below(npool)];
        size_t cut = rng_below(len + 1), from = rng_below(o->len + 1), n = o->len - from;
        if (cut + n > max_len) n = max_len - cut;
        memcpy(out + cut, o->data + from, n);
        len = cut + n;
        break;
      }
      case 6: { /* insert a chunk of another entry */
        const input_t *o = &pool[rng_below(npool)];
        if (!o->len) break;
        size_t from = rng_below(o->len), n = 1 + rng_below(o->len - from < 32 ? o->len - from : 32);
        size_t at = rng_below(len + 1);
        if (len + n > max_len) break;
        memmove(out + at + n, out + at, len - at);
        memcpy(out + at, o->data + from, n);
        len += n;
        break;
      }
      default: /* truncate */
        if (len) len = rng_below(len + 1);
        break;
    }
  }
  return len;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long runs = 10000;
  unsigned long long seed = 1;
  size_t max_len = 64 * 1024;
  double max_time = 0;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);

  pool = calloc(POOL_CAP, sizeof(*pool));
  const char **files = calloc((size_t)argc, sizeof(*files));
  size_t nfiles = 0;
  int ndirs = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    struct stat st;
    if (!strncmp(a, "-runs=", 6)) runs = atol(a + 6);
    else if (!strncmp(a, "-seed=", 6)) seed = strtoull(a + 6, NULL, 10);
    else if (!strncmp(a, "-max_len=", 9)) max_len = strtoul(a + 9, NULL, 10);
    else if (!strncmp(a, "-max_total_time=", 16)) max_time = atof(a + 16);
    else if (!strncmp(a, "-artifact_prefix=", 17))
      snprintf(artifact_prefix, sizeof(artifact_prefix), "%s", a + 17);
    else if (a[0] == '-') fprintf(stderr, "fuzz driver: ignoring flag %s\n", a);
    else if (stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
      load_dir(a, max_len);
      ndirs++;
    } else files[nfiles++] = a;
  }
  if (max_len == 0) max_len = 1;

#ifdef KC_FUZZ_HAVE_SANITIZER
  __sanitizer_set_death_callback(write_crash);
#endif
  signal(SIGSEGV, on_fatal_signal);
  signal(SIGBUS, on_fatal_signal);
  signal(SIGABRT, on_fatal_signal);
  signal(SIGFPE, on_fatal_signal);
  signal(SIGILL, on_fatal_signal);

  double start = now_s();
  if (nfiles && !ndirs) {
    /* Replay mode, as libFuzzer does with file arguments. */
    for (size_t i = 0; i < nfiles; i++) {
      input_t in;
      if (read_file(files[i], &in) != 0) {
        fprintf(stderr, "fuzz driver: cannot read %s\n", files[i]);
        return 2;
      }
      fprintf(stderr, "fuzz driver: running %s (%zu bytes)\n", files[i], in.len);
      run_one(in.data, in.len);
      free(in.data);
    }
    fprintf(stderr, "fuzz driver: %zu inputs ran without a crash\n", nfiles);
    return 0;
  }

  if (npool == 0) {
    /* No corpus: start from the empty input. */
    pool[0].data = malloc(1);
    pool[0].len = 0;
    npool = 1;
  }
  nseeds = npool;
  for (size_t i = 0; i < nseeds; i++) run_one(pool[i].data, pool[i].len);
  fprintf(stderr, "fuzz driver: %zu seeds ran in %.1f s\n", nseeds, now_s() - start);

  rng_state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  if (!rng_state) rng_state = 1;
  uint8_t *buf = malloc(max_len);
  long done = 0;
  for (; runs < 0 || done < runs; done++) {
    if (max_time > 0 && (done & 63) == 0 && now_s() - start >= max_time) break;
    size_t len = mutate(buf, max_len);
    run_one(buf, len);
    /* Keep one mutant in eight so that later mutations stack on it. */
    if (rng_below(8) == 0) {
      input_t keep = {malloc(len ? len : 1), len};
      if (len) memcpy(keep.data, buf, len);
      if (npool < POOL_CAP) {
        pool[npool++] = keep;
      } else if (nseeds >= POOL_CAP) {
        free(keep.data);
      } else {
        size_t victim = nseeds + rng_below(POOL_CAP - nseeds);
        free(pool[victim].data);
        pool[victim] = keep;
      }
    }
  }
  fprintf(stderr, "fuzz driver: %ld mutated inputs (seed %llu) ran without a crash in %.1f s\n", done,
          seed, now_s() - start);
  free(buf);
  for (size_t i = 0; i < npool; i++) free(pool[i].data);
  free(pool);
  free(files);
  return 0;
}
