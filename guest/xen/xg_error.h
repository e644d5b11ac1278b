/*
 * xg_error: the error codes every part of the Xen guest layer returns. They are negative, so a
 * function can return a count, a port or a grant reference on success and one of these on
 * failure; 0 is success.
 */
#ifndef ZERG_XG_ERROR_H
#define ZERG_XG_ERROR_H

#include <stddef.h>

enum xg_error {
    XG_OK = 0,
    XG_ETIMEDOUT = -1, /* the deadline passed first */
    XG_ENOENT = -2,    /* no such xenstore node */
    XG_EACCES = -3,    /* xenstore refused (permissions) */
    XG_E2BIG = -4,     /* value or message larger than the buffer or the protocol allows */
    XG_EINVAL = -5,    /* bad argument */
    XG_EIO = -6,       /* the ring or the peer misbehaved */
    XG_ENOSPC = -7,    /* no free grant reference */
    XG_EBUSY = -8,     /* the remote still uses the grant */
    XG_EXEN = -9,      /* a hypercall failed */
};

/* A short name for an error code, for console messages ("ETIMEDOUT" ...). */
const char *xg_strerror(int err);

/* The code for a xenstore error reply's payload ("ENOENT", with or without its NUL); XG_EIO for
 * names we do not know. */
int xg_error_from_xenstore(const char *payload, size_t len);

#endif
