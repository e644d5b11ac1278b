/*
 * sandbox_rootfs: the guest's view of the filesystem (sandbox piece "rootfs"): a minimal root
 * that holds only what the guest needs, read-only, and nothing of the host.
 *
 * Contract:
 * - rootfs_plan_make decides, once, what the root holds, from the guest command and guest.image:
 *     - nothing of the guest executable itself: the sandbox execs it through a descriptor opened
 *       before the root is entered (docs/guest-contract.md), so it need not be visible;
 *     - for a dynamically linked ELF guest, its program interpreter (PT_INTERP) at that same
 *       path, and every library of its DT_NEEDED closure at the path where glibc's loader will
 *       look for it (the object's DT_RUNPATH/DT_RPATH, then the system directories of Debian's
 *       glibc: /lib/<multiarch>, /usr/lib/<multiarch>, /lib, /usr/lib). No ld.so.cache is
 *       provided: the loader falls back to those directories. $ORIGIN is not supported;
 *     - guest.image (a regular file or a directory, readable by "other") at ROOTFS_IMAGE_PATH.
 *   A file that is not ELF gets nothing (its exec will fail with ENOEXEC, reported as usual).
 *   Returns a malloc'd plan, or NULL with err filled (a missing library or image, a malformed
 *   ELF, too many objects). rootfs_plan_free frees it (NULL is fine).
 * - rootfs_enter builds that root in the calling process's mount namespace, which must be its
 *   own (just unshared or cloned), and pivots into it; the old root is detached. It makes only
 *   system calls on what the plan holds (no allocation): the sandbox's child may call it.
 *   Returns 0 or the errno of the step that failed (the namespace is then half built: the
 *   caller drops it). Every bind mount is read-only, nosuid and nodev; the image is also
 *   noexec; the loader and libraries are not (the kernel and the loader map them executable).
 *   The root itself is a read-only tmpfs (nosuid, nodev, noexec) of directories and mount
 *   points only. No /proc, /sys, /dev, /etc or /tmp.
 * - rootfs_namespace_make does it once: a helper process cloned into a new mount namespace
 *   builds the root, and the returned descriptor (of /proc/PID/ns/mnt) keeps that namespace
 *   alive after the helper is gone. A child joins it with setns(fd, CLONE_NEWNS) and then
 *   unshares to get its own copy. Returns 0, or -1 with errno set (EPERM without root).
 */
#ifndef ZERG_SANDBOX_ROOTFS_H
#define ZERG_SANDBOX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#define ROOTFS_IMAGE_PATH "/image" /* where guest.image appears in the guest's root */
#define ROOTFS_MAX_BINDS  32       /* loader, libraries and image */
#define ROOTFS_MAX_DIRS   64       /* directories created to hold the mount points */

struct rootfs_bind {
    const char *source; /* real path on the host */
    const char *target; /* path in the guest's root, relative (no leading '/') */
    bool dir;           /* a directory (else a regular file) */
    bool exec;          /* may be mapped executable (loader, libraries) */
};

struct rootfs_plan {
    unsigned nbinds, ndirs;
    struct rootfs_bind bind[ROOTFS_MAX_BINDS];
    const char *dir[ROOTFS_MAX_DIRS]; /* relative, parents before children */
    size_t used;
    char arena[16384]; /* every string above */
};

struct rootfs_plan *rootfs_plan_make(const char *guest_path, const char *image, char *err,
                                     size_t errlen);
void rootfs_plan_free(struct rootfs_plan *plan);

int rootfs_enter(const struct rootfs_plan *plan);

int rootfs_namespace_make(const struct rootfs_plan *plan, int *out_fd);

#endif
