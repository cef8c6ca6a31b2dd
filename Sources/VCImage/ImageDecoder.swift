import CCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes JPEG and PNG files to 8-bit RGB exactly as the official evaluation reads them,
/// `PIL.Image.open(path).convert("RGB")`, so that the network sees the same pixels:
///
/// - JPEG: libjpeg-turbo with Pillow's settings (accurate IDCT, fancy upsampling); greyscale is
///   replicated to RGB; CMYK/YCCK are read with Adobe (inverted) polarity and converted with
///   Pillow's integer formula. EXIF orientation is ignored, as PIL without `exif_transpose` does.
///   A truncated JPEG is an error (Pillow raises "image file is truncated"); other libjpeg
///   warnings are ignored silently, as Pillow ignores them.
/// - PNG: every bit depth and colour type, interlaced or not. Alpha is dropped, not composited
///   (convert("RGB") drops it); palette tRNS is ignored; 16-bit samples keep their high byte.
///   16-bit greyscale differs from Pillow on purpose: Pillow clips those values to 255 (a white
///   image), we keep the high byte like every other 16-bit kind.
///
/// Nothing is printed; every problem is an `ImageError` naming the file.
public enum ImageDecoder {
    /// Reads and decodes the file at `path`; errors name the file by `path` as given.
    public static func decode(path: String, limits: ImageLimits = .standard) throws -> RGBImage {
        let bytes = try readFile(path: path, limits: limits)
        return try decode(data: bytes, name: path, limits: limits)
    }

    /// Decodes an image held in memory; `name` is used in error messages.
    public static func decode(data: [UInt8], name: String,
                              limits: ImageLimits = .standard) throws -> RGBImage {
        if data.isEmpty {
            throw ImageError(file: name, kind: .empty, problem: "empty file (0 bytes)")
        }
        let format: ImageFormat
        switch ImageFormat.sniff(data) {
        case .format(let sniffed):
            format = sniffed
        case .truncated(let sniffed):
            throw ImageError(file: name, kind: .truncated,
                             problem: "truncated \(sniffed == .png ? "PNG" : "JPEG") data "
                                 + "(the file is only \(data.count) bytes)")
        case .unknown:
            throw ImageError(file: name, kind: .notAnImage,
                             problem: ImageFormat.unknownFormatProblem(data))
        }

        var decoded = vc_image_decoded()
        let cLimits = vc_image_limits(max_side: Int32(clamping: limits.maxSide),
                                      max_pixels: Int64(limits.maxPixels))
        let status = data.withUnsafeBufferPointer { buffer in
            switch format {
            case .jpeg: return vc_decode_jpeg(buffer.baseAddress, buffer.count, cLimits, &decoded)
            case .png: return vc_decode_png(buffer.baseAddress, buffer.count, cLimits, &decoded)
            }
        }
        guard status == VC_IMAGE_OK, let pixels = decoded.pixels else {
            throw ImageError(file: name, kind: kind(of: status), problem: message(of: &decoded))
        }
        defer { vc_image_free(pixels) }
        let width = Int(decoded.width), height = Int(decoded.height)
        let copy = Array(UnsafeBufferPointer(start: pixels, count: width * height * 3))
        return RGBImage(width: width, height: height, pixels: copy)
    }

    static func kind(of status: vc_image_status) -> ImageError.Kind {
        switch status {
        case VC_IMAGE_NOT_THIS_FORMAT: return .notAnImage
        case VC_IMAGE_TRUNCATED: return .truncated
        case VC_IMAGE_UNSUPPORTED: return .unsupported
        case VC_IMAGE_EMPTY: return .empty
        case VC_IMAGE_TOO_LARGE: return .tooLarge
        case VC_IMAGE_NO_MEMORY: return .outOfMemory
        case VC_IMAGE_IO: return .writeFailed
        default: return .corrupt
        }
    }

    private static func message(of decoded: inout vc_image_decoded) -> String {
        withUnsafeBytes(of: &decoded.err) { raw in
            let text = raw.prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// Reads a whole regular file, refusing directories, devices and files over the size limit
    /// before reading them.
    static func readFile(path: String, limits: ImageLimits) throws -> [UInt8] {
        func failure(_ problem: String, _ kind: ImageError.Kind = .unreadable) -> ImageError {
            ImageError(file: path, kind: kind, problem: problem)
        }
        func systemReason() -> String { String(cString: strerror(errno)) }

        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open file (\(systemReason()))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot read file (\(systemReason()))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw failure((info.st_mode & S_IFMT) == S_IFDIR ? "is a directory"
                                                             : "not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= limits.maxFileBytes else {
            throw failure("file is \(size) bytes, over the limit of \(limits.maxFileBytes) bytes",
                          .tooLarge)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let got = bytes.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + filled, size - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read file (\(systemReason()))")
            }
            if got == 0 { break }  // the file shrank while we read it
            filled += got
        }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }
}
