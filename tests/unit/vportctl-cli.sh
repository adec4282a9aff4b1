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
	wwn-pair wwn-pair-in-use wwn-pair-errors
	define-round-trip define-state-dir define-errors define-corrupt
	exec-errors exec-no-module help-new man-page completion migrate-errors
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
stderr_lacks() {
	! grep -qF -- "$1" "$tmp/err" || fail "stderr has '$1': $(cat "$tmp/err")"
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
wwn-pair)
	U=6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60
	run --sysfs-root "$fx/pci-npiv" -j wwn pair --uuid "$U" --prefix 00:1b:32; expect_rc 0
	json_check 'd["a"] == {"wwpn": "21:b2:00:1b:32:4d:02:ad", "wwnn": "20:b2:00:1b:32:4d:02:ad"}'
	json_check 'd["b"] == {"wwpn": "23:b2:00:1b:32:4d:02:ad", "wwnn": "22:b2:00:1b:32:4d:02:ad"}'
	json_check 'd["scheme"] == 1 and d["in_use"] == [] and d["prefix"] == "oui 00:1b:32" and d["uuid"] == "'$U'"'
	cp "$tmp/out" "$tmp/json"
	# Same names from another spelling of the same UUID and prefix.
	run --sysfs-root "$fx/pci-npiv" -j wwn pair --uuid "${U^^}" --prefix 001B32; expect_rc 0
	cmp -s "$tmp/out" "$tmp/json" || fail "UUID/prefix spelling changed the pair"
	run --sysfs-root "$fx/pci-npiv" wwn pair --uuid "$U" --prefix 00:1b:32; expect_rc 0
	for w in 21:b2:00:1b:32:4d:02:ad 20:b2:00:1b:32:4d:02:ad 23:b2:00:1b:32:4d:02:ad 22:b2:00:1b:32:4d:02:ad; do
		grep -q "$w" "$tmp/out" || fail "text lacks $w"
	done
	run -j wwn pair --uuid "$U" --prefix 5001b32a --no-check; expect_rc 0
	json_check 'd["a"]["wwpn"] == "50:01:b3:2a:c9:34:0a:b5" and "in_use" not in d' ;;
wwn-pair-in-use)
	# A host whose fc_host already has the A WWPN: exit 1, named.
	mkdir -p "$tmp/sys/class/fc_host/host3"
	echo 0x21b2001b324d02ad >"$tmp/sys/class/fc_host/host3/port_name"
	run --sysfs-root "$tmp/sys" -j wwn pair --uuid 6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60 --prefix 00:1b:32
	expect_rc 1
	json_check 'd["in_use"] == [{"wwpn": "21:b2:00:1b:32:4d:02:ad", "where": "host3"}]'
	stderr_is "vportctl: WWPN 21:b2:00:1b:32:4d:02:ad: already in use on this host (host3)" ;;
wwn-pair-errors)
	run wwn pair --uuid nope --prefix 00:1b:32; expect_rc 2; stdout_empty
	stderr_is "vportctl: UUID 'nope': 'n' is not a hex digit"
	run wwn pair --uuid 6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60 --prefix 00:1b; expect_rc 2; stdout_empty
	stderr_has "vportctl: WWN prefix '00:1b': want an IEEE OUI"
	run wwn pair --prefix 00:1b:32; expect_rc 2; stderr_has "--uuid is required" ;;
