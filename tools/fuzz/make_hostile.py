#!/usr/bin/env python3
"""Writes Tests/Fixtures/hostile/: a corpus of small hostile files and its README.

    /work/venv/bin/python tools/fuzz/make_hostile.py

Every file must make `vcview` stop with exit status 1 and one line `vcview: error: <file>: ...`
(Tests/VCViewTests/HostileCorpusTests.swift runs the binary on each; the README line of each file
gives the fragment its error must contain). The output is deterministic: zips are assembled by
hand with fixed fields, images are made from fixed pixels.

Pickles are assembled opcode by opcode and never loaded: nothing here unpickles anything. Every
payload that Python's unpickler would execute runs `touch /tmp/vcview_pwned_marker` (or the
equivalent call), so a test can check that nothing ran by checking that the marker is absent.
`python -m pickletools` disassembles any of them without running it.

Only the standard library is needed, plus Pillow for the two small valid images that the image
entries start from.
"""
import io
import json
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "hostile"
MARKER = "/tmp/vcview_pwned_marker"
SHELL = f"touch {MARKER}"

ENTRIES = []  # (name, bytes, what, expected fragment)


def add(name, data, what, expected):
    assert all(n != name for n, *_ in ENTRIES), name
    ENTRIES.append((name, bytes(data), what, expected))


# The zip writer and the pickle assembler are shared with tools/fixtures/make_format_fixtures.py;
# every header here carries the DOS date 0x21 (1980-01-01), as the corpus always has.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import zipwriter  # noqa: E402
from pickle_asm import P, f32  # noqa: E402
from zipwriter import deflate  # noqa: E402


def make_zip(entries, **kw):
    return zipwriter.make_zip(entries, date=0x21, **kw)


def torch_zip(pickle_bytes, storages=None, **kw):
    return zipwriter.torch_zip(pickle_bytes, storages, date=0x21, **kw)


FOUR = {"0": f32([1.0, 2.0, 3.0, 4.0])}


def model_with(value=None, extra_key=None, extra=None):
    """{'model': {'head.weight': <value or a valid 2x2 tensor>}, extra_key: <extra>}."""
    p = P().empty_dict().mark().s("model").empty_dict().mark().s("head.weight")
    if value is None:
        p.tensor("0", [2, 2], [2, 1])
    else:
        value(p)
    p.setitems()
    if extra_key is not None:
        p.s(extra_key)
        extra(p)
    return p.setitems().stop().bytes()


def pth(pickle_bytes, storages=FOUR, **kw):
    return torch_zip(pickle_bytes, storages, **kw)


# ---------------------------------------------------------------------------------------------
# Pickles that would run code in Python


