# vm/support: the VM's freestanding support library (bignums, float text, inflate, libm choice).
# VM_SUPPORT_SRCS is what the VM library links; every object must stay freestanding (no libc
# beyond the memcpy class): docs/vm-freestanding.md.
VM_SUPPORT_SRCS = vm/support/bignum.c vm/support/float_fmt.c vm/support/float_parse.c \
                  vm/support/inflate.c
UNIT_UNDER_TEST_SRCS += $(VM_SUPPORT_SRCS)

# libm for the guest and the host alike: musl's math members (Debian musl-dev), partially
# linked into one object whose only globals are the zm_-renamed entry points (vmath.h).
# The math BIFs link VM_LIBM_SRCS (Erlang's error rule) and $(VM_LIBM_OBJ) (one flavour: it is
# not our code, so it is not instrumented); kept apart from VM_SUPPORT_SRCS so that linking
# the rest does not require the object.
MUSL_LIBC_A     ?= /usr/lib/x86_64-linux-musl/libc.a
VM_LIBM_FUNCS   := sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp log \
                   log2 log10 pow sqrt erf erfc ceil floor fmod
VM_LIBM_OBJ     := $(BUILD)/lib/vm-libm.o
$(VM_LIBM_OBJ): vm/support/module.mk | deps-check
	@mkdir -p $(@D)
	ld -r $(addprefix -u ,$(VM_LIBM_FUNCS)) -o $@.all $(MUSL_LIBC_A)
	objcopy $(foreach f,$(VM_LIBM_FUNCS),--redefine-sym $(f)=zm_$(f) -G zm_$(f)) $@.all $@
	@rm -f $@.all
VM_LIBM_SRCS    := vm/support/vmath.c
EXTRA_ALL += $(VM_LIBM_OBJ)

# zlib's deflate from Debian's zlib1g-dev (the zlib stock erl uses), for byte-identical
# term_to_binary(T, [compressed]): VM_ZLIB_SRCS + $(VM_ZLIB_OBJ), as with libm above.
ZLIB_A          ?= /usr/lib/x86_64-linux-gnu/libz.a
VM_ZLIB_FUNCS   := deflateInit2_ deflate deflateEnd
VM_ZLIB_RENAMES := $(VM_ZLIB_FUNCS) malloc free __stack_chk_fail
VM_ZLIB_OBJ     := $(BUILD)/lib/vm-zdeflate.o
$(VM_ZLIB_OBJ): vm/support/module.mk | deps-check
	@mkdir -p $(@D)
	ld -r $(addprefix -u ,$(VM_ZLIB_FUNCS)) -o $@.all $(ZLIB_A)
	objcopy $(foreach f,$(VM_ZLIB_RENAMES),--redefine-sym $(f)=vmz_$(f)) \
	    $(foreach f,$(VM_ZLIB_FUNCS),-G vmz_$(f)) $@.all $@
	@rm -f $@.all
VM_ZLIB_SRCS    := vm/support/zlib_deflate.c
EXTRA_ALL += $(VM_ZLIB_OBJ)
# Same code-generation limits as the VM core (vm/module.mk): no stack protector (no
# __stack_chk_fail in a guest). Builtins stay on so small memcpy calls inline.
OBJ_FLAGS_vm_support_ = -fno-stack-protector -fno-tree-loop-distribute-patterns

# The cross-check driver (test flavour) against stock erl: tests/suites/25-vm-support.sh.
TEST_PROGRAMS += vm-support-check
vm-support-check_SRCS = $(sort $(filter-out tests/vm_support/bench.c \
                          tests/vm_support/freestanding_main.c,$(wildcard tests/vm_support/*.c))) \
                        $(VM_SUPPORT_SRCS) $(VM_LIBM_SRCS) $(VM_ZLIB_SRCS)
vm-support-check_LIBS = -lm
$(ASAN)/bin/vm-support-check: $(VM_LIBM_OBJ) $(VM_ZLIB_OBJ)

# Speed figures (release flavour): build/bin/vm-support-bench beside tests/vm_support/bench.erl.
PROGRAMS += vm-support-bench
vm-support-bench_SRCS = tests/vm_support/bench.c $(VM_SUPPORT_SRCS)
vm-support-bench_LIBS =

# A libc-free static link of vm/support + $(VM_LIBM_OBJ), as the guest links them
# (tests/suites/25-vm-support.sh runs it; it must have no undefined symbols at all).
VM_SUPPORT_FREESTANDING := $(ASAN)/bin/vm-support-freestanding
$(VM_SUPPORT_FREESTANDING): tests/vm_support/freestanding_main.c $(VM_SUPPORT_SRCS) \
                            $(VM_LIBM_SRCS) $(VM_LIBM_OBJ) $(VM_ZLIB_SRCS) $(VM_ZLIB_OBJ) \
                            | deps-check
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) -O2 -I. -ffreestanding -fno-stack-protector -nostdlib -static \
	    -no-pie -o $@ $(filter %.c %.o,$^)
EXTRA_TEST += $(VM_SUPPORT_FREESTANDING)

# For the VM core's link, in one place: the sources beyond VM_SUPPORT_SRCS that the math BIFs
# and term_to_binary(compressed) need, and the two Debian-derived objects they call.
VM_SUPPORT_EXTRA_SRCS = $(VM_LIBM_SRCS) $(VM_ZLIB_SRCS)
VM_SUPPORT_OBJS       = $(VM_LIBM_OBJ) $(VM_ZLIB_OBJ)
