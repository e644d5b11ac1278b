/* backends: the table of compiled-in backends, looked up by configuration name. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

static const struct zs_backend_ops *const backends[] = {
    &zs_backend_process,
#ifdef ZERG_HAVE_XEN
    &zs_backend_xen,
#endif
};

const struct zs_backend_ops *zs_backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (name && strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

struct zs_spawner *zs_spawner_new(const struct zerg_config *cfg, struct event_base *base,
                                  char *err, size_t errlen)
{
    const struct zs_backend_ops *ops = zs_backend_find(cfg->backend.type);
    if (!ops) {
        snprintf(err, errlen, "unknown backend \"%s\"", cfg->backend.type);
        return NULL;
    }
    return zs_spawner_new_with_backend(cfg, base, ops, err, errlen);
}
