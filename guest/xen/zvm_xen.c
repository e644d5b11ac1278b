/*
 * zvm_xen: the zvm VM as a Xen PV guest. Sets up the platform (memory, xenstore, grant table),
 * reads what to run from xenstore and hands it to the core:
 *
 *   data/zerg/run   required: "MODULE FUNCTION [ARG...]" (at most 8 words of [A-Za-z0-9_.-]),
 *                   run as erl's `-noshell -run MODULE FUNCTION ARG...`
 *
 * The modules come from the image (.xg_code, see gen_code_table.sh). The VM ends the domain
 * through zplat_exit(): halt(0) powers off, anything else crashes it, so the toolstack sees
 * the outcome. Setup failures print "zerg-zvm: error: ..." on the console and crash.
 */
#include "boot.h"
#include "console.h"
#include "freestanding.h"
#include "gnttab.h"
#include "platform_xen.h"
#include "pvclock.h"
#include "vm/zvm.h"
#include "xenstore.h"

#define RUN_MAX   256
#define WORDS_MAX 8

static void setup_failed(const char *what, int err)
{
    xg_console_printf("zerg-zvm: error: %s (%s)\n", what, xg_strerror(err));
    zplat_exit(1);
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

int xg_main(void)
{
    static char run[RUN_MAX];
    static char *argv[3 + WORDS_MAX + 1] = {"zvm", "-noshell", "-run"};
    int argc = 3;

    int rc = xg_store_init();
    if (rc == 0)
        rc = xg_gnttab_init();
    if (rc)
        setup_failed("xenstore or grant table setup", rc);
    rc = xg_platform_init();
    if (rc)
        setup_failed("mapping the domain's memory", rc);
    rc = xg_store_read("data/zerg/run", run, sizeof run, xg_clock_ns() + 2000000000ull);
    if (rc < 0)
        setup_failed("cannot read data/zerg/run", rc);
    /* Split into words in place; every byte must belong to a word or be a single space. */
    for (char *p = run; *p;) {
        if (argc == 3 + WORDS_MAX)
            setup_failed("data/zerg/run has more than 8 words", XG_E2BIG);
        argv[argc++] = p;
        while (word_char(*p))
            p++;
        if (*p == ' ' && p[1] && p[1] != ' ')
            *p++ = '\0';
        else if (*p)
            setup_failed("data/zerg/run: words of [A-Za-z0-9_.-] separated by single spaces",
                         XG_EINVAL);
    }
    if (argc < 5)
        setup_failed("data/zerg/run must name a module and a function", XG_EINVAL);
    argv[argc] = NULL;
    xg_console_printf("zerg-zvm: starting zvm after %lu us: -run %s\n",
                      (unsigned long)((xg_clock_ns() - xg_boot_ns()) / 1000), argv[3]);
    int status = zvm_main(argc, argv);
    zplat_exit(status);
}
