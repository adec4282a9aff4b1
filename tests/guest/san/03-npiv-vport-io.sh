#!/bin/bash
# A vport created by hand through sysfs vport_create on a fabric-mode port
# goes Active, logs in with FDISC, sees its LUN with the right capacity and
# moves data: what is written through the vport reads back identically both
# through the vport and through another initiator's path to the same LUN.
# vport_delete logs it out of the fabric.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

san_up --initiators 2 --targets 1 --lun-mb 32
modprobe sd_mod
modprobe sg
h0=$(host_of vsan-i0)
h1=$(host_of vsan-i1)

# Malformed requests are refused by the FC transport.
if echo "nonsense" >/sys/class/fc_host/$h0/vport_create 2>/dev/null; then
	die "vport_create accepted a malformed WWN pair"
fi

vport_create "$h0" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 30 vport_active "$NPIV1_WWPN" ||
	die "vport $NPIV1_WWPN is $(vport_state $NPIV1_WWPN), not Active"
vh=$(vport_host "$NPIV1_WWPN") || die "vport made no host"
expect_eq "vport host port_state" "$(port_state_of "$vh")" Online
expect_eq "vport port_name" "$(cat /sys/class/fc_host/$vh/port_name)" "0x$(hexwwn $NPIV1_WWPN)"
vid=$(cat /sys/class/fc_host/$vh/port_id)
pid=$(cat /sys/class/fc_host/$h0/port_id)
[[ ${vid:0:6} == "${pid:0:6}" && $vid != "$pid" ]] || die "vport N_Port ID $vid is not an NPIV ID beside $pid"
fcf_log_has "FDISC: WWPN $NPIV1_WWPN .*N_Port ID ${vid#0x} " || die "FCF did not log the FDISC"
wait_for 20 fcf_log_has "kernel forwarding for N_Port ID ${vid#0x} " || die "no kernel rule for the vport"

wait_for 30 disk_of "$vh" >/dev/null || die "no LUN behind the vport (scsi devices: $(luns_of "$vh"))"
lun=$(luns_of "$vh" | head -1)
sg=$(ls /sys/class/scsi_device/$lun/device/scsi_generic/)
cap=$(sg_readcap /dev/$sg)
echo "$cap"
grep -q "Last LBA=65535" <<<"$cap" || die "READ CAPACITY: not 32 MiB of 512-byte blocks"
dev=/dev/$(disk_of "$vh")
expect_eq "vport disk size" "$(blockdev --getsize64 $dev)" $((32 << 20))

# Write through the vport, read back through the vport and through vsan-i1.
head -c $((4 << 20)) /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$dev" bs=1M seek=7 oflag=direct status=none
dd if="$dev" of=/tmp/back bs=1M skip=7 count=4 iflag=direct status=none
cmp /tmp/pattern /tmp/back || die "data read back through the vport differs"
wait_for 30 disk_of "$h1" >/dev/null || die "no disk behind $h1"
dd if=/dev/$(disk_of "$h1") of=/tmp/other bs=1M skip=7 count=4 iflag=direct status=none
cmp /tmp/pattern /tmp/other || die "data read through vsan-i1 differs from what the vport wrote"
# Small unaligned-offset I/O too.
{ printf 'vhost-vport'; head -c 501 /dev/zero; } >/tmp/sector
dd if=/tmp/sector of="$dev" bs=512 seek=3 oflag=direct status=none
expect_eq "sector 3" "$(dd if="$dev" bs=512 skip=3 count=1 iflag=direct status=none | head -c 11)" vhost-vport

vport_delete "$h0" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 20 bash -c "! ls /sys/class/fc_vports/ 2>/dev/null | grep -q ." || die "vport still there after vport_delete"
wait_for 10 fcf_log_has "logout: WWPN $NPIV1_WWPN" || die "FCF did not log the vport's logout"
"$SAN" fcf status | grep -q "$NPIV1_WWPN" && die "FCF still lists the deleted vport"
log "ok"
