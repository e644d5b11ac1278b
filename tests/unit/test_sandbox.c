/*
 * Unit tests of spawner/sandbox.c (suite "sandbox"): the fixture guest is started through the
 * sandbox API directly, driven synchronously by the small helpers below, and every piece is
 * checked from the parent's side, in /proc/PID, not from what the child says of itself.
 * Needs root (namespaces, setuid); as non-root every case is reported as skipped by name.
 */
#include "unit.h"

#include "sandbox.h"
#include "tests/fixtures/fixture_config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS 5000

/* --- helpers: one child, driven synchronously ----------------------------------------------- */

struct guest {
    struct sandbox_child ch;
    int ctl;    /* our end of the control socket */
    int client; /* our end of the "client connection" */
    int out, err;
    struct sandbox_report report;
    enum sandbox_verdict verdict;
    char detail[256];
};

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    return r;
}

/* Starts the fixture in `slot`; 0 on success (child running or already failed). */
static int guest_start(const struct sandbox *sb, unsigned slot, struct guest *g)
{
    int ctl[2], cli[2], out[2], err[2];
    memset(g, 0, sizeof *g);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cli) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        pipe2(err, O_CLOEXEC) < 0)
        return -1;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[SANDBOX_CONTRACT_FDS] = {devnull, out[1], err[1], cli[1], ctl[1]};
    char msg[256];
    int r = sandbox_spawn(sb, slot, fds, &g->ch, msg, sizeof msg);
    close(devnull);
    close(out[1]);
    close(err[1]);
    close(cli[1]);
    close(ctl[1]);
    g->ctl = ctl[0];
    g->client = cli[0];
    g->out = out[0];
    g->err = err[0];
    if (r < 0)
        fprintf(stderr, "sandbox_spawn: %s\n", msg);
    return r;
}

/* Reads the report to its end and judges it. */
static enum sandbox_verdict guest_report(struct guest *g)
{
    struct sandbox_report_reader rd;
    sandbox_report_reader_init(&rd);
    int r;
    while ((r = sandbox_report_read(&rd, g->ch.report_fd)) == 0)
        if (wait_readable(g->ch.report_fd, WAIT_MS) <= 0)
            break;
    g->verdict = sandbox_report_verdict(&rd, &g->report, g->detail, sizeof g->detail);
    return g->verdict;
}

