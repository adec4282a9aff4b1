#!/bin/bash
# Task management on a vport fd, through the fabric: LUN reset idle and with
# reads in flight, the functions fcoe cannot do (rejected), and ABORT TASK,
# ABORT TASK SET and QUERY TASK on reads in flight, on a normal LUN and on
# one whose reads the target holds for 1 s, so that they are surely in
# flight when the guest asks about them.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
source "$VV_ROOT/tests/guest/vport/vport-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 1 --lun-mb 64
parent=$(host_of vsan-i0)

T=/sys/kernel/config/target
TPG=$T/fc/20:00:52:56:00:02:00:00/tpgt_1
ACL=$TPG/acls/$NPIV1_WWPN
SLOW_IMG=/tmp/slow.img

slow_lun_add() {
	modprobe dm_delay
	modprobe loop
	modprobe target_core_iblock
	truncate -s 16M "$SLOW_IMG"
	SLOW_LOOP=$(losetup -f --show "$SLOW_IMG")
	dmsetup create vv-slow --table "0 32768 delay $SLOW_LOOP 0 1000 $SLOW_LOOP 0 0"
	dmsetup mknodes vv-slow	# no udev in the test guest
	mkdir -p "$T/core/iblock_99/slow"
	echo "udev_path=/dev/mapper/vv-slow" >"$T/core/iblock_99/slow/control"
	echo 1 >"$T/core/iblock_99/slow/enable"
	mkdir "$TPG/lun/lun_1"
	ln -s "$T/core/iblock_99/slow" "$TPG/lun/lun_1/backstore"
	mkdir "$ACL/lun_1"
	ln -s "$TPG/lun/lun_1" "$ACL/lun_1/map"
}

slow_lun_remove() {
	[[ -e $T/core/iblock_99 ]] || return 0
	rm -f "$ACL/lun_1/map"; rmdir "$ACL/lun_1" 2>/dev/null
	rm -f "$TPG/lun/lun_1/backstore"; rmdir "$TPG/lun/lun_1" 2>/dev/null
	rmdir "$T/core/iblock_99/slow" "$T/core/iblock_99"
	dmsetup remove vv-slow
	losetup -d "$SLOW_LOOP"
	rm -f "$SLOW_IMG"
	modprobe -r target_core_iblock dm_delay
}

cleanup() {
	local rc=$?
	set +e
	slow_lun_remove
	(exit "$rc")
	san_cleanup
}
trap cleanup EXIT

vsc_vport "$parent" tmf --record tmf.txt
cat tmf.txt
expect_eq "I_T NEXUS RESET (fcoe has no target reset)" \
	"$(sed -n 's/^tmf.I_T_NEXUS_RESET = //p' tmf.txt)" FUNCTION_REJECTED
expect_eq "CLEAR ACA" "$(sed -n 's/^tmf.CLEAR_ACA = //p' tmf.txt)" FUNCTION_REJECTED
expect_eq "ABORT TASK of a tag not in flight" "$(sed -n 's/^tmf.ABORT_TASK = //p' tmf.txt)" OK
expect_eq "QUERY TASK of a tag not in flight" "$(sed -n 's/^tmf.QUERY_TASK = //p' tmf.txt)" OK
expect_eq "unknown subtype" "$(sed -n 's/^tmf.subtype 99 = //p' tmf.txt)" FUNCTION_REJECTED
expect_eq "LUN reset to a missing target" \
	"$(sed -n 's/^tmf.LUN_RESET missing target = //p' tmf.txt)" BAD_TARGET
dmesg | grep -q "LOGICAL UNIT RESET to target 0x200052560002.* LUN 0: done" ||
	die "no kernel line for the LUN reset"

vsc_vport "$parent" abort --record abort.txt
cat abort.txt

# ABORT TASK, ABORT TASK SET and QUERY TASK on reads the target is still
# working on: LUN 1 is a LIO iblock backstore on a dm-delay device that
# holds every read for 1 s.  tcm_fc does not answer an ABTS for a command
# still in its backend, so libfc's abort times out (10 s) and the midlayer
# escalates to a LUN reset: the guest's ABORT TASK completes only once the
# read has been terminated, which is what SAM asks; it takes ~10-20 s here.
slow_lun_add
vsc_vport "$parent" --lun 1 abort --expect-inflight --record abort-slow.txt
cat abort-slow.txt

# The fabric still serves after all this.
vsc_vport "$parent" --resid-unreported smoke
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind"
log "ok"
