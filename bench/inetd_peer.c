/*
 * zbench-inetd: the peer zerg is benchmarked against. A plain fork/exec-per-connection server in
 * the style of inetd, with NO sandbox, running the same guest under the same guest contract
 * (docs/guest-contract.md, process backend), so that zerg/peer ratios show what zerg's
 * spawner, proxy and sandbox cost over the bare fork/exec.
 *
 *   zbench-inetd -p PORT -g GUEST [-a ADDR] [-m MAX_CHILDREN] [-l LIFETIME_S] [-s]
 *
 * Per accepted connection: fork; the child reads the request head from the connection (as
 * zerg's proxy does before it spawns; at most 16 KiB within 5 s), puts the contract's
 * parameters and the bytes it read as the prefix on a SOCK_SEQPACKET socketpair, makes the
 * connection fd 3 and its end of the pair fd 4, /dev/null fd 0, keeps the peer's stdout and
 * stderr as fd 1 and 2, and execs GUEST. The parent closes its copy of the connection, waits
 * (on epoll) for the readiness line, closes the control socket, and reaps children on SIGCHLD
 * (signalfd). (The brief asked for prefix_bytes=0 and the guest reading its whole request from
 * fd 3, but the fixture guest takes the head from the prefix only; reading it in the child is
 * what zerg does too.)
 *
 * -s: each child calls setsid() before exec. Not for isolation: with the kernel's autogroup
 * scheduling (sched_autogroup_enabled=1) every session is one scheduling group, and zerg's
 * guests each have their own session; without -s all the peer's children share one group and,
 * on a machine busy with other work, get less CPU than zerg's guests for that reason alone.
 *
 * It logs in zerg's format, one line per event on stderr, so bench/run.sh reads both alike:
 *   event=listening port=P
 *   event=instance id=N state=ready boot_ms=X      fork -> readiness line read
 *   event=instance id=N state=failed reason=R      no readiness line
 *   event=instance id=N state=reaped cycle_ms=Y    accept -> child reaped (and its exit status)
 *   event=idle                                     the last live child was reaped
 * Loopback only. It stops by itself after LIFETIME_S seconds (default 900) or on SIGTERM or
 * SIGINT: it stops accepting, gives children 5 s, kills the rest, reaps them and exits 0.
 */
#include "zclock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAD_MAX           16384
#define HEAD_TIMEOUT_S     5
#define DRAIN_MS           5000u
#define MAX_CHILDREN_LIMIT 20000u

/* epoll tags: the listener and the signalfd are told apart from children by these. */
#define TAG_LISTEN ((uint64_t)-1)
#define TAG_SIGNAL ((uint64_t)-2)

struct child {
    pid_t pid; /* 0: free slot */
    int ctl;   /* our end of the control pair, -1 once closed */
    uint64_t id;
    uint64_t t_accept, t_fork;
    bool ready;
};

struct peer {
    const char *guest;
    struct sockaddr_in addr;
    uint32_t max_children, lifetime_s;
    bool own_session; /* -s */
    int listen_fd, epfd, sigfd;
    bool accepting, listen_armed;
    struct child *children;
    uint32_t live;
    uint64_t next_id, t0;
};

