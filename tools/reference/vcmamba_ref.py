"""A readable PyTorch reference of VCMamba (arXiv 2509.04669), eval mode only.

Written from the model description in docs (and checked numerically against the official
`model/mambacnn.py` + `model/plain_mamba_layer.py`, see README.md). The state_dict key names
and their order are exactly the official ones, so official checkpoints load with strict=True.

Dimension glossary (as in mamba-minimal):

    b : batch size
    H, W : input image height and width
    C : channels of the current stage (C1..C4 = widths[0..3])
    h, w : feature grid of the current stage (stage 4: H/32 x W/32)
    L : number of tokens of the stage-4 grid, L = h * w; raster index p = i * w + j
    E : Mamba inner width, E = 2 * C4 (d_inner)
    N : SSM state size, N = 16 (d_state)
    R : rank of the delta projection, R = ceil(C4 / 16) (dt_rank)
    K : number of scan directions, K = 4
    t : scan step, 0..L-1

Two quirks of the official code are reproduced on purpose (see docs/sites.md):
  * dt_proj's bias is added twice: once by the Linear, once as delta_bias inside the scan;
  * the scan permutes only u: at step t every direction reads delta, B and C of *raster*
    position t (not of the token it visits), while u is read at the visited token o_k[t].
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

D_STATE = 16  # N
EXPAND = 2    # E = EXPAND * C4
CONV_SIZE = 7
MLP_RATIO = 4

PRESETS = {
    # name: (depths, widths, n_mamba)
    "S": ((4, 4, 12, 8), (32, 64, 144, 288), 4),
    "M": ((4, 4, 12, 6), (48, 96, 224, 448), 4),
    "B": ((4, 4, 12, 6), (64, 128, 320, 512), 4),
}

# Direction codes of the scans: the move that led to the current token.
START, RIGHT, LEFT, UP, DOWN = 0, 1, 2, 3, 4

Rec = Optional[Dict[str, torch.Tensor]]


def _put(rec: Rec, name: str, x: torch.Tensor) -> None:
    if rec is not None:
        rec[name] = x.detach().clone()


# ----------------------------------------------------------------------------------------
# Scan orders
# ----------------------------------------------------------------------------------------

def _snake(outer: int, inner: int, to_index) -> List[int]:
    """Boustrophedon over an outer x inner grid: even outer lines forward, odd lines backward."""
    seq = []
    for a in range(outer):
        line = range(inner) if a % 2 == 0 else range(inner - 1, -1, -1)
        seq.extend(to_index(a, b) for b in line)
    return seq


def _directions(order: Sequence[int], W: int) -> List[int]:
    """d[0] = START; d[t] = the move from token order[t-1] to token order[t] on the grid."""
    dirs = [START]
    for prev, cur in zip(order[:-1], order[1:]):
        di, dj = cur // W - prev // W, cur % W - prev % W
        move = {(0, 1): RIGHT, (0, -1): LEFT, (-1, 0): UP, (1, 0): DOWN}[(di, dj)]
        dirs.append(move)
    return dirs


def scan_orders(H: int, W: int) -> Tuple[List[List[int]], List[List[int]], List[List[int]]]:
    """The four scans of an H x W grid: (orders, inverse orders, direction codes).

    o1: row snake from the top-left corner; o2: o1 reversed (row snake from the bottom row);
    o3: column snake from the top-left corner; o4: o3 reversed (column snake from the last column).
    order[t] = raster index visited at step t; inverse[p] = step at which p is visited.
    """
    o1 = _snake(H, W, lambda i, j: i * W + j)
    o3 = _snake(W, H, lambda j, i: i * W + j)
    orders = [o1, o1[::-1], o3, o3[::-1]]
    inverses = []
    for o in orders:
        inv = [0] * (H * W)
        for t, p in enumerate(o):
            inv[p] = t
        inverses.append(inv)
    return orders, inverses, [_directions(o, W) for o in orders]


# ----------------------------------------------------------------------------------------
# Selective scan: the plain recurrence and a batched variant
# ----------------------------------------------------------------------------------------

def selective_scan_sequential(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor,
                              B: torch.Tensor, C: torch.Tensor, D: torch.Tensor,
                              return_h: bool = False):
    """One direction of the scan, written as the recurrence, step by step.

    u     (b, L, E)  scan input, already in the scan's step order
    delta (b, L, E)  step sizes (softplus already applied)
    A     (E, N)     negative real diagonal state matrix
    B     (b, L, N)  input matrix per step (direction bias already added)
    C     (b, L, N)  output matrix per step
    D     (E,)       skip
    returns y (b, L, E) in step order [and h (b, L, E, N), the state after each step]

        h_t = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t      (h_{-1} = 0)
        y_t = sum_n C_t[n] * h_t[:, n] + D * u_t
    """
    b, L, E = u.shape
    N = A.shape[1]
    h = u.new_zeros(b, E, N)
    ys, hs = [], []
    for t in range(L):
        dt = delta[:, t, :, None]                                  # (b, E, 1)
        decay = torch.exp(dt * A)                                  # (b, E, N)
        drive = dt * B[:, t, None, :] * u[:, t, :, None]           # (b, E, N)
        h = decay * h + drive                                      # (b, E, N)
        y = (h * C[:, t, None, :]).sum(-1) + D * u[:, t, :]       # (b, E)
        ys.append(y)
        if return_h:
            hs.append(h)
    y = torch.stack(ys, dim=1)                                     # (b, L, E)
    if return_h:
        return y, torch.stack(hs, dim=1)                           # (b, L, E, N)
    return y


def four_scans_sequential(u, delta, A, B, C, D, direction_Bs, orders, inverses, dirs,
                          return_h: bool = False):
    """The four official scans, one after another with the plain recurrence.

    u, delta (b, L, E) and B, C (b, L, N) are in raster order. Returns the list of the four
    outputs put back on raster order, each (b, L, E) [and h (b, K, L, E, N)].
    """
    outs, hs = [], []
    for o, inv, d in zip(orders, inverses, dirs):
        o = torch.as_tensor(o, device=u.device)
        Bk = B + direction_Bs[torch.as_tensor(d, device=u.device)]  # (b, L, N): step t uses B[t]
        res = selective_scan_sequential(u[:, o], delta, A, Bk, C, D, return_h=return_h)
        y, h = res if return_h else (res, None)
        outs.append(y[:, torch.as_tensor(inv, device=u.device)])    # step order -> raster order
        if return_h:
            hs.append(h)
    if return_h:
        return outs, torch.stack(hs, dim=1)
    return outs


def four_scans_fast(u, delta, A, B, C, D, direction_Bs, orders, inverses, dirs,
                    return_h: bool = False):
    """Same result as four_scans_sequential, the K = 4 directions batched.

    Since delta and C (and B up to the direction bias) are indexed by the step t in all four
    directions, exp(delta * A) is computed once for all of them (one kernel over all steps),
    and each step updates the K states together.
    """
    b, L, E = u.shape
    N = A.shape[1]
    K = len(orders)
    o = torch.as_tensor(orders, device=u.device)                    # (K, L)
    inv = torch.as_tensor(inverses, device=u.device)                # (K, L)
    d = torch.as_tensor(dirs, device=u.device)                      # (K, L)
    uk = u[:, o]                                                    # (b, K, L, E)
    Bk = B[:, None] + direction_Bs[d]                               # (b, K, L, N)
    decay = torch.exp(delta[..., None] * A)                         # (b, L, E, N), shared by all K
    du = delta[:, None] * uk                                        # (b, K, L, E)
    h = u.new_zeros(b, K, E, N)
    ys, hs = [], []
    for t in range(L):
        # h <- exp(delta_t A) * h + (delta_t * u_t) * B_t   (out of place: autograd works too)
        h = torch.addcmul(decay[:, None, t] * h, du[:, :, t, :, None], Bk[:, :, t, None, :])  # (b, K, E, N)
        ys.append(torch.matmul(h, C[:, None, t, :, None])[..., 0])  # (b, K, E)
        if return_h:
            hs.append(h)
    y = torch.stack(ys, dim=2)                                      # (b, K, L, E)
    y = y + D * uk                                                  # (b, K, L, E)
    y = torch.gather(y, 2, inv[None, :, :, None].expand(b, K, L, E))  # raster order
    outs = list(y.unbind(1))
    return (outs, torch.stack(hs, dim=2)) if return_h else outs


# ----------------------------------------------------------------------------------------
# Modules (attribute names and registration order give the official state_dict keys)
# ----------------------------------------------------------------------------------------

class _ContiguousGradient(torch.autograd.Function):
    """The identity; its backward hands on a contiguous (NCHW) copy of the gradient."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad.contiguous()


