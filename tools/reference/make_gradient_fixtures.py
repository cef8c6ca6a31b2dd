"""Gradient fixtures for the engine's reverse pass (Tests/Fixtures/gradients/), by PyTorch autograd.

    /work/venv/bin/python tools/reference/make_gradient_fixtures.py              # tiny fixtures
    /work/venv/bin/python tools/reference/make_gradient_fixtures.py --variant S --out /tmp/g  # seeded S/M/B, not committed

The reference model runs in float64 (gradients saved as float32), so the fixture is the exact
gradient up to float32 rounding; each case also records how far PyTorch's own float32 gradient is
from it. Site gradients come from `retain_grad` on the tensors the reference model records (only
sites on the computation path: `*.dt`, `*.B`, `*.C`, `*.y*` are recorded as re-laid copies and have
no gradient here; the engine's tests check those by central differences).

Central differences: each logit case also stores central differences of the float64 forward at
48 sampled inputs next to autograd's values there, and this script stops if they disagree. (They
did before vcmamba_ref.BatchNorm2d: torch 2.13.0's CPU BatchNorm2d backward misreads an N = 1
channels-last gradient whose batch stride is C, which the head's flatten/transpose hands down;
every gradient below the last layer was wrong for the logit objectives. See docs/gradients.md
and tools/reference/torch_bn_grad_repro.py.)

Objectives (as `GradientObjective` in Swift):
  logit K      L = logits[0, K]
  erf SITE     L = sum_c relu(SITE[0, c, H // 2, W // 2])   (VMamba's effective-receptive-field recipe)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import seeded  # noqa: E402
import vcmamba_ref as ref  # noqa: E402
from make_fixtures import FIX, TINY, TINY_SEED, tiny_model  # noqa: E402

# Sites whose gradient is saved (those present for a given objective; small ones only).
SITES = ["patch_embed", "network.1", "network.2.0.mlp.act.0", "network.4.1", "network.5.norm", "pos_embed",
         "network.6.0.mlp.mid_norm", "network.6.1.norm", "network.6.1.mamba.u", "network.6.1.mamba.x_proj",
         "network.6.1.mamba.dt_proj", "network.6.1.mamba.in_conv.0", "network.6.2.mamba.norm",
         "network.6.2.mamba", "network.6.2.norm2", "network.6", "norm", "pool"]


def live_put(rec, name, x):
    """Replaces vcmamba_ref._put: keeps the live tensor so its .grad can be read after backward."""
    if rec is not None:
        if x.requires_grad:
            x.retain_grad()
        rec[name] = x


def objective(kind: str, arg, rec, logits):
    if kind == "logit":
        return logits[0, arg]
    t = rec[arg]
    return F.relu(t[0, :, t.shape[2] // 2, t.shape[3] // 2]).sum()


def gradients(model, x: np.ndarray, kind: str, arg, dtype):
    ref._put = live_put
    try:
        m = model.to(dtype)
        xin = torch.from_numpy(x).to(dtype).requires_grad_(True)
        rec = {}
        logits = m(xin, rec)
        loss = objective(kind, arg, rec, logits)
        loss.backward()
        grads = {n: rec[n].grad.detach().clone() for n in SITES if n in rec and rec[n].grad is not None}
        pe = m.pos_embed.grad.detach().clone() if m.pos_embed.grad is not None else None
        return float(loss.detach()), xin.grad.detach().clone(), grads, pe
    finally:
        ref._put = ref.__dict__["_put_original"]


def case(model, x, name, kind, arg, out: Path, full_input=True, sites=True, skip=()):
    model.zero_grad(set_to_none=True)
    value, gin, grads, pe = gradients(model, x, kind, arg, torch.float64)
    model.zero_grad(set_to_none=True)
    v32, gin32, _, _ = gradients(model, x, kind, arg, torch.float32)
    model.to(torch.float32)
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    files = {}
    if full_input:
        np.save(d / "input.npy", gin.numpy().astype(np.float32)); files["input"] = "input.npy"
    else:  # the ERF map alone, sum_c |dL/dx| (H, W): a third of the size
        erf = gin.abs().sum(1)[0]
        np.save(d / "erf.npy", erf.numpy().astype(np.float32)); files["erf"] = "erf.npy"
    if sites:
        for n, g in grads.items():
            if n in skip:
                continue
            np.save(d / f"{n}.npy", g.numpy().astype(np.float32)); files[n] = f"{n}.npy"
    if pe is not None:
        np.save(d / "pos_embed.param.npy", pe.numpy().astype(np.float32)); files["pos_embed.param"] = "pos_embed.param.npy"
    rel32 = float((gin32.double() - gin).abs().max() / gin.abs().max())
    meta = dict(objective=kind, arg=arg, value=value, input_shape=list(x.shape), files=files,
                float32_input_gradient_relative_error=rel32)
    if kind == "logit":
        # Central differences of the float64 forward at sampled input values: autograd must agree.
        idx = np.random.default_rng(0).choice(x.size, 48, replace=False)
        m64 = model.to(torch.float64)
        fd = []
        with torch.no_grad():
            for i in idx:
                xp = torch.from_numpy(x).double().reshape(-1).clone(); xp[i] += 1e-5
                xm = torch.from_numpy(x).double().reshape(-1).clone(); xm[i] -= 1e-5
                fd.append(float((m64(xp.reshape(x.shape))[0, arg] - m64(xm.reshape(x.shape))[0, arg]) / 2e-5))
        model.to(torch.float32)
        ag = gin.reshape(-1)[torch.as_tensor(idx)].numpy()
        meta["central_differences"] = dict(step=1e-5, indices=[int(i) for i in idx], values=fd,
                                           autograd_values=[float(v) for v in ag])
        gap = float(np.abs(np.array(fd) - ag).max() / np.abs(fd).max())
        meta["central_differences"]["autograd_relative_gap"] = gap
        print(f"{name}: autograd vs central differences at 48 inputs: {gap:.2e} relative (max |fd| {np.abs(fd).max():.3e})")
        if gap > 1e-6:
            sys.exit(f"{name}: autograd and central differences disagree ({gap:.2e} relative)")
    (d / "case.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{name}: L = {value:.6g}, {len(files)} gradients, PyTorch float32 vs float64 input gradient {rel32:.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=["S", "M", "B"], help="seeded S/M/B at 224 instead of the tiny fixtures")
    ap.add_argument("--out", type=Path, help="output folder (default Tests/Fixtures/gradients)")
    a = ap.parse_args()
    ref.__dict__.setdefault("_put_original", ref._put)
    torch.manual_seed(0)
    if a.variant:
        out = a.out or Path("/tmp/vcview-gradients") / a.variant
        model = ref.VCMamba.preset(a.variant).eval()
        model.load_state_dict(seeded.seeded_state_dict(model, 0), strict=True)
        from safetensors.torch import save_file
        out.mkdir(parents=True, exist_ok=True)
        save_file(model.state_dict(), str(out / "weights.safetensors"))
        x = seeded.seeded_input(0, 224, 224)
        np.save(out / "input.npy", x)
        case(model, x, "logit", "logit", 1, out, sites=False)
        case(model, x, "erf", "erf", "network.6", out, sites=False)
        return
    out = a.out or FIX / "gradients"
    model = tiny_model()
    x = seeded.seeded_input(TINY_SEED, TINY["resolution"], TINY["resolution"])
    # At 160 (the native size) the input gradient is kept as its ERF map, and stage 1-2 sites are
    # left to the smaller size, to keep the committed files small.
    large = ("patch_embed", "network.1", "network.2.0.mlp.act.0")
    case(model, x, "logit3_160", "logit", 3, out, full_input=False, skip=large)
    case(model, x, "erf_network.6_160", "erf", "network.6", out, full_input=False, sites=False)
    # A second size: 64 x 96 (the top-left crop of the same input), stage-4 grid 2 x 3, pos_embed resized.
    x2 = np.ascontiguousarray(x[:, :, :64, :96])
    case(model, x2, "logit7_64x96", "logit", 7, out, skip=large[::2])
    case(model, x2, "erf_network.6_64x96", "erf", "network.6", out, skip=large[::2])
    case(model, x2, "erf_network.4_64x96", "erf", "network.4", out, full_input=False, sites=False)


if __name__ == "__main__":
    main()