/* Sends the contract's parameters and the prefix (a request for `path`). */
static void guest_request(struct guest *g, const char *path)
{
    char prefix[512], params[256];
    int plen = snprintf(prefix, sizeof prefix, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    int n = snprintf(params, sizeof params,
                     "zerg=1\ninstance=7\ndaemon=test\npeer=127.0.0.1:1\nprefix_bytes=%d\n", plen);
    CU_ASSERT_EQUAL(send(g->ctl, params, (size_t)n, MSG_NOSIGNAL), n);
    CU_ASSERT_EQUAL(send(g->ctl, prefix, (size_t)plen, MSG_NOSIGNAL), plen);
}

/* 1 if the guest said exactly "ready\n", 0 otherwise. */
static int guest_ready(struct guest *g)
{
    char buf[64];
    if (wait_readable(g->ctl, WAIT_MS) <= 0)
        return 0;
    ssize_t n = recv(g->ctl, buf, sizeof buf, MSG_DONTWAIT);
    return n == 6 && memcmp(buf, "ready\n", 6) == 0;
}

/* Reads the response until end of file into buf (terminated). */
static size_t guest_response(struct guest *g, char *buf, size_t len)
{
    size_t used = 0;
    while (used + 1 < len && wait_readable(g->client, WAIT_MS) > 0) {
        ssize_t n = read(g->client, buf + used, len - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    return used;
}

/* Waits for the child's end and reaps it; closes everything. Returns the siginfo. */
static siginfo_t guest_reap(struct guest *g)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (g->ch.pidfd >= 0) {
        if (wait_readable(g->ch.pidfd, WAIT_MS) <= 0) {
            CU_FAIL("the child did not end in time; killing it");
            syscall(SYS_pidfd_send_signal, g->ch.pidfd, SIGKILL, NULL, 0);
        }
        CU_ASSERT_EQUAL(waitid((idtype_t)P_PIDFD, (id_t)g->ch.pidfd, &si, WEXITED), 0);
        close(g->ch.pidfd);
        close(g->ch.report_fd);
    }
    close(g->ctl);
    close(g->client);
    close(g->out);
    close(g->err);
    g->ch.pidfd = -1;
    return si;
}

static int killed_by(const siginfo_t *si, int sig)
{
    return si->si_code == CLD_KILLED && si->si_status == sig;
}

static int exited_with(const siginfo_t *si, int status)
{
    return si->si_code == CLD_EXITED && si->si_status == status;
}

/* Reads /proc/PID/FILE into buf. */
static int proc_read(pid_t pid, const char *file, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* The value after "Key:" in a /proc status-like text, whitespace squeezed to one space. */
static const char *status_field(const char *text, const char *key, char *out, size_t len)
{
    const char *p = strstr(text, key);
    out[0] = '\0';
    if (!p)
        return out;
    p += strlen(key);
    size_t o = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p && *p != '\n' && o + 1 < len; p++) {
        if ((*p == ' ' || *p == '\t') && o > 0 && out[o - 1] == ' ')
            continue;
        out[o++] = *p == '\t' ? ' ' : *p;
    }
    out[o] = '\0';
    return out;
}

static int ns_differs(pid_t pid, const char *ns)
{
    char a[128], b[128], pa[64], pb[64];
    snprintf(pa, sizeof pa, "/proc/%d/ns/%s", (int)pid, ns);
    snprintf(pb, sizeof pb, "/proc/self/ns/%s", ns);
    ssize_t na = readlink(pa, a, sizeof a - 1), nb = readlink(pb, b, sizeof b - 1);
    if (na <= 0 || nb <= 0)
        return -1;
    a[na] = b[nb] = '\0';
    return strcmp(a, b) != 0;
}

/* --- set-up --------------------------------------------------------------------------------- */

static struct zerg_config cfg;
static struct fixture_config_store store;

static int setup_config(void)
{
    if (fixture_config_fill(&cfg, &store) < 0) {
        CU_FAIL("zerg-fixture-guest not found next to the test program (build it: make)");
        return -1;
    }
    return 0;
}

/* Tests that need root are not registered without it; unit_register_sandbox says so. */
#define NEED_ROOT() (void)0

/* --- tests ---------------------------------------------------------------------------------- */

/* Every piece, seen from outside in /proc/PID while the fixture waits for its parameters. */
static void test_pieces_visible_in_proc(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    int fds_before = count_fds();
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 3, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        CU_ASSERT_EQUAL(g.report.outcome[p], SANDBOX_PIECE_ON);

    /* The fixture is now blocked reading fd 4: a stable moment to look at it. */
    char status[4096], v[128], want[64];
    CU_ASSERT_EQUAL_FATAL(proc_read(g.ch.pid, "status", status, sizeof status), 0);
    CU_ASSERT_STRING_EQUAL(status_field(status, "NoNewPrivs:", v, sizeof v), "1");
    CU_ASSERT_STRING_EQUAL(status_field(status, "Seccomp:", v, sizeof v), "2");
    CU_ASSERT_STRING_EQUAL(status_field(status, "CapEff:", v, sizeof v), "0000000000000000");
    CU_ASSERT_STRING_EQUAL(status_field(status, "CapPrm:", v, sizeof v), "0000000000000000");
    unsigned uid = fixture_uid_base() + 3;
    snprintf(want, sizeof want, "%u %u %u %u", uid, uid, uid, uid);
    CU_ASSERT_STRING_EQUAL(status_field(status, "Uid:", v, sizeof v), want);
    snprintf(want, sizeof want, "%u %u %u %u", 900000u, 900000u, 900000u, 900000u);
    CU_ASSERT_STRING_EQUAL(status_field(status, "Gid:", v, sizeof v), want);
    CU_ASSERT_STRING_EQUAL(status_field(status, "Groups:", v, sizeof v), "");
    /* Its own pid namespace, where it is pid 1. */
    CU_ASSERT_STRING_EQUAL(status_field(status, "NSpid:", v, sizeof v),
                           (snprintf(want, sizeof want, "%d 1", (int)g.ch.pid), want));
    static const char *const namespaces[] = {"pid", "mnt", "ipc", "uts", "net"};
    for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++) {
        int d = ns_differs(g.ch.pid, namespaces[i]);
        CU_ASSERT_EQUAL(d, 1);
        if (d != 1)
            fprintf(stderr, "namespace %s is shared with the parent\n", namespaces[i]);
    }
    /* Session and process group: its own (fields 5 and 6 of stat, after the comm). */
    char stat[1024];
    CU_ASSERT_EQUAL(proc_read(g.ch.pid, "stat", stat, sizeof stat), 0);
    const char *rp = strrchr(stat, ')');
    int pgrp = 0, session = 0;
    CU_ASSERT_EQUAL(rp ? sscanf(rp + 2, "%*c %*d %d %d", &pgrp, &session) : 0, 2);
    CU_ASSERT_EQUAL(pgrp, g.ch.pid);
    CU_ASSERT_EQUAL(session, g.ch.pid);
    /* Limits. */
    char limits[4096];
    CU_ASSERT_EQUAL(proc_read(g.ch.pid, "limits", limits, sizeof limits), 0);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(limits, "Max address space         268435456            268435456"));
    CU_ASSERT_PTR_NOT_NULL(strstr(limits, "Max cpu time              10                   10"));
    CU_ASSERT_PTR_NOT_NULL(strstr(limits, "Max open files            64                   64"));
    CU_ASSERT_PTR_NOT_NULL(strstr(limits, "Max processes             1                    1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(limits, "Max core file size        0                    0"));
    /* Exactly the contract's descriptors: 0..4. */
    char fddir[64];
    snprintf(fddir, sizeof fddir, "/proc/%d/fd", (int)g.ch.pid);
    DIR *d = opendir(fddir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    int nfd = 0, stray = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        nfd++;
        stray += atoi(e->d_name) > 4;
    }
    closedir(d);
    CU_ASSERT_EQUAL(nfd, 5);
    CU_ASSERT_EQUAL(stray, 0);

    /* And what it sees from inside. */
    guest_request(&g, "/__fixture/sandbox");
    CU_ASSERT_TRUE(guest_ready(&g));
    char resp[4096];
    guest_response(&g, resp, sizeof resp);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "X-Zerg-Instance: 7\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\npid=1\n"));
    snprintf(want, sizeof want, "\nuid=%u\n", uid);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\nhostname=zerg-guest\n"));
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
    sandbox_dispose(&sb);
    CU_ASSERT_EQUAL(count_fds(), fds_before);
}

/* A plain request is served (the contract end to end, without the spawner). */
static void test_serves_a_request(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    guest_request(&g, "/hello");
    CU_ASSERT_TRUE(guest_ready(&g));
    char resp[4096];
    guest_response(&g, resp, sizeof resp);
    CU_ASSERT_EQUAL(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "Connection: close\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\n\r\nzerg instance 7\n"));
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
    sandbox_dispose(&sb);
}

