# spawner/: the instance lifecycle library and its backends.
SPAWNER_SRCS += spawner/spawner.c spawner/state_dir.c spawner/metrics.c
ZERG_LIBS += $(call pkglibs,libevent)
