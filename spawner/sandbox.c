/*
 * sandbox: see sandbox.h. Read top to bottom: the names, preparation at init (the shared network
 * namespace, the seccomp program, the guest command), the child's side in the order it runs
 * (one function per sandbox piece, in the order of sandbox_pieces.def), the parent's spawn, and
 * the parent's reading of the report.
 *
 * The child shares the daemon's memory (CLONE_VM | CLONE_VFORK, on its own stack) until it
 * execs: it must only make system calls. It allocates nothing, takes no lock, writes nothing but
 * its own stack and reads only what sandbox_init prepared and its arguments. glibc wrappers that
 * act on every thread of the process (setresuid and friends broadcast to the daemon's threads)
 * are replaced by raw system calls.
 */
#include "sandbox.h"
#include "seccomp_profiles.h"
#include "zclock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

/* --- names ---------------------------------------------------------------------------------- */

static const char *const piece_names[ZERG_SANDBOX_NPIECES] = {
#define X(id, name, what) name,
#include "sandbox_pieces.def"
#undef X
};

const char *sandbox_piece_name(enum zerg_sandbox_piece p)
{
    return (unsigned)p < ZERG_SANDBOX_NPIECES ? piece_names[p] : "?";
}

const char *sandbox_outcome_text(const struct sandbox_report *report, enum zerg_sandbox_piece p,
                                 char *buf, size_t len)
{
    if ((unsigned)p >= ZERG_SANDBOX_NPIECES)
        return "?";
    switch (report->outcome[p]) {
    case SANDBOX_PIECE_ON:
        return "on";
    case SANDBOX_PIECE_REFUSED:
        snprintf(buf, len, "refused: %s", strerror(report->error[p]));
        return buf;
    default:
        return "off";
    }
}

#ifdef ZERG_TEST_BUILD
static int forced_refusal[ZERG_SANDBOX_NPIECES];
void sandbox_test_force_refusal(enum zerg_sandbox_piece p, int e)
{
    if ((unsigned)p < ZERG_SANDBOX_NPIECES)
        forced_refusal[p] = e;
}
#define FORCED_REFUSAL(p) forced_refusal[p]
#else
#define FORCED_REFUSAL(p) 0
#endif

/* The child's stack (it runs child_main and the libc calls it makes, sanitizers included). */
#define SANDBOX_STACK_SIZE  (256 * 1024)
#define SANDBOX_STACK_GUARD 4096

static long sys_clone3(struct clone_args *ca)
{
    return syscall(SYS_clone3, ca, sizeof *ca);
}

/*
 * How a child that never exec'd ends: the system call itself. _exit() would run a sanitizer's
 * exit hooks in the test build (LeakSanitizer clones a tracer, which seccomp kills). Not
 * declared noreturn on purpose: AddressSanitizer precedes every call to a noreturn function
 * with a sigaltstack call, which the guest's seccomp filter does not allow.
 */
static void child_exit(int status) __attribute__((noipa));
static void child_exit(int status)
{
    syscall(SYS_exit_group, status); /* does not return; no loop, lest it be inferred noreturn */
}

/* --- preparation ---------------------------------------------------------------------------- */

/*
 * The shared empty network namespace: a helper child is cloned into a new one and holds it
 * while we open /proc/PID/ns/net; our descriptor keeps the namespace alive after the helper is
 * gone. The helper waits on a pipe, so there is no race with its exit.
 */
static int make_shared_netns(int *out_fd)
{
    int rc = -1, saved = 0;
    int hold[2] = {-1, -1};
    int pidfd = -1;
    pid_t pid = -1;

    *out_fd = -1;
    if (pipe2(hold, O_CLOEXEC) < 0) {
        saved = errno;
        goto out;
    }
    struct clone_args ca = {.flags = CLONE_PIDFD | CLONE_NEWNET,
                            .pidfd = (uint64_t)(uintptr_t)&pidfd,
                            .exit_signal = SIGCHLD};
    pid = (pid_t)sys_clone3(&ca);
    if (pid < 0) {
        saved = errno;
        goto out;
    }
    if (pid == 0) {
        char byte;
        close(hold[1]);
        while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
            ;
        child_exit(0);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    *out_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*out_fd < 0)
        saved = errno;
    else
        rc = 0;
out:
    if (hold[1] >= 0)
        close(hold[1]); /* the helper reads end of file and exits */
    if (hold[0] >= 0)
        close(hold[0]);
    if (pidfd >= 0) {
        siginfo_t si;
        while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
            ;
        close(pidfd);
    }
    errno = saved;
    return rc;
}

