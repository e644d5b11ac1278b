/*
 * config: zerg's configuration, read from one JSON file (jsmn, JSMN_STRICT) and validated.
 *
 * Contract:
 * - zerg_config_init fills every field with its default and allocates nothing (string defaults
 *   are static); zerg_config_dispose frees what parsing allocated, leaves the defaults behind,
 *   and is safe to call twice and on an init-only struct. Strings and vectors belong to cfg:
 *   read them, never free or write into them.
 * - zerg_config_load / zerg_config_parse take a struct that was initialised (by init, or by an
 *   earlier load/parse) and replace its whole content. They accept exactly the schema
 *   documented in docs/config.md: unknown keys, duplicate keys, wrong types, out-of-range
 *   values, bad string escapes, invalid UTF-8 and malformed JSON are rejected. On error they
 *   return -1 and write one line to err (cut to errlen; err may be NULL) of the form
 *     FILE:LINE:COLUMN: KEY.PATH: what is wrong
 *   (LINE and COLUMN 1-based, COLUMN in characters, pointing at the offending byte; KEY.PATH
 *   like `limits.max_instances` or `guest.command[2]`, "(top level)" for the root), or, when
 *   the file cannot be read at all, `FILE: cannot read: why`. cfg then holds defaults only.
 * - Relative paths in the file (guest.command[0], guest.image, daemon.state_dir, xen.kernel)
 *   are resolved against the directory of the configuration file and stored absolute.
 * - After a successful parse: guest.argc >= 1; proxy.low_watermark < proxy.high_watermark;
 *   a non-loopback admin listener has admin.allow_remote; backend "xen" has xen.kernel.
 */
#ifndef ZERG_CONFIG_H
#define ZERG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The pieces of common/sandbox_pieces.def, in its order. */
enum zerg_sandbox_piece {
#define X(id, name, what) ZERG_SANDBOX_##id,
#include "sandbox_pieces.def"
#undef X
    ZERG_SANDBOX_NPIECES
};
/* Name of a piece ("pidns"), or NULL if out of range. */
const char *zerg_sandbox_piece_name(enum zerg_sandbox_piece p);
/* One line saying what the piece does, or NULL if out of range. */
const char *zerg_sandbox_piece_what(enum zerg_sandbox_piece p);

/* What the configuration says of one sandbox piece. */
enum zerg_piece_policy {
    ZERG_PIECE_REQUIRED = 0, /* default: the instance is not started without it */
    ZERG_PIECE_OPTIONAL,     /* tried; if the kernel refuses, logged and shown, started anyway */
    ZERG_PIECE_OFF,          /* not applied at all (shown as off in /instances) */
};

enum zerg_handoff {
    ZERG_HANDOFF_FD,      /* the client socket itself becomes the guest's fd 3 */
    ZERG_HANDOFF_FORWARD, /* the guest gets a socketpair end; the proxy forwards both ways */
};

enum zerg_netns_mode {
    ZERG_NETNS_SHARED,       /* one empty net namespace made at start, joined by every guest */
    ZERG_NETNS_PER_INSTANCE, /* a fresh empty one per instance (costlier: see bench) */
};

/* How the xen backend keeps its prepared domains (xen.pool_size > 0) until a request takes one. */
enum zerg_pool_mode {
    ZERG_POOL_PAUSED,  /* created and left paused; unpaused once its parameters are written */
    ZERG_POOL_RUNNING, /* unpaused at once: the guest boots and waits for its parameters */
};

struct zerg_listen {
    char host[64]; /* numeric IPv4 or IPv6 address */
    uint16_t port;
};

struct zerg_config {
    char *path; /* the file it was read from: parse's filename, "" when that is NULL */

    struct {
        char *id;        /* daemon id: [A-Za-z0-9_-]{1,32}; default "zerg" */
        char *state_dir; /* lock file and instance records; default "/run/zerg" */
        char *log_level; /* "debug" | "info" | "warn" | "error"; default "info" */
    } daemon;

