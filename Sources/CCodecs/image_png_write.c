// Writing 8-bit RGB PNG files with libpng (used for exports of crops and visualisations).
//
// The file holds IHDR, IDAT and IEND only: no tIME or text chunks, so the same pixels and level
// always give the same bytes. Exports are large and interactive, so callers use a low zlib level:
// for a 4000x3000 RGB image, level 1 took 0.5 s against 1.6 s for libpng's default of 6, for a
// file about a quarter larger (level 0, stored, takes 0.05 s but is 36 MB).
#include "ccodecs_image.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    jmp_buf jump;
    FILE *file;
    char message[200];
} png_writer;

static void on_write_error(png_structp png, png_const_charp message) {
    png_writer *writer = (png_writer *)png_get_error_ptr(png);
    if (writer->message[0] == 0) snprintf(writer->message, sizeof writer->message, "%s", message);
    longjmp(writer->jump, 1);
}

static void on_write_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

// Our own write callback, so that a full disk reports errno's reason rather than "Write Error".
static void write_to_file(png_structp png, png_bytep data, size_t length) {
    png_writer *writer = (png_writer *)png_get_io_ptr(png);
    if (fwrite(data, 1, length, writer->file) != length) {
        snprintf(writer->message, sizeof writer->message, "write failed (%s)", strerror(errno));
        png_error(png, writer->message);
    }
}

static void flush_file(png_structp png) { (void)png; }  // fclose flushes at the end

vc_image_status vc_write_png_rgb8(const char *path, int32_t width, int32_t height,
                                  const uint8_t *pixels, int32_t zlib_level, char *err) {
    err[0] = 0;
    if (width <= 0 || height <= 0) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "cannot write an empty %dx%d image", width, height);
        return VC_IMAGE_EMPTY;
    }
    if (zlib_level < 0 || zlib_level > 9) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "zlib level %d is not in 0...9", zlib_level);
        return VC_IMAGE_UNSUPPORTED;
    }

    png_writer writer;
    memset(&writer, 0, sizeof writer);
    writer.file = fopen(path, "wb");
    if (!writer.file) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "cannot create file (%s)", strerror(errno));
        return VC_IMAGE_IO;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, on_write_error,
                                              on_write_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        fclose(writer.file);
        remove(path);
        snprintf(err, VC_IMAGE_ERR_SIZE, "out of memory starting the PNG encoder");
        return VC_IMAGE_NO_MEMORY;
    }

    if (setjmp(writer.jump)) {
        png_destroy_write_struct(&png, &info);
        fclose(writer.file);
        remove(path);  // never leave a half-written file behind
        snprintf(err, VC_IMAGE_ERR_SIZE, "%s", writer.message);
        return VC_IMAGE_IO;
    }

    png_set_write_fn(png, &writer, write_to_file, flush_file);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, zlib_level);
    // Stored (level 0) output cannot profit from filtering; skip its per-row cost.
    if (zlib_level == 0) png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
    const size_t row_bytes = (size_t)width * 3;
    for (int32_t y = 0; y < height; y++) {
        // libpng's row type is not const, but it only reads the row.
        png_write_row(png, (png_bytep)(pixels + (size_t)y * row_bytes));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);

    if (fclose(writer.file) != 0) {
        snprintf(err, VC_IMAGE_ERR_SIZE, "write failed (%s)", strerror(errno));
        remove(path);
        return VC_IMAGE_IO;
    }
    return VC_IMAGE_OK;
}
