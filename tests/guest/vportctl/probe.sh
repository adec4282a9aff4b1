#!/bin/bash
# vportctl probe on the software SAN: a WWPN in the target's ACL sees the
# target and its two LUNs (LIO vendor, capacity, an NAA identifier); a masked
# WWPN logs in but sees no LUN; bad input changes nothing; no vport is left
# behind.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
VPORTCTL=$VV_BUILD/user/tools/vportctl/vportctl
vv_load
san_up --initiators 1 --targets 1 --luns 2 --lun-mb 16
h=$(host_of vsan-i0)
pw=$(cat "/sys/class/fc_host/$h/port_name")

log "vportctl probe (text)"
"$VPORTCTL" probe --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWNN" --parent-wwpn "$pw" | tee probe.txt
grep -q "targets: 1, LUNs: 2" probe.txt || die "text summary: $(cat probe.txt)"

log "vportctl -j probe"
"$VPORTCTL" -j probe --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWNN" --parent "$h" > probe.json
python3 - probe.json <<'PY' || die "JSON: $(cat probe.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["wwpn"] == "21:00:00:00:5a:00:00:01", d["wwpn"]
assert d["targets"] == ["20:00:52:56:00:02:00:00"], d["targets"]
luns = d["luns"]
assert [l["lun"] for l in luns] == [0, 1], luns
for l in luns:
    assert l["target"] == "20:00:52:56:00:02:00:00", l
    assert l["vendor"] == "LIO-ORG", l
    assert l["type"] == 0, l
    assert l["bytes"] == 16 << 20, l
    assert any(i.startswith("naa:6001405") for i in l["ids"]), l["ids"]
    assert "error" not in l, l
# Two LUNs, two identities.
assert len({tuple(l["ids"]) for l in luns}) == 2
PY

# tcm_fc refuses the process login (PRLI) of an initiator it has no ACL for,
# so on this SAN a masked WWPN does not even see an FCP target.
log "a masked WWPN logs in to the fabric and sees no LUN"
"$VPORTCTL" -j probe --wwpn "$MASKED_WWPN" --wwnn "$MASKED_WWNN" --parent "$h" > masked.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["luns"] == [] and d["port_id"] and d["wwpn"] == "21:00:00:00:5a:00:00:ff", d' \
	masked.json || die "masked: $(cat masked.json)"

log "bad input: clear errors, exit status, nothing created"
set +e
"$VPORTCTL" probe --wwpn 0 --wwnn "$NPIV1_WWNN" 2> err1; rc1=$?
"$VPORTCTL" probe --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWNN" --parent host99 2> err2; rc2=$?
"$VPORTCTL" probe --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWPN" --parent "$h" 2> err3; rc3=$?
set -e
cat err1 err2 err3
expect_eq "malformed WWPN exit status" "$rc1" 2
expect_eq "unknown parent exit status" "$rc2" 1
grep -q "host99" err2 || die "unknown parent not named: $(cat err2)"
expect_eq "WWPN equal to WWNN exit status (usage)" "$rc3" 2
grep -q "21:00:00:00:5a:00:00:01" err3 || die "WWPN not named: $(cat err3)"
[[ -z $(ls /sys/class/fc_vports) ]] || die "vports left behind: $(ls /sys/class/fc_vports)"
log "ok"
