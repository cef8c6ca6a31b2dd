// Hostile and broken .pth files: each must fail with a typed, one-line CheckpointError that
// names the problem (and where), never crash, hang or allocate what the file declares.
import XCTest
@testable import VCCheckpoint

final class HostileCheckpointTests: XCTestCase {
    func load(_ name: String) throws -> LoadedCheckpoint {
        try CheckpointLoader.load(path: Fixtures.path(name))
    }

    /// Loads and reads every tensor (some failures only show when bytes are read).
    func loadAll(_ name: String) throws {
        let ckpt = try load(name)
        for k in ckpt.stateDict.keys { _ = try ckpt.stateDict[k]!.floats() }
    }

    // MARK: forbidden globals

    func testOsSystemInNeededEntry() {
        assertCheckpointError(.forbidden, mentions: ["forbidden_os_system.pth", "archive/data.pkl offset", "global os.system is not allowed",
                                                      "vcview never calls functions named by a pickle"]) { try load("forbidden_os_system.pth") }
    }

    func testBuiltinEvalInUnneededEntry() {
        // Python-2 module name as protocol 2 writes it; inside 'optimizer', which is never used.
        assertCheckpointError(.forbidden, mentions: ["global __builtin__.eval is not allowed"]) { try load("forbidden_eval.pth") }
    }

    func testBuiltinsExec() {
        assertCheckpointError(.forbidden, mentions: ["global builtins.exec is not allowed"]) { try load("forbidden_builtins_exec.pth") }
    }

    func testSubprocessPopenViaStackGlobal() {
        assertCheckpointError(.forbidden, mentions: ["global subprocess.Popen is not allowed"]) { try load("forbidden_popen.pth") }
    }

    func testPosixAndNtSystem() {
        assertCheckpointError(.forbidden, mentions: ["global posix.system"]) { try load("forbidden_posix_system.pth") }
        assertCheckpointError(.forbidden, mentions: ["global nt.system"]) { try load("forbidden_nt_system.pth") }
    }

    func testQualifiedNameReachingOs() {
        // STACK_GLOBAL ('torch.serialization', 'os.system') resolves to os.system in Python.
        assertCheckpointError(.forbidden, mentions: ["global torch.serialization.os.system is not allowed"]) {
            try load("forbidden_qualname.pth")
        }
    }

    func testGetattrAndImport() {
        assertCheckpointError(.forbidden, mentions: ["global builtins.getattr"]) { try load("forbidden_getattr.pth") }
        assertCheckpointError(.forbidden, mentions: ["global builtins.__import__"]) { try load("forbidden_import.pth") }
    }

    func testOffsetOfForbiddenGlobalIsExact() throws {
        // The GLOBAL opcode of os.system sits right after the 'w' key (offset 22, as pickletools.dis shows).
        let e = assertCheckpointError(.forbidden, mentions: []) { try load("forbidden_os_system.pth") }
        XCTAssertEqual(e?.location, "archive/data.pkl offset 22")
    }

    func testUnknownClassAsStateDictValue() {
        assertCheckpointError(.malformed, mentions: ["key 'model.w'", "mylib.optim.Exotic", "expected a tensor"]) {
            try load("opaque_needed.pth")
        }
    }

    // MARK: pickle limits and malformed pickles

    func testHundredThousandMarks() {
        assertCheckpointError(.limitExceeded, mentions: ["more than 4096 nested MARKs", "offset 4098"]) { try load("deep_marks.pth") }
    }

    func testHundredThousandNestedLists() {
        assertCheckpointError(.limitExceeded, mentions: ["nest more than 4096 deep"]) { try load("deep_lists.pth") }
    }

    func testUndefinedMemoIndex() {
        assertCheckpointError(.malformed, mentions: ["memo index 4000000000 is not defined", "offset 3"]) { try load("memo_undefined.pth") }
    }

    func testUnknownOpcode() {
        assertCheckpointError(.malformed, mentions: ["offset 3", "unknown opcode 0xff"]) { try load("bad_opcode.pth") }
    }

    func testTruncatedPickle() {
        assertCheckpointError(.malformed, mentions: ["archive/data.pkl offset"]) { try load("truncated_pickle.pth") }
    }

    func testStackUnderflow() {
        assertCheckpointError(.malformed, mentions: ["offset 2", "stack underflow"]) { try load("stack_underflow.pth") }
    }

    func testStringLongerThanThePickle() {
        assertCheckpointError(.limitExceeded, mentions: ["offset 2", "BINUNICODE declares 4294967280 bytes, limit is 268435456"]) {
            try load("huge_string.pth")
        }
    }

    // MARK: tensors that do not fit their storage

    func testTrillionElementTensor() {
        assertCheckpointError(.limitExceeded, mentions: ["key 'model.w'", "declares 1000000000000 elements", "limit is 2147483648"]) {
            try load("huge_tensor.pth")
        }
    }

    func testStridesPastStorage() {
        assertCheckpointError(.malformed, mentions: ["key 'model.w'", "reaches element 5", "holds 4 elements of f32"]) {
            try load("stride_past.pth")
        }
    }

    func testNegativeStride() {
        assertCheckpointError(.malformed, mentions: ["negative stride -2"]) { try load("negative_stride.pth") }
    }

