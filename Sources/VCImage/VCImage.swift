// VCImage
