import Glibc
import CLICore

// A closed pipe (`berth ps | head`) must end the program quietly, not kill it with SIGPIPE
// in the middle of a write.
signal(SIGPIPE, SIG_IGN)
exit(BerthCLI.run(Array(CommandLine.arguments.dropFirst())))
