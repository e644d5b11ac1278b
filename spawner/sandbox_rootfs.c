/*
 * sandbox_rootfs: see sandbox_rootfs.h. Read top to bottom: the plan (what the guest's ELF
 * needs, found the way glibc's loader finds it), then building the root in a mount namespace,
 * then the namespace made once.
 */
#include "sandbox_rootfs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define MULTIARCH   "x86_64-linux-gnu"
#define ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define MULTIARCH   "aarch64-linux-gnu"
#define ELF_MACHINE EM_AARCH64
#else
#error "sandbox_rootfs: add this architecture's multiarch triplet and ELF machine"
#endif

/* glibc's system search path on Debian (ld.so --help), in its order. */
static const char *const system_dirs[] = {"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib",
                                          "/usr/lib", NULL};

#define MAX_NEEDED   64
#define MAX_RUNPATHS 8

/* --- the plan: reading an ELF object -------------------------------------------------------- */

/* What one ELF object asks of the loader. Strings point into the mapped file. */
struct elf_deps {
    bool is_elf;
    const char *interp;
    const char *needed[MAX_NEEDED];
    unsigned nneeded;
    const char *runpath; /* DT_RUNPATH, else DT_RPATH, else NULL */
};

struct mapped {
    const unsigned char *p;
    size_t size;
};

static int map_file(const char *path, struct mapped *m, char *err, size_t errlen)
{
    m->p = NULL;
    m->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0; /* empty: not ELF */
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
        return -1;
    }
    m->p = p;
    m->size = (size_t)st.st_size;
    return 0;
}

static void unmap_file(struct mapped *m)
{
    if (m->p)
        munmap((void *)m->p, m->size);
    m->p = NULL;
}

static bool in_file(const struct mapped *m, uint64_t off, uint64_t len)
{
    return off <= m->size && len <= m->size - off;
}

/* A NUL-terminated string at off, entirely inside the file (and inside limit bytes). */
static const char *file_string(const struct mapped *m, uint64_t off, uint64_t limit)
{
    if (off >= m->size)
        return NULL;
    uint64_t room = m->size - off < limit ? m->size - off : limit;
    const char *s = (const char *)m->p + off;
    return memchr(s, '\0', room) ? s : NULL;
}

/* File offset of virtual address a, through the PT_LOAD segments; UINT64_MAX if none. */
static uint64_t vaddr_to_offset(const struct mapped *m, const Elf64_Phdr *ph, unsigned n,
                                uint64_t a)
{
    for (unsigned i = 0; i < n; i++)
        if (ph[i].p_type == PT_LOAD && a >= ph[i].p_vaddr && a - ph[i].p_vaddr < ph[i].p_filesz &&
            in_file(m, ph[i].p_offset, ph[i].p_filesz))
            return a - ph[i].p_vaddr + ph[i].p_offset;
    return UINT64_MAX;
}

