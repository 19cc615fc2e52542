/* Connector class alias resolution (connect-runtime.md 10) against the built-in plugins. */
#include <stdio.h>
#include <string.h>

#include "worker/worker.h"
#include "kc_test.h"

static const char *cls(const char *name) {
  const kc_connector_plugin_t *p = kc_plugins_find(name);
  return p ? p->class_name : NULL;
}

int main(void) {
  const char *sink = "org.apache.kafka.connect.file.FileStreamSinkConnector";
  const char *source = "org.apache.kafka.connect.file.FileStreamSourceConnector";
  CHECK(cls(sink) && !strcmp(cls(sink), sink));
  CHECK(cls("FileStreamSinkConnector") && !strcmp(cls("FileStreamSinkConnector"), sink));
  CHECK(cls("FileStreamSink") && !strcmp(cls("FileStreamSink"), sink));
  CHECK(cls("FileStreamSource") && !strcmp(cls("FileStreamSource"), source));
  CHECK(cls("FileStreamSourceConnector") && !strcmp(cls("FileStreamSourceConnector"), source));
  CHECK(cls(source) && !strcmp(cls(source), source));
  /* Not aliases: wrong case, partial names, other packages' prefixes, empty. */
  CHECK(cls("filestreamsink") == NULL);
  CHECK(cls("FileStream") == NULL);
  CHECK(cls("org.apache.kafka.connect.file.FileStreamSink") == NULL);
  CHECK(cls("StreamSink") == NULL);
  CHECK(cls("") == NULL);
  CHECK(cls(NULL) == NULL);
  CHECK(kc_plugins_find("FileStreamSink")->type == KC_CONNECTOR_SINK);
  CHECK(kc_plugins_find("FileStreamSource")->type == KC_CONNECTOR_SOURCE);
  const char *desc = kc_plugins_describe();
  CHECK(strstr(desc, sink) && strstr(desc, "FileStreamSource"));
  return kc_test_done_checks(); /* no test functions: the line counts checks */
}
