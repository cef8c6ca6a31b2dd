// A zip reader for torch.save archives: central directory, stored and deflated entries, zip64.
//
// torch.save (since PyTorch 1.6) writes a zip whose entries are `<top>/data.pkl`, one
// `<top>/data/<key>` per tensor storage and a few small records. The reader trusts nothing:
// every offset and size is checked against the bytes present before use, entries may not
// overlap (the overlapping-entries zip bomb), names must be unique and agree between the central
// directory and the local headers, and an entry's declared size bounds its inflation.
//
// Entries are read lazily: opening the archive parses only the directory; `data(of:)` reads
// (and checks the CRC of) one entry when it is needed, so unused storages cost nothing.

struct ZipEntry: Sendable {
    /// Name as stored (UTF-8; other encodings decode with replacement characters).
    let name: String
    /// 0 = stored, 8 = deflated; others are refused when the entry is read.
    let method: UInt16
    let flags: UInt16
    let crc: UInt32
    let compressedSize: Int
    /// The declared uncompressed size.
    let size: Int
    let localHeaderOffset: Int
    /// Where the entry's (possibly compressed) bytes start in the file.
    let dataOffset: Int
}

/// An entry's bytes once read: a range of the mapped file (stored entries, no copy) or an
/// inflated buffer (deflated entries).
enum ZipEntryData: Sendable {
    case mapped(offset: Int, count: Int)
    case inflated([UInt8])
}