/* Runs /__fixture/forbidden/CALL and expects death by SIGSYS. */
static void expect_sigsys(const struct sandbox *sb, const char *call)
{
    char path[128];
    snprintf(path, sizeof path, "/__fixture/forbidden/%s", call);
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(sb, 1, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    guest_request(&g, path);
    CU_ASSERT_TRUE(guest_ready(&g));
    char resp[1024];
    guest_response(&g, resp, sizeof resp);
    siginfo_t si = guest_reap(&g);
    int ok = killed_by(&si, SIGSYS);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_EQUAL(resp[0], '\0'); /* it never answered */
    if (!ok)
        fprintf(stderr, "forbidden %s: code %d status %d, answered: %.80s\n", call, si.si_code,
                si.si_status, resp);
}

static void test_forbidden_calls_killed(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    static const char *const calls[] = {"socket", "ptrace", "open-write", "creat",
                                        "exec",   "fork",   "kill"};
    struct sandbox sb;
    char err[256];
    int fds_before = count_fds();
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        expect_sigsys(&sb, calls[i]);
    sandbox_dispose(&sb);
    /* The same under the profile that allows read-only open: its argument filter holds. */
    fixture_config_zvm(&cfg, &store);
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        expect_sigsys(&sb, calls[i]);
    sandbox_dispose(&sb);
    CU_ASSERT_EQUAL(count_fds(), fds_before);
}

/* Under "zvm" the guest reads /proc/self/status itself: the same facts from inside. Its minimal
 * root holds no /proc: this one runs without it (rootfs off). */
static void test_zvm_profile_reads_files(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    fixture_config_zvm(&cfg, &store);
    cfg.sandbox.pieces[ZERG_SANDBOX_ROOTFS] = ZERG_PIECE_OFF;
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 2, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    guest_request(&g, "/__fixture/sandbox");
    CU_ASSERT_TRUE(guest_ready(&g));
    char resp[4096];
    guest_response(&g, resp, sizeof resp);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "NoNewPrivs:\t1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "Seccomp:\t2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "CapEff:\t0000000000000000\n"));
    CU_ASSERT_PTR_NULL(strstr(resp, "status_error"));
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
    sandbox_dispose(&sb);
}

/* "zvm" lets a dynamically linked program start (the loader reads its libraries) and end. */
static void test_zvm_profile_runs_dynamic_binary(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    fixture_config_zvm(&cfg, &store);
    static char true_path[] = "/bin/true";
    store.argv[0] = true_path;
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
    if (!exited_with(&si, 0))
        fprintf(stderr, "/bin/true under zvm: code %d status %d\n", si.si_code, si.si_status);
    sandbox_dispose(&sb);
}

/* --- rootfs: the guest's filesystem view ------------------------------------------------------ */

