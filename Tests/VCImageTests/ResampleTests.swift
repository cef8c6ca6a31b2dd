import XCTest
@testable import VCImage

/// Resample.bicubic against Pillow's Image.resize(size, Image.BICUBIC) on 8-bit RGB.
final class ResampleTests: XCTestCase {
    func testMatchesPillowExactly() throws {
        let cases = Fixtures.section("resize")
        XCTAssertGreaterThanOrEqual(cases.count, 15)
        for name in cases.keys.sorted() {
            let input = try Fixtures.image("resize/\(name)_in.npy")
            let expected = try Fixtures.image("resize/\(name)_out.npy")
            let output = Resample.bicubic(input, width: expected.width, height: expected.height)
            XCTAssertEqual(maxDifference(output, expected), 0, name)
        }
    }

    /// Computing a window of the output gives the same bytes as resizing everything and
    /// cropping afterwards, including windows at the edges and single pixels.
    func testWindowEqualsResizeThenCrop() throws {
        let input = try Fixtures.image("resize/down_200x150_to_37x29_in.npy")
        for (width, height) in [(37, 29), (211, 160), (200, 61), (90, 150)] {
            let full = Resample.bicubic(input, width: width, height: height)
            for window in [PixelRect(x: 0, y: 0, width: width, height: height),
                           PixelRect(x: 3, y: 5, width: width / 2, height: height / 3),
                           PixelRect(x: width - 1, y: height - 1, width: 1, height: 1),
                           PixelRect(x: 0, y: height / 2, width: width, height: 1)] {
                let part = Resample.bicubic(input, width: width, height: height,
                                            croppingTo: window)
                XCTAssertEqual(part, crop(full, window), "\(width)x\(height) \(window)")
            }
        }
    }

    /// Pillow's coefficient arithmetic, checked on a case small enough to do by hand:
    /// 4 -> 2 halves the image, each output reads all 4 inputs with the kernel stretched x2.
    func testCoefficientsOfAHalving() {
        let table = ResampleCoefficients(inputSize: 4, outputSize: 2, outputs: 0 ..< 2)
        XCTAssertEqual(table.taps, 9)  // ceil(2 * 2) * 2 + 1
        XCTAssertEqual(table.first, [0, 0])
        XCTAssertEqual(table.count, [4, 4])
        // Output 0 is centred at 1.0; inputs 0...3 sit at (i + 0.5 - 1.0) / 2 = -0.25, 0.25,
        // 0.75, 1.25 in kernel units, weighing 0.8671875, 0.8671875, 0.2265625, -0.0703125
        // (sum 1.890625) before normalisation and rounding to 22 fractional bits.
        let expected = [0.8671875, 0.8671875, 0.2265625, -0.0703125].map { $0 / 1.890625 }
        let fixed = expected.map { v -> Int32 in
            Int32(v < 0 ? -0.5 + v * 4_194_304 : 0.5 + v * 4_194_304)
        }
        let weights = Array(table.weights[0 ..< 4])
        XCTAssertEqual(weights, fixed)
        XCTAssertEqual(fixed, [1_923_834, 1_923_834, 502_623, -155_987])
        XCTAssertEqual(weights.reduce(0, +), 4_194_304, accuracy: 2)
    }

    func testKernel() {
        XCTAssertEqual(ResampleCoefficients.bicubic(0), 1)
        XCTAssertEqual(ResampleCoefficients.bicubic(1), 0)
        XCTAssertEqual(ResampleCoefficients.bicubic(-2), 0)
        XCTAssertEqual(ResampleCoefficients.bicubic(0.5), 0.5625)     // (1.5*.5 - 2.5)*.25 + 1
        XCTAssertEqual(ResampleCoefficients.bicubic(1.5), -0.0625)    // ((1.5-5)*1.5+8)*1.5-4)*-.5
    }

    func testSameSizeIsACopy() throws {
        let input = try Fixtures.image("resize/same_20x10_in.npy")
        XCTAssertEqual(Resample.bicubic(input, width: 20, height: 10), input)
    }

    private func crop(_ image: RGBImage, _ r: PixelRect) -> RGBImage {
        var pixels = [UInt8]()
        for y in r.rows {
            let start = (y * image.width + r.x) * 3
            pixels += image.pixels[start ..< start + r.width * 3]
        }
        return RGBImage(width: r.width, height: r.height, pixels: pixels)
    }
}
