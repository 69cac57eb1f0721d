import Glibc

/// The /etc/hostname, /etc/hosts and /etc/resolv.conf files dockerd writes for a container
/// (libnetwork etchosts and resolvconf), for berthd to write and bind-mount.
public enum HostsFiles {
    public static let hostGatewayName = "host-gateway"

    /// /etc/hostname.
    public static func hostname(_ name: String) -> String { name + "\n" }

    /// /etc/hosts: localhost entries, `--add-host` entries ("name:ip", "host-gateway" for
    /// `hostGateway`), then the container's addresses under "hostname.domain hostname".
    /// On the host network without extra hosts it is a copy of `hostHosts`.
    public static func hosts(hostname: String, domainname: String = "", addresses: [String] = [],
                             extraHosts: [String], hostGateway: String?, ipv6: Bool = true,
                             hostHosts: String? = nil) throws -> String {
        if let hostHosts, extraHosts.isEmpty { return hostHosts }
        var records: [(ip: String, names: String)] = [("127.0.0.1", "localhost")]
        if ipv6 {
            records += [("::1", "localhost ip6-localhost ip6-loopback"), ("fe00::", "ip6-localnet"),
                        ("ff00::", "ip6-mcastprefix"), ("ff02::1", "ip6-allnodes"), ("ff02::2", "ip6-allrouters")]
        }
        for entry in extraHosts {
            let (name, address) = try extraHost(entry)
            if address == hostGatewayName {
                guard let hostGateway, let ip = IPText.normalized(hostGateway) else {
                    throw ContainerSpecError.invalid("unable to derive the IP value for host-gateway")
                }
                records.append((ip, name))
            } else if let ip = IPText.normalized(address) {
                records.append((ip, name))
            }
        }
        var names = hostname
        if !domainname.isEmpty { names += "." + domainname }
        if let dot = names.firstIndex(of: ".") { names += " " + names[..<dot] }
        for address in addresses {
            guard let ip = IPText.normalized(address) else {
                throw ContainerSpecError.invalid("invalid IP address: \(address)")
            }
            records.append((ip, names))
        }
        return records.filter { ipv6 || !$0.ip.contains(":") }.map { "\($0.ip)\t\($0.names)\n" }.joined()
    }