define-round-trip)
	export VPORT_STATE_DIR=$tmp/state
	run define db1 --wwpn 0x2100001b32000001 --wwnn naa.2000001b32000001 --parent-wwpn 21:00:00:1b:32:a9:00:04
	expect_rc 0
	[[ $(cat "$tmp/out") == "defined db1 in $tmp/state/db1.json" ]] || fail "define said: $(cat "$tmp/out")"
	run -j define db2 --wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02 --fabric 10:00:00:05:1e:00:00:01 \
		--login-timeout 5000; expect_rc 0
	json_check 'd["parent"] == {"fabric": "10:00:00:05:1e:00:00:01"} and d["login_timeout_ms"] == 5000'
	run define any1 --wwpn 21:00:00:1b:32:00:00:03 --wwnn 20:00:00:1b:32:00:00:03 --parent-any; expect_rc 0
	# The file is the readable JSON of the definition.
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d != {"name": "db1", "wwpn": "21:00:00:1b:32:00:00:01", "wwnn": "20:00:00:1b:32:00:00:01", "parent": {"wwpn": "21:00:00:1b:32:a9:00:04"}})' \
		"$tmp/state/db1.json" || fail "db1.json: $(cat "$tmp/state/db1.json")"
	run -j defined; expect_rc 0
	json_check '[x["name"] for x in d] == ["any1", "db1", "db2"]'
	cp "$tmp/out" "$tmp/defined.json"
	run -j list --defined; expect_rc 0
	cmp -s "$tmp/out" "$tmp/defined.json" || fail "list --defined differs from defined" 
	json_check 'd[0]["parent"] == {"any": True}'
	run defined; expect_rc 0
	grep -qE '^db1 +21:00:00:1b:32:00:00:01 +20:00:00:1b:32:00:00:01 +wwpn 21:00:00:1b:32:a9:00:04 +-$' "$tmp/out" ||
		fail "text list: $(cat "$tmp/out")"
	grep -qE '^db2 .* fabric 10:00:00:05:1e:00:00:01 +5000$' "$tmp/out" || fail "text list: $(cat "$tmp/out")"
	run -j defined db2; expect_rc 0
	json_check 'd["name"] == "db2" and d["file"].endswith("/db2.json")'
	run define db2 --wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02 --parent-any; expect_rc 1
	stderr_is "vportctl: definition db2: already defined ($tmp/state/db2.json)"
	run define db2 --wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02 --parent-any --force; expect_rc 0
	run -j defined db2; json_check 'd["parent"] == {"any": True} and "login_timeout_ms" not in d'
	run undefine db2; expect_rc 0
	[[ ! -e $tmp/state/db2.json ]] || fail "undefine left the file"
	run undefine db2; expect_rc 1
	stderr_is "vportctl: definition db2: not defined (no $tmp/state/db2.json)"
	run defined db2; expect_rc 1
	[[ $(ls -A "$tmp/state" | tr '\n' ' ') == "any1.json db1.json " ]] || fail "stray files: $(ls -A "$tmp/state")" ;;
define-state-dir)
	# --state-dir wins over VPORT_STATE_DIR.
	export VPORT_STATE_DIR=$tmp/env
	run --state-dir "$tmp/opt" define x --wwpn 21:00:00:1b:32:00:00:01 --wwnn 20:00:00:1b:32:00:00:01 --parent-any
	expect_rc 0
	[[ -e $tmp/opt/x.json && ! -e $tmp/env ]] || fail "--state-dir not used"
	run define y --wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02 --parent-any; expect_rc 0
	[[ -e $tmp/env/y.json ]] || fail "VPORT_STATE_DIR not used" ;;
define-errors)
	export VPORT_STATE_DIR=$tmp/state
	W=(--wwpn 21:00:00:1b:32:00:00:01 --wwnn 20:00:00:1b:32:00:00:01)
	run define db1 "${W[@]}" --parent host5; expect_rc 2
	stderr_is "vportctl: --parent host5: a SCSI host name changes across reboots; use --parent-wwpn or --fabric"
	run define db1 "${W[@]}"; expect_rc 2
	stderr_is "vportctl: definition db1: name the parent with --parent-wwpn, --fabric or --parent-any"
	run define 'a/b' "${W[@]}" --parent-any; expect_rc 2
	stderr_has "'/' is not allowed in a definition name"
	run define .x "${W[@]}" --parent-any; expect_rc 2
	run define db1 --wwpn 21:00:00:1b:32:00:00:01 --wwnn 21:00:00:1b:32:00:00:01 --parent-any; expect_rc 2
	stderr_has "are the same name"
	run define db1 --wwpn naa.6001405abcdef012 --wwnn 20:00:00:1b:32:00:00:01 --parent-any; expect_rc 2
	stderr_has "--wwpn: WWN 'naa.6001405abcdef012': NAA 6"
	run define db1 "${W[@]}" --parent-wwpn 21:00:00:1b:32:a9:00:04 --fabric 10:00:00:05:1e:00:00:01; expect_rc 2
	run define db1 --wwpn 21:00:00:1b:32:00:00:01 --parent-any; expect_rc 2
	[[ ! -e $tmp/state ]] || fail "a refused define created $(ls -A "$tmp/state")" ;;
