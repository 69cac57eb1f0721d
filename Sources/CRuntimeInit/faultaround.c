// Peak RSS: on each page fault in a file mapping the kernel also maps the
// already-cached pages around it ("fault-around", 64 KiB windows). For this
// large static binary that maps several times the code a command runs:
// `run` had ~2.9 MB of text resident for ~1.2 MB touched. madvise cannot turn
// it off, but the kernel skips fault-around in a mapping registered with a
// userfaultfd for write-protect tracking (uffd_disable_fault_around). With
// UFFD_FEATURE_WP_ASYNC (Linux 6.7) the kernel resolves any write-protect
// fault itself, nothing ever waits for a reader, and any memory type may be
// registered: so we register the binary's own segments and keep the fd open
// (closing it unregisters). Where this is unavailable (older kernel, a
// seccomp filter) nothing changes but the RSS.
#include "cruntimeinit.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static int uffd = -1;

static void register_segments(void) {
    // User-mode-only faults are all we need: it also works for non-root
    // callers under vm.unprivileged_userfaultfd=0.
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd < 0) return;
    struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
    if (ioctl(fd, UFFDIO_API, &api) != 0) { close(fd); return; }
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    size_t n = getauxval(AT_PHNUM);
    long page = sysconf(_SC_PAGESIZE);
    // p_vaddr is relative to the load address in a position-independent build:
    // PT_PHDR says where the headers were meant to be, AT_PHDR where they are.
    uintptr_t bias = 0;
    for (size_t i = 0; ph && i < n; i++)
        if (ph[i].p_type == PT_PHDR) bias = (uintptr_t)ph - ph[i].p_vaddr;
    for (size_t i = 0; ph && i < n; i++) {
        // Read-only segments only: code and constants. The writable ones are
        // mostly written (copy-on-write faults map one page anyway), and
        // registering them cost more faults than the pages it saved.
        if (ph[i].p_type != PT_LOAD || ph[i].p_filesz == 0 || (ph[i].p_flags & PF_W)) continue;
        uintptr_t start = (bias + ph[i].p_vaddr) & ~(uintptr_t)(page - 1);
        uintptr_t end = (bias + ph[i].p_vaddr + ph[i].p_filesz + page - 1) & ~(uintptr_t)(page - 1);
        struct uffdio_register r = { .range = { .start = start, .len = end - start }, .mode = UFFDIO_REGISTER_MODE_WP };
        (void)ioctl(fd, UFFDIO_REGISTER, &r);
    }
    uffd = fd;
}

// Before every other constructor (the sealing re-exec included), so all of
// start-up runs without fault-around.
__attribute__((constructor(101))) static void berth_limit_fault_around(void) { register_segments(); }

void berth_runtime_limit_fault_around_in_child(void) {
    // A forked child's mappings lose the registration (the context has no
    // fork events) and the inherited fd still belongs to the parent's memory.
    if (uffd >= 0) close(uffd);
    uffd = -1;
    register_segments();
}
