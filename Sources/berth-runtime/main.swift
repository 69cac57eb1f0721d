import RuntimeCore
import CRuntimeInit
import Glibc

// Keeps the sealing constructor linked in; see Sources/CRuntimeInit.
_ = berth_runtime_sealed_kind()
exit(RuntimeMain.main(CommandLine.arguments))
