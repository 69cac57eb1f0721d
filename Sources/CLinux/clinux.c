#include "clinux.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <grp.h>
#include <malloc.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

pid_t berth_clone_fork(unsigned long flags) {
    // A NULL stack makes clone behave like fork: the child resumes here on a
    // copy of the parent's stack. Raw syscall so namespace flags apply at once.
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}
int berth_unshare(int flags) { return unshare(flags); }
int berth_setns(int fd, int nstype) { return setns(fd, nstype); }
int berth_pivot_root(const char *n, const char *o) { return (int)syscall(SYS_pivot_root, n, o); }
int berth_sethostname(const char *name, size_t len) { return sethostname(name, len); }
int berth_setdomainname(const char *name, size_t len) { return setdomainname(name, len); }
int berth_personality(unsigned long p) { return personality(p) == -1 ? -1 : 0; }
int berth_close_range_cloexec(unsigned int first) {
    return (int)syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC);
}
int berth_close_range(unsigned int first) { return (int)syscall(SYS_close_range, first, ~0U, 0); }
int berth_execveat_fd(int fd, char *const argv[], char *const envp[]) {
    return (int)syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}
int berth_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int berth_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int berth_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int berth_get_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }
int berth_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
int berth_capbset_read(int cap) { return prctl(PR_CAPBSET_READ, cap, 0, 0, 0); }
int berth_set_keepcaps(int on) { return prctl(PR_SET_KEEPCAPS, on, 0, 0, 0); }
int berth_ambient_raise(int cap) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0); }
int berth_ambient_clear_all(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
int berth_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0); }
int berth_malloc_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }
int berth_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int berth_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
int berth_last_cap(void) {
    // The kernel's highest capability; capabilities above it are unknown here.
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CAP_LAST_CAP;
    char buf[16] = {0};
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 ? atoi(buf) : CAP_LAST_CAP;
}

int berth_capset(uint64_t eff, uint64_t perm, uint64_t inh) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)eff; data[1].effective = (uint32_t)(eff >> 32);
    data[0].permitted = (uint32_t)perm; data[1].permitted = (uint32_t)(perm >> 32);
    data[0].inheritable = (uint32_t)inh; data[1].inheritable = (uint32_t)(inh >> 32);
    return (int)syscall(SYS_capset, &hdr, data);
}
int berth_capget(uint64_t *eff, uint64_t *perm, uint64_t *inh) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0) return -1;
    *eff = ((uint64_t)data[1].effective << 32) | data[0].effective;
    *perm = ((uint64_t)data[1].permitted << 32) | data[0].permitted;
    *inh = ((uint64_t)data[1].inheritable << 32) | data[0].inheritable;
    return 0;
}

int berth_setresuid(uid_t r, uid_t e, uid_t s) { return (int)syscall(SYS_setresuid, r, e, s); }
int berth_setresgid(gid_t r, gid_t e, gid_t s) { return (int)syscall(SYS_setresgid, r, e, s); }
int berth_setgroups(size_t n, const gid_t *g) { return (int)syscall(SYS_setgroups, n, g); }

int berth_setrlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit rl = { soft, hard };
    return setrlimit(resource, &rl);
}
int berth_mknod(const char *path, mode_t mode, unsigned int ma, unsigned int mi) {
    return mknod(path, mode, makedev(ma, mi));
}
int berth_mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data) {
    return mount(src, target, fstype, flags, data);
}
int berth_umount2(const char *target, int flags) { return umount2(target, flags); }
int berth_mount_setattr_recursive_ro(int dirfd, const char *path) {
    struct { uint64_t set, clr, prop, userns; } attr = { 0x1 /* MOUNT_ATTR_RDONLY */, 0, 0, 0 };
    return (int)syscall(SYS_mount_setattr, dirfd, path, 0x8000 /* AT_RECURSIVE */, &attr, sizeof(attr));
}

int berth_seccomp_install(const void *filter, size_t len, unsigned int flags) {
    struct sock_fprog prog = { (unsigned short)(len / sizeof(struct sock_filter)), (struct sock_filter *)filter };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) == 0) return 0;
    if (errno == ENOSYS && flags == 0) return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
    return -1;
}

int berth_set_cloexec(int fd, int on) {
    int f = fcntl(fd, F_GETFD);
    if (f < 0) return -1;
    return fcntl(fd, F_SETFD, on ? (f | FD_CLOEXEC) : (f & ~FD_CLOEXEC));
}
int berth_set_nonblock(int fd, int on) {
    int f = fcntl(fd, F_GETFL);
    if (f < 0) return -1;
    return fcntl(fd, F_SETFL, on ? (f | O_NONBLOCK) : (f & ~O_NONBLOCK));
}
int berth_fd_get_seals(int fd) { return fcntl(fd, F_GET_SEALS); }
int berth_tty_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws = { rows, cols, 0, 0 };
    return ioctl(fd, TIOCSWINSZ, &ws);
}
int berth_tty_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row; *cols = ws.ws_col;
    return 0;
}
int berth_tty_set_ctty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }
size_t berth_termios_size(void) { return sizeof(struct termios); }
int berth_tty_make_raw(int fd, void *saved, size_t saved_len) {
    struct termios t;
    if (saved_len < sizeof(t)) { errno = EINVAL; return -1; }
    if (tcgetattr(fd, &t) != 0) return -1;
    memcpy(saved, &t, sizeof(t));
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}
int berth_tty_restore(int fd, const void *saved, size_t saved_len) {
    if (saved_len < sizeof(struct termios)) { errno = EINVAL; return -1; }
    return tcsetattr(fd, TCSANOW, (const struct termios *)saved);
}

