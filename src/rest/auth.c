/*
 * DESIGN: Connect's BasicAuthSecurityRestExtension without a JVM.
 *
 * Connect registers JaasBasicAuthFilter, which for every request (except the
 * two internal worker-to-worker endpoints) builds a JAAS LoginContext for the
 * "KafkaConnect" entry of the JVM's login configuration and logs in with the
 * user and password of the Basic Authorization header. The only login module
 * shipped is PropertyFileLoginModule, which compares against a .properties
 * file it reads once per JVM and caches. We parse the same JAAS file, accept
 * only PropertyFileLoginModule entries (any other class cannot be run here, so
 * the worker refuses to start), and read every credentials file at start-up.
 *
 * JAAS flags: PropertyFileLoginModule.login() returns false (never throws) on
 * bad credentials, which LoginContext treats as "module ignored"; so whatever
 * the flags, a login succeeds exactly when some module accepts. We implement
 * that (an OR over the modules) and accept all four flags.
 *
 * Deliberate differences, all failing closed: an empty credentials file, which
 * makes Connect permit every request, stops the worker; a missing or
 * unreadable file stops the worker at start (Connect answers 401 per request).
 *
 * Passwords are compared as SHA-256 digests with CRYPTO_memcmp, so neither the
 * content nor the length of the stored password shows in the timing.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/props.h"
#include "rest/auth.h"
#include "util/log.h"

#define LOGGER "kc.rest.auth"

typedef struct {
  char *file;
  kc_config_t *creds;
} login_module_t;

struct kc_rest_auth_s {
  login_module_t *mods;
  size_t n;
};

void kc_rest_auth_destroy(kc_rest_auth_t *a) {
  if (!a) return;
  for (size_t i = 0; i < a->n; i++) {
    free(a->mods[i].file);
    kc_config_destroy(a->mods[i].creds);
  }
  free(a->mods);
  free(a);
}

/* ------------------------------------------------------- JAAS tokenizer */

/* java.io.StreamTokenizer as sun.security.provider.ConfigFile sets it up. */
typedef enum { TOK_EOF, TOK_WORD, TOK_QUOTED, TOK_NUMBER, TOK_CHAR } tok_kind_t;

typedef struct {
  const char *p, *end;
  int line;
  tok_kind_t kind;
  int ch;      /* TOK_CHAR */
  kc_buf_t sval;
} lexer_t;

static bool is_word_start(int c) {
  return isalpha(c) || c >= 0xa0 || c == '$' || c == '_' || c == '-' || c == '*';
}
static bool is_word_part(int c) { return is_word_start(c) || isdigit(c) || c == '.'; }

static int lex_next(lexer_t *lx) {
  kc_buf_reset(&lx->sval);
  for (;;) {
    while (lx->p < lx->end && (unsigned char)*lx->p <= ' ') {
      if (*lx->p == '\n') lx->line++;
      lx->p++;
    }
    if (lx->p >= lx->end) {
      lx->kind = TOK_EOF;
      return 0;
    }
    if (*lx->p != '/') break;
    if (lx->p + 1 < lx->end && lx->p[1] == '*') {
      const char *e = lx->p + 2;
      while (e + 1 < lx->end && !(e[0] == '*' && e[1] == '/')) {
        if (*e == '\n') lx->line++;
        e++;
      }
      lx->p = e + 1 < lx->end ? e + 2 : lx->end;
      continue;
    }
    /* "//" and, as '/' is StreamTokenizer's default comment character, a lone '/' */
    while (lx->p < lx->end && *lx->p != '\n' && *lx->p != '\r') lx->p++;
  }
  int c = (unsigned char)*lx->p;
  if (is_word_start(c)) {
    const char *s = lx->p;
    while (lx->p < lx->end && is_word_part((unsigned char)*lx->p)) lx->p++;
    lx->kind = TOK_WORD;
    return kc_buf_append(&lx->sval, s, (size_t)(lx->p - s));
  }
  if (isdigit(c) || c == '.') {
    while (lx->p < lx->end && (isdigit((unsigned char)*lx->p) || *lx->p == '.')) lx->p++;
    lx->kind = TOK_NUMBER;
    return 0;
  }
  if (c == '"' || c == '\'') {
    lx->p++;
    lx->kind = TOK_QUOTED;
    int rc = kc_buf_append(&lx->sval, "", 0);
    /* The string ends at the closing quote or, as in StreamTokenizer, at the end of the line. */
    while (!rc && lx->p < lx->end && *lx->p != c && *lx->p != '\n' && *lx->p != '\r') {
      char out = *lx->p++;
      if (out == '\\' && lx->p < lx->end) {
        char e = *lx->p++;
        switch (e) {
          case 'a': out = 7; break;
          case 'b': out = '\b'; break;
          case 'f': out = '\f'; break;
          case 'n': out = '\n'; break;
          case 'r': out = '\r'; break;
          case 't': out = '\t'; break;
          case 'v': out = 11; break;
          default:
            if (e >= '0' && e <= '7') {
              int v = e - '0', digits = 1, max = e <= '3' ? 3 : 2;
              while (digits < max && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7') {
                v = v * 8 + (*lx->p++ - '0');
                digits++;
              }
              out = (char)v;
            } else {
              out = e;
            }
        }
      }
      rc = kc_buf_append(&lx->sval, &out, 1);
    }
    if (lx->p < lx->end && *lx->p == c) lx->p++;
    return rc;
  }
  lx->kind = TOK_CHAR;
  lx->ch = c;
  lx->p++;
  return 0;
}

