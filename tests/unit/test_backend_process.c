/*
 * Unit tests of spawner/backend_process.c (suite "backend_process") through the public spawner
 * API: a real event_base, the fixture guest, the caller's ready/ended callbacks, as the proxy
 * uses them. The "client connection" is one end of a socketpair; the test holds the other.
 * Needs root (the sandbox's namespaces and setuid); without it every case is skipped by name.
 */
#include "unit.h"

#include "backend.h"
#include "sandbox.h"
#include "spawner.h"
#include "tests/fixtures/fixture_config.h"
#include "zclock.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOOP_LIMIT_MS 5000

static struct zerg_config cfg;
static struct fixture_config_store store;

/* One request as the proxy would make it, and what came back. */
struct call {
    struct zs_spawner *sp;
    struct event_base *base;
    int client;      /* the guest's side in fd hand-off (given to the spawner) */
    int client_peer; /* the test's side: reads the response */
    struct zs_instance *inst;
    bool ready, ended, forward_eof;
    struct bufferevent *forward;
    struct evbuffer *forwarded; /* forward mode: what the guest sent back */
    const char *forward_send;   /* forward mode: bytes to send once ready (the rest of a body) */
    enum zs_outcome outcome;
    enum zerg_error_kind kind;
    char instances_json[8192]; /* /instances as seen once ready */
};

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;
}

static void forward_read_cb(struct bufferevent *bev, void *arg)
{
    struct call *c = arg;
    evbuffer_add_buffer(c->forwarded, bufferevent_get_input(bev));
}

static void forward_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct call *c = arg;
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        c->forward_eof = true;
}

static void on_ready(void *user, struct zs_instance *inst, struct bufferevent *forward)
{
    struct call *c = user;
    CU_ASSERT_PTR_EQUAL(inst, c->inst);
    c->ready = true;
    c->forward = forward;
    struct evbuffer *out = evbuffer_new();
    zs_spawner_write_instances(c->sp, out);
    size_t n = evbuffer_get_length(out);
    if (n >= sizeof c->instances_json)
        n = sizeof c->instances_json - 1;
    evbuffer_remove(out, c->instances_json, n);
    c->instances_json[n] = '\0';
    evbuffer_free(out);
    if (forward) {
        bufferevent_setcb(forward, forward_read_cb, NULL, forward_event_cb, c);
        bufferevent_enable(forward, EV_READ | EV_WRITE);
        if (c->forward_send)
            bufferevent_write(forward, c->forward_send, strlen(c->forward_send));
    }
}

static void on_ended(void *user, struct zs_instance *inst, enum zs_outcome outcome,
                     enum zerg_error_kind kind)
{
    struct call *c = user;
    CU_ASSERT_PTR_EQUAL(inst, c->inst);
    c->ended = true;
    c->outcome = outcome;
    c->kind = kind;
}

static const struct zs_client_ops client_ops = {.ready = on_ready, .ended = on_ended};

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct call *c = arg;
    /* Done when the caller heard the end, the forward stream is finished and all is reaped. */
    if (c->ended && (!c->forward || c->forward_eof) && zs_spawner_live(c->sp) == 0)
        event_base_loopbreak(c->base);
}

/* Runs the loop until the call is over (or LOOP_LIMIT_MS); returns 0 if it finished. */
static int run_until_done(struct call *c)
{
    struct event *tick = event_new(c->base, -1, EV_PERSIST, tick_cb, c);
    struct timeval every = {0, 5000}, limit = zclock_ms_to_tv(LOOP_LIMIT_MS);
    event_add(tick, &every);
    event_base_loopexit(c->base, &limit);
    event_base_dispatch(c->base);
    event_free(tick);
    int done = c->ended && zs_spawner_live(c->sp) == 0;
    if (!done)
        fprintf(stderr, "call not finished: ended %d live %zu\n", c->ended, zs_spawner_live(c->sp));
    return done ? 0 : -1;
}

static struct zs_spawner *spawner_start(struct event_base *base)
{
    char err[512];
    struct zs_spawner *sp =
        zs_spawner_new_with_backend(&cfg, base, &zs_backend_process, err, sizeof err);
    if (!sp)
        fprintf(stderr, "zs_spawner_new: %s\n", err);
    return sp;
}

/* Asks for an instance for a connection whose first bytes were `prefix`, and runs it to its
 * end. In forward mode, `forward_send` is written to the instance once it is ready. */
