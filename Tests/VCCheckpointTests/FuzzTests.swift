// Deterministic mutation fuzzing: valid fixtures with flipped bytes, overwritten size fields
// and truncations must load or fail with a CheckpointError, never crash or throw anything else.
// Set VCCHECKPOINT_FUZZ_ITERATIONS to run longer (e.g. under -sanitize=address).
import Foundation
import XCTest
@testable import VCCheckpoint

final class FuzzTests: XCTestCase {
    /// splitmix64: a fixed seed gives the same mutations on every run.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static let iterations = Int(ProcessInfo.processInfo.environment["VCCHECKPOINT_FUZZ_ITERATIONS"] ?? "") ?? 150

    static let interesting: [UInt64] = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fff_ffff, 0xffff_ffff, 0xffff_fff0,
                                        0x1_0000_0000, 0x7fff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff]

    func mutate(_ original: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var b = original
        switch rng.below(4) {
        case 0:  // flip a few bytes
            for _ in 0..<(1 + rng.below(8)) where !b.isEmpty { b[rng.below(b.count)] ^= UInt8(1 + rng.below(255)) }
        case 1:  // overwrite a 2/4/8-byte field with an interesting value
            let width = [2, 4, 8][rng.below(3)]
            if b.count > width {
                let at = rng.below(b.count - width)
                let v = Self.interesting[rng.below(Self.interesting.count)]
                for i in 0..<width { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
            }
        case 2:  // truncate
            b = Array(b.prefix(rng.below(b.count)))
        default:  // duplicate a chunk in place (shifts every later offset)
            if b.count > 8 {
                let at = rng.below(b.count - 8)
                let len = 1 + rng.below(min(64, b.count - at))
                b.insert(contentsOf: b[at..<(at + len)], at: at)
            }
        }
        return b
    }

    func exercise(_ path: String) {
        do {
            let ckpt = try CheckpointLoader.load(path: path)
            for k in ckpt.stateDict.keys { _ = try ckpt.stateDict[k]!.floats() }
            for (_, v) in ckpt.info.args { XCTAssertFalse(v.contains("\n")) }
        } catch let e as CheckpointError {
            XCTAssertFalse(e.description.contains("\n"), e.description)
        } catch {
            XCTFail("\(path): non-CheckpointError \(error)")
        }
    }

    func testMutatedCheckpointFiles() throws {
        var rng = Rng(state: 20_240_601)
        let seeds = ["train_ckpt.pth", "train_ckpt_deflated.pth", "views.pth", "zip64.pth", "nested.pth",
                     "dtypes.pth", "f32.safetensors", "mixed.safetensors"]
        let out = Fixtures.temporary("fuzz.bin")
        for name in seeds {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
            for _ in 0..<Self.iterations {
                try Data(mutate(original, &rng)).write(to: URL(fileURLWithPath: out))
                exercise(out)
            }
        }
    }

    func testMutatedNpyFiles() throws {
        var rng = Rng(state: 7)
        let out = Fixtures.temporary("fuzz.npy")
        for name in ["f4.npy", "v2.npy", "f2.npy"] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
            for _ in 0..<Self.iterations {
                try Data(mutate(original, &rng)).write(to: URL(fileURLWithPath: out))
                do { _ = try Npy.read(path: out) } catch let e as CheckpointError {
                    XCTAssertFalse(e.description.contains("\n"))
                }
            }
        }
    }

    func testMutatedPickles() throws {
        // The pickle of a real training checkpoint, mutated in memory (no file I/O per case).
        let z = try ZipArchive(file: FileBytes(path: Fixtures.path("train_ckpt.pth")))
        let pickle = try z.bytes(of: z.entry(named: "train_ckpt/data.pkl")!)
        var rng = Rng(state: 99)
        for _ in 0..<(Self.iterations * 20) {
            let m = mutate(pickle, &rng)
            do {
                let r = try Pickle.load(m, file: "f", entry: "data.pkl")
                _ = PickleRender.repr(r.root, r.heap)
            } catch is CheckpointError {
            }
        }
    }
}
