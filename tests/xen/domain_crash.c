/*
 * zerg-xen-crash: makes domains crash at once, by hypercall (SCHEDOP_remote_shutdown with
 * SHUTDOWN_crash, through libxenctrl), without xenstore: the harness uses it while xenstored is
 * stopped, so that a prepared domain dies after the daemon took it and before the daemon can
 * know (tests/xen/zerg-serve.dom0-test.sh, zerg-pool-take-race). Usage: zerg-xen-crash DOMID...
 * Exit status 0 when every domain was told, 1 otherwise (each failure named on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: zerg-xen-crash DOMID...\n");
        return 2;
    }
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if (!xch) {
        fprintf(stderr, "zerg-xen-crash: xc_interface_open: %s\n", strerror(errno));
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        errno = 0;
        unsigned long domid = strtoul(argv[i], &end, 10);
        if (errno || end == argv[i] || *end || domid == 0 || domid >= DOMID_FIRST_RESERVED) {
            fprintf(stderr, "zerg-xen-crash: '%s' is not a domain id of a guest\n", argv[i]);
            status = 1;
            continue;
        }
        if (xc_domain_shutdown(xch, (uint32_t)domid, SHUTDOWN_crash) != 0) {
            fprintf(stderr, "zerg-xen-crash: domain %lu: %s\n", domid, strerror(errno));
            status = 1;
        }
    }
    xc_interface_close(xch);
    return status;
}
