"""Procedural scenes of the vcview demo model (numpy, vectorised per pixel).

The specification is tools/train/SCENES.md; Sources/VCScenes/SceneGenerator.swift implements the
same formulas with the same PRNG, so a scene (seed, index) looks the same in both languages.

    render(seed, index, size=224) -> (label, uint8 array (size, size, 3), RGB)
"""
from __future__ import annotations

import math
from typing import List, Tuple

import numpy as np

CLASS_NAMES: List[str] = ["circle", "square", "triangle", "star", "cross",
                          "ring", "crescent", "arrow", "heart", "hourglass"]
NUM_CLASSES = len(CLASS_NAMES)

GOLDEN = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1
N_PARAMS = 48           # parameter slots of key "scene/<index>"
MAX_CLUTTER = 4


# ----------------------------------------------------------------------------------------------
# PRNG (docs/seeded-weights.md): splitmix64 finaliser over a counter, FNV-1a-64 of a string key
# ----------------------------------------------------------------------------------------------

def fnv1a64(key: str) -> int:
    h = 0xCBF29CE484222325
    for byte in key.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return h


def uniforms(seed: int, key: str, n: int) -> np.ndarray:
    """u_i in [0, 1), i = 0..n-1: exact float32 multiples of 2^-24 (returned as float32)."""
    base = np.uint64(fnv1a64(key) ^ ((seed * GOLDEN) & MASK64))
    with np.errstate(over="ignore"):
        x = base + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GOLDEN)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)


# ----------------------------------------------------------------------------------------------
# Signed distances in the object's unit frame (negative inside)
# ----------------------------------------------------------------------------------------------

def sd_polygon(px: np.ndarray, py: np.ndarray, verts: List[Tuple[float, float]]) -> np.ndarray:
    """Exact signed distance to a simple polygon (even-odd sign rule)."""
    vx0, vy0 = verts[0]
    d = (px - vx0) ** 2 + (py - vy0) ** 2
    s = np.ones_like(px)
    n = len(verts)
    for i in range(n):
        vix, viy = verts[i]
        vjx, vjy = verts[i - 1]
        ex, ey = vjx - vix, vjy - viy
        wx, wy = px - vix, py - viy
        t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        bx, by = wx - ex * t, wy - ey * t
        d = np.minimum(d, bx * bx + by * by)
        c1 = py >= viy
        c2 = py < vjy
        c3 = ex * wy > ey * wx
        flip = (c1 & c2 & c3) | (~c1 & ~c2 & ~c3)
        s = np.where(flip, -s, s)
    return s * np.sqrt(d)


def _regular(n: int, r: float, phase: float = math.pi / 2) -> List[Tuple[float, float]]:
    return [(r * math.cos(phase + 2 * math.pi * k / n), r * math.sin(phase + 2 * math.pi * k / n))
            for k in range(n)]


def _star(points: int, outer: float, inner: float) -> List[Tuple[float, float]]:
    out = []
    for k in range(2 * points):
        r = outer if k % 2 == 0 else inner
        a = math.pi / 2 + math.pi * k / points
        out.append((r * math.cos(a), r * math.sin(a)))
    return out


SQUARE = [(-0.72, -0.72), (0.72, -0.72), (0.72, 0.72), (-0.72, 0.72)]
TRIANGLE = _regular(3, 0.98)
STAR = _star(5, 1.0, 0.42)
CROSS = [(-0.27, -0.92), (0.27, -0.92), (0.27, -0.27), (0.92, -0.27), (0.92, 0.27), (0.27, 0.27),
         (0.27, 0.92), (-0.27, 0.92), (-0.27, 0.27), (-0.92, 0.27), (-0.92, -0.27), (-0.27, -0.27)]
ARROW = [(-0.95, -0.2), (0.1, -0.2), (0.1, -0.6), (0.95, 0.0), (0.1, 0.6), (0.1, 0.2), (-0.95, 0.2)]
HOURGLASS = [(-0.75, -0.92), (0.75, -0.92), (0.1, 0.0), (0.75, 0.92), (-0.75, 0.92), (-0.1, 0.0)]


