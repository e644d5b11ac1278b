/*
 * main.c: zvm as a Linux program. Sets up the hosted platform from the command line (the code
 * path: -pa DIR..., -zvm-ebin DIR, -zvm-otp DIR; the snapshot: -zvm-snapshot FILE to start from
 * one, -zvm-make-snapshot FILE to make one of every module in the code path and exit) and hands
 * every argument to the core, which reads erl's flags (-noshell, -run, -s, ...) and ignores the
 * platform's.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "guest/hosted/hosted.h"
#include "vm/platform.h"
#include "vm/zvm.h"

int main(int argc, char **argv)
{
    const char *ebin = ZVM_DEFAULT_EBIN;
    const char *otp = ZVM_DEFAULT_OTP_LIB;
    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-pa") == 0) {
            /* erl's -pa takes every following argument up to the next flag. */
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (hosted_code_path_add(argv[++i]) != 0)
                    return 2;
            }
        } else if (strcmp(argv[i], "-zvm-ebin") == 0 && i + 1 < argc) {
            ebin = argv[++i];
        } else if (strcmp(argv[i], "-zvm-otp") == 0 && i + 1 < argc) {
            otp = argv[++i];
        } else if (strcmp(argv[i], "-zvm-snapshot") == 0 && i + 1 < argc) {
            hosted_snapshot_use(argv[++i]);
        } else if (strcmp(argv[i], "-zvm-make-snapshot") == 0 && i + 1 < argc) {
            hosted_snapshot_make(argv[++i]);
        }
    }
    if (hosted_code_path_finish(ebin, otp) != 0)
        return 2;
    int status = zvm_main(argc, argv);
    hosted_code_path_dispose();
    zplat_exit(status);
}