/* Asks a running guest (zvm profile) to open `path`; the answer's body into resp. */
static void guest_read(const struct sandbox *sb, const char *path, char *resp, size_t len)
{
    char req[600];
    snprintf(req, sizeof req, "/__fixture/read?path=%s", path);
    struct guest g;
    resp[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(guest_start(sb, 5, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    guest_request(&g, req);
    CU_ASSERT_TRUE(guest_ready(&g));
    char full[4096];
    guest_response(&g, full, sizeof full);
    const char *body = strstr(full, "\r\n\r\n");
    snprintf(resp, len, "%s", body ? body + 4 : full);
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
}

static void expect_unreadable(const struct sandbox *sb, const char *path)
{
    char resp[512];
    guest_read(sb, path, resp, sizeof resp);
    int ok = strcmp(resp, "open=error\nerrno=ENOENT\n") == 0;
    CU_ASSERT_TRUE(ok);
    if (!ok)
        fprintf(stderr, "the guest opened %s: %s\n", path, resp);
}

/* An image directory in /tmp holding app.beam with known bytes. */
struct image_dir {
    char dir[64];
    char file[96];
};

static int image_make(struct image_dir *im)
{
    snprintf(im->dir, sizeof im->dir, "/tmp/zerg-test-image-XXXXXX");
    if (!mkdtemp(im->dir) || chmod(im->dir, 0755) < 0)
        return -1;
    snprintf(im->file, sizeof im->file, "%s/app.beam", im->dir);
    int fd = open(im->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    static const char content[] = "zerg image bytes 42\n";
    ssize_t w = write(fd, content, sizeof content - 1);
    close(fd);
    return w == (ssize_t)sizeof content - 1 ? 0 : -1;
}

static void image_remove(struct image_dir *im)
{
    unlink(im->file);
    rmdir(im->dir);
}

/* Lines of /proc/PID/mountinfo: every mount of the guest, seen from outside. */
static int guest_mounts(pid_t pid, char *buf, size_t len)
{
    if (proc_read(pid, "mountinfo", buf, len) < 0)
        return -1;
    int n = 0;
    for (const char *p = buf; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

/* The mount options field (the 6th) of the mountinfo line whose mount point is `where`. */
static const char *mount_options(const char *mountinfo, const char *where, char *out, size_t len)
{
    out[0] = '\0';
    for (const char *line = mountinfo; *line;) {
        const char *nl = strchr(line, '\n');
        size_t llen = nl ? (size_t)(nl - line) : strlen(line);
        char point[256], opts[256];
        char copy[1024];
        snprintf(copy, sizeof copy, "%.*s", (int)llen, line);
        if (sscanf(copy, "%*s %*s %*s %*s %255s %255s", point, opts) == 2 &&
            strcmp(point, where) == 0) {
            snprintf(out, len, "%s", opts);
            return out;
        }
        line += llen + (nl ? 1 : 0);
    }
    return out;
}

/* The super options (after " - fstype source ") of the line whose mount point is `where`. */
static const char *super_options(const char *mountinfo, const char *where, char *out, size_t len)
{
    out[0] = '\0';
    for (const char *line = mountinfo; *line;) {
        const char *nl = strchr(line, '\n');
        size_t llen = nl ? (size_t)(nl - line) : strlen(line);
        char copy[1024], point[256], opts[256];
        snprintf(copy, sizeof copy, "%.*s", (int)llen, line);
        const char *sep = strstr(copy, " - ");
        if (sep && sscanf(copy, "%*s %*s %*s %*s %255s", point) == 1 && strcmp(point, where) == 0 &&
            sscanf(sep + 3, "%*s %*s %255s", opts) == 1) {
            snprintf(out, len, "%s", opts);
            return out;
        }
        line += llen + (nl ? 1 : 0);
    }
    return out;
}

static bool has_option(const char *opts, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = opts; (p = strstr(p, opt)); p += n)
        if ((p == opts || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/*
 * With rootfs (zvm profile, which may open any path read-only): the guest reads its image at
 * /image and nothing else: not the host's /etc, not /proc, not the daemon's files (its own
 * binary, the image's host path, the state directory). Checked for the root made once at init
 * and for the root each child builds itself (the bench's per-instance mode).
 */
static void test_rootfs_confines_reads(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    struct image_dir im;
    CU_ASSERT_EQUAL_FATAL(image_make(&im), 0);
    fixture_config_zvm(&cfg, &store);
    cfg.guest.image = im.dir;
    int fds_before = count_fds();
    for (int per_instance = 0; per_instance < 2; per_instance++) {
        struct sandbox sb;
        char err[256];
        CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
        sb.rootfs_per_instance = per_instance;
        char resp[512];
        guest_read(&sb, "/image/app.beam", resp, sizeof resp);
        CU_ASSERT_STRING_EQUAL(resp, "open=ok\nbytes=20\ndata=zerg image bytes 42\n");
        /* A directory opens read-only (opendir), and read says what it is. */
        guest_read(&sb, "/image", resp, sizeof resp);
        CU_ASSERT_STRING_EQUAL(resp, "open=ok\nread=error\nerrno=EISDIR\n");
        expect_unreadable(&sb, "/etc/passwd");
        expect_unreadable(&sb, "/proc/self/status");
        expect_unreadable(&sb, "/proc/1/status");
        /* /dev/null is an empty read-only file (stock erts opens it), not the host's device. */
        guest_read(&sb, "/dev/null", resp, sizeof resp);
        CU_ASSERT_STRING_EQUAL(resp, "open=ok\nbytes=0\ndata=");
        expect_unreadable(&sb, "/dev/zero");
        expect_unreadable(&sb, "/tmp");
        expect_unreadable(&sb, store.guest_path);
        expect_unreadable(&sb, im.file);
        expect_unreadable(&sb, store.state_dir);
        /* From outside: its whole mount table is the root and the image, both read-only. */
        struct guest g;
        CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 6, &g), 0);
        CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
        CU_ASSERT_EQUAL(g.report.outcome[ZERG_SANDBOX_ROOTFS], SANDBOX_PIECE_ON);
        char mi[4096], opts[256];
        CU_ASSERT_EQUAL(guest_mounts(g.ch.pid, mi, sizeof mi), 2);
        mount_options(mi, "/", opts, sizeof opts);
        CU_ASSERT_TRUE(has_option(opts, "ro") && has_option(opts, "nosuid") &&
                       has_option(opts, "nodev") && has_option(opts, "noexec"));
        super_options(mi, "/", opts, sizeof opts); /* the tmpfs itself is read-only too */
        CU_ASSERT_TRUE(has_option(opts, "ro"));
        mount_options(mi, "/image", opts, sizeof opts);
        CU_ASSERT_TRUE(has_option(opts, "ro") && has_option(opts, "nosuid") &&
                       has_option(opts, "nodev") && has_option(opts, "noexec"));
        if (!has_option(opts, "noexec"))
            fprintf(stderr, "guest mounts:\n%s", mi);
        guest_request(&g, "/");
        siginfo_t si = guest_reap(&g);
        CU_ASSERT_TRUE(exited_with(&si, 0));
        sandbox_dispose(&sb);
    }
    CU_ASSERT_EQUAL(count_fds(), fds_before);
    /* The same guest with rootfs off sees the host: the checks above can fail. */
    cfg.sandbox.pieces[ZERG_SANDBOX_ROOTFS] = ZERG_PIECE_OFF;
    struct sandbox sb;
    char err[256], resp[512];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    guest_read(&sb, "/etc/passwd", resp, sizeof resp);
    CU_ASSERT_EQUAL(strncmp(resp, "open=ok\n", 8), 0);
    sandbox_dispose(&sb);
    image_remove(&im);
}

/* A dynamically linked guest gets its loader and libraries, read-only but executable. */
static void test_rootfs_dynamic_guest(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    fixture_config_zvm(&cfg, &store);
    static char sleep_path[] = "/bin/sleep", arg[] = "0.3";
    static char *argv[] = {sleep_path, arg, NULL};
    cfg.guest.argv = argv;
    cfg.guest.argc = 2;
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sb.rootfs);
    CU_ASSERT_EQUAL(sb.rootfs->nbinds, 2); /* sleep: the loader and libc, nothing else */
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    /* Its mounts, while it sleeps: the root, the loader, libc. */
    char mi[4096], opts[256];
    CU_ASSERT_EQUAL(guest_mounts(g.ch.pid, mi, sizeof mi), 3);
    mount_options(mi, "/lib64/ld-linux-x86-64.so.2", opts, sizeof opts);
    CU_ASSERT_TRUE(has_option(opts, "ro") && has_option(opts, "nosuid") &&
                   !has_option(opts, "noexec"));
    mount_options(mi, "/lib/x86_64-linux-gnu/libc.so.6", opts, sizeof opts);
    CU_ASSERT_TRUE(has_option(opts, "ro") && !has_option(opts, "noexec"));
    /* The loader found libc there, without ld.so.cache, and the program ran to its end. */
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
    if (!exited_with(&si, 0)) {
        char line[512];
        ssize_t n = read(g.err, line, sizeof line - 1);
        fprintf(stderr, "sleep under rootfs: code %d status %d: %.*s\n", si.si_code, si.si_status,
                n > 0 ? (int)n : 0, line);
        fprintf(stderr, "guest mounts:\n%s", mi);
    }
    sandbox_dispose(&sb);
}

/*
 * zvm (build/bin/zvm, dynamically linked) starts under the whole sandbox with the zvm profile
 * and reads its init module from the image (build/vm/ebin bound at /image): issue 4's "reads its
 * code from its image under the sandbox". Without the image it cannot find that module.
 */
static void test_zvm_reads_its_image(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    char zvm[PATH_MAX + 16], ebin[PATH_MAX + 16], real_ebin[PATH_MAX];
    char *slash = strrchr(store.guest_path, '/');
    CU_ASSERT_PTR_NOT_NULL_FATAL(slash);
    snprintf(zvm, sizeof zvm, "%.*s/zvm", (int)(slash - store.guest_path), store.guest_path);
    snprintf(ebin, sizeof ebin, "%.*s/../vm/ebin", (int)(slash - store.guest_path),
             store.guest_path);
    if (access(zvm, X_OK) != 0 || !realpath(ebin, real_ebin)) {
        CU_FAIL("build/bin/zvm or build/vm/ebin is missing (build them: make)");
        return;
    }
    fixture_config_zvm(&cfg, &store);
    static char a1[] = "-zvm-ebin", a2[] = "/image", a3[] = "-zvm-otp", a4[] = "/image/none",
                a5[] = "-noshell", a6[] = "-s", a7[] = "erlang", a8[] = "halt";
    char *argv[] = {zvm, a1, a2, a3, a4, a5, a6, a7, a8, NULL};
    cfg.guest.argv = argv;
    cfg.guest.argc = 9;
    for (int with_image = 1; with_image >= 0; with_image--) {
        cfg.guest.image = with_image ? real_ebin : NULL;
        struct sandbox sb;
        char err[256];
        CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
        struct guest g;
        CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
        CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
        CU_ASSERT_EQUAL(g.report.outcome[ZERG_SANDBOX_ROOTFS], SANDBOX_PIECE_ON);
        /* Its stderr, once it has ended (guest_reap closes the pipes). */
        char msg[512] = "";
        if (wait_readable(g.ch.pidfd, WAIT_MS) > 0 && wait_readable(g.err, 0) > 0) {
            ssize_t n = read(g.err, msg, sizeof msg - 1);
            msg[n > 0 ? n : 0] = '\0';
        }
        siginfo_t si = guest_reap(&g);
        if (with_image) {
            CU_ASSERT_TRUE(exited_with(&si, 0));
            if (!exited_with(&si, 0))
                fprintf(stderr, "zvm under the sandbox: code %d status %d: %s\n", si.si_code,
                        si.si_status, msg);
        } else {
            CU_ASSERT_PTR_NOT_NULL(strstr(msg, "zvm_init"));
            CU_ASSERT_TRUE(exited_with(&si, 2)); /* "cannot load the init module" */
        }
        sandbox_dispose(&sb);
    }
}

/* A REQUIRED piece the kernel refuses: the child stops before exec, the verdict says which. */
static void test_required_refusal_means_no_exec(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    static const enum zerg_sandbox_piece pieces[] = {ZERG_SANDBOX_PIDNS, ZERG_SANDBOX_UID,
                                                     ZERG_SANDBOX_SECCOMP};
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        sandbox_test_force_refusal(pieces[i], EPERM);
        struct guest g;
        CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
        sandbox_test_force_refusal(pieces[i], 0);
        CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_REFUSED);
        CU_ASSERT_EQUAL(g.report.refused_required, (int)pieces[i] + 1);
        CU_ASSERT_EQUAL(g.report.outcome[pieces[i]], SANDBOX_PIECE_REFUSED);
        CU_ASSERT_EQUAL(g.report.error[pieces[i]], EPERM);
        CU_ASSERT_PTR_NOT_NULL(strstr(g.detail, sandbox_piece_name(pieces[i])));
        /* Never exec'd: it ended with the launcher's 127 and its control socket closed
         * without a message (the fixture would have waited for its parameters). */
        char buf[8];
        int readable = wait_readable(g.ctl, WAIT_MS);
        CU_ASSERT_EQUAL(readable, 1);
        CU_ASSERT_EQUAL(recv(g.ctl, buf, sizeof buf, MSG_DONTWAIT), 0);
        siginfo_t si = guest_reap(&g);
        CU_ASSERT_TRUE(exited_with(&si, 127));
    }
    sandbox_dispose(&sb);
}

/* An OPTIONAL piece the kernel refuses: reported, and the guest runs without it. */
static void test_optional_refusal_reported(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    cfg.sandbox.pieces[ZERG_SANDBOX_IPCNS] = ZERG_PIECE_OPTIONAL;
    cfg.sandbox.pieces[ZERG_SANDBOX_UTSNS] = ZERG_PIECE_OFF;
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    sandbox_test_force_refusal(ZERG_SANDBOX_IPCNS, EPERM);
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
    sandbox_test_force_refusal(ZERG_SANDBOX_IPCNS, 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
    char text[128];
    CU_ASSERT_STRING_EQUAL(sandbox_outcome_text(&g.report, ZERG_SANDBOX_IPCNS, text, sizeof text),
                           "refused: Operation not permitted");
    CU_ASSERT_STRING_EQUAL(sandbox_outcome_text(&g.report, ZERG_SANDBOX_UTSNS, text, sizeof text),
                           "off");
    CU_ASSERT_STRING_EQUAL(sandbox_outcome_text(&g.report, ZERG_SANDBOX_PIDNS, text, sizeof text),
                           "on");
    CU_ASSERT_EQUAL(ns_differs(g.ch.pid, "ipc"), 0);
    CU_ASSERT_EQUAL(ns_differs(g.ch.pid, "uts"), 0);
    CU_ASSERT_EQUAL(ns_differs(g.ch.pid, "mnt"), 1);
    guest_request(&g, "/");
    CU_ASSERT_TRUE(guest_ready(&g));
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 0));
    sandbox_dispose(&sb);
}

/* Copies the file at `from` to a new file named by the mkstemp template `to`, mode 0755. */
static int copy_file(const char *from, char *to)
{
    int rc = -1;
    int in = open(from, O_RDONLY | O_CLOEXEC), out = mkstemp(to);
    if (in < 0 || out < 0)
        goto out;
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            goto out;
    if (n == 0 && fchmod(out, 0755) == 0)
        rc = 0;
out:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

/* A real refusal: as an unprivileged user the kernel refuses the namespaces and setuid. */
static void test_unprivileged_degrades(void)
{
    NEED_ROOT(); /* to become nobody */
    if (setup_config() < 0)
        return;
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        cfg.sandbox.pieces[p] = ZERG_PIECE_OPTIONAL;
    /* nobody opens the guest by path: the tree may sit in a directory closed to it (a clone in
     * /root), so it runs a copy in /tmp. */
    char copy[] = "/tmp/zerg-test-guest-XXXXXX";
    CU_ASSERT_EQUAL_FATAL(copy_file(store.guest_path, copy), 0);
    store.argv[0] = copy;
    int pipefd[2];
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    pid_t helper = fork();
    CU_ASSERT_FATAL(helper >= 0);
    if (helper == 0) {
        /* Outcome codes: bit 0 exec'd and served, bits 1.. one per check that failed. */
        int bad = 0;
        struct sandbox sb;
        char err[256];
        if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
            _exit(100);
        if (sandbox_init(&sb, &cfg, err, sizeof err) < 0)
            _exit(101);
        struct guest g;
        if (guest_start(&sb, 0, &g) < 0)
            _exit(102);
        bad |= (guest_report(&g) != SANDBOX_EXECED) << 1;
        bad |= (g.report.outcome[ZERG_SANDBOX_PIDNS] != SANDBOX_PIECE_REFUSED) << 2;
        bad |= (g.report.outcome[ZERG_SANDBOX_MOUNTNS] != SANDBOX_PIECE_REFUSED) << 3;
        bad |= (g.report.outcome[ZERG_SANDBOX_NETNS] != SANDBOX_PIECE_REFUSED) << 4;
        bad |= (g.report.outcome[ZERG_SANDBOX_UID] != SANDBOX_PIECE_REFUSED) << 5;
        bad |= (g.report.error[ZERG_SANDBOX_UID] != EPERM) << 6;
        bad |= (g.report.outcome[ZERG_SANDBOX_SECCOMP] != SANDBOX_PIECE_ON) << 7;
        bad |= (g.report.outcome[ZERG_SANDBOX_NO_NEW_PRIVS] != SANDBOX_PIECE_ON) << 8;
        bad |= (g.report.outcome[ZERG_SANDBOX_RLIMITS] != SANDBOX_PIECE_ON) << 9;
        bad |= (g.report.outcome[ZERG_SANDBOX_ROOTFS] != SANDBOX_PIECE_REFUSED) << 14;
        guest_request(&g, "/");
        bad |= !guest_ready(&g) << 10;
        siginfo_t si = guest_reap(&g);
        bad |= !exited_with(&si, 0) << 11;
        /* And with pidns REQUIRED, the refusal stops it. */
        sb.policy[ZERG_SANDBOX_PIDNS] = ZERG_PIECE_REQUIRED;
        if (guest_start(&sb, 0, &g) < 0)
            _exit(103);
        bad |= (guest_report(&g) != SANDBOX_REFUSED) << 12;
        si = guest_reap(&g);
        bad |= !exited_with(&si, 127) << 13;
        sandbox_dispose(&sb);
        /* A required rootfs that cannot be made fails the init, saying how to proceed. */
        cfg.sandbox.pieces[ZERG_SANDBOX_ROOTFS] = ZERG_PIECE_REQUIRED;
        bad |= (sandbox_init(&sb, &cfg, err, sizeof err) != -1 || !strstr(err, "rootfs") ||
                !strstr(err, "sandbox.optional"))
               << 15;
        ssize_t w = write(pipefd[1], &bad, sizeof bad);
        _exit(w == sizeof bad ? 0 : 104);
    }
    close(pipefd[1]);
    int bad = -1;
    CU_ASSERT_EQUAL(read(pipefd[0], &bad, sizeof bad), (ssize_t)sizeof bad);
    close(pipefd[0]);
    int status;
    CU_ASSERT_EQUAL(waitpid(helper, &status, 0), helper);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_EQUAL(bad, 0);
    if (bad)
        fprintf(stderr, "unprivileged sandbox checks failed: mask %#x, helper status %#x\n", bad,
                status);
    unlink(copy);
}

/* PR_SET_PDEATHSIG holds across the uid change: the guest dies with the daemon. */
static void test_pdeathsig_survives_uid_change(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    /* We become the subreaper of the orphaned guest, so we can see how it ends. */
    CU_ASSERT_EQUAL_FATAL(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    int pipefd[2];
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    pid_t daemon = fork();
    CU_ASSERT_FATAL(daemon >= 0);
    if (daemon == 0) {
        /* A stand-in daemon: starts a guest that sleeps 30 s once ready, and dies. */
        struct sandbox sb;
        char err[256];
        struct guest g;
        if (sandbox_init(&sb, &cfg, err, sizeof err) < 0 || guest_start(&sb, 0, &g) < 0 ||
            guest_report(&g) != SANDBOX_EXECED)
            _exit(1);
        guest_request(&g, "/__fixture/sleep?ms=30000");
        if (!guest_ready(&g))
            _exit(3);
        ssize_t w = write(pipefd[1], &g.ch.pid, sizeof g.ch.pid);
        _exit(w == sizeof g.ch.pid ? 0 : 2);
    }
    close(pipefd[1]);
    pid_t guest = -1;
    CU_ASSERT_EQUAL(read(pipefd[0], &guest, sizeof guest), (ssize_t)sizeof guest);
    close(pipefd[0]);
    int status;
    CU_ASSERT_EQUAL(waitpid(daemon, &status, 0), daemon);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (guest > 0) {
        /* The orphaned guest is now ours; it must be dead or dying of SIGKILL. */
        int pidfd = (int)syscall(SYS_pidfd_open, guest, 0);
        CU_ASSERT_TRUE_FATAL(pidfd >= 0);
        int ended = wait_readable(pidfd, WAIT_MS) > 0;
        CU_ASSERT_TRUE(ended);
        if (!ended)
            kill(guest, SIGKILL);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        CU_ASSERT_EQUAL(waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED), 0);
        CU_ASSERT_TRUE(killed_by(&si, SIGKILL));
        close(pidfd);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

/* A guest that cannot be opened at spawn time: a start failure, reported, with its errno. */
static void test_exec_failure_reported(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    char copy[] = "/tmp/zerg-test-guest-XXXXXX";
    int fd = mkstemp(copy);
    CU_ASSERT_FATAL(fd >= 0);
    fchmod(fd, 0755);
    close(fd);
    store.argv[0] = copy;
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    /* An empty file is executable by mode but not a binary: exec says ENOEXEC. */
    struct guest g;
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_START_FAILED);
    CU_ASSERT_EQUAL(g.report.stage, SANDBOX_STAGE_EXEC);
    CU_ASSERT_EQUAL(g.report.stage_errno, ENOEXEC);
    siginfo_t si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 127));
    if (!exited_with(&si, 127))
        fprintf(stderr, "exec failure: code %d status %d\n", si.si_code, si.si_status);
    /* Removed after init: opening it fails. */
    unlink(copy);
    CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &g), 0);
    CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_START_FAILED);
    CU_ASSERT_EQUAL(g.report.stage, SANDBOX_STAGE_OPEN_GUEST);
    CU_ASSERT_EQUAL(g.report.stage_errno, ENOENT);
    si = guest_reap(&g);
    CU_ASSERT_TRUE(exited_with(&si, 127));
    sandbox_dispose(&sb);
}

