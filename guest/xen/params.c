/* params: see params.h. */
#include "params.h"

#include "pvclock.h"
#include "xenstore.h"

#define REQUEST_NS 2000000000ull /* per xenstore request */
#define TOKEN      "zerg-params"

static uint64_t request_deadline(void)
{
    return xg_clock_ns() + REQUEST_NS;
}

/* 0 once data/zerg/instance exists, XG_ENOENT while it does not. */
static int instance_present(void)
{
    char value[2];
    int rc = xg_store_read("data/zerg/instance", value, sizeof value, request_deadline());
    return rc >= 0 || rc == XG_E2BIG ? 0 : rc;
}

int xg_params_wait(uint64_t deadline_ns)
{
    char marker[8];
    int rc = xg_store_read("data/zerg/pooled", marker, sizeof marker, request_deadline());
    if (rc >= 0)
        deadline_ns = UINT64_MAX; /* prepared ahead of demand: the request may take long */
    else if (rc != XG_ENOENT)
        return rc;
    rc = xg_store_watch("data/zerg/instance", TOKEN, request_deadline());
    if (rc)
        return rc;
    /* The watch fires once when set, then on every change: check after each event. */
    while ((rc = instance_present()) == XG_ENOENT) {
        char path[XG_STORE_PATH_MAX], token[XG_STORE_TOKEN_MAX];
        rc = xg_store_next_event(path, token, deadline_ns);
        if (rc && rc != XG_E2BIG) /* E2BIG: events were dropped; checking again is enough */
            break;
    }
    int urc = xg_store_unwatch("data/zerg/instance", TOKEN, request_deadline());
    return rc ? rc : urc;
}
