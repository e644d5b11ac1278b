/*
 * platguest: a TEST DOUBLE that checks the VM's platform contract (vm/platform.h) on Xen before
 * the VM itself runs here. It calls only zplat_* functions after setup, the way the VM core
 * will, and reports on its console:
 *
 *   memory   maps the whole domain, then writes and reads back a pattern over three quarters of
 *            the free pages (most of them beyond Xen's boot mapping), frees and reallocates them;
 *            2000 zplat_alloc/realloc/free calls of mixed sizes with their contents checked
 *   clocks   monotonic never goes back; wall clock is after 2020
 *   wait     zplat_wait with nothing watched sleeps until its deadline (20 ms), no longer than
 *            it must (< 500 ms)
 *   code     zplat_code_find of a module the image does not hold answers -1
 *   I/O      publishes a vchan where data/zerg/vchan says, reports ready (data/zerg/ready =
 *            instance),
 *            then serves one HTTP request with zplat_io_read/write driven by zplat_wait
 *
 * "zerg-platguest: all checks passed ..." then exit 0 (poweroff); the first failure prints
 * "zerg-platguest: FAILED: what" and exits 1 (crash).
 */
#include "boot.h"
#include "console.h"
#include "freestanding.h"
#include "gnttab.h"
#include "memory.h"
#include "params.h"
#include "platform_xen.h"
#include "pvclock.h"
#include "xenstore.h"

#define STORE_TIMEOUT_NS 2000000000ull
#define SERVE_TIMEOUT_NS 10000000000ull

static char vchan_page[XG_PAGE_SIZE] __attribute__((aligned(4096), section(".bss.pages")));

static void failed(const char *what)
{
    xg_console_printf("zerg-platguest: FAILED: %s\n", what);
    zplat_exit(1);
}

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

static size_t check_pages(void)
{
    size_t total, free_pages;
    xg_memory_stats(&total, &free_pages);
    size_t n = free_pages / 4 * 3;
    uint64_t *p = zplat_pages_alloc(n * ZPLAT_PAGE_SIZE);
    if (!p)
        failed("zplat_pages_alloc of 3/4 of the free pages");
    size_t words = n * ZPLAT_PAGE_SIZE / 8;
    for (size_t i = 0; i < words; i++)
        if (p[i] != 0)
            failed("zplat_pages_alloc returned memory that is not zeroed");
    for (size_t i = 0; i < words; i++)
        p[i] = i * 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < words; i++)
        if (p[i] != i * 0x9e3779b97f4a7c15ull)
            failed("page pattern read back differs");
    zplat_pages_free(p, n * ZPLAT_PAGE_SIZE);
    uint64_t *q = zplat_pages_alloc(n * ZPLAT_PAGE_SIZE);
    if (q != p)
        failed("freed pages were not reused");
    zplat_pages_free(q, n * ZPLAT_PAGE_SIZE);
    if (zplat_pages_alloc((free_pages + 1) * ZPLAT_PAGE_SIZE) != NULL)
        failed("zplat_pages_alloc beyond the domain's memory did not fail");
    return n;
}

