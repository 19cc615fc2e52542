/* Config providers and ConfigTransformer: FileConfigProvider, DirectoryConfigProvider and
 * EnvVarConfigProvider as kafka-clients' classes behave, on real files and the environment. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_provider.h"
#include "kc_test.h"

static char dir[256];

static kc_config_t *cfg(const char *const *kv) {
  kc_config_t *c = kc_config_new();
  for (; kv[0]; kv += 2) kc_config_set(c, kv[0], kv[1]);
  return c;
}

static kc_config_providers_t *providers(const char *const *kv, char *err, size_t n) {
  kc_config_t *c = cfg(kv);
  kc_config_providers_t *p = NULL;
  int rc = kc_config_providers_create(c, &p, err, n);
  kc_config_destroy(c);
  return rc ? NULL : p;
}

/* The resolved value of "v" = @p value, or "ERR <message>". */
static const char *resolve(const kc_config_providers_t *p, const char *value) {
  static char out[1024];
  const char *kv[] = {"v", value, NULL};
  kc_config_t *in = cfg(kv), *res = NULL;
  char err[512] = "";
  if (kc_config_providers_resolve(p, in, &res, err, sizeof err)) snprintf(out, sizeof out, "ERR %s", err);
  else snprintf(out, sizeof out, "%s", kc_config_get(res, "v"));
  kc_config_destroy(in);
  kc_config_destroy(res);
  return out;
}

static void setup(void) {
  kc_test_temp_dir(dir, sizeof dir, "cfgprov");
  char p[512];
  snprintf(p, sizeof p, "%s/secrets.properties", dir);
  const char *props = "db.password=s3cr\\u00e9t\nuser = alice\nempty=\n";
  kc_test_write_file(p, props, strlen(props));
  snprintf(p, sizeof p, "%s/sub", dir);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/sub/token", dir);
  kc_test_write_file(p, "tok\n", 4);
  snprintf(p, sizeof p, "%s/sub/other", dir);
  kc_test_write_file(p, "x", 1);
  snprintf(p, sizeof p, "%s/sub/nested", dir);
  mkdir(p, 0700);
}

static void test_transformer(void) {
  char err[512], allowed[512];
  snprintf(allowed, sizeof allowed, "%s/sub", dir);
  const char *const kv[] = {"config.providers", "file, dir,env",
                            "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider",
                            "config.providers.dir.class", "DirectoryConfigProvider",
                            "config.providers.dir.param.allowed.paths", allowed,
                            "config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                            "config.providers.env.param.allowlist.pattern", "KC_CP_.*", NULL};
  setenv("KC_CP_TOPIC", "logs", 1);
  setenv("OTHER_CP_VAR", "hidden", 1);
  kc_config_providers_t *p = providers(kv, err, sizeof err);
  if (!CHECKF(p != NULL, "%s", err)) return;
  char v[1024];
  snprintf(v, sizeof v, "${file:%s/secrets.properties:db.password}", dir);
  CHECK_STR(resolve(p, v), "s3cr\xc3\xa9t");
  snprintf(v, sizeof v, "u=${file:%s/secrets.properties:user};p=${file:%s/secrets.properties:empty}|", dir, dir);
  CHECK_STR(resolve(p, v), "u=alice;p=|");
  snprintf(v, sizeof v, "${file:%s/secrets.properties:nokey}", dir);
  CHECK_STR(resolve(p, v), v); /* a key the file lacks: the text stays */
  snprintf(v, sizeof v, "${dir:%s/sub:token}", dir);
  CHECK_STR(resolve(p, v), "tok\n"); /* the whole file, newline included */
  snprintf(v, sizeof v, "${dir:%s/sub:nested}", dir);
  CHECK_STR(resolve(p, v), v);      /* a directory is not a regular file */
  snprintf(v, sizeof v, "${dir:%s/sub/../sub/./:token}", dir);
  CHECK_STR(resolve(p, v), "tok\n"); /* normalised inside allowed.paths */
  snprintf(v, sizeof v, "${dir:%s:secrets.properties}", dir);
  CHECK_STR(resolve(p, v), v);      /* outside allowed.paths: no value (a warning is logged) */
  snprintf(v, sizeof v, "${dir:%s/sub/../:secrets.properties}", dir);
  CHECK_STR(resolve(p, v), v);
  CHECK_STR(resolve(p, "t=${env:KC_CP_TOPIC}"), "t=logs");
  CHECK_STR(resolve(p, "${env:OTHER_CP_VAR}"), "${env:OTHER_CP_VAR}"); /* not in the allowlist */
  CHECK_STR(resolve(p, "${env:/x:KC_CP_TOPIC}"),
            "ERR Path is not supported for EnvVarConfigProvider, invalid value '/x'");
  CHECK_STR(resolve(p, "${vault:secret/a:b}"), "${vault:secret/a:b}"); /* unknown provider */
  CHECK_STR(resolve(p, "${notavar} $ {env:KC_CP_TOPIC} ${env:KC_CP_TOPIC"), "${notavar} $ {env:KC_CP_TOPIC} ${env:KC_CP_TOPIC");
  CHECK_STR(resolve(p, "${file:/nonexistent/kc/x.properties:k}"),
            "ERR Could not read properties from file /nonexistent/kc/x.properties");
  const char *kv2[] = {"a", "${env:KC_CP_TOPIC}", "b", "plain", NULL};
  kc_config_t *in = cfg(kv2);
  CHECK(kc_config_has_variables(in));
  kc_config_unset(in, "a");
  CHECK(!kc_config_has_variables(in));
  kc_config_destroy(in);
  kc_config_providers_destroy(p);
}

static void test_config_errors(void) {
  char err[512];
  const char *none[] = {"config.providers", "", NULL};
  kc_config_providers_t *p = (kc_config_providers_t *)1;
  kc_config_t *c = cfg(none);
  CHECK(kc_config_providers_create(c, &p, err, sizeof err) == 0 && p == NULL);
  kc_config_destroy(c);
  const char *noclass[] = {"config.providers", "file", NULL};
  CHECK(!providers(noclass, err, sizeof err) && strstr(err, "config.providers.file.class"));
  const char *bad[] = {"config.providers", "v", "config.providers.v.class", "com.example.VaultConfigProvider", NULL};
  CHECK(!providers(bad, err, sizeof err) && strstr(err, "Class com.example.VaultConfigProvider could not be found."));
  const char *rel[] = {"config.providers", "f", "config.providers.f.class", "FileConfigProvider",
                       "config.providers.f.param.allowed.paths", "etc/secrets", NULL};
  CHECK(!providers(rel, err, sizeof err));
  CHECK_STR(err, "Path etc/secrets is not absolute");
  const char *gone[] = {"config.providers", "f", "config.providers.f.class", "FileConfigProvider",
                        "config.providers.f.param.allowed.paths", "/nonexistent/kc", NULL};
  CHECK(!providers(gone, err, sizeof err));
  CHECK_STR(err, "Path /nonexistent/kc does not exist");
  const char *re[] = {"config.providers", "e", "config.providers.e.class", "EnvVarConfigProvider",
                      "config.providers.e.param.allowlist.pattern", "(", NULL};
  CHECK(!providers(re, err, sizeof err) && strstr(err, "allowlist.pattern"));
}

int main(void) {
  setup();
  kc_test_run("transformer", test_transformer);
  kc_test_run("config_errors", test_config_errors);
  kc_test_remove_tree(dir);
  return kc_test_done();
}
