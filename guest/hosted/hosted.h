/*
 * hosted.h: the hosted (Linux process) platform's own setup, used by its main() and by the unit
 * tests. The platform contract itself is vm/platform.h.
 */
#ifndef ZVM_GUEST_HOSTED_H
#define ZVM_GUEST_HOSTED_H

/*
 * Code search path: -pa directories first (in the order given), then the VM's own modules
 * (`vm_ebin`), then every /usr/lib/erlang/lib/<app>/ebin. Returns 0, or -1 with a message on
 * stderr when a directory cannot be used.
 */
int hosted_code_path_add(const char *dir);
int hosted_code_path_finish(const char *vm_ebin, const char *otp_lib);
void hosted_code_path_dispose(void);

/*
 * The snapshot of the loaded state (vm/snapshot.h, guest/hosted/snapshot_hosted.c): the file
 * this instance adopts (-zvm-snapshot FILE), or makes instead of running (-zvm-make-snapshot FILE).
 */
void hosted_snapshot_use(const char *path);
void hosted_snapshot_make(const char *path);

#endif
