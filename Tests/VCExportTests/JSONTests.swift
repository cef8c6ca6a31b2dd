import Foundation
import XCTest
@testable import VCExport

/// The sidecars' JSON writer.
final class JSONTests: XCTestCase {
    func testJSONIsDeterministicAndStrict() {
        let v: JSONValue = .object([("b", .int(1)), ("a", .array([.float(0.1), .float(.nan), .double(2), .string("q\"\\\n\u{1}")])),
                                    ("c", .null), ("d", .bool(true)), ("e", .float(-0.0))])
        XCTAssertEqual(v.text(), #"{"b":1,"a":[0.1,null,2,"q\"\\\n\u0001"],"c":null,"d":true,"e":0}"#)
        let parsed = try? JSONSerialization.jsonObject(with: Data(v.text(pretty: true).utf8))
        XCTAssertNotNil(parsed)
    }
}
