/*
 * forward: two streams joined both ways with back-pressure (libevent's le-proxy pattern).
 *
 * Bytes read on one side are moved to the other side's output; when that output holds more than
 * `high` bytes, reading the first side stops until it drains below `low`. An EOF on one side is
 * passed on as a half-close (shutdown SHUT_WR) once everything before it was written. `done`
 * runs once: when both directions have ended and been flushed (error 0), or at the first error
 * on either side (error 1). The forward owns both bufferevents and frees them in forward_free;
 * call forward_free from `done` or later, never from inside another bufferevent callback of
 * these two.
 */
#ifndef ZERG_FORWARD_H
#define ZERG_FORWARD_H

#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct forward;

struct forward *forward_new(struct bufferevent *client, struct bufferevent *instance, size_t high,
                            size_t low, void (*done)(void *arg, int error), void *arg);
void forward_free(struct forward *f);
/* Bytes moved from the instance to the client so far. */
uint64_t forward_bytes_to_client(const struct forward *f);

#endif
