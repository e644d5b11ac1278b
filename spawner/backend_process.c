/*
 * backend_process: the `process` backend of backend.h. An instance is a sandboxed child process
 * (sandbox.h) that honours the guest contract of docs/guest-contract.md.
 *
 * Read in the order an instance lives: create (descriptors, spawn, orphan record); the child's
 * report (exec'd or not); the parameters and prefix on the control socket; readiness; hand-off;
 * guest output into the log; the end (the pidfd becomes readable); destroy and release. Then
 * orphans, describe, and the backend's init and dispose.
 *
 * Every descriptor of an instance is non-blocking and watched by the caller's event loop; the
 * only blocking waits are in dispose() and destroy_orphan(), which run outside the loop.
 */
#include "backend.h"
#include "jsonw.h"
#include "sandbox.h"
#include "zclock.h"
#include "zlog.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_MESSAGE        "ready\n"
#define READY_MAX            64 /* the contract: the readiness message is at most 64 bytes */
#define CTL_CHUNK            (32 * 1024) /* prefix bytes per control message, well under SO_SNDBUF */
#define GUEST_LINE_MAX       1024        /* longer guest lines are logged in pieces */
#define GUEST_READS_PER_WAKE 16 /* bound the work one noisy guest gets per loop iteration */
#define ORPHAN_WAIT_MS       2000

struct process_instance;

/* One of the guest's output pipes (fd 1 or 2), cut into lines for the log. */
struct guest_stream {
    struct process_instance *pi;
    const char *name; /* "stdout" | "stderr" */
    int fd;
    struct event *ev;
    char line[GUEST_LINE_MAX];
    size_t len;
};

struct process_instance {
    LIST_ENTRY(process_instance) link;
    struct zs_backend *be;
    struct zs_instance *inst;
    uint64_t id;
    struct sandbox_child child; /* pid, pidfd, report_fd */

    /* the child's report */
    struct sandbox_report_reader reader;
    struct sandbox_report report;
    bool report_done;
    enum sandbox_verdict verdict;
    char verdict_detail[160];

    /* the control socket (fd 4): parameters and prefix out, readiness in */
    int ctl_fd;
    char params[512];
    size_t params_len;
    bool params_sent;
    const uint8_t *prefix; /* the spawner's copy, valid until released */
    size_t prefix_len, prefix_sent;

    int fwd_fd; /* forward hand-off: our end of the guest's fd 3, until handed over */
    struct guest_stream out, err;
    double tokens; /* log lines the guest may still write now (token bucket) */
    uint64_t tokens_ns;
    uint64_t dropped;

    struct event *pidfd_ev, *report_ev, *ctl_read_ev, *ctl_write_ev, *release_ev;
    bool ctl_started, ready, exit_reported, reaped, destroying, release_scheduled;
};

LIST_HEAD(process_list, process_instance);

struct zs_backend {
    struct zs_spawner *sp;
    const struct zerg_config *cfg;
    struct event_base *base;
    struct sandbox sb;
    int devnull;                      /* every guest's fd 0 */
    int warned[ZERG_SANDBOX_NPIECES]; /* errno of an optional refusal already warned of */
    struct process_list live;
};

static void report_cb(evutil_socket_t fd, short what, void *arg);
static void report_collect(struct process_instance *pi);
static void ctl_start(struct process_instance *pi);
static void ctl_read_cb(evutil_socket_t fd, short what, void *arg);
static void ctl_write_cb(evutil_socket_t fd, short what, void *arg);
static void stream_cb(evutil_socket_t fd, short what, void *arg);
static void pidfd_cb(evutil_socket_t fd, short what, void *arg);
static void release_cb(evutil_socket_t fd, short what, void *arg);
static void close_fd(int *fd);

static int pidfd_kill(int pidfd)
{
    return pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
}

/* Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat). */
static int proc_start_time(pid_t pid, unsigned long long *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: fields resume after the
     * last ')'. Field 3 is the first after it, so field 22 is the 20th. */
    const char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    for (int field = 3; field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (!p)
            return -1;
    }
    char *end;
    errno = 0;
    *out = strtoull(p + 1, &end, 10);
    return errno || end == p + 1 ? -1 : 0;
}

