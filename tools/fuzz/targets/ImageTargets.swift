// Fuzz targets for VCImage's decoders (built with Sources/VCImage/*.swift and the CCodecs C
// sources, see ../build.sh). Targets:
//   jpeg  ImageDecoder.decode on bytes (libjpeg-turbo behind the setjmp wrapper)
//   png   the same for PNG (libpng behind its setjmp wrapper)
// The two differ only in their seed corpora: both go through format sniffing, so a mutation
// that turns one into the other is still exercised. A decoded image is also run through the
// eval transform (resize + crop), as `vcview predict` does. Every input must decode or fail with
// a one-line ImageError.
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    chooseTarget(argv.pointee[0], known: ["jpeg", "png"])
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Array(UnsafeRawBufferPointer(start: start, count: count))
    do {
        let image = try ImageDecoder.decode(data: data, name: "fuzz.img")
        if image.width < 1 || image.height < 1 || image.pixels.count != image.width * image.height * 3 {
            finding("decoded a \(image.width)x\(image.height) image with \(image.pixels.count) bytes")
        }
        // Small images only: the transform's cost is not what is being fuzzed.
        if image.width * image.height <= 1 << 16 {
            let (tensor, _) = EvalTransform.apply(image, size: 32)
            if tensor.count != 3 * 32 * 32 { finding("eval transform gave \(tensor.count) values") }
        }
    } catch let e as ImageError {
        checkOneLine(e.description)
    } catch {
        finding("an error that is not an ImageError: \(error)")
    }
    return 0
}
