// Printing pickle values: short kind names for error messages, and Python-like reprs for
// `vcview inspect` (training arguments, epoch, top-level keys).
//
// The heap may contain cycles and arbitrarily deep or wide containers, so rendering is bounded
// in depth, in items per container and in total length; beyond the bounds it prints `...`.

enum PickleRender {
    /// What a value is, for messages: `an int`, `a tuple`, `an object of class foo.Bar`...
    static func kind(_ v: PickleValue, _ heap: PickleHeap) -> String {
        switch v {
        case .none: return "None"
        case .bool: return "a bool"
        case .int(let i): return "the int \(i)"
        case .bigInt: return "a big int"
        case .float: return "a float"
        case .string(let s): return "the str \(quoted(s, limit: 40))"
        case .bytes: return "bytes"
        case .ref(let id):
            switch heap[id] {
            case .list: return "a list"
            case .tuple(let t): return "a \(t.count)-tuple"
            case .dict: return "a dict"
            case .set: return "a set"
            case .namespace: return "an argparse.Namespace"
            case .global(_, let name): return "the global \(escaped(name))"
            case .storage: return "a storage"
            case .tensor: return "a tensor"
            case .inert(let text): return escaped(text, limit: 60)
            case .numpyDtype: return "a numpy dtype"
            case .opaque(let o):
                return o.made ? "an object of class \(escaped(o.global)) that vcview does not read"
                    : "the global \(escaped(o.global)), which vcview does not read"
            case .invalid: return "an unreadable tensor"
            }
        }
    }

    /// A Python-like repr of `v`, at most about `limit` characters.
    static func repr(_ v: PickleValue, _ heap: PickleHeap, limit: Int = 200) -> String {
        var out = ""
        var r = Renderer(heap: heap, limit: limit)
        r.write(v, depth: 0, into: &out)
        if out.count > limit { out = String(out.prefix(limit)) + "..." }
        return out
    }

    /// Python's repr of a float (Swift prints the same shortest round-trip digits; Python spells
    /// infinities and NaN as `inf` / `nan`).
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return "\(d)"
    }

    private struct Renderer {
        let heap: PickleHeap
        let limit: Int
        static let maxDepth = 6
        static let maxItems = 32

        mutating func write(_ v: PickleValue, depth: Int, into out: inout String) {
            if out.count > limit { return }
            switch v {
            case .none: out += "None"
            case .bool(let b): out += b ? "True" : "False"
            case .int(let i): out += String(i)
            case .bigInt(let s): out += s
            case .float(let d): out += PickleRender.float(d)
            case .string(let s): out += quoted(s, limit: limit)
            case .bytes(let b):
                out += "b'"
                for byte in b.prefix(limit) {
                    if byte >= 0x20 && byte < 0x7f && byte != 0x27 && byte != 0x5c {
                        out.unicodeScalars.append(Unicode.Scalar(byte))
                    } else {
                        out += "\\x" + String(byte >> 4, radix: 16) + String(byte & 0xf, radix: 16)
                    }
                }
                out += b.count > limit ? "...'" : "'"
            case .ref(let id):
                if depth >= Self.maxDepth {
                    out += "..."
                    return
                }
                switch heap[id] {
                case .list(let l):
                    seq(l.items, "[", "]", depth, &out)
                case .tuple(let t):
                    if t.count == 1 {
                        out += "("
                        write(t[0], depth: depth + 1, into: &out)
                        out += ",)"
                    } else {
                        seq(t, "(", ")", depth, &out)
                    }
                case .set(let s):
                    if s.items.isEmpty { out += "set()" } else { seq(s.items, "{", "}", depth, &out) }
                case .dict(let d):
                    pairs(d, "{", "}", ": ", quoteKeys: true, depth, &out)
                case .namespace(let d):
                    pairs(d, "Namespace(", ")", "=", quoteKeys: false, depth, &out)
                case .global(_, let name):
                    out += escaped(name)
                case .storage(let s):
                    out += "storage(\(escaped(s.typeName)), key=\(quoted(s.key, limit: 40)), numel=\(s.numel))"
                case .tensor(let t):
                    out += "tensor(\(escaped(t.dtypeName)), size=\(t.size))"
                case .inert(let text):
                    out += text
                case .numpyDtype(let code, _):
                    out += "dtype(\(quoted(code, limit: 20)))"
                case .opaque(let o):
                    out += o.made ? "<\(escaped(o.global)) object>" : "<\(escaped(o.global))>"
                case .invalid:
                    out += "<unreadable tensor>"
                }
            }
        }

        mutating func seq(_ items: [PickleValue], _ open: String, _ close: String, _ depth: Int, _ out: inout String) {
            out += open
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                if i >= Self.maxItems || out.count > limit {
                    out += "..."
                    break
                }
                write(item, depth: depth + 1, into: &out)
            }
            out += close
        }

        mutating func pairs(_ d: PickleDict, _ open: String, _ close: String, _ sep: String, quoteKeys: Bool,
                            _ depth: Int, _ out: inout String) {
            out += open
            for i in 0..<d.count {
                if i > 0 { out += ", " }
                if i >= Self.maxItems || out.count > limit {
                    out += "..."
                    break
                }
                if !quoteKeys, case .string(let name) = d.keys[i] {
                    out += escaped(name, limit: 60)
                } else {
                    write(d.keys[i], depth: depth + 1, into: &out)
                }
                out += sep
                write(d.values[i], depth: depth + 1, into: &out)
            }
            out += close
        }
    }
}