static int call_start(struct call *c, struct zs_spawner *sp, struct event_base *base,
                      const char *prefix, const char *forward_send)
{
    memset(c, 0, sizeof *c);
    c->sp = sp;
    c->base = base;
    c->forwarded = evbuffer_new();
    c->forward_send = forward_send;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return -1;
    c->client = pair[0];
    c->client_peer = pair[1];
    struct zs_request req;
    memset(&req, 0, sizeof req);
    req.client_fd = c->client;
    struct sockaddr_in *sin = (struct sockaddr_in *)&req.peer;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(4242);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    req.peer_len = sizeof *sin;
    req.prefix = (const uint8_t *)prefix;
    req.prefix_len = strlen(prefix);
    req.ops = &client_ops;
    req.user = c;
    int rc = zs_spawner_request(sp, &req, &c->inst);
    CU_ASSERT_EQUAL(rc, ZS_REQ_OK);
    if (rc != ZS_REQ_OK)
        return -1;
    return run_until_done(c);
}

/* A GET of `path`, run to its end. */
static int call_run(struct call *c, struct zs_spawner *sp, struct event_base *base,
                    const char *path)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    return call_start(c, sp, base, prefix, NULL);
}

/* The response the guest wrote to the client connection (fd hand-off). */
static size_t call_response(struct call *c, char *buf, size_t len)
{
    close(c->client); /* the guest is gone; our copy was the caller's */
    c->client = -1;
    size_t used = 0;
    for (;;) {
        ssize_t n = read(c->client_peer, buf + used, len - 1 - used);
        if (n <= 0 || used + (size_t)n >= len - 1) {
            used += n > 0 ? (size_t)n : 0;
            break;
        }
        used += (size_t)n;
    }
    buf[used] = '\0';
    return used;
}

static void call_dispose(struct call *c)
{
    if (c->client >= 0)
        close(c->client);
    close(c->client_peer);
    if (c->forward)
        bufferevent_free(c->forward);
    evbuffer_free(c->forwarded);
}

/* The value of zerg_errors_total{kind="KIND"} in the metrics. */
static long error_metric(struct zs_spawner *sp, const char *kind)
{
    struct evbuffer *out = evbuffer_new();
    zs_spawner_write_metrics(sp, out);
    evbuffer_add(out, "", 1);
    const char *text = (const char *)evbuffer_pullup(out, -1);
    char key[128];
    snprintf(key, sizeof key, "zerg_errors_total{kind=\"%s\"} ", kind);
    const char *p = strstr(text, key);
    long v = p ? strtol(p + strlen(key), NULL, 10) : -1;
    evbuffer_free(out);
    return v;
}

static int setup(struct event_base **base)
{
    if (fixture_config_fill(&cfg, &store) < 0) {
        CU_FAIL("zerg-fixture-guest not found next to the test program (build it: make)");
        return -1;
    }
    *base = event_base_new();
    return *base ? 0 : -1;
}

static int no_child_left(void)
{
    siginfo_t si;
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD;
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_ready_and_served(void)
{
    int fds_before = count_fds();
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    struct zs_spawner *sp = spawner_start(base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    struct call c;
    CU_ASSERT_EQUAL(call_run(&c, sp, base, "/hello"), 0);
    CU_ASSERT_TRUE(c.ready);
    CU_ASSERT_PTR_NULL(c.forward);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_EXITED);
    char resp[4096], want[64];
    call_response(&c, resp, sizeof resp);
    CU_ASSERT_EQUAL(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "Connection: close\r\n"));
    /* The instance's id, from the parameters, in the header the contract asks for. */
    CU_ASSERT_PTR_NOT_NULL(strstr(c.instances_json, "\"id\":1,"));
    snprintf(want, sizeof want, "X-Zerg-Instance: %d\r\n", 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, want));
    /* /instances while it served: every piece on, the uid of slot 0. */
    snprintf(want, sizeof want, "\"uid\":%u,", fixture_uid_base());
    CU_ASSERT_PTR_NOT_NULL(strstr(c.instances_json, want));
    static const char *const pieces[] = {"session", "pdeathsig", "close_fds",    "pidns",
                                         "mountns", "ipcns",     "utsns",        "netns",
                                         "rlimits", "uid",       "no_new_privs", "seccomp"};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        char piece[64];
        snprintf(piece, sizeof piece, "\"%s\":\"on\"", pieces[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(c.instances_json, piece));
    }
    call_dispose(&c);
    zs_spawner_free(sp);
    event_base_free(base);
    CU_ASSERT_EQUAL(count_fds(), fds_before);
    CU_ASSERT_TRUE(no_child_left());
}