/* --- create --------------------------------------------------------------------------------- */

static bool text_is_one_line(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

static int build_params(struct process_instance *pi, const struct zs_create_args *args, char *err,
                        size_t errlen)
{
    if (!text_is_one_line(args->daemon_id) || !text_is_one_line(args->peer)) {
        snprintf(err, errlen, "daemon id or peer address holds a line break");
        return -1;
    }
    int n = snprintf(pi->params, sizeof pi->params,
                     "zerg=1\ninstance=%" PRIu64 "\ndaemon=%s\npeer=%s\nprefix_bytes=%zu\n",
                     args->id, args->daemon_id, args->peer, args->prefix_len);
    if (n < 0 || (size_t)n >= sizeof pi->params) {
        snprintf(err, errlen, "guest parameters do not fit in one message");
        return -1;
    }
    pi->params_len = (size_t)n;
    return 0;
}

static void instance_free(struct process_instance *pi)
{
    struct event *evs[] = {pi->pidfd_ev,   pi->report_ev, pi->ctl_read_ev, pi->ctl_write_ev,
                           pi->release_ev, pi->out.ev,    pi->err.ev};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i])
            event_free(evs[i]);
    close_fd(&pi->child.pidfd);
    close_fd(&pi->child.report_fd);
    close_fd(&pi->ctl_fd);
    close_fd(&pi->fwd_fd);
    close_fd(&pi->out.fd);
    close_fd(&pi->err.fd);
    free(pi);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* A child that was started but cannot be tracked: kill and reap it here (failure path). */
static void kill_and_reap_now(struct process_instance *pi)
{
    if (pi->child.pidfd < 0 || pi->reaped)
        return;
    pidfd_kill(pi->child.pidfd);
    kill(-pi->child.pid, SIGKILL);
    siginfo_t si;
    while (waitid((idtype_t)P_PIDFD, (id_t)pi->child.pidfd, &si, WEXITED) < 0 && errno == EINTR)
        ;
    pi->reaped = true;
}

