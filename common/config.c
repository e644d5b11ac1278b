/*
 * config: the schema of zerg's configuration and its validation (see config.h, docs/config.md).
 *
 * One table (`fields`) names every key with its type, range and default: zerg_config_init,
 * the walk of the document and zerg_config_dispose are all driven by it, so a field is added
 * in one place. The JSON itself is read strictly by config_json.c.
 */
#include "config.h"

#include "config_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- sandbox pieces --------------------------------------------------------------------------- */

static const char *const piece_names[] = {
#define X(id, name, what) name,
#include "sandbox_pieces.def"
#undef X
};
static const char *const piece_whats[] = {
#define X(id, name, what) what,
#include "sandbox_pieces.def"
#undef X
};

const char *zerg_sandbox_piece_name(enum zerg_sandbox_piece p)
{
    return (unsigned)p < ZERG_SANDBOX_NPIECES ? piece_names[p] : NULL;
}

const char *zerg_sandbox_piece_what(enum zerg_sandbox_piece p)
{
    return (unsigned)p < ZERG_SANDBOX_NPIECES ? piece_whats[p] : NULL;
}

/* --- the schema ------------------------------------------------------------------------------- */

enum kind {
    K_U32,      /* integer in [min, max] */
    K_BOOL,     /* true | false */
    K_ENUM_STR, /* one of choices, kept as a string */
    K_ENUM_INT, /* one of choices, kept as its index (a C enum) */
    K_NAME,     /* identifier: [a-z0-9_-] (plus A-Z if upper), 1..max characters */
    K_PATH,     /* file name, relative ones resolved against the file's directory */
    K_TEXT,     /* free text of at most max bytes */
    K_LISTEN,   /* "IPv4:port" | "[IPv6]:port", port min..65535 */
    K_ARGV,     /* non-empty array of strings, [0] a path */
    K_ENV,      /* array of "KEY=VALUE" */
    K_PIECES,   /* array of sandbox piece names, each set to the policy `def` */
};

struct field {
    const char *section;
    const char *key;
    enum kind kind;
    size_t off;       /* the member of struct zerg_config */
    size_t count_off; /* K_ARGV, K_ENV: the member holding the count */
    uint32_t min, max;
    uint32_t def;  /* K_U32, K_BOOL, K_ENUM_INT default; K_LISTEN port; K_PIECES policy */
    char *def_str; /* string kinds and K_LISTEN host: the default (static), NULL for none */
    const char *const *choices; /* enums, NULL-terminated */
    bool upper;                 /* K_NAME: upper case letters allowed */
};

/* Defaults of the string fields: static, so init allocates nothing and dispose knows them. */
static char def_daemon_id[] = "zerg";
static char def_state_dir[] = "/run/zerg";
static char def_log_level[] = "info";
static char def_backend[] = "process";
static char def_profile[] = "fixture";
static char def_cmdline[] = "";
static char def_path[] = "";
static char def_loopback[] = "127.0.0.1";
static char *empty_env[1] = {NULL};

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const handoffs[] = {"fd", "forward", NULL};
static const char *const backends[] = {"process", "xen", NULL};
static const char *const netns_modes[] = {"shared", "per-instance", NULL};
static const char *const pool_modes[] = {"paused", "running", NULL};

_Static_assert(sizeof(enum zerg_handoff) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum zerg_netns_mode) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum zerg_pool_mode) == sizeof(int), "enums are stored as int");

#define OFF(member) offsetof(struct zerg_config, member)
#define U32(sec, k, member, lo, hi, d)                                                             \
    {                                                                                              \
        .section = sec, .key = k, .kind = K_U32, .off = OFF(member), .min = lo, .max = hi,         \
        .def = d                                                                                   \
    }

#define MAX_ARGS      256
#define MAX_ARG_BYTES 4096
#define MAX_CMDLINE   1024

