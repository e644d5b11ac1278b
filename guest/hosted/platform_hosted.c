/*
 * platform_hosted.c: vm/platform.h for a Linux process. Memory from mmap and malloc, clocks from
 * clock_gettime, the console on fds 1 and 2, I/O handles are file descriptors waited on with
 * poll, and the image is the code path of directories holding .beam files.
 */
#include "vm/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "guest/hosted/hosted.h"

/* --- memory -------------------------------------------------------------------------------- */

static size_t round_pages(size_t bytes)
{
    return (bytes + ZPLAT_PAGE_SIZE - 1) & ~(size_t)(ZPLAT_PAGE_SIZE - 1);
}

void *zplat_pages_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
#ifdef ZERG_TEST_BUILD
    /* The heap allocator keeps AddressSanitizer's view of every byte exact in tests. */
    void *p = aligned_alloc(ZPLAT_PAGE_SIZE, round_pages(bytes));
    if (p)
        memset(p, 0, round_pages(bytes));
    return p;
#else
    void *p =
        mmap(NULL, round_pages(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#endif
}

void zplat_pages_free(void *p, size_t bytes)
{
    if (!p)
        return;
#ifdef ZERG_TEST_BUILD
    (void)bytes;
    free(p);
#else
    munmap(p, round_pages(bytes ? bytes : 1));
#endif
}

void *zplat_alloc(size_t bytes)
{
    return malloc(bytes);
}

void *zplat_realloc(void *p, size_t bytes)
{
    return realloc(p, bytes);
}

void zplat_free(void *p)
{
    free(p);
}

/* --- clocks -------------------------------------------------------------------------------- */

uint64_t zplat_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t zplat_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- console ------------------------------------------------------------------------------- */

void zplat_console_write(enum zplat_stream stream, const void *buf, size_t len)
{
    int fd = stream == ZPLAT_STDERR ? 2 : 1;
    const char *p = buf;
    while (len > 0) {
        ssize_t r = write(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return; /* a lost console drops the bytes (platform.h) */
        p += r;
        len -= (size_t)r;
    }
}

/* --- I/O ----------------------------------------------------------------------------------- */

#define MAX_WATCHED 256
static struct pollfd watched[MAX_WATCHED];
static int n_watched;

static long io_error(void)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return ZPLAT_EAGAIN;
    if (errno == EBADF || errno == EINVAL)
        return ZPLAT_EINVAL;
    if (errno == EPIPE || errno == ECONNRESET)
        return ZPLAT_ECLOSED;
    return ZPLAT_EIO;
}

/* The socket functions' errors: errno by name (platform.h). */
static int sock_error(int e)
{
    switch (e) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
        return ZPLAT_EAGAIN;
    case EINPROGRESS:
        return ZPLAT_EINPROGRESS;
    case EPIPE:
    case ECONNRESET:
        return ZPLAT_ECLOSED;
    case EINVAL:
        return ZPLAT_EINVAL;
    case EBADF:
        return ZPLAT_EBADF;
    case ECONNREFUSED:
        return ZPLAT_ECONNREFUSED;
    case EADDRINUSE:
        return ZPLAT_EADDRINUSE;
    case EADDRNOTAVAIL:
        return ZPLAT_EADDRNOTAVAIL;
    case ENOTCONN:
        return ZPLAT_ENOTCONN;
    case ETIMEDOUT:
        return ZPLAT_ETIMEDOUT;
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
        return ZPLAT_EAFNOSUPPORT;
    case EACCES:
    case EPERM:
        return ZPLAT_EACCES;
    case EMFILE:
    case ENFILE:
        return ZPLAT_EMFILE;
    case EOPNOTSUPP:
    case ENOPROTOOPT:
        return ZPLAT_ENOTSUP;
    case ENETUNREACH:
        return ZPLAT_ENETUNREACH;
    case EHOSTUNREACH:
        return ZPLAT_EHOSTUNREACH;
    case ENOTSOCK:
        return ZPLAT_ENOTSOCK;
    case ENOMEM:
    case ENOBUFS:
        return ZPLAT_ENOMEM;
    case ECONNABORTED:
        return ZPLAT_ECONNABORTED;
    default:
        return ZPLAT_EIO;
    }
}

