// Thin C layer for what Glibc hides from Swift: variadic calls (prctl, ioctl,
// fcntl, syscall), macros (makedev, CMSG_*), and calls that need _GNU_SOURCE.
// Every function returns -1 with errno set on failure, like the syscalls do,
// so the Swift layer can turn errno into a typed error naming the call.
#ifndef BERTH_CLINUX_H
#define BERTH_CLINUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// Namespaces and processes.
pid_t berth_clone_fork(unsigned long flags);          // fork-like clone(2) with CLONE_NEW* flags
int berth_prime_migration_thread(const char *tasksPath); // a detached thread moves itself within a cgroup v1 tasks file (MigrationPrimer)
pid_t berth_clone3_into_cgroup(unsigned long flags, int cgroup_fd); // same, born in a cgroup2 directory
int berth_unshare(int flags);
int berth_setns(int fd, int nstype);
int berth_pivot_root(const char *new_root, const char *put_old);
int berth_sethostname(const char *name, size_t len);
int berth_setdomainname(const char *name, size_t len);
int berth_personality(unsigned long persona);
int berth_close_range_cloexec(unsigned int first);     // mark every fd >= first close-on-exec
int berth_close_range(unsigned int first);
int berth_execveat_fd(int fd, char *const argv[], char *const envp[]);
int berth_pidfd_open(pid_t pid);
int berth_pidfd_send_signal(int pidfd, int sig);

// prctl, one function per option we use.
int berth_set_no_new_privs(void);
int berth_get_no_new_privs(void);
int berth_capbset_drop(int cap);
int berth_capbset_read(int cap);
int berth_set_keepcaps(int on);
int berth_ambient_raise(int cap);
int berth_ambient_clear_all(void);
int berth_set_child_subreaper(int on);
/* mallopt(M_ARENA_MAX, n): <malloc.h> is not part of Swift's Glibc module. */
int berth_malloc_arena_max(int n);
int berth_set_pdeathsig(int sig);
int berth_set_dumpable(int on);
int berth_last_cap(void);

// Capabilities (v3: 64-bit sets).
int berth_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
int berth_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);

// Credentials.
int berth_setresuid(uid_t r, uid_t e, uid_t s);
int berth_setresgid(gid_t r, gid_t e, gid_t s);
int berth_setgroups(size_t n, const gid_t *groups);

// Limits, devices, mounts.
int berth_setrlimit(int resource, uint64_t soft, uint64_t hard);
int berth_mknod(const char *path, mode_t mode, unsigned int major, unsigned int minor);
int berth_mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data);
int berth_umount2(const char *target, int flags);
int berth_mount_setattr_recursive_ro(int dirfd, const char *path);

// Seccomp: install a ready-made classic BPF program (array of struct sock_filter).
int berth_seccomp_install(const void *filter, size_t len, unsigned int flags);

// fcntl / ioctl.
int berth_set_cloexec(int fd, int on);
int berth_set_nonblock(int fd, int on);
int berth_fd_get_seals(int fd);
int berth_tty_set_winsize(int fd, unsigned short rows, unsigned short cols);
int berth_tty_get_winsize(int fd, unsigned short *rows, unsigned short *cols);
int berth_tty_set_ctty(int fd);
int berth_tty_make_raw(int fd, void *saved, size_t saved_len);
int berth_tty_restore(int fd, const void *saved, size_t saved_len);
size_t berth_termios_size(void);

// Pseudo-terminals: open a new pty pair through the given ptmx node (inside the
// container's devpts), returning the master; the slave's path goes into name.
int berth_openpty(const char *ptmx, int *slave, char *name, size_t namelen);

// Unix sockets; paths may be long: callers pass /proc/self/fd/N/name forms.
int berth_unix_listen(const char *path, int backlog, int type);
int berth_unix_connect(const char *path, int type);
int berth_socketpair_seqpacket(int fds[2]);
int berth_socketpair_stream(int fds[2]);
int berth_send_fd(int sock, int fd, const void *data, size_t len);
ssize_t berth_recv_fd(int sock, int *fd, void *data, size_t len);

// Memory file for the sealed runtime copy and for seccomp export.
int berth_memfd_create(const char *name, unsigned int flags);

// Signals.
int berth_sigmask_block_all(void *old, size_t oldlen);
int berth_sigmask_restore(const void *old, size_t oldlen);
int berth_signal_default_all(void);
size_t berth_sigset_size(void);

// Process start time in clock ticks (field 22 of /proc/<pid>/stat), 0 if gone.
unsigned long long berth_proc_start_time(pid_t pid);

int berth_accept_cloexec(int fd);
int berth_pipe_cloexec(int fds[2]);
int berth_open_path_dir(const char *path);
// mount(2) MS_* flags of the mount holding path (from statvfs), 0 on error.
unsigned long berth_mount_flags_of(const char *path);

// Foreground wait: forwards signals to child, relays a pty master (or -1), reaps.
int berth_proxy_wait(pid_t child, int master, int *status);

// posix_spawn extensions glibc declares only under _GNU_SOURCE. `actions` is a
// posix_spawn_file_actions_t *, `attr` a posix_spawnattr_t *.
int berth_spawn_addclosefrom(void *actions, int lowfd);   // close every fd >= lowfd in the child; 0 or an errno value, as posix_spawn_* return
short berth_spawn_setsid_flag(void);                      // POSIX_SPAWN_SETSID

// cgroup v2 device filtering (devicebpf.c): BPF_PROG_TYPE_CGROUP_DEVICE programs
// attached with BPF_CGROUP_DEVICE. One instruction of struct bpf_insn, without
// its bitfields so that Swift can build arrays of it.
struct berth_bpf_insn {
    uint8_t code;
    uint8_t dst;
    uint8_t src;
    int16_t off;
    int32_t imm;
};
// Program fd (close-on-exec). With log != NULL the verifier's log is written
// there (log_level 1); a log too small for it fails with ENOSPC.
int berth_bpf_load_device_prog(const struct berth_bpf_insn *prog, size_t count, const char *license,
                               char *log, size_t log_size);
// BPF_F_ALLOW_MULTI; replace_fd >= 0 adds BPF_F_REPLACE of that attached program.
int berth_bpf_attach_device_prog(int cgroup_fd, int prog_fd, int replace_fd);
int berth_bpf_detach_device_prog(int cgroup_fd, int prog_fd);
// Programs attached to this cgroup itself (not inherited). *count: capacity of
// ids in, number of programs out (also on ENOSPC).
int berth_bpf_query_device_progs(int cgroup_fd, uint32_t *ids, uint32_t *count);
int berth_bpf_prog_fd_by_id(uint32_t id);

#endif
