/*
 * xenstore: a synchronous xenstore client over the shared ring (xs_wire.h protocol).
 *
 * One request at a time, as LING does: send, then wait for the reply with the same req_id,
 * blocking in SCHEDOP_poll on the store's event channel until `deadline_ns` (Xen system time;
 * UINT64_MAX: none). Watch events that arrive meanwhile are queued (XG_STORE_EVENTS at most;
 * beyond that the oldest is dropped and the next xg_store_next_event reports XG_E2BIG once, so
 * the caller re-reads what it watches). Paths without a leading '/' are relative to this
 * domain's home, /local/domain/<domid>. No transactions (tx_id 0).
 *
 * Returns 0 (or a length) on success, a negative XG_E* on failure: XG_ENOENT, XG_EACCES for
 * xenstored's refusals, XG_E2BIG when a value does not fit the caller's buffer, XG_ETIMEDOUT,
 * XG_EIO when the ring or a reply is malformed (the connection is unusable after that).
 */
#ifndef ZERG_XG_XENSTORE_H
#define ZERG_XG_XENSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "xg_error.h"

#define XG_STORE_EVENTS    8
#define XG_STORE_PATH_MAX  256
#define XG_STORE_TOKEN_MAX 64

int xg_store_init(void);
/* Reads a node's value into `value` (NUL-terminated, at most cap - 1 bytes); its length. */
int xg_store_read(const char *path, char *value, size_t cap, uint64_t deadline_ns);
int xg_store_write(const char *path, const char *value, uint64_t deadline_ns);
int xg_store_watch(const char *path, const char *token, uint64_t deadline_ns);
int xg_store_unwatch(const char *path, const char *token, uint64_t deadline_ns);
/* Next watch event (path and token of the watch that fired, NUL-terminated): 0, or
 * XG_ETIMEDOUT at the deadline, XG_E2BIG once after events were dropped. Note that xenstored
 * fires every new watch once at once. */
int xg_store_next_event(char path[XG_STORE_PATH_MAX], char token[XG_STORE_TOKEN_MAX],
                        uint64_t deadline_ns);

#endif
