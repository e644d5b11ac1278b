# bench/: `make bench` (bench/run.sh) and its two programs, release flavour.
# zbench: the loopback load generator (cycle, rate and spike modes).
# zbench-inetd: the peer zerg is compared with, a plain fork/exec-per-connection server that
# runs the same fixture guest under the same guest contract, without any sandbox.
PROGRAMS += zbench zbench-inetd
zbench_SRCS = bench/zbench.c bench/http_response.c
zbench_LIBS =
zbench-inetd_SRCS = bench/inetd_peer.c
zbench-inetd_LIBS =
# zvm-start-bench: one guest instance's own cost without zerg (bench/instance_start.c, used by
# bench/vm.sh).
PROGRAMS += zvm-start-bench
zvm-start-bench_SRCS = bench/instance_start.c
zvm-start-bench_LIBS =
TEST_PROGRAMS += zvm-start-bench
# Also built with ASan+UBSan (make build-test), so that both flavours are checked warning-free
# and the bench programs can be run under the sanitizers (build/asan/bin/zbench*).
TEST_PROGRAMS += zbench zbench-inetd
