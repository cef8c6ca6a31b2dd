// PNG decoding with libpng, to 8-bit RGB, matching Pillow's `open(...).convert("RGB")`.
//
// libpng's simplified API is not used: it composites alpha onto a background, applies gAMA and
// converts 16-bit data as linear light, none of which Pillow does. With the classic API and only
// these transforms the result is Pillow's, kind by kind:
// - palette (any bit depth): looked up to RGB; tRNS is ignored (Pillow keeps it as metadata, and
//   convert("RGB") drops it);
// - grey at 1, 2, 4 bits: scaled to 8 bits (x255, x85, x17), like Pillow's "1", "L;2", "L;4";
// - alpha (grey+alpha, RGBA): dropped, not composited, as convert("RGB") drops it;
// - 16 bits per sample: the high byte is kept (truncation, not rounding), like Pillow's
//   "RGB;16B" / "RGBA;16B" / "LA;16B" unpackers.
// - 16-bit grey is the one deliberate difference: Pillow opens it as mode "I;16" and its
//   convert("RGB") clips every value above 255 to 255, turning almost any such image white. We
//   keep the high byte instead, consistent with the other 16-bit kinds.
// - gAMA, cHRM, sRGB, iCCP and sBIT are ignored, as Pillow ignores them when converting.
// - Decoding stops after the last row: missing or damaged chunks after the image data (IEND,
//   text) are not errors.
#include "ccodecs_image.h"

#include <inttypes.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

// Ancillary chunks (iCCP, zTXt, ...) are inflated in memory; cap them against zip bombs.
#define VC_PNG_MAX_CHUNK_BYTES (64u * 1024u * 1024u)

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    volatile int hit_end;  // set just before a longjmp, read after it
} png_source;

typedef struct {
    jmp_buf jump;
    char message[200];
} png_failure;

static void read_from_memory(png_structp png, png_bytep dest, size_t length) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (length > source->size - source->offset) {
        source->hit_end = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(dest, source->data + source->offset, length);
    source->offset += length;
}

static void on_png_error(png_structp png, png_const_charp message) {
    png_failure *failure = (png_failure *)png_get_error_ptr(png);
    snprintf(failure->message, sizeof failure->message, "%s", message);
    longjmp(failure->jump, 1);
}

// libpng's default prints warnings; none of them stops the decode, so they are dropped.
static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static uint32_t read_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

// Reads the size from IHDR ourselves, before libpng sees the file, so that an empty or oversized
// image gets the same plain message as from the JPEG decoder instead of libpng's wording.
static vc_image_status check_header(const uint8_t *data, size_t size, vc_image_limits limits,
                                    char *err) {
    if (size < 8 + 8 + 13) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "truncated PNG data (%zu bytes, no complete header)",
                 size);
        return VC_IMAGE_TRUNCATED;
    }
    if (read_be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "corrupt PNG data (the first chunk is not a valid IHDR)");
        return VC_IMAGE_CORRUPT;
    }
    vc_image_status status =
        vc_image_check_dimensions(read_be32(data + 16), read_be32(data + 20), limits, err);
    if (status != VC_IMAGE_OK) return status;

    // libpng reads each chunk before the first IDAT whole, allocating its declared length before
    // reading a byte of it; its own cap (png_set_chunk_malloc_max) only raises a benign error,
    // which libpng 1.6 turns into a warning when reading. A 100-byte file declaring a 1.3 GB iTXt
    // chunk made it allocate 1.3 GB. So every chunk libpng will read whole is checked here
    // against the bytes really present (its data and CRC) first. IDAT data is read piecewise
    // and chunks after it are never read, so the walk stops at the first IDAT (or IEND).
    size_t offset = 8;
    while (size - offset >= 8) {
        const uint32_t length = read_be32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (memcmp(type, "IDAT", 4) == 0 || memcmp(type, "IEND", 4) == 0) break;
        const size_t remaining = size - offset - 8;
        if (length > remaining || remaining - length < 4) {
            char name[5];
            for (int i = 0; i < 4; i++) {
                name[i] = (type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z')
                              ? (char)type[i] : '?';
            }
            name[4] = 0;
            snprintf(err, VC_IMAGE_ERR_SIZE,
                     "truncated PNG data (chunk %s at offset %zu declares %" PRIu32
                     " bytes, only %zu follow its header)",
                     name, offset, length, remaining);
            return VC_IMAGE_TRUNCATED;
        }
        offset += 12 + (size_t)length;
    }
    return VC_IMAGE_OK;
}

