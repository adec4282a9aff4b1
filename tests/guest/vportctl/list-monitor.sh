#!/bin/bash
# The module's generic netlink family through vportctl, on the software SAN:
# without the module, vportctl says it is not loaded; `vportctl monitor -j`
# sees a vport created through /dev/vhost-vport; `vportctl vport list/show`
# shows it with its WWPN, owner pid, parent, remote port (target id 0) and
# LUN, also to an unprivileged user; I/O through the fd shows in its
# counters; a LUN added on the LIO target (and found by a rescan) gives
# lun-added, a LUN deleted gives lun-removed; the link taken down at the FCF
# gives link-down, login-state false and rport-removed, and back up the
# reverse; closing the fd gives vport-deleted; the monitor ends cleanly on
# SIGTERM and the module unloads.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

VPORTCTL_BIN=${VPORTCTL:-$VV_BUILD/user/tools/vportctl/vportctl}
VSCLIENT=$VV_BUILD/user/tests/client/vsclient
[[ -x $VPORTCTL_BIN ]] || die "vportctl not built: $VPORTCTL_BIN (make userspace)"
vportctl() {
	local rc=0
	timeout 60 "$VPORTCTL_BIN" "$@" || rc=$?
	((rc != 124)) || die "vportctl $* did not finish in 60 s"
	return "$rc"
}

W=/tmp/lm
mkdir -p $W
EVENTS=$W/events.jsonl
MON_PID=
HOLDER_PID=

# ev_count FILTER: events (one JSON object per line) matching a jq filter.
ev_count() { jq -c "select($1)" "$EVENTS" 2>/dev/null | wc -l; }
ev_seen() { (($(ev_count "$1") > 0)); }
expect_event() {	# expect_event SECS FILTER
	wait_for "$1" ev_seen "$2" || { echo "--- events"; cat "$EVENTS"; die "no event matching $2 in $1 s"; }
	log "event: $(jq -c "select($2)" "$EVENTS" | tail -1)"
}

cleanup_lm() {
	local rc=$?
	set +e
	[[ -n $HOLDER_PID ]] && kill "$HOLDER_PID" 2>/dev/null
	[[ -n $MON_PID ]] && kill "$MON_PID" 2>/dev/null
	wait 2>/dev/null
	(exit "$rc")
	san_cleanup	# exits with rc
}

# 1. No module: a clear message, exit 1.
vv_unload
rc=0
out=$(vportctl vport list 2>&1) || rc=$?
expect_eq "vport list without the module: exit" "$rc" 1
[[ $out == *"not loaded"* ]] || die "vport list without the module said: $out"
rc=0
out=$(vportctl monitor 2>&1) || rc=$?
expect_eq "monitor without the module: exit" "$rc" 1
[[ $out == *"not loaded"* ]] || die "monitor without the module said: $out"

vv_load
san_up --initiators 1 --targets 1 --luns 1 --lun-mb 16
trap cleanup_lm EXIT
h=$(host_of vsan-i0)

expect_eq "vport list -j with no vport" "$(vportctl -j vport list)" "[]"

# 2. The monitor, before anything happens.
# The binary itself (not the time-limited wrapper), so that signals reach it.
"$VPORTCTL_BIN" -j monitor >"$EVENTS" 2>$W/monitor.err &
MON_PID=$!
sleep 3
kill -0 $MON_PID || { cat $W/monitor.err; die "monitor exited at once"; }

# 3. A vport held by a Python process; it runs vsclient on request and
# closes the fd on request.
PYTHONPATH=$VV_ROOT/tests/guest/vport python3 - "$h" "$W" "$VSCLIENT" <<'PY' &
import os, subprocess, sys, time
import vvp
h, w, vsclient = sys.argv[1:4]
fd = vvp.create(0x210000005a000001, 0x200000005a000001, vvp.PARENT_NAME,
                parent_name=h, timeout_ms=30000)
open(f"{w}/ready", "w").write(str(fd))
while not os.path.exists(f"{w}/close"):
    if os.path.exists(f"{w}/io"):
        os.unlink(f"{w}/io")
        rc = subprocess.run([vsclient, "--fd", str(fd), "--wwpn", "naa.210000005a000001",
                             "--tpgt", "0", "--target", "0", "--resid-unreported",
                             "rw", "--queues", "2", "--depth", "8", "--count", "400",
                             "--verify"], pass_fds=(fd,)).returncode
        open(f"{w}/io.rc", "w").write(str(rc))
    time.sleep(0.1)
