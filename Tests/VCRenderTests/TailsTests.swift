import Foundation
import XCTest
import VCRender

/// `Tails` against sorting the whole set: the kept ends give the same nearest-rank percentiles.
final class TailsTests: XCTestCase {
    func testPercentilesMatchASortedCopy() {
        var g = SystemRandomNumberGenerator()
        for n in [1, 7, 100, 12_345] {
            let v = (0..<n).map { _ in Float.random(in: -5...5, using: &g) * (Bool.random(using: &g) ? 1 : 40) }
            let t = Tails(v), s = v.sorted(), a = v.map(abs).sorted()
            func rank(_ q: Double) -> Int { max(1, Int((q / 100 * Double(n)).rounded(.up))) - 1 }
            for q in [99.0, 99.5, 100] {
                XCTAssertEqual(t.upper(q), s[rank(q)], "n \(n) p\(q)")
                XCTAssertEqual(t.upper(q, magnitude: true), a[rank(q)], "n \(n) |v| p\(q)")
            }
            for q in [0.0, 0.5, 1] { XCTAssertEqual(t.lower(q), s[rank(q)], "n \(n) p\(q)") }
        }
        XCTAssertNil(Tails([.nan]).upper(99))
    }

    /// The cost per value stays that of a few comparisons (a site of VCMamba-S has ≤ 1.2M values).
    func testCostOnAMillionValues() {
        var g = SystemRandomNumberGenerator()
        let v = (0..<1_000_000).map { _ in Float.random(in: -1...1, using: &g) }
        let start = Date()
        let t = Tails(v)
        let ms = Date().timeIntervalSince(start) * 1000
        print(String(format: "Tails of 1M values: %.1f ms", ms))
        XCTAssertEqual(t.count, 1_000_000)
    }
}