def code_execution():
    def payload(name, build, what, expected, where="model"):
        """build(p) leaves the malicious call's result on the stack."""
        if where == "model":
            data = model_with(value=build)
        else:
            data = model_with(extra_key=where, extra=build)
        add(name, pth(data), f"{what} (in `{where}`); an otherwise valid torch zip", expected)

    payload("pickle_os_system.pth", lambda p: p.call1("os", "system", SHELL),
            f"`os.system('{SHELL}')` by GLOBAL + REDUCE", "global os.system is not allowed")
    payload("pickle_posix_system.pth", lambda p: p.call1("posix", "system", SHELL, stack=True),
            "`posix.system(...)` by STACK_GLOBAL + REDUCE", "global posix.system is not allowed",
            where="args")
    payload("pickle_nt_system.pth", lambda p: p.call1("nt", "system", SHELL),
            "`nt.system(...)` (os.system on Windows)", "global nt.system is not allowed", where="optimizer")
    payload("pickle_builtins_eval.pth",
            lambda p: p.call1("builtins", "eval", f"__import__('os').system('{SHELL}')"),
            "`builtins.eval(\"__import__('os').system(...)\")`", "global builtins.eval is not allowed")
    payload("pickle_builtin_eval_py2.pth",
            lambda p: p.call1("__builtin__", "eval", f"__import__('os').system('{SHELL}')"),
            "Python 2 spelling `__builtin__.eval(...)`", "global __builtin__.eval is not allowed",
            where="scaler")
    payload("pickle_builtins_exec.pth",
            lambda p: p.call1("builtins", "exec", f"import os; os.system('{SHELL}')"),
            "`builtins.exec(\"import os; os.system(...)\")`", "global builtins.exec is not allowed",
            where="lr_scheduler")

    def getattr_chain(p):
        # getattr(__import__('os'), 'system')('touch ...'): a REDUCE chain whose last callable
        # is itself the result of a REDUCE.
        p.glob("builtins", "getattr").mark().call1("builtins", "__import__", "os").s("system").tuple_().reduce()
        p.mark().s(SHELL).tuple_().reduce()
    payload("pickle_builtins_getattr.pth", getattr_chain,
            "`getattr(__import__('os'), 'system')(...)`, getattr named first",
            "global builtins.getattr is not allowed")

    def import_first(p):
        # m = __import__('os') memoized, then getattr(m, 'system')('touch ...').
        p.call1("builtins", "__import__", "os").put(7).pop()
        p.glob("builtins", "getattr").mark().get(7).s("system").tuple_().reduce()
        p.mark().s(SHELL).tuple_().reduce()
    payload("pickle_builtins_import.pth", import_first,
            "`__import__('os')` memoized, then `getattr(m, 'system')(...)`; __import__ named first",
            "global builtins.__import__ is not allowed")

    def popen(p):
        p.glob("subprocess", "Popen").mark().empty_list().mark().s("touch").s(MARKER).appends().tuple_().reduce()
    payload("pickle_subprocess_popen.pth", popen, f"`subprocess.Popen(['touch', '{MARKER}'])`",
            "global subprocess.Popen is not allowed")

    def inst(p):
        # INST: MARK, arguments, then `i module\nname\n` instantiates (calls) the class.
        p.mark().s(SHELL).op(b"ios\nsystem\n")
    payload("pickle_inst_os_system.pth", inst, "`os.system(...)` through the INST opcode (no REDUCE)",
            "global os.system is not allowed")

    def obj(p):
        # OBJ: MARK, class, arguments, `o` calls the class with the arguments.
        p.mark().glob("os", "system").s(SHELL).op(b"o")
    payload("pickle_obj_os_system.pth", obj, "`os.system(...)` through the OBJ opcode",
            "global os.system is not allowed")

    def qualname(p):
        # Protocol 4 qualified name: torch.serialization + 'os.system' resolves to os.system.
        p.stack_glob("torch.serialization", "os.system").mark().s(SHELL).tuple_().reduce()
    payload("pickle_qualname_os_system.pth", qualname,
            "STACK_GLOBAL `torch.serialization` + `os.system` (an attribute path to os.system)",
            "global torch.serialization.os.system is not allowed", where="args")

    def runpy(p):
        p.call1("runpy", "_run_code", f"import os; os.system('{SHELL}')")
    payload("pickle_runpy.pth", runpy, "`runpy._run_code(...)`", "global runpy._run_code is not allowed")

    def nested_pickle(p):
        inner = P().call1("os", "system", SHELL).stop().bytes()
        p.glob("pickle", "loads").mark().op(b"C" + bytes([len(inner)]) + inner).tuple_().reduce()
    payload("pickle_nested_loads.pth", nested_pickle, "`pickle.loads(<a pickle calling os.system>)`",
            "global pickle.loads is not allowed", where="extra")

    # The legacy (pre-1.6) format is one pickle stream: refused before any pickle is read.
    legacy = P().i(0x1950A86A20F9469CFC6C).call1("os", "system", SHELL).stop().bytes()
    add("legacy_os_system.pth", legacy,
        "a legacy (pre-1.6) torch.save stream whose first pickle is the magic number, then `os.system(...)`",
        "legacy (pre-1.6) torch.save format")
    # A bare pickle that is not in a zip at all.
    add("raw_pickle_os_system.pkl", P().call1("os", "system", SHELL).stop().bytes(),
        "a bare pickle (no zip) calling `os.system(...)`", "is not a torch zip checkpoint or safetensors file")
    # The .npy object dtype is a pickle after the header; numpy runs it with allow_pickle=True.
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    npy_obj = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + \
        P().call1("os", "system", SHELL).stop().bytes()
    add("npy_object_pickle.npy", npy_obj,
        "an .npy of dtype object: its data is a pickle calling `os.system(...)`", "dtype '|O' is not supported")


# ---------------------------------------------------------------------------------------------
# Malformed and oversized pickles