long zplat_io_read(zplat_handle_t h, void *buf, size_t len)
{
    if (h < 0)
        return ZPLAT_EINVAL;
    ssize_t r = read(h, buf, len);
    return r < 0 ? io_error() : (long)r;
}

long zplat_io_write(zplat_handle_t h, const void *buf, size_t len)
{
    if (h < 0)
        return ZPLAT_EINVAL;
    ssize_t r = send(h, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0 && errno == ENOTSOCK)
        r = write(h, buf, len);
    return r < 0 ? io_error() : (long)r;
}

int zplat_io_watch(zplat_handle_t h, unsigned interest)
{
    if (h < 0 || fcntl(h, F_GETFD) < 0)
        return ZPLAT_EINVAL;
    short events = (short)(((interest & ZPLAT_IO_READ) ? POLLIN : 0) |
                           ((interest & ZPLAT_IO_WRITE) ? POLLOUT : 0));
    for (int i = 0; i < n_watched; i++) {
        if (watched[i].fd == h) {
            if (events) {
                watched[i].events = events;
            } else {
                watched[i] = watched[--n_watched];
            }
            return 0;
        }
    }
    if (!events)
        return 0;
    if (n_watched == MAX_WATCHED)
        return ZPLAT_EIO;
    watched[n_watched].fd = h;
    watched[n_watched].events = events;
    watched[n_watched].revents = 0;
    n_watched++;
    return 0;
}

int zplat_io_close(zplat_handle_t h)
{
    if (h < 0)
        return ZPLAT_EINVAL;
    zplat_io_watch(h, 0);
    return close(h) == 0 ? 0 : ZPLAT_EINVAL;
}

int zplat_wait(uint64_t deadline_ns, struct zplat_event *events, int max)
{
    uint64_t now = zplat_monotonic_ns();
    int timeout_ms;
    if (deadline_ns == UINT64_MAX)
        timeout_ms = -1;
    else if (deadline_ns <= now)
        timeout_ms = 0;
    else {
        uint64_t ms = (deadline_ns - now + 999999) / 1000000;
        timeout_ms = ms > 86400000 ? 86400000 : (int)ms;
    }
    /* With nothing watched and no deadline only a signal ends this wait: every process is
     * waiting for a message that cannot come, and the VM stays idle as erl -noshell does
     * (it used to return at once here, and the scheduler spun on the CPU for ever). */
    int r = poll(watched, (nfds_t)n_watched, timeout_ms);
    if (r <= 0)
        return 0;
    int n = 0;
    for (int i = 0; i < n_watched && n < max; i++) {
        if (!watched[i].revents)
            continue;
        unsigned ready = 0;
        if (watched[i].revents & (POLLIN | POLLHUP | POLLERR))
            ready |= ZPLAT_IO_READ;
        if (watched[i].revents & (POLLOUT | POLLERR))
            ready |= ZPLAT_IO_WRITE;
        events[n].handle = watched[i].fd;
        events[n].ready = ready;
        n++;
    }
    return n;
}

/* --- sockets ------------------------------------------------------------------------------ */

static int os_family(int family)
{
    switch (family) {
    case ZPLAT_AF_INET:
        return AF_INET;
    case ZPLAT_AF_INET6:
        return AF_INET6;
    case ZPLAT_AF_LOCAL:
        return AF_UNIX;
    default:
        return -1;
    }
}

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return sock_error(errno);
    return 0;
}

