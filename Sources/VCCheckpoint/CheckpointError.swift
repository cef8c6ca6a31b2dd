// The one error type of VCCheckpoint.
//
// Every failure, from a truncated zip to a forbidden pickle global, becomes a `CheckpointError`
// whose description is a single line: `file: where: what was wrong (expected vs found)`. One line
// because the CLI prints it as-is and a terminal UI shows it in a status bar; a hostile file must
// not be able to inject newlines or terminal escapes into it, so text taken from the file is
// escaped and shortened before it is embedded.

/// A failure to read a checkpoint, tensor file or array file.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem it is, for callers (and tests) that branch on it.
    public enum Kind: String, Sendable {
        /// The file could not be opened, mapped or written.
        case io
        /// The bytes are not any format this module reads.
        case unrecognizedFormat
        /// The bytes claim to be a known format but break its rules (bad offsets, bad opcodes...).
        case malformed
        /// A valid feature this module deliberately does not read (legacy format, big-endian...).
        case unsupported
        /// A pickle names a global that could run code; the file is refused outright.
        case forbidden
        /// A declared size, count or depth is beyond the limits (zip bombs, 10^12-element tensors).
        case limitExceeded
        /// A checksum does not match the data.
        case integrity
        /// Something the caller asked for is absent (no state dict, no `model_ema`...).
        case notFound
    }

    public let kind: Kind
    /// The path as the caller gave it.
    public let file: String
    /// Where in the file: `archive/data.pkl offset 1234`, `key 'head.weight'`, `header`... May be empty.
    public let location: String
    /// What was wrong, with expected and found values where they exist.
    public let message: String

    init(_ kind: Kind, file: String, at location: String = "", _ message: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.message = message
    }

    /// `file: location: message` on one line, with control characters replaced.
    public var description: String {
        var parts = [file]
        if !location.isEmpty { parts.append(location) }
        parts.append(message)
        return oneLine(parts.joined(separator: ": "))
    }
}

/// Quotes text taken from a file for an error message: escaped like a Python repr so that
/// control characters, newlines and terminal escapes appear as `\n`, `\x1b`..., and cut to
/// `limit` characters so a 1 MB key cannot flood the message.
func quoted(_ text: String, limit: Int = 120) -> String {
    "'" + escaped(text, limit: limit) + "'"
}

/// The escaping of `quoted` without the quotes, for names that read better bare (`os.system`).
func escaped(_ text: String, limit: Int = 120) -> String {
    var out = ""
    var n = 0
    for scalar in text.unicodeScalars {
        if n >= limit {
            out += "..."
            break
        }
        n += 1
        switch scalar {
        case "\\": out += "\\\\"
        case "'": out += "\\'"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if isControl(scalar) {
                out += "\\x" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 0xf, radix: 16)
            } else if isLineBreak(scalar) {
                out += "\\u" + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

private func isControl(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || s.value == 0x7f || (s.value >= 0x80 && s.value < 0xa0)
}

private func isLineBreak(_ s: Unicode.Scalar) -> Bool {
    let c = s.properties.generalCategory
    return c == .lineSeparator || c == .paragraphSeparator
}

/// Replaces any line break or control character left in a finished message by a space, as a last
/// guard for the one-line promise (pieces from files are normally escaped by `quoted` already).
private func oneLine(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in s.unicodeScalars {
        out.append(isControl(scalar) || isLineBreak(scalar) ? " " : scalar)
    }
    return String(out)
}