static int elf_deps_read(const struct mapped *m, const char *path, struct elf_deps *d, char *err,
                         size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (m->size < EI_NIDENT || memcmp(m->p, ELFMAG, SELFMAG) != 0)
        return 0; /* not ELF: nothing to provide */
    d->is_elf = true;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)m->p;
    if (m->p[EI_CLASS] != ELFCLASS64 || m->p[EI_DATA] != ELFDATA2LSB || m->size < sizeof *eh ||
        eh->e_machine != ELF_MACHINE) {
        snprintf(err, errlen, "%s: not a 64-bit ELF object of this machine", path);
        return -1;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
        !in_file(m, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)) ||
        eh->e_phoff % _Alignof(Elf64_Phdr) != 0) {
        snprintf(err, errlen, "%s: malformed ELF program headers", path);
        return -1;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(const void *)(m->p + eh->e_phoff);
    unsigned n = eh->e_phnum;
    const Elf64_Phdr *dyn = NULL;
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type == PT_INTERP) {
            if (!in_file(m, ph[i].p_offset, ph[i].p_filesz) ||
                !(d->interp = file_string(m, ph[i].p_offset, ph[i].p_filesz)) ||
                d->interp[0] != '/') {
                snprintf(err, errlen, "%s: malformed PT_INTERP", path);
                return -1;
            }
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = &ph[i];
        }
    }
    if (!dyn)
        return 0; /* static */
    if (!in_file(m, dyn->p_offset, dyn->p_filesz) || dyn->p_offset % _Alignof(Elf64_Dyn) != 0) {
        snprintf(err, errlen, "%s: malformed PT_DYNAMIC", path);
        return -1;
    }
    const Elf64_Dyn *dt = (const Elf64_Dyn *)(const void *)(m->p + dyn->p_offset);
    size_t ndt = dyn->p_filesz / sizeof *dt;
    uint64_t strtab = UINT64_MAX, strsz = 0, runpath = UINT64_MAX, rpath = UINT64_MAX;
    uint64_t needed[MAX_NEEDED];
    unsigned nneeded = 0;
    for (size_t i = 0; i < ndt && dt[i].d_tag != DT_NULL; i++) {
        switch (dt[i].d_tag) {
        case DT_STRTAB:
            strtab = vaddr_to_offset(m, ph, n, dt[i].d_un.d_ptr);
            break;
        case DT_STRSZ:
            strsz = dt[i].d_un.d_val;
            break;
        case DT_RUNPATH:
            runpath = dt[i].d_un.d_val;
            break;
        case DT_RPATH:
            rpath = dt[i].d_un.d_val;
            break;
        case DT_NEEDED:
            if (nneeded == MAX_NEEDED) {
                snprintf(err, errlen, "%s: more than %d DT_NEEDED entries", path, MAX_NEEDED);
                return -1;
            }
            needed[nneeded++] = dt[i].d_un.d_val;
            break;
        default:
            break;
        }
    }
    if (nneeded == 0 && runpath == UINT64_MAX && rpath == UINT64_MAX)
        return 0;
    if (strtab == UINT64_MAX || !in_file(m, strtab, strsz)) {
        snprintf(err, errlen, "%s: malformed DT_STRTAB", path);
        return -1;
    }
    for (unsigned i = 0; i < nneeded; i++) {
        const char *s =
            needed[i] < strsz ? file_string(m, strtab + needed[i], strsz - needed[i]) : NULL;
        if (!s || !s[0]) {
            snprintf(err, errlen, "%s: malformed DT_NEEDED", path);
            return -1;
        }
        d->needed[d->nneeded++] = s;
    }
    uint64_t rp = runpath != UINT64_MAX ? runpath : rpath;
    if (rp != UINT64_MAX) {
        d->runpath = rp < strsz ? file_string(m, strtab + rp, strsz - rp) : NULL;
        if (!d->runpath) {
            snprintf(err, errlen, "%s: malformed DT_RUNPATH", path);
            return -1;
        }
    }
    return 0;
}

/* --- the plan: what the root holds ---------------------------------------------------------- */

static const char *arena_copy(struct rootfs_plan *p, const char *s, size_t len)
{
    if (len + 1 > sizeof p->arena - p->used)
        return NULL;
    char *d = p->arena + p->used;
    memcpy(d, s, len);
    d[len] = '\0';
    p->used += len + 1;
    return d;
}

static bool plan_has_target(const struct rootfs_plan *p, const char *target)
{
    for (unsigned i = 0; i < p->nbinds; i++)
        if (strcmp(p->bind[i].target, target) == 0)
            return true;
    return false;
}

/* Records every parent directory of target (relative), parents first, each once. */
static int plan_add_dirs(struct rootfs_plan *p, const char *target, char *err, size_t errlen)
{
    for (const char *slash = strchr(target, '/'); slash; slash = strchr(slash + 1, '/')) {
        size_t len = (size_t)(slash - target);
        bool known = false;
        for (unsigned i = 0; i < p->ndirs && !known; i++)
            known = strlen(p->dir[i]) == len && memcmp(p->dir[i], target, len) == 0;
        if (known)
            continue;
        if (p->ndirs == ROOTFS_MAX_DIRS || !(p->dir[p->ndirs] = arena_copy(p, target, len))) {
            snprintf(err, errlen, "the guest's root needs too many directories");
            return -1;
        }
        p->ndirs++;
    }
    return 0;
}

/* Adds `host_path` (any path; its real path is bound) at `guest_path` (absolute). */
static int plan_add(struct rootfs_plan *p, const char *host_path, const char *guest_path, bool exec,
                    char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(host_path, real) || stat(real, &st) < 0) {
        snprintf(err, errlen, "%s: %s", host_path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is neither a regular file nor a directory", host_path);
        return -1;
    }
    /* The guest reads it as its own uid. */
    if (!(st.st_mode & S_IROTH) || (S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH))) {
        snprintf(err, errlen, "%s (mode %04o) is not readable by the guest's uid: it needs o+r%s",
                 host_path, (unsigned)(st.st_mode & 07777), S_ISDIR(st.st_mode) ? "x" : "");
        return -1;
    }
    const char *rel = guest_path + strspn(guest_path, "/");
    if (!rel[0] || strstr(rel, "//") || strstr(rel, "/../") || strncmp(rel, "../", 3) == 0 ||
        strstr(rel, "/./") || strncmp(rel, "./", 2) == 0) {
        snprintf(err, errlen, "\"%s\" is not a plain absolute path", guest_path);
        return -1;
    }
    if (plan_has_target(p, rel))
        return 0;
    if (p->nbinds == ROOTFS_MAX_BINDS) {
        snprintf(err, errlen, "the guest needs more than %d files", ROOTFS_MAX_BINDS);
        return -1;
    }
    struct rootfs_bind *b = &p->bind[p->nbinds];
    b->source = arena_copy(p, real, strlen(real));
    b->target = arena_copy(p, rel, strlen(rel));
    b->dir = S_ISDIR(st.st_mode);
    b->exec = exec;
    if (!b->source || !b->target) {
        snprintf(err, errlen, "the guest's root needs too many long paths");
        return -1;
    }
    if (plan_add_dirs(p, b->target, err, errlen) < 0)
        return -1;
    p->nbinds++;
    return 0;
}

