#!/bin/bash
# vportctl define + exec + attach/detach on the software FC SAN, with real
# vport fds: exec hands exactly the vport fds to the program it runs (a
# checker script, then a real QEMU whose vhost-scsi-pci device takes the fd);
# attach hot-plugs a vport into a running (paused) QEMU over QMP; the vport
# lives as long as QEMU holds the fd; errors leave QEMU as it was.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

VPORTCTL_BIN=${VPORTCTL:-$VV_BUILD/user/tools/vportctl/vportctl}
[[ -x $VPORTCTL_BIN ]] || die "vportctl not built: $VPORTCTL_BIN (make userspace)"
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
vportctl() {
	local rc=0
	timeout 120 "$VPORTCTL_BIN" "$@" || rc=$?
	((rc != 124)) || die "vportctl $* did not finish in 120 s"
	return "$rc"
}

vv_load
san_up --initiators 1 --targets 1 --luns 1
h0=$(host_of vsan-i0)
parent_wwpn=$(cat /sys/class/fc_host/$h0/port_name)
fabric=$(cat /sys/class/fc_host/$h0/fabric_name)
log "initiator $h0 $parent_wwpn on fabric $fabric"

export VPORT_STATE_DIR=$PWD/state
vportctl define vm1-a --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWNN" --parent-wwpn "$parent_wwpn"
vportctl define vm1-b --wwpn "$NPIV2_WWPN" --wwnn "$NPIV2_WWNN" --fabric "$fabric" --login-timeout 20000
vportctl defined

no_vports() { ! compgen -G "/sys/class/fc_vports/vport-*" >/dev/null; }
no_vports || die "vports exist before the test"

# The program exec runs: every fd it has must be 0-2 or one of the vport
# fds given as arguments, and each of those must be a vport fd whose
# GET_INFO names the expected WWPN (argument pairs FD WWPN-as-naa).
cat >check-fds.py <<'PY'
import os, sys, vvp
pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
want = {0, 1, 2}
for fd, naa in pairs:
    fd = int(fd)
    want.add(fd)
    link = os.readlink(f"/proc/self/fd/{fd}")
    assert link == "anon_inode:[vhost-vport]", f"fd {fd} is {link}, not a vport fd"
    i = vvp.info(fd)
    assert i["wwpn"] == int(naa[4:], 16), (hex(i["wwpn"]), naa)
    assert i["nr_rports"] >= 1, i
    print("fd", fd, "is vport", hex(i["wwpn"]), "on", i["parent"], "as", i["host"])
for n in os.listdir("/proc/self/fd"):
    try:
        link = os.readlink(f"/proc/self/fd/{n}")
    except FileNotFoundError:
        continue  # listdir's own directory fd, closed by now
    assert int(n) in want, f"unexpected fd {n} -> {link}"
print("fds ok:", " ".join(str(int(fd)) for fd, _ in pairs))
PY
export PYTHONPATH=$VV_ROOT/tests/guest/vport

log "exec with one definition"
# An fd of the test's own that must not leak into the program.
exec 7</dev/null
vportctl exec --vport vm1-a -- python3 check-fds.py {fd} {wwpn} >exec1.out || { cat exec1.out; die "exec vm1-a failed"; }
cat exec1.out
grep -q "^fds ok: [0-9]*$" exec1.out || die "exec vm1-a: checker did not pass"
wait_for 10 no_vports || die "the vport outlived the program exec ran"

log "exec with two definitions"
vportctl exec --vport vm1-a --vport vm1-b -- python3 check-fds.py {fd:vm1-a} {wwpn:vm1-a} {fd:vm1-b} {wwpn:vm1-b} \
	>exec2.out || { cat exec2.out; die "exec vm1-a vm1-b failed"; }
cat exec2.out
grep -q "^fds ok: [0-9]* [0-9]*$" exec2.out || die "exec two vports: checker did not pass"
wait_for 10 no_vports || die "vports outlived the program exec ran"
exec 7<&-

source "$VV_ROOT/tests/guest/vportctl/qemu-lib.sh"
# QEMUs to stop if the test fails half-way (before the SAN goes down).
pids=()
trap san_cleanup_pids EXIT
QEMU=(qemu-system-x86_64 -S -display none -nodefaults -machine q35 -accel tcg -m 128)

log "exec a real QEMU on the vport fd"
# Not through the timeout wrapper: vportctl's own pid becomes QEMU's.
"$VPORTCTL_BIN" exec --vport vm1-a -- "${QEMU[@]}" -qmp unix:$PWD/q1.sock,server=on,wait=off \
	-device vhost-scsi-pci,id=vs0,wwpn={wwpn},vhostfd={fd} </dev/null >q1.log 2>&1 &