int zplat_sock_open(int family, int type, zplat_handle_t *out)
{
    int af = os_family(family);
    if (af < 0)
        return ZPLAT_EAFNOSUPPORT;
    int st = type == ZPLAT_SOCK_STREAM      ? SOCK_STREAM
             : type == ZPLAT_SOCK_SEQPACKET ? SOCK_SEQPACKET
                                            : -1;
    if (st < 0)
        return ZPLAT_EINVAL;
    int fd = socket(af, st | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sock_error(errno);
    *out = fd;
    return 0;
}

int zplat_sock_adopt(int fd, int *family, int *type, zplat_handle_t *out)
{
    if (fd < 0)
        return ZPLAT_EBADF;
    int domain, stype;
    socklen_t len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
        return sock_error(errno);
    len = sizeof stype;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &stype, &len) != 0)
        return sock_error(errno);
    switch (domain) {
    case AF_INET:
        *family = ZPLAT_AF_INET;
        break;
    case AF_INET6:
        *family = ZPLAT_AF_INET6;
        break;
    case AF_UNIX:
        *family = ZPLAT_AF_LOCAL;
        break;
    default:
        return ZPLAT_EAFNOSUPPORT;
    }
    if (stype == SOCK_STREAM)
        *type = ZPLAT_SOCK_STREAM;
    else if (stype == SOCK_SEQPACKET)
        *type = ZPLAT_SOCK_SEQPACKET;
    else
        return ZPLAT_ENOTSUP;
    int rc = set_nonblocking(fd);
    if (rc)
        return rc;
    *out = fd;
    return 0;
}

/* A platform address as a sockaddr; returns its length, or 0 when it cannot be one. */
static socklen_t to_os_addr(const struct zplat_sockaddr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    switch (a->family) {
    case ZPLAT_AF_INET: {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(a->port);
        memcpy(&sin->sin_addr, a->addr, 4);
        return sizeof *sin;
    }
    case ZPLAT_AF_INET6: {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(a->port);
        sin6->sin6_flowinfo = htonl(a->flowinfo);
        sin6->sin6_scope_id = a->scope_id;
        memcpy(&sin6->sin6_addr, a->addr, 16);
        return sizeof *sin6;
    }
    case ZPLAT_AF_LOCAL: {
        struct sockaddr_un *sun = (struct sockaddr_un *)ss;
        if (a->path_len > sizeof sun->sun_path - 1 || a->path_len > sizeof a->path)
            return 0;
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, a->path, a->path_len);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + a->path_len);
    }
    default:
        return 0;
    }
}

static int from_os_addr(const struct sockaddr_storage *ss, socklen_t len, struct zplat_sockaddr *a)
{
    memset(a, 0, sizeof *a);
    switch (ss->ss_family) {
    case AF_INET: {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        a->family = ZPLAT_AF_INET;
        a->port = ntohs(sin->sin_port);
        memcpy(a->addr, &sin->sin_addr, 4);
        return 0;
    }
    case AF_INET6: {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        a->family = ZPLAT_AF_INET6;
        a->port = ntohs(sin6->sin6_port);
        a->flowinfo = ntohl(sin6->sin6_flowinfo);
        a->scope_id = sin6->sin6_scope_id;
        memcpy(a->addr, &sin6->sin6_addr, 16);
        return 0;
    }
    case AF_UNIX: {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = len > off ? len - off : 0;
        /* A pathname address may carry its terminating NUL in the length: not part of it. */
        if (n > 0 && sun->sun_path[0] != 0)
            n = strnlen(sun->sun_path, n);
        if (n > sizeof a->path)
            n = sizeof a->path;
        a->family = ZPLAT_AF_LOCAL;
        a->path_len = (uint8_t)n;
        memcpy(a->path, sun->sun_path, n);
        return 0;
    }
    default:
        return ZPLAT_EAFNOSUPPORT;
    }
}

int zplat_sock_bind(zplat_handle_t h, const struct zplat_sockaddr *addr)
{
    struct sockaddr_storage ss;
    socklen_t len = to_os_addr(addr, &ss);
    if (len == 0)
        return ZPLAT_EINVAL;
    return bind(h, (struct sockaddr *)&ss, len) == 0 ? 0 : sock_error(errno);
}

int zplat_sock_listen(zplat_handle_t h, int backlog)
{
    return listen(h, backlog < 0 ? 0 : backlog) == 0 ? 0 : sock_error(errno);
}

int zplat_sock_accept(zplat_handle_t h, zplat_handle_t *out)
{
    for (;;) {
        int fd = accept4(h, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            *out = fd;
            return 0;
        }
        /* A connection that went away before we took it: look at the next one. */
        if (errno != ECONNABORTED)
            return sock_error(errno);
    }
}

