// Exhaustive checks of the half / bfloat16 conversions against the standard library's Float16
// (available on Linux x86_64 and arm64).
import XCTest
@testable import VCCheckpoint

final class HalfFloatTests: XCTestCase {
    func testHalfToFloatMatchesFloat16ForAllBitPatterns() {
        for bits in 0...UInt16.max {
            let mine = halfToFloat(bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                XCTAssertTrue(mine.isNaN, "0x\(String(bits, radix: 16))")
            } else {
                XCTAssertEqual(mine.bitPattern, reference.bitPattern, "0x\(String(bits, radix: 16))")
            }
        }
    }

    func testFloatToHalfMatchesFloat16() {
        // Every half value, the midpoints between neighbours (ties), and points just off them.
        for bits in 0..<UInt16(0x7c00) {
            for sign in [UInt16(0), 0x8000] {
                let h = bits | sign
                let f = Float(Float16(bitPattern: h))
                XCTAssertEqual(floatToHalf(f), h)
                let next = Float(Float16(bitPattern: h + 1))
                let mid = (f + next) / 2  // exact in Float
                for x in [mid, mid.nextUp, mid.nextDown] where x.isFinite {
                    XCTAssertEqual(floatToHalf(x), Float16(x).bitPattern, "\(x)")
                }
            }
        }
        XCTAssertEqual(floatToHalf(.infinity), 0x7c00)
        XCTAssertEqual(floatToHalf(-1e10), 0xfc00)
        XCTAssertTrue(halfToFloat(floatToHalf(.nan)).isNaN)
        XCTAssertEqual(floatToHalf(1e-30), 0)
        XCTAssertEqual(floatToHalf(-1e-30), 0x8000)
    }

    func testBFloat16IsTheTopHalf() {
        XCTAssertEqual(bfloat16ToFloat(0x3f80), 1)
        XCTAssertEqual(bfloat16ToFloat(0xc049), -3.140625)
        XCTAssertEqual(bfloat16ToFloat(0x7f80), .infinity)
        XCTAssertEqual(bfloat16ToFloat(0x0001).bitPattern, 0x0001_0000)
    }
}
