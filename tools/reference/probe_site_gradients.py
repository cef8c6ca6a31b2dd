"""Autograd against central differences at every module output of the reference (float64).

    /work/venv/bin/python tools/reference/probe_site_gradients.py [--class 3] [--size 64 96] [--sequential]

For each module output o (depth <= 3 in named_modules), with v random normal: autograd's
<dL/do, v> against (L(o + eps v) - L(o - eps v)) / (2 eps), the perturbation added by a forward
hook; L = logits[0, class] of the tiny model on (a crop of) the tiny input. A wrong reverse shows
as MISMATCH from the first module whose gradient is off downwards. This found the torch 2.13
BatchNorm backward bug of docs/gradients.md.
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seeded  # noqa: E402
from make_fixtures import TINY, TINY_SEED, tiny_model  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--class", dest="k", type=int, default=3)
ap.add_argument("--size", type=int, nargs=2, default=[64, 96], metavar=("H", "W"))
ap.add_argument("--sequential", action="store_true", help="the sequential scan instead of the batched one")
a = ap.parse_args()
torch.set_num_threads(2)
m = tiny_model().double()
m.set_fast_scan(not a.sequential)
H, W = a.size
x = torch.from_numpy(seeded.seeded_input(TINY_SEED, TINY["resolution"], TINY["resolution"])[:, :, :H, :W].copy()).double()
mods = {n: mod for n, mod in m.named_modules() if n and n.count(".") <= 3}
pert, outs = {}, {}


def hook(name):
    def h(mod, inp, out):
        if name in pert:
            out = out + pert[name]
        if torch.is_grad_enabled() and out.requires_grad:
            out.retain_grad()
        outs[name] = out
        return out
    return h


for n, mod in mods.items():
    mod.register_forward_hook(hook(n))
xg = x.clone().requires_grad_(True)
m(xg)[0, a.k].backward()
grads = {n: o.grad for n, o in outs.items() if o.grad is not None}
rng = torch.Generator().manual_seed(0)
eps = 1e-6
bad = 0
for n in [n for n in mods if n in grads]:
    v = torch.randn(grads[n].shape, generator=rng, dtype=torch.float64)
    with torch.no_grad():
        pert.clear(); pert[n] = eps * v; lp = m(x)[0, a.k].item()
        pert[n] = -eps * v; lm = m(x)[0, a.k].item(); pert.clear()
    fd, ag = (lp - lm) / (2 * eps), (grads[n] * v).sum().item()
    off = abs(fd - ag) > 1e-5 * (abs(fd) + 1e-3)
    bad += off
    print(f"{n:32s} autograd {ag: .9e}  central differences {fd: .9e}{'   <-- MISMATCH' if off else ''}")
v = torch.randn(x.shape, generator=rng, dtype=torch.float64)
with torch.no_grad():
    fd = (m(x + eps * v)[0, a.k].item() - m(x - eps * v)[0, a.k].item()) / (2 * eps)
print(f"{'input':32s} autograd {(xg.grad * v).sum().item(): .9e}  central differences {fd: .9e}")
print(f"{bad} of {len(grads)} module outputs disagree")