static const struct field fields[] = {
    {"daemon", "id", K_NAME, OFF(daemon.id), 0, 1, 32, 0, def_daemon_id, NULL, true},
    {"daemon", "state_dir", K_PATH, OFF(daemon.state_dir), 0, 0, 0, 0, def_state_dir, NULL, 0},
    {"daemon", "log_level", K_ENUM_STR, OFF(daemon.log_level), 0, 0, 0, 0, def_log_level,
     log_levels, 0},

    {"proxy", "listen", K_LISTEN, OFF(proxy.listen), 0, 1, 0, 8080, def_loopback, NULL, 0},
    U32("proxy", "max_head_bytes", proxy.max_head_bytes, 256, 1048576, 16384),
    U32("proxy", "head_timeout_ms", proxy.head_timeout_ms, 10, 600000, 5000),
    U32("proxy", "max_connections", proxy.max_connections, 1, 1000000, 4096),
    {"proxy", "handoff", K_ENUM_INT, OFF(proxy.handoff), 0, 0, 0, ZERG_HANDOFF_FD, NULL, handoffs,
     0},
    U32("proxy", "high_watermark", proxy.high_watermark, 1024, 1073741824, 262144),
    U32("proxy", "low_watermark", proxy.low_watermark, 0, 1073741823, 65536),
    U32("proxy", "drain_timeout_ms", proxy.drain_timeout_ms, 0, 600000, 5000),
    U32("proxy", "retry_after_s", proxy.retry_after_s, 0, 3600, 1),

    {"admin", "listen", K_LISTEN, OFF(admin.listen), 0, 0, 0, 8081, def_loopback, NULL, 0},
    {"admin", "allow_remote", K_BOOL, OFF(admin.allow_remote), 0, 0, 0, false, NULL, NULL, 0},

    U32("limits", "max_instances", limits.max_instances, 1, 100000, 64),
    U32("limits", "queue_length", limits.queue_length, 0, 1000000, 256),
    U32("limits", "queue_timeout_ms", limits.queue_timeout_ms, 1, 600000, 2000),
    U32("limits", "boot_timeout_ms", limits.boot_timeout_ms, 1, 600000, 2000),
    U32("limits", "serve_timeout_ms", limits.serve_timeout_ms, 1, 86400000, 30000),
    U32("limits", "memory_mb", limits.memory_mb, 1, 1048576, 256),
    U32("limits", "per_client_max", limits.per_client_max, 1, 100000, 16),

    {"backend", "type", K_ENUM_STR, OFF(backend.type), 0, 0, 0, 0, def_backend, backends, 0},

    {"guest", "command", K_ARGV, OFF(guest.argv), OFF(guest.argc), 1, MAX_ARGS, 0, NULL, NULL, 0},
    {"guest", "env", K_ENV, OFF(guest.env), OFF(guest.envc), 0, MAX_ARGS, 0, NULL, NULL, 0},
    {"guest", "profile", K_NAME, OFF(guest.profile), 0, 1, 32, 0, def_profile, NULL, false},
    {"guest", "image", K_PATH, OFF(guest.image), 0, 0, 0, 0, NULL, NULL, 0},
    U32("guest", "log_lines_per_second", guest.log_lines_per_second, 1, 100000, 20),
    U32("guest", "log_burst", guest.log_burst, 1, 100000, 40),

    {"sandbox", "optional", K_PIECES, OFF(sandbox.pieces), 0, 0, 0, ZERG_PIECE_OPTIONAL, NULL, NULL,
     0},
    {"sandbox", "off", K_PIECES, OFF(sandbox.pieces), 0, 0, 0, ZERG_PIECE_OFF, NULL, NULL, 0},
    U32("sandbox", "uid_base", sandbox.uid_base, 1000, 4000000000u, 900000),
    U32("sandbox", "gid", sandbox.gid, 1000, 4000000000u, 900000),
    U32("sandbox", "cpu_seconds", sandbox.cpu_seconds, 1, 86400, 10),
    U32("sandbox", "open_files", sandbox.open_files, 8, 4096, 64),
    U32("sandbox", "processes", sandbox.processes, 1, 4096, 1),
    {"sandbox", "netns", K_ENUM_INT, OFF(sandbox.netns), 0, 0, 0, ZERG_NETNS_SHARED, NULL,
     netns_modes, 0},

    {"xen", "kernel", K_PATH, OFF(xen.kernel), 0, 0, 0, 0, NULL, NULL, 0},
    U32("xen", "memory_mb", xen.memory_mb, 1, 1048576, 256),
    {"xen", "cmdline", K_TEXT, OFF(xen.cmdline), 0, 0, MAX_CMDLINE, 0, def_cmdline, NULL, 0},
    U32("xen", "pool_size", xen.pool_size, 0, 1024, 0),
    {"xen", "pool_mode", K_ENUM_INT, OFF(xen.pool_mode), 0, 0, 0, ZERG_POOL_PAUSED, NULL,
     pool_modes, 0},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *const sections[] = {"daemon",  "proxy", "admin",   "limits",
                                       "backend", "guest", "sandbox", "xen"};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static void *member(struct zerg_config *cfg, size_t off)
{
    return (char *)cfg + off;
}

/* --- init and dispose ------------------------------------------------------------------------- */

void zerg_config_init(struct zerg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = def_path;
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct field *f = &fields[i];
        void *m = member(cfg, f->off);
        switch (f->kind) {
        case K_U32:
            *(uint32_t *)m = f->def;
            break;
        case K_BOOL:
            *(bool *)m = f->def;
            break;
        case K_ENUM_INT:
            *(int *)m = (int)f->def;
            break;
        case K_ENUM_STR:
        case K_NAME:
        case K_PATH:
        case K_TEXT:
            *(char **)m = f->def_str;
            break;
        case K_LISTEN: {
            struct zerg_listen *l = m;
            snprintf(l->host, sizeof l->host, "%s", f->def_str);
            l->port = (uint16_t)f->def;
            break;
        }
        case K_ENV:
            *(char ***)m = empty_env;
            break;
        case K_ARGV:   /* no default: required */
        case K_PIECES: /* every piece required (0) */
            break;
        }
    }
}

