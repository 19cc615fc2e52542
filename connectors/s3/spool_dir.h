/*
 * The S3 sink's spool directory: where a task's open files live on local disk.
 *
 * A connector name comes from a REST client, so it must never choose where
 * files go: it is encoded into ONE path component below the spool base
 * directory, and start-up cleaning deletes only what a task of this worker
 * wrote there (files named <digits>.spool in a directory holding the marker
 * file KC_S3_SPOOL_MARKER), never through a symlink.
 */
#ifndef KC_S3_SPOOL_DIR_H
#define KC_S3_SPOOL_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "kconnect/connector.h"

/** The file that marks a directory as created by (and owned by) an S3 sink task. */
#define KC_S3_SPOOL_MARKER ".kconnect-spool"

/** Longest path component the encoding produces (POSIX NAME_MAX). */
#define KC_S3_SPOOL_COMPONENT_MAX 255

/**
 * Appends to @p out the directory name of task @p task of connector @p name:
 * every byte outside [A-Za-z0-9_-] of @p name percent-encoded (%XX, upper-case
 * hex, so '/', '.', '%' and control bytes never reach the file system as
 * themselves), then "-<task>". When that is longer than
 * KC_S3_SPOOL_COMPONENT_MAX bytes, the result is the first 128 bytes of the
 * encoding (never cutting a %XX), '~', the hex SHA-256 of the whole name and
 * "-<task>" ('~' marks the hashed form; the plain form never holds one). The
 * result is never "", "." or "..", and distinct (name, task) pairs give
 * distinct results (up to SHA-256 collisions). Names of characters from
 * [A-Za-z0-9_-] encode to themselves (the directory name of earlier
 * versions). @returns 0 or KC_ENOMEM.
 */
int kc_s3_spool_component(const char *name, int task, kc_buf_t *out);

/** True when @p file is a spool file name this sink writes: one or more digits, then ".spool". */
bool kc_s3_spool_file_name(const char *file);

/**
 * Prepares the spool directory @p dir = <@p base>/<@p component>: creates
 * @p base (mode 0700, parents included) and @p dir when missing, and writes
 * the marker into a directory it created. A directory that exists already is
 * used and cleaned of the spool files of an earlier run only when it is a real
 * directory (not a symlink) and holds the marker, or holds nothing but spool
 * files (an earlier kconnect version's directory, which then gets the
 * marker). Anything else fails: the task must not write into, or delete from,
 * a directory it did not create. Blocking file system calls: call it from the
 * task's start (as the sink did before) or the threadpool.
 * @p log (may be NULL) receives what was cleaned or refused.
 * @returns 0, or KC_EINVAL / KC_ERR with "s3.spool.dir: ..." in @p err.
 */
int kc_s3_spool_prepare(kc_task_t *log, const char *base, const char *component, char *err,
                        size_t errlen);

/**
 * Removes the directory of an earlier version's layout, <@p base>/<@p old_component>,
 * when it differs from the current one, is a real directory directly in
 * @p base and holds nothing but spool files (and maybe the marker): its files
 * are uncommitted data Kafka replays, so they are garbage now. Otherwise it is
 * left alone (and logged). @p old_component that contains '/', '%' or '~'
 * (it could be another connector's current directory) or is "", "." or ".."
 * is ignored. Never fails the task.
 */
void kc_s3_spool_remove_legacy(kc_task_t *log, const char *base, const char *old_component,
                               const char *component);

#endif
