# common/: utilities shared by the daemon's layers (log, clock, histogram, JSON, configuration).
COMMON_SRCS += common/zlog.c common/histogram.c common/jsonw.c common/config_json.c common/config.c
