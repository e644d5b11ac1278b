# vm/support: the VM's freestanding support library (bignums, float text, inflate, libm choice).
# VM_SUPPORT_SRCS is what the VM library links; every object must stay freestanding (no libc
# beyond the memcpy class): docs/vm-freestanding.md.
VM_SUPPORT_SRCS = vm/support/bignum.c vm/support/float_fmt.c vm/support/float_parse.c vm/support/inflate.c
UNIT_UNDER_TEST_SRCS += $(VM_SUPPORT_SRCS)
# Same code-generation limits as the VM core (vm/module.mk): no stack protector (no
# __stack_chk_fail in a guest). Builtins stay on so small memcpy calls inline.
OBJ_FLAGS_vm_support_ = -fno-stack-protector -fno-tree-loop-distribute-patterns

# The cross-check driver (test flavour) against stock erl: tests/suites/25-vm-support.sh.
TEST_PROGRAMS += vm-support-check
vm-support-check_SRCS = $(sort $(wildcard tests/vm_support/*.c)) $(VM_SUPPORT_SRCS)
vm-support-check_LIBS = -lm
