/* Config providers and ConfigTransformer (config_provider.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_provider.h"
#include "config/props.h"
#include "util/jregex.h"
#include "util/log.h"

extern char **environ;

typedef enum { P_FILE, P_DIRECTORY, P_ENV } ptype_t;

typedef struct {
  char *name;
  ptype_t type;
  char **allowed; /* normalised absolute paths; NULL = every path (allowed.paths unset) */
  int nallowed;
  kc_config_t *env; /* EnvVarConfigProvider: the variables the allowlist lets through */
} provider_t;

struct kc_config_providers_s {
  provider_t *v;
  int n;
};

static const struct {
  const char *fqcn;
  ptype_t type;
} classes[] = {
    {"org.apache.kafka.common.config.provider.FileConfigProvider", P_FILE},
    {"org.apache.kafka.common.config.provider.DirectoryConfigProvider", P_DIRECTORY},
    {"org.apache.kafka.common.config.provider.EnvVarConfigProvider", P_ENV},
};

void kc_config_providers_destroy(kc_config_providers_t *p) {
  if (!p) return;
  for (int i = 0; i < p->n; i++) {
    free(p->v[i].name);
    for (int k = 0; k < p->v[i].nallowed; k++) free(p->v[i].allowed[k]);
    free(p->v[i].allowed);
    kc_config_destroy(p->v[i].env);
  }
  free(p->v);
  free(p);
}

