# zerg: one Makefile for the tree. Everything is built into build/, programs into build/bin/.
#
#   make          build everything (release flavour)
#   make run      serve http://127.0.0.1:8080/ with a fresh sandboxed instance per connection
#   make test     build the test flavour (ASan + UBSan) and run every suite under tests/suites/
#   make bench    run the benchmarks under bench/ and print their summary
#   make deps     install the Debian packages of mk/packages.txt (as root) or name the missing ones
#
# Two flavours share one list of sources: release objects in build/obj/, test objects (with
# AddressSanitizer and UBSan) in build/asan/obj/. Each folder adds its sources and programs in its
# own module.mk, included below.

BUILD      := build
BIN        := $(BUILD)/bin
ASAN       := $(BUILD)/asan
CC         ?= gcc
PKG_CONFIG ?= pkg-config
PYTHON     ?= /usr/bin/python3

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS := -std=gnu11 -g $(WARN) -D_GNU_SOURCE -MMD -MP -I. -Icommon -Ispawner -Iproxy
REL_FLAGS := $(BASEFLAGS) -O2
TST_FLAGS := $(BASEFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all -DZERG_TEST_BUILD
SAN_LD    := -fsanitize=address,undefined

# Library flags are looked up lazily so that `make deps` works before the libraries exist.
pkglibs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

.PHONY: all run test bench deps clean format check-format build-test
all: deps-check

# --- module fragments -------------------------------------------------------------------------
# Each module.mk appends to: PROGRAMS (release programs), TEST_PROGRAMS (test flavour), and
# defines <prog>_SRCS, <prog>_LIBS (and optionally <prog>_FLAGS) for every program it names.
# Lists several fragments append to (recursive, so order of inclusion does not matter):
#   COMMON_SRCS, SPAWNER_SRCS, PROXY_SRCS  the daemon's sources by layer
#   ZERG_LIBS                              link flags of the daemon and of the unit tests
#   UNIT_UNDER_TEST_SRCS                   what the CUnit program links besides its tests
PROGRAMS      :=
TEST_PROGRAMS :=
COMMON_SRCS =
SPAWNER_SRCS =
PROXY_SRCS =
ZERG_LIBS =
UNIT_UNDER_TEST_SRCS =
include $(sort $(wildcard */module.mk */*/module.mk))

# --- generic program rules --------------------------------------------------------------------
rel_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$($(1)_SRCS))
tst_objs = $(patsubst %.c,$(ASAN)/obj/%.o,$($(1)_SRCS))

define release_program
$(BIN)/$(1): $(call rel_objs,$(1)) | deps-check
	@mkdir -p $$(@D)
	$$(CC) $$(REL_FLAGS) $$($(1)_FLAGS) -o $$@ $$^ $$($(1)_LIBS)
endef
define test_program
$(ASAN)/bin/$(1): $(call tst_objs,$(1)) | deps-check
	@mkdir -p $$(@D)
	$$(CC) $$(TST_FLAGS) $$($(1)_FLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(SAN_LD)
endef
$(foreach p,$(PROGRAMS),$(eval $(call release_program,$(p))))
$(foreach p,$(TEST_PROGRAMS),$(eval $(call test_program,$(p))))

$(BUILD)/obj/%.o: %.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(REL_FLAGS) $(OBJ_FLAGS_$(subst /,_,$(dir $<))) -c $< -o $@
$(ASAN)/obj/%.o: %.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(TST_FLAGS) $(OBJ_FLAGS_$(subst /,_,$(dir $<))) -c $< -o $@

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)

all: $(addprefix $(BIN)/,$(PROGRAMS)) $(EXTRA_ALL)
build-test: all $(addprefix $(ASAN)/bin/,$(TEST_PROGRAMS)) $(EXTRA_TEST)

# --- the commands of the README ---------------------------------------------------------------
deps:
	@sh mk/deps.sh
# Run by every build: cheap (dpkg-query), installs what is missing when root, else stops.
deps-check:
	@sh mk/deps.sh -q
.PHONY: deps-check

run: all
	$(BIN)/zerg serve -c configs/local.json

test: build-test
	@bash tests/run-suites.sh $(SUITES)

# The spawner/proxy benchmark (zerg vs a fork/exec peer), then zvm vs stock erl (bench/vm.sh).
# The Xen figures need the QEMU harness: make bench-xen.
bench: all
	@bash bench/run.sh
	@bash bench/vm.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
check-format:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
