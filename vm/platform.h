/*
 * platform.h: the one contract between the zvm core (vm/) and the platform it runs on.
 *
 * The core makes no system call and uses no libc I/O or allocator: everything it needs from the
 * world is one of the functions below. A platform (guest/hosted/ for a Linux process, the Xen PV
 * guest next) implements every one of them, and owns the program's entry point: it prepares
 * itself, then calls zvm_main() (vm/zvm.h) with the boot arguments.
 *
 * Model: Solo5's solo5.h and AtomVM's sys.h. Rules that hold for every function here:
 *  - The core is single-threaded: one scheduler per VM instance, and the platform calls back
 *    into the core only from zvm_main()'s thread (never from a signal or interrupt handler).
 *  - Nothing here may fail silently: a function either does what it says, returns an error the
 *    core handles, or, where documented, ends the instance through zplat_panic().
 *  - Time is in nanoseconds; "monotonic" time never goes back and starts near zero at boot.
 */
#ifndef ZVM_PLATFORM_H
#define ZVM_PLATFORM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* --- memory -------------------------------------------------------------------------------- */

/*
 * The page size the platform allocates in (4096 on both platforms).
 */
#define ZPLAT_PAGE_SIZE 4096u

/*
 * Allocates `bytes` (rounded up to whole pages) of zeroed, page-aligned, readable and writable
 * memory. Process heaps, stacks and code areas come from here. Returns NULL when the instance's
 * memory is exhausted; the core then raises system_limit or stops, it never retries.
 */
void *zplat_pages_alloc(size_t bytes);

/*
 * Returns pages obtained from zplat_pages_alloc(); `bytes` is the size that was asked for.
 * `p == NULL` is a no-op.
 */
void zplat_pages_free(void *p, size_t bytes);

/*
 * General-purpose allocation for small, long-lived VM structures (atom names, module tables,
 * export entries, off-heap binaries). Same semantics as C's malloc/realloc/free: 16-byte
 * aligned, not zeroed, NULL when exhausted (the core checks every result), free(NULL) a no-op.
 * On Xen this is the guest's own allocator over zplat_pages_alloc().
 */
void *zplat_alloc(size_t bytes);
void *zplat_realloc(void *p, size_t bytes);
void zplat_free(void *p);

/* --- clocks -------------------------------------------------------------------------------- */

/*
 * Monotonic time in nanoseconds since an arbitrary point at or before boot. Used for timers,
 * receive timeouts and erlang:monotonic_time/0,1.
 */
uint64_t zplat_monotonic_ns(void);

/*
 * Wall-clock time in nanoseconds since the Unix epoch (UTC), for erlang:system_time/0,1,
 * os:timestamp/0 and calendar. May jump; never used to measure intervals.
 */
uint64_t zplat_wall_ns(void);

/* --- console ------------------------------------------------------------------------------- */

enum zplat_stream {
    ZPLAT_STDOUT = 1, /* the instance's standard output (Xen: the console ring) */
    ZPLAT_STDERR = 2, /* diagnostics and crash reports (Xen: also the console ring) */
};

/*
 * Writes all `len` bytes to the console stream, blocking until they are accepted. Console output
 * is best effort: a lost console (closed pipe) drops the bytes, it does not stop the VM.
 */
void zplat_console_write(enum zplat_stream stream, const void *buf, size_t len);

/* --- I/O for drivers (outlets) ------------------------------------------------------------- */

/*
 * An opaque handle on a platform I/O object (a socket or a descriptor the instance inherited).
 * On Linux it is a file descriptor; on Xen an index into the guest's netfront connection table.
 * Negative values are never valid handles.
 */
typedef int zplat_handle_t;

enum zplat_io_interest {
    ZPLAT_IO_READ = 1,  /* wake the wait when the handle has data, a connection or EOF */
    ZPLAT_IO_WRITE = 2, /* wake the wait when the handle accepts more bytes */
};

/*
 * Errors of the I/O and socket functions, negative, so a byte count and an error share one return
 * value. The socket errors carry the POSIX meaning of the errno of the same name; the TCP outlet
 * reports them to Erlang as that name (econnrefused, ...), as OTP's inet driver does.
 */