define-corrupt)
	export VPORT_STATE_DIR=$tmp/state
	run define good --wwpn 21:00:00:1b:32:00:00:01 --wwnn 20:00:00:1b:32:00:00:01 --parent-any; expect_rc 0
	printf '{"name": "bad", "wwpn": ' >"$tmp/state/bad.json"
	cp "$tmp/state/bad.json" "$tmp/bad.orig"
	run -j defined; expect_rc 1
	json_check '[x["name"] for x in d] == ["good"]'
	stderr_has "vportctl: $tmp/state/bad.json: not valid JSON"
	run defined bad; expect_rc 1; stdout_empty
	stderr_has "vportctl: $tmp/state/bad.json: not valid JSON"
	run define bad --wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02 --parent-any; expect_rc 1
	stderr_has "already defined"
	cmp -s "$tmp/state/bad.json" "$tmp/bad.orig" || fail "the corrupt file changed"
	# exec of a corrupt definition fails before creating anything.
	run --control-device "$tmp/no-device" exec --vport bad -- true {fd}; expect_rc 1
	stderr_has "$tmp/state/bad.json: not valid JSON" ;;
exec-errors)
	export VPORT_STATE_DIR=$tmp/state
	W=(--wwpn 21:00:00:1b:32:00:00:01 --wwnn 20:00:00:1b:32:00:00:01)
	run define d1 --wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02 --parent-any; expect_rc 0
	# Every mistake of the command line is found before a vport is created
	# (the control device does not exist, so reaching it would say so).
	C=(--control-device "$tmp/no-device")
	run "${C[@]}" exec "${W[@]}" -- sh -c true; expect_rc 2
	stderr_is "vportctl: vport 21:00:00:1b:32:00:00:01: no {fd} in the command line hands it to QEMU"
	run "${C[@]}" exec "${W[@]}" --vport d1 -- sh {fd}; expect_rc 2
	stderr_has "{fd} needs exactly one vport, there are 2"
	run "${C[@]}" exec --vport d1 -- sh {fd:d2}; expect_rc 2
	stderr_has "no vport named 'd2'"
	run "${C[@]}" exec --vport d1 --vport d1 -- sh {fd:d1}; expect_rc 2
	stderr_has "--vport d1 is given twice"
	run "${C[@]}" exec --vport nope -- sh {fd}; expect_rc 1
	stderr_has "definition nope: not defined"
	run "${C[@]}" exec -- sh {fd}; expect_rc 2
	stderr_has "no vport given"
	run "${C[@]}" exec "${W[@]}"; expect_rc 2
	run "${C[@]}" exec "${W[@]}" --parent 5 -- sh {fd}; expect_rc 2
	stderr_has "not a SCSI host name"
	# QEMU's own options after -- are not vportctl's, even after the
	# multi-valued --vport: the command line is good, the vport creation
	# (bogus control device) is what fails.
	run "${C[@]}" exec --vport d1 -- qemu-system-x86_64 -S -j -device vhost-scsi-pci,wwpn={wwpn},vhostfd={fd} --help
	expect_rc 1
	stderr_has "no such device (is the vhost_vport module loaded?)"
	run hba list -- x; expect_rc 2
	stderr_has "only for exec" ;;
