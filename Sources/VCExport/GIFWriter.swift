import CGif
import Foundation
import VCRender

/// Writes RGB frames as one looping animated GIF with giflib: one global colour table from
/// median cut over every frame (so colours do not flicker between frames), a graphics control
/// block per frame with its delay, the NETSCAPE2.0 extension for looping, and after the first
/// frame only the rectangle that changed.
enum GIFWriter {
    struct Frame {
        var width: Int, height: Int
        var rgb: [UInt8]
        /// How long the frame stays, in hundredths of a second (GIF's unit).
        var delay: Int
    }

    /// Writes `frames` (all the same size) to `path`; on failure no partial file is left.
    static func write(_ frames: [Frame], to path: String) throws {
        guard let first = frames.first else { throw ExportError("\(path): an animation needs at least one frame") }
        let w = first.width, h = first.height
        for (i, f) in frames.enumerated() where f.width != w || f.height != h {
            throw ExportError("\(path): frame \(i) is \(f.width)×\(f.height), frame 0 is \(w)×\(h)")
        }
        let q = PaletteQuantizer(rgb: frames.flatMap(\.rgb), maxColors: 256)
        var err: Int32 = 0
        // Our own open: giflib's EGifOpenFileName creates files readable by their owner only.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ExportError("\(path): cannot create file (\(String(cString: strerror(errno))))") }
        guard let gif = EGifOpenFileHandle(fd, &err) else {
            close(fd); unlink(path)
            throw ExportError("\(path): cannot start a GIF (\(String(cString: GifErrorString(err))))")
        }
        var closed = false
        func fail(_ what: String) -> ExportError {
            let message = String(cString: GifErrorString(gif.pointee.Error) ?? GifErrorString(err))
            if !closed { EGifCloseFile(gif, &err); closed = true }
            unlink(path)
            return ExportError("\(path): GIF \(what) failed (\(message))")
        }
        // A colour table has 2^k entries: pad the palette with black.
        var size = 2
        while size < q.palette.count { size *= 2 }
        var colors = [GifColorType](repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: size)
        for (i, c) in q.palette.enumerated() { colors[i] = GifColorType(Red: c.r, Green: c.g, Blue: c.b) }
        guard let map = GifMakeMapObject(Int32(size), &colors) else { throw fail("colour table") }
        defer { GifFreeMapObject(map) }
        EGifSetGifVersion(gif, true)
        guard EGifPutScreenDesc(gif, Int32(w), Int32(h), 8, 0, map) == GIF_OK else { throw fail("screen descriptor") }
        var loop: [UInt8] = Array("NETSCAPE2.0".utf8), forever: [UInt8] = [1, 0, 0]
        guard EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK,
              EGifPutExtensionBlock(gif, Int32(loop.count), &loop) == GIF_OK,
              EGifPutExtensionBlock(gif, Int32(forever.count), &forever) == GIF_OK,
              EGifPutExtensionTrailer(gif) == GIF_OK else { throw fail("loop extension") }
        let n = w * h
        for (i, f) in frames.enumerated() {
            // Graphics control: keep the frame (disposal 1) so the next one only paints what
            // changed, no transparency, the delay (little-endian).
            var control: [UInt8] = [1 << 2, UInt8(f.delay & 0xFF), UInt8((f.delay >> 8) & 0xFF), 0]
            let r = i == 0 ? (x: 0, y: 0, w: w, h: h) : changed(q.indices, frame: i, width: w, height: h)
            guard EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, &control) == GIF_OK,
                  EGifPutImageDesc(gif, Int32(r.x), Int32(r.y), Int32(r.w), Int32(r.h), false, nil) == GIF_OK else { throw fail("frame \(i)") }
            var line = [GifPixelType](repeating: 0, count: r.w)
            for y in r.y..<(r.y + r.h) {
                for x in 0..<r.w { line[x] = q.indices[i * n + y * w + r.x + x] }
                guard EGifPutLine(gif, &line, Int32(r.w)) == GIF_OK else { throw fail("frame \(i) row \(y)") }
            }
        }
        closed = true
        guard EGifCloseFile(gif, &err) == GIF_OK else {
            unlink(path)
            throw ExportError("\(path): GIF close failed (\(String(cString: GifErrorString(err))))")
        }
    }

    /// The smallest rectangle holding every pixel of frame `i` that differs from frame i − 1
    /// (one pixel when none does: a GIF frame cannot be empty).
    static func changed(_ indices: [UInt8], frame i: Int, width w: Int, height h: Int) -> (x: Int, y: Int, w: Int, h: Int) {
        let n = w * h, a = (i - 1) * n, b = i * n
        var x0 = w, y0 = h, x1 = -1, y1 = -1
        for y in 0..<h { for x in 0..<w where indices[a + y * w + x] != indices[b + y * w + x] {
            x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
        } }
        return x1 < 0 ? (0, 0, 1, 1) : (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
    }
}