/* Bad configurations are refused at init with a message naming what is wrong. */
static void test_init_rejects_bad_config(void)
{
    if (setup_config() < 0)
        return;
    struct sandbox sb;
    char err[256];
    static char missing[] = "/nonexistent/zerg-guest", relative[] = "zerg-guest", dir[] = "/tmp",
                bogus[] = "no-such-profile";
    store.argv[0] = missing;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
    store.argv[0] = relative;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "absolute"));
    store.argv[0] = dir;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
    store.argv[0] = store.guest_path;
    cfg.guest.profile = bogus;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, bogus));
    setup_config();
    cfg.sandbox.uid_base = 0xfffffff0u;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "uid"));
    sandbox_dispose(&sb); /* safe after a failed init */
    /* A guest binary the guest's uid cannot exec. */
    setup_config();
    char copy[] = "/tmp/zerg-test-guest-XXXXXX";
    int fd = mkstemp(copy);
    CU_ASSERT_FATAL(fd >= 0);
    fchmod(fd, 0750);
    close(fd);
    store.argv[0] = copy;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "o+x"));
    unlink(copy);
    /* guest.image: missing, or not readable by the guest's uid (checked unless rootfs is off). */
    setup_config();
    static char no_image[] = "/nonexistent/zerg-image";
    cfg.guest.image = no_image;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "guest.image"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, no_image));
    char secret[] = "/tmp/zerg-test-image-XXXXXX";
    fd = mkstemp(secret);
    CU_ASSERT_FATAL(fd >= 0);
    fchmod(fd, 0600);
    close(fd);
    cfg.guest.image = secret;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "o+r"));
    if (geteuid() == 0) { /* as a user, the required namespaces fail the init anyway */
        cfg.sandbox.pieces[ZERG_SANDBOX_ROOTFS] = ZERG_PIECE_OFF;
        CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
        sandbox_dispose(&sb);
    }
    unlink(secret);
    /* A guest that is ELF but not of this machine's 64-bit kind. */
    setup_config();
    char elf32[] = "/tmp/zerg-test-guest-XXXXXX";
    fd = mkstemp(elf32);
    CU_ASSERT_FATAL(fd >= 0);
    static const unsigned char ident[64] = {0x7f, 'E', 'L', 'F', 1 /* ELFCLASS32 */, 1, 1};
    CU_ASSERT_EQUAL(write(fd, ident, sizeof ident), (ssize_t)sizeof ident);
    fchmod(fd, 0755);
    close(fd);
    store.argv[0] = elf32;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a 64-bit ELF"));
    unlink(elf32);
    /* A dynamic guest whose library the loader's search path does not hold: /bin/true with
     * its DT_NEEDED "libc.so.6" renamed in a copy. And the first 100 bytes of it: malformed. */
    char needs[] = "/tmp/zerg-test-guest-XXXXXX", cut[] = "/tmp/zerg-test-guest-XXXXXX";
    CU_ASSERT_EQUAL_FATAL(copy_file("/bin/true", needs), 0);
    int rfd = open(needs, O_RDWR | O_CLOEXEC);
    CU_ASSERT_FATAL(rfd >= 0);
    static char bytes[1 << 20];
    ssize_t len = read(rfd, bytes, sizeof bytes);
    CU_ASSERT_FATAL(len > 0);
    char *lib = memmem(bytes, (size_t)len, "libc.so.6", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lib);
    CU_ASSERT_EQUAL(pwrite(rfd, "libz.so.7", 9, lib - bytes), 9);
    close(rfd);
    store.argv[0] = needs;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs libz.so.7"));
    CU_ASSERT_EQUAL_FATAL(copy_file("/bin/true", cut), 0);
    CU_ASSERT_EQUAL(truncate(cut, 100), 0);
    store.argv[0] = cut;
    CU_ASSERT_EQUAL(sandbox_init(&sb, &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "malformed"));
    unlink(needs);
    unlink(cut);
}

