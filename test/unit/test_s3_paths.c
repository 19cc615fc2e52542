/*
 * The S3 sink's spool directory (connectors/s3/spool_dir.c): a connector name
 * is encoded into one path component of any length, and start-up cleaning
 * deletes only <digits>.spool files in a directory the sink marked, never
 * through a symlink, never in a directory it did not create.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../connectors/s3/spool_dir.h"
#include "kc_test.h"

static char *component(const char *name, int task) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  if (kc_s3_spool_component(name, task, &b)) return NULL;
  return b.data ? b.data : strdup("");
}

static bool one_safe_component(const char *c) {
  if (!c || !*c || strlen(c) > NAME_MAX || !strcmp(c, ".") || !strcmp(c, "..")) return false;
  for (const char *p = c; *p; p++)
    if (*p == '/' || *p == '.' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) return false;
  return true;
}

static void test_encoding(void) {
  struct {
    const char *name;
    int task;
    const char *want;
  } cases[] = {
      {"logs-to-s3", 0, "logs-to-s3-0"},
      {"My_Conn-2", 7, "My_Conn-2-7"},
      {"../../../../tmp/victim", 0, "%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Ftmp%2Fvictim-0"},
      {".", 1, "%2E-1"},
      {"..", 0, "%2E%2E-0"},
      {"", 0, "-0"},
      {"a%2Fb", 0, "a%252Fb-0"},
      {"a/b", 0, "a%2Fb-0"},
      {"tab\there\n", 3, "tab%09here%0A-3"},
      {"caf\xc3\xa9 x", 0, "caf%C3%A9%20x-0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *c = component(cases[i].name, cases[i].task);
    CHECK_STR(c, cases[i].want);
    CHECKF(one_safe_component(c), "%s is not one safe component", c ? c : "(null)");
    free(c);
  }
  /* distinct names never share a directory */
  char *a = component("a.b", 0), *b = component("a%2Eb", 0), *c = component("a_b", 0);
  CHECKF(a && b && c && strcmp(a, b) && strcmp(a, c) && strcmp(b, c), "%s %s %s", a, b, c);
  free(a), free(b), free(c);
}

/* Long names: 200, 255, 1,000 and 5,000 bytes, plain and with bytes that expand to %XX. */
static void test_long_names(void) {
  size_t lens[] = {200, 250, 253, 254, 255, 256, 1000, 5000};
  for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
    for (int kind = 0; kind < 2; kind++) {
      char *name = malloc(lens[i] + 1);
      for (size_t j = 0; j < lens[i]; j++) name[j] = kind ? "./x"[j % 3] : (char)('a' + j % 26);
      name[lens[i]] = '\0';
      char *c = component(name, 12);
      CHECKF(one_safe_component(c), "%zu-byte name (kind %d): %s", lens[i], kind, c ? c : "(null)");
      bool hashed = c && strchr(c, '~');
      bool fits = (kind ? lens[i] / 3 * 7 + lens[i] % 3 * 3 : lens[i]) + 3 <= NAME_MAX;
      CHECKF(hashed == !fits, "%zu-byte name (kind %d): hashed=%d", lens[i], kind, hashed);
      /* one byte changed at the end gives another directory */
      name[lens[i] - 1] = 'Q';
      char *c2 = component(name, 12);
      CHECKF(c && c2 && strcmp(c, c2), "%zu-byte names differing in the last byte share %s", lens[i], c);
      free(c2);
      free(c);
      free(name);
    }
  }
  /* the hashed form is deterministic and keeps the task id */
  char name[1001];
  memset(name, 'n', 1000);
  name[1000] = '\0';
  char *x = component(name, 3), *y = component(name, 3), *z = component(name, 4);
  CHECK(x && y && z && !strcmp(x, y) && strcmp(x, z));
  CHECK(x && strlen(x) > 2 && !strcmp(x + strlen(x) - 2, "-3"));
  free(x), free(y), free(z);
}

static void test_spool_file_names(void) {
  CHECK(kc_s3_spool_file_name("1.spool"));
  CHECK(kc_s3_spool_file_name("0012345.spool"));
  CHECK(!kc_s3_spool_file_name(".spool"));
  CHECK(!kc_s3_spool_file_name("x.spool"));
  CHECK(!kc_s3_spool_file_name("1.spool.txt"));
  CHECK(!kc_s3_spool_file_name("keep.spool.txt"));
  CHECK(!kc_s3_spool_file_name("1.spoolx"));
  CHECK(!kc_s3_spool_file_name("a1.spool"));
}

