/// Why an image could not be read or written. Its description is one line, "file: problem",
/// e.g. `photo.jpg: not a JPEG or PNG file (starts with 3c 68 74 6d)`.
public struct ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case unreadable    // the file could not be opened or read
        case notAnImage    // neither JPEG nor PNG
        case truncated     // the data ends before the image does
        case corrupt       // the decoder rejected the data
        case unsupported   // a valid file of a kind that is not decoded (e.g. 12-bit JPEG)
        case empty         // zero bytes, or a header declaring zero width or height
        case tooLarge      // beyond ImageLimits
        case outOfMemory
        case writeFailed
    }

    public let file: String
    public let kind: Kind
    /// What went wrong, without the file name.
    public let problem: String

    public init(file: String, kind: Kind, problem: String) {
        self.file = file
        self.kind = kind
        self.problem = problem
    }

    public var description: String {
        // Codec messages and file names could in principle carry line breaks; keep it one line.
        let line = "\(file): \(problem)"
        return String(line.map { $0.isNewline ? " " : $0 })
    }
}
