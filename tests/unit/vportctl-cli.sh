#!/bin/bash
# vportctl's output and exit status against the fixture sysfs trees.
#
#   vportctl-cli.sh --list            the case names
#   vportctl-cli.sh VPORTCTL CASE     runs one case (exit 0 pass, 1 fail)
#
# Expected outputs are in expected/; after a deliberate output change,
# regenerate them with VPORTCTL_CLI_UPDATE=1 and review the diff.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
exp=$here/expected

cases=(
	list-text-pci list-json-pci list-text-fcoe list-json-fcoe list-no-fc
	show-text-pci show-json-pci show-json-vport show-text-fcoe-fabric show-by-wwpn
	text-matches-json
	err-unknown-host err-not-fc err-unknown-wwpn err-malformed-name err-usage
	help wwn-parse wwn-parse-invalid wwn-parse-malformed
	vport-no-module monitor-no-module vport-show-malformed
)
if [[ ${1:-} == --list ]]; then printf '%s\n' "${cases[@]}"; exit 0; fi
(($# == 2)) || { echo "usage: $0 VPORTCTL CASE | --list" >&2; exit 2; }
V=$1 case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL [$case]: $*" >&2; exit 1; }

# run ARGS...: runs vportctl, output in $tmp/out, $tmp/err, status in $rc.
run() {
	"$V" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
}
expect_rc() {
	[[ $rc == "$1" ]] || fail "vportctl ${*:2}: exit $rc, want $1; stderr: $(cat "$tmp/err")"
}
# golden NAME: stdout must equal expected/NAME.
golden() {
	if [[ ${VPORTCTL_CLI_UPDATE:-} == 1 ]]; then cp "$tmp/out" "$exp/$1"; return; fi
	diff -u "$exp/$1" "$tmp/out" >&2 || fail "output differs from expected/$1"
}
stderr_is() {
	[[ $(cat "$tmp/err") == "$1" ]] || fail "stderr: got '$(cat "$tmp/err")', want '$1'"
}
stderr_has() {
	grep -qF -- "$1" "$tmp/err" || fail "stderr lacks '$1': $(cat "$tmp/err")"
}
stdout_empty() {
	[[ ! -s $tmp/out ]] || fail "stdout not empty on error: $(cat "$tmp/out")"
}
json_check() { # PYTHON-EXPR over `d` (the parsed stdout) must be true
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$1" || fail "JSON check failed: $1"
}

case $case in
list-text-pci)
	run --sysfs-root "$fx/pci-npiv" hba list; expect_rc 0
	golden hba-list-pci-npiv.txt ;;
list-json-pci)
	run --sysfs-root "$fx/pci-npiv" -j -p hba list; expect_rc 0
	golden hba-list-pci-npiv.json
	json_check '[h["name"] for h in d] == ["host5", "host6", "host7", "host10"]'
	json_check 'd[0]["vports_in_use"] == 2 and d[0]["max_vports"] == 254'
	json_check '[v["name"] for v in d[0]["vports"]] == ["vport-5:0-0", "vport-5:0-1"]'
	json_check 'd[2]["is_vport"] and d[2]["parent"] == "host5" and "max_vports" not in d[2]'
	# -j without -p: one line, same data; -j also works after the subcommand.
	cp "$tmp/out" "$tmp/pretty"
	run --sysfs-root "$fx/pci-npiv" hba list -j; expect_rc 0
	[[ $(wc -l < "$tmp/out") == 1 ]] || fail "-j output is not one line"
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
		"$tmp/out" "$tmp/pretty" || fail "-j and -j -p differ" ;;
list-text-fcoe)
	run --sysfs-root "$fx/fcoe" hba list; expect_rc 0
	golden hba-list-fcoe.txt ;;
list-json-fcoe)
	run --sysfs-root "$fx/fcoe" --json --pretty hba list; expect_rc 0
	golden hba-list-fcoe.json
	json_check 'all("pci_address" not in h for h in d[:3]) and d[3]["pci_address"] == "0000:05:00.1"'
	json_check 'd[0]["fcoe"] == {"controller": "ctlr_0", "netdev": "vA", "mode": "VN2VN", "enabled": True}' ;;
