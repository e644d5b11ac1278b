/*
 * Unit tests of the spawner's lifecycle state machine, limits, queue, deadlines, drain and
 * state directory, against a scripted fake backend (no processes). The fake reports back from
 * timers on the same event_base, as real backends do.
 */
#include "unit.h"

#include "backend.h"
#include "config.h"
#include "spawner.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- the fake backend ----------------------------------------------------------------------- */

struct event_base *fake_base_of(struct zs_instance *inst);
#define FAKE_MAX 64
static struct fake_inst *fake_live[FAKE_MAX];

enum fake_mode { FAKE_SERVE, FAKE_NEVER_READY, FAKE_EXIT_BEFORE_READY, FAKE_CREATE_FAILS };

struct fake_inst {
    struct zs_instance *inst;
    struct event *ev;
    int step; /* 0 -> ready/exit pending, 1 -> serving, 2 -> destroying */
};

static struct {
    enum fake_mode mode;
    int ready_ms;     /* create -> ready */
    int serve_ms;     /* ready -> exit; -1 never exits by itself */
    int exit_clean;
    int created, destroyed, released, orphans;
    char last_orphan[128];
} fake;

struct zs_backend {
    int unused;
};
static struct zs_backend fake_be;

static int fake_init(struct zs_backend **out, struct zs_spawner *sp,
                     const struct zerg_config *cfg, struct event_base *base, char *err,
                     size_t errlen)
{
    (void)sp, (void)cfg, (void)base, (void)err, (void)errlen;
    *out = &fake_be;
    return 0;
}

static int fake_destroy_orphan(struct zs_backend *be, const char *record)
{
    (void)be;
    fake.orphans++;
    snprintf(fake.last_orphan, sizeof fake.last_orphan, "%s", record);
    return 1;
}

static void fake_step(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct fake_inst *fi = arg;
    if (fi->step == 2) {
        struct zs_instance *inst = fi->inst;
        for (int i = 0; i < FAKE_MAX; i++)
            if (fake_live[i] == fi)
                fake_live[i] = NULL;
        event_free(fi->ev);
        free(fi);
        fake.released++;
        zs_backend_released(inst);
        return;
    }
    if (fi->step == 0) {
        if (fake.mode == FAKE_EXIT_BEFORE_READY) {
            fi->step = 1;
            zs_backend_exited(fi->inst, 0, ZERG_ERR_BOOT_EXIT, "exit 3");
            return;
        }
        fi->step = 1;
        zs_backend_ready(fi->inst);
        if (fake.serve_ms >= 0) {
            struct timeval tv = {0, fake.serve_ms * 1000};
            evtimer_add(fi->ev, &tv);
        }
        return;
    }
    zs_backend_exited(fi->inst, fake.exit_clean, ZERG_ERR_GUEST_CRASH,
                      fake.exit_clean ? "exit 0" : "signal 6");
}

static int fake_create(struct zs_backend *be, struct zs_instance *inst,
                       const struct zs_create_args *args, void **priv, char *err, size_t errlen)
{
    (void)be;
    if (fake.mode == FAKE_CREATE_FAILS) {
        snprintf(err, errlen, "fake refuses");
        return -1;
    }
    struct fake_inst *fi = calloc(1, sizeof *fi);
    fi->inst = inst;
    fi->ev = evtimer_new(fake_base_of(inst), fake_step, fi);
    for (int i = 0; i < FAKE_MAX; i++)
        if (!fake_live[i]) {
            fake_live[i] = fi;
            break;
        }
    *priv = fi;
    fake.created++;
    char rec[64];
    snprintf(rec, sizeof rec, "fake-%llu", (unsigned long long)args->id);
    zs_backend_record(inst, rec);
    if (fake.mode != FAKE_NEVER_READY) {
        struct timeval tv = {0, fake.ready_ms * 1000};
        evtimer_add(fi->ev, &tv);
    }
    return 0;
}

static int fake_handoff(struct zs_backend *be, struct zs_instance *inst, void *priv,
                        struct bufferevent **forward)
{
    (void)be, (void)inst, (void)priv;
    *forward = NULL;
    return 0;
}

static void fake_destroy(struct zs_backend *be, struct zs_instance *inst, void *priv)
{
    (void)be, (void)inst;
    struct fake_inst *fi = priv;
    fake.destroyed++;
    fi->step = 2;
    event_del(fi->ev);
    struct timeval tv = {0, 1000};
    evtimer_add(fi->ev, &tv);
}

/* Synchronous teardown: whatever is still alive is gone now. */
static void fake_dispose(struct zs_backend *be)
{
    (void)be;
    for (int i = 0; i < FAKE_MAX; i++) {
        if (fake_live[i]) {
            event_free(fake_live[i]->ev);
            free(fake_live[i]);
            fake_live[i] = NULL;
        }
    }
}

