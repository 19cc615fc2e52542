/*
 * The group protocol messages in the non-flexible versions conn.c negotiates:
 * FindCoordinator v1-v2, JoinGroup v4-v5, SyncGroup v3, Heartbeat v3,
 * LeaveGroup v3 (clients/src/main/resources/common/message/ in Kafka). Builders
 * append a request body to @p out and return 0 or a kc_buf error; parsers read
 * a response body and return false when it is malformed.
 */
#ifndef KC_KAFKA_WIRE_MESSAGES_H
#define KC_KAFKA_WIRE_MESSAGES_H

#include "kafka/wire/codec.h"
#include "kafka/wire/group.h"

int kc_wire_find_coordinator_build(kc_buf_t *out, int16_t version, const char *group_id);

typedef struct {
  int16_t error;
  int32_t node_id, port;
  char host[256];
  char message[256]; /* ErrorMessage, "" when null */
} kc_wire_find_coordinator_resp_t;
bool kc_wire_find_coordinator_parse(kc_wire_reader_t *r, int16_t version,
                                    kc_wire_find_coordinator_resp_t *out);

/** @p protocols: name and metadata of each of @p n protocols (borrowed). */
int kc_wire_join_group_build(kc_buf_t *out, int16_t version, const char *group_id,
                             int32_t session_timeout_ms, int32_t rebalance_timeout_ms,
                             const char *member_id, const char *protocol_type,
                             const kc_group_protocol_t *protocols, int n);

typedef struct {
  int16_t error;
  int32_t generation;
  char *protocol, *leader, *member_id; /* malloc'ed, "" when null */
  int n;                               /* members (the leader only gets them) */
  kc_group_member_t *members;          /* member_id malloc'ed; metadata points into the response */
} kc_wire_join_group_resp_t;
/** Fills @p out (free with kc_wire_join_group_resp_free() in every case). */
bool kc_wire_join_group_parse(kc_wire_reader_t *r, int16_t version, kc_wire_join_group_resp_t *out);
void kc_wire_join_group_resp_free(kc_wire_join_group_resp_t *resp);

/** @p member_ids[i] gets @p assignments[i]; n 0 for followers. */
int kc_wire_sync_group_build(kc_buf_t *out, const char *group_id, int32_t generation,
                             const char *member_id, const char *const *member_ids,
                             const kc_buf_t *assignments, int n);
/** *@p assignment points into the response. */
bool kc_wire_sync_group_parse(kc_wire_reader_t *r, int16_t *error, const void **assignment,
                              size_t *len);

int kc_wire_heartbeat_build(kc_buf_t *out, const char *group_id, int32_t generation,
                            const char *member_id);
/** Heartbeat v3's only field past the throttle time. */
bool kc_wire_heartbeat_parse(kc_wire_reader_t *r, int16_t *error);

int kc_wire_leave_group_build(kc_buf_t *out, const char *group_id, const char *member_id);
/** The top-level error, or the member's own when the top level is NONE. */
bool kc_wire_leave_group_parse(kc_wire_reader_t *r, int16_t *error);

#endif
