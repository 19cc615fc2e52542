/* bootstrap.servers parsing shared by the wire clients (servers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/servers.h"

void kc_wire_servers_free(kc_wire_server_t *servers, int n) {
  for (int i = 0; i < n; i++) free(servers[i].host);
  free(servers);
}

static int parse(const char *list, kc_wire_server_t **out, int *n, char *errstr,
                 size_t errstr_size) {
  const char *p = list ? list : "";
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == '\t') p++;
    if (!*p) break;
    const char *end = p;
    while (*end && *end != ',' && *end != ' ' && *end != '\t') end++;
    char item[300];
    snprintf(item, sizeof item, "%.*s", (int)(end - p), p);
    char *host = item, *colon = strrchr(item, ':');
    if (item[0] == '[') {
      char *rb = strchr(item, ']');
      if (rb) {
        *rb = '\0';
        host = item + 1;
        colon = rb[1] == ':' ? rb + 1 : NULL;
      }
    }
    char *num_end = NULL;
    long port = colon ? strtol(colon + 1, &num_end, 10) : 0;
    if (!colon || colon == item || !num_end || *num_end || port <= 0 || port > 65535) {
      snprintf(errstr, errstr_size, "bootstrap.servers: invalid address '%s' (host:port)", item);
      return KC_EINVAL;
    }
    *colon = '\0';
    kc_wire_server_t *ns = realloc(*out, (size_t)(*n + 1) * sizeof *ns);
    if (!ns) return KC_ENOMEM;
    *out = ns;
    ns[*n].host = strdup(host);
    ns[*n].port = (int)port;
    if (!ns[*n].host) return KC_ENOMEM;
    (*n)++;
    p = end;
  }
  if (*n == 0) {
    snprintf(errstr, errstr_size, "bootstrap.servers: no address given");
    return KC_EINVAL;
  }
  return 0;
}

int kc_wire_servers_parse(const char *list, kc_wire_server_t **out, int *n, char *errstr,
                          size_t errstr_size) {
  *out = NULL;
  *n = 0;
  int rc = parse(list, out, n, errstr, errstr_size);
  if (rc) {
    if (rc == KC_ENOMEM) snprintf(errstr, errstr_size, "bootstrap.servers: out of memory");
    kc_wire_servers_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return rc;
}
