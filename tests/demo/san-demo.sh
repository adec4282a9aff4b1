#!/bin/bash
# make demo: the software FC SAN in a test guest, shown with vportctl, and a
# vport created by vportctl (a persistent definition, vportctl exec) serving
# virtio-scsi requests to a userspace "guest" (the vhost-scsi client plays
# QEMU and the guest driver), watched with vportctl vport list/show and
# vportctl monitor.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
VPORTCTL=$VV_BUILD/user/tools/vportctl/vportctl
VSCLIENT=$VV_BUILD/user/tests/client/vsclient

say() { printf '\n### %s\n' "$*"; }

say "Bringing up a software FC SAN: 2 initiator ports, 1 LIO target with 2 LUNs, an FCF"
vv_load
san_up --initiators 2 --targets 1 --luns 2 --lun-mb 64
modprobe sd_mod	# the physical ports' LUNs become disks; the vport's must not
h0=$(host_of vsan-i0)

say "vportctl hba list"
"$VPORTCTL" hba list
say "vportctl hba show $h0"
"$VPORTCTL" hba show "$h0"

export VPORT_STATE_DIR=/run/vport-demo/vports
w0=$(cat /sys/class/fc_host/$h0/port_name)
say "vportctl define demo-a: a persistent vport, its parent named by WWPN ($w0), not by hostN"
"$VPORTCTL" define demo-a --wwpn 21:00:00:00:5a:00:00:01 --wwnn 20:00:00:00:5a:00:00:01 \
	--parent-wwpn "$w0"
"$VPORTCTL" defined

say "vportctl monitor -j in the background: the module's events as they happen"
"$VPORTCTL" -j monitor > /tmp/demo-monitor.json &
mon=$!
sleep 1

say "vportctl exec --vport demo-a -- <the vhost-scsi client, playing QEMU>: the vport is"
say "created, its fd handed over as {fd}, and virtio-scsi requests run on it"
"$VPORTCTL" exec --vport demo-a -- /bin/sh -c '
	echo "### vportctl vport list (while the fd is open)"
	'"$VPORTCTL"' vport list
	echo
	echo "### the vport'"'"'s LUNs on the host: SCSI devices bound to no driver, no disks"
	vh=$(basename "$(ls -d /sys/class/fc_vports/*/device/host* | head -n 1)")
	for d in /sys/bus/scsi/devices/${vh#host}:*; do
		echo "  $(basename "$d"): driver $([ -e "$d/driver" ] && echo yes || echo none), block devices $(ls "$d/block" 2>/dev/null || echo none)"
	done
	echo "  host block devices: $(ls /sys/block | tr "\n" " ")"
	echo
	echo "### vsclient smoke: INQUIRY, VPD 0x83, READ CAPACITY, REPORT LUNS through fd {fd}"
	exec '"$VSCLIENT"' --fd {fd} --wwpn {wwpn} --tpgt 0 --target 0 --resid-unreported smoke'
echo "vportctl exec's command ended: the fd closed, the vport logged out and was deleted"

say "A second vport for verified I/O, 2 queues x 8, then its counters"
"$VPORTCTL" exec --wwpn 21:00:00:00:5a:00:00:02 --wwnn 20:00:00:00:5a:00:00:02 --parent "$h0" -- \
	/bin/sh -c "'$VSCLIENT' --fd {fd} --wwpn {wwpn} --tpgt 0 --target 0 rw --queues 2 --depth 8 --count 400 --verify &&
		'$VPORTCTL' vport show 21:00:00:00:5a:00:00:02"

sleep 1
kill "$mon"; wait "$mon" || true
say "what vportctl monitor saw"
cat /tmp/demo-monitor.json
"$VPORTCTL" undefine demo-a

say "vportctl hba list, after"
"$VPORTCTL" hba list
