#!/bin/bash
# The module loads and unloads cleanly, creates a root-only /dev/vhost-vport
# that answers the API-version query, and leaves nothing behind.
source "$VV_ROOT/tests/guest/lib.sh"

for round in 1 2 3; do
	vv_load
	wait_for 5 test -c /dev/vhost-vport || die "no /dev/vhost-vport after insmod"
	expect_eq "device mode" "$(stat -c %a:%U /dev/vhost-vport)" "600:root"
	# API version through the ioctl (0x8004afe0 = _IOR(0xAF, 0xE0, __u32)).
	ver=$(python3 - <<'PY'
import fcntl, struct
with open("/dev/vhost-vport", "rb", buffering=0) as f:
    buf = bytearray(4)
    fcntl.ioctl(f, 0x8004afe0, buf)
    print(struct.unpack("I", buf)[0])
PY
)
	expect_eq "API version" "$ver" "1"
	# An unknown ioctl is refused with ENOTTY, not accepted.
	python3 - <<'PY' || die "unknown ioctl was not refused with ENOTTY"
import errno, fcntl, sys
with open("/dev/vhost-vport", "rb", buffering=0) as f:
    try:
        fcntl.ioctl(f, 0xafff, 0)
    except OSError as e:
        sys.exit(0 if e.errno == errno.ENOTTY else 1)
sys.exit(1)
PY
	vv_unload
	[[ ! -e /dev/vhost-vport ]] || die "/dev/vhost-vport left after rmmod (round $round)"
	log "round $round ok"
done
