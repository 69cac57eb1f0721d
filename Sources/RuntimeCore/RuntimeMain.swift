import Glibc
import LinuxSys

public let berthVersion = "0.1.0"

/// The runc-compatible command line: global flags, then a verb and its flags.
public enum RuntimeMain {
    static let globalSpec = FlagSpec(values: ["root", "log", "log-format", "criu", "rootless"],
                                     bools: ["debug", "systemd-cgroup", "version|v", "help|h"])

    public static func main(_ argv: [String]) -> Int32 {
        var args = Array(argv.dropFirst())
        // Global flags come before the verb.
        var globals: [String] = []
        while let a = args.first, a.hasPrefix("-") {
            globals.append(args.removeFirst())
            let name = String(a.drop { $0 == "-" })
            if !name.contains("="), globalSpec.values[name] != nil, let v = args.first {
                globals.append(v); args.removeFirst()
            }
        }
        var log = Logger()
        let g: ParsedArgs
        do { g = try ArgParser.parse(globals, globalSpec, command: "berth-runtime") } catch {
            FileHandleOut.stderr("berth-runtime: \(error)\n")
            return 1
        }
        if g.flag("version") {
            FileHandleOut.stdout("berth-runtime version \(berthVersion)\nspec: 1.2.0\n")
            return 0
        }
        guard let verb = args.first, !g.flag("help") else {
            FileHandleOut.stdout(usage)
            return g.flag("help") ? 0 : 1
        }
        log.debugEnabled = g.flag("debug")
        if let f = g.value("log-format") {
            guard let fmt = Logger.Format(rawValue: f) else {
                FileHandleOut.stderr("berth-runtime: invalid log-format \"\(f)\": text or json\n")
                return 1
            }
            log.format = fmt
        }
        if let p = g.value("log") {
            do { try log.open(path: p) } catch {
                FileHandleOut.stderr("berth-runtime: \(error)\n")
                return 1
            }
        }
        var rt = Runtime(root: g.value("root") ?? "/run/berth/runtime", log: log)
        rt.systemdCgroup = g.flag("systemd-cgroup")
        do {
            return try Commands.dispatch(rt, verb: verb, args: Array(args.dropFirst()))
        } catch {
            let msg = "\(error)"
            log.error(msg)
            FileHandleOut.stderr("berth-runtime: \(msg)\n")
            return 1
        }
    }

    static let usage = """
    berth-runtime: an OCI runtime with runc's command line

    Usage: berth-runtime [global options] command [command options] [arguments...]

    Commands:
      create    create a container (process waits for start)
      start     run the user process of a created container
      run       create and start a container
      state     output the state of a container
      kill      send a signal to the container's init (or --all processes)
      delete    delete a container and its resources
      exec      run a new process inside a container
      ps        list the container's processes
      list      list containers
      pause     freeze every process of a container
      resume    thaw a paused container
      update    change a container's resource limits
      events    resource usage statistics (--stats for one sample)
      spec      write a starting config.json
      features  print the runtime's features document

    Global options:
      --root DIR             state directory (default /run/berth/runtime)
      --log FILE             log file (default stderr)
      --log-format text|json
      --debug                debug logging
      --systemd-cgroup       accepted; cgroupfs is the only driver
      --version              print the version

    """
}