static const char *tok_desc(const lexer_t *lx, char *buf, size_t n) {
  switch (lx->kind) {
    case TOK_EOF: return "the end of the file";
    case TOK_NUMBER: return "a number";
    case TOK_WORD:
    case TOK_QUOTED: snprintf(buf, n, "'%s'", lx->sval.data); return buf;
    case TOK_CHAR: snprintf(buf, n, "'%c'", lx->ch); return buf;
  }
  return "?";
}

/* ----------------------------------------------------------- JAAS parser */

typedef struct {
  lexer_t lx;
  const char *origin;
  char *err;
  size_t errn;
  bool seen_connect;
  kc_rest_auth_t *auth;
} parser_t;

static int expect_fail(parser_t *ps, const char *what) {
  char b[160];
  snprintf(ps->err, ps->errn, "JAAS file %s line %d: expected %s, found %s", ps->origin, ps->lx.line, what,
           tok_desc(&ps->lx, b, sizeof(b)));
  return KC_EINVAL;
}

/* A class name, flag, key or value: a word or a quoted string (ConfigFile.match). */
static int take_string(parser_t *ps, const char *what, char **out) {
  if (ps->lx.kind != TOK_WORD && ps->lx.kind != TOK_QUOTED) return expect_fail(ps, what);
  *out = strdup(ps->lx.sval.data ? ps->lx.sval.data : "");
  if (!*out) return KC_ENOMEM;
  return lex_next(&ps->lx);
}

static int take_char(parser_t *ps, int c, const char *what) {
  if (ps->lx.kind != TOK_CHAR || ps->lx.ch != c) return expect_fail(ps, what);
  return lex_next(&ps->lx);
}

/* Reads a credentials file as Properties.load(InputStream) does: ISO-8859-1 bytes. */
static kc_config_t *load_credentials(const char *path, char *err, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, n, "cannot read the credentials file '%s': %s", path, strerror(errno));
    return NULL;
  }
  kc_buf_t raw;
  kc_buf_init(&raw, 0);
  char chunk[4096];
  size_t got;
  int rc = 0;
  while (!rc && (got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    for (size_t i = 0; i < got && !rc; i++) {
      unsigned char c = (unsigned char)chunk[i];
      if (c < 0x80) {
        rc = kc_buf_append(&raw, &chunk[i], 1);
      } else {
        char u[2] = {(char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f))};
        rc = kc_buf_append(&raw, u, 2);
      }
    }
  }
  bool ioerr = ferror(f);
  fclose(f);
  if (rc || ioerr) {
    kc_buf_free(&raw);
    snprintf(err, n, "cannot read the credentials file '%s': %s", path, ioerr ? "read error" : "out of memory");
    return NULL;
  }
  char perr[256] = "";
  kc_config_t *cfg = kc_props_parse(raw.data ? raw.data : "", raw.len, perr, sizeof(perr));
  kc_buf_free(&raw);
  if (!cfg) {
    snprintf(err, n, "cannot parse the credentials file '%s': %s", path, perr);
    return NULL;
  }
  if (kc_config_count(cfg) == 0) {
    kc_config_destroy(cfg);
    snprintf(err, n,
             "the credentials file '%s' is empty; Connect would then let every request through, "
             "kconnect refuses to start instead",
             path);
    return NULL;
  }
  return cfg;
}

