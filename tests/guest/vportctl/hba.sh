#!/bin/bash
# vportctl hba list/show against the software FC SAN (tools/san/vport-san):
# the initiator ports appear with the right WWPNs, Online, with the
# fabric's name and their vport limit; a vport created by hand through
# sysfs is listed under its parent with its state, and as a port of its
# own that names the parent; it goes away when deleted; after the SAN is
# torn down its ports are gone from the list.
source "$VV_ROOT/tests/guest/lib.sh"

VPORTCTL_BIN=${VPORTCTL:-$VV_BUILD/user/tools/vportctl/vportctl}
SAN=$VV_ROOT/tools/san/vport-san
STATE=${VPORT_SAN_STATE:-/run/vport-san}
[[ -x $VPORTCTL_BIN ]] || die "vportctl not built: $VPORTCTL_BIN (make userspace)"
# vportctl only reads sysfs: it must never hang, even on a busy guest.
vportctl() {
	local rc=0
	timeout 60 "$VPORTCTL_BIN" "$@" || rc=$?
	((rc != 124)) || die "vportctl $* did not finish in 60 s"
	return "$rc"
}
export -f vportctl die
export VPORTCTL_BIN
[[ -x $SAN ]] || die "no SAN tool: $SAN"

# One of the NPIV WWPNs the SAN's targets map their LUNs to.
VP_WWPN=21:00:00:00:5a:00:00:01 VP_WWNN=20:00:00:00:5a:00:00:01
hex() { local w=${1//:/}; echo "${w,,}"; }

cleanup() {
	local rc=$?
	set +e
	if [[ -n ${parent:-} && -e /sys/class/fc_host/$parent/vport_delete ]]; then
		timeout 30 bash -c "echo $(hex $VP_WWPN):$(hex $VP_WWNN) >/sys/class/fc_host/$parent/vport_delete" 2>/dev/null
	fi
	if ((rc)) && [[ -e $STATE/up ]]; then
		"$SAN" status
		tail -30 "$STATE/fcf.log" 2>/dev/null
	fi
	"$SAN" down
	exit "$rc"
}
trap cleanup EXIT

# jcheck JSON-FILE PYTHON-EXPR [WHAT]: the expression over d (parsed JSON)
# and the environment must hold; prints the JSON if not.
jcheck() {
	python3 - "$1" "$2" <<'PY' || die "${3:-JSON check}: $2"
import json, os, sys
d = json.load(open(sys.argv[1]))
env = os.environ
ok = eval(sys.argv[2])
if not ok:
    print(json.dumps(d, indent=2), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

log "SAN up"
t0=$SECONDS
"$SAN" up --initiators 2 --targets 1
log "SAN up in $((SECONDS - t0)) s"

# (no process substitution: the test guest has no /dev/fd)
awk '$1 == "initiator" { print $2, $3 }' "$STATE/ports" >initiators
mapfile -t initiators <initiators
((${#initiators[@]} == 2)) || die "SAN lists ${#initiators[@]} initiators, want 2"

vportctl -j hba list >list.json || die "vportctl -j hba list failed"
vportctl hba list >list.txt || die "vportctl hba list failed"
cat list.txt
for line in "${initiators[@]}"; do
	read -r ifname wwpn <<<"$line"
	host=$(basename /sys/class/net/"$ifname"/ctlr_*/host*)
	[[ -e /sys/class/fc_host/$host ]] || die "no fc_host for $ifname"
	export IFNAME=$ifname WWPN=$wwpn HOST=$host
	# The port as vportctl sees it, checked against what the SAN set up.
	python3 - list.json >fields <<'PY' || die "$ifname ($host): vportctl's view is wrong"
import json, os, sys
env = os.environ
d = json.load(open(sys.argv[1]))
if [h["name"] for h in d if h["wwpn"] == env["WWPN"]] != [env["HOST"]]:
    sys.exit("WWPN %s is not listed as %s" % (env["WWPN"], env["HOST"]))
h = [h for h in d if h["name"] == env["HOST"]][0]
bad = []
def want(cond, what):
    if not cond: bad.append(what)
want(h["wwpn"] == env["WWPN"], "wwpn")
want(h["wwnn"] == "10:00:" + env["WWPN"][6:], "wwnn")
want(h["port_state"] == "Online", "port_state Online")
want(h.get("fabric_name") not in (None, "00:00:00:00:00:00:00:00"), "fabric_name set")
want(h.get("max_vports", 0) > 0, "max_vports > 0")
want(h.get("vports_in_use") == 0 and h.get("vports") == [], "no vports yet")
want(h["is_vport"] is False, "not a vport")
want(h.get("driver") == "fcoe", "driver fcoe")
want("pci_address" not in h, "no PCI address for software FCoE")
want(h.get("port_id", "").startswith("0x") and h["port_id"] != "0x000000", "port_id")
f = h.get("fcoe", {})
want(f.get("netdev") == env["IFNAME"] and f.get("mode") == "Fabric" and f.get("enabled") is True,
     "fcoe controller on the interface, fabric mode, enabled")
sel = [x for x in f.get("fcfs", []) if x.get("selected")]
want(len(sel) == 1 and sel[0].get("fabric_name") == h.get("fabric_name"),
     "selected FCF with the port's fabric name")
if bad:
    print(json.dumps(h, indent=2), file=sys.stderr)
    print("wrong:", ", ".join(bad), file=sys.stderr)
    sys.exit(1)
print(h["max_vports"], h["fabric_name"])
PY
	read -r max_vports fabric <fields
	# The same, read directly from sysfs.
	expect_eq "$host port_name" "$(cat /sys/class/fc_host/$host/port_name)" "0x$(hex "$wwpn")"
	expect_eq "$host max_npiv_vports" "$max_vports" "$(cat /sys/class/fc_host/$host/max_npiv_vports)"
	expect_eq "$host fabric_name" "0x$(hex "$fabric")" "$(cat /sys/class/fc_host/$host/fabric_name)"
	grep -E "^$host +$wwpn +10:00:${wwpn:6} +Online " list.txt >/dev/null ||
		die "text list lacks '$host $wwpn ... Online'"
	log "$ifname: $host $wwpn Online, fabric $fabric, max vports $max_vports"
done

# The same port by WWPN, in every form, is the same port.
read -r ifname wwpn <<<"${initiators[0]}"
parent=$(basename /sys/class/net/"$ifname"/ctlr_*/host*)
vportctl -j hba show "$parent" >byname.json
for form in "$wwpn" "0x$(hex "$wwpn")" "naa.$(hex "$wwpn")" "$(hex "$wwpn")"; do
	vportctl -j hba show "$form" >byform.json || die "hba show $form failed"
	python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); a.pop("port_id"); b.pop("port_id"); sys.exit(a!=b)' \
		byname.json byform.json || die "hba show $form is not hba show $parent"
done

# A vport by hand, through sysfs.
log "vport_create $VP_WWPN on $parent"
t0=$SECONDS
timeout 60 bash -c "echo $(hex $VP_WWPN):$(hex $VP_WWNN) >/sys/class/fc_host/$parent/vport_create" ||
	die "vport_create on $parent failed or hung"
vport_state() {
	local v
	for v in /sys/class/fc_vports/vport-"${parent#host}":*; do
		[[ $(cat "$v/port_name" 2>/dev/null) == "0x$(hex $VP_WWPN)" ]] && cat "$v/vport_state"
	done
}
vport_active() { [[ $(vport_state) == Active ]]; }
wait_for 30 vport_active || die "vport not Active after 30 s (state '$(vport_state)')"
log "vport Active after $((SECONDS - t0)) s"

export PARENT=$parent VP_WWPN VP_WWNN
vportctl -j hba show "$parent" >parent.json || die "hba show $parent failed"
jcheck parent.json 'd["vports_in_use"] == 1 and len(d["vports"]) == 1' "$parent lists one vport"
jcheck parent.json 'd["vports"][0]["wwpn"] == env["VP_WWPN"] and d["vports"][0]["wwnn"] == env["VP_WWNN"]' \
	"vport names"
jcheck parent.json 'd["vports"][0]["state"] == "Active" and d["vports"][0]["name"].startswith("vport-" + env["PARENT"][4:] + ":")' \
	"vport state and name"
jcheck parent.json '"host" in d["vports"][0]' "vport's own SCSI host"
vhost=$(python3 -c 'import json; print(json.load(open("parent.json"))["vports"][0]["host"])')
vname=$(python3 -c 'import json; print(json.load(open("parent.json"))["vports"][0]["name"])')
export VHOST=$vhost VNAME=$vname

vportctl hba show "$parent" >parent.txt
cat parent.txt
grep -q "^        $vname\$" parent.txt || die "text show lacks the vport $vname"
grep -qE "^ +state +Active\$" parent.txt || die "text show lacks the vport's state"

# The vport's own port, by WWPN: a vport, naming its parent.
log "hba show $VP_WWPN"
vportctl -j hba show "$VP_WWPN" >vport.json || die "hba show $VP_WWPN failed"
jcheck vport.json 'd["name"] == env["VHOST"] and d["is_vport"] and d["parent"] == env["PARENT"] and d["vport"] == env["VNAME"]' \
	"vport's port names its parent"
wait_for 10 bash -c "vportctl -j hba show '$vhost' | grep -q '\"port_state\":\"Online\"'" ||
	die "vport's port $vhost not Online"
vportctl -j hba list >list2.json
jcheck list2.json 'sum(1 for h in d if h.get("parent") == env["PARENT"]) == 1' "list shows the vport's port once"

# Errors on a live system.
log "errors"
set +e
vportctl hba show host999 >out.txt 2>err.txt; rc=$?
set -e
expect_eq "hba show host999 exit" "$rc" 1
expect_eq "hba show host999 message" "$(cat err.txt)" "vportctl: hba host999: no such FC host"

# Delete it: gone from the parent's list.
log "vport_delete"
timeout 60 bash -c "echo $(hex $VP_WWPN):$(hex $VP_WWNN) >/sys/class/fc_host/$parent/vport_delete" ||
	die "vport_delete failed or hung"
log "vport deleted"
wait_for 10 bash -c "vportctl -j hba show '$parent' | grep -q '\"vports_in_use\":0'" ||
	die "vport still listed after vport_delete"
vportctl -j hba show "$parent" >after.json
jcheck after.json 'd["vports"] == []' "no vports after delete"
set +e
vportctl hba show "$VP_WWPN" 2>err.txt; rc=$?
set -e
expect_eq "hba show deleted vport exit" "$rc" 1
grep -q "no FC host has this WWPN" err.txt || die "deleted vport: $(cat err.txt)"

# Tear down: the SAN's ports leave the list.
trap - EXIT
"$SAN" down
vportctl -j hba list >final.json
jcheck final.json 'not any(h["wwpn"].startswith("20:00:52:56:00:") for h in d)' "SAN ports gone after down"
log "ok"
