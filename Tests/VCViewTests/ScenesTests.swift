import Foundation
import XCTest
import VCTestSupport
@testable import VCScenes

/// The Swift scene generator against its specification (tools/train/SCENES.md) and against
/// scenes rendered by the Python generator that trained the bundled demo model.
final class ScenesTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: Repository.fixture("scenes"))

    func testClassNames() {
        XCTAssertEqual(SceneGenerator.classNames.count, 10)
        XCTAssertEqual(Set(SceneGenerator.classNames).count, 10)
        XCTAssertEqual(SceneGenerator.classNames.first, "circle")
    }

    /// The PRNG of docs/seeded-weights.md; values printed by tools/train/scenes.py.
    func testPRNGMatchesPython() {
        XCTAssertEqual(SceneGenerator.fnv1a64("scene/0"), 0x3ef3_e57a_ce78_ff2c)
        let u = SceneGenerator.uniforms(seed: 42, key: "scene/0", count: 3)
        XCTAssertEqual(u, [0.1308736801147461, 0.2069205641746521, 0.6499371528625488])
    }

    func testDeterministicAndLabelled() {
        for index in [0, 1, 13, 99] {
            let a = SceneGenerator.render(seed: 3, index: index, size: 64)
            let b = SceneGenerator.render(seed: 3, index: index, size: 64)
            XCTAssertEqual(a.label, index % 10)
            XCTAssertEqual(a.pixels.count, 64 * 64 * 3)
            XCTAssertEqual(a.pixels, b.pixels, "scene \(index) is not deterministic")
        }
        XCTAssertNotEqual(SceneGenerator.render(seed: 3, index: 0, size: 64).pixels,
                          SceneGenerator.render(seed: 4, index: 0, size: 64).pixels)
    }

    /// Scenes rendered by tools/train/make_scene_fixtures.py (numpy): same PRNG, same formulas,
    /// so only float rounding of sin/cos/sqrt on anti-aliased edges may differ.
    func testMatchesPythonRenders() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
            .filter { $0.hasSuffix(".u8") }.sorted()
        XCTAssertEqual(files.count, 3, "reference scenes missing in \(Self.fixtures.path)")
        for name in files {
            // seed<seed>-index<index>-size<size>.u8
            let fields = name.dropLast(3).split(separator: "-")
            guard fields.count == 3, let seed = UInt64(fields[0].dropFirst(4)),
                  let index = Int(fields[1].dropFirst(5)), let size = Int(fields[2].dropFirst(4)) else {
                XCTFail("bad fixture name \(name)"); continue
            }
            let expected = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
            let (label, pixels) = SceneGenerator.render(seed: seed, index: index, size: size)
            XCTAssertEqual(label, index % 10)
            XCTAssertEqual(pixels.count, expected.count, name)
            guard pixels.count == expected.count else { continue }
            var sum = 0, worst = 0, off = 0
            for i in 0..<pixels.count {
                let d = abs(Int(pixels[i]) - Int(expected[i]))
                sum += d; worst = max(worst, d); if d > 1 { off += 1 }
            }
            let mad = Double(sum) / Double(pixels.count)
            print("\(name): mean |Swift - Python| \(mad), worst \(worst), \(off) values off by more than 1")
            XCTAssertLessThan(mad, 0.05, "\(name): mean |Swift - Python| = \(mad)")
            XCTAssertLessThan(Double(off) / Double(pixels.count), 0.002, "\(name): \(off) values differ by more than 1")
            XCTAssertLessThanOrEqual(worst, 64, "\(name): worst difference \(worst)")
        }
    }
}
