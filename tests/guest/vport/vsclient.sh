#!/bin/bash
# The vport fd as a vhost-scsi backend, driven by the userspace client that
# plays QEMU and the guest (tests/client): smoke, verified I/O on several
# queues, hostile chains, dirty log, and stopping with I/O in flight.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 2 --lun-mb 64
parent=$(host_of vsan-i0)

VSCLIENT=$VV_BUILD/user/tests/client/vsclient
run() {
	log "vsclient $*"
	PYTHONPATH=$VV_ROOT/tests/guest/vport python3 - "$VSCLIENT" "$parent" "$@" <<'PY'
import os, subprocess, sys
import vvp
fd = vvp.create(0x210000005a000001, 0x200000005a000001, vvp.PARENT_NAME,
                parent_name=sys.argv[2], timeout_ms=30000)
rc = subprocess.run([sys.argv[1], "--fd", str(fd), "--wwpn", "naa.210000005a000001",
                     "--tpgt", "0", "--target", "0"] + sys.argv[3:],
                    pass_fds=(fd,)).returncode
sys.exit(rc)
PY
}
run --resid-unreported smoke
run rw --queues 2 --depth 8 --count 400 --verify
run rw --queues 4 --depth 16 --count 800 --threads 2 --max-segs 64 --verify
run rw --queues 1 --depth 4 --count 100 --max-blocks 2048 --direct --verify
run hostile --settle-ms 3000 --record /tmp/hostile.txt || { cat /tmp/hostile.txt; false; }
# Unlike the in-tree driver, every byte the device writes is logged.
run dirtylog --expect-data yes --expect-resp yes
run teardown --mode close
run teardown --mode clear
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
