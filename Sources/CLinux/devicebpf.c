// bpf(2) calls for cgroup v2 device filtering. The instructions themselves are
// generated in Swift (Cgroups/DeviceFilterV2.swift) so that they can be unit
// tested; this file only moves them across the syscall boundary, because the
// bpf_attr union and the bpf_insn bitfields are not usable from Swift.
#include "clinux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static int sys_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t ptr_u64(const void *p) { return (uint64_t)(uintptr_t)p; }

static int load_once(const struct bpf_insn *insns, size_t count, const char *license,
                     char *log, size_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = ptr_u64(insns);
    attr.insn_cnt = (uint32_t)count;
    attr.license = ptr_u64(license);
    if (log != NULL && log_size > 0) {
        log[0] = '\0';
        attr.log_level = 1;
        attr.log_buf = ptr_u64(log);
        attr.log_size = (uint32_t)log_size;
    }
    int fd;
    do {
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
    } while (fd < 0 && errno == EAGAIN); // the verifier asks for a retry on signals
    return fd;
}

int berth_bpf_load_device_prog(const struct berth_bpf_insn *prog, size_t count, const char *license,
                               char *log, size_t log_size) {
    if (count == 0 || count > BPF_MAXINSNS) {
        errno = EINVAL;
        return -1;
    }
    struct bpf_insn *insns = calloc(count, sizeof(*insns));
    if (insns == NULL) return -1;
    for (size_t i = 0; i < count; i++) {
        insns[i].code = prog[i].code;
        insns[i].dst_reg = prog[i].dst & 0xf;
        insns[i].src_reg = prog[i].src & 0xf;
        insns[i].off = prog[i].off;
        insns[i].imm = prog[i].imm;
    }
    int fd = load_once(insns, count, license, log, log_size);
    if (fd < 0 && errno == EPERM) {
        // Kernels before 5.11 charge programs to RLIMIT_MEMLOCK, whose default
        // (64 KiB) is easily used up. Raise it for the load only, so processes
        // started later do not inherit an unlimited value.
        struct rlimit old, unlimited = {RLIM_INFINITY, RLIM_INFINITY};
        if (getrlimit(RLIMIT_MEMLOCK, &old) == 0 && old.rlim_cur != RLIM_INFINITY &&
            setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) {
            fd = load_once(insns, count, license, log, log_size);
            int saved = errno;
            (void)setrlimit(RLIMIT_MEMLOCK, &old);
            errno = saved;
        } else {
            errno = EPERM;
        }
    }
    int saved = errno;
    free(insns);
    errno = saved;
    return fd;
}

int berth_bpf_attach_device_prog(int cgroup_fd, int prog_fd, int replace_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    // ALLOW_MULTI so that programs attached by others (systemd) stay in force
    // next to ours: the kernel allows an access only if every program does.
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (replace_fd >= 0) {
        attr.attach_flags |= BPF_F_REPLACE;
        attr.replace_bpf_fd = (uint32_t)replace_fd;
    }
    return sys_bpf(BPF_PROG_ATTACH, &attr);
}

int berth_bpf_detach_device_prog(int cgroup_fd, int prog_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    return sys_bpf(BPF_PROG_DETACH, &attr);
}

int berth_bpf_query_device_progs(int cgroup_fd, uint32_t *ids, uint32_t *count) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = ptr_u64(ids);
    attr.query.prog_cnt = *count;
    int rc = sys_bpf(BPF_PROG_QUERY, &attr);
    // On ENOSPC the kernel still reports how many programs there are.
    *count = attr.query.prog_cnt;
    return rc;
}

int berth_bpf_prog_fd_by_id(uint32_t id) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}