static const struct zs_backend_ops fake_ops = {
    .name = "fake",
    .handoffs = 1u << ZERG_HANDOFF_FD,
    .init = fake_init,
    .destroy_orphan = fake_destroy_orphan,
    .create = fake_create,
    .handoff = fake_handoff,
    .destroy = fake_destroy,
    .dispose = fake_dispose,
};

/* --- test scaffolding ----------------------------------------------------------------------- */

static struct event_base *base;
static struct zerg_config cfg;
static char state_dir[64];

struct event_base *fake_base_of(struct zs_instance *inst)
{
    (void)inst;
    return base;
}

struct client {
    int readies, ends;
    enum zs_outcome outcome;
    enum zerg_error_kind kind;
    struct zs_instance *inst;
};

static void on_ready(void *user, struct zs_instance *inst, struct bufferevent *fwd)
{
    (void)inst, (void)fwd;
    ((struct client *)user)->readies++;
}

static void on_ended(void *user, struct zs_instance *inst, enum zs_outcome outcome,
                     enum zerg_error_kind kind)
{
    (void)inst;
    struct client *c = user;
    c->ends++;
    c->outcome = outcome;
    c->kind = kind;
}

static const struct zs_client_ops ops = {.ready = on_ready, .ended = on_ended};

static void setup(void)
{
    memset(&fake, 0, sizeof fake);
    fake.mode = FAKE_SERVE;
    fake.ready_ms = 2;
    fake.serve_ms = 5;
    fake.exit_clean = 1;
    zerg_config_init(&cfg);
    snprintf(state_dir, sizeof state_dir, "/tmp/zerg-unit-%d", (int)getpid());
    cfg.daemon.state_dir = strdup(state_dir); /* defaults are static; dispose frees ours */
    cfg.limits.max_instances = 4;
    cfg.limits.queue_length = 4;
    cfg.limits.queue_timeout_ms = 100;
    cfg.limits.boot_timeout_ms = 100;
    cfg.limits.serve_timeout_ms = 200;
    cfg.limits.per_client_max = 16;
    base = event_base_new();
}

