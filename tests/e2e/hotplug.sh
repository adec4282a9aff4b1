#!/bin/bash
# vportctl attach and detach on a running QEMU guest: the guest boots with
# no disk; `vportctl attach` creates vport 21:00:00:00:5a:00:00:01, hands its
# fd over QMP and device_adds a vhost-scsi-pci device, and the guest sees the
# vport's two LUNs; `vportctl detach` unplugs the device, which the guest
# acknowledges, QEMU drops the fd and the vport is gone.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 2 --lun-mb 16
PARENT=$(host_of vsan-i0) PYTHONPATH=$VV_ROOT/tests/e2e \
	python3 "$VV_ROOT/tests/e2e/hotplug.py"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