static void logline(const struct peer *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logline(const struct peer *p, const char *fmt, ...)
{
    char line[512];
    uint64_t ns = zclock_now_ns() - p->t0;
    int n = snprintf(line, sizeof line, "ts=%llu.%06llu level=info ",
                     (unsigned long long)(ns / 1000000000u),
                     (unsigned long long)(ns % 1000000000u / 1000u));
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if ((size_t)n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(2, line, (size_t)n); /* one write per line: lines never interleave */
    (void)w;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: zbench-inetd -p PORT -g GUEST [-a ADDR (127.0.0.1, loopback only)]\n"
                 "                    [-m MAX_CHILDREN (1024)] [-l LIFETIME_S (900)]\n"
                 "                    [-s: children in their own session (scheduler autogroup)]\n");
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, const char *what, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "zbench-inetd: %s must be an integer in %u..%u, not '%s'\n", what, lo, hi,
                s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_options(struct peer *p, int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    uint32_t port = 0;
    p->max_children = 1024;
    p->lifetime_s = 900;
    int c;
    while ((c = getopt(argc, argv, "p:g:a:m:l:sh")) != -1) {
        int r = 0;
        switch (c) {
        case 'p':
            r = parse_u32(optarg, 1, 65535, "-p", &port);
            break;
        case 'g':
            p->guest = optarg;
            break;
        case 'a':
            addr = optarg;
            break;
        case 'm':
            r = parse_u32(optarg, 1, MAX_CHILDREN_LIMIT, "-m", &p->max_children);
            break;
        case 'l':
            r = parse_u32(optarg, 1, 86400, "-l", &p->lifetime_s);
            break;
        case 's':
            p->own_session = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
        if (r < 0)
            return -1;
    }
    if (optind != argc || !port || !p->guest) {
        usage(stderr);
        return -1;
    }
    if (access(p->guest, X_OK) != 0) {
        fprintf(stderr, "zbench-inetd: guest %s is not executable: %s\n", p->guest,
                strerror(errno));
        return -1;
    }
    memset(&p->addr, 0, sizeof p->addr);
    p->addr.sin_family = AF_INET;
    p->addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &p->addr.sin_addr) != 1 ||
        (ntohl(p->addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "zbench-inetd: -a wants a numeric address in 127.0.0.0/8, not '%s'\n",
                addr);
        return -1;
    }
    return 0;
}

/* --- the child, between fork and exec: only async-signal-safe calls and plain memory ------- */

static void child_fail(const char *what)
{
    char line[160];
    int n = snprintf(line, sizeof line, "level=warn event=peer_child error=\"%s: %s\"\n", what,
                     strerror(errno));
    if (n > 0)
        (void)!write(2, line, (size_t)n);
    _exit(127);
}

/* Reads from conn until the blank line ending the head; returns the bytes read (>0). */
static size_t child_read_head(int conn, char *buf, size_t cap)
{
    struct timeval tv = {.tv_sec = HEAD_TIMEOUT_S};
    size_t len = 0;
    if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
        child_fail("SO_RCVTIMEO");
    while (len < cap) {
        ssize_t n = read(conn, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(2); /* client gone or too slow: nothing to serve */
        size_t from = len >= 3 ? len - 3 : 0;
        len += (size_t)n;
        if (memmem(buf + from, len - from, "\r\n\r\n", 4))
            break;
    }
    if (!memmem(buf, len, "\r\n\r\n", 4))
        _exit(2);  /* head over 16 KiB */
    tv.tv_sec = 0; /* the guest reads any body without our timeout */
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return len;
}

static void child_exec(const struct peer *p, int conn, int ctl_parent, int ctl_child, uint64_t id,
                       const char *peer_addr)
{
    static char head[HEAD_MAX];
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the parent blocks SIGCHLD/TERM/INT for signalfd */
    if (p->own_session && setsid() < 0)
        child_fail("setsid");

    size_t len = child_read_head(conn, head, sizeof head);
    char params[256];
    int n = snprintf(params, sizeof params,
                     "zerg=1\ninstance=%llu\ndaemon=inetd\npeer=%s\nprefix_bytes=%zu\n",
                     (unsigned long long)id, peer_addr, len);
    /* Sent on the parent's end: queued for the guest to read on fd 4. */
    if (send(ctl_parent, params, (size_t)n, MSG_NOSIGNAL) != n)
        child_fail("send parameters");
    if (send(ctl_parent, head, len, MSG_NOSIGNAL) != (ssize_t)len)
        child_fail("send prefix");

    /* Move both above the contract's range first: conn or ctl_child may be 3 or 4 already. */
    int hi_conn = fcntl(conn, F_DUPFD_CLOEXEC, 10);
    int hi_ctl = fcntl(ctl_child, F_DUPFD_CLOEXEC, 10);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (hi_conn < 0 || hi_ctl < 0 || devnull < 0)
        child_fail("dup");
    if (dup2(devnull, 0) < 0 || dup2(hi_conn, 3) < 0 || dup2(hi_ctl, 4) < 0)
        child_fail("dup2");
    if (close_range(5, ~0u, 0) < 0)
        child_fail("close_range");
    char *argv[] = {(char *)p->guest, NULL};
    char *envp[] = {NULL};
    execve(p->guest, argv, envp);
    child_fail("execve");
}

/* --- the parent ---------------------------------------------------------------------------- */

static struct child *free_slot(struct peer *p)
{
    for (uint32_t i = 0; i < p->max_children; i++)
        if (p->children[i].pid == 0)
            return &p->children[i];
    return NULL;
}

static struct child *find_pid(struct peer *p, pid_t pid)
{
    for (uint32_t i = 0; i < p->max_children; i++)
        if (p->children[i].pid == pid)
            return &p->children[i];
    return NULL;
}

static void arm_listener(struct peer *p, bool on)
{
    if (on == p->listen_armed || p->listen_fd < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_LISTEN};
    if (epoll_ctl(p->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, p->listen_fd, &ev) == 0)
        p->listen_armed = on;
}

static void close_ctl(struct peer *p, struct child *c)
{
    if (c->ctl >= 0) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->ctl, NULL);
        close(c->ctl);
        c->ctl = -1;
    }
}

static void spawn(struct peer *p, int conn, const struct sockaddr_in *from, uint64_t t_accept)
{
    struct child *c = free_slot(p);
    int sv[2] = {-1, -1};
    char peer_addr[INET_ADDRSTRLEN + 8] = "?";
    char host[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &from->sin_addr, host, sizeof host))
        snprintf(peer_addr, sizeof peer_addr, "%s:%u", host, ntohs(from->sin_port));
    if (!c || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        logline(p, "event=peer_error error=\"%s\"", c ? strerror(errno) : "no free slot");
        close(conn);
        return;
    }
    uint64_t id = ++p->next_id;
    uint64_t t_fork = zclock_now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        logline(p, "event=peer_error id=%llu error=\"fork: %s\"", (unsigned long long)id,
                strerror(errno));
        close(conn);
        close(sv[0]);
        close(sv[1]);
        return;
    }
    if (pid == 0)
        child_exec(p, conn, sv[0], sv[1], id, peer_addr);
    close(conn);
    close(sv[1]);
    *c = (struct child){.pid = pid, .ctl = sv[0], .id = id, .t_accept = t_accept, .t_fork = t_fork};
    p->live++;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(c - p->children)};
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->ctl, &ev) < 0) {
        logline(p, "event=peer_error id=%llu error=\"epoll: %s\"", (unsigned long long)id,
                strerror(errno));
        close_ctl(p, c);
    }
    if (p->live >= p->max_children)
        arm_listener(p, false);
}