static int process_create(struct zs_backend *be, struct zs_instance *inst,
                          const struct zs_create_args *args, void **priv, char *err, size_t errlen)
{
    int ctl[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, fwd[2] = {-1, -1};
    struct process_instance *pi = calloc(1, sizeof *pi);
    if (!pi) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pi->be = be;
    pi->inst = inst;
    pi->id = args->id;
    pi->child.pid = -1;
    pi->child.pidfd = pi->child.report_fd = -1;
    pi->ctl_fd = pi->fwd_fd = pi->out.fd = pi->err.fd = -1;
    pi->prefix = args->prefix;
    pi->prefix_len = args->prefix_len;
    pi->tokens = be->cfg->guest.log_burst;
    pi->tokens_ns = zclock_now_ns();
    sandbox_report_reader_init(&pi->reader);
    if (build_params(pi, args, err, errlen) < 0)
        goto fail;

    bool forward = be->cfg->proxy.handoff == ZERG_HANDOFF_FORWARD;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0 ||
        pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        (forward && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd) < 0)) {
        snprintf(err, errlen, "descriptors for the guest: %s", strerror(errno));
        goto fail;
    }
    int fds[SANDBOX_CONTRACT_FDS] = {be->devnull, out[1], errp[1],
                                     forward ? fwd[1] : args->client_fd, ctl[1]};
    if (fds[3] < 0) {
        snprintf(err, errlen, "no client descriptor to hand to the guest");
        goto fail;
    }
    if (sandbox_spawn(&be->sb, args->slot, fds, &pi->child, err, errlen) < 0)
        goto fail;
    /* The child holds its ends now; ours must not keep them open (EOF depends on it). */
    close_fd(&out[1]);
    close_fd(&errp[1]);
    close_fd(&ctl[1]);
    close_fd(&fwd[1]);
    pi->ctl_fd = ctl[0];
    pi->out.fd = out[0];
    pi->err.fd = errp[0];
    pi->fwd_fd = fwd[0];
    ctl[0] = out[0] = errp[0] = fwd[0] = -1;
    pi->out.pi = pi->err.pi = pi;
    pi->out.name = "stdout";
    pi->err.name = "stderr";

    struct event_base *base = be->base;
    pi->pidfd_ev = event_new(base, pi->child.pidfd, EV_READ, pidfd_cb, pi);
    pi->report_ev = event_new(base, pi->child.report_fd, EV_READ | EV_PERSIST, report_cb, pi);
    pi->ctl_read_ev = event_new(base, pi->ctl_fd, EV_READ | EV_PERSIST, ctl_read_cb, pi);
    pi->ctl_write_ev = event_new(base, pi->ctl_fd, EV_WRITE, ctl_write_cb, pi);
    pi->out.ev = event_new(base, pi->out.fd, EV_READ | EV_PERSIST, stream_cb, &pi->out);
    pi->err.ev = event_new(base, pi->err.fd, EV_READ | EV_PERSIST, stream_cb, &pi->err);
    pi->release_ev = event_new(base, -1, 0, release_cb, pi);
    if (!pi->pidfd_ev || !pi->report_ev || !pi->ctl_read_ev || !pi->ctl_write_ev || !pi->out.ev ||
        !pi->err.ev || !pi->release_ev || evutil_make_socket_nonblocking(pi->ctl_fd) < 0 ||
        evutil_make_socket_nonblocking(pi->out.fd) < 0 ||
        evutil_make_socket_nonblocking(pi->err.fd) < 0 ||
        (pi->fwd_fd >= 0 && evutil_make_socket_nonblocking(pi->fwd_fd) < 0) ||
        event_add(pi->pidfd_ev, NULL) < 0 || event_add(pi->out.ev, NULL) < 0 ||
        event_add(pi->err.ev, NULL) < 0) {
        snprintf(err, errlen, "cannot watch the guest's descriptors");
        kill_and_reap_now(pi);
        goto fail;
    }

    unsigned long long start;
    char record[64];
    if (proc_start_time(pi->child.pid, &start) == 0) {
        snprintf(record, sizeof record, "pid=%d start=%llu", (int)pi->child.pid, start);
        zs_backend_record(inst, record);
    } else {
        zlog_msg(ZLOG_WARN, "backend", "instance %" PRIu64 ": no start time for pid %d: %s", pi->id,
                 (int)pi->child.pid, strerror(errno));
    }
    LIST_INSERT_HEAD(&be->live, pi, link);
    *priv = pi;
    /* sandbox_spawn returns once the child has exec'd or ended (CLONE_VFORK): the report is
     * normally complete now, and an exec'd guest gets its parameters without waiting for a turn
     * of the loop (it is already blocked reading them). Else the loop finishes the job. */
    report_collect(pi);
    if (!pi->report_done)
        event_add(pi->report_ev, NULL);
    else if (pi->verdict == SANDBOX_EXECED)
        ctl_start(pi);
    return 0;

fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&ctl[i]);
        close_fd(&out[i]);
        close_fd(&errp[i]);
        close_fd(&fwd[i]);
    }
    instance_free(pi);
    return -1;
}

/* --- the child's report --------------------------------------------------------------------- */

static const char *policy_name(enum zerg_piece_policy p)
{
    return p == ZERG_PIECE_REQUIRED ? "required" : p == ZERG_PIECE_OPTIONAL ? "optional" : "off";
}

/* Reads what is there of the report; when complete, judges it and logs every refusal. */
static void report_collect(struct process_instance *pi)
{
    if (pi->report_done)
        return;
    int r = sandbox_report_read(&pi->reader, pi->child.report_fd);
    if (r == 0)
        return;
    pi->report_done = true;
    event_del(pi->report_ev);
    close_fd(&pi->child.report_fd);
    pi->verdict = sandbox_report_verdict(&pi->reader, &pi->report, pi->verdict_detail,
                                         sizeof pi->verdict_detail);
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++) {
        if (pi->report.outcome[p] != SANDBOX_PIECE_REFUSED)
            continue;
        enum zerg_piece_policy pol = pi->be->sb.policy[p];
        /* A required refusal fails the instance: always an error. An optional one is the same
         * for every instance (a kernel or privilege matter): a warning the first time, then
         * debug lines; /instances shows it for each instance. */
        enum zlog_level level = ZLOG_ERROR;
        if (pol != ZERG_PIECE_REQUIRED) {
            level = pi->be->warned[p] == pi->report.error[p] ? ZLOG_DEBUG : ZLOG_WARN;
            pi->be->warned[p] = pi->report.error[p];
        }
        if (!zlog_enabled(level))
            continue;
        struct zlog_line l;
        zlog_begin(&l, level, "sandbox");
        zlog_kv_u64(&l, "id", pi->id);
        zlog_kv_str(&l, "piece", sandbox_piece_name((enum zerg_sandbox_piece)p));
        zlog_kv_str(&l, "policy", policy_name(pol));
        zlog_kv_str(&l, "outcome", "refused");
        zlog_kv_str(&l, "error", strerror(pi->report.error[p]));
        zlog_end(&l);
    }
}