/* Path.normalize() of a POSIX path: "." and "name/.." dropped, repeated slashes folded. */
static char *normalize(const char *path) {
  size_t len = strlen(path);
  char *out = malloc(len + 2), *work = strdup(path);
  if (!out || !work) {
    free(out);
    free(work);
    return NULL;
  }
  bool abs = path[0] == '/';
  char *parts[256];
  int np = 0;
  for (char *save, *t = strtok_r(work, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (!strcmp(t, ".")) continue;
    if (!strcmp(t, "..") && np > 0 && strcmp(parts[np - 1], "..")) {
      np--;
      continue;
    }
    if (!strcmp(t, "..") && abs) continue; /* "/.." is "/" */
    if (np < 256) parts[np++] = t;
  }
  size_t w = 0;
  if (abs) out[w++] = '/';
  for (int i = 0; i < np; i++) {
    size_t l = strlen(parts[i]);
    if (i) out[w++] = '/';
    memcpy(out + w, parts[i], l);
    w += l;
  }
  out[w] = '\0';
  free(work);
  return out;
}

/* Path.startsWith: whole components. */
static bool path_starts_with(const char *p, const char *prefix) {
  size_t l = strlen(prefix);
  if (!strcmp(prefix, "/")) return p[0] == '/';
  return !strncmp(p, prefix, l) && (p[l] == '\0' || p[l] == '/');
}

/* AllowedPaths.parseUntrustedPath: the path to read, or NULL when it is not allowed. */
static char *untrusted_path(const provider_t *pr, const char *path) {
  if (!pr->allowed) return strdup(path);
  char *norm = normalize(path);
  if (!norm) return NULL;
  for (int i = 0; i < pr->nallowed; i++)
    if (path_starts_with(norm, pr->allowed[i])) return norm;
  free(norm);
  return NULL;
}

static int configure(provider_t *pr, const kc_config_t *params, char *err, size_t n) {
  const char *ap = kc_config_get(params, "allowed.paths");
  if (pr->type != P_ENV && ap && *ap) {
    /* String.split(","): no trimming; trailing empty parts dropped */
    char *copy = strdup(ap);
    if (!copy) return KC_ENOMEM;
    size_t cap = 1;
    for (const char *c = ap; *c; c++) cap += *c == ',';
    pr->allowed = calloc(cap, sizeof *pr->allowed);
    int rc = pr->allowed ? 0 : KC_ENOMEM;
    char *s = copy;
    while (!rc && s) {
      char *comma = strchr(s, ',');
      if (comma) *comma = '\0';
      bool trailing_empty = !*s && !comma;
      if (!trailing_empty) {
        char *norm = normalize(s);
        struct stat st;
        if (!norm) rc = KC_ENOMEM;
        else if (norm[0] != '/') {
          snprintf(err, n, "Path %s is not absolute", norm);
          rc = KC_EINVAL;
        } else if (stat(norm, &st) != 0) {
          snprintf(err, n, "Path %s does not exist", norm);
          rc = KC_EINVAL;
        }
        if (rc) free(norm);
        else pr->allowed[pr->nallowed++] = norm;
      }
      s = comma ? comma + 1 : NULL;
    }
    free(copy);
    if (rc) return rc;
  }
  if (pr->type == P_ENV) {
    const char *pat = kc_config_get(params, "allowlist.pattern");
    char why[512];
    kc_jregex_t *re = kc_jregex_compile(pat ? pat : ".*", why, sizeof why);
    if (!re) {
      snprintf(err, n, "Invalid value %s for configuration allowlist.pattern: %s", pat, why);
      return KC_EINVAL;
    }
    if (!pat) kc_log_info("kc.config", "No pattern for environment variables provided. Using default pattern '(.*)'.");
    if (!(pr->env = kc_config_new())) {
      kc_jregex_free(re);
      return KC_ENOMEM;
    }
    for (char **e = environ; e && *e; e++) {
      const char *eq = strchr(*e, '=');
      if (!eq) continue;
      char name[512];
      size_t l = (size_t)(eq - *e);
      if (l >= sizeof name) continue;
      memcpy(name, *e, l);
      name[l] = '\0';
      if (kc_jregex_matches(re, name, l)) kc_config_set(pr->env, name, eq + 1);
    }
    kc_jregex_free(re);
  }
  return 0;
}

int kc_config_providers_create(const kc_config_t *props, kc_config_providers_t **out, char *err, size_t n) {
  *out = NULL;
  char **names = NULL;
  int cnt = kc_config_get_list(props, "config.providers", &names);
  if (cnt <= 0) {
    kc_config_list_free(names);
    return cnt == KC_ENOMEM ? KC_ENOMEM : 0;
  }
  kc_config_providers_t *p = calloc(1, sizeof *p);
  if (!p || !(p->v = calloc((size_t)cnt, sizeof *p->v))) {
    free(p);
    kc_config_list_free(names);
    return KC_ENOMEM;
  }
  int rc = 0;
  for (int i = 0; i < cnt && !rc; i++) {
    char key[512];
    snprintf(key, sizeof key, "config.providers.%s.class", names[i]);
    const char *cls = kc_config_get(props, key);
    if (!cls || !*cls) { /* Java skips a provider without a class, which then resolves nothing */
      snprintf(err, n, "%s is missing: the config provider %s has no class", key, names[i]);
      rc = KC_EINVAL;
      break;
    }
    int found = -1;
    for (int k = 0; k < 3; k++)
      if (!strcmp(cls, classes[k].fqcn) || !strcmp(cls, strrchr(classes[k].fqcn, '.') + 1)) found = k;
    if (found < 0) {
      snprintf(err, n, "Invalid value %s for configuration %s: Class %s could not be found.", cls, key, cls);
      rc = KC_EINVAL;
      break;
    }
    provider_t *pr = &p->v[p->n++];
    pr->type = classes[found].type;
    if (!(pr->name = strdup(names[i]))) {
      rc = KC_ENOMEM;
      break;
    }
    snprintf(key, sizeof key, "config.providers.%s.param.", names[i]);
    kc_config_t *params = kc_config_with_prefix(props, key);
    if (!params) rc = KC_ENOMEM;
    else rc = configure(pr, params, err, n);
    kc_config_destroy(params);
  }
  kc_config_list_free(names);
  if (rc) {
    kc_config_providers_destroy(p);
    return rc;
  }
  *out = p;
  return 0;
}

/* ---- ConfigTransformer ---- */

/* One match of \$\{([^}]*?):(([^}]*?):)?([^}]*?)\} at or after @p from: offsets of the whole
 * match and of its parts. @returns false when there is none. */
typedef struct {
  size_t start, end;             /* the match: [start, end) */
  const char *prov, *path, *key; /* inside the value */
  size_t prov_len, path_len, key_len;
} var_t;

static bool next_var(const char *s, size_t from, var_t *v) {
  for (const char *p = strstr(s + from, "${"); p; p = strstr(p + 1, "${")) {
    const char *body = p + 2, *close = strchr(body, '}');
    if (!close) return false;
    const char *c1 = memchr(body, ':', (size_t)(close - body));
    if (!c1) continue; /* no ':' before the first '}': the regex finds nothing here */
    const char *rest = c1 + 1, *c2 = memchr(rest, ':', (size_t)(close - rest));
    v->start = (size_t)(p - s);
    v->end = (size_t)(close + 1 - s);
    v->prov = body;
    v->prov_len = (size_t)(c1 - body);
    if (c2) {
      v->path = rest;
      v->path_len = (size_t)(c2 - rest);
      v->key = c2 + 1;
    } else {
      v->path = "";
      v->path_len = 0;
      v->key = rest;
    }
    v->key_len = (size_t)(close - v->key);
    return true;
  }
  return false;
}

bool kc_config_has_variables(const kc_config_t *cfg) {
  const char *k, *v;
  var_t var;
  for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++)
    if (v && next_var(v, 0, &var)) return true;
  return false;
}

