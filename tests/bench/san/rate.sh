#!/bin/bash
# Benchmark: random 4 KiB reads (fio, O_DIRECT, libaio) at queue depth 1 and
# 32, ~10 s each, on the same kind of LUN (a 64 MiB LIO RAM disk behind
# tcm_fc) reached (a) over VN2VN, initiator and target on one Ethernet
# segment without a switch, and (b) through an NPIV vport logged in via the
# software FCF (vport-fcf, kernel forwarding).  Prints the four IOPS
# numbers and the FCF/VN2VN ratios; exits non-zero if the FCF path reaches
# less than half the VN2VN rate at either depth.
#   tests/vm/vmrun [--kernel 6.12] tests/bench/san
# RUNTIME=S sets the seconds per run (default 10).
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

RUNTIME=${RUNTIME:-10}
command -v fio >/dev/null || skip "fio not installed"
modprobe sd_mod

# fio_iops DEV QD: randread 4k IOPS on /dev/DEV.
fio_iops() {
	fio --name=rr --filename="/dev/$1" --rw=randread --bs=4k --direct=1 \
		--ioengine=libaio --iodepth="$2" --runtime="$RUNTIME" --time_based \
		--ramp_time=1 --output-format=json 2>/dev/null |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["jobs"][0]["read"]["iops"]))'
}

declare -A iops

log "VN2VN: one initiator, one target, no FCF"
san_up --mode vn2vn --initiators 1 --targets 1 --lun-mb 64
h=$(host_of vsan-i0)
wait_for 30 disk_of "$h" >/dev/null || die "no disk for $h over VN2VN"
dev=$(disk_of "$h")
for qd in 1 32; do
	iops[vn2vn,$qd]=$(fio_iops "$dev" "$qd")
	log "VN2VN QD$qd: ${iops[vn2vn,$qd]} IOPS on $dev"
done
"$SAN" down
trap - EXIT

log "fabric: NPIV vport $NPIV1_WWPN through vport-fcf"
san_up --mode fabric --initiators 1 --targets 1 --lun-mb 64
h=$(host_of vsan-i0)
vport_create "$h" "$NPIV1_WWPN" "$NPIV1_WWNN"
wait_for 30 vport_host "$NPIV1_WWPN" >/dev/null || die "vport $NPIV1_WWPN made no host"
vh=$(vport_host "$NPIV1_WWPN")
wait_for 30 disk_of "$vh" >/dev/null || die "no disk behind vport host $vh"
dev=$(disk_of "$vh")
# Measure the kernel data path: wait until the FCF's rule for the vport is in.
vport_in_kernel() { "$SAN" fcf status | grep -q "wwpn $NPIV1_WWPN .*forwarding kernel"; }
wait_for 120 vport_in_kernel || die "the FCF installed no kernel rule for the vport"
slow() { "$SAN" fcf status | head -1 | grep -o 'userspace-forwarded [0-9]*' | awk '{print $2}'; }
slow0=$(slow)
for qd in 1 32; do
	iops[fcf,$qd]=$(fio_iops "$dev" "$qd")
	log "FCF vport QD$qd: ${iops[fcf,$qd]} IOPS on $dev"
done
slow1=$(slow)
echo "frames the FCF process forwarded itself during the runs: $((slow1 - slow0))"

fail=0
echo
printf '%-28s %10s %10s\n' "randread 4k IOPS" QD1 QD32
printf '%-28s %10s %10s\n' "VN2VN (no FCF)" "${iops[vn2vn,1]}" "${iops[vn2vn,32]}"
printf '%-28s %10s %10s\n' "NPIV vport via vport-fcf" "${iops[fcf,1]}" "${iops[fcf,32]}"
for qd in 1 32; do
	ratio=$(python3 -c "print(f'{${iops[fcf,$qd]}/max(1,${iops[vn2vn,$qd]}):.2f}')")
	echo "ratio FCF/VN2VN at QD$qd: $ratio (required >= 0.50)"
	python3 -c "import sys; sys.exit(0 if ${iops[fcf,$qd]} >= 0.5*${iops[vn2vn,$qd]} else 1)" || fail=1
done
((fail == 0)) || die "the FCF path is slower than half of VN2VN"
