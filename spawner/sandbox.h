/*
 * sandbox: starts one sandboxed child of the process backend (the guest), fast, and reports
 * which sandbox piece the kernel applied or refused.
 *
 * Contract:
 * - sandbox_init prepares, once, everything the child needs so that after clone the child only
 *   makes system calls (no allocation, no locks, no lookups): the piece policies
 *   (sandbox.pieces), the seccomp program of guest.profile, the shared empty network namespace
 *   (netns "shared"), the guest's minimal root in a mount namespace of its own (rootfs, see
 *   sandbox_rootfs.h), a pidfd of the parent, the guest command's argv and environment (only
 *   guest.env: nothing is inherited). It validates the guest command (exists, regular file,
 *   executable) and, unless rootfs is off, what the root needs (libraries found, guest.image
 *   readable). A required netns or rootfs the kernel refuses at init fails the init.
 * sandbox_dispose releases it all and is safe to call twice and after a failed init. sandbox_spawn
 * must be called by the process that called sandbox_init (the child watches that process's pidfd to
 * know whether its parent is still there).
 * - sandbox_spawn starts one child with clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD [|
 *   CLONE_NEWPID]) on a stack of its own made at init (posix_spawn's way): the child shares the
 *   daemon's memory until it execs, so no page table is copied and no page of the daemon is
 *   faulted in afterwards; the calling thread is suspended until the child has exec'd or ended.
 *   Hence sandbox_spawn must not be called from two threads at once (one stack), and the child
 *   writes nothing of the daemon's memory but its own stack (and errno). The child applies the
 *   pieces in the order of common/sandbox_pieces.def, each separately;
 *   a REQUIRED piece the kernel refuses ends the child (exit 127) before exec, an OPTIONAL one
 *   is recorded and the child goes on, an OFF one is not applied. Then it execs the guest with
 *   execveat on a descriptor it opened itself (see docs/guest-contract.md for why the guest can
 *   never exec anything else). The contract's descriptors fds[0..4] become the child's 0..4;
 *   the parent keeps (and must close) its own copies. Returns 0 and fills *child, or -1 with
 *   err filled and nothing left behind.
 * - The child writes one report (struct sandbox_report, one write, < PIPE_BUF) to a CLOEXEC
 *   pipe just before exec, and a second one if exec fails. The parent reads it with
 *   sandbox_report_read from its event loop (the fd is non-blocking); end of file after a
 *   report without an exec error means the guest was exec'd.
 * - The caller owns child->pidfd and child->report_fd (close both) and reaps the child (waitid
 *   P_PIDFD). Signals are blocked in the calling thread only for the duration of clone3.
 */
#ifndef ZERG_SANDBOX_H
#define ZERG_SANDBOX_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "config.h"
#include "sandbox_rootfs.h"

#define SANDBOX_CONTRACT_FDS 5    /* 0 stdin, 1 stdout, 2 stderr, 3 client, 4 control */
#define SANDBOX_EXEC_FD_MIN  1000 /* the exec descriptor is at least this, above RLIMIT_NOFILE */
#define SANDBOX_HOSTNAME     "zerg-guest"

enum sandbox_outcome {
    SANDBOX_PIECE_OFF = 0, /* not applied: the configuration says off */
    SANDBOX_PIECE_ON,      /* applied */
    SANDBOX_PIECE_REFUSED, /* the kernel refused it (errno in the report) */
};

/* Where a child that did not reach exec stopped, apart from a refused piece. */
enum sandbox_stage {
    SANDBOX_STAGE_NONE = 0,
    SANDBOX_STAGE_OPEN_GUEST, /* opening guest.command[0] */
    SANDBOX_STAGE_PLACE_FDS,  /* moving the contract's descriptors to 0..4 */
    SANDBOX_STAGE_EXEC,       /* execveat itself */
    SANDBOX_STAGE_CHDIR,      /* entering the image as the working directory */
};

#define SANDBOX_REPORT_MAGIC 0x7a736231u /* "zsb1" */

