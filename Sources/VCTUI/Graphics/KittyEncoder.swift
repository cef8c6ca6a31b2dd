import Foundation

/// The kitty graphics protocol: raw RGB (f=24) in base64, sent in APC chunks of at most 4096
/// characters (the protocol's limit), placed at the cursor, which does not move (C=1). q=2 keeps
/// the terminal quiet: a reply would arrive as keys.
enum KittyEncoder {
    static func encode(rgb: [UInt8], width: Int, height: Int, id: Int) -> String {
        let payload = Data(rgb).base64EncodedString()
        var out = ""
        var start = payload.startIndex
        var first = true
        repeat {
            let end = payload.index(start, offsetBy: 4096, limitedBy: payload.endIndex) ?? payload.endIndex
            let more = end < payload.endIndex ? 1 : 0
            let keys = first ? "a=T,f=24,s=\(width),v=\(height),i=\(id),q=2,C=1,m=\(more)" : "m=\(more)"
            out += "\u{1B}_G\(keys);\(payload[start..<end])\u{1B}\\"
            start = end
            first = false
        } while start < payload.endIndex
        return out
    }

    /// Deletes image `id` and frees its data.
    static func delete(id: Int) -> String { "\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\" }
    /// Deletes every image on the screen.
    static let deleteAll = "\u{1B}_Ga=d,d=A,q=2\u{1B}\\"
}
