#!/bin/bash
# The vport fd as a vhost-scsi backend, driven by the userspace client that
# plays QEMU and the guest (tests/client): smoke, verified I/O on several
# queues, hostile chains, dirty log, and stopping with I/O in flight.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 2 --lun-mb 64
parent=$(host_of vsan-i0)

source "$VV_ROOT/tests/guest/vport/vport-lib.sh"
run() { vsc_vport "$parent" "$@"; }
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
