// stb_image and stb_image_write (Debian libstb-dev), compiled once for Kindred.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <stdlib.h>
#include <string.h>

#include "ckindred_image.h"

unsigned char *kd_image_decode(const unsigned char *bytes, int length, int desired_channels,
                               int *width, int *height, int *file_channels) {
    return stbi_load_from_memory(bytes, length, width, height, file_channels, desired_channels);
}

int kd_image_info(const unsigned char *bytes, int length, int *width, int *height, int *channels) {
    return stbi_info_from_memory(bytes, length, width, height, channels);
}

const char *kd_image_failure_reason(void) {
    const char *reason = stbi_failure_reason();
    return reason ? reason : "unknown error";
}

void kd_image_free(void *pointer) { free(pointer); }

unsigned char *kd_image_encode_png(const unsigned char *pixels, int width, int height, int channels, int *length) {
    return stbi_write_png_to_mem(pixels, width * channels, width, height, channels, length);
}

// A growing buffer that stb's callback writers append to.
typedef struct {
    unsigned char *data;
    int length;
    int capacity;
    int failed;
} kd_buffer;

static void kd_buffer_append(void *context, void *data, int size) {
    kd_buffer *b = (kd_buffer *)context;
    if (b->failed) return;
    if (b->length + size > b->capacity) {
        int capacity = b->capacity ? b->capacity : 4096;
        while (capacity < b->length + size) capacity *= 2;
        unsigned char *grown = realloc(b->data, (size_t)capacity);
        if (grown == NULL) { b->failed = 1; return; }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, data, (size_t)size);
    b->length += size;
}

static unsigned char *kd_buffer_finish(kd_buffer *b, int ok, int *length) {
    if (!ok || b->failed) { free(b->data); return NULL; }
    *length = b->length;
    return b->data;
}

unsigned char *kd_image_encode_jpeg(const unsigned char *pixels, int width, int height, int channels,
                                    int quality, int *length) {
    kd_buffer b = {0};
    int ok = stbi_write_jpg_to_func(kd_buffer_append, &b, width, height, channels, pixels, quality);
    return kd_buffer_finish(&b, ok, length);
}

unsigned char *kd_image_encode_bmp(const unsigned char *pixels, int width, int height, int channels, int *length) {
    kd_buffer b = {0};
    int ok = stbi_write_bmp_to_func(kd_buffer_append, &b, width, height, channels, pixels);
    return kd_buffer_finish(&b, ok, length);
}