static void free_strv(char **v)
{
    if (!v || v == empty_env)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

void zerg_config_dispose(struct zerg_config *cfg)
{
    if (cfg->path != def_path)
        free(cfg->path);
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct field *f = &fields[i];
        void *m = member(cfg, f->off);
        switch (f->kind) {
        case K_ENUM_STR:
        case K_NAME:
        case K_PATH:
        case K_TEXT:
            if (*(char **)m != f->def_str)
                free(*(char **)m);
            break;
        case K_ARGV:
        case K_ENV:
            free_strv(*(char ***)m);
            break;
        default:
            break;
        }
    }
    zerg_config_init(cfg);
}

/* --- the walk ------------------------------------------------------------------------------- */

#define NOT_SET SIZE_MAX

struct loader {
    struct cj_doc doc;
    struct zerg_config *cfg;
    const char *filename; /* NULL: relative paths resolve against the working directory */
    char *base_dir;       /* resolved on first need */
    bool base_canonical;  /* base_dir has no symlink or "..": leading ".." may be folded */
    size_t root_at;
    size_t section_at[NSECTIONS]; /* where each section's object starts */
    size_t field_at[NFIELDS];     /* where each field's value starts */
    size_t piece_at[ZERG_SANDBOX_NPIECES];
    const struct field *piece_by[ZERG_SANDBOX_NPIECES];
};

static int fail(struct loader *l, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct loader *l, size_t off, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cj_fail(&l->doc, off, "%s", msg);
}

static const struct field *field_named(const char *section, const char *key)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].section, section) == 0 && strcmp(fields[i].key, key) == 0)
            return &fields[i];
    return NULL;
}

static size_t field_at(const struct loader *l, const char *section, const char *key)
{
    return l->field_at[field_named(section, key) - fields];
}

/* "a, b, c" of the keys of a section (or the sections when section is NULL). */
static const char *known_keys(const char *section, char *buf, size_t buflen)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < (section ? NFIELDS : NSECTIONS); i++) {
        if (section && strcmp(fields[i].section, section) != 0)
            continue;
        const char *name = section ? fields[i].key : sections[i];
        int n = snprintf(buf + o, buflen - o, "%s%s", o ? ", " : "", name);
        if (n < 0 || (size_t)n >= buflen - o)
            break;
        o += (size_t)n;
    }
    return buf;
}

