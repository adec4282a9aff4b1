#!/bin/bash
# Event queue of the in-tree vhost-scsi driver: missed events, and hotplug
# events when a LUN is added to and removed from the TPG while the endpoint
# is set.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

vsc events --expect-hotplug 2 --ready-file ready --wait-ms 60000 --record events.txt &
pid=$!
wait_for 30 test -e ready || { kill "$pid"; die "vsclient did not get ready"; }
lio_add_lun 1
sleep 1
lio_del_lun 1
wait "$pid" || die "vsclient events failed"
grep -q '^events.hotplug1 = reason RESCAN lun 1$' events.txt || die "hotplug1: $(cat events.txt)"
grep -q '^events.hotplug2 = reason REMOVED lun 1$' events.txt || die "hotplug2: $(cat events.txt)"
log "ok"
