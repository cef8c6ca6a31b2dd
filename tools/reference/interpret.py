"""Interpretability quantities of the Mamba layers, computed independently of the engine.

Everything here is written from the definitions, in float64, from the activations the reference
model records (u, dt, B, C, y.k) and the layer's parameters (A_log, D, direction_Bs):

    S_t          = sum_{r <= t} delta_r                          (cumulative step size, per channel e)
    alpha_{t,s,e} = sum_n C_t[n] * exp(A[e,n] * (S_t[e] - S_s[e])) * delta_s[e] * (B_s[n] + dirB[d_s][n])
    y_t[e]        = sum_{s <= t} alpha_{t,s,e} * u_{o(s)}[e] + D[e] * u_{o(t)}[e]

(Ali, Zimerman & Wolf, "The Hidden Attention of Mamba Models"), with the official code's indexing:
delta, B and C are taken at raster position t while u is read in scan order o(t).

Glossary: K = 4 scan directions, L = h*w tokens, E inner channels, N state size.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
import torch

import vcmamba_ref as ref


def layer_inputs(rec: Dict[str, torch.Tensor], model: ref.VCMamba, k: int):
    """(u, delta, B, C) as float64 (L, E), (L, E), (L, N), (L, N) plus A (E, N), D (E), dirB (5, N)."""
    name = f"network.6.{k}.mamba"
    mixer = model.network[6][k].mamba
    f64 = lambda t: t.detach().double()[0]  # noqa: E731
    u = f64(rec[f"{name}.u"]).flatten(1).T                         # (L, E), raster
    delta = f64(rec[f"{name}.dt"]).flatten(1).T                    # (L, E), step t = raster t
    B = f64(rec[f"{name}.B"]).flatten(1).T                         # (L, N)
    C = f64(rec[f"{name}.C"]).flatten(1).T                         # (L, N)
    A = -torch.exp(mixer.A_log.detach().double())                  # (E, N)
    return u, delta, B, C, A, mixer.D.detach().double(), mixer.direction_Bs.detach().double()


def attention_matrix(u, delta, B, C, A, dirB, order, dirs) -> torch.Tensor:
    """alpha (L_t, L_s, E) for one direction; zero above the diagonal (s > t)."""
    L, E = u.shape
    S = torch.cumsum(delta, 0)                                     # (L, E)
    Bt = B + dirB[torch.as_tensor(dirs)]                           # (L, N): step s uses B[s] + dirB[d_s]
    diff = S[:, None, :] - S[None, :, :]                           # (t, s, E) = S_t - S_s
    causal = torch.tril(torch.ones(L, L, dtype=torch.bool))        # s <= t
    diff = torch.where(causal[..., None], diff, torch.zeros_like(diff))
    decay = torch.exp(diff[..., None] * A)                         # (t, s, E, N)
    alpha = torch.einsum("tn,tsen,se,sn->tse", C, decay, delta, Bt)
    return alpha * causal[..., None]


def interpret_layer(rec, model, k: int, token: Tuple[int, int], h: int, w: int) -> Dict[str, np.ndarray]:
    name = f"network.6.{k}.mamba"
    u, delta, B, C, A, D, dirB = layer_inputs(rec, model, k)
    orders, inverses, dirs = ref.scan_orders(h, w)
    L = h * w
    hs = rec[f"{name}.h"].double()                                 # (K, L, E, N)
    h_norm = hs.pow(2).sum((2, 3)).sqrt()                          # (K, L)
    h_norm_map = torch.zeros(4, L, dtype=torch.float64)
    for d in range(4):
        h_norm_map[d, torch.as_tensor(orders[d])] = h_norm[d]
    p_star = token[0] * w + token[1]
    attn = torch.zeros(4, L, dtype=torch.float64)
    rebuilt_err = 0.0
    for d in range(4):
        o = torch.as_tensor(orders[d])
        alpha = attention_matrix(u[o], delta, B, C, A, dirB, o, dirs[d])      # (t, s, E)
        y = torch.einsum("tse,se->te", alpha, u[o]) + D * u[o]                # (t, E) step order
        y_raster = y[torch.as_tensor(inverses[d])]                            # (L, E)
        y_ref = rec[f"{name}.y.{d + 1}"].double()[0].flatten(1).T
        rebuilt_err = max(rebuilt_err, float((y_raster - y_ref).abs().max() / y_ref.abs().max()))
        t_star = inverses[d][p_star]
        row = alpha[t_star].mean(1)                                           # (s,) mean over e
        attn[d, o] = row                                                      # source step s sits at token o(s)
    decay = torch.exp(delta[:, :, None] * A).mean(1)                          # (L, N)
    return {
        f"{name}.h_norm": h_norm.numpy().astype(np.float32),
        f"{name}.h_norm_map": h_norm_map.reshape(4, h, w).numpy().astype(np.float32),
        f"{name}.attn": attn.reshape(4, h, w).numpy().astype(np.float32),
        f"{name}.decay": decay.T.reshape(-1, h, w).numpy().astype(np.float32),
    }, rebuilt_err


def cam(rec, model: ref.VCMamba, cls: int, h: int, w: int) -> Tuple[np.ndarray, float]:
    """Each token's share of logit `cls`: ((W_head + W_dist) / 2)[cls] . norm(x)_p, (h, w);
    mean over tokens + (b_head + b_dist)[cls] / 2 is the logit."""
    z = rec["norm"].double()[0]                                    # (L, C4)
    with torch.no_grad():
        wv = (model.head.weight.double()[cls] + model.dist_head.weight.double()[cls]) / 2
        bias = float((model.head.bias.double()[cls] + model.dist_head.bias.double()[cls]) / 2)
    return (z @ wv).reshape(h, w).numpy().astype(np.float32), bias