static void on_accept(struct peer *p)
{
    while (p->accepting && p->live < p->max_children) {
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        int conn = accept4(p->listen_fd, (struct sockaddr *)&from, &len, 0); /* blocking fd */
        if (conn < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                logline(p, "event=peer_error error=\"accept: %s\"", strerror(errno));
                arm_listener(p, false); /* back when a child is reaped */
            }
            return; /* EAGAIN and transient errors: the next readiness */
        }
        spawn(p, conn, &from, zclock_now_ns());
    }
}

static void on_control(struct peer *p, struct child *c)
{
    char msg[65];
    ssize_t n = recv(c->ctl, msg, sizeof msg - 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    uint64_t now = zclock_now_ns();
    if (n == 6 && memcmp(msg, "ready\n", 6) == 0) {
        c->ready = true;
        logline(p, "event=instance id=%llu state=ready boot_ms=%.3f", (unsigned long long)c->id,
                ms(now - c->t_fork));
    } else {
        logline(p, "event=instance id=%llu state=failed reason=%s", (unsigned long long)c->id,
                n == 0 ? "exit_before_ready" : "bad_readiness");
    }
    close_ctl(p, c);
}

static void reap(struct peer *p)
{
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        struct child *c = find_pid(p, pid);
        if (!c)
            continue;
        uint64_t now = zclock_now_ns();
        if (c->ctl >= 0) {
            on_control(p, c); /* a readiness line it wrote just before exiting */
            close_ctl(p, c);
        }
        char how[32];
        if (WIFEXITED(st))
            snprintf(how, sizeof how, "exit=%d", WEXITSTATUS(st));
        else
            snprintf(how, sizeof how, "signal=%d", WTERMSIG(st));
        logline(p, "event=instance id=%llu state=reaped cycle_ms=%.3f %s%s",
                (unsigned long long)c->id, ms(now - c->t_accept), how, c->ready ? "" : " ready=no");
        c->pid = 0;
        p->live--;
        if (p->live == 0)
            logline(p, "event=idle");
        if (p->accepting)
            arm_listener(p, true);
    }
}

static void stop_accepting(struct peer *p)
{
    if (!p->accepting)
        return;
    p->accepting = false;
    arm_listener(p, false);
    close(p->listen_fd);
    p->listen_fd = -1;
}

