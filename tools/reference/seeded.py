"""Seeded weights and inputs, bit-identical to Sources/VCEngine/SeededWeights.swift.

Specification: docs/seeded-weights.md. Summary:

    h    = FNV-1a-64(utf8(key))
    base = h ^ (seed * GOLDEN)                       (mod 2^64)
    x_i  = splitmix64_finalise(base + (i + 1) * GOLDEN)
    u_i  = float32(x_i >> 40) * 2^-24                 in [0, 1), exact
    v_i  = 2 * u_i - 1                                in [-1, 1), exact

and a per-key affine map evaluated in float32 with rounding after every operation.
Only integer arithmetic and exactly rounded float32 + and * are used, so any IEEE-754
implementation reproduces the same bits.
"""
from __future__ import annotations

import math
from typing import Dict, Iterable, Mapping, Tuple, Union

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1

F32 = np.float32


def fnv1a64(key: str) -> int:
    h = FNV_OFFSET
    for byte in key.encode("utf-8"):
        h ^= byte
        h = (h * FNV_PRIME) & MASK64
    return h


def _uniform_bits(key: str, seed: int, n: int) -> np.ndarray:
    """The n raw 64-bit words of (seed, key), vectorised (numpy uint64 wraps mod 2^64)."""
    base = np.uint64(fnv1a64(key) ^ ((seed * int(GOLDEN)) & MASK64))
    with np.errstate(over="ignore"):
        x = base + np.arange(1, n + 1, dtype=np.uint64) * GOLDEN
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def seeded_u(key: str, seed: int, n: int) -> np.ndarray:
    """u in [0, 1): the top 24 bits as an exact float32 multiple of 2^-24."""
    top = (_uniform_bits(key, seed, n) >> np.uint64(40)).astype(np.float32)  # < 2^24: exact
    return top * F32(2.0 ** -24)


def seeded_v(key: str, seed: int, n: int) -> np.ndarray:
    """v = 2u - 1 in [-1, 1), exact in float32."""
    return F32(2.0) * seeded_u(key, seed, n) - F32(1.0)


def seeded_tensor(key: str, shape: Tuple[int, ...], seed: int) -> np.ndarray:
    """The seeded value of one state-dict entry (float32, or int64 zeros for num_batches_tracked)."""
    shape = tuple(int(s) for s in shape)
    if key.endswith("num_batches_tracked"):
        return np.zeros(shape, dtype=np.int64)
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    u = lambda: seeded_u(key, seed, n)  # noqa: E731
    v = lambda: seeded_v(key, seed, n)  # noqa: E731
    if key.endswith("running_var"):
        out = F32(0.5) + u()
    elif key.endswith("running_mean"):
        out = F32(0.1) * v()
    elif key.endswith("A_log"):
        out = F32(0.5) + F32(2.0) * u()
    elif key.endswith(".D"):
        out = F32(1.0) + F32(0.5) * v()
    elif key.endswith("direction_Bs"):
        out = F32(0.5) * v()
    elif key.endswith("dt_proj.bias"):
        out = F32(-1.0) + F32(0.5) * v()
    elif key.endswith("layer_scale_2"):
        out = F32(0.2) * v()
    elif key == "pos_embed":
        out = F32(0.1) * v()
    elif key.endswith(".bias"):
        out = F32(0.1) * v()
    elif key.endswith(".weight") and len(shape) == 1:
        out = F32(1.0) + F32(0.2) * v()
    elif key.endswith(".weight") and len(shape) >= 2:
        fan_in = shape[1] * int(np.prod(shape[2:], dtype=np.int64))
        scale = F32(math.sqrt(3.0 / fan_in))  # double sqrt, rounded once to float32
        out = v() * scale
    else:
        raise KeyError(f"no seeded-weight rule for key {key!r} with shape {shape}")
    assert out.dtype == np.float32, (key, out.dtype)
    return out.reshape(shape)


KeysShapes = Union[Iterable[Tuple[str, Tuple[int, ...]]], Mapping[str, Tuple[int, ...]]]


def seeded_state_dict(model_or_keys_shapes, seed: int) -> "Dict[str, object]":
    """Seeded state dict.

    Accepts a torch.nn.Module (returns an ordered dict of torch tensors in the module's
    state_dict order and dtypes), a mapping key -> shape, or an iterable of (key, shape)
    pairs (both return numpy arrays).
    """
    try:
        import torch
        is_module = isinstance(model_or_keys_shapes, torch.nn.Module)
    except ImportError:  # numpy-only use
        is_module = False
    if is_module:
        out = {}
        for key, t in model_or_keys_shapes.state_dict().items():
            arr = seeded_tensor(key, tuple(t.shape), seed)
            out[key] = torch.from_numpy(arr)
        return out
    items = model_or_keys_shapes.items() if isinstance(model_or_keys_shapes, Mapping) else model_or_keys_shapes
    return {k: seeded_tensor(k, tuple(s), seed) for k, s in items}


def seeded_input(seed: int, H: int, W: int) -> np.ndarray:
    """Seeded input image tensor: key 'input', value 2 * v, shape (1, 3, H, W), float32."""
    n = 3 * H * W
    return (F32(2.0) * seeded_v("input", seed, n)).reshape(1, 3, H, W)


def f32_hex(values: np.ndarray) -> list:
    """Exact bit patterns of float32 values, as 8-digit lowercase hex strings."""
    return [f"{int(b):08x}" for b in np.asarray(values, dtype=np.float32).reshape(-1).view(np.uint32)]
