// The pickle interpreter on hand-assembled byte streams: opcodes of each protocol, the global
// policy, and printing of values.
import XCTest
@testable import VCCheckpoint

final class PickleTests: XCTestCase {
    func run(_ bytes: [UInt8]) throws -> (PickleHeap, PickleValue) {
        let r = try Pickle.load(bytes, file: "t.pkl", entry: "data.pkl")
        return (r.heap, r.root)
    }

    func repr(_ bytes: [UInt8]) throws -> String {
        let (heap, root) = try run(bytes)
        return PickleRender.repr(root, heap, limit: 400)
    }

    static func str(_ s: String) -> [UInt8] {
        let u = Array(s.utf8)
        return [0x8c, UInt8(u.count)] + u  // SHORT_BINUNICODE
    }

    func testScalarsOfEveryEncoding() throws {
        // (True, False, None, 5, 300, -2, 2**70, -(2**70), 0.1, b'\x00a', 'é') via protocol-4 opcodes
        var b: [UInt8] = [0x80, 4, 0x95] + [UInt8](repeating: 0, count: 8) + [0x28, 0x88, 0x89, 0x4e, 0x4b, 5, 0x4d, 0x2c, 0x01]
        b += [0x4a] + [0xfe, 0xff, 0xff, 0xff]
        b += [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]  // 2**70
        b += [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0]  // -(2**70)
        b += [0x47, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]  // BINFLOAT 0.1 (big-endian)
        b += [0x43, 2, 0, 0x61] + Self.str("é") + [0x74, 0x2e]
        XCTAssertEqual(try repr(b), "(True, False, None, 5, 300, -2, 1180591620717411303424, -1180591620717411303424, 0.1, b'\\x00a', 'é')")
    }

    func testLongOfExactly64Bits() throws {
        // LONG1 of 9 bytes holding 2**63 - 1 and -2**63: still plain ints.
        let b: [UInt8] = [0x80, 2, 0x8a, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                          0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x86, 0x2e]
        let (heap, root) = try run(b)
        guard case .ref(let id) = root, case .tuple(let t) = heap[id] else { return XCTFail() }
        guard case .int(Int.max) = t[0], case .int(Int.min) = t[1] else { return XCTFail("\(t)") }
    }

    func testProtocolZeroTextOpcodes() throws {
        // (dp0\nS... is not used; INT, LONG, FLOAT, PUT/GET, DICT, LIST, GLOBAL with text lines.
        let text = "(I42\nI01\nL123456789012345678901234L\nF2.5\np0\ng0\n(l(dI7\nI8\nsaNt."
        XCTAssertEqual(try repr(Array(text.utf8)), "(42, True, 123456789012345678901234, 2.5, 2.5, [{7: 8}], None)")
    }

    func testMemoAndSharedMutation() throws {
        // A list memoized, then appended to: the memo copy is the same object (Python semantics).
        let b: [UInt8] = [0x80, 2, 0x5d, 0x71, 0, 0x4b, 1, 0x61, 0x68, 0, 0x4b, 2, 0x61, 0x86, 0x2e]
        // ([1, 2], [1, 2]): BINGET returned the object that the second APPEND extended.
        XCTAssertEqual(try repr(b), "([1, 2], [1, 2])")
    }

    func testSetsFrozensetsAndDictReplacement() throws {
        var b: [UInt8] = [0x80, 4, 0x8f, 0x28, 0x4b, 1, 0x4b, 2, 0x90]  // {1, 2}
        b += [0x28, 0x4b, 3, 0x91]  // frozenset({3})
        b += [0x7d, 0x28] + Self.str("k") + [0x4b, 1] + Self.str("k") + [0x4b, 2] + [0x88, 0x4b, 9, 0x4b, 1, 0x4b, 8, 0x75]
        b += [0x87, 0x2e]
        // 'k' set twice keeps one entry with the last value; True and 1 are the same key.
        XCTAssertEqual(try repr(b), "({1, 2}, {3}, {'k': 2, True: 8})")
    }

