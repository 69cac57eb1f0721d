/// The identity a container process runs as.
public struct ResolvedUser: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    /// As dockerd writes them: the primary gid first, then the groups /etc/group lists the
    /// user in (name form only), then `GroupAdd`.
    public var additionalGids: [UInt32]
    /// Home directory from /etc/passwd ("" when the user has no entry).
    public var home: String

    public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32], home: String = "") {
        self.uid = uid
        self.gid = gid
        self.additionalGids = additionalGids
        self.home = home
    }
}

/// `User` ("", "name", "uid", "name:group", "uid:gid", ...) resolved against the image's
/// /etc/passwd and /etc/group the way moby/sys/user's GetExecUser does, errors included.
enum UserResolver {
    static let maxID = 1 << 31 - 1

    struct PasswdEntry { var name: String; var uid: Int; var gid: Int; var home: String }
    struct GroupEntry { var name: String; var gid: Int; var members: [String] }

    static func resolve(_ spec: String, rootfs: String, groupAdd: [String]) throws -> ResolvedUser {
        // A file that cannot be read counts as absent, as in GetExecUserPath.
        let passwd = (try? ScopedPath.readFile(root: rootfs, "/etc/passwd")).flatMap { $0 }.map { parsePasswd($0) }
        let group = (try? ScopedPath.readFile(root: rootfs, "/etc/group")).flatMap { $0 }.map { parseGroup($0) }
        return try resolve(spec, passwd: passwd, group: group, groupAdd: groupAdd)
    }

    static func resolve(_ spec: String, passwd: [PasswdEntry]?, group: [GroupEntry]?, groupAdd: [String]) throws -> ResolvedUser {
        let fields = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let userArg = fields.first ?? ""
        let groupArg = fields.count > 1 ? fields[1] : ""
        let uidArg = try numeric(userArg)
        let gidArg = try numeric(groupArg)

        var uid = 0, gid = 0, home = ""
        var supplementary: [Int] = []
        let matched = (passwd ?? []).first { entry in
            if userArg.isEmpty { return entry.uid == 0 }
            if let uidArg { return entry.uid == uidArg }
            return entry.name == userArg
        }
        if let matched {
            uid = matched.uid
            gid = matched.gid
            home = matched.home
        } else if !userArg.isEmpty {
            guard let uidArg else {
                throw ContainerSpecError.invalid("unable to find user \(userArg): no matching entries in passwd file")
            }
            uid = uidArg
        }

        if !groupArg.isEmpty {
            if let found = (group ?? []).first(where: { entry in gidArg.map { entry.gid == $0 } ?? (entry.name == groupArg) }) {
                gid = found.gid
            } else if let gidArg {
                gid = gidArg
            } else {
                throw ContainerSpecError.invalid("unable to find group \(groupArg): no matching entries in group file")
            }
        } else if let name = matched?.name {
            supplementary = (group ?? []).filter { $0.members.contains(name) }.map(\.gid)
        }

        let added = try additionalGroups(groupAdd, group: group)
        return ResolvedUser(uid: UInt32(truncatingIfNeeded: uid), gid: UInt32(truncatingIfNeeded: gid),
                            additionalGids: ([gid] + supplementary + added).map { UInt32(truncatingIfNeeded: $0) },
                            home: home)
    }

    /// GroupAdd entries: names must exist in /etc/group; numbers may be used as they are.
    static func additionalGroups(_ wanted: [String], group: [GroupEntry]?) throws -> [Int] {
        var out: [Int] = []
        for name in wanted {
            let id = try numeric(name)
            if let found = (group ?? []).first(where: { entry in id.map { entry.gid == $0 } ?? (entry.name == name) }) {
                guard found.gid >= 0 && found.gid <= maxID else { throw rangeError }
                if !out.contains(found.gid) { out.append(found.gid) }
            } else if let id {
                if !out.contains(id) { out.append(id) }
            } else {
                throw ContainerSpecError.invalid("unable to find group \(name): no matching entries in group file")
            }
        }
        return out
    }

    static let rangeError = ContainerSpecError.invalid("uids and gids must be in range 0-\(maxID)")

    /// nil for a name; the value for a decimal id; an error for an id out of range.
    static func numeric(_ text: String) throws -> Int? {
        guard !text.isEmpty else { return nil }
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let value = Int(text), value >= 0, value <= maxID else { throw rangeError }
        return value
    }

    /// name:password:uid:gid:gecos:home:shell; malformed numbers read as 0, as Go's parser does.
    static func parsePasswd(_ bytes: [UInt8]) -> [PasswdEntry] {
        lines(bytes).map { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            return PasswdEntry(name: f[0], uid: f.count > 2 ? Int(f[2]) ?? 0 : 0,
                               gid: f.count > 3 ? Int(f[3]) ?? 0 : 0, home: f.count > 5 ? f[5] : "")
        }
    }

    /// name:password:gid:member,member; '#' lines are comments.
    static func parseGroup(_ bytes: [UInt8]) -> [GroupEntry] {
        lines(bytes).filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let members = f.count > 3 ? f[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            return GroupEntry(name: f[0], gid: f.count > 2 ? Int(f[2]) ?? 0 : 0, members: members)
        }
    }

    private static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension String {
    func trimmingWhitespace() -> String { self[...].trimmingWhitespace() }
}