    /// One `--add-host` value, checked as dockerd's ValidateExtraHost.
    public static func extraHost(_ entry: String) throws -> (name: String, address: String) {
        guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
            throw ContainerSpecError.invalid("bad format for add-host: \"\(entry)\"")
        }
        let address = String(entry[entry.index(after: colon)...])
        if address != hostGatewayName && IPText.normalized(address) == nil {
            throw ContainerSpecError.invalid("invalid IP address in add-host: \"\(address)\"")
        }
        return (String(entry[..<colon]), address)
    }

    /// /etc/resolv.conf from the host's file and `--dns`, `--dns-search`, `--dns-option`.
    /// Without the host network the host's loopback nameservers (and IPv6 ones when the
    /// container has no IPv6) are dropped and `defaultDNS` used when none is left; with
    /// `internalNameserver` (user-defined networks) that server replaces them all.
    public static func resolvConf(dns: [String], search: [String], options: [String], hostResolvConf: String,
                                  hostResolvConfPath: String = "/etc/resolv.conf", hostNetwork: Bool = false,
                                  ipv6: Bool = false, internalNameserver: String? = nil,
                                  defaultDNS: [String] = ["8.8.8.8", "8.8.4.4"]) throws -> String {
        var conf = ResolvConf(parsing: hostResolvConf)
        let nsOverride = !dns.isEmpty
        if nsOverride {
            conf.nameservers = try dns.map { address in
                guard let ip = IPText.normalized(address) else { throw ContainerSpecError.invalid("\(address) is not an ip address") }
                return ip
            }
        }
        if !search.isEmpty { conf.search = search.filter { $0 != "." } }
        if !options.isEmpty { conf.options = options }
        var notes: [String] = []
        var transform = ""
        var external: [String] = []
        if let resolver = internalNameserver {
            transform = "internal resolver"
            external = conf.nameservers.map { nsOverride ? $0 : "host(\($0))" }
            conf.nameservers = [resolver]
            if !conf.options.contains(where: { $0.hasPrefix("ndots:") && $0.count > 6 }) {
                conf.options.removeAll { $0 == "ndots" || $0 == "ndots:" }
                conf.options.append("ndots:0")
            }
            if external.isEmpty { notes.append("NO EXTERNAL NAMESERVERS DEFINED") }
        } else if !hostNetwork {
            transform = "legacy"
            if !nsOverride {
                conf.nameservers = conf.nameservers.filter { !IPText.isLoopback($0) && (ipv6 || !$0.contains(":")) }
                if conf.nameservers.isEmpty {
                    conf.nameservers = defaultDNS + (ipv6 ? ["2001:4860:4860::8888", "2001:4860:4860::8844"] : [])
                    notes.append("Used default nameservers.")
                }
            }
        }
        var text = "# Generated by Docker Engine.\n# This file can be edited; Docker Engine will not make further changes once it\n# has been modified.\n\n"
        text += conf.nameservers.map { "nameserver \($0)\n" }.joined()
        if !conf.search.isEmpty { text += "search " + conf.search.joined(separator: " ") + "\n" }
        if !conf.options.isEmpty { text += "options " + conf.options.joined(separator: " ") + "\n" }
        text += conf.other.map { $0 + "\n" }.joined()
        text += "\n# Based on host file: '\(hostResolvConfPath)'" + (transform.isEmpty ? "" : " (\(transform))") + "\n"
        text += notes.map { "# \($0)\n" }.joined()
        if !external.isEmpty { text += "# ExtServers: [" + external.joined(separator: " ") + "]\n" }
        if !conf.invalid.isEmpty { text += "# Invalid nameservers: [" + conf.invalid.joined(separator: " ") + "]\n" }
        let overrides = [nsOverride ? "nameservers" : nil, search.isEmpty ? nil : "search", options.isEmpty ? nil : "options"]
        text += "# Overrides: [" + overrides.compactMap { $0 }.joined(separator: " ") + "]\n"
        if let from = conf.ndotsFrom(optionsOverridden: !options.isEmpty, internalResolver: internalNameserver != nil) {
            text += "# Option ndots from: \(from)\n"
        }
        return text
    }
}

/// The directives of a resolv.conf file, as libnetwork's parser keeps them.
struct ResolvConf {
    var nameservers: [String] = []
    var invalid: [String] = []
    var search: [String] = []
    var options: [String] = []
    var other: [String] = []
    var hostHadNdots = false

    init(parsing text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let first = line.first, first != "#", first != ";" else { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let directive = fields.first else { continue }
            switch directive {
            case "nameserver" where fields.count >= 2:
                if let ip = IPText.normalized(fields[1]) { nameservers.append(ip) } else { invalid.append(fields[1]) }
            case "domain" where fields.count >= 2, "search" where fields.count >= 2:
                search = Array(fields.dropFirst())
            case "options" where fields.count >= 2:
                options += fields.dropFirst()
            case "nameserver", "domain", "search", "options":
                continue
            default:
                other.append(String(line))
            }
        }
        hostHadNdots = options.contains { $0 == "ndots" || $0.hasPrefix("ndots:") }
    }

    func ndotsFrom(optionsOverridden: Bool, internalResolver: Bool) -> String? {
        let has = options.contains { $0 == "ndots" || $0.hasPrefix("ndots:") }
        guard has else { return nil }
        if optionsOverridden { return "override" }
        if hostHadNdots { return "host" }
        return internalResolver ? "internal" : nil
    }
}

/// IP address text through inet_pton/inet_ntop, so addresses print as Go's netip does.
enum IPText {
    static func normalized(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 { return format(AF_INET, &v4, 16) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, trimmed, &v6) == 1 { return format(AF_INET6, &v6, 46) }
        return nil
    }

    static func isLoopback(_ ip: String) -> Bool { ip.hasPrefix("127.") || ip == "::1" }

    private static func format(_ family: Int32, _ addr: UnsafeRawPointer, _ size: Int) -> String? {
        var buf = [CChar](repeating: 0, count: size)
        guard inet_ntop(family, addr, &buf, socklen_t(size)) != nil else { return nil }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