enum zplat_io_error {
    ZPLAT_EAGAIN = -1,        /* would block: wait for readiness and retry */
    ZPLAT_ECLOSED = -2,       /* the peer closed (EPIPE, ECONNRESET) or the handle is not open */
    ZPLAT_EINVAL = -3,        /* bad handle or argument */
    ZPLAT_EIO = -4,           /* any other failure of the underlying object */
    ZPLAT_EINPROGRESS = -5,   /* zplat_sock_connect: completes later (wait for ZPLAT_IO_WRITE) */
    ZPLAT_ECONNREFUSED = -6,  /* nobody listens at the address */
    ZPLAT_EADDRINUSE = -7,    /* the local address is taken */
    ZPLAT_EADDRNOTAVAIL = -8, /* the local address is not one of this host's */
    ZPLAT_ENOTCONN = -9,      /* the socket is not connected */
    ZPLAT_ETIMEDOUT = -10,    /* the peer did not answer (connect, keepalive) */
    ZPLAT_EAFNOSUPPORT = -11, /* address family not available (Xen: any socket) */
    ZPLAT_EACCES = -12,       /* refused by policy (a sandbox, a privileged port) */
    ZPLAT_EMFILE = -13,       /* the instance's descriptor limit is reached */
    ZPLAT_ENOTSUP = -14,      /* the operation does not apply to this kind of handle */
    ZPLAT_ENETUNREACH = -15,  /* no route to the network */
    ZPLAT_EHOSTUNREACH = -16, /* no route to the host */
    ZPLAT_ENOTSOCK = -17,     /* the descriptor is not a socket */
    ZPLAT_EBADF = -18,        /* no such descriptor (zplat_sock_adopt) */
    ZPLAT_ENOMEM = -19,       /* the kernel's or the platform's memory is exhausted */
    ZPLAT_ECONNABORTED = -20, /* an incoming connection went away before it was accepted */
};
#define ZPLAT_ERROR_MIN ZPLAT_ECONNABORTED

/*
 * Reads at most `len` bytes without blocking. Returns the count read (> 0), 0 at end of stream,
 * or a negative enum zplat_io_error.
 */
long zplat_io_read(zplat_handle_t h, void *buf, size_t len);

/*
 * Writes at most `len` bytes without blocking. Returns the count written (>= 0, possibly short:
 * that is back-pressure, wait for ZPLAT_IO_WRITE) or a negative enum zplat_io_error.
 */
long zplat_io_write(zplat_handle_t h, const void *buf, size_t len);

/*
 * Sets which readiness of `h` wakes zplat_wait() (a mask of enum zplat_io_interest; 0 stops
 * watching). Returns 0 or a negative enum zplat_io_error.
 */
int zplat_io_watch(zplat_handle_t h, unsigned interest);

/*
 * Closes the handle and forgets its watch. Closing a closed or invalid handle returns
 * ZPLAT_EINVAL and has no other effect.
 */
int zplat_io_close(zplat_handle_t h);

/* --- sockets (the TCP outlet) -------------------------------------------------------------- */

/*
 * A socket is an I/O handle (above): it is read and written with zplat_io_read/zplat_io_write
 * (never blocking), watched with zplat_io_watch and closed with zplat_io_close. Every handle the
 * functions below return is non-blocking and not inherited by programs the platform may start.
 * Every function returns 0 (or a handle, or a count) on success and a negative enum
 * zplat_io_error otherwise; none blocks.
 *
 * Xen has no network: a socket cannot be created there (ZPLAT_EAFNOSUPPORT), but the instance's
 * connection (a vchan) is an inherited descriptor that zplat_sock_adopt() hands out, so the same
 * outlet serves it; address functions answer ZPLAT_ENOTSUP for it.
 */
enum zplat_family {
    ZPLAT_AF_INET = 1,  /* IPv4 */
    ZPLAT_AF_INET6 = 2, /* IPv6 */
    ZPLAT_AF_LOCAL = 5, /* a Unix domain socket (Xen: the vchan connection) */
};

