import Glibc
import ShimCore

// berth-shim start|serve|delete: see ShimOptions.usage.
exit(ShimMain.run(Array(CommandLine.arguments.dropFirst())))
