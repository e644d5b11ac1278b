/*
 * platform_xen: vm/platform.h on the Xen PV guest layer. One thread, no interrupts: the VM's
 * idle state is zplat_wait(), which blocks in SCHEDOP_poll on the event channels of the watched
 * handles until the nearest deadline, as LING did.
 */
#include "platform_xen.h"

#include "boot.h"
#include "console.h"
#include "evtchn.h"
#include "freestanding.h"
#include "heap.h"
#include "memory.h"
#include "pvclock.h"

struct handle {
    struct xg_vchan *vchan; /* NULL: free slot */
    unsigned interest;      /* mask of enum zplat_io_interest */
};

static struct handle handles[XG_MAX_HANDLES];

/* Descriptor numbers of the guest contract (fd 3: the connection) -> the handle adopted for it. */
#define XG_MAX_INHERITED 8
static zplat_handle_t inherited[XG_MAX_INHERITED] = {-1, -1, -1, -1, -1, -1, -1, -1};

extern const struct xg_code_module xg_code_start[], xg_code_end[];

int xg_platform_init(void)
{
    return xg_memory_init();
}

zplat_handle_t xg_platform_adopt_vchan(struct xg_vchan *v)
{
    for (int h = 0; h < XG_MAX_HANDLES; h++) {
        if (!handles[h].vchan) {
            handles[h] = (struct handle){.vchan = v};
            return h;
        }
    }
    return ZPLAT_EINVAL;
}

int xg_platform_inherit(int fd, zplat_handle_t h)
{
    if (fd < 0 || fd >= XG_MAX_INHERITED || h < 0 || h >= XG_MAX_HANDLES || !handles[h].vchan)
        return ZPLAT_EINVAL;
    inherited[fd] = h;
    return 0;
}

/* --- memory --- */

static size_t pages_for(size_t bytes)
{
    return bytes == 0 ? 1 : (bytes + ZPLAT_PAGE_SIZE - 1) / ZPLAT_PAGE_SIZE;
}

void *zplat_pages_alloc(size_t bytes)
{
    if (bytes > SIZE_MAX - ZPLAT_PAGE_SIZE)
        return NULL;
    return xg_pages_alloc(pages_for(bytes));
}

void zplat_pages_free(void *p, size_t bytes)
{
    if (p)
        xg_pages_free(p, pages_for(bytes));
}

void *zplat_alloc(size_t bytes)
{
    return xg_malloc(bytes);
}

void *zplat_realloc(void *p, size_t bytes)
{
    return xg_realloc(p, bytes);
}

void zplat_free(void *p)
{
    xg_free(p);
}

/* --- clocks --- */

uint64_t zplat_monotonic_ns(void)
{
    return xg_clock_ns() - xg_boot_ns();
}

uint64_t zplat_wall_ns(void)
{
    return xg_wall_ns();
}

/* --- console --- */

void zplat_console_write(enum zplat_stream stream, const void *buf, size_t len)
{
    (void)stream; /* one console ring carries both */
    xg_console_write(buf, len);
}

/* --- I/O handles --- */

static struct handle *lookup(zplat_handle_t h)
{
    if (h < 0 || h >= XG_MAX_HANDLES || !handles[h].vchan)
        return NULL;
    return &handles[h];
}

static long io_error(long err)
{
    switch (err) {
    case XG_ETIMEDOUT:
        return ZPLAT_EAGAIN;
    case XG_EINVAL:
        return ZPLAT_EINVAL;
    default:
        return ZPLAT_EIO;
    }
}

long zplat_io_read(zplat_handle_t h, void *buf, size_t len)
{
    struct handle *hd = lookup(h);
    if (!hd || !buf)
        return ZPLAT_EINVAL;
    if (len == 0)
        return 0;
    long n = xg_vchan_read(hd->vchan, buf, len, 0); /* deadline 0: do not block */
    return n < 0 ? io_error(n) : n;
}

long zplat_io_write(zplat_handle_t h, const void *buf, size_t len)
{
    struct handle *hd = lookup(h);
    if (!hd || !buf)
        return ZPLAT_EINVAL;
    long n = xg_vchan_write_some(hd->vchan, buf, len);
    return n < 0 ? ZPLAT_ECLOSED : n;
}

int zplat_io_watch(zplat_handle_t h, unsigned interest)
{
    struct handle *hd = lookup(h);
    if (!hd || (interest & ~(unsigned)(ZPLAT_IO_READ | ZPLAT_IO_WRITE)))
        return ZPLAT_EINVAL;
    hd->interest = interest;
    return 0;
}

int zplat_io_close(zplat_handle_t h)
{
    struct handle *hd = lookup(h);
    if (!hd)
        return ZPLAT_EINVAL;
    /* Give the client a second to take what is still in the ring. */
    xg_vchan_close(hd->vchan, xg_clock_ns() + 1000000000ull);
    *hd = (struct handle){0};
    for (int fd = 0; fd < XG_MAX_INHERITED; fd++)
        if (inherited[fd] == h)
            inherited[fd] = -1;
    return 0;
}

/* --- sockets: none but the inherited connection ---
 *
 * There is no network device: no socket can be made, and the one connection is the vchan that
 * the boot code adopted and registered with xg_platform_inherit(). It is a byte stream without
 * addresses, reported as a local (Unix) stream so that gen_tcp:fdopen/2 with `local` adopts it,
 * exactly as the hosted platform's forwarded connection.
 */

int zplat_sock_open(int family, int type, zplat_handle_t *out)
{
    (void)family;
    (void)type;
    (void)out;
    return ZPLAT_EAFNOSUPPORT;
}

