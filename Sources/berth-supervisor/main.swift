import Glibc
import SupervisorCore

exit(SupervisorMain.run(Array(CommandLine.arguments.dropFirst())))
