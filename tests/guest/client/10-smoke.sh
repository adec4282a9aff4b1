#!/bin/bash
# vsclient against the in-tree vhost-scsi driver: ABI checks, then the
# basic commands (TUR, INQUIRY std and VPD 0x83, READ CAPACITY(16), REPORT
# LUNS, a verified write/read), with and without EVENT_IDX and indirect
# descriptors, and with the fd opened by the shell and passed with --fd.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

vsc abi --record abi.txt
vsc smoke --expect-blocks $((RD_PAGES * 8))
vsc --no-event-idx --no-indirect smoke --expect-blocks $((RD_PAGES * 8))
exec 3<> /dev/vhost-scsi
"$VSCLIENT" --fd 3 --wwpn "$WWPN" smoke --expect-blocks $((RD_PAGES * 8))
exec 3>&-
# A wrong WWPN is refused with a message naming it, and exit status 2.
set +e
out=$("$VSCLIENT" --wwpn naa.5001405000000bad smoke 2>&1)
rc=$?
set -e
expect_eq "exit status for an unknown WWPN" "$rc" 2
grep -q "naa.5001405000000bad" <<<"$out" || die "error does not name the WWPN: $out"
log "ok"