/* Returns false when a termination signal arrived. */
static bool on_signal(struct peer *p)
{
    struct signalfd_siginfo si;
    bool go_on = true;
    while (read(p->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
            go_on = false;
    }
    reap(p);
    return go_on;
}

static void dispatch(struct peer *p, const struct epoll_event *ev, bool *stop)
{
    if (ev->data.u64 == TAG_LISTEN)
        on_accept(p);
    else if (ev->data.u64 == TAG_SIGNAL) {
        if (!on_signal(p))
            *stop = true;
    } else if (ev->data.u64 < p->max_children) {
        struct child *c = &p->children[ev->data.u64];
        if (c->pid && c->ctl >= 0)
            on_control(p, c);
    }
}

static int setup(struct peer *p)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    p->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    p->children = calloc(p->max_children, sizeof *p->children);
    if (p->sigfd < 0 || p->epfd < 0 || p->listen_fd < 0 || !p->children)
        return -1;
    for (uint32_t i = 0; i < p->max_children; i++)
        p->children[i].ctl = -1;
    int one = 1;
    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(p->listen_fd, (struct sockaddr *)&p->addr, sizeof p->addr) < 0 ||
        listen(p->listen_fd, 4096) < 0)
        return -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_SIGNAL};
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->sigfd, &ev) < 0)
        return -1;
    p->accepting = true;
    arm_listener(p, true);
    if (!p->listen_armed)
        return -1;
    /* Descriptors: per live child one control socket, plus the connection while it forks. */
    struct rlimit rl;
    rlim_t need = (rlim_t)p->max_children + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
        rl.rlim_cur = need;
        if (rl.rlim_max < need)
            rl.rlim_max = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct peer p = {.listen_fd = -1, .epfd = -1, .sigfd = -1};
    p.t0 = zclock_now_ns();
    if (parse_options(&p, argc, argv) < 0)
        return 2;
    int status = 1;
    if (setup(&p) < 0) {
        fprintf(stderr, "zbench-inetd: cannot start on port %u: %s\n", ntohs(p.addr.sin_port),
                strerror(errno));
        goto out;
    }
    logline(&p, "event=listening port=%u guest=%s", ntohs(p.addr.sin_port), p.guest);

    uint64_t end = p.t0 + (uint64_t)p.lifetime_s * 1000000000ull;
    bool stop = false;
    while (!stop) {
        struct epoll_event evs[64];
        uint64_t now = zclock_now_ns();
        if (now >= end) {
            logline(&p, "event=lifetime_over seconds=%u", p.lifetime_s);
            break;
        }
        int left_ms = (int)((end - now) / 1000000u) + 1;
        int n = epoll_wait(p.epfd, evs, 64, left_ms < 1000 ? left_ms : 1000);
        if (n < 0 && errno != EINTR) {
            logline(&p, "event=peer_error error=\"epoll_wait: %s\"", strerror(errno));
            goto out;
        }
        for (int i = 0; i < n; i++)
            dispatch(&p, &evs[i], &stop);
    }

    /* Drain: no new connections; children get DRAIN_MS, then SIGKILL; all reaped. */
    stop_accepting(&p);
    uint64_t drain_end = zclock_now_ns() + (uint64_t)DRAIN_MS * 1000000u;
    bool killed = false;
    while (p.live > 0) {
        if (!killed && zclock_now_ns() >= drain_end) {
            for (uint32_t i = 0; i < p.max_children; i++)
                if (p.children[i].pid)
                    kill(p.children[i].pid, SIGKILL);
            killed = true;
        }
        struct epoll_event evs[64];
        int n = epoll_wait(p.epfd, evs, 64, 50);
        for (int i = 0; i < n; i++)
            dispatch(&p, &evs[i], &stop);
        reap(&p);
    }
    logline(&p, "event=stopped started=%llu killed=%s", (unsigned long long)p.next_id,
            killed ? "yes" : "no");
    status = 0;
out:
    if (p.children) {
        for (uint32_t i = 0; i < p.max_children; i++)
            if (p.children[i].pid)
                close_ctl(&p, &p.children[i]);
    }
    if (p.listen_fd >= 0)
        close(p.listen_fd);
    if (p.sigfd >= 0)
        close(p.sigfd);
    if (p.epfd >= 0)
        close(p.epfd);
    free(p.children);
    return status;
}
