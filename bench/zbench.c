/*
 * zbench: the load generator of `make bench`. One thread, epoll, loopback only.
 *
 *   zbench cycle -n N            N sequential connections (connect, GET, read until EOF)
 *   zbench rate  -c C -t SECS    C concurrent connections kept busy for SECS seconds
 *   zbench spike -n N            N connections opened at once, each sending its request
 *
 * Common options: -p PORT (required), -a ADDR (127.0.0.1; only 127.0.0.0/8 and ::1 are
 * accepted), -P PATH (/), -T MS per-connection timeout (10000), -m SECS hard cap on the whole
 * run (300), -o FILE per-connection CSV, -l LABEL (printed in the summary).
 *
 * Per connection it measures connect() -> response complete (EOF after a whole response) and
 * keeps the status and X-Zerg-Instance. The summary, one `key=value` per line on stdout, has
 * the status counts, the error counts by kind (refused, reset, timeout, closed: EOF before any
 * byte, truncated: EOF or reset inside a response, bad_response, other), the latency
 * p50/p90/p99/max of the 200s (nearest rank), completed 200s per second and the number of
 * distinct instances that served them. Exit status: 0 when the run was carried out (whatever
 * the server answered), 2 on bad usage, 1 when the run itself could not be made.
 *
 * Bounded: at most ZB_MAX_CONNECTIONS connections and ZB_MAX_CONCURRENCY at once, never past
 * the -m cap: at the cap no new connection starts and those in flight end as timeouts.
 */
#include "http_response.h"
#include "zclock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define ZB_MAX_CONNECTIONS 2000000u
#define ZB_MAX_CONCURRENCY 20000u
#define ZB_MAX_SECONDS     3600u
#define ZB_MAX_PATH        1024u
#define NS_PER_MS          1000000ull

enum zb_mode { ZB_CYCLE, ZB_RATE, ZB_SPIKE };

/* How a connection ended when it did not end with a whole response. */
enum zb_error {
    ZB_OK = 0,
    ZB_ERR_REFUSED,   /* connect: ECONNREFUSED */
    ZB_ERR_RESET,     /* ECONNRESET/EPIPE before any response byte */
    ZB_ERR_TIMEOUT,   /* per-connection timeout or the run's cap */
    ZB_ERR_CLOSED,    /* EOF before any response byte */
    ZB_ERR_TRUNCATED, /* EOF or reset inside a response */
    ZB_ERR_BAD,       /* not an HTTP/1.x response zbench can read */
    ZB_ERR_OTHER,     /* any other errno (EADDRNOTAVAIL, EMFILE, ...) */
    ZB_NERRORS
};
static const char *const error_names[ZB_NERRORS] = {
    "ok", "refused", "reset", "timeout", "closed", "truncated", "bad_response", "other",
};

struct options {
    enum zb_mode mode;
    const char *mode_name;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char addr_text[INET6_ADDRSTRLEN + 8];
    const char *path;
    uint32_t n, concurrency, seconds, timeout_ms, cap_seconds;
    const char *csv_path;
    const char *label;
};

/* One finished connection. */
struct record {
    uint64_t start_ns; /* since the run started */
    uint64_t latency_ns;
    uint16_t status;
    uint8_t error;
    char instance[HTTP_RESPONSE_INSTANCE_MAX];
};

enum conn_phase { PH_FREE, PH_CONNECTING, PH_READING };

struct conn {
    int fd;
    enum conn_phase phase;
    uint64_t t_start, deadline;
    size_t sent;
    struct http_response resp;
};

