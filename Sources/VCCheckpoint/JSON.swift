// A small JSON reader and string escaper for safetensors headers.
//
// Written here rather than using Foundation's JSONSerialization for three reasons: object keys
// must keep their order (a state dict's keys are reported in file order), nesting must be
// bounded explicitly (a hostile header could nest arrays a million deep), and numbers must be
// kept as their exact text so that offsets beyond 2^53 are not silently rounded.

indirect enum JSON {
    case null
    case bool(Bool)
    /// The number's text as written.
    case number(String)
    case string(String)
    case array([JSON])
    /// Members in document order (duplicates are kept; callers decide).
    case object([(String, JSON)])

    /// The value as an Int when it is an integer literal that fits.
    var int: Int? {
        guard case .number(let text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            return nil
        }
        return Int(text)
    }
}

struct JSONError: Error {
    let offset: Int
    let message: String
}

struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var pos = 0

    /// Parses exactly one value surrounded by optional whitespace.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSON {
        var p = JSONParser(bytes: bytes)
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == bytes.count else { throw JSONError(offset: p.pos, message: "unexpected text after the JSON value") }
        return v
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private func fail(_ message: String) -> JSONError {
        JSONError(offset: pos, message: message)
    }

    private mutating func skipSpace() {
        while pos < bytes.count {
            let c = bytes.u8(pos)
            guard c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d else { return }
            pos += 1
        }
    }

    private func peek() -> UInt8? {
        pos < bytes.count ? bytes.u8(pos) : nil
    }

    private mutating func value(depth: Int) throws(JSONError) -> JSON {
        guard depth <= Limits.maxJSONDepth else { throw fail("nesting deeper than \(Limits.maxJSONDepth)") }
        skipSpace()
        guard let c = peek() else { throw fail("unexpected end of JSON") }
        switch c {
        case UInt8(ascii: "{"):
            pos += 1
            var members: [(String, JSON)] = []
            skipSpace()
            if peek() == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipSpace()
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipSpace()
                guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                pos += 1
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                if peek() == UInt8(ascii: "}") { pos += 1; return .object(members) }
                throw fail("expected ',' or '}' in an object")
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSON] = []
            skipSpace()
            if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw fail("expected ',' or ']' in an array")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return try number()
        }
    }

    private mutating func literal(_ word: String) throws(JSONError) {
        let w = Array(word.utf8)
        guard bytes.contains(pos, w.count), bytes.slice(pos, w.count).elementsEqual(w) else {
            throw fail("invalid literal")
        }
        pos += w.count
    }

    private mutating func number() throws(JSONError) -> JSON {
        let start = pos
        func digits() -> Int {
            let s = pos
            while let c = peek(), c >= 0x30 && c <= 0x39 { pos += 1 }
            return pos - s
        }
        if peek() == UInt8(ascii: "-") { pos += 1 }
        guard digits() > 0 else { throw fail("invalid number") }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        return .number(String(decoding: bytes.slice(start, pos - start), as: UTF8.self))
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard bytes.contains(pos, 4) else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes.u8(pos)
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    private mutating func string() throws(JSONError) -> String {
        pos += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw fail("unterminated string") }
            pos += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek() else { throw fail("unterminated escape") }
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xd800 && scalar < 0xdc00 {
                        guard bytes.contains(pos, 2), bytes.u8(pos) == 0x5c, bytes.u8(pos + 1) == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in \\u escape")
                        }
                        pos += 2
                        let low = try hex4()
                        guard low >= 0xdc00 && low < 0xe000 else { throw fail("unpaired surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    } else if scalar >= 0xdc00 && scalar < 0xe000 {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
                default:
                    throw fail("invalid escape")
                }
            default:
                guard c >= 0x20 else { throw fail("control character in a string") }
                out.append(c)
            }
        }
    }
}

/// A JSON string literal for `s` (quotes included); shared with VCExport's sidecar writer.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