static int add_module(parser_t *ps, const char *cls, const char *file, int line) {
  if (strcmp(cls, KC_REST_PROPERTY_FILE_MODULE) != 0) {
    snprintf(ps->err, ps->errn,
             "JAAS file %s line %d: login module %s in the KafkaConnect entry is not supported "
             "(kconnect runs only %s)",
             ps->origin, line, cls, KC_REST_PROPERTY_FILE_MODULE);
    return KC_EINVAL;
  }
  const char *f = file;
  while (f && isspace((unsigned char)*f)) f++;
  if (!f || !*f) {
    snprintf(ps->err, ps->errn,
             "JAAS file %s line %d: Property Credentials file must be specified (option file=\"...\")",
             ps->origin, line);
    return KC_EINVAL;
  }
  kc_rest_auth_t *a = ps->auth;
  login_module_t *m = realloc(a->mods, (a->n + 1) * sizeof(*m));
  if (!m) return KC_ENOMEM;
  a->mods = m;
  m = &a->mods[a->n];
  m->file = strdup(file);
  if (!m->file) return KC_ENOMEM;
  char err[512];
  m->creds = load_credentials(file, err, sizeof(err));
  if (!m->creds) {
    free(m->file);
    snprintf(ps->err, ps->errn, "JAAS file %s: %s", ps->origin, err);
    return KC_EINVAL;
  }
  a->n++;
  return 0;
}

/* module := CLASS FLAG (KEY '=' VALUE)* ';' */
static int parse_module(parser_t *ps, bool connect) {
  char *cls = NULL, *flag = NULL, *file = NULL;
  int line = ps->lx.line;
  int rc = take_string(ps, "a login module class name", &cls);
  if (!rc) rc = take_string(ps, "a control flag (required, requisite, sufficient or optional)", &flag);
  if (!rc && strcasecmp(flag, "required") && strcasecmp(flag, "requisite") && strcasecmp(flag, "sufficient") &&
      strcasecmp(flag, "optional")) {
    snprintf(ps->err, ps->errn, "JAAS file %s line %d: Invalid control flag, %s", ps->origin, line, flag);
    rc = KC_EINVAL;
  }
  while (!rc && !(ps->lx.kind == TOK_CHAR && ps->lx.ch == ';')) {
    char *key = NULL, *val = NULL;
    rc = take_string(ps, "an option name or ';'", &key);
    if (!rc) rc = take_char(ps, '=', "'='");
    if (!rc) rc = take_string(ps, "an option value", &val);
    if (!rc && strstr(val, "${")) {
      snprintf(ps->err, ps->errn, "JAAS file %s line %d: option %s: ${...} system property expansion is not supported",
               ps->origin, line, key);
      rc = KC_EINVAL;
    }
    if (!rc && connect) {
      if (!strcmp(key, "file")) {
        free(file);
        file = val;
        val = NULL;
      } else {
        kc_log_warn(LOGGER, "JAAS file %s line %d: option %s has no effect on %s", ps->origin, line, key, cls);
      }
    }
    free(key);
    free(val);
  }
  if (!rc) rc = lex_next(&ps->lx); /* the ';' */
  if (!rc && connect) rc = add_module(ps, cls, file, line);
  free(cls);
  free(flag);
  free(file);
  return rc;
}

/* entry := NAME '{' module* '}' ';' */
static int parse_entry(parser_t *ps) {
  char *name = NULL;
  int rc = take_string(ps, "a login entry name", &name);
  if (rc) return rc;
  bool connect = !strcmp(name, "KafkaConnect");
  if (connect && ps->seen_connect) {
    snprintf(ps->err, ps->errn, "JAAS file %s line %d: Can not specify multiple entries for KafkaConnect", ps->origin,
             ps->lx.line);
    free(name);
    return KC_EINVAL;
  }
  ps->seen_connect |= connect;
  free(name);
  rc = take_char(ps, '{', "'{'");
  while (!rc && !(ps->lx.kind == TOK_CHAR && ps->lx.ch == '}')) {
    if (ps->lx.kind == TOK_EOF) return expect_fail(ps, "'}'");
    rc = parse_module(ps, connect);
  }
  if (!rc) rc = lex_next(&ps->lx);
  if (!rc) rc = take_char(ps, ';', "';' after '}'");
  return rc;
}

