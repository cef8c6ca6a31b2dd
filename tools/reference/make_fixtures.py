"""Regenerate every golden fixture under Tests/Fixtures/ (deterministic, byte for byte).

    .venv/bin/python tools/reference/make_fixtures.py            # everything
    .venv/bin/python tools/reference/make_fixtures.py tiny bad   # some parts

Parts: tiny, interpret, variants, scan_orders, checkpoints, bad. See tools/reference/README.md.
"""
from __future__ import annotations

import argparse
import collections
import copy
import io
import json
import os
import pickle
import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import seeded  # noqa: E402
import vcmamba_ref as ref  # noqa: E402

ROOT = HERE.parent.parent
FIX = ROOT / "Tests" / "Fixtures"

TINY = dict(depths=[1, 1, 2, 3], widths=[8, 16, 24, 32], n_mamba=2, num_classes=10, resolution=160)
TINY_SEED = 1
EMA_SEED = 2
MARKER = "/tmp/vcview_pwned_marker"


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------

def tiny_model(seed=TINY_SEED) -> ref.VCMamba:
    m = ref.VCMamba(**{k: TINY[k] for k in ("depths", "widths", "n_mamba", "num_classes", "resolution")})
    m.load_state_dict(seeded.seeded_state_dict(m, seed), strict=True)
    return m.eval()


def logits_of(model: ref.VCMamba, x: np.ndarray, fast=True) -> np.ndarray:
    model.set_fast_scan(fast)
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy().astype(np.float32)