int zplat_sock_connect(zplat_handle_t h, const struct zplat_sockaddr *addr)
{
    struct sockaddr_storage ss;
    socklen_t len = to_os_addr(addr, &ss);
    if (len == 0)
        return ZPLAT_EINVAL;
    if (connect(h, (struct sockaddr *)&ss, len) == 0)
        return 0;
    /* A non-blocking Unix socket answers EAGAIN when the listener's backlog is full. */
    return errno == EAGAIN ? ZPLAT_EINPROGRESS : sock_error(errno);
}

int zplat_sock_connect_result(zplat_handle_t h)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(h, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return sock_error(errno);
    return err == 0 ? 0 : sock_error(err);
}

int zplat_sock_shutdown(zplat_handle_t h, int how)
{
    int os_how = how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : how == 2 ? SHUT_RDWR : -1;
    if (os_how < 0)
        return ZPLAT_EINVAL;
    return shutdown(h, os_how) == 0 ? 0 : sock_error(errno);
}

int zplat_sock_name(zplat_handle_t h, struct zplat_sockaddr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(h, (struct sockaddr *)&ss, &len) != 0)
        return sock_error(errno);
    return from_os_addr(&ss, len, out);
}

int zplat_sock_peer(zplat_handle_t h, struct zplat_sockaddr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(h, (struct sockaddr *)&ss, &len) != 0)
        return sock_error(errno);
    return from_os_addr(&ss, len, out);
}

/* The level and name of a platform option on socket `h`, by its family for IP options. */
static int os_option(zplat_handle_t h, enum zplat_sockopt opt, int *level, int *name)
{
    switch (opt) {
    case ZPLAT_SO_REUSEADDR:
        *level = SOL_SOCKET, *name = SO_REUSEADDR;
        return 0;
    case ZPLAT_SO_KEEPALIVE:
        *level = SOL_SOCKET, *name = SO_KEEPALIVE;
        return 0;
    case ZPLAT_SO_NODELAY:
        *level = IPPROTO_TCP, *name = TCP_NODELAY;
        return 0;
    case ZPLAT_SO_SNDBUF:
        *level = SOL_SOCKET, *name = SO_SNDBUF;
        return 0;
    case ZPLAT_SO_RCVBUF:
        *level = SOL_SOCKET, *name = SO_RCVBUF;
        return 0;
    case ZPLAT_SO_PRIORITY:
        *level = SOL_SOCKET, *name = SO_PRIORITY;
        return 0;
    case ZPLAT_SO_TOS: {
        int domain;
        socklen_t len = sizeof domain;
        if (getsockopt(h, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
            return sock_error(errno);
        if (domain == AF_INET6)
            *level = IPPROTO_IPV6, *name = IPV6_TCLASS;
        else
            *level = IPPROTO_IP, *name = IP_TOS;
        return 0;
    }
    case ZPLAT_SO_LINGER:
        *level = SOL_SOCKET, *name = SO_LINGER;
        return 0;
    }
    return ZPLAT_EINVAL;
}

int zplat_sock_setopt(zplat_handle_t h, enum zplat_sockopt opt, int value)
{
    int level, name;
    int rc = os_option(h, opt, &level, &name);
    if (rc)
        return rc;
    if (opt == ZPLAT_SO_LINGER) {
        struct linger l = {.l_onoff = value >= 0, .l_linger = value >= 0 ? value : 0};
        return setsockopt(h, level, name, &l, sizeof l) == 0 ? 0 : sock_error(errno);
    }
    return setsockopt(h, level, name, &value, sizeof value) == 0 ? 0 : sock_error(errno);
}

int zplat_sock_getopt(zplat_handle_t h, enum zplat_sockopt opt, int *value)
{
    int level, name;
    int rc = os_option(h, opt, &level, &name);
    if (rc)
        return rc;
    if (opt == ZPLAT_SO_LINGER) {
        struct linger l;
        socklen_t len = sizeof l;
        if (getsockopt(h, level, name, &l, &len) != 0)
            return sock_error(errno);
        *value = l.l_onoff ? l.l_linger : -1;
        return 0;
    }
    socklen_t len = sizeof *value;
    return getsockopt(h, level, name, value, &len) == 0 ? 0 : sock_error(errno);
}

/* --- the image: the code path -------------------------------------------------------------- */

static char **code_dirs;
static size_t n_code_dirs;

static int push_dir(const char *dir)
{
    char **grown = realloc(code_dirs, sizeof *code_dirs * (n_code_dirs + 1));
    if (!grown)
        return -1;
    code_dirs = grown;
    code_dirs[n_code_dirs] = strdup(dir);
    if (!code_dirs[n_code_dirs])
        return -1;
    n_code_dirs++;
    return 0;
}

int hosted_code_path_add(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "zvm: code path directory %s: %s\n", dir,
                stat(dir, &st) ? strerror(errno) : "not a directory");
        return -1;
    }
    return push_dir(dir);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hosted_code_path_finish(const char *vm_ebin, const char *otp_lib)
{
    if (vm_ebin && push_dir(vm_ebin) != 0)
        return -1;
    DIR *d = otp_lib ? opendir(otp_lib) : NULL;
    if (!d)
        return 0; /* no installed OTP: only the VM's own modules and -pa */
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        if (e->d_name[0] == '.')
            continue;
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], compare_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/ebin", otp_lib, names[i]);
        if (rc == 0 && push_dir(path) != 0)
            rc = -1;
        free(names[i]);
    }
    return rc;
}

