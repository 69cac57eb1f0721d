import Glibc
import LinuxSys

/// Docker's `certs.d`: `<dir>/<host[:port]>/*.crt` are CA certificates for that registry.
/// URLSession on Linux trusts only the system's bundle, so berth-https gets one file with
/// the system's CAs and these appended, bound over the system's in its own mount namespace
/// (every certs.d CA is then trusted for every registry, where Docker scopes each to its host).
enum RegistryCAs {
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    /// `--ca-bundle FILE` after writing FILE, or nothing when certs.d holds no CA.
    static func helperArguments(certsDir: String, bundle: String) -> [String] {
        let cas = certificates(in: certsDir)
        guard !cas.isEmpty, let system = try? FileIO.read(path: systemBundle) else { return [] }
        var out = system
        if out.last != 10 { out.append(10) }
        for path in cas {
            guard let pem = try? FileIO.read(path: path) else { continue }
            out += pem
            if out.last != 10 { out.append(10) }
        }
        guard (try? FileIO.writeAtomic(bundle, out, mode: 0o644, durable: false)) != nil else { return [] }
        return ["--ca-bundle", bundle]
    }

    static func certificates(in dir: String) -> [String] {
        var found: [String] = []
        for host in (try? FileIO.listDirectory(dir)) ?? [] {
            for file in (try? FileIO.listDirectory(dir + "/" + host)) ?? [] where file.hasSuffix(".crt") {
                found.append("\(dir)/\(host)/\(file)")
            }
        }
        return found.sorted()
    }
}
