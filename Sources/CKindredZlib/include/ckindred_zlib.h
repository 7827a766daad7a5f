#ifndef CKINDRED_ZLIB_H
#define CKINDRED_ZLIB_H

#include <stddef.h>

/// Reads a whole file, inflating it if it is gzip-compressed (plain files are read as they are).
/// On success returns 0 and sets *out (free it with kd_zlib_free) and *length.
/// On failure returns -1 and writes a message into error (at most error_capacity bytes).
int kd_zlib_read_file(const char *path, unsigned char **out, size_t *length,
                      char *error, size_t error_capacity);

/// Frees a buffer returned by kd_zlib_read_file.
void kd_zlib_free(void *buffer);

#endif
