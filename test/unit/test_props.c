/*
 * java.util.Properties.load() compatibility and kc_config_t. Expected values
 * were checked against a real JDK 17 Properties.load of the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/props.h"
#include "kc_test.h"

static kc_config_t *parse(const char *text) {
  char err[256] = "";
  kc_config_t *c = kc_props_parse(text, strlen(text), err, sizeof err);
  if (!c) fprintf(stderr, "parse failed: %s\n", err);
  return c;
}

static void test_separators(void) {
  kc_config_t *c = parse(
      "a=1\n"
      "b:2\n"
      "c 3\n"
      "d = 4\n"
      "e\t:\t5\n"
      "f  =  =6\n"
      "g\n"
      "h=\n"
      "i:=x\n"
      "j x y\n"
      "k=v  \n"
      "   l  =  indented\n"
      "m\f\f:n\n");
  CHECK(c != NULL);
  CHECK_STR(kc_config_get(c, "a"), "1");
  CHECK_STR(kc_config_get(c, "b"), "2");
  CHECK_STR(kc_config_get(c, "c"), "3");
  CHECK_STR(kc_config_get(c, "d"), "4");
  CHECK_STR(kc_config_get(c, "e"), "5");
  CHECK_STR(kc_config_get(c, "f"), "=6"); /* only one separator is eaten */
  CHECK_STR(kc_config_get(c, "g"), "");
  CHECK_STR(kc_config_get(c, "h"), "");
  CHECK_STR(kc_config_get(c, "i"), "=x");
  CHECK_STR(kc_config_get(c, "j"), "x y");
  CHECK_STR(kc_config_get(c, "k"), "v  "); /* trailing blanks are kept */
  CHECK_STR(kc_config_get(c, "l"), "indented");
  CHECK_STR(kc_config_get(c, "m"), "n");
  CHECK(kc_config_count(c) == 13);
  kc_config_destroy(c);
}

static void test_escapes(void) {
  kc_config_t *c = parse(
      "my\\ key\\=x\\:y = val\n"
      "ctl=a\\tb\\nc\\rd\\fe\\\\f\n"
      "other=\\q\\z\\\"\\'\n"
      "\\#notcomment=1\n"
      "\\!bang=2\n"
      "path=C:\\\\dir\\\\file\n"
      "lead=\\ \\ two leading spaces\n");
  CHECK(c != NULL);
  CHECK_STR(kc_config_get(c, "my key=x:y"), "val");
  CHECK_STR(kc_config_get(c, "ctl"), "a\tb\nc\rd\fe\\f");
  CHECK_STR(kc_config_get(c, "other"), "qz\"'");
  CHECK_STR(kc_config_get(c, "#notcomment"), "1");
  CHECK_STR(kc_config_get(c, "!bang"), "2");
  CHECK_STR(kc_config_get(c, "path"), "C:\\dir\\file");
  CHECK_STR(kc_config_get(c, "lead"), "  two leading spaces");
  kc_config_destroy(c);
}

static void test_unicode(void) {
  kc_config_t *c = parse(
      "A=\\u0041\\u0062\n"
      "e=caf\\u00e9\n"
      "euro=\\u20AC\n"
      "smile=\\uD83D\\uDE00!\n"
      "lone=a\\uD83Db\n"
      "lowonly=\\uDE00\n"
      "k\\u00e9y=raw \xC3\xA9 bytes\n");
  CHECK(c != NULL);
  CHECK_STR(kc_config_get(c, "A"), "Ab");
  CHECK_STR(kc_config_get(c, "e"), "caf\xC3\xA9");
  CHECK_STR(kc_config_get(c, "euro"), "\xE2\x82\xAC");
  CHECK_STR(kc_config_get(c, "smile"), "\xF0\x9F\x98\x80!");
  /* Unpaired surrogates: Java's UTF-8 encoder writes '?' */
  CHECK_STR(kc_config_get(c, "lone"), "a?b");
  CHECK_STR(kc_config_get(c, "lowonly"), "?");
  CHECK_STR(kc_config_get(c, "k\xC3\xA9y"), "raw \xC3\xA9 bytes");
  kc_config_destroy(c);
}