def sd_heart(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Inigo Quilez's exact heart (tip at the origin, lobes up to y ~ 1.1), centred and enlarged:
    q = (|x|, y + 0.8) / 1.5 in the unit frame, the distance scaled back by 1.5."""
    k = 1.5
    x = np.abs(px) / k
    y = (py + 0.8) / k
    upper = (x + y) > 1.0
    d_up = np.sqrt((x - 0.25) ** 2 + (y - 0.75) ** 2) - math.sqrt(2.0) / 4.0
    m = 0.5 * np.maximum(x + y, 0.0)
    d_low = np.sqrt(np.minimum(x * x + (y - 1.0) ** 2, (x - m) ** 2 + (y - m) ** 2)) * np.sign(x - y)
    return np.where(upper, d_up, d_low) * k


def shape_distance(label: int, qx: np.ndarray, qy: np.ndarray, aux: float) -> np.ndarray:
    """Signed distance (unit frame) of class `label`; aux in [0, 1) varies ring and crescent."""
    if label == 0:
        return np.sqrt(qx * qx + qy * qy) - 0.85
    if label == 1:
        return sd_polygon(qx, qy, SQUARE)
    if label == 2:
        return sd_polygon(qx, qy, TRIANGLE)
    if label == 3:
        return sd_polygon(qx, qy, STAR)
    if label == 4:
        return sd_polygon(qx, qy, CROSS)
    if label == 5:
        thick = 0.14 + 0.08 * aux
        return np.abs(np.sqrt(qx * qx + qy * qy) - 0.72) - thick
    if label == 6:
        off = 0.38 + 0.17 * aux
        outer = np.sqrt(qx * qx + qy * qy) - 0.9
        bite = np.sqrt((qx - off) ** 2 + qy * qy) - 0.78
        return np.maximum(outer, -bite)
    if label == 7:
        return sd_polygon(qx, qy, ARROW)
    if label == 8:
        return sd_heart(qx, qy)
    if label == 9:
        return sd_polygon(qx, qy, HOURGLASS)
    raise ValueError(label)


# ----------------------------------------------------------------------------------------------
# The scene
# ----------------------------------------------------------------------------------------------

def _colour(u: np.ndarray, i: int, bright: bool) -> np.ndarray:
    lo = 0.6 if bright else 0.05
    return np.array([lo + 0.35 * float(u[i + c]) for c in range(3)], dtype=np.float32)


def _coverage(d_pixels: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage of a signed distance given in pixels."""
    return np.clip(0.5 - d_pixels, 0.0, 1.0)


def render(seed: int, index: int, size: int = 224) -> Tuple[int, np.ndarray]:
    """Scene `index` of the stream `seed`: (label, uint8 RGB array of shape (size, size, 3))."""
    S = size
    label = index % NUM_CLASSES
    u = uniforms(seed, f"scene/{index}", N_PARAMS)
    P = lambda i: float(u[i])  # noqa: E731
    coords = (np.arange(S, dtype=np.float32) + np.float32(0.5)) / np.float32(S)
    px, py = np.meshgrid(coords, coords)                   # (S, S): x varies along columns

    # Background: two colours of one polarity mixed by a texture t in [0, 1].
    bright_object = P(1) < 0.5
    c1 = _colour(u, 2, not bright_object)
    c2 = _colour(u, 5, not bright_object)
    kind = min(int(P(0) * 5), 4)
    ang = 2 * math.pi * P(11)
    ca, sa = np.float32(math.cos(ang)), np.float32(math.sin(ang))
    dx, dy = px - np.float32(0.5), py - np.float32(0.5)
    along = dx * ca + dy * sa
    across = dx * (-sa) + dy * ca
    period = 0.04 + 0.10 * P(12)
    phase = P(13)
    if kind == 0:                                          # flat
        t = np.zeros_like(px)
    elif kind == 1:                                        # linear gradient
        t = np.clip(0.5 + along / np.float32(0.7), 0.0, 1.0)
    elif kind == 2:                                        # stripes
        t = 0.5 + 0.5 * np.sin(np.float32(2 * math.pi / period) * along + np.float32(2 * math.pi * phase))
    elif kind == 3:                                        # checker
        a = np.floor(along / np.float32(period) + np.float32(phase))
        b = np.floor(across / np.float32(period))
        t = np.mod(a + b, 2.0).astype(np.float32)
    else:                                                  # value noise
        cell = 0.06 + 0.14 * P(12)
        G = int(1.0 / cell) + 2
        lattice = uniforms(seed, f"grid/{index}", G * G).reshape(G, G)   # [row j, column i]
        gx, gy = px / np.float32(cell), py / np.float32(cell)
        i0, j0 = np.floor(gx), np.floor(gy)
        fx, fy = gx - i0, gy - j0
        sx, sy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
        i0, j0 = i0.astype(np.int64), j0.astype(np.int64)
        v00, v10 = lattice[j0, i0], lattice[j0, i0 + 1]
        v01, v11 = lattice[j0 + 1, i0], lattice[j0 + 1, i0 + 1]
        top = v00 + (v10 - v00) * sx
        bot = v01 + (v11 - v01) * sx
        t = top + (bot - top) * sy
    img = c1[None, None, :] + (c2 - c1)[None, None, :] * t[..., None]       # (S, S, 3)

    # Clutter: up to four small dots or short bars, under the object.
    n_clutter = min(int(P(21) * (MAX_CLUTTER + 1)), MAX_CLUTTER)
    lo = 0.6 if bright_object else 0.05
    for k in range(n_clutter):
        b = 22 + 6 * k
        cx, cy = 0.05 + 0.9 * P(b + 1), 0.05 + 0.9 * P(b + 2)
        qx, qy = px - np.float32(cx), py - np.float32(cy)
        if P(b) < 0.5:                                     # dot
            d = np.sqrt(qx * qx + qy * qy) - np.float32(0.01 + 0.015 * P(b + 3))
        else:                                              # bar (capsule)
            half = 0.02 + 0.03 * P(b + 3)
            a = 2 * math.pi * P(b + 4)
            ex, ey = np.float32(math.cos(a)), np.float32(math.sin(a))
            s = np.clip(qx * ex + qy * ey, -half, half)
            d = np.sqrt((qx - ex * s) ** 2 + (qy - ey * s) ** 2) - np.float32(0.007)
        alpha = _coverage(d * np.float32(S))
        grey = np.float32(lo + 0.35 * P(b + 5))
        img = img + (grey - img) * alpha[..., None]

    # The object: a class shape, scaled, rotated, stretched, placed near the centre.
    R = 0.16 + 0.12 * P(14)
    ox, oy = 0.5 + 0.24 * (P(15) - 0.5), 0.5 + 0.24 * (P(16) - 0.5)
    rot = 2 * math.pi * P(17)
    stretch = 0.85 + 0.3 * P(19)
    cr, sr = np.float32(math.cos(rot)), np.float32(math.sin(rot))
    wx, wy = px - np.float32(ox), py - np.float32(oy)
    qx = (wx * cr + wy * sr) / np.float32(R * stretch)
    qy = (-wx * sr + wy * cr) / np.float32(R)
    d = shape_distance(label, qx, qy, P(18)) * np.float32(R)
    alpha = _coverage(d * np.float32(S))
    col = _colour(u, 8, bright_object)
    img = img + (col[None, None, :] - img) * alpha[..., None]

    # Pixel noise: triangular, amplitude sigma, one pair of uniforms per pixel and channel.
    sigma = np.float32(0.02 + 0.06 * P(20))
    nu = uniforms(seed, f"noise/{index}", 2 * S * S * 3).reshape(S, S, 3, 2)
    img = img + sigma * (nu[..., 0] + nu[..., 1] - np.float32(1.0))
    out = np.floor(np.clip(img, 0.0, 1.0) * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)
    return label, out


def render_batch(seed: int, start: int, count: int, size: int = 224) -> Tuple[np.ndarray, np.ndarray]:
    """Scenes start..start+count-1: labels (count,) int64 and pixels (count, size, size, 3) uint8."""
    labels = np.empty(count, dtype=np.int64)
    pixels = np.empty((count, size, size, 3), dtype=np.uint8)
    for k in range(count):
        labels[k], pixels[k] = render(seed, start + k, size)
    return labels, pixels


if __name__ == "__main__":
    import sys
    import time
    from PIL import Image
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    t0 = time.time()
    labels, pix = render_batch(seed, 0, n)
    dt = time.time() - t0
    print(f"{n} scenes in {dt:.2f}s ({n / dt * 60:.0f} per minute)")
    cols = 10
    rows = (n + cols - 1) // cols
    sheet = np.zeros((rows * 224, cols * 224, 3), np.uint8)
    for k in range(n):
        sheet[(k // cols) * 224:(k // cols + 1) * 224, (k % cols) * 224:(k % cols + 1) * 224] = pix[k]
    Image.fromarray(sheet).resize((cols * 112, rows * 112), Image.BILINEAR).save("/tmp/sheet.png")