static int ns_same(pid_t a, pid_t b, const char *ns)
{
    char la[128], lb[128], pa[64], pb[64];
    snprintf(pa, sizeof pa, "/proc/%d/ns/%s", (int)a, ns);
    snprintf(pb, sizeof pb, "/proc/%d/ns/%s", (int)b, ns);
    ssize_t na = readlink(pa, la, sizeof la - 1), nb = readlink(pb, lb, sizeof lb - 1);
    if (na <= 0 || nb <= 0)
        return -1;
    la[na] = lb[nb] = '\0';
    return strcmp(la, lb) == 0;
}

/* netns "shared": two guests in the same empty namespace; "per-instance": one each. Either
 * way not ours, and empty: only a loopback device, down. */
static void test_netns_modes(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    for (int mode = 0; mode < 2; mode++) {
        cfg.sandbox.netns = mode == 0 ? ZERG_NETNS_SHARED : ZERG_NETNS_PER_INSTANCE;
        struct sandbox sb;
        char err[256];
        CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
        struct guest a, b;
        CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 0, &a), 0);
        CU_ASSERT_EQUAL_FATAL(guest_start(&sb, 1, &b), 0);
        CU_ASSERT_EQUAL(guest_report(&a), SANDBOX_EXECED);
        CU_ASSERT_EQUAL(guest_report(&b), SANDBOX_EXECED);
        CU_ASSERT_EQUAL(ns_differs(a.ch.pid, "net"), 1);
        CU_ASSERT_EQUAL(ns_same(a.ch.pid, b.ch.pid, "net"), mode == 0 ? 1 : 0);
        char dev[4096];
        CU_ASSERT_EQUAL(proc_read(a.ch.pid, "net/dev", dev, sizeof dev), 0);
        /* Two header lines and lo: nothing else. */
        int lines = 0;
        for (const char *p = dev; (p = strchr(p, '\n')); p++)
            lines++;
        CU_ASSERT_EQUAL(lines, 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(dev, " lo:"));
        guest_request(&a, "/");
        guest_request(&b, "/");
        siginfo_t si = guest_reap(&a);
        CU_ASSERT_TRUE(exited_with(&si, 0));
        si = guest_reap(&b);
        CU_ASSERT_TRUE(exited_with(&si, 0));
        sandbox_dispose(&sb);
    }
}

