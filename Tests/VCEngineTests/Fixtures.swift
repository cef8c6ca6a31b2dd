import Foundation
import XCTest
import VCTestSupport

/// Locates the committed fixtures (made by tools/reference/make_fixtures.py) from this file's path.
enum Fixtures {
    static let root = URL(fileURLWithPath: Repository.fixture(""))

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

func floats(_ any: Any?) -> [Float] { ((any as? [Any]) ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) } }
func ints(_ any: Any?) -> [Int] { ((any as? [Any]) ?? []).map { ($0 as? NSNumber)?.intValue ?? -1 } }

func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] } ?? -1 }
