/*
 * zerg-xen-libxl-cycle: one program in dom0 that drives guest cycles through libxl directly,
 * the way the spawner's xen backend will, and times each phase. Run by tests/xen/dom0-tests.sh.
 *
 *   zerg-xen-libxl-cycle KERNEL CYCLES NAME_PREFIX
 *
 * Each cycle: asynchronous libxl_domain_create_new (ao_how callback; per-instance parameters
 * through c_info.xsdata, written by libxl in its creation transaction) -> death watch and
 * readiness watch (xenstore, data/zerg/ready) set up BEFORE unpause -> unpause -> ready seen
 * (its value must be the instance id we gave) -> the guest powers off by itself (DOMAIN_SHUTDOWN,
 * reason poweroff) -> asynchronous libxl_domain_destroy -> DOMAIN_DEATH -> domain gone.
 * libxl runs on our own poll loop (libxl_osevent_beforepoll/afterpoll) with events delivered
 * as callbacks; nothing blocks in libxl_event_wait.
 *
 * Output: per cycle one line "PASS: libxl-cycle-N" or "FAIL: libxl-cycle-N: why", and one line
 * "TIME: libxl cycle N: create=..ms unpause=..ms ready=..ms shutdown=..ms destroy=..ms
 * total=..ms"; "TIME: libxl ctx_alloc=..ms" once. Exit status 0 when every cycle passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#define PHASE_TIMEOUT_MS 20000 /* any one phase; TCG is slow but not this slow */
#define MAX_FDS          64

enum phase { T_START, T_CREATED, T_UNPAUSED, T_READY, T_SHUTDOWN, T_DESTROYED, T_COUNT };

struct cycle {
    int index;
    char name[64];
    char instance[64];
    uint32_t domid;
    libxl_evgen_domain_death *death_watch;
    char ready_path[128];
    int create_rc, destroy_rc;
    int created, destroyed, dead, shutdown_reason;
    char ready_value[80];
    double t[T_COUNT];
};

struct app {
    libxl_ctx *ctx;
    xentoollog_logger_stdiostream *logger;
    struct xs_handle *xs;
    struct cycle *cur;
    const char *disaster;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_event(void *user, libxl_event *ev)
{
    struct app *app = user;
    struct cycle *c = app->cur;
    if (c && ev->domid == c->domid) {
        if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN && !c->t[T_SHUTDOWN]) {
            c->t[T_SHUTDOWN] = now_ms();
            c->shutdown_reason = ev->u.domain_shutdown.shutdown_reason;
        } else if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) {
            c->dead = 1;
        }
    }
    libxl_event_free(app->ctx, ev);
}

static void on_disaster(void *user, libxl_event_type type, const char *msg, int errnoval)
{
    struct app *app = user;
    (void)type;
    (void)errnoval;
    app->disaster = msg ? msg : "libxl event machinery failed";
}

static void on_created(libxl_ctx *ctx, int rc, void *user)
{
    struct cycle *c = user;
    (void)ctx;
    c->create_rc = rc;
    c->created = 1;
    c->t[T_CREATED] = now_ms();
}

static void on_destroyed(libxl_ctx *ctx, int rc, void *user)
{
    struct cycle *c = user;
    (void)ctx;
    c->destroy_rc = rc;
    c->destroyed = 1;
}

/* Reads the readiness node after its watch fired; records the first time it has a value. */
static void check_ready(struct app *app, struct cycle *c)
{
    unsigned len = 0;
    char *v = xs_read(app->xs, XBT_NULL, c->ready_path, &len);
    if (v && !c->t[T_READY]) {
        snprintf(c->ready_value, sizeof c->ready_value, "%.*s", (int)len, v);
        c->t[T_READY] = now_ms();
    }
    free(v);
}

static int is_created(const struct cycle *c)
{
    return c->created;
}

static int is_shut_down(const struct cycle *c)
{
    return c->t[T_SHUTDOWN] != 0;
}

static int is_destroyed(const struct cycle *c)
{
    return c->destroyed && (c->dead || !c->death_watch);
}

