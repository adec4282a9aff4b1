#!/bin/bash
# make demo: the software FC SAN in a test guest, shown with vportctl, and a
# vport created by vportctl (a persistent definition, vportctl exec) serving
# virtio-scsi requests to a userspace "guest" (the vhost-scsi client plays
# QEMU and the guest driver), watched with vportctl vport list/show and
# vportctl monitor.  Then a real guest: vportctl exec creates a vport and
# execs QEMU (TCG) with its fd; the inner guest (make e2e's kernel and
# initramfs) shows its disks and verifies a pattern on each, while the host
# shows the vport (endpoint, counters) and no block device for its LUNs.
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

# A real guest on a vport: vportctl exec creates the vport and execs QEMU
# with its fd, the inner guest (the e2e tests' kernel and initramfs, "make
# e2e", inner-init mode "show") lists its disks and writes and reads back a
# pattern on each; the host looks at the vport meanwhile.  QEMU's serial
# console is its stdio: stdout goes to the demo's output (prefixed "guest|")
# and to guest.console, stdin is a FIFO through which the demo tells the
# guest to power off.
G_WWPN=21:00:00:00:5a:00:00:03 G_WWNN=20:00:00:00:5a:00:00:03
INNER_KERNEL=$VV_BUILD/vm/$VV_KVER/vmlinux
INNER_INITRD=$VV_BUILD/e2e/$VV_KVER/initramfs.cpio
[[ -s $INNER_KERNEL && -s $INNER_INITRD ]] ||
	die "no inner guest kernel/initramfs ($INNER_KERNEL, $INNER_INITRD): run make e2e"
# e2e.py's command line, but loglevel=6 instead of quiet: the inner kernel's
# SCSI scan (the disks it finds) shows on the console.
QEMU=(qemu-system-x86_64 -accel tcg -machine pc -m 256 -smp 1 -nodefaults -nographic
	-no-reboot -bios /usr/share/qemu/qboot.rom -kernel "$INNER_KERNEL" -initrd "$INNER_INITRD"
	-append "console=ttyS0 loglevel=6 panic=-1 no_timer_check tsc=reliable lpj=4000000 e2e.mode=show e2e.disks=2"
	-serial stdio -device "vhost-scsi-pci,wwpn={wwpn},vhostfd={fd},addr=0x4")

# vport_counters: one line of the host's view of the guest's vport.
vport_counters() {
	local out
	out=$("$VPORTCTL" vport show "$G_WWPN" 2>/dev/null) || out=
	echo "$out" | awk -v t="$(($(date +%s) - g_start))" -v w="$G_WWPN" '
		$1 == "endpoint" { e = $2 }
		$1 == "commands" { c = $2 }
		$1 == "bytes" && $2 == "read" { r = $3 }
		$1 == "bytes" && $2 == "written" { wr = $3 }
		END { if (e == "") printf "  host | t=%3ds vport %s: not there\n", t, w
		      else printf "  host | t=%3ds vport %s: endpoint %s, %s commands, %s bytes read, %s bytes written\n", t, w, e, c, r, wr }'
}

# If the demo fails with the guest up, QEMU goes first (it holds the vport),
# then the SAN (san_cleanup, which looks at the exit status).
inner_cleanup() {
	local rc=$?
	set +e
	[[ -n ${g_tick:-} ]] && kill "$g_tick" 2>/dev/null
	[[ -s qemu.pid ]] && kill "$(cat qemu.pid)" 2>/dev/null && sleep 2
	(exit "$rc")
	san_cleanup
}
trap inner_cleanup EXIT

