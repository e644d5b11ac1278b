/*
 * zvm.c: boot. Reads erl's command line into a list of boot commands and runs our init with it.
 */
#include "vm/zvm.h"

#include "vm/atom.h"
#include "vm/rt.h"

int zvm_main(int argc, char **argv)
{
    atom_table_init();
    for (int i = 1; i < argc; i++) {
        if (rt_streq(argv[i], "-run") || rt_streq(argv[i], "-s")) {
            rt_eprintf("zvm: %s: the loader is not there yet\n", argv[i]);
            atom_table_dispose();
            return 1;
        }
    }
    atom_table_dispose();
    return 0;
}