/* Runs libxl's and xenstore's events until done(cycle), a disaster, or the phase timeout. */
static int run_until(struct app *app, struct cycle *c, int (*done)(const struct cycle *))
{
    double deadline = now_ms() + PHASE_TIMEOUT_MS;
    struct pollfd fds[MAX_FDS + 1];
    while (!done(c)) {
        if (app->disaster)
            return -1;
        double left = deadline - now_ms();
        if (left <= 0)
            return -1;
        int nfds = MAX_FDS, timeout = (int)left + 1;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        if (libxl_osevent_beforepoll(app->ctx, &nfds, fds, &timeout, tv) != 0) {
            app->disaster = "libxl wants more poll slots than this program has";
            return -1;
        }
        fds[nfds] = (struct pollfd){.fd = xs_fileno(app->xs), .events = POLLIN};
        if (poll(fds, (nfds_t)nfds + 1, timeout) < 0 && errno != EINTR) {
            app->disaster = "poll failed";
            return -1;
        }
        gettimeofday(&tv, NULL);
        libxl_osevent_afterpoll(app->ctx, nfds, fds, tv);
        if (fds[nfds].revents & POLLIN) {
            char **w;
            while ((w = xs_check_watch(app->xs)) != NULL) {
                if (app->cur && strcmp(w[XS_WATCH_TOKEN], "ready") == 0)
                    check_ready(app, app->cur);
                free(w);
            }
        }
    }
    return 0;
}

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        perror("strdup");
        exit(2);
    }
    return d;
}

static void config_init(libxl_domain_config *cfg, const char *kernel, const struct cycle *c)
{
    libxl_domain_config_init(cfg);
    cfg->c_info.type = LIBXL_DOMAIN_TYPE_PV;
    cfg->c_info.name = dup_or_die(c->name);
    /* Key/value pairs, NULL-terminated; keys relative to the domain's xenstore home. */
    cfg->c_info.xsdata = calloc(5, sizeof(char *));
    if (!cfg->c_info.xsdata) {
        perror("calloc");
        exit(2);
    }
    cfg->c_info.xsdata[0] = dup_or_die("data/zerg/instance");
    cfg->c_info.xsdata[1] = dup_or_die(c->instance);
    cfg->c_info.xsdata[2] = dup_or_die("data/zerg/linger_ms");
    cfg->c_info.xsdata[3] = dup_or_die("0");
    libxl_domain_build_info_init_type(&cfg->b_info, LIBXL_DOMAIN_TYPE_PV);
    cfg->b_info.max_vcpus = 1;
    cfg->b_info.max_memkb = 32 * 1024;
    cfg->b_info.target_memkb = 32 * 1024;
    cfg->b_info.kernel = dup_or_die(kernel);
    cfg->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    cfg->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
}

/* Waits (bounded) until Xen no longer lists the domain, dying ones included. */
static int domain_gone(struct app *app, uint32_t domid)
{
    double deadline = now_ms() + 5000;
    while (libxl_domain_info(app->ctx, NULL, domid) != ERROR_DOMAIN_NOTFOUND) {
        if (now_ms() > deadline)
            return 0;
        poll(NULL, 0, 5);
    }
    return 1;
}

/* One create -> ready -> shutdown -> destroy cycle; NULL on success, else what failed. */
static const char *run_cycle(struct app *app, const char *kernel, struct cycle *c)
{
    static char why[256];
    libxl_domain_config cfg;
    const char *fail = NULL;
    config_init(&cfg, kernel, c);
    app->cur = c;
    c->t[T_START] = now_ms();
    libxl_asyncop_how created_how = {.callback = on_created, .u.for_callback = c};
    int rc = libxl_domain_create_new(app->ctx, &cfg, &c->domid, &created_how, NULL);
    if (rc) {
        snprintf(why, sizeof why, "libxl_domain_create_new refused: %d", rc);
        fail = why;
        goto out_config;
    }
    if (run_until(app, c, is_created) || c->create_rc) {
        snprintf(why, sizeof why, "creation did not complete (rc %d%s%s)", c->create_rc,
                 app->disaster ? ", " : "", app->disaster ? app->disaster : "");
        fail = why;
        goto out_config;
    }
    /* Watches first: a short-lived guest can be gone before a later watch exists. */
    if (libxl_evenable_domain_death(app->ctx, c->domid, 0, &c->death_watch)) {
        fail = "libxl_evenable_domain_death failed";
        goto out_destroy;
    }
    snprintf(c->ready_path, sizeof c->ready_path, "/local/domain/%u/data/zerg/ready", c->domid);
    if (!xs_watch(app->xs, c->ready_path, "ready")) {
        fail = "xs_watch on the readiness node failed";
        goto out_destroy;
    }
    if (libxl_domain_unpause(app->ctx, c->domid, NULL)) {
        fail = "libxl_domain_unpause failed";
        goto out_unwatch;
    }
    c->t[T_UNPAUSED] = now_ms();
    /* The guest reports ready, then powers off by itself (linger_ms 0). */
    if (run_until(app, c, is_shut_down)) {
        fail = c->t[T_READY] ? "guest reported ready but never shut down"
                             : "guest neither reported ready nor shut down";
        goto out_unwatch;
    }
    if (!c->t[T_READY])
        check_ready(app, c); /* the watch event may trail the shutdown event */
    if (!c->t[T_READY])
        fail = "guest shut down without reporting ready";
out_unwatch:
    xs_unwatch(app->xs, c->ready_path, "ready");
out_destroy:
    if (!fail) {
        if (strcmp(c->ready_value, c->instance) != 0) {
            snprintf(why, sizeof why, "data/zerg/ready is '%s', expected '%s'", c->ready_value,
                     c->instance);
            fail = why;
        } else if (c->shutdown_reason != LIBXL_SHUTDOWN_REASON_POWEROFF) {
            snprintf(why, sizeof why, "guest shut down with reason %d, not poweroff",
                     c->shutdown_reason);
            fail = why;
        }
    }
    /* The spawner's job, not libxl's: libxl does not act on on_poweroff, xl does. */
    libxl_asyncop_how destroyed_how = {.callback = on_destroyed, .u.for_callback = c};
    if (libxl_domain_destroy(app->ctx, c->domid, &destroyed_how) == 0)
        run_until(app, c, is_destroyed);
    if (!fail && (!c->destroyed || c->destroy_rc))
        fail = "libxl_domain_destroy did not complete";
    if (!fail && c->death_watch && !c->dead)
        fail = "no DOMAIN_DEATH event after destroy";
    if (!fail && !domain_gone(app, c->domid))
        fail = "domain still listed (dying) 5 s after destroy";
    c->t[T_DESTROYED] = now_ms();
    if (c->death_watch)
        libxl_evdisable_domain_death(app->ctx, c->death_watch);
out_config:
    app->cur = NULL;
    libxl_domain_config_dispose(&cfg);
    return fail;
}

