"""A PyTorch CPU bug, alone: BatchNorm2d (eval) backward reads grad_output's memory as NCHW.

    /work/venv/bin/python tools/reference/torch_bn_grad_repro.py

With an NCHW-contiguous input and an N = 1 grad_output in channels-last layout whose batch
stride is C (legal: the dimension has size 1; PyTorch's own view backward makes such tensors,
e.g. the gradient of x.flatten(2).transpose(1, 2)), torch 2.13.0's CPU kernel returns
grad_output's buffer read as if it were NCHW, times weight / sqrt(var + eps). A channels-last
grad_output with the usual batch stride C*H*W, or a channels-last input, gives the right answer.
vcmamba_ref.BatchNorm2d works around it (docs/gradients.md).
"""
import torch

torch.manual_seed(0)
C, H, W = 4, 2, 3
for dtype in (torch.float64, torch.float32):
    bn = torch.nn.BatchNorm2d(C).to(dtype).eval()                  # mean 0, var 1, weight 1, bias 0
    x = torch.randn(1, C, H, W, dtype=dtype, requires_grad=True)
    g = torch.randn(H, W, C, dtype=dtype).permute(2, 0, 1)[None]   # sizes (1, C, H, W), strides (C, 1, W*C, C)
    exact = g / (1 + bn.eps) ** 0.5                                 # d bn(x) / dx = weight / sqrt(var + eps)
    got = torch.autograd.grad(bn(x), x, g)[0]
    fixed = torch.autograd.grad(bn(x), x, g.contiguous())[0]
    as_nchw = torch.as_strided(g, (g.numel(),), (1,)).view(1, C, H, W) / (1 + bn.eps) ** 0.5
    print(f"torch {torch.__version__} {dtype}: grad_output strides {g.stride()}; max |error| "
          f"{(got - exact).abs().max():.3g} (grad_output.contiguous(): {(fixed - exact).abs().max():.3g}); "
          f"the result equals grad_output's buffer read as NCHW: {bool(torch.allclose(got, as_nchw))}")
