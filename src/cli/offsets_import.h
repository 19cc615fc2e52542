/*
 * `kconnect offsets import`: a one-shot command (not the daemon) that copies a standalone worker's
 * source offsets file (offset.storage.file.filename, Java's FileOffsetBackingStore format, which
 * kconnect's standalone writes too) into a distributed cluster's offset.storage.topic, as records
 * a distributed worker would write for the same offsets.
 */
#ifndef KC_CLI_OFFSETS_IMPORT_H
#define KC_CLI_OFFSETS_IMPORT_H

/** argv[0] is "offsets". @returns the process exit code (0 ok, 1 refused or failed, 2 usage). */
int kc_cli_offsets_main(int argc, char **argv);

#endif