q1=$!
pids+=($q1)
wait_socket "$PWD/q1.sock" $q1 q1.log
[[ $(readlink /proc/$q1/exe) == */qemu-system-x86_64 ]] || die "vportctl exec did not become QEMU"
qmp q1.sock qom-list '{"path": "/machine/peripheral"}' >q1.list
grep -q '"name": "vs0"' q1.list || { cat q1.list q1.log; die "QEMU has no vs0 device"; }
expect_eq "vport fds QEMU holds" "$(qemu_vport_fds $q1)" 1
vport_active "$NPIV1_WWPN" || die "vm1-a not Active while QEMU runs ($(vport_state "$NPIV1_WWPN"))"
qmp q1.sock quit >/dev/null
wait $q1 || die "QEMU (exec) failed: $(cat q1.log)"
wait_for 10 no_vports || die "the vport outlived QEMU"
log "QEMU exited, vport gone"

log "attach to a running QEMU"
"${QEMU[@]}" -device pcie-root-port,id=rp0,bus=pcie.0,chassis=1 \
	-qmp unix:$PWD/q2.sock,server=on,wait=off </dev/null >q2.log 2>&1 &
q2=$!
pids+=($q2)
wait_socket "$PWD/q2.sock" $q2 q2.log
vportctl -j attach --qmp q2.sock --id vs0 --vport vm1-b --prop bus=rp0 >attach.json 2>attach.err ||
	die "attach failed: $(cat attach.err)"
cat attach.json
export W2=$NPIV2_WWPN FABRIC=$fabric
python3 -c '
import json, os, sys
d = json.load(open("attach.json"))
e = os.environ
assert d["id"] == "vs0" and d["wwpn"] == e["W2"] and d["fdname"] == "vport-vs0", d
# vm1-b names its parent by fabric: any port on it will do.
assert d["fabric_name"].replace(":", "") == e["FABRIC"][2:], d
assert d["parent"].startswith("host") and d["remote_ports"] >= 1 and d["host"].startswith("host"), d
' || die "attach output wrong"
# vportctl has exited: QEMU's reference keeps the vport.
vport_active "$NPIV2_WWPN" || die "vm1-b not Active after attach ($(vport_state "$NPIV2_WWPN"))"
expect_eq "vport fds QEMU holds" "$(qemu_vport_fds $q2)" 1
qmp q2.sock qom-list '{"path": "/machine/peripheral"}' | grep -q '"name": "vs0"' || die "QEMU has no vs0"

log "attach errors"
set +e
vportctl attach --qmp q2.sock --id vs1 --vport vm1-b --prop bus=rp0 >/dev/null 2>err.txt; rc=$?
set -e
cat err.txt
expect_eq "attach of a WWPN in use: exit" "$rc" 1
grep -q "vport $NPIV2_WWPN: the WWPN is already in use on this host" err.txt || die "in-use message: $(cat err.txt)"
set +e
vportctl attach --qmp q2.sock --id vs0 --vport vm1-a --prop bus=rp0 >/dev/null 2>err.txt; rc=$?
set -e
cat err.txt
expect_eq "attach with a duplicate id: exit" "$rc" 1
grep -q "attach vs0: vport $NPIV1_WWPN: QEMU refused: .*rolled back" err.txt || die "duplicate id: $(cat err.txt)"
# Rolled back: vm1-a's vport is gone again, QEMU still holds only vm1-b's fd.
vm1a_gone() { ! vport_path "$NPIV1_WWPN" >/dev/null; }
wait_for 10 vm1a_gone ||
	die "vm1-a's vport was not deleted after the failed attach"
expect_eq "vport fds QEMU holds after the failed attach" "$(qemu_vport_fds $q2)" 1

log "detach"
set +e
vportctl detach --qmp q2.sock --id nosuch 2>err.txt; rc=$?
set -e
expect_eq "detach nosuch: exit" "$rc" 1
expect_eq "detach nosuch" "$(cat err.txt)" "vportctl: detach nosuch: QEMU refused: Device 'nosuch' not found"
# QEMU is paused (-S): no guest acknowledges the PCIe unplug, so detach
# must say so after its timeout instead of hanging; the vport stays.
set +e
vportctl detach --qmp q2.sock --id vs0 --timeout 3 2>err.txt; rc=$?
set -e
cat err.txt
expect_eq "detach on a paused guest: exit" "$rc" 1
grep -q "has not removed the device after 3 s" err.txt || die "detach timeout message: $(cat err.txt)"
vport_active "$NPIV2_WWPN" || die "vm1-b went away although QEMU still has the device"

log "QEMU exits: its vport goes"
qmp q2.sock quit >/dev/null
wait $q2 || true
wait_for 10 no_vports || die "the vport outlived QEMU"
pids=()
log "ok"
