# Helpers for the reservation tests of vportctl migrate (sourced after
# tests/guest/lib.sh, with VPORTCTL set and a pids array for hold()).

# sgr CMD...: a sg3-utils command, again after a unit attention (logins,
# reservation changes and LUN changes each leave one).
sgr() {
	local i
	for i in 1 2 3 4; do
		"$@" >sg.out 2>&1 && { cat sg.out; return 0; }
		grep -qi "unit attention" sg.out || break
	done
	{ echo "failed: $*"; cat sg.out; } >&2
	return 1
}

# hold WWPN WWNN PARENT: a vport whose fd a sleep holds (a stand-in QEMU).
hold() {
	"$VPORTCTL" exec --wwpn "$1" --wwnn "$2" --parent "$3" -- sh -c 'exec sleep 3600' {fd} &
	pids+=($!)
	wait_for 60 "$VPORTCTL" vport show "$1" >/dev/null || die "vport $1 not created"
}
# lun WWPN N: the bsg node of LUN N of the vport with WWPN.
lun() {
	local host
	host=$("$VPORTCTL" -j vport show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["host"])')
	wait_for 30 test -e "/dev/bsg/${host#host}:0:0:$2" || die "no LUN $2 on vport $1 ($host)"
	echo "/dev/bsg/${host#host}:0:0:$2"
}
# full DEV: READ FULL STATUS, one line per registration: "KEY WWPN holder|-"
# (the raw sg_persist output goes to the log).
full() {
	sgr sg_persist --in --read-full-status "$1" >full.out || { cat full.out >&2; return 1; }
	sed 's/^/    | /' full.out >&2
	python3 "$VV_ROOT/tests/guest/vport/prstatus.py" full.out
}
# raw DEV CDB...: prints GOOD, CONFLICT (reservation conflict) or OTHER.
raw() {
	if sgr sg_raw "$@" >raw.out 2>&1; then
		echo GOOD
	elif grep -qi "reservation conflict" raw.out; then
		echo CONFLICT
	else
		cat raw.out >&2; echo "OTHER"
	fi
}
# write DEV / read DEV: one WRITE(10) / READ(10) of block 100.
write() { raw -s 512 -i /dev/zero "$1" 2a 00 00 00 00 64 00 00 01 00; }
read_block() { raw -r 512 -o /dev/null "$1" 28 00 00 00 00 64 00 00 01 00; }
