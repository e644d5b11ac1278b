/* xg_error: names of the guest layer's error codes (see xg_error.h). */
#include "xg_error.h"

#include "freestanding.h"

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

int xg_error_from_xenstore(const char *text, size_t len)
{
    static const struct {
        const char *name;
        int code;
    } names[] = {{"ENOENT", XG_ENOENT}, {"EACCES", XG_EACCES}, {"EPERM", XG_EACCES},
                 {"E2BIG", XG_E2BIG},   {"EINVAL", XG_EINVAL}, {"ENOSPC", XG_ENOSPC},
                 {"EAGAIN", XG_EBUSY},  {"EBUSY", XG_EBUSY}};
    /* The payload is the name and a NUL; tolerate a missing NUL. */
    if (len && text[len - 1] == '\0')
        len--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (xg_strlen(names[i].name) == len && memcmp(names[i].name, text, len) == 0)
            return names[i].code;
    return XG_EIO;
}
