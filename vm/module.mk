# vm/: the zvm core. It builds into build/lib/libzvm-core.a (checked to be freestanding by
# tests/suites/20-vm-freestanding.sh) and, with the hosted platform of guest/hosted/, into the
# zvm program (build/bin/zvm, and build/asan/bin/zvm with sanitizers).
#
# Tables are generated at build time from one plain list each (vm/*.tab) by vm/gen/gen_tables.awk.
# The VM's own Erlang modules (vm/erl/*.erl) are compiled by erlc into build/vm/ebin/.

VM_GEN_DIR     := $(BUILD)/gen/vm
VM_GEN_HEADERS := $(VM_GEN_DIR)/opcodes.h $(VM_GEN_DIR)/atoms.h $(VM_GEN_DIR)/bifs.h
VM_CORE_SRCS    = $(sort $(wildcard vm/*.c)) $(VM_SUPPORT_SRCS) $(VM_SUPPORT_EXTRA_SRCS)
# vm/support's Debian-derived objects (musl's libm, zlib's deflate: VM_SUPPORT_OBJS). They are
# named literally here because vm/support/module.mk is read after this file and prerequisites
# are expanded as they are read.
VM_CORE_EXTRA_OBJS := $(BUILD)/lib/vm-libm.o $(BUILD)/lib/vm-zdeflate.o
VM_EBIN        := $(BUILD)/vm/ebin
VM_ERL_BEAMS   := $(patsubst vm/erl/%.erl,$(VM_EBIN)/%.beam,$(sort $(wildcard vm/erl/*.erl)))

$(VM_GEN_DIR)/%.h: vm/%.tab vm/gen/gen_tables.awk
	@mkdir -p $(@D)
	awk -v kind=$* -f vm/gen/gen_tables.awk $< > $@.tmp && mv $@.tmp $@

# Every object that may include a generated header waits for them on a clean build.
VM_GEN_USERS := $(wildcard vm/*.c guest/hosted/*.c tests/unit/test_vm_*.c)
$(patsubst %.c,$(BUILD)/obj/%.o,$(VM_GEN_USERS)) $(patsubst %.c,$(ASAN)/obj/%.o,$(VM_GEN_USERS)): \
    $(VM_GEN_HEADERS)

OBJ_FLAGS_vm_ = -fno-stack-protector -fno-tree-loop-distribute-patterns
OBJ_FLAGS_tests_unit_ += -DZVM_TEST_EBIN='"$(abspath $(VM_EBIN))"'

PROGRAMS += zvm
TEST_PROGRAMS += zvm
zvm_SRCS = $(HOSTED_MAIN_SRCS) $(HOSTED_PLATFORM_SRCS) $(VM_CORE_SRCS)
# Not position-independent: a snapshot (vm/snapshot.h) holds code addresses, so the binary must
# be where it was when the snapshot was made; the ASan build too, so its tests can adopt one.
zvm_FLAGS = -no-pie
zvm_LIBS =
$(BIN)/zvm $(ASAN)/bin/zvm $(ASAN)/bin/unit-tests: $(VM_CORE_EXTRA_OBJS)

# zvm-static: the same program linked statically, the guest zerg execs (configs/local.json): its
# root then holds nothing of the host but /image, and each start skips the loader's work
# (2.85 ms against 3.84 ms sandboxed, docs/guest-contract.md).
PROGRAMS += zvm-static
zvm-static_SRCS = $(zvm_SRCS)
zvm-static_FLAGS = -static
zvm-static_LIBS =
$(BIN)/zvm-static: $(VM_CORE_EXTRA_OBJS)

# The core as a static library, for the freestanding check. Its objects are the release objects
# zvm is linked from (the recipe is expanded when it runs, after every module.mk is read).
VM_CORE_LIB := $(BUILD)/lib/libzvm-core.a
$(VM_CORE_LIB): $(BIN)/zvm
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $(patsubst %.c,$(BUILD)/obj/%.o,$(VM_CORE_SRCS)) $(VM_SUPPORT_OBJS)

$(VM_EBIN)/%.beam: vm/erl/%.erl | deps-check
	@mkdir -p $(@D)
	erlc -o $(@D) $<

EXTRA_ALL += $(VM_CORE_LIB) $(VM_ERL_BEAMS)

# The unit tests link the core and the hosted platform (not its main()).
UNIT_UNDER_TEST_SRCS += $(VM_CORE_SRCS) $(HOSTED_PLATFORM_SRCS)

.PHONY: bench-vm
bench-vm: all
	@bash bench/vm.sh
