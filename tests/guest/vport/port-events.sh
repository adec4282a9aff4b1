#!/bin/bash
# Hotplug on a vport fd when a remote port goes and comes back: the target's
# link is taken down on the FCF, the transport deletes the port after its
# dev_loss_tmo (set to 3 s here), and the guest gets TRANSPORT_RESET/REMOVED
# for its LUN; the link comes back, the port logs in again, and the guest
# gets TRANSPORT_RESET/RESCAN for the same LUN, under the same target id.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
source "$VV_ROOT/tests/guest/vport/vport-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 1 --lun-mb 16
parent=$(host_of vsan-i0)

# vport_rport: the vport's remote port of the target, e.g. rport-2:0-1.
vport_rport() {
	local h r
	h=$(basename "$(ls -d /sys/class/fc_vports/*/device/host* 2>/dev/null | head -n 1)")
	[[ -n $h ]] || return 1
	for r in /sys/class/fc_remote_ports/rport-"${h#host}":*; do
		[[ $(cat "$r/port_name" 2>/dev/null) == 0x2000525600020000 ]] && { basename "$r"; return 0; }
	done
	return 1
}

vsc_vport "$parent" events --expect-hotplug 2 --ready-file ready --wait-ms 120000 \
	--record events.txt &
pid=$!
wait_for 60 test -e ready || { kill "$pid"; die "vsclient did not get ready"; }
r=$(vport_rport) || die "the vport has no remote port for the target"
echo 3 > "/sys/class/fc_remote_ports/$r/dev_loss_tmo"
log "target link down ($r, dev_loss_tmo 3 s)"
"$SAN" link down vsan-t0
wait_for 60 eval '! vport_rport >/dev/null || [[ $(cat /sys/class/fc_remote_ports/$r/port_state) == "Not Present" ]]' ||
	die "the vport's remote port did not go"
sleep 5
log "target link up"
"$SAN" link up vsan-t0
wait "$pid" || die "vsclient events failed: $(cat events.txt 2>/dev/null)"
cat events.txt
grep -q '^events.hotplug1 = reason REMOVED lun 0$' events.txt || die "hotplug1: $(cat events.txt)"
grep -q '^events.hotplug2 = reason RESCAN lun 0$' events.txt || die "hotplug2: $(cat events.txt)"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
