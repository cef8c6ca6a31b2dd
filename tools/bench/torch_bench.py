"""Times the PyTorch reference VCMamba (tools/reference) on CPU, eval mode, batch 1.

Run by tools/bench/compare in a fresh process per measurement (so thread settings and the
allocator tuning apply from the start). Prints one JSON object: median/min/max ms, peak RSS.

The scan is the fastest CPU form of the official computation we know: the four directions
batched, exp(delta*A) computed once per layer (shared by the directions), and one in-place
update of the (K, E, N) state per step.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "reference"))
import seeded  # noqa: E402
import vcmamba_ref as ref  # noqa: E402
from safetensors.torch import load_file  # noqa: E402


def four_scans_inplace(u, delta, A, B, C, D, direction_Bs, orders, inverses, dirs, return_h=False):
    """Inference-only batched scan: one in-place update per step (no autograd graph)."""
    b, L, E = u.shape
    N = A.shape[1]
    o = torch.as_tensor(orders)                                   # (K, L)
    inv = torch.as_tensor(inverses)
    d = torch.as_tensor(dirs)
    uk = u[:, o]                                                  # (b, K, L, E)
    Bk = (B[:, None] + direction_Bs[d]).contiguous()              # (b, K, L, N)
    decay = torch.exp(delta[..., None] * A)                       # (b, L, E, N)
    du = delta[:, None] * uk                                      # (b, K, L, E)
    K = o.shape[0]
    h = u.new_zeros(b, K, E, N)
    y = u.new_empty(b, K, L, E)
    for t in range(L):
        h.mul_(decay[:, None, t]).addcmul_(du[:, :, t, :, None], Bk[:, :, t, None, :])
        torch.matmul(h, C[:, None, t, :, None], out=y[:, :, t, :, None])
    y.add_(D * uk)
    y = torch.gather(y, 2, inv[None, :, :, None].expand(b, K, L, E))
    return list(y.unbind(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="safetensors with official key names")
    ap.add_argument("--config", required=True, help="JSON: depths, widths, n_mamba, num_classes, resolution")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.loads(args.config)
    model = ref.VCMamba(cfg["depths"], cfg["widths"], cfg["n_mamba"], cfg["num_classes"], cfg["resolution"]).eval()
    model.load_state_dict(load_file(args.weights), strict=True)
    ref.four_scans_fast = four_scans_inplace                     # the mixer looks the name up per call
    x = torch.from_numpy(seeded.seeded_input(0, args.size, args.size))
    times = []
    with torch.inference_mode():
        for _ in range(2):
            model(x)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            logits = model(x)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    # VmHWM starts afresh at exec; ru_maxrss would include the parent's size (fork + exec).
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
    print(json.dumps({"median_ms": median, "min_ms": times[0], "max_ms": times[-1], "peak_rss_mb": peak,
                      "top1": int(logits.argmax()), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
