#!/bin/bash
# vportctl migrate commit with every other persistent-reservation type than
# Write Exclusive (tests/guest/vportctl/migrate.sh has that one): Exclusive
# Access, the two registrants-only and the two all-registrants types.  The
# VM's reservation hops A -> B -> A -> ..., one type per hop, each hop a
# prepare (sleep holds the fd) and a commit.  After every commit the
# destination alone is registered and holds a reservation of the same type;
# a third initiator C, never registered, is refused writes under every type
# and reads under the exclusive-access ones; the old source is refused writes.
# Under an all-registrants type a prepared B is a holder at once (it is a
# registrant), so abort is checked there too: B unregistered, A keeps it.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
VPORTCTL=$VV_BUILD/user/tools/vportctl/vportctl
C_WWPN=21:00:00:00:5a:00:00:03 C_WWNN=20:00:00:00:5a:00:00:03
KEY=0x5eed0042
vv_load
san_up --initiators 2 --targets 1 --luns 1 --lun-mb 16
h0=$(host_of vsan-i0) h1=$(host_of vsan-i1)
pids=()
trap san_cleanup_pids EXIT
source "$VV_ROOT/tests/guest/vportctl/pr-lib.sh"
hexa=210000005a0000

declare -A NAME=([3]=exclusive-access [5]=write-exclusive-registrants-only
	[6]=exclusive-access-registrants-only [7]=write-exclusive-all-registrants
	[8]=exclusive-access-all-registrants)
declare -A SGNAME=([3]="Exclusive Access" [5]="Write Exclusive, registrants only"
	[6]="Exclusive Access, registrants only" [7]="Write Exclusive, all registrants"
	[8]="Exclusive Access, all registrants")
# C's read under type T: refused by the exclusive-access types only.
c_read() { case $1 in 3|6|8) echo CONFLICT ;; *) echo GOOD ;; esac; }

# prepare_to SRC DST DST_WWNN PARENT: vport DST prepared from SRC, its fd held
# by a sleep; sets $prep to that process.
prepare_to() {
	"$VPORTCTL" migrate prepare --from "$1" --wwpn "$2" --wwnn "$3" --parent "$4" \
		-- sh -c 'exec sleep 3600' {fd} &
	prep=$!; pids+=($prep)
	wait_for 60 "$VPORTCTL" vport show "$2" >/dev/null || die "vport $2 not created"
	local dev
	dev=$(lun "$2" 0)
	wait_for 30 bash -c "sg_persist --in --read-keys $dev | grep -c $KEY | grep -qx 2" ||
		die "$2 not registered with $KEY"
}

log "vport A and a third initiator C on $h0; A registers $KEY"
hold "$NPIV1_WWPN" "$NPIV1_WWNN" "$h0"
src_pid=${pids[-1]}
hold "$C_WWPN" "$C_WWNN" "$h0"
c0=$(lun "$C_WWPN" 0)
src=$NPIV1_WWPN dst=$NPIV2_WWPN dst_wwnn=$NPIV2_WWNN dst_parent=$h1
s0=$(lun "$src" 0)
sgr sg_persist --out --register --param-sark=$KEY "$s0" >/dev/null
prev=0
for t in 3 5 6 7 8; do
	log "type $t (${NAME[$t]}): $src reserves, then the reservation moves to $dst"
	if ((prev)); then
		sgr sg_persist --out --release --param-rk=$KEY --prout-type=$prev "$s0" >/dev/null
	fi
	sgr sg_persist --out --reserve --param-rk=$KEY --prout-type=$t "$s0" >/dev/null
	expect_eq "type $t: source holds it" "$(full "$s0")" "$KEY ${hexa}${src##*:} holder"
	expect_eq "type $t: C's write before" "$(write "$c0")" CONFLICT
	expect_eq "type $t: C's read before" "$(read_block "$c0")" "$(c_read $t)"

	prepare_to "$src" "$dst" "$dst_wwnn" "$dst_parent"
	d0=$(lun "$dst" 0)
	if ((t == 7)); then
		log "type $t: abort a prepared destination (a holder, as a registrant)"
		expect_eq "type $t: prepared B writes (all registrants)" "$(write "$d0")" GOOD
		"$VPORTCTL" migrate abort --from "$src" --to "$dst"
		expect_eq "type $t: after abort" "$(full "$s0")" "$KEY ${hexa}${src##*:} holder"
		expect_eq "type $t: C's write after abort" "$(write "$c0")" CONFLICT
		kill "$prep"; wait "$prep" 2>/dev/null || true
		wait_for 30 bash -c "! '$VPORTCTL' vport show $dst >/dev/null 2>&1" || die "$dst not deleted"
		prepare_to "$src" "$dst" "$dst_wwnn" "$dst_parent"
		d0=$(lun "$dst" 0)
	fi
	"$VPORTCTL" -j migrate commit --from "$src" --to "$dst" > commit.json
	python3 - commit.json "${NAME[$t]}" <<'PY' || die "commit JSON: $(cat commit.json)"
import json, sys
r = json.load(open(sys.argv[1]))["reservations"]
assert [(x["action"], x["reservation"]) for x in r] == [("preempted", sys.argv[2])], r
PY
	expect_eq "type $t: after commit" "$(full "$d0")" "$KEY ${hexa}${dst##*:} holder"
	sgr sg_persist --in --read-reservation "$d0" > res.txt
	# An all-registrants reservation is reported with key 0 (SPC-4).
	rkey=$KEY; ((t < 7)) || rkey=0x0
	grep -q "Key=$rkey\b" res.txt && grep -qF "${SGNAME[$t]}" res.txt ||
		die "type $t: reservation after commit: $(cat res.txt)"
	expect_eq "type $t: destination's write" "$(write "$d0")" GOOD
	expect_eq "type $t: old source's write" "$(write "$s0")" CONFLICT
	expect_eq "type $t: C's write after" "$(write "$c0")" CONFLICT
	expect_eq "type $t: C's read after" "$(read_block "$c0")" "$(c_read $t)"

	# The old source goes (its QEMU quits); the destination is the next source.
	kill "$src_pid"; wait "$src_pid" 2>/dev/null || true
	wait_for 30 bash -c "! '$VPORTCTL' vport show $src >/dev/null 2>&1" || die "$src not deleted"
	old=$src src=$dst src_pid=$prep s0=$d0 prev=$t
	dst=$old
	if [[ $dst == "$NPIV1_WWPN" ]]; then
		dst_wwnn=$NPIV1_WWNN dst_parent=$h0
	else
		dst_wwnn=$NPIV2_WWNN dst_parent=$h1
	fi
done

sgr sg_persist --out --clear --param-rk=$KEY "$s0" >/dev/null
kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
wait_for 60 bash -c "[[ -z \$(ls /sys/class/fc_vports) ]]" || die "vports left: $(ls /sys/class/fc_vports)"
log "ok"
