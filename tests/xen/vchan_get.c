/*
 * zerg-xen-vchan-get: the dom0 end of the vchan hand-off, as a test client. Connects with
 * libxenvchan_client_init to the server a guest published at XS_PATH, sends one HTTP request,
 * reads the answer until the guest closes the channel, and checks it.
 *
 *   zerg-xen-vchan-get DOMID XS_PATH INSTANCE
 *
 * Prints "PASS: vchan-get-INSTANCE" when the response is a 200 carrying
 * "X-Zerg-Instance: INSTANCE", else "FAIL: vchan-get-INSTANCE: why", and one line
 * "TIME: vchan INSTANCE: connect=..ms response=..ms". Every wait is bounded (10 s); exit status
 * 0 on PASS, 1 on FAIL, 2 on bad usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxenvchan.h>

#define WAIT_MS      10000
#define RESPONSE_MAX 8192

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits for the channel's event fd, then lets libxenvchan consume the event. */
static int wait_event(struct libxenvchan *ch, double deadline)
{
    double left = deadline - now_ms();
    if (left <= 0)
        return -1;
    struct pollfd p = {.fd = libxenvchan_fd_for_select(ch), .events = POLLIN};
    int n = poll(&p, 1, (int)left + 1);
    if (n < 0 && errno != EINTR)
        return -1;
    if (n > 0)
        libxenvchan_wait(ch);
    return 0;
}

static const char *exchange(struct libxenvchan *ch, const char *req, char *resp, size_t *len,
                            double deadline)
{
    size_t sent = 0, want = strlen(req);
    while (sent < want) {
        int n = libxenvchan_write(ch, req + sent, want - sent);
        if (n < 0)
            return "libxenvchan_write failed";
        sent += (size_t)n;
        if (sent < want && wait_event(ch, deadline))
            return "timed out sending the request";
    }
    *len = 0;
    for (;;) {
        if (*len == RESPONSE_MAX)
            return "response larger than 8 KiB";
        int n = libxenvchan_read(ch, resp + *len, RESPONSE_MAX - *len);
        if (n < 0 && !libxenvchan_is_open(ch))
            break; /* libxenvchan reports the guest's close as an error once drained */
        if (n < 0)
            return "libxenvchan_read failed";
        *len += (size_t)n;
        if (n > 0)
            continue;
        if (!libxenvchan_is_open(ch))
            break; /* the guest closed and we drained the ring */
        if (wait_event(ch, deadline))
            return "timed out waiting for the response";
    }
    resp[*len] = '\0';
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DOMID XS_PATH INSTANCE\n", argv[0]);
        return 2;
    }
    char *end;
    long domid = strtol(argv[1], &end, 10);
    if (*end || domid < 1 || domid > 0x7fef) {
        fprintf(stderr, "%s: DOMID must be a guest domain id\n", argv[0]);
        return 2;
    }
    const char *path = argv[2], *instance = argv[3];
    static char resp[RESPONSE_MAX + 1];
    char want[128];
    size_t len = 0;
    const char *why = NULL;

    double t0 = now_ms(), deadline = t0 + WAIT_MS;
    struct libxenvchan *ch = libxenvchan_client_init(NULL, (int)domid, path);
    double t1 = now_ms();
    if (!ch) {
        printf("FAIL: vchan-get-%s: libxenvchan_client_init(%ld, %s) failed: %s\n", instance, domid,
               path, strerror(errno));
        return 1;
    }
    why = exchange(ch, "GET / HTTP/1.1\r\nHost: zerg\r\n\r\n", resp, &len, deadline);
    double t2 = now_ms();
    libxenvchan_close(ch);
    snprintf(want, sizeof want, "\r\nX-Zerg-Instance: %s\r\n", instance);
    if (!why && strncmp(resp, "HTTP/1.1 200 ", 13) != 0)
        why = "the response is not a 200";
    if (!why && !strstr(resp, want))
        why = "the response lacks its X-Zerg-Instance header";
    if (!why && !strstr(resp, "\r\nConnection: close\r\n"))
        why = "the response lacks Connection: close";
    if (why) {
        for (size_t i = 0; i < len; i++) /* one result line, whatever came */
            if (resp[i] < ' ' || resp[i] > '~')
                resp[i] = '.';
        printf("FAIL: vchan-get-%s: %s (got %zu bytes: %.80s)\n", instance, why, len, resp);
        return 1;
    }
    printf("PASS: vchan-get-%s\n", instance);
    printf("TIME: vchan %s: connect=%.1fms response=%.1fms\n", instance, t1 - t0, t2 - t1);
    return 0;
}
