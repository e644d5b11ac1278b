/*
 * zerg-xen-now: prints the monotonic clock in microseconds, for timing phases from dom0's
 * busybox shell (whose `date` has no sub-second format). Usage: zerg-xen-now
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        return 1;
    }
    printf("%lld\n", (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    return 0;
}