def malformed_pickles():
    add("pickle_deep_lists.pth", pth(P().op(b"]" * 100_000).op(b"a" * 99_999).stop().bytes(), {}, pickle_method=8),
        "100 000 lists nested by APPEND", "nest more than 4096 deep")
    add("pickle_deep_tuples.pth", pth(P().op(b")" + b"\x85" * 100_000).stop().bytes(), {}, pickle_method=8),
        "100 000 one-element tuples nested by TUPLE1", "nest more than 4096 deep")
    add("pickle_deep_marks.pth", pth(P().op(b"(" * 100_000).stop().bytes(), {}, pickle_method=8),
        "100 000 open MARKs", "more than 4096 nested MARKs")
    deep_dict = P()
    for _ in range(20_000):
        deep_dict.empty_dict().s("model")
    deep_dict.empty_dict().op(b"s" * 20_000).stop()
    add("pickle_deep_dicts.pth", pth(deep_dict.bytes(), {}, pickle_method=8),
        "20 000 dicts nested by SETITEM under key 'model'", "nest more than 4096 deep")

    cyc = P().empty_dict().put(0).s("model").get(0).setitem().stop().bytes()
    add("pickle_cycle.pth", pth(cyc, {}), "a dict that holds itself as 'model' (a cycle)",
        "expected a tensor")

    chain = P().glob("mylib.factory", "Make")
    chain.op(b")R" * 10_000).stop()
    add("pickle_reduce_chain.pth", pth(chain.bytes(), {}, pickle_method=8),
        "10 000 chained REDUCEs, each calling the result of the previous one (`Make()()()...`)",
        "expected a dict")
    reduce_on_data = P().glob("collections", "OrderedDict").empty_tuple().reduce().empty_tuple().reduce().stop()
    add("pickle_reduce_on_result.pth", pth(reduce_on_data.bytes(), {}),
        "REDUCE whose callable is the dict made by an earlier REDUCE", "which is not a class or function")

    add("pickle_memo_huge_index.pth", pth(P().empty_dict().get(0xFFFFFFFF).stop().bytes(), {}),
        "LONG_BINGET of memo index 4294967295, never PUT", "memo index 4294967295 is not defined")
    add("pickle_memo_negative.pth", pth(P().empty_dict().op(b"p-1\n").stop().bytes(), {}),
        "text PUT of memo index -1", "negative memo index -1")
    add("pickle_bad_opcode.pth", pth(P().empty_dict().op(b"\xff").stop().bytes(), {}),
        "opcode 0xff (no such opcode) at offset 3", "offset 3: unknown opcode 0xff")
    good = model_with()
    add("pickle_truncated.pth", pth(good[: len(good) // 2]),
        "data.pkl cut in half, inside a GLOBAL name", "archive/data.pkl offset 79: text argument")
    add("pickle_no_stop.pth", pth(good[:-1]), "data.pkl without its final STOP", "pickle ends without STOP")
    add("pickle_stack_underflow.pth", pth(P().op(b"R").stop().bytes(), {}),
        "REDUCE on an empty stack", "stack underflow")
    add("pickle_huge_string.pth", pth(P().op(b"\x8d" + struct.pack("<Q", 2 ** 62) + b"abc").stop().bytes(), {}),
        "BINUNICODE8 declaring 2^62 bytes", "limit is 268435456")
    add("pickle_string_past_end.pth", pth(P().op(b"X" + struct.pack("<I", 1000) + b"abc").stop().bytes(), {}),
        "BINUNICODE declaring 1000 bytes with 3 present", "declares 1000 bytes but only")
    add("pickle_huge_long.pth", pth(P().op(b"\x8b" + struct.pack("<i", 0x7FFFFFFF) + b"\x01").stop().bytes(), {}),
        "LONG4 declaring a 2^31-1-byte integer", "LONG4 declares 2147483647 bytes")
    add("pickle_frame_past_end.pth", pth(P(4).op(b"\x95" + struct.pack("<Q", 2 ** 40)).empty_dict().stop().bytes(), {}),
        "FRAME declaring 2^40 bytes", "frame declares 1099511627776 bytes")
    add("pickle_protocol_6.pth", pth(b"\x80\x06}.", {}), "protocol 6 (does not exist)", "pickle protocol 6")
    add("pickle_bad_utf8.pth", pth(P().empty_dict().op(b"X\x02\x00\x00\x00\xc3\x28").stop().bytes(), {}),
        "a BINUNICODE string that is not UTF-8", "not valid UTF-8")
    add("pickle_persid_not_tuple.pth", pth(P().empty_dict().s("x").binpersid().stop().bytes(), {}),
        "BINPERSID of a str instead of ('storage', ...)", "persistent id is")
    add("pickle_ext_opcode.pth", pth(P().op(b"\x82\x01").stop().bytes(), {}),
        "EXT1 (extension registry: would import a registered callable)", "extension-registry opcodes")


# ---------------------------------------------------------------------------------------------
# Tensor records: sizes, strides, offsets and storages that do not match


def tensors():
    def t(name, what, expected, storages=FOUR, **kw):
        add(name, pth(model_with(value=lambda p: p.tensor("0", **kw)), storages), what, expected)

    t("tensor_1e12_elements.pth", "head.weight declares shape (10^6, 10^6) over a 4-element storage",
      "limit is 2147483648", size=[1_000_000, 1_000_000], stride=[1_000_000, 1], numel=4)
    t("tensor_rank_100.pth", "a tensor of 100 dimensions", "at most 64 ints", size=[1] * 100, stride=[1] * 100, numel=4)
    t("tensor_storage_past_end.pth", "the storage id declares 1000 elements; its record holds 16 bytes",
      "declares 1000 elements", size=[2, 2], stride=[2, 1], numel=1000)
    t("tensor_view_past_storage.pth", "storage offset 3 with shape (2, 2) in a 4-element storage",
      "reaches element 6", size=[2, 2], stride=[2, 1], offset=3, numel=4)
    t("tensor_negative_stride.pth", "stride (-2, 1)", "negative stride -2", size=[2, 2], stride=[-2, 1], offset=2, numel=4)
    t("tensor_negative_size.pth", "shape (-1, 4)", "negative size -1", size=[-1, 4], stride=[4, 1], numel=4)
    t("tensor_negative_offset.pth", "storage offset -4", "negative storage offset -4", size=[2, 2], stride=[2, 1],
      offset=-4, numel=4)
    t("tensor_stride_overflow.pth", "strides (2^62, 1) with shape (4, 1): the last element's index overflows 64 bits",
      "beyond 2^63", size=[4, 1], stride=[2 ** 62, 1], numel=4)
    t("tensor_size_overflow.pth", "shape (2^40, 2^40): the element count overflows 64 bits",
      "more elements than fit in 64 bits", size=[2 ** 40, 2 ** 40], stride=[1, 1], numel=4)
    t("tensor_stride_count_mismatch.pth", "3 sizes but 2 strides", "size has 3 dimensions but stride has 2",
      size=[1, 2, 2], stride=[2, 1], numel=4)
    t("tensor_storage_missing.pth", "the storage record archive/data/0 is absent", "has no zip entry",
      storages={}, size=[2, 2], stride=[2, 1])
    t("tensor_complex_storage.pth", "a ComplexFloatStorage (not a type vcview reads)", "is not supported",
      size=[2], stride=[1], numel=2, storage="ComplexFloatStorage")
    add("tensor_not_a_tensor.pth", pth(model_with(value=lambda p: p.glob("mylib", "Weird").empty_tuple().reduce())),
        "the state dict value is an object of an unknown class", "expected a tensor")
    add("tensor_big_endian.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with()}, {"name": "archive/byteorder", "data": b"big"},
        {"name": "archive/data/0", "data": FOUR["0"]}]),
        "byteorder record says 'big'", "vcview reads little-endian checkpoints")


# ---------------------------------------------------------------------------------------------
# Zip damage and zip bombs


