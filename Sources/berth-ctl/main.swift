import Glibc

exit(Ctl.main(Array(CommandLine.arguments.dropFirst())))
