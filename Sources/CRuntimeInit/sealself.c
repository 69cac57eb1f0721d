// CVE-2019-5736: a process inside a container that can reach the runtime's
// /proc/<pid>/exe could reopen it for writing once the runtime exits and
// overwrite the host binary. Before any verb that enters a container runs,
// this constructor re-executes the runtime from a copy that cannot be
// written: first a detached read-only overlayfs view of the binary's own
// directory (no copy, a few syscalls), else a sealed memfd copy.
// It runs before Swift's main, while the process is single-threaded.
#include "cruntimeinit.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#define BERTH_FSOPEN_CLOEXEC 0x1
#define BERTH_FSMOUNT_CLOEXEC 0x1
#define BERTH_MOUNT_ATTR_RDONLY 0x1
#define BERTH_MOUNT_ATTR_NOSUID 0x2
#define BERTH_MOUNT_ATTR_NODEV 0x4

static int sealed_kind = 0;
int berth_runtime_sealed_kind(void) { return sealed_kind; }

static int needs_seal(int argc, char **argv) {
    // Only verbs that put a runtime process inside a container need it;
    // `state`, `list`, `kill`... stay as fast as possible.
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-') {
            // Global flags that take a separate value.
            if (!strcmp(a, "--root") || !strcmp(a, "--log") || !strcmp(a, "--log-format") ||
                !strcmp(a, "--criu") || !strcmp(a, "--rootless")) i++;
            continue;
        }
        return !strcmp(a, "create") || !strcmp(a, "run") || !strcmp(a, "exec");
    }
    return 0;
}

static int already_sealed(void) {
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int kind = 0;
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL)) kind = 2;
    struct statfs sf;
    if (!kind && fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC && (sf.f_flags & ST_RDONLY))
        kind = 1;
    close(fd);
    return kind;
}

static int detached_mount(const char *fstype, const char *lowerdir) {
    int fs = (int)syscall(SYS_fsopen, fstype, BERTH_FSOPEN_CLOEXEC);
    if (fs < 0) return -1;
    if (lowerdir && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lowerdir, 0) != 0) goto fail;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) goto fail;
    int m = (int)syscall(SYS_fsmount, fs, BERTH_FSMOUNT_CLOEXEC,
                         BERTH_MOUNT_ATTR_RDONLY | BERTH_MOUNT_ATTR_NOSUID | BERTH_MOUNT_ATTR_NODEV);
    close(fs);
    return m;
fail:
    close(fs);
    return -1;
}

static int overlay_copy(const char *exe) {
    char dirbuf[PATH_MAX], basebuf[PATH_MAX], lower[2 * PATH_MAX];
    snprintf(dirbuf, sizeof dirbuf, "%s", exe);
    snprintf(basebuf, sizeof basebuf, "%s", exe);
    const char *dir = dirname(dirbuf), *base = basename(basebuf);
    // Overlayfs wants two lower layers when there is no upper one: the second
    // is an empty detached tmpfs so nothing else becomes visible.
    int empty = detached_mount("tmpfs", NULL);
    if (empty < 0) return -1;
    snprintf(lower, sizeof lower, "%s:/proc/self/fd/%d", dir, empty);
    int ovl = detached_mount("overlay", lower);
    close(empty);
    if (ovl < 0) return -1;
    int fd = openat(ovl, base, O_RDONLY | O_CLOEXEC);
    close(ovl);
    return fd;
}

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
    if (argc < 2 || !needs_seal(argc, argv)) return;
    sealed_kind = already_sealed();
    if (sealed_kind) return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) { perror("berth-runtime: readlink /proc/self/exe"); exit(1); }
    exe[n] = 0;
    int fd = getenv("BERTH_NO_OVERLAY_SEAL") ? -1 : overlay_copy(exe);
    if (fd < 0) fd = memfd_copy();
    if (fd < 0) { perror("berth-runtime: cannot make a sealed copy of the runtime binary"); exit(1); }
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
    perror("berth-runtime: execveat of the sealed runtime copy");
    exit(1);
}
