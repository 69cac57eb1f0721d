import Glibc

// A closed pipe (`berth ps | head`) must end the program quietly, not kill it with SIGPIPE
// in the middle of a write.
signal(SIGPIPE, SIG_IGN)
let ctx = CLIContext(environment: CLIContext.processEnvironment())
let status = BerthCLI.main(Array(CommandLine.arguments.dropFirst()), ctx: ctx)
Terminal.restore()
exit(status)
