import Glibc
import LinuxSys
import HTTP
import EngineCore

let args = Array(CommandLine.arguments.dropFirst())
let options: DaemonOptions
do {
    switch try DaemonOptions.parse(args) {
    case .help: print(DaemonOptions.usage); exit(0)
    case .version: print("Berth version \(Daemon.version), API \(Daemon.apiVersion)"); exit(0)
    case .run(let o): options = o
    }
} catch {
    try? FileIO.writeAll(fd: 2, "berthd: \(error)\nSee 'berthd --help'.\n")
    exit(125)
}

Daemon.blockSignals()
do {
    let daemon = try Daemon(options)
    try daemon.run()
} catch {
    try? FileIO.writeAll(fd: 2, "berthd: \(error)\n")
    exit(1)
}
