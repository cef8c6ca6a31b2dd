import XCTest
import VCEngine

/// `vcview bench`: the floor it divides by is the pass's own multiply-adds, and the per-part
/// floors (where the time above the floor goes) partition them.
final class BenchCommandTests: XCTestCase {
    private func bench(size: Int, json: Bool) throws -> CLI.Result {
        let r = try CLI.run(["bench", "--variant", "S", "--size", String(size), "--threads", "1", "--runs", "2"] + (json ? ["--json"] : []))
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    func testPartFloorsPartitionThePassAndScaleWithPixels() throws {
        let small = try CLI.json(try bench(size: 64, json: true).stdout)
        let large = try CLI.json(try bench(size: 128, json: true).stdout)
        let stages = try XCTUnwrap(small["stages_ms"] as? [String: Double])
        let floors = try XCTUnwrap(small["stage_floors_ms"] as? [String: Double])
        XCTAssertEqual(Set(floors.keys), Set(stages.keys))
        for part in ["stem", "S1", "S2", "S3", "S4", "head"] {
            XCTAssertGreaterThan(try XCTUnwrap(floors[part], part), 0, part)
        }
        // The parts' floors add up to the pass's (same peak, same threads).
        let total = try XCTUnwrap(small["floor_ms"] as? Double)
        XCTAssertEqual(floors.values.reduce(0, +), total, accuracy: total * 1e-9)
        // Every layer but the head's pooling-then-Linear is linear in pixels: 4× the pixels,
        // just under 4× the multiply-adds (the head's 1000×288 product stays the same).
        let m1 = try XCTUnwrap(small["macs"] as? Int), m2 = try XCTUnwrap(large["macs"] as? Int)
        XCTAssertGreaterThan(Double(m2) / Double(m1), 3.9)
        XCTAssertLessThan(Double(m2) / Double(m1), 4.0)
        // No pass beats the arithmetic it has to do at the core's measured peak.
        XCTAssertGreaterThan(try XCTUnwrap(small["floor_ratio"] as? Double), 0.9)
    }

    /// The work beside the multiply-adds that the floor + it counts: two GELUs per MLP hidden value
    /// and one scan state update per channel, state, token and direction, as the configuration
    /// implies them; and that floor lies above the multiply-add floor.
    func testGELUAndScanCountsFollowTheConfiguration() throws {
        let cfg = VCMambaConfig.S
        for size in [64, 128] {
            let r = try CLI.json(try bench(size: size, json: true).stdout)
            let tokens = (0..<4).map { s -> Int in let side = (size / 4) >> s; return side * side }
            let gelus = (0..<4).reduce(0) { $0 + cfg.depths[$1] * 2 * tokens[$1] * cfg.mlpHidden[$1] }
            let updates = cfg.nMamba * 4 * tokens[3] * cfg.innerDim * cfg.stateDim
            XCTAssertEqual(try XCTUnwrap(r["gelu_values"] as? Int), gelus, "size \(size)")
            XCTAssertEqual(try XCTUnwrap(r["scan_updates"] as? Int), updates, "size \(size)")
            let floor = try XCTUnwrap(r["floor_ms"] as? Double), work = try XCTUnwrap(r["work_floor_ms"] as? Double)
            XCTAssertGreaterThan(work, floor)
            XCTAssertGreaterThan(try XCTUnwrap(r["gelu_ns"] as? Double), 0)
            XCTAssertGreaterThan(try XCTUnwrap(r["scan_update_ns"] as? Double), 0)
            XCTAssertLessThan(try XCTUnwrap(r["work_floor_ratio"] as? Double), try XCTUnwrap(r["floor_ratio"] as? Double))
        }
    }

    /// On two threads the pool's clocks account for a pass: much of it is inside regions (products,
    /// convolutions, epilogues, scans), split or alone, the caller's end waits are part of the split
    /// regions, and nothing adds up to more than the pass. One core or a busy one runs the regions
    /// alone, which counts the same.
    func testPoolTimesAccountForThePass() throws {
        let r = try CLI.run(["bench", "--variant", "S", "--size", "128", "--threads", "2", "--runs", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try CLI.json(r.stdout)
        let pool = try XCTUnwrap(j["pool"] as? [String: Any])
        let split = try XCTUnwrap(pool["split_ms_per_pass"] as? Double), wait = try XCTUnwrap(pool["end_wait_ms_per_pass"] as? Double)
        let alone = try XCTUnwrap(pool["alone_ms_per_pass"] as? Double)
        let runs = try XCTUnwrap(j["runs_ms"] as? [Double]), mean = runs.reduce(0, +) / Double(runs.count)
        XCTAssertGreaterThanOrEqual(wait, 0)
        XCTAssertLessThanOrEqual(wait, split)
        XCTAssertLessThanOrEqual(split + alone, mean * 1.001, "regions of one pass cannot take longer than the pass")
        XCTAssertGreaterThan(split + alone, 0.2 * mean, "split \(split) + alone \(alone) of a \(mean) ms pass")
    }

    func testTextReportNamesEveryPartWithItsRatio() throws {
        let out = try bench(size: 64, json: false).stdout
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasSuffix("(part ÷ its floor)") }, out)
        for part in ["stem", "S1", "down1", "S2", "down2", "S3", "down3", "S4", "head"] {
            XCTAssertNotNil(line.range(of: #"(^|  )\#(part) [0-9]+\.[0-9]{2}×"#, options: .regularExpression), "\(part) in \(line)")
        }
        let beside = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("beside the multiply-adds: GELU ") }, out)
        XCTAssertNotNil(beside.range(of: #"floor \+ these = [0-9]+\.[0-9]{2} ms   time ÷ that: best [0-9]+\.[0-9]{2}×"#, options: .regularExpression), String(beside))
    }
}
