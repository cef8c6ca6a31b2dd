/// The official evaluation preprocessing, the torchvision pipeline
///
///     Resize(int(size / 0.875), interpolation=BICUBIC)   # shorter side, PIL image
///     CenterCrop(size)
///     ToTensor()                                         # uint8 HWC -> float CHW / 255
///     Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
///
/// reproduced with torchvision's integer arithmetic for sizes and offsets, Pillow's resize
/// (`Resample.bicubic`) and float32 arithmetic in the same order as torch.
public enum EvalTransform {
    /// ImageNet statistics, per channel R, G, B, as float32 (torch converts them to the tensor's
    /// dtype before subtracting and dividing).
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// The shorter side before cropping: `int(size / 0.875)`, 256 for 224.
    public static func resizeSize(for size: Int) -> Int {
        Int(Double(size) / 0.875)
    }

    /// The size torchvision's `Resize(shorter)` gives a `width` x `height` image
    /// (`_compute_resized_output_size`): the shorter side becomes `shorter` (width when the
    /// sides are equal) and the other is `int(shorter * long / short)`, truncated.
    public static func shorterSideSize(width: Int, height: Int,
                                       shorter: Int) -> (width: Int, height: Int) {
        precondition(width > 0 && height > 0 && shorter > 0)
        let (short, long) = width <= height ? (width, height) : (height, width)
        // Python divides the exact integer product; it is exact in a Double for any image
        // within ImageLimits, and the division is correctly rounded in both.
        let newLong = Int(Double(shorter * long) / Double(short))
        return width <= height ? (shorter, newLong) : (newLong, shorter)
    }

    /// torchvision `Resize(shorter)` on a PIL image: Pillow bicubic to `shorterSideSize`, or the
    /// image itself when that is its size.
    public static func resizeShorterSide(_ image: RGBImage, to shorter: Int) -> RGBImage {
        let size = shorterSideSize(width: image.width, height: image.height, shorter: shorter)
        return Resample.bicubic(image, width: size.width, height: size.height)
    }

    /// Where torchvision's `center_crop` starts along one axis of length `length` for a crop of
    /// `crop`: `int(round((length - crop) / 2.0))`, and Python's round() goes to even on halves
    /// (an odd excess of 3 starts at 2, of 1 at 0). Negative when the crop is larger than the
    /// image: torchvision then pads with zeros, `(crop - length) // 2` before.
    public static func centerCropOffset(length: Int, crop: Int) -> Int {
        if crop > length { return -((crop - length) / 2) }
        return Int((Double(length - crop) / 2.0).rounded(.toNearestOrEven))
    }

    /// torchvision `CenterCrop(size)`: the centred `size` x `size` square, zero-padded where the
    /// image is smaller than the crop.
    public static func centerCrop(_ image: RGBImage, size: Int) -> RGBImage {
        precondition(size > 0, "crop size must be positive")
        let left = centerCropOffset(length: image.width, crop: size)
        let top = centerCropOffset(length: image.height, crop: size)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0 ..< size {
            let sourceY = y + top
            guard sourceY >= 0 && sourceY < image.height else { continue }
            for x in 0 ..< size {
                let sourceX = x + left
                guard sourceX >= 0 && sourceX < image.width else { continue }
                let from = (sourceY * image.width + sourceX) * 3
                let to = (y * size + x) * 3
                pixels[to] = image.pixels[from]
                pixels[to + 1] = image.pixels[from + 1]
                pixels[to + 2] = image.pixels[from + 2]
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    /// ToTensor + Normalize: CHW float32, `(v / 255 - mean[c]) / std[c]` with torch's float32
    /// operations in torch's order (divide, subtract, divide).
    public static func normalize(_ image: RGBImage) -> [Float] {
        let plane = image.width * image.height
        var tensor = [Float](repeating: 0, count: 3 * plane)
        for c in 0 ..< 3 {
            let m = mean[c], s = std[c]
            for i in 0 ..< plane {
                let value = Float(image.pixels[i * 3 + c]) / 255
                tensor[c * plane + i] = (value - m) / s
            }
        }
        return tensor
    }

    /// The whole pipeline. `cropped` is the `size` x `size` RGB image after resize and crop
    /// (what torchvision's ToTensor receives); `tensor` is its (3, size, size) normalised form.
    /// Only the cropped part of the resized image is computed.
    public static func apply(_ image: RGBImage,
                             size: Int = 224) -> (tensor: [Float], cropped: RGBImage) {
        precondition(size > 0, "crop size must be positive")
        let resized = shorterSideSize(width: image.width, height: image.height,
                                      shorter: resizeSize(for: size))
        let window = PixelRect(x: centerCropOffset(length: resized.width, crop: size),
                               y: centerCropOffset(length: resized.height, crop: size),
                               width: size, height: size)
        let cropped: RGBImage
        if window.x >= 0 && window.y >= 0 {
            cropped = Resample.bicubic(image, width: resized.width, height: resized.height,
                                       croppingTo: window)
        } else {
            // Not reached with int(size / 0.875) >= size, kept for other resize sizes.
            cropped = centerCrop(resizeShorterSide(image, to: resizeSize(for: size)), size: size)
        }
        return (normalize(cropped), cropped)
    }
}