static int check_guest_command(const struct zerg_config *cfg, char *err, size_t errlen)
{
    const char *path = cfg->guest.argv ? cfg->guest.argv[0] : NULL;
    struct stat st;
    if (!path || !path[0]) {
        snprintf(err, errlen, "guest.command is empty");
        return -1;
    }
    if (path[0] != '/') {
        snprintf(err, errlen, "guest.command[0] \"%s\" is not an absolute path", path);
        return -1;
    }
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "guest.command[0] \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "guest.command[0] \"%s\" is not a regular file", path);
        return -1;
    }
    if (access(path, X_OK) < 0 || !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
        snprintf(err, errlen, "guest.command[0] \"%s\" is not executable", path);
        return -1;
    }
    /* The guest execs it as its own uid: "other" must be allowed to (or the sandbox group). */
    bool other_ok = st.st_mode & S_IXOTH;
    bool group_ok = (st.st_mode & S_IXGRP) && st.st_gid == (gid_t)cfg->sandbox.gid;
    if (cfg->sandbox.pieces[ZERG_SANDBOX_UID] != ZERG_PIECE_OFF && !other_ok && !group_ok) {
        snprintf(err, errlen,
                 "guest.command[0] \"%s\" (mode %04o) is not executable by the guest's uid: it "
                 "needs o+x",
                 path, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

static void set_limit(struct rlimit *l, rlim_t v)
{
    l->rlim_cur = v;
    l->rlim_max = v;
}

int sandbox_init(struct sandbox *sb, const struct zerg_config *cfg, char *err, size_t errlen)
{
    memset(sb, 0, sizeof *sb);
    sb->netns_fd = -1;
    sb->rootfs_fd = -1;
    sb->parent_pidfd = -1;
    sb->initialised = true;

    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        sb->policy[p] = cfg->sandbox.pieces[p];
    sb->uid_base = cfg->sandbox.uid_base;
    sb->gid = cfg->sandbox.gid;
    sb->max_slots = cfg->limits.max_instances;
    /* uid_base + slot must stay a real uid: (uid_t)-1 means "unchanged" to setresuid. */
    if (sb->max_slots == 0 ||
        (uint64_t)sb->uid_base + sb->max_slots - 1 >= (uint64_t)(uid_t)-1 - 1 ||
        sb->gid >= (uint32_t)(gid_t)-1 - 1) {
        snprintf(err, errlen,
                 "sandbox.uid_base %u + limits.max_instances %u or sandbox.gid %u is out of the "
                 "uid/gid range",
                 sb->uid_base, sb->max_slots, sb->gid);
        goto fail;
    }
    if ((uint64_t)cfg->limits.memory_mb * 1024 * 1024 > (uint64_t)RLIM_INFINITY / 2) {
        snprintf(err, errlen, "limits.memory_mb %u is too large", cfg->limits.memory_mb);
        goto fail;
    }
    set_limit(&sb->lim_as, (rlim_t)cfg->limits.memory_mb * 1024 * 1024);
    set_limit(&sb->lim_cpu, cfg->sandbox.cpu_seconds);
    set_limit(&sb->lim_nofile, cfg->sandbox.open_files);
    set_limit(&sb->lim_nproc, cfg->sandbox.processes);
    set_limit(&sb->lim_core, 0);

    /* The exec descriptor sits at or above the guest's RLIMIT_NOFILE: out of its reach. */
    sb->exec_fd = cfg->sandbox.open_files > SANDBOX_EXEC_FD_MIN ? (int)cfg->sandbox.open_files
                                                                : SANDBOX_EXEC_FD_MIN;
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
        (nofile.rlim_max != RLIM_INFINITY && nofile.rlim_max < (rlim_t)sb->exec_fd + 64)) {
        snprintf(err, errlen,
                 "the RLIMIT_NOFILE hard limit (%llu) is too low: the sandbox places descriptors "
                 "up to %d",
                 (unsigned long long)nofile.rlim_max, sb->exec_fd + 63);
        goto fail;
    }

    if (check_guest_command(cfg, err, errlen) < 0)
        goto fail;
    sb->path = cfg->guest.argv[0];
    sb->argv = cfg->guest.argv;
    sb->envp = calloc(cfg->guest.envc + 1, sizeof *sb->envp);
    if (!sb->envp) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->guest.envc && cfg->guest.env; i++)
        sb->envp[i] = cfg->guest.env[i];

    struct stat image_st;
    if (cfg->guest.image && stat(cfg->guest.image, &image_st) == 0 && S_ISDIR(image_st.st_mode))
        sb->image_dir = cfg->guest.image;

    /* What the guest's root needs: checked before anything is made (a configuration error). */
    if (sb->policy[ZERG_SANDBOX_ROOTFS] != ZERG_PIECE_OFF &&
        !(sb->rootfs = rootfs_plan_make(sb->path, cfg->guest.image, err, errlen)))
        goto fail;

    if (sb->policy[ZERG_SANDBOX_SECCOMP] != ZERG_PIECE_OFF &&
        seccomp_profile_compile(cfg->guest.profile, sb->exec_fd, &sb->filter, err, errlen) < 0)
        goto fail;

    /* The child's stack: touched now, so that no spawn pays its page faults. */
    sb->stack_size = SANDBOX_STACK_SIZE;
    sb->stack = mmap(NULL, sb->stack_size + SANDBOX_STACK_GUARD, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (sb->stack == MAP_FAILED) {
        sb->stack = NULL;
        snprintf(err, errlen, "the sandbox's stack: %s", strerror(errno));
        goto fail;
    }
    if (mprotect(sb->stack, SANDBOX_STACK_GUARD, PROT_NONE) < 0) {
        snprintf(err, errlen, "the sandbox's stack guard: %s", strerror(errno));
        goto fail;
    }
    memset((char *)sb->stack + SANDBOX_STACK_GUARD, 0, sb->stack_size);

    sb->parent_pidfd = pidfd_open(getpid(), 0);
    if (sb->parent_pidfd < 0) {
        snprintf(err, errlen, "pidfd_open of the daemon itself: %s", strerror(errno));
        goto fail;
    }

    sb->netns_mode = cfg->sandbox.netns;
    if (sb->policy[ZERG_SANDBOX_NETNS] != ZERG_PIECE_OFF && sb->netns_mode == ZERG_NETNS_SHARED &&
        make_shared_netns(&sb->netns_fd) < 0) {
        sb->netns_errno = errno;
        if (sb->policy[ZERG_SANDBOX_NETNS] == ZERG_PIECE_REQUIRED) {
            snprintf(err, errlen,
                     "sandbox piece netns is required but the empty network namespace cannot be "
                     "made: %s (run as root, or list netns in sandbox.optional or sandbox.off)",
                     strerror(sb->netns_errno));
            goto fail;
        }
    }

    if (sb->rootfs && rootfs_namespace_make(sb->rootfs, &sb->rootfs_fd) < 0) {
        sb->rootfs_errno = errno;
        if (sb->policy[ZERG_SANDBOX_ROOTFS] == ZERG_PIECE_REQUIRED) {
            snprintf(err, errlen,
                     "sandbox piece rootfs is required but the guest's root cannot be made: "
                     "%s (run as root, or list rootfs in sandbox.optional or sandbox.off)",
                     strerror(sb->rootfs_errno));
            goto fail;
        }
    }
    return 0;

fail:
    sandbox_dispose(sb);
    return -1;
}

void sandbox_dispose(struct sandbox *sb)
{
    if (!sb->initialised)
        return;
    if (sb->netns_fd >= 0)
        close(sb->netns_fd);
    if (sb->rootfs_fd >= 0)
        close(sb->rootfs_fd);
    if (sb->parent_pidfd >= 0)
        close(sb->parent_pidfd);
    seccomp_profile_dispose(&sb->filter);
    rootfs_plan_free(sb->rootfs);
    if (sb->stack)
        munmap(sb->stack, sb->stack_size + SANDBOX_STACK_GUARD);
    free(sb->envp);
    memset(sb, 0, sizeof *sb);
    sb->netns_fd = -1;
    sb->rootfs_fd = -1;
    sb->parent_pidfd = -1;
}

/* --- the child ------------------------------------------------------------------------------ */

/* Where the child keeps the descriptors it needs until exec (all close-on-exec). */
#define FD_GUEST(sb)   ((sb)->exec_fd)
#define FD_REPORT(sb)  ((sb)->exec_fd + 1)
#define FD_PARENT(sb)  ((sb)->exec_fd + 2)
#define FD_NETNS(sb)   ((sb)->exec_fd + 3)
#define FD_ROOTFS(sb)  ((sb)->exec_fd + 4)
#define FD_SCRATCH(sb) ((sb)->exec_fd + 5) /* temporaries while placing, above all targets */

struct child {
    const struct sandbox *sb;
    struct sandbox_report report;
    int report_fd;
};

static void child_send_report(struct child *c)
{
    ssize_t r;
    do
        r = write(c->report_fd, &c->report, sizeof c->report);
    while (r < 0 && errno == EINTR);
}

/* Not noreturn either (see child_exit): it is called after the seccomp filter is on. */
static void child_stop(struct child *c, enum sandbox_stage stage, int e) __attribute__((noipa));
static void child_stop(struct child *c, enum sandbox_stage stage, int e)
{
    c->report.stage = stage;
    c->report.stage_errno = e;
    child_send_report(c);
    child_exit(127);
}

/* Records a piece's result; a REQUIRED piece that was refused ends the child here. */
static void child_piece(struct child *c, enum zerg_sandbox_piece p, int e)
{
    c->report.outcome[p] = e ? SANDBOX_PIECE_REFUSED : SANDBOX_PIECE_ON;
    c->report.error[p] = e;
    if (p != ZERG_SANDBOX_SECCOMP)
        c->report.piece_done_ns[p] = zclock_now_ns();
    if (e && c->sb->policy[p] == ZERG_PIECE_REQUIRED) {
        c->report.refused_required = (int32_t)p + 1;
        child_send_report(c);
        child_exit(127);
    }
}

/* Runs `apply` for piece p unless it is off; a test build may force a refusal. */
#define CHILD_APPLY(c, p, apply)                                                                   \
    do {                                                                                           \
        if ((c)->sb->policy[p] != ZERG_PIECE_OFF)                                                  \
            child_piece((c), (p), FORCED_REFUSAL(p) ? FORCED_REFUSAL(p) : (apply));                \
    } while (0)

/* Each returns 0 or the errno of the refusal. */
static int errno_of(long r)
{
    return r < 0 ? errno : 0;
}

/*
 * The daemon's handlers mean nothing in the guest and a signal before exec must not run one (a
 * libevent handler would write to the daemon's signal socket): the parent blocked everything
 * around clone; here every disposition goes back to default, then the mask is cleared.
 */
static void child_reset_signals(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < _NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL); /* glibc's reserved signals refuse: harmless */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* 1 if the daemon is gone (its pidfd is readable), 0 if alive. */
static int child_parent_gone(int parent_pidfd)
{
    struct pollfd pfd = {.fd = parent_pidfd, .events = POLLIN};
    return poll(&pfd, 1, 0) > 0;
}

static int apply_pdeathsig(int parent_pidfd)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        return errno;
    /* If the daemon died before the line above, the signal will never come: stop now (nobody
     * reads a report). getppid() cannot tell: in a new pid namespace it is always 0. */
    if (child_parent_gone(parent_pidfd))
        child_exit(127);
    return 0;
}

