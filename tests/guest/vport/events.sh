#!/bin/bash
# Hotplug on a vport fd: a LUN added to the vport's ACL on the LIO target
# reaches the guest as a TRANSPORT_RESET/RESCAN event, and a LUN removed as
# TRANSPORT_RESET/REMOVED, with nobody rescanning by hand (the vport polls
# its targets' LUN inventory, lun_poll_ms).  The host never binds a disk
# driver to the new LUN.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
source "$VV_ROOT/tests/guest/vport/vport-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 1 --lun-mb 16
parent=$(host_of vsan-i0)

T=/sys/kernel/config/target
TPG=$T/fc/20:00:52:56:00:02:00:00/tpgt_1
ACL=$TPG/acls/$NPIV1_WWPN
DEV=$T/core/rd_mcp_0/hot

lun_add() {
	mkdir -p "$DEV"
	echo "rd_pages=1024" >"$DEV/control"
	echo 1 >"$DEV/enable"
	mkdir "$TPG/lun/lun_1"
	ln -s "$DEV" "$TPG/lun/lun_1/backstore"
	mkdir "$ACL/lun_1"
	ln -s "$TPG/lun/lun_1" "$ACL/lun_1/map"
}

lun_del() {
	rm -f "$ACL/lun_1/map"
	rmdir "$ACL/lun_1"
	rm -f "$TPG/lun/lun_1/backstore"
	rmdir "$TPG/lun/lun_1"
	rmdir "$DEV"
}

cleanup() {
	local rc=$?
	set +e
	[[ -e $DEV ]] && lun_del
	(exit "$rc")
	san_cleanup
}
trap cleanup EXIT

# vport_luns: the LUNs of the vport's SCSI host, as H:C:T:L.
vport_luns() {
	local h
	h=$(basename "$(ls -d /sys/class/fc_vports/*/device/host* 2>/dev/null | head -n 1)")
	[[ -n $h ]] || return 0
	ls /sys/class/scsi_device | grep "^${h#host}:" || true
}

vsc_vport "$parent" events --expect-hotplug 2 --ready-file ready --wait-ms 60000 \
	--record events.txt &
pid=$!
wait_for 60 test -e ready || { kill "$pid"; die "vsclient did not get ready"; }
lun_add
wait_for 30 eval 'vport_luns | grep -q ":1$"' || die "the vport did not find LUN 1: $(vport_luns)"
log "vport LUNs: $(vport_luns | tr '\n' ' ')"
# No disk driver on the vport's LUNs: no block device, only the bare SCSI device.
for d in /sys/class/scsi_device/$(vport_luns | tail -n 1)/device/block; do
	[[ ! -e $d ]] || die "LUN 1 of the vport got a block device: $(ls "$d")"
done
sleep 1
lun_del
wait "$pid" || die "vsclient events failed: $(cat events.txt 2>/dev/null)"
cat events.txt
grep -q '^events.hotplug1 = reason RESCAN lun 1$' events.txt || die "hotplug1: $(cat events.txt)"
grep -q '^events.hotplug2 = reason REMOVED lun 1$' events.txt || die "hotplug2: $(cat events.txt)"
dmesg | grep -q "no longer reports LUN 1" || die "no kernel line for the removed LUN"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