static const provider_t *find(const kc_config_providers_t *p, const char *name, size_t len) {
  for (int i = 0; p && i < p->n; i++)
    if (strlen(p->v[i].name) == len && !strncmp(p->v[i].name, name, len)) return &p->v[i];
  return NULL;
}

/* The data one (provider, path) gives: a config of key -> value (caller owns). */
typedef struct lookup_s {
  const provider_t *pr;
  char *path;
  kc_config_t *data;
  char *dir; /* DirectoryConfigProvider: the readable directory, its files read per key */
  struct lookup_s *next;
} lookup_t;

static int read_whole(const char *path, kc_buf_t *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char buf[8192];
  size_t r;
  int rc = 0;
  while (!rc && (r = fread(buf, 1, sizeof buf, f)) > 0) rc = kc_buf_append(out, buf, r);
  if (ferror(f)) rc = -1;
  fclose(f);
  return rc;
}

/* DirectoryConfigProvider.get(path, keys) reads only the regular files named by the keys: the
 * directory is checked here (*dir set when it can be read) and each key read by dir_read(). */
static int provider_get(const provider_t *pr, const char *path, kc_config_t **data, char **dir, char *err,
                        size_t n) {
  *data = NULL;
  *dir = NULL;
  if (pr->type == P_ENV) {
    if (*path) {
      snprintf(err, n, "Path is not supported for EnvVarConfigProvider, invalid value '%s'", path);
      return KC_EINVAL;
    }
    *data = kc_config_copy(pr->env);
    return *data ? 0 : KC_ENOMEM;
  }
  if (!*path) return (*data = kc_config_new()) ? 0 : KC_ENOMEM;
  char *real = untrusted_path(pr, path);
  if (!real) {
    kc_log_warn("kc.config", "The path %s is not allowed to be accessed", path);
    return (*data = kc_config_new()) ? 0 : KC_ENOMEM;
  }
  if (pr->type == P_FILE) {
    int rc = 0;
    char why[512];
    if (!(*data = kc_props_load_file(real, why, sizeof why))) {
      kc_log_error("kc.config", "Could not read properties from file %s", path);
      snprintf(err, n, "Could not read properties from file %s", path);
      rc = KC_EINVAL;
    }
    free(real);
    return rc;
  }
  struct stat st;
  if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
    kc_log_warn("kc.config", "The path %s is not a directory", path);
    free(real);
  } else {
    *dir = real;
  }
  return (*data = kc_config_new()) ? 0 : KC_ENOMEM;
}

