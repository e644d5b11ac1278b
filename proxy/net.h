/* net: listening sockets from configuration addresses (numeric IPv4 or IPv6). */
#ifndef ZERG_NET_H
#define ZERG_NET_H

#include <stddef.h>

#include "config.h"

/* A non-blocking, close-on-exec listening TCP socket; -1 with err filled on failure. */
int net_listen(const struct zerg_listen *l, int backlog, char *err, size_t errlen);
/* The port a socket is bound to (useful when the configuration said 0). */
int net_local_port(int fd);

#endif
