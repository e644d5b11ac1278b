/*
 * instance_start: what one instance of a guest costs by itself, without zerg and its sandbox.
 * Starts the guest command N times in DIR exactly as the process backend hands it a connection
 * (docs/guest-contract.md: fd 4 a SOCK_SEQPACKET socket with the parameters and the prefix, fd 3
 * the connection, a Unix stream socket here), sends `GET PATH`, and times each run from fork to
 * "ready\n" and to the guest's exit, after its whole answer. Prints the medians and the CPU the
 * guests used per run:
 *
 *   zvm-start-bench N DIR PATH CMD ARG...   "ready_p50_ms=... exit_p50_ms=... user_ms=... sys_ms=..."
 *   zvm-start-bench --fault-probe           "fault_us=..." the cost of one page fault on fresh
 *                                           anonymous memory (2048 pages, touched once each)
 * Exit status 1 with the reason on stderr when a run does not answer 200.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 20000

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fault_probe(void)
{
    const size_t pages = 2048, size = pages * 4096;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("instance_start: mmap");
        return 1;
    }
    madvise(p, size, MADV_NOHUGEPAGE); /* one fault per 4 KiB page, as a guest's heap grows */
    double t0 = now_ms();
    for (size_t i = 0; i < pages; i++)
        p[i * 4096] = 1;
    double t1 = now_ms();
    munmap(p, size);
    printf("fault_us=%.2f\n", (t1 - t0) * 1e3 / (double)pages);
    return 0;
}

/* Waits until `fd` is readable; -1 on timeout. */
static int wait_readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&pfd, 1, TIMEOUT_MS);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

/* One run; fills the two times. Returns 0, or -1 with the reason printed. */
static int one_run(int i, const char *dir, const char *request, char **cmd, double *ready_ms,
                   double *exit_ms)
{
    int ctl[2] = {-1, -1}, conn[2] = {-1, -1}, rc = -1, status;
    pid_t pid = -1;
    char buf[65536];
    size_t got = 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conn) != 0) {
        perror("instance_start: socketpair");
        goto out;
    }
    double t0 = now_ms();
    pid = fork();
    if (pid == 0) {
        /* Through high numbers first: the pairs' own descriptors may be 3 or 4. */
        if (chdir(dir) != 0 || dup2(conn[1], 100) < 0 || dup2(ctl[1], 101) < 0 ||
            dup2(100, 3) < 0 || dup2(101, 4) < 0)
            _exit(127);
        close(100);
        close(101);
        execv(cmd[0], cmd);
        _exit(127);
    }
    if (pid < 0) {
        perror("instance_start: fork");
        goto out;
    }
    close(ctl[1]);
    close(conn[1]);
    ctl[1] = conn[1] = -1;
    char params[128];
    int n = snprintf(params, sizeof params, "zerg=1\ninstance=%d\nprefix_bytes=%zu\n", i,
                     strlen(request));
    if (send(ctl[0], params, (size_t)n, 0) != n ||
        send(ctl[0], request, strlen(request), 0) != (ssize_t)strlen(request)) {
        perror("instance_start: send");
        goto out;
    }
    if (wait_readable(ctl[0]) != 0 || recv(ctl[0], buf, sizeof buf, 0) != 6 ||
        memcmp(buf, "ready\n", 6) != 0) {
        fprintf(stderr, "instance_start: run %d: no readiness message\n", i);
        goto out;
    }
    *ready_ms = now_ms() - t0;
    for (;;) {
        if (wait_readable(conn[0]) != 0) {
            fprintf(stderr, "instance_start: run %d: no end of answer\n", i);
            goto out;
        }
        ssize_t r = read(conn[0], buf + got, sizeof buf - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == sizeof buf)
            break;
    }
    if (waitpid(pid, &status, 0) != pid) {
        perror("instance_start: waitpid");
        goto out;
    }
    pid = -1;
    *exit_ms = now_ms() - t0;
    if (got < 12 || memcmp(buf, "HTTP/1.1 200", 12) != 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "instance_start: run %d: not a 200 answer and exit 0 (%zu bytes)\n", i,
                got);
        goto out;
    }
    rc = 0;
out:
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    for (int k = 0; k < 2; k++) {
        if (ctl[k] >= 0)
            close(ctl[k]);
        if (conn[k] >= 0)
            close(conn[k]);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--fault-probe") == 0)
        return fault_probe();
    if (argc < 5 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: zvm-start-bench N DIR PATH CMD ARG... | --fault-probe\n");
        return 2;
    }
    int n = atoi(argv[1]);
    char request[512];
    snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", argv[3]);
    double *ready = calloc((size_t)n, sizeof *ready), *done = calloc((size_t)n, sizeof *done);
    int rc = 1;
    if (!ready || !done) {
        perror("instance_start: calloc");
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (one_run(i, argv[2], request, argv + 4, &ready[i], &done[i]) != 0)
            goto out;
    qsort(ready, (size_t)n, sizeof *ready, compare_doubles);
    qsort(done, (size_t)n, sizeof *done, compare_doubles);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("ready_p50_ms=%.2f exit_p50_ms=%.2f user_ms=%.2f sys_ms=%.2f runs=%d\n", ready[n / 2],
           done[n / 2], ((double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3) / n,
           ((double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3) / n, n);
    rc = 0;
out:
    free(ready);
    free(done);
    return rc;
}
