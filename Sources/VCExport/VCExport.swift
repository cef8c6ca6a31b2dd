// VCExport: views as PNG files
