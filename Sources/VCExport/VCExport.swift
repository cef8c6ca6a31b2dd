// VCExport: views of one forward pass as PNG files, for slides, papers and lecture notes.
//
//   ExportSource    a recording and its Mamba analysis (VCRecording, shared with the explorer),
//                   class names, provenance (names, SHA-256)
//   ExportView      one view: channel sheet, one channel, scans, scan frames, hidden, attention, CAM
//   Exporter        draws views (VCRender's Canvas; VCStyle's colormaps, scales and names, as the screen)
//                   and writes <image>__<site>__<view>.png with a JSON sidecar (and .npy on request)
//   ViewSelector    the `--views` vocabulary of `vcview export`
//   SHA256          FIPS 180-4, for the sidecars' hashes (no CryptoKit on Linux)
//
// Output is deterministic: no timestamps, fixed zlib level, stable order, integer pixel arithmetic.
// See docs/export.md.
