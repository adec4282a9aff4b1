#!/bin/bash
# vportctl migrate describe | prepare | commit | abort on the software SAN,
# with sleep(1) standing in for the source and destination QEMUs (holding
# the vport fds) and sg_persist/sg_raw on the vports' bsg nodes standing in
# for the guest's SCSI commands.  tests/e2e/migrate.sh does the same with
# real QEMUs and a real guest.
#  - prepare refuses a WWPN that sees other LUNs than A (and A's own WWPN),
#    deleting the vport it made;
#  - prepare copies A's target-id table and registers B with A's key;
#  - abort unregisters B and leaves A holding its reservation;
#  - commit moves A's Write Exclusive reservation to B with PREEMPT and
#    removes A's registration; afterwards A and a third initiator C are
#    locked out of writing, B writes; abort after commit is refused.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
VPORTCTL=$VV_BUILD/user/tools/vportctl/vportctl
C_WWPN=21:00:00:00:5a:00:00:03 C_WWNN=20:00:00:00:5a:00:00:03
KEY=0xabc123
vv_load
san_up --initiators 2 --targets 1 --luns 2 --lun-mb 16
h0=$(host_of vsan-i0) h1=$(host_of vsan-i1)
pids=()
trap san_cleanup_pids EXIT

source "$VV_ROOT/tests/guest/vportctl/pr-lib.sh"
hexa=210000005a0000

log "vport A (the VM's WWPN A) on $h0, a third initiator C on $h0"
hold "$NPIV1_WWPN" "$NPIV1_WWNN" "$h0"
hold "$C_WWPN" "$C_WWNN" "$h0"
a0=$(lun "$NPIV1_WWPN" 0) a1=$(lun "$NPIV1_WWPN" 1) c0=$(lun "$C_WWPN" 0)
log "the guest (through A) registers $KEY on both LUNs and reserves LUN 0 Write Exclusive"
sgr sg_persist --out --register --param-sark=$KEY "$a0" >/dev/null
sgr sg_persist --out --register --param-sark=$KEY "$a1" >/dev/null
sgr sg_persist --out --reserve --param-rk=$KEY --prout-type=1 "$a0" >/dev/null
full "$a0" | tee st.txt
expect_eq "LUN 0 before" "$(cat st.txt)" "0xabc123 ${hexa}01 holder"
expect_eq "C's write before" "$(write "$c0")" CONFLICT
expect_eq "A's write before" "$(write "$a0")" GOOD

log "migrate describe"
"$VPORTCTL" migrate describe "$NPIV1_WWPN"
"$VPORTCTL" -j migrate describe "$NPIV1_WWPN" -o a.json >/dev/null
python3 - a.json <<'PY' || die "describe: $(cat a.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["wwpn"] == "21:00:00:00:5a:00:00:01", d
assert d["targets"] == [{"id": 0, "wwpn": "20:00:52:56:00:02:00:00"}], d["targets"]
assert [l["lun"] for l in d["luns"]] == [0, 1], d["luns"]
assert all(any(i.startswith("naa:") for i in l["ids"]) for l in d["luns"]), d["luns"]
PY

log "prepare refuses a WWPN masked from A's LUNs, and A's own WWPN"
set +e
"$VPORTCTL" migrate prepare --from "$NPIV1_WWPN" --wwpn "$MASKED_WWPN" --wwnn "$MASKED_WWNN" --lun-wait 5 \
	--parent "$h1" -- sh -c 'touch ran' {fd} 2>err1; rc1=$?
"$VPORTCTL" migrate prepare --source a.json --wwpn "$NPIV1_WWPN" --wwnn "$NPIV1_WWNN" \
	--parent "$h1" -- sh -c 'touch ran' {fd} 2>err2; rc2=$?
set -e
cat err1 err2
expect_eq "masked prepare exit status" "$rc1" 1
grep -q "A sees it, B does not" err1 || die "masked: no LUN named"
expect_eq "same-WWPN prepare exit status" "$rc2" 1
grep -q "other WWPN" err2 || die "same WWPN: no reason"
[[ ! -e ran ]] || die "prepare ran its command after refusing"
"$VPORTCTL" vport show "$MASKED_WWPN" >/dev/null 2>&1 && die "the refused vport B is still there"

log "prepare B on $h1 from the describe file; then abort"
"$VPORTCTL" -j migrate prepare --source a.json --wwpn "$NPIV2_WWPN" --wwnn "$NPIV2_WWNN" \
	--parent "$h1" -- sh -c 'exec sleep 3600' {fd} >prep.json &
