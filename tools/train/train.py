"""Trains vcview's bundled demo model: a small VCMamba on procedurally rendered scenes.

The model is the engine's PyTorch reference (tools/reference/vcmamba_ref.py), so the saved
state_dict has the official key names and loads in vcview like any official checkpoint. The data is
an endless stream of fresh scenes from tools/train/scenes.py (spec: tools/train/SCENES.md); no
dataset is stored. CPU only; deterministic from its seeds (up to PyTorch's CPU kernels).

    /work/venv/bin/python tools/train/train.py --steps 1200 --out assets/vcmamba-demo.safetensors

Validation uses the exact eval transform of vcview (Pillow bicubic resize of the shorter side to
256, centre crop 224, ImageNet mean/std) on scenes of a seed that training never sees.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, HERE)

import vcmamba_ref  # noqa: E402
from vcmamba_ref import VCMamba, MambaMixer  # noqa: E402
import scenes  # noqa: E402

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
TRAIN_SEED = 1          # the training stream; scene k of step s is index s * batch + k
VAL_SEED = 2            # held-out scenes for validation during training
# Seeds 3 and up are never used here: evaluate.py (3), the Swift test (4), assets/scenes (5).


def eval_transform(pixels: np.ndarray, size: int = 224) -> torch.Tensor:
    """vcview's eval transform of one uint8 (H, W, 3) image: Pillow bicubic resize of the shorter
    side to int(size / 0.875) = 256, centre crop `size`, ImageNet normalisation -> (3, size, size)."""
    img = Image.fromarray(pixels)
    w, h = img.size
    short = int(size / 0.875)
    if w <= h:
        nw, nh = short, int(short * h / w)
    else:
        nw, nh = int(short * w / h), short
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - MEAN[0]) / STD[0]


def eval_batch(pixels: np.ndarray) -> torch.Tensor:
    return torch.stack([eval_transform(p) for p in pixels])


def train_batch(pixels: np.ndarray, gen: torch.Generator) -> torch.Tensor:
    """Training augmentation that covers the eval transform: one random upscale s in [1, 1.3]
    per batch (bicubic), a centre crop with a small random shift, random horizontal flips."""
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255.0      # (b, 3, 224, 224)
    b, _, H, W = x.shape
    s = 1.0 + 0.3 * float(torch.rand(1, generator=gen))
    n = int(round(H * s))
    if n > H:
        x = F.interpolate(x, size=(n, n), mode="bicubic", align_corners=False).clamp_(0, 1)
        slack = n - H
        jit = int(slack // 4)
        oy = slack // 2 + int(torch.randint(-jit, jit + 1, (1,), generator=gen)) if jit else slack // 2
        ox = slack // 2 + int(torch.randint(-jit, jit + 1, (1,), generator=gen)) if jit else slack // 2
        x = x[:, :, oy:oy + H, ox:ox + W]
    flip = torch.rand(b, generator=gen) < 0.5
    x[flip] = x[flip].flip(-1)
    return (x - MEAN) / STD


def four_scans_train(u, delta, A, B, C, D, direction_Bs, orders, inverses, dirs, return_h=False):
    """The reference's four_scans_fast, rearranged for a cheap backward pass (same arithmetic).

    four_scans_fast indexes big (b, K, L, E, N) tensors step by step and writes the states into a
    preallocated buffer; autograd then materialises a full-size gradient for every step (O(L^2)
    memory traffic). Here each step works on per-step slices (unbind) and contracts with C at
    once, so the backward pass is O(L). Checked against four_scans_fast in check_scan()."""
    assert not return_h
    b, L, E = u.shape
    K = len(orders)
    o = torch.as_tensor(orders, device=u.device)
    inv = torch.as_tensor(inverses, device=u.device)
    d = torch.as_tensor(dirs, device=u.device)
    uk = u[:, o]                                              # (b, K, L, E)
    Bk = B[:, None] + direction_Bs[d]                         # (b, K, L, N)
    du = delta[:, None] * uk                                  # (b, K, L, E)
    decays = torch.exp(delta[..., None] * A).unbind(1)        # L x (b, E, N), shared by all K
    dus, Bks, Cs = du.unbind(2), Bk.unbind(2), C.unbind(1)
    h = u.new_zeros(b, K, E, A.shape[1])
    ys = []
    for t in range(L):
        h = decays[t][:, None] * h + dus[t][..., None] * Bks[t][:, :, None, :]
        ys.append(torch.einsum("bken,bn->bke", h, Cs[t]))
    y = torch.stack(ys, 2) + D * uk                           # (b, K, L, E)
    y = torch.gather(y, 2, inv[None, :, :, None].expand(b, K, L, E))
    return list(y.unbind(1))


def check_scan() -> None:
    """four_scans_train must agree with the reference's four_scans_fast."""
    g = torch.Generator().manual_seed(0)
    b, h, w, E, N = 2, 7, 7, 12, 16
    L = h * w
    u = torch.randn(b, L, E, generator=g)
    delta = F.softplus(torch.randn(b, L, E, generator=g))
    A = -torch.rand(E, N, generator=g) * 4
    B, C = torch.randn(b, L, N, generator=g), torch.randn(b, L, N, generator=g)
    D, dB = torch.randn(E, generator=g), torch.randn(5, N, generator=g)
    orders, inverses, dirs = vcmamba_ref.scan_orders(h, w)
    ref = vcmamba_ref.four_scans_fast(u, delta, A, B, C, D, dB, orders, inverses, dirs)
    new = four_scans_train(u, delta, A, B, C, D, dB, orders, inverses, dirs)
    err = max((r - n).abs().max().item() / r.abs().max().item() for r, n in zip(ref, new))
    assert err < 1e-5, f"training scan differs from the reference: {err}"


