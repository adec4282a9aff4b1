# Helpers for the tests that run real QEMUs (no guest OS) on vport fds:
# QMP commands, waiting for QEMU, counting the vport fds it holds.

# qmp SOCKET CMD [JSON-ARGS]: one QMP command on its own connection.
qmp() {
	python3 - "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def rd():
    while True:
        m = json.loads(f.readline())
        if "event" not in m: return m
rd()
f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush(); rd()
cmd = {"execute": sys.argv[2]}
if len(sys.argv) > 3: cmd["arguments"] = json.loads(sys.argv[3])
f.write(json.dumps(cmd) + "\n"); f.flush()
print(json.dumps(rd()))
PY
}
# wait_socket SOCKET PID LOG: QEMU is up when its QMP socket exists.
wait_socket() {
	local deadline=$((SECONDS + 60))
	until [[ -S $1 ]]; do
		kill -0 "$2" 2>/dev/null || { cat "$3"; die "QEMU exited before opening $1"; }
		((SECONDS < deadline)) || { cat "$3"; die "QEMU did not open $1 in 60 s"; }
		sleep 0.1
	done
}
# qemu_vport_fds PID: how many vport fds the process holds.
qemu_vport_fds() {
	local n=0 f
	for f in /proc/"$1"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == "anon_inode:[vhost-vport]" ]] && n=$((n + 1))
	done
	echo "$n"
}
