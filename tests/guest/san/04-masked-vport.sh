#!/bin/bash
# LUN masking: a vport whose WWPN is not in the targets' ACLs logs in to the
# fabric (Active) but sees no LUN, while a listed NPIV WWPN on the same
# physical port does.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

san_up --initiators 1 --targets 1 --luns 2 --lun-mb 8
h=$(host_of vsan-i0)
vport_create "$h" "$MASKED_WWPN" "$MASKED_WWNN"
vport_create "$h" "$NPIV2_WWPN" "$NPIV2_WWNN"
for w in "$MASKED_WWPN" "$NPIV2_WWPN"; do
	wait_for 30 vport_active "$w" ||
		die "vport $w is $(vport_state $w)"
done
good=$(vport_host "$NPIV2_WWPN")
bad=$(vport_host "$MASKED_WWPN")
wait_for 30 lun_count_is "$good" 2 ||
	die "listed vport sees LUNs: $(luns_of "$good" | tr '\n' ' ')"
# The masked vport discovered the target in the fabric ...
seen=0
for r in /sys/class/fc_remote_ports/rport-"${bad#host}":*; do
	[[ $(cat "$r/port_name") == 0x2000525600020000 ]] && seen=1
done
((seen)) || die "the masked vport did not even discover the target port"
# ... but gets no LUN from it, also after a rescan.
echo "- - -" >/sys/class/scsi_host/$bad/scan
sleep 2
expect_eq "LUNs of the masked vport" "$(luns_of "$bad" | wc -l)" 0
vport_delete "$h" "$MASKED_WWPN" "$MASKED_WWNN"
vport_delete "$h" "$NPIV2_WWPN" "$NPIV2_WWNN"
log "ok"
