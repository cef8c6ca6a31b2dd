// VCCheckpoint
