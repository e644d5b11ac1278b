# spawner/: the instance lifecycle library and its backends.
SPAWNER_SRCS += spawner/spawner.c spawner/state_dir.c spawner/metrics.c spawner/backends.c
ZERG_LIBS += $(call pkglibs,libevent)
# The process backend: sandboxed child processes (backend_process.c), the sandbox that starts
# them (sandbox.c, with the guest's minimal root in sandbox_rootfs.c) and the seccomp allowlists
# of guest profiles (seccomp_profiles.c).
SPAWNER_SRCS += spawner/backend_process.c spawner/sandbox.c spawner/sandbox_rootfs.c \
                spawner/seccomp_profiles.c
ZERG_LIBS += $(call pkglibs,libseccomp)

# The xen backend: PV domains through libxl, where libxen-dev is installed (mk/packages.txt has it;
# the check keeps a build without it possible, with the process backend only).
ifeq ($(shell $(PKG_CONFIG) --exists xenlight xenstore xenvchan xentoollog 2>/dev/null && echo yes),yes)
SPAWNER_SRCS += spawner/backend_xen.c
ZERG_LIBS += $(call pkglibs,xenlight xenstore xenvchan xentoollog)
OBJ_FLAGS_spawner_ += -DZERG_HAVE_XEN
endif
