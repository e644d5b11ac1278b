/* tcp_probe: see tcp_probe.h. Kept apart because <linux/tcp.h> (which has tcpi_bytes_acked)
 * cannot be included together with glibc's <netinet/tcp.h>. */
#include "tcp_probe.h"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <stddef.h>
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int tcp_probe_written(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    int outq = 0;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked)
        return -1;
    if (ioctl(fd, SIOCOUTQ, &outq) < 0)
        return -1;
    return ti.tcpi_bytes_acked > 0 || outq > 0;
}
