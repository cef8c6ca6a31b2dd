// A pickle interpreter that builds inert values and never calls anything.
//
// torch.save pickles the object graph (dicts of tensors, an argparse.Namespace, optimizer state)
// into `data.pkl`, with tensor bytes stored separately and referenced by persistent ids. Python's
// unpickler executes the pickle: GLOBAL imports a callable and REDUCE calls it, which is why
// loading an untrusted .pth with plain pickle runs arbitrary code. This interpreter implements the
// opcodes of protocols 0-5 that such files use (plus the simple text forms of older protocols),
// but a GLOBAL only looks its name up in a fixed table (PickleGlobals.swift) and REDUCE / NEWOBJ
// / BUILD apply a data-only meaning to the few understood names: rebuilding a tensor record from
// its storage id and layout, making an OrderedDict, filling a Namespace. Unknown classes become
// inert opaque values; names that exist to run code refuse the file.
//
// Everything a file declares is bounded (Limits.swift): string lengths against the bytes left,
// stack, memo, MARK depth, container nesting and object count. Any malformed opcode stops the
// interpreter with an error naming the byte offset of the opcode.

enum Pickle {
    /// Interprets a whole pickle. `file` and `entry` name it in errors
    /// (`model.pth: archive/data.pkl offset 1234: ...`).
    /// `memoryBudget`: bytes the values built may take (estimated, see `PickleMachine.allocate`).
    static func load(_ data: [UInt8], file: String, entry: String,
                     memoryBudget: Int = Limits.pickleMemoryBudget(fileSize: 0)) throws -> (heap: PickleHeap, root: PickleValue) {
        try data.withUnsafeBytes { buf in
            var machine = PickleMachine(bytes: buf, file: file, entry: entry, memoryLimit: memoryBudget)
            return try machine.run()
        }
    }
}

private struct PickleMachine {
    let bytes: UnsafeRawBufferPointer
    let file: String
    let entry: String
    var pos = 0
    /// Offset of the opcode being executed, for errors.
    var op = 0
    var stack: [PickleValue] = []
    /// Stack heights at each open MARK.
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    var heap = PickleHeap()
    /// Work done so far and the budget (see `Limits.maxPickleWorkPerByte`).
    var work = 0
    let workLimit: Int
    /// Estimated bytes held by the values built so far, and the budget.
    var memory = 0
    let memoryLimit: Int

    init(bytes: UnsafeRawBufferPointer, file: String, entry: String, memoryLimit: Int) {
        self.bytes = bytes
        self.file = file
        self.entry = entry
        self.memoryLimit = memoryLimit
        workLimit = checkedMul(bytes.count, Limits.maxPickleWorkPerByte).flatMap { checkedAdd($0, Limits.maxPickleWorkBase) } ?? Int.max
    }

    // MARK: errors

    func fail(_ message: String) -> CheckpointError {
        CheckpointError(.malformed, file: file, at: "\(entry) offset \(op)", message)
    }

    func failLimit(_ message: String) -> CheckpointError {
        CheckpointError(.limitExceeded, file: file, at: "\(entry) offset \(op)", message)
    }

    func failUnsupported(_ message: String) -> CheckpointError {
        CheckpointError(.unsupported, file: file, at: "\(entry) offset \(op)", message)
    }

