# Helpers for tests that drive a vport fd with the userspace client
# (sourced after lib.sh and san-lib.sh, once san_up has run).

VSCLIENT=$VV_BUILD/user/tests/client/vsclient

# vsc_vport PARENT ARGS...: creates the vport 21:00:00:00:5a:00:00:01 on
# PARENT (an fc_host name), runs vsclient ARGS on its fd, deletes it.
vsc_vport() {
	local parent=$1
	shift
	log "vsclient $*"
	PYTHONPATH=$VV_ROOT/tests/guest/vport python3 - "$VSCLIENT" "$parent" "$@" <<'PY'
import subprocess, sys
import vvp
fd = vvp.create(0x210000005a000001, 0x200000005a000001, vvp.PARENT_NAME,
                parent_name=sys.argv[2], timeout_ms=30000)
rc = subprocess.run([sys.argv[1], "--fd", str(fd), "--wwpn", "naa.210000005a000001",
                     "--tpgt", "0", "--target", "0"] + sys.argv[3:],
                    pass_fds=(fd,)).returncode
sys.exit(rc)
PY
}
