/*
 * Pure helpers of the FileStream connectors: line splitting and UTF-8 repair.
 *
 * No I/O, no allocation, no libuv: test/unit/test_file_lines.c drives them
 * with every chunking of real logs.
 */
#ifndef KC_FILE_LINES_H
#define KC_FILE_LINES_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Finds the first complete line of data[0..n), the way
 * FileStreamSourceTask.extractLine does: a line ends at "\n", "\r\n" or "\r".
 * A "\r" that is the last byte is undecided (it may be the start of "\r\n"),
 * so it does not end a line until a later byte arrives.
 *
 * @param from  a prefix of data known to hold no terminator: the *next of an
 *              earlier call on the same pending bytes that returned false
 *              (only more bytes were appended since), else 0. It keeps the
 *              scan linear while a long line arrives in many reads.
 * @param len   set to the length of the line without its terminator.
 * @param next  true: bytes to consume (line plus terminator, always >= 1).
 *              false: the @p from to pass once more bytes are appended.
 * @returns true when a complete line starts data.
 */
bool kc_file_lines_next(const char *data, size_t n, size_t from, size_t *len, size_t *next);

/** @returns true when data[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool kc_file_utf8_valid(const char *data, size_t n);

/**
 * Copies data[0..n) to @p out, replacing malformed UTF-8 with U+FFFD exactly as
 * Java's UTF-8 decoder does for FileStreamSourceTask's InputStreamReader: one
 * U+FFFD per maximal ill-formed prefix, except that an encoded surrogate
 * (ED A0..BF 80..BF) is one U+FFFD for all three bytes and ED A0..BF counts as
 * a two-byte prefix (Python would write one U+FFFD per byte there).
 * @p out must have room for 3 * n bytes.
 * @returns the number of bytes written.
 */
size_t kc_file_utf8_repair(const char *data, size_t n, char *out);

#endif /* KC_FILE_LINES_H */
