// Raw inflate and CRC-32 over zlib, for zip entries of checkpoints (see ccodecs_inflate.h).
#include "ccodecs_inflate.h"
#include <limits.h>
#include <string.h>
#include <zlib.h>

// zlib counts in uInt (32 bits); larger buffers are fed in pieces of at most this many bytes.
static const size_t kChunk = (size_t)1 << 30;

static void set_msg(char *msg, size_t cap, const char *text) {
    if (msg == NULL || cap == 0) return;
    if (text == NULL) text = "invalid deflate data";
    size_t n = strlen(text);
    if (n >= cap) n = cap - 1;
    memcpy(msg, text, n);
    msg[n] = '\0';
}

int ccodecs_inflate_raw(const uint8_t *src, size_t src_len,
                        uint8_t *dst, size_t dst_cap,
                        size_t *out_len, size_t *in_used,
                        char *msg, size_t msg_cap) {
    *out_len = 0;
    *in_used = 0;
    set_msg(msg, msg_cap, "");
    z_stream s;
    memset(&s, 0, sizeof s);
    // Negative window bits: raw deflate, as zip stores it (no zlib header or adler checksum).
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) return CCODECS_INFLATE_MEM_ERROR;

    size_t in_pos = 0, out_pos = 0;
    // One spare byte of output space, used only once `dst` is full: if the stream still
    // produces a byte there, it is longer than the caller allowed.
    uint8_t spare = 0;
    int status = CCODECS_INFLATE_OK;
    for (;;) {
        if (s.avail_in == 0 && in_pos < src_len) {
            size_t n = src_len - in_pos;
            if (n > kChunk) n = kChunk;
            s.next_in = (Bytef *)(src + in_pos);
            s.avail_in = (uInt)n;
            in_pos += n;
        }
        int using_spare = 0;
        if (out_pos < dst_cap) {
            size_t n = dst_cap - out_pos;
            if (n > kChunk) n = kChunk;
            s.next_out = dst + out_pos;
            s.avail_out = (uInt)n;
        } else {
            s.next_out = &spare;
            s.avail_out = 1;
            using_spare = 1;
        }
        uInt in_before = s.avail_in, out_before = s.avail_out;
        int ret = inflate(&s, Z_NO_FLUSH);
        size_t produced = (size_t)(out_before - s.avail_out);
        if (using_spare) {
            if (produced > 0) { status = CCODECS_INFLATE_OVERFLOW; break; }
        } else {
            out_pos += produced;
        }
        if (ret == Z_STREAM_END) { status = CCODECS_INFLATE_OK; break; }
        if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_STREAM_ERROR) {
            set_msg(msg, msg_cap, s.msg);
            status = CCODECS_INFLATE_DATA_ERROR;
            break;
        }
        if (ret == Z_MEM_ERROR) { status = CCODECS_INFLATE_MEM_ERROR; break; }
        int progressed = (s.avail_in != in_before) || produced > 0;
        if (!progressed) {
            // zlib makes progress whenever it has input and output space, so a stall means the
            // input is used up before the final block (or, defensively, a stream zlib rejects).
            if (s.avail_in == 0 && in_pos >= src_len) {
                status = CCODECS_INFLATE_TRUNCATED;
            } else {
                set_msg(msg, msg_cap, "deflate stream made no progress");
                status = CCODECS_INFLATE_DATA_ERROR;
            }
            break;
        }
    }
    *out_len = out_pos;
    *in_used = in_pos - (size_t)s.avail_in;
    inflateEnd(&s);
    return status;
}

uint32_t ccodecs_crc32(uint32_t crc, const uint8_t *p, size_t len) {
    uLong c = (uLong)crc;
    while (len > 0) {
        size_t n = len > kChunk ? kChunk : len;
        c = crc32(c, p, (uInt)n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}
