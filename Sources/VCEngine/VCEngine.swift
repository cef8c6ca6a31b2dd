// VCEngine
