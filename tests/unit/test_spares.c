/*
 * Unit tests of the spawner's spares (backend.h: what a backend prepares ahead of demand, the
 * xen backend's pool): they count against limits.max_instances, are recorded in the state
 * directory under their own names and swept as orphans by the next run, move to the instance
 * that takes them, are dropped at drain, and show in /metrics. Also the configuration keys
 * xen.pool_size and xen.pool_mode. The test itself plays the backend's pool: a scripted fake
 * whose create() takes the spare the test names, or creates cold.
 */
#include "unit.h"

#include "backend.h"
#include "config.h"
#include "spawner.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- the fake backend ----------------------------------------------------------------------- */

#define POOL_MAX 8

static struct {
    uint64_t take_key; /* create(): take this spare (0: create cold) */
    enum zs_spare_state take_from;
    int created, taken, cold, destroyed, drains, orphans;
    char last_orphan[128];
    struct zs_instance *live[POOL_MAX];
    struct event_base *base;
    struct event *release_ev;
} pool;

struct zs_backend {
    int unused;
};
static struct zs_backend pool_be;

static int pool_init(struct zs_backend **out, struct zs_spawner *sp, const struct zerg_config *cfg,
                     struct event_base *base, char *err, size_t errlen)
{
    (void)sp, (void)cfg, (void)base, (void)err, (void)errlen;
    *out = &pool_be;
    return 0;
}

static int pool_destroy_orphan(struct zs_backend *be, const char *record)
{
    (void)be;
    pool.orphans++;
    snprintf(pool.last_orphan, sizeof pool.last_orphan, "%s", record);
    return 1;
}

static int pool_create(struct zs_backend *be, struct zs_instance *inst,
                       const struct zs_create_args *args, void **priv, char *err, size_t errlen)
{
    (void)be, (void)err, (void)errlen;
    char rec[64];
    snprintf(rec, sizeof rec, "inst-%llu", (unsigned long long)args->id);
    zs_backend_record(inst, rec); /* before the spare's record goes, as backend.h says */
    if (pool.take_key) {
        zs_backend_spare_taken(inst, pool.take_key, pool.take_from);
        pool.take_key = 0;
        pool.taken++;
    } else {
        zs_backend_pool_miss(inst);
        pool.cold++;
    }
    for (int i = 0; i < POOL_MAX; i++)
        if (!pool.live[i]) {
            pool.live[i] = inst;
            break;
        }
    pool.created++;
    *priv = NULL;
    return 0; /* never ready by itself: the tests end instances by destroy */
}

static int pool_handoff(struct zs_backend *be, struct zs_instance *inst, void *priv,
                        struct bufferevent **forward)
{
    (void)be, (void)inst, (void)priv;
    *forward = NULL;
    return 0;
}

/* Releases every destroyed instance from the loop, never from inside destroy(). */
static void pool_release_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
    for (int i = 0; i < POOL_MAX; i++)
        if (pool.live[i] && zs_instance_state(pool.live[i]) != ZS_BOOTING) {
            struct zs_instance *inst = pool.live[i];
            pool.live[i] = NULL;
            zs_backend_released(inst);
        }
}

static void pool_destroy(struct zs_backend *be, struct zs_instance *inst, void *priv)
{
    (void)be, (void)inst, (void)priv;
    pool.destroyed++;
    event_active(pool.release_ev, 0, 0);
}

static void pool_drain(struct zs_backend *be)
{
    (void)be;
    pool.drains++;
}

static void pool_dispose(struct zs_backend *be)
{
    (void)be;
    memset(pool.live, 0, sizeof pool.live);
}

static const struct zs_backend_ops pool_ops = {
    .name = "fake",
    .handoffs = 1u << ZERG_HANDOFF_FD,
    .init = pool_init,
    .destroy_orphan = pool_destroy_orphan,
    .create = pool_create,
    .handoff = pool_handoff,
    .destroy = pool_destroy,
    .drain = pool_drain,
    .dispose = pool_dispose,
};

/* --- scaffolding ---------------------------------------------------------------------------- */

static struct zerg_config cfg;
static char state_dir[64], rec_dir[128];

