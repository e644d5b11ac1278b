/*
 * zvm.h: the core's entry point, called by a platform once it is ready.
 */
#ifndef ZVM_ZVM_H
#define ZVM_ZVM_H

/*
 * Boots the VM with erl's command line (argv[0] is the program name): -noshell, -run MOD [FUNC
 * [ARGS...]], -s MOD [FUNC [ARGS...]], -zvm-coverage; the platform's own flags (-pa, -zvm-ebin,
 * -zvm-otp) are skipped. Runs our init (vm/erl/zvm_init.erl), which runs the -run/-s commands in
 * order. Returns the exit status when the VM stops without halt/1 (bad command line: 2); halt/0,1,2
 * end the instance through zplat_exit() directly.
 */
int zvm_main(int argc, char **argv);

/* Starts the clock zvm:boot_ns/0 reads (the platform's hand-over to the core). */
void zvm_boot_clock_start(void);

/* Ends the VM with `status` (halt/1), after printing -zvm-coverage's report when asked. */
void zvm_exit(int status) __attribute__((noreturn));

#endif
