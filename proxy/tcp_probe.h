/*
 * tcp_probe: has anything been written to a TCP socket (by any process holding it)?
 * The proxy hands the client socket to a guest; if the guest dies, the proxy may answer 502
 * only if the guest wrote nothing. Returns 1 written, 0 nothing, -1 unknown (not TCP, error).
 */
#ifndef ZERG_TCP_PROBE_H
#define ZERG_TCP_PROBE_H

int tcp_probe_written(int fd);

#endif
