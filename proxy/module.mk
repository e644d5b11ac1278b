# proxy/: the front proxy, the admin listener and the zerg command (main.c).
PROXY_SRCS += proxy/http_head.c proxy/net.c proxy/forward.c proxy/tcp_probe.c proxy/proxy.c \
              proxy/admin.c

PROGRAMS += zerg
TEST_PROGRAMS += zerg
zerg_SRCS = proxy/main.c $(PROXY_SRCS) $(SPAWNER_SRCS) $(COMMON_SRCS)
zerg_LIBS = $(ZERG_LIBS) -lm
