/* xg_error: names of the guest layer's error codes (see xg_error.h). */
#include "xg_error.h"

const char *xg_strerror(int err)
{
    switch (err) {
    case XG_OK:
        return "OK";
    case XG_ETIMEDOUT:
        return "ETIMEDOUT";
    case XG_ENOENT:
        return "ENOENT";
    case XG_EACCES:
        return "EACCES";
    case XG_E2BIG:
        return "E2BIG";
    case XG_EINVAL:
        return "EINVAL";
    case XG_EIO:
        return "EIO";
    case XG_ENOSPC:
        return "ENOSPC";
    case XG_EBUSY:
        return "EBUSY";
    case XG_EXEN:
        return "EXEN";
    }
    return "E?";
}