static void ctl_send(struct process_instance *pi);

static void report_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct process_instance *pi = arg;
    report_collect(pi);
    if (pi->report_done && pi->verdict == SANDBOX_EXECED && !pi->destroying)
        ctl_start(pi);
}

/* The guest runs: it gets its parameters and prefix, and we listen for readiness. A child that
 * stopped before exec is left to pidfd_cb, which says why. */
static void ctl_start(struct process_instance *pi)
{
    if (pi->ctl_started)
        return;
    pi->ctl_started = true;
    ctl_send(pi);
    event_add(pi->ctl_read_ev, NULL);
}

/* --- parameters and prefix ------------------------------------------------------------------ */

static void ctl_send(struct process_instance *pi)
{
    while (!pi->params_sent || pi->prefix_sent < pi->prefix_len) {
        const void *p;
        size_t n;
        if (!pi->params_sent) {
            p = pi->params;
            n = pi->params_len;
        } else {
            p = pi->prefix + pi->prefix_sent;
            n = pi->prefix_len - pi->prefix_sent;
            if (n > CTL_CHUNK)
                n = CTL_CHUNK;
        }
        ssize_t r = send(pi->ctl_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            event_add(pi->ctl_write_ev, NULL); /* the guest has not read yet */
            return;
        }
        if (r < 0)
            return; /* the guest is gone or closed fd 4: its end comes through the pidfd */
        if (!pi->params_sent)
            pi->params_sent = true;
        else
            pi->prefix_sent += (size_t)r;
    }
}

static void ctl_write_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_send(arg);
}

/* --- readiness and hand-off ----------------------------------------------------------------- */

/* Kills the child now; its end is still collected (and released) through the pidfd. */
static void kill_child(struct process_instance *pi)
{
    if (pi->reaped)
        return;
    pidfd_kill(pi->child.pidfd);
    /* Its process group, in case it is not alone: only it can have made a group with its pid,
     * and it is not reaped, so the number cannot belong to anyone else. */
    kill(-pi->child.pid, SIGKILL);
}

static void ctl_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct process_instance *pi = arg;
    char msg[READY_MAX + 1];
    /* MSG_TRUNC: the real length of a longer message, so it cannot pass as "ready\n". */
    ssize_t n = recv(fd, msg, sizeof msg, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    event_del(pi->ctl_read_ev);
    if (n <= 0)
        return; /* closed before ready: the exit (or the boot deadline) tells the rest */
    if ((size_t)n == strlen(READY_MESSAGE) && memcmp(msg, READY_MESSAGE, (size_t)n) == 0) {
        pi->ready = true;
        zs_backend_ready(pi->inst); /* may call handoff() and destroy() before it returns */
        return;
    }
    char detail[96];
    size_t shown = (size_t)n < sizeof msg ? (size_t)n : sizeof msg;
    for (size_t i = 0; i < shown; i++)
        if (msg[i] < ' ' || msg[i] > '~')
            msg[i] = '?';
    snprintf(detail, sizeof detail, "readiness message of %zd bytes: \"%.*s\"", n,
             (int)(shown > 24 ? 24 : shown), msg);
    kill_child(pi);
    pi->exit_reported = true;
    zs_backend_exited(pi->inst, 0, ZERG_ERR_BAD_READINESS, detail);
}

