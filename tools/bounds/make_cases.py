"""The cases of issue 13 (what real checkpoints contain): the bundled demo model with NaN, +inf,
1e30 or zero weights, with 0 or 1 classes, N = 0, an empty pos_embed grid, a stage of depth 0;
pickle bombs of 16M small dicts/lists/tuples; pickles of huge integers (LONG text and LONG4).

    /work/venv/bin/python tools/bounds/make_cases.py [OUT]      # default /tmp/vcview-bounds/cases

Then tools/bounds/measure.sh BIN and tools/bounds/explore.sh BIN print exit status, peak RSS and
seconds for each case. Nothing here is committed output: the files are large or hostile.
"""
import sys, struct, zlib
from pathlib import Path
import numpy as np
from safetensors.numpy import load_file, save_file
from safetensors import safe_open
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/common"))
import zipwriter
from pickle_asm import P
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/vcview-bounds/cases"); OUT.mkdir(parents=True, exist_ok=True)
src = ROOT / "assets/vcmamba-demo.safetensors"
base = load_file(str(src))
with safe_open(str(src), "np") as f: meta = f.metadata()

def save(name, d, m=meta):
    save_file({k: np.ascontiguousarray(v) for k, v in d.items()}, str(OUT / name), metadata=m)

d = dict(base); d["network.4.1.mlp.fc1.weight"] = np.full_like(base["network.4.1.mlp.fc1.weight"], np.nan); save("nan.safetensors", d)
d = dict(base); d["head.weight"] = np.full_like(base["head.weight"], np.inf); save("inf_head.safetensors", d)
d = dict(base); d["network.4.1.mlp.fc1.weight"] = np.full_like(base["network.4.1.mlp.fc1.weight"], 1e30); save("huge.safetensors", d)
d = {k: np.zeros_like(v) for k, v in base.items()}; save("zero.safetensors", d)
m0 = dict(meta); m0.pop("classes")
for k, n in [("classes0", 0), ("classes1", 1)]:
    d = dict(base)
    for h in ["head", "dist_head"]:
        d[h + ".weight"] = base[h + ".weight"][:n]; d[h + ".bias"] = base[h + ".bias"][:n]
    save(k + ".safetensors", d, m0)
d = dict(base)
for l in ["network.6.1.mamba", "network.6.2.mamba"]:
    d[l + ".A_log"] = base[l + ".A_log"][:, :0]
    d[l + ".direction_Bs"] = base[l + ".direction_Bs"][:, :0]
    d[l + ".x_proj.weight"] = base[l + ".x_proj.weight"][:6]
save("n0.safetensors", d)
d = dict(base); d["pos_embed"] = base["pos_embed"][:, :, :0, :]; save("posgrid0.safetensors", d)
d = {k: v for k, v in base.items() if not k.startswith("network.2.")}; save("depth0.safetensors", d)

def bomb(name, item, count):
    p = P().empty_list()
    body = (item + b"a") * count
    p.op(body)
    raw = p.stop().bytes()
    (OUT / name).write_bytes(zipwriter.torch_zip(raw, {}, pickle_method=8))
bomb("bomb_dicts.pth", b"}", 16 << 20)
bomb("bomb_lists.pth", b"]", 16 << 20)
bomb("bomb_tuples.pth", b")", 16 << 20)
# LONG text integers of 4000 digits, many (a ~10 MB pickle)
p = P().empty_list()
dig = b"9" * 4000
p.op((b"L" + dig + b"L\n" + b"a") * 2500)
(OUT / "bigint_text.pth").write_bytes(zipwriter.torch_zip(p.stop().bytes(), {}, pickle_method=8))
# LONG4 integers of 1M bytes, 9 of them (a ~9 MB pickle)
p = P().empty_list()
big = b"\x8b" + struct.pack("<i", 1 << 20) + b"\x01" * (1 << 20)
p.op((big + b"a") * 9)
(OUT / "bigint_long4.pth").write_bytes(zipwriter.torch_zip(p.stop().bytes(), {}, pickle_method=8))
for f in sorted(OUT.iterdir()): print(f.name, f.stat().st_size)
# The same integers inside a checkpoint that inspect describes: {'model': {...}, 'args': [ints]}
def with_model(payload):
    p = P().empty_dict().mark().s("model").empty_dict().mark().s("head.weight").tensor("0", [2, 2], [2, 1]).setitems()
    p.s("args").empty_list(); p.op(payload); p.setitems().stop()
    return zipwriter.torch_zip(p.bytes(), {"0": struct.pack("<4f", 1, 2, 3, 4)}, pickle_method=8)
(OUT / "bigint_text_args.pth").write_bytes(with_model((b"L" + dig + b"L\n" + b"a") * 2500))
(OUT / "bigint_long4_args.pth").write_bytes(with_model((big + b"a") * 9))
