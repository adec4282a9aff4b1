#!/bin/bash
# Fabric mode: every physical port logs in to vport-fcf and is Online with an
# N_Port ID from the FCF, the fabric name is the FCF's, initiators see the
# target as an FCP target with its LUN, and frames between ports go through
# the FCF's in-kernel rules, not its socket.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"

san_up --initiators 2 --targets 1 --luns 2 --lun-mb 16
for ifc in vsan-t0 vsan-i0 vsan-i1; do
	h=$(host_of "$ifc") || die "no fc_host on $ifc"
	expect_eq "$ifc port_state" "$(port_state_of "$h")" Online
	expect_eq "$ifc fabric_name" "$(cat /sys/class/fc_host/$h/fabric_name)" 0x10000000fcf00001
	id=$(cat /sys/class/fc_host/$h/port_id)
	[[ $id =~ ^0x01[0-9a-f]{2}00$ ]] || die "$ifc port_id $id is not an FCF-assigned N_Port ID"
	mac=$(cat /sys/class/fc_host/$h/port_name)
done
# The ports' WWPNs are the documented, deterministic ones.
expect_eq "vsan-i0 WWPN" "$(cat /sys/class/fc_host/$(host_of vsan-i0)/port_name)" 0x2000525600010000
expect_eq "vsan-t0 WWPN" "$(cat /sys/class/fc_host/$(host_of vsan-t0)/port_name)" 0x2000525600020000

for ifc in vsan-i0 vsan-i1; do
	h=$(host_of "$ifc")
	tgt=""
	for r in /sys/class/fc_remote_ports/rport-"${h#host}":*; do
		[[ $(cat "$r/port_name") == 0x2000525600020000 ]] && tgt=$r
	done
	[[ -n $tgt ]] || die "$ifc does not see the target"
	grep -q "FCP Target" "$tgt/roles" || die "$ifc: target roles are $(cat "$tgt/roles")"
	expect_eq "$ifc target rport state" "$(cat "$tgt/port_state")" Online
	wait_for 20 lun_count_is "$h" 2 ||
		die "$ifc: LUNs missing: $(luns_of "$h" | tr '\n' ' ')"
	expect_eq "$ifc LUN 0 vendor" "$(cat /sys/class/scsi_device/$(luns_of "$h" | head -1)/device/vendor | tr -d ' ')" LIO-ORG
done

# One kernel rule per logged-in port; all logins use kernel forwarding.
rules() { tc filter show block 4242 | grep -c 'Egress Redirect'; }
rules_are() { [[ $(rules) == "$1" ]]; }
wait_for 20 rules_are 3 || die "tc rules: $(rules), want 3"
"$SAN" fcf status >/tmp/fcf.status
cat /tmp/fcf.status
expect_eq "logins" "$(grep -c '^login ' /tmp/fcf.status)" 3
expect_eq "logins with kernel forwarding" "$(grep -c '^login .*forwarding kernel' /tmp/fcf.status)" 3
for w in 20:00:52:56:00:02:00:00 20:00:52:56:00:01:00:00 20:00:52:56:00:01:00:01; do
	fcf_log_has "FLOGI: WWPN $w " || die "no FLOGI log line for $w"
done
expect_eq "kernel forwarding log lines" "$(grep -c 'kernel forwarding for N_Port ID' $SAN_STATE/fcf.log)" 3

# Reading 4 MiB from the LUN moves its frames through the kernel rules and
# not through the FCF process.
hits() { tc -s filter show block 4242 | grep -o 'success [0-9]*' | awk '{s+=$2} END {print s+0}'; }
slow() { "$SAN" fcf status | head -1 | grep -o 'userspace-forwarded [0-9]*' | awk '{print $2}'; }
modprobe sd_mod
h=$(host_of vsan-i0)
wait_for 30 disk_of "$h" >/dev/null || die "no disk behind $h"
hits0=$(hits) slow0=$(slow)
dd if=/dev/$(disk_of "$h") of=/dev/null bs=64k count=64 iflag=direct status=none
hits1=$(hits) slow1=$(slow)
echo "rule hits $hits0 -> $hits1, userspace-forwarded $slow0 -> $slow1"
((hits1 - hits0 >= 64)) || die "the 4 MiB read did not pass the kernel rules"
expect_eq "frames forwarded by the FCF process during the read" "$((slow1 - slow0))" 0
# Bad control commands are refused.
"$SAN" fcf bogus command 2>/dev/null && die "FCF accepted a bogus command"
"$SAN" fcf link down no-such-port 2>/dev/null && die "FCF accepted an unknown port"
"$SAN" link down no-such-port 2>/dev/null && die "vport-san accepted an unknown port"
log "ok"
