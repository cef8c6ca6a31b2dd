"""Gradient parity of seeded VCMamba-S/M/B against PyTorch autograd, at 224 and a second size.

    /work/venv/bin/python tools/reference/variant_gradient_parity.py                 # S M B at 224 and 160
    /work/venv/bin/python tools/reference/variant_gradient_parity.py --write-fixtures
    /work/venv/bin/python tools/reference/variant_gradient_parity.py --vcview .build/release/vcview
    /work/venv/bin/python tools/reference/variant_gradient_parity.py --variants M --sizes 256

For each variant, size and objective (logit 1; VMamba's ERF objective at network.6, as
`GradientObjective` in Swift) the seeded model (docs/seeded-weights.md, seed 0) runs in float64 and
autograd gives dL/d input. The script prints, per case, how far PyTorch's own float32 gradient is
from it, and — with --vcview — how far vcview's ERF map (`vcview erf --variant V --seeded-inputs 1
--size N`, the full map Σ_c |dL/dx|) is from autograd's. vcview's logit gradient is checked by the
XCTest `GradientVariantFixtureTests` against the compact fixtures this script writes.

--write-fixtures writes Tests/Fixtures/gradient_variants/{S,M,B}.json: the full input gradient is
150 528 floats at 224, so each case keeps what a test needs to fail on a wrong gradient and no more:
the maximum |dL/dx| and its index, ‖dL/dx‖₂, dL/dx at 256 sampled indices (numpy default_rng(0)
plus the argmax) and the ERF map Σ_c |dL/dx| summed over 8 × 8 pixel blocks, all at 7 significant
digits. The logit cases also record central differences of the float64 forward at the 4 largest
|dL/dx|; the script stops if autograd disagrees with them (see docs/gradients.md for why).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import seeded  # noqa: E402
import vcmamba_ref as ref  # noqa: E402
from make_fixtures import FIX  # noqa: E402

SAMPLES = 256
BLOCK = 8
CENTRAL = 4
LOGIT = 1
ERF_SITE = "network.6"


def loss_of(model, x: torch.Tensor, kind: str) -> torch.Tensor:
    if kind == "logit":
        return model(x)[0, LOGIT]
    rec = {}
    ref._put = lambda r, name, t: r.__setitem__(name, t) if r is not None and name == ERF_SITE else None
    try:
        model(x, rec)
    finally:
        ref._put = PUT
    t = rec[ERF_SITE]
    return F.relu(t[0, :, t.shape[2] // 2, t.shape[3] // 2]).sum()


def input_gradient(model, x: np.ndarray, kind: str, dtype) -> tuple[float, np.ndarray]:
    m = model.to(dtype)
    xin = torch.from_numpy(x).to(dtype).requires_grad_(True)
    loss = loss_of(m, xin, kind)
    loss.backward()
    return float(loss.detach()), xin.grad.detach().double().numpy()


def erf_blocks(g: np.ndarray) -> np.ndarray:
    m = np.abs(g).sum(1)[0]
    h, w = m.shape
    return m.reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).sum((1, 3))


def g7(v) -> list:
    return [float(f"{float(t):.7g}") for t in np.ravel(v)]


def central_differences(model, x: np.ndarray, idx, step=1e-5) -> list:
    m = model.to(torch.float64)
    out = []
    with torch.no_grad():
        for i in idx:
            xp = torch.from_numpy(x).double().reshape(-1).clone(); xp[i] += step
            xm = torch.from_numpy(x).double().reshape(-1).clone(); xm[i] -= step
            out.append(float((m(xp.reshape(x.shape))[0, LOGIT] - m(xm.reshape(x.shape))[0, LOGIT]) / (2 * step)))
    return out


def vcview_erf(binary: str, variant: str, size: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([binary, "erf", "--variant", variant, "--seeded-inputs", "1", "--size", str(size),
                        "--site", ERF_SITE, "--out", d], check=True, stdout=subprocess.DEVNULL)
        return np.load(Path(d) / f"erf_{ERF_SITE}.npy").astype(np.float64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", nargs="+", default=["S", "M", "B"], choices=["S", "M", "B"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[224, 160])
    ap.add_argument("--write-fixtures", action="store_true", help="write Tests/Fixtures/gradient_variants/V.json")
    ap.add_argument("--vcview", help="a vcview binary: compare its ERF maps with autograd's")
    a = ap.parse_args()
    for s in a.sizes:
        if s % 32 or s < 64:
            sys.exit(f"--sizes: {s} is not a multiple of 32 from 64 up")
    torch.manual_seed(0)
    worst = 0.0
    for v in a.variants:
        model = ref.VCMamba.preset(v).eval()
        model.load_state_dict(seeded.seeded_state_dict(model, 0), strict=True)
        cases = {}
        for size in a.sizes:
            x = seeded.seeded_input(0, size, size)
            for kind in ("logit", "erf"):
                t0 = time.time()
                model.zero_grad(set_to_none=True)
                value, g = input_gradient(model, x, kind, torch.float64)
                model.zero_grad(set_to_none=True)
                _, g32 = input_gradient(model, x, kind, torch.float32)
                amax = int(np.abs(g).argmax())
                scale = float(np.abs(g).max())
                idx = np.random.default_rng(0).choice(g.size, SAMPLES, replace=False).tolist() + [amax]
                case = dict(objective=kind, arg=LOGIT if kind == "logit" else ERF_SITE, size=size, value=value,
                            max_abs=scale, argmax=amax, l2=float(np.sqrt((g ** 2).sum())),
                            indices=[int(i) for i in idx], values=g7(g.reshape(-1)[idx]),
                            erf_block=BLOCK, erf_blocks=g7(erf_blocks(g)),
                            pytorch_float32_relative_error=float(np.abs(g32 - g).max() / scale))
                line = f"{v} {size} {kind:5s}: L = {value:.6g}, PyTorch float32 vs float64 {case['pytorch_float32_relative_error']:.1e}"
                if kind == "logit":
                    top = np.argsort(-np.abs(g.reshape(-1)))[:CENTRAL].tolist()
                    fd = central_differences(model, x, top)
                    gap = float(np.abs(np.array(fd) - g.reshape(-1)[top]).max() / scale)
                    case["central_differences"] = dict(step=1e-5, indices=top, values=fd, autograd_relative_gap=gap)
                    line += f", autograd vs central differences {gap:.1e}"
                    if gap > 1e-6:
                        sys.exit(f"{v} {size}: autograd and central differences disagree ({gap:.2e} relative)")
                if a.vcview and kind == "erf":
                    mine = vcview_erf(a.vcview, v, size)
                    ref_map = np.abs(g).sum(1)[0]
                    err = float(np.abs(mine - ref_map).max() / np.abs(ref_map).max())
                    worst = max(worst, err)
                    line += f", vcview ERF map vs autograd {err:.1e} relative"
                model.to(torch.float32)
                print(line + f"  ({time.time() - t0:.0f} s)", flush=True)
                cases[f"{kind}_{size}"] = case
        if a.write_fixtures:
            out = FIX / "gradient_variants"
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{v}.json").write_text(json.dumps(dict(variant=v, weights_seed=0, input_seed=0, cases=cases)) + "\n")
    if a.vcview:
        print(f"worst vcview ERF map error: {worst:.1e} relative (tolerance 1e-4)")
        if worst > 1e-4:
            sys.exit(1)


PUT = ref._put

if __name__ == "__main__":
    main()
