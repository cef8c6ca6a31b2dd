#!/usr/bin/env python3
"""Prints the coefficient tables of the engine's GELU (Sources/CKernels/vmath.h, `vgelu`).

Two tables: 32 cubics for AVX-512 (a 32-entry column is one two-register permute, vpermt2ps) and
8 quintics for AVX2 (an 8-entry column is one vpermps; AVX2 has no two-table permute, and 32
entries would take four permutes and three blends per column). The quintics' fit is 1.1e-7, the
cubics' 1.2e-7: the same bound in the tests.

T(a) = Phi(-a) = erfc(a / sqrt 2) / 2 on [0, TOP] as 32 cubics in f = a/h - j, f in [-1/2, 1/2],
h = TOP / 31.5, one per interval centred on a = j*h. Each cubic is the minimax fit (Lawson's
iteratively reweighted least squares on 801 points, in double) of the error GELU makes from it:
|x|*dT / max(1, |x|), i.e. dT weighted by min(a, 1). Rounded to float. Prints the four C arrays
and the worst weighted error of the float coefficients evaluated in double (the kernel's own
float arithmetic adds ~5e-8: 1.7e-7 in all, measured against double erfc over [-12, 12]).

Why cubics on [0, 5.2] and not quartics on [0, 6] (until stop 23): one coefficient column less is
one two-table permute and one multiply-add less per 16 values, and on Zen 4 the permutes share a
pipe with the multiply-adds: 4096 values 0.98 -> 0.84 us, the 3x3 depthwise + GELU on S's stage-1
map 179 -> 158 us (tools/bench/kernel_ab). Above a = 5.2, T < 1e-7, so dropping it costs no more
than the fit does; the quartics' error was 7e-8.

    /work/venv/bin/python tools/gelu_table.py      # needs numpy
"""
from math import erfc, sqrt

import numpy as np

TOP = 5.2


def tail(a):
    return 0.5 * erfc(a / sqrt(2.0))


def fit(j, f, vander, H):
    a = (j + f) * H
    y = np.array([tail(v) for v in a])
    weight = np.minimum(np.maximum(a, 1e-3), 1.0)
    w = np.ones_like(f)
    for _ in range(200):   # Lawson: the weights of the largest errors grow until they equioscillate
        sw = np.sqrt(w) * weight
        c = np.linalg.lstsq(vander * sw[:, None], y * sw, rcond=None)[0]
        w = w * np.abs(vander @ c - y) * weight
        w /= w.sum()
    return c


def table(INTERVALS, DEGREE, name):
    H = TOP / (INTERVALS - 0.5)
    f = np.linspace(-0.5, 0.5, 801)
    vander = np.vander(f, DEGREE + 1, increasing=True)
    coef = np.array([fit(j, f, vander, H) for j in range(INTERVALS)], dtype=np.float32)
    for d in range(DEGREE + 1):
        print("static const float %s%d[%d] = {%s};" % (name, d, INTERVALS, ", ".join("%.9gf" % v for v in coef[:, d])))
    worst = 0.0
    top = (INTERVALS - 0.51) * H
    for a in np.linspace(0, top, 200001):
        j = int(np.floor(a / H + 0.5))
        g = a / H - j
        approx = sum(float(coef[j, d]) * g ** d for d in range(DEGREE + 1))
        worst = max(worst, abs(approx - tail(a)) * min(a, 1.0))
    print("// 1/h = %.10g, clamp %.10g, max weighted |T error| %.2g, T at the clamp %.2g"
          % (1 / H, top, worst, tail(top)))


def main():
    table(32, 3, "gelu_c")     # AVX-512
    table(8, 5, "gelu8_c")     # AVX2


if __name__ == "__main__":
    main()