kc_rest_auth_t *kc_rest_auth_from_jaas(const char *text, size_t len, const char *origin, char *errstr,
                                       size_t errstr_size) {
  parser_t ps = {.lx = {.p = text, .end = text + len, .line = 1}, .origin = origin, .err = errstr, .errn = errstr_size};
  kc_buf_init(&ps.lx.sval, 0);
  ps.auth = calloc(1, sizeof(*ps.auth));
  int rc = ps.auth ? lex_next(&ps.lx) : KC_ENOMEM;
  while (!rc && ps.lx.kind != TOK_EOF) rc = parse_entry(&ps);
  kc_buf_free(&ps.lx.sval);
  if (!rc && !ps.seen_connect) {
    snprintf(errstr, errstr_size, "JAAS file %s: No LoginModules configured for KafkaConnect", origin);
    rc = KC_EINVAL;
  } else if (!rc && ps.auth->n == 0) {
    snprintf(errstr, errstr_size, "JAAS file %s: the KafkaConnect entry has no login module", origin);
    rc = KC_EINVAL;
  }
  if (rc == KC_ENOMEM) snprintf(errstr, errstr_size, "out of memory");
  if (rc) {
    kc_rest_auth_destroy(ps.auth);
    return NULL;
  }
  return ps.auth;
}

/* ------------------------------------------------------------- KAFKA_OPTS */

#define JAAS_PROP "-Djava.security.auth.login.config="

char *kc_rest_auth_jaas_path_from_opts(const char *opts, char *errstr, size_t errstr_size) {
  errstr[0] = '\0';
  if (!opts) return NULL;
  char *found = NULL;
  kc_buf_t w;
  kc_buf_init(&w, 0);
  const char *p = opts;
  for (;;) {
    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p) break;
    kc_buf_reset(&w);
    int rc = kc_buf_append(&w, "", 0);
    while (!rc && *p && !isspace((unsigned char)*p)) {
      if (*p == '"' || *p == '\'') {
        char q = *p++;
        const char *e = strchr(p, q);
        if (!e) e = p + strlen(p);
        rc = kc_buf_append(&w, p, (size_t)(e - p));
        p = *e ? e + 1 : e;
      } else {
        rc = kc_buf_append(&w, p++, 1);
      }
    }
    if (rc) {
      free(found);
      kc_buf_free(&w);
      snprintf(errstr, errstr_size, "out of memory");
      return NULL;
    }
    if (!strncmp(w.data, JAAS_PROP, strlen(JAAS_PROP))) {
      free(found);
      found = strdup(w.data + strlen(JAAS_PROP)); /* the JVM: the last -D of a name wins */
    }
  }
  kc_buf_free(&w);
  if (!found) return NULL;
  /* "==path" (use only this file) and file: URLs name a local file too. */
  char *v = found + (found[0] == '=');
  if (!strncasecmp(v, "file:", 5)) {
    v += 5;
    if (!strncmp(v, "//", 2)) v += 2; /* file:///etc/x -> /etc/x */
  } else if (strstr(v, "://")) {
    snprintf(errstr, errstr_size, "KAFKA_OPTS: java.security.auth.login.config=%s: only local files are supported", v);
    free(found);
    return NULL;
  }
  char *path = strdup(v);
  free(found);
  if (!path) snprintf(errstr, errstr_size, "out of memory");
  return path;
}

/* ---------------------------------------------------------------- base64 */

static int b64val(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  if (c == '=') return -2;
  return -1;
}

long kc_rest_base64_java_decode(const char *in, size_t len, unsigned char *out, char *msg, size_t n) {
  if (len == 0) return 0;
  if (len < 2) {
    snprintf(msg, n, "Input byte[] should at least have 2 bytes for base64 bytes");
    return -1;
  }
  size_t sp = 0, dp = 0;
  int bits = 0, shiftto = 18;
  while (sp < len) {
    int b = b64val((unsigned char)in[sp++]);
    if (b < 0) {
      if (b == -2) {
        /* Java: "=" alone, "x=" and "xx=" followed by anything but '=' are all wrong endings. */
        if ((shiftto == 6 && (sp == len || in[sp++] != '=')) || shiftto == 18) {
          snprintf(msg, n, "Input byte array has wrong 4-byte ending unit");
          return -1;
        }
        break;
      }
      /* Integer.toString(byte, 16) of the signed byte */
      int sb = (signed char)in[sp - 1];
      if (sb < 0) snprintf(msg, n, "Illegal base64 character -%x", -sb);
      else snprintf(msg, n, "Illegal base64 character %x", sb);
      return -1;
    }
    bits |= b << shiftto;
    shiftto -= 6;
    if (shiftto < 0) {
      out[dp++] = (unsigned char)(bits >> 16);
      out[dp++] = (unsigned char)(bits >> 8);
      out[dp++] = (unsigned char)bits;
      shiftto = 18;
      bits = 0;
    }
  }
  if (shiftto == 6) {
    out[dp++] = (unsigned char)(bits >> 16);
  } else if (shiftto == 0) {
    out[dp++] = (unsigned char)(bits >> 16);
    out[dp++] = (unsigned char)(bits >> 8);
  } else if (shiftto == 12) {
    snprintf(msg, n, "Last unit does not have enough valid bits");
    return -1;
  }
  if (sp < len) {
    snprintf(msg, n, "Input byte array has incorrect ending byte at %zu", sp);
    return -1;
  }
  return (long)dp;
}

