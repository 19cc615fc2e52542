#include "s3_credentials.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set(char *dst, size_t n, const char *v) { snprintf(dst, n, "%s", v ? v : ""); }

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

int kc_s3_credentials_parse_ini(const char *text, const char *profile, kc_s3_credentials_t *out) {
  char *copy = strdup(text), *save = NULL;
  if (!copy) return -1;
  bool in = false, found = false;
  out->access_key[0] = out->secret_key[0] = out->session_token[0] = '\0';
  for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    char *l = trim(line);
    if (*l == '#' || *l == ';' || !*l) continue;
    if (*l == '[') {
      char *e = strchr(l, ']');
      if (e) *e = '\0';
      char *name = trim(l + 1);
      /* ~/.aws/config style "[profile x]" is accepted too. */
      if (!strncmp(name, "profile ", 8)) name = trim(name + 8);
      in = !strcmp(name, profile);
      continue;
    }
    if (!in) continue;
    char *eq = strchr(l, '=');
    if (!eq) continue;
    *eq = '\0';
    char *k = trim(l), *v = trim(eq + 1);
    if (!strcmp(k, "aws_access_key_id")) {
      set(out->access_key, sizeof out->access_key, v);
      found = true;
    } else if (!strcmp(k, "aws_secret_access_key")) set(out->secret_key, sizeof out->secret_key, v);
    else if (!strcmp(k, "aws_session_token")) set(out->session_token, sizeof out->session_token, v);
  }
  free(copy);
  return found && out->secret_key[0] ? 0 : -1;
}

static char *read_small_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(1 << 16);
  size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

int kc_s3_credentials_resolve(const char *cfg_access_key, const char *cfg_secret_key,
                              kc_s3_credentials_t *out, char *errstr, size_t n) {
  memset(out, 0, sizeof *out);
  if (cfg_access_key && *cfg_access_key && cfg_secret_key && *cfg_secret_key) {
    set(out->access_key, sizeof out->access_key, cfg_access_key);
    set(out->secret_key, sizeof out->secret_key, cfg_secret_key);
    set(out->source, sizeof out->source, "connector config");
    return 0;
  }
  const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
  if (!ak) ak = getenv("AWS_ACCESS_KEY");
  if (!sk) sk = getenv("AWS_SECRET_KEY");
  if (ak && *ak && sk && *sk) {
    set(out->access_key, sizeof out->access_key, ak);
    set(out->secret_key, sizeof out->secret_key, sk);
    set(out->session_token, sizeof out->session_token, getenv("AWS_SESSION_TOKEN"));
    set(out->source, sizeof out->source, "environment");
    return 0;
  }
  char path[1024];
  const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
  const char *home = getenv("HOME");
  if (!file && home) snprintf(path, sizeof path, "%s/.aws/credentials", home), file = path;
  const char *profile = getenv("AWS_PROFILE");
  if (!profile || !*profile) profile = "default";
  char *text = file ? read_small_file(file) : NULL;
  if (text && kc_s3_credentials_parse_ini(text, profile, out) == 0) {
    snprintf(out->source, sizeof out->source, "profile %s (%s)", profile, file);
    free(text);
    return 0;
  }
  free(text);
  snprintf(errstr, n,
           "aws.access.key.id: no AWS credentials found: not in the connector config "
           "(aws.access.key.id/aws.secret.access.key), not in the environment (AWS_ACCESS_KEY_ID/"
           "AWS_SECRET_ACCESS_KEY), not in profile '%s' of %s; web identity, container and "
           "instance metadata credentials are not supported by kconnect yet",
           profile, file ? file : "~/.aws/credentials");
  return -1;
}