def floats(a) -> list:
    """float32 values as JSON numbers (shortest repr of the exact value; parses back bit-exact)."""
    return [float(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def write_json(path: Path, obj, compact_lists=False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=None if compact_lists else 1)
    path.write_text(text + "\n")


def save_npy(path: Path, a) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(np.asarray(a, dtype=np.float32)))


def _zip_entries(buf: bytes):
    """(name, local header offset, central directory entry offset) of every entry of a zip."""
    zf = zipfile.ZipFile(io.BytesIO(buf))
    eocd = buf.rfind(b"PK\x05\x06")
    cd_off = zf.start_dir
    out = {}
    pos = cd_off
    while pos < eocd and buf[pos:pos + 4] == b"PK\x01\x02":
        nlen, xlen, clen = struct.unpack_from("<HHH", buf, pos + 28)
        name = buf[pos + 46:pos + 46 + nlen].decode()
        (lh,) = struct.unpack_from("<I", buf, pos + 42)
        out[name] = (lh, pos)
        pos += 46 + nlen + xlen + clen
    return out


def _patch_record(buf: bytearray, name: str, new: bytes) -> None:
    """Replace the contents of a stored (uncompressed) zip record by bytes of the same length.

    torch's zip writer sets bit 3 of the flags: the local header holds zero CRC and sizes, the
    real ones are in the central directory and in a data descriptor after the data."""
    lh, cd = _zip_entries(bytes(buf))[name]
    nlen, xlen = struct.unpack_from("<HH", buf, lh + 26)
    start = lh + 30 + nlen + xlen
    (size,) = struct.unpack_from("<I", buf, cd + 24)
    assert size == len(new), (name, size, len(new))
    buf[start:start + size] = new
    crc = zlib.crc32(new) & 0xFFFFFFFF
    (flags,) = struct.unpack_from("<H", buf, lh + 6)
    if flags & 0x8:
        dd = start + size
        struct.pack_into("<I", buf, dd + 4 if buf[dd:dd + 4] == b"PK\x07\x08" else dd, crc)
    else:
        struct.pack_into("<I", buf, lh + 14, crc)
    struct.pack_into("<I", buf, cd + 16, crc)


def _zero_serialization_id(buf: bytearray) -> None:
    for n, (lh, cd) in _zip_entries(bytes(buf)).items():
        if n.endswith(".data/serialization_id"):
            (size,) = struct.unpack_from("<I", buf, cd + 24)
            _patch_record(buf, n, b"0" * size)
    assert zipfile.ZipFile(io.BytesIO(bytes(buf))).testzip() is None


def torch_save_deterministic(obj, path: Path) -> None:
    """torch.save, with the random '.data/serialization_id' record replaced by zeros so that
    re-running the generator gives identical bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(obj, path)  # the top folder of the zip is named after the file stem
    buf = bytearray(path.read_bytes())
    _zero_serialization_id(buf)
    path.write_bytes(bytes(buf))


def write_torch_zip(path: Path, pkl: bytes, records: dict) -> None:
    """A torch-format zip written with torch's own zip writer (64-byte aligned records):
    <stem>/data.pkl, .format_version, .storage_alignment, byteorder, data/<key>, version,
    .data/serialization_id (zeroed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w = torch._C.PyTorchFileWriter(str(path))
    w.write_record("data.pkl", pkl, len(pkl))
    w.write_record(".format_version", b"1", 1)
    w.write_record(".storage_alignment", b"64", 2)
    w.write_record("byteorder", b"little", 6)
    for key, data in records.items():
        w.write_record(f"data/{key}", data, len(data))
    w.write_end_of_file()
    del w
    buf = bytearray(path.read_bytes())
    _zero_serialization_id(buf)
    path.write_bytes(bytes(buf))


class _Storage:
    """Stand-in for a storage record when writing a torch-style pickle by hand."""

    def __init__(self, key: str, numel: int, storage_type=torch.FloatStorage):
        self.key, self.numel, self.storage_type = key, numel, storage_type


class _TensorRef:
    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


class _TorchStylePickler(pickle.Pickler):
    """Writes the same opcodes torch.save writes for tensors (persistent storage ids and
    torch._utils._rebuild_tensor_v2), for arbitrary (also inconsistent) offsets and sizes."""

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, _TensorRef):
            return (torch._utils._rebuild_tensor_v2,
                    (obj.storage, obj.offset, obj.size, obj.stride, False, collections.OrderedDict()))
        return NotImplemented


def torch_style_pickle(obj) -> bytes:
    bio = io.BytesIO()
    _TorchStylePickler(bio, protocol=2).dump(obj)
    return bio.getvalue()


def sd_to_refs(sd: dict):
    """A state dict as (OrderedDict of _TensorRef, storage records), one storage per tensor."""
    out, records = collections.OrderedDict(), {}
    storage_type = {torch.float32: torch.FloatStorage, torch.int64: torch.LongStorage,
                    torch.float16: torch.HalfStorage, torch.bfloat16: torch.BFloat16Storage}
    for i, (k, t) in enumerate(sd.items()):
        t = t.contiguous()
        st = _Storage(str(i), t.numel(), storage_type[t.dtype])
        out[k] = _TensorRef(st, 0, t.shape, t.stride())
        records[str(i)] = t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
    return out, records


# ----------------------------------------------------------------------------------------
# tiny: all sites
# ----------------------------------------------------------------------------------------

def make_tiny() -> None:
    out = FIX / "tiny"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    model = tiny_model()
    write_json(out / "config.json", dict(TINY, seed=TINY_SEED))
    save_file(model.state_dict(), str(out / "weights.safetensors"))
    x = seeded.seeded_input(TINY_SEED, TINY["resolution"], TINY["resolution"])
    save_npy(out / "input.npy", x)

    model.set_fast_scan(False)  # the sequential recurrence is the reference
    rec = {}
    with torch.no_grad():
        model(torch.from_numpy(x), rec, record_h=True)
    for name, t in rec.items():
        save_npy(out / "acts" / f"{name}.npy", t.numpy())

    # non-native, non-square input: grid 6 x 7, pos_embed resized bicubically
    x2 = seeded.seeded_input(TINY_SEED, 192, 224)
    save_npy(out / "input_192x224.npy", x2)
    rec2 = {}
    with torch.no_grad():
        model(torch.from_numpy(x2), rec2)
    keep = [n for n in rec2 if n == "pos_embed" or n.startswith("network.6.") or
            n in ("norm", "pool", "head", "dist_head", "logits")]
    for name in keep:
        save_npy(out / "acts_192x224" / f"{name}.npy", rec2[name].numpy())
    print(f"tiny: {len(rec)} sites at 160x160, {len(keep)} at 192x224")


# ----------------------------------------------------------------------------------------
# variants S / M / B
# ----------------------------------------------------------------------------------------

SAMPLE_KEYS = ["patch_embed.0.weight", "patch_embed.0.bias", "patch_embed.1.weight", "patch_embed.1.running_mean",
               "patch_embed.1.running_var", "network.0.0.layer_scale_2", "network.0.0.mlp.mid.weight",
               "pos_embed", "head.weight"]


def make_variants() -> None:
    x = seeded.seeded_input(0, 224, 224)
    for name in "SMB":
        model = ref.VCMamba.preset(name).eval()
        sd = seeded.seeded_state_dict(model, 0)
        model.load_state_dict(sd, strict=True)
        logits = logits_of(model, x, fast=True)[0]
        m64 = copy.deepcopy(model).double()
        with torch.no_grad():
            l64 = m64(torch.from_numpy(x).double())[0].numpy()
        first_mamba = model.depths[3] - model.n_mamba
        keys = SAMPLE_KEYS + [f"network.6.{first_mamba}.mamba.{k}" for k in
                              ("A_log", "D", "dt_proj.bias", "dt_proj.weight", "direction_Bs", "conv2d.weight",
                               "x_proj.weight", "norm.weight")]
        samples = {}
        for k in keys:
            v = sd[k].numpy().reshape(-1)[:8]
            samples[k] = dict(shape=list(sd[k].shape), first8_hex=seeded.f32_hex(v), first8=floats(v))
        xin = x.reshape(-1)[:8]
        samples["input"] = dict(shape=list(x.shape), first8_hex=seeded.f32_hex(xin), first8=floats(xin))
        top5 = np.argsort(-logits, kind="stable")[:5]
        obj = dict(variant=name, **model.config(), weights_seed=0, input_seed=0, input_shape=[1, 3, 224, 224],
                   num_keys=len(sd), num_params=sum(p.numel() for p in model.parameters()),
                   top5=[int(i) for i in top5], logits=floats(logits),
                   logits_float64=[float(v) for v in l64],
                   max_abs_diff_float32_vs_float64=float(np.abs(logits.astype(np.float64) - l64).max()),
                   scan="batched (four_scans_fast)", seeded_samples=samples)
        write_json(FIX / "variants" / f"{name}.json", obj)
        print(f"variant {name}: logits [{logits.min():.4f}, {logits.max():.4f}], top5 {[int(i) for i in top5]}, "
              f"|f32-f64| {obj['max_abs_diff_float32_vs_float64']:.2e}")


# ----------------------------------------------------------------------------------------
# scan orders
# ----------------------------------------------------------------------------------------

def make_scan_orders() -> None:
    grids = []
    for H in range(1, 10):
        for W in range(1, 10):
            o, inv, d = ref.scan_orders(H, W)
            grids.append(dict(H=H, W=W, orders=o, inverse_orders=inv, directions=d))
    obj = dict(note="orders[k][t] = raster index p = i*W + j visited at step t of scan k+1; "
                    "inverse_orders[k][p] = t; directions[k][t]: 0 start, 1 right, 2 left, 3 up, 4 down "
                    "(the move that led to orders[k][t]). Same as the official get_permute_order.",
               grids=grids)
    path = FIX / "scan_orders.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    # one grid per line keeps the file small and diffable
    lines = ["{", f' "note": {json.dumps(obj["note"])},', ' "grids": [']
    lines += [" " + json.dumps(g) + ("," if i < len(grids) - 1 else "") for i, g in enumerate(grids)]
    lines += [" ]", "}"]
    path.write_text("\n".join(lines) + "\n")
    assert json.loads(path.read_text()) == obj
    print(f"scan_orders: {len(grids)} grids")


# ----------------------------------------------------------------------------------------
# checkpoints (tiny config)
# ----------------------------------------------------------------------------------------

def _adamw_state(model: ref.VCMamba, x: np.ndarray, lr: float, wd: float) -> dict:
    """A real AdamW state_dict after one step, with timm's two parameter groups (no weight decay
    for 1-D parameters and biases, weight decay for the rest)."""
    m = copy.deepcopy(model).train()
    decay, no_decay = [], []
    for n, p in m.named_parameters():
        (no_decay if p.ndim <= 1 or n.endswith(".bias") else decay).append(p)
    opt = torch.optim.AdamW([dict(params=no_decay, weight_decay=0.0), dict(params=decay, weight_decay=wd)],
                            lr=lr, betas=(0.9, 0.999), eps=1e-8)
    for g in opt.param_groups:
        g["initial_lr"] = lr
    loss = F.cross_entropy(m(torch.from_numpy(x)), torch.tensor([3]))
    loss.backward()
    opt.step()
    return opt.state_dict()


def _scheduler_state(lr: float) -> dict:
    """Shaped like timm's CosineLRScheduler.state_dict() (its __dict__ without the optimizer)."""
    return {"param_group_field": "lr", "_initial_param_group_field": "initial_lr",
            "base_values": [lr, lr], "metric": None, "t_in_epochs": True,
            "noise_range_t": None, "noise_pct": 0.67, "noise_type": "normal", "noise_std": 1.0,
            "noise_seed": 42, "t_initial": 300, "lr_min": 1e-05, "cycle_mul": 1.0, "cycle_decay": 0.1,
            "cycle_limit": 1, "warmup_t": 5, "warmup_lr_init": 1e-06, "warmup_prefix": False,
            "k_decay": 1.0, "warmup_steps": [(lr - 1e-06) / 5, (lr - 1e-06) / 5]}


def _args(lr: float) -> argparse.Namespace:
    return argparse.Namespace(
        batch_size=128, epochs=300, bce_loss=False, unscale_lr=False, model="VCMamba_custom", input_size=160,
        drop=0.0, drop_path=0.2, model_ema=True, model_ema_decay=0.99996, model_ema_force_cpu=False,
        opt="adamw", opt_eps=1e-08, opt_betas=None, clip_grad=None, clip_mode="agc", momentum=0.9,
        weight_decay=0.05, sched="cosine", lr=lr, lr_noise=None, lr_noise_pct=0.67, lr_noise_std=1.0,
        warmup_lr=1e-06, min_lr=1e-05, decay_epochs=30, warmup_epochs=5, cooldown_epochs=10,
        patience_epochs=10, decay_rate=0.1, color_jitter=0.3, aa="rand-m9-mstd0.5-inc1", smoothing=0.1,
        train_interpolation="bicubic", repeated_aug=True, reprob=0.25, remode="pixel", recount=1,
        resplit=False, mixup=0.8, cutmix=1.0, cutmix_minmax=None, mixup_prob=1.0, mixup_switch_prob=0.5,
        mixup_mode="batch", teacher_model="regnety_160", teacher_path="", distillation_type="soft",
        distillation_alpha=0.5, distillation_tau=1.0, finetune="", data_path="/data/imagenet/",
        data_set="IMNET", output_dir="./output/tiny", device="cuda", seed=0, resume="", start_epoch=0,
        eval=False, eval_crop_ratio=0.875, dist_eval=True, num_workers=10, pin_mem=True,
        distributed=True, world_size=8, dist_url="env://", rank=0, gpu=0, local_rank=0,
        dist_backend="nccl")


def _noncontig_state_dict(sd: dict) -> dict:
    """The same values, held by non-contiguous views: every >= 2-D weight laid out transposed in
    memory (2-D and 1x1 convs: column-major; depthwise kernels: kh and kw swapped; other convs:
    channels-last), and the weight, bias, running_mean and running_var of each BatchNorm slicing
    one shared storage with storage offsets (3 unused floats between them)."""
    out = collections.OrderedDict()
    shared = {}  # BN module prefix -> one flat buffer
    for k, t in sd.items():
        prefix, leaf = k.rsplit(".", 1) if "." in k else ("", k)
        if leaf in ("weight", "bias", "running_mean", "running_var") and \
                f"{prefix}.running_var" in sd and t.ndim == 1:
            if prefix not in shared:
                parts = [sd[f"{prefix}.{n}"] for n in ("weight", "bias", "running_mean", "running_var")]
                # a gap of 3 unused floats between parts, so offsets are not just multiples of C
                buf = torch.zeros(sum(p.numel() + 3 for p in parts))
                offs, pos = {}, 0
                for n, p in zip(("weight", "bias", "running_mean", "running_var"), parts):
                    buf[pos:pos + p.numel()] = p
                    offs[n] = pos
                    pos += p.numel() + 3
                shared[prefix] = (buf, offs)
            buf, offs = shared[prefix]
            out[k] = buf[offs[leaf]:offs[leaf] + t.numel()]
        elif t.ndim == 2:
            out[k] = t.t().contiguous().t()                       # strides (1, rows)
        elif t.ndim == 4 and t.shape[2:] == (1, 1):              # 1x1 conv: (out, in) column-major
            out[k] = t[:, :, 0, 0].t().contiguous().t()[:, :, None, None]
        elif t.ndim == 4 and t.shape[1] == 1:                     # depthwise: kernel transposed in memory
            out[k] = t.transpose(2, 3).contiguous().transpose(2, 3)
        elif t.ndim == 4:                                         # channels-last strides
            out[k] = t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
        else:
            out[k] = t.clone()
    return out


def make_checkpoints() -> None:
    out = FIX / "checkpoints"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    model = tiny_model(TINY_SEED)
    ema = tiny_model(EMA_SEED)
    x = seeded.seeded_input(TINY_SEED, TINY["resolution"], TINY["resolution"])
    sd = model.state_dict()          # an OrderedDict with _metadata, as the training script saves
    sd_ema = ema.state_dict()
    lr = 1e-3
    ckpt = {"model": sd, "optimizer": _adamw_state(model, x, lr, 0.05), "lr_scheduler": _scheduler_state(lr),
            "epoch": 299, "model_ema": sd_ema,
            "scaler": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
                       "_growth_tracker": 0},
            "args": _args(lr)}
    torch_save_deterministic(ckpt, out / "official.pth")
    torch_save_deterministic(sd, out / "bare_state_dict.pth")
    torch_save_deterministic({"state_dict": sd}, out / "nested_state_dict.pth")
    half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
    half._metadata = sd._metadata  # as model.half().state_dict() would carry
    torch_save_deterministic(half, out / "fp16.pth")
    nc = _noncontig_state_dict(sd)
    nc._metadata = sd._metadata
    torch_save_deterministic(nc, out / "noncontig.pth")
    save_file(sd, str(out / "weights.safetensors"))
    save_file({k: v.half() if v.is_floating_point() else v for k, v in sd.items()}, str(out / "weights_f16.safetensors"))
    bf = {k: v.bfloat16() if v.is_floating_point() else v for k, v in sd.items()}
    save_file(bf, str(out / "weights_bf16.safetensors"))

    # verify what was written (these are our own files: torch.load with weights_only=True)
    nc_back = torch.load(out / "noncontig.pth", weights_only=True)
    n_strided = sum(1 for t in nc_back.values() if not t.is_contiguous())
    n_offset = sum(1 for t in nc_back.values() if t.storage_offset() > 0)
    ptrs = collections.Counter(t.untyped_storage().data_ptr() for t in nc_back.values())
    n_shared = sum(c for c in ptrs.values() if c > 1)
    for k, t in nc_back.items():
        assert torch.equal(t, sd[k]), k
        assert t.stride() == nc[k].stride() and t.storage_offset() == nc[k].storage_offset(), k
    assert n_strided > 0 and n_offset > 0 and n_shared > 0
    back = torch.load(out / "official.pth", weights_only=False)
    assert all(torch.equal(back["model"][k], sd[k]) for k in sd)
    assert all(torch.equal(back["model_ema"][k], sd_ema[k]) for k in sd)
    assert type(back["args"]) is argparse.Namespace and back["epoch"] == 299

    l_model = logits_of(model, x)
    l_ema = logits_of(ema, x)

    def rounded(dtype):
        m = copy.deepcopy(model)
        m.load_state_dict({k: v.to(dtype).float() if v.is_floating_point() else v for k, v in sd.items()})
        return logits_of(m, x)

    l_f16, l_bf16 = rounded(torch.float16), rounded(torch.bfloat16)
    files = {
        "official.pth": dict(entry="model", weights_dtype="float32", logits=floats(l_model),
                             ema=dict(entry="model_ema", weights_seed=EMA_SEED, logits=floats(l_ema))),
        "bare_state_dict.pth": dict(entry=None, weights_dtype="float32", logits=floats(l_model)),
        "nested_state_dict.pth": dict(entry="state_dict", weights_dtype="float32", logits=floats(l_model)),
        "fp16.pth": dict(entry=None, weights_dtype="float16", logits=floats(l_f16)),
        "noncontig.pth": dict(entry=None, weights_dtype="float32", logits=floats(l_model),
                              non_contiguous_tensors=n_strided, tensors_with_storage_offset=n_offset,
                              tensors_sharing_a_storage=n_shared),
        "weights.safetensors": dict(entry=None, weights_dtype="float32", logits=floats(l_model)),
        "weights_f16.safetensors": dict(entry=None, weights_dtype="float16", logits=floats(l_f16)),
        "weights_bf16.safetensors": dict(entry=None, weights_dtype="bfloat16", logits=floats(l_bf16)),
    }
    write_json(out / "expected.json", dict(
        config=TINY, input="Tests/Fixtures/tiny/input.npy", weights_seed=TINY_SEED,
        note="logits (1, num_classes) for the input, float32 forward; float16/bfloat16 files: the model with "
             "the rounded weights (converted back to float32), computed in float32. entry: the top-level dict "
             "key holding the state dict (null: the file is the state dict). official.pth: 'ema' gives the "
             "logits when the model_ema entry is used (seeded with seed 2). num_batches_tracked is int64 "
             "in every file.",
        files=files))
    print(f"checkpoints: logits model [{l_model.min():.4f}, {l_model.max():.4f}] ema [{l_ema.min():.4f}, "
          f"{l_ema.max():.4f}]; noncontig: {n_strided} strided, {n_offset} offset, {n_shared} sharing")


