# tests/outlets/: the guest contract's descriptors (fd 3, fd 4) adopted by zvm's TCP outlet,
# checked from C (tests/suites/32-vm-outlets.sh runs it).
TEST_PROGRAMS += zvm-fd-contract
zvm-fd-contract_SRCS = tests/outlets/fd_contract.c
zvm-fd-contract_LIBS =
