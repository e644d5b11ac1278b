# guest/xen/: the Xen PV platform layer of the VM (our own code: no Mini-OS, no libc, no
# interrupts) and, on top of it, two test doubles the Xen harness boots: zerg-xen-testguest (an
# instance: parameters, readiness, vchan HTTP) and zerg-xen-platguest (vm/platform.h on Xen,
# checked through the zplat_* calls the VM core will make). Freestanding objects get their own
# rules and folder (build/guest-xen/): the generic rules' hosted, sanitized flags do not apply
# to a kernel image.
XG_DIR      := $(BUILD)/guest-xen
XG_LAYER    := guest/xen/boot.c guest/xen/pvclock.c guest/xen/evtchn.c guest/xen/console.c \
               guest/xen/gnttab.c guest/xen/xenstore.c guest/xen/freestanding.c guest/xen/mem.c \
               guest/xen/xg_error.c guest/xen/vchan.c guest/xen/memory.c guest/xen/heap.c \
               guest/xen/params.c
XG_ASM      := guest/xen/entry.S
XG_CFLAGS   := -std=gnu11 -O2 -g $(WARN) -MMD -MP -I. -Iguest/xen -ffreestanding -fno-builtin \
               -fno-tree-loop-distribute-patterns -fno-stack-protector -fno-pic -fno-pie \
               -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables \
               -fno-omit-frame-pointer
XG_LDFLAGS  := -nostdlib -static -no-pie -Wl,-T,guest/xen/guest.lds -Wl,--build-id=none \
               -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack
XG_LAYER_OBJS := $(patsubst guest/xen/%.c,$(XG_DIR)/%.o,$(XG_LAYER)) \
                 $(patsubst guest/xen/%.S,$(XG_DIR)/%.o,$(XG_ASM))
XEN_TESTGUEST := $(XG_DIR)/zerg-xen-testguest
XEN_PLATGUEST := $(XG_DIR)/zerg-xen-platguest

$(XG_DIR)/%.o: guest/xen/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(XG_CFLAGS) -c $< -o $@
$(XG_DIR)/%.o: guest/xen/%.S | deps-check
	@mkdir -p $(@D)
	$(CC) $(XG_CFLAGS) -c $< -o $@
# The full ELF keeps symbols for debugging; the image booted is stripped.
$(XEN_TESTGUEST).debug: $(XG_LAYER_OBJS) $(XG_DIR)/testguest.o guest/xen/guest.lds
	$(CC) $(XG_LDFLAGS) -o $@ $(XG_LAYER_OBJS) $(XG_DIR)/testguest.o -lgcc
$(XEN_PLATGUEST).debug: $(XG_LAYER_OBJS) $(XG_DIR)/platform_xen.o $(XG_DIR)/platguest.o \
                        guest/xen/guest.lds
	$(CC) $(XG_LDFLAGS) -o $@ $(XG_LAYER_OBJS) $(XG_DIR)/platform_xen.o $(XG_DIR)/platguest.o -lgcc
$(XG_DIR)/zerg-xen-%: $(XG_DIR)/zerg-xen-%.debug
	objcopy --strip-all $< $@

# zerg-xen-zvm: the VM core (libzvm-core.a, vm/) on this platform, with the modules it runs
# linked in: the VM's own modules, the harness's Erlang test module, and stock OTP's lists.
XEN_ZVM       := $(XG_DIR)/zerg-xen-zvm
# (All of the VM's own modules, named from their sources: vm/module.mk is read after this one.)
XEN_ZVM_BEAMS := $(patsubst vm/erl/%.erl,$(BUILD)/vm/ebin/%.beam, \
                     $(sort $(wildcard vm/erl/*.erl))) \
                 $(XG_DIR)/ebin/xen_hello.beam $(XG_DIR)/ebin/lists.beam
$(XG_DIR)/ebin/xen_hello.beam: tests/xen/erl/xen_hello.erl | deps-check
	@mkdir -p $(@D)
	erlc -o $(@D) $<
$(XG_DIR)/ebin/lists.beam: | deps-check
	@mkdir -p $(@D)
	cp "$$(ls /usr/lib/erlang/lib/stdlib-*/ebin/lists.beam | head -n 1)" $@
$(XG_DIR)/zvm_code.S: guest/xen/gen_code_table.sh $(XEN_ZVM_BEAMS)
	sh guest/xen/gen_code_table.sh $(XEN_ZVM_BEAMS) > $@.tmp && mv $@.tmp $@
$(XG_DIR)/zvm_code.o: $(XG_DIR)/zvm_code.S
	$(CC) $(XG_CFLAGS) -c $< -o $@
$(XEN_ZVM).debug: $(XG_LAYER_OBJS) $(XG_DIR)/platform_xen.o $(XG_DIR)/zvm_xen.o \
                  $(XG_DIR)/zvm_code.o $(BUILD)/lib/libzvm-core.a guest/xen/guest.lds
	$(CC) $(XG_LDFLAGS) -o $@ $(XG_LAYER_OBJS) $(XG_DIR)/platform_xen.o $(XG_DIR)/zvm_xen.o \
	    $(XG_DIR)/zvm_code.o $(BUILD)/lib/libzvm-core.a -lgcc

EXTRA_ALL += $(XEN_TESTGUEST) $(XEN_PLATGUEST)
XEN_HARNESS_FILES += $(XEN_TESTGUEST) $(XEN_PLATGUEST) $(XEN_ZVM)

# The layer's pure pieces are also unit-tested hosted (tests/unit/test_xen_guest.c).
UNIT_UNDER_TEST_SRCS += guest/xen/freestanding.c guest/xen/xg_error.c