/* What the child reports; plain data, written in one write. */
struct sandbox_report {
    uint32_t magic;
    uint8_t outcome[ZERG_SANDBOX_NPIECES]; /* enum sandbox_outcome */
    int32_t error[ZERG_SANDBOX_NPIECES];   /* errno of a refusal */
    int32_t stage;                         /* enum sandbox_stage: where it stopped, if it did */
    int32_t stage_errno;
    int32_t refused_required; /* piece index + 1 of the REQUIRED piece refused */
    /* CLOCK_MONOTONIC (zclock) stamps of the child, for zerg-sandbox-bench: its first
     * instruction, and the end of each piece it applied (0: not applied). None is taken once the
     * seccomp filter is on (reading the clock may need a system call the profile forbids). */
    uint64_t start_ns;
    uint64_t piece_done_ns[ZERG_SANDBOX_NPIECES];
};

struct sandbox {
    enum zerg_piece_policy policy[ZERG_SANDBOX_NPIECES];
    uint32_t uid_base;
    uint32_t gid;
    uint32_t max_slots;
    struct rlimit lim_as, lim_cpu, lim_nofile, lim_nproc, lim_core;
    enum zerg_netns_mode netns_mode;
    int netns_fd;               /* shared mode: fd of the empty namespace; -1 otherwise */
    int netns_errno;            /* shared mode: why it could not be made (then netns is refused) */
    struct rootfs_plan *rootfs; /* what the guest's root holds (rootfs piece not off) */
    int rootfs_fd;              /* the mount namespace holding that root, made at init */
    int rootfs_errno;           /* why it could not be made (then rootfs is refused) */
    bool rootfs_per_instance;   /* bench only, set after init: each child builds its own */
    bool spawn_fork;            /* bench only, set after init: clone3 without CLONE_VM */
    void *stack;                /* the child's stack until exec (mmap'd, a guard page below) */
    size_t stack_size;
    int parent_pidfd;
    int exec_fd; /* fixed descriptor number the guest is exec'd from */
    struct sock_fprog filter;
    const char *path;  /* guest.command[0] */
    char *const *argv; /* guest.command, NULL-terminated */
    char **envp;       /* guest.env, NULL-terminated (a copy of the pointers) */
    const char *image_dir; /* guest.image when it is a directory (the guest's working dir) */
    bool initialised;
};

int sandbox_init(struct sandbox *sb, const struct zerg_config *cfg, char *err, size_t errlen);
void sandbox_dispose(struct sandbox *sb);

struct sandbox_child {
    pid_t pid;
    int pidfd;
    int report_fd; /* read end, non-blocking, CLOEXEC */
    uid_t uid;     /* the uid it runs as when the uid piece holds */
};

/* Starts a child in `slot` (< limits.max_instances) with fds[i] as its descriptor i. */
int sandbox_spawn(const struct sandbox *sb, unsigned slot, const int fds[SANDBOX_CONTRACT_FDS],
                  struct sandbox_child *child, char *err, size_t errlen);

/* Accumulates the child's report(s) from the non-blocking report fd. */
struct sandbox_report_reader {
    unsigned char buf[2 * sizeof(struct sandbox_report) + 1];
    size_t len;
    bool eof;
};

void sandbox_report_reader_init(struct sandbox_report_reader *r);
/* Reads what is there: 1 at end of file (complete), 0 if more may come, -1 on a read error. */
int sandbox_report_read(struct sandbox_report_reader *r, int fd);

enum sandbox_verdict {
    SANDBOX_EXECED,       /* the guest runs */
    SANDBOX_REFUSED,      /* a required piece was refused: never exec'd */
    SANDBOX_START_FAILED, /* opening, placing descriptors or exec failed */
    SANDBOX_NO_REPORT,    /* the child died before reporting (or reported garbage) */
};

/*
 * The verdict of a complete report (after sandbox_report_read returned 1). Fills *report with
 * the last report received (zeroed if none) and detail with one line for the log.
 */
enum sandbox_verdict sandbox_report_verdict(const struct sandbox_report_reader *r,
                                            struct sandbox_report *report, char *detail,
                                            size_t detail_len);

/* "pidns" etc. (the names of common/sandbox_pieces.def). */
const char *sandbox_piece_name(enum zerg_sandbox_piece p);
/* "on", "off" or "refused: <strerror>" into buf. */
const char *sandbox_outcome_text(const struct sandbox_report *report, enum zerg_sandbox_piece p,
                                 char *buf, size_t len);

#ifdef ZERG_TEST_BUILD
/* Test hook: the child treats piece p as refused by the kernel with errno e (0 clears). */
void sandbox_test_force_refusal(enum zerg_sandbox_piece p, int e);
#endif

#endif
