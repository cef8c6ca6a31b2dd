#ifndef CCODECS_INFLATE_H
#define CCODECS_INFLATE_H
// Raw-deflate (zip method 8) decoding and CRC-32 for the checkpoint reader.
//
// Kept in C because zlib's API is C: Swift calls two functions with plain pointers and sizes and
// gets a status code back, never a crash or an unbounded allocation. The caller owns both buffers;
// the output buffer's size is the entry's declared size, so the inflated size is bounded before
// any byte is produced (this is what makes zip bombs harmless).
#include <stddef.h>
#include <stdint.h>

typedef enum {
    /// The stream ended and produced exactly `dst_cap` bytes or fewer (see `*out_len`).
    CCODECS_INFLATE_OK = 0,
    /// The stream would produce more than `dst_cap` bytes: decoding stopped at the limit.
    CCODECS_INFLATE_OVERFLOW = 1,
    /// The input ended before the deflate stream's final block.
    CCODECS_INFLATE_TRUNCATED = 2,
    /// The input is not valid deflate data (`msg` says what zlib found).
    CCODECS_INFLATE_DATA_ERROR = 3,
    /// zlib could not allocate its window (about 32 KiB + 7 KiB).
    CCODECS_INFLATE_MEM_ERROR = 4,
} ccodecs_inflate_status;

/// Inflates a raw deflate stream (no zlib or gzip header, as stored in zip entries).
/// Writes at most `dst_cap` bytes to `dst`; `*out_len` receives the number written and
/// `*in_used` the number of input bytes consumed. `msg` (may be NULL) receives a short
/// NUL-terminated explanation for CCODECS_INFLATE_DATA_ERROR.
/// Sizes above 4 GiB are handled by feeding zlib in chunks (its counters are 32-bit).
int ccodecs_inflate_raw(const uint8_t *src, size_t src_len,
                        uint8_t *dst, size_t dst_cap,
                        size_t *out_len, size_t *in_used,
                        char *msg, size_t msg_cap);

/// CRC-32 (the zip / zlib polynomial) of `len` bytes, continuing from `crc` (start with 0).
uint32_t ccodecs_crc32(uint32_t crc, const uint8_t *p, size_t len);

#endif