/* Failures before ready: each ends with 502 (bad gateway) and its own kind. */
static void expect_boot_failure(struct zs_spawner *sp, struct event_base *base, const char *path,
                                enum zerg_error_kind kind)
{
    struct call c;
    CU_ASSERT_EQUAL(call_run(&c, sp, base, path), 0);
    CU_ASSERT_FALSE(c.ready);
    CU_ASSERT_TRUE(c.ended);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_BAD_GATEWAY);
    CU_ASSERT_EQUAL(c.kind, kind);
    if (c.kind != kind)
        fprintf(stderr, "%s: kind %s, wanted %s\n", path, zerg_error_label(c.kind),
                zerg_error_label(kind));
    char resp[256];
    CU_ASSERT_EQUAL(call_response(&c, resp, sizeof resp), 0); /* the guest wrote nothing */
    call_dispose(&c);
}

static void test_boot_failures(void)
{
    int fds_before = count_fds();
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    /* Long enough for a loaded machine to start the failing guests, short for the test. */
    cfg.limits.boot_timeout_ms = 1500;
    struct zs_spawner *sp = spawner_start(base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    expect_boot_failure(sp, base, "/__fixture/exit-before-ready", ZERG_ERR_BOOT_EXIT);
    expect_boot_failure(sp, base, "/__fixture/never-ready", ZERG_ERR_BOOT_TIMEOUT);
    expect_boot_failure(sp, base, "/__fixture/bad-ready", ZERG_ERR_BAD_READINESS);
    CU_ASSERT_EQUAL(error_metric(sp, "boot_exit"), 1);
    CU_ASSERT_EQUAL(error_metric(sp, "boot_timeout"), 1);
    CU_ASSERT_EQUAL(error_metric(sp, "bad_readiness"), 1);
    zs_spawner_free(sp);
    event_base_free(base);
    CU_ASSERT_EQUAL(count_fds(), fds_before);
    CU_ASSERT_TRUE(no_child_left());
}

static void test_crash_after_ready(void)
{
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    struct zs_spawner *sp = spawner_start(base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    struct call c;
    CU_ASSERT_EQUAL(call_run(&c, sp, base, "/__fixture/crash"), 0);
    CU_ASSERT_TRUE(c.ready);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_CRASHED);
    CU_ASSERT_EQUAL(c.kind, ZERG_ERR_GUEST_CRASH);
    char resp[256];
    CU_ASSERT_EQUAL(call_response(&c, resp, sizeof resp), 0);
    /* A forbidden call after ready is a crash too (SIGSYS). */
    call_dispose(&c);
    CU_ASSERT_EQUAL(call_run(&c, sp, base, "/__fixture/forbidden/socket"), 0);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_CRASHED);
    CU_ASSERT_EQUAL(call_response(&c, resp, sizeof resp), 0);
    call_dispose(&c);
    CU_ASSERT_EQUAL(error_metric(sp, "guest_crash"), 2);
    zs_spawner_free(sp);
    event_base_free(base);
    CU_ASSERT_TRUE(no_child_left());
}

/* Forward hand-off: the guest's fd 3 is a socketpair; half the body is in the prefix, the
 * other half goes through the forward stream; the echo proves nothing was lost either way. */
static void test_forward_handoff(void)
{
    int fds_before = count_fds();
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    cfg.proxy.handoff = ZERG_HANDOFF_FORWARD;
    struct zs_spawner *sp = spawner_start(base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    static const char second_half[] = "-second-half";
    char prefix[256];
    snprintf(prefix, sizeof prefix,
             "POST /__fixture/echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\nfirst-half",
             strlen("first-half") + strlen(second_half));
    struct call c;
    CU_ASSERT_EQUAL(call_start(&c, sp, base, prefix, second_half), 0);
    CU_ASSERT_TRUE(c.ready);
    CU_ASSERT_PTR_NOT_NULL(c.forward);
    CU_ASSERT_TRUE(c.forward_eof);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_EXITED);
    evbuffer_add(c.forwarded, "", 1);
    const char *resp = (const char *)evbuffer_pullup(c.forwarded, -1);
    CU_ASSERT_EQUAL(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), 0);
    /* The echo: the request head and the whole body, both halves, in order. */
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\n\r\nPOST /__fixture/echo HTTP/1.1\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\n\r\nfirst-half-second-half"));
    /* In forward mode the client socket itself never reached the guest: nothing on it. */
    char buf[16];
    CU_ASSERT_EQUAL(recv(c.client_peer, buf, sizeof buf, MSG_DONTWAIT), -1);
    call_dispose(&c);
    zs_spawner_free(sp);
    event_base_free(base);
    CU_ASSERT_EQUAL(count_fds(), fds_before);
    CU_ASSERT_TRUE(no_child_left());
}

