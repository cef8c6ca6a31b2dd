// `Tensor` lives in VCTensor (no BLAS, so the renderer can use it alone); code that imports
// VCEngine sees it as before.
@_exported import VCTensor