/*
 * Moves the contract's descriptors to 0..4 and the launcher's own to FD_GUEST..FD_ROOTFS. Every
 * source is first copied above all targets (FD_SCRATCH and up), so that no move can overwrite a
 * source that is still needed, whatever numbers the daemon's descriptors have.
 */
static void child_place_fds(struct child *c, const int fds[SANDBOX_CONTRACT_FDS], int guest_fd)
{
    const struct sandbox *sb = c->sb;
    enum { NSRC = SANDBOX_CONTRACT_FDS + 5 };
    int src[NSRC], dst[NSRC], tmp[NSRC];
    for (int i = 0; i < SANDBOX_CONTRACT_FDS; i++) {
        src[i] = fds[i];
        dst[i] = i;
    }
    src[5] = guest_fd, dst[5] = FD_GUEST(sb);
    src[6] = c->report_fd, dst[6] = FD_REPORT(sb);
    src[7] = sb->parent_pidfd, dst[7] = FD_PARENT(sb);
    src[8] = sb->netns_fd, dst[8] = FD_NETNS(sb);
    src[9] = sb->rootfs_fd, dst[9] = FD_ROOTFS(sb);

    /* Room for the temporaries: the daemon's soft limit may be below them. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (rlim_t)FD_SCRATCH(sb) + 32) {
        nofile.rlim_cur = nofile.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
            child_stop(c, SANDBOX_STAGE_PLACE_FDS, errno);
    }
    for (int i = 0; i < NSRC; i++) {
        tmp[i] = -1;
        if (src[i] >= 0 && (tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, FD_SCRATCH(sb))) < 0)
            child_stop(c, SANDBOX_STAGE_PLACE_FDS, errno);
    }
    c->report_fd = tmp[6];
    for (int i = 0; i < NSRC; i++) {
        if (tmp[i] < 0)
            continue;
        /* dup2 clears close-on-exec (the contract's fds survive exec); dup3 keeps it. */
        int r = i < SANDBOX_CONTRACT_FDS ? dup2(tmp[i], dst[i]) : dup3(tmp[i], dst[i], O_CLOEXEC);
        if (r < 0)
            child_stop(c, SANDBOX_STAGE_PLACE_FDS, errno);
    }
    c->report_fd = FD_REPORT(sb);
}

