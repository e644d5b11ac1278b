/*
 * state_dir: a daemon's lock and its records of live instances, on disk.
 *
 *   <state_dir>/<daemon id>.lock              flock(LOCK_EX) held for the daemon's whole life
 *   <state_dir>/<daemon id>/<inst>.rec        one line per live instance: "<backend> <record>"
 *   <state_dir>/<daemon id>/spare-<n>.rec     the same for a spare: something the backend made
 *                                             ahead of demand (a pooled domain) that belongs to
 *                                             no instance yet
 *
 * A second daemon with the same id fails to start (the lock is held); daemons with other ids
 * share the directory and never look at each other's files. Records are written when the backend
 * knows what to destroy, and removed when the instance is reaped (the spare is gone, or taken
 * by an instance, whose own record is written first); what is left at start is what an earlier
 * run of this id left behind, of either kind.
 */
#ifndef ZERG_STATE_DIR_H
#define ZERG_STATE_DIR_H

#include <stddef.h>
#include <stdint.h>

/* What a record describes; the two kinds have separate id spaces. */
enum state_rec_kind { STATE_REC_INSTANCE, STATE_REC_SPARE };

struct state_dir {
    int lock_fd; /* -1 when not held */
    int dir_fd;  /* the <daemon id>/ directory, -1 when closed */
    char path[512];
};

void state_dir_init(struct state_dir *sd);
/* Creates the directories (0700), takes the lock. -1 with err filled on failure. */
int state_dir_open(struct state_dir *sd, const char *state_dir, const char *daemon_id, char *err,
                   size_t errlen);
/* Calls fn for every record left behind, then removes it. Returns records seen, -1 on error.
 * Files that are not records of either kind are left alone. */
int state_dir_sweep(struct state_dir *sd,
                    void (*fn)(void *arg, enum state_rec_kind kind, uint64_t id,
                               const char *backend, const char *record),
                    void *arg, char *err, size_t errlen);
/* Writes (or replaces) a record atomically; -1 if it does not fit a line of 1 KiB or the write
 * fails (errno set). */
int state_dir_write(struct state_dir *sd, enum state_rec_kind kind, uint64_t id,
                    const char *backend, const char *record);
void state_dir_remove(struct state_dir *sd, enum state_rec_kind kind, uint64_t id);
/* Releases the lock and closes everything; safe twice. */
void state_dir_dispose(struct state_dir *sd);

#endif
