#!/bin/bash
# A real QEMU guest on vport fds (issue 5 item 1).  The SAN has one target
# with two file-backed LUNs.  `vportctl exec --vport a --vport m` creates
# both vports from persistent definitions and execs the inner QEMU with two
# vhost-scsi-pci devices: vport A (21:00:00:00:5a:00:00:01, in the target's
# ACL) and a vport with the masked WWPN 21:00:00:00:5a:00:00:ff.  The guest
# must see exactly LUNs 0 and 1 on A's controller and nothing on the masked
# one; a pattern it writes must be in the backstore files; the host must
# have no block device for the vport's LUNs.  Then a LUN is added on the
# target and later removed: the guest must follow both without anyone
# rescanning by hand (by itself with VIRTIO_SCSI_F_HOTPLUG; with QEMU 7.2,
# which does not negotiate it, through the unit attention its I/O gets and
# its uevent handler, tests/e2e/lun-change).
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 2 --lun-mb 16 --backstore file
modprobe sd_mod
PARENT=$(host_of vsan-i0) PYTHONPATH=$VV_ROOT/tests/e2e \
	python3 "$VV_ROOT/tests/e2e/guest_on_vport.py"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