say "A real guest on a vport: vportctl exec creates vport $G_WWPN on $h0 and execs QEMU with its fd"
echo "$VPORTCTL exec --wwpn $G_WWPN --wwnn $G_WWNN --parent $h0 -- ${QEMU[*]}"
echo
echo "QEMU emulates this guest (TCG) inside the test guest, itself emulated: the inner"
echo "guest takes about 90-300 s to boot, please wait.  Its serial console follows live"
echo "(lines 'guest|'), and every 30 s the host's view of the vport (lines 'host |')."
echo
mkfifo guest.in
exec 7<>guest.in	# the guest's console input; held open so QEMU never sees EOF
g_start=$(date +%s)
{
	"$VPORTCTL" exec --wwpn "$G_WWPN" --wwnn "$G_WWNN" --parent "$h0" -- "${QEMU[@]}" \
		<guest.in 2>&1 &
	echo $! >qemu.pid
	rc=0
	wait $! || rc=$?
	echo "$rc" >qemu.rc
} | tee guest.console | sed -u 's/\r$//; s/^/  guest| /' &
g_out=$!
# The module lists the vport (netlink) once vportctl's CREATE returned.
vport_listed() { "$VPORTCTL" vport show "$G_WWPN" >/dev/null 2>&1; }
wait_for 60 vport_listed || die "vportctl exec did not create vport $G_WWPN"
vport_counters
(while sleep 30; do vport_counters; done) &
g_tick=$!

deadline=$((SECONDS + 600))
until grep -q '^E2E-SUMMARY' guest.console; do
	[[ -s qemu.rc ]] && die "QEMU ended (exit $(cat qemu.rc)) before the guest's summary"
	((SECONDS < deadline)) || die "no summary from the inner guest within 600 s"
	sleep 1
done
sleep 1	# the rest of the summary's lines
kill "$g_tick"; wait "$g_tick" 2>/dev/null || true
g_tick=
summary=$(grep '^E2E-SUMMARY' guest.console | tr -d '\r')
echo "  host | the inner guest reported ${summary#E2E-SUMMARY } after $(($(date +%s) - g_start)) s"

say "Meanwhile on the host, with the guest up: vportctl vport list (ENDPOINT: QEMU's vhost device runs)"
"$VPORTCTL" vport list
say "vportctl vport show $G_WWPN: the counters are the guest's I/O"
"$VPORTCTL" vport show "$G_WWPN"
echo "(errors counts responses other than GOOD: mostly the guest's SCSI scan probing the"
echo " target ids with no target behind them, answered BAD_TARGET, and unit attentions)"
vport_counters
vh=$(vport_host "$G_WWPN")
say "The vport's LUNs on the host ($vh): SCSI devices bound to no driver, no block devices"
blk=
for d in $(luns_of "$vh"); do
	b=$(ls "/sys/class/scsi_device/$d/device/block" 2>/dev/null || true)
	blk+=$b
	echo "  $d: driver $([[ -e /sys/class/scsi_device/$d/device/driver ]] && echo yes || echo none), block devices ${b:-none}"
done
echo "  host block devices: $(ls /sys/block | tr '\n' ' ')(the physical ports' LUNs; sd_mod is loaded)"
[[ -z $blk ]] || die "the host has block devices for the vport's LUNs: $blk"
[[ $summary == "E2E-SUMMARY disks=2 verified=2" ]] ||
	die "the inner guest should see 2 disks and verify a pattern on both: $summary"

say "Powering the inner guest off ('poweroff' on its console): QEMU exits, the fd closes"
echo poweroff >&7
deadline=$((SECONDS + 120))
until [[ -s qemu.rc ]]; do
	((SECONDS < deadline)) || die "QEMU did not exit within 120 s of the poweroff"
	sleep 1
done
wait "$g_out"
exec 7>&-
rm -f qemu.pid
echo "  host | QEMU exited with status $(cat qemu.rc), $(($(date +%s) - g_start)) s after vportctl exec"
say "vportctl vport list, after: the vport went with QEMU's fd"
"$VPORTCTL" vport list
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind: $(ls /sys/class/fc_vports)"
echo "  /sys/class/fc_vports is empty"
"$VPORTCTL" hba list