/* ----------------------------------------------------------------- check */

static bool module_accepts(const login_module_t *m, const char *user, const char *password) {
  const char *stored = kc_config_get(m->creds, user);
  unsigned char want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH];
  /* An unknown user is compared too, so that both paths cost the same. */
  SHA256((const unsigned char *)(stored ? stored : ""), stored ? strlen(stored) : 0, want);
  SHA256((const unsigned char *)password, strlen(password), got);
  return CRYPTO_memcmp(want, got, sizeof(want)) == 0 && stored != NULL;
}

int kc_rest_auth_check(const kc_rest_auth_t *auth, const char *header, char *msg, size_t msg_size) {
  if (!auth) return 0;
  if (!header) return 401;
  const char *space = strchr(header, ' ');
  if (!space || space == header) return 401;
  if ((size_t)(space - header) != 5 || strncasecmp(header, "Basic", 5)) return 401;
  const char *b64 = space + 1;
  size_t blen = strlen(b64);
  unsigned char *dec = malloc(blen / 4 * 3 + 4);
  if (!dec) {
    snprintf(msg, msg_size, "Out of memory");
    return 500;
  }
  long dlen = kc_rest_base64_java_decode(b64, blen, dec, msg, msg_size);
  if (dlen < 0) {
    free(dec);
    return 500; /* Java's IllegalArgumentException escapes the filter: Connect's mapper gives 500 */
  }
  dec[dlen] = '\0';
  char *colon = memchr(dec, ':', (size_t)dlen);
  /* A NUL inside the user name cannot match a properties key; refuse it outright. */
  if (!colon || colon == (char *)dec || memchr(dec, '\0', (size_t)(colon - (char *)dec))) {
    free(dec);
    return 401;
  }
  *colon = '\0';
  const char *user = (const char *)dec, *password = colon + 1;
  if ((long)(password - (const char *)dec) + (long)strlen(password) != dlen) { /* NUL in the password */
    free(dec);
    return 401;
  }
  bool ok = false;
  for (size_t i = 0; i < auth->n; i++) ok |= module_accepts(&auth->mods[i], user, password);
  if (!ok) kc_log_debug(LOGGER, "Request failed authentication for user '%s'", user);
  OPENSSL_cleanse(dec, (size_t)dlen);
  free(dec);
  return ok ? 0 : 401;
}

/* ---------------------------------------------------------------- policy */

static char *read_file(const char *path, size_t *len, char *err, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, n, "cannot read the JAAS file '%s': %s", path, strerror(errno));
    return NULL;
  }
  kc_buf_t b;
  kc_buf_init(&b, 0);
  char chunk[4096];
  size_t got;
  int rc = kc_buf_append(&b, "", 0);
  while (!rc && (got = fread(chunk, 1, sizeof(chunk), f)) > 0) rc = kc_buf_append(&b, chunk, got);
  bool ioerr = ferror(f);
  fclose(f);
  if (rc || ioerr) {
    kc_buf_free(&b);
    snprintf(err, n, "cannot read the JAAS file '%s'", path);
    return NULL;
  }
  *len = b.len;
  return b.data;
}