def zips():
    good = pth(model_with())
    add("zip_truncated.pth", good[: len(good) * 6 // 10], "the first 60% of a valid torch zip (no central directory)",
        "no end-of-central-directory record")
    add("zip_truncated_tail.pth", good[:-10], "a valid torch zip missing its last 10 bytes",
        "no end-of-central-directory record")
    add("zip_only_eocd.pth", struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0, 0, 0, 0, 0),
        "an empty zip (an end record only)", "zip has no <top>/data.pkl entry")

    # Directory fields that lie.
    n = len(model_with()) + 200
    add("zip_cd_past_end.pth", make_zip([{"name": "archive/data.pkl", "data": model_with()}],
                                        eocd={"cd_offset": 0x7FFFFFF0}),
        "end record puts the central directory at offset 0x7ffffff0", "central directory (offset 2147483632")
    add("zip_entry_count_lie.pth", make_zip([{"name": "archive/data.pkl", "data": model_with()}],
                                            eocd={"count": 0xFFFE}),
        "end record declares 65534 entries in a 62-byte directory", "declares 65534 entries")
    add("zip_local_offset_past_end.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with()},
        {"name": "archive/data/0", "data": FOUR["0"], "offset": 0x7FFFFFFF, "central_only": True}]),
        "an entry whose local header offset is 0x7fffffff", "local header at offset 2147483647")
    add("zip_entry_size_past_end.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with()},
        {"name": "archive/data/0", "data": FOUR["0"], "size": 0x7FFFFFFF, "csize": 0x7FFFFFFF}]),
        "a stored entry declaring 2 GiB of data in a small file", "runs past the central directory")
    add("zip_crc_mismatch.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with()},
        {"name": "archive/data/0", "data": FOUR["0"], "crc": 0x12345678}]),
        "a storage record whose CRC-32 does not match", "the directory says 0x12345678")
    add("zip_encrypted.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with(), "flags": 1}]),
        "data.pkl flagged as encrypted", "is encrypted")
    add("zip_method_bzip2.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with(), "method": 12, "raw": b"BZh9"}]),
        "data.pkl compressed with method 12 (bzip2)", "compression method 12")
    add("zip_duplicate_names.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with()}, {"name": "archive/data/0", "data": FOUR["0"]},
        {"name": "archive/data/0", "data": f32([9.0, 9.0, 9.0, 9.0])}]),
        "two entries named archive/data/0", "two entries are named")
    add("zip_two_pickles.pth", make_zip([
        {"name": "a/data.pkl", "data": model_with()}, {"name": "b/data.pkl", "data": model_with()}]),
        "two data.pkl records (a/ and b/)", "zip has 2 data.pkl entries")
    add("zip_bad_deflate.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with(), "method": 8, "raw": b"\xff\xff\xff\xff\xff\xff"}]),
        "data.pkl deflated with invalid deflate data", "invalid deflate data")
    add("zip_split_archive.pth", make_zip([{"name": "archive/data.pkl", "data": model_with()}]).replace(
        struct.pack("<IHH", 0x06054B50, 0, 0), struct.pack("<IHH", 0x06054B50, 1, 1)),
        "end record says the archive spans several disks", "multi-disk")

    # Zip bombs.
    zeros = b"\x00" * 4_000_000
    comp = deflate(zeros)
    big = 1_000_000_000
    add("zip_bomb_ratio.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with(value=lambda p: p.tensor("0", [big], [1], numel=big))},
        {"name": "archive/byteorder", "data": b"little"},
        {"name": "archive/data/0", "data": b"", "raw": comp[:2000], "method": 8, "size": 4 * big, "crc": 0}]),
        "a storage declaring 4 GB inflated from 2 KB of deflate data (ratio 2 000 000:1)",
        "ratio above 1100:1")
    add("zip_bomb_lying_size.pth", make_zip([
        {"name": "archive/data.pkl", "data": model_with()},
        {"name": "archive/byteorder", "data": b"little"},
        {"name": "archive/data/0", "data": b"", "raw": comp, "method": 8, "size": 16, "crc": 0}]),
        "a storage declaring 16 bytes whose deflate data inflates to 4 MB", "inflates to more than its declared 16 bytes")
    add("zip_bomb_zip64.pth", make_zip([
        {"name": "archive/data.pkl", "data": b"", "raw": comp[:1000], "method": 8, "size": 2 ** 40, "crc": 0}],
        zip64=True),
        "a zip64 archive whose data.pkl declares 1 TiB inflated from 1 KB", "is 1099511627776 bytes, limit is 67108864")
    pickle_bomb = deflate(b"\x80\x02" + b"N0" * 3_000_000)  # a 6 MB pickle of NONE/POP, never used
    add("zip_bomb_pickle_size.pth", make_zip([
        {"name": "archive/data.pkl", "data": b"", "raw": pickle_bomb, "method": 8, "size": 2 ** 31, "crc": 0}]),
        "data.pkl declaring 2 GiB inflated (more than the 64 MiB pickle limit of a small file)", "is 2147483648 bytes, limit is 67108864")

    # Overlapping entries (the shape of Fifield's non-recursive zip bomb): 32 local headers in a
    # row, then one deflated kernel; each central entry claims everything from its own header to
    # the end of the kernel, so every entry's data contains all later headers and the kernel.
    pkl = P().empty_dict().mark()
    for k in range(32):
        pkl.s(f"w{k}").tensor(str(k), [1_000_000], [1], numel=1_000_000)
    pkl.setitems().stop()
    pkl = pkl.bytes()
    kernel = deflate(b"\x00" * 4_000_000)
    out = bytearray()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, zlib.crc32(pkl), len(pkl), len(pkl),
                        len("archive/data.pkl"), 0)
    out += local + b"archive/data.pkl" + pkl
    heads = []
    for k in range(32):
        name = f"archive/data/{k}".encode()
        heads.append((len(out), name))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, 0, 0, 0, len(name), 0) + name
    out += kernel
    end_of_kernel = len(out)
    central = bytearray()
    central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, zlib.crc32(pkl), len(pkl),
                           len(pkl), len("archive/data.pkl"), 0, 0, 0, 0, 0, 0) + b"archive/data.pkl"
    for off, name in heads:
        csize = end_of_kernel - (off + 30 + len(name))
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, 0, csize, 4_000_000,
                               len(name), 0, 0, 0, 0, 0, off) + name
    cd = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 33, 33, len(central), cd, 0)
    add("zip_bomb_overlap.pth", out,
        "32 storage records whose data ranges all overlap one 4 KB deflated kernel (the overlapping-files zip bomb)",
        "overlap")


