/*
 * proxy: the front listener. Per connection: read and check the request head (bounded in size
 * and time; 431/408/400 without spending an instance), ask the spawner for an instance, hold
 * the connection while it boots (watching for the client leaving), then hand it over: the
 * socket itself (fd hand-off) or forwarding both ways (forward hand-off). 503 with Retry-After
 * when no instance can be had, 502 when the instance fails before serving.
 *
 * Descriptor exhaustion (EMFILE/ENFILE) pauses accepting for a moment and refuses the waiting
 * client with a reserve descriptor; it never crashes or spins. One proxy per event_base.
 */
#ifndef ZERG_PROXY_H
#define ZERG_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct event_base;
struct evbuffer;
struct zs_spawner;
struct proxy;

struct proxy *proxy_new(const struct zerg_config *cfg, struct event_base *base,
                        struct zs_spawner *sp, char *err, size_t errlen);
/* Stop accepting (close the listener); connections in flight go on. */
void proxy_stop_accepting(struct proxy *px);
/* Connections still open. */
size_t proxy_connections(const struct proxy *px);
/* Closes every connection and frees the proxy. */
void proxy_free(struct proxy *px);
void proxy_write_metrics(struct proxy *px, struct evbuffer *out);

/* Descriptors the proxy may need at the configured limits (for RLIMIT_NOFILE). */
uint64_t proxy_fds_needed(const struct zerg_config *cfg);

#endif