static int policy_auth(const kc_config_t *props, const char *kafka_opts, kc_rest_policy_t *p, char *err, size_t n) {
  char **classes = NULL;
  int nc = kc_config_get_list(props, "rest.extension.classes", &classes);
  if (nc == KC_ENOENT || nc == 0) {
    kc_config_list_free(classes);
    return 0;
  }
  if (nc < 0) return KC_ENOMEM;
  for (int i = 0; i < nc; i++) {
    if (strcmp(classes[i], KC_REST_BASIC_AUTH_CLASS) && strcmp(classes[i], "BasicAuthSecurityRestExtension")) {
      snprintf(err, n,
               "rest.extension.classes: REST extension class %s is not available in kconnect (only %s is built in); "
               "refusing to start without it",
               classes[i], KC_REST_BASIC_AUTH_CLASS);
      kc_config_list_free(classes);
      return KC_EINVAL;
    }
  }
  kc_config_list_free(classes);
  const char *key = kc_config_get(props, KC_REST_JAAS_KEY);
  char *path = NULL;
  const char *source = KC_REST_JAAS_KEY;
  char oerr[512];
  char *opath = kc_rest_auth_jaas_path_from_opts(kafka_opts, oerr, sizeof(oerr));
  if (key && *key) {
    path = strdup(key);
    if (opath && strcmp(opath, key))
      kc_log_warn(LOGGER, "%s=%s is used; KAFKA_OPTS names another JAAS file (%s)", KC_REST_JAAS_KEY, key, opath);
    free(opath);
    if (!path) return KC_ENOMEM;
  } else if (opath) {
    path = opath;
    source = "KAFKA_OPTS -Djava.security.auth.login.config";
  } else if (oerr[0]) {
    snprintf(err, n, "rest.extension.classes=%s: %s", KC_REST_BASIC_AUTH_CLASS, oerr);
    return KC_EINVAL;
  } else {
    snprintf(err, n,
             "rest.extension.classes=%s needs a JAAS file with a KafkaConnect entry: set %s in the worker config "
             "or KAFKA_OPTS=-Djava.security.auth.login.config=/path/to/jaas.conf",
             KC_REST_BASIC_AUTH_CLASS, KC_REST_JAAS_KEY);
    return KC_EINVAL;
  }
  size_t len = 0;
  char ferr[512];
  char *text = read_file(path, &len, ferr, sizeof(ferr));
  if (!text) {
    snprintf(err, n, "rest.extension.classes: %s (from %s)", ferr, source);
    free(path);
    return KC_EINVAL;
  }
  char jerr[768];
  p->auth = kc_rest_auth_from_jaas(text, len, path, jerr, sizeof(jerr));
  free(text);
  if (!p->auth) {
    snprintf(err, n, "rest.extension.classes: %s", jerr);
    free(path);
    return KC_EINVAL;
  }
  size_t users = 0;
  for (size_t i = 0; i < p->auth->n; i++) users += kc_config_count(p->auth->mods[i].creds);
  kc_log_info(LOGGER, "REST basic authentication on: JAAS file %s (from %s), %zu login module(s), %zu user(s)", path,
              source, p->auth->n, users);
  free(path);
  return 0;
}

int kc_rest_policy_create(const kc_config_t *props, const char *kafka_opts, kc_rest_policy_t **out, char *errstr,
                          size_t errstr_size) {
  *out = NULL;
  kc_rest_policy_t *p = calloc(1, sizeof(*p));
  if (!p) {
    snprintf(errstr, errstr_size, "out of memory");
    return KC_ENOMEM;
  }
  int rc = props ? policy_auth(props, kafka_opts, p, errstr, errstr_size) : 0;
  if (!rc && props)
    rc = kc_rest_cors_create(kc_config_get(props, "access.control.allow.origin"),
                             kc_config_get(props, "access.control.allow.methods"), &p->cors);
  if (!rc && props) {
    char herr[512];
    const char *v = kc_config_get(props, "response.http.headers.config");
    rc = kc_rest_hdrcfg_parse(v, &p->hdrs, herr, sizeof(herr));
    if (rc == KC_EINVAL)
      snprintf(errstr, errstr_size, "Invalid value %s for configuration response.http.headers.config: %s", v, herr);
  }
  if (rc == KC_ENOMEM) snprintf(errstr, errstr_size, "out of memory");
  if (rc) {
    kc_rest_policy_destroy(p);
    return rc;
  }
  *out = p;
  return 0;
}

void kc_rest_policy_destroy(kc_rest_policy_t *p) {
  if (!p) return;
  kc_rest_auth_destroy(p->auth);
  kc_rest_cors_destroy(p->cors);
  kc_rest_hdrcfg_destroy(p->hdrs);
  free(p);
}