    func testStorageSizeMismatch() {
        assertCheckpointError(.malformed, mentions: ["declares 100 elements", "holds 16 bytes"]) { try load("storage_mismatch.pth") }
    }

    func testStorageMissing() {
        assertCheckpointError(.malformed, mentions: ["no zip entry 'archive/data/0'"]) { try load("storage_missing.pth") }
    }

    // MARK: zip damage and zip bombs

    func testTruncatedZip() {
        assertCheckpointError(.malformed, mentions: ["truncated.pth", "no end-of-central-directory record"]) { try load("truncated.pth") }
        assertCheckpointError(.malformed, mentions: ["no end-of-central-directory record"]) { try load("truncated_tail.pth") }
    }

    func testCRCMismatchIsFoundWhenBytesAreRead() throws {
        // The directory is intact, so the file opens; the flipped bit shows when the storage is read.
        let ckpt = try load("crc_mismatch.pth")
        assertCheckpointError(.integrity, mentions: ["entry 'archive/data/0'", "CRC-32 is 0x"]) {
            try ckpt.stateDict["w"]!.floats()
        }
    }

    func testDuplicateAndMismatchedNames() {
        assertCheckpointError(.malformed, mentions: ["two entries are named 'archive/data/0'"]) { try load("duplicate_names.pth") }
        assertCheckpointError(.malformed, mentions: ["local header names a different file"]) { try load("name_mismatch.pth") }
    }

    func testOverlappingEntries() {
        assertCheckpointError(.malformed, mentions: ["overlap"]) { try load("overlapping_entries.pth") }
    }

    func testBombWithImpossibleRatio() throws {
        // 4 GB declared from 10 KB: refused before any allocation.
        let ckpt = try load("bomb_ratio.pth")
        assertCheckpointError(.limitExceeded, mentions: ["entry 'archive/data/0'", "declares 4000000000 bytes from", "impossible for deflate"]) {
            try ckpt.stateDict["w"]!.floats()
        }
    }

    func testBombThatLiesAboutItsSize() throws {
        // Declares 16 bytes, would inflate to 10 MB: inflation stops at the declared size.
        let ckpt = try load("bomb_lying.pth")
        assertCheckpointError(.limitExceeded, mentions: ["inflates to more than its declared 16 bytes"]) {
            try ckpt.stateDict["w"]!.floats()
        }
    }

    func testCorruptDeflateData() throws {
        let ckpt = try load("bad_deflate.pth")
        assertCheckpointError(.malformed, mentions: ["invalid deflate data"]) { try ckpt.stateDict["w"]!.floats() }
    }

    // MARK: wrong kinds of files

    func testLegacyFormatRefused() {
        assertCheckpointError(.unsupported, mentions: ["legacy (pre-1.6) torch.save format"]) { try load("legacy.pth") }
    }

    func testZipWithoutPickle() {
        assertCheckpointError(.notFound, mentions: ["no <top>/data.pkl entry", "'archive/other.txt'"]) { try load("no_pickle.zip") }
    }

    func testRootIsNotADict() {
        assertCheckpointError(.notFound, mentions: ["the saved object is a list, expected a dict"]) { try load("list_root.pth") }
    }

    func testWholeModuleSave() {
        assertCheckpointError(.notFound, mentions: ["object of class torch.nn.modules.container.Sequential", "expected a dict"]) {
            try load("whole_module.pth")
        }
    }

    func testNoStateDict() {
        assertCheckpointError(.notFound, mentions: ["no state dict found", "'epoch', 'note'"]) { try load("no_state_dict.pth") }
    }

    func testModelIsNotADict() {
        assertCheckpointError(.notFound, mentions: ["key 'model'", "the int 5, expected a state dict"]) { try load("model_not_dict.pth") }
    }

    func testControlCharactersInKeysAreEscaped() {
        let e = assertCheckpointError(.malformed, mentions: ["key 'w\\n\\x1b[31mred'", "the int 1, expected a tensor"]) {
            try load("evil_key.pth")
        }
        XCTAssertFalse(e?.description.contains("\u{1b}") ?? true)
    }

    func testMissingFileAndDirectory() {
        assertCheckpointError(.io, mentions: ["does-not-exist.pth", "cannot open"]) { try load("does-not-exist.pth") }
        assertCheckpointError(.io, mentions: ["is a directory"]) { try CheckpointLoader.load(path: Fixtures.directory.path) }
    }

    func testNpyIsNotACheckpoint() {
        assertCheckpointError(.unrecognizedFormat, mentions: ["numpy .npy array"]) { try load("f4.npy") }
    }

    func testEveryFixtureEitherLoadsOrThrowsOneLine() throws {
        // Sweep: nothing in the fixture folder may crash or produce a multi-line message.
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path).sorted()
        XCTAssertGreaterThan(names.count, 60)
        for name in names where name != "expected.json" {
            do {
                try loadAll(name)
            } catch let e as CheckpointError {
                XCTAssertFalse(e.description.contains("\n"), name)
                XCTAssertTrue(e.description.hasPrefix(Fixtures.path(name) + ": "), e.description)
            }
        }
    }
}
