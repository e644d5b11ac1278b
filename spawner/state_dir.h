/*
 * state_dir: a daemon's lock and its records of live instances, on disk.
 *
 *   <state_dir>/<daemon id>.lock        flock(LOCK_EX) held for the daemon's whole life
 *   <state_dir>/<daemon id>/<inst>.rec  one line per live instance: "<backend> <record>"
 *
 * A second daemon with the same id fails to start (the lock is held); daemons with other ids
 * share the directory and never look at each other's files. Records are written when the backend
 * knows what to destroy, and removed when the instance is reaped; what is left at start is what
 * an earlier run of this id left behind.
 */
#ifndef ZERG_STATE_DIR_H
#define ZERG_STATE_DIR_H

#include <stddef.h>
#include <stdint.h>

struct state_dir {
    int lock_fd;   /* -1 when not held */
    int dir_fd;    /* the <daemon id>/ directory, -1 when closed */
    char path[512];
};

void state_dir_init(struct state_dir *sd);
/* Creates the directories (0700), takes the lock. -1 with err filled on failure. */
int state_dir_open(struct state_dir *sd, const char *state_dir, const char *daemon_id, char *err,
                   size_t errlen);
/* Calls fn for every record left behind, then removes it. Returns records seen, -1 on error. */
int state_dir_sweep(struct state_dir *sd,
                    void (*fn)(void *arg, uint64_t id, const char *backend, const char *record),
                    void *arg, char *err, size_t errlen);
int state_dir_write(struct state_dir *sd, uint64_t id, const char *backend, const char *record);
void state_dir_remove(struct state_dir *sd, uint64_t id);
/* Releases the lock and closes everything; safe twice. */
void state_dir_dispose(struct state_dir *sd);

#endif
