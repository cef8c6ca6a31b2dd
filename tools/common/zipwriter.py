"""A hand-written zip writer for test fixtures: stored or deflated entries, optional zip64, and
fields that can be set to wrong values on purpose (hostile archives). The output is fully
determined by the arguments (fixed dates), so regenerated fixtures are byte-identical.

Used by tools/fixtures/make_format_fixtures.py and tools/fuzz/make_hostile.py.
"""
import struct
import zlib


def deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def make_zip(entries, zip64=False, comment=b"", eocd=None, date=0):
    """entries: dicts with name and data, optional method (0 stored / 8 deflated), size (declared
    uncompressed size), csize (declared compressed size), crc, raw (compressed bytes stored as is),
    local_name (a different name in the local header), offset (central directory's local-header
    offset), central_only (write no local record), flags. `eocd` overrides end-record fields: dict
    of count/cd_size/cd_offset. `date`: the DOS date field of every header."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e["name"].encode()
        data = e["data"]
        method = e.get("method", 0)
        comp = e["raw"] if "raw" in e else (deflate(data) if method == 8 else data)
        crc = e.get("crc", zlib.crc32(data) & 0xFFFFFFFF)
        size = e.get("size", len(data))
        csize = e.get("csize", len(comp))
        flags = e.get("flags", 0)
        offset = len(out)
        local_name = e.get("local_name", e["name"]).encode()
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, flags, method, 0, date, crc,
                            0xFFFFFFFF if zip64 else csize & 0xFFFFFFFF, 0xFFFFFFFF if zip64 else size & 0xFFFFFFFF,
                            len(local_name), 20 if zip64 else 0)
        local += local_name
        if zip64:
            local += struct.pack("<HHQQ", 1, 16, size, csize)
        local += comp
        if not e.get("central_only"):
            out += local
        coff = e.get("offset", offset)
        extra = struct.pack("<HHQQQ", 1, 24, size, csize, coff) if zip64 else b""
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if zip64 else 20, 45 if zip64 else 20, flags,
                               method, 0, date, crc, 0xFFFFFFFF if zip64 else csize & 0xFFFFFFFF,
                               0xFFFFFFFF if zip64 else size & 0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0,
                               0xFFFFFFFF if zip64 else coff)
        central += name + extra
    cd_offset = len(out)
    out += central
    n = len(entries)
    ov = eocd or {}
    if zip64:
        z64 = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, ov.get("count", n),
                           ov.get("cd_size", len(central)), ov.get("cd_offset", cd_offset))
        out += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n & 0xFFFF, ov.get("count", n) & 0xFFFF,
                           ov.get("cd_size", len(central)) & 0xFFFFFFFF, ov.get("cd_offset", cd_offset) & 0xFFFFFFFF,
                           len(comment))
    out += comment
    return bytes(out)


def torch_zip(pickle_bytes, storages=None, top="archive", pickle_method=0, storage_method=0, **kw):
    """A torch.save-style archive: <top>/data.pkl, byteorder, data/<key>..., version; storages:
    {key: bytes}. Other keyword arguments go to make_zip."""
    entries = [{"name": f"{top}/data.pkl", "data": pickle_bytes, "method": pickle_method},
               {"name": f"{top}/byteorder", "data": b"little"}]
    for k, data in (storages or {}).items():
        entries.append({"name": f"{top}/data/{k}", "data": data, "method": storage_method})
    entries.append({"name": f"{top}/version", "data": b"3\n"})
    return make_zip(entries, **kw)