enum zplat_socktype {
    ZPLAT_SOCK_STREAM = 1,    /* a byte stream: reads return whatever has arrived */
    ZPLAT_SOCK_SEQPACKET = 3, /* messages: one zplat_io_read returns exactly one whole message
                                 (when `len` is at least its size; a longer one is truncated) */
};

/* A socket address. Numbers are in host order; addresses in network (byte) order. */
struct zplat_sockaddr {
    int family;         /* enum zplat_family */
    uint16_t port;      /* inet, inet6 */
    uint8_t addr[16];   /* inet: the first 4 bytes; inet6: all 16 */
    uint32_t flowinfo;  /* inet6 */
    uint32_t scope_id;  /* inet6 */
    uint8_t path_len;   /* local: bytes of `path` in use (0: unnamed); an abstract address
                           starts with a 0 byte */
    uint8_t path[107];  /* local: not NUL-terminated */
};

/* Creates a socket of `family` and `type` (enum zplat_socktype); *out gets its handle. */
int zplat_sock_open(int family, int type, zplat_handle_t *out);

/*
 * Adopts descriptor `fd` that the instance inherited (the guest contract's fd 3 and 4) as a
 * handle: makes it non-blocking and reports its family and type. ZPLAT_EBADF when no such
 * descriptor is open, ZPLAT_ENOTSOCK when it is not a socket, ZPLAT_EAFNOSUPPORT for a family
 * other than the three above. Adopting the same descriptor twice returns the same handle.
 */
int zplat_sock_adopt(int fd, int *family, int *type, zplat_handle_t *out);

/* bind(2), listen(2) (backlog clamped to the system's limit). */
int zplat_sock_bind(zplat_handle_t h, const struct zplat_sockaddr *addr);
int zplat_sock_listen(zplat_handle_t h, int backlog);

/*
 * Takes one pending connection of listening socket `h`: *out gets its handle (non-blocking).
 * ZPLAT_EAGAIN when none is pending (wait for ZPLAT_IO_READ on `h`).
 */
int zplat_sock_accept(zplat_handle_t h, zplat_handle_t *out);

/*
 * Starts connecting `h` to `addr`: 0 when connected at once, ZPLAT_EINPROGRESS when it completes
 * later (the handle becomes ready for ZPLAT_IO_WRITE; then zplat_sock_connect_result() tells how
 * it went), or the error.
 */
int zplat_sock_connect(zplat_handle_t h, const struct zplat_sockaddr *addr);
int zplat_sock_connect_result(zplat_handle_t h);

/* shutdown(2): `how` 0 stops reading, 1 writing (the peer sees end of stream), 2 both. */
int zplat_sock_shutdown(zplat_handle_t h, int how);

/* The local and the peer address (ZPLAT_ENOTCONN when not connected). */
int zplat_sock_name(zplat_handle_t h, struct zplat_sockaddr *out);
int zplat_sock_peer(zplat_handle_t h, struct zplat_sockaddr *out);

/* The socket options the TCP outlet offers (gen_tcp's names). */
enum zplat_sockopt {
    ZPLAT_SO_REUSEADDR, /* bool */
    ZPLAT_SO_KEEPALIVE, /* bool */
    ZPLAT_SO_NODELAY,   /* bool: TCP_NODELAY */
    ZPLAT_SO_SNDBUF,    /* bytes (the kernel may double or clamp it; getopt reports its value) */
    ZPLAT_SO_RCVBUF,    /* bytes, likewise */
    ZPLAT_SO_LINGER,    /* -1: off, else seconds (0: close resets the connection) */
    ZPLAT_SO_PRIORITY,  /* the queueing priority (SO_PRIORITY) */
    ZPLAT_SO_TOS,       /* IP type of service */
};
int zplat_sock_setopt(zplat_handle_t h, enum zplat_sockopt opt, int value);
int zplat_sock_getopt(zplat_handle_t h, enum zplat_sockopt opt, int *value);

/* --- waiting: the scheduler's idle state --------------------------------------------------- */