static void setup(void)
{
    memset(&pool, 0, sizeof pool);
    zerg_config_init(&cfg);
    snprintf(state_dir, sizeof state_dir, "/tmp/zerg-unit-spares-%d", (int)getpid());
    snprintf(rec_dir, sizeof rec_dir, "%s/%s", state_dir, cfg.daemon.id);
    cfg.daemon.state_dir = strdup(state_dir);
    cfg.limits.max_instances = 2;
    cfg.limits.queue_length = 4;
    cfg.limits.queue_timeout_ms = 5000;
    cfg.limits.boot_timeout_ms = 5000;
    pool.base = event_base_new();
    pool.release_ev = event_new(pool.base, -1, 0, pool_release_cb, NULL);
}

static void teardown(void)
{
    event_free(pool.release_ev);
    event_base_free(pool.base);
    zerg_config_dispose(&cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", state_dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static struct zs_spawner *new_spawner(void)
{
    char err[256];
    struct zs_spawner *sp =
        zs_spawner_new_with_backend(&cfg, pool.base, &pool_ops, err, sizeof err);
    if (!sp)
        fprintf(stderr, "spawner: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    return sp;
}

struct client {
    int readies, ends;
    enum zs_outcome outcome;
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
    (void)inst, (void)kind;
    struct client *c = user;
    c->ends++;
    c->outcome = outcome;
}

static const struct zs_client_ops ops = {.ready = on_ready, .ended = on_ended};

static int request(struct zs_spawner *sp, struct client *c)
{
    struct zs_request req = {.client_fd = -1, .ops = &ops, .user = c};
    struct sockaddr_in *a = (struct sockaddr_in *)&req.peer;
    a->sin_family = AF_INET;
    a->sin_port = htons(40000);
    inet_pton(AF_INET, "10.0.0.1", &a->sin_addr);
    req.peer_len = sizeof *a;
    return zs_spawner_request(sp, &req, &c->inst);
}

static void run_ms(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(pool.base, &tv);
    event_base_dispatch(pool.base);
}

static bool file_exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", rec_dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", rec_dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* The value of the /metrics line starting with `prefix` (then a space); UINT64_MAX if none. */
static uint64_t metric(struct zs_spawner *sp, const char *prefix)
{
    struct evbuffer *b = evbuffer_new();
    zs_spawner_write_metrics(sp, b);
    size_t n = evbuffer_get_length(b);
    char *s = malloc(n + 1);
    evbuffer_remove(b, s, n);
    s[n] = 0;
    evbuffer_free(b);
    uint64_t v = UINT64_MAX;
    size_t pl = strlen(prefix);
    for (char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, pl) == 0 && p[pl] == ' ')
            v = strtoull(p + pl + 1, NULL, 10);
    free(s);
    return v;
}

/* --- tests ---------------------------------------------------------------------------------- */

/* Spares hold places under limits.max_instances: no more than max can be reserved, and a
 * dying one (not takeable) still holds its place until it is gone. */
static void test_spares_count_against_max(void)
{
    setup();
    struct zs_spawner *sp = new_spawner();
    uint64_t k1 = zs_backend_spare_reserve(sp), k2 = zs_backend_spare_reserve(sp);
    CU_ASSERT(k1 > 0 && k2 > 0 && k1 != k2);
    CU_ASSERT_EQUAL(zs_backend_spare_reserve(sp), 0); /* max_instances is 2 */
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_domains{state=\"preparing\"}"), 2);
    zs_backend_spare_move(sp, ZS_SPARE_PREPARING, ZS_SPARE_READY);
    zs_backend_spare_move(sp, ZS_SPARE_PREPARING, ZS_SPARE_DYING);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_domains{state=\"ready\"}"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_domains{state=\"dying\"}"), 1);

    /* A request takes the ready spare: a hit. */
    struct client a = {0}, b = {0};
    pool.take_key = k1;
    pool.take_from = ZS_SPARE_READY;
    CU_ASSERT_EQUAL(request(sp, &a), ZS_REQ_OK);
    CU_ASSERT_EQUAL(pool.taken, 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_hits_total"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_domains{state=\"ready\"}"), 0);
    /* 1 live + 1 dying spare = max, and nothing takeable: the next request waits. */
    CU_ASSERT_EQUAL(request(sp, &b), ZS_REQ_OK);
    CU_ASSERT_EQUAL(zs_spawner_queued(sp), 1);
    CU_ASSERT_EQUAL(pool.created, 1);
    /* The dying spare is gone: its place goes to the queued request (cold: a miss). */
    zs_backend_spare_gone(sp, k2, ZS_SPARE_DYING);
    CU_ASSERT_EQUAL(zs_spawner_queued(sp), 0);
    CU_ASSERT_EQUAL(pool.cold, 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_misses_total"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_domains{state=\"dying\"}"), 0);
    CU_ASSERT_EQUAL(zs_spawner_live(sp), 2);
    CU_ASSERT_EQUAL(zs_backend_spare_reserve(sp), 0); /* both places are instances now */
    zs_spawner_kill_all(sp);
    run_ms(20);
    CU_ASSERT_EQUAL(zs_spawner_live(sp), 0);
    CU_ASSERT(zs_backend_spare_reserve(sp) > 0); /* room again */
    zs_spawner_free(sp);
    teardown();
}

