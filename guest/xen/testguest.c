/*
 * testguest: a TEST DOUBLE of the zerg instance on Xen, standing in until the VM runs on this
 * platform layer. It exercises the layer end to end the way the real instance will:
 *
 *   1. waits until its parameters are there (params.h: at once when it was made for its request,
 *      when a request takes it if it was prepared ahead of demand, data/zerg/pooled), then reads
 *      them from xenstore under its own domain path:
 *        data/zerg/instance   required; 1..64 characters of [A-Za-z0-9._-]
 *        data/zerg/linger_ms  optional; 0..60000 (default 0): how long to wait for the
 *                             toolstack's control/shutdown request before powering off alone
 *        data/zerg/vchan      optional; a xenstore path relative to the domain's home: serve
 *                             one HTTP request over a vchan whose server end it publishes
 *                             there (for dom0's libxenvchan_client_init), within
 *                             data/zerg/linger_ms (or 10 s). docs/guest-contract.md, Xen.
 *   2. writes one console line: "zerg-testguest: instance=ID ready boot_us=N"
 *   3. reports readiness: data/zerg/ready = ID (the instance id read in step 1), and
 *      data/zerg/boot_us = microseconds from entering C to this point
 *   4. with data/zerg/vchan: reads the request head, answers "200 OK" with X-Zerg-Instance: ID and
 *      Connection: close, closes the channel;
 *      otherwise: waits (watch on control/shutdown, SCHEDOP_poll until the linger deadline);
 *   5. powers off.
 *
 * Bad or missing parameters: a console line naming the problem, data/zerg/error = the reason,
 * and a crash shutdown, so the toolstack sees a failure and not a clean exit.
 *
 * Misbehaviour on demand, for the toolstack's failure paths: the kernel command line (the
 * daemon's xen.cmdline) may hold one "zerg.test=WHAT":
 *   never-ready         everything as usual but readiness is never written (blocks 120 s, then
 *                       crashes, in case nobody destroys it)
 *   crash-before-ready  crashes right after reading its parameters
 *   crash-after-ready   reports ready, reads the request head, then crashes without answering
 */
#include "boot.h"
#include "console.h"
#include "evtchn.h"
#include "freestanding.h"
#include "gnttab.h"
#include "params.h"
#include "pvclock.h"
#include "vchan.h"
#include "xenstore.h"

#define STORE_TIMEOUT_NS 2000000000ull /* per xenstore request */
#define PARAMS_WAIT_NS   2000000000ull /* parameters not there at boot (not pooled): give up */
#define INSTANCE_MAX     64
#define LINGER_MAX_MS    60000
#define SERVE_DEFAULT_MS 10000
#define REQUEST_MAX      4096
#define VCHAN_PATH_MAX   128

static char vchan_page[XG_PAGE_SIZE] __attribute__((aligned(4096), section(".bss.pages")));
static char request[REQUEST_MAX + 1];

enum misbehaviour { BEHAVE, NEVER_READY, CRASH_BEFORE_READY, CRASH_AFTER_READY };

/* The "zerg.test=WHAT" word of the kernel command line, if any. */
static enum misbehaviour misbehaviour_from_cmdline(void)
{
    static const struct {
        const char *word;
        enum misbehaviour m;
    } words[] = {{"zerg.test=never-ready", NEVER_READY},
                 {"zerg.test=crash-before-ready", CRASH_BEFORE_READY},
                 {"zerg.test=crash-after-ready", CRASH_AFTER_READY}};
    const char *line = (const char *)xg_start_info()->cmd_line;
    size_t len = 0;
    while (len < MAX_GUEST_CMDLINE && line[len])
        len++;
    for (size_t start = 0; start < len;) {
        size_t end = start;
        while (end < len && line[end] != ' ')
            end++;
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (xg_strlen(words[i].word) == end - start &&
                memcmp(words[i].word, line + start, end - start) == 0)
                return words[i].m;
        start = end + 1;
    }
    return BEHAVE;
}