exec-no-module)
	# The vport cannot be created: exit 1 with the reason, nothing executed.
	run --control-device "$tmp/no-device" exec --wwpn 21:00:00:1b:32:00:00:01 --wwnn 20:00:00:1b:32:00:00:01 \
		-- touch "$tmp/ran-{fd}"; expect_rc 1
	stderr_is "vportctl: vport 21:00:00:1b:32:00:00:01: $tmp/no-device: no such device (is the vhost_vport module loaded?)"
	compgen -G "$tmp/ran-*" >/dev/null && fail "the command ran"
	run --control-device /dev/null exec --wwpn 21:00:00:1b:32:00:00:01 --wwnn 20:00:00:1b:32:00:00:01 \
		-- touch "$tmp/ran-{fd}"; expect_rc 1
	stderr_has "does not know VHOST_VPORT_CREATE"
	compgen -G "$tmp/ran-*" >/dev/null && fail "the command ran"
	true ;;
help-new)
	run --help; expect_rc 0
	for sub in define undefine defined exec attach detach; do
		grep -q "^  $sub " "$tmp/out" || fail "--help lacks $sub"
	done
	grep -q -- '--state-dir' "$tmp/out" || fail "--help lacks --state-dir"
	for sub in "wwn pair" define undefine defined exec attach detach; do
		# shellcheck disable=SC2086
		run $sub --help; expect_rc 0 $sub --help
		grep -q "Usage: vportctl $sub" "$tmp/out" || fail "$sub --help: no usage line"
	done
	run exec --help; grep -qF '{fd:DEF}' "$tmp/out" || fail "exec --help does not explain {fd:DEF}"
	run attach --help; grep -qF -- '--prop' "$tmp/out" || fail "attach --help lacks --prop" ;;
man-page)
	# Every subcommand of --help has a section in the man page, which
	# renders without warnings.
	man=$here/../../tools/vportctl/vportctl.8
	run --help
	for sub in $(sed -n '/^Subcommands:/,/^$/p' "$tmp/out" | awk 'NR > 1 && NF { print $1 }'); do
		grep -q "^\.SS $sub" "$man" || fail "vportctl.8 has no section for $sub"
	done
	for sub in "hba list" "hba show" "wwn parse" "wwn pair" "vport list"; do
		grep -q "^\.SS $sub" "$man" || fail "vportctl.8 has no section for $sub"
	done
	if command -v groff >/dev/null; then
		LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>"$tmp/warn"
		[[ ! -s $tmp/warn ]] || fail "groff warnings: $(cat "$tmp/warn")"
	fi ;;
migrate-errors)
	# Command-line mistakes of migrate: exit 2 before anything is created
	# (the control device does not exist, so reaching it would say so).
	C=(--control-device "$tmp/no-device")
	B=(--wwpn 21:00:00:1b:32:00:00:02 --wwnn 20:00:00:1b:32:00:00:02)
	run "${C[@]}" migrate prepare "${B[@]}" -- sh {fd}; expect_rc 2
	stderr_has "give --from WWPN (vport A on this host) or --source FILE"
	run "${C[@]}" migrate prepare --from 21:00:00:1b:32:00:00:01 --source x.json "${B[@]}" -- sh {fd}; expect_rc 2
	run "${C[@]}" migrate prepare --from 21:00:00:1b:32:00:00:01 "${B[@]}"; expect_rc 2
	stderr_has "give the destination QEMU, as a command after -- (exec'd with -incoming) or as --qmp SOCKET"
	# --qmp (hot-plug into a waiting QEMU) instead of a command.
	F=(--from 21:00:00:1b:32:00:00:01)
	run "${C[@]}" migrate prepare "${F[@]}" "${B[@]}" --qmp "$tmp/q.sock"; expect_rc 2
	stderr_has "--qmp and --id go together"
	run "${C[@]}" migrate prepare "${F[@]}" "${B[@]}" --qmp "$tmp/q.sock" --id vs0 -- sh {fd}; expect_rc 2
	stderr_has "--qmp and a command after -- exclude each other"
	run "${C[@]}" migrate prepare "${F[@]}" "${B[@]}" --prop bus=rp0 -- sh {fd}; expect_rc 2
	stderr_has "--prop goes with --qmp"
	run "${C[@]}" migrate prepare "${F[@]}" "${B[@]}" --qmp "$tmp/q.sock" --id vs0 --prop vhostfd=3; expect_rc 2
	stderr_has "vportctl sets vhostfd itself"
	# QEMU is asked first: a socket nobody listens on fails before any vport.
	run "${C[@]}" migrate prepare "${F[@]}" "${B[@]}" --qmp "$tmp/q.sock" --id vs0; expect_rc 1
	stderr_has "$tmp/q.sock"
	stderr_lacks "no-device"
	run "${C[@]}" migrate prepare --from 21:00:00:1b:32:00:00:01 "${B[@]}" -- sh -c true; expect_rc 2
	stderr_has "no {fd} in the command line"
	run "${C[@]}" migrate prepare --from 0 "${B[@]}" -- sh {fd}; expect_rc 2
	stderr_has "--from"
	# --source: a file that is missing, not JSON, or not a description.
	run "${C[@]}" migrate prepare --source "$tmp/none.json" "${B[@]}" -- sh {fd}; expect_rc 1
	stderr_has "cannot read $tmp/none.json"
	echo '{' >"$tmp/bad.json"
	run "${C[@]}" migrate prepare --source "$tmp/bad.json" "${B[@]}" -- sh {fd}; expect_rc 1
	stderr_has "not JSON"
	echo '{"wwpn": "21:00:00:1b:32:00:00:01", "targets": [], "luns": []}' >"$tmp/nownn.json"
	run "${C[@]}" migrate prepare --source "$tmp/nownn.json" "${B[@]}" -- sh {fd}; expect_rc 1
	stderr_has 'migration source: top level: no "wwnn" string'
	run migrate commit --from 21:00:00:1b:32:00:00:01; expect_rc 2
	run migrate commit --from 21:00:00:1b:32:00:00:01 --to 21:00:00:1b:32:00:00:02 -- x; expect_rc 2
	stderr_has "only for exec and migrate prepare"
	run migrate abort --from 21:00:00:1b:32:00:00:01 --to nope; expect_rc 2
	stderr_has "--to"
	run migrate; expect_rc 2 ;;
