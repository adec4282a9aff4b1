#!/bin/bash
# vportctl migrate prepare --qmp: the destination QEMU is started the way
# management software starts it (-incoming defer, -S, no vport device), and
# prepare hot-plugs vport B into it. Real QEMUs without a guest OS (TCG):
#  - prepare refuses a QEMU that is not waiting for a migration, before it
#    creates anything;
#  - a device QEMU refuses (a bus it lacks) leaves no vport B and no
#    registration of B;
#  - otherwise QEMU holds B's fd, B is registered with A's key, QEMU migrates
#    A's machine (vhost-scsi-pci, migratable=on) into it, and commit moves
#    the reservation, resumes the destination and stops the source (A goes).
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
VPORTCTL=$VV_BUILD/user/tools/vportctl/vportctl
KEY=0x7e57
vv_load
san_up --initiators 2 --targets 1 --luns 1 --lun-mb 16
h0=$(host_of vsan-i0) h1=$(host_of vsan-i1)
pids=()
trap san_cleanup_pids EXIT
source "$VV_ROOT/tests/guest/vportctl/pr-lib.sh"
source "$VV_ROOT/tests/guest/vportctl/qemu-lib.sh"
hexa=210000005a0000
MACHINE=(qemu-system-x86_64 -S -display none -nodefaults -machine q35 -accel tcg -m 128
	-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1)

log "source QEMU on vport A (exec), paused; A reserves LUN 0 Write Exclusive"
"$VPORTCTL" exec --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWNN" --parent "$h0" -- "${MACHINE[@]}" \
	-device vhost-scsi-pci,id=vs0,bus=rp0,wwpn={wwpn},vhostfd={fd},migratable=on \
	-qmp unix:$PWD/src.sock,server=on,wait=off </dev/null >src.log 2>&1 &
src=$!; pids+=($src)
wait_socket "$PWD/src.sock" $src src.log
a0=$(lun "$NPIV1_WWPN" 0)
sgr sg_persist --out --register --param-sark=$KEY "$a0" >/dev/null
sgr sg_persist --out --reserve --param-rk=$KEY --prout-type=1 "$a0" >/dev/null
expect_eq "LUN 0 before" "$(full "$a0")" "$KEY ${hexa}01 holder"

log "destination QEMU, -incoming defer, no vport device"
"${MACHINE[@]}" -incoming defer -qmp unix:$PWD/dst.sock,server=on,wait=off </dev/null >dst.log 2>&1 &
dst=$!; pids+=($dst)
wait_socket "$PWD/dst.sock" $dst dst.log
B=(--from "$NPIV1_WWPN" --wwpn "$NPIV2_WWPN" --wwnn "$NPIV2_WWNN" --parent "$h1")

log "prepare --qmp refuses a QEMU that is not a migration destination"
set +e
"$VPORTCTL" migrate prepare "${B[@]}" --qmp src.sock --id vs0 --prop bus=rp0 2>err1; rc1=$?
set -e
cat err1
expect_eq "prepare into the source: exit" "$rc1" 1
grep -q "is 'prelaunch', not waiting for an incoming migration" err1 || die "no reason: $(cat err1)"
"$VPORTCTL" vport show "$NPIV2_WWPN" >/dev/null 2>&1 && die "vport B was created for a refused QEMU"

log "a device QEMU refuses leaves no vport B and no registration"
set +e
"$VPORTCTL" migrate prepare "${B[@]}" --qmp dst.sock --id vs0 --prop bus=nosuch 2>err2; rc2=$?
set -e
cat err2
expect_eq "prepare with a bad bus: exit" "$rc2" 1
grep -q "the destination QEMU refused device vs0: .*B's registrations were undone" err2 ||
	die "no reason: $(cat err2)"
wait_for 30 bash -c "! '$VPORTCTL' vport show $NPIV2_WWPN >/dev/null 2>&1" || die "vport B left behind"
expect_eq "vport fds the destination holds" "$(qemu_vport_fds $dst)" 0
expect_eq "LUN 0 after the refused device" "$(full "$a0")" "$KEY ${hexa}01 holder"

log "prepare --qmp: B is hot-plugged into the destination"
"$VPORTCTL" -j migrate prepare "${B[@]}" --qmp dst.sock --id vs0 --prop bus=rp0 >prep.json
cat prep.json
python3 - prep.json <<'PY' || die "prepare JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["qemu"]["id"] == "vs0" and d["qemu"]["fdname"] == "vport-vs0", d
assert [(r["action"], r["key"]) for r in d["reservations"]] == [("registered", "0x7e57")], d
PY
expect_eq "vport fds the destination holds" "$(qemu_vport_fds $dst)" 1
qmp dst.sock qom-get '{"path": "/machine/peripheral/vs0", "property": "migratable"}' | grep -q '"return": true' ||
	die "vs0 on the destination is not migratable"
b0=$(lun "$NPIV2_WWPN" 0)
expect_eq "LUN 0 after prepare" "$(full "$a0" | sort)" "$KEY ${hexa}01 holder
$KEY ${hexa}02 -"

log "QEMU migrates A's machine into the destination"
qmp dst.sock migrate-incoming "{\"uri\": \"unix:$PWD/mig.sock\"}" | grep -q '"return"' || die "migrate-incoming"
qmp src.sock migrate "{\"uri\": \"unix:$PWD/mig.sock\"}" | grep -q '"return"' || die "migrate"
migrated() { qmp src.sock query-migrate | grep -q '"status": "completed"'; }
wait_for 60 migrated || die "migration did not complete: $(qmp src.sock query-migrate)"
# Not running (-S): the source never ran, so QEMU keeps its state, prelaunch.
qmp dst.sock query-status | grep -Eq '"status": "(prelaunch|paused)"' || die "destination: $(qmp dst.sock query-status)"

log "commit"
"$VPORTCTL" -j migrate commit --from "$NPIV1_WWPN" --to "$NPIV2_WWPN" --qmp dst.sock --source-qmp src.sock \
	>commit.json
cat commit.json
python3 - commit.json <<'PY' || die "commit JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["resumed"] and d["source_quit"] and d["source_vport_deleted"], d
assert [(r["action"], r["reservation"]) for r in d["reservations"]] == [("preempted", "write-exclusive")], d
PY
wait $src 2>/dev/null || true
qmp dst.sock query-status | grep -q '"status": "running"' || die "destination: $(qmp dst.sock query-status)"
expect_eq "LUN 0 after commit" "$(full "$b0")" "$KEY ${hexa}02 holder"
expect_eq "B's write after commit" "$(write "$b0")" GOOD

sgr sg_persist --out --clear --param-rk=$KEY "$b0" >/dev/null
qmp dst.sock quit >/dev/null || true
wait $dst 2>/dev/null || true
pids=()
wait_for 30 bash -c "[[ -z \$(ls /sys/class/fc_vports) ]]" || die "vports left: $(ls /sys/class/fc_vports)"
log "ok"
