/*
 * admin: the admin listener (libevent's evhttp): GET /metrics (Prometheus text format) and
 * GET /instances (JSON). Loopback only unless admin.allow_remote says otherwise (enforced by
 * the configuration check). Anything else is 404; methods other than GET/HEAD are 405.
 */
#ifndef ZERG_ADMIN_H
#define ZERG_ADMIN_H

#include <stddef.h>

#include "config.h"

struct event_base;
struct zs_spawner;
struct proxy;
struct admin;

/* NULL with err filled on failure; NULL with err empty when admin.listen.port is 0 (off). */
struct admin *admin_new(const struct zerg_config *cfg, struct event_base *base,
                        struct zs_spawner *sp, struct proxy *px, char *err, size_t errlen);
void admin_free(struct admin *a);

#endif
