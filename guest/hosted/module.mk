# guest/hosted/: the hosted platform (vm/platform.h for a Linux process) and zvm's main().
# The zvm program itself is declared in vm/module.mk.
HOSTED_PLATFORM_SRCS = guest/hosted/platform_hosted.c guest/hosted/snapshot_hosted.c
HOSTED_MAIN_SRCS = guest/hosted/main.c
# Where zvm finds the VM's own compiled modules and the installed OTP, unless told otherwise.
OBJ_FLAGS_guest_hosted_ = -DZVM_DEFAULT_EBIN='"$(abspath $(BUILD))/vm/ebin"' \
                          -DZVM_DEFAULT_OTP_LIB='"/usr/lib/erlang/lib"'