static int process_handoff(struct zs_backend *be, struct zs_instance *inst, void *priv,
                           struct bufferevent **forward)
{
    (void)inst;
    struct process_instance *pi = priv;
    *forward = NULL;
    if (be->cfg->proxy.handoff != ZERG_HANDOFF_FORWARD)
        return 0; /* the guest already holds the client socket as its fd 3 */
    if (pi->fwd_fd < 0)
        return -1;
    struct bufferevent *bev = bufferevent_socket_new(be->base, pi->fwd_fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        return -1;
    pi->fwd_fd = -1; /* the caller's now */
    *forward = bev;
    return 0;
}

/* --- guest output into the log -------------------------------------------------------------- */

/* Token bucket: guest.log_lines_per_second, at most guest.log_burst at once. */
static bool log_token(struct process_instance *pi)
{
    const struct zerg_config *cfg = pi->be->cfg;
    uint64_t now = zclock_now_ns();
    pi->tokens += (double)(now - pi->tokens_ns) * cfg->guest.log_lines_per_second / 1e9;
    if (pi->tokens > cfg->guest.log_burst)
        pi->tokens = cfg->guest.log_burst;
    pi->tokens_ns = now;
    if (pi->tokens < 1.0)
        return false;
    pi->tokens -= 1.0;
    return true;
}

static void stream_emit(struct guest_stream *s)
{
    struct process_instance *pi = s->pi;
    if (!log_token(pi)) {
        pi->dropped++;
    } else {
        struct zlog_line l;
        zlog_begin(&l, ZLOG_INFO, "guest");
        zlog_kv_u64(&l, "id", pi->id);
        zlog_kv_str(&l, "stream", s->name);
        zlog_kv_strn(&l, "line", s->line, s->len);
        zlog_end(&l);
    }
    s->len = 0;
}

/* Reads what the guest wrote; returns false at end of file (the stream is then closed). */
static bool stream_read(struct guest_stream *s)
{
    for (int i = 0; i < GUEST_READS_PER_WAKE; i++) {
        char buf[4096];
        ssize_t n = read(s->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0) {
            if (s->len > 0)
                stream_emit(s); /* a last line without its newline */
            event_del(s->ev);
            close_fd(&s->fd);
            return false;
        }
        for (ssize_t k = 0; k < n; k++) {
            if (buf[k] == '\n') {
                stream_emit(s);
                continue;
            }
            s->line[s->len++] = buf[k];
            if (s->len == sizeof s->line)
                stream_emit(s);
        }
    }
    return true;
}

static void stream_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    stream_read(arg);
}

/* After the guest is gone: what is left in the pipes, then close them. */
static void stream_drain(struct guest_stream *s)
{
    while (s->fd >= 0 && stream_read(s))
        if (s->fd >= 0) {
            struct pollfd p = {.fd = s->fd, .events = POLLIN};
            if (poll(&p, 1, 0) <= 0)
                break; /* nothing more now; the writer is dead, so nothing more ever */
        }
    if (s->len > 0)
        stream_emit(s);
    if (s->ev)
        event_del(s->ev);
    close_fd(&s->fd);
}

/* --- the end -------------------------------------------------------------------------------- */

static void describe_exit(const siginfo_t *si, char *buf, size_t len)
{
    if (si->si_code == CLD_EXITED) {
        snprintf(buf, len, "exit %d", si->si_status);
    } else {
        const char *abbrev = sigabbrev_np(si->si_status);
        snprintf(buf, len, "signal %d (SIG%s)%s", si->si_status, abbrev ? abbrev : "?",
                 si->si_code == CLD_DUMPED ? " core dumped" : "");
    }
}

static void maybe_release(struct process_instance *pi);

