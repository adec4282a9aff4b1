#!/bin/bash
# Live migration on vport fds (issue 5 items 2 and 3): the inner guest starts
# on vport A (WWPN 21:00:00:00:5a:00:00:01 on initiator port vsan-i0, from
# `vportctl exec`), takes a Write Exclusive persistent reservation with
# sg_persist, and runs a workload that writes and verifies reads the whole
# time (e2e-io stress; reads land in pages being migrated and are checked
# after the switch-over).  A destination prepared with `vportctl migrate
# prepare` (vport B, ...:02 on vsan-i1) is first rolled back with `vportctl
# migrate abort`; then the guest migrates A -> B and back to a new A, each
# switch-over done by `vportctl migrate commit` (PREEMPT from the new vport
# before the destination resumes).  A third initiator (vport C, ...:03) must
# be refused writes after every step, and READ FULL STATUS must show the
# reservation with the guest's current vport only.  Zero mismatches, zero
# lost acknowledged writes, the guest's own sg_persist at the end sees its
# key and reservation; prints migration time, downtime and pause.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 2 --targets 1 --luns 1 --lun-mb 16
PYTHONPATH=$VV_ROOT/tests/e2e python3 "$VV_ROOT/tests/e2e/migration.py" vport \
	"$(host_of vsan-i0)" "$(host_of vsan-i1)"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
