"""Self-checks of the reference (no official code needed). Run: python tools/reference/selftest.py

1. scan_orders reproduces the worked examples of the reference doc (H=3, W=4 and H=4, W=3);
   orders are permutations, inverses invert them, directions follow the moves.
2. The fast (batched) scan equals the sequential recurrence, outputs and hidden states.
3. The vectorised seeded generator equals a scalar pure-Python version of docs/seeded-weights.md.
"""
import math
import struct
import sys

import numpy as np
import torch

import seeded
import vcmamba_ref as ref

torch.set_num_threads(1)

# 1. scan orders -----------------------------------------------------------------------------
o, inv, d = ref.scan_orders(3, 4)
assert o[0] == [0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11] and d[0] == [0, 1, 1, 1, 4, 2, 2, 2, 4, 1, 1, 1]
assert o[1] == [11, 10, 9, 8, 4, 5, 6, 7, 3, 2, 1, 0] and d[1] == [0, 2, 2, 2, 3, 1, 1, 1, 3, 2, 2, 2]
assert o[2] == [0, 4, 8, 9, 5, 1, 2, 6, 10, 11, 7, 3] and d[2] == [0, 4, 4, 1, 3, 3, 1, 4, 4, 1, 3, 3]
assert o[3] == [3, 7, 11, 10, 6, 2, 1, 5, 9, 8, 4, 0] and d[3] == [0, 4, 4, 2, 3, 3, 2, 4, 4, 2, 3, 3]
o, inv, d = ref.scan_orders(4, 3)
assert o[1] == [9, 10, 11, 8, 7, 6, 3, 4, 5, 2, 1, 0] and o[3] == [11, 8, 5, 2, 1, 4, 7, 10, 9, 6, 3, 0]
for H in range(1, 10):
    for W in range(1, 10):
        o, inv, d = ref.scan_orders(H, W)
        for k in range(4):
            assert sorted(o[k]) == list(range(H * W))
            assert all(inv[k][o[k][t]] == t for t in range(H * W))
            assert d[k][0] == 0 and len(d[k]) == H * W
print("scan orders: worked examples of the reference doc reproduced; 81 grids consistent")

# 2. fast scan == sequential scan ------------------------------------------------------------
g = torch.Generator().manual_seed(0)
for (b, h, w, E, N) in [(1, 3, 4, 8, 16), (2, 5, 7, 12, 16), (1, 1, 1, 4, 16), (1, 6, 1, 4, 16)]:
    L = h * w
    u = torch.randn(b, L, E, generator=g, dtype=torch.float64)
    delta = torch.nn.functional.softplus(torch.randn(b, L, E, generator=g, dtype=torch.float64))
    A = -torch.exp(torch.rand(E, N, generator=g, dtype=torch.float64) * 2)
    B = torch.randn(b, L, N, generator=g, dtype=torch.float64)
    C = torch.randn(b, L, N, generator=g, dtype=torch.float64)
    D = torch.randn(E, generator=g, dtype=torch.float64)
    dB = torch.randn(5, N, generator=g, dtype=torch.float64)
    orders = ref.scan_orders(h, w)
    ys, hs = ref.four_scans_sequential(u, delta, A, B, C, D, dB, *orders, return_h=True)
    yf, hf = ref.four_scans_fast(u, delta, A, B, C, D, dB, *orders, return_h=True)
    err = max((a - c).abs().max().item() for a, c in zip(ys, yf))
    assert err < 1e-12 and (hs - hf).abs().max().item() < 1e-12, err
print("fast scan == sequential scan (float64, 4 shapes, y and h)")
m = ref.VCMamba((1, 1, 1, 2), (8, 8, 8, 16), 1, 5, 64)
m(torch.randn(1, 3, 64, 64)).sum().backward()  # both scans are autograd-friendly
assert m.network[6][1].mamba.A_log.grad is not None
print("backward through the fast scan works")

# 3. seeded generator: scalar pure-Python model of the spec ---------------------------------
M = (1 << 64) - 1


def f32(x):  # round a Python float (double) to float32
    return struct.unpack("<f", struct.pack("<f", x))[0]


def scalar_u(key, seed, i):
    h = 0xCBF29CE484222325
    for c in key.encode():
        h = ((h ^ c) * 0x100000001B3) & M
    x = ((h ^ (seed * 0x9E3779B97F4A7C15 & M)) + (i + 1) * 0x9E3779B97F4A7C15) & M
    x ^= x >> 30; x = (x * 0xBF58476D1CE4E5B9) & M
    x ^= x >> 27; x = (x * 0x94D049BB133111EB) & M
    x ^= x >> 31
    return f32((x >> 40) * 2.0 ** -24)


def scalar_value(key, shape, seed, i):
    u = scalar_u(key, seed, i)
    v = f32(f32(2 * u) - 1)
    if key.endswith("running_var"): return f32(0.5 + u)
    if key.endswith("A_log"): return f32(0.5 + f32(2 * u))
    if key.endswith(".D"): return f32(1 + f32(f32(0.5) * v))
    if key.endswith("dt_proj.bias"): return f32(-1 + f32(f32(0.5) * v))
    if key.endswith(".bias"): return f32(f32(0.1) * v)
    if key.endswith(".weight") and len(shape) >= 2:
        return f32(v * f32(math.sqrt(3.0 / (shape[1] * int(np.prod(shape[2:]))))))
    raise KeyError(key)


for key, shape, seed in [("patch_embed.0.weight", (16, 3, 3, 3), 0), ("network.6.4.mamba.A_log", (576, 16), 0),
                         ("network.6.4.mamba.dt_proj.bias", (576,), 5), ("patch_embed.1.running_var", (16,), 0),
                         ("network.6.4.mamba.D", (576,), 3), ("head.bias", (1000,), 2**63 + 11),
                         ("network.6.4.mamba.conv2d.weight", (576, 1, 7, 7), 1)]:
    vec = seeded.seeded_tensor(key, shape, seed).reshape(-1)
    for i in list(range(16)) + [len(vec) - 1]:
        assert np.float32(scalar_value(key, shape, seed, i)).view(np.uint32) == vec[i].view(np.uint32), (key, i)
print("seeded generator: vectorised == scalar model of the spec, bit for bit")
sys.exit(0)
