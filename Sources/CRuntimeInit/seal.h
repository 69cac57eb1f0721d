#ifndef BERTH_SEAL_H
#define BERTH_SEAL_H
// The sealing steps shared by the entry point (entry.c, before glibc) and the
// constructor (sealself.c, after it): system calls only, no libc state.

// Whether the command line's verb puts a runtime process inside a container.
int berth_seal_needed(long argc, char **argv);
// How the running binary is protected: 0 not at all, 1 read-only overlay, 2 sealed memfd.
int berth_seal_kind(void);
// The running binary opened through a detached read-only overlayfs view of its own
// directory, or -1.
long berth_seal_overlay_fd(void);

#endif
