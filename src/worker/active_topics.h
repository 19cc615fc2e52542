/*
 * The active topics of standalone connectors (KIP-558), in memory as Java's
 * MemoryStatusBackingStore keeps them: lost on restart, kept after a connector's
 * deletion (StandaloneHerder does not reset them), cleared only by
 * PUT /connectors/{c}/topics/reset. Distributed workers keep theirs in the status
 * topic instead (store_status.c).
 */
#ifndef KC_WORKER_ACTIVE_TOPICS_H
#define KC_WORKER_ACTIVE_TOPICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct kc_active_topics_s kc_active_topics_t;

/** An empty store. @returns NULL on ENOMEM. */
kc_active_topics_t *kc_active_topics_create(void);
void kc_active_topics_destroy(kc_active_topics_t *s);
/** Whether @p connector has used @p topic since its last reset. */
bool kc_active_topics_has(const kc_active_topics_t *s, const char *connector, const char *topic);
/** Records the first use of @p topic by task @p task of @p connector. @returns 0 or KC_ENOMEM. */
int kc_active_topics_put(kc_active_topics_t *s, const char *connector, const char *topic, int task, int64_t ts_ms);
/** The topics of @p connector as a JSON array of names, in order of discovery (new reference). */
json_t *kc_active_topics_json(const kc_active_topics_t *s, const char *connector);
/** Forgets every topic of @p connector (resetConnectorActiveTopics). */
void kc_active_topics_reset(kc_active_topics_t *s, const char *connector);

#endif