class BatchNorm2d(nn.BatchNorm2d):
    """nn.BatchNorm2d with the same forward (and state_dict), guarded against a PyTorch CPU bug.

    torch 2.13.0's BatchNorm2d backward reads grad_output's buffer as if it were NCHW when the
    input is NCHW and grad_output is an N = 1 channels-last tensor whose batch stride is C (legal
    for a size-1 dimension, and exactly what the view backward of the head's
    x.flatten(2).transpose(1, 2) produces). Every gradient below the last layer came out wrong
    for the logit objectives (tools/reference/torch_bn_grad_repro.py shows the bug alone, see
    docs/gradients.md). The gradient is made contiguous before it reaches the kernel.
    """

    def forward(self, x):
        return _ContiguousGradient.apply(super().forward(x))


class ConvMlp(nn.Module):
    """1x1 conv -> BN -> GELU -> depthwise 3x3 -> BN -> GELU -> 1x1 conv -> BN. Key 'mlp'."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)
        self.mid = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.mid_norm = BatchNorm2d(hidden)
        self.norm1 = BatchNorm2d(hidden)
        self.norm2 = BatchNorm2d(dim)

    def forward(self, x, rec: Rec = None, name: str = "mlp"):
        x = self.fc1(x);      _put(rec, f"{name}.fc1", x)        # (b, 4C, h, w)
        x = self.norm1(x);    _put(rec, f"{name}.norm1", x)
        x = self.act(x);      _put(rec, f"{name}.act.0", x)
        x = self.mid(x);      _put(rec, f"{name}.mid", x)
        x = self.mid_norm(x); _put(rec, f"{name}.mid_norm", x)
        x = self.act(x);      _put(rec, f"{name}.act.1", x)
        x = self.fc2(x);      _put(rec, f"{name}.fc2", x)        # (b, C, h, w)
        x = self.norm2(x);    _put(rec, f"{name}.norm2", x)
        _put(rec, name, x)
        return x


class FFNBlock(nn.Module):
    """x + layer_scale_2 * mlp(x)."""

    def __init__(self, dim: int):
        super().__init__()
        self.mlp = ConvMlp(dim, MLP_RATIO * dim)
        self.layer_scale_2 = nn.Parameter(torch.full((dim, 1, 1), 1e-5))

    def forward(self, x, rec: Rec = None, name: str = ""):
        x = x + self.layer_scale_2 * self.mlp(x, rec, f"{name}.mlp")
        _put(rec, name, x)
        return x


class Downsample(nn.Module):
    """3x3 stride-2 conv then BN."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.proj = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1)
        self.norm = BatchNorm2d(c_out)

    def forward(self, x, rec: Rec = None, name: str = ""):
        x = self.proj(x); _put(rec, f"{name}.proj", x)            # (b, C', h/2, w/2)
        x = self.norm(x); _put(rec, f"{name}.norm", x)
        _put(rec, name, x)
        return x