struct run {
    const struct options *opt;
    int epfd;
    char request[ZB_MAX_PATH + 128];
    size_t request_len;
    struct conn *conns; /* opt->concurrency slots */
    size_t active;
    struct record *records;
    size_t nrecords, caprecords, maxrecords;
    bool out_of_memory; /* a record could not be kept: the run is reported as failed */
    uint64_t started, t0, t_stop_starting, t_cap;
    int last_other_errno;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: zbench cycle -n N       [options]   N sequential connections\n"
                 "       zbench rate -c C -t SECS [options]  C concurrent connections for SECS s\n"
                 "       zbench spike -n N       [options]   N connections opened at once\n"
                 "options: -p PORT (required)  -a ADDR (127.0.0.1; loopback only)  -P PATH (/)\n"
                 "         -T MS per-connection timeout (10000)  -m SECS cap on the run (300)\n"
                 "         -o FILE per-connection CSV  -l LABEL\n");
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, const char *what, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "zbench: %s must be an integer in %u..%u, not '%s'\n", what, lo, hi, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* Loopback only: 127.0.0.0/8 or ::1, numeric. */
static int parse_addr(struct options *o, const char *text, uint32_t port)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&o->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&o->addr;
    memset(&o->addr, 0, sizeof o->addr);
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
        if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127) {
            fprintf(stderr, "zbench: %s is not a loopback address (127.0.0.0/8 or ::1)\n", text);
            return -1;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        o->addrlen = sizeof *a4;
        snprintf(o->addr_text, sizeof o->addr_text, "%s:%u", text, port);
        return 0;
    }
    if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)) {
            fprintf(stderr, "zbench: %s is not a loopback address (127.0.0.0/8 or ::1)\n", text);
            return -1;
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        o->addrlen = sizeof *a6;
        snprintf(o->addr_text, sizeof o->addr_text, "[%s]:%u", text, port);
        return 0;
    }
    fprintf(stderr, "zbench: -a wants a numeric loopback address, not '%s'\n", text);
    return -1;
}

static int parse_options(struct options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->path = "/";
    o->timeout_ms = 10000;
    o->cap_seconds = 300;
    o->label = "";
    if (argc < 2) {
        usage(stderr);
        return -1;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        exit(0);
    }
    o->mode_name = argv[1];
    if (strcmp(argv[1], "cycle") == 0)
        o->mode = ZB_CYCLE;
    else if (strcmp(argv[1], "rate") == 0)
        o->mode = ZB_RATE;
    else if (strcmp(argv[1], "spike") == 0)
        o->mode = ZB_SPIKE;
    else {
        fprintf(stderr, "zbench: unknown mode '%s'\n", argv[1]);
        usage(stderr);
        return -1;
    }
    const char *addr = "127.0.0.1";
    uint32_t port = 0;
    optind = 2;
    int c;
    while ((c = getopt(argc, argv, "n:c:t:p:a:P:T:m:o:l:")) != -1) {
        int r = 0;
        switch (c) {
        case 'n':
            r = parse_u32(optarg, 1, ZB_MAX_CONNECTIONS, "-n", &o->n);
            break;
        case 'c':
            r = parse_u32(optarg, 1, ZB_MAX_CONCURRENCY, "-c", &o->concurrency);
            break;
        case 't':
            r = parse_u32(optarg, 1, ZB_MAX_SECONDS, "-t", &o->seconds);
            break;
        case 'p':
            r = parse_u32(optarg, 1, 65535, "-p", &port);
            break;
        case 'a':
            addr = optarg;
            break;
        case 'P':
            o->path = optarg;
            break;
        case 'T':
            r = parse_u32(optarg, 1, ZB_MAX_SECONDS * 1000, "-T", &o->timeout_ms);
            break;
        case 'm':
            r = parse_u32(optarg, 1, ZB_MAX_SECONDS, "-m", &o->cap_seconds);
            break;
        case 'o':
            o->csv_path = optarg;
            break;
        case 'l':
            o->label = optarg;
            break;
        default:
            usage(stderr);
            return -1;
        }
        if (r < 0)
            return -1;
    }
    if (optind != argc) {
        fprintf(stderr, "zbench: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (port == 0) {
        fprintf(stderr, "zbench: -p PORT is required\n");
        return -1;
    }
    if (parse_addr(o, addr, port) < 0)
        return -1;
    size_t plen = strlen(o->path);
    if (o->path[0] != '/' || plen > ZB_MAX_PATH) {
        fprintf(stderr, "zbench: -P wants a path starting with / of at most %u bytes\n",
                ZB_MAX_PATH);
        return -1;
    }
    for (size_t i = 0; i < plen; i++) {
        if (o->path[i] <= ' ' || o->path[i] == 0x7f) {
            fprintf(stderr, "zbench: -P: no spaces or control characters in the path\n");
            return -1;
        }
    }
    switch (o->mode) {
    case ZB_CYCLE:
    case ZB_SPIKE:
        if (o->n == 0 || o->concurrency || o->seconds) {
            fprintf(stderr, "zbench: %s takes -n N (and not -c or -t)\n", o->mode_name);
            return -1;
        }
        o->concurrency = o->mode == ZB_CYCLE ? 1 : o->n;
        if (o->concurrency > ZB_MAX_CONCURRENCY) {
            fprintf(stderr, "zbench: spike: -n at most %u\n", ZB_MAX_CONCURRENCY);
            return -1;
        }
        break;
    case ZB_RATE:
        if (o->n || !o->concurrency || !o->seconds) {
            fprintf(stderr, "zbench: rate takes -c C and -t SECS (and not -n)\n");
            return -1;
        }
        if (o->seconds > o->cap_seconds) {
            fprintf(stderr, "zbench: -t %u is over the cap -m %u\n", o->seconds, o->cap_seconds);
            return -1;
        }
        o->n = ZB_MAX_CONNECTIONS;
        break;
    }
    return 0;
}

/* Enough descriptors for the concurrency, or a clear error. */
static int ensure_fd_limit(uint32_t concurrency)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)concurrency + 32;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max < need)
        rl.rlim_max = need;
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        fprintf(stderr, "zbench: %u connections need %llu descriptors: %s\n", concurrency,
                (unsigned long long)need, strerror(errno));
        return -1;
    }
    return 0;
}

