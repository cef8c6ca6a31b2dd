#ifndef CCODECS_IMAGE_H
#define CCODECS_IMAGE_H
// Image codecs for VCImage. libjpeg and libpng report fatal errors by longjmp, which Swift cannot
// host, so every call into them lives behind these functions: they never print, never exit, and
// turn any problem with the input into a status code plus a one-line message.
//
// Pixels always come back as 8-bit RGB, interleaved, rows top to bottom, with no row padding,
// converted the way Pillow's `Image.open(f).convert("RGB")` converts (see each decoder's file).

#include <stddef.h>
#include <stdint.h>

typedef enum {
    VC_IMAGE_OK = 0,
    VC_IMAGE_NOT_THIS_FORMAT = 1,  // the bytes do not start with this format's signature
    VC_IMAGE_TRUNCATED = 2,        // the data ends before the image does
    VC_IMAGE_CORRUPT = 3,          // the decoder rejected the data
    VC_IMAGE_UNSUPPORTED = 4,      // valid but of a kind we do not decode (e.g. 12-bit JPEG)
    VC_IMAGE_EMPTY = 5,            // the header declares zero width or height
    VC_IMAGE_TOO_LARGE = 6,        // the header declares more pixels than the caller's limits
    VC_IMAGE_NO_MEMORY = 7,
    VC_IMAGE_IO = 8,               // writing: the file could not be created or written
} vc_image_status;

// The longest message written into `err` (including the terminating NUL); pass a buffer this big.
#define VC_IMAGE_ERR_SIZE 256

// Size limits, checked against the header before any pixel buffer is allocated.
typedef struct {
    int32_t max_side;    // largest accepted width or height, in pixels
    int64_t max_pixels;  // largest accepted width * height
} vc_image_limits;

// The result of a decode. On success `pixels` holds width*height*3 bytes, allocated with malloc:
// release it with vc_image_free. On failure `pixels` is NULL and `err` says why.
typedef struct {
    int32_t width;
    int32_t height;
    uint8_t *pixels;
    char err[VC_IMAGE_ERR_SIZE];
} vc_image_decoded;

// Decode a baseline or progressive JPEG held in memory.
vc_image_status vc_decode_jpeg(const uint8_t *data, size_t size, vc_image_limits limits,
                               vc_image_decoded *out);

// Decode a PNG held in memory (any bit depth and colour type, interlaced or not).
vc_image_status vc_decode_png(const uint8_t *data, size_t size, vc_image_limits limits,
                              vc_image_decoded *out);

// Write 8-bit RGB pixels as a PNG file. `zlib_level` is 0..9. The output depends only on the
// pixels and the level (no time or text chunks), so equal inputs give byte-identical files.
// On failure the partial file is removed and `err` (VC_IMAGE_ERR_SIZE bytes) says why.
vc_image_status vc_write_png_rgb8(const char *path, int32_t width, int32_t height,
                                  const uint8_t *pixels, int32_t zlib_level, char *err);

// Encode 8-bit RGB pixels as a PNG in memory. On success `*out` (release with vc_image_free)
// holds `*out_size` bytes; on failure `err` (VC_IMAGE_ERR_SIZE bytes) says why.
vc_image_status vc_encode_png_rgb8(int32_t width, int32_t height, const uint8_t *pixels,
                                   uint8_t **out, size_t *out_size, char *err);

// Check declared dimensions against `limits` before anything is allocated: VC_IMAGE_EMPTY for a
// zero side, VC_IMAGE_TOO_LARGE beyond the limits (with a message in `err`), else VC_IMAGE_OK.
// Both decoders use it; it is public so that every caller words these refusals the same way.
vc_image_status vc_image_check_dimensions(int64_t width, int64_t height, vc_image_limits limits,
                                          char *err);

// Release a pixel buffer returned by a decoder. NULL is allowed.
void vc_image_free(uint8_t *pixels);

#endif
