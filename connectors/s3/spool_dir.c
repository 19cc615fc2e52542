/*
 * The spool directory (spool_dir.h). Every file system step below the base
 * directory goes through a directory fd opened with O_NOFOLLOW, so a symlink
 * planted where the spool directory or a spool file should be is refused,
 * never followed.
 */
#include "spool_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HASH_PREFIX_MAX 128

static bool keep_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

int kc_s3_spool_component(const char *name, int task, kc_buf_t *out) {
  static const char hex[] = "0123456789ABCDEF";
  kc_buf_t enc;
  kc_buf_init(&enc, 0);
  int rc = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && !rc; p++) {
    char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
    rc = keep_byte(*p) ? kc_buf_append(&enc, (const char *)p, 1) : kc_buf_append(&enc, e, 3);
  }
  char suffix[16];
  int sl = snprintf(suffix, sizeof suffix, "-%d", task);
  if (!rc && enc.len + (size_t)sl <= KC_S3_SPOOL_COMPONENT_MAX) {
    rc = kc_buf_append(out, enc.data ? enc.data : "", enc.len);
  } else if (!rc) {
    /* Too long for one component: a readable prefix, then the hash of the full name. */
    size_t keep = 0;
    while (keep < enc.len) {
      size_t step = enc.data[keep] == '%' ? 3 : 1;
      if (keep + step > HASH_PREFIX_MAX) break;
      keep += step;
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)name, strlen(name), md);
    char h[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) snprintf(h + 2 * i, 3, "%02x", md[i]);
    rc = kc_buf_append(out, enc.data, keep);
    if (!rc) rc = kc_buf_printf(out, "~%s", h);
  }
  if (!rc) rc = kc_buf_append(out, suffix, (size_t)sl);
  kc_buf_free(&enc);
  return rc;
}

bool kc_s3_spool_file_name(const char *file) {
  const char *p = file;
  while (*p >= '0' && *p <= '9') p++;
  return p > file && !strcmp(p, ".spool");
}

static void say(kc_task_t *log, kc_log_level_t level, const char *fmt, const char *a, const char *b) {
  if (log) kc_task_log(log, level, fmt, a, b);
}

static int mkdirs(const char *path) {
  char *tmp = strdup(path);
  if (!tmp) return -1;
  int rc = 0;
  for (char *p = tmp + 1; *p && !rc; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0700) && errno != EEXIST) rc = -1;
      *p = '/';
    }
  if (!rc && mkdir(tmp, 0700) && errno != EEXIST) rc = -1;
  free(tmp);
  return rc;
}

typedef enum { DIR_MARKED, DIR_ONLY_SPOOL, DIR_FOREIGN } dir_kind_t;

/* What @p dfd holds: our marker, nothing but spool files, or something we did not write. */
static dir_kind_t classify(int dfd, char *foreign, size_t flen) {
  struct stat sb;
  bool marker = !fstatat(dfd, KC_S3_SPOOL_MARKER, &sb, AT_SYMLINK_NOFOLLOW) && S_ISREG(sb.st_mode);
  if (marker) return DIR_MARKED;
  int d2 = dup(dfd);
  DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
  if (!d) {
    if (d2 >= 0) close(d2);
    snprintf(foreign, flen, "(unreadable: %s)", strerror(errno));
    return DIR_FOREIGN;
  }
  rewinddir(d); /* a dup shares the directory position with every other reader of dfd */
  dir_kind_t kind = DIR_ONLY_SPOOL;
  struct dirent *e;
  while (kind == DIR_ONLY_SPOOL && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    bool ok = kc_s3_spool_file_name(e->d_name) &&
              !fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) && S_ISREG(sb.st_mode);
    if (!ok) {
      snprintf(foreign, flen, "%s", e->d_name);
      kind = DIR_FOREIGN;
    }
  }
  closedir(d);
  return kind;
}

/* Deletes the regular files named <digits>.spool in @p dfd; nothing else. */
static void remove_spool_files(int dfd) {
  int d2 = dup(dfd);
  DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
  if (!d) {
    if (d2 >= 0) close(d2);
    return;
  }
  rewinddir(d);
  struct dirent *e;
  struct stat sb;
  while ((e = readdir(d)))
    if (kc_s3_spool_file_name(e->d_name) && !fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) &&
        S_ISREG(sb.st_mode))
      unlinkat(dfd, e->d_name, 0);
  closedir(d);
}

