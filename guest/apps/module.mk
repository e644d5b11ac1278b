# guest/apps/: Erlang applications served as zerg guests (guest/apps/zerg_web/README.md).
# zerg_web's modules are compiled by erlc into build/apps/zerg_web/ebin (never committed); its
# test module into build/apps/zerg_web/test. build/images/erl/ is the image stock erl instances
# read (configs/erl.json: guest.image), and build/images/erl-vm/beam.smp the VM they exec;
# build/images/zvm/ the image zvm instances read (configs/local.json).

ZERG_WEB_DIR   := guest/apps/zerg_web
ZERG_WEB_EBIN  := $(BUILD)/apps/zerg_web/ebin
ZERG_WEB_TESTB := $(BUILD)/apps/zerg_web/test
ZERG_WEB_BEAMS := $(patsubst $(ZERG_WEB_DIR)/src/%.erl,$(ZERG_WEB_EBIN)/%.beam,\
                    $(sort $(wildcard $(ZERG_WEB_DIR)/src/*.erl)))
ZERG_WEB_APP   := $(ZERG_WEB_EBIN)/zerg_web.app
ZERG_WEB_TESTS := $(patsubst $(ZERG_WEB_DIR)/test/%.erl,$(ZERG_WEB_TESTB)/%.beam,\
                    $(sort $(wildcard $(ZERG_WEB_DIR)/test/*.erl)))
ZVM_IMAGE      := $(BUILD)/images/zvm
ERL_IMAGE      := $(BUILD)/images/erl
ERL_IMAGE_VM   := $(BUILD)/images/erl-vm/beam.smp

$(ZERG_WEB_EBIN)/%.beam: $(ZERG_WEB_DIR)/src/%.erl | deps-check
	@mkdir -p $(@D)
	erlc -Wall -Werror -o $(@D) $<
$(ZERG_WEB_APP): $(ZERG_WEB_DIR)/src/zerg_web.app.src
	@mkdir -p $(@D)
	cp $< $@
$(ZERG_WEB_TESTB)/%.beam: $(ZERG_WEB_DIR)/test/%.erl | deps-check
	@mkdir -p $(@D)
	erlc -Wall -Werror -o $(@D) $<

# One stamp for the image and the VM copy: rebuilt when the app or the script changes.
$(ERL_IMAGE)/.built: $(ZERG_WEB_BEAMS) $(ZERG_WEB_APP) guest/apps/erl_image.sh \
                     guest/apps/image_lib.sh | deps-check
	sh guest/apps/erl_image.sh $(ERL_IMAGE) $(dir $(ERL_IMAGE_VM)) $(ZERG_WEB_EBIN)
	touch $@
$(ERL_IMAGE_VM): $(ERL_IMAGE)/.built

# The zvm image: rebuilt when the app, the VM's own modules or the script change. (The VM's
# beams are named here, not through vm/module.mk's VM_ERL_BEAMS: this file is read first.)
ZVM_IMAGE_VM_BEAMS := $(patsubst vm/erl/%.erl,$(BUILD)/vm/ebin/%.beam,$(sort $(wildcard vm/erl/*.erl)))
$(ZVM_IMAGE)/.built: $(ZERG_WEB_BEAMS) $(ZERG_WEB_APP) $(ZVM_IMAGE_VM_BEAMS) \
                     guest/apps/zvm_image.sh guest/apps/image_lib.sh | deps-check
	sh guest/apps/zvm_image.sh $(ZVM_IMAGE) $(VM_EBIN) $(ZERG_WEB_EBIN)
	touch $@

# The image's snapshot (vm/snapshot.h): every module of the image loaded once by the zvm-static
# that will run it, saved as zvm.snap; remade whenever that binary or the image changes, since
# a snapshot is valid only for the binary that made it. Instances start from it
# (-zvm-snapshot zvm.snap in configs/local.json). The modules an instance uses come first, so
# that the pages it touches lie together: a training run (guest/apps/zvm_train.py: one
# GET /json through the guest contract, as configs/local.json runs zerg_web) lists them.
ZVM_SNAPSHOT   := $(ZVM_IMAGE)/zvm.snap
ZVM_HOT        := $(BUILD)/zvm-hot-modules.txt
$(ZVM_HOT): $(ZVM_IMAGE)/.built $(BUILD)/bin/zvm-static guest/apps/zvm_train.py
	$(PYTHON) guest/apps/zvm_train.py $(ZVM_IMAGE) $(abspath $(BUILD))/bin/zvm-static /json \
	    zerg_web main > $@.tmp
	mv $@.tmp $@
$(ZVM_SNAPSHOT): $(ZVM_HOT)
	cd $(ZVM_IMAGE) && $(abspath $(BUILD))/bin/zvm-static -zvm-ebin vm/ebin -zvm-otp lib \
	    -zvm-make-snapshot zvm.snap -zvm-snapshot-first $$(cat $(abspath $(ZVM_HOT))) \
	    2>$(abspath $(BUILD))/zvm-snapshot.log || \
	    { cat $(abspath $(BUILD))/zvm-snapshot.log >&2; exit 1; }
	@tail -n 1 $(BUILD)/zvm-snapshot.log

EXTRA_ALL += $(ZERG_WEB_BEAMS) $(ZERG_WEB_APP) $(ERL_IMAGE)/.built $(ZVM_IMAGE)/.built \
             $(ZVM_SNAPSHOT)
EXTRA_TEST += $(ZERG_WEB_TESTS)
