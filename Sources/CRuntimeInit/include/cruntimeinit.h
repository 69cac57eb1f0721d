#ifndef BERTH_CRUNTIMEINIT_H
#define BERTH_CRUNTIMEINIT_H
// Referenced from main.swift so the linker keeps the constructor's object file.
// Returns how the running binary is protected: 0 not sealed (verb needs none),
// 1 read-only overlay, 2 sealed memfd.
int berth_runtime_sealed_kind(void);

// Fault-around stays off in the runtime's own segments (see faultaround.c);
// a forked child calls this first to turn it off in its copy of them too.
void berth_runtime_limit_fault_around_in_child(void);

#endif
