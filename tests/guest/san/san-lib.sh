# Helpers for the software-SAN guest tests and benchmark (sourced, not run).
# Source tests/guest/lib.sh first.

SAN=$VV_ROOT/tools/san/vport-san
SAN_STATE=/run/vport-san
# The fixed NPIV WWPNs vport-san maps the LUNs to, and one it does not.
NPIV1_WWPN=21:00:00:00:5a:00:00:01 NPIV1_WWNN=20:00:00:00:5a:00:00:01
NPIV2_WWPN=21:00:00:00:5a:00:00:02 NPIV2_WWNN=20:00:00:00:5a:00:00:02
MASKED_WWPN=21:00:00:00:5a:00:00:ff MASKED_WWNN=20:00:00:00:5a:00:00:ff

# The FCF binary: the lead's build, else a private one.
if [[ -z ${VPORT_FCF:-} ]]; then
	for _c in "$VV_BUILD/user/tools/fcf/vport-fcf" "$VV_ROOT/build/san-user/tools/fcf/vport-fcf"; do
		[[ -x $_c ]] && { export VPORT_FCF=$_c; break; }
	done
fi

# san_up ARGS...: brings the SAN up and arranges for it to go down (and the
# FCF log to be shown) when the test exits, whatever happens.
san_up() {
	trap san_cleanup EXIT
	"$SAN" up "$@"
}

san_cleanup() {
	local rc=$?
	set +e
	if ((rc)) && [[ -e $SAN_STATE/up ]]; then
		echo "--- vport-san status at failure"
		"$SAN" status
		echo "--- FCF log"
		tail -40 "$SAN_STATE/fcf.log" 2>/dev/null
	fi
	"$SAN" down
	exit "$rc"
}

# san_cleanup_pids: an EXIT trap for tests that start processes holding
# vport fds (QEMUs, sleeps) in the array pids: stops them, then san_cleanup
# with the test's exit status. (errexit is off first: in an EXIT trap a
# failing "(exit $st)" would otherwise end the shell before the cleanup.)
san_cleanup_pids() {
	local st=$?
	set +e
	((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
	wait
	(exit "$st")
	san_cleanup
}

# host_of IFACE: fc_host name of the FCoE port on IFACE (vsan-i0, vsan-t0).
host_of() {
	local h
	for h in /sys/class/net/"$1"/ctlr_*/host*; do
		[[ -e $h ]] && { basename "$h"; return 0; }
	done
	return 1
}

hexwwn() { local w=${1//:/}; echo "${w,,}"; }

# vport_create HOST WWPN WWNN / vport_delete HOST WWPN WWNN
vport_create() { echo "$(hexwwn "$2"):$(hexwwn "$3")" >"/sys/class/fc_host/$1/vport_create"; }
vport_delete() { echo "$(hexwwn "$2"):$(hexwwn "$3")" >"/sys/class/fc_host/$1/vport_delete"; }

# vport_path WWPN: /sys/class/fc_vports/vport-... of the vport with WWPN.
vport_path() {
	local v want=0x$(hexwwn "$1")
	for v in /sys/class/fc_vports/vport-*; do
		[[ -e $v && $(cat "$v/port_name") == "$want" ]] && { echo "$v"; return 0; }
	done
	return 1
}

vport_state() {
	local v
	v=$(vport_path "$1") || { echo missing; return; }
	cat "$v/vport_state"
}

# vport_host WWPN: the scsi/fc host the vport created.
vport_host() {
	local v h
	v=$(vport_path "$1") || return 1
	for h in "$v"/host* "$v"/device/host*; do
		[[ -e $h ]] && { basename "$h"; return 0; }
	done
	return 1
}

port_state_of() { cat "/sys/class/fc_host/$1/port_state" 2>/dev/null || echo missing; }

# luns_of HOST: the SCSI devices (H:C:T:L) behind HOST, one per line.
luns_of() {
	local d
	for d in /sys/class/scsi_device/"${1#host}":*; do
		[[ -e $d ]] && basename "$d"
	done
	return 0
}

# disk_of HOST: the sd block device of HOST's first LUN (needs sd_mod).
disk_of() {
	local b
	for b in /sys/block/sd*; do
		[[ -e $b ]] || continue
		if [[ $(readlink -f "$b/device") == */"$1"/* ]]; then
			basename "$b"
			return 0
		fi
	done
	return 1
}

# fcf_log_has REGEX: the FCF logged a line matching REGEX.
fcf_log_has() { grep -Eq "$1" "$SAN_STATE/fcf.log"; }

vport_active() { [[ $(vport_state "$1") == Active ]]; }
# lun_count_is HOST N
lun_count_is() { [[ $(luns_of "$1" | wc -l) == "$2" ]]; }
port_online() { [[ $(port_state_of "$1") == Online ]]; }
