// Load timing on a large checkpoint made outside the repository (too big to commit).
// Skipped unless VCCHECKPOINT_BENCH_FILE names a file, e.g. a 120 MB torch.save checkpoint:
//   VCCHECKPOINT_BENCH_FILE=/tmp/big.pth swift test --skip-build --filter LoadTimingTests
import Foundation
import XCTest
@testable import VCCheckpoint

final class LoadTimingTests: XCTestCase {
    func testLoadAndConvertLargeCheckpoint() throws {
        guard let path = ProcessInfo.processInfo.environment["VCCHECKPOINT_BENCH_FILE"] else {
            throw XCTSkip("set VCCHECKPOINT_BENCH_FILE to time a large checkpoint")
        }
        let clock = ContinuousClock()
        var ckpt: LoadedCheckpoint?
        let open = try clock.measure { ckpt = try CheckpointLoader.load(path: path) }
        var total = 0
        var checksum: Double = 0
        let convert = try clock.measure {
            for k in ckpt!.stateDict.keys {
                let v = try ckpt!.stateDict[k]!.floats()
                total += v.count
                checksum += Double(v[v.count / 2])
            }
        }
        print("load \(path): open+pickle \(open), floats() of \(ckpt!.stateDict.count) tensors / \(total) values \(convert) (checksum \(checksum))")
        XCTAssertGreaterThan(total, 0)
    }
}