final class ZipArchive: Sendable {
    let file: FileBytes
    /// Entries in central-directory order.
    let entries: [ZipEntry]
    private let index: [String: Int]

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Parses the directory of a zip held in `file`.
    init(file: FileBytes) throws {
        self.file = file
        let name = file.name
        func fail(_ kind: CheckpointError.Kind, _ offset: Int?, _ message: String) -> CheckpointError {
            CheckpointError(kind, file: name, at: offset.map { "zip offset \($0)" } ?? "zip", message)
        }
        func fail(_ offset: Int?, _ message: String) -> CheckpointError {
            fail(.malformed, offset, message)
        }
        let parsed: [ZipEntry] = try file.withBytes { buf in
            let n = buf.count
            guard n >= 22 else {
                throw fail(nil, "file is \(n) bytes, too short for a zip (its end record alone is 22 bytes)")
            }
            // End of central directory: the last 22 bytes, or earlier when a comment follows it.
            var eocd = -1
            var p = n - 22
            let lowest = max(0, n - 22 - 0xffff)
            while p >= lowest {
                if buf.le32(p) == Self.eocdSignature && p + 22 + Int(buf.le16(p + 20)) <= n {
                    eocd = p
                    break
                }
                p -= 1
            }
            guard eocd >= 0 else {
                throw fail(nil, "no end-of-central-directory record (the file is truncated or not a zip)")
            }
            var diskNumber = Int(buf.le16(eocd + 4))
            var cdDisk = Int(buf.le16(eocd + 6))
            var entryCount = UInt64(buf.le16(eocd + 10))
            var cdSize = UInt64(buf.le32(eocd + 12))
            var cdOffset = UInt64(buf.le32(eocd + 16))
            var cdLimit = eocd  // the central directory must end before this offset
            let saturated = entryCount == 0xffff || cdSize == 0xffff_ffff || cdOffset == 0xffff_ffff
            let locator = eocd - 20
            if locator >= 0 && buf.le32(locator) == Self.zip64LocatorSignature {
                // zip64: the real counts and offsets are in a record the locator points to.
                guard let rec = intSize(buf.le64(locator + 8)), rec <= locator - 56 else {
                    throw fail(locator, "zip64 locator points to offset \(buf.le64(locator + 8)), outside the file")
                }
                guard buf.le32(rec) == Self.zip64EOCDSignature else {
                    throw fail(rec, "zip64 end record signature is 0x\(String(buf.le32(rec), radix: 16)), expected 0x6064b50")
                }
                diskNumber = Int(buf.le32(rec + 16))
                cdDisk = Int(buf.le32(rec + 20))
                entryCount = buf.le64(rec + 32)
                cdSize = buf.le64(rec + 40)
                cdOffset = buf.le64(rec + 48)
                cdLimit = rec
                if buf.le32(locator + 16) > 1 { diskNumber = max(diskNumber, 1) }
            } else if saturated {
                throw fail(eocd, "end record has zip64 markers (0xffff...) but there is no zip64 record")
            }
            guard diskNumber == 0 && cdDisk == 0 else {
                throw fail(.unsupported, eocd, "multi-disk (split) zip archives are not supported")
            }
            guard let cdStart = intSize(cdOffset), let cdLen = intSize(cdSize),
                  let cdEnd = checkedAdd(cdStart, cdLen), cdEnd <= cdLimit else {
                throw fail(eocd, "central directory (offset \(cdOffset), \(cdSize) bytes) runs past its end record at \(cdLimit)")
            }
            guard entryCount <= UInt64(Limits.maxZipEntries) else {
                throw fail(.limitExceeded, eocd, "declares \(entryCount) entries, limit is \(Limits.maxZipEntries)")
            }
            guard entryCount * 46 <= UInt64(cdLen) else {
                throw fail(eocd, "declares \(entryCount) entries but its central directory has only \(cdLen) bytes")
            }

            var entries: [ZipEntry] = []
            entries.reserveCapacity(Int(entryCount))
            var q = cdStart
            for i in 0..<Int(entryCount) {
                guard q <= cdEnd - 46, buf.le32(q) == Self.centralSignature else {
                    throw fail(q, "central directory entry \(i) is missing or has a bad signature")
                }
                let flags = buf.le16(q + 8)
                let method = buf.le16(q + 10)
                let crc = buf.le32(q + 16)
                var csize = UInt64(buf.le32(q + 20))
                var usize = UInt64(buf.le32(q + 24))
                let nameLen = Int(buf.le16(q + 28))
                let extraLen = Int(buf.le16(q + 30))
                let commentLen = Int(buf.le16(q + 32))
                var diskStart = UInt64(buf.le16(q + 34))
                var localOffset = UInt64(buf.le32(q + 42))
                let varLen = nameLen + extraLen + commentLen
                guard q + 46 + varLen <= cdEnd else {
                    throw fail(q, "central directory entry \(i): name/extra/comment (\(varLen) bytes) run past the directory")
                }
                let nameBytes = buf.slice(q + 46, nameLen)
                let entryName = String(decoding: nameBytes, as: UTF8.self)
                // zip64 extra field: 64-bit values for exactly the fields saturated above, in order.
                if usize == 0xffff_ffff || csize == 0xffff_ffff || localOffset == 0xffff_ffff || diskStart == 0xffff {
                    var e = q + 46 + nameLen
                    let extraEnd = e + extraLen
                    var found = false
                    while e + 4 <= extraEnd {
                        let id = buf.le16(e)
                        let len = Int(buf.le16(e + 2))
                        guard e + 4 + len <= extraEnd else { break }
                        if id == 0x0001 {
                            var f = e + 4
                            let fEnd = f + len
                            func next() throws -> UInt64 {
                                guard f + 8 <= fEnd else {
                                    throw fail(q, "entry \(quoted(entryName)): zip64 extra field is \(len) bytes, too short for the saturated sizes")
                                }
                                defer { f += 8 }
                                return buf.le64(f)
                            }
                            if usize == 0xffff_ffff { usize = try next() }
                            if csize == 0xffff_ffff { csize = try next() }
                            if localOffset == 0xffff_ffff { localOffset = try next() }
                            if diskStart == 0xffff {
                                guard f + 4 <= fEnd else {
                                    throw fail(q, "entry \(quoted(entryName)): zip64 extra field lacks the disk number")
                                }
                                diskStart = UInt64(buf.le32(f))
                            }
                            found = true
                            break
                        }
                        e += 4 + len
                    }
                    guard found else {
                        throw fail(q, "entry \(quoted(entryName)) has zip64 markers but no zip64 extra field")
                    }
                }
                guard diskStart == 0 else {
                    throw fail(.unsupported, q, "entry \(quoted(entryName)) starts on disk \(diskStart); split archives are not supported")
                }
                guard let cs = intSize(csize), let us = intSize(usize), let lo = intSize(localOffset) else {
                    throw fail(.limitExceeded, q, "entry \(quoted(entryName)) declares sizes/offset beyond 2^63")
                }
                // Local header: its name and extra lengths may differ from the central copy.
                guard lo <= cdStart - 30, buf.le32(lo) == Self.localSignature else {
                    throw fail(q, "entry \(quoted(entryName)): local header at offset \(lo) is missing or has a bad signature")
                }
                let localNameLen = Int(buf.le16(lo + 26))
                let localExtraLen = Int(buf.le16(lo + 28))
                let dataOffset = lo + 30 + localNameLen + localExtraLen
                guard dataOffset <= cdStart, cs <= cdStart - dataOffset else {
                    throw fail(lo, "entry \(quoted(entryName)): data (offset \(dataOffset), \(cs) bytes) runs past the central directory at \(cdStart)")
                }
                guard localNameLen == nameLen, buf.slice(lo + 30, localNameLen).elementsEqual(nameBytes) else {
                    throw fail(lo, "entry \(quoted(entryName)): local header names a different file than the central directory")
                }
                if method == 0 && cs != us {
                    throw fail(q, "stored entry \(quoted(entryName)) has compressed size \(cs) but size \(us); they must be equal")
                }
                entries.append(ZipEntry(name: entryName, method: method, flags: flags, crc: crc,
                                        compressedSize: cs, size: us, localHeaderOffset: lo,
                                        dataOffset: dataOffset))
                q += 46 + varLen
            }
            return entries
        }

        // Entries may not share bytes: overlapping entries are how some zip bombs multiply one
        // compressed kernel, and no writer produces them.
        let byOffset = parsed.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        if byOffset.count > 1 {
            for k in 1..<byOffset.count {
                let a = byOffset[k - 1], b = byOffset[k]
                if a.dataOffset + a.compressedSize > b.localHeaderOffset {
                    throw fail(b.localHeaderOffset, "entries \(quoted(a.name)) and \(quoted(b.name)) overlap")
                }
            }
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(parsed.count)
        for (i, e) in parsed.enumerated() {
            if index.updateValue(i, forKey: e.name) != nil {
                throw fail(e.localHeaderOffset, "two entries are named \(quoted(e.name))")
            }
        }
        self.entries = parsed
        self.index = index
    }

    func entry(named name: String) -> ZipEntry? {
        index[name].map { entries[$0] }
    }

    /// Reads one entry: checks its method and flags, bounds its inflated size, inflates
    /// deflated data and verifies the CRC-32.
    ///
    /// A CRC of 0 on non-empty data is accepted unverified: torch.save writes 0 when CRC
    /// computation is switched off (`torch.serialization.set_crc32_options(False)`).
    func data(of e: ZipEntry) throws -> ZipEntryData {
        let fileName = file.name
        func fail(_ kind: CheckpointError.Kind, _ message: String) -> CheckpointError {
            CheckpointError(kind, file: fileName, at: "entry \(quoted(e.name))", message)
        }
        if e.flags & 1 != 0 {
            throw fail(.unsupported, "is encrypted")
        }
        switch e.method {
        case 0:
            if e.crc != 0 {
                let crc = file.withBytes { Inflate.crc32($0.slice(e.dataOffset, e.size)) }
                if crc != e.crc {
                    throw fail(.integrity, "CRC-32 is 0x\(hex8(crc)), the directory says 0x\(hex8(e.crc))")
                }
            }
            return .mapped(offset: e.dataOffset, count: e.size)
        case 8:
            // Zip-bomb guards, before allocating the output: deflate cannot beat ~1032:1, so a
            // larger declared ratio is a lie; and an absolute bound for honest-but-huge entries.
            if e.size > Limits.maxInflatedEntryBytes {
                throw fail(.limitExceeded, "declares \(e.size) inflated bytes, limit is \(Limits.maxInflatedEntryBytes)")
            }
            if e.size > 1 << 16, let bound = checkedMul(max(e.compressedSize, 1), Limits.maxDeflateRatio), e.size > bound {
                throw fail(.limitExceeded, "declares \(e.size) bytes from \(e.compressedSize) compressed (ratio above \(Limits.maxDeflateRatio):1, impossible for deflate)")
            }
            let result = file.withBytes { buf in
                Result { () throws(Inflate.Failure) in
                    try Inflate.raw(buf.slice(e.dataOffset, e.compressedSize), size: e.size)
                }
            }
            let out: [UInt8]
            switch result {
            case .success(let bytes):
                out = bytes
            case .failure(.tooLong):
                throw fail(.limitExceeded, "inflates to more than its declared \(e.size) bytes")
            case .failure(.tooShort(let produced)):
                throw fail(.malformed, "inflates to \(produced) bytes, the directory says \(e.size)")
            case .failure(.truncated(let produced)):
                throw fail(.malformed, "deflate data ends early (after \(produced) of \(e.size) bytes)")
            case .failure(.corrupt(let why)):
                throw fail(.malformed, "invalid deflate data (\(why))")
            case .failure(.outOfMemory):
                throw fail(.io, "out of memory inflating \(e.size) bytes")
            }
            if e.crc != 0 {
                let crc = out.withUnsafeBytes { Inflate.crc32($0) }
                if crc != e.crc {
                    throw fail(.integrity, "CRC-32 is 0x\(hex8(crc)), the directory says 0x\(hex8(e.crc))")
                }
            }
            return .inflated(out)
        default:
            throw fail(.unsupported, "compression method \(e.method) (only stored and deflated are read)")
        }
    }

    /// Reads an entry into an array (for small entries such as `data.pkl` and `byteorder`).
    func bytes(of e: ZipEntry) throws -> [UInt8] {
        switch try data(of: e) {
        case .inflated(let b):
            return b
        case .mapped(let offset, let count):
            return file.withBytes { Array($0.slice(offset, count)) }
        }
    }
}

func hex8(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}