int zplat_sock_adopt(int fd, int *family, int *type, zplat_handle_t *out)
{
    if (fd < 0 || fd >= XG_MAX_INHERITED || inherited[fd] < 0 || !lookup(inherited[fd]))
        return ZPLAT_EBADF;
    *family = ZPLAT_AF_LOCAL;
    *type = ZPLAT_SOCK_STREAM;
    *out = inherited[fd];
    return 0;
}

int zplat_sock_bind(zplat_handle_t h, const struct zplat_sockaddr *addr)
{
    (void)addr;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

int zplat_sock_listen(zplat_handle_t h, int backlog)
{
    (void)backlog;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

int zplat_sock_accept(zplat_handle_t h, zplat_handle_t *out)
{
    (void)out;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

int zplat_sock_connect(zplat_handle_t h, const struct zplat_sockaddr *addr)
{
    (void)addr;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

int zplat_sock_connect_result(zplat_handle_t h)
{
    return lookup(h) ? 0 : ZPLAT_EINVAL;
}

int zplat_sock_shutdown(zplat_handle_t h, int how)
{
    /* A vchan has no half-close; the whole connection ends with zplat_io_close(). */
    (void)how;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

int zplat_sock_name(zplat_handle_t h, struct zplat_sockaddr *out)
{
    if (!lookup(h))
        return ZPLAT_EINVAL;
    memset(out, 0, sizeof *out);
    out->family = ZPLAT_AF_LOCAL; /* unnamed */
    return 0;
}

int zplat_sock_peer(zplat_handle_t h, struct zplat_sockaddr *out)
{
    return zplat_sock_name(h, out);
}

int zplat_sock_setopt(zplat_handle_t h, enum zplat_sockopt opt, int value)
{
    (void)opt;
    (void)value;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

int zplat_sock_getopt(zplat_handle_t h, enum zplat_sockopt opt, int *value)
{
    (void)opt;
    (void)value;
    return lookup(h) ? ZPLAT_ENOTSUP : ZPLAT_EINVAL;
}

/* --- waiting --- */

static int collect(struct zplat_event *events, int max)
{
    int n = 0;
    for (int h = 0; h < XG_MAX_HANDLES && n < max; h++) {
        if (!handles[h].vchan || !handles[h].interest)
            continue;
        unsigned ready = xg_vchan_readiness(handles[h].vchan, handles[h].interest);
        ready &= handles[h].interest;
        if (ready)
            events[n++] = (struct zplat_event){.handle = h, .ready = ready};
    }
    return n;
}

int zplat_wait(uint64_t deadline_ns, struct zplat_event *events, int max)
{
    evtchn_port_t ports[XG_MAX_HANDLES];
    unsigned nports = 0;
    int n = collect(events, max);
    if (n)
        return n;
    for (int h = 0; h < XG_MAX_HANDLES; h++)
        if (handles[h].vchan && handles[h].interest)
            ports[nports++] = handles[h].vchan->port;
    /* With no port and no deadline the poll below blocks until the domain is destroyed: every
     * process waits for a message that cannot come (returning at once made the scheduler spin
     * on the vCPU). */
    for (unsigned i = 0; i < nports; i++)
        if (xg_evtchn_test_and_clear(ports[i]))
            return collect(events, max); /* something came since the check above */
    uint64_t boot = xg_boot_ns(), until = UINT64_MAX;
    if (deadline_ns != UINT64_MAX)
        until = deadline_ns > UINT64_MAX - boot ? UINT64_MAX - 1 : deadline_ns + boot;
    xg_evtchn_poll(ports, nports, until);
    return collect(events, max);
}

/* --- code --- */

int zplat_code_find(const char *name, size_t name_len, const uint8_t **bytes, size_t *len)
{
    for (const struct xg_code_module *m = xg_code_start; m < xg_code_end; m++) {
        if (xg_strlen(m->name) == name_len && memcmp(m->name, name, name_len) == 0) {
            *bytes = m->bytes;
            *len = (size_t)m->len;
            return 0;
        }
    }
    return -1;
}

int zplat_app_find(const char *name, size_t name_len, const uint8_t **bytes, size_t *len)
{
    /* The image builder links modules only: an application's .app is not in the image yet, so
     * application:load/1 answers {error, ...} on Xen. */
    (void)name;
    (void)name_len;
    (void)bytes;
    (void)len;
    return -1;
}

void zplat_code_release(const uint8_t *bytes, size_t len)
{
    (void)bytes; /* the modules are part of the image */
    (void)len;
}

/* --- ending --- */

void zplat_exit(int status)
{
    xg_console_flush();
    xg_shutdown(status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

void zplat_panic(const char *msg)
{
    static const char prefix[] = "zvm panic: ";
    xg_console_write(prefix, sizeof prefix - 1);
    xg_console_write(msg, xg_strlen(msg));
    xg_console_write("\n", 1);
    zplat_exit(70);
}

/* --- the snapshot of the loaded state (vm/snapshot.h) --- */

void zplat_code_each(void (*fn)(void *ctx, const char *name, size_t name_len), void *ctx)
{
    for (const struct xg_code_module *m = xg_code_start; m < xg_code_end; m++)
        fn(ctx, m->name, xg_strlen(m->name));
}

/*
 * The Xen guest neither makes nor maps snapshots yet: its image links the .beam files and the
 * VM loads them at boot. (A snapshot would be linked into the image at a fixed address, made by
 * running the same kernel once; not built.)
 */
void *zplat_snapshot_reserve(size_t *cap)
{
    (void)cap;
    return NULL;
}

int zplat_snapshot_save(const void *base, size_t len)
{
    (void)base;
    (void)len;
    return -1;
}

const void *zplat_snapshot_map(size_t *len)
{
    (void)len;
    return NULL;
}

int zplat_build_id(const uint8_t **id, size_t *len)
{
    (void)id;
    (void)len;
    return -1;
}
