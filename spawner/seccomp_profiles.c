/*
 * seccomp_profiles: see seccomp_profiles.h. The one table of guest profiles, and their
 * compilation to BPF with libseccomp (done once, at backend init, never in the child).
 */
#include "seccomp_profiles.h"

#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum rule_kind {
    RULE_ALLOW, /* allowed, optionally only when every comparison holds */
    RULE_FAIL,  /* not killed but refused with an errno: asked for by libc, never needed */
};

struct rule {
    const char *syscall;
    enum rule_kind kind;
    int err;       /* RULE_FAIL */
    unsigned ncmp; /* RULE_ALLOW: comparisons that must all hold (0..2) */
    struct scmp_arg_cmp cmp[2];
};

#define ALLOW(name)                                                                                \
    {                                                                                              \
        .syscall = name, .kind = RULE_ALLOW                                                        \
    }
#define ALLOW_IF(name, c0)                                                                         \
    {                                                                                              \
        .syscall = name, .kind = RULE_ALLOW, .ncmp = 1, .cmp = { c0 }                              \
    }
#define ALLOW_IF2(name, c0, c1)                                                                    \
    {                                                                                              \
        .syscall = name, .kind = RULE_ALLOW, .ncmp = 2, .cmp = { c0, c1 }                          \
    }
#define FAIL(name, e)                                                                              \
    {                                                                                              \
        .syscall = name, .kind = RULE_FAIL, .err = e                                               \
    }
#define END                                                                                        \
    {                                                                                              \
        .syscall = NULL                                                                            \
    }

/*
 * Open flags that would write, create or truncate: a read-only open has none of them. (O_TRUNC
 * with O_RDONLY truncates on Linux; O_TMPFILE creates.) O_TMPFILE is __O_TMPFILE | O_DIRECTORY:
 * only its own bit is refused, so that opening a directory (opendir) stays allowed.
 */
#define OPEN_TMPFILE_BIT ((scmp_datum_t)(O_TMPFILE & ~O_DIRECTORY))
#define OPEN_WRITE_BITS                                                                            \
    ((scmp_datum_t)(O_ACCMODE | O_CREAT | O_TRUNC | OPEN_TMPFILE_BIT | O_APPEND))

/*
 * "fixture": exactly what tests/fixtures/fixture_guest.c needs (found with strace -f over every
 * behaviour of the fixture; see that file). A static glibc binary's start-up, then read/write on
 * its descriptors, shutdown of fd 3, a sleep, and the identity calls of /__fixture/sandbox.
 */
static const struct rule fixture_rules[] = {
    /* static glibc start-up */
    ALLOW("brk"),
    ALLOW_IF("arch_prctl", SCMP_A0(SCMP_CMP_EQ, ARCH_SET_FS)),
    ALLOW("set_tid_address"),
    ALLOW("set_robust_list"),
    ALLOW("rseq"),
    /* query only: new_limit == NULL, own process */
    ALLOW_IF2("prlimit64", SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0)),
    FAIL("readlink", ENOENT), /* /proc/self/exe, for $ORIGIN: never used by the guest */
    ALLOW("getrandom"),
    ALLOW("mprotect"),
    /* the contract: fds 0-4 */
    ALLOW("read"),
    ALLOW("write"),
    ALLOW("shutdown"),
    ALLOW("exit_group"),
    /* behaviours: sleep, sandbox */
    ALLOW("clock_nanosleep"),
    ALLOW("getpid"),
    ALLOW("getuid"),
    ALLOW("getgid"),
    ALLOW("uname"),
    END,
};

/*
 * "zvm": PROVISIONAL, until the VM (vm/, guest/) exists and is traced like the fixture was. The
 * fixture's calls plus: read-only file access to load its code (openat without any write,
 * create or truncate flag), memory management, clocks, polling, and socket calls on descriptors
 * it already holds. No socket(), connect(), bind(), listen(): a guest cannot make a connection.
 * No dup*, no F_DUPFD: it cannot move a descriptor to the exec slot.
 */