os.close(fd)
open(f"{w}/closed", "w").write("1")
PY
HOLDER_PID=$!
wait_for 60 test -e $W/ready || die "vport not created"
log "vport fd $(cat $W/ready) held by pid $HOLDER_PID"

expect_event 10 '.event == "vport-created" and .wwpn == "21:00:00:00:5a:00:00:01"'
vid=$(jq -r 'select(.event == "vport-created") | .vport_id' "$EVENTS" | head -1)

# 4. list and show.
vportctl vport list
list=$(vportctl -j vport list)
expect_eq "vports listed" "$(jq length <<<"$list")" 1
v=$(jq -c '.[0]' <<<"$list")
expect_eq "id" "$(jq .id <<<"$v")" "$vid"
expect_eq "wwpn" "$(jq -r .wwpn <<<"$v")" 21:00:00:00:5a:00:00:01
expect_eq "wwnn" "$(jq -r .wwnn <<<"$v")" 20:00:00:00:5a:00:00:01
expect_eq "owner pid" "$(jq .owner_pid <<<"$v")" "$HOLDER_PID"
expect_eq "owner comm" "$(jq -r .owner_comm <<<"$v")" python3
expect_eq "parent" "$(jq -r .parent <<<"$v")" "$h"
expect_eq "parent wwpn" "$(jq -r .parent_wwpn <<<"$v")" "$(vportctl -j hba show "$h" | jq -r .wwpn)"
expect_eq "state" "$(jq -r .state <<<"$v")" active
expect_eq "logged in" "$(jq .logged_in <<<"$v")" true
expect_eq "link up" "$(jq .link_up <<<"$v")" true
vhost=$(jq -r .host <<<"$v")
[[ $vhost == host* ]] || die "vport host: $vhost"
targets=$(jq -c '[.remote_ports[] | select(.roles | index("target"))]' <<<"$v")
expect_eq "target ports" "$(jq length <<<"$targets")" 1
expect_eq "target state" "$(jq -r '.[0].state' <<<"$targets")" online
expect_eq "target id" "$(jq '.[0].target_id' <<<"$targets")" 0
expect_eq "target LUNs" "$(jq -c '.[0].luns' <<<"$targets")" "[0]"
TGT=$(jq -r '.[0].wwpn' <<<"$targets")
log "target port $TGT"

vportctl vport show 21:00:00:00:5a:00:00:01
show=$(vportctl -j vport show naa.210000005a000001)
expect_eq "show = list entry" "$(jq -c 'del(.counters)' <<<"$show")" "$(jq -c 'del(.counters)' <<<"$v")"
rc=0; vportctl vport show 21:00:00:00:5a:00:00:77 2>$W/err || rc=$?
expect_eq "show of an unknown vport: exit" "$rc" 1
grep -q "no such vport" $W/err || die "show of an unknown vport said: $(cat $W/err)"
rc=0; vportctl vport show not-a-wwn 2>$W/err || rc=$?
expect_eq "show of a malformed WWPN: exit" "$rc" 2

# Unprivileged readers see the same.
nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$VPORTCTL_BIN" -j vport list)
expect_eq "unprivileged list" "$(jq -c '.[0] | del(.counters)' <<<"$nobody")" "$(jq -c 'del(.counters)' <<<"$v")"

# 5. I/O shows in the counters.
touch $W/io
wait_for 300 test -e $W/io.rc || die "vsclient did not finish"
expect_eq "vsclient rw" "$(cat $W/io.rc)" 0
c=$(vportctl -j vport show 21:00:00:00:5a:00:00:01 | jq -c .counters)
log "counters after I/O: $c"
(($(jq .commands <<<"$c") >= 400)) || die "commands counter: $c"
(($(jq .bytes_read <<<"$c") > 0)) || die "bytes_read counter: $c"
(($(jq .bytes_written <<<"$c") > 0)) || die "bytes_written counter: $c"
expect_eq "in flight after I/O" "$(jq .in_flight <<<"$c")" 0