    func testCyclesAreSafeToPrint() throws {
        // l = []; l.append(l)
        let b: [UInt8] = [0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]
        XCTAssertEqual(try repr(b), "[[[[[[...]]]]]]")
    }

    func testOpaqueObjectsRecordTheirClass() throws {
        var b: [UInt8] = [0x80, 2, 0x63] + Array("mylib.models\nConfig\n".utf8) + [0x29, 0x81]  // NEWOBJ
        b += [0x7d, 0x28] + Self.str("depth") + [0x4b, 12, 0x75, 0x62]  // BUILD with a dict: ignored
        b += [0x5d, 0x4b, 1, 0x61, 0x86]  // a list next to it, still fine
        b += [0x2e]
        XCTAssertEqual(try repr(b), "(<mylib.models.Config object>, [1])")
    }

    func testNamespaceAndDeviceAndSize() throws {
        var b: [UInt8] = [0x80, 2, 0x28]  // PROTO 2, MARK
        b += [0x63] + Array("argparse\nNamespace\n".utf8) + [0x29, 0x81]  // Namespace()
        b += [0x7d, 0x28] + Self.str("lr") + [0x47, 0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc]
        b += Self.str("name") + Self.str("x") + [0x75, 0x62]  // BUILD {'lr': 0.001, 'name': 'x'}
        b += [0x63] + Array("torch\ndevice\n".utf8) + Self.str("cuda") + [0x4b, 1, 0x86, 0x52]
        b += [0x63] + Array("torch\nSize\n".utf8) + [0x4b, 2, 0x4b, 3, 0x86, 0x85, 0x52]
        b += [0x63] + Array("torch\nbfloat16\n".utf8)
        b += [0x63] + Array("_codecs\nencode\n".utf8) + Self.str("\u{ff}a") + Self.str("latin1") + [0x86, 0x52]
        b += [0x29]
        b += [0x63] + Array("collections\nOrderedDict\n".utf8) + [0x29, 0x52]
        b += [0x74, 0x2e]  // TUPLE, STOP
        XCTAssertEqual(try repr(b),
                       "(Namespace(lr=0.001, name='x'), device(type='cuda', index=1), (2, 3), torch.bfloat16, b'\\xffa', (), {})")
    }

    func testNumpyScalarsDecode() throws {
        // numpy.core.multiarray.scalar(numpy.dtype('f8', False, True) + BUILD (3, '<', ...), bytes)
        var b: [UInt8] = [0x80, 2, 0x63] + Array("numpy.core.multiarray\nscalar\n".utf8)
        b += [0x63] + Array("numpy\ndtype\n".utf8) + Self.str("f8") + [0x89, 0x88, 0x87, 0x52]
        b += [0x28, 0x4b, 3] + Self.str("<") + [0x4e, 0x74, 0x62]
        b += [0x43, 8, 0, 0, 0, 0, 0, 0, 0x04, 0x40, 0x86, 0x52, 0x2e]  // 2.5 little-endian
        XCTAssertEqual(try repr(b), "2.5")
    }

    func testGlobalPolicy() {
        func cls(_ m: String, _ n: String) -> String {
            switch PickleGlobals.classify(module: m, name: n) {
            case .understood: return "understood"
            case .forbidden: return "forbidden"
            case .unknown: return "unknown"
            }
        }
        XCTAssertEqual(cls("torch._utils", "_rebuild_tensor_v2"), "understood")
        XCTAssertEqual(cls("torch", "BFloat16Storage"), "understood")
        XCTAssertEqual(cls("collections", "OrderedDict"), "understood")
        XCTAssertEqual(cls("__builtin__", "set"), "understood")
        for (m, n) in [("os", "system"), ("posix", "system"), ("nt", "system"), ("builtins", "eval"), ("builtins", "exec"),
                       ("__builtin__", "getattr"), ("builtins", "__import__"), ("subprocess", "Popen"), ("subprocess", "run"),
                       ("torch.serialization", "os.system"), ("mylib", "helpers.subprocess.call"), ("torch", "load"),
                       ("torch.hub", "load"), ("numpy.testing._private.utils", "runstring"), ("pickle", "loads"),
                       ("mylib", "Config.__init__.__globals__"), ("torch.fx.graph_module", "reduce_graph_module"),
                       ("operator", "attrgetter"), ("functools", "partial"), ("", "x"), ("a..b", "c")] {
            XCTAssertEqual(cls(m, n), "forbidden", "\(m).\(n)")
        }
        XCTAssertEqual(cls("numpy", "ndarray"), "unknown")
        XCTAssertEqual(cls("__builtin__", "object"), "unknown")
        XCTAssertEqual(cls("copy_reg", "_reconstructor"), "unknown")
        XCTAssertEqual(cls("builtins", "object.__subclasses__"), "forbidden")
        XCTAssertEqual(cls("__main__", "MyConfig"), "unknown")
        XCTAssertEqual(cls("torch.cuda.amp.grad_scaler", "GradScaler"), "unknown")
        // The tables have no duplicates (a Set literal with duplicates would trap).
        XCTAssertEqual(PickleGlobals.forbiddenModules.count, 97)
    }

