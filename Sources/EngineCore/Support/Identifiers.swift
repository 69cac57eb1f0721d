import Glibc

/// Container and exec IDs: 64 hex digits from the kernel's random source, as Docker's.
enum Identifiers {
    static func random() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var got = 0
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            while got < bytes.count {
                let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
                if n > 0 { got += n } else if n == 0 || errno != EINTR { break }
            }
        }
        if got < bytes.count {
            // getrandom never fails for 32 bytes once the pool is ready; the clock keeps ids unique anyway.
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            withUnsafeBytes(of: ts) { for (i, b) in $0.enumerated() { bytes[i % 32] ^= b } }
        }
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// A Docker-style generated name: `adjective_surname`.
    static func name(taken: (String) -> Bool) -> String {
        let left = ["admiring", "brave", "calm", "clever", "dazzling", "eager", "ecstatic", "elegant", "focused",
                    "gallant", "happy", "hopeful", "jolly", "keen", "loving", "modest", "nifty", "optimistic",
                    "peaceful", "quirky", "relaxed", "serene", "sharp", "stoic", "tender", "trusting", "vibrant",
                    "wizardly", "youthful", "zealous"]
        let right = ["albattani", "babbage", "bohr", "curie", "darwin", "euclid", "fermat", "galileo", "hopper",
                     "hypatia", "kepler", "lamarr", "lovelace", "meitner", "newton", "noether", "pascal", "ritchie",
                     "shannon", "thompson", "torvalds", "turing", "wozniak", "yalow"]
        for attempt in 0..<64 {
            let r = random()
            let a = Int(r.prefix(4), radix: 16) ?? 0
            let b = Int(r.dropFirst(4).prefix(4), radix: 16) ?? 0
            var n = "\(left[a % left.count])_\(right[b % right.count])"
            if attempt > 8 { n += String(b % 10) }
            if !taken(n) { return n }
        }
        return "berth_" + String(random().prefix(12))
    }

    static func namePattern(_ name: String) -> Bool {
        // Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+
        let b = Array(name.utf8)
        guard b.count >= 2 else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard alnum(b[0]) else { return false }
        return b.dropFirst().allSatisfy { alnum($0) || $0 == 95 || $0 == 46 || $0 == 45 }
    }
}