void hosted_code_path_dispose(void)
{
    for (size_t i = 0; i < n_code_dirs; i++)
        free(code_dirs[i]);
    free(code_dirs);
    code_dirs = NULL;
    n_code_dirs = 0;
}

static int read_whole(const char *path, const uint8_t **bytes, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    uint8_t *buf = NULL;
    int rc = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf)
        goto out;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    *bytes = buf;
    *len = got;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

/* `<name><ext>` from the first code directory that has it. */
static int code_dir_find(const char *name, size_t name_len, const char *ext, const uint8_t **bytes,
                         size_t *len)
{
    if (name_len == 0 || name_len > 255 || memchr(name, '/', name_len) || memchr(name, 0, name_len))
        return -1;
    for (size_t i = 0; i < n_code_dirs; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%.*s%s", code_dirs[i], (int)name_len, name, ext);
        if (read_whole(path, bytes, len) == 0)
            return 0;
    }
    return -1;
}

int zplat_code_find(const char *name, size_t name_len, const uint8_t **bytes, size_t *len)
{
    return code_dir_find(name, name_len, ".beam", bytes, len);
}

int zplat_app_find(const char *name, size_t name_len, const uint8_t **bytes, size_t *len)
{
    return code_dir_find(name, name_len, ".app", bytes, len);
}

void zplat_code_release(const uint8_t *bytes, size_t len)
{
    (void)len;
    free((void *)bytes);
}

/* One directory's NAME.beam files, sorted so a snapshot's layout does not depend on readdir. */
static void code_dir_each(const char *dir, void (*fn)(void *ctx, const char *name, size_t name_len),
                          void *ctx)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".beam") != 0)
            continue;
        if (n == cap) {
            char **grown = realloc(names, sizeof *names * (cap = cap ? cap * 2 : 64));
            if (!grown)
                break;
            names = grown;
        }
        if ((names[n] = strndup(e->d_name, len - 5)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        fn(ctx, names[i], strlen(names[i]));
        free(names[i]);
    }
    free(names);
}

void zplat_code_each(void (*fn)(void *ctx, const char *name, size_t name_len), void *ctx)
{
    for (size_t i = 0; i < n_code_dirs; i++)
        code_dir_each(code_dirs[i], fn, ctx);
}

/* --- ending -------------------------------------------------------------------------------- */

void zplat_exit(int status)
{
    fflush(stdout);
    exit(status);
}

void zplat_panic(const char *msg)
{
    zplat_console_write(ZPLAT_STDERR, msg, strlen(msg));
    zplat_console_write(ZPLAT_STDERR, "\n", 1);
    exit(70);
}