# ---------------------------------------------------------------------------------------------
# safetensors


def st(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def safetensors():
    w = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}
    add("st_overlap.safetensors", st({"a": w, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}},
                                     b"\x00" * 16),
        "tensor b's data_offsets [8, 16] overlap tensor a's [0, 16]", "overlap tensor")
    add("st_out_of_range.safetensors", st({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                           "b": {"dtype": "F32", "shape": [16], "data_offsets": [16, 80]}},
                                          b"\x00" * 32),
        "tensor b's data_offsets [16, 80] run past the 32-byte buffer", "are outside the 32-byte data buffer")
    add("st_offsets_reversed.safetensors", st({"a": {"dtype": "F32", "shape": [0], "data_offsets": [16, 8]}}, b"\x00" * 16),
        "data_offsets [16, 8] (end before begin)", "are outside the 16-byte data buffer")
    add("st_negative_offset.safetensors", st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}, b"\x00" * 16),
        "data_offsets [-8, 0]", "are outside the 16-byte data buffer")
    add("st_offset_2_64.safetensors", st({"a": {"dtype": "F32", "shape": [2],
                                               "data_offsets": [18446744073709551608, 18446744073709551616]}},
                                         b"\x00" * 16),
        "data_offsets near 2^64 (do not fit in 64-bit signed integers)", "data_offsets is not a pair of integers")
    add("st_huge_header.safetensors", struct.pack("<Q", 2 ** 40) + b"{}",
        "header length field declares 1 TiB of JSON", "limit is 100000000")
    add("st_header_past_end.safetensors", struct.pack("<Q", 4096) + b'{"a": {}}',
        "header length field declares 4096 bytes; 9 follow", "declares a 4096-byte JSON header")
    add("st_huge_shape.safetensors", st({"a": {"dtype": "F32", "shape": [1_000_000, 1_000_000], "data_offsets": [0, 16]}},
                                        b"\x00" * 16),
        "shape (10^6, 10^6) over 16 bytes", "has more than 2147483648 elements")
    add("st_shape_overflow.safetensors", st({"a": {"dtype": "F32", "shape": [2 ** 32, 2 ** 32, 2 ** 32], "data_offsets": [0, 16]}},
                                            b"\x00" * 16),
        "shape (2^32, 2^32, 2^32): the element count overflows 64 bits", "has more than 2147483648 elements")
    add("st_size_mismatch.safetensors", st({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, b"\x00" * 16),
        "shape (3,) of F32 needs 12 bytes; data_offsets span 16", "needs 12 bytes")
    add("st_negative_shape.safetensors", st({"a": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, b"\x00" * 16),
        "shape (-4,)", "not a non-negative integer")
    add("st_bad_dtype.safetensors", st({"a": {"dtype": "C64", "shape": [2], "data_offsets": [0, 16]}}, b"\x00" * 16),
        "dtype C64 (complex)", "dtype 'C64' is not supported")
    add("st_duplicate_name.safetensors", st(None, b"\x00" * 16, raw_header=(
        b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
        b'"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}')),
        "the name a twice in the header", "appears twice in the header")
    add("st_deep_json.safetensors", st(None, raw_header=b"{\"a\": " + b"[" * 1000 + b"]" * 1000 + b"}"),
        "a header nesting 1000 JSON arrays", "nesting deeper than 64")
    add("st_bad_json.safetensors", st(None, raw_header=b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]'),
        "a header that stops in the middle of an object", "invalid JSON")
    add("st_control_chars.safetensors", st(None, b"\x00" * 8, raw_header=(
        b'{"evil\\u001b[2J\\nname": {"dtype": "X", "shape": [2], "data_offsets": [0, 8]}}')),
        "a tensor name with an escape sequence and a newline (the error must stay one line)", "evil\\x1b[2J\\nname")
    add("st_not_object.safetensors", st([1, 2, 3]), "a header that is a JSON array (not recognised as safetensors)",
        "is not a torch zip checkpoint or safetensors file")
    add("st_metadata_not_strings.safetensors", st({"__metadata__": {"a": 1}}),
        "__metadata__ with a non-string value", "is not a string")


# ---------------------------------------------------------------------------------------------
# .npy


def npy(header, data=b"", version=1, raw=None):
    h = header
    pre = 10 if version == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    hb = h.encode("latin-1")
    length = struct.pack("<H", len(hb)) if version == 1 else struct.pack("<I", len(hb))
    return b"\x93NUMPY" + bytes([version, 0]) + length + hb + data


def npys():
    good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2, 2), }"
    add("npy_bad_magic.npy", b"\x93NUMPX\x01\x00" + npy(good, b"\x00" * 48)[8:], "magic \\x93NUMPX",
        "does not start with the .npy magic")
    add("npy_version_9.npy", b"\x93NUMPY\x09\x00" + npy(good, b"\x00" * 48)[8:], "format version 9.0",
        "format version 9.0")
    add("npy_header_past_end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'", "header length 65535 with 8 bytes present",
        "header declares 65535 bytes but only 8 follow")
    add("npy_huge_header_len.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}", "version 2 header length 2^32-1",
        "limit is 1048576")
    add("npy_not_a_dict.npy", npy("__import__('os').system('touch /tmp/vcview_pwned_marker')", b""),
        "a header that is Python code, not a dict literal (numpy would not eval it either)",
        "header is not a Python dict literal")
    add("npy_deep_nesting.npy", npy("{'descr': " + "(" * 200 + ")" * 200 + "}"),
        "a header nesting 200 tuples", "nesting too deep")
    add("npy_huge_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", b"\x00" * 16),
        "shape (10^6, 10^6) with 16 bytes of data", "has more than 2147483648 elements")
    add("npy_shape_overflow.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"),
        "shape whose element count overflows 64 bits", "has more than 2147483648 elements")
    add("npy_negative_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }"),
        "shape (-1, 3)", "non-integer or negative dimension")
    add("npy_size_mismatch.npy", npy(good, b"\x00" * 40), "shape (1, 3, 2, 2) of <f4 needs 48 bytes; 40 follow",
        "needs 48 bytes but 40 follow")
    add("npy_structured.npy", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", b"\x00" * 4),
        "a structured dtype", "structured dtypes")
    add("npy_big_endian.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3, 2, 2), }", b"\x00" * 48),
        "big-endian float32", "big-endian dtype")
    add("npy_fortran.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 2, 2), }", b"\x00" * 48),
        "fortran_order True", "fortran_order arrays are not supported")
    add("npy_unterminated.npy", npy("{'descr': '<f4"), "a string literal that never ends", "unterminated string")
    add("npy_wrong_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 2, 2), }", b"\x00" * 96),
        "a valid array of shape (2, 3, 2, 2) (the network takes one image)", "input tensor must have shape")
    add("npy_empty.npy", b"", "0 bytes", "does not start with the .npy magic")


