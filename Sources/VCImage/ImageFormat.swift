/// Recognising a file's format from its first bytes; file names and extensions are not trusted.
enum ImageFormat: Equatable {
    case jpeg
    case png

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// SOI followed by the first byte of the next marker.
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    enum Sniffed: Equatable {
        case format(ImageFormat)
        /// The whole file is a proper prefix of this format's signature: cut off at the start.
        case truncated(ImageFormat)
        case unknown
    }

    static func sniff(_ bytes: [UInt8]) -> Sniffed {
        for (format, signature) in [(ImageFormat.jpeg, jpegSignature), (.png, pngSignature)] {
            if bytes.starts(with: signature) { return .format(format) }
            if bytes.count >= 2 && bytes.count < signature.count && signature.starts(with: bytes) {
                return .truncated(format)
            }
        }
        return .unknown
    }

    /// "not a JPEG or PNG file (starts with 3c 68 74 6d)", naming the format when it is a
    /// common one, so that a user with a GIF or HEIC knows what to convert.
    static func unknownFormatProblem(_ bytes: [UInt8]) -> String {
        let hex = bytes.prefix(4).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let known = recognisedOtherFormat(bytes).map { ", looks like \($0)" } ?? ""
        return "not a JPEG or PNG file (starts with \(hex)\(known))"
    }

    private static func recognisedOtherFormat(_ bytes: [UInt8]) -> String? {
        func at(_ offset: Int, _ text: String) -> Bool {
            let expected = Array(text.utf8)
            return bytes.count >= offset + expected.count
                && Array(bytes[offset ..< offset + expected.count]) == expected
        }
        if at(0, "GIF8") { return "GIF" }
        if at(0, "RIFF") && at(8, "WEBP") { return "WebP" }
        if at(0, "BM") { return "BMP" }
        if at(0, "II*\u{0}") || at(0, "MM\u{0}*") { return "TIFF" }
        if at(4, "ftypheic") || at(4, "ftypheix") || at(4, "ftypmif1") { return "HEIF/HEIC" }
        if at(4, "ftypavif") { return "AVIF" }
        if at(0, "<") || at(0, "\u{FEFF}<") { return "text (HTML or XML)" }
        return nil
    }
}