static void pidfd_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct process_instance *pi = arg;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG);
    if (r == 0 && si.si_pid == 0) {
        event_add(pi->pidfd_ev, NULL); /* not yet: readable early, wait again */
        return;
    }
    pi->reaped = true;
    char status[64];
    if (r < 0)
        snprintf(status, sizeof status, "waitid: %s", strerror(errno));
    else
        describe_exit(&si, status, sizeof status);
    close_fd(&pi->child.pidfd);

    /* The child is gone: its report and output are complete. A readiness message it sent
     * before exiting may still be unread when both fds turn readable in one loop turn: take it
     * first, or a guest that served and exited would count as a boot failure. */
    report_collect(pi);
    if (!pi->ready && !pi->exit_reported && pi->ctl_read_ev &&
        event_pending(pi->ctl_read_ev, EV_READ, NULL))
        ctl_read_cb(pi->ctl_fd, EV_READ, pi);
    stream_drain(&pi->out);
    stream_drain(&pi->err);

    if (!pi->exit_reported) {
        pi->exit_reported = true;
        bool clean = r == 0 && si.si_code == CLD_EXITED && si.si_status == 0;
        enum zerg_error_kind kind = ZERG_ERR_BOOT_EXIT;
        char detail[256];
        snprintf(detail, sizeof detail, "%s", status);
        if (!pi->ready) {
            switch (pi->report_done ? pi->verdict : SANDBOX_NO_REPORT) {
            case SANDBOX_EXECED:
                break;
            case SANDBOX_REFUSED:
                kind = ZERG_ERR_SANDBOX_REFUSED;
                snprintf(detail, sizeof detail, "%s", pi->verdict_detail);
                break;
            default:
                kind = ZERG_ERR_SPAWN_FAILED;
                snprintf(detail, sizeof detail, "%s (%s)",
                         pi->report_done ? pi->verdict_detail : "no report from the child", status);
                break;
            }
        }
        zs_backend_exited(pi->inst, clean, kind, detail); /* may call destroy() */
    }
    maybe_release(pi);
}

/* --- destroy and release -------------------------------------------------------------------- */

static void process_destroy(struct zs_backend *be, struct zs_instance *inst, void *priv)
{
    (void)be;
    (void)inst;
    struct process_instance *pi = priv;
    if (pi->destroying)
        return;
    pi->destroying = true;
    kill_child(pi);
    maybe_release(pi); /* at once if already reaped, else when pidfd_cb has reaped it */
}

/* Once destroyed and reaped: close everything, then tell the spawner from the loop. */
static void maybe_release(struct process_instance *pi)
{
    if (!pi->destroying || !pi->reaped || pi->release_scheduled)
        return;
    pi->release_scheduled = true;
    event_del(pi->ctl_read_ev);
    event_del(pi->ctl_write_ev);
    event_del(pi->report_ev);
    close_fd(&pi->child.report_fd);
    close_fd(&pi->ctl_fd);
    close_fd(&pi->fwd_fd);
    stream_drain(&pi->out);
    stream_drain(&pi->err);
    event_active(pi->release_ev, 0, 0);
}

static void release_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct process_instance *pi = arg;
    struct zs_instance *inst = pi->inst;
    if (pi->dropped > 0) {
        struct zlog_line l;
        zlog_begin(&l, ZLOG_WARN, "guest");
        zlog_kv_u64(&l, "id", pi->id);
        zlog_kv_u64(&l, "dropped_lines", pi->dropped);
        zlog_kv_str(&l, "reason", "guest.log_lines_per_second");
        zlog_end(&l);
        zs_backend_count_error(inst, ZERG_ERR_GUEST_LOG_DROPPED, pi->dropped);
    }
    LIST_REMOVE(pi, link);
    instance_free(pi);
    zs_backend_released(inst);
}

/* --- orphans -------------------------------------------------------------------------------- */

static int process_destroy_orphan(struct zs_backend *be, const char *record)
{
    (void)be;
    int pid = 0, used = 0;
    unsigned long long start = 0, now_start = 0;
    if (sscanf(record, "pid=%d start=%llu%n", &pid, &start, &used) != 2 ||
        (size_t)used != strlen(record) || pid <= 1) {
        zlog_msg(ZLOG_ERROR, "orphan", "malformed process record \"%s\"", record);
        return -1;
    }
    /* Only that process: same pid and same start time, checked again once pinned by a pidfd
     * so that a pid reused in between cannot be hit. */
    if (proc_start_time(pid, &now_start) < 0 || now_start != start)
        return 0;
    int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0)
        return errno == ESRCH ? 0 : -1;
    int rc = 0;
    if (proc_start_time(pid, &now_start) == 0 && now_start == start) {
        /* The process only, through the pidfd: a process-group kill goes by number, and the
         * number could be reused once the process is gone. Nothing of the guest outlives it
         * anyway: it cannot fork, and with pidns it is the namespace's pid 1. */
        pidfd_kill(pidfd);
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        rc = poll(&p, 1, ORPHAN_WAIT_MS) > 0 ? 1 : -1;
    }
    close(pidfd);
    return rc;
}