static void check_heap(void)
{
    enum { SLOTS = 64, OPS = 2000 };
    unsigned char *slot[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    uint64_t rng = 42;
    for (int op = 0; op < OPS; op++) {
        unsigned i = (unsigned)(lcg(&rng) % SLOTS);
        if (slot[i]) {
            for (size_t k = 0; k < len[i]; k++)
                if (slot[i][k] != (unsigned char)(i + k))
                    failed("heap block contents changed");
            if (((uintptr_t)slot[i] & 15) != 0)
                failed("heap block not 16-byte aligned");
        }
        size_t size = (size_t)(lcg(&rng) % (op % 10 == 0 ? 20000 : 300));
        if (slot[i] && lcg(&rng) % 2) {
            unsigned char *r = zplat_realloc(slot[i], size + 1);
            if (!r)
                failed("zplat_realloc returned NULL");
            size_t keep = len[i] < size + 1 ? len[i] : size + 1;
            for (size_t k = 0; k < keep; k++)
                if (r[k] != (unsigned char)(i + k))
                    failed("zplat_realloc lost contents");
            slot[i] = r;
        } else {
            zplat_free(slot[i]);
            slot[i] = zplat_alloc(size + 1);
            if (!slot[i])
                failed("zplat_alloc returned NULL");
        }
        len[i] = size + 1;
        for (size_t k = 0; k < len[i]; k++)
            slot[i][k] = (unsigned char)(i + k);
    }
    for (unsigned i = 0; i < SLOTS; i++)
        zplat_free(slot[i]);
}

static uint64_t check_clocks_and_wait(void)
{
    uint64_t last = zplat_monotonic_ns();
    for (int i = 0; i < 1000; i++) {
        uint64_t now = zplat_monotonic_ns();
        if (now < last)
            failed("monotonic clock went back");
        last = now;
    }
    if (zplat_wall_ns() < 1577836800ull * 1000000000ull)
        failed("wall clock is before 2020");
    struct zplat_event ev[1];
    uint64_t start = zplat_monotonic_ns();
    while (zplat_monotonic_ns() < start + 20000000ull)
        zplat_wait(start + 20000000ull, ev, 1);
    uint64_t slept = zplat_monotonic_ns() - start;
    if (slept > 500000000ull)
        failed("zplat_wait overslept its 20 ms deadline by far");
    const uint8_t *bytes;
    size_t n;
    if (zplat_code_find("no_such_module", 14, &bytes, &n) != -1)
        failed("zplat_code_find found a module the image does not hold");
    return slept;
}

static int head_complete(const char *buf, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n')
            return 1;
    return 0;
}

/* Serves one request the way the VM's event loop will: non-blocking I/O plus zplat_wait. */
static void serve_with_zplat(zplat_handle_t h, const char *instance)
{
    static char req[2048];
    char resp[320];
    size_t have = 0;
    uint64_t deadline = zplat_monotonic_ns() + SERVE_TIMEOUT_NS;
    struct zplat_event ev[2];
    zplat_io_watch(h, ZPLAT_IO_READ);
    while (!head_complete(req, have)) {
        long n = zplat_io_read(h, req + have, sizeof req - have);
        if (n > 0) {
            have += (size_t)n;
            if (have == sizeof req)
                failed("request head larger than 2 KiB");
            continue;
        }
        if (n != ZPLAT_EAGAIN)
            failed("zplat_io_read: the client closed or failed before a whole head");
        if (zplat_monotonic_ns() >= deadline)
            failed("no request within 10 s");
        zplat_wait(deadline, ev, 2);
    }
    size_t len = xg_snprintf(resp, sizeof resp,
                             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
                             "Connection: close\r\nX-Zerg-Instance: %s\r\n\r\nok\n",
                             instance);
    size_t sent = 0;
    zplat_io_watch(h, ZPLAT_IO_WRITE);
    while (sent < len) {
        long n = zplat_io_write(h, resp + sent, len - sent);
        if (n < 0)
            failed("zplat_io_write failed");
        sent += (size_t)n;
        if (sent < len) {
            if (zplat_monotonic_ns() >= deadline)
                failed("could not send the response within 10 s");
            zplat_wait(deadline, ev, 2);
        }
    }
    if (zplat_io_close(h) != 0 || zplat_io_close(h) != ZPLAT_EINVAL)
        failed("zplat_io_close: first close must succeed, the second must be EINVAL");
}

int xg_main(void)
{
    static struct xg_vchan vchan;
    char instance[72], vchan_path[128];
    if (xg_store_init() != 0 || xg_gnttab_init() != 0)
        failed("xenstore or grant table setup");
    int rc = xg_platform_init();
    if (rc)
        failed("xg_platform_init (mapping the domain's memory)");
    size_t pages = check_pages();
    check_heap();
    uint64_t slept = check_clocks_and_wait();

    if (xg_params_wait(xg_clock_ns() + STORE_TIMEOUT_NS) != 0 ||
        xg_store_read("data/zerg/instance", instance, sizeof instance,
                      xg_clock_ns() + STORE_TIMEOUT_NS) <= 0)
        failed("cannot read data/zerg/instance");
    if (xg_store_read("data/zerg/vchan", vchan_path, sizeof vchan_path,
                      xg_clock_ns() + STORE_TIMEOUT_NS) <= 0)
        failed("cannot read data/zerg/vchan");
    if (xg_vchan_server_init(&vchan, vchan_page, 0, vchan_path, xg_clock_ns() + STORE_TIMEOUT_NS) !=
        0)
        failed("vchan server setup");
    zplat_handle_t h = xg_platform_adopt_vchan(&vchan);
    if (h < 0)
        failed("xg_platform_adopt_vchan");
    if (xg_store_write("data/zerg/ready", instance, xg_clock_ns() + STORE_TIMEOUT_NS) != 0)
        failed("cannot write data/zerg/ready");
    serve_with_zplat(h, instance);
    xg_console_printf("zerg-platguest: all checks passed pages=%lu wait_us=%lu instance=%s\n",
                      (unsigned long)pages, (unsigned long)(slept / 1000), instance);
    return 0;
}
