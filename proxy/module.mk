# proxy/: the front proxy, the admin listener and the zerg command (main.c).
PROXY_SRCS += proxy/http_head.c
