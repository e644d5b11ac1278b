/*
 * fd_contract: starts zvm as the spawner does (docs/guest-contract.md): fd 4 a SOCK_SEQPACKET
 * Unix socket carrying the parameters and the prefix in separate messages, fd 3 the connection
 * (a Unix stream socket, hand-off "forward", or a loopback TCP socket, hand-off "fd"), runs
 * tests/outlets/fd_guest.erl and checks what comes back: exactly "ready\n" as one message, the
 * message boundaries the guest saw, the family fallback, the request echoed, exit status 0.
 *
 *   zvm-fd-contract ZVM EBIN unix|tcp      prints "PASS: fd-contract-MODE" or "FAIL: ...: why"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *mode = "?";

static int fail(const char *why)
{
    printf("FAIL: fd-contract-%s: %s\n", mode, why);
    return 1;
}

/* A connected loopback TCP pair: *guest gets the accepted end. */
static int tcp_pair(int *guest, int *client)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &len))
        return -1;
    *client = socket(AF_INET, SOCK_STREAM, 0);
    if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof a))
        return -1;
    *guest = accept(l, NULL, NULL);
    close(l);
    return *guest < 0 ? -1 : 0;
}

/* Reads until end of stream or `deadline_ms`; returns the length or -1. */
static long read_all(int fd, char *buf, size_t cap, int deadline_ms)
{
    size_t got = 0;
    while (got < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, deadline_ms);
        if (r <= 0)
            return -1;
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (long)got;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "unix") && strcmp(argv[3], "tcp"))) {
        fprintf(stderr, "usage: %s ZVM EBIN unix|tcp\n", argv[0]);
        return 2;
    }
    mode = argv[3];
    signal(SIGPIPE, SIG_IGN);
    int ctl[2], conn[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ctl))
        return fail("socketpair(SOCK_SEQPACKET)");
    if (strcmp(mode, "unix") == 0 ? socketpair(AF_UNIX, SOCK_STREAM, 0, conn)
                                  : tcp_pair(&conn[0], &conn[1]))
        return fail("the connection's socket pair");
    /* Parameters, then the prefix in two chunks: three messages the guest must see apart. */
    const char params[] = "zerg=1\ninstance=42\ndaemon=t\npeer=127.0.0.1:9\nprefix_bytes=9\n";
    if (send(ctl[1], params, sizeof params - 1, 0) < 0 || send(ctl[1], "GET /", 5, 0) < 0 ||
        send(ctl[1], " x/1", 4, 0) < 0)
        return fail("sending the control messages");
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork");
    if (pid == 0) {
        /* Out of the way first: the pairs may already sit on 3 and 4. */
        int c = fcntl(ctl[0], F_DUPFD, 100), k = fcntl(conn[0], F_DUPFD, 100);
        if (c < 0 || k < 0 || dup2(k, 3) < 0 || dup2(c, 4) < 0)
            _exit(126);
        for (int fd = 5; fd < 128; fd++)
            close(fd);
        execl(argv[1], argv[1], "-noshell", "-pa", argv[2], "-run", "fd_guest", "main",
              (char *)NULL);
        _exit(127);
    }
    close(ctl[0]);
    close(conn[0]);
    /* One message, exactly "ready\n". */
    char msg[64];
    struct pollfd p = {.fd = ctl[1], .events = POLLIN};
    if (poll(&p, 1, 20000) <= 0) {
        kill(pid, SIGKILL);
        return fail("no readiness message within 20 s");
    }
    ssize_t n = recv(ctl[1], msg, sizeof msg, 0);
    if (getenv("FD_CONTRACT_DEBUG"))
        fprintf(stderr, "readiness: %zd bytes (%s): %.*s\n", n, strerror(errno), n > 0 ? (int)n : 0,
                msg);
    if (n != 6 || memcmp(msg, "ready\n", 6) != 0) {
        kill(pid, SIGKILL);
        return fail("the readiness message is not exactly \"ready\\n\"");
    }
    if (write(conn[1], "ping", 4) != 4) {
        kill(pid, SIGKILL);
        return fail("writing the request");
    }
    char answer[512];
    long len = read_all(conn[1], answer, sizeof answer - 1, 20000);
    int status;
    if (len < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return fail("no answer within 20 s");
    }
    answer[len] = 0;
    waitpid(pid, &status, 0);
    char expected[256];
    snprintf(expected, sizeof expected,
             "instance=42 params=%zu chunks=[5,4] prefix=GET / x/1 family=%s got=ping",
             sizeof params - 1, strcmp(mode, "unix") == 0 ? "local" : "inet");
    if (strcmp(answer, expected) != 0) {
        char why[1024];
        snprintf(why, sizeof why, "answer \"%s\", expected \"%s\"", answer, expected);
        return fail(why);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail("zvm did not exit with status 0");
    printf("PASS: fd-contract-%s\n", mode);
    return 0;
}
