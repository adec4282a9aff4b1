#!/bin/bash
# Duplicate WWPN: a vport with a WWPN that is already logged in through
# another port is rejected by the FCF (LS_RJT to its FDISC, and a log line
# naming the WWPN); the first vport stays Active and keeps working.  On the
# same physical port the fcoe driver itself refuses the duplicate.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

san_up --initiators 2 --targets 1 --lun-mb 8
modprobe sd_mod
h0=$(host_of vsan-i0)
h1=$(host_of vsan-i1)
vport_create "$h0" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 30 vport_active "$NPIV1_WWPN" || die "first vport is $(vport_state "$NPIV1_WWPN")"
first=$(vport_path "$NPIV1_WWPN")

# Same WWPN on the same physical port: refused locally.
if vport_create "$h0" "$NPIV1_WWPN" "$NPIV1_WWNN" 2>/dev/null; then
	die "fcoe accepted the same WWPN twice on $h0"
fi

# Same WWPN on another port: the fabric rejects it.
vport_create "$h1" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 30 fcf_log_has "duplicate WWPN $NPIV1_WWPN: rejecting FDISC" ||
	die "FCF logged no duplicate-WWPN rejection"
grep "duplicate WWPN" "$SAN_STATE/fcf.log" | head -2
second=""
for v in /sys/class/fc_vports/vport-"${h1#host}":*; do second=$v; done
[[ -n $second ]] || die "no vport on $h1"
sleep 3
st=$(cat "$second/vport_state")
[[ $st != Active ]] || die "the duplicate vport became Active"
echo "duplicate vport on $h1: $st"
expect_eq "first vport state" "$(cat "$first/vport_state")" Active
# Only one login for the WWPN in the fabric.
expect_eq "FCF logins of $NPIV1_WWPN" "$("$SAN" fcf status | grep -c "wwpn $NPIV1_WWPN")" 1
# The first vport still moves data.
vh=$(basename "$(ls -d "$first"/host* "$first"/device/host* 2>/dev/null | head -1)")
wait_for 30 disk_of "$vh" >/dev/null || die "first vport lost its LUN"
dd if=/dev/$(disk_of "$vh") of=/dev/null bs=4k count=16 iflag=direct status=none ||
	die "I/O through the first vport failed"

vport_delete "$h1" "$NPIV1_WWPN" "$NPIV1_WWNN"
vport_delete "$h0" "$NPIV1_WWPN" "$NPIV1_WWNN"
# Once the first is gone, the WWPN may log in through the other port.
vport_create "$h1" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 30 vport_active "$NPIV1_WWPN" || die "WWPN not usable on $h1 after the first logged out"
vport_delete "$h1" "$NPIV1_WWPN" "$NPIV1_WWNN"
log "ok"
