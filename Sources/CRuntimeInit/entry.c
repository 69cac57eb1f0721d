// The runtime's ELF entry point (linked with `-e berth_entry`). create, run and
// exec re-execute the runtime from a read-only overlayfs view of its own binary
// (CVE-2019-5736, see sealself.c). Doing that from a C constructor means paying
// glibc's start-up twice: static glibc probes the CPU with cpuid before any
// constructor runs, and under a hypervisor every cpuid traps, 0.3-0.5 ms here.
// So the overlay re-exec is done first, before glibc, with raw system calls.
// Whatever goes wrong here falls through to glibc's _start unchanged, and the
// constructor in sealself.c makes the sealed copy (overlay, else memfd) and
// reports errors as before.
//
// Nothing here may touch what glibc has not set up yet: no libc calls, no
// errno, no thread pointer (so no stack protector), no implicit memcpy/memset
// (the target is built with -fno-builtin, and no array has an initialiser).
#include "seal.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define NO_LIBC __attribute__((no_stack_protector, used, noinline))

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#define ENTRY_F_GET_SEALS 1034
#define ENTRY_F_SEAL_SEAL 0x0001
#define ENTRY_F_SEAL_WRITE 0x0008
#define ENTRY_ST_RDONLY 1
#define ENTRY_AT_EMPTY_PATH 0x1000
#define ENTRY_FSCONFIG_SET_STRING 1
#define ENTRY_FSCONFIG_CMD_CREATE 6

#if defined(__x86_64__)
static inline long raw_syscall(long n, long a, long b, long c, long d, long e) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}
#else
#include <unistd.h>
// Elsewhere the entry point goes straight to glibc's _start, so these helpers run
// only from the constructor, after glibc: its syscall() will do (-1 for -errno).
static inline long raw_syscall(long n, long a, long b, long c, long d, long e) { return syscall(n, a, b, c, d, e); }
#endif

NO_LIBC static int same(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

NO_LIBC static int starts_with(const char *s, const char *prefix) {
    while (*prefix) { if (*s++ != *prefix++) return 0; }
    return 1;
}

// Only verbs that put a runtime process inside a container need the seal;
// `state`, `list`, `kill`... stay as fast as possible.
NO_LIBC int berth_seal_needed(long argc, char **argv) {
    for (long i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-') {
            // Global flags that take a separate value.
            if (same(a, "--root") || same(a, "--log") || same(a, "--log-format") ||
                same(a, "--criu") || same(a, "--rootless")) i++;
            continue;
        }
        return same(a, "create") || same(a, "run") || same(a, "exec");
    }
    return 0;
}

NO_LIBC int berth_seal_kind(void) {
    long fd = raw_syscall(SYS_openat, AT_FDCWD, (long)"/proc/self/exe", O_RDONLY | O_CLOEXEC, 0, 0);
    if (fd < 0) return 0;
    int kind = 0;
    long seals = raw_syscall(SYS_fcntl, fd, ENTRY_F_GET_SEALS, 0, 0, 0);
    if (seals >= 0 && (seals & ENTRY_F_SEAL_WRITE) && (seals & ENTRY_F_SEAL_SEAL)) kind = 2;
    struct statfs sf;
    if (!kind && raw_syscall(SYS_fstatfs, fd, (long)&sf, 0, 0, 0) == 0 &&
        sf.f_type == OVERLAYFS_SUPER_MAGIC && (sf.f_flags & ENTRY_ST_RDONLY))
        kind = 1;
    raw_syscall(SYS_close, fd, 0, 0, 0, 0);
    return kind;
}

// fsopen + fsconfig + fsmount: a detached read-only mount, or -1.
NO_LIBC static long detached_mount(const char *fstype, const char *lowerdir) {
    long fs = raw_syscall(SYS_fsopen, (long)fstype, 1 /* FSOPEN_CLOEXEC */, 0, 0, 0);
    if (fs < 0) return -1;
    long m = -1;
    if ((!lowerdir || raw_syscall(SYS_fsconfig, fs, ENTRY_FSCONFIG_SET_STRING, (long)"lowerdir", (long)lowerdir, 0) == 0) &&
        raw_syscall(SYS_fsconfig, fs, ENTRY_FSCONFIG_CMD_CREATE, 0, 0, 0) == 0)
        m = raw_syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0x1 | 0x2 | 0x4 /* RDONLY|NOSUID|NODEV */, 0, 0);
    raw_syscall(SYS_close, fs, 0, 0, 0, 0);
    return m < 0 ? -1 : m;
}

NO_LIBC static char *append(char *p, char *end, const char *s) {
    while (*s && p < end) *p++ = *s++;
    return p;
}

NO_LIBC static char *append_number(char *p, char *end, long v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v > 0 && n < 23);
    while (n > 0 && p < end) *p++ = digits[--n];
    return p;
}

NO_LIBC long berth_seal_overlay_fd(void) {
    char exe[4096];
    long n = raw_syscall(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)exe, sizeof exe - 1, 0);
    if (n <= 1) return -1;
    exe[n] = 0;
    long slash = -1;
    for (long i = 0; i < n; i++) if (exe[i] == '/') slash = i;
    if (slash < 0 || slash == n - 1) return -1;
    const char *base = exe + slash + 1;

    // Overlayfs wants two lower layers when there is no upper one: the second is an
    // empty detached tmpfs, so nothing but the binary's own directory is visible.
    long empty = detached_mount("tmpfs", 0);
    if (empty < 0) return -1;
    char lower[4200];
    char *p = lower, *end = lower + sizeof lower - 1;
    if (slash == 0) {
        p = append(p, end, "/");
    } else {
        for (long i = 0; i < slash && p < end; i++) *p++ = exe[i];
    }
    p = append(p, end, ":/proc/self/fd/");
    p = append_number(p, end, empty);
    *p = 0;
    long ovl = p < end ? detached_mount("overlay", lower) : -1;
    raw_syscall(SYS_close, empty, 0, 0, 0, 0);
    if (ovl < 0) return -1;
    long fd = raw_syscall(SYS_openat, ovl, (long)base, O_RDONLY | O_CLOEXEC, 0, 0);
    raw_syscall(SYS_close, ovl, 0, 0, 0, 0);
    return fd < 0 ? -1 : fd;
}

#if defined(__x86_64__)

NO_LIBC void berth_entry_seal(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    if (!berth_seal_needed(argc, argv)) return;
    for (char **e = envp; *e; e++)
        if (starts_with(*e, "BERTH_NO_OVERLAY_SEAL=")) return;
    if (berth_seal_kind()) return;
    long fd = berth_seal_overlay_fd();
    if (fd < 0) return;
    raw_syscall(SYS_execveat, fd, (long)"", (long)argv, (long)envp, ENTRY_AT_EMPTY_PATH);
    raw_syscall(SYS_close, fd, 0, 0, 0, 0);
}

// The kernel starts us with the stack pointer at argc and %rdx = 0 (no dynamic
// linker). Both are restored before glibc's own _start takes over.
__asm__(".text\n"
        ".globl berth_entry\n"
        ".type berth_entry,@function\n"
        "berth_entry:\n"
        "    mov %rsp, %r12\n"
        "    mov %rdx, %r13\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call berth_entry_seal\n"
        "    mov %r12, %rsp\n"
        "    mov %r13, %rdx\n"
        "    jmp _start\n");

#elif defined(__aarch64__)

// No pre-libc path here yet: straight to glibc's _start; the constructor seals.
__asm__(".text\n"
        ".globl berth_entry\n"
        ".type berth_entry,%function\n"
        "berth_entry:\n"
        "    b _start\n");

#endif