    struct {
        struct zerg_listen listen; /* default 127.0.0.1:8080 */
        uint32_t max_head_bytes;   /* 256..1048576, default 16384 */
        uint32_t head_timeout_ms;  /* 10..600000, default 5000 */
        uint32_t max_connections;  /* 1..1000000, default 4096 */
        enum zerg_handoff handoff; /* "fd" (default) | "forward" */
        uint32_t high_watermark;   /* forward mode: stop reading above, 1024..2^30, 262144 */
        uint32_t low_watermark;    /* resume below, 0..2^30-1, default 65536; < high_watermark */
        uint32_t drain_timeout_ms; /* on SIGTERM, how long serving instances may finish,
                                      0..600000, default 5000 */
        uint32_t retry_after_s;    /* Retry-After of 503 answers, 0..3600, default 1 */
    } proxy;

    struct {
        struct zerg_listen listen; /* default 127.0.0.1:8081; port 0 disables the listener */
        bool allow_remote;         /* a non-loopback listen address needs this true; false */
    } admin;

    struct {
        uint32_t max_instances;    /* live at once, 1..100000, default 64 */
        uint32_t queue_length;     /* waiting requests when at capacity, 0..1000000, default 256 */
        uint32_t queue_timeout_ms; /* then 503, 1..600000, default 2000 */
        uint32_t boot_timeout_ms;  /* requested->ready, then 502, 1..600000, default 2000 */
        uint32_t serve_timeout_ms; /* ready->exited, then killed, 1..86400000, default 30000 */
        uint32_t memory_mb;        /* per instance (RLIMIT_AS / domain memory), 1..1048576, 256 */
        uint32_t per_client_max;   /* instances per client address, 1..100000, default 16 */
    } limits;

    struct {
        char *type; /* "process" (default) | "xen" */
    } backend;

    struct {
        char **argv; /* guest command, argv[0] a path; NULL-terminated; required */
        size_t argc;
        char **env; /* "KEY=VALUE", NULL-terminated; default empty (never NULL) */
        size_t envc;
        char *profile; /* seccomp profile name, [a-z0-9_-]{1,32}, default "fixture" */
        char *image;   /* optional (NULL): file or directory the guest reads (its code) */
        uint32_t log_lines_per_second; /* guest stdout/stderr lines logged per instance,
                                          1..100000, default 20 */
        uint32_t log_burst;            /* token bucket depth, 1..100000, default 40 */
    } guest;

    struct {
        enum zerg_piece_policy pieces[ZERG_SANDBOX_NPIECES];
        uint32_t uid_base;          /* guest uid = uid_base + slot; 1000..4e9, default 900000 */
        uint32_t gid;               /* 1000..4e9, default 900000 */
        uint32_t cpu_seconds;       /* RLIMIT_CPU, 1..86400, default 10 */
        uint32_t open_files;        /* RLIMIT_NOFILE, 8..4096, default 64 */
        uint32_t processes;         /* RLIMIT_NPROC, 1..4096, default 1 */
        enum zerg_netns_mode netns; /* "shared" (default) | "per-instance" */
    } sandbox;

    struct {
        char *kernel;       /* PV kernel image of the xen backend; NULL unless set */
        uint32_t memory_mb; /* domain memory, 1..1048576; default limits.memory_mb */
        char *cmdline;      /* kernel command line, at most 1024 bytes; default "" */
        uint32_t pool_size; /* domains prepared ahead of demand, 0..limits.max_instances and
                               at most 1024; default 0 (none: every domain made on request) */
        enum zerg_pool_mode pool_mode; /* "paused" | "running" (default, measured faster:
                                          docs/xen.md) */
    } xen;
};

void zerg_config_init(struct zerg_config *cfg);
/* Frees what parsing allocated and puts the defaults back. */
void zerg_config_dispose(struct zerg_config *cfg);
/* Parses len bytes of text (at most 1 MiB; NUL bytes are an error). filename names the text in
 * messages and relative paths resolve against its directory; NULL: messages say "<config>" and
 * relative paths resolve against the working directory. */
int zerg_config_parse(struct zerg_config *cfg, const char *text, size_t len, const char *filename,
                      char *err, size_t errlen);
/* Reads the regular file at path (at most 1 MiB) and parses it. */
int zerg_config_load(struct zerg_config *cfg, const char *path, char *err, size_t errlen);

#endif