class MambaMixer(nn.Module):
    """The 2-D Mamba mixer of one layer (official PlainMamba2D, no gate, four snake scans)."""

    def __init__(self, dim: int):
        super().__init__()
        E, N, R = EXPAND * dim, D_STATE, math.ceil(dim / 16)
        self.E, self.N, self.R = E, N, R
        self.in_conv = nn.Sequential(nn.Conv2d(dim, E, 1), BatchNorm2d(E))
        self.conv2d = nn.Conv2d(E, E, CONV_SIZE, padding=CONV_SIZE // 2, groups=E)
        self.x_proj = nn.Linear(E, R + 2 * N, bias=False)
        self.dt_proj = nn.Linear(R, E, bias=True)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(E, 1))
        self.D = nn.Parameter(torch.ones(E))
        self.norm = nn.LayerNorm(E)
        self.out_conv = nn.Sequential(nn.ReLU(), nn.Conv2d(E, dim, 1), BatchNorm2d(dim))
        self.direction_Bs = nn.Parameter(torch.zeros(4 + 1, N))
        self.fast_scan = True

    def forward(self, x, rec: Rec = None, name: str = "", record_h: bool = False):
        b, _, h, w = x.shape
        E, N, R = self.E, self.N, self.R
        L = h * w
        grid = lambda t: t.transpose(1, 2).reshape(b, -1, h, w)  # (b, L, F) -> (b, F, h, w)  # noqa: E731

        x = self.in_conv[0](x); _put(rec, f"{name}.in_conv.0", x)  # (b, E, h, w)
        x = self.in_conv[1](x); _put(rec, f"{name}.in_conv.1", x)
        _put(rec, f"{name}.in_conv", x)
        x = self.conv2d(x);     _put(rec, f"{name}.conv2d", x)
        x = F.silu(x);          _put(rec, f"{name}.u", x)
        u = x.flatten(2).transpose(1, 2)                             # (b, L, E), raster order

        x_dbl = self.x_proj(u); _put(rec, f"{name}.x_proj", x_dbl)   # (b, L, R + 2N)
        dt_raw, Bm, Cm = torch.split(x_dbl, [R, N, N], dim=-1)       # (b, L, R), (b, L, N), (b, L, N)
        dt = self.dt_proj(dt_raw); _put(rec, f"{name}.dt_proj", dt)  # (b, L, E), bias added once
        delta = F.softplus(dt + self.dt_proj.bias)                   # quirk: the bias a second time
        _put(rec, f"{name}.dt", grid(delta))                         # (b, E, h, w)
        _put(rec, f"{name}.B", grid(Bm))                             # (b, N, h, w)
        _put(rec, f"{name}.C", grid(Cm))

        A = -torch.exp(self.A_log)                                   # (E, N)
        orders, inverses, dirs = scan_orders(h, w)
        scans = four_scans_fast if (self.fast_scan and not record_h) else four_scans_sequential
        res = scans(u, delta, A, Bm, Cm, self.D, self.direction_Bs, orders, inverses, dirs,
                    return_h=record_h)
        outs, hs = res if record_h else (res, None)                  # 4 x (b, L, E) raster order
        if record_h:
            _put(rec, f"{name}.h", hs[0] if b == 1 else hs)          # (K, L, E, N) for b = 1
        for k, y_k in enumerate(outs, start=1):
            _put(rec, f"{name}.y.{k}", grid(y_k))
        y = outs[0] + outs[1] + outs[2] + outs[3]                    # (b, L, E): a sum, not a mean
        _put(rec, f"{name}.y", grid(y))

        y = self.norm(y); _put(rec, f"{name}.norm", y)               # (b, L, E)
        x = grid(y)                                                  # (b, E, h, w)
        x = self.out_conv[0](x); _put(rec, f"{name}.out_conv.0", x)
        x = self.out_conv[1](x); _put(rec, f"{name}.out_conv.1", x)  # (b, C, h, w)
        x = self.out_conv[2](x); _put(rec, f"{name}.out_conv.2", x)
        _put(rec, f"{name}.out_conv", x)
        _put(rec, name, x)
        return x


