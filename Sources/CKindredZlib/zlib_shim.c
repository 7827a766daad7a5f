// Whole-file reading through zlib's gz* API, which inflates gzip files and passes plain files
// through unchanged.
#include "ckindred_zlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int kd_zlib_read_file(const char *path, unsigned char **out, size_t *length,
                      char *error, size_t error_capacity) {
    *out = NULL;
    *length = 0;
    gzFile file = gzopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_capacity, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t capacity = 1 << 20, used = 0;
    unsigned char *buffer = malloc(capacity);
    if (buffer == NULL) {
        gzclose(file);
        snprintf(error, error_capacity, "out of memory");
        return -1;
    }
    for (;;) {
        if (capacity - used < (1 << 16)) {
            size_t bigger = capacity * 2;
            unsigned char *grown = realloc(buffer, bigger);
            if (grown == NULL) {
                free(buffer);
                gzclose(file);
                snprintf(error, error_capacity, "out of memory");
                return -1;
            }
            buffer = grown;
            capacity = bigger;
        }
        unsigned chunk = (unsigned)(capacity - used > (1u << 30) ? (1u << 30) : capacity - used);
        int n = gzread(file, buffer + used, chunk);
        if (n < 0) {
            int code = 0;
            const char *message = gzerror(file, &code);
            snprintf(error, error_capacity, "corrupt compressed data: %s", message ? message : "unknown zlib error");
            free(buffer);
            gzclose(file);
            return -1;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    int code = 0;
    const char *message = gzerror(file, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
        snprintf(error, error_capacity, "corrupt compressed data: %s", message ? message : "unknown zlib error");
        free(buffer);
        gzclose(file);
        return -1;
    }
    gzclose(file);
    *out = buffer;
    *length = used;
    return 0;
}

void kd_zlib_free(void *buffer) { free(buffer); }
