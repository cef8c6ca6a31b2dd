#!/usr/bin/env python3
"""Prints the polynomial of the engine's exp (Sources/CKernels/vmath.h, `vexp`).

e^r on |r| <= ln2 / 2 (the reduced argument after x = n*ln2 + r) as a degree-6 polynomial, near
minimax in relative error: least squares on 400 Chebyshev nodes, reweighted (Lawson's iteration)
toward equal ripple, in double, rounded to float. Prints the coefficients from r^6 down (the order
of the Horner steps in the kernel) and the worst relative error of the float coefficients
evaluated in double (the kernel's float arithmetic adds about one ulp, 6e-8).

    /work/venv/bin/python tools/exp_poly.py      # needs numpy

Degree 6 keeps the error of the degree-7 Taylor polynomial it replaced (5e-9 there, 1.7e-8 here,
both below a float ulp); degree 5 would be 1.4e-7, too close to the 3e-7 softplus is tested at.
"""
from math import log

import numpy as np

DEGREE, NODES, ROUNDS = 6, 400, 200
HALF_LN2 = log(2.0) / 2


def main():
    r = np.cos((2 * np.arange(NODES) + 1) * np.pi / (2 * NODES)) * HALF_LN2
    rows = np.vander(r, DEGREE + 1, increasing=True) / np.exp(r)[:, None]   # p(r) / e^r
    weight = np.ones_like(r)
    for _ in range(ROUNDS):
        coef = np.linalg.lstsq(rows * np.sqrt(weight)[:, None], np.sqrt(weight), rcond=None)[0]
        weight *= np.abs(rows @ coef - 1)
        weight /= weight.sum()
    coef = coef.astype(np.float32)
    dense = np.linspace(-HALF_LN2, HALF_LN2, 200001)
    approx = sum(float(coef[d]) * dense ** d for d in range(DEGREE + 1))
    print("coefficients, r^%d first: %s" % (DEGREE, ", ".join("%.9gf" % v for v in coef[::-1])))
    print("max relative error %.2g" % np.max(np.abs(approx / np.exp(dense) - 1)))


if __name__ == "__main__":
    main()