/* One readiness event reported by zplat_wait(). */
struct zplat_event {
    zplat_handle_t handle;
    unsigned ready; /* mask of enum zplat_io_interest that is ready now */
};

/*
 * Blocks until a watched handle is ready or the monotonic clock reaches `deadline_ns`
 * (UINT64_MAX: no deadline), like LING blocking in SCHEDOP_poll. Fills at most `max` events and
 * returns how many (0 when the deadline passed). Returns at once if an event is already pending
 * or the deadline has passed. Spurious early returns with 0 events are allowed: the core
 * re-checks its timers.
 */
int zplat_wait(uint64_t deadline_ns, struct zplat_event *events, int max);

/* --- the application's code: the image ------------------------------------------------------ */

/*
 * Finds the .beam bytes of module `name` (an atom's text, `name_len` bytes, not terminated).
 * Hosted: searched in the -pa directories in order, then the VM's own modules directory, then the
 * stock OTP ebin directories; Xen: the named blobs linked into the image. On success sets *bytes
 * and *len to a read-only buffer that stays valid until zplat_code_release(*bytes) and
 * returns 0; returns -1 when there is no such module (not an error: the caller raises undef).
 */
int zplat_code_find(const char *name, size_t name_len, const uint8_t **bytes, size_t *len);

/*
 * Releases a buffer returned by zplat_code_find() or zplat_app_find(). The loader calls it once
 * the module is transformed; the core never keeps pointers into it.
 */
void zplat_code_release(const uint8_t *bytes, size_t len);

/*
 * Finds the application resource file of application `name` (`<name>.app`, the term OTP's
 * application:load/1 reads), the same way as zplat_code_find() finds modules: hosted, in the
 * code directories in order; Xen, among the image's blobs. Same ownership and return values.
 */
int zplat_app_find(const char *name, size_t name_len, const uint8_t **bytes, size_t *len);

/*
 * Calls fn(ctx, name, name_len) for every module the image has (hosted: every NAME.beam of every
 * code directory, in code-path order, so a name can come more than once; Xen: the linked
 * blobs). Used to make the snapshot below.
 */
void zplat_code_each(void (*fn)(void *ctx, const char *name, size_t name_len), void *ctx);

/* --- the snapshot of the loaded state (vm/snapshot.h) -------------------------------------- */

/*
 * When this instance was started to make a snapshot (hosted: -zvm-make-snapshot FILE): reserves
 * zeroed, readable and writable memory at the platform's fixed snapshot address, sets *cap to
 * its size and returns it. Otherwise (or when the address cannot be had: reason printed) NULL.
 */
void *zplat_snapshot_reserve(size_t *cap);

/*
 * Saves the first `len` bytes of the reserved memory as the snapshot (hosted: written to a
 * temporary file renamed over FILE, so a reader never sees half of one). 0, or -1 with the reason
 * printed.
 */
int zplat_snapshot_save(const void *base, size_t len);

/*
 * The snapshot this instance was told to use (hosted: -zvm-snapshot FILE), mapped private
 * (copy-on-write) and writable at the platform's fixed snapshot address; *len its size. NULL when
 * none was named, and when it cannot be mapped (reason printed). Stays mapped until the end.
 */
const void *zplat_snapshot_map(size_t *len);

/*
 * The running program's build id (the linker's note): a snapshot is valid only for the binary
 * that made it. 0 with *id and *len set, or -1 when the program has none.
 */
int zplat_build_id(const uint8_t **id, size_t *len);

/* --- ending the instance ------------------------------------------------------------------- */

/*
 * Ends the instance with `status` (halt/1's exit code; the hosted process exits with it, the Xen
 * guest shuts down with "poweroff" for 0 and "crash" otherwise). Flushes console output first.
 * Does not return.
 */
void zplat_exit(int status) __attribute__((noreturn));

/*
 * Ends the instance after an internal error the core cannot recover from (a broken invariant,
 * never bad input): writes `msg` to the console's error stream and stops with status 70.
 * Does not return.
 */
void zplat_panic(const char *msg) __attribute__((noreturn));

#endif
