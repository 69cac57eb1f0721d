// File-system calls for unpacking and packing layers (the Archive module) that Swift's
// Glibc module leaves out: openat2(2), syncfs(2), O_PATH, sync_file_range(2) and <sys/xattr.h>.
#ifndef BERTH_CLINUX_FS_H
#define BERTH_CLINUX_FS_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>

#define BERTH_O_PATH 010000000
#define BERTH_RESOLVE_NO_XDEV 0x01
#define BERTH_RESOLVE_NO_MAGICLINKS 0x02
#define BERTH_RESOLVE_NO_SYMLINKS 0x04
#define BERTH_RESOLVE_BENEATH 0x08
#define BERTH_RESOLVE_IN_ROOT 0x10

// -1/ENOSYS before Linux 5.6.
int berth_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);
int berth_syncfs(int fd);
// sync_file_range(SYNC_FILE_RANGE_WRITE): starts writeback of the range without waiting for it.
int berth_start_writeback(int fd, int64_t offset, int64_t length);

#endif