static const char *choices_list(const char *const *choices, char *buf, size_t buflen)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; choices[i]; i++) {
        int n = snprintf(buf + o, buflen - o, "%s\"%s\"", o ? ", " : "", choices[i]);
        if (n < 0 || (size_t)n >= buflen - o)
            break;
        o += (size_t)n;
    }
    return buf;
}

/* The directory relative paths are resolved against, made absolute. */
static int base_dir(struct loader *l, size_t off, const char **out)
{
    if (l->base_dir) {
        *out = l->base_dir;
        return 0;
    }
    char *dir = NULL, *cwd = NULL;
    const char *slash = l->filename ? strrchr(l->filename, '/') : NULL;
    if (!l->filename || !slash)
        dir = strdup(".");
    else if (slash == l->filename)
        dir = strdup("/");
    else
        dir = strndup(l->filename, (size_t)(slash - l->filename));
    if (!dir)
        return fail(l, off, "out of memory");
    l->base_dir = realpath(dir, NULL);
    l->base_canonical = l->base_dir != NULL;
    if (!l->base_dir && dir[0] == '/') {
        l->base_dir = dir;
        dir = NULL;
    } else if (!l->base_dir) {
        /* The file's directory does not exist (parse from memory with a made-up name): keep the
         * name's own directory, under the working directory. */
        cwd = getcwd(NULL, 0);
        if (!cwd || asprintf(&l->base_dir, "%s/%s", cwd, dir) < 0)
            l->base_dir = NULL;
    }
    int e = errno;
    free(dir);
    free(cwd);
    if (!l->base_dir)
        return fail(l, off, "cannot resolve a relative path: %s", strerror(e));
    *out = l->base_dir;
    return 0;
}

/* Resolves raw against the file's directory into a malloc'd absolute path. Leading "./" is
 * dropped and leading "../" folded into the base when the base is canonical (so folding cannot
 * cross a symlink); anything further is kept as written for the kernel to resolve. */
static int resolve_path(struct loader *l, const char *raw, size_t off, char **out)
{
    *out = NULL;
    if (raw[0] == '/') {
        *out = strdup(raw);
        return *out ? 0 : fail(l, off, "out of memory");
    }
    const char *base = NULL;
    if (base_dir(l, off, &base) < 0)
        return -1;
    size_t blen = strlen(base);
    const char *r = raw;
    for (;;) {
        size_t step = 0;
        if (r[0] == '.' && (r[1] == '/' || r[1] == '\0'))
            step = 1;
        else if (l->base_canonical && r[0] == '.' && r[1] == '.' && (r[2] == '/' || r[2] == '\0'))
            step = 2;
        if (!step)
            break;
        if (step == 2) {
            while (blen > 1 && base[blen - 1] != '/')
                blen--;
            if (blen > 1)
                blen--; /* the slash, unless it is the root */
        }
        r += step;
        while (*r == '/')
            r++;
    }
    int n = asprintf(out, "%.*s%s%s", (int)blen, base, (*r && base[blen - 1] != '/') ? "/" : "", r);
    if (n < 0) {
        *out = NULL;
        return fail(l, off, "out of memory");
    }
    if (n >= PATH_MAX) {
        free(*out);
        *out = NULL;
        return fail(l, off, "path too long once resolved (%d bytes, at most %d)", n, PATH_MAX - 1);
    }
    return 0;
}

static bool name_ok(const char *s, size_t n, uint32_t maxlen, bool upper)
{
    if (n < 1 || n > maxlen)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                  (upper && c >= 'A' && c <= 'Z');
        if (!ok)
            return false;
    }
    return true;
}

