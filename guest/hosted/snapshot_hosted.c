/*
 * snapshot_hosted.c: the hosted platform's side of the snapshot of the loaded state
 * (vm/snapshot.h): the fixed address, the snapshot file, and the program's build id.
 *
 * The address is fixed because the snapshot's pointers are used as they stand. 0x200000000000
 * (32 TiB) is far from where Linux puts a non-PIE program (0x400000 and its brk heap) and its
 * mmaps (top-down below the stack near 0x7f..), and outside AddressSanitizer's shadow regions on
 * x86-64 (which end at 0x10007fff7fff), so the test build can use snapshots too.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "guest/hosted/hosted.h"
#include "vm/platform.h"

#define SNAPSHOT_BASE ((uintptr_t)0x200000000000ull)
#define SNAPSHOT_CAP  ((size_t)1 << 30) /* address space reserved while making one */

static const char *use_path, *make_path;

void hosted_snapshot_use(const char *path)
{
    use_path = path;
}

void hosted_snapshot_make(const char *path)
{
    make_path = path;
}

/* mmap at exactly SNAPSHOT_BASE, or NULL (MAP_FIXED_NOREPLACE is only a hint before Linux 4.17). */
static void *map_at_base(size_t len, int prot, int flags, int fd)
{
    void *p = mmap((void *)SNAPSHOT_BASE, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    if ((uintptr_t)p != SNAPSHOT_BASE) {
        munmap(p, len);
        errno = EEXIST;
        return NULL;
    }
    return p;
}

void *zplat_snapshot_reserve(size_t *cap)
{
    if (!make_path)
        return NULL;
    void *p = map_at_base(SNAPSHOT_CAP, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
    if (!p) {
        fprintf(stderr, "zvm: snapshot: cannot reserve memory at %#lx: %s\n",
                (unsigned long)SNAPSHOT_BASE, strerror(errno));
        return NULL;
    }
    *cap = SNAPSHOT_CAP;
    return p;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int zplat_snapshot_save(const void *base, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", make_path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "zvm: snapshot: %s: path too long\n", make_path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "zvm: snapshot: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    int rc = write_all(fd, base, len);
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, make_path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "zvm: snapshot: writing %s: %s\n", make_path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

const void *zplat_snapshot_map(size_t *len)
{
    if (!use_path)
        return NULL;
    int fd = open(use_path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    void *p = NULL;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "zvm: snapshot %s: %s\n", use_path, strerror(errno));
    } else if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        fprintf(stderr, "zvm: snapshot %s: not a snapshot file\n", use_path);
    } else {
        p = map_at_base((size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
        if (!p)
            fprintf(stderr, "zvm: snapshot %s: cannot map it at %#lx: %s\n", use_path,
                    (unsigned long)SNAPSHOT_BASE, strerror(errno));
        else
            *len = (size_t)st.st_size;
#ifdef __SANITIZE_ADDRESS__
        /* The tables in the snapshot point at blocks allocated after adoption (new atoms,
         * grown tables): the leak checker must scan it as it scans globals. */
        if (p)
            __lsan_register_root_region(p, (size_t)st.st_size);
#endif
    }
    if (fd >= 0)
        close(fd); /* the mapping stays */
    return p;
}

/* --- the build id ------------------------------------------------------------------------- */

static const uint8_t *build_id;
static size_t build_id_len;

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        const uint8_t *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const void *)p;
            const uint8_t *name = p + sizeof *n;
            const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);
            if (desc + n->n_descsz > end)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                build_id = desc;
                build_id_len = n->n_descsz;
                return 1;
            }
            p = desc + ((n->n_descsz + 3) & ~3u);
        }
    }
    return 1; /* the first object is the program itself: stop there */
}

int zplat_build_id(const uint8_t **id, size_t *len)
{
    if (!build_id)
        dl_iterate_phdr(find_build_id, NULL);
    if (!build_id)
        return -1;
    *id = build_id;
    *len = build_id_len;
    return 0;
}