static uint64_t store_deadline(void)
{
    return xg_clock_ns() + STORE_TIMEOUT_NS;
}

static int valid_instance(const char *s)
{
    size_t n = xg_strlen(s);
    if (n == 0 || n > INSTANCE_MAX)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* A relative xenstore path of plain components: no leading '/', no empty or dot-only parts. */
static int valid_store_path(const char *s)
{
    size_t part = 0;
    if (!*s || *s == '/')
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (c == '/') {
            if (part == 0)
                return 0;
            part = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
        part++;
    }
    return part > 0;
}

/* Reports a fatal problem everywhere the toolstack looks, then crashes the domain. */
static void fail(const char *what, int err)
{
    char reason[160];
    if (err)
        xg_snprintf(reason, sizeof reason, "%s: %s", what, xg_strerror(err));
    else
        xg_snprintf(reason, sizeof reason, "%s", what);
    xg_console_printf("zerg-testguest: error: %s\n", reason);
    xg_store_write("data/zerg/error", reason, store_deadline());
    xg_panic(reason);
}

static int wait_for_shutdown_request(uint64_t deadline_ns)
{
    int rc = xg_store_watch("control/shutdown", "zerg-shutdown", store_deadline());
    if (rc)
        return rc;
    for (;;) {
        char path[XG_STORE_PATH_MAX], token[XG_STORE_TOKEN_MAX], value[32];
        rc = xg_store_next_event(path, token, deadline_ns);
        if (rc == XG_ETIMEDOUT)
            return 0;
        if (rc && rc != XG_E2BIG)
            return rc;
        /* The first event is the watch's initial firing; the node may not exist yet. */
        rc = xg_store_read("control/shutdown", value, sizeof value, store_deadline());
        if (rc > 0) {
            xg_console_printf("zerg-testguest: shutdown requested (%s)\n", value);
            return 0;
        }
        if (rc < 0 && rc != XG_ENOENT)
            return rc;
    }
}

static int head_complete(const char *buf, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n')
            return 1;
    return 0;
}

/* Reads one request head from the channel and answers it; XG_E* on failure. */
static int serve_one_request(struct xg_vchan *v, const char *instance, uint64_t deadline_ns,
                             int crash_instead)
{
    size_t len = 0;
    while (!head_complete(request, len)) {
        if (len == REQUEST_MAX)
            return XG_E2BIG;
        long n = xg_vchan_read(v, request + len, REQUEST_MAX - len, deadline_ns);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return XG_EIO; /* the client closed before a whole head */
        len += (size_t)n;
    }
    request[len] = '\0';
    if (crash_instead) {
        xg_console_printf("zerg-testguest: instance=%s crashing after ready (zerg.test)\n",
                          instance);
        xg_shutdown(SHUTDOWN_crash);
    }
    char body[160], head[320];
    size_t body_len =
        xg_snprintf(body, sizeof body, "hello from zerg instance %s on Xen\n", instance);
    size_t head_len = xg_snprintf(head, sizeof head,
                                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                  "Content-Length: %lu\r\nConnection: close\r\n"
                                  "X-Zerg-Instance: %s\r\n\r\n",
                                  (unsigned long)body_len, instance);
    int rc = xg_vchan_write_all(v, head, head_len, deadline_ns);
    if (rc == 0)
        rc = xg_vchan_write_all(v, body, body_len, deadline_ns);
    xg_vchan_close(v, deadline_ns);
    return rc;
}

int xg_main(void)
{
    char instance[INSTANCE_MAX + 2], linger_text[16], ready_us[24], vchan_path[VCHAN_PATH_MAX];
    uint64_t linger_ms = 0;
    int serve_vchan = 0;
    struct xg_vchan vchan = {0};

    int rc = xg_store_init();
    if (rc)
        xg_panic("no xenstore ring in start_info");
    rc = xg_gnttab_init();
    if (rc)
        fail("grant table setup failed", rc);

    rc = xg_params_wait(xg_clock_ns() + PARAMS_WAIT_NS);
    if (rc)
        fail("cannot read data/zerg/instance", rc);
    rc = xg_store_read("data/zerg/instance", instance, sizeof instance, store_deadline());
    if (rc == XG_E2BIG || (rc >= 0 && !valid_instance(instance)))
        fail("data/zerg/instance must be 1-64 characters of [A-Za-z0-9._-]", 0);
    if (rc < 0)
        fail("cannot read data/zerg/instance", rc);
    rc = xg_store_read("data/zerg/linger_ms", linger_text, sizeof linger_text, store_deadline());
    if (rc >= 0 && xg_parse_u64(linger_text, LINGER_MAX_MS, &linger_ms) != 0)
        fail("data/zerg/linger_ms must be a decimal number of ms, at most 60000", 0);
    if (rc < 0 && rc != XG_ENOENT)
        fail("cannot read data/zerg/linger_ms", rc);
    rc = xg_store_read("data/zerg/vchan", vchan_path, sizeof vchan_path, store_deadline());
    if (rc == XG_E2BIG || (rc >= 0 && !valid_store_path(vchan_path)))
        fail("data/zerg/vchan must be a relative xenstore path of [A-Za-z0-9._/-]", 0);
    if (rc < 0 && rc != XG_ENOENT)
        fail("cannot read data/zerg/vchan", rc);
    serve_vchan = rc >= 0;
    if (serve_vchan) {
        rc = xg_vchan_server_init(&vchan, vchan_page, 0, vchan_path, store_deadline());
        if (rc)
            fail("cannot set up the vchan server", rc);
    }

    enum misbehaviour how = misbehaviour_from_cmdline();
    if (how == CRASH_BEFORE_READY) {
        xg_console_printf("zerg-testguest: instance=%s crashing before ready (zerg.test)\n",
                          instance);
        xg_shutdown(SHUTDOWN_crash);
    }
    if (how == NEVER_READY) {
        xg_console_printf("zerg-testguest: instance=%s never ready (zerg.test)\n", instance);
        /* SCHEDOP_poll on no port still wakes on any event of the domain: loop. */
        uint64_t until = xg_clock_ns() + 120000000000ull;
        while (xg_clock_ns() < until)
            xg_evtchn_poll(NULL, 0, until);
        xg_shutdown(SHUTDOWN_crash);
    }
    uint64_t boot_us = (xg_clock_ns() - xg_boot_ns()) / 1000;
    xg_console_printf("zerg-testguest: instance=%s ready boot_us=%lu\n", instance,
                      (unsigned long)boot_us);
    xg_snprintf(ready_us, sizeof ready_us, "%lu", (unsigned long)boot_us);
    rc = xg_store_write("data/zerg/boot_us", ready_us, store_deadline());
    if (rc == 0)
        rc = xg_store_write("data/zerg/ready", instance, store_deadline());
    if (rc)
        fail("cannot write readiness under data/zerg", rc);

    if (serve_vchan) {
        uint64_t ms = linger_ms ? linger_ms : SERVE_DEFAULT_MS;
        rc = serve_one_request(&vchan, instance, xg_clock_ns() + ms * 1000000ull,
                               how == CRASH_AFTER_READY);
        if (rc) {
            char state[200];
            xg_vchan_describe(&vchan, state, sizeof state);
            xg_console_printf("zerg-testguest: vchan: %s\n", state);
            fail("serving the request over vchan failed", rc);
        }
        xg_console_printf("zerg-testguest: instance=%s served one request\n", instance);
    } else if (linger_ms) {
        rc = wait_for_shutdown_request(xg_clock_ns() + linger_ms * 1000000ull);
        if (rc)
            fail("waiting for control/shutdown failed", rc);
    }
    xg_console_printf("zerg-testguest: instance=%s powering off\n", instance);
    return 0;
}