// Turns rows of `channels` bytes per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), packed from the
// start of `buffer`, into RGB in place. Shrinking (4 -> 3) walks forwards and growing (1, 2 -> 3)
// walks backwards, so no pixel is overwritten before it has been read.
static void to_rgb_in_place(uint8_t *buffer, size_t count, int channels) {
    if (channels == 4) {
        for (size_t i = 0; i < count; i++) {
            buffer[i * 3 + 0] = buffer[i * 4 + 0];
            buffer[i * 3 + 1] = buffer[i * 4 + 1];
            buffer[i * 3 + 2] = buffer[i * 4 + 2];
        }
    } else if (channels == 1 || channels == 2) {
        for (size_t i = count; i-- > 0;) {
            uint8_t grey = buffer[i * (size_t)channels];
            buffer[i * 3 + 0] = buffer[i * 3 + 1] = buffer[i * 3 + 2] = grey;
        }
    }
}

vc_image_status vc_decode_png(const uint8_t *data, size_t size, vc_image_limits limits,
                              vc_image_decoded *out) {
    out->width = out->height = 0;
    out->pixels = NULL;
    out->err[0] = 0;
    if (size < 8 || memcmp(data, png_signature, 8) != 0) {
        snprintf(out->err, VC_IMAGE_ERR_SIZE, "not a PNG file");
        return VC_IMAGE_NOT_THIS_FORMAT;
    }
    vc_image_status header_status = check_header(data, size, limits, out->err);
    if (header_status != VC_IMAGE_OK) return header_status;

    png_failure failure;
    png_source source = {data, size, 0, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, on_png_error,
                                             on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(out->err, VC_IMAGE_ERR_SIZE, "out of memory starting the PNG decoder");
        return VC_IMAGE_NO_MEMORY;
    }

    // Written after setjmp and read after a longjmp back to it, so they must be volatile.
    uint8_t *volatile pixels = NULL;
    png_bytepp volatile rows = NULL;

    // Installed before setjmp: the source is then already in memory when libpng jumps back.
    png_set_read_fn(png, &source, read_from_memory);
    if (setjmp(failure.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        if (source.hit_end) {
            snprintf(out->err, VC_IMAGE_ERR_SIZE, "truncated PNG data (libpng: %s)",
                     failure.message);
            return VC_IMAGE_TRUNCATED;
        }
        snprintf(out->err, VC_IMAGE_ERR_SIZE, "corrupt PNG data (libpng: %s)", failure.message);
        return VC_IMAGE_CORRUPT;
    }

    // Backstops for check_header, in libpng's own terms.
    png_set_user_limits(png, (png_uint_32)limits.max_side, (png_uint_32)limits.max_side);
    png_set_chunk_malloc_max(png, VC_PNG_MAX_CHUNK_BYTES);
    png_read_info(png, info);

    png_uint_32 width, height;
    int bit_depth, color_type, interlace;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16) png_set_strip_16(png);  // keeps the high byte
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    // Palette expansion yields RGBA when the file has tRNS; the alpha is then dropped below.
    const int channels = png_get_channels(png, info);
    const size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || row_bytes != (size_t)width * (size_t)channels) {
        snprintf(failure.message, sizeof failure.message, "unexpected row layout");
        longjmp(failure.jump, 1);
    }

    // One buffer serves both as libpng's row storage and, after conversion, as the RGB result.
    const size_t count = (size_t)width * height;
    pixels = malloc(count * (size_t)(channels > 3 ? channels : 3));
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        snprintf(out->err, VC_IMAGE_ERR_SIZE, "out of memory for a %ux%u image", (unsigned)width,
                 (unsigned)height);
        return VC_IMAGE_NO_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);  // runs all seven Adam7 passes for interlaced files

    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    to_rgb_in_place(pixels, count, channels);

    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->pixels = pixels;
    return VC_IMAGE_OK;
}
