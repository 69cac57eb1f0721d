import JSON
import LinuxSys

/// One row of `ps`: docker's formatter.ContainerContext over a container summary.
struct ContainerContext: TemplateObject {
    let c: JSONValue
    let trunc: Bool
    let now: WallTime

    static let headers: [String: String] = [
        "ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND",
        "CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE",
        "Status": "STATUS", "Size": "SIZE", "Labels": "LABELS", "Mounts": "MOUNTS",
        "LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Platform": "PLATFORM",
    ]

    static let defaultTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

    var typeName: String { "*formatter.ContainerContext" }

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        if name == "Label" {
            guard args.count == 1, case .string(let key) = args[0].normalized else {
                throw TemplateError("wrong number of args for Label: want 1 got \(args.count)")
            }
            return .string(c["Labels"][key].stringValue)
        }
        if !args.isEmpty { return nil }
        return stringField(name).map { .string($0) }
    }

    func stringField(_ name: String) -> String? {
        switch name {
        case "ID": return trunc ? Display.truncateID(c["Id"].stringValue) : c["Id"].stringValue
        case "Names":
            let names = c["Names"].strings.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
            if trunc { return names.first { !$0.contains("/") } ?? "" }
            return names.joined(separator: ",")
        case "Image": return Display.imageForList(image: c["Image"].stringValue, imageID: c["ImageID"].stringValue, trunc: trunc)
        case "Command":
            let cmd = c["Command"].stringValue
            return goQuote(trunc ? Display.ellipsis(cmd, 20) : cmd)
        case "CreatedAt": return WallTime(seconds: c["Created"].int64 ?? 0).goString
        case "RunningFor":
            let created = Double(c["Created"].int64 ?? 0)
            return HumanUnits.humanDuration(seconds: now.asDouble - created) + " ago"
        case "Ports": return Display.ports(c["Ports"].array)
        case "State": return c["State"].stringValue
        case "Status": return c["Status"].stringValue
        case "Size":
            let rw = Double(c["SizeRw"].int64 ?? 0), rootfs = Double(c["SizeRootFs"].int64 ?? 0)
            let srw = HumanUnits.humanSize(rw, precision: 3)
            return rootfs > 0 ? "\(srw) (virtual \(HumanUnits.humanSize(rootfs, precision: 3)))" : srw
        case "Labels":
            guard case .object = c["Labels"] else { return "" }
            return c["Labels"].stringMap.map { "\($0.0)=\($0.1)" }.sorted(by: goLess).joined(separator: ",")
        case "Mounts":
            return c["Mounts"].array.map { m -> String in
                let name = m["Name"].stringValue.isEmpty ? m["Source"].stringValue : m["Name"].stringValue
                return trunc ? Display.ellipsis(name, 15) : name
            }.joined(separator: ",")
        case "LocalVolumes": return String(c["Mounts"].array.filter { $0["Driver"].string == "local" }.count)
        case "Networks":
            return (c["NetworkSettings"]["Networks"].object?.keys ?? []).sorted(by: goLess).joined(separator: ",")
        default: return nil
        }
    }

    static let jsonFields = ["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names",
                             "Networks", "Ports", "RunningFor", "Size", "State", "Status"]

    var jsonValue: JSONValue {
        var o = JSONObject(ContainerContext.jsonFields.map { ($0, .string(stringField($0) ?? "")) })
        // A nil *Platform in docker's context; the field sorts between Networks and Ports.
        o["Platform"] = .null
        return .object(o)
    }
}
