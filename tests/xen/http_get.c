/*
 * zerg-xen-http-get: a minimal HTTP/1.1 client for the dom0 tests (busybox's static wget is not
 * dependable there). Loopback only: it connects to 127.0.0.1:PORT, sends
 * "GET PATH HTTP/1.1" with Host and Connection: close, and prints the whole response on stdout.
 *
 *   zerg-xen-http-get PORT PATH [TIMEOUT_MS]
 *
 * Exit status: 0 when a response was read to its end (the server closed), 1 on any failure
 * (message on stderr), 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int fail(const char *what)
{
    fprintf(stderr, "zerg-xen-http-get: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s PORT PATH [TIMEOUT_MS]\n", argv[0]);
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    long timeout = argc == 4 ? strtol(argv[3], NULL, 10) : 30000;
    if (*end || port < 1 || port > 65535 || timeout < 1 || argv[2][0] != '/') {
        fprintf(stderr, "%s: PORT 1..65535, PATH starting with '/', TIMEOUT_MS > 0\n", argv[0]);
        return 2;
    }
    long long deadline = now_ms() + timeout;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return fail("socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return fail("connect");
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", argv[2]);
    if (n < 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n)
        return fail("write");
    char buf[4096];
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return fail("reading the response");
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno != EINTR)
            return fail("poll");
        if (r <= 0)
            continue;
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0)
            return fail("read");
        if (got == 0)
            break;
        fwrite(buf, 1, (size_t)got, stdout);
    }
    close(fd);
    return fflush(stdout) == 0 ? 0 : 1;
}