/* A required piece refused: 502 with kind sandbox_refused, and the guest never ran. */
static void test_sandbox_refused(void)
{
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    struct zs_spawner *sp = spawner_start(base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    sandbox_test_force_refusal(ZERG_SANDBOX_UID, EPERM);
    expect_boot_failure(sp, base, "/", ZERG_ERR_SANDBOX_REFUSED);
    sandbox_test_force_refusal(ZERG_SANDBOX_UID, 0);
    CU_ASSERT_EQUAL(error_metric(sp, "sandbox_refused"), 1);
    zs_spawner_free(sp);
    event_base_free(base);
}

/* A guest writing 1000 lines: at most the burst (plus the refill) is logged, the rest counted. */
static void test_guest_log_rate_limited(void)
{
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    cfg.guest.log_burst = 5;
    cfg.guest.log_lines_per_second = 1;
    struct zs_spawner *sp = spawner_start(base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    struct call c;
    CU_ASSERT_EQUAL(call_run(&c, sp, base, "/__fixture/spam"), 0);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_EXITED);
    long dropped = error_metric(sp, "guest_log_dropped");
    CU_ASSERT_TRUE(dropped >= 1000 - 5 - 5 && dropped <= 1000 - 5);
    call_dispose(&c);
    zs_spawner_free(sp);
    event_base_free(base);
}

/* Orphan records: only the very process recorded is killed. */
static void test_destroy_orphan(void)
{
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    char stat[1024], path[64], record[96];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *p = strrchr(stat, ')');
    unsigned long long start = 0;
    CU_ASSERT_EQUAL(sscanf(p + 2,
                           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                           "%*d %*d %*d %*d %llu",
                           &start),
                    1);
    /* Same pid, another start time: not ours, untouched. */
    snprintf(record, sizeof record, "pid=%d start=%llu", (int)pid, start + 1);
    CU_ASSERT_EQUAL(zs_backend_process.destroy_orphan(NULL, record), 0);
    CU_ASSERT_EQUAL(kill(pid, 0), 0);
    /* Malformed records are refused. */
    CU_ASSERT_EQUAL(zs_backend_process.destroy_orphan(NULL, "pid=1 start=5"), -1);
    CU_ASSERT_EQUAL(zs_backend_process.destroy_orphan(NULL, "pid=12x start=5"), -1);
    CU_ASSERT_EQUAL(zs_backend_process.destroy_orphan(NULL, ""), -1);
    /* The very process: killed. */
    snprintf(record, sizeof record, "pid=%d start=%llu", (int)pid, start);
    CU_ASSERT_EQUAL(zs_backend_process.destroy_orphan(NULL, record), 1);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* Gone: nothing to do. */
    CU_ASSERT_EQUAL(zs_backend_process.destroy_orphan(NULL, record), 0);
}

/* Init refuses a guest command that is not there, naming it. */
static void test_init_errors(void)
{
    struct event_base *base;
    if (setup(&base) < 0)
        return;
    static char missing[] = "/nonexistent/guest";
    store.argv[0] = missing;
    char err[512];
    struct zs_spawner *sp =
        zs_spawner_new_with_backend(&cfg, base, &zs_backend_process, err, sizeof err);
    CU_ASSERT_PTR_NULL(sp);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
    if (sp)
        zs_spawner_free(sp);
    event_base_free(base);
}

struct backend_test {
    const char *name;
    CU_TestFunc fn;
    bool needs_root;
};

#define T(fn, root)                                                                                \
    {                                                                                              \
#fn, fn, root                                                                              \
    }
static const struct backend_test tests[] = {
    T(test_init_errors, false),      T(test_destroy_orphan, false),
    T(test_ready_and_served, true),  T(test_boot_failures, true),
    T(test_crash_after_ready, true), T(test_forward_handoff, true),
    T(test_sandbox_refused, true),   T(test_guest_log_rate_limited, true),
};
#undef T

/* The state directory the tests' spawners made: its lock and (empty) record directory. */
static int remove_state_dir(void)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/zerg-test.lock", store.state_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/zerg-test", store.state_dir);
    rmdir(path);
    if (store.state_dir[0])
        rmdir(store.state_dir);
    return 0;
}

void unit_register_backend_process(void)
{
    bool root = geteuid() == 0;
    CU_pSuite s = CU_add_suite("backend_process", NULL, remove_state_dir);
    if (!s)
        unit_fatal("backend_process");
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (tests[i].needs_root && !root) {
            printf("SKIP: backend_process/%s: needs root (namespaces, setuid)\n", tests[i].name);
            continue;
        }
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            unit_fatal("backend_process");
    }
}
