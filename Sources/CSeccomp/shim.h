#include <seccomp.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

// SCMP_ACT_ERRNO and friends are function-like macros Swift cannot import.
static inline uint32_t berth_scmp_act_errno(uint16_t e) { return SCMP_ACT_ERRNO(e); }
static inline uint32_t berth_scmp_act_trace(uint16_t e) { return SCMP_ACT_TRACE(e); }

// seccomp_export_bpf only writes to an fd. memfd_create() is declared by glibc
// only under _GNU_SOURCE, and the Glibc module Swift imports was built without
// it, so go through syscall(2) instead. 1 = MFD_CLOEXEC.
static inline int berth_memfd_create(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1U);
}

// Asks the kernel whether it accepts `flags` for SECCOMP_SET_MODE_FILTER (1)
// without installing anything: a NULL program makes an accepted call fail
// with EFAULT while unknown flags fail earlier with EINVAL.
// Returns the errno of the call (0 can't happen with a NULL program).
static inline int berth_seccomp_probe_flags(unsigned int flags) {
    long rc = syscall(SYS_seccomp, 1U, flags, (void *)0);
    return rc < 0 ? errno : 0;
}
