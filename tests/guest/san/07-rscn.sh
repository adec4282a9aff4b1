#!/bin/bash
# RSCN: when a target port leaves the fabric its initiators drop it, and when
# a target port logs in the initiator discovers it (and its LUN) on the
# FCF's RSCN alone, without any rescan.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

san_up --initiators 1 --targets 2 --lun-mb 8
h=$(host_of vsan-i0)
T1=0x2000525600020001

# target_state WWPN: state of the initiator's rport for WWPN ("none" if absent).
target_state() {
	local r
	for r in /sys/class/fc_remote_ports/rport-"${h#host}":*; do
		if [[ $(cat "$r/port_name") == "$1" ]]; then
			cat "$r/port_state"; return
		fi
	done
	echo none
}
target_online() { [[ $(target_state "$1") == Online ]]; }
target_gone() { [[ $(target_state "$1") != Online ]]; }

expect_eq "target 1 at start" "$(target_state $T1)" Online
"$SAN" link down vsan-t1
wait_for 30 target_gone $T1 || die "initiator still sees target 1 Online after it left"
echo "target 1 after leaving: $(target_state $T1)"
rscn_before=$(grep -c "SCR: " "$SAN_STATE/fcf.log")

"$SAN" link up vsan-t1
wait_for 60 target_online $T1 || die "initiator did not discover target 1 (state $(target_state $T1))"
wait_for 30 lun_count_is "$h" 2 || die "LUN of target 1 not discovered: $(luns_of "$h" | tr '\n' ' ')"
fcf_log_has "SCR: 010[0-9a-f]00 \(WWPN 20:00:52:56:00:02:00:01\)" || die "no SCR from target 1"
((rscn_before < $(grep -c "SCR: " "$SAN_STATE/fcf.log"))) || die "target 1 did not register again"
log "ok"
