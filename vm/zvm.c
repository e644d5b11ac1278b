/*
 * zvm.c: boot. Reads erl's command line into a list of boot commands, loads our init
 * (vm/erl/zvm_init.erl) and hands the scheduler its first process, which runs
 * zvm_init:boot(Commands).
 *
 * Like `erl -noshell`, the VM keeps running after the commands return, until halt/0,1,2: while
 * no process can run it waits in the platform's idle state for a timer or I/O.
 */
#include "vm/zvm.h"

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/exception.h"
#include "vm/interp.h"
#include "vm/loader.h"
#include "vm/platform.h"
#include "vm/process.h"
#include "vm/rt.h"
#include "vm/sched.h"
#include "vm/snapshot.h"

static bool coverage;

static void print_coverage(void)
{
    struct textbuf b;
    textbuf_init(&b);
    unsigned used = 0;
    for (unsigned op = 0; op <= ZVM_OPCODE_MAX; op++)
        if (interp_op_counts[op] && op < 200)
            used++;
    textbuf_printf(&b, "zvm-coverage: %u generic opcodes executed\n", used);
    for (unsigned op = 0; op <= ZVM_OPCODE_MAX; op++) {
        unsigned arity;
        int dep;
        const char *name = opcode_name(op, &arity, &dep);
        if (interp_op_counts[op] && name)
            textbuf_printf(&b, "zvm-coverage: op %s/%u %lu\n", name, arity,
                           (unsigned long)interp_op_counts[op]);
    }
    export_coverage(&b);
    module_coverage(&b);
    zplat_console_write(ZPLAT_STDERR, b.data, b.len);
    textbuf_dispose(&b);
}

void zvm_exit(int status)
{
    if (coverage)
        print_coverage();
    zplat_exit(status);
}

static term_t text_atom(const char *s)
{
    term_t a = atom_intern(s, rt_strlen(s));
    return a == THE_NON_VALUE ? ATOM_empty : a;
}

/* The boot commands live as long as the VM: they are the first process's argument. */
static struct lit_area boot_terms;

/* Reads -run/-s commands from argv into [{run | s, Mod, Func, Args}] built through `b`. */
static int parse_commands(struct builder *b, int argc, char **argv, term_t *cmds)
{
    term_t rev = NIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool run = rt_streq(a, "-run"), s = rt_streq(a, "-s");
        if (rt_streq(a, "-zvm-coverage")) {
            coverage = true;
            interp_coverage_enabled = 1;
            continue;
        }
        if (rt_streq(a, "-extra"))
            break;
        if (!run && !s)
            continue;
        if (i + 1 >= argc || argv[i + 1][0] == '-') {
            rt_eprintf("zvm: %s needs a module name\n", a);
            return -1;
        }
        term_t mod = text_atom(argv[++i]);
        term_t fun = ATOM_start;
        term_t args = NIL, *tail = &args;
        if (i + 1 < argc && argv[i + 1][0] != '-') {
            fun = text_atom(argv[++i]);
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                const char *v = argv[++i];
                term_t t = run ? build_string(b, v, rt_strlen(v)) : text_atom(v);
                term_t cell = build_cons(b, t, NIL);
                *tail = cell;
                tail = &list_ptr(cell)[1];
            }
        }
        term_t *el;
        term_t cmd = build_tuple(b, 4, &el);
        el[0] = run ? ATOM_run : text_atom("s");
        el[1] = mod;
        el[2] = fun;
        el[3] = args;
        rev = build_cons(b, cmd, rev);
    }
    term_t l = NIL;
    for (; is_list(rev); rev = CDR(rev))
        l = build_cons(b, CAR(rev), l);
    *cmds = l;
    return 0;
}

int zvm_main(int argc, char **argv)
{
    zvm_boot_clock_start();
    interp_init();
    int made = snapshot_make_if_asked(argc, argv);
    if (made != 1)
        return made;
    if (!snapshot_adopt_if_present()) {
        atom_table_init();
        export_table_init();
    }
    lit_area_init(&boot_terms);
    term_t cmds;
    if (parse_commands(&boot_terms.builder, argc, argv, &cmds) != 0) {
        lit_area_dispose(&boot_terms);
        return 2;
    }
    struct textbuf err;
    textbuf_init(&err);
    if (!load_module_by_name(ATOM_zvm_init, &err)) {
        rt_eprintf("zvm: cannot load the init module zvm_init: %s\n",
                   err.len ? err.data : "not found in the code path");
        textbuf_dispose(&err);
        return 2;
    }
    textbuf_dispose(&err);
    struct process *first = sched_spawn(NULL, ATOM_zvm_init, ATOM_boot,
                                        build_cons(&boot_terms.builder, cmds, NIL), NULL);
    sched_run(first);
}
