# vhost-vport top-level Makefile.
#
#   make deps          install the Debian packages everything below needs
#   make               kernel module (Kbuild, against KDIR) and userspace (CMake)
#   make check         host unit tests, the guest suites on every test kernel,
#                      and real QEMU guests on vports (6.1)
#   make demo          the software FC SAN, vportctl, and a QEMU guest on a vport
#   make check-e2e     real QEMU guests on vport fds, live migration (tests/e2e);
#                      check-e2e-intree: the same migration on in-tree vhost-scsi;
#                      check-e2e-control: on a RAM disk inside the guest
#
# KERNEL picks one of the test kernels by short name (6.1 or 6.12); KDIR
# overrides the headers directly, e.g. KDIR=/lib/modules/$(uname -r)/build
# on a real host.

BUILD    ?= $(CURDIR)/build
KERNEL   ?= 6.1
KERNELS  := $(shell tests/vm/kernels list)
JOBS     ?= $(shell nproc)
VMFLAGS  ?=

DEBIAN_PACKAGES := \
	build-essential cmake pkg-config kmod cpio xz-utils zstd \
	linux-image-amd64 linux-headers-amd64 \
	linux-image-6.12-amd64 linux-headers-6.12-amd64 \
	qemu-system-x86 busybox-static iproute2 fio sg3-utils python3 \
	catch2 libnl-3-dev libnl-genl-3-dev libcli11-dev nlohmann-json3-dev

.PHONY: all deps kmod kmods userspace check check-unit check-guest check-harness \
	demo clean e2e check-e2e check-e2e-intree check-e2e-control

all: kmod userspace

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $(DEBIAN_PACKAGES); \
	else \
		echo "make deps: all Debian packages present"; \
	fi

# Kbuild writes objects next to the sources, so each kernel gets its own tree
# of symlinks under build/kmod/<release>/ and the source tree stays clean.
KSRC := Kbuild $(shell find kernel tests/kmod -name Kbuild -o -name '*.[ch]')

define kmod_build
	@mkdir -p $(2)
	@find $(2) -type l -delete
	@cd $(2) && for f in $(KSRC); do \
		mkdir -p "$$(dirname "$$f")"; ln -sf "$(CURDIR)/$$f" "$$f"; done
	$(MAKE) -C $(1) M=$(2) W=1 modules
endef

ifdef KDIR
kmod:
	$(call kmod_build,$(KDIR),$(BUILD)/kmod/custom)
else
kmod: kmod-$(KERNEL)
endif

kmods: $(addprefix kmod-,$(KERNELS))

kmod-%:
	$(call kmod_build,$(shell tests/vm/kernels kdir $*),$(BUILD)/kmod/$(shell tests/vm/kernels version $*))

$(BUILD)/user/CMakeCache.txt:
	cmake -S . -B $(BUILD)/user -DCMAKE_BUILD_TYPE=RelWithDebInfo

userspace: $(BUILD)/user/CMakeCache.txt
	cmake --build $(BUILD)/user -j $(JOBS)

# The real-guest tests gate too: a guest on a vport, vportctl attach/detach
# on a running guest, live migration with vportctl migrate (6.1).
check: kmods userspace
	$(MAKE) check-unit
	$(MAKE) check-harness
	$(MAKE) check-guest
	$(MAKE) check-e2e

check-unit: userspace
	cd $(BUILD)/user && ctest --output-on-failure

# The harness must fail on a failing test and on a kernel warning.
check-harness: kmods
	@for k in $(KERNELS); do \
		BUILD=$(BUILD) tests/vm/selftest-check $$k $(VMFLAGS) || exit 1; done

check-guest: kmods userspace
	@for k in $(KERNELS); do \
		BUILD=$(BUILD) tests/vm/vmrun --kernel $$k $(VMFLAGS) tests/guest || exit 1; done

# End-to-end tests: a static workload program and the inner guest's
# initramfs (per test kernel), then the e2e tests in a test guest on KERNEL.
# check-e2e runs the tests that gate (our vport); check-e2e-intree the
# side-by-side migration on the in-tree vhost-scsi, which only reports.
E2E_TIMEOUT ?= 900
E2E_TESTS ?= tests/e2e/guest-on-vport.sh tests/e2e/hotplug.sh tests/e2e/migrate.sh
$(BUILD)/e2e/e2e-io: tests/e2e/e2e-io.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

e2e: $(BUILD)/e2e/e2e-io
	@for k in $(KERNELS); do v=$$(tests/vm/kernels version $$k); \
		bash tests/e2e/mkinitramfs.sh $$v $(BUILD)/e2e/e2e-io \
			$(BUILD)/e2e/$$v/initramfs.cpio || exit 1; done

check-e2e: kmod-$(KERNEL) userspace e2e
	BUILD=$(BUILD) tests/vm/vmrun --kernel $(KERNEL) --timeout $(E2E_TIMEOUT) \
		$(VMFLAGS) $(E2E_TESTS)

check-e2e-intree: kmod-$(KERNEL) userspace e2e
	BUILD=$(BUILD) tests/vm/vmrun --kernel $(KERNEL) --timeout $(E2E_TIMEOUT) \
		$(VMFLAGS) tests/e2e/migrate-intree.sh

# The migration's control: the same guest and workload on a RAM disk inside
# the guest, no storage device; what fails here is QEMU's own migration.
check-e2e-control: kmod-$(KERNEL) userspace e2e
	BUILD=$(BUILD) tests/vm/vmrun --kernel $(KERNEL) --timeout $(E2E_TIMEOUT) \
		$(VMFLAGS) tests/e2e/migrate-control.sh

demo: kmod-$(KERNEL) userspace e2e
	BUILD=$(BUILD) tests/vm/vmrun --kernel $(KERNEL) --show $(VMFLAGS) tests/demo

clean:
	rm -rf $(BUILD)
