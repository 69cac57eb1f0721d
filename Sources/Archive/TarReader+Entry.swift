extension TarReader {
    /// Builds the entry from a header block plus the long names and PAX records before it.
    func makeEntry(_ h: UnsafeRawBufferPointer, type: UInt8, size: Int64, longName: String?, longLink: String?,
                   pax local: [String: [UInt8]]) throws -> TarEntry {
        var pax = globalRecords
        for (k, v) in local {
            // An empty local value cancels a global one (POSIX pax).
            if v.isEmpty && !k.hasPrefix(PaxRecords.xattrPrefix) { pax[k] = nil } else { pax[k] = v }
        }
        let magic = TarFormat.bytes(h, TarFormat.magic)
        let isUstar = magic.elementsEqual("ustar".utf8) && h[TarFormat.version.0] == UInt8(ascii: "0")
        let isGNU = magic.elementsEqual("ustar ".utf8)
        var name = longName ?? TarFormat.string(h, TarFormat.name)
        if longName == nil && isUstar {
            let prefix = TarFormat.string(h, TarFormat.prefix)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        if let p = pax["path"] { name = String(decoding: p, as: UTF8.self) }

        let kind: TarEntry.Kind
        switch type {
        case UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
        case 0: kind = name.hasSuffix("/") ? .directory : .file // pre-POSIX tars mark directories by the slash
        case UInt8(ascii: "1"): kind = .hardlink
        case UInt8(ascii: "2"): kind = .symlink
        case UInt8(ascii: "3"): kind = .charDevice
        case UInt8(ascii: "4"): kind = .blockDevice
        case UInt8(ascii: "5"), UInt8(ascii: "D"): kind = .directory
        case UInt8(ascii: "6"): kind = .fifo
        case UInt8(ascii: "S"):
            throw ArchiveError(.unsupported, "unsupported tar entry \"\(name)\": GNU sparse files are not supported")
        default:
            let shown = type >= 0x20 && type < 0x7f ? "'\(Character(Unicode.Scalar(type)))'" : "\(type)"
            throw ArchiveError(.unsupported, "unsupported tar entry \"\(name)\": unknown type \(shown)")
        }
        if pax.keys.contains(where: { $0.hasPrefix("GNU.sparse.") }) {
            throw ArchiveError(.unsupported, "unsupported tar entry \"\(name)\": GNU sparse files are not supported")
        }

        func field(_ f: (Int, Int), _ what: String) throws -> Int64 {
            guard let v = TarFormat.number(h, f) else {
                throw ArchiveError(.invalidHeader, "invalid tar header: bad \(what) field in the entry \"\(name)\"")
            }
            return v
        }
        var entry = TarEntry(name: name, kind: kind)
        entry.mode = UInt32(truncatingIfNeeded: try field(TarFormat.mode, "mode")) & 0o7777
        entry.uid = Int(try field(TarFormat.uid, "uid"))
        entry.gid = Int(try field(TarFormat.gid, "gid"))
        entry.mtime = TarTime(seconds: try field(TarFormat.mtime, "mtime"))
        entry.linkName = longLink ?? TarFormat.string(h, TarFormat.linkName)
        if isUstar || isGNU {
            entry.uname = TarFormat.string(h, TarFormat.uname)
            entry.gname = TarFormat.string(h, TarFormat.gname)
            if kind == .charDevice || kind == .blockDevice {
                entry.devMajor = UInt32(truncatingIfNeeded: try field(TarFormat.devMajor, "devmajor"))
                entry.devMinor = UInt32(truncatingIfNeeded: try field(TarFormat.devMinor, "devminor"))
            }
        }

        for (key, value) in pax {
            switch key {
            case "linkpath": entry.linkName = String(decoding: value, as: UTF8.self)
            case "uid": entry.uid = Int(try paxNumber(value, key, name))
            case "gid": entry.gid = Int(try paxNumber(value, key, name))
            case "uname": entry.uname = String(decoding: value, as: UTF8.self)
            case "gname": entry.gname = String(decoding: value, as: UTF8.self)
            case "mtime":
                guard let t = PaxRecords.time(value) else {
                    throw ArchiveError(.invalidHeader, "invalid tar header: bad PAX mtime in the entry \"\(name)\"")
                }
                entry.mtime = t
            default:
                if key.hasPrefix(PaxRecords.xattrPrefix) {
                    entry.xattrs[String(key.dropFirst(PaxRecords.xattrPrefix.count))] = value
                }
            }
        }
        return entry
    }

    func paxNumber(_ v: [UInt8], _ key: String, _ name: String) throws -> Int64 {
        guard let n = PaxRecords.decimal(v) else {
            throw ArchiveError(.invalidHeader, "invalid tar header: bad PAX \(key) \"\(String(decoding: v, as: UTF8.self))\" in the entry \"\(name)\"")
        }
        return n
    }
}