list-no-fc)
	run --sysfs-root "$fx/no-fc" -j hba list; expect_rc 0
	[[ $(cat "$tmp/out") == "[]" ]] || fail "want [], got $(cat "$tmp/out")"
	run --sysfs-root "$fx/no-fc" hba list; expect_rc 0
	[[ $(wc -l < "$tmp/out") == 1 ]] || fail "want only the header line" ;;
show-text-pci)
	run --sysfs-root "$fx/pci-npiv" hba show host5; expect_rc 0
	golden hba-show-host5.txt ;;
show-json-pci)
	run --sysfs-root "$fx/pci-npiv" -j -p hba show host5; expect_rc 0
	golden hba-show-host5.json
	json_check 'd["name"] == "host5" and d["pci_address"] == "0000:03:00.0" and d["vendor"] == "QLogic"'
	json_check 'd["vports"][0]["state"] == "Active" and d["vports"][0]["host"] == "host7"'
	json_check '"host" not in d["vports"][1]' ;;
show-json-vport)
	run --sysfs-root "$fx/fcoe" -j -p hba show host3; expect_rc 0
	golden hba-show-fcoe-host3.json
	json_check 'd["is_vport"] and d["parent"] == "host1" and d["vport"] == "vport-1:0-0"' ;;
show-text-fcoe-fabric)
	run --sysfs-root "$fx/fcoe" hba show host4; expect_rc 0
	golden hba-show-fcoe-host4.txt ;;
show-by-wwpn)
	run --sysfs-root "$fx/pci-npiv" -j hba show host6; expect_rc 0
	cp "$tmp/out" "$tmp/by-name"
	for w in 21:01:00:1b:32:a9:00:04 0x2101001b32a90004 naa.2101001b32a90004 2101001B32A90004; do
		run --sysfs-root "$fx/pci-npiv" -j hba show "$w"; expect_rc 0 hba show "$w"
		cmp -s "$tmp/out" "$tmp/by-name" || fail "hba show $w differs from hba show host6"
	done ;;
text-matches-json)
	# One print path: every value of the JSON is in the text, for every port.
	for f in pci-npiv fcoe; do
		for h in $(cd "$fx/$f/class/fc_host" && ls); do
			run --sysfs-root "$fx/$f" -j hba show "$h"; expect_rc 0
			cp "$tmp/out" "$tmp/json"
			run --sysfs-root "$fx/$f" hba show "$h"; expect_rc 0
			python3 - "$tmp/json" "$tmp/out" <<'PY' || fail "$f/$h: text lacks JSON values"
import json, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
def values(v):
    if isinstance(v, dict):
        for x in v.values(): yield from values(x)
    elif isinstance(v, list):
        if v and all(not isinstance(x, (dict, list)) for x in v):
            yield ", ".join(str(x) for x in v)
        else:
            for x in v: yield from values(x)
    elif isinstance(v, bool): yield "yes" if v else "no"
    else: yield str(v)
missing = [s for s in values(d) if s not in text]
if missing: print("missing:", missing); sys.exit(1)
PY
		done
	done ;;
err-unknown-host)
	run --sysfs-root "$fx/pci-npiv" hba show host42; expect_rc 1
	stderr_is "vportctl: hba host42: no such FC host"; stdout_empty
	run --sysfs-root "$fx/pci-npiv" -j hba show host42; expect_rc 1
	stdout_empty ;;
err-not-fc)
	run --sysfs-root "$fx/pci-npiv" hba show host0; expect_rc 1
	stderr_is "vportctl: hba host0: not an FC host (SCSI host of driver ahci)"; stdout_empty ;;
err-unknown-wwpn)
	run --sysfs-root "$fx/pci-npiv" hba show 21:00:00:00:00:00:00:99; expect_rc 1
	stderr_is "vportctl: hba 21:00:00:00:00:00:00:99: no FC host has this WWPN"; stdout_empty ;;
err-malformed-name)
	run --sysfs-root "$fx/pci-npiv" hba show 21:01:00:1b; expect_rc 2
	stderr_has "vportctl: hba 21:01:00:1b: neither a SCSI host name (hostN) nor a WWPN"
	stderr_has "8 groups"; stdout_empty
	run --sysfs-root "$fx/pci-npiv" hba show 0x2101001b32a9000z; expect_rc 2
	stderr_has "'z' is not a hex digit"; stdout_empty ;;
