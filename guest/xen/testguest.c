/*
 * testguest: a TEST DOUBLE of the zerg instance on Xen, standing in until the VM runs on this
 * platform layer. It exercises the layer end to end the way the real instance will:
 *
 *   1. reads its parameters from xenstore under its own domain path:
 *        data/zerg/instance   required; 1..64 characters of [A-Za-z0-9._-]
 *        data/zerg/linger_ms  optional; 0..60000 (default 0): how long to wait for the
 *                             toolstack's control/shutdown request before powering off alone
 *   2. writes one console line: "zerg-testguest: instance=ID ready boot_us=N"
 *   3. reports readiness: data/zerg/ready = ID (the instance id read in step 1), and
 *      data/zerg/boot_us = microseconds from entering C to this point
 *   4. waits (watch on control/shutdown, SCHEDOP_poll until the linger deadline) and powers off.
 *
 * Bad or missing parameters: a console line naming the problem, data/zerg/error = the reason,
 * and a crash shutdown, so the toolstack sees a failure and not a clean exit.
 */
#include "boot.h"
#include "console.h"
#include "freestanding.h"
#include "gnttab.h"
#include "pvclock.h"
#include "xenstore.h"

#define STORE_TIMEOUT_NS 2000000000ull /* per xenstore request */
#define INSTANCE_MAX     64
#define LINGER_MAX_MS    60000

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

int xg_main(void)
{
    char instance[INSTANCE_MAX + 2], linger_text[16], ready_us[24];
    uint64_t linger_ms = 0;

    int rc = xg_store_init();
    if (rc)
        xg_panic("no xenstore ring in start_info");
    rc = xg_gnttab_init();
    if (rc)
        fail("grant table setup failed", rc);

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

    uint64_t boot_us = (xg_clock_ns() - xg_boot_ns()) / 1000;
    xg_console_printf("zerg-testguest: instance=%s ready boot_us=%lu\n", instance,
                      (unsigned long)boot_us);
    xg_snprintf(ready_us, sizeof ready_us, "%lu", (unsigned long)boot_us);
    rc = xg_store_write("data/zerg/boot_us", ready_us, store_deadline());
    if (rc == 0)
        rc = xg_store_write("data/zerg/ready", instance, store_deadline());
    if (rc)
        fail("cannot write readiness under data/zerg", rc);

    if (linger_ms) {
        rc = wait_for_shutdown_request(xg_clock_ns() + linger_ms * 1000000ull);
        if (rc)
            fail("waiting for control/shutdown failed", rc);
    }
    xg_console_printf("zerg-testguest: instance=%s powering off\n", instance);
    return 0;
}
