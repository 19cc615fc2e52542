/*
 * A bootstrap.servers list ("host:port[,host:port]", "[v6addr]:port" too), parsed once
 * for the clients of src/kafka/wire/ (the group member and the topic lister).
 */
#ifndef KC_KAFKA_WIRE_SERVERS_H
#define KC_KAFKA_WIRE_SERVERS_H

#include <stddef.h>

#include "kconnect/connector.h"

typedef struct {
  char *host;
  int port;
} kc_wire_server_t;

/**
 * Parses @p list into *@p out (*@p n entries, at least one; free with kc_wire_servers_free()).
 * @returns 0, KC_ENOMEM, or KC_EINVAL with @p errstr naming the bad address; *@p out is then
 *          NULL and *@p n 0.
 */
int kc_wire_servers_parse(const char *list, kc_wire_server_t **out, int *n, char *errstr,
                          size_t errstr_size);
void kc_wire_servers_free(kc_wire_server_t *servers, int n);

#endif