static void app_dispose(struct app *app)
{
    if (app->xs)
        xs_close(app->xs);
    if (app->ctx)
        libxl_ctx_free(app->ctx);
    if (app->logger)
        xtl_logger_destroy((xentoollog_logger *)app->logger);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s KERNEL CYCLES NAME_PREFIX\n", argv[0]);
        return 2;
    }
    const char *kernel = argv[1], *prefix = argv[3];
    char *end;
    long cycles = strtol(argv[2], &end, 10);
    if (*end || cycles < 1 || cycles > 1000) {
        fprintf(stderr, "%s: CYCLES must be 1..1000\n", argv[0]);
        return 2;
    }
    struct app app = {0};
    int failures = 0;
    static const libxl_event_hooks hooks = {
        .event_occurs_mask = LIBXL_EVENTMASK_ALL,
        .event_occurs = on_event,
        .disaster = on_disaster,
    };

    app.logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    double t0 = now_ms();
    if (!app.logger ||
        libxl_ctx_alloc(&app.ctx, LIBXL_VERSION, 0, (xentoollog_logger *)app.logger) != 0) {
        printf("FAIL: libxl-ctx: libxl_ctx_alloc failed\n");
        app_dispose(&app);
        return 1;
    }
    printf("TIME: libxl ctx_alloc=%.1fms\n", now_ms() - t0);
    libxl_event_register_callbacks(app.ctx, &hooks, &app);
    app.xs = xs_open(0);
    if (!app.xs) {
        printf("FAIL: libxl-ctx: xs_open failed: %s\n", strerror(errno));
        app_dispose(&app);
        return 1;
    }
    for (long i = 1; i <= cycles; i++) {
        struct cycle c = {.index = (int)i};
        snprintf(c.name, sizeof c.name, "%s-%ld", prefix, i);
        snprintf(c.instance, sizeof c.instance, "%s-inst-%ld", prefix, i);
        const char *why = run_cycle(&app, kernel, &c);
        if (why) {
            failures++;
            printf("FAIL: libxl-cycle-%ld: %s (domid %u)\n", i, why, c.domid);
        } else {
            printf("PASS: libxl-cycle-%ld\n", i);
            printf("TIME: libxl cycle %ld: create=%.1fms unpause=%.1fms ready=%.1fms "
                   "shutdown=%.1fms destroy=%.1fms total=%.1fms\n",
                   i, c.t[T_CREATED] - c.t[T_START], c.t[T_UNPAUSED] - c.t[T_CREATED],
                   c.t[T_READY] - c.t[T_UNPAUSED], c.t[T_SHUTDOWN] - c.t[T_READY],
                   c.t[T_DESTROYED] - c.t[T_SHUTDOWN], c.t[T_DESTROYED] - c.t[T_START]);
        }
        fflush(stdout);
        if (app.disaster)
            break;
    }
    app_dispose(&app);
    return failures ? 1 : 0;
}
