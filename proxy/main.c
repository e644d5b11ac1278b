/*
 * zerg: the command.
 *
 *   zerg serve -c FILE        run the daemon (proxy, spawner, admin listener)
 *   zerg check-config FILE    validate a configuration and print it back in brief
 *   zerg --help | --version
 *
 * Exit codes (also in --help): 0 success (serve: drained and reaped after SIGINT/SIGTERM),
 * 1 the daemon could not start or failed, 2 bad usage, 3 invalid configuration.
 */
#include "admin.h"
#include "config.h"
#include "proxy.h"
#include "spawner.h"
#include "zclock.h"
#include "zlog.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef ZERG_VERSION
#define ZERG_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_CONFIG = 3 };

#define DRAIN_POLL_MS 20
#define KILL_GRACE_MS 3000

static const char usage_text[] =
    "usage: zerg serve -c FILE\n"
    "       zerg check-config FILE\n"
    "       zerg --help | --version\n"
    "\n"
    "serve         run the daemon: the front proxy, the spawner and the admin listener, as the\n"
    "              configuration FILE says (docs/config.md). SIGINT/SIGTERM stop accepting,\n"
    "              let serving instances finish within proxy.drain_timeout_ms, kill the rest,\n"
    "              reap all, and exit 0.\n"
    "check-config  validate FILE: errors as FILE:LINE:COLUMN: KEY: what is wrong.\n"
    "\n"
    "exit codes: 0 success, 1 could not start or failed, 2 bad usage, 3 invalid configuration\n";

struct daemon {
    const struct zerg_config *cfg;
    struct event_base *base;
    struct zs_spawner *sp;
    struct proxy *px;
    struct admin *admin;
    struct event *sigint_ev, *sigterm_ev, *drain_ev;
    uint64_t drain_started, killed_at;
    bool draining;
};

static int load_config(struct zerg_config *cfg, const char *path)
{
    char err[512];
    if (zerg_config_load(cfg, path, err, sizeof err) < 0) {
        fprintf(stderr, "zerg: %s\n", err);
        return -1;
    }
    return 0;
}

/* Raise RLIMIT_NOFILE to what the configured limits need; fail if it cannot be. */
static int raise_fd_limit(const struct zerg_config *cfg)
{
    struct rlimit rl;
    uint64_t need = proxy_fds_needed(cfg);
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max < need)
        rl.rlim_max = need; /* needs CAP_SYS_RESOURCE; the error below says so */
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        fprintf(stderr,
                "zerg: the configured limits need %llu file descriptors and RLIMIT_NOFILE "
                "cannot be raised to that (%s); lower proxy.max_connections or "
                "limits.max_instances, or raise the hard limit\n",
                (unsigned long long)need, strerror(errno));
        return -1;
    }
    return 0;
}

static void drain_check_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct daemon *d = arg;
    uint64_t now = zclock_now_ns();
    if (zs_spawner_live(d->sp) == 0 && zs_spawner_queued(d->sp) == 0 &&
        proxy_connections(d->px) == 0) {
        event_base_loopbreak(d->base);
        return;
    }
    if (!d->killed_at && now - d->drain_started >= (uint64_t)d->cfg->proxy.drain_timeout_ms * 1000000u) {
        zlog_msg(ZLOG_WARN, "drain", "drain timeout: killing %zu instances",
                 zs_spawner_live(d->sp));
        zs_spawner_kill_all(d->sp);
        d->killed_at = now;
    }
    if (d->killed_at && now - d->killed_at >= (uint64_t)KILL_GRACE_MS * 1000000u) {
        zlog_msg(ZLOG_ERROR, "drain", "instances not reaped after kill; exiting anyway");
        event_base_loopbreak(d->base);
    }
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct daemon *d = arg;
    if (d->draining) {
        zlog_msg(ZLOG_WARN, "signal", "second signal %d: finishing the drain now", (int)sig);
        d->drain_started = 0; /* the timeout check kills on the next poll */
        return;
    }
    d->draining = true;
    d->drain_started = zclock_now_ns();
    zlog_msg(ZLOG_INFO, "signal", "signal %d: draining (up to %u ms)", (int)sig,
             d->cfg->proxy.drain_timeout_ms);
    proxy_stop_accepting(d->px);
    zs_spawner_drain(d->sp);
    struct timeval tv = zclock_ms_to_tv(DRAIN_POLL_MS);
    event_add(d->drain_ev, &tv);
}

