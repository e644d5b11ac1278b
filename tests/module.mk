# tests/: the CUnit program (test flavour, sanitizers on).
TEST_PROGRAMS += unit-tests
unit-tests_SRCS = tests/unit/unit_main.c $(sort $(wildcard tests/unit/test_*.c)) \
                  $(UNIT_UNDER_TEST_SRCS)
unit-tests_LIBS = $(call pkglibs,cunit libevent) $(ZERG_LIBS) -lm
OBJ_FLAGS_tests_unit_ = -Itests/unit
# What the unit tests link against: the daemon's sources without its main().
UNIT_UNDER_TEST_SRCS += $(COMMON_SRCS) $(SPAWNER_SRCS) $(PROXY_SRCS)