static void test_continuations(void) {
  kc_config_t *c = parse(
      "a=one \\\n"
      "     two \\\n"
      "\t three\n"
      "even=x\\\\\n"
      "odd=x\\\\\\\n"
      "  y\n"
      "hash=1\\\n"
      "#2\n"
      "#comment ends in backslash \\\n"
      "after=5\n"
      "empty=a\\\n"
      "\n"
      "g=1\n"
      "\\\n"
      "#this is a comment again\n"
      "key\\\n"
      "  part=v\n"
      "last=end\\");
  CHECK(c != NULL);
  CHECK_STR(kc_config_get(c, "a"), "one two three");
  CHECK_STR(kc_config_get(c, "even"), "x\\");
  CHECK_STR(kc_config_get(c, "odd"), "x\\y");
  CHECK_STR(kc_config_get(c, "hash"), "1#2");
  CHECK_STR(kc_config_get(c, "after"), "5");
  CHECK_STR(kc_config_get(c, "empty"), "a");
  CHECK_STR(kc_config_get(c, "g"), "1");
  CHECK(kc_config_get(c, "#this") == NULL);
  CHECK_STR(kc_config_get(c, "keypart"), "v");
  CHECK_STR(kc_config_get(c, "last"), "end");
  CHECK(kc_config_count(c) == 9);
  kc_config_destroy(c);
}

static void test_comments_and_line_ends(void) {
  kc_config_t *c = parse(
      "# hash comment\r\n"
      "! bang comment\r\n"
      "   # indented comment\r\n"
      "a=b # not a comment\r\n"
      "cr=1\r"
      "crlf=2\r\n"
      "cont=x\\\r\n"
      "   y\r\n"
      "lf=3\n"
      "\r\n\r\n\n"
      "z=last");
  CHECK(c != NULL);
  CHECK_STR(kc_config_get(c, "a"), "b # not a comment");
  CHECK_STR(kc_config_get(c, "cr"), "1");
  CHECK_STR(kc_config_get(c, "crlf"), "2");
  CHECK_STR(kc_config_get(c, "cont"), "xy");
  CHECK_STR(kc_config_get(c, "lf"), "3");
  CHECK_STR(kc_config_get(c, "z"), "last");
  CHECK(kc_config_count(c) == 6);
  kc_config_destroy(c);

  c = parse("");
  CHECK(c && kc_config_count(c) == 0);
  kc_config_destroy(c);
  c = parse("   \n# only comments\n\t\n");
  CHECK(c && kc_config_count(c) == 0);
  kc_config_destroy(c);
}

