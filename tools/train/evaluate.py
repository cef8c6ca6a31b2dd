"""Measures the bundled demo model on freshly rendered scenes and writes the demo images.

Loads the safetensors file into the unmodified reference model (tools/reference/vcmamba_ref.py,
eval mode, its own batched scan) with strict key matching, runs vcview's eval transform (Pillow
bicubic resize to 256, centre crop 224, ImageNet mean/std) on scenes of seeds that training never
used, and prints overall and per-class accuracy and the confusion matrix.

    /work/venv/bin/python tools/train/evaluate.py assets/vcmamba-demo.safetensors --n 2000 \
        --write-scenes assets/scenes
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, HERE)

from vcmamba_ref import VCMamba  # noqa: E402
import scenes  # noqa: E402
from train import eval_transform  # noqa: E402

EVAL_SEED, SWIFT_TEST_SEED, DEMO_SEED = 3, 4, 5


def load(path: str) -> VCMamba:
    from safetensors import safe_open
    from safetensors.torch import load_file
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    cfg = json.loads(meta["config"])
    model = VCMamba(cfg["depths"], cfg["widths"], cfg["n_mamba"], cfg["num_classes"], cfg["resolution"])
    sd = load_file(path)
    model.load_state_dict(sd, strict=True)
    assert json.loads(meta["classes"]) == scenes.CLASS_NAMES, "class names differ from scenes.py"
    return model.eval()


@torch.no_grad()
def predict(model: VCMamba, seed: int, indices, bs: int = 100):
    labels, probs = [], []
    idx = list(indices)
    for i in range(0, len(idx), bs):
        chunk = idx[i:i + bs]
        batch = [scenes.render(seed, k) for k in chunk]
        x = torch.stack([eval_transform(p) for _, p in batch])
        probs.append(torch.softmax(model(x), 1))
        labels.extend(l for l, _ in batch)
    return torch.tensor(labels), torch.cat(probs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("--n", type=int, default=2000, help="held-out scenes of seed 3")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--write-scenes", default="", help="folder for <class>.png demo images (seed 5)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load(args.weights)
    names = scenes.CLASS_NAMES
    K = len(names)

    t0 = time.time()
    y, p = predict(model, EVAL_SEED, range(args.n))
    pred = p.argmax(1)
    acc = (pred == y).float().mean().item()
    print(f"held-out accuracy (seed {EVAL_SEED}, {args.n} scenes, eval transform): {acc:.4f} "
          f"({int((pred == y).sum())}/{args.n}) in {time.time() - t0:.0f}s")
    conf = np.zeros((K, K), dtype=int)
    for a, b in zip(y.tolist(), pred.tolist()):
        conf[a, b] += 1
    print("per-class accuracy:")
    for k in range(K):
        print(f"  {names[k]:10s} {conf[k, k] / conf[k].sum():.4f} ({conf[k, k]}/{conf[k].sum()})")
    print("confusion (rows: true, columns: predicted):")
    print("            " + " ".join(f"{n[:5]:>5s}" for n in names))
    for k in range(K):
        print(f"  {names[k]:10s}" + " ".join(f"{v:5d}" for v in conf[k]))

    ys, ps = predict(model, SWIFT_TEST_SEED, range(200))
    print(f"seed {SWIFT_TEST_SEED} (the Swift test's 200 scenes): "
          f"{(ps.argmax(1) == ys).float().mean().item():.4f}, "
          f"wrong: {[i for i in range(200) if ps[i].argmax() != ys[i]]}")

    if args.write_scenes:
        os.makedirs(args.write_scenes, exist_ok=True)
        index_lines = ["# <file> seed <seed> index <index>: SceneGenerator.render(seed:index:size: 224), "
                       "written by tools/train/evaluate.py"]
        for k in range(K):
            # The first scene of class k in the demo stream that the model gets right.
            for j in range(50):
                index = k + K * j
                label, pix = scenes.render(DEMO_SEED, index)
                probs = torch.softmax(model(eval_transform(pix)[None]), 1)[0]
                if int(probs.argmax()) == label:
                    break
                print(f"  demo: skipped seed {DEMO_SEED} index {index} ({names[k]}, "
                      f"predicted {names[int(probs.argmax())]})")
            path = os.path.join(args.write_scenes, f"{names[k]}.png")
            Image.fromarray(pix).save(path, optimize=True)
            print(f"  {path}: seed {DEMO_SEED} index {index}, p({names[k]}) = {probs[label]:.3f}")
            index_lines.append(f"{names[k]}.png seed {DEMO_SEED} index {index}")
        with open(os.path.join(args.write_scenes, "INDEX.txt"), "w") as f:
            f.write("\n".join(index_lines) + "\n")


if __name__ == "__main__":
    main()