    func testMalformedStreamsNameTheOffset() {
        let cases: [([UInt8], String)] = [
            ([0x80, 2, 0x61, 0x2e], "offset 2: stack underflow"),
            ([0x80, 2, 0x31, 0x2e], "offset 2: no MARK to pop to"),
            ([0x80, 2, 0x4b], "offset 2: needs 1 bytes but only 0 remain"),
            ([0x80, 2, 0x4e], "offset 3: pickle ends without STOP"),
            ([0x80, 9, 0x2e], "offset 0: pickle protocol 9"),
            ([0x80, 2, 0x4b, 1, 0x52, 0x2e], "offset 4: stack underflow"),
            ([0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e], "offset 5: REDUCE needs a class or function, found the int 1"),
            ([0x80, 2, 0x5d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e], "offset 7: SETITEM on a list, expected a dict"),
            ([0x80, 2, 0x4e, 0x51, 0x2e], "offset 3: persistent id is None"),
            ([0x80, 2, 0x8c, 2, 0xff, 0xfe, 0x2e], "offset 2: string is not valid UTF-8"),
            ([0x80, 2, 0x82, 1, 0x2e], "offset 2: extension-registry opcodes"),
            ([0x80, 2, 0x28, 0x4b, 1, 0x64, 0x2e], "offset 5: DICT with an odd number"),
            ([0x80, 2, 0x95, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x2e], "offset 2: frame declares 4294967295 bytes"),
        ]
        for (bytes, expected) in cases {
            assertCheckpointError(bytes[1] == 9 ? .unsupported : (bytes[2] == 0x82 ? .unsupported : .malformed),
                                  mentions: ["t.pkl: data.pkl " + expected]) { try run(bytes) }
        }
    }

    func testStackAndMemoLimitsAreEnforcedWithoutHugeAllocations() {
        // Memo indices are sparse: index 2^32-1 costs one entry.
        let b: [UInt8] = [0x80, 2, 0x4e, 0x72, 0xff, 0xff, 0xff, 0xff, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e]
        XCTAssertNoThrow(try run(b))
        // A negative LONG4 length, a BINBYTES8 beyond the limit.
        assertCheckpointError(.malformed, mentions: ["LONG4 with negative length"]) { try run([0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0xff]) }
        assertCheckpointError(.limitExceeded, mentions: ["BINBYTES8 declares 18446744073709551615 bytes"]) {
            try run([0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        }
    }

    func testTensorRebuildWithBadArgumentsIsInertUntilNeeded() throws {
        // _rebuild_tensor_v2 with a string where the storage should be: the pickle still loads.
        var b: [UInt8] = [0x80, 2, 0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8)
        b += [0x28] + Self.str("oops") + [0x4b, 0, 0x4b, 2, 0x85, 0x4b, 1, 0x85, 0x89, 0x4e, 0x74, 0x52, 0x2e]
        let (heap, root) = try run(b)
        guard case .ref(let id) = root, case .invalid(let why) = heap[id] else { return XCTFail() }
        XCTAssertTrue(why.contains("storage argument is the str 'oops'"), why)
    }
}