err-usage)
	for args in "" "hba" "hba frob" "hba show" "hba show host5 host6" "--bogus hba list" \
		"hba list --bogus" "frob" "wwn" "wwn parse"; do
		# shellcheck disable=SC2086
		run --sysfs-root "$fx/pci-npiv" $args; expect_rc 2 $args
		stderr_has "vportctl: "; stdout_empty
	done
	run --sysfs-root "$fx/pci-npiv" hba show; stderr_has "NAME is required" ;;
help)
	run --help; expect_rc 0
	grep -q '^  hba ' "$tmp/out" && grep -q '^  wwn ' "$tmp/out" || fail "--help lacks hba/wwn"
	grep -q -- '-j,--json' "$tmp/out" || fail "--help lacks -j"
	! grep -q -- '--sysfs-root' "$tmp/out" || fail "--sysfs-root is not hidden"
	! grep -qi 'not implemented' "$tmp/out" || fail "--help shows unimplemented commands"
	for sub in "hba" "hba list" "hba show" "wwn" "wwn parse"; do
		# shellcheck disable=SC2086
		run $sub --help; expect_rc 0 $sub --help
		grep -q "Usage: vportctl ${sub// / }" "$tmp/out" || fail "$sub --help: no usage line"
	done
	run hba show --help; grep -q 'NAME' "$tmp/out" || fail "hba show --help lacks NAME" ;;
wwn-parse)
	for w in 21:01:00:1b:32:a9:00:04 0x2101001B32A90004 naa.2101001b32a90004 2101001b32a90004; do
		run -j wwn parse "$w"; expect_rc 0 wwn parse "$w"
		json_check 'd == {"wwn": "21:01:00:1b:32:a9:00:04", "hex": "2101001b32a90004", "hex0x": "0x2101001b32a90004", "naa_form": "naa.2101001b32a90004", "naa": 2, "naa_type": "IEEE extended", "oui": "00:1b:32", "valid": True}'
	done
	run wwn parse 5001405abcdef012; expect_rc 0
	golden wwn-parse-naa5.txt ;;
wwn-parse-invalid)
	run -j wwn parse naa.6001405abcdef012; expect_rc 1
	json_check 'd["valid"] is False and d["naa"] == 6 and "128 bits" in d["problem"]'
	stderr_is "vportctl: WWN 'naa.6001405abcdef012': NAA 6 (IEEE registered extended) names are 128 bits long, not a 64-bit WWN"
	run wwn parse 0000000000000000; expect_rc 1
	stderr_has "zero is not a name" ;;
wwn-parse-malformed)
	run wwn parse 21:01:00:1b:32:a9:00; expect_rc 2
	stderr_is "vportctl: WWN '21:01:00:1b:32:a9:00': colon form needs 8 groups of 2 hex digits (xx:xx:xx:xx:xx:xx:xx:xx)"
	stdout_empty
	run wwn parse xyz; expect_rc 2; stderr_has "'xyz'"; stdout_empty ;;
# The netlink commands on a host without the module (the build host has no
# loadable modules; where the module is loaded these cases have nothing to
# check and pass).
vport-no-module)
	[[ -d /sys/module/vhost_vport ]] && exit 0
	for args in "vport list" "-j vport list" "vport show 21:00:00:00:5a:00:00:01"; do
		run $args; expect_rc 1
		stderr_is "vportctl: netlink family vhost_vport not found: the vhost_vport kernel module is not loaded"
		stdout_empty
	done ;;
monitor-no-module)
	[[ -d /sys/module/vhost_vport ]] && exit 0
	run monitor; expect_rc 1; stderr_has "kernel module is not loaded"; stdout_empty ;;
vport-show-malformed)
	run vport show 21:00:00; expect_rc 2; stderr_has "'21:00:00'"; stdout_empty
	run vport show; expect_rc 2; stdout_empty ;;
*)
	echo "unknown case $case" >&2; exit 2 ;;
esac
exit 0
