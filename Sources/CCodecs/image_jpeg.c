// JPEG decoding with libjpeg-turbo, to 8-bit RGB, matching Pillow's `open(...).convert("RGB")`.
//
// Decisions (they are the ones the official evaluation pipeline, PIL, makes):
// - Default libjpeg settings: accurate integer IDCT (JDCT_ISLOW) and fancy upsampling, as Pillow
//   uses them. No DCT scaling: the eval transform resizes from full resolution.
// - EXIF orientation is ignored: the pipeline calls Image.open without ImageOps.exif_transpose,
//   so the network sees the stored pixel grid, and so do we.
// - Greyscale is replicated into R, G and B (Pillow's L -> RGB).
// - Four-channel JPEGs (CMYK, or YCCK which libjpeg turns into CMYK) are read with Adobe polarity,
//   i.e. stored values inverted, for every file: Pillow assumes this unconditionally ("CMYK;I"),
//   and Photoshop, the main source of such files, writes them that way. CMYK -> RGB then uses
//   Pillow's formula R = (255 - K) - (C * (255 - K)) / 255 with its exact integer rounding.
// - Strict about truncation: libjpeg only warns when the data runs out (and pads the rest of the
//   image with grey), whereas Pillow raises "image file is truncated". We report it as an error
//   (VC_IMAGE_TRUNCATED). Every other libjpeg warning (stray bytes before a marker, a corrupt
//   entropy segment it can resynchronise from) is ignored silently, as Pillow ignores them.
// - Nothing is ever printed: libjpeg's message hooks are replaced.
#include "ccodecs_image.h"

#include <setjmp.h>
#include <stdio.h>  // jpeglib.h uses FILE and size_t without including their headers
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

// A progressive file may declare any number of scans, each of which makes libjpeg revisit the
// whole coefficient buffer: a small hostile file can cost minutes. Real encoders use about 10.
#define VC_JPEG_MAX_SCANS 1000

typedef struct {
    struct jpeg_error_mgr pub;  // first, so libjpeg's err pointer is also a pointer to this
    jmp_buf jump;
    // Set just before a longjmp and read after it, hence volatile.
    volatile int hit_end;  // the source ran out of data; libjpeg padded it with a fake EOI marker
    volatile int too_many_scans;
    char message[JMSG_LENGTH_MAX];
} jpeg_failure;

typedef struct {
    struct jpeg_progress_mgr pub;
    jpeg_failure *failure;
} jpeg_scan_guard;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, failure->message);
    longjmp(failure->jump, 1);
}

// Replaces libjpeg's default, which prints the first warning to stderr.
static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return;  // trace messages
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) failure->hit_end = 1;
    cinfo->err->num_warnings++;
}

// libjpeg calls this directly for some messages; it must not print either.
static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo) {
    jpeg_scan_guard *guard = (jpeg_scan_guard *)cinfo->progress;
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    if (dinfo->input_scan_number > VC_JPEG_MAX_SCANS) {
        guard->failure->too_many_scans = 1;
        longjmp(guard->failure->jump, 1);
    }
}

// Pillow's MULDIV255: a * b / 255, rounded, in integers.
static inline int muldiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

// One row of stored (Adobe-inverted) CMYK to RGB. With C = 255 - stored C etc., Pillow computes
// (255 - K) - C * (255 - K) / 255, and 255 - K is the stored K.
static void cmyk_row_to_rgb(const uint8_t *in, uint8_t *out, int width) {
    for (int x = 0; x < width; x++, in += 4, out += 3) {
        int not_k = in[3];
        out[0] = (uint8_t)(not_k - muldiv255(255 - in[0], not_k));
        out[1] = (uint8_t)(not_k - muldiv255(255 - in[1], not_k));
        out[2] = (uint8_t)(not_k - muldiv255(255 - in[2], not_k));
    }
}

static void grey_row_to_rgb(const uint8_t *in, uint8_t *out, int width) {
    for (int x = 0; x < width; x++, out += 3) out[0] = out[1] = out[2] = in[x];
}

vc_image_status vc_decode_jpeg(const uint8_t *data, size_t size, vc_image_limits limits,
                               vc_image_decoded *out) {
    out->width = out->height = 0;
    out->pixels = NULL;
    out->err[0] = 0;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(out->err, VC_IMAGE_ERR_SIZE, "not a JPEG file");
        return VC_IMAGE_NOT_THIS_FORMAT;
    }

    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    jpeg_scan_guard guard;
    memset(&failure, 0, sizeof failure);
    cinfo.err = jpeg_std_error(&failure.pub);
    failure.pub.error_exit = on_error_exit;
    failure.pub.emit_message = on_emit_message;
    failure.pub.output_message = on_output_message;

    // Written after setjmp and read after a longjmp back to it, so they must be volatile.
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    volatile vc_image_status status = VC_IMAGE_OK;

    if (setjmp(failure.jump)) {
        if (status == VC_IMAGE_OK) {
            if (failure.too_many_scans) {
                status = VC_IMAGE_UNSUPPORTED;
                snprintf(out->err, VC_IMAGE_ERR_SIZE,
                         "progressive JPEG with more than %d scans", VC_JPEG_MAX_SCANS);
            } else if (failure.hit_end) {
                status = VC_IMAGE_TRUNCATED;
                snprintf(out->err, VC_IMAGE_ERR_SIZE, "truncated JPEG data (libjpeg: %s)",
                         failure.message);
            } else {
                status = VC_IMAGE_CORRUPT;
                snprintf(out->err, VC_IMAGE_ERR_SIZE, "corrupt JPEG data (libjpeg: %s)",
                         failure.message);
            }
        }
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return status;
    }

    jpeg_create_decompress(&cinfo);
    guard.pub.progress_monitor = on_progress;
    guard.failure = &failure;
    cinfo.progress = &guard.pub;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    status = vc_image_check_dimensions(cinfo.image_width, cinfo.image_height, limits, out->err);
    if (status != VC_IMAGE_OK) longjmp(failure.jump, 1);

    int channels;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        channels = 4;
        break;
    default:  // YCbCr, or RGB stored as such; anything else libjpeg refuses with a message
        cinfo.out_color_space = JCS_RGB;
        channels = 3;
        break;
    }

    jpeg_start_decompress(&cinfo);
    const size_t width = cinfo.output_width, height = cinfo.output_height;
    pixels = malloc(width * height * 3);
    if (channels != 3) row = malloc(width * (size_t)channels);
    if (!pixels || (channels != 3 && !row)) {
        status = VC_IMAGE_NO_MEMORY;
        snprintf(out->err, VC_IMAGE_ERR_SIZE, "out of memory for a %zux%zu image", width, height);
        longjmp(failure.jump, 1);
    }

    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *dest = pixels + (size_t)cinfo.output_scanline * width * 3;
        JSAMPROW target = channels == 3 ? dest : row;
        jpeg_read_scanlines(&cinfo, &target, 1);
        // Stop at the first sign of truncation rather than decode the grey padding.
        if (failure.hit_end) {
            strcpy(failure.message, "Premature end of JPEG file");
            longjmp(failure.jump, 1);
        }
        if (channels == 1) grey_row_to_rgb(row, dest, (int)width);
        if (channels == 4) cmyk_row_to_rgb(row, dest, (int)width);
    }
    // jpeg_finish_decompress is skipped on purpose: it only reads past the last scan (up to EOI),
    // and destroying the decompressor frees everything either way.
    jpeg_destroy_decompress(&cinfo);
    free(row);

    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->pixels = pixels;
    return VC_IMAGE_OK;
}
