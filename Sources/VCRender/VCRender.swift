// VCRender: tensors to RGB (colormaps, heatmaps), shared by the TUI and the PNG export