/* "IPv4:port" or "[IPv6]:port", numeric only. The host is stored in inet_ntop's form. */
static int parse_listen(struct loader *l, const struct field *f, const struct cj_value *v,
                        const char *s, struct zerg_listen *out)
{
    char shown[96], host[64];
    const char *port;
    int family;
    cj_printable(s, strlen(s), shown, sizeof shown);
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return fail(l, v->start, "'%s': expected \"[IPv6]:port\"", shown);
        if ((size_t)(close - s - 1) >= sizeof host)
            return fail(l, v->start, "'%s': address too long", shown);
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        family = AF_INET6;
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon)
            return fail(l, v->start, "'%s': expected \"IPv4:port\" or \"[IPv6]:port\"", shown);
        if (memchr(s, ':', (size_t)(colon - s)))
            return fail(l, v->start, "'%s': an IPv6 address goes in brackets, as \"[::1]:8080\"",
                        shown);
        if ((size_t)(colon - s) >= sizeof host)
            return fail(l, v->start, "'%s': address too long", shown);
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        family = AF_INET;
        port = colon + 1;
    }
    unsigned char addr[16];
    if (inet_pton(family, host, addr) != 1)
        return fail(l, v->start, "'%s': '%s' is not a numeric %s address (no host names)", shown,
                    host, family == AF_INET ? "IPv4" : "IPv6");
    size_t plen = strlen(port);
    bool digits = plen >= 1 && plen <= 5 && strspn(port, "0123456789") == plen &&
                  !(plen > 1 && port[0] == '0');
    unsigned long p = digits ? strtoul(port, NULL, 10) : 0;
    if (!digits || p < f->min || p > 65535)
        return fail(l, v->start, "'%s': the port must be a number from %u to 65535%s", shown,
                    f->min, f->min == 0 ? " (0 disables the listener)" : "");
    inet_ntop(family, addr, out->host, sizeof out->host);
    out->port = (uint16_t)p;
    return 0;
}

static bool listen_is_loopback(const struct zerg_listen *l)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, l->host, a) == 1)
        return a[0] == 127;
    static const unsigned char v6_loopback[16] = {[15] = 1};
    return inet_pton(AF_INET6, l->host, a) == 1 && memcmp(a, v6_loopback, 16) == 0;
}