static const struct rule zvm_rules[] = {
    ALLOW_IF("openat", SCMP_A2(SCMP_CMP_MASKED_EQ, OPEN_WRITE_BITS, O_RDONLY)),
    ALLOW("close"),
    ALLOW("fstat"),
    ALLOW("newfstatat"),
    ALLOW("lseek"),
    ALLOW("pread64"),
    ALLOW("access"),
    ALLOW("getdents64"), /* readdir: the hosted platform lists OTP's lib directory */
    ALLOW("mmap"),
    ALLOW("munmap"),
    ALLOW("mremap"),
    ALLOW("madvise"),
    ALLOW("clock_gettime"),
    ALLOW("clock_getres"),
    ALLOW("gettimeofday"),
    ALLOW("epoll_create1"),
    ALLOW("epoll_ctl"),
    ALLOW("epoll_wait"),
    ALLOW("epoll_pwait"),
    ALLOW("ppoll"),
    ALLOW("poll"),
    ALLOW("accept4"),
    ALLOW("recvfrom"),
    ALLOW("sendto"),
    ALLOW("recvmsg"),
    ALLOW("sendmsg"),
    ALLOW("getsockopt"),
    ALLOW("setsockopt"),
    ALLOW("getsockname"),
    ALLOW("getpeername"),
    ALLOW_IF("fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFL)),
    ALLOW_IF("fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFL)),
    ALLOW_IF("fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFD)),
    ALLOW_IF("fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFD)),
    ALLOW("futex"),
    ALLOW("rt_sigaction"),
    ALLOW("rt_sigprocmask"),
    ALLOW("rt_sigreturn"),
    ALLOW("sigaltstack"),
    ALLOW("gettid"),
    ALLOW("exit"),
    ALLOW("sched_yield"),
    END,
};

/* Refused with an errno only when the comparison holds (another rule may allow the rest). */
#define FAIL_IF(name, e, c0)                                                                       \
    {                                                                                              \
        .syscall = name, .kind = RULE_FAIL, .err = e, .ncmp = 1, .cmp = { c0 }                     \
    }

/* The flags glibc 2.36's pthread_create passes to clone: a thread of this process, nothing else
 * (no new process, no namespace). */
#define GLIBC_THREAD_CLONE_FLAGS                                                                   \
    ((scmp_datum_t)(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |             \
                    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID))

/*
 * "erl": stock OTP 25 beam.smp (Debian's, with the JIT) exec'd directly as configs/erl.json
 * starts it, serving guest/apps/zerg_web. Found with strace -f over every route of zerg_web and
 * its failure paths, then checked under every sandbox piece (docs/guest-contract.md, profile
 * "erl"). On top of "fixture" (whose start-up calls a dynamic glibc makes too):
 * - threads only: clone3 answers ENOSYS (its flags are behind a pointer a filter cannot read),
 *   so glibc falls back to clone, allowed with exactly its thread flags; any other clone (the
 *   fork of erl_child_setup, beam's port-program helper) answers EAGAIN, which beam survives:
 *   no port programs, no os:cmd, no inet_gethost;
 * - socket() answers EACCES: kernel's inet_config then takes "nohost" and never resolves a name;
 *   socketpair only for AF_UNIX (beam makes one for that helper before the fork);
 * - read-only files under the minimal root (the zvm rules' openat), the JIT's dual mapping
 *   (memfd_create + ftruncate of that memfd: a file never reachable by path), epoll, timerfd,
 *   pipes, futex, the schedulers' sched_* and thread names (prctl PR_SET_NAME only);
 * - socket calls on the descriptors it holds (fds 3 and 4); no bind, connect, listen, accept.
 */
static const struct rule erl_rules[] = {
    /* threads, and the forks answered EAGAIN */
    FAIL("clone3", ENOSYS),
    ALLOW_IF("clone", SCMP_A0(SCMP_CMP_EQ, GLIBC_THREAD_CLONE_FLAGS)),
    FAIL_IF("clone", EAGAIN, SCMP_A0(SCMP_CMP_MASKED_EQ, (scmp_datum_t)CLONE_THREAD, 0)),
    ALLOW("futex"),
    ALLOW("exit"),
    ALLOW("gettid"),
    ALLOW("tgkill"), /* abort() of a crashing VM, to itself */
    ALLOW_IF("prctl", SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME)),
    ALLOW("sched_yield"),
    ALLOW("sched_getaffinity"),
    ALLOW("sysinfo"),
    ALLOW("getcwd"),
    ALLOW("geteuid"),
    ALLOW("getegid"),
    /* signals */
    ALLOW("rt_sigaction"),
    ALLOW("rt_sigprocmask"),
    ALLOW("rt_sigreturn"),
    ALLOW("sigaltstack"),
    /* read-only files of /image and the loader's libraries */
    ALLOW_IF("openat", SCMP_A2(SCMP_CMP_MASKED_EQ, OPEN_WRITE_BITS, O_RDONLY)),
    ALLOW("close"),
    ALLOW("fstat"),
    ALLOW("newfstatat"),
    ALLOW("lseek"),
    ALLOW("pread64"),
    ALLOW("readv"),
    ALLOW("writev"),
    ALLOW("access"),
    ALLOW("getdents64"),
    FAIL("ioctl", ENOTTY), /* isatty() of fds 0-2: never a terminal */
    ALLOW_IF("fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFL)),
    ALLOW_IF("fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFL)),
    /* memory; the JIT's executable mapping is a memfd mapped twice (write and exec views) */
    ALLOW("mmap"),
    ALLOW("munmap"),
    ALLOW("mremap"),
    ALLOW("madvise"),
    ALLOW("memfd_create"),
    ALLOW("ftruncate"),
    /* clocks and waiting (schedulers, the poll thread, timers) */
    ALLOW("clock_gettime"),
    ALLOW("clock_getres"),
    ALLOW("gettimeofday"),
    ALLOW("timerfd_create"),
    ALLOW("timerfd_settime"),
    ALLOW("epoll_create"),
    ALLOW("epoll_create1"),
    ALLOW("epoll_ctl"),
    ALLOW("epoll_wait"),
    ALLOW("epoll_pwait"),
    ALLOW("ppoll"),
    ALLOW("poll"),
    ALLOW("pselect6"),
    ALLOW("pipe2"),
    /* sockets it holds: fd 3 (the connection) and fd 4 (the control channel) */
    FAIL("socket", EACCES),
    ALLOW_IF("socketpair", SCMP_A0(SCMP_CMP_EQ, AF_UNIX)),
    ALLOW("recvfrom"),
    ALLOW("sendto"),
    ALLOW("recvmsg"),
    ALLOW("sendmsg"),
    ALLOW("getsockopt"),
    ALLOW("getsockname"),
    ALLOW("getpeername"),
    END,
};

/* What the sandbox's launcher itself does once the filter is on (see the header). */
static const struct rule launcher_rules[] = {
    ALLOW("write"),
    ALLOW("exit_group"),
    END,
};

struct profile {
    const char *name;
    const struct rule *const *lists; /* NULL-terminated */
    int allows_open;
};

static const struct rule *const fixture_lists[] = {fixture_rules, NULL};
static const struct rule *const zvm_lists[] = {fixture_rules, zvm_rules, NULL};
static const struct rule *const erl_lists[] = {fixture_rules, erl_rules, NULL};

static const struct profile profiles[] = {
    {"fixture", fixture_lists, 0},
    {"zvm", zvm_lists, 1},
    {"erl", erl_lists, 1},
};

const char *const seccomp_profile_names[] = {"fixture", "zvm", "erl", NULL};

static const struct profile *profile_find(const char *name)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (name && strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

int seccomp_profile_allows_open(const char *name)
{
    const struct profile *p = profile_find(name);
    return p ? p->allows_open : -1;
}

/* Adds one rule; a rule identical to one already added (launcher and profile both allow
 * write) is not an error. */
static int add_rule(scmp_filter_ctx ctx, const struct rule *r, char *err, size_t errlen)
{
    int nr = seccomp_syscall_resolve_name(r->syscall);
    if (nr == __NR_SCMP_ERROR) {
        snprintf(err, errlen, "seccomp: unknown system call \"%s\" in a profile", r->syscall);
        return -1;
    }
    uint32_t action = r->kind == RULE_FAIL ? SCMP_ACT_ERRNO((uint32_t)r->err) : SCMP_ACT_ALLOW;
    int rc = seccomp_rule_add_exact_array(ctx, action, nr, r->ncmp, r->cmp);
    if (rc < 0 && rc != -EEXIST) {
        snprintf(err, errlen, "seccomp: cannot add a rule for %s: %s", r->syscall, strerror(-rc));
        return -1;
    }
    return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct rule *rules, char *err, size_t errlen)
{
    for (const struct rule *r = rules; r->syscall; r++)
        if (add_rule(ctx, r, err, errlen) < 0)
            return -1;
    return 0;
}

/* libseccomp 2.5 exports only to a descriptor: go through a memfd and read it back. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *prog, char *err, size_t errlen)
{
    int rc = -1;
    int fd = -1;
    void *buf = NULL;

    fd = memfd_create("zerg-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "seccomp: memfd_create: %s", strerror(errno));
        goto out;
    }
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0) {
        snprintf(err, errlen, "seccomp: export: %s", strerror(-r));
        goto out;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
        size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
        snprintf(err, errlen, "seccomp: exported program has a bad size (%lld bytes)",
                 (long long)size);
        goto out;
    }
    buf = malloc((size_t)size);
    if (!buf) {
        snprintf(err, errlen, "seccomp: out of memory");
        goto out;
    }
    ssize_t n = pread(fd, buf, (size_t)size, 0);
    if (n != size) {
        snprintf(err, errlen, "seccomp: reading the exported program: %s",
                 n < 0 ? strerror(errno) : "short read");
        goto out;
    }
    prog->filter = buf;
    prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

int seccomp_profile_compile(const char *name, int exec_fd, struct sock_fprog *prog, char *err,
                            size_t errlen)
{
    int rc = -1;
    scmp_filter_ctx ctx = NULL;

    prog->filter = NULL;
    prog->len = 0;
    const struct profile *p = profile_find(name);
    if (!p) {
        snprintf(err, errlen, "unknown guest.profile \"%s\" (known: fixture, zvm, erl)",
                 name ? name : "");
        goto out;
    }
    ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) {
        snprintf(err, errlen, "seccomp: cannot create a filter (libseccomp)");
        goto out;
    }
    /* Another architecture's or the x32 ABI's numbers mean other calls: kill as well. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (r < 0) {
        snprintf(err, errlen, "seccomp: cannot set the bad-architecture action: %s", strerror(-r));
        goto out;
    }
    for (const struct rule *const *l = p->lists; *l; l++)
        if (add_rules(ctx, *l, err, errlen) < 0)
            goto out;
    if (add_rules(ctx, launcher_rules, err, errlen) < 0)
        goto out;
    const struct rule exec_rule = ALLOW_IF2("execveat", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)exec_fd),
                                            SCMP_A4(SCMP_CMP_EQ, AT_EMPTY_PATH));
    if (add_rule(ctx, &exec_rule, err, errlen) < 0)
        goto out;
    if (export_bpf(ctx, prog, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (ctx)
        seccomp_release(ctx);
    return rc;
}

void seccomp_profile_dispose(struct sock_fprog *prog)
{
    free(prog->filter);
    prog->filter = NULL;
    prog->len = 0;
}