    // MARK: reading the byte stream

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard bytes.contains(pos, n) else {
            throw fail("needs \(n) bytes but only \(bytes.count - pos) remain (truncated pickle)")
        }
        defer { pos += n }
        return bytes.slice(pos, n)
    }

    mutating func u8() throws -> Int { Int(try take(1).u8(0)) }
    mutating func le16() throws -> Int { Int(try take(2).le16(0)) }
    mutating func le32() throws -> UInt32 { try take(4).le32(0) }
    mutating func le64() throws -> UInt64 { try take(8).le64(0) }

    /// A length field followed by that many bytes, checked against the bytes left and the limit.
    mutating func sized(_ declared: UInt64, what: String) throws -> UnsafeRawBufferPointer {
        guard declared <= UInt64(Limits.maxPickleString) else {
            throw failLimit("\(what) declares \(declared) bytes, limit is \(Limits.maxPickleString)")
        }
        let n = Int(declared)
        guard bytes.contains(pos, n) else {
            throw fail("\(what) declares \(n) bytes but only \(bytes.count - pos) remain")
        }
        defer { pos += n }
        return bytes.slice(pos, n)
    }

    /// A newline-terminated line of the text protocols (names, decimal numbers).
    mutating func line(max: Int = 1024) throws -> String {
        var end = pos
        let limit = min(bytes.count, pos + max)
        while end < limit && bytes.u8(end) != 0x0a { end += 1 }
        guard end < limit else {
            throw fail("text argument is longer than \(max) bytes or not terminated by a newline")
        }
        let s = String(decoding: bytes.slice(pos, end - pos), as: UTF8.self)
        pos = end + 1
        return s
    }

    mutating func utf8(_ b: UnsafeRawBufferPointer) throws -> String {
        guard let s = String(validating: b.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw fail("string is not valid UTF-8")
        }
        return s
    }

    // MARK: work budget

    /// Counts `units` of work against the budget. A unit is roughly a nanosecond (measured on
    /// the worst cases): a dict insertion is 128 plus 8 per byte of key (copied into an array,
    /// hashed and compared byte by byte), a global 128 per byte of its names (split, copied and
    /// looked up part by part), so the budget bounds the time a pickle can take.
    mutating func charge(_ units: Int) throws {
        work = checkedAdd(work, units) ?? Int.max
        guard work <= workLimit else {
            throw failLimit("needs more than \(workLimit) steps of work for a \(bytes.count)-byte pickle (large memoized values used over and over); refused as a pickle bomb")
        }
    }

    /// Counts `bytes` of memory against the budget. The estimates are what the values cost in
    /// this interpreter, measured on pickle bombs (millions of empty dicts, lists, tuples): about
    /// 256 bytes per object with its heap slot, box, depth and the container slot that keeps it
    /// (arrays growing by doubling included), 100 per dict entry, 24 per list or tuple item, 64
    /// per memo entry.
    mutating func allocate(_ bytes: Int) throws {
        memory = checkedAdd(memory, bytes) ?? Int.max
        guard memory <= memoryLimit else {
            throw failLimit("its values need more than \(memoryLimit >> 20) MiB of memory (\(heap.count) objects so far); refused as a pickle bomb (loading may use max(256 MB, 2 × the file size))")
        }
    }

    /// What setting `key` in a dict costs: an insertion, and the key's bytes copied and hashed.
    func keyCost(_ key: PickleValue) -> Int {
        switch key {
        case .string(let s): return 128 + 8 * s.utf8.count
        case .bytes(let b): return 128 + 8 * b.count
        case .bigInt(let s): return 128 + 8 * s.utf8.count
        default: return 128
        }
    }

    /// Sets key/value pairs (`items` alternating) in `d`, charging for the keys.
    mutating func setPairs(_ items: [PickleValue], in d: PickleDict) throws {
        try allocate(50 * items.count)
        for i in stride(from: 0, to: items.count, by: 2) {
            try charge(keyCost(items[i]))
            d.set(items[i], items[i + 1])
        }
    }

    // MARK: stack, marks, memo

    mutating func push(_ v: PickleValue) throws {
        guard stack.count < Limits.maxPickleStack else {
            throw failLimit("stack holds more than \(Limits.maxPickleStack) values")
        }
        stack.append(v)
    }

    mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return stack.removeLast()
    }

    func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return stack[stack.count - 1]
    }

    mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("no MARK to pop to") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    mutating func memoPut(_ index: Int, _ v: PickleValue) throws {
        guard index >= 0 else { throw fail("negative memo index \(index)") }
        if memo[index] == nil {
            guard memo.count < Limits.maxPickleMemo else { throw failLimit("memo holds more than \(Limits.maxPickleMemo) values") }
            try allocate(64)
        }
        memo[index] = v
    }

    func memoGet(_ index: Int) throws -> PickleValue {
        guard let v = memo[index] else { throw fail("memo index \(index) is not defined") }
        return v
    }

    // MARK: objects

    mutating func object(_ o: PickleObject, children: [PickleValue] = []) throws -> PickleValue {
        guard heap.count < Limits.maxPickleObjects else {
            throw failLimit("creates more than \(Limits.maxPickleObjects) objects")
        }
        try charge(16 + 2 * children.count)
        try allocate(256 + 24 * children.count)
        var d = 0
        for c in children { d = max(d, heap.depth(of: c) + 1) }
        guard d <= Limits.maxPickleNesting else {
            throw failLimit("values nest more than \(Limits.maxPickleNesting) deep")
        }
        return .ref(heap.add(o, depth: d))
    }

    mutating func noteChild(_ id: Int, _ child: PickleValue) throws {
        if heap.raiseDepth(id, toContain: child) > Limits.maxPickleNesting {
            throw failLimit("values nest more than \(Limits.maxPickleNesting) deep")
        }
    }

    func tupleItems(_ v: PickleValue) -> [PickleValue]? {
        if case .ref(let id) = v, case .tuple(let items) = heap[id] { return items }
        return nil
    }

    /// Items of a tuple or list (sizes and strides may be either).
    func sequenceItems(_ v: PickleValue) -> [PickleValue]? {
        guard case .ref(let id) = v else { return nil }
        switch heap[id] {
        case .tuple(let items): return items
        case .list(let l): return l.items
        default: return nil
        }
    }

    // MARK: the interpreter loop

    mutating func run() throws -> (heap: PickleHeap, root: PickleValue) {
        while true {
            op = pos
            guard pos < bytes.count else { throw fail("pickle ends without STOP (truncated)") }
            let code = bytes.u8(pos)
            pos += 1
            switch code {
            case 0x80:  // PROTO
                let v = try u8()
                guard v <= 5 else { throw failUnsupported("pickle protocol \(v) (known: 0-5)") }
            case 0x95:  // FRAME: a length hint only; framing does not change the opcode stream.
                let n = try le64()
                guard n <= UInt64(bytes.count - pos) else {
                    throw fail("frame declares \(n) bytes but only \(bytes.count - pos) remain")
                }
            case 0x2e:  // STOP
                let v = try pop()
                return (heap, v)

            // Marks and stack manipulation
            case 0x28:  // MARK
                guard marks.count < Limits.maxPickleMarks else {
                    throw failLimit("more than \(Limits.maxPickleMarks) nested MARKs")
                }
                marks.append(stack.count)
            case 0x30:  // POP (an empty frame pops its MARK, as in CPython)
                if let m = marks.last, stack.count == m {
                    marks.removeLast()
                } else {
                    _ = try pop()
                }
            case 0x31:  // POP_MARK
                _ = try popMark()
            case 0x32:  // DUP
                try push(try top())

            // Scalars
            case 0x4e: try push(.none)  // NONE
            case 0x88: try push(.bool(true))  // NEWTRUE
            case 0x89: try push(.bool(false))  // NEWFALSE
            case 0x4a: try push(.int(Int(Int32(bitPattern: try le32()))))  // BININT
            case 0x4b: try push(.int(try u8()))  // BININT1
            case 0x4d: try push(.int(try le16()))  // BININT2
            case 0x8a:  // LONG1
                let n = try u8()
                try push(try long(try take(n)))
            case 0x8b:  // LONG4
                let n = Int32(bitPattern: try le32())
                guard n >= 0 else { throw fail("LONG4 with negative length \(n)") }
                try push(try long(try sized(UInt64(n), what: "LONG4")))
            case 0x47:  // BINFLOAT (big-endian double)
                let b = try take(8)
                try push(.float(Double(bitPattern: UInt64(bigEndian: b.loadUnaligned(as: UInt64.self)))))
            case 0x49:  // INT (text; "00"/"01" are False/True)
                let s = try line(max: 64)
                if s == "00" { try push(.bool(false)) } else if s == "01" { try push(.bool(true)) } else {
                    guard let i = Int(s) else { throw fail("INT argument \(quoted(s)) is not a decimal integer") }
                    try push(.int(i))
                }
            case 0x4c:  // LONG (text, optional trailing L)
                var s = try line(max: 4096)
                try charge(64 * s.utf8.count)   // parsed twice and checked digit by digit
                if s.hasSuffix("L") { s.removeLast() }
                if let i = Int(s) { try push(.int(i)) } else {
                    let digits = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
                    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw fail("LONG argument \(quoted(s)) is not a decimal integer")
                    }
                    try push(.bigInt(s))
                }
            case 0x46:  // FLOAT (text)
                let s = try line(max: 64)
                guard let d = Double(s) else { throw fail("FLOAT argument \(quoted(s)) is not a number") }
                try push(.float(d))

            // Strings and bytes
            case 0x58:  // BINUNICODE
                try push(.string(try utf8(try sized(UInt64(try le32()), what: "BINUNICODE"))))
            case 0x8d:  // BINUNICODE8
                try push(.string(try utf8(try sized(try le64(), what: "BINUNICODE8"))))
            case 0x8c:  // SHORT_BINUNICODE
                try push(.string(try utf8(try take(try u8()))))
            case 0x54:  // BINSTRING (Python 2 str: bytes read as Latin-1 text)
                let n = Int32(bitPattern: try le32())
                guard n >= 0 else { throw fail("BINSTRING with negative length \(n)") }
                try push(.string(latin1(try sized(UInt64(n), what: "BINSTRING"))))
            case 0x55:  // SHORT_BINSTRING
                try push(.string(latin1(try take(try u8()))))
            case 0x42:  // BINBYTES
                try push(.bytes(Array(try sized(UInt64(try le32()), what: "BINBYTES"))))
            case 0x43:  // SHORT_BINBYTES
                try push(.bytes(Array(try take(try u8()))))
            case 0x8e:  // BINBYTES8
                try push(.bytes(Array(try sized(try le64(), what: "BINBYTES8"))))
            case 0x96:  // BYTEARRAY8
                try push(.bytes(Array(try sized(try le64(), what: "BYTEARRAY8"))))

            // Containers
            case 0x5d:  // EMPTY_LIST
                try push(try object(.list(PickleList([]))))
            case 0x6c:  // LIST
                let items = try popMark()
                try push(try object(.list(PickleList(items)), children: items))
            case 0x29:  // EMPTY_TUPLE
                try push(try object(.tuple([])))
            case 0x74:  // TUPLE
                let items = try popMark()
                try push(try object(.tuple(items), children: items))
            case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
                let n = Int(code - 0x84)
                var items = [PickleValue](repeating: .none, count: n)
                for i in stride(from: n - 1, through: 0, by: -1) { items[i] = try pop() }
                try push(try object(.tuple(items), children: items))
            case 0x7d:  // EMPTY_DICT
                try push(try object(.dict(PickleDict())))
            case 0x64:  // DICT
                let items = try popMark()
                guard items.count % 2 == 0 else { throw fail("DICT with an odd number (\(items.count)) of keys and values") }
                let d = PickleDict()
                try setPairs(items, in: d)
                try push(try object(.dict(d), children: items))
            case 0x8f:  // EMPTY_SET
                try push(try object(.set(PickleList([]))))
            case 0x91:  // FROZENSET
                let items = try popMark()
                try push(try object(.set(PickleList(items)), children: items))
            case 0x61:  // APPEND
                let v = try pop()
                try append([v], to: try top(), opcode: "APPEND")
            case 0x65:  // APPENDS
                let items = try popMark()
                try append(items, to: try top(), opcode: "APPENDS")
            case 0x73:  // SETITEM
                let v = try pop()
                let k = try pop()
                try setItems([k, v], in: try top(), opcode: "SETITEM")
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number (\(items.count)) of keys and values") }
                try setItems(items, in: try top(), opcode: "SETITEMS")
            case 0x90:  // ADDITEMS
                let items = try popMark()
                let target = try top()
                guard case .ref(let id) = target, case .set(let s) = heap[id] else {
                    throw fail("ADDITEMS on \(describe(target)), expected a set")
                }
                try allocate(24 * items.count)
                for v in items { s.items.append(v); try noteChild(id, v) }

            // Memo
            case 0x71:  // BINPUT
                try memoPut(try u8(), try top())
            case 0x72:  // LONG_BINPUT
                try memoPut(Int(try le32()), try top())
            case 0x94:  // MEMOIZE
                try memoPut(memo.count, try top())
            case 0x70:  // PUT (text)
                let s = try line(max: 32)
                guard let i = Int(s) else { throw fail("PUT argument \(quoted(s)) is not a decimal index") }
                try memoPut(i, try top())
            case 0x68:  // BINGET
                try push(try memoGet(try u8()))
            case 0x6a:  // LONG_BINGET
                try push(try memoGet(Int(try le32())))
            case 0x67:  // GET (text)
                let s = try line(max: 32)
                guard let i = Int(s) else { throw fail("GET argument \(quoted(s)) is not a decimal index") }
                try push(try memoGet(i))

            // Globals and object construction: never calls anything (see PickleGlobals.swift).
            case 0x63:  // GLOBAL
                let module = try line()
                let name = try line()
                try push(try global(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case .string(let m) = module, case .string(let n) = name else {
                    throw fail("STACK_GLOBAL needs two strings, found \(describe(module)) and \(describe(name))")
                }
                // The same bound as GLOBAL's text lines: real module and qualified names are short.
                guard m.utf8.count <= 1024 && n.utf8.count <= 1024 else {
                    throw failLimit("STACK_GLOBAL names of \(m.utf8.count) and \(n.utf8.count) bytes; module and qualified names are at most 1024 bytes")
                }
                try push(try global(module: m, name: n))
            case 0x52:  // REDUCE
                let args = try pop()
                let callable = try pop()
                try push(try call(callable, args, opcode: "REDUCE"))
            case 0x81:  // NEWOBJ
                let args = try pop()
                let cls = try pop()
                try push(try call(cls, args, opcode: "NEWOBJ"))
            case 0x92:  // NEWOBJ_EX (keyword arguments are ignored: no understood class takes any)
                _ = try pop()
                let args = try pop()
                let cls = try pop()
                try push(try call(cls, args, opcode: "NEWOBJ_EX"))
            case 0x69:  // INST (text protocol: class names, then MARKed arguments)
                let module = try line()
                let name = try line()
                let items = try popMark()
                let cls = try global(module: module, name: name)
                try push(try call(cls, try object(.tuple(items), children: items), opcode: "INST"))
            case 0x6f:  // OBJ
                var items = try popMark()
                guard !items.isEmpty else { throw fail("OBJ without a class") }
                let cls = items.removeFirst()
                try push(try call(cls, try object(.tuple(items), children: items), opcode: "OBJ"))
            case 0x62:  // BUILD
                let state = try pop()
                try build(try top(), state: state)
            case 0x51:  // BINPERSID
                let pid = try pop()
                try push(try persistentStorage(pid))

            case 0x50:
                throw failUnsupported("text persistent ids (PERSID); torch.save writes BINPERSID")
            case 0x53, 0x56:
                throw failUnsupported("protocol-0 quoted strings (STRING/UNICODE opcodes)")
            case 0x82, 0x83, 0x84:
                throw failUnsupported("extension-registry opcodes (EXT1/EXT2/EXT4)")
            case 0x97, 0x98:
                throw failUnsupported("out-of-band buffers (protocol 5 NEXT_BUFFER/READONLY_BUFFER)")
            default:
                throw fail("unknown opcode 0x\(String(code, radix: 16))")
            }
        }
    }

    // MARK: opcode helpers

    /// A two's-complement little-endian integer (LONG1/LONG4).
    func long(_ b: UnsafeRawBufferPointer) throws -> PickleValue {
        let n = b.count
        if n == 0 { return .int(0) }
        let negative = b.u8(n - 1) & 0x80 != 0
        // Fits in 64 bits when every byte above the eighth is pure sign extension.
        var fits = true
        if n > 8 {
            let ext: UInt8 = negative ? 0xff : 0
            for i in 8..<n where b.u8(i) != ext { fits = false; break }
            if fits && (b.u8(7) & 0x80 != 0) != negative { fits = false }
        }
        if fits {
            var v: UInt64 = negative ? ~0 : 0
            for i in 0..<min(n, 8) {
                v &= ~(UInt64(0xff) << (8 * UInt64(i)))
                v |= UInt64(b.u8(i)) << (8 * UInt64(i))
            }
            return .int(Int(bitPattern: UInt(v)))
        }
        guard n <= Limits.maxBigIntBytes else {
            return .bigInt(negative ? "<negative \(n)-byte integer>" : "<\(n)-byte integer>")
        }
        // Magnitude as little-endian bytes, then repeated division by 10.
        var mag = [UInt8](b)
        if negative {
            var carry = 1
            for i in 0..<n {
                let x = Int(~mag[i] & 0xff) + carry
                mag[i] = UInt8(x & 0xff)
                carry = x >> 8
            }
        }
        var digits: [UInt8] = []
        while mag.contains(where: { $0 != 0 }) {
            var rem = 0
            for i in stride(from: n - 1, through: 0, by: -1) {
                let cur = rem * 256 + Int(mag[i])
                mag[i] = UInt8(cur / 10)
                rem = cur % 10
            }
            digits.append(UInt8(48 + rem))
        }
        return .bigInt((negative ? "-" : "") + String(decoding: digits.reversed(), as: UTF8.self))
    }

    func latin1(_ b: UnsafeRawBufferPointer) -> String {
        var s = String.UnicodeScalarView()
        for byte in b { s.append(Unicode.Scalar(byte)) }
        return String(s)
    }

    mutating func append(_ items: [PickleValue], to target: PickleValue, opcode: String) throws {
        guard case .ref(let id) = target else { throw fail("\(opcode) to \(describe(target)), expected a list") }
        switch heap[id] {
        case .list(let l):
            try allocate(24 * items.count)
            for v in items { l.items.append(v); try noteChild(id, v) }
        case .opaque:
            break  // a list subclass vcview does not know: the items are dropped with it
        default:
            throw fail("\(opcode) to \(describe(target)), expected a list")
        }
    }

    mutating func setItems(_ items: [PickleValue], in target: PickleValue, opcode: String) throws {
        guard case .ref(let id) = target else { throw fail("\(opcode) on \(describe(target)), expected a dict") }
        switch heap[id] {
        case .dict(let d):
            try setPairs(items, in: d)
            for v in items { try noteChild(id, v) }
        case .opaque:
            break  // a dict subclass vcview does not know
        default:
            throw fail("\(opcode) on \(describe(target)), expected a dict")
        }
    }

    mutating func global(module: String, name: String) throws -> PickleValue {
        // Classifying splits and copies both names (STACK_GLOBAL can reuse memoized strings).
        try charge(128 * (1 + module.utf8.count + name.utf8.count))
        let full = module + "." + name
        switch PickleGlobals.classify(module: module, name: name) {
        case .understood(let g):
            return try object(.global(g, name: full))
        case .forbidden(let why):
            throw CheckpointError(.forbidden, file: file, at: "\(entry) offset \(op)",
                                  "global \(escaped(full)) is not allowed: \(why) (vcview never calls functions named by a pickle)")
        case .unknown:
            return try object(.opaque(OpaqueObject(global: full, made: false)))
        }
    }

    /// REDUCE / NEWOBJ / INST / OBJ: applies an understood global's data-only meaning, or
    /// records an opaque object made by an unknown one.
    mutating func call(_ callable: PickleValue, _ args: PickleValue, opcode: String) throws -> PickleValue {
        guard case .ref(let cid) = callable else {
            throw fail("\(opcode) needs a class or function, found \(describe(callable))")
        }
        guard let items = tupleItems(args) else {
            throw fail("\(opcode) arguments are \(describe(args)), expected a tuple")
        }
        switch heap[cid] {
        case .global(let g, let name):
            return try apply(g, name: name, items)
        case .opaque(let o):
            return try object(.opaque(OpaqueObject(global: o.global, made: true)))
        default:
            throw fail("\(opcode) on \(describe(callable)), which is not a class or function")
        }
    }

    mutating func apply(_ g: PickleGlobal, name: String, _ items: [PickleValue]) throws -> PickleValue {
        switch g {
        case .rebuildTensorV2, .rebuildTensorV3, .rebuildTensor:
            return try object(rebuildTensor(g, items))
        case .rebuildParameter, .rebuildParameterWithState:
            // A Parameter is its data tensor plus requires_grad/hooks/state vcview has no use for.
            guard let data = items.first else { return try object(.invalid("\(name) at offset \(op) has no arguments")) }
            return data
        case .rebuildFromTypeV2:
            // (func, new_type, args, state): a tensor subclass or a tensor with Python attributes;
            // the data is `func(*args)`, and func must itself be a tensor rebuild.
            guard items.count >= 3, case .ref(let fid) = items[0], case .global(let inner, let innerName) = heap[fid],
                  [.rebuildTensorV2, .rebuildTensorV3, .rebuildTensor, .rebuildParameter].contains(inner),
                  let innerArgs = tupleItems(items[2]) else {
                return try object(.opaque(OpaqueObject(global: name, made: true)))
            }
            return try apply(inner, name: innerName, innerArgs)
        case .storageType, .tensorClass, .torchDtype:
            return try object(.opaque(OpaqueObject(global: name, made: true)))
        case .orderedDict:
            let d = PickleDict()
            if let pairs = items.first {
                guard let seq = sequenceItems(pairs) else {
                    throw fail("OrderedDict argument is \(describe(pairs)), expected a list of pairs")
                }
                for p in seq {
                    guard let kv = sequenceItems(p), kv.count == 2 else {
                        throw fail("OrderedDict item is \(describe(p)), expected a (key, value) pair")
                    }
                    try setPairs(kv, in: d)
                }
            }
            let children = d.keys + d.values
            return try object(.dict(d), children: children)
        case .namespace:
            guard items.isEmpty else { throw fail("argparse.Namespace takes no positional arguments, found \(items.count)") }
            return try object(.namespace(PickleDict()))
        case .device:
            var text = "device(?)"
            if items.count >= 1, case .string(let type) = items[0] {
                if items.count >= 2, case .int(let index) = items[1] {
                    text = "device(type=\(quoted(type, limit: 40)), index=\(index))"
                } else {
                    text = "device(type=\(quoted(type, limit: 40)))"
                }
            }
            return try object(.inert(text))
        case .size:
            guard items.count == 1, let dims = sequenceItems(items[0]) else {
                throw fail("torch.Size takes one sequence of sizes")
            }
            return try object(.tuple(dims), children: dims)
        case .codecsEncode, .bytearray:
            if items.isEmpty, g == .bytearray { return .bytes([]) }
            if items.count == 1, case .bytes(let b) = items[0] { return .bytes(b) }
            guard items.count == 2, case .string(let s) = items[0], case .string(let enc) = items[1] else {
                throw fail("\(name) takes (str, encoding), found \(items.count) arguments")
            }
            try charge(64 + 8 * (s.utf8.count + enc.utf8.count))
            switch enc.lowercased() {
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
                var out: [UInt8] = []
                out.reserveCapacity(s.unicodeScalars.count)
                for u in s.unicodeScalars {
                    guard u.value < 256 else { throw fail("\(name): character U+\(String(u.value, radix: 16)) is not Latin-1") }
                    out.append(UInt8(u.value))
                }
                return .bytes(out)
            case "utf-8", "utf8":
                return .bytes(Array(s.utf8))
            default:
                throw fail("\(name) with encoding \(quoted(enc, limit: 40)) (understood: latin1, utf-8)")
            }
        case .set, .frozenset:
            var elems: [PickleValue] = []
            if let first = items.first {
                if let seq = sequenceItems(first) {
                    elems = seq
                } else if case .ref(let id) = first, case .set(let s) = heap[id] {
                    elems = s.items
                } else {
                    throw fail("\(name) argument is \(describe(first)), expected a list")
                }
            }
            return try object(.set(PickleList(elems)), children: elems)
        case .numpyDtype:
            guard let first = items.first, case .string(let code) = first else {
                throw fail("numpy.dtype needs a type code string")
            }
            return try object(.numpyDtype(code: code, littleEndian: !code.hasPrefix(">")))
        case .numpyScalar:
            // numpy.core.multiarray.scalar(dtype, raw bytes): decoded for the plain numeric types,
            // otherwise kept opaque.
            guard items.count == 2, case .ref(let did) = items[0], case .numpyDtype(let code, let little) = heap[did],
                  case .bytes(let raw) = items[1], little, let v = numpyScalar(code: code, raw) else {
                return try object(.opaque(OpaqueObject(global: name, made: true)))
            }
            return v
        }
    }

    func numpyScalar(code: String, _ raw: [UInt8]) -> PickleValue? {
        let c = Substring(code.drop(while: { "<|=".contains($0) }))
        func bits(_ n: Int) -> UInt64? {
            guard raw.count == n else { return nil }
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return v
        }
        switch c {
        case "f8": return bits(8).map { .float(Double(bitPattern: $0)) }
        case "f4": return bits(4).map { .float(Double(Float(bitPattern: UInt32($0)))) }
        case "f2": return bits(2).map { .float(Double(halfToFloat(UInt16($0)))) }
        case "i8": return bits(8).map { .int(Int(Int64(bitPattern: $0))) }
        case "i4": return bits(4).map { .int(Int(Int32(bitPattern: UInt32($0)))) }
        case "i2": return bits(2).map { .int(Int(Int16(bitPattern: UInt16($0)))) }
        case "i1": return bits(1).map { .int(Int(Int8(bitPattern: UInt8($0)))) }
        case "u1", "u2", "u4": return bits(Int(String(c.dropFirst()))!).map { .int(Int($0)) }
        case "u8": return bits(8).flatMap { $0 <= UInt64(Int.max) ? .int(Int($0)) : nil }
        case "b1": return bits(1).map { .bool($0 != 0) }
        default: return nil
        }
    }

    /// The arguments of `_rebuild_tensor(_v2/_v3)`: checked for shape here, against the storage
    /// when the tensor is used. A malformed one becomes `.invalid` rather than an error, so a
    /// broken tensor in an entry nobody reads does not stop the file from opening.
    func rebuildTensor(_ g: PickleGlobal, _ items: [PickleValue]) -> PickleObject {
        let here = "tensor built at offset \(op)"
        let minArgs = g == .rebuildTensorV3 ? 7 : 4
        guard items.count >= minArgs else {
            return .invalid("\(here) has \(items.count) arguments, expected at least \(minArgs)")
        }
        guard case .ref(let sid) = items[0], case .storage(let storage) = heap[sid] else {
            return .invalid("\(here): storage argument is \(describe(items[0])), expected a persistent storage")
        }
        guard case .int(let offset) = items[1] else {
            return .invalid("\(here): storage offset is \(describe(items[1])), expected an int")
        }
        func ints(_ v: PickleValue, _ what: String) -> [Int]? {
            guard let seq = sequenceItems(v), seq.count <= Limits.maxRank else { return nil }
            var out: [Int] = []
            for x in seq {
                guard case .int(let i) = x else { return nil }
                out.append(i)
            }
            return out
        }
        guard let size = ints(items[2], "size") else {
            return .invalid("\(here): size is \(describe(items[2])), expected a tuple of at most \(Limits.maxRank) ints")
        }
        guard let stride = ints(items[3], "stride") else {
            return .invalid("\(here): stride is \(describe(items[3])), expected a tuple of at most \(Limits.maxRank) ints")
        }
        guard size.count == stride.count else {
            return .invalid("\(here): size has \(size.count) dimensions but stride has \(stride.count)")
        }
        var dtype = storage.dtype
        var dtypeName = storage.typeName
        if g == .rebuildTensorV3 {
            guard case .ref(let did) = items[6], case .global(.torchDtype(let n, let d), _) = heap[did] else {
                return .invalid("\(here): dtype argument is \(describe(items[6])), expected a torch dtype")
            }
            dtype = d
            dtypeName = n
        }
        return .tensor(TensorRef(storage: storage, dtype: dtype, dtypeName: dtypeName, storageOffset: offset,
                                 size: size, stride: stride, pickleOffset: op))
    }

    /// BINPERSID: torch's `('storage', storage_type, key, location, numel)`.
    mutating func persistentStorage(_ pid: PickleValue) throws -> PickleValue {
        let expected = "expected ('storage', storage_type, key, location, numel)"
        guard let items = tupleItems(pid), items.count == 5 else {
            throw fail("persistent id is \(describe(pid)), \(expected)")
        }
        guard case .string("storage") = items[0] else {
            throw fail("persistent id kind is \(describe(items[0])), \(expected)")
        }
        let typeName: String
        let dtype: DType?
        guard case .ref(let tid) = items[1] else {
            throw fail("storage type is \(describe(items[1])), \(expected)")
        }
        switch heap[tid] {
        case .global(.storageType(let n, let d), _):
            typeName = n
            dtype = d
        case .opaque(let o) where !o.made:
            typeName = o.global
            dtype = nil
        default:
            throw fail("storage type is \(describe(items[1])), \(expected)")
        }
        let key: String
        switch items[2] {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        default: throw fail("storage key is \(describe(items[2])), \(expected)")
        }
        guard key.utf8.count <= Limits.maxStorageKeyBytes else {
            throw failLimit("storage key is \(key.utf8.count) bytes long, limit is \(Limits.maxStorageKeyBytes) (torch.save writes short decimal keys)")
        }
        guard case .string(let location) = items[3] else {
            throw fail("storage location is \(describe(items[3])), \(expected)")
        }
        guard case .int(let numel) = items[4], numel >= 0 else {
            throw fail("storage size is \(describe(items[4])), expected a non-negative int")
        }
        return try object(.storage(StorageRef(typeName: typeName, dtype: dtype, key: key,
                                              location: location, numel: numel)))
    }

    /// BUILD: sets an object's state. Only a Namespace takes it (its attributes); dicts
    /// (OrderedDict's `_metadata`), tensors and opaque objects drop it; a numpy dtype takes its
    /// byte order.
    mutating func build(_ target: PickleValue, state: PickleValue) throws {
        guard case .ref(let id) = target else { throw fail("BUILD on \(describe(target))") }
        switch heap[id] {
        case .namespace(let attrs):
            var dictValue = state
            if let t = tupleItems(state), t.count == 2 { dictValue = t[0] }
            if case .none = dictValue { return }
            guard case .ref(let did) = dictValue, case .dict(let d) = heap[did] else {
                throw fail("Namespace state is \(describe(state)), expected a dict")
            }
            for (k, v) in zip(d.keys, d.values) {
                guard case .string = k else { throw fail("Namespace attribute name is \(describe(k)), expected a str") }
                try setPairs([k, v], in: attrs)
                try noteChild(id, v)
            }
        case .dict, .opaque, .tensor, .invalid, .inert, .storage:
            break
        case .numpyDtype(let code, _):
            if let t = tupleItems(state), t.count >= 2, case .string(let order) = t[1] {
                heap.replace(id, with: .numpyDtype(code: code, littleEndian: order != ">"))
            }
        case .list, .tuple, .set, .global:
            throw fail("BUILD on \(describe(target))")
        }
    }

    func describe(_ v: PickleValue) -> String {
        PickleRender.kind(v, heap)
    }
}