class MambaLayer(nn.Module):
    """x + mamba(norm(x)), then x + mlp(norm2(x)); norm, norm2 are BatchNorm. No layer scale."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = BatchNorm2d(dim)
        self.norm2 = BatchNorm2d(dim)
        self.mamba = MambaMixer(dim)
        self.mlp = ConvMlp(dim, MLP_RATIO * dim)

    def forward(self, x, rec: Rec = None, name: str = "", record_h: bool = False):
        y = self.norm(x); _put(rec, f"{name}.norm", y)
        x = x + self.mamba(y, rec, f"{name}.mamba", record_h=record_h)
        y = self.norm2(x); _put(rec, f"{name}.norm2", y)
        x = x + self.mlp(y, rec, f"{name}.mlp")
        _put(rec, name, x)
        return x


class VCMamba(nn.Module):
    def __init__(self, depths=(4, 4, 12, 8), widths=(32, 64, 144, 288), n_mamba: int = 4,
                 num_classes: int = 1000, resolution: int = 224):
        super().__init__()
        assert len(depths) == 4 and len(widths) == 4
        assert 0 <= n_mamba <= depths[3]
        self.depths, self.widths = tuple(depths), tuple(widths)
        self.n_mamba, self.num_classes, self.resolution = n_mamba, num_classes, resolution
        C1, C4 = widths[0], widths[3]
        self.patch_embed = nn.Sequential(
            nn.Conv2d(3, C1 // 2, 3, stride=2, padding=1), BatchNorm2d(C1 // 2), nn.ReLU(),
            nn.Conv2d(C1 // 2, C1, 3, stride=2, padding=1), BatchNorm2d(C1), nn.ReLU(),
        )
        grid = resolution // 32
        self.pos_embed = nn.Parameter(torch.zeros(1, C4, grid, grid))  # (1, C4, res/32, res/32)
        network = []
        for s in range(4):
            blocks = []
            for k in range(depths[s]):
                is_mamba = s == 3 and depths[s] - k <= n_mamba
                blocks.append(MambaLayer(widths[s]) if is_mamba else FFNBlock(widths[s]))
            network.append(nn.ModuleList(blocks))
            if s < 3:
                network.append(Downsample(widths[s], widths[s + 1]))
        self.network = nn.ModuleList(network)
        self.norm = nn.LayerNorm(C4)
        self.head = nn.Linear(C4, num_classes)
        self.dist_head = nn.Linear(C4, num_classes)

    @classmethod
    def preset(cls, name: str, num_classes: int = 1000, resolution: int = 224) -> "VCMamba":
        depths, widths, n_mamba = PRESETS[name]
        return cls(depths, widths, n_mamba, num_classes, resolution)

    def config(self) -> dict:
        return dict(depths=list(self.depths), widths=list(self.widths), n_mamba=self.n_mamba,
                    num_classes=self.num_classes, resolution=self.resolution)

    def set_fast_scan(self, fast: bool) -> None:
        for m in self.modules():
            if isinstance(m, MambaMixer):
                m.fast_scan = fast

    def pos_embed_for(self, h: int, w: int) -> torch.Tensor:
        """pos_embed on an h x w grid: as stored on the native grid, else resized bicubically
        (align_corners=False). The resize is vcview's extension; the official code has none."""
        if tuple(self.pos_embed.shape[2:]) == (h, w):
            return self.pos_embed
        return F.interpolate(self.pos_embed, size=(h, w), mode="bicubic", align_corners=False)

    def forward(self, x: torch.Tensor, rec: Rec = None, record_h: bool = False) -> torch.Tensor:
        """Eval forward: x (b, 3, H, W) -> logits (b, classes). With rec, fills it with every site
        of docs/sites.md (the hidden states '*.mamba.h' only when record_h)."""
        _put(rec, "input", x)
        for k, layer in enumerate(self.patch_embed):
            x = layer(x); _put(rec, f"patch_embed.{k}", x)           # (b, C1/2 | C1, H/2 | H/4, ...)
        _put(rec, "patch_embed", x)                                  # (b, C1, H/4, W/4)

        for idx, part in enumerate(self.network):
            name = f"network.{idx}"
            if isinstance(part, Downsample):
                x = part(x, rec, name)
                continue
            for k, block in enumerate(part):
                if isinstance(block, MambaLayer):
                    if k == self.depths[3] - self.n_mamba:           # before the first Mamba layer
                        x = x + self.pos_embed_for(x.shape[2], x.shape[3])
                        _put(rec, "pos_embed", x)
                    x = block(x, rec, f"{name}.{k}", record_h=record_h)
                else:
                    x = block(x, rec, f"{name}.{k}")
            _put(rec, name, x)

        t = x.flatten(2).transpose(1, 2)                             # (b, L, C4)
        t = self.norm(t); _put(rec, "norm", t)
        pooled = t.mean(1); _put(rec, "pool", pooled)                # (b, C4)
        a = self.head(pooled); _put(rec, "head", a)                  # (b, classes)
        d = self.dist_head(pooled); _put(rec, "dist_head", d)
        logits = (a + d) / 2; _put(rec, "logits", logits)
        return logits


def site_names(model: VCMamba, include_h: bool = True) -> List[str]:
    """All site names of docs/sites.md for this model, in forward order."""
    rec: Dict[str, torch.Tensor] = {}
    g = 32 * max(1, model.resolution // 32)
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, g, g), rec, record_h=include_h)
    return list(rec)