static void teardown(void)
{
    event_base_free(base);
    zerg_config_dispose(&cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", state_dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static struct zs_spawner *new_spawner(void)
{
    char err[256];
    struct zs_spawner *sp = zs_spawner_new_with_backend(&cfg, base, &fake_ops, err, sizeof err);
    if (!sp)
        fprintf(stderr, "spawner: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    return sp;
}

static int request_from(struct zs_spawner *sp, struct client *c, const char *ip)
{
    struct zs_request req = {.client_fd = -1, .ops = &ops, .user = c};
    struct sockaddr_in *a = (struct sockaddr_in *)&req.peer;
    a->sin_family = AF_INET;
    a->sin_port = htons(40000);
    inet_pton(AF_INET, ip, &a->sin_addr);
    req.peer_len = sizeof *a;
    req.prefix = (const uint8_t *)"GET / HTTP/1.0\r\n\r\n";
    req.prefix_len = 18;
    return zs_spawner_request(sp, &req, &c->inst);
}

/* Runs the loop until cond() or ms pass. */
static void run_until(struct zs_spawner *sp, int (*cond)(struct zs_spawner *), int ms)
{
    for (int t = 0; t < ms && !(cond && cond(sp)); t++) {
        struct timeval tv = {0, 1000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
}

static int all_reaped(struct zs_spawner *sp)
{
    return zs_spawner_live(sp) == 0 && zs_spawner_queued(sp) == 0 && fake.released == fake.created;
}

static uint64_t metric(struct zs_spawner *sp, const char *line_prefix)
{
    struct evbuffer *b = evbuffer_new();
    zs_spawner_write_metrics(sp, b);
    size_t n = evbuffer_get_length(b);
    char *s = malloc(n + 1);
    evbuffer_remove(b, s, n);
    s[n] = 0;
    evbuffer_free(b);
    uint64_t v = UINT64_MAX;
    size_t pl = strlen(line_prefix);
    for (char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, line_prefix, pl) == 0 && p[pl] == ' ')
            v = strtoull(p + pl + 1, NULL, 10);
    free(s);
    return v;
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_happy_cycle(void)
{
    setup();
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(zs_instance_state(c.inst), ZS_BOOTING);
    CU_ASSERT_EQUAL(c.readies + c.ends, 0); /* nothing delivered from inside the request */
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(c.readies, 1);
    CU_ASSERT_EQUAL(c.ends, 1);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_EXITED);
    CU_ASSERT_EQUAL(fake.destroyed, 1);
    CU_ASSERT_EQUAL(fake.released, 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_instances_started_total"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_instances_reaped_total"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_instances_live"), 0);
    CU_ASSERT_EQUAL(metric(sp, "zerg_boot_seconds_count"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_cycle_seconds_count"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_crash_while_serving(void)
{
    setup();
    fake.exit_clean = 0;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(c.ends, 1);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_CRASHED);
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"guest_crash\"}"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_boot_timeout(void)
{
    setup();
    fake.mode = FAKE_NEVER_READY;
    cfg.limits.boot_timeout_ms = 20;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(c.readies, 0);
    CU_ASSERT_EQUAL(c.ends, 1);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_BAD_GATEWAY);
    CU_ASSERT_EQUAL(c.kind, ZERG_ERR_BOOT_TIMEOUT);
    CU_ASSERT_EQUAL(fake.destroyed, 1);
    CU_ASSERT_EQUAL(fake.released, 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"boot_timeout\"}"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_exit_before_ready(void)
{
    setup();
    fake.mode = FAKE_EXIT_BEFORE_READY;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(c.ends, 1);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_BAD_GATEWAY);
    CU_ASSERT_EQUAL(c.kind, ZERG_ERR_BOOT_EXIT);
    CU_ASSERT_EQUAL(fake.released, 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_create_fails_deferred(void)
{
    setup();
    fake.mode = FAKE_CREATE_FAILS;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(c.ends, 0); /* not from inside the request */
    run_until(sp, all_reaped, 100);
    CU_ASSERT_EQUAL(c.ends, 1);
    CU_ASSERT_EQUAL(c.kind, ZERG_ERR_SPAWN_FAILED);
    CU_ASSERT_EQUAL(zs_spawner_live(sp), 0);
    CU_ASSERT_EQUAL(metric(sp, "zerg_instances_reaped_total"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_instances_started_total"), 0);
    zs_spawner_free(sp);
    teardown();
}

static void test_capacity_queue(void)
{
    setup();
    cfg.limits.max_instances = 1;
    cfg.limits.queue_length = 1;
    cfg.limits.queue_timeout_ms = 30;
    fake.serve_ms = 100;
    struct zs_spawner *sp = new_spawner();
    struct client a = {0}, b = {0}, c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &a, "10.0.0.1"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(request_from(sp, &b, "10.0.0.2"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(zs_instance_state(b.inst), ZS_REQUESTED);
    CU_ASSERT_EQUAL(zs_spawner_queued(sp), 1);
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.3"), ZS_REQ_QUEUE_FULL);
    run_until(sp, all_reaped, 2000);
    CU_ASSERT_EQUAL(b.ends, 1);
    CU_ASSERT_EQUAL(b.outcome, ZS_OUT_UNAVAILABLE);
    CU_ASSERT_EQUAL(b.kind, ZERG_ERR_QUEUE_TIMEOUT);
    CU_ASSERT_EQUAL(a.outcome, ZS_OUT_EXITED);
    CU_ASSERT_EQUAL(fake.created, 1); /* the timed-out request never spent an instance */
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"queue_full\"}"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"queue_timeout\"}"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_queue_admits_when_slot_frees(void)
{
    setup();
    cfg.limits.max_instances = 1;
    cfg.limits.queue_timeout_ms = 1000;
    struct zs_spawner *sp = new_spawner();
    struct client a = {0}, b = {0};
    CU_ASSERT_EQUAL(request_from(sp, &a, "10.0.0.1"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(request_from(sp, &b, "10.0.0.2"), ZS_REQ_OK);
    run_until(sp, all_reaped, 2000);
    CU_ASSERT_EQUAL(a.outcome, ZS_OUT_EXITED);
    CU_ASSERT_EQUAL(b.readies, 1);
    CU_ASSERT_EQUAL(b.outcome, ZS_OUT_EXITED);
    CU_ASSERT_EQUAL(fake.created, 2);
    CU_ASSERT_EQUAL(metric(sp, "zerg_queue_wait_seconds_count"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_per_client_cap(void)
{
    setup();
    cfg.limits.per_client_max = 1;
    struct zs_spawner *sp = new_spawner();
    struct client a = {0}, b = {0}, c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &a, "10.0.0.1"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(request_from(sp, &b, "10.0.0.1"), ZS_REQ_CLIENT_CAP);
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.9"), ZS_REQ_OK);
    run_until(sp, all_reaped, 1000);
    /* The address is free again once its instance is reaped. */
    CU_ASSERT_EQUAL(request_from(sp, &b, "10.0.0.1"), ZS_REQ_OK);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(b.outcome, ZS_OUT_EXITED);
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"client_cap\"}"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_abandon_during_boot(void)
{
    setup();
    fake.mode = FAKE_NEVER_READY;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    run_until(sp, NULL, 5);
    zs_instance_abandon(c.inst);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(c.ends, 0); /* an abandoning caller hears nothing more */
    CU_ASSERT_EQUAL(fake.destroyed, 1);
    CU_ASSERT_EQUAL(fake.released, 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"client_gone\"}"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_serve_timeout(void)
{
    setup();
    fake.serve_ms = -1;
    cfg.limits.serve_timeout_ms = 20;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(c.readies, 1);
    CU_ASSERT_EQUAL(c.outcome, ZS_OUT_SERVE_TIMEOUT);
    CU_ASSERT_EQUAL(fake.destroyed, 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_errors_total{kind=\"serve_timeout\"}"), 1);
    zs_spawner_free(sp);
    teardown();
}

static void test_drain(void)
{
    setup();
    cfg.limits.max_instances = 1;
    cfg.limits.queue_timeout_ms = 1000;
    fake.serve_ms = 20;
    struct zs_spawner *sp = new_spawner();
    struct client a = {0}, b = {0}, c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &a, "10.0.0.1"), ZS_REQ_OK);
    CU_ASSERT_EQUAL(request_from(sp, &b, "10.0.0.2"), ZS_REQ_OK);
    zs_spawner_drain(sp);
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.3"), ZS_REQ_DRAINING);
    run_until(sp, all_reaped, 1000);
    CU_ASSERT_EQUAL(a.outcome, ZS_OUT_EXITED); /* the live one finished */
    CU_ASSERT_EQUAL(b.outcome, ZS_OUT_UNAVAILABLE);
    CU_ASSERT_EQUAL(b.kind, ZERG_ERR_DRAINING);
    zs_spawner_free(sp);
    teardown();
}

static int count_files(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void test_state_dir_lock_and_orphans(void)
{
    setup();
    fake.mode = FAKE_NEVER_READY;
    cfg.limits.boot_timeout_ms = 10000;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.1"), ZS_REQ_OK);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/%s", state_dir, cfg.daemon.id);
    CU_ASSERT_EQUAL(count_files(dir), 1); /* the live instance's record */

    /* Same daemon id: refused while the lock is held. */
    char err[256];
    CU_ASSERT_PTR_NULL(zs_spawner_new_with_backend(&cfg, base, &fake_ops, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "already running"));

    /* Another daemon id: starts, and does not touch the first one's records. */
    char *id = cfg.daemon.id;
    cfg.daemon.id = strdup("other");
    struct zs_spawner *sp2 = new_spawner();
    CU_ASSERT_EQUAL(fake.orphans, 0);
    CU_ASSERT_EQUAL(count_files(dir), 1);
    zs_spawner_free(sp2);
    free(cfg.daemon.id);
    cfg.daemon.id = id;

    /* A record left by a crashed run is handed to the backend at the next start, then gone. */
    FILE *f = fopen("/tmp/zerg-unit-rec", "w");
    fputs("fake fake-999\n", f);
    fclose(f);
    char path[256];
    snprintf(path, sizeof path, "%s/999.rec", dir);
    CU_ASSERT_EQUAL(rename("/tmp/zerg-unit-rec", path), 0);
    zs_spawner_free(sp); /* removes its own live record */
    CU_ASSERT_EQUAL(count_files(dir), 1);
    sp = new_spawner();
    CU_ASSERT_EQUAL(fake.orphans, 1);
    CU_ASSERT_STRING_EQUAL(fake.last_orphan, "fake-999");
    CU_ASSERT_EQUAL(count_files(dir), 0);
    zs_spawner_free(sp);
    teardown();
}

static void test_instances_json(void)
{
    setup();
    fake.mode = FAKE_NEVER_READY;
    cfg.limits.boot_timeout_ms = 10000;
    struct zs_spawner *sp = new_spawner();
    struct client c = {0};
    CU_ASSERT_EQUAL(request_from(sp, &c, "10.0.0.7"), ZS_REQ_OK);
    struct evbuffer *b = evbuffer_new();
    zs_spawner_write_instances(sp, b);
    size_t n = evbuffer_get_length(b);
    char *s = calloc(1, n + 1);
    evbuffer_remove(b, s, n);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"state\":\"booting\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"peer\":\"10.0.0.7:40000\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"live\":1"));
    free(s);
    evbuffer_free(b);
    zs_spawner_free(sp);
    teardown();
}

void unit_register_lifecycle(void)
{
    UNIT_SUITE("lifecycle", UNIT_TEST(test_happy_cycle), UNIT_TEST(test_crash_while_serving),
               UNIT_TEST(test_boot_timeout), UNIT_TEST(test_exit_before_ready),
               UNIT_TEST(test_create_fails_deferred), UNIT_TEST(test_capacity_queue),
               UNIT_TEST(test_queue_admits_when_slot_frees), UNIT_TEST(test_per_client_cap),
               UNIT_TEST(test_abandon_during_boot), UNIT_TEST(test_serve_timeout),
               UNIT_TEST(test_drain), UNIT_TEST(test_state_dir_lock_and_orphans),
               UNIT_TEST(test_instances_json));
}