completion)
	# The completion script with bash-completion's helpers stubbed.
	mkdir -p "$tmp/state"
	echo '{}' >"$tmp/state/vm1-a.json"
	echo '{}' >"$tmp/state/vm2.json"
	complete_words() { # WORDS...: the candidates for the last word
		bash -c '
			_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]};
				words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
			_filedir() { COMPREPLY=(FILES); }
			_command_offset() { COMPREPLY=(COMMAND@$1); }
			complete() { :; }
			source "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_vportctl
			echo "${COMPREPLY[*]}"' x "$here/../../tools/vportctl/vportctl.bash-completion" "$@"
	}
	export VPORT_STATE_DIR=$tmp/state
	[[ $(complete_words vportctl "") == *"define"*"attach"* ]] || fail "top level: $(complete_words vportctl "")"
	[[ $(complete_words vportctl de) == "define defined detach" ]] || fail "de: $(complete_words vportctl de)"
	[[ $(complete_words vportctl exec --vport "") == "vm1-a vm2" ]] || fail "--vport: $(complete_words vportctl exec --vport "")"
	[[ $(complete_words vportctl undefine v) == "vm1-a vm2" ]] || fail "undefine"
	[[ $(complete_words vportctl --state-dir /nowhere undefine "") == "" ]] || fail "--state-dir ignored"
	[[ $(complete_words vportctl exec --vport vm2 -- qemu) == "COMMAND@5" ]] || fail "after --"
	[[ $(complete_words vportctl attach --q) == "--qmp" ]] || fail "attach --q"
	[[ $(complete_words vportctl wwn "") == "parse pair" ]] || fail "wwn"
	[[ $(complete_words vportctl wwn pair --p) == "--prefix --pretty" ]] || fail "wwn pair --p: $(complete_words vportctl wwn pair --p)"
	[[ $(complete_words vportctl migrate "") == "describe prepare commit abort" ]] || fail "migrate"
	[[ $(complete_words vportctl migrate commit --so) == "--source-qmp" ]] || fail "migrate commit --so: $(complete_words vportctl migrate commit --so)"
	[[ $(complete_words vportctl migrate prepare --from A --wwpn B -- qemu) == "COMMAND@8" ]] || fail "migrate prepare --" ;;
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
