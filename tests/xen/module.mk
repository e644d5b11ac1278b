# tests/xen/: the Xen-in-QEMU harness. `make test-xen` boots Xen 4.17 with our dom0 in QEMU and
# runs the Xen tests there; `make bench-xen` runs the timing cycles. See tests/xen/harness.sh.
XEN_HARNESS_FILES =
.PHONY: test-xen bench-xen
test-xen: $(XEN_HARNESS_FILES) | deps-check
	@bash tests/xen/harness.sh test $(XEN_HARNESS_FILES)
bench-xen: $(XEN_HARNESS_FILES) | deps-check
	@bash tests/xen/harness.sh bench $(XEN_HARNESS_FILES)