static int apply_close_fds(const struct sandbox *sb)
{
    if (close_range(SANDBOX_CONTRACT_FDS, (unsigned)FD_GUEST(sb) - 1, 0) < 0)
        return errno;
    if (close_range((unsigned)FD_SCRATCH(sb), ~0u, 0) < 0)
        return errno;
    return 0;
}

/*
 * The guest's minimal root: join the namespace made at init (its root is the minimal one; the
 * mountns piece then unshares a copy of it), or, in the bench's per-instance mode, build it here.
 */
static int apply_rootfs(const struct sandbox *sb)
{
    if (sb->rootfs_per_instance) {
        if (unshare(CLONE_NEWNS) < 0)
            return errno;
        return rootfs_enter(sb->rootfs);
    }
    if (sb->rootfs_fd < 0)
        return sb->rootfs_errno ? sb->rootfs_errno : EBADF;
    return errno_of(setns(FD_ROOTFS(sb), CLONE_NEWNS));
}

static int apply_mountns(void)
{
    if (unshare(CLONE_NEWNS) < 0)
        return errno;
    /* Nothing the guest could mount (it cannot: seccomp) propagates back to the host. */
    return errno_of(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
}

static int apply_utsns(void)
{
    if (unshare(CLONE_NEWUTS) < 0)
        return errno;
    return errno_of(sethostname(SANDBOX_HOSTNAME, strlen(SANDBOX_HOSTNAME)));
}

static int apply_netns(const struct sandbox *sb)
{
    if (sb->netns_mode == ZERG_NETNS_PER_INSTANCE)
        return errno_of(unshare(CLONE_NEWNET));
    if (sb->netns_fd < 0)
        return sb->netns_errno ? sb->netns_errno : EBADF;
    return errno_of(setns(FD_NETNS(sb), CLONE_NEWNET));
}

static int apply_rlimits(const struct sandbox *sb)
{
    if (setrlimit(RLIMIT_AS, &sb->lim_as) < 0 || setrlimit(RLIMIT_CPU, &sb->lim_cpu) < 0 ||
        setrlimit(RLIMIT_NOFILE, &sb->lim_nofile) < 0 ||
        setrlimit(RLIMIT_NPROC, &sb->lim_nproc) < 0 || setrlimit(RLIMIT_CORE, &sb->lim_core) < 0)
        return errno;
    return 0;
}

/* Raw calls: glibc's setgroups/setresgid/setresuid would signal every thread of the daemon
 * (whose memory the child shares) to change its credentials too. */
static int apply_uid(uid_t uid, gid_t gid)
{
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, gid, gid, gid) < 0 ||
        syscall(SYS_setresuid, uid, uid, uid) < 0)
        return errno;
    return 0;
}

