import Foundation
import XCTest
import VCTestSupport
import VCCheckpoint
import VCEngine
import VCImage
import VCRecording
import VCRender
@testable import VCExport

enum Paths {
    static func repo(_ p: String) -> String { Repository.path(p) }
    static let tinyWeights = repo("Tests/Fixtures/tiny/weights.safetensors")
    static let tinyInput = repo("Tests/Fixtures/tiny/input.npy")
    static let photo = repo("assets/images/chelsea.png")

    /// A fresh empty directory under the system temporary directory.
    static func scratch(_ name: String) throws -> String { try Repository.scratch("export-" + name) }
}

/// The tiny fixture model on the demo photo at 160×160, run once for every test.
enum TinyRun {
    static let model: VCMambaModel = {
        let loaded = try! CheckpointLoader.load(path: Paths.tinyWeights)
        return try! VCMambaModel(parameters: try! ParameterSet(loaded.stateDict))
    }()

    static let source: ExportSource = {
        let image = try! ImageDecoder.decode(path: Paths.photo)
        let (tensor, cropped) = EvalTransform.apply(image, size: 160)
        let provenance = try! Provenance.files(image: Paths.photo, checkpoint: Paths.tinyWeights,
                                              model: "tiny fixture", version: "test")
        return try! ExportSource.run(model: model, input: Tensor(shape: [1, 3, 160, 160], data: tensor), picture: Picture(cropped),
                                     labels: [], provenance: provenance)
    }()

    static func exporter() -> Exporter { Exporter(source: source) }
}

/// A written PNG, decoded with libpng, with its IHDR fields and its sidecar.
struct Written {
    let image: RGBImage
    let bitDepth: Int
    let colorType: Int
    let sidecar: [String: Any]

    init(_ png: String) throws {
        image = try ImageDecoder.decode(path: png)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR")
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        XCTAssertEqual(be32(16), image.width)
        XCTAssertEqual(be32(20), image.height)
        bitDepth = Int(bytes[24]); colorType = Int(bytes[25])
        let json = String(png.dropLast(4)) + ".json"
        sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
    }

    func pixel(_ x: Int, _ y: Int) -> RGB8 { RGB8(image[x, y, 0], image[x, y, 1], image[x, y, 2]) }

    func rect(_ key: String) throws -> (x: Int, y: Int, width: Int, height: Int) {
        let layout = try XCTUnwrap(sidecar["layout"] as? [String: Any])
        return try Written.rect(XCTUnwrap(layout[key] as? [String: Any]))
    }

    static func rect(_ r: [String: Any]) throws -> (x: Int, y: Int, width: Int, height: Int) {
        (try XCTUnwrap(r["x"] as? Int), try XCTUnwrap(r["y"] as? Int), try XCTUnwrap(r["width"] as? Int), try XCTUnwrap(r["height"] as? Int))
    }

    var tiles: [[String: Any]] { ((sidecar["layout"] as? [String: Any])?["tiles"] as? [[String: Any]]) ?? [] }

    var scale: [String: Any] { (sidecar["scale"] as? [String: Any]) ?? [:] }
}

func number(_ any: Any?) -> Float { Float((any as? NSNumber)?.doubleValue ?? .nan) }
