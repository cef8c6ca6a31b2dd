// VCScenes: procedural scenes of the demo model (see tools/train/SCENES.md)