/* --- describe ------------------------------------------------------------------------------- */

static void process_describe(struct zs_backend *be, struct zs_instance *inst, void *priv,
                             struct jsonw *w)
{
    (void)inst;
    struct process_instance *pi = priv;
    jsonw_object_begin(w);
    jsonw_kv_i64(w, "pid", pi->child.pid);
    if (pi->report_done) /* the guest's uid: its own if the uid piece held, else ours */
        jsonw_kv_u64(w, "uid",
                     pi->report.outcome[ZERG_SANDBOX_UID] == SANDBOX_PIECE_ON ? pi->child.uid
                                                                              : getuid());
    jsonw_kv_str(w, "start", !pi->report_done ? "pending" : pi->verdict_detail);
    jsonw_kv_str(w, "profile", be->cfg->guest.profile);
    jsonw_key(w, "sandbox");
    jsonw_object_begin(w);
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++) {
        char text[96];
        const char *name = sandbox_piece_name((enum zerg_sandbox_piece)p);
        jsonw_kv_str(w, name,
                     pi->report_done ? sandbox_outcome_text(&pi->report, (enum zerg_sandbox_piece)p,
                                                            text, sizeof text)
                                     : "pending");
    }
    jsonw_object_end(w);
    jsonw_kv_u64(w, "log_lines_dropped", pi->dropped);
    jsonw_object_end(w);
}

/* --- the backend ---------------------------------------------------------------------------- */

static void process_dispose(struct zs_backend *be);

static int process_init(struct zs_backend **out, struct zs_spawner *sp,
                        const struct zerg_config *cfg, struct event_base *base, char *err,
                        size_t errlen)
{
    *out = NULL;
    struct zs_backend *be = calloc(1, sizeof *be);
    if (!be) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    be->sp = sp;
    be->cfg = cfg;
    be->base = base;
    LIST_INIT(&be->live);
    be->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (be->devnull < 0) {
        snprintf(err, errlen, "/dev/null: %s", strerror(errno));
        free(be);
        return -1;
    }
    if (sandbox_init(&be->sb, cfg, err, errlen) < 0) {
        close(be->devnull);
        free(be);
        return -1;
    }
    struct zlog_line l;
    zlog_begin(&l, ZLOG_INFO, "backend");
    zlog_kv_str(&l, "name", "process");
    zlog_kv_str(&l, "guest", be->sb.path);
    zlog_kv_str(&l, "profile", cfg->guest.profile);
    zlog_kv_str(&l, "netns", cfg->sandbox.netns == ZERG_NETNS_SHARED ? "shared" : "per-instance");
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        zlog_kv_str(&l, sandbox_piece_name((enum zerg_sandbox_piece)p),
                    policy_name(be->sb.policy[p]));
    zlog_end(&l);
    if (be->sb.netns_fd < 0 && be->sb.netns_errno)
        zlog_msg(ZLOG_WARN, "sandbox",
                 "no shared empty network namespace (%s): the optional "
                 "netns piece is refused for every instance",
                 strerror(be->sb.netns_errno));
    *out = be;
    return 0;
}

/* Synchronous: kill and reap every child left, free everything, tell nobody. */
static void process_dispose(struct zs_backend *be)
{
    if (!be)
        return;
    while (!LIST_EMPTY(&be->live)) {
        struct process_instance *pi = LIST_FIRST(&be->live);
        LIST_REMOVE(pi, link);
        kill_and_reap_now(pi);
        instance_free(pi);
    }
    sandbox_dispose(&be->sb);
    close_fd(&be->devnull);
    free(be);
}

const struct zs_backend_ops zs_backend_process = {
    .name = "process",
    .handoffs = (1u << ZERG_HANDOFF_FD) | (1u << ZERG_HANDOFF_FORWARD),
    .init = process_init,
    .destroy_orphan = process_destroy_orphan,
    .create = process_create,
    .handoff = process_handoff,
    .destroy = process_destroy,
    .describe = process_describe,
    .dispose = process_dispose,
};