/* At capacity only because of spares that can be taken, a request starts (it takes one). */
static void test_request_takes_spare_at_capacity(void)
{
    setup();
    struct zs_spawner *sp = new_spawner();
    uint64_t k1 = zs_backend_spare_reserve(sp), k2 = zs_backend_spare_reserve(sp);
    CU_ASSERT(k1 && k2);
    struct client a = {0}, b = {0};
    pool.take_key = k1;
    pool.take_from = ZS_SPARE_PREPARING; /* still being made: adopted, counted as a miss */
    CU_ASSERT_EQUAL(request(sp, &a), ZS_REQ_OK);
    CU_ASSERT_EQUAL(zs_spawner_queued(sp), 0);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_misses_total"), 1);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_hits_total"), 0);
    pool.take_key = k2;
    pool.take_from = ZS_SPARE_PREPARING;
    CU_ASSERT_EQUAL(request(sp, &b), ZS_REQ_OK);
    CU_ASSERT_EQUAL(zs_spawner_queued(sp), 0);
    CU_ASSERT_EQUAL(pool.taken, 2);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_domains{state=\"preparing\"}"), 0);
    zs_spawner_kill_all(sp);
    run_ms(20);
    zs_spawner_free(sp);
    teardown();
}

/* A queued request comes before a new spare. */
static void test_queue_before_spares(void)
{
    setup();
    cfg.limits.max_instances = 1;
    struct zs_spawner *sp = new_spawner();
    struct client a = {0}, b = {0};
    CU_ASSERT_EQUAL(request(sp, &a), ZS_REQ_OK);
    CU_ASSERT_EQUAL(request(sp, &b), ZS_REQ_OK);
    CU_ASSERT_EQUAL(zs_spawner_queued(sp), 1);
    CU_ASSERT_EQUAL(zs_backend_spare_reserve(sp), 0);
    zs_spawner_kill_all(sp);
    run_ms(20);
    zs_spawner_free(sp);
    teardown();
}

/* A spare's record has a name of its own; taking it moves the record to the instance. */
static void test_spare_record_moves_to_instance(void)
{
    setup();
    struct zs_spawner *sp = new_spawner();
    uint64_t k = zs_backend_spare_reserve(sp);
    zs_backend_spare_record(sp, k, "domid=7 uuid=u name=zerg-p1");
    char spare_name[32], inst_name[32];
    snprintf(spare_name, sizeof spare_name, "spare-%llu.rec", (unsigned long long)k);
    CU_ASSERT(file_exists(spare_name));
    zs_backend_spare_move(sp, ZS_SPARE_PREPARING, ZS_SPARE_READY);
    struct client a = {0};
    pool.take_key = k;
    pool.take_from = ZS_SPARE_READY;
    CU_ASSERT_EQUAL(request(sp, &a), ZS_REQ_OK);
    snprintf(inst_name, sizeof inst_name, "%llu.rec", (unsigned long long)zs_instance_id(a.inst));
    CU_ASSERT(file_exists(inst_name));
    CU_ASSERT(!file_exists(spare_name));
    zs_spawner_kill_all(sp);
    run_ms(20);
    CU_ASSERT(!file_exists(inst_name)); /* reaped */
    zs_spawner_free(sp);
    teardown();
}

/* A spare recorded by a run that died is handed to destroy_orphan by the next run of the same
 * daemon id, like an instance's record; a spare that is gone leaves no record. Files that only
 * look like records are left alone. */
