// CVE-2019-5736: a process inside a container that can reach the runtime's
// /proc/<pid>/exe could reopen it for writing once the runtime exits and
// overwrite the host binary. Before any verb that enters a container runs,
// this constructor re-executes the runtime from a copy that cannot be
// written: first a detached read-only overlayfs view of the binary's own
// directory (no copy, a few syscalls), else a sealed memfd copy.
// It runs before Swift's main, while the process is single-threaded. The entry
// point (entry.c) normally did the overlay re-exec already, before glibc, with
// the same steps (seal.h); this is the fallback and the place errors are told.
#include "cruntimeinit.h"
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int sealed_kind = 0;
int berth_runtime_sealed_kind(void) { return sealed_kind; }

static int memfd_copy(void) {
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0) return -1;
    int fd = (int)syscall(SYS_memfd_create, "berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) { close(src); return -1; }
    struct stat st;
    if (fstat(src, &st) != 0) goto fail;
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = sendfile(fd, src, NULL, (size_t)left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) goto fail;
        left -= n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) goto fail;
    close(src);
    return fd;
fail:
    close(src); close(fd);
    return -1;
}

__attribute__((constructor)) static void berth_seal_self(int argc, char **argv, char **envp) {
    if (!berth_seal_needed(argc, argv)) return;
    sealed_kind = berth_seal_kind();
    if (sealed_kind) return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) { perror("berth-runtime: readlink /proc/self/exe"); exit(1); }
    exe[n] = 0;
    int fd = getenv("BERTH_NO_OVERLAY_SEAL") ? -1 : (int)berth_seal_overlay_fd();
    if (fd < 0) fd = memfd_copy();
    if (fd < 0) { perror("berth-runtime: cannot make a sealed copy of the runtime binary"); exit(1); }
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
    perror("berth-runtime: execveat of the sealed runtime copy");
    exit(1);
}
