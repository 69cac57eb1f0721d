// maxrss CMD ARGS...: runs CMD with stdio on /dev/null and prints "<status> <peak RSS KiB>".
// A tiny static C parent, so the child's ru_maxrss is its own and not a copy of a big parent's.
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: maxrss CMD [ARGS...]\n"); return 2; }
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0); dup2(fd, 1); dup2(fd, 2);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int st; struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) { perror("wait4"); return 2; }
    printf("%d %ld\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), ru.ru_maxrss);
    return 0;
}