def param_groups(model: nn.Module, wd: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim >= 2 and name != "pos_embed" else no_decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, bs: int = 100):
    model.eval()
    preds = torch.cat([model(x[i:i + bs]).argmax(1) for i in range(0, len(x), bs)])
    model.train()
    return (preds == y).float().mean().item(), preds


def save_safetensors(model: VCMamba, path: str, extra: dict) -> None:
    from safetensors.torch import save_file
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    for k, v in sd.items():
        if v.is_floating_point():
            sd[k] = v.float()
    meta = {
        "name": "vcmamba-demo",
        "classes": json.dumps(scenes.CLASS_NAMES),
        "config": json.dumps(model.config()),
        "trained_by": "tools/train/train.py",
    }
    meta.update({k: str(v) for k, v in extra.items()})
    save_file(sd, path, metadata=meta)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--depths", default="1,1,2,3")
    ap.add_argument("--widths", default="16,32,64,96")
    ap.add_argument("--n-mamba", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val", type=int, default=500, help="held-out scenes for validation")
    ap.add_argument("--val-every", type=int, default=200)
    ap.add_argument("--ckpt", default="/tmp/vcmamba-demo.ckpt.pt")
    ap.add_argument("--ckpt-every", type=int, default=50)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--out", default="assets/vcmamba-demo.safetensors")
    ap.add_argument("--torch-seed", type=int, default=0)
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="wall-clock budget: the cosine schedule follows max(step/steps, time/budget) "
                         "and training stops when either runs out (0: steps only)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    check_scan()
    vcmamba_ref.four_scans_fast = four_scans_train      # the modules look it up at call time
    torch.manual_seed(args.torch_seed)
    depths = [int(v) for v in args.depths.split(",")]
    widths = [int(v) for v in args.widths.split(",")]
    model = VCMamba(depths, widths, args.n_mamba, scenes.NUM_CLASSES, 224)
    for m in model.modules():
        if isinstance(m, MambaMixer):
            m.fast_scan = True
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"config {model.config()}  parameters {n_params}", flush=True)

    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr, betas=(0.9, 0.999))
    def progress(step: int) -> float:
        p = (step - args.warmup) / max(1, args.steps - args.warmup)
        if args.minutes > 0:
            p = max(p, (time.time() - t0) / (60 * args.minutes))
        return min(max(p, 0.0), 1.0)

    def lr_at(step: int) -> float:
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress(step))))

    start, elapsed = 0, 0.0
    gen = torch.Generator().manual_seed(args.torch_seed)
    if args.resume and os.path.exists(args.ckpt):
        ck = torch.load(args.ckpt, weights_only=False)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"]); start, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed at step {start} ({elapsed / 60:.1f} min done)", flush=True)

    yv, pv = scenes.render_batch(VAL_SEED, 0, args.val)
    xv, yv = eval_batch(pv), torch.from_numpy(yv)

    t0 = time.time() - elapsed
    run_loss, run_acc = 0.0, 0.0
    step = start - 1
    for step in range(start, args.steps):
        if step >= args.warmup and args.minutes > 0 and progress(step) >= 1.0:
            print(f"time budget of {args.minutes} min reached after {step} steps", flush=True)
            step -= 1
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        y, pix = scenes.render_batch(TRAIN_SEED, step * args.batch, args.batch)
        x, y = train_batch(pix, gen), torch.from_numpy(y)
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=args.smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        run_loss = 0.95 * run_loss + 0.05 * loss.item() if step > start else loss.item()
        acc = (logits.argmax(1) == y).float().mean().item()
        run_acc = 0.95 * run_acc + 0.05 * acc if step > start else acc
        if (step + 1) % 10 == 0 or step == start:
            el = time.time() - t0
            eta = el / (step + 1) * (args.steps - step - 1)
            if args.minutes > 0:
                eta = min(eta, 60 * args.minutes - el)
            print(f"step {step + 1}/{args.steps} loss {run_loss:.3f} train-acc {run_acc:.3f} "
                  f"lr {lr_at(step):.2e} elapsed {el / 60:.1f} min eta {eta / 60:.1f} min", flush=True)
        if (step + 1) % args.ckpt_every == 0:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                        "step": step + 1, "elapsed": time.time() - t0}, args.ckpt + ".tmp")
            os.replace(args.ckpt + ".tmp", args.ckpt)
        if (step + 1) % args.val_every == 0:
            va, _ = evaluate(model, xv, yv)
            print(f"step {step + 1} val-acc {va:.4f} ({args.val} held-out scenes, eval transform)", flush=True)

    wall = time.time() - t0
    steps_done = step + 1
    va, _ = evaluate(model, xv, yv)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save_safetensors(model, args.out, {"steps": steps_done, "batch": args.batch,
                                       "train_minutes": f"{wall / 60:.1f}", "val_acc": f"{va:.4f}"})
    print(f"done: {steps_done} steps, {wall / 60:.1f} min, val-acc {va:.4f}, saved {args.out}", flush=True)


if __name__ == "__main__":
    main()
