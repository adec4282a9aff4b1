#!/bin/bash
# vport-san up/down, in fabric and VN2VN mode, leaves nothing behind: no
# fcoe hosts, no LIO objects, no veths or bridge, no FCF process, no tc
# rules, no state; and bad input is refused without leaving anything.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
T=/sys/kernel/config/target

leftovers() {
	local out=""
	compgen -G "/sys/class/fc_host/host*" >/dev/null && out+=" fc_hosts:$(ls /sys/class/fc_host | tr '\n' ' ')"
	compgen -G "/sys/bus/fcoe/devices/ctlr_*" >/dev/null && out+=" fcoe_ctlrs"
	ip -o link show | grep -q 'vsan-' && out+=" links:$(ip -o link show | grep -o 'vsan-[a-z0-9-]*' | sort -u | tr '\n' ' ')"
	pgrep -x vport-fcf >/dev/null && out+=" vport-fcf-process"
	compgen -G "$T/fc/*:*" >/dev/null && out+=" lio-fc-wwns"
	compgen -G "$T/core/rd_mcp_*" >/dev/null && out+=" lio-rd_mcp"
	compgen -G "$T/core/fileio_*" >/dev/null && out+=" lio-fileio"
	[[ -e $SAN_STATE ]] && out+=" $SAN_STATE"
	tc filter show block 4242 2>/dev/null | grep -q . && out+=" tc-block-4242"
	echo "$out"
}

trap 'set +e; "$SAN" down >/dev/null 2>&1' EXIT
expect_eq "leftovers before" "$(leftovers)" ""

for setup in fabric,ram vn2vn,file; do
	mode=${setup%,*} backstore=${setup#*,}
	{
		log "up: $mode, $backstore backstore"
		"$SAN" up --mode "$mode" --backstore "$backstore" --initiators 2 --targets 2 \
			--luns 2 --lun-mb 8 >/tmp/up.out
		cat /tmp/up.out
		grep -q "^initiator vsan-i1 " /tmp/up.out || die "up did not list vsan-i1"
		grep -q "^target    vsan-t1 " /tmp/up.out || die "up did not list vsan-t1"
		[[ -n $(leftovers) ]] || die "up made nothing?"
		# The LIO side: 2 targets x 2 LUNs, ACLs for both initiators and the NPIV WWPNs.
		expect_eq "tcm_fc targets" "$(ls -d $T/fc/*:* | wc -l)" 2
		expect_eq "LUNs of target 0" "$(ls -d $T/fc/20:00:52:56:00:02:00:00/tpgt_1/lun/lun_* | wc -l)" 2
		for acl in 20:00:52:56:00:01:00:00 20:00:52:56:00:01:00:01 "$NPIV1_WWPN" "$NPIV2_WWPN"; do
			[[ -L $T/fc/20:00:52:56:00:02:00:01/tpgt_1/acls/$acl/lun_1/map ]] ||
				die "no ACL mapping of lun_1 for $acl"
		done
		[[ ! -e $T/fc/20:00:52:56:00:02:00:00/tpgt_1/acls/$MASKED_WWPN ]] ||
			die "$MASKED_WWPN must not have an ACL"
		"$SAN" status >/tmp/status.out
		grep -q "SAN mode $mode" /tmp/status.out || die "status does not say mode $mode"
		expect_eq "ports Online in status" "$(grep -Ec '^(initiator|target) .* Online ' /tmp/status.out)" 4
		if [[ $mode == fabric ]]; then
			grep -q "FCF vport-fcf pid" /tmp/status.out || die "status shows no FCF"
			pgrep -x vport-fcf >/dev/null || die "no vport-fcf process"
		else
			pgrep -x vport-fcf >/dev/null && die "vport-fcf runs in vn2vn mode"
		fi
		"$SAN" up --initiators 1 2>/tmp/err.out && die "second up succeeded"
		grep -q "already up" /tmp/err.out || die "second up: wrong error: $(cat /tmp/err.out)"
		"$SAN" down
		expect_eq "leftovers after $mode/$backstore down" "$(leftovers)" ""
	}
done

log "bad input is refused and leaves nothing"
for args in "--initiators 0" "--targets x" "--mode switch" "--backstore tape" \
	"--acl 21:00:00:00:5a:00:00" "--bogus"; do
	# shellcheck disable=SC2086
	if "$SAN" up $args 2>/tmp/err.out; then die "up $args succeeded"; fi
	grep -q "error:" /tmp/err.out || die "up $args: no error message"
	expect_eq "leftovers after 'up $args'" "$(leftovers)" ""
done
"$SAN" link down vsan-i0 2>/dev/null && die "link down without a SAN succeeded"
"$SAN" status >/dev/null && die "status without a SAN succeeded"
"$SAN" bogus 2>/dev/null && die "unknown command succeeded"
"$SAN" --help >/tmp/help.out
grep -q "21:00:00:00:5a:00:00:0N" /tmp/help.out || die "--help does not document the NPIV WWPNs"
"$SAN" down
log "ok"
