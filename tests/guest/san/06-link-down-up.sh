#!/bin/bash
# Link down/up through the FCF: the port goes Linkdown, its vport leaves
# Active, the FCF logs it out (and removes its kernel rules); after link up
# the port and the vport log in again, are Online/Active and do I/O.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

san_up --initiators 2 --targets 1 --lun-mb 8
modprobe sd_mod
h=$(host_of vsan-i0)
vport_create "$h" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 30 vport_active "$NPIV1_WWPN" || die "vport is $(vport_state "$NPIV1_WWPN")"
rules() { tc filter show block 4242 | grep -c 'Egress Redirect'; }
rules_are() { [[ $(rules) == "$1" ]]; }
# target, 2 initiators, the vport
wait_for 20 rules_are 4 || die "rules before: $(rules), want 4"

"$SAN" link down vsan-i0
wait_for 20 bash -c "[[ \$(cat /sys/class/fc_host/$h/port_state) != Online ]]" || die "port stayed Online"
expect_eq "port_state after link down" "$(port_state_of "$h")" Linkdown
wait_for 20 bash -c "! grep -q Active $(vport_path "$NPIV1_WWPN")/vport_state" || die "vport stayed Active"
echo "vport after link down: $(vport_state "$NPIV1_WWPN")"
fcf_log_has "link down: vsan-i0-sw" || die "FCF did not log the link down"
fcf_log_has "logout: WWPN $NPIV1_WWPN .*link down" || die "FCF did not log the vport out"
"$SAN" fcf status | grep -q "port vsan-i0-sw down" || die "FCF does not show the port down"
expect_eq "rules while down" "$(rules)" 2
# The other initiator is unaffected.
expect_eq "vsan-i1 while vsan-i0 is down" "$(port_state_of "$(host_of vsan-i1)")" Online

"$SAN" link up vsan-i0
wait_for 60 port_online "$h" || die "port is $(port_state_of "$h") after link up"
wait_for 60 vport_active "$NPIV1_WWPN" || die "vport is $(vport_state "$NPIV1_WWPN") after link up"
wait_for 20 rules_are 4 || die "rules after link up: $(rules), want 4"
vh=$(vport_host "$NPIV1_WWPN")
wait_for 60 disk_of "$vh" >/dev/null || die "vport lost its LUN"
head -c 65536 /dev/urandom >/tmp/pat
dd if=/tmp/pat of=/dev/$(disk_of "$vh") bs=64k oflag=direct status=none
dd if=/dev/$(disk_of "$vh") of=/tmp/back bs=64k count=1 iflag=direct status=none
cmp /tmp/pat /tmp/back || die "I/O after link up returned other data"
vport_delete "$h" "$NPIV1_WWPN" "$NPIV1_WWNN"
log "ok"