int berth_openpty(const char *ptmx, int *slave, char *name, size_t namelen) {
    int m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) != 0) { int e = errno; close(m); errno = e; return -1; }
    // TIOCGPTPEER opens the peer through the master's own devpts instance, so
    // it works after pivot_root whatever /dev/pts points at.
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) { int e = errno; close(m); errno = e; return -1; }
    unsigned int n = 0;
    if (ioctl(m, TIOCGPTN, &n) == 0) snprintf(name, namelen, "/dev/pts/%u", n);
    else if (namelen) name[0] = 0;
    *slave = s;
    return m;
}

static int fill_sun(struct sockaddr_un *sa, const char *path) {
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) { errno = ENAMETOOLONG; return -1; }
    strcpy(sa->sun_path, path);
    return 0;
}
int berth_unix_listen(const char *path, int backlog, int type) {
    struct sockaddr_un sa;
    if (fill_sun(&sa, path) != 0) return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, backlog) != 0) {
        int e = errno; close(fd); errno = e; return -1;
    }
    return fd;
}
int berth_unix_connect(const char *path, int type) {
    struct sockaddr_un sa;
    if (fill_sun(&sa, path) != 0) return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int r;
    do { r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)); } while (r != 0 && errno == EINTR);
    if (r != 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}
int berth_socketpair_seqpacket(int fds[2]) { return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds); }
int berth_socketpair_stream(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); }

int berth_send_fd(int sock, int fd, const void *data, size_t len) {
    char dummy = 0;
    struct iovec iov = { (void *)(len ? data : &dummy), len ? len : 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = {0};
    msg.msg_iov = &iov; msg.msg_iovlen = 1;
    msg.msg_control = u.buf; msg.msg_controllen = sizeof(u.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t r;
    do { r = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}
ssize_t berth_recv_fd(int sock, int *fd, void *data, size_t len) {
    char dummy;
    struct iovec iov = { len ? data : &dummy, len ? len : 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = {0};
    msg.msg_iov = &iov; msg.msg_iovlen = 1;
    msg.msg_control = u.buf; msg.msg_controllen = sizeof(u.buf);
    ssize_t r;
    do { r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (r < 0 && errno == EINTR);
    if (r < 0) return -1;
    *fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
    return r;
}

int berth_memfd_create(const char *name, unsigned int flags) { return (int)syscall(SYS_memfd_create, name, flags); }

size_t berth_sigset_size(void) { return sizeof(sigset_t); }
int berth_sigmask_block_all(void *old, size_t oldlen) {
    if (oldlen < sizeof(sigset_t)) { errno = EINVAL; return -1; }
    sigset_t all; sigfillset(&all);
    return sigprocmask(SIG_SETMASK, &all, (sigset_t *)old);
}
int berth_sigmask_restore(const void *old, size_t oldlen) {
    if (oldlen < sizeof(sigset_t)) { errno = EINVAL; return -1; }
    return sigprocmask(SIG_SETMASK, (const sigset_t *)old, NULL);
}
int berth_signal_default_all(void) {
    // The container's process must not inherit the runtime's dispositions.
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        signal(s, SIG_DFL);
    }
    sigset_t none; sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

unsigned long long berth_proc_start_time(pid_t pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    // comm may contain spaces and parentheses: fields start after the last ')'.
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    p += 2;
    int field = 3;
    while (*p && field < 22) { if (*p == ' ') field++; p++; }
    return strtoull(p, NULL, 10);
}

int berth_accept_cloexec(int fd) {
    int r;
    do { r = accept4(fd, NULL, NULL, SOCK_CLOEXEC); } while (r < 0 && errno == EINTR);
    return r;
}
int berth_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int berth_open_path_dir(const char *path) { return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); }

#include <sys/statvfs.h>
unsigned long berth_mount_flags_of(const char *path) {
    struct statvfs s;
    if (statvfs(path, &s) != 0) return 0;
    unsigned long f = 0;
    if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (s.f_flag & ST_NODEV) f |= MS_NODEV;
    if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
    if (s.f_flag & ST_RDONLY) f |= MS_RDONLY;
    return f;
}

#include <spawn.h>
int berth_spawn_addclosefrom(void *actions, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowfd);
}
short berth_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }

#include <linux/sched.h>
pid_t berth_clone3_into_cgroup(unsigned long flags, int cgroup_fd) {
    // Like berth_clone_fork, but the child starts inside the cgroup2 directory
    // cgroup_fd: no later cgroup.procs write, so no wait for an RCU grace period.
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (unsigned long long)cgroup_fd;
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

// MigrationPrimer's thread: moves itself (by thread id, which takes the cgroup
// threadgroup lock as a real migration does) within its own cgroup v1 hierarchy,
// so the lock's RCU grace period starts now. Plain system calls only: the
// runtime later forks with a raw clone(2), which skips glibc's fork handlers,
// so this thread must never hold a lock a child could need (malloc's above all).
static char prime_path[4096];

static void *prime_migration(void *unused) {
    (void)unused;
    int fd = open(prime_path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    char digits[16], text[16];
    long tid = syscall(SYS_gettid);
    int n = 0, len = 0;
    do { digits[n++] = (char)('0' + tid % 10); tid /= 10; } while (tid > 0 && n < 15);
    while (n > 0) text[len++] = digits[--n];
    ssize_t w = write(fd, text, (size_t)len);
    (void)w;
    close(fd);
    return NULL;
}

int berth_prime_migration_thread(const char *tasksPath) {
    size_t i = 0;
    for (; tasksPath[i] && i < sizeof prime_path - 1; i++) prime_path[i] = tasksPath[i];
    if (tasksPath[i]) return -1;
    prime_path[i] = 0;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return -1;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t thread;
    int r = pthread_create(&thread, &attr, prime_migration, NULL);
    pthread_attr_destroy(&attr);
    return r == 0 ? 0 : -1;
}
