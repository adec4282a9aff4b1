#!/bin/bash
# Dirty-page logging of the in-tree vhost-scsi driver. It logs the used
# rings but not the data it writes into guest buffers (fixed upstream only
# in 6.16), nor response headers or event buffers: asserted here as the
# known in-tree bug that our module must not have.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

vsc dirtylog --expect-data no --expect-resp no --record dirtylog.txt
log "ok"
