import VCCheckpoint
/// A JSON value written deterministically: object keys in the order given, floats in their
/// shortest round-trip form, non-finite numbers as null, no whitespace beyond what `pretty` adds.
/// Sidecars must be byte-identical run to run, which JSONSerialization does not promise.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Float)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.text() == b.text() }

    /// The value as text; `pretty` puts one member per line, indented by two spaces.
    public func text(pretty: Bool = false) -> String {
        var out = ""
        write(&out, pretty: pretty, indent: 0)
        return out
    }

    private func write(_ out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let f): out += f.isFinite ? (f == f.rounded() && abs(f) < 1e15 ? String(Int64(f)) : f.description) : "null"
        case .double(let d): out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : d.description) : "null"
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let items):
            // Arrays of scalars stay on one line even when pretty.
            let flat = !pretty || items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += flat && pretty ? ", " : "," }
                if !flat { out += "\n" + String(repeating: " ", count: indent + 2) }
                v.write(&out, pretty: pretty, indent: indent + 2)
            }
            if !flat && !items.isEmpty { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                JSONValue.quote(k, into: &out)
                out += pretty ? ": " : ":"
                v.write(&out, pretty: pretty, indent: indent + 2)
            }
            if pretty && !members.isEmpty { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += VCCheckpoint.jsonString(s)
    }
}

extension JSONValue {
    static func ints(_ v: [Int]) -> JSONValue { .array(v.map { .int($0) }) }
    static func floats(_ v: [Float]) -> JSONValue { .array(v.map { .float($0) }) }
    static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
}