static enum zb_error classify_errno(struct run *r, int err)
{
    switch (err) {
    case ECONNREFUSED:
        return ZB_ERR_REFUSED;
    case ECONNRESET:
    case EPIPE:
        return ZB_ERR_RESET;
    case ETIMEDOUT:
        return ZB_ERR_TIMEOUT;
    default:
        r->last_other_errno = err;
        return ZB_ERR_OTHER;
    }
}

/* Room for one more record: the array grows by doubling, up to maxrecords. */
static int reserve_record(struct run *r)
{
    if (r->nrecords < r->caprecords)
        return 0;
    if (r->caprecords >= r->maxrecords)
        return -1;
    size_t cap = r->caprecords ? r->caprecords * 2 : 1024;
    if (cap > r->maxrecords)
        cap = r->maxrecords;
    struct record *grown = realloc(r->records, cap * sizeof *grown);
    if (!grown) {
        r->out_of_memory = true;
        return -1;
    }
    r->records = grown;
    r->caprecords = cap;
    return 0;
}

static void finish(struct run *r, struct conn *c, enum zb_error err, uint64_t now)
{
    if (reserve_record(r) == 0) {
        struct record *rec = &r->records[r->nrecords++];
        memset(rec, 0, sizeof *rec);
        rec->start_ns = c->t_start - r->t0;
        rec->latency_ns = now - c->t_start;
        if (err == ZB_OK && !http_response_complete(&c->resp))
            err = c->resp.malformed          ? ZB_ERR_BAD
                  : c->resp.total_bytes == 0 ? ZB_ERR_CLOSED
                                             : ZB_ERR_TRUNCATED;
        else if ((err == ZB_ERR_RESET || err == ZB_ERR_TIMEOUT) && c->resp.total_bytes > 0 &&
                 !http_response_complete(&c->resp))
            err = err == ZB_ERR_RESET ? ZB_ERR_TRUNCATED : ZB_ERR_TIMEOUT;
        else if (err == ZB_ERR_RESET && http_response_complete(&c->resp))
            err = ZB_OK; /* a whole response, then a reset instead of a FIN: still served */
        rec->error = (uint8_t)err;
        if (c->resp.head_done && !c->resp.malformed) {
            rec->status = (uint16_t)c->resp.status;
            memcpy(rec->instance, c->resp.instance, sizeof rec->instance);
        }
    }
    if (c->fd >= 0)
        close(c->fd); /* also removes it from the epoll set */
    c->fd = -1;
    c->phase = PH_FREE;
    r->active--;
}

static bool may_start(const struct run *r, uint64_t now)
{
    return !r->out_of_memory && r->started < r->opt->n && r->nrecords + r->active < r->maxrecords &&
           now < r->t_stop_starting && now < r->t_cap;
}

static void start(struct run *r, struct conn *c)
{
    const struct options *o = r->opt;
    uint64_t now = zclock_now_ns();
    memset(c, 0, sizeof *c);
    http_response_init(&c->resp);
    c->t_start = now;
    c->deadline = now + (uint64_t)o->timeout_ms * NS_PER_MS;
    c->phase = PH_CONNECTING;
    r->started++;
    r->active++;
    c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        finish(r, c, classify_errno(r, errno), zclock_now_ns());
        return;
    }
    if (connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0 && errno != EINPROGRESS) {
        finish(r, c, classify_errno(r, errno), zclock_now_ns());
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        finish(r, c, classify_errno(r, errno), zclock_now_ns());
}

