#!/bin/bash
# vportctl attach/detach against a real QEMU (paused with -S, no guest): the
# fd hand-over over QMP and every way it can fail. No vport is involved: the
# fd handed over is a plain file, so QEMU's device_add must fail, and vportctl
# must report QEMU's reason and leave QEMU as it was.
#
#   vportctl-qemu.sh --list            the case names
#   vportctl-qemu.sh VPORTCTL CASE     runs one case (0 pass, 1 fail, 77 skipped)
set -uo pipefail

cases=(attach-not-vhost attach-root-bus attach-json-error detach-unknown detach-not-acknowledged
	not-qemu-greeting not-qemu-silent no-socket attach-usage)
if [[ ${1:-} == --list ]]; then printf '%s\n' "${cases[@]}"; exit 0; fi
(($# == 2)) || { echo "usage: $0 VPORTCTL CASE | --list" >&2; exit 2; }
V=$1 case=$2
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || { echo "skipped: $QEMU not installed"; exit 77; }
tmp=$(mktemp -d)
qpid=
cleanup() {
	[[ -n $qpid ]] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[[ -n ${fpid:-} ]] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL [$case]: $*" >&2; exit 1; }
WWPN=21:00:00:1b:32:00:00:01 WWNN=20:00:00:1b:32:00:00:01
sock=$tmp/qmp.sock

# A paused q35 with one PCIe root port (the root bus takes no hotplug).
start_qemu() {
	"$QEMU" -S -display none -nodefaults -machine q35 -accel tcg -m 64 \
		-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1 \
		-qmp "unix:$sock,server=on,wait=off" </dev/null >"$tmp/qemu.log" 2>&1 &
	qpid=$!
	for _ in $(seq 100); do [[ -S $sock ]] && return 0; sleep 0.1; done
	fail "QEMU did not open its QMP socket: $(cat "$tmp/qemu.log")"
}

# qmp CMD [JSON-ARGS]: runs one QMP command on its own connection; prints
# the answer ({"return": ...} or {"error": ...}) as JSON.
qmp() {
	python3 - "$sock" "$1" "${2:-null}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def rd():
    while True:
        m = json.loads(f.readline())
        if "event" not in m: return m
rd()
f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush(); rd()
cmd = {"execute": sys.argv[2]}
if sys.argv[3] != "null": cmd["arguments"] = json.loads(sys.argv[3])
f.write(json.dumps(cmd) + "\n"); f.flush()
print(json.dumps(rd()))
PY
}

run() {
	"$V" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
expect_rc() { [[ $rc == "$1" ]] || fail "exit $rc, want $1; stderr: $(cat "$tmp/err")"; }
stderr_has() { grep -qF -- "$1" "$tmp/err" || fail "stderr lacks '$1': $(cat "$tmp/err")"; }
stdout_empty() { [[ ! -s $tmp/out ]] || fail "stdout not empty on error: $(cat "$tmp/out")"; }
# QEMU holds no fd on our file, knows no fd name vport-vs0 and no device vs0.
qemu_unchanged() {
	local l
	for l in /proc/"$qpid"/fd/*; do
		[[ $(readlink "$l") == "$tmp/not-vhost" ]] && fail "QEMU still holds the fd ($l)"
	done
	qmp closefd '{"fdname": "vport-vs0"}' | grep -q '"error"' || fail "QEMU still has fd name vport-vs0"
	qmp device_del '{"id": "vs0"}' | grep -q 'DeviceNotFound' || fail "QEMU has a device vs0"
}

case $case in
attach-not-vhost)
	start_qemu
	: >"$tmp/not-vhost"
	run attach --qmp "$sock" --id vs0 --fd 3 --wwpn "$WWPN" --prop bus=rp0 3<"$tmp/not-vhost"
	expect_rc 1
	stdout_empty
	stderr_has "vportctl: attach vs0: vport $WWPN: QEMU refused: "
	stderr_has "vhost"
	stderr_has "rolled back"
	qemu_unchanged ;;
attach-root-bus)
	start_qemu
	: >"$tmp/not-vhost"
	run attach --qmp "$sock" --id vs0 --fd 3 --wwpn "$WWPN" 3<"$tmp/not-vhost"
	expect_rc 1
	stderr_has "QEMU refused: Bus 'pcie.0' does not support hotplugging"
	qemu_unchanged ;;
attach-json-error)
	start_qemu
	: >"$tmp/not-vhost"
	run -j attach --qmp "$sock" --id vs0 --fd 3 --wwpn "$WWPN" --prop bus=rp0 3<"$tmp/not-vhost"
	expect_rc 1
	stdout_empty
	stderr_has "QEMU refused"
	qemu_unchanged ;;
detach-unknown)
	start_qemu
	run detach --qmp "$sock" --id nosuch
	expect_rc 1
	stdout_empty
	[[ $(cat "$tmp/err") == "vportctl: detach nosuch: QEMU refused: Device 'nosuch' not found" ]] ||
		fail "stderr: $(cat "$tmp/err")" ;;
detach-not-acknowledged)
	# A paused guest never acknowledges a PCIe unplug: detach says so after
	# its timeout instead of hanging.
	start_qemu
	qmp device_add '{"driver": "virtio-rng-pci", "id": "rng0", "bus": "rp0"}' | grep -q '"return"' ||
		fail "device_add virtio-rng-pci failed"
	run detach --qmp "$sock" --id rng0 --timeout 1
	expect_rc 1
	stderr_has "detach rng0: QEMU accepted device_del but has not removed the device after 1 s" ;;
not-qemu-greeting|not-qemu-silent)
	# Something else listens on the socket. attach must not even create the
	# vport: the control device is bogus, so reaching it would say so.
	python3 - "$sock" "$case" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
if sys.argv[2] == "not-qemu-greeting":
    c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
time.sleep(5)
PY
	fpid=$!
	for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
	run --control-device "$tmp/no-such-device" attach --qmp "$sock" --id vs0 --wwpn "$WWPN" --wwnn "$WWNN" \
		--timeout 1
	expect_rc 1
	stdout_empty
	stderr_has "vportctl: QMP socket $sock: not a QEMU QMP socket: "
	[[ $case == not-qemu-greeting ]] && stderr_has "it sent 'SSH-2.0-OpenSSH_9.2p1 Debian-2"
	[[ $case == not-qemu-silent ]] && stderr_has "no greeting within 1000 ms"
	grep -q no-such-device "$tmp/err" && fail "attach reached the control device" ;;
no-socket)
	run attach --qmp "$tmp/none.sock" --id vs0 --wwpn "$WWPN" --wwnn "$WWNN"
	expect_rc 1
	[[ $(cat "$tmp/err") == "vportctl: QMP socket $tmp/none.sock: No such file or directory" ]] ||
		fail "stderr: $(cat "$tmp/err")" ;;
attach-usage)
	run attach --qmp "$sock" --id vs0
	expect_rc 2
	stderr_has "give --vport DEF, or --wwpn and --wwnn"
	run attach --qmp "$sock" --id vs0 --wwpn 21:00 --wwnn "$WWNN"
	expect_rc 2
	stderr_has "--wwpn: WWN '21:00'"
	run attach --qmp "$sock" --id vs0 --fd 3 --wwpn "$WWPN" --prop vhostfd=x 3</dev/null
	expect_rc 2
	stderr_has "vportctl sets vhostfd itself" ;;
*) echo "unknown case $case" >&2; exit 2 ;;
esac
exit 0