static void test_spare_orphans_swept(void)
{
    setup();
    struct zs_spawner *sp = new_spawner();
    uint64_t k1 = zs_backend_spare_reserve(sp), k2 = zs_backend_spare_reserve(sp);
    CU_ASSERT_EQUAL(k1, 1); /* keys count from 1 in each run */
    zs_backend_spare_record(sp, k1, "domid=1 left behind");
    zs_backend_spare_record(sp, k2, "domid=2 gone");
    zs_backend_spare_move(sp, ZS_SPARE_PREPARING, ZS_SPARE_DYING);
    zs_backend_spare_gone(sp, k2, ZS_SPARE_DYING);
    zs_spawner_free(sp); /* the daemon "dies" with spare k1 alive: its record stays */
    write_file("spare-x.rec", "fake not a record\n");
    write_file("12.rec.tmp", "fake not a record\n");
    write_file("spare-44.rec", "fake domid=44\n");
    sp = new_spawner();
    CU_ASSERT_EQUAL(pool.orphans, 2); /* k1 and spare-44 */
    CU_ASSERT(!file_exists("spare-1.rec"));
    CU_ASSERT(!file_exists("spare-44.rec"));
    CU_ASSERT(file_exists("spare-x.rec"));
    CU_ASSERT(file_exists("12.rec.tmp"));
    zs_spawner_free(sp);
    teardown();
}

/* Drain tells the backend once (its spares go), refuses new spares, and spare losses are
 * counted by kind. */
static void test_drain_and_failures(void)
{
    setup();
    struct zs_spawner *sp = new_spawner();
    zs_backend_spare_failed(sp, ZS_SPARE_DIED);
    zs_backend_spare_failed(sp, ZS_SPARE_DIED);
    zs_backend_spare_failed(sp, ZS_SPARE_CREATE_FAILED);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_failures_total{kind=\"died\"}"), 2);
    CU_ASSERT_EQUAL(metric(sp, "zerg_pool_failures_total{kind=\"create_failed\"}"), 1);
    zs_spawner_drain(sp);
    zs_spawner_drain(sp);
    CU_ASSERT_EQUAL(pool.drains, 1);
    CU_ASSERT_EQUAL(zs_backend_spare_reserve(sp), 0);
    zs_spawner_free(sp);
    teardown();
}

static int parse(struct zerg_config *c, const char *json, char *err, size_t errlen)
{
    return zerg_config_parse(c, json, strlen(json), "t.json", err, errlen);
}

/* xen.pool_size and xen.pool_mode: defaults, range, and the rules tying them to other keys. */
static void test_config_pool_keys(void)
{
    struct zerg_config c;
    char err[512];
    zerg_config_init(&c);
    CU_ASSERT_EQUAL(c.xen.pool_size, 0);
    CU_ASSERT_EQUAL(c.xen.pool_mode, ZERG_POOL_PAUSED);
    const char *ok = "{\"guest\": {\"command\": [\"/bin/true\"]}, \"backend\": {\"type\": \"xen\"},"
                     " \"limits\": {\"max_instances\": 4},"
                     " \"xen\": {\"kernel\": \"/k\", \"pool_size\": 4, \"pool_mode\": \"running\"}}";
    CU_ASSERT_EQUAL(parse(&c, ok, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.xen.pool_size, 4);
    CU_ASSERT_EQUAL(c.xen.pool_mode, ZERG_POOL_RUNNING);
    const char *over =
        "{\"guest\": {\"command\": [\"/bin/true\"]}, \"backend\": {\"type\": \"xen\"},"
        " \"limits\": {\"max_instances\": 4},"
        " \"xen\": {\"kernel\": \"/k\", \"pool_size\": 5}}";
    CU_ASSERT_EQUAL(parse(&c, over, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "xen.pool_size"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_instances"));
    const char *process =
        "{\"guest\": {\"command\": [\"/bin/true\"]}, \"xen\": {\"pool_size\": 1}}";
    CU_ASSERT_EQUAL(parse(&c, process, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "xen backend"));
    const char *mode =
        "{\"guest\": {\"command\": [\"/bin/true\"]}, \"xen\": {\"pool_mode\": \"hot\"}}";
    CU_ASSERT_EQUAL(parse(&c, mode, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "pool_mode"));
    const char *range =
        "{\"guest\": {\"command\": [\"/bin/true\"]}, \"xen\": {\"pool_size\": 1025}}";
    CU_ASSERT_EQUAL(parse(&c, range, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "pool_size"));
    zerg_config_dispose(&c);
}

void unit_register_spares(void)
{
    UNIT_SUITE("spares", UNIT_TEST(test_spares_count_against_max),
               UNIT_TEST(test_request_takes_spare_at_capacity), UNIT_TEST(test_queue_before_spares),
               UNIT_TEST(test_spare_record_moves_to_instance), UNIT_TEST(test_spare_orphans_swept),
               UNIT_TEST(test_drain_and_failures), UNIT_TEST(test_config_pool_keys));
}