static int serve(const char *path)
{
    struct zerg_config cfg;
    struct daemon d = {0};
    char err[512] = "";
    int rc = EXIT_FAILED;

    zerg_config_init(&cfg);
    if (load_config(&cfg, path) < 0) {
        zerg_config_dispose(&cfg);
        return EXIT_CONFIG;
    }
    enum zlog_level lvl;
    if (zlog_level_parse(cfg.daemon.log_level, &lvl) == 0)
        zlog_set_level(lvl);
    d.cfg = &cfg;
    signal(SIGPIPE, SIG_IGN);
    if (raise_fd_limit(&cfg) < 0)
        goto out;
    d.base = event_base_new();
    /* Three priorities (default 1): proxy events that must not overtake a guest's report in
     * the same loop turn run at 2 (see proxy.c, the client-left watch). */
    if (!d.base || event_base_priority_init(d.base, 3) < 0) {
        snprintf(err, sizeof err, "event_base_new failed");
        goto out;
    }
    d.sp = zs_spawner_new(&cfg, d.base, err, sizeof err);
    if (!d.sp)
        goto out;
    d.px = proxy_new(&cfg, d.base, d.sp, err, sizeof err);
    if (!d.px)
        goto out;
    d.admin = admin_new(&cfg, d.base, d.sp, d.px, err, sizeof err);
    if (!d.admin && err[0])
        goto out;
    d.sigint_ev = evsignal_new(d.base, SIGINT, signal_cb, &d);
    d.sigterm_ev = evsignal_new(d.base, SIGTERM, signal_cb, &d);
    d.drain_ev = event_new(d.base, -1, EV_PERSIST, drain_check_cb, &d);
    if (!d.sigint_ev || !d.sigterm_ev || !d.drain_ev) {
        snprintf(err, sizeof err, "cannot set up signal handling");
        goto out;
    }
    event_add(d.sigint_ev, NULL);
    event_add(d.sigterm_ev, NULL);

    struct zlog_line l;
    zlog_begin(&l, ZLOG_INFO, "listening");
    char addr[96];
    snprintf(addr, sizeof addr, "%s:%u", cfg.proxy.listen.host, cfg.proxy.listen.port);
    zlog_kv_str(&l, "proxy", addr);
    snprintf(addr, sizeof addr, "%s:%u", cfg.admin.listen.host, cfg.admin.listen.port);
    zlog_kv_str(&l, "admin", d.admin ? addr : "off");
    zlog_kv_str(&l, "backend", cfg.backend.type);
    zlog_kv_str(&l, "daemon", cfg.daemon.id);
    zlog_kv_u64(&l, "pid", (uint64_t)getpid());
    zlog_end(&l);

    if (event_base_dispatch(d.base) < 0) {
        snprintf(err, sizeof err, "event loop failed");
        goto out;
    }
    rc = EXIT_OK;
    zlog_msg(ZLOG_INFO, "exit", "drained and reaped; exiting");
out:
    if (rc != EXIT_OK && err[0])
        fprintf(stderr, "zerg: %s\n", err);
    admin_free(d.admin);
    proxy_free(d.px);
    zs_spawner_free(d.sp);
    if (d.sigint_ev)
        event_free(d.sigint_ev);
    if (d.sigterm_ev)
        event_free(d.sigterm_ev);
    if (d.drain_ev)
        event_free(d.drain_ev);
    if (d.base)
        event_base_free(d.base);
    zerg_config_dispose(&cfg);
    return rc;
}

static int check_config(const char *path)
{
    struct zerg_config cfg;
    zerg_config_init(&cfg);
    int ok = load_config(&cfg, path) == 0;
    if (ok)
        printf("%s: valid (backend %s, proxy %s:%u, admin %s:%u, max_instances %u)\n", path,
               cfg.backend.type, cfg.proxy.listen.host, cfg.proxy.listen.port,
               cfg.admin.listen.host, cfg.admin.listen.port, cfg.limits.max_instances);
    zerg_config_dispose(&cfg);
    return ok ? EXIT_OK : EXIT_CONFIG;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("zerg %s\n", ZERG_VERSION);
        return EXIT_OK;
    }
    if (argc == 4 && strcmp(argv[1], "serve") == 0 && strcmp(argv[2], "-c") == 0)
        return serve(argv[3]);
    if (argc == 3 && strcmp(argv[1], "check-config") == 0)
        return check_config(argv[2]);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}
