/* state_dir: see state_dir.h. */
#include "state_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void state_dir_init(struct state_dir *sd)
{
    sd->lock_fd = -1;
    sd->dir_fd = -1;
    sd->path[0] = 0;
}

/* mkdir -p with mode 0700 for what it creates. */
static int mkdir_p(const char *path)
{
    char tmp[512];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int state_dir_open(struct state_dir *sd, const char *dir, const char *daemon_id, char *err,
                   size_t errlen)
{
    char lock_path[600];
    if (snprintf(sd->path, sizeof sd->path, "%s/%s", dir, daemon_id) >= (int)sizeof sd->path) {
        snprintf(err, errlen, "state directory path too long: %s", dir);
        return -1;
    }
    if (mkdir_p(sd->path) < 0) {
        snprintf(err, errlen, "cannot create state directory %s: %s", sd->path, strerror(errno));
        return -1;
    }
    snprintf(lock_path, sizeof lock_path, "%s/%s.lock", dir, daemon_id);
    sd->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sd->lock_fd < 0) {
        snprintf(err, errlen, "cannot open lock file %s: %s", lock_path, strerror(errno));
        return -1;
    }
    if (flock(sd->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(err, errlen, "daemon id %s already running (lock %s held): %s", daemon_id,
                 lock_path, strerror(errno));
        close(sd->lock_fd);
        sd->lock_fd = -1;
        return -1;
    }
    /* The pid in the lock file is for people; the flock is what counts. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(sd->lock_fd, 0) == 0 && write(sd->lock_fd, pid, (size_t)n) != n)
        (void)0;
    sd->dir_fd = open(sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sd->dir_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", sd->path, strerror(errno));
        return -1;
    }
    return 0;
}

static const char *const kind_prefix[] = {[STATE_REC_INSTANCE] = "", [STATE_REC_SPARE] = "spare-"};

/* "<prefix><id>.rec" */
static void record_name(char *out, size_t cap, enum state_rec_kind kind, uint64_t id,
                        const char *suffix)
{
    snprintf(out, cap, "%s%" PRIu64 "%s", kind_prefix[kind], id, suffix);
}

/* The kind and id a file name stands for; -1 if it is not a record's name. Strict: digits only,
 * so "12.rec.tmp" or "spare-x.rec" are not records. */
static int parse_record_name(const char *name, enum state_rec_kind *kind, uint64_t *id)
{
    size_t plen = strlen(kind_prefix[STATE_REC_SPARE]);
    *kind = STATE_REC_INSTANCE;
    if (strncmp(name, kind_prefix[STATE_REC_SPARE], plen) == 0) {
        *kind = STATE_REC_SPARE;
        name += plen;
    }
    const char *p = name;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (p == name || strcmp(p, ".rec") != 0)
        return -1;
    *id = v;
    return 0;
}

int state_dir_sweep(struct state_dir *sd,
                    void (*fn)(void *arg, enum state_rec_kind kind, uint64_t id,
                               const char *backend, const char *record),
                    void *arg, char *err, size_t errlen)
{
    int dup_fd = -1, seen = 0;
    DIR *d = NULL;

    dup_fd = dup(sd->dir_fd);
    if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
        snprintf(err, errlen, "cannot read %s: %s", sd->path, strerror(errno));
        if (dup_fd >= 0)
            close(dup_fd);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t id;
        enum state_rec_kind kind;
        if (parse_record_name(e->d_name, &kind, &id) < 0)
            continue;
        char line[1024] = "";
        int fd = openat(sd->dir_fd, e->d_name, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t r = read(fd, line, sizeof line - 1);
            line[r > 0 ? r : 0] = 0;
            close(fd);
        }
        line[strcspn(line, "\n")] = 0;
        char *space = strchr(line, ' ');
        if (space) {
            *space = 0;
            fn(arg, kind, id, line, space + 1);
        } else {
            fn(arg, kind, id, "", line);
        }
        unlinkat(sd->dir_fd, e->d_name, 0);
        seen++;
    }
    closedir(d);
    return seen;
}

int state_dir_write(struct state_dir *sd, enum state_rec_kind kind, uint64_t id,
                    const char *backend, const char *record)
{
    char name[48], tmp[48], line[1024];
    record_name(name, sizeof name, kind, id, ".rec");
    record_name(tmp, sizeof tmp, kind, id, ".tmp");
    int n = snprintf(line, sizeof line, "%s %s\n", backend, record);
    if (n < 0 || n >= (int)sizeof line) {
        errno = E2BIG;
        return -1;
    }
    int fd = openat(sd->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, line, (size_t)n);
    close(fd);
    /* rename makes the record appear whole or not at all. */
    if (w != n || renameat(sd->dir_fd, tmp, sd->dir_fd, name) < 0) {
        unlinkat(sd->dir_fd, tmp, 0);
        return -1;
    }
    return 0;
}

void state_dir_remove(struct state_dir *sd, enum state_rec_kind kind, uint64_t id)
{
    char name[48];
    record_name(name, sizeof name, kind, id, ".rec");
    if (sd->dir_fd >= 0)
        unlinkat(sd->dir_fd, name, 0);
}

void state_dir_dispose(struct state_dir *sd)
{
    if (sd->dir_fd >= 0)
        close(sd->dir_fd);
    if (sd->lock_fd >= 0)
        close(sd->lock_fd); /* closing the last fd releases the flock */
    sd->dir_fd = -1;
    sd->lock_fd = -1;
}
