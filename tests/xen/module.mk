# tests/xen/: the Xen-in-QEMU harness. `make test-xen` boots Xen 4.17 with our dom0 in QEMU and
# runs the Xen tests there; `make bench-xen` runs the timing cycles. See tests/xen/harness.sh.
# The dom0 programs are release-flavour builds (no sanitizers: dom0 has neither their runtime nor
# the memory) linked against the build machine's libxen-dev, whose exact version the image's Xen
# tools are fetched at (tests/xen/fetch.sh).
XEN_DOM0_DIR   := $(BUILD)/xen-dom0
XEN_DOM0_PROGS := $(XEN_DOM0_DIR)/zerg-xen-libxl-cycle $(XEN_DOM0_DIR)/zerg-xen-now \
                  $(XEN_DOM0_DIR)/zerg-xen-vchan-get $(XEN_DOM0_DIR)/zerg-xen-http-get \
                  $(XEN_DOM0_DIR)/zerg-xen-crash

$(XEN_DOM0_DIR)/zerg-xen-libxl-cycle: tests/xen/libxl_cycle.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(REL_FLAGS) -o $@ $< $(call pkglibs,xenlight xenstore xentoollog)
$(XEN_DOM0_DIR)/zerg-xen-vchan-get: tests/xen/vchan_get.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(REL_FLAGS) -o $@ $< $(call pkglibs,xenvchan)
$(XEN_DOM0_DIR)/zerg-xen-http-get: tests/xen/http_get.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(REL_FLAGS) -o $@ $<
$(XEN_DOM0_DIR)/zerg-xen-crash: tests/xen/domain_crash.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(REL_FLAGS) -o $@ $< $(call pkglibs,xencontrol)
$(XEN_DOM0_DIR)/zerg-xen-now: tests/xen/dom0_now.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(REL_FLAGS) -o $@ $<

EXTRA_TEST += $(XEN_DOM0_PROGS)
XEN_HARNESS_FILES += $(XEN_DOM0_PROGS) tests/xen/testguest.cfg
# `zerg serve` with the xen backend, in dom0 (tests/xen/zerg-serve.dom0-test.sh).
XEN_HARNESS_FILES += $(BIN)/zerg tests/xen/zerg-xen.json tests/xen/zerg-serve.dom0-test.sh

# The bench's libvirt column (virsh cycles; libvirtd itself comes from tests/xen/fetch-libvirt.sh).
XEN_BENCH_FILES := tests/xen/libvirt-bench.dom0-test.sh

.PHONY: test-xen bench-xen
test-xen: $(XEN_HARNESS_FILES) | deps-check
	@bash tests/xen/harness.sh test $(XEN_HARNESS_FILES)
bench-xen: $(XEN_HARNESS_FILES) $(XEN_BENCH_FILES) | deps-check
	@bash tests/xen/harness.sh bench $(XEN_HARNESS_FILES) $(XEN_BENCH_FILES)