/* What sandbox_spawn hands the child (on the suspended caller's stack). Not noreturn, like
 * child_exit: a sanitizer's no-return hook would act on the daemon thread's stack. */
struct child_args {
    const struct sandbox *sb;
    uid_t uid;
    const int *fds;
    int report_fd;
    int pidns_errno;
};

static void child_main(const struct sandbox *sb, uid_t uid, const int fds[SANDBOX_CONTRACT_FDS],
                       int report_fd, int pidns_errno)
{
    struct child c;
    memset(&c, 0, sizeof c);
    c.report.start_ns = zclock_now_ns();
    c.sb = sb;
    c.report.magic = SANDBOX_REPORT_MAGIC;
    c.report_fd = report_fd;
    int parent_fd = sb->parent_pidfd;

    child_reset_signals();

    CHILD_APPLY(&c, ZERG_SANDBOX_SESSION, errno_of(setsid()));
    CHILD_APPLY(&c, ZERG_SANDBOX_PDEATHSIG, apply_pdeathsig(parent_fd));

    /* close_fds: the contract's descriptors are placed whatever the policy; the rest closed. */
    int guest_fd = open(sb->path, O_PATH | O_CLOEXEC);
    if (guest_fd < 0)
        child_stop(&c, SANDBOX_STAGE_OPEN_GUEST, errno);
    child_place_fds(&c, fds, guest_fd);
    parent_fd = FD_PARENT(sb);
    CHILD_APPLY(&c, ZERG_SANDBOX_CLOSE_FDS, apply_close_fds(sb));

    /* pidns was decided by the clone flags. */
    CHILD_APPLY(&c, ZERG_SANDBOX_PIDNS, pidns_errno);
    CHILD_APPLY(&c, ZERG_SANDBOX_ROOTFS, apply_rootfs(sb));
    CHILD_APPLY(&c, ZERG_SANDBOX_MOUNTNS, apply_mountns());
    CHILD_APPLY(&c, ZERG_SANDBOX_IPCNS, errno_of(unshare(CLONE_NEWIPC)));
    CHILD_APPLY(&c, ZERG_SANDBOX_UTSNS, apply_utsns());
    CHILD_APPLY(&c, ZERG_SANDBOX_NETNS, apply_netns(sb));
    CHILD_APPLY(&c, ZERG_SANDBOX_RLIMITS, apply_rlimits(sb));
    CHILD_APPLY(&c, ZERG_SANDBOX_UID, apply_uid(uid, (gid_t)sb->gid));
    /* Changing credentials cleared PR_SET_PDEATHSIG (kernel commit_creds): set it again. */
    if (c.report.outcome[ZERG_SANDBOX_UID] == SANDBOX_PIECE_ON &&
        c.report.outcome[ZERG_SANDBOX_PDEATHSIG] == SANDBOX_PIECE_ON) {
        int e = apply_pdeathsig(parent_fd);
        if (e)
            child_piece(&c, ZERG_SANDBOX_PDEATHSIG, e);
    }
    /*
     * The guest's working directory is its image (a directory image): /image inside its root,
     * or the image's own path when the rootfs piece is off, so a guest names its code with
     * relative paths that hold either way (configs/local.json runs zvm so, as root or not).
     */
    if (sb->image_dir &&
        chdir(c.report.outcome[ZERG_SANDBOX_ROOTFS] == SANDBOX_PIECE_ON ? "/image" : sb->image_dir) <
            0)
        child_stop(&c, SANDBOX_STAGE_CHDIR, errno);
    CHILD_APPLY(&c, ZERG_SANDBOX_NO_NEW_PRIVS, errno_of(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)));
    CHILD_APPLY(&c, ZERG_SANDBOX_SECCOMP,
                errno_of(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sb->filter, 0, 0)));

    /* From here on only what the seccomp launcher rules allow: write, execveat, exit_group. */
    child_send_report(&c);
    execveat(FD_GUEST(sb), "", sb->argv, sb->envp, AT_EMPTY_PATH);
    child_stop(&c, SANDBOX_STAGE_EXEC, errno);
}

