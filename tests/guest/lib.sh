# Shared helpers for guest tests (sourced, not run).  Each test runs as root
# in a fresh temporary folder inside the test guest; see tests/vm/vmrun.
set -euo pipefail

VV_KO=$VV_KMOD_DIR/kernel/vhost_vport.ko

log() { echo "[$(date +%T.%3N)] $*"; }
die() { echo "FAILED: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

# expect_eq WHAT GOT WANT
expect_eq() {
	[[ $2 == "$3" ]] || die "$1: got '$2', want '$3'"
}

# Loads the module built for this kernel, after the modules it depends on.
vv_load() {
	local dep
	if ! grep -q '^vhost_vport ' /proc/modules; then
		for dep in $(modinfo -F depends "$VV_KO" | tr ',' ' '); do
			modprobe "$dep"
		done
		insmod "$VV_KO"
	fi
}

vv_unload() {
	if grep -q '^vhost_vport ' /proc/modules; then
		rmmod vhost_vport
	fi
}

# wait_for SECS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}
