// VCImage: reading photos and turning them into the network's input, the way the official
// evaluation does it (PIL + torchvision), bit for bit where that is possible.
//
//   ImageDecoder     JPEG / PNG bytes -> RGBImage (8-bit RGB), Pillow's convert("RGB") semantics
//   Resample         Pillow's Image.resize(..., BICUBIC), same fixed-point arithmetic
//   EvalTransform    Resize(int(size / 0.875)) -> CenterCrop(size) -> ToTensor -> Normalize
//   PNGWriter        deterministic PNG export
//
// The codecs themselves live in the C target CCodecs (libjpeg and libpng report errors with
// longjmp, which Swift cannot host).
