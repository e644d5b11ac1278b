/*
 * seccomp_profiles: the system-call allowlists of guest profiles (guest.profile), compiled to
 * classic BPF once, at backend init.
 *
 * Contract:
 * - A profile is a name and a list of rules (spawner/seccomp_profiles.c, one table). Every
 *   system call not in the list kills the whole guest (SECCOMP_RET_KILL_PROCESS, seen by the
 *   parent as SIGSYS); so does any other architecture or the x32 ABI.
 * - Every profile also gets the launcher's own rules: after the filter is installed the sandboxed
 *   child still writes its report (write), execs the guest (execveat, allowed only as
 *   execveat(exec_fd, "", argv, envp, AT_EMPTY_PATH)) or exits (exit_group). execve is never
 *   allowed: a guest can only exec through exec_fd, which it never holds (docs/guest-contract.md).
 * - seccomp_profile_compile fills prog with a malloc'd BPF program that the child installs with
 *   prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog) without allocating anything.
 *   seccomp_profile_dispose frees it; it is safe on a zeroed or already disposed program.
 */
#ifndef ZERG_SECCOMP_PROFILES_H
#define ZERG_SECCOMP_PROFILES_H

#include <linux/filter.h>
#include <stddef.h>

/* Compiles the named profile; exec_fd is the only descriptor execveat is allowed on. */
int seccomp_profile_compile(const char *name, int exec_fd, struct sock_fprog *prog, char *err,
                            size_t errlen);
void seccomp_profile_dispose(struct sock_fprog *prog);

/* 1 if the named profile allows read-only open (its guests may read files), 0 if not, -1 if
 * there is no such profile. */
int seccomp_profile_allows_open(const char *name);

/* Names of the known profiles, NULL-terminated (for error messages and docs). */
extern const char *const seccomp_profile_names[];

#endif
