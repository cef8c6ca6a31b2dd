#!/usr/bin/env python3
"""Fills .build-fuzz/seeds/<target>/ with the seed corpus of each fuzz target.

Seeds are the repository's own fixtures: valid files (so the fuzzer starts deep inside each
format) and the hostile ones (so it starts next to the checks). Only files up to 64 KiB are used
(the fuzzers run with -max_len=65536). For the pickle target, the `data.pkl` entries of the
torch zips are extracted with zipfile: that reads bytes, it never unpickles anything.
"""
import os
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "Tests" / "Fixtures"
OUT = ROOT / ".build-fuzz" / "seeds"
MAX = 65536


def files(patterns, limit=MAX):
    for pattern in patterns:
        for p in sorted(FIX.glob(pattern)):
            if p.is_file() and p.stat().st_size <= limit:
                yield p


def main():
    targets = {
        "zip": ["formats/*.pth", "formats/*.zip", "bad/*.pth", "hostile/*.pth", "hostile/*.zip"],
        "torch": ["formats/*.pth", "formats/*.zip", "formats/*.safetensors", "bad/*.pth",
                  "hostile/*.pth", "hostile/*.zip"],
        "safetensors": ["formats/*.safetensors", "bad/*.safetensors", "hostile/*.safetensors"],
        "npy": ["formats/*.npy", "preprocess/decode/one_pixel.npy", "hostile/*.npy"],
        "jpeg": ["preprocess/decode/*.jpg", "preprocess/hostile/*.jpg", "bad/*.jpg", "hostile/*.jpg"],
        "png": ["preprocess/decode/*.png", "preprocess/hostile/*.png", "bad/*.png", "hostile/*.png"],
    }
    if OUT.exists():
        shutil.rmtree(OUT)
    counts = {}
    for target, patterns in targets.items():
        d = OUT / target
        d.mkdir(parents=True)
        for p in files(patterns):
            shutil.copyfile(p, d / f"{p.parent.name}__{p.name}")
        counts[target] = len(os.listdir(d))
    # Pickles: data.pkl of every torch zip among the fixtures (any size up to MAX).
    d = OUT / "pickle"
    d.mkdir(parents=True)
    for p in files(["formats/*.pth", "bad/*.pth", "checkpoints/*.pth", "hostile/*.pth", "hostile/*.pkl"],
                   limit=1 << 24):
        if p.suffix == ".pkl":
            shutil.copyfile(p, d / f"{p.parent.name}__{p.name}")
            continue
        try:
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    if name.endswith("data.pkl"):
                        data = z.read(name)
                        if len(data) <= MAX:
                            (d / f"{p.parent.name}__{p.stem}.pkl").write_bytes(data)
        except Exception:
            pass  # hostile and truncated zips: not a source of pickles
    counts["pickle"] = len(os.listdir(d))
    for t, n in counts.items():
        print(f"{t}: {n} seeds")


if __name__ == "__main__":
    sys.exit(main())
