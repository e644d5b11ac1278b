# spawner/: the instance lifecycle library and its backends.
SPAWNER_SRCS += spawner/spawner.c spawner/state_dir.c spawner/metrics.c spawner/backends.c
ZERG_LIBS += $(call pkglibs,libevent)
# The process backend: sandboxed child processes (backend_process.c), the sandbox that starts
# them (sandbox.c) and the seccomp allowlists of guest profiles (seccomp_profiles.c).
SPAWNER_SRCS += spawner/backend_process.c spawner/sandbox.c spawner/seccomp_profiles.c
ZERG_LIBS += $(call pkglibs,libseccomp)
