"""Times one gradient of the PyTorch reference VCMamba (tools/reference) on CPU and reports its
peak memory, for `vcview bench --backward` (docs/gradients.md).

    /work/venv/bin/python tools/bench/torch_gradient_bench.py --variant B --threads 2 --runs 5

The gradient is the one `vcview bench --backward` times: L = sum_c relu(network.6[0, c, h//2, w//2])
(VMamba's ERF objective at the last stage), dL/d(input), seeded weights (seed 0), seeded input
(seed 0). The model's parameters do not require grad (only the input does), as in an ERF or
attribution run. The scan is the reference's batched one (autograd-friendly). Prints one JSON
object: forward and gradient medians in ms and the process's peak RSS in MB (ru_maxrss).
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "reference"))
import seeded  # noqa: E402
import vcmamba_ref as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="B", choices=["S", "M", "B"])
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = ref.VCMamba.preset(a.variant).eval()
    model.load_state_dict(seeded.seeded_state_dict(model, 0), strict=True)
    for p in model.parameters():
        p.requires_grad_(False)
    x0 = torch.from_numpy(seeded.seeded_input(0, a.size, a.size))

    def forward():
        with torch.no_grad():
            model(x0)

    def gradient():
        x = x0.clone().requires_grad_(True)
        rec = {}
        ref._put = lambda r, n, t: r.__setitem__(n, t) if r is not None and n == "network.6" else None
        model(x, rec)
        t = rec["network.6"]
        F.relu(t[0, :, t.shape[2] // 2, t.shape[3] // 2]).sum().backward()
        return x.grad

    def timed(f):
        out = []
        for _ in range(a.runs):
            t0 = time.perf_counter(); f(); out.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(out)

    for _ in range(2):
        forward(); gradient()
    fw = timed(forward)
    gr = timed(gradient)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(variant=a.variant, size=a.size, threads=a.threads, runs=a.runs, forward_median_ms=fw,
                          gradient_median_ms=gr, gradient_over_forward=gr / fw, peak_rss_mb=peak)))


if __name__ == "__main__":
    main()