static int write_marker(int dfd) {
  int fd = openat(dfd, KC_S3_SPOOL_MARKER, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  static const char text[] = "created by kconnect's S3 sink: <digits>.spool files here are deleted "
                             "at task start\n";
  ssize_t n = write(fd, text, sizeof text - 1);
  close(fd);
  return n == (ssize_t)(sizeof text - 1) ? 0 : -1;
}

int kc_s3_spool_prepare(kc_task_t *log, const char *base, const char *component, char *err,
                        size_t errlen) {
  if (!*component || strchr(component, '/') || !strcmp(component, ".") || !strcmp(component, "..")) {
    snprintf(err, errlen, "s3.spool.dir: invalid spool directory name \"%s\"", component);
    return KC_EINVAL;
  }
  if (mkdirs(base)) {
    snprintf(err, errlen, "s3.spool.dir: cannot create %s: %s", base, strerror(errno));
    return KC_ERR;
  }
  int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (bfd < 0) {
    snprintf(err, errlen, "s3.spool.dir: cannot open %s: %s", base, strerror(errno));
    return KC_ERR;
  }
  bool created = mkdirat(bfd, component, 0700) == 0;
  int mkerr = errno;
  int dfd = openat(bfd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close(bfd);
  if (dfd < 0) {
    snprintf(err, errlen, "s3.spool.dir: cannot use %s/%s: %s%s", base, component,
             strerror(created ? errno : (errno == ENOTDIR || errno == ELOOP ? errno : mkerr)),
             errno == ELOOP || errno == ENOTDIR ? " (a symlink or file is in the way; refusing it)" : "");
    return KC_ERR;
  }
  int rc = 0;
  if (created) {
    if (write_marker(dfd)) {
      snprintf(err, errlen, "s3.spool.dir: cannot write %s/%s/" KC_S3_SPOOL_MARKER ": %s", base,
               component, strerror(errno));
      rc = KC_ERR;
    }
  } else {
    char foreign[300] = "";
    switch (classify(dfd, foreign, sizeof foreign)) {
      case DIR_MARKED:
        /* Spool files of an earlier run are data not yet committed: Kafka replays it. */
        remove_spool_files(dfd);
        break;
      case DIR_ONLY_SPOOL:
        say(log, KC_LOG_INFO, "adopting spool directory %s/%s of an earlier kconnect version", base,
            component);
        remove_spool_files(dfd);
        if (write_marker(dfd)) {
          snprintf(err, errlen, "s3.spool.dir: cannot write the marker in %s/%s: %s", base, component,
                   strerror(errno));
          rc = KC_ERR;
        }
        break;
      case DIR_FOREIGN:
        snprintf(err, errlen,
                 "s3.spool.dir: %s/%s exists and was not created by kconnect (no " KC_S3_SPOOL_MARKER
                 " marker; it holds %s): refusing to write or delete files there",
                 base, component, foreign);
        if (log) kc_task_log(log, KC_LOG_ERROR, "%s", err);
        rc = KC_ERR;
        break;
    }
  }
  close(dfd);
  return rc;
}

void kc_s3_spool_remove_legacy(kc_task_t *log, const char *base, const char *old_component,
                               const char *component) {
  /* An old name holding '%' or '~' could equal another connector's current (encoded or hashed)
   * directory: never touch those. */
  if (!*old_component || strpbrk(old_component, "/%~") || !strcmp(old_component, ".") ||
      !strcmp(old_component, "..") || !strcmp(old_component, component))
    return;
  bool plain = true; /* then it could be the current directory of some connector */
  for (const char *p = old_component; *p && plain; p++) plain = keep_byte((unsigned char)*p);
  if (plain) return;
  int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (bfd < 0) return;
  int dfd = openat(bfd, old_component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd >= 0) {
    char foreign[300] = "";
    if (classify(dfd, foreign, sizeof foreign) != DIR_FOREIGN) {
      remove_spool_files(dfd);
      unlinkat(dfd, KC_S3_SPOOL_MARKER, 0);
      if (!unlinkat(bfd, old_component, AT_REMOVEDIR))
        say(log, KC_LOG_INFO, "removed the spool directory %s/%s of an earlier kconnect version",
            base, old_component);
    } else {
      say(log, KC_LOG_WARN, "left %s/%s alone: it holds files kconnect did not write", base,
          old_component);
    }
    close(dfd);
  }
  close(bfd);
}