static int child_entry(void *arg)
{
    const struct child_args *a = arg;
    child_main(a->sb, a->uid, a->fds, a->report_fd, a->pidns_errno);
    child_exit(127); /* not reached: child_main execs or exits */
    return 127;
}

/* One clone: CLONE_VM | CLONE_VFORK on the sandbox's stack, or (bench) clone3 as a fork. */
static long spawn_clone(const struct sandbox *sb, uint64_t ns_flags, int *pidfd,
                        struct child_args *args)
{
    if (sb->spawn_fork) {
        struct clone_args ca = {.flags = CLONE_PIDFD | ns_flags,
                                .pidfd = (uint64_t)(uintptr_t)pidfd,
                                .exit_signal = SIGCHLD};
        long pid = sys_clone3(&ca);
        if (pid == 0)
            child_exit(child_entry(args));
        return pid;
    }
    char *top = (char *)sb->stack + SANDBOX_STACK_GUARD + sb->stack_size;
    long pid = clone(child_entry, top,
                     CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (int)ns_flags | SIGCHLD, args, pidfd);
    int saved = errno; /* the caller reads it when pid < 0 */
#if defined(__SANITIZE_ADDRESS__)
    /* The child's frames never returned: their redzones stay poisoned in the shadow memory we
     * share. The next child starts on a clean stack. */
    __asan_unpoison_memory_region((char *)sb->stack + SANDBOX_STACK_GUARD, sb->stack_size);
#endif
    errno = saved;
    return pid;
}