/* Many spawns in a row leave no descriptor and no zombie behind. */
static void test_no_leaks(void)
{
    NEED_ROOT();
    if (setup_config() < 0)
        return;
    int fds_before = count_fds();
    struct sandbox sb;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sandbox_init(&sb, &cfg, err, sizeof err), 0);
    for (int i = 0; i < 20; i++) {
        struct guest g;
        CU_ASSERT_EQUAL_FATAL(guest_start(&sb, (unsigned)i % 4, &g), 0);
        CU_ASSERT_EQUAL(guest_report(&g), SANDBOX_EXECED);
        guest_request(&g, i % 2 ? "/" : "/__fixture/exit-before-ready");
        siginfo_t si = guest_reap(&g);
        CU_ASSERT_TRUE(exited_with(&si, i % 2 ? 0 : 3));
    }
    sandbox_dispose(&sb);
    CU_ASSERT_EQUAL(count_fds(), fds_before);
    siginfo_t si;
    CU_ASSERT_EQUAL(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
    CU_ASSERT_EQUAL(errno, ECHILD);
}

struct sandbox_test {
    const char *name;
    CU_TestFunc fn;
    bool needs_root; /* namespaces, setuid: skipped (and printed as such) without root */
};

#define T(fn, root)                                                                                \
    {                                                                                              \
#fn, fn, root                                                                              \
    }
static const struct sandbox_test tests[] = {
    T(test_init_rejects_bad_config, false),
    T(test_pieces_visible_in_proc, true),
    T(test_serves_a_request, true),
    T(test_forbidden_calls_killed, true),
    T(test_zvm_profile_reads_files, true),
    T(test_zvm_profile_runs_dynamic_binary, true),
    T(test_rootfs_confines_reads, true),
    T(test_rootfs_dynamic_guest, true),
    T(test_zvm_reads_its_image, true),
    T(test_required_refusal_means_no_exec, true),
    T(test_optional_refusal_reported, true),
    T(test_unprivileged_degrades, true),
    T(test_pdeathsig_survives_uid_change, true),
    T(test_exec_failure_reported, true),
    T(test_netns_modes, true),
    T(test_no_leaks, true),
};
#undef T

void unit_register_sandbox(void)
{
    bool root = geteuid() == 0;
    CU_pSuite s = CU_add_suite("sandbox", NULL, NULL);
    if (!s)
        unit_fatal("sandbox");
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (tests[i].needs_root && !root) {
            printf("SKIP: sandbox/%s: needs root (namespaces, setuid)\n", tests[i].name);
            continue;
        }
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            unit_fatal("sandbox");
    }
}