# ---------------------------------------------------------------------------------------------
# Images


def be32(v):
    return struct.pack(">I", v)


def png_chunk(kind, data):
    return be32(len(data)) + kind + data + be32(zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, rows=None, bit_depth=8, color=2, extra=b"", idat=None):
    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color, 0, 0, 0))
    if idat is None:
        raw = rows if rows is not None else b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height))
        idat = zlib.compress(raw, 9)
    return sig + ihdr + extra + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def small_jpeg(progressive=False, size=(16, 16)):
    from PIL import Image
    img = Image.new("RGB", size)
    for y in range(size[1]):
        for x in range(size[0]):
            img.putpixel((x, y), ((x * 16) % 256, (y * 16) % 256, 128))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, progressive=progressive, optimize=False)
    return buf.getvalue()


def jpeg_with_size(data, width, height):
    """Rewrites the frame header (SOF0/SOF2) dimensions."""
    b = bytearray(data)
    i = 2
    while i < len(b):
        assert b[i] == 0xFF
        marker = b[i + 1]
        length = struct.unpack(">H", b[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            b[i + 5:i + 9] = struct.pack(">HH", height, width)
            return bytes(b)
        i += 2 + length
    raise ValueError("no SOF")


def images():
    add("png_0x0.png", png(0, 0, rows=b""), "a PNG whose IHDR declares 0x0 pixels", "image is 0x0 pixels (empty)")
    add("png_30000x30000.png", png(30000, 30000, idat=zlib.compress(b"\x00" * 1000)),
        "a 100-byte PNG whose IHDR declares 30000x30000", "over the limit of 16384 pixels per side")
    add("png_10000x10001.png", png(10000, 10001, idat=zlib.compress(b"\x00" * 1000)),
        "IHDR declaring 10000x10001 (each side allowed, over 100 Mpx in all)", "pixels in all")
    add("png_width_2_31.png", png(2 ** 31, 1, idat=zlib.compress(b"\x00")),
        "IHDR width 2^31 (negative as a signed 32-bit int)", "over the limit of 16384 pixels per side")
    add("png_bad_crc.png", bytearray(png(4, 4))[:-16] + b"\x00\x00\x00\x00" + png(4, 4)[-12:],
        "a 4x4 PNG whose IDAT CRC is wrong", "corrupt PNG data")
    add("png_truncated.png", png(32, 32, rows=bytes(range(256)) * 13)[:80], "a 32x32 PNG cut off inside IDAT",
        "truncated PNG data")
    add("png_signature_only.png", b"\x89PNG\r\n\x1a\n", "the 8-byte signature alone", "truncated PNG data")
    add("png_no_ihdr.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IDAT", zlib.compress(b"\x00")) + png_chunk(b"IEND", b""),
        "a PNG whose first chunk is IDAT", "the first chunk is not a valid IHDR")
    add("png_bad_bit_depth.png", png(4, 4, bit_depth=3), "IHDR bit depth 3", "corrupt PNG data")
    add("png_idat_garbage.png", png(4, 4, idat=b"\x78\x9c\xff\xff\xff\xff"), "IDAT that is not zlib data",
        "corrupt PNG data")
    add("png_idat_short.png", png(64, 64, idat=zlib.compress(b"\x00" * 100)),
        "IDAT holding 100 of the 12 352 bytes a 64x64 image needs", "PNG data")
    add("png_palette_missing.png", png(4, 4, bit_depth=8, color=3, rows=b"\x00\x00\x00\x00\x00" * 4),
        "a palette image without a PLTE chunk", "corrupt PNG data")
    itxt = be32(0x7FFFFFFF) + b"iTXt" + b"Comment\x00\x00\x00\x00\x00hello"
    add("png_chunk_2gb.png", png(4, 4, extra=itxt)[:33 + len(itxt)],
        "a 4x4 PNG with an iTXt chunk declaring 2^31-1 bytes (libpng allocated them before reading)",
        "chunk iTXt at offset 33 declares 2147483647 bytes")
    # Found by the png fuzzer (.build-fuzz/artifacts/png/oom-c23edb94...): a chunk whose length
    # field reads "PLTE" (1 347 179 589 bytes) made libpng malloc 1.3 GB inside png_read_info.
    add("png_fuzz_oom_itxt.png", bytes.fromhex(
        "89504e470d0a1a0a0000000d494844520000002500000017020300000186"
        "455ea0504c5445695458740000000c504c5445db8ab786bf2771d71af001"
        "2725ef91820000012649444154786cd10c000032c12957c36954586082"),
        "fuzzer reproducer: a chunk length of 1 347 179 589 (the bytes 'PLTE') before an iTXt type",
        "chunk iTXt at offset 33 declares 1347179589 bytes")
    add("png_is_html.png", b"<html><body>not a png</body></html>\n", "an HTML page named .png",
        "not a JPEG or PNG file")

    base = small_jpeg()
    prog = small_jpeg(progressive=True)
    add("jpeg_30000x30000.jpg", jpeg_with_size(base, 30000, 30000), "a 16x16 JPEG whose SOF declares 30000x30000",
        "over the limit of 16384 pixels per side")
    add("jpeg_0x0.jpg", jpeg_with_size(base, 0, 0), "a JPEG whose SOF declares 0x0", "corrupt JPEG data")
    add("jpeg_16384x16384.jpg", jpeg_with_size(prog, 16384, 16384),
        "a progressive 16x16 JPEG whose SOF declares 16384x16384 (268 Mpx, over the 100 Mpx limit)", "pixels in all")
    add("jpeg_truncated.jpg", base[: len(base) // 2], "a JPEG cut in half", "truncated JPEG data")
    add("jpeg_header_only.jpg", base[: base.index(b"\xff\xda")], "a JPEG that stops before its first scan",
        "JPEG data")
    add("jpeg_soi_only.jpg", b"\xff\xd8\xff", "SOI and one byte of a marker", "JPEG data")
    dht = base.index(b"\xff\xc4")
    bad_huff = bytearray(base)
    bad_huff[dht + 5:dht + 21] = b"\xff" * 16  # 16 code lengths of 255 codes each: an impossible table
    add("jpeg_bad_huffman.jpg", bytes(bad_huff), "a Huffman table with impossible code counts", "corrupt JPEG data")
    dqt = base.index(b"\xff\xdb")
    bad_q = bytearray(base)
    bad_q[dqt + 4] = 0x1F  # table 15 of 16-bit precision: invalid
    add("jpeg_bad_quant.jpg", bytes(bad_q), "a quantization table with id 15", "corrupt JPEG data")
    # A progressive JPEG repeating its first scan 1200 times: each scan makes libjpeg revisit the
    # whole coefficient buffer, so a small file could cost minutes; refused past 1000 scans.
    scan_start = prog.index(b"\xff\xda")
    scan_end = prog.index(b"\xff", scan_start + 2 + struct.unpack(">H", prog[scan_start + 2:scan_start + 4])[0])
    while prog[scan_end + 1] in (0x00,) or 0xD0 <= prog[scan_end + 1] <= 0xD7:
        scan_end = prog.index(b"\xff", scan_end + 2)
    first_scan = prog[scan_start:scan_end]
    add("jpeg_many_scans.jpg", prog[:scan_start] + first_scan * 1200 + b"\xff\xd9",
        "a progressive JPEG repeating its first scan 1200 times", "more than 1000 scans")
    add("jpeg_is_gif.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a GIF named .jpg", "looks like GIF")
    add("jpeg_empty.jpg", b"", "0 bytes", "empty file")


# ---------------------------------------------------------------------------------------------
# Amplification bombs: small files whose cost grows with reuse (regressions for fixes)


def pickle_bombs():
    # A 1 MB key memoized once, then SETITEM 300 000 times: every SETITEM copied and hashed the
    # whole key (3 * 10^11 bytes of hashing, hours), from a 4 KB file.
    key = "k" * 1_000_000
    p = P().empty_dict().s(key).put(0).i(1).setitem()
    p.op(b"j\x00\x00\x00\x00K\x01s" * 300_000).stop()
    add("pickle_bomb_key_flood.pth", pth(p.bytes(), {}, pickle_method=8),
        "a 1 MB dict key memoized, then set 300 000 times (each SETITEM hashed the whole key)",
        "refused as a pickle bomb")
    # STACK_GLOBAL of a memoized 1 MB dotted module name, 200 000 times: each made an opaque
    # object holding its own 1 MB copy of the name (200 GB) and split it into 500 000 parts.
    p = P(4).s("a." * 500_000 + "a").put(0).s("Cls").put(1)
    p.op(b"j\x00\x00\x00\x00j\x01\x00\x00\x00\x930" * 200_000).empty_dict().stop()
    add("pickle_bomb_stack_global.pth", pth(p.bytes(), {}, pickle_method=8),
        "STACK_GLOBAL of a memoized 1 MB dotted name, 200 000 times (each copied and split the name)",
        "module and qualified names are at most 1024 bytes")
    # The same with a 1023-byte dotted name (as long as GLOBAL allows), 300 000 times.
    p = P(4).s("a." * 511 + "a").put(0).s("Cls").put(1)
    p.op(b"j\x00\x00\x00\x00j\x01\x00\x00\x00\x930" * 300_000).empty_dict().stop()
    add("pickle_bomb_stack_global_1k.pth", pth(p.bytes(), {}, pickle_method=8),
        "STACK_GLOBAL of a memoized 1023-byte dotted name, 300 000 times",
        "refused as a pickle bomb")
    # A list of 100 000 pairs memoized, then OrderedDict(list) 100 000 times: 10^10 items visited.
    p = P().glob("collections", "OrderedDict").put(0).pop()
    p.s("a").i(1).op(b"\x86").put(1).pop()
    p.empty_list().mark().op(b"j\x01\x00\x00\x00" * 100_000).appends().put(2).pop()
    p.op(b"j\x00\x00\x00\x00j\x02\x00\x00\x00\x85R0" * 100_000).empty_dict().stop()
    add("pickle_bomb_ordered_dict.pth", pth(p.bytes(), {}, pickle_method=8),
        "a memoized list of 100 000 pairs passed to OrderedDict() 100 000 times",
        "refused as a pickle bomb")


def storage_key_bomb():
    # One storage with a 60 000-byte key (a valid zip name) used by 2000 state dict entries: the
    # key was hashed once per entry, 7500 bytes hashed per byte of pickle (minutes for a 20 MB file).
    skey = "9" * 60_000
    p = P().empty_dict().s("model").empty_dict().put(0).setitem().get(0)
    p.tensor(skey, [1], [1], numel=1).put(1).pop().mark()
    for k in range(2000):
        p.op(b"\x8c" + bytes([len(str(k))]) + str(k).encode() + b"j\x01\x00\x00\x00")
    p.setitems().pop().stop()
    add("tensor_bomb_storage_key.pth", pth(p.bytes(), {skey: f32([1.0])}, pickle_method=8),
        "a storage whose key is 60 000 bytes, used by 2000 state dict entries (its key was hashed for each)",
        "storage key is 60000 bytes long, limit is 256")


def view_bombs():
    # A stride-0 view: one stored float viewed as 2^31 elements (8 GiB of floats from 4 bytes).
    add("tensor_bomb_stride0.pth", pth(model_with(value=lambda p: p.tensor("0", [2 ** 31], [0], numel=1)),
                                      {"0": f32([1.0])}),
        "head.weight viewing one stored float as 2^31 elements (stride 0): 8 GiB to convert from 4 bytes",
        "views may repeat stored bytes")
    # One 16 MB storage (deflated to 16 KB) viewed whole by 256 keys: 4 GiB of floats.
    p = P().empty_dict().s("model").empty_dict().put(0).setitem().get(0)
    p.tensor("0", [4_194_304], [1]).put(1).pop().mark()
    for k in range(256):
        p.s(f"blocks.{k}.weight").get(1)
    p.setitems().pop().stop()
    add("tensor_bomb_shared_storage.pth", pth(p.bytes(), {"0": b"\x00" * 16_777_216}, storage_method=8),
        "one 16 MB storage (16 KB deflated) viewed whole by 256 keys: 4 GiB of floats",
        "views may repeat stored bytes")


def main():
    code_execution()
    malformed_pickles()
    tensors()
    zips()
    safetensors()
    npys()
    images()
    pickle_bombs()
    storage_key_bomb()
    view_bombs()

    OUT.mkdir(parents=True, exist_ok=True)
    keep = {name for name, *_ in ENTRIES} | {"README.md"}
    for p in OUT.iterdir():
        if p.name not in keep:
            p.unlink()
    lines = [
        "# Hostile corpus",
        "",
        "Written by `tools/fuzz/make_hostile.py` (never by unpickling anything). Every file must make",
        "`vcview` exit with status 1 and print one line, `vcview: error: <path>: ...`, containing the",
        "expected fragment below, with nothing on stdout and no crash signal;",
        "`Tests/VCViewTests/HostileCorpusTests.swift` checks each one through the real binary:",
        "checkpoint-like files (`.pth`, `.pkl`, `.safetensors`) as `predict --weights` and `inspect`,",
        "`.npy` as `predict --input-tensor`, images (`.png`, `.jpg`) as the `predict` IMAGE.",
        "",
        f"Pickle payloads that Python would execute run `{SHELL}` (or an equivalent call);",
        "the test checks that the marker does not exist afterwards. Disassemble one without running it:",
        "`python -m zipfile -e FILE /tmp/x && python -m pickletools /tmp/x/archive/data.pkl`.",
        "",
        "Line format (read by the test): ``- `file`: what it is. Expected: `fragment` ``.",
        "",
    ]
    for name, data, what, expected in ENTRIES:
        (OUT / name).write_bytes(data)
        lines.append(f"- `{name}`: {what}. Expected: `{expected}`")
    (OUT / "README.md").write_text("\n".join(lines) + "\n")
    total = sum(len(d) for _, d, *_ in ENTRIES)
    print(f"wrote {len(ENTRIES)} files ({total} bytes) to {OUT}")


if __name__ == "__main__":
    sys.exit(main())
