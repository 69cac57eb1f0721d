// The shim logic: filled in by the shim work.