/* --- the parent: spawn ---------------------------------------------------------------------- */

static bool namespace_refusal(int e)
{
    /* EPERM: no CAP_SYS_ADMIN; EINVAL: not compiled in; ENOSPC/EUSERS: namespace limits. */
    return e == EPERM || e == EINVAL || e == ENOSPC || e == EUSERS;
}

int sandbox_spawn(const struct sandbox *sb, unsigned slot, const int fds[SANDBOX_CONTRACT_FDS],
                  struct sandbox_child *child, char *err, size_t errlen)
{
    int report[2] = {-1, -1};
    int pidfd = -1;

    child->pid = -1;
    child->pidfd = -1;
    child->report_fd = -1;
    if (slot >= sb->max_slots) {
        snprintf(err, errlen, "slot %u out of range (limits.max_instances %u)", slot,
                 sb->max_slots);
        return -1;
    }
    uid_t uid = (uid_t)(sb->uid_base + slot);
    for (int i = 0; i < SANDBOX_CONTRACT_FDS; i++) {
        if (fds[i] < 0) {
            snprintf(err, errlen, "contract descriptor %d missing", i);
            return -1;
        }
    }
    if (pipe2(report, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }

    uint64_t ns_flags = 0;
    struct child_args args = {
        .sb = sb, .uid = uid, .fds = fds, .report_fd = report[1], .pidns_errno = 0};
    if (sb->policy[ZERG_SANDBOX_PIDNS] != ZERG_PIECE_OFF) {
        args.pidns_errno = FORCED_REFUSAL(ZERG_SANDBOX_PIDNS);
        if (!args.pidns_errno)
            ns_flags |= CLONE_NEWPID;
    }
    sigset_t all, saved_mask;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_mask);
    long pid = spawn_clone(sb, ns_flags, &pidfd, &args);
    if (pid < 0 && (ns_flags & CLONE_NEWPID) && namespace_refusal(errno)) {
        /* The child reports pidns refused; if it is required, it stops before exec. */
        args.pidns_errno = errno;
        ns_flags &= ~(uint64_t)CLONE_NEWPID;
        pid = spawn_clone(sb, ns_flags, &pidfd, &args);
    }
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        snprintf(err, errlen, "clone: %s", strerror(clone_errno));
        return -1;
    }
    child->pid = (pid_t)pid;
    child->pidfd = pidfd;
    child->report_fd = report[0];
    child->uid = uid;
    return 0;
}