/* The file @p key of the directory @p dir into @p data, when it is a regular file there. */
static int dir_read(const char *dir, const char *key, size_t key_len, kc_config_t *data, char *err, size_t n) {
  char name[1024], fp[4096];
  if (key_len >= sizeof name || memchr(key, '/', key_len)) return 0; /* never a file name */
  memcpy(name, key, key_len);
  name[key_len] = '\0';
  struct stat st;
  snprintf(fp, sizeof fp, "%s/%s", dir, name);
  if (kc_config_get(data, name) || stat(fp, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = 0;
  if (read_whole(fp, &b)) {
    snprintf(err, n, "Could not read file %s for property %s", fp, name);
    rc = KC_EINVAL;
  } else {
    rc = kc_config_set(data, name, b.data ? b.data : "");
  }
  kc_buf_free(&b);
  return rc;
}

static void lookups_free(lookup_t *l) {
  while (l) {
    lookup_t *next = l->next;
    free(l->path);
    free(l->dir);
    kc_config_destroy(l->data);
    free(l);
    l = next;
  }
}

int kc_config_providers_resolve(const kc_config_providers_t *p, const kc_config_t *in, kc_config_t **out, char *err,
                                size_t n) {
  *out = NULL;
  lookup_t *lookups = NULL;
  int rc = 0;
  const char *k, *v;
  /* each (provider, path) is asked once, as ConfigTransformer groups its keys by path */
  for (size_t i = 0; !rc && kc_config_at(in, i, &k, &v) == 0; i++) {
    var_t var;
    for (size_t at = 0; v && next_var(v, at, &var); at = var.end) {
      const provider_t *pr = find(p, var.prov, var.prov_len);
      if (!pr) continue;
      lookup_t *l = lookups;
      while (l && !(l->pr == pr && strlen(l->path) == var.path_len && !strncmp(l->path, var.path, var.path_len)))
        l = l->next;
      if (!l) {
        if (!(l = calloc(1, sizeof *l)) || !(l->path = strndup(var.path, var.path_len))) {
          free(l);
          rc = KC_ENOMEM;
          break;
        }
        l->pr = pr;
        l->next = lookups;
        lookups = l;
        if ((rc = provider_get(pr, l->path, &l->data, &l->dir, err, n))) break;
      }
      if (l->dir && (rc = dir_read(l->dir, var.key, var.key_len, l->data, err, n))) break;
    }
  }
  kc_config_t *res = rc ? NULL : kc_config_new();
  if (!rc && !res) rc = KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  for (size_t i = 0; !rc && kc_config_at(in, i, &k, &v) == 0; i++) {
    if (!v) continue;
    kc_buf_reset(&b);
    size_t done = 0;
    var_t var;
    for (size_t at = 0; next_var(v, at, &var); at = var.end) {
      const provider_t *pr = find(p, var.prov, var.prov_len);
      if (!pr) continue; /* an unknown provider: the text stays */
      const char *val = NULL;
      for (lookup_t *l = lookups; l; l = l->next)
        if (l->pr == pr && strlen(l->path) == var.path_len && !strncmp(l->path, var.path, var.path_len)) {
          char key[1024];
          snprintf(key, sizeof key, "%.*s", (int)var.key_len, var.key);
          val = kc_config_get(l->data, key);
          break;
        }
      if (kc_buf_append(&b, v + done, var.start - done) ||
          (val ? kc_buf_puts(&b, val) : kc_buf_append(&b, v + var.start, var.end - var.start)))
        rc = KC_ENOMEM;
      done = var.end;
    }
    if (!rc && kc_buf_puts(&b, v + done)) rc = KC_ENOMEM;
    if (!rc) rc = kc_config_set(res, k, b.data ? b.data : "");
  }
  kc_buf_free(&b);
  lookups_free(lookups);
  if (rc) {
    kc_config_destroy(res);
    return rc;
  }
  *out = res;
  return 0;
}