/* "KEY=VALUE" with KEY a shell-style name. */
static bool env_entry_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (const char *p = s; p < eq; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

/* guest.command or guest.env: an array of strings into a NULL-terminated vector. */
static int set_strv(struct loader *l, const struct field *f, const struct cj_value *v)
{
    struct cj_iter it;
    struct cj_value e;
    char **vec = NULL;
    size_t n = 0;
    int rc = -1, r;
    if (cj_array_begin(&l->doc, v, &it) < 0)
        return -1;
    while ((r = cj_array_next(&l->doc, &it, &e)) > 0) {
        char *s;
        size_t slen;
        if (n >= f->max) {
            fail(l, e.start, "too many elements (at most %u)", f->max);
            goto out;
        }
        if (cj_string(&l->doc, &e, &s, &slen) < 0)
            goto out;
        char **grown = realloc(vec, (n + 2) * sizeof *vec);
        if (!grown) {
            free(s);
            fail(l, e.start, "out of memory");
            goto out;
        }
        vec = grown;
        vec[n++] = s;
        vec[n] = NULL;
        if (slen > MAX_ARG_BYTES) {
            fail(l, e.start, "too long (%zu bytes, at most %d)", slen, MAX_ARG_BYTES);
            goto out;
        }
        if (f->kind == K_ARGV && n == 1) {
            char *resolved;
            if (slen == 0) {
                fail(l, e.start, "the program must not be empty");
                goto out;
            }
            if (resolve_path(l, s, e.start, &resolved) < 0)
                goto out;
            free(s);
            vec[0] = resolved;
        }
        if (f->kind == K_ENV) {
            char shown[64];
            if (!env_entry_ok(s)) {
                fail(l, e.start, "'%s' is not KEY=VALUE (KEY of letters, digits and '_')",
                     cj_printable(s, slen, shown, sizeof shown));
                goto out;
            }
            size_t klen = (size_t)(strchr(s, '=') - s) + 1;
            for (size_t i = 0; i + 1 < n; i++) {
                if (strncmp(vec[i], s, klen) == 0) {
                    fail(l, e.start, "%.*s is set twice", (int)(klen - 1),
                         cj_printable(s, klen - 1, shown, sizeof shown));
                    goto out;
                }
            }
        }
    }
    if (r < 0)
        goto out;
    if (n < f->min) {
        cj_fail(&l->doc, v->start, "must name at least the program: [\"/path/to/guest\", ...]");
        goto out;
    }
    if (!vec && f->kind == K_ENV)
        vec = empty_env;
    free_strv(*(char ***)member(l->cfg, f->off));
    *(char ***)member(l->cfg, f->off) = vec;
    *(size_t *)member(l->cfg, f->count_off) = n;
    vec = NULL;
    rc = 0;
out:
    free_strv(vec);
    return rc;
}

static int set_pieces(struct loader *l, const struct field *f, const struct cj_value *v)
{
    struct cj_iter it;
    struct cj_value e;
    int r;
    char shown[64], list[256];
    if (cj_array_begin(&l->doc, v, &it) < 0)
        return -1;
    while ((r = cj_array_next(&l->doc, &it, &e)) > 0) {
        char *s;
        size_t slen;
        if (cj_string(&l->doc, &e, &s, &slen) < 0)
            return -1;
        size_t p = 0;
        while (p < ZERG_SANDBOX_NPIECES && strcmp(piece_names[p], s) != 0)
            p++;
        cj_printable(s, slen, shown, sizeof shown);
        free(s);
        if (p == ZERG_SANDBOX_NPIECES) {
            size_t o = 0;
            for (size_t i = 0; i < ZERG_SANDBOX_NPIECES && o < sizeof list; i++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                                      piece_names[i]);
            return fail(l, e.start, "unknown sandbox piece '%s' (pieces: %s)", shown, list);
        }
        if (l->piece_by[p]) {
            unsigned line, col;
            cj_line_col(&l->doc, l->piece_at[p], &line, &col);
            if (l->piece_by[p] == f)
                return fail(l, e.start, "'%s' is listed twice (first at %u:%u)", shown, line, col);
            return fail(l, e.start,
                        "'%s' is also listed in sandbox.%s (at %u:%u): a piece is either "
                        "optional or off",
                        shown, l->piece_by[p]->key, line, col);
        }
        l->piece_by[p] = f;
        l->piece_at[p] = e.start;
        l->cfg->sandbox.pieces[p] = (enum zerg_piece_policy)f->def;
    }
    return r;
}

/* Replaces a string field's value (freeing what parsing set before, never the default). */
static void set_str(struct loader *l, const struct field *f, char *s)
{
    char **m = member(l->cfg, f->off);
    if (*m != f->def_str)
        free(*m);
    *m = s;
}

static int set_field(struct loader *l, const struct field *f, const struct cj_value *v)
{
    struct zerg_config *cfg = l->cfg;
    char *s = NULL;
    size_t slen;
    char shown[96], list[128];
    int rc = -1;

    if (v->type == CJ_NULL)
        return fail(l, v->start, "null is not a value here (leave the key out for the default)");
    switch (f->kind) {
    case K_U32:
        return cj_u32(&l->doc, v, f->min, f->max, member(cfg, f->off));
    case K_BOOL:
        if (v->type != CJ_TRUE && v->type != CJ_FALSE)
            return fail(l, v->start, "expected true or false, found %s", cj_type_name(v->type));
        *(bool *)member(cfg, f->off) = v->type == CJ_TRUE;
        return 0;
    case K_ARGV:
    case K_ENV:
        return set_strv(l, f, v);
    case K_PIECES:
        return set_pieces(l, f, v);
    default:
        break;
    }

    /* The kinds below are strings. */
    if (cj_string(&l->doc, v, &s, &slen) < 0)
        return -1;
    cj_printable(s, slen, shown, sizeof shown);
    switch (f->kind) {
    case K_ENUM_STR:
    case K_ENUM_INT: {
        size_t i = 0;
        while (f->choices[i] && strcmp(f->choices[i], s) != 0)
            i++;
        if (!f->choices[i]) {
            fail(l, v->start, "'%s' is not one of %s", shown,
                 choices_list(f->choices, list, sizeof list));
            break;
        }
        if (f->kind == K_ENUM_INT) {
            *(int *)member(cfg, f->off) = (int)i;
        } else {
            set_str(l, f, s);
            s = NULL;
        }
        rc = 0;
        break;
    }
    case K_NAME:
        if (!name_ok(s, slen, f->max, f->upper)) {
            fail(l, v->start, "'%s' must be 1 to %u characters of [%s0-9_-]", shown, f->max,
                 f->upper ? "A-Za-z" : "a-z");
            break;
        }
        set_str(l, f, s);
        s = NULL;
        rc = 0;
        break;
    case K_PATH: {
        char *resolved;
        if (slen == 0) {
            fail(l, v->start, "must not be empty");
            break;
        }
        if (resolve_path(l, s, v->start, &resolved) < 0)
            break;
        set_str(l, f, resolved);
        rc = 0;
        break;
    }
    case K_TEXT:
        if (slen > f->max) {
            fail(l, v->start, "too long (%zu bytes, at most %u)", slen, f->max);
            break;
        }
        set_str(l, f, s);
        s = NULL;
        rc = 0;
        break;
    case K_LISTEN:
        rc = parse_listen(l, f, v, s, member(cfg, f->off));
        break;
    default:
        fail(l, v->start, "internal error: field kind %d", (int)f->kind);
        break;
    }
    free(s);
    return rc;
}

static int walk_section(struct loader *l, const char *section, const struct cj_value *obj)
{
    struct cj_iter it;
    struct cj_value v;
    char *key;
    size_t key_off;
    int r;
    char list[512];
    if (cj_object_begin(&l->doc, obj, &it) < 0)
        return -1;
    while ((r = cj_object_next(&l->doc, &it, &key, &key_off, &v)) > 0) {
        const struct field *f = field_named(section, key);
        free(key);
        if (!f)
            return fail(l, key_off, "unknown key (%s has: %s)", section,
                        known_keys(section, list, sizeof list));
        size_t i = (size_t)(f - fields);
        if (l->field_at[i] != NOT_SET) {
            unsigned line, col;
            cj_line_col(&l->doc, l->field_at[i], &line, &col);
            return fail(l, key_off, "duplicate key (first set at %u:%u)", line, col);
        }
        l->field_at[i] = v.start;
        if (set_field(l, f, &v) < 0)
            return -1;
    }
    return r;
}

static int walk_root(struct loader *l, const struct cj_value *root)
{
    struct cj_iter it;
    struct cj_value v;
    char *key;
    size_t key_off;
    int r;
    char list[256];
    if (cj_object_begin(&l->doc, root, &it) < 0)
        return -1;
    while ((r = cj_object_next(&l->doc, &it, &key, &key_off, &v)) > 0) {
        size_t s = 0;
        while (s < NSECTIONS && strcmp(sections[s], key) != 0)
            s++;
        free(key);
        if (s == NSECTIONS)
            return fail(l, key_off, "unknown key (the top level has: %s)",
                        known_keys(NULL, list, sizeof list));
        if (l->section_at[s] != NOT_SET) {
            unsigned line, col;
            cj_line_col(&l->doc, l->section_at[s], &line, &col);
            return fail(l, key_off, "duplicate key (first set at %u:%u)", line, col);
        }
        l->section_at[s] = v.start;
        if (walk_section(l, sections[s], &v) < 0)
            return -1;
    }
    return r;
}

static size_t section_at(const struct loader *l, const char *name)
{
    for (size_t s = 0; s < NSECTIONS; s++)
        if (strcmp(sections[s], name) == 0)
            return l->section_at[s];
    return NOT_SET;
}

/* The rules that tie fields together, checked once every field is known. */
static int check_cross_fields(struct loader *l)
{
    struct zerg_config *cfg = l->cfg;
    struct cj_doc *d = &l->doc;

    if (cfg->guest.argc == 0) {
        size_t at = section_at(l, "guest");
        return cj_fail_path(d, at != NOT_SET ? at : l->root_at, "guest.command",
                            "required: the guest program and its arguments");
    }
    if (cfg->proxy.low_watermark >= cfg->proxy.high_watermark) {
        size_t at = field_at(l, "proxy", "low_watermark");
        bool low_set = at != NOT_SET;
        if (!low_set)
            at = field_at(l, "proxy", "high_watermark");
        return cj_fail_path(d, at, low_set ? "proxy.low_watermark" : "proxy.high_watermark",
                            "low_watermark (%u) must be below high_watermark (%u)",
                            cfg->proxy.low_watermark, cfg->proxy.high_watermark);
    }
    const struct zerg_listen *admin = &cfg->admin.listen, *proxy = &cfg->proxy.listen;
    if (admin->port != 0 && !listen_is_loopback(admin) && !cfg->admin.allow_remote)
        return cj_fail_path(d, field_at(l, "admin", "listen"), "admin.listen",
                            "%s is not a loopback address: the admin API (metrics, instances) "
                            "is served beyond this host only with admin.allow_remote: true",
                            admin->host);
    if (admin->port == proxy->port && strcmp(admin->host, proxy->host) == 0) {
        size_t at = field_at(l, "admin", "listen");
        bool admin_set = at != NOT_SET;
        if (!admin_set)
            at = field_at(l, "proxy", "listen");
        return cj_fail_path(d, at, admin_set ? "admin.listen" : "proxy.listen",
                            "proxy and admin listen on the same address and port");
    }
    if (strcmp(cfg->backend.type, "xen") == 0 && !cfg->xen.kernel)
        return cj_fail_path(d, field_at(l, "backend", "type"), "backend.type",
                            "\"xen\" needs xen.kernel (the guest's PV kernel image)");
    if (cfg->xen.pool_size > 0 && strcmp(cfg->backend.type, "xen") != 0)
        return cj_fail_path(d, field_at(l, "xen", "pool_size"), "xen.pool_size",
                            "prepared domains are the xen backend's; backend.type is \"%s\"",
                            cfg->backend.type);
    /* Prepared domains count against limits.max_instances (live + prepared <= max). */
    if (cfg->xen.pool_size > cfg->limits.max_instances)
        return cj_fail_path(d, field_at(l, "xen", "pool_size"), "xen.pool_size",
                            "%u is more than limits.max_instances (%u): prepared domains count "
                            "against it",
                            cfg->xen.pool_size, cfg->limits.max_instances);
    /* The Xen domain's memory follows the instance limit unless set on its own. */
    if (field_at(l, "xen", "memory_mb") == NOT_SET)
        cfg->xen.memory_mb = cfg->limits.memory_mb;
    return 0;
}

int zerg_config_parse(struct zerg_config *cfg, const char *text, size_t len, const char *filename,
                      char *err, size_t errlen)
{
    struct loader l;
    struct cj_value root;
    int rc = -1;

    zerg_config_dispose(cfg);
    memset(&l, 0, sizeof l);
    l.cfg = cfg;
    l.filename = filename;
    for (size_t i = 0; i < NSECTIONS; i++)
        l.section_at[i] = NOT_SET;
    for (size_t i = 0; i < NFIELDS; i++)
        l.field_at[i] = NOT_SET;

    if (cj_open(&l.doc, text, len, filename, err, errlen, &root) < 0)
        goto out;
    l.root_at = root.start;
    if (walk_root(&l, &root) < 0 || cj_finish(&l.doc, &root) < 0 || check_cross_fields(&l) < 0)
        goto out;
    if (filename) {
        cfg->path = strdup(filename);
        if (!cfg->path) {
            cfg->path = def_path;
            cj_fail(&l.doc, 0, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    cj_close(&l.doc);
    free(l.base_dir);
    if (rc < 0)
        zerg_config_dispose(cfg);
    return rc;
}

int zerg_config_load(struct zerg_config *cfg, const char *path, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    int fd = -1, rc = -1;
    const char *why = NULL;
    struct stat st;

    zerg_config_dispose(cfg);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        why = strerror(errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
        goto out;
    }
    /* One byte more than allowed, so that a file grown since fstat is still caught. */
    buf = malloc(CJ_MAX_INPUT + 1);
    if (!buf) {
        why = "out of memory";
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, CJ_MAX_INPUT + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            why = strerror(errno);
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > CJ_MAX_INPUT) {
            why = "too large for a configuration file (more than 1 MiB)";
            goto out;
        }
    }
    rc = zerg_config_parse(cfg, buf, len, path, err, errlen);
out:
    if (why && err && errlen)
        snprintf(err, errlen, "%s: cannot read: %s", path, why);
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}
