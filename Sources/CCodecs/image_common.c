// Pieces shared by the image decoders: the size policy and releasing pixel buffers.
#include "ccodecs_image.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

vc_image_status vc_image_check_dimensions(int64_t width, int64_t height, vc_image_limits limits,
                                          char *err) {
    if (width <= 0 || height <= 0) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "image is %" PRId64 "x%" PRId64 " pixels (empty)", width,
                 height);
        return VC_IMAGE_EMPTY;
    }
    if (width > limits.max_side || height > limits.max_side) {
        snprintf(err, VC_IMAGE_ERR_SIZE,
                 "image is %" PRId64 "x%" PRId64 " pixels, over the limit of %" PRId32
                 " pixels per side",
                 width, height, limits.max_side);
        return VC_IMAGE_TOO_LARGE;
    }
    // Both sides are at most max_side (an int32), so the product cannot overflow an int64.
    if (width * height > limits.max_pixels) {
        snprintf(err, VC_IMAGE_ERR_SIZE,
                 "image is %" PRId64 "x%" PRId64 " pixels, over the limit of %" PRId64
                 " pixels in all",
                 width, height, limits.max_pixels);
        return VC_IMAGE_TOO_LARGE;
    }
    return VC_IMAGE_OK;
}

void vc_image_free(uint8_t *pixels) { free(pixels); }