# ----------------------------------------------------------------------------------------
# bad files
# ----------------------------------------------------------------------------------------

def _op_str(s: str) -> bytes:
    b = s.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(b)) + b


def _global(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _evil_dict(call: bytes, proto: int = 2) -> bytes:
    """{'model': <call>} where <call> is pickle opcodes that leave the call result on the stack."""
    return (pickle.PROTO + bytes([proto]) + pickle.EMPTY_DICT + _op_str("model") + call +
            pickle.SETITEM + pickle.STOP)


def make_bad() -> None:
    out = FIX / "bad"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    model = tiny_model(TINY_SEED)
    # float16 weights (as checkpoints/fp16.pth) keep these files small
    sd = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items())
    readme = []

    def note(fname, what, expected):
        readme.append(f"- `{fname}`: {what} Expected: {expected}")

    # truncated zip
    torch_save_deterministic(sd, out / "_tmp.pth")
    whole = (out / "_tmp.pth").read_bytes()
    (out / "_tmp.pth").unlink()
    (out / "truncated.pth").write_bytes(whole[:len(whole) * 6 // 10])
    note("truncated.pth", "the first 60% of a valid torch zip checkpoint (tiny config, float16; no central directory).",
         "error 'not a valid/complete zip archive' (truncated), no crash.")

    cmd = f"touch {MARKER}"
    calls = {
        "pwned_os_system.pth": (_global("os", "system") + _op_str(cmd) + pickle.TUPLE1 + pickle.REDUCE, 2,
                                "data.pkl calls `os.system('touch /tmp/vcview_pwned_marker')` via GLOBAL + REDUCE."),
        "pwned_posix_system.pth": (_op_str("posix") + _op_str("system") + pickle.STACK_GLOBAL + _op_str(cmd) +
                                   pickle.TUPLE1 + pickle.REDUCE, 4,
                                   "data.pkl (protocol 4) calls `posix.system(...)` via STACK_GLOBAL + REDUCE."),
        "pwned_builtins_eval.pth": (_global("builtins", "eval") +
                                    _op_str(f"__import__('os').system('{cmd}')") + pickle.TUPLE1 + pickle.REDUCE, 2,
                                    "data.pkl calls `builtins.eval(\"__import__('os').system(...)\")` via REDUCE."),
        "pwned_subprocess_popen.pth": (_global("subprocess", "Popen") + pickle.MARK + _op_str("touch") +
                                       _op_str(MARKER) + pickle.LIST + pickle.TUPLE1 + pickle.REDUCE, 2,
                                       "data.pkl calls `subprocess.Popen(['touch', '/tmp/vcview_pwned_marker'])`."),
        "pwned_inst.pth": (pickle.MARK + _op_str(cmd) + pickle.INST + b"os\nsystem\n", 2,
                           "data.pkl calls `os.system(...)` through the INST opcode (no REDUCE)."),
    }
    for fname, (call, proto, what) in calls.items():
        write_torch_zip(out / fname, _evil_dict(call, proto), {})
        note(fname, what + " A valid torch zip otherwise.",
             f"refused (global not on the allow-list), nothing called; `{MARKER}` must not exist afterwards.")

    # a valid model with a payload in a non-model entry
    refs, records = sd_to_refs(sd)
    good_pkl = torch_style_pickle({"model": refs, "epoch": 299})
    assert good_pkl.endswith(pickle.SETITEMS + pickle.STOP) or good_pkl.endswith(pickle.SETITEM + pickle.STOP)
    evil_args = _global("os", "system") + _op_str(cmd) + pickle.TUPLE1 + pickle.REDUCE
    pkl = good_pkl[:-1]  # drop STOP: the top dict is on the stack
    pkl += _op_str("args") + evil_args + pickle.SETITEM + pickle.STOP
    write_torch_zip(out / "pwned_in_args.pth", pkl, records)
    note("pwned_in_args.pth", "a valid tiny-config 'model' state dict (seed 1, float16) plus an 'args' entry that calls "
         "`os.system('touch /tmp/vcview_pwned_marker')`.",
         "either refused, or the model loads with 'args' kept as an inert placeholder (logits as "
         "checkpoints/expected.json 'fp16.pth'); never called, the marker must not exist.")

    # sanity of the hand-written torch pickle: the same pickler on a clean dict loads like torch.save
    write_torch_zip(out / "_tmp.pth", good_pkl, records)
    back = torch.load(out / "_tmp.pth", weights_only=True)
    assert list(back["model"]) == list(sd) and all(torch.equal(back["model"][k], sd[k]) for k in sd)
    (out / "_tmp.pth").unlink()

    # wrong shape / missing keys (tiny config: its Mamba layers are network.6.1 and network.6.2)
    bad_sd = collections.OrderedDict(sd)
    bad_sd["network.6.2.mamba.A_log"] = bad_sd["network.6.2.mamba.A_log"].reshape(-1)[:64 * 8].reshape(64, 8).clone()
    torch_save_deterministic(bad_sd, out / "wrong_shape.pth")
    note("wrong_shape.pth", "tiny-config float16 state dict where `network.6.2.mamba.A_log` has shape (64, 8) instead of (64, 16).",
         "error naming the key and both shapes.")
    miss = collections.OrderedDict((k, v) for k, v in sd.items() if k not in ("head.weight", "network.6.2.mamba.D"))
    torch_save_deterministic(miss, out / "missing_keys.pth")
    note("missing_keys.pth", "tiny-config float16 state dict without `head.weight` and `network.6.2.mamba.D`.",
         "error listing the missing keys.")

    # storage shorter than it claims / a view past the end of its storage
    small = collections.OrderedDict((k, sd[k].float()) for k in ("head.weight", "head.bias"))
    refs, records = sd_to_refs(small)
    records["0"] = records["0"][:len(records["0"]) // 2]
    write_torch_zip(out / "storage_past_end.pth", torch_style_pickle(refs), records)
    note("storage_past_end.pth", "`head.weight` (10, 32) float32 declares a storage of 320 elements but its "
         "record data/0 holds only 640 bytes (160 elements).",
         "error: storage record shorter than declared / tensor reads past the end of its data; no out-of-bounds read. "
         "(Only `head.weight` and `head.bias`: the storage error must come before any key check.)")
    refs, records = sd_to_refs(small)
    refs["head.weight"].offset = 300  # 300 + 320 elements > 320
    write_torch_zip(out / "view_past_storage.pth", torch_style_pickle(refs), records)
    note("view_past_storage.pth", "`head.weight` (10, 32) with storage_offset 300 in a 320-element storage "
         "(record complete; only `head.weight` and `head.bias`).",
         "error: tensor extends past the end of its storage; no out-of-bounds read.")

    # safetensors with broken offsets
    def st_file(header: dict, data: bytes) -> bytes:
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * (-len(h) % 8)
        return struct.pack("<Q", len(h)) + h + data
    data = np.arange(16, dtype=np.float32).tobytes()
    (out / "overlap.safetensors").write_bytes(st_file(
        {"head.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]},
         "head.bias": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]},
         "pos_embed": {"dtype": "F32", "shape": [4], "data_offsets": [48, 64]}}, data))
    note("overlap.safetensors", "`head.bias` bytes [16, 32) overlap `head.weight` [0, 32) (64-byte buffer).",
         "error: overlapping / non-contiguous data_offsets (the safetensors library refuses it too).")
    (out / "past_end.safetensors").write_bytes(st_file(
        {"head.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]},
         "head.bias": {"dtype": "F32", "shape": [16], "data_offsets": [32, 96]}}, data))
    note("past_end.safetensors", "`head.bias` has data_offsets [32, 96) but the buffer is 64 bytes.",
         "error: offsets past the end of the file; no out-of-bounds read.")
    from safetensors import SafetensorError
    from safetensors.numpy import load_file as st_load
    for fname in ("overlap.safetensors", "past_end.safetensors"):
        try:
            st_load(str(out / fname))
            raise AssertionError(f"safetensors accepted {fname}")
        except SafetensorError:
            pass

    # images and empty files
    (out / "not_an_image.jpg").write_bytes(b"This is plain text, not a JPEG.\n")
    note("not_an_image.jpg", "a text file with a .jpg name.", "error: not a supported image (bad signature).")
    from PIL import Image
    img = Image.fromarray((np.arange(32 * 32 * 3, dtype=np.uint32) * 2654435761 % 251).astype(np.uint8).reshape(32, 32, 3))
    bio = io.BytesIO()
    img.save(bio, format="PNG", optimize=False, compress_level=0)
    png = bio.getvalue()
    idat = png.find(b"IDAT")
    (out / "truncated.png").write_bytes(png[:idat + 4 + 400])
    note("truncated.png", "a 32x32 RGB PNG cut off 400 bytes into its IDAT chunk (no IEND).",
         "error: truncated / corrupt PNG, no crash.")
    (out / "empty.pth").write_bytes(b"")
    note("empty.pth", "0 bytes.", "error: empty file (not a checkpoint).")
    (out / "empty.jpg").write_bytes(b"")
    note("empty.jpg", "0 bytes.", "error: empty file (not an image).")

    text = ["# Hostile and broken inputs for the loaders",
            "",
            "Written by `tools/reference/make_fixtures.py bad`. Torch-style zips are written with torch's own",
            "zip writer (64-byte aligned records); their `data.pkl` may be hand-assembled pickle opcodes. The",
            "generator never unpickles the hostile files. State dicts here use the tiny config of `../tiny/`",
            "(seed 1, float16 unless said otherwise). Zip readers: torch's writer sets flag bit 3, so local",
            "headers carry zero CRC and sizes; take sizes from the central directory.",
            ""] + readme
    (out / "README.md").write_text("\n".join(text) + "\n")
    print(f"bad: {len(readme)} files")


def make_interpret() -> None:
    """Mamba interpretability quantities of the tiny model at 160x160 (grid 5x5), for token
    (TOKEN) and class CAM_CLASS: h_norm, h_norm_map, attn, decay per layer, and cam."""
    import interpret
    out = FIX / "tiny" / "interpret"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    model = tiny_model()
    model.set_fast_scan(False)
    x = seeded.seeded_input(TINY_SEED, TINY["resolution"], TINY["resolution"])
    rec = {}
    with torch.no_grad():
        logits = model(torch.from_numpy(x), rec, record_h=True)
    g = TINY["resolution"] // 32
    notes = {"token": list(TOKEN), "class": CAM_CLASS, "grid": [g, g], "rebuilt_y_relative_error": {}}
    for k in range(TINY["depths"][3] - TINY["n_mamba"], TINY["depths"][3]):
        arrays, err = interpret.interpret_layer(rec, model, k, TOKEN, g, g)
        notes["rebuilt_y_relative_error"][f"network.6.{k}.mamba"] = err
        for name, a in arrays.items():
            save_npy(out / f"{name}.npy", a)
    cam_map, bias = interpret.cam(rec, model, CAM_CLASS, g, g)
    save_npy(out / "cam.npy", cam_map)
    notes["cam_bias"] = bias
    notes["logit"] = float(logits[0, CAM_CLASS])
    write_json(out / "notes.json", notes)
    print(f"interpret: y rebuilt from alpha, worst relative error {max(notes['rebuilt_y_relative_error'].values()):.2e}")


TOKEN = (2, 3)
CAM_CLASS = 3

PARTS = {"tiny": make_tiny, "interpret": make_interpret, "variants": make_variants, "scan_orders": make_scan_orders,
         "checkpoints": make_checkpoints, "bad": make_bad}


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    parts = sys.argv[1:] or list(PARTS)
    for p in parts:
        PARTS[p]()


if __name__ == "__main__":
    main()