static void on_writable(struct run *r, struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (c->phase == PH_CONNECTING) {
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err) {
            finish(r, c, classify_errno(r, err), zclock_now_ns());
            return;
        }
    }
    while (c->sent < r->request_len) {
        ssize_t n = send(c->fd, r->request + c->sent, r->request_len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return; /* still EPOLLOUT: come back */
        if (n < 0) {
            finish(r, c, classify_errno(r, errno), zclock_now_ns());
            return;
        }
        c->sent += (size_t)n;
    }
    c->phase = PH_READING;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        finish(r, c, classify_errno(r, errno), zclock_now_ns());
}

static void on_readable(struct run *r, struct conn *c)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            http_response_feed(&c->resp, buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            finish(r, c, ZB_OK, zclock_now_ns());
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return;
        finish(r, c, classify_errno(r, errno), zclock_now_ns());
        return;
    }
}

static void on_event(struct run *r, struct conn *c, uint32_t events)
{
    if (c->phase == PH_CONNECTING) {
        on_writable(r, c); /* SO_ERROR tells errors apart, EPOLLERR included */
        return;
    }
    if (c->phase == PH_READING && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        on_readable(r, c);
}

/* Ends the connections past their deadline; returns ms until the next deadline (<= 100). */
static int expire(struct run *r, uint64_t now)
{
    uint64_t next = now + 100 * NS_PER_MS;
    for (uint32_t i = 0; i < r->opt->concurrency; i++) {
        struct conn *c = &r->conns[i];
        if (c->phase == PH_FREE)
            continue;
        if (now >= c->deadline || now >= r->t_cap) {
            finish(r, c, ZB_ERR_TIMEOUT, now);
            continue;
        }
        if (c->deadline < next)
            next = c->deadline;
    }
    if (r->t_cap < next)
        next = r->t_cap;
    return next > now ? (int)((next - now + NS_PER_MS - 1) / NS_PER_MS) : 0;
}

static void fill(struct run *r)
{
    /* A connection that fails at once frees its slot again: refill it in place. */
    for (uint32_t i = 0; i < r->opt->concurrency; i++) {
        while (r->conns[i].phase == PH_FREE && may_start(r, zclock_now_ns()))
            start(r, &r->conns[i]);
    }
}

static int run_loop(struct run *r)
{
    struct epoll_event events[256];
    r->t0 = zclock_now_ns();
    r->t_cap = r->t0 + (uint64_t)r->opt->cap_seconds * 1000000000ull;
    r->t_stop_starting =
        r->opt->mode == ZB_RATE ? r->t0 + (uint64_t)r->opt->seconds * 1000000000ull : r->t_cap;
    fill(r);
    while (r->active > 0 || may_start(r, zclock_now_ns())) {
        int timeout = expire(r, zclock_now_ns());
        int n = epoll_wait(r->epfd, events, 256, timeout);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "zbench: epoll_wait: %s\n", strerror(errno));
            return -1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->phase != PH_FREE)
                on_event(r, c, events[i].events);
        }
        if (r->opt->mode != ZB_SPIKE) /* a spike starts all at once, then only waits */
            fill(r);
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Nearest-rank percentile of sorted values (n > 0). */
static uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int write_csv(const struct run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "zbench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "seq,start_ms,latency_ms,status,error,instance\n");
    for (size_t i = 0; i < r->nrecords; i++) {
        const struct record *rec = &r->records[i];
        fprintf(f, "%zu,%.3f,%.3f,%u,%s,%s\n", i, (double)rec->start_ns / 1e6,
                (double)rec->latency_ns / 1e6, rec->status,
                rec->error ? error_names[rec->error] : "", rec->instance);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "zbench: writing %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int summarize(const struct run *r, uint64_t elapsed_ns)
{
    const struct options *o = r->opt;
    uint64_t errors[ZB_NERRORS] = {0};
    uint64_t s200 = 0, s502 = 0, s503 = 0, sother = 0, ok_in_window = 0;
    uint64_t window_ns = o->mode == ZB_RATE ? (uint64_t)o->seconds * 1000000000ull : elapsed_ns;
    uint64_t *lat = malloc((r->nrecords + 1) * sizeof *lat);
    const char **ids = malloc((r->nrecords + 1) * sizeof *ids);
    if (!lat || !ids) {
        free(lat);
        free(ids);
        fprintf(stderr, "zbench: out of memory\n");
        return -1;
    }
    size_t nlat = 0;
    for (size_t i = 0; i < r->nrecords; i++) {
        const struct record *rec = &r->records[i];
        if (rec->error != ZB_OK) {
            errors[rec->error]++;
            continue;
        }
        if (rec->status == 200) {
            s200++;
            if (rec->start_ns + rec->latency_ns <= window_ns)
                ok_in_window++;
            ids[nlat] = rec->instance;
            lat[nlat++] = rec->latency_ns;
        } else if (rec->status == 502) {
            s502++;
        } else if (rec->status == 503) {
            s503++;
        } else {
            sother++;
        }
    }
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    qsort(ids, nlat, sizeof *ids, cmp_str);
    size_t distinct = 0;
    for (size_t i = 0; i < nlat; i++)
        if (ids[i][0] && (i == 0 || strcmp(ids[i], ids[i - 1]) != 0))
            distinct++;

    printf("mode=%s\nlabel=%s\ntarget=%s\npath=%s\n", o->mode_name, o->label, o->addr_text,
           o->path);
    printf("concurrency=%u\nconnections=%zu\nelapsed_s=%.3f\n", o->concurrency, r->nrecords,
           (double)elapsed_ns / 1e9);
    printf("status_200=%llu\nstatus_502=%llu\nstatus_503=%llu\nstatus_other=%llu\n",
           (unsigned long long)s200, (unsigned long long)s502, (unsigned long long)s503,
           (unsigned long long)sother);
    for (int e = 1; e < ZB_NERRORS; e++)
        printf("err_%s=%llu\n", error_names[e], (unsigned long long)errors[e]);
    if (r->last_other_errno)
        printf("err_other_last=\"%s\"\n", strerror(r->last_other_errno));
    printf("ok_per_s=%.1f\n", window_ns ? (double)ok_in_window * 1e9 / (double)window_ns : 0.0);
    if (nlat) {
        printf("ok_p50_ms=%.3f\nok_p90_ms=%.3f\nok_p99_ms=%.3f\nok_max_ms=%.3f\n",
               (double)percentile(lat, nlat, 50) / 1e6, (double)percentile(lat, nlat, 90) / 1e6,
               (double)percentile(lat, nlat, 99) / 1e6, (double)lat[nlat - 1] / 1e6);
    }
    printf("distinct_instances=%zu\n", distinct);
    free(lat);
    free(ids);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_options(&o, argc, argv) < 0)
        return 2;
    if (ensure_fd_limit(o.concurrency) < 0)
        return 1;

    int status = 1;
    struct run r = {.opt = &o, .epfd = -1};
    r.request_len = (size_t)snprintf(r.request, sizeof r.request,
                                     "GET %s HTTP/1.1\r\nHost: zbench\r\nUser-Agent: zbench\r\n"
                                     "Connection: close\r\n\r\n",
                                     o.path);
    r.maxrecords = o.mode == ZB_RATE ? ZB_MAX_CONNECTIONS : o.n;
    r.conns = calloc(o.concurrency, sizeof *r.conns);
    r.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!r.conns || r.epfd < 0) {
        fprintf(stderr, "zbench: cannot set up: %s\n", strerror(errno));
        goto out;
    }
    for (uint32_t i = 0; i < o.concurrency; i++)
        r.conns[i].fd = -1;

    if (run_loop(&r) < 0)
        goto out;
    uint64_t elapsed = zclock_now_ns() - r.t0;
    if (r.out_of_memory) {
        fprintf(stderr, "zbench: out of memory for the per-connection records\n");
        goto out;
    }
    if (o.csv_path && write_csv(&r, o.csv_path) < 0)
        goto out;
    if (summarize(&r, elapsed) < 0)
        goto out;
    status = 0;
out:
    if (r.conns) {
        for (uint32_t i = 0; i < o.concurrency; i++)
            if (r.conns[i].phase != PH_FREE && r.conns[i].fd >= 0)
                close(r.conns[i].fd);
    }
    if (r.epfd >= 0)
        close(r.epfd);
    free(r.conns);
    free(r.records);
    return status;
}
