// Encoding 8-bit RGB pixels as a PNG held in memory (iTerm2's inline images take a PNG file).
// libpng's simplified API needs no setjmp; zlib level 1 as for the files (speed over size).
#include "ccodecs_image.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vc_image_status vc_encode_png_rgb8(int32_t width, int32_t height, const uint8_t *pixels,
                                   uint8_t **out, size_t *out_size, char *err) {
    err[0] = 0;
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "cannot encode an empty %dx%d image", width, height);
        return VC_IMAGE_EMPTY;
    }
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    // First call: the size; second: the bytes.
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL) || size == 0) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "PNG encoding failed: %s", image.message);
        png_image_free(&image);
        return VC_IMAGE_CORRUPT;
    }
    uint8_t *buffer = malloc(size);
    if (!buffer) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "cannot allocate %zu bytes for a PNG", (size_t)size);
        png_image_free(&image);
        return VC_IMAGE_NO_MEMORY;
    }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, 0, NULL)) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "PNG encoding failed: %s", image.message);
        free(buffer);
        png_image_free(&image);
        return VC_IMAGE_CORRUPT;
    }
    *out = buffer;
    *out_size = (size_t)size;
    return VC_IMAGE_OK;
}
