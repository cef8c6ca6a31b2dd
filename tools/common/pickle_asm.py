"""A pickle assembler for test fixtures: protocol-2 opcodes written one by one, as torch.save
writes them, so that fixtures can hold exactly the (hostile or unusual) pickles a test needs.
Nothing here loads a pickle; `python -m pickletools` disassembles any output without running it.

Used by tools/fixtures/make_format_fixtures.py and tools/fuzz/make_hostile.py.
"""
import struct


class P:
    def __init__(self, proto=2):
        self.b = bytearray(b"\x80" + bytes([proto]))

    def op(self, raw):
        self.b += raw
        return self

    def mark(self): return self.op(b"(")
    def stop(self): return self.op(b".")
    def empty_dict(self): return self.op(b"}")
    def empty_list(self): return self.op(b"]")
    def empty_tuple(self): return self.op(b")")
    def tuple_(self): return self.op(b"t")
    def tuple2(self): return self.op(b"\x86")
    def reduce(self): return self.op(b"R")
    def setitems(self): return self.op(b"u")
    def setitem(self): return self.op(b"s")
    def append(self): return self.op(b"a")
    def appends(self): return self.op(b"e")
    def newfalse(self): return self.op(b"\x89")
    def binpersid(self): return self.op(b"Q")
    def pop(self): return self.op(b"0")
    def put(self, i): return self.op(b"r" + struct.pack("<I", i))
    def get(self, i): return self.op(b"j" + struct.pack("<I", i))

    def s(self, text):
        raw = text.encode() if isinstance(text, str) else text
        return self.op(b"X" + struct.pack("<I", len(raw)) + raw)

    def i(self, v):
        if 0 <= v < 256:
            return self.op(b"K" + bytes([v]))
        if -(2 ** 31) <= v < 2 ** 31:
            return self.op(b"J" + struct.pack("<i", v))
        raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
        return self.op(b"\x8a" + bytes([len(raw)]) + raw)

    def glob(self, module, name):
        return self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def stack_glob(self, module, name):
        return self.s(module).s(name).op(b"\x93")

    def ints(self, values):
        self.mark()
        for v in values:
            self.i(v)
        return self.tuple_()

    def call1(self, module, name, arg, stack=False):
        """module.name(arg) via GLOBAL (or STACK_GLOBAL) + REDUCE."""
        (self.stack_glob(module, name) if stack else self.glob(module, name))
        self.mark()
        self.s(arg) if isinstance(arg, (str, bytes)) else self.i(arg)
        return self.tuple_().reduce()

    def tensor(self, key, size, stride, offset=0, numel=None, storage="FloatStorage"):
        """torch._utils._rebuild_tensor_v2(('storage', torch.<storage>, key, 'cpu', numel),
        offset, size, stride, False, OrderedDict()), exactly as torch.save writes it."""
        if numel is None:
            numel = 1
            for d in size:
                numel *= d
        self.glob("torch._utils", "_rebuild_tensor_v2").mark()
        self.mark().s("storage").glob("torch", storage).s(key).s("cpu").i(numel).tuple_().binpersid()
        self.i(offset).ints(size).ints(stride).newfalse()
        self.glob("collections", "OrderedDict").empty_tuple().reduce()
        return self.tuple_().reduce()

    def bytes(self):
        return bytes(self.b)


def f32(values):
    return struct.pack(f"<{len(values)}f", *values)