pb=$!; pids+=($pb)
wait_for 60 "$VPORTCTL" vport show "$NPIV2_WWPN" >/dev/null || die "B not created"
wait_for 30 test -s prep.json
python3 - prep.json <<'PY' || die "prepare: $(cat prep.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["luns_checked"] == 2, d
assert d["targets"] == [{"id": 0, "wwpn": "20:00:52:56:00:02:00:00"}], d
acts = [(r["action"], r["key"]) for r in d["reservations"]]
assert acts == [("registered", "0xabc123")] * 2, acts
PY
b0=$(lun "$NPIV2_WWPN" 0) b1=$(lun "$NPIV2_WWPN" 1)
"$VPORTCTL" -j vport show "$NPIV2_WWPN" | grep -Eq '"target_id": ?0' || die "B's target id"
full "$a0" | sort > st.txt
expect_eq "LUN 0 after prepare" "$(cat st.txt)" "0xabc123 ${hexa}01 holder
0xabc123 ${hexa}02 -"
expect_eq "B's write before commit (registered, not holder)" "$(write "$b0")" CONFLICT
"$VPORTCTL" migrate abort --from "$NPIV1_WWPN" --to "$NPIV2_WWPN"
full "$a0" > st.txt
expect_eq "LUN 0 after abort" "$(cat st.txt)" "0xabc123 ${hexa}01 holder"
expect_eq "LUN 1 after abort" "$(full "$a1")" "0xabc123 ${hexa}01 -"
expect_eq "A's write after abort" "$(write "$a0")" GOOD
kill $pb; wait $pb 2>/dev/null || true
wait_for 30 bash -c "! '$VPORTCTL' vport show $NPIV2_WWPN >/dev/null 2>&1" || die "B not deleted"

log "prepare B again (--from); commit"
"$VPORTCTL" migrate prepare --from "$NPIV1_WWPN" --wwpn "$NPIV2_WWPN" --wwnn "$NPIV2_WWNN" \
	--parent "$h1" -- sh -c 'exec sleep 3600' {fd} &
pb=$!; pids+=($pb)
wait_for 60 "$VPORTCTL" vport show "$NPIV2_WWPN" >/dev/null || die "B not created"
b0=$(lun "$NPIV2_WWPN" 0) b1=$(lun "$NPIV2_WWPN" 1)
wait_for 30 bash -c "sg_persist --in --read-keys $b0 | grep -c 0xabc123 | grep -qx 2"
"$VPORTCTL" -j migrate commit --from "$NPIV1_WWPN" --to "$NPIV2_WWPN" | tee commit.json
python3 - commit.json <<'PY' || die "commit JSON"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["reservations"]
assert [x["action"] for x in r] == ["preempted", "preempted"], r
assert r[0]["reservation"] == "write-exclusive" and r[1]["reservation"] == "none", r
PY
expect_eq "LUN 0 after commit" "$(full "$b0")" "0xabc123 ${hexa}02 holder"
expect_eq "LUN 1 after commit" "$(full "$b1")" "0xabc123 ${hexa}02 -"
expect_eq "B's write after commit" "$(write "$b0")" GOOD
expect_eq "A's write after commit" "$(write "$a0")" CONFLICT
expect_eq "C's write after commit" "$(write "$c0")" CONFLICT
sgr sg_persist --in --read-reservation "$b0" | tee res.txt
grep -q "Key=0xabc123" res.txt && grep -qi "Write Exclusive" res.txt || die "reservation"

log "abort after commit is refused and changes nothing"
set +e
"$VPORTCTL" migrate abort --from "$NPIV1_WWPN" --to "$NPIV2_WWPN" 2>err3; rc3=$?
set -e
cat err3
expect_eq "abort after commit exit status" "$rc3" 1
grep -q "committed" err3 || die "abort after commit: no reason"
expect_eq "LUN 0 after refused abort" "$(full "$b0")" "0xabc123 ${hexa}02 holder"

log "commit without B registered is refused (C has no registration of A's key)"
set +e
"$VPORTCTL" migrate commit --from "$NPIV2_WWPN" --to "$C_WWPN" 2>err4; rc4=$?
set -e
cat err4
expect_eq "commit without prepare exit status" "$rc4" 1
grep -q "is not registered with A's key" err4 || die "commit without prepare: no reason"
expect_eq "LUN 0 after refused commit" "$(full "$b0")" "0xabc123 ${hexa}02 holder"

sgr sg_persist --out --clear --param-rk=$KEY "$b0" >/dev/null
kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
wait_for 60 bash -c "[[ -z \$(ls /sys/class/fc_vports) ]]" || die "vports left: $(ls /sys/class/fc_vports)"
log "ok"