static void test_errors(void) {
  char err[256];
  const char *bad[][2] = {
      {"a=\\u12G4\n", "line 1: Malformed \\uxxxx encoding."},
      {"ok=1\n\n# c\nx=\\u00\n", "line 4: Malformed \\uxxxx encoding."},
      {"ok=1\r\nx=a\\\r\n  b\\u12", "line 3: Malformed \\uxxxx encoding."},
      {"k\\uZZZZ=1", "line 1: Malformed \\uxxxx encoding."},
      {"a=b\nn=\\u0000\n", "line 2: NUL characters are not supported in keys or values"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    kc_config_t *c = kc_props_parse(bad[i][0], strlen(bad[i][0]), err, sizeof err);
    CHECK(c == NULL);
    CHECK_STR(err, bad[i][1]);
    kc_config_destroy(c);
  }
  /* A raw NUL byte inside the text */
  const char nul[] = "a=x\0y\n";
  kc_config_t *c = kc_props_parse(nul, sizeof nul - 1, err, sizeof err);
  CHECK(c == NULL);
  CHECK_STR(err, "line 1: NUL characters are not supported in keys or values");
}

static void test_duplicates_keep_position(void) {
  kc_config_t *c = parse("a=1\nb=2\na=3\n");
  const char *k, *v;
  CHECK(kc_config_count(c) == 2);
  CHECK(kc_config_at(c, 0, &k, &v) == 0);
  CHECK_STR(k, "a");
  CHECK_STR(v, "3");
  CHECK(kc_config_at(c, 1, &k, &v) == 0);
  CHECK_STR(k, "b");
  CHECK(kc_config_at(c, 2, &k, &v) == KC_ENOENT);
  kc_config_destroy(c);
}

/* Apache Kafka 3.9's config/connect-standalone.properties, verbatim. */
static const char connect_standalone[] =
    "# Licensed to the Apache Software Foundation (ASF) under one or more\n"
    "# contributor license agreements.  See the NOTICE file distributed with\n"
    "# this work for additional information regarding copyright ownership.\n"
    "# The ASF licenses this file to You under the Apache License, Version 2.0\n"
    "# (the \"License\"); you may not use this file except in compliance with\n"
    "# the License.  You may obtain a copy of the License at\n"
    "#\n"
    "#    http://www.apache.org/licenses/LICENSE-2.0\n"
    "#\n"
    "# Unless required by applicable law or agreed to in writing, software\n"
    "# distributed under the License is distributed on an \"AS IS\" BASIS,\n"
    "# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\n"
    "# See the License for the specific language governing permissions and\n"
    "# limitations under the License.\n"
    "\n"
    "# These are defaults. This file just demonstrates how to override some settings.\n"
    "bootstrap.servers=localhost:9092\n"
    "\n"
    "# The converters specify the format of data in Kafka and how to translate it into Connect "
    "data. Every Connect user will\n"
    "# need to configure these based on the format they want their data in when loaded from or "
    "stored into Kafka\n"
    "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
    "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
    "# Converter-specific settings can be passed in by prefixing the Converter's setting with the "
    "converter we want to apply\n"
    "# it to\n"
    "key.converter.schemas.enable=true\n"
    "value.converter.schemas.enable=true\n"
    "\n"
    "offset.storage.file.filename=/tmp/connect.offsets\n"
    "# Flush much faster than normal, which is useful for testing/debugging\n"
    "offset.flush.interval.ms=10000\n"
    "\n"
    "# Set to a list of filesystem paths separated by commas (,) to enable class loading "
    "isolation for plugins\n"
    "# (connectors, converters, transformations). The list should consist of top level "
    "directories that include \n"
    "# any combination of: \n"
    "# a) directories immediately containing jars with plugins and their dependencies\n"
    "# b) uber-jars with plugins and their dependencies\n"
    "# c) directories immediately containing the package directory structure of classes of "
    "plugins and their dependencies\n"
    "# Note: symlinks will be followed to discover dependencies or plugins.\n"
    "# Examples: \n"
    "# plugin.path=/usr/local/share/java,/usr/local/share/kafka/plugins,/opt/connectors,\n"
    "#plugin.path=\n";

static void test_connect_standalone_file(void) {
  char path[64];
  CHECK(kc_test_temp_file(path, sizeof path, "props", connect_standalone,
                          sizeof connect_standalone - 1) == 0);
  char err[512] = "";
  kc_config_t *c = kc_props_load_file(path, err, sizeof err);
  unlink(path);
  CHECK(c != NULL);
  if (!c) return;
  static const char *const want[][2] = {
      {"bootstrap.servers", "localhost:9092"},
      {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
      {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
      {"key.converter.schemas.enable", "true"},
      {"value.converter.schemas.enable", "true"},
      {"offset.storage.file.filename", "/tmp/connect.offsets"},
      {"offset.flush.interval.ms", "10000"},
  };
  CHECK(kc_config_count(c) == 7);
  for (size_t i = 0; i < 7; i++) {
    const char *k, *v;
    CHECK(kc_config_at(c, i, &k, &v) == 0);
    CHECK_STR(k, want[i][0]);
    CHECK_STR(v, want[i][1]);
  }
  CHECK(kc_config_get(c, "plugin.path") == NULL);
  int64_t ms = 0;
  CHECK(kc_config_get_int(c, "offset.flush.interval.ms", &ms) == 0 && ms == 10000);

  kc_config_t *kc = kc_config_with_prefix(c, "key.converter.");
  CHECK(kc_config_count(kc) == 1);
  CHECK_STR(kc_config_get(kc, "schemas.enable"), "true");
  kc_config_destroy(kc);
  kc_config_destroy(c);

  c = kc_props_load_file("/nonexistent/dir/worker.properties", err, sizeof err);
  CHECK(c == NULL);
  CHECK_STR(err, "/nonexistent/dir/worker.properties: No such file or directory");

  /* Parse errors name the file and the line */
  char path2[64];
  const char *bad = "name=x\ntopics=\\u00zz\n";
  CHECK(kc_test_temp_file(path2, sizeof path2, "props", bad, strlen(bad)) == 0);
  c = kc_props_load_file(path2, err, sizeof err);
  unlink(path2);
  CHECK(c == NULL);
  char want_err[600];
  snprintf(want_err, sizeof want_err, "%s: line 2: Malformed \\uxxxx encoding.", path2);
  CHECK_STR(err, want_err);
}

static void test_config_map(void) {
  kc_config_t *c = kc_config_new();
  CHECK(kc_config_set(c, "b", "1") == 0);
  CHECK(kc_config_set(c, "a", "2") == 0);
  CHECK(kc_config_set(c, "c", "3") == 0);
  CHECK(kc_config_set(c, "b", "replaced") == 0);
  const char *k, *v;
  kc_config_at(c, 0, &k, &v);
  CHECK_STR(k, "b");
  CHECK_STR(v, "replaced");
  CHECK(kc_config_unset(c, "a") == 0);
  CHECK(kc_config_unset(c, "a") == KC_ENOENT);
  CHECK(kc_config_count(c) == 2);
  kc_config_at(c, 1, &k, &v);
  CHECK_STR(k, "c");
  kc_config_t *copy = kc_config_copy(c);
  CHECK(kc_config_set(c, "c", "changed") == 0);
  CHECK_STR(kc_config_get(copy, "c"), "3");
  kc_config_destroy(copy);

  int64_t i = 0;
  double d = 0;
  bool b = false;
  kc_config_set(c, "int", " -42 ");
  kc_config_set(c, "plus", "+7");
  kc_config_set(c, "big", "9223372036854775807");
  kc_config_set(c, "over", "9223372036854775808");
  kc_config_set(c, "hex", "0x10");
  kc_config_set(c, "blank", "   ");
  kc_config_set(c, "dbl", "2.5e3");
  kc_config_set(c, "bool", " TRUE");
  kc_config_set(c, "nobool", "yes");
  CHECK(kc_config_get_int(c, "int", &i) == 0 && i == -42);
  CHECK(kc_config_get_int(c, "plus", &i) == 0 && i == 7);
  CHECK(kc_config_get_int(c, "big", &i) == 0 && i == INT64_MAX);
  CHECK(kc_config_get_int(c, "over", &i) == KC_EINVAL);
  CHECK(kc_config_get_int(c, "hex", &i) == KC_EINVAL);
  CHECK(kc_config_get_int(c, "blank", &i) == KC_ENOENT);
  CHECK(kc_config_get_int(c, "missing", &i) == KC_ENOENT);
  CHECK(kc_config_get_double(c, "dbl", &d) == 0 && d == 2500.0);
  CHECK(kc_config_get_double(c, "bool", &d) == KC_EINVAL);
  CHECK(kc_config_get_bool(c, "bool", &b) == 0 && b);
  CHECK(kc_config_get_bool(c, "nobool", &b) == KC_EINVAL);

  char **items;
  kc_config_set(c, "list", " a , b,,  c ,");
  CHECK(kc_config_get_list(c, "list", &items) == 3);
  CHECK_STR(items[0], "a");
  CHECK_STR(items[1], "b");
  CHECK_STR(items[2], "c");
  CHECK(items[3] == NULL);
  kc_config_list_free(items);
  kc_config_set(c, "empty", "");
  CHECK(kc_config_get_list(c, "empty", &items) == 0);
  CHECK(items && items[0] == NULL);
  kc_config_list_free(items);
  CHECK(kc_config_get_list(c, "nope", &items) == KC_ENOENT);
  kc_config_destroy(c);
}

int main(void) {
  kc_test_run("separators", test_separators);
  kc_test_run("escapes", test_escapes);
  kc_test_run("unicode", test_unicode);
  kc_test_run("continuations", test_continuations);
  kc_test_run("comments_and_line_ends", test_comments_and_line_ends);
  kc_test_run("errors", test_errors);
  kc_test_run("duplicates_keep_position", test_duplicates_keep_position);
  kc_test_run("connect_standalone_file", test_connect_standalone_file);
  kc_test_run("config_map", test_config_map);
  return kc_test_done();
}
