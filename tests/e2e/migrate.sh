#!/bin/bash
# Live migration on vport fds (issue 5 item 2): the inner guest starts on
# vport A (WWPN 21:00:00:00:5a:00:00:01, initiator port vsan-i0), migrates
# to a QEMU on vport B (...:02 on vsan-i1, target-id table copied from A
# with SET_TARGETS) and back to a new vport A, under a workload that writes
# and verifies reads the whole time (e2e-io stress; reads land in pages that
# are being migrated and are checked after the switch-over).  Zero
# mismatches and zero lost acknowledged writes required; prints migration
# time and downtime (query-migrate).
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 2 --targets 1 --luns 1 --lun-mb 16
PYTHONPATH=$VV_ROOT/tests/e2e python3 "$VV_ROOT/tests/e2e/migration.py" vport \
	"$(host_of vsan-i0)" "$(host_of vsan-i1)"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
