import Foundation
import VCImage

/// iTerm2's inline images: a PNG file, base64, in OSC 1337, shown at its pixel size.
enum ITermEncoder {
    static func encode(rgb: [UInt8], width: Int, height: Int) -> String {
        guard let png = try? PNGWriter.encode(RGBImage(width: width, height: height, pixels: rgb)) else { return "" }
        return "\u{1B}]1337;File=inline=1;size=\(png.count);width=\(width)px;height=\(height)px;preserveAspectRatio=0:"
            + Data(png).base64EncodedString() + "\u{07}"
    }
}