/* --- the parent: the report ----------------------------------------------------------------- */

void sandbox_report_reader_init(struct sandbox_report_reader *r)
{
    memset(r, 0, sizeof *r);
}

int sandbox_report_read(struct sandbox_report_reader *r, int fd)
{
    while (!r->eof) {
        unsigned char scratch[256];
        unsigned char *into = r->buf + r->len;
        size_t room = sizeof r->buf - r->len;
        if (room == 0) {
            /* More than two reports is garbage; keep the length that says so. */
            into = scratch;
            room = sizeof scratch;
        }
        ssize_t n = read(fd, into, room);
        if (n > 0) {
            if (into != scratch)
                r->len += (size_t)n;
            continue;
        }
        if (n == 0) {
            r->eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -1;
    }
    return 1;
}

static const char *stage_name(int32_t stage)
{
    switch (stage) {
    case SANDBOX_STAGE_OPEN_GUEST:
        return "opening the guest command";
    case SANDBOX_STAGE_PLACE_FDS:
        return "placing the contract's descriptors";
    case SANDBOX_STAGE_EXEC:
        return "exec";
    case SANDBOX_STAGE_CHDIR:
        return "entering the image directory";
    default:
        return "?";
    }
}

enum sandbox_verdict sandbox_report_verdict(const struct sandbox_report_reader *r,
                                            struct sandbox_report *report, char *detail,
                                            size_t detail_len)
{
    memset(report, 0, sizeof *report);
    size_t n = r->len / sizeof *report;
    if (n == 0 || n > 2 || r->len % sizeof *report != 0) {
        snprintf(detail, detail_len, "the sandboxed child ended without a valid report (%zu bytes)",
                 r->len);
        return SANDBOX_NO_REPORT;
    }
    memcpy(report, r->buf + (n - 1) * sizeof *report, sizeof *report);
    if (report->magic != SANDBOX_REPORT_MAGIC) {
        memset(report, 0, sizeof *report);
        snprintf(detail, detail_len, "the sandboxed child sent a report with a bad magic");
        return SANDBOX_NO_REPORT;
    }
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++) {
        if (report->outcome[p] > SANDBOX_PIECE_REFUSED) {
            memset(report, 0, sizeof *report);
            snprintf(detail, detail_len, "the sandboxed child sent a malformed report");
            return SANDBOX_NO_REPORT;
        }
    }
    int32_t req = report->refused_required;
    if (req > 0 && req <= ZERG_SANDBOX_NPIECES) {
        snprintf(detail, detail_len, "required sandbox piece %s refused: %s", piece_names[req - 1],
                 strerror(report->error[req - 1]));
        return SANDBOX_REFUSED;
    }
    if (report->stage != SANDBOX_STAGE_NONE) {
        /* EAGAIN from exec after setuid: the kernel's RLIMIT_NPROC check on the guest's uid. */
        bool nproc = report->stage == SANDBOX_STAGE_EXEC && report->stage_errno == EAGAIN;
        snprintf(detail, detail_len, "%s: %s%s", stage_name(report->stage),
                 strerror(report->stage_errno),
                 nproc ? " (another process already runs as this guest uid: is the uid range "
                         "shared with another daemon?)"
                       : "");
        return SANDBOX_START_FAILED;
    }
    snprintf(detail, detail_len, "exec'd");
    return SANDBOX_EXECED;
}
