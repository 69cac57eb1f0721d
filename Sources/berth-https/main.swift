// berth-https: HTTPS for berthd's registry client, through Foundation's URLSession
// (Protocols/https-helper.md). berthd starts it on the first HTTPS request and talks to it
// over a unix socket, one request per connection; it exits after --idle-timeout seconds
// without a connection, or when its stdin (a pipe berthd holds) reaches EOF.
//
//   berth-https --socket PATH [--ca-bundle FILE] [--idle-timeout SECONDS]
//
// --ca-bundle: URLSession on Linux trusts only the system's CA bundle, so the helper runs in
// a mount namespace of its own where FILE (the system's CAs plus those of
// /etc/docker/certs.d) is bound over /etc/ssl/certs/ca-certificates.crt.
import CLinux
import Glibc
import HTTPSTransport
import JSON
import LinuxSys
import Registry
import Wire

func fail(_ message: String) -> Never {
    let line = Array("berth-https: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

struct Options {
    var socketPath: String?
    var caBundle: String?
    var idleTimeout = 60.0

    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var args = arguments[...]
        while let a = args.popFirst() {
            switch a {
            case "--socket": o.socketPath = args.popFirst()
            case "--ca-bundle": o.caBundle = args.popFirst()
            case "--idle-timeout": o.idleTimeout = args.popFirst().flatMap(Double.init) ?? o.idleTimeout
            default: fail("unknown argument \(a); usage: berth-https --socket PATH [--ca-bundle FILE] [--idle-timeout SECONDS]")
            }
        }
        return o
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
guard let socketPath = options.socketPath else { fail("--socket PATH is required") }
let idleTimeout = options.idleTimeout

if let caBundle = options.caBundle {
    let system = "/etc/ssl/certs/ca-certificates.crt"
    let CLONE_NEWNS: Int32 = 0x0002_0000
    let MS_BIND: UInt = 4096, MS_REC: UInt = 16384, MS_SLAVE: UInt = 1 << 19
    guard berth_unshare(CLONE_NEWNS) == 0 else { fail("unshare(CLONE_NEWNS): \(Errno.describe(errno))") }
    // Nothing of ours propagates back to the host.
    guard berth_mount(nil, "/", nil, MS_REC | MS_SLAVE, nil) == 0 else { fail("make / a slave mount: \(Errno.describe(errno))") }
    guard berth_mount(caBundle, system, nil, MS_BIND, nil) == 0 else {
        fail("bind \(caBundle) over \(system): \(Errno.describe(errno))")
    }
}

let listener = berth_unix_listen(socketPath, 64, Int32(SOCK_STREAM.rawValue))
guard listener >= 0 else { fail("listen on \(socketPath): \(Errno.describe(errno))") }

let transport = URLSessionTransport()
let activity = HelperActivity()

// berthd gone: its end of our stdin closes.
spawnThread {
    var b: UInt8 = 0
    while true {
        let n = read(0, &b, 1)
        if n == 0 || (n < 0 && errno != EINTR) { unlink(socketPath); exit(0) }
    }
}
// Idle: nothing to do for a while, so give the memory back; berthd starts us again.
spawnThread {
    while true {
        sleep(1)
        if activity.idleFor() >= idleTimeout { unlink(socketPath); exit(0) }
    }
}

while true {
    let fd = berth_accept_cloexec(listener)
    if fd < 0 {
        if errno == EINTR || errno == ECONNABORTED { continue }
        fail("accept: \(Errno.describe(errno))")
    }
    activity.begin()
    spawnThread {
        defer { activity.end() }
        HelperSession(conn: FrameConnection(fd: fd), transport: transport).serve()
    }
}
