// The foreground loop of `run` and `exec` without --detach: forward signals to
// the container process, relay a terminal, reap, and return its wait status.
// In C because it is a tight poll loop over signalfd and raw fds.
#include "clinux.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static int copy_some(int from, int to) {
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
    if (n == 0) return -1;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        off += w;
    }
    return 1;
}

int berth_proxy_wait(pid_t child, int master, int *status) {
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV); sigdelset(&all, SIGBUS); sigdelset(&all, SIGILL); sigdelset(&all, SIGFPE);
    sigprocmask(SIG_BLOCK, &all, &old);
    int sfd = signalfd(-1, &all, SFD_CLOEXEC);
    if (sfd < 0) return -1;
    if (master >= 0) {
        unsigned short r, c;
        if (berth_tty_get_winsize(0, &r, &c) == 0) berth_tty_set_winsize(master, r, c);
    }
    int stdin_open = master >= 0, master_open = master >= 0, exited = 0;
    // The child may have exited before SIGCHLD was blocked: that signal is gone.
    {
        int st; pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0) if (w == child) { *status = st; exited = 1; }
    }
    while (!exited || master_open) {
        struct pollfd p[3] = {{sfd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}, {master_open ? master : -1, POLLIN, 0}};
        // Once the process is gone, drain what the terminal still holds, briefly.
        int r = poll(p, 3, exited ? 100 : -1);
        if (r < 0) { if (errno == EINTR) continue; break; }
        if (r == 0 && exited) break;
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGCHLD) {
                    int st; pid_t w;
                    while ((w = waitpid(-1, &st, WNOHANG)) > 0) if (w == child) { *status = st; exited = 1; }
                } else if (si.ssi_signo == SIGWINCH && master >= 0) {
                    unsigned short rr, cc;
                    if (berth_tty_get_winsize(0, &rr, &cc) == 0) berth_tty_set_winsize(master, rr, cc);
                } else if (!exited) {
                    kill(child, (int)si.ssi_signo);
                }
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP)) {
            if (copy_some(0, master) < 0) { stdin_open = 0; }
        }
        if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (copy_some(master, 1) < 0) master_open = 0;
        }
    }
    close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (!exited) {
        int st;
        if (waitpid(child, &st, 0) == child) *status = st;
    }
    return 0;
}