# 6. A LUN added on the target, found by a rescan of the vport's host.
tpg=$(echo /sys/kernel/config/target/fc/*/tpgt_1)
acl=$(cd "$tpg/acls" && ls -d 21:00:00:00:5a:00:00:01)
dev=/sys/kernel/config/target/core/rd_mcp_0/lun9
mkdir "$dev"
echo rd_pages=1024 >"$dev/control"
echo 1 >"$dev/enable"
mkdir "$tpg/lun/lun_1"
ln -s "$dev" "$tpg/lun/lun_1/backstore"
mkdir "$tpg/acls/$acl/lun_1"
ln -s "$tpg/lun/lun_1" "$tpg/acls/$acl/lun_1/map"
echo "- - -" >"/sys/class/scsi_host/$vhost/scan"
expect_event 30 ".event == \"lun-added\" and .lun == 1 and .rport == \"$TGT\" and .vport_id == $vid"
luns=$(vportctl -j vport show 21:00:00:00:5a:00:00:01 | jq -c "[.remote_ports[] | select(.wwpn == \"$TGT\") | .luns[]] | sort")
expect_eq "LUNs after the rescan" "$luns" "[0,1]"
sdev=$(cd /sys/class/scsi_device && ls -d "${vhost#host}":*:1)
echo 1 >"/sys/class/scsi_device/$sdev/device/delete"
expect_event 30 ".event == \"lun-removed\" and .lun == 1 and .rport == \"$TGT\""

# 7. The link down at the FCF, and up again.
"$SAN" link down vsan-i0
expect_event 60 ".event == \"link-down\" and .vport_id == $vid"
expect_event 30 ".event == \"login-state\" and .logged_in == false"
expect_event 60 ".event == \"rport-removed\" and .rport == \"$TGT\""
v=$(vportctl -j vport show 21:00:00:00:5a:00:00:01)
log "while down: state $(jq -r .state <<<"$v"), link_up $(jq .link_up <<<"$v"), remote ports $(jq -c '[.remote_ports[] | .state]' <<<"$v")"
expect_eq "link up while down" "$(jq .link_up <<<"$v")" false
"$SAN" link up vsan-i0
expect_event 90 ".event == \"link-up\" and .vport_id == $vid"
expect_event 90 ".event == \"login-state\" and .logged_in == true"
expect_event 90 ".event == \"rport-added\" and .rport == \"$TGT\""

# 8. Closing the fd deletes the vport.
touch $W/close
wait_for 60 test -e $W/closed || die "holder did not close the fd"
expect_event 30 ".event == \"vport-deleted\" and .vport_id == $vid"
wait $HOLDER_PID || die "holder failed"
HOLDER_PID=
expect_eq "vport list -j after close" "$(vportctl -j vport list)" "[]"

# Each line is one JSON object; the order of a vport's life holds.
order=$(jq -r "select(.vport_id == $vid) | .event" "$EVENTS" | grep -E '^vport-(created|deleted)$' | paste -sd,)
expect_eq "created before deleted" "$order" "vport-created,vport-deleted"
log "events seen: $(jq -r .event "$EVENTS" | sort | uniq -c | tr -s ' \n' ' ')"

# 9. The monitor ends cleanly on SIGTERM; the text form works too.
kill -TERM $MON_PID
rc=0; wait $MON_PID || rc=$?
MON_PID=
expect_eq "monitor exit after SIGTERM" "$rc" 0
[[ ! -s $W/monitor.err ]] || die "monitor wrote errors: $(cat $W/monitor.err)"
"$VPORTCTL_BIN" monitor >$W/text.out 2>&1 &
MON_PID=$!
sleep 3
PYTHONPATH=$VV_ROOT/tests/guest/vport python3 -c '
import os, sys, vvp
os.close(vvp.create(0x210000005a000002, 0x200000005a000002, vvp.PARENT_NAME, parent_name=sys.argv[1]))' "$h"
wait_for 30 grep -q " vport-deleted vport [0-9]* wwpn 21:00:00:00:5a:00:00:02" $W/text.out ||
	{ cat $W/text.out; die "text monitor did not show the second vport"; }
cat $W/text.out
kill -INT $MON_PID
rc=0; wait $MON_PID || rc=$?
MON_PID=
expect_eq "monitor exit after SIGINT" "$rc" 0

# 10. Nothing left: the module unloads.
trap - EXIT
"$SAN" down
vv_unload
grep -q '^vhost_vport ' /proc/modules && die "module still loaded"
log "ok"