/* Where the loader finds `name` for an object with `runpath`: writes the path to out. */
static int find_library(const char *name, const char *runpath, char *out, size_t len)
{
    if (strchr(name, '/')) {
        snprintf(out, len, "%s", name);
        return access(out, F_OK);
    }
    for (const char *rp = runpath; rp && *rp;) {
        size_t n = strcspn(rp, ":");
        if (n > 0 && (size_t)snprintf(out, len, "%.*s/%s", (int)n, rp, name) < len &&
            access(out, F_OK) == 0)
            return 0;
        rp += n + (rp[n] == ':');
    }
    for (const char *const *d = system_dirs; *d; d++)
        if ((size_t)snprintf(out, len, "%s/%s", *d, name) < len && access(out, F_OK) == 0)
            return 0;
    return -1;
}

/*
 * Adds what object `path` (the executable, or a library already in the plan) needs, and
 * recursively theirs. `interp` is the executable's interpreter, once known: the loader is
 * already loaded under that name, so a library asking for it (libc does) needs nothing more.
 */
static int plan_add_object(struct rootfs_plan *p, const char *path, char *interp, int depth,
                           char *err, size_t errlen)
{
    if (depth > 16) {
        snprintf(err, errlen, "%s: library dependencies nested too deep", path);
        return -1;
    }
    struct mapped m;
    struct elf_deps d;
    if (map_file(path, &m, err, errlen) < 0)
        return -1;
    int rc = -1;
    if (elf_deps_read(&m, path, &d, err, errlen) < 0)
        goto out;
    if (d.runpath && strchr(d.runpath, '$')) {
        snprintf(err, errlen, "%s: DT_RUNPATH \"%s\" uses $ORIGIN or another token: not supported",
                 path, d.runpath);
        goto out;
    }
    if (d.interp && depth == 0) {
        if (plan_add(p, d.interp, d.interp, true, err, errlen) < 0)
            goto out;
        const char *slash = strrchr(d.interp, '/');
        snprintf(interp, NAME_MAX + 1, "%s", slash ? slash + 1 : d.interp);
    }
    for (unsigned i = 0; i < d.nneeded; i++) {
        char found[PATH_MAX];
        if (interp[0] && strcmp(d.needed[i], interp) == 0)
            continue;
        if (find_library(d.needed[i], d.runpath, found, sizeof found) < 0) {
            snprintf(err, errlen, "%s needs %s, which the loader's search path does not hold", path,
                     d.needed[i]);
            goto out;
        }
        const char *rel = found + strspn(found, "/");
        if (plan_has_target(p, rel))
            continue;
        if (plan_add(p, found, found, true, err, errlen) < 0 ||
            plan_add_object(p, found, interp, depth + 1, err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    unmap_file(&m);
    return rc;
}

struct rootfs_plan *rootfs_plan_make(const char *guest_path, const char *image, char *err,
                                     size_t errlen)
{
    struct rootfs_plan *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char interp[NAME_MAX + 1] = "";
    if (plan_add_object(p, guest_path, interp, 0, err, errlen) < 0)
        goto fail;
    if (image && plan_add(p, image, ROOTFS_IMAGE_PATH, false, err, errlen) < 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "guest.image: %s", why);
        goto fail;
    }
    return p;
fail:
    free(p);
    return NULL;
}

void rootfs_plan_free(struct rootfs_plan *plan)
{
    free(plan);
}

/* --- building the root (system calls only) -------------------------------------------------- */

/* The tmpfs is mounted here first (in the caller's own namespace only), then becomes "/". The
 * sources are cloned before it is mounted, so covering whatever is there hides nothing needed. */
#define STAGING "/tmp"

static int errno_or(int fallback)
{
    return errno ? errno : fallback;
}

int rootfs_enter(const struct rootfs_plan *plan)
{
    int tree[ROOTFS_MAX_BINDS];
    int root = -1, e = 0;
    unsigned ntrees = 0;
    mode_t old_umask = umask(0);

    /* Nothing done here may reach the namespace we were copied from. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        e = errno_or(EPERM);
        goto out;
    }
    /* Detached copies of each source, with their final flags, before anything is covered. */
    for (; ntrees < plan->nbinds; ntrees++) {
        const struct rootfs_bind *b = &plan->bind[ntrees];
        tree[ntrees] = open_tree(AT_FDCWD, b->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree[ntrees] < 0) {
            e = errno_or(EINVAL);
            goto out;
        }
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                              MOUNT_ATTR_NODEV | (b->exec ? 0 : MOUNT_ATTR_NOEXEC)};
        if (mount_setattr(tree[ntrees], "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
            e = errno_or(EINVAL);
            ntrees++;
            goto out;
        }
    }
    if (mount("zerg-guest-root", STAGING, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=0755,size=4k,nr_inodes=256") < 0 ||
        (root = open(STAGING, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
        e = errno_or(EINVAL);
        goto out;
    }
    for (unsigned i = 0; i < plan->ndirs; i++) {
        if (mkdirat(root, plan->dir[i], 0755) < 0 && errno != EEXIST) {
            e = errno_or(EINVAL);
            goto out;
        }
    }
    for (unsigned i = 0; i < plan->nbinds; i++) {
        const struct rootfs_bind *b = &plan->bind[i];
        int r =
            b->dir ? mkdirat(root, b->target, 0755) : mknodat(root, b->target, S_IFREG | 0444, 0);
        if ((r < 0 && errno != EEXIST) ||
            move_mount(tree[i], "", root, b->target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            e = errno_or(EINVAL);
            goto out;
        }
    }
    /* /dev/null as an empty read-only regular file, not the device: stock erts opens it at
     * start and retries for ever if it cannot; it reads as empty and cannot be written. */
    if ((mkdirat(root, "dev", 0755) < 0 && errno != EEXIST) ||
        (mknodat(root, "dev/null", S_IFREG | 0444, 0) < 0 && errno != EEXIST)) {
        e = errno_or(EINVAL);
        goto out;
    }
    /* Read-only twice: the mount, and the tmpfs itself (its superblock). */
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(root, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0 ||
        mount(NULL, STAGING, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              NULL) < 0 ||
        fchdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
        chdir("/") < 0) {
        e = errno_or(EINVAL);
        goto out;
    }
out:
    for (unsigned i = 0; i < ntrees; i++)
        close(tree[i]);
    if (root >= 0)
        close(root);
    umask(old_umask);
    return e;
}

/* --- the namespace, made once --------------------------------------------------------------- */

/*
 * A helper cloned into a new mount namespace builds the root and reports the outcome on a pipe,
 * then waits until we have opened its namespace (the other pipe closes). Like the shared
 * network namespace of sandbox.c, our descriptor keeps the namespace alive after it is gone.
 */
int rootfs_namespace_make(const struct rootfs_plan *plan, int *out_fd)
{
    int rc = -1, saved = 0;
    int hold[2] = {-1, -1}, result[2] = {-1, -1};
    int pidfd = -1;

    *out_fd = -1;
    if (pipe2(hold, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0) {
        saved = errno;
        goto out;
    }
    struct clone_args ca = {.flags = CLONE_PIDFD | CLONE_NEWNS,
                            .pidfd = (uint64_t)(uintptr_t)&pidfd,
                            .exit_signal = SIGCHLD};
    long pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid < 0) {
        saved = errno;
        goto out;
    }
    if (pid == 0) {
        close(hold[1]);
        close(result[0]);
        int e = rootfs_enter(plan);
        if (write(result[1], &e, sizeof e) == (ssize_t)sizeof e && e == 0) {
            char byte;
            while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
                ;
        }
        syscall(SYS_exit_group, 0); /* not exit(): no atexit or sanitizer hooks in a clone */
    }
    close(result[1]);
    result[1] = -1;
    int e = 0;
    ssize_t n;
    do
        n = read(result[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof e) {
        saved = n < 0 ? errno : ECHILD;
        goto out;
    }
    if (e != 0) {
        saved = e;
        goto out;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/ns/mnt", pid);
    *out_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*out_fd < 0)
        saved = errno;
    else
        rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (hold[i] >= 0)
            close(hold[i]); /* the helper reads end of file and exits */
        if (result[i] >= 0)
            close(result[i]);
    }
    if (pidfd >= 0) {
        siginfo_t si;
        while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
            ;
        close(pidfd);
    }
    errno = saved;
    return rc;
}