static bool exists(const char *dir, const char *name) {
  char p[1200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  struct stat sb;
  return lstat(p, &sb) == 0;
}

static void touch(const char *dir, const char *name) {
  char p[1200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  kc_test_write_file(p, "x", 1);
}

static void test_prepare(void) {
  char tmp[256], base[512], dir[600], err[1024];
  if (!CHECK(kc_test_temp_dir(tmp, sizeof tmp, "s3paths") == 0)) return;
  snprintf(base, sizeof base, "%s/state/s3-spool", tmp);
  /* new: created with the marker */
  CHECKF(kc_s3_spool_prepare(NULL, base, "c-0", err, sizeof err) == 0, "%s", err);
  snprintf(dir, sizeof dir, "%s/c-0", base);
  CHECK(exists(dir, KC_S3_SPOOL_MARKER));
  /* restart: only <digits>.spool files go */
  touch(dir, "1.spool");
  touch(dir, "22.spool");
  touch(dir, "keep.spool.txt");
  touch(dir, "x.spool");
  CHECKF(kc_s3_spool_prepare(NULL, base, "c-0", err, sizeof err) == 0, "%s", err);
  CHECK(!exists(dir, "1.spool") && !exists(dir, "22.spool"));
  CHECK(exists(dir, "keep.spool.txt") && exists(dir, "x.spool") && exists(dir, KC_S3_SPOOL_MARKER));
  /* a directory someone else made, with other files: refused, untouched */
  char victim[600];
  snprintf(victim, sizeof victim, "%s/v-0", base);
  mkdir(victim, 0700);
  touch(victim, "1.spool");
  touch(victim, "notes.txt");
  CHECK(kc_s3_spool_prepare(NULL, base, "v-0", err, sizeof err) != 0);
  CHECK(strstr(err, "not created by kconnect") != NULL);
  CHECK(exists(victim, "1.spool") && exists(victim, "notes.txt") && !exists(victim, KC_S3_SPOOL_MARKER));
  /* a symlink in place of the spool directory: refused, its target untouched */
  char target[600], link[600];
  snprintf(target, sizeof target, "%s/target", tmp);
  mkdir(target, 0700);
  touch(target, "3.spool");
  snprintf(link, sizeof link, "%s/l-0", base);
  CHECK(symlink(target, link) == 0);
  CHECK(kc_s3_spool_prepare(NULL, base, "l-0", err, sizeof err) != 0);
  CHECK(exists(target, "3.spool") && !exists(target, KC_S3_SPOOL_MARKER));
  /* a symlink named like a spool file in our directory points at a file we must keep */
  touch(target, "keep");
  char sl[700], tg[700];
  snprintf(sl, sizeof sl, "%s/5.spool", dir);
  snprintf(tg, sizeof tg, "%s/keep", target);
  CHECK(symlink(tg, sl) == 0);
  CHECKF(kc_s3_spool_prepare(NULL, base, "c-0", err, sizeof err) == 0, "%s", err);
  CHECK(exists(target, "keep"));
  /* an earlier version's directory: only spool files, adopted */
  char old[600];
  snprintf(old, sizeof old, "%s/old-0", base);
  mkdir(old, 0700);
  touch(old, "7.spool");
  CHECKF(kc_s3_spool_prepare(NULL, base, "old-0", err, sizeof err) == 0, "%s", err);
  CHECK(!exists(old, "7.spool") && exists(old, KC_S3_SPOOL_MARKER));
  /* components that would leave the base directory are refused outright */
  CHECK(kc_s3_spool_prepare(NULL, base, "../x", err, sizeof err) == KC_EINVAL);
  CHECK(kc_s3_spool_prepare(NULL, base, "..", err, sizeof err) == KC_EINVAL);
  /* legacy layout (name with '.'): removed when it holds only spool files */
  char leg[600];
  snprintf(leg, sizeof leg, "%s/my.conn-0", base);
  mkdir(leg, 0700);
  touch(leg, "1.spool");
  kc_s3_spool_remove_legacy(NULL, base, "my.conn-0", "my%2Econn-0");
  CHECK(!exists(base, "my.conn-0"));
  mkdir(leg, 0700);
  touch(leg, "mine.txt");
  kc_s3_spool_remove_legacy(NULL, base, "my.conn-0", "my%2Econn-0");
  CHECK(exists(leg, "mine.txt"));
  /* an old name that could be a current directory (another connector's) is never touched */
  kc_s3_spool_remove_legacy(NULL, base, "c-0", "c-1");
  CHECK(exists(dir, KC_S3_SPOOL_MARKER));
  char enc[600];
  snprintf(enc, sizeof enc, "%s/a%%2Eb-0", base);
  mkdir(enc, 0700);
  touch(enc, "1.spool");
  kc_s3_spool_remove_legacy(NULL, base, "a%2Eb-0", "a%252Eb-0");
  CHECK(exists(enc, "1.spool"));
  kc_test_remove_tree(tmp);
}

/* Pulls the whole sink in first: the static libraries of the runtime and the connectors refer to
 * each other, and a test that names only spool_dir.c would leave the linker a symbol short. */
extern const kc_connector_plugin_t kc_s3_sink_plugin;

int main(void) {
  CHECK(kc_s3_sink_plugin.class_name != NULL);
  kc_test_run("encoding", test_encoding);
  kc_test_run("long_names", test_long_names);
  kc_test_run("spool_file_names", test_spool_file_names);
  kc_test_run("prepare", test_prepare);
  return kc_test_done();
}
