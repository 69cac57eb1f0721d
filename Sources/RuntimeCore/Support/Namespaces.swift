import Glibc
import OCISpec
import LinuxSys

/// Namespace kinds with their clone(2)/setns(2) flag and /proc/<pid>/ns name.
public enum NamespaceKind: String, CaseIterable, Sendable {
    case user, pid, network, mount, ipc, uts, cgroup, time

    public var cloneFlag: Int32 {
        switch self {
        case .user: return 0x1000_0000
        case .pid: return 0x2000_0000
        case .network: return 0x4000_0000
        case .mount: return 0x0002_0000
        case .ipc: return 0x0800_0000
        case .uts: return 0x0400_0000
        case .cgroup: return 0x0200_0000
        case .time: return 0x0000_0080
        }
    }

    public var procName: String {
        switch self {
        case .network: return "net"
        case .mount: return "mnt"
        case .pid: return "pid"
        case .time: return "time"
        default: return rawValue
        }
    }

    /// Joining order: the user namespace first (it owns the others); mount
    /// last among the rest so paths to other namespace files still resolve.
    static let joinOrder: [NamespaceKind] = [.user, .ipc, .uts, .network, .pid, .cgroup, .time, .mount]
}

/// The namespaces a container wants: created anew, or joined by path.
public struct NamespacePlan: Sendable {
    public var new: Set<NamespaceKind> = []
    public var join: [(kind: NamespaceKind, path: String)] = []

    public init(_ list: [LinuxNamespace]?) throws {
        var seen = Set<NamespaceKind>()
        for (i, ns) in (list ?? []).enumerated() {
            guard let kind = NamespaceKind(rawValue: ns.type) else {
                throw RuntimeError("linux.namespaces[\(i)].type: unknown namespace type \"\(ns.type)\"; "
                    + "valid types are \(NamespaceKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard seen.insert(kind).inserted else {
                throw RuntimeError("linux.namespaces[\(i)]: namespace \"\(ns.type)\" listed twice")
            }
            if let p = ns.path, !p.isEmpty {
                guard FileIO.exists(p) else {
                    throw RuntimeError("linux.namespaces[\(i)].path: \(p): no such namespace file")
                }
                join.append((kind, p))
            } else {
                new.insert(kind)
            }
        }
        join.sort { a, b in
            (NamespaceKind.joinOrder.firstIndex(of: a.kind) ?? 0) < (NamespaceKind.joinOrder.firstIndex(of: b.kind) ?? 0)
        }
    }

    public func has(_ k: NamespaceKind) -> Bool { new.contains(k) || join.contains { $0.kind == k } }

    /// Flags for unshare(2) after the user namespace exists (cgroup comes later,
    /// once the process sits in its cgroup, so the namespace root is that cgroup).
    public var unshareFlags: Int32 {
        var f: Int32 = 0
        for k in new where k != .user && k != .cgroup { f |= k.cloneFlag }
        return f
    }
}
