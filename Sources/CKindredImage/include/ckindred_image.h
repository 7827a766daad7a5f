#ifndef CKINDRED_IMAGE_H
#define CKINDRED_IMAGE_H

/// Decodes a PNG, JPEG, BMP (or other stb-supported) image held in memory into 8-bit interleaved
/// pixels. desired_channels 0 keeps the file's channel count; 1–4 converts. Returns NULL on failure
/// (see kd_image_failure_reason). Free the result with kd_image_free.
unsigned char *kd_image_decode(const unsigned char *bytes, int length, int desired_channels,
                               int *width, int *height, int *file_channels);

/// Reads only the size and channel count of an encoded image. Returns 1 on success, 0 on failure.
int kd_image_info(const unsigned char *bytes, int length, int *width, int *height, int *channels);

/// Why the last decode on this thread failed (a short stb message).
const char *kd_image_failure_reason(void);

/// Frees pixels returned by kd_image_decode or bytes returned by an encoder.
void kd_image_free(void *pointer);

/// Encodes 8-bit interleaved pixels (channels 1–4) as PNG. Returns NULL on failure; free with kd_image_free.
unsigned char *kd_image_encode_png(const unsigned char *pixels, int width, int height, int channels, int *length);

/// Encodes 8-bit interleaved pixels (channels 1–4) as JPEG with quality 1–100. Returns NULL on failure.
unsigned char *kd_image_encode_jpeg(const unsigned char *pixels, int width, int height, int channels,
                                    int quality, int *length);

/// Encodes 8-bit interleaved pixels (channels 1–4) as BMP. Returns NULL on failure.
unsigned char *kd_image_encode_bmp(const unsigned char *pixels, int width, int height, int channels, int *length);

#endif
