"""Writes the Python-rendered reference scenes that Tests/VCViewTests/ScenesTests.swift compares
the Swift generator against: raw RGB bytes (row-major, interleaved), no header, named
seed<seed>-index<index>-size<size>.u8 so the test knows what to render.

    /work/venv/bin/python tools/train/make_scene_fixtures.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import scenes  # noqa: E402

# (seed, index, size): ring on stripes, cross on a gradient, crescent on value noise; three sizes.
CASES = [(7, 15, 224), (7, 4, 112), (11, 46, 96)]

if __name__ == "__main__":
    out_dir = os.path.join(ROOT, "Tests", "Fixtures", "scenes")
    os.makedirs(out_dir, exist_ok=True)
    for seed, index, size in CASES:
        label, pix = scenes.render(seed, index, size)
        path = os.path.join(out_dir, f"seed{seed}-index{index}-size{size}.u8")
        with open(path, "wb") as f:
            f.write(pix.tobytes())
        u = scenes.uniforms(seed, f"scene/{index}", 1)[0]
        print(f"{path}: {scenes.CLASS_NAMES[label]}, background kind {min(int(u * 5), 4)}")
